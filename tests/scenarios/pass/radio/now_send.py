# Broadcasts three ESP-NOW frames, 200 ms apart.
import espnow, network, time

network.WLAN(network.STA_IF).active(True)
e = espnow.ESPNow()
e.active(True)
BCAST = b"\xff" * 6
e.add_peer(BCAST)
for n in range(3):
    time.sleep_ms(200)
    e.send(BCAST, b"frame %d" % n)
print("sent")
