//! The board's clock: real time, or virtual time that jumps over sleeps.

use std::time::{Duration, Instant};

/// How simulated time relates to the host's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TimeMode {
    /// Simulated time is wall time since boot.
    Real,
    /// Simulated time only moves when the board waits (or reads the clock), never with the host.
    Virtual,
}

/// Every read of the clock in virtual time costs this much simulated time, so a loop that polls
/// `ticks_ms()` until a deadline still gets there, deterministically.
pub const VIRTUAL_READ_COST_US: u64 = 10;

/// Microseconds since boot, in the chosen mode.
#[derive(Debug, Clone)]
pub struct Clock {
    mode: TimeMode,
    start: Instant,
    virtual_us: u64,
}

impl Clock {
    /// A clock reading 0 now.
    pub fn new(mode: TimeMode) -> Self {
        Self::starting_at(mode, Instant::now())
    }

    /// A clock that read 0 at `start`.
    pub fn starting_at(mode: TimeMode, start: Instant) -> Self {
        Clock {
            mode,
            start,
            virtual_us: 0,
        }
    }

    /// The host instant at which a real-time clock read 0 (moves when the mode changes).
    pub fn start(&self) -> Instant {
        self.start
    }

    /// Switches between real time and fast-forward, going on from the time it reads now. False
    /// (and no change) when simulated time is too far ahead to continue in real time here.
    pub fn set_mode(&mut self, mode: TimeMode) -> bool {
        match (self.mode, mode) {
            (TimeMode::Real, TimeMode::Virtual) => self.virtual_us = self.now_us(),
            (TimeMode::Virtual, TimeMode::Real) => {
                match Instant::now().checked_sub(Duration::from_micros(self.virtual_us)) {
                    Some(start) => self.start = start,
                    None => return false,
                }
            }
            _ => {}
        }
        self.mode = mode;
        true
    }

    /// The mode.
    pub fn mode(&self) -> TimeMode {
        self.mode
    }

    /// Simulated microseconds since boot, without side effects.
    pub fn now_us(&self) -> u64 {
        match self.mode {
            TimeMode::Real => u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX),
            TimeMode::Virtual => self.virtual_us,
        }
    }

    /// Virtual time only: an operation of the script's takes `us` (a pin read polled while a
    /// part of the circuit is about to change).
    pub fn spend(&mut self, us: u64) {
        if self.mode == TimeMode::Virtual {
            self.virtual_us += us;
        }
    }

    /// A clock read by the script: in virtual time it costs [`VIRTUAL_READ_COST_US`].
    pub fn read_us(&mut self) -> u64 {
        if self.mode == TimeMode::Virtual {
            self.virtual_us += VIRTUAL_READ_COST_US;
        }
        self.now_us()
    }

    /// Virtual time only: moves the clock forward to `t` (never backwards).
    pub fn advance_to(&mut self, t: u64) {
        if self.mode == TimeMode::Virtual && t > self.virtual_us {
            self.virtual_us = t;
        }
    }

    /// The host instant at which simulated time `t` is reached (real time only).
    pub fn instant_of(&self, t: u64) -> Instant {
        self.start + Duration::from_micros(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_clock_moves_only_when_told() {
        let mut c = Clock::new(TimeMode::Virtual);
        assert_eq!(c.now_us(), 0);
        c.advance_to(500);
        assert_eq!(c.now_us(), 500);
        c.advance_to(100);
        assert_eq!(c.now_us(), 500, "never backwards");
        assert_eq!(c.read_us(), 500 + VIRTUAL_READ_COST_US);
    }

    #[test]
    fn switching_modes_goes_on_from_the_same_time() {
        let mut c = Clock::new(TimeMode::Real);
        std::thread::sleep(Duration::from_millis(3));
        assert!(c.set_mode(TimeMode::Virtual));
        let t = c.now_us();
        assert!(t >= 3000);
        c.advance_to(t + 10_000_000);
        assert!(c.set_mode(TimeMode::Real));
        let back = c.now_us();
        assert!((t + 10_000_000..t + 11_000_000).contains(&back), "{back}");
        std::thread::sleep(Duration::from_millis(2));
        assert!(c.now_us() >= back + 2000, "real time moves again");
    }

    #[test]
    fn real_clock_follows_the_host() {
        let c = Clock::new(TimeMode::Real);
        std::thread::sleep(Duration::from_millis(2));
        assert!(c.now_us() >= 2000);
    }
}
