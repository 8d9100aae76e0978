# generator.pend_throw(exc), as the firmware has it: thrown at the next next()/send(), the
# previous pending exception returned, None takes it back, refused while the generator runs.
def counter():
    n = 0
    while True:
        try:
            got = yield n
            if got is not None:
                print("sent", got)
        except KeyError as e:
            print("caught", repr(e))
        n += 1


g = counter()
print(next(g))
print(g.pend_throw(KeyError("a")))
print(next(g))
g.pend_throw(KeyError("b"))
print(g.send(7))
print(g.send(8))
print(repr(g.pend_throw(ValueError())), repr(g.pend_throw(None)))
print(next(g))

# An unstarted generator gets the exception before it runs.
g = counter()
g.pend_throw(OSError(5))
try:
    next(g)
except OSError as e:
    print("unstarted:", e)


def selfish():
    me.pend_throw(ValueError())
    yield 1


me = selfish()
try:
    next(me)
except ValueError as e:
    print("running:", e)


# A coroutine has it too.
async def coro():
    return 1


c = coro()
print(c.pend_throw(None))
c.close()
