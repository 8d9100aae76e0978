# Prints the ESP-NOW frames it hears.
import espnow, network, time

network.WLAN(network.STA_IF).active(True)
e = espnow.ESPNow()
e.active(True)
while True:
    mac, msg = e.recv(1000)
    if msg:
        print(msg, "at", time.ticks_ms() // 10 * 10, "ms")
