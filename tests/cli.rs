//! The `mpsim` binary end to end: exit codes, --expect/--fail-on/--timeout/--for, traces,
//! determinism under virtual time, the console on stdin/stdout, bad input (issue 2).

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary with its own data folder, so each command gets its own default flash image and never
/// touches the user's. The image exists already (set up by `mpsim fs`), so the board is past its
/// first boot; `fresh_mpsim` gives one that is not.
fn mpsim() -> Command {
    let c = fresh_mpsim();
    let data = c
        .get_envs()
        .find(|(k, _)| *k == "XDG_DATA_HOME")
        .and_then(|(_, v)| v)
        .expect("data dir")
        .to_owned();
    let made = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .env("XDG_DATA_HOME", &data)
        .args(["fs", "df"])
        .output()
        .expect("mpsim fs runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    c
}

fn fresh_mpsim() -> Command {
    let data = tempfile::tempdir().expect("temp dir").keep();
    let mut c = Command::new(env!("CARGO_BIN_EXE_mpsim"));
    c.stdin(Stdio::null()).env("XDG_DATA_HOME", data);
    c
}

fn run(args: &[&str]) -> Output {
    mpsim().args(args).output().expect("mpsim runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn script(dir: &tempfile::TempDir, name: &str, body: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, body).expect("write script");
    p.display().to_string()
}

#[test]
fn issue_example_pin_value() {
    let o = run(&[
        "run",
        "-c",
        "import machine; p = machine.Pin(2, machine.Pin.OUT); p.off(); print(p.value())",
    ]);
    assert_eq!(stdout(&o), "0\n");
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn boards_lists_ids_and_aliases() {
    let o = run(&["boards"]);
    assert_eq!(o.status.code(), Some(0));
    let s = stdout(&o);
    assert!(s.contains("ESP8266_GENERIC"), "{s}");
    assert!(s.contains("esp8266") && s.contains("nodemcu"), "{s}");
}

#[test]
fn board_alias_is_accepted_and_unknown_board_is_a_usage_error() {
    let o = run(&[
        "run",
        "--board",
        "NodeMCU",
        "-c",
        "import sys; print(sys.platform)",
    ]);
    assert_eq!(stdout(&o), "esp8266\n");
    let o = run(&["run", "--board", "arduino-uno", "-c", "print(1)"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown board \"arduino-uno\""),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("ESP8266_GENERIC"),
        "lists the known boards"
    );
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    for args in [
        &["run", "-c", "print(1)", "--for", "5 parsecs"][..],
        &["run", "-c", "print(1)", "--heap", "lots"],
        &["run", "/nonexistent/script.py"],
        &["run", "-c", "print(1)", "--led", "9"],
        &["run", "-c", "print(1)", "--pin", "0=7@1s"],
        &["run", "-c", "print(1)", "--trace", "out.txt"],
        &["run", "-c", "print(1)", "--uart", "3=/tmp/mpsim-test-uart3"],
        &["run", "-c", "print(1)", "--uart", "0=/tmp/mpsim-test-uart0"],
        &["run", "-c", "print(1)", "--uart", "one=/tmp/x"],
        &["frobnicate"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).trim().is_empty(), "{args:?} says why");
    }
}

#[test]
fn help_documents_the_exit_codes() {
    let o = run(&["run", "--help"]);
    let s = stdout(&o);
    for needle in [
        "Exit codes:",
        "--virtual-time",
        "--expect",
        "--fail-on",
        "--trace",
        "--led",
    ] {
        assert!(s.contains(needle), "{needle} in help:\n{s}");
    }
}

#[test]
fn expect_stops_a_forever_loop_with_exit_0() {
    let d = tempfile::tempdir().unwrap();
    let s = script(
        &d,
        "t.py",
        "import time\nn = 0\nwhile True:\n    n += 1\n    print('tick', n)\n    if n == 3:\n        print('ALL OK')\n    time.sleep(1)\n",
    );
    let o = run(&[
        "run",
        &s,
        "--virtual-time",
        "--timeout",
        "30s",
        "--expect",
        "ALL OK",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "tick 1\ntick 2\ntick 3\nALL OK\n");
}

#[test]
fn a_watched_text_ends_the_run_where_it_appeared_though_the_front_end_matches_it() {
    // The front end matches the texts; the board waits for its verdict at each line (and, after
    // an unfinished one, before it next waits), so nothing the program does after the text runs:
    // the LED never lights, however fast the program goes on (real time, a busy loop).
    let d = tempfile::tempdir().unwrap();
    for (end, expect) in [("'\\n'", "DONE"), ("''); time.sleep_ms(1", "ready")] {
        let s = script(
            &d,
            "t.py",
            &format!(
                "import time\nfrom machine import Pin\np = Pin(15, Pin.OUT)\nfor i in range(300):\n    print('tick', i)\nprint('DONE ready', end={end})\np.on()\nprint('after')\nwhile True:\n    pass\n"
            ),
        );
        for _ in 0..3 {
            let vcd = d.path().join("t.vcd");
            let o = run(&[
                "run",
                &s,
                "--timeout",
                "20s",
                "--expect",
                expect,
                "--fail-on",
                "after",
                "--trace",
                vcd.to_str().unwrap(),
                "--led",
                "15",
            ]);
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            let out = stdout(&o);
            assert!(out.starts_with("tick 0\ntick 1\n"), "{out}");
            assert!(
                out.ends_with("tick 299\nDONE ready") || out.ends_with("tick 299\nDONE ready\n"),
                "{out}"
            );
            let text = std::fs::read_to_string(&vcd).unwrap();
            assert_eq!(vcd_edges(&text, "GPIO15_D8"), vec![(0, '0')], "{text}");
        }
    }
}

#[test]
fn every_expect_must_appear() {
    let o = run(&[
        "run",
        "-c",
        "print('one')",
        "--expect",
        "one",
        "--expect",
        "two",
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("\"two\""), "{}", stderr(&o));
    let o = run(&[
        "run",
        "-c",
        "print('two'); print('one')",
        "--expect",
        "one",
        "--expect",
        "two",
    ]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn fail_on_text_exits_1_immediately() {
    let o = run(&[
        "run",
        "-c",
        "print('test a: ok')\nprint('test b: FAIL')\nprint('after')",
        "--fail-on",
        "FAIL",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "test a: ok\ntest b: FAIL\n");
    assert!(stderr(&o).contains("FAIL"));
}

#[test]
fn timeout_ends_a_busy_loop_and_a_sleeping_loop_with_exit_3() {
    let t = Instant::now();
    let o = run(&["run", "-c", "while True:\n    pass", "--timeout", "1s"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(t.elapsed() < Duration::from_secs(20));
    let t = Instant::now();
    let o = run(&[
        "run",
        "-c",
        "import time\nwhile True:\n    time.sleep(60)",
        "--virtual-time",
        "--timeout",
        "1h",
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("timeout after 3600.000 s"),
        "{}",
        stderr(&o)
    );
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "virtual hour took {:?}",
        t.elapsed()
    );
}

#[test]
fn uncaught_exception_and_syntax_error_exit_1() {
    let o = run(&["run", "-c", "print('a')\nraise ValueError('bad')"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "a\nTraceback (most recent call last):\n  File \"<stdin>\", line 2, in <module>\nValueError: bad\n"
    );
    let o = run(&["run", "-c", "x = (1,"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("SyntaxError: invalid syntax"),
        "{}",
        stdout(&o)
    );
    let o = run(&["run", "-c", "import nosuchmodule"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).ends_with("ImportError: no module named 'nosuchmodule'\n"));
}

#[test]
fn raw_output_keeps_the_boards_line_ends() {
    let o = run(&["run", "-c", "print('a')", "--raw-output"]);
    assert_eq!(o.stdout, b"a\r\n");
}

#[test]
fn for_runs_timers_after_the_program_returns() {
    let o = run(&[
        "run",
        "-c",
        "from machine import Timer\nn = [0]\ndef cb(t):\n    n[0] += 1\n    print('tick', n[0])\nTimer(-1).init(period=1000, callback=cb)\n",
        "--virtual-time",
        "--for",
        "3500ms",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "tick 1\ntick 2\ntick 3\n");
}

fn vcd_edges(text: &str, wire: &str) -> Vec<(u64, char)> {
    let id = text
        .lines()
        .find(|l| l.starts_with("$var wire 1 ") && l.contains(&format!(" {wire} ")))
        .and_then(|l| l.split_whitespace().nth(3))
        .expect("wire declared")
        .to_owned();
    let mut t = 0;
    let mut out = Vec::new();
    let mut in_defs = true;
    for line in text.lines() {
        if line.starts_with("$enddefinitions") {
            in_defs = false;
            continue;
        }
        if in_defs {
            continue;
        }
        if let Some(ts) = line.strip_prefix('#') {
            t = ts.parse().expect("timestamp");
        } else if line.len() > 1
            && line[1..] == id
            && (line.starts_with('0') || line.starts_with('1'))
        {
            out.push((t, line.chars().next().unwrap_or('?')));
        }
    }
    out
}

#[test]
fn blink_trace_shows_pin_15_toggling_every_500ms() {
    let d = tempfile::tempdir().unwrap();
    let vcd = d.path().join("blink.vcd");
    let t = Instant::now();
    let o = run(&[
        "run",
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/esp8266/blink.py"),
        "--virtual-time",
        "--for",
        "60s",
        "--trace",
        vcd.to_str().unwrap(),
        "--led",
        "15",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(t.elapsed() < Duration::from_secs(20));
    let text = std::fs::read_to_string(&vcd).unwrap();
    assert!(text.contains("$timescale 1us $end"));
    let edges = vcd_edges(&text, "GPIO15_D8");
    // Initial value at #0, then 120 changes in 60 s.
    assert_eq!(edges[0], (0, '0'));
    let changes = &edges[1..];
    assert_eq!(changes.len(), 120, "{changes:?}");
    for (i, (t, v)) in changes.iter().enumerate() {
        assert_eq!(*t, i as u64 * 500_000, "edge {i}");
        assert_eq!(*v, if i % 2 == 0 { '1' } else { '0' });
    }
    assert!(text.contains("$var real 1 "), "the LED is traced too");
    assert!(text.trim_end().ends_with("#60000000"));
}

#[test]
fn jsonl_trace_has_one_object_per_change() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("t.jsonl");
    let o = run(&[
        "run",
        "-c",
        "from machine import Pin\nimport time\np = Pin(4, Pin.OUT)\nfor i in range(3):\n    p.on(); time.sleep_ms(10); p.off(); time.sleep_ms(10)",
        "--virtual-time",
        "--trace",
        path.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let text = std::fs::read_to_string(&path).unwrap();
    let pin4: Vec<&str> = text.lines().filter(|l| l.contains("\"pin\":4,")).collect();
    assert_eq!(
        pin4,
        [
            "{\"t_us\":0,\"pin\":4,\"level\":0}",
            "{\"t_us\":0,\"pin\":4,\"level\":1}",
            "{\"t_us\":10000,\"pin\":4,\"level\":0}",
            "{\"t_us\":20000,\"pin\":4,\"level\":1}",
            "{\"t_us\":30000,\"pin\":4,\"level\":0}",
            "{\"t_us\":40000,\"pin\":4,\"level\":1}",
            "{\"t_us\":50000,\"pin\":4,\"level\":0}",
        ]
    );
}

#[test]
fn virtual_time_runs_are_byte_identical() {
    let d = tempfile::tempdir().unwrap();
    let s = script(
        &d,
        "busy.py",
        "import asyncio, random, time, os\nfrom machine import Pin, Timer\n\
         p = Pin(5, Pin.OUT)\nlog = []\n\
         Timer(-1).init(period=7, callback=lambda t: log.append(time.ticks_us()))\n\
         async def a():\n    for i in range(20):\n        p.value(random.getrandbits(1))\n        await asyncio.sleep_ms(3)\n\
         async def b():\n    for i in range(10):\n        print(time.ticks_us(), random.randint(0, 999), os.urandom(2))\n        await asyncio.sleep_ms(5)\n\
         async def main():\n    await asyncio.gather(a(), b())\n\
         asyncio.run(main())\nprint(log)\n",
    );
    let mut outs = Vec::new();
    for i in 0..2 {
        let tr = d.path().join(format!("t{i}.vcd"));
        let o = run(&["run", &s, "--virtual-time", "--trace", tr.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        outs.push((o.stdout, std::fs::read(&tr).unwrap()));
    }
    assert!(outs[0].0.len() > 100);
    assert_eq!(outs[0].0, outs[1].0, "console output identical");
    assert_eq!(outs[0].1, outs[1].1, "trace identical");
}

#[test]
fn virtual_time_fast_forwards_long_sleeps() {
    let t = Instant::now();
    let o = run(&[
        "run",
        "-c",
        "import time\nfrom machine import Pin\np = Pin(15, Pin.OUT)\nfor i in range(1000):\n    p.value(i & 1)\n    time.sleep_ms(500)\nprint(time.ticks_ms())",
        "--virtual-time",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let ms: u64 = stdout(&o).trim().parse().unwrap();
    assert!((500_000..500_200).contains(&ms), "{ms}");
    assert!(t.elapsed() < Duration::from_secs(10));
}

#[test]
fn real_time_sleeps_take_real_time() {
    let t = Instant::now();
    let o = run(&["run", "-c", "import time\ntime.sleep_ms(300)\nprint('ok')"]);
    assert_eq!(stdout(&o), "ok\n");
    assert!(t.elapsed() >= Duration::from_millis(300));
}

#[test]
fn stdin_is_the_console_and_argv_follows_double_dash() {
    let mut child = mpsim()
        .args([
            "run",
            "-c",
            "import sys\nname = input('name? ')\nprint('hello', name, sys.argv[1:])",
            "--",
            "x",
            "y",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.as_mut().unwrap().write_all(b"board\n").unwrap();
    let o = child.wait_with_output().unwrap();
    // input() echoes what it reads, as the board's readline does on its console.
    assert_eq!(stdout(&o), "name? board\nhello board ['x', 'y']\n");
}

#[test]
fn sigint_interrupts_a_busy_loop_with_keyboardinterrupt() {
    use std::os::unix::process::CommandExt;
    // In a process group of its own, as a terminal's foreground job: Ctrl-C there (and a
    // service manager's SIGTERM) signals the whole group, the board's process included.
    for signal in ["-INT", "-TERM"] {
        let mut child = mpsim()
            .args(["run", "-c", "print('looping')\nwhile True:\n    pass"])
            .process_group(0)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let mut first = [0u8; 8];
        out.read_exact(&mut first).unwrap();
        assert_eq!(&first, b"looping\n");
        let group = format!("-{}", child.id());
        let killed = Command::new("kill")
            .args([signal, "--", &group])
            .status()
            .unwrap();
        assert!(killed.success());
        let mut rest = String::new();
        out.read_to_string(&mut rest).unwrap();
        let status = child.wait().unwrap();
        // The loop is interrupted on its `while` or its `pass` line, whichever runs then.
        let line2 = "Traceback (most recent call last):\n  File \"<stdin>\", line 2, in <module>\nKeyboardInterrupt: \n";
        assert!(
            rest == line2 || rest == line2.replace("line 2", "line 3"),
            "{signal}: {rest}"
        );
        assert_eq!(status.code(), Some(1), "{signal}");
    }
}

#[test]
fn memory_bombs_end_cleanly_without_taking_the_hosts_memory() {
    // Within the budget's reach: a catchable MemoryError.
    let o = run(&[
        "run",
        "-c",
        "try:\n    x = bytearray(10 ** 7)\nexcept MemoryError as e:\n    print('caught', e)\nprint('alive')",
    ]);
    assert_eq!(
        stdout(&o),
        "caught memory allocation failed, allocating 10000000 bytes\nalive\n"
    );
    // Far beyond it, uncaught: the run ends with MicroPython's message and exit code 1.
    for code in [
        "n = 10 ** 9\nx = 'a' * n",
        "n = 10 ** 8\nx = [0] * n",
        "x = bytearray(2 ** 31 - 1)",
    ] {
        let t = Instant::now();
        let o = run(&["run", "-c", code]);
        assert_eq!(o.status.code(), Some(1), "{code}");
        let all = stdout(&o) + &stderr(&o);
        assert!(
            all.contains("MemoryError: memory allocation failed"),
            "{code}: {all}"
        );
        assert!(t.elapsed() < Duration::from_secs(20));
    }
    // A slow leak is stopped at the heap, not at the host's limit.
    let o = run(&[
        "run",
        "-c",
        "x = []\nwhile True:\n    x.append('%d' % len(x))",
        "--timeout",
        "60s",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).ends_with("MemoryError: memory allocation failed\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn deep_recursion_is_a_runtime_error_not_a_crash() {
    let o = run(&["run", "-c", "def f(n):\n    return f(n + 1)\nf(0)"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).ends_with("RuntimeError: maximum recursion depth exceeded\n"));
}

#[test]
fn default_command_says_why_it_runs_in_the_terminal() {
    let mut child = mpsim()
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let still_running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert!(still_running, "the board keeps running: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("in this terminal"), "{err}");
}

#[test]
fn wiring_file_adds_named_leds_to_the_trace() {
    let d = tempfile::tempdir().unwrap();
    let wiring = d.path().join("wiring.toml");
    std::fs::write(
        &wiring,
        "[[led]]\npin = 15\nname = \"red LED\"\n[[led]]\npin = 4\nactive_low = true\n",
    )
    .unwrap();
    let vcd = d.path().join("t.vcd");
    let o = run(&[
        "run",
        "-c",
        "from machine import Pin\nPin(15, Pin.OUT).on()\nPin(4, Pin.OUT).off()",
        "--virtual-time",
        "--wiring",
        wiring.to_str().unwrap(),
        "--trace",
        vcd.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&vcd).unwrap();
    let id = |name: &str| {
        text.lines()
            .find(|l| l.starts_with("$var real") && l.contains(&format!(" {name} ")))
            .and_then(|l| l.split_whitespace().nth(3))
            .unwrap_or_else(|| panic!("{name} declared in\n{text}"))
            .to_owned()
    };
    let (red, blue) = (id("red_LED"), id("LED_GPIO4"));
    let body = text.split("$enddefinitions $end").nth(1).unwrap();
    assert!(body.contains(&format!("r1 {red}\n")), "red LED lit: {body}");
    assert!(
        body.contains(&format!("r1 {blue}\n")),
        "active-low LED lit by a low pin: {body}"
    );
    std::fs::write(&wiring, "[[led]]\npin = 15\ncolour = \"red\"\n").unwrap();
    let o = run(&["run", "-c", "pass", "--wiring", wiring.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("colour"), "{}", stderr(&o));
    // A chip on pins the board lacks, or at an address that is not one, is refused before boot.
    for (table, says) in [
        ("scl = 5\nsda = 17\n", "GPIO17"),
        ("scl = 5\nsda = 4\naddress = 0x78\n", "7-bit"),
        ("scl = 5\nsda = 4\nheight = 65\n", "128x64"),
    ] {
        std::fs::write(&wiring, format!("[[i2c]]\npart = \"ssd1306\"\n{table}")).unwrap();
        let o = run(&["run", "-c", "pass", "--wiring", wiring.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{table}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{table}: {}", stderr(&o));
    }
    // `mpsim gui` reads it too, also when it runs the board in the terminal (no display).
    let o = mpsim()
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .args(["gui", "--wiring", wiring.to_str().unwrap()])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("128x64"), "{}", stderr(&o));
}

#[test]
fn examples_run_as_they_are() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/esp8266");
    let o = run(&[
        "run",
        &format!("{dir}/onboard_led.py"),
        "--virtual-time",
        "--timeout",
        "30s",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).matches("LED on\n").count(), 10);
    let o = run(&[
        "run",
        &format!("{dir}/ticks_asyncio.py"),
        "--virtual-time",
        "--timeout",
        "30s",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = stdout(&o);
    assert!(s.starts_with("uptime 1000 ms\nuptime 2000 ms\n"), "{s}");
    assert!(s.ends_with("uptime 5000 ms\ndone\n"), "{s}");
    let o = run(&[
        "run",
        &format!("{dir}/blink.py"),
        "--virtual-time",
        "--for",
        "2s",
        "--expect",
        "never printed",
    ]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "blink runs until --for, without the expected text"
    );
}

#[test]
fn real_time_timers_fire_while_the_program_computes() {
    let o = run(&[
        "run",
        "-c",
        "import time\nfrom machine import Timer\nn = [0]\nTimer(-1).init(period=20, callback=lambda t: n.__setitem__(0, n[0] + 1))\nt0 = time.ticks_ms()\nwhile time.ticks_diff(time.ticks_ms(), t0) < 400:\n    pass\nprint(3 <= n[0] <= 21, n[0])",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("True "), "{}", stdout(&o));
}

#[test]
fn a_pin_toggled_flat_out_runs_until_stopped_without_filling_the_heap() {
    // No sleep, so IRQs never run: the level changes waiting for them must not pile up on the
    // board's 38 KB heap.
    let o = run(&[
        "run",
        "-c",
        "import machine\np = machine.Pin(5, machine.Pin.OUT)\nn = 0\nwhile True:\n    p.value(1)\n    p.value(0)\n    n += 1\n    if n == 200000:\n        print('still going')\n",
        "--timeout",
        "20s",
        "--expect",
        "still going",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(!stdout(&o).contains("MemoryError"), "{}", stdout(&o));
}

#[test]
fn the_pico_runs_its_examples_and_the_issue_commands() {
    let o = run(&[
        "run",
        "--board",
        "pico",
        "-c",
        "from machine import Pin; Pin('LED', Pin.OUT).on(); print(Pin('LED').value())",
    ]);
    assert_eq!(
        (o.status.code(), stdout(&o).as_str()),
        (Some(0), "1\n"),
        "{}",
        stderr(&o)
    );
    let text = traced_example("pico", "pico/blink.py", "10s");
    let lit: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("\"led\":\"LED (GP25)\"") && !l.contains("\"pin\""))
        .collect();
    // The LED toggles every 500 ms: lit at 0, dark at 0.5 s, … 20 changes in 10 s.
    assert_eq!(lit.len(), 20, "{text}");
    assert!(lit[1].starts_with("{\"t_us\":500000,"), "{}", lit[1]);
    let o = run(&[
        "run",
        "--board",
        "pico",
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/pico/temperature.py"),
        "--virtual-time",
    ]);
    assert_eq!(stdout(&o), "25.2 C\n25.2 C\n25.2 C\n", "{}", stderr(&o));
    let o = run(&[
        "run",
        "--board",
        "pico",
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/pico/fade.py"),
        "--virtual-time",
    ]);
    assert_eq!(stdout(&o), "faded\n", "{}", stderr(&o));
}

/// Runs `examples/<example>` on `board` in virtual time for `span` and returns its JSON-lines trace.
fn traced_example(board: &str, example: &str, span: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.jsonl");
    let script = format!("{}/examples/{example}", env!("CARGO_MANIFEST_DIR"));
    let o = run(&[
        "run",
        "--board",
        board,
        &script,
        "--virtual-time",
        "--for",
        span,
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    std::fs::read_to_string(&trace).unwrap()
}

/// The Pico's PIO blink example: the state machine toggles GP25 every 80 ms, exactly.
#[test]
fn pico_pio_blink_example_toggles_the_led_on_its_own() {
    let text = traced_example("pico", "pico/pio_blink.py", "1s");
    let times: Vec<u64> = text
        .lines()
        .filter(|l| l.contains("\"pin\":25,\"level\""))
        .filter_map(|l| {
            l.strip_prefix("{\"t_us\":")?
                .split(',')
                .next()?
                .parse()
                .ok()
        })
        .collect();
    // The initial state, then a change every 80 ms from the start of the state machine.
    assert!(times.len() >= 12, "{text}");
    let start = times[1];
    for (i, t) in times[1..].iter().enumerate() {
        let want = start + i as u64 * 80_000;
        assert!(t.abs_diff(want) <= 50, "change {i} at {t} µs, want {want}");
    }
}

/// The pyboard's blink example: the four LEDs lit in turn, 100 ms apart (the trace).
#[test]
fn pyboard_blink_example_lights_the_four_leds_in_turn() {
    let text = traced_example("pyboard", "pyboard/blink.py", "1s");
    let lit: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("\"led\":") && l.contains("\"brightness\":1"))
        .take(4)
        .collect();
    assert_eq!(lit.len(), 4, "{text}");
    for (i, (l, name)) in lit
        .iter()
        .zip(["LED1 (red)", "LED2 (green)", "LED3 (yellow)", "LED4 (blue)"])
        .enumerate()
    {
        assert!(l.contains(name), "{l}");
        let t = i as u64 * 100_000;
        assert!(
            l.starts_with(&format!("{{\"t_us\":{t},"))
                || l.starts_with(&format!("{{\"t_us\":{},", t + 10)),
            "LED {} at {t} µs: {l}",
            i + 1
        );
    }
}

/// Two micro:bits in two mpsim processes talk over the radio; a third on another group hears
/// nothing.
#[test]
fn microbit_radio_between_processes() {
    let radio_dir = tempfile::tempdir().unwrap();
    let listen = |group: u32, ms: u32| {
        mpsim()
            .env("MPSIM_RADIO_DIR", radio_dir.path())
            .args(["run", "--board", "microbit", "--timeout", "60s", "-c"])
            .arg(format!(
                "import radio\nfrom microbit import sleep, running_time\nradio.config(group={group})\nradio.on()\nprint('ready')\nn = 0\nwhile running_time() < {ms}:\n    m = radio.receive_full()\n    if m:\n        n += 1\n        if n == 1:\n            print('got', m[0][3:], m[1] < 0)\n    sleep(10)\nprint('heard', n > 0)\n"
            ))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mine = listen(5, 6000);
    let other = listen(6, 6000);
    let listeners = [mine.id(), other.id()];
    let sender = mpsim()
        .env("MPSIM_RADIO_DIR", radio_dir.path())
        .args(["run", "--board", "microbit", "--timeout", "60s", "-c"])
        .arg("import radio\nfrom microbit import sleep\nradio.config(group=5)\nradio.on()\nfor i in range(500):\n    radio.send('ping')\n    sleep(10)\n")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mine = mine.wait_with_output().unwrap();
    let other = other.wait_with_output().unwrap();
    let mut sender = sender;
    let _ = sender.kill();
    let _ = sender.wait();
    assert_eq!(
        String::from_utf8_lossy(&mine.stdout),
        "ready\ngot b'ping' True\nheard True\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&other.stdout),
        "ready\nheard False\n"
    );
    // The boards that ended took their sockets with them.
    for e in std::fs::read_dir(radio_dir.path()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !listeners
                .iter()
                .any(|pid| name.starts_with(&format!("{pid}-"))),
            "{name} left behind"
        );
    }
}

#[test]
fn mem_info_prints_the_firmware_layout_with_the_board_heap() {
    let o = run(&[
        "run",
        "--virtual-time",
        "-c",
        "import micropython; micropython.mem_info()",
    ]);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0].starts_with("stack: ") && lines[0].ends_with(" out of 8192"),
        "{out}"
    );
    // GC: total: T, used: U, free: F with U + F = T, the ESP8266's heap.
    let nums: Vec<u64> = lines[1]
        .trim_start_matches("GC: ")
        .split(", ")
        .filter_map(|kv| kv.split(": ").nth(1)?.parse().ok())
        .collect();
    assert_eq!(nums.len(), 3, "{out}");
    assert_eq!(nums[0], 38912, "{out}");
    assert_eq!(nums[1] + nums[2], nums[0], "{out}");
    assert!(lines[2].starts_with(" No. of 1-blocks: "), "{out}");
}
