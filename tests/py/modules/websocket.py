# mpsim: --board esp32
# websocket framing as the firmware's: masked and fragmented frames with a ping between the
# fragments (a control frame sets the data flags, as in the firmware), readinto/readline, the
# data options (text or binary frames), a close frame answered, a frame too big to write.
import io, websocket

def frame(op, data, mask=None, fin=True):
    b0 = (0x80 if fin else 0) | op
    if mask:
        data = bytes(c ^ mask[i & 3] for i, c in enumerate(data))
        return bytes((b0, 0x80 | len(data))) + mask + data
    return bytes((b0, len(data))) + data

raw = (frame(1, b"hello ", b"\x01\x02\x03\x04", fin=False) + frame(9, b"") + frame(0, b"world\nnext")
       + frame(2, b"\x00\xff"))
ws = websocket.websocket(io.BytesIO(raw))
print(ws.readline(), ws.ioctl(8))
buf = bytearray(8)
print(ws.readinto(buf), buf, ws.ioctl(8))
print(ws.read(), ws.read())

s = io.BytesIO()
ws = websocket.websocket(s)
print(ws.write(b"abc"), ws.ioctl(9, 2), ws.write(bytearray(200)), ws.write("é"))
v = s.getvalue()
print(v[:5], v[5:9], len(v), v[-4:])

s = io.BytesIO(frame(8, b""))
print(websocket.websocket(s).read(10), s.getvalue())
try:
    websocket.websocket(io.BytesIO()).write(bytes(70000))
except OSError as e:
    print("OSError:", e)
try:
    websocket.websocket(io.BytesIO()).ioctl(77)
except OSError as e:
    print("OSError:", e)
