# micropython.RingIO as the firmware's: a ring buffer stream that wraps around, reads what it
# holds, writes what fits, reads lines, and tells select when it can be read or written.
import micropython, select

r = micropython.RingIO(8)
print(r.write(b"abcdef"), r.read(4), r.write(b"ghijklmn"), r.any())
print(r.read(), r.any(), r.read(3))
r.write(b"one\ntwo\nthr")
print(r.readline(), r.readline(2), r.readline())
buf = bytearray(4)
print(r.readinto(buf), buf, r.readinto(buf), buf)
p = select.poll()
p.register(r, select.POLLIN | select.POLLOUT)
print([ev for _, ev in p.poll(0)])
r.write(b"12345678")
print([ev for _, ev in p.poll(0)], r.write(b"9"))
r.read()
print([ev for _, ev in p.poll(0)])
