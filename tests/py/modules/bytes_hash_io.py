# binascii, hashlib, io (issue 2).
import binascii, hashlib, io
print(binascii.hexlify(b"\x00\xffAB"), binascii.hexlify(b"\x01\x02", ":"))
print(binascii.unhexlify("48656c6c6f"), binascii.a2b_base64("aGVsbG8="), binascii.b2a_base64(b"hello"))
print(binascii.crc32(b"hello"))
print(binascii.hexlify(hashlib.sha256(b"abc").digest()))
h = hashlib.sha256()
h.update(b"a")
h.update(b"bc")
print(h.digest() == hashlib.sha256(b"abc").digest())
print(binascii.hexlify(hashlib.sha1(b"abc").digest()))
s = io.StringIO("line1\nline2\n")
print(s.readline(), s.read())
s = io.StringIO()
s.write("hello ")
print("world", file=s)
print(repr(s.getvalue()))
b = io.BytesIO(b"0123456789")
print(b.read(3), b.seek(8), b.read(), b.tell())
b = io.BytesIO()
b.write(b"ab")
print(b.getvalue())
# A finished hash takes no more data and gives its digest once, as the firmware's.
h = hashlib.sha256(b"abc")
h.digest()
for f in (h.digest, lambda: h.update(b"x")):
    try:
        f()
    except ValueError as e:
        print("ValueError:", e)
