//! The `sim` thread: owns the interpreter, the board, the clock and the scheduler (its state in
//! `state.rs`, its runtime in `runtime.rs`). Others talk to it through [`SimCommand`]s and hear
//! from it through [`SimEvent`]s. This module starts it, runs its boots and reboots
//! ([`sim_main`]) and keeps its ticker.

use crate::api::{
    BoardEvent, EndReason, Reboot, RunOutcome, SimCommand, SimConfig, SimError, SimEvent,
};
use crate::clock::{Clock, TimeMode};
use crate::heap;
use crate::interp;
use crate::state::{Setup, Shared, SimState, with_state};
use crossbeam_channel::{Receiver, Sender, bounded};
use mpsim_board_models::Board;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running board.
pub struct SimHandle {
    cmd: Sender<SimCommand>,
    shared: Arc<Shared>,
    /// Everything the board says.
    pub events: Receiver<BoardEvent>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The `sim` thread stuck in one native operation (a conversion, a sort, a regex the
/// interpreter runs without looking up) past a deadline it cannot notice there: what the board
/// process does instead (see [`SimHandle::on_stall`]).
#[derive(Debug)]
pub enum Stall {
    /// `--timeout` passed more than [`STALL_GRACE`] ago: the run ends as a timeout.
    Timeout {
        /// Console output the board printed and did not send yet.
        output: Vec<u8>,
        /// Simulated time, µs (the clock's reading: the stuck thread cannot advance it).
        sim_time_us: u64,
    },
    /// Ctrl-C or a stop waited [`UNANSWERED`] without the thread taking any command.
    Unanswered {
        /// Console output the board printed and did not send yet.
        output: Vec<u8>,
    },
}

/// How long past `--timeout` a stuck `sim` thread is given before the stall watchdog ends the run.
pub const STALL_GRACE: Duration = Duration::from_millis(40);
/// How long Ctrl-C or a stop may wait for a stuck `sim` thread before the watchdog acts.
pub const UNANSWERED: Duration = Duration::from_secs(2);

impl SimHandle {
    /// What to do when the `sim` thread is stuck past a deadline (see [`Stall`]); called once, on
    /// the ticker thread. A board process ends itself there: only a process can drop a thread
    /// that will not return.
    pub fn on_stall(&self, f: impl Fn(Stall) + Send + Sync + 'static) {
        let _ = self.shared.on_stall.set(Box::new(f));
    }

    /// Sends a command; false when the board has stopped.
    pub fn send(&self, cmd: SimCommand) -> bool {
        send(&self.cmd, &self.shared, cmd)
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

/// A command the `sim` thread must answer soon: Ctrl-C (typed, or from a front end) and stop.
fn is_urgent(cmd: &SimCommand) -> bool {
    match cmd {
        SimCommand::Interrupt | SimCommand::Stop => true,
        SimCommand::SerialIn(bytes) | SimCommand::TermIn(bytes) => bytes.contains(&3),
        _ => false,
    }
}

/// Sends a command and pokes the interpreter to take it; false when the board has stopped.
fn send(tx: &Sender<SimCommand>, shared: &Shared, cmd: SimCommand) -> bool {
    if is_urgent(&cmd) {
        shared.mark_urgent();
    }
    let ok = tx.send(cmd).is_ok();
    shared.poke();
    ok
}

impl CommandSender {
    /// Sends a command; false when the board has stopped.
    pub fn send(&self, cmd: SimCommand) -> bool {
        send(&self.cmd, &self.shared, cmd)
    }
}

/// The native stack of the `sim` thread: Python recursion runs on it.
const SIM_STACK: usize = 256 << 20;
/// Host bytes the script may hold beyond its heap's size (see heap.rs's `HOST`).
const HOST_MARGIN: i64 = 24 << 20;

/// Starts a board on its own `sim` thread.
pub fn spawn(config: SimConfig) -> Result<SimHandle, SimError> {
    let (cmd_tx, cmd_rx) = bounded::<SimCommand>(4096);
    let (ev_tx, ev_rx) = bounded::<BoardEvent>(256);
    let console = ev_tx.clone();
    crate::api::check_config(&config)?;
    let shared = Arc::new(Shared {
        service: crate::runtime::service_from_signal,
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
        console: Mutex::new(Vec::new()),
        urgent_since: AtomicU64::new(0),
        on_stall: std::sync::OnceLock::new(),
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
        .spawn(move || ticker(sh, &console))
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
fn ticker(shared: Arc<Shared>, console: &Sender<BoardEvent>) {
    const IDLE: Duration = Duration::from_millis(250);
    const OUTPUT_DELAY: Duration = Duration::from_millis(2);
    // Output the `sim` thread has not sent this long after a poke: it is held by one native
    // operation, and the ticker sends the output itself.
    const OUTPUT_HELD: Duration = Duration::from_millis(20);
    let mut output_since: Option<Instant> = None;
    // The stall watchdog's view of `--timeout`: when it was signalled, and whether the `sim`
    // thread took it.
    let mut timed_out_at: Option<Instant> = None;
    let mut timeout_taken = false;
    while !shared.quit.load(Ordering::Acquire) {
        let now = Instant::now();
        let mut wait = IDLE;
        if let Some(d) = shared.wall_deadline
            && !timeout_taken
        {
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
        let urgent = shared.urgent_since.load(Ordering::Acquire);
        if urgent != 0 {
            let at = shared.start + Duration::from_millis(urgent - 1) + UNANSWERED;
            wait = wait.min(
                at.saturating_duration_since(now)
                    .max(Duration::from_millis(1)),
            );
        }
        if !wait.is_zero() {
            std::thread::park_timeout(wait);
        }
        if urgent != 0
            && shared.urgent_since.load(Ordering::Acquire) == urgent
            && shared.start.elapsed() >= Duration::from_millis(urgent - 1) + UNANSWERED
            && let Some(f) = shared.on_stall.get()
        {
            f(Stall::Unanswered {
                output: shared.take_console(),
            });
            return;
        }
        if shared.late_scheduled.swap(false, Ordering::AcqRel) {
            shared.poke();
        }
        if shared.output_pending.load(Ordering::Acquire) {
            // Output gathered while the program computes goes out within a few milliseconds.
            std::thread::sleep(OUTPUT_DELAY);
            if shared.output_pending.load(Ordering::Acquire) {
                shared.poke();
                let since = *output_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= OUTPUT_HELD {
                    shared.flush_console(console);
                    output_since = None;
                }
            } else {
                output_since = None;
            }
        } else {
            output_since = None;
        }
        if !shared.running.load(Ordering::Acquire) {
            continue;
        }
        let mut wake = false;
        if !timeout_taken && shared.wall_deadline.is_some_and(|d| Instant::now() >= d) {
            match timed_out_at {
                None => {
                    shared.timed_out.store(true, Ordering::Release);
                    timed_out_at = Some(Instant::now());
                    wake = true;
                }
                // Taken at an instruction boundary: the run ends by itself.
                Some(_) if !shared.timed_out.load(Ordering::Acquire) => timeout_taken = true,
                Some(t) if t.elapsed() >= STALL_GRACE => {
                    if let Some(f) = shared.on_stall.get() {
                        let us = clock_start.elapsed().as_micros();
                        f(Stall::Timeout {
                            output: shared.take_console(),
                            sim_time_us: u64::try_from(us).unwrap_or(u64::MAX),
                        });
                        return;
                    }
                    timeout_taken = true;
                }
                Some(_) => wake = true,
            }
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
        circuit,
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
        export_pins,
        lockstep,
    } = config;
    stimuli.sort_by_key(|(t, _)| *t);
    let mut board = match Board::new(board, &extra_leds)
        .map_err(|e| e.to_string())
        .and_then(|mut b| {
            b.attach_circuit(&circuit)
                .map(|()| b)
                .map_err(|e| e.to_string())
        }) {
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
    board.set_exports(&export_pins);
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
    SimState::install(Setup {
        board,
        clock: Clock::starting_at(
            time_mode,
            shared.clock_start.lock().map_or(shared.start, |s| *s),
        ),
        shared: shared.clone(),
        commands: cmd_rx,
        events: events.clone(),
        run_for_us: run_for.map(us),
        timeout_us: timeout.map(us),
        judge_output,
        heap_size,
        heap_counted,
        // One copy of the access points: the board's (front ends change it with SetAccessPoints).
        chip: crate::chip::Chip::new(cpu_freq, std::mem::take(&mut net.access_points)),
        argv,
        seed,
        repl: repl.then(|| crate::repl::Repl::new(board_banner.clone())),
        stimuli: stimuli.into_iter().map(|(t, c)| (us(t), c)).collect(),
        net: crate::net::Net::new(net, max_sockets, own.cmd.clone()),
        lockstep: lockstep && time_mode == TimeMode::Virtual,
    });
    if let Some(setup) = flash {
        let geometry = with_state(|s| s.board.spec.flash_geometry());
        let mounted = geometry.map(|g| mpsim_vfs::Flash::open(&setup.path, g, false));
        with_state(|s| {
            // A volume made just now (on an erased flash too: esptool's erase_flash) is a first
            // boot, whatever the front end found before.
            let (flash, first_boot) = match mounted {
                Some(Ok((f, fresh))) => (f, setup.first_boot || fresh),
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
            s.mount_flash(flash);
        });
    }
    if heap_counted {
        // A single big request more than 64 MB beyond the budget ends the process (see heap.rs):
        // the host's memory for the board stays within its heap and that margin.
        heap::set_hard_margin(64 << 20);
        // The host memory behind the heap: its size, unweighted, plus a margin that keeps the
        // board process (its interpreter, ~30 MB, included) within the heap and 64 MB.
        heap::set_host_margin(HOST_MARGIN);
        heap::set_fatal_hook(|| {
            let _ = with_state(SimState::flush_output);
        });
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
                    if s.repl().is_none() || s.run.ending() {
                        return false;
                    }
                    s.output(
                        format!("\r\nmpsim: the board crashed (a bug in the simulator: {msg}); rebooting\r\n")
                            .as_bytes(),
                    );
                    s.run.reboot_after(Reboot::Hard);
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
                s.run.rebooting(),
                Some(Reboot::Hard | Reboot::DeepSleep | Reboot::Watchdog)
            ) {
                s.chip.power_cycle();
            }
            s.run.take_reboot()
        })
        .flatten();
        match reboot {
            Some(kind) if with_state(|s| !s.run.ending()).unwrap_or(false) => {
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
                        s.restart_repl();
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
        if let Some(f) = s.take_flash()
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
    SimState::uninstall();
    let _ = events.send(BoardEvent::Sim(SimEvent::Finished(RunOutcome {
        reason,
        // The front end's supervisor, which watched the output, says which texts it missed.
        missing: Vec::new(),
        sim_time_us: t,
    })));
}
