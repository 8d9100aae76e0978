# micropython.opt_level (issue 15): from level 1 on, code compiled afterwards drops asserts and
# sees __debug__ False; level 3 stores no line numbers.
import micropython, sys

print(micropython.opt_level())
micropython.opt_level(1)
exec("assert 0\nprint('assert dropped', __debug__)")
micropython.opt_level(3)
exec("def f():\n    x = 1\n    return nope\ntry:\n    f()\nexcept NameError as e:\n    sys.print_exception(e)")
micropython.opt_level(0)
try:
    exec("assert 0, 'kept'")
except AssertionError as e:
    print("AssertionError", e)
