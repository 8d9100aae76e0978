# generator.throw() as the firmware: something that is not an exception goes to the throw()
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


# StopIteration thrown through a yield from whose iterator has no throw(): RuntimeError (PEP 479)
# and the generator is finished.
def through():
    yield from range(3)
    print("not reached")


t = through()
next(t)
try:
    t.throw(StopIteration)
except RuntimeError as e:
    print("RuntimeError:", e)
print(list(t))
