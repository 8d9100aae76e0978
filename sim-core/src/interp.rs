//! The sandboxed interpreter: which modules exist, how a program runs, how errors are printed.
//!
//! rustpython-vm is built without `host_env` and `stdio`, so the only ways out of a script are the
//! modules registered here: an allow-list of pure-computation natives from rustpython-stdlib, our
//! native `_mpsim`, and our frozen Python modules (`py/`).

use crate::api::{EndReason, Program, Reboot};
use crate::heap;
use crate::native;
use crate::state::{Shared, with_state};
use rustpython_vm::builtins::PyBaseExceptionRef;
use rustpython_vm::compiler::Mode;
use rustpython_vm::{AsObject, Interpreter, PyObjectRef, PyResult, Settings, VirtualMachine};
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
    // The firmware converts ints of any length to and from text (CPython's 4300-digit limit is
    // not there); bigint.rs keeps a long conversion interruptible.
    s.int_max_str_digits = 0;
    s
}

/// `bytes % args` as MicroPython does it: a `str` argument formats as its UTF-8 bytes
/// (`b"%s /%s HTTP/1.0" % (method, path)` in urequests), where CPython raises TypeError.
fn micropython_bytes_mod(vm: &VirtualMachine) {
    use rustpython_vm::PyObject;
    use rustpython_vm::builtins::{PyStr, PyTuple};
    use rustpython_vm::protocol::PyNumberBinaryFunc;
    static ORIGINAL: std::sync::OnceLock<Option<PyNumberBinaryFunc>> = std::sync::OnceLock::new();
    fn lenient(a: &PyObject, b: &PyObject, vm: &VirtualMachine) -> PyResult {
        let conv = |o: &PyObject| -> PyObjectRef {
            match o.downcast_ref::<PyStr>() {
                Some(s) => vm.ctx.new_bytes(s.as_bytes().to_vec()).into(),
                None => o.to_owned(),
            }
        };
        let args: PyObjectRef = match b.downcast_ref::<PyTuple>() {
            Some(t) => vm.ctx.new_tuple(t.iter().map(|o| conv(o)).collect()).into(),
            None => conv(b),
        };
        match ORIGINAL.get().copied().flatten() {
            Some(f) => f(a, &args, vm),
            None => Ok(vm.ctx.not_implemented()),
        }
    }
    crate::slots::replace(
        &vm.ctx.types.bytes_type.slots.as_number.remainder,
        &ORIGINAL,
        lenient as PyNumberBinaryFunc,
    );
}

/// The firmware has no warnings machinery: nothing the interpreter would warn about (the
/// three-argument `generator.throw`, …) prints anything on the board's console.
fn no_warnings(vm: &VirtualMachine) {
    let ctx = &vm.ctx;
    let ignore_all = ctx.new_tuple(vec![
        ctx.new_str("ignore").into(),
        ctx.none(),
        ctx.exceptions.warning.as_object().to_owned(),
        ctx.none(),
        ctx.new_int(0).into(),
    ]);
    let filters = &vm.state.warnings.filters;
    let mut list = filters.borrow_vec_mut();
    list.clear();
    list.push(ignore_all.into());
    drop(list);
    vm.state.warnings.filters_mutated();
}

fn build() -> (Interpreter, rustpython_vm::signal::UserSignalSender) {
    let (tx, rx) = rustpython_vm::signal::user_signal_channel();
    let builder = Interpreter::builder(settings());
    let mut defs: Vec<_> = rustpython_stdlib::stdlib_module_defs(&builder.ctx)
        .into_iter()
        .filter(|d| STDLIB_ALLOWED.contains(&d.name.as_str()))
        .collect();
    defs.push(native::module_def(&builder.ctx));
    defs.push(crate::native::net::module_def(&builder.ctx));
    defs.push(crate::native::tls::module_def(&builder.ctx));
    defs.push(crate::deflate::module_def(&builder.ctx));
    #[cfg(feature = "sandbox-probe")]
    defs.push(crate::probe::module_def(&builder.ctx));
    // Last, so that they replace the interpreter's own `_ast` and its internals' modules.
    defs.push(native::ast_stand_in_def(&builder.ctx));
    defs.extend(native::refused_internals(&builder.ctx));
    let interp = builder
        .add_native_modules(&defs)
        .add_frozen_modules(rustpython_vm::py_freeze!(dir = "../py"))
        .init_hook(move |vm| {
            vm.set_user_signal_channel(rx);
            micropython_bytes_mod(vm);
            no_warnings(vm);
            crate::float32::install(vm);
            crate::floatfmt::install(vm);
            crate::memguard::install(vm);
            crate::heaplock::install(vm);
            crate::methods::install(vm);
            crate::nesting::install(vm);
            crate::sequences::install(vm);
            crate::pendthrow::install(vm);
            crate::bigint::install(vm);
        })
        .build();
    (interp, tx)
}

thread_local! {
    /// An interpreter built ahead of the board on this thread (see [`prebuild`]).
    static PREBUILT: std::cell::RefCell<Option<(Interpreter, rustpython_vm::signal::UserSignalSender)>> =
        const { std::cell::RefCell::new(None) };
}

/// Builds the interpreter that this thread's next [`run_program`] uses; the build is the same
/// for every board and run, so it can happen before the board's configuration is known.
pub(crate) fn prebuild() {
    let built = heap::untracked(build);
    PREBUILT.with(|p| *p.borrow_mut() = Some(built));
}

/// Boots an interpreter and runs what the board runs at boot: boot.py from the flash, then the main
/// program (`program`, or main.py from the flash). Says how it ended.
pub(crate) fn run_program(program: Option<&Program>, shared: &Arc<Shared>) -> EndReason {
    // The last boot's read-only modules are gone (before the next interpreter is built, whose
    // modules may take their addresses).
    crate::methods::unseal_all();
    crate::pendthrow::forget_all();
    let (interp, tx) = PREBUILT
        .with(std::cell::RefCell::take)
        .unwrap_or_else(|| heap::untracked(build));
    crate::runtime::set_oom_channel(Some(tx.clone()));
    let _ = with_state(|s| s.memory.unlock_all());
    shared.set_signal(Some(tx));
    let reason = interp.enter(|vm| {
        // boot.py and main.py share the globals of __main__, as on the board.
        let scope = vm.new_scope_with_builtins();
        let _ = scope
            .globals
            .set_item("__name__", vm.ctx.new_str("__main__").into(), vm);
        let reason = boot_and_run(vm, program, shared, &scope);
        // Only a reboot needs the memory back; at the end of the run the process exits anyway.
        if with_state(|s| s.run.rebooting().is_some() && !s.run.ending()).unwrap_or(false) {
            heap::untracked(|| teardown(vm, &scope));
        }
        reason
    });
    heap::end_budget();
    crate::runtime::set_oom_channel(None);
    shared.set_signal(None);
    reason
}

/// Frees a finished interpreter's objects: its modules, __main__'s globals and everything in
/// reference cycles (module globals ↔ functions, classes ↔ their MRO), the way the interpreter
/// does at shutdown. Without it each soft reset would leave the last interpreter behind for good.
fn teardown(vm: &VirtualMachine, scope: &rustpython_vm::scope::Scope) {
    with_state(|s| s.term.set_muted(true));
    scope.globals.clear();
    // Coroutines and generators the program left behind are closed while the modules their
    // finally blocks use are still whole: finalising modules under them panicked the
    // interpreter (issue 15, after asyncio programs). Modules that hold tasks let go first.
    if let Ok(modules) = vm.sys_module.get_attr("modules", vm)
        && let Ok(m) = modules.get_item("asyncio", vm)
        && let Ok(hook) = m.get_attr("_mpsim_teardown", vm)
    {
        let _ = hook.call((), vm);
    }
    vm.state.gc.collect_force(2);
    vm.finalize_modules();
    vm.state.gc.collect_force(2);
    with_state(|s| s.term.set_muted(false));
}

fn boot_and_run(
    vm: &VirtualMachine,
    program: Option<&Program>,
    shared: &Arc<Shared>,
    scope: &rustpython_vm::scope::Scope,
) -> EndReason {
    {
        let (float, complex) = with_state(|s| (s.board.spec.float, s.board.spec.complex))
            .unwrap_or((mpsim_board_models::FloatRepr::Single, true));
        crate::methods::exception_reprs(vm);
        crate::methods::builtins_check_names(vm);
        crate::compile::OPT_LEVEL.store(0, std::sync::atomic::Ordering::Relaxed);
        if let Err(e) =
            crate::float32::configure(vm, float, complex).and_then(|()| crate::quicken::install(vm))
        {
            return EndReason::Crashed(format!("board firmware failed to start: {e:?}"));
        }
        if let Err(e) = vm.import("_mpsim_boot", 0) {
            // Stopped (Ctrl-C in the terminal, SIGTERM) while the firmware was starting.
            if let Some(Some(reason)) = with_state(|s| s.run.reason()) {
                return reason;
            }
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
        // `import __main__` gives the program's module (unittest.main() looks there).
        // Its dict is the program's globals, which keep only the names the firmware puts there.
        let main_module = vm.new_module("__main__", vm.ctx.new_dict(), None);
        let _ = main_module
            .as_object()
            .set_dict(Some(scope.globals.clone()));
        if let Ok(modules) = vm.sys_module.get_attr("modules", vm) {
            let _ = modules.set_item("__main__", main_module.into(), vm);
        }
        let from_flash = |name: &str| {
            with_state(|s| {
                let f = s.flash()?;
                let bytes = heap::untracked(|| f.read(&format!("/{name}")).ok())?;
                Some(Program {
                    name: name.to_owned(),
                    source: String::from_utf8_lossy(&bytes).into_owned(),
                })
            })
            .flatten()
        };
        let boot = from_flash("boot.py");
        let repl_mode = with_state(|s| s.repl_mode()).flatten();
        // After a soft reset in the raw REPL, main.py is skipped (as pyexec does). Which file is
        // the main one is decided after boot.py, which may name another (the Pyboard's pyb.main).
        with_state(|s| s.chip.set_main_file(None));
        let main = || {
            if repl_mode == Some(crate::repl::Mode::Raw) {
                None
            } else {
                program.cloned().or_else(|| {
                    let name = with_state(|s| s.chip.main_file()).flatten();
                    from_flash(name.as_deref().unwrap_or("main.py"))
                })
            }
        };
        let size = with_state(|s| {
            if s.memory.counted() {
                i64::try_from(s.memory.size()).unwrap_or(i64::MAX)
            } else {
                i64::MAX
            }
        })
        .unwrap_or(i64::MAX);
        heap::start_budget(size);
        shared.running.store(true, Ordering::Release);
        let mut failed = false;
        let mut boot = boot;
        let mut main = Some(main);
        while let Some(prog) = boot.take().or_else(|| main.take().and_then(|m| m())) {
            match exec(vm, &prog, scope) {
                Ok(()) => {}
                Err(e) => match classify(vm, &e) {
                    // An exception in boot.py is printed and the board goes on to main.py; with a
                    // REPL, one in main.py is printed and the REPL starts.
                    EndReason::Exception if prog.name == "boot.py" || repl_mode.is_some() => {
                        failed = true
                    }
                    EndReason::Finished if repl_mode.is_some() && is_exit(vm, &e) => {
                        return soft_reset();
                    }
                    other => return other,
                },
            }
        }
        if repl_mode.is_some() {
            return repl_loop(vm, scope);
        }
        with_state(|s| s.term.set_executing(true));
        heap::set_tracked(true);
        let idled = idle(vm);
        heap::set_tracked(false);
        match idled {
            Err(e) => classify(vm, &e),
            Ok(()) => with_state(|s| s.run.reason())
                .flatten()
                .unwrap_or(if failed {
                    EndReason::Exception
                } else {
                    EndReason::Finished
                }),
        }
    }
}

fn is_exit(vm: &VirtualMachine, e: &PyBaseExceptionRef) -> bool {
    e.fast_isinstance(vm.ctx.exceptions.system_exit)
        && with_state(|s| s.run.rebooting().is_none() && !s.run.ending()).unwrap_or(false)
}

/// Asks for a soft reset (the caller's loop reboots the interpreter).
fn soft_reset() -> EndReason {
    with_state(|s| s.run.reboot_after(Reboot::Soft));
    EndReason::Finished
}

/// The REPL on the console until a soft or hard reset, or the end of the run.
fn repl_loop(vm: &VirtualMachine, scope: &rustpython_vm::scope::Scope) -> EndReason {
    use crate::repl::Action;
    let start = with_state(|s| {
        s.term.set_executing(false);
        s.repl().map(crate::repl::Repl::start)
    })
    .flatten()
    .unwrap_or_default();
    with_state(|s| s.output(&start));
    loop {
        let byte = loop {
            if let Some(Some(b)) = with_state(|s| s.term.pop()) {
                break b;
            }
            // Streams attached with os.dupterm are polled; the console UART wakes us itself.
            let polled = with_state(|s| s.term.dupterm_active()).unwrap_or(false);
            let waited = if polled {
                crate::runtime::dupterm_pump(vm).and_then(|()| {
                    if with_state(|s| s.term.len()).unwrap_or(0) > 0 {
                        Ok(())
                    } else {
                        crate::runtime::sleep_us(vm, 10_000, true)
                    }
                })
            } else {
                crate::runtime::sleep_us(vm, crate::runtime::FOREVER_US, true)
            };
            if let Err(e) = waited {
                // Nothing the user typed can raise here (Ctrl-C is data at the prompt): only a
                // stop of the run, or a reset requested by a callback.
                return classify(vm, &e);
            }
            if let Some(Some(r)) = with_state(|s| s.run.reason()) {
                return r;
            }
        };
        let actions = with_state(|s| s.repl().map(|r| r.feed(byte)))
            .flatten()
            .unwrap_or_default();
        let echo = !actions.is_empty();
        for action in actions {
            match action {
                Action::Out(bytes) => {
                    with_state(|s| s.output(&bytes));
                }
                Action::SoftReset => return soft_reset(),
                Action::Complete(what) => {
                    let names = completion_names(vm, scope, &what);
                    let echo = with_state(|s| s.repl().map(|r| r.complete(&what, &names)))
                        .flatten()
                        .unwrap_or_default();
                    with_state(|s| s.output(&echo));
                }
                Action::Exec(source, kind) => {
                    let prog = Program {
                        name: "<stdin>".into(),
                        source,
                    };
                    let single = kind == crate::repl::ExecKind::Single;
                    let result = exec_mode(vm, &prog, scope, single);
                    let mut traceback = Vec::new();
                    if let Err(e) = result {
                        if let Some(Some(r)) = with_state(|s| s.run.reason()) {
                            return r;
                        }
                        if with_state(|s| s.run.rebooting().is_some()).unwrap_or(false) {
                            return EndReason::Finished;
                        }
                        if is_exit(vm, &e) {
                            if matches!(
                                kind,
                                crate::repl::ExecKind::Raw | crate::repl::ExecKind::RawPaste
                            ) {
                                with_state(|s| s.output(b"\x04\x04"));
                            }
                            return soft_reset();
                        }
                        traceback = format_exception(vm, &e);
                    }
                    let closing = with_state(|s| s.repl().map(|r| r.after_exec(kind, &traceback)))
                        .flatten()
                        .unwrap_or_default();
                    with_state(|s| s.output(&closing));
                }
            }
        }
        // The echo (and what a statement printed last) goes out to the dupterm streams now.
        if echo && let Err(e) = crate::runtime::dupterm_pump(vm) {
            if let Some(Some(r)) = with_state(|s| s.run.reason()) {
                return r;
            }
            if with_state(|s| s.run.rebooting().is_some()).unwrap_or(false) {
                return EndReason::Finished;
            }
            let _ = e;
        }
    }
}

/// The names Tab may offer for `what` (`_mpsim_help.names`); none if anything goes wrong.
fn completion_names(
    vm: &VirtualMachine,
    scope: &rustpython_vm::scope::Scope,
    what: &crate::repl::Completion,
) -> Vec<String> {
    let path: Vec<PyObjectRef> = what
        .path
        .iter()
        .map(|p| vm.ctx.new_str(p.as_str()).into())
        .collect();
    let found = vm
        .import("_mpsim_help", 0)
        .and_then(|m| m.get_attr("names", vm))
        .and_then(|f| {
            f.call(
                (
                    vm.ctx.new_list(path),
                    vm.ctx.new_bool(what.modules),
                    scope.globals.clone(),
                ),
                vm,
            )
        })
        .and_then(|l| l.try_to_value::<Vec<String>>(vm));
    found.unwrap_or_default()
}

/// The traceback MicroPython would print for `exc`, as console bytes (`\r\n` line ends).
fn format_exception(vm: &VirtualMachine, exc: &PyBaseExceptionRef) -> Vec<u8> {
    let text = vm
        .import("_mpsim_exc", 0)
        .and_then(|m| m.get_attr("format_exception", vm))
        .and_then(|f| f.call((exc.clone(),), vm))
        .ok()
        .and_then(|t| t.str(vm).ok().map(|s| s.to_string()))
        .unwrap_or_else(|| format!("{}: \n", exc.class().name()));
    text.replace('\n', "\r\n").into_bytes()
}

/// Compiles and runs one program in `scope`, counting its allocations against the heap.
fn exec(
    vm: &VirtualMachine,
    prog: &Program,
    scope: &rustpython_vm::scope::Scope,
) -> Result<(), PyBaseExceptionRef> {
    exec_mode(vm, prog, scope, false)
}

/// As [`exec`]; `single` compiles a REPL line, whose expression values are printed.
fn exec_mode(
    vm: &VirtualMachine,
    prog: &Program,
    scope: &rustpython_vm::scope::Scope,
    single: bool,
) -> Result<(), PyBaseExceptionRef> {
    let mode = if single { Mode::Single } else { Mode::Exec };
    // The program comes from the flash or the console: compiling it is the firmware's work, not
    // the script's heap (a script's own exec/eval/compile count, as on the board).
    let code = heap::untracked(|| crate::compile::compile(vm, &prog.source, mode, &prog.name))?;
    let _ = scope
        .globals
        .set_item("__file__", vm.ctx.new_str(prog.name.as_str()).into(), vm);
    // Ctrl-C interrupts the script only while it runs (during the firmware's own start it is queued).
    let was = with_state(|s| s.term.set_executing(true)).unwrap_or(false);
    heap::set_tracked(true);
    let r = vm.run_code_obj(code, scope.clone()).map(drop);
    heap::set_tracked(false);
    with_state(|s| s.term.set_executing(was));
    r
}

/// After the program returns, the board keeps running its timers and IRQs until `--for` passes.
fn idle(vm: &VirtualMachine) -> PyResult<()> {
    let left = with_state(|s| {
        let now = s.clock.now_us();
        s.run.run_for_us().map(|t| t.saturating_sub(now))
    })
    .flatten();
    match left {
        Some(us) if us > 0 => crate::runtime::sleep_us(vm, us, false),
        _ => Ok(()),
    }
}

fn classify(vm: &VirtualMachine, e: &PyBaseExceptionRef) -> EndReason {
    if let Some(Some(reason)) = with_state(|s| s.run.reason()) {
        return reason;
    }
    if with_state(|s| s.run.rebooting().is_some()).unwrap_or(false) {
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
    crate::runtime::print_exception(vm, e);
    EndReason::Exception
}
