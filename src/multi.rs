//! Several boards in one circuit (`[[board]]` tables in a wiring file): each board runs in its
//! own board process with the parts wired to it; this front end links them. A wire from one
//! board's UART TX to another's RX carries the bytes the first transmits; a wire between two
//! GPIOs carries what each board drives on its pin to the other as an outside level; an I2C bus
//! wired between two boards takes one board's transfers to the other's `I2CTarget`s. The boards
//! run side by side in real time, or in virtual time on one clock: in lockstep, every board runs
//! a quantum ([`QUANTUM_US`]) at a time, and what one did for another during a quantum reaches
//! it at the quantum's end, the same on every run. Each board's console lines are printed with
//! its id.

use anyhow::{Context, Result, bail};
use mpsim_board_models::circuit::netlist::gpio_of;
use mpsim_board_models::{BoardSpec, Wiring};
use mpsim_sim_core::{EndReason, Program, SimCommand, SimConfig, SimEvent};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// How far boards in lockstep run before they hear from each other (simulated µs).
pub const QUANTUM_US: u64 = 1000;

/// What one board's events do to the others.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Route {
    /// Board `from`'s UART `uart` transmits into board `to`'s UART `into`.
    Uart {
        from: usize,
        uart: u32,
        to: usize,
        into: u32,
    },
    /// What board `from` drives on `gpio` is what board `to`'s `pin` reads.
    Pin {
        from: usize,
        gpio: u32,
        to: usize,
        pin: u32,
    },
}

/// The routes for the wires between boards, and the pins each board reports.
pub(crate) fn routes(wiring: &Wiring, specs: &[BoardSpec]) -> Result<(Vec<Route>, Vec<Vec<u32>>)> {
    let index = |id: &str| wiring.board.iter().position(|b| b.id == id);
    let mut routes = Vec::new();
    let mut exports = vec![Vec::new(); specs.len()];
    for ((ab, ap), (bb, bp)) in wiring.board_links() {
        let (Some(a), Some(b)) = (index(&ab), index(&bb)) else {
            continue;
        };
        let ga = gpio_of(&specs[a], &ap)
            .with_context(|| format!("wire {ab}:{ap}: {} has no such pin", specs[a].id))?;
        let gb = gpio_of(&specs[b], &bp)
            .with_context(|| format!("wire {bb}:{bp}: {} has no such pin", specs[b].id))?;
        let tx = |s: &BoardSpec, g: u32| {
            s.uarts
                .iter()
                .find(|u| u.tx == g && !u.console)
                .map(|u| u.id)
        };
        let rx = |s: &BoardSpec, g: u32| {
            s.uarts
                .iter()
                .find(|u| u.rx == Some(g) && !u.console)
                .map(|u| u.id)
        };
        let mut uart = false;
        for (from, gf, to, gt) in [(a, ga, b, gb), (b, gb, a, ga)] {
            if let (Some(uart_id), Some(into)) = (tx(&specs[from], gf), rx(&specs[to], gt)) {
                routes.push(Route::Uart {
                    from,
                    uart: uart_id,
                    to,
                    into,
                });
                uart = true;
            }
        }
        if !uart {
            for (from, gf, to, gt) in [(a, ga, b, gb), (b, gb, a, ga)] {
                routes.push(Route::Pin {
                    from,
                    gpio: gf,
                    to,
                    pin: gt,
                });
                exports[from].push(gf);
            }
        }
    }
    Ok((routes, exports))
}

/// Where what one board does for the others goes: UART bytes and pin levels along the routes,
/// I2C transfers to the board whose pins both bus lines lead to and their answers back. Used by
/// `mpsim run` of a circuit and by the scenario rig (`rig.rs`).
pub(crate) struct Links {
    routes: Vec<Route>,
    /// How many boards there are (a radio packet goes to every other).
    boards: usize,
    /// I2C transfers from one board to another's targets: our number → (board, its number).
    i2c: Vec<(u64, usize, u64)>,
    i2c_next: u64,
}

/// What [`Links::route`] made of a board's event.
pub(crate) enum Routed {
    /// Commands for other boards, to deliver at the end of the quantum (in lockstep).
    Later(Vec<(usize, SimCommand)>),
    /// Commands to deliver at once (a bus transfer waits for its answer).
    Now(Vec<(usize, SimCommand)>),
    /// Not for another board: the event, given back.
    Own(SimEvent),
}

impl Links {
    pub(crate) fn new(routes: Vec<Route>, boards: usize) -> Self {
        Links {
            routes,
            boards,
            i2c: Vec::new(),
            i2c_next: 0,
        }
    }

    /// Where board `from`'s pin `g` leads on other boards.
    fn wired_to(&self, from: usize, g: u32) -> Vec<(usize, u32)> {
        self.routes
            .iter()
            .filter_map(|r| match r {
                Route::Pin {
                    from: f,
                    gpio,
                    to,
                    pin,
                } if *f == from && *gpio == g => Some((*to, *pin)),
                _ => None,
            })
            .collect()
    }

    /// Routes board `i`'s event; `ended` says which boards no longer run.
    pub(crate) fn route(&mut self, i: usize, e: SimEvent, ended: impl Fn(usize) -> bool) -> Routed {
        match e {
            SimEvent::UartOut { id, bytes } => {
                let out: Vec<(usize, SimCommand)> = self
                    .routes
                    .iter()
                    .filter_map(|r| match r {
                        Route::Uart {
                            from,
                            uart,
                            to,
                            into,
                        } if *from == i && *uart == id => Some((
                            *to,
                            SimCommand::UartIn {
                                id: *into,
                                bytes: bytes.clone(),
                            },
                        )),
                        _ => None,
                    })
                    .collect();
                if out.is_empty() {
                    Routed::Own(SimEvent::UartOut { id, bytes })
                } else {
                    Routed::Later(out)
                }
            }
            SimEvent::PinDrive { gpio, level } => Routed::Later(
                self.wired_to(i, gpio)
                    .into_iter()
                    .map(|(to, pin)| (to, SimCommand::SetPin { gpio: pin, level }))
                    .collect(),
            ),
            SimEvent::I2cRequest { id, xfer } => {
                // The board whose pins both bus lines lead to; the transfer goes there at once
                // (the controller waits for it, as a bus transfer takes no time to speak of).
                let target = self.wired_to(i, xfer.scl).into_iter().find_map(|(to, c)| {
                    self.wired_to(i, xfer.sda)
                        .into_iter()
                        .find(|(t, _)| *t == to)
                        .map(|(_, d)| (to, c, d))
                });
                match target {
                    Some((to, c, d)) if !ended(to) => {
                        self.i2c_next += 1;
                        self.i2c.push((self.i2c_next, i, id));
                        // On the target board, the bus is on the pins the wires lead to.
                        Routed::Now(vec![(
                            to,
                            SimCommand::I2cServe {
                                id: self.i2c_next,
                                xfer: mpsim_sim_core::I2cTransfer {
                                    scl: c,
                                    sda: d,
                                    ..xfer
                                },
                            },
                        )])
                    }
                    _ => Routed::Now(vec![(
                        i,
                        SimCommand::I2cReply {
                            id,
                            ack: false,
                            data: Vec::new(),
                        },
                    )]),
                }
            }
            SimEvent::I2cServed { id, ack, data } => {
                match self.i2c.iter().position(|p| p.0 == id) {
                    Some(k) => {
                        let (_, from, their) = self.i2c.swap_remove(k);
                        Routed::Now(vec![(
                            from,
                            SimCommand::I2cReply {
                                id: their,
                                ack,
                                data,
                            },
                        )])
                    }
                    None => Routed::Now(Vec::new()),
                }
            }
            // The air reaches every other board that runs; each keeps what is for it.
            SimEvent::Radio { espnow_to, packet } => Routed::Later(
                (0..self.boards)
                    .filter(|&k| k != i && !ended(k))
                    .map(|k| {
                        (
                            k,
                            SimCommand::Radio {
                                espnow_to: espnow_to.clone(),
                                packet: packet.clone(),
                            },
                        )
                    })
                    .collect(),
            ),
            other => Routed::Own(other),
        }
    }
}

/// Starts a board for a circuit and a thread that passes its events on as `(i, wrap(event))`
/// until its run ends.
pub(crate) fn start_board<M: Send + 'static>(
    i: usize,
    config: SimConfig,
    tx: crossbeam_channel::Sender<(usize, M)>,
    wrap: fn(SimEvent) -> M,
) -> Result<mpsim_host::BoardProcess> {
    let handle = mpsim_host::spawn(config)?;
    let events = handle.events.clone();
    std::thread::Builder::new()
        .name(format!("board-{i}"))
        .spawn(move || {
            while let Ok(e) = events.recv() {
                let end = matches!(e, SimEvent::Finished(_));
                if tx.send((i, wrap(e))).is_err() || end {
                    break;
                }
            }
        })?;
    Ok(handle)
}

/// Runs every board of `wiring` (read from `file`) until all end, `run_for` elapses or
/// `timeout` passes; returns the exit code.
pub fn run(
    wiring: &Wiring,
    file: &Path,
    run_for: Option<Duration>,
    timeout: Option<Duration>,
    controls: &[(Duration, SimCommand)],
    virtual_time: bool,
) -> Result<i32> {
    let base = file.parent().unwrap_or(Path::new("."));
    let mut specs = Vec::new();
    for b in &wiring.board {
        specs.push(crate::cli::board(&b.kind).with_context(|| format!("board {}", b.id))?);
    }
    let ids: Vec<&str> = wiring.board.iter().map(|b| b.id.as_str()).collect();
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            bail!("{}: two boards are called {id:?}", file.display());
        }
    }
    let (routes, exports) = routes(wiring, &specs)?;
    let circuits: Vec<mpsim_board_models::CircuitSpec> = wiring
        .board
        .iter()
        .zip(&specs)
        .map(|(b, s)| wiring.circuit_of(&b.id, s))
        .collect();
    for (_, c) in controls {
        if let SimCommand::SetControl { part, .. } = c
            && !circuits
                .iter()
                .any(|k| k.parts.iter().any(|p| &p.id == part))
        {
            bail!("--control {part}: no board of the circuit has such a part");
        }
    }
    let empty = tempfile::tempdir()?;
    let mut keep = Vec::new();
    let (tx, rx) = crossbeam_channel::unbounded::<(usize, SimEvent)>();
    let mut senders = Vec::new();
    let mut handles = Vec::new();
    for (i, b) in wiring.board.iter().enumerate() {
        let spec = specs[i].clone();
        let folder =
            b.fs.as_ref()
                .map_or(empty.path().to_owned(), |f| base.join(f));
        let (tmp, image) = crate::flash::image_from_folder(&spec, &folder)?;
        keep.push(tmp);
        let flash = crate::cli::mount(&spec, Some(&image), false)?;
        let program = match &b.main {
            Some(m) => {
                let path = base.join(m);
                let source = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                Some(Program {
                    name: "main.py".into(),
                    source,
                })
            }
            None => None,
        };
        let circuit = circuits[i].clone();
        for n in &circuit.notes {
            eprintln!("mpsim: wiring ({}): {n}", b.id);
        }
        // `--control` goes to the board whose circuit has the part.
        let stimuli: Vec<(Duration, SimCommand)> = controls
            .iter()
            .filter(|(_, c)| {
                matches!(c, SimCommand::SetControl { part, .. }
                    if circuit.parts.iter().any(|p| &p.id == part))
            })
            .cloned()
            .collect();
        let config = SimConfig {
            program,
            circuit,
            run_for,
            timeout,
            repl: false,
            export_pins: exports[i].clone(),
            stimuli,
            time_mode: if virtual_time {
                mpsim_sim_core::TimeMode::Virtual
            } else {
                mpsim_sim_core::TimeMode::Real
            },
            lockstep: virtual_time,
            ..SimConfig::console_board(spec, flash)
        };
        let handle = start_board(i, config, tx.clone(), |e| e)
            .with_context(|| format!("cannot start board {}", b.id))?;
        senders.push(handle.sender());
        handles.push(handle);
    }
    drop(tx);
    {
        let senders = senders.clone();
        let _ = ctrlc::set_handler(move || {
            for s in &senders {
                s.send(SimCommand::Interrupt);
            }
        });
    }
    let mut out = std::io::stdout().lock();
    let mut lines: Vec<Vec<u8>> = vec![Vec::new(); specs.len()];
    let mut left = specs.len();
    let mut code = crate::cli::EXIT_OK;
    // Lockstep: the horizon granted, which boards reached it (or ended), and what the boards did
    // for each other meanwhile (delivered at the horizon).
    let mut horizon = 0u64;
    let mut reached = vec![false; specs.len()];
    // When each board next acts on its own (lockstep): quiet stretches are skipped at once.
    let mut next = vec![0u64; specs.len()];
    let mut ended = vec![false; specs.len()];
    let mut held: Vec<(usize, SimCommand)> = Vec::new();
    // Lockstep: the lines the boards printed during a quantum, printed board by board at its end
    // (the same order on every run).
    let mut printed: Vec<(usize, String)> = Vec::new();
    let mut links = Links::new(routes, specs.len());
    while left > 0 {
        if virtual_time && (0..specs.len()).all(|k| reached[k] || ended[k]) {
            printed.sort_by_key(|(k, _)| *k);
            for (k, line) in printed.drain(..) {
                let _ = writeln!(out, "[{}] {line}", ids[k]);
            }
            let _ = out.flush();
            // With nothing delivered, no board acts before the earliest of their own next
            // actions: time jumps there (a quantum at least).
            let quiet = held.is_empty();
            for (to, cmd) in held.drain(..) {
                senders[to].send(cmd);
            }
            let earliest = (0..specs.len())
                .filter(|&k| !ended[k])
                .map(|k| next[k])
                .min()
                .unwrap_or(horizon);
            horizon = if quiet {
                (horizon + QUANTUM_US).max(earliest)
            } else {
                horizon + QUANTUM_US
            };
            for k in 0..specs.len() {
                reached[k] = false;
                if !ended[k] {
                    senders[k].send(SimCommand::Horizon(horizon));
                }
            }
        }
        let Ok((i, e)) = rx.recv() else { break };
        let e = match links.route(i, e, |k| ended[k]) {
            Routed::Now(cmds) => {
                for (to, cmd) in cmds {
                    senders[to].send(cmd);
                }
                continue;
            }
            Routed::Later(cmds) => {
                for (to, cmd) in cmds {
                    if virtual_time {
                        held.push((to, cmd));
                    } else {
                        senders[to].send(cmd);
                    }
                }
                continue;
            }
            Routed::Own(e) => e,
        };
        match e {
            SimEvent::AtHorizon(t, n) => {
                if t >= horizon {
                    reached[i] = true;
                    next[i] = n;
                }
            }
            SimEvent::Output(bytes) => {
                for b in bytes {
                    if b == b'\n' {
                        let line = std::mem::take(&mut lines[i]);
                        let line = String::from_utf8_lossy(&line).into_owned();
                        if virtual_time {
                            printed.push((i, line));
                        } else {
                            let _ = writeln!(out, "[{}] {line}", ids[i]);
                        }
                    } else if b != b'\r' {
                        lines[i].push(b);
                    }
                }
                let _ = out.flush();
            }
            // A UART wired to nothing, and what the router had no use for.
            SimEvent::UartOut { .. }
            | SimEvent::PinDrive { .. }
            | SimEvent::I2cRequest { .. }
            | SimEvent::I2cServed { .. }
            | SimEvent::Radio { .. }
            | SimEvent::Snapshot(_) => {}
            SimEvent::Finished(o) => {
                left -= 1;
                ended[i] = true;
                if !lines[i].is_empty() {
                    let line = std::mem::take(&mut lines[i]);
                    printed.push((i, String::from_utf8_lossy(&line).into_owned()));
                }
                // A board that ended: what it printed goes out now.
                printed.sort_by_key(|(k, _)| *k);
                for (k, line) in printed.drain(..) {
                    let _ = writeln!(out, "[{}] {line}", ids[k]);
                }
                let c = match o.reason {
                    EndReason::Finished
                    | EndReason::Stopped
                    | EndReason::Expected
                    | EndReason::ForElapsed => crate::cli::EXIT_OK,
                    EndReason::Timeout => {
                        eprintln!("mpsim: board {}: timeout", ids[i]);
                        crate::cli::EXIT_TIMEOUT
                    }
                    other => {
                        eprintln!("mpsim: board {}: {other:?}", ids[i]);
                        crate::cli::EXIT_FAIL
                    }
                };
                code = code.max(c);
            }
        }
    }
    drop(out);
    for h in handles {
        h.detach();
    }
    drop(keep);
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uart_and_gpio_wires_between_boards_become_routes() {
        let w = Wiring::parse(
            "w.toml",
            "[[board]]\nid = \"a\"\ntype = \"pico\"\n[[board]]\nid = \"b\"\ntype = \"esp32\"\n\
             [[wire]]\nfrom = \"a:GP4\"\nto = \"b:16\"\n\
             [[wire]]\nfrom = \"a:GP14\"\nto = \"b:27\"\n",
        )
        .unwrap();
        let specs = vec![
            crate::cli::board("pico").unwrap(),
            crate::cli::board("esp32").unwrap(),
        ];
        let (routes, exports) = routes(&w, &specs).unwrap();
        // The Pico's UART1 TX (GP4) into the ESP32's UART2 RX (16).
        assert!(
            routes.contains(&Route::Uart {
                from: 0,
                uart: 1,
                to: 1,
                into: 2
            }),
            "{routes:?}"
        );
        assert!(routes.contains(&Route::Pin {
            from: 0,
            gpio: 14,
            to: 1,
            pin: 27
        }));
        assert_eq!(exports, vec![vec![14], vec![27]]);
    }
}
