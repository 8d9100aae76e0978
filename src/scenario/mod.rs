//! `mpsim test`: scenario files run in simulated time, in parallel, with reports a CI reads — a
//! line per scenario and the failure's story on stdout, JUnit XML, and artefacts per scenario.
//! A report holds nothing that depends on the machine (wall times, temporary paths), so the same
//! inputs give the same bytes.

mod drive;
mod png;
mod run;
mod schema;
mod wokwi;

use anyhow::{Result, bail};
use clap::Args;
use run::{Outcome, Status};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Exit code: every scenario passed.
pub const EXIT_PASS: i32 = 0;
/// Exit code: a step failed.
pub const EXIT_STEP_FAILED: i32 = 1;
/// Exit code: a scenario could not be read or does not fit its boards (or a usage error).
pub const EXIT_SCENARIO_ERROR: i32 = 2;
/// Exit code: a scenario's time limit, or the wall-clock guard, passed.
pub const EXIT_TIMEOUT: i32 = 3;
/// Exit code: the simulator itself failed.
pub const EXIT_SIM_FAILURE: i32 = 4;

/// `mpsim test …`
#[derive(Args, Clone)]
pub struct TestArgs {
    /// Scenario files, or folders to search for `*.scenario.toml` (default: the current folder).
    pub paths: Vec<PathBuf>,
    /// Scenarios run at once (default: the machine's cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Run only the I-th of N equal shares of the scenarios (1-based), for a CI matrix.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    /// Write a JUnit XML report (one testcase per scenario).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Keep per scenario its console log, a VCD trace and, at a failure, its displays as PNGs.
    #[arg(long, value_name = "DIR")]
    pub artifacts: Option<PathBuf>,
    /// Write the pictures `expect-display` steps name from what the displays show, instead of
    /// comparing.
    #[arg(long)]
    pub update_golden: bool,
    /// The most simulated time each scenario may take (its `time-limit` otherwise); a bare
    /// number is milliseconds, as wokwi-cli reads it.
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
    /// Wokwi project: the Wokwi scenario (YAML) to run, relative to the project folder.
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Wokwi projects (wokwi-cli's options)"
    )]
    pub scenario: Option<PathBuf>,
    /// Wokwi project: pass as soon as the console shows this text.
    #[arg(
        long,
        value_name = "TEXT",
        help_heading = "Wokwi projects (wokwi-cli's options)"
    )]
    pub expect_text: Option<String>,
    /// Fail as soon as the console shows this text.
    #[arg(
        long,
        value_name = "TEXT",
        help_heading = "Wokwi projects (wokwi-cli's options)"
    )]
    pub fail_text: Option<String>,
    /// Wokwi project: write the console's output to this file.
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Wokwi projects (wokwi-cli's options)"
    )]
    pub serial_log_file: Option<PathBuf>,
    /// Wokwi project: write the pins' trace as a VCD file.
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Wokwi projects (wokwi-cli's options)"
    )]
    pub vcd_file: Option<PathBuf>,
    /// Wokwi project: the exit code when --timeout passes.
    #[arg(
        long,
        default_value_t = 42,
        value_name = "CODE",
        help_heading = "Wokwi projects (wokwi-cli's options)"
    )]
    pub timeout_exit_code: i32,
    /// The wall-clock guard per scenario (its `wall-limit`, else 120s).
    #[arg(long, value_name = "DURATION", value_parser = crate::cli::parse_duration)]
    pub wall_limit: Option<Duration>,
}

/// `--timeout`: a duration with its unit, or milliseconds (wokwi-cli's `--timeout 5000`).
fn parse_timeout(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        let ms: u64 = t
            .parse()
            .map_err(|_| format!("--timeout {s}: out of range"))?;
        return Ok(Duration::from_millis(ms));
    }
    crate::cli::parse_duration(t)
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| format!("--shard {s}: I/N, e.g. 1/4"))?;
    let (i, n): (usize, usize) = (
        i.trim()
            .parse()
            .map_err(|_| format!("--shard {s}: I/N, e.g. 1/4"))?,
        n.trim()
            .parse()
            .map_err(|_| format!("--shard {s}: I/N, e.g. 1/4"))?,
    );
    if n == 0 || i == 0 || i > n {
        return Err(format!("--shard {s}: I runs from 1 to N"));
    }
    Ok((i, n))
}

/// The scenario files under `paths`, sorted within each folder.
fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<()> {
        if depth > 32 {
            bail!("{}: folders nested too deep", dir.display());
        }
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.display()))?
            .filter_map(|e| e.ok())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() {
                if !name.starts_with('.') && name != "target" && name != "node_modules" {
                    walk(&p, out, depth + 1)?;
                }
            } else if name.ends_with(".scenario.toml") {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    let defaults = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    for p in paths {
        if p.is_dir() {
            let before = out.len();
            walk(p, &mut out, 0)?;
            if out.len() == before && paths.len() == 1 {
                bail!("{}: no *.scenario.toml files in it", p.display());
            }
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            bail!("{}: no such file or folder", p.display());
        }
    }
    Ok(out)
}

/// A scenario's folder under `--artifacts`: its path with `/` as `__`.
fn artifact_dir(root: &Path, scenario: &Path) -> PathBuf {
    let s = scenario.to_string_lossy();
    let s = s.strip_prefix("./").unwrap_or(&s);
    let name: String = s
        .strip_suffix(".scenario.toml")
        .unwrap_or(s)
        .chars()
        .map(|c| if c == '/' || c == '\\' { '_' } else { c })
        .collect();
    root.join(name)
}

/// One scenario, from its file to its outcome (artefacts written).
fn one(path: &Path, args: &TestArgs) -> (String, Outcome) {
    let dir = args.artifacts.as_ref().map(|root| artifact_dir(root, path));
    if let Some(d) = &dir
        && let Err(e) = std::fs::create_dir_all(d)
    {
        return (
            path.display().to_string(),
            Outcome::error(format!("cannot create {}: {e}", d.display())),
        );
    }
    let mut sc = match run::load(path, args.update_golden, dir.as_deref()) {
        Ok(s) => s,
        Err(e) => return (path.display().to_string(), Outcome::error(format!("{e:#}"))),
    };
    if let Some(t) = args.timeout {
        sc.time_limit = Some(t.as_micros().try_into().unwrap_or(u64::MAX));
    }
    if let Some(w) = args.wall_limit {
        sc.wall_limit = w;
    }
    sc.fail_text = args.fail_text.as_ref().map(|t| t.as_bytes().to_vec());
    let name = sc.name.clone();
    let outcome = run::run(sc, dir.as_deref());
    if let Some(d) = &dir {
        let several = outcome.consoles.len() > 1;
        for (id, text) in &outcome.consoles {
            let f = if several {
                format!("console-{id}.log")
            } else {
                "console.log".into()
            };
            let _ = std::fs::write(d.join(f), text);
        }
        for (n, bytes) in &outcome.pictures {
            let _ = std::fs::write(d.join(n), bytes);
        }
    }
    (name, outcome)
}

fn secs(us: u64) -> String {
    format!("{}.{:03}", us / 1_000_000, (us % 1_000_000) / 1000)
}

/// The line (and story) a scenario's outcome prints.
fn report_line(path: &Path, o: &Outcome) -> String {
    let tag = match o.status {
        Status::Pass => "PASS ",
        Status::Fail => "FAIL ",
        Status::Error => "ERROR",
        Status::Timeout => "TIME ",
        Status::SimFailure => "CRASH",
    };
    let mut s = format!("{tag} {}", path.display());
    if o.status == Status::Pass {
        s.push_str(&format!(
            " ({} steps, {} s simulated)\n",
            o.steps,
            secs(o.sim_us)
        ));
    } else {
        s.push('\n');
        for l in o.message.lines() {
            s.push_str("  ");
            s.push_str(l);
            s.push('\n');
        }
    }
    s
}

fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\n' | '\t' => o.push(c),
            c if c.is_control() => o.push_str(&format!("\\x{:02x}", u32::from(c) & 0xff)),
            c => o.push(c),
        }
    }
    o
}

/// JUnit XML: one testsuite, a testcase per scenario, times in simulated seconds.
fn junit(results: &[(PathBuf, String, Outcome)]) -> String {
    let count = |s: Status| results.iter().filter(|r| r.2.status == s).count();
    let failures = count(Status::Fail);
    let errors = results.len() - failures - count(Status::Pass);
    let total: u64 = results.iter().map(|r| r.2.sim_us).sum();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuites name=\"mpsim\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{}\">\n",
        results.len(),
        secs(total)
    ));
    x.push_str(&format!(
        "  <testsuite name=\"mpsim test\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"{}\">\n",
        results.len(),
        secs(total)
    ));
    for (path, name, o) in results {
        x.push_str(&format!(
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\">\n",
            xml(name),
            xml(&path.display().to_string()),
            secs(o.sim_us)
        ));
        let first = o.message.lines().next().unwrap_or("");
        let (elem, kind) = match o.status {
            Status::Pass => ("", ""),
            Status::Fail => ("failure", "step"),
            Status::Error => ("error", "scenario"),
            Status::Timeout => ("error", "timeout"),
            Status::SimFailure => ("error", "simulator"),
        };
        if !elem.is_empty() {
            x.push_str(&format!(
                "      <{elem} message=\"{}\" type=\"{kind}\">{}</{elem}>\n",
                xml(first),
                xml(&o.message)
            ));
        }
        let mut out = String::new();
        let several = o.consoles.len() > 1;
        for (id, text) in &o.consoles {
            let text = String::from_utf8_lossy(text);
            for l in text.lines() {
                if several {
                    out.push_str(&format!("[{id}] "));
                }
                out.push_str(l);
                out.push('\n');
            }
        }
        x.push_str(&format!("      <system-out>{}</system-out>\n", xml(&out)));
        x.push_str("    </testcase>\n");
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// The Wokwi project `mpsim test` was given, if it runs as wokwi-cli would: one folder with a
/// `wokwi.toml` and no scenario files of ours, or any folder with wokwi-cli's options.
fn wokwi_project(args: &TestArgs) -> Option<PathBuf> {
    let [dir] = args.paths.as_slice() else {
        return if args.paths.is_empty() && (args.scenario.is_some() || args.expect_text.is_some()) {
            Some(PathBuf::from("."))
        } else {
            None
        };
    };
    let wokwi_flags = args.scenario.is_some() || args.expect_text.is_some();
    // A Wokwi project that also keeps scenario files of ours runs those.
    let only_wokwi = || {
        dir.join("wokwi.toml").is_file()
            && !matches!(discover(std::slice::from_ref(dir)), Ok(v) if !v.is_empty())
    };
    (dir.is_dir() && (wokwi_flags || only_wokwi())).then(|| dir.clone())
}

/// A Wokwi project run as wokwi-cli runs it; the exit code as wokwi-cli gives it (0, 1, or
/// `--timeout-exit-code` when the timeout passes).
fn wokwi_main(dir: &Path, args: &TestArgs) -> Result<i32> {
    let scenario = args.scenario.as_ref().map(|s| {
        if s.is_absolute() || s.exists() {
            s.clone()
        } else {
            dir.join(s)
        }
    });
    let loaded = run::load_wokwi(
        dir,
        scenario.as_deref(),
        args.expect_text.as_deref(),
        args.vcd_file.as_deref(),
    );
    let mut sc = match loaded {
        Ok(sc) => sc,
        Err(e) => {
            eprintln!("mpsim: {e:#}");
            return Ok(1);
        }
    };
    // wokwi-cli's default: 30 s of simulated time.
    let timeout = args.timeout.unwrap_or(Duration::from_secs(30));
    sc.time_limit = Some(timeout.as_micros().try_into().unwrap_or(u64::MAX));
    sc.fail_text = args.fail_text.as_ref().map(|t| t.as_bytes().to_vec());
    if let Some(w) = args.wall_limit {
        sc.wall_limit = w;
    }
    let name = sc.name.clone();
    let path = sc.path.clone();
    let o = run::run(sc, None);
    let console: Vec<u8> = o.consoles.iter().flat_map(|c| c.1.clone()).collect();
    if let Some(f) = &args.serial_log_file {
        std::fs::write(f, &console)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", f.display()))?;
    }
    let mut out = std::io::stdout().lock();
    {
        use std::io::Write;
        let _ = out.write_all(&console);
        if !console.ends_with(b"\n") && !console.is_empty() {
            let _ = out.write_all(b"\n");
        }
        let _ = out.write_all(report_line(&path, &o).as_bytes());
        if o.status == Status::Pass {
            let _ = writeln!(out, "[{name}] Scenario completed successfully");
        }
    }
    let code = match o.status {
        Status::Pass => 0,
        Status::Timeout => args.timeout_exit_code,
        _ => 1,
    };
    if let Some(j) = &args.junit {
        std::fs::write(j, junit(&[(path, name, o)]))
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", j.display()))?;
    }
    Ok(code)
}

/// `mpsim drive`: boards driven over stdin/stdout (docs/drive-protocol.md).
pub fn drive() -> Result<i32> {
    drive::main()
}

/// `mpsim test`: runs the scenarios, prints and writes reports; returns the exit code.
pub fn main(args: TestArgs) -> Result<i32> {
    if let Some(dir) = wokwi_project(&args) {
        return wokwi_main(&dir, &args);
    }
    if args.scenario.is_some() || args.expect_text.is_some() {
        bail!("--scenario and --expect-text run one Wokwi project folder (with its diagram.json)");
    }
    let mut files = discover(&args.paths)?;
    if let Some((i, n)) = args.shard {
        files = files
            .into_iter()
            .enumerate()
            .filter(|(k, _)| k % n == i - 1)
            .map(|(_, f)| f)
            .collect();
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 64);
    let total = files.len();
    let (tx, rx) = crossbeam_channel::unbounded::<(usize, String, Outcome)>();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<Option<(PathBuf, String, Outcome)>> = (0..total).map(|_| None).collect();
    let mut printed = 0;
    let mut out = std::io::stdout().lock();
    std::thread::scope(|scope| -> Result<()> {
        for w in 0..jobs.min(total) {
            let tx = tx.clone();
            let files = &files;
            let next = &next;
            let args = &args;
            std::thread::Builder::new()
                .name(format!("test-{w}"))
                .spawn_scoped(scope, move || {
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(f) = files.get(k) else { break };
                        let (name, o) = one(f, args);
                        if tx.send((k, name, o)).is_err() {
                            break;
                        }
                    }
                })?;
        }
        drop(tx);
        // Results print in the files' order, each as soon as those before it are in.
        while let Ok((k, name, o)) = rx.recv() {
            results[k] = Some((files[k].clone(), name, o));
            while printed < total
                && let Some((p, _, o)) = &results[printed]
            {
                use std::io::Write;
                let _ = out.write_all(report_line(p, o).as_bytes());
                let _ = out.flush();
                printed += 1;
            }
        }
        Ok(())
    })?;
    let results: Vec<(PathBuf, String, Outcome)> = results.into_iter().flatten().collect();
    let count = |s: Status| results.iter().filter(|r| r.2.status == s).count();
    let mut summary = format!(
        "{} scenarios: {} passed",
        results.len(),
        count(Status::Pass)
    );
    for (s, word) in [
        (Status::Fail, "failed"),
        (Status::Error, "could not run"),
        (Status::Timeout, "timed out"),
        (Status::SimFailure, "crashed the simulator"),
    ] {
        if count(s) > 0 {
            summary.push_str(&format!(", {} {word}", count(s)));
        }
    }
    {
        use std::io::Write;
        let _ = writeln!(out, "{summary}");
    }
    if let Some(j) = &args.junit {
        std::fs::write(j, junit(&results))
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", j.display()))?;
    }
    let worst = results
        .iter()
        .map(|r| r.2.status)
        .max()
        .unwrap_or(Status::Pass);
    Ok(match worst {
        Status::Pass => EXIT_PASS,
        Status::Fail => EXIT_STEP_FAILED,
        Status::Error => EXIT_SCENARIO_ERROR,
        Status::Timeout => EXIT_TIMEOUT,
        Status::SimFailure => EXIT_SIM_FAILURE,
    })
}
