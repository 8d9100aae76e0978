//! One area of `_mpsim` (the native module, `native.rs`): the console (the REPL's UART), the other
//! UARTs and `os.dupterm`.

#[rustpython_vm::pymodule(sub, name = "_mpsim")]
pub(crate) mod area {
    use crate::native::_mpsim::state;
    use crate::runtime;
    use rustpython_vm::function::{ArgBytesLike, OptionalArg};
    use rustpython_vm::{PyResult, VirtualMachine};

    /// Console output: bytes as the script wrote them; `\n` goes out as `\r\n` like on the board.
    #[pyfunction]
    fn console_write(data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<usize> {
        let bytes = data.borrow_buf();
        let mut cooked = Vec::with_capacity(bytes.len() + 8);
        for &b in bytes.iter() {
            if b == b'\n' {
                cooked.push(b'\r');
            }
            cooked.push(b);
        }
        let n = bytes.len();
        drop(bytes);
        let (stop, pump) = state(vm, |s| {
            s.output(&cooked);
            (s.run.ending(), s.term.dupterm_active())
        })?;
        if stop {
            runtime::check(vm)?;
        }
        if pump {
            runtime::dupterm_pump(vm)?;
        }
        Ok(n)
    }

    /// Bytes waiting on the console input.
    #[pyfunction]
    fn console_any(vm: &VirtualMachine) -> PyResult<usize> {
        runtime::check(vm)?;
        runtime::dupterm_pump(vm)?;
        state(vm, |s| s.term.len())
    }

    /// Reads up to `n` bytes from the console, waiting for at least one (or `timeout_ms`, -1 = forever).
    #[pyfunction]
    fn console_read(
        n: usize,
        timeout_ms: OptionalArg<i64>,
        vm: &VirtualMachine,
    ) -> PyResult<Vec<u8>> {
        let timeout = timeout_ms.unwrap_or(-1);
        let start = state(vm, |s| s.clock.now_us())?;
        loop {
            runtime::check(vm)?;
            runtime::dupterm_pump(vm)?;
            let got = state(vm, |s| {
                let mut got = Vec::new();
                while got.len() < n {
                    match s.term.pop() {
                        Some(b) => got.push(b),
                        None => break,
                    }
                }
                got
            })?;
            if !got.is_empty() || n == 0 {
                return Ok(got);
            }
            if timeout >= 0 {
                let now = state(vm, |s| s.clock.now_us())?;
                if now >= start + u64::try_from(timeout).unwrap_or(0) * 1000 {
                    return Ok(got);
                }
            }
            runtime::sleep_us(vm, 1000, true)?;
        }
    }

    /// Opens UART `id` on the board's side: its receive buffer holds `rxbuf` bytes (not the
    /// console's, which is the REPL's).
    #[pyfunction]
    fn uart_open(id: u32, rxbuf: usize, vm: &VirtualMachine) -> PyResult<()> {
        state(vm, |s| {
            if !s.is_console_uart(id) {
                s.term.uart_open(id, rxbuf);
            }
        })
    }

    /// Transmits on UART `id`: the console UART's wire, or the UART's host link.
    #[pyfunction]
    fn uart_write(id: u32, data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<usize> {
        let bytes = data.borrow_buf().to_vec();
        state(vm, |s| {
            if s.is_console_uart(id) {
                s.wire(&bytes);
            } else {
                s.uart_tx(id, &bytes);
            }
        })?;
        runtime::check(vm)?;
        Ok(bytes.len())
    }

    /// Bytes received on UART `id` and not read yet.
    #[pyfunction]
    fn uart_any(id: u32, vm: &VirtualMachine) -> PyResult<usize> {
        runtime::check(vm)?;
        state(vm, |s| uart_queue(s, id).map_or(0, |q| q.len()))
    }

    /// Reads up to `n` bytes from UART `id`: waits `timeout_ms` for the first, then
    /// `timeout_char_ms` for each next one. `None` when nothing came.
    #[pyfunction]
    fn uart_read(
        id: u32,
        n: usize,
        timeout_ms: u64,
        timeout_char_ms: u64,
        vm: &VirtualMachine,
    ) -> PyResult<Option<Vec<u8>>> {
        let mut got: Vec<u8> = Vec::new();
        let mut wait_ms = timeout_ms;
        loop {
            runtime::check(vm)?;
            let start = state(vm, |s| s.clock.now_us())?;
            loop {
                let more = state(vm, |s| {
                    let q = uart_queue(s, id)?;
                    let k = (n - got.len()).min(q.len());
                    Some(q.drain(..k).collect::<Vec<u8>>())
                })?
                .unwrap_or_default();
                if !more.is_empty() {
                    got.extend(more);
                    break;
                }
                let now = state(vm, |s| s.clock.now_us())?;
                let deadline = start.saturating_add(wait_ms.saturating_mul(1000));
                if now >= deadline {
                    return Ok((!got.is_empty()).then_some(got));
                }
                runtime::sleep_us(vm, (deadline - now).min(1000), true)?;
            }
            if got.len() >= n {
                return Ok(Some(got));
            }
            wait_ms = timeout_char_ms;
        }
    }

    fn uart_queue(
        s: &mut crate::state::SimState,
        id: u32,
    ) -> Option<&mut std::collections::VecDeque<u8>> {
        let console = s.is_console_uart(id);
        s.term.uart_queue(id, console)
    }

    /// `os.dupterm` bookkeeping: whether the REPL is on the console UART, and whether Python
    /// streams are attached.
    #[pyfunction]
    fn dupterm_set(on_uart: bool, streams: bool, vm: &VirtualMachine) -> PyResult<()> {
        state(vm, |s| {
            s.term.set_dupterm(on_uart, streams);
        })
    }

    /// Terminal output waiting for the dupterm streams (taken).
    #[pyfunction]
    fn dupterm_take(vm: &VirtualMachine) -> PyResult<Vec<u8>> {
        state(vm, |s| s.term.take_dupterm_out())
    }

    /// Terminal input a dupterm stream gave.
    #[pyfunction]
    fn dupterm_input(data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<()> {
        let bytes = data.borrow_buf().to_vec();
        state(vm, |s| s.dupterm_input(&bytes))
    }

    /// `micropython.kbd_intr`: the byte that raises KeyboardInterrupt (-1: none).
    #[pyfunction]
    fn kbd_intr(c: i64, vm: &VirtualMachine) -> PyResult<()> {
        state(vm, |s| {
            s.term.set_interrupt_char(i32::try_from(c).unwrap_or(-1))
        })
    }
}
