//! Keeps `+`, `-` and `*` on the number slots, where floats are rounded as the board rounds them.
//!
//! rustpython specialises a `BINARY_OP` that has seen two exact floats into an instruction that
//! adds, subtracts or multiplies their f64 values without asking the slots (float32.rs), so
//! `x = x + 0.1` would keep double precision between two prints. A compiled code object is
//! quickened here, before it first runs, the way the interpreter would do it at its first RESUME,
//! except that the adaptive counters of those three operators (and their in-place forms) are set
//! to the value the interpreter itself uses for "never specialise". Every other instruction
//! specialises as usual.
#![allow(unsafe_code)] // One call below, whose only requirement is an in-bounds index.

use rustpython_vm::builtins::PyCode;
use rustpython_vm::bytecode::Instruction;
use std::borrow::Borrow;
use std::sync::atomic::Ordering;

/// `BinaryOperator` values: Add, Multiply, Subtract, InplaceAdd, InplaceMultiply, InplaceSubtract.
const FLOAT_OPS: [u8; 6] = [0, 5, 10, 13, 18, 23];
/// The adaptive counter the interpreter treats as unreachable (`UNREACHABLE_BACKOFF`): every
/// value it counts down to from here stays at or above it, so it never specialises.
const NEVER: u16 = 15;

/// Quickens `code` and the code objects it holds (functions, classes, comprehensions).
pub(crate) fn keep_float_ops_on_slots(code: &PyCode) {
    if code.quickened.swap(true, Ordering::Relaxed) {
        return;
    }
    let units = &code.instructions;
    units.quicken();
    for (i, unit) in units.iter().enumerate() {
        if matches!(unit.op, Instruction::BinaryOp { .. })
            && FLOAT_OPS.contains(&unit.arg.as_u8())
            && i + 1 < units.len()
        {
            // SAFETY: `i + 1 < units.len()`: the counter of this instruction's cache entry.
            unsafe { units.write_adaptive_counter(i + 1, NEVER) };
        }
    }
    for c in code.constants.iter() {
        let obj: &rustpython_vm::PyObject = c.borrow();
        if let Some(inner) = obj.downcast_ref::<PyCode>() {
            keep_float_ops_on_slots(inner);
        }
    }
}

/// mpsim's own modules (frozen into the binary) are pinned too, as the importer fetches their
/// code: without it their float arithmetic would leave the board's precision once warm
/// (`asyncio.sleep(0.01)` computed 10 ms twice, then 9).
pub(crate) fn install(vm: &rustpython_vm::VirtualMachine) -> rustpython_vm::PyResult<()> {
    use rustpython_vm::function::FuncArgs;
    let imp = vm.import("_imp", 0)?;
    let inner = imp.get_attr("get_frozen_object", vm)?;
    let pinned = vm.new_function(
        "get_frozen_object",
        move |args: FuncArgs, vm: &rustpython_vm::VirtualMachine| -> rustpython_vm::PyResult {
            let code = inner.call(args, vm)?;
            if let Some(c) = code.downcast_ref::<PyCode>() {
                keep_float_ops_on_slots(c);
            }
            Ok(code)
        },
    );
    imp.set_attr("get_frozen_object", pinned, vm)
}
