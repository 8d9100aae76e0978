# Issue 15: machine.mem8/mem16/mem32 as the firmware has them (memory a script wrote reads back).
import machine
print(machine.mem8, machine.mem32)
machine.mem32[0x40000000] = 0x12345678
print(hex(machine.mem32[0x40000000]), hex(machine.mem16[0x40000002]), machine.mem8[0x40000001])
for f in (lambda: machine.mem16[1], lambda: machine.mem8["x"], lambda: machine.mem8[0:1]):
  try: f()
  except (TypeError, ValueError) as e: print(type(e).__name__, e)
try:
  del machine.mem8[0]
except TypeError as e: print("TypeError", e)
