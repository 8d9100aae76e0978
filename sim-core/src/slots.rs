//! Replacing a slot of one of the interpreter's built-in types while keeping its own function, so
//! that the replacement can do the firmware's part and hand the rest on. The built-in types are
//! the process's, shared by every interpreter (each soft reset builds one), so a slot is
//! replaced once and its original kept for good.

use crossbeam_utils::atomic::AtomicCell;
use std::sync::OnceLock;

/// Puts `f` into `slot`, keeping what was there in `original` (first call only). A slot the type
/// leaves empty stays empty.
pub(crate) fn replace<F: Copy + Send + Sync>(
    slot: &AtomicCell<Option<F>>,
    original: &OnceLock<Option<F>>,
    f: F,
) {
    if original.get_or_init(|| slot.load()).is_some() {
        slot.store(Some(f));
    }
}

/// The interpreter's own slot function that [`replace`] kept in `original`, for a replacement
/// to hand on to (a TypeError if the type never had one, which a replaced slot always has).
pub(crate) fn kept<F: Copy>(
    original: &OnceLock<Option<F>>,
    vm: &rustpython_vm::VirtualMachine,
) -> rustpython_vm::PyResult<F> {
    original
        .get()
        .copied()
        .flatten()
        .ok_or_else(|| vm.new_type_error("the interpreter's slot is missing"))
}

/// Puts the native method `f` into `ty` as `name`, keeping the type's own (if it has one of its
/// own) as `keep`, which also marks the type as done: once per process.
pub(crate) fn replace_method<K>(
    vm: &rustpython_vm::VirtualMachine,
    ty: &'static rustpython_vm::Py<rustpython_vm::builtins::PyType>,
    name: &'static str,
    keep: &'static str,
    f: impl rustpython_vm::function::IntoPyNativeFn<K>,
) {
    use rustpython_vm::function::{ItemDoc, PyMethodDef, PyMethodFlags};
    let keep = vm.ctx.intern_str(keep);
    if ty.attributes.contains(keep) {
        return;
    }
    let own = ty
        .attributes
        .get(vm.ctx.intern_str(name))
        .unwrap_or_else(|| vm.ctx.none());
    ty.set_attr(keep, own);
    // A method definition lives as long as the type holding it: the process.
    let def: &'static PyMethodDef = Box::leak(Box::new(PyMethodDef::new_const(
        name,
        f,
        PyMethodFlags::METHOD,
        ItemDoc::NONE,
    )));
    ty.set_attr(
        vm.ctx.intern_str(name),
        def.build_method(&vm.ctx, ty).into(),
    );
}

/// Calls the method [`replace_method`] kept as `keep` on `ty`, with `args` (self first).
pub(crate) fn call_kept(
    vm: &rustpython_vm::VirtualMachine,
    ty: &'static rustpython_vm::Py<rustpython_vm::builtins::PyType>,
    keep: &'static str,
    args: impl rustpython_vm::function::IntoFuncArgs,
) -> rustpython_vm::PyResult {
    let original = ty
        .attributes
        .get(vm.ctx.intern_str(keep))
        .filter(|o| !vm.is_none(o))
        .ok_or_else(|| vm.new_type_error(format!("{keep}: the interpreter's method is missing")))?;
    original.call(args, vm)
}

/// Puts a getset named `name` into `ty` in place of its own, keeping that as `keep` (which also
/// marks the type as done: once per process). The getset's functions reach the original through
/// [`kept_attr`].
pub(crate) fn replace_getset(
    vm: &rustpython_vm::VirtualMachine,
    ty: &'static rustpython_vm::Py<rustpython_vm::builtins::PyType>,
    name: &'static str,
    keep: &'static str,
    getter: fn(
        rustpython_vm::PyObjectRef,
        &rustpython_vm::VirtualMachine,
    ) -> rustpython_vm::PyResult,
    setter: fn(
        rustpython_vm::PyObjectRef,
        rustpython_vm::PyObjectRef,
        &rustpython_vm::VirtualMachine,
    ) -> rustpython_vm::PyResult<()>,
) {
    let keep = vm.ctx.intern_str(keep);
    if ty.attributes.contains(keep) {
        return;
    }
    let interned = vm.ctx.intern_str(name);
    let Some(original) = ty.attributes.get(interned) else {
        return;
    };
    ty.set_attr(keep, original);
    let getset = vm.ctx.new_getset(name, ty, getter, setter);
    ty.set_attr(interned, getset.into());
}

/// What [`replace_getset`] kept as `keep` on `ty`.
pub(crate) fn kept_attr(
    vm: &rustpython_vm::VirtualMachine,
    ty: &'static rustpython_vm::Py<rustpython_vm::builtins::PyType>,
    keep: &'static str,
) -> rustpython_vm::PyResult<rustpython_vm::PyObjectRef> {
    ty.attributes
        .get(vm.ctx.intern_str(keep))
        .ok_or_else(|| vm.new_attribute_error(keep.trim_start_matches("_mpsim_")))
}
