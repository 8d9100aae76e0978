# mpsim: --wiring tests/py/circuit/station.toml --control dht22.temperature=-7.4@3s --control dht11.humidity=75@3s
# The firmware's dht module over machine.dht_readinto: both sensors' values and their encodings,
# a read's duration (250 ms high, 18 ms start, the 40 bits), a DHT22 read again within its 2 s
# sampling period giving its last measurement, and ETIMEDOUT where nothing answers.
import dht, machine, time

d22 = dht.DHT22(machine.Pin(2))
d11 = dht.DHT11(machine.Pin(14))
t0 = time.ticks_ms()
d22.measure()
print("DHT22 read took", time.ticks_diff(time.ticks_ms(), t0), "ms")
print("DHT22", d22.temperature(), d22.humidity(), list(d22.buf))
d11.measure()
print("DHT11", d11.temperature(), d11.humidity(), list(d11.buf))
time.sleep(3)
d22.measure()
print("DHT22 after 3 s", d22.temperature(), d22.humidity(), list(d22.buf))
d22.measure()
print("at once again", d22.temperature())
d11.measure()
print("DHT11 after 3 s", d11.temperature(), d11.humidity())
try:
    dht.DHT22(machine.Pin(12)).measure()
except OSError as e:
    print("D6:", e)
buf = bytearray(4)
try:
    machine.dht_readinto(machine.Pin(2), buf)
except ValueError as e:
    print(e)
