//! Keeps floats on the board's arithmetic, where they are rounded as the board rounds them.
//!
//! rustpython specialises a `BINARY_OP` that has seen two exact floats (or a float and a small
//! int) into an instruction that computes with their f64 values without asking the slots
//! (float32.rs), so `x = x + 0.1` would keep double precision between two prints. A compiled code
//! object is quickened here, before it first runs, the way the interpreter would do it at its
//! first RESUME, and then `+`, `-`, `*`, `/` and their in-place forms start as the interpreter's
//! `BINARY_OP_EXTEND` with a table entry of ours: its action (float32.rs `fast_*`) answers two
//! exact floats, a float and a small int, or two small ints (`/` excepted) exactly as the
//! operator's slots would, and hands anything else to the generic operator (the same one, so
//! an in-place `+=` on a list stays in place). `BINARY_OP_EXTEND` never specialises again, and
//! every other instruction specialises as usual.
//!
//! That instruction keeps a pointer to its table entry in the code's pointer cache (a public,
//! unsafe write); the entry's type is private to rustpython, so [`Descr`] mirrors it, and before
//! the first use [`layout_matches`] checks the mirror against the interpreter's own table (by
//! letting it specialise `a | b` and reading the entries it points at). Should they differ (a
//! rustpython other than the pinned 0.6.0), the instructions are quickened as before this
//! table: `+ - *` as the int-specialised ones and `/` and the in-place forms never specialising,
//! the same results through the generic operator, only slower.
#![allow(unsafe_code)] // The writes below: in-bounds indices, and a table entry of the right layout.

use rustpython_vm::builtins::PyCode;
use rustpython_vm::bytecode::{BinaryOperator, Instruction};
use rustpython_vm::{PyObject, PyObjectRef, VirtualMachine};
use std::borrow::Borrow;
use std::sync::OnceLock;
use std::sync::atomic::Ordering;

/// The signature of rustpython's `BinaryOpExtendGuard`.
type Guard = fn(&PyObject, &PyObject, &VirtualMachine) -> bool;
/// The signature of rustpython's `BinaryOpExtendAction`.
type Action = fn(&PyObject, &PyObject, &VirtualMachine) -> Option<PyObjectRef>;

/// rustpython 0.6.0's `BinaryOpExtendSpecializationDescr`, field for field: the instruction
/// runs `action` when the entry's operator is its own and `guard` holds, else the generic
/// operator.
struct Descr {
    oparg: BinaryOperator,
    guard: Guard,
    action: Action,
}

/// Our entries check their operands in the action, which returns None for what it does not take.
fn any(_: &PyObject, _: &PyObject, _: &VirtualMachine) -> bool {
    true
}

const fn entry(oparg: BinaryOperator, action: Action) -> Descr {
    Descr {
        oparg,
        guard: any,
        action,
    }
}

static TABLE: [Descr; 8] = {
    use crate::float32::{fast_add, fast_mul, fast_sub, fast_true_div};
    [
        entry(BinaryOperator::Add, fast_add),
        entry(BinaryOperator::InplaceAdd, fast_add),
        entry(BinaryOperator::Subtract, fast_sub),
        entry(BinaryOperator::InplaceSubtract, fast_sub),
        entry(BinaryOperator::Multiply, fast_mul),
        entry(BinaryOperator::InplaceMultiply, fast_mul),
        entry(BinaryOperator::TrueDivide, fast_true_div),
        entry(BinaryOperator::InplaceTrueDivide, fast_true_div),
    ]
};

/// Whether [`TABLE`] may be handed to the interpreter (decided once per process).
static USE_TABLE: OnceLock<bool> = OnceLock::new();

/// Without the table, `BinaryOperator` values seeded with their int instruction: Add, Multiply,
/// Subtract.
const SEEDED: [(BinaryOperator, Instruction); 3] = [
    (BinaryOperator::Add, Instruction::BinaryOpAddInt),
    (BinaryOperator::Multiply, Instruction::BinaryOpMultiplyInt),
    (BinaryOperator::Subtract, Instruction::BinaryOpSubtractInt),
];
/// Without the table, the operators that never specialise.
const PINNED: [BinaryOperator; 4] = [
    BinaryOperator::TrueDivide,
    BinaryOperator::InplaceAdd,
    BinaryOperator::InplaceMultiply,
    BinaryOperator::InplaceSubtract,
];
/// The adaptive counter the interpreter treats as unreachable (`UNREACHABLE_BACKOFF`): every
/// value it counts down to from here stays at or above it, so it never specialises.
const NEVER: u16 = 15;

/// Quickens `code` and the code objects it holds (functions, classes, comprehensions).
pub(crate) fn keep_float_ops_on_slots(code: &PyCode) {
    if code.quickened.swap(true, Ordering::Relaxed) {
        return;
    }
    let table = USE_TABLE.get().copied().unwrap_or(false);
    let units = &code.instructions;
    units.quicken();
    // Read first, write after: no reference into the units is held while they change.
    let ops: Vec<(usize, u8)> = units
        .iter()
        .enumerate()
        .filter(|(i, unit)| matches!(unit.op, Instruction::BinaryOp { .. }) && i + 2 < units.len())
        .map(|(i, unit)| (i, unit.arg.as_u8()))
        .collect();
    for (i, op) in ops {
        if table && let Some(d) = TABLE.iter().find(|d| d.oparg as u8 == op) {
            // SAFETY: `i + 2 < units.len()`; the entry has the layout the interpreter reads
            // (checked by `layout_matches`) and lives for the whole process. The pointer is
            // written before the instruction that reads it.
            unsafe {
                units.write_cache_ptr(i + 2, std::ptr::from_ref(d) as usize);
                units.replace_op(i, Instruction::BinaryOpExtend);
            }
            continue;
        }
        let seeded = SEEDED.iter().find(|(o, _)| *o as u8 == op).map(|(_, s)| *s);
        if let Some(seeded) = seeded {
            // SAFETY: `i` is in bounds; the seeded instruction is one the interpreter itself
            // puts in this place (same operand layout, same cache size as `BINARY_OP`).
            unsafe { units.replace_op(i, seeded) };
        }
        if seeded.is_some() || PINNED.iter().any(|o| *o as u8 == op) {
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

/// Whether [`Descr`] is laid out as the interpreter's own entries. The interpreter is asked to
/// specialise `a | b` for two small ints, which points the instruction at the first entry of its
/// table (int `|`, then `&`, `^`, `|=`: one guard for all, `|` and `|=` the same action). The
/// first four entries are read as raw bytes at [`Descr`]'s offsets, never as a `Descr`: those
/// bytes are inside the interpreter's table of fourteen entries for any layout of the three
/// fields.
fn layout_matches(vm: &VirtualMachine) -> bool {
    let Ok(code) = vm.compile("r = a | b", rustpython_vm::compiler::Mode::Exec, "<probe>") else {
        return false;
    };
    code.quickened.store(true, Ordering::Relaxed);
    let units = &code.instructions;
    units.quicken();
    let Some(i) = (0..units.len())
        .find(|&i| matches!(units.read_op(i), Instruction::BinaryOp { .. }))
        .filter(|i| i + 2 < units.len())
    else {
        return false;
    };
    // SAFETY: `i + 1 < units.len()`: the counter of this instruction's cache entry.
    unsafe { units.write_adaptive_counter(i + 1, 0) };
    let scope = vm.new_scope_with_builtins();
    for (name, v) in [("a", 1), ("b", 2)] {
        if scope.globals.set_item(name, vm.new_pyobj(v), vm).is_err() {
            return false;
        }
    }
    if vm.run_code_obj(code.clone(), scope).is_err()
        || !matches!(units.read_op(i), Instruction::BinaryOpExtend)
    {
        return false;
    }
    let base = units.read_cache_ptr(i + 2);
    if base == 0 {
        return false;
    }
    let size = std::mem::size_of::<Descr>();
    let read = |n: usize, offset: usize, len: usize| -> usize {
        let p = (base + n * size + offset) as *const u8;
        let mut v = 0usize;
        for k in 0..len {
            // SAFETY: within the interpreter's static table (see above); plain bytes.
            v |= usize::from(unsafe { p.add(k).read() }) << (8 * k);
        }
        v
    };
    let word = std::mem::size_of::<usize>();
    let op = |n| read(n, std::mem::offset_of!(Descr, oparg), 1);
    let guard = |n| read(n, std::mem::offset_of!(Descr, guard), word);
    let action = |n| read(n, std::mem::offset_of!(Descr, action), word);
    let ops = [
        BinaryOperator::Or,
        BinaryOperator::And,
        BinaryOperator::Xor,
        BinaryOperator::InplaceOr,
    ];
    ops.iter().enumerate().all(|(n, o)| op(n) == *o as usize)
        && (1..4).all(|n| guard(n) == guard(0))
        && action(3) == action(0)
        && action(1) != action(0)
        && action(2) != action(1)
        && guard(0) != action(0)
}

/// Decides, once per process, whether the table can be used, and has mpsim's own modules
/// (frozen into the binary) quickened too, as the importer fetches their code: without it
/// their float arithmetic would leave the board's precision once warm (`asyncio.sleep(0.01)`
/// computed 10 ms twice, then 9).
pub(crate) fn install(vm: &rustpython_vm::VirtualMachine) -> rustpython_vm::PyResult<()> {
    use rustpython_vm::function::FuncArgs;
    USE_TABLE.get_or_init(|| layout_matches(vm));
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

#[cfg(test)]
mod tests {
    use super::*;
    use rustpython_vm::Interpreter;

    #[test]
    fn the_mirror_has_the_interpreters_layout() {
        Interpreter::without_stdlib(Default::default()).enter(|vm| assert!(layout_matches(vm)));
    }

    #[test]
    fn operators_start_on_the_table_and_stay_there() {
        Interpreter::without_stdlib(Default::default()).enter(|vm| {
            crate::float32::install(vm);
            crate::float32::set_repr(mpsim_board_models::FloatRepr::Single);
            USE_TABLE.get_or_init(|| layout_matches(vm));
            let src = "def f(x, y):\n    x += y\n    return x, x - y, x * y, x / y, [1] + [2], y / 7\n\
                       r = [f(0.1, 0.2) for _ in range(300)][-1] + f(3, 4)\n";
            let code = vm
                .compile(src, rustpython_vm::compiler::Mode::Exec, "<t>")
                .expect("compiles");
            keep_float_ops_on_slots(&code);
            let scope = vm.new_scope_with_builtins();
            vm.run_code_obj(code.clone(), scope.clone()).expect("runs");
            let r = scope.globals.get_item("r", vm).expect("r");
            let text = r.repr(vm).expect("repr").expect_str().to_owned();
            // Single precision throughout, after 300 runs (warm); ints stay ints; a list
            // concatenates.
            assert_eq!(
                text,
                "(0.3, 0.10000001, 0.060000002, 1.5, [1, 2], 0.028571429, 7, 3, 28, 1.75, [1, 2], 0.5714286)"
            );
            let f = code
                .constants
                .iter()
                .find_map(|c| {
                    let o: &PyObject = c.borrow();
                    o.downcast_ref::<PyCode>().map(|c| c.to_owned())
                })
                .expect("f's code");
            let extend = (0..f.instructions.len())
                .filter(|&i| matches!(f.instructions.read_op(i), Instruction::BinaryOpExtend))
                .count();
            assert_eq!(extend, 6);
        });
    }
}
