//! Methods of the built-in types as the firmware has them, where the interpreter's differ in
//! what a script sees: the repr of exceptions (`ValueError(2,)`), the text of an OSError (`[Errno 5] EIO`) and of a SyntaxError (its
//! message; the traceback prints file and line), and `int.to_bytes`, which on MicroPython
//! writes a negative number in two's complement without being asked (`signed=True`); and what
//! the firmware's types lack: code objects without bytecode or constructor, `str` without the
//! methods MicroPython's lacks, no `__class_getitem__`.
//! Installed natively, in Rust, once per process into the types every interpreter shares (a
//! Python function there would outlive its interpreter's globals at a soft reset).

use crate::slots::replace_method;
use rustpython_vm::AsObject;
use rustpython_vm::builtins::{PyInt, PyStr};
use rustpython_vm::function::FuncArgs;
use rustpython_vm::{PyObjectRef, PyRef, PyResult, VirtualMachine};

/// `str()` of an OSError as the firmware prints it: `OSError(5)` is `[Errno 5] EIO`, and
/// `OSError(2, 'x')` is `[Errno 2] ENOENT: x`, for the numbers in its errno table (the exact
/// type only, as py/objexcept.c checks); otherwise as any exception, with the firmware's wording
/// of the messages NameError and TypeError have from the interpreter.
fn exception_str(exc: PyObjectRef, vm: &VirtualMachine) -> PyResult<PyRef<PyStr>> {
    use rustpython_vm::builtins::PyBaseException;
    let Some(e) = exc.downcast_ref::<PyBaseException>() else {
        return exc.repr(vm);
    };
    let args = e.args();
    // The interpreter turns OSError(errno, text) into a subclass (FileNotFoundError …) that
    // the firmware does not have: those count as OSError; a script's own subclass does not.
    let class = exc.class();
    if exc.fast_isinstance(vm.ctx.exceptions.os_error)
        && !class
            .slots
            .flags
            .has_feature(rustpython_vm::types::PyTypeFlags::HEAPTYPE)
    {
        // OSError(errno, text, filename) keeps only two args in the interpreter; the firmware
        // keeps all three and prints them as a tuple.
        if args.len() == 2
            && let Ok(file) = exc.get_attr("filename", vm)
            && !vm.is_none(&file)
        {
            let all = vm
                .ctx
                .new_tuple(vec![args[0].clone(), args[1].clone(), file]);
            return all.as_object().repr(vm);
        }
        let name = args
            .first()
            .and_then(|a| a.downcast_ref::<PyInt>())
            .and_then(|i| i32::try_from(i.as_bigint()).ok())
            .and_then(|n| crate::errors::ERRNO_NAMES.iter().find(|(e, _)| *e == n));
        if let (1..=2, Some((n, name))) = (args.len(), name) {
            let mut text = format!("[Errno {n}] {name}");
            if let Some(more) = args.get(1) {
                text.push_str(": ");
                text.push_str(more.str(vm)?.as_ref());
            }
            return Ok(vm.ctx.new_str(text));
        }
    }
    match args.as_slice() {
        [] => Ok(vm.ctx.new_str("")),
        [one] => {
            let text = one.str(vm)?;
            Ok(match text.to_str().and_then(firmware_wording) {
                Some(t) => vm.ctx.new_str(t),
                None => text,
            })
        }
        _ => args.as_object().repr(vm),
    }
}

/// An exception's args, the first in the firmware's wording when the interpreter's message is
/// one [`firmware_wording`] knows.
fn worded_args(
    exc: &rustpython_vm::PyObject,
    vm: &VirtualMachine,
) -> Option<PyRef<rustpython_vm::builtins::PyTuple>> {
    use rustpython_vm::builtins::PyBaseException;
    let args = exc.downcast_ref::<PyBaseException>()?.args();
    let reworded = args
        .first()
        .and_then(|a| a.downcast_ref::<PyStr>())
        .and_then(|s| s.to_str())
        .and_then(firmware_wording);
    Some(match reworded {
        Some(text) => {
            let mut items = args.as_slice().to_vec();
            items[0] = vm.ctx.new_str(text).into();
            vm.ctx.new_tuple(items)
        }
        None => args,
    })
}

/// `args` of NameError and TypeError: reworded as [`worded_args`] (the interpreter words the
/// messages it raises itself), so `e.args[0]` is the firmware's text too.
fn exception_args(exc: PyObjectRef, vm: &VirtualMachine) -> PyResult {
    Ok(worded_args(&exc, vm).map_or_else(|| vm.ctx.empty_tuple.clone().into(), Into::into))
}

fn exception_set_args(exc: PyObjectRef, value: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
    let base = vm
        .ctx
        .exceptions
        .base_exception_type
        .attributes
        .get(vm.ctx.intern_str("args"))
        .ok_or_else(|| vm.new_attribute_error("args"))?;
    vm.call_method(&base, "__set__", (exc, value))?;
    Ok(())
}

/// Puts [`exception_args`] into NameError, TypeError and RecursionError (and so their
/// subclasses), once.
fn worded_exception_args(vm: &VirtualMachine) {
    let e = &vm.ctx.exceptions;
    let name = vm.ctx.intern_str("args");
    for ty in [e.name_error, e.type_error, e.recursion_error] {
        if ty.attributes.contains(name) {
            continue;
        }
        let getset = vm
            .ctx
            .new_getset("args", ty, exception_args, exception_set_args);
        ty.set_attr(name, getset.into());
    }
}

/// The firmware's wording of the messages the interpreter raises with its own: a name that
/// "isn't defined", and "exceptions must derive from BaseException".
fn firmware_wording(text: &str) -> Option<String> {
    if let Some(name) = text
        .strip_prefix("name '")
        .and_then(|t| t.strip_suffix("' is not defined"))
    {
        return Some(format!("name '{name}' isn't defined"));
    }
    if text.starts_with("exceptions must be classes or instances deriving from BaseException")
        || (text.starts_with("calling ")
            && text.contains("should have returned an instance of BaseException"))
    {
        return Some("exceptions must derive from BaseException".to_owned());
    }
    if text.starts_with("maximum recursion depth exceeded")
        && text != "maximum recursion depth exceeded"
    {
        return Some("maximum recursion depth exceeded".to_owned());
    }
    None
}

/// `repr()` of an exception as py/objexcept.c prints it: the type's name and the tuple of its
/// arguments, so `ValueError(2,)` and `ValueError()`.
fn exception_repr(exc: &rustpython_vm::PyObject, vm: &VirtualMachine) -> PyResult<PyRef<PyStr>> {
    let args = match worded_args(exc, vm) {
        Some(a) => a.as_object().repr(vm)?,
        None => vm.ctx.new_str("()"),
    };
    // The firmware has no RecursionError: it raises RuntimeError.
    let class = exc.class();
    let name = if class.is(vm.ctx.exceptions.recursion_error) {
        "RuntimeError".to_owned()
    } else {
        class.name().to_string()
    };
    Ok(vm.ctx.new_str(format!("{name}{}", args.as_wtf8())))
}

/// Puts [`exception_repr`] into every built-in exception type that uses the interpreter's own
/// repr (a subclass a script defines later inherits it from its base). At boot: the builtins
/// are not filled in yet while the interpreter is built.
pub(crate) fn exception_reprs(vm: &VirtualMachine) {
    use rustpython_vm::builtins::PyType;
    // The built-in types are the process's: the first boot does it for every later one.
    static DONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if DONE.swap(true, std::sync::atomic::Ordering::AcqRel) {
        return;
    }
    let base = vm.ctx.exceptions.base_exception_type;
    let Some(original) = base.slots.repr.load() else {
        return;
    };
    let Some(original_new) = base.slots.new.load() else {
        return;
    };
    let _ = EXCEPTION_NEW.set(original_new);
    let Some(original_init) = base.slots.init.load() else {
        return;
    };
    let _ = EXCEPTION_INIT.set(original_init);
    for (_, value) in vm.builtins.dict().items_vec() {
        let Some(ty) = value.downcast_ref::<PyType>() else {
            continue;
        };
        if ty.fast_issubclass(base)
            && ty
                .slots
                .repr
                .load()
                .is_some_and(|f| std::ptr::fn_addr_eq(f, original))
        {
            ty.slots.repr.store(Some(exception_repr));
        }
        if ty.fast_issubclass(base)
            && ty
                .slots
                .new
                .load()
                .is_some_and(|f| std::ptr::fn_addr_eq(f, original_new))
        {
            ty.slots.new.store(Some(exception_new));
        }
        if ty.fast_issubclass(base)
            && ty
                .slots
                .init
                .load()
                .is_some_and(|f| std::ptr::fn_addr_eq(f, original_init))
        {
            ty.slots.init.store(Some(exception_init));
        }
    }
}

/// While the heap is locked the firmware puts an exception's argument tuple in its emergency
/// exception buffer (256 bytes, after two traceback entries of three words): up to 56 arguments
/// of 4 bytes fit; more, and the exception has none.
fn drop_args_when_locked(args: &mut FuncArgs) {
    const EMERGENCY_ARGS: usize = (256 - 2 * 3 * 4 - 8) / 4;
    if crate::heap::locked() && crate::heap::tracked() && args.args.len() > EMERGENCY_ARGS {
        args.args.clear();
    }
}

type ExcNewFn = fn(rustpython_vm::builtins::PyTypeRef, FuncArgs, &VirtualMachine) -> PyResult;
static EXCEPTION_NEW: std::sync::OnceLock<ExcNewFn> = std::sync::OnceLock::new();

/// An exception made while the heap is locked: its arguments as the emergency buffer holds them
/// ([`drop_args_when_locked`]).
fn exception_new(
    cls: rustpython_vm::builtins::PyTypeRef,
    mut args: FuncArgs,
    vm: &VirtualMachine,
) -> PyResult {
    let Some(original) = EXCEPTION_NEW.get() else {
        return Err(vm.new_type_error("the interpreter's slot is missing"));
    };
    drop_args_when_locked(&mut args);
    original(cls, args, vm)
}

type ExcInitFn = fn(&rustpython_vm::PyObject, FuncArgs, &VirtualMachine) -> PyResult<()>;
static EXCEPTION_INIT: std::sync::OnceLock<ExcInitFn> = std::sync::OnceLock::new();

/// `__init__` of an exception, which sets its arguments again: none while the heap is locked.
fn exception_init(
    zelf: &rustpython_vm::PyObject,
    mut args: FuncArgs,
    vm: &VirtualMachine,
) -> PyResult<()> {
    let Some(original) = EXCEPTION_INIT.get() else {
        return Err(vm.new_type_error("the interpreter's slot is missing"));
    };
    drop_args_when_locked(&mut args);
    original(zelf, args, vm)
}

/// `repr()` of a class as the firmware prints it: `<class 'Name'>`, without its module.
fn type_repr(cls: &rustpython_vm::PyObject, vm: &VirtualMachine) -> PyResult<PyRef<PyStr>> {
    let name = match cls.downcast_ref::<rustpython_vm::builtins::PyType>() {
        Some(t) => t.name().to_string(),
        None => return Ok(vm.ctx.new_str("<class>")),
    };
    Ok(vm.ctx.new_str(format!("<class '{name}'>")))
}

/// `repr()` of a module as the firmware prints it: `<module 'name'>`, with `from 'file'` for one
/// imported from a file.
fn module_repr(module: &rustpython_vm::PyObject, vm: &VirtualMachine) -> PyResult<PyRef<PyStr>> {
    let attr = |name: &'static str| {
        module
            .get_attr(name, vm)
            .ok()
            .filter(|v| v.downcast_ref::<PyStr>().is_some())
            .map(|v| v.str(vm).map(|s| s.as_wtf8().to_string()))
            .transpose()
    };
    let name = attr("__name__")?.unwrap_or_else(|| "?".to_owned());
    Ok(vm.ctx.new_str(match attr("__file__")? {
        Some(file) => format!("<module '{name}' from '{file}'>"),
        None => format!("<module '{name}'>"),
    }))
}

fn type_repr_method(cls: PyObjectRef, vm: &VirtualMachine) -> PyResult<PyRef<PyStr>> {
    type_repr(&cls, vm)
}

/// The interpreter's own `OSError.errno` descriptor, kept by [`oserror_errno_alias`].
const ERRNO_KEPT: &str = "_mpsim_errno";

fn kept_errno(vm: &VirtualMachine) -> PyResult<PyObjectRef> {
    crate::slots::kept_attr(vm, vm.ctx.exceptions.os_error, ERRNO_KEPT)
}

fn oserror_errno(exc: PyObjectRef, vm: &VirtualMachine) -> PyResult {
    use rustpython_vm::builtins::PyBaseException;
    let kept = kept_errno(vm)?;
    let value = vm.call_method(&kept, "__get__", (exc.clone(), exc.class().to_owned()))?;
    if vm.is_none(&value)
        && let Some(first) = exc
            .downcast_ref::<PyBaseException>()
            .and_then(|e| e.args().first().cloned())
        && first.downcast_ref::<PyInt>().is_some()
    {
        return Ok(first);
    }
    Ok(value)
}

fn oserror_set_errno(exc: PyObjectRef, value: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
    let kept = kept_errno(vm)?;
    vm.call_method(&kept, "__set__", (exc, value))?;
    Ok(())
}

/// `OSError(5).errno` is 5 on the firmware (the first argument, however many there are); the
/// interpreter sets it only for two to five arguments.
fn oserror_errno_alias(vm: &VirtualMachine) {
    crate::slots::replace_getset(
        vm,
        vm.ctx.exceptions.os_error,
        "errno",
        ERRNO_KEPT,
        oserror_errno,
        oserror_set_errno,
    );
}

fn exception_repr_method(exc: PyObjectRef, vm: &VirtualMachine) -> PyResult<PyRef<PyStr>> {
    exception_repr(&exc, vm)
}

/// Slices cannot be hashed on the firmware (so `{}[:] = x` is a TypeError, not a new key).
fn unhashable_slice(
    _: &rustpython_vm::PyObject,
    vm: &VirtualMachine,
) -> PyResult<rustpython_vm::common::hash::PyHash> {
    Err(vm.new_type_error("unsupported type for __hash__: 'slice'"))
}

/// `set.pop()` takes the set's first element, as the firmware's does (so a set of small ints
/// pops in ascending order); the interpreter's takes the last.
fn set_pop(zelf: PyObjectRef, vm: &VirtualMachine) -> PyResult {
    use rustpython_vm::protocol::PyIterReturn;
    match zelf.get_iter(vm)?.next(vm)? {
        PyIterReturn::Return(item) => {
            vm.call_method(&zelf, "remove", (item.clone(),))?;
            Ok(item)
        }
        PyIterReturn::StopIteration(_) => {
            Err(vm.new_key_error(vm.ctx.new_str("pop from an empty set").into()))
        }
    }
}

/// `bytes.strip()` that strips nothing returns the object itself, as the firmware's (and the
/// interpreter's own `lstrip`/`rstrip`) do.
fn bytes_strip(zelf: PyObjectRef, args: FuncArgs, vm: &VirtualMachine) -> PyResult {
    let mut all = args;
    all.prepend_arg(zelf.clone());
    let stripped = crate::slots::call_kept(vm, vm.ctx.types.bytes_type, "_mpsim_strip", all)?;
    let same = zelf.class().is(vm.ctx.types.bytes_type)
        && stripped.length(vm).ok() == zelf.length(vm).ok();
    Ok(if same { zelf } else { stripped })
}

fn int_to_bytes(zelf: PyObjectRef, args: FuncArgs, vm: &VirtualMachine) -> PyResult {
    let mut args = args;
    let zero: PyObjectRef = vm.ctx.new_int(0).into();
    let negative = zelf.downcast_ref::<PyInt>().is_some()
        && zelf.rich_compare_bool(&zero, rustpython_vm::types::PyComparisonOp::Lt, vm)?;
    if negative && !args.kwargs.contains_key("signed") && args.args.len() < 3 {
        args.kwargs
            .insert("signed".into(), vm.ctx.true_value.clone().into());
    }
    args.prepend_arg(zelf);
    crate::slots::call_kept(vm, vm.ctx.types.int_type, "_mpsim_to_bytes", args)
}

/// Code objects as opaque as the firmware's: no bytecode to read or replace and no way to
/// make one but compiling source (a doctored code object would reach the interpreter's
/// internals).
fn seal_code_type(vm: &VirtualMachine) {
    let t = vm.ctx.types.code_type;
    for name in [
        "replace",
        "__replace__",
        "co_code",
        "_co_code_adaptive",
        "_varname_from_oparg",
    ] {
        t.attributes.remove(vm.ctx.intern_str(name));
    }
    // The boards' firmware builds code objects at its "basic" level: a type without attributes
    // (so `f.__code__.co_lines` is an AttributeError there, and scripts test for it). mpsim's own
    // frozen modules read them under `_mpsim_co_*`.
    let names: Vec<String> = t
        .attributes
        .entries()
        .into_iter()
        .filter_map(|(k, _)| {
            k.downcast_ref::<PyStr>()
                .and_then(|s| s.to_str().map(str::to_owned))
        })
        .filter(|k| k.starts_with("co_"))
        .collect();
    for name in names {
        if let Some(v) = t.attributes.remove(vm.ctx.intern_str(name.as_str())) {
            t.set_attr(vm.ctx.intern_str(format!("_mpsim_{name}")), v);
        }
    }
    fn refuse(
        _cls: rustpython_vm::builtins::PyTypeRef,
        _args: FuncArgs,
        vm: &VirtualMachine,
    ) -> PyResult {
        Err(vm.new_type_error("cannot create 'code' instances"))
    }
    t.slots.new.store(Some(refuse));
    t.slots.vectorcall.store(None);
}

/// The built-in types as the firmware has them: `str` without the methods MicroPython's
/// lacks (py/objstr.c), and no `__class_getitem__` (no generics). Once per process.
fn trim_builtin_types(vm: &VirtualMachine) {
    const STR_ABSENT: &[&str] = &[
        "capitalize",
        "casefold",
        "expandtabs",
        "format_map",
        "isalnum",
        "isascii",
        "isdecimal",
        "isidentifier",
        "isnumeric",
        "isprintable",
        "istitle",
        "ljust",
        "maketrans",
        "removeprefix",
        "removesuffix",
        "rjust",
        "swapcase",
        "title",
        "translate",
        "zfill",
    ];
    // The firmware's int has from_bytes and to_bytes only, its float no methods at all.
    const INT_ABSENT: &[&str] = &[
        "as_integer_ratio",
        "bit_count",
        "bit_length",
        "conjugate",
        "denominator",
        "imag",
        "is_integer",
        "numerator",
        "real",
    ];
    const FLOAT_ABSENT: &[&str] = &[
        "as_integer_ratio",
        "conjugate",
        "fromhex",
        "hex",
        "imag",
        "is_integer",
        "real",
    ];
    let t = &vm.ctx.types;
    for (ty, absent) in [
        (t.str_type, STR_ABSENT),
        (t.int_type, INT_ABSENT),
        (t.float_type, FLOAT_ABSENT),
    ] {
        for name in absent {
            ty.attributes.remove(vm.ctx.intern_str(*name));
        }
    }
    let generic = vm.ctx.intern_str("__class_getitem__");
    for ty in [
        t.list_type,
        t.dict_type,
        t.tuple_type,
        t.set_type,
        t.frozenset_type,
        t.type_type,
    ] {
        ty.attributes.remove(generic);
    }
}

type NextFn = fn(
    &rustpython_vm::PyObject,
    &VirtualMachine,
) -> PyResult<rustpython_vm::protocol::PyIterReturn>;
static SEQ_NEXT: std::sync::OnceLock<Option<NextFn>> = std::sync::OnceLock::new();

/// The iterator over a `__getitem__` sequence ends without a value, as the firmware's does,
/// even when `__getitem__` ended it with `StopIteration(value)`.
fn seq_next(
    it: &rustpython_vm::PyObject,
    vm: &VirtualMachine,
) -> PyResult<rustpython_vm::protocol::PyIterReturn> {
    use rustpython_vm::protocol::PyIterReturn;
    Ok(match crate::slots::kept(&SEQ_NEXT, vm)?(it, vm)? {
        PyIterReturn::StopIteration(_) => PyIterReturn::StopIteration(None),
        other => other,
    })
}

thread_local! {
    /// The modules of this board's interpreter that are read-only (by address; each boot starts
    /// with none, and a sealed module stays in `sys.modules` while it is sealed).
    static SEALED: std::cell::RefCell<std::collections::HashSet<usize>> =
        std::cell::RefCell::new(std::collections::HashSet::new());
}

/// Marks `module` read-only: it is a C module on the firmware, whose globals are a fixed table
/// in ROM (`sys.x = 1` is an AttributeError there). `sys` keeps the names the firmware lets a
/// script set (`path`, `ps1`, `ps2`, `tracebacklimit`).
pub(crate) fn seal_module(module: &rustpython_vm::PyObject) {
    let addr = std::ptr::from_ref(module) as *const u8 as usize;
    SEALED.with(|s| s.borrow_mut().insert(addr));
}

/// Forgets the sealed modules of the last boot.
pub(crate) fn unseal_all() {
    SEALED.with(|s| s.borrow_mut().clear());
}

type SetattroFn = fn(
    &rustpython_vm::PyObject,
    &rustpython_vm::Py<PyStr>,
    rustpython_vm::function::PySetterValue,
    &VirtualMachine,
) -> PyResult<()>;
static MODULE_SETATTR: std::sync::OnceLock<Option<SetattroFn>> = std::sync::OnceLock::new();

fn module_setattr(
    module: &rustpython_vm::PyObject,
    name: &rustpython_vm::Py<PyStr>,
    value: rustpython_vm::function::PySetterValue,
    vm: &VirtualMachine,
) -> PyResult<()> {
    let addr = std::ptr::from_ref(module) as *const u8 as usize;
    if SEALED.with(|s| s.borrow().contains(&addr)) {
        let n = name.as_wtf8().to_string();
        // The import system binds a submodule to its package as it loads it.
        let submodule = match &value {
            rustpython_vm::function::PySetterValue::Assign(v) => {
                v.class().fast_issubclass(vm.ctx.types.module_type)
            }
            rustpython_vm::function::PySetterValue::Delete => false,
        };
        let settable = submodule
            || n.starts_with("__") && n.ends_with("__")
            || module.is(&vm.sys_module)
                && matches!(n.as_str(), "path" | "ps1" | "ps2" | "tracebacklimit");
        if !settable {
            return Err(vm.new_attribute_error(format!("'module' object has no attribute '{n}'")));
        }
    }
    crate::slots::kept(&MODULE_SETATTR, vm)?(module, name, value, vm)
}

type CmpResult = PyResult<
    rustpython_vm::function::Either<PyObjectRef, rustpython_vm::function::PyComparisonValue>,
>;
type CmpFn = fn(
    &rustpython_vm::PyObject,
    &rustpython_vm::PyObject,
    rustpython_vm::types::PyComparisonOp,
    &VirtualMachine,
) -> CmpResult;
static ARRAY_CMP: std::sync::OnceLock<Option<CmpFn>> = std::sync::OnceLock::new();
static BYTES_CMP: std::sync::OnceLock<Option<CmpFn>> = std::sync::OnceLock::new();

/// An array compares as the firmware's does (py/objarray.c): only with another array (or a
/// bytearray or memoryview; never with bytes), byte by byte, and only where the two layouts
/// make that right — the same item size for `==`/`!=` (signedness aside), the same unsigned
/// type for `<`, `<=`, `>`, `>=`; other pairs, and floats (nan), are a NotImplementedError.
fn array_cmp(
    a: &rustpython_vm::PyObject,
    b: &rustpython_vm::PyObject,
    op: rustpython_vm::types::PyComparisonOp,
    vm: &VirtualMachine,
) -> CmpResult {
    use rustpython_vm::builtins::{PyByteArray, PyMemoryView};
    use rustpython_vm::function::{Either, PyComparisonValue};
    use rustpython_vm::types::PyComparisonOp as Op;
    if !crate::sequences::is_array(b)
        && b.downcast_ref::<PyByteArray>().is_none()
        && b.downcast_ref::<PyMemoryView>().is_none()
    {
        return Ok(Either::B(PyComparisonValue::NotImplemented));
    }
    let code = |o: &rustpython_vm::PyObject| -> PyResult<char> {
        if !crate::sequences::is_array(o) {
            return Ok('B');
        }
        let c = o.get_attr("typecode", vm)?;
        Ok(c.str(vm)?
            .as_wtf8()
            .to_string()
            .chars()
            .next()
            .unwrap_or('B'))
    };
    let (ca, cb) = (code(a)?, code(b)?);
    let unsigned = ca.is_ascii_uppercase() || cb.is_ascii_uppercase();
    let (la, lb) = (ca.to_ascii_lowercase(), cb.to_ascii_lowercase());
    if la != lb || la == 'f' || la == 'd' || !(matches!(op, Op::Eq | Op::Ne) || unsigned) {
        return Err(vm.new_exception_empty(vm.ctx.exceptions.not_implemented_error.to_owned()));
    }
    let bytes = |o: &rustpython_vm::PyObject| -> PyResult<Vec<u8>> {
        let b = vm
            .ctx
            .types
            .bytes_type
            .as_object()
            .call((o.to_owned(),), vm)?;
        Ok(b.downcast_ref::<rustpython_vm::builtins::PyBytes>()
            .map(|b| b.as_bytes().to_vec())
            .unwrap_or_default())
    };
    let (x, y) = (bytes(a)?, bytes(b)?);
    Ok(Either::B(PyComparisonValue::Implemented(
        op.eval_ord(x.cmp(&y)),
    )))
}

/// `bytes` does not compare equal to an array on the firmware (neither type looks at the other).
fn bytes_cmp(
    a: &rustpython_vm::PyObject,
    b: &rustpython_vm::PyObject,
    op: rustpython_vm::types::PyComparisonOp,
    vm: &VirtualMachine,
) -> CmpResult {
    if crate::sequences::is_array(b) {
        return Ok(rustpython_vm::function::Either::B(
            rustpython_vm::function::PyComparisonValue::NotImplemented,
        ));
    }
    crate::slots::kept(&BYTES_CMP, vm)?(a, b, op, vm)
}

/// Gives `array.array` (the type of the module just imported) the firmware's comparisons.
pub(crate) fn array_comparisons(array: &rustpython_vm::Py<rustpython_vm::builtins::PyType>) {
    crate::sequences::set_array_type(array);
    crate::slots::replace(&array.slots.richcompare, &ARRAY_CMP, array_cmp as CmpFn);
}

/// Whether `module` (a name in `sys.modules`) stands for firmware code: a sealed C module, or one
/// of mpsim's own frozen helpers.
fn is_firmware_module(name: &str, vm: &VirtualMachine) -> bool {
    // mpsim's own frozen helpers (`_mpsim_boot`, `_viper`, …).
    if name.starts_with('_') && vm.state.frozen.contains_key(name) {
        return true;
    }
    vm.sys_module
        .get_attr("modules", vm)
        .and_then(|m| m.get_item(name, vm))
        .is_ok_and(|m| {
            let addr = std::ptr::from_ref::<rustpython_vm::PyObject>(&m) as *const u8 as usize;
            SEALED.with(|s| s.borrow().contains(&addr))
        })
}

type ReprFn = fn(&rustpython_vm::PyObject, &VirtualMachine) -> PyResult<PyRef<PyStr>>;
static FUNCTION_REPR: std::sync::OnceLock<Option<ReprFn>> = std::sync::OnceLock::new();

/// A function of the firmware (built into the interpreter, or of a module that is C on the
/// board) prints as the firmware prints its C functions, `<function>`; a script's as
/// `<function name at 0x…>`.
fn function_repr(f: &rustpython_vm::PyObject, vm: &VirtualMachine) -> PyResult<PyRef<PyStr>> {
    if function_of_firmware(f, vm) {
        return Ok(vm.ctx.new_str("<function>"));
    }
    crate::slots::kept(&FUNCTION_REPR, vm)?(f, vm)
}

/// The module a function was defined in, if it stands for firmware code.
fn function_of_firmware(f: &rustpython_vm::PyObject, vm: &VirtualMachine) -> bool {
    let module = f.get_attr("__module__", vm).ok();
    module
        .as_ref()
        .and_then(|m| m.downcast_ref::<PyStr>())
        .and_then(|m| m.to_str())
        .is_some_and(|m| is_firmware_module(m, vm))
}

static FUNCTION_SETATTR: std::sync::OnceLock<Option<SetattroFn>> = std::sync::OnceLock::new();

/// A function's attributes cannot be set on the firmware (it has no `__dict__`, and `__name__`
/// is read-only): an AttributeError, except for mpsim's own functions.
fn function_setattr(
    f: &rustpython_vm::PyObject,
    name: &rustpython_vm::Py<PyStr>,
    value: rustpython_vm::function::PySetterValue,
    vm: &VirtualMachine,
) -> PyResult<()> {
    if !function_of_firmware(f, vm) {
        return Err(vm.new_attribute_error(format!(
            "'function' object has no attribute '{}'",
            name.as_wtf8()
        )));
    }
    crate::slots::kept(&FUNCTION_SETATTR, vm)?(f, name, value, vm)
}

/// A built-in function not bound to an object prints as `<function>` on the firmware.
fn builtin_function_repr(
    f: &rustpython_vm::PyObject,
    vm: &VirtualMachine,
) -> PyResult<PyRef<PyStr>> {
    let bound = f
        .get_attr("__self__", vm)
        .is_ok_and(|s| !vm.is_none(&s) && !s.class().is(vm.ctx.types.module_type));
    if !bound {
        return Ok(vm.ctx.new_str("<function>"));
    }
    crate::slots::kept(&BUILTIN_REPR, vm)?(f, vm)
}
static BUILTIN_REPR: std::sync::OnceLock<Option<ReprFn>> = std::sync::OnceLock::new();

static EXCEPTION_SETATTR: std::sync::OnceLock<Option<SetattroFn>> = std::sync::OnceLock::new();

/// An instance of a built-in exception type takes no new attributes on the firmware (a script's
/// own exception class does). The interpreter's own fields stay settable (it fills some in by
/// name: a SyntaxError's position, an OSError's errno, an ImportError's name, …).
fn exception_setattr(
    exc: &rustpython_vm::PyObject,
    name: &rustpython_vm::Py<PyStr>,
    value: rustpython_vm::function::PySetterValue,
    vm: &VirtualMachine,
) -> PyResult<()> {
    const FIELDS: &[&str] = &[
        "errno",
        "strerror",
        "filename",
        "filename2",
        "winerror",
        "lineno",
        "offset",
        "text",
        "msg",
        "end_lineno",
        "end_offset",
        "print_file_and_line",
        "name",
        "obj",
        "path",
        "value",
        "code",
        "args",
    ];
    let class = exc.class();
    let n = name.as_wtf8().to_string();
    let settable = class
        .slots
        .flags
        .has_feature(rustpython_vm::types::PyTypeFlags::HEAPTYPE)
        || n.starts_with("__") && n.ends_with("__")
        || FIELDS.contains(&n.as_str());
    if !settable {
        return Err(
            vm.new_attribute_error(format!("'{}' object has no attribute '{n}'", class.name()))
        );
    }
    crate::slots::kept(&EXCEPTION_SETATTR, vm)?(exc, name, value, vm)
}

static TYPE_SETATTR: std::sync::OnceLock<Option<SetattroFn>> = std::sync::OnceLock::new();

/// Whether `value` stored as `name` in a class gives it a "special accessor" as the firmware
/// counts them (py/objtype.c): a property, `__setattr__`/`__delattr__`, or an object whose class
/// defines `__get__`, `__set__` or `__delete__`.
fn special_accessor(name: &str, value: &rustpython_vm::PyObject, vm: &VirtualMachine) -> bool {
    if matches!(name, "__setattr__" | "__delattr__") || value.class().is(vm.ctx.types.property_type)
    {
        return true;
    }
    let class = value.class();
    class
        .slots
        .flags
        .has_feature(rustpython_vm::types::PyTypeFlags::HEAPTYPE)
        && ["__get__", "__set__", "__delete__"]
            .iter()
            .any(|m| class.get_attr(vm.ctx.intern_str(*m)).is_some())
}

/// A class that is already subclassed takes no special accessor it did not have, as on the
/// firmware (its subclasses were made without looking for them).
fn type_setattr(
    cls: &rustpython_vm::PyObject,
    name: &rustpython_vm::Py<PyStr>,
    value: rustpython_vm::function::PySetterValue,
    vm: &VirtualMachine,
) -> PyResult<()> {
    if let rustpython_vm::function::PySetterValue::Assign(v) = &value
        && let Some(t) = cls.downcast_ref::<rustpython_vm::builtins::PyType>()
        && t.slots
            .flags
            .has_feature(rustpython_vm::types::PyTypeFlags::HEAPTYPE)
        && special_accessor(&name.as_wtf8().to_string(), v, vm)
        && !t.subclasses.read().is_empty()
    {
        let has = t
            .mro
            .read()
            .iter()
            .chain(std::iter::once(&t.to_owned()))
            .any(|c| {
                !c.is(vm.ctx.types.object_type)
                    && c.attributes.entries().iter().any(|(k, v)| {
                        k.downcast_ref::<PyStr>()
                            .and_then(|k| k.to_str())
                            .is_some_and(|k| special_accessor(k, v, vm))
                    })
            });
        if !has {
            return Err(
                vm.new_attribute_error("can't add special method to already-subclassed class")
            );
        }
    }
    crate::slots::kept(&TYPE_SETATTR, vm)?(cls, name, value, vm)
}

/// The longest name the firmware can intern (a qstr's length is one byte).
const QSTR_MAX: usize = 255;

/// A name (attribute, class, module, keyword) longer than a qstr can be is the firmware's
/// RuntimeError("name too long").
pub(crate) fn check_name_length(
    name: &rustpython_vm::PyObject,
    vm: &VirtualMachine,
) -> PyResult<()> {
    match name.downcast_ref::<PyStr>() {
        Some(s) if s.as_wtf8().len() > QSTR_MAX => Err(vm.new_runtime_error("name too long")),
        _ => Ok(()),
    }
}

/// `getattr`, `setattr`, `hasattr` and `delattr` intern the name they are given on the firmware,
/// and `print` takes nothing from the heap. Per interpreter, once its builtins are filled in (not
/// from the interpreter's init hook).
pub(crate) fn builtins_check_names(vm: &VirtualMachine) {
    for name in ["getattr", "setattr", "hasattr", "delattr"] {
        let Ok(original) = vm.builtins.get_attr(name, vm) else {
            continue;
        };
        let wrapped = vm.new_function(
            name,
            move |args: FuncArgs, vm: &VirtualMachine| -> PyResult {
                if let Some(n) = args.args.get(1) {
                    check_name_length(n, vm)?;
                }
                original.call(args, vm)
            },
        );
        let _ = vm.builtins.set_attr(name, wrapped, vm);
    }
    // `print` writes straight to the console on the firmware, taking nothing from the heap (so
    // an `except MemoryError:` block can still say so): its own work is not counted here.
    if let Ok(original) = vm.builtins.get_attr("print", vm) {
        let wrapped = vm.new_function("print", move |args: FuncArgs, vm: &VirtualMachine| {
            // The script's own objects are let go of outside, where they were counted: one
            // freed inside would never be given back to the heap.
            let r = crate::heap::untracked(|| original.call(args.clone(), vm));
            drop(args);
            r
        });
        let _ = vm.builtins.set_attr("print", wrapped, vm);
    }
}

type NewFn = fn(rustpython_vm::builtins::PyTypeRef, FuncArgs, &VirtualMachine) -> PyResult;
static TYPE_NEW: std::sync::OnceLock<Option<NewFn>> = std::sync::OnceLock::new();

/// `type(name, bases, dict)` (and so every class statement) interns the class's name.
fn type_new(
    cls: rustpython_vm::builtins::PyTypeRef,
    args: FuncArgs,
    vm: &VirtualMachine,
) -> PyResult {
    if args.args.len() == 3 {
        check_name_length(&args.args[0], vm)?;
    }
    let made = crate::slots::kept(&TYPE_NEW, vm)?(cls, args, vm)?;
    if let Some(ty) = made.downcast_ref::<rustpython_vm::builtins::PyType>() {
        // A `with` statement hands a class's own `__exit__` None for the traceback, as the
        // firmware's does (it has no traceback objects).
        wrap_own_method(ty, "__exit__", "_exit_no_tb", vm);
        // An exception that raises itself from its own `__init__` is not complete yet: the
        // firmware raises TypeError there.
        if ty.fast_issubclass(vm.ctx.exceptions.base_exception_type) {
            wrap_own_method(ty, "__init__", "_init_complete", vm);
        }
    }
    Ok(made)
}

/// Replaces a class's own method `name` (a Python function) with `_mpsim_boot.<wrapper>(f)`.
/// Before `_mpsim_boot` has its wrappers (the classes of the boot itself), nothing is wrapped.
fn wrap_own_method(
    ty: &rustpython_vm::builtins::PyType,
    name: &str,
    wrapper: &'static str,
    vm: &VirtualMachine,
) {
    let name = vm.ctx.intern_str(name);
    let Some(f) = ty.attributes.get(name) else {
        return;
    };
    if f.downcast_ref::<rustpython_vm::builtins::PyFunction>()
        .is_none()
    {
        return;
    }
    let Some(wrap) = vm
        .sys_module
        .get_attr("modules", vm)
        .ok()
        .and_then(|m| m.get_item("_mpsim_boot", vm).ok())
        .and_then(|boot| boot.get_attr(wrapper, vm).ok())
    else {
        return;
    };
    if let Ok(wrapped) = wrap.call((f,), vm) {
        ty.set_attr(name, wrapped);
    }
}

/// The key in a function's dict that marks it as compiled to machine code (native or viper).
const NATIVE_MARK: &str = "__mpsim_native__";
const CODE_KEPT: &str = "_mpsim___code__";

/// Marks `f` as compiled by the native or viper emitter: on the firmware such a function has no
/// `__code__` (its body is machine code).
pub(crate) fn mark_native(f: &rustpython_vm::PyObject, vm: &VirtualMachine) {
    if let Some(d) = f.dict() {
        let _ = d.set_item(NATIVE_MARK, vm.ctx.true_value.clone().into(), vm);
    }
}

fn function_code(f: PyObjectRef, vm: &VirtualMachine) -> PyResult {
    if f.dict().is_some_and(|d| d.contains_key(NATIVE_MARK, vm)) {
        return Err(vm.new_attribute_error("'function' object has no attribute '__code__'"));
    }
    let kept = crate::slots::kept_attr(vm, vm.ctx.types.function_type, CODE_KEPT)?;
    vm.call_method(&kept, "__get__", (f.clone(), f.class().to_owned()))
}

fn function_set_code(f: PyObjectRef, value: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
    let kept = crate::slots::kept_attr(vm, vm.ctx.types.function_type, CODE_KEPT)?;
    vm.call_method(&kept, "__set__", (f, value))?;
    Ok(())
}

/// Installs them (idempotent).
/// `generator.throw(x)` with something that is not an exception: the firmware hands it to the
/// `throw()` of the iterator a `yield from` is delegating to (whose answer is the next value);
/// with no such iterator it is the firmware's TypeError.
fn generator_throw(args: FuncArgs, vm: &VirtualMachine) -> PyResult {
    if let ([generator, value], true) = (args.args.as_slice(), args.kwargs.is_empty()) {
        let base = vm.ctx.exceptions.base_exception_type;
        let is_exception = value.fast_isinstance(base)
            || value
                .downcast_ref::<rustpython_vm::builtins::PyType>()
                .is_some_and(|t| t.fast_issubclass(base));
        let stop = vm.ctx.exceptions.stop_iteration;
        let is_stop = value.fast_isinstance(stop)
            || value
                .downcast_ref::<rustpython_vm::builtins::PyType>()
                .is_some_and(|t| t.fast_issubclass(stop));
        if is_stop {
            // Thrown through a `yield from` whose iterator has no throw(), StopIteration leaves
            // the generator as any exception would, and PEP 479 makes it RuntimeError; the
            // interpreter took it for the end of the iterator and ran on.
            let inner = generator.get_attr("gi_yieldfrom", vm)?;
            if !vm.is_none(&inner) && vm.get_attribute_opt(&inner, "throw")?.is_none() {
                vm.call_method(generator, "close", ())?;
                return Err(vm.new_runtime_error("generator raised StopIteration"));
            }
        }
        if !is_exception {
            let inner = generator.get_attr("gi_yieldfrom", vm)?;
            if !vm.is_none(&inner)
                && let Some(throw) = vm.get_attribute_opt(&inner, "throw")?
            {
                return throw.call((value.clone(),), vm);
            }
            return Err(vm.new_type_error("exceptions must derive from BaseException"));
        }
    }
    crate::slots::call_kept(vm, vm.ctx.types.generator_type, "_mpsim_throw", args)
}

pub(crate) fn install(vm: &VirtualMachine) {
    let e = &vm.ctx.exceptions;
    replace_method(vm, e.os_error, "__str__", "_mpsim_str", exception_str);
    replace_method(vm, e.syntax_error, "__str__", "_mpsim_str", exception_str);
    replace_method(vm, e.name_error, "__str__", "_mpsim_str", exception_str);
    replace_method(vm, e.type_error, "__str__", "_mpsim_str", exception_str);
    replace_method(
        vm,
        e.recursion_error,
        "__str__",
        "_mpsim_str",
        exception_str,
    );
    // KeyError's str() is its key's str() on the firmware, not its repr.
    replace_method(vm, e.key_error, "__str__", "_mpsim_str", exception_str);
    // Exception classes a script defines look `__repr__` up here.
    replace_method(
        vm,
        e.base_exception_type,
        "__repr__",
        "_mpsim_repr",
        exception_repr_method,
    );
    replace_method(
        vm,
        vm.ctx.types.int_type,
        "to_bytes",
        "_mpsim_to_bytes",
        int_to_bytes,
    );
    replace_method(vm, vm.ctx.types.set_type, "pop", "_mpsim_pop", set_pop);
    replace_method(
        vm,
        vm.ctx.types.generator_type,
        "throw",
        "_mpsim_throw",
        generator_throw,
    );
    replace_method(
        vm,
        vm.ctx.types.bytes_type,
        "strip",
        "_mpsim_strip",
        bytes_strip,
    );
    oserror_errno_alias(vm);
    worded_exception_args(vm);
    vm.ctx.types.type_type.slots.repr.store(Some(type_repr));
    vm.ctx.types.module_type.slots.repr.store(Some(module_repr));
    // Metaclasses a script defines look `__repr__` up here.
    replace_method(
        vm,
        vm.ctx.types.type_type,
        "__repr__",
        "_mpsim_repr",
        type_repr_method,
    );
    vm.ctx
        .types
        .slice_type
        .slots
        .hash
        .store(Some(unhashable_slice));
    crate::slots::replace(
        &vm.ctx.types.iter_type.slots.iternext,
        &SEQ_NEXT,
        seq_next as NextFn,
    );
    crate::slots::replace(
        &vm.ctx.types.bytes_type.slots.richcompare,
        &BYTES_CMP,
        bytes_cmp as CmpFn,
    );
    // Each built-in exception type has its own copy of the slot.
    let mut todo = vec![vm.ctx.exceptions.base_exception_type.to_owned()];
    while let Some(t) = todo.pop() {
        if t.slots
            .flags
            .has_feature(rustpython_vm::types::PyTypeFlags::HEAPTYPE)
        {
            continue;
        }
        crate::slots::replace(
            &t.slots.setattro,
            &EXCEPTION_SETATTR,
            exception_setattr as SetattroFn,
        );
        todo.extend(
            t.subclasses
                .read()
                .iter()
                .filter_map(|w| w.upgrade())
                .filter_map(|o| o.downcast::<rustpython_vm::builtins::PyType>().ok()),
        );
    }
    crate::slots::replace(
        &vm.ctx.types.type_type.slots.new,
        &TYPE_NEW,
        type_new as NewFn,
    );
    let t = &vm.ctx.types;
    // Read-only firmware: ROM modules, functions, classes that are already subclassed.
    let setattrs: [(_, _, SetattroFn); 3] = [
        (t.module_type, &MODULE_SETATTR, module_setattr),
        (t.type_type, &TYPE_SETATTR, type_setattr),
        (t.function_type, &FUNCTION_SETATTR, function_setattr),
    ];
    for (ty, kept, f) in setattrs {
        crate::slots::replace(&ty.slots.setattro, kept, f);
    }
    // Functions of the firmware print as `<function>`.
    let reprs: [(_, _, ReprFn); 2] = [
        (t.function_type, &FUNCTION_REPR, function_repr),
        (
            t.builtin_function_or_method_type,
            &BUILTIN_REPR,
            builtin_function_repr,
        ),
    ];
    for (ty, kept, f) in reprs {
        crate::slots::replace(&ty.slots.repr, kept, f);
    }
    // A function's `__code__` as the firmware has it: none for machine code (see `mark_native`).
    crate::slots::replace_getset(
        vm,
        vm.ctx.types.function_type,
        "__code__",
        CODE_KEPT,
        function_code,
        function_set_code,
    );
    seal_code_type(vm);
    trim_builtin_types(vm);
}
