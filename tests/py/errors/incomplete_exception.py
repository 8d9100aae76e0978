# An exception that raises itself from its own __init__ is not complete yet: the firmware raises
# TypeError there. Exception classes with their own __init__ otherwise work as usual.
class Early(Exception):
    def __init__(self):
        raise self


class Fine(ValueError):
    def __init__(self, code):
        super().__init__("code %d" % code)
        self.code = code


try:
    Early()
except TypeError as e:
    print("TypeError:", e)
try:
    raise Fine(7)
except ValueError as e:
    print(type(e).__name__, e, e.code, e.args)


class Inner(Exception):
    def __init__(self):
        try:
            raise KeyError("k")
        except KeyError:
            pass
        super().__init__("made")


print(repr(Inner()))
