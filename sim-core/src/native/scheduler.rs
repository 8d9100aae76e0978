//! One area of `_mpsim` (the native module, `native.rs`): timers, `micropython.schedule` and
//! interrupt masking.

#[rustpython_vm::pymodule(sub, name = "_mpsim")]
pub(crate) mod area {
    use crate::native::_mpsim::state;
    use crate::sim::{TimerEntry, with_state};
    use rustpython_vm::{PyObjectRef, PyPayload, PyRef, PyResult, VirtualMachine, pyclass};
    use std::sync::atomic::{AtomicU64, Ordering};

    /// One of the board's timers, as the frozen modules hold it (a `machine.Timer`, the
    /// watchdog, `pyb.Timer(n)`, a PIO state machine's clock, the micro:bit's animations …).
    #[pyattr]
    #[pyclass(name = "TimerHandle")]
    #[derive(Debug, PyPayload)]
    struct TimerHandle {
        key: u64,
    }

    #[pyclass]
    impl TimerHandle {}

    /// A new timer, stopped.
    #[pyfunction]
    fn timer() -> TimerHandle {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TimerHandle {
            key: NEXT.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Starts (or restarts) `timer`: first call after `period_us`, again every `period_us` when periodic.
    #[pyfunction]
    fn timer_start(
        timer: PyRef<TimerHandle>,
        period_us: u64,
        periodic: bool,
        callback: PyObjectRef,
        arg: PyObjectRef,
        vm: &VirtualMachine,
    ) -> PyResult<()> {
        let key = timer.key;
        state(vm, |s| {
            s.timers.retain(|t| t.key != key);
            s.timer_seq += 1;
            let now = s.clock.now_us();
            s.timers.push(TimerEntry {
                key,
                deadline: now + period_us.max(1),
                period: periodic.then_some(period_us.max(1)),
                seq: s.timer_seq,
                callback,
                arg,
            });
            s.publish_deadline();
        })
    }

    /// Stops `timer`.
    #[pyfunction]
    fn timer_stop(timer: PyRef<TimerHandle>, vm: &VirtualMachine) -> PyResult<()> {
        state(vm, |s| s.timers.retain(|t| t.key != timer.key))
    }

    /// `micropython.schedule`: false when the queue (depth 8, as on the board) is full.
    #[pyfunction]
    fn schedule(func: PyObjectRef, arg: PyObjectRef, vm: &VirtualMachine) -> PyResult<bool> {
        state(vm, |s| {
            if s.scheduled.len() >= 8 {
                return false;
            }
            s.scheduled.push_back((func, arg));
            if s.in_callback {
                s.scheduled_late += 1;
            }
            s.shared.poke();
            true
        })
    }

    /// Disables (true) or enables (false) IRQ and timer callbacks; returns the previous state.
    #[pyfunction]
    fn irq_disable(off: bool, vm: &VirtualMachine) -> PyResult<bool> {
        let was = state(vm, |s| std::mem::replace(&mut s.irq_disabled, off))?;
        if !off {
            with_state(|s| s.shared.poke());
        }
        Ok(was)
    }
}
