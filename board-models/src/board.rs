//! The live state of a board: pins (what the script drives, what the world applies), LEDs, ADC inputs.
//!
//! Every change of a pin level or an LED is reported to a [`ChangeSink`] with the simulated time, which
//! is how traces and (later) the GUI see the board. The model knows nothing of Python.

use crate::live::{ConsoleMode, LedView, LiveBoard, PinView, Publisher, Snapshot};
use crate::spec::BoardSpec;
use crate::wiring::WiredLed;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// How a pin is configured by the script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PinMode {
    /// Never configured since reset (reads as an input).
    Unset,
    /// Input.
    In,
    /// Push-pull output.
    Out,
    /// Open-drain output: drives low, releases high.
    OpenDrain,
    /// Driven by a PWM generator.
    Pwm,
}

/// The pull resistor the script enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pull {
    /// No pull.
    None,
    /// Pull-up.
    Up,
    /// Pull-down.
    Down,
}

/// One GPIO's state.
#[derive(Debug, Clone)]
pub struct PinState {
    /// GPIO number.
    pub gpio: u32,
    /// Configured mode.
    pub mode: PinMode,
    /// Configured pull.
    pub pull: Pull,
    /// The output latch (what `value(x)` wrote).
    pub latch: bool,
    /// What the outside world applies (a button, a wire, a test); `None` = nothing connected.
    pub external: Option<bool>,
    /// Level with nothing connected and no pull (board resistors).
    pub default_level: bool,
    /// PWM frequency and duty (0..=65535) when in PWM mode.
    pub pwm: Option<(u32, u16)>,
    /// What the circuit's parts drive on it (a pressed button, a sensor's output), or a wire to
    /// a supply.
    pub circuit: Option<bool>,
    /// A resistor in the circuit pulling it up or down.
    pub circuit_pull: Option<bool>,
    /// Simulated µs of its last level change.
    pub changed_at: u64,
    /// The level last reported to the sink.
    reported: bool,
}

impl PinState {
    /// The electrical level on the pin now.
    pub fn level(&self) -> bool {
        match self.mode {
            PinMode::Out => self.latch,
            PinMode::Pwm => self.pwm.is_some_and(|(_, d)| d >= 0x8000),
            PinMode::OpenDrain if !self.latch => false,
            PinMode::OpenDrain | PinMode::In | PinMode::Unset => {
                match (self.external.or(self.circuit), self.pull) {
                    (Some(v), _) => v,
                    (None, Pull::Up) => true,
                    (None, Pull::Down) => false,
                    (None, Pull::None) => self.circuit_pull.unwrap_or(self.default_level),
                }
            }
        }
    }

    /// Brightness an LED on this pin would show, 0.0..=1.0 (before active-low inversion).
    pub fn duty(&self) -> f64 {
        match (self.mode, self.pwm) {
            (PinMode::Pwm, Some((_, d))) => f64::from(d) / 65535.0,
            _ => {
                if self.level() {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }
}

/// An LED wired to a pin (on the board, or declared with `--led`).
#[derive(Debug, Clone)]
pub struct Led {
    /// Label.
    pub name: String,
    /// GPIO driving it.
    pub pin: u32,
    /// Lit when the pin is low.
    pub active_low: bool,
    /// Its colour when the circuit says (`red`, `green` …).
    pub color: Option<String>,
    /// Last brightness reported.
    reported: f64,
}

/// What a change is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Change {
    /// Pin `gpio` now has level `bool`.
    Pin(u32, bool),
    /// LED number `usize` (index into [`Board::leds`]) now has brightness `f64`.
    Led(usize, f64),
    /// Part number `usize` of the circuit now shows this (its view's line: a servo's angle, a
    /// buzzer's tone, a display's text).
    Part(usize, String),
}

/// Receives every change with its simulated time in microseconds since boot.
pub trait ChangeSink {
    /// Called once with the initial state before any change.
    fn start(&mut self, header: &TraceHeader);
    /// Called for every change, in time order.
    fn change(&mut self, time_us: u64, change: Change);
    /// Called at the end of the run with the final time.
    fn finish(&mut self, time_us: u64);
}

/// What a trace needs to know before the first change: the board, its pins (with their names
/// in the board data) and LEDs, and their levels now. Plain data, so that it can cross from the
/// board's process to the front end that writes the trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceHeader {
    /// The board's ID.
    pub board_id: String,
    /// GPIO number, its names, its level.
    pub pins: Vec<(u32, Vec<String>, bool)>,
    /// LED label, its GPIO, its brightness.
    pub leds: Vec<(String, u32, f64)>,
    /// The circuit's parts: id, type, what each shows.
    #[serde(default)]
    pub parts: Vec<(String, String, String)>,
}

/// Errors the pin model reports to the script.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    /// The board has no such GPIO.
    #[error("invalid pin")]
    NoSuchPin,
    /// The pin cannot do what was asked.
    #[error("pin {0} does not support {1}")]
    Unsupported(u32, &'static str),
}

/// Level changes kept for pin IRQs between two runs of the scheduler.
pub const EDGE_CAP: usize = 256;

/// A board's live state.
pub struct Board {
    /// The description it was built from.
    pub spec: BoardSpec,
    /// GPIO states, in `spec.pins` order.
    pub pins: Vec<PinState>,
    /// LEDs: the board's own, then the ones declared with `--led`.
    pub leds: Vec<Led>,
    /// Value applied to each ADC channel, 0.0..=1.0 of full scale.
    pub adc: Vec<(i64, f64)>,
    /// What the accelerometer feels (x, y, z in milli-g), on boards that have one.
    pub accel: Option<[f64; 3]>,
    /// The LED matrix's pixels, row by row (boards with one).
    pub display: Option<Vec<u8>>,
    /// The tone the program plays (Hz), if any; the speaker sounds it when it is on.
    pub tone: Option<u32>,
    /// The speaker is on (`microbit.speaker.on()`), and its volume (0–255, `set_volume`).
    pub speaker: (bool, u8),
    /// LED strips written to (pin, RGB per pixel), in the order first written.
    pub strips: Vec<(u32, Vec<[u8; 3]>)>,
    /// The circuit around the board (`--wiring`): its parts' models.
    pub circuit: crate::circuit::Circuit,
    /// How deep part reactions are nested (a part driving a pin another part watches).
    depth: u8,
    /// Pins wired straight to a supply.
    ties: Vec<(u32, bool)>,
    /// What each part showed when last reported to the sink.
    part_texts: Vec<String>,
    /// Pins wired to another board: what this board last drove on each, and the changes not
    /// yet taken (`take_exports`).
    exports: Vec<(u32, Option<bool>)>,
    export_queue: Vec<(u32, Option<bool>)>,
    /// Pins wired straight to each other.
    links: Vec<(u32, u32)>,
    /// The gesture recogniser fed by the accelerometer (boards with one).
    gestures: Option<crate::gesture::GestureDetector>,
    /// Pins whose level changed since the last [`Board::take_edges`], with the new level; the
    /// newest [`EDGE_CAP`], in a buffer reserved up front (a script toggling a pin in a loop that
    /// never lets IRQs run must not grow it).
    edges: std::collections::VecDeque<(u32, bool)>,
    sink: Option<Box<dyn ChangeSink>>,
    now_us: u64,
    publisher: Option<Publisher>,
}

impl Board {
    /// A board in its power-on state with extra LEDs wired to it.
    pub fn new(spec: BoardSpec, extra_leds: &[WiredLed]) -> Result<Self, PinError> {
        let pins = spec
            .pins
            .iter()
            .map(|p| PinState {
                gpio: p.gpio,
                mode: PinMode::Unset,
                pull: Pull::None,
                latch: false,
                external: None,
                default_level: p.default_level == 1,
                pwm: None,
                circuit: None,
                circuit_pull: None,
                changed_at: 0,
                reported: p.default_level == 1,
            })
            .collect();
        let mut leds: Vec<Led> = spec
            .leds
            .iter()
            .map(|l| Led {
                name: l.name.clone(),
                pin: l.pin,
                active_low: l.active_low,
                color: None,
                reported: 0.0,
            })
            .collect();
        for led in extra_leds {
            if spec.pin(led.pin).is_none() {
                return Err(PinError::NoSuchPin);
            }
            leds.push(Led {
                name: led
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("LED_GPIO{}", led.pin)),
                pin: led.pin,
                active_low: led.active_low,
                color: None,
                reported: 0.0,
            });
        }
        let adc = spec
            .adc
            .channels
            .iter()
            .map(|&c| {
                (
                    c,
                    spec.adc.initial.get(&c.to_string()).copied().unwrap_or(0.0),
                )
            })
            .collect();
        // Lying flat, face up: gravity along -z.
        let accel = spec.accelerometer.as_ref().map(|_| [0.0, 0.0, -1000.0]);
        let display = spec
            .display
            .as_ref()
            .map(|d| vec![0; (d.width * d.height) as usize]);
        let mut board = Board {
            spec,
            pins,
            leds,
            adc,
            accel,
            gestures: accel.map(|_| crate::gesture::GestureDetector::new()),
            display,
            tone: None,
            speaker: (true, 255),
            strips: Vec::new(),
            circuit: crate::circuit::Circuit::new(&crate::CircuitSpec::default()),
            depth: 0,
            ties: Vec::new(),
            part_texts: Vec::new(),
            exports: Vec::new(),
            export_queue: Vec::new(),
            links: Vec::new(),
            edges: std::collections::VecDeque::with_capacity(EDGE_CAP),
            sink: None,
            now_us: 0,
            publisher: None,
        };
        for i in 0..board.leds.len() {
            board.leds[i].reported = board.led_brightness(i);
        }
        Ok(board)
    }

    /// The board as a trace starts from.
    pub fn trace_header(&self) -> TraceHeader {
        TraceHeader {
            board_id: self.spec.id.clone(),
            pins: self
                .pins
                .iter()
                .map(|p| {
                    let names = self.spec.names_of(p.gpio).map(str::to_owned).collect();
                    (p.gpio, names, p.level())
                })
                .collect(),
            leds: (0..self.leds.len())
                .map(|i| {
                    let l = &self.leds[i];
                    (l.name.clone(), l.pin, self.led_brightness(i))
                })
                .collect(),
            parts: (0..self.circuit.len())
                .map(|i| {
                    let s = self.circuit.spec(i);
                    (
                        s.map(|s| s.id.clone()).unwrap_or_default(),
                        s.map(|s| s.kind.clone()).unwrap_or_default(),
                        self.circuit.text(i, self.now_us, &self.pins),
                    )
                })
                .collect(),
        }
    }

    /// Attaches the sink that sees every change from now on.
    pub fn set_sink(&mut self, mut sink: Box<dyn ChangeSink>) {
        let header = self.trace_header();
        self.part_texts = header.parts.iter().map(|p| p.2.clone()).collect();
        sink.start(&header);
        self.sink = Some(sink);
    }

    /// Publishes this board's state to `live` from now on (see [`crate::live`]). Publishing
    /// allocates; `untracked` runs it (a simulator passes what keeps that off the board's heap).
    pub fn attach_live(&mut self, live: Arc<LiveBoard>, untracked: fn(&mut dyn FnMut())) {
        self.publisher = Some(Publisher {
            live,
            untracked,
            pending: Vec::with_capacity(crate::live::PENDING_CAP),
            dirty: true,
            last: None,
            console: ConsoleMode::None,
            fast_forward: false,
            boots: 0,
            network: Vec::new(),
        });
        self.publish();
    }

    /// What the console's REPL does now (shown by front ends).
    pub fn set_console_mode(&mut self, mode: ConsoleMode) {
        if let Some(p) = self.publisher.as_mut()
            && p.console != mode
        {
            p.console = mode;
            p.dirty = true;
        }
    }

    /// Whether the board runs fast-forward (virtual time), for front ends.
    pub fn set_fast_forward(&mut self, on: bool) {
        if let Some(p) = self.publisher.as_mut()
            && p.fast_forward != on
        {
            p.fast_forward = on;
            p.dirty = true;
        }
    }

    /// What the network interfaces do (one line each), for front ends.
    pub fn set_network_status(&mut self, lines: &[String]) {
        if let Some(p) = self.publisher.as_mut()
            && p.network != lines
        {
            let wrap = p.untracked;
            wrap(&mut || p.network = lines.to_vec());
            p.dirty = true;
        }
    }

    /// Counts a boot (power-on or reset) for front ends.
    pub fn count_boot(&mut self) {
        if let Some(p) = self.publisher.as_mut() {
            p.boots += 1;
            p.dirty = true;
        }
    }

    /// Publishes what changed since the last publication, now (the board is about to wait).
    pub fn publish(&mut self) {
        let Some(p) = self.publisher.as_ref() else {
            return;
        };
        if !p.dirty && p.pending.is_empty() {
            return;
        }
        let wrap = p.untracked;
        wrap(&mut || self.publish_inner());
    }

    /// The board as it is now, as its live view shows it (what a scenario's step checks).
    pub fn snapshot(&self) -> Snapshot {
        let p = self.publisher.as_ref();
        Snapshot {
            time_us: self.now_us,
            pins: self.pins.iter().map(PinView::of).collect(),
            leds: (0..self.leds.len())
                .map(|i| LedView {
                    name: self.leds[i].name.clone(),
                    pin: self.leds[i].pin,
                    brightness: self.led_brightness(i),
                    color: self.leds[i].color.clone(),
                })
                .collect(),
            adc: self.adc.clone(),
            accel: self.accel,
            display: self.display.clone(),
            tone: self.sounding(),
            volume: self.speaker.1,
            oleds: self
                .circuit
                .oleds()
                .map(|(id, chip)| crate::OledView {
                    name: id.to_owned(),
                    size: chip.size(),
                    on: chip.state().0,
                    contrast: chip.state().1,
                    pixels: chip.pixels(),
                })
                .collect(),
            parts: self.circuit.views(self.now_us, &self.pins),
            strips: self.strips.clone(),
            console: p.map(|p| p.console).unwrap_or_default(),
            fast_forward: p.is_some_and(|p| p.fast_forward),
            boots: p.map_or(0, |p| p.boots),
            network: p.map(|p| p.network.clone()).unwrap_or_default(),
        }
    }

    fn publish_inner(&mut self) {
        if self.publisher.is_none() {
            return;
        }
        let snapshot = self.snapshot();
        if let Some(p) = self.publisher.as_mut() {
            p.live.publish(snapshot, &mut p.pending);
            p.dirty = false;
            p.last = Some(std::time::Instant::now());
        }
    }

    /// Publishes what changed if the last publication is old enough.
    pub fn publish_if_due(&mut self) {
        if self
            .publisher
            .as_ref()
            .is_some_and(|p| (p.dirty || !p.pending.is_empty()) && p.due())
        {
            self.publish();
        }
    }

    /// When a change not yet published should go out (`None`: nothing waits).
    pub fn next_publish(&self) -> Option<std::time::Instant> {
        let p = self.publisher.as_ref()?;
        if !p.dirty && p.pending.is_empty() {
            return None;
        }
        Some(
            p.last
                .map_or_else(std::time::Instant::now, |t| t + crate::live::PUBLISH_EVERY),
        )
    }

    fn mark_dirty(&mut self) {
        if let Some(p) = self.publisher.as_mut() {
            p.dirty = true;
        }
        self.publish_if_due();
    }

    /// Ends the trace at `time_us`.
    pub fn finish(&mut self, time_us: u64) {
        if let Some(s) = self.sink.as_mut() {
            s.finish(time_us);
        }
    }

    /// Sets the simulated time stamp used for the changes that follow.
    pub fn set_time(&mut self, now_us: u64) {
        if !self.circuit.is_empty() {
            self.advance_parts(now_us);
        }
        self.now_us = now_us;
        if let Some(p) = self.publisher.as_ref() {
            p.live.set_time(now_us);
        }
    }

    fn index(&self, gpio: u32) -> Result<usize, PinError> {
        self.pins
            .iter()
            .position(|p| p.gpio == gpio)
            .ok_or(PinError::NoSuchPin)
    }

    /// The state of GPIO `gpio`.
    pub fn pin(&self, gpio: u32) -> Result<&PinState, PinError> {
        Ok(&self.pins[self.index(gpio)?])
    }

    /// Brightness of LED `i` now, 0.0..=1.0.
    /// An LED needs a current: a pin nothing drives (an input, a released open-drain output)
    /// leaves it dark whichever way it is wired.
    pub fn led_brightness(&self, i: usize) -> f64 {
        let led = &self.leds[i];
        let Some(p) = self.pins.iter().find(|p| p.gpio == led.pin) else {
            return 0.0;
        };
        let driven = match p.mode {
            PinMode::Out | PinMode::Pwm => true,
            PinMode::OpenDrain => !p.latch || p.external.is_some(),
            PinMode::In | PinMode::Unset => p.external.is_some(),
        };
        if !driven {
            return 0.0;
        }
        let d = p.duty();
        if led.active_low { 1.0 - d } else { d }
    }

    fn modify(&mut self, gpio: u32, f: impl FnOnce(&mut PinState)) -> Result<(), PinError> {
        let i = self.index(gpio)?;
        let before = self.publisher.is_some().then(|| PinView::of(&self.pins[i]));
        let was = (self.pins[i].level(), self.pins[i].mode, self.pins[i].pwm);
        f(&mut self.pins[i]);
        // Report first: its edge must be in the publication `mark_dirty` may make.
        self.report(i);
        if before.is_some_and(|b| b != PinView::of(&self.pins[i])) {
            self.mark_dirty();
        }
        let now = (self.pins[i].level(), self.pins[i].mode, self.pins[i].pwm);
        if was != now {
            self.notify_parts(gpio);
            self.follow_links(gpio);
            self.export(i);
        }
        Ok(())
    }

    /// What the board drives on pin `i`: its level when an output (or an open drain pulling
    /// low), nothing when it reads.
    fn driven_level(&self, i: usize) -> Option<bool> {
        let p = &self.pins[i];
        match p.mode {
            PinMode::Out | PinMode::Pwm => Some(p.level()),
            PinMode::OpenDrain if !p.latch => Some(false),
            _ => None,
        }
    }

    fn export(&mut self, i: usize) {
        let gpio = self.pins[i].gpio;
        let level = self.driven_level(i);
        if let Some(e) = self.exports.iter_mut().find(|(g, _)| *g == gpio)
            && e.1 != level
        {
            e.1 = level;
            if self.export_queue.len() < EDGE_CAP {
                self.export_queue.push((gpio, level));
            }
        }
    }

    /// Reports from now on what the board drives on `gpios` (pins wired to another board).
    pub fn set_exports(&mut self, gpios: &[u32]) {
        self.exports = gpios.iter().map(|&g| (g, None)).collect();
    }

    /// The changes on exported pins since last taken: GPIO and what the board drives there.
    pub fn take_exports(&mut self) -> Vec<(u32, Option<bool>)> {
        std::mem::take(&mut self.export_queue)
    }

    /// Whether `gpio` is wired to another board.
    pub fn is_exported(&self, gpio: u32) -> bool {
        self.exports.iter().any(|(g, _)| *g == gpio)
    }

    /// Whether exported pins changed since last taken.
    pub fn has_exports(&self) -> bool {
        !self.export_queue.is_empty()
    }

    /// A board pin wired to this one reads what this one drives.
    fn follow_links(&mut self, gpio: u32) {
        if self.links.is_empty() || self.depth >= 8 {
            return;
        }
        let partners: Vec<u32> = self
            .links
            .iter()
            .filter_map(|&(a, b)| {
                if a == gpio {
                    Some(b)
                } else if b == gpio {
                    Some(a)
                } else {
                    None
                }
            })
            .collect();
        let Ok(p) = self.pin(gpio) else { return };
        let driven = matches!(p.mode, PinMode::Out | PinMode::Pwm)
            || (p.mode == PinMode::OpenDrain && !p.latch);
        let level = driven.then(|| p.level());
        self.depth += 1;
        for h in partners {
            let all = self.circuit.set_drive(usize::MAX, h, level);
            let _ = self.modify(h, |p| p.circuit = all);
        }
        self.depth -= 1;
    }

    /// Tells the parts wired to `gpio` that it changed.
    fn notify_parts(&mut self, gpio: u32) {
        // A part driving a pin another part watches reacts in turn, a few levels deep at most.
        if self.depth >= 8 {
            return;
        }
        let watchers = self.circuit.watchers(gpio).to_vec();
        if watchers.is_empty() {
            return;
        }
        self.depth += 1;
        for w in watchers {
            self.run_part(w, |p, io| p.pins_changed(io));
        }
        self.depth -= 1;
        self.mark_dirty();
    }

    /// Runs `f` on part `i` and applies what it did.
    fn run_part<R>(
        &mut self,
        i: usize,
        f: impl FnOnce(&mut dyn crate::circuit::Part, &mut crate::circuit::Io) -> R,
    ) -> Option<R> {
        let (r, actions) = self.circuit.with(i, self.now_us, &self.pins, f)?;
        for a in actions {
            self.apply_action(i, a);
        }
        if self.sink.is_some() {
            let text = self.circuit.text(i, self.now_us, &self.pins);
            if self.part_texts.get(i) != Some(&text) {
                if self.part_texts.len() <= i {
                    self.part_texts.resize(i + 1, String::new());
                }
                self.part_texts[i] = text.clone();
                if let Some(s) = self.sink.as_mut() {
                    s.change(self.now_us, Change::Part(i, text));
                }
            }
        }
        Some(r)
    }

    fn apply_action(&mut self, part: usize, a: crate::circuit::Action) {
        use crate::circuit::{Action, Endpoint};
        match a {
            Action::Drive(pin, level) => {
                if let Endpoint::Gpio(g) = self.circuit.endpoint(part, &pin) {
                    let all = self.circuit.set_drive(part, g, level);
                    let tie = self.ties.iter().find(|(t, _)| *t == g).map(|t| t.1);
                    let _ = self.modify(g, |p| p.circuit = all.or(tie));
                }
            }
            Action::Analog(pin, v) => {
                let ch = match self.circuit.endpoint(part, &pin) {
                    Endpoint::Adc(ch) => Some(ch),
                    Endpoint::Gpio(g) => self.adc_channel_of(g),
                    _ => None,
                };
                if let Some(ch) = ch {
                    self.set_adc(ch, v);
                }
            }
            Action::Tone(hz) => self.set_tone(hz),
        }
    }

    /// The ADC channel that reads GPIO `g`, on boards whose channels are not GPIO numbers (the
    /// Pico's ADC0–2 on GP26–28), or `g` itself.
    pub fn adc_channel_of(&self, g: u32) -> Option<i64> {
        let ch = if self.spec.platform == crate::Platform::Rp2 {
            i64::from(g) - 26
        } else {
            i64::from(g)
        };
        self.spec.adc.channels.contains(&ch).then_some(ch)
    }

    /// Wires the circuit's parts to the board: their models, its LEDs, pulls and ties, and the
    /// first levels the parts drive.
    pub fn attach_circuit(&mut self, spec: &crate::CircuitSpec) -> Result<(), PinError> {
        for (name, g, active_low, colour) in &spec.leds {
            if self.spec.pin(*g).is_none() {
                return Err(PinError::NoSuchPin);
            }
            self.leds.push(Led {
                name: format!("{name} ({colour})"),
                pin: *g,
                active_low: *active_low,
                color: Some(colour.clone()),
                reported: 0.0,
            });
            let l = self.leds.len() - 1;
            self.leds[l].reported = self.led_brightness(l);
        }
        self.ties = spec.ties.clone();
        for &(g, high) in &spec.pulls {
            self.modify(g, |p| p.circuit_pull = Some(high))?;
        }
        for &(g, high) in &spec.ties {
            self.modify(g, |p| p.circuit = Some(high))?;
        }
        self.links = spec.links.clone();
        self.circuit = crate::circuit::Circuit::new(spec);
        for i in 0..self.circuit.len() {
            self.run_part(i, |p, io| p.start(io));
        }
        self.mark_dirty();
        Ok(())
    }

    /// Brings the parts up to simulated time `now`: what they do on their own (an echo pulse,
    /// a bouncing contact) happens at its own instant.
    fn advance_parts(&mut self, now: u64) {
        // Bounded: a part that keeps asking for the same instant cannot stall the board.
        for _ in 0..10_000 {
            match self.circuit.next_event() {
                Some((t, i)) if t <= now => {
                    self.now_us = t;
                    self.run_part(i, |p, io| p.advance(io));
                    if self.circuit.next_event() == Some((t, i)) {
                        break;
                    }
                }
                _ => break,
            }
        }
    }

    /// When a part next changes on its own (simulated µs), if one will.
    pub fn next_part_event(&self) -> Option<u64> {
        self.circuit.next_event().map(|(t, _)| t)
    }

    /// Sets control `name` of part `id` (`--control`, the window, scenarios).
    pub fn set_control(&mut self, id: &str, name: &str, value: f64) -> Result<(), String> {
        let i = self
            .circuit
            .find(id)
            .ok_or_else(|| format!("no part {id:?} in the circuit"))?;
        let controls = self.circuit.controls(i);
        let Some(c) = controls.iter().find(|c| c.name == name) else {
            let names: Vec<&str> = controls.iter().map(|c| c.name.as_str()).collect();
            return Err(if names.is_empty() {
                format!("{id} has no controls")
            } else {
                format!("{id} has no control {name:?} (it has {})", names.join(", "))
            });
        };
        if !(c.min..=c.max).contains(&value) {
            return Err(format!(
                "{id}.{name}: {value} is out of range ({} to {}{})",
                c.min,
                c.max,
                if c.unit.is_empty() {
                    String::new()
                } else {
                    format!(" {}", c.unit)
                }
            ));
        }
        let r = self
            .run_part(i, |p, io| p.set_control(name, value, io))
            .unwrap_or(Ok(()));
        self.mark_dirty();
        r
    }

    /// The I2C chips of the circuit: (SCL GPIO, SDA GPIO, address), each bus and address once.
    pub fn i2c_devices(&self) -> Vec<(u32, u32, u8)> {
        let mut out = Vec::new();
        for i in 0..self.circuit.len() {
            if let (Some(a), Some((scl, sda))) = (self.circuit.i2c_address(i), self.i2c_pins(i))
                && !out.contains(&(scl, sda, a))
            {
                out.push((scl, sda, a));
            }
        }
        out
    }

    fn i2c_pins(&self, i: usize) -> Option<(u32, u32)> {
        use crate::circuit::Endpoint;
        match (
            self.circuit.endpoint(i, "SCL"),
            self.circuit.endpoint(i, "SDA"),
        ) {
            (Endpoint::Gpio(c), Endpoint::Gpio(d)) => Some((c, d)),
            _ => None,
        }
    }

    fn i2c_targets(&self, scl: u32, sda: u32, addr: u8) -> Vec<usize> {
        (0..self.circuit.len())
            .filter(|&i| {
                self.circuit.i2c_address(i) == Some(addr) && self.i2c_pins(i) == Some((scl, sda))
            })
            .collect()
    }

    /// An I2C write to `addr` on the bus (scl, sda); false when nothing acknowledges.
    pub fn i2c_write(&mut self, scl: u32, sda: u32, addr: u8, data: &[u8]) -> bool {
        let targets = self.i2c_targets(scl, sda, addr);
        for &i in &targets {
            self.run_part(i, |p, io| p.i2c_write(data, io));
        }
        self.mark_dirty();
        !targets.is_empty()
    }

    /// An I2C read of `n` bytes from `addr`: chips at one address answer together (wired AND).
    pub fn i2c_read(&mut self, scl: u32, sda: u32, addr: u8, n: usize) -> Option<Vec<u8>> {
        let targets = self.i2c_targets(scl, sda, addr);
        let mut out: Option<Vec<u8>> = None;
        for &i in &targets {
            if let Some(r) = self.run_part(i, |p, io| p.i2c_read(n, io)) {
                out = Some(match out {
                    None => r,
                    Some(o) => o.iter().zip(&r).map(|(a, b)| a & b).collect(),
                });
            }
        }
        out
    }

    /// An SPI transfer on (SCK, MOSI): every selected part (CS low or not wired) takes it; what
    /// they drive on MISO (0xFF where none does).
    pub fn spi_transfer(&mut self, sck: u32, mosi: u32, data: &[u8]) -> Vec<u8> {
        use crate::circuit::Endpoint;
        let mut out = vec![0xFFu8; data.len()];
        for i in 0..self.circuit.len() {
            let on = |names: &[&str], g: u32| {
                names
                    .iter()
                    .any(|n| self.circuit.endpoint(i, n) == Endpoint::Gpio(g))
            };
            if !on(&["SCK", "CLK", "SCL", "D0"], sck) || !on(&["MOSI", "DIN", "SDA", "D1"], mosi) {
                continue;
            }
            let selected = match self.circuit.endpoint(i, "CS") {
                Endpoint::Gpio(g) => self.pin(g).is_ok_and(|p| !p.level()),
                Endpoint::Vcc => false,
                _ => true,
            };
            if !selected {
                continue;
            }
            if let Some(Some(miso)) = self.run_part(i, |p, io| p.spi(data, io)) {
                for (o, m) in out.iter_mut().zip(miso) {
                    *o &= m;
                }
            }
        }
        self.mark_dirty();
        out
    }

    fn onewire_parts(&self, g: u32) -> Vec<usize> {
        use crate::circuit::Endpoint;
        (0..self.circuit.len())
            .filter(|&i| self.circuit.endpoint(i, "DQ") == Endpoint::Gpio(g))
            .collect()
    }

    /// A 1-Wire reset on GPIO `g`: whether any device answers with presence.
    pub fn ow_reset(&mut self, g: u32) -> bool {
        let mut present = false;
        for i in self.onewire_parts(g) {
            present |= self.run_part(i, |p, io| p.ow_reset(io)).unwrap_or(false);
        }
        present
    }

    /// A 1-Wire time slot on GPIO `g`: the master writes `bit` (1 to read); the line's level.
    pub fn ow_slot(&mut self, g: u32, bit: bool) -> bool {
        let mut line = bit;
        for i in self.onewire_parts(g) {
            line &= self.run_part(i, |p, io| p.ow_slot(bit, io)).unwrap_or(true);
        }
        line
    }

    /// The DHT protocol on GPIO `g`: the five bytes the sensor there sends, None when nothing
    /// answers.
    pub fn dht_read(&mut self, g: u32) -> Option<[u8; 5]> {
        use crate::circuit::Endpoint;
        let i = (0..self.circuit.len()).find(|&i| {
            ["SDA", "DATA", "OUT"]
                .iter()
                .any(|n| self.circuit.endpoint(i, n) == Endpoint::Gpio(g))
                && self
                    .circuit
                    .spec(i)
                    .is_some_and(|s| s.kind == "dht11" || s.kind == "dht22")
        })?;
        self.run_part(i, |p, io| p.dht_read(io)).flatten()
    }

    fn report(&mut self, i: usize) {
        let level = self.pins[i].level();
        let gpio = self.pins[i].gpio;
        if level != self.pins[i].reported {
            self.pins[i].reported = level;
            self.pins[i].changed_at = self.now_us;
            if self.edges.len() == EDGE_CAP {
                // Pending IRQ events beyond this are lost, as a full scheduler queue loses them.
                self.edges.pop_front();
            }
            self.edges.push_back((gpio, level));
            if let Some(s) = self.sink.as_mut() {
                s.change(self.now_us, Change::Pin(gpio, level));
            }
            if let Some(p) = self.publisher.as_mut() {
                // `pending` never grows: it was reserved off the board's heap.
                // A full buffer goes to the history without a publication (no wake-up).
                if p.pending.len() == p.pending.capacity() {
                    let wrap = p.untracked;
                    wrap(&mut || p.live.append_history(&mut p.pending));
                }
                p.pending.push((self.now_us, gpio, level));
            }
        }
        for l in 0..self.leds.len() {
            if self.leds[l].pin != gpio {
                continue;
            }
            let b = self.led_brightness(l);
            if (b - self.leds[l].reported).abs() > f64::EPSILON {
                self.leds[l].reported = b;
                if let Some(s) = self.sink.as_mut() {
                    s.change(self.now_us, Change::Led(l, b));
                }
            }
        }
    }

    /// Configures a pin, checking the board supports the mode and pull.
    pub fn configure(&mut self, gpio: u32, mode: PinMode, pull: Pull) -> Result<(), PinError> {
        let spec = self.spec.pin(gpio).ok_or(PinError::NoSuchPin)?;
        let need = match mode {
            PinMode::In | PinMode::Unset => "in",
            PinMode::Out => "out",
            PinMode::OpenDrain => "open_drain",
            PinMode::Pwm => "pwm",
        };
        if !spec.can(need) {
            return Err(PinError::Unsupported(gpio, need));
        }
        match pull {
            Pull::Up if !spec.can("pull_up") => return Err(PinError::Unsupported(gpio, "pull_up")),
            Pull::Down if !spec.can("pull_down") => {
                return Err(PinError::Unsupported(gpio, "pull_down"));
            }
            _ => {}
        }
        self.modify(gpio, |p| {
            p.mode = mode;
            p.pull = pull;
            if mode != PinMode::Pwm {
                p.pwm = None;
            }
        })
    }

    /// Writes the output latch.
    pub fn write(&mut self, gpio: u32, value: bool) -> Result<(), PinError> {
        self.modify(gpio, |p| p.latch = value)
    }

    /// The level the script reads.
    pub fn read(&self, gpio: u32) -> Result<bool, PinError> {
        Ok(self.pin(gpio)?.level())
    }

    /// The outside world drives the pin (`Some`) or lets go of it (`None`).
    pub fn apply_external(&mut self, gpio: u32, level: Option<bool>) -> Result<(), PinError> {
        self.modify(gpio, |p| p.external = level)
    }

    /// Starts, changes or (`None`) stops PWM on a pin.
    pub fn set_pwm(&mut self, gpio: u32, pwm: Option<(u32, u16)>) -> Result<(), PinError> {
        if pwm.is_some() {
            let spec = self.spec.pin(gpio).ok_or(PinError::NoSuchPin)?;
            if !spec.can("pwm") {
                return Err(PinError::Unsupported(gpio, "pwm"));
            }
        }
        self.modify(gpio, |p| {
            p.pwm = pwm;
            if pwm.is_some() {
                p.mode = PinMode::Pwm;
            } else if p.mode == PinMode::Pwm {
                p.mode = PinMode::Out;
            }
        })
    }

    /// The value the outside world applies to an ADC channel, 0.0..=1.0.
    pub fn adc(&self, channel: i64) -> Option<f64> {
        self.adc
            .iter()
            .find(|(c, _)| *c == channel)
            .map(|(_, v)| *v)
    }

    /// Sets what an ADC channel sees, clamped to 0.0..=1.0.
    pub fn set_adc(&mut self, channel: i64, value: f64) -> bool {
        match self.adc.iter_mut().find(|(c, _)| *c == channel) {
            Some(slot) => {
                slot.1 = value.clamp(0.0, 1.0);
                self.mark_dirty();
                true
            }
            None => false,
        }
    }

    /// Sets what the accelerometer feels (milli-g), clamped to the chip's range; false on a board
    /// without one.
    pub fn set_accel(&mut self, xyz: [f64; 3]) -> bool {
        let Some(range) = self
            .spec
            .accelerometer
            .as_ref()
            .map(|a| f64::from(a.range_mg))
        else {
            return false;
        };
        // What was felt until now is what the gesture recogniser sampled until now.
        self.gestures_now();
        self.accel = Some(xyz.map(|v| {
            if v.is_finite() {
                v.clamp(-range, range)
            } else {
                0.0
            }
        }));
        self.mark_dirty();
        true
    }

    /// Shows `pixels` (row by row, clamped to the display's levels) on the LED matrix; false on a
    /// board without one or with a different pixel count.
    pub fn set_display(&mut self, pixels: &[u8]) -> bool {
        let Some(top) = self.spec.display.as_ref().map(|d| d.levels - 1) else {
            return false;
        };
        let Some(d) = self.display.as_mut() else {
            return false;
        };
        if d.len() != pixels.len() {
            return false;
        }
        let mut changed = false;
        for (o, n) in d.iter_mut().zip(pixels) {
            let n = (*n).min(top);
            changed |= *o != n;
            *o = n;
        }
        if changed {
            self.mark_dirty();
        }
        true
    }

    /// What an LED strip on `gpio` shows now (RGB per pixel).
    pub fn set_strip(&mut self, gpio: u32, pixels: Vec<[u8; 3]>) -> Result<(), PinError> {
        self.index(gpio)?;
        // A strip of the circuit on that pin shows the data (its first pixels).
        for i in self.circuit.watchers(gpio).to_vec() {
            if self.circuit.endpoint(i, "DIN") == crate::Endpoint::Gpio(gpio) {
                self.run_part(i, |p, _| p.strip(&pixels));
            }
        }
        match self.strips.iter_mut().find(|(g, _)| *g == gpio) {
            Some(s) => s.1 = pixels,
            None => self.strips.push((gpio, pixels)),
        }
        self.mark_dirty();
        Ok(())
    }

    /// Starts (`Some(hz)`) or stops the program's tone.
    pub fn set_tone(&mut self, hz: Option<u32>) {
        if self.tone != hz {
            self.tone = hz;
            self.sound_changed();
        }
    }

    /// Turns the speaker on or off and sets its volume (0–255); a tone plays on with them.
    pub fn set_speaker(&mut self, on: bool, volume: u8) {
        if self.speaker != (on, volume) {
            self.speaker = (on, volume);
            self.sound_changed();
        }
    }

    /// The tone the speaker sounds now: the program's, while the speaker is on and not silent.
    pub fn sounding(&self) -> Option<u32> {
        self.tone.filter(|_| self.speaker.0 && self.speaker.1 > 0)
    }

    /// A host's sound output follows the speaker at once, not at the next publication.
    fn sound_changed(&mut self) {
        if let Some(p) = self.publisher.as_ref() {
            p.live.set_sound(self.sounding(), self.speaker.1);
        }
        self.mark_dirty();
    }

    /// The gesture recogniser, brought up to the board's time (None without an accelerometer).
    pub fn gestures_now(&mut self) -> Option<&mut crate::gesture::GestureDetector> {
        let (now, mg) = (self.now_us, self.accel?);
        let g = self.gestures.as_mut()?;
        g.advance(now, mg);
        Some(g)
    }

    /// Level changes since the last call (for pin IRQs), oldest first.
    pub fn take_edges(&mut self) -> Vec<(u32, bool)> {
        self.edges.drain(..).collect()
    }

    /// Back to the power-on state (keeps LEDs, external inputs and the sink).
    pub fn reset(&mut self) {
        for i in 0..self.pins.len() {
            let p = &mut self.pins[i];
            p.mode = PinMode::Unset;
            p.pull = Pull::None;
            p.latch = false;
            p.pwm = None;
            self.report(i);
        }
        self.edges.clear();
        if let Some(d) = self.display.as_mut() {
            d.fill(0);
        }
        self.tone = None;
        self.speaker = (true, 255);
        self.sound_changed();
        self.strips.clear();
        for i in 0..self.circuit.len() {
            self.run_part(i, |p, io| p.pins_changed(io));
        }
        self.mark_dirty();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::find_board;
    use std::sync::{Arc, Mutex};

    struct Rec(Arc<Mutex<Vec<(u64, Change)>>>);
    impl ChangeSink for Rec {
        fn start(&mut self, _: &TraceHeader) {}
        fn change(&mut self, t: u64, c: Change) {
            self.0.lock().unwrap().push((t, c));
        }
        fn finish(&mut self, _: u64) {}
    }

    fn esp() -> Board {
        let led = WiredLed {
            pin: 15,
            name: None,
            active_low: false,
        };
        Board::new(find_board("esp8266").unwrap().unwrap(), &[led]).unwrap()
    }

    #[test]
    fn output_drives_led_and_reports_changes() {
        let mut b = esp();
        let log = Arc::new(Mutex::new(Vec::new()));
        b.set_sink(Box::new(Rec(log.clone())));
        b.set_time(10);
        b.configure(15, PinMode::Out, Pull::None).unwrap();
        b.write(15, true).unwrap();
        let led = b.leds.iter().position(|l| l.pin == 15).unwrap();
        assert_eq!(b.led_brightness(led), 1.0);
        let log = log.lock().unwrap();
        assert_eq!(log[0], (10, Change::Pin(15, true)));
        assert_eq!(log[1], (10, Change::Led(led, 1.0)));
    }

    #[test]
    fn live_view_publishes_every_change_once_nothing_waits() {
        let mut b = esp();
        let live = Arc::new(crate::LiveBoard::new());
        b.attach_live(live.clone(), |f| f());
        let g0 = live.generation();
        b.configure(15, PinMode::Out, Pull::None).unwrap();
        b.set_time(100);
        b.write(15, true).unwrap();
        // Too soon after the first publication: it waits, and says until when.
        assert_eq!(live.generation(), g0);
        assert!(b.next_publish().is_some());
        std::thread::sleep(crate::live::PUBLISH_EVERY);
        b.publish_if_due();
        assert_eq!(live.generation(), g0 + 1);
        assert_eq!(b.next_publish(), None, "nothing left to publish");
        assert_eq!(live.history_since(0), vec![(100, 15, true)]);
        let snap = live.snapshot();
        assert!(snap.pin(15).unwrap().level);
        assert_eq!(
            snap.leds.iter().find(|l| l.pin == 15).unwrap().brightness,
            1.0
        );
        // Writing the same level again changes nothing and needs no publication.
        std::thread::sleep(crate::live::PUBLISH_EVERY);
        b.write(15, true).unwrap();
        assert_eq!(b.next_publish(), None);
        assert_eq!(live.generation(), g0 + 1);
    }

    #[test]
    fn accelerometer_input_is_clamped_to_the_chip() {
        let mut b = esp();
        assert!(!b.set_accel([0.0, 0.0, 1000.0]), "the ESP8266 has none");
        assert_eq!(b.accel, None);
        let text = format!(
            "{}\n[accelerometer]\nchip = \"MMA7660\"\nrange_mg = 1500\n",
            include_str!("../boards/ESP8266_GENERIC/board.toml")
        );
        let csv = include_str!("../boards/ESP8266_GENERIC/pins.csv");
        let spec = BoardSpec::parse("ESP8266_GENERIC", &text, csv).unwrap();
        let mut b = Board::new(spec, &[]).unwrap();
        assert_eq!(b.accel, Some([0.0, 0.0, -1000.0]), "lying face up");
        assert!(b.set_accel([2000.0, -3000.0, f64::NAN]));
        assert_eq!(b.accel, Some([1500.0, -1500.0, 0.0]));
        let zero = text.replace("range_mg = 1500", "range_mg = 0");
        assert!(BoardSpec::parse("ESP8266_GENERIC", &zero, csv).is_err());
    }

    #[test]
    fn active_low_led_and_open_drain() {
        let mut b = esp();
        b.configure(2, PinMode::Out, Pull::None).unwrap();
        b.write(2, false).unwrap();
        assert_eq!(b.led_brightness(0), 1.0, "GPIO2 LED is active low");
        b.configure(4, PinMode::OpenDrain, Pull::None).unwrap();
        b.write(4, true).unwrap();
        b.apply_external(4, Some(false)).unwrap();
        assert!(!b.read(4).unwrap(), "released open drain reads the bus");
    }

    #[test]
    fn inputs_pulls_and_capabilities() {
        let mut b = esp();
        b.configure(5, PinMode::In, Pull::Up).unwrap();
        assert!(b.read(5).unwrap());
        b.apply_external(5, Some(false)).unwrap();
        assert!(!b.read(5).unwrap());
        assert_eq!(b.take_edges(), vec![(5, true), (5, false)]);
        b.configure(5, PinMode::Out, Pull::None).unwrap();
        for i in 0..1000 {
            b.write(5, i % 2 == 0).unwrap();
        }
        let kept = b.take_edges();
        assert_eq!(kept.len(), EDGE_CAP, "only the newest edges wait for IRQs");
        assert_eq!(kept.last(), Some(&(5, false)));
        assert_eq!(
            b.configure(7, PinMode::In, Pull::None),
            Err(PinError::NoSuchPin)
        );
        assert!(
            b.configure(16, PinMode::In, Pull::Up).is_err(),
            "GPIO16 has no pull-up"
        );
        assert!(
            b.configure(5, PinMode::In, Pull::Down).is_err(),
            "no PULL_DOWN on ESP8266"
        );
        assert!(b.read(0).unwrap(), "GPIO0 is pulled up on the board");
    }
}
