# The Pico's PIO tutorial: a state machine blinks the LED on its own while the CPU does nothing.
# At 2 kHz each instruction with [31] takes 32 cycles (16 ms): on for 80 ms, off for 80 ms.
import time
import rp2
from machine import Pin


@rp2.asm_pio(set_init=rp2.PIO.OUT_LOW)
def blink():
    wrap_target()
    set(pins, 1)[31]
    nop()[31]
    nop()[31]
    nop()[31]
    nop()[31]
    set(pins, 0)[31]
    nop()[31]
    nop()[31]
    nop()[31]
    nop()[31]
    wrap()


sm = rp2.StateMachine(0, blink, freq=2000, set_base=Pin(25))
sm.active(1)
time.sleep(3)
sm.active(0)
