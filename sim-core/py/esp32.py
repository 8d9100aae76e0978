# esp32: the ESP32 port's own functions (ports/esp32/modesp32.c): wake-up sources for deep sleep,
# the chip's temperature, heap information and NVS, the key-value store in its own flash partition
# (kept by the board across resets; mpsim keeps it for the life of the process).
import _mpsim

_info = _mpsim.board_info()
if _info["platform"] != "esp32":
    raise ImportError("no module named 'esp32'")

HEAP_DATA = 4
HEAP_EXEC = 1
WAKEUP_ALL_LOW = False
WAKEUP_ANY_HIGH = True

# The RTC GPIOs: the only pins that can wake the chip from deep sleep.
_RTC_PINS = (0, 2, 4, 12, 13, 14, 15, 25, 26, 27, 32, 33, 34, 35, 36, 37, 38, 39)
_wake = {"touch": False, "ulp": False, "ext0": None, "ext1": None}
_hold = [False]


def _gpio(pin):
    g = getattr(pin, "_id", pin)
    if not isinstance(g, int):
        raise TypeError("expecting a Pin")
    return g


def wake_on_touch(wake):
    if _wake["ext0"] is not None and wake:
        raise ValueError("no resources")
    _wake["touch"] = bool(wake)


def wake_on_ulp(wake):
    if _wake["ext0"] is not None and wake:
        raise ValueError("no resources")
    _wake["ulp"] = bool(wake)


def wake_on_ext0(pin, level):
    if pin is None:
        _wake["ext0"] = None
        return
    g = _gpio(pin)
    if g not in _RTC_PINS:
        raise ValueError("invalid pin")
    if _wake["touch"] or _wake["ulp"]:
        raise ValueError("no resources")
    _wake["ext0"] = (g, bool(level))


def wake_on_ext1(pins, level):
    if pins is None:
        _wake["ext1"] = None
        return
    gs = tuple(_gpio(p) for p in pins)
    for g in gs:
        if g not in _RTC_PINS:
            raise ValueError("invalid pin")
    _wake["ext1"] = (gs, bool(level))


def gpio_deep_sleep_hold(enable):
    _hold[0] = bool(enable)


def raw_temperature():
    # The sensor inside the chip, in Fahrenheit (the board data's TEMP channel: -40..125 C).
    c = -40 + _mpsim.adc_read(301) * 165
    return int(c * 9 / 5 + 32)


def idf_heap_info(capabilities):
    import gc
    if capabilities not in (HEAP_DATA, HEAP_EXEC):
        return []
    free = gc.mem_free()
    total = free + gc.mem_alloc()
    return [(total, free, free, free)]


_ESP_ERR_NVS_NOT_FOUND = -4354
_ESP_ERR_NVS_KEY_TOO_LONG = -4362
_ESP_ERR_NVS_TYPE_MISMATCH = -4356
_ESP_ERR_NAMES = {-4354: "ESP_ERR_NVS_NOT_FOUND", -4362: "ESP_ERR_NVS_KEY_TOO_LONG",
                  -4356: "ESP_ERR_NVS_TYPE_MISMATCH"}


def _esp_err(code):
    # As the port's check_esp_err: the code and ESP-IDF's name for it.
    return OSError(code, _ESP_ERR_NAMES[code])


class NVS:
    # Values wait in the handle until commit(), as ESP-IDF's; reads see them at once.
    def __init__(self, namespace):
        if not isinstance(namespace, str) or not 0 < len(namespace) <= 15:
            raise _esp_err(_ESP_ERR_NVS_KEY_TOO_LONG)
        self._ns = namespace
        self._pending = {}

    def _key(self, key):
        if not isinstance(key, str) or not 0 < len(key) <= 15:
            raise _esp_err(_ESP_ERR_NVS_KEY_TOO_LONG)
        return self._ns + "\x00" + key

    def _get(self, key, kind):
        k = self._key(key)
        v = self._pending[k] if k in self._pending else _mpsim.nvs_get(k)
        if v is None:
            raise _esp_err(_ESP_ERR_NVS_NOT_FOUND)
        if v[:1] != kind:
            raise _esp_err(_ESP_ERR_NVS_TYPE_MISMATCH)
        return v[1:]

    def set_i32(self, key, value):
        value = int(value)
        if not -(1 << 31) <= value < (1 << 31):
            raise OverflowError("overflow converting long int to machine word")
        self._pending[self._key(key)] = b"i" + (value & 0xFFFFFFFF).to_bytes(4, "little")

    def get_i32(self, key):
        v = int.from_bytes(self._get(key, b"i"), "little")
        return v - (1 << 32) if v & 0x80000000 else v

    def set_blob(self, key, value):
        self._pending[self._key(key)] = b"b" + bytes(value)

    def get_blob(self, key, buffer):
        v = self._get(key, b"b")
        n = min(len(buffer), len(v))
        buffer[:n] = v[:n]
        return len(v)

    def erase_key(self, key):
        k = self._key(key)
        if (self._pending.get(k, 0) if k in self._pending else _mpsim.nvs_get(k)) is None:
            raise _esp_err(_ESP_ERR_NVS_NOT_FOUND)
        self._pending[k] = None

    def commit(self):
        for k, v in self._pending.items():
            _mpsim.nvs_set(k, v)
        self._pending = {}


class Partition:
    # The flash's partitions as the ESP32_GENERIC firmware lays them out (its partitions.csv), on
    # the flash image, which holds the whole flash (an image that holds the filesystem alone has
    # only the "vfs" partition; the others are kept in memory until the board resets, erased
    # (0xFF) until written).
    BOOT = 0
    RUNNING = 1
    TYPE_APP = 0
    TYPE_DATA = 1
    _TABLE = (
        (TYPE_DATA, 2, 0x9000, 0x6000, "nvs"),
        (TYPE_DATA, 1, 0xF000, 0x1000, "phy_init"),
        (TYPE_APP, 0, 0x10000, 0x1F0000, "factory"),
        (TYPE_DATA, 0x81, 0x200000, _info["fs_size"], "vfs"),
    )
    _mem = {}
    _whole = None

    def __init__(self, id, block_size=4096):
        if id in (Partition.BOOT, Partition.RUNNING):
            row = Partition._TABLE[2]
        elif isinstance(id, str):
            rows = [r for r in Partition._TABLE if r[4] == id]
            if not rows:
                raise ValueError("partition not found")
            row = rows[0]
        else:
            raise ValueError("invalid partition id")
        if block_size <= 0 or block_size & (block_size - 1):
            raise ValueError("invalid block size")
        self._row = row
        self._bs = block_size

    @staticmethod
    def find(type=TYPE_APP, subtype=0xFF, label=None, block_size=4096):
        out = []
        for r in Partition._TABLE:
            if r[0] == type and (subtype == 0xFF or r[1] == subtype) and (label is None or r[4] == label):
                out.append(Partition(r[4], block_size))
        return out

    def info(self):
        t, st, addr, size, label = self._row
        return (t, st, addr, size, label, False)

    def __repr__(self):
        t, st, addr, size, label = self._row
        return "<Partition type=%d, subtype=%d, address=%d, size=%d, label=%s, encrypted=0>" % (
            t, st, addr, size, label)

    def _io(self, block, buf, offset, write):
        addr = block * self._bs + offset
        if addr < 0 or addr + len(buf) > self._row[3]:
            raise OSError(-0x102, "ESP_ERR_INVALID_ARG")
        if Partition._whole is None:
            Partition._whole = _mpsim.flash_volume_base() > 0
        if Partition._whole:
            # The image holds the whole flash: every partition is its bytes at its address.
            if write:
                _mpsim.flash_raw_write(self._row[2] + addr, buf)
            else:
                buf[:] = _mpsim.flash_raw_read(self._row[2] + addr, len(buf))
            return
        if self._row[4] == "vfs":
            if write:
                _mpsim.flash_raw_write(addr, buf)
            else:
                buf[:] = _mpsim.flash_raw_read(addr, len(buf))
            return
        # Kept by 4 KB sector, allocated on first write.
        mem = Partition._mem.setdefault(self._row[4], {})
        at = 0
        while at < len(buf):
            sec, off = divmod(addr + at, 4096)
            k = min(len(buf) - at, 4096 - off)
            if write:
                b = mem.get(sec)
                if b is None:
                    b = mem[sec] = bytearray(b"\xff" * 4096)
                b[off:off + k] = buf[at:at + k]
            else:
                b = mem.get(sec)
                buf[at:at + k] = b[off:off + k] if b is not None else b"\xff" * k
            at += k

    def readblocks(self, block_num, buf, offset=0):
        self._io(block_num, buf, offset, False)

    def writeblocks(self, block_num, buf, offset=None):
        if offset is None:
            # A whole block: erased first, as the firmware does.
            self.ioctl(6, block_num)
            offset = 0
        self._io(block_num, buf, offset, True)

    def ioctl(self, cmd, arg):
        if cmd == 4:
            return self._row[3] // self._bs
        if cmd == 5:
            return self._bs
        if cmd == 6:
            self._io(arg, b"\xff" * self._bs, 0, True)
            return 0
        if cmd in (1, 2, 3):
            return 0
        return None

    def set_boot(self):
        if self._row[0] != Partition.TYPE_APP:
            raise OSError(-0x102, "ESP_ERR_INVALID_ARG")

    def get_next_update(self):
        # ESP32_GENERIC's table has no OTA partitions.
        raise OSError(-0x105, "ESP_ERR_NOT_FOUND")

    @staticmethod
    def mark_app_valid_cancel_rollback():
        raise OSError(-0x105, "ESP_ERR_NOT_FOUND")
