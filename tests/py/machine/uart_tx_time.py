# Issue 15: a UART sends at its baud rate: write() queues, flush() waits (in board time) until the
# last character's stop bit is out, txdone() says whether it is. 11 characters of 10 bits at 9600
# baud take 11458 us (the rest is the script's own time).
from machine import UART
import time

u = UART(1, 9600)
t = time.ticks_us()
u.write("Hello World")
print(u.txdone())
u.flush()
print(u.txdone(), time.ticks_diff(time.ticks_us(), t))
u.init(9600, bits=7, parity=0, stop=2)
t = time.ticks_us()
u.write(b"ab")
u.write(b"cd")
u.flush()
print(time.ticks_diff(time.ticks_us(), t))

# A class body may be any function, as MicroPython's test runner builds modules: names its
# exec() defines become the class's.
ns = __build_class__(lambda: exec("a = 1\nb = a + 1"), "ns")
print(ns.a, ns.b, ns.__name__)
