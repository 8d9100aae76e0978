# The firmware's compiler nests blocks (try, with, loops) as deep as memory allows; the
# interpreter mpsim is built on refuses more than 20 at once with SyntaxError (MicroPython's
# basics/try_except_break.py nests 22 try blocks).
def nest(n):
    src = "def f():\n"
    for i in range(n):
        src += " " * (i + 1) + "try:\n"
    src += " " * (n + 1) + "return %d\n" % n
    for i in reversed(range(n)):
        src += " " * (i + 1) + "except:\n" + " " * (i + 2) + "pass\n"
    ns = {}
    exec(src, ns)
    return ns["f"]()


for n in (20, 21):
    try:
        print(nest(n))
    except SyntaxError:
        print(n, "nested try blocks: SyntaxError")
