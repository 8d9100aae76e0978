//! The board in its own process (issue 16): what a crash of that process does to each front end,
//! and the OS sandbox around it, probed from inside the board (`_mpsim_probe`, built by `cargo t`
//! with the `sandbox-probe` feature).

mod common;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn mpsim(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mpsim"));
    c.env("XDG_DATA_HOME", dir.join("data"));
    c
}

fn wait_with_timeout(child: &mut Child, secs: u64) -> std::process::ExitStatus {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > end {
            let _ = child.kill();
            panic!("mpsim did not end within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads the child's stdout up to the line `want` (a fresh flash says "Performing initial
/// setup" first).
fn wait_for_line(child: &mut Child, want: &str) {
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut seen = Vec::new();
    for _ in 0..5 {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        if line.trim_end() == want {
            return;
        }
        seen.push(line);
    }
    panic!("no {want:?} in {seen:?}");
}

/// Runs `mpsim run ARGS -c CODE`, kills its board process (SIGKILL) once the program printed
/// `line`, and returns how `mpsim` ended and what it said on stderr.
fn kill_board_of_run(
    dir: &std::path::Path,
    args: &[&std::ffi::OsStr],
    code: &str,
    line: &str,
) -> (std::process::ExitStatus, String) {
    let mut child = mpsim(dir)
        .arg("run")
        .args(args)
        .args(["-c", code])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_line(&mut child, line);
    common::kill9(common::board_process(child.id()));
    let status = wait_with_timeout(&mut child, 20);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status, err)
}

#[test]
fn a_run_whose_board_process_is_killed_ends_with_exit_code_1_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let code = "import time\nprint('up')\nwhile True:\n time.sleep_ms(10)";
    let (status, err) = kill_board_of_run(dir.path(), &[], code, "up");
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains("mpsim: the board process died: killed by SIGKILL (9)"),
        "{err}"
    );
}

#[test]
fn a_trace_keeps_what_the_board_did_before_its_process_died() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.jsonl");
    let code = "import machine, time\np = machine.Pin(4, machine.Pin.OUT)\nfor i in range(6):\n p.value(i % 2)\n time.sleep_ms(5)\nprint('toggled')\nwhile True:\n time.sleep_ms(10)";
    let args = ["--trace".as_ref(), trace.as_os_str()];
    let (status, err) = kill_board_of_run(dir.path(), &args, code, "toggled");
    assert_eq!(status.code(), Some(1), "{err}");
    let text = std::fs::read_to_string(&trace).unwrap();
    let gpio4: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("\"pin\":4,") && !l.starts_with("{\"t_us\":0,"))
        .collect();
    // Six writes of 0, 1, 0, 1, 0, 1 to a pin that starts low: five changes after time 0.
    assert_eq!(gpio4.len(), 5, "{text}");
}

/// Runs `code` on a board with `args` and returns the last line it printed and what it said on
/// stderr.
fn run_board(args: &[&str], code: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new("timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_mpsim"))
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .arg("run")
        .args(args)
        .args(["-c", code])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    (
        out.lines().last().unwrap_or_default().to_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn the_sandbox_refuses_host_files_programs_and_connections_off_policy_with_the_kernels_errors() {
    let host = tempfile::tempdir().unwrap();
    let secret = host.path().join("secret.txt");
    std::fs::write(&secret, "not for the board").unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let code = format!(
        "import _mpsim_probe as p\nprint(p.open({s:?}), p.create({c:?}), p.exec('/bin/true'), p.exec('/bin/sh'), p.connect('127.0.0.1', {port}))",
        s = secret.to_str().unwrap(),
        c = host.path().join("new.txt").to_str().unwrap(),
    );
    // Landlock: EACCES (13) for files; seccomp: EPERM (1) for execve; Landlock's network
    // rules: EACCES for a TCP connection under --net none.
    let (out, err) = run_board(&["--net", "none"], &code);
    assert_eq!(out.trim_end(), "13 13 1 1 13", "{err}");
    assert!(!host.path().join("new.txt").exists());
    // The same probe where the policy allows the connection: it reaches the listener, so the
    // refusals above are the sandbox's and not the probe's.
    let (out, err) = run_board(&["--net", "host"], &code);
    assert_eq!(out.trim_end(), format!("13 13 1 1 0"), "{err}");
    assert!(listener.accept().is_ok());
    // The board's own flash is its to use.
    let (out, err) = run_board(
        &[],
        "f = open('/x.txt', 'w'); f.write('kept'); f.close(); print(open('/x.txt').read())",
    );
    assert_eq!(out.trim_end(), "kept", "{err}");
}

#[test]
fn the_board_process_memory_limit_ends_a_leak_and_the_run_says_so() {
    // 4 GiB taken outside the heap budget (a leak in mpsim, say) meets the process's limit: the
    // allocation fails, the process aborts, and the front end reports how it ended.
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new("timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_mpsim"))
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .args([
            "run",
            "-c",
            "import _mpsim_probe as p\nprint('got', p.hog(4096))",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("got"), "{err}");
    let said = err
        .lines()
        .find(|l| l.starts_with("mpsim: the board process died: "))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        said.starts_with(
            "mpsim: the board process died: killed by SIGABRT (6): memory allocation of "
        ) && said.ends_with(" bytes failed"),
        "{err}"
    );
}

#[test]
fn a_board_that_does_not_stop_is_killed_and_its_front_end_ends() {
    // A board stuck where no stop reaches it: `mpsim serve` asked to end (SIGTERM) still ends,
    // within the supervisor's grace, and cleanly.
    let dir = tempfile::tempdir().unwrap();
    let tty = dir.path().join("tty");
    let flash = dir.path().join("flash.img");
    let main_py = dir.path().join("main.py");
    std::fs::write(
        &main_py,
        "import _mpsim_probe\nprint('stuck')\n_mpsim_probe.hang()\n",
    )
    .unwrap();
    let put = mpsim(dir.path())
        .args(["fs", "--flash"])
        .arg(&flash)
        .arg("put")
        .arg(&main_py)
        .arg("/main.py")
        .output()
        .unwrap();
    assert!(
        put.status.success(),
        "{}",
        String::from_utf8_lossy(&put.stderr)
    );
    let mut serve = mpsim(dir.path())
        .args(["serve", "--tty"])
        .arg(&tty)
        .arg("--flash")
        .arg(&flash)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_line(&mut serve, &format!("serial port: {}", tty.display()));
    let board = common::board_process(serve.id());
    // Ctrl-C on the port brings no prompt back: the board is stuck where nothing reaches it.
    let heard = common::python(
        20,
        "import serial, sys, time\np = serial.Serial(sys.argv[1], 115200, timeout=0.2)\np.write(b'\\x03')\nend = time.time() + 2; out = b''\nwhile time.time() < end: out += p.read(100)\nprint(b'>>>' in out)",
        &[tty.to_str().unwrap()],
    );
    assert_eq!(String::from_utf8_lossy(&heard.stdout).trim(), "False");
    let t = Instant::now();
    assert!(
        Command::new("kill")
            .arg(serve.id().to_string())
            .status()
            .unwrap()
            .success()
    );
    let status = wait_with_timeout(&mut serve, 20);
    assert!(status.success(), "{status:?}");
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    assert!(!std::path::Path::new(&format!("/proc/{board}")).exists());
}
