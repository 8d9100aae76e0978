//! `mpsim`: a MicroPython board on your desktop. This file is the command line and the wiring only.

mod cli;
mod flash;
mod multi;
mod project;
mod rig;
mod scenario;

use mpsim_sim_core::CountingAlloc;

// sim-core builds without debug assertions in every profile, so the check is made here.
#[cfg(all(feature = "sandbox-probe", not(debug_assertions)))]
compile_error!(
    "the sandbox probe (feature sandbox-probe) is for tests: never build it into a release"
);

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn main() {
    // A board process, started by a front end of this binary (see sim-core/src/wire.rs).
    if std::env::args_os().nth(1).as_deref() == Some(mpsim_sim_core::wire::BOARD_MODE_ARG.as_ref())
    {
        std::process::exit(mpsim_sim_core::boardproc::main());
    }
    std::process::exit(cli::main());
}
