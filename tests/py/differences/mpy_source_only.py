# The firmware imports .mpy files (bytecode for its version, native code for its architecture).
# mpsim runs Python source only: it checks a .mpy's header as the firmware does (ValueError for
# another version or architecture) and refuses a valid one with ImportError. MicroPython's
# micropython/import_mpy_native*.py tests fail on this.
import sys

feat = sys.implementation._mpy >> 8
with open("good.mpy", "wb") as f:
    f.write(bytes([77, 6, feat & 3, 31]) + bytes(8))
with open("otherarch.mpy", "wb") as f:
    f.write(bytes([77, 6, ((((feat >> 2) % 10) + 1) << 2) | (feat & 3), 31]))
for name in ("good", "otherarch"):
    try:
        __import__(name)
    except (ImportError, ValueError) as e:
        print(type(e).__name__, e)
