# Read a potentiometer on GPIO34 (ADC1 channel 6) with the full 0-3.3 V range (11 dB) and show it
# as the LED's brightness on GPIO2 (PWM, 10-bit duty).
from machine import Pin, ADC, PWM
import time

pot = ADC(Pin(34), atten=ADC.ATTN_11DB)
led = PWM(Pin(2), freq=1000)
for _ in range(5):
    raw = pot.read()
    led.duty(raw * 1023 // 4095)
    print(raw, "%.2f V" % (pot.read_uv() / 1e6))
    time.sleep_ms(200)
