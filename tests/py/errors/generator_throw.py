# generator.throw() of something that is not an exception: the firmware hands it to the throw()
# of the iterator a `yield from` delegates to; without one it is TypeError. Exceptions are thrown
# as usual.
class Relay:
    def __iter__(self):
        return self

    def __next__(self):
        return 1

    def throw(self, x):
        return "caught %r" % (x,)


def outer():
    yield from Relay()


def plain():
    yield 1


g = outer()
print(next(g), g.throw(123), g.throw("text"))
p = plain()
next(p)
try:
    p.throw(5)
except TypeError as e:
    print("TypeError:", e)
try:
    p.throw(KeyError("k"))
except KeyError as e:
    print("KeyError", e)
