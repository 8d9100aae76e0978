//! Each board's module list is its firmware's (issue 18): `help('modules')` prints the list kept
//! in the board data (less what mpsim leaves out, each with a reason), every module on it
//! imports, and the README's table is made from the same data.

use mpsim_board_models::{BoardSpec, all_boards};
use std::process::Command;

/// Modules whose import does something on the board (a boot step, an interactive set-up).
const SIDE_EFFECTS: &[&str] = &["__main__", "_boot", "_boot_fat", "webrepl_setup"];

fn run(board: &str, script: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.py");
    std::fs::write(&path, script).unwrap();
    let fs = dir.path().join("fs");
    std::fs::create_dir(&fs).unwrap();
    // A throw-away flash each (the tests run side by side).
    let out = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .args(["run", "--board", board, "--timeout", "60s", "--fs"])
        .arg(&fs)
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{board}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn boards() -> Vec<BoardSpec> {
    all_boards().unwrap()
}

fn provided(b: &BoardSpec) -> Option<Vec<String>> {
    let m = b.firmware_modules.as_ref()?;
    Some(
        m.names
            .iter()
            .filter(|n| !m.left_out.contains_key(*n))
            .cloned()
            .collect(),
    )
}

#[test]
fn help_modules_lists_the_firmware_s_modules() {
    for b in boards() {
        let Some(want) = provided(&b) else { continue };
        let out = run(&b.id, "help('modules')\n");
        let mut got: Vec<String> = out
            .lines()
            .take_while(|l| !l.starts_with("Plus any modules"))
            .flat_map(|l| l.split_whitespace().map(str::to_string))
            .collect();
        got.sort();
        let mut want = want.clone();
        want.sort();
        assert_eq!(got, want, "{}", b.id);
    }
}

#[test]
fn every_listed_module_imports() {
    for b in boards() {
        let Some(names) = provided(&b) else { continue };
        let names: Vec<String> = names
            .into_iter()
            .filter(|n| !SIDE_EFFECTS.contains(&n.as_str()))
            .map(|n| n.trim_end_matches("/__init__").replace('/', "."))
            .collect();
        let script = format!(
            "bad = []\nfor n in {names:?}:\n    try:\n        __import__(n)\n    except Exception as e:\n        bad.append((n, repr(e)))\nprint(bad)\n"
        );
        // The last line: what failed to import (upysh prints its help first, as on the board).
        let out = run(&b.id, &script);
        assert_eq!(out.lines().last(), Some("[]"), "{}: {out}", b.id);
    }
}

/// The README's module table, from the board data.
fn table() -> String {
    let mut t = String::from(
        "| board | modules in the firmware's list | in mpsim's | left out of mpsim |\n|---|---|---|---|\n",
    );
    for b in boards() {
        let Some(m) = &b.firmware_modules else {
            continue;
        };
        let mut reasons: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for (name, why) in &m.left_out {
            reasons.entry(why.as_str()).or_default().push(name.as_str());
        }
        let left: Vec<String> = reasons
            .iter()
            .map(|(why, names)| {
                let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                format!("{} ({why})", names.join(", "))
            })
            .collect();
        t.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            b.id,
            m.names.len(),
            m.names.len() - m.left_out.len(),
            if left.is_empty() {
                "none".to_string()
            } else {
                left.join("; ")
            }
        ));
    }
    t
}

#[test]
fn the_readme_module_table_is_the_board_data() {
    const START: &str =
        "<!-- module table: made from the board data by tests/firmware_modules.rs -->\n";
    const END: &str = "<!-- end of module table -->";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let a = readme
        .find(START)
        .expect("the README's module table markers")
        + START.len();
    let b = a + readme[a..].find(END).expect("the end marker");
    let want = table();
    if std::env::var_os("MPSIM_BLESS").is_some() && readme[a..b] != want {
        std::fs::write(path, format!("{}{want}{}", &readme[..a], &readme[b..])).unwrap();
        return;
    }
    assert_eq!(
        readme[a..b],
        want,
        "run with MPSIM_BLESS=1 to remake the table"
    );
}
