# repr() of an exception is its type's name and the tuple of its arguments, as the firmware
# prints it (py/objexcept.c), for built-in exceptions and a script's own.
class MyError(Exception):
    pass


for e in (ValueError(2), KeyError(), IndexError("foo"), MyError("x", 1), StopIteration(3)):
    print(repr(e))
print([RuntimeError("can't wait")])
