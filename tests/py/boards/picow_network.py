# mpsim: --board pico-w --net loopback
# The Pico W: its LED on the radio chip, and the cyw43 Wi-Fi with the rp2 port's numbers (issue 7).
import sys, network, time, gc
from machine import Pin

print(sys.implementation._machine, gc.mem_free() > 120000)
led = Pin("LED", Pin.OUT)
led.on()
print(led, led.value(), Pin("WL_GPIO0") == led)
try:
    Pin("GP25")
except ValueError as e:
    print(e)
sta = network.WLAN(network.STA_IF)
ap = network.WLAN(network.AP_IF)
print(sta.active(), ap.active(), network.hostname(), ap.config("essid"), network.country())
print(network.STAT_IDLE, network.STAT_CONNECTING, network.STAT_GOT_IP,
      network.STAT_WRONG_PASSWORD, network.STAT_NO_AP_FOUND, network.STAT_CONNECT_FAIL)
sta.active(True)
sta.connect("HomeNetwork", "micropython")
while sta.status() == network.STAT_CONNECTING:
    time.sleep_ms(100)
print(sta.status(), sta.isconnected(), sta.ifconfig())
sta.connect("Elsewhere", "x")
time.sleep(3)
print(sta.status())
