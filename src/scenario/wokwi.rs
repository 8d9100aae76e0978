//! Wokwi's automation scenarios (the YAML `wokwi-cli --scenario` runs), read as wokwi-cli reads
//! them — `name`, `version: 1`, `steps`, each step one command key, unknown keys refused — and
//! turned into our steps: `delay`, `wait-serial`, `write-serial`, `set-control`, `expect-pin`,
//! `take-screenshot`. Like wokwi-cli, a wait has no timeout of its own: the run's `--timeout`
//! bounds the whole scenario, and passing it is its own exit code (42).

use super::run::{Action, DisplayWant, Pattern, Step};
use anyhow::{Result, anyhow, bail};
use mpsim_board_models::circuit::netlist::gpio_of;
use mpsim_board_models::{BoardSpec, CircuitSpec, Endpoint};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: String,
    version: u32,
    #[serde(default)]
    #[allow(dead_code)] // Wokwi's files carry it; nothing here needs it.
    author: Option<String>,
    steps: Vec<WokwiStep>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Written {
    Text(String),
    Bytes(Vec<u8>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Control {
    part_id: String,
    name: Option<String>,
    /// The older spelling of `name`.
    control: Option<String>,
    value: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct PinCheck {
    part_id: String,
    name: Option<String>,
    /// The older spelling of `name`.
    pin: Option<String>,
    value: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Shot {
    part_id: String,
    save_to: Option<String>,
    compare_with: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct WokwiStep {
    name: Option<String>,
    delay: Option<serde_yaml_ng::Value>,
    wait_serial: Option<String>,
    write_serial: Option<Written>,
    set_control: Option<Control>,
    expect_pin: Option<PinCheck>,
    take_screenshot: Option<Shot>,
    expect_chip_output: Option<serde_yaml_ng::Value>,
    touch: Option<serde_yaml_ng::Value>,
    touch_press: Option<serde_yaml_ng::Value>,
    touch_move: Option<serde_yaml_ng::Value>,
    touch_release: Option<serde_yaml_ng::Value>,
}

/// A Wokwi duration: a number and `ns`, `us`, `ms` or `s`, or a bare 0 (µs here).
pub fn duration_us(v: &str) -> Result<u64, String> {
    let t = v.trim();
    if t == "0" {
        return Ok(0);
    }
    let (n, unit) = crate::cli::number_and_unit(t)
        .ok_or_else(|| format!("{v:?} is not a duration (500ms, 2s)"))?;
    let scale = match unit {
        "ns" => 1e-3,
        "us" => 1.0,
        "ms" => 1e3,
        "s" => 1e6,
        "" => return Err(format!("{v:?}: a duration must include units (500ms, 2s)")),
        u => return Err(format!("{v:?}: unknown unit {u:?} (ns, us, ms, s)")),
    };
    let us = n * scale;
    if !us.is_finite() || us > 1e15 {
        return Err(format!("{v:?} is out of range"));
    }
    Ok(us.round() as u64)
}

/// The lines the `steps` list's items start on (for reports).
fn step_lines(text: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    let mut in_steps = false;
    let mut indent = None;
    for (n, l) in text.lines().enumerate() {
        let trimmed = l.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let ind = l.len() - trimmed.len();
        if ind == 0 {
            in_steps = trimmed.starts_with("steps:");
            continue;
        }
        if in_steps && trimmed.starts_with("- ") && indent.is_none_or(|i| i == ind) {
            indent = Some(ind);
            lines.push(n + 1);
        }
    }
    lines
}

/// Where Wokwi's `part-id:name` pin is on the board: the board part's own pin, or a part's pin
/// wired to a board GPIO (an LED's by its GPIO).
fn pin_of(
    spec: &BoardSpec,
    circuit: &CircuitSpec,
    board_part: Option<&str>,
    part: &str,
    name: &str,
) -> Result<u32, String> {
    if Some(part) == board_part {
        return gpio_of(spec, name).ok_or_else(|| format!("{} has no pin {name:?}", spec.id));
    }
    if let Some(p) = circuit.parts.iter().find(|p| p.id == part) {
        return match p.pin(name) {
            Endpoint::Gpio(g) => Ok(g),
            _ => Err(format!("{part}:{name} is not wired to a pin of the board")),
        };
    }
    if let Some(l) = circuit.leds.iter().find(|l| l.0 == part) {
        return Ok(l.1);
    }
    Err(format!("no part {part:?} in the diagram"))
}

/// Reads a Wokwi scenario for the board `spec` in `circuit` (`board_part`: the diagram's board
/// part id); its name and steps.
pub fn load(
    path: &Path,
    spec: &BoardSpec,
    circuit: &CircuitSpec,
    board_part: Option<&str>,
) -> Result<(String, Vec<Step>)> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow!("cannot read {}: {e}", path.display()))?;
    let file: File =
        serde_yaml_ng::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    if file.version != 1 {
        bail!(
            "{}: version {} (Wokwi scenarios are version 1)",
            path.display(),
            file.version
        );
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let lines = step_lines(&text);
    let mut steps = Vec::new();
    for (k, s) in file.steps.iter().enumerate() {
        let line = lines.get(k).copied().unwrap_or(0);
        let err = |m: String| anyhow!("{}:{line}: step {}: {m}", path.display(), k + 1);
        let (label, action) = step(s, spec, circuit, board_part, base).map_err(err)?;
        let label = match &s.name {
            Some(n) => format!("{n:?} ({label})"),
            None => label,
        };
        steps.push(Step {
            line,
            label,
            board: 0,
            timeout: u64::MAX,
            waits: false,
            action,
        });
    }
    Ok((file.name, steps))
}

fn step(
    s: &WokwiStep,
    spec: &BoardSpec,
    circuit: &CircuitSpec,
    board_part: Option<&str>,
    base: &Path,
) -> Result<(String, Action), String> {
    let given = [
        s.delay.is_some(),
        s.wait_serial.is_some(),
        s.write_serial.is_some(),
        s.set_control.is_some(),
        s.expect_pin.is_some(),
        s.take_screenshot.is_some(),
        s.expect_chip_output.is_some(),
        s.touch.is_some() || s.touch_press.is_some(),
        s.touch_move.is_some() || s.touch_release.is_some(),
    ]
    .iter()
    .filter(|g| **g)
    .count();
    if given != 1 {
        return Err("a step has exactly one command".into());
    }
    if let Some(d) = &s.delay {
        let t = match d {
            serde_yaml_ng::Value::String(t) => t.clone(),
            serde_yaml_ng::Value::Number(n) => n.to_string(),
            other => return Err(format!("delay: {other:?} is not a duration")),
        };
        return Ok((format!("delay {t:?}"), Action::Delay(duration_us(&t)?)));
    }
    if let Some(t) = &s.wait_serial {
        if t.is_empty() {
            return Err("wait-serial: the text is empty".into());
        }
        return Ok((
            format!("wait-serial {t:?}"),
            Action::WaitSerial(None, Pattern::Text(t.as_bytes().to_vec())),
        ));
    }
    if let Some(w) = &s.write_serial {
        let bytes = match w {
            Written::Text(t) => t.as_bytes().to_vec(),
            Written::Bytes(b) if b.is_empty() => {
                return Err("write-serial: the list of bytes is empty".into());
            }
            Written::Bytes(b) => b.clone(),
        };
        return Ok((
            format!("write-serial {:?}", String::from_utf8_lossy(&bytes)),
            Action::Write(None, bytes),
        ));
    }
    if let Some(c) = &s.set_control {
        let name = c
            .name
            .clone()
            .or(c.control.clone())
            .ok_or("set-control needs the control's `name`")?;
        if !circuit.parts.iter().any(|p| p.id == c.part_id) {
            return Err(format!(
                "set-control: no part {:?} in the diagram",
                c.part_id
            ));
        }
        if !c.value.is_finite() {
            return Err("set-control: the value is not a number".into());
        }
        return Ok((
            format!("set-control {}.{name}", c.part_id),
            Action::SetControl(c.part_id.clone(), name, c.value, None),
        ));
    }
    if let Some(p) = &s.expect_pin {
        let name = p
            .name
            .clone()
            .or(p.pin.clone())
            .ok_or("expect-pin needs the pin's `name`")?;
        let g = pin_of(spec, circuit, board_part, &p.part_id, &name)?;
        return Ok((
            format!("expect-pin {}:{name}", p.part_id),
            Action::ExpectPin(g, p.value != 0.0),
        ));
    }
    if let Some(sh) = &s.take_screenshot {
        if sh.save_to.is_none() && sh.compare_with.is_none() {
            return Err("take-screenshot needs `save-to` or `compare-with`".into());
        }
        return Ok((
            format!("take-screenshot {}", sh.part_id),
            Action::Screenshot(
                sh.part_id.clone(),
                sh.save_to.as_ref().map(|p| base.join(p)),
                sh.compare_with
                    .as_ref()
                    .map(|p| DisplayWant::Png(base.join(p), 0)),
            ),
        ));
    }
    Err(
        "expect-chip-output and the touch steps are for Wokwi's custom chips and touch screens, \
         which mpsim does not model"
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_units_as_wokwi_cli_says() {
        assert_eq!(duration_us("500ms"), Ok(500_000));
        assert_eq!(duration_us("1.5s"), Ok(1_500_000));
        assert_eq!(duration_us("250us"), Ok(250));
        assert_eq!(duration_us("0"), Ok(0));
        assert!(duration_us("5").unwrap_err().contains("units"));
        assert!(duration_us("5m").is_err());
    }

    #[test]
    fn step_lines_are_the_list_items() {
        let t = "name: x\nversion: 1\nsteps:\n  - delay: 1s\n  # c\n  - wait-serial: 'a'\n  - set-control:\n      part-id: b\n      name: pressed\n      value: 1\n";
        assert_eq!(step_lines(t), vec![4, 6, 7]);
    }
}
