# Signal, ADC and PWM on the ESP8266 (issue 2).
# mpsim: --adc 0=0.5@0 --adc 0=1.0@1s
from machine import Pin, Signal, ADC, PWM
import time
led = Signal(Pin(2, Pin.OUT), invert=True)
led.on()
print(led.value(), Pin(2).value())
led.off()
print(led.value(), Pin(2).value())
s = Signal(4, Pin.OUT)
s.value(1)
print(s(), Pin(4).value())
a = ADC(0)
print(a, a.read(), a.read_u16())
time.sleep(1)
print(a.read(), a.read_u16())
print(ADC(1).read())
try:
    ADC(2)
except ValueError as e:
    print("ValueError:", e)
pwm = PWM(Pin(15), freq=500, duty=512)
print(pwm, pwm.freq(), pwm.duty())
pwm.freq(1000)
pwm.duty(1023)
print(pwm, pwm.duty_u16())
pwm.duty_u16(16384)
print(pwm.duty(), pwm.duty_u16())
pwm.duty_ns(500000)
print(pwm.duty_ns(), pwm.duty())
pwm.deinit()
for f in (0, 1001):
    try:
        PWM(Pin(12), freq=f)
    except ValueError as e:
        print("ValueError:", e)
try:
    PWM(Pin(16))
except ValueError as e:
    print("ValueError:", e)
