//! What lives on the `sim` thread next to the interpreter ([`SimState`], reached through
//! [`with_state`]) and what it shares with the board's other threads ([`Shared`]). Nothing here
//! calls Python: the runtime (`runtime.rs`) does, between its visits to the state.

use crate::api::{
    BoardEvent, EndReason, FsAnswer, FsRequest, Reboot, SimCommand, SimEvent, Verdict, WebReplNews,
    WebReplRequest, WebReplSetup,
};
use crate::clock::{Clock, TimeMode};
use crate::heap;
use crossbeam_channel::{Receiver, Sender};
use mpsim_board_models::Board;
use rustpython_vm::signal::UserSignalSender;
use rustpython_vm::{PyObjectRef, PyResult, VirtualMachine};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Console output is sent at the latest once this much has gathered.
const OUTPUT_CHUNK: usize = 4096;

/// Writes without a line end that may wait for a verdict (see [`Gate`]).
const MAX_UNJUDGED_WRITES: usize = 1024;

/// State shared with threads other than `sim` (all lock-free or briefly locked).
pub(crate) struct Shared {
    /// What a poke runs at the interpreter's next instruction boundary (`runtime::service`).
    pub(crate) service: fn(&VirtualMachine) -> PyResult<()>,
    pub(crate) signal: Mutex<Option<UserSignalSender>>,
    pub(crate) posted: AtomicBool,
    /// Simulated time of the next timer, µs (u64::MAX: none). Real time only.
    pub(crate) next_deadline: AtomicU64,
    /// Calls a callback scheduled are waiting (see `State::scheduled_late`): the ticker pokes
    /// the interpreter for them from its own thread, after the signal being handled now.
    pub(crate) late_scheduled: AtomicBool,
    pub(crate) running: AtomicBool,
    pub(crate) quit: AtomicBool,
    pub(crate) timed_out: AtomicBool,
    pub(crate) wall_deadline: Option<Instant>,
    pub(crate) start: Instant,
    /// The clock runs in real time (the ticker watches timers only then).
    pub(crate) real_time: AtomicBool,
    /// When the real-time clock read 0 (it moves when the time mode changes).
    pub(crate) clock_start: Mutex<Instant>,
    /// The ticker thread, unparked when an earlier deadline appears.
    pub(crate) ticker: std::sync::OnceLock<std::thread::Thread>,
    /// Console output waits in the `sim` thread's buffer.
    pub(crate) output_pending: AtomicBool,
    /// The console output not sent yet: the `sim` thread gathers it here, and its flush, or the
    /// stall watchdog when that thread is stuck (sim.rs's ticker), sends it.
    pub(crate) console: Mutex<Vec<u8>>,
    /// When a command that must be answered (Ctrl-C, stop) came that the `sim` thread has not
    /// taken yet: ms since `start`, plus one (0: none).
    pub(crate) urgent_since: AtomicU64,
    /// What the board process does when the `sim` thread is stuck in one native operation past
    /// a deadline (see [`crate::Stall`]); unset, nothing happens.
    pub(crate) on_stall: std::sync::OnceLock<Box<dyn Fn(crate::Stall) + Send + Sync>>,
}

impl Shared {
    /// Takes the console output gathered so far.
    pub(crate) fn take_console(&self) -> Vec<u8> {
        let mut buf = self.console.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *buf)
    }

    /// Sends the console output gathered so far, in order whichever thread sends it (the `sim`
    /// thread, or the ticker while that thread is held by one long native operation).
    pub(crate) fn flush_console(&self, events: &Sender<BoardEvent>) {
        let mut buf = self.console.lock().unwrap_or_else(|p| p.into_inner());
        self.output_pending.store(false, Ordering::Release);
        if !buf.is_empty() {
            let bytes = std::mem::take(&mut *buf);
            let _ = events.send(BoardEvent::Sim(SimEvent::Output(bytes)));
        }
    }

    /// Notes a command that must be answered (see [`Shared::urgent_since`]), unless one waits.
    pub(crate) fn mark_urgent(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1;
        let _ = self
            .urgent_since
            .compare_exchange(0, ms, Ordering::AcqRel, Ordering::Acquire);
    }

    /// Asks the interpreter to run [`Shared::service`] at its next instruction boundary.
    pub(crate) fn poke(&self) {
        if self.posted.swap(true, Ordering::AcqRel) {
            return;
        }
        let sent = match self.signal.lock() {
            Ok(slot) => slot
                .as_ref()
                .is_some_and(|tx| tx.send(Box::new(self.service)).is_ok()),
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
    /// How the run ends: a stop, a reboot, the limits in simulated time.
    pub run: crate::run::RunControl,
    /// The front end's judgement of the console output (`--expect`/`--fail-on`).
    gate: Gate,
    /// Input or news came that a wait with `until_notified` returns for.
    notified: bool,
    /// The board's heap: size, counting, lock.
    pub memory: heap::Budget,
    /// The board's flash, mounted.
    flash: Option<mpsim_vfs::Flash>,
    /// CPU frequency, RTC, reset cause, NVS, radios, access points.
    pub chip: crate::chip::Chip,
    /// `sys.argv`.
    argv: Vec<String>,
    /// The state of the board's random seed (see [`SimState::entropy`]).
    seed: u64,
    /// The REPL, when the board has one (it outlives soft resets).
    repl: Option<crate::repl::Repl>,
    /// Scripted outside-world actions, earliest first.
    stimuli: VecDeque<(u64, SimCommand)>,
    /// The board's sockets (closed by every reset).
    pub net: crate::net::Net,
    /// The WebREPL server (in the front end), while `webrepl.start()` has it running (stopped
    /// by every reset).
    webrepl: WebReplView,
    /// Lockstep: how far the board may run (simulated µs), and the horizon it last said it
    /// reached.
    horizon: Option<u64>,
    horizon_told: Option<u64>,
    /// This board's I2C targets (`machine.I2CTarget`), for controllers on other boards.
    pub i2c_targets: Vec<I2cTarget>,
    /// Answers to this board's transfers to other boards' targets, by number, and the next
    /// number.
    i2c_replies: Vec<(u64, bool, Vec<u8>)>,
    i2c_next: u64,
}

/// One `machine.I2CTarget` in memory mode: its bus and address, the script's buffer, the memory
/// address the controller selected, and its IRQ.
pub struct I2cTarget {
    /// Its number (what the Python object holds).
    pub key: u64,
    pub scl: u32,
    pub sda: u32,
    pub addr: u8,
    /// The `mem` bytearray, if any.
    pub mem: Option<PyObjectRef>,
    /// Bytes of memory address (`mem_addrsize` / 8).
    pub addr_bytes: u8,
    /// The memory address now.
    pub memaddr: u32,
    /// The Python object, the IRQ handler and its triggers, and the flags of the last event.
    pub obj: PyObjectRef,
    pub handler: Option<PyObjectRef>,
    pub trigger: u32,
    pub flags: u32,
}

thread_local! {
    static STATE: RefCell<Option<SimState>> = const { RefCell::new(None) };
}

/// Runs `f` on the thread's [`SimState`]. Never call Python inside `f`.
pub(crate) fn with_state<R>(f: impl FnOnce(&mut SimState) -> R) -> Option<R> {
    STATE.with(|s| s.try_borrow_mut().ok()?.as_mut().map(f))
}

/// What a board's state starts from (see [`SimState::install`]).
pub(crate) struct Setup {
    pub board: Board,
    pub clock: Clock,
    pub shared: Arc<Shared>,
    pub commands: Receiver<SimCommand>,
    pub events: Sender<BoardEvent>,
    pub run_for_us: Option<u64>,
    pub timeout_us: Option<u64>,
    /// The front end watches the console output for texts (see [`Gate`]).
    pub judge_output: bool,
    pub heap_size: u64,
    pub heap_counted: bool,
    pub chip: crate::chip::Chip,
    pub argv: Vec<String>,
    pub seed: u64,
    pub repl: Option<crate::repl::Repl>,
    /// Scripted outside-world actions (simulated µs), earliest first.
    pub stimuli: VecDeque<(u64, SimCommand)>,
    pub net: crate::net::Net,
    /// Virtual time in lockstep with other boards (see [`SimState::horizon`]).
    pub lockstep: bool,
}

impl SimState {
    /// Makes a board's state the `sim` thread's.
    pub(crate) fn install(s: Setup) {
        let state = SimState {
            board: s.board,
            clock: s.clock,
            shared: s.shared,
            cmd_rx: s.commands,
            events: s.events,
            sched: crate::sched::Scheduler::default(),
            term: crate::terminal::Terminal::default(),
            run: crate::run::RunControl::new(s.run_for_us, s.timeout_us),
            gate: Gate {
                on: s.judge_output,
                ..Gate::default()
            },
            notified: false,
            memory: heap::Budget::new(s.heap_size, s.heap_counted),
            flash: None,
            chip: s.chip,
            argv: s.argv,
            seed: s.seed,
            repl: s.repl,
            stimuli: s.stimuli,
            net: s.net,
            webrepl: WebReplView::default(),
            horizon: s.lockstep.then_some(0),
            horizon_told: None,
            i2c_targets: Vec::new(),
            i2c_replies: Vec::new(),
            i2c_next: 1,
        };
        STATE.with(|st| *st.borrow_mut() = Some(state));
    }

    /// Drops the `sim` thread's board state (the run ended).
    pub(crate) fn uninstall() {
        STATE.with(|st| st.borrow_mut().take());
    }

    /// Something happened that a wait for input returns for.
    pub(crate) fn notify(&mut self) {
        self.notified = true;
    }

    /// Whether something happened since the last call.
    pub(crate) fn take_notified(&mut self) -> bool {
        std::mem::take(&mut self.notified)
    }

    /// `sys.argv`.
    pub(crate) fn argv(&self) -> &[String] {
        &self.argv
    }

    /// The seed `random` starts from (fixed in virtual time, fresh in real time).
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// The next number of the board's entropy source (a 64-bit LCG over the seed).
    pub(crate) fn entropy(&mut self) -> u64 {
        self.seed = self
            .seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.seed >> 1
    }

    /// The board's mounted flash.
    pub(crate) fn flash(&self) -> Option<&mpsim_vfs::Flash> {
        self.flash.as_ref()
    }

    /// Mounts the board's flash.
    pub(crate) fn mount_flash(&mut self, flash: mpsim_vfs::Flash) {
        self.flash = Some(flash);
    }

    /// Unmounts the board's flash (the run ended), for closing.
    pub(crate) fn take_flash(&mut self) -> Option<mpsim_vfs::Flash> {
        self.flash.take()
    }

    /// The REPL, when the board has one.
    pub(crate) fn repl(&mut self) -> Option<&mut crate::repl::Repl> {
        self.repl.as_mut()
    }

    /// The REPL's mode, when the board has one.
    pub(crate) fn repl_mode(&self) -> Option<crate::repl::Mode> {
        self.repl.as_ref().map(crate::repl::Repl::mode)
    }

    /// A hard reset: a board with a REPL comes up in a new one, in its friendly mode.
    pub(crate) fn restart_repl(&mut self) {
        if self.repl.is_some() {
            self.repl = Some(crate::repl::Repl::new(self.board.spec.banner()));
        }
    }

    /// The board's command queue (a wait blocks on it).
    pub(crate) fn commands(&self) -> Receiver<SimCommand> {
        self.cmd_rx.clone()
    }
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
        // The console's buffer is the simulator's memory, not the board's heap.
        let (first, full) = heap::untracked(|| {
            let mut buf = self
                .shared
                .console
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            let first = buf.is_empty();
            buf.extend_from_slice(bytes);
            (first, buf.len() >= OUTPUT_CHUNK)
        });
        if first {
            self.shared.output_pending.store(true, Ordering::Release);
            if let Some(t) = self.shared.ticker.get() {
                t.unpark();
            }
        }
        if full {
            self.flush_output();
        }
        if self.gate.on && !self.run.ending() {
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
        if !self.gate.on || self.gate.judging || self.gate.writes.is_empty() || self.run.ending() {
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
        if let Some(r) = verdict.stop {
            self.run.end(r);
        }
        if verdict.at_next_step.is_some() {
            self.gate.at_next_step = verdict.at_next_step;
        }
        for cmd in later.drain(..) {
            self.handle(cmd);
        }
        heap::untracked(|| drop(later));
    }

    /// A controller on another board addresses this board's targets: a write (`read` 0) selects
    /// the memory address and writes from there, a read reads from the memory address on, both
    /// wrapping at the buffer's end, as extmod's memory-mode targets; an END event is scheduled
    /// for the target's IRQ (none for a write of the address alone). Acknowledged, and the bytes.
    fn i2c_serve(&mut self, xfer: &crate::api::I2cTransfer) -> (bool, Vec<u8>) {
        let crate::api::I2cTransfer {
            scl,
            sda,
            addr,
            ref data,
            read,
        } = *xfer;
        use rustpython_vm::builtins::PyByteArray;
        let Some(t) = self
            .i2c_targets
            .iter_mut()
            .find(|t| t.scl == scl && t.sda == sda && t.addr == addr)
        else {
            return (false, Vec::new());
        };
        let buf = t.mem.as_ref().and_then(|m| m.downcast_ref::<PyByteArray>());
        let mut out = Vec::new();
        let event;
        match buf {
            Some(b) => {
                let mut mem = b.borrow_buf_mut();
                let len = mem.len().max(1) as u32;
                if read == 0 {
                    let n = usize::from(t.addr_bytes).min(data.len());
                    if n > 0 {
                        t.memaddr =
                            data[..n].iter().fold(0u32, |a, &x| a << 8 | u32::from(x)) % len;
                    }
                    for &x in &data[n..] {
                        if let Some(slot) = mem.get_mut(t.memaddr as usize) {
                            *slot = x;
                        }
                        t.memaddr = (t.memaddr + 1) % len;
                    }
                    event = (data.len() > n).then_some(32);
                } else {
                    for _ in 0..read.min(1 << 16) {
                        out.push(mem.get(t.memaddr as usize).copied().unwrap_or(0));
                        t.memaddr = (t.memaddr + 1) % len;
                    }
                    event = Some(16);
                }
            }
            None => {
                // No memory: reads get zeros, writes are dropped (no handler for the raw events).
                out = vec![0; read.min(1 << 16) as usize];
                event = Some(if read == 0 { 32 } else { 16 });
            }
        }
        if let Some(flag) = event {
            t.flags = flag;
            if let Some(h) = t.handler.clone()
                && t.trigger & flag != 0
            {
                let obj = t.obj.clone();
                if self.sched.schedule((h, obj)) {
                    self.shared.poke();
                }
            }
        }
        (true, out)
    }

    /// A number for a transfer to another board's targets.
    pub fn i2c_request_id(&mut self) -> u64 {
        self.i2c_next += 1;
        self.i2c_next
    }

    /// The answer to transfer `id`, once it came.
    pub fn take_i2c_reply(&mut self, id: u64) -> Option<(bool, Vec<u8>)> {
        let i = self.i2c_replies.iter().position(|r| r.0 == id)?;
        let (_, ack, data) = self.i2c_replies.swap_remove(i);
        Some((ack, data))
    }

    /// Sends an event to the front end.
    pub fn send_event(&mut self, e: SimEvent) {
        self.flush_output();
        heap::untracked(|| {
            let _ = self.events.send(BoardEvent::Sim(e));
        });
    }

    /// In lockstep with other boards (its radio goes through the front end).
    pub fn lockstep(&self) -> bool {
        self.horizon.is_some()
    }

    /// How far the board may run in simulated time (`u64::MAX` unless in lockstep).
    pub fn horizon(&self) -> u64 {
        self.horizon.unwrap_or(u64::MAX)
    }

    /// Lockstep: the board reached its horizon (its clock moved there) and next acts on its
    /// own at `next` (simulated µs); says so once.
    pub fn at_horizon(&mut self, next: u64) {
        let Some(h) = self.horizon else { return };
        self.clock.advance_to(h);
        if self.horizon_told != Some(h) {
            self.horizon_told = Some(h);
            self.flush_output();
            let next = next.max(h);
            heap::untracked(|| {
                let _ = self
                    .events
                    .send(BoardEvent::Sim(SimEvent::AtHorizon(h, next)));
            });
        }
    }

    /// Tells the front end what the board now drives on pins wired to another board.
    pub fn flush_exports(&mut self) {
        if !self.board.has_exports() {
            return;
        }
        let changes = heap::untracked(|| self.board.take_exports());
        self.flush_output();
        heap::untracked(|| {
            for (gpio, level) in changes {
                let _ = self
                    .events
                    .send(BoardEvent::Sim(SimEvent::PinDrive { gpio, level }));
            }
        });
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
        self.notify();
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
        heap::untracked(|| self.shared.flush_console(&self.events));
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
    pub(crate) fn publish_board(&mut self, now: u64) {
        let mode = match self.repl_mode() {
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
        if let Some(r) = self.gate.at_next_step.take() {
            self.run.end(r);
        }
    }

    pub(crate) fn handle(&mut self, cmd: SimCommand) {
        let now = self.clock.now_us();
        self.handle_at(cmd, now);
    }

    fn handle_at(&mut self, cmd: SimCommand, now: u64) {
        // The `sim` thread is taking commands: nothing waits for it unanswered.
        self.shared.urgent_since.store(0, Ordering::Release);
        match cmd {
            SimCommand::UartIn { id, bytes } => {
                self.notify();
                self.term.uart_in(id, &bytes);
            }
            SimCommand::SerialIn(bytes) => {
                self.notify();
                let cap = self.input_cap();
                self.term.serial_in(&bytes, cap);
            }
            SimCommand::Interrupt => self.term.interrupt(),
            SimCommand::TermIn(bytes) => self.dupterm_input(&bytes),
            SimCommand::ConsoleNotice(bytes) => self.wire(&bytes),
            SimCommand::WebRepl(news) => {
                self.webrepl.news(news);
                self.notify();
            }
            SimCommand::NetWake => {
                self.net.wake_pending.store(false, Ordering::Release);
                self.notify();
            }
            SimCommand::SetAccessPoints(aps) => {
                self.chip.set_access_points(aps);
                self.notify();
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
            SimCommand::I2cServe { id, xfer } => {
                let (ack, data) = self.i2c_serve(&xfer);
                self.flush_output();
                heap::untracked(|| {
                    let _ =
                        self.events
                            .send(BoardEvent::Sim(SimEvent::I2cServed { id, ack, data }));
                });
            }
            SimCommand::I2cReply { id, ack, data } => {
                if self.i2c_replies.len() < 64 {
                    self.i2c_replies.push((id, ack, data));
                }
            }
            SimCommand::Horizon(t) => {
                if self.horizon.is_some() {
                    self.horizon = Some(t);
                }
            }
            SimCommand::SetControl { part, name, value } => {
                self.board.set_time(now);
                if let Err(e) = self.board.set_control(&part, &name, value) {
                    self.output(format!("\r\nmpsim: --control {part}.{name}: {e}\r\n").as_bytes());
                }
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
                self.run
                    .reset_now(if hard { Reboot::Hard } else { Reboot::Soft });
            }
            SimCommand::Radio { espnow_to, packet } => {
                let r = match &espnow_to {
                    None => self.chip.mb_radio(),
                    Some(_) => self.chip.espnow(),
                };
                if let Some(r) = r {
                    r.hear(espnow_to.as_deref().unwrap_or(""), packet);
                    self.notify();
                }
            }
            SimCommand::Snapshot => {
                self.board.set_time(now);
                let snap = heap::untracked(|| Box::new(self.board.snapshot()));
                self.send_event(SimEvent::Snapshot(snap));
            }
            // A verdict that came after a stop ended the wait for it.
            SimCommand::Verdict(_) => {}
            SimCommand::Stop => {
                self.run.end(EndReason::Stopped);
            }
        }
    }

    pub(crate) fn drain_commands(&mut self) {
        while let Ok(cmd) = self.cmd_rx.try_recv() {
            self.handle(cmd);
        }
    }

    /// Checks the limits that depend on simulated time.
    pub(crate) fn check_time_limits(&mut self, now: u64) {
        self.run.check_time(now);
    }

    /// The earliest simulated time after `now` anything is due (timers, stimuli, limits), if any.
    /// Items due at or before `now` were serviced already, or cannot be yet (inside a callback,
    /// with IRQs disabled): waiting for them would never end.
    pub(crate) fn next_due_after(&self, now: u64) -> Option<u64> {
        let t = self.sched.next_deadline_after(now);
        let w = self.stimuli.front().map(|(t, _)| *t).filter(|&d| d > now);
        let [f, o] = self.run.deadlines();
        let p = self.board.next_part_event().filter(|&d| d > now);
        [t, w, f, o, p].into_iter().flatten().min()
    }

    /// Whether anything (timer, stimulus, limit) falls due at or before `t`.
    pub fn due_by(&self, t: u64) -> bool {
        self.sched.next_deadline().is_some_and(|d| d <= t)
            || self.stimuli.front().is_some_and(|(w, _)| *w <= t)
            || self.run.deadlines().into_iter().flatten().any(|f| t >= f)
            || self.board.next_part_event().is_some_and(|d| d <= t)
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
    pub(crate) fn collect_due(&mut self, now: u64, work: &mut Vec<(PyObjectRef, PyObjectRef)>) {
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
    pub(crate) fn pending_raise(&mut self) -> Option<Pending> {
        self.promote_deferred_stop();
        if self.shared.timed_out.swap(false, Ordering::AcqRel) {
            self.run.end(EndReason::Timeout);
        }
        if self.run.ending() {
            return Some(Pending::Stop);
        }
        if self.run.take_reset() {
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

impl WebReplView {
    /// What the front end says of the server it runs for the board.
    fn news(&mut self, news: WebReplNews) {
        match news {
            WebReplNews::Started(at) if self.requested => {
                // The server runs from now on: a client that logs in before `webrepl.start()`
                // has read this answer is the board's client too (under load the login can
                // come first; the client was then never the board's and got no answer).
                self.addr = Some(at);
                self.answer = Some(Ok(at));
            }
            WebReplNews::Failed(e) if self.requested => self.answer = Some(Err(e)),
            WebReplNews::Client(on) => self.client = on && self.addr.is_some(),
            _ => {}
        }
    }
}

pub(crate) enum Pending {
    Stop,
    Interrupt,
    Reset,
}

#[cfg(test)]
mod tests {
    use super::WebReplView;
    use crate::api::WebReplNews;

    #[test]
    fn a_client_that_logs_in_before_the_start_is_read_is_the_boards() {
        let at = "127.0.0.1:8266".parse().unwrap();
        let mut w = WebReplView {
            requested: true,
            ..WebReplView::default()
        };
        w.news(WebReplNews::Started(at));
        w.news(WebReplNews::Client(true));
        assert!(w.client);
        assert_eq!(w.answer, Some(Ok(at)));
        w.news(WebReplNews::Client(false));
        assert!(!w.client);
        // No server asked for: a stray login is nobody's.
        let mut idle = WebReplView::default();
        idle.news(WebReplNews::Started(at));
        idle.news(WebReplNews::Client(true));
        assert!(!idle.client && idle.addr.is_none());
    }
}
