# machine.UART as the ESP8266 has it: UART(0) is the console's line, UART(1) only transmits.
import machine
import os

u = machine.UART(0, 115200)
print(u)
u1 = machine.UART(1, 9600, bits=7, parity=0, stop=2)
print(u1)
print(u1.write(b"to nowhere"), u1.txdone(), u1.any())
for bad in (lambda: u1.read(), lambda: u1.readline()):
    try:
        bad()
    except OSError as e:
        print("OSError:", e)
for args, kw in (((2,), {}), ((0,), {"tx": 4, "rx": 5}), ((0, 9600, 9), {}), ((0, 9600, 8, None, 3), {})):
    try:
        machine.UART(*args, **kw)
    except ValueError as e:
        print("ValueError:", e)
print(machine.UART(0, tx=machine.Pin(15), rx=13, timeout=10, rxbuf=64))
# Nothing typed: reads give None after the timeout; the console UART writes raw bytes.
print(u.any(), u.read(), u.read(4), u.readline(), u.readinto(bytearray(4)))
u.write("raw\n")
# Detached from the REPL, print goes nowhere; UART(0) still writes.
old = os.dupterm(None, 1)
print("hidden")
u.write(b"still on the wire\n")
os.dupterm(old, 1)
print("back")
