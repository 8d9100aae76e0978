# I2C: the buses a board's pins carry and the chips that answer on them. A bus is its pair of pins
# (SCL, SDA): every controller on those pins (machine.I2C, SoftI2C, pyb.I2C, microbit.i2c) reaches
# the same chips. A chip acknowledges its address, takes a register number as the first byte
# written and reads and writes registers from there, as register-based sensors do. Nothing else
# answers: an address nobody holds is not acknowledged (the port's own errno).
import _mpsim

_info = _mpsim.board_info()


class _Chip:
    # A register-based I2C chip: 256 registers, a pointer that moves on with each byte.
    def __init__(self):
        self._ptr = 0
        self._regs = bytearray(256)

    def present(self):
        return True

    def get(self, reg):
        return self._regs[reg]

    def set(self, reg, value):
        self._regs[reg] = value

    def write(self, data):
        if data:
            self._ptr = data[0]
            for b in data[1:]:
                self.set(self._ptr, b & 0xFF)
                self._ptr = (self._ptr + 1) & 0xFF

    def read(self, n):
        out = bytearray(n)
        for i in range(n):
            out[i] = self.get(self._ptr) & 0xFF
            self._ptr = (self._ptr + 1) & 0xFF
        return bytes(out)


def accel_counts(sign=(1, 1, -1)):
    # What the pyboard's MMA7660 measures: 6-bit samples at 21.33 counts per g; it is mounted so
    # that lying face up reads +21 in z.
    mg = _mpsim.accel()
    return tuple(max(-32, min(31, int(round(s * v * 21.33 / 1000)))) for s, v in zip(sign, mg))


class MMA7660(_Chip):
    # The pyboard's accelerometer at 0x4C, powered by MMA_AVDD (it answers only while that pin is
    # high: pyb.Accel() switches it on). Registers: 0-2 XOUT/YOUT/ZOUT (6-bit two's complement),
    # 3 TILT, 7 MODE.
    def __init__(self, power_gpio):
        super().__init__()
        self._power = power_gpio

    def present(self):
        return bool(_mpsim.pin_read(self._power))

    def get(self, reg):
        if reg <= 2:
            return accel_counts()[reg] & 0x3F
        if reg == 3:
            x, y, z = accel_counts()
            bafro = 1 if z > 5 else 2 if z < -5 else 0
            pola = 0
            if abs(x) > 5 or abs(y) > 5:
                pola = (1 if x > 0 else 2) if abs(x) >= abs(y) else (5 if y > 0 else 6)
            return bafro | (pola << 2)
        return self._regs[reg]


# The chips on each board's own buses: (SCL GPIO, SDA GPIO) -> {address: chip}.
_BUSES = {}
if _info["accel_i2c"] and _info["accel_i2c"][0] == "MMA7660":
    # The accelerometer on the board's own bus (the pyboard's I2C1), as the board data places it.
    _chip, _scl, _sda, _addr, _power = _info["accel_i2c"]
    _BUSES[(_scl, _sda)] = {_addr: MMA7660(_power)}


class _Wired:
    # The chips of the circuit (--wiring) at one address of one bus; their models are the
    # board's (board-models). Chips sharing an address answer together.
    def __init__(self, scl, sda, addr):
        self._at = (scl, sda, addr)

    def present(self):
        return True

    def write(self, data):
        _mpsim.i2c_part_write(*self._at, data)

    def read(self, n):
        got = _mpsim.i2c_part_read(*self._at, n)
        return b"\xff" * n if got is None else bytes(got)


for _scl, _sda, _addr in _mpsim.i2c_parts():
    _BUSES.setdefault((_scl, _sda), {})[_addr] = _Wired(_scl, _sda, _addr)


class _Remote:
    # A target on another board of the circuit (machine.I2CTarget there), reached through the
    # front end: each transfer waits for the other board's answer.
    def __init__(self, bus, addr):
        self._at = bus + (addr,)

    def present(self):
        return _mpsim.i2c_remote(*self._at, b"", 0) is not None

    def write(self, data):
        _mpsim.i2c_remote(*self._at, data, 0)

    def read(self, n):
        got = _mpsim.i2c_remote(*self._at, b"", n)
        return b"\xff" * n if got is None else bytes(got)


def chip(bus, addr):
    c = _BUSES.get(bus, {}).get(addr)
    if c is None and _mpsim.i2c_linked(*bus):
        c = _Remote(bus, addr)
    return c if c is not None and c.present() else None


def scan(bus):
    return [a for a in range(0x08, 0x78) if chip(bus, a) is not None]


def _gpio(p):
    g = getattr(p, "_id", getattr(p, "_gpio", p))
    if not isinstance(g, int):
        raise TypeError("expecting a Pin")
    return g


class _Controller:
    # What machine.I2C and SoftI2C share: transfers to the chips on the bus (scl, sda). A chip
    # that does not answer is ENODEV for the software controller (extmod's), the port's own errno
    # for the hardware one.
    _nack_errno = 19

    def _bus(self):
        return (self._scl, self._sda)

    def _chip(self, addr):
        c = chip(self._bus(), int(addr))
        if c is None:
            raise _mpsim.oserror(self._nack_errno)
        return c

    def scan(self):
        return scan(self._bus())

    def readfrom(self, addr, nbytes, stop=True):
        return self._chip(addr).read(int(nbytes))

    def readfrom_into(self, addr, buf, stop=True):
        data = self._chip(addr).read(len(buf))
        buf[:] = data

    def writeto(self, addr, buf, stop=True):
        self._chip(addr).write(bytes(buf))
        return len(buf)

    def writevto(self, addr, vector, stop=True):
        data = b"".join(bytes(v) for v in vector)
        self._chip(addr).write(data)
        return len(data)

    def _mem(self, memaddr, addrsize):
        if addrsize not in (8, 16):
            raise ValueError("invalid addrsize")
        return int(memaddr).to_bytes(addrsize // 8, "big")

    def readfrom_mem(self, addr, memaddr, nbytes, *, addrsize=8):
        c = self._chip(addr)
        c.write(self._mem(memaddr, addrsize))
        return c.read(int(nbytes))

    def readfrom_mem_into(self, addr, memaddr, buf, *, addrsize=8):
        buf[:] = self.readfrom_mem(addr, memaddr, len(buf), addrsize=addrsize)

    def writeto_mem(self, addr, memaddr, buf, *, addrsize=8):
        self._chip(addr).write(self._mem(memaddr, addrsize) + bytes(buf))


def _args(args, kw):
    # extmod's argument parsing for SoftI2C(scl, sda, *, freq, timeout): a positional argument
    # takes its slot even when the same name comes as a keyword (that keyword is then "extra"),
    # which is what the old I2C(-1, scl=…, sda=…) meets on the ESP8266.
    if len(args) > 2:
        raise TypeError("extra positional arguments given")
    got = dict(zip(("scl", "sda"), args))
    for k, v in kw.items():
        if k in got or k not in ("scl", "sda", "freq", "timeout"):
            raise TypeError("extra keyword arguments given")
        got[k] = v
    for k in ("scl", "sda"):
        if k not in got:
            raise TypeError("'%s' argument required" % k)
    return got["scl"], got["sda"], got.get("freq", 400000), got.get("timeout", 50000)


class SoftI2C(_Controller):
    # I2C bit-banged on any two pins; also the primitive start/stop/write/readinto.
    def __init__(self, *args, **kw):
        scl, sda, freq, timeout = _args(args, kw)
        self._scl = _gpio(scl)
        self._sda = _gpio(sda)
        _mpsim.pin_check(self._scl)
        _mpsim.pin_check(self._sda)
        self._freq = int(freq)
        self._timeout = timeout
        self._open = None  # [chip, reading, bytes written] inside start() … stop()

    def init(self, *args, **kw):
        self.__init__(*args, **kw)

    def start(self):
        # A repeated start ends the write before it, as a stop does.
        self._flush()
        self._open = False

    def stop(self):
        self._flush()
        self._open = None

    def _flush(self):
        # The bytes written since the address reach the chip as one transfer.
        if self._open and not self._open[1] and self._open[2]:
            self._open[0].write(bytes(self._open[2]))
        if self._open:
            self._open[2] = bytearray()

    def write(self, buf):
        # After start(): the first byte is the address and direction; the rest go to the chip.
        acks = 0
        for b in bytes(buf):
            if self._open is False:
                c = chip(self._bus(), b >> 1)
                if c is None:
                    return acks
                self._open = [c, bool(b & 1), bytearray()]
                acks += 1
            elif self._open is not None:
                self._open[2].append(b)
                acks += 1
        return acks

    def readinto(self, buf, nack=True):
        got = self._open[0].read(len(buf)) if self._open else b"\xff" * len(buf)
        buf[:] = got

    def __repr__(self):
        return "SoftI2C(scl=%d, sda=%d, freq=%d)" % (self._scl, self._sda, self._freq)


# The ports that still take I2C(-1, …) for a software bus (with a warning): extmod's
# MP_MACHINE_I2C_CHECK_FOR_LEGACY_SOFTI2C_CONSTRUCTION is in the ESP32's, the STM32's and the nRF's.
_LEGACY = _info["platform"] in ("esp32", "pyboard", "microbit")


class I2C(_Controller):
    # A hardware controller: I2C(id) on its default pins (board data), or pins given.
    _nack_errno = _info["i2c_nack_errno"]

    def __new__(cls, *args, **kw):
        if _LEGACY and args and args[0] == -1:
            print("Warning: I2C(-1, ...) is deprecated, use SoftI2C(...) instead")
            return SoftI2C(*args[1:], **kw)
        return super().__new__(cls)

    def __init__(self, id=-1, *, scl=None, sda=None, freq=400000, timeout=50000):
        buses = _info["i2c"]
        if id not in buses:
            raise ValueError("I2C(%s) doesn't exist" % id)
        self._id = id
        self._scl, self._sda = buses[id]
        if scl is not None:
            self._scl = _gpio(scl)
        if sda is not None:
            self._sda = _gpio(sda)
        self._freq = int(freq)
        self._timeout = timeout

    def init(self, *, scl=None, sda=None, freq=400000, timeout=50000):
        self.__init__(self._id, scl=scl, sda=sda, freq=freq, timeout=timeout)

    def __repr__(self):
        return "I2C(%d, scl=%s, sda=%s, freq=%d)" % (self._id, _pin_text(self._scl), _pin_text(self._sda),
                                                    self._freq)


def _pin_text(g):
    # The stm32 port prints its pins by CPU name (B6), the others by number.
    if _info["pins_by_port"]:
        return "%s%d" % ("ABCDEFGHIJK"[g >> 4], g & 15)
    return str(g)


class _TargetIrq:
    def __init__(self, target):
        self._t = target

    def flags(self):
        return _mpsim.i2c_target_state(self._t._key)[1]

    def trigger(self):
        return self._t._trigger


class I2CTarget:
    # An I2C target in memory mode (the Picos' firmware has I2CTarget): a controller on another
    # board of the circuit writes the memory address, then writes or reads `mem` from there,
    # wrapping at its end; IRQ_END_READ and IRQ_END_WRITE call the handler as soft IRQs.
    IRQ_ADDR_MATCH_READ = 1
    IRQ_ADDR_MATCH_WRITE = 2
    IRQ_READ_REQ = 4
    IRQ_WRITE_REQ = 8
    IRQ_END_READ = 16
    IRQ_END_WRITE = 32

    def __init__(self, id, addr, *, addrsize=7, mem=None, mem_addrsize=8, scl=None, sda=None):
        buses = _info["i2c"]
        if id not in buses:
            raise ValueError("I2C(%s) doesn't exist" % id)
        if addrsize != 7:
            raise ValueError("unsupported addrsize")
        if mem_addrsize not in (0, 8, 16, 24, 32):
            raise ValueError("mem_addrsize must be 0, 8, 16, 24 or 32")
        if mem is not None and not isinstance(mem, bytearray):
            mem = bytearray(mem)
        self._scl, self._sda = buses[id]
        if scl is not None:
            self._scl = _gpio(scl)
        if sda is not None:
            self._sda = _gpio(sda)
        self._trigger = 0
        self._key = _mpsim.i2c_target_add(self._scl, self._sda, int(addr), mem, mem_addrsize, self)

    def deinit(self):
        _mpsim.i2c_target_remove(self._key)

    def irq(self, *args, **kw):
        # irq() alone returns the IRQ object as it is (the handler asks it for its flags).
        if args or kw:
            self._irq(*args, **kw)
        return _TargetIrq(self)

    def _irq(self, handler=None, trigger=IRQ_END_READ | IRQ_END_WRITE, hard=False):
        if trigger & 15 and not hard:
            raise ValueError("hard IRQ required")
        self._trigger = trigger
        _mpsim.i2c_target_irq(self._key, handler, trigger)

    @property
    def memaddr(self):
        return _mpsim.i2c_target_state(self._key)[0]
