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


# The SPI flash by address. The image holds the whole flash (firmware, filesystem from the first
# sector after flash_user_start(), the SDK's data), so an address is its offset in the image.
# An image that holds the filesystem alone (a board whose image was made so) keeps the rest in
# memory until the board resets, erased (0xFF) until written.
_SEC = 4096
_FS_START = (flash_user_start() // _SEC + 1) * _SEC
_WHOLE = _mpsim.flash_volume_base() > 0 if _info["platform"] == "esp8266" else False
_other = {}


def _span(addr, n):
    # (image offset or None, sector, offset in sector, bytes) pieces of [addr, addr + n).
    while n > 0:
        sec, off = divmod(addr, _SEC)
        k = min(n, _SEC - off)
        if _WHOLE:
            img = addr
        elif _FS_START <= addr and addr + k <= _FS_START + _info["fs_size"]:
            img = addr - _FS_START
        else:
            img = None
        yield img, sec, off, k
        addr += k
        n -= k


def _check(addr):
    if not isinstance(addr, int) or addr < 0 or addr >= flash_size():
        raise OSError(5)


def flash_read(addr, buf_or_len):
    _check(addr)
    n = buf_or_len if isinstance(buf_or_len, int) else len(buf_or_len)
    out = bytearray()
    for img, sec, off, k in _span(addr, n):
        if img is not None:
            out += _mpsim.flash_raw_read(img, k)
        else:
            out += _other.get(sec, b"\xff" * _SEC)[off:off + k]
    if isinstance(buf_or_len, int):
        return bytes(out)
    buf_or_len[:n] = out


def flash_write(addr, buf):
    _check(addr)
    if len(buf) % 4:
        raise ValueError("len must be multiple of 4")
    data = bytes(buf)
    at = 0
    for img, sec, off, k in _span(addr, len(data)):
        if img is not None:
            # NOR flash: a write can only clear bits.
            old = _mpsim.flash_raw_read(img, k)
            _mpsim.flash_raw_write(img, bytes(a & b for a, b in zip(old, data[at:at + k])))
        else:
            # NOR flash: a write can only clear bits.
            b = _other.setdefault(sec, bytearray(b"\xff" * _SEC))
            for i in range(k):
                b[off + i] &= data[at + i]
        at += k


def flash_erase(sector):
    _check(sector * _SEC)
    addr = sector * _SEC
    for img, sec, off, k in _span(addr, _SEC):
        if img is not None:
            _mpsim.flash_raw_write(img, b"\xff" * k)
        else:
            _other.pop(sec, None)


if _info["platform"] != "esp8266":
    # The ESP32's esp module has neither the APA102 writer nor these (its flash is reached
    # through esp32.Partition).
    del apa102_write, flash_read, flash_write, flash_erase
