//! How the current run ends: a stop and its reason, a reboot asked for, and the run's limits in
//! simulated time (`--for`, `--timeout`). `SimState` owns one as `run`.

use crate::api::{EndReason, Reboot};

#[derive(Debug, Default)]
pub(crate) struct RunControl {
    /// The run ends, for this reason (the program unwinds).
    stop: Option<EndReason>,
    /// What kind of reboot follows the program's end.
    reboot: Option<Reboot>,
    /// A front end pressed reset: unwind the program now.
    pending_reset: bool,
    /// `--for`: the run ends at this simulated time (µs).
    run_for_us: Option<u64>,
    /// `--timeout`, in simulated time (µs).
    timeout_us: Option<u64>,
}

impl RunControl {
    pub fn new(run_for_us: Option<u64>, timeout_us: Option<u64>) -> Self {
        RunControl {
            run_for_us,
            timeout_us,
            ..RunControl::default()
        }
    }

    /// Ends the run for `reason`, unless it ends already (the first reason stays).
    pub fn end(&mut self, reason: EndReason) {
        if self.stop.is_none() {
            self.stop = Some(reason);
        }
    }

    /// Whether the run ends.
    pub fn ending(&self) -> bool {
        self.stop.is_some()
    }

    /// Why the run ends, if it does.
    pub fn reason(&self) -> Option<EndReason> {
        self.stop.clone()
    }

    /// The program asked for a reboot of this kind when it ends (`machine.reset()` …).
    pub fn reboot_after(&mut self, kind: Reboot) {
        self.reboot = Some(kind);
    }

    /// A front end's reset: the reboot, and the program unwinds at once.
    pub fn reset_now(&mut self, kind: Reboot) {
        self.reboot = Some(kind);
        self.pending_reset = true;
    }

    /// Whether a front end's reset waits to unwind the program (once).
    pub fn take_reset(&mut self) -> bool {
        std::mem::take(&mut self.pending_reset)
    }

    /// The reboot asked for, if any.
    pub fn rebooting(&self) -> Option<Reboot> {
        self.reboot
    }

    /// Takes the reboot asked for (the board reboots now).
    pub fn take_reboot(&mut self) -> Option<Reboot> {
        self.reboot.take()
    }

    /// Ends the run when simulated time `now` passed a limit.
    pub fn check_time(&mut self, now: u64) {
        if self.stop.is_some() {
            return;
        }
        if self.timeout_us.is_some_and(|t| now >= t) {
            self.stop = Some(EndReason::Timeout);
        } else if self.run_for_us.is_some_and(|t| now >= t) {
            self.stop = Some(EndReason::ForElapsed);
        }
    }

    /// `--for`, µs.
    pub fn run_for_us(&self) -> Option<u64> {
        self.run_for_us
    }

    /// The limits' simulated times, for the waits to wake at.
    pub fn deadlines(&self) -> [Option<u64>; 2] {
        [self.run_for_us, self.timeout_us]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_reason_stays_and_limits_end_the_run_in_order() {
        let mut r = RunControl::new(Some(100), Some(50));
        r.check_time(49);
        assert!(!r.ending());
        r.check_time(60);
        assert_eq!(r.reason(), Some(EndReason::Timeout));
        r.end(EndReason::Stopped);
        assert_eq!(r.reason(), Some(EndReason::Timeout));
        let mut r = RunControl::new(Some(100), None);
        r.reset_now(Reboot::Hard);
        assert!(r.take_reset());
        assert!(!r.take_reset());
        assert_eq!(r.take_reboot(), Some(Reboot::Hard));
        assert_eq!(r.rebooting(), None);
    }
}
