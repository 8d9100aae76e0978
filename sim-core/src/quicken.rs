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
//! an in-place `+=` on a list stays in place). Where the operands look like ints
//! ([`int_sites`]), `+ - *` start as the interpreter's int-specialised instructions (anything
//! but two ints goes to the generic operator) and the in-place forms as `BINARY_OP_EXTEND`
//! with no table entry, which sends them straight to the generic in-place operator and its
//! inline int arithmetic (the int instruction would answer a list's `+=` with `+`). None of
//! these specialises again, and every other instruction specialises as usual.
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

/// What a value on the stack or in a name is seen to be, for choosing an operator's path:
/// ordered, a name takes the greatest of what is stored into it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Nothing known (a call's result, a parameter, a loop variable, a bool, a string).
    Unknown,
    /// An int constant, or arithmetic on ints.
    Int,
    /// A float constant, a `/`, or arithmetic with a float.
    Float,
}

/// The deepest stack [`int_sites`] follows.
const MAX_DEPTH: usize = 4096;

/// Where a name lives, for [`int_sites`]: fast locals, names (module and class bodies, and
/// globals), cells.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Slot {
    Fast(u32),
    Name(u32),
    Cell(u32),
}

/// The indices of the `+ - *` (and in-place) operators of `code` whose operands look like ints
/// and never like floats: an operand is an int constant or an int-valued name or expression,
/// and no operand is a float constant or float-valued. A name's value is what this code object
/// stores into it (all its stores, across the whole code: a name once given a float is a float
/// name). The stack is followed instruction by instruction, without following jumps (after a
/// jump, a return or a raise the stack is taken as unknown), so this is a guess: it only
/// chooses between two paths that give the same results. Those operators leave the table for
/// the interpreter's int instructions and generic operator, whose int arithmetic is inline;
/// floats at such a site are still the board's (through the slots), only slower. Any surprise
/// (a stack deeper than [`MAX_DEPTH`] items, an argument out of range) gives no sites:
/// everything stays on the table.
///
/// Code that shows no float at all (no float constant, no `/`), nor does any code it is
/// nested in, is taken for int code: there every `+ - *` without a float operand is an int
/// site, operands known or not (`fib(n - 1) + fib(n - 2)`). The second value says whether
/// `code` or its enclosing code (`enclosing_floats`) shows a float, for the code it holds.
fn int_sites(code: &PyCode, enclosing_floats: bool) -> (Vec<usize>, bool) {
    use rustpython_vm::AsObject;
    use rustpython_vm::builtins::{PyFloat, PyInt, PyTuple};
    use rustpython_vm::bytecode::OpArgState;
    use rustpython_vm::class::StaticType;
    use std::collections::HashMap;
    let units: Vec<_> = code.instructions.iter().copied().collect();
    let constant = |idx: u32| -> Kind {
        let Some(c) = code.constants.get(idx as usize) else {
            return Kind::Unknown;
        };
        let obj: &PyObject = c.borrow();
        if obj.class().is(PyInt::static_type()) {
            Kind::Int
        } else if obj.class().is(PyFloat::static_type()) {
            Kind::Float
        } else {
            Kind::Unknown
        }
    };
    let get =
        |names: &HashMap<Slot, Kind>, slot| names.get(&slot).copied().unwrap_or(Kind::Unknown);
    let put = |names: &mut HashMap<Slot, Kind>, slot, kind: Kind| {
        let old = names.entry(slot).or_insert(Kind::Unknown);
        let raised = kind > *old;
        *old = (*old).max(kind);
        raised
    };
    let is_float = |c: &PyObject| c.class().is(PyFloat::static_type());
    let floats = enclosing_floats
        || code.constants.iter().any(|c| {
            let obj: &PyObject = c.borrow();
            is_float(obj)
                || obj
                    .downcast_ref::<PyTuple>()
                    .is_some_and(|t| t.iter().any(|o| is_float(o)))
        })
        || units.iter().any(|u| {
            matches!(u.op, Instruction::BinaryOp { .. })
                && [
                    BinaryOperator::TrueDivide,
                    BinaryOperator::InplaceTrueDivide,
                ]
                .iter()
                .any(|o| *o as u8 == u.arg.as_u8())
        });
    let mut names: HashMap<Slot, Kind> = HashMap::new();
    let mut sites = Vec::new();
    // Each pass can only raise a name's kind (twice at most per name); a few passes settle
    // what one pass's order leaves behind (a name stored after its first use).
    for _ in 0..8 {
        let mut changed = false;
        sites.clear();
        let mut stack: Vec<Kind> = Vec::new();
        let mut state = OpArgState::default();
        for (i, unit) in units.iter().enumerate() {
            let (op, arg) = state.get(*unit);
            let arg = u32::from(arg);
            if matches!(op, Instruction::ExtendedArg | Instruction::Cache) {
                continue;
            }
            let pop = |stack: &mut Vec<Kind>| stack.pop().unwrap_or(Kind::Unknown);
            match op {
                Instruction::LoadSmallInt { .. } => stack.push(Kind::Int),
                Instruction::LoadConst { .. } => stack.push(constant(arg)),
                Instruction::LoadFast { .. }
                | Instruction::LoadFastBorrow { .. }
                | Instruction::LoadFastCheck { .. }
                | Instruction::LoadFastAndClear { .. } => stack.push(get(&names, Slot::Fast(arg))),
                Instruction::LoadFastLoadFast { .. }
                | Instruction::LoadFastBorrowLoadFastBorrow { .. } => {
                    stack.push(get(&names, Slot::Fast(arg >> 4)));
                    stack.push(get(&names, Slot::Fast(arg & 15)));
                }
                Instruction::LoadName { .. } => stack.push(get(&names, Slot::Name(arg))),
                Instruction::LoadGlobal { .. } => {
                    stack.push(get(&names, Slot::Name(arg >> 1)));
                    if arg & 1 == 1 {
                        stack.push(Kind::Unknown);
                    }
                }
                Instruction::LoadDeref { .. } => stack.push(get(&names, Slot::Cell(arg))),
                Instruction::StoreFast { .. } => {
                    changed |= put(&mut names, Slot::Fast(arg), pop(&mut stack))
                }
                Instruction::StoreFastStoreFast { .. } => {
                    changed |= put(&mut names, Slot::Fast(arg >> 4), pop(&mut stack));
                    changed |= put(&mut names, Slot::Fast(arg & 15), pop(&mut stack));
                }
                Instruction::StoreFastLoadFast { .. } => {
                    changed |= put(&mut names, Slot::Fast(arg >> 4), pop(&mut stack));
                    stack.push(get(&names, Slot::Fast(arg & 15)));
                }
                Instruction::StoreName { .. } | Instruction::StoreGlobal { .. } => {
                    changed |= put(&mut names, Slot::Name(arg), pop(&mut stack));
                }
                Instruction::StoreDeref { .. } => {
                    changed |= put(&mut names, Slot::Cell(arg), pop(&mut stack))
                }
                Instruction::UnaryNegative | Instruction::UnaryInvert => {
                    let k = pop(&mut stack);
                    stack.push(k);
                }
                Instruction::BinaryOp { .. } => {
                    let b = pop(&mut stack);
                    let a = pop(&mut stack);
                    let Ok(o) = u8::try_from(arg) else {
                        return (Vec::new(), floats);
                    };
                    // In-place forms are their operator's number plus 13.
                    let base = if (13..26).contains(&o) { o - 13 } else { o };
                    let is = |x: BinaryOperator| base == x as u8;
                    let joined = a.max(b);
                    let arithmetic = is(BinaryOperator::Add)
                        || is(BinaryOperator::Subtract)
                        || is(BinaryOperator::Multiply);
                    let int = joined == Kind::Int || joined == Kind::Unknown && !floats;
                    if arithmetic && int && i + 2 < units.len() {
                        sites.push(i);
                    }
                    // A result is an int only of two ints: `a[0] * 3` is a site (3 is an
                    // int, nothing says a float), but its value is unknown.
                    let numeric = arithmetic
                        || [
                            BinaryOperator::FloorDivide,
                            BinaryOperator::Remainder,
                            BinaryOperator::Power,
                            BinaryOperator::And,
                            BinaryOperator::Or,
                            BinaryOperator::Xor,
                            BinaryOperator::Lshift,
                            BinaryOperator::Rshift,
                        ]
                        .into_iter()
                        .any(is);
                    stack.push(
                        if is(BinaryOperator::TrueDivide) || numeric && joined == Kind::Float {
                            Kind::Float
                        } else if numeric && a == Kind::Int && b == Kind::Int {
                            Kind::Int
                        } else {
                            Kind::Unknown
                        },
                    );
                }
                _ => {
                    // The interpreter's table converts the argument to an i32.
                    if i32::try_from(arg).is_err() {
                        return (Vec::new(), floats);
                    }
                    let effect = op.stack_effect_info(arg);
                    for _ in 0..effect.popped().min(MAX_DEPTH as u32) {
                        pop(&mut stack);
                    }
                    let pushed = effect.pushed() as usize;
                    if stack.len() + pushed > MAX_DEPTH {
                        return (Vec::new(), floats);
                    }
                    stack.extend(std::iter::repeat_n(Kind::Unknown, pushed));
                    if op.is_no_fallthrough() {
                        stack.clear();
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    (sites, floats)
}

/// Quickens `code` and the code objects it holds (functions, classes, comprehensions).
pub(crate) fn keep_float_ops_on_slots(code: &PyCode) {
    quicken(code, false);
}

/// [`keep_float_ops_on_slots`], for code nested in code that shows a float or not.
fn quicken(code: &PyCode, enclosing_floats: bool) {
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
    let (ints, floats) = if table {
        int_sites(code, enclosing_floats)
    } else {
        (Vec::new(), true)
    };
    for (i, op) in ops {
        if table && ints.binary_search(&i).is_ok() {
            if let Some((_, seeded)) = SEEDED.iter().find(|(o, _)| *o as u8 == op) {
                // SAFETY: `i` is in bounds; the interpreter puts this instruction in this
                // place itself (same operand layout and cache). It never specialises again,
                // and it hands anything but two ints to the generic operator.
                unsafe { units.replace_op(i, *seeded) };
                continue;
            }
            // SAFETY: `i + 2 < units.len()`; no entry (a null pointer) sends the instruction
            // straight to the generic operator, the interpreter's own reading of it.
            unsafe {
                units.write_cache_ptr(i + 2, 0);
                units.replace_op(i, Instruction::BinaryOpExtend);
            }
            continue;
        }
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
            quicken(inner, floats);
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
    use rustpython_vm::{Interpreter, PyRef};

    #[test]
    fn the_mirror_has_the_interpreters_layout() {
        Interpreter::without_stdlib(Default::default()).enter(|vm| assert!(layout_matches(vm)));
    }

    /// Runs `src` quickened on a board with single-precision floats: the repr of its `r` and
    /// the code objects it holds (its functions), as they are after the run.
    fn run_quickened(src: &str) -> (String, Vec<PyRef<PyCode>>) {
        Interpreter::without_stdlib(Default::default()).enter(|vm| {
            crate::float32::install(vm);
            crate::float32::set_repr(mpsim_board_models::FloatRepr::Single);
            USE_TABLE.get_or_init(|| layout_matches(vm));
            let code = vm
                .compile(src, rustpython_vm::compiler::Mode::Exec, "<t>")
                .expect("compiles");
            keep_float_ops_on_slots(&code);
            let scope = vm.new_scope_with_builtins();
            vm.run_code_obj(code.clone(), scope.clone()).expect("runs");
            let r = scope.globals.get_item("r", vm).expect("r");
            let text = r.repr(vm).expect("repr").expect_str().to_owned();
            let functions = code
                .constants
                .iter()
                .filter_map(|c| {
                    let o: &PyObject = c.borrow();
                    o.downcast_ref::<PyCode>().map(|c| c.to_owned())
                })
                .collect();
            (text, functions)
        })
    }

    #[test]
    fn operators_start_on_the_table_and_stay_there() {
        let src = "def f(x, y):\n    x += y\n    return x, x - y, x * y, x / y, [1] + [2], y / 7\n\
                   r = [f(0.1, 0.2) for _ in range(300)][-1] + f(3, 4)\n";
        let (text, functions) = run_quickened(src);
        // Single precision throughout, after 300 runs (warm); ints stay ints; a list
        // concatenates.
        assert_eq!(
            text,
            "(0.3, 0.10000001, 0.060000002, 1.5, [1, 2], 0.028571429, 7, 3, 28, 1.75, [1, 2], 0.5714286)"
        );
        let f = &functions[0];
        let extend = (0..f.instructions.len())
            .filter(|&i| matches!(f.instructions.read_op(i), Instruction::BinaryOpExtend))
            .count();
        assert_eq!(extend, 6);
    }

    /// The operators of every code object in `src`, in order, as `int` (left to the generic
    /// operator) or `table`.
    fn paths(src: &str) -> Vec<String> {
        fn walk(code: &PyCode, enclosing_floats: bool, out: &mut Vec<String>) {
            let (ints, floats) = int_sites(code, enclosing_floats);
            let mut state = rustpython_vm::bytecode::OpArgState::default();
            for (i, unit) in code.instructions.iter().enumerate() {
                let (op, arg) = state.get(*unit);
                if let Instruction::BinaryOp { op } = op {
                    let o = op.get(arg);
                    if TABLE.iter().any(|d| d.oparg == o) {
                        let path = if ints.contains(&i) { "int" } else { "table" };
                        out.push(format!("{o:?} {path}"));
                    }
                }
            }
            for c in code.constants.iter() {
                let obj: &PyObject = c.borrow();
                if let Some(inner) = obj.downcast_ref::<PyCode>() {
                    walk(inner, floats, out);
                }
            }
        }
        Interpreter::without_stdlib(Default::default()).enter(|vm| {
            let code = vm
                .compile(src, rustpython_vm::compiler::Mode::Exec, "<t>")
                .expect("compiles");
            let mut out = Vec::new();
            walk(&code, false, &mut out);
            out
        })
    }

    #[test]
    fn int_arithmetic_is_told_from_float_arithmetic() {
        // Integer loops: every operator has an int constant or an int name.
        let loops = "total = 0\nfor i in range(10):\n    total += (i * 7) % 13\n    \
                     if total > 100:\n        total -= 99\nj = 0\nwhile j < 5:\n    j += 1\n";
        assert_eq!(
            paths(loops),
            [
                "Multiply int",
                "InplaceAdd int",
                "InplaceSubtract int",
                "InplaceAdd int"
            ]
        );
        // A float anywhere in a name's stores makes it a float name; unknown operands (a
        // parameter, a call, a subscript, an attribute) stay on the table.
        let floats = "acc = 0.0\nn = 4\nfor i in range(n):\n    x = (i + 0.5) / n\n    \
                      acc += 4.0 / (1.0 + x * x)\ny = acc * 2\n\
                      def f(a, b):\n    return a * b + a[0] * 3 - len(b) - a.k\n\
                      def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n";
        assert_eq!(
            paths(floats),
            [
                "Add table",
                "TrueDivide table",
                "Multiply table",
                "Add table",
                "TrueDivide table",
                "InplaceAdd table",
                "Multiply table",
                // f: a * b and a[0] * 3 (the subscript is unknown, 3 an int) ...
                "Multiply table",
                "Multiply int",
                "Add table",
                "Subtract table",
                "Subtract table",
                // fib
                "Subtract int",
                "Subtract int",
                "Add table",
            ]
        );
        // A name that was once a float stays one, whatever order the stores come in.
        let later = "k = 1\nfor _ in range(3):\n    k = k * 2\n    z = k + 1\n    k = 0.5\n";
        assert_eq!(paths(later), ["Multiply table", "Add table"]);
        // Code without a float anywhere (no float constant, no `/`, here or around it) is int
        // code: unknown operands too.
        let ints = "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\
                    class A:\n    def add(self, k):\n        self.n += k\n";
        assert_eq!(
            paths(ints),
            ["Subtract int", "Subtract int", "Add int", "InplaceAdd int"]
        );
        // A `/` (or a float constant) in the enclosing code counts for the code inside it.
        let nested = "def outer(x):\n    def inner(y):\n        return y * y\n    \
                      return inner(x) / 2\n";
        assert_eq!(paths(nested), ["TrueDivide table", "Multiply table"]);
        let tuple = "def f(a, b):\n    c = (0.5, 1)\n    return a * b\n";
        assert_eq!(paths(tuple), ["Multiply table"]);
    }

    #[test]
    fn int_sites_still_compute_floats_and_lists_as_the_board() {
        // `a * 3` and `k += [1]` are int sites (an int constant; k was once 0).
        let src = "def g(a):\n    return a * 3\n\
                   def h():\n    k = 0\n    k = []\n    m = k\n    k += [1]\n    return m\n\
                   r = [(g(0.1), g(2), h()) for _ in range(300)][-1]\n";
        assert_eq!(
            paths(src),
            ["Multiply int", "InplaceAdd int"],
            "the sites this test is about"
        );
        let (text, functions) = run_quickened(src);
        // Single precision (not 0.30000000000000004), and `+=` extends the list in place.
        assert_eq!(text, "(0.3, 6, [1])");
        // After 300 runs: g's `*` is the int instruction, h's `+=` has no table entry.
        let ops: Vec<_> = functions
            .iter()
            .flat_map(|f| {
                (0..f.instructions.len()).filter_map(|i| match f.instructions.read_op(i) {
                    Instruction::BinaryOpMultiplyInt => Some("int *".to_owned()),
                    Instruction::BinaryOpExtend => {
                        Some(format!("extend {}", f.instructions.read_cache_ptr(i + 2)))
                    }
                    _ => None,
                })
            })
            .collect();
        assert_eq!(ops, ["int *", "extend 0"]);
    }
}
