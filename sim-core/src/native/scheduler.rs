//! One area of `_mpsim` (the native module, `native.rs`): timers, `micropython.schedule` and
//! interrupt masking.

#[rustpython_vm::pymodule(sub, name = "_mpsim")]
pub(crate) mod area {
    use crate::native::_mpsim::state;
    use crate::state::with_state;
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
        state(vm, |s| {
            let now = s.clock.now_us();
            s.sched
                .start_timer(timer.key, now, period_us, periodic, callback, arg);
            s.publish_deadline();
        })
    }

    /// Stops `timer`.
    #[pyfunction]
    fn timer_stop(timer: PyRef<TimerHandle>, vm: &VirtualMachine) -> PyResult<()> {
        state(vm, |s| s.sched.stop_timer(timer.key))
    }

    /// `micropython.schedule`: false when the queue (depth 8, as on the board) is full.
    #[pyfunction]
    fn schedule(func: PyObjectRef, arg: PyObjectRef, vm: &VirtualMachine) -> PyResult<bool> {
        state(vm, |s| {
            let queued = s.sched.schedule((func, arg));
            if queued {
                s.shared.poke();
            }
            queued
        })
    }

    /// Disables (true) or enables (false) IRQ and timer callbacks; returns the previous state.
    #[pyfunction]
    fn irq_disable(off: bool, vm: &VirtualMachine) -> PyResult<bool> {
        let was = state(vm, |s| s.sched.set_irq_disabled(off))?;
        if !off {
            with_state(|s| s.shared.poke());
        }
        Ok(was)
    }
}
