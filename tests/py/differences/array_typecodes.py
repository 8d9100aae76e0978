# Known difference (docs/differences.md): the firmware's array also takes the typecodes 'O'
# (objects), 'P' and 'S' (pointers); mpsim's has the standard ones only, and refuses these as
# the firmware refuses an unknown one. Comparing arrays of different layouts is a
# NotImplementedError on both. The firmware prints "O ok", "P ok", "S ok".
import array

for t in "OPSz":
    try:
        array.array(t)
        print(t, "ok")
    except ValueError as e:
        print(t, e)
try:
    array.array("b") == array.array("h")
except NotImplementedError:
    print("NotImplementedError")
