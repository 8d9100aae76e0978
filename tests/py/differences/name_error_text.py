# Known difference (docs/differences.md): str() of a NameError (and of the TypeError for raising
# a non-exception) has the firmware's wording, but its args keep the interpreter's: the firmware
# prints NameError("name 'nope' isn't defined",) on the second line.
try:
    nope
except NameError as e:
    print(e)
    print(repr(e))
try:
    raise 5
except TypeError as e:
    print(e)
