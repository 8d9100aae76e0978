//! Native nesting limited as the firmware's C stack limits it. On the board, printing a list that
//! contains itself, or pulling an item through a deep chain of `map`/`zip`/`enumerate`/`filter`
//! iterators, recurses in C until the stack is used up: `RuntimeError: maximum recursion depth
//! exceeded`. The interpreter prints `[...]` for the first and recurses on the sim thread's large
//! native stack for the second. Here both count against the Python recursion limit the board
//! sets (`sys.setrecursionlimit` in `_mpsim_boot.py`), together with the Python frames running.

use crate::slots::{kept, replace};
use rustpython_vm::builtins::PyStr;
use rustpython_vm::protocol::PyIterReturn;
use rustpython_vm::{PyObject, PyRef, PyResult, VirtualMachine};
use std::cell::{Cell, RefCell};
use std::sync::OnceLock;

thread_local! {
    /// Native calls nested through the wrapped slots now.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// The containers whose repr is being made now (by address).
    static IN_REPR: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

fn too_deep(vm: &VirtualMachine) -> rustpython_vm::builtins::PyBaseExceptionRef {
    vm.new_runtime_error("maximum recursion depth exceeded")
}

/// Runs `f` one native level deeper, or refuses as the board's stack would.
fn nested<R>(vm: &VirtualMachine, f: impl FnOnce() -> PyResult<R>) -> PyResult<R> {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
        }
    }
    let depth = DEPTH.with(|d| d.get()) + 1;
    if depth + vm.current_recursion_depth() > vm.recursion_limit.get() {
        return Err(too_deep(vm));
    }
    DEPTH.with(|d| d.set(depth));
    let _leave = Leave;
    f()
}

type NextFn = fn(&PyObject, &VirtualMachine) -> PyResult<PyIterReturn>;
type ReprFn = fn(&PyObject, &VirtualMachine) -> PyResult<PyRef<PyStr>>;

/// One wrapper per type, each handing on to that type's own slot.
macro_rules! wrap_next {
    ($($name:ident),*) => {$(
        #[allow(non_snake_case)]
        mod $name {
            pub(super) static KEPT: super::OnceLock<Option<super::NextFn>> = super::OnceLock::new();
            pub(super) fn next(
                it: &super::PyObject,
                vm: &super::VirtualMachine,
            ) -> super::PyResult<super::PyIterReturn> {
                super::nested(vm, || super::kept(&KEPT, vm)?(it, vm))
            }
        }
    )*};
}
wrap_next!(ENUMERATE, FILTER, MAP, ZIP);

macro_rules! wrap_repr {
    ($($name:ident),*) => {$(
        #[allow(non_snake_case)]
        mod $name {
            pub(super) static KEPT: super::OnceLock<Option<super::ReprFn>> = super::OnceLock::new();
            pub(super) fn repr(
                o: &super::PyObject,
                vm: &super::VirtualMachine,
            ) -> super::PyResult<super::PyRef<super::PyStr>> {
                super::repr_once(o, vm, kept_repr())
            }
            fn kept_repr() -> Option<super::ReprFn> {
                KEPT.get().copied().flatten()
            }
        }
    )*};
}
wrap_repr!(LIST, TUPLE, DICT, SET, FROZENSET);

/// A container's repr that meets the container again inside itself recurses on the board until
/// its stack ends.
fn repr_once(o: &PyObject, vm: &VirtualMachine, own: Option<ReprFn>) -> PyResult<PyRef<PyStr>> {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            IN_REPR.with(|r| {
                r.borrow_mut().pop();
            });
        }
    }
    let own = own.ok_or_else(|| vm.new_type_error("the interpreter's slot is missing"))?;
    let addr = std::ptr::from_ref(o) as *const u8 as usize;
    if IN_REPR.with(|r| r.borrow().contains(&addr)) {
        return Err(too_deep(vm));
    }
    nested(vm, || {
        IN_REPR.with(|r| r.borrow_mut().push(addr));
        let _leave = Leave;
        own(o, vm)
    })
}

/// Installs the wrappers (once per process: the types are the process's).
pub(crate) fn install(vm: &VirtualMachine) {
    let t = &vm.ctx.types;
    let iterators: [(_, _, NextFn); 4] = [
        (t.enumerate_type, &ENUMERATE::KEPT, ENUMERATE::next),
        (t.filter_type, &FILTER::KEPT, FILTER::next),
        (t.map_type, &MAP::KEPT, MAP::next),
        (t.zip_type, &ZIP::KEPT, ZIP::next),
    ];
    for (ty, kept, f) in iterators {
        replace(&ty.slots.iternext, kept, f);
    }
    let containers: [(_, _, ReprFn); 5] = [
        (t.list_type, &LIST::KEPT, LIST::repr),
        (t.tuple_type, &TUPLE::KEPT, TUPLE::repr),
        (t.dict_type, &DICT::KEPT, DICT::repr),
        (t.set_type, &SET::KEPT, SET::repr),
        (t.frozenset_type, &FROZENSET::KEPT, FROZENSET::repr),
    ];
    for (ty, kept, f) in containers {
        replace(&ty.slots.repr, kept, f);
    }
}
