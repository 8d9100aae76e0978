# ssd1306 (frozen in the ESP8266's firmware): the SSD1306 OLED controller over I2C or SPI, written
# for mpsim from the driver's documented API (SSD1306_I2C(width, height, i2c, addr=0x3C,
# external_vcc=False), SSD1306_SPI(width, height, spi, dc, res, cs, external_vcc=False), a
# framebuf.FrameBuffer with show, poweroff, poweron, contrast, invert, rotate) and the chip's
# datasheet: the same command stream reaches the display as from the firmware's driver.
import framebuf

_CONTRAST = 0x81
_FOLLOW_RAM = 0xA4
_NORMAL = 0xA6
_DISPLAY = 0xAE
_ADDR_MODE = 0x20
_COLUMNS = 0x21
_PAGES = 0x22
_START_LINE = 0x40
_SEG_REMAP = 0xA0
_MUX = 0xA8
_IREF = 0xAD
_COM_DIR = 0xC0
_OFFSET = 0xD3
_COM_PINS = 0xDA
_CLOCK = 0xD5
_PRECHARGE = 0xD9
_VCOMH = 0xDB
_PUMP = 0x8D


class SSD1306(framebuf.FrameBuffer):
    def __init__(self, width, height, external_vcc):
        self.width = width
        self.height = height
        self.external_vcc = external_vcc
        self.pages = height // 8
        self.buffer = bytearray(self.pages * width)
        super().__init__(self.buffer, width, height, framebuf.MONO_VLSB)
        self.init_display()

    def _setup(self):
        # Off; horizontal addressing; line 0 first, column 127 on SEG0, COM scanned upwards;
        # the panel's rows and COM wiring; clock, precharge and VCOMH; full contrast, the RAM
        # shown as is; internal IREF and the charge pump (unless VCC comes from outside); on.
        ext = self.external_vcc
        return (
            _DISPLAY,
            _ADDR_MODE, 0x00,
            _START_LINE,
            _SEG_REMAP | 1,
            _MUX, self.height - 1,
            _COM_DIR | 0x08,
            _OFFSET, 0x00,
            _COM_PINS, 0x02 if self.width > 2 * self.height else 0x12,
            _CLOCK, 0x80,
            _PRECHARGE, 0x22 if ext else 0xF1,
            _VCOMH, 0x30,
            _CONTRAST, 0xFF,
            _FOLLOW_RAM,
            _NORMAL,
            _IREF, 0x30,
            _PUMP, 0x10 if ext else 0x14,
            _DISPLAY | 1,
        )

    def init_display(self):
        for c in self._setup():
            self.write_cmd(c)
        self.fill(0)
        self.show()

    def poweroff(self):
        self.write_cmd(_DISPLAY)

    def poweron(self):
        self.write_cmd(_DISPLAY | 1)

    def contrast(self, contrast):
        self.write_cmd(_CONTRAST)
        self.write_cmd(contrast)

    def invert(self, invert):
        self.write_cmd(_NORMAL | (invert & 1))

    def rotate(self, rotate):
        self.write_cmd(_COM_DIR | ((rotate & 1) << 3))
        self.write_cmd(_SEG_REMAP | (rotate & 1))

    def show(self):
        # Panels narrower than 128 columns sit in the middle of the controller's.
        first = (128 - self.width) // 2 if self.width != 128 else 0
        for c in (_COLUMNS, first, first + self.width - 1, _PAGES, 0, self.pages - 1):
            self.write_cmd(c)
        self.write_data(self.buffer)


class SSD1306_I2C(SSD1306):
    def __init__(self, width, height, i2c, addr=0x3C, external_vcc=False):
        self.i2c = i2c
        self.addr = addr
        self.temp = bytearray(2)
        # A data transfer: the control byte (Co=0, D/C#=1), then the bytes.
        self.write_list = [b"\x40", None]
        super().__init__(width, height, external_vcc)

    def write_cmd(self, cmd):
        self.temp[0] = 0x80  # Co=1, D/C#=0: one command byte follows
        self.temp[1] = cmd
        self.i2c.writeto(self.addr, self.temp)

    def write_data(self, buf):
        self.write_list[1] = buf
        self.i2c.writevto(self.addr, self.write_list)


class SSD1306_SPI(SSD1306):
    def __init__(self, width, height, spi, dc, res, cs, external_vcc=False):
        import time
        self.rate = 10 * 1024 * 1024
        dc.init(dc.OUT, value=0)
        res.init(res.OUT, value=0)
        cs.init(cs.OUT, value=1)
        self.spi = spi
        self.dc = dc
        self.res = res
        self.cs = cs
        # A reset pulse before the set-up.
        res(1)
        time.sleep_ms(1)
        res(0)
        time.sleep_ms(10)
        res(1)
        super().__init__(width, height, external_vcc)

    def _send(self, dc, data):
        self.spi.init(baudrate=self.rate, polarity=0, phase=0)
        self.cs(1)
        self.dc(dc)
        self.cs(0)
        self.spi.write(data)
        self.cs(1)

    def write_cmd(self, cmd):
        self._send(0, bytearray([cmd]))

    def write_data(self, buf):
        self._send(1, buf)
