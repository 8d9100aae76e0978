# SPI: a bus is its pins (SCK, MOSI, MISO). Every controller on those pins (machine.SPI, SoftSPI,
# pyb.SPI, microbit.spi) reaches the same parts of the circuit: the ones whose CS line is low (or
# who have none) take each transfer; MISO reads what they drive, 0xFF where none does.
import _mpsim

_info = _mpsim.board_info()

MSB = 0
LSB = 1


def _gpio(p):
    g = getattr(p, "_id", getattr(p, "_gpio", p))
    if not isinstance(g, int):
        raise TypeError("expecting a Pin")
    return g


def _reverse(b):
    b = ((b & 0xF0) >> 4) | ((b & 0x0F) << 4)
    b = ((b & 0xCC) >> 2) | ((b & 0x33) << 2)
    return ((b & 0xAA) >> 1) | ((b & 0x55) << 1)


class _Bus:
    def _setup(self, baudrate, polarity, phase, bits, firstbit):
        self._baudrate = int(baudrate)
        self._polarity = int(polarity)
        self._phase = int(phase)
        self._bits = int(bits)
        self._firstbit = int(firstbit)
        if self._bits != 8:
            raise ValueError("bits must be 8")

    def _xfer(self, data):
        if self._sck is None:
            raise OSError(22)
        if self._firstbit == LSB:
            data = bytes(_reverse(b) for b in data)
        mosi = -1 if self._mosi is None else self._mosi
        got = _mpsim.spi_transfer(self._sck, mosi, data) if mosi >= 0 else b"\xff" * len(data)
        # The bus is busy for the bits it clocks out, as the board's is.
        us = len(data) * 8000000 // max(self._baudrate, 1)
        if us:
            _mpsim.sleep_us(us)
        if self._miso is None:
            got = b"\x00" * len(data)
        elif self._firstbit == LSB:
            got = bytes(_reverse(b) for b in got)
        return bytes(got)

    def deinit(self):
        pass

    def write(self, buf):
        self._xfer(bytes(buf))

    def read(self, nbytes, write=0x00):
        return self._xfer(bytes([write & 0xFF]) * int(nbytes))

    def readinto(self, buf, write=0x00):
        buf[:] = self._xfer(bytes([write & 0xFF]) * len(buf))

    def write_readinto(self, write_buf, read_buf):
        if len(write_buf) != len(read_buf):
            raise ValueError("buffers must be the same length")
        read_buf[:] = self._xfer(bytes(write_buf))


class SoftSPI(_Bus):
    MSB = MSB
    LSB = LSB

    def __init__(self, baudrate=500000, *, polarity=0, phase=0, bits=8, firstbit=MSB, sck=None, mosi=None,
                 miso=None):
        self.init(baudrate, polarity=polarity, phase=phase, bits=bits, firstbit=firstbit, sck=sck, mosi=mosi,
                  miso=miso)

    def init(self, baudrate=500000, *, polarity=0, phase=0, bits=8, firstbit=MSB, sck=None, mosi=None, miso=None):
        self._setup(baudrate, polarity, phase, bits, firstbit)
        self._sck = None if sck is None else _gpio(sck)
        self._mosi = None if mosi is None else _gpio(mosi)
        self._miso = None if miso is None else _gpio(miso)
        for g in (self._sck, self._mosi, self._miso):
            if g is not None:
                _mpsim.pin_check(g)

    def __repr__(self):
        return "SoftSPI(baudrate=%d, polarity=%d, phase=%d, sck=%s, mosi=%s, miso=%s)" % (
            self._baudrate, self._polarity, self._phase, self._sck, self._mosi, self._miso)


_ESP8266 = _info["platform"] == "esp8266"

# The ports whose machine.SPI still takes SPI(-1, …) for a software bus (with a warning).
_LEGACY = _info["platform"] in ("esp32", "esp8266", "pyboard")


class SPI(_Bus):
    MSB = MSB
    LSB = LSB

    def __new__(cls, *args, **kw):
        if _LEGACY and (not args or args[0] == -1) and (args or kw):
            print("Warning: SPI(-1, ...) is deprecated, use SoftSPI(...) instead")
            return SoftSPI(*args[1:], **kw)
        return super().__new__(cls)

    def __init__(self, id, baudrate=1000000, *, polarity=0, phase=0, bits=8, firstbit=MSB, sck=None, mosi=None,
                 miso=None):
        buses = _info["spi"]
        if id not in buses:
            # The ESP8266's HSPI is SPI(1) only, refused without a message.
            raise ValueError() if _ESP8266 else ValueError("SPI(%s) doesn't exist" % id)
        self._id = id
        if _ESP8266 and baudrate == 1000000:
            baudrate = 80000000
        self.init(baudrate, polarity=polarity, phase=phase, bits=bits, firstbit=firstbit, sck=sck, mosi=mosi,
                  miso=miso)

    def init(self, baudrate=1000000, *, polarity=0, phase=0, bits=8, firstbit=MSB, sck=None, mosi=None,
             miso=None):
        self._setup(baudrate, polarity, phase, bits, firstbit)
        dsck, dmosi, dmiso = _info["spi"][self._id]
        self._sck = dsck if sck is None else _gpio(sck)
        self._mosi = dmosi if mosi is None else _gpio(mosi)
        self._miso = dmiso if miso is None else _gpio(miso)

    def __repr__(self):
        if _ESP8266:
            return "HSPI(id=1, baudrate=%d, polarity=%d, phase=%d)" % (self._baudrate, self._polarity, self._phase)
        if _info["platform"] == "esp32":
            return "SPI(id=%d, baudrate=%d, polarity=%d, phase=%d, bits=%d, firstbit=%d, sck=%d, mosi=%d, miso=%d)" % (
                self._id, self._baudrate, self._polarity, self._phase, self._bits, self._firstbit, self._sck,
                self._mosi, self._miso)
        return "SPI(%d, baudrate=%d, polarity=%d, phase=%d, bits=%d, sck=%d, mosi=%d, miso=%d)" % (
            self._id, self._baudrate, self._polarity, self._phase, self._bits, self._sck, self._mosi, self._miso)
