//! Boards on one simulated clock, driven step by step from this front end (`mpsim test`): each
//! board runs in its own board process in lockstep (`SimConfig::lockstep`), and the rig grants
//! them horizons. Between two steps every board waits at the same simulated instant, so what a
//! scenario reads then (console text, pin levels, a display) is the same on every run. The rig
//! keeps what each board said and showed: its console, its UARTs' output, its pins, LEDs and
//! parts as its trace reports them (the trace reaches the rig before the board says it reached
//! the horizon), and links the boards as `multi.rs`'s routes say.

use crate::multi::{Links, QUANTUM_US, Route, Routed};
use anyhow::{Context, Result, bail};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use mpsim_board_models::{BoardSpec, Change, ChangeSink, CircuitSpec, Snapshot, TraceHeader};
use mpsim_sim_core::{
    FsAnswer, FsReply, FsRequest, NetConfig, RunOutcome, SimCommand, SimConfig, SimEvent, TimeMode,
};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What a board of the rig is made of.
#[derive(Clone)]
pub struct BoardSetup {
    /// Its id in the scenario.
    pub id: String,
    /// The board.
    pub spec: BoardSpec,
    /// Its flash image (a throw-away copy).
    pub image: PathBuf,
    /// The circuit around it.
    pub circuit: CircuitSpec,
    /// LEDs wired to it.
    pub leds: Vec<mpsim_board_models::WiredLed>,
    /// Pins it reports because they lead to another board.
    pub export_pins: Vec<u32>,
    /// Its network.
    pub net: NetConfig,
    /// Where its VCD trace goes, if anywhere.
    pub vcd: Option<PathBuf>,
}

/// What a board said, showed and did, as the rig saw it.
pub struct BoardState {
    /// Its id in the scenario.
    pub id: String,
    /// The board.
    pub spec: BoardSpec,
    /// Everything it printed on its console, `\r` left out.
    pub console: Vec<u8>,
    /// What its other UARTs sent that no other board took, by UART id.
    pub uarts: BTreeMap<u32, Vec<u8>>,
    /// Pin levels now, by GPIO, with the pins' names.
    pub pins: BTreeMap<u32, bool>,
    /// The board data's names for each GPIO.
    pub pin_names: BTreeMap<u32, Vec<String>>,
    /// Rising and falling edges seen so far on each GPIO.
    pub edges: BTreeMap<u32, (u64, u64)>,
    /// LEDs: label, GPIO, brightness.
    pub leds: Vec<(String, u32, f64)>,
    /// The circuit's parts: id, type, what each shows.
    pub parts: Vec<(String, String, String)>,
    /// How its run ended, once it did.
    pub ended: Option<RunOutcome>,
    next: u64,
    reached: bool,
    snapshot: Option<Box<Snapshot>>,
}

impl BoardState {
    /// An LED by its label or by a name of its pin: label, GPIO, brightness.
    pub fn led(&self, name: &str) -> Option<&(String, u32, f64)> {
        let gpio = mpsim_board_models::circuit::netlist::gpio_of(&self.spec, name);
        self.leds
            .iter()
            .find(|l| l.0.eq_ignore_ascii_case(name) || Some(l.1) == gpio)
    }
}

/// What reaches the rig from a board.
enum Msg {
    Event(SimEvent),
    Start(TraceHeader),
    Change(Change),
}

/// A trace that tells the rig (and writes a VCD when asked).
struct RigSink {
    board: usize,
    tx: Sender<(usize, Msg)>,
    vcd: Option<mpsim_board_models::TraceWriter<std::io::BufWriter<std::fs::File>>>,
}

impl ChangeSink for RigSink {
    fn start(&mut self, header: &TraceHeader) {
        if let Some(v) = self.vcd.as_mut() {
            v.start(header);
        }
        let _ = self.tx.send((self.board, Msg::Start(header.clone())));
    }
    fn change(&mut self, time_us: u64, change: Change) {
        if let Some(v) = self.vcd.as_mut() {
            v.change(time_us, change.clone());
        }
        let _ = self.tx.send((self.board, Msg::Change(change)));
    }
    fn finish(&mut self, time_us: u64) {
        if let Some(v) = self.vcd.as_mut() {
            v.finish(time_us);
        }
    }
}

/// Why the rig could not go on.
#[derive(Debug)]
pub enum Stall {
    /// The wall-clock guard passed (the machine is protected from a scenario that never ends):
    /// the boards that had not reached the horizon.
    WallClock(String),
    /// Every board's run ended.
    AllEnded,
}

/// Boards in lockstep on one clock.
pub struct Rig {
    /// The boards, in the scenario's order.
    pub boards: Vec<BoardState>,
    senders: Vec<mpsim_host::BoardSender>,
    handles: Vec<mpsim_host::BoardProcess>,
    rx: Receiver<(usize, Msg)>,
    links: Links,
    horizon: u64,
    held: Vec<(usize, SimCommand)>,
    /// A command went to a board since the last step: it may act sooner than it said.
    poked: bool,
    wall_deadline: Instant,
}

impl Rig {
    /// Starts every board and lets each boot as far as simulated time 0 allows.
    pub fn start(setups: Vec<BoardSetup>, routes: Vec<Route>, wall_limit: Duration) -> Result<Rig> {
        let (tx, rx) = crossbeam_channel::unbounded::<(usize, Msg)>();
        let mut boards = Vec::new();
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        for (i, s) in setups.into_iter().enumerate() {
            let flash = crate::cli::mount(&s.spec, Some(&s.image), false)?;
            let vcd = match &s.vcd {
                Some(path) => {
                    let file = std::fs::File::create(path)
                        .with_context(|| format!("cannot create {}", path.display()))?;
                    Some(mpsim_board_models::TraceWriter::new(
                        std::io::BufWriter::new(file),
                        mpsim_board_models::TraceFormat::Vcd,
                        Default::default(),
                    ))
                }
                None => None,
            };
            let config = SimConfig {
                time_mode: TimeMode::Virtual,
                lockstep: true,
                circuit: s.circuit,
                extra_leds: s.leds,
                export_pins: s.export_pins,
                net: s.net,
                trace: Some(Box::new(RigSink {
                    board: i,
                    tx: tx.clone(),
                    vcd,
                })),
                ..SimConfig::console_board(s.spec.clone(), flash)
            };
            let handle = crate::multi::start_board(i, config, tx.clone(), Msg::Event)
                .with_context(|| format!("cannot start board {}", s.id))?;
            senders.push(handle.sender());
            handles.push(handle);
            boards.push(BoardState {
                id: s.id,
                spec: s.spec,
                console: Vec::new(),
                uarts: BTreeMap::new(),
                pins: BTreeMap::new(),
                pin_names: BTreeMap::new(),
                edges: BTreeMap::new(),
                leds: Vec::new(),
                parts: Vec::new(),
                ended: None,
                next: 0,
                reached: false,
                snapshot: None,
            });
        }
        let n = boards.len();
        let mut rig = Rig {
            boards,
            senders,
            handles,
            rx,
            links: Links::new(routes, n),
            horizon: 0,
            held: Vec::new(),
            poked: false,
            wall_deadline: Instant::now() + wall_limit,
        };
        rig.settle()
            .map_err(|s| anyhow::anyhow!("the boards did not boot ({s:?})"))?;
        Ok(rig)
    }

    /// Simulated time now (µs): every board that runs waits here.
    pub fn now(&self) -> u64 {
        self.horizon
    }

    /// Sends `cmd` to board `i` at the present instant.
    pub fn send(&mut self, i: usize, cmd: SimCommand) {
        self.poked = true;
        self.senders[i].send(cmd);
    }

    /// Moves simulated time on by a quantum, or straight to the earliest instant a board acts
    /// when none has anything to hear, never past `limit`; returns once every board got there.
    pub fn step(&mut self, limit: u64) -> Result<(), Stall> {
        if self.boards.iter().all(|b| b.ended.is_some()) {
            return Err(Stall::AllEnded);
        }
        let quiet = self.held.is_empty() && !self.poked;
        self.poked = false;
        for (to, cmd) in self.held.drain(..) {
            self.senders[to].send(cmd);
        }
        let earliest = self
            .boards
            .iter()
            .filter(|b| b.ended.is_none())
            .map(|b| b.next)
            .min()
            .unwrap_or(self.horizon);
        let mut h = self.horizon + QUANTUM_US;
        if quiet {
            h = h.max(earliest);
        }
        self.horizon = h.min(limit.max(self.horizon + 1));
        for (k, b) in self.boards.iter_mut().enumerate() {
            b.reached = false;
            if b.ended.is_none() {
                self.senders[k].send(SimCommand::Horizon(self.horizon));
            }
        }
        self.settle()
    }

    /// Takes what the boards say until each reached the horizon or ended.
    fn settle(&mut self) -> Result<(), Stall> {
        while !self.boards.iter().all(|b| b.reached || b.ended.is_some()) {
            self.take_one()?;
        }
        Ok(())
    }

    fn take_one(&mut self) -> Result<(), Stall> {
        let (i, msg) = match self.rx.recv_deadline(self.wall_deadline) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => {
                let late: Vec<&str> = self
                    .boards
                    .iter()
                    .filter(|b| !b.reached && b.ended.is_none())
                    .map(|b| b.id.as_str())
                    .collect();
                return Err(Stall::WallClock(late.join(", ")));
            }
            Err(RecvTimeoutError::Disconnected) => return Err(Stall::AllEnded),
        };
        match msg {
            Msg::Start(h) => {
                let b = &mut self.boards[i];
                for (gpio, names, level) in h.pins {
                    b.pins.insert(gpio, level);
                    b.pin_names.insert(gpio, names);
                }
                b.leds = h.leds;
                b.parts = h.parts;
            }
            Msg::Change(c) => {
                let b = &mut self.boards[i];
                match c {
                    Change::Pin(g, level) => {
                        if b.pins.insert(g, level) != Some(level) {
                            let e = b.edges.entry(g).or_default();
                            if level {
                                e.0 += 1;
                            } else {
                                e.1 += 1;
                            }
                        }
                    }
                    Change::Led(k, v) => {
                        if let Some(l) = b.leds.get_mut(k) {
                            l.2 = v;
                        }
                    }
                    Change::Part(k, t) => {
                        if let Some(p) = b.parts.get_mut(k) {
                            p.2 = t;
                        }
                    }
                }
            }
            Msg::Event(e) => self.event(i, e),
        }
        Ok(())
    }

    fn event(&mut self, i: usize, e: SimEvent) {
        let boards = &self.boards;
        let e = match self.links.route(i, e, |k| boards[k].ended.is_some()) {
            Routed::Now(cmds) => {
                for (to, cmd) in cmds {
                    self.senders[to].send(cmd);
                }
                return;
            }
            Routed::Later(cmds) => {
                self.held.extend(cmds);
                return;
            }
            Routed::Own(e) => e,
        };
        match e {
            SimEvent::Output(bytes) => self.boards[i]
                .console
                .extend(bytes.into_iter().filter(|&c| c != b'\r')),
            SimEvent::UartOut { id, bytes } => {
                self.boards[i].uarts.entry(id).or_default().extend(bytes);
            }
            SimEvent::AtHorizon(t, n) => {
                if t >= self.horizon {
                    self.boards[i].reached = true;
                    self.boards[i].next = n;
                }
            }
            SimEvent::Snapshot(s) => self.boards[i].snapshot = Some(s),
            SimEvent::Finished(o) => self.boards[i].ended = Some(o),
            SimEvent::PinDrive { .. }
            | SimEvent::I2cRequest { .. }
            | SimEvent::I2cServed { .. }
            | SimEvent::Radio { .. } => {}
        }
    }

    /// After commands went to the boards at this instant: lets a quantum pass, so what the rig
    /// knows of consoles, pins, LEDs and parts includes their effect. (A board handles a
    /// command at once but reacts to it as its program runs; only at the next horizon is the
    /// reaction complete, the same on every run.)
    pub fn sync(&mut self) -> Result<(), Stall> {
        if self.poked {
            self.step(u64::MAX)?;
        }
        Ok(())
    }

    /// Board `i` as it is now (its displays' pixels, its parts' drawings).
    pub fn snapshot(&mut self, i: usize) -> Result<Box<Snapshot>> {
        if self.boards[i].ended.is_some() {
            bail!("board {} is no longer running", self.boards[i].id);
        }
        self.boards[i].snapshot = None;
        self.senders[i].send(SimCommand::Snapshot);
        loop {
            if let Some(s) = self.boards[i].snapshot.take() {
                return Ok(s);
            }
            if let Some(o) = &self.boards[i].ended {
                bail!(
                    "board {} ended ({:?}) before it showed itself",
                    self.boards[i].id,
                    o.reason
                );
            }
            if let Err(e) = self.take_one() {
                bail!("board {}: {e:?}", self.boards[i].id);
            }
        }
    }

    /// Work on board `i`'s flash, as a tool on its serial line would do it.
    pub fn fs(&mut self, i: usize, req: FsRequest) -> Result<FsAnswer> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        if !self.senders[i].send(SimCommand::Fs(req, FsReply(tx))) {
            bail!("board {} is no longer running", self.boards[i].id);
        }
        match rx.recv_deadline(self.wall_deadline) {
            Ok(a) => Ok(a),
            Err(_) => bail!("board {} did not answer about its flash", self.boards[i].id),
        }
    }

    /// Ends every board's run and waits for them (at most the supervisor's grace each).
    pub fn stop(&mut self) {
        for s in &self.senders {
            s.send(SimCommand::Stop);
        }
        for h in self.handles.drain(..) {
            h.join();
        }
    }
}
