# const() as the firmware's compiler has it (issue 15): the value takes the place of every later
# standalone use of the name (in functions and methods too); a private `_NAME` is not stored at
# all; the value must fold to a constant; a constant cannot be assigned again.
import math

A = const(1 << 4)
_B = const(A + 2)
_T = const((A, "s", b"b"))
_F = const(2.0 * math.pi)
_BIG = const(1 << 40)


class K:
    C = const(7)

    def get(self):
        return C, self.C


def f():
    return A, _B


print(A, _B, _T, _F, _BIG, f(), K().get())
print("A" in globals(), "_B" in globals(), hasattr(K, "C"))
for src in ("x = 1\nY = const(x)", "Z = const(1 // 0)", "Z = const(1)\nZ = 2", "Z = const(1 << -1)"):
    try:
        exec(src, {})
        print("compiled")
    except SyntaxError as e:
        print("SyntaxError:", e)
