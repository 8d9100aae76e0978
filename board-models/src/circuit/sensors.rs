//! Sensors as their common drivers see them: DHT11/DHT22 (the DHT one-wire protocol), DS18B20
//! (1-Wire), HC-SR04 (an echo pulse in simulated time), and the I2C chips MPU6050, BMP280/BME280
//! and DS1307.

use super::{Control, Endpoint, Graphic, Io, Part, PartSpec};
use mpsim_vfs::{civil_from_days, days_from_civil};

pub(super) fn build(spec: &PartSpec) -> Option<Box<dyn Part>> {
    Some(match spec.kind.as_str() {
        "dht11" | "dht22" => Box::new(Dht::new(spec)),
        "ds18b20" => Box::new(Ds18b20::new(spec)),
        "hc-sr04" => Box::new(HcSr04 {
            cm: spec.num("distance").unwrap_or(400.0).clamp(2.0, 400.0),
            trig_rose: None,
            echo: None,
        }),
        "mpu6050" => Box::new(Mpu6050::new(spec)),
        "bmp280" | "bme280" => Box::new(Bme280::new(spec)),
        "ds1307" => Box::new(Ds1307::new(spec)),
        _ => return None,
    })
}

/// The address from `i2cAddress`/`address` (`0x68`, `104`), else `default`.
pub(super) fn address(spec: &PartSpec, default: u8) -> u8 {
    let a = spec
        .attrs
        .get("i2cAddress")
        .or_else(|| spec.attrs.get("address"));
    a.and_then(|t| {
        let t = t.trim();
        match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            Some(h) => u8::from_str_radix(h, 16).ok(),
            None => t.parse().ok(),
        }
    })
    .unwrap_or(default)
}

/// Dallas/Maxim CRC-8 (polynomial x^8 + x^5 + x^4 + 1, reflected).
pub fn crc8(data: &[u8]) -> u8 {
    let mut crc = 0u8;
    for &b in data {
        let mut b = b;
        for _ in 0..8 {
            let mix = (crc ^ b) & 1;
            crc >>= 1;
            if mix != 0 {
                crc ^= 0x8C;
            }
            b >>= 1;
        }
    }
    crc
}

/// A DHT11 or DHT22: answers a start signal on its data pin with 40 bits (humidity,
/// temperature, checksum). Read again sooner than its sampling period (1 s / 2 s), it sends its
/// last measurement again, as the sensors do.
struct Dht {
    dht11: bool,
    celsius: f64,
    humidity: f64,
    last: Option<(u64, [u8; 5])>,
}

impl Dht {
    fn new(spec: &PartSpec) -> Self {
        let dht11 = spec.kind == "dht11";
        let (tmin, tmax, hmin, hmax) = if dht11 {
            (0.0, 50.0, 20.0, 90.0)
        } else {
            (-40.0, 80.0, 0.0, 100.0)
        };
        Dht {
            dht11,
            celsius: spec.num("temperature").unwrap_or(24.0).clamp(tmin, tmax),
            humidity: spec.num("humidity").unwrap_or(40.0).clamp(hmin, hmax),
            last: None,
        }
    }

    fn frame(&self) -> [u8; 5] {
        let mut b = [0u8; 5];
        if self.dht11 {
            let h = self.humidity.round() as i64;
            let t = (self.celsius * 10.0).round() as i64;
            b[0] = h.clamp(0, 255) as u8;
            b[2] = (t / 10).clamp(0, 255) as u8;
            b[3] = (t % 10).clamp(0, 9) as u8;
        } else {
            let h = (self.humidity * 10.0).round() as u16;
            let t = (self.celsius * 10.0).round() as i32;
            b[0] = (h >> 8) as u8;
            b[1] = h as u8;
            let mag = t.unsigned_abs() as u16;
            b[2] = ((mag >> 8) as u8 & 0x7F) | if t < 0 { 0x80 } else { 0 };
            b[3] = mag as u8;
        }
        b[4] = b[..4].iter().fold(0u8, |s, x| s.wrapping_add(*x));
        b
    }

    fn data_pin(io: &Io) -> &'static str {
        ["SDA", "DATA", "OUT"]
            .into_iter()
            .find(|n| io.wired(n))
            .unwrap_or("SDA")
    }
}

impl Part for Dht {
    fn controls(&self) -> Vec<Control> {
        let (tmin, tmax, hmin, hmax) = if self.dht11 {
            (0.0, 50.0, 20.0, 90.0)
        } else {
            (-40.0, 80.0, 0.0, 100.0)
        };
        vec![
            Control::new("temperature", "°C", tmin, tmax, self.celsius),
            Control::new("humidity", "%", hmin, hmax, self.humidity),
        ]
    }

    fn set_control(&mut self, name: &str, value: f64, _io: &mut Io) -> Result<(), String> {
        match name {
            "temperature" => self.celsius = value,
            "humidity" => self.humidity = value,
            _ => return Err(format!("no control named {name:?}")),
        }
        Ok(())
    }

    fn dht_read(&mut self, io: &mut Io) -> Option<[u8; 5]> {
        if io.level("VCC") == Some(false) || io.level("GND") == Some(true) {
            return None;
        }
        let _ = Self::data_pin(io);
        let period = if self.dht11 { 1_000_000 } else { 2_000_000 };
        let now = io.now();
        if let Some((t, f)) = self.last
            && now.saturating_sub(t) < period
        {
            return Some(f);
        }
        let f = self.frame();
        self.last = Some((now, f));
        Some(f)
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        (
            format!("{:.1} °C, {:.1} %", self.celsius, self.humidity),
            Graphic::None,
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Ow {
    /// Waiting for a reset.
    Idle,
    /// Taking a ROM command's bits.
    RomCmd,
    /// Sending its ROM (Read ROM), bit `n`.
    SendRom(u8),
    /// Comparing the master's ROM (Match ROM), bit `n`.
    MatchRom(u8),
    /// Search ROM: bit `n`, step 0 (send bit), 1 (send complement), 2 (read direction).
    Search(u8, u8),
    /// Taking a function command's bits.
    FnCmd,
    /// Sending bytes (scratchpad, power supply): bit `n` of what `out` holds.
    Send(u16),
    /// Taking Write Scratchpad's three bytes: bit `n`.
    Receive(u16),
    /// Converting: read slots give 0 until done.
    Converting,
}

/// A DS18B20 on a 1-Wire bus: its 64-bit ROM (family 0x28), the 9-byte scratchpad (85 °C
/// until its first conversion), conversions taking 93.75–750 ms by resolution.
struct Ds18b20 {
    rom: [u8; 8],
    celsius: f64,
    /// Temperature register (1/16 °C), TH, TL, configuration.
    reg: (i16, u8, u8, u8),
    state: Ow,
    bits: u16,
    shift: Vec<u8>,
    done_at: Option<(u64, i16)>,
}

impl Ds18b20 {
    fn new(spec: &PartSpec) -> Self {
        // A serial from the file, or one from the part's id (stable between runs).
        let serial = spec
            .attrs
            .get("serial")
            .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
            .unwrap_or_else(|| {
                spec.id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
                })
            });
        let mut rom = [0u8; 8];
        rom[0] = 0x28;
        for (i, r) in rom[1..7].iter_mut().enumerate() {
            *r = (serial >> (8 * i)) as u8;
        }
        rom[7] = crc8(&rom[..7]);
        Ds18b20 {
            rom,
            celsius: spec.num("temperature").unwrap_or(22.0).clamp(-55.0, 125.0),
            reg: (0x0550, 0x4B, 0x46, 0x7F),
            state: Ow::Idle,
            bits: 0,
            shift: Vec::new(),
            done_at: None,
        }
    }

    fn conversion_us(&self) -> u64 {
        match (self.reg.3 >> 5) & 3 {
            0 => 93_750,
            1 => 187_500,
            2 => 375_000,
            _ => 750_000,
        }
    }

    fn settle(&mut self, now: u64) {
        if let Some((t, v)) = self.done_at
            && now >= t
        {
            self.reg.0 = v;
            self.done_at = None;
            if self.state == Ow::Converting {
                self.state = Ow::Idle;
            }
        }
    }

    fn scratchpad(&self) -> [u8; 9] {
        let [lo, hi] = self.reg.0.to_le_bytes();
        let mut s = [
            lo, hi, self.reg.1, self.reg.2, self.reg.3, 0xFF, 0x0C, 0x10, 0,
        ];
        s[8] = crc8(&s[..8]);
        s
    }

    fn rom_bit(&self, n: u8) -> bool {
        self.rom[usize::from(n / 8)] >> (n % 8) & 1 == 1
    }

    /// A whole byte received in `FnCmd` or `RomCmd`.
    fn take_byte(&mut self, bit: bool) -> Option<u8> {
        if bit {
            self.bits |= 1 << self.shift.len();
        }
        self.shift.push(0);
        if self.shift.len() == 8 {
            let b = self.bits as u8;
            self.bits = 0;
            self.shift.clear();
            Some(b)
        } else {
            None
        }
    }
}

impl Part for Ds18b20 {
    fn controls(&self) -> Vec<Control> {
        vec![Control::new(
            "temperature",
            "°C",
            -55.0,
            125.0,
            self.celsius,
        )]
    }

    fn set_control(&mut self, name: &str, value: f64, _io: &mut Io) -> Result<(), String> {
        if name != "temperature" {
            return Err(format!("no control named {name:?}"));
        }
        self.celsius = value;
        Ok(())
    }

    fn ow_reset(&mut self, io: &mut Io) -> bool {
        self.settle(io.now());
        if io.level("VCC") == Some(false) {
            return false;
        }
        // A reset ends what was going on, except a conversion, which completes on its own.
        self.state = Ow::RomCmd;
        self.bits = 0;
        self.shift.clear();
        true
    }

    fn ow_slot(&mut self, bit: bool, io: &mut Io) -> bool {
        self.settle(io.now());
        match self.state {
            Ow::Idle => true,
            Ow::Converting => false,
            Ow::RomCmd => {
                if let Some(cmd) = self.take_byte(bit) {
                    self.state = match cmd {
                        0x33 => Ow::SendRom(0),
                        0x55 => Ow::MatchRom(0),
                        0xCC => Ow::FnCmd,
                        0xF0 => Ow::Search(0, 0),
                        _ => Ow::Idle,
                    };
                }
                true
            }
            Ow::SendRom(n) => {
                let b = self.rom_bit(n);
                self.state = if n == 63 {
                    Ow::FnCmd
                } else {
                    Ow::SendRom(n + 1)
                };
                b
            }
            Ow::MatchRom(n) => {
                self.state = if bit != self.rom_bit(n) {
                    Ow::Idle
                } else if n == 63 {
                    Ow::FnCmd
                } else {
                    Ow::MatchRom(n + 1)
                };
                true
            }
            Ow::Search(n, step) => {
                let b = self.rom_bit(n);
                match step {
                    0 => {
                        self.state = Ow::Search(n, 1);
                        b
                    }
                    1 => {
                        self.state = Ow::Search(n, 2);
                        !b
                    }
                    _ => {
                        // The device whose bit the master chose stays in; after the last bit
                        // it is selected, as after Match ROM.
                        self.state = if bit != b {
                            Ow::Idle
                        } else if n == 63 {
                            Ow::FnCmd
                        } else {
                            Ow::Search(n + 1, 0)
                        };
                        true
                    }
                }
            }
            Ow::FnCmd => {
                if let Some(cmd) = self.take_byte(bit) {
                    self.state = match cmd {
                        0x44 => {
                            let mask: i16 = match (self.reg.3 >> 5) & 3 {
                                0 => !7,
                                1 => !3,
                                2 => !1,
                                _ => !0,
                            };
                            let raw = (self.celsius * 16.0).round() as i16 & mask;
                            self.done_at = Some((io.now() + self.conversion_us(), raw));
                            Ow::Converting
                        }
                        0xBE => {
                            self.shift = self.scratchpad().to_vec();
                            self.bits = 0;
                            Ow::Send(0)
                        }
                        0xB4 => {
                            self.shift = vec![0xFF];
                            Ow::Send(0)
                        }
                        0x4E => {
                            self.shift = vec![0; 3];
                            Ow::Receive(0)
                        }
                        _ => Ow::Idle,
                    };
                }
                true
            }
            Ow::Send(n) => {
                let i = usize::from(n / 8);
                let b = self
                    .shift
                    .get(i)
                    .is_none_or(|byte| byte >> (n % 8) & 1 == 1);
                self.state = Ow::Send(n.saturating_add(1));
                b
            }
            Ow::Receive(n) => {
                let i = usize::from(n / 8);
                if let Some(byte) = self.shift.get_mut(i)
                    && bit
                {
                    *byte |= 1 << (n % 8);
                }
                if n == 23 {
                    self.reg.1 = self.shift[0];
                    self.reg.2 = self.shift[1];
                    self.reg.3 = (self.shift[2] & 0x60) | 0x1F;
                    self.shift.clear();
                    self.state = Ow::Idle;
                } else {
                    self.state = Ow::Receive(n + 1);
                }
                true
            }
        }
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        let rom: String = self.rom.iter().map(|b| format!("{b:02x}")).collect();
        (format!("{:.2} °C (ROM {rom})", self.celsius), Graphic::None)
    }
}

/// An HC-SR04: a trigger pulse of at least 10 µs starts a measurement; about 450 µs after its
/// falling edge ECHO goes high for the sound's round trip (58.3 µs per cm), or 38 ms when
/// nothing is in range.
struct HcSr04 {
    cm: f64,
    trig_rose: Option<u64>,
    /// ECHO's next edges: (rise, fall).
    echo: Option<(u64, u64)>,
}

impl Part for HcSr04 {
    fn controls(&self) -> Vec<Control> {
        vec![Control::new("distance", "cm", 2.0, 400.0, self.cm)]
    }

    fn set_control(&mut self, name: &str, value: f64, _io: &mut Io) -> Result<(), String> {
        if name != "distance" {
            return Err(format!("no control named {name:?}"));
        }
        self.cm = value;
        Ok(())
    }

    fn start(&mut self, io: &mut Io) {
        self.echo = None;
        io.drive("ECHO", Some(false));
    }

    fn pins_changed(&mut self, io: &mut Io) {
        let now = io.now();
        match (
            io.level("TRIG") == Some(true) && io.driven("TRIG"),
            self.trig_rose,
        ) {
            (true, None) => self.trig_rose = Some(now),
            (false, Some(t)) => {
                self.trig_rose = None;
                if now.saturating_sub(t) >= 10 && self.echo.is_none() {
                    let rise = now + 450;
                    let width = if self.cm >= 400.0 {
                        38_000.0
                    } else {
                        self.cm * 58.3
                    };
                    self.echo = Some((rise, rise + width.round() as u64));
                }
            }
            _ => {}
        }
    }

    fn next_event(&self) -> Option<u64> {
        self.echo.map(|(r, f)| if r > 0 { r } else { f })
    }

    fn advance(&mut self, io: &mut Io) {
        if let Some((r, f)) = self.echo {
            if r > 0 {
                io.drive("ECHO", Some(true));
                self.echo = Some((0, f));
            } else {
                io.drive("ECHO", Some(false));
                self.echo = None;
            }
        }
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        (format!("{:.1} cm", self.cm), Graphic::None)
    }
}

/// Registers behind an I2C address: the first byte written sets the pointer, the rest are
/// written from there; reads go on from the pointer. Both move the pointer on by one a byte.
#[derive(Clone)]
pub(super) struct Regs {
    pub ptr: u8,
    pub r: [u8; 256],
}

impl Regs {
    pub fn new() -> Self {
        Regs {
            ptr: 0,
            r: [0; 256],
        }
    }

    /// A read of `n` bytes from the pointer on.
    pub fn read(&mut self, n: usize) -> Vec<u8> {
        (0..n)
            .map(|_| {
                let b = self.r[usize::from(self.ptr)];
                self.ptr = self.ptr.wrapping_add(1);
                b
            })
            .collect()
    }

    /// A write: the pointer, then the data; returns the registers written.
    pub fn write(&mut self, data: &[u8]) -> Vec<u8> {
        let mut written = Vec::new();
        if let Some((&p, rest)) = data.split_first() {
            self.ptr = p;
            for &b in rest {
                self.r[usize::from(self.ptr)] = b;
                written.push(self.ptr);
                self.ptr = self.ptr.wrapping_add(1);
            }
        }
        written
    }
}

fn be16(v: f64) -> [u8; 2] {
    (v.round().clamp(-32768.0, 32767.0) as i16).to_be_bytes()
}

/// An MPU6050: asleep after reset (PWR_MGMT_1 0x40), WHO_AM_I 0x68, accelerometer, temperature
/// and gyroscope at 0x3B–0x48 in the full-scale ranges ACCEL_CONFIG/GYRO_CONFIG select.
struct Mpu6050 {
    addr: u8,
    regs: Regs,
    accel: [f64; 3],
    gyro: [f64; 3],
    celsius: f64,
}

impl Mpu6050 {
    fn new(spec: &PartSpec) -> Self {
        let ad0 = spec.pin("AD0") == Endpoint::Vcc;
        let mut m = Mpu6050 {
            addr: address(spec, if ad0 { 0x69 } else { 0x68 }),
            regs: Regs::new(),
            accel: [0.0, 0.0, 1.0],
            gyro: [0.0; 3],
            celsius: spec.num("temperature").unwrap_or(24.0),
        };
        m.reset();
        m
    }

    fn reset(&mut self) {
        self.regs = Regs::new();
        self.regs.r[0x6B] = 0x40;
        self.regs.r[0x75] = 0x68;
    }

    fn sample(&mut self) {
        let asleep = self.regs.r[0x6B] & 0x40 != 0;
        let afs = (self.regs.r[0x1C] >> 3) & 3;
        let gfs = (self.regs.r[0x1B] >> 3) & 3;
        let a_lsb = 16384.0 / f64::from(1u16 << afs);
        let g_lsb = 131.0 / f64::from(1u16 << gfs);
        let mut out = [0u8; 14];
        if !asleep {
            for k in 0..3 {
                out[2 * k..2 * k + 2].copy_from_slice(&be16(self.accel[k] * a_lsb));
                out[8 + 2 * k..10 + 2 * k].copy_from_slice(&be16(self.gyro[k] * g_lsb));
            }
            out[6..8].copy_from_slice(&be16((self.celsius - 36.53) * 340.0));
        }
        self.regs.r[0x3B..0x49].copy_from_slice(&out);
    }
}

impl Part for Mpu6050 {
    fn controls(&self) -> Vec<Control> {
        let mut c = Vec::new();
        for (k, axis) in ["X", "Y", "Z"].iter().enumerate() {
            c.push(Control::new(
                &format!("accel{axis}"),
                "g",
                -16.0,
                16.0,
                self.accel[k],
            ));
        }
        for (k, axis) in ["X", "Y", "Z"].iter().enumerate() {
            c.push(Control::new(
                &format!("rotation{axis}"),
                "°/s",
                -2000.0,
                2000.0,
                self.gyro[k],
            ));
        }
        c.push(Control::new("temperature", "°C", -40.0, 85.0, self.celsius));
        c
    }

    fn set_control(&mut self, name: &str, value: f64, _io: &mut Io) -> Result<(), String> {
        let axis = |s: &str| match s {
            "X" | "x" => Some(0),
            "Y" | "y" => Some(1),
            "Z" | "z" => Some(2),
            _ => None,
        };
        if let Some(k) = name.strip_prefix("accel").and_then(axis) {
            self.accel[k] = value;
        } else if let Some(k) = name.strip_prefix("rotation").and_then(axis) {
            self.gyro[k] = value;
        } else if name == "temperature" {
            self.celsius = value;
        } else {
            return Err(format!("no control named {name:?}"));
        }
        Ok(())
    }

    fn i2c_address(&self) -> Option<u8> {
        Some(self.addr)
    }

    fn i2c_write(&mut self, data: &[u8], _io: &mut Io) {
        let written = self.regs.write(data);
        if written.contains(&0x6B) && self.regs.r[0x6B] & 0x80 != 0 {
            self.reset();
        }
        self.regs.r[0x75] = 0x68;
    }

    fn i2c_read(&mut self, n: usize, _io: &mut Io) -> Vec<u8> {
        self.sample();
        self.regs.read(n)
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        let a = self.accel;
        let g = self.gyro;
        (
            format!(
                "a {:.2} {:.2} {:.2} g, ω {:.0} {:.0} {:.0} °/s, {:.1} °C",
                a[0], a[1], a[2], g[0], g[1], g[2], self.celsius
            ),
            Graphic::None,
        )
    }
}

/// The calibration words a BMP280/BME280 holds (the datasheet's example set).
const T_CAL: (f64, f64, f64) = (27504.0, 26435.0, -1000.0);
const P_CAL: [f64; 9] = [
    36477.0, -10685.0, 3024.0, 2855.0, 140.0, -7.0, 15500.0, -14600.0, 6000.0,
];
const H_CAL: (u8, i16, u8, i16, i16, i8) = (75, 362, 0, 313, 50, 30);

/// A BMP280 (chip id 0x58) or BME280 (0x60, with humidity) at 0x76 (0x77 with SDO high):
/// calibration in 0x88–0xA1 and 0xE1–0xE7, raw readings at 0xF7–0xFE that the datasheet's
/// compensation turns back into the controls' values.
struct Bme280 {
    addr: u8,
    humid: bool,
    regs: Regs,
    celsius: f64,
    hpa: f64,
    humidity: f64,
}

fn comp_t(adc: f64) -> (f64, f64) {
    let (t1, t2, t3) = T_CAL;
    let v1 = (adc / 16384.0 - t1 / 1024.0) * t2;
    let v2 = (adc / 131072.0 - t1 / 8192.0) * (adc / 131072.0 - t1 / 8192.0) * t3;
    let fine = v1 + v2;
    (fine, fine / 5120.0)
}

fn comp_p(adc: f64, fine: f64) -> f64 {
    let p = P_CAL;
    let mut v1 = fine / 2.0 - 64000.0;
    let mut v2 = v1 * v1 * p[5] / 32768.0;
    v2 += v1 * p[4] * 2.0;
    v2 = v2 / 4.0 + p[3] * 65536.0;
    v1 = (p[2] * v1 * v1 / 524288.0 + p[1] * v1) / 524288.0;
    v1 = (1.0 + v1 / 32768.0) * p[0];
    if v1 == 0.0 {
        return 0.0;
    }
    let mut pr = 1048576.0 - adc;
    pr = (pr - v2 / 4096.0) * 6250.0 / v1;
    let w1 = p[8] * pr * pr / 2147483648.0;
    let w2 = pr * p[7] / 32768.0;
    pr + (w1 + w2 + p[6]) / 16.0
}

fn comp_h(adc: f64, fine: f64) -> f64 {
    let (h1, h2, h3, h4, h5, h6) = H_CAL;
    let (h1, h2, h3, h4, h5, h6) = (
        f64::from(h1),
        f64::from(h2),
        f64::from(h3),
        f64::from(h4),
        f64::from(h5),
        f64::from(h6),
    );
    let mut v = fine - 76800.0;
    v = (adc - (h4 * 64.0 + h5 / 16384.0 * v))
        * (h2 / 65536.0 * (1.0 + h6 / 67108864.0 * v * (1.0 + h3 / 67108864.0 * v)));
    v *= 1.0 - h1 * v / 524288.0;
    v.clamp(0.0, 100.0)
}

/// The raw value in 0..max that `f` (monotonic) maps closest to `target`.
fn invert(target: f64, max: u32, rising: bool, f: impl Fn(f64) -> f64) -> u32 {
    let (mut lo, mut hi) = (0u32, max);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let below = f(f64::from(mid)) < target;
        if below == rising {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

impl Bme280 {
    fn new(spec: &PartSpec) -> Self {
        let humid = spec.kind == "bme280";
        let mut b = Bme280 {
            addr: address(spec, 0x76),
            humid,
            regs: Regs::new(),
            celsius: spec.num("temperature").unwrap_or(24.0).clamp(-40.0, 85.0),
            hpa: spec.num("pressure").unwrap_or(1013.25).clamp(300.0, 1100.0),
            humidity: spec.num("humidity").unwrap_or(40.0).clamp(0.0, 100.0),
        };
        b.reset();
        b
    }

    fn reset(&mut self) {
        let mut r = [0u8; 256];
        let words = [
            T_CAL.0, T_CAL.1, T_CAL.2, P_CAL[0], P_CAL[1], P_CAL[2], P_CAL[3], P_CAL[4], P_CAL[5],
            P_CAL[6], P_CAL[7], P_CAL[8],
        ];
        for (k, w) in words.iter().enumerate() {
            let v = if k == 0 || k == 3 {
                (*w as u16).to_le_bytes()
            } else {
                (*w as i16).to_le_bytes()
            };
            r[0x88 + 2 * k..0x8A + 2 * k].copy_from_slice(&v);
        }
        r[0xD0] = if self.humid { 0x60 } else { 0x58 };
        if self.humid {
            let (h1, h2, h3, h4, h5, h6) = H_CAL;
            r[0xA1] = h1;
            r[0xE1..0xE3].copy_from_slice(&h2.to_le_bytes());
            r[0xE3] = h3;
            r[0xE4] = (h4 >> 4) as u8;
            r[0xE5] = ((h4 & 0x0F) as u8) | (((h5 & 0x0F) as u8) << 4);
            r[0xE6] = (h5 >> 4) as u8;
            r[0xE7] = h6 as u8;
        }
        self.regs.r = r;
    }

    fn measure(&mut self) {
        let adc_t = invert(self.celsius, (1 << 20) - 1, true, |a| comp_t(a).1);
        let (fine, _) = comp_t(f64::from(adc_t));
        let adc_p = invert(self.hpa * 100.0, (1 << 20) - 1, false, |a| comp_p(a, fine));
        let r = &mut self.regs.r;
        r[0xF7] = (adc_p >> 12) as u8;
        r[0xF8] = (adc_p >> 4) as u8;
        r[0xF9] = ((adc_p & 0xF) << 4) as u8;
        r[0xFA] = (adc_t >> 12) as u8;
        r[0xFB] = (adc_t >> 4) as u8;
        r[0xFC] = ((adc_t & 0xF) << 4) as u8;
        if self.humid {
            let adc_h = invert(self.humidity, 0xFFFF, true, |a| comp_h(a, fine));
            r[0xFD] = (adc_h >> 8) as u8;
            r[0xFE] = adc_h as u8;
        } else {
            r[0xFD] = 0x80;
            r[0xFE] = 0x00;
        }
    }
}

impl Part for Bme280 {
    fn controls(&self) -> Vec<Control> {
        let mut c = vec![
            Control::new("temperature", "°C", -40.0, 85.0, self.celsius),
            Control::new("pressure", "hPa", 300.0, 1100.0, self.hpa),
        ];
        if self.humid {
            c.push(Control::new("humidity", "%", 0.0, 100.0, self.humidity));
        }
        c
    }

    fn set_control(&mut self, name: &str, value: f64, _io: &mut Io) -> Result<(), String> {
        match name {
            "temperature" => self.celsius = value,
            "pressure" => self.hpa = value,
            "humidity" if self.humid => self.humidity = value,
            _ => return Err(format!("no control named {name:?}")),
        }
        Ok(())
    }

    fn i2c_address(&self) -> Option<u8> {
        Some(self.addr)
    }

    fn i2c_write(&mut self, data: &[u8], _io: &mut Io) {
        let written = self.regs.write(data);
        if written.contains(&0xE0) && self.regs.r[0xE0] == 0xB6 {
            self.reset();
        }
        if written.contains(&0xF4) {
            // A forced or normal measurement: the results are ready at once; forced mode
            // falls back to sleep.
            self.measure();
            if self.regs.r[0xF4] & 3 != 3 {
                self.regs.r[0xF4] &= !3;
            }
        }
        self.regs.r[0xE0] = 0;
    }

    fn i2c_read(&mut self, n: usize, _io: &mut Io) -> Vec<u8> {
        if self.regs.r[0xF4] & 3 == 3 {
            self.measure();
        }
        self.regs.read(n)
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        let h = if self.humid {
            format!(", {:.1} %", self.humidity)
        } else {
            String::new()
        };
        (
            format!("{:.1} °C, {:.1} hPa{h}", self.celsius, self.hpa),
            Graphic::None,
        )
    }
}

fn bcd(v: i64) -> u8 {
    let v = v.rem_euclid(100) as u8;
    ((v / 10) << 4) | (v % 10)
}

fn from_bcd(b: u8) -> i64 {
    i64::from((b >> 4) * 10 + (b & 0x0F))
}

/// A DS1307 real-time clock at 0x68: seconds to years in BCD (0x00–0x06), control 0x07, 56 bytes
/// of RAM; it counts in simulated time from the time set (the `time` setting, `YYYY-MM-DD
/// HH:MM:SS`, else 2000-01-01 00:00:00), and stops while CH (bit 7 of seconds) is set.
struct Ds1307 {
    regs: Regs,
    /// Seconds since 1970 the clock showed at `set_at` (µs), and whether it runs.
    base: i64,
    set_at: u64,
    running: bool,
}

impl Ds1307 {
    fn new(spec: &PartSpec) -> Self {
        let base = spec
            .attrs
            .get("time")
            .and_then(|t| parse_time(t))
            .unwrap_or(946_684_800);
        Ds1307 {
            regs: Regs::new(),
            base,
            set_at: 0,
            running: true,
        }
    }

    fn now_secs(&self, now: u64) -> i64 {
        if self.running {
            self.base + (now.saturating_sub(self.set_at) / 1_000_000) as i64
        } else {
            self.base
        }
    }

    fn fill(&mut self, now: u64) {
        let s = self.now_secs(now);
        let (days, secs) = (s.div_euclid(86400), s.rem_euclid(86400));
        let (y, m, d) = civil_from_days(days);
        let r = &mut self.regs.r;
        r[0] = bcd(secs % 60) | if self.running { 0 } else { 0x80 };
        r[1] = bcd(secs / 60 % 60);
        let h = secs / 3600;
        if r[2] & 0x40 != 0 {
            let h12 = if h % 12 == 0 { 12 } else { h % 12 };
            r[2] = 0x40 | if h >= 12 { 0x20 } else { 0 } | bcd(h12);
        } else {
            r[2] = bcd(h);
        }
        r[3] = ((days + 4).rem_euclid(7) + 1) as u8;
        r[4] = bcd(d);
        r[5] = bcd(m);
        r[6] = bcd(y - 2000);
    }

    fn take(&mut self, now: u64) {
        let r = &self.regs.r;
        let hour = if r[2] & 0x40 != 0 {
            let h = from_bcd(r[2] & 0x1F) % 12;
            h + if r[2] & 0x20 != 0 { 12 } else { 0 }
        } else {
            from_bcd(r[2] & 0x3F)
        };
        let days = days_from_civil(
            2000 + from_bcd(r[6]),
            from_bcd(r[5] & 0x1F).clamp(1, 12),
            from_bcd(r[4] & 0x3F).clamp(1, 31),
        );
        self.base = days * 86400 + hour * 3600 + from_bcd(r[1] & 0x7F) * 60 + from_bcd(r[0] & 0x7F);
        self.running = r[0] & 0x80 == 0;
        self.set_at = now;
    }
}

fn parse_time(t: &str) -> Option<i64> {
    let t = t.trim().replace('T', " ");
    let (date, time) = t.split_once(' ').unwrap_or((&t, "00:00:00"));
    let d: Vec<i64> = date
        .split('-')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let h: Vec<i64> = time
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    if d.len() != 3 || h.len() != 3 {
        return None;
    }
    Some(days_from_civil(d[0], d[1], d[2]) * 86400 + h[0] * 3600 + h[1] * 60 + h[2])
}

impl Part for Ds1307 {
    fn i2c_address(&self) -> Option<u8> {
        Some(0x68)
    }

    fn i2c_write(&mut self, data: &[u8], io: &mut Io) {
        self.fill(io.now());
        let written = self.regs.write(data);
        if written.iter().any(|&r| r <= 6) {
            self.take(io.now());
        }
    }

    fn i2c_read(&mut self, n: usize, io: &mut Io) -> Vec<u8> {
        self.fill(io.now());
        (0..n)
            .map(|_| {
                let b = self.regs.r[usize::from(self.regs.ptr)];
                // The register pointer wraps after the RAM's last byte (0x3F).
                self.regs.ptr = (self.regs.ptr + 1) & 0x3F;
                b
            })
            .collect()
    }

    fn view(&self, io: &Io) -> (String, Graphic) {
        let s = self.now_secs(io.now());
        let (y, m, d) = civil_from_days(s.div_euclid(86400));
        let t = s.rem_euclid(86400);
        (
            format!(
                "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
                t / 3600,
                t / 60 % 60,
                t % 60
            ),
            Graphic::None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc8_of_a_known_rom_is_zero_over_all_eight_bytes() {
        let rom = [0x28, 0xFF, 0x4C, 0x1F, 0x60, 0x16, 0x04, 0];
        let c = crc8(&rom[..7]);
        let mut full = rom;
        full[7] = c;
        assert_eq!(crc8(&full), 0);
    }

    #[test]
    fn bme280_compensation_inverts() {
        let adc_t = invert(23.4, (1 << 20) - 1, true, |a| comp_t(a).1);
        let (fine, t) = comp_t(f64::from(adc_t));
        assert!((t - 23.4).abs() < 0.01, "{t}");
        let adc_p = invert(101_325.0, (1 << 20) - 1, false, |a| comp_p(a, fine));
        assert!((comp_p(f64::from(adc_p), fine) - 101_325.0).abs() < 5.0);
        let adc_h = invert(55.0, 0xFFFF, true, |a| comp_h(a, fine));
        assert!((comp_h(f64::from(adc_h), fine) - 55.0).abs() < 0.1);
    }

    #[test]
    fn civil_dates_round_trip() {
        for d in [-1000, 0, 10957, 20000, 30000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(parse_time("2000-01-01 00:00:00"), Some(946_684_800));
    }
}
