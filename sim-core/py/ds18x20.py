# ds18x20 (frozen in the ESP8266, ESP32 and Pico firmware): DS18S20/DS1822/DS18B20 temperature
# sensors on a OneWire bus, written here from the documented API and the sensors' datasheets.
from micropython import const

_CONVERT = const(0x44)
_RD_SCRATCH = const(0xBE)
_WR_SCRATCH = const(0x4E)


class DS18X20:
    def __init__(self, onewire):
        self.ow = onewire
        self.buf = bytearray(9)

    def scan(self):
        return [rom for rom in self.ow.scan() if rom[0] in (0x10, 0x22, 0x28)]

    def convert_temp(self):
        self.ow.reset(True)
        self.ow.writebyte(self.ow.SKIP_ROM)
        self.ow.writebyte(_CONVERT)

    def read_scratch(self, rom):
        self.ow.reset(True)
        self.ow.select_rom(rom)
        self.ow.writebyte(_RD_SCRATCH)
        self.ow.readinto(self.buf)
        if self.ow.crc8(self.buf):
            raise Exception("CRC error")
        return self.buf

    def write_scratch(self, rom, buf):
        self.ow.reset(True)
        self.ow.select_rom(rom)
        self.ow.writebyte(_WR_SCRATCH)
        self.ow.write(buf)

    def read_temp(self, rom):
        b = self.read_scratch(rom)
        if rom[0] == 0x10:
            # DS18S20: half degrees, refined by COUNT_REMAIN and COUNT_PER_C.
            raw = b[0] | b[1] << 8
            if raw & 0x8000:
                raw -= 0x10000
            return (raw >> 1) - 0.25 + (b[7] - b[6]) / b[7]
        raw = b[0] | b[1] << 8
        if raw & 0x8000:
            raw -= 0x10000
        return raw / 16
