//! The board's runtime on the `sim` thread: what runs between the interpreter's instructions
//! ([`service`], [`check`]), the waits that let simulated time pass ([`sleep_us`], [`net_wait`]),
//! callbacks, the heap's MemoryError, and printing an exception as the firmware does.

use crate::api::SimCommand;
use crate::clock::TimeMode;
use crate::heap;
use crate::state::{Pending, SimState, with_state};
use crossbeam_channel::{Receiver, RecvTimeoutError};
use rustpython_vm::builtins::PyBaseExceptionRef;
use rustpython_vm::signal::UserSignalSender;
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub(crate) fn service_from_signal(vm: &VirtualMachine) -> PyResult<()> {
    service(vm)
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

/// Called by the allocator at the first allocation while the heap is locked: look at what was
/// allocated for at the next instruction (heaplock.rs).
fn lock_hook() {
    if let Ok(slot) = OOM_TX.try_lock()
        && let Some(tx) = slot.as_ref()
    {
        let _ = tx.send(Box::new(crate::heaplock::after_locked_allocation));
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
    let slack = with_state(|s| i64::try_from(s.memory.size() / 2).unwrap_or(4096)).unwrap_or(4096);
    slack.max(1024)
}

fn raise_memory_error(vm: &VirtualMachine) -> PyResult<()> {
    OOM_QUEUED.store(false, Ordering::Release);
    if OOM_DELIVERED.swap(false, Ordering::AcqRel) {
        return Ok(());
    }
    // Only a heap still over its budget looks for room to give back: a peak gone by now (the
    // common case: a temporary object made and freed at the limit) must stay cheap, or a script
    // working at the limit would pay for it at every allocation.
    if heap::used() > heap::size() || heap::host_over() {
        release_retained(vm);
        // Hash tables made since the last look count as the board's tables (tables.rs).
        heap::reweigh();
    }
    // A peak that is gone by the next instruction was the interpreter's own working memory
    // (the cycle collector's table of every object: the board has no such thing), not the
    // script's: nothing to raise.
    let host_over = heap::host_over();
    if heap::used() <= heap::size() && !host_over {
        // Watch for the next passing: growth that frees nothing would not re-arm it.
        heap::rearm_at_limit(0);
        return Ok(());
    }
    // Passed by less than a small block's worth: the script's bookkeeping around a request a
    // guard already measured (an object's header beyond its buffer). Raising here, at the next
    // instruction, could land outside the `try` that guards the request; the guards raise where
    // the board would, and a script that keeps going is stopped a little further on.
    let tolerance = (heap::size() / 64).max(512);
    if heap::used() <= heap::size() + tolerance && !host_over {
        heap::rearm_at_limit(tolerance);
        return Ok(());
    }
    heap::rearm(except_room());
    Err(vm.new_exception_msg(
        vm.ctx.exceptions.memory_error.to_owned(),
        "memory allocation failed".into(),
    ))
}

/// How many freed dicts the interpreter keeps for reuse (rustpython's `PyDict::MAX_FREELIST`).
const DICT_FREE_LIST: usize = 80;

/// Gives back what freed dicts still hold. The interpreter keeps up to [`DICT_FREE_LIST`] freed
/// dicts for reuse with their tables, emptied but full size, until a new dict takes their place;
/// on the board a collection frees them. New dicts made here take those places, dropping the
/// old tables, and go back small. Where the list was short (firmware work took from it: lazy
/// classes, frozen imports), a new dict is a new block of the interpreter's, as the list's
/// dicts made at boot are: it counts as firmware, not as the script's. Called by `gc.collect()`
/// and before a MemoryError is raised or a request refused, counted even from firmware work (a
/// table dropped uncounted would stay on the heap's books).
pub(crate) fn release_retained(vm: &VirtualMachine) {
    heap::with_tracking(true, || {
        let mut taken = Vec::with_capacity(DICT_FREE_LIST);
        for _ in 0..DICT_FREE_LIST {
            let before = heap::live();
            taken.push(vm.ctx.new_dict());
            // A dict from the list drops a table at least the size of its new one: the heap
            // does not grow. One that grows it was made anew.
            let grown = heap::live() - before;
            if grown > 0 {
                heap::exempt(grown);
            }
        }
        drop(taken);
    });
}

/// Installs (or with `None` removes) the channel the heap hook raises MemoryError through.
pub(crate) fn set_oom_channel(tx: Option<UserSignalSender>) {
    OOM_QUEUED.store(false, Ordering::Release);
    OOM_DELIVERED.store(false, Ordering::Release);
    if let Ok(mut slot) = OOM_TX.lock() {
        *slot = tx;
    }
    heap::set_hook(oom_hook);
    heap::set_lock_hook(lock_hook);
    heap::set_locked(false);
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
                || with_state(|s| s.run.ending()).unwrap_or(false);
            if fatal {
                return Err(e);
            }
            print_exception(vm, &e);
        }
    }
    Ok(())
}

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

/// Sleeps `us` of simulated time, running callbacks as they fall due. With `until_notified`, returns
/// early once [`notify`] was called (asyncio's wake-up from an IRQ).
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
            if now >= target || (until_notified && s.take_notified()) {
                return Step::Done;
            }
            let due = s.next_due_after(now);
            let until = due.map_or(target, |d| d.min(target));
            let horizon = s.horizon();
            match s.clock.mode() {
                // In lockstep with other boards, time goes no further than the front end lets
                // it: there the board says so and waits for more (or for input).
                TimeMode::Virtual
                    if now >= horizon
                        || (until_notified
                            && us >= FOREVER_US
                            && due.is_none()
                            && horizon < u64::MAX) =>
                {
                    s.at_horizon(until);
                    Step::Wait(Instant::now() + Duration::from_millis(50), s.commands())
                }
                // Waiting for input with nothing due (the REPL's prompt, fast-forwarded from a
                // front end): there is no time to jump to; wait for the host.
                TimeMode::Virtual if until_notified && us >= FOREVER_US && due.is_none() => {
                    Step::Wait(Instant::now() + Duration::from_millis(50), s.commands())
                }
                TimeMode::Virtual => Step::Advance(until.min(horizon)),
                // Calls scheduled meanwhile run as soon as they come, as while the firmware
                // sleeps (when they can run: not inside a callback, not with IRQs off).
                TimeMode::Real if s.sched.has_scheduled() && s.sched.may_run() => {
                    Step::Wait(Instant::now(), s.commands())
                }
                TimeMode::Real => Step::Wait(s.clock.instant_of(until), s.commands()),
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
            if s.take_notified() || end.is_some_and(|e| Instant::now() >= e) {
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
            Some((at, s.commands()))
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

/// Lockstep: a program that reads the clock past its horizon (a busy wait on `ticks_us`) waits
/// there until the front end lets time go on, running callbacks and commands meanwhile.
pub(crate) fn hold_at_horizon(vm: &VirtualMachine) -> PyResult<()> {
    loop {
        let rx = with_state(|s| {
            let past = s.clock.mode() == TimeMode::Virtual && s.clock.now_us() >= s.horizon();
            if !past || s.run.ending() {
                return None;
            }
            // A busy wait: it acts at once when time goes on.
            s.at_horizon(0);
            Some(s.commands())
        })
        .flatten();
        let Some(rx) = rx else { return Ok(()) };
        take_command(&rx, Instant::now() + Duration::from_millis(50));
        service(vm)?;
    }
}

/// A transfer to another board's I2C targets: asks the front end and waits for the answer
/// (handling commands meanwhile, so two boards asking each other both answer), at most a second
/// of wall time. None: nothing acknowledged.
pub(crate) fn i2c_remote(xfer: crate::api::I2cTransfer) -> Option<Vec<u8>> {
    let id = with_state(|s| {
        let id = s.i2c_request_id();
        s.send_event(crate::api::SimEvent::I2cRequest { id, xfer });
        id
    })?;
    let end = Instant::now() + Duration::from_secs(1);
    loop {
        let (reply, rx) = with_state(|s| (s.take_i2c_reply(id), s.commands()))?;
        if let Some((ack, data)) = reply {
            return ack.then_some(data);
        }
        if Instant::now() >= end {
            return None;
        }
        take_command(&rx, (Instant::now() + Duration::from_millis(20)).min(end));
    }
}

/// A sleep this long is a wait for input with no deadline (the REPL's prompt).
pub(crate) const FOREVER_US: u64 = 1 << 40;

/// Wakes a [`sleep_us`] that waits with `until_notified`.
pub(crate) fn notify() {
    with_state(SimState::notify);
}

/// Prints an exception the way MicroPython does (`Traceback (most recent call last):` …).
pub(crate) fn print_exception(vm: &VirtualMachine, exc: &PyBaseExceptionRef) {
    // The firmware prints an uncaught exception without taking from the heap (a full heap is
    // the usual reason for one): so does this.
    let print = || {
        heap::untracked(|| {
            vm.import("sys", 0)
                .and_then(|sys| sys.get_attr("print_exception", vm))
                .and_then(|f| f.call((exc.clone(),), vm))
        })
    };
    // A MemoryError still queued from the script's last instructions may arrive inside the
    // printing itself; it has been taken then, so the second try prints.
    let printed = match print() {
        Err(e) if e.fast_isinstance(vm.ctx.exceptions.memory_error) => print(),
        other => other,
    };
    if printed.is_err() {
        let name = exc.class().name().to_string();
        let line = format!("{name}: (traceback unavailable)\r\n");
        with_state(|s| s.output(line.as_bytes()));
    }
}
