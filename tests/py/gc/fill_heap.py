# Issue 15: a script that fills the heap in a try block gets its MemoryError there (not at some
# later instruction outside it), can still print in the except block, and a deflate window that no
# longer fits is refused before anything is written.
import deflate, io

b = io.BytesIO()
g = deflate.DeflateIO(b, deflate.RAW, 15)
chunks = []
while True:
    try:
        chunks.append(bytearray(1000))
    except MemoryError:
        print("full after", len(chunks) > 10)
        break
chunks.pop()
try:
    g.write("test")
except MemoryError:
    print("MemoryError")
g.close()
print(b.getvalue())
chunks = None
print("alive")
