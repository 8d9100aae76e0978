# mpsim: --board pico --pin 14=1@700ms --pin 100=0@800ms --pin 100=z@900ms
# rp2 (issue 7): PIO programs assembled with @asm_pio, run by StateMachine on the board's pins in
# board time: the tutorial's LED blink, FIFOs both ways, shifting bits out of a pin, waiting for a
# GPIO (driven high at 0.7 s), raising an IRQ.
import rp2, time
from machine import Pin


@rp2.asm_pio(set_init=rp2.PIO.OUT_LOW)
def blink():
    wrap_target()
    set(pins, 1)[31]
    nop()[31]
    set(pins, 0)[31]
    nop()[31]
    wrap()


# 2 kHz: each instruction takes 32 cycles (16 ms); the LED is on for 32 ms, off for 32 ms.
sm = rp2.StateMachine(0, blink, freq=2000, set_base=Pin(25))
led = Pin(25)
t0 = time.ticks_ms()
sm.active(1)
seen = []
for at in (16, 48, 80, 112):
    time.sleep_ms(at - time.ticks_diff(time.ticks_ms(), t0))
    seen.append(led.value())
sm.active(0)
print("blink", seen, sm.active())


@rp2.asm_pio()
def decrement():
    pull()
    out(x, 32)
    jmp(x_dec, "next")
    label("next")
    in_(x, 32)
    push()


sm1 = rp2.StateMachine(1, decrement, freq=1000000)
sm1.active(1)
sm1.put(5)
sm1.put(100)
print("fifo", sm1.get(), sm1.get(), sm1.rx_fifo(), sm1.tx_fifo())


@rp2.asm_pio(out_init=rp2.PIO.OUT_LOW, out_shiftdir=rp2.PIO.SHIFT_RIGHT, autopull=True, pull_thresh=8)
def shifter():
    out(pins, 1)[9]


# 10 kHz, 10 cycles a bit: one bit per millisecond, least significant first.
sm2 = rp2.StateMachine(2, shifter, freq=10000, out_base=Pin(2))
sm2.put(0b10110010)
t0 = time.ticks_us()
sm2.active(1)
bits = []
for i in range(8):
    time.sleep_us(i * 1000 + 500 - time.ticks_diff(time.ticks_us(), t0))
    bits.append(Pin(2).value())
sm2.active(0)
print("bits", bits)


@rp2.asm_pio()
def waiter():
    wait(1, gpio, 14)
    irq(0)
    push()


hits = []
sm3 = rp2.StateMachine(3, waiter, freq=100000)
sm3.irq(lambda s: hits.append(time.ticks_ms()))
sm3.active(1)
got = sm3.get()
print("waited until", time.ticks_ms() >= 700, hits and hits[0] >= 700, got)
for bad in (lambda: rp2.StateMachine(8), lambda: rp2.StateMachine(4, blink, freq=10)):
    try:
        bad()
    except ValueError as e:
        print("ValueError:", e)

# BOOTSEL: held from 0.8 s to 0.9 s; not a pin a script can name.
print(rp2.bootsel_button())
time.sleep_ms(850 - time.ticks_ms())
print(rp2.bootsel_button())
time.sleep_ms(950 - time.ticks_ms())
print(rp2.bootsel_button())
try:
    Pin(100)
except ValueError as e:
    print("ValueError:", e)

# A state machine that never waits, at the full clock: it cannot starve the program.
@rp2.asm_pio()
def spin():
    wrap_target()
    nop()
    wrap()


sm4 = rp2.StateMachine(4, spin)
sm4.active(1)
t = time.ticks_ms()
n = 0
while time.ticks_diff(time.ticks_ms(), t) < 200:
    n += 1
sm4.active(0)
print("the program ran on", n > 100)


# Reading pins: GP14 is driven high (since 0.7 s), GP15 is low.
@rp2.asm_pio()
def sample():
    wait(1, pin, 0)
    in_(pins, 2)
    push()


sm5 = rp2.StateMachine(5, sample, freq=100000, in_base=Pin(14))
sm5.active(1)
print("in pins", bin(sm5.get()))
sm5.active(0)
