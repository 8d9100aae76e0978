//! The real window: `mpsim` with no arguments under a virtual X server (Xvfb, installed by
//! scripts/test.sh), screenshots taken from the X server with ImageMagick's `import`.

mod common;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A process killed when the test ends, however it ends.
struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.0.try_wait() {
            return;
        }
        // SIGTERM first: Xvfb then removes its socket and lock file.
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts Xvfb on a display it picks itself (`-displayfd`: no race between tests running at the
/// same time); returns it, once it accepts clients, and the display name.
fn xvfb() -> (Killed, String) {
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x900x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb is missing: run scripts/test.sh, which installs it");
    let mut out = child.stdout.take().unwrap();
    let x = Killed(child);
    // It writes the display number and a newline when it is ready.
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while out.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    let n = String::from_utf8_lossy(&line).trim().to_owned();
    assert!(
        !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()),
        "Xvfb did not start"
    );
    (x, format!(":{n}"))
}

/// The root window as RGB pixels (width, height, data), from a binary PPM.
fn screenshot(display: &str) -> Option<(usize, usize, Vec<u8>)> {
    let out = Command::new("import")
        .args([
            "-display", display, "-window", "root", "-depth", "8", "ppm:-",
        ])
        .stderr(Stdio::null())
        .output()
        .expect("ImageMagick's import is missing: run scripts/test.sh");
    if !out.status.success() {
        return None;
    }
    parse_ppm(&out.stdout)
}

fn parse_ppm(b: &[u8]) -> Option<(usize, usize, Vec<u8>)> {
    // "P6" w h maxval, separated by whitespace, then one byte of whitespace and the pixels.
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while b.get(i)?.is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !b.get(i)?.is_ascii_whitespace() {
            i += 1;
        }
        fields.push(std::str::from_utf8(&b[start..i]).ok()?.to_owned());
    }
    if fields[0] != "P6" || fields[3] != "255" {
        return None;
    }
    let (w, h): (usize, usize) = (fields[1].parse().ok()?, fields[2].parse().ok()?);
    let data = b.get(i + 1..i + 1 + w * h * 3)?.to_vec();
    Some((w, h, data))
}

/// Pixels of the lit red LED's colour (the GUI draws a lit LED's core in exactly that colour).
fn lit_red_pixels(px: &[u8]) -> usize {
    px.chunks_exact(3)
        .filter(|p| p[0] >= 250 && (45..=55).contains(&p[1]) && (35..=45).contains(&p[2]))
        .count()
}

/// `mpsim` with no subcommand on `display`, everything it keeps (flash, settings, the serial
/// port's link) under `home`.
fn window(display: &str, home: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .arg("--flash")
        .arg(home.join("flash.img"))
        .env("DISPLAY", display)
        .env_remove("WAYLAND_DISPLAY")
        .env("HOME", home)
        .env("XDG_RUNTIME_DIR", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("TMPDIR", home)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn the_hidden_window_keeps_its_serial_port_answering() {
    let (_x, display) = xvfb();
    let home = tempfile::tempdir().unwrap();
    let _app = Killed(window(&display, home.path()));
    let link = home.path().join("mpsim").join("ttyESP8266");
    let start = Instant::now();
    while !link.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no serial port at {}",
            link.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Hide the window (unmapped, as when minimised): the board and its port go on.
    let start = Instant::now();
    loop {
        let hidden = Command::new("xdotool")
            .args([
                "search",
                "--sync",
                "--name",
                "^mpsim$",
                "windowunmap",
                "--sync",
            ])
            .env("DISPLAY", &display)
            .output()
            .expect("xdotool is missing: run scripts/test.sh");
        if hidden.status.success() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "cannot find the window to hide it"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // mpremote interrupts the blink example, runs code in the raw REPL and leaves.
    let out = Command::new("mpremote")
        .args([
            "connect",
            &link.display().to_string(),
            "exec",
            "print(6 * 7)",
        ])
        .output()
        .expect("mpremote is missing: run scripts/test.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "42");
    // The board's process dies (kill -9): the window stays, the board reboots on the same flash
    // and the port answers again.
    let board = common::board_process(_app.0.id());
    common::kill9(board);
    let start = Instant::now();
    let out = loop {
        let out = Command::new("mpremote")
            .args([
                "connect",
                &link.display().to_string(),
                "exec",
                "print(7 * 6)",
            ])
            .output()
            .unwrap();
        if out.status.success() || start.elapsed() > Duration::from_secs(20) {
            break out;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "42",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(
        common::board_process(_app.0.id()),
        board,
        "a new board process runs"
    );
}

#[test]
fn the_window_shows_the_blink_example_blinking() {
    let (_x, display) = xvfb();
    let home = tempfile::tempdir().unwrap();
    let mut child = window(&display, home.path());
    let mut stderr = child.stderr.take().unwrap();
    let app = Killed(child);
    // The LED on GPIO15 blinks at 1 Hz: within a few seconds some frames show it lit and some
    // dark. Before the window is up, frames are black (dark, but not yet a sign of blinking).
    let start = Instant::now();
    let (mut lit, mut dark_after_lit, mut frames) = (0, 0, 0);
    let mut counts = Vec::new();
    while start.elapsed() < Duration::from_secs(40) && !(lit >= 2 && dark_after_lit >= 2) {
        if let Some((w, h, px)) = screenshot(&display) {
            assert_eq!((w, h), (1280, 900));
            frames += 1;
            let n = lit_red_pixels(&px);
            counts.push(n);
            if n >= 20 {
                lit += 1;
            } else if lit > 0 && n == 0 {
                dark_after_lit += 1;
            }
        }
        std::thread::sleep(Duration::from_millis(120));
    }
    let mut app = app;
    let running = app.0.try_wait().unwrap().is_none();
    let _ = Command::new("kill")
        .args(["-TERM", &app.0.id().to_string()])
        .status();
    let status = app.0.wait().unwrap();
    let mut err = String::new();
    let _ = stderr.read_to_string(&mut err);
    assert!(running, "mpsim exited early: {err}");
    assert!(
        lit >= 2 && dark_after_lit >= 2,
        "the LED did not blink on screen: {lit} lit and {dark_after_lit} dark frames of {frames} (lit pixels per frame: {counts:?}); stderr: {err}"
    );
    assert!(
        status.success(),
        "SIGTERM closes the window cleanly: {status:?}: {err}"
    );
    // On closing, the window saved its state (eframe persistence): the board it showed.
    let saved = walk(home.path())
        .into_iter()
        .find(|p| p.file_name().is_some_and(|n| n == "app.ron"))
        .unwrap_or_else(|| panic!("no app.ron under {}", home.path().display()));
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(text.contains("ESP8266_GENERIC"), "{text}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
