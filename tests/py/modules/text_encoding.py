# Text to bytes and back in UTF-8, as on the board (the interpreter's codecs are mpsim's own).
s = "héllo wörld ✓"
b = s.encode()
print(b, len(s), len(b))
print(b.decode() == s, b.decode("utf-8") == s, str(b, "utf-8") == s, bytes(s, "utf-8") == b)
print(bytearray(b).decode() == s, memoryview(b)[:6].tobytes().decode())
print("plain".encode("ascii"), b"plain".decode("ascii"), "".encode(), repr(b"".decode()))
for bad in (b"\xff", b"ab\xc3", b"\xe2\x9c"):
    try:
        bad.decode()
    except UnicodeError as e:
        print("UnicodeError", isinstance(e, ValueError))
# Every code point range round-trips.
for cp in (0x41, 0xE9, 0x394, 0x2713, 0x1F600):
    c = chr(cp)
    print(hex(cp), c.encode(), c.encode().decode() == c)
