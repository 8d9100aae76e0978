# network.WLAN against the default access points, in simulated time (issue 6).
import network, time, socket

sta = network.WLAN(network.STA_IF)
ap = network.WLAN(network.AP_IF)
print(sta is network.WLAN(network.STA_IF), sta.active(), ap.active())
print(ap.ifconfig(), ap.config("essid"), ap.config("authmode") == network.AUTH_WPA_WPA2_PSK)
print(sta.config("mac"), ap.config("mac"), network.hostname())

# Nothing reaches out before the station is up.
try:
    sta.scan()
except OSError as e:
    print("scan while off:", e)
try:
    sta.connect("ClassroomWiFi", "secret")
except OSError as e:
    print("connect while off:", e)
try:
    socket.getaddrinfo("micropython.org", 80)
except OSError as e:
    print("getaddrinfo while off:", e.errno)
try:
    socket.socket().connect(("93.184.216.34", 80))
except OSError as e:
    print("connect while off:", e)

sta.active(True)
for ssid, bssid, channel, rssi, auth, hidden in sta.scan():
    print("scan:", ssid, len(bssid), channel, rssi, auth, hidden)


def join(ssid, key):
    sta.connect(ssid, key)
    t = time.ticks_ms()
    seen = [sta.status()]
    while time.ticks_diff(time.ticks_ms(), t) < 5000:
        s = sta.status()
        if s != seen[-1]:
            seen.append(s)
        if s not in (network.STAT_CONNECTING,):
            break
        time.sleep_ms(100)
    print(ssid, "->", seen, "after", time.ticks_diff(time.ticks_ms(), t) // 100 * 100, "ms")


join("ClassroomWiFi", "wrong")
join("NoSuchNetwork", "x")
join("ClassroomWiFi", "secret")
print(sta.isconnected(), sta.ifconfig(), sta.status("rssi"), sta.config("essid"), sta.config("channel"))
print(socket.getaddrinfo("localhost", 1883))

sta.ifconfig(("192.168.1.50", "255.255.255.0", "192.168.1.1", "8.8.8.8"))
print(sta.ifconfig())
try:
    sta.ifconfig(("1.2.3",))
except (TypeError, ValueError) as e:
    print(type(e).__name__)

sta.disconnect()
print(sta.isconnected(), sta.status())
try:
    ap.connect("x", "y")
except OSError as e:
    print(e)
try:
    sta.config("nonsense")
except ValueError as e:
    print(e)
ap.config(essid="MyBoard", password="12345678", channel=3)
print(ap.config("essid"), ap.config("channel"))
try:
    ap.config(password="short")
except ValueError as e:
    print(e)
network.hostname("lab-board")
print(network.hostname(), sta.config("hostname"))
network.phy_mode(network.MODE_11G)
print(network.phy_mode())
try:
    network.WLAN(5)
except ValueError as e:
    print(e)
ap.active(False)
print(ap.active(), ap.ifconfig())
