//! Methods of the built-in types as the firmware has them, where the interpreter's differ in
//! what a script sees: the text of an OSError (`[Errno 5] EIO`) and of a SyntaxError (its
//! message; the traceback prints file and line), and `int.to_bytes`, which on MicroPython
//! writes a negative number in two's complement without being asked (`signed=True`).
//! Native methods, installed once per process into the types every interpreter shares (a Python
//! function there would outlive its interpreter's globals at a soft reset).

use crate::slots::replace_method;
use rustpython_vm::builtins::{PyInt, PyStr};
use rustpython_vm::function::FuncArgs;
use rustpython_vm::{PyObjectRef, PyRef, PyResult, VirtualMachine};

fn exception_str(zelf: PyObjectRef, vm: &VirtualMachine) -> PyResult<PyRef<PyStr>> {
    crate::native::os_error_text(zelf, vm)
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

/// Installs them (idempotent).
pub(crate) fn install(vm: &VirtualMachine) {
    let e = &vm.ctx.exceptions;
    replace_method(vm, e.os_error, "__str__", "_mpsim_str", exception_str);
    replace_method(vm, e.syntax_error, "__str__", "_mpsim_str", exception_str);
    replace_method(
        vm,
        vm.ctx.types.int_type,
        "to_bytes",
        "_mpsim_to_bytes",
        int_to_bytes,
    );
}
