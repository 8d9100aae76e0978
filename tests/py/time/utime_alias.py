# `import uX` gives the module X itself (issue 2).
import utime, time, ujson, json, ucollections, collections, ure, ustruct, usys, sys, uos, os
import re
print(utime is time, ujson is json, ucollections is collections, ure is re)
print(ustruct.pack("<H", 258), usys is sys, uos is os)
import uheapq, ubinascii, uhashlib, uio, urandom, uselect, uerrno, uarray, umath
print(uheapq.heappop([1]), ubinascii.hexlify(b"\x0f"), uerrno.ENOENT, umath.pi > 3)
try:
    import unosuchmodule
except ImportError as e:
    print(e)
