//! Types the board shares with its front ends (and the board-process protocol, `wire.rs`).
//! Above only the data modules `clock` and `wifi`: every other module may use it.

use crate::clock::TimeMode;
use crossbeam_channel::Sender;
use mpsim_board_models::{BoardSpec, ChangeSink};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// What the WebREPL server needs to know about the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebReplSetup {
    /// The password `webrepl.start()` was given (or `webrepl_cfg.PASS`).
    pub password: String,
    /// `GET_VER`'s answer: MicroPython's version.
    pub version: (u8, u8, u8),
    /// The largest file a PUT may bring (the flash's size).
    pub max_file: u64,
    /// The board's id (the page shows it).
    pub board: String,
}

/// The board asks its front end for its WebREPL server: the listener lives on the front end's
/// side of the process boundary, next to the serial port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WebReplRequest {
    /// Listen on this host address (the host side of the board's port), replacing a server
    /// already running.
    Start {
        /// The board's port it listens on.
        board_port: u16,
        /// Where on the host.
        addr: SocketAddr,
        /// The board's facts and password.
        setup: WebReplSetup,
    },
    /// Close the server and its client (`webrepl.stop()`, every reset).
    Stop,
}

/// What the front end's WebREPL server tells the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WebReplNews {
    /// It listens at this host address.
    Started(SocketAddr),
    /// It could not listen: the OS's errno.
    Failed(i32),
    /// A client logged in (`true`) or left.
    Client(bool),
}

/// What the board runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Program {
    /// File name shown in tracebacks (`main.py`, `<stdin>`).
    pub name: String,
    /// Python source.
    pub source: String,
}

/// Everything a board run needs.
pub struct SimConfig {
    /// The board.
    pub board: BoardSpec,
    /// Real or virtual time.
    pub time_mode: TimeMode,
    /// The main program; `None` runs main.py from the flash, as the board does.
    pub program: Option<Program>,
    /// The flash image, and whether it was formatted just now (the board's first boot). The image
    /// is mounted on the `sim` thread (a mounted volume is not `Send`).
    pub flash: Option<FlashSetup>,
    /// Extra LEDs wired to the board (`--led`, `--wiring`).
    pub extra_leds: Vec<mpsim_board_models::WiredLed>,
    /// The circuit around it (`--wiring`, `--project`), resolved to nets.
    pub circuit: mpsim_board_models::CircuitSpec,
    /// Heap size in bytes; the board's own when `None`.
    pub heap_size: Option<u64>,
    /// Stop after this much simulated time.
    pub run_for: Option<Duration>,
    /// Give up after this much simulated *or* wall time, whichever comes first.
    pub timeout: Option<Duration>,
    /// Texts that must all appear in the output (`--expect`; the supervisor watches for them).
    pub expect: Vec<String>,
    /// Texts that fail the run when they appear (`--fail-on`; likewise).
    pub fail_on: Vec<String>,
    /// The board waits at each line of console output (and before its next step after a
    /// partial one) for the front end's [`SimCommand::Verdict`], so that a run that a text
    /// ends stops at the simulated instant the text appeared. Set by the supervisor when it
    /// watches for texts.
    pub judge_output: bool,
    /// Receives every pin and LED change.
    pub trace: Option<Box<dyn ChangeSink + Send>>,
    /// `sys.argv`.
    pub argv: Vec<String>,
    /// After boot, run the REPL on the console (a board on a serial line) instead of ending.
    pub repl: bool,
    /// What the outside world does, and when (simulated time): `SetPin`/`SetAdc` commands.
    pub stimuli: Vec<(Duration, SimCommand)>,
    /// Where a front end (the GUI) reads the board's pins and LEDs.
    pub live: Option<Arc<mpsim_board_models::LiveBoard>>,
    /// The network: policy, port mapping, access points.
    pub net: NetConfig,
    /// Pins wired to another board: the board reports what it drives on them
    /// ([`SimEvent::PinDrive`]).
    pub export_pins: Vec<u32>,
    /// Virtual time in lockstep with other boards: the board runs only as far as the front end
    /// lets it ([`SimCommand::Horizon`]) and says when it got there ([`SimEvent::AtHorizon`]).
    pub lockstep: bool,
}

impl SimConfig {
    /// A board as it sits on a serial line: real time, boot.py then main.py from `flash`, then
    /// its REPL; no limits, traces or scripted inputs.
    pub fn console_board(board: BoardSpec, flash: FlashSetup) -> Self {
        SimConfig {
            board,
            time_mode: TimeMode::Real,
            program: None,
            flash: Some(flash),
            extra_leds: Vec::new(),
            circuit: mpsim_board_models::CircuitSpec::default(),
            heap_size: None,
            run_for: None,
            timeout: None,
            expect: Vec::new(),
            fail_on: Vec::new(),
            judge_output: false,
            trace: None,
            argv: Vec::new(),
            stimuli: Vec::new(),
            repl: true,
            live: None,
            net: NetConfig::default(),
            export_pins: Vec::new(),
            lockstep: false,
        }
    }
}

/// Which flash image the board mounts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlashSetup {
    /// The image file (a FAT volume; create and check it with `mpsim_vfs::Flash::open` first).
    pub path: std::path::PathBuf,
    /// The image was formatted just now: the board does its first-boot setup.
    pub first_boot: bool,
}

/// Messages into the board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SimCommand {
    /// Bytes typed on the console (0x03 interrupts while interrupts are enabled).
    SerialIn(Vec<u8>),
    /// Ctrl-C from a front end that has no byte stream (a terminal's SIGINT, a GUI button).
    Interrupt,
    /// The outside world drives a pin (`Some`) or lets go of it (`None`).
    SetPin {
        /// GPIO number.
        gpio: u32,
        /// Level applied.
        level: Option<bool>,
    },
    /// The outside world applies `value` (0.0..=1.0 of full scale) to an ADC channel.
    SetAdc {
        /// ADC channel.
        channel: i64,
        /// Fraction of full scale.
        value: f64,
    },
    /// What the board's accelerometer feels: x, y, z in milli-g (a tilt control, a test).
    SetAccel {
        /// Milli-g along x, y, z.
        mg: [f64; 3],
    },
    /// Lockstep (`SimConfig::lockstep`): the board may run until simulated time `u64` µs.
    Horizon(u64),
    /// A controller on another board addresses this board's I2C targets (`machine.I2CTarget`):
    /// the transfer with the bus's pins on this board.
    I2cServe {
        /// The front end's number for the transfer.
        id: u64,
        xfer: I2cTransfer,
    },
    /// The answer to this board's [`SimEvent::I2cRequest`] `id`: acknowledged, and the bytes read.
    I2cReply {
        /// The board's number for the transfer.
        id: u64,
        /// A target acknowledged.
        ack: bool,
        /// What it sent.
        data: Vec<u8>,
    },
    /// Sets a control of a part in the circuit (`--control`, the window): a button's
    /// `pressed`, a sensor's `temperature` …
    SetControl {
        /// The part's id.
        part: String,
        /// The control's name.
        name: String,
        /// Its new value (in the control's unit; 0/1 for buttons and switches).
        value: f64,
    },
    /// Bytes arriving on a UART's RX line from its host link (`--uart ID=PATH`).
    UartIn {
        /// `machine.UART` id.
        id: u32,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// Press the board's reset button (`hard`), or soft-reset it as Ctrl-D at the prompt would.
    Reset {
        /// A hard reset (power cycle of the chip) rather than a soft one.
        hard: bool,
    },
    /// Run in real time, or fast-forward (virtual time: sleeps take no wall time).
    SetTimeMode(TimeMode),
    /// Change the access points around the board (a front end's Wi-Fi pane): a station
    /// connected to one that disappears or goes offline loses its connection.
    SetAccessPoints(Vec<crate::wifi::AccessPoint>),
    /// Terminal input from a client of the board's WebREPL (Ctrl-C works as on the console).
    TermIn(Vec<u8>),
    /// A line the board prints on its UART only (the WebREPL's connection notices).
    ConsoleNotice(Vec<u8>),
    /// Some socket of the board's changed (from the `sim-net` thread).
    NetWake,
    /// News from the front end's WebREPL server.
    WebRepl(WebReplNews),
    /// The front end's answer to [`BoardEvent::Judge`] (its supervisor sends it).
    Verdict(Verdict),
    /// A radio packet from another board in lockstep: for the micro:bit radio (`espnow_to`
    /// None) or for ESP-NOW boards whose address starts with `espnow_to` (hex; "" for all).
    Radio {
        espnow_to: Option<String>,
        packet: Vec<u8>,
    },
    /// Send the board as it is now ([`SimEvent::Snapshot`]): a scenario's check of a display
    /// or a part, in step with simulated time (the live view is published on the wall clock).
    Snapshot,
    /// End the run now.
    Stop,
    /// Work on the board's flash from a front end (the GUI's files pane), between two of the
    /// script's instructions, as a tool on the serial line would. (It carries a channel, so it
    /// crosses to a board process as its own message: see `wire.rs`; it stays the last variant,
    /// as serde numbers the variants after a skipped one differently in the two directions.)
    #[serde(skip)]
    Fs(FsRequest, FsReply),
}

/// What the front end, having read the console output so far, says of the run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// It ends now, at the end of a line that matched.
    pub stop: Option<EndReason>,
    /// A text matched on a line that has not ended: the run ends at the program's next step
    /// that is not printing.
    pub at_next_step: Option<EndReason>,
}

/// What a front end asks of the flash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FsRequest {
    /// The entries of a directory.
    List(String),
    /// A file's bytes.
    Read(String),
    /// Create or replace a file.
    Write(String, Vec<u8>),
    /// Remove a file.
    Remove(String),
    /// Make a directory.
    Mkdir(String),
    /// Remove an empty directory.
    Rmdir(String),
}

/// The answer to an [`FsRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FsAnswer {
    /// Done.
    Done,
    /// Directory entries.
    Entries(Vec<mpsim_vfs::Entry>),
    /// File contents.
    Bytes(Vec<u8>),
    /// It failed, with the error as MicroPython would name it (`ENOENT` …).
    Failed(String),
}

/// Where the answer to an [`FsRequest`] goes.
#[derive(Debug, Clone)]
pub struct FsReply(pub Sender<FsAnswer>);

impl PartialEq for FsReply {
    fn eq(&self, other: &Self) -> bool {
        self.0.same_channel(&other.0)
    }
}

/// Why a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EndReason {
    /// The program returned.
    Finished,
    /// The program raised an exception nobody caught (the traceback was printed).
    Exception,
    /// Every expected text appeared.
    Expected,
    /// A fail-on text appeared.
    FailOn(String),
    /// `run_for` of simulated time passed.
    ForElapsed,
    /// The timeout passed first.
    Timeout,
    /// A [`SimCommand::Stop`] arrived.
    Stopped,
    /// The interpreter itself failed (a bug in mpsim, never the script's fault).
    Crashed(String),
    /// The board's process ended without saying why (killed, out of memory, aborted); the
    /// front end that supervised it says what it saw.
    BoardDied(String),
}

/// The end of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOutcome {
    /// Why it ended.
    pub reason: EndReason,
    /// Expected texts never seen.
    pub missing: Vec<String>,
    /// Simulated time at the end, µs.
    pub sim_time_us: u64,
}

/// Messages out of the board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SimEvent {
    /// Console output, as the board sends it (`\r\n` line ends).
    Output(Vec<u8>),
    /// What a UART other than the console transmitted.
    UartOut {
        /// `machine.UART` id.
        id: u32,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// What the board now drives on a pin wired to another board (`export_pins`): its level,
    /// or nothing (the pin reads).
    PinDrive {
        /// The GPIO.
        gpio: u32,
        /// Its driven level.
        level: Option<bool>,
    },
    /// An I2C transfer on a bus wired to another board, for the targets there (see
    /// [`SimCommand::I2cServe`]); the board waits for [`SimCommand::I2cReply`].
    I2cRequest {
        /// The board's number for the transfer.
        id: u64,
        xfer: I2cTransfer,
    },
    /// This board's answer to [`SimCommand::I2cServe`] `id`.
    I2cServed {
        /// The front end's number for the transfer.
        id: u64,
        /// A target acknowledged.
        ack: bool,
        /// What it sent.
        data: Vec<u8>,
    },
    /// Lockstep: the board reached the time it may run until (µs) and waits for more; the
    /// second is when it next acts on its own (the end of its sleep, a timer), at least the first.
    AtHorizon(u64, u64),
    /// In lockstep, a radio packet the board sent, for the other boards ([`SimCommand::Radio`]).
    Radio {
        espnow_to: Option<String>,
        packet: Vec<u8>,
    },
    /// The answer to [`SimCommand::Snapshot`].
    Snapshot(Box<mpsim_board_models::Snapshot>),
    /// The run ended; the thread exits after this.
    Finished(RunOutcome),
}

/// What the `sim` thread says: the events for front ends, and what the host side of the board
/// (its supervisor) does for it.
#[derive(Debug, Clone, PartialEq)]
pub enum BoardEvent {
    /// For the front end.
    Sim(SimEvent),
    /// Start or stop the WebREPL server.
    WebRepl(WebReplRequest),
    /// Terminal output for the WebREPL's client.
    WebReplOut(Vec<u8>),
    /// The console output sent so far waits for a [`Verdict`]; the board waits too. It came in
    /// writes of these lengths (since the last verdict).
    Judge(Vec<u32>),
}

/// Errors starting a board.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The OS refused a thread.
    #[error("cannot start the {0} thread: {1}")]
    Thread(&'static str, std::io::Error),
    /// An LED was declared on a pin the board lacks.
    #[error("--led {0}: the board has no GPIO{0}")]
    NoSuchLedPin(u32),
    /// A part in the wiring does not fit the board.
    #[error("wiring: {0}")]
    Wiring(String),
}

/// What `spawn` refuses before it starts a board: parts wired to pins the board lacks.
pub fn check_config(config: &SimConfig) -> Result<(), SimError> {
    for led in &config.extra_leds {
        if config.board.pin(led.pin).is_none() {
            return Err(SimError::NoSuchLedPin(led.pin));
        }
    }
    for (name, g, _, _) in &config.circuit.leds {
        if config.board.pin(*g).is_none() {
            return Err(SimError::Wiring(format!(
                "{name}: {} has no GPIO{g}",
                config.board.id
            )));
        }
    }
    Ok(())
}

/// Pending reboot requested by the script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reboot {
    Hard,
    Soft,
    DeepSleep,
    /// The watchdog was not fed in time: a hard reset with its own cause.
    Watchdog,
}

/// What the board's sockets may reach on the host's network (`--net`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum NetPolicy {
    /// Anywhere the host reaches.
    #[default]
    Host,
    /// Only this machine (127.0.0.0/8, ::1): for CI.
    Loopback,
    /// Nothing outside the board (exams): connections and name lookups fail as without a
    /// router. Board-side servers stay reachable from this machine, like its serial port.
    Off,
}

/// One I2C transfer between boards: on the bus (scl, sda) of the board it is sent to, `data`
/// written to `addr`, or `read` bytes asked for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct I2cTransfer {
    /// The bus's pins.
    pub scl: u32,
    pub sda: u32,
    /// The target's address.
    pub addr: u8,
    /// What the controller writes.
    pub data: Vec<u8>,
    /// How many bytes it reads (0: a write).
    pub read: u32,
}

/// The board's network set-up.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct NetConfig {
    /// What outbound traffic may reach.
    pub policy: NetPolicy,
    /// Board TCP/UDP port → host port for servers on the board (0: any free port). Ports not
    /// listed map to themselves.
    pub port_map: Vec<(u16, u16)>,
    /// The host address board-side servers (and the WebREPL) listen on.
    pub bind: IpAddr,
    /// The simulated access points.
    pub access_points: Vec<crate::wifi::AccessPoint>,
    /// The package index `mip.install` uses by default (`--mip-index`); None: the firmware's
    /// (https://micropython.org/pi/v2).
    pub mip_index: Option<String>,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            policy: NetPolicy::Host,
            port_map: Vec::new(),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            access_points: crate::wifi::default_access_points(),
            mip_index: None,
        }
    }
}

impl NetConfig {
    /// The host port for the board's `port`.
    pub fn host_port(&self, port: u16) -> u16 {
        self.port_map
            .iter()
            .find(|(b, _)| *b == port)
            .map_or(port, |(_, h)| *h)
    }

    /// Whether the board may send to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        match self.policy {
            NetPolicy::Host => true,
            NetPolicy::Loopback => ip.is_loopback(),
            NetPolicy::Off => false,
        }
    }
}
