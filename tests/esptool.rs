//! The ESP boards' ROM bootloader, driven by the real esptool (pinned in the venv
//! `scripts/test.sh` makes, on PATH) through the virtual serial port, over RFC 2217 and raw TCP
//! (`mpsim serve --tcp`); mpremote over both (issue 20).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Served {
    child: Child,
    tty: PathBuf,
    tcp: String,
    image: PathBuf,
    dir: tempfile::TempDir,
}

impl Served {
    fn start(board: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let tty = dir.path().join("tty");
        let image = dir.path().join("flash.img");
        let mut child = Command::new(env!("CARGO_BIN_EXE_mpsim"))
            .args(["serve", "--board", board, "--tcp", "0", "--tty"])
            .arg(&tty)
            .arg("--flash")
            .arg(&image)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut tcp = String::new();
        for _ in 0..3 {
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            if let Some(rest) = line.strip_prefix("serial over TCP: rfc2217://") {
                tcp = rest.split_whitespace().next().unwrap().to_owned();
            }
        }
        assert!(!tcp.is_empty(), "serve prints its TCP address");
        // Keep reading what serve prints, so that it never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = out.read_to_end(&mut sink);
        });
        let s = Served {
            child,
            tty,
            tcp,
            image,
            dir,
        };
        // The board is up (it boots once at start).
        s.console("", ">>> ", 20);
        s
    }

    fn port(&self) -> &str {
        self.tty.to_str().unwrap()
    }

    /// Runs esptool on `port`; its output (it must succeed).
    fn esptool(&self, port: &str, args: &[&str]) -> String {
        let o = tool("esptool", &[&["--port", port], args].concat());
        assert!(o.status.success(), "esptool {args:?}: {}", text(&o));
        text(&o)
    }

    /// Opens the console (pty), sends `send`, and reads until `until` appears (or `secs` pass).
    fn console(&self, send: &str, until: &str, secs: u32) -> String {
        console_at(self.port(), send, until, secs)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn tool(tool: &str, args: &[&str]) -> Output {
    Command::new("timeout")
        .arg("120")
        .arg(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (installed into the venv by scripts/test.sh): {e}"))
}

/// `mpremote connect port:URL exec CODE`.
fn mpremote_exec(url: &str, code: &str) -> Output {
    tool(
        "mpremote",
        &["connect", &format!("port:{url}"), "exec", code],
    )
}

/// The console at `port` (a pty), through pyserial: what arrives until `until`.
fn console_at(port: &str, send: &str, until: &str, secs: u32) -> String {
    let script = "import serial, sys, time\n\
        s = serial.Serial(sys.argv[1], 115200, timeout=0.1)\n\
        s.write(sys.argv[2].encode())\n\
        end = time.time() + float(sys.argv[4])\n\
        buf = b''\n\
        while time.time() < end and sys.argv[3].encode() not in buf:\n\
        \x20   buf += s.read(4096)\n\
        sys.stdout.write(buf.decode('utf-8', 'replace'))\n";
    let o = Command::new("python3")
        .args(["-c", script, port, send, until, &secs.to_string()])
        .output()
        .expect("python3 with pyserial (the venv's)");
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A stand-in for a MicroPython release for the ESP8266: the image header esptool and the ROM
/// read (magic 0xE9, one segment, the ROM's checksum), with the release's banner inside.
fn esp8266_firmware(version: &str, date: &str) -> Vec<u8> {
    let mut body: Vec<u8> = (0..40_000u32).map(|i| (i * 7 % 251) as u8).collect();
    body.extend_from_slice(
        format!("\0MicroPython {version} on {date}; ESP module with ESP8266\0").as_bytes(),
    );
    body.extend(std::iter::repeat_n(0u8, 20_000));
    while !body.len().is_multiple_of(4) {
        body.push(0);
    }
    let mut img = vec![0xE9, 1, 2, 0x40];
    img.extend_from_slice(&0x4010_0004u32.to_le_bytes());
    img.extend_from_slice(&0x4010_0000u32.to_le_bytes());
    img.extend_from_slice(&u32::try_from(body.len()).unwrap().to_le_bytes());
    img.extend_from_slice(&body);
    let sum = body.iter().fold(0xEFu8, |c, &b| c ^ b);
    while img.len() % 16 != 15 {
        img.push(0);
    }
    img.push(sum);
    img
}

fn mtools_dir(image: &Path) -> String {
    let o = Command::new("mdir")
        .args(["-b", "-i"])
        .arg(image)
        .arg("::/")
        .env("MTOOLS_SKIP_CHECK", "1")
        .output()
        .expect("mdir (Debian package mtools, installed by scripts/test.sh)");
    text(&o)
}

#[test]
fn esptool_reads_the_esp8266_and_writes_its_flash_through_the_pty() {
    let s = Served::start("esp8266");
    let port = s.port().to_owned();
    let chip = s.esptool(&port, &["chip-id"]);
    for want in [
        "Chip type:          ESP8266EX",
        "Crystal frequency:  40MHz",
        "MAC:                2c:f4:32:01:23:45",
        "Stub flasher running",
        "Chip ID: 0x00012345",
    ] {
        assert!(chip.contains(want), "{want:?} in {chip}");
    }
    assert!(
        s.esptool(&port, &["read-mac"])
            .contains("2c:f4:32:01:23:45")
    );
    let id = s.esptool(&port, &["flash-id"]);
    assert!(
        id.contains("Manufacturer: e0") && id.contains("Detected flash size: 4MB"),
        "{id}"
    );
    // The filesystem where the firmware's build puts it, as mtools reads it.
    let fs = s.file("fs.bin");
    let out = s.esptool(
        &port,
        // At 460800 baud: the stub's baud change is answered (every speed works on a pty).
        &[
            "--baud",
            "460800",
            "read-flash",
            "0x9C000",
            "0x100000",
            fs.to_str().unwrap(),
        ],
    );
    assert!(out.contains("Read 1048576 bytes"), "{out}");
    let dir = mtools_dir(&fs);
    assert!(dir.contains("::/boot.py"), "{dir}");
    assert_eq!(
        std::fs::read(&fs).unwrap(),
        std::fs::read(&s.image).unwrap()[0x9C000..0x19C000]
    );

    // A MicroPython release written at 0 (uncompressed here; compressed over RFC 2217 below):
    // the board boots as that release.
    let fw = s.file("fw.bin");
    std::fs::write(&fw, esp8266_firmware("v1.22.2", "2024-02-22")).unwrap();
    let out = s.esptool(
        &port,
        &[
            "write-flash",
            "--no-compress",
            "--flash-size",
            "detect",
            "0",
            fw.to_str().unwrap(),
        ],
    );
    assert!(out.contains("Hash of data verified"), "{out}");
    let banner = s.console("", ">>> ", 20);
    assert!(
        banner.contains("MicroPython v1.22.2 on 2024-02-22; ESP module with ESP8266"),
        "{banner}"
    );
    let v = s.console(
        "import sys; print(sys.implementation.version)\r\n",
        "(1, 22, 2, '')",
        10,
    );
    assert!(v.contains("(1, 22, 2, '')"), "{v}");

    // Anything else at 0 (through the ROM itself, without the stub): the ROM says so and the
    // chip stays in it, until a release is written.
    let junk = s.file("junk.bin");
    std::fs::write(&junk, [0x12u8, 0x34].repeat(2048)).unwrap();
    s.esptool(
        &port,
        &["--no-stub", "write-flash", "0", junk.to_str().unwrap()],
    );
    let rom = s.console("", "ets_main.c", 20);
    assert!(rom.contains("ets_main.c"), "{rom}");
    let quiet = s.console("\r\n", ">>> ", 2);
    assert!(!quiet.contains(">>>"), "no firmware answers: {quiet}");

    // erase-region: exactly the sectors asked for (here the first of the SDK's data at the
    // flash's end), nothing else.
    let before = std::fs::read(&s.image).unwrap();
    let out = s.esptool(&port, &["erase-region", "0x3FC000", "0x1000"]);
    assert!(out.contains("erased successfully"), "{out}");
    let after = std::fs::read(&s.image).unwrap();
    assert!(after[0x3FC000..0x3FD000].iter().all(|&b| b == 0xFF));
    assert_eq!(after[..0x3FC000], before[..0x3FC000]);
    // erase_flash: the firmware's region and the filesystem are gone; the next boot makes the
    // filesystem anew, as the firmware's first boot does.
    let out = s.esptool(&port, &["erase-flash"]);
    assert!(out.contains("erased successfully"), "{out}");
    let boot = s.console("", ">>> ", 20);
    assert!(
        boot.contains("Performing initial setup") && boot.contains("MicroPython v1.28.0"),
        "{boot}"
    );
}

#[test]
fn esptool_and_mpremote_over_rfc2217_and_raw_tcp() {
    let s = Served::start("esp8266");
    let rfc = format!("rfc2217://{}", s.tcp);
    let raw = format!("socket://{}", s.tcp);
    // esptool's own reset sequence (DTR/RTS over RFC 2217) enters the bootloader; its hard
    // reset afterwards boots the firmware again.
    let chip = s.esptool(&rfc, &["chip-id"]);
    assert!(chip.contains("Chip ID: 0x00012345"), "{chip}");
    assert!(s.esptool(&rfc, &["read-mac"]).contains("2c:f4:32:01:23:45"));
    let id = s.esptool(&rfc, &["flash-id"]);
    assert!(id.contains("Detected flash size: 4MB"), "{id}");
    // The start of the filesystem (boot sector, FATs, root directory) as mtools reads it.
    let fs = s.file("fs.bin");
    s.esptool(
        &rfc,
        &["read-flash", "0x9C000", "0x10000", fs.to_str().unwrap()],
    );
    let dir = mtools_dir(&fs);
    assert!(dir.contains("::/boot.py"), "{dir}");
    let o = mpremote_exec(&rfc, "print('over rfc2217', 6 * 7)");
    assert!(text(&o).contains("over rfc2217 42"), "{}", text(&o));
    let fw = s.file("fw.bin");
    std::fs::write(&fw, esp8266_firmware("v1.23.0", "2024-06-02")).unwrap();
    let out = s.esptool(&rfc, &["write-flash", "0", fw.to_str().unwrap()]);
    assert!(out.contains("Hash of data verified"), "{out}");
    let o = mpremote_exec(&raw, "import sys; print(sys.version)");
    assert!(
        text(&o).contains("MicroPython v1.23.0 on 2024-06-02"),
        "{}",
        text(&o)
    );
    // esptool over a raw socket finds the bootloader by its SYNC, as on a pty.
    let out = s.esptool(&raw, &["--before", "no-reset", "read-mac"]);
    assert!(out.contains("2c:f4:32:01:23:45"), "{out}");
    // The serial port and the TCP server are one console: the pty still works afterwards (the
    // chip leaves its bootloader when the socket goes quiet: no reset line on a raw socket).
    let boot = s.console("", ">>> ", 20);
    assert!(boot.contains("MicroPython v1.23.0"), "{boot}");
    let pong = s.console("print('pty', 1 + 1)\r\n", "pty 2", 20);
    assert!(pong.contains("pty 2"), "{pong}");
    // erase-flash over RFC 2217; after its hard reset the board's first boot made the
    // filesystem anew (boot.py is there again, and nothing else), as the stock release.
    let out = s.esptool(&rfc, &["erase-flash"]);
    assert!(out.contains("erased successfully"), "{out}");
    let o = mpremote_exec(&rfc, "import os, sys; print(os.listdir(), sys.version)");
    assert!(
        text(&o).contains("['boot.py'] 3.4.0; MicroPython v1.28.0"),
        "{}",
        text(&o)
    );
}

#[test]
fn the_esp32_reports_its_chip_and_keeps_littlefs_in_its_vfs_partition() {
    let s = Served::start("esp32");
    let port = s.port().to_owned();
    let chip = s.esptool(&port, &["chip-id"]);
    for want in [
        "ESP32-D0WD-V3 (revision v3.0)",
        "Wi-Fi, BT, Dual Core",
        "MAC:                24:0a:c4:12:34:56",
    ] {
        assert!(chip.contains(want), "{want:?} in {chip}");
    }
    let part = s.file("vfs.bin");
    s.esptool(
        &port,
        &["read-flash", "0x200000", "0x200000", part.to_str().unwrap()],
    );
    let o = Command::new("python3")
        .args([
            "-c",
            "import sys, littlefs\n\
             data = bytearray(open(sys.argv[1], 'rb').read())\n\
             fs = littlefs.LittleFS(block_size=4096, block_count=len(data) // 4096, mount=False)\n\
             fs.context.buffer = data\n\
             fs.mount()\n\
             print(sorted(fs.listdir('/')))\n",
        ])
        .arg(&part)
        .output()
        .unwrap();
    assert!(text(&o).contains("boot.py"), "{}", text(&o));
}

/// SLIP-framed request `cmd` with `data` (checksum `sum`).
fn frame(cmd: u8, data: &[u8], sum: u32) -> Vec<u8> {
    let mut p = vec![0x00, cmd];
    p.extend_from_slice(&u16::try_from(data.len()).unwrap().to_le_bytes());
    p.extend_from_slice(&sum.to_le_bytes());
    p.extend_from_slice(data);
    let mut out = vec![0xC0];
    for b in p {
        match b {
            0xC0 => out.extend_from_slice(&[0xDB, 0xDC]),
            0xDB => out.extend_from_slice(&[0xDB, 0xDD]),
            _ => out.push(b),
        }
    }
    out.push(0xC0);
    out
}

fn words(ws: &[u32]) -> Vec<u8> {
    ws.iter().flat_map(|w| w.to_le_bytes()).collect()
}

#[test]
fn bad_bytes_and_a_client_gone_mid_write_never_take_the_board_down() {
    let s = Served::start("esp8266");
    let mut c = std::net::TcpStream::connect(&s.tcp).unwrap();
    c.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut sync = vec![0x07, 0x07, 0x12, 0x20];
    sync.extend_from_slice(&[0x55; 32]);
    let mut burst = frame(0x08, &sync, 0);
    // Noise between frames, a frame with a bad escape, an unknown command, a frame cut short
    // (the next delimiter ends it: the ROM drops it as too short).
    burst.extend_from_slice(b"\x00\x01garbage\xc0\xdb\x07\xc0");
    burst.extend(frame(0x5A, &[], 0));
    burst.extend_from_slice(b"\xc0\x00\x0a\xff\xff\xc0");
    c.write_all(&burst).unwrap();
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) if !got.is_empty() => break,
            Err(_) => {}
        }
    }
    // Eight SYNC answers, then the unknown command's "invalid message" (status 1, error 5).
    let answers = got.iter().filter(|&&b| b == 0xC0).count() / 2;
    assert_eq!(answers, 9, "{got:02x?}");
    assert!(
        got.windows(4).any(|w| w == [0x5A, 0x02, 0x00, 0x00]),
        "{got:02x?}"
    );
    // A write of 8 KiB at 0 begun, one block sent, and the client gone.
    c.write_all(&frame(0x02, &words(&[0x2000, 8, 0x400, 0]), 0))
        .unwrap();
    let mut block = words(&[0x400, 0, 0, 0]);
    let data = esp8266_firmware("v1.24.0", "2024-10-25");
    block.extend_from_slice(&data[..0x400]);
    let sum = data[..0x400].iter().fold(0xEFu8, |a, &b| a ^ b);
    c.write_all(&frame(0x03, &block, u32::from(sum))).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    drop(c);
    // The chip, reset by the silence, finds half a firmware: the ROM says so; nothing crashed.
    let rom = console_at(s.port(), "", "not a MicroPython release", 20);
    assert!(rom.contains("not a MicroPython release"), "{rom}");
    // A whole release written over it boots; the filesystem was never touched.
    let fw = s.file("fw.bin");
    std::fs::write(&fw, &data).unwrap();
    s.esptool(s.port(), &["write-flash", "0", fw.to_str().unwrap()]);
    let boot = s.console("", ">>> ", 20);
    assert!(boot.contains("MicroPython v1.24.0"), "{boot}");
    assert!(!boot.contains("Performing initial setup"), "{boot}");
}
