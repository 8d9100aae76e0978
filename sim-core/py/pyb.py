# pyb: the Pyboard's own module (ports/stm32), on the board data's LEDs, USR switch, MMA7660
# accelerometer, pins, ADC, DAC and timers. Only the Pyboard has it.
import _mpsim

_info = _mpsim.board_info()
if _info["platform"] != "pyboard":
    raise ImportError("no module named 'pyb'")

import machine as _machine
import time as _time
from micropython import const
from _stm32 import Pin, ExtInt, UART, _cpu_name
import _i2c

_TIMERS = {}  # the board's timers this module drives, by number (100: the RTC's wakeup)


def _timer(n):
    # The same hardware timer for every object that names it.
    t = _TIMERS.get(n)
    if t is None:
        t = _TIMERS[n] = _mpsim.timer()
    return t


def delay(ms):
    _time.sleep_ms(ms)


def udelay(us):
    _time.sleep_us(us)


def millis():
    return _time.ticks_ms()


def micros():
    return _time.ticks_us()


def elapsed_millis(start):
    return _time.ticks_diff(_time.ticks_ms(), start)


def elapsed_micros(start):
    return _time.ticks_diff(_time.ticks_us(), start)


# --- LEDs: 1 red, 2 green, 3 yellow, 4 blue; 3 and 4 sit on timer pins and dim (intensity 0-255).
_LED_PINS = _info["led_pins"]
_leds = {}


class LED:
    def __new__(cls, id):
        if not isinstance(id, int) or not 1 <= id <= len(_LED_PINS):
            raise ValueError("LED(%s) doesn't exist" % id)
        led = _leds.get(id)
        if led is None:
            led = object.__new__(cls)
            led._id = id
            led._pin = _LED_PINS[id - 1]
            led._level = 0
            _mpsim.pin_init(led._pin, 1, 0)
            _leds[id] = led
        return led

    def __init__(self, id):
        pass

    def _dimmable(self):
        return self._id >= 3

    def intensity(self, value=None):
        if value is None:
            return self._level
        v = max(0, min(255, int(value)))
        if not self._dimmable():
            v = 255 if v else 0
        self._level = v
        if 0 < v < 255:
            # TIM2_CH1 / TIM3_CH1 at the firmware's LED PWM frequency.
            _mpsim.pwm_set(self._pin, 1000, v * 65535 // 255)
        else:
            _mpsim.pwm_off(self._pin)
            _mpsim.pin_init(self._pin, 1, 0)
            _mpsim.pin_write(self._pin, v == 255)

    def on(self):
        self.intensity(255)

    def off(self):
        self.intensity(0)

    def toggle(self):
        self.intensity(0 if self._level else 255)

    def __repr__(self):
        return "LED(%d)" % self._id


# --- The USR switch: pressed pulls its pin low.
_SW_PIN = [b[1] for b in _info["buttons"] if b[0] == "USR"][0]
_switch = []


class Switch:
    def __new__(cls):
        if not _switch:
            sw = object.__new__(cls)
            _mpsim.pin_init(_SW_PIN, 0, 1)
            _switch.append(sw)
        return _switch[0]

    def __init__(self):
        pass

    def value(self):
        return not _mpsim.pin_read(_SW_PIN)

    def __call__(self):
        return self.value()

    def callback(self, fun):
        if fun is None:
            _mpsim.pin_irq(_SW_PIN, None, 0, None)
        else:
            _mpsim.pin_irq(_SW_PIN, lambda _: fun(), 2, None)

    def __repr__(self):
        return "Switch()"


# --- The accelerometer: the MMA7660 on I2C1 (see _i2c.py: ±1.5 g, 6-bit samples, 21.33 counts
# per g; lying flat, face up, z() reads about +21). Accel() powers it and sets it active.
_accel = []


class Accel:
    def __new__(cls):
        if not _accel:
            # MMA_AVDD: the chip is powered (and answers on I2C1) from now on.
            _mpsim.pin_init(21, 1, 0)
            _mpsim.pin_write(21, True)
            a = object.__new__(cls)
            a._chip = _i2c.chip((22, 23), 0x4C)
            a._chip.set(7, 1)
            a._buf = [a._sample()] * 4
            _accel.append(a)
        return _accel[0]

    def __init__(self):
        pass

    @staticmethod
    def _sample():
        return _i2c.accel_counts()

    def x(self):
        return self._sample()[0]

    def y(self):
        return self._sample()[1]

    def z(self):
        return self._sample()[2]

    def filtered_xyz(self):
        self._buf = self._buf[1:] + [self._sample()]
        return tuple(sum(s[i] for s in self._buf) for i in range(3))

    def tilt(self):
        return self._chip.get(3)

    def read(self, reg):
        return self._chip.get(reg & 0xFF)

    def write(self, reg, val):
        self._chip.set(reg & 0xFF, val & 0xFF)


# --- ADC: 12 bits on ADC1's pins (X1-X8, X11, X12, X19-X22, Y11, Y12), or a channel number.
_ADC_CH = {}
for _g in (0, 1, 2, 3, 4, 5, 6, 7):
    _ADC_CH[_g] = _g
_ADC_CH[16] = 8
_ADC_CH[17] = 9
for _g in range(6):
    _ADC_CH[32 + _g] = 10 + _g
del _g
_INTERNAL = 256  # the model's key of internal channel n is 256 + n


def _adc_key(ch):
    for g, c in _ADC_CH.items():
        if c == ch:
            return g
    return _INTERNAL + ch


class ADC:
    def __init__(self, pin):
        if isinstance(pin, int) and not isinstance(pin, bool):
            if not 0 <= pin <= 18:
                raise ValueError("not a valid ADC Channel: %d" % pin)
            self._ch = pin
            self._name = None
        else:
            p = Pin(pin)
            if p._id not in _ADC_CH:
                raise ValueError("pin %s does not have ADC capabilities" % p.name())
            p.init(Pin.ANALOG)
            self._ch = _ADC_CH[p._id]
            self._name = p.name()
        self._key = _adc_key(self._ch)

    def read(self):
        return min(4095, int(_mpsim.adc_read(self._key) * 4095 + 0.5))

    def read_u16(self):
        return self.read() * 65535 // 4095

    def read_timed(self, buf, timer):
        # One sample per tick of `timer` (a Timer or a frequency), in board time.
        freq = timer if isinstance(timer, int) else timer.freq()
        shift = 4 if isinstance(buf, bytearray) else 0
        period = max(1, 1000000 // max(1, int(freq)))
        for i in range(len(buf)):
            buf[i] = self.read() >> shift
            _time.sleep_us(period)

    def __repr__(self):
        if self._name is None:
            return "<ADC on %d channel=%d>" % (self._ch, self._ch)
        return "<ADC on %s channel=%d>" % (self._name, self._ch)


class ADCAll:
    def __init__(self, resolution, mask=0xFFFFFFFF):
        if resolution not in (6, 8, 10, 12):
            raise ValueError("resolution %d not supported" % resolution)
        self._bits = resolution

    def read_channel(self, ch):
        if not 0 <= ch <= 18:
            raise ValueError("not a valid ADC Channel: %d" % ch)
        return int(_mpsim.adc_read(_adc_key(ch)) * ((1 << self._bits) - 1) + 0.5)

    def _volts(self, ch):
        return _mpsim.adc_read(_adc_key(ch)) * _info["vcc_mv"] / 1000

    def read_core_temp(self):
        # 0.76 V at 25 C, 2.5 mV per degree.
        return (self._volts(16) - 0.76) / 0.0025 + 25

    def read_core_vbat(self):
        return self._volts(18) * 2

    def read_core_vref(self):
        return self._volts(17)

    def read_vref(self):
        return _info["vcc_mv"] / 1000


# --- DAC: channel 1 on X5 (A4), 2 on X6 (A5); what it writes is what the pin's ADC reads.
class DAC:
    NORMAL = const(0)
    CIRCULAR = const(256)

    def __init__(self, port, bits=8, *, buffering=None):
        if isinstance(port, int) and not isinstance(port, bool):
            if port not in (1, 2):
                raise ValueError("DAC(%d) doesn't exist" % port)
            self._id = port
        else:
            p = Pin(port)
            if p._id not in (4, 5):
                raise ValueError("Pin(%s) doesn't have DAC capabilities" % p.name())
            self._id = p._id - 3
        self._gpio = self._id + 3
        self.init(bits, buffering=buffering)

    def init(self, bits=8, *, buffering=None):
        if bits not in (8, 12):
            raise ValueError("unsupported bits")
        self._bits = bits
        Pin(_cpu_name(self._gpio)).init(Pin.ANALOG)
        self.write(0)

    def deinit(self):
        pass

    def write(self, value):
        top = (1 << self._bits) - 1
        self._value = int(value) & top
        _mpsim.adc_set(self._gpio, self._value / (top + 1))

    def __repr__(self):
        return "DAC(%d, bits=%d)" % (self._id, self._bits)


# --- Timers 1-14: 16-bit counters (TIM2 and TIM5 are 32-bit) on 84 MHz (TIM1, 8-11: 168 MHz).
# A callback runs at the timer's rate; channel(n, Timer.PWM, pin=…) drives a pin.
_TIM_PINS = {
    1: (8, 9, 10, 11, 7, 16, 17, 29, 30, 31),
    2: (0, 1, 2, 3, 5, 15, 19, 26, 27),
    3: (6, 7, 16, 17, 20, 21, 38, 39, 40, 41),
    4: (22, 23, 24, 25),
    5: (0, 1, 2, 3),
    8: (5, 7, 16, 17, 30, 31, 38, 39, 40, 41),
    9: (2, 3),
    10: (24,),
    11: (25,),
    12: (30, 31),
    13: (6,),
    14: (7,),
}
_timers = {}


def _source_freq(tid):
    return 168000000 if tid in (1, 8, 9, 10, 11) else 84000000


class Timer:
    UP = const(0)
    DOWN = const(0x10)
    CENTER = const(0x20)
    PWM = const(0)
    PWM_INVERTED = const(1)
    OC_TIMING = const(2)
    OC_ACTIVE = const(3)
    OC_INACTIVE = const(4)
    OC_TOGGLE = const(5)
    OC_FORCED_ACTIVE = const(6)
    OC_FORCED_INACTIVE = const(7)
    IC = const(8)
    ENC_A = const(9)
    ENC_B = const(10)
    ENC_AB = const(11)
    HIGH = const(0)
    LOW = const(2)
    RISING = const(0)
    FALLING = const(2)
    BOTH = const(10)
    BRK_OFF = const(0)
    BRK_LOW = const(1)
    BRK_HIGH = const(2)

    def __init__(self, id, *args, **kw):
        if not isinstance(id, int) or not 1 <= id <= 14:
            raise ValueError("Timer(%s) doesn't exist" % id)
        self._id = id
        self._prescaler = 0
        self._period = 0xFFFF
        self._mode = Timer.UP
        self._div = 1
        self._cb = None
        self._channels = {}
        self._start = _time.ticks_us()
        self._running = False
        if args or kw:
            self.init(*args, **kw)
        _timers[id] = self

    def _max(self):
        return 0x3FFFFFFF if self._id in (2, 5) else 0xFFFF

    def init(self, *, freq=None, prescaler=None, period=None, mode=UP, div=1, callback=None, deadtime=0,
             brk=BRK_OFF):
        if freq is not None:
            if freq <= 0:
                raise ValueError("must have positive freq")
            period = int(_source_freq(self._id) / freq) or 1
            presc = 1
            while period > self._max():
                if period % 5 == 0:
                    presc *= 5
                    period //= 5
                elif period % 3 == 0:
                    presc *= 3
                    period //= 3
                else:
                    presc <<= 1
                    period >>= 1
            self._prescaler = presc - 1
            self._period = (period - 1) & self._max()
        elif prescaler is not None and period is not None:
            self._prescaler = int(prescaler) & 0xFFFF
            self._period = int(period) & self._max()
        else:
            raise TypeError("must specify either freq, or prescaler and period")
        if div not in (1, 2, 4):
            raise ValueError("invalid div")
        self._mode = mode
        self._div = div
        self._deadtime = deadtime
        self._start = _time.ticks_us()
        self._running = True
        self.callback(callback)
        for ch in self._channels.values():
            ch._apply()

    def _tick_ns(self):
        return (self._prescaler + 1) * 1000000000 / _source_freq(self._id)

    def _period_us(self):
        return max(1, int((self._period + 1) * self._tick_ns() / 1000))

    def deinit(self):
        self.callback(None)
        for ch in self._channels.values():
            ch._stop()
        self._channels = {}
        self._running = False

    def callback(self, fun):
        self._cb = fun
        if fun is None:
            _mpsim.timer_stop(_timer(self._id))
        else:
            _mpsim.timer_start(_timer(self._id), self._period_us(), True, fun, self)

    def counter(self, value=None):
        if value is not None:
            self._start = _time.ticks_us() - int(value * self._tick_ns() / 1000)
            return
        if not self._running:
            return 0
        ticks = int(_time.ticks_diff(_time.ticks_us(), self._start) * 1000 / self._tick_ns())
        return ticks % (self._period + 1)

    def freq(self, value=None):
        if value is None:
            return _source_freq(self._id) // ((self._prescaler + 1) * (self._period + 1))
        self.init(freq=value, mode=self._mode, div=self._div, callback=self._cb)

    def period(self, value=None):
        if value is None:
            return self._period
        self._period = int(value) & self._max()
        self._retime()

    def prescaler(self, value=None):
        if value is None:
            return self._prescaler
        self._prescaler = int(value) & 0xFFFF
        self._retime()

    def _retime(self):
        if self._cb is not None:
            self.callback(self._cb)
        for ch in self._channels.values():
            ch._apply()

    def source_freq(self):
        return _source_freq(self._id)

    def channel(self, channel, mode=None, *, pin=None, pulse_width=None, pulse_width_percent=None,
                compare=None, polarity=None, callback=None):
        if not 1 <= channel <= 4:
            raise ValueError("invalid channel (%d)" % channel)
        if mode is None:
            return self._channels.get(channel)
        if pin is not None:
            p = Pin(pin)
            if p._id not in _TIM_PINS.get(self._id, ()):
                raise ValueError("Pin(%s) doesn't have an alt for Timer(%d)" % (p.name(), self._id))
            pin = p
        old = self._channels.pop(channel, None)
        if old is not None:
            old._stop()
        ch = TimerChannel(self, channel, mode, pin, callback)
        self._channels[channel] = ch
        if pulse_width_percent is not None:
            ch.pulse_width_percent(pulse_width_percent)
        elif pulse_width is not None:
            ch.pulse_width(pulse_width)
        elif compare is not None:
            ch.compare(compare)
        else:
            ch._apply()
        return ch

    def __repr__(self):
        if not self._running:
            return "Timer(%d)" % self._id
        r = "Timer(%d, freq=%d, prescaler=%d, period=%d, mode=%s, div=%d" % (
            self._id, self.freq(), self._prescaler, self._period,
            {0: "UP", 0x10: "DOWN", 0x20: "CENTER"}.get(self._mode, "UP"), self._div)
        if self._id in (1, 8):
            r += ", deadtime=%d, brk=BRK_OFF" % self._deadtime
        return r + ")"


class TimerChannel:
    def __init__(self, timer, channel, mode, pin, callback):
        self._timer = timer
        self._channel = channel
        self._mode = mode
        self._pin = pin
        self._pw = 0
        self._cb = callback

    def _apply(self):
        if self._pin is None or self._mode not in (Timer.PWM, Timer.PWM_INVERTED):
            return
        t = self._timer
        duty = min(65535, self._pw * 65535 // (t._period + 1))
        if self._mode == Timer.PWM_INVERTED:
            duty = 65535 - duty
        _mpsim.pwm_set(self._pin._id, max(1, t.freq()), duty)

    def _stop(self):
        if self._pin is not None and self._mode in (Timer.PWM, Timer.PWM_INVERTED):
            _mpsim.pwm_off(self._pin._id)

    def pulse_width(self, value=None):
        if value is None:
            return self._pw
        self._pw = max(0, int(value))
        self._apply()

    def pulse_width_percent(self, value=None):
        period = self._timer._period + 1
        if value is None:
            return self._pw * 100 / period if isinstance(self._pw, int) else 0
        value = max(0, min(100, value))
        self._pw = int(value * period / 100 + 0.5)
        self._apply()

    compare = pulse_width

    def capture(self, value=None):
        return self.pulse_width(value)

    def callback(self, fun):
        self._cb = fun

    def __repr__(self):
        modes = ("PWM", "PWM_INVERTED", "OC_TIMING", "OC_ACTIVE", "OC_INACTIVE", "OC_TOGGLE",
                 "OC_FORCED_ACTIVE", "OC_FORCED_INACTIVE", "IC", "ENC_A", "ENC_B", "ENC_AB")
        return "TimerChannel(timer=%d, channel=%d, mode=%s)" % (self._timer._id, self._channel,
                                                               modes[self._mode])


# --- I2C in controller mode: buses 1 (X9/X10, the accelerometer's) and 2 (Y9/Y10). A chip that
# does not answer is EIO here (the HAL's error), ENODEV in machine.I2C.
class I2C:
    CONTROLLER = const(0)
    PERIPHERAL = const(1)
    MASTER = CONTROLLER
    SLAVE = PERIPHERAL
    _NAMES = {"X": 1, "Y": 2}

    def __init__(self, bus, mode=None, **kw):
        bus = I2C._NAMES.get(bus, bus)
        if bus not in _info["i2c"]:
            raise ValueError("I2C(%s) doesn't exist" % bus)
        self._bus = bus
        self._pins = tuple(_info["i2c"][bus])
        self._mode = None
        if mode is not None:
            self.init(mode, **kw)

    def init(self, mode, *, addr=0x12, baudrate=400000, gencall=False, dma=False):
        if mode != I2C.CONTROLLER:
            raise ValueError("mpsim's pyb.I2C works in controller mode only")
        self._mode = mode
        self._baudrate = baudrate

    def deinit(self):
        self._mode = None

    def _chip(self, addr):
        if self._mode is None:
            raise _mpsim.oserror(5)
        c = _i2c.chip(self._pins, addr)
        if c is None:
            raise _mpsim.oserror(5)
        return c

    def is_ready(self, addr):
        return _i2c.chip(self._pins, addr) is not None

    def scan(self):
        return _i2c.scan(self._pins)

    def send(self, send, addr=0x00, *, timeout=5000):
        self._chip(addr).write(bytes([send & 0xFF]) if isinstance(send, int) else bytes(send))

    def recv(self, recv, addr=0x00, *, timeout=5000):
        n = recv if isinstance(recv, int) else len(recv)
        data = self._chip(addr).read(n)
        if isinstance(recv, int):
            return data
        recv[:] = data
        return recv

    def mem_read(self, data, addr, memaddr, *, timeout=5000, addr_size=8):
        c = self._chip(addr)
        c.write(int(memaddr).to_bytes(addr_size // 8, "big"))
        n = data if isinstance(data, int) else len(data)
        got = c.read(n)
        if isinstance(data, int):
            return got
        data[:] = got
        return data

    def mem_write(self, data, addr, memaddr, *, timeout=5000, addr_size=8):
        payload = bytes([data & 0xFF]) if isinstance(data, int) else bytes(data)
        self._chip(addr).write(int(memaddr).to_bytes(addr_size // 8, "big") + payload)

    def __repr__(self):
        if self._mode is None:
            return "I2C(%d)" % self._bus
        return "I2C(%d, I2C.CONTROLLER, baudrate=%d)" % (self._bus, self._baudrate)


# --- SPI in controller mode: buses 1 (X5-X8: NSS, SCK, MISO, MOSI) and 2 (Y5-Y8). The parts of
# the circuit whose CS line is low take each transfer (_spi.py).
import _spi


class SPI(_spi._Bus):
    # The transfers are _spi's; read/readinto/write/write_readinto are machine.SPI's.
    CONTROLLER = const(260)
    PERIPHERAL = const(0)
    MASTER = CONTROLLER
    SLAVE = PERIPHERAL
    MSB = const(0)
    LSB = const(128)
    _NAMES = {"X": 1, "Y": 2}

    def __init__(self, bus, mode=None, baudrate=328125, **kw):
        bus = SPI._NAMES.get(bus, bus)
        if bus not in _info["spi"]:
            raise ValueError("SPI(%s) doesn't exist" % bus)
        self._bus = bus
        self._mode = None
        if mode is not None:
            self.init(mode, baudrate, **kw)

    def init(self, mode, baudrate=328125, *, prescaler=-1, polarity=1, phase=0, bits=8, firstbit=0,
             ti=False, crc=None):
        if mode != SPI.CONTROLLER:
            raise ValueError("mpsim's pyb.SPI works in controller mode only")
        sck, mosi, miso = _info["spi"][self._bus]
        self._spi = _spi.SoftSPI(baudrate, polarity=polarity, phase=phase, bits=bits,
                                 firstbit=_spi.LSB if firstbit else _spi.MSB, sck=sck, mosi=mosi, miso=miso)
        self._mode = mode
        self._baudrate = baudrate
        self._polarity = polarity
        self._phase = phase

    def deinit(self):
        self._mode = None

    def _xfer(self, data):
        if self._mode is None:
            raise OSError(5)
        return self._spi._xfer(data)

    def send(self, send, *, timeout=5000):
        self._xfer(bytes([send & 0xFF]) if isinstance(send, int) else bytes(send))

    def recv(self, recv, *, timeout=5000):
        n = recv if isinstance(recv, int) else len(recv)
        data = self._xfer(b"\x00" * n)
        if isinstance(recv, int):
            return data
        recv[:] = data
        return recv

    def send_recv(self, send, recv=None, *, timeout=5000):
        data = self._xfer(bytes([send & 0xFF]) if isinstance(send, int) else bytes(send))
        if recv is None:
            return data
        recv[:] = data
        return recv

    def __repr__(self):
        if self._mode is None:
            return "SPI(%d)" % self._bus
        return "SPI(%d, SPI.CONTROLLER, baudrate=%d, polarity=%d, phase=%d, bits=8)" % (
            self._bus, self._baudrate, self._polarity, self._phase)


# --- Servos 1-4 on X1-X4: 50 Hz pulses, 640-2420 us, 1500 at the centre, 2470 at 90 degrees.
_servos = {}


class Servo:
    def __new__(cls, id):
        if not isinstance(id, int) or not 1 <= id <= 4:
            raise ValueError("Servo(%s) doesn't exist" % id)
        s = _servos.get(id)
        if s is None:
            s = object.__new__(cls)
            s._id = id
            s._gpio = id - 1
            s._cal = [640, 2420, 1500, 2470, 2470]
            s._from = s._to = 1500
            s._t0 = _time.ticks_ms()
            s._dur = 0
            _servos[id] = s
        return s

    def __init__(self, id):
        pass

    def _now(self):
        if self._dur <= 0:
            return self._to
        el = _time.ticks_diff(_time.ticks_ms(), self._t0)
        if el >= self._dur:
            return self._to
        return self._from + (self._to - self._from) * el // self._dur

    def _move(self, pw, time=0):
        lo, hi = self._cal[0], self._cal[1]
        pw = max(lo, min(hi, int(pw)))
        self._from = self._now()
        self._to = pw
        self._t0 = _time.ticks_ms()
        self._dur = max(0, int(time))
        _mpsim.pwm_set(self._gpio, 50, pw * 65535 // 20000)

    def pulse_width(self, value=None):
        if value is None:
            return self._now()
        self._move(value)

    def angle(self, angle=None, time=0):
        centre, a90 = self._cal[2], self._cal[3]
        if angle is None:
            return round((self._now() - centre) * 90 / (a90 - centre))
        self._move(centre + (a90 - centre) * angle / 90, time)

    def speed(self, speed=None, time=0):
        centre, s100 = self._cal[2], self._cal[4]
        if speed is None:
            return round((self._now() - centre) * 100 / (s100 - centre))
        self._move(centre + (s100 - centre) * speed / 100, time)

    def calibration(self, *args):
        if not args:
            return tuple(self._cal)
        if len(args) not in (3, 5):
            raise TypeError("function takes 1, 4 or 6 arguments")
        self._cal[:len(args)] = [int(a) for a in args]

    def __repr__(self):
        return "<Servo %d at %dus>" % (self._id, self._now())


# --- The RTC (machine's) with the stm32 extras.
class RTC(_machine.RTC):
    _cal = 0

    def wakeup(self, timeout, callback=None):
        if timeout is None:
            _mpsim.timer_stop(_timer(100))
            return
        _mpsim.timer_start(_timer(100), int(timeout) * 1000, True, callback or (lambda _: None), self)

    def calibration(self, cal=None):
        if cal is None:
            return RTC._cal
        if not -511 <= cal <= 512:
            raise ValueError("calibration value out of range")
        RTC._cal = cal

    def info(self):
        return 0x40000000


# --- The rest of the board.
def freq(sysclk=None, hclk=None, pclk1=None, pclk2=None):
    return _machine.freq(sysclk, hclk, pclk1, pclk2)


def hard_reset():
    _machine.reset()


def bootloader():
    _machine.bootloader()


def wfi():
    _mpsim.sleep_us(0)


def stop():
    _machine.lightsleep()


def standby():
    _machine.deepsleep()


def disable_irq():
    return _machine.disable_irq()


def enable_irq(state=True):
    _machine.enable_irq(state)


def unique_id():
    return _info["unique_id"]


def rng():
    # The hardware random number generator: 30 random bits.
    import random
    return random.getrandbits(30)


def sync():
    import os
    os.sync()


def main(filename):
    # Run `filename` (on the flash) after boot.py instead of main.py.
    mp = _info["flash_mount"]
    if filename.startswith(mp + "/"):
        filename = filename[len(mp) + 1:]
    _mpsim.set_main(filename)


_repl = [None]


def repl_uart(uart=None):
    if uart is None:
        return _repl[0]
    import os
    os.dupterm(uart, 0)
    _repl[0] = uart


_usb = ["VCP+MSC"]


def usb_mode(modestr=None, **kw):
    if modestr is None:
        return _usb[0]
    if modestr not in ("VCP", "MSC", "VCP+MSC", "VCP+HID", "VCP+MSC+HID", "CDC", "CDC+MSC", "CDC+HID"):
        raise ValueError("bad USB mode")
    _usb[0] = modestr.replace("CDC", "VCP")


def have_cdc():
    return True


def fault_debug(value):
    pass


def info(dump_alloc_table=None):
    import gc
    print("ID=%s" % "".join("%02x" % b for b in _info["unique_id"]))
    f = freq()
    print("S=%d\nH=%d\nP1=%d\nP2=%d" % f)
    free = gc.mem_free()
    alloc = gc.mem_alloc()
    print("GC:\n  %d total\n  %d : %d" % (free + alloc, alloc, free))


class USB_VCP:
    # The USB serial port: the REPL's own line.
    def __init__(self, id=0):
        pass

    def isconnected(self):
        return True

    def any(self):
        return _mpsim.console_any() > 0

    def write(self, buf):
        if isinstance(buf, str):
            buf = buf.encode()
        return _mpsim.console_write(buf)

    def send(self, data, *, timeout=5000):
        return self.write(data if not isinstance(data, int) else bytes([data]))

    def setinterrupt(self, chr):
        _mpsim.kbd_intr(chr)

    def __repr__(self):
        return "USB_VCP(0)"
