# An exception raised in a generator's `finally` as the generator is freed reaches nobody: it is
# printed as itself, in the firmware's traceback format, and the program goes on (issue 21; the
# interpreter's own report wanted CPython's traceback module).
def g():
    try:
        yield 1
    finally:
        raise ValueError("in finally")


x = g()
next(x)
del x
print("after")
