//! How a board is drawn: `board-models/boards/<BOARD_ID>/drawing.toml` (pads, parts, LED and
//! button positions), beside the board's data. The pins themselves, their names and capabilities
//! come from the board data; a new board needs a drawing file, no drawing code.

use serde::Deserialize;
use std::collections::BTreeMap;

/// A board drawing.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// Shown under the drawing.
    pub title: String,
    /// Size in points.
    pub width: f32,
    /// Size in points.
    pub height: f32,
    /// Board colour, `#rrggbb`.
    pub pcb: String,
    /// The pin headers.
    pub header: Header,
    /// What non-pin pads are.
    #[serde(default)]
    pub descriptions: BTreeMap<String, String>,
    /// Parts drawn as labelled rectangles.
    #[serde(default)]
    pub parts: Vec<Part>,
    /// Where the board's LEDs sit.
    #[serde(default)]
    pub leds: Vec<LedPos>,
    /// Where the board's buttons sit.
    #[serde(default)]
    pub buttons: Vec<ButtonPos>,
    /// Where the LED matrix sits (boards with a display).
    #[serde(default)]
    pub matrix: Option<MatrixPos>,
}

/// The LED matrix: the centre of its top-left LED and the distance between LEDs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixPos {
    /// Centre of the top-left LED.
    pub x: f32,
    /// Centre of the top-left LED.
    pub y: f32,
    /// Distance between two LEDs.
    pub pitch: f32,
}

/// Two rows of pads down the long sides.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// y of the first pad.
    pub top: f32,
    /// Distance between pads.
    pub pitch: f32,
    /// x of the left row.
    pub left_x: f32,
    /// x of the right row.
    pub right_x: f32,
    /// Silk-screen labels, top first.
    pub left: Vec<String>,
    /// Silk-screen labels, top first.
    pub right: Vec<String>,
}

/// A labelled rectangle.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// Text.
    pub label: String,
    /// Position and size.
    pub x: f32,
    /// Position and size.
    pub y: f32,
    /// Position and size.
    pub w: f32,
    /// Position and size.
    pub h: f32,
    /// `#rrggbb`.
    pub color: String,
}

/// An LED of the board (by its GPIO).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedPos {
    /// GPIO.
    pub pin: u32,
    /// Centre.
    pub x: f32,
    /// Centre.
    pub y: f32,
}

/// A push button.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ButtonPos {
    /// The board data's button name, or any name for a reset button.
    pub name: String,
    /// Centre.
    pub x: f32,
    /// Centre.
    pub y: f32,
    /// Resets the chip instead of driving a pin.
    #[serde(default)]
    pub reset: bool,
}

/// The layout of `board_id`.
pub fn load(board_id: &str) -> Result<Layout, String> {
    let text = mpsim_board_models::drawing(board_id)
        .ok_or_else(|| format!("no drawing for board {board_id}"))?;
    toml::from_str(text).map_err(|e| format!("layout of {board_id}: {e}"))
}

/// The board IDs that have a drawing.
pub fn boards() -> impl Iterator<Item = &'static str> {
    mpsim_board_models::board_ids()
}

/// `#rrggbb` as RGB (grey when malformed; the layout test rejects that).
pub fn rgb(hex: &str) -> Option<[u8; 3]> {
    let h = hex.strip_prefix('#')?;
    if h.len() != 6 {
        return None;
    }
    let v = u32::from_str_radix(h, 16).ok()?;
    Some([(v >> 16) as u8, (v >> 8) as u8, v as u8])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every layout parses and agrees with its board's data: pad labels that look like pin names
    /// exist, LEDs and buttons are the board's, colours are valid.
    #[test]
    fn layouts_match_board_data() {
        for id in boards() {
            let l = load(id).unwrap();
            let spec = mpsim_board_models::find_board(id).unwrap().unwrap();
            for pad in l.header.left.iter().chain(&l.header.right) {
                let known = spec.pin_names.iter().any(|(n, _)| n == pad)
                    || l.descriptions.contains_key(pad);
                assert!(known, "{id}: pad {pad} is neither a pin nor described");
            }
            for led in &l.leds {
                assert!(
                    spec.leds.iter().any(|s| s.pin == led.pin),
                    "{id}: LED {}",
                    led.pin
                );
            }
            for b in &l.buttons {
                assert!(
                    b.reset || spec.buttons.iter().any(|s| s.name == b.name),
                    "{id}: button {}",
                    b.name
                );
            }
            assert_eq!(
                l.matrix.is_some(),
                spec.display.is_some(),
                "{id}: a display needs a place in the drawing"
            );
            assert!(rgb(&l.pcb).is_some());
            for p in &l.parts {
                assert!(rgb(&p.color).is_some(), "{id}: part {}", p.label);
            }
        }
    }
}
