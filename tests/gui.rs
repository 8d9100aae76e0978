//! The real window: `mpsim` with no arguments under a virtual X server (Xvfb, installed by
//! scripts/test.sh), screenshots taken from the X server with ImageMagick's `import`.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A process killed when the test ends, however it ends.
struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        // SIGTERM first: Xvfb then removes its socket and lock file.
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
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

/// Starts Xvfb on a free display; returns it and the display name.
fn xvfb() -> (Killed, String) {
    for n in 40..200 {
        if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            || Path::new(&format!("/tmp/.X{n}-lock")).exists()
        {
            continue;
        }
        let child = Command::new("Xvfb")
            .args([
                &format!(":{n}"),
                "-screen",
                "0",
                "1280x900x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb is missing: run scripts/test.sh, which installs it");
        let x = Killed(child);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                return (x, format!(":{n}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("Xvfb :{n} did not start");
    }
    panic!("no free X display");
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

#[test]
fn the_window_shows_the_blink_example_blinking() {
    let (_x, display) = xvfb();
    let home = tempfile::tempdir().unwrap();
    let flash = home.path().join("flash.img");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .arg("--flash")
        .arg(&flash)
        .env("DISPLAY", &display)
        .env_remove("WAYLAND_DISPLAY")
        .env("HOME", home.path())
        .env("XDG_RUNTIME_DIR", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("TMPDIR", home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
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
