# The firmware's _onewire: 1-Wire bus primitives on a pin, with the bus's timing in simulated time
# (a reset 960 µs, a bit slot 70 µs). The devices are the circuit's (board-models).
import _mpsim


def _g(pin):
    g = getattr(pin, "_id", pin)
    if not isinstance(g, int):
        raise TypeError("expecting a Pin")
    return g


def reset(pin):
    g = _g(pin)
    present = _mpsim.ow_reset(g)
    _mpsim.sleep_us(960)
    return present


def readbit(pin):
    g = _g(pin)
    b = _mpsim.ow_slot(g, True)
    _mpsim.sleep_us(70)
    return 1 if b else 0


def readbyte(pin):
    g = _g(pin)
    v = 0
    for i in range(8):
        if _mpsim.ow_slot(g, True):
            v |= 1 << i
    _mpsim.sleep_us(560)
    return v


def writebit(pin, value):
    _mpsim.ow_slot(_g(pin), bool(value))
    _mpsim.sleep_us(70)


def writebyte(pin, value):
    g = _g(pin)
    value = int(value)
    for i in range(8):
        _mpsim.ow_slot(g, bool(value >> i & 1))
    _mpsim.sleep_us(560)


# The firmware's C loop, in Rust here.
crc8 = _mpsim.crc8
