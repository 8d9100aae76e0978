# A busy classroom project for bench/circuit.py: every 10 ms the buttons, LEDs, the pot and the
# servo; every 200 ms the sonar and an LCD line; every second the I2C sensors and the DS18B20s;
# every 2 s the DHT22. Without the parts the program does the same work: every read that fails
# is caught, and the DS18B20s are addressed by ROM all the same.
from machine import ADC, I2C, PWM, Pin, time_pulse_us
import dht, ds18x20, onewire, time

buttons = [Pin(n, Pin.IN, Pin.PULL_UP) for n in (12, 13, 14)]
leds = [Pin(n, Pin.OUT) for n in (25, 26, 27)]
pot, ldr, ntc = ADC(Pin(34)), ADC(Pin(35)), ADC(Pin(32))
servo = PWM(Pin(19), freq=50)
buzz = PWM(Pin(23), freq=440, duty_u16=0)
relay = Pin(2, Pin.OUT)
trig, echo = Pin(5, Pin.OUT, value=0), Pin(18, Pin.IN)
i2c = I2C(0, scl=Pin(22), sda=Pin(21))
ds = ds18x20.DS18X20(onewire.OneWire(Pin(4)))
sensor = dht.DHT22(Pin(15))
roms = ds.scan() or [bytearray(b"\x28" + bytes(7)), bytearray(b"\x28\x01" + bytes(6))]
n = 0
while True:
    for b, l in zip(buttons, leds):
        l.value(not b.value())
    servo.duty_ns(500_000 + pot.read_u16() * 30)
    if n % 20 == 0:
        trig.value(1)
        time.sleep_us(10)
        trig.value(0)
        time_pulse_us(echo, 1, 30000)
        try:
            i2c.writeto(0x27, bytes([0x0C | (n & 0xF0)]))
        except OSError:
            pass
        relay.value(n // 20 % 2)
        buzz.duty_u16(32768 if n // 20 % 5 == 0 else 0)
    if n % 100 == 0:
        try:
            i2c.readfrom_mem(0x68, 0x3B, 14)
            i2c.readfrom_mem(0x76, 0xF7, 6)
        except OSError:
            pass
        ldr.read(), ntc.read()
        try:
            ds.convert_temp()
        except onewire.OneWireError:
            pass
    if n % 100 == 80:
        for r in roms:
            try:
                ds.read_temp(r)
            except Exception:
                pass
    if n % 200 == 0:
        try:
            sensor.measure()
        except OSError:
            pass
    n += 1
    time.sleep_ms(10)
