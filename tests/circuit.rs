//! Circuits end to end: Wokwi projects written for these tests (tests/projects/) and our own
//! wiring files run through the `mpsim` binary with `--project`, driven by `--control` and read
//! back from the board's output and the `--trace` of the parts; the drivers people install from
//! PyPI (fetched by scripts/test.sh) against the parts' models; bad wiring and its messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A copy of `tests/projects/NAME` in a temp dir, with `drivers` from micropython-lib's and
/// PyPI's sdists (MPSIM_MICROPYTHON_LIB) beside its main.py.
fn project(name: &str, drivers: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/projects")
        .join(name);
    copy(&src, dir.path());
    if !drivers.is_empty() {
        let lib = std::env::var("MPSIM_MICROPYTHON_LIB").expect(
            "MPSIM_MICROPYTHON_LIB: run the tests through scripts/test.sh, which fetches the drivers",
        );
        for d in drivers {
            let from = Path::new(&lib).join(d);
            let to = dir.path().join(d);
            if from.is_dir() {
                std::fs::create_dir_all(&to).unwrap();
                copy(&from, &to);
            } else {
                std::fs::copy(&from, &to).unwrap();
            }
        }
    }
    dir
}

fn copy(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Runs `mpsim run ARGS` in virtual time with a JSON-lines trace; stdout, stderr, the trace.
fn run(args: &[&str]) -> (Output, String) {
    let data = tempfile::tempdir().unwrap();
    let trace: PathBuf = data.path().join("trace.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .env("XDG_DATA_HOME", data.path())
        .arg("run")
        .arg("--virtual-time")
        .args(["--timeout", "120s"])
        .arg("--trace")
        .arg(&trace)
        .args(args)
        .output()
        .unwrap();
    let t = std::fs::read_to_string(&trace).unwrap_or_default();
    (out, t)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// What part `id` shows at the end of the trace.
fn last_shown(trace: &str, id: &str) -> String {
    let key = format!("\"part\":\"{id}\"");
    let line = trace
        .lines()
        .rfind(|l| l.contains(&key))
        .unwrap_or_else(|| panic!("{id} is not in the trace:\n{trace}"));
    let v = line.split("\"shows\":\"").nth(1).unwrap();
    v[..v.rfind('"').unwrap()].to_owned()
}

/// Every (time, brightness) of LED `name` in the trace.
fn led(trace: &str, name: &str) -> Vec<(u64, f64)> {
    let key = format!("\"led\":\"{name}\"");
    trace
        .lines()
        .filter(|l| l.contains(&key))
        .map(|l| {
            let t = l["{\"t_us\":".len()..]
                .split(',')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            let b = l
                .split("\"brightness\":")
                .nth(1)
                .unwrap()
                .trim_end_matches('}');
            (t, b.parse().unwrap())
        })
        .collect()
}

#[test]
fn dht22_station_shows_the_sensor_on_the_lcd() {
    let p = project("dht22-station", &["lcd_i2c"]);
    let dir = p.path().to_str().unwrap();
    let (out, trace) = run(&[
        "--project",
        dir,
        "--for",
        "5s",
        "--control",
        "dht1.temperature=31.2@2.5s",
        "--control",
        "dht1.humidity=77@2.5s",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.starts_with("T=23.5C H=41%\n"), "{stdout}");
    assert!(stdout.contains("T=31.2C H=77%"), "{stdout}");
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
    let lcd = last_shown(&trace, "lcd1");
    assert_eq!(lcd, "Temp:  31.2 C    | Hum:     77 %   ");
}

#[test]
fn parking_sensor_on_a_breadboard_lights_its_leds_by_distance() {
    let p = project("parking", &[]);
    let (out, trace) = run(&[
        "--project",
        p.path().to_str().unwrap(),
        "--for",
        "2s",
        "--control",
        "sonar.distance=50@0.6s",
        "--control",
        "sonar.distance=10@1.1s",
    ]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("distance 150 cm -> green"), "{stdout}");
    assert!(stdout.contains("distance 50 cm -> yellow"), "{stdout}");
    assert!(stdout.contains("distance 10 cm -> red"), "{stdout}");
    // The LEDs sit behind resistors on the breadboard's strips, their cathodes on its GND rail.
    let on_at = |name: &str| {
        led(&trace, name)
            .into_iter()
            .find(|(_, b)| *b == 1.0)
            .map(|(t, _)| t)
    };
    let (g, y, r) = (
        on_at("green (green)").unwrap(),
        on_at("yellow (yellow)").unwrap(),
        on_at("red (red)").unwrap(),
    );
    assert!(
        g < 600_000 && (600_000..1_100_000).contains(&y) && r >= 1_100_000,
        "{trace}"
    );
}

#[test]
fn lcd_menu_follows_its_buttons() {
    let p = project("lcd-menu", &["lcd_i2c"]);
    let (out, trace) = run(&[
        "--project",
        p.path().to_str().unwrap(),
        "--for",
        "3s",
        "--control",
        "next.click=100@1s",
        "--control",
        "next.click=100@1.5s",
        "--control",
        "ok.pressed=1@2s",
        "--control",
        "ok.pressed=0@2.2s",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(stdout, "selected: Pressure\n", "{}", text(&out.stderr));
    // The devkit-c board's bare pin numbers and its TX/RX wires to the serial monitor: no notes.
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
    assert!(
        last_shown(&trace, "lcd").starts_with("Chosen: Pressure"),
        "{trace}"
    );
    assert!(
        trace
            .lines()
            .any(|l| l.contains("\"shows\":\"  Temperature ") && l.contains("| > Humidity ")),
        "the cursor moved to the second item first:\n{trace}"
    );
}

#[test]
fn servo_follows_a_potentiometer_on_a_pico_w() {
    let p = project("servo-pot", &[]);
    let (out, trace) = run(&[
        "--project",
        p.path().to_str().unwrap(),
        "--for",
        "2s",
        "--control",
        "pot.position=0@0.5s",
        "--control",
        "pot.position=1@1s",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout,
        "angle 90\nangle 0\nangle 180\n",
        "{}",
        text(&out.stderr)
    );
    let angles: Vec<String> = trace
        .lines()
        .filter(|l| l.contains("\"part\":\"servo\""))
        .map(|l| l.split("\"shows\":\"").nth(1).unwrap().to_owned())
        .collect();
    assert!(
        angles.iter().any(|a| a.starts_with("0° (0.50 ms)")),
        "{angles:?}"
    );
    assert!(
        angles.last().unwrap().starts_with("180° (2.50 ms)"),
        "{angles:?}"
    );
}

#[test]
fn pypi_drivers_drive_the_parts() {
    let p = project(
        "drivers",
        &[
            "bme280.py",
            "tm1637.py",
            "max7219",
            "ssd1306.py",
            "ds1307",
            "ili934x.py",
        ],
    );
    let (out, trace) = run(&["--project", p.path().to_str().unwrap(), "--board", "esp32"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("scan ['0x68', '0x76']"), "{stdout}");
    // micropython-bme280 2.1.3 shifts dig_T2 before it multiplies (its integer formula), so its
    // temperature reads about 2 C under what the chip measures; humidity is exact.
    let bme = stdout.lines().find(|l| l.starts_with("bme280")).unwrap();
    assert!(bme.contains("'37.51%'") && bme.contains("C'"), "{bme}");
    let t: f64 = bme
        .split('\'')
        .nth(1)
        .unwrap()
        .trim_end_matches('C')
        .parse()
        .unwrap();
    assert!((23.0..27.0).contains(&t), "{bme}");
    assert!(stdout.contains("rtc (2030, 7, 14, 12, 34, 50,"), "{stdout}");
    assert!(
        stdout.contains("rtc (2030, 7, 14, 12, 34, 53,"),
        "three simulated seconds later:\n{stdout}"
    );
    assert_eq!(last_shown(&trace, "clock"), "12:34");
    let lit: u32 = last_shown(&trace, "matrix")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(lit > 15, "\"Hi\" on two matrices: {lit} LEDs");
    assert!(
        last_shown(&trace, "oled").starts_with("128x64, on, contrast 255, "),
        "{trace}"
    );
    // The ILI9341 shares the MAX7219s' bus with its own CS: blue everywhere, a red square in the
    // middle, white text on black in the corner.
    assert_eq!(
        last_shown(&trace, "tft"),
        "240x320 on, corner #000000, centre #ff0000"
    );
    // micropython-ili934x reads RAMRD's dummy byte as red (the datasheet sends one first).
    assert!(stdout.contains("tft pixel 0x1f 0x0"), "{stdout}");
}

#[test]
fn wiring_mistakes_are_reported_by_part_and_never_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let diagram = dir.path().join("diagram.json");
    std::fs::write(
        &diagram,
        r#"{"version": 1, "parts": [
            {"type": "wokwi-esp32-devkit-v1", "id": "esp", "top": 0, "left": 0},
            {"type": "wokwi-lcd1602", "id": "lcd", "top": 0, "left": 0, "attrs": {"pins": "i2c"}},
            {"type": "wokwi-mpu6050", "id": "imu", "top": 0, "left": 0},
            {"type": "wokwi-ds1307", "id": "rtc", "top": 0, "left": 0},
            {"type": "wokwi-dht22", "id": "dht", "top": 0, "left": 0},
            {"type": "wokwi-stepper-motor", "id": "m1", "top": 0, "left": 0},
            {"type": "wokwi-led", "id": "led1", "top": 0, "left": 0}
        ], "connections": [
            ["lcd:SDA", "esp:D18"], ["lcd:SCL", "esp:D19"],
            ["imu:SDA", "esp:D21"], ["imu:SCL", "esp:D22"],
            ["rtc:SDA", "esp:D21"], ["rtc:SCL", "esp:D22"],
            ["led1:A", "esp:GND.1"], ["led1:C", "esp:D2"],
            ["dht:VCC", "esp:3V3"], ["esp:D5", "ghost:1"]
        ]}"#,
    )
    .unwrap();
    let (out, _) = run(&[
        "--wiring",
        diagram.to_str().unwrap(),
        "--board",
        "esp32",
        "-c",
        "from machine import I2C, Pin\nprint(I2C(0).scan(), I2C(0, scl=Pin(22), sda=Pin(21)).scan())",
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    for want in [
        "lcd: SDA and SCL look swapped (I2C(0) has SCL on GPIO18 and SDA on GPIO19)",
        "imu and rtc: two I2C chips at 0x68",
        "dht: pin SDA is not connected (its driver needs it)",
        "m1: part type \"wokwi-stepper-motor\" is not simulated (ignored)",
        "led1: the LED is wired the wrong way round",
        "wire to \"ghost:1\": no part \"ghost\"",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    // The swapped LCD does not answer on I2C(0)'s pins, as on the board; the two chips at 0x68 do.
    assert!(
        text(&out.stdout).ends_with("\n[] [104]\n"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn bad_files_and_controls_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("diagram.json");
    std::fs::write(&bad, "{\"parts\": [").unwrap();
    let (out, _) = run(&["--wiring", bad.to_str().unwrap(), "-c", "pass"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("diagram.json: not valid JSON"),
        "{}",
        text(&out.stderr)
    );
    let toml = dir.path().join("w.toml");
    std::fs::write(
        &toml,
        "[[part]]\nid = \"b\"\ntype = \"pushbutton\"\npins = { 1 = \"D3\", 2 = \"GND\" }\n",
    )
    .unwrap();
    let w = toml.to_str().unwrap();
    let (out, _) = run(&["--wiring", w, "--control", "x.pressed=1", "-c", "pass"]);
    assert!(
        text(&out.stderr).contains("--control x: no such part (the circuit has b)"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(2));
    let (out, _) = run(&["--wiring", w, "--control", "b.pressed", "-c", "pass"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("PART.CONTROL=VALUE"),
        "{}",
        text(&out.stderr)
    );
    // At run time (the part exists, its control does not, or the value is out of range): said on
    // the console, the run goes on.
    let (out, _) = run(&[
        "--wiring",
        w,
        "--control",
        "b.volume=3@0.1s",
        "--control",
        "b.click=-5@0.2s",
        "--control",
        "b.pressed=1@0.3s",
        "-c",
        "import time, machine\np = machine.Pin(0, machine.Pin.IN)\ntime.sleep(0.5)\nprint('pressed' if p.value() == 0 else 'not pressed')",
    ]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "mpsim: --control b.volume: b has no control \"volume\" (it has pressed, click)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("b.click: -5 is out of range (0 to 60000 ms)"),
        "{stdout}"
    );
    assert!(stdout.ends_with("pressed\n"), "{stdout}");
}

#[test]
fn output_parts_show_what_the_pins_drive() {
    let (out, trace) = run(&[
        "--board",
        "pico",
        "--project",
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/projects/outputs"),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout,
        "rgb set\nrelay off, contact 1\nrelay on, contact 0\ndone\n",
        "{}",
        text(&out.stderr)
    );
    let shows = |id: &str| -> Vec<String> {
        let key = format!("\"part\":\"{id}\"");
        trace
            .lines()
            .filter(|l| l.contains(&key))
            .map(|l| {
                l.split("\"shows\":\"")
                    .nth(1)
                    .unwrap()
                    .trim_end_matches("\"}")
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(shows("rgb").last().unwrap(), "#ff0080");
    assert_eq!(shows("piezo"), ["silent", "440 Hz", "880 Hz", "silent"]);
    assert_eq!(shows("beeper"), ["silent", "2300 Hz", "silent"]);
    assert_eq!(shows("relay").last().unwrap(), "on (COM-NO)");
    assert_eq!(shows("digit").last().unwrap(), "6");
    assert_eq!(
        shows("lcd").last().unwrap(),
        "Parallel         | 4-bit ok        "
    );
    assert_eq!(
        shows("strip").last().unwrap(),
        "#ff0000 #000000 #000000 #000000 #000000 #000000 #000000 #0000ff"
    );
}

#[test]
fn two_boards_in_one_circuit_talk_over_uart_and_a_gpio() {
    let wiring = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/projects/two-boards/wiring.toml"
    );
    let data = tempfile::tempdir().unwrap();
    let run = |virtual_time: bool| {
        let out = Command::new(env!("CARGO_BIN_EXE_mpsim"))
            .env("XDG_DATA_HOME", data.path())
            .args(["run", "--wiring", wiring, "--timeout", "30s"])
            .args(["--control", "btn.pressed=1@5s"])
            .args(if virtual_time {
                &["--virtual-time"][..]
            } else {
                &[][..]
            })
            .output()
            .unwrap();
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
        stdout
    };
    for virtual_time in [false, true] {
        let stdout = run(virtual_time);
        // The display board asks three times on its GPIO27 (the sensor's GP14); the sensor board
        // reads its DHT22 and answers over UART (its GP4 TX into the ESP32's UART2 RX) and hears
        // the thanks back; the button on the display board's GPIO0 is pressed at 5 s.
        let heard = stdout
            .lines()
            .filter(|l| l.starts_with("[display] heard b'T=19.5\\n' at "))
            .count();
        assert_eq!(heard, 3, "{stdout}");
        assert!(
            stdout.contains("[sensor] got back: b'thanks\\n'"),
            "{stdout}"
        );
        assert!(
            stdout.contains("[display] button pressed at about 5 s"),
            "{stdout}"
        );
        assert!(
            stdout.contains("[sensor] sensor done") && stdout.contains("[display] display done")
        );
        if virtual_time {
            // In lockstep on one simulated clock: the same run, to the millisecond, every time.
            assert_eq!(stdout, run(true));
        }
    }
}

#[test]
fn a_wokwi_diagram_picks_its_board_and_brings_wokwi_guest() {
    let diagram = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/projects/servo-pot/diagram.json"
    );
    let (out, _) = run(&[
        "--wiring",
        diagram,
        "-c",
        "import network, sys\nw = network.WLAN(network.STA_IF)\nw.active(True)\n\
         print(sys.implementation._machine)\nprint([ap[0] for ap in w.scan() if ap[0] == b'Wokwi-GUEST'])\n\
         w.connect('Wokwi-GUEST', '')\nwhile not w.isconnected():\n    pass\nprint('connected')",
    ]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Raspberry Pi Pico W with RP2040"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[b'Wokwi-GUEST']\nconnected\n"),
        "{stdout}{}",
        text(&out.stderr)
    );
}

#[test]
fn gui_project_without_a_display_runs_the_projects_main_in_the_terminal() {
    let p = project("servo-pot", &[]);
    std::fs::write(
        p.path().join("main.py"),
        "import sys, machine\nprint(sys.implementation._machine)\n\
         machine.PWM(machine.Pin(15), freq=50, duty_ns=1500000)\nprint('project main ran')\n",
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .env("XDG_DATA_HOME", data.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .args(["gui", "--project", p.path().to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(
        text(&out.stderr).contains("no display found"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        stdout.contains("Raspberry Pi Pico W with RP2040") && stdout.contains("project main ran"),
        "the diagram's board runs the project's main.py, not the blink example:\n{stdout}"
    );
}

#[test]
fn a_board_reaches_another_boards_i2c_target() {
    let wiring = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/projects/i2c-boards/wiring.toml"
    );
    let data = tempfile::tempdir().unwrap();
    for extra in [&[][..], &["--virtual-time"][..]] {
        let out = Command::new(env!("CARGO_BIN_EXE_mpsim"))
            .env("XDG_DATA_HOME", data.path())
            .args(["run", "--wiring", wiring, "--timeout", "30s"])
            .args(extra)
            .output()
            .unwrap();
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
        // The ESP32's I2C(0) on SCL 22/SDA 21 is wired to the Pico's GP9/GP8, where an
        // I2CTarget at 0x42 serves its memory: the scan finds it, readfrom_mem/writeto_mem
        // select the memory address and read or write from there, another address is not
        // acknowledged; the target's soft IRQ sees the end of each transfer with its memaddr.
        for want in [
            "[ctl] scan ['0x42']",
            "[ctl] read b'pico'",
            "[ctl] read back b'pico-MEM'",
            "[ctl] 0x43: [Errno 19] ENODEV",
            "[tgt] events [('read', 4), ('write', 0), ('read', 0)]",
            "[tgt] mem bytearray(b'pico-MEM')",
        ] {
            assert!(stdout.contains(want), "missing {want:?} in:\n{stdout}");
        }
    }
}

#[test]
fn the_esp8266_s_frozen_ssd1306_driver_draws_on_the_oled() {
    let dir = tempfile::tempdir().unwrap();
    let wiring = dir.path().join("wiring.toml");
    std::fs::write(
        &wiring,
        "[[part]]\nid = \"oled\"\ntype = \"ssd1306\"\npins = { SDA = \"4\", SCL = \"5\" }\n",
    )
    .unwrap();
    let script = dir.path().join("main.py");
    std::fs::write(
        &script,
        "import machine, ssd1306\n\
         i2c = machine.I2C(scl=machine.Pin(5), sda=machine.Pin(4))\n\
         d = ssd1306.SSD1306_I2C(128, 64, i2c)\n\
         d.fill_rect(0, 0, 10, 10, 1)\n\
         d.show()\n\
         d.contrast(100)\n\
         print(d.width, d.height, d.pages, len(d.buffer))\n",
    )
    .unwrap();
    let (out, trace) = run(&[
        "--wiring",
        wiring.to_str().unwrap(),
        script.to_str().unwrap(),
    ]);
    assert!(
        text(&out.stdout).ends_with("\n128 64 8 1024\n"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        last_shown(&trace, "oled"),
        "128x64, on, contrast 100, 100 pixels lit"
    );
}
