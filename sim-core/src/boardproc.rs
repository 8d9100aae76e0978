//! The board process: `mpsim __board`, started by a front end (see `wire.rs` for the protocol).
//!
//! It builds its interpreter at once, takes its configuration, restricts itself (the OS sandbox,
//! `sandbox.rs`) and runs the board as in-process front ends did: the `sim` thread, with this
//! process's main thread relaying its events and a reader thread feeding it commands. When the
//! front end goes away (its end of the pipe closes), the board stops.

use crate::api::{BoardEvent, FsReply, SimCommand, SimEvent};
use crate::wire::{self, BoardConfig, FromBoard, Local, ToBoard, VERSION};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};
use mpsim_board_models::{Change, ChangeSink, LiveBoard, TraceHeader};
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::sync::Arc;
use std::time::Duration;

/// Messages to the front end, written by one thread in batches.
#[derive(Clone)]
struct Out(Sender<FromBoard>);

impl Out {
    fn send(&self, msg: FromBoard) {
        let _ = self.0.send(msg);
    }
}

/// The last message a board process sends.
fn is_last(msg: &FromBoard) -> bool {
    matches!(
        msg,
        FromBoard::Refused(_) | FromBoard::Event(SimEvent::Finished(_))
    )
}

/// The writer has sent the last message (or lost the front end).
static WRITER_DONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes what the other threads send, in batches, until the last message is out.
fn writer(file: File, rx: Receiver<FromBoard>) {
    write_all(file, rx);
    WRITER_DONE.store(true, std::sync::atomic::Ordering::Release);
}

fn write_all(file: File, rx: Receiver<FromBoard>) {
    let mut w = BufWriter::with_capacity(64 << 10, file);
    while let Ok(msg) = rx.recv() {
        let mut last = is_last(&msg);
        let mut ok = wire::write_frame(&mut w, &msg).is_ok();
        while ok
            && !last
            && let Ok(more) = rx.try_recv()
        {
            last = is_last(&more);
            ok = wire::write_frame(&mut w, &more).is_ok();
        }
        // A write error: the front end is gone, nothing to tell any more.
        if !ok || w.flush().is_err() || last {
            return;
        }
    }
}

/// The trace's changes, forwarded to the front end that writes the file.
struct RemoteTrace(Out);

impl ChangeSink for RemoteTrace {
    fn start(&mut self, header: &TraceHeader) {
        self.0.send(FromBoard::TraceStart(header.clone()));
    }
    fn change(&mut self, time_us: u64, change: Change) {
        self.0.send(FromBoard::Trace(time_us, change));
    }
    fn finish(&mut self, time_us: u64) {
        self.0.send(FromBoard::TraceEnd(time_us));
    }
}

/// Forwards each publication of the live view (already coalesced to one per 20 ms), and the
/// clock and the speaker, which move without one.
fn forward_live(live: &Arc<LiveBoard>, out: Out) {
    let (wake_tx, wake_rx) = bounded::<()>(1);
    live.set_waker(move || {
        let _ = wake_tx.try_send(());
    });
    let live = live.clone();
    let _ = std::thread::Builder::new()
        .name("board-live".into())
        .spawn(move || forward(live, out, wake_rx));
}

fn forward(live: Arc<LiveBoard>, out: Out, wake_rx: Receiver<()>) {
    let mut time = u64::MAX;
    let mut sound = (None, 0);
    loop {
        match wake_rx.recv_timeout(Duration::from_millis(50)) {
            Ok(()) => out.send(FromBoard::Live {
                snapshot: live.snapshot(),
                edges: live.drain_history(),
            }),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        let t = live.time_us();
        if t != time {
            time = t;
            out.send(FromBoard::Time(t));
        }
        let s = live.sound();
        if s != sound {
            sound = s;
            out.send(FromBoard::Sound(s.0, s.1));
        }
    }
}

/// The protocol's descriptors: stdin as given, and a private copy of stdout, whose descriptor
/// then points at stderr, so that nothing printing to stdout can corrupt a frame.
#[allow(unsafe_code)] // dup(2)/dup2(2) on the process's own standard descriptors.
fn protocol_files() -> std::io::Result<(File, File)> {
    use std::os::fd::FromRawFd;
    // SAFETY: dup returns a new descriptor this process owns (or -1, checked); dup2 replaces
    // descriptor 1 (still open as the copy) with descriptor 2; both are plain system calls.
    unsafe {
        let out = libc::dup(1);
        if out < 0 || libc::dup2(2, 1) < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let input = libc::dup(0);
        if input < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok((File::from_raw_fd(input), File::from_raw_fd(out)))
    }
}

/// Says why the board cannot run, and ends.
fn refuse(out: &Out, writer: std::thread::JoinHandle<()>, why: String) -> i32 {
    out.send(FromBoard::Refused(why));
    let _ = writer.join();
    2
}

/// Ends this process when the front end that started it ends, however it ends (a front end
/// killed with SIGKILL cannot stop its board). What a terminal or a service manager sends the
/// whole process group (Ctrl-C, Ctrl-\\, SIGTERM, SIGHUP) is the front end's to handle — Ctrl-C
/// becomes the board's KeyboardInterrupt, the others end the front end and so the board — so
/// this process ignores them.
#[allow(unsafe_code)] // prctl(2) and signal(2) with integer arguments only.
fn die_with_front_end() {
    let parent = std::os::unix::process::parent_id();
    // SAFETY: PR_SET_PDEATHSIG takes a signal number and SIG_IGN is a disposition constant; no
    // memory is passed.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        for sig in [libc::SIGINT, libc::SIGQUIT, libc::SIGTERM, libc::SIGHUP] {
            libc::signal(sig, libc::SIG_IGN);
        }
    }
    // It may have ended already, before the request was made.
    if std::os::unix::process::parent_id() != parent || parent == 1 {
        std::process::exit(0);
    }
}

/// The `sim` thread is stuck in one native operation past a deadline (see [`crate::Stall`]):
/// the board says what it printed and ends — a `--timeout` as a timeout, an unanswered Ctrl-C or
/// stop as a board that died, which its supervisor reports and restarts, as a watchdog resets a
/// hung chip. Ending the process is the only way to be rid of a thread that will not return.
fn stalled(out: &Out, stall: crate::Stall) {
    let (output, last) = match stall {
        crate::Stall::Timeout {
            output,
            sim_time_us,
        } => (
            output,
            Some(FromBoard::Event(SimEvent::Finished(crate::RunOutcome {
                reason: crate::EndReason::Timeout,
                missing: Vec::new(),
                sim_time_us,
            }))),
        ),
        crate::Stall::Unanswered { output } => (output, None),
    };
    if !output.is_empty() {
        out.send(FromBoard::Event(SimEvent::Output(output)));
    }
    let ended = last.is_some();
    if let Some(msg) = last {
        out.send(msg);
    }
    // The writer sends what is queued: after the end of the run it stops by itself; otherwise
    // give it the moment a pipe write takes once the queue is empty.
    let t = std::time::Instant::now();
    let done = || {
        if ended {
            WRITER_DONE.load(std::sync::atomic::Ordering::Acquire)
        } else {
            out.0.is_empty()
        }
    };
    while !done() && t.elapsed() < Duration::from_secs(1) {
        std::thread::sleep(Duration::from_millis(1));
    }
    if ended {
        std::process::exit(0);
    }
    std::thread::sleep(Duration::from_millis(20));
    eprintln!(
        "mpsim board: Ctrl-C went unanswered for {} s: one native operation held the board",
        crate::sim::UNANSWERED.as_secs()
    );
    std::process::exit(1)
}

/// Runs the board process; returns its exit code.
pub fn main() -> i32 {
    die_with_front_end();
    crate::sim::prewarm();
    // The flash's lock names the front end: stopping it is what frees the image.
    mpsim_vfs::set_lock_owner(std::os::unix::process::parent_id());
    let (input, output) = match protocol_files() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("mpsim board: cannot set up its pipes: {e}");
            return 2;
        }
    };
    let (out_tx, out_rx) = bounded::<FromBoard>(8192);
    let out = Out(out_tx);
    let Ok(writer) = std::thread::Builder::new()
        .name("board-out".into())
        .spawn(move || writer(output, out_rx))
    else {
        return 2;
    };
    out.send(FromBoard::Hello {
        version: VERSION,
        pid: std::process::id(),
    });
    let mut input = BufReader::new(input);
    let config: BoardConfig = match wire::read_frame(&mut input) {
        Ok(Some(ToBoard::Start { version, config })) if version == VERSION => *config,
        // The front end left before it needed this board (a prewarmed one).
        Ok(None) => return 0,
        Ok(Some(ToBoard::Start { version, .. })) => {
            return refuse(
                &out,
                writer,
                format!("protocol version {version}, this board speaks {VERSION}"),
            );
        }
        Ok(Some(other)) => return refuse(&out, writer, format!("expected Start, got {other:?}")),
        Err(e) => return refuse(&out, writer, format!("reading its configuration: {e}")),
    };
    if let Err(e) = crate::sandbox::enter(&config) {
        return refuse(&out, writer, format!("cannot enter its sandbox: {e}"));
    }
    let live = config.live.then(|| Arc::new(LiveBoard::new()));
    // Forwarding starts before the board, which publishes as it boots.
    if let Some(live) = &live {
        forward_live(live, out.clone());
    }
    let trace: Option<Box<dyn ChangeSink + Send>> = config
        .trace
        .then(|| Box::new(RemoteTrace(out.clone())) as Box<dyn ChangeSink + Send>);
    let local = Local {
        trace,
        live: live.clone(),
        expect: Vec::new(),
        fail_on: Vec::new(),
    };
    let handle = match crate::sim::spawn(config.join(local)) {
        Ok(h) => h,
        Err(e) => return refuse(&out, writer, e.to_string()),
    };
    {
        let out = out.clone();
        handle.on_stall(move |stall| stalled(&out, stall));
    }
    let sender = handle.sender();
    {
        let out = out.clone();
        let _ = std::thread::Builder::new()
            .name("board-in".into())
            .spawn(move || {
                loop {
                    match wire::read_frame::<_, ToBoard>(&mut input) {
                        Ok(Some(ToBoard::Command(cmd))) => {
                            sender.send(cmd);
                        }
                        Ok(Some(ToBoard::Fs { id, request })) => {
                            let (tx, rx) = bounded(1);
                            sender.send(SimCommand::Fs(request, FsReply(tx)));
                            let out = out.clone();
                            let _ = std::thread::Builder::new().name("board-fs".into()).spawn(
                                move || {
                                    if let Ok(answer) = rx.recv() {
                                        out.send(FromBoard::Fs { id, answer });
                                    }
                                },
                            );
                        }
                        Ok(Some(ToBoard::Start { .. })) => {}
                        // The front end is gone (or speaks nonsense): the board stops.
                        Ok(None) | Err(_) => {
                            sender.send(SimCommand::Stop);
                            return;
                        }
                    }
                }
            });
    }
    while let Ok(ev) = handle.events.recv() {
        let last = matches!(ev, BoardEvent::Sim(SimEvent::Finished(_)));
        out.send(match ev {
            BoardEvent::Sim(ev) => FromBoard::Event(ev),
            BoardEvent::WebRepl(req) => FromBoard::WebRepl(req),
            BoardEvent::WebReplOut(bytes) => FromBoard::WebReplOut(bytes),
            BoardEvent::Judge(w) => FromBoard::Judge(w),
        });
        if last {
            break;
        }
    }
    // The writer ends once the last message is out. The board closed its flash before it said
    // it finished; what is left is the interpreter's teardown, which nobody waits for.
    let _ = writer.join();
    std::process::exit(0)
}
