//! Displays: the SSD1306 OLED (I2C or SPI), HD44780 character LCDs (behind a PCF8574 I2C
//! backpack, or on GPIOs in 4/8-bit mode), the TM1637 four-digit display (its two-wire bus on
//! GPIOs) and the MAX7219 LED matrix (SPI, chained).

use super::sensors::address;
use super::{Graphic, Io, Part, PartSpec};
use crate::Ssd1306;

pub(super) fn build(spec: &PartSpec) -> Option<Box<dyn Part>> {
    Some(match spec.kind.as_str() {
        "ssd1306" => {
            let w = spec.num("width").unwrap_or(128.0).clamp(1.0, 128.0) as u32;
            let h = spec.num("height").unwrap_or(64.0).clamp(8.0, 64.0) as u32;
            Box::new(Oled {
                chip: Ssd1306::new(w, h),
                addr: address(spec, 0x3C),
                spi: spec.pins.contains_key("DC"),
                res_low: false,
            })
        }
        "lcd1602" | "lcd2004" => {
            let (cols, rows) = if spec.kind == "lcd2004" {
                (20, 4)
            } else {
                (16, 2)
            };
            let i2c =
                spec.attrs.get("pins").is_some_and(|p| p == "i2c") || spec.pins.contains_key("SDA");
            Box::new(Lcd {
                hd: Hd44780::new(cols, rows),
                addr: i2c.then(|| address(spec, 0x27)),
                port: 0,
                e_was: false,
            })
        }
        "tm1637" => Box::new(Tm1637 {
            digits: [0; 6],
            on: false,
            brightness: 0,
            clk: true,
            dio: true,
            bits: 0,
            nbits: 0,
            bytes: Vec::new(),
            in_frame: false,
        }),
        "ili9341" | "st7789" => {
            let st = spec.kind == "st7789";
            let w = spec.num("width").unwrap_or(240.0).clamp(1.0, 320.0) as usize;
            let h = spec
                .num("height")
                .unwrap_or(if st { 240.0 } else { 320.0 })
                .clamp(1.0, 320.0) as usize;
            Box::new(Tft::new(w, h, st))
        }
        "max7219" => {
            let n = spec.num("chain").unwrap_or(1.0).clamp(1.0, 16.0) as usize;
            Box::new(Max7219 {
                chips: vec![[0u8; 16]; n],
                shifted: Vec::new(),
                cs_was: true,
            })
        }
        _ => return None,
    })
}

/// An SSD1306 OLED: on I2C at its address, or on SPI (DC low: commands, high: data; RES low
/// resets it).
struct Oled {
    chip: Ssd1306,
    addr: u8,
    spi: bool,
    res_low: bool,
}

impl Part for Oled {
    fn i2c_address(&self) -> Option<u8> {
        (!self.spi).then_some(self.addr)
    }

    fn i2c_write(&mut self, data: &[u8], _io: &mut Io) {
        self.chip.i2c_write(data);
    }

    fn i2c_read(&mut self, n: usize, _io: &mut Io) -> Vec<u8> {
        vec![self.chip.status(); n]
    }

    fn pins_changed(&mut self, io: &mut Io) {
        let low = io.wired("RES") && io.level("RES") == Some(false);
        if low && !self.res_low {
            let (w, h) = self.chip.size();
            self.chip = Ssd1306::new(w, h);
        }
        self.res_low = low;
    }

    fn spi(&mut self, mosi: &[u8], io: &mut Io) -> Option<Vec<u8>> {
        if self.res_low {
            return None;
        }
        let data = io.level("DC") == Some(true);
        for &b in mosi {
            self.chip.byte(data, b);
        }
        None
    }

    fn as_oled(&self) -> Option<&Ssd1306> {
        Some(&self.chip)
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        let (on, contrast) = self.chip.state();
        let (w, h) = self.chip.size();
        let t = if on {
            let lit = self.chip.pixels().iter().filter(|&&p| p != 0).count();
            format!("{w}x{h}, on, contrast {contrast}, {lit} pixels lit")
        } else {
            format!("{w}x{h}, off")
        };
        // The pixels reach front ends once, in the snapshot's OLED views.
        (t, Graphic::None)
    }
}

/// The HD44780 controller: DDRAM (two lines of 40), CGRAM (8 characters), the address counter,
/// entry mode, display control, and its 8-bit/4-bit interface state.
struct Hd44780 {
    cols: usize,
    rows: usize,
    ddram: [u8; 80],
    cgram: [u8; 64],
    /// Address counter; in CGRAM when `cg`.
    ac: u8,
    cg: bool,
    increment: bool,
    shift_display: bool,
    shift: i32,
    on: bool,
    cursor: bool,
    blink: bool,
    four_bit: bool,
    /// In 4-bit mode: the high nibble waiting for its low one.
    high: Option<u8>,
}

impl Hd44780 {
    fn new(cols: usize, rows: usize) -> Self {
        Hd44780 {
            cols,
            rows,
            ddram: [b' '; 80],
            cgram: [0; 64],
            ac: 0,
            cg: false,
            increment: true,
            shift_display: false,
            shift: 0,
            on: false,
            cursor: false,
            blink: false,
            four_bit: false,
            high: None,
        }
    }

    /// DDRAM index of address `a` (0x00–0x27 first line, 0x40–0x67 second).
    fn index(a: u8) -> usize {
        if a >= 0x40 {
            40 + usize::from((a - 0x40) % 40)
        } else {
            usize::from(a % 40)
        }
    }

    fn step(&mut self) {
        if self.cg {
            self.ac = if self.increment {
                (self.ac + 1) & 0x3F
            } else {
                self.ac.wrapping_sub(1) & 0x3F
            };
            return;
        }
        let i = Self::index(self.ac) as i32 + if self.increment { 1 } else { -1 };
        let i = i.rem_euclid(80) as u8;
        self.ac = if i >= 40 { 0x40 + i - 40 } else { i };
        if self.shift_display {
            self.shift += if self.increment { 1 } else { -1 };
        }
    }

    /// A nibble on D4–D7 at E's falling edge (4-bit wiring).
    fn nibble(&mut self, rs: bool, n: u8) {
        if !self.four_bit {
            // In 8-bit mode with only D4–D7 wired, D0–D3 read low.
            self.byte(rs, n << 4);
            return;
        }
        match self.high.take() {
            None => self.high = Some(n),
            Some(h) => self.byte(rs, (h << 4) | n),
        }
    }

    fn byte(&mut self, rs: bool, b: u8) {
        if rs {
            if self.cg {
                self.cgram[usize::from(self.ac & 0x3F)] = b;
            } else {
                self.ddram[Self::index(self.ac)] = b;
            }
            self.step();
            return;
        }
        if b & 0x80 != 0 {
            self.cg = false;
            self.ac = b & 0x7F;
        } else if b & 0x40 != 0 {
            self.cg = true;
            self.ac = b & 0x3F;
        } else if b & 0x20 != 0 {
            let four = b & 0x10 == 0;
            if four != self.four_bit {
                self.four_bit = four;
                self.high = None;
            }
        } else if b & 0x10 != 0 {
            let right = b & 0x04 != 0;
            if b & 0x08 != 0 {
                self.shift += if right { -1 } else { 1 };
            } else {
                // Moves the cursor only.
                let saved = (self.increment, self.shift_display);
                (self.increment, self.shift_display) = (right, false);
                self.step();
                (self.increment, self.shift_display) = saved;
            }
        } else if b & 0x08 != 0 {
            self.on = b & 0x04 != 0;
            self.cursor = b & 0x02 != 0;
            self.blink = b & 0x01 != 0;
        } else if b & 0x04 != 0 {
            self.increment = b & 0x02 != 0;
            self.shift_display = b & 0x01 != 0;
        } else if b & 0x02 != 0 {
            self.cg = false;
            self.ac = 0;
            self.shift = 0;
        } else if b & 0x01 != 0 {
            self.ddram = [b' '; 80];
            self.cg = false;
            self.ac = 0;
            self.shift = 0;
            self.increment = true;
        }
    }

    /// The rows as shown: printable ASCII as is, custom characters (0–7) as `\u{2588}`-like
    /// blocks, the ROM's other characters as their nearest ASCII or `?`.
    fn rows_text(&self) -> Vec<String> {
        let starts: [u8; 4] = [0x00, 0x40, self.cols as u8, 0x40 + self.cols as u8];
        (0..self.rows)
            .map(|r| {
                if !self.on {
                    return " ".repeat(self.cols);
                }
                (0..self.cols)
                    .map(|c| {
                        let a = i32::from(starts[r]) + c as i32 + self.shift;
                        let line_base: u8 = if starts[r] >= 0x40 { 0x40 } else { 0 };
                        let off = (a - i32::from(line_base)).rem_euclid(40) as u8;
                        let ch = self.ddram[Self::index(line_base + off)];
                        match ch {
                            0x00..=0x0F => '\u{2592}',
                            0x20..=0x7D if ch != 0x5C => char::from(ch),
                            0x5C => '¥',
                            0x7E => '→',
                            0x7F => '←',
                            0xDF => '°',
                            _ => '?',
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

/// A character LCD (16×2 or 20×4): behind a PCF8574 at 0x27 (P0 RS, P1 RW, P2 E, P3 backlight,
/// P4–P7 D4–D7), or with RS, E and D4–D7 (D0–D7) on GPIOs.
struct Lcd {
    hd: Hd44780,
    addr: Option<u8>,
    port: u8,
    e_was: bool,
}

impl Part for Lcd {
    fn i2c_address(&self) -> Option<u8> {
        self.addr
    }

    fn i2c_write(&mut self, data: &[u8], _io: &mut Io) {
        for &b in data {
            let e = b & 0x04 != 0;
            if self.port & 0x04 != 0 && !e && b & 0x02 == 0 {
                self.hd.nibble(b & 0x01 != 0, (self.port >> 4) & 0x0F);
            }
            self.port = b;
        }
    }

    fn i2c_read(&mut self, n: usize, _io: &mut Io) -> Vec<u8> {
        // Quasi-bidirectional port: lines written high read high; the LCD never reports busy.
        vec![self.port & 0x7F; n]
    }

    fn pins_changed(&mut self, io: &mut Io) {
        if self.addr.is_some() {
            return;
        }
        let e = io.level("E") == Some(true);
        if self.e_was && !e {
            let bit = |n: &str| u8::from(io.level(n) == Some(true));
            let high = bit("D4") | bit("D5") << 1 | bit("D6") << 2 | bit("D7") << 3;
            let rs = io.level("RS") == Some(true);
            if io.wired("D0") {
                let low = bit("D0") | bit("D1") << 1 | bit("D2") << 2 | bit("D3") << 3;
                self.hd.byte(rs, high << 4 | low);
            } else {
                self.hd.nibble(rs, high);
            }
        }
        self.e_was = e;
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        let rows = self.hd.rows_text();
        let backlight = self.addr.is_none() || self.port & 0x08 != 0;
        (rows.join(" | "), Graphic::Text(rows, backlight))
    }
}

/// A TM1637 four-digit display: start and stop conditions on DIO while CLK is high, bytes LSB
/// first on CLK's rising edges, an acknowledge (DIO low) on the ninth clock; data command 0x40,
/// address 0xC0|n then segments, display control 0x88|brightness.
struct Tm1637 {
    digits: [u8; 6],
    on: bool,
    brightness: u8,
    clk: bool,
    dio: bool,
    bits: u16,
    nbits: u8,
    bytes: Vec<u8>,
    in_frame: bool,
}

impl Tm1637 {
    fn frame_end(&mut self) {
        let bytes = std::mem::take(&mut self.bytes);
        let Some((&cmd, rest)) = bytes.split_first() else {
            return;
        };
        match cmd & 0xC0 {
            0x80 => {
                self.on = cmd & 0x08 != 0;
                self.brightness = cmd & 7;
            }
            0xC0 => {
                for (a, &b) in (usize::from(cmd & 7)..).zip(rest) {
                    if let Some(d) = self.digits.get_mut(a) {
                        *d = b;
                    }
                }
            }
            _ => {}
        }
    }
}

impl Part for Tm1637 {
    fn pins_changed(&mut self, io: &mut Io) {
        let clk = io.level("CLK") != Some(false);
        let dio = io.level("DIO") != Some(false);
        if clk && self.clk && dio != self.dio {
            if !dio {
                self.in_frame = true;
                self.bits = 0;
                self.nbits = 0;
            } else if self.in_frame {
                self.in_frame = false;
                self.frame_end();
            }
        } else if self.in_frame && clk && !self.clk {
            if self.nbits < 8 {
                self.bits |= u16::from(dio) << self.nbits;
            }
            self.nbits += 1;
            if self.nbits == 9 {
                self.bytes.push(self.bits as u8);
                self.bits = 0;
                self.nbits = 0;
            }
        } else if self.in_frame && !clk && self.clk {
            // After the eighth bit's falling clock the chip acknowledges until the ninth's.
            io.drive("DIO", (self.nbits == 8).then_some(false));
        }
        self.clk = clk;
        self.dio = dio;
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        let shown: Vec<u8> = if self.on {
            self.digits[..4].to_vec()
        } else {
            vec![0; 4]
        };
        // The second digit's dot is the clock colon on the common 4-digit modules.
        let mut text = String::new();
        for (i, &b) in shown.iter().enumerate() {
            text.push(super::parts::segment_char(b));
            if i == 1 && b & 0x80 != 0 {
                text.push(':');
            }
        }
        (text, Graphic::Segments(shown))
    }
}

/// A colour TFT controller (ILI9341 240×320, ST7789 240×240 or as set) on SPI: commands with
/// D/C low, their parameters and pixel data with D/C high; CASET/PASET (RASET) set the window,
/// RAMWR writes RGB565 (or 18-bit) pixels into it row by row until the next command, RAMRD reads
/// them back; MADCTL mirrors and exchanges rows and columns and picks BGR; SLPOUT, DISPON/OFF,
/// INVON/OFF; RST low resets it. As on the common modules, the ILI9341's panel is BGR (MADCTL's
/// BGR bit set shows colours right) and the ST7789's IPS panel shows them right with INVON.
struct Tft {
    w: usize,
    h: usize,
    st7789: bool,
    ram: Vec<u16>,
    cmd: u8,
    args: Vec<u8>,
    cols: (u16, u16),
    rows: (u16, u16),
    at: (u16, u16),
    madctl: u8,
    bits18: bool,
    on: bool,
    awake: bool,
    invert: bool,
    rst_low: bool,
    /// Half a pixel waiting for its other byte (16-bit mode), or the bytes of an 18-bit one.
    partial: Vec<u8>,
    /// RAMRD: the bytes still to come out on MISO.
    readout: std::collections::VecDeque<u8>,
}

impl Tft {
    fn new(w: usize, h: usize, st7789: bool) -> Self {
        Tft {
            w,
            h,
            st7789,
            ram: vec![0; w * h],
            cmd: 0,
            args: Vec::new(),
            cols: (0, w as u16 - 1),
            rows: (0, h as u16 - 1),
            at: (0, 0),
            madctl: 0,
            bits18: false,
            on: false,
            awake: false,
            invert: false,
            rst_low: false,
            partial: Vec::new(),
            readout: std::collections::VecDeque::new(),
        }
    }

    fn reset(&mut self) {
        *self = Tft::new(self.w, self.h, self.st7789);
    }

    /// The width and height of the address space (rows and columns exchange with MADCTL's MV).
    fn space(&self) -> (usize, usize) {
        if self.madctl & 0x20 != 0 {
            (self.h, self.w)
        } else {
            (self.w, self.h)
        }
    }

    /// The panel pixel an address lands on.
    fn cell(&self, col: u16, row: u16) -> Option<usize> {
        let (sw, sh) = self.space();
        let (c, r) = (usize::from(col), usize::from(row));
        if c >= sw || r >= sh {
            return None;
        }
        let c = if self.madctl & 0x40 != 0 {
            sw - 1 - c
        } else {
            c
        };
        let r = if self.madctl & 0x80 != 0 {
            sh - 1 - r
        } else {
            r
        };
        let (x, y) = if self.madctl & 0x20 != 0 {
            (r, c)
        } else {
            (c, r)
        };
        (x < self.w && y < self.h).then(|| y * self.w + x)
    }

    fn step(&mut self) {
        if self.at.0 >= self.cols.1 {
            self.at.0 = self.cols.0;
            self.at.1 = if self.at.1 >= self.rows.1 {
                self.rows.0
            } else {
                self.at.1 + 1
            };
        } else {
            self.at.0 += 1;
        }
    }

    fn pixel(&mut self, v: u16) {
        if let Some(i) = self.cell(self.at.0, self.at.1) {
            self.ram[i] = v;
        }
        self.step();
    }

    fn command(&mut self, c: u8) {
        self.cmd = c;
        self.args.clear();
        self.partial.clear();
        match c {
            0x01 => self.reset(),
            0x10 => self.awake = false,
            0x11 => self.awake = true,
            0x20 => self.invert = false,
            0x21 => self.invert = true,
            0x28 => self.on = false,
            0x29 => self.on = true,
            0x2C => self.at = (self.cols.0, self.rows.0),
            0x2E => {
                self.at = (self.cols.0, self.rows.0);
                // A dummy byte, then each pixel as three bytes (6 bits of each colour, high).
                self.readout.clear();
                self.readout.push_back(0);
                let n = (usize::from(self.cols.1.saturating_sub(self.cols.0)) + 1)
                    * (usize::from(self.rows.1.saturating_sub(self.rows.0)) + 1);
                for _ in 0..n.min(self.w * self.h) {
                    let v = self.cell(self.at.0, self.at.1).map_or(0, |i| self.ram[i]);
                    let (r, g, b) = ((v >> 11) << 3, ((v >> 5) & 0x3F) << 2, (v & 0x1F) << 3);
                    self.readout.extend([r as u8, g as u8, b as u8]);
                    self.step();
                }
            }
            _ => {}
        }
    }

    fn data(&mut self, b: u8) {
        match self.cmd {
            0x2C => {
                self.partial.push(b);
                if self.bits18 && self.partial.len() == 3 {
                    let (r, g, bl) = (self.partial[0], self.partial[1], self.partial[2]);
                    self.partial.clear();
                    let v =
                        (u16::from(r >> 3) << 11) | (u16::from(g >> 2) << 5) | u16::from(bl >> 3);
                    self.pixel(v);
                } else if !self.bits18 && self.partial.len() == 2 {
                    let v = u16::from_be_bytes([self.partial[0], self.partial[1]]);
                    self.partial.clear();
                    self.pixel(v);
                }
            }
            0x2A | 0x2B => {
                self.args.push(b);
                if self.args.len() == 4 {
                    let lo = u16::from_be_bytes([self.args[0], self.args[1]]);
                    let hi = u16::from_be_bytes([self.args[2], self.args[3]]);
                    if self.cmd == 0x2A {
                        self.cols = (lo, hi.max(lo));
                    } else {
                        self.rows = (lo, hi.max(lo));
                    }
                }
            }
            0x36 => self.madctl = b,
            0x3A => self.bits18 = b & 0x07 == 0x06,
            _ => {}
        }
    }

    /// What the panel shows at (x, y), as RGB.
    fn shown(&self, x: usize, y: usize) -> [u8; 3] {
        if !self.on || !self.awake {
            return [0, 0, 0];
        }
        let mut v = self.ram[y * self.w + x];
        // The ST7789 modules' panels invert: INVON shows the RAM as it is.
        if self.invert != self.st7789 {
            v = !v;
        }
        let (r, g, b) = (
            ((v >> 11) & 0x1F) as u8,
            ((v >> 5) & 0x3F) as u8,
            (v & 0x1F) as u8,
        );
        let (r, g, b) = (r << 3 | r >> 2, g << 2 | g >> 4, b << 3 | b >> 2);
        // The ILI9341 modules' panels are BGR: MADCTL's BGR bit shows RGB565 data right; the
        // ST7789 ones are RGB.
        if (self.madctl & 0x08 != 0) == self.st7789 {
            [b, g, r]
        } else {
            [r, g, b]
        }
    }

    fn hex(&self, x: usize, y: usize) -> String {
        let [r, g, b] = self.shown(x, y);
        format!("#{r:02x}{g:02x}{b:02x}")
    }
}

impl Part for Tft {
    fn pins_changed(&mut self, io: &mut Io) {
        let low = io.wired("RST") && io.level("RST") == Some(false)
            || io.wired("RES") && io.level("RES") == Some(false);
        if low && !self.rst_low {
            self.reset();
        }
        self.rst_low = low;
        if io.level("CS") == Some(true) {
            self.readout.clear();
        }
    }

    fn spi(&mut self, mosi: &[u8], io: &mut Io) -> Option<Vec<u8>> {
        if self.rst_low {
            return None;
        }
        let data = io.level("D/C") == Some(true) || io.level("DC") == Some(true);
        let mut miso = Vec::with_capacity(mosi.len());
        for &b in mosi {
            miso.push(self.readout.pop_front().unwrap_or(0xFF));
            if data {
                self.data(b);
            } else if !(self.cmd == 0x2E && b == 0) {
                self.command(b);
            }
        }
        Some(miso)
    }

    fn text(&self, _io: &Io) -> String {
        let state = if !self.on {
            "off"
        } else if !self.awake {
            "asleep"
        } else {
            "on"
        };
        format!(
            "{}x{} {state}, corner {}, centre {}",
            self.w,
            self.h,
            self.hex(0, 0),
            self.hex(self.w / 2, self.h / 2)
        )
    }

    fn view(&self, io: &Io) -> (String, Graphic) {
        // Half the panel's resolution reaches the window: enough to see, a quarter of the bytes.
        let (w, h) = (self.w.div_ceil(2), self.h.div_ceil(2));
        let mut px = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                px.push(self.shown(x * 2, y * 2));
            }
        }
        (self.text(io), Graphic::Pixels(w as u32, h as u32, px))
    }
}

/// MAX7219 LED drivers in a chain, each with an 8×8 matrix: 16-bit words (register, data) shifted
/// in while CS is low and latched when it rises; the first word sent ends in the last chip.
struct Max7219 {
    /// Per chip: registers 0x0–0xF.
    chips: Vec<[u8; 16]>,
    shifted: Vec<u8>,
    cs_was: bool,
}

impl Part for Max7219 {
    fn pins_changed(&mut self, io: &mut Io) {
        let cs = io.level("CS") != Some(false);
        if cs && !self.cs_was {
            let n = self.chips.len();
            let words = std::mem::take(&mut self.shifted);
            let tail = &words[words.len().saturating_sub(2 * n)..];
            let k = tail.len() / 2;
            for (j, w) in tail.chunks_exact(2).enumerate() {
                // The last word sent sits in the first chip.
                let chip = k - 1 - j;
                if let Some(c) = self.chips.get_mut(chip) {
                    c[usize::from(w[0] & 0x0F)] = w[1];
                }
            }
        }
        self.cs_was = cs;
    }

    fn spi(&mut self, mosi: &[u8], _io: &mut Io) -> Option<Vec<u8>> {
        self.shifted.extend_from_slice(mosi);
        let cap = 2 * self.chips.len() * 64;
        if self.shifted.len() > cap {
            self.shifted.drain(..self.shifted.len() - cap);
        }
        None
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        let n = self.chips.len();
        let mut px = vec![[0u8, 0, 0]; 64 * n];
        let mut lit = 0;
        for (i, c) in self.chips.iter().enumerate() {
            let on = c[0x0C] & 1 == 1 || c[0x0F] & 1 == 1;
            let level = 80 + u32::from(c[0x0A] & 0x0F) * 11;
            for y in 0..8 {
                let row = if c[0x0F] & 1 == 1 { 0xFF } else { c[1 + y] };
                for x in 0..8 {
                    if on && row >> (7 - x) & 1 == 1 {
                        px[y * 8 * n + i * 8 + x] = [level.min(255) as u8, 0, 0];
                        lit += 1;
                    }
                }
            }
        }
        (
            format!("{lit} LEDs lit"),
            Graphic::Pixels(8 * n as u32, 8, px),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send(hd: &mut Hd44780, rs: bool, b: u8) {
        hd.nibble(rs, b >> 4);
        hd.nibble(rs, b & 0x0F);
    }

    #[test]
    fn hd44780_takes_the_four_bit_init_and_text() {
        let mut hd = Hd44780::new(16, 2);
        for n in [3, 3, 3, 2] {
            hd.nibble(false, n);
        }
        for c in [0x28, 0x08, 0x01, 0x06, 0x0C] {
            send(&mut hd, false, c);
        }
        for b in b"Hello" {
            send(&mut hd, true, *b);
        }
        send(&mut hd, false, 0xC0);
        for b in b"World" {
            send(&mut hd, true, *b);
        }
        let rows = hd.rows_text();
        assert_eq!(rows[0], "Hello           ");
        assert_eq!(rows[1], "World           ");
    }
}
