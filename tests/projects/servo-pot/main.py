# A servo follows a potentiometer: 0.5 ms to 2.5 ms pulses at 50 Hz.
from machine import ADC, PWM, Pin
import time

pot = ADC(26)
servo = PWM(Pin(15))
servo.freq(50)
last = None
while True:
    v = pot.read_u16()
    servo.duty_ns(500_000 + v * 2_000_000 // 65535)
    angle = v * 180 // 65535
    if angle != last:
        print("angle", angle)
        last = angle
    time.sleep_ms(50)
