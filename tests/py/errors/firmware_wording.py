# Issue 15: the messages the interpreter raises itself are in the firmware's wording, in str(),
# repr() and args alike: a name that "isn't defined", "exceptions must derive from BaseException".
try:
    nope
except NameError as e:
    print(e)
    print(repr(e), e.args[0])
try:
    raise 5
except TypeError as e:
    print(e, e.args)
