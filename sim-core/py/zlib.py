# zlib/uzlib: decompress (and compress) as MicroPython 1.24 offers them. The engine's working
# buffers are the simulator's, not the board's, so they stay off the heap budget.
import _imp
import _mpsim
from _frozen_importlib import ModuleSpec

import sys

# The native module shares our name: step out of sys.modules while it is created.
_me = sys.modules.pop("zlib")
try:
    _z = _imp.create_builtin(ModuleSpec("zlib", None, origin="built-in"))
    _imp.exec_builtin(_z)
finally:
    sys.modules["zlib"] = _me
del sys, _me
error = _z.error


def decompress(data, wbits=15, bufsize=0):
    if wbits == 0:
        wbits = 47  # auto-detect zlib or gzip
    return _mpsim.untracked(_z.decompress, data, wbits)


def compress(data, level=-1):
    return _mpsim.untracked(_z.compress, data, level)


def compressobj(level=-1, method=8, wbits=15):
    return _mpsim.untracked(_z.compressobj, level, method, wbits)


DEFLATED = 8
