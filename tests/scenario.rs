//! `mpsim test` end to end (issue 19): the scenarios in tests/scenarios/pass (every step kind
//! passing, two boards over UART, micro:bits by radio, ESP32s by ESP-NOW, an OLED against its PNG), each step kind failing with the story
//! its report tells, the strict schema, exit codes, JUnit checked against Jenkins' JUnit schema
//! (MPSIM_JUNIT_XSD, fetched by scripts/test.sh), artefacts, determinism, shards, and a Wokwi
//! project with its YAML scenario run with wokwi-cli's options.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mpsim(dir: &Path, args: &[&str]) -> Output {
    let data = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .current_dir(dir)
        .env("XDG_DATA_HOME", data.path())
        .arg("test")
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The report of one scenario file: its result line and the indented story under it.
fn block<'a>(out: &'a str, file: &str) -> &'a str {
    let start = out
        .lines()
        .position(|l| l.ends_with(file) || l.contains(&format!("{file} (")))
        .unwrap_or_else(|| panic!("{file} is not in the report:\n{out}"));
    let lines: Vec<&str> = out.lines().collect();
    let mut end = start + 1;
    while end < lines.len() && lines[end].starts_with("  ") {
        end += 1;
    }
    let from = out.find(lines[start]).unwrap();
    let to = if end < lines.len() {
        out[from..].find(lines[end]).map_or(out.len(), |k| from + k)
    } else {
        out.len()
    };
    &out[from..to]
}

fn validate_junit(xml: &Path) {
    let xsd = std::env::var("MPSIM_JUNIT_XSD").expect(
        "MPSIM_JUNIT_XSD: run the tests through scripts/test.sh, which fetches the JUnit schema",
    );
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, xmlschema; xmlschema.XMLSchema(sys.argv[1]).validate(sys.argv[2]); print('valid')",
            &xsd,
            xml.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stdout).trim(),
        "valid",
        "{} does not follow the JUnit schema: {}",
        xml.display(),
        text(&out.stderr)
    );
}

#[test]
fn every_step_kind_passes_and_reports_are_the_same_on_every_run() {
    let work = tempfile::tempdir().unwrap();
    let j1 = work.path().join("one.xml");
    let j2 = work.path().join("two.xml");
    let arts = work.path().join("artifacts");
    let a = mpsim(
        &root(),
        &[
            "tests/scenarios/pass",
            "-j",
            "2",
            "--junit",
            j1.to_str().unwrap(),
            "--artifacts",
            arts.to_str().unwrap(),
        ],
    );
    let out = text(&a.stdout);
    assert_eq!(a.status.code(), Some(0), "{out}{}", text(&a.stderr));
    for f in [
        "button",
        "espnow",
        "oled",
        "outputs",
        "radio",
        "servo",
        "two-boards",
    ] {
        let b = block(&out, &format!("{f}.scenario.toml"));
        assert!(b.starts_with("PASS "), "{b}");
    }
    assert!(out.ends_with("7 scenarios: 7 passed\n"), "{out}");
    // One by one, the same bytes.
    let b = mpsim(
        &root(),
        &[
            "tests/scenarios/pass",
            "-j",
            "1",
            "--junit",
            j2.to_str().unwrap(),
        ],
    );
    assert_eq!(text(&b.stdout), out);
    let x1 = std::fs::read_to_string(&j1).unwrap();
    assert_eq!(x1, std::fs::read_to_string(&j2).unwrap());
    validate_junit(&j1);
    assert_eq!(x1.matches("<testcase ").count(), 7, "{x1}");
    assert!(x1.contains("name=\"button and LED\""), "{x1}");
    assert!(x1.contains("[display] heard b'T=25.0\\n'"), "{x1}");
    // Artefacts: each scenario's console and trace.
    let dir = arts.join("tests_scenarios_pass_button");
    let log = std::fs::read_to_string(dir.join("console.log")).unwrap();
    assert!(log.contains("boot one\nboot two\n"), "{log}");
    let vcd = std::fs::read_to_string(dir.join("trace.vcd")).unwrap();
    assert!(vcd.contains("$timescale 1us $end"), "{vcd}");
    let two = arts.join("tests_scenarios_pass_two-boards");
    assert!(two.join("console-display.log").is_file());
    assert!(two.join("trace-sensor.vcd").is_file());
}

/// Scenario files for each failing step, in a folder of their own.
fn failing() -> (tempfile::TempDir, Vec<(&'static str, Vec<&'static str>)>) {
    let r = root();
    let button = r.join("tests/scenarios/pass/button.py");
    let servo = r.join("tests/projects/servo-pot");
    let outputs = r.join("tests/projects/outputs");
    let esp = format!(
        "[[board]]\ntype = \"esp8266\"\nmain = {:?}\n",
        button.display().to_string()
    );
    let pico_servo = format!("[[board]]\nproject = {:?}\n", servo.display().to_string());
    let pico_out = format!(
        "[[board]]\ntype = \"pico\"\nproject = {:?}\n",
        outputs.display().to_string()
    );
    let oled = format!(
        "[[board]]\ntype = \"esp8266\"\nmain = {:?}\nwiring = {:?}\n",
        r.join("examples/esp8266/oled.py").display().to_string(),
        r.join("examples/esp8266/oled.toml").display().to_string()
    );
    let png = r.join("tests/scenarios/pass/oled.png");
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "wait-serial",
            format!("{esp}[[step]]\nwait-serial = \"never\"\ntimeout = \"300ms\"\n"),
            vec![
                "FAIL ",
                ":4: step 1 (wait-serial \"never\")",
                "at 0.300 s simulated: waited 0.300 s of simulated time for \"never\"; it did not come",
                "console, last 3 lines:",
                "    | boot two",
                "pins: D3=1 ",
                "leds: LED (GPIO2)=0.00",
            ],
        ),
        (
            "matched-once",
            format!(
                "{esp}[[step]]\nwait-serial = \"boot\"\n[[step]]\nwait-serial = \"boot\"\n[[step]]\nwait-serial = \"boot\"\ntimeout = \"100ms\"\n"
            ),
            vec![
                "step 3 (wait-serial \"boot\")",
                "for \"boot\"; it did not come",
            ],
        ),
        (
            "no-serial",
            format!(
                "{esp}[[step]]\nexpect-no-serial = 'boot \\w+'\nregex = true\nfor = \"100ms\"\n"
            ),
            vec!["/boot \\w+/ appeared within 0.100 s"],
        ),
        (
            "wait-pin",
            format!("{esp}[[step]]\nwait-pin = \"D4\"\nedge = \"rising\"\ntimeout = \"200ms\"\n"),
            vec!["for a rising edge on GPIO2; it stayed at 1"],
        ),
        (
            "expect-pin",
            format!("{esp}[[step]]\ndelay = \"10ms\"\n[[step]]\nexpect-pin = \"D4\"\nlevel = 0\n"),
            vec!["step 2 (expect-pin \"D4\")", "GPIO2 is at 1, expected 0"],
        ),
        (
            "expect-led",
            format!(
                "{esp}[[step]]\ndelay = \"10ms\"\n[[step]]\nexpect-led = \"GPIO2\"\non = true\n"
            ),
            vec!["LED LED (GPIO2) is off (brightness 0.00), expected on"],
        ),
        (
            "no-control",
            format!("{pico_servo}[[step]]\nset-control = \"pot.angle\"\nvalue = 3\n"),
            vec![
                "ERROR",
                "pot (potentiometer) has no control \"angle\" (it has position)",
            ],
        ),
        (
            "expect-part",
            format!("{pico_servo}[[step]]\nexpect-part = \"pot\"\ntext = \"99 %\"\n"),
            vec!["pot shows \"50 %\", expected it to contain \"99 %\""],
        ),
        (
            "expect-servo",
            format!(
                "{pico_servo}[[step]]\nwait-serial = \"angle\"\n[[step]]\nexpect-servo = \"servo\"\nangle = 45\n"
            ),
            vec!["servo stands at 90.0°, expected 45° ± 1"],
        ),
        (
            "expect-tone",
            format!(
                "{pico_out}[[step]]\nwait-serial = \"done\"\n[[step]]\nexpect-tone = \"piezo\"\nhz = 1000\n"
            ),
            vec![
                "piezo is silent, expected 1000 Hz",
                "part piezo (buzzer): silent",
            ],
        ),
        (
            "expect-lcd",
            format!(
                "{pico_out}[[step]]\nwait-serial = \"done\"\n[[step]]\nexpect-display = \"lcd\"\ntext = [\"Serial\"]\n"
            ),
            vec!["lcd shows [\"Parallel        \", \"4-bit ok        \"], expected [\"Serial\"]"],
        ),
        (
            "expect-oled",
            format!(
                "{oled}[[step]]\ndelay = \"500ms\"\n[[step]]\nexpect-display = \"OLED\"\npng = {:?}\ntolerance = 3\n",
                png.display().to_string()
            ),
            vec![
                "OLED differs from ",
                "oled.png in ",
                " pixels (tolerance 3)",
            ],
        ),
        (
            "expect-file",
            format!(
                "{esp}[[step]]\ndelay = \"10ms\"\n[[step]]\nexpect-file = \"/log.txt\"\ncontains = \"nope\"\n"
            ),
            vec!["/log.txt does not contain \"nope\"; it holds 11 bytes: \"started 42\\n\""],
        ),
        (
            "file-exists",
            format!(
                "{esp}[[step]]\ndelay = \"10ms\"\n[[step]]\nexpect-file = \"/log.txt\"\nexists = false\n"
            ),
            vec!["/log.txt exists on the flash"],
        ),
        (
            "exec-output",
            format!("{esp}[[step]]\nexec = \"print(1)\"\noutput = \"2\"\n"),
            vec!["it printed \"1\", expected \"2\""],
        ),
        (
            "exec-raises",
            format!("{esp}[[step]]\nexec = \"1/0\"\n"),
            vec!["the code raised:", "ZeroDivisionError: divide by zero"],
        ),
        (
            "time-limit",
            format!(
                "time-limit = \"1s\"\n{esp}[[step]]\nwait-serial = \"never\"\ntimeout = \"5s\"\n"
            ),
            vec![
                "TIME ",
                "at 1.000 s simulated: the scenario's time-limit (1.000 s) passed",
            ],
        ),
        (
            "unknown-key",
            format!("{esp}\n[[step]]\nwait-serial = \"x\"\ntimout = \"1s\"\n"),
            vec!["ERROR", "line 7, column 1", "unknown field `timout`"],
        ),
        (
            "no-unit",
            format!("{esp}[[step]]\ndelay = \"5\"\n"),
            vec!["ERROR", ":4: delay = \"5\": a duration needs its unit"],
        ),
        (
            "no-pin",
            format!("{esp}[[step]]\nexpect-pin = \"GP99\"\nlevel = 1\n"),
            vec!["ERROR", "ESP8266_GENERIC has no pin \"GP99\""],
        ),
        (
            "two-actions",
            format!("{esp}[[step]]\nwrite = \"a\"\ndelay = \"1s\"\n"),
            vec![
                "ERROR",
                "a step has one action, this one has write and delay",
            ],
        ),
        (
            "wrong-modifier",
            format!("{esp}[[step]]\nwrite = \"a\"\nlevel = 1\n"),
            vec!["ERROR", "write takes no `level`"],
        ),
        (
            "no-accelerometer",
            format!("{esp}[[step]]\ntilt = [0, 0, -1000]\n"),
            vec!["ERROR", "ESP8266_GENERIC has no accelerometer"],
        ),
        (
            "no-board",
            format!("{esp}[[step]]\nboard = \"other\"\ndelay = \"1s\"\n"),
            vec!["ERROR", "no board \"other\" (the scenario has board)"],
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut expect = Vec::new();
    for (name, body, want) in cases {
        std::fs::write(dir.path().join(format!("{name}.scenario.toml")), body).unwrap();
        expect.push((name, want));
    }
    (dir, expect)
}

#[test]
fn each_step_kind_fails_with_its_story_and_the_worst_exit_code() {
    let (dir, cases) = failing();
    let arts = dir.path().join("artifacts");
    let junit = dir.path().join("report.xml");
    let out = mpsim(
        dir.path(),
        &[
            ".",
            "-j",
            "2",
            "--artifacts",
            arts.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ],
    );
    let report = text(&out.stdout);
    // A time limit passed: the worst of the results.
    assert_eq!(out.status.code(), Some(3), "{report}{}", text(&out.stderr));
    let mut missing = Vec::new();
    for (name, want) in &cases {
        let b = block(&report, &format!("{name}.scenario.toml"));
        for w in want {
            if !b.contains(w) {
                missing.push(format!("{name}: {w:?} is not in\n{b}"));
            }
        }
        if !want.iter().any(|w| ["ERROR", "TIME "].contains(w)) && !b.starts_with("FAIL ") {
            missing.push(format!("{name} did not fail:\n{b}"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert!(
        report.ends_with("24 scenarios: 0 passed, 15 failed, 8 could not run, 1 timed out\n"),
        "{report}"
    );
    validate_junit(&junit);
    let x = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(x.matches("<failure ").count(), 15, "{x}");
    // The OLED's picture at the failure.
    let png = arts.join("expect-oled").join("OLED.png");
    assert!(
        std::fs::read(&png).unwrap().starts_with(b"\x89PNG"),
        "{}",
        png.display()
    );
    // One scenario alone: its own exit code.
    let one = mpsim(dir.path(), &["expect-pin.scenario.toml"]);
    assert_eq!(one.status.code(), Some(1));
    let bad = mpsim(dir.path(), &["unknown-key.scenario.toml"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn shards_split_the_scenarios_between_them() {
    let (dir, _) = failing();
    let list = |shard: &str| -> Vec<String> {
        let out = mpsim(
            dir.path(),
            &["--shard", shard, "-j", "2", "--timeout", "1ms"],
        );
        text(&out.stdout)
            .lines()
            .filter(|l| !l.starts_with(' ') && l.contains(".scenario.toml"))
            .map(|l| l[6..].to_owned())
            .collect()
    };
    let a = list("1/2");
    let b = list("2/2");
    assert_eq!(a.len(), 12, "{a:?}");
    assert_eq!(b.len(), 12, "{b:?}");
    assert!(a.iter().all(|x| !b.contains(x)));
    let bad = mpsim(dir.path(), &["--shard", "3/2"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("I runs from 1 to N"));
}

/// A Wokwi project written for this test: an ESP32 with an SSD1306 and a button, micropython-lib's
/// ssd1306 driver (MPSIM_MICROPYTHON_LIB) beside its main.py.
fn wokwi_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let lib = std::env::var("MPSIM_MICROPYTHON_LIB").expect(
        "MPSIM_MICROPYTHON_LIB: run the tests through scripts/test.sh, which fetches the drivers",
    );
    std::fs::copy(Path::new(&lib).join("ssd1306.py"), p.join("ssd1306.py")).unwrap();
    std::fs::write(
        p.join("wokwi.toml"),
        "[wokwi]\nversion = 1\nfirmware = \"ESP32_GENERIC-20250415-v1.25.0.bin\"\n",
    )
    .unwrap();
    std::fs::write(
        p.join("diagram.json"),
        r#"{
  "version": 1,
  "author": "mpsim tests",
  "editor": "wokwi",
  "parts": [
    { "type": "board-esp32-devkit-c-v4", "id": "esp", "top": 0, "left": 0, "attrs": { "env": "micropython-20241129-v1.24.1" } },
    { "type": "board-ssd1306", "id": "oled1", "top": 0, "left": 150, "attrs": { "i2cAddress": "0x3c" } },
    { "type": "wokwi-pushbutton", "id": "btn1", "top": 120, "left": 150, "attrs": { "color": "green" } },
    { "type": "wokwi-led", "id": "led1", "top": 200, "left": 150, "attrs": { "color": "red" } }
  ],
  "connections": [
    [ "esp:TX", "$serialMonitor:RX", "", [] ],
    [ "esp:RX", "$serialMonitor:TX", "", [] ],
    [ "oled1:SCL", "esp:22", "green", [] ],
    [ "oled1:SDA", "esp:21", "blue", [] ],
    [ "oled1:VCC", "esp:3V3", "red", [] ],
    [ "oled1:GND", "esp:GND.1", "black", [] ],
    [ "btn1:1.l", "esp:4", "green", [] ],
    [ "btn1:2.l", "esp:GND.2", "black", [] ],
    [ "led1:A", "esp:2", "red", [] ],
    [ "led1:C", "esp:GND.3", "black", [] ]
  ],
  "dependencies": {}
}"#,
    )
    .unwrap();
    std::fs::write(
        p.join("main.py"),
        "from machine import Pin, SoftI2C\nimport ssd1306, time\n\
         oled = ssd1306.SSD1306_I2C(128, 64, SoftI2C(scl=Pin(22), sda=Pin(21)))\n\
         btn = Pin(4, Pin.IN, Pin.PULL_UP)\nled = Pin(2, Pin.OUT, value=0)\n\
         oled.text('waiting', 0, 0)\noled.show()\nprint('Ready')\n\
         while btn.value():\n    time.sleep_ms(10)\n\
         led.value(1)\noled.fill(0)\noled.text('pressed', 0, 0)\noled.show()\nprint('Pressed!')\n\
         while True:\n    time.sleep(1)\n",
    )
    .unwrap();
    std::fs::write(
        p.join("test.yaml"),
        "name: Button lights the LED\nversion: 1\nauthor: mpsim tests\n\nsteps:\n\
         \x20 - wait-serial: 'Ready'\n\
         \x20 - expect-pin:\n      part-id: led1\n      name: A\n      value: 0\n\
         \x20 - take-screenshot:\n      part-id: oled1\n      save-to: before.png\n\
         \x20 - set-control:\n      part-id: btn1\n      control: pressed\n      value: 1\n\
         \x20 - delay: 100ms\n\
         \x20 - wait-serial: 'Pressed!'\n\
         \x20 - expect-pin:\n      part-id: esp\n      name: '2'\n      value: 1\n\
         \x20 - take-screenshot:\n      part-id: oled1\n      compare-with: before.png\n",
    )
    .unwrap();
    dir
}

#[test]
fn a_wokwi_project_runs_with_wokwi_cli_s_options_and_exit_codes() {
    let dir = wokwi_project();
    let p = dir.path();
    let log = p.join("serial.log");
    let vcd = p.join("pins.vcd");
    let args = [
        ".",
        "--scenario",
        "test.yaml",
        "--timeout",
        "5000",
        "--serial-log-file",
        log.to_str().unwrap(),
        "--vcd-file",
        vcd.to_str().unwrap(),
    ];
    let out = mpsim(p, &args);
    let report = text(&out.stdout);
    // The screenshot after the press differs from the one before it: the last step fails.
    assert_eq!(out.status.code(), Some(1), "{report}{}", text(&out.stderr));
    assert!(report.contains("Ready\nPressed!\n"), "{report}");
    assert!(
        report.contains("test.yaml:24: step 8 (take-screenshot oled1)"),
        "{report}"
    );
    assert!(report.contains("oled1 differs from "), "{report}");
    assert!(p.join("before.png").is_file());
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "Ready\nPressed!\n");
    assert!(
        std::fs::read_to_string(&vcd)
            .unwrap()
            .contains("$enddefinitions")
    );
    // Without the last step it passes, as wokwi-cli says it.
    let yaml = std::fs::read_to_string(p.join("test.yaml")).unwrap();
    let cut = yaml.rfind("  - take-screenshot").unwrap();
    std::fs::write(p.join("test.yaml"), &yaml[..cut]).unwrap();
    let out = mpsim(p, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).ends_with("[Button lights the LED] Scenario completed successfully\n")
    );
    // A wait that outlasts --timeout: wokwi-cli's 42 (or --timeout-exit-code).
    std::fs::write(
        p.join("slow.yaml"),
        "name: slow\nversion: 1\nsteps:\n  - wait-serial: 'never'\n",
    )
    .unwrap();
    let out = mpsim(p, &[".", "--scenario", "slow.yaml", "--timeout", "300"]);
    assert_eq!(out.status.code(), Some(42), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("the scenario's time-limit (0.300 s) passed"));
    let out = mpsim(
        p,
        &[
            ".",
            "--scenario",
            "slow.yaml",
            "--timeout",
            "300",
            "--timeout-exit-code",
            "7",
        ],
    );
    assert_eq!(out.status.code(), Some(7));
    // --expect-text and --fail-text without a scenario.
    let out = mpsim(p, &[".", "--expect-text", "Ready", "--timeout", "2000"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = mpsim(
        p,
        &[
            ".",
            "--expect-text",
            "Pressed",
            "--fail-text",
            "Ready",
            "--timeout",
            "2000",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("the console showed the fail text \"Ready\""));
    // A key wokwi-cli refuses, and a duration without its unit.
    std::fs::write(
        p.join("bad.yaml"),
        "name: bad\nversion: 1\nsteps:\n  - wait-serial: 'x'\n    timeout: 1s\n",
    )
    .unwrap();
    let out = mpsim(p, &[".", "--scenario", "bad.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("unknown field `timeout`"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(
        p.join("bad.yaml"),
        "name: bad\nversion: 1\nsteps:\n  - delay: 100\n",
    )
    .unwrap();
    let out = mpsim(p, &[".", "--scenario", "bad.yaml"]);
    assert!(
        text(&out.stderr).contains("must include units"),
        "{}",
        text(&out.stderr)
    );
    // A Wokwi project that keeps scenario files of ours runs those without wokwi-cli's options.
    std::fs::write(
        p.join("own.scenario.toml"),
        "[[board]]\nproject = \".\"\n\n[[step]]\nwait-serial = \"Ready\"\n",
    )
    .unwrap();
    let out = mpsim(p, &["."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).starts_with("PASS  ./own.scenario.toml"),
        "{}",
        text(&out.stdout)
    );
}
