# microbit: the BBC micro:bit's own module (micropython-microbit-v2): the 5×5 display and Image,
# buttons A and B, the accelerometer and its gestures, the edge connector's pins, touch, the
# light, temperature and sound sensors. Only the micro:bit has it.
import _mpsim

_info = _mpsim.board_info()
if _info["platform"] != "microbit":
    raise ImportError("no module named 'microbit'")

import time as _time
import machine as _machine

# The display's 5x5 font, ASCII 32-126 (the runtime's): each glyph 25 bits, row by row from the
# top, the leftmost column the highest bit of its row.
_FONT = (
    0x0000000, 0x0842008, 0x0a50000, 0x0afabea, 0x0ecba6e, 0x1991133, 0x0c9324d, 0x0840000,
    0x0442104, 0x0821088, 0x0051140, 0x0023880, 0x0000088, 0x0003800, 0x0000100, 0x0111110,
    0x0c94a4c, 0x046108e, 0x1c1321e, 0x1e1124c, 0x0654be2, 0x1f8783e, 0x0223a2e, 0x1f11110,
    0x0e8ba2e, 0x0e8b888, 0x0040100, 0x0020088, 0x0222082, 0x00701c0, 0x0820888, 0x0e89804,
    0x0e8d66c, 0x0c97a52, 0x1c9725c, 0x0e8420e, 0x1c94a5c, 0x1e8721e, 0x1e87210, 0x0e84e2e,
    0x1297a52, 0x1c4211c, 0x1f10a4c, 0x12a6292, 0x108421e, 0x11dd631, 0x11cd671, 0x0c94a4c,
    0x1c97210, 0x0c94986, 0x1c97251, 0x0e8305c, 0x1f21084, 0x1294a4c, 0x118c544, 0x118d771,
    0x1293252, 0x1151084, 0x1e2221e, 0x0e4210e, 0x1041041, 0x0e1084e, 0x0450000, 0x000001f,
    0x0820000, 0x0074a4f, 0x108725c, 0x007420e, 0x0213a4e, 0x0c9720e, 0x0647108, 0x0e9384c,
    0x1087252, 0x0802108, 0x020084c, 0x10a6292, 0x0842106, 0x00dd631, 0x00e4a52, 0x0064a4c,
    0x00e4b90, 0x00749c2, 0x0074210, 0x0032098, 0x0843907, 0x0094a4f, 0x008c544, 0x008c6bb,
    0x0093192, 0x008a898, 0x00f111e, 0x0623086, 0x0842108, 0x1843118, 0x0003060,
)
# The built-in images (row by row, 1 = lit at full brightness).
_IMAGES = {
    "HEART": "01010:11111:11111:01110:00100",
    "HEART_SMALL": "00000:01010:01110:00100:00000",
    "HAPPY": "00000:01010:00000:10001:01110",
    "SMILE": "00000:00000:00000:10001:01110",
    "SAD": "00000:01010:00000:01110:10001",
    "CONFUSED": "00000:01010:00000:01010:10101",
    "ANGRY": "10001:01010:00000:11111:10101",
    "ASLEEP": "00000:11011:00000:01110:00000",
    "SURPRISED": "01010:00000:00100:01010:00100",
    "SILLY": "10001:00000:11111:00101:00111",
    "FABULOUS": "11111:11011:00000:01010:01110",
    "MEH": "01010:00000:00010:00100:01000",
    "YES": "00000:00001:00010:10100:01000",
    "NO": "10001:01010:00100:01010:10001",
    "CLOCK12": "00100:00100:00100:00000:00000",
    "CLOCK1": "00010:00010:00100:00000:00000",
    "CLOCK2": "00000:00011:00100:00000:00000",
    "CLOCK3": "00000:00000:00111:00000:00000",
    "CLOCK4": "00000:00000:00100:00011:00000",
    "CLOCK5": "00000:00000:00100:00010:00010",
    "CLOCK6": "00000:00000:00100:00100:00100",
    "CLOCK7": "00000:00000:00100:01000:01000",
    "CLOCK8": "00000:00000:00100:11000:00000",
    "CLOCK9": "00000:00000:11100:00000:00000",
    "CLOCK10": "00000:11000:00100:00000:00000",
    "CLOCK11": "01000:01000:00100:00000:00000",
    "ARROW_N": "00100:01110:10101:00100:00100",
    "ARROW_NE": "00111:00011:00101:01000:10000",
    "ARROW_E": "00100:00010:11111:00010:00100",
    "ARROW_SE": "10000:01000:00101:00011:00111",
    "ARROW_S": "00100:00100:10101:01110:00100",
    "ARROW_SW": "00001:00010:10100:11000:11100",
    "ARROW_W": "00100:01000:11111:01000:00100",
    "ARROW_NW": "11100:11000:10100:00010:00001",
    "TRIANGLE": "00000:00100:01010:11111:00000",
    "TRIANGLE_LEFT": "10000:11000:10100:10010:11111",
    "CHESSBOARD": "01010:10101:01010:10101:01010",
    "DIAMOND": "00100:01010:10001:01010:00100",
    "DIAMOND_SMALL": "00000:00100:01010:00100:00000",
    "SQUARE": "11111:10001:10001:10001:11111",
    "SQUARE_SMALL": "00000:01110:01010:01110:00000",
    "RABBIT": "10100:10100:11110:11010:11110",
    "COW": "10001:10001:11111:01110:00100",
    "MUSIC_CROTCHET": "00100:00100:00100:11100:11100",
    "MUSIC_QUAVER": "00100:00110:00101:11100:11100",
    "MUSIC_QUAVERS": "01111:01001:01001:11011:11011",
    "PITCHFORK": "10101:10101:11111:00100:00100",
    "XMAS": "00100:01110:00100:01110:11111",
    "PACMAN": "01111:11010:11100:11110:01111",
    "TARGET": "00100:01110:11011:01110:00100",
    "TSHIRT": "11011:11111:01110:01110:01110",
    "ROLLERSKATE": "00011:00011:11111:11111:01010",
    "DUCK": "01100:11100:01111:01110:00000",
    "HOUSE": "00100:01110:11111:01110:01010",
    "TORTOISE": "00000:01110:11111:01010:00000",
    "BUTTERFLY": "11011:11111:00100:11111:11011",
    "STICKFIGURE": "00100:11111:00100:01010:10001",
    "GHOST": "11111:10101:11111:11111:10101",
    "SWORD": "00100:00100:00100:01110:00100",
    "GIRAFFE": "11000:01000:01000:01110:01010",
    "SKULL": "01110:10101:11111:01110:01110",
    "UMBRELLA": "01110:11111:00100:10100:01100",
    "SNAKE": "11000:11011:01010:01110:00000",
}


def _glyph(ch):
    c = ord(ch)
    if not 32 <= c < 127:
        c = ord("?")
    return _FONT[c - 32]


class Image:
    # A picture of width × height pixels, brightness 0-9.
    def __init__(self, *args):
        if not args:
            self._w, self._h, self._px = 5, 5, bytearray(25)
            self._ro = False
            return
        if len(args) == 1:
            s = args[0]
            if not isinstance(s, str):
                raise TypeError("Image(s) takes a string")
            rows = [[]]
            for ch in s:
                if ch in ":\n":
                    rows.append([])
                elif ch == " ":
                    rows[-1].append(0)
                elif "0" <= ch <= "9":
                    rows[-1].append(ord(ch) - 48)
                else:
                    raise ValueError("unexpected character in Image definition")
            if not rows[-1] and len(rows) > 1:
                rows.pop()
            w = max(len(r) for r in rows)
            self._w, self._h = w, len(rows)
            self._px = bytearray(w * len(rows))
            for y, r in enumerate(rows):
                for x, v in enumerate(r):
                    self._px[y * w + x] = v
            self._ro = False
            return
        if len(args) in (2, 3):
            w, h = args[0], args[1]
            if w < 0 or h < 0:
                raise ValueError("image cannot be negative size")
            self._w, self._h = w, h
            if len(args) == 3:
                buf = args[2]
                if len(buf) != w * h:
                    raise ValueError("image data is incorrect size")
                self._px = bytearray(min(9, max(0, b)) for b in buf)
            else:
                self._px = bytearray(w * h)
            self._ro = False
            return
        raise TypeError("Image() takes 0 to 3 arguments")

    @classmethod
    def _const(cls, rows):
        img = cls(rows.replace("1", "9"))
        img._ro = True
        return img

    def width(self):
        return self._w

    def height(self):
        return self._h

    def _check_rw(self):
        if self._ro:
            raise TypeError("image cannot be modified (try copying first)")

    def set_pixel(self, x, y, value):
        self._check_rw()
        if not (0 <= x < self._w and 0 <= y < self._h):
            raise ValueError("index out of bounds")
        if not 0 <= value <= 9:
            raise ValueError("brightness out of bounds")
        self._px[y * self._w + x] = value

    def get_pixel(self, x, y):
        if not (0 <= x < self._w and 0 <= y < self._h):
            raise ValueError("index out of bounds")
        return self._px[y * self._w + x]

    def _at(self, x, y):
        return self._px[y * self._w + x] if 0 <= x < self._w and 0 <= y < self._h else 0

    def _moved(self, dx, dy):
        out = Image(self._w, self._h)
        for y in range(self._h):
            for x in range(self._w):
                out._px[y * self._w + x] = self._at(x + dx, y + dy)
        return out

    def shift_left(self, n):
        return self._moved(n, 0)

    def shift_right(self, n):
        return self._moved(-n, 0)

    def shift_up(self, n):
        return self._moved(0, n)

    def shift_down(self, n):
        return self._moved(0, -n)

    def crop(self, x, y, w, h):
        out = Image(max(0, w), max(0, h))
        for j in range(out._h):
            for i in range(out._w):
                out._px[j * out._w + i] = self._at(x + i, y + j)
        return out

    def copy(self):
        out = Image(self._w, self._h)
        out._px[:] = self._px
        return out

    def invert(self):
        out = Image(self._w, self._h)
        for i, v in enumerate(self._px):
            out._px[i] = 9 - v
        return out

    def fill(self, value):
        self._check_rw()
        if not 0 <= value <= 9:
            raise ValueError("brightness out of bounds")
        for i in range(len(self._px)):
            self._px[i] = value

    def blit(self, src, x, y, w, h, xdest=0, ydest=0):
        self._check_rw()
        if w < 0 or h < 0:
            raise ValueError("size cannot be negative")
        for j in range(h):
            for i in range(w):
                tx, ty = xdest + i, ydest + j
                if 0 <= tx < self._w and 0 <= ty < self._h:
                    self._px[ty * self._w + tx] = src._at(x + i, y + j)

    def _rows(self):
        return ["".join(str(self._px[y * self._w + x]) for x in range(self._w)) for y in range(self._h)]

    def __repr__(self):
        return "Image('%s')" % "".join(r + ":" for r in self._rows())

    def __str__(self):
        return "Image(\n%s\n)" % "\n".join("    '%s:'" % r for r in self._rows())

    def __eq__(self, other):
        return (isinstance(other, Image) and self._w == other._w and self._h == other._h
                and self._px == other._px)

    def __add__(self, other):
        if not isinstance(other, Image) or (other._w, other._h) != (self._w, self._h):
            raise ValueError("images must be the same size")
        out = Image(self._w, self._h)
        for i in range(len(self._px)):
            out._px[i] = min(9, self._px[i] + other._px[i])
        return out

    def __mul__(self, k):
        if k < 0:
            raise ValueError("brightness multiplier must not be negative")
        out = Image(self._w, self._h)
        for i in range(len(self._px)):
            out._px[i] = min(9, int(self._px[i] * k + 0.5))
        return out

    def __truediv__(self, k):
        return self * (1 / k)


for _k, _v in _IMAGES.items():
    setattr(Image, _k, Image._const(_v))
Image.ALL_CLOCKS = tuple(getattr(Image, "CLOCK%d" % i) for i in (12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11))
Image.ALL_ARROWS = tuple(getattr(Image, "ARROW_" + d) for d in ("N", "NE", "E", "SE", "S", "SW", "W", "NW"))
del _k, _v


def _char_image(ch):
    g = _glyph(ch)
    img = Image(5, 5)
    for y in range(5):
        row = (g >> (5 * (4 - y))) & 31
        for x in range(5):
            if row & (16 >> x):
                img._px[y * 5 + x] = 9
    return img


def _text_columns(text, monospace):
    # The columns a scroll passes through: each character's (narrowed unless monospace), one
    # blank column between characters.
    cols = []
    for ch in text:
        img = _char_image(ch)
        width = 5
        if not monospace:
            lit = [x for x in range(5) if any(img._px[y * 5 + x] for y in range(5))]
            width = (lit[-1] + 1) if lit else 3
        for x in range(width):
            cols.append([img._px[y * 5 + x] for y in range(5)])
        cols.append([0] * 5)
    return cols


# --- The display: a frame buffer the firmware scans; front ends see it through the board.
class _Display:
    def __init__(self):
        self._px = bytearray(25)
        self._on = True
        self._anim = None  # a generator of (image, ms) a background timer steps through
        self._key = _mpsim.timer()

    def _push(self):
        _mpsim.display_set(self._px if self._on else bytes(25))

    def _show_image(self, img):
        for y in range(5):
            for x in range(5):
                self._px[y * 5 + x] = img._at(x, y)
        self._push()

    def set_pixel(self, x, y, value):
        if not (0 <= x < 5 and 0 <= y < 5):
            raise ValueError("index out of bounds")
        if not 0 <= value <= 9:
            raise ValueError("brightness out of bounds")
        self._stop()
        self._px[y * 5 + x] = value
        self._push()

    def get_pixel(self, x, y):
        if not (0 <= x < 5 and 0 <= y < 5):
            raise ValueError("index out of bounds")
        return self._px[y * 5 + x]

    def clear(self):
        self._stop()
        for i in range(25):
            self._px[i] = 0
        self._push()

    def on(self):
        self._on = True
        self._push()

    def off(self):
        self._on = False
        self._push()

    def is_on(self):
        return self._on

    def read_light_level(self):
        return min(255, int(_mpsim.adc_read(300) * 255 + 0.5))

    def _stop(self):
        if self._anim is not None:
            self._anim = None
            _mpsim.timer_stop(self._key)

    def _run(self, frames, wait, loop, clear_after):
        self._stop()
        if wait:
            while True:
                for img, ms in frames():
                    self._show_image(img)
                    _time.sleep_ms(ms)
                if not loop:
                    break
            if clear_after:
                self.clear()
            return
        # In the background: a timer shows each frame when the previous one is done.
        def gen():
            while True:
                yield from frames()
                if not loop:
                    break
            if clear_after:
                yield Image(5, 5), 0
        self._anim = gen()
        self._step(None)

    def _step(self, _):
        anim = self._anim
        if anim is None:
            return
        try:
            img, ms = next(anim)
        except StopIteration:
            self._anim = None
            return
        self._show_image(img)
        _mpsim.timer_start(self._key, max(1, ms) * 1000, False, self._step, None)

    def show(self, image, delay=400, *, wait=True, loop=False, clear=False):
        if isinstance(image, (int, float)):
            image = str(image)
        if isinstance(image, Image):
            self._stop()
            self._show_image(image)
            if clear:
                _time.sleep_ms(delay)
                self.clear()
            return
        if isinstance(image, str):
            if len(image) == 1:
                self._stop()
                self._show_image(_char_image(image))
                if clear:
                    _time.sleep_ms(delay)
                    self.clear()
                return
            items = [_char_image(c) for c in image]
        else:
            items = list(image)
            for i, it in enumerate(items):
                if isinstance(it, str) and len(it) == 1:
                    items[i] = _char_image(it)
                elif not isinstance(it, Image):
                    raise TypeError("not an image")

        def frames():
            for it in items:
                yield it, delay
        self._run(frames, wait, loop, clear)

    def scroll(self, text, delay=150, *, wait=True, loop=False, monospace=False):
        cols = _text_columns(str(text), monospace)

        def frames():
            blank = [[0] * 5] * 5
            strip = blank + cols + blank[:4]
            for start in range(1, len(strip) - 4):
                img = Image(5, 5)
                for x in range(5):
                    col = strip[start + x]
                    for y in range(5):
                        img._px[y * 5 + x] = col[y]
                yield img, delay
        self._run(frames, wait, loop, False)


display = _Display()


# --- Buttons A and B: pressed pulls the pin low; presses are counted as they happen.
class Button:
    def __init__(self, gpio):
        self._gpio = gpio
        self._presses = 0
        self._was = False
        _mpsim.pin_irq(gpio, self._pressed, 2, None)

    def _pressed(self, _):
        self._presses += 1
        self._was = True

    def is_pressed(self):
        return not _mpsim.pin_read(self._gpio)

    def was_pressed(self):
        w = self._was
        self._was = False
        return w

    def get_presses(self):
        n = self._presses
        self._presses = 0
        return n

    def __repr__(self):
        return "<MicroBitButton>"


_BUTTONS = {b[0]: b[1] for b in _info["buttons"]}
button_a = Button(_BUTTONS["A"])
button_b = Button(_BUTTONS["B"])


# --- The accelerometer (LSM303AGR): milli-g, clamped to the range set (±2 g by default).
class _Accelerometer:
    def __init__(self):
        self._range = 2

    def _v(self, i):
        lim = self._range * 1000
        v = _mpsim.accel()[i]
        return int(max(-lim, min(lim, v)))

    def get_x(self):
        return self._v(0)

    def get_y(self):
        return self._v(1)

    def get_z(self):
        return self._v(2)

    def get_values(self):
        return (self._v(0), self._v(1), self._v(2))

    def get_strength(self):
        x, y, z = self.get_values()
        return int((x * x + y * y + z * z) ** 0.5)

    def current_gesture(self):
        return _mpsim.gesture_current()

    def is_gesture(self, name):
        return _mpsim.gesture_current() == name

    def was_gesture(self, name):
        w = _mpsim.gesture_was(name)
        if w is None:
            raise ValueError("invalid gesture")
        return w

    def get_gestures(self):
        return tuple(_mpsim.gesture_history())

    def set_range(self, value):
        # The chip's ranges: 2, 4, 8 g (the nearest at or above what is asked).
        for r in (2, 4, 8):
            if value <= r:
                self._range = r
                return
        self._range = 8


accelerometer = _Accelerometer()


# --- The compass (LSM303AGR's magnetometer): the Earth's field as felt lying flat, in nT.
class _Compass:
    _FIELD = (0, 19000, -45000)

    def __init__(self):
        self._cal = False

    def calibrate(self):
        self._cal = True

    def is_calibrated(self):
        return self._cal

    def clear_calibration(self):
        self._cal = False

    def get_x(self):
        return self._FIELD[0]

    def get_y(self):
        return self._FIELD[1]

    def get_z(self):
        return self._FIELD[2]

    def get_field_strength(self):
        return int(sum(v * v for v in self._FIELD) ** 0.5)

    def heading(self):
        if not self._cal:
            self.calibrate()
        import math
        return int(math.degrees(math.atan2(self._FIELD[0], self._FIELD[1]))) % 360


compass = _Compass()


# --- The edge connector's pins.
_NAME_GPIO = _info["pin_name_map"]
_ANALOG = set(_info["adc_channels"])
_TOUCH = ("pin0", "pin1", "pin2", "pin_logo")
_period_us = [20000]


class MicroBitDigitalPin:
    NO_PULL = 0
    PULL_UP = 1
    PULL_DOWN = 2

    def __init__(self, name, gpio):
        self._name = name
        self._gpio = gpio
        self._mode = "unused"
        self._pull = MicroBitDigitalPin.NO_PULL if gpio in (14, 23, 26, 32) else MicroBitDigitalPin.PULL_DOWN

    def _model_pull(self):
        return {0: 0, 1: 1, 2: 2}[self._pull]

    def write_digital(self, value):
        if value not in (0, 1, True, False):
            raise ValueError("value must be 0 or 1")
        _mpsim.pwm_off(self._gpio)
        _mpsim.pin_write(self._gpio, bool(value))
        _mpsim.pin_init(self._gpio, 1, 0)
        self._mode = "write_digital"

    def read_digital(self):
        if self._mode not in ("read_digital", "button", "touch"):
            _mpsim.pwm_off(self._gpio)
            _mpsim.pin_init(self._gpio, 0, self._model_pull())
            self._mode = "read_digital"
        return int(_mpsim.pin_read(self._gpio))

    def set_pull(self, pull):
        if pull not in (0, 1, 2):
            raise ValueError("invalid pull")
        self._pull = pull
        _mpsim.pin_init(self._gpio, 0, self._model_pull())
        self._mode = "read_digital"

    def get_pull(self):
        return self._pull

    def get_mode(self):
        return self._mode

    def write_analog(self, value):
        value = int(value)
        if not 0 <= value <= 1023:
            raise ValueError("value must be between 0 and 1023")
        _mpsim.pwm_set(self._gpio, max(1, 1000000 // _period_us[0]), value * 65535 // 1023)
        self._mode = "write_analog"

    def set_analog_period(self, period):
        self.set_analog_period_microseconds(int(period) * 1000)

    def set_analog_period_microseconds(self, period):
        if not 256 <= period <= 1000000:
            raise ValueError("invalid period")
        _period_us[0] = int(period)

    def get_analog_period_microseconds(self):
        return _period_us[0]

    def __repr__(self):
        return "<MicroBitDigitalPin>"


class MicroBitAnalogDigitalPin(MicroBitDigitalPin):
    def read_analog(self):
        _mpsim.pwm_off(self._gpio)
        self._mode = "read_analog"
        return min(1023, int(_mpsim.adc_read(self._gpio) * 1023 + 0.5))

    def __repr__(self):
        return "<MicroBitAnalogDigitalPin>"


class MicroBitTouchPin(MicroBitAnalogDigitalPin):
    CAPACITIVE = 1
    RESISTIVE = 0

    def __init__(self, name, gpio):
        super().__init__(name, gpio)
        self._touch_mode = MicroBitTouchPin.CAPACITIVE if name == "pin_logo" else MicroBitTouchPin.RESISTIVE

    def is_touched(self):
        # A finger connects the pad to GND (resistive) or loads it (capacitive): the pad reads low.
        if self._mode != "touch":
            _mpsim.pwm_off(self._gpio)
            _mpsim.pin_init(self._gpio, 0, 1)
            self._mode = "touch"
        return not _mpsim.pin_read(self._gpio)

    def set_touch_mode(self, value):
        if value not in (0, 1):
            raise ValueError("invalid touch mode")
        self._touch_mode = value

    def __repr__(self):
        return "<MicroBitTouchPin>"


class _MicroBitTouchOnlyPin:
    # The logo: a touch pad and nothing else.
    CAPACITIVE = 1
    RESISTIVE = 0
    _touch_mode = CAPACITIVE
    is_touched = MicroBitTouchPin.is_touched
    set_touch_mode = MicroBitTouchPin.set_touch_mode

    def __init__(self, name, gpio):
        self._name = name
        self._gpio = gpio
        self._mode = "touch"
        _mpsim.pin_init(gpio, 0, 1)

    def __repr__(self):
        return "<MicroBitTouchPin>"


for _n, _g in _NAME_GPIO.items():
    if not (_n.startswith("pin") and (_n[3:].isdigit() or _n in ("pin_logo", "pin_speaker"))):
        continue
    if _n == "pin_logo":
        _cls = _MicroBitTouchOnlyPin
    elif _n in _TOUCH:
        _cls = MicroBitTouchPin
    elif _g in _ANALOG:
        _cls = MicroBitAnalogDigitalPin
    else:
        _cls = MicroBitDigitalPin
    globals()[_n] = _cls(_n, _g)
del _n, _g, _cls


# --- I2C on the edge connector (pin19 SCL, pin20 SDA by default).
class MicroBitI2C:
    def __init__(self):
        self._pins = (pin19._gpio, pin20._gpio)

    def init(self, freq=100000, sda=None, scl=None):
        self._pins = ((scl or pin19)._gpio, (sda or pin20)._gpio)

    def scan(self):
        import _i2c
        return _i2c.scan(self._pins)

    def _chip(self, addr):
        import _i2c
        c = _i2c.chip(self._pins, addr)
        if c is None:
            raise _mpsim.oserror(19)
        return c

    def read(self, addr, n, repeat=False):
        return self._chip(addr).read(n)

    def write(self, addr, buf, repeat=False):
        self._chip(addr).write(bytes(buf))


i2c = MicroBitI2C()


# --- SPI on the edge connector (pin13 SCK, pin15 MOSI, pin14 MISO by default).
class MicroBitSPI:
    def __init__(self):
        self.init()

    def init(self, baudrate=1000000, bits=8, mode=0, sclk=None, mosi=None, miso=None):
        if bits != 8:
            raise ValueError("bits must be 8")
        self._pins = ((sclk or pin13)._gpio, (mosi or pin15)._gpio, (miso or pin14)._gpio)

    def _xfer(self, data):
        return bytes(_mpsim.spi_transfer(self._pins[0], self._pins[1], data))

    def write(self, buf):
        self._xfer(bytes(buf))

    def read(self, nbytes, out=0):
        return self._xfer(bytes([out & 0xFF]) * int(nbytes))

    def write_readinto(self, out, in_):
        in_[:] = self._xfer(bytes(out))[:len(in_)]


spi = MicroBitSPI()


# --- The rest of the board.
def sleep(ms):
    _time.sleep_ms(int(ms))


def running_time():
    return _time.ticks_ms()


def temperature():
    return int(-40 + _mpsim.adc_read(301) * 125)


def panic(n=0):
    # The sad face, then the code scrolled, forever (the board needs a reset).
    while True:
        display.show(Image("90009:09090:00000:09990:90009:"))
        _time.sleep_ms(1000)
        display.scroll(str(n))


def reset():
    _machine.reset()


_volume = [255]


def set_volume(v):
    _volume[0] = max(0, min(255, int(v)))
    _mpsim.speaker_set(speaker._on, _volume[0])


def scale(value, from_, to):
    a, b = from_
    c, d = to
    r = c + (value - a) * (d - c) / (b - a)
    return int(r + 0.5) if isinstance(c, int) and isinstance(d, int) else r


def run_every(callback=None, days=0, h=0, min=0, s=0, ms=0):
    # Calls `callback` (or the decorated function) every period, between the script's instructions.
    period_ms = (((days * 24 + h) * 60 + min) * 60 + s) * 1000 + ms
    if period_ms <= 0:
        raise ValueError("period must be positive")

    def start(f):
        _mpsim.timer_start(_mpsim.timer(), int(period_ms * 1000), True, lambda _: f(), None)
        return f
    return start(callback) if callback is not None else start


class SoundEvent:
    LOUD = "loud"
    QUIET = "quiet"


class _Microphone:
    def __init__(self):
        self._threshold = {SoundEvent.LOUD: 128, SoundEvent.QUIET: 64}
        self._last = SoundEvent.QUIET

    def sound_level(self):
        return min(255, int(_mpsim.adc_read(302) * 255 + 0.5))

    def current_event(self):
        lvl = self.sound_level()
        if lvl >= self._threshold[SoundEvent.LOUD]:
            self._last = SoundEvent.LOUD
        elif lvl <= self._threshold[SoundEvent.QUIET]:
            self._last = SoundEvent.QUIET
        return self._last

    def is_event(self, event):
        return self.current_event() == event

    def was_event(self, event):
        return self.current_event() == event

    def get_events(self):
        return (self.current_event(),)

    def set_threshold(self, event, value):
        if event not in self._threshold:
            raise ValueError("invalid sound event")
        self._threshold[event] = max(0, min(255, int(value)))


microphone = _Microphone()


class _Speaker:
    def __init__(self):
        self._on = True

    def on(self):
        self._on = True
        _mpsim.speaker_set(True, _volume[0])

    def off(self):
        self._on = False
        _mpsim.speaker_set(False, _volume[0])

    def is_on(self):
        return self._on


speaker = _Speaker()
uart = _machine.UART(0)

__all__ = ["display", "Image", "button_a", "button_b", "accelerometer", "compass", "i2c", "microphone",
           "speaker", "uart", "sleep", "running_time", "temperature", "panic", "reset", "set_volume",
           "scale", "run_every", "SoundEvent", "pin0", "pin1", "pin2", "pin3", "pin4", "pin5", "pin6", "pin7",
           "pin8", "pin9", "pin10", "pin11", "pin12", "pin13", "pin14", "pin15", "pin16", "pin19",
           "pin20", "pin_logo", "pin_speaker"]
