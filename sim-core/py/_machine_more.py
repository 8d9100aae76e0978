# The rest of machine: classes that a boot does not need (ADC, PWM, Timer, RTC, UART, WDT).
# What a port does its own way comes from its backend (_machine_<platform>, see machine.py).
# machine runs this code in its own namespace on the first use of one of them (see machine's
# __getattr__), so they are machine's classes with machine's names in scope.

class ADC(_ADCPort):
    # What the ports' ADCs share; the port's backend gives the methods (_ADCPort) and which ids
    # it takes (_adc_id).
    def __init__(self, id, *, atten=None):
        self._id = _adc_id(id)
        self._atten = 0 if atten is None else atten
        self._bits = 12


class PWM:
    def __init__(self, pin, freq=None, duty=None, *, duty_u16=None, duty_ns=None):
        if not isinstance(pin, Pin):
            pin = Pin(pin)
        if pin._id not in _info["pwm_pins"]:
            raise ValueError("invalid pin for PWM")
        self._pin = pin
        self._freq = _info["pwm_freq_default"]
        self._duty16 = 0
        self._active = False
        self.init(freq=freq, duty=duty, duty_u16=duty_u16, duty_ns=duty_ns)

    def init(self, freq=None, duty=None, *, duty_u16=None, duty_ns=None):
        if freq is not None:
            self._set_freq(freq)
        if duty is not None:
            self.duty(duty)
        elif duty_u16 is not None:
            self.duty_u16(duty_u16)
        elif duty_ns is not None:
            self.duty_ns(duty_ns)
        self._apply()

    def _set_freq(self, f):
        f = int(f)
        if not _info["pwm_freq_min"] <= f <= _info["pwm_freq_max"]:
            raise ValueError("freq must be from %d to %dHz" % (_info["pwm_freq_min"], _info["pwm_freq_max"]))
        self._freq = f

    def _apply(self):
        _mpsim.pwm_set(self._pin._id, self._freq, self._duty16)
        self._active = True

    def freq(self, f=None):
        if f is None:
            return self._freq
        self._set_freq(f)
        self._apply()

    def duty(self, d=None):
        top = (1 << _info["pwm_duty_bits"]) - 1
        if d is None:
            return (self._duty16 * top + 32767) // 65535
        d = max(0, min(top, int(d)))
        self._duty16 = (d * 65535 + top // 2) // top
        self._apply()

    def duty_u16(self, d=None):
        if d is None:
            return self._duty16
        self._duty16 = max(0, min(65535, int(d)))
        self._apply()

    def duty_ns(self, ns=None):
        period_ns = 1000000000 // self._freq
        if ns is None:
            return self._duty16 * period_ns // 65535
        self._duty16 = max(0, min(65535, int(ns) * 65535 // period_ns))
        self._apply()

    def deinit(self):
        if self._active:
            _mpsim.pwm_off(self._pin._id)
            self._active = False

    def __repr__(self):
        if not _info["pwm_duty_bits"]:
            return "<PWM slice=%d channel=%d invert=0>" % ((self._pin._id >> 1) & 7, self._pin._id & 1)
        return ("PWM(" + _PWM_PIN + ", freq=%d, duty=%d)") % (self._pin._id, self._freq, self.duty())


if not _info["pwm_duty_bits"]:
    # Ports without a 10-bit duty() (rp2): duty_u16 and duty_ns only.
    del PWM.duty


def _hard(cb):
    def run(t):
        _mpsim.heap_lock(1)
        try:
            cb(t)
        finally:
            _mpsim.heap_lock(-1)

    return run


class Timer:
    ONE_SHOT = const(0)
    PERIODIC = const(1)

    def __init__(self, id=-1, *args, **kw):
        if id not in _info["timer_ids"]:
            raise ValueError("Timer(%d) doesn't exist" % id)
        self._id = id
        self._key = _mpsim.timer()
        self._cb = None
        if args or kw:
            self.init(*args, **kw)

    def init(self, *, mode=PERIODIC, period=-1, freq=-1, callback=None, tick_hz=1000, hard=False):
        if freq > 0:
            period_us = 1000000 // freq if freq > 0 else 0
        elif period >= 0:
            period_us = period * 1000000 // tick_hz
        else:
            period_us = 1000000
        self._cb = callback
        self._mode = mode
        if callback is None:
            _mpsim.timer_stop(self._key)
            return
        if hard:
            # A hard callback runs with the heap locked, as in the firmware's IRQ context.
            callback = _hard(callback)
        _mpsim.timer_start(self._key, int(period_us), mode == Timer.PERIODIC, callback, self)

    def deinit(self):
        _mpsim.timer_stop(self._key)

    def __repr__(self):
        return "Timer(%d)" % self._id if self._id >= 0 else "<Timer>"


class RTC:
    def __init__(self, id=0):
        pass

    def datetime(self, dt=None):
        import time
        if dt is None:
            us = _mpsim.rtc_us()
            t = time.gmtime(us // 1000000)
            return (t[0], t[1], t[2], t[6], t[3], t[4], t[5], us % 1000000)
        y, m, d, wd, hh, mm, ss = dt[:7]
        sub = dt[7] if len(dt) > 7 else 0
        _mpsim.rtc_set_us(time.mktime((y, m, d, hh, mm, ss, 0, 0)) * 1000000 + sub)

    def init(self, dt):
        self.datetime(dt)

    def memory(self, data=None):
        if data is None:
            return getattr(RTC, "_mem", b"")
        RTC._mem = bytes(data)


class UART:
    # The board's UARTs (board.toml): the console one carries the REPL, and a transmit-only one
    # raises OSError on reads. Sends are instant; reads wait `timeout` ms for the first byte and
    # `timeout_char` ms for each next one, in board time.
    def __init__(self, id, *args, **kwargs):
        if id not in _info["uarts"]:
            raise ValueError("UART(%d) does not exist" % id)
        self._id = id
        tx, rx, self._console, self._alt, self._rxbuf = _info["uarts"][id]
        self._pins = (tx, rx)
        self._baudrate = 115200
        self._bits = 8
        self._parity = None
        self._stop = 1
        self._timeout = 0
        self._timeout_char = 0
        # When the transmitter is idle again, in the board's (unwrapped) microseconds.
        self._tx_done = 0
        self.init(*args, **kwargs)

    def init(self, baudrate=0, bits=0, parity=-1, stop=0, *, tx=None, rx=None, rxbuf=0, timeout=0,
             timeout_char=0):
        if baudrate > 0:
            self._baudrate = baudrate
        if bits:
            if bits not in (5, 6, 7, 8):
                raise ValueError("invalid data bits")
            self._bits = bits
        if parity != -1:
            self._parity = None if parity is None else (parity & 1)
        if tx is not None or rx is not None:
            want = (_pin_id(tx) if tx is not None else self._pins[0],
                    _pin_id(rx) if rx is not None else self._pins[1])
            home = _info["uarts"][self._id][:2]
            if want != home and want != self._alt:
                raise ValueError("invalid tx/rx")
            self._pins = want
        if stop:
            if stop not in (1, 2):
                raise ValueError("invalid stop bits")
            self._stop = stop
        if rxbuf > 0:
            self._rxbuf = rxbuf
        self._timeout = max(0, timeout)
        # At least one character's time (13 bits, to be safe).
        self._timeout_char = max(timeout_char, 13000 // self._baudrate + 1)
        _mpsim.uart_open(self._id, self._rxbuf)

    def __repr__(self):
        # Each port prints its own fields (ports/*/machine_uart.c).
        tx, rx = (-1 if p is None else p for p in self._pins)
        return _uart_repr(self, tx, rx)

    def _can_read(self):
        if self._pins[1] is None:
            raise OSError("UART(%d) can't read" % self._id)

    def any(self):
        return 0 if self._pins[1] is None else _mpsim.uart_any(self._id)

    def read(self, nbytes=None):
        self._can_read()
        if nbytes is None:
            got = _mpsim.uart_read(self._id, 1 << 30, self._timeout, self._timeout_char)
            return got
        if nbytes == 0:
            return b""
        return _mpsim.uart_read(self._id, nbytes, self._timeout, self._timeout_char)

    def readinto(self, buf, nbytes=None):
        self._can_read()
        n = len(buf) if nbytes is None else min(nbytes, len(buf))
        got = _mpsim.uart_read(self._id, n, self._timeout, self._timeout_char) if n else b""
        if got is None:
            return None
        buf[:len(got)] = got
        return len(got)

    def readline(self):
        self._can_read()
        line = b""
        while True:
            c = _mpsim.uart_read(self._id, 1, self._timeout if not line else self._timeout_char,
                                 self._timeout_char)
            if c is None:
                return line or None
            line += c
            if c == b"\n":
                return line

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if line is None:
            raise StopIteration
        return line

    def write(self, buf):
        # The transmitter sends each character in start, data, parity and stop bits at the baud
        # rate, after what it was sending already; write() returns once the bytes are queued.
        now = _mpsim.ticks_us()
        if isinstance(buf, str):
            buf = buf.encode()
        n = _mpsim.uart_write(self._id, buf)
        bits = 1 + self._bits + (self._parity is not None) + self._stop
        self._tx_done = max(self._tx_done, now) + len(buf) * bits * 1000000 // self._baudrate
        return n

    def flush(self):
        # Waits (in board time) until the last character has left the transmitter.
        left = self._tx_done - _mpsim.ticks_us()
        if left > 0:
            _mpsim.sleep_us(left)

    def txdone(self):
        return self._tx_done <= _mpsim.ticks_us()


class WDT:
    # The watchdog: not fed within `timeout` ms, it resets the board (reset_cause() WDT_RESET).
    # Timers and IRQs keep it honest: a program stuck in a loop is reset all the same.
    _key = [None]

    def __init__(self, id=0, timeout=5000):
        if id != 0:
            raise ValueError("WDT(%d) doesn't exist" % id)
        timeout = int(timeout)
        top = _info["wdt_max_ms"]
        if top is not None and timeout > top:
            raise ValueError("timeout exceeds %d" % top)
        if timeout <= 0:
            raise ValueError("WDT timeout too short")
        self._us = timeout * 1000
        if WDT._key[0] is None:
            WDT._key[0] = _mpsim.timer()
        self.feed()

    def feed(self):
        _mpsim.timer_start(WDT._key[0], self._us, False, _wdt_bite, None)


def _wdt_bite(_):
    _mpsim.reboot("watchdog")
