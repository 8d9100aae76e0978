//! `_mpsim_net`: the board's sockets (`net.rs`) as the frozen modules see them.

pub(crate) use _mpsim_net::module_def;

/// `_mpsim_net`: what py/socket.py, py/network.py and py/webrepl.py stand on.
#[rustpython_vm::pymodule]
mod _mpsim_net {
    use crate::errors::os_error;
    use crate::runtime;
    use crate::state::{SimState, with_state};
    use rustpython_vm::builtins::{PyBaseExceptionRef, PyListRef, PyUtf8StrRef};
    use rustpython_vm::function::ArgBytesLike;
    use rustpython_vm::{Py, PyObjectRef, PyPayload, PyRef, PyResult, VirtualMachine, pyclass};
    use std::net::{IpAddr, SocketAddr};
    use std::time::Duration;

    /// Owns one of the board's sockets: when the script drops its socket object without
    /// close(), collecting it gives the slot back (lwIP's finaliser), without running Python.
    #[pyattr]
    #[pyclass(name = "Handle")]
    #[derive(Debug, PyPayload)]
    struct Handle {
        id: u32,
    }

    #[pyclass]
    impl Handle {
        #[pymethod]
        fn id(zelf: &Py<Self>) -> u32 {
            zelf.id
        }
    }

    impl Drop for Handle {
        fn drop(&mut self) {
            // Inside another borrow of the state (a reset clearing callbacks) the reset's
            // close_all() follows anyway.
            with_state(|s| crate::heap::untracked(|| s.net.close(self.id)));
        }
    }

    fn err(vm: &VirtualMachine, e: i32) -> PyBaseExceptionRef {
        let e = if e == -1 {
            with_state(|s| {
                s.board
                    .spec
                    .network
                    .as_ref()
                    .map_or(12, |n| n.max_sockets_errno as i32)
            })
            .unwrap_or(12)
        } else {
            e
        };
        os_error(vm, e)
    }

    fn net<R>(
        vm: &VirtualMachine,
        f: impl FnOnce(&mut crate::net::Net) -> Result<R, i32>,
    ) -> PyResult<R> {
        with_state(|s| crate::heap::untracked(|| f(&mut s.net)))
            .ok_or_else(|| vm.new_runtime_error("board not running"))?
            .map_err(|e| err(vm, e))
    }

    fn addr(ip: &str, port: i64, vm: &VirtualMachine) -> PyResult<SocketAddr> {
        let ip: IpAddr = ip.parse().map_err(|_| os_error(vm, crate::net::EINVAL))?;
        let port = u16::try_from(port).map_err(|_| vm.new_overflow_error("port out of range"))?;
        Ok(SocketAddr::new(ip, port))
    }

    fn addr_tuple(a: SocketAddr, vm: &VirtualMachine) -> (String, u16) {
        let _ = vm;
        (a.ip().to_string(), a.port())
    }

    #[pyfunction]
    fn socket(stream: bool, vm: &VirtualMachine) -> PyResult<PyRef<Handle>> {
        let id = net(vm, |n| n.socket(stream))?;
        Ok(Handle { id }.into_ref(&vm.ctx))
    }

    #[pyfunction]
    fn close(sock: PyRef<Handle>) {
        let id = sock.id;
        with_state(|s| s.net.close(id));
    }

    #[pyfunction]
    fn open_count(vm: &VirtualMachine) -> PyResult<usize> {
        net(vm, |n| Ok(n.open_count()))
    }

    #[pyfunction]
    fn setreuse(sock: PyRef<Handle>, on: bool, vm: &VirtualMachine) -> PyResult<()> {
        let id = sock.id;
        net(vm, |n| n.set_reuse(id, on))
    }

    #[pyfunction]
    fn bind(sock: PyRef<Handle>, port: i64, vm: &VirtualMachine) -> PyResult<u16> {
        let id = sock.id;
        let port = u16::try_from(port).map_err(|_| vm.new_overflow_error("port out of range"))?;
        net(vm, |n| n.bind(id, port))
    }

    #[pyfunction]
    fn listen(sock: PyRef<Handle>, backlog: i32, vm: &VirtualMachine) -> PyResult<u16> {
        let id = sock.id;
        let (board_port, host) = net(vm, |n| n.listen(id, backlog))?;
        // The one way to find a board-side server from the host: say where it is.
        eprintln!("mpsim: the board's TCP port {board_port} is at {host} on this machine");
        Ok(board_port)
    }

    #[pyfunction]
    fn accept(
        sock: PyRef<Handle>,
        vm: &VirtualMachine,
    ) -> PyResult<Option<(PyRef<Handle>, String, u16)>> {
        let id = sock.id;
        let r = net(vm, |n| n.accept(id))?;
        Ok(r.map(|(nid, a)| {
            let (ip, port) = addr_tuple(a, vm);
            (Handle { id: nid }.into_ref(&vm.ctx), ip, port)
        }))
    }

    /// `own`: the address is one of the board's own.
    #[pyfunction]
    fn connect(
        sock: PyRef<Handle>,
        ip: PyUtf8StrRef,
        port: i64,
        own: bool,
        vm: &VirtualMachine,
    ) -> PyResult<bool> {
        let id = sock.id;
        let a = addr(ip.as_str(), port, vm)?;
        net(vm, |n| n.connect(id, a, own))
    }

    #[pyfunction]
    fn connect_done(sock: PyRef<Handle>, vm: &VirtualMachine) -> PyResult<bool> {
        let id = sock.id;
        net(vm, |n| n.connect_done(id))
    }

    #[pyfunction]
    fn send(
        sock: PyRef<Handle>,
        data: ArgBytesLike,
        vm: &VirtualMachine,
    ) -> PyResult<Option<usize>> {
        let id = sock.id;
        let data = data.borrow_buf().to_vec();
        net(vm, |n| n.send(id, &data))
    }

    #[pyfunction]
    fn recv(sock: PyRef<Handle>, size: i64, vm: &VirtualMachine) -> PyResult<Option<PyObjectRef>> {
        let id = sock.id;
        let size = usize::try_from(size).unwrap_or(0);
        let r = net(vm, |n| n.recv(id, size))?;
        Ok(r.map(|b| vm.ctx.new_bytes(b).into()))
    }

    #[pyfunction]
    fn sendto(
        sock: PyRef<Handle>,
        data: ArgBytesLike,
        ip: PyUtf8StrRef,
        port: i64,
        vm: &VirtualMachine,
    ) -> PyResult<Option<usize>> {
        let id = sock.id;
        let a = addr(ip.as_str(), port, vm)?;
        let data = data.borrow_buf().to_vec();
        net(vm, |n| n.sendto(id, &data, a))
    }

    #[pyfunction]
    fn recvfrom(
        sock: PyRef<Handle>,
        size: i64,
        vm: &VirtualMachine,
    ) -> PyResult<Option<(PyObjectRef, String, u16)>> {
        let id = sock.id;
        let size = usize::try_from(size).unwrap_or(0);
        let r = net(vm, |n| n.recvfrom(id, size))?;
        Ok(r.map(|(b, a)| {
            let (ip, port) = addr_tuple(a, vm);
            (vm.ctx.new_bytes(b).into(), ip, port)
        }))
    }

    #[pyfunction]
    fn ready(sock: PyRef<Handle>, mask: u32, vm: &VirtualMachine) -> PyResult<u32> {
        let id = sock.id;
        net(vm, |n| Ok(n.ready(id, mask)))
    }

    #[pyfunction]
    fn sockname(sock: PyRef<Handle>, vm: &VirtualMachine) -> PyResult<u16> {
        let id = sock.id;
        net(vm, |n| n.local_port(id))
    }

    #[pyfunction]
    fn peer(sock: PyRef<Handle>, vm: &VirtualMachine) -> PyResult<(String, u16)> {
        let id = sock.id;
        let a = net(vm, |n| n.peer(id))?;
        Ok(addr_tuple(a, vm))
    }

    /// Waits for a socket event (see `runtime::net_wait`); a negative timeout waits for one.
    #[pyfunction]
    fn wait(timeout_ms: i64, vm: &VirtualMachine) -> PyResult<()> {
        let t = u64::try_from(timeout_ms)
            .ok()
            .map(std::time::Duration::from_millis);
        runtime::net_wait(vm, t)
    }

    /// IPv4 addresses for `host`, or the board's DNS failure.
    #[pyfunction]
    fn resolve(host: PyUtf8StrRef, port: i64, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let port = u16::try_from(port).map_err(|_| vm.new_overflow_error("port out of range"))?;
        let r = with_state(|s| {
            let r = crate::heap::untracked(|| s.net.resolve(host.as_str(), port));
            let fail = s
                .board
                .spec
                .network
                .as_ref()
                .map_or(-2, |n| n.dns_fail_errno as i32);
            (r, fail)
        });
        match r {
            Some((Some(addrs), _)) => Ok(vm
                .ctx
                .new_list(
                    addrs
                        .iter()
                        .map(|a| vm.ctx.new_str(a.ip().to_string()).into())
                        .collect(),
                )
                .into()),
            Some((None, fail)) => Err(os_error(vm, fail)),
            None => Err(vm.new_runtime_error("board not running")),
        }
    }

    /// The access points: (change count, [(ssid, password, rssi, channel, online, hidden, subnet)]).
    #[pyfunction]
    fn access_points(vm: &VirtualMachine) -> PyResult<(u64, PyObjectRef)> {
        let (g, aps) = with_state(|s| s.chip.access_points())
            .ok_or_else(|| vm.new_runtime_error("board not running"))?;
        let rows = aps
            .iter()
            .map(|a| {
                vm.ctx
                    .new_tuple(vec![
                        vm.ctx.new_str(a.ssid.as_str()).into(),
                        vm.ctx.new_str(a.password.as_str()).into(),
                        vm.ctx.new_int(a.rssi).into(),
                        vm.ctx.new_int(a.channel).into(),
                        vm.ctx.new_bool(a.online).into(),
                        vm.ctx.new_bool(a.hidden).into(),
                        vm.ctx.new_str(a.subnet.as_str()).into(),
                    ])
                    .into()
            })
            .collect();
        Ok((g, vm.ctx.new_list(rows).into()))
    }

    /// The radio's kept settings and whether the chip powered up since they were last read.
    #[pyfunction]
    fn radio_get(vm: &VirtualMachine) -> PyResult<(String, bool)> {
        with_state(|s| s.chip.take_wifi()).ok_or_else(|| vm.new_runtime_error("board not running"))
    }

    #[pyfunction]
    fn radio_set(blob: PyUtf8StrRef) {
        let blob = crate::heap::untracked(|| blob.as_str().to_owned());
        with_state(|s| s.chip.set_wifi(blob));
    }

    /// One line per interface for front ends.
    #[pyfunction]
    fn status(lines: PyListRef, vm: &VirtualMachine) -> PyResult<()> {
        let mut v = Vec::new();
        for l in lines.borrow_vec().iter() {
            v.push(l.str(vm)?.to_string());
        }
        crate::heap::untracked(|| with_state(|s| s.board.set_network_status(&v)));
        Ok(())
    }

    /// The index `mip.install` uses by default (`--mip-index`), None for the firmware's.
    #[pyfunction]
    fn mip_index(vm: &VirtualMachine) -> PyResult<Option<String>> {
        with_state(|s| s.net.config.mip_index.clone())
            .ok_or_else(|| vm.new_runtime_error("board not running"))
    }

    /// The board's network data as a dict (mac, ap_essid, ap_password, ap_ip,
    /// ap_on_first_boot, hostname, status, country, tls), or None on a board without a radio.
    #[pyfunction]
    fn spec(vm: &VirtualMachine) -> PyResult<Option<PyObjectRef>> {
        let Some(n) = with_state(|s| s.board.spec.network.clone())
            .ok_or_else(|| vm.new_runtime_error("board not running"))?
        else {
            return Ok(None);
        };
        let d = vm.ctx.new_dict();
        d.set_item("mac", vm.ctx.new_bytes(n.mac.clone()).into(), vm)?;
        d.set_item("ap_essid", vm.ctx.new_str(n.ap_essid).into(), vm)?;
        d.set_item("ap_password", vm.ctx.new_str(n.ap_password).into(), vm)?;
        d.set_item("ap_ip", vm.ctx.new_str(n.ap_ip).into(), vm)?;
        d.set_item(
            "ap_on_first_boot",
            vm.ctx.new_bool(n.ap_active_at_first_boot).into(),
            vm,
        )?;
        d.set_item("hostname", vm.ctx.new_str(n.hostname).into(), vm)?;
        let st = vm.ctx.new_dict();
        for (k, v) in &n.status {
            st.set_item(k.as_str(), vm.ctx.new_int(*v).into(), vm)?;
        }
        d.set_item("status", st.into(), vm)?;
        d.set_item("country", vm.ctx.new_bool(n.country).into(), vm)?;
        d.set_item("tls", vm.ctx.new_str(n.tls).into(), vm)?;
        Ok(Some(d.into()))
    }

    /// Starts the WebREPL server on the board's `port` (the front end listens for the board on
    /// the host side of that port); returns the host port.
    #[pyfunction]
    fn webrepl_start(port: i64, password: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<u16> {
        /// How long the front end may take to answer.
        const ANSWER: Duration = Duration::from_secs(5);
        let port = u16::try_from(port).map_err(|_| vm.new_overflow_error("port out of range"))?;
        with_state(|s| {
            crate::heap::untracked(|| {
                let host = SocketAddr::new(s.net.config.bind, s.net.config.host_port(port));
                let (a, b, c) = s.board.spec.version_tuple();
                let setup = crate::api::WebReplSetup {
                    password: password.as_str().to_owned(),
                    version: (a as u8, b as u8, c as u8),
                    max_file: s.board.spec.fs_size,
                    board: s.board.spec.id.clone(),
                };
                s.webrepl_start(port, host, setup);
            });
        })
        .ok_or_else(|| vm.new_runtime_error("board not running"))?;
        let end = std::time::Instant::now() + ANSWER;
        let answer = loop {
            if let Some(a) = with_state(SimState::webrepl_answer).flatten() {
                break a;
            }
            let left = end.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                with_state(SimState::webrepl_stop);
                break Err(crate::net::ETIMEDOUT);
            }
            if let Err(e) = runtime::net_wait(vm, Some(left)) {
                with_state(SimState::webrepl_stop);
                return Err(e);
            }
        };
        let at = answer.map_err(|e| os_error(vm, e))?;
        Ok(at.port())
    }

    #[pyfunction]
    fn webrepl_stop() {
        with_state(SimState::webrepl_stop);
    }

    /// Whether the WebREPL runs, whether a client is logged in, and where it listens.
    #[pyfunction]
    fn webrepl_state() -> (bool, bool, String) {
        with_state(|s| {
            let (on, client, at) = s.webrepl_state();
            (on, client, at.map(|a| a.to_string()).unwrap_or_default())
        })
        .unwrap_or((false, false, String::new()))
    }
}
