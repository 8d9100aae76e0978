//! The WebREPL server (`webrepl.start()`): a `webrepl` thread that speaks MicroPython's WebREPL
//! over tungstenite — password login, the console shared with the serial port and the window,
//! the binary WA/WB file protocol — and serves mpsim's own WebREPL page to plain HTTP requests.
//!
//! It runs in the front end, next to the board's serial port, while the board asks for it
//! (`webrepl.start()` sends `SimEvent::WebRepl`; the supervisor starts and stops it). The board's
//! terminal output reaches it as `SimEvent::WebReplOut`; it talks to the board through
//! `SimCommand`s: typed bytes (`TermIn`), lines on the UART only (`ConsoleNotice`), flash requests
//! (`Fs`, answered by the board between two instructions) and whether a client is logged in
//! (`WebRepl`).

use crate::supervisor::BoardSender;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use mpsim_sim_core::{FsAnswer, FsReply, FsRequest, SimCommand, WebReplNews, WebReplSetup};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Message, WebSocket};

/// mpsim's WebREPL page (terminal, password, file transfer), served on plain HTTP requests.
const PAGE: &str = include_str!("../assets/webrepl.html");

const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);
/// Connections at once (handshakes, pages, the client); more are closed at once.
const MAX_CONNS: usize = 8;
/// An HTTP request must arrive whole within this long and within this size.
const HTTP_TIMEOUT: Duration = Duration::from_secs(5);
const HTTP_MAX: usize = 8 << 10;
/// A password must be typed within this long (the one slot is not held by a silent prompt).
const LOGIN_TIMEOUT: Duration = Duration::from_secs(10);
/// A logged-in session that has sent nothing for this long may be taken over by a client that
/// logs in (its peer may be gone without a word: a half-open connection holds the one slot).
const STALE_SESSION: Duration = Duration::from_secs(10);
/// After repeated wrong passwords from one address, it waits this long before the next try,
/// doubling with each further failure up to [`THROTTLE_MAX`] (the first failure costs nothing).
const THROTTLE_STEP: Duration = Duration::from_millis(500);
const THROTTLE_MAX: Duration = Duration::from_secs(30);
/// Addresses whose failures are remembered (the oldest are forgotten beyond this).
const THROTTLE_KEEP: usize = 1024;
/// Console output kept for a client that does not read; more is dropped.
const OUT_MAX: usize = 1 << 20;
/// The record that starts a file operation.
const WA_LEN: usize = 82;
/// The password buffer of modwebrepl.c (10 bytes): what is typed beyond is not kept.
const PASSWORD_BUF: usize = 10;

struct Shared {
    /// Console output waiting for the logged-in client.
    out: Mutex<Vec<u8>>,
    logged_in: AtomicBool,
    quit: AtomicBool,
}

/// A running WebREPL server.
pub struct WebRepl {
    shared: Arc<Shared>,
    waker: Arc<Waker>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Where it listens on the host.
    pub addr: SocketAddr,
}

impl WebRepl {
    /// Listens on `addr` (the host side of the board's port).
    pub fn start(addr: SocketAddr, setup: WebReplSetup, cmd: BoardSender) -> io::Result<Self> {
        let std_listener = std::net::TcpListener::bind(addr)?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let mut listener = TcpListener::from_std(std_listener);
        let poll = Poll::new()?;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let shared = Arc::new(Shared {
            out: Mutex::new(Vec::new()),
            logged_in: AtomicBool::new(false),
            quit: AtomicBool::new(false),
        });
        let sh = shared.clone();
        let thread = std::thread::Builder::new()
            .name("webrepl".into())
            .spawn(move || {
                Server {
                    poll,
                    listener,
                    conns: HashMap::new(),
                    next: 2,
                    shared: sh,
                    setup,
                    cmd,
                    active: None,
                    failures: HashMap::new(),
                }
                .run()
            })?;
        Ok(WebRepl {
            shared,
            waker,
            thread: Some(thread),
            addr,
        })
    }

    /// Console output: to the client once it has logged in (nothing before, as on the board).
    pub fn output(&self, bytes: &[u8]) {
        if !self.shared.logged_in.load(Ordering::Acquire) {
            return;
        }
        if let Ok(mut out) = self.shared.out.lock() {
            let was_empty = out.is_empty();
            let room = OUT_MAX.saturating_sub(out.len());
            out.extend_from_slice(&bytes[..bytes.len().min(room)]);
            if was_empty {
                let _ = self.waker.wake();
            }
        }
    }

    /// Closes the server and its client (a reset, `webrepl.stop()`).
    pub fn stop(mut self) {
        self.shared.quit.store(true, Ordering::Release);
        let _ = self.waker.wake();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for WebRepl {
    fn drop(&mut self) {
        self.shared.quit.store(true, Ordering::Release);
        let _ = self.waker.wake();
    }
}

enum FileOp {
    /// Gathering a WA record.
    Idle(Vec<u8>),
    /// Receiving a PUT's bytes; `None` path: refused, the bytes are read and dropped.
    Put {
        path: Option<String>,
        left: u64,
        data: Vec<u8>,
    },
    /// Sending a GET's bytes, one chunk per client request.
    Get { data: Vec<u8>, pos: usize },
}

enum Phase {
    /// Reading the HTTP request.
    Http(Vec<u8>),
    /// Sending the page, then closing.
    Page(Vec<u8>, usize),
    /// A websocket: logging in (`Some(typed)`), then the console and file transfer.
    Ws {
        ws: Box<WebSocket<TcpStream>>,
        login: Option<Vec<u8>>,
        file: FileOp,
        /// Console bytes held back until a UTF-8 sequence is whole.
        pending_utf8: Vec<u8>,
    },
}

struct Conn {
    phase: Phase,
    peer: SocketAddr,
    since: Instant,
    /// When the client last sent something (a logged-in session idle this long may be stale).
    heard: Instant,
    /// The stale session this login will replace, if its password is right.
    takes_over: Option<Token>,
    /// The HTTP phase's stream (the websocket owns it afterwards).
    stream: Option<TcpStream>,
}

struct Server {
    poll: Poll,
    listener: TcpListener,
    conns: HashMap<Token, Conn>,
    next: usize,
    shared: Arc<Shared>,
    setup: WebReplSetup,
    cmd: BoardSender,
    /// The connection that is the board's WebREPL client (one at a time).
    active: Option<Token>,
    /// Wrong passwords by address: (consecutive failures, not before).
    failures: HashMap<std::net::IpAddr, (u32, Instant)>,
}

fn ws_config() -> WebSocketConfig {
    // webrepl_cli sends unmasked frames; the board takes them. Frames are small (≤ 64 KiB on
    // the board: a 64-bit length closes the connection there, and a huge one here).
    WebSocketConfig::default()
        .accept_unmasked_frames(true)
        .max_frame_size(Some(64 << 10))
        .max_message_size(Some(64 << 10))
        .read_buffer_size(16 << 10)
        .max_write_buffer_size(OUT_MAX + (64 << 10))
}

impl Server {
    fn run(mut self) {
        let mut events = Events::with_capacity(64);
        while !self.shared.quit.load(Ordering::Acquire) {
            let timeout = if self.conns.is_empty() {
                None
            } else {
                Some(Duration::from_millis(500))
            };
            if let Err(e) = self.poll.poll(&mut events, timeout)
                && e.kind() != io::ErrorKind::Interrupted
            {
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
            let mut touched: Vec<Token> = Vec::new();
            for ev in &events {
                match ev.token() {
                    LISTENER => self.accept_all(),
                    WAKER => {}
                    t => touched.push(t),
                }
            }
            for t in touched {
                self.service(t);
            }
            if let Some(t) = self.active {
                self.send_output(t);
            }
            self.expire();
        }
        self.shared.logged_in.store(false, Ordering::Release);
    }

    fn accept_all(&mut self) {
        loop {
            match self.listener.accept() {
                Ok((mut stream, peer)) => {
                    if self.conns.len() >= MAX_CONNS {
                        // A flood of connections that do not speak: the newest one pushes out
                        // the oldest that has not finished its request, so a real client
                        // still gets in and the count stays bounded.
                        let idle = self
                            .conns
                            .iter()
                            .filter(|(_, c)| matches!(c.phase, Phase::Http(_) | Phase::Page(..)))
                            .min_by_key(|(_, c)| c.since)
                            .map(|(t, _)| *t);
                        match idle {
                            Some(t) => self.close(t),
                            None => continue,
                        }
                    }
                    // Replies are small and answer requests: send them at once.
                    let _ = stream.set_nodelay(true);
                    let token = Token(self.next);
                    self.next += 1;
                    if self
                        .poll
                        .registry()
                        .register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)
                        .is_err()
                    {
                        continue;
                    }
                    self.conns.insert(
                        token,
                        Conn {
                            phase: Phase::Http(Vec::new()),
                            peer,
                            since: Instant::now(),
                            heard: Instant::now(),
                            takes_over: None,
                            stream: Some(stream),
                        },
                    );
                    self.service(token);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    }

    /// Drops connections that dawdle in the handshake or at the password prompt.
    fn expire(&mut self) {
        let now = Instant::now();
        let stale: Vec<Token> = self
            .conns
            .iter()
            .filter(|(_, c)| match &c.phase {
                Phase::Http(_) | Phase::Page(..) => now - c.since > HTTP_TIMEOUT,
                Phase::Ws { login, .. } => login.is_some() && now - c.since > LOGIN_TIMEOUT,
            })
            .map(|(t, _)| *t)
            .collect();
        for t in stale {
            self.close(t);
        }
    }

    fn close(&mut self, t: Token) {
        if let Some(mut c) = self.conns.remove(&t) {
            match &mut c.phase {
                Phase::Ws { ws, .. } => {
                    let _ = self.poll.registry().deregister(ws.get_mut());
                    let _ = ws.get_mut().shutdown(std::net::Shutdown::Both);
                }
                _ => {
                    if let Some(s) = c.stream.as_mut() {
                        let _ = self.poll.registry().deregister(s);
                    }
                }
            }
        }
        if self.active == Some(t) {
            self.active = None;
            self.set_client(false);
            if let Ok(mut out) = self.shared.out.lock() {
                out.clear();
            }
        }
    }

    fn notice(&self, text: &str) {
        notice(&self.cmd, text);
    }

    /// A wrong password from `ip`: from the second in a row on, it waits before its next try.
    fn failed(&mut self, ip: std::net::IpAddr) {
        if self.failures.len() >= THROTTLE_KEEP && !self.failures.contains_key(&ip) {
            let oldest = self
                .failures
                .iter()
                .min_by_key(|(_, v)| v.1)
                .map(|(k, _)| *k);
            if let Some(k) = oldest {
                self.failures.remove(&k);
            }
        }
        let e = self.failures.entry(ip).or_insert((0, Instant::now()));
        e.0 = e.0.saturating_add(1);
        let wait = if e.0 <= 1 {
            Duration::ZERO
        } else {
            THROTTLE_STEP
                .saturating_mul(1u32 << (e.0 - 2).min(16))
                .min(THROTTLE_MAX)
        };
        e.1 = Instant::now() + wait;
    }

    /// Whether a client is logged in, for this server and for the board (`webrepl_state`).
    fn set_client(&self, on: bool) {
        if self.shared.logged_in.swap(on, Ordering::AcqRel) != on {
            self.cmd.send(SimCommand::WebRepl(WebReplNews::Client(on)));
        }
    }

    fn service(&mut self, t: Token) {
        let Some(conn) = self.conns.get_mut(&t) else {
            return;
        };
        match &mut conn.phase {
            Phase::Http(buf) => {
                let Some(stream) = conn.stream.as_mut() else {
                    return;
                };
                let mut chunk = [0u8; 2048];
                loop {
                    match stream.read(&mut chunk) {
                        Ok(0) => {
                            self.close(t);
                            return;
                        }
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => {
                            self.close(t);
                            return;
                        }
                    }
                    if buf.len() > HTTP_MAX {
                        self.close(t);
                        return;
                    }
                }
                let Some(end) = find(buf, b"\r\n\r\n") else {
                    return;
                };
                let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                let early = buf[end + 4..].to_vec();
                self.handshake(t, &head, early);
            }
            Phase::Page(body, pos) => {
                let Some(stream) = conn.stream.as_mut() else {
                    return;
                };
                while *pos < body.len() {
                    match stream.write(&body[*pos..]) {
                        Ok(0) => break,
                        Ok(n) => *pos += n,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
                self.close(t);
            }
            Phase::Ws { .. } => self.read_ws(t),
        }
    }

    /// Answers a whole HTTP request: the page, or the websocket upgrade.
    fn handshake(&mut self, t: Token, head: &str, early: Vec<u8>) {
        let mut key = None;
        let mut upgrade = false;
        let mut connection_upgrade = false;
        for line in head.split("\r\n").skip(1) {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            // The board compares names and the Upgrade value case-sensitively; browsers and
            // clients send them in this case, and so do proxies that keep them.
            match name {
                "Sec-WebSocket-Key" => key = Some(value.to_owned()),
                "Upgrade" => upgrade = value == "websocket",
                "Connection" => connection_upgrade = value.contains("Upgrade"),
                _ => {}
            }
        }
        let Some(peer) = self.conns.get(&t).map(|c| c.peer) else {
            return;
        };
        let throttled = self
            .failures
            .get(&peer.ip())
            .is_some_and(|(_, until)| Instant::now() < *until);
        let stale = self.active.filter(|a| {
            self.conns.get(a).is_some_and(|c| {
                matches!(c.phase, Phase::Ws { login: None, .. })
                    && c.heard.elapsed() >= STALE_SESSION
            })
        });
        let Some(conn) = self.conns.get_mut(&t) else {
            return;
        };
        let (Some(key), true, true) = (key, upgrade, connection_upgrade) else {
            let body = PAGE.replace("{{BOARD}}", &self.setup.board);
            let reply = format!(
                "HTTP/1.0 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\n\r\n{body}",
                body.len()
            );
            conn.phase = Phase::Page(reply.into_bytes(), 0);
            self.service(t);
            return;
        };
        let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
        let response = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
        );
        let Some(mut stream) = conn.stream.take() else {
            return;
        };
        // The response is small; a fresh socket's buffer takes it whole.
        if stream.write_all(response.as_bytes()).is_err() {
            conn.stream = Some(stream);
            self.close(t);
            return;
        }
        let peer = conn.peer;
        // Frames may follow the request in the same segment.
        let mut ws = Box::new(WebSocket::from_partially_read(
            stream,
            early,
            Role::Server,
            Some(ws_config()),
        ));
        // Repeated wrong passwords from this address: it waits before its next try. Another
        // client while one holds the slot: as the board, the handshake completes, then the
        // connection is refused.
        let refusal = if throttled {
            Some("refused: wrong passwords, try again later")
        } else if self.active.is_some() && stale.is_none() {
            Some("rejected")
        } else {
            None
        };
        if let Some(why) = refusal {
            let first = if throttled {
                "WebREPL"
            } else {
                "Concurrent WebREPL"
            };
            notice(
                &self.cmd,
                &format!("\r\n{first} connection from {} {why}\r\n", py_addr(peer)),
            );
            conn.phase = Phase::Ws {
                ws,
                login: None,
                file: FileOp::Idle(Vec::new()),
                pending_utf8: Vec::new(),
            };
            self.close(t);
            return;
        }
        notice(
            &self.cmd,
            &format!("\r\nWebREPL connection from: {}\r\n", py_addr(peer)),
        );
        let _ = ws.send(Message::text("Password: "));
        conn.since = Instant::now();
        conn.heard = Instant::now();
        conn.phase = Phase::Ws {
            ws,
            login: Some(Vec::new()),
            file: FileOp::Idle(Vec::new()),
            pending_utf8: Vec::new(),
        };
        // A stale session keeps the slot until this client has logged in.
        conn.takes_over = stale;
        if stale.is_none() {
            self.active = Some(t);
        }
        // The password may have come with the request.
        self.read_ws(t);
    }

    fn read_ws(&mut self, t: Token) {
        loop {
            let Some(Conn {
                phase: Phase::Ws { ws, .. },
                ..
            }) = self.conns.get_mut(&t)
            else {
                return;
            };
            let msg = match ws.read() {
                Ok(m) => m,
                Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {
                    let _ = ws.flush();
                    return;
                }
                Err(_) => {
                    // Closed, reset, a malformed or oversized frame: the session ends.
                    self.close(t);
                    return;
                }
            };
            match msg {
                Message::Text(s) => self.input(t, s.as_bytes(), false),
                Message::Binary(b) => self.input(t, &b, true),
                Message::Close(_) => {
                    let _ = ws.flush();
                    self.close(t);
                    return;
                }
                _ => {}
            }
            if !self.conns.contains_key(&t) {
                return;
            }
        }
    }

    /// Bytes from the client: the password, console input (text) or the file protocol (binary).
    fn input(&mut self, t: Token, mut bytes: &[u8], binary: bool) {
        if let Some(c) = self.conns.get_mut(&t) {
            c.heard = Instant::now();
        }
        let Some(Conn {
            phase: Phase::Ws { ws, login, .. },
            peer,
            takes_over,
            ..
        }) = self.conns.get_mut(&t)
        else {
            return;
        };
        let (ip, takes_over) = (peer.ip(), *takes_over);
        if let Some(typed) = login {
            let Some(end) = bytes.iter().position(|&b| b == b'\r' || b == b'\n') else {
                let room = PASSWORD_BUF.saturating_sub(typed.len());
                typed.extend_from_slice(&bytes[..bytes.len().min(room)]);
                return;
            };
            let room = PASSWORD_BUF.saturating_sub(typed.len());
            typed.extend_from_slice(&bytes[..end.min(room)]);
            if typed.as_slice() == self.setup.password.as_bytes() {
                *login = None;
                let _ = ws.send(Message::text("\r\nWebREPL connected\r\n>>> "));
                self.failures.remove(&ip);
                if let Some(old) = takes_over {
                    // The stale session goes; this client has the slot.
                    self.close(old);
                    self.active = Some(t);
                    if let Some(c) = self.conns.get_mut(&t) {
                        c.takes_over = None;
                    }
                }
                self.shared.logged_in.store(true, Ordering::Release);
                self.cmd
                    .send(SimCommand::WebRepl(WebReplNews::Client(true)));
                bytes = &bytes[end + 1..];
                if bytes.first() == Some(&b'\n') {
                    bytes = &bytes[1..];
                }
                if bytes.is_empty() {
                    return;
                }
            } else {
                let _ = ws.send(Message::text("\r\nAccess denied\r\n"));
                let _ = ws.flush();
                self.notice("dupterm: EOF received, deactivating\r\n");
                self.failed(ip);
                self.close(t);
                return;
            }
        }
        if binary {
            self.file_input(t, bytes);
        } else {
            self.cmd.send(SimCommand::TermIn(bytes.to_vec()));
        }
    }

    fn reply(&mut self, t: Token, bytes: Vec<u8>) {
        if let Some(Conn {
            phase: Phase::Ws { ws, .. },
            ..
        }) = self.conns.get_mut(&t)
            && ws.send(Message::binary(bytes)).is_err()
        {
            let _ = ws.flush();
        }
    }

    fn fs(&self, req: FsRequest) -> FsAnswer {
        let (tx, rx) = crossbeam_channel::bounded(1);
        if !self.cmd.send(SimCommand::Fs(req, FsReply(tx))) {
            return FsAnswer::Failed("the board has stopped".into());
        }
        // The board answers between two instructions; a reset stopping this server meanwhile
        // (the `sim` thread then waits for this thread) must not wait for that answer.
        let end = Instant::now() + Duration::from_secs(30);
        while Instant::now() < end && !self.shared.quit.load(Ordering::Acquire) {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(answer) => return answer,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
            }
        }
        FsAnswer::Failed("the board did not answer".into())
    }

    /// The WA/WB file protocol.
    fn file_input(&mut self, t: Token, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let Some(Conn {
                phase: Phase::Ws { file, .. },
                ..
            }) = self.conns.get_mut(&t)
            else {
                return;
            };
            match file {
                FileOp::Idle(rec) => {
                    let take = (WA_LEN - rec.len()).min(bytes.len());
                    rec.extend_from_slice(&bytes[..take]);
                    bytes = &bytes[take..];
                    if rec.len() < WA_LEN {
                        return;
                    }
                    let rec = std::mem::take(rec);
                    self.start_op(t, &rec);
                }
                FileOp::Put { path, left, data } => {
                    let take = usize::try_from(*left)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len());
                    if path.is_some() {
                        data.extend_from_slice(&bytes[..take]);
                    }
                    *left -= take as u64;
                    bytes = &bytes[take..];
                    if *left > 0 {
                        return;
                    }
                    let path = path.take();
                    let data = std::mem::take(data);
                    *file = FileOp::Idle(Vec::new());
                    if let Some(path) = path {
                        let code = match self.fs(FsRequest::Write(path, data)) {
                            FsAnswer::Done => 0,
                            _ => 1,
                        };
                        self.reply(t, wb(code));
                    }
                }
                FileOp::Get { data, pos } => {
                    // Each frame from the client asks for the next chunk.
                    let end = (*pos + 256).min(data.len());
                    let chunk = data[*pos..end].to_vec();
                    *pos = end;
                    let mut frame = (chunk.len() as u16).to_le_bytes().to_vec();
                    frame.extend_from_slice(&chunk);
                    let done = chunk.is_empty();
                    if done {
                        *file = FileOp::Idle(Vec::new());
                    }
                    self.reply(t, frame);
                    if done {
                        self.reply(t, wb(0));
                    }
                    return;
                }
            }
        }
    }

    fn start_op(&mut self, t: Token, rec: &[u8]) {
        let kind = rec[2];
        let size = u64::from(u32::from_le_bytes([rec[12], rec[13], rec[14], rec[15]]));
        let name_len = usize::from(u16::from_le_bytes([rec[16], rec[17]])).min(64);
        let raw = &rec[18..18 + name_len];
        let raw = &raw[..raw.iter().position(|&b| b == 0).unwrap_or(raw.len())];
        let path = flash_path(raw);
        let next = match kind {
            3 => {
                let (a, b, c) = self.setup.version;
                self.reply(t, vec![a, b, c]);
                FileOp::Idle(Vec::new())
            }
            1 => {
                let path = path.filter(|_| size <= self.setup.max_file);
                self.reply(t, wb(if path.is_some() { 0 } else { 1 }));
                if size == 0 {
                    if let Some(p) = path {
                        let code = match self.fs(FsRequest::Write(p, Vec::new())) {
                            FsAnswer::Done => 0,
                            _ => 1,
                        };
                        self.reply(t, wb(code));
                    }
                    FileOp::Idle(Vec::new())
                } else {
                    FileOp::Put {
                        path,
                        left: size,
                        data: Vec::new(),
                    }
                }
            }
            2 => match path.map(|p| self.fs(FsRequest::Read(p))) {
                Some(FsAnswer::Bytes(data)) => {
                    self.reply(t, wb(0));
                    FileOp::Get { data, pos: 0 }
                }
                _ => {
                    self.reply(t, wb(1));
                    FileOp::Idle(Vec::new())
                }
            },
            _ => {
                self.reply(t, wb(1));
                FileOp::Idle(Vec::new())
            }
        };
        if let Some(Conn {
            phase: Phase::Ws { file, .. },
            ..
        }) = self.conns.get_mut(&t)
        {
            *file = next;
        }
    }

    /// Console output to the logged-in client, as text frames of whole UTF-8 characters.
    fn send_output(&mut self, t: Token) {
        let bytes = self
            .shared
            .out
            .lock()
            .map(|mut out| std::mem::take(&mut *out))
            .unwrap_or_default();
        if bytes.is_empty() {
            self.flush(t);
            return;
        }
        let Some(Conn {
            phase:
                Phase::Ws {
                    ws,
                    login: None,
                    pending_utf8,
                    ..
                },
            ..
        }) = self.conns.get_mut(&t)
        else {
            return;
        };
        pending_utf8.extend_from_slice(&bytes);
        let text = take_utf8(pending_utf8);
        if !text.is_empty() {
            match ws.write(Message::text(text)) {
                Ok(()) => {}
                Err(tungstenite::Error::WriteBufferFull(_)) => {}
                Err(_) => {
                    self.close(t);
                    return;
                }
            }
        }
        self.flush(t);
    }

    fn flush(&mut self, t: Token) {
        if let Some(Conn {
            phase: Phase::Ws { ws, .. },
            ..
        }) = self.conns.get_mut(&t)
        {
            match ws.flush() {
                Ok(()) => {}
                Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => self.close(t),
            }
        }
    }
}

/// A line on the board's UART only.
fn notice(cmd: &BoardSender, text: &str) {
    cmd.send(SimCommand::ConsoleNotice(text.as_bytes().to_vec()));
}

/// `WB` and a result code.
fn wb(code: u16) -> Vec<u8> {
    let mut v = b"WB".to_vec();
    v.extend_from_slice(&code.to_le_bytes());
    v
}

/// The flash path a WA record names (relative names are from `/`, where boot leaves the cwd);
/// `None` for names the board cannot have: empty, 64 bytes or more (not a C string), not UTF-8,
/// NUL or `..` inside.
fn flash_path(raw: &[u8]) -> Option<String> {
    if raw.is_empty() || raw.len() >= 64 {
        return None;
    }
    let s = std::str::from_utf8(raw).ok()?;
    if s.split('/').any(|c| c == "..") || s.contains('\0') || s.ends_with('/') {
        return None;
    }
    Some(if s.starts_with('/') {
        s.to_owned()
    } else {
        format!("/{s}")
    })
}

/// Takes the longest whole-UTF-8 prefix from `buf` (invalid bytes become U+FFFD); an unfinished
/// sequence at the end stays for the next call.
fn take_utf8(buf: &mut Vec<u8>) -> String {
    let keep = match std::str::from_utf8(buf) {
        Ok(_) => 0,
        Err(e) if e.error_len().is_none() => buf.len() - e.valid_up_to(),
        Err(_) => {
            // Invalid in the middle: find an unfinished tail after the last valid point.
            let tail_start = buf.len().saturating_sub(3);
            (tail_start..buf.len())
                .find(|&i| {
                    buf[i] >= 0xc0
                        && std::str::from_utf8(&buf[i..]).is_err_and(|e| e.error_len().is_none())
                })
                .map_or(0, |i| buf.len() - i)
        }
    };
    let rest = buf.split_off(buf.len() - keep);
    let text = String::from_utf8_lossy(buf).into_owned();
    *buf = rest;
    text
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// An address as MicroPython prints it: `('127.0.0.1', 54321)`.
fn py_addr(a: SocketAddr) -> String {
    format!("('{}', {})", a.ip(), a.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_from_wa_records() {
        assert_eq!(flash_path(b"main.py").as_deref(), Some("/main.py"));
        assert_eq!(flash_path(b"/lib/x.py").as_deref(), Some("/lib/x.py"));
        assert_eq!(flash_path(b"../etc/passwd"), None);
        assert_eq!(flash_path(b"a/../../b"), None);
        assert_eq!(flash_path(b""), None);
        assert_eq!(flash_path(&[b'a'; 64]), None);
        assert!(flash_path(&[b'a'; 63]).is_some());
    }

    #[test]
    fn utf8_is_sent_in_whole_characters() {
        let mut b = "é".as_bytes()[..1].to_vec();
        assert_eq!(take_utf8(&mut b), "");
        b.extend_from_slice(&"é".as_bytes()[1..]);
        b.extend_from_slice(b"ok");
        assert_eq!(take_utf8(&mut b), "éok");
        assert!(b.is_empty());
        let mut b = vec![b'a', 0xff, b'b'];
        assert_eq!(take_utf8(&mut b), "a\u{fffd}b");
    }
}
