//! The SSD1306 OLED controller (128×64 and smaller monochrome panels), as its datasheet
//! describes it: a 128-column × 8-page display RAM written through the I2C control-byte protocol,
//! the addressing modes, the fundamental and hardware-configuration commands. Scrolling commands
//! are taken (with their arguments) but not animated.
//!
//! The panel is mounted as on the common modules: with segment remap on (0xA1) and COM scan
//! reversed (0xC8), which is what MicroPython's `ssd1306` driver sets, RAM column 0 and row 0
//! are the top-left pixel.

/// Columns and pages of the display RAM.
const COLS: usize = 128;
const PAGES: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Horizontal,
    Vertical,
    Page,
}

/// One SSD1306 and the panel it drives.
#[derive(Debug, Clone)]
pub struct Ssd1306 {
    width: u32,
    height: u32,
    ram: Vec<u8>,
    mode: Mode,
    cols: (u8, u8),
    pages: (u8, u8),
    col: u8,
    page: u8,
    on: bool,
    contrast: u8,
    invert: bool,
    entire_on: bool,
    seg_remap: bool,
    com_reverse: bool,
    start_line: u8,
    offset: u8,
    mux: u8,
    /// A command waiting for its arguments: the command and the arguments so far.
    pending: Option<(u8, Vec<u8>)>,
}

/// How many argument bytes follow a command byte.
fn arg_count(cmd: u8) -> usize {
    match cmd {
        0x20 | 0x81 | 0x8D | 0xA8 | 0xD3 | 0xD5 | 0xD9 | 0xDA | 0xDB => 1,
        0x21 | 0x22 | 0xA3 => 2,
        0x29 | 0x2A => 5,
        0x26 | 0x27 => 6,
        _ => 0,
    }
}

impl Ssd1306 {
    /// A controller after reset, driving a `width` × `height` panel (at most 128 × 64).
    pub fn new(width: u32, height: u32) -> Self {
        Ssd1306 {
            width: width.clamp(1, COLS as u32),
            height: height.clamp(1, (PAGES * 8) as u32),
            ram: vec![0; COLS * PAGES],
            mode: Mode::Page,
            cols: (0, 127),
            pages: (0, 7),
            col: 0,
            page: 0,
            on: false,
            contrast: 0x7F,
            invert: false,
            entire_on: false,
            seg_remap: false,
            com_reverse: false,
            start_line: 0,
            offset: 0,
            mux: 63,
            pending: None,
        }
    }

    /// The panel's size in pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Whether the display is on (0xAF), and its contrast.
    pub fn state(&self) -> (bool, u8) {
        (self.on, self.contrast)
    }

    /// What an I2C read returns: the status byte (bit 6: the display is off).
    pub fn status(&self) -> u8 {
        if self.on { 0x00 } else { 0x40 }
    }

    /// An I2C write after the address: control bytes (Co, D/C#) and what they announce.
    pub fn i2c_write(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            let control = bytes[i];
            i += 1;
            let data = control & 0x40 != 0;
            if control & 0x80 != 0 {
                // Co = 1: one byte, then another control byte.
                if let Some(&b) = bytes.get(i) {
                    self.byte(data, b);
                    i += 1;
                }
            } else {
                // Co = 0: everything that follows is of one kind.
                for &b in &bytes[i..] {
                    self.byte(data, b);
                }
                return;
            }
        }
    }

    /// One byte with the D/C# line at `data` (the SPI interface's DC pin).
    pub fn byte(&mut self, data: bool, b: u8) {
        if data { self.data(b) } else { self.command(b) }
    }

    fn command(&mut self, b: u8) {
        if let Some((cmd, mut args)) = self.pending.take() {
            args.push(b);
            if args.len() < arg_count(cmd) {
                self.pending = Some((cmd, args));
            } else {
                self.execute(cmd, &args);
            }
            return;
        }
        if arg_count(b) > 0 {
            self.pending = Some((b, Vec::new()));
        } else {
            self.execute(b, &[]);
        }
    }

    fn execute(&mut self, cmd: u8, args: &[u8]) {
        let arg = |i: usize| args.get(i).copied().unwrap_or(0);
        match cmd {
            0x00..=0x0F if self.mode == Mode::Page => self.col = (self.col & 0xF0) | cmd,
            0x10..=0x1F if self.mode == Mode::Page => {
                self.col = ((cmd & 0x07) << 4) | (self.col & 0x0F)
            }
            0x20 => {
                self.mode = match arg(0) & 3 {
                    0 => Mode::Horizontal,
                    1 => Mode::Vertical,
                    _ => Mode::Page,
                }
            }
            0x21 => {
                self.cols = (arg(0) & 0x7F, arg(1) & 0x7F);
                self.col = self.cols.0;
            }
            0x22 => {
                self.pages = (arg(0) & 7, arg(1) & 7);
                self.page = self.pages.0;
            }
            0x40..=0x7F => self.start_line = cmd & 0x3F,
            0x81 => self.contrast = arg(0),
            0xA0 | 0xA1 => self.seg_remap = cmd == 0xA1,
            0xA4 | 0xA5 => self.entire_on = cmd == 0xA5,
            0xA6 | 0xA7 => self.invert = cmd == 0xA7,
            0xA8 => self.mux = (arg(0) & 0x3F).max(15),
            0xAE | 0xAF => self.on = cmd == 0xAF,
            0xB0..=0xB7 if self.mode == Mode::Page => self.page = cmd & 7,
            0xC0 | 0xC8 => self.com_reverse = cmd == 0xC8,
            0xD3 => self.offset = arg(0) & 0x3F,
            // Timing, charge pump, COM pins, scrolling, NOP: nothing to show.
            _ => {}
        }
    }

    fn data(&mut self, b: u8) {
        let (c, p) = (usize::from(self.col), usize::from(self.page));
        self.ram[p * COLS + c] = b;
        match self.mode {
            Mode::Horizontal => {
                if advance(&mut self.col, self.cols) {
                    advance(&mut self.page, self.pages);
                }
            }
            Mode::Vertical => {
                if advance(&mut self.page, self.pages) {
                    advance(&mut self.col, self.cols);
                }
            }
            Mode::Page => self.col = (self.col + 1) & 0x7F,
        }
    }

    /// The panel as it shows now: one byte per pixel (1 lit), row by row.
    pub fn pixels(&self) -> Vec<u8> {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut out = vec![0u8; w * h];
        if !self.on {
            return out;
        }
        // A narrower panel sits in the middle of the 128 segments (a 64-wide one on 32..95).
        let first = (COLS - w) / 2;
        let rows = usize::from(self.mux) + 1;
        for y in 0..h.min(rows) {
            let r = if self.com_reverse { y } else { rows - 1 - y };
            let line = (r + usize::from(self.start_line) + usize::from(self.offset)) % 64;
            for x in 0..w {
                let col = if self.seg_remap {
                    first + x
                } else {
                    COLS - 1 - first - x
                };
                let bit = (self.ram[(line / 8) * COLS + col] >> (line % 8)) & 1;
                out[y * w + x] = if self.entire_on {
                    1
                } else {
                    bit ^ u8::from(self.invert)
                };
            }
        }
        out
    }
}

/// Steps an address through its window `lo..=hi`; says whether it wrapped back to `lo`.
fn advance(v: &mut u8, (lo, hi): (u8, u8)) -> bool {
    if *v >= hi {
        *v = lo;
        true
    } else {
        *v += 1;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What MicroPython's ssd1306 driver sends to set up a 128 × `h` panel, one command per write.
    fn driver_init(d: &mut Ssd1306, h: u8) {
        let cmds = [
            0xAE,
            0x20,
            0x00,
            0x40,
            0xA1,
            0xA8,
            h - 1,
            0xC8,
            0xD3,
            0x00,
            0xDA,
            if h == 32 { 0x02 } else { 0x12 },
            0xD5,
            0x80,
            0xD9,
            0xF1,
            0xDB,
            0x30,
            0x81,
            0xFF,
            0xA4,
            0xA6,
            0x8D,
            0x14,
            0xAF,
        ];
        for c in cmds {
            d.i2c_write(&[0x80, c]);
        }
    }

    fn show(d: &mut Ssd1306, buf: &[u8], pages: u8) {
        for c in [0x21, 0, 127, 0x22, 0, pages - 1] {
            d.i2c_write(&[0x80, c]);
        }
        let mut w = vec![0x40];
        w.extend_from_slice(buf);
        d.i2c_write(&w);
    }

    #[test]
    fn the_drivers_frame_lands_upright() {
        let mut d = Ssd1306::new(128, 64);
        assert_eq!(d.status(), 0x40, "off after reset");
        driver_init(&mut d, 64);
        assert_eq!(d.state(), (true, 0xFF));
        let mut buf = vec![0u8; 1024];
        buf[0] = 0x01; // (0, 0)
        buf[127] = 0x80; // (127, 7)
        buf[7 * 128 + 5] = 0x80; // (5, 63)
        show(&mut d, &buf, 8);
        let px = d.pixels();
        let lit: Vec<(usize, usize)> = (0..64 * 128)
            .filter(|i| px[*i] == 1)
            .map(|i| (i % 128, i / 128))
            .collect();
        assert_eq!(lit, vec![(0, 0), (127, 7), (5, 63)]);
        // Invert, entire on, display off.
        d.i2c_write(&[0x80, 0xA7]);
        assert_eq!(d.pixels().iter().filter(|p| **p == 1).count(), 8192 - 3);
        d.i2c_write(&[0x80, 0xA6, 0x80, 0xA5]);
        assert!(d.pixels().iter().all(|p| *p == 1));
        d.i2c_write(&[0x00, 0xA4, 0xAE]);
        assert!(d.pixels().iter().all(|p| *p == 0));
        assert_eq!(d.status(), 0x40);
    }

    #[test]
    fn a_128x32_panel_and_the_mirrored_settings() {
        let mut d = Ssd1306::new(128, 32);
        driver_init(&mut d, 32);
        let mut buf = vec![0u8; 512];
        buf[0] = 0x01;
        show(&mut d, &buf, 4);
        assert_eq!(d.pixels()[0], 1);
        assert_eq!(d.pixels().len(), 128 * 32);
        // Segment remap off: column 0 is the right edge; COM scan normal: row 0 the bottom.
        d.i2c_write(&[0x00, 0xA0, 0xC0]);
        let px = d.pixels();
        assert_eq!(px[31 * 128 + 127], 1);
        assert_eq!(px.iter().filter(|p| **p == 1).count(), 1);
    }

    #[test]
    fn page_and_vertical_addressing_wrap_as_the_datasheet_says() {
        let mut d = Ssd1306::new(128, 64);
        driver_init(&mut d, 64);
        // Page mode: page 2, column 0x15.
        d.i2c_write(&[0x00, 0x20, 0x02, 0xB2, 0x05, 0x11]);
        d.i2c_write(&[0x40, 0xFF, 0x01]);
        let px = d.pixels();
        assert!((16..24).all(|y| px[y * 128 + 21] == 1));
        assert_eq!(px[16 * 128 + 22], 1);
        assert_eq!(px[17 * 128 + 22], 0);
        // Vertical mode over columns 0-1, pages 0-1: the third byte goes to column 1, page 0.
        d.i2c_write(&[0x00, 0x20, 0x01, 0x21, 0, 1, 0x22, 0, 1]);
        d.i2c_write(&[0x40, 0, 0, 0x01]);
        assert_eq!(d.pixels()[1], 1);
    }
}
