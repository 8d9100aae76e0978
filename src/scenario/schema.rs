//! The scenario file (`*.scenario.toml`), read strictly: an unknown key is an error with its line
//! and column (serde's `deny_unknown_fields`, toml's spans). Each `[[step]]` has exactly one action
//! key and the modifiers that action takes; durations carry their unit (`500ms`, `2s`).

use serde::Deserialize;
use std::time::Duration;

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct File {
    /// Its name in reports (default: the file's name without `.scenario.toml`).
    pub name: Option<String>,
    /// How long each wait may take in simulated time unless the step says (default 10s).
    pub timeout: Option<String>,
    /// The most simulated time the whole scenario may take (default: no limit but the waits').
    pub time_limit: Option<String>,
    /// A guard for the machine: the scenario is abandoned after this much wall time (default 120s).
    pub wall_limit: Option<String>,
    /// A circuit of several boards (a wiring file with `[[board]]` tables, as `mpsim run --wiring`
    /// takes): its boards are the scenario's.
    pub circuit: Option<String>,
    /// The boards, each with its files and its circuit.
    #[serde(default)]
    pub board: Vec<BoardTable>,
    /// What happens, in order.
    #[serde(default)]
    pub step: Vec<toml::Spanned<StepTable>>,
}

/// One `[[board]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BoardTable {
    /// Its name in steps (`board = "..."`) and reports (default `board`).
    pub id: Option<String>,
    /// Board ID or alias (`esp8266`, `pico` …); a project's diagram may name it instead.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// A project folder: its files go on the flash, its `diagram.json` or `wiring.toml` is the circuit.
    pub project: Option<String>,
    /// A folder whose files go on the flash.
    pub files: Option<String>,
    /// A script that goes on the flash as main.py.
    pub main: Option<String>,
    /// The circuit (our TOML, or Wokwi's diagram.json).
    pub wiring: Option<String>,
}

/// One `[[step]]`: one action, its modifiers.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StepTable {
    /// Its name in reports.
    pub name: Option<String>,
    /// The board it acts on (needed when the scenario has several).
    pub board: Option<String>,
    /// How long it may wait, in simulated time.
    pub timeout: Option<String>,

    // Actions.
    /// Text typed on the console (or into `uart`).
    pub write: Option<String>,
    /// Bytes typed on the console (or into `uart`).
    pub write_bytes: Option<Vec<u8>>,
    /// Waits until the console (or `uart`) shows this text.
    pub wait_serial: Option<String>,
    /// Fails if the console shows this text within `for`.
    pub expect_no_serial: Option<String>,
    /// Waits until a pin has `level`, or sees an `edge`.
    pub wait_pin: Option<String>,
    /// The pin has `level` now.
    pub expect_pin: Option<String>,
    /// The outside world drives a pin to `level` (or lets go: `level = "float"`).
    pub set_pin: Option<String>,
    /// An LED (its label or pin) is `on`, or at `brightness`.
    pub expect_led: Option<String>,
    /// `PART.CONTROL` takes `value` (for `hold`, then back to what it was).
    pub set_control: Option<String>,
    /// A button is pressed for `hold` (default 100ms), then released.
    pub press: Option<String>,
    /// What the board's accelerometer feels: x, y, z in milli-g (boards with one).
    pub tilt: Option<Vec<f64>>,
    /// A part's line of state contains `text`.
    pub expect_part: Option<String>,
    /// A display shows `text` (an LCD's rows) or the picture in `png`.
    pub expect_display: Option<String>,
    /// A servo stands at `angle`.
    pub expect_servo: Option<String>,
    /// A buzzer (or `board`: the board's speaker) sounds `hz` (0: silent).
    pub expect_tone: Option<String>,
    /// A file on the flash: `exists`, `contains`, `matches`.
    pub expect_file: Option<String>,
    /// `soft` or `hard`.
    pub reset: Option<String>,
    /// Lets simulated time run.
    pub delay: Option<String>,
    /// Runs code at the REPL (the raw REPL, as mpremote does) and checks what it printed.
    pub exec: Option<String>,

    // Modifiers.
    /// `wait-serial`/`expect-no-serial`/`expect-file matches`: the text is a regular expression.
    pub regex: Option<bool>,
    /// `write`/`wait-serial`: a UART of the board rather than its console.
    pub uart: Option<u32>,
    /// `expect-no-serial`: for how long.
    #[serde(rename = "for")]
    pub span: Option<String>,
    /// A pin's level: 0/1, true/false (`set-pin` also takes "float").
    pub level: Option<toml::Value>,
    /// `wait-pin`: `rising`, `falling` or `any`.
    pub edge: Option<String>,
    /// `expect-led`.
    pub on: Option<bool>,
    /// `expect-led`.
    pub brightness: Option<f64>,
    /// `set-control`.
    pub value: Option<toml::Value>,
    /// `set-control`, `press`.
    pub hold: Option<String>,
    /// `expect-part`, `expect-display` (rows).
    pub text: Option<toml::Value>,
    /// `expect-display`: the expected picture.
    pub png: Option<String>,
    /// `expect-display` (pixels that may differ), `expect-servo` (degrees), `expect-tone` (Hz),
    /// `expect-led` (brightness).
    pub tolerance: Option<f64>,
    /// `expect-servo`.
    pub angle: Option<f64>,
    /// `expect-tone`.
    pub hz: Option<f64>,
    /// `expect-file`.
    pub exists: Option<bool>,
    /// `expect-file`.
    pub contains: Option<String>,
    /// `expect-file`: a regular expression the contents match.
    pub matches: Option<String>,
    /// `exec`: what it prints (trailing blank space aside).
    pub output: Option<String>,
}

/// A duration with its unit (`500ms`, `2s`); a bare number is refused, as Wokwi does.
pub fn duration(what: &str, s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if t.is_empty() || !t.ends_with(|c: char| c.is_alphabetic()) {
        return Err(format!(
            "{what} = {s:?}: a duration needs its unit (500ms, 2s, 1m)"
        ));
    }
    crate::cli::parse_duration(t).map_err(|e| format!("{what}: {e}"))
}

/// The action keys, in the order a report names them.
pub const ACTIONS: &[&str] = &[
    "write",
    "write-bytes",
    "wait-serial",
    "expect-no-serial",
    "wait-pin",
    "expect-pin",
    "set-pin",
    "expect-led",
    "set-control",
    "press",
    "tilt",
    "expect-part",
    "expect-display",
    "expect-servo",
    "expect-tone",
    "expect-file",
    "reset",
    "delay",
    "exec",
];

impl StepTable {
    /// The action keys this step has.
    pub fn actions(&self) -> Vec<&'static str> {
        let has = [
            self.write.is_some(),
            self.write_bytes.is_some(),
            self.wait_serial.is_some(),
            self.expect_no_serial.is_some(),
            self.wait_pin.is_some(),
            self.expect_pin.is_some(),
            self.set_pin.is_some(),
            self.expect_led.is_some(),
            self.set_control.is_some(),
            self.press.is_some(),
            self.tilt.is_some(),
            self.expect_part.is_some(),
            self.expect_display.is_some(),
            self.expect_servo.is_some(),
            self.expect_tone.is_some(),
            self.expect_file.is_some(),
            self.reset.is_some(),
            self.delay.is_some(),
            self.exec.is_some(),
        ];
        ACTIONS
            .iter()
            .zip(has)
            .filter(|(_, h)| *h)
            .map(|(a, _)| *a)
            .collect()
    }

    /// The modifiers given, by their key.
    pub fn modifiers(&self) -> Vec<&'static str> {
        let has = [
            ("regex", self.regex.is_some()),
            ("uart", self.uart.is_some()),
            ("for", self.span.is_some()),
            ("level", self.level.is_some()),
            ("edge", self.edge.is_some()),
            ("on", self.on.is_some()),
            ("brightness", self.brightness.is_some()),
            ("value", self.value.is_some()),
            ("hold", self.hold.is_some()),
            ("text", self.text.is_some()),
            ("png", self.png.is_some()),
            ("tolerance", self.tolerance.is_some()),
            ("angle", self.angle.is_some()),
            ("hz", self.hz.is_some()),
            ("exists", self.exists.is_some()),
            ("contains", self.contains.is_some()),
            ("matches", self.matches.is_some()),
            ("output", self.output.is_some()),
            ("timeout", self.timeout.is_some()),
        ];
        has.iter().filter(|(_, h)| *h).map(|(k, _)| *k).collect()
    }
}

/// The modifiers each action takes.
pub fn allowed(action: &str) -> &'static [&'static str] {
    match action {
        "write" | "write-bytes" => &["uart"],
        "wait-serial" => &["regex", "uart", "timeout"],
        "expect-no-serial" => &["regex", "uart", "for"],
        "wait-pin" => &["level", "edge", "timeout"],
        "expect-pin" | "set-pin" => &["level"],
        "expect-led" => &["on", "brightness", "tolerance"],
        "set-control" => &["value", "hold"],
        "press" => &["hold"],
        "expect-part" => &["text", "timeout"],
        "expect-display" => &["text", "png", "tolerance", "timeout"],
        "expect-servo" => &["angle", "tolerance", "timeout"],
        "expect-tone" => &["hz", "tolerance", "timeout"],
        "expect-file" => &["exists", "contains", "matches"],
        "exec" => &["output", "timeout"],
        _ => &[],
    }
}

/// A 1-based line number of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
