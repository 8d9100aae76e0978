//! A board in its own process, supervised by the front end that shows it.
//!
//! [`spawn`] starts `mpsim __board` (a child of the same binary; [`prewarm`] starts it before the
//! front end has read its arguments, so that the child builds its interpreter meanwhile), hands it
//! the board's configuration and relays: commands in, events out, the live view and the trace into
//! the front end's own `LiveBoard` and trace sink, flash requests and their answers. What must
//! outlive a board — the serial port, the window, the trace so far — stays here.
//!
//! When the board process dies without ending its run (killed, out of memory, aborted), the
//! supervisor says so on the board's console, as a firmware reports a crash before it restarts,
//! and starts a new board process on the same flash: a board with a REPL comes back at its
//! prompt and the tools attached to its serial port carry on. A run of one program (`mpsim run`)
//! ends instead, with [`EndReason::BoardDied`].

use crossbeam_channel::{Receiver, Sender, bounded};
use mpsim_board_models::Platform;
use mpsim_sim_core::wire::{self, BOARD_MODE_ARG, BoardConfig, FromBoard, Local, ToBoard, VERSION};
use mpsim_sim_core::{
    EndReason, FsReply, RunOutcome, SimCommand, SimConfig, SimError, SimEvent, WebReplNews,
    WebReplRequest,
};
use std::collections::HashMap;
use std::io::{BufReader, BufWriter, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// After this many board processes in a row that died within a second, the next ones start
/// after growing pauses (100 ms to 3.2 s): a boot loop.
const BOOT_LOOP: u32 = 4;

/// How much of a board process's stderr is kept to say why it died.
const STDERR_TAIL: usize = 2048;

static BOARD_EXE: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Runs boards with `exe` (an `mpsim` binary) instead of this executable: for programs that are
/// not `mpsim` themselves, such as the window's tests.
pub fn set_board_exe(exe: PathBuf) {
    if let Ok(mut e) = BOARD_EXE.lock() {
        *e = Some(exe);
    }
}

/// The executable that runs boards: the one set, else this one.
fn board_exe() -> std::io::Result<PathBuf> {
    match BOARD_EXE.lock().ok().and_then(|e| e.clone()) {
        Some(p) => Ok(p),
        None => std::env::current_exe(),
    }
}

/// A started board process whose stdout has not been read yet.
struct Started {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
    stderr: Arc<Mutex<Vec<u8>>>,
    stderr_thread: Option<std::thread::JoinHandle<()>>,
    started: Instant,
}

fn start_process() -> std::io::Result<Started> {
    let mut child = Command::new(board_exe()?)
        .arg(BOARD_MODE_ARG)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let (Some(stdin), Some(stdout), Some(mut err)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(std::io::Error::other("the board process has no pipes"));
    };
    // Its stderr goes on to ours, and its tail is kept to say why it died.
    let tail = Arc::new(Mutex::new(Vec::new()));
    let stderr_thread = {
        let tail = tail.clone();
        std::thread::Builder::new()
            .name("board-stderr".into())
            .spawn(move || {
                let mut buf = [0u8; 1024];
                while let Ok(n) = err.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let _ = std::io::stderr().write_all(&buf[..n]);
                    if let Ok(mut t) = tail.lock() {
                        t.extend_from_slice(&buf[..n]);
                        let over = t.len().saturating_sub(STDERR_TAIL);
                        t.drain(..over);
                    }
                }
            })?
    };
    Ok(Started {
        child,
        stdin,
        stdout,
        stderr: tail,
        stderr_thread: Some(stderr_thread),
        started: Instant::now(),
    })
}

static PREWARMED: Mutex<Option<Started>> = Mutex::new(None);

/// Starts the next board process now (it builds its interpreter while the front end reads its
/// arguments and checks the flash); the next [`spawn`] uses it. If nobody does, it ends with us.
pub fn prewarm() {
    if let Ok(mut slot) = PREWARMED.lock()
        && slot.is_none()
    {
        *slot = start_process().ok();
    }
}

fn take_or_start() -> std::io::Result<Started> {
    if let Some(s) = PREWARMED.lock().ok().and_then(|mut p| p.take()) {
        return Ok(s);
    }
    start_process()
}

/// What the front end and the supervisor share.
struct Link {
    /// The current board process's stdin (`None` between two processes).
    to_board: Mutex<Option<BufWriter<ChildStdin>>>,
    /// Its pid (0 between two processes).
    pid: AtomicU32,
    /// A stop was asked for: the next end is no crash.
    stopping: AtomicBool,
    /// The run is over: commands go nowhere.
    ended: AtomicBool,
    /// Flash requests waiting for their answer.
    fs: Mutex<HashMap<u64, FsReply>>,
    next_fs: AtomicU64,
    /// Board processes started (the first one included).
    starts: AtomicU64,
    /// The ESP boards' chip, whose ROM bootloader esptool reaches on the console.
    rom: Option<crate::esprom::Target>,
    /// Whether the chip runs its firmware or sits in its ROM (see [`Hold`]).
    hold: Mutex<RomState>,
    /// The chip is held in its ROM: no board process runs, the console is the ROM's.
    holding: AtomicBool,
    /// Where the ROM's answers go (the front end's events, as console output).
    out: Sender<SimEvent>,
}

/// Where the chip is, as far as its ROM is concerned.
enum Hold {
    /// Running its firmware (the board process).
    Running,
    /// In its serial bootloader, talking to a client (esptool).
    Loader(Box<crate::esprom::Loader>, Instant),
    /// Left its bootloader: the supervisor boots what the flash holds.
    Released,
    /// Its flash holds nothing it can boot: it sits in its ROM until a firmware is written.
    NoFirmware,
}

struct RomState {
    hold: Hold,
    /// The console's last bytes (esptool's SYNC packet can span two reads).
    tail: Vec<u8>,
}

/// After this long without a byte from its client, a chip in its bootloader is taken to have
/// been reset (esptool's `--after hard-reset`, which a pty cannot carry): it boots its flash.
const LOADER_IDLE: Duration = Duration::from_secs(2);

impl Link {
    fn write(&self, msg: &ToBoard) {
        if let Ok(mut slot) = self.to_board.lock()
            && let Some(w) = slot.as_mut()
            && (wire::write_frame(w, msg).is_err() || w.flush().is_err())
        {
            // The process is going; the supervisor sees it end.
            *slot = None;
        }
    }
}

/// Sends commands to a supervised board, from any thread.
#[derive(Clone)]
pub struct BoardSender {
    link: Arc<Link>,
}

impl BoardSender {
    /// Sends a command; false once the run has ended. Commands sent while the board restarts
    /// after a crash are lost, as bytes sent to a rebooting board are.
    pub fn send(&self, cmd: SimCommand) -> bool {
        if self.link.ended.load(Ordering::Acquire) {
            return false;
        }
        if let SimCommand::SerialIn(bytes) = &cmd
            && self.rom_input(bytes)
        {
            return true;
        }
        let msg = match cmd {
            SimCommand::Fs(request, reply) => {
                let id = self.link.next_fs.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut fs) = self.link.fs.lock() {
                    fs.insert(id, reply);
                }
                ToBoard::Fs { id, request }
            }
            SimCommand::Stop => {
                if !self.link.stopping.swap(true, Ordering::AcqRel) {
                    self.stop_guard();
                }
                ToBoard::Command(SimCommand::Stop)
            }
            other => ToBoard::Command(other),
        };
        self.link.write(&msg);
        true
    }

    /// Console bytes on an ESP board: esptool's SYNC resets the chip into its ROM bootloader
    /// (a pty has no DTR/RTS to do it), which then answers them. True when the ROM took them.
    fn rom_input(&self, bytes: &[u8]) -> bool {
        if self.link.rom.is_none() {
            return false;
        }
        let Ok(mut st) = self.link.hold.lock() else {
            return false;
        };
        let mut window = std::mem::take(&mut st.tail);
        window.extend_from_slice(bytes);
        let sync = crate::esprom::holds_sync(&window);
        st.tail = window[window.len().saturating_sub(16)..].to_vec();
        match st.hold {
            Hold::Running | Hold::NoFirmware if sync => self.enter_loader(&mut st, true),
            Hold::Running => return false,
            _ => {}
        }
        if let Hold::Loader(loader, last) = &mut st.hold {
            let before = loader.packets;
            let mut out = Vec::new();
            let exit = loader.feed(bytes, &mut out);
            if loader.packets != before {
                // A client at work (not a stray key press) keeps the chip in its bootloader.
                *last = Instant::now();
            }
            if !out.is_empty() {
                let _ = self.link.out.send(SimEvent::Output(out));
            }
            if exit.is_some() {
                st.hold = Hold::Released;
            }
        }
        true
    }

    /// Resets the chip with GPIO0 low: its ROM bootloader takes the console; the board process
    /// (the firmware) stops. With `idle_exit` (no reset line: a pty, a raw socket) a client that
    /// goes quiet is taken to have reset the chip; otherwise its reset line ends the bootloader.
    fn enter_loader(&self, st: &mut RomState, idle_exit: bool) {
        let Some(target) = self.link.rom.clone() else {
            return;
        };
        let loader = match crate::esprom::Loader::open(target) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("mpsim: the ROM bootloader cannot open the flash image: {e}");
                return;
            }
        };
        st.hold = Hold::Loader(Box::new(loader), Instant::now());
        if !self.link.holding.swap(true, Ordering::AcqRel) {
            kill(self.link.pid.load(Ordering::Acquire));
        }
        if !idle_exit {
            return;
        }
        // A client that goes quiet has reset the chip (or left it): it boots its flash.
        let link = self.link.clone();
        let _ = std::thread::Builder::new()
            .name("rom-idle".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_millis(100));
                    let Ok(mut st) = link.hold.lock() else {
                        return;
                    };
                    match &st.hold {
                        Hold::Loader(_, last) if last.elapsed() >= LOADER_IDLE => {
                            st.hold = Hold::Released;
                            return;
                        }
                        Hold::Loader(..) => {}
                        _ => return,
                    }
                }
            });
    }

    /// The chip's reset line as a client's DTR/RTS (RFC 2217) drives it: released with GPIO0
    /// low the chip enters its ROM bootloader, else it boots its flash (a hard reset).
    pub fn reset_chip(&self, bootloader: bool) {
        if self.link.rom.is_none() {
            if !bootloader {
                self.send(SimCommand::Reset { hard: true });
            }
            return;
        }
        let Ok(mut st) = self.link.hold.lock() else {
            return;
        };
        if bootloader {
            self.enter_loader(&mut st, false);
        } else if matches!(st.hold, Hold::Running) {
            drop(st);
            self.send(SimCommand::Reset { hard: true });
        } else {
            st.hold = Hold::Released;
        }
    }

    /// The board process's pid now (0 while it restarts).
    pub fn pid(&self) -> u32 {
        self.link.pid.load(Ordering::Acquire)
    }

    /// A board asked to stop has [`STOP_GRACE`] to end its run; one that does not (stuck in a
    /// bug of ours) is killed, and its run ends as stopped: no front end ever hangs on it.
    fn stop_guard(&self) {
        let link = self.link.clone();
        let _ = std::thread::Builder::new()
            .name("board-stop".into())
            .spawn(move || {
                let deadline = Instant::now() + STOP_GRACE;
                while Instant::now() < deadline {
                    if link.ended.load(Ordering::Acquire) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                kill(link.pid.load(Ordering::Acquire));
            });
    }

    /// How many board processes ran this board so far (1 + the restarts after crashes).
    pub fn processes(&self) -> u64 {
        self.link.starts.load(Ordering::Acquire)
    }
}

/// A board running in its own process.
pub struct BoardProcess {
    sender: BoardSender,
    /// Everything the board says, as from an in-process board.
    pub events: Receiver<SimEvent>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BoardProcess {
    /// Sends a command; false once the run has ended.
    pub fn send(&self, cmd: SimCommand) -> bool {
        self.sender.send(cmd)
    }

    /// A sender for other threads.
    pub fn sender(&self) -> BoardSender {
        self.sender.clone()
    }

    /// Lets the board process go without waiting for it to be gone (after its run ended: a
    /// command-line run that is about to exit).
    pub fn detach(mut self) {
        self.thread.take();
    }

    /// Waits until the run has ended and the board process is gone.
    pub fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// How long a board process may take to stop when asked.
const STOP_GRACE: Duration = Duration::from_secs(3);

impl Drop for BoardProcess {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            self.sender.send(SimCommand::Stop);
            let _ = t.join();
        }
    }
}

/// SIGKILL to a board process (0: none running).
#[allow(unsafe_code)] // kill(2) with integer arguments only.
fn kill(pid: u32) {
    if let Ok(pid) = libc::pid_t::try_from(pid)
        && pid > 0
    {
        // SAFETY: kill takes a pid and a signal number; no memory is passed.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
}

/// Errors starting a board process.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error(transparent)]
    Config(#[from] SimError),
    #[error("cannot start the board process: {0}")]
    Process(#[from] std::io::Error),
}

/// Starts `config`'s board in a process of its own and supervises it.
pub fn spawn(config: SimConfig) -> Result<BoardProcess, SpawnError> {
    mpsim_sim_core::check_config(&config)?;
    let board = config.board.clone();
    let (config, mut local) = BoardConfig::split(config);
    let watch = crate::watch::Watch::new(
        std::mem::take(&mut local.expect),
        std::mem::take(&mut local.fail_on),
    );
    let first = take_or_start()?;
    let (ev_tx, ev_rx) = bounded::<SimEvent>(256);
    let link = Arc::new(Link {
        to_board: Mutex::new(None),
        pid: AtomicU32::new(0),
        stopping: AtomicBool::new(false),
        ended: AtomicBool::new(false),
        fs: Mutex::new(HashMap::new()),
        next_fs: AtomicU64::new(0),
        starts: AtomicU64::new(0),
        rom: rom_target(&config),
        hold: Mutex::new(RomState {
            hold: Hold::Running,
            tail: Vec::new(),
        }),
        holding: AtomicBool::new(false),
        out: ev_tx.clone(),
    });
    let stock = (
        config.board.micropython_version.clone(),
        config.board.build_date.clone(),
    );
    let mut sup = Supervisor {
        link: link.clone(),
        config,
        local,
        platform: board.platform,
        events: ev_tx,
        boots_before: 0,
        boots_now: 0,
        last_time: 0,
        trace_open: false,
        webrepl: None,
        watch,
        stock,
    };
    // What the flash holds decides what boots (an ESP board's firmware region).
    let first = if sup.boot_firmware() {
        // Hand the configuration over before returning, so that commands sent right away follow
        // it.
        Some(sup.begin(first)?)
    } else {
        let mut idle = first.child;
        let _ = idle.kill();
        let _ = idle.wait();
        if !sup.config.repl {
            // A run of one program on a board that cannot boot ends at once.
            sup.end(EndReason::BoardDied(
                "the flash holds no firmware the chip can boot".into(),
            ));
            return Ok(BoardProcess {
                sender: BoardSender { link },
                events: ev_rx,
                thread: None,
            });
        }
        None
    };
    let thread = std::thread::Builder::new()
        .name("board-supervisor".into())
        .spawn(move || sup.run(first))?;
    Ok(BoardProcess {
        sender: BoardSender { link },
        events: ev_rx,
        thread: Some(thread),
    })
}

struct Supervisor {
    link: Arc<Link>,
    config: BoardConfig,
    local: Local,
    platform: Platform,
    events: Sender<SimEvent>,
    /// Boots of the board processes before this one (the live view counts on).
    boots_before: u64,
    boots_now: u64,
    last_time: u64,
    trace_open: bool,
    /// The board's WebREPL server, while the board has it running.
    webrepl: Option<crate::webrepl::WebRepl>,
    /// `--expect`/`--fail-on`, matched here (the board waits for the verdicts).
    watch: Option<crate::watch::Watch>,
    /// The release the board's data claims (version, build date), for an erased firmware region.
    stock: (String, String),
}

/// The chip of an ESP board whose image holds its whole flash.
fn rom_target(config: &BoardConfig) -> Option<crate::esprom::Target> {
    let b = &config.board;
    let chip = match b.platform {
        Platform::Esp8266 => crate::esprom::Chip::Esp8266,
        Platform::Esp32 => crate::esprom::Chip::Esp32,
        _ => return None,
    };
    let flash = config.flash.as_ref()?;
    if b.fs_offset == 0 {
        return None;
    }
    let mut mac = [0u8; 6];
    if let Some(n) = &b.network
        && n.mac.len() == 6
    {
        mac.copy_from_slice(&n.mac);
    }
    Some(crate::esprom::Target {
        chip,
        mac,
        flash_size: b.flash_size,
        image: flash.path.clone(),
        firmware_end: b.fs_offset,
    })
}

/// How a board process ended.
enum End {
    /// Its run ended (its last event was passed on).
    Finished,
    /// It refused the board it was given.
    Refused(String),
    /// It died.
    Died(String),
}

/// A board process that has its board.
struct Running {
    child: Child,
    stdout: ChildStdout,
    stderr: Arc<Mutex<Vec<u8>>>,
    stderr_thread: Option<std::thread::JoinHandle<()>>,
    started: Instant,
}

/// The name of a signal that ends processes.
fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGKILL => "SIGKILL",
        libc::SIGABRT => "SIGABRT",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGTERM => "SIGTERM",
        libc::SIGSYS => "SIGSYS",
        _ => "signal",
    }
}

/// Why a board process ended, in one line: how it ended and the last thing it said on stderr.
fn describe(status: Option<std::process::ExitStatus>, stderr: &[u8]) -> String {
    let how = match status {
        Some(s) => match (s.signal(), s.code()) {
            (Some(sig), _) => format!("killed by {} ({sig})", signal_name(sig)),
            (None, Some(code)) => format!("exited with status {code}"),
            _ => "ended".to_owned(),
        },
        None => "stopped answering".to_owned(),
    };
    let text = String::from_utf8_lossy(stderr);
    // The last line that says something: not a backtrace's frames or notes.
    let noise = |l: &str| {
        l.is_empty()
            || l.starts_with(char::is_whitespace)
            || ["stack backtrace", "skipping backtrace", "note: ", "at "]
                .iter()
                .any(|n| l.starts_with(n))
    };
    match text.lines().rev().find(|l| !noise(l)).map(str::trim) {
        Some(last) => format!("{how}: {last}"),
        None => how,
    }
}

/// What the board prints on its console when its process died, before it boots again: the
/// port's own words for a crash where it has them.
fn crash_report(platform: Platform, why: &str) -> String {
    match platform {
        Platform::Esp32 => {
            format!("\r\nGuru Meditation Error: the board process {why}\r\n\r\nRebooting...\r\n")
        }
        Platform::Esp8266 => format!(
            "\r\nFatal exception: the board process {why}\r\n\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\n"
        ),
        _ => format!("\r\nFATAL: the board process {why}; resetting\r\n"),
    }
}

impl Supervisor {
    /// Gives a started process its board.
    fn begin(&self, p: Started) -> std::io::Result<Running> {
        let Started {
            mut child,
            stdin,
            stdout,
            stderr,
            stderr_thread,
            started,
        } = p;
        let mut w = BufWriter::new(stdin);
        let start = ToBoard::Start {
            version: VERSION,
            config: Box::new(self.config.clone()),
        };
        if let Err(e) = wire::write_frame(&mut w, &start).and_then(|()| w.flush()) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(e);
        }
        if let Ok(mut slot) = self.link.to_board.lock() {
            *slot = Some(w);
        }
        self.link.pid.store(child.id(), Ordering::Release);
        self.link.starts.fetch_add(1, Ordering::AcqRel);
        Ok(Running {
            child,
            stdout,
            stderr,
            stderr_thread,
            started,
        })
    }

    fn run(mut self, first: Option<Running>) {
        let mut next = first;
        let mut quick_deaths = 0u32;
        loop {
            // A chip held in its ROM (its bootloader, or no firmware to boot) runs no process.
            if !self.wait_while_held() {
                return self.end(EndReason::Stopped);
            }
            let running = match next.take() {
                Some(r) => r,
                None => match start_process().and_then(|p| self.begin(p)) {
                    Ok(r) => r,
                    Err(e) => {
                        let why = format!("cannot restart the board process: {e}");
                        return self.end(EndReason::BoardDied(why));
                    }
                },
            };
            let started = running.started;
            match self.serve(running) {
                End::Finished => return,
                End::Refused(why) => {
                    return self.end(EndReason::Crashed(format!(
                        "the board process refused its board: {why}"
                    )));
                }
                End::Died(why) => {
                    if self.link.stopping.load(Ordering::Acquire) {
                        return self.end(EndReason::Stopped);
                    }
                    if self.link.holding.load(Ordering::Acquire) {
                        // Reset into the ROM's bootloader: no crash, a fresh boot afterwards.
                        if let Some(f) = self.config.flash.as_mut() {
                            f.first_boot = false;
                        }
                        self.boots_before += self.boots_now.max(1);
                        self.boots_now = 0;
                        quick_deaths = 0;
                        continue;
                    }
                    if !self.config.repl {
                        return self.end(EndReason::BoardDied(why));
                    }
                    let report = crash_report(self.platform, &why);
                    let _ = self.events.send(SimEvent::Output(report.into_bytes()));
                    // A board that dies again at once (its boot.py or main.py kills it) restarts
                    // after growing pauses, as a boot loop would, without taking the machine.
                    if started.elapsed() < Duration::from_secs(1) {
                        quick_deaths += 1;
                    } else {
                        quick_deaths = 0;
                    }
                    if quick_deaths >= BOOT_LOOP {
                        let pause = 50u64 << (quick_deaths - BOOT_LOOP + 1).min(6);
                        std::thread::sleep(Duration::from_millis(pause));
                    }
                    if let Some(f) = self.config.flash.as_mut() {
                        f.first_boot = false;
                    }
                    // It booted at least once, published or not.
                    self.boots_before += self.boots_now.max(1);
                    self.boots_now = 0;
                }
            }
        }
    }

    /// Decides what the chip boots from its flash (an ESP board's firmware region): the
    /// release mpsim models, the MicroPython release written there (the board claims it), or
    /// nothing (the ROM says so on the console and the chip stays in it). True when it boots.
    fn boot_firmware(&mut self) -> bool {
        let Some(target) = self.link.rom.clone() else {
            return true;
        };
        let (version, date) = match crate::esprom::firmware(&target) {
            crate::esprom::Firmware::Stock => self.stock.clone(),
            crate::esprom::Firmware::Release { version, date } => (version, date),
            crate::esprom::Firmware::Unbootable(rom) => {
                let _ = self.events.send(SimEvent::Output(rom.into_bytes()));
                if let Ok(mut st) = self.link.hold.lock()
                    && matches!(st.hold, Hold::Released | Hold::Running)
                {
                    st.hold = Hold::NoFirmware;
                }
                self.link.holding.store(true, Ordering::Release);
                return false;
            }
        };
        self.config.board.micropython_version = version;
        self.config.board.build_date = date;
        if let Ok(mut st) = self.link.hold.lock() {
            // A client that reset the chip into its bootloader meanwhile keeps it there.
            if !matches!(st.hold, Hold::Released | Hold::Running) {
                return false;
            }
            st.hold = Hold::Running;
            self.link.holding.store(false, Ordering::Release);
        }
        true
    }

    /// Waits while the chip is held in its ROM; when it leaves, decides what boots. False when
    /// the run is stopped meanwhile.
    fn wait_while_held(&mut self) -> bool {
        loop {
            if self.link.stopping.load(Ordering::Acquire) {
                return false;
            }
            let released = match self.link.hold.lock() {
                Ok(st) => match st.hold {
                    Hold::Running => return true,
                    Hold::Released => true,
                    Hold::Loader(..) | Hold::NoFirmware => false,
                },
                Err(_) => return true,
            };
            if released && self.boot_firmware() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Relays one board process's messages until it ends.
    fn serve(&mut self, running: Running) -> End {
        let Running {
            mut child,
            stdout,
            stderr,
            stderr_thread,
            ..
        } = running;
        let mut r = BufReader::with_capacity(64 << 10, stdout);
        let end = loop {
            match wire::read_frame::<_, FromBoard>(&mut r) {
                Ok(Some(msg)) => {
                    if let Some(end) = self.handle(msg) {
                        break end;
                    }
                }
                Ok(None) | Err(_) => break End::Died(String::new()),
            }
        };
        // Closing its stdin stops a process that still runs; one that does not go is killed.
        if let Ok(mut slot) = self.link.to_board.lock() {
            *slot = None;
        }
        self.link.pid.store(0, Ordering::Release);
        let status = wait_or_kill(&mut child, Duration::from_secs(2));
        if let Some(t) = stderr_thread {
            let _ = t.join();
        }
        // A reset closes the WebREPL and its client (the board's boot.py starts it again).
        if let Some(w) = self.webrepl.take() {
            w.stop();
        }
        // Flash requests still waiting get no answer (their front ends see the board go).
        if let Ok(mut fs) = self.link.fs.lock() {
            fs.clear();
        }
        match end {
            End::Died(_) => {
                let tail = stderr.lock().map(|t| t.clone()).unwrap_or_default();
                End::Died(describe(status, &tail))
            }
            other => other,
        }
    }

    /// Handles one message; `Some` when it is the process's last.
    fn handle(&mut self, msg: FromBoard) -> Option<End> {
        match msg {
            FromBoard::Hello { version, .. } if version != VERSION => {
                return Some(End::Refused(format!(
                    "it speaks protocol version {version}, this front end {VERSION}"
                )));
            }
            FromBoard::Hello { .. } => {}
            FromBoard::Refused(why) => return Some(End::Refused(why)),
            FromBoard::Event(SimEvent::Finished(mut o)) => {
                // Reported at once: the board closed its flash before it said so, and a front
                // end need not wait for the process to be gone.
                self.close_trace();
                self.link.ended.store(true, Ordering::Release);
                o.missing = self.missing();
                let _ = self.events.send(SimEvent::Finished(o));
                return Some(End::Finished);
            }
            FromBoard::WebRepl(req) => self.webrepl(req),
            FromBoard::WebReplOut(bytes) => {
                if let Some(w) = &self.webrepl {
                    w.output(&bytes);
                }
            }
            // A chip reset into its ROM says nothing more from its firmware.
            FromBoard::Event(SimEvent::Output(_)) if self.link.holding.load(Ordering::Acquire) => {}
            FromBoard::Event(e) => {
                if let (SimEvent::Output(bytes), Some(w)) = (&e, self.watch.as_mut()) {
                    w.output(bytes);
                }
                let _ = self.events.send(e);
            }
            FromBoard::Judge(writes) => {
                let v = self
                    .watch
                    .as_mut()
                    .map(|w| w.judge(&writes))
                    .unwrap_or_default();
                self.link.write(&ToBoard::Command(SimCommand::Verdict(v)));
            }
            FromBoard::Live {
                mut snapshot,
                mut edges,
            } => {
                if let Some(live) = &self.local.live {
                    self.boots_now = snapshot.boots;
                    snapshot.boots += self.boots_before;
                    live.set_time(snapshot.time_us);
                    live.publish(snapshot, &mut edges);
                }
            }
            FromBoard::Time(t) => {
                self.last_time = t;
                if let Some(live) = &self.local.live {
                    live.set_time(t);
                }
            }
            FromBoard::Sound(hz, volume) => {
                if let Some(live) = &self.local.live {
                    live.set_sound(hz, volume);
                }
            }
            FromBoard::TraceStart(header) => {
                if let Some(t) = self.local.trace.as_mut()
                    && !self.trace_open
                {
                    t.start(&header);
                    self.trace_open = true;
                }
            }
            FromBoard::Trace(time, change) => {
                self.last_time = self.last_time.max(time);
                if let Some(t) = self.local.trace.as_mut() {
                    t.change(time, change);
                }
            }
            FromBoard::TraceEnd(time) => {
                if let Some(t) = self.local.trace.as_mut()
                    && self.trace_open
                {
                    t.finish(time);
                    self.trace_open = false;
                }
            }
            FromBoard::Fs { id, answer } => {
                if let Some(reply) = self.link.fs.lock().ok().and_then(|mut fs| fs.remove(&id)) {
                    let _ = reply.0.send(answer);
                }
            }
        }
        None
    }

    /// Starts or stops the board's WebREPL server, and tells the board how it went.
    fn webrepl(&mut self, req: WebReplRequest) {
        if let Some(w) = self.webrepl.take() {
            w.stop();
        }
        let WebReplRequest::Start {
            board_port,
            addr,
            setup,
        } = req
        else {
            return;
        };
        let sender = BoardSender {
            link: self.link.clone(),
        };
        match crate::webrepl::WebRepl::start(addr, setup, sender.clone()) {
            Ok(w) => {
                let at = w.addr;
                // The board hears of the server before anyone can read where it is: a client
                // that logs in at once is then the board's (its news comes after this).
                sender.send(SimCommand::WebRepl(WebReplNews::Started(at)));
                self.webrepl = Some(w);
                eprintln!(
                    "mpsim: the board's WebREPL (port {board_port}) is at http://{at}/ on this machine"
                );
            }
            Err(e) => {
                sender.send(SimCommand::WebRepl(WebReplNews::Failed(
                    e.raw_os_error().unwrap_or(5),
                )));
            }
        }
    }

    /// Ends a trace the board process could not end itself.
    fn close_trace(&mut self) {
        if self.trace_open
            && let Some(t) = self.local.trace.as_mut()
        {
            t.finish(self.last_time);
            self.trace_open = false;
        }
    }

    /// The expected texts that never appeared, once the run ended.
    fn missing(&mut self) -> Vec<String> {
        self.watch.as_mut().map_or_else(Vec::new, |w| {
            w.finish();
            w.missing()
        })
    }

    /// Ends the run for a reason the board process could not give.
    fn end(mut self, reason: EndReason) {
        self.close_trace();
        self.link.ended.store(true, Ordering::Release);
        let missing = self.missing();
        let _ = self.events.send(SimEvent::Finished(RunOutcome {
            reason,
            missing,
            sim_time_us: self.last_time,
        }));
    }
}

/// Waits for a process to end, killing it if it has not after `grace`.
fn wait_or_kill(child: &mut Child, grace: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + grace;
    loop {
        match child.try_wait() {
            Ok(Some(s)) => return Some(s),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_micros(200));
            }
            Ok(None) => {
                let _ = child.kill();
                return child.wait().ok();
            }
            Err(_) => return None,
        }
    }
}
