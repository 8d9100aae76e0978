//! One running board as the window sees it: the `sim` thread, its live view, its console (shared
//! with the virtual serial port) and the commands the controls send.

use mpsim_board_models::{BoardSpec, LiveBoard, WiredLed};
use mpsim_host::BoardSender as CommandSender;
use mpsim_host::pty::Pty;
use mpsim_sim_core::{EndReason, FlashSetup, Program, SimCommand, SimConfig, SimEvent};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Console output the terminal has not taken yet is capped; the oldest goes first (a window
/// that is not drawn for a long time must not grow).
const CONSOLE_CAP: usize = 1 << 20;

/// Everything needed to start a board for the window.
pub struct BoardSetup {
    /// The board.
    pub spec: BoardSpec,
    /// Its flash image (checked or created by the caller).
    pub flash: FlashSetup,
    /// The main program instead of the flash's main.py (the default example).
    pub program: Option<Program>,
    /// LEDs wired to the board.
    pub extra_leds: Vec<WiredLed>,
    /// Chips wired to its I2C buses.
    pub circuit: mpsim_board_models::CircuitSpec,
    /// Where the virtual serial port appears (`None`: no port).
    pub tty: Option<PathBuf>,
    /// Where the console is also served over TCP (RFC 2217 and raw; `None`: not).
    pub tcp: Option<std::net::SocketAddr>,
    /// The board's network: policy, port mapping, access points.
    pub net: mpsim_sim_core::NetConfig,
}

type Waker = Arc<Mutex<Option<Box<dyn Fn() + Send + Sync>>>>;

/// A running board.
pub struct Session {
    /// The board's data.
    pub spec: BoardSpec,
    /// Its pins and LEDs, published by the `sim` thread.
    pub live: Arc<LiveBoard>,
    /// Its flash image.
    pub flash: PathBuf,
    /// The serial port's stable name and its `/dev/pts/N`, when there is one.
    pub tty: Option<(PathBuf, String)>,
    /// Where the console is served over TCP, when it is.
    pub tcp: Option<std::net::SocketAddr>,
    /// The access points the board was started with (the Wi-Fi pane changes them).
    pub access_points: Vec<mpsim_sim_core::AccessPoint>,
    /// Where the circuit's diagram draws the board, to place its parts around it.
    pub board_at: Option<(f32, f32)>,
    sender: CommandSender,
    console: Arc<Mutex<Vec<u8>>>,
    ended: Arc<Mutex<Option<String>>>,
    waker: Waker,
    forwarder: Option<std::thread::JoinHandle<()>>,
}

impl Session {
    /// Starts the board: boot.py, then the program (or main.py), then the REPL on the console.
    pub fn start(setup: BoardSetup) -> Result<Session, String> {
        let live = Arc::new(LiveBoard::new());
        let flash = setup.flash.path.clone();
        let mut pty = match &setup.tty {
            Some(path) => Some(Pty::open(path).map_err(|e| e.to_string())?),
            None => None,
        };
        let access_points = setup.net.access_points.clone();
        let board_at = setup.circuit.board_at;
        let config = SimConfig {
            program: setup.program,
            extra_leds: setup.extra_leds,
            circuit: setup.circuit,
            live: Some(live.clone()),
            net: setup.net,
            ..SimConfig::console_board(setup.spec.clone(), setup.flash)
        };
        let handle = mpsim_host::spawn(config).map_err(|e| e.to_string())?;
        let sender = handle.sender();
        let tty = match pty.as_mut() {
            Some(p) => {
                p.spawn_reader(sender.clone()).map_err(|e| e.to_string())?;
                Some((p.link().to_owned(), p.device()))
            }
            None => None,
        };
        let tcp_server = match setup.tcp {
            Some(addr) => Some(
                mpsim_host::tcpserial::TcpSerial::start(addr, sender.clone())
                    .map_err(|e| format!("cannot listen on {addr}: {e}"))?,
            ),
            None => None,
        };
        let tcp = tcp_server
            .as_ref()
            .map(mpsim_host::tcpserial::TcpSerial::addr);
        let console = Arc::new(Mutex::new(Vec::new()));
        let ended = Arc::new(Mutex::new(None));
        let waker: Waker = Arc::new(Mutex::new(None));
        let forwarder = {
            let console = console.clone();
            let ended = ended.clone();
            let waker = waker.clone();
            std::thread::Builder::new()
                .name("gui-console".into())
                .spawn(move || {
                    let wake = || {
                        if let Ok(w) = waker.lock()
                            && let Some(f) = w.as_ref()
                        {
                            f();
                        }
                    };
                    loop {
                        match handle.events.recv() {
                            Ok(SimEvent::Output(bytes)) => {
                                if let Some(p) = pty.as_mut() {
                                    p.write(&bytes);
                                }
                                if let Some(t) = &tcp_server {
                                    t.write(&bytes);
                                }
                                if let Ok(mut c) = console.lock() {
                                    c.extend_from_slice(&bytes);
                                    let over = c.len().saturating_sub(CONSOLE_CAP);
                                    c.drain(..over);
                                }
                                wake();
                            }
                            Ok(SimEvent::UartOut { .. }) => {}
                            Ok(SimEvent::Finished(o)) => {
                                let why = match o.reason {
                                    EndReason::Crashed(m) => format!("the simulator failed: {m}"),
                                    EndReason::BoardDied(m) => {
                                        format!("the board process died: {m}")
                                    }
                                    _ => "the board stopped".to_owned(),
                                };
                                if let Ok(mut e) = ended.lock() {
                                    *e = Some(why);
                                }
                                wake();
                                break;
                            }
                            // A board's links to other boards (pins, lockstep, I2C): src/multi.rs's, none here.
                            Ok(_) => {}
                            Err(_) => break,
                        }
                    }
                    handle.join();
                    drop(pty);
                    drop(tcp_server);
                })
                .map_err(|e| e.to_string())?
        };
        Ok(Session {
            spec: setup.spec,
            access_points,
            board_at,
            live,
            flash,
            tty,
            tcp,
            sender,
            console,
            ended,
            waker,
            forwarder: Some(forwarder),
        })
    }

    /// Called whenever there is something new to show (from other threads).
    pub fn set_waker(&self, f: impl Fn() + Send + Sync + Clone + 'static) {
        self.live.set_waker(f.clone());
        if let Ok(mut w) = self.waker.lock() {
            *w = Some(Box::new(f));
        }
    }

    /// The pid of the board's process now (0 while it restarts after a crash).
    pub fn board_pid(&self) -> u32 {
        self.sender.pid()
    }

    /// Sends a command to the board; false once it has stopped.
    pub fn send(&self, cmd: SimCommand) -> bool {
        self.sender.send(cmd)
    }

    /// Works on the board's flash (through the `sim` thread, which has it mounted); gives up
    /// after a second if the board does not take the request (it is busy in one long operation).
    pub fn fs(&self, req: mpsim_sim_core::FsRequest) -> Result<mpsim_sim_core::FsAnswer, String> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        if !self.send(SimCommand::Fs(req, mpsim_sim_core::FsReply(tx))) {
            return Err("the board is not running".into());
        }
        rx.recv_timeout(std::time::Duration::from_secs(1))
            .map_err(|_| "the board did not answer (busy?); try again".to_owned())
    }

    /// Console output since the last call.
    pub fn take_output(&self) -> Vec<u8> {
        self.console
            .lock()
            .map(|mut c| std::mem::take(&mut *c))
            .unwrap_or_default()
    }

    /// Why the board is no longer running, if it is not.
    pub fn ended(&self) -> Option<String> {
        self.ended.lock().ok().and_then(|e| e.clone())
    }

    /// Stops the board and waits for it (and its serial port) to go away (a board that does not
    /// stop is killed after a grace: see `host::supervisor`).
    pub fn stop(&mut self) {
        self.sender.send(SimCommand::Stop);
        if let Some(t) = self.forwarder.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop();
    }
}
