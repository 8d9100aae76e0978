//! The front-end side of a board: the board's process and its supervisor (`supervisor.rs`, which
//! also watches the console for `--expect`/`--fail-on` texts: `watch.rs`), and what connects the
//! board to the host's tools (the serial port's pty, `pty.rs`; the WebREPL server,
//! `webrepl.rs`; the ESP boards' ROM bootloader for esptool, `esprom.rs`; the console over TCP and RFC 2217,
//! `tcpserial.rs`). Front ends
//! (`mpsim run`/`serve`/`repl`, the window) use this crate; the board itself (sim-core) runs in
//! the process this crate starts.

pub mod esprom;
pub mod mipindex;
pub mod pty;
pub mod supervisor;
pub mod tcpserial;
mod watch;
mod webrepl;

pub use supervisor::{BoardProcess, BoardSender, SpawnError, prewarm, set_board_exe, spawn};
