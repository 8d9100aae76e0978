//! A request the board's heap cannot hold raises MemoryError before the host is asked for it.
//!
//! The counting allocator (heap.rs) can only notice a request as it is made, and refusing it
//! there would abort the process. The operations that make one block of a size the script
//! chooses — repeating a sequence (`[0] * n`, `b"x" * n`, `s *= n`), `bytearray(n)`, `bytes(n)`,
//! and building or extending a list from a sized iterable (`list(range(n))`, `l.extend(…)`) —
//! are checked here first, with the firmware's message.

use crate::heap;
use rustpython_vm::AsObject;
use rustpython_vm::builtins::{PyInt, PyTypeRef};
use rustpython_vm::function::FuncArgs;
use rustpython_vm::protocol::PySequence;
use rustpython_vm::{PyObject, PyObjectRef, PyResult, VirtualMachine};
use std::sync::OnceLock;

type RepeatFn = fn(PySequence<'_>, isize, &VirtualMachine) -> PyResult;
type NewFn = fn(PyTypeRef, FuncArgs, &VirtualMachine) -> PyResult;
type InitFn = fn(&PyObject, FuncArgs, &VirtualMachine) -> PyResult<()>;

/// MemoryError unless `bytes` more fit in the heap (and the heap is not locked). A refusal here
/// is the script's MemoryError for this passing of the budget: one the allocator queued for the
/// same passing is dropped (`runtime::oom_delivered`).
pub(crate) fn fits(bytes: u128, vm: &VirtualMachine) -> PyResult<()> {
    // Firmware work (printing a traceback, importing) does not take from the script's heap.
    if !heap::tracked() {
        return Ok(());
    }
    crate::heaplock::refuse_if_locked(vm)?;
    fits_in_room(bytes, vm)
}

/// MemoryError unless `bytes` more fit in the heap's free room, whether or not this thread
/// counts now: the firmware's own work that takes the heap (compiling a module) is held to it.
pub(crate) fn fits_in_room(bytes: u128, vm: &VirtualMachine) -> PyResult<()> {
    let mut room = u128::try_from(heap::room()).unwrap_or(0);
    if bytes > room {
        // Before refusing: freed dicts give their tables back, and hash tables made since the
        // last look weigh less (tables.rs).
        crate::runtime::release_retained(vm);
        heap::reweigh();
        room = u128::try_from(heap::room()).unwrap_or(0);
    }
    if bytes > room {
        crate::runtime::oom_delivered();
        return Err(vm.new_memory_error(format!(
            "memory allocation failed, allocating {bytes} bytes"
        )));
    }
    Ok(())
}

/// A reference on the board: one 32-bit word.
const BOARD_WORD: u128 = 4;

/// The board's bytes per item of the sequence types: a list's or tuple's item is one of its 32-bit
/// words (the allocator counts the host's 64-bit ones half).
fn item_size(obj: &PyObject, vm: &VirtualMachine) -> u128 {
    let t = obj.class();
    if t.fast_issubclass(vm.ctx.types.list_type) || t.fast_issubclass(vm.ctx.types.tuple_type) {
        BOARD_WORD
    } else {
        1
    }
}

fn check_repeat(seq: &PySequence<'_>, n: isize, vm: &VirtualMachine) -> PyResult<()> {
    if n <= 1 {
        return Ok(());
    }
    let len = seq.obj.length(vm)?;
    let bytes = (len as u128) * (n as u128) * item_size(seq.obj, vm);
    fits(bytes, vm)
}

macro_rules! guarded_repeat {
    ($name:ident, $orig:ident) => {
        static $orig: OnceLock<Option<RepeatFn>> = OnceLock::new();
        fn $name(seq: PySequence<'_>, n: isize, vm: &VirtualMachine) -> PyResult {
            check_repeat(&seq, n, vm)?;
            match $orig.get().copied().flatten() {
                Some(f) => f(seq, n, vm),
                None => Ok(vm.ctx.not_implemented()),
            }
        }
    };
}

guarded_repeat!(list_repeat, LIST_REPEAT);
guarded_repeat!(list_irepeat, LIST_IREPEAT);
guarded_repeat!(tuple_repeat, TUPLE_REPEAT);
guarded_repeat!(str_repeat, STR_REPEAT);
guarded_repeat!(bytes_repeat, BYTES_REPEAT);
guarded_repeat!(bytearray_repeat, BYTEARRAY_REPEAT);
guarded_repeat!(bytearray_irepeat, BYTEARRAY_IREPEAT);

type ConcatFn = fn(PySequence<'_>, &PyObject, &VirtualMachine) -> PyResult;
static BYTEARRAY_ICONCAT: OnceLock<Option<ConcatFn>> = OnceLock::new();
/// `b += b` on a bytearray appends a copy of itself, as the firmware does; the interpreter
/// refuses to resize a bytearray whose buffer it is reading from.
fn bytearray_iconcat(seq: PySequence<'_>, other: &PyObject, vm: &VirtualMachine) -> PyResult {
    let f = crate::slots::kept(&BYTEARRAY_ICONCAT, vm)?;
    if seq.obj.is(other) {
        let copy: PyObjectRef = vm
            .ctx
            .new_bytes(seq.obj.try_bytes_like(vm, <[u8]>::to_vec)?)
            .into();
        return f(seq, &copy, vm);
    }
    f(seq, other, vm)
}

/// The size an int argument asks for, if it is one.
fn int_arg(args: &FuncArgs) -> Option<u128> {
    match args.args.as_slice() {
        [n] => n
            .downcast_ref::<PyInt>()
            .and_then(|i| u128::try_from(i.as_bigint()).ok()),
        _ => None,
    }
}

/// The length a sized iterable (range, list, tuple, …) will have, if it says.
fn sized_arg(args: &FuncArgs, vm: &VirtualMachine) -> Option<u128> {
    match args.args.as_slice() {
        [it] if it.downcast_ref::<PyInt>().is_none() => {
            it.length_opt(vm).and_then(Result::ok).map(|n| n as u128)
        }
        _ => None,
    }
}

/// A size the board takes as a machine word: beyond its 31 bits the firmware cannot convert the
/// int at all (OverflowError), below that a size the heap cannot hold is MemoryError.
fn word_size_fits(n: u128, vm: &VirtualMachine) -> PyResult<()> {
    if n > i32::MAX as u128 {
        return Err(vm.new_overflow_error("overflow converting long int to machine word"));
    }
    fits(n, vm)
}

static BYTES_NEW: OnceLock<Option<NewFn>> = OnceLock::new();
fn bytes_new(cls: PyTypeRef, args: FuncArgs, vm: &VirtualMachine) -> PyResult {
    if let Some(n) = int_arg(&args) {
        word_size_fits(n, vm)?;
    }
    match BYTES_NEW.get().copied().flatten() {
        Some(f) => f(cls, args, vm),
        None => Err(vm.new_type_error("bytes() unavailable")),
    }
}

static BYTEARRAY_INIT: OnceLock<Option<InitFn>> = OnceLock::new();
fn bytearray_init(zelf: &PyObject, args: FuncArgs, vm: &VirtualMachine) -> PyResult<()> {
    if let Some(n) = int_arg(&args) {
        word_size_fits(n, vm)?;
    }
    match BYTEARRAY_INIT.get().copied().flatten() {
        Some(f) => f(zelf, args, vm),
        None => Err(vm.new_type_error("bytearray() unavailable")),
    }
}

static LIST_INIT: OnceLock<Option<InitFn>> = OnceLock::new();
fn list_init(zelf: &PyObject, args: FuncArgs, vm: &VirtualMachine) -> PyResult<()> {
    if let Some(n) = sized_arg(&args, vm) {
        fits(n * BOARD_WORD, vm)?;
    }
    match LIST_INIT.get().copied().flatten() {
        Some(f) => f(zelf, args, vm),
        None => Err(vm.new_type_error("list() unavailable")),
    }
}

type VectorCallFn = fn(
    &PyObject,
    Vec<rustpython_vm::PyObjectRef>,
    usize,
    Option<&[rustpython_vm::PyObjectRef]>,
    &VirtualMachine,
) -> PyResult;

/// `list(iterable)` is called through this fast path, which skips the init slot.
static LIST_VECTORCALL: OnceLock<Option<VectorCallFn>> = OnceLock::new();
fn list_vectorcall(
    callable: &PyObject,
    args: Vec<rustpython_vm::PyObjectRef>,
    nargs: usize,
    kwnames: Option<&[rustpython_vm::PyObjectRef]>,
    vm: &VirtualMachine,
) -> PyResult {
    if let [it] = args.as_slice()
        && nargs == 1
        && it.downcast_ref::<PyInt>().is_none()
        && let Some(Ok(n)) = it.length_opt(vm)
    {
        fits(n as u128 * BOARD_WORD, vm)?;
    }
    match LIST_VECTORCALL.get().copied().flatten() {
        Some(f) => f(callable, args, nargs, kwnames, vm),
        None => Err(vm.new_type_error("list() unavailable")),
    }
}

/// `list.extend`: a sized iterable far beyond the heap is MemoryError before the list grows;
/// then the interpreter's own (kept as `_mpsim_extend`).
fn list_extend(zelf: PyObjectRef, iterable: PyObjectRef, vm: &VirtualMachine) -> PyResult {
    crate::heaplock::refuse_if_locked(vm)?;
    if let Some(l) = zelf.downcast_ref::<rustpython_vm::builtins::PyList>()
        && iterable.downcast_ref::<PyInt>().is_none()
        && let Some(Ok(n)) = iterable.length_opt(vm)
    {
        fits((l.borrow_vec().len() as u128 + n as u128) * BOARD_WORD, vm)?;
    }
    crate::slots::call_kept(
        vm,
        vm.ctx.types.list_type,
        "_mpsim_extend",
        (zelf, iterable),
    )
}

/// `sep.join(items)` for str, bytes and bytearray: a list or tuple whose joined length the heap
/// cannot hold is MemoryError before the result is made (the interpreter asks for it at once).
fn join_guard(sep: &PyObject, items: &PyObject, vm: &VirtualMachine) -> PyResult<()> {
    if !heap::tracked() {
        return Ok(());
    }
    let item_len = |o: &PyObject| -> u128 {
        if let Some(s) = o.downcast_ref::<rustpython_vm::builtins::PyStr>() {
            s.byte_len() as u128
        } else {
            o.try_bytes_like(vm, |b| b.len() as u128).unwrap_or(0)
        }
    };
    let (n, sum) = if let Some(l) = items.downcast_ref::<rustpython_vm::builtins::PyList>() {
        let v = l.borrow_vec();
        (v.len(), v.iter().map(|o| item_len(o)).sum::<u128>())
    } else if let Some(t) = items.downcast_ref::<rustpython_vm::builtins::PyTuple>() {
        (t.len(), t.iter().map(|o| item_len(o)).sum::<u128>())
    } else {
        return Ok(());
    };
    fits(sum + item_len(sep) * (n as u128).saturating_sub(1), vm)
}

macro_rules! guarded_join {
    ($name:ident, $ty:ident) => {
        fn $name(zelf: PyObjectRef, items: PyObjectRef, vm: &VirtualMachine) -> PyResult {
            join_guard(&zelf, &items, vm)?;
            crate::slots::call_kept(vm, vm.ctx.types.$ty, "_mpsim_join", (zelf, items))
        }
    };
}
guarded_join!(str_join, str_type);
guarded_join!(bytes_join, bytes_type);
guarded_join!(bytearray_join, bytearray_type);

/// Installs the checks into the interpreter's types (idempotent: the types are the process's).
pub(crate) fn install(vm: &VirtualMachine) {
    let t = &vm.ctx.types;
    use crate::slots::replace;
    fn seq(
        ty: &'static rustpython_vm::Py<rustpython_vm::builtins::PyType>,
    ) -> &'static rustpython_vm::protocol::PySequenceSlots {
        &ty.slots.as_sequence
    }
    replace(
        &seq(t.list_type).repeat,
        &LIST_REPEAT,
        list_repeat as RepeatFn,
    );
    replace(
        &seq(t.list_type).inplace_repeat,
        &LIST_IREPEAT,
        list_irepeat,
    );
    replace(&seq(t.tuple_type).repeat, &TUPLE_REPEAT, tuple_repeat);
    replace(&seq(t.str_type).repeat, &STR_REPEAT, str_repeat);
    replace(&seq(t.bytes_type).repeat, &BYTES_REPEAT, bytes_repeat);
    replace(
        &seq(t.bytearray_type).repeat,
        &BYTEARRAY_REPEAT,
        bytearray_repeat,
    );
    replace(
        &seq(t.bytearray_type).inplace_repeat,
        &BYTEARRAY_IREPEAT,
        bytearray_irepeat,
    );
    replace(
        &seq(t.bytearray_type).inplace_concat,
        &BYTEARRAY_ICONCAT,
        bytearray_iconcat as ConcatFn,
    );
    replace(&t.bytes_type.slots.new, &BYTES_NEW, bytes_new);
    replace(
        &t.bytearray_type.slots.init,
        &BYTEARRAY_INIT,
        bytearray_init,
    );
    crate::slots::replace_method(vm, t.list_type, "extend", "_mpsim_extend", list_extend);
    replace(
        &t.list_type.slots.vectorcall,
        &LIST_VECTORCALL,
        list_vectorcall,
    );
    replace(&t.list_type.slots.init, &LIST_INIT, list_init);
    crate::slots::replace_method(vm, t.str_type, "join", "_mpsim_join", str_join);
    crate::slots::replace_method(vm, t.bytes_type, "join", "_mpsim_join", bytes_join);
    crate::slots::replace_method(vm, t.bytearray_type, "join", "_mpsim_join", bytearray_join);
}
