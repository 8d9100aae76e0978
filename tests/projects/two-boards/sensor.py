from machine import UART, Pin
import dht, time

uart = UART(1, 9600, tx=Pin(4), rx=Pin(5))
req = Pin(14, Pin.IN, Pin.PULL_DOWN)
d = dht.DHT22(Pin(15))
sent = 0
while sent < 3:
    if req.value():
        d.measure()
        uart.write("T=%.1f\n" % d.temperature())
        sent += 1
        while req.value():
            time.sleep_ms(5)
    if uart.any():
        print("got back:", uart.readline())
    time.sleep_ms(5)
time.sleep_ms(1000)
if uart.any():
    print("got back:", uart.readline())
print("sensor done")
