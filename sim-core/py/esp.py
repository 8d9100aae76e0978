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
