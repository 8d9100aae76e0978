# onewire (frozen in the ESP8266, ESP32, Pico and pyboard firmware): a 1-Wire bus on one pin,
# written here from the documented API over the firmware's _onewire primitives.
import _onewire


class OneWireError(Exception):
    pass


class OneWire:
    SEARCH_ROM = 0xF0
    MATCH_ROM = 0x55
    SKIP_ROM = 0xCC

    def __init__(self, pin):
        self.pin = pin
        pin.init(pin.OPEN_DRAIN, pin.PULL_UP)

    def reset(self, required=False):
        present = _onewire.reset(self.pin)
        if required and not present:
            raise OneWireError
        return present

    def readbit(self):
        return _onewire.readbit(self.pin)

    def readbyte(self):
        return _onewire.readbyte(self.pin)

    def readinto(self, buf):
        for i in range(len(buf)):
            buf[i] = _onewire.readbyte(self.pin)

    def writebit(self, value):
        _onewire.writebit(self.pin, value)

    def writebyte(self, value):
        _onewire.writebyte(self.pin, value)

    def write(self, buf):
        for b in buf:
            _onewire.writebyte(self.pin, b)

    def select_rom(self, rom):
        self.reset()
        self.writebyte(self.MATCH_ROM)
        self.write(rom)

    def scan(self):
        # Search ROM, one device per pass: at each bit the devices still in send the bit and its
        # complement; where both come back 0 they disagree, and the pass takes the branch the
        # previous pass did not finish.
        found = []
        last_fork = -1
        rom = bytearray(8)
        while True:
            if not self.reset():
                return found
            self.writebyte(self.SEARCH_ROM)
            fork = -1
            for i in range(64):
                b = self.readbit()
                nb = self.readbit()
                if b and nb:
                    return found
                if b == nb:
                    if i < last_fork:
                        take = rom[i // 8] >> (i % 8) & 1
                    else:
                        take = 1 if i == last_fork else 0
                    if not take:
                        fork = i
                else:
                    take = b
                if take:
                    rom[i // 8] |= 1 << (i % 8)
                else:
                    rom[i // 8] &= ~(1 << (i % 8))
                self.writebit(take)
            found.append(bytearray(rom))
            last_fork = fork
            if last_fork < 0:
                return found

    def crc8(self, data):
        return _onewire.crc8(data)
