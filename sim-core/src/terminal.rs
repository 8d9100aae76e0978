//! The board's terminal and serial input: what was typed on the console UART, the streams
//! attached with `os.dupterm` (their input and the output waiting for them), the other UARTs'
//! receive buffers, the interrupt character and whether it interrupts now. `SimState` owns one;
//! nothing else reaches its fields.

use crate::heap;
use std::collections::{BTreeMap, VecDeque};

pub(crate) struct Terminal {
    /// What was typed on the console UART, not read yet.
    input: VecDeque<u8>,
    /// The byte that raises KeyboardInterrupt (-1: none; `micropython.kbd_intr`).
    interrupt_char: i32,
    /// It was typed (or a front end pressed Ctrl-C): raise at the next instruction.
    pending_interrupt: bool,
    /// Code is running: the interrupt character raises KeyboardInterrupt (at the prompt it is data).
    executing: bool,
    /// The REPL (and print, and sys.stdin) use the console UART; `os.dupterm(None, 1)` detaches it.
    on_uart: bool,
    /// Python streams are attached with `os.dupterm`: terminal output also waits for them here…
    dupterm_active: bool,
    dupterm_out: Vec<u8>,
    /// …and what they typed waits here, read before the console UART.
    dupterm_in: VecDeque<u8>,
    /// The dupterm pump is running (its own output must not start it again).
    in_pump: bool,
    /// Received bytes of the UARTs other than the console, with their `rxbuf` limits.
    uart_rx: BTreeMap<u32, (VecDeque<u8>, usize)>,
    /// While a soft reset tears the interpreter down: what runs then prints nothing, as on the
    /// board, where the heap is simply wiped.
    muted: bool,
}

impl Default for Terminal {
    fn default() -> Self {
        Terminal {
            input: VecDeque::new(),
            interrupt_char: 3,
            pending_interrupt: false,
            executing: false,
            on_uart: true,
            dupterm_active: false,
            dupterm_out: Vec::new(),
            dupterm_in: VecDeque::new(),
            in_pump: false,
            uart_rx: BTreeMap::new(),
            muted: false,
        }
    }
}

/// Terminal bytes into `queue`: the interrupt character (while code runs, and `interrupts`)
/// raises KeyboardInterrupt and drops what is queued; beyond `cap` bytes are lost.
fn receive(
    queue: &mut VecDeque<u8>,
    bytes: &[u8],
    interrupt: Option<i32>,
    cap: usize,
    pending_interrupt: &mut bool,
) {
    for &b in bytes {
        if interrupt == Some(i32::from(b)) {
            *pending_interrupt = true;
            queue.clear();
        } else if queue.len() < cap {
            queue.push_back(b);
        }
    }
}

impl Terminal {
    /// The interrupt character when typing it interrupts now (code runs).
    fn interrupting(&self) -> Option<i32> {
        self.executing.then_some(self.interrupt_char)
    }

    /// Bytes typed on the console UART (Ctrl-C interrupts only while the REPL owns it).
    pub fn serial_in(&mut self, bytes: &[u8], cap: usize) {
        let interrupt = self.interrupting().filter(|_| self.on_uart);
        receive(
            &mut self.input,
            bytes,
            interrupt,
            cap,
            &mut self.pending_interrupt,
        );
    }

    /// Terminal input from a dupterm stream (the interrupt character works as on the console).
    pub fn dupterm_in(&mut self, bytes: &[u8], cap: usize) {
        let interrupt = self.interrupting();
        receive(
            &mut self.dupterm_in,
            bytes,
            interrupt,
            cap,
            &mut self.pending_interrupt,
        );
    }

    /// Takes the next byte of terminal input: what a dupterm stream typed, then the console
    /// UART's (while the REPL is on it).
    pub fn pop(&mut self) -> Option<u8> {
        self.dupterm_in
            .pop_front()
            .or_else(|| self.on_uart.then(|| self.input.pop_front()).flatten())
    }

    /// Bytes of terminal input waiting.
    pub fn len(&self) -> usize {
        self.dupterm_in.len() + if self.on_uart { self.input.len() } else { 0 }
    }

    /// A front end's Ctrl-C (a button, a terminal's SIGINT).
    pub fn interrupt(&mut self) {
        self.pending_interrupt = true;
    }

    /// Whether an interrupt waits to be raised (taken).
    pub fn take_interrupt(&mut self) -> bool {
        std::mem::take(&mut self.pending_interrupt)
    }

    /// `micropython.kbd_intr`.
    pub fn set_interrupt_char(&mut self, c: i32) {
        self.interrupt_char = c;
    }

    /// Code runs (or not): sets it, returns what it was.
    pub fn set_executing(&mut self, on: bool) -> bool {
        std::mem::replace(&mut self.executing, on)
    }

    /// Terminal output: whether it goes to the console UART, after keeping it for the dupterm
    /// streams (`None`: muted, it goes nowhere).
    pub fn output(&mut self, bytes: &[u8]) -> Option<bool> {
        if self.muted {
            return None;
        }
        if self.dupterm_active {
            heap::untracked(|| self.dupterm_out.extend_from_slice(bytes));
        }
        Some(self.on_uart)
    }

    pub fn set_muted(&mut self, on: bool) {
        self.muted = on;
    }

    /// `os.dupterm` bookkeeping: whether the REPL is on the console UART, and whether Python
    /// streams are attached.
    pub fn set_dupterm(&mut self, on_uart: bool, streams: bool) {
        self.on_uart = on_uart;
        self.dupterm_active = streams;
        if !streams {
            self.dupterm_out.clear();
            self.dupterm_in.clear();
        }
    }

    /// Dupterm streams are attached.
    pub fn dupterm_active(&self) -> bool {
        self.dupterm_active
    }

    /// Terminal output waiting for the dupterm streams (taken).
    pub fn take_dupterm_out(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.dupterm_out)
    }

    /// Starts the dupterm pump unless it runs already or nothing is attached; true when started.
    pub fn begin_pump(&mut self) -> bool {
        let go = self.dupterm_active && !self.in_pump;
        if go {
            self.in_pump = true;
        }
        go
    }

    pub fn end_pump(&mut self) {
        self.in_pump = false;
    }

    /// Opens (or resizes) the receive buffer of UART `id` (not the console).
    pub fn uart_open(&mut self, id: u32, rxbuf: usize) {
        let entry = self
            .uart_rx
            .entry(id)
            .or_insert_with(|| (VecDeque::new(), rxbuf));
        entry.1 = rxbuf;
        while entry.0.len() > rxbuf {
            entry.0.pop_back();
        }
    }

    /// Bytes arriving on UART `id`'s RX line: a full receive buffer loses what comes next, as
    /// the hardware's does.
    pub fn uart_in(&mut self, id: u32, bytes: &[u8]) {
        if let Some((rx, cap)) = self.uart_rx.get_mut(&id) {
            let room = cap.saturating_sub(rx.len());
            heap::untracked(|| rx.extend(bytes.iter().take(room)));
        }
    }

    /// The receive queue of the console (`console`) or of UART `id`, if open.
    pub fn uart_queue(&mut self, id: u32, console: bool) -> Option<&mut VecDeque<u8>> {
        if console {
            Some(&mut self.input)
        } else {
            self.uart_rx.get_mut(&id).map(|(q, _)| q)
        }
    }

    /// Detaches every terminal but the console UART and closes the other UARTs (a reset).
    pub fn reset(&mut self) {
        self.on_uart = true;
        self.dupterm_active = false;
        self.dupterm_out.clear();
        self.dupterm_in.clear();
        self.uart_rx.clear();
    }
}
