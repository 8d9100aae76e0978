//! The board's IP stack, backed by the host's: sockets the script opens are host sockets
//! (non-blocking, watched by one `sim-net` thread with mio), under a policy (`--net`) and the
//! board's limits. Board-side servers listen on the host's loopback at a mapped port.
//!
//! Blocking calls are Python loops (py/socket.py) over non-blocking operations here and
//! `runtime::net_wait`, which waits like a sleep (timers and IRQs run, Ctrl-C works) until
//! the `sim-net` thread reports that some socket changed.

use crate::api::{NetConfig, NetPolicy, SimCommand};
use crossbeam_channel::Sender;
use mio::net::{TcpListener, TcpStream, UdpSocket};
use mio::{Events, Interest, Poll, Registry, Token};
use socket2::{Domain, SockRef, Socket, Type};
use std::collections::{BTreeMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub(crate) const EAGAIN: i32 = 11;
pub(crate) const EBADF: i32 = 9;
pub(crate) const EINVAL: i32 = 22;
pub(crate) const ENOTCONN: i32 = 107;
pub(crate) const EISCONN: i32 = 106;
pub(crate) const EHOSTUNREACH: i32 = 113;
pub(crate) const EOPNOTSUPP: i32 = 95;
pub(crate) const ETIMEDOUT: i32 = 110;

/// poll() bits as MicroPython's select module numbers them.
pub(crate) const POLLIN: u32 = 1;
pub(crate) const POLLOUT: u32 = 4;
pub(crate) const POLLERR: u32 = 8;
pub(crate) const POLLHUP: u32 = 16;

fn errno(e: &io::Error) -> i32 {
    if e.kind() == io::ErrorKind::WouldBlock {
        return EAGAIN;
    }
    e.raw_os_error().unwrap_or(5)
}

enum State {
    /// A TCP socket before connect or listen.
    Fresh(Socket),
    Connecting(TcpStream),
    Stream(TcpStream),
    Listener(TcpListener, VecDeque<(TcpStream, SocketAddr)>),
    Udp(UdpSocket),
    /// Closed by the peer's reset or an error that ended it; only close() is left.
    Dead(i32),
}

struct Sock {
    state: State,
    /// The board-side port it is bound to (getsockname shows the board's view).
    board_port: Option<u16>,
    /// The peer closed its side (recv gives b"").
    registered: bool,
}

/// The board's sockets, on the `sim` thread.
pub(crate) struct Net {
    pub config: NetConfig,
    socks: BTreeMap<u32, Sock>,
    next_id: u32,
    max_sockets: usize,
    registry: Option<Registry>,
    /// A `NetWake` is queued and not yet taken.
    pub wake_pending: Arc<AtomicBool>,
    quit: Arc<AtomicBool>,
    cmd: Sender<SimCommand>,
}

/// How long the `sim-net` thread sleeps at most before looking whether it should end.
const NET_IDLE: Duration = Duration::from_millis(250);

impl Net {
    pub fn new(config: NetConfig, max_sockets: usize, cmd: Sender<SimCommand>) -> Self {
        Net {
            config,
            socks: BTreeMap::new(),
            next_id: 1,
            max_sockets,
            registry: None,
            wake_pending: Arc::new(AtomicBool::new(false)),
            quit: Arc::new(AtomicBool::new(false)),
            cmd,
        }
    }

    /// The `sim-net` thread's registry, started on first use.
    fn registry(&mut self) -> Result<&Registry, i32> {
        if self.registry.is_none() {
            let poll = Poll::new().map_err(|e| errno(&e))?;
            let registry = poll.registry().try_clone().map_err(|e| errno(&e))?;
            let (wake, quit, cmd) = (
                self.wake_pending.clone(),
                self.quit.clone(),
                self.cmd.clone(),
            );
            std::thread::Builder::new()
                .name("sim-net".into())
                .spawn(move || net_thread(poll, wake, quit, cmd))
                .map_err(|e| errno(&e))?;
            self.registry = Some(registry);
        }
        self.registry.as_ref().ok_or(EBADF)
    }

    fn register(&mut self, id: u32, src: &mut dyn mio::event::Source) -> Result<(), i32> {
        let reg = self.registry()?;
        reg.register(
            src,
            Token(id as usize),
            Interest::READABLE | Interest::WRITABLE,
        )
        .map_err(|e| errno(&e))
    }

    fn sock(&mut self, id: u32) -> Result<&mut Sock, i32> {
        self.socks.get_mut(&id).ok_or(EBADF)
    }

    /// A new socket: `stream` TCP, else UDP.
    pub fn socket(&mut self, stream: bool) -> Result<u32, i32> {
        if self.socks.len() >= self.max_sockets {
            return Err(-1);
        }
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        let state = if stream {
            let s = Socket::new(Domain::IPV4, Type::STREAM, None).map_err(|e| errno(&e))?;
            s.set_nonblocking(true).map_err(|e| errno(&e))?;
            State::Fresh(s)
        } else {
            let s = Socket::new(Domain::IPV4, Type::DGRAM, None).map_err(|e| errno(&e))?;
            s.set_nonblocking(true).map_err(|e| errno(&e))?;
            let mut u = UdpSocket::from_std(s.into());
            self.register(id, &mut u)?;
            State::Udp(u)
        };
        self.socks.insert(
            id,
            Sock {
                state,
                board_port: None,
                registered: !stream,
            },
        );
        Ok(id)
    }

    pub fn close(&mut self, id: u32) {
        if let Some(mut s) = self.socks.remove(&id)
            && s.registered
            && let Some(reg) = self.registry.as_ref()
        {
            let _ = match &mut s.state {
                State::Connecting(t) | State::Stream(t) => reg.deregister(t),
                State::Listener(l, _) => reg.deregister(l),
                State::Udp(u) => reg.deregister(u),
                State::Fresh(_) | State::Dead(_) => Ok(()),
            };
        }
    }

    /// Closes every socket (a reset).
    pub fn close_all(&mut self) {
        let ids: Vec<u32> = self.socks.keys().copied().collect();
        for id in ids {
            self.close(id);
        }
    }

    pub fn set_reuse(&mut self, id: u32, on: bool) -> Result<(), i32> {
        let s = self.sock(id)?;
        let r = match &s.state {
            State::Fresh(f) => f.set_reuse_address(on),
            State::Udp(u) => SockRef::from(u).set_reuse_address(on),
            State::Listener(l, _) => SockRef::from(l).set_reuse_address(on),
            State::Connecting(t) | State::Stream(t) => SockRef::from(t).set_reuse_address(on),
            State::Dead(e) => return Err(*e),
        };
        r.map_err(|e| errno(&e))
    }

    /// Binds to the board's `port` (any of the board's addresses): the host's `bind` address at
    /// the mapped port. Returns the host port.
    pub fn bind(&mut self, id: u32, port: u16) -> Result<u16, i32> {
        let host = SocketAddr::new(self.config.bind, self.config.host_port(port));
        let s = self.sock(id)?;
        if s.board_port.is_some() {
            return Err(EINVAL);
        }
        let r = match &s.state {
            State::Fresh(f) => f.bind(&host.into()).and_then(|()| f.local_addr()),
            State::Udp(u) => {
                let r = SockRef::from(u);
                r.bind(&host.into()).and_then(|()| r.local_addr())
            }
            _ => return Err(EINVAL),
        };
        let local = r.map_err(|e| errno(&e))?;
        let host_port = local.as_socket().map_or(0, |a| a.port());
        s.board_port = Some(if port == 0 { host_port } else { port });
        Ok(host_port)
    }

    /// Starts listening; returns (board port, host address) for the mapping notice.
    pub fn listen(&mut self, id: u32, backlog: i32) -> Result<(u16, SocketAddr), i32> {
        let bind = self.config.bind;
        let s = self.sock(id)?;
        let State::Fresh(f) = &s.state else {
            return Err(EINVAL);
        };
        if s.board_port.is_none() {
            // listen() without bind(): lwIP picks a port; so does the host.
            let host = SocketAddr::new(bind, 0);
            f.bind(&host.into()).map_err(|e| errno(&e))?;
        }
        f.listen(backlog.clamp(1, 16)).map_err(|e| errno(&e))?;
        let local = f
            .local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .ok_or(EINVAL)?;
        let State::Fresh(f) = std::mem::replace(&mut s.state, State::Dead(EBADF)) else {
            return Err(EINVAL);
        };
        let board_port = *s.board_port.get_or_insert(local.port());
        let mut l = TcpListener::from_std(f.into());
        self.register(id, &mut l)?;
        let s = self.sock(id)?;
        s.registered = true;
        s.state = State::Listener(l, VecDeque::new());
        Ok((board_port, local))
    }

    /// Takes a waiting connection: (new socket, peer).
    pub fn accept(&mut self, id: u32) -> Result<Option<(u32, SocketAddr)>, i32> {
        self.fill_backlog(id)?;
        if self.socks.len() >= self.max_sockets {
            return Err(-1);
        }
        let s = self.sock(id)?;
        let State::Listener(_, q) = &mut s.state else {
            return Err(EINVAL);
        };
        let Some((mut t, peer)) = q.pop_front() else {
            return Ok(None);
        };
        let nid = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        self.register(nid, &mut t)?;
        self.socks.insert(
            nid,
            Sock {
                state: State::Stream(t),
                board_port: None,
                registered: true,
            },
        );
        Ok(Some((nid, peer)))
    }

    /// Moves connections the host accepted into the listener's queue (bounded by its backlog).
    fn fill_backlog(&mut self, id: u32) -> Result<(), i32> {
        let s = self.sock(id)?;
        let State::Listener(l, q) = &mut s.state else {
            return Ok(());
        };
        while q.len() < 16 {
            match l.accept() {
                Ok(c) => q.push_back(c),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        Ok(())
    }

    /// Starts connecting to `addr` (already checked against the policy): true when connected
    /// at once, false while in progress.
    pub fn connect(&mut self, id: u32, addr: SocketAddr, own: bool) -> Result<bool, i32> {
        // The board's own servers, at 127.0.0.1 or its own address, whatever the port map.
        let addr = match self.own_server(addr.port()) {
            Some(local) if own || addr.ip().is_loopback() => local,
            None if own => return Err(111), // ECONNREFUSED: nothing listens there
            _ if !self.config.allows(addr.ip()) => return Err(EHOSTUNREACH),
            _ => addr,
        };
        let s = self.sock(id)?;
        match &s.state {
            State::Fresh(_) => {}
            State::Connecting(_) => return Err(114), // EALREADY
            State::Stream(_) => return Err(EISCONN),
            State::Udp(u) => {
                return u.connect(addr).map(|()| true).map_err(|e| errno(&e));
            }
            State::Dead(e) => return Err(*e),
            State::Listener(..) => return Err(EINVAL),
        }
        let State::Fresh(f) = std::mem::replace(&mut s.state, State::Dead(EBADF)) else {
            return Err(EINVAL);
        };
        let done = match f.connect(&addr.into()) {
            Ok(()) => true,
            Err(e) if e.raw_os_error() == Some(115) || e.kind() == io::ErrorKind::WouldBlock => {
                false
            }
            Err(e) => {
                let n = errno(&e);
                s.state = State::Fresh(f);
                return Err(n);
            }
        };
        let mut t = TcpStream::from_std(f.into());
        self.register(id, &mut t)?;
        let s = self.sock(id)?;
        s.registered = true;
        s.state = if done {
            State::Stream(t)
        } else {
            State::Connecting(t)
        };
        Ok(done)
    }

    /// Where the board's own listener on `port` is on the host.
    fn own_server(&self, port: u16) -> Option<SocketAddr> {
        self.socks.values().find_map(|s| match &s.state {
            State::Listener(l, _) if s.board_port == Some(port) => {
                let a = l.local_addr().ok()?;
                Some(if a.ip().is_unspecified() {
                    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), a.port())
                } else {
                    a
                })
            }
            _ => None,
        })
    }

    /// A connection in progress: Ok(true) when it completed, Ok(false) while pending.
    pub fn connect_done(&mut self, id: u32) -> Result<bool, i32> {
        let s = self.sock(id)?;
        let State::Connecting(t) = &s.state else {
            return match &s.state {
                State::Stream(_) => Ok(true),
                State::Dead(e) => Err(*e),
                _ => Err(ENOTCONN),
            };
        };
        if let Ok(Some(e)) | Err(e) = t.take_error() {
            let n = errno(&e);
            s.state = State::Dead(n);
            return Err(n);
        }
        match t.peer_addr() {
            Ok(_) => {
                let State::Connecting(t) = std::mem::replace(&mut s.state, State::Dead(EBADF))
                else {
                    return Err(EINVAL);
                };
                s.state = State::Stream(t);
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(false),
            Err(e) => {
                let n = errno(&e);
                s.state = State::Dead(n);
                Err(n)
            }
        }
    }

    /// Sends what the host takes now; None when it takes nothing (would block).
    pub fn send(&mut self, id: u32, data: &[u8]) -> Result<Option<usize>, i32> {
        let s = self.sock(id)?;
        let r = match &mut s.state {
            State::Stream(t) => t.write(data),
            State::Udp(u) => u.send(data),
            State::Connecting(_) => return Ok(None),
            State::Dead(e) => return Err(*e),
            _ => return Err(ENOTCONN),
        };
        match r {
            Ok(n) => Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(None),
            Err(e) => Err(errno(&e)),
        }
    }

    /// Up to `n` bytes; Some(empty) at the end of the stream, None when nothing is there yet.
    pub fn recv(&mut self, id: u32, n: usize) -> Result<Option<Vec<u8>>, i32> {
        let s = self.sock(id)?;
        let mut buf = vec![0u8; n.min(64 << 10)];
        let r = match &mut s.state {
            State::Stream(t) => t.read(&mut buf),
            State::Udp(u) => u.recv(&mut buf),
            State::Connecting(_) => return Ok(None),
            State::Dead(e) => return Err(*e),
            _ => return Err(ENOTCONN),
        };
        match r {
            Ok(k) => {
                buf.truncate(k);
                Ok(Some(buf))
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(None),
            Err(e) => Err(errno(&e)),
        }
    }

    pub fn sendto(&mut self, id: u32, data: &[u8], to: SocketAddr) -> Result<Option<usize>, i32> {
        if !self.config.allows(to.ip()) {
            return Err(EHOSTUNREACH);
        }
        let s = self.sock(id)?;
        let State::Udp(u) = &mut s.state else {
            return Err(EOPNOTSUPP);
        };
        match u.send_to(data, to) {
            Ok(n) => Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(errno(&e)),
        }
    }

    pub fn recvfrom(&mut self, id: u32, n: usize) -> Result<Option<(Vec<u8>, SocketAddr)>, i32> {
        let s = self.sock(id)?;
        let mut buf = vec![0u8; n.min(64 << 10)];
        let r = match &mut s.state {
            State::Udp(u) => u.recv_from(&mut buf),
            State::Stream(t) => {
                let peer = t.peer_addr().map_err(|e| errno(&e))?;
                t.read(&mut buf).map(|k| (k, peer))
            }
            State::Dead(e) => return Err(*e),
            _ => return Err(ENOTCONN),
        };
        match r {
            Ok((k, from)) => {
                buf.truncate(k);
                Ok(Some((buf, from)))
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(errno(&e)),
        }
    }

    /// Which of `mask` (POLLIN/POLLOUT) the socket is ready for now, plus POLLERR/POLLHUP.
    pub fn ready(&mut self, id: u32, mask: u32) -> u32 {
        if matches!(
            self.socks.get(&id).map(|s| &s.state),
            Some(State::Connecting(_))
        ) {
            match self.connect_done(id) {
                Ok(true) => {}
                Ok(false) => return 0,
                Err(_) => return POLLERR | POLLHUP,
            }
        }
        let _ = self.fill_backlog(id);
        let Some(s) = self.socks.get_mut(&id) else {
            return POLLERR;
        };
        let mut one = [0u8; 1];
        match &mut s.state {
            State::Stream(t) => {
                let mut ev = mask & POLLOUT;
                match t.peek(&mut one) {
                    Ok(0) => ev |= (mask & POLLIN) | POLLHUP,
                    Ok(_) => ev |= mask & POLLIN,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(_) => ev |= POLLERR | POLLHUP,
                }
                ev
            }
            State::Listener(_, q) => {
                if q.is_empty() {
                    0
                } else {
                    mask & POLLIN
                }
            }
            State::Udp(u) => {
                let mut ev = mask & POLLOUT;
                if u.peek_from(&mut one).is_ok() {
                    ev |= mask & POLLIN;
                }
                ev
            }
            State::Fresh(_) => mask & POLLOUT,
            State::Connecting(_) => 0,
            State::Dead(_) => POLLERR | POLLHUP,
        }
    }

    pub fn local_port(&mut self, id: u32) -> Result<u16, i32> {
        let s = self.sock(id)?;
        if let Some(p) = s.board_port {
            return Ok(p);
        }
        let a = match &s.state {
            State::Stream(t) | State::Connecting(t) => t.local_addr(),
            State::Udp(u) => u.local_addr(),
            State::Listener(l, _) => l.local_addr(),
            State::Fresh(_) => return Ok(0),
            State::Dead(e) => return Err(*e),
        };
        a.map(|a| a.port()).map_err(|e| errno(&e))
    }

    pub fn peer(&mut self, id: u32) -> Result<SocketAddr, i32> {
        let s = self.sock(id)?;
        let r = match &s.state {
            State::Stream(t) => t.peer_addr(),
            State::Udp(u) => u.peer_addr(),
            State::Dead(e) => return Err(*e),
            _ => return Err(ENOTCONN),
        };
        r.map_err(|_| ENOTCONN)
    }

    /// Resolves a host name under the policy: IPv4 addresses only (the board's lwIP has no IPv6).
    pub fn resolve(&self, host: &str, port: u16) -> Option<Vec<SocketAddr>> {
        if let Ok(ip) = host.parse::<Ipv4Addr>() {
            return Some(vec![SocketAddr::new(IpAddr::V4(ip), port)]);
        }
        let local = host.eq_ignore_ascii_case("localhost");
        match self.config.policy {
            NetPolicy::Off => return None,
            NetPolicy::Loopback if !local => return None,
            _ => {}
        }
        if host.is_empty() || host.len() > 253 {
            return None;
        }
        let addrs: Vec<SocketAddr> = (host, port)
            .to_socket_addrs()
            .ok()?
            .filter(SocketAddr::is_ipv4)
            .collect();
        (!addrs.is_empty()).then_some(addrs)
    }

    /// How many sockets are open.
    pub fn open_count(&self) -> usize {
        self.socks.len()
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        self.quit.store(true, Ordering::Release);
    }
}

/// Reports socket events to the `sim` thread: one `NetWake` outstanding at most.
fn net_thread(
    mut poll: Poll,
    wake: Arc<AtomicBool>,
    quit: Arc<AtomicBool>,
    cmd: Sender<SimCommand>,
) {
    let mut events = Events::with_capacity(64);
    while !quit.load(Ordering::Acquire) {
        match poll.poll(&mut events, Some(NET_IDLE)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => {
                std::thread::sleep(NET_IDLE);
                continue;
            }
        }
        if !events.is_empty()
            && !wake.swap(true, Ordering::AcqRel)
            && cmd.try_send(SimCommand::NetWake).is_err()
        {
            // Full or gone: the board has plenty to read; the next event tries again.
            wake.store(false, Ordering::Release);
        }
    }
}
