//! What the user wired to the board: a TOML file (`--wiring`) naming parts and the pins they sit on.
//!
//! ```toml
//! [[led]]
//! pin = 15
//! name = "red LED"     # optional
//! active_low = false   # optional: true when the LED goes from 3V3 to the pin
//! ```

use serde::Deserialize;

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
}

impl Wiring {
    /// What the introduction wires to a board before anything else: the ESP8266 tutorial's LED
    /// on GPIO15 (other boards blink their own LEDs).
    pub fn introduction(spec: &crate::BoardSpec) -> Vec<WiredLed> {
        if spec.platform != "esp8266" {
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
#[derive(Debug, Clone, Deserialize)]
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

impl Wiring {
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
}
