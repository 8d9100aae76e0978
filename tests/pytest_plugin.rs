//! pytest-mpsim (python/pytest-mpsim, installed into the test venv by scripts/test.sh) under
//! pytest and under pytest-xdist (`-n 2`, and execnet gateways as for remote hosts): its fixtures driving boards through `mpsim drive`, a scenario
//! file collected as a test, `--junitxml`, and a failing scenario's report in pytest's output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn pytest(dir: &Path, args: &[&str]) -> Output {
    let data = tempfile::tempdir().unwrap();
    Command::new("timeout")
        .args(["300", "python3", "-m", "pytest", "-p", "no:cacheprovider"])
        .args(args)
        .current_dir(dir)
        .env("MPSIM_BIN", env!("CARGO_BIN_EXE_mpsim"))
        .env("XDG_DATA_HOME", data.path())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn testcases(xml: &Path) -> Vec<String> {
    let x = std::fs::read_to_string(xml).unwrap();
    x.split("<testcase ")
        .skip(1)
        .map(|t| {
            let name = t.split(" name=\"").nth(1).unwrap();
            name[..name.find('"').unwrap()].to_owned()
        })
        .collect()
}

#[test]
fn the_plugin_drives_boards_under_pytest_and_xdist() {
    let project = root().join("tests/pytest-project");
    let tmp = tempfile::tempdir().unwrap();
    // `--tx` gateways are how xdist reaches other machines (`ssh=host` in place of `popen`).
    let gateways = ["--tx", "2*popen//python=python3", "--dist", "load"];
    for (run, extra) in [
        ("serial", &[][..]),
        ("xdist", &["-n", "2"][..]),
        ("gateways", &gateways[..]),
    ] {
        let xml = tmp.path().join(format!("{run}.xml"));
        let junit = format!("--junitxml={}", xml.display());
        let mut args = vec!["-q", junit.as_str()];
        args.extend_from_slice(extra);
        let out = pytest(&project, &args);
        let stdout = text(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{run}: {stdout}{}",
            text(&out.stderr)
        );
        assert!(stdout.contains("8 passed"), "{run}: {stdout}");
        let mut cases = testcases(&xml);
        cases.sort();
        assert_eq!(
            cases,
            [
                "blink",
                "test_a_reused_board_starts_afresh[0]",
                "test_a_reused_board_starts_afresh[1]",
                "test_a_reused_board_starts_afresh[2]",
                "test_a_wait_that_times_out_fails_with_the_board_state",
                "test_console_pins_leds_files_and_the_repl",
                "test_parts",
                "test_two_boards_on_one_clock",
            ],
            "{run}"
        );
    }
}

#[test]
fn a_failing_scenario_file_reports_its_story_in_pytest() {
    let dir = tempfile::tempdir().unwrap();
    let button = root().join("tests/scenarios/pass/button.py");
    std::fs::write(
        dir.path().join("late.scenario.toml"),
        format!(
            "[[board]]\ntype = \"esp8266\"\nmain = {:?}\n\n[[step]]\nwait-serial = \"never\"\ntimeout = \"1s\"\n",
            button.display().to_string()
        ),
    )
    .unwrap();
    let out = pytest(dir.path(), &["-q"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("1 failed"), "{stdout}");
    assert!(
        stdout.contains("late.scenario.toml:5: step 1 (wait-serial \"never\")"),
        "{stdout}"
    );
    assert!(
        stdout.contains("waited 1.000 s of simulated time for \"never\""),
        "{stdout}"
    );
}
