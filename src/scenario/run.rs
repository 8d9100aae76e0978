//! One scenario: read it, check every step against the boards and circuits it names before any
//! board starts, then run the steps on a [`Rig`] in simulated time and judge each.

use super::schema::{self, BoardTable, StepTable};
use crate::rig::{BoardSetup, BoardState, Rig, Stall};
use anyhow::{Context, Result, anyhow, bail};
use mpsim_board_models::circuit::netlist::gpio_of;
use mpsim_board_models::{BoardSpec, CircuitSpec, Graphic};
use mpsim_sim_core::{FsAnswer, FsRequest, NetConfig, SimCommand};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a wait for text looks for.
#[derive(Debug)]
pub enum Pattern {
    /// These bytes.
    Text(Vec<u8>),
    /// A regular expression.
    Regex(regex::bytes::Regex),
}

impl Pattern {
    fn new(text: &str, regex: bool) -> Result<Pattern, String> {
        if regex {
            regex::bytes::Regex::new(text)
                .map(Pattern::Regex)
                .map_err(|e| format!("{text:?} is not a regular expression: {e}"))
        } else if text.is_empty() {
            Err("the text to wait for is empty".into())
        } else {
            Ok(Pattern::Text(text.as_bytes().to_vec()))
        }
    }

    /// Where it first matches in `hay`: start and end.
    fn find(&self, hay: &[u8]) -> Option<(usize, usize)> {
        match self {
            Pattern::Text(t) => hay
                .windows(t.len())
                .position(|w| w == t.as_slice())
                .map(|p| (p, p + t.len())),
            Pattern::Regex(r) => r.find(hay).map(|m| (m.start(), m.end())),
        }
    }
}

/// What a pin wait waits for.
#[derive(Debug)]
pub enum PinWant {
    /// A level.
    Level(bool),
    /// An edge: rising, falling (both: any).
    Edge(bool, bool),
}

/// What a display should show.
#[derive(Debug)]
pub enum DisplayWant {
    /// An LCD's rows (trailing spaces aside).
    Rows(Vec<String>),
    /// A picture, and how many pixels may differ.
    Png(PathBuf, u64),
}

/// A step's action, checked against the scenario's boards.
#[derive(Debug)]
pub enum Action {
    Write(Option<u32>, Vec<u8>),
    WaitSerial(Option<u32>, Pattern),
    ExpectNoSerial(Option<u32>, Pattern, u64),
    WaitPin(u32, PinWant),
    ExpectPin(u32, bool),
    SetPin(u32, Option<bool>),
    ExpectLed(String, Option<bool>, Option<f64>, f64),
    SetControl(String, String, f64, Option<u64>),
    ExpectPart(String, String),
    ExpectDisplay(String, DisplayWant),
    ExpectServo(String, f64, f64),
    ExpectTone(Option<String>, f64, f64),
    ExpectFile(String, Option<bool>, Option<String>, Option<regex::Regex>),
    Reset(bool),
    Delay(u64),
    Tilt([f64; 3]),
    Exec(String, Option<String>),
    /// Wokwi's take-screenshot: a display's picture saved, and/or compared exactly.
    Screenshot(String, Option<PathBuf>, Option<DisplayWant>),
}

/// One step, ready to run.
#[derive(Debug)]
pub struct Step {
    /// Its line in the file.
    pub line: usize,
    /// How reports name it (`wait-serial "ready"`).
    pub label: String,
    /// The board it acts on.
    pub board: usize,
    /// How long it may wait (simulated µs); a check without its own timeout checks at once.
    pub timeout: u64,
    /// It has a timeout of its own.
    pub waits: bool,
    pub action: Action,
}

/// A scenario ready to run.
pub struct Scenario {
    /// The file, as named on the command line.
    pub path: PathBuf,
    /// Its name in reports.
    pub name: String,
    pub boards: Vec<BoardSetup>,
    pub routes: Vec<crate::multi::Route>,
    pub steps: Vec<Step>,
    /// The most simulated time the scenario may take (µs).
    pub time_limit: Option<u64>,
    pub wall_limit: Duration,
    /// `--update-golden`: pictures a display step names are written, not compared.
    pub update_golden: bool,
    /// A text that fails the scenario whenever the console shows it (`--fail-text`).
    pub fail_text: Option<Vec<u8>>,
    /// How long a wait may take unless its step says (simulated µs).
    pub default_timeout: u64,
    /// The folder the file's paths are relative to.
    pub base: PathBuf,
    /// Folders the boards' images live in, removed with the scenario.
    pub _keep: Vec<tempfile::TempDir>,
}

/// How a scenario ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Pass,
    /// A step failed.
    Fail,
    /// The scenario could not be read or does not fit its boards.
    Error,
    /// The scenario's time limit or the wall-clock guard passed.
    Timeout,
    /// The simulator itself failed (a board process died or crashed).
    SimFailure,
}

/// What a scenario's run tells its report.
pub struct Outcome {
    pub status: Status,
    /// The failure's text (empty when it passed).
    pub message: String,
    /// Simulated time at the end (µs).
    pub sim_us: u64,
    /// Steps run.
    pub steps: usize,
    /// Each board's id and console.
    pub consoles: Vec<(String, Vec<u8>)>,
    /// Each board's displays as PNG files (name, bytes), taken at a failure.
    pub pictures: Vec<(String, Vec<u8>)>,
}

impl Outcome {
    pub fn error(message: String) -> Outcome {
        Outcome {
            status: Status::Error,
            message,
            sim_us: 0,
            steps: 0,
            consoles: Vec::new(),
            pictures: Vec::new(),
        }
    }
}

fn dur(what: &str, s: &Option<String>, default: Duration) -> Result<u64, String> {
    Ok(match s {
        Some(s) => schema::duration(what, s)?,
        None => default,
    }
    .as_micros()
    .try_into()
    .unwrap_or(u64::MAX))
}

/// The default timeout of a wait, in simulated time.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default wall-clock guard of a scenario.
pub const DEFAULT_WALL_LIMIT: Duration = Duration::from_secs(120);

/// Reads `path` and checks it against its boards; `vcd_dir` gets a trace per board.
pub fn load(path: &Path, update_golden: bool, vcd_dir: Option<&Path>) -> Result<Scenario> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file: schema::File = toml::from_str(&text)
        .map_err(|e| anyhow!("{}: {}", path.display(), e.to_string().trim()))?;
    let base = path.parent().unwrap_or(Path::new(".")).to_owned();
    build(path, &file, Some(&text), &base, update_golden, vcd_dir)
}

/// A scenario from its file's contents (`text`, when there is one, gives the steps' lines);
/// paths in it are relative to `base`.
pub fn build(
    path: &Path,
    file: &schema::File,
    text: Option<&str>,
    base: &Path,
    update_golden: bool,
    vcd_dir: Option<&Path>,
) -> Result<Scenario> {
    let base = base.to_owned();
    let name = file.name.clone().unwrap_or_else(|| {
        let f = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        f.strip_suffix(".scenario.toml").unwrap_or(&f).to_owned()
    });
    let err = |line: usize, m: String| anyhow!("{}:{line}: {m}", path.display());
    let default_timeout = dur("timeout", &file.timeout, DEFAULT_TIMEOUT).map_err(|e| err(1, e))?;
    let time_limit = match &file.time_limit {
        Some(_) => {
            Some(dur("time-limit", &file.time_limit, Duration::ZERO).map_err(|e| err(1, e))?)
        }
        None => None,
    };
    let wall_limit = Duration::from_micros(
        dur("wall-limit", &file.wall_limit, DEFAULT_WALL_LIMIT).map_err(|e| err(1, e))?,
    );
    let mut keep = Vec::new();
    let (mut boards, routes) = match (&file.circuit, file.board.is_empty()) {
        (Some(_), false) => bail!(
            "{}: give the boards either as [[board]] tables or as a `circuit` file, not both",
            path.display()
        ),
        (Some(c), true) => circuit_boards(&base.join(c), &mut keep)?,
        (None, true) => bail!(
            "{}: no [[board]] table: which board runs this?",
            path.display()
        ),
        (None, false) => {
            let mut v = Vec::new();
            for b in &file.board {
                v.push(board_of(&base, b, &mut keep).with_context(|| path.display().to_string())?);
            }
            (v, Vec::new())
        }
    };
    for (i, b) in boards.iter().enumerate() {
        if boards[..i].iter().any(|o| o.id == b.id) {
            bail!("{}: two boards are called {:?}", path.display(), b.id);
        }
    }
    if let Some(dir) = vcd_dir {
        for b in &mut boards {
            b.vcd = Some(dir.join(if boards_len_one(file) {
                "trace.vcd".to_owned()
            } else {
                format!("trace-{}.vcd", b.id)
            }));
        }
    }
    let mut steps = Vec::new();
    for s in &file.step {
        let line = text.map_or(0, |t| schema::line_of(t, s.span().start));
        let step =
            compile(s.get_ref(), &boards, default_timeout, &base).map_err(|m| err(line, m))?;
        steps.push(Step { line, ..step });
    }
    Ok(Scenario {
        path: path.to_owned(),
        name,
        boards,
        routes,
        steps,
        time_limit,
        wall_limit,
        update_golden,
        fail_text: None,
        default_timeout,
        base,
        _keep: keep,
    })
}

/// A Wokwi project folder (`diagram.json`, its files) run as wokwi-cli runs it: the steps of
/// the Wokwi scenario `scenario`, or else a wait for `expect_text`.
pub fn load_wokwi(
    project: &Path,
    scenario: Option<&Path>,
    expect_text: Option<&str>,
    vcd: Option<&Path>,
) -> Result<Scenario> {
    let mut keep = Vec::new();
    let table = BoardTable {
        id: None,
        kind: None,
        project: Some(project.display().to_string()),
        files: None,
        main: None,
        wiring: None,
    };
    let mut board = board_of(Path::new(""), &table, &mut keep)?;
    board.vcd = vcd.map(Path::to_owned);
    let diagram = project.join("diagram.json");
    let board_part = std::fs::read_to_string(&diagram)
        .ok()
        .and_then(|t| mpsim_board_models::circuit::wokwi::Diagram::parse("", &t).ok())
        .and_then(|d| {
            d.parts
                .iter()
                .find(|p| mpsim_board_models::circuit::netlist::board_of(&p.kind).is_some())
                .map(|p| p.id.clone())
        });
    let (name, steps, path) = match (scenario, expect_text) {
        (Some(f), _) => {
            let (name, steps) =
                super::wokwi::load(f, &board.spec, &board.circuit, board_part.as_deref())?;
            (name, steps, f.to_owned())
        }
        (None, Some(t)) => {
            if t.is_empty() {
                bail!("--expect-text: the text is empty");
            }
            let step = Step {
                line: 0,
                label: format!("--expect-text {t:?}"),
                board: 0,
                timeout: u64::MAX,
                waits: false,
                action: Action::WaitSerial(None, Pattern::Text(t.as_bytes().to_vec())),
            };
            (
                project.display().to_string(),
                vec![step],
                project.to_owned(),
            )
        }
        (None, None) => bail!(
            "{}: a Wokwi project runs with --scenario FILE or --expect-text TEXT",
            project.display()
        ),
    };
    Ok(Scenario {
        path,
        name,
        boards: vec![board],
        routes: Vec::new(),
        steps,
        time_limit: None,
        wall_limit: DEFAULT_WALL_LIMIT,
        update_golden: false,
        fail_text: None,
        default_timeout: dur("timeout", &None, DEFAULT_TIMEOUT).unwrap_or(u64::MAX),
        base: project.to_owned(),
        _keep: keep,
    })
}

fn boards_len_one(file: &schema::File) -> bool {
    file.circuit.is_none() && file.board.len() == 1
}

/// A board of a `[[board]]` table.
fn board_of(base: &Path, b: &BoardTable, keep: &mut Vec<tempfile::TempDir>) -> Result<BoardSetup> {
    let project_dir = b.project.as_ref().map(|p| base.join(p));
    let wiring = b.wiring.as_ref().map(|w| base.join(w));
    let project = crate::project::Project::load(wiring.as_deref(), project_dir.as_deref())?;
    let kind = b
        .kind
        .as_deref()
        .or(project.board())
        .ok_or_else(|| anyhow!("a [[board]] needs its `type` (esp8266, pico …)"))?;
    let spec = crate::cli::board(kind)?;
    project.check(&spec)?;
    let files = b
        .files
        .as_ref()
        .map(|f| base.join(f))
        .or(project.files.clone());
    let main = match &b.main {
        Some(m) => {
            let p = base.join(m);
            Some(std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?)
        }
        None => None,
    };
    let (tmp, image) = crate::flash::image_with(&spec, files.as_deref(), main.as_deref())?;
    keep.push(tmp);
    let (leds, circuit) = project.circuit(&spec);
    Ok(BoardSetup {
        id: b.id.clone().unwrap_or_else(|| "board".into()),
        net: project.network(NetConfig::default()),
        spec,
        image,
        circuit,
        leds,
        export_pins: Vec::new(),
        vcd: None,
    })
}

/// The boards of a wiring file with `[[board]]` tables, and the routes between them.
fn circuit_boards(
    file: &Path,
    keep: &mut Vec<tempfile::TempDir>,
) -> Result<(Vec<BoardSetup>, Vec<crate::multi::Route>)> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read circuit {}", file.display()))?;
    let wiring = mpsim_board_models::Wiring::parse(&file.display().to_string(), &text)?;
    if wiring.board.is_empty() {
        bail!(
            "{}: a circuit for a scenario names its [[board]]s",
            file.display()
        );
    }
    let base = file.parent().unwrap_or(Path::new("."));
    let mut specs = Vec::new();
    for b in &wiring.board {
        specs.push(crate::cli::board(&b.kind).with_context(|| format!("board {}", b.id))?);
    }
    let (routes, exports) = crate::multi::routes(&wiring, &specs)?;
    let mut boards = Vec::new();
    for (i, b) in wiring.board.iter().enumerate() {
        let spec = specs[i].clone();
        let main = match &b.main {
            Some(m) => {
                let p = base.join(m);
                Some(std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?)
            }
            None => None,
        };
        let folder = b.fs.as_ref().map(|f| base.join(f));
        let (tmp, image) = crate::flash::image_with(&spec, folder.as_deref(), main.as_deref())?;
        keep.push(tmp);
        let circuit = wiring.circuit_of(&b.id, &spec);
        for n in &circuit.notes {
            eprintln!("mpsim: wiring ({}): {n}", b.id);
        }
        boards.push(BoardSetup {
            id: b.id.clone(),
            spec,
            image,
            circuit,
            leds: Vec::new(),
            export_pins: exports[i].clone(),
            net: NetConfig::default(),
            vcd: None,
        });
    }
    Ok((boards, routes))
}

fn level_of(v: &toml::Value, float_ok: bool) -> Result<Option<bool>, String> {
    match v {
        toml::Value::Integer(0) | toml::Value::Boolean(false) => Ok(Some(false)),
        toml::Value::Integer(1) | toml::Value::Boolean(true) => Ok(Some(true)),
        toml::Value::String(s) if float_ok && s == "float" => Ok(None),
        other => Err(format!(
            "level = {other}: a level is 0 or 1{}",
            if float_ok { " (or \"float\")" } else { "" }
        )),
    }
}

fn part_of<'a>(circuit: &'a CircuitSpec, id: &str, board: &str) -> Result<&'a str, String> {
    match circuit.parts.iter().find(|p| p.id == id) {
        Some(p) => Ok(p.kind.as_str()),
        None => {
            let ids: Vec<&str> = circuit.parts.iter().map(|p| p.id.as_str()).collect();
            Err(if ids.is_empty() {
                format!("board {board} has no parts wired to it (no part {id:?})")
            } else {
                format!(
                    "no part {id:?} on board {board} (it has {})",
                    ids.join(", ")
                )
            })
        }
    }
}

fn pin_of(spec: &BoardSpec, name: &str) -> Result<u32, String> {
    gpio_of(spec, name).ok_or_else(|| format!("{} has no pin {name:?}", spec.id))
}

pub fn compile(
    s: &StepTable,
    boards: &[BoardSetup],
    default_timeout: u64,
    base: &Path,
) -> Result<Step, String> {
    let actions = s.actions();
    let action = match actions.as_slice() {
        [a] => *a,
        [] => {
            return Err(format!(
                "a step needs one action ({})",
                schema::ACTIONS.join(", ")
            ));
        }
        many => {
            return Err(format!(
                "a step has one action, this one has {}",
                many.join(" and ")
            ));
        }
    };
    for m in s.modifiers() {
        if !schema::allowed(action).contains(&m) {
            return Err(format!("{action} takes no `{m}`"));
        }
    }
    let board = match &s.board {
        Some(id) => boards.iter().position(|b| &b.id == id).ok_or_else(|| {
            let ids: Vec<&str> = boards.iter().map(|b| b.id.as_str()).collect();
            format!("no board {id:?} (the scenario has {})", ids.join(", "))
        })?,
        None if boards.len() == 1 => 0,
        None => return Err("the scenario has several boards: name this step's `board`".into()),
    };
    let b = &boards[board];
    let timeout = dur("timeout", &s.timeout, Duration::ZERO)?;
    let waits = s.timeout.is_some();
    let timeout = if waits { timeout } else { default_timeout };
    let regex = s.regex.unwrap_or(false);
    let q = |t: &str| format!("{t:?}");
    let (label, act) = match action {
        "write" => {
            let t = s.write.clone().unwrap_or_default();
            (
                format!("write {}", q(&t)),
                Action::Write(s.uart, t.into_bytes()),
            )
        }
        "write-bytes" => {
            let v = s.write_bytes.clone().unwrap_or_default();
            (format!("write-bytes {v:?}"), Action::Write(s.uart, v))
        }
        "wait-serial" => {
            let t = s.wait_serial.clone().unwrap_or_default();
            (
                format!("wait-serial {}", q(&t)),
                Action::WaitSerial(s.uart, Pattern::new(&t, regex)?),
            )
        }
        "expect-no-serial" => {
            let t = s.expect_no_serial.clone().unwrap_or_default();
            let span = dur("for", &s.span, Duration::ZERO)?;
            if s.span.is_none() {
                return Err("expect-no-serial needs `for` (how long to watch)".into());
            }
            (
                format!("expect-no-serial {}", q(&t)),
                Action::ExpectNoSerial(s.uart, Pattern::new(&t, regex)?, span),
            )
        }
        "wait-pin" => {
            let n = s.wait_pin.clone().unwrap_or_default();
            let g = pin_of(&b.spec, &n)?;
            let want = match (&s.level, s.edge.as_deref()) {
                (Some(l), None) => PinWant::Level(level_of(l, false)?.unwrap_or(false)),
                (None, Some("rising")) => PinWant::Edge(true, false),
                (None, Some("falling")) => PinWant::Edge(false, true),
                (None, Some("any")) => PinWant::Edge(true, true),
                (None, Some(e)) => return Err(format!("edge = {e:?}: rising, falling or any")),
                _ => return Err("wait-pin needs a `level` or an `edge`".into()),
            };
            (format!("wait-pin {}", q(&n)), Action::WaitPin(g, want))
        }
        "expect-pin" | "set-pin" => {
            let n = s
                .expect_pin
                .clone()
                .or(s.set_pin.clone())
                .unwrap_or_default();
            let g = pin_of(&b.spec, &n)?;
            let l = s
                .level
                .as_ref()
                .ok_or_else(|| format!("{action} needs a `level`"))?;
            if action == "expect-pin" {
                let l = level_of(l, false)?.unwrap_or(false);
                (format!("expect-pin {}", q(&n)), Action::ExpectPin(g, l))
            } else {
                (
                    format!("set-pin {}", q(&n)),
                    Action::SetPin(g, level_of(l, true)?),
                )
            }
        }
        "expect-led" => {
            let n = s.expect_led.clone().unwrap_or_default();
            if s.on.is_none() && s.brightness.is_none() {
                return Err("expect-led needs `on` or `brightness`".into());
            }
            (
                format!("expect-led {}", q(&n)),
                Action::ExpectLed(n, s.on, s.brightness, s.tolerance.unwrap_or(0.05)),
            )
        }
        "set-control" | "press" => {
            let (part, name, value) = if action == "press" {
                (
                    s.press.clone().unwrap_or_default(),
                    "pressed".to_owned(),
                    1.0,
                )
            } else {
                let t = s.set_control.clone().unwrap_or_default();
                let (p, n) = t
                    .rsplit_once('.')
                    .ok_or_else(|| format!("set-control = {t:?}: PART.CONTROL (btn1.pressed)"))?;
                let v = match &s.value {
                    Some(toml::Value::Integer(i)) => *i as f64,
                    Some(toml::Value::Float(f)) if f.is_finite() => *f,
                    Some(toml::Value::Boolean(b)) => f64::from(u8::from(*b)),
                    Some(toml::Value::String(t)) => {
                        mpsim_board_models::circuit::control_value(t)
                            .ok_or_else(|| format!("value = {t:?} is not a number (or on/off)"))?
                    }
                    Some(other) => return Err(format!("value = {other} is not a number")),
                    None => return Err("set-control needs a `value`".into()),
                };
                (p.to_owned(), n.to_owned(), v)
            };
            part_of(&b.circuit, &part, &b.id)?;
            let hold = match (&s.hold, action) {
                (Some(_), _) => Some(dur("hold", &s.hold, Duration::ZERO)?),
                (None, "press") => Some(100_000),
                _ => None,
            };
            (
                format!(
                    "{action} {}",
                    q(&if action == "press" {
                        part.clone()
                    } else {
                        format!("{part}.{name}")
                    })
                ),
                Action::SetControl(part, name, value, hold),
            )
        }
        "tilt" => {
            let v = s.tilt.clone().unwrap_or_default();
            let [x, y, z] = v[..] else {
                return Err(format!(
                    "tilt = {v:?}: x, y and z in milli-g ([0, 0, -1000])"
                ));
            };
            if b.spec.accelerometer.is_none() {
                return Err(format!("{} has no accelerometer", b.spec.id));
            }
            if !(x.is_finite() && y.is_finite() && z.is_finite()) {
                return Err("tilt: x, y and z are numbers".into());
            }
            (format!("tilt {v:?}"), Action::Tilt([x, y, z]))
        }
        "expect-part" => {
            let p = s.expect_part.clone().unwrap_or_default();
            part_of(&b.circuit, &p, &b.id)?;
            let Some(toml::Value::String(t)) = &s.text else {
                return Err("expect-part needs `text` (what its state line contains)".into());
            };
            (
                format!("expect-part {}", q(&p)),
                Action::ExpectPart(p, t.clone()),
            )
        }
        "expect-display" => {
            let p = s.expect_display.clone().unwrap_or_default();
            part_of(&b.circuit, &p, &b.id)?;
            let want = match (&s.text, &s.png) {
                (Some(toml::Value::Array(rows)), None) => DisplayWant::Rows(
                    rows.iter()
                        .map(|r| r.as_str().map(str::to_owned).ok_or("text rows are strings"))
                        .collect::<Result<_, _>>()?,
                ),
                (Some(toml::Value::String(t)), None) => {
                    DisplayWant::Rows(t.split('\n').map(str::to_owned).collect())
                }
                (None, Some(png)) => {
                    let tol = s.tolerance.unwrap_or(0.0);
                    if !(tol >= 0.0 && tol.fract() == 0.0) {
                        return Err("tolerance for a picture counts pixels (0, 1, 2 …)".into());
                    }
                    DisplayWant::Png(base.join(png), tol as u64)
                }
                _ => return Err("expect-display needs `text` (rows) or `png`".into()),
            };
            (
                format!("expect-display {}", q(&p)),
                Action::ExpectDisplay(p, want),
            )
        }
        "expect-servo" => {
            let p = s.expect_servo.clone().unwrap_or_default();
            part_of(&b.circuit, &p, &b.id)?;
            let a = s.angle.ok_or("expect-servo needs `angle`")?;
            (
                format!("expect-servo {}", q(&p)),
                Action::ExpectServo(p, a, s.tolerance.unwrap_or(1.0)),
            )
        }
        "expect-tone" => {
            let p = s.expect_tone.clone().unwrap_or_default();
            let part = if p == "board" {
                None
            } else {
                part_of(&b.circuit, &p, &b.id)?;
                Some(p.clone())
            };
            let hz = s.hz.ok_or("expect-tone needs `hz` (0: silent)")?;
            (
                format!("expect-tone {}", q(&p)),
                Action::ExpectTone(part, hz, s.tolerance.unwrap_or(1.0)),
            )
        }
        "expect-file" => {
            let p = s.expect_file.clone().unwrap_or_default();
            if !p.starts_with('/') {
                return Err(format!(
                    "expect-file = {p:?}: a path on the board starts with /"
                ));
            }
            let m = match &s.matches {
                Some(r) => Some(
                    regex::Regex::new(r)
                        .map_err(|e| format!("matches = {r:?} is not a regular expression: {e}"))?,
                ),
                None => None,
            };
            (
                format!("expect-file {}", q(&p)),
                Action::ExpectFile(p, s.exists, s.contains.clone(), m),
            )
        }
        "reset" => match s.reset.as_deref() {
            Some("soft") => ("reset \"soft\"".into(), Action::Reset(false)),
            Some("hard") => ("reset \"hard\"".into(), Action::Reset(true)),
            Some(o) => return Err(format!("reset = {o:?}: soft or hard")),
            None => unreachable!("the action key is there"),
        },
        "delay" => {
            let t = s.delay.clone().unwrap_or_default();
            (
                format!("delay {}", q(&t)),
                Action::Delay(dur("delay", &s.delay, Duration::ZERO)?),
            )
        }
        "exec" => {
            let c = s.exec.clone().unwrap_or_default();
            let first = c.lines().next().unwrap_or("");
            (
                format!("exec {}", q(first)),
                Action::Exec(c, s.output.clone()),
            )
        }
        other => return Err(format!("{other}: not an action")),
    };
    let label = match &s.name {
        Some(n) => format!("{n:?} ({label})"),
        None => label,
    };
    Ok(Step {
        line: 0,
        label,
        board,
        timeout,
        waits,
        action: act,
    })
}

/// Why a step failed, or the scenario stopped.
pub(super) enum Stop {
    Fail(String),
    Error(String),
    Timeout(String),
    Sim(String),
}

type StepResult = Result<(), Stop>;

fn stall(s: Stall, rig: &Rig) -> Stop {
    match s {
        Stall::WallClock(late) => Stop::Timeout(format!(
            "the wall-clock guard (wall-limit) passed while {late} had not reached {} of \
             simulated time (a loop that never sleeps nor reads the clock?)",
            us(rig.now())
        )),
        Stall::AllEnded => {
            let why: Vec<String> = rig
                .boards
                .iter()
                .filter_map(|b| {
                    b.ended
                        .as_ref()
                        .map(|o| format!("{}: {:?}", b.id, o.reason))
                })
                .collect();
            let sim = rig.boards.iter().any(|b| {
                matches!(
                    b.ended.as_ref().map(|o| &o.reason),
                    Some(
                        mpsim_sim_core::EndReason::Crashed(_)
                            | mpsim_sim_core::EndReason::BoardDied(_)
                    )
                )
            });
            let m = format!("the board's run ended ({})", why.join(", "));
            if sim { Stop::Sim(m) } else { Stop::Fail(m) }
        }
    }
}

pub(super) struct Runner {
    pub(super) rig: Rig,
    /// How far each wait consumed each board's console (None) or UART.
    cursors: HashMap<(usize, Option<u32>), usize>,
    time_limit: Option<u64>,
    update_golden: bool,
    fail_text: Option<Vec<u8>>,
    /// How much of each console the fail text was looked for in.
    fail_from: Vec<usize>,
    /// What the last `wait-serial` matched, or what the last `exec` printed.
    pub(super) last_match: Option<Vec<u8>>,
}

fn us(t: u64) -> String {
    format!("{}.{:03} s", t / 1_000_000, (t % 1_000_000) / 1000)
}

impl Runner {
    /// Board `i`'s output so far counts as read: later waits see only what comes after it.
    pub(super) fn drain(&mut self, i: usize) {
        let b = &self.rig.boards[i];
        self.cursors.insert((i, None), b.console.len());
        for (id, bytes) in &b.uarts {
            self.cursors.insert((i, Some(*id)), bytes.len());
        }
    }

    pub(super) fn new(rig: Rig, sc: &Scenario) -> Runner {
        Runner {
            rig,
            cursors: HashMap::new(),
            time_limit: sc.time_limit,
            update_golden: sc.update_golden,
            fail_text: sc.fail_text.clone(),
            fail_from: Vec::new(),
            last_match: None,
        }
    }

    /// Runs until `done` says so or `deadline` (simulated µs) passes; true if done.
    fn until(
        &mut self,
        deadline: u64,
        mut done: impl FnMut(&mut Rig) -> bool,
    ) -> Result<bool, Stop> {
        loop {
            if let Some(f) = &self.fail_text
                && self.rig.boards.iter().enumerate().any(|(k, b)| {
                    // Only what came since the last look (and the text's length before it).
                    let from = self.fail_from.get(k).copied().unwrap_or(0);
                    let from = from.saturating_sub(f.len()).min(b.console.len());
                    b.console[from..]
                        .windows(f.len())
                        .any(|w| w == f.as_slice())
                })
            {
                return Err(Stop::Fail(format!(
                    "the console showed the fail text {:?}",
                    String::from_utf8_lossy(f)
                )));
            }
            self.fail_from = self.rig.boards.iter().map(|b| b.console.len()).collect();
            if done(&mut self.rig) {
                return Ok(true);
            }
            if self.rig.now() >= deadline {
                return Ok(false);
            }
            if let Some(l) = self.time_limit
                && self.rig.now() >= l
            {
                return Err(Stop::Timeout(format!(
                    "the scenario's time-limit ({}) passed",
                    us(l)
                )));
            }
            let limit = self.time_limit.map_or(deadline, |l| deadline.min(l));
            if let Err(s) = self.rig.step(limit) {
                return Err(stall(s, &self.rig));
            }
        }
    }

    fn stream(b: &BoardState, uart: Option<u32>) -> &[u8] {
        match uart {
            None => &b.console,
            Some(id) => b.uarts.get(&id).map_or(&[][..], |v| v.as_slice()),
        }
    }

    fn wait_text(
        &mut self,
        board: usize,
        uart: Option<u32>,
        pat: &Pattern,
        timeout: u64,
    ) -> Result<Option<Vec<u8>>, Stop> {
        let key = (board, uart);
        let start = *self.cursors.get(&key).unwrap_or(&0);
        let deadline = self.rig.now().saturating_add(timeout);
        let mut found = None;
        self.until(deadline, |rig| {
            let hay = Self::stream(&rig.boards[board], uart);
            match pat.find(&hay[start.min(hay.len())..]) {
                Some((a, e)) => {
                    found = Some((start + a, start + e));
                    true
                }
                None => false,
            }
        })?;
        Ok(found.map(|(a, e)| {
            self.cursors.insert(key, e);
            Self::stream(&self.rig.boards[board], uart)[a..e].to_vec()
        }))
    }

    pub(super) fn step(&mut self, step: &Step) -> StepResult {
        self.rig.sync().map_err(|s| stall(s, &self.rig))?;
        let i = step.board;
        let now = self.rig.now();
        let fail = |m: String| Err(Stop::Fail(m));
        match &step.action {
            Action::Write(None, bytes) => self.rig.send(i, SimCommand::SerialIn(bytes.clone())),
            Action::Write(Some(u), bytes) => {
                if !self.rig.boards[i].spec.uarts.iter().any(|x| x.id == *u) {
                    return Err(Stop::Error(format!(
                        "{} has no UART {u}",
                        self.rig.boards[i].spec.id
                    )));
                }
                self.rig.send(
                    i,
                    SimCommand::UartIn {
                        id: *u,
                        bytes: bytes.clone(),
                    },
                )
            }
            Action::WaitSerial(uart, pat) => {
                self.last_match = self.wait_text(i, *uart, pat, step.timeout)?;
                if self.last_match.is_none() {
                    return fail(format!(
                        "waited {} of simulated time for {}; it did not come",
                        us(step.timeout),
                        describe(pat)
                    ));
                }
            }
            Action::ExpectNoSerial(uart, pat, span) => {
                // What no wait took yet, and what comes during the span.
                let from = *self.cursors.get(&(i, *uart)).unwrap_or(&0);
                let mut seen = false;
                let deadline = now.saturating_add(*span);
                self.until(deadline, |rig| {
                    let hay = Self::stream(&rig.boards[i], *uart);
                    seen = pat.find(&hay[from.min(hay.len())..]).is_some();
                    seen
                })?;
                if seen {
                    return fail(format!("{} appeared within {}", describe(pat), us(*span)));
                }
            }
            Action::WaitPin(g, want) => {
                let (r0, f0) = *self.rig.boards[i].edges.get(g).unwrap_or(&(0, 0));
                let deadline = now.saturating_add(step.timeout);
                let ok = self.until(deadline, |rig| {
                    let b = &rig.boards[i];
                    match want {
                        PinWant::Level(l) => b.pins.get(g) == Some(l),
                        PinWant::Edge(rise, fall) => {
                            let (r, f) = *b.edges.get(g).unwrap_or(&(0, 0));
                            (*rise && r > r0) || (*fall && f > f0)
                        }
                    }
                })?;
                if !ok {
                    let what = match want {
                        PinWant::Level(l) => format!("level {}", u8::from(*l)),
                        PinWant::Edge(true, false) => "a rising edge".into(),
                        PinWant::Edge(false, true) => "a falling edge".into(),
                        PinWant::Edge(..) => "an edge".into(),
                    };
                    return fail(format!(
                        "waited {} of simulated time for {what} on GPIO{g}; it stayed at {}",
                        us(step.timeout),
                        self.rig.boards[i]
                            .pins
                            .get(g)
                            .map_or("?".into(), |l| u8::from(*l).to_string())
                    ));
                }
            }
            Action::ExpectPin(g, l) => {
                let got = self.rig.boards[i].pins.get(g).copied();
                if got != Some(*l) {
                    return fail(format!(
                        "GPIO{g} is at {}, expected {}",
                        got.map_or("?".into(), |v| u8::from(v).to_string()),
                        u8::from(*l)
                    ));
                }
            }
            Action::SetPin(g, level) => self.rig.send(
                i,
                SimCommand::SetPin {
                    gpio: *g,
                    level: *level,
                },
            ),
            Action::ExpectLed(name, on, brightness, tol) => {
                let b = &self.rig.boards[i];
                let Some(led) = b.led(name) else {
                    let names: Vec<String> = b
                        .leds
                        .iter()
                        .map(|l| format!("{} (GPIO{})", l.0, l.1))
                        .collect();
                    return Err(Stop::Error(format!(
                        "no LED {name:?} on board {} (it has {})",
                        b.id,
                        listed(&names)
                    )));
                };
                let v = led.2;
                if let Some(on) = on
                    && (v > 0.0) != *on
                {
                    return fail(format!(
                        "LED {} is {} (brightness {v:.2}), expected {}",
                        led.0,
                        if v > 0.0 { "on" } else { "off" },
                        if *on { "on" } else { "off" }
                    ));
                }
                if let Some(want) = brightness
                    && (v - want).abs() > *tol
                {
                    return fail(format!(
                        "LED {} has brightness {v:.2}, expected {want:.2} ± {tol}",
                        led.0
                    ));
                }
            }
            Action::SetControl(part, name, value, hold) => {
                let snap = self.snapshot(i)?;
                let Some(view) = snap.parts.iter().find(|p| &p.id == part) else {
                    return Err(Stop::Error(format!("no part {part:?}")));
                };
                let Some(c) = view.controls.iter().find(|c| &c.name == name) else {
                    let names: Vec<&str> = view.controls.iter().map(|c| c.name.as_str()).collect();
                    return Err(Stop::Error(format!(
                        "{part} ({}) has no control {name:?} (it has {})",
                        view.kind,
                        listed(&names)
                    )));
                };
                let before = c.value;
                self.rig.send(
                    i,
                    SimCommand::SetControl {
                        part: part.clone(),
                        name: name.clone(),
                        value: *value,
                    },
                );
                if let Some(h) = hold {
                    self.until(now.saturating_add(*h), |_| false)?;
                    self.rig.send(
                        i,
                        SimCommand::SetControl {
                            part: part.clone(),
                            name: name.clone(),
                            value: before,
                        },
                    );
                }
            }
            Action::ExpectPart(part, text) => {
                let mut last = String::new();
                let ok = self.check_until(step, |rig| {
                    let t = rig.boards[i]
                        .parts
                        .iter()
                        .find(|p| &p.0 == part)
                        .map(|p| p.2.clone());
                    last = t.unwrap_or_default();
                    Ok(last.contains(text.as_str()))
                })?;
                if !ok {
                    return fail(format!(
                        "{part} shows {last:?}, expected it to contain {text:?}"
                    ));
                }
            }
            Action::ExpectDisplay(part, want) => self.expect_display(step, part, want)?,
            Action::ExpectServo(part, angle, tol) => {
                let mut got = None;
                let ok = self.check_until(step, |rig| {
                    let s = rig.snapshot(i).map_err(|e| Stop::Sim(e.to_string()))?;
                    got = s
                        .parts
                        .iter()
                        .find(|p| &p.id == part)
                        .and_then(|p| match p.graphic {
                            Graphic::Angle(a) => Some(a),
                            _ => None,
                        });
                    Ok(got.is_some_and(|a| (a - angle).abs() <= *tol))
                })?;
                if !ok {
                    return match got {
                        Some(a) => fail(format!(
                            "{part} stands at {a:.1}°, expected {angle}° ± {tol}"
                        )),
                        None => Err(Stop::Error(format!("{part} is not a servo"))),
                    };
                }
            }
            Action::ExpectTone(part, hz, tol) => {
                let mut got: Option<Option<u32>> = None;
                let ok = self.check_until(step, |rig| {
                    let s = rig.snapshot(i).map_err(|e| Stop::Sim(e.to_string()))?;
                    got = match part {
                        None => Some(s.tone),
                        Some(p) => {
                            s.parts
                                .iter()
                                .find(|v| &v.id == p)
                                .and_then(|v| match v.graphic {
                                    Graphic::Tone(t) => Some(t),
                                    _ => None,
                                })
                        }
                    };
                    Ok(got.is_some_and(|t| (f64::from(t.unwrap_or(0)) - hz).abs() <= *tol))
                })?;
                if !ok {
                    let what = part.as_deref().unwrap_or("the board's speaker");
                    return match got {
                        Some(Some(t)) => {
                            fail(format!("{what} sounds {t} Hz, expected {hz} Hz ± {tol}"))
                        }
                        Some(None) => fail(format!("{what} is silent, expected {hz} Hz")),
                        None => Err(Stop::Error(format!("{what} makes no sound"))),
                    };
                }
            }
            Action::ExpectFile(path, exists, contains, matches) => {
                let a = self
                    .rig
                    .fs(i, FsRequest::Read(path.clone()))
                    .map_err(|e| Stop::Sim(e.to_string()))?;
                match (a, exists) {
                    (FsAnswer::Bytes(_), Some(false)) => {
                        return fail(format!("{path} exists on the flash"));
                    }
                    (FsAnswer::Failed(_), Some(false)) => {}
                    (FsAnswer::Failed(e), _) => {
                        return fail(format!("{path} cannot be read on the flash: {e}"));
                    }
                    (FsAnswer::Bytes(b), _) => {
                        let text = String::from_utf8_lossy(&b);
                        if let Some(c) = contains
                            && !text.contains(c.as_str())
                        {
                            return fail(format!(
                                "{path} does not contain {c:?}; it holds {} bytes: {:?}",
                                b.len(),
                                clip(&text, 200)
                            ));
                        }
                        if let Some(m) = matches
                            && !m.is_match(&text)
                        {
                            return fail(format!(
                                "{path} does not match /{}/; it holds {:?}",
                                m.as_str(),
                                clip(&text, 200)
                            ));
                        }
                    }
                    (other, _) => return Err(Stop::Sim(format!("unexpected answer {other:?}"))),
                }
            }
            Action::Reset(hard) => self.rig.send(i, SimCommand::Reset { hard: *hard }),
            Action::Tilt(mg) => self.rig.send(i, SimCommand::SetAccel { mg: *mg }),
            Action::Delay(d) => {
                self.until(now.saturating_add(*d), |_| false)?;
            }
            Action::Exec(code, output) => self.exec(step, code, output.as_deref())?,
            Action::Screenshot(part, save, compare) => {
                if let Some(path) = save {
                    let s = self.snapshot(i)?;
                    match display_graphic(&s, part) {
                        Some(Graphic::Pixels(w, h, px)) => super::png::write(path, w, h, &px)
                            .map_err(|e| Stop::Error(format!("{}: {e}", path.display())))?,
                        _ => return Err(Stop::Error(format!("{part} shows no pixels"))),
                    }
                }
                if let Some(want) = compare {
                    self.expect_display(step, part, want)?;
                }
            }
        }
        Ok(())
    }

    fn snapshot(&mut self, i: usize) -> Result<Box<mpsim_board_models::Snapshot>, Stop> {
        self.rig.snapshot(i).map_err(|e| Stop::Sim(e.to_string()))
    }

    /// A check made now, or (with a timeout of the step's own) until it holds.
    fn check_until(
        &mut self,
        step: &Step,
        mut check: impl FnMut(&mut Rig) -> Result<bool, Stop>,
    ) -> Result<bool, Stop> {
        let deadline = if step.waits {
            self.rig.now().saturating_add(step.timeout)
        } else {
            self.rig.now()
        };
        let mut err = None;
        let ok = self.until(deadline, |rig| match check(rig) {
            Ok(v) => v,
            Err(e) => {
                err = Some(e);
                true
            }
        })?;
        match err {
            Some(e) => Err(e),
            None => Ok(ok),
        }
    }

    fn expect_display(&mut self, step: &Step, part: &str, want: &DisplayWant) -> StepResult {
        let i = step.board;
        let expected = match want {
            DisplayWant::Png(path, _) if !self.update_golden => Some(
                super::png::read(path)
                    .map_err(|e| Stop::Error(format!("{}: {e}", path.display())))?,
            ),
            _ => None,
        };
        let mut last: Option<Graphic> = None;
        let mut diff = 0u64;
        let ok = self.check_until(step, |rig| {
            let s = rig.snapshot(i).map_err(|e| Stop::Sim(e.to_string()))?;
            last = display_graphic(&s, part);
            Ok(match (want, &last, &expected) {
                (DisplayWant::Rows(rows), Some(Graphic::Text(got, _)), _) => {
                    got.len() >= rows.len()
                        && rows
                            .iter()
                            .zip(got)
                            .all(|(w, g)| g.trim_end() == w.trim_end())
                }
                (DisplayWant::Png(_, tol), Some(Graphic::Pixels(w, h, px)), Some(exp)) => {
                    diff = super::png::differ(exp, *w, *h, px);
                    diff <= *tol
                }
                _ => false,
            })
        })?;
        if let (DisplayWant::Png(path, _), true) = (want, self.update_golden) {
            return match &last {
                Some(Graphic::Pixels(w, h, px)) => super::png::write(path, *w, *h, px)
                    .map_err(|e| Stop::Error(format!("{}: {e}", path.display()))),
                _ => Err(Stop::Error(format!("{part} shows no pixels"))),
            };
        }
        if ok {
            return Ok(());
        }
        Err(match (want, last) {
            (DisplayWant::Rows(rows), Some(Graphic::Text(got, _))) => {
                Stop::Fail(format!("{part} shows {got:?}, expected {rows:?}"))
            }
            (DisplayWant::Png(path, tol), Some(Graphic::Pixels(w, h, _))) => match &expected {
                Some(e) if (e.0, e.1) != (w, h) => Stop::Fail(format!(
                    "{part} is {w}x{h}, {} is {}x{}",
                    path.display(),
                    e.0,
                    e.1
                )),
                _ => Stop::Fail(format!(
                    "{part} differs from {} in {diff} pixels (tolerance {tol})",
                    path.display()
                )),
            },
            (DisplayWant::Rows(_), _) => Stop::Error(format!("{part} shows no text (not an LCD)")),
            (DisplayWant::Png(..), _) => {
                Stop::Error(format!("{part} shows no pixels (not a pixel display)"))
            }
        })
    }

    /// Code through the raw REPL, as mpremote's `exec` sends it.
    fn exec(&mut self, step: &Step, code: &str, output: Option<&str>) -> StepResult {
        let i = step.board;
        let timeout = step.timeout;
        let want = |runner: &mut Runner, text: &str| -> Result<Vec<u8>, Stop> {
            let pat = Pattern::Text(text.as_bytes().to_vec());
            let key = (i, None);
            let start = *runner.cursors.get(&key).unwrap_or(&0);
            match runner.wait_text(i, None, &pat, timeout)? {
                Some(_) => {
                    let end = runner.cursors[&key];
                    Ok(runner.rig.boards[i].console[start..end].to_vec())
                }
                None => Err(Stop::Fail(format!(
                    "the raw REPL did not answer with {text:?} within {}",
                    us(timeout)
                ))),
            }
        };
        self.rig
            .send(i, SimCommand::SerialIn(b"\r\x03\x03".to_vec()));
        self.until(self.rig.now() + 2 * crate::multi::QUANTUM_US, |_| false)?;
        self.rig.send(i, SimCommand::SerialIn(b"\r\x01".to_vec()));
        want(self, "raw REPL; CTRL-B to exit\n>")?;
        let mut bytes = code.as_bytes().to_vec();
        bytes.push(0x04);
        self.rig.send(i, SimCommand::SerialIn(bytes));
        want(self, "OK")?;
        let out = want(self, "\x04")?;
        let err = want(self, "\x04")?;
        want(self, ">")?;
        self.rig.send(i, SimCommand::SerialIn(b"\x02".to_vec()));
        want(self, ">>> ")?;
        let out = String::from_utf8_lossy(&out[..out.len() - 1]).into_owned();
        let err = String::from_utf8_lossy(&err[..err.len() - 1]).into_owned();
        if !err.is_empty() {
            return Err(Stop::Fail(format!("the code raised:\n{}", err.trim_end())));
        }
        self.last_match = Some(out.clone().into_bytes());
        if let Some(w) = output
            && out.trim_end() != w.trim_end()
        {
            return Err(Stop::Fail(format!(
                "it printed {:?}, expected {:?}",
                out.trim_end(),
                w.trim_end()
            )));
        }
        Ok(())
    }
}

fn display_graphic(s: &mpsim_board_models::Snapshot, part: &str) -> Option<Graphic> {
    if let Some(o) = s.oleds.iter().find(|o| o.name == part) {
        let px = o
            .pixels
            .iter()
            .map(|&p| {
                if p != 0 && o.on {
                    [255, 255, 255]
                } else {
                    [0, 0, 0]
                }
            })
            .collect();
        return Some(Graphic::Pixels(o.size.0, o.size.1, px));
    }
    s.parts
        .iter()
        .find(|p| p.id == part)
        .map(|p| p.graphic.clone())
}

/// Names in a message: "a, b", or "none".
fn listed<S: AsRef<str>>(names: &[S]) -> String {
    if names.is_empty() {
        return "none".into();
    }
    names
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe(p: &Pattern) -> String {
    match p {
        Pattern::Text(t) => format!("{:?}", String::from_utf8_lossy(t)),
        Pattern::Regex(r) => format!("/{}/", r.as_str()),
    }
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        s.chars().take(n).collect::<String>() + "…"
    }
}

/// The state of the boards for a failure report.
pub(super) fn state_of(rig: &Rig) -> String {
    let mut out = String::new();
    for b in &rig.boards {
        let several = rig.boards.len() > 1;
        let tag = if several {
            format!(" ({})", b.id)
        } else {
            String::new()
        };
        let lines: Vec<&[u8]> = b.console.split(|&c| c == b'\n').collect();
        let from = lines.len().saturating_sub(20);
        out.push_str(&format!(
            "  console{tag}, last {} lines:\n",
            lines.len() - from
        ));
        for l in &lines[from..] {
            out.push_str("    | ");
            out.push_str(&printable(l));
            out.push('\n');
        }
        let pins: Vec<String> = b
            .pins
            .iter()
            .map(|(g, l)| {
                let n = b
                    .pin_names
                    .get(g)
                    .and_then(|n| n.first())
                    .cloned()
                    .unwrap_or_else(|| format!("GPIO{g}"));
                format!("{n}={}", u8::from(*l))
            })
            .collect();
        out.push_str(&format!("  pins{tag}: {}\n", pins.join(" ")));
        if !b.leds.is_empty() {
            let leds: Vec<String> = b
                .leds
                .iter()
                .map(|l| format!("{}={:.2}", l.0, l.2))
                .collect();
            out.push_str(&format!("  leds{tag}: {}\n", leds.join(" ")));
        }
        for p in &b.parts {
            out.push_str(&format!("  part{tag} {} ({}): {}\n", p.0, p.1, p.2));
        }
    }
    out
}

/// Text as a report shows it: control characters as `\xNN`.
pub fn printable(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let mut o = String::new();
    for c in s.chars() {
        if (c.is_control() && c != '\t') || c == '\u{fffd}' {
            o.push_str(&format!("\\x{:02x}", u32::from(c) & 0xff));
        } else {
            o.push(c);
        }
    }
    o
}

/// Runs a loaded scenario.
pub fn run(mut sc: Scenario, artifacts: Option<&Path>) -> Outcome {
    let boards = std::mem::take(&mut sc.boards);
    let ids: Vec<String> = boards.iter().map(|b| b.id.clone()).collect();
    let rig = match Rig::start(boards, std::mem::take(&mut sc.routes), sc.wall_limit) {
        Ok(r) => r,
        Err(e) => {
            return Outcome {
                status: Status::SimFailure,
                message: format!("{}: the boards did not start: {e:#}", sc.path.display()),
                ..Outcome::error(String::new())
            };
        }
    };
    let mut r = Runner::new(rig, &sc);
    let mut status = Status::Pass;
    let mut message = String::new();
    let mut ran = 0;
    for (k, step) in sc.steps.iter().enumerate() {
        ran = k + 1;
        if let Err(stop) = r.step(step) {
            let (st, why) = match stop {
                Stop::Fail(m) => (Status::Fail, m),
                Stop::Error(m) => (Status::Error, m),
                Stop::Timeout(m) => (Status::Timeout, m),
                Stop::Sim(m) => (Status::SimFailure, m),
            };
            status = st;
            let on = if ids.len() > 1 {
                format!(" on board {}", ids[step.board])
            } else {
                String::new()
            };
            let at = match step.line {
                0 => sc.path.display().to_string(),
                n => format!("{}:{n}", sc.path.display()),
            };
            message = format!(
                "{at}: step {} ({}){on}\n  at {} simulated: {}\n{}",
                k + 1,
                step.label,
                us(r.rig.now()),
                why.replace('\n', "\n    "),
                state_of(&r.rig)
            );
            break;
        }
    }
    let mut pictures = Vec::new();
    if status != Status::Pass && artifacts.is_some() {
        for i in 0..r.rig.boards.len() {
            if r.rig.boards[i].ended.is_some() {
                continue;
            }
            if let Ok(s) = r.rig.snapshot(i) {
                let names: Vec<String> = s
                    .oleds
                    .iter()
                    .map(|o| o.name.clone())
                    .chain(s.parts.iter().map(|p| p.id.clone()))
                    .collect();
                for n in names {
                    if let Some(Graphic::Pixels(w, h, px)) = display_graphic(&s, &n)
                        && let Ok(bytes) = super::png::encode(w, h, &px)
                    {
                        let name = if ids.len() > 1 {
                            format!("{}-{n}.png", ids[i])
                        } else {
                            format!("{n}.png")
                        };
                        if !pictures.iter().any(|(p, _)| p == &name) {
                            pictures.push((name, bytes));
                        }
                    }
                }
            }
        }
    }
    let sim_us = r.rig.now();
    let consoles = r
        .rig
        .boards
        .iter()
        .map(|b| (b.id.clone(), b.console.clone()))
        .collect();
    r.rig.stop();
    Outcome {
        status,
        message,
        sim_us,
        steps: ran,
        consoles,
        pictures,
    }
}
