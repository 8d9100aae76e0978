//! Gestures from accelerometer samples, as the micro:bit's runtime (CODAL) derives them: a posture
//! per sample (shake, free fall, tilt, face up/down), kept only once it has held for a few samples;
//! impacts beyond 3, 6 and 8 g as events of their own.
//!
//! Axes are the micro:bit's: lying flat face up the board feels (0, 0, -1000) milli-g; standing on
//! its bottom edge, logo up, (0, -1000, 0); on its left edge (-1000, 0, 0).

use std::collections::VecDeque;

/// A gesture, numbered as the runtime's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gesture {
    /// Nothing in particular.
    None = 0,
    /// Logo up.
    Up = 1,
    /// Logo down.
    Down = 2,
    /// Tipped onto its left edge.
    Left = 3,
    /// Tipped onto its right edge.
    Right = 4,
    /// Lying face (LEDs) up.
    FaceUp = 5,
    /// Lying face down.
    FaceDown = 6,
    /// Falling: almost no force at all.
    Freefall = 7,
    /// An impact beyond 3 g.
    G3 = 8,
    /// An impact beyond 6 g.
    G6 = 9,
    /// An impact beyond 8 g.
    G8 = 10,
    /// Shaken back and forth.
    Shake = 11,
}

impl Gesture {
    /// All of them, in event order.
    pub const ALL: [Gesture; 12] = [
        Gesture::None,
        Gesture::Up,
        Gesture::Down,
        Gesture::Left,
        Gesture::Right,
        Gesture::FaceUp,
        Gesture::FaceDown,
        Gesture::Freefall,
        Gesture::G3,
        Gesture::G6,
        Gesture::G8,
        Gesture::Shake,
    ];

    /// MicroPython's name (`accelerometer.current_gesture()`): "up", "face up", "3g" …; "" for none.
    pub fn name(self) -> &'static str {
        match self {
            Gesture::None => "",
            Gesture::Up => "up",
            Gesture::Down => "down",
            Gesture::Left => "left",
            Gesture::Right => "right",
            Gesture::FaceUp => "face up",
            Gesture::FaceDown => "face down",
            Gesture::Freefall => "freefall",
            Gesture::G3 => "3g",
            Gesture::G6 => "6g",
            Gesture::G8 => "8g",
            Gesture::Shake => "shake",
        }
    }

    /// The gesture with this name.
    pub fn from_name(name: &str) -> Option<Gesture> {
        Gesture::ALL.into_iter().find(|g| g.name() == name)
    }
}

/// Time between two samples (the runtime reads the chip at 50 Hz).
pub const SAMPLE_PERIOD_US: u64 = 20_000;
const TILT_TOLERANCE: f64 = 200.0;
const FREEFALL_TOLERANCE: f64 = 400.0;
const SHAKE_TOLERANCE: f64 = 400.0;
const G3: f64 = 3072.0;
const G6: f64 = 6144.0;
const G8: f64 = 8192.0;
/// Samples a posture must hold before it becomes the gesture.
const GESTURE_DAMPING: u8 = 5;
/// Direction changes that make a shake, and the samples after which one of them is forgotten.
const SHAKE_COUNT_THRESHOLD: u8 = 4;
const SHAKE_RTX: u16 = 30;
/// Gesture events kept for `get_gestures()` (the oldest dropped).
pub const HISTORY: usize = 8;

/// The recogniser's state.
#[derive(Debug, Clone)]
pub struct GestureDetector {
    next_sample_us: u64,
    sigma: u8,
    impulse_sigma: u8,
    impulses: [bool; 3],
    candidate: Gesture,
    stable: Gesture,
    shake_dir: [bool; 3],
    shake_count: u8,
    shake_timer: u16,
    shaken: bool,
    events: VecDeque<Gesture>,
    seen: u16,
}

impl Default for GestureDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl GestureDetector {
    /// A recogniser that has seen nothing yet.
    pub fn new() -> Self {
        GestureDetector {
            next_sample_us: 0,
            sigma: 0,
            impulse_sigma: 0,
            impulses: [false; 3],
            candidate: Gesture::None,
            stable: Gesture::None,
            shake_dir: [false; 3],
            shake_count: 0,
            shake_timer: 0,
            shaken: false,
            events: VecDeque::with_capacity(HISTORY),
            seen: 0,
        }
    }

    /// Takes the samples due up to `now_us`, the board having felt `mg` all that time.
    pub fn advance(&mut self, now_us: u64, mg: [f64; 3]) {
        // A long quiet stretch needs only enough samples to settle.
        let due = now_us.saturating_sub(self.next_sample_us) / SAMPLE_PERIOD_US + 1;
        if self.next_sample_us > now_us {
            return;
        }
        let settle = u64::from(GESTURE_DAMPING)
            + u64::from(SHAKE_RTX) * u64::from(SHAKE_COUNT_THRESHOLD)
            + 2;
        for _ in 0..due.min(settle) {
            self.sample(mg);
        }
        self.next_sample_us += due * SAMPLE_PERIOD_US;
    }

    /// One sample.
    pub fn sample(&mut self, [x, y, z]: [f64; 3]) {
        let force = x * x + y * y + z * z;
        // Impacts: an event each time the force first passes a threshold, re-armed after a while.
        if self.impulse_sigma < GESTURE_DAMPING {
            self.impulse_sigma += 1;
        } else {
            self.impulses = [false; 3];
        }
        for (i, (limit, g)) in [(G3, Gesture::G3), (G6, Gesture::G6), (G8, Gesture::G8)]
            .into_iter()
            .enumerate()
        {
            if force > limit * limit && !self.impulses[i] {
                self.event(g);
                self.impulses[i] = true;
                self.impulse_sigma = 0;
            }
        }
        let g = self.posture([x, y, z], force);
        if g == self.candidate {
            if self.sigma < GESTURE_DAMPING {
                self.sigma += 1;
            }
        } else {
            self.candidate = g;
            self.sigma = 0;
        }
        if self.candidate != self.stable && self.sigma >= GESTURE_DAMPING {
            self.stable = self.candidate;
            self.event(self.stable);
        }
    }

    fn posture(&mut self, axes: [f64; 3], force: f64) -> Gesture {
        // A shake: strong pushes one way then the other, on any axis, several times in a row.
        let mut turned = false;
        for (i, v) in axes.into_iter().enumerate() {
            if (v < -SHAKE_TOLERANCE && self.shake_dir[i])
                || (v > SHAKE_TOLERANCE && !self.shake_dir[i])
            {
                turned = true;
                self.shake_dir[i] = !self.shake_dir[i];
            }
        }
        if turned && self.shake_count < SHAKE_COUNT_THRESHOLD {
            self.shake_count += 1;
            if self.shake_count == SHAKE_COUNT_THRESHOLD {
                self.shaken = true;
            }
        }
        self.shake_timer += 1;
        if self.shake_timer >= SHAKE_RTX {
            self.shake_timer = 0;
            if self.shake_count > 0 {
                self.shake_count -= 1;
                if self.shake_count == 0 {
                    self.shaken = false;
                }
            }
        }
        if self.shaken {
            return Gesture::Shake;
        }
        if force < FREEFALL_TOLERANCE * FREEFALL_TOLERANCE {
            return Gesture::Freefall;
        }
        let [x, y, z] = axes;
        let edge = 1000.0 - TILT_TOLERANCE;
        if x < -edge {
            Gesture::Left
        } else if x > edge {
            Gesture::Right
        } else if y < -edge {
            Gesture::Up
        } else if y > edge {
            Gesture::Down
        } else if z < -edge {
            Gesture::FaceUp
        } else if z > edge {
            Gesture::FaceDown
        } else {
            Gesture::None
        }
    }

    fn event(&mut self, g: Gesture) {
        if self.events.len() == HISTORY {
            self.events.pop_front();
        }
        self.events.push_back(g);
        self.seen |= 1 << (g as u16);
    }

    /// The gesture the board is making now (stable for a few samples).
    pub fn current(&self) -> Gesture {
        self.stable
    }

    /// Whether `g` happened since the last time this was asked about it (and forgets it).
    pub fn was(&mut self, g: Gesture) -> bool {
        let bit = 1 << (g as u16);
        let was = self.seen & bit != 0;
        self.seen &= !bit;
        was
    }

    /// The gestures since the last call, oldest first (and forgets them).
    pub fn take_history(&mut self) -> Vec<Gesture> {
        self.events.drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAT: [f64; 3] = [0.0, 0.0, -1000.0];

    fn run(d: &mut GestureDetector, t: &mut u64, mg: [f64; 3], ms: u64) {
        for _ in 0..ms / 20 {
            *t += SAMPLE_PERIOD_US;
            d.advance(*t, mg);
        }
    }

    #[test]
    fn postures_need_to_hold_before_they_count() {
        let mut d = GestureDetector::new();
        let mut t = 0;
        run(&mut d, &mut t, FLAT, 60);
        assert_eq!(d.current(), Gesture::None, "three samples are not enough");
        run(&mut d, &mut t, FLAT, 100);
        assert_eq!(d.current(), Gesture::FaceUp);
        for (mg, g) in [
            ([0.0, 0.0, 1000.0], Gesture::FaceDown),
            ([-1000.0, 0.0, 0.0], Gesture::Left),
            ([1000.0, 0.0, 0.0], Gesture::Right),
            ([0.0, -1000.0, 0.0], Gesture::Up),
            ([0.0, 1000.0, 0.0], Gesture::Down),
            ([0.0, 0.0, 0.0], Gesture::Freefall),
            ([0.0, 700.0, -700.0], Gesture::None),
            (FLAT, Gesture::FaceUp),
        ] {
            run(&mut d, &mut t, mg, 200);
            assert_eq!(d.current(), g, "{mg:?}");
        }
        let h: Vec<&str> = d.take_history().iter().map(|g| g.name()).collect();
        assert_eq!(
            h,
            [
                "face down",
                "left",
                "right",
                "up",
                "down",
                "freefall",
                "",
                "face up"
            ],
            "the oldest dropped beyond {HISTORY}"
        );
        assert!(d.take_history().is_empty());
        assert!(d.was(Gesture::Left));
        assert!(!d.was(Gesture::Left), "forgotten once asked");
        assert!(d.was(Gesture::FaceUp));
    }

    #[test]
    fn shaking_is_a_shake_then_it_settles() {
        let mut d = GestureDetector::new();
        let mut t = 0;
        run(&mut d, &mut t, FLAT, 200);
        for i in 0..20 {
            let x = if i % 2 == 0 { 1500.0 } else { -1500.0 };
            run(&mut d, &mut t, [x, 0.0, -1000.0], 40);
        }
        assert_eq!(d.current(), Gesture::Shake);
        run(&mut d, &mut t, FLAT, 3000);
        assert_eq!(d.current(), Gesture::FaceUp, "back at rest");
        assert!(d.was(Gesture::Shake));
    }

    #[test]
    fn impacts_are_events_by_strength() {
        let mut d = GestureDetector::new();
        let mut t = 0;
        run(&mut d, &mut t, FLAT, 200);
        run(&mut d, &mut t, [0.0, 0.0, -3500.0], 20);
        run(&mut d, &mut t, FLAT, 200);
        run(&mut d, &mut t, [9000.0, 0.0, 0.0], 20);
        run(&mut d, &mut t, FLAT, 200);
        let h: Vec<&str> = d.take_history().iter().map(|g| g.name()).collect();
        assert_eq!(h, ["face up", "3g", "3g", "6g", "8g"]);
        assert_eq!(Gesture::from_name("6g"), Some(Gesture::G6));
        assert_eq!(Gesture::from_name("wobble"), None);
    }

    #[test]
    fn a_long_quiet_stretch_costs_a_bounded_number_of_samples() {
        let mut d = GestureDetector::new();
        d.advance(3_600_000_000_000, FLAT);
        assert_eq!(d.current(), Gesture::FaceUp);
        d.advance(3_600_000_020_000, FLAT);
        assert_eq!(d.take_history().len(), 1);
    }
}
