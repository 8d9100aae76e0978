//! `mpsim serve`: the board on a virtual serial port, driven by the real host tools (issue 4).
//! mpremote, ampy and pyserial come from the venv `scripts/test.sh` creates (they must be on PATH).

mod common;
use common::{board_process, python};

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

struct Served {
    child: Child,
    tty: PathBuf,
    _dir: tempfile::TempDir,
}

impl Served {
    fn start() -> Self {
        Self::start_with(&[])
    }

    /// With extra `mpsim serve` arguments (`{dir}` stands for the test's folder).
    fn start_with(extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let tty = dir.path().join("ttyESP8266");
        let folder = dir.path().to_str().unwrap().to_owned();
        let mut child = Command::new(env!("CARGO_BIN_EXE_mpsim"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .args(["serve", "--tty"])
            .arg(&tty)
            .args(extra.iter().map(|a| a.replace("{dir}", &folder)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), format!("serial port: {}", tty.display()));
        assert!(tty.exists(), "the stable link exists");
        Served {
            child,
            tty,
            _dir: dir,
        }
    }

    fn tool(&self, tool: &str, args: &[&str]) -> Output {
        let port = self.tty.to_str().unwrap();
        let mut cmd = Command::new("timeout");
        cmd.arg("60").arg(tool);
        match tool {
            "mpremote" => cmd.args(["connect", port]),
            _ => cmd.args(["--port", port]),
        };
        let o = cmd.args(args).output().unwrap_or_else(|e| {
            panic!("{tool} (installed into the venv by scripts/test.sh, on PATH): {e}")
        });
        assert!(
            o.status.success(),
            "{tool} {args:?} failed: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        o
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        // SIGTERM: the server stops cleanly and removes its link.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// Runs a script that must print exactly `expected` (its stderr explains a failure).
fn python_prints(secs: u32, script: &str, args: &[&str], expected: &str) {
    let o = python(secs, script, args);
    assert_eq!(text(&o), expected, "{}", String::from_utf8_lossy(&o.stderr));
}

/// A tool's output with the board's `\r\n` (passed through by the tools) as `\n`.
fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).replace("\r\n", "\n")
}

#[test]
fn mpremote_commands_work_against_the_virtual_port() {
    let s = Served::start();
    assert_eq!(text(&s.tool("mpremote", &["exec", "print(6 * 7)"])), "42\n");
    assert_eq!(text(&s.tool("mpremote", &["eval", "1 + 2"])), "3\n");
    // Far more output than the pty holds: the board waits for the tool to read, nothing is lost.
    let many = text(&s.tool(
        "mpremote",
        &["exec", "for i in range(1500): print(i, 'y' * 100)"],
    ));
    let lines: Vec<&str> = many.lines().collect();
    assert_eq!(lines.len(), 1500);
    assert!(
        lines
            .iter()
            .enumerate()
            .all(|(i, l)| *l == format!("{i} {}", "y".repeat(100)))
    );
    assert!(text(&s.tool("mpremote", &["ls"])).contains("boot.py"));
    let host = tempfile::tempdir().unwrap();
    let data: Vec<u8> = (0..20_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let up = host.path().join("blob.bin");
    std::fs::write(&up, &data).unwrap();
    s.tool("mpremote", &["cp", up.to_str().unwrap(), ":blob.bin"]);
    let down = host.path().join("back.bin");
    s.tool("mpremote", &["cp", ":blob.bin", down.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(&down).unwrap(),
        data,
        "binary copy is byte-exact both ways"
    );
    s.tool("mpremote", &["mkdir", "lib"]);
    s.tool("mpremote", &["touch", "lib/empty.py"]);
    let ls = text(&s.tool("mpremote", &["ls", "lib"]));
    assert!(ls.contains("empty.py"), "{ls}");
    let cat = text(&s.tool("mpremote", &["cat", "boot.py"]));
    assert!(cat.contains("gc.collect()"), "{cat}");
    let script = host.path().join("t.py");
    std::fs::write(&script, "import sys\nprint('ran', sys.platform)\n").unwrap();
    assert_eq!(
        text(&s.tool("mpremote", &["run", script.to_str().unwrap()])),
        "ran esp8266\n"
    );
    s.tool("mpremote", &["rm", "blob.bin"]);
    s.tool("mpremote", &["rm", "lib/empty.py"]);
    s.tool("mpremote", &["rmdir", "lib"]);
    let sum = text(&s.tool("mpremote", &["sha256sum", ":boot.py"]));
    assert_eq!(sum.lines().last().unwrap_or("").len(), 64, "{sum}");
    s.tool("mpremote", &["soft-reset"]);
    let ls = text(&s.tool("mpremote", &["ls"]));
    assert!(!ls.contains("blob.bin") && !ls.contains("lib/"), "{ls}");
}

#[test]
fn mpremote_mount_reset_and_repl() {
    let s = Served::start();
    let host = tempfile::tempdir().unwrap();
    std::fs::write(host.path().join("hostmod.py"), "X = 7\n").unwrap();
    std::fs::write(host.path().join("data.txt"), "line1\nline2\n").unwrap();
    // mpremote's remote filesystem: the board imports and reads host files, and writes one back.
    let o = Command::new("timeout")
        .current_dir(host.path())
        .args([
            "60",
            "mpremote",
            "connect",
            s.tty.to_str().unwrap(),
            "mount",
            ".",
        ])
        .args([
            "exec",
            "import hostmod, os; print(hostmod.X, open('data.txt').read().split()); \
             print(sorted(os.listdir())); open('out.txt', 'w').write('from the board')",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = text(&o);
    assert!(
        out.ends_with("7 ['line1', 'line2']\n['data.txt', 'hostmod.py']\n"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(host.path().join("out.txt")).unwrap(),
        "from the board"
    );
    // A hard reset: the board boots again and says why.
    s.tool(
        "mpremote",
        &["exec", "import builtins; builtins.marker = 1"],
    );
    s.tool("mpremote", &["reset"]);
    assert_eq!(
        text(&s.tool(
            "mpremote",
            &["exec", "import builtins, machine; print(hasattr(builtins, 'marker'), machine.reset_cause() == machine.SOFT_RESET)"]
        )),
        "False True\n"
    );
    // mpremote's interactive REPL in a terminal.
    let script = r#"
import pexpect, sys
c = pexpect.spawn("mpremote", ["connect", sys.argv[1], "repl"], timeout=20)
c.expect_exact("Use Ctrl-] or Ctrl-x to exit this shell")
c.send("\r")
c.expect_exact(">>> ")
c.send("6 * 7\r")
c.expect_exact("42")
c.expect_exact(">>> ")
c.send("\x1d")
c.expect(pexpect.EOF)
print("done")
"#;
    python_prints(60, script, &[s.tty.to_str().unwrap()], "done\n");
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

#[test]
fn soft_resets_give_their_memory_back() {
    // mpremote soft-resets the board for nearly every command: a long session must not grow.
    let s = Served::start();
    let script = r#"
import serial, sys
p = serial.Serial(sys.argv[1], 115200, timeout=5)
p.write(b"\r\x03\r\x01")
def until(end):
    got = b""
    while not got.endswith(end):
        c = p.read(1)
        if not c:
            raise SystemExit("no %r after %r" % (end, got[-100:]))
        got += c
until(b"raw REPL; CTRL-B to exit\r\n>")
for n in range(int(sys.argv[2])):
    p.write(b"x = [bytearray(100) for i in range(100)]\x04")
    until(b"\x04>")
    p.write(b"\x04")
    until(b"soft reboot\r\nraw REPL; CTRL-B to exit\r\n>")
print("ok")
"#;
    let resets = |n: &str| {
        python_prints(120, script, &[s.tty.to_str().unwrap(), n], "ok\n");
    };
    resets("20");
    let before = rss_kb(s.child.id());
    resets("200");
    let after = rss_kb(s.child.id());
    // Each reset used to keep about 2.4 MB (480 MB here); now a few tens of kB at most.
    assert!(
        after < before + 40_000,
        "200 soft resets grew the simulator from {before} kB to {after} kB"
    );
}

#[test]
fn uarts_talk_to_host_programs() {
    let s = Served::start_with(&["--uart", "1={dir}/uart1"]);
    let uart1 = s._dir.path().join("uart1");
    let console = s.tty.to_str().unwrap().to_owned();
    // UART(1) (transmit-only on the ESP8266) on its own port: a host program hears what it sends.
    // The console: a script takes UART(0) from the REPL (os.dupterm(None, 1)), reads what the
    // "device" on the line sends (0x03 is data then, not Ctrl-C), answers, and gives it back.
    let script = r#"
import serial, sys, time, subprocess
uart1 = serial.Serial(sys.argv[2], 9600, timeout=5)
out = subprocess.run(["mpremote", "connect", sys.argv[1], "exec",
                      "import machine; u = machine.UART(1, 9600); print(u.write(b'$GPGGA,1*00\\r\\n'))"],
                     capture_output=True, timeout=60)
print(out.stdout.decode().strip(), uart1.readline())
p = serial.Serial(sys.argv[1], 115200, timeout=0.2)
p.write(b"\x03\x02")
time.sleep(0.3)
p.read(100000)
code = (b"import os, machine\r"
        b"u = machine.UART(0, 115200, timeout=5000)\r"
        b"old = os.dupterm(None, 1)\r"
        b"print('nobody sees this')\r"
        b"line = u.readline()\r"
        b"u.write(b'got ' + line)\r"
        b"os.dupterm(old, 1)\r"
        b"print('REPL is back')\r")
p.write(b"\x05" + code + b"\x04")
time.sleep(1)
p.read(100000)
p.write(b"\x03$GPRMC\n")
got = b""
end = time.time() + 10
while time.time() < end and not got.endswith(b">>> "):
    got += p.read(1000)
print(repr(got))
"#;
    python_prints(
        90,
        script,
        &[&console, uart1.to_str().unwrap()],
        "13 b'$GPGGA,1*00\\r\\n'\nb'got \\x03$GPRMC\\nREPL is back\\r\\n>>> '\n",
    );
}

#[test]
fn ampy_commands_work_against_the_virtual_port() {
    let s = Served::start();
    let host = tempfile::tempdir().unwrap();
    let m = host.path().join("main.py");
    std::fs::write(&m, "print('hello from main')\n").unwrap();
    s.tool("ampy", &["put", m.to_str().unwrap()]);
    let ls = text(&s.tool("ampy", &["ls"]));
    assert!(ls.contains("/main.py") && ls.contains("/boot.py"), "{ls}");
    // ampy prints the file and then a newline of its own.
    let got = text(&s.tool("ampy", &["get", "main.py"]));
    assert_eq!(got, "print('hello from main')\n\n");
    assert_eq!(
        text(&s.tool("ampy", &["run", m.to_str().unwrap()])),
        "hello from main\n"
    );
    s.tool("ampy", &["mkdir", "lib"]);
    s.tool("ampy", &["rm", "main.py"]);
    let ls = text(&s.tool("ampy", &["ls"]));
    assert!(ls.contains("/lib") && !ls.contains("/main.py"), "{ls}");
}

#[test]
fn friendly_and_raw_repl_byte_transcripts() {
    let s = Served::start();
    // pyserial from the venv speaks to the port byte by byte and prints what came back.
    let script = r#"
import serial, sys, time
p = serial.Serial(sys.argv[1], 115200, timeout=2)
def chat(data, until):
    p.write(data)
    got = b""
    end = time.time() + 10
    while time.time() < end:
        got += p.read(1)
        if got.endswith(until):
            time.sleep(0.2)
            if not p.in_waiting:
                break
    return got
print(repr(chat(b"\r\x03", b">>> ")[-6:]))
print(repr(chat(b"1+1\r", b">>> ")))
# Enter on an auto-indented line indents again; two such lines, then an empty one, end it.
print(repr(chat(b"for i in range(2):\rprint(i)\r\r\r\r", b">>> ")))
print(repr(chat(b"\x05", b"=== ")))
print(repr(chat(b"x = 5\rprint(x * 2)\x04", b">>> ")))
print(repr(chat(b"\x01", b"\r\n>")))
print(repr(chat(b"print('raw')\x04", b"\x04>")))
print(repr(chat(b"1/0\x04", b"\x04>")))
print(repr(chat(b"\x05A\x01", b"\x01")))
print(repr(chat(b"print('paste')\x04", b"\x04>")))
print(repr(chat(b"\x04", b"\r\n>")))
print(repr(chat(b"\r\x02", b">>> ")))
"#;
    let o = python(60, script, &[s.tty.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            r"b'\r\n>>> '",
            r"b'1+1\r\n2\r\n>>> '",
            r"b'for i in range(2):\r\n...     print(i)\r\n...     \r\n...     \r\n... \r\n0\r\n1\r\n>>> '",
            r"b'\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== '",
            r"b'x = 5\r\n=== print(x * 2)\r\n10\r\n>>> '",
            r"b'\r\nraw REPL; CTRL-B to exit\r\n>'",
            r"b'OKraw\r\n\x04\x04>'",
            "b'OK\\x04Traceback (most recent call last):\\r\\n  File \"<stdin>\", line 1, in <module>\\r\\nZeroDivisionError: divide by zero\\r\\n\\x04>'",
            r"b'R\x01\x00\x04\x01'",
            r"b'\x04paste\r\n\x04\x04>'",
            r"b'OK\r\nMPY: soft reboot\r\nraw REPL; CTRL-B to exit\r\n>'",
            "b'\\r\\nMicroPython v1.28.0 on 2026-04-06; ESP module with ESP8266\\r\\nType \"help()\" for more information.\\r\\n>>> '",
        ],
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn the_link_is_removed_when_the_server_stops() {
    let s = Served::start();
    let tty = s.tty.clone();
    drop(s);
    assert!(!Path::new(&tty).exists());
}

#[test]
fn mpsim_repl_is_the_console_in_this_terminal() {
    // pexpect gives mpsim a real terminal, as a person's shell would.
    let script = r#"
import pexpect, sys, time
c = pexpect.spawn(sys.argv[1], ["repl", "--fs", sys.argv[2]], timeout=20)
c.expect_exact(">>> ")
c.send("1+1\r")
c.expect_exact("1+1\r\n2\r\n>>> ")
c.send("while True:\r    pass\r\r\r")
time.sleep(0.3)
c.send("\x03")
c.expect_exact("KeyboardInterrupt: \r\n>>> ")
c.send("\x04")
c.expect_exact("MPY: soft reboot\r\n")
c.expect_exact(">>> ")
c.send("\x1d")
c.expect(pexpect.EOF)
c.close()
print("exit", c.exitstatus)
"#;
    // `--fs` boots from a throw-away flash: nothing under the user's data folder is touched.
    let empty = tempfile::tempdir().unwrap();
    python_prints(
        60,
        script,
        &[env!("CARGO_BIN_EXE_mpsim"), empty.path().to_str().unwrap()],
        "exit 0\n",
    );
}

#[test]
fn miniterm_drives_the_friendly_repl() {
    // pyserial's miniterm is the terminal program; pexpect is the person typing into it. Enter
    // reaches the board as CR LF (miniterm's default end of line), a single newline.
    let s = Served::start();
    let script = r#"
import pexpect, sys, time
# `stty -onlcr`: the terminal shows the board's bytes as they come (no CR added before LF).
c = pexpect.spawn("/bin/sh", ["-c", 'stty -onlcr && exec "$0" -m serial.tools.miniterm --raw "$1" 115200',
                              sys.executable, sys.argv[1]], timeout=20)
c.expect_exact("--- Quit: Ctrl+]")
c.send("\x02")
c.expect_exact("MicroPython v1.28.0 on 2026-04-06; ESP module with ESP8266\r\n"
               "Type \"help()\" for more information.\r\n>>> ")
c.send("1+1\r")
c.expect_exact("1+1\r\n2\r\n>>> ")
# Tab completion: a keyword, a module, an attribute, then a list of candidates.
c.send("impo\t")
c.expect_exact("impo" + "rt ")
c.send("mach\t")
c.expect_exact("mach" + "ine")
c.send("\r")
c.expect_exact("\r\n>>> ")
c.send("machine.Pin.O\t")
c.expect_exact("\r\nOPEN_DRAIN      OUT\r\n>>> machine.Pin.O")
c.send("U\t\r")
c.expect_exact("UT\r\n1\r\n>>> ")
# Line editing: left arrow, insert, end.
c.send("pint(7 * 6)\x1b[H\x1b[C")
c.send("r\x1b[F\r")
c.expect_exact("\r\n42\r\n>>> ")
# Paste mode.
c.send("\x05")
c.expect_exact("paste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ")
c.send("for i in range(3):\r    print(i * 10)\r\x04")
c.expect_exact("0\r\n10\r\n20\r\n>>> ")
# Ctrl-C stops a loop.
c.send("while True:\r    pass\r\r\r")
time.sleep(0.3)
c.send("\x03")
c.expect_exact("KeyboardInterrupt: \r\n>>> ")
# Ctrl-D soft-resets and runs main.py again.
c.send("open('main.py', 'w').write('print(\"main ran\")')\r")
c.expect_exact(">>> ")
c.send("\x04")
c.expect_exact("MPY: soft reboot\r\nmain ran\r\nMicroPython v1.28.0")
c.expect_exact(">>> ")
c.send("\x1d")
c.expect(pexpect.EOF)
print("done")
"#;
    python_prints(90, script, &[s.tty.to_str().unwrap()], "done\n");
}

#[test]
fn a_tool_that_stops_reading_cannot_stop_the_board() {
    // The tool starts a long print and then reads nothing for 4 s: the board still finishes, and
    // what the tool reads afterwards is the newest output (the oldest was dropped), whole at the end.
    let s = Served::start();
    let script = r#"
import serial, sys, time
p = serial.Serial(sys.argv[1], 115200, timeout=0.5)
p.write(b"\r\x03\r\x01")
time.sleep(0.5)
p.read(p.in_waiting)
p.write(b"for i in range(4000): print(i, 'z' * 60)\nprint('END')\x04")
time.sleep(4)
got = b""
while True:
    more = p.read(65536)
    if not more:
        break
    got += more
print(got.endswith(b"3999 " + b"z" * 60 + b"\r\nEND\r\n\x04\x04>"), len(got) < 4000 * 66)
"#;
    python_prints(60, script, &[s.tty.to_str().unwrap()], "True True\n");
}

/// Bad input on the line (issue 4): the board stays alive, usable and bounded in memory.
#[test]
fn random_bytes_vanishing_clients_and_floods_leave_the_board_usable() {
    let s = Served::start();
    let port = s.tty.to_str().unwrap().to_owned();
    let script = r#"
import serial, os, sys, time
p = serial.Serial(sys.argv[1], 115200, timeout=0.5)
data = os.urandom(10 * 1024 * 1024)
for i in range(0, len(data), 65536):
    p.write(data[i:i + 65536])
    p.read(p.in_waiting or 1)
time.sleep(2)
# A raw-paste whose sender ignores the credit it was given, then vanishes mid-upload.
p.write(b"\r\x03\r\x01\x05A\x01" + b"x = 1\n" * 50000)
p.close()
# Afterwards Ctrl-C and Ctrl-B get a friendly prompt.
p = serial.Serial(sys.argv[1], 115200, timeout=0.5)
got = b""
end = time.time() + 60
while time.time() < end:
    p.write(b"\x03\x02")
    time.sleep(0.5)
    got = p.read(p.in_waiting or 1)
    while p.in_waiting:
        got += p.read(p.in_waiting)
    if got.endswith(b"for more information.\r\n>>> "):
        break
print("prompt" if got.endswith(b">>> ") else repr(got[-200:]))
"#;
    python_prints(120, script, &[&port], "prompt\n");
    // mpremote starts with Ctrl-C and Ctrl-B, as the issue asks the board to answer.
    assert_eq!(
        text(&s.tool("mpremote", &["exec", "print('alive')"])),
        "alive\n"
    );
    // A client killed in the middle of a copy.
    let host = tempfile::tempdir().unwrap();
    let big = host.path().join("big.bin");
    std::fs::write(&big, vec![0x55u8; 200_000]).unwrap();
    let mut cp = Command::new("mpremote")
        .args(["connect", &port, "cp", big.to_str().unwrap(), ":big.bin"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let _ = cp.kill();
    let _ = cp.wait();
    assert_eq!(
        text(&s.tool("mpremote", &["exec", "print('still alive')"])),
        "still alive\n"
    );
    // An output flood with nobody reading: the board keeps running, output is dropped, memory stays flat.
    let flood = host.path().join("flood.py");
    std::fs::write(&flood, "import time\nt = time.ticks_ms()\nwhile time.ticks_diff(time.ticks_ms(), t) < 2000:\n    print('x' * 200)\n").unwrap();
    let mut run = Command::new("mpremote")
        .args([
            "connect",
            &port,
            "run",
            "--no-follow",
            flood.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // The flood lasts 2 s of the board's time; 1.5 s more lets a busy machine finish it.
    std::thread::sleep(std::time::Duration::from_millis(3500));
    // A tool that opens the port afterwards (without flushing, as cat or screen) hears nothing of
    // what the board said while nobody listened.
    let quiet = r#"
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
time.sleep(0.5)
try:
    print(len(os.read(fd, 65536)))
except BlockingIOError:
    print(0)
"#;
    python_prints(10, quiet, &[&port], "0\n");
    run = s.tool("mpremote", &["exec", "print('after the flood')"]);
    assert!(text(&run).ends_with("after the flood\n"), "{}", text(&run));
    let rss = rss_kb(s.child.id());
    assert!(rss < 200_000, "memory stays bounded: {rss} kB");
}

#[test]
fn mpremote_ls_cp_exec_work_on_every_board() {
    let boards = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .arg("boards")
        .output()
        .unwrap();
    let ids: Vec<String> = String::from_utf8_lossy(&boards.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    assert!(ids.len() >= 2, "{ids:?}");
    for id in ids {
        let s = Served::start_with(&["--board", &id]);
        let platform = text(&s.tool("mpremote", &["exec", "import sys; print(sys.platform)"]));
        assert!(
            ["esp8266\n", "esp32\n", "rp2\n", "pyboard\n", "microbit\n"]
                .contains(&platform.as_str()),
            "{id}: {platform}"
        );
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join("hello.py");
        std::fs::write(&local, format!("print('hello from {id}')\n")).unwrap();
        s.tool("mpremote", &["cp", local.to_str().unwrap(), ":hello.py"]);
        let ls = text(&s.tool("mpremote", &["ls"]));
        assert!(ls.contains("hello.py"), "{id}: {ls}");
        assert_eq!(
            text(&s.tool("mpremote", &["exec", "import hello"])),
            format!("hello from {id}\n")
        );
        // The file sits where the board keeps files (the Pyboard's /flash).
        let whereis = text(&s.tool(
            "mpremote",
            &[
                "exec",
                "import os; print(os.getcwd(), 'hello.py' in os.listdir())",
            ],
        ));
        let home = if platform == "pyboard\n" {
            "/flash"
        } else {
            "/"
        };
        assert_eq!(whereis, format!("{home} True\n"), "{id}");
    }
}

/// Issue 15: a request far beyond the heap at the served board's REPL is a MemoryError, the port
/// and the tool stay up; an asyncio program with pending tasks, then soft resets, reboot cleanly;
/// a non-ASCII character after a triple quote continues the line instead of crashing the board.
#[test]
fn huge_requests_asyncio_resets_and_unicode_keep_the_served_board_up() {
    let s = Served::start();
    let out = text(&s.tool(
        "mpremote",
        &[
            "exec",
            "try:\n bytearray(10**9)\nexcept MemoryError as e:\n print('caught', e)",
        ],
    ));
    assert_eq!(
        out,
        "caught memory allocation failed, allocating 1000000000 bytes\n"
    );
    let prog = "import asyncio\nasync def f():\n while True:\n  await asyncio.sleep_ms(5)\nasync def m():\n asyncio.create_task(f())\n await asyncio.sleep_ms(20)\n print('ran')\nasyncio.run(m())";
    for _ in 0..3 {
        assert_eq!(text(&s.tool("mpremote", &["exec", prog])), "ran\n");
        s.tool("mpremote", &["soft-reset"]);
    }
    python_prints(
        20,
        r#"
import serial, sys, time
p = serial.Serial(sys.argv[1], 115200, timeout=0.2)
p.write(b"\r\x03\x02")
time.sleep(0.5); p.read(10000)
p.write('s = """é\r'.encode())
time.sleep(0.3)
p.write('ü"""\rprint(len(s))\r'.encode())
end = time.time() + 5; out = b""
while time.time() < end and b"3\r\n>>> " not in out:
    out += p.read(1000)
print("crashed" in out.decode(), b"3\r\n>>> " in out)
"#,
        &[s.tty.to_str().unwrap()],
        "False True\n",
    );
    // What mpsim installs into the built-in types outlives every soft reset above.
    assert_eq!(
        text(&s.tool(
            "mpremote",
            &["exec", "l = [1]\nl.extend(range(2))\nprint(l, OSError(5))"]
        )),
        "[1, 0, 1] [Errno 5] EIO\n"
    );
}

#[test]
fn a_killed_board_process_reboots_on_the_same_port_under_an_attached_tool() {
    let s = Served::start();
    assert_eq!(
        text(&s.tool(
            "mpremote",
            &[
                "exec",
                "f = open('/kept.txt', 'w'); f.write('on flash'); f.close(); print(1 + 1)"
            ]
        )),
        "2\n"
    );
    let before = board_process(s.child.id());
    // A tool holds the port open while the board process is killed under it: it sees the crash
    // reported and a fresh prompt, and the REPL answers on the same port.
    python_prints(
        30,
        r#"
import serial, subprocess, sys, time
p = serial.Serial(sys.argv[1], 115200, timeout=0.1)
p.write(b"\r\n"); time.sleep(0.3); p.read(10000)
subprocess.run(["kill", "-9", sys.argv[2]], check=True)
end = time.time() + 10; out = b""
while time.time() < end and b">>> " not in out:
    out += p.read(1000)
print(b"Fatal exception: the board process killed by SIGKILL (9)" in out, out.endswith(b">>> "))
p.write(b"print(6 * 7)\r")
end = time.time() + 10; out = b""
while time.time() < end and b"42\r\n>>> " not in out:
    out += p.read(1000)
print(b"42\r\n>>> " in out)
"#,
        &[s.tty.to_str().unwrap(), &before.to_string()],
        "True True\nTrue\n",
    );
    let after = board_process(s.child.id());
    assert_ne!(before, after, "a new board process runs");
    assert!(s.tty.exists(), "the stable link stays");
    // Tools carry on, on the same flash.
    assert_eq!(
        text(&s.tool("mpremote", &["exec", "print(open('/kept.txt').read())"])),
        "on flash\n"
    );
    // Memory bombs at the REPL: the board answers as the firmware does, and stays up.
    python_prints(
        30,
        r#"
import serial, sys, time
p = serial.Serial(sys.argv[1], 115200, timeout=0.1)
p.write(b"\r\x03\x02"); time.sleep(0.5); p.read(10000)
for line, want in ((b"bytearray(10**12)", b"OverflowError"), (b"[0]*10**10", b"MemoryError"), (b"b = bytearray(10**9)", b"MemoryError")):
    p.write(line + b"\r")
    end = time.time() + 15; out = b""
    while time.time() < end and not out.endswith(b">>> "):
        out += p.read(1000)
    print(want in out, out.endswith(b">>> "))
"#,
        &[s.tty.to_str().unwrap()],
        "True True\nTrue True\nTrue True\n",
    );
    assert_eq!(
        text(&s.tool("mpremote", &["exec", "print('still', 3 * 3)"])),
        "still 9\n"
    );
}

#[test]
fn ctrl_c_on_a_board_held_by_one_native_operation_restarts_it_on_the_same_port() {
    let s = Served::start();
    // `sum(range(10**10))` runs inside the interpreter without coming back to the script: Ctrl-C
    // cannot reach it, so after 2 s the board is restarted, says why, and answers on the port.
    python_prints(
        40,
        r#"
import serial, sys, time
p = serial.Serial(sys.argv[1], 115200, timeout=0.1)
p.write(b"\r\x03\x02"); time.sleep(0.5); p.read(10000)
p.write(b"print('held'); sum(range(10**10))\r")
end = time.time() + 10; out = b""
while time.time() < end and b"held\r\n" not in out:
    out += p.read(1000)
time.sleep(0.3)
t = time.time(); p.write(b"\x03")
end = time.time() + 15; out = b""
while time.time() < end and not out.endswith(b">>> "):
    out += p.read(1000)
took = time.time() - t
print(b"Ctrl-C went unanswered" in out, out.endswith(b">>> "), 1.5 < took < 6)
p.write(b"print(6 * 7)\r")
end = time.time() + 10; out = b""
while time.time() < end and b"42\r\n>>> " not in out:
    out += p.read(1000)
print(b"42\r\n>>> " in out)
"#,
        &[s.tty.to_str().unwrap()],
        "True True True\nTrue\n",
    );
    assert!(s.tty.exists(), "the stable link stays");
}
