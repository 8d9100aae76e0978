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
            format!("{w}x{h}, on, contrast {contrast}")
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
