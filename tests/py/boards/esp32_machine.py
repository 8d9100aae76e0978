# mpsim: --board esp32 --adc 34=0.25@0 --net loopback
# machine and network on a generic ESP32 as the esp32 port presents them (issue 7).
import sys, os, time, machine, gc, network
from machine import Pin, ADC, PWM, Timer

print(sys.platform, sys.implementation._machine, sys.implementation._mpy)
print(os.uname().sysname, time.gmtime(0)[:3], machine.freq(), machine.unique_id())
print(machine.reset_cause() == machine.PWRON_RESET, gc.mem_free() > 90000)
print(os.listdir(), open("boot.py").read().count("webrepl"))

led = Pin(2, Pin.OUT)
led.on()
print(led, led.value())
for bad in ("IO2", 6, 40):
    try:
        Pin(bad)
    except (ValueError, TypeError) as e:
        print(repr(bad), type(e).__name__, e)
try:
    Pin(34, Pin.OUT)
except ValueError as e:
    print("Pin(34, OUT):", e)

pot = ADC(Pin(34))
print(pot, pot.read(), pot.read_u16(), pot.read_uv())
pot.atten(ADC.ATTN_11DB)
print(pot.read(), pot.read_uv())
pot.width(ADC.WIDTH_10BIT)
print(pot.read())
try:
    ADC(Pin(2))
except ValueError as e:
    print("ADC(Pin(2)):", e)

pwm = PWM(Pin(2), freq=1000, duty=512)
print(pwm, pwm.duty_u16())
pwm.deinit()
try:
    Timer(-1)
except ValueError as e:
    print(e)
hits = []
t = Timer(0)
t.init(period=50, mode=Timer.PERIODIC, callback=lambda t: hits.append(1))
time.sleep_ms(260)
t.deinit()
print("timer", len(hits))

sta = network.WLAN(network.STA_IF)
ap = network.WLAN(network.AP_IF)
print(sta.active(), ap.active(), network.hostname(), ap.config("essid"))
print(network.STAT_IDLE, network.STAT_CONNECTING, network.STAT_GOT_IP, network.STAT_WRONG_PASSWORD, network.STAT_NO_AP_FOUND)
sta.active(True)
sta.connect("ClassroomWiFi", "nope")
time.sleep(3)
print("wrong password:", sta.status())
sta.connect("ClassroomWiFi", "secret")
time.sleep(2)
print("joined:", sta.status(), sta.isconnected(), sta.ifconfig()[0])
import socket
try:
    socket.getaddrinfo("nonexistent.invalid", 80)
except OSError as e:
    print("dns:", e.errno)
