# Exceptions print as on the board: layout, type names, messages, OSError errno names (issue 2).
import sys


def show(f):
    try:
        f()
    except Exception as e:
        sys.print_exception(e)


show(lambda: 1 / 0)
show(lambda: undefined_name)
show(lambda: [][1])
show(lambda: {}["k"])
show(lambda: 1 + "a")
show(lambda: int("x"))
show(lambda: None.attr)
show(lambda: __import__("no_such_module"))
show(lambda: (_ for _ in ()).throw(OSError(2)))


def raiser(*args):
    raise OSError(*args)


show(lambda: raiser(2))
show(lambda: raiser(17))
show(lambda: raiser(28))
show(lambda: raiser(13, "denied"))
show(lambda: raiser())


def deep(n):
    return deep(n + 1)


show(lambda: deep(0))


class MyError(Exception):
    pass


show(lambda: (_ for _ in ()).throw(MyError()))
show(lambda: (_ for _ in ()).throw(MyError("a", 2)))
show(lambda: len(5))
show(lambda: "abc"[9])
