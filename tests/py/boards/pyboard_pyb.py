# mpsim: --board pyboard --pin 19=0@1s --pin 19=z@1200ms --accel 0,-1000,0@2s --accel 500,0,-800@3s --adc 32=0.25@0
# mpsim: --pin 38=0@3500ms --pin 39=0@3600ms
# pyb on the pyboard v1.1 (issue 7): LEDs, the USR switch (pressed at 1 s for 200 ms), the
# MMA7660 (face up, then standing on its edge at 2 s, then tilted at 3 s), pins, ADC, DAC, timers.
import sys, os, machine, pyb
from pyb import LED, Pin, Switch, Accel, ADC, DAC, Timer

print(sys.platform, sys.implementation._machine)
print(os.getcwd(), sorted(os.listdir()), os.listdir("/"), sys.path)
print(os.stat("/")[0], os.stat("/flash")[0])
print(open("main.py").read() == "# main.py -- put your code here!\r\n")

# LEDs: 1-4, intensity 0-255 (3 and 4 dim, 1 and 2 are on or off), out-of-range values clamped.
for i in range(1, 5):
    LED(i).on()
print([LED(i).intensity() for i in range(1, 5)], LED(1) is LED(1), repr(LED(2)))
LED(3).intensity(100)
LED(1).intensity(100)
LED(4).intensity(999)
print(LED(3).intensity(), LED(1).intensity(), LED(4).intensity())
LED(2).toggle()
print(LED(2).intensity(), Pin("LED_GREEN").value(), Pin("LED_RED").value())
for bad in (0, 5):
    try:
        LED(bad)
    except ValueError as e:
        print("ValueError:", e)

# I2C1 (X9/X10): the accelerometer answers only once pyb.Accel() powers it.
print(machine.I2C(1), machine.I2C(1).scan(), pyb.I2C(1, pyb.I2C.CONTROLLER).is_ready(0x4C))

# The switch: released, then pressed for 200 ms at 1 s; the callback sees the press.
sw = Switch()
presses = []
sw.callback(lambda: presses.append(pyb.millis()))
print(sw(), sw.value(), sw)
pyb.delay(1100)
print(sw(), len(presses))
pyb.delay(200)
print(sw(), len(presses))

# The accelerometer: 21 counts per g, 6-bit samples.
a = Accel()
print(a.x(), a.y(), a.z(), a.tilt() & 3, a.filtered_xyz())
pyb.delay(1000)
print(a.x(), a.y(), a.z())
pyb.delay(1000)
print(a.x(), a.y(), a.z(), a.filtered_xyz())

# The same chip over I2C: XOUT, YOUT, ZOUT (6-bit two's complement), TILT, MODE.
i2c = machine.I2C(1)
print(i2c.scan(), list(i2c.readfrom_mem(0x4C, 0, 4)), a.read(7), machine.I2C(2).scan())
bus = pyb.I2C(1, pyb.I2C.CONTROLLER)
print(bus.scan(), bus.is_ready(0x4C), list(bus.mem_read(3, 0x4C, 0)), bus)
soft = machine.SoftI2C(scl=Pin("X9"), sda=Pin("X10"))
print(soft.scan(), list(soft.readfrom_mem(0x4C, 2, 1)))
for bad in (lambda: i2c.readfrom(0x50, 1), lambda: bus.recv(1, 0x50), lambda: machine.I2C(3)):
    try:
        bad()
    except (OSError, ValueError) as e:
        print(type(e).__name__, e)

# Pin IRQs and ExtInt: Y1 and Y2 pulled up, driven low at 3.5 and 3.6 s.
y1 = Pin("Y1", Pin.IN, Pin.PULL_UP)
falls = []
irq = y1.irq(lambda p: falls.append(p.name()), Pin.IRQ_FALLING)
print(y1.irq() is irq, irq.trigger() == Pin.IRQ_FALLING)
lines = []
ext = pyb.ExtInt("Y2", pyb.ExtInt.IRQ_FALLING, Pin.PULL_UP, lambda line: lines.append(line))
print(ext, ext.line())
try:
    pyb.ExtInt("X8", pyb.ExtInt.IRQ_FALLING, Pin.PULL_UP, print)
except ValueError as e:
    print("ValueError:", e)
pyb.delay(3700 - pyb.millis())
print(falls, lines, y1.value())

# Pins: board names, CPU names, singletons, modes and their reprs.
x1 = Pin("X1", Pin.OUT_PP)
x1.high()
print(x1, x1.value(), x1.names(), x1.port(), x1.pin(), Pin.board.X1 is x1, Pin.cpu.A0 is x1)
y1 = Pin("Y1", Pin.IN, Pin.PULL_UP)
print(y1, y1.value(), y1.name())
print(Pin("X2", Pin.OUT_OD), Pin("X3", Pin.ANALOG), machine.Pin("SW"))
for bad in ("X13", "Z1", 3):
    try:
        Pin(bad)
    except ValueError as e:
        print("ValueError:", e)

# ADC on X19 (fed 0.25 of full scale), the DAC on X5 read back by its ADC, the core sensors.
adc = ADC(Pin.board.X19)
print(adc, adc.read())
try:
    ADC("X9")
except ValueError as e:
    print("ValueError:", e)
dac = DAC(1)
dac.write(128)
print(dac, ADC("X5").read())
try:
    DAC(3)
except ValueError as e:
    print("ValueError:", e)
all = pyb.ADCAll(12)
print(round(all.read_core_temp()), round(all.read_core_vref(), 2), round(all.read_core_vbat(), 1))

# Timers: freq to prescaler/period, a callback at 10 Hz for 1 s, PWM on a channel.
t = Timer(4, freq=10)
print(t, t.source_freq())
ticks = []
t.callback(lambda tim: ticks.append(tim))
pyb.delay(1005)
t.deinit()
print(len(ticks), ticks[0] is t)
t2 = Timer(2, freq=1000)
ch = t2.channel(1, Timer.PWM, pin=Pin("X1"), pulse_width_percent=25)
print(ch, ch.pulse_width(), ch.pulse_width_percent())
for bad in (lambda: Timer(15), lambda: Timer(4).channel(1, Timer.PWM, pin=Pin("X1"))):
    try:
        bad()
    except ValueError as e:
        print("ValueError:", e)

# Time, servo, the rest.
start = pyb.millis()
pyb.delay(20)
pyb.udelay(500)
print(pyb.elapsed_millis(start), pyb.elapsed_micros(pyb.micros()) < 100)
s = pyb.Servo(1)
s.angle(45)
print(s, s.angle(), s.pulse_width())
print(pyb.freq(), machine.freq() == pyb.freq(), len(pyb.unique_id()), 0 <= pyb.rng() < 1 << 30)
print(pyb.UART(1, 9600), pyb.UART("XA"))
try:
    pyb.UART(5)
except ValueError as e:
    print("ValueError:", e)
print(hasattr(machine, "PWM"), machine.reset_cause() == machine.PWRON_RESET)
