# mpsim: --board esp32 --wiring tests/py/circuit/i2c.toml --control imu.accelX=0.5@1s --control imu.rotationZ=-90@1s --control baro.temperature=30@1s
# I2C chips as their datasheets describe them, read the way small drivers do: I2C(-1, …) as the
# ESP32's firmware still takes it; the MPU6050 (asleep after reset, WHO_AM_I, the 14 data bytes
# in the selected ranges); the BMP280 (chip id, calibration, a forced measurement compensated
# with the datasheet's formulas); the DS1307 (BCD time counting in simulated time, across a
# month's end, stopped by CH).
import machine, struct, time
from machine import Pin

i2c = machine.I2C(-1, scl=Pin(22), sda=Pin(21))
print(type(i2c).__name__, [hex(a) for a in i2c.scan()])
try:
    i2c.readfrom(0x50, 1)
except OSError as e:
    print("0x50:", e)

# MPU6050
print("WHO_AM_I", hex(i2c.readfrom_mem(0x68, 0x75, 1)[0]), "PWR_MGMT_1", hex(i2c.readfrom_mem(0x68, 0x6B, 1)[0]))
print("asleep:", struct.unpack(">7h", i2c.readfrom_mem(0x68, 0x3B, 14)))
i2c.writeto_mem(0x68, 0x6B, b"\x00")
ax, ay, az, t, gx, gy, gz = struct.unpack(">7h", i2c.readfrom_mem(0x68, 0x3B, 14))
print("awake:", ax, ay, az, "%.1f C" % (t / 340 + 36.53), gx, gy, gz)
time.sleep(1)
i2c.writeto_mem(0x68, 0x1C, b"\x08")  # +-4 g
i2c.writeto_mem(0x68, 0x1B, b"\x18")  # +-2000 deg/s
ax, ay, az, t, gx, gy, gz = struct.unpack(">7h", i2c.readfrom_mem(0x68, 0x3B, 14))
print("tilted: %.2f g %.2f g, gyro z %.1f deg/s" % (ax / 8192, az / 8192, gz / 16.4))

# BMP280
print("chip id", hex(i2c.readfrom_mem(0x76, 0xD0, 1)[0]))
cal = struct.unpack("<HhhHhhhhhhhh", i2c.readfrom_mem(0x76, 0x88, 24))


def bmp():
    i2c.writeto_mem(0x76, 0xF4, b"\x25")  # forced mode, x1 oversampling
    while i2c.readfrom_mem(0x76, 0xF3, 1)[0] & 8:
        pass
    d = i2c.readfrom_mem(0x76, 0xF7, 6)
    adc_p = (d[0] << 12) | (d[1] << 4) | (d[2] >> 4)
    adc_t = (d[3] << 12) | (d[4] << 4) | (d[5] >> 4)
    t1, t2, t3, p1, p2, p3, p4, p5, p6, p7, p8, p9 = cal
    v1 = (adc_t / 16384 - t1 / 1024) * t2
    v2 = (adc_t / 131072 - t1 / 8192) ** 2 * t3
    fine = v1 + v2
    v1 = fine / 2 - 64000
    v2 = v1 * v1 * p6 / 32768 + v1 * p5 * 2
    v2 = v2 / 4 + p4 * 65536
    v1 = (p3 * v1 * v1 / 524288 + p2 * v1) / 524288
    v1 = (1 + v1 / 32768) * p1
    p = (1048576 - adc_p - v2 / 4096) * 6250 / v1
    p += (p9 * p * p / 2147483648 + p * p8 / 32768 + p7) / 16
    return fine / 5120, p / 100


print("BMP280 %.1f C %.1f hPa" % bmp())

# DS1307 on I2C(1)
rtc = machine.I2C(1)


def bcd(b):
    return (b >> 4) * 10 + (b & 15)


def now():
    s, m, h, wd, d, mo, y = rtc.readfrom_mem(0x68, 0, 7)
    return "20%02d-%02d-%02d %02d:%02d:%02d" % (bcd(y), bcd(mo), bcd(d), bcd(h & 0x3F), bcd(m), bcd(s & 0x7F))


print("RTC", now())
time.sleep(2)
print("RTC", now())
rtc.writeto_mem(0x68, 0, b"\x80")  # CH: the oscillator stops
time.sleep(2)
print("RTC halted", now())
rtc.writeto_mem(0x68, 0, bytes([0x30, 0x15, 0x08, 0x02, 0x16, 0x03, 0x26]))
time.sleep(1)
print("RTC set", now())
rtc.writeto_mem(0x68, 8, b"hello")
print("RAM", rtc.readfrom_mem(0x68, 8, 5))
