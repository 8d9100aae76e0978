# The stm32 port's Pin, ExtInt and UART: one class each for `machine` and `pyb`, as on the Pyboard.
# Pins are found by board name (X1, SW, LED_RED), CPU name (A0, PB3) or object; GPIO numbers are
# 16 × port + pin in the board model.
import _mpsim
import machine as _machine
from micropython import const

_info = _mpsim.board_info()
_PORTS = "ABCDEFGHIJK"


def _cpu_name(g):
    return "%s%d" % (_PORTS[g >> 4], g & 15)


_board_map = _info["pin_name_map"]  # board name -> GPIO
_cpu_map = {_cpu_name(g): g for g in _info["pins"]}
_pins = {}  # GPIO -> Pin (pins are singletons, as in the firmware)
_modes = {}  # GPIO -> the port's mode number where the model keeps less (ANALOG, ALT)
_afs = {}  # GPIO -> alternate function index

# The model's pin modes (0 in, 1 out, 2 open drain, 3 PWM) against the port's numbers.
_IN = const(0)
_OUT_PP = const(1)
_AF_PP = const(2)
_ANALOG = const(3)
_OUT_OD = const(0x11)
_AF_OD = const(0x12)
_IRQ_RISING = const(0x10110000)
_IRQ_FALLING = const(0x10210000)


def _find(name):
    if isinstance(name, Pin):
        return name._id
    if isinstance(name, str):
        if name in _board_map:
            return _board_map[name]
        n = name[1:] if len(name) > 2 and name[0] == "P" and name[1] in _PORTS else name
        if n in _cpu_map:
            return _cpu_map[n]
        raise ValueError("Pin(%s) doesn't exist" % name)
    if isinstance(name, int):
        raise ValueError("Pin(%d) doesn't exist" % name)
    raise TypeError("can't convert %s to str" % type(name).__name__)


class Pin:
    IN = _IN
    OUT = _OUT_PP
    OUT_PP = _OUT_PP
    OUT_OD = _OUT_OD
    OPEN_DRAIN = _OUT_OD
    ALT = _AF_PP
    AF_PP = _AF_PP
    ALT_OPEN_DRAIN = _AF_OD
    AF_OD = _AF_OD
    ANALOG = _ANALOG
    PULL_NONE = const(0)
    PULL_UP = const(1)
    PULL_DOWN = const(2)
    IRQ_RISING = _IRQ_RISING
    IRQ_FALLING = _IRQ_FALLING

    class board:
        pass

    class cpu:
        pass

    def __new__(cls, id, *args, **kw):
        g = _find(id)
        p = _pins.get(g)
        if p is None:
            p = object.__new__(cls)
            p._id = g
            p._irq = None
            _pins[g] = p
        return p

    def __init__(self, id, mode=-1, pull=-1, *, value=None, alt=-1):
        if mode != -1 or value is not None:
            self.init(mode if mode != -1 else _IN, 0 if pull == -1 else pull, value=value, alt=alt)

    def init(self, mode, pull=PULL_NONE, *, value=None, alt=-1):
        if pull is None:
            pull = 0
        if mode not in (_IN, _OUT_PP, _OUT_OD, _AF_PP, _AF_OD, _ANALOG):
            raise ValueError("invalid pin mode: %d" % mode)
        if pull not in (0, 1, 2):
            raise ValueError("invalid pin pull: %d" % pull)
        if value is not None:
            _mpsim.pin_write(self._id, bool(value))
        model = {_IN: 0, _OUT_PP: 1, _OUT_OD: 2, _AF_PP: 0, _AF_OD: 0, _ANALOG: 0}[mode]
        _mpsim.pin_init(self._id, model, 0 if mode == _ANALOG else pull)
        if mode in (_AF_PP, _AF_OD, _ANALOG):
            _modes[self._id] = mode
        else:
            _modes.pop(self._id, None)
        if alt != -1:
            _afs[self._id] = alt

    # Reading and driving work as on every port.
    value = _machine.Pin.value
    __call__ = _machine.Pin.__call__
    on = high = _machine.Pin.on
    off = low = _machine.Pin.off

    def mode(self, mode=None):
        if mode is not None:
            self.init(mode, self.pull())
            return
        if self._id in _modes:
            return _modes[self._id]
        m = _mpsim.pin_config(self._id)[0]
        return {1: _OUT_PP, 2: _OUT_OD, 3: _AF_PP}.get(m, _IN)

    def pull(self, pull=None):
        if pull is not None:
            self.init(self.mode(), pull)
            return
        return _mpsim.pin_config(self._id)[1]

    def af(self):
        return _afs.get(self._id, 0) if self.mode() in (_AF_PP, _AF_OD) else 0

    def af_list(self):
        return []

    def name(self):
        return _cpu_name(self._id)

    def names(self):
        return [self.name()] + [n for n, g in _board_map.items() if g == self._id]

    def port(self):
        return self._id >> 4

    def pin(self):
        return self._id & 15

    def gpio(self):
        return 0x40020000 + 0x400 * (self._id >> 4)

    def irq(self, handler=_machine._NOARG, trigger=_IRQ_RISING | _IRQ_FALLING, *, hard=False):
        if handler is _machine._NOARG:
            # pin.irq() only returns the IRQ object (an inactive one if none was set).
            if self._irq is None:
                self._irq = _machine._IRQ(self, None, trigger)
            return self._irq
        bits = (1 if trigger & 0x00100000 else 0) | (2 if trigger & 0x00200000 else 0)
        _mpsim.pin_irq(self._id, handler, bits if handler is not None else 0, self)
        self._irq = _machine._IRQ(self, handler, trigger)
        return self._irq

    def __repr__(self):
        m = self.mode()
        names = {_IN: "IN", _OUT_PP: "OUT", _OUT_OD: "OPEN_DRAIN", _AF_PP: "ALT", _AF_OD: "ALT_OPEN_DRAIN",
                 _ANALOG: "ANALOG"}
        r = "Pin(Pin.cpu.%s, mode=Pin.%s" % (self.name(), names[m])
        if m != _ANALOG:
            p = self.pull()
            if p:
                r += ", pull=Pin.%s" % ("PULL_UP", "PULL_DOWN")[p - 1]
        if m in (_AF_PP, _AF_OD):
            r += ", af=%d" % self.af()
        return r + ")"

    def __eq__(self, other):
        return isinstance(other, Pin) and other._id == self._id

    def __hash__(self):
        return self._id


# Pin.board.X1 and Pin.cpu.A0 are the pin objects themselves.
for _n in _board_map:
    setattr(Pin.board, _n, Pin(_n))
for _n in _cpu_map:
    setattr(Pin.cpu, _n, Pin(_n))
del _n


class ExtInt:
    IRQ_RISING = _IRQ_RISING
    IRQ_FALLING = _IRQ_FALLING
    IRQ_RISING_FALLING = const(0x10310000)
    EVT_RISING = const(0x10120000)
    EVT_FALLING = const(0x10220000)
    EVT_RISING_FALLING = const(0x10320000)
    _lines = {}

    def __init__(self, pin, mode, pull, callback):
        p = Pin(pin)
        line = p.pin()
        if line in ExtInt._lines and ExtInt._lines[line]._pin is not p:
            raise ValueError("ExtInt vector %d is already in use" % line)
        if mode not in (0x10110000, 0x10210000, 0x10310000, 0x10120000, 0x10220000, 0x10320000):
            raise ValueError("invalid ExtInt Mode: %d" % mode)
        p.init(Pin.IN, pull)
        self._pin = p
        self._line = line
        self._bits = (1 if mode & 0x00100000 else 0) | (2 if mode & 0x00200000 else 0)
        self._cb = callback
        ExtInt._lines[line] = self
        self.enable()

    def line(self):
        return self._line

    def enable(self):
        if self._cb is not None:
            _mpsim.pin_irq(self._pin._id, self._cb, self._bits, self._line)

    def disable(self):
        _mpsim.pin_irq(self._pin._id, None, 0, None)

    def swint(self):
        if self._cb is not None:
            _mpsim.schedule(self._cb, self._line)

    def __repr__(self):
        return "<ExtInt line=%d>" % self._line


_UART_NAMES = {"XA": 4, "XB": 1, "YA": 6, "YB": 3}


class UART(_machine.UART):
    # The stm32 UART: ids from the board data (or XA, XB, YA, YB), init(baudrate, bits=8,
    # parity=None, stop=1, *, timeout, flow, timeout_char, read_buf_len).
    def __init__(self, id, *args, **kw):
        if isinstance(id, str):
            if id not in _UART_NAMES:
                raise ValueError("UART(%s) doesn't exist" % id)
            id = _UART_NAMES[id]
        if id not in _info["uarts"]:
            raise ValueError("UART(%d) doesn't exist" % id)
        self._flow = 0
        super().__init__(id)
        if args or kw:
            self.init(*args, **kw)

    def init(self, baudrate=0, bits=0, parity=-1, stop=0, *, timeout=0, flow=0, timeout_char=0,
             read_buf_len=0, rxbuf=0, tx=None, rx=None):
        if bits and bits not in (7, 8, 9):
            raise ValueError("unsupported combination of bits and parity")
        self._flow = flow
        super().init(baudrate, bits if bits != 9 else 8, parity, stop, timeout=timeout,
                     timeout_char=timeout_char, rxbuf=read_buf_len or rxbuf, tx=tx, rx=rx)

    def deinit(self):
        pass

    def writechar(self, c):
        self.write(bytes([c & 0xFF]))

    def readchar(self):
        b = self.read(1)
        return b[0] if b else -1

    def sendbreak(self):
        pass

    def __repr__(self):
        return ("UART(%d, baudrate=%d, bits=%d, parity=%s, stop=%d, flow=%d, timeout=%d, timeout_char=%d, "
                "rxbuf=%d)" % (self._id, self._baudrate, self._bits, self._parity, self._stop, self._flow,
                               self._timeout, self._timeout_char, self._rxbuf))
