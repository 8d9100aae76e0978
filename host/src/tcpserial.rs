//! The board's serial console over TCP, for hosts without a pty (Windows, containers) and the
//! tools that speak to a serial server: RFC 2217 (pyserial's `rfc2217://`, which mpremote and
//! esptool take; it carries the baud rate and the DTR/RTS lines) and raw TCP (`socket://`,
//! PuTTY's raw mode), told apart by the client's first byte (a telnet command starts with IAC).
//!
//! One client at a time, as a serial port has; another is closed at once. DTR and RTS drive
//! the ESP boards' reset and GPIO0 as the usual auto-reset circuit does (two transistors: the
//! chip is in reset while RTS is asserted without DTR; GPIO0 is low while DTR is asserted
//! without RTS; the reset line rises slowly, so GPIO0 pulled low shortly after its release still
//! selects the bootloader), so esptool's own reset sequences enter the bootloader and leave it,
//! and opening the port (pyserial asserts both lines) resets nothing.

use crate::BoardSender;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
const WONT: u8 = 252;
const WILL: u8 = 251;
const SB: u8 = 250;
const SE: u8 = 240;
const BINARY: u8 = 0;
const SGA: u8 = 3;
const COM_PORT: u8 = 44;
/// The longest subnegotiation taken (a baud rate is 4 bytes; anything longer is noise).
const MAX_SB: usize = 64;
/// How long after the reset line is released GPIO0 still decides the boot mode: the line's RC
/// delay, stretched to cover RFC 2217's round trip per line change.
const RESET_RISE: Duration = Duration::from_millis(300);

/// How a client speaks.
const UNKNOWN: u8 = 0;
const RAW: u8 = 1;
const TELNET: u8 = 2;

/// The console's TCP server.
pub struct TcpSerial {
    addr: SocketAddr,
    client: Arc<Mutex<Option<TcpStream>>>,
    mode: Arc<AtomicU8>,
    stop: Arc<AtomicBool>,
    /// The accept loop, which owns the listener (joined on drop: the port is free again after).
    acceptor: Option<std::thread::JoinHandle<()>>,
}

impl TcpSerial {
    /// Listens on `addr` and hands what clients send to `board`.
    pub fn start(addr: SocketAddr, board: BoardSender) -> std::io::Result<TcpSerial> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let client: Arc<Mutex<Option<TcpStream>>> = Arc::new(Mutex::new(None));
        let mode = Arc::new(AtomicU8::new(UNKNOWN));
        let stop = Arc::new(AtomicBool::new(false));
        let (c, m, s) = (client.clone(), mode.clone(), stop.clone());
        let acceptor = std::thread::Builder::new()
            .name("tcp-serial".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if s.load(Ordering::Acquire) {
                        return;
                    }
                    let Ok(conn) = conn else {
                        continue;
                    };
                    let busy = c.lock().map(|g| g.is_some()).unwrap_or(true);
                    if busy {
                        // The port is in use, as a serial port's device is.
                        let _ = conn.shutdown(Shutdown::Both);
                        continue;
                    }
                    let _ = conn.set_nodelay(true);
                    let _ = conn.set_write_timeout(Some(Duration::from_secs(2)));
                    let Ok(writer) = conn.try_clone() else {
                        continue;
                    };
                    if let Ok(mut g) = c.lock() {
                        *g = Some(writer);
                    }
                    m.store(UNKNOWN, Ordering::Release);
                    let (c2, m2, b2) = (c.clone(), m.clone(), board.clone());
                    let _ = std::thread::Builder::new()
                        .name("tcp-serial-in".into())
                        .spawn(move || {
                            Session::new(b2, c2.clone(), m2).run(conn);
                            if let Ok(mut g) = c2.lock() {
                                *g = None;
                            }
                        });
                }
            })?;
        Ok(TcpSerial {
            addr,
            client,
            mode,
            stop,
            acceptor: Some(acceptor),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Sends console output to the client, if one is connected (a telnet client gets its 0xFF
    /// bytes doubled). A client that does not read for 2 s is dropped.
    pub fn write(&self, bytes: &[u8]) {
        let Ok(mut g) = self.client.lock() else {
            return;
        };
        let Some(s) = g.as_mut() else {
            return;
        };
        let ok = if self.mode.load(Ordering::Acquire) == TELNET && bytes.contains(&IAC) {
            let mut esc = Vec::with_capacity(bytes.len() + 8);
            for &b in bytes {
                esc.push(b);
                if b == IAC {
                    esc.push(IAC);
                }
            }
            s.write_all(&esc)
        } else {
            s.write_all(bytes)
        };
        if ok.is_err() {
            let _ = s.shutdown(Shutdown::Both);
            *g = None;
        }
    }
}

impl Drop for TcpSerial {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Ok(mut g) = self.client.lock()
            && let Some(s) = g.take()
        {
            let _ = s.shutdown(Shutdown::Both);
        }
        // Wake the accept loop so that it sees the stop, and let it close the listener.
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        if TcpStream::connect_timeout(&wake, Duration::from_millis(500)).is_ok()
            && let Some(t) = self.acceptor.take()
        {
            let _ = t.join();
        }
    }
}

/// Telnet's parser state.
enum Telnet {
    Data,
    Iac,
    Option(u8),
    Sub(Vec<u8>),
    SubIac(Vec<u8>),
}

/// One client's connection.
struct Session {
    board: BoardSender,
    out: Arc<Mutex<Option<TcpStream>>>,
    mode: Arc<AtomicU8>,
    state: Telnet,
    dtr: bool,
    rts: bool,
    /// Bumped at every reset and release: a pending release acts only if it is still the last.
    lines: Arc<std::sync::atomic::AtomicU64>,
    /// GPIO0 as the lines leave it (low: the bootloader on the next reset release).
    io0_low: Arc<AtomicBool>,
}

impl Session {
    fn new(board: BoardSender, out: Arc<Mutex<Option<TcpStream>>>, mode: Arc<AtomicU8>) -> Self {
        Session {
            board,
            out,
            mode,
            state: Telnet::Data,
            dtr: false,
            rts: false,
            lines: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            io0_low: Arc::new(AtomicBool::new(false)),
        }
    }

    fn run(mut self, mut conn: TcpStream) {
        let mut buf = [0u8; 4096];
        loop {
            let n = match conn.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let input = &buf[..n];
            if self.mode.load(Ordering::Acquire) == UNKNOWN {
                let m = if input[0] == IAC { TELNET } else { RAW };
                self.mode.store(m, Ordering::Release);
            }
            if self.mode.load(Ordering::Acquire) == RAW {
                if !self
                    .board
                    .send(mpsim_sim_core::SimCommand::SerialIn(input.to_vec()))
                {
                    break;
                }
                continue;
            }
            let data = self.telnet(input);
            if !data.is_empty() && !self.board.send(mpsim_sim_core::SimCommand::SerialIn(data)) {
                break;
            }
        }
        // A client gone leaves the lines released.
        self.set_lines(false, false);
        let _ = conn.shutdown(Shutdown::Both);
    }

    fn reply(&self, bytes: &[u8]) {
        if let Ok(mut g) = self.out.lock()
            && let Some(s) = g.as_mut()
        {
            let _ = s.write_all(bytes);
        }
    }

    /// Takes telnet commands out of `input`; returns the data bytes.
    fn telnet(&mut self, input: &[u8]) -> Vec<u8> {
        let mut data = Vec::with_capacity(input.len());
        for &b in input {
            let state = std::mem::replace(&mut self.state, Telnet::Data);
            self.state = match state {
                Telnet::Data if b == IAC => Telnet::Iac,
                Telnet::Data => {
                    data.push(b);
                    Telnet::Data
                }
                Telnet::Iac => match b {
                    IAC => {
                        data.push(IAC);
                        Telnet::Data
                    }
                    WILL | WONT | DO | DONT => Telnet::Option(b),
                    SB => Telnet::Sub(Vec::new()),
                    _ => Telnet::Data,
                },
                Telnet::Option(verb) => {
                    self.negotiate(verb, b);
                    Telnet::Data
                }
                Telnet::Sub(mut v) => {
                    if b == IAC {
                        Telnet::SubIac(v)
                    } else {
                        if v.len() < MAX_SB {
                            v.push(b);
                        }
                        Telnet::Sub(v)
                    }
                }
                Telnet::SubIac(mut v) => match b {
                    SE => {
                        self.subnegotiation(&v);
                        Telnet::Data
                    }
                    IAC => {
                        if v.len() < MAX_SB {
                            v.push(IAC);
                        }
                        Telnet::Sub(v)
                    }
                    _ => Telnet::Data,
                },
            };
        }
        data
    }

    /// Agrees to binary transmission, suppressed go-ahead and the COM port option; refuses
    /// the rest (echo among them: the board echoes what its REPL echoes).
    fn negotiate(&self, verb: u8, option: u8) {
        let known = matches!(option, BINARY | SGA | COM_PORT);
        let answer = match (verb, known) {
            (DO, true) => WILL,
            (DO, false) => WONT,
            (WILL, true) => DO,
            (WILL, false) => DONT,
            // WONT/DONT need no answer once refused.
            _ => return,
        };
        self.reply(&[IAC, answer, option]);
    }

    /// RFC 2217's COM port commands: settings are taken and confirmed (a virtual port runs at
    /// any speed); DTR and RTS move the ESP boards' reset and GPIO0.
    fn subnegotiation(&mut self, v: &[u8]) {
        let [COM_PORT, cmd, value @ ..] = v else {
            return;
        };
        if *cmd == 5 {
            match value.first() {
                Some(8) => self.set_lines(true, self.rts),
                Some(9) => self.set_lines(false, self.rts),
                Some(11) => self.set_lines(self.dtr, true),
                Some(12) => self.set_lines(self.dtr, false),
                _ => {}
            }
        }
        if *cmd > 12 {
            return;
        }
        let mut r = vec![IAC, SB, COM_PORT, cmd + 100];
        for &b in value {
            r.push(b);
            if b == IAC {
                r.push(IAC);
            }
        }
        r.extend_from_slice(&[IAC, SE]);
        self.reply(&r);
    }

    /// The auto-reset circuit: reset is held while RTS is asserted without DTR; GPIO0 is low
    /// while DTR is asserted without RTS.
    fn set_lines(&mut self, dtr: bool, rts: bool) {
        let in_reset = |d: bool, r: bool| r && !d;
        let was = in_reset(self.dtr, self.rts);
        self.dtr = dtr;
        self.rts = rts;
        self.io0_low.store(dtr && !rts, Ordering::Release);
        let now_reset = in_reset(dtr, rts);
        if was == now_reset {
            return;
        }
        // Each reset and each release makes the last pending release stale.
        let generation = self.lines.fetch_add(1, Ordering::AcqRel) + 1;
        if !now_reset {
            // Released: the chip reads GPIO0 once the line has risen, unless reset again. Over
            // RFC 2217 each line change is a round trip (pyserial waits for its answer), so
            // GPIO0 pulled low within the rise time still counts, as esptool's sequence expects.
            let (lines, io0, board) =
                (self.lines.clone(), self.io0_low.clone(), self.board.clone());
            let _ = std::thread::Builder::new()
                .name("tcp-serial-reset".into())
                .spawn(move || {
                    let start = std::time::Instant::now();
                    loop {
                        if lines.load(Ordering::Acquire) != generation {
                            return;
                        }
                        if io0.load(Ordering::Acquire) {
                            board.reset_chip(true);
                            return;
                        }
                        if start.elapsed() >= RESET_RISE {
                            board.reset_chip(false);
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(2));
                    }
                });
        }
    }
}
