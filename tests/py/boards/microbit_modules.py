# mpsim: --board microbit --pin 14=0@1s --pin 14=z@1100ms --pin 14=0@1200ms --pin 14=z@1300ms --accel 0,-1000,0@2s --accel -1000,0,0@3s --accel 0,0,0@4s --accel 0,0,-3500@5s --accel 0,0,-1000@5020ms --adc 2=0.5@0 --pin 36=0@6s
# The micro:bit's own modules (issue 7): display and Image, buttons (A pressed twice after 1 s),
# the accelerometer's gestures (logo up at 2 s, left at 3 s, falling at 4 s, a 3.5 g knock at
# 5 s), pins and touch (the logo touched at 6 s), music, neopixel, the radio's errors.
import os, sys
from microbit import *
import music, neopixel, radio

print(sys.platform, os.uname().machine, os.listdir())

# Images: built-ins, strings, sizes, arithmetic and their errors.
print(repr(Image.HEART), Image.HEART.width(), Image.HEART.get_pixel(1, 0))
print(repr(Image("12:345")), repr(Image(2, 1, bytes([3, 12]))))
print(Image.SMILE)
print(repr(Image.HAPPY.shift_right(1)), repr(Image.ARROW_N.shift_up(2)))
print(repr(Image.SQUARE.crop(1, 1, 3, 3)), repr(Image.SQUARE_SMALL.invert()))
img = Image(5, 5)
img.blit(Image.HEART, 1, 0, 3, 2, 1, 3)
print(repr(img), repr(Image.HEART * 0.3), repr(Image.HEART_SMALL + Image.DIAMOND_SMALL) == repr(Image("00000:09090:09990:00900:00000") + Image.DIAMOND_SMALL))
print(len(Image.ALL_CLOCKS), len(Image.ALL_ARROWS), Image.ALL_ARROWS[2] == Image.ARROW_E)
for bad in (lambda: Image("1x"), lambda: Image(2, 2, b"123"), lambda: Image.HEART.set_pixel(0, 0, 1),
            lambda: img.set_pixel(5, 0, 1), lambda: img.set_pixel(0, 0, 10), lambda: Image.HEART * -1):
    try:
        bad()
    except (ValueError, TypeError) as e:
        print(type(e).__name__, e)

# The display: what is shown is the board's frame buffer.
display.show(Image.HEART)
print([display.get_pixel(x, 1) for x in range(5)], display.is_on())
display.show("A")
print("".join(str(display.get_pixel(x, 2)) for x in range(5)))
display.scroll("Hi", delay=20)
print("".join(str(display.get_pixel(x, 2)) for x in range(5)))
display.show([Image.YES, Image.NO], delay=100)
print(display.get_pixel(0, 0), display.get_pixel(4, 1))
display.set_pixel(2, 2, 5)
display.off()
print(display.is_on(), display.get_pixel(2, 2))
display.on()
display.clear()
print(sum(display.get_pixel(x, y) for x in range(5) for y in range(5)), display.read_light_level())

# Buttons: A goes down twice between 1 s and 1.3 s.
print(button_a.is_pressed(), button_a.was_pressed(), button_a.get_presses())
sleep(1050 - running_time())
print(button_a.is_pressed())
sleep(1500 - running_time())
print(button_a.is_pressed(), button_a.was_pressed(), button_a.was_pressed(), button_a.get_presses(),
      button_b.get_presses())

# The accelerometer: lying face up, then on its bottom edge, its left edge, falling, a knock.
print(accelerometer.get_values(), accelerometer.current_gesture(), accelerometer.get_strength())
sleep(2200 - running_time())
print(accelerometer.get_values(), accelerometer.current_gesture(), accelerometer.is_gesture("up"))
sleep(3200 - running_time())
print(accelerometer.current_gesture(), accelerometer.was_gesture("up"), accelerometer.was_gesture("up"))
sleep(4200 - running_time())
print(accelerometer.current_gesture())
sleep(5500 - running_time())
print(accelerometer.get_gestures(), accelerometer.current_gesture())
accelerometer.set_range(8)
try:
    accelerometer.was_gesture("wobble")
except ValueError as e:
    print("ValueError:", e)

# Pins: pin0 fed half of full scale; pin1 written; the logo touched at 6 s.
print(pin0.read_analog(), pin0.read_digital(), pin0.get_pull() == pin0.PULL_DOWN, pin0.get_mode())
pin1.write_digital(1)
print(pin1.read_digital(), pin1.get_mode())
pin2.write_analog(512)
print(pin2.get_mode(), pin2.get_analog_period_microseconds())
print(hasattr(pin5, "read_analog"), hasattr(pin_logo, "read_analog"), pin_logo.is_touched())
sleep(6100 - running_time())
print(pin_logo.is_touched(), pin0.is_touched())
for bad in (lambda: pin1.write_digital(2), lambda: pin1.write_analog(1024), lambda: pin0.set_pull(7)):
    try:
        bad()
    except ValueError as e:
        print("ValueError:", e)
print(temperature(), microphone.sound_level(), scale(512, (0, 1023), (0, 100)))

# Music: a tune, a pitch, tempo; a bad note.
t0 = running_time()
music.play(["c4:4", "e", "g:8"])
print(running_time() - t0, music.get_tempo())
music.set_tempo(bpm=240)
t0 = running_time()
music.play(music.BA_DING)
print(running_time() - t0, len(music.PYTHON), music.NYAN[0])
music.pitch(440, 100)
try:
    music.play("h4")
except ValueError as e:
    print("ValueError:", e)

# NeoPixels and the radio switched off.
np = neopixel.NeoPixel(pin8, 4)
np[0] = (255, 0, 0)
np[3] = (0, 0, 16)
np.show()
print(np[0], np[3], len(np))
np.clear()
print(np[0])
for bad in (lambda: radio.send("x"), lambda: radio.receive(), lambda: radio.config(channel=99)):
    try:
        bad()
    except ValueError as e:
        print("ValueError:", e)

# run_every: a callback every 100 ms, between the script's instructions.
ticks = []
run_every(lambda: ticks.append(running_time()), ms=100)


@run_every(s=1)
def each_second():
    ticks.append(-1)


sleep(1050)
print(len([t for t in ticks if t >= 0]), ticks.count(-1))

# The filesystem is flat: files, no folders.
with open("notes.txt", "w") as f:
    f.write("hi")
print(os.listdir(), open("notes.txt").read())
try:
    os.mkdir("dir")
except OSError as e:
    print("OSError:", e)

# I2C on the edge connector: nothing attached.
print(i2c.scan())
try:
    i2c.read(0x1D, 1)
except OSError as e:
    print("OSError:", e)
# The micro:bit firmware has no framebuf, uctypes, vfs or btree (the other boards' firmware has).
for name in ("framebuf", "uctypes", "vfs", "btree"):
    try:
        __import__(name)
    except ImportError as e:
        print("ImportError:", e)
