# math, cmath, array, zlib and deflate (issue 2).
import math, cmath, array, zlib, deflate, io
print(math.pi, math.e, math.sqrt(16), math.floor(-1.5), math.isnan(float("nan")))
print(math.sin(0), math.cos(0), math.atan2(1, 1) * 4 == math.pi, math.log(math.e), math.pow(2, 10))
print(cmath.sqrt(-4), cmath.phase(-1), abs(cmath.exp(1j * math.pi) + 1) < 1e-12)
a = array.array("h", [1, 2, 3])
a.append(-4)
print(a, len(a), a[3], sum(a))
b = array.array("B", b"\x01\x02")
print(bytes(b), array.array("f", [1.5])[0])
data = b"hello hello hello hello"
print(zlib.decompress(zlib.compress(data)) == data)
stream = io.BytesIO()
with deflate.DeflateIO(stream, deflate.ZLIB) as d:
    d.write(data)
print(deflate.DeflateIO(io.BytesIO(stream.getvalue()), deflate.ZLIB).read() == data)
print(deflate.DeflateIO(io.BytesIO(zlib.compress(b"auto")), deflate.AUTO).read())
