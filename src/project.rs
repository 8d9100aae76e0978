//! The circuit a board is wired into: `--wiring FILE` (our TOML, or Wokwi's `diagram.json` by its
//! extension) and `--project DIR` (a Wokwi or mpsim project folder: its diagram or wiring file,
//! its files on a throw-away flash, the board its diagram names), and `--control`.

use anyhow::{Context, Result, bail};
use mpsim_board_models::circuit::wokwi::Diagram;
use mpsim_board_models::{BoardSpec, CircuitSpec, WiredLed, Wiring};
use mpsim_sim_core::SimCommand;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the wiring file says, in whichever format it came.
#[derive(Clone, Default)]
pub enum Source {
    /// No wiring.
    #[default]
    None,
    /// Our TOML.
    Toml(Wiring),
    /// Wokwi's diagram.json.
    Diagram(Diagram),
}

/// A run's circuit and project folder.
#[derive(Clone, Default)]
pub struct Project {
    /// The wiring.
    pub source: Source,
    /// The folder whose files go on a throw-away flash (`--project`).
    pub files: Option<PathBuf>,
}

fn read(path: &Path) -> Result<Source> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read wiring file {}", path.display()))?;
    let name = path.display().to_string();
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        Ok(Source::Diagram(Diagram::parse(&name, &text)?))
    } else {
        Ok(Source::Toml(Wiring::parse(&name, &text)?))
    }
}

impl Project {
    /// Reads `--wiring` and `--project` (the wiring file given wins over the project's own).
    pub fn load(wiring: Option<&Path>, project: Option<&Path>) -> Result<Self> {
        let mut p = Project::default();
        if let Some(dir) = project {
            if !dir.is_dir() {
                bail!("--project {}: not a folder", dir.display());
            }
            let own = ["diagram.json", "wiring.toml", "circuit.toml"]
                .iter()
                .map(|n| dir.join(n))
                .find(|f| f.is_file());
            match (own, wiring) {
                (_, Some(_)) => {}
                (Some(f), None) => p.source = read(&f)?,
                (None, None) => bail!(
                    "--project {}: no diagram.json or wiring.toml in it",
                    dir.display()
                ),
            }
            p.files = Some(dir.to_owned());
        }
        if let Some(w) = wiring {
            p.source = read(w)?;
        }
        Ok(p)
    }

    /// The board the diagram asks for (a Wokwi board part), if it names one.
    pub fn board(&self) -> Option<&'static str> {
        match &self.source {
            Source::Diagram(d) => d.board(),
            _ => None,
        }
    }

    /// A Wokwi project: its board also sees Wokwi's open access point.
    pub fn is_wokwi(&self) -> bool {
        matches!(self.source, Source::Diagram(_))
    }

    /// Checks the old-style `[[i2c]]` entries against the board.
    pub fn check(&self, spec: &BoardSpec) -> Result<()> {
        if let Source::Toml(w) = &self.source {
            for part in &w.i2c {
                part.check(spec).map_err(|e| anyhow::anyhow!("{e}"))?;
            }
        }
        Ok(())
    }

    /// The `[[led]]`s and the resolved circuit around `spec`; what the reader noticed is printed
    /// once on stderr.
    pub fn circuit(&self, spec: &BoardSpec) -> (Vec<WiredLed>, CircuitSpec) {
        let (leds, circuit) = match &self.source {
            Source::None => (Vec::new(), CircuitSpec::default()),
            Source::Toml(w) => (w.led.clone(), w.circuit(spec)),
            Source::Diagram(d) => (Vec::new(), d.circuit(spec)),
        };
        for n in &circuit.notes {
            eprintln!("mpsim: wiring: {n}");
        }
        if let Some(b) = &circuit.board
            && let Ok(Some(want)) = mpsim_board_models::find_board(b)
            && want.id != spec.id
        {
            eprintln!(
                "mpsim: wiring: the diagram is drawn for {} (running it on {} as asked)",
                want.id, spec.id
            );
        }
        (leds, circuit)
    }

    /// The network a Wokwi project's board sees: Wokwi-GUEST (open) besides the others.
    pub fn network(&self, mut net: mpsim_sim_core::NetConfig) -> mpsim_sim_core::NetConfig {
        if self.is_wokwi() && !net.access_points.iter().any(|a| a.ssid == "Wokwi-GUEST") {
            net.access_points.insert(
                0,
                mpsim_sim_core::AccessPoint::new("Wokwi-GUEST", "", -40, 6),
            );
        }
        net
    }
}

/// Parses `ID.CONTROL=VALUE[@TIME]` (`dht1.temperature=30.5@2s`, `btn1.pressed=1`).
pub fn parse_control(s: &str) -> Result<(Duration, SimCommand), String> {
    let (lhs, at) = match s.rsplit_once('@') {
        Some((l, t)) => (l, crate::cli::parse_duration(t)?),
        None => (s, Duration::ZERO),
    };
    let (what, value) = lhs.split_once('=').ok_or_else(|| {
        format!("{s:?}: expected PART.CONTROL=VALUE[@TIME], e.g. dht1.temperature=30@2s")
    })?;
    let (part, name) = what.trim().rsplit_once('.').ok_or_else(|| {
        format!("{s:?}: expected PART.CONTROL=VALUE[@TIME], e.g. btn1.pressed=1@1s")
    })?;
    if part.is_empty() || name.is_empty() {
        return Err(format!("{s:?}: the part and the control need names"));
    }
    let value = mpsim_board_models::circuit::control_value(value)
        .ok_or_else(|| format!("{s:?}: {value:?} is not a number (or on/off)"))?;
    Ok((
        at,
        SimCommand::SetControl {
            part: part.to_owned(),
            name: name.to_owned(),
            value,
        },
    ))
}

/// Checks `--control` targets against the circuit before the board starts.
pub fn check_controls(circuit: &CircuitSpec, controls: &[(Duration, SimCommand)]) -> Result<()> {
    for (_, c) in controls {
        if let SimCommand::SetControl { part, .. } = c
            && !circuit.parts.iter().any(|p| &p.id == part)
        {
            let ids: Vec<&str> = circuit.parts.iter().map(|p| p.id.as_str()).collect();
            if ids.is_empty() {
                bail!(
                    "--control {part}: the circuit has no parts with controls (use --wiring or --project)"
                );
            }
            bail!(
                "--control {part}: no such part (the circuit has {})",
                ids.join(", ")
            );
        }
    }
    Ok(())
}
