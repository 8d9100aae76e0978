//! The board as a front end sees it: the latest snapshot of every pin and LED, and a bounded
//! history of level changes for a logic analyzer.
//!
//! The `sim` thread publishes; any number of readers take copies. Publishing is coalesced: a
//! script toggling a pin as fast as it can publishes at most every [`PUBLISH_EVERY`] of wall time
//! and wakes the reader as often, and the history keeps the newest [`HISTORY_CAP`] changes, so
//! neither the reader's work nor the memory grows with the toggle rate.

use crate::board::{PinMode, PinState, Pull};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The shortest wall time between two publications while the board keeps changing.
pub const PUBLISH_EVERY: Duration = Duration::from_millis(20);
/// How many level changes the history keeps (the oldest go first).
pub const HISTORY_CAP: usize = 200_000;
/// Changes gathered between two publications; a full buffer publishes at once.
pub(crate) const PENDING_CAP: usize = 4096;

/// What the console's REPL is doing, for a status bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ConsoleMode {
    /// No REPL on the console (a headless run of one program).
    #[default]
    None,
    /// The friendly `>>> ` prompt (or code started from it).
    Friendly,
    /// The raw REPL tools use.
    Raw,
}

/// One pin in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PinView {
    /// GPIO number.
    pub gpio: u32,
    /// Configured mode.
    pub mode: PinMode,
    /// Configured pull.
    pub pull: Pull,
    /// The level on the pin.
    pub level: bool,
    /// What the outside world applies (`None`: nothing).
    pub external: Option<bool>,
    /// PWM frequency and duty (0..=65535).
    pub pwm: Option<(u32, u16)>,
}

impl PinView {
    pub(crate) fn of(p: &PinState) -> Self {
        PinView {
            gpio: p.gpio,
            mode: p.mode,
            pull: p.pull,
            level: p.level(),
            external: p.external,
            pwm: p.pwm,
        }
    }
}

/// One LED in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedView {
    /// Label.
    pub name: String,
    /// The GPIO driving it.
    pub pin: u32,
    /// 0.0..=1.0.
    pub brightness: f64,
    /// Its colour when the circuit gives one.
    #[serde(default)]
    pub color: Option<String>,
}

/// A display wired to the board (an SSD1306 OLED), as it shows now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OledView {
    /// Label.
    pub name: String,
    /// Width and height in pixels.
    pub size: (u32, u32),
    /// The display is on, and its contrast (0–255).
    pub on: bool,
    pub contrast: u8,
    /// One byte per pixel (1: lit), row by row.
    pub pixels: Vec<u8>,
}

/// The board at one moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Simulated time, µs since boot.
    pub time_us: u64,
    /// Pins in the board data's order.
    pub pins: Vec<PinView>,
    /// LEDs: the board's own, then the wired ones.
    pub leds: Vec<LedView>,
    /// What each ADC channel sees, 0.0..=1.0.
    pub adc: Vec<(i64, f64)>,
    /// What the accelerometer feels (milli-g), on boards with one.
    pub accel: Option<[f64; 3]>,
    /// The LED matrix, row by row, each pixel 0 (off) to the display's top level; on boards with one.
    pub display: Option<Vec<u8>>,
    /// LED strips (NeoPixels): the pin, and each pixel's red, green, blue.
    pub strips: Vec<(u32, Vec<[u8; 3]>)>,
    /// The tone the board's speaker plays now (Hz), if any.
    pub tone: Option<u32>,
    /// The speaker's volume, 0–255.
    pub volume: u8,
    /// Displays wired to the board.
    pub oleds: Vec<OledView>,
    /// The circuit's parts (`--wiring`), as they are now.
    pub parts: Vec<crate::PartView>,
    /// The REPL's mode.
    pub console: ConsoleMode,
    /// Sleeps take no wall time (virtual time).
    pub fast_forward: bool,
    /// How many times the board booted (1 after power-on; soft and hard resets count).
    pub boots: u64,
    /// What the board's network interfaces do, one line each (`STA: connected to …`), on
    /// boards with a radio.
    pub network: Vec<String>,
}

impl Snapshot {
    /// The pin with GPIO number `gpio`.
    pub fn pin(&self, gpio: u32) -> Option<&PinView> {
        self.pins.iter().find(|p| p.gpio == gpio)
    }
}

/// A level change: simulated µs, GPIO, new level.
pub type Edge = (u64, u32, bool);

struct Inner {
    snapshot: Snapshot,
    history: VecDeque<Edge>,
}

type Waker = Box<dyn Fn() + Send + Sync>;

/// Shared between the `sim` thread (which publishes) and a front end (which reads).
pub struct LiveBoard {
    inner: Mutex<Inner>,
    generation: AtomicU64,
    time_us: AtomicU64,
    /// What the speaker sounds: Hz in the low 32 bits (0: nothing), the volume above.
    sound: AtomicU64,
    waker: Mutex<Option<Waker>>,
}

impl Default for LiveBoard {
    fn default() -> Self {
        Self::new()
    }
}

impl LiveBoard {
    /// An empty view; the board fills it when it starts.
    pub fn new() -> Self {
        LiveBoard {
            inner: Mutex::new(Inner {
                snapshot: Snapshot::default(),
                history: VecDeque::new(),
            }),
            generation: AtomicU64::new(0),
            time_us: AtomicU64::new(0),
            sound: AtomicU64::new(0),
            waker: Mutex::new(None),
        }
    }

    /// Called (from the `sim` thread) after each publication, e.g. to ask a window to repaint.
    pub fn set_waker(&self, f: impl Fn() + Send + Sync + 'static) {
        if let Ok(mut w) = self.waker.lock() {
            *w = Some(Box::new(f));
        }
    }

    /// Counts publications: a reader that saw this number has seen everything up to it.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The board's simulated time as last seen (moves without a publication).
    pub fn time_us(&self) -> u64 {
        self.time_us.load(Ordering::Relaxed)
    }

    /// Sets the simulated time readers see (the board's side, or a front end mirroring a board
    /// that runs in another process).
    pub fn set_time(&self, t: u64) {
        self.time_us.store(t, Ordering::Relaxed);
    }

    /// What the speaker sounds now: the tone (Hz), if any, and the volume (0–255). Set by the
    /// board as the tone changes, without waiting for a publication (a sound card reads it).
    pub fn sound(&self) -> (Option<u32>, u8) {
        let v = self.sound.load(Ordering::Acquire);
        let hz = (v & 0xffff_ffff) as u32;
        ((hz > 0).then_some(hz), (v >> 32) as u8)
    }

    /// Sets what the speaker sounds (the board's side, or a front end mirroring it).
    pub fn set_sound(&self, hz: Option<u32>, volume: u8) {
        let v = u64::from(hz.unwrap_or(0)) | (u64::from(volume) << 32);
        self.sound.store(v, Ordering::Release);
    }

    /// A copy of the latest snapshot.
    pub fn snapshot(&self) -> Snapshot {
        self.inner
            .lock()
            .map(|i| i.snapshot.clone())
            .unwrap_or_default()
    }

    /// The level changes at or after simulated time `since_us`, oldest first. A pin's level
    /// before its first change is the opposite of that change; without one, the snapshot's.
    pub fn history_since(&self, since_us: u64) -> Vec<Edge> {
        let Ok(i) = self.inner.lock() else {
            return Vec::new();
        };
        let start = i.history.partition_point(|e| e.0 < since_us);
        i.history.range(start..).copied().collect()
    }

    /// Forgets the history (a front end's "clear").
    pub fn clear_history(&self) {
        if let Ok(mut i) = self.inner.lock() {
            i.history.clear();
        }
    }

    /// Moves `edges` into the history, the oldest going beyond [`HISTORY_CAP`].
    pub(crate) fn append_history(&self, edges: &mut Vec<Edge>) {
        if let Ok(mut i) = self.inner.lock() {
            let drop_n = (i.history.len() + edges.len()).saturating_sub(HISTORY_CAP);
            let from_old = drop_n.min(i.history.len());
            i.history.drain(..from_old);
            let skip = drop_n - from_old;
            i.history.extend(edges.drain(..).skip(skip));
        }
        edges.clear();
    }

    /// Takes the level changes published so far out of the history (the side of a board
    /// process that forwards its publications to the front end, which keeps the history).
    pub fn drain_history(&self) -> Vec<Edge> {
        self.inner
            .lock()
            .map(|mut i| i.history.drain(..).collect())
            .unwrap_or_default()
    }

    /// Replaces the snapshot and appends `edges` (the `sim` thread's side, or a front end
    /// mirroring a board in another process), then wakes the reader.
    pub fn publish(&self, snapshot: Snapshot, edges: &mut Vec<Edge>) {
        if let Ok(mut i) = self.inner.lock() {
            // A reset restarts simulated time: the history restarts with it.
            if i.history.back().is_some_and(|e| e.0 > snapshot.time_us) {
                i.history.clear();
            }
            i.snapshot = snapshot;
        }
        self.append_history(edges);
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(w) = self.waker.lock()
            && let Some(f) = w.as_ref()
        {
            f();
        }
    }
}

/// The publishing side, kept inside [`crate::Board`].
pub(crate) struct Publisher {
    pub live: std::sync::Arc<LiveBoard>,
    pub untracked: fn(&mut dyn FnMut()),
    pub pending: Vec<Edge>,
    pub dirty: bool,
    pub last: Option<Instant>,
    pub console: ConsoleMode,
    pub fast_forward: bool,
    pub boots: u64,
    pub network: Vec<String>,
}

impl Publisher {
    /// Whether enough wall time passed since the last publication.
    pub fn due(&self) -> bool {
        self.last.is_none_or(|t| t.elapsed() >= PUBLISH_EVERY)
    }
}
