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

/// Boots an interpreter and runs what the board runs at boot: boot.py from the flash, then the main
/// program (`program`, or main.py from the flash). Says how it ended.
pub(crate) fn run_program(program: Option<&Program>, shared: &Arc<Shared>) -> EndReason {
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
        let from_flash = |name: &str| {
            with_state(|s| {
                let f = s.flash.as_ref()?;
                let bytes = heap::untracked(|| f.read(&format!("/{name}")).ok())?;
                Some(Program {
                    name: name.to_owned(),
                    source: String::from_utf8_lossy(&bytes).into_owned(),
                })
            })
            .flatten()
        };
        let boot = from_flash("boot.py");
        let main = program.cloned().or_else(|| from_flash("main.py"));
        // boot.py and main.py share the globals of __main__, as on the board.
        let scope = vm.new_scope_with_builtins();
        let _ = scope
            .globals
            .set_item("__name__", vm.ctx.new_str("__main__").into(), vm);
        let size = with_state(|s| {
            if s.heap_counted {
                i64::try_from(s.heap_size).unwrap_or(i64::MAX)
            } else {
                i64::MAX
            }
        })
        .unwrap_or(i64::MAX);
        heap::start_budget(size);
        shared.running.store(true, Ordering::Release);
        let mut failed = false;
        for prog in [boot, main].into_iter().flatten() {
            match exec(vm, &prog, &scope) {
                Ok(()) => {}
                Err(e) => match classify(vm, &e) {
                    // An exception in boot.py is printed and the board goes on to main.py.
                    EndReason::Exception if prog.name == "boot.py" => failed = true,
                    other => return other,
                },
            }
        }
        heap::set_tracked(true);
        let idled = idle(vm);
        heap::set_tracked(false);
        match idled {
            Err(e) => classify(vm, &e),
            Ok(()) => with_state(|s| s.stop.clone())
                .flatten()
                .unwrap_or(if failed {
                    EndReason::Exception
                } else {
                    EndReason::Finished
                }),
        }
    });
    heap::end_budget();
    crate::sim::set_oom_channel(None);
    shared.set_signal(None);
    reason
}

/// Compiles and runs one program in `scope`, counting its allocations against the heap.
fn exec(
    vm: &VirtualMachine,
    prog: &Program,
    scope: &rustpython_vm::scope::Scope,
) -> Result<(), PyBaseExceptionRef> {
    let code = heap::untracked(|| vm.compile(&prog.source, Mode::Exec, prog.name.clone()))
        .map_err(|err| err.into_pyexception(vm, Some(&prog.source)))?;
    let _ = scope
        .globals
        .set_item("__file__", vm.ctx.new_str(prog.name.as_str()).into(), vm);
    heap::set_tracked(true);
    let r = vm.run_code_obj(code, scope.clone()).map(drop);
    heap::set_tracked(false);
    r
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
