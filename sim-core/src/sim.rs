//! The `sim` thread: owns the interpreter, the board, the clock and the scheduler. Others talk to it
//! through [`SimCommand`]s and hear from it through [`SimEvent`]s.

use crate::api::{
    BoardEvent, EndReason, FsAnswer, FsRequest, Reboot, RunOutcome, SimCommand, SimConfig,
    SimError, SimEvent, Verdict, WebReplNews, WebReplRequest, WebReplSetup,
};
use crate::clock::{Clock, TimeMode};
use crate::heap;
use crate::interp;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};
use mpsim_board_models::Board;
use rustpython_vm::signal::UserSignalSender;
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Console output is sent at the latest once this much has gathered.
const OUTPUT_CHUNK: usize = 4096;

/// Writes without a line end that may wait for a verdict (see [`Gate`]).
const MAX_UNJUDGED_WRITES: usize = 1024;

/// State shared with threads other than `sim` (all lock-free or briefly locked).
pub(crate) struct Shared {
    signal: Mutex<Option<UserSignalSender>>,
    posted: AtomicBool,
    /// Simulated time of the next timer, µs (u64::MAX: none). Real time only.
    next_deadline: AtomicU64,
    /// Calls a callback scheduled are waiting (see `State::scheduled_late`): the ticker pokes
    /// the interpreter for them from its own thread, after the signal being handled now.
    late_scheduled: AtomicBool,
    pub(crate) running: AtomicBool,
    pub(crate) quit: AtomicBool,
    timed_out: AtomicBool,
    wall_deadline: Option<Instant>,
    start: Instant,
    /// The clock runs in real time (the ticker watches timers only then).
    real_time: AtomicBool,
    /// When the real-time clock read 0 (it moves when the time mode changes).
    clock_start: Mutex<Instant>,
    /// The ticker thread, unparked when an earlier deadline appears.
    ticker: std::sync::OnceLock<std::thread::Thread>,
    /// Console output waits in the `sim` thread's buffer.
    output_pending: AtomicBool,
}

impl Shared {
    /// Asks the interpreter to run [`service`] at its next instruction boundary.
    pub(crate) fn poke(&self) {
        if self.posted.swap(true, Ordering::AcqRel) {
            return;
        }
        let sent = match self.signal.lock() {
            Ok(slot) => slot
                .as_ref()
                .is_some_and(|tx| tx.send(Box::new(service_from_signal)).is_ok()),
            Err(_) => false,
        };
        if !sent {
            self.posted.store(false, Ordering::Release);
        }
    }

    pub(crate) fn set_signal(&self, tx: Option<UserSignalSender>) {
        if let Ok(mut slot) = self.signal.lock() {
            *slot = tx;
        }
        self.posted.store(false, Ordering::Release);
    }
}

fn service_from_signal(vm: &VirtualMachine) -> PyResult<()> {
    service(vm)
}

/// A running board.
pub struct SimHandle {
    cmd: Sender<SimCommand>,
    shared: Arc<Shared>,
    /// Everything the board says.
    pub events: Receiver<BoardEvent>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SimHandle {
    /// Sends a command; false when the board has stopped.
    pub fn send(&self, cmd: SimCommand) -> bool {
        let ok = self.cmd.send(cmd).is_ok();
        self.shared.poke();
        ok
    }

    /// A cheap sender for other threads (stdin readers, signal handlers).
    pub fn sender(&self) -> CommandSender {
        CommandSender {
            cmd: self.cmd.clone(),
            shared: self.shared.clone(),
        }
    }

    /// Waits for the thread to end.
    pub fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shared.quit.store(true, Ordering::Release);
        if let Some(t) = self.shared.ticker.get() {
            t.unpark();
        }
    }
}

/// Sends commands to a running board from any thread.
#[derive(Clone)]
pub struct CommandSender {
    cmd: Sender<SimCommand>,
    shared: Arc<Shared>,
}

impl CommandSender {
    /// Sends a command; false when the board has stopped.
    pub fn send(&self, cmd: SimCommand) -> bool {
        let ok = self.cmd.send(cmd).is_ok();
        self.shared.poke();
        ok
    }
}

/// The native stack of the `sim` thread: Python recursion runs on it.
const SIM_STACK: usize = 256 << 20;

/// Starts a board on its own `sim` thread.
pub fn spawn(config: SimConfig) -> Result<SimHandle, SimError> {
    let (cmd_tx, cmd_rx) = bounded::<SimCommand>(4096);
    let (ev_tx, ev_rx) = bounded::<BoardEvent>(256);
    crate::api::check_config(&config)?;
    let shared = Arc::new(Shared {
        signal: Mutex::new(None),
        posted: AtomicBool::new(false),
        next_deadline: AtomicU64::new(u64::MAX),
        late_scheduled: AtomicBool::new(false),
        running: AtomicBool::new(false),
        quit: AtomicBool::new(false),
        timed_out: AtomicBool::new(false),
        wall_deadline: config.timeout.map(|t| Instant::now() + t),
        start: Instant::now(),
        real_time: AtomicBool::new(config.time_mode == TimeMode::Real),
        clock_start: Mutex::new(Instant::now()),
        ticker: std::sync::OnceLock::new(),
        output_pending: AtomicBool::new(false),
    });
    let sh = shared.clone();
    let own = CommandSender {
        cmd: cmd_tx.clone(),
        shared: shared.clone(),
    };
    let job: SimJob = Box::new(move || {
        // In a board process, the sandbox closes around this thread before any script runs.
        if let Err(e) = crate::sandbox::enter_thread() {
            let _ = ev_tx.send(BoardEvent::Sim(SimEvent::Finished(RunOutcome {
                reason: EndReason::Crashed(format!("cannot enter the sandbox: {e}")),
                missing: Vec::new(),
                sim_time_us: 0,
            })));
            return;
        }
        sim_main(config, cmd_rx, own, ev_tx, sh)
    });
    let warm = PREWARMED.lock().ok().and_then(|mut p| p.take());
    let thread = match warm {
        Some(warm) => match warm.jobs.send(job) {
            Ok(()) => warm.thread,
            Err(crossbeam_channel::SendError(job)) => spawn_sim_thread(job)?,
        },
        None => spawn_sim_thread(job)?,
    };
    let sh = shared.clone();
    let t = std::thread::Builder::new()
        .name("sim-ticker".into())
        .spawn(move || ticker(sh))
        .map_err(|e| SimError::Thread("sim-ticker", e))?;
    let _ = shared.ticker.set(t.thread().clone());
    Ok(SimHandle {
        cmd: cmd_tx,
        shared,
        events: ev_rx,
        thread: Some(thread),
    })
}

type SimJob = Box<dyn FnOnce() + Send>;

fn spawn_sim_thread(job: SimJob) -> Result<std::thread::JoinHandle<()>, SimError> {
    std::thread::Builder::new()
        .name("sim".into())
        .stack_size(SIM_STACK)
        .spawn(job)
        .map_err(|e| SimError::Thread("sim", e))
}

/// A `sim` thread started by [`prewarm`], waiting for its board.
struct Prewarmed {
    jobs: Sender<SimJob>,
    thread: std::thread::JoinHandle<()>,
}

static PREWARMED: Mutex<Option<Prewarmed>> = Mutex::new(None);

/// Starts the next board's `sim` thread now, so that its interpreter is built while the caller
/// still reads arguments and checks the flash. The next [`spawn`] runs its board on that thread;
/// without one the thread waits, costing nothing.
pub fn prewarm() {
    let Ok(mut slot) = PREWARMED.lock() else {
        return;
    };
    if slot.is_some() {
        return;
    }
    let (jobs, rx) = crossbeam_channel::bounded::<SimJob>(1);
    let thread = spawn_sim_thread(Box::new(move || {
        interp::prebuild();
        if let Ok(job) = rx.recv() {
            job();
        }
    }));
    if let Ok(thread) = thread {
        *slot = Some(Prewarmed { jobs, thread });
    }
}

/// Wakes the interpreter for what it cannot notice by itself while it computes: timers due in
/// real time and the wall-clock timeout. Sleeps until the next of those (unparked when an earlier
/// timer appears), so an idle board costs nothing.
fn ticker(shared: Arc<Shared>) {
    const IDLE: Duration = Duration::from_millis(250);
    const OUTPUT_DELAY: Duration = Duration::from_millis(2);
    while !shared.quit.load(Ordering::Acquire) {
        let now = Instant::now();
        let mut wait = IDLE;
        if let Some(d) = shared.wall_deadline {
            wait = wait.min(d.saturating_duration_since(now));
        }
        let next = shared.next_deadline.load(Ordering::Acquire);
        let real_time = shared.real_time.load(Ordering::Acquire);
        let clock_start = shared.clock_start.lock().map_or(shared.start, |s| *s);
        if real_time && next != u64::MAX {
            let at = clock_start + Duration::from_micros(next);
            wait = wait.min(at.saturating_duration_since(now));
        }
        if shared.output_pending.load(Ordering::Acquire) {
            wait = wait.min(OUTPUT_DELAY);
        }
        if !wait.is_zero() {
            std::thread::park_timeout(wait);
        }
        if shared.late_scheduled.swap(false, Ordering::AcqRel) {
            shared.poke();
        }
        if shared.output_pending.load(Ordering::Acquire) {
            // Output gathered while the program computes goes out within a few milliseconds.
            std::thread::sleep(OUTPUT_DELAY);
            if shared.output_pending.load(Ordering::Acquire) {
                shared.poke();
            }
        }
        if !shared.running.load(Ordering::Acquire) {
            continue;
        }
        let mut wake = false;
        if shared.wall_deadline.is_some_and(|d| Instant::now() >= d) {
            shared.timed_out.store(true, Ordering::Release);
            wake = true;
        }
        if real_time {
            let now = u64::try_from(clock_start.elapsed().as_micros()).unwrap_or(u64::MAX);
            if shared.next_deadline.load(Ordering::Acquire) <= now {
                wake = true;
            }
        }
        if wake {
            shared.poke();
            // Give the interpreter a moment to take it before looking again.
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// What lives on the `sim` thread next to the interpreter.
pub(crate) struct SimState {
    pub board: Board,
    pub clock: Clock,
    pub shared: Arc<Shared>,
    cmd_rx: Receiver<SimCommand>,
    events: Sender<BoardEvent>,
    /// Timers, pin IRQs, scheduled calls, and whether callbacks may run.
    pub sched: crate::sched::Scheduler,
    /// Console and UART input, dupterm, the interrupt character.
    pub term: crate::terminal::Terminal,
    /// A front end pressed reset (`reboot` says which): unwind the program.
    pending_reset: bool,
    pub stop: Option<EndReason>,
    /// Console output not sent yet (see [`SimState::output`]).
    out_buf: Vec<u8>,
    pub run_for_us: Option<u64>,
    timeout_us: Option<u64>,
    /// The front end's judgement of the console output (`--expect`/`--fail-on`).
    gate: Gate,
    pub notified: bool,
    pub heap_size: u64,
    /// The board's flash, mounted.
    pub flash: Option<mpsim_vfs::Flash>,
    /// Whether the allocator counts (see `heap::is_counting`).
    pub heap_counted: bool,
    pub reboot: Option<Reboot>,
    /// CPU frequency, RTC, reset cause, NVS, radios, access points.
    pub chip: crate::chip::Chip,
    pub regexes: Vec<(String, u32, regex::bytes::Regex)>,
    pub argv: Vec<String>,
    pub heap_locked: u32,
    pub seed: u64,
    /// The REPL, when the board has one (it outlives soft resets).
    pub repl: Option<crate::repl::Repl>,
    /// Scripted outside-world actions, earliest first.
    stimuli: VecDeque<(u64, SimCommand)>,
    /// The board's sockets (closed by every reset).
    pub net: crate::net::Net,
    /// The WebREPL server (in the front end), while `webrepl.start()` has it running (stopped
    /// by every reset).
    webrepl: WebReplView,
}

thread_local! {
    static STATE: RefCell<Option<SimState>> = const { RefCell::new(None) };
}

/// Runs `f` on the thread's [`SimState`]. Never call Python inside `f`.
pub(crate) fn with_state<R>(f: impl FnOnce(&mut SimState) -> R) -> Option<R> {
    STATE.with(|s| s.try_borrow_mut().ok()?.as_mut().map(f))
}

impl SimState {
    /// Terminal output (print, the REPL, tracebacks; already cooked): to the console UART while
    /// the REPL is on it, and to the streams attached with `os.dupterm`.
    pub fn output(&mut self, bytes: &[u8]) {
        let Some(on_uart) = self.term.output(bytes) else {
            return;
        };
        if self.webrepl.client {
            // Its buffer is the simulator's memory: never the board's heap.
            heap::untracked(|| self.webrepl.out.extend_from_slice(bytes));
            if self.webrepl.out.len() >= OUTPUT_CHUNK {
                self.flush_output();
            }
        }
        if on_uart {
            self.wire(bytes);
        }
    }

    /// Bytes the console UART transmits: to every listener. When the front end watches for
    /// texts, a completed line waits for its verdict: a match ends the run at the end of its line
    /// (or at the next thing the program does that is not printing), so the output keeps whole
    /// lines and the run ends at the same simulated instant every time.
    pub fn wire(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        // Output is gathered and sent when the board waits (or every few ms while it computes):
        // a tool then reads a whole reply in one go, instead of polling into the gaps between the
        // pieces (mpremote sleeps 10 ms whenever it finds nothing to read).
        if self.out_buf.is_empty() {
            self.shared.output_pending.store(true, Ordering::Release);
            if let Some(t) = self.shared.ticker.get() {
                t.unpark();
            }
        }
        // The console's buffer is the simulator's memory, not the board's heap.
        heap::untracked(|| self.out_buf.extend_from_slice(bytes));
        if self.out_buf.len() >= OUTPUT_CHUNK {
            self.flush_output();
        }
        if self.gate.on && self.stop.is_none() {
            // The front end matches write by write, as the program wrote.
            let n = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
            heap::untracked(|| self.gate.writes.push(n));
            if bytes.contains(&b'\n') || self.gate.writes.len() >= MAX_UNJUDGED_WRITES {
                self.judge();
            }
        }
    }

    /// Sends the output gathered so far and waits for the front end's verdict on it (see
    /// [`Gate`]). Commands that come meanwhile are handled after it; a stop ends the wait.
    fn judge(&mut self) {
        if !self.gate.on || self.gate.judging || self.gate.writes.is_empty() || self.stop.is_some()
        {
            return;
        }
        self.gate.judging = true;
        let writes = heap::untracked(|| std::mem::take(&mut self.gate.writes));
        self.event(BoardEvent::Judge(writes));
        let mut later = Vec::new();
        let verdict = loop {
            match self.cmd_rx.recv() {
                Ok(SimCommand::Verdict(v)) => break v,
                Ok(SimCommand::Stop) => {
                    heap::untracked(|| later.push(SimCommand::Stop));
                    break Verdict::default();
                }
                Ok(cmd) => heap::untracked(|| later.push(cmd)),
                Err(_) => break Verdict::default(),
            }
        };
        self.gate.judging = false;
        if let Some(r) = verdict.stop
            && self.stop.is_none()
        {
            self.stop = Some(r);
        }
        if verdict.at_next_step.is_some() {
            self.gate.at_next_step = verdict.at_next_step;
        }
        for cmd in later.drain(..) {
            self.handle(cmd);
        }
        heap::untracked(|| drop(later));
    }

    /// Bytes a UART other than the console transmits.
    pub fn uart_tx(&mut self, id: u32, bytes: &[u8]) {
        let bytes = heap::untracked(|| bytes.to_vec());
        self.flush_output();
        heap::untracked(|| {
            let _ = self
                .events
                .send(BoardEvent::Sim(SimEvent::UartOut { id, bytes }));
        });
    }

    /// Terminal input from a dupterm stream (the interrupt character works as on the console).
    pub fn dupterm_input(&mut self, bytes: &[u8]) {
        self.notified = true;
        let cap = self.input_cap();
        self.term.dupterm_in(bytes, cap);
    }

    /// Whether UART `id` is the board's console (the REPL's serial port).
    pub fn is_console_uart(&self, id: u32) -> bool {
        self.board
            .spec
            .uarts
            .iter()
            .any(|u| u.id == id && u.console)
    }

    /// How many unread console bytes the board keeps; more are lost, as a UART's receive buffer
    /// loses them. On a serial line (a REPL) a flood must not queue minutes of work; tools never
    /// have more than a few KiB in flight. A piped stdin (`mpsim run`) keeps more.
    fn input_cap(&self) -> usize {
        if self.repl.is_some() {
            64 << 10
        } else {
            1 << 20
        }
    }

    /// Sends an event, after the output gathered so far.
    fn event(&mut self, ev: BoardEvent) {
        self.flush_output();
        heap::untracked(|| {
            let _ = self.events.send(ev);
        });
    }

    /// Asks the front end for the WebREPL server (replacing one that runs); its answer comes as
    /// a command (see [`SimState::webrepl_answer`]).
    pub fn webrepl_start(&mut self, board_port: u16, addr: SocketAddr, setup: WebReplSetup) {
        self.webrepl_stop();
        self.webrepl.requested = true;
        let start = WebReplRequest::Start {
            board_port,
            addr,
            setup,
        };
        self.event(BoardEvent::WebRepl(start));
    }

    /// The front end's answer to [`SimState::webrepl_start`], once it came.
    pub fn webrepl_answer(&mut self) -> Option<Result<SocketAddr, i32>> {
        let a = self.webrepl.answer.take()?;
        if let Ok(at) = a {
            self.webrepl.addr = Some(at);
        } else {
            self.webrepl.requested = false;
        }
        Some(a)
    }

    /// Closes the WebREPL server and its client, if it runs.
    pub fn webrepl_stop(&mut self) {
        if std::mem::take(&mut self.webrepl.requested) {
            self.event(BoardEvent::WebRepl(WebReplRequest::Stop));
        }
        self.webrepl = WebReplView::default();
    }

    /// Whether the WebREPL runs, whether a client is logged in, and where it listens.
    pub fn webrepl_state(&self) -> (bool, bool, Option<SocketAddr>) {
        let w = &self.webrepl;
        (w.addr.is_some(), w.client, w.addr)
    }

    /// Sends the gathered console output.
    pub fn flush_output(&mut self) {
        if !self.webrepl.out.is_empty() {
            let bytes = std::mem::take(&mut self.webrepl.out);
            heap::untracked(|| {
                let _ = self.events.send(BoardEvent::WebReplOut(bytes));
            });
        }
        self.shared.output_pending.store(false, Ordering::Release);
        if !self.out_buf.is_empty() {
            let bytes = std::mem::take(&mut self.out_buf);
            heap::untracked(|| {
                let _ = self.events.send(BoardEvent::Sim(SimEvent::Output(bytes)));
            });
        }
    }

    fn fs_request(&mut self, req: FsRequest) -> FsAnswer {
        let Some(f) = self.flash.as_ref() else {
            return FsAnswer::Failed("the board has no flash".into());
        };
        let r = match req {
            FsRequest::List(p) => f.listdir(&p).map(FsAnswer::Entries),
            FsRequest::Read(p) => f.read(&p).map(FsAnswer::Bytes),
            FsRequest::Write(p, data) => f.write(&p, &data).map(|()| FsAnswer::Done),
            FsRequest::Remove(p) => f.remove(&p).map(|()| FsAnswer::Done),
            FsRequest::Mkdir(p) => f.mkdir(&p).map(|()| FsAnswer::Done),
            FsRequest::Rmdir(p) => f.rmdir(&p).map(|()| FsAnswer::Done),
        };
        r.unwrap_or_else(|e| FsAnswer::Failed(e.to_string()))
    }

    /// Shows front ends the board as it is now (coalesced in `Board::publish`).
    fn publish_board(&mut self, now: u64) {
        let mode = match self.repl.as_ref().map(crate::repl::Repl::mode) {
            None => mpsim_board_models::ConsoleMode::None,
            Some(crate::repl::Mode::Friendly) => mpsim_board_models::ConsoleMode::Friendly,
            Some(crate::repl::Mode::Raw) => mpsim_board_models::ConsoleMode::Raw,
        };
        self.board.set_console_mode(mode);
        self.board.set_time(now);
        self.board.publish_if_due();
    }

    /// The program takes a step that is not printing: output not judged yet is judged now, and
    /// a match on an unfinished line ends the run.
    fn promote_deferred_stop(&mut self) {
        self.judge();
        if let Some(r) = self.gate.at_next_step.take()
            && self.stop.is_none()
        {
            self.stop = Some(r);
        }
    }

    fn handle(&mut self, cmd: SimCommand) {
        let now = self.clock.now_us();
        self.handle_at(cmd, now);
    }

    fn handle_at(&mut self, cmd: SimCommand, now: u64) {
        match cmd {
            SimCommand::UartIn { id, bytes } => {
                self.notified = true;
                self.term.uart_in(id, &bytes);
            }
            SimCommand::SerialIn(bytes) => {
                self.notified = true;
                let cap = self.input_cap();
                self.term.serial_in(&bytes, cap);
            }
            SimCommand::Interrupt => self.term.interrupt(),
            SimCommand::TermIn(bytes) => self.dupterm_input(&bytes),
            SimCommand::ConsoleNotice(bytes) => self.wire(&bytes),
            SimCommand::WebRepl(news) => {
                let w = &mut self.webrepl;
                match news {
                    WebReplNews::Started(at) if w.requested => {
                        w.answer = Some(Ok(at));
                    }
                    WebReplNews::Failed(e) if w.requested => w.answer = Some(Err(e)),
                    WebReplNews::Client(on) => w.client = on && w.addr.is_some(),
                    _ => {}
                }
                self.notified = true;
            }
            SimCommand::NetWake => {
                self.net.wake_pending.store(false, Ordering::Release);
                self.notified = true;
            }
            SimCommand::SetAccessPoints(aps) => {
                self.chip.set_access_points(aps);
                self.notified = true;
            }
            SimCommand::SetPin { gpio, level } => {
                self.board.set_time(now);
                let _ = self.board.apply_external(gpio, level);
            }
            SimCommand::SetAdc { channel, value } => {
                self.board.set_adc(channel, value);
            }
            SimCommand::SetAccel { mg } => {
                self.board.set_accel(mg);
            }
            SimCommand::Fs(req, reply) => {
                let answer = heap::untracked(|| self.fs_request(req));
                let _ = reply.0.send(answer);
            }
            SimCommand::SetTimeMode(mode) => {
                if self.clock.set_mode(mode) {
                    self.shared
                        .real_time
                        .store(mode == TimeMode::Real, Ordering::Release);
                    if let Ok(mut s) = self.shared.clock_start.lock() {
                        *s = self.clock.start();
                    }
                    if let Some(t) = self.shared.ticker.get() {
                        t.unpark();
                    }
                } else {
                    self.output(
                        b"\r\nmpsim: simulated time is too far ahead to go back to real time\r\n",
                    );
                }
                self.board.set_time(self.clock.now_us());
                self.board
                    .set_fast_forward(self.clock.mode() == TimeMode::Virtual);
            }
            SimCommand::Reset { hard } => {
                self.reboot = Some(if hard { Reboot::Hard } else { Reboot::Soft });
                self.pending_reset = true;
            }
            // A verdict that came after a stop ended the wait for it.
            SimCommand::Verdict(_) => {}
            SimCommand::Stop => {
                if self.stop.is_none() {
                    self.stop = Some(EndReason::Stopped);
                }
            }
        }
    }

    fn drain_commands(&mut self) {
        while let Ok(cmd) = self.cmd_rx.try_recv() {
            self.handle(cmd);
        }
    }

    /// Checks the limits that depend on simulated time.
    fn check_time_limits(&mut self, now: u64) {
        if self.stop.is_some() {
            return;
        }
        if self.timeout_us.is_some_and(|t| now >= t) {
            self.stop = Some(EndReason::Timeout);
        } else if self.run_for_us.is_some_and(|t| now >= t) {
            self.stop = Some(EndReason::ForElapsed);
        }
    }

    /// The earliest simulated time after `now` anything is due (timers, stimuli, limits), if any.
    /// Items due at or before `now` were serviced already, or cannot be yet (inside a callback,
    /// with IRQs disabled): waiting for them would never end.
    fn next_due_after(&self, now: u64) -> Option<u64> {
        let t = self.sched.next_deadline_after(now);
        let w = self.stimuli.front().map(|(t, _)| *t).filter(|&d| d > now);
        [t, w, self.run_for_us, self.timeout_us]
            .into_iter()
            .flatten()
            .min()
    }

    /// Whether anything (timer, stimulus, limit) falls due at or before `t`.
    pub fn due_by(&self, t: u64) -> bool {
        self.sched.next_deadline().is_some_and(|d| d <= t)
            || self.stimuli.front().is_some_and(|(w, _)| *w <= t)
            || self.run_for_us.is_some_and(|f| t >= f)
            || self.timeout_us.is_some_and(|f| t >= f)
    }

    /// Applies the outside world's scripted actions due by `now`.
    pub fn apply_stimuli(&mut self, now: u64) {
        while self.stimuli.front().is_some_and(|(t, _)| *t <= now) {
            if let Some((t, cmd)) = self.stimuli.pop_front() {
                self.board.set_time(t);
                self.handle_at(cmd, t);
            }
        }
        self.board.set_time(now);
    }

    pub(crate) fn publish_deadline(&self) {
        let t = self
            .sched
            .next_deadline()
            .unwrap_or(u64::MAX)
            .min(self.stimuli.front().map_or(u64::MAX, |(t, _)| *t));
        let old = self.shared.next_deadline.swap(t, Ordering::AcqRel);
        if t < old
            && let Some(ticker) = self.shared.ticker.get()
        {
            ticker.unpark();
        }
    }

    /// Moves due timers and pin edges into the callback queue.
    fn collect_due(&mut self, now: u64, work: &mut Vec<(PyObjectRef, PyObjectRef)>) {
        self.apply_stimuli(now);
        let edges = self.board.take_edges();
        let real_time = self.clock.mode() == TimeMode::Real;
        if self.sched.collect(edges, now, real_time, work) {
            // Their turn comes after the program ran on a little: a poke from here would be
            // taken at this same boundary.
            self.shared.late_scheduled.store(true, Ordering::Release);
            match self.shared.ticker.get() {
                Some(ticker) => ticker.unpark(),
                None => self.shared.poke(),
            }
        }
        self.publish_deadline();
    }

    /// The exception to raise now, if any (stop, Ctrl-C, heap).
    fn pending_raise(&mut self) -> Option<Pending> {
        self.promote_deferred_stop();
        if self.shared.timed_out.swap(false, Ordering::AcqRel) && self.stop.is_none() {
            self.stop = Some(EndReason::Timeout);
        }
        if self.stop.is_some() {
            return Some(Pending::Stop);
        }
        if std::mem::take(&mut self.pending_reset) {
            return Some(Pending::Reset);
        }
        if self.term.take_interrupt() {
            return Some(Pending::Interrupt);
        }
        None
    }
}

/// Console output waiting for the front end's verdict: the texts of `--expect`/`--fail-on`
/// are matched on the front end's side, and the board waits for its answer at each completed
/// line (and before its next step after an unfinished one) — a round trip per line, only when
/// texts are watched — so that a match ends the run where the text appeared, in simulated time
/// and in what the program did, the same on every run.
#[derive(Default)]
struct Gate {
    on: bool,
    /// The lengths of the writes since the last verdict.
    writes: Vec<u32>,
    /// Waiting for a verdict now.
    judging: bool,
    /// A match on a line that has not ended: the run ends at the program's next step.
    at_next_step: Option<EndReason>,
}

/// The board's view of its WebREPL server, which runs in the front end.
#[derive(Default)]
struct WebReplView {
    /// A start was asked for and no stop since.
    requested: bool,
    /// The front end's answer to the start, until `webrepl_start` takes it.
    answer: Option<Result<SocketAddr, i32>>,
    /// Where it listens, while it runs.
    addr: Option<SocketAddr>,
    /// A client is logged in.
    client: bool,
    /// Output for the client, not sent yet.
    out: Vec<u8>,
}

enum Pending {
    Stop,
    Interrupt,
    Reset,
}

/// Where the allocator hook sends its MemoryError (the running interpreter's signal channel).
static OOM_TX: Mutex<Option<UserSignalSender>> = Mutex::new(None);

/// Called by the allocator when the script passes the heap budget: raise MemoryError at the next
/// instruction. Never blocks (the allocator may hold no lock of ours, but we may be inside one).
fn oom_hook() {
    // One MemoryError per passing: a budget passed twice before the next instruction (the
    // interpreter's own work freed and took memory in between) is still one.
    if OOM_QUEUED.swap(true, Ordering::AcqRel) {
        return;
    }
    if let Ok(slot) = OOM_TX.try_lock()
        && let Some(tx) = slot.as_ref()
    {
        let _ = tx.send(Box::new(raise_memory_error));
    } else {
        OOM_QUEUED.store(false, Ordering::Release);
    }
}

/// A MemoryError is queued for the next instruction.
static OOM_QUEUED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// A guard raised MemoryError itself since the queued one was posted: that one is dropped.
static OOM_DELIVERED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A MemoryError was raised at once for a request the heap cannot hold (memguard.rs): one the
/// allocator queued meanwhile is dropped, and the `except` block gets room as after any other.
pub(crate) fn oom_delivered() {
    if OOM_QUEUED.load(Ordering::Acquire) {
        OOM_DELIVERED.store(true, Ordering::Release);
    }
    heap::rearm(except_room());
}

/// The room an `except` block gets after a MemoryError: the traceback keeps the frames that
/// filled the heap alive while it runs.
fn except_room() -> i64 {
    let slack = with_state(|s| i64::try_from(s.heap_size / 2).unwrap_or(4096)).unwrap_or(4096);
    slack.max(1024)
}

fn raise_memory_error(vm: &VirtualMachine) -> PyResult<()> {
    OOM_QUEUED.store(false, Ordering::Release);
    if OOM_DELIVERED.swap(false, Ordering::AcqRel) {
        return Ok(());
    }
    // A peak that is gone by the next instruction was the interpreter's own working memory
    // (the cycle collector's table of every object: the board has no such thing), not the
    // script's: nothing to raise.
    if heap::used() <= heap::size() {
        return Ok(());
    }
    // Passed by less than a small block's worth: the script's bookkeeping around a request a
    // guard already measured (an object's header beyond its buffer). Raising here, at the next
    // instruction, could land outside the `try` that guards the request; the guards raise where
    // the board would, and a script that keeps going is stopped a little further on.
    let tolerance = (heap::size() / 64).max(512);
    if heap::used() <= heap::size() + tolerance {
        heap::rearm_at_limit(tolerance);
        return Ok(());
    }
    heap::rearm(except_room());
    Err(vm.new_exception_msg(
        vm.ctx.exceptions.memory_error.to_owned(),
        "memory allocation failed".into(),
    ))
}

/// Installs (or with `None` removes) the channel the heap hook raises MemoryError through.
pub(crate) fn set_oom_channel(tx: Option<UserSignalSender>) {
    OOM_QUEUED.store(false, Ordering::Release);
    OOM_DELIVERED.store(false, Ordering::Release);
    if let Ok(mut slot) = OOM_TX.lock() {
        *slot = tx;
    }
    heap::set_hook(oom_hook);
}

fn raise(vm: &VirtualMachine, p: Pending) -> PyResult<()> {
    Err(match p {
        // A reset unwinds as `machine.reset()` does: `reboot` is already set.
        Pending::Stop | Pending::Reset => {
            vm.new_exception_empty(vm.ctx.exceptions.system_exit.to_owned())
        }
        Pending::Interrupt => {
            vm.new_exception_empty(vm.ctx.exceptions.keyboard_interrupt.to_owned())
        }
    })
}

/// Raises what is pending (stop, Ctrl-C, heap) without running callbacks.
pub(crate) fn check(vm: &VirtualMachine) -> PyResult<()> {
    match with_state(|s| {
        s.drain_commands();
        s.pending_raise()
    })
    .flatten()
    {
        Some(p) => raise(vm, p),
        None => Ok(()),
    }
}

/// Runs everything due: commands, pin IRQs, timers, scheduled calls. Called between instructions.
pub(crate) fn service(vm: &VirtualMachine) -> PyResult<()> {
    let mut work = Vec::new();
    let pending = with_state(|s| {
        s.shared.posted.store(false, Ordering::Release);
        s.flush_output();
        s.drain_commands();
        let now = s.clock.now_us();
        s.check_time_limits(now);
        s.publish_board(now);
        if let Some(p) = s.pending_raise() {
            return Some(p);
        }
        if s.sched.may_run() {
            s.collect_due(now, &mut work);
            if !work.is_empty() {
                s.sched.set_in_callback(true);
            }
        }
        None
    })
    .flatten();
    if let Some(p) = pending {
        return raise(vm, p);
    }
    if work.is_empty() {
        return Ok(());
    }
    let result = run_callbacks(vm, work);
    with_state(|s| s.sched.set_in_callback(false));
    result
}

fn run_callbacks(vm: &VirtualMachine, work: Vec<(PyObjectRef, PyObjectRef)>) -> PyResult<()> {
    for (f, arg) in work {
        if let Err(e) = f.call((arg,), vm) {
            let fatal = e.fast_isinstance(vm.ctx.exceptions.keyboard_interrupt)
                || e.fast_isinstance(vm.ctx.exceptions.system_exit)
                || with_state(|s| s.stop.is_some()).unwrap_or(false);
            if fatal {
                return Err(e);
            }
            interp::print_exception(vm, &e);
        }
    }
    Ok(())
}

/// Sleeps `us` of simulated time, running callbacks as they fall due. With `until_notified`, returns
/// early once [`notify`] was called (asyncio's wake-up from an IRQ).
/// Moves terminal bytes between the board and the streams attached with `os.dupterm`
/// (`os._dupterm_pump`): what the board printed goes to their `write`, what their `readinto`
/// gives becomes terminal input. Not re-entered from the streams' own output.
pub(crate) fn dupterm_pump(vm: &VirtualMachine) -> PyResult<()> {
    let go = with_state(|s| s.term.begin_pump()).unwrap_or(false);
    if !go {
        return Ok(());
    }
    let r = vm
        .import("os", 0)
        .and_then(|m| m.get_attr("_dupterm_pump", vm))
        .and_then(|f| f.call((), vm));
    with_state(|s| s.term.end_pump());
    r.map(drop)
}

pub(crate) fn sleep_us(vm: &VirtualMachine, us: u64, until_notified: bool) -> PyResult<()> {
    let target = with_state(|s| s.clock.now_us().saturating_add(us)).unwrap_or(0);
    loop {
        // The program waits here: every scheduled call may run.
        with_state(|s| s.sched.release_late());
        service(vm)?;
        enum Step {
            Done,
            Advance(u64),
            Wait(Instant, Receiver<SimCommand>),
        }
        let step = with_state(|s| {
            let now = s.clock.now_us();
            if now >= target || (until_notified && std::mem::take(&mut s.notified)) {
                return Step::Done;
            }
            let due = s.next_due_after(now);
            let until = due.map_or(target, |d| d.min(target));
            match s.clock.mode() {
                // Waiting for input with nothing due (the REPL's prompt, fast-forwarded from a
                // front end): there is no time to jump to; wait for the host.
                TimeMode::Virtual if until_notified && us >= FOREVER_US && due.is_none() => {
                    Step::Wait(Instant::now() + Duration::from_millis(50), s.cmd_rx.clone())
                }
                TimeMode::Virtual => Step::Advance(until),
                // Calls scheduled meanwhile run as soon as they come, as while the firmware
                // sleeps (when they can run: not inside a callback, not with IRQs off).
                TimeMode::Real if s.sched.has_scheduled() && s.sched.may_run() => {
                    Step::Wait(Instant::now(), s.cmd_rx.clone())
                }
                TimeMode::Real => Step::Wait(s.clock.instant_of(until), s.cmd_rx.clone()),
            }
        })
        .unwrap_or(Step::Done);
        match step {
            Step::Done => return Ok(()),
            Step::Advance(t) => {
                if with_state(|s| {
                    let stuck = s.clock.now_us() >= t;
                    s.clock.advance_to(t);
                    let now = s.clock.now_us();
                    s.board.set_time(now);
                    s.check_time_limits(now);
                    stuck
                }) == Some(true)
                {
                    // Nothing moved time: make sure we make progress (a zero-length sleep).
                    if us == 0 {
                        return service(vm);
                    }
                }
            }
            Step::Wait(at, rx) => {
                // Wake at the deadline, for a command, every 50 ms to notice a timeout, or when
                // the board's view is due for front ends.
                let mut at = at.min(Instant::now() + Duration::from_millis(50));
                if let Some(Some(p)) = with_state(|s| s.board.next_publish()) {
                    at = at.min(p.max(Instant::now()));
                }
                take_command(&rx, at);
                let shared = with_state(|s| s.shared.clone());
                if let Some(sh) = shared
                    && sh.wall_deadline.is_some_and(|d| Instant::now() >= d)
                {
                    sh.timed_out.store(true, Ordering::Release);
                }
            }
        }
    }
}

/// Waits for one command until `at` and handles it.
fn take_command(rx: &Receiver<SimCommand>, at: Instant) {
    // The host's timers wake late by tens to hundreds of microseconds: the last stretch before
    // the deadline is waited out yielding, so board time keeps to the microsecond a sleep asked
    // for (a UART's flush, a bit-banged protocol).
    const SPIN: Duration = Duration::from_micros(500);
    let early = at.checked_sub(SPIN).unwrap_or(at);
    if Instant::now() < early {
        match rx.recv_deadline(early) {
            Ok(cmd) => {
                with_state(|s| s.handle(cmd));
                return;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                std::thread::sleep(at.saturating_duration_since(Instant::now()));
                return;
            }
        }
    }
    while Instant::now() < at {
        if let Ok(cmd) = rx.try_recv() {
            with_state(|s| s.handle(cmd));
            return;
        }
        std::thread::yield_now();
    }
}

/// Waits until a socket may have changed (or other input came), `timeout` of wall time passed, or
/// something falls due — whichever is first — running due callbacks as a sleep does. The host's
/// network runs in wall time: in virtual time the clock follows the wall clock meanwhile.
pub(crate) fn net_wait(vm: &VirtualMachine, timeout: Option<Duration>) -> PyResult<()> {
    const SLICE: Duration = Duration::from_millis(50);
    let end = timeout.map(|t| Instant::now() + t);
    loop {
        service(vm)?;
        let step = with_state(|s| {
            if std::mem::take(&mut s.notified) || end.is_some_and(|e| Instant::now() >= e) {
                return None;
            }
            let wall = Instant::now();
            let now = s.clock.now_us();
            let mut at = end.map_or(wall + SLICE, |e| e.min(wall + SLICE));
            if let Some(d) = s.next_due_after(now) {
                at = at.min(match s.clock.mode() {
                    TimeMode::Real => s.clock.instant_of(d),
                    TimeMode::Virtual => wall + Duration::from_micros(d - now),
                });
            }
            if let Some(p) = s.board.next_publish() {
                at = at.min(p.max(wall));
            }
            Some((at, s.cmd_rx.clone()))
        })
        .flatten();
        let Some((at, rx)) = step else {
            return Ok(());
        };
        let started = Instant::now();
        take_command(&rx, at);
        let waited = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        with_state(|s| {
            if s.clock.mode() == TimeMode::Virtual {
                let t = s.clock.now_us().saturating_add(waited);
                let t = s.next_due_after(s.clock.now_us()).map_or(t, |d| d.min(t));
                s.clock.advance_to(t);
                let now = s.clock.now_us();
                s.board.set_time(now);
                s.check_time_limits(now);
            }
            if s.shared.wall_deadline.is_some_and(|d| Instant::now() >= d) {
                s.shared.timed_out.store(true, Ordering::Release);
            }
        });
    }
}

/// A sleep this long is a wait for input with no deadline (the REPL's prompt).
pub(crate) const FOREVER_US: u64 = 1 << 40;

/// Wakes a [`sleep_us`] that waits with `until_notified`.
pub(crate) fn notify() {
    with_state(|s| s.notified = true);
}

fn sim_main(
    config: SimConfig,
    cmd_rx: Receiver<SimCommand>,
    own: CommandSender,
    events: Sender<BoardEvent>,
    shared: Arc<Shared>,
) {
    let SimConfig {
        board,
        time_mode,
        program,
        extra_leds,
        i2c_parts,
        heap_size,
        run_for,
        timeout,
        expect: _,
        fail_on: _,
        judge_output,
        trace,
        argv,
        mut stimuli,
        flash,
        repl,
        live,
        mut net,
    } = config;
    stimuli.sort_by_key(|(t, _)| *t);
    let mut board = match Board::new(board, &extra_leds)
        .map_err(|e| e.to_string())
        .and_then(|mut b| b.attach_i2c(&i2c_parts).map(|()| b))
    {
        Ok(b) => b,
        Err(e) => {
            let _ = events.send(BoardEvent::Sim(SimEvent::Finished(RunOutcome {
                reason: EndReason::Crashed(e.to_string()),
                missing: Vec::new(),
                sim_time_us: 0,
            })));
            return;
        }
    };
    if let Some(t) = trace {
        board.set_sink(t);
    }
    if let Some(l) = live {
        board.attach_live(l, |f| heap::untracked(f));
        board.set_fast_forward(time_mode == TimeMode::Virtual);
    }
    let heap_size = heap_size.unwrap_or(board.spec.heap_size);
    let board_banner = board.spec.banner();
    // Without the counting allocator (a library user's binary) there is no budget to enforce.
    let heap_counted = heap::is_counting();
    let cpu_freq = board.spec.cpu_freq;
    let max_sockets = board
        .spec
        .network
        .as_ref()
        .map_or(0, |n| n.max_sockets as usize);
    let us = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
    let seed = match time_mode {
        TimeMode::Virtual => 0x6d70_7369_6d21,
        TimeMode::Real => {
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(u64::from(std::process::id()));
            h.finish()
        }
    };
    let state = SimState {
        board,
        clock: Clock::starting_at(
            time_mode,
            shared.clock_start.lock().map_or(shared.start, |s| *s),
        ),
        shared: shared.clone(),
        cmd_rx,
        events: events.clone(),
        sched: crate::sched::Scheduler::default(),
        term: crate::terminal::Terminal::default(),
        pending_reset: false,
        stop: None,
        out_buf: Vec::new(),
        run_for_us: run_for.map(us),
        timeout_us: timeout.map(us),
        gate: Gate {
            on: judge_output,
            ..Gate::default()
        },
        notified: false,
        heap_size,
        flash: None,
        heap_counted,
        reboot: None,
        // One copy of the access points: the board's (front ends change it with SetAccessPoints).
        chip: crate::chip::Chip::new(cpu_freq, std::mem::take(&mut net.access_points)),
        regexes: Vec::new(),
        argv,
        heap_locked: 0,
        seed,
        repl: repl.then(|| crate::repl::Repl::new(board_banner.clone())),
        stimuli: stimuli.into_iter().map(|(t, c)| (us(t), c)).collect(),
        net: crate::net::Net::new(net, max_sockets, own.cmd.clone()),
        webrepl: WebReplView::default(),
    };
    STATE.with(|s| *s.borrow_mut() = Some(state));
    if let Some(setup) = flash {
        let geometry = with_state(|s| mpsim_vfs::Geometry {
            size: s.board.spec.fs_size,
            cluster: s.board.spec.fs_block,
        });
        let mounted = geometry.map(|g| mpsim_vfs::Flash::open(&setup.path, g, false));
        let first_boot = setup.first_boot;
        with_state(|s| {
            let flash = match mounted {
                Some(Ok((f, _))) => f,
                Some(Err(e)) => {
                    s.output(format!("flash: {e}\r\n").as_bytes());
                    return;
                }
                None => return,
            };
            if first_boot {
                // What the firmware does when it finds no filesystem: say so, write the defaults.
                mpsim_vfs::set_stamp_time(Some(0));
                let fb = s.board.spec.first_boot.clone();
                if !fb.message.is_empty() {
                    s.output(format!("{}\r\n", fb.message).as_bytes());
                }
                for (name, text) in &fb.files {
                    if let Err(e) = flash.write(&format!("/{name}"), text.as_bytes()) {
                        s.output(format!("cannot write {name} to the flash: {e}\r\n").as_bytes());
                    }
                }
            }
            s.flash = Some(flash);
        });
    }
    if heap_counted {
        // Far beyond the budget a single big request ends the process (see heap.rs).
        heap::set_hard_cap(
            i64::try_from(heap_size.saturating_mul(64))
                .unwrap_or(i64::MAX)
                .max(256 << 20),
        );
    }

    let reason = loop {
        with_state(|s| s.board.count_boot());
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            interp::run_program(program.as_ref(), &shared)
        }));
        let reason = match result {
            Ok(r) => r,
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                // A board with a console (serve, repl) crashes and reboots, as hardware does; the
                // simulator and its port stay up.
                let rebooted = with_state(|s| {
                    if s.repl.is_none() || s.stop.is_some() {
                        return false;
                    }
                    s.output(
                        format!("\r\nmpsim: the board crashed (a bug in the simulator: {msg}); rebooting\r\n")
                            .as_bytes(),
                    );
                    s.reboot = Some(Reboot::Hard);
                    true
                })
                .unwrap_or(false);
                if rebooted {
                    EndReason::Finished
                } else {
                    EndReason::Crashed(msg)
                }
            }
        };
        heap::set_tracked(false);
        shared.running.store(false, Ordering::Release);
        let reboot = with_state(|s| {
            s.sched.clear();
            s.term.reset();
            // Sockets and the WebREPL's client go with the interpreter (boot.py starts it again).
            s.net.close_all();
            s.chip.set_mb_radio(None);
            s.webrepl_stop();
            if matches!(
                s.reboot,
                Some(Reboot::Hard | Reboot::DeepSleep | Reboot::Watchdog)
            ) {
                s.chip.power_cycle();
            }
            s.reboot.take()
        })
        .flatten();
        match reboot {
            Some(kind) if with_state(|s| s.stop.is_none()).unwrap_or(false) => {
                with_state(|s| {
                    if kind == Reboot::Soft {
                        s.output(b"MPY: soft reboot\r\n");
                    }
                    s.chip.set_reset_cause(match kind {
                        Reboot::Hard => "HARD_RESET",
                        Reboot::Soft => "SOFT_RESET",
                        Reboot::DeepSleep => "DEEPSLEEP_RESET",
                        Reboot::Watchdog => "WDT_RESET",
                    });
                    if kind != Reboot::Soft {
                        let now = s.clock.now_us();
                        s.board.set_time(now);
                        s.board.reset();
                        // A hard reset always comes up in the friendly REPL.
                        if s.repl.is_some() {
                            s.repl = Some(crate::repl::Repl::new(s.board.spec.banner()));
                        }
                    }
                });
                continue;
            }
            _ => break reason,
        }
    };
    let t = with_state(|s| {
        let now = s.clock.now_us();
        s.board.finish(now);
        if let Some(f) = s.flash.take()
            && let Err(e) = f.close()
        {
            s.output(format!("flash: {e}\r\n").as_bytes());
        }
        s.flush_output();
        now
    })
    .unwrap_or_default();
    shared.quit.store(true, Ordering::Release);
    if let Some(t) = shared.ticker.get() {
        t.unpark();
    }
    STATE.with(|s| s.borrow_mut().take());
    let _ = events.send(BoardEvent::Sim(SimEvent::Finished(RunOutcome {
        reason,
        // The front end's supervisor, which watched the output, says which texts it missed.
        missing: Vec::new(),
        sim_time_us: t,
    })));
}
