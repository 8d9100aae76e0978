//! The board's brain: the sandboxed interpreter, the MicroPython modules, the clock and the scheduler,
//! all owned by one `sim` thread (see `sim.rs`; its state in `state.rs`, its runtime in
//! `runtime.rs`). Other threads talk to it through commands and events.

mod api;
mod bigint;
pub mod boardproc;
mod chip;
pub mod clock;
mod compile;
mod deflate;
mod errors;
mod float32;
mod floatfmt;
mod grammar;
pub mod heap;
mod heaplock;
mod interp;
mod memguard;
mod methods;
mod native;
mod nesting;
pub mod net;
mod pendthrow;
#[cfg(feature = "sandbox-probe")]
mod probe;
mod quicken;
pub mod radio;
pub mod repl;
mod run;
mod runtime;
mod sandbox;
mod sched;
mod sequences;
pub mod sim;
mod slots;
mod state;
mod tables;
mod terminal;
pub mod wifi;
pub mod wire;

pub use api::{
    EndReason, FlashSetup, FsAnswer, FsReply, FsRequest, I2cTransfer, NetConfig, NetPolicy,
    Program, RunOutcome, SimCommand, SimConfig, SimError, SimEvent, Verdict, WebReplNews,
    WebReplRequest, WebReplSetup, check_config,
};
pub use clock::TimeMode;
pub use heap::CountingAlloc;
pub use sim::{CommandSender, SimHandle, Stall, prewarm, spawn};
pub use wifi::AccessPoint;
