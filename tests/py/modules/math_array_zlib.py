# math, array, deflate (and no zlib: v1.28 has deflate instead) on the ESP8266 (issues 2, 15, 18): single-precision floats in the
# 30-bit object representation, and no complex numbers (no cmath) in its firmware.
import math, array, deflate, io
print(math.pi, math.e, math.sqrt(16), math.floor(-1.5), math.isnan(float("nan")))
print(math.sin(0), math.cos(0), math.log(math.e), math.pow(2, 10))
try:
    import cmath
except ImportError as e:
    print("ImportError:", e)
try:
    complex(1, 2)
except NameError as e:
    print(type(e).__name__)
a = array.array("h", [1, 2, 3])
a.append(-4)
print(a, len(a), a[3], sum(a))
b = array.array("B", b"\x01\x02")
print(bytes(b), array.array("f", [1.5])[0])
data = b"hello hello hello hello"
try:
    import zlib
except ImportError as e:
    print(e)
stream = io.BytesIO()
with deflate.DeflateIO(stream, deflate.ZLIB) as d:
    d.write(data)
print(deflate.DeflateIO(io.BytesIO(stream.getvalue()), deflate.ZLIB).read() == data)
print(deflate.DeflateIO(io.BytesIO(stream.getvalue()), deflate.AUTO).read() == data)
