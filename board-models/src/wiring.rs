//! What the user wired to the board: a TOML file (`--wiring`) naming parts and the pins they sit on.
//!
//! ```toml
//! [[led]]
//! pin = 15
//! name = "red LED"     # optional
//! active_low = false   # optional: true when the LED goes from 3V3 to the pin
//!
//! [[i2c]]
//! part = "ssd1306"     # a 128x64 OLED display
//! scl = 5
//! sda = 4
//! address = 0x3C       # optional: the part's usual address
//! width = 128          # optional (ssd1306: 128x64, or 128x32, 64x48 …)
//! height = 64
//! name = "OLED"        # optional
//!
//! [[part]]              # any part mpsim models (see `circuit::KINDS`), by Wokwi's pin names
//! id = "dht1"
//! type = "dht22"
//! pins = { SDA = "D4", VCC = "3V3", GND = "GND" }   # board pins, or "part:PIN"
//! temperature = 30.5    # other keys are the part's settings (Wokwi's attrs)
//!
//! [[wire]]              # part to part (through a resistor, a breadboard …)
//! from = "r1:2"
//! to = "led1:A"
//! ```

use serde::{Deserialize, Serialize};

/// Errors reading a wiring file.
#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    /// The file is not valid TOML or has unknown fields.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message.
        source: toml::de::Error,
    },
}

/// The parts wired to the board.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wiring {
    /// LEDs through a resistor between a pin and GND (or 3V3 when active low).
    #[serde(default)]
    pub led: Vec<WiredLed>,
    /// Chips on an I2C bus (a pair of pins).
    #[serde(default)]
    pub i2c: Vec<WiredI2c>,
    /// Parts by type, their pins and settings.
    #[serde(default)]
    pub part: Vec<PartEntry>,
    /// Wires between parts' pins.
    #[serde(default)]
    pub wire: Vec<WireEntry>,
    /// Several boards in one circuit: each its own board process; `[[wire]]`s between two
    /// boards' pins (`a:GP4` to `b:16`) link them, parts name their board in their pins.
    #[serde(default)]
    pub board: Vec<BoardEntry>,
}

/// One `[[board]]` of a circuit with several.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardEntry {
    /// Its id in pin names (`a:GP4`) and on its output's lines.
    pub id: String,
    /// Board ID or alias (`pico`, `esp32` …).
    #[serde(rename = "type")]
    pub kind: String,
    /// Its main program (relative to the wiring file); main.py from `fs` when absent.
    #[serde(default)]
    pub main: Option<String>,
    /// A folder whose files go on its throw-away flash (relative to the wiring file).
    #[serde(default)]
    pub fs: Option<String>,
}

/// One `[[part]]`.
#[derive(Debug, Clone, Deserialize)]
pub struct PartEntry {
    /// Its id (what `--control ID.NAME=…` names).
    pub id: String,
    /// Its type (`dht22`, `wokwi-dht22` …).
    #[serde(rename = "type")]
    pub kind: String,
    /// Its pins: a board pin (`"D4"`, `"GP15"`, `15`, `"GND"`, `"3V3"`) or `"part:PIN"`.
    #[serde(default)]
    pub pins: std::collections::BTreeMap<String, toml::Value>,
    /// Where the window draws it: `[left, top]`.
    #[serde(default)]
    pub at: Option<[f32; 2]>,
    /// Every other key: the part's settings.
    #[serde(flatten)]
    pub attrs: std::collections::BTreeMap<String, toml::Value>,
}

/// One `[[wire]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireEntry {
    /// One end, `part:PIN`, or a pin of the board (`GP2`, `D4`, `15`).
    pub from: String,
    /// The other end.
    pub to: String,
}

impl Wiring {
    /// What the introduction wires to a board before anything else: the ESP8266 tutorial's LED
    /// on GPIO15 (other boards blink their own LEDs).
    pub fn introduction(spec: &crate::BoardSpec) -> Vec<WiredLed> {
        if spec.platform != crate::Platform::Esp8266 {
            return Vec::new();
        }
        vec![WiredLed {
            pin: 15,
            name: Some("LED (GPIO15)".into()),
            active_low: false,
        }]
    }
}

/// One LED.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WiredLed {
    /// GPIO number.
    pub pin: u32,
    /// Label in the GUI and the trace; `LED_GPIO<n>` when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// Lit when the pin is low.
    #[serde(default)]
    pub active_low: bool,
}

/// The kinds of I2C chip mpsim models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum I2cPart {
    /// The SSD1306 OLED display controller.
    Ssd1306,
}

impl I2cPart {
    /// The address the part answers at unless told otherwise.
    pub fn default_address(self) -> u8 {
        match self {
            I2cPart::Ssd1306 => 0x3C,
        }
    }

    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            I2cPart::Ssd1306 => "SSD1306",
        }
    }
}

/// One chip on an I2C bus.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WiredI2c {
    /// What it is.
    pub part: I2cPart,
    /// The bus's clock pin (GPIO number).
    pub scl: u32,
    /// The bus's data pin (GPIO number).
    pub sda: u32,
    /// Its 7-bit address; the part's usual one when absent.
    #[serde(default)]
    pub address: Option<u8>,
    /// A display's width and height in pixels.
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
    /// Label in the window.
    #[serde(default)]
    pub name: Option<String>,
}

impl WiredI2c {
    /// The address it answers at.
    pub fn address(&self) -> u8 {
        self.address.unwrap_or_else(|| self.part.default_address())
    }

    /// Checks it against the board: its pins exist, its address is a 7-bit one, its size fits.
    pub fn check(&self, spec: &crate::BoardSpec) -> Result<(), String> {
        for (what, g) in [("SCL", self.scl), ("SDA", self.sda)] {
            if spec.pin(g).is_none() {
                return Err(format!(
                    "{} {what} on GPIO{g}: {} has no such pin",
                    self.part.name(),
                    spec.id
                ));
            }
        }
        if self.scl == self.sda {
            return Err(format!("{}: SCL and SDA on the same pin", self.part.name()));
        }
        let a = self.address();
        if !(0x08..=0x77).contains(&a) {
            return Err(format!(
                "{}: address {a:#04x} is not a 7-bit device address",
                self.part.name()
            ));
        }
        let (w, h) = (self.width.unwrap_or(128), self.height.unwrap_or(64));
        if !(1..=128).contains(&w) || !(8..=64).contains(&h) || h % 8 != 0 {
            return Err(format!(
                "{}: a {w}x{h} panel does not fit its 128x64 RAM (height a multiple of 8)",
                self.part.name()
            ));
        }
        Ok(())
    }
}

impl Wiring {
    /// The circuit the file describes around `board`: its `[[part]]`s and `[[wire]]`s, and its
    /// `[[i2c]]` displays as parts.
    pub fn circuit(&self, board: &crate::BoardSpec) -> crate::CircuitSpec {
        use crate::circuit::netlist::{Netlist, RawPart};
        let text = |v: &toml::Value| match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut n = Netlist::new(board);
        for (i, w) in self.i2c.iter().enumerate() {
            let id = w
                .name
                .clone()
                .unwrap_or_else(|| format!("{} at {:#04x}", w.part.name(), w.address()));
            let mut attrs = std::collections::BTreeMap::new();
            attrs.insert("address".to_owned(), w.address().to_string());
            attrs.insert("width".to_owned(), w.width.unwrap_or(128).to_string());
            attrs.insert("height".to_owned(), w.height.unwrap_or(64).to_string());
            let id = if self.i2c[..i].iter().any(|o| o.name.as_ref() == Some(&id)) {
                format!("{id} ({i})")
            } else {
                id
            };
            n.part(RawPart {
                id: id.clone(),
                kind: "ssd1306".into(),
                attrs,
                at: None,
            });
            n.wire(&format!("{id}:SCL"), &format!("$board:GPIO{}", w.scl));
            n.wire(&format!("{id}:SDA"), &format!("$board:GPIO{}", w.sda));
        }
        for p in &self.part {
            n.part(RawPart {
                id: p.id.clone(),
                kind: p.kind.clone(),
                attrs: p.attrs.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
                at: p.at.map(|[l, t]| (l, t)),
            });
            for (pin, to) in &p.pins {
                let to = text(to);
                let to = if to.contains(':') {
                    to
                } else {
                    format!("$board:{to}")
                };
                n.wire(&format!("{}:{pin}", p.id), &to);
            }
        }
        let end = |t: &str| {
            if t.contains(':') {
                t.to_owned()
            } else {
                format!("$board:{t}")
            }
        };
        for w in &self.wire {
            n.wire(&end(&w.from), &end(&w.to));
        }
        n.resolve()
    }

    /// The circuit around board `id` of a circuit with several: the parts wired to its pins
    /// (`id:PIN`), the wires between them; wires to the other boards are theirs.
    pub fn circuit_of(&self, id: &str, board: &crate::BoardSpec) -> crate::CircuitSpec {
        use crate::circuit::netlist::{Netlist, RawPart};
        let text = |v: &toml::Value| match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let on = |t: &str| t.split_once(':').map(|(b, p)| (b.to_owned(), p.to_owned()));
        let others: Vec<&str> = self
            .board
            .iter()
            .map(|b| b.id.as_str())
            .filter(|b| *b != id)
            .collect();
        let mut n = Netlist::new(board);
        for p in &self.part {
            let pins: Vec<(String, String)> =
                p.pins.iter().map(|(k, v)| (k.clone(), text(v))).collect();
            if !pins
                .iter()
                .any(|(_, v)| on(v).is_some_and(|(b, _)| b == id))
            {
                continue;
            }
            n.part(RawPart {
                id: p.id.clone(),
                kind: p.kind.clone(),
                attrs: p.attrs.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
                at: p.at.map(|[l, t]| (l, t)),
            });
            for (pin, to) in pins {
                match on(&to) {
                    Some((b, bp)) if b == id => {
                        n.wire(&format!("{}:{pin}", p.id), &format!("$board:{bp}"))
                    }
                    Some((b, _)) if others.contains(&b.as_str()) => {}
                    _ => n.wire(&format!("{}:{pin}", p.id), &to),
                }
            }
        }
        for w in &self.wire {
            let ends = [on(&w.from), on(&w.to)];
            let boardish = |e: &Option<(String, String)>| {
                e.as_ref()
                    .is_some_and(|(b, _)| b == id || others.contains(&b.as_str()))
            };
            if boardish(&ends[0]) && boardish(&ends[1]) {
                continue;
            }
            if ends.iter().any(|e| {
                e.as_ref()
                    .is_some_and(|(b, _)| others.contains(&b.as_str()))
            }) {
                continue;
            }
            let fix = |t: &str| match on(t) {
                Some((b, p)) if b == id => format!("$board:{p}"),
                _ => t.to_owned(),
            };
            n.wire(&fix(&w.from), &fix(&w.to));
        }
        n.resolve()
    }

    /// The wires from one board's pin to another's: ((board, pin), (board, pin)).
    pub fn board_links(&self) -> Vec<((String, String), (String, String))> {
        let ids: Vec<&str> = self.board.iter().map(|b| b.id.as_str()).collect();
        let on = |t: &str| {
            t.split_once(':')
                .filter(|(b, _)| ids.contains(b))
                .map(|(b, p)| (b.to_owned(), p.to_owned()))
        };
        self.wire
            .iter()
            .filter_map(|w| Some((on(&w.from)?, on(&w.to)?)))
            .filter(|(a, b)| a.0 != b.0)
            .collect()
    }

    /// Parses a wiring file's text; `path` names it in errors.
    pub fn parse(path: &str, text: &str) -> Result<Self, WiringError> {
        toml::from_str(text).map_err(|source| WiringError::Parse {
            path: path.to_owned(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_leds_and_rejects_unknown_fields() {
        let w = Wiring::parse("w.toml", "[[led]]\npin = 15\nname = \"red\"\n").unwrap();
        assert_eq!(w.led[0].pin, 15);
        assert_eq!(w.led[0].name.as_deref(), Some("red"));
        assert!(Wiring::parse("w.toml", "[[led]]\npin = 15\ncolour = 1\n").is_err());
        assert!(Wiring::parse("w.toml", "[[motor]]\npin = 1\n").is_err());
    }

    #[test]
    fn parses_i2c_parts_and_checks_them_against_the_board() {
        let spec = crate::find_board("esp8266").unwrap().unwrap();
        let w = Wiring::parse(
            "w.toml",
            "[[i2c]]\npart = \"ssd1306\"\nscl = 5\nsda = 4\nheight = 32\n",
        )
        .unwrap();
        let p = &w.i2c[0];
        assert_eq!(
            (p.part, p.address(), p.height),
            (I2cPart::Ssd1306, 0x3C, Some(32))
        );
        assert!(p.check(&spec).is_ok());
        let bad = |t: &str| {
            let w = Wiring::parse("w.toml", t).unwrap();
            w.i2c[0].check(&spec).unwrap_err()
        };
        assert!(bad("[[i2c]]\npart = \"ssd1306\"\nscl = 5\nsda = 40\n").contains("GPIO40"));
        assert!(
            bad("[[i2c]]\npart = \"ssd1306\"\nscl = 5\nsda = 4\naddress = 0x80\n")
                .contains("7-bit")
        );
        assert!(bad("[[i2c]]\npart = \"ssd1306\"\nscl = 5\nsda = 4\nheight = 60\n").contains("60"));
        assert!(Wiring::parse("w.toml", "[[i2c]]\npart = \"bme999\"\nscl = 5\nsda = 4\n").is_err());
    }

    #[test]
    fn parts_and_wires_resolve_against_the_board() {
        let spec = crate::find_board("esp8266").unwrap().unwrap();
        let w = Wiring::parse(
            "w.toml",
            r#"
[[part]]
id = "dht1"
type = "dht22"
pins = { SDA = "D4", VCC = "3V3", GND = "GND" }
temperature = 30.5

[[part]]
id = "led1"
type = "led"
pins = { C = "GND" }
color = "blue"

[[part]]
id = "r1"
type = "resistor"
pins = { 1 = 14 }

[[wire]]
from = "r1:2"
to = "led1:A"
"#,
        )
        .unwrap();
        let c = w.circuit(&spec);
        assert_eq!(c.parts.len(), 1, "{:?}", c.notes);
        assert_eq!(c.parts[0].pin("SDA"), crate::Endpoint::Gpio(2));
        assert_eq!(
            c.parts[0].attrs.get("temperature").map(String::as_str),
            Some("30.5")
        );
        assert_eq!(c.leds, vec![("led1".into(), 14, false, "blue".into())]);
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        assert!(Wiring::parse("w.toml", "[[wire]]\nfrom = \"a:1\"\n").is_err());
    }
}
