# Issue 15: what the firmware leaves out is left out on mpsim too, with the firmware's errors
# (MicroPython's own "non_compliant" list), so that a script that passes here runs on the board.
import array, struct


def attempt(label, f):
    try:
        print(label, f())
    except (NotImplementedError, TypeError, AttributeError, SyntaxError) as e:
        print(label, type(e).__name__, e)


s, b, t, l = "abc", b"abc", (1, 2, 3), [1, 2, 3, 4]
attempt("str step", lambda: s[::-1])
attempt("literal step", lambda: "abc"[::2])
attempt("bytes step", lambda: b[::2])
attempt("tuple step", lambda: t[::2])
attempt("list step read", lambda: l[::2])
attempt("bytearray step", lambda: bytearray(b)[::2])
attempt("array step", lambda: array.array("b", b)[::2])
attempt("step one", lambda: s[0:2:1] + str(t[0:2:1]))


def list_write():
    l[::2] = [0, 0]


def list_delete():
    del l[::2]


def bytearray_delete():
    ba = bytearray(b"ab")
    del ba[0]


def bytearray_list():
    ba = bytearray(2)
    ba[0:1] = [1]


attempt("list step write", list_write)
attempt("list step delete", list_delete)
attempt("bytearray delete", bytearray_delete)
attempt("bytearray slice from a list", bytearray_list)
attempt("int in bytearray", lambda: 1 in bytearray(b"\x01"))
attempt("bytes in bytearray / array", lambda: (b"a" in bytearray(b"ab"), b"a" in array.array("b", b"ab")))
attempt("str keywords", lambda: str(b"x", encoding="utf8"))
attempt("bytes keywords", lambda: bytes("x", encoding="utf8"))
attempt("rsplit(None, n)", lambda: "a b c".rsplit(None, 1))
attempt("rsplit(sep, n)", lambda: "a,b,c".rsplit(",", 1))
attempt("format index", lambda: "{a[0]}".format(a=[1]))
attempt("format attribute", lambda: "{0.real}".format(1))
attempt("struct extra values", lambda: struct.pack("bb", 1, 2, 3))
attempt("exception attribute", lambda: setattr(ValueError(), "x", 0))
attempt("super without self", lambda: exec("def f():\n    super()"))
attempt("number then keyword", lambda: eval("1if 1else 0"))
attempt("unicode name escape", lambda: exec("'\\N{LATIN SMALL LETTER A}'"))


class A:
    def foo(self):
        return "A.foo"


class B(object, A):
    pass


print(B().foo())


class Base:
    pass


class Sub(Base):
    pass


attempt("property on a subclassed class", lambda: setattr(Base, "p", property()))
Base.q = 1
print(Sub.q)
