# mpsim: --board esp32
# esp32 basics (issue 7): NVS kept across a reset, wake-up sources, the chip's temperature, heap.
import esp32, machine, sys
from machine import Pin

nvs = esp32.NVS("app")
try:
    boots = nvs.get_i32("boots")
except OSError as e:
    print("first boot:", e.args)
    boots = 0
if boots:
    buf = bytearray(8)
    print("after the reset: boots", boots, nvs.get_blob("name", buf), bytes(buf[:5]))
    nvs.erase_key("boots")
    nvs.commit()
    try:
        nvs.get_i32("boots")
    except OSError as e:
        print("erased:", e.args, e.errno)
    sys.exit()

nvs.set_i32("boots", boots + 1)
nvs.set_blob("name", b"mpsim")
print(nvs.get_i32("boots"))
for bad in (lambda: nvs.get_blob("boots", bytearray(4)), lambda: esp32.NVS("x" * 16),
            lambda: nvs.set_i32("big", 1 << 31)):
    try:
        bad()
    except (OSError, OverflowError) as e:
        print(type(e).__name__, e.args)
print(esp32.raw_temperature(), esp32.idf_heap_info(esp32.HEAP_DATA)[0][0] > 100000)
esp32.wake_on_ext0(Pin(4), esp32.WAKEUP_ANY_HIGH)
for bad in (lambda: esp32.wake_on_ext0(Pin(5), 1), lambda: esp32.wake_on_touch(True)):
    try:
        bad()
    except ValueError as e:
        print("ValueError:", e)
esp32.wake_on_ext0(None, 0)
esp32.wake_on_touch(True)
esp32.wake_on_ext1((Pin(32), Pin(33)), esp32.WAKEUP_ALL_LOW)
try:
    machine.ADC(301)
except ValueError as e:
    print("ValueError:", e)
nvs.commit()
machine.soft_reset()
