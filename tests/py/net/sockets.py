# socket on the board: limits, blocking and non-blocking calls, timeouts, a server and a client
# in one script over this machine's loopback, select.poll on sockets (issue 6).
import network, socket, select, time, ssl

sta = network.WLAN(network.STA_IF)
sta.active(True)
sta.connect("ClassroomWiFi", "secret")
while not sta.isconnected():
    time.sleep_ms(50)

# The board's lwIP has room for 8 sockets; the 9th is refused as the ESP8266 refuses it.
held = []
try:
    for i in range(20):
        held.append(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
except OSError as e:
    print("socket", len(held) + 1, "->", e)
for s in held:
    s.close()
held = None
s = socket.socket()
print("after closing:", s)
s.close()
try:
    s.send(b"x")
except OSError as e:
    print("closed:", e)

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("", 0))
srv.listen(2)
srv.setblocking(False)
try:
    srv.accept()
except OSError as e:
    print("accept with nobody waiting:", e)

# The port the host gave (an internal helper: MicroPython's lwIP has no getsockname here).
import _mpsim_net
port = _mpsim_net.sockname(srv._h)
cli = socket.socket()
cli.connect(("127.0.0.1", port))
p = select.poll()
p.register(srv, select.POLLIN)
print("poll:", [ev for o, ev in p.poll(1000)])
srv.setblocking(True)
conn, addr = srv.accept()
print("accepted from", addr[0])
cli.write("hello %d\n" % 42)
print(conn.readline())
conn.send(b"back")
print(cli.recv(10))
cli.settimeout(0.2)
try:
    cli.recv(10)
except OSError as e:
    print("recv timeout:", e)
cli.setblocking(False)
try:
    cli.recv(10)
except OSError as e:
    print("recv non-blocking:", e)
conn.close()
cli.setblocking(True)
print("after peer closed:", cli.recv(10))
cli.close()
srv.close()

u1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u1.bind(("0.0.0.0", 0))
u2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u2.sendto(b"ping", ("127.0.0.1", _mpsim_net.sockname(u1._h)))
data, frm = u1.recvfrom(64)
print("udp:", data, frm[0])
u1.sendto(b"pong", frm)
print("udp back:", u2.recvfrom(64)[0])
u1.close()
u2.close()

try:
    ssl.wrap_socket(socket.socket())
except OSError as e:
    print("ssl:", e)

# select as the firmware's: ipoll's one-shot flag, a closed socket is POLLNVAL, a stream whose
# poll fails raises its errno (issue 15).
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
p = select.poll()
p.register(u)
print("ipoll:", [ev for o, ev in p.ipoll(0, 1)], [ev for o, ev in p.ipoll(0)])


class Broken:
    def ioctl(self, req, arg):
        return -5


p.register(Broken(), select.POLLIN)
try:
    p.poll(0)
except OSError as e:
    print("poll error:", e.errno)
p = select.poll()
p.register(u)
u.close()
print("closed:", [ev for o, ev in p.poll(0)], select.POLLNVAL)
for args in ((None,), (socket.AF_INET, None), (socket.AF_INET, 123456)):
    try:
        socket.socket(*args)
    except (TypeError, OSError) as e:
        print(type(e).__name__)
print("fileno after close:", u.fileno())
