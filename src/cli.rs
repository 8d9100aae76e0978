//! Command-line interface: `mpsim [gui]`, `mpsim run`, `mpsim boards`.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use mpsim_board_models::{
    BoardSpec, DEFAULT_BOARD, TraceFormat, TraceWriter, WiredLed, Wiring, all_boards, find_board,
};
use mpsim_sim_core::{EndReason, FlashSetup, Program, SimCommand, SimConfig, SimEvent, TimeMode};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

/// Exit code: the program finished, `--for` elapsed, or every `--expect` text appeared.
pub const EXIT_OK: i32 = 0;
/// Exit code: an uncaught exception, a `--fail-on` text, or the board crashed.
pub const EXIT_FAIL: i32 = 1;
/// Exit code: bad arguments (unknown board, missing file, malformed duration …).
pub const EXIT_USAGE: i32 = 2;
/// Exit code: `--timeout` passed, or the run ended, before every `--expect` text appeared.
pub const EXIT_TIMEOUT: i32 = 3;

const EXIT_CODES: &str = "\
Exit codes:
  0  the program finished (or --for elapsed, or every --expect text appeared)
  1  an uncaught exception, a --fail-on text appeared, or the simulator itself failed
  2  usage error (bad arguments, unknown board, unreadable script)
  3  --timeout passed, or the run ended, before every --expect text appeared";

#[derive(Parser)]
#[command(
    name = "mpsim",
    version,
    about = "A MicroPython board on your desktop: ESP8266 first, more boards to come.",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    gui: GuiArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Open the board in the desktop window (the default without a subcommand).
    Gui(GuiArgs),
    /// Boot the board headless, console on stdin/stdout: boot.py, then SCRIPT (or -c CODE, or
    /// main.py from the flash) as the main program.
    #[command(after_help = EXIT_CODES)]
    Run(Box<RunArgs>),
    /// List the boards, their IDs and aliases.
    Boards,
    /// Work with the files on a board's flash image without running the board.
    Fs(FsArgs),
    /// Run the board with its serial REPL on a virtual serial port (for mpremote, ampy, picocom …).
    Serve(ServeArgs),
    /// The board's REPL in this terminal, as screen or picocom would show it (Ctrl-] quits).
    Repl(BoardArgs),
    /// A local mip package index: build one from a micropython-lib checkout, or serve one.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Run scenario files (`*.scenario.toml`) in simulated time: CI tests of a project.
    #[command(after_help = TEST_EXIT_CODES)]
    Test(Box<crate::scenario::TestArgs>),
    /// Boards driven step by step over stdin/stdout, one JSON object per line (the pytest
    /// plugin's protocol: docs/drive-protocol.md).
    Drive,
}

const TEST_EXIT_CODES: &str = "Exit codes: 0 every scenario passed, 1 a step failed, \
2 a scenario could not be read or does not fit its boards, 3 a time limit or the wall-clock \
guard passed, 4 the simulator itself failed (the worst of all scenarios counts).";

#[derive(Subcommand)]
enum IndexCommand {
    /// Build an index (micropython-lib's published layout, `py` variant) from the packages
    /// (folders with a manifest.py) under SRC.
    Build {
        /// A micropython-lib checkout, or any folder of packages.
        src: PathBuf,
        /// Where to write the index.
        #[arg(long, short, default_value = "mip-index")]
        out: PathBuf,
    },
    /// Serve an index over HTTP on this machine (for `mpremote mip install --index URL`).
    Serve {
        dir: PathBuf,
        /// The port (0: any free one; the address is printed).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
}

fn index(cmd: IndexCommand) -> Result<i32> {
    match cmd {
        IndexCommand::Build { src, out } => {
            let b = mpsim_host::mipindex::build(&src, &out)?;
            for s in &b.skipped {
                eprintln!("mpsim: skipped {s}");
            }
            println!(
                "{} packages, {} files in {}",
                b.packages,
                b.files,
                out.display()
            );
            Ok(EXIT_OK)
        }
        IndexCommand::Serve { dir, port } => {
            let at = mpsim_host::mipindex::serve(&dir, ([127, 0, 0, 1], port).into())?;
            println!(
                "mpsim: serving the mip index {} at http://{at} (Ctrl-C stops)",
                dir.display()
            );
            loop {
                std::thread::park();
            }
        }
    }
}

/// Which board, and which flash it boots from (shared by `run` and `serve`).
#[derive(Args)]
struct BoardArgs {
    /// Board ID or alias (see `mpsim boards`); default: the project's diagram's board, else the
    /// ESP8266.
    #[arg(long)]
    board: Option<String>,
    /// The flash image (default: the board's own under your data folder, kept between runs).
    #[arg(long, value_name = "PATH", conflicts_with = "fs")]
    flash: Option<PathBuf>,
    /// Wipe the flash first (the board then does its first-boot setup).
    #[arg(long, conflicts_with = "fs")]
    erase: bool,
    /// Boot from a throw-away flash filled from this folder (the board's default files, then the folder's).
    #[arg(long, value_name = "DIR", conflicts_with = "project")]
    fs: Option<PathBuf>,
    /// The circuit: a TOML file (`[[part]]`, `[[wire]]`, `[[led]]`, `[[i2c]]`) or Wokwi's
    /// diagram.json.
    #[arg(long, value_name = "FILE")]
    wiring: Option<PathBuf>,
    /// A Wokwi or mpsim project folder: its diagram.json (or wiring.toml), its files on a
    /// throw-away flash (as --fs), the board its diagram names.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["flash", "erase"])]
    project: Option<PathBuf>,
    /// Give a UART its own virtual serial port (a symlink at PATH), for a host program or a
    /// terminal to play the device on the other end: e.g. 1=/tmp/gps (repeatable).
    #[arg(long = "uart", value_name = "ID=PATH", value_parser = parse_uart_link)]
    uarts: Vec<(u32, PathBuf)>,
    #[command(flatten)]
    net: NetArgs,
}

/// The board's network (boards with Wi-Fi).
#[derive(Args, Clone, Default)]
struct NetArgs {
    /// The access points the board sees: a TOML file of `[[ap]]` tables (ssid, password, rssi,
    /// channel, online, hidden, subnet). Default: ClassroomWiFi/secret, HomeNetwork/micropython,
    /// CoffeeShop (open).
    #[arg(long = "wifi-config", value_name = "PATH")]
    wifi_config: Option<PathBuf>,
    /// What the board's sockets may reach: host (anywhere this machine reaches), loopback (this
    /// machine only), none (nothing; board-side servers stay reachable from this machine).
    #[arg(long = "net", value_name = "POLICY", value_parser = ["host", "loopback", "none"], default_value = "host")]
    net: String,
    /// Where a server on the board listens on this machine: BOARD_PORT=HOST_PORT (0: any free
    /// port; the address is printed). Unlisted ports map to themselves. Repeatable.
    #[arg(long = "map-port", value_name = "BOARD=HOST", value_parser = parse_port_map)]
    map_port: Vec<(u16, u16)>,
    /// The address board-side servers and the WebREPL listen on (default 127.0.0.1: this machine
    /// only; 0.0.0.0 lets other machines in).
    #[arg(long = "listen", value_name = "ADDR")]
    listen: Option<std::net::IpAddr>,
    /// The package index `mip.install` uses by default: a folder built by `mpsim index build`
    /// (served on this machine's loopback for the run; the address is printed) or a URL.
    #[arg(long = "mip-index", value_name = "DIR|URL")]
    mip_index: Option<String>,
}

impl NetArgs {
    fn config(&self) -> Result<mpsim_sim_core::NetConfig> {
        let mut c = mpsim_sim_core::NetConfig::default();
        if let Some(p) = &self.wifi_config {
            c.access_points = mpsim_sim_core::wifi::load_access_points(p)?;
        }
        c.policy = match self.net.as_str() {
            "loopback" => mpsim_sim_core::NetPolicy::Loopback,
            "none" => mpsim_sim_core::NetPolicy::Off,
            _ => mpsim_sim_core::NetPolicy::Host,
        };
        c.port_map = self.map_port.clone();
        if let Some(a) = self.listen {
            c.bind = a;
        }
        if let Some(index) = &self.mip_index {
            c.mip_index = Some(
                if index.starts_with("http://") || index.starts_with("https://") {
                    index.trim_end_matches('/').to_string()
                } else {
                    let dir = PathBuf::from(index);
                    let at = mpsim_host::mipindex::serve(&dir, ([127, 0, 0, 1], 0).into())
                        .with_context(|| "--mip-index".to_string())?;
                    eprintln!(
                        "mpsim: the mip index {} is at http://{at} on this machine",
                        dir.display()
                    );
                    format!("http://{at}")
                },
            );
        }
        Ok(c)
    }
}

/// Parses `BOARD=HOST` port numbers.
pub fn parse_port_map(s: &str) -> Result<(u16, u16), String> {
    let (b, h) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected BOARD_PORT=HOST_PORT, e.g. 8266=18266"))?;
    let port = |p: &str| {
        p.trim()
            .parse::<u16>()
            .map_err(|_| format!("{s:?}: {p:?} is not a port number (0-65535)"))
    };
    let board = port(b)?;
    if board == 0 {
        return Err(format!("{s:?}: the board's port cannot be 0"));
    }
    Ok((board, port(h)?))
}

/// Parses `ID=PATH`.
pub fn parse_uart_link(s: &str) -> Result<(u32, PathBuf), String> {
    let (id, path) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected ID=PATH, e.g. 1=/tmp/mpsim/uart1"))?;
    let id: u32 = id
        .trim()
        .parse()
        .map_err(|_| format!("{s:?}: {id:?} is not a UART number"))?;
    if path.is_empty() {
        return Err(format!("{s:?}: the path is empty"));
    }
    Ok((id, PathBuf::from(path)))
}

/// UARTs with their own virtual serial ports (`--uart`).
struct UartLinks(Vec<(u32, mpsim_host::pty::Pty)>);

impl UartLinks {
    /// Checks the ids against the board and creates the ports.
    fn open(spec: &BoardSpec, links: &[(u32, PathBuf)]) -> Result<Self> {
        let mut ptys = Vec::new();
        for (id, path) in links {
            let Some(u) = spec.uarts.iter().find(|u| u.id == *id) else {
                let ids: Vec<String> = spec.uarts.iter().map(|u| u.id.to_string()).collect();
                bail!(
                    "the {} has no UART {id} (it has {})",
                    spec.mcu,
                    ids.join(" and ")
                );
            };
            if u.console {
                bail!(
                    "UART {id} is the board's console: it is the serial port itself (mpsim serve --tty PATH)"
                );
            }
            let pty = mpsim_host::pty::Pty::open(path)?;
            ptys.push((*id, pty));
        }
        Ok(UartLinks(ptys))
    }

    /// Starts feeding what the host sends into the board.
    fn start(&mut self, to: &mpsim_host::BoardSender) -> Result<()> {
        for (id, pty) in &mut self.0 {
            let id = *id;
            pty.spawn_reader_with(to.clone(), move |bytes| SimCommand::UartIn { id, bytes })?;
            eprintln!("UART{id}: {}", pty.link().display());
        }
        Ok(())
    }

    /// What UART `id` transmitted goes to its port (nowhere without one).
    fn write(&mut self, id: u32, bytes: &[u8]) {
        if let Some((_, pty)) = self.0.iter_mut().find(|(i, _)| *i == id) {
            pty.write(bytes);
        }
    }
}

/// A board ready to run: its data, its flash, the throw-away image's folder (kept as long as
/// the run), its circuit.
struct Prepared {
    spec: BoardSpec,
    flash: FlashSetup,
    _tmp: Option<tempfile::TempDir>,
    leds: Vec<WiredLed>,
    circuit: mpsim_board_models::CircuitSpec,
    net: mpsim_sim_core::NetConfig,
}

impl Prepared {
    /// The board as it sits on a serial line (`serve`, `repl`), and the folder its throw-away
    /// image lives in (keep it for the run).
    fn console(self) -> (SimConfig, Option<tempfile::TempDir>) {
        let config = SimConfig {
            net: self.net,
            extra_leds: self.leds,
            circuit: self.circuit,
            ..console_board(self.spec, self.flash)
        };
        (config, self._tmp)
    }
}

impl BoardArgs {
    /// The board, its flash and its circuit, checked.
    fn prepare(&self) -> Result<Prepared> {
        let project =
            crate::project::Project::load(self.wiring.as_deref(), self.project.as_deref())?;
        let id = self
            .board
            .as_deref()
            .or(project.board())
            .unwrap_or(DEFAULT_BOARD);
        let spec = board(id)?;
        project.check(&spec)?;
        let folder = self.fs.as_ref().or(project.files.as_ref());
        let (tmp, image) = match folder {
            Some(dir) => {
                let (tmp, path) = crate::flash::image_from_folder(&spec, dir)?;
                (Some(tmp), Some(path))
            }
            None => (None, self.flash.clone()),
        };
        let flash = mount(&spec, image.as_deref(), self.erase)?;
        let (leds, circuit) = project.circuit(&spec);
        let net = project.network(self.net.config()?);
        Ok(Prepared {
            spec,
            flash,
            _tmp: tmp,
            leds,
            circuit,
            net,
        })
    }
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    board: BoardArgs,
    /// Where the serial port appears (a symlink to the pty; removed on exit).
    #[arg(long, value_name = "PATH")]
    tty: Option<PathBuf>,
    /// Also serve the console over TCP, as RFC 2217 (`rfc2217://HOST:PORT` for mpremote, esptool,
    /// pyserial; it carries DTR/RTS) and raw TCP (`socket://HOST:PORT`, PuTTY's raw mode), told
    /// apart by the client's first byte. `PORT` alone listens on 127.0.0.1 (0: any free port).
    #[arg(long, value_name = "[ADDR:]PORT", value_parser = parse_listen)]
    tcp: Option<std::net::SocketAddr>,
}

/// `PORT` (on 127.0.0.1) or `ADDR:PORT`.
fn parse_listen(s: &str) -> std::result::Result<std::net::SocketAddr, String> {
    if let Ok(port) = s.parse::<u16>() {
        return Ok(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    }
    use std::net::ToSocketAddrs;
    s.to_socket_addrs()
        .map_err(|e| format!("{s}: {e} (give PORT or ADDR:PORT)"))?
        .next()
        .ok_or_else(|| format!("{s}: no address"))
}

#[derive(Args)]
struct FsArgs {
    /// Board ID or alias (whose default image to use).
    #[arg(long, default_value = DEFAULT_BOARD)]
    board: String,
    /// The flash image (default: the board's own under your data folder).
    #[arg(long, value_name = "PATH")]
    flash: Option<PathBuf>,
    #[command(subcommand)]
    command: crate::flash::FsCommand,
}

#[derive(Args, Clone)]
struct GuiArgs {
    /// Board ID or alias (see `mpsim boards`).
    #[arg(long, global = false)]
    board: Option<String>,
    /// Also serve the console over TCP (RFC 2217 and raw), as `mpsim serve --tcp` does; the
    /// window shows the address.
    #[arg(long, value_name = "[ADDR:]PORT", value_parser = parse_listen)]
    tcp: Option<std::net::SocketAddr>,
    /// The flash image (default: the board's own under your data folder, kept between runs).
    #[arg(long, value_name = "PATH")]
    flash: Option<PathBuf>,
    /// Wipe the flash first (the board then does its first-boot setup).
    #[arg(long)]
    erase: bool,
    /// The circuit: a TOML file (`[[part]]`, `[[wire]]`, `[[led]]`, `[[i2c]]`) or Wokwi's
    /// diagram.json.
    #[arg(long, value_name = "FILE")]
    wiring: Option<PathBuf>,
    /// A Wokwi or mpsim project folder: its diagram, its files on a throw-away flash, its board.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["flash", "erase"])]
    project: Option<PathBuf>,
    #[command(flatten)]
    net: NetArgs,
}

#[derive(Args)]
struct RunArgs {
    /// The script to run as main.py.
    #[arg(conflicts_with = "code")]
    script: Option<PathBuf>,
    /// Run this code instead of a script (source name `<stdin>`).
    #[arg(short = 'c', long = "code", value_name = "CODE")]
    code: Option<String>,
    #[command(flatten)]
    board: BoardArgs,
    /// Stop after this much simulated time (e.g. 60s, 500ms, 2m); the board keeps running its timers
    /// after the program returns until then.
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration, allow_hyphen_values = true)]
    run_for: Option<Duration>,
    /// Give up after this much simulated or wall time, whichever comes first (exit code 3).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, allow_hyphen_values = true)]
    timeout: Option<Duration>,
    /// Sleeps and timers take no wall time; the order of events stays exact and runs repeat byte for byte.
    #[arg(long)]
    virtual_time: bool,
    /// Stop with exit code 0 once this text has appeared (repeatable: all must appear).
    #[arg(long, value_name = "TEXT")]
    expect: Vec<String>,
    /// Stop with exit code 1 when this text appears (repeatable).
    #[arg(long, value_name = "TEXT")]
    fail_on: Vec<String>,
    /// Write every pin and LED change to FILE (.vcd for GTKWave/PulseView, .jsonl for JSON lines).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Wire an LED (through a resistor, to GND) to this GPIO (repeatable).
    #[arg(long = "led", value_name = "PIN")]
    leds: Vec<u32>,
    /// Set a control of a part of the circuit at a simulated time: PART.CONTROL=VALUE[@TIME],
    /// e.g. dht1.temperature=30.5@2s, btn1.pressed=1@1s, sonar.distance=25 (repeatable).
    #[arg(long = "control", value_name = "PART.CONTROL=VALUE@TIME", value_parser = crate::project::parse_control)]
    control: Vec<(Duration, SimCommand)>,
    /// The outside world drives a pin at a simulated time: PIN=0|1|z@TIME, e.g. 0=0@1s presses the
    /// FLASH button (GPIO0 to GND) one second after boot; z lets go (repeatable).
    #[arg(long = "pin", value_name = "PIN=LEVEL@TIME", value_parser = parse_pin_stimulus)]
    pin_stimuli: Vec<(Duration, SimCommand)>,
    /// The outside world applies a fraction of full scale (0.0 to 1.0) to an ADC channel at a
    /// simulated time: CH=VALUE@TIME, e.g. 0=0.5@0 (repeatable).
    #[arg(long = "adc", value_name = "CH=VALUE@TIME", value_parser = parse_adc_stimulus)]
    adc_stimuli: Vec<(Duration, SimCommand)>,
    /// What the board's accelerometer feels from a simulated time on: X,Y,Z in milli-g (the
    /// board at rest, face up, is 0,0,-1000), e.g. --accel 0,-700,-700@2s tilts it (repeatable).
    #[arg(long = "accel", value_name = "X,Y,Z@TIME", value_parser = parse_accel_stimulus, allow_hyphen_values = true)]
    accel_stimuli: Vec<(Duration, SimCommand)>,
    /// Heap size of the board (e.g. 38k, 1M); default: the board's own.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    heap: Option<u64>,
    /// Pass the board's output through unchanged (`\r\n` line ends, as on the serial line).
    #[arg(long)]
    raw_output: bool,
    /// Arguments after `--` become sys.argv[1:].
    #[arg(last = true)]
    args: Vec<String>,
}

/// A duration's number and its unit (`1.5` and `ms` of `1.5ms`).
pub fn number_and_unit(s: &str) -> Option<(f64, &str)> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    Some((num.parse().ok()?, unit.trim()))
}

/// Parses `500ms`, `60s`, `2m`, `1h`, `10us`: a number with its unit (a bare number is refused,
/// as Wokwi refuses it: `--for 5` could mean seconds or milliseconds), or `0`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s.starts_with('-') {
        return Err(format!("{s:?}: a duration cannot be negative"));
    }
    let (v, unit) = number_and_unit(s)
        .ok_or_else(|| format!("{s:?} is not a duration (try 500ms, 60s, 2m)"))?;
    if unit.is_empty() && v != 0.0 {
        return Err(format!(
            "{s:?} has no unit: write {s}s, {s}ms or {s}us (units: us, ms, s, m, h)"
        ));
    }
    let scale = match unit {
        "" | "s" => 1.0,
        "ms" => 1e-3,
        "us" | "µs" => 1e-6,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {s:?} (use us, ms, s, m or h)"
            ));
        }
    };
    let secs = v * scale;
    if !secs.is_finite() || !(0.0..=1e9).contains(&secs) {
        return Err(format!("{s:?} is out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn split_stimulus(s: &str) -> Result<(&str, &str, Duration), String> {
    let (lhs, at) = s
        .split_once('@')
        .ok_or_else(|| format!("{s:?}: expected WHAT=VALUE@TIME, e.g. 0=1@500ms"))?;
    let (what, value) = lhs
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected WHAT=VALUE@TIME, e.g. 0=1@500ms"))?;
    Ok((what.trim(), value.trim(), parse_duration(at)?))
}

/// Parses `PIN=0|1|z@TIME`.
pub fn parse_pin_stimulus(s: &str) -> Result<(Duration, SimCommand), String> {
    let (pin, level, at) = split_stimulus(s)?;
    let gpio: u32 = pin
        .parse()
        .map_err(|_| format!("{s:?}: {pin:?} is not a GPIO number"))?;
    let level = match level {
        "0" | "low" => Some(false),
        "1" | "high" => Some(true),
        "z" | "Z" | "float" => None,
        other => return Err(format!("{s:?}: level {other:?} must be 0, 1 or z")),
    };
    Ok((at, SimCommand::SetPin { gpio, level }))
}

/// Parses `CH=VALUE@TIME` with VALUE a fraction of full scale.
pub fn parse_adc_stimulus(s: &str) -> Result<(Duration, SimCommand), String> {
    let (ch, value, at) = split_stimulus(s)?;
    let channel: i64 = ch
        .parse()
        .map_err(|_| format!("{s:?}: {ch:?} is not an ADC channel"))?;
    let value: f64 = value
        .parse()
        .ok()
        .filter(|v: &f64| (0.0..=1.0).contains(v))
        .ok_or_else(|| format!("{s:?}: {value:?} must be a fraction between 0.0 and 1.0"))?;
    Ok((at, SimCommand::SetAdc { channel, value }))
}

/// Parses `X,Y,Z@TIME` (milli-g).
pub fn parse_accel_stimulus(s: &str) -> Result<(Duration, SimCommand), String> {
    let (xyz, at) = s
        .split_once('@')
        .ok_or_else(|| format!("{s:?}: expected X,Y,Z@TIME in milli-g, e.g. 0,0,-1000@1s"))?;
    let v: Vec<f64> = xyz
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("{s:?}: {xyz:?} is not three numbers X,Y,Z"))?;
    let [x, y, z] = v[..] else {
        return Err(format!("{s:?}: {xyz:?} is not three numbers X,Y,Z"));
    };
    if ![x, y, z]
        .iter()
        .all(|v| v.is_finite() && v.abs() <= 100_000.0)
    {
        return Err(format!("{s:?}: milli-g values must be within ±100000"));
    }
    Ok((parse_duration(at)?, SimCommand::SetAccel { mg: [x, y, z] }))
}

/// Parses `38912`, `38k`, `1M` (binary multiples).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mul) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1024),
        Some('m' | 'M') => (&t[..t.len() - 1], 1024 * 1024),
        _ => (t, 1),
    };
    let v: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (try 38k or 1M)"))?;
    let v = v
        .checked_mul(mul)
        .ok_or_else(|| format!("{s:?} is too big"))?;
    if !(4096..=(1 << 30)).contains(&v) {
        return Err(format!("heap size {s} must be between 4k and 1024M"));
    }
    Ok(v)
}

pub(crate) fn board(name: &str) -> Result<BoardSpec> {
    match find_board(name)? {
        Some(b) => Ok(b),
        None => {
            let known: Vec<String> = all_boards()?
                .iter()
                .flat_map(|b| std::iter::once(b.id.clone()).chain(b.aliases.iter().cloned()))
                .collect();
            bail!("unknown board {name:?}; known boards: {}", known.join(", "))
        }
    }
}

/// Runs the CLI; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    if matches!(
        cli.command,
        None | Some(
            Command::Run(_)
                | Command::Serve(_)
                | Command::Repl(_)
                | Command::Gui(_)
                | Command::Test(_)
                | Command::Drive
        )
    ) {
        // Every board's interpreter is the same: build it while the arguments are checked.
        mpsim_host::prewarm();
    }
    let result = match cli.command {
        Some(Command::Boards) => boards(),
        Some(Command::Fs(f)) => fs(f),
        Some(Command::Index(c)) => index(c),
        Some(Command::Serve(a)) => serve(a),
        Some(Command::Repl(a)) => repl(a),
        Some(Command::Run(args)) => run(*args),
        Some(Command::Gui(g)) => gui(g),
        Some(Command::Test(t)) => crate::scenario::main(*t),
        Some(Command::Drive) => crate::scenario::drive(),
        None => gui(cli.gui),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mpsim: {e:#}");
            EXIT_USAGE
        }
    }
}

fn fs(args: FsArgs) -> Result<i32> {
    let spec = board(&args.board)?;
    let image = match args.flash {
        Some(p) => p,
        None => crate::flash::default_image(&spec)?,
    };
    crate::flash::fs_command(&spec, &image, args.command)
}

/// Checks (creating, or with `erase` wiping) the image a board run uses; the board mounts it.
pub(crate) fn mount(
    spec: &BoardSpec,
    path: Option<&std::path::Path>,
    erase: bool,
) -> Result<FlashSetup> {
    Ok(mount_looking(spec, path, erase, |_| ())?.0)
}

/// [`mount`], and what `look` finds on the image while it is open.
fn mount_looking<T>(
    spec: &BoardSpec,
    path: Option<&std::path::Path>,
    erase: bool,
    look: impl FnOnce(&mpsim_vfs::Flash) -> T,
) -> Result<(FlashSetup, T)> {
    let path = match path {
        Some(p) => p.to_owned(),
        None => crate::flash::default_image(spec)?,
    };
    let (flash, first_boot) = crate::flash::open(spec, &path, erase)?;
    let found = look(&flash);
    flash.close()?;
    Ok((FlashSetup { path, first_boot }, found))
}

/// A board as it sits on a serial line: real time, boot.py then main.py, then its REPL.
fn console_board(board: BoardSpec, flash: FlashSetup) -> SimConfig {
    SimConfig::console_board(board, flash)
}

/// Exit code of `serve`/`repl`: stopping them is their normal end.
fn console_exit(outcome: mpsim_sim_core::RunOutcome) -> i32 {
    match outcome.reason {
        EndReason::Crashed(msg) => {
            eprintln!("mpsim: the simulator failed (a bug in mpsim): {msg}");
            EXIT_FAIL
        }
        EndReason::BoardDied(msg) => {
            eprintln!("mpsim: the board process died: {msg}");
            EXIT_FAIL
        }
        _ => EXIT_OK,
    }
}

fn serve(args: ServeArgs) -> Result<i32> {
    let (config, _tmp) = args.board.prepare()?.console();
    let spec = config.board.clone();
    let short = spec.mcu.replace(' ', "");
    let link = args.tty.clone().unwrap_or_else(|| {
        std::env::temp_dir()
            .join("mpsim")
            .join(format!("tty{short}"))
    });
    if let Some(t) = &args.tty
        && let Some(dir) = t.parent()
        && !dir.as_os_str().is_empty()
        && !dir.is_dir()
    {
        bail!(
            "--tty {}: the folder {} does not exist (mpsim makes the link, not its folders)",
            t.display(),
            dir.display()
        );
    }
    let mut pty = mpsim_host::pty::Pty::open(&link)?;
    let mut links = UartLinks::open(&spec, &args.board.uarts)?;
    let handle = mpsim_host::spawn(config).context("cannot start the board")?;
    pty.spawn_reader(handle.sender())?;
    links.start(&handle.sender())?;
    let tcp = match args.tcp {
        Some(addr) => Some(
            mpsim_host::tcpserial::TcpSerial::start(addr, handle.sender())
                .with_context(|| format!("cannot listen on {addr}"))?,
        ),
        None => None,
    };
    let stopper = handle.sender();
    let _ = ctrlc::set_handler(move || {
        stopper.send(SimCommand::Stop);
    });
    // Whoever started us may stop reading after the first line: that is no reason to stop.
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "serial port: {}", pty.link().display());
    // mpremote polls in 10 ms steps on any name but /dev/pts/N, and blocks on that one: about ten
    // times faster per command.
    let _ = writeln!(
        stdout,
        "  (also {} for this run; mpremote is faster with that name)",
        pty.device()
    );
    if let Some(t) = &tcp {
        let _ = writeln!(
            stdout,
            "serial over TCP: rfc2217://{0} (RFC 2217) or socket://{0} (raw)",
            t.addr()
        );
    }
    let _ = stdout.flush();
    let outcome = loop {
        match handle.events.recv() {
            Ok(SimEvent::Output(bytes)) => {
                pty.write(&bytes);
                if let Some(t) = &tcp {
                    t.write(&bytes);
                }
            }
            Ok(SimEvent::UartOut { id, bytes }) => links.write(id, &bytes),
            // Only a board wired to another speaks of its links (src/multi.rs).
            Ok(SimEvent::Finished(o)) => break o,
            // A board's links to other boards (pins, lockstep, I2C): src/multi.rs's, none here.
            Ok(_) => {}
            Err(_) => bail!("the board stopped without saying why"),
        }
    };
    handle.join();
    drop(pty);
    Ok(console_exit(outcome))
}

/// Ctrl-]: leaves `mpsim repl`, as in telnet and picocom-like tools.
const QUIT_KEY: u8 = 0x1d;

fn repl(args: BoardArgs) -> Result<i32> {
    let (config, _tmp) = args.prepare()?.console();
    let mut links = UartLinks::open(&config.board, &args.uarts)?;
    let handle = mpsim_host::spawn(config).context("cannot start the board")?;
    links.start(&handle.sender())?;
    let raw = mpsim_host::pty::RawTerminal::enable();
    if raw.is_some() {
        eprint!("mpsim: the board's REPL; Ctrl-] quits\r\n");
    }
    let sender = handle.sender();
    std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            let mut buf = [0u8; 1024];
            let mut stdin = std::io::stdin().lock();
            while let Ok(n) = stdin.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let bytes = &buf[..n];
                if let Some(i) = bytes.iter().position(|&b| b == QUIT_KEY) {
                    sender.send(SimCommand::SerialIn(bytes[..i].to_vec()));
                    sender.send(SimCommand::Stop);
                    break;
                }
                if !sender.send(SimCommand::SerialIn(bytes.to_vec())) {
                    break;
                }
            }
        })
        .context("cannot start the stdin thread")?;
    let stopper = handle.sender();
    let _ = ctrlc::set_handler(move || {
        stopper.send(SimCommand::Stop);
    });
    let mut out = std::io::stdout().lock();
    let outcome = loop {
        match handle.events.recv() {
            Ok(SimEvent::Output(bytes)) => {
                let _ = out.write_all(&bytes).and_then(|()| out.flush());
            }
            Ok(SimEvent::UartOut { id, bytes }) => links.write(id, &bytes),
            // Only a board wired to another speaks of its links (src/multi.rs).
            Ok(SimEvent::Finished(o)) => break o,
            // A board's links to other boards (pins, lockstep, I2C): src/multi.rs's, none here.
            Ok(_) => {}
            Err(_) => bail!("the board stopped without saying why"),
        }
    };
    drop(raw);
    handle.join();
    let _ = out.write_all(b"\n");
    Ok(console_exit(outcome))
}

fn boards() -> Result<i32> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{:<18} {:<28} DESCRIPTION", "ID", "ALIASES")?;
    for b in all_boards()? {
        let default = if b.id == DEFAULT_BOARD {
            " (default)"
        } else {
            ""
        };
        writeln!(
            out,
            "{:<18} {:<28} {}{default}",
            b.id,
            b.aliases.join(", "),
            b.description
        )?;
    }
    Ok(EXIT_OK)
}

/// The example the simulator runs when started without a script.
const DEFAULT_EXAMPLE: &str = include_str!("../examples/esp8266/blink.py");

/// The example a board without main.py runs in the window: its own blink.
fn default_example(spec: &BoardSpec) -> &'static str {
    use mpsim_board_models::Platform;
    match spec.platform {
        Platform::Rp2 => include_str!("../examples/pico/blink.py"),
        Platform::Esp32 => include_str!("../examples/esp32/blink.py"),
        Platform::Pyboard => include_str!("../examples/pyboard/blink.py"),
        Platform::Microbit => include_str!("../examples/microbit/hello.py"),
        Platform::Esp8266 => DEFAULT_EXAMPLE,
    }
}

fn gui(args: GuiArgs) -> Result<i32> {
    // The wiring applies in the window and in the terminal alike.
    let project = crate::project::Project::load(args.wiring.as_deref(), args.project.as_deref())?;
    let board_id = args
        .board
        .clone()
        .or_else(|| project.board().map(str::to_owned));
    // A project's files go on a throw-away flash image, made once for the window's life.
    let mut tmp = None;
    let mut flash_path = args.flash.clone();
    if let Some(dir) = &project.files {
        let spec = board(board_id.as_deref().unwrap_or(DEFAULT_BOARD))?;
        let (t, path) = crate::flash::image_from_folder(&spec, dir)?;
        tmp = Some(t);
        flash_path = Some(path);
    }
    let _tmp = tmp;
    let has_project = project.files.is_some();
    if let Some(why) = mpsim_gui::unavailable_reason() {
        let spec = board(board_id.as_deref().unwrap_or(DEFAULT_BOARD))?;
        project.check(&spec)?;
        let flash = mount(&spec, flash_path.as_deref(), args.erase)?;
        eprintln!(
            "mpsim: {why}; running {} in this terminal{}. Ctrl-C stops.",
            spec.id,
            if has_project {
                ""
            } else {
                " with its blink example"
            }
        );
        let net = project.network(args.net.config()?);
        return gui_in_terminal(spec, flash, net, &project);
    }
    // Check what was asked for before opening a window.
    if let Some(b) = &board_id {
        project.check(&board(b)?)?;
    }
    let mut erase = args.erase;
    let net = project.network(args.net.config()?);
    let window_project = project.clone();
    let prepare: mpsim_gui::Prepare = Box::new(move |id, flash| {
        let spec = board(id).map_err(|e| format!("{e:#}"))?;
        let (flash, has_main) =
            mount_looking(&spec, flash.as_deref(), std::mem::take(&mut erase), |f| {
                f.stat("/main.py").is_ok()
            })
            .map_err(|e| format!("{e:#}"))?;
        let short = spec.mcu.replace(' ', "");
        let tty = std::env::temp_dir()
            .join("mpsim")
            .join(format!("tty{short}"));
        // A board whose flash has no main.py runs the introduction's example instead.
        let program = (!has_main).then(|| Program {
            name: "main.py".into(),
            source: default_example(&spec).into(),
        });
        let mut extra_leds = Wiring::introduction(&spec);
        let (leds, circuit) = window_project.circuit(&spec);
        extra_leds.extend(leds);
        Ok(mpsim_gui::BoardSetup {
            spec,
            flash,
            program,
            extra_leds,
            circuit,
            tty: Some(tty),
            tcp: args.tcp,
            net: net.clone(),
        })
    });
    // Ctrl-C in the terminal that started us, or SIGTERM: close the window as its button would.
    // Before the window is up (or when it could not open) there is nothing to close: leave.
    let _ = ctrlc::set_handler(|| {
        if !mpsim_gui::request_quit() {
            std::process::exit(130);
        }
    });
    let opts = mpsim_gui::WindowOptions {
        board: board_id.clone(),
        flash: flash_path.clone(),
        prepare,
    };
    match mpsim_gui::run(opts) {
        Ok(()) => Ok(EXIT_OK),
        Err(e) => {
            let spec = board(board_id.as_deref().unwrap_or(DEFAULT_BOARD))?;
            let flash = mount(&spec, flash_path.as_deref(), false)?;
            eprintln!(
                "mpsim: cannot open the window ({e}); running {} in this terminal instead. Ctrl-C stops.",
                spec.id
            );
            let net = project.network(args.net.config()?);
            gui_in_terminal(spec, flash, net, &project)
        }
    }
}

/// No window: the board as on a serial line, running the example instead of main.py (a
/// project's own main.py) and with the introduction's LED on GPIO15; its console is this
/// terminal.
fn gui_in_terminal(
    spec: BoardSpec,
    flash: FlashSetup,
    net: mpsim_sim_core::NetConfig,
    project: &crate::project::Project,
) -> Result<i32> {
    let mut extra_leds = Wiring::introduction(&spec);
    let (leds, circuit) = project.circuit(&spec);
    extra_leds.extend(leds);
    let program = project.files.is_none().then(|| Program {
        name: "main.py".into(),
        source: default_example(&spec).into(),
    });
    let config = SimConfig {
        program,
        extra_leds,
        circuit,
        repl: false,
        net,
        ..console_board(spec, flash)
    };
    drive(config, false, UartLinks(Vec::new()))
}

fn run(args: RunArgs) -> Result<i32> {
    // A circuit of several boards: each its own board process, linked here.
    if let Some(file) = args.board.wiring.as_deref() {
        let project = crate::project::Project::load(Some(file), None)?;
        if let crate::project::Source::Toml(w) = &project.source
            && !w.board.is_empty()
        {
            if args.script.is_some() || args.code.is_some() {
                bail!(
                    "{}: a circuit of several boards runs each board's own main (its `main`)",
                    file.display()
                );
            }
            return crate::multi::run(
                w,
                file,
                args.run_for,
                args.timeout,
                &args.control,
                args.virtual_time,
            );
        }
    }
    let program = match (&args.script, &args.code) {
        (_, Some(code)) => Some(Program {
            name: "<stdin>".into(),
            source: code.clone(),
        }),
        (Some(path), None) => {
            // A script is main.py on the board's flash: one bigger than any board's filesystem
            // (/dev/zero, a log file given by mistake) is refused before it is read whole.
            const SCRIPT_MAX: u64 = 4 << 20;
            let mut bytes = Vec::new();
            std::fs::File::open(path)
                .and_then(|f| f.take(SCRIPT_MAX + 1).read_to_end(&mut bytes))
                .with_context(|| format!("cannot read script {}", path.display()))?;
            if bytes.len() as u64 > SCRIPT_MAX {
                bail!(
                    "script {} is larger than 4 MiB, more than any board's flash holds",
                    path.display()
                );
            }
            let source = String::from_utf8(bytes).with_context(|| {
                format!("cannot read script {}: not UTF-8 text", path.display())
            })?;
            Some(Program {
                name: "main.py".into(),
                source,
            })
        }
        (None, None) => None,
    };
    // `_tmp` is kept alive until the run ends: the throw-away image of --fs lives in it.
    let Prepared {
        spec,
        flash,
        _tmp,
        leds: wired_leds,
        circuit,
        net,
    } = args.board.prepare()?;
    let links = UartLinks::open(&spec, &args.board.uarts)?;
    let mut leds: Vec<WiredLed> = args
        .leds
        .iter()
        .map(|&pin| WiredLed {
            pin,
            name: None,
            active_low: false,
        })
        .collect();
    leds.extend(wired_leds);
    crate::project::check_controls(&circuit, &args.control)?;
    for led in &leds {
        if spec.pin(led.pin).is_none() {
            let pins: Vec<String> = spec.pins.iter().map(|p| p.gpio.to_string()).collect();
            bail!(
                "LED on GPIO{}: {} has no such pin (its GPIOs: {})",
                led.pin,
                spec.id,
                pins.join(", ")
            );
        }
    }
    let trace_error = std::sync::Arc::new(std::sync::Mutex::new(None));
    let trace: Option<Box<dyn mpsim_board_models::ChangeSink + Send>> = match &args.trace {
        None => None,
        Some(path) => {
            let format = TraceFormat::from_path(path).with_context(|| {
                format!("--trace {}: name the file .vcd or .jsonl", path.display())
            })?;
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create trace file {}", path.display()))?;
            Some(Box::new(TraceWriter::new(
                std::io::BufWriter::new(file),
                format,
                trace_error.clone(),
            )))
        }
    };
    if !args.accel_stimuli.is_empty() && spec.accelerometer.is_none() {
        bail!("--accel: {} has no accelerometer", spec.id);
    }
    for (_, cmd) in args.pin_stimuli.iter().chain(&args.adc_stimuli) {
        match cmd {
            SimCommand::SetPin { gpio, .. } if spec.pin(*gpio).is_none() => {
                bail!("--pin {gpio}: {} has no GPIO{gpio}", spec.id)
            }
            SimCommand::SetAdc { channel, .. } if !spec.adc.channels.contains(channel) => {
                bail!("--adc {channel}: {} has no ADC channel {channel}", spec.id)
            }
            _ => {}
        }
    }
    let stimuli: Vec<(Duration, SimCommand)> = args
        .pin_stimuli
        .iter()
        .chain(&args.adc_stimuli)
        .chain(&args.accel_stimuli)
        .chain(&args.control)
        .cloned()
        .collect();
    let mut argv = vec![match &args.script {
        Some(p) => p.display().to_string(),
        None => String::new(),
    }];
    argv.extend(args.args.iter().cloned());
    let config = SimConfig {
        board: spec,
        time_mode: if args.virtual_time {
            TimeMode::Virtual
        } else {
            TimeMode::Real
        },
        program,
        flash: Some(flash),
        extra_leds: leds,
        circuit,
        heap_size: args.heap,
        run_for: args.run_for,
        timeout: args.timeout,
        expect: args.expect.clone(),
        fail_on: args.fail_on.clone(),
        judge_output: false,
        trace,
        argv,
        stimuli,
        repl: false,
        live: None,
        net,
        export_pins: Vec::new(),
        lockstep: false,
    };
    let code = drive(config, args.raw_output, links)?;
    if let Ok(slot) = trace_error.lock()
        && let Some(e) = slot.as_ref()
    {
        eprintln!("mpsim: writing the trace failed: {e}");
        return Ok(EXIT_FAIL);
    }
    Ok(code)
}

/// Runs a board with the console on this process's stdin/stdout until it ends; returns the exit code.
fn drive(config: SimConfig, raw_output: bool, mut links: UartLinks) -> Result<i32> {
    let handle = mpsim_host::spawn(config).context("cannot start the board")?;
    let sender = handle.sender();
    links.start(&sender)?;
    let interrupts = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    {
        let sender = sender.clone();
        let interrupts = interrupts.clone();
        // First Ctrl-C: KeyboardInterrupt on the board. A second one while it still runs: leave.
        let _ = ctrlc::set_handler(move || {
            if interrupts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= 1 {
                eprintln!("\nmpsim: interrupted twice, leaving");
                std::process::exit(130);
            }
            if !sender.send(SimCommand::Interrupt) {
                std::process::exit(130);
            }
        });
    }
    {
        let sender = sender.clone();
        std::thread::Builder::new()
            .name("stdin".into())
            .spawn(move || {
                let mut buf = [0u8; 4096];
                let mut stdin = std::io::stdin().lock();
                while let Ok(n) = stdin.read(&mut buf) {
                    if n == 0 || !sender.send(SimCommand::SerialIn(buf[..n].to_vec())) {
                        break;
                    }
                }
            })
            .context("cannot start the stdin thread")?;
    }
    let mut out = std::io::stdout().lock();
    let mut pending_cr = false;
    let outcome = loop {
        match handle.events.recv() {
            Ok(SimEvent::Output(bytes)) => {
                let r = if raw_output {
                    out.write_all(&bytes)
                } else {
                    out.write_all(&uncook(&bytes, &mut pending_cr))
                };
                if r.and_then(|()| out.flush()).is_err() {
                    // Nobody reads our stdout any more: stop the board.
                    handle.send(SimCommand::Stop);
                }
            }
            Ok(SimEvent::UartOut { id, bytes }) => links.write(id, &bytes),
            // Only a board wired to another speaks of its links (src/multi.rs).
            Ok(SimEvent::Finished(o)) => break o,
            // A board's links to other boards (pins, lockstep, I2C): src/multi.rs's, none here.
            Ok(_) => {}
            Err(_) => bail!("the board stopped without saying why"),
        }
    };
    if pending_cr {
        let _ = out.write_all(b"\r");
    }
    let _ = out.flush();
    drop(out);
    // The board closed its flash before it ended its run: its process may finish going alone.
    handle.detach();
    Ok(match outcome.reason {
        EndReason::Finished | EndReason::Stopped => {
            if outcome.missing.is_empty() {
                EXIT_OK
            } else {
                eprintln!(
                    "mpsim: the program ended before the expected output appeared: {}",
                    quote_all(&outcome.missing)
                );
                EXIT_TIMEOUT
            }
        }
        EndReason::Expected => EXIT_OK,
        EndReason::ForElapsed => {
            if outcome.missing.is_empty() {
                EXIT_OK
            } else {
                eprintln!(
                    "mpsim: --for elapsed before the expected output appeared: {}",
                    quote_all(&outcome.missing)
                );
                EXIT_TIMEOUT
            }
        }
        EndReason::Exception => EXIT_FAIL,
        EndReason::FailOn(text) => {
            eprintln!("mpsim: failing text appeared: {text:?}");
            EXIT_FAIL
        }
        EndReason::Timeout => {
            eprintln!(
                "mpsim: timeout after {:.3} s of simulated time{}",
                outcome.sim_time_us as f64 / 1e6,
                if outcome.missing.is_empty() {
                    String::new()
                } else {
                    format!("; still expected: {}", quote_all(&outcome.missing))
                }
            );
            EXIT_TIMEOUT
        }
        EndReason::Crashed(msg) => {
            eprintln!("mpsim: the simulator failed (a bug in mpsim, not in your script): {msg}");
            EXIT_FAIL
        }
        EndReason::BoardDied(msg) => {
            eprintln!("mpsim: the board process died: {msg}");
            EXIT_FAIL
        }
    })
}

fn quote_all(v: &[String]) -> String {
    v.iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The board sends `\r\n`; a terminal or a file wants `\n`. A `\r` split from its `\n` across two
/// chunks is held back until the next chunk shows what follows it.
fn uncook(bytes: &[u8], pending_cr: &mut bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 1);
    for &b in bytes {
        if *pending_cr {
            *pending_cr = false;
            if b != b'\n' {
                out.push(b'\r');
            }
        }
        if b == b'\r' {
            *pending_cr = true;
        } else {
            out.push(b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s").unwrap(), Duration::from_secs(60));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        // A bare number could mean seconds or milliseconds: refused, as Wokwi refuses it.
        assert!(parse_duration("5").unwrap_err().contains("no unit"));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("-1s").unwrap_err().contains("negative"));
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("38k").unwrap(), 38 * 1024);
        assert_eq!(parse_size("1M").unwrap(), 1 << 20);
        assert!(parse_size("12").is_err());
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn uncook_joins_split_crlf() {
        let mut p = false;
        let mut o = uncook(b"a\r", &mut p);
        o.extend(uncook(b"\nb\rc", &mut p));
        assert_eq!(o, b"a\nb\rc");
    }
}
