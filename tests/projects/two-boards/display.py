from machine import UART, Pin
import time

uart = UART(2, 9600, tx=Pin(17), rx=Pin(16))
ask = Pin(27, Pin.OUT, value=0)
time.sleep_ms(200)
for i in range(3):
    ask.value(1)
    t0 = time.ticks_ms()
    while not uart.any() and time.ticks_diff(time.ticks_ms(), t0) < 2000:
        time.sleep_ms(5)
    print("heard", uart.readline(), "at %d ms" % time.ticks_ms())
    ask.value(0)
    time.sleep_ms(600)
uart.write(b"thanks\n")
# The button (GPIO0 to GND) pressed from outside: --control btn.pressed=1@…
while Pin(0, Pin.IN, Pin.PULL_UP).value():
    time.sleep_ms(10)
print("button pressed at about %d s" % round(time.ticks_ms() / 1000))
print("display done")
