//! Wokwi's `diagram.json`: parts (`type`, `id`, `top`, `left`, `attrs`) and connections
//! (`[from, to, colour, waypoints]`, each end `PART:PIN`), read into a [`Netlist`].

use super::CircuitSpec;
use super::netlist::{Netlist, RawPart, board_of};
use crate::spec::BoardSpec;
use std::collections::BTreeMap;

/// Errors reading a diagram.
#[derive(Debug, thiserror::Error)]
pub enum DiagramError {
    /// Not JSON, or not a diagram.
    #[error("{path}: {msg}")]
    Bad {
        /// The file.
        path: String,
        /// What is wrong.
        msg: String,
    },
}

/// A diagram's parts and wires, before the board is known.
#[derive(Debug, Clone)]
pub struct Diagram {
    /// Its parts.
    pub parts: Vec<RawPart>,
    /// Its connections.
    pub wires: Vec<(String, String)>,
}

impl Diagram {
    /// Reads `text` (`path` names it in errors).
    pub fn parse(path: &str, text: &str) -> Result<Self, DiagramError> {
        let bad = |msg: String| DiagramError::Bad {
            path: path.to_owned(),
            msg,
        };
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
        let obj = v
            .as_object()
            .ok_or_else(|| bad("not a diagram (expected an object)".into()))?;
        let mut parts = Vec::new();
        let list = obj.get("parts").and_then(|p| p.as_array());
        for (i, p) in list.into_iter().flatten().enumerate() {
            let kind = p.get("type").and_then(|t| t.as_str());
            let id = p.get("id").and_then(|t| t.as_str());
            let (Some(kind), Some(id)) = (kind, id) else {
                return Err(bad(format!("part {i} has no \"type\" or \"id\"")));
            };
            let mut attrs = BTreeMap::new();
            if let Some(a) = p.get("attrs").and_then(|a| a.as_object()) {
                for (k, v) in a {
                    let text = match v {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    attrs.insert(k.clone(), text);
                }
            }
            let num = |k: &str| {
                p.get(k)
                    .and_then(serde_json::Value::as_f64)
                    .map(|x| x as f32)
            };
            let at = match (num("left"), num("top")) {
                (Some(l), Some(t)) => Some((l, t)),
                _ => None,
            };
            parts.push(RawPart {
                id: id.to_owned(),
                kind: kind.to_owned(),
                attrs,
                at,
            });
        }
        let mut wires = Vec::new();
        let conns = obj.get("connections").and_then(|c| c.as_array());
        for (i, c) in conns.into_iter().flatten().enumerate() {
            let ends = c.as_array().and_then(|a| {
                Some((
                    a.first()?.as_str()?.to_owned(),
                    a.get(1)?.as_str()?.to_owned(),
                ))
            });
            match ends {
                Some(e) => wires.push(e),
                None => return Err(bad(format!("connection {i} is not [from, to, …]"))),
            }
        }
        Ok(Diagram { parts, wires })
    }

    /// The board its board part asks for (`esp32`, `pico`, `pico-w`).
    pub fn board(&self) -> Option<&'static str> {
        self.parts.iter().find_map(|p| board_of(&p.kind))
    }

    /// The circuit around `board`.
    pub fn circuit(&self, board: &BoardSpec) -> CircuitSpec {
        let mut n = Netlist::new(board);
        for p in &self.parts {
            n.part(p.clone());
        }
        for (a, b) in &self.wires {
            n.wire(a, b);
        }
        n.resolve()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuit::Endpoint;

    #[test]
    fn a_dht_station_on_a_breadboard_resolves_to_nets() {
        let text = r#"{
          "version": 1,
          "parts": [
            { "type": "wokwi-esp32-devkit-v1", "id": "esp", "top": 0, "left": 0, "attrs": {} },
            { "type": "wokwi-breadboard-half", "id": "bb1", "top": 0, "left": 0, "attrs": {} },
            { "type": "wokwi-dht22", "id": "dht1", "top": 0, "left": 0, "attrs": { "temperature": "30.5" } },
            { "type": "wokwi-led", "id": "led1", "top": 0, "left": 0, "attrs": { "color": "green" } },
            { "type": "wokwi-resistor", "id": "r1", "top": 0, "left": 0, "attrs": { "value": "220" } },
            { "type": "wokwi-resistor", "id": "r2", "top": 0, "left": 0, "attrs": { "value": "10000" } },
            { "type": "wokwi-pushbutton", "id": "btn1", "top": 0, "left": 0, "attrs": {} },
            { "type": "wokwi-flux-capacitor", "id": "fc", "top": 0, "left": 0, "attrs": {} }
          ],
          "connections": [
            [ "esp:TX0", "$serialMonitor:RX", "", [] ],
            [ "dht1:SDA", "bb1:10t.a", "green", [] ],
            [ "bb1:10t.c", "esp:D15", "green", [ "v10", "h20" ] ],
            [ "dht1:VCC", "esp:3V3", "red", [] ],
            [ "dht1:GND", "bb1:tn.1", "black", [] ],
            [ "bb1:tn.25", "esp:GND.1", "black", [] ],
            [ "esp:D2", "r1:1", "", [] ],
            [ "r1:2", "led1:A", "", [] ],
            [ "led1:C", "esp:GND.2", "", [] ],
            [ "btn1:1.l", "esp:D4", "", [] ],
            [ "btn1:2.r", "esp:3V3", "", [] ],
            [ "r2:1", "esp:D4", "", [] ],
            [ "r2:2", "esp:GND.1", "", [] ]
          ]
        }"#;
        let d = Diagram::parse("diagram.json", text).unwrap();
        assert_eq!(d.board(), Some("esp32"));
        let spec = crate::find_board("esp32").unwrap().unwrap();
        let c = d.circuit(&spec);
        let dht = c.parts.iter().find(|p| p.id == "dht1").unwrap();
        assert_eq!(dht.pin("SDA"), Endpoint::Gpio(15));
        assert_eq!(dht.pin("VCC"), Endpoint::Vcc);
        assert_eq!(dht.pin("GND"), Endpoint::Gnd);
        assert_eq!(c.leds, vec![("led1".into(), 2, false, "green".into())]);
        let btn = c.parts.iter().find(|p| p.id == "btn1").unwrap();
        assert_eq!(
            (btn.pin("1"), btn.pin("2.l")),
            (Endpoint::Gpio(4), Endpoint::Vcc)
        );
        assert_eq!(c.pulls, vec![(4, false)], "the 10k pulls D4 down");
        assert!(
            c.notes
                .iter()
                .any(|n| n.contains("fc") && n.contains("not simulated")),
            "{:?}",
            c.notes
        );
        assert_eq!(c.notes.len(), 1, "{:?}", c.notes);
    }

    #[test]
    fn bad_diagrams_say_what_is_wrong() {
        assert!(
            Diagram::parse("d.json", "{")
                .unwrap_err()
                .to_string()
                .contains("JSON")
        );
        assert!(Diagram::parse("d.json", r#"{"parts":[{"id":"x"}]}"#).is_err());
        let spec = crate::find_board("pico").unwrap().unwrap();
        let d = Diagram::parse(
            "d.json",
            r#"{"parts":[{"type":"wokwi-pi-pico","id":"pico"},{"type":"wokwi-mpu6050","id":"imu"},
               {"type":"wokwi-ds1307","id":"rtc"}],
               "connections":[["imu:SDA","pico:GP4"],["imu:SCL","pico:GP5"],["rtc:SDA","pico:GP4"],
               ["rtc:SCL","pico:GP5"],["imu:VCC","nothing:1"],["pico:GP99","imu:INT"]]}"#,
        )
        .unwrap();
        let c = d.circuit(&spec);
        let all = c.notes.join("\n");
        assert!(all.contains("imu and rtc: two I2C chips at 0x68"), "{all}");
        assert!(all.contains("no part \"nothing\""), "{all}");
        assert!(all.contains("GP99"), "{all}");
    }
}
