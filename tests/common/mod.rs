//! Helpers shared by the integration tests that drive host tools.

use std::process::{Command, Output};

/// Runs a Python script (python3 and the venv's tools on PATH) with `args`, killed after `secs`.
#[allow(dead_code)] // Not every test file that shares these helpers runs Python.
pub fn python(secs: u32, script: &str, args: &[&str]) -> Output {
    Command::new("timeout")
        .args([&secs.to_string(), "python3", "-c", script])
        .args(args)
        .output()
        .unwrap()
}

/// The pid of the board process of the front end `parent` (its only child), waiting up to 20 s
/// for it to be there.
#[allow(dead_code)] // Not every test file that shares these helpers kills boards.
pub fn board_process(parent: u32) -> u32 {
    let start = std::time::Instant::now();
    loop {
        let kids: Vec<u32> = std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| {
                let pid: u32 = e.file_name().to_string_lossy().parse().ok()?;
                let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
                // pid (comm) state ppid …: comm may hold spaces; count from its last parenthesis.
                let after = &stat[stat.rfind(')')? + 2..];
                let ppid: u32 = after.split(' ').nth(1)?.parse().ok()?;
                (ppid == parent).then_some(pid)
            })
            .collect();
        if let [one] = kids[..] {
            return one;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "not one board process under {parent}: {kids:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Sends SIGKILL to `pid`.
#[allow(dead_code)]
pub fn kill9(pid: u32) {
    let ok = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -9 {pid}");
}
