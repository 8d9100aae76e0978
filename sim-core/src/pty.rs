//! The board's serial port on the host: a pseudo-terminal whose slave side tools open (through a
//! stable symlink), while we keep our own slave handle so the master never sees EIO or HUP.

use crate::sim::{CommandSender, SimCommand};
use serialport::{SerialPort, TTYPort};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Errors setting up the virtual serial port.
#[derive(Debug, thiserror::Error)]
pub enum PtyError {
    /// The OS refused a pseudo-terminal.
    #[error("cannot create a pseudo-terminal: {0}")]
    Open(#[from] serialport::Error),
    /// The stable name could not be made.
    #[error("cannot create the serial port link {path}: {source}")]
    Link {
        /// The symlink.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file that is not our symlink sits where the link goes.
    #[error("{0} exists and is not a symlink; choose another path with --tty")]
    Occupied(PathBuf),
}

/// A virtual serial port: tools open `link`.
pub struct Pty {
    master: TTYPort,
    /// Kept open so the master never reports EIO when no client is attached.
    slave: TTYPort,
    link: PathBuf,
}

impl Pty {
    /// Creates the pty (raw termios) and points `link` at its slave side.
    pub fn open(link: &Path) -> Result<Self, PtyError> {
        let (mut master, slave) = TTYPort::pair()?;
        // Writes never block the board: with nobody reading, output is dropped.
        master.set_timeout(Duration::ZERO)?;
        let name = slave.name().unwrap_or_default();
        if let Some(dir) = link.parent() {
            std::fs::create_dir_all(dir).map_err(|source| PtyError::Link {
                path: link.to_owned(),
                source,
            })?;
        }
        match std::fs::symlink_metadata(link) {
            Ok(m) if m.file_type().is_symlink() => {
                let _ = std::fs::remove_file(link);
            }
            Ok(_) => return Err(PtyError::Occupied(link.to_owned())),
            Err(_) => {}
        }
        std::os::unix::fs::symlink(&name, link).map_err(|source| PtyError::Link {
            path: link.to_owned(),
            source,
        })?;
        Ok(Pty {
            master,
            slave,
            link: link.to_owned(),
        })
    }

    /// The stable path tools open.
    pub fn link(&self) -> &Path {
        &self.link
    }

    /// Sends board output to whoever has the port open; drops what does not fit (no reader).
    pub fn write(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while !rest.is_empty() {
            match self.master.write(rest) {
                Ok(0) | Err(_) => return,
                Ok(n) => rest = &rest[n..],
            }
        }
    }

    /// Starts the `pty-in` thread: bytes typed by the client go to the board. It also clears an
    /// exclusive lock (TIOCEXCL) a crashed client left behind.
    pub fn spawn_reader(&self, to: CommandSender) -> Result<(), PtyError> {
        let mut master = self.master.try_clone_native()?;
        let slave = self.slave.try_clone_native()?;
        master.set_timeout(Duration::from_millis(200))?;
        std::thread::Builder::new()
            .name("pty-in".into())
            .spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    match master.read(&mut buf) {
                        Ok(0) => {}
                        Ok(n) => {
                            if !to.send(SimCommand::SerialIn(buf[..n].to_vec())) {
                                return;
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                            clear_exclusive(&slave);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(50)),
                    }
                }
            })
            .map_err(|source| PtyError::Link {
                path: self.link.clone(),
                source,
            })?;
        Ok(())
    }
}

/// Clears TIOCEXCL on the tty (a client that set it and died would lock everyone else out).
/// Not `SerialPort::set_exclusive(false)`: that also takes a shared flock, which is exactly what
/// makes a tool's exclusive open fail.
#[allow(unsafe_code)] // One ioctl on a descriptor we own; no memory is passed.
fn clear_exclusive(tty: &TTYPort) {
    use std::os::fd::AsRawFd;
    // SAFETY: `tty` owns an open descriptor for its whole lifetime; TIOCNXCL takes no argument.
    unsafe {
        libc::ioctl(tty.as_raw_fd(), libc::TIOCNXCL);
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.link);
    }
}

/// The terminal this process runs in, switched to raw mode (no echo, no line buffering, no
/// signals from Ctrl-C) for as long as the value lives — what `mpsim repl` needs to pass every
/// key to the board, like picocom or screen.
pub struct RawTerminal {
    fd: i32,
    saved: libc::termios,
}

impl RawTerminal {
    /// Raw mode on standard input; `None` when it is not a terminal.
    #[allow(unsafe_code)] // termios calls on fd 0 with a termios struct we own.
    pub fn enable() -> Option<Self> {
        let fd = 0;
        // SAFETY: `t` is a plain C struct, fully written by tcgetattr before use.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::isatty(fd) != 1 || libc::tcgetattr(fd, &mut t) != 0 {
                return None;
            }
            let saved = t;
            libc::cfmakeraw(&mut t);
            if libc::tcsetattr(fd, libc::TCSANOW, &t) != 0 {
                return None;
            }
            Some(RawTerminal { fd, saved })
        }
    }
}

impl Drop for RawTerminal {
    #[allow(unsafe_code)] // Restores the termios saved by `enable`.
    fn drop(&mut self) {
        // SAFETY: `saved` came from tcgetattr on the same descriptor.
        unsafe {
            libc::tcsetattr(self.fd, libc::TCSANOW, &self.saved);
        }
    }
}
