//! The protocol between a front end and a board process (`mpsim __board`).
//!
//! A front end (`run`, `serve`, `repl`, the window) starts the board as a child process of the
//! same binary and talks to it over the child's stdin and stdout: frames of a little-endian `u32`
//! length and a postcard-encoded message. The child says [`FromBoard::Hello`] as soon as it
//! runs (its interpreter is being built meanwhile), the front end sends [`ToBoard::Start`] with
//! the board's configuration, then commands; the child sends events, the live view (coalesced as
//! in-process: one message per publication), trace changes and the answers to flash requests.
//! Both sides check [`VERSION`]; a child of another version is refused, not misread.

use crate::api::{
    FlashSetup, FsAnswer, FsRequest, NetConfig, Program, SimCommand, SimConfig, SimEvent,
    WebReplRequest,
};
use crate::clock::TimeMode;
use mpsim_board_models::{
    BoardSpec, Change, ChangeSink, Edge, LiveBoard, Snapshot, TraceHeader, WiredLed,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::Duration;

/// The protocol's version; both sides must agree.
pub const VERSION: u32 = 2;

/// The first argument that makes `mpsim` a board process.
pub const BOARD_MODE_ARG: &str = "__board";

/// No message is larger (a flash file of the window's editor is the largest thing sent).
pub const MAX_FRAME: usize = 64 << 20;

/// A board's configuration as it crosses to the board process: [`SimConfig`] without what
/// cannot cross (the trace sink and the live view stay with the front end; the board process
/// forwards what they would receive).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BoardConfig {
    /// The board's data (a front end may have changed the stock data: the window's tests do).
    pub board: BoardSpec,
    /// Its silk-screen pin names (not part of the board's serialised data).
    pub pin_names: Vec<(String, String)>,
    pub time_mode: TimeMode,
    pub program: Option<Program>,
    pub flash: Option<FlashSetup>,
    pub extra_leds: Vec<WiredLed>,
    pub circuit: mpsim_board_models::CircuitSpec,
    pub heap_size: Option<u64>,
    pub run_for: Option<Duration>,
    pub timeout: Option<Duration>,
    /// Wait for the front end's verdict on console output (it watches for `--expect` texts).
    pub judge_output: bool,
    /// Forward every pin and LED change (the front end writes the trace).
    pub trace: bool,
    pub argv: Vec<String>,
    pub repl: bool,
    pub stimuli: Vec<(Duration, SimCommand)>,
    /// Forward the live view's publications.
    pub live: bool,
    pub net: NetConfig,
    pub export_pins: Vec<u32>,
    pub lockstep: bool,
}

/// What stays with the front end when a [`SimConfig`] crosses.
pub struct Local {
    /// The trace's sink.
    pub trace: Option<Box<dyn ChangeSink + Send>>,
    /// The live view the front end reads.
    pub live: Option<Arc<LiveBoard>>,
    /// The texts the front end watches for (`--expect`, `--fail-on`).
    pub expect: Vec<String>,
    pub fail_on: Vec<String>,
}

impl BoardConfig {
    /// Splits a configuration into what crosses and what stays.
    pub fn split(c: SimConfig) -> (BoardConfig, Local) {
        let judge_output = c.judge_output || !c.expect.is_empty() || !c.fail_on.is_empty();
        let local = Local {
            trace: c.trace,
            live: c.live,
            expect: c.expect,
            fail_on: c.fail_on,
        };
        let config = BoardConfig {
            pin_names: c.board.pin_names.clone(),
            board: c.board,
            time_mode: c.time_mode,
            program: c.program,
            flash: c.flash,
            extra_leds: c.extra_leds,
            circuit: c.circuit,
            heap_size: c.heap_size,
            run_for: c.run_for,
            timeout: c.timeout,
            judge_output,
            trace: local.trace.is_some(),
            argv: c.argv,
            repl: c.repl,
            stimuli: c.stimuli,
            live: local.live.is_some(),
            net: c.net,
            export_pins: c.export_pins,
            lockstep: c.lockstep,
        };
        (config, local)
    }

    /// The configuration on the board process's side.
    pub fn join(self, local: Local) -> SimConfig {
        let mut board = self.board;
        board.pin_names = self.pin_names;
        SimConfig {
            board,
            time_mode: self.time_mode,
            program: self.program,
            flash: self.flash,
            extra_leds: self.extra_leds,
            circuit: self.circuit,
            heap_size: self.heap_size,
            run_for: self.run_for,
            timeout: self.timeout,
            expect: local.expect,
            fail_on: local.fail_on,
            judge_output: self.judge_output,
            trace: local.trace,
            argv: self.argv,
            repl: self.repl,
            stimuli: self.stimuli,
            live: local.live,
            net: self.net,
            export_pins: self.export_pins,
            lockstep: self.lockstep,
        }
    }
}

/// Front end → board process.
#[derive(Debug, Serialize, Deserialize)]
pub enum ToBoard {
    /// Run this board (once, first).
    Start {
        version: u32,
        config: Box<BoardConfig>,
    },
    /// A command for the board (never [`SimCommand::Fs`]: that is [`ToBoard::Fs`]).
    Command(SimCommand),
    /// Work on the flash; the answer comes back as [`FromBoard::Fs`] with the same id.
    Fs { id: u64, request: FsRequest },
}

/// Board process → front end.
#[derive(Debug, Serialize, Deserialize)]
pub enum FromBoard {
    /// The process runs (sent before its interpreter is ready).
    Hello { version: u32, pid: u32 },
    /// It cannot run the board it was given (unknown board, another protocol version).
    Refused(String),
    /// Console output, a UART's output, the end of the run.
    Event(SimEvent),
    /// A publication of the live view.
    Live {
        snapshot: Snapshot,
        edges: Vec<Edge>,
    },
    /// Simulated time moved (µs), without a publication.
    Time(u64),
    /// The speaker's tone (Hz) and volume.
    Sound(Option<u32>, u8),
    /// The trace starts from this state.
    TraceStart(TraceHeader),
    /// A pin or LED changed at this simulated time.
    Trace(u64, Change),
    /// The trace ends at this simulated time.
    TraceEnd(u64),
    /// The answer to [`ToBoard::Fs`].
    Fs { id: u64, answer: FsAnswer },
    /// Start or stop the board's WebREPL server (it runs on the front end's side).
    WebRepl(WebReplRequest),
    /// Terminal output for the WebREPL's client.
    WebReplOut(Vec<u8>),
    /// The board waits for a verdict on its console output so far (see [`crate::Verdict`]),
    /// which came in writes of these lengths since the last verdict.
    Judge(Vec<u32>),
}

/// Writes one frame (not flushed).
pub fn write_frame<W: Write, T: Serialize>(w: &mut W, msg: &T) -> io::Result<()> {
    let bytes = postcard::to_allocvec(msg).map_err(io::Error::other)?;
    let len = u32::try_from(bytes.len())
        .ok()
        .filter(|&n| (n as usize) <= MAX_FRAME)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "frame too large"))?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(&bytes)
}

/// Reads one frame; `None` at the end of the stream between two frames.
pub fn read_frame<R: Read, T: DeserializeOwned>(r: &mut R) -> io::Result<Option<T>> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "frame too large",
        ));
    }
    let mut buf = vec![0u8; len];
    r.read_exact(&mut buf)?;
    postcard::from_bytes(&buf)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command a front end sends arrives as itself (serde numbers the variants after a
    /// skipped one differently when it reads them: a `Snapshot` once arrived as `Stop`).
    #[test]
    fn every_command_crosses_as_itself() {
        for cmd in [
            SimCommand::Interrupt,
            SimCommand::Horizon(7),
            SimCommand::Reset { hard: true },
            SimCommand::Snapshot,
            SimCommand::Stop,
        ] {
            let mut buf = Vec::new();
            write_frame(&mut buf, &ToBoard::Command(cmd.clone())).unwrap();
            match read_frame::<_, ToBoard>(&mut &buf[..]).unwrap() {
                Some(ToBoard::Command(c)) => assert_eq!(c, cmd),
                other => panic!("{cmd:?} arrived as {other:?}"),
            }
        }
    }

    #[test]
    fn frames_round_trip_and_bad_frames_are_errors() {
        let mut buf = Vec::new();
        write_frame(
            &mut buf,
            &ToBoard::Command(SimCommand::SerialIn(b"\x03ab".to_vec())),
        )
        .unwrap();
        write_frame(
            &mut buf,
            &ToBoard::Fs {
                id: 7,
                request: FsRequest::Read("/boot.py".into()),
            },
        )
        .unwrap();
        let mut r = &buf[..];
        match read_frame::<_, ToBoard>(&mut r).unwrap() {
            Some(ToBoard::Command(SimCommand::SerialIn(b))) => assert_eq!(b, b"\x03ab"),
            other => panic!("{other:?}"),
        }
        match read_frame::<_, ToBoard>(&mut r).unwrap() {
            Some(ToBoard::Fs {
                id: 7,
                request: FsRequest::Read(p),
            }) => assert_eq!(p, "/boot.py"),
            other => panic!("{other:?}"),
        }
        assert!(read_frame::<_, ToBoard>(&mut r).unwrap().is_none());
        // A frame cut short, a length beyond the limit, bytes that are no message.
        assert!(read_frame::<_, ToBoard>(&mut &buf[..6]).is_err());
        assert!(read_frame::<_, ToBoard>(&mut &[0xff, 0xff, 0xff, 0xff][..]).is_err());
        assert!(read_frame::<_, ToBoard>(&mut &[2, 0, 0, 0, 0xee, 0xee][..]).is_err());
    }
}
