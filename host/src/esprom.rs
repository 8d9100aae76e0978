//! The ESP8266's and ESP32's serial bootloader in ROM, as esptool speaks to it, and the flasher
//! stub esptool loads into it: SLIP frames in, SLIP frames out, the board's flash image read and
//! written in place.
//!
//! A chip enters it when it is reset with GPIO0 held low (esptool's DTR/RTS sequence, which an
//! RFC 2217 client carries) or, on a pty that has no modem lines, when esptool's SYNC packet
//! arrives at the console (see `supervisor.rs`). The stub esptool uploads is acknowledged and
//! answered for (its code is not run): from `OHAI` on the loader answers as the stub does. What
//! each command does to the flash is what the chip does; what the ROM refuses it refuses with the
//! ROM's status bytes, and nothing a client sends can take the loader down.

use md5::{Digest, Md5};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

const SECTOR: u64 = 4096;
const SYNC_DATA: [u8; 4] = [0x07, 0x07, 0x12, 0x20];
/// The value a ROM's SYNC answer carries (the stub answers 0).
const ROM_SYNC_VALUE: u32 = 0x2012_0707;

// Commands.
const FLASH_BEGIN: u8 = 0x02;
const FLASH_DATA: u8 = 0x03;
const FLASH_END: u8 = 0x04;
const MEM_BEGIN: u8 = 0x05;
const MEM_END: u8 = 0x06;
const MEM_DATA: u8 = 0x07;
const SYNC: u8 = 0x08;
const WRITE_REG: u8 = 0x09;
const READ_REG: u8 = 0x0A;
const SPI_SET_PARAMS: u8 = 0x0B;
const SPI_ATTACH: u8 = 0x0D;
const CHANGE_BAUDRATE: u8 = 0x0F;
const FLASH_DEFL_BEGIN: u8 = 0x10;
const FLASH_DEFL_DATA: u8 = 0x11;
const FLASH_DEFL_END: u8 = 0x12;
const SPI_FLASH_MD5: u8 = 0x13;
const ERASE_FLASH: u8 = 0xD0;
const ERASE_REGION: u8 = 0xD1;
const READ_FLASH: u8 = 0xD2;
const RUN_USER_CODE: u8 = 0xD3;

// The ROM's error codes.
const ERR_INVALID_MESSAGE: u8 = 0x05;
const ERR_CHECKSUM: u8 = 0x07;
const ERR_FLASH_WRITE: u8 = 0x08;
const ERR_FLASH_READ: u8 = 0x09;
const ERR_DEFLATE: u8 = 0x0B;
// The stub's.
const STUB_BAD_DATA_LEN: u8 = 0xC0;
const STUB_BAD_DATA_CHECKSUM: u8 = 0xC1;
const STUB_BAD_BLOCKSIZE: u8 = 0xC2;
const STUB_INVALID_COMMAND: u8 = 0xC3;
const STUB_FAILED_SPI_OP: u8 = 0xC4;
const STUB_NOT_IN_FLASH_MODE: u8 = 0xC9;
const STUB_INFLATE: u8 = 0xCA;
const STUB_UNIMPLEMENTED: u8 = 0xFF;

/// Which chip's ROM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chip {
    Esp8266,
    Esp32,
}

impl Chip {
    /// Where a firmware image starts on the flash (the ESP32's second-stage bootloader).
    pub fn boot_offset(self) -> u64 {
        match self {
            Chip::Esp8266 => 0,
            Chip::Esp32 => 0x1000,
        }
    }

    fn spi_base(self) -> u32 {
        match self {
            Chip::Esp8266 => 0x6000_0200,
            Chip::Esp32 => 0x3FF4_2000,
        }
    }

    fn spi_w0(self) -> u32 {
        self.spi_base()
            + match self {
                Chip::Esp8266 => 0x40,
                Chip::Esp32 => 0x80,
            }
    }
}

/// The chip a board has, as its ROM reports it.
#[derive(Debug, Clone)]
pub struct Target {
    pub chip: Chip,
    pub mac: [u8; 6],
    pub flash_size: u64,
    /// The board's flash image (the whole flash).
    pub image: PathBuf,
    /// Where the firmware's part of the flash ends (the filesystem starts).
    pub firmware_end: u64,
}

/// What the chip finds to boot in its flash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Firmware {
    /// Nothing written where the firmware goes: the board runs the release mpsim models.
    Stock,
    /// A MicroPython release (version, build date), as its banner inside says.
    Release { version: String, date: String },
    /// Nothing the chip can boot: what its ROM prints.
    Unbootable(String),
}

/// What `target`'s flash holds where its firmware goes.
pub fn firmware(target: &Target) -> Firmware {
    let Ok(f) = File::open(&target.image) else {
        return Firmware::Stock;
    };
    let at = target.chip.boot_offset();
    let mut head = [0u8; 4];
    if f.read_exact_at(&mut head, at).is_err() || head == [0xFF; 4] {
        return Firmware::Stock;
    }
    let rom_banner = match target.chip {
        Chip::Esp8266 => "\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\n",
        Chip::Esp32 => {
            "ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
        }
    };
    if head[0] != 0xE9 {
        let what = match target.chip {
            Chip::Esp8266 => "ets_main.c \r\n".to_owned(),
            Chip::Esp32 => format!("invalid header: 0x{:08x}\r\n", u32::from_le_bytes(head)),
        };
        return Firmware::Unbootable(format!("{rom_banner}{what}"));
    }
    // The banner MicroPython's build puts in its image: "MicroPython vX.Y.Z on YYYY-MM-DD".
    let len = usize::try_from(target.firmware_end).unwrap_or(0);
    let mut region = vec![0u8; len];
    let n = f.read_at(&mut region, 0).unwrap_or(0);
    region.truncate(n);
    match find_banner(&region) {
        Some((version, date)) => Firmware::Release { version, date },
        None => Firmware::Unbootable(format!(
            "{rom_banner}mpsim: the image at {at:#x} is not a MicroPython release (no \
             \"MicroPython vX.Y.Z on DATE\" banner in it); mpsim runs MicroPython only\r\n"
        )),
    }
}

/// The version and date of the first "MicroPython vX.Y.Z on YYYY-MM-DD" in `image`.
fn find_banner(image: &[u8]) -> Option<(String, String)> {
    const KEY: &[u8] = b"MicroPython v";
    let mut from = 0;
    while let Some(i) = image[from..].windows(KEY.len()).position(|w| w == KEY) {
        let start = from + i + KEY.len() - 1;
        from = start;
        let rest = &image[start..image.len().min(start + 64)];
        let Some(sp) = rest.iter().position(|&b| b == b' ') else {
            continue;
        };
        let version = &rest[..sp];
        let ok_version = version.len() >= 6
            && version[1].is_ascii_digit()
            && version
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"._-+".contains(b));
        let tail = &rest[sp..];
        if ok_version && tail.starts_with(b" on ") && tail.len() >= 14 {
            let date = &tail[4..14];
            let ok_date = date.iter().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    *b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
            if ok_date {
                return Some((
                    String::from_utf8_lossy(version).into_owned(),
                    String::from_utf8_lossy(date).into_owned(),
                ));
            }
        }
    }
    None
}

impl Target {
    /// The JEDEC id the flash chip answers (manufacturer, memory type, capacity as a power of 2).
    fn jedec_id(&self) -> u32 {
        let capacity = 63 - self.flash_size.max(1).leading_zeros();
        (capacity << 16) | (0x40 << 8) | 0xE0
    }

    /// What the ROM's register reads give: the chip's magic number, its eFuses (MAC, package,
    /// revision), the UART divider that says its crystal is 40 MHz.
    fn register(&self, addr: u32) -> Option<u32> {
        let m = self.mac.map(u32::from);
        match (self.chip, addr) {
            (_, 0x4000_1000) => Some(match self.chip {
                Chip::Esp8266 => 0xFFF0_C101,
                Chip::Esp32 => 0x00F0_1D83,
            }),
            // OTP MAC words: the OUI in the third, the rest in the first two.
            (Chip::Esp8266, 0x3FF0_0050) => Some(m[5] << 24),
            (Chip::Esp8266, 0x3FF0_0054) => Some((m[3] << 8) | m[4]),
            (Chip::Esp8266, 0x3FF0_0058) => Some(0),
            (Chip::Esp8266, 0x3FF0_005C) => Some((m[0] << 16) | (m[1] << 8) | m[2]),
            // 115200 baud from a 40 MHz crystal (the ESP8266 divides by two).
            (Chip::Esp8266, 0x6000_0014) => Some(694),
            (Chip::Esp32, 0x3FF4_0014) => Some(347),
            // eFuse block 0: MAC, package ESP32-D0WD, chip revision 3.
            (Chip::Esp32, 0x3FF5_A004) => Some((m[2] << 24) | (m[3] << 16) | (m[4] << 8) | m[5]),
            (Chip::Esp32, 0x3FF5_A008) => Some((m[0] << 8) | m[1]),
            (Chip::Esp32, 0x3FF5_A00C) => Some((1 << 9) | (1 << 15)),
            (Chip::Esp32, 0x3FF5_A014) => Some(1 << 20),
            (Chip::Esp32, 0x3FF6_607C) => Some(1 << 31),
            _ => None,
        }
    }
}

/// Whether `window` holds the start of esptool's SYNC packet (how a pty without modem lines
/// tells the chip to enter its bootloader).
pub fn holds_sync(window: &[u8]) -> bool {
    const HEAD: [u8; 13] = [
        0xC0, 0x00, SYNC, 0x24, 0x00, 0, 0, 0, 0, 0x07, 0x07, 0x12, 0x20,
    ];
    window.windows(HEAD.len()).any(|w| w == HEAD)
}

/// SLIP decoding of the bytes a client sends.
#[derive(Default)]
struct Slip {
    frame: Vec<u8>,
    inside: bool,
    escaped: bool,
    bad: bool,
}

/// The longest packet the loader takes (a 16 KiB block and its header, with room).
const MAX_PACKET: usize = 0x4000 + 1024;

impl Slip {
    /// Feeds one byte; a whole packet when one ends.
    fn byte(&mut self, b: u8) -> Option<Vec<u8>> {
        if !self.inside {
            // Anything between packets is line noise to the ROM.
            if b == 0xC0 {
                self.inside = true;
                self.frame.clear();
                self.escaped = false;
                self.bad = false;
            }
            return None;
        }
        if b == 0xC0 {
            if self.frame.is_empty() && !self.bad && !self.escaped {
                // Back-to-back delimiters: the end of nothing, the start of the next.
                return None;
            }
            self.inside = false;
            let bad = std::mem::take(&mut self.bad) || self.escaped;
            let frame = std::mem::take(&mut self.frame);
            return (!bad).then_some(frame);
        }
        if self.bad {
            return None;
        }
        let v = if self.escaped {
            self.escaped = false;
            match b {
                0xDC => 0xC0,
                0xDD => 0xDB,
                _ => {
                    self.bad = true;
                    return None;
                }
            }
        } else if b == 0xDB {
            self.escaped = true;
            return None;
        } else {
            b
        };
        if self.frame.len() >= MAX_PACKET {
            self.bad = true;
            self.frame.clear();
        } else {
            self.frame.push(v);
        }
        None
    }
}

/// Appends `payload` to `out` as one SLIP frame.
fn slip(out: &mut Vec<u8>, payload: &[u8]) {
    out.push(0xC0);
    for &b in payload {
        match b {
            0xC0 => out.extend_from_slice(&[0xDB, 0xDC]),
            0xDB => out.extend_from_slice(&[0xDB, 0xDD]),
            _ => out.push(b),
        }
    }
    out.push(0xC0);
}

fn word(data: &[u8], i: usize) -> Option<u32> {
    data.get(i * 4..i * 4 + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn checksum(data: &[u8]) -> u32 {
    u32::from(data.iter().fold(0xEFu8, |c, &b| c ^ b))
}

/// A flash write in progress (FLASH_BEGIN or FLASH_DEFL_BEGIN until its END).
struct Writing {
    /// Where the next uncompressed byte goes.
    at: u64,
    /// The end of the region the write was begun for (nothing is written past it).
    end: u64,
    block_size: u32,
    next_seq: u32,
    inflate: Option<flate2::Decompress>,
}

/// A READ_FLASH stream: packets out, the client's acknowledgements in.
struct Reading {
    at: u64,
    end: u64,
    packet: u64,
    max_unacked: u64,
    sent: u64,
    acked: u64,
    md5: Md5,
    total: u64,
}

/// How the bootloader ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The chip resets and boots from its flash.
    Reboot,
}

/// The ROM bootloader of one chip, talking to one client.
pub struct Loader {
    target: Target,
    file: File,
    slip: Slip,
    stub: bool,
    regs: std::collections::HashMap<u32, u32>,
    writing: Option<Writing>,
    reading: Option<Reading>,
    /// Packets taken so far (line noise between packets is no sign of a client at work).
    pub packets: u64,
}

impl Loader {
    /// The bootloader of `target`'s chip, on its flash image.
    pub fn open(target: Target) -> std::io::Result<Loader> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&target.image)?;
        Ok(Loader {
            target,
            file,
            slip: Slip::default(),
            stub: false,
            regs: std::collections::HashMap::new(),
            writing: None,
            reading: None,
            packets: 0,
        })
    }

    /// Feeds bytes from the client; what to send back is appended to `out`. `Some` when the chip
    /// leaves its bootloader (after the reply to the command that made it).
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Option<Exit> {
        for &b in input {
            if let Some(packet) = self.slip.byte(b) {
                self.packets += 1;
                if let Some(exit) = self.packet(&packet, out) {
                    return Some(exit);
                }
            }
        }
        None
    }

    fn status_len(&self) -> usize {
        if self.stub || self.target.chip == Chip::Esp8266 {
            2
        } else {
            4
        }
    }

    fn reply(&self, out: &mut Vec<u8>, cmd: u8, value: u32, data: &[u8], error: Option<u8>) {
        let mut p = Vec::with_capacity(8 + data.len() + 4);
        let n = data.len() + self.status_len();
        p.push(0x01);
        p.push(cmd);
        p.extend_from_slice(&u16::try_from(n).unwrap_or(u16::MAX).to_le_bytes());
        p.extend_from_slice(&value.to_le_bytes());
        p.extend_from_slice(data);
        match error {
            None => p.extend_from_slice(&[0, 0]),
            Some(e) => p.extend_from_slice(&[1, e]),
        }
        if self.status_len() == 4 {
            p.extend_from_slice(&[0, 0]);
        }
        slip(out, &p);
    }

    fn ok(&self, out: &mut Vec<u8>, cmd: u8) {
        self.reply(out, cmd, 0, &[], None);
    }

    fn fail(&self, out: &mut Vec<u8>, cmd: u8, rom: u8, stub: u8) {
        self.reply(out, cmd, 0, &[], Some(if self.stub { stub } else { rom }));
    }

    fn packet(&mut self, p: &[u8], out: &mut Vec<u8>) -> Option<Exit> {
        // While a READ_FLASH streams, a 4-byte packet is the client's count of bytes received.
        if self.reading.is_some() && p.len() == 4 {
            let got = u64::from(word(p, 0).unwrap_or(0));
            self.ack(got, out);
            return None;
        }
        if p.len() < 8 || p[0] != 0x00 {
            return None;
        }
        let cmd = p[1];
        let size = usize::from(u16::from_le_bytes([p[2], p[3]]));
        let sum = word(p, 1).unwrap_or(0);
        let data = &p[8..];
        if data.len() != size {
            self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_BAD_DATA_LEN);
            return None;
        }
        match cmd {
            SYNC => {
                if data.len() == 36
                    && data[..4] == SYNC_DATA
                    && data[4..].iter().all(|&b| b == 0x55)
                {
                    let value = if self.stub { 0 } else { ROM_SYNC_VALUE };
                    for _ in 0..8 {
                        self.reply(out, SYNC, value, &[], None);
                    }
                } else {
                    self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_BAD_DATA_LEN);
                }
            }
            READ_REG => match word(data, 0) {
                Some(addr) => {
                    let v = self.read_reg(addr);
                    self.reply(out, cmd, v, &[], None);
                }
                None => self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_BAD_DATA_LEN),
            },
            WRITE_REG => {
                // One or more (address, value, mask, delay) quadruples.
                if data.is_empty() || !data.len().is_multiple_of(16) {
                    self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_BAD_DATA_LEN);
                } else {
                    for q in data.chunks(16) {
                        let (Some(a), Some(v), Some(m)) = (word(q, 0), word(q, 1), word(q, 2))
                        else {
                            continue;
                        };
                        self.write_reg(a, v, m);
                    }
                    self.ok(out, cmd);
                }
            }
            MEM_BEGIN | MEM_DATA => {
                // Code for the chip's RAM (esptool's stub): taken, not run.
                if cmd == MEM_DATA && checksum(data.get(16..).unwrap_or(&[])) != sum & 0xFF {
                    self.fail(out, cmd, ERR_CHECKSUM, STUB_BAD_DATA_CHECKSUM);
                } else {
                    self.ok(out, cmd);
                }
            }
            MEM_END => {
                self.ok(out, cmd);
                let run = word(data, 0) == Some(0) && word(data, 1).is_some_and(|e| e != 0);
                if run && !self.stub {
                    // The stub is running: it greets, then answers as the stub.
                    self.stub = true;
                    slip(out, b"OHAI");
                }
            }
            SPI_SET_PARAMS | SPI_ATTACH | CHANGE_BAUDRATE => {
                if !self.stub && self.target.chip == Chip::Esp8266 && cmd != CHANGE_BAUDRATE {
                    self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_UNIMPLEMENTED);
                } else {
                    // The port's speed is the host's business: every speed works here.
                    self.ok(out, cmd);
                }
            }
            FLASH_BEGIN | FLASH_DEFL_BEGIN => self.begin(cmd, data, out),
            FLASH_DATA | FLASH_DEFL_DATA => self.data(cmd, data, sum, out),
            FLASH_END | FLASH_DEFL_END => {
                let known = self.writing.take().is_some() || cmd == FLASH_END;
                if !known {
                    self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_NOT_IN_FLASH_MODE);
                    return None;
                }
                self.ok(out, cmd);
                // The ROM leaves its bootloader (0: reboot, 1: run the user's code); the stub
                // stays (1), or hands back to the ROM's bootloader (0).
                if !self.stub {
                    return Some(Exit::Reboot);
                }
                if word(data, 0) == Some(0) {
                    self.stub = false;
                }
            }
            SPI_FLASH_MD5 => self.md5(data, out),
            ERASE_FLASH | ERASE_REGION | READ_FLASH | RUN_USER_CODE if !self.stub => {
                self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_UNIMPLEMENTED);
            }
            ERASE_FLASH => match self.erase(0, self.target.flash_size) {
                Ok(()) => self.ok(out, cmd),
                Err(_) => self.fail(out, cmd, ERR_FLASH_WRITE, STUB_FAILED_SPI_OP),
            },
            ERASE_REGION => {
                let (Some(at), Some(n)) = (word(data, 0), word(data, 1)) else {
                    self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_BAD_DATA_LEN);
                    return None;
                };
                let (at, n) = (u64::from(at), u64::from(n));
                if !at.is_multiple_of(SECTOR)
                    || !n.is_multiple_of(SECTOR)
                    || at + n > self.target.flash_size
                {
                    self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_BAD_DATA_LEN);
                } else {
                    match self.erase(at, n) {
                        Ok(()) => self.ok(out, cmd),
                        Err(_) => self.fail(out, cmd, ERR_FLASH_WRITE, STUB_FAILED_SPI_OP),
                    }
                }
            }
            READ_FLASH => self.read_flash(data, out),
            RUN_USER_CODE => return Some(Exit::Reboot),
            _ => self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_UNIMPLEMENTED),
        }
        None
    }

    fn read_reg(&self, addr: u32) -> u32 {
        let spi = self.target.chip.spi_base();
        if addr == spi {
            // SPI_CMD: every user command has finished by the time it is read.
            return 0;
        }
        self.target
            .register(addr)
            .or_else(|| self.regs.get(&addr).copied())
            .unwrap_or(0)
    }

    fn write_reg(&mut self, addr: u32, value: u32, mask: u32) {
        let old = self.regs.get(&addr).copied().unwrap_or(0);
        let v = (value & mask) | (old & !mask);
        let spi = self.target.chip.spi_base();
        if addr == spi && v & (1 << 18) != 0 {
            // A user command on the flash's SPI bus: its command byte is in SPI_USR2.
            let command = self.regs.get(&(spi + 0x24)).copied().unwrap_or(0) & 0xFF;
            let answer = match command {
                0x9F => self.target.jedec_id(),
                _ => 0,
            };
            self.regs.insert(self.target.chip.spi_w0(), answer);
            return;
        }
        self.regs.insert(addr, v);
    }

    fn begin(&mut self, cmd: u8, data: &[u8], out: &mut Vec<u8>) {
        let (Some(size), Some(blocks), Some(block_size), Some(offset)) =
            (word(data, 0), word(data, 1), word(data, 2), word(data, 3))
        else {
            self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_BAD_DATA_LEN);
            return;
        };
        if cmd == FLASH_DEFL_BEGIN && !self.stub && self.target.chip == Chip::Esp8266 {
            self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_UNIMPLEMENTED);
            return;
        }
        if block_size == 0 || block_size > 0x4000 {
            self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_BAD_BLOCKSIZE);
            return;
        }
        let offset = u64::from(offset);
        // The ROM takes an erase size worked out around a bug in the ESP8266's; what is erased
        // is what the blocks will cover (or, compressed, the uncompressed size).
        let len = if cmd == FLASH_DEFL_BEGIN || self.stub {
            u64::from(size)
        } else {
            u64::from(blocks) * u64::from(block_size)
        };
        if len == 0 {
            // esptool's "attach" on the ESP8266's ROM, and the start of a soft reset.
            self.writing = None;
            self.ok(out, cmd);
            return;
        }
        let end = offset.saturating_add(len);
        if end > self.target.flash_size {
            self.writing = None;
            self.fail(out, cmd, ERR_FLASH_WRITE, STUB_BAD_DATA_LEN);
            return;
        }
        let first = offset / SECTOR * SECTOR;
        let last = end.div_ceil(SECTOR) * SECTOR;
        if self
            .erase(first, last.min(self.target.flash_size) - first)
            .is_err()
        {
            self.fail(out, cmd, ERR_FLASH_WRITE, STUB_FAILED_SPI_OP);
            return;
        }
        self.writing = Some(Writing {
            at: offset,
            end,
            block_size,
            next_seq: 0,
            inflate: (cmd == FLASH_DEFL_BEGIN).then(|| flate2::Decompress::new(true)),
        });
        self.ok(out, cmd);
    }

    fn data(&mut self, cmd: u8, data: &[u8], sum: u32, out: &mut Vec<u8>) {
        let compressed = cmd == FLASH_DEFL_DATA;
        let (Some(len), Some(seq)) = (word(data, 0), word(data, 1)) else {
            self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_BAD_DATA_LEN);
            return;
        };
        let body = data.get(16..).unwrap_or(&[]);
        if usize::try_from(len).ok() != Some(body.len()) {
            self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_BAD_DATA_LEN);
            return;
        }
        if checksum(body) != sum & 0xFF {
            self.fail(out, cmd, ERR_CHECKSUM, STUB_BAD_DATA_CHECKSUM);
            return;
        }
        let Some(w) = self.writing.as_mut() else {
            self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_NOT_IN_FLASH_MODE);
            return;
        };
        if w.inflate.is_some() != compressed || seq != w.next_seq {
            self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_INVALID_COMMAND);
            return;
        }
        if !compressed && body.len() > w.block_size as usize {
            self.fail(out, cmd, ERR_INVALID_MESSAGE, STUB_BAD_BLOCKSIZE);
            return;
        }
        let plain = match w.inflate.as_mut() {
            None => body.to_vec(),
            Some(z) => match inflate_some(z, body) {
                Ok(v) => v,
                Err(()) => {
                    self.writing = None;
                    self.fail(out, cmd, ERR_DEFLATE, STUB_INFLATE);
                    return;
                }
            },
        };
        // A last block padded to the block size (or inflating past the size begun with) stops
        // at the region's end.
        let room = usize::try_from(w.end.saturating_sub(w.at)).unwrap_or(usize::MAX);
        if compressed && plain.len() > room {
            self.writing = None;
            self.fail(out, cmd, ERR_FLASH_WRITE, STUB_BAD_DATA_LEN);
            return;
        }
        let take = plain.len().min(room);
        let at = w.at;
        w.at += take as u64;
        w.next_seq += 1;
        if self.file.write_all_at(&plain[..take], at).is_err() {
            self.fail(out, cmd, ERR_FLASH_WRITE, STUB_FAILED_SPI_OP);
            return;
        }
        self.ok(out, cmd);
    }

    fn erase(&mut self, at: u64, n: u64) -> std::io::Result<()> {
        let ones = vec![0xFFu8; 64 << 10];
        let end = at.saturating_add(n).min(self.target.flash_size);
        let mut p = at;
        while p < end {
            let k = usize::try_from((end - p).min(ones.len() as u64)).unwrap_or(0);
            self.file.write_all_at(&ones[..k], p)?;
            p += k as u64;
        }
        Ok(())
    }

    fn read(&self, at: u64, n: usize) -> std::io::Result<Vec<u8>> {
        let mut b = vec![0u8; n];
        self.file.read_exact_at(&mut b, at)?;
        Ok(b)
    }

    fn md5(&mut self, data: &[u8], out: &mut Vec<u8>) {
        let (Some(at), Some(n)) = (word(data, 0), word(data, 1)) else {
            self.fail(out, SPI_FLASH_MD5, ERR_INVALID_MESSAGE, STUB_BAD_DATA_LEN);
            return;
        };
        if !self.stub && self.target.chip == Chip::Esp8266 {
            self.fail(out, SPI_FLASH_MD5, ERR_INVALID_MESSAGE, STUB_UNIMPLEMENTED);
            return;
        }
        let (at, n) = (u64::from(at), u64::from(n));
        if at.saturating_add(n) > self.target.flash_size {
            self.fail(out, SPI_FLASH_MD5, ERR_FLASH_READ, STUB_BAD_DATA_LEN);
            return;
        }
        let mut h = Md5::new();
        let mut p = at;
        while p < at + n {
            let k = (at + n - p).min(64 << 10);
            match self.read(p, usize::try_from(k).unwrap_or(0)) {
                Ok(b) => h.update(&b),
                Err(_) => {
                    self.fail(out, SPI_FLASH_MD5, ERR_FLASH_READ, STUB_FAILED_SPI_OP);
                    return;
                }
            }
            p += k;
        }
        let digest = h.finalize();
        if self.stub {
            self.reply(out, SPI_FLASH_MD5, 0, &digest, None);
        } else {
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            self.reply(out, SPI_FLASH_MD5, 0, hex.as_bytes(), None);
        }
    }

    fn read_flash(&mut self, data: &[u8], out: &mut Vec<u8>) {
        let (Some(at), Some(n), Some(packet), Some(unacked)) =
            (word(data, 0), word(data, 1), word(data, 2), word(data, 3))
        else {
            self.fail(out, READ_FLASH, ERR_INVALID_MESSAGE, STUB_BAD_DATA_LEN);
            return;
        };
        let (at, n) = (u64::from(at), u64::from(n));
        if packet == 0
            || packet > 0x4000
            || unacked == 0
            || at.saturating_add(n) > self.target.flash_size
        {
            self.fail(out, READ_FLASH, ERR_INVALID_MESSAGE, STUB_BAD_DATA_LEN);
            return;
        }
        self.ok(out, READ_FLASH);
        self.reading = Some(Reading {
            at,
            end: at + n,
            packet: u64::from(packet),
            max_unacked: u64::from(unacked),
            sent: 0,
            acked: 0,
            md5: Md5::new(),
            total: n,
        });
        self.pump(out);
    }

    /// Sends what the client's acknowledgements allow of a READ_FLASH stream.
    fn pump(&mut self, out: &mut Vec<u8>) {
        let Some(r) = self.reading.as_mut() else {
            return;
        };
        while r.at < r.end && (r.sent - r.acked.min(r.sent)) < r.max_unacked * r.packet {
            let k = (r.end - r.at).min(r.packet);
            let mut b = vec![0u8; usize::try_from(k).unwrap_or(0)];
            if self.file.read_exact_at(&mut b, r.at).is_err() {
                // A flash that cannot be read ends the stream short; esptool reports it.
                r.at = r.end;
                break;
            }
            r.md5.update(&b);
            slip(out, &b);
            r.at += k;
            r.sent += k;
        }
    }

    fn ack(&mut self, got: u64, out: &mut Vec<u8>) {
        let Some(r) = self.reading.as_mut() else {
            return;
        };
        r.acked = r.acked.max(got);
        if r.acked >= r.total {
            let digest = std::mem::take(&mut r.md5).finalize();
            self.reading = None;
            slip(out, &digest);
            return;
        }
        self.pump(out);
    }
}

/// Inflates what `input` gives of a zlib stream.
fn inflate_some(z: &mut flate2::Decompress, input: &[u8]) -> Result<Vec<u8>, ()> {
    let mut out = Vec::with_capacity(input.len() * 4);
    let mut rest = input;
    loop {
        if out.capacity() - out.len() < 16 << 10 {
            out.reserve(64 << 10);
        }
        let before_in = z.total_in();
        let before_out = z.total_out();
        let status = z
            .decompress_vec(rest, &mut out, flate2::FlushDecompress::None)
            .map_err(|_| ())?;
        let used = usize::try_from(z.total_in() - before_in).unwrap_or(0);
        rest = &rest[used.min(rest.len())..];
        let made = z.total_out() - before_out;
        if status == flate2::Status::StreamEnd || (rest.is_empty() && out.len() < out.capacity()) {
            return Ok(out);
        }
        if used == 0 && made == 0 {
            // No progress with room to spare: the data is not a zlib stream.
            return if rest.is_empty() { Ok(out) } else { Err(()) };
        }
        if out.len() > 64 << 20 {
            return Err(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn target(dir: &Path, chip: Chip) -> Target {
        let image = dir.join("flash.img");
        std::fs::write(&image, vec![0xFFu8; 1 << 20]).unwrap();
        Target {
            chip,
            mac: [0x2c, 0xf4, 0x32, 0x01, 0x23, 0x45],
            flash_size: 1 << 20,
            image,
            firmware_end: 0x9C000,
        }
    }

    fn command(cmd: u8, data: &[u8], sum: u32) -> Vec<u8> {
        let mut p = vec![0x00, cmd];
        p.extend_from_slice(&u16::try_from(data.len()).unwrap().to_le_bytes());
        p.extend_from_slice(&sum.to_le_bytes());
        p.extend_from_slice(data);
        let mut out = Vec::new();
        slip(&mut out, &p);
        out
    }

    /// The packets in `bytes` (SLIP-decoded).
    fn packets(bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut s = Slip::default();
        bytes.iter().filter_map(|&b| s.byte(b)).collect()
    }

    fn words(ws: &[u32]) -> Vec<u8> {
        ws.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    #[test]
    fn sync_is_answered_eight_times_and_noise_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = Loader::open(target(dir.path(), Chip::Esp8266)).unwrap();
        let mut data = SYNC_DATA.to_vec();
        data.extend_from_slice(&[0x55; 32]);
        let mut input = b"garbage\x00\xff".to_vec();
        input.extend(command(SYNC, &data, 0));
        assert!(holds_sync(&input));
        let mut out = Vec::new();
        assert_eq!(l.feed(&input, &mut out), None);
        let got = packets(&out);
        assert_eq!(got.len(), 8);
        assert_eq!(got[0], [0x01, SYNC, 2, 0, 0x07, 0x07, 0x12, 0x20, 0, 0]);
    }

    #[test]
    fn bad_frames_get_the_rom_s_errors_and_leave_the_flash_alone() {
        let dir = tempfile::tempdir().unwrap();
        let t = target(dir.path(), Chip::Esp32);
        let image = t.image.clone();
        let mut l = Loader::open(t).unwrap();
        let mut out = Vec::new();
        // An unknown command: invalid message, with the ESP32 ROM's four status bytes.
        l.feed(&command(0x77, &[], 0), &mut out);
        assert_eq!(
            packets(&out),
            [vec![0x01, 0x77, 4, 0, 0, 0, 0, 0, 1, 0x05, 0, 0]]
        );
        // A size field that does not match the data.
        out.clear();
        let mut p = command(READ_REG, &[0, 0, 0, 0], 0);
        p[3] = 9;
        l.feed(&p, &mut out);
        assert_eq!(packets(&out)[0][8..10], [1, 0x05]);
        // A bad escape drops the frame; the next one is answered.
        out.clear();
        l.feed(&[0xC0, 0x00, 0xDB, 0x01, 0xC0], &mut out);
        assert!(out.is_empty());
        l.feed(&[0xC0, 0xDB, 0x07, 0xC0], &mut out);
        l.feed(&command(0x77, &[], 0), &mut out);
        assert_eq!(packets(&out).len(), 1, "answered after a bad frame");
        out.clear();
        // A write begun past the flash's end is refused.
        out.clear();
        l.feed(
            &command(FLASH_BEGIN, &words(&[0x400, 1, 0x400, 0xFFE00]), 0),
            &mut out,
        );
        assert_eq!(packets(&out)[0][8..10], [1, ERR_FLASH_WRITE]);
        // A block with a wrong checksum is refused, and nothing is written.
        out.clear();
        l.feed(
            &command(FLASH_BEGIN, &words(&[0x400, 1, 0x400, 0x2000]), 0),
            &mut out,
        );
        assert_eq!(packets(&out)[0][8..10], [0, 0]);
        let mut block = words(&[0x400, 0, 0, 0]);
        block.extend_from_slice(&[0x12; 0x400]);
        out.clear();
        l.feed(&command(FLASH_DATA, &block, 0x33), &mut out);
        assert_eq!(packets(&out)[0][8..10], [1, ERR_CHECKSUM]);
        assert!(
            std::fs::read(&image).unwrap()[0x2000..0x2400]
                .iter()
                .all(|&b| b == 0xFF)
        );
        // With its checksum it is written.
        out.clear();
        l.feed(
            &command(FLASH_DATA, &block, checksum(&[0x12; 0x400])),
            &mut out,
        );
        assert_eq!(packets(&out)[0][8..10], [0, 0]);
        assert!(
            std::fs::read(&image).unwrap()[0x2000..0x2400]
                .iter()
                .all(|&b| b == 0x12)
        );
        // Stub-only commands are refused by the ROM; a truncated frame never ends the loader.
        out.clear();
        l.feed(&command(ERASE_FLASH, &[], 0), &mut out);
        assert_eq!(packets(&out)[0][8..10], [1, 0x05]);
        l.feed(&[0xC0, 0x00, 0x0A], &mut out);
    }

    #[test]
    fn the_stub_erases_reads_with_acknowledgements_and_sums() {
        let dir = tempfile::tempdir().unwrap();
        let t = target(dir.path(), Chip::Esp8266);
        let image = t.image.clone();
        let mut l = Loader::open(t).unwrap();
        let mut out = Vec::new();
        l.feed(
            &command(MEM_BEGIN, &words(&[16, 1, 0x1800, 0x4010_0000]), 0),
            &mut out,
        );
        l.feed(&command(MEM_END, &words(&[0, 0x4010_0004]), 0), &mut out);
        let got = packets(&out);
        assert_eq!(got.last().unwrap(), b"OHAI");
        std::fs::write(&image, (0..1u32 << 20).map(|i| i as u8).collect::<Vec<_>>()).unwrap();
        out.clear();
        l.feed(
            &command(READ_FLASH, &words(&[0x100, 0x3000, 0x1000, 2]), 0),
            &mut out,
        );
        // The answer, then two packets: no more until acknowledged.
        assert_eq!(packets(&out).len(), 3);
        out.clear();
        l.feed(&command(0, &[], 0)[..0], &mut out);
        let mut ack = Vec::new();
        slip(&mut ack, &0x2000u32.to_le_bytes());
        l.feed(&ack, &mut out);
        assert_eq!(packets(&out).len(), 1);
        out.clear();
        ack.clear();
        slip(&mut ack, &0x3000u32.to_le_bytes());
        l.feed(&ack, &mut out);
        let digest = packets(&out);
        let want: Vec<u8> =
            Md5::digest((0x100..0x3100u32).map(|i| i as u8).collect::<Vec<_>>()).to_vec();
        assert_eq!(digest, [want]);
        out.clear();
        l.feed(
            &command(ERASE_REGION, &words(&[0x1000, 0x1001]), 0),
            &mut out,
        );
        assert_eq!(packets(&out)[0][8..10], [1, STUB_BAD_DATA_LEN]);
        out.clear();
        l.feed(&command(ERASE_FLASH, &[], 0), &mut out);
        assert_eq!(packets(&out)[0][8..10], [0, 0]);
        assert!(std::fs::read(&image).unwrap().iter().all(|&b| b == 0xFF));
        assert_eq!(
            l.feed(&command(RUN_USER_CODE, &[], 0), &mut out),
            Some(Exit::Reboot)
        );
    }

    #[test]
    fn a_firmware_image_is_told_by_its_banner() {
        let dir = tempfile::tempdir().unwrap();
        let t = target(dir.path(), Chip::Esp8266);
        assert_eq!(firmware(&t), Firmware::Stock);
        let mut img = std::fs::read(&t.image).unwrap();
        img[..4].copy_from_slice(&[0xE9, 1, 2, 0x40]);
        let banner = b"MicroPython v1.22.2 on 2024-02-22; ESP module with ESP8266";
        img[0x5000..0x5000 + banner.len()].copy_from_slice(banner);
        std::fs::write(&t.image, &img).unwrap();
        assert_eq!(
            firmware(&t),
            Firmware::Release {
                version: "v1.22.2".into(),
                date: "2024-02-22".into()
            }
        );
        img[0] = 0x12;
        std::fs::write(&t.image, &img).unwrap();
        assert!(matches!(firmware(&t), Firmware::Unbootable(s) if s.contains("ets_main.c")));
    }
}
