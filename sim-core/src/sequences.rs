//! What the firmware's sequence types leave out, left out here too, with the firmware's errors
//! (MicroPython's "non-compliant" list; py/objstr.c, objstrunicode.c, objtuple.c, objlist.c,
//! objarray.c):
//! - a slice with a step other than 1 reads no `str`, `bytes`, `tuple`, `bytearray`, `array` or
//!   `memoryview` (NotImplementedError "only slices with step=1 (aka None) are supported"), and
//!   writes or deletes no `list` (NotImplementedError);
//! - `bytearray`, `array` and `memoryview` delete no items, their slices take only an array or
//!   bytes on the right, and `in` does not look for a number in them;
//! - `bytes` and `bytearray` concatenate anything with the buffer protocol, which on the firmware
//!   includes `str` (its UTF-8): `b"key" + str(1)` is `b"key1"`;
//! - `str()` and `bytes()` take no keyword arguments; `str.rsplit(None, n)`; `str.format` fields
//!   with attributes or indexes (`{a[0]}`, `{p.x}`).

use crate::slots::{kept, replace};
use rustpython_vm::builtins::{PyByteArray, PyBytes, PyFloat, PyInt, PyMemoryView, PySlice, PyStr};
use rustpython_vm::function::FuncArgs;
use rustpython_vm::protocol::{PyMapping, PySequence};
use rustpython_vm::{PyObject, PyObjectRef, PyResult, VirtualMachine};
use std::sync::OnceLock;

type GetFn = fn(PyMapping<'_>, &PyObject, &VirtualMachine) -> PyResult;
type SetFn = fn(PyMapping<'_>, &PyObject, Option<PyObjectRef>, &VirtualMachine) -> PyResult<()>;
type ContainsFn = fn(PySequence<'_>, &PyObject, &VirtualMachine) -> PyResult<bool>;
type ConcatFn = fn(PySequence<'_>, &PyObject, &VirtualMachine) -> PyResult;
type NewFn = fn(rustpython_vm::builtins::PyTypeRef, FuncArgs, &VirtualMachine) -> PyResult;

const STEP_MESSAGE: &str = "only slices with step=1 (aka None) are supported";

fn not_implemented(
    vm: &VirtualMachine,
    msg: Option<&str>,
) -> rustpython_vm::builtins::PyBaseExceptionRef {
    let t = vm.ctx.exceptions.not_implemented_error.to_owned();
    match msg {
        Some(m) => vm.new_exception_msg(t, m.into()),
        None => vm.new_exception_empty(t),
    }
}

/// Whether `key` is a slice whose step is neither None nor 1.
fn stepped(key: &PyObject, vm: &VirtualMachine) -> bool {
    key.downcast_ref::<PySlice>().is_some_and(|s| {
        s.step.as_ref().is_some_and(|step| {
            let one = step
                .downcast_ref::<PyInt>()
                .is_some_and(|i| i.as_bigint() == &1.into());
            !(vm.is_none(step) || one)
        })
    })
}

/// A buffer the firmware's array types take on the right of a slice assignment.
fn array_like(o: &PyObject) -> bool {
    o.downcast_ref::<PyBytes>().is_some()
        || o.downcast_ref::<PyByteArray>().is_some()
        || o.downcast_ref::<PyMemoryView>().is_some()
        || is_array(o)
}

/// Reads with a step are refused (one wrapper per type, each handing on to its type's slot).
macro_rules! no_stepped_reads {
    ($($name:ident),*) => {$(
        #[allow(non_snake_case)]
        mod $name {
            pub(super) static KEPT: super::OnceLock<Option<super::GetFn>> = super::OnceLock::new();
            pub(super) fn get(
                m: super::PyMapping<'_>,
                key: &super::PyObject,
                vm: &super::VirtualMachine,
            ) -> super::PyResult {
                if super::stepped(key, vm) {
                    return Err(super::not_implemented(vm, Some(super::STEP_MESSAGE)));
                }
                super::kept(&KEPT, vm)?(m, key, vm)
            }
        }
    )*};
}
no_stepped_reads!(STR, BYTES, TUPLE, BYTEARRAY_GET, MEMORYVIEW_GET, ARRAY_GET);

/// Writes to the array types: no deletion, no step, only buffers on the right of a slice.
macro_rules! array_writes {
    ($($name:ident => $type_name:literal),*) => {$(
        #[allow(non_snake_case)]
        mod $name {
            pub(super) static KEPT: super::OnceLock<Option<super::SetFn>> = super::OnceLock::new();
            pub(super) fn set(
                m: super::PyMapping<'_>,
                key: &super::PyObject,
                value: Option<super::PyObjectRef>,
                vm: &super::VirtualMachine,
            ) -> super::PyResult<()> {
                super::array_write(key, value.as_deref(), vm, $type_name)?;
                super::kept(&KEPT, vm)?(m, key, value, vm)
            }
        }
    )*};
}
array_writes!(BYTEARRAY_SET => "bytearray", MEMORYVIEW_SET => "memoryview", ARRAY_SET => "array");

fn array_write(
    key: &PyObject,
    value: Option<&PyObject>,
    vm: &VirtualMachine,
    type_name: &str,
) -> PyResult<()> {
    let Some(value) = value else {
        return Err(vm.new_type_error(format!(
            "'{type_name}' object doesn't support item deletion"
        )));
    };
    if key.downcast_ref::<PySlice>().is_some() {
        if stepped(key, vm) {
            return Err(not_implemented(vm, Some(STEP_MESSAGE)));
        }
        if !array_like(value) {
            return Err(not_implemented(
                vm,
                Some("array/bytes required on right side"),
            ));
        }
    }
    Ok(())
}

static LIST_SET: OnceLock<Option<SetFn>> = OnceLock::new();

/// A list reads slices with a step, but neither writes nor deletes them.
fn list_set(
    m: PyMapping<'_>,
    key: &PyObject,
    value: Option<PyObjectRef>,
    vm: &VirtualMachine,
) -> PyResult<()> {
    if stepped(key, vm) {
        return Err(not_implemented(vm, None));
    }
    kept(&LIST_SET, vm)?(m, key, value, vm)
}

/// `x in` a bytearray, array or memoryview: a buffer is searched for only in a bytearray (an
/// array holds no such run), and a number is not looked for at all.
macro_rules! array_contains {
    ($($name:ident => $searches:literal),*) => {$(
        #[allow(non_snake_case)]
        mod $name {
            pub(super) static KEPT: super::OnceLock<Option<super::ContainsFn>> = super::OnceLock::new();
            pub(super) fn contains(
                s: super::PySequence<'_>,
                x: &super::PyObject,
                vm: &super::VirtualMachine,
            ) -> super::PyResult<bool> {
                if x.downcast_ref::<super::PyInt>().is_some() || x.downcast_ref::<super::PyFloat>().is_some() {
                    return Err(super::not_implemented(vm, None));
                }
                if !$searches && super::array_like(x) {
                    return Ok(false);
                }
                super::kept(&KEPT, vm)?(s, x, vm)
            }
        }
    )*};
}
array_contains!(BYTEARRAY_IN => true, ARRAY_IN => false, MEMORYVIEW_IN => false);

/// `bytes + str` and `bytearray + str`: the str's UTF-8 bytes, as the firmware reads its buffer.
fn concat_str(
    kept_concat: &OnceLock<Option<ConcatFn>>,
    s: PySequence<'_>,
    other: &PyObject,
    vm: &VirtualMachine,
) -> PyResult {
    let f = kept(kept_concat, vm)?;
    match other.downcast_ref::<PyStr>() {
        Some(text) => {
            let b = vm.ctx.new_bytes(text.as_wtf8().as_bytes().to_vec());
            f(s, b.as_ref(), vm)
        }
        None => f(s, other, vm),
    }
}

static BYTES_CONCAT: OnceLock<Option<ConcatFn>> = OnceLock::new();
static BYTEARRAY_CONCAT: OnceLock<Option<ConcatFn>> = OnceLock::new();

fn bytes_concat(s: PySequence<'_>, other: &PyObject, vm: &VirtualMachine) -> PyResult {
    concat_str(&BYTES_CONCAT, s, other, vm)
}

fn bytearray_concat(s: PySequence<'_>, other: &PyObject, vm: &VirtualMachine) -> PyResult {
    concat_str(&BYTEARRAY_CONCAT, s, other, vm)
}

/// `str(…)` and `bytes(…)` with keywords.
macro_rules! no_keywords {
    ($($name:ident),*) => {$(
        #[allow(non_snake_case)]
        mod $name {
            pub(super) static KEPT: super::OnceLock<Option<super::NewFn>> = super::OnceLock::new();
            pub(super) fn new(
                cls: rustpython_vm::builtins::PyTypeRef,
                args: super::FuncArgs,
                vm: &super::VirtualMachine,
            ) -> super::PyResult {
                if !args.kwargs.is_empty() {
                    return Err(super::not_implemented(
                        vm,
                        Some("keyword argument(s) not implemented - use normal args instead"),
                    ));
                }
                super::kept(&KEPT, vm)?(cls, args, vm)
            }
        }
    )*};
}
no_keywords!(STR_NEW, BYTES_NEW);

/// `str.rsplit(None, n)` with a limit is not implemented on the firmware.
fn str_rsplit(args: FuncArgs, vm: &VirtualMachine) -> PyResult {
    let sep_none = args
        .args
        .get(1)
        .or_else(|| args.kwargs.get("sep"))
        .is_none_or(|s| vm.is_none(s));
    let limit = args.args.get(2).or_else(|| args.kwargs.get("maxsplit"));
    let limited = limit
        .and_then(|l| l.downcast_ref::<PyInt>())
        .is_some_and(|l| l.as_bigint() >= &0.into());
    if sep_none && limited {
        return Err(not_implemented(vm, Some("rsplit(None,n)")));
    }
    crate::slots::call_kept(vm, vm.ctx.types.str_type, "_mpsim_rsplit", args)
}

/// `str.format` looks up no attribute or index in a field (`{a[0]}`, `{p.x}`).
fn str_format(args: FuncArgs, vm: &VirtualMachine) -> PyResult {
    if let Some(fmt) = args.args.first().and_then(|s| s.downcast_ref::<PyStr>())
        && let Some(text) = fmt.to_str()
    {
        if fields_look_inside(text) {
            return Err(not_implemented(vm, Some("attributes not supported")));
        }
        // A field's name is interned to look the keyword argument up.
        if text.split('{').skip(1).any(|f| {
            f.split(['}', '!', ':'])
                .next()
                .is_some_and(|n| n.len() > 255)
        }) {
            return Err(vm.new_runtime_error("name too long"));
        }
    }
    crate::slots::call_kept(vm, vm.ctx.types.str_type, "_mpsim_format", args)
}

/// Whether a replacement field of `fmt` names an attribute or an index.
fn fields_look_inside(fmt: &str) -> bool {
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
            }
            '{' => {
                for f in chars.by_ref() {
                    match f {
                        '.' | '[' => return true,
                        '!' | ':' | '}' => break,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    false
}

/// Installs the core types' wrappers (once per process: the types are the process's).
pub(crate) fn install(vm: &VirtualMachine) {
    let t = &vm.ctx.types;
    let reads: [(_, _, GetFn); 5] = [
        (t.str_type, &STR::KEPT, STR::get),
        (t.bytes_type, &BYTES::KEPT, BYTES::get),
        (t.tuple_type, &TUPLE::KEPT, TUPLE::get),
        (t.bytearray_type, &BYTEARRAY_GET::KEPT, BYTEARRAY_GET::get),
        (
            t.memoryview_type,
            &MEMORYVIEW_GET::KEPT,
            MEMORYVIEW_GET::get,
        ),
    ];
    for (ty, kept, f) in reads {
        replace(&ty.slots.as_mapping.subscript, kept, f);
    }
    let writes: [(_, _, SetFn); 3] = [
        (t.bytearray_type, &BYTEARRAY_SET::KEPT, BYTEARRAY_SET::set),
        (
            t.memoryview_type,
            &MEMORYVIEW_SET::KEPT,
            MEMORYVIEW_SET::set,
        ),
        (t.list_type, &LIST_SET, list_set),
    ];
    for (ty, kept, f) in writes {
        replace(&ty.slots.as_mapping.ass_subscript, kept, f);
    }
    let contains: [(_, _, ContainsFn); 2] = [
        (
            t.bytearray_type,
            &BYTEARRAY_IN::KEPT,
            BYTEARRAY_IN::contains,
        ),
        (
            t.memoryview_type,
            &MEMORYVIEW_IN::KEPT,
            MEMORYVIEW_IN::contains,
        ),
    ];
    for (ty, kept, f) in contains {
        replace(&ty.slots.as_sequence.contains, kept, f);
    }
    let concats: [(_, _, ConcatFn); 2] = [
        (t.bytes_type, &BYTES_CONCAT, bytes_concat),
        (t.bytearray_type, &BYTEARRAY_CONCAT, bytearray_concat),
    ];
    for (ty, kept, f) in concats {
        replace(&ty.slots.as_sequence.concat, kept, f);
    }
    replace(&t.str_type.slots.new, &STR_NEW::KEPT, STR_NEW::new as NewFn);
    replace(
        &t.bytes_type.slots.new,
        &BYTES_NEW::KEPT,
        BYTES_NEW::new as NewFn,
    );
    crate::slots::replace_method(vm, t.str_type, "rsplit", "_mpsim_rsplit", str_rsplit);
    crate::slots::replace_method(vm, t.str_type, "format", "_mpsim_format", str_format);
}

/// Installs `array.array`'s (once the array module is first imported).
pub(crate) fn install_array(array: &rustpython_vm::Py<rustpython_vm::builtins::PyType>) {
    let slots = &array.slots;
    replace(
        &slots.as_mapping.subscript,
        &ARRAY_GET::KEPT,
        ARRAY_GET::get as GetFn,
    );
    replace(
        &slots.as_mapping.ass_subscript,
        &ARRAY_SET::KEPT,
        ARRAY_SET::set as SetFn,
    );
    replace(
        &slots.as_sequence.contains,
        &ARRAY_IN::KEPT,
        ARRAY_IN::contains as ContainsFn,
    );
    replace(&slots.new, &ARRAY_NEW, array_new as NewFn);
}

static ARRAY_NEW: OnceLock<Option<NewFn>> = OnceLock::new();
/// `array.array(…)`; a typecode it does not know is the firmware's bare "bad typecode".
fn array_new(
    cls: rustpython_vm::builtins::PyTypeRef,
    args: FuncArgs,
    vm: &VirtualMachine,
) -> PyResult {
    kept(&ARRAY_NEW, vm)?(cls, args, vm).map_err(|e| {
        use rustpython_vm::AsObject;
        let bad = e.as_object().fast_isinstance(vm.ctx.exceptions.value_error)
            && e.args().first().is_some_and(|m| {
                m.downcast_ref::<PyStr>()
                    .is_some_and(|s| s.as_wtf8().to_string().starts_with("bad typecode"))
            });
        if bad {
            vm.new_value_error("bad typecode")
        } else {
            e
        }
    })
}

/// `array.array` (the module's type, known once the module is first imported).
static ARRAY_TYPE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// Remembers `array.array` (see [`is_array`]).
pub(crate) fn set_array_type(array: &rustpython_vm::Py<rustpython_vm::builtins::PyType>) {
    let _ = ARRAY_TYPE.set(std::ptr::from_ref(array) as usize);
}

/// Whether `o` is an `array.array` (or of a subclass).
pub(crate) fn is_array(o: &rustpython_vm::PyObject) -> bool {
    ARRAY_TYPE.get().is_some_and(|&t| {
        let addr =
            |c: &rustpython_vm::Py<rustpython_vm::builtins::PyType>| std::ptr::from_ref(c) as usize;
        let class = o.class();
        addr(class) == t || class.mro.read().iter().any(|c| addr(c) == t)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn format_fields_that_look_inside() {
        assert!(super::fields_look_inside("{a[0]}"));
        assert!(super::fields_look_inside("x {0.real:>4}"));
        assert!(!super::fields_look_inside("{{a.b}} {0:.3f} {name!r}"));
    }
}
