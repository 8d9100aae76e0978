# compile, exec and eval as on the board: strings and code objects, scopes, the board's errors.
x = 5
print(eval("x * 2"))
print(eval(b"x + 1"))
print(eval("y + 1", {"y": 41}))
print(eval("a + b", {"a": 1}, {"b": 2}))
exec("z = x + 10")
print(z)
d = {}
exec("w = 7\ndef f():\n    return w * 6\n", d)
print(d["w"], d["f"]())
print("__builtins__" in d)


def inner():
    # Without globals, exec and eval use the caller's module.
    exec("global g\ng = 'set from a function'")
    return eval("x")


print(inner(), g)

c = compile("3 ** 4", "calc", "eval")
print(type(c).__name__, eval(c))
c = compile("q = [i * i for i in range(4)]", "sq", "exec")
exec(c)
print(q)
c = compile("for i in range(2): print('single', i)\n", "<stdin>", "single")
exec(c)

for src in ("x = = 1", "def broken(:\n  pass", "print('unclosed"):
    try:
        exec(src)
    except SyntaxError as e:
        print(type(e).__name__, e.args[0], e.lineno)

for src in ("if 1:\n        a = 1\n    b = 2\n", "a = 1\n  b = 2\n"):
    try:
        exec(src)
    except SyntaxError as e:
        print(type(e).__name__, isinstance(e, SyntaxError), e.args[0], e.lineno)

for what, f in (
    ("bad mode", lambda: compile("1", "f", "bogus")),
    ("globals not a dict", lambda: eval("1", [])),
    ("unknown name", lambda: eval("undefined_name")),
):
    try:
        f()
    except Exception as e:
        print(what, type(e).__name__, e)

# A syntax error in a file imported from the flash names that file.
with open("bad_mod.py", "w") as f:
    f.write("x = 1\nx = = 2\n")
try:
    import bad_mod
except SyntaxError as e:
    print(type(e).__name__, e.filename, e.lineno)
import os
os.remove("bad_mod.py")

# Compiling is the script's own work: it takes the board's heap, like any allocation.
try:
    exec("x = 1\n" * 3000)
    print("compiled 3000 lines")
except MemoryError:
    print("MemoryError")
print(eval("2 + 2"))
