//! `mpsim`: a MicroPython board on your desktop. This file is the command line and the wiring only.

mod cli;
mod flash;

use mpsim_sim_core::CountingAlloc;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn main() {
    std::process::exit(cli::main());
}
