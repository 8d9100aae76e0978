# Fade an LED on GP15 up and down with PWM (duty_u16: the rp2 port has no 10-bit duty()).
from machine import Pin, PWM
import time

pwm = PWM(Pin(15))
pwm.freq(1000)
for _ in range(2):
    for duty in range(0, 65536, 4096):
        pwm.duty_u16(duty)
        time.sleep_ms(20)
    for duty in range(65535, -1, -4096):
        pwm.duty_u16(duty)
        time.sleep_ms(20)
pwm.deinit()
print("faded")
