# esp: ESP8266-specific functions.
import _mpsim

SLEEP_NONE = 0
SLEEP_LIGHT = 1
SLEEP_MODEM = 2
_sleep = SLEEP_MODEM
_info = _mpsim.board_info()


def flash_size():
    return _info["flash_size"]


def flash_id():
    return 0x1640E0  # manufacturer 0xE0, 4 MB part


def flash_user_start():
    return 0x9B000


def osdebug(level, *args):
    pass


def sleep_type(t=None):
    global _sleep
    if t is None:
        return _sleep
    _sleep = t


def deepsleep(us=0, *args):
    if us:
        _mpsim.sleep_us(int(us))
    _mpsim.reboot("deepsleep")


def freemem():
    used, total = _mpsim.heap_stats()
    return total - used


def meminfo():
    import micropython
    micropython.mem_info()


def apa102_write(clock_pin, data_pin, buf):
    # The firmware's APA102 bit-bang, edge for edge: a start frame of zeros, each pixel as
    # 0xE0|brightness then blue, green, red from the buffer's (r, g, b, brightness) bytes, the
    # extra clocks the chain needs, an end frame of ones.
    def byte(v):
        for i in range(8):
            data_pin(v & 0x80)
            clock_pin(1)
            v <<= 1
            clock_pin(0)

    n = len(buf)
    for _ in range(4):
        byte(0)
    for i in range(0, n - n % 4, 4):
        byte(buf[i + 3] | 0xE0)
        byte(buf[i + 2])
        byte(buf[i + 1])
        byte(buf[i])
    data_pin(1)
    for _ in range(n // 8 + (n // 4) % 2):
        clock_pin(1)
        clock_pin(0)
    for _ in range(4):
        byte(0xFF)


if _info["platform"] != "esp8266":
    # The ESP32's esp module has no APA102 writer (its firmware has no apa102 module either).
    del apa102_write
