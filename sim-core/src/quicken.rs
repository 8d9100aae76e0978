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
