//! The sandboxed interpreter: which modules exist, how a program runs, how errors are printed.
//!
//! rustpython-vm is built without `host_env` and `stdio`, so the only ways out of a script are the
//! modules registered here: an allow-list of pure-computation natives from rustpython-stdlib, our
//! native `_mpsim`, and our frozen Python modules (`py/`).

use crate::heap;
use crate::native;
use crate::sim::{EndReason, Program, Shared, with_state};
use rustpython_vm::builtins::PyBaseExceptionRef;
use rustpython_vm::compiler::Mode;
use rustpython_vm::{AsObject, Interpreter, PyResult, Settings, VirtualMachine};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Natives from rustpython-stdlib that only compute: nothing here reaches the host.
const STDLIB_ALLOWED: &[&str] = &[
    "math", "cmath", "array", "binascii", "_struct", "_random", "_sha1", "_sha256", "_md5", "zlib",
    "_heapq", "_bisect", "_hashlib",
];

fn settings() -> Settings {
    let mut s = Settings::default();
    s.install_signal_handlers = false;
    s.import_site = false;
    s.ignore_environment = true;
    s.isolated = true;
    s.safe_path = true;
    s.user_site_directory = false;
    s.write_bytecode = false;
    s.path_list = Vec::new();
    s.argv = vec![String::new()];
    s.hash_seed = Some(0);
    s
}

fn build() -> (Interpreter, rustpython_vm::signal::UserSignalSender) {
    let (tx, rx) = rustpython_vm::signal::user_signal_channel();
    let builder = Interpreter::builder(settings());
    let mut defs: Vec<_> = rustpython_stdlib::stdlib_module_defs(&builder.ctx)
        .into_iter()
        .filter(|d| STDLIB_ALLOWED.contains(&d.name.as_str()))
        .collect();
    defs.push(native::module_def(&builder.ctx));
    let interp = builder
        .add_native_modules(&defs)
        .add_frozen_modules(rustpython_vm::py_freeze!(dir = "../py"))
        .init_hook(move |vm| vm.set_user_signal_channel(rx))
        .build();
    (interp, tx)
}

/// Prints an exception the way MicroPython does (`Traceback (most recent call last):` …).
pub(crate) fn print_exception(vm: &VirtualMachine, exc: &PyBaseExceptionRef) {
    let printed = vm
        .import("sys", 0)
        .and_then(|sys| sys.get_attr("print_exception", vm))
        .and_then(|f| f.call((exc.clone(),), vm));
    if printed.is_err() {
        let name = exc.class().name().to_string();
        let line = format!("{name}: (traceback unavailable)\r\n");
        with_state(|s| s.output(line.as_bytes()));
    }
}

/// Boots an interpreter, runs `program` as the board's main program and says how it ended.
pub(crate) fn run_program(program: &Program, shared: &Arc<Shared>) -> EndReason {
    let (interp, tx) = heap::untracked(build);
    crate::sim::set_oom_channel(Some(tx.clone()));
    shared.set_signal(Some(tx));
    let reason = interp.enter(|vm| {
        if let Err(e) = vm.import("_mpsim_boot", 0) {
            let msg = e
                .as_object()
                .str(vm)
                .map(|s| s.to_string())
                .unwrap_or_default();
            return EndReason::Crashed(format!(
                "board firmware failed to start: {}: {msg}",
                e.class().name()
            ));
        }
        let code = match vm.compile(&program.source, Mode::Exec, program.name.clone()) {
            Ok(c) => c,
            Err(err) => {
                let exc = err.into_pyexception(vm, Some(&program.source));
                print_exception(vm, &exc);
                return EndReason::Exception;
            }
        };
        let scope = vm.new_scope_with_builtins();
        let _ = scope
            .globals
            .set_item("__name__", vm.ctx.new_str("__main__").into(), vm);
        let _ =
            scope
                .globals
                .set_item("__file__", vm.ctx.new_str(program.name.as_str()).into(), vm);
        let base = heap::live();
        let size = with_state(|s| {
            s.heap_base = base;
            if s.heap_counted {
                i64::try_from(s.heap_size).unwrap_or(i64::MAX)
            } else {
                i64::MAX
            }
        })
        .unwrap_or(i64::MAX);
        heap::set_limit(base, size);
        shared.running.store(true, Ordering::Release);
        heap::set_tracked(true);
        let result = vm
            .run_code_obj(code, scope)
            .map(drop)
            .and_then(|()| idle(vm));
        heap::set_tracked(false);
        match result {
            Ok(()) => with_state(|s| s.stop.clone())
                .flatten()
                .unwrap_or(EndReason::Finished),
            Err(e) => classify(vm, &e),
        }
    });
    heap::set_limit(i64::MAX, 0);
    crate::sim::set_oom_channel(None);
    shared.set_signal(None);
    reason
}

/// After the program returns, the board keeps running its timers and IRQs until `--for` passes.
fn idle(vm: &VirtualMachine) -> PyResult<()> {
    let left = with_state(|s| {
        let now = s.clock.now_us();
        s.run_for_us.map(|t| t.saturating_sub(now))
    })
    .flatten();
    match left {
        Some(us) if us > 0 => crate::sim::sleep_us(vm, us, false),
        _ => Ok(()),
    }
}

fn classify(vm: &VirtualMachine, e: &PyBaseExceptionRef) -> EndReason {
    if let Some(Some(reason)) = with_state(|s| s.stop.clone()) {
        return reason;
    }
    if with_state(|s| s.reboot.is_some()).unwrap_or(false) {
        return EndReason::Finished;
    }
    if e.fast_isinstance(vm.ctx.exceptions.system_exit) {
        let code = e.args().first().cloned();
        let ok = match code {
            None => true,
            Some(c) if vm.is_none(&c) => true,
            Some(c) => c.try_to_value::<i64>(vm).map(|v| v == 0).unwrap_or(false),
        };
        return if ok {
            EndReason::Finished
        } else {
            EndReason::Exception
        };
    }
    print_exception(vm, e);
    EndReason::Exception
}
