//! The circuit around a board: parts on nets, each part's model behind one trait ([`Part`]).
//!
//! A wiring file (ours or Wokwi's `diagram.json`, [`netlist`]) is resolved in the front end to a
//! [`CircuitSpec`]: for every part, which board pin (or supply, or part-only net) each of its pins
//! reaches, through wires, breadboard strips and series resistors. The spec crosses to the board
//! process, where [`Circuit`] builds the models. A part sees pins by its own pin names through
//! [`Io`] (levels, PWM, time) and answers by [`Action`]s (drive a pin, set an ADC input, sound a
//! tone); buses (I2C, SPI, 1-Wire, the DHT's one-wire protocol) reach it through the trait's bus
//! methods. Its controls (names, units, ranges) and its live view ([`PartView`]) are what the
//! window, the CLI (`--control`) and scenarios drive and read, the same for every part.

mod displays;
pub mod netlist;
mod parts;
mod sensors;
pub mod wokwi;

pub use sensors::crc8;

use crate::board::PinState;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where one pin of a part is connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Endpoint {
    /// A board GPIO.
    Gpio(u32),
    /// An analog-only pad of the board (the ESP8266's A0): its ADC channel.
    Adc(i64),
    /// Ground.
    Gnd,
    /// The supply (3V3, 5V, VIN …).
    Vcc,
    /// A net only parts share (numbered per circuit).
    Net(u32),
    /// Nothing.
    Open,
}

/// One part as wired: what it is, its settings, where its pins go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartSpec {
    /// Its id in the wiring file (`dht1`).
    pub id: String,
    /// Its type, normalised (`dht22`, `pushbutton`, `lcd1602` …).
    pub kind: String,
    /// Settings from the file (Wokwi `attrs`; ours), as text.
    pub attrs: BTreeMap<String, String>,
    /// Each pin by the part's own pin name.
    pub pins: BTreeMap<String, Endpoint>,
    /// Where the diagram draws it (left, top), if it says.
    pub at: Option<(f32, f32)>,
}

impl PartSpec {
    /// The endpoint of pin `name` (Open when not wired).
    pub fn pin(&self, name: &str) -> Endpoint {
        self.pins.get(name).copied().unwrap_or(Endpoint::Open)
    }

    /// A numeric setting.
    pub fn num(&self, key: &str) -> Option<f64> {
        self.attrs
            .get(key)
            .and_then(|v| v.trim().parse::<f64>().ok())
    }
}

/// A whole circuit, resolved.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CircuitSpec {
    /// The parts with a model, in file order.
    pub parts: Vec<PartSpec>,
    /// LEDs found in the wiring: (label, GPIO, lit when the pin is low, colour name).
    pub leds: Vec<(String, u32, bool, String)>,
    /// Pins held by a resistor to a supply: GPIO, high (pull-up) or low.
    pub pulls: Vec<(u32, bool)>,
    /// Pins wired straight to a supply: GPIO, high or low.
    pub ties: Vec<(u32, bool)>,
    /// Board pins wired straight to each other.
    pub links: Vec<(u32, u32)>,
    /// What the reader said about the file: ignored parts, wiring mistakes (one line each).
    pub notes: Vec<String>,
    /// The board the diagram asks for, if it names one.
    pub board: Option<String>,
    /// Where the diagram draws the board (left, top), to place the parts around it.
    pub board_at: Option<(f32, f32)>,
}

/// One control of a part: what the window shows as a slider or button, `--control` sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Control {
    /// Its name (`temperature`, `pressed`, `distance`).
    pub name: String,
    /// Its unit (`°C`, `%`, `cm`; empty for none).
    pub unit: String,
    /// Its range.
    pub min: f64,
    pub max: f64,
    /// Its value now.
    pub value: f64,
    /// A two-state control (a button, a switch): 0 or 1.
    pub toggle: bool,
}

impl Control {
    fn new(name: &str, unit: &str, min: f64, max: f64, value: f64) -> Self {
        Control {
            name: name.into(),
            unit: unit.into(),
            min,
            max,
            value,
            toggle: false,
        }
    }

    fn toggle(name: &str, on: bool) -> Self {
        Control {
            toggle: true,
            ..Control::new(name, "", 0.0, 1.0, f64::from(u8::from(on)))
        }
    }
}

/// What a part shows: the window draws it by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Graphic {
    /// Nothing beyond its text.
    None,
    /// A lamp of a colour (RGB) at a brightness 0..=1.
    Lamp([u8; 3], f64),
    /// Monochrome or colour pixels: width, height, RGB per pixel.
    Pixels(u32, u32, Vec<[u8; 3]>),
    /// Character rows (an LCD), with the backlight on or off.
    Text(Vec<String>, bool),
    /// Seven-segment digits: segments a–g and dp as bits 0–7, per digit.
    Segments(Vec<u8>),
    /// A servo horn's angle in degrees.
    Angle(f64),
    /// A sounding tone (Hz), or silence.
    Tone(Option<u32>),
    /// A switch or relay: closed or open.
    Switch(bool),
}

/// A part as the window and traces see it now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartView {
    /// Its id.
    pub id: String,
    /// Its type.
    pub kind: String,
    /// One line of state (`23.5 °C, 40.0 %`).
    pub text: String,
    /// Its controls.
    pub controls: Vec<Control>,
    /// Its drawing.
    pub graphic: Graphic,
    /// Where the diagram puts it.
    pub at: Option<(f32, f32)>,
    /// Its pins wired to board GPIOs: the part's pin name and the GPIO.
    pub gpios: Vec<(String, u32)>,
}

/// What a part does to the board.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Drives its pin (the part's name for it) high, low, or releases it.
    Drive(String, Option<bool>),
    /// Applies a voltage (fraction of the supply) to its pin's ADC input.
    Analog(String, f64),
    /// Sounds a tone (Hz) or stops.
    Tone(Option<u32>),
}

/// A part's window on the board during one call: time, its pins' levels, its actions.
pub struct Io<'a> {
    now_us: u64,
    spec: &'a PartSpec,
    pins: &'a [PinState],
    actions: Vec<Action>,
}

impl Io<'_> {
    /// Simulated µs since boot.
    pub fn now(&self) -> u64 {
        self.now_us
    }

    fn pin_state(&self, name: &str) -> Option<&PinState> {
        match self.spec.pin(name) {
            Endpoint::Gpio(g) => self.pins.iter().find(|p| p.gpio == g),
            _ => None,
        }
    }

    /// The level on pin `name`: the board pin's level, the supply's, None when it floats.
    pub fn level(&self, name: &str) -> Option<bool> {
        match self.spec.pin(name) {
            Endpoint::Gnd => Some(false),
            Endpoint::Vcc => Some(true),
            Endpoint::Gpio(_) => self.pin_state(name).map(PinState::level),
            _ => None,
        }
    }

    /// The board drives pin `name` (an output or PWM), as opposed to reading it.
    pub fn driven(&self, name: &str) -> bool {
        match self.spec.pin(name) {
            Endpoint::Gnd | Endpoint::Vcc => true,
            _ => self.pin_state(name).is_some_and(|p| {
                matches!(p.mode, crate::PinMode::Out | crate::PinMode::Pwm)
                    || (p.mode == crate::PinMode::OpenDrain && !p.latch)
            }),
        }
    }

    /// The fraction of time pin `name` is high (PWM duty; 0 or 1 otherwise).
    pub fn duty(&self, name: &str) -> f64 {
        match self.spec.pin(name) {
            Endpoint::Vcc => 1.0,
            Endpoint::Gpio(_) => self.pin_state(name).map_or(0.0, PinState::duty),
            _ => 0.0,
        }
    }

    /// PWM frequency and duty (0..=65535) on pin `name`, when it runs PWM.
    pub fn pwm(&self, name: &str) -> Option<(u32, u16)> {
        self.pin_state(name)
            .filter(|p| p.mode == crate::PinMode::Pwm)
            .and_then(|p| p.pwm)
    }

    /// Whether pin `name` is wired to anything.
    pub fn wired(&self, name: &str) -> bool {
        self.spec.pin(name) != Endpoint::Open
    }

    /// Drives pin `name`.
    pub fn drive(&mut self, name: &str, level: Option<bool>) {
        self.actions.push(Action::Drive(name.into(), level));
    }

    /// Applies a voltage (0..=1 of the supply) to pin `name`.
    pub fn analog(&mut self, name: &str, fraction: f64) {
        self.actions.push(Action::Analog(name.into(), fraction));
    }

    /// Sounds a tone.
    pub fn tone(&mut self, hz: Option<u32>) {
        self.actions.push(Action::Tone(hz));
    }
}

/// A part's model. Everything has a default: a part implements what it answers to.
pub trait Part: Send {
    /// Its controls with their values now.
    fn controls(&self) -> Vec<Control> {
        Vec::new()
    }
    /// Sets control `name` (already checked against its range). Unknown names are errors.
    fn set_control(&mut self, name: &str, _value: f64, _io: &mut Io) -> Result<(), String> {
        Err(format!("no control named {name:?}"))
    }
    /// Called once when the board starts and after every reset: drive the initial levels.
    fn start(&mut self, _io: &mut Io) {}
    /// A pin it is wired to changed level or PWM.
    fn pins_changed(&mut self, _io: &mut Io) {}
    /// When it next changes on its own (µs), if it will.
    fn next_event(&self) -> Option<u64> {
        None
    }
    /// Time reached [`Part::next_event`].
    fn advance(&mut self, _io: &mut Io) {}
    /// Its I2C address and bus pins' names, if it is an I2C chip.
    fn i2c_address(&self) -> Option<u8> {
        None
    }
    /// An I2C write to it (after the address).
    fn i2c_write(&mut self, _data: &[u8], _io: &mut Io) {}
    /// An I2C read of `n` bytes.
    fn i2c_read(&mut self, n: usize, _io: &mut Io) -> Vec<u8> {
        vec![0xFF; n]
    }
    /// An SPI transfer while it is selected: MOSI bytes in, MISO bytes out (None: it does not
    /// drive MISO).
    fn spi(&mut self, _mosi: &[u8], _io: &mut Io) -> Option<Vec<u8>> {
        None
    }
    /// 1-Wire: a reset pulse; true when it answers with presence.
    fn ow_reset(&mut self, _io: &mut Io) -> bool {
        false
    }
    /// 1-Wire: one time slot; the master writes `bit` (1 also reads); what the part pulls the
    /// line to (true: it leaves it high).
    fn ow_slot(&mut self, _bit: bool, _io: &mut Io) -> bool {
        true
    }
    /// A NeoPixel strip: the colours written to its data pin (RGB per pixel, in order).
    fn strip(&mut self, _pixels: &[[u8; 3]]) {}
    /// The DHT protocol: the five bytes it sends for a start signal now, or None (no answer).
    fn dht_read(&mut self, _io: &mut Io) -> Option<[u8; 5]> {
        None
    }
    /// The SSD1306 it is, for the front ends' OLED view.
    fn as_oled(&self) -> Option<&crate::Ssd1306> {
        None
    }
    /// A text line and a drawing for the window.
    fn view(&self, io: &Io) -> (String, Graphic);
    /// The text line alone (what traces record after every change); parts whose drawing is
    /// costly give it without drawing.
    fn text(&self, io: &Io) -> String {
        self.view(io).0
    }
}

/// Parses a number control value with the part's own words (`on`, `true`).
pub fn control_value(text: &str) -> Option<f64> {
    match text.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "pressed" => Some(1.0),
        "off" | "false" | "no" | "released" => Some(0.0),
        t => match t.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).ok().map(|v| v as f64),
            None => t.parse::<f64>().ok().filter(|v| v.is_finite()),
        },
    }
}

/// The types mpsim models, in the names [`netlist`] normalises to.
pub const KINDS: &[&str] = &[
    "pushbutton",
    "slide-switch",
    "potentiometer",
    "slide-potentiometer",
    "photoresistor",
    "ntc",
    "joystick",
    "pir",
    "rotary-encoder",
    "keypad",
    "ir-receiver",
    "dht11",
    "dht22",
    "ds18b20",
    "hc-sr04",
    "mpu6050",
    "bmp280",
    "bme280",
    "ds1307",
    "rgb-led",
    "buzzer",
    "servo",
    "relay",
    "7segment",
    "tm1637",
    "max7219",
    "ssd1306",
    "ili9341",
    "st7789",
    "lcd1602",
    "lcd2004",
    "neopixel",
];

/// Builds the model of one part; None for a kind without one.
fn build(spec: &PartSpec) -> Option<Box<dyn Part>> {
    parts::build(spec)
        .or_else(|| sensors::build(spec))
        .or_else(|| displays::build(spec))
}

/// The running circuit: the parts' models and what they drive.
pub struct Circuit {
    specs: Vec<PartSpec>,
    parts: Vec<Box<dyn Part>>,
    /// What each part drives on each GPIO: (part, gpio, level).
    drives: Vec<(usize, u32, Option<bool>)>,
    /// The parts wired to each GPIO.
    watchers: BTreeMap<u32, Vec<usize>>,
    /// The earliest time a part changes on its own, and which (kept up to date by `with`, the
    /// only way a part changes: the board asks for it at every pin operation).
    next: Option<(u64, usize)>,
}

impl std::fmt::Debug for Circuit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Circuit")
            .field("parts", &self.specs)
            .finish()
    }
}

impl Circuit {
    /// The models for `spec`'s parts (parts without one are left out: the reader noted them).
    pub fn new(spec: &CircuitSpec) -> Self {
        let mut c = Circuit {
            specs: Vec::new(),
            parts: Vec::new(),
            drives: Vec::new(),
            watchers: BTreeMap::new(),
            next: None,
        };
        for p in &spec.parts {
            if let Some(model) = build(p) {
                let i = c.parts.len();
                for e in p.pins.values() {
                    if let Endpoint::Gpio(g) = e {
                        let w = c.watchers.entry(*g).or_default();
                        if !w.contains(&i) {
                            w.push(i);
                        }
                    }
                }
                c.specs.push(p.clone());
                c.parts.push(model);
            }
        }
        c
    }

    /// How many parts have models.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// No parts.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The wiring of part `i`.
    pub fn spec(&self, i: usize) -> Option<&PartSpec> {
        self.specs.get(i)
    }

    /// The part with id `id`.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.specs.iter().position(|s| s.id == id)
    }

    /// Runs `f` on part `i` with its view of the board; returns what it did.
    pub fn with<R>(
        &mut self,
        i: usize,
        now_us: u64,
        pins: &[PinState],
        f: impl FnOnce(&mut dyn Part, &mut Io) -> R,
    ) -> Option<(R, Vec<Action>)> {
        let spec = self.specs.get(i)?;
        let part = self.parts.get_mut(i)?;
        let mut io = Io {
            now_us,
            spec,
            pins,
            actions: Vec::new(),
        };
        let r = f(part.as_mut(), &mut io);
        let actions = io.actions;
        self.next = self.earliest();
        Some((r, actions))
    }

    /// Part `i`'s controls with their values now.
    pub fn controls(&self, i: usize) -> Vec<Control> {
        self.parts.get(i).map(|p| p.controls()).unwrap_or_default()
    }

    /// Part `i`'s I2C address, if it is an I2C chip.
    pub fn i2c_address(&self, i: usize) -> Option<u8> {
        self.parts.get(i)?.i2c_address()
    }

    /// The parts wired to GPIO `g`.
    pub fn watchers(&self, g: u32) -> &[usize] {
        self.watchers.get(&g).map_or(&[], Vec::as_slice)
    }

    /// Records what part `i` drives on `gpio`; returns the level all parts together drive there
    /// now (low wins: parts pull lines down through buttons and open collectors).
    pub fn set_drive(&mut self, i: usize, gpio: u32, level: Option<bool>) -> Option<bool> {
        match self
            .drives
            .iter_mut()
            .find(|(p, g, _)| *p == i && *g == gpio)
        {
            Some(d) => d.2 = level,
            None => self.drives.push((i, gpio, level)),
        }
        self.driven(gpio)
    }

    /// The level the parts drive on `gpio` together.
    pub fn driven(&self, gpio: u32) -> Option<bool> {
        let mut out = None;
        for (_, g, l) in &self.drives {
            if *g == gpio && l.is_some() {
                if *l == Some(false) {
                    return Some(false);
                }
                out = *l;
            }
        }
        out
    }

    /// The earliest time a part changes on its own, and which.
    pub fn next_event(&self) -> Option<(u64, usize)> {
        self.next
    }

    fn earliest(&self) -> Option<(u64, usize)> {
        self.parts
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.next_event().map(|t| (t, i)))
            .min()
    }

    /// The endpoint of part `i`'s pin `name`.
    pub fn endpoint(&self, i: usize, name: &str) -> Endpoint {
        self.specs.get(i).map_or(Endpoint::Open, |s| s.pin(name))
    }

    /// Part `i`'s line of state now.
    pub fn text(&self, i: usize, now_us: u64, pins: &[PinState]) -> String {
        let (Some(spec), Some(part)) = (self.specs.get(i), self.parts.get(i)) else {
            return String::new();
        };
        let io = Io {
            now_us,
            spec,
            pins,
            actions: Vec::new(),
        };
        part.text(&io)
    }

    /// Every part's view.
    pub fn views(&self, now_us: u64, pins: &[PinState]) -> Vec<PartView> {
        self.specs
            .iter()
            .zip(&self.parts)
            .map(|(spec, part)| {
                let io = Io {
                    now_us,
                    spec,
                    pins,
                    actions: Vec::new(),
                };
                let (text, graphic) = part.view(&io);
                PartView {
                    id: spec.id.clone(),
                    kind: spec.kind.clone(),
                    text,
                    controls: part.controls(),
                    graphic,
                    at: spec.at,
                    gpios: spec
                        .pins
                        .iter()
                        .filter_map(|(n, e)| match e {
                            Endpoint::Gpio(g) => Some((n.clone(), *g)),
                            _ => None,
                        })
                        .collect(),
                }
            })
            .collect()
    }

    /// The OLED displays among the parts: id and model.
    pub fn oleds(&self) -> impl Iterator<Item = (&str, &crate::Ssd1306)> {
        self.specs
            .iter()
            .zip(&self.parts)
            .filter_map(|(s, p)| p.as_oled().map(|o| (s.id.as_str(), o)))
    }

    /// Forgets what parts drive (before a reset restarts them).
    pub fn clear_drives(&mut self) {
        self.drives.clear();
    }
}
