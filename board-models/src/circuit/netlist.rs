//! From a wiring file's parts and wires to a [`CircuitSpec`]: nets by union-find over every wire,
//! breadboard strip and rail, and a part's internally joined pins; each net classified by what
//! the board puts on it (a GPIO, a supply); series resistors followed, resistors to a supply
//! turned into pulls; LEDs found; mistakes noted with the part's id.

use super::{CircuitSpec, Endpoint, PartSpec};
use crate::spec::{BoardSpec, cpu_gpio};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A part as the file lists it.
#[derive(Debug, Clone)]
pub struct RawPart {
    /// Its id.
    pub id: String,
    /// Its type as written (`wokwi-dht22`, `dht22`).
    pub kind: String,
    /// Its settings.
    pub attrs: BTreeMap<String, String>,
    /// Where it is drawn.
    pub at: Option<(f32, f32)>,
}

/// What a part type is to the resolver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Model(&'static str),
    Led,
    Resistor,
    Vcc,
    Gnd,
    Breadboard,
    Board(&'static str),
    Label,
}

/// A file's type name to what mpsim makes of it; None for a type it does not know.
fn role(kind: &str) -> Option<Role> {
    let k = kind.to_ascii_lowercase();
    let k = k.strip_prefix("wokwi-").unwrap_or(&k);
    Some(match k {
        "esp32-devkit-v1" | "board-esp32-devkit-c-v4" | "esp32" | "board-esp32-devkit-v1" => {
            Role::Board("esp32")
        }
        "pi-pico" | "board-pi-pico" | "pico" => Role::Board("pico"),
        "board-pi-pico-w" | "pi-pico-w" | "pico-w" | "picow" => Role::Board("pico-w"),
        "esp8266" | "nodemcu" => Role::Board("esp8266"),
        "led" => Role::Led,
        "resistor" => Role::Resistor,
        "vcc" => Role::Vcc,
        "gnd" => Role::Gnd,
        "breadboard" | "breadboard-half" | "breadboard-mini" => Role::Breadboard,
        "text" | "label" => Role::Label,
        "pushbutton" | "pushbutton-6mm" | "button" => Role::Model("pushbutton"),
        "slide-switch" | "switch" => Role::Model("slide-switch"),
        "potentiometer" | "pot" => Role::Model("potentiometer"),
        "slide-potentiometer" => Role::Model("slide-potentiometer"),
        "photoresistor-sensor" | "photoresistor" | "ldr" => Role::Model("photoresistor"),
        "ntc-temperature-sensor" | "ntc" => Role::Model("ntc"),
        "analog-joystick" | "joystick" => Role::Model("joystick"),
        "pir-motion-sensor" | "pir" => Role::Model("pir"),
        "ky-040" | "rotary-encoder" => Role::Model("rotary-encoder"),
        "membrane-keypad" | "keypad" => Role::Model("keypad"),
        "ir-receiver" => Role::Model("ir-receiver"),
        "dht11" => Role::Model("dht11"),
        "dht22" => Role::Model("dht22"),
        "ds18b20" => Role::Model("ds18b20"),
        "hc-sr04" => Role::Model("hc-sr04"),
        "mpu6050" => Role::Model("mpu6050"),
        "bmp280" => Role::Model("bmp280"),
        "bme280" => Role::Model("bme280"),
        "ds1307" => Role::Model("ds1307"),
        "rgb-led" => Role::Model("rgb-led"),
        "buzzer" => Role::Model("buzzer"),
        "servo" => Role::Model("servo"),
        "relay-module" | "relay" => Role::Model("relay"),
        "7segment" => Role::Model("7segment"),
        "tm1637-7segment" | "tm1637" => Role::Model("tm1637"),
        "max7219-matrix" | "max7219" => Role::Model("max7219"),
        "ssd1306" | "board-ssd1306" => Role::Model("ssd1306"),
        "ili9341" => Role::Model("ili9341"),
        "st7789" => Role::Model("st7789"),
        "lcd1602" => Role::Model("lcd1602"),
        "lcd2004" => Role::Model("lcd2004"),
        "neopixel" | "led-ring" | "led-strip" | "neopixel-matrix" | "led-bar-graph" => {
            Role::Model("neopixel")
        }
        _ => return None,
    })
}

/// The board a diagram's board part asks for, if `kind` is one.
pub fn board_of(kind: &str) -> Option<&'static str> {
    match role(kind) {
        Some(Role::Board(b)) => Some(b),
        _ => None,
    }
}

/// Pins a part's driver needs, to report when they are left open.
fn needed(kind: &str) -> &'static [&'static str] {
    match kind {
        "dht11" | "dht22" => &["SDA"],
        "ds18b20" => &["DQ"],
        "hc-sr04" => &["TRIG", "ECHO"],
        "mpu6050" | "bmp280" | "bme280" | "ds1307" => &["SDA", "SCL"],
        "servo" => &["PWM"],
        "tm1637" => &["CLK", "DIO"],
        "max7219" => &["DIN", "CLK", "CS"],
        "ili9341" | "st7789" => &["MOSI", "SCK"],
        "potentiometer" | "slide-potentiometer" => &["SIG"],
        "pir" => &["OUT"],
        "relay" => &["IN"],
        "ir-receiver" => &["DAT"],
        _ => &[],
    }
}

/// Pins of one part that are joined inside it.
fn joined(kind: &str) -> &'static [(&'static str, &'static str)] {
    match kind {
        "pushbutton" => &[("1.l", "1.r"), ("2.l", "2.r"), ("1", "1.l"), ("2", "2.l")],
        "7segment" => &[("COM.1", "COM.2")],
        _ => &[],
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Gpio(u32),
    Adc(i64),
    Gnd,
    Vcc,
}

/// Builds a circuit from parts and wires.
pub struct Netlist<'a> {
    board: &'a BoardSpec,
    board_ids: BTreeSet<String>,
    parts: Vec<RawPart>,
    wires: Vec<(String, String)>,
    notes: Vec<String>,
    ties: Vec<(u32, bool)>,
}

/// The GPIO a board pin name stands for (`D4`, `GP15`, `15`), if it is one.
pub fn gpio_of(board: &BoardSpec, name: &str) -> Option<u32> {
    match board_pin(board, name) {
        Some(Class::Gpio(g)) => Some(g),
        _ => None,
    }
}

/// What a board pin name is on `board`: `D4` (its silk screen), `GP15`, `GPIO15`, `D15` on the
/// ESP32 DevKit, `15`, a supply or ground; None for a pin mpsim does not model (EN, RUN …).
fn board_pin(board: &BoardSpec, name: &str) -> Option<Class> {
    let n = name.trim();
    let upper = n.to_ascii_uppercase();
    if upper.starts_with("GND") || upper == "VSS" || upper == "AGND" {
        return Some(Class::Gnd);
    }
    if [
        "3V3", "3.3V", "VCC", "5V", "VIN", "VBUS", "VSYS", "V+", "3V", "VU", "VDD",
    ]
    .contains(&upper.as_str())
        || upper.starts_with("3V3")
        || upper.starts_with("5V")
    {
        return Some(Class::Vcc);
    }
    if let Some((_, cpu)) = board
        .pin_names
        .iter()
        .find(|(p, _)| p.eq_ignore_ascii_case(n))
    {
        if let Some(g) = cpu_gpio(cpu) {
            return Some(Class::Gpio(g));
        }
        if n.eq_ignore_ascii_case("A0") && board.platform == crate::Platform::Esp8266 {
            return Some(Class::Adc(0));
        }
    }
    if n.eq_ignore_ascii_case("A0") && board.platform == crate::Platform::Esp8266 {
        return Some(Class::Adc(0));
    }
    let digits = ["GPIO", "GP", "IO", "D", "P", ""].iter().find_map(|p| {
        upper
            .strip_prefix(p)
            .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
    })?;
    let g: u32 = digits.parse().ok()?;
    board.pin(g).map(|_| Class::Gpio(g))
}

struct Dsu {
    up: Vec<usize>,
}

impl Dsu {
    fn find(&mut self, mut x: usize) -> usize {
        while self.up[x] != x {
            self.up[x] = self.up[self.up[x]];
            x = self.up[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.up[a.max(b)] = a.min(b);
        }
    }
}

/// A breadboard hole's strip: `20t.a` → `20t`, rails `tp.3` → `tp`.
fn strip(pin: &str) -> String {
    let (head, _) = pin.split_once('.').unwrap_or((pin, ""));
    head.to_owned()
}

impl<'a> Netlist<'a> {
    /// An empty circuit around `board`.
    pub fn new(board: &'a BoardSpec) -> Self {
        let mut board_ids = BTreeSet::new();
        board_ids.insert("$board".to_owned());
        Netlist {
            board,
            board_ids,
            parts: Vec::new(),
            wires: Vec::new(),
            notes: Vec::new(),
            ties: Vec::new(),
        }
    }

    /// Adds a part. A board part makes its id name the board's pins.
    pub fn part(&mut self, p: RawPart) {
        if matches!(role(&p.kind), Some(Role::Board(_))) {
            self.board_ids.insert(p.id.clone());
        }
        self.parts.push(p);
    }

    /// Wires two pins (`id:PIN`; `$board:D4` is the board's).
    pub fn wire(&mut self, a: &str, b: &str) {
        self.wires.push((a.to_owned(), b.to_owned()));
    }

    /// Notes a problem found while reading.
    pub fn note(&mut self, n: String) {
        self.notes.push(n);
    }

    /// Resolves everything.
    pub fn resolve(mut self) -> CircuitSpec {
        let kinds: HashMap<String, Option<Role>> = self
            .parts
            .iter()
            .map(|p| (p.id.clone(), role(&p.kind)))
            .collect();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut dsu = Dsu { up: Vec::new() };
        let mut node = |key: String, dsu: &mut Dsu| -> usize {
            *index.entry(key).or_insert_with(|| {
                dsu.up.push(dsu.up.len());
                dsu.up.len() - 1
            })
        };
        // Every wire end, normalised: breadboard holes become their strip.
        let mut ends: Vec<(usize, usize)> = Vec::new();
        let mut seen_pins: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let wires = std::mem::take(&mut self.wires);
        'wires: for (a, b) in &wires {
            // Both ends are checked before either makes a node: a wire to the serial monitor
            // ($serialMonitor) or to a part that is not there is no net at all.
            let mut keys = Vec::new();
            for end in [a, b] {
                let Some((id, pin)) = end.split_once(':') else {
                    self.notes.push(format!("wire end {end:?} is not PART:PIN"));
                    continue 'wires;
                };
                if id.starts_with('$') && !self.board_ids.contains(id) {
                    continue 'wires;
                }
                let known = self.board_ids.contains(id) || kinds.contains_key(id);
                if !known {
                    self.notes.push(format!("wire to {end:?}: no part {id:?}"));
                    continue 'wires;
                }
                let key = match kinds.get(id) {
                    Some(Some(Role::Breadboard)) => format!("{id}:{}", strip(pin)),
                    _ if self.board_ids.contains(id) => format!("$board:{pin}"),
                    _ => format!("{id}:{pin}"),
                };
                keys.push((id.to_owned(), pin.to_owned(), key));
            }
            let mut ids = Vec::new();
            for (id, pin, key) in keys {
                seen_pins.entry(id).or_default().insert(pin);
                ids.push(node(key, &mut dsu));
            }
            ends.push((ids[0], ids[1]));
        }
        for (a, b) in ends {
            dsu.union(a, b);
        }
        // Pins joined inside parts, and the supply symbols.
        for p in &self.parts {
            if let Some(Some(Role::Model(k))) = kinds.get(&p.id) {
                for (x, y) in joined(k) {
                    let (a, b) = (format!("{}:{x}", p.id), format!("{}:{y}", p.id));
                    let (a, b) = (node(a, &mut dsu), node(b, &mut dsu));
                    dsu.union(a, b);
                }
            }
        }
        // Classify nets by what the board and the supply symbols put on them.
        let mut class: HashMap<usize, Class> = HashMap::new();
        let mut gpios_in: HashMap<usize, Vec<u32>> = HashMap::new();
        let keys: Vec<(String, usize)> = index.iter().map(|(k, v)| (k.clone(), *v)).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        for (key, i) in &sorted {
            let (id, pin) = key.split_once(':').unwrap_or((key, ""));
            let c = if id == "$board" {
                match board_pin(self.board, pin) {
                    Some(c) => Some(c),
                    None => {
                        self.notes.push(format!(
                            "board pin {pin:?}: {} has no such pin (wire ignored)",
                            self.board.id
                        ));
                        None
                    }
                }
            } else {
                match kinds.get(id) {
                    Some(Some(Role::Vcc)) => Some(Class::Vcc),
                    Some(Some(Role::Gnd)) => Some(Class::Gnd),
                    _ => None,
                }
            };
            let Some(c) = c else { continue };
            let r = dsu.find(*i);
            if let Class::Gpio(g) = c {
                let v = gpios_in.entry(r).or_default();
                if !v.contains(&g) {
                    v.push(g);
                }
            }
            match class.get(&r).copied() {
                None => {
                    class.insert(r, c);
                }
                Some(old) if old == c => {}
                Some(old) => {
                    let name = |c: Class| match c {
                        Class::Gpio(g) => format!("GPIO{g}"),
                        Class::Adc(a) => format!("ADC({a})"),
                        Class::Gnd => "GND".into(),
                        Class::Vcc => "VCC".into(),
                    };
                    match (old, c) {
                        (Class::Gpio(_), Class::Gpio(_)) => {}
                        (Class::Gnd, Class::Vcc) | (Class::Vcc, Class::Gnd) => self
                            .notes
                            .push("short circuit: VCC wired straight to GND".into()),
                        _ => {
                            // The GPIO first: it is what the note is about.
                            let (a, b) = if matches!(c, Class::Gpio(_)) {
                                (c, old)
                            } else {
                                (old, c)
                            };
                            self.notes.push(format!(
                                "{} wired straight to {} (an output there is a short circuit)",
                                name(a),
                                name(b)
                            ));
                        }
                    }
                    // A GPIO tied to a supply reads the supply.
                    if let (Class::Gpio(g), Class::Gnd | Class::Vcc)
                    | (Class::Gnd | Class::Vcc, Class::Gpio(g)) = (old, c)
                    {
                        self.tie(g, c == Class::Vcc || old == Class::Vcc);
                    }
                }
            }
        }
        let mut out = CircuitSpec::default();
        for v in gpios_in.values() {
            for w in v.windows(2) {
                out.links.push((w[0], w[1]));
            }
        }
        out.links.sort_unstable();
        // Follow series resistors; a resistor from a GPIO to a supply pulls it.
        let resistors: Vec<(String, usize, usize)> = self
            .parts
            .iter()
            .filter(|p| matches!(kinds.get(&p.id), Some(Some(Role::Resistor))))
            .filter_map(|p| {
                let a = *index.get(&format!("{}:1", p.id))?;
                let b = *index.get(&format!("{}:2", p.id))?;
                Some((p.id.clone(), a, b))
            })
            .collect();
        let mut changed = true;
        let mut rounds = 0;
        while changed && rounds <= resistors.len() {
            changed = false;
            rounds += 1;
            for (_, a, b) in &resistors {
                let (ra, rb) = (dsu.find(*a), dsu.find(*b));
                match (class.get(&ra).copied(), class.get(&rb).copied()) {
                    (Some(c), None) => {
                        class.insert(rb, c);
                        changed = true;
                    }
                    (None, Some(c)) => {
                        class.insert(ra, c);
                        changed = true;
                    }
                    _ => {}
                }
            }
        }
        for (_, a, b) in &resistors {
            let (ra, rb) = (dsu.find(*a), dsu.find(*b));
            match (class.get(&ra).copied(), class.get(&rb).copied()) {
                (Some(Class::Gpio(g)), Some(s @ (Class::Vcc | Class::Gnd)))
                | (Some(s @ (Class::Vcc | Class::Gnd)), Some(Class::Gpio(g))) => {
                    out.pulls.push((g, s == Class::Vcc));
                }
                _ => {}
            }
        }
        // How many part pins each net has (a net with one pin is open).
        let mut members: HashMap<usize, usize> = HashMap::new();
        for (_, i) in &keys {
            *members.entry(dsu.find(*i)).or_default() += 1;
        }
        let mut net_ids: HashMap<usize, u32> = HashMap::new();
        let mut endpoint = |key: &str, dsu: &mut Dsu| -> Endpoint {
            let Some(&i) = index.get(key) else {
                return Endpoint::Open;
            };
            let r = dsu.find(i);
            match class.get(&r) {
                Some(Class::Gpio(g)) => Endpoint::Gpio(*g),
                Some(Class::Adc(a)) => Endpoint::Adc(*a),
                Some(Class::Gnd) => Endpoint::Gnd,
                Some(Class::Vcc) => Endpoint::Vcc,
                None if members.get(&r).copied().unwrap_or(0) > 1 => {
                    let n = net_ids.len() as u32;
                    Endpoint::Net(*net_ids.entry(r).or_insert(n))
                }
                None => Endpoint::Open,
            }
        };
        for p in &self.parts {
            let id = &p.id;
            match kinds.get(id).copied().flatten() {
                None => {
                    self.notes.push(format!(
                        "{id}: part type {:?} is not simulated (ignored)",
                        p.kind
                    ));
                }
                Some(Role::Board(b)) => {
                    if out.board.is_none() {
                        out.board = Some(b.to_owned());
                        out.board_at = p.at;
                    }
                }
                Some(Role::Led) => {
                    let a = endpoint(&format!("{id}:A"), &mut dsu);
                    let c = endpoint(&format!("{id}:C"), &mut dsu);
                    let colour = p
                        .attrs
                        .get("color")
                        .cloned()
                        .unwrap_or_else(|| "red".into());
                    match (a, c) {
                        (Endpoint::Gpio(g), Endpoint::Gnd) => {
                            out.leds.push((id.clone(), g, false, colour));
                        }
                        (Endpoint::Vcc, Endpoint::Gpio(g)) => {
                            out.leds.push((id.clone(), g, true, colour));
                        }
                        (Endpoint::Gnd, Endpoint::Gpio(_)) | (Endpoint::Gpio(_), Endpoint::Vcc) => {
                            self.notes.push(format!(
                                "{id}: the LED is wired the wrong way round (it never lights)"
                            ));
                        }
                        (Endpoint::Open, _) | (_, Endpoint::Open) => {
                            self.notes.push(format!(
                                "{id}: the LED's {} pin is not connected",
                                if a == Endpoint::Open { "A" } else { "C" }
                            ));
                        }
                        _ => self
                            .notes
                            .push(format!("{id}: an LED between these nets is not simulated")),
                    }
                }
                Some(Role::Model(kind)) => {
                    let mut pins = BTreeMap::new();
                    for pin in seen_pins.get(id).into_iter().flatten() {
                        pins.insert(pin.clone(), endpoint(&format!("{id}:{pin}"), &mut dsu));
                    }
                    for (x, y) in joined(kind) {
                        for (from, to) in [(x, y), (y, x)] {
                            if !pins.contains_key(*to)
                                && let Some(e) = pins.get(*from).copied()
                            {
                                pins.insert((*to).to_owned(), e);
                            }
                        }
                    }
                    for need in needed(kind) {
                        let alias = match (kind, *need) {
                            ("dht11" | "dht22", "SDA") => ["SDA", "DATA", "OUT"].as_slice(),
                            ("max7219", "CLK") => ["CLK", "SCK"].as_slice(),
                            ("max7219", "DIN") => ["DIN", "MOSI"].as_slice(),
                            ("ili9341" | "st7789", "MOSI") => ["MOSI", "SDA", "DIN"].as_slice(),
                            ("ili9341" | "st7789", "SCK") => ["SCK", "SCL", "CLK"].as_slice(),
                            _ => std::slice::from_ref(need),
                        };
                        if alias
                            .iter()
                            .all(|n| pins.get(*n).is_none_or(|e| *e == Endpoint::Open))
                        {
                            self.notes.push(format!(
                                "{id}: pin {need} is not connected (its driver needs it)"
                            ));
                        }
                    }
                    out.parts.push(PartSpec {
                        id: id.clone(),
                        kind: kind.to_owned(),
                        attrs: p.attrs.clone(),
                        pins,
                        at: p.at,
                    });
                }
                Some(Role::Resistor | Role::Vcc | Role::Gnd | Role::Breadboard | Role::Label) => {}
            }
        }
        self.check_i2c(&mut out);
        out.ties = self.ties;
        out.notes = self.notes;
        out
    }

    fn tie(&mut self, g: u32, high: bool) {
        if !self.ties.contains(&(g, high)) {
            self.ties.push((g, high));
        }
    }

    /// Two chips at one address on one bus, and SDA/SCL swapped against the board's own buses.
    fn check_i2c(&mut self, out: &mut CircuitSpec) {
        let mut at: BTreeMap<(u32, u32, u8), Vec<String>> = BTreeMap::new();
        for p in &out.parts {
            let (Endpoint::Gpio(scl), Endpoint::Gpio(sda)) = (p.pin("SCL"), p.pin("SDA")) else {
                continue;
            };
            let default = match p.kind.as_str() {
                "ssd1306" => 0x3C,
                "lcd1602" | "lcd2004" => 0x27,
                "mpu6050" | "ds1307" => 0x68,
                "bmp280" | "bme280" => 0x76,
                _ => continue,
            };
            let addr = super::sensors::address(p, default);
            at.entry((scl, sda, addr)).or_default().push(p.id.clone());
            for bus in &self.board.i2c {
                if bus.scl == sda && bus.sda == scl {
                    self.notes.push(format!(
                        "{}: SDA and SCL look swapped (I2C({}) has SCL on GPIO{} and SDA on GPIO{})",
                        p.id, bus.id, bus.scl, bus.sda
                    ));
                }
            }
        }
        for ((scl, sda, addr), ids) in at {
            if ids.len() > 1 {
                self.notes.push(format!(
                    "{}: two I2C chips at {addr:#04x} on SCL=GPIO{scl} SDA=GPIO{sda} (they answer together)",
                    ids.join(" and ")
                ));
            }
        }
    }
}
