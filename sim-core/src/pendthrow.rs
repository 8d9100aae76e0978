//! `generator.pend_throw(exc)`, as the firmware has it (MICROPY_PY_GENERATOR_PEND_THROW, on every
//! modelled port): the exception is thrown into the generator when it is next resumed by
//! `next()` or `send()`, instead of resuming it; `pend_throw(None)` takes a pending one back, and
//! the call returns what was pending before. A running generator refuses it ("generator already
//! executing").
//!
//! The interpreter's generators have no room for the pending exception, so it is kept here, by
//! the generator's address, together with the generator itself: a generator with an exception
//! pending cannot be freed, so its address cannot be taken by another one. Each boot starts with
//! none pending.

use crate::slots::{call_kept, kept, replace, replace_method};
use rustpython_vm::protocol::PyIterReturn;
use rustpython_vm::{AsObject, PyObject, PyObjectRef, PyResult, VirtualMachine};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

thread_local! {
    /// Pending exceptions by generator address: (the generator, the exception).
    static PENDING: RefCell<HashMap<usize, (PyObjectRef, PyObjectRef)>> =
        RefCell::new(HashMap::new());
}

fn addr(o: &PyObject) -> usize {
    std::ptr::from_ref(o) as *const u8 as usize
}

fn take(o: &PyObject) -> Option<PyObjectRef> {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        if p.is_empty() {
            return None;
        }
        p.remove(&addr(o)).map(|(_, exc)| exc)
    })
}

/// Forgets what the last boot left pending.
pub(crate) fn forget_all() {
    let old = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
    drop(old);
}

fn running(zelf: &PyObject, vm: &VirtualMachine) -> PyResult<bool> {
    let r = zelf.get_attr(
        if zelf.class().is(vm.ctx.types.coroutine_type) {
            "cr_running"
        } else {
            "gi_running"
        },
        vm,
    )?;
    r.try_to_bool(vm)
}

fn pend_throw(zelf: PyObjectRef, exc: PyObjectRef, vm: &VirtualMachine) -> PyResult {
    if running(&zelf, vm)? {
        return Err(vm.new_value_error("generator already executing"));
    }
    let before = if vm.is_none(&exc) {
        take(&zelf)
    } else {
        PENDING.with(|p| {
            p.borrow_mut()
                .insert(addr(&zelf), (zelf.clone(), exc))
                .map(|(_, e)| e)
        })
    };
    Ok(before.unwrap_or_else(|| vm.ctx.none()))
}

fn throw_pending(zelf: &PyObject, exc: PyObjectRef, vm: &VirtualMachine) -> PyResult {
    if running(zelf, vm)? {
        // Put back: the running generator is not resumed (the interpreter's own error follows).
        PENDING.with(|p| p.borrow_mut().insert(addr(zelf), (zelf.to_owned(), exc)));
        return Err(vm.new_value_error("generator already executing"));
    }
    vm.call_method(zelf, "throw", (exc,))
}

type IterNextFn = fn(&PyObject, &VirtualMachine) -> PyResult<PyIterReturn>;
static GEN_NEXT: OnceLock<Option<IterNextFn>> = OnceLock::new();

fn gen_next(zelf: &PyObject, vm: &VirtualMachine) -> PyResult<PyIterReturn> {
    match take(zelf) {
        Some(exc) => PyIterReturn::from_pyresult(throw_pending(zelf, exc, vm), vm),
        None => kept(&GEN_NEXT, vm)?(zelf, vm),
    }
}

fn gen_send(zelf: PyObjectRef, value: PyObjectRef, vm: &VirtualMachine) -> PyResult {
    match take(&zelf) {
        Some(exc) => throw_pending(&zelf, exc, vm),
        None => {
            let ty = if zelf.class().is(vm.ctx.types.coroutine_type) {
                vm.ctx.types.coroutine_type
            } else {
                vm.ctx.types.generator_type
            };
            call_kept(vm, ty, "_mpsim_send", (zelf, value))
        }
    }
}

/// Installs `pend_throw` on generators and coroutines (once per process).
pub(crate) fn install(vm: &VirtualMachine) {
    let t = &vm.ctx.types;
    replace(
        &t.generator_type.slots.iternext,
        &GEN_NEXT,
        gen_next as IterNextFn,
    );
    for ty in [t.generator_type, t.coroutine_type] {
        replace_method(vm, ty, "send", "_mpsim_send", gen_send);
        replace_method(vm, ty, "pend_throw", "_mpsim_pend_throw", pend_throw);
    }
}
