//! Input parts (buttons, switches, knobs, analog sensors, motion, keypads, encoders) and the
//! simple outputs (RGB LED, buzzer, servo, relay, seven-segment digit, NeoPixels).

use super::{Control, Endpoint, Graphic, Io, Part, PartSpec};
use std::collections::VecDeque;

pub(super) fn build(spec: &PartSpec) -> Option<Box<dyn Part>> {
    Some(match spec.kind.as_str() {
        "pushbutton" => Box::new(Button::new(spec)),
        "slide-switch" => Box::new(SlideSwitch {
            right: spec.num("value").unwrap_or(0.0) >= 0.5,
        }),
        "potentiometer" | "slide-potentiometer" => Box::new(Pot {
            position: spec.num("value").map_or(0.5, |v| {
                // Wokwi's slide potentiometer counts 0..max (100 by default); the rotary 0..1.
                let max = spec.num("max").unwrap_or(if v > 1.0 { 100.0 } else { 1.0 });
                (v / max.max(f64::MIN_POSITIVE)).clamp(0.0, 1.0)
            }),
        }),
        "photoresistor" => Box::new(Photo {
            lux: spec.num("lux").unwrap_or(500.0).clamp(0.1, 100_000.0),
            threshold: spec.num("threshold").unwrap_or(0.5).clamp(0.0, 1.0),
        }),
        "ntc" => Box::new(Ntc {
            celsius: spec.num("temperature").unwrap_or(24.0).clamp(-24.0, 80.0),
            beta: spec.num("beta").unwrap_or(3950.0).max(1.0),
        }),
        "joystick" => Box::new(Joystick {
            x: 0.0,
            y: 0.0,
            pressed: false,
        }),
        "pir" => Box::new(Pir {
            hold_us: (spec.num("delayTime").unwrap_or(5.0).clamp(0.0, 600.0) * 1e6) as u64,
            until: None,
        }),
        "rotary-encoder" => Box::new(Encoder {
            steps: 0,
            pressed: false,
            queue: VecDeque::new(),
        }),
        "keypad" => Box::new(Keypad::new(spec)),
        "ir-receiver" => Box::new(IrReceiver {
            address: spec.num("address").unwrap_or(0.0).clamp(0.0, 255.0) as u8,
            last: None,
            queue: VecDeque::new(),
        }),
        "rgb-led" => Box::new(RgbLed {
            anode: spec.attrs.get("common").is_some_and(|c| c == "anode"),
        }),
        "buzzer" => Box::new(Buzzer {
            active: spec
                .attrs
                .get("active")
                .is_some_and(|t| t == "1" || t.eq_ignore_ascii_case("true")),
            sounding: None,
        }),
        "servo" => Box::new(Servo {
            angle: 90.0,
            pulse_us: None,
        }),
        "relay" => Box::new(Relay {
            active_low: spec
                .attrs
                .get("active_low")
                .is_some_and(|v| v == "1" || v == "true"),
            on: false,
        }),
        "7segment" => Box::new(SevenSeg::new(spec)),
        "neopixel" => {
            let count = spec.num("pixels").unwrap_or(1.0).clamp(1.0, 4096.0) as usize;
            Box::new(NeoPixels {
                shown: vec![[0; 3]; count],
            })
        }
        _ => return None,
    })
}

/// Drives each side's GPIO with the other side's level while the contact is closed (when the
/// other side is a supply or a board output), and releases it when open.
fn bridge(io: &mut Io, a: &str, b: &str, closed: bool) {
    for (x, y) in [(a, b), (b, a)] {
        if let Endpoint::Gpio(_) = io.spec.pin(x) {
            let level = if closed && io.driven(y) {
                io.level(y)
            } else {
                None
            };
            io.drive(x, level);
        }
    }
}

/// The first of `names` that is wired.
fn side<'a>(io: &Io, names: &[&'a str]) -> &'a str {
    names
        .iter()
        .copied()
        .find(|n| io.wired(n))
        .unwrap_or(names[0])
}

/// A push button: two sides (Wokwi's 1.l/1.r and 2.l/2.r, or 1 and 2) joined while pressed. With
/// bounce on, the contact chatters for about a millisecond at each press and release.
struct Button {
    pressed: bool,
    contact: bool,
    bounce: bool,
    /// Contact changes still to come: (time, closed).
    chatter: VecDeque<(u64, bool)>,
    release_at: Option<u64>,
}

impl Button {
    fn new(spec: &PartSpec) -> Self {
        Button {
            pressed: false,
            contact: false,
            bounce: spec.attrs.get("bounce").is_some_and(|b| b != "0"),
            chatter: VecDeque::new(),
            release_at: None,
        }
    }

    fn apply(&self, io: &mut Io) {
        let a = side(io, &["1.l", "1.r", "1"]);
        let b = side(io, &["2.l", "2.r", "2"]);
        bridge(io, a, b, self.contact);
    }

    fn set(&mut self, pressed: bool, io: &mut Io) {
        if pressed == self.pressed {
            return;
        }
        self.pressed = pressed;
        self.chatter.clear();
        if self.bounce {
            // Three short bounces before the contact settles (deterministic, about 1 ms).
            let t = io.now();
            for (k, dt) in [0u64, 120, 260, 430, 650].iter().enumerate() {
                self.chatter.push_back((t + dt, (k % 2 == 0) == pressed));
            }
        }
        self.contact = pressed;
        self.apply(io);
    }
}

impl Part for Button {
    fn controls(&self) -> Vec<Control> {
        vec![
            Control::toggle("pressed", self.pressed),
            Control::new("click", "ms", 0.0, 60_000.0, 0.0),
        ]
    }

    fn set_control(&mut self, name: &str, value: f64, io: &mut Io) -> Result<(), String> {
        match name {
            "pressed" => {
                self.release_at = None;
                self.set(value >= 0.5, io);
            }
            "click" => {
                self.set(true, io);
                let ms = if value > 0.0 { value } else { 100.0 };
                self.release_at = Some(io.now() + (ms * 1000.0) as u64);
            }
            _ => return Err(format!("no control named {name:?}")),
        }
        Ok(())
    }

    fn start(&mut self, io: &mut Io) {
        self.apply(io);
    }

    fn pins_changed(&mut self, io: &mut Io) {
        // A button between two board pins passes the driven one's level on.
        self.apply(io);
    }

    fn next_event(&self) -> Option<u64> {
        let c = self.chatter.front().map(|c| c.0);
        [c, self.release_at].into_iter().flatten().min()
    }

    fn advance(&mut self, io: &mut Io) {
        let now = io.now();
        if self.release_at.is_some_and(|t| t <= now) {
            self.release_at = None;
            self.set(false, io);
            return;
        }
        while self.chatter.front().is_some_and(|c| c.0 <= now) {
            if let Some((_, closed)) = self.chatter.pop_front() {
                self.contact = closed;
            }
        }
        if self.chatter.is_empty() {
            self.contact = self.pressed;
        }
        self.apply(io);
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        let t = if self.pressed { "pressed" } else { "released" };
        (t.into(), Graphic::Switch(self.pressed))
    }
}

/// A slide switch: the middle pin (2) joins pin 1 (left) or pin 3 (right).
struct SlideSwitch {
    right: bool,
}

impl SlideSwitch {
    fn apply(&self, io: &mut Io) {
        let (on, off) = if self.right { ("3", "1") } else { ("1", "3") };
        bridge(io, off, "2", false);
        bridge(io, "2", on, true);
    }
}

impl Part for SlideSwitch {
    fn controls(&self) -> Vec<Control> {
        vec![Control::toggle("position", self.right)]
    }

    fn set_control(&mut self, name: &str, value: f64, io: &mut Io) -> Result<(), String> {
        if name != "position" {
            return Err(format!("no control named {name:?}"));
        }
        self.right = value >= 0.5;
        self.apply(io);
        Ok(())
    }

    fn start(&mut self, io: &mut Io) {
        self.apply(io);
    }

    fn pins_changed(&mut self, io: &mut Io) {
        self.apply(io);
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        let t = if self.right {
            "right (2-3)"
        } else {
            "left (1-2)"
        };
        (t.into(), Graphic::Switch(self.right))
    }
}

/// The voltage on a divider's middle between pins `hi` and `lo`, `fraction` of the way from `lo`.
fn divider(io: &Io, hi: &str, lo: &str, fraction: f64) -> f64 {
    let v = |n: &str| match io.level(n) {
        Some(true) => 1.0,
        _ => 0.0,
    };
    v(lo) + (v(hi) - v(lo)) * fraction
}

/// A potentiometer (rotary or slide): SIG between GND and VCC at the knob's position.
struct Pot {
    position: f64,
}

impl Part for Pot {
    fn controls(&self) -> Vec<Control> {
        vec![Control::new("position", "", 0.0, 1.0, self.position)]
    }

    fn set_control(&mut self, name: &str, value: f64, io: &mut Io) -> Result<(), String> {
        if name != "position" {
            return Err(format!("no control named {name:?}"));
        }
        self.position = value;
        self.start(io);
        Ok(())
    }

    fn start(&mut self, io: &mut Io) {
        let v = divider(io, "VCC", "GND", self.position);
        io.analog("SIG", v);
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        (
            format!("{:.0} %", self.position * 100.0),
            Graphic::Angle(-135.0 + 270.0 * self.position),
        )
    }
}

/// A photoresistor module: an LDR (RL10 50 kΩ, γ 0.7) over a 10 kΩ resistor on AO; DO is high
/// in the dark (AO above the module's threshold).
struct Photo {
    lux: f64,
    threshold: f64,
}

impl Photo {
    fn ao(&self) -> f64 {
        let r = 50_000.0 * (10.0 / self.lux).powf(0.7);
        r / (r + 10_000.0)
    }
}

impl Part for Photo {
    fn controls(&self) -> Vec<Control> {
        vec![Control::new("lux", "lx", 0.1, 100_000.0, self.lux)]
    }

    fn set_control(&mut self, name: &str, value: f64, io: &mut Io) -> Result<(), String> {
        if name != "lux" {
            return Err(format!("no control named {name:?}"));
        }
        self.lux = value;
        self.start(io);
        Ok(())
    }

    fn start(&mut self, io: &mut Io) {
        let ao = self.ao();
        io.analog("AO", ao);
        io.drive("DO", Some(ao > self.threshold));
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        (format!("{:.1} lx", self.lux), Graphic::None)
    }
}

/// An NTC thermistor module: 10 kΩ at 25 °C (β from `beta`) over a 10 kΩ resistor on OUT.
struct Ntc {
    celsius: f64,
    beta: f64,
}

impl Part for Ntc {
    fn controls(&self) -> Vec<Control> {
        vec![Control::new("temperature", "°C", -24.0, 80.0, self.celsius)]
    }

    fn set_control(&mut self, name: &str, value: f64, io: &mut Io) -> Result<(), String> {
        if name != "temperature" {
            return Err(format!("no control named {name:?}"));
        }
        self.celsius = value;
        self.start(io);
        Ok(())
    }

    fn start(&mut self, io: &mut Io) {
        let t = self.celsius + 273.15;
        let r = 10_000.0 * (self.beta * (1.0 / t - 1.0 / 298.15)).exp();
        io.analog("OUT", r / (r + 10_000.0));
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        (format!("{:.1} °C", self.celsius), Graphic::None)
    }
}

/// An analog joystick: HORZ and VERT at the mid-supply when centred, SEL to GND when pressed.
struct Joystick {
    x: f64,
    y: f64,
    pressed: bool,
}

impl Part for Joystick {
    fn controls(&self) -> Vec<Control> {
        vec![
            Control::new("x", "", -1.0, 1.0, self.x),
            Control::new("y", "", -1.0, 1.0, self.y),
            Control::toggle("pressed", self.pressed),
        ]
    }

    fn set_control(&mut self, name: &str, value: f64, io: &mut Io) -> Result<(), String> {
        match name {
            "x" => self.x = value,
            "y" => self.y = value,
            "pressed" => self.pressed = value >= 0.5,
            _ => return Err(format!("no control named {name:?}")),
        }
        self.start(io);
        Ok(())
    }

    fn start(&mut self, io: &mut Io) {
        io.analog("HORZ", divider(io, "VCC", "GND", (1.0 + self.x) / 2.0));
        io.analog("VERT", divider(io, "VCC", "GND", (1.0 + self.y) / 2.0));
        io.drive("SEL", self.pressed.then_some(false));
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        let p = if self.pressed { ", pressed" } else { "" };
        (
            format!("x {:+.2}, y {:+.2}{p}", self.x, self.y),
            Graphic::None,
        )
    }
}

/// A PIR motion sensor (HC-SR501): OUT high for the hold time after motion.
struct Pir {
    hold_us: u64,
    until: Option<u64>,
}

impl Part for Pir {
    fn controls(&self) -> Vec<Control> {
        vec![Control::toggle("motion", self.until.is_some())]
    }

    fn set_control(&mut self, name: &str, value: f64, io: &mut Io) -> Result<(), String> {
        if name != "motion" {
            return Err(format!("no control named {name:?}"));
        }
        if value >= 0.5 {
            self.until = Some(io.now() + self.hold_us);
            io.drive("OUT", Some(true));
        } else {
            self.until = None;
            io.drive("OUT", Some(false));
        }
        Ok(())
    }

    fn start(&mut self, io: &mut Io) {
        io.drive("OUT", Some(self.until.is_some()));
    }

    fn next_event(&self) -> Option<u64> {
        self.until
    }

    fn advance(&mut self, io: &mut Io) {
        self.until = None;
        io.drive("OUT", Some(false));
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        let t = if self.until.is_some() {
            "motion"
        } else {
            "still"
        };
        (t.into(), Graphic::Switch(self.until.is_some()))
    }
}

/// A KY-040 rotary encoder: CLK and DT high at rest; one detent clockwise takes CLK low before
/// DT, counter-clockwise DT before CLK; SW to GND when pressed.
struct Encoder {
    steps: i64,
    pressed: bool,
    queue: VecDeque<(u64, &'static str, bool)>,
}

impl Part for Encoder {
    fn controls(&self) -> Vec<Control> {
        vec![
            Control::new("rotate", "steps", -100.0, 100.0, 0.0),
            Control::toggle("pressed", self.pressed),
        ]
    }

    fn set_control(&mut self, name: &str, value: f64, io: &mut Io) -> Result<(), String> {
        match name {
            "pressed" => {
                self.pressed = value >= 0.5;
                io.drive("SW", Some(!self.pressed));
            }
            "rotate" => {
                let n = value.round() as i64;
                let (first, second) = if n >= 0 { ("CLK", "DT") } else { ("DT", "CLK") };
                let mut t = self.queue.back().map_or(io.now(), |q| q.0.max(io.now())) + 500;
                for _ in 0..n.unsigned_abs() {
                    for (pin, level) in [
                        (first, false),
                        (second, false),
                        (first, true),
                        (second, true),
                    ] {
                        self.queue.push_back((t, pin, level));
                        t += 500;
                    }
                }
                self.steps += n;
            }
            _ => return Err(format!("no control named {name:?}")),
        }
        Ok(())
    }

    fn start(&mut self, io: &mut Io) {
        io.drive("CLK", Some(true));
        io.drive("DT", Some(true));
        io.drive("SW", Some(!self.pressed));
    }

    fn next_event(&self) -> Option<u64> {
        self.queue.front().map(|q| q.0)
    }

    fn advance(&mut self, io: &mut Io) {
        while self.queue.front().is_some_and(|q| q.0 <= io.now()) {
            if let Some((_, pin, level)) = self.queue.pop_front() {
                io.drive(pin, Some(level));
            }
        }
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        (
            format!("{} steps", self.steps),
            Graphic::Angle(self.steps as f64 * 18.0),
        )
    }
}

/// A 4×4 membrane keypad: a pressed key joins its row line to its column line.
struct Keypad {
    keys: Vec<String>,
    pressed: Vec<bool>,
}

impl Keypad {
    fn new(spec: &PartSpec) -> Self {
        let keys: Vec<String> = match spec.attrs.get("keys") {
            Some(k) if k.chars().count() == 16 => k.chars().map(String::from).collect(),
            _ => "123A456B789C*0#D".chars().map(String::from).collect(),
        };
        Keypad {
            pressed: vec![false; keys.len()],
            keys,
        }
    }

    fn apply(&self, io: &mut Io) {
        for r in 0..4 {
            let row = format!("R{}", r + 1);
            let mut row_level = None;
            for c in 0..4 {
                let col = format!("C{}", c + 1);
                if self.pressed[r * 4 + c] && io.driven(&col) {
                    row_level = io.level(&col).or(row_level);
                }
            }
            if !io.driven(&row) {
                io.drive(&row, row_level);
            }
        }
        for c in 0..4 {
            let col = format!("C{}", c + 1);
            let mut col_level = None;
            for r in 0..4 {
                let row = format!("R{}", r + 1);
                if self.pressed[r * 4 + c] && io.driven(&row) {
                    // Several pressed keys on one column: a low row wins.
                    col_level = match (col_level, io.level(&row)) {
                        (Some(false), _) => Some(false),
                        (_, l) => l,
                    };
                }
            }
            if !io.driven(&col) {
                io.drive(&col, col_level);
            }
        }
    }
}

impl Part for Keypad {
    fn controls(&self) -> Vec<Control> {
        self.keys
            .iter()
            .zip(&self.pressed)
            .map(|(k, p)| Control::toggle(k, *p))
            .collect()
    }

    fn set_control(&mut self, name: &str, value: f64, io: &mut Io) -> Result<(), String> {
        let i = self
            .keys
            .iter()
            .position(|k| k == name)
            .ok_or_else(|| format!("no key {name:?} (keys: {})", self.keys.concat()))?;
        self.pressed[i] = value >= 0.5;
        self.apply(io);
        Ok(())
    }

    fn pins_changed(&mut self, io: &mut Io) {
        self.apply(io);
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        let down: Vec<&str> = self
            .keys
            .iter()
            .zip(&self.pressed)
            .filter(|(_, p)| **p)
            .map(|(k, _)| k.as_str())
            .collect();
        let t = if down.is_empty() {
            "no key".into()
        } else {
            format!("keys {}", down.concat())
        };
        (t, Graphic::None)
    }
}

/// An IR receiver module (VS1838B) and its remote: a button press (`code`, 0–255) sends an NEC
/// frame on DAT, which idles high and goes low while the carrier is seen: 9 ms burst, 4.5 ms
/// space, 32 bits LSB first (address, its inverse, command, its inverse; 562.5 µs burst, then
/// 562.5 µs space for a 0 or 1687.5 µs for a 1), a final burst.
struct IrReceiver {
    address: u8,
    last: Option<u8>,
    queue: VecDeque<(u64, bool)>,
}

impl Part for IrReceiver {
    fn controls(&self) -> Vec<Control> {
        vec![Control::new(
            "code",
            "",
            0.0,
            255.0,
            f64::from(self.last.unwrap_or(0)),
        )]
    }

    fn set_control(&mut self, name: &str, value: f64, io: &mut Io) -> Result<(), String> {
        if name != "code" {
            return Err(format!("no control named {name:?}"));
        }
        let code = value.round() as u8;
        self.last = Some(code);
        // After what is still being sent.
        let mut t = self.queue.back().map_or(io.now(), |q| q.0.max(io.now())) + 1000;
        let edge = |t: &mut u64, low_us: f64, high_us: f64, q: &mut VecDeque<(u64, bool)>| {
            q.push_back((*t, false));
            *t += low_us as u64;
            q.push_back((*t, true));
            *t += high_us as u64;
        };
        edge(&mut t, 9000.0, 4500.0, &mut self.queue);
        let bytes = [self.address, !self.address, code, !code];
        for b in bytes {
            for k in 0..8 {
                let one = b >> k & 1 == 1;
                edge(
                    &mut t,
                    562.5,
                    if one { 1687.5 } else { 562.5 },
                    &mut self.queue,
                );
            }
        }
        edge(&mut t, 562.5, 0.0, &mut self.queue);
        Ok(())
    }

    fn start(&mut self, io: &mut Io) {
        io.drive("DAT", Some(true));
    }

    fn next_event(&self) -> Option<u64> {
        self.queue.front().map(|q| q.0)
    }

    fn advance(&mut self, io: &mut Io) {
        while self.queue.front().is_some_and(|q| q.0 <= io.now()) {
            if let Some((_, level)) = self.queue.pop_front() {
                io.drive("DAT", Some(level));
            }
        }
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        let t = match self.last {
            Some(c) => format!("last code {c:#04x} (address {:#04x})", self.address),
            None => "no code yet".into(),
        };
        (t, Graphic::None)
    }
}

/// How bright a lamp between `pin` (through its resistor) and `common` is: the duty the pin
/// drives against a common at the other level.
fn lamp(io: &Io, pin: &str, common: &str, anode: bool) -> f64 {
    if !io.driven(pin) || io.level(common) != Some(anode) {
        return 0.0;
    }
    let d = io.duty(pin);
    if anode { 1.0 - d } else { d }
}

/// An RGB LED (common cathode or anode).
struct RgbLed {
    anode: bool,
}

impl Part for RgbLed {
    fn view(&self, io: &Io) -> (String, Graphic) {
        let c = ["R", "G", "B"].map(|p| lamp(io, p, "COM", self.anode));
        let rgb = c.map(|v| (v * 255.0).round() as u8);
        let max = c.iter().copied().fold(0.0, f64::max);
        (
            format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]),
            Graphic::Lamp(rgb, max),
        )
    }
}

/// A buzzer between pins 1 and 2: an active one sounds its own 2.3 kHz while powered, a passive
/// one the PWM frequency it is driven with.
struct Buzzer {
    active: bool,
    sounding: Option<u32>,
}

impl Buzzer {
    fn tone_now(&self, io: &Io) -> Option<u32> {
        let (drive, other) = if io.spec.pin("1") == Endpoint::Gnd {
            ("2", "1")
        } else {
            ("1", "2")
        };
        if io.level(other) == Some(true) && !matches!(io.spec.pin(other), Endpoint::Gpio(_)) {
            return None;
        }
        if self.active {
            return (io.driven(drive) && io.duty(drive) > 0.0).then_some(2300);
        }
        match io.pwm(drive) {
            Some((f, d)) if f > 0 && d > 0 && d < 65535 => Some(f),
            _ => None,
        }
    }
}

impl Part for Buzzer {
    fn start(&mut self, io: &mut Io) {
        self.sounding = None;
        io.tone(None);
    }

    fn pins_changed(&mut self, io: &mut Io) {
        let t = self.tone_now(io);
        if t != self.sounding {
            self.sounding = t;
            io.tone(t);
        }
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        let t = self.sounding.map_or("silent".into(), |f| format!("{f} Hz"));
        (t, Graphic::Tone(self.sounding))
    }
}

/// An SG90 servo: the horn's angle from the pulse width, 0.5 ms → 0°, 2.5 ms → 180°.
struct Servo {
    angle: f64,
    pulse_us: Option<f64>,
}

impl Part for Servo {
    fn pins_changed(&mut self, io: &mut Io) {
        // A duty of 0 sends no pulses: the horn stays where it is.
        if let Some((f, d)) = io.pwm("PWM")
            && f > 0
            && d > 0
        {
            let pulse = f64::from(d) / 65536.0 * 1e6 / f64::from(f);
            self.pulse_us = Some(pulse);
            if pulse > 0.0 {
                self.angle = ((pulse - 500.0) / 2000.0 * 180.0).clamp(0.0, 180.0);
            }
        }
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        let t = match self.pulse_us {
            Some(p) if !(400.0..=2600.0).contains(&p) => {
                format!(
                    "{:.0}° (pulse {:.2} ms is out of range)",
                    self.angle,
                    p / 1000.0
                )
            }
            Some(p) => format!("{:.0}° ({:.2} ms)", self.angle, p / 1000.0),
            None => format!("{:.0}° (no pulses)", self.angle),
        };
        (t, Graphic::Angle(self.angle))
    }
}

/// A relay module: IN high (low for an active-low module) pulls the relay in, joining COM to
/// NO; released, COM touches NC.
struct Relay {
    active_low: bool,
    on: bool,
}

impl Part for Relay {
    fn start(&mut self, io: &mut Io) {
        self.pins_changed(io);
    }

    fn pins_changed(&mut self, io: &mut Io) {
        let level = io.level("IN");
        self.on = io.driven("IN") && level == Some(!self.active_low);
        bridge(io, "COM", "NO", self.on);
        bridge(io, "COM", "NC", !self.on);
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        let t = if self.on {
            "on (COM-NO)"
        } else {
            "off (COM-NC)"
        };
        (t.into(), Graphic::Switch(self.on))
    }
}

/// A seven-segment display (common anode by default, as Wokwi's): one digit on COM, or several
/// multiplexed on DIG1…DIGn — a digit keeps what it last showed while its common was active.
struct SevenSeg {
    anode: bool,
    digits: Vec<u8>,
}

impl SevenSeg {
    fn new(spec: &PartSpec) -> Self {
        let n = spec.num("digits").unwrap_or(1.0).clamp(1.0, 8.0) as usize;
        SevenSeg {
            anode: spec.attrs.get("common").is_none_or(|c| c != "cathode"),
            digits: vec![0; n],
        }
    }

    fn common(&self, d: usize) -> String {
        if self.digits.len() == 1 {
            "COM".into()
        } else {
            format!("DIG{}", d + 1)
        }
    }
}

impl Part for SevenSeg {
    fn start(&mut self, io: &mut Io) {
        self.pins_changed(io);
    }

    fn pins_changed(&mut self, io: &mut Io) {
        for d in 0..self.digits.len() {
            let mut com = self.common(d);
            if self.digits.len() == 1 && !io.wired(&com) {
                com = if io.wired("COM.1") {
                    "COM.1".into()
                } else {
                    "COM.2".into()
                };
            }
            if io.level(&com) != Some(self.anode) {
                continue;
            }
            let mut bits = 0u8;
            for (k, seg) in ["A", "B", "C", "D", "E", "F", "G", "DP"].iter().enumerate() {
                if lamp(io, seg, &com, self.anode) > 0.0 {
                    bits |= 1 << k;
                }
            }
            self.digits[d] = bits;
        }
    }

    fn view(&self, _io: &Io) -> (String, Graphic) {
        let text: String = self.digits.iter().map(|&b| segment_char(b)).collect();
        (text, Graphic::Segments(self.digits.clone()))
    }
}

/// The character segments `bits` (a–g, dp) show, `?` for a pattern that is not a digit.
pub(super) fn segment_char(bits: u8) -> char {
    const DIGITS: [u8; 16] = [
        0x3F, 0x06, 0x5B, 0x4F, 0x66, 0x6D, 0x7D, 0x07, 0x7F, 0x6F, 0x77, 0x7C, 0x39, 0x5E, 0x79,
        0x71,
    ];
    match bits & 0x7F {
        0 => ' ',
        0x40 => '-',
        b => DIGITS
            .iter()
            .position(|&d| d == b)
            .and_then(|i| char::from_digit(i as u32, 16))
            .map_or('?', |c| c.to_ascii_uppercase()),
    }
}

/// A NeoPixel strip or ring: its pixels show the first colours `neopixel` writes to its DIN
/// pin (a longer write runs on past its end, as down a chain).
struct NeoPixels {
    shown: Vec<[u8; 3]>,
}

impl Part for NeoPixels {
    fn strip(&mut self, pixels: &[[u8; 3]]) {
        for (s, p) in self.shown.iter_mut().zip(pixels) {
            *s = *p;
        }
    }

    fn view(&self, io: &Io) -> (String, Graphic) {
        if !matches!(io.spec.pin("DIN"), Endpoint::Gpio(_)) {
            return (
                format!("{} pixels (DIN not wired)", self.shown.len()),
                Graphic::None,
            );
        }
        let colours: Vec<String> = self
            .shown
            .iter()
            .map(|[r, g, b]| format!("#{r:02x}{g:02x}{b:02x}"))
            .collect();
        (
            colours.join(" "),
            Graphic::Pixels(self.shown.len() as u32, 1, self.shown.clone()),
        )
    }
}
