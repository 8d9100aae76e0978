//! The board's serial port on the host: a pseudo-terminal whose slave side tools open (through a
//! stable symlink), while we keep our own slave handle so the master never sees EIO or HUP.
//!
//! Like a USB-serial adapter, the port knows whether a tool has it open (inotify open/close events
//! on the slave device). With nobody attached the board's output goes nowhere, and a tool that opens
//! the port sees only what the board says from then on. With a tool attached, output waits for the
//! tool to read it (no byte is lost, however fast the board prints), unless the tool stops reading
//! altogether for [`STALL`]: then its oldest unread output is dropped for the newest until it reads
//! again, so a hung client cannot stop the board.

use crate::supervisor::BoardSender as CommandSender;
use inotify::{EventMask, Inotify, WatchMask};
use mpsim_sim_core::SimCommand;
use serialport::{SerialPort, TTYPort};
use std::os::fd::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long output waits for an attached tool that reads nothing before it is dropped.
pub const STALL: Duration = Duration::from_millis(500);

/// How long output stops waiting for a tool that stalled, before it is given another chance.
const RETRY: Duration = Duration::from_secs(2);

/// Errors setting up the virtual serial port.
#[derive(Debug, thiserror::Error)]
pub enum PtyError {
    /// The OS refused a pseudo-terminal.
    #[error("cannot create a pseudo-terminal: {0}")]
    Open(#[from] serialport::Error),
    /// The OS refused to watch the pseudo-terminal.
    #[error("cannot watch the pseudo-terminal: {0}")]
    Watch(std::io::Error),
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
    /// Open descriptions of the slave held by tools (ours excluded).
    clients: Arc<AtomicUsize>,
    /// Taken by the reader thread.
    watch: Option<Inotify>,
    /// Since when the attached tool has read nothing for [`STALL`]; output no longer waits for it.
    stalled: Option<Instant>,
    /// Bytes the tool had not read after the last write (it reads again when this shrinks).
    unread_mark: usize,
}

impl Pty {
    /// Creates the pty (raw termios) and points `link` at its slave side.
    pub fn open(link: &Path) -> Result<Self, PtyError> {
        let (master, slave) = TTYPort::pair()?;
        set_nonblocking(master.as_raw_fd());
        let name = slave.name().unwrap_or_default();
        // Watched before the link exists, so no tool can open the port unseen.
        let watch = Inotify::init().map_err(PtyError::Watch)?;
        watch
            .watches()
            .add(&name, WatchMask::OPEN | WatchMask::CLOSE)
            .map_err(PtyError::Watch)?;
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
            clients: Arc::new(AtomicUsize::new(0)),
            watch: Some(watch),
            stalled: None,
            unread_mark: 0,
        })
    }

    /// The stable path tools open.
    pub fn link(&self) -> &Path {
        &self.link
    }

    /// The pty's own name (`/dev/pts/N`), which changes from run to run.
    pub fn device(&self) -> String {
        self.slave.name().unwrap_or_default()
    }

    /// Whether a tool has the port open.
    pub fn attached(&self) -> bool {
        self.clients.load(Ordering::Acquire) > 0
    }

    /// Sends board output to the attached tool, waiting while it reads. With no tool attached the
    /// bytes go nowhere, as a UART's do with nothing listening; when the attached tool stops reading,
    /// its oldest unread output is dropped to make room for the newest.
    pub fn write(&mut self, bytes: &[u8]) {
        let fd = self.master.as_raw_fd();
        // The tool reads again (or may: waiting costs the board at most STALL in RETRY).
        if self
            .stalled
            .is_some_and(|t| t.elapsed() >= RETRY || unread(&self.slave) < self.unread_mark)
        {
            self.stalled = None;
        }
        let mut rest = bytes;
        let mut waiting_since: Option<Instant> = None;
        let mut flushed = false;
        while !rest.is_empty() && self.attached() {
            // Nothing written counts as no room (the loop must always make progress or wait).
            let wrote = match write_fd(fd, rest) {
                Ok(0) => Err(std::io::ErrorKind::WouldBlock.into()),
                other => other,
            };
            match wrote {
                Ok(n) => {
                    rest = &rest[n..];
                    waiting_since = None;
                    flushed = false;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if self.stalled.is_none() {
                        let since = *waiting_since.get_or_insert_with(Instant::now);
                        if since.elapsed() < STALL {
                            // Short slices, so a tool that closes the port is noticed.
                            wait_writable(fd, 50);
                            continue;
                        }
                        self.stalled = Some(Instant::now());
                    }
                    if flushed {
                        break;
                    }
                    discard_unread(&self.slave);
                    flushed = true;
                }
                Err(_) => break,
            }
        }
        if self.stalled.is_some() {
            self.unread_mark = unread(&self.slave);
        }
    }

    /// Starts the `pty-in` thread: bytes typed by the client go to the board. It also follows
    /// tools opening and closing the port, and clears an exclusive lock (TIOCEXCL) a crashed
    /// client left behind.
    pub fn spawn_reader(&mut self, to: CommandSender) -> Result<(), PtyError> {
        self.spawn_reader_with(to, SimCommand::SerialIn)
    }

    /// As [`Pty::spawn_reader`], with the bytes wrapped by `wrap` (a UART's own port).
    pub fn spawn_reader_with(
        &mut self,
        to: CommandSender,
        wrap: impl Fn(Vec<u8>) -> SimCommand + Send + 'static,
    ) -> Result<(), PtyError> {
        let master = self.master.try_clone_native()?;
        let slave = self.slave.try_clone_native()?;
        let clients = Arc::clone(&self.clients);
        let Some(mut watch) = self.watch.take() else {
            return Ok(());
        };
        std::thread::Builder::new()
            .name("pty-in".into())
            .spawn(move || {
                let mut buf = [0u8; 4096];
                let mut events = [0u8; 1024];
                loop {
                    let (input, changed) =
                        wait_readable(master.as_raw_fd(), watch.as_raw_fd(), 200);
                    // Open events first: the stale output goes before the tool's first byte
                    // reaches the board (its open was queued before it could write).
                    if changed {
                        let before = clients.load(Ordering::Acquire);
                        let mut now = before;
                        if let Ok(evs) = watch.read_events(&mut events) {
                            for ev in evs {
                                if ev.mask.contains(EventMask::Q_OVERFLOW) {
                                    now = now.max(1);
                                } else if ev.mask.contains(EventMask::OPEN) {
                                    now += 1;
                                } else if ev
                                    .mask
                                    .intersects(EventMask::CLOSE_WRITE | EventMask::CLOSE_NOWRITE)
                                {
                                    now = now.saturating_sub(1);
                                }
                            }
                        }
                        if now != before {
                            clients.store(now, Ordering::Release);
                            if before == 0 || now == 0 {
                                discard_unread(&slave);
                            }
                            if now == 0 {
                                clear_exclusive(&slave);
                            }
                        }
                    }
                    if input {
                        match read_fd(master.as_raw_fd(), &mut buf) {
                            Ok(0) => {}
                            Ok(n) => {
                                if !to.send(wrap(buf[..n].to_vec())) {
                                    return;
                                }
                            }
                            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                            Err(_) => std::thread::sleep(Duration::from_millis(50)),
                        }
                    } else if !changed {
                        clear_exclusive(&slave);
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

/// Puts a descriptor we own in non-blocking mode.
#[allow(unsafe_code)] // fcntl on a descriptor we own.
fn set_nonblocking(fd: RawFd) {
    // SAFETY: plain flag calls on an open descriptor.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
    }
}

/// One write(2); `WouldBlock` when the tool's side is full.
#[allow(unsafe_code)] // write(2) from a slice we borrow.
fn write_fd(fd: RawFd, bytes: &[u8]) -> std::io::Result<usize> {
    // SAFETY: the pointer and length come from a live slice.
    let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
    if n < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// One read(2) into `buf`.
#[allow(unsafe_code)] // read(2) into a slice we borrow mutably.
fn read_fd(fd: RawFd, buf: &mut [u8]) -> std::io::Result<usize> {
    // SAFETY: the pointer and length come from a live, exclusively borrowed slice.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// Waits up to `ms` for room to write on `fd`.
#[allow(unsafe_code)] // poll(2) on one pollfd we own.
fn wait_writable(fd: RawFd, ms: i32) {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    unsafe {
        libc::poll(&mut p, 1, ms);
    }
}

/// Waits up to `ms` for input on the master or an event on the watch: (input, events).
#[allow(unsafe_code)] // poll(2) on two pollfds we own.
fn wait_readable(master: RawFd, watch: RawFd, ms: i32) -> (bool, bool) {
    let mut p = [
        libc::pollfd {
            fd: master,
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: watch,
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    // SAFETY: a valid array of two pollfds.
    let n = unsafe { libc::poll(p.as_mut_ptr(), 2, ms) };
    if n <= 0 {
        return (false, false);
    }
    (p[0].revents != 0, p[1].revents & libc::POLLIN != 0)
}

/// How many bytes of board output the tool has not read yet.
#[allow(unsafe_code)] // FIONREAD into an integer we own.
fn unread(tty: &TTYPort) -> usize {
    let mut n: libc::c_int = 0;
    // SAFETY: `tty` owns an open descriptor; FIONREAD writes one c_int.
    let r = unsafe { libc::ioctl(tty.as_raw_fd(), libc::FIONREAD, &mut n) };
    if r < 0 {
        0
    } else {
        usize::try_from(n).unwrap_or(0)
    }
}

/// Throws away board output no tool has read (the slave's input queue).
#[allow(unsafe_code)] // tcflush on a descriptor we own.
fn discard_unread(tty: &TTYPort) {
    // SAFETY: `tty` owns an open descriptor.
    unsafe {
        libc::tcflush(tty.as_raw_fd(), libc::TCIFLUSH);
    }
}

/// Clears TIOCEXCL on the tty (a client that set it and died would lock everyone else out).
/// Not `SerialPort::set_exclusive(false)`: that also takes a shared flock, which is exactly what
/// makes a tool's exclusive open fail.
#[allow(unsafe_code)] // One ioctl on a descriptor we own; no memory is passed.
fn clear_exclusive(tty: &TTYPort) {
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
