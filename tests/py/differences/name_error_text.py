# Known difference (docs/differences.md): the message of a NameError is the interpreter's,
# "name 'nope' is not defined"; the firmware's is "name 'nope' isn't defined". Tracebacks
# printed by mpsim use the firmware's wording.
try:
    nope
except NameError as e:
    print(e)
