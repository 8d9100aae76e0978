//! Golden tests: every `tests/py/<area>/<name>.py` runs through the `mpsim` binary with
//! `--virtual-time` and its output must equal `<name>.py.exp`. A first-lines comment
//! `# mpsim: ARGS` adds arguments; `# exit: N` sets the expected exit code (default 0).
//! Each runs on a throw-away flash (`--fs`): the board's defaults plus `<name>.fs/` when present.
//! Set `MPSIM_BLESS=1` to write missing .exp files (review them before committing).

use std::path::{Path, PathBuf};
use std::process::Command;

fn scripts(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("tests/py exists")
        .map(|e| e.expect("readable dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            // `<name>.fs/` folders are flash contents, not tests.
            if p.extension().is_none_or(|e| e != "fs") {
                scripts(&p, out);
            }
        } else if p.extension().is_some_and(|e| e == "py") {
            out.push(p);
        }
    }
}

/// Runs one golden script; `Err` says how it failed.
fn run_one(script: &Path, bless: bool) -> Result<(), String> {
    let source = std::fs::read_to_string(script).map_err(|e| format!("unreadable: {e}"))?;
    let mut args: Vec<String> = Vec::new();
    let mut exit = 0;
    for line in source.lines().take(5) {
        if let Some(a) = line.strip_prefix("# mpsim: ") {
            args.extend(a.split_whitespace().map(str::to_owned));
        }
        if let Some(e) = line.strip_prefix("# exit: ") {
            exit = e
                .trim()
                .parse()
                .map_err(|_| format!("bad exit line {e:?}"))?;
        }
    }
    // Each script boots on a throw-away flash: the board's default files plus, when it exists,
    // the folder `<name>.fs/` next to it. No default image of the user's is ever touched.
    let empty = tempfile::tempdir().map_err(|e| e.to_string())?;
    let fs_dir = script.with_extension("fs");
    let fs_dir = if fs_dir.is_dir() {
        fs_dir
    } else {
        empty.path().to_owned()
    };
    let out = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .env("XDG_DATA_HOME", empty.path())
        .arg("run")
        .arg(script)
        .arg("--fs")
        .arg(&fs_dir)
        .arg("--virtual-time")
        .args(["--timeout", "60s"])
        .args(&args)
        .output()
        .map_err(|e| format!("mpsim does not run: {e}"))?;
    let got = String::from_utf8_lossy(&out.stdout).into_owned();
    let exp_path = script.with_extension("py.exp");
    let expected = match std::fs::read_to_string(&exp_path) {
        Ok(e) => e,
        Err(_) if bless => {
            std::fs::write(&exp_path, &got).map_err(|e| e.to_string())?;
            got.clone()
        }
        Err(_) => return Err(format!("no {}", exp_path.display())),
    };
    if got != expected {
        return Err(format!(
            "output differs\n--- expected\n{expected}\n--- got\n{got}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    if out.status.code() != Some(exit) {
        return Err(format!(
            "exit code {:?}, expected {exit}\n--- stderr\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// One test case per script, named by its path under tests/py (`basics/set_display`), so that
/// `cargo t --test golden -- basics/` runs a folder and a failure names its script.
fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py");
    let mut all = Vec::new();
    scripts(&root, &mut all);
    assert!(all.len() > 20, "golden scripts found: {}", all.len());
    let bless = std::env::var_os("MPSIM_BLESS").is_some();
    let trials = all
        .into_iter()
        .map(|script| {
            let name = script
                .strip_prefix(&root)
                .unwrap_or(&script)
                .with_extension("")
                .display()
                .to_string();
            libtest_mimic::Trial::test(name, move || run_one(&script, bless).map_err(Into::into))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
