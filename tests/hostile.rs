//! Hostile input, table by table (issue 21): each row is something a user, a script or a file
//! got wrong, and what mpsim must say instead of doing something else. Rows stay cheap (a few
//! seconds in all) and talk to nothing but 127.0.0.1.

use std::process::{Command, Stdio};

/// `mpsim ARGS` must exit with `code` and say `says` on stderr, and create nothing under
/// `/nonexistent-mpsim`.
struct CliRow {
    args: &'static [&'static str],
    code: i32,
    says: &'static str,
}

const CLI: &[CliRow] = &[
    // A duration without its unit could mean seconds or milliseconds: refused, as Wokwi does.
    CliRow {
        args: &["run", "--for", "5", "-c", "pass"],
        code: 2,
        says: "has no unit",
    },
    CliRow {
        args: &["run", "--timeout", "10", "-c", "pass"],
        code: 2,
        says: "has no unit",
    },
    // A negative one gets its own message, not clap's tip about `--`.
    CliRow {
        args: &["run", "--for", "-1s", "-c", "pass"],
        code: 2,
        says: "cannot be negative",
    },
    // A typo in a folder is an error, not new folders and a new image.
    CliRow {
        args: &[
            "run",
            "--flash",
            "/nonexistent-mpsim/dir/x.img",
            "-c",
            "pass",
        ],
        code: 2,
        says: "does not exist",
    },
    CliRow {
        args: &["fs", "--flash", "/nonexistent-mpsim/dir/x.img", "ls"],
        code: 2,
        says: "does not exist",
    },
    CliRow {
        args: &["serve", "--tty", "/nonexistent-mpsim/dir/tty"],
        code: 2,
        says: "does not exist",
    },
];

#[test]
fn wrong_command_line_values_are_refused_with_a_reason() {
    let data = tempfile::tempdir().unwrap();
    for row in CLI {
        let o = Command::new(env!("CARGO_BIN_EXE_mpsim"))
            .args(row.args)
            .env("XDG_DATA_HOME", data.path())
            .env("TMPDIR", data.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(row.code), "{:?}: {err}", row.args);
        assert!(err.contains(row.says), "{:?}: {err}", row.args);
        assert!(
            !std::path::Path::new("/nonexistent-mpsim").exists(),
            "{:?} made folders",
            row.args
        );
    }
}
