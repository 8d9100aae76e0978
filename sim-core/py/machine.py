# machine: the board's hardware, as the board's MicroPython port presents it. What the ports
# share is here and in _machine_more; the facts come from the board data (_mpsim.board_info()),
# and what a port does its own way from its backend, `_machine_<platform>`, run here first: it
# replaces what it must of the defaults below (Pin's and ADC's port methods, which ids ADC takes,
# how PWM and UART print) and, where the port replaces whole classes, gives _port_late.
import _mpsim
from micropython import const

_info = _mpsim.board_info()
_port_late = None


class _PinPort:
    def __repr__(self):
        return "Pin(%d)" % self._id


class _ADCBase:
    def read_u16(self):
        return int(_mpsim.adc_read(self._id) * 65535 + 0.5)

    def read_uv(self):
        return int(_mpsim.adc_read(self._id) * 1000000)

    def __repr__(self):
        return "ADC(%d)" % self._id


class _ADCPort(_ADCBase):
    def read(self):
        full = 1 << _info["adc_bits"]
        return min(full, int(_mpsim.adc_read(self._id) * full + 0.5))


# What ADC says of an id that is no channel of the board's.
_ADC_ERROR = "invalid ADC unit"


def _adc_channel(id):
    # A channel of the board's (ids from 256 on are its internal sensors, for its own modules).
    if id not in _info["adc_channels"] or id >= 256:
        raise ValueError(_ADC_ERROR)
    return id


def _adc_id(id):
    return _adc_channel(id._id if isinstance(id, Pin) else id)


# How PWM's repr names its pin.
_PWM_PIN = "%d"


def _uart_repr(u, tx, rx):
    return "UART(%d, baudrate=%d, bits=%d, parity=%s, stop=%d, rxbuf=%d, timeout=%d, timeout_char=%d)" % (
        u._id, u._baudrate, u._bits, u._parity, u._stop, u._rxbuf, u._timeout, u._timeout_char)


def _exec_port():
    import _imp
    name = "_machine_" + _info["platform"]
    if _imp.is_frozen(name):
        exec(_imp.get_frozen_object(name), globals())


_exec_port()
del _exec_port

for _k, _v in _info["reset_causes"].items():
    globals()[_k] = _v
del _k, _v

IDLE = const(0)
SLEEP = const(2)
DEEPSLEEP = const(4)
WLAN_WAKE = const(1)
PIN_WAKE = const(2)
RTC_WAKE = const(4)


_NOARG = object()


class Pin(_PinPort):
    IN = const(0)
    OUT = const(1)
    OPEN_DRAIN = const(2)
    IRQ_RISING = const(1)
    IRQ_FALLING = const(2)
    _pulls = _info["pin_pulls"]
    if "PULL_UP" in _pulls:
        PULL_UP = const(1)
    if "PULL_DOWN" in _pulls:
        PULL_DOWN = const(2)

    def __init__(self, id, mode=-1, pull=-1, *, value=None):
        if isinstance(id, Pin):
            id = id._id
        if isinstance(id, str) and _info["python_pin_names"]:
            g = _info["pin_name_map"].get(id)
            if g is None:
                raise ValueError("unknown named pin \"%s\"" % id)
            id = g
        if not isinstance(id, int):
            raise TypeError("can't convert %s to int" % type(id).__name__)
        _mpsim.pin_check(id)
        self._id = id
        self._irq = None
        if mode != -1 or pull != -1 or value is not None:
            self.init(mode, pull, value=value)

    def init(self, mode=-1, pull=-1, *, value=None):
        cur_mode, cur_pull = _mpsim.pin_config(self._id)
        if mode == -1:
            mode = 0 if cur_mode < 0 or cur_mode == 3 else cur_mode
        if pull == -1 or pull is None:
            pull = 0 if pull is None or cur_mode < 0 else cur_pull
        if mode not in (0, 1, 2):
            raise ValueError("invalid pin mode")
        if pull not in (0, 1, 2) or (pull == 1 and not hasattr(Pin, "PULL_UP")) or (
                pull == 2 and not hasattr(Pin, "PULL_DOWN")):
            raise ValueError("invalid pull")
        if value is not None:
            _mpsim.pin_write(self._id, bool(value))
        _mpsim.pin_init(self._id, mode, pull)

    def value(self, x=None):
        if x is None:
            return int(_mpsim.pin_read(self._id))
        _mpsim.pin_write(self._id, bool(x))

    def __call__(self, x=None):
        return self.value(x)

    def on(self):
        _mpsim.pin_write(self._id, True)

    def off(self):
        _mpsim.pin_write(self._id, False)

    def mode(self, mode=None):
        if mode is None:
            m = _mpsim.pin_config(self._id)[0]
            return 0 if m < 0 else m
        self.init(mode)

    def pull(self, pull=None):
        if pull is None:
            p = _mpsim.pin_config(self._id)[1]
            return None if p == 0 else p
        self.init(-1, pull)

    def irq(self, handler=_NOARG, trigger=3, *, hard=False, priority=1, wake=None):
        if self._id not in _info["irq_pins"]:
            raise ValueError("pin does not have IRQ capabilities")
        if handler is _NOARG:
            # pin.irq() only returns the IRQ object (creating an inactive one if needed).
            if self._irq is None:
                self._irq = _IRQ(self, None, trigger)
            return self._irq
        _mpsim.pin_irq(self._id, handler, trigger if handler is not None else 0, self)
        self._irq = _IRQ(self, handler, trigger)
        return self._irq

    def __eq__(self, other):
        return isinstance(other, Pin) and other._id == self._id

    def __hash__(self):
        return self._id


class _IRQ:
    def __init__(self, pin, handler, trigger):
        self._pin = pin
        self._handler = handler
        self._trigger = trigger

    def trigger(self, t=None):
        if t is None:
            return self._trigger
        self._pin.irq(self._handler, t)

    def flags(self):
        return self._trigger

    def __repr__(self):
        return "<IRQ>"


class Signal:
    def __init__(self, pin, *args, invert=False, **kw):
        if not isinstance(pin, Pin):
            pin = Pin(pin, *args, **kw)
        elif args or kw:
            pin.init(*args, **kw)
        self._pin = pin
        self._invert = bool(invert)

    def value(self, x=None):
        if x is None:
            return self._pin.value() ^ self._invert
        self._pin.value(bool(x) ^ self._invert)

    def __call__(self, x=None):
        return self.value(x)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


# Every boot imports machine, and most programs use only Pin: the other classes load on first use.
_MORE = ("ADC", "PWM", "Timer", "RTC", "UART", "WDT")
# The micro:bit's firmware reaches SPI through microbit.spi only.
_LAZY = _MORE + ("I2C", "SoftI2C") + (() if _info["platform"] == "microbit" else ("SPI", "SoftSPI")) + (
    ("I2CTarget",) if _info["platform"] == "rp2" else ())


def _load_more():
    # Firmware, like every frozen module: its code and classes do not count against the heap.
    _mpsim.untracked(_exec_more)


def _exec_more():
    import _imp
    exec(_imp.get_frozen_object("_machine_more"), globals())


def __getattr__(name):
    if name in _MORE:
        _load_more()
        return globals()[name]
    if name in ("I2C", "SoftI2C"):
        # The I2C classes and the chips on the bus.
        import _i2c
        g = globals()
        g["SoftI2C"] = _i2c.SoftI2C
        # Ports without a hardware controller (the ESP8266): machine.I2C is the software one.
        g["I2C"] = _i2c.I2C if _info["i2c"] else _i2c.SoftI2C
        return g[name]
    if name == "I2CTarget" and _info["platform"] == "rp2":
        import _i2c
        globals()["I2CTarget"] = _i2c.I2CTarget
        return _i2c.I2CTarget
    if name in ("SPI", "SoftSPI") and name in _LAZY:
        import _spi
        g = globals()
        g["SPI"] = _spi.SPI
        g["SoftSPI"] = _spi.SoftSPI
        return g[name]
    raise AttributeError("module 'machine' has no attribute '%s'" % name)


def __dir__():
    return list(globals()) + [n for n in _LAZY if n not in globals()]


def _pin_id(p):
    # A pin number, a Pin, or a pin's name ("GPIO0", as the ports that name pins take it).
    if isinstance(p, int):
        return p
    if isinstance(p, str):
        return Pin(p)._id
    return p._id


def reset():
    _mpsim.reboot("hard")


def soft_reset():
    _mpsim.reboot("soft")


def reset_cause():
    causes = _info["reset_causes"]
    name = _info["reset_cause"]
    if name not in causes:
        # Ports with fewer causes: rp2 resets through its watchdog, and a soft reset keeps the
        # cause the chip came up with.
        name = {"HARD_RESET": "WDT_RESET", "DEEPSLEEP_RESET": "PWRON_RESET"}.get(name, "PWRON_RESET")
    return causes.get(name, 0)


def freq(f=None):
    if f is None:
        return _mpsim.cpu_freq()
    _mpsim.cpu_freq(f)


def unique_id():
    return _info["unique_id"]


def idle():
    # Waits for the next interrupt: at the latest the port's next tick (none on the ESP ports,
    # which return at once).
    tick = _info["idle_tick_us"]
    if tick:
        import time
        _mpsim.sleep_us(tick - time.ticks_us() % tick)
    else:
        _mpsim.sleep_us(0)


def lightsleep(ms=None):
    _mpsim.sleep_us(int(ms) * 1000 if ms is not None else 1 << 40)


def deepsleep(ms=None):
    if ms is not None:
        _mpsim.sleep_us(int(ms) * 1000)
    _mpsim.reboot("deepsleep")


def disable_irq():
    return _mpsim.irq_disable(True)


def enable_irq(state=False):
    _mpsim.irq_disable(bool(state))


def _gpio_of(pin):
    g = getattr(pin, "_id", pin)
    if not isinstance(g, int):
        raise TypeError("expecting a Pin")
    return g


def time_pulse_us(pin, pulse_level, timeout_us=1000000):
    # Waits (at most timeout_us) for the pin to reach pulse_level, then times how long it stays
    # there: the edges' own instants, so the width is exact in real and virtual time alike.
    # -2: it never came; -1: it did not end in time.
    g = _gpio_of(pin)
    want = bool(pulse_level)
    timeout_us = int(timeout_us)
    now = _mpsim.ticks_us
    start = now()
    while _mpsim.pin_read(g) != want:
        left = timeout_us - (now() - start)
        if left <= 0:
            return -2
        _mpsim.sleep_us(_mpsim.quiet_us(min(left, 1000)))
    t0 = max(start, _mpsim.pin_changed_at(g))
    while _mpsim.pin_read(g) == want:
        left = timeout_us - (now() - t0)
        if left <= 0:
            return -1
        _mpsim.sleep_us(_mpsim.quiet_us(min(left, 1000)))
    return _mpsim.pin_changed_at(g) - t0


def _dht_readinto(pin, buf):
    # The DHT11/DHT22 protocol as the firmware's C driver runs it: the line high 250 ms, low
    # 18 ms, released; then the sensor's 80 µs low, 80 µs high and 40 bits (50 µs low, then 26 µs
    # high for a 0, 70 µs for a 1), read with interrupts off. No answer is ETIMEDOUT.
    g = _gpio_of(pin)
    if len(buf) < 5:
        raise ValueError("buffer too small")
    _mpsim.pin_init(g, 2, 0)
    _mpsim.pin_write(g, 1)
    _mpsim.sleep_us(250000)
    _mpsim.pin_write(g, 0)
    _mpsim.sleep_us(18000)
    _mpsim.pin_write(g, 1)
    irq = _mpsim.irq_disable(True)
    try:
        data = _mpsim.dht_read(g)
        if data is None:
            _mpsim.sleep_us(110)
            raise OSError(110)
        _mpsim.sleep_us(170 + sum(50 + (70 if b >> (7 - i) & 1 else 26) for b in data for i in range(8)))
    finally:
        _mpsim.irq_disable(irq)
    buf[0:5] = data


if _info["platform"] != "microbit":
    dht_readinto = _dht_readinto


def bootloader():
    raise NotImplementedError("the simulator has no bootloader")


if _port_late:
    _port_late()


class mem:
    # machine.mem8/mem16/mem32: the chip's memory by address, in words of 1, 2 or 4 bytes (little
    # endian, as every modelled chip). A buffer's address (uctypes.addressof) reaches the buffer;
    # elsewhere mpsim models no peripheral registers: a word reads back what the script last wrote
    # there, and 0 where it never wrote.
    def __init__(self, size):
        self._size = size

    def __repr__(self):
        return "<%d-bit memory>" % (8 * self._size)

    def _addr(self, a):
        if not isinstance(a, int):
            raise TypeError("can't convert %s to int" % type(a).__name__)
        a &= 0xFFFFFFFF
        if a & (self._size - 1):
            raise ValueError("address %08x is not aligned to %d bytes" % (a, self._size))
        return a

    def __getitem__(self, a):
        import _mpsim_memory as _memory
        return int.from_bytes(_memory.read(self._addr(a), self._size), "little")

    def __setitem__(self, a, v):
        a = self._addr(a)
        if not isinstance(v, int):
            raise TypeError("can't convert %s to int" % type(v).__name__)
        import _mpsim_memory as _memory
        _memory.write(a, (v & ((1 << (8 * self._size)) - 1)).to_bytes(self._size, "little"))

    def __delitem__(self, a):
        raise TypeError("'mem' object doesn't support item deletion")


mem8 = mem(1)
mem16 = mem(2)
mem32 = mem(4)
del mem


# `from machine import *` takes the lazy names too.
__all__ = [n for n in globals() if n[:1] != "_"] + list(_LAZY)
