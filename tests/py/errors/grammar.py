# Issue 15: what MicroPython's compiler refuses is a SyntaxError on mpsim too, and what it knows
# without an import (const, the micropython code emitters) works without one.
for src in (
    "match x:\n case 1:\n  pass",
    "try:\n pass\nexcept* ValueError:\n pass",
    "type X = int",
    "def f[T](x):\n pass",
    "class C[T]:\n pass",
    "def f(a, /, b):\n pass",
    "@(lambda f: f)\ndef g():\n pass",
    "s = {1, 2, 3}",
    "match = case = type = 1",
    "@micropython.native\ndef f():\n return 1",
    "X = const(3)\nprint(X * 2)",
    "x = 1\nt = t'a{x}'",
    "@micropython.bytecode\ndef f():\n return 1",
    "@micropython.a\ndef f():\n return 1",
    "t = 1\nprint(f'{t}')",
    "() = []",
    "del ()",
    "a = b = 1\ndel [a, b]",
    "[] = []\na = b = 1\ndel (a, b)",
    "d = {'a': 1, **{}}",
    "s = {*[1]}",
    "l = [*[1], 2]",
):
    try:
        exec(src, {})
        print("ok")
    except SyntaxError as e:
        print("SyntaxError:", e.args[0])

# The three-argument throw() that the interpreter deprecates prints no warning on the board.
def gen():
    yield 1


g = gen()
next(g)
try:
    g.throw(ValueError, ValueError(7), None)
except ValueError as e:
    print("thrown", e)


@micropython.viper
def add(a: int, b: int) -> int:
    return a + b


LIMIT = const(10)
print(add(2, 3), LIMIT)
import __main__
print(__main__.add is add, __main__.LIMIT)

# A dict display evaluates each value before its key, as the firmware's compiler orders it.
def show(x):
    print("eval", x)
    return x


class K:
    d = {show("k1"): show("v1"),
         show("k2"):
             show("v2"), "k3": 3}


print(K.d)

# A call's `*` argument at position 30 or later does not compile (its position is a small-int bit).
def count(*a):
    return len(a)


for n in (29, 30):
    try:
        print(n, eval("count(%s*(1, 2))" % ("0, " * n)))
    except SyntaxError as e:
        print(n, "SyntaxError:", e.args[0])
