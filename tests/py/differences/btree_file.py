# The firmware's btree writes Berkeley DB 1.85 pages: its file starts with a metadata page whose
# magic number is 0x053162, and a file written on a board opens here. mpsim writes its own
# layout (shown below) and refuses Berkeley DB's with OSError EINVAL.
import btree, io

s = io.BytesIO()
db = btree.open(s)
db[b"a"] = b"1"
db.close()
print(s.getvalue()[:8])
meta = b"\x62\x31\x05\x00\x03\x00\x00\x00\x00\x10\x00\x00" + bytes(4084)
try:
    btree.open(io.BytesIO(meta))
except OSError as e:
    print("OSError:", e)
