//! Board descriptions: `boards/<BOARD_ID>/board.toml` + `pins.csv`, parsed strictly and checked.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What can go wrong reading a board description.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// board.toml is not valid TOML or has unknown/missing fields.
    #[error("board {board}: board.toml: {source}")]
    Toml {
        /// The board directory name.
        board: String,
        /// The parser's message.
        source: toml::de::Error,
    },
    /// pins.csv has a malformed line.
    #[error("board {board}: pins.csv line {line}: {msg}")]
    PinsCsv {
        /// The board directory name.
        board: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        msg: String,
    },
    /// The description contradicts itself (a LED on a pin the board lacks, …).
    #[error("board {board}: {msg}")]
    Inconsistent {
        /// The board directory name.
        board: String,
        /// What contradicts what.
        msg: String,
    },
}

/// How a firmware stores a float.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FloatRepr {
    /// IEEE binary32, the usual single-precision port.
    #[default]
    Single,
    /// binary32 with the two lowest mantissa bits dropped, as MicroPython's object
    /// representation C packs a float into a pointer-sized word (the ESP8266's).
    Single30,
    /// IEEE binary64 (the unix port; no board mpsim models).
    Double,
}

fn yes() -> bool {
    true
}

/// One board as its data files describe it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardSpec {
    /// MicroPython's board ID, e.g. `ESP8266_GENERIC`.
    pub id: String,
    /// Friendly names accepted on the command line (lower case).
    pub aliases: Vec<String>,
    /// One line for `mpsim boards`.
    pub description: String,
    /// The board half of the banner's machine string (`ESP module`).
    pub board_name: String,
    /// The MCU half of the banner's machine string (`ESP8266`).
    pub mcu: String,
    /// Where the board comes in `mpsim boards` (smallest first).
    pub list_order: u32,
    /// The longest timeout `machine.WDT` takes, ms (the rp2's counter); none: no limit.
    #[serde(default)]
    pub wdt_max_ms: Option<u32>,
    /// `machine.idle()` waits for the next tick of this period, µs (the tickless ports' 1 ms
    /// tick); 0: it returns at once (the ESP ports).
    #[serde(default)]
    pub idle_tick_us: u32,
    /// Pins are numbered 16 to a port and printed by CPU name, `A0` … `K15` (the stm32).
    #[serde(default)]
    pub pins_by_port: bool,
    /// The firmware has `_thread`.
    #[serde(default)]
    pub thread: bool,
    /// The filesystem has no folders (the micro:bit's).
    #[serde(default)]
    pub flat_fs: bool,
    /// Modules the shared firmware code has that this board's firmware leaves out.
    #[serde(default)]
    pub absent_modules: Vec<String>,
    /// What `help('modules')` lists on the real board, and what of it mpsim leaves out.
    #[serde(default)]
    pub firmware_modules: Option<FirmwareModules>,
    /// `neopixel.NeoPixel` also has `show()` and `clear()` (the micro:bit runtime's).
    #[serde(default)]
    pub neopixel_show: bool,
    /// The lines `help()` shows as its hardware example, where the board's differs from an LED on
    /// `machine.Pin`.
    #[serde(default)]
    pub help_example: Option<String>,
    /// What `os.uname()` says where the firmware says it its own way; `{version}`,
    /// `{build_date}` and `{mcu}` stand for the board's.
    #[serde(default)]
    pub uname: Option<UnameSpec>,
    /// `sys.platform` and `os.uname().sysname`: the MicroPython port.
    pub platform: Platform,
    /// The MicroPython release the board claims to run (`v1.28.0`).
    pub micropython_version: String,
    /// Build date printed in the banner (YYYY-MM-DD).
    pub build_date: String,
    /// Vendor SDK version, reported as `os.uname().release` on ports that do so (ESP8266).
    #[serde(default)]
    pub sdk_version: Option<String>,
    /// `sys.implementation._mpy`.
    pub mpy_abi: u32,
    /// Flash size in bytes (`esp.flash_size()`).
    pub flash_size: u64,
    /// Size of the filesystem on the flash, bytes.
    pub fs_size: u64,
    /// Where the firmware's build puts the filesystem on the flash, for boards whose image holds
    /// the whole flash as the chip lays it out (the ESP boards: esptool reads and writes it);
    /// absent (0) where the image is the filesystem alone.
    #[serde(default)]
    pub fs_offset: u64,
    /// Cluster size of that volume (the flash's erase block), bytes.
    pub fs_block: u32,
    /// The filesystem the firmware makes on it: "fat", or "littlefs" (v2).
    #[serde(default = "default_fs_type")]
    pub fs_type: String,
    /// What a board with an empty flash does on its first boot.
    pub first_boot: FirstBoot,
    /// MicroPython heap size in bytes (what `gc.mem_free() + gc.mem_alloc()` adds up to).
    pub heap_size: u64,
    /// Where the MicroPython heap starts in the chip's address space: the addresses
    /// `uctypes.addressof` hands out for the script's buffers lie from here on.
    pub heap_base: u32,
    /// Default CPU frequency in Hz (`machine.freq()`).
    pub cpu_freq: u64,
    /// CPU frequencies `machine.freq(f)` accepts.
    pub cpu_freqs: Vec<u64>,
    /// `ticks_ms`/`ticks_us` wrap at 2**ticks_period_bits.
    pub ticks_period_bits: u32,
    /// Year of the port's epoch (2000 on bare-metal ports, 1970 on others).
    pub epoch_year: i32,
    /// Bytes returned by `machine.unique_id()`.
    pub unique_id: Vec<u8>,
    /// `machine.*_RESET` constants and their values.
    pub reset_causes: BTreeMap<String, i64>,
    /// The pull constants `machine.Pin` has on this port (`PULL_UP`, `PULL_DOWN`).
    pub pin_pulls: Vec<String>,
    /// Timer ids `machine.Timer` accepts (-1 = virtual timer).
    pub timer_ids: Vec<i64>,
    /// PWM limits.
    pub pwm: PwmSpec,
    /// ADC channels and resolution.
    pub adc: AdcSpec,
    /// The GPIOs the package brings out.
    pub pins: Vec<PinSpec>,
    /// LEDs soldered on the board.
    #[serde(default)]
    pub leds: Vec<LedSpec>,
    /// Push buttons soldered on the board.
    #[serde(default)]
    pub buttons: Vec<ButtonSpec>,
    /// The UARTs `machine.UART` offers.
    #[serde(default)]
    pub uarts: Vec<UartSpec>,
    /// The accelerometer soldered on the board, if any.
    #[serde(default)]
    pub accelerometer: Option<AccelSpec>,
    /// `machine.Pin` also takes the names of pins.csv (`Pin("LED")`, `Pin("GP15")`), as the rp2
    /// port does; otherwise only numbers, as the ESP8266's.
    #[serde(default)]
    pub python_pin_names: bool,
    /// The hardware I2C controllers `machine.I2C(id)` offers, with their default pins.
    #[serde(default)]
    pub i2c: Vec<I2cSpec>,
    /// The hardware SPI controllers `machine.SPI(id)` offers, with their default pins (the
    /// micro:bit's `microbit.spi` as id 0).
    #[serde(default)]
    pub spi: Vec<SpiSpec>,
    /// What a transfer to an address nobody acknowledges raises: ENODEV (19) on most ports, EIO
    /// (5) on the rp2 port.
    #[serde(default = "enodev")]
    pub i2c_nack_errno: i64,
    /// An LED matrix driven by the firmware (the micro:bit's 5×5), if the board has one.
    #[serde(default)]
    pub display: Option<DisplaySpec>,
    /// A speaker the firmware plays tones on (the micro:bit V2's `music` and `speaker`).
    #[serde(default)]
    pub speaker: bool,
    /// The Wi-Fi radio and IP stack, if the board has one.
    #[serde(default)]
    pub network: Option<NetworkSpec>,
    /// How the firmware keeps floats (`MICROPY_FLOAT_IMPL` and `MICROPY_OBJ_REPR`).
    #[serde(default)]
    pub float: FloatRepr,
    /// Whether the firmware has complex numbers (`MICROPY_PY_BUILTINS_COMPLEX`): without them
    /// `complex` is undefined and `1j` is a SyntaxError.
    #[serde(default = "yes")]
    pub complex: bool,
    /// Where the flash volume is mounted (`/` on most ports, `/flash` on the Pyboard, which also
    /// starts there and puts `/flash` and `/flash/lib` on `sys.path`).
    #[serde(default = "root_mount")]
    pub flash_mount: String,
    /// Board silk-screen names for GPIOs, from pins.csv (`D4` → 2); not in board.toml.
    #[serde(skip)]
    pub pin_names: Vec<(String, String)>,
}

fn enodev() -> i64 {
    19
}

/// A hardware I2C controller and its default pins.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct I2cSpec {
    /// `machine.I2C(id)`.
    pub id: i64,
    /// Default SCL GPIO.
    pub scl: u32,
    /// Default SDA GPIO.
    pub sda: u32,
}

/// One hardware SPI controller and its default pins.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpiSpec {
    /// `machine.SPI(id)`.
    pub id: i64,
    /// Default SCK, MOSI and MISO GPIOs.
    pub sck: u32,
    pub mosi: u32,
    pub miso: u32,
}

fn root_mount() -> String {
    "/".to_owned()
}

/// The GPIO number a pins.csv CPU pin stands for: `GPIO5` → 5; an STM32's `PB3` → 16 × port + 3
/// (`PA0` = 0); an nRF's `P1_02` → 32 × port + 2.
pub fn cpu_gpio(cpu: &str) -> Option<u32> {
    if let Some(n) = cpu.strip_prefix("GPIO") {
        return n.parse().ok();
    }
    let rest = cpu.strip_prefix('P')?;
    let mut chars = rest.chars();
    let port = chars.next()?;
    let tail = chars.as_str();
    if let Some(n) = tail.strip_prefix('_') {
        // nRF: P0_nn, P1_nn.
        let port = port.to_digit(10)?;
        let n: u32 = n.parse().ok()?;
        return (port <= 1 && n < 32).then_some(port * 32 + n);
    }
    if port.is_ascii_uppercase() && !tail.is_empty() && tail.chars().all(|c| c.is_ascii_digit()) {
        let n: u32 = tail.parse().ok()?;
        return (n < 16).then_some((port as u32 - 'A' as u32) * 16 + n);
    }
    None
}

/// The first boot: a line printed and files written (boot.py …).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirstBoot {
    /// Printed on the console before the files are written.
    pub message: String,
    /// File name → contents.
    pub files: BTreeMap<String, String>,
}

/// PWM limits of the port.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PwmSpec {
    /// Lowest frequency accepted, Hz.
    pub freq_min: u32,
    /// Highest frequency accepted, Hz.
    pub freq_max: u32,
    /// Frequency of a new PWM when none is given, Hz.
    pub freq_default: u32,
    /// Resolution of `duty()` (10 bits → 0..1023).
    pub duty_bits: u32,
}

/// ADC description.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdcSpec {
    /// Channel ids `machine.ADC(id)` accepts.
    pub channels: Vec<i64>,
    /// Resolution of `read()`.
    pub read_bits: u32,
    /// Supply voltage in mV (what the VCC channel reads).
    pub vcc_mv: u32,
    /// What channels read before the world applies anything (fraction of full scale, by
    /// channel): internal sensors and supply dividers.
    #[serde(default)]
    pub initial: BTreeMap<String, f64>,
    /// GPIOs that `ADC(gpio)` also takes, each with its channel (`[[26, 0], …]` on the rp2).
    #[serde(default)]
    pub pin_channels: Vec<(i64, i64)>,
}

/// One GPIO.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinSpec {
    /// GPIO number as `machine.Pin(n)` takes it.
    pub gpio: u32,
    /// What the pin can do: in, out, open_drain, pull_up, pull_down, pwm, irq, adc.
    pub caps: Vec<String>,
    /// Level an unconnected input reads (board pull resistors); 0 when absent.
    #[serde(default)]
    pub default_level: u8,
    /// Free text for the GUI tooltip.
    #[serde(default)]
    pub note: String,
    /// Not a GPIO a script can name (`machine.Pin` refuses it): an input the firmware reads
    /// through its own API, such as the Pico's BOOTSEL button on the flash's chip select.
    #[serde(default)]
    pub hidden: bool,
}

impl PinSpec {
    /// Whether the pin has capability `cap`.
    pub fn can(&self, cap: &str) -> bool {
        self.caps.iter().any(|c| c == cap)
    }
}

/// An LED on the board.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedSpec {
    /// Label in the GUI and the trace.
    pub name: String,
    /// GPIO that drives it.
    pub pin: u32,
    /// Lit when the pin is low.
    #[serde(default)]
    pub active_low: bool,
    /// Colour name for the GUI.
    #[serde(default)]
    pub color: String,
}

/// A UART of the MCU.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UartSpec {
    /// `machine.UART(id)`.
    pub id: u32,
    /// GPIO of its TX line.
    pub tx: u32,
    /// GPIO of its RX line; none for a transmit-only UART.
    #[serde(default)]
    pub rx: Option<u32>,
    /// The REPL runs on it (the board's serial port), until `os.dupterm(None, console_slot)`.
    #[serde(default)]
    pub console: bool,
    /// The other (tx, rx) pair the UART can be moved to (`UART(0, tx=15, rx=13)` on the ESP8266).
    #[serde(default)]
    pub alt_pins: Option<(u32, u32)>,
    /// Receive buffer in bytes (`rxbuf`), by default.
    pub rxbuf: u32,
}

/// An accelerometer on the board (what the world applies to it is set in milli-g).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccelSpec {
    /// The chip (`MMA7660`, `LSM303AGR` …).
    pub chip: String,
    /// Full scale, ± milli-g: what the chip reports saturates there.
    pub range_mg: u32,
    /// Where the chip answers on an I2C bus of the board's, if scripts reach it there.
    #[serde(default)]
    pub i2c: Option<AccelBus>,
}

/// An accelerometer on one of the board's I2C buses.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccelBus {
    /// The bus's clock and data GPIOs.
    pub scl: u32,
    pub sda: u32,
    /// Its 7-bit address.
    pub address: u8,
    /// The GPIO that powers it (it answers only while that pin is high), if any.
    #[serde(default)]
    pub power: Option<u32>,
}

/// `os.uname()` as a firmware that says it its own way.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnameSpec {
    pub sysname: String,
    pub nodename: String,
    pub version: String,
    pub machine: String,
}

/// The real firmware's module list (`help('modules')`), kept with where it came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirmwareModules {
    /// Where the list came from.
    pub source: String,
    /// The names as `help('modules')` prints them (`umqtt/simple`, `asyncio/__init__`).
    pub names: Vec<String>,
    /// Names of the list mpsim does not provide, each with why.
    #[serde(default)]
    pub left_out: BTreeMap<String, String>,
}

/// An LED matrix the firmware scans (not pins the script drives).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplaySpec {
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// Brightness levels, 0 (off) to `levels - 1`.
    pub levels: u8,
}

/// The board's Wi-Fi radio and its IP stack (`network`, `socket`, `webrepl`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// The station interface's MAC address; the access point's is the same with the
    /// locally-administered bit set (as the ESP SDKs do).
    pub mac: Vec<u8>,
    /// Sockets open at once; one more raises `OSError(max_sockets_errno)`.
    pub max_sockets: u32,
    /// What `socket()` raises beyond `max_sockets` (lwIP's ENOMEM on the ESP8266).
    pub max_sockets_errno: i64,
    /// What `getaddrinfo` raises for a name it cannot resolve (the ESP8266's lwIP gives -2).
    pub dns_fail_errno: i64,
    /// The access point's name out of the box: `{mac3}` (`{MAC3}`) stands for the last three
    /// MAC bytes in lower (upper) case hex, `{MAC2}` for the last two.
    pub ap_essid: String,
    /// The access point's password out of the box.
    pub ap_password: String,
    /// The access point's address; its clients get the following ones.
    pub ap_ip: String,
    /// The access point is on after a first boot (the ESP8266 SDK's default).
    pub ap_active_at_first_boot: bool,
    /// `network.hostname()` out of the box (MICROPY_PY_NETWORK_HOSTNAME_DEFAULT).
    pub hostname: String,
    /// The port's `network.STAT_*` values by name (IDLE, CONNECTING, WRONG_PASSWORD,
    /// NO_AP_FOUND, GOT_IP, and CONNECT_FAIL or ASSOC_FAIL …).
    pub status: BTreeMap<String, i64>,
    /// `network.country()` (the cyw43 driver's regulatory country).
    #[serde(default)]
    pub country: bool,
    /// The TLS library the firmware builds in: "mbedtls", or "axtls" (the ESP8266's: CERT_NONE
    /// only, TLS 1.2, its own error codes).
    #[serde(default = "default_tls")]
    pub tls: String,
}

fn default_fs_type() -> String {
    "fat".into()
}

fn default_tls() -> String {
    "mbedtls".into()
}

/// A push button on the board.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ButtonSpec {
    /// Label in the GUI.
    pub name: String,
    /// GPIO it pulls.
    pub pin: u32,
    /// Pressed pulls the pin low.
    #[serde(default)]
    pub active_low: bool,
}

const CAPS: &[&str] = &[
    "in",
    "out",
    "open_drain",
    "pull_up",
    "pull_down",
    "pwm",
    "irq",
    "adc",
];

impl BoardSpec {
    /// How the board's flash image is laid out: the whole flash with the filesystem at its
    /// offset (ESP boards), or the filesystem alone.
    pub fn flash_geometry(&self) -> mpsim_vfs::Geometry {
        let mut g =
            mpsim_vfs::Geometry::volume(self.fs_size, self.fs_block, self.fs_type == "littlefs");
        if self.fs_offset > 0 {
            g.flash_size = self.flash_size;
            g.offset = self.fs_offset;
        }
        g
    }

    /// Parses and checks a board from the text of its two files.
    pub fn parse(dir_name: &str, board_toml: &str, pins_csv: &str) -> Result<Self, SpecError> {
        let mut spec: BoardSpec = toml::from_str(board_toml).map_err(|source| SpecError::Toml {
            board: dir_name.to_owned(),
            source,
        })?;
        for (i, line) in pins_csv.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split(',');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(name), Some(cpu), None) if !name.is_empty() && !cpu.is_empty() => {
                    spec.pin_names.push((name.to_owned(), cpu.to_owned()))
                }
                _ => {
                    return Err(SpecError::PinsCsv {
                        board: dir_name.to_owned(),
                        line: i + 1,
                        msg: format!("expected NAME,CPU_PIN, got {line:?}"),
                    });
                }
            }
        }
        spec.check(dir_name)?;
        Ok(spec)
    }

    fn check(&self, dir_name: &str) -> Result<(), SpecError> {
        let bad = |msg: String| SpecError::Inconsistent {
            board: dir_name.to_owned(),
            msg,
        };
        if let Some(d) = &self.display
            && (d.width == 0 || d.height == 0 || d.width * d.height > 1024 || d.levels < 2)
        {
            return Err(bad(
                "display must have 1..=1024 pixels and at least 2 levels".into(),
            ));
        }
        if self.accelerometer.as_ref().is_some_and(|a| a.range_mg == 0) {
            return Err(bad("accelerometer range_mg must be above 0".into()));
        }
        if self.id != dir_name {
            return Err(bad(format!("id {} differs from its folder name", self.id)));
        }
        let mut seen = std::collections::BTreeSet::new();
        for p in &self.pins {
            if !seen.insert(p.gpio) {
                return Err(bad(format!("GPIO{} listed twice", p.gpio)));
            }
            if let Some(c) = p.caps.iter().find(|c| !CAPS.contains(&c.as_str())) {
                return Err(bad(format!("GPIO{} has unknown capability {c:?}", p.gpio)));
            }
            if p.default_level > 1 {
                return Err(bad(format!("GPIO{} default_level must be 0 or 1", p.gpio)));
            }
        }
        for led in &self.leds {
            if self.pin(led.pin).is_none_or(|p| !p.can("out")) {
                return Err(bad(format!(
                    "LED {} on GPIO{} which is not an output",
                    led.name, led.pin
                )));
            }
        }
        for b in &self.buttons {
            if self.pin(b.pin).is_none_or(|p| !p.can("in")) {
                return Err(bad(format!(
                    "button {} on GPIO{} which is not an input",
                    b.name, b.pin
                )));
            }
        }
        let mut ids = std::collections::BTreeSet::new();
        for u in &self.uarts {
            if !ids.insert(u.id) {
                return Err(bad(format!("UART{} listed twice", u.id)));
            }
            let pins = [Some(u.tx), u.rx]
                .into_iter()
                .chain(u.alt_pins.iter().flat_map(|(t, r)| [Some(*t), Some(*r)]))
                .flatten();
            for pin in pins {
                if self.pin(pin).is_none() {
                    return Err(bad(format!(
                        "UART{} on GPIO{pin}, which the board lacks",
                        u.id
                    )));
                }
            }
        }
        for bus in &self.i2c {
            if self.pin(bus.scl).is_none() || self.pin(bus.sda).is_none() {
                return Err(bad(format!("I2C({}) on a GPIO the board lacks", bus.id)));
            }
        }
        if self.uarts.iter().filter(|u| u.console).count() > 1 {
            return Err(bad("more than one console UART".into()));
        }
        let m = &self.flash_mount;
        if !m.starts_with('/') || (m.len() > 1 && (m.ends_with('/') || m[1..].contains('/'))) {
            return Err(bad("flash_mount must be / or /name".into()));
        }
        for (name, cpu) in &self.pin_names {
            if let Some(n) = cpu_gpio(cpu) {
                if self.pin(n).is_none() {
                    return Err(bad(format!(
                        "pins.csv names {name} as {cpu}, which the board lacks"
                    )));
                }
            } else if let Some(n) = cpu.strip_prefix("ADC") {
                let ok = n
                    .parse::<i64>()
                    .is_ok_and(|n| self.adc.channels.contains(&n));
                if !ok {
                    return Err(bad(format!(
                        "pins.csv names {name} as {cpu}, which the board lacks"
                    )));
                }
            } else {
                return Err(bad(format!("pins.csv: unknown CPU pin {cpu}")));
            }
        }
        for pull in &self.pin_pulls {
            if pull != "PULL_UP" && pull != "PULL_DOWN" && pull != "PULL_HOLD" {
                return Err(bad(format!("unknown pull {pull}")));
            }
        }
        if !(1..=32).contains(&self.ticks_period_bits) {
            return Err(bad("ticks_period_bits must be 1..=32".into()));
        }
        if self.fs_block == 0 || !self.fs_block.is_power_of_two() || self.fs_size < 64 * 1024 {
            return Err(bad(
                "fs_block must be a power of two and fs_size at least 64 KiB".into(),
            ));
        }
        if self.fs_size > self.flash_size
            || self.fs_offset.saturating_add(self.fs_size) > self.flash_size
        {
            return Err(bad("fs_offset + fs_size exceeds flash_size".into()));
        }
        if self.heap_size < 4096 {
            return Err(bad("heap_size below 4 KiB".into()));
        }
        if u64::from(self.heap_base) + self.heap_size > 1 << 32 || !self.heap_base.is_multiple_of(8)
        {
            return Err(bad(
                "heap_base must be 8-byte aligned and the heap within 32-bit addresses".into(),
            ));
        }
        if self.pwm.freq_min == 0 || self.pwm.freq_min > self.pwm.freq_max {
            return Err(bad("pwm frequency range is empty".into()));
        }
        if !(self.pwm.freq_min..=self.pwm.freq_max).contains(&self.pwm.freq_default) {
            return Err(bad("pwm default frequency outside its range".into()));
        }
        for (ch, v) in &self.adc.initial {
            let ok = ch
                .parse::<i64>()
                .is_ok_and(|c| self.adc.channels.contains(&c));
            if !ok || !(0.0..=1.0).contains(v) {
                return Err(bad(format!(
                    "adc.initial: channel {ch} must be one of the channels, its value 0..=1"
                )));
            }
        }
        if let Some(n) = &self.network {
            if n.mac.len() != 6 {
                return Err(bad("network.mac must be 6 bytes".into()));
            }
            for need in [
                "IDLE",
                "CONNECTING",
                "WRONG_PASSWORD",
                "NO_AP_FOUND",
                "GOT_IP",
            ] {
                if !n.status.contains_key(need) {
                    return Err(bad(format!("network.status lacks {need}")));
                }
            }
        }
        if self.cpu_freqs.is_empty() || !self.cpu_freqs.contains(&self.cpu_freq) {
            return Err(bad("cpu_freq must be one of cpu_freqs".into()));
        }
        Ok(())
    }

    /// The GPIO `n`, if the board has it.
    pub fn pin(&self, gpio: u32) -> Option<&PinSpec> {
        self.pins.iter().find(|p| p.gpio == gpio)
    }

    /// Board silk-screen names of GPIO `n` (`D4` for 2 on a NodeMCU).
    pub fn names_of(&self, gpio: u32) -> impl Iterator<Item = &str> {
        self.pin_names
            .iter()
            .filter(move |(_, c)| cpu_gpio(c) == Some(gpio))
            .map(|(n, _)| n.as_str())
    }

    /// The chip's own name of GPIO `n`: `GPIO5`, or the port-and-pin name the MCU's family uses
    /// when pins.csv names it so (`A0` for the STM32's PA0, `P0_02` on an nRF).
    pub fn gpio_name(&self, gpio: u32) -> String {
        self.pin_names
            .iter()
            .find(|(_, c)| !c.starts_with("GPIO") && cpu_gpio(c) == Some(gpio))
            .map_or_else(
                || format!("GPIO{gpio}"),
                |(_, c)| {
                    if c.contains('_') {
                        c.clone()
                    } else {
                        c[1..].to_owned()
                    }
                },
            )
    }

    /// `"ESP module with ESP8266"`: `sys.implementation._machine` and the banner's tail.
    pub fn machine_string(&self) -> String {
        format!("{} with {}", self.board_name, self.mcu)
    }

    /// The first banner line, without line ending.
    pub fn banner(&self) -> String {
        format!(
            "MicroPython {} on {}; {}",
            self.micropython_version,
            self.build_date,
            self.machine_string()
        )
    }

    /// (major, minor, micro) parsed from `micropython_version`.
    pub fn version_tuple(&self) -> (u32, u32, u32) {
        let v = self.micropython_version.trim_start_matches('v');
        let mut it = v.split(['.', '-']).map(|s| s.parse::<u32>().unwrap_or(0));
        (
            it.next().unwrap_or(0),
            it.next().unwrap_or(0),
            it.next().unwrap_or(0),
        )
    }
}

/// The MicroPython port a board runs (`sys.platform`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Esp8266,
    Esp32,
    Rp2,
    Pyboard,
    Microbit,
}

impl Platform {
    /// Its name as `sys.platform` says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Esp8266 => "esp8266",
            Platform::Esp32 => "esp32",
            Platform::Rp2 => "rp2",
            Platform::Pyboard => "pyboard",
            Platform::Microbit => "microbit",
        }
    }
}

/// One built-in board's files.
struct Builtin {
    id: &'static str,
    board_toml: &'static str,
    pins_csv: &'static str,
    drawing: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

/// The window's drawing of a built-in board (`boards/<ID>/drawing.toml`), by ID.
pub fn drawing(id: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|b| b.id == id).map(|b| b.drawing)
}

/// The IDs of the built-in boards.
pub fn board_ids() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|b| b.id)
}

/// Every built-in board, parsed. A broken board file is a build defect; the test suite loads them all.
pub fn all_boards() -> Result<Vec<BoardSpec>, SpecError> {
    let mut all = BUILTIN
        .iter()
        .map(|b| BoardSpec::parse(b.id, b.board_toml, b.pins_csv))
        .collect::<Result<Vec<_>, _>>()?;
    all.sort_by_key(|b| b.list_order);
    Ok(all)
}

/// The board with this ID or alias (case-insensitive).
pub fn find_board(name: &str) -> Result<Option<BoardSpec>, SpecError> {
    let want = name.to_ascii_lowercase();
    Ok(all_boards()?.into_iter().find(|b| {
        b.id.to_ascii_lowercase() == want
            || b.aliases.iter().any(|a| a.to_ascii_lowercase() == want)
    }))
}

/// The board `mpsim` uses when none is named.
pub const DEFAULT_BOARD: &str = "ESP8266_GENERIC";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_board_loads_and_is_consistent() {
        let boards = all_boards().expect("built-in boards parse");
        assert!(!boards.is_empty());
        let mut names = std::collections::BTreeSet::new();
        for b in &boards {
            assert!(
                names.insert(b.id.to_ascii_lowercase()),
                "duplicate id {}",
                b.id
            );
            for a in &b.aliases {
                assert!(names.insert(a.to_ascii_lowercase()), "alias {a} used twice");
            }
            assert!(b.banner().starts_with("MicroPython v"));
            assert!(b.pins.iter().any(|p| p.can("out")));
        }
        assert!(find_board(DEFAULT_BOARD).unwrap().is_some());
    }

    #[test]
    fn esp8266_matches_the_nodemcu() {
        let b = find_board("esp8266").unwrap().unwrap();
        let gpios: Vec<u32> = b.pins.iter().map(|p| p.gpio).collect();
        assert_eq!(gpios, [0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16]);
        assert_eq!(b.names_of(2).collect::<Vec<_>>(), ["D4"]);
        assert_eq!(b.names_of(16).collect::<Vec<_>>(), ["D0"]);
        assert!(b.leds.iter().any(|l| l.pin == 2 && l.active_low));
        assert_eq!(b.machine_string(), "ESP module with ESP8266");
        assert_eq!(b.version_tuple(), (1, 28, 0));
    }

    #[test]
    fn cpu_pin_names_of_each_family() {
        assert_eq!(cpu_gpio("GPIO25"), Some(25));
        assert_eq!(cpu_gpio("PA0"), Some(0));
        assert_eq!(cpu_gpio("PB3"), Some(19));
        assert_eq!(cpu_gpio("PD2"), Some(50));
        assert_eq!(cpu_gpio("P0_02"), Some(2));
        assert_eq!(cpu_gpio("P1_02"), Some(34));
        for bad in ["PA16", "P2_01", "P0_32", "ADC0", "PA", "Reset", "GPIOx"] {
            assert_eq!(cpu_gpio(bad), None, "{bad}");
        }
        let b = find_board("pyboard").unwrap().unwrap();
        assert_eq!(b.names_of(19).collect::<Vec<_>>(), ["X17", "SW"]);
        assert_eq!(b.gpio_name(19), "B3");
        assert_eq!(
            find_board("esp8266").unwrap().unwrap().gpio_name(2),
            "GPIO2"
        );
        assert_eq!(b.machine_string(), "PYBv1.1 with STM32F405RG");
        assert_eq!(b.flash_mount, "/flash");
        assert_eq!(b.leds.len(), 4);
        assert_eq!(b.accelerometer.as_ref().unwrap().range_mg, 1500);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let b = BUILTIN.iter().find(|b| b.id == "ESP8266_GENERIC").unwrap();
        let (dir, toml, csv) = (b.id, b.board_toml, b.pins_csv);
        let bad = format!("{toml}\nbogus = 1\n");
        assert!(matches!(
            BoardSpec::parse(dir, &bad, csv),
            Err(SpecError::Toml { .. })
        ));
        let bad_csv = format!("{csv}\nD9,GPIO9\n");
        assert!(matches!(
            BoardSpec::parse(dir, toml, &bad_csv),
            Err(SpecError::Inconsistent { .. })
        ));
    }
}
