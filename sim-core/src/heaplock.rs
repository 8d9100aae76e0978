//! `micropython.heap_lock()`: while the heap is locked, what would take memory from the board's
//! heap raises `MemoryError: memory allocation failed, heap is locked`, and nothing else does.
//! Hard interrupt handlers run this way on the board (`machine.Pin.irq(hard=True)`, hard timers).
//!
//! The interpreter here allocates where the firmware does not (every call makes a frame, an int
//! beyond 256 is an object), so "an allocation happened" alone would refuse far too much. Two
//! means together decide instead:
//! - Operations that change an object, or build one the program asks for by name, are checked
//!   *before* they run, so that a refused one changes nothing: slicing a sequence, growing a
//!   list or bytearray through a slice, `+`/`+=` of sequences, `bytearray()`, `bytes()`,
//!   `memoryview()`, `bytearray.append/extend`, `list.extend`, `dict.items/keys/values`, `copy()`.
//! - Displays the firmware builds on its heap (`[]`, `{k: v}`, `{x}`, `(x,)`, slices, f-strings,
//!   closures and functions, comprehensions' appends, unpacking into a list) are found after the
//!   fact: the counting allocator (heap.rs) reports the first allocation made while the heap is
//!   locked, and at the next instruction the instruction that just ran is looked at. If it is one
//!   of those, MemoryError is raised there, inside the `try` that guards it. An instruction
//!   that made nothing visible cannot leave a trace behind.
//!
//! The bytearray item-store wrapper installed here also keeps the low 8 bits of an int stored
//! into one (`low_byte`), as the firmware stores an item: one wrapper per slot, not two.

use crate::heap;
use crate::slots::{kept, replace};
use rustpython_vm::AsObject;
use rustpython_vm::builtins::{PyBaseExceptionRef, PySlice, PyTypeRef};
use rustpython_vm::bytecode::Opcode;
use rustpython_vm::function::FuncArgs;
use rustpython_vm::protocol::{PyMapping, PySequence};
use rustpython_vm::{PyObject, PyObjectRef, PyResult, VirtualMachine};
use std::sync::OnceLock;

/// The firmware's message for any allocation while the heap is locked.
fn locked_error(vm: &VirtualMachine) -> PyBaseExceptionRef {
    heap::untracked(|| vm.new_memory_error("memory allocation failed, heap is locked"))
}

/// MemoryError if the heap is locked and the script (not the firmware) is running.
pub(crate) fn refuse_if_locked(vm: &VirtualMachine) -> PyResult<()> {
    if heap::locked() && heap::tracked() {
        return Err(locked_error(vm));
    }
    Ok(())
}

/// Called by the heap's signal at the instruction after an allocation made while locked.
pub(crate) fn after_locked_allocation(vm: &VirtualMachine) -> PyResult<()> {
    if !heap::locked() {
        return Ok(());
    }
    let allocating = heap::untracked(|| last_instruction().is_some_and(builds_on_heap));
    heap::watch_locked(true);
    if allocating {
        return Err(locked_error(vm));
    }
    Ok(())
}

/// The instructions that build an object on the firmware's heap, whatever their operands.
fn builds_on_heap(op: Opcode) -> bool {
    matches!(
        op,
        Opcode::BuildList
            | Opcode::BuildMap
            | Opcode::BuildSet
            | Opcode::BuildTuple
            | Opcode::BuildSlice
            | Opcode::BuildString
            | Opcode::BuildTemplate
            | Opcode::BuildInterpolation
            | Opcode::BinarySlice
            | Opcode::BinaryOpSubscrListSlice
            | Opcode::ListAppend
            | Opcode::ListExtend
            | Opcode::SetAdd
            | Opcode::SetUpdate
            | Opcode::MapAdd
            | Opcode::DictUpdate
            | Opcode::DictMerge
            | Opcode::MakeFunction
            | Opcode::FormatSimple
            | Opcode::FormatWithSpec
            | Opcode::UnpackEx
    )
}

/// The instruction that ran just before the one the running frame is about to run (its `lasti`
/// is one past that one), as it was compiled or specialised.
#[allow(unsafe_code)] // Reads the running frame, which a frame object may only mirror.
fn last_instruction() -> Option<Opcode> {
    let ptr = rustpython_vm::frame::current_thread_iframe();
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the pointer is this thread's innermost running frame, which lives on the frame
    // stack until the interpreter leaves it; this runs between two of its instructions (from
    // the interpreter's signal check), so it is neither left nor written meanwhile.
    let frame = unsafe { &*ptr };
    let lasti = usize::try_from(frame.get_lasti()).ok()?;
    // Unit `lasti - 1` is about to run; the one before it ended at `lasti - 2`.
    let before = lasti.checked_sub(2)?;
    let units: &[rustpython_vm::bytecode::CodeUnit] = &frame.code().code.instructions;
    let mut i = 0;
    while i < units.len() {
        let op = units[i].op.as_opcode();
        let next = i + 1 + op.deoptimize().cache_entries();
        if before < next {
            return (before >= i).then_some(op);
        }
        i = next;
    }
    None
}

type GetFn = fn(PyMapping<'_>, &PyObject, &VirtualMachine) -> PyResult;
type SetFn = fn(PyMapping<'_>, &PyObject, Option<PyObjectRef>, &VirtualMachine) -> PyResult<()>;
type ConcatFn = fn(PySequence<'_>, &PyObject, &VirtualMachine) -> PyResult;
type NewFn = fn(PyTypeRef, FuncArgs, &VirtualMachine) -> PyResult;
type InitFn = fn(&PyObject, FuncArgs, &VirtualMachine) -> PyResult<()>;

fn is_slice(key: &PyObject) -> bool {
    key.downcast_ref::<PySlice>().is_some()
}

/// Refused while locked: a slice assignment that makes `seq` longer (one of equal length or
/// shorter is done in place on the board).
fn grows(seq: &PyObject, key: &PyObject, value: &PyObject, vm: &VirtualMachine) -> PyResult<()> {
    if !heap::locked() {
        return Ok(());
    }
    let Some(slice) = key.downcast_ref::<PySlice>() else {
        return Ok(());
    };
    let old = slice
        .to_saturated(vm)
        .map(|s| s.adjust_indices(seq.length(vm).unwrap_or(0)).2)
        .unwrap_or(0);
    match value.length_opt(vm) {
        Some(Ok(new)) if new <= old => Ok(()),
        _ => refuse_if_locked(vm),
    }
}

/// `b[i] = v` on a bytearray keeps the low 8 bits of an int, as the firmware stores an item
/// (`bytearray(1)[0] = -2` holds 254; no ValueError). Anything else goes on unchanged.
fn low_byte(
    seq: &PyObject,
    key: &PyObject,
    value: PyObjectRef,
    vm: &VirtualMachine,
) -> PyObjectRef {
    let byte_array = seq.class().is(vm.ctx.types.bytearray_type);
    if byte_array && !is_slice(key) && value.class().is(vm.ctx.types.int_type) {
        let mask: PyObjectRef = vm.ctx.new_int(0xFF).into();
        return vm._and(&value, &mask).unwrap_or(value);
    }
    value
}

/// One wrapper per type and slot, each refusing while locked and handing on to what it replaced.
macro_rules! guard {
    (get $($name:ident),*) => {$(
        #[allow(non_snake_case)]
        mod $name {
            use super::*;
            pub(super) static KEPT: OnceLock<Option<GetFn>> = OnceLock::new();
            pub(super) fn f(m: PyMapping<'_>, key: &PyObject, vm: &VirtualMachine) -> PyResult {
                if is_slice(key) {
                    refuse_if_locked(vm)?;
                }
                kept(&KEPT, vm)?(m, key, vm)
            }
        }
    )*};
    (set $($name:ident),*) => {$(
        #[allow(non_snake_case)]
        mod $name {
            use super::*;
            pub(super) static KEPT: OnceLock<Option<SetFn>> = OnceLock::new();
            pub(super) fn f(
                m: PyMapping<'_>,
                key: &PyObject,
                value: Option<PyObjectRef>,
                vm: &VirtualMachine,
            ) -> PyResult<()> {
                if let Some(v) = &value {
                    grows(m.obj, key, v, vm)?;
                }
                let value = value.map(|v| low_byte(m.obj, key, v, vm));
                kept(&KEPT, vm)?(m, key, value, vm)
            }
        }
    )*};
    (concat $($name:ident $shortcut:literal),*) => {$(
        #[allow(non_snake_case)]
        mod $name {
            use super::*;
            pub(super) static KEPT: OnceLock<Option<ConcatFn>> = OnceLock::new();
            pub(super) fn f(s: PySequence<'_>, other: &PyObject, vm: &VirtualMachine) -> PyResult {
                if !($shortcut && empty_side(s.obj, other, vm)) {
                    refuse_if_locked(vm)?;
                }
                kept(&KEPT, vm)?(s, other, vm)
            }
        }
    )*};
    (new $($name:ident),*) => {$(
        #[allow(non_snake_case)]
        mod $name {
            use super::*;
            pub(super) static KEPT: OnceLock<Option<NewFn>> = OnceLock::new();
            pub(super) fn f(cls: PyTypeRef, args: FuncArgs, vm: &VirtualMachine) -> PyResult {
                refuse_if_locked(vm)?;
                kept(&KEPT, vm)?(cls, args, vm)
            }
        }
    )*};
}
guard!(get LIST_GET, TUPLE_GET, STR_GET, BYTES_GET, BYTEARRAY_GET, MEMORYVIEW_GET);
guard!(set LIST_SET, BYTEARRAY_SET);
// `str` and `bytes` joined to an empty one of the same type give the other one on the board:
// nothing is allocated (`out_buf += data` in asyncio's StreamWriter, with the heap locked).
guard!(concat LIST_ADD false, LIST_IADD false, TUPLE_ADD false, STR_ADD true, BYTES_ADD true,
    BYTEARRAY_ADD false, BYTEARRAY_IADD false);

/// Whether one of `a` and `b`, both of the same type, is empty.
fn empty_side(a: &PyObject, b: &PyObject, vm: &VirtualMachine) -> bool {
    a.class().is(b.class())
        && [a, b]
            .iter()
            .any(|o| o.length_opt(vm).is_some_and(|n| n.is_ok_and(|n| n == 0)))
}
guard!(new BYTES_NEW, MEMORYVIEW_NEW);

static BYTEARRAY_INIT: OnceLock<Option<InitFn>> = OnceLock::new();
fn bytearray_init(zelf: &PyObject, args: FuncArgs, vm: &VirtualMachine) -> PyResult<()> {
    refuse_if_locked(vm)?;
    kept(&BYTEARRAY_INIT, vm)?(zelf, args, vm)
}

/// Methods that grow their object or return a new one: refused while locked, else the
/// interpreter's own (kept as `_mpsim_<name>`).
macro_rules! guarded_methods {
    ($($fn_name:ident: $ty:ident . $name:literal => $keep:literal),* $(,)?) => {
        $(
            fn $fn_name(args: FuncArgs, vm: &VirtualMachine) -> PyResult {
                refuse_if_locked(vm)?;
                crate::slots::call_kept(vm, vm.ctx.types.$ty, $keep, args)
            }
        )*
        fn install_methods(vm: &VirtualMachine) {
            $(crate::slots::replace_method(vm, vm.ctx.types.$ty, $name, $keep, $fn_name);)*
        }
    };
}
guarded_methods!(
    bytearray_append: bytearray_type."append" => "_mpsim_append",
    bytearray_extend: bytearray_type."extend" => "_mpsim_extend",
    dict_items: dict_type."items" => "_mpsim_items",
    dict_keys: dict_type."keys" => "_mpsim_keys",
    dict_values: dict_type."values" => "_mpsim_values",
    dict_copy: dict_type."copy" => "_mpsim_copy",
    set_copy: set_type."copy" => "_mpsim_copy",
    list_copy: list_type."copy" => "_mpsim_copy",
);

/// Installs the checks into the interpreter's types (once per process: the types are shared).
pub(crate) fn install(vm: &VirtualMachine) {
    let t = &vm.ctx.types;
    let gets: [(_, _, GetFn); 6] = [
        (t.list_type, &LIST_GET::KEPT, LIST_GET::f),
        (t.tuple_type, &TUPLE_GET::KEPT, TUPLE_GET::f),
        (t.str_type, &STR_GET::KEPT, STR_GET::f),
        (t.bytes_type, &BYTES_GET::KEPT, BYTES_GET::f),
        (t.bytearray_type, &BYTEARRAY_GET::KEPT, BYTEARRAY_GET::f),
        (t.memoryview_type, &MEMORYVIEW_GET::KEPT, MEMORYVIEW_GET::f),
    ];
    for (ty, k, f) in gets {
        replace(&ty.slots.as_mapping.subscript, k, f);
    }
    let sets: [(_, _, SetFn); 2] = [
        (t.list_type, &LIST_SET::KEPT, LIST_SET::f),
        (t.bytearray_type, &BYTEARRAY_SET::KEPT, BYTEARRAY_SET::f),
    ];
    for (ty, k, f) in sets {
        replace(&ty.slots.as_mapping.ass_subscript, k, f);
    }
    let adds: [(_, _, ConcatFn); 5] = [
        (t.list_type, &LIST_ADD::KEPT, LIST_ADD::f),
        (t.tuple_type, &TUPLE_ADD::KEPT, TUPLE_ADD::f),
        (t.str_type, &STR_ADD::KEPT, STR_ADD::f),
        (t.bytes_type, &BYTES_ADD::KEPT, BYTES_ADD::f),
        (t.bytearray_type, &BYTEARRAY_ADD::KEPT, BYTEARRAY_ADD::f),
    ];
    for (ty, k, f) in adds {
        replace(&ty.slots.as_sequence.concat, k, f);
    }
    let iadds: [(_, _, ConcatFn); 2] = [
        (t.list_type, &LIST_IADD::KEPT, LIST_IADD::f),
        (t.bytearray_type, &BYTEARRAY_IADD::KEPT, BYTEARRAY_IADD::f),
    ];
    for (ty, k, f) in iadds {
        replace(&ty.slots.as_sequence.inplace_concat, k, f);
    }
    replace(
        &t.bytes_type.slots.new,
        &BYTES_NEW::KEPT,
        BYTES_NEW::f as NewFn,
    );
    replace(
        &t.memoryview_type.slots.new,
        &MEMORYVIEW_NEW::KEPT,
        MEMORYVIEW_NEW::f as NewFn,
    );
    replace(
        &t.bytearray_type.slots.init,
        &BYTEARRAY_INIT,
        bytearray_init as InitFn,
    );
    install_methods(vm);
}
