//! Helpers shared by the integration tests that drive host tools.

use std::process::{Command, Output};

/// Runs a Python script (python3 and the venv's tools on PATH) with `args`, killed after `secs`.
pub fn python(secs: u32, script: &str, args: &[&str]) -> Output {
    Command::new("timeout")
        .args([&secs.to_string(), "python3", "-c", script])
        .args(args)
        .output()
        .unwrap()
}
