//! The board's network (issue 6): Wi-Fi config, host-backed sockets against real peers (an HTTP
//! server, a TCP client, a UDP peer, Debian's mosquitto with micropython-lib's umqtt.simple), the
//! `--net` policy, and the WebREPL with real clients: Python's websocket-client (from the venv),
//! tungstenite, the pty for webrepl_setup, and mpsim's page in Debian's headless Chromium.

mod common;
use common::python;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket};

/// A running `mpsim run` or `mpsim serve`, its stderr read line by line (port notices).
struct Board {
    child: Child,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    stdout: Option<std::thread::JoinHandle<String>>,
    tty: PathBuf,
    dir: tempfile::TempDir,
}

/// Joins Wi-Fi with the default access points (what every socket test does first).
const JOIN: &str = "import network, time\nsta = network.WLAN(network.STA_IF)\nsta.active(True)\nsta.connect('ClassroomWiFi', 'secret')\nwhile not sta.isconnected():\n    time.sleep_ms(50)\n";

impl Board {
    /// Starts `mpsim ARGS…` with a throw-away flash made of `files` (`{dir}` in args is the
    /// test's folder, `{fs}` the flash folder, `{tty}` the serial port's link), and `script`
    /// as `{dir}/main.py`.
    fn start(args: &[&str], files: &[(&str, &[u8])], script: Option<&str>) -> Board {
        let dir = tempfile::tempdir().unwrap();
        if let Some(text) = script {
            std::fs::write(dir.path().join("main.py"), text).unwrap();
        }
        let fs = dir.path().join("fs");
        std::fs::create_dir_all(&fs).unwrap();
        for (name, data) in files {
            let p = fs.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, data).unwrap();
        }
        let tty = dir.path().join("ttyESP8266");
        let subst = |a: &&str| {
            a.replace("{dir}", dir.path().to_str().unwrap())
                .replace("{fs}", fs.to_str().unwrap())
                .replace("{tty}", tty.to_str().unwrap())
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_mpsim"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .args(args.iter().map(subst))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = channel();
        let stderr = Arc::new(Mutex::new(String::new()));
        let all = stderr.clone();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                all.lock().unwrap().push_str(&format!("{line}\n"));
                let _ = tx.send(line);
            }
        });
        let mut out = child.stdout.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = out.read_to_end(&mut s);
            String::from_utf8_lossy(&s).replace("\r\n", "\n")
        });
        Board {
            child,
            lines,
            stderr,
            stdout: Some(stdout),
            tty,
            dir,
        }
    }

    /// `mpsim serve` on a flash with `files`.
    fn serve(files: &[(&str, &[u8])], extra: &[&str]) -> Board {
        let mut args = vec!["serve", "--fs", "{fs}", "--tty", "{tty}"];
        args.extend_from_slice(extra);
        let b = Board::start(&args, files, None);
        let t = Instant::now();
        while !b.tty.exists() {
            assert!(t.elapsed() < Duration::from_secs(20), "no serial port");
            std::thread::sleep(Duration::from_millis(20));
        }
        b
    }

    /// The host port of the next notice containing `needle` (`… is at HOST:PORT …`).
    fn next_port(&self, needle: &str) -> u16 {
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            let left = end.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).unwrap_or_else(|_| {
                panic!(
                    "no {needle:?} notice; stderr:\n{}",
                    self.stderr.lock().unwrap()
                )
            });
            if line.contains(needle) {
                // "… is at [http://]HOST:PORT[/] on this machine"
                let addr = line.split(" is at ").nth(1).expect("address");
                let addr = addr.trim_start_matches("http://");
                let at = addr.find(':').expect("port") + 1;
                let digits: String = addr[at..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                return digits.parse().unwrap();
            }
        }
    }

    fn webrepl_port(&self) -> u16 {
        self.next_port("WebREPL (port 8266)")
    }

    /// Waits for the end of a `mpsim run`: (exit code, stdout, stderr).
    fn finish(mut self) -> (i32, String, String) {
        let t = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if t.elapsed() > Duration::from_secs(90) {
                let _ = self.child.kill();
                panic!("the board did not finish: {}", self.stderr.lock().unwrap());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let out = self.stdout.take().unwrap().join().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let err = self.stderr.lock().unwrap().clone();
        (status.code().unwrap_or(-1), out, err)
    }

    fn fs(&self) -> PathBuf {
        self.dir.path().join("fs")
    }
}

impl Drop for Board {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = Command::new("kill")
                .arg(self.child.id().to_string())
                .status();
            let _ = self.child.wait();
        }
    }
}

/// `mpsim run` of `script` (Wi-Fi joined first) on a flash with `files`; waits for the end.
fn run(script: &str, files: &[(&str, &[u8])], extra: &[&str]) -> (i32, String, String) {
    run_live(script, files, extra).finish()
}

/// `mpsim run` of `script` (Wi-Fi joined first), for tests that talk to the board while it runs.
fn run_live(script: &str, files: &[(&str, &[u8])], extra: &[&str]) -> Board {
    let mut args = vec!["run", "{dir}/main.py", "--fs", "{fs}", "--timeout", "60s"];
    args.extend_from_slice(extra);
    Board::start(&args, files, Some(&format!("{JOIN}{script}")))
}

/// micropython-lib's sources, fetched from PyPI by scripts/test.sh.
fn micropython_lib(rel: &str) -> Vec<u8> {
    let root = std::env::var("MPSIM_MICROPYTHON_LIB").expect(
        "MPSIM_MICROPYTHON_LIB: run the tests through scripts/test.sh, which fetches umqtt.simple and urequests",
    );
    std::fs::read(Path::new(&root).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A one-shot HTTP server on the host: returns its port and the request it gets.
fn http_server(body: &'static str) -> (u16, std::thread::JoinHandle<String>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let (mut c, _) = l.accept().unwrap();
        c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut req = Vec::new();
        let mut b = [0u8; 1024];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = c.read(&mut b).unwrap();
            if n == 0 {
                break;
            }
            req.extend_from_slice(&b[..n]);
        }
        let reply = format!(
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        c.write_all(reply.as_bytes()).unwrap();
        String::from_utf8_lossy(&req).into_owned()
    });
    (port, h)
}

/// A local mosquitto broker on a free port, accepting connections.
fn mosquitto() -> (u16, Child) {
    let port = free_port();
    let broker = Command::new("mosquitto")
        .args(["-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mosquitto (Debian's package, installed by scripts/test.sh)");
    let t = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "mosquitto did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (port, broker)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn urequests_fetches_a_page_from_a_host_server() {
    let (port, server) = http_server("hello from the host");
    let lib = micropython_lib("urequests/__init__.py");
    let (code, out, err) = run(
        &format!(
            "import urequests\nr = urequests.get('http://127.0.0.1:{port}/page?x=1')\nprint(r.status_code, r.text)\nr.close()\n"
        ),
        &[("lib/urequests/__init__.py", &lib)],
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out, "200 hello from the host\n", "{err}");
    let req = server.join().unwrap();
    assert!(req.starts_with("GET /page?x=1 HTTP/1.0\r\n"), "{req}");
    assert!(req.contains("Host: 127.0.0.1\r\n"), "{req}");
}

#[test]
fn a_board_tcp_server_is_reached_from_the_host() {
    let b = run_live(
        "import socket\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(('0.0.0.0', 9000))\ns.listen(5)\nprint('listening')\nn = 0\nwhile True:\n    c, a = s.accept()\n    while True:\n        line = c.readline()\n        if not line or line == b'quit\\n':\n            break\n        c.write(line.upper())\n        n += 1\n    c.close()\n    if line == b'quit\\n':\n        break\nprint('served', n)\n",
        &[],
        &["--map-port", "9000=0"],
    );
    let port = b.next_port("TCP port 9000");
    // Connections that send nothing and go: the board takes each, reads the end, carries on.
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let flood: Vec<TcpStream> = (0..5)
        .filter_map(|_| TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok())
        .collect();
    assert!(!flood.is_empty());
    drop(flood);
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut r = BufReader::new(c.try_clone().unwrap());
    for word in ["one", "two", "three"] {
        c.write_all(format!("{word}\n").as_bytes()).unwrap();
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        assert_eq!(line, format!("{}\n", word.to_uppercase()));
    }
    // A second client waits in the backlog until the first is done.
    let mut c2 = TcpStream::connect(("127.0.0.1", port)).unwrap();
    drop((r, c));
    c2.write_all(b"quit\n").unwrap();
    let (code, out, err) = b.finish();
    assert_eq!((code, out.as_str()), (0, "listening\nserved 3\n"), "{err}");
}

#[test]
fn udp_round_trip_with_a_host_peer() {
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = peer.local_addr().unwrap().port();
    let echo = std::thread::spawn(move || {
        peer.set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut b = [0u8; 256];
        let (n, from) = peer.recv_from(&mut b).unwrap();
        let mut reply = b"echo:".to_vec();
        reply.extend_from_slice(&b[..n]);
        peer.send_to(&reply, from).unwrap();
    });
    let (code, out, err) = run(
        &format!(
            "import socket\nu = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nu.settimeout(20)\nu.sendto(b'ping', ('127.0.0.1', {port}))\ndata, addr = u.recvfrom(100)\nprint(data, addr == ('127.0.0.1', {port}))\n"
        ),
        &[],
        &[],
    );
    echo.join().unwrap();
    assert_eq!((code, out.as_str()), (0, "b'echo:ping' True\n"), "{err}");
}

#[test]
fn umqtt_simple_publishes_to_a_local_mosquitto() {
    let (port, mut broker) = mosquitto();
    // -d: the subscriber says when its subscription stands, so the board publishes after it
    // (line-buffered by stdbuf: its stdout is a pipe).
    let mut sub = Command::new("stdbuf")
        .args([
            "-oL",
            "mosquitto_sub",
            "-p",
            &port.to_string(),
            "-t",
            "mpsim/#",
            "-C",
            "1",
            "-v",
            "-d",
            "-W",
            "30",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("mosquitto_sub (Debian's mosquitto-clients)");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(sub.stdout.take().unwrap()));
    for line in lines.by_ref() {
        if line.unwrap().starts_with("Subscribed (mid") {
            break;
        }
    }
    let lib = micropython_lib("umqtt/simple.py");
    let (code, out, err) = run(
        &format!(
            "from umqtt.simple import MQTTClient\nc = MQTTClient('board1', '127.0.0.1', port={port})\nc.connect()\nc.publish(b'mpsim/hello', b'hi from the board')\nc.disconnect()\nprint('published')\n"
        ),
        &[("lib/umqtt/simple.py", &lib)],
        &[],
    );
    // What the subscriber received, without its debug lines.
    let got: Vec<String> = lines
        .map_while(Result::ok)
        .filter(|l| l.starts_with("mpsim/"))
        .collect();
    let _ = sub.wait();
    let _ = broker.kill();
    let _ = broker.wait();
    assert_eq!((code, out.as_str()), (0, "published\n"), "{err}");
    assert_eq!(got, ["mpsim/hello hi from the board"]);
}

#[test]
fn the_net_policy_limits_where_sockets_go() {
    let try_all = |port: u16| {
        format!(
            "import socket\nfor host in ('localhost', 'micropython.org'):\n    try:\n        print(host, socket.getaddrinfo(host, 80)[0][-1][0])\n    except OSError as e:\n        print(host, 'OSError', e.errno)\nfor addr in (('127.0.0.1', {port}), ('10.255.255.1', 80)):\n    s = socket.socket()\n    s.settimeout(5)\n    try:\n        s.connect(addr)\n        print(addr[0], 'connected')\n    except OSError as e:\n        print(addr[0], 'OSError', e.errno)\n    s.close()\n"
        )
    };
    let port = TcpListener::bind("127.0.0.1:0").unwrap();
    let p = port.local_addr().unwrap().port();
    let (code, out, err) = run(&try_all(p), &[], &["--net", "none"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "localhost OSError -2\nmicropython.org OSError -2\n127.0.0.1 OSError 113\n10.255.255.1 OSError 113\n"
    );
    let (code, out, err) = run(&try_all(p), &[], &["--net", "loopback"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "localhost 127.0.0.1\nmicropython.org OSError -2\n127.0.0.1 connected\n10.255.255.1 OSError 113\n"
    );
    let o = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .args(["run", "-c", "pass", "--net", "everything"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("possible values: host, loopback, none"));
}

#[test]
fn a_wifi_config_file_sets_the_access_points() {
    let dir = tempfile::tempdir().unwrap();
    let aps = dir.path().join("aps.toml");
    std::fs::write(
        &aps,
        "[[ap]]\nssid = \"Lab-2\"\npassword = \"pico1234\"\nrssi = -40\nchannel = 3\nsubnet = \"10.1.2\"\n\n[[ap]]\nssid = \"Far\"\nrssi = -95\n",
    )
    .unwrap();
    let script = "import network, time\nsta = network.WLAN(network.STA_IF)\nsta.active(True)\nprint([(s[0], s[2], s[3]) for s in sta.scan()])\nfor ssid, key in (('Far', ''), ('ClassroomWiFi', 'secret'), ('Lab-2', 'pico1234')):\n    sta.connect(ssid, key)\n    time.sleep(4)\n    print(ssid, sta.status(), sta.ifconfig()[0])\n";
    let o = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .env("XDG_DATA_HOME", dir.path())
        .args(["run", "-c", script, "--virtual-time", "--fs"])
        .arg(dir.path())
        .arg("--wifi-config")
        .arg(&aps)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).replace("\r\n", "\n"),
        "[(b'Lab-2', 3, -40), (b'Far', 6, -95)]\nFar 4 0.0.0.0\nClassroomWiFi 3 0.0.0.0\nLab-2 5 10.1.2.169\n",
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::write(&aps, "[[ap]]\nssid = \"X\"\nchannel = 99\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .env("XDG_DATA_HOME", dir.path())
        .args(["run", "-c", "pass", "--wifi-config"])
        .arg(&aps)
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("channel must be 1 to 14"), "{err}");
}

// ---- WebREPL ----

const WEBREPL_BOOT: &[u8] = b"import webrepl\nwebrepl.start(password='secret1')\n";

fn ws_connect(port: u16) -> WebSocket<TcpStream> {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let (ws, _) = tungstenite::client(format!("ws://127.0.0.1:{port}/"), s).unwrap();
    ws
}

/// Reads text frames until their text contains `needle`; returns it all.
fn text_until(ws: &mut WebSocket<TcpStream>, needle: &str) -> String {
    let mut all = String::new();
    while !all.contains(needle) {
        match ws.read() {
            Ok(Message::Text(t)) => all.push_str(&t),
            Ok(_) => {}
            Err(e) => panic!("{e} while waiting for {needle:?}; got {all:?}"),
        }
    }
    all
}

/// Reads the password prompt; says what went wrong if the board closed the connection first.
fn read_prompt(ws: &mut WebSocket<TcpStream>) -> Result<(), String> {
    let mut got = String::new();
    while !got.contains("Password: ") {
        match ws.read() {
            Ok(Message::Text(t)) => got.push_str(&t),
            Ok(_) => {}
            Err(e) => return Err(format!("{e}; got {got:?}")),
        }
    }
    assert_eq!(got, "Password: ");
    Ok(())
}

/// Logs in. The board takes one client at a time and refuses another until it has noticed that the
/// last one went away (as the firmware does), so a refused connection right after dropping one is
/// tried again.
fn login(port: u16, password: &str) -> WebSocket<TcpStream> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut ws = loop {
        let mut ws = ws_connect(port);
        match read_prompt(&mut ws) {
            Ok(()) => break ws,
            Err(e) => assert!(
                std::time::Instant::now() < deadline,
                "no password prompt: {e}"
            ),
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    ws.send(Message::text(format!("{password}\r"))).unwrap();
    assert_eq!(text_until(&mut ws, ">>> "), "\r\nWebREPL connected\r\n>>> ");
    ws
}

fn binary(ws: &mut WebSocket<TcpStream>) -> Vec<u8> {
    loop {
        match ws.read().unwrap() {
            Message::Binary(b) => return b.to_vec(),
            _ => continue,
        }
    }
}

fn wa(kind: u8, size: u32, name: &[u8]) -> Vec<u8> {
    let mut r = b"WA".to_vec();
    r.extend_from_slice(&[kind, 0]);
    r.extend_from_slice(&0u64.to_le_bytes());
    r.extend_from_slice(&size.to_le_bytes());
    r.extend_from_slice(&(name.len() as u16).to_le_bytes());
    let mut n = name.to_vec();
    n.resize(64, 0);
    r.extend_from_slice(&n);
    r
}

/// True when the server closed the connection (reads fail or see Close).
fn closed(ws: &mut WebSocket<TcpStream>) -> bool {
    loop {
        match ws.read() {
            Ok(Message::Close(_)) | Err(_) => return true,
            Ok(_) => {}
        }
    }
}

/// webrepl_cli-style client from PyPI's websocket-client: login, console, files, version, a
/// second client, a wrong password — while pyserial reads the notices on the serial port.
const WS_CLIENT: &str = r#"
import os, struct, sys, time, serial, websocket
port, tty = sys.argv[1], sys.argv[2]
uart = serial.Serial(tty, 115200, timeout=0.2)
url = "ws://127.0.0.1:%s/" % port

def frames_until(ws, needle):
    got = ""
    while needle not in got:
        op, data = ws.recv_data()
        if op == 1:
            got += data.decode()
    return got

bad = websocket.create_connection(url, timeout=20)
assert bad.recv() == "Password: "
bad.send("wrong\r")
assert frames_until(bad, "denied") == "\r\nAccess denied\r\n"
bad.settimeout(5)
try:
    while True:
        bad.recv()
except websocket.WebSocketTimeoutException:
    print("wrong password: still open")
except Exception:
    print("wrong password: closed")

ws = websocket.create_connection(url, timeout=20)
assert ws.recv() == "Password: "
ws.send("secret1\r")
assert frames_until(ws, ">>> ") == "\r\nWebREPL connected\r\n>>> "
ws.send("print(6*7)\r")
out = frames_until(ws, "42\r\n>>> ")
print("console:", out.replace("\r\n", "|"))

def rec(kind, size, name):
    return struct.pack("<2sBBQLH64s", b"WA", kind, 0, 0, size, len(name), name)

def resp():
    while True:
        op, data = ws.recv_data()
        if op == 2:
            return data

data = os.urandom(300000)
r = rec(1, len(data), b"blob.bin")
ws.send_binary(r[:10]); ws.send_binary(r[10:])
assert resp() == b"WB\x00\x00"
for i in range(0, len(data), 1024):
    ws.send_binary(data[i:i + 1024])
assert resp() == b"WB\x00\x00"
ws.send_binary(rec(2, 0, b"blob.bin"))
assert resp() == b"WB\x00\x00"
got = b""
while True:
    ws.send_binary(b"\x00")
    chunk = resp()
    (n,) = struct.unpack("<H", chunk[:2])
    if n == 0:
        break
    got += chunk[2:]
assert resp() == b"WB\x00\x00"
print("put/get byte-exact:", got == data, len(got))
ws.send_binary(rec(2, 0, b"nosuchfile"))
print("get missing:", resp())
ws.send_binary(rec(3, 0, b""))
print("version:", tuple(resp()))
ws.send("import os; print(os.stat('blob.bin')[6])\r")
print("on the flash:", "300000" in frames_until(ws, "300000"))

second = websocket.create_connection(url, timeout=20)
try:
    print("second client got:", repr(second.recv()))
except Exception:
    print("second client: closed")
ws.send("print('still here')\r")
print("first client:", "still here" in frames_until(ws, "still here\r\n"))
ws.close()
time.sleep(0.5)
console = uart.read(100000).decode(errors="replace")
print("uart: connection from", "WebREPL connection from: ('127.0.0.1'," in console)
print("uart: concurrent rejected", "Concurrent WebREPL connection from ('127.0.0.1'," in console)
print("uart: access denied EOF", "dupterm: EOF received, deactivating" in console)
print("uart: echo of webrepl input", "print('still here')" in console)
"#;

#[test]
fn webrepl_with_a_python_websocket_client() {
    let b = Board::serve(&[("boot.py", WEBREPL_BOOT)], &["--map-port", "8266=0"]);
    let port = b.webrepl_port();
    let o = python(90, WS_CLIENT, &[&port.to_string(), b.tty.to_str().unwrap()]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "wrong password: closed\n\
         console: print(6*7)|42|>>> \n\
         put/get byte-exact: True 300000\n\
         get missing: b'WB\\x01\\x00'\n\
         version: (1, 28, 0)\n\
         on the flash: True\n\
         second client: closed\n\
         first client: True\n\
         uart: connection from True\n\
         uart: concurrent rejected True\n\
         uart: access denied EOF True\n\
         uart: echo of webrepl input True\n",
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn webrepl_survives_bad_clients_and_keeps_the_flash() {
    let b = Board::serve(
        &[("boot.py", WEBREPL_BOOT), ("keep.txt", b"precious")],
        &["--map-port", "8266=0"],
    );
    let port = b.webrepl_port();
    // An over-long password is cut at the board's 10 bytes and refused.
    let mut ws = ws_connect(port);
    text_until(&mut ws, "Password: ");
    ws.send(Message::text(format!("secret1{}\r", "x".repeat(5000))))
        .unwrap();
    assert!(text_until(&mut ws, "denied").contains("Access denied"));
    assert!(closed(&mut ws));
    // A frame with a 64-bit length, and one far beyond the board's frames: the connection ends.
    for length in [100_000u64, 1 << 32] {
        let mut raw = TcpStream::connect(("127.0.0.1", port)).unwrap();
        raw.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        raw.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: foo\r\n\r\n").unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            raw.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head);
        // webrepl_cli's key "foo" (and no version header): the accept key for it.
        assert!(
            head.contains("Sec-WebSocket-Accept: BM0S0+ghftShuFVHQATK/DBiJq8="),
            "{head}"
        );
        let mut frame = vec![0x82u8, 127];
        frame.extend_from_slice(&length.to_be_bytes());
        raw.write_all(&frame).unwrap();
        let _ = raw.write_all(&[0u8; 70000]);
        let mut sink = Vec::new();
        if let Err(e) = raw.read_to_end(&mut sink) {
            assert!(
                !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ),
                "a {length}-byte frame left the connection open"
            );
        }
        assert!(sink.starts_with(b"\x81\x0aPassword: "), "{sink:?}");
    }
    // A flood of connections that never speak, then a real client.
    let flood: Vec<TcpStream> = (0..200)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", port)).ok())
        .collect();
    drop(flood);
    let mut ws = login(port, "secret1");
    // Paths outside the flash, too long, or empty: refused with WB 1.
    for name in [&b"../../etc/passwd"[..], &[b'a'; 64][..], b""] {
        ws.send(Message::binary(wa(1, 5, name))).unwrap();
        assert_eq!(binary(&mut ws), b"WB\x01\x00", "{name:?}");
        ws.send(Message::binary(b"12345".to_vec())).unwrap(); // swallowed
    }
    ws.send(Message::binary(wa(2, 0, b"../keep.txt"))).unwrap();
    assert_eq!(binary(&mut ws), b"WB\x01\x00");
    // A PUT bigger than the flash is refused before its bytes.
    ws.send(Message::binary(wa(1, u32::MAX, b"huge.bin")))
        .unwrap();
    assert_eq!(binary(&mut ws), b"WB\x01\x00");
    drop(ws);
    // A half-sent file: the old contents stay whole.
    let mut ws = login(port, "secret1");
    ws.send(Message::binary(wa(1, 1000, b"keep.txt"))).unwrap();
    assert_eq!(binary(&mut ws), b"WB\x00\x00");
    ws.send(Message::binary(vec![b'z'; 300])).unwrap();
    ws.flush().unwrap();
    drop(ws);
    // `login` waits until the board has let go of the dropped session.
    let mut ws = login(port, "secret1");
    ws.send(Message::binary(wa(2, 0, b"keep.txt"))).unwrap();
    assert_eq!(binary(&mut ws), b"WB\x00\x00");
    ws.send(Message::binary(vec![0])).unwrap();
    assert_eq!(binary(&mut ws), b"\x08\x00precious");
    ws.send(Message::binary(vec![0])).unwrap();
    assert_eq!(binary(&mut ws), b"\x00\x00");
    assert_eq!(binary(&mut ws), b"WB\x00\x00");
    ws.send(Message::text("print(1+1)\r")).unwrap();
    assert!(text_until(&mut ws, "2\r\n>>> ").contains("print(1+1)\r\n2\r\n"));
}

#[test]
fn a_soft_reset_drops_the_webrepl_client_and_boot_py_restarts_it() {
    let b = Board::serve(&[("boot.py", WEBREPL_BOOT)], &["--map-port", "8266=0"]);
    let port = b.webrepl_port();
    let mut ws = login(port, "secret1");
    ws.send(Message::text(
        "import socket; s = socket.socket(); s.bind(('', 9123)); s.listen(1)\r",
    ))
    .unwrap();
    text_until(&mut ws, ">>> ");
    let held = b.next_port("TCP port 9123");
    assert!(TcpStream::connect(("127.0.0.1", held)).is_ok());
    // Ctrl-D at the prompt: a soft reset, which closes the board's sockets and its client.
    ws.send(Message::text("\x04")).unwrap();
    assert!(closed(&mut ws));
    let again = b.webrepl_port();
    let mut ws = login(again, "secret1");
    assert!(
        TcpStream::connect(("127.0.0.1", held)).is_err(),
        "the board's server socket is gone after the reset"
    );
    ws.send(Message::text("print('back')\r")).unwrap();
    text_until(&mut ws, "back\r\n>>> ");
}

#[test]
fn the_webrepl_lives_in_the_front_end_and_comes_back_after_the_board_process_dies() {
    let b = Board::serve(&[("boot.py", WEBREPL_BOOT)], &["--map-port", "8266=0"]);
    let port = b.webrepl_port();
    let mut ws = login(port, "secret1");
    let board = common::board_process(b.child.id());
    // The listener is the front end's, not the board process's.
    let owners = listening_pids(port);
    assert!(
        owners.contains(&b.child.id()) && !owners.contains(&board),
        "port {port} is held by {owners:?}; front end {}, board {board}",
        b.child.id()
    );
    common::kill9(board);
    // The board reboots, which closes the client as a reset does; boot.py starts the WebREPL again.
    assert!(closed(&mut ws));
    let again = b.webrepl_port();
    let mut ws = login(again, "secret1");
    ws.send(Message::text("print('back', 6*7)\r")).unwrap();
    text_until(&mut ws, "back 42\r\n>>> ");
    assert_ne!(common::board_process(b.child.id()), board);
}

/// The pids holding a TCP listener on `port` (from /proc: the sockets' inodes and each process's
/// file descriptors).
fn listening_pids(port: u16) -> Vec<u32> {
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        for line in std::fs::read_to_string(table)
            .unwrap_or_default()
            .lines()
            .skip(1)
        {
            let f: Vec<&str> = line.split_whitespace().collect();
            let local_port = f
                .get(1)
                .and_then(|a| a.rsplit(':').next())
                .and_then(|p| u16::from_str_radix(p, 16).ok());
            // State 0A: LISTEN.
            if local_port == Some(port) && f.get(3) == Some(&"0A") {
                inodes.push(format!("socket:[{}]", f[9]));
            }
        }
    }
    let mut pids = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(e.path().join("fd")) else {
            continue;
        };
        if fds.flatten().any(|fd| {
            std::fs::read_link(fd.path())
                .is_ok_and(|l| inodes.iter().any(|i| l.to_string_lossy() == *i))
        }) {
            pids.push(pid);
        }
    }
    pids
}

/// `import webrepl_setup` over the serial port, as the introduction's transcript does it.
const SETUP: &str = r#"
import sys, time, serial
s = serial.Serial(sys.argv[1], 115200, timeout=0.1)
seen = ""
def expect(text, secs=20):
    global seen
    end = time.time() + secs
    while text not in seen:
        if time.time() > end:
            raise SystemExit("no %r in %r" % (text, seen))
        seen += s.read(4096).decode(errors="replace")
    i = seen.index(text) + len(text)
    out, seen = seen[:i], seen[i:]
    return out
s.write(b"\r\x03")
expect(">>> ")
time.sleep(0.5)
s.read(4096)
seen = ""
s.write(b"import webrepl_setup\r")
print(expect("> ").split("webrepl_setup\r\n", 1)[1].replace("\r\n", "|"))
s.write(b"E\r")
print(expect("New password (4-9 chars): ").replace("\r\n", "|"))
s.write(b"abc\r")
print(expect("New password (4-9 chars): ").replace("\r\n", "|"))
s.write(b"secret\r")
expect("Confirm password: ")
s.write(b"secrex\r")
print(expect("New password (4-9 chars): ").replace("\r\n", "|"))
s.write(b"secret\r")
expect("Confirm password: ")
s.write(b"secret\r")
print(expect("Would you like to reboot now? (y/n) ").replace("\r\n", "|"))
s.write(b"y\r")
expect(">>> ", 30)
s.write(b"print(open('webrepl_cfg.py').read()); print(open('boot.py').read())\r")
print(expect(">>> ").replace("\r\n", "|"))
"#;

#[test]
fn webrepl_setup_over_the_serial_port_enables_it_for_the_next_boot() {
    let b = Board::serve(&[], &["--map-port", "8266=0"]);
    let o = python(60, SETUP, &[b.tty.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..5],
        [
            "WebREPL daemon auto-start status: disabled||Would you like to (E)nable or (D)isable it running on boot?|(Empty line to quit)|> ",
            "E|To enable WebREPL, you must set password for it|New password (4-9 chars): ",
            "abc|Invalid password length|New password (4-9 chars): ",
            "secrex|Passwords do not match|New password (4-9 chars): ",
            "secret|Changes will be activated after reboot|Would you like to reboot now? (y/n) ",
        ],
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        lines[5].contains("PASS = 'secret'|")
            && lines[5].contains("|import webrepl|webrepl.start()|")
            && !lines[5].contains("#import webrepl"),
        "{}",
        lines[5]
    );
    // The reboot ran boot.py: the WebREPL is up with the new password.
    let port = b.webrepl_port();
    let mut ws = login(port, "secret");
    ws.send(Message::text("print(7*6)\r")).unwrap();
    text_until(&mut ws, "42\r\n");
    assert!(b.fs().exists(), "the flash folder stays");
}

/// mpsim's WebREPL page in headless Chromium, driven over the DevTools protocol
/// (websocket-client): log in, run `print(6*7)`, upload a file, find it with os.listdir().
const BROWSER: &str = r##"
import json, os, subprocess, sys, tempfile, time, websocket
port = sys.argv[1]
profile = tempfile.mkdtemp()
upload = os.path.join(profile, "hello_upload.py")
with open(upload, "w") as f:
    f.write("print('uploaded')\n")
chrome = subprocess.Popen(
    ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
     "--disable-background-networking", "--disable-component-update", "--disable-sync",
     "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank"],
    stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
try:
    url = None
    end = time.time() + 60
    while url is None and time.time() < end:
        line = chrome.stderr.readline()
        if "DevTools listening on" in line:
            url = line.split("DevTools listening on ", 1)[1].strip()
    assert url, "no DevTools address"
    import urllib.request
    base = url.split("/devtools/")[0].replace("ws://", "http://")
    pages = json.loads(urllib.request.urlopen(base + "/json/list", timeout=20).read())
    page = [p for p in pages if p.get("type") == "page"][0]
    cdp = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
    n = [0]
    def call(method, **params):
        n[0] += 1
        cdp.send(json.dumps({"id": n[0], "method": method, "params": params}))
        while True:
            m = json.loads(cdp.recv())
            if m.get("id") == n[0]:
                if "error" in m:
                    raise RuntimeError(m["error"])
                return m.get("result", {})
    def js(expr):
        r = call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        return r.get("result", {}).get("value")
    def wait(expr, secs=20):
        end = time.time() + secs
        while time.time() < end:
            v = js(expr)
            if v:
                return v
            time.sleep(0.1)
        raise SystemExit("timed out waiting for %s; terminal: %r" % (expr, js("term.text()")))
    def typed(text):
        js("document.getElementById('keys').focus()")
        call("Input.insertText", text=text)
    def enter():
        call("Input.dispatchKeyEvent", type="rawKeyDown", key="Enter", code="Enter", windowsVirtualKeyCode=13)
        call("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter", windowsVirtualKeyCode=13)
    call("Page.enable")
    call("Page.navigate", url="http://127.0.0.1:%s/" % port)
    wait("document.readyState === 'complete' && !!document.getElementById('connect')")
    print("title:", js("document.title"))
    js("document.getElementById('connect').click()")
    wait("term.text().includes('Password: ')")
    typed("secret1")
    enter()
    wait("term.text().includes('WebREPL connected')")
    typed("print(6*7)")
    enter()
    wait("term.text().includes('\\n42\\n')")
    print("42 seen:", True)
    doc = call("DOM.getDocument")
    node = call("DOM.querySelector", nodeId=doc["root"]["nodeId"], selector="#file")
    call("DOM.setFileInputFiles", nodeId=node["nodeId"], files=[upload])
    js("document.getElementById('put').click()")
    print("upload:", wait("(s => s.startsWith('Sent') && s)(document.getElementById('filestatus').textContent)"))
    typed("import os; print(sorted(os.listdir()))")
    enter()
    print("listdir:", wait("(t => t.includes('hello_upload.py') && t.split('\\n').filter(l => l.startsWith('[')).pop())(term.text())"))
    typed("exec(open('hello_upload.py').read())")
    enter()
    wait("term.text().includes('\\nuploaded\\n')")
    print("ran it:", True)
finally:
    chrome.kill()
"##;

#[test]
fn the_webrepl_page_works_in_headless_chromium() {
    let b = Board::serve(&[("boot.py", WEBREPL_BOOT)], &["--map-port", "8266=0"]);
    let port = b.webrepl_port();
    let o = python(120, BROWSER, &[&port.to_string()]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "title: mpsim WebREPL — ESP8266_GENERIC\n\
         42 seen: True\n\
         upload: Sent hello_upload.py, 18 bytes\n\
         listdir: ['boot.py', 'hello_upload.py']\n\
         ran it: True\n",
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn start_foreground_waits_for_a_client_to_log_in() {
    let b = Board::serve(
        &[(
            "boot.py",
            b"import webrepl\nwebrepl.start_foreground(password='fg')\nprint('after foreground')\n",
        )],
        &["--map-port", "8266=0"],
    );
    let port = b.webrepl_port();
    let mut ws = login(port, "fg");
    // boot.py goes on once the client is in; what it prints reaches the client.
    text_until(&mut ws, "after foreground\r\n");
    ws.send(Message::text("print(3*3)\r")).unwrap();
    text_until(&mut ws, "9\r\n>>> ");
}

#[test]
fn webrepl_with_a_rust_client() {
    let b = Board::serve(&[("boot.py", WEBREPL_BOOT)], &["--map-port", "8266=0"]);
    let port = b.webrepl_port();
    // A wrong password: refused, then closed.
    let mut ws = ws_connect(port);
    text_until(&mut ws, "Password: ");
    ws.send(Message::text("secret2\r")).unwrap();
    assert_eq!(text_until(&mut ws, "denied\r\n"), "\r\nAccess denied\r\n");
    assert!(closed(&mut ws));
    let mut ws = login(port, "secret1");
    ws.send(Message::text("print(2**10)\r")).unwrap();
    assert!(text_until(&mut ws, "1024\r\n>>> ").ends_with("print(2**10)\r\n1024\r\n>>> "));
    // Every byte value, put and got back byte for byte.
    let data: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 256) as u8).collect();
    ws.send(Message::binary(wa(1, data.len() as u32, b"all.bin")))
        .unwrap();
    assert_eq!(binary(&mut ws), b"WB\x00\x00");
    for chunk in data.chunks(1024) {
        ws.send(Message::binary(chunk.to_vec())).unwrap();
    }
    assert_eq!(binary(&mut ws), b"WB\x00\x00");
    ws.send(Message::binary(wa(2, 0, b"all.bin"))).unwrap();
    assert_eq!(binary(&mut ws), b"WB\x00\x00");
    let mut got = Vec::new();
    loop {
        ws.send(Message::binary(vec![0])).unwrap();
        let chunk = binary(&mut ws);
        let n = usize::from(u16::from_le_bytes([chunk[0], chunk[1]]));
        assert_eq!(chunk.len(), n + 2);
        if n == 0 {
            break;
        }
        got.extend_from_slice(&chunk[2..]);
    }
    assert_eq!(binary(&mut ws), b"WB\x00\x00");
    assert!(got == data, "the file came back different");
    ws.send(Message::binary(wa(3, 0, b""))).unwrap();
    assert_eq!(binary(&mut ws), [1, 28, 0]);
    // A second client: the handshake completes, then the board closes it.
    let mut second = ws_connect(port);
    assert!(closed(&mut second));
    ws.send(Message::text("print('first')\r")).unwrap();
    text_until(&mut ws, "first\r\n>>> ");
}

#[test]
fn listen_puts_board_servers_on_the_address_given() {
    let b = run_live(
        "import socket\ns = socket.socket()\ns.bind(('', 9400))\ns.listen(1)\nc, a = s.accept()\nc.send(b'hi')\nc.close()\n",
        &[],
        &["--listen", "127.0.0.2", "--map-port", "9400=0"],
    );
    let port = b.next_port("TCP port 9400 is at 127.0.0.2:");
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nothing on 127.0.0.1"
    );
    let mut c = TcpStream::connect(("127.0.0.2", port)).unwrap();
    let mut got = Vec::new();
    c.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"hi");
    let (code, _, err) = b.finish();
    assert_eq!(code, 0, "{err}");
}

/// A host HTTP server answering `n` requests by path: `/echo` sends back the request's headers
/// and body, `/moved` redirects to `/final` (absolute: the firmware's requests takes no
/// relative Location), `/final` says so, anything else is a 404.
fn http_router(n: usize) -> (u16, std::thread::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        for _ in 0..n {
            let (mut c, _) = l.accept().unwrap();
            c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            let mut req = Vec::new();
            let mut b = [0u8; 4096];
            let (head, body) = loop {
                let k = c.read(&mut b).unwrap();
                req.extend_from_slice(&b[..k]);
                if let Some(i) = req.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&req[..i]).into_owned();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("Content-Length: "))
                        .map_or(0, |v| v.trim().parse().unwrap());
                    while req.len() < i + 4 + len {
                        let k = c.read(&mut b).unwrap();
                        req.extend_from_slice(&b[..k]);
                    }
                    break (head, String::from_utf8_lossy(&req[i + 4..]).into_owned());
                }
                assert!(k > 0, "the request ended early");
            };
            let path = head.split(' ').nth(1).unwrap_or("").to_owned();
            let reply = match path.as_str() {
                "/moved" => {
                    format!("HTTP/1.0 302 Found\r\nLocation: http://127.0.0.1:{port}/final\r\n\r\n")
                }
                p if p.starts_with("/echo") => {
                    let text = format!("{head}\n--\n{body}");
                    format!(
                        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nX-Test: yes\r\nContent-Length: {}\r\n\r\n{text}",
                        text.len()
                    )
                }
                "/final" => "HTTP/1.0 200 OK\r\n\r\n{\"landed\": true}".to_owned(),
                _ => "HTTP/1.0 404 Not Found\r\n\r\nnope".to_owned(),
            };
            c.write_all(reply.as_bytes()).unwrap();
        }
    });
    (port, h)
}

#[test]
fn the_frozen_requests_gets_posts_follows_redirects_and_reads_errors() {
    let (port, server) = http_router(6);
    let script = format!(
        "import requests, urequests\n\
         base = 'http://127.0.0.1:{port}'\n\
         r = requests.get(base + '/echo?q=1', headers={{'X-Board': 'mpsim'}})\n\
         print(r.status_code, r.reason, r.headers['X-Test'])\n\
         t = r.text\n\
         print(t.split('\\n')[0].strip())\n\
         print('X-Board: mpsim' in t, 'Host: 127.0.0.1' in t, 'Connection: close' in t)\n\
         r = requests.post(base + '/echo', json={{'a': 1}})\n\
         t = r.text\n\
         print('Content-Type: application/json' in t, t.split('--\\n')[1])\n\
         r = urequests.post(base + '/echo', data=b'raw', auth=('u', 'p'))\n\
         t = r.text\n\
         print('Authorization: Basic dTpw' in t, t.split('--\\n')[1])\n\
         r = requests.get(base + '/moved')\n\
         print(r.status_code, r.json())\n\
         r = requests.get(base + '/missing')\n\
         print(r.status_code, r.reason, r.content)\n\
         r.close()\n\
         try:\n\
         \x20   requests.get('ftp://x/y')\n\
         except ValueError as e:\n\
         \x20   print(e)\n"
    );
    let (code, out, err) = run(&script, &[], &[]);
    server.join().unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out,
        "200 b'OK' yes\n\
         GET /echo?q=1 HTTP/1.0\n\
         True True True\n\
         True {\"a\": 1}\n\
         True raw\n\
         200 {'landed': True}\n\
         404 b'Not Found' b'nope'\n\
         Unsupported protocol: ftp:\n",
        "{err}"
    );
}

#[test]
fn ntptime_sets_the_clock_from_an_ntp_server() {
    // A small NTP server: any 48-byte query gets 2026-12-04 12:34:56 UTC as its transmit time.
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = udp.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        udp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut b = [0u8; 64];
        let (n, from) = udp.recv_from(&mut b).unwrap();
        assert_eq!((n, b[0]), (48, 0x1B), "an NTPv3 client query");
        let unix: u64 = 1_796_387_696; // 2026-12-04 12:34:56 UTC
        let ntp = (unix + 2_208_988_800) as u32;
        let mut reply = [0u8; 48];
        reply[0] = 0x1C;
        reply[40..44].copy_from_slice(&ntp.to_be_bytes());
        udp.send_to(&reply, from).unwrap();
    });
    let script = format!(
        "import ntptime, time\n\
         ntptime.host = '127.0.0.1'\n\
         ntptime.port = {port}\n\
         ntptime.settime()\n\
         print(time.localtime()[:6])\n"
    );
    let (code, out, err) = run(&script, &[], &[]);
    server.join().unwrap();
    assert_eq!(
        (code, out.as_str()),
        (0, "(2026, 12, 4, 12, 34, 56)\n"),
        "{err}"
    );
}

#[test]
fn the_esp32_s_frozen_umqtt_subscribes_and_publishes_at_qos_1() {
    let (port, mut broker) = mosquitto();
    // The board hears its own message back through the broker: a QoS 1 subscription, a QoS 1
    // publication (its PUBACK and the delivery may come in either order), the callback.
    let script = format!(
        "from umqtt.robust import MQTTClient\n\
         got = []\n\
         c = MQTTClient('esp32', '127.0.0.1', port={port}, keepalive=30)\n\
         c.set_callback(lambda t, m: got.append((t, m)))\n\
         print('session', c.connect())\n\
         c.subscribe(b'mpsim/loop', qos=1)\n\
         c.publish(b'mpsim/loop', b'hello', qos=1)\n\
         while not got:\n\
         \x20   c.wait_msg()\n\
         print(got)\n\
         c.ping()\n\
         c.disconnect()\n"
    );
    let (code, out, err) = run(&script, &[], &["--board", "esp32"]);
    let _ = broker.kill();
    let _ = broker.wait();
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out, "session 0\n[(b'mpsim/loop', b'hello')]\n", "{err}");
}

/// Certificates made by openssl for the TLS tests: a CA, a leaf it signed for `mpsim.local`
/// (PEM for Python, DER for the board), and an unrelated self-signed one.
struct Certs {
    dir: tempfile::TempDir,
}

impl Certs {
    fn new() -> Certs {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl")
                .current_dir(d)
                .args(args)
                .output()
                .expect("openssl (Debian's package, installed by scripts/test.sh)");
            assert!(out.status.success(), "openssl {args:?}: {out:?}");
        };
        let mut ca = vec!["req", "-x509"];
        ca.extend(ec);
        ca.extend([
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "3650",
            "-subj",
            "/CN=mpsim test CA",
        ]);
        openssl(&ca);
        let mut csr = vec!["req"];
        csr.extend(ec);
        csr.extend([
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=mpsim.local",
        ]);
        openssl(&csr);
        std::fs::write(d.join("san.ext"), "subjectAltName=DNS:mpsim.local\n").unwrap();
        openssl(&[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "30",
            "-extfile",
            "san.ext",
        ]);
        let mut rogue = vec!["req", "-x509"];
        rogue.extend(ec);
        rogue.extend([
            "-keyout",
            "rogue.key",
            "-out",
            "rogue.pem",
            "-days",
            "30",
            "-subj",
            "/CN=mpsim.local",
        ]);
        openssl(&rogue);
        for name in ["ca", "leaf", "rogue"] {
            openssl(&[
                "x509",
                "-in",
                &format!("{name}.pem"),
                "-outform",
                "DER",
                "-out",
                &format!("{name}.der"),
            ]);
        }
        openssl(&[
            "pkey",
            "-in",
            "leaf.key",
            "-outform",
            "DER",
            "-out",
            "leaf.key.der",
        ]);
        Certs { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    /// Files for the board's flash, named as here.
    fn files(&self, names: &[&'static str]) -> Vec<(&'static str, Vec<u8>)> {
        names
            .iter()
            .map(|n| (*n, std::fs::read(self.dir.path().join(n)).unwrap()))
            .collect()
    }
}

/// tests/tools/tls_peer.py as a server: its port, and the process (its lines: one per connection).
fn tls_server(certs: &Certs, extra: &[&str]) -> (u16, Child, BufReader<std::process::ChildStdout>) {
    let mut child = Command::new("timeout")
        .args([
            "120",
            "python3",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/tls_peer.py"),
            "server",
        ])
        .arg(certs.path("leaf.pem"))
        .arg(certs.path("leaf.key"))
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let port = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no port from the TLS peer: {line:?}"));
    (port, child, out)
}

/// A board script's first lines: the RTC set to the host's time (certificates are checked
/// against the board's clock, which starts at 2000-01-01 as the firmware's does).
fn set_clock() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    format!(
        "import machine\n\
         _t = {now} - (0 if time.gmtime(0)[0] == 1970 else 946684800)\n\
         _g = time.gmtime(_t)\n\
         machine.RTC().datetime((_g[0], _g[1], _g[2], _g[6], _g[3], _g[4], _g[5], 0))\n"
    )
}

#[test]
fn tls_clients_on_the_esp32_check_certificates_as_the_firmware_does() {
    let certs = Certs::new();
    let (port, mut server, out) = tls_server(&certs, &["--conns", "6"]);
    let script = format!(
        "import socket, ssl, requests\n\
         r = requests.get('https://127.0.0.1:{port}/page')\n\
         print('requests', r.status_code, r.text)\n\
         def attempt(ctx, host, note):\n\
         \x20   s = socket.socket()\n\
         \x20   s.connect(('127.0.0.1', {port}))\n\
         \x20   try:\n\
         \x20       t = ctx.wrap_socket(s, server_hostname=host)\n\
         \x20   except Exception as e:\n\
         \x20       s.close()\n\
         \x20       print(note, type(e).__name__, repr(e.args[0]))\n\
         \x20       return\n\
         \x20   print(note, t.cipher()[1])\n\
         \x20   t.write(b'GET /' + note.encode() + b' HTTP/1.0\\r\\n\\r\\n')\n\
         \x20   print(note, t.read().split(b'\\r\\n')[-1])\n\
         \x20   t.close()\n\
         ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n\
         print('default verify_mode', ctx.verify_mode == ssl.CERT_NONE)\n\
         ctx.verify_mode = ssl.CERT_REQUIRED\n\
         ctx.load_verify_locations(cafile='ca.der')\n\
         attempt(ctx, 'mpsim.local', 'clock')\n\
         {clock}\
         attempt(ctx, 'mpsim.local', 'verified')\n\
         attempt(ctx, 'elsewhere.local', 'name')\n\
         try:\n\
         \x20   ctx.wrap_socket(socket.socket())\n\
         except ValueError as e:\n\
         \x20   print('nohost', e)\n\
         rogue = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n\
         rogue.verify_mode = ssl.CERT_REQUIRED\n\
         rogue.load_verify_locations(cadata=open('rogue.der', 'rb').read())\n\
         attempt(rogue, 'mpsim.local', 'untrusted')\n\
         pem = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n\
         pem.verify_mode = ssl.CERT_REQUIRED\n\
         pem.load_verify_locations(cadata=open('ca.pem').read())\n\
         attempt(pem, 'mpsim.local', 'pem')\n\
         try:\n\
         \x20   ctx.load_verify_locations(cadata=b'!')\n\
         except ValueError as e:\n\
         \x20   print('bad cadata', repr(e))\n\
         try:\n\
         \x20   ssl.wrap_socket(socket.socket(), server_hostname='x')\n\
         except OSError as e:\n\
         \x20   print('unconnected', e)\n",
        clock = set_clock()
    );
    let files = certs.files(&["ca.der", "ca.pem", "rogue.der"]);
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (*n, d.as_slice())).collect();
    let (code, stdout, err) = run(&script, &files, &["--board", "esp32"]);
    let _ = server.kill();
    let _ = server.wait();
    let log: Vec<String> = out.lines().map_while(Result::ok).collect();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[..12],
        [
            "requests 200 hello over tls",
            "default verify_mode True",
            "clock ValueError '\\nThe certificate validity starts in the future\\n'",
            "verified TLSv1.3",
            "verified b'hello over tls'",
            "name ValueError '\\nThe certificate Common Name (CN) does not match with the expected CN\\n'",
            "nohost CERT_REQUIRED requires server_hostname",
            "untrusted ValueError '\\nThe certificate is not correctly signed by the trusted CA\\n'",
            "pem TLSv1.3",
            "pem b'hello over tls'",
            "bad cadata ValueError('invalid cert',)",
            // An unconnected socket: the handshake meets the socket's error.
            "unconnected [Errno 107] ENOTCONN",
        ],
        "{stdout}{err}"
    );
    assert_eq!(code, 0, "{err}");
    // What the server saw: the board's alerts name its reasons.
    assert_eq!(log.len(), 6, "{log:?}");
    assert!(
        log[0].starts_with("request GET /page HTTP/1.0 TLSv1.3"),
        "{log:?}"
    );
    assert!(log[1].contains("CERTIFICATE_EXPIRED"), "{log:?}");
    assert!(log[2].starts_with("request GET /verified "), "{log:?}");
    // SNI: the name the board asked for; none for an address.
    assert!(log[0].ends_with(" sni None"), "{log:?}");
    assert!(log[2].ends_with(" sni mpsim.local"), "{log:?}");
    assert!(log[3].contains("BAD_CERTIFICATE"), "{log:?}");
    assert!(log[4].contains("UNKNOWN_CA"), "{log:?}");
    assert!(log[5].starts_with("request GET /pem "), "{log:?}");
}

/// tests/tools/tls_peer.py as a client of the board's TLS server: the lines it prints.
fn tls_client(certs: &Certs, port: u16, lines: &[&str]) -> Vec<String> {
    let out = Command::new("timeout")
        .args([
            "60",
            "python3",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/tls_peer.py"),
            "client",
        ])
        .arg(port.to_string())
        .arg(certs.path("ca.pem"))
        .arg("mpsim.local")
        .args(lines)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_pico_w_serves_tls_under_asyncio_and_fetches_without_blocking() {
    let certs = Certs::new();
    let (hport, mut server, out) = tls_server(&certs, &["--conns", "1"]);
    let script = format!(
        "import asyncio, socket, ssl\n\
         ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n\
         ctx.load_cert_chain('leaf.der', 'leaf.key.der')\n\
         done = asyncio.Event()\n\
         async def echo(r, w):\n\
         \x20   n = 0\n\
         \x20   while True:\n\
         \x20       line = await r.readline()\n\
         \x20       if not line:\n\
         \x20           break\n\
         \x20       w.write(line.upper())\n\
         \x20       await w.drain()\n\
         \x20       n += 1\n\
         \x20   print('echoed', n)\n\
         \x20   await w.wait_closed()\n\
         \x20   done.set()\n\
         async def main():\n\
         \x20   srv = await asyncio.start_server(echo, '0.0.0.0', 8443, ssl=ctx)\n\
         \x20   r, w = await asyncio.open_connection('127.0.0.1', {hport}, ssl=True)\n\
         \x20   w.write(b'GET /async HTTP/1.0\\r\\n\\r\\n')\n\
         \x20   await w.drain()\n\
         \x20   print('fetched', (await r.read()).split(b'\\r\\n')[-1])\n\
         \x20   await w.wait_closed()\n\
         \x20   await done.wait()\n\
         \x20   srv.close()\n\
         asyncio.run(main())\n\
         ctx.verify_mode = ssl.CERT_REQUIRED\n\
         ctx.load_verify_locations(cafile='ca.der')\n\
         s = socket.socket()\n\
         s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
         s.bind(('0.0.0.0', 8444))\n\
         s.listen(1)\n\
         c, a = s.accept()\n\
         try:\n\
         \x20   ctx.wrap_socket(c, server_side=True)\n\
         except OSError as e:\n\
         \x20   print('strict', e)\n\
         c.close()\n\
         s.close()\n"
    );
    let files = certs.files(&["ca.der", "leaf.der", "leaf.key.der"]);
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (*n, d.as_slice())).collect();
    let b = run_live(
        &script,
        &files,
        &[
            "--board",
            "pico-w",
            "--map-port",
            "8443=0",
            "--map-port",
            "8444=0",
        ],
    );
    let port = b.next_port("TCP port 8443");
    let got = tls_client(&certs, port, &["one", "two"]);
    assert_eq!(got, ["version TLSv1.3", "got ONE", "got TWO", "done"]);
    // The second server asks for a client certificate the client does not have.
    let port = b.next_port("TCP port 8444");
    let got = tls_client(&certs, port, &["three"]);
    // TLS 1.3: the client's half of the handshake is over before the board's verdict.
    assert!(
        got[..].ends_with(&["error TLSV13_ALERT_CERTIFICATE_REQUIRED".to_string()]),
        "{got:?}"
    );
    let (code, stdout, err) = b.finish();
    let _ = server.kill();
    let _ = server.wait();
    let log: Vec<String> = out.lines().map_while(Result::ok).collect();
    // The fetch and the echo server's client run at once: either may end first.
    let mut lines: Vec<&str> = stdout.lines().collect();
    let first = 2.min(lines.len());
    lines[..first].sort_unstable();
    assert_eq!(
        (code, lines),
        (
            0,
            vec![
                "echoed 2",
                "fetched b'hello over tls'",
                "strict (-29824, 'MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE')"
            ]
        ),
        "{err}"
    );
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(log[0].starts_with("request GET /async HTTP/1.0"), "{log:?}");
}

#[test]
fn the_esp8266_has_axtls_surface_and_still_fetches_https() {
    let certs = Certs::new();
    let (port, mut server, out) = tls_server(&certs, &["--conns", "2"]);
    let script = format!(
        "import socket, ssl, tls\n\
         ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n\
         ctx.verify_mode = 2\n\
         print(ctx.verify_mode, hasattr(ssl, 'CERT_REQUIRED'), hasattr(ctx._context, 'load_verify_locations'))\n\
         s = socket.socket()\n\
         s.connect(('127.0.0.1', {port}))\n\
         s = ssl.wrap_socket(s, server_hostname='mpsim.local')\n\
         s.write(b'GET /esp8266 HTTP/1.0\\r\\n\\r\\n')\n\
         print(s.read().split(b'\\r\\n')[-1])\n\
         s.close()\n\
         import urequests\n\
         print(urequests.get('https://127.0.0.1:{port}/u').text)\n"
    );
    let (code, stdout, err) = run(&script, &[], &[]);
    let _ = server.kill();
    let _ = server.wait();
    let log: Vec<String> = out.lines().map_while(Result::ok).collect();
    assert_eq!(
        (code, stdout.as_str()),
        (0, "0 False False\nb'hello over tls'\nhello over tls\n"),
        "{err}"
    );
    // axTLS speaks TLS 1.2.
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(
        log[0].starts_with("request GET /esp8266 HTTP/1.0 TLSv1.2"),
        "{log:?}"
    );
}

/// A folder of packages in micropython-lib's layout, written for the test: `greet` (a module
/// that requires the other two), `colours` (a package of two files) and `maths` (a module, and
/// one under an option that the boards' builds leave out).
fn packages() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let files: &[(&str, &str)] = &[
        (
            "micropython/greet/manifest.py",
            "metadata(version=\"1.2.0\", description=\"Says hello in colour.\")\nrequire(\"colours\")\nrequire(\"maths\")\nmodule(\"greet.py\")\n",
        ),
        (
            "micropython/greet/greet.py",
            "import colours, maths\ndef hello(n):\n    return '%s hello %d' % (colours.RED, maths.double(n))\n",
        ),
        (
            "python-stdlib/colours/manifest.py",
            "metadata(version=\"0.3\")\npackage(\"colours\")\n",
        ),
        (
            "python-stdlib/colours/colours/__init__.py",
            "from .names import RED\n",
        ),
        ("python-stdlib/colours/colours/names.py", "RED = 'red'\n"),
        (
            "python-ecosys/maths/manifest.py",
            "metadata(version=\"2.0.1\")\nmodule(\"maths.py\")\nif options.extra:\n    module(\"extra.py\")\n",
        ),
        (
            "python-ecosys/maths/maths.py",
            "def double(x):\n    return 2 * x\n",
        ),
    ];
    for (name, text) in files {
        let p = d.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    d
}

/// `mpsim index build` of `src` into a new folder.
fn build_index(src: &Path) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let r = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .args(["index", "build"])
        .arg(src)
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(r.status.success(), "{r:?}");
    assert_eq!(
        String::from_utf8_lossy(&r.stdout).split(" in ").next(),
        Some("3 packages, 4 files")
    );
    out
}

#[test]
fn mip_installs_a_package_and_its_dependencies_from_a_local_index() {
    let src = packages();
    let idx = build_index(src.path());
    // The published layout: each file by the first 8 hex digits of its SHA-256.
    let greet = std::fs::read_to_string(idx.path().join("package/py/greet/latest.json")).unwrap();
    let sum = Command::new("sha256sum")
        .arg(src.path().join("micropython/greet/greet.py"))
        .output()
        .unwrap();
    let hash = String::from_utf8_lossy(&sum.stdout)[..8].to_string();
    assert_eq!(
        greet,
        format!(
            "{{\"hashes\": [[\"greet.py\", \"{hash}\"]], \"deps\": [[\"colours\", \"latest\"], [\"maths\", \"latest\"]], \"version\": \"1.2.0\"}}"
        )
    );
    assert!(
        idx.path()
            .join(format!("file/{}/{hash}", &hash[..2]))
            .is_file()
    );
    // A file served beside the index, for an install by URL.
    std::fs::create_dir_all(idx.path().join("extra")).unwrap();
    std::fs::write(idx.path().join("extra/tool.py"), "X = 5\n").unwrap();

    let dir = idx.path().to_str().unwrap().to_string();
    let script = "import mip, os\n\
         mip.install('greet')\n\
         import greet\n\
         print(greet.hello(21))\n\
         mip.install('greet', version='1.2.0')\n\
         mip.install('nothere')\n\
         mip.install(mip._mpsim_net.mip_index() + '/extra/tool.py', target='/opt')\n\
         import sys\n\
         sys.path.append('/opt')\n\
         import tool\n\
         print(tool.X, sorted(os.listdir('/lib')))\n";
    let b = run_live(script, &[], &["--board", "pico-w", "--mip-index", &dir]);
    let url = {
        let port = b.next_port("mip index");
        format!("http://127.0.0.1:{port}")
    };
    let (code, out, err) = b.finish();
    assert_eq!(code, 0, "{out}{err}");
    let expected = format!(
        "Installing greet (latest) from {url} to /lib\n\
         Copying: /lib/greet.py\n\
         Installing colours (latest) from {url} to /lib\n\
         Copying: /lib/colours/__init__.py\n\
         Copying: /lib/colours/names.py\n\
         Installing maths (latest) from {url} to /lib\n\
         Copying: /lib/maths.py\n\
         Done\n\
         red hello 42\n\
         Installing greet (1.2.0) from {url} to /lib\n\
         Exists: /lib/greet.py\n\
         Installing colours (latest) from {url} to /lib\n\
         Exists: /lib/colours/__init__.py\n\
         Exists: /lib/colours/names.py\n\
         Installing maths (latest) from {url} to /lib\n\
         Exists: /lib/maths.py\n\
         Done\n\
         Installing nothere (latest) from {url} to /lib\n\
         Package not found: {url}/package/py/nothere/latest.json\n\
         Package may be partially installed\n\
         Downloading {url}/extra/tool.py to /opt\n\
         Copying: /opt/tool.py\n\
         Done\n\
         5 ['colours', 'greet.py', 'maths.py']\n"
    );
    assert_eq!(out, expected, "{err}");
}

#[test]
fn mpremote_mip_installs_from_the_index_mpsim_serves() {
    let src = packages();
    let idx = build_index(src.path());
    let dir = idx.path().to_str().unwrap().to_string();
    let b = Board::serve(&[], &["--board", "esp32", "--mip-index", &dir]);
    let port = b.next_port("mip index");
    let out = Command::new("timeout")
        .args(["120", "mpremote", "connect"])
        .arg(&b.tty)
        .args([
            "mip",
            "install",
            "--index",
            &format!("http://127.0.0.1:{port}"),
            "greet",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Installing greet (latest)"), "{text}");
    assert!(text.ends_with("Done\n"), "{text}");
    let run = Command::new("timeout")
        .args(["60", "mpremote", "connect"])
        .arg(&b.tty)
        .args(["exec", "import greet; print(greet.hello(4))"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "red hello 8\r\n");
}

/// `mpsim run` of a script on a throw-away flash, meeting other boards' radios in `radio_dir`.
fn spawn_radio_board(board: &str, script: &str, radio_dir: &Path, dir: &Path) -> Child {
    let name = format!("{board}.py");
    std::fs::write(dir.join(&name), script).unwrap();
    let fs = dir.join(format!("{board}-fs"));
    std::fs::create_dir_all(&fs).unwrap();
    Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .env("MPSIM_RADIO_DIR", radio_dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .args(["run", "--board", board, "--timeout", "60s", "--fs"])
        .arg(&fs)
        .arg(dir.join(&name))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn esp_now_between_an_esp32_and_an_esp8266() {
    let dir = tempfile::tempdir().unwrap();
    let radio = dir.path().join("radio");
    // The ESP8266 waits for a frame, answers its sender, then hears a broadcast.
    let b = spawn_radio_board(
        "esp8266",
        "import network, espnow\n\
         sta = network.WLAN(network.STA_IF)\n\
         sta.active(True)\n\
         e = espnow.ESPNow()\n\
         e.active(True)\n\
         mac, msg = e.recv(30000)\n\
         print('got', mac.hex(), msg, e.peers_table[mac][0])\n\
         e.add_peer(mac)\n\
         print('reply acknowledged', e.send(mac, b'pong'))\n\
         for mac, msg in e:\n\
         \x20   print('then', msg)\n\
         \x20   break\n",
        &radio,
        dir.path(),
    );
    let a = spawn_radio_board(
        "esp32",
        "import network, espnow, time\n\
         sta = network.WLAN(network.STA_IF)\n\
         sta.active(True)\n\
         e = espnow.ESPNow()\n\
         e.active(True)\n\
         peer = bytes.fromhex('2cf432012345')\n\
         try:\n\
         \x20   e.send(peer, b'x')\n\
         except OSError as er:\n\
         \x20   print(er)\n\
         e.add_peer(peer)\n\
         try:\n\
         \x20   e.add_peer(peer)\n\
         except OSError as er:\n\
         \x20   print(er)\n\
         # Unacknowledged until the other board's ESP-NOW is on.\n\
         while not e.send(peer, b'ping'):\n\
         \x20   time.sleep_ms(20)\n\
         print('got', e.recv(10000))\n\
         e.add_peer(b'\\xff' * 6)\n\
         print('broadcast', e.send(b'\\xff' * 6, b'all'))\n\
         print(e.get_peers()[0][0].hex(), e.peer_count(), e.stats()[3])\n",
        &radio,
        dir.path(),
    );
    let out = |c: Child| {
        let o = c.wait_with_output().unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (ca, oa, ea) = out(a);
    let (cb, ob, eb) = out(b);
    assert_eq!(
        (ca, oa.as_str()),
        (
            Some(0),
            "(-12393, 'ESP_ERR_ESPNOW_NOT_FOUND')\n(-12395, 'ESP_ERR_ESPNOW_EXIST')\ngot [b',\\xf42\\x01#E', b'pong']\nbroadcast True\n2cf432012345 (2, 0) 1\n"
        ),
        "{ea}"
    );
    assert!(
        ob.ends_with("got 240ac4123456 b'ping' -45\nreply acknowledged True\nthen b'all'\n"),
        "{ob}{eb}"
    );
    assert_eq!(cb, Some(0), "{eb}");
}
