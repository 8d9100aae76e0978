# The firmware's `with` hands __exit__ the exception's type and value, and None for the
# traceback; an exception raised in __exit__ shows no frame of mpsim's.
class C:
    def __enter__(self):
        return self

    def __exit__(self, a, b, c):
        print("exit", a, b, c)
        return a is KeyError


with C():
    print("body")
with C():
    raise KeyError(1)


class D(C):
    def __exit__(self, *args):
        print("D", len(args), args[2])
        return super().__exit__(*args)


try:
    with D():
        raise ValueError(2)
except ValueError as e:
    print("caught", repr(e))
