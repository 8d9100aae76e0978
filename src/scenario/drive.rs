//! `mpsim drive`: boards driven step by step from another program (the pytest plugin) over
//! stdin/stdout, one JSON object per line each way (docs/drive-protocol.md). A step is a
//! scenario file's `[[step]]` table written as JSON and runs exactly as it would there, in
//! simulated time; a few requests read the boards back (pins, LEDs, parts, files, the console).

use super::run::{self, Runner, Scenario, Stop};
use super::schema::{self, StepTable};
use anyhow::{Context, Result, anyhow, bail};
use mpsim_board_models::Graphic;
use mpsim_board_models::circuit::netlist::gpio_of;
use mpsim_sim_core::{FsAnswer, FsRequest};
use serde_json::{Value, json};
use std::io::{BufRead, Write};
use std::path::Path;

/// The longest request line read (a file written to the flash travels in one).
const MAX_LINE: usize = 16 << 20;

fn failure(stop: Stop, rig: &crate::rig::Rig) -> Value {
    let (kind, m) = match stop {
        Stop::Fail(m) => ("fail", m),
        Stop::Error(m) => ("error", m),
        Stop::Timeout(m) => ("timeout", m),
        Stop::Sim(m) => ("simulator", m),
    };
    json!({
        "ok": false,
        "kind": kind,
        "message": m,
        "state": run::state_of(rig),
        "time_us": rig.now(),
    })
}

fn error(m: impl std::fmt::Display) -> Value {
    json!({"ok": false, "kind": "error", "message": m.to_string()})
}

/// Which board a request names (the only one when it names none).
fn board_of(req: &Value, r: &Runner) -> Result<usize, Value> {
    match req.get("board").and_then(Value::as_str) {
        Some(id) => r
            .rig
            .boards
            .iter()
            .position(|b| b.id == id)
            .ok_or_else(|| error(format!("no board {id:?}"))),
        None if r.rig.boards.len() == 1 => Ok(0),
        None => Err(error("several boards: name the request's \"board\"")),
    }
}

fn bytes_of(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_u64().and_then(|n| u8::try_from(n).ok()))
            .collect(),
        _ => None,
    }
}

fn handle(req: &Value, r: &mut Runner, sc: &Scenario, setups: &[crate::rig::BoardSetup]) -> Value {
    let Some(obj) = req.as_object() else {
        return error("a request is a JSON object");
    };
    if let Some(step) = obj.get("step") {
        let table: StepTable = match serde_json::from_value(step.clone()) {
            Ok(t) => t,
            Err(e) => return error(format!("step: {e}")),
        };
        let step = match run::compile(&table, setups, sc.default_timeout, &sc.base) {
            Ok(s) => s,
            Err(m) => return error(m),
        };
        r.last_match = None;
        return match r.step(&step) {
            Ok(()) => {
                let mut v = json!({"ok": true, "time_us": r.rig.now()});
                if let Some(m) = r.last_match.take() {
                    v["match"] = Value::String(String::from_utf8_lossy(&m).into_owned());
                }
                v
            }
            Err(stop) => failure(stop, &r.rig),
        };
    }
    if let Err(s) = r.rig.sync() {
        return json!({"ok": false, "kind": "timeout", "message": format!("{s:?}")});
    }
    let i = match board_of(req, r) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let b = &r.rig.boards[i];
    if let Some(name) = obj.get("pin").and_then(Value::as_str) {
        return match gpio_of(&b.spec, name) {
            Some(g) => {
                json!({"ok": true, "gpio": g, "level": b.pins.get(&g).map(|l| u8::from(*l))})
            }
            None => error(format!("{} has no pin {name:?}", b.spec.id)),
        };
    }
    if let Some(name) = obj.get("led").and_then(Value::as_str) {
        return match b.led(name) {
            Some(l) => json!({"ok": true, "name": l.0, "gpio": l.1, "brightness": l.2}),
            None => error(format!("no LED {name:?} on board {}", b.id)),
        };
    }
    if let Some(id) = obj.get("part").and_then(Value::as_str) {
        let snap = match r.rig.snapshot(i) {
            Ok(s) => s,
            Err(e) => return error(e),
        };
        let Some(p) = snap.parts.iter().find(|p| p.id == id) else {
            return error(format!("no part {id:?} on board {}", r.rig.boards[i].id));
        };
        let mut v = json!({
            "ok": true,
            "kind": p.kind,
            "text": p.text,
            "controls": p.controls.iter().map(|c| json!({"name": c.name, "value": c.value})).collect::<Vec<_>>(),
        });
        match &p.graphic {
            Graphic::Angle(a) => v["angle"] = json!(a),
            Graphic::Tone(t) => v["hz"] = json!(t),
            Graphic::Text(rows, light) => {
                v["rows"] = json!(rows);
                v["backlight"] = json!(light);
            }
            Graphic::Lamp(rgb, level) => {
                v["rgb"] = json!(rgb);
                v["brightness"] = json!(level);
            }
            Graphic::Switch(closed) => v["closed"] = json!(closed),
            _ => {}
        }
        if let Some(o) = snap.oleds.iter().find(|o| o.name == id) {
            v["size"] = json!([o.size.0, o.size.1]);
            v["pixels"] = json!(
                o.pixels
                    .chunks(o.size.0.max(1) as usize)
                    .map(|row| row
                        .iter()
                        .map(|&p| if p != 0 { '#' } else { '.' })
                        .collect::<String>())
                    .collect::<Vec<_>>()
            );
        }
        return v;
    }
    if obj.contains_key("console") {
        return json!({"ok": true, "text": String::from_utf8_lossy(&b.console), "time_us": r.rig.now()});
    }
    if let Some(path) = obj.get("read-file").and_then(Value::as_str) {
        return match r.rig.fs(i, FsRequest::Read(path.to_owned())) {
            Ok(FsAnswer::Bytes(data)) => json!({"ok": true, "data": data}),
            Ok(FsAnswer::Failed(e)) => {
                json!({"ok": false, "kind": "fail", "message": format!("{path}: {e}")})
            }
            Ok(other) => error(format!("{other:?}")),
            Err(e) => error(e),
        };
    }
    if let Some(path) = obj.get("write-file").and_then(Value::as_str) {
        let Some(data) = obj.get("data").and_then(bytes_of) else {
            return error("write-file needs \"data\": text or a list of bytes");
        };
        return match r.rig.fs(i, FsRequest::Write(path.to_owned(), data)) {
            Ok(FsAnswer::Done) => json!({"ok": true}),
            Ok(FsAnswer::Failed(e)) => {
                json!({"ok": false, "kind": "fail", "message": format!("{path}: {e}")})
            }
            Ok(other) => error(format!("{other:?}")),
            Err(e) => error(e),
        };
    }
    if obj.contains_key("drain") {
        r.drain(i);
        return json!({"ok": true, "time_us": r.rig.now()});
    }
    if obj.contains_key("now") {
        return json!({"ok": true, "time_us": r.rig.now()});
    }
    error(
        "unknown request (step, pin, led, part, console, drain, read-file, write-file, now, stop)",
    )
}

/// Reads one line of at most [`MAX_LINE`] bytes; None at the end of input.
fn read_line(input: &mut impl BufRead) -> Result<Option<String>> {
    let mut buf = Vec::new();
    let n = std::io::Read::take(&mut *input, MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut buf)
        .context("reading a request")?;
    if n == 0 {
        return Ok(None);
    }
    if buf.len() > MAX_LINE {
        bail!("a request is longer than {MAX_LINE} bytes");
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// `mpsim drive`: returns the exit code (0 after `stop` or the end of input).
pub fn main() -> Result<i32> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut out = std::io::stdout().lock();
    let mut say = |v: Value| -> Result<()> {
        writeln!(out, "{v}")
            .and_then(|()| out.flush())
            .context("writing a reply")
    };
    let Some(first) = read_line(&mut input)? else {
        return Ok(0);
    };
    let start: Value =
        serde_json::from_str(&first).map_err(|e| anyhow!("the first request: {e}"))?;
    let Some(setup) = start.get("start") else {
        say(error(
            "the first request is {\"start\": {…the scenario's boards…}}",
        ))?;
        return Ok(2);
    };
    let file: schema::File = match serde_json::from_value(setup.clone()) {
        Ok(f) => f,
        Err(e) => {
            say(error(format!("start: {e}")))?;
            return Ok(2);
        }
    };
    let base = std::env::current_dir().context("the current folder")?;
    let mut sc = match run::build(Path::new("<drive>"), &file, None, &base, false, None) {
        Ok(s) => s,
        Err(e) => {
            say(error(format!("{e:#}")))?;
            return Ok(2);
        }
    };
    let setups = sc.boards.clone();
    let ids: Vec<String> = setups.iter().map(|b| b.id.clone()).collect();
    let rig = match crate::rig::Rig::start(
        std::mem::take(&mut sc.boards),
        std::mem::take(&mut sc.routes),
        sc.wall_limit,
    ) {
        Ok(r) => r,
        Err(e) => {
            say(json!({"ok": false, "kind": "simulator", "message": format!("{e:#}")}))?;
            return Ok(4);
        }
    };
    let mut r = Runner::new(rig, &sc);
    // The steps the start request carried run first, as in a scenario file.
    let mut early = None;
    for step in &sc.steps {
        if let Err(stop) = r.step(step) {
            early = Some(failure(stop, &r.rig));
            break;
        }
    }
    say(early.unwrap_or_else(|| json!({"ok": true, "boards": ids, "time_us": r.rig.now()})))?;
    while let Some(line) = read_line(&mut input)? {
        if line.trim().is_empty() {
            continue;
        }
        let req: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                say(error(format!("not JSON: {e}")))?;
                continue;
            }
        };
        if req.get("stop").is_some() {
            say(json!({"ok": true, "time_us": r.rig.now()}))?;
            break;
        }
        let reply = handle(&req, &mut r, &sc, &setups);
        say(reply)?;
    }
    r.rig.stop();
    Ok(0)
}
