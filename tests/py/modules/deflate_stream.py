# Issue 15: deflate as the firmware's: output is made as it is asked for, the source is read only as
# far as that needs, compressed bytes reach the stream as they are completed, and bad data, a small
# window or a closed DeflateIO are OSError(EINVAL).
import deflate, io

data = b"micropython hello world hello world micropython"
buf = io.BytesIO()
with deflate.DeflateIO(buf, deflate.ZLIB, 9) as g:
    g.write(data)
packed = buf.getvalue()
print(packed)

src = io.BytesIO(packed)
g = deflate.DeflateIO(src)
for n in (1, 1, 2, -1, 1):
    print(g.read(n), src.seek(0, 1))

print(deflate.DeflateIO(io.BytesIO(b"\x78\x9c\x03\x00")).read(0))
for bad in (b"\x78\x9c\xff\xff", b"not zlib", packed[:-1] + b"\x00"):
    try:
        deflate.DeflateIO(io.BytesIO(bad)).read()
    except (OSError, EOFError) as e:
        print(type(e).__name__, e)
try:
    deflate.DeflateIO(io.BytesIO(packed[:10])).read()
except EOFError:
    print("EOFError")

long = bytes((i * 7) % 256 for i in range(300)) * 3
raw = io.BytesIO()
with deflate.DeflateIO(raw, deflate.RAW, 10) as g:
    g.write(long)
for wbits in (8, 10):
    try:
        print(wbits, deflate.DeflateIO(io.BytesIO(raw.getvalue()), deflate.RAW, wbits).read() == long)
    except OSError as e:
        print(wbits, "OSError", e)

g = deflate.DeflateIO(io.BytesIO())
g.close()
for op in (lambda: g.write(b"x"), lambda: g.read()):
    try:
        op()
    except OSError as e:
        print("closed:", e)
for args in ((4,), (deflate.RAW, 4), (deflate.RAW, 16)):
    try:
        deflate.DeflateIO(io.BytesIO(), *args)
    except ValueError as e:
        print("ValueError", e)
