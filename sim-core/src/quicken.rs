//! Keeps floats on the number slots, where they are rounded as the board rounds them.
//!
//! rustpython specialises a `BINARY_OP` that has seen two exact floats (or a float and a small
//! int) into an instruction that computes with their f64 values without asking the slots
//! (float32.rs), so `x = x + 0.1` would keep double precision between two prints. A compiled code
//! object is quickened here, before it first runs, the way the interpreter would do it at its
//! first RESUME, and then:
//! - `+`, `-` and `*` start as the interpreter's int-specialised instructions. Those take two
//!   ints on their fast path and hand anything else to the generic operator (the same one, so
//!   the semantics do not change), and they never specialise again: ints stay fast, floats
//!   always reach the slots.
//! - `+=`, `-=`, `*=` and `/` get the adaptive counter the interpreter itself uses for "never
//!   specialise" (an in-place operator must stay in-place for a list, which the int-specialised
//!   instruction would not keep when it falls back).
//!
//! Every other instruction specialises as usual.
#![allow(unsafe_code)] // Two calls below, whose only requirement is an in-bounds index.

use rustpython_vm::builtins::PyCode;
use rustpython_vm::bytecode::Instruction;
use std::borrow::Borrow;
use std::sync::atomic::Ordering;

/// `BinaryOperator` values seeded with their int instruction: Add, Multiply, Subtract.
const SEEDED: [(u8, Instruction); 3] = [
    (0, Instruction::BinaryOpAddInt),
    (5, Instruction::BinaryOpMultiplyInt),
    (10, Instruction::BinaryOpSubtractInt),
];
/// `BinaryOperator` values that never specialise: TrueDivide, InplaceAdd, InplaceMultiply,
/// InplaceSubtract.
const PINNED: [u8; 4] = [11, 13, 18, 23];
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
    // Read first, write after: no reference into the units is held while they change.
    let ops: Vec<(usize, u8)> = units
        .iter()
        .enumerate()
        .filter(|(i, unit)| matches!(unit.op, Instruction::BinaryOp { .. }) && i + 1 < units.len())
        .map(|(i, unit)| (i, unit.arg.as_u8()))
        .collect();
    for (i, op) in ops {
        let seeded = SEEDED.iter().find(|(o, _)| *o == op).map(|(_, s)| *s);
        if let Some(seeded) = seeded {
            // SAFETY: `i` is in bounds; the seeded instruction is one the interpreter itself
            // puts in this place (same operand layout, same cache size as `BINARY_OP`).
            unsafe { units.replace_op(i, seeded) };
        }
        if seeded.is_some() || PINNED.contains(&op) {
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
