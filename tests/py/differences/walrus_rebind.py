# Known difference (docs/differences.md): the firmware's compiler lets an assignment expression
# in an inner comprehension rebind an outer comprehension's loop variable; the interpreter's
# compiler refuses it, as CPython's does. The firmware prints [[0, 1], [0, 1]].
try:
    print(eval("([[(j := i) for i in range(2)] for j in range(2)])"))
except SyntaxError:
    print("SyntaxError")
