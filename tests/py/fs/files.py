# open() and file objects on the flash: modes, reading, writing, seeking, iteration (issue 3).
f = open("t.txt", "w")
print(f.write("line one\n"), f.write("line two\nline three"))
f.close()
with open("t.txt") as f:
    print(repr(f.read(4)), repr(f.readline()), f.tell())
    print(repr(f.read()))
    print(repr(f.read()))
with open("t.txt", "r") as f:
    print([l for l in f])
with open("t.txt") as f:
    print(f.readlines())
with open("t.txt", "a") as f:
    f.write("\nappended")
print(open("t.txt").read().splitlines()[-1])
with open("b.bin", "wb") as f:
    f.write(b"\x00\x01\x02\x03")
    f.write(bytearray(b"\xff" * 4))
with open("b.bin", "rb") as f:
    print(f.read(2), f.seek(6), f.read(), f.seek(-3, 2), f.read(1), f.tell())
    buf = bytearray(3)
    f.seek(0)
    print(f.readinto(buf), buf)
with open("b.bin", "r+b") as f:
    f.seek(2)
    f.write(b"AB")
    f.seek(0)
    print(f.read())
with open("b.bin", "w+b") as f:
    print(f.read(), f.write(b"new"), f.seek(0), f.read())
with open("seek.bin", "wb") as f:
    f.seek(4)
    f.write(b"end")
print(open("seek.bin", "rb").read())
with open("u.txt", "w") as f:
    f.write("héllo wörld ✓\n")
with open("u.txt") as f:
    print(f.read(2), f.read())
print(open("u.txt", "rb").read())
try:
    open("t.txt", "x")
except OSError as e:
    print("x:", e)
with open("new.txt", "x") as f:
    f.write("fresh")
f = open("t.txt")
try:
    f.write("no")
except OSError as e:
    print("write on r:", e)
f.close()
try:
    f.read()
except OSError as e:
    print("closed:", e)
try:
    open("t.txt", "w").write(b"bytes in text mode")
except TypeError:
    print("TypeError for bytes in text mode")
try:
    open("b.bin", "wb").write("str in binary mode")
except TypeError:
    print("TypeError for str in binary mode")
# "/" is the virtual root, not a file of any filesystem: EPERM, as the firmware says.
try:
    open("/")
except OSError as e:
    print("dir:", e)
try:
    open("nope.txt")
except OSError as e:
    print("missing:", e)
import io, sys
print(io.open is not None, type(open("t.txt")).__name__ != "", "TextIOWrapper" in repr(open("t.txt")))
import os
print(sorted(os.listdir()))
