//! The board's scheduler: its timers, its pin IRQs, `micropython.schedule`'s queue, and whether
//! callbacks may run now (never nested, never with IRQs disabled), as MicroPython's scheduler.
//! `SimState` owns one; nothing else reaches its fields.

use rustpython_vm::PyObjectRef;
use std::collections::VecDeque;

/// `machine.Pin.IRQ_RISING`/`IRQ_FALLING` as trigger bits.
pub(crate) const IRQ_RISING: u32 = 1;
pub(crate) const IRQ_FALLING: u32 = 2;

/// `micropython.schedule`'s queue holds this many calls, as on the board.
const SCHEDULE_DEPTH: usize = 8;

/// Due work taken in one turn at most (the rest waits for the next instruction boundary).
const WORK_PER_TURN: usize = 64;

/// A callback to run with its argument.
pub(crate) type Call = (PyObjectRef, PyObjectRef);

/// A timer the script started.
struct Timer {
    key: u64,
    deadline: u64,
    period: Option<u64>,
    /// Order among timers due at the same time (the earlier started or rearmed first).
    seq: u64,
    callback: PyObjectRef,
    arg: PyObjectRef,
}

/// A pin IRQ the script registered.
struct Irq {
    gpio: u32,
    trigger: u32,
    handler: PyObjectRef,
    arg: PyObjectRef,
}

#[derive(Default)]
pub(crate) struct Scheduler {
    timers: Vec<Timer>,
    seq: u64,
    irqs: Vec<Irq>,
    scheduled: VecDeque<Call>,
    /// How many of `scheduled` (at its back) a callback scheduled: they wait for the next
    /// instruction boundary, so that a callback that schedules itself again never starves the
    /// program (the firmware runs one scheduled call per pending check).
    scheduled_late: usize,
    in_callback: bool,
    irq_disabled: bool,
}

impl Scheduler {
    /// Forgets every timer, IRQ and scheduled call (a reset).
    pub fn clear(&mut self) {
        *self = Scheduler {
            seq: self.seq,
            ..Scheduler::default()
        };
    }

    /// Starts (or restarts) timer `key`: first due at `now + period_us`, then every `period_us`
    /// when periodic.
    pub fn start_timer(
        &mut self,
        key: u64,
        now: u64,
        period_us: u64,
        periodic: bool,
        callback: PyObjectRef,
        arg: PyObjectRef,
    ) {
        self.timers.retain(|t| t.key != key);
        self.seq += 1;
        self.timers.push(Timer {
            key,
            deadline: now + period_us.max(1),
            period: periodic.then_some(period_us.max(1)),
            seq: self.seq,
            callback,
            arg,
        });
    }

    pub fn stop_timer(&mut self, key: u64) {
        self.timers.retain(|t| t.key != key);
    }

    /// The earliest timer deadline, if any.
    pub fn next_deadline(&self) -> Option<u64> {
        self.timers.iter().map(|t| t.deadline).min()
    }

    /// The earliest timer deadline after `now`, if any.
    pub fn next_deadline_after(&self, now: u64) -> Option<u64> {
        self.timers
            .iter()
            .map(|t| t.deadline)
            .filter(|&d| d > now)
            .min()
    }

    /// Sets pin `gpio`'s IRQ (`trigger` 0, or no handler: none).
    pub fn set_irq(
        &mut self,
        gpio: u32,
        trigger: u32,
        handler: Option<PyObjectRef>,
        arg: PyObjectRef,
    ) {
        self.irqs.retain(|i| i.gpio != gpio);
        if let Some(handler) = handler
            && trigger != 0
        {
            self.irqs.push(Irq {
                gpio,
                trigger,
                handler,
                arg,
            });
        }
    }

    /// Some pin has an IRQ (an edge may have work for the scheduler).
    pub fn has_irqs(&self) -> bool {
        !self.irqs.is_empty()
    }

    /// `micropython.schedule`: false when the queue is full.
    pub fn schedule(&mut self, call: Call) -> bool {
        if self.scheduled.len() >= SCHEDULE_DEPTH {
            return false;
        }
        self.scheduled.push_back(call);
        if self.in_callback {
            self.scheduled_late += 1;
        }
        true
    }

    /// Calls wait in the queue.
    pub fn has_scheduled(&self) -> bool {
        !self.scheduled.is_empty()
    }

    /// The program waits: every scheduled call may run now.
    pub fn release_late(&mut self) {
        self.scheduled_late = 0;
    }

    /// Disables or enables callbacks; returns whether they were disabled.
    pub fn set_irq_disabled(&mut self, off: bool) -> bool {
        std::mem::replace(&mut self.irq_disabled, off)
    }

    /// Callbacks may run now: not inside one, not with IRQs disabled.
    pub fn may_run(&self) -> bool {
        !self.in_callback && !self.irq_disabled
    }

    /// Callbacks are running (`true`) or done (`false`).
    pub fn set_in_callback(&mut self, on: bool) {
        self.in_callback = on;
    }

    /// Moves what is due into `work`: the IRQ handlers of `edges` (GPIO, new level), the timers
    /// due by `now` (earliest first; periodic ones rearmed, skipping what real time missed when
    /// `real_time`), then the scheduled calls that may run. Returns true when scheduled calls wait
    /// for a later boundary.
    pub fn collect(
        &mut self,
        edges: Vec<(u32, bool)>,
        now: u64,
        real_time: bool,
        work: &mut Vec<Call>,
    ) -> bool {
        for (gpio, level) in edges {
            let bit = if level { IRQ_RISING } else { IRQ_FALLING };
            for irq in &self.irqs {
                if irq.gpio == gpio && irq.trigger & bit != 0 {
                    work.push((irq.handler.clone(), irq.arg.clone()));
                }
            }
        }
        while let Some(i) = self
            .timers
            .iter()
            .enumerate()
            .filter(|(_, t)| t.deadline <= now)
            .min_by_key(|(_, t)| (t.deadline, t.seq))
            .map(|(i, _)| i)
        {
            let t = &mut self.timers[i];
            work.push((t.callback.clone(), t.arg.clone()));
            match t.period {
                Some(p) => {
                    t.deadline += p;
                    self.seq += 1;
                    t.seq = self.seq;
                    if t.deadline <= now && real_time {
                        // Real time fell behind (a long computation): skip, do not replay.
                        t.deadline = now + p;
                    }
                }
                None => {
                    self.timers.remove(i);
                }
            }
            if work.len() > WORK_PER_TURN {
                break;
            }
        }
        let late = std::mem::take(&mut self.scheduled_late);
        let runnable = self.scheduled.len().saturating_sub(late);
        work.extend(self.scheduled.drain(..runnable));
        late > 0
    }
}
