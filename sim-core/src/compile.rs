//! Compiling a program as the firmware's compiler does: its grammar (`grammar.rs`), its float
//! constants (`float32.rs`), its optimisation levels, and its errors.

use rustpython_vm::builtins::{PyBaseExceptionRef, PyCode};
use rustpython_vm::compiler::{CompileOpts, Mode};
use rustpython_vm::{AsObject, PyObjectRef, PyRef, PyResult, VirtualMachine};
use std::borrow::Cow;

/// Compiles source for the board: the main program, REPL lines, and `compile`/`exec`/`eval`.
/// Errors are the board's: `SyntaxError('invalid syntax')`, or an `IndentationError` with the
/// firmware's text, with `filename`, `lineno`, `offset` and `text` for the traceback's `File` line.
pub(crate) fn compile(
    vm: &VirtualMachine,
    source: &str,
    mode: Mode,
    filename: &str,
) -> PyResult<PyRef<PyCode>> {
    use rustpython_vm::compiler::CompileError;
    use rustpython_vm::compiler::codegen::error::CodegenErrorType;
    use rustpython_vm::compiler::parser::{LexicalErrorType, ParseErrorType};
    // The firmware compiles in its heap, the main program and imported modules too: a source
    // more than twice the heap's free room cannot be compiled there (MemoryError).
    let need = (source.len() / 2) as u128;
    if crate::heap::tracked() {
        crate::memguard::fits(need, vm)?;
    } else {
        crate::memguard::fits_in_room(need, vm)?;
    }
    let job = Job {
        mode,
        filename: filename.to_owned(),
        complex: crate::float32::has_complex(),
        level: OPT_LEVEL.load(std::sync::atomic::Ordering::Relaxed),
    };
    let (source, outcome) = if source.len() < OFF_THREAD {
        job.run(Cow::Borrowed(source))
    } else {
        let (source, outcome) = off_thread(vm, source, job)?;
        // What the compiler made on its own thread was not counted: a copy made here is, as a
        // script's own compile/exec/eval takes its heap (the firmware's work does not).
        let outcome = match outcome {
            Outcome::Code(code) if crate::heap::tracked() => {
                let copy = Box::new((*code).clone());
                crate::heap::untracked(|| drop(code));
                Outcome::Code(copy)
            }
            other => other,
        };
        (Cow::Owned(source), outcome)
    };
    let source = source.as_ref();
    let err = match outcome {
        Outcome::Code(code) => {
            let code = PyCode::new_ref_from_bytecode(vm, *code);
            crate::quicken::keep_float_ops_on_slots(&code);
            return Ok(code);
        }
        Outcome::NameTooLong => return Err(vm.new_runtime_error("name too long")),
        Outcome::Unsupported(message) => {
            return Err(vm.new_exception_msg(
                vm.ctx.exceptions.not_implemented_error.to_owned(),
                message.into(),
            ));
        }
        Outcome::Refused { offset, message } => {
            let before = source.get(..offset).unwrap_or(source);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            return Err(syntax_error(
                vm,
                vm.ctx.exceptions.syntax_error,
                message,
                source,
                filename,
                (line, column),
            ));
        }
        Outcome::Failed(e) => e,
    };
    let (line, column) = err.as_ref().map_or((0, 0), CompileError::python_location);
    let (kind, msg) = match &err {
        Some(CompileError::Codegen(e)) if matches!(e.error, CodegenErrorType::RecursionError) => {
            return Err(vm.new_recursion_error("maximum recursion depth exceeded".to_owned()));
        }
        Some(CompileError::Parse(e)) => match e.error {
            ParseErrorType::UnexpectedIndentation => {
                (vm.ctx.exceptions.indentation_error, "unexpected indent")
            }
            ParseErrorType::Lexical(LexicalErrorType::IndentationError) => (
                vm.ctx.exceptions.indentation_error,
                "unindent doesn't match any outer indent level",
            ),
            _ => (vm.ctx.exceptions.syntax_error, "invalid syntax"),
        },
        _ => (vm.ctx.exceptions.syntax_error, "invalid syntax"),
    };
    Err(syntax_error(
        vm,
        kind,
        msg,
        source,
        filename,
        (line, column),
    ))
}

/// Sources at least this long are compiled on a thread of their own (see [`off_thread`]).
const OFF_THREAD: usize = 16 << 10;

/// The stack of that thread: the compiler recurses as deep as the source nests.
const COMPILER_STACK: usize = 64 << 20;

/// What compiling a source needs besides its text; everything here can leave the board's thread.
struct Job {
    mode: Mode,
    filename: String,
    complex: bool,
    level: u8,
}

/// What became of a source.
enum Outcome {
    Code(Box<rustpython_vm::bytecode::CodeObject>),
    NameTooLong,
    Unsupported(&'static str),
    /// A SyntaxError at this byte offset of the compiled text.
    Refused {
        offset: usize,
        message: &'static str,
    },
    /// The compiler's error, or None when it panicked (malformed input).
    Failed(Option<rustpython_vm::compiler::CompileError>),
}

impl Job {
    /// The firmware's grammar, then the interpreter's compiler: the text compiled (line endings
    /// unified; errors point into it) and what became of it. The text is copied only to change.
    fn run<'a>(&self, source: Cow<'a, str>) -> (Cow<'a, str>, Outcome) {
        // The firmware's lexer reads CR and CR LF line endings as LF, inside string literals too.
        let mut text = if source.contains('\r') {
            Cow::Owned(source.replace("\r\n", "\n").replace('\r', "\n"))
        } else {
            source
        };
        // A line continuation at the very end of a module is nothing to the firmware's lexer.
        if matches!(self.mode, Mode::Exec) && text.ends_with("\\\n") {
            let t = text.to_mut();
            t.truncate(t.len() - 2);
            t.push('\n');
        }
        let compiled = match crate::grammar::check(&text, self.mode, self.complex) {
            crate::grammar::Verdict::Same => None,
            crate::grammar::Verdict::Rewritten(s) => Some(s),
            crate::grammar::Verdict::NameTooLong => return (text, Outcome::NameTooLong),
            crate::grammar::Verdict::Unsupported(m) => return (text, Outcome::Unsupported(m)),
            crate::grammar::Verdict::Refused { offset, message } => {
                return (text, Outcome::Refused { offset, message });
            }
        };
        let outcome = self.codegen(compiled.as_deref().unwrap_or(&text));
        (text, outcome)
    }

    fn codegen(&self, source: &str) -> Outcome {
        // The compiler can panic on some malformed input (bytes that are not UTF-8, mangled
        // escapes); for the board that is a syntax error like any other.
        let compiled = quiet_panics(|| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let opts = CompileOpts {
                    // From level 1 on, asserts are dropped and `__debug__` is False.
                    optimize: u8::from(self.level >= 1),
                    ..CompileOpts::default()
                };
                rustpython_vm::compiler::compile(source, self.mode, &self.filename, opts).map(
                    |mut code| {
                        round_constants(&mut code);
                        if self.level >= 3 {
                            forget_lines(&mut code);
                        }
                        code
                    },
                )
            }))
        });
        match compiled {
            Ok(Ok(code)) => Outcome::Code(Box::new(code)),
            Ok(Err(e)) => Outcome::Failed(Some(e)),
            Err(_) => Outcome::Failed(None),
        }
    }
}

/// A compile on its own thread is running (one at a time: one the board gave up on finishes
/// before the next starts).
static COMPILING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Compiles a large source on a thread of its own while the board's thread waits, so that
/// Ctrl-C, `--timeout` and the window's Stop still reach the board: the interpreter's compiler
/// takes time that grows with the square of a scope's constants, and nothing interrupts it. A
/// compile the board gave up on runs to its end in the background, holding no lock. Its memory
/// is counted (heap.rs's compile counter): past the host's room for the board it ends the board
/// as a request beyond the heap does.
fn off_thread(vm: &VirtualMachine, source: &str, job: Job) -> PyResult<(String, Outcome)> {
    use std::sync::atomic::Ordering;
    let tick = std::time::Duration::from_millis(10);
    // The previous one the board gave up on finishes first.
    while COMPILING
        .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        vm.check_signals()?;
        std::thread::sleep(tick);
    }
    crate::heap::start_compile_count();
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let text = source.to_owned();
    let spawned = std::thread::Builder::new()
        .name("compile".into())
        .stack_size(COMPILER_STACK)
        .spawn(move || {
            /// Frees the slot however the compile ends, after its memory is given back.
            struct Slot;
            impl Drop for Slot {
                fn drop(&mut self) {
                    COMPILING.store(false, Ordering::Release);
                }
            }
            let _slot = Slot;
            crate::heap::count_compile(true);
            let r = quiet_panics(|| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let (text, outcome) = job.run(Cow::Owned(text));
                    (text.into_owned(), outcome)
                }))
            });
            let r = r.unwrap_or_else(|_| (String::new(), Outcome::Failed(None)));
            crate::heap::count_compile(false);
            // Sent, or dropped here if the board gave up on it.
            drop(tx.send(r));
        });
    if spawned.is_err() {
        COMPILING.store(false, Ordering::Release);
        return Err(vm.new_memory_error("memory allocation failed"));
    }
    let limit = crate::heap::compile_limit();
    loop {
        match rx.recv_timeout(tick) {
            Ok(r) => return Ok(r),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Ok((String::new(), Outcome::Failed(None)));
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        if crate::heap::compile_bytes() > limit {
            crate::heap::fatal_oom(usize::try_from(crate::heap::compile_bytes()).unwrap_or(0));
        }
        vm.check_signals()?;
    }
}

/// A SyntaxError (or IndentationError) with the attributes tracebacks print.
fn syntax_error(
    vm: &VirtualMachine,
    kind: &'static rustpython_vm::Py<rustpython_vm::builtins::PyType>,
    msg: &str,
    source: &str,
    filename: &str,
    (line, column): (usize, usize),
) -> PyBaseExceptionRef {
    let exc = vm.new_exception_msg(kind.to_owned(), msg.to_owned().into());
    let text = source.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let attrs: [(&str, PyObjectRef); 4] = [
        ("filename", vm.ctx.new_str(filename).into()),
        ("lineno", vm.ctx.new_int(line.max(1)).into()),
        ("offset", vm.ctx.new_int(column.max(1)).into()),
        ("text", vm.ctx.new_str(text).into()),
    ];
    for (name, value) in attrs {
        let _ = exc.as_object().set_attr(name, value, vm);
    }
    exc
}

/// `micropython.opt_level()`: how the next compiles optimise (0 at every boot, as the firmware).
pub(crate) static OPT_LEVEL: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Level 3 stores no line numbers: every line of the code is line 1 in a traceback.
fn forget_lines(code: &mut rustpython_vm::bytecode::CodeObject) {
    use rustpython_vm::bytecode::ConstantData;
    for (a, b) in code.locations.iter_mut() {
        a.line = rustpython_vm::compiler::core::OneIndexed::MIN;
        b.line = rustpython_vm::compiler::core::OneIndexed::MIN;
    }
    for c in code.constants.iter_mut() {
        if let ConstantData::Code { code } = c {
            forget_lines(code);
        }
    }
}

/// Float literals become the values the board's compiler makes of them (see float32.rs), and
/// every generator can be awaited, as on the firmware, where generators and coroutines are one
/// type (`await gen()`, `yield from coro` in a generator).
fn round_constants(code: &mut rustpython_vm::bytecode::CodeObject) {
    use rustpython_vm::bytecode::CodeFlags;
    if code.flags.contains(CodeFlags::GENERATOR) {
        code.flags.insert(CodeFlags::ITERABLE_COROUTINE);
    }
    for c in code.constants.iter_mut() {
        round_constant(c);
    }
}

fn round_constant(c: &mut rustpython_vm::bytecode::ConstantData) {
    use rustpython_vm::bytecode::ConstantData;
    match c {
        ConstantData::Float { value } => *value = crate::float32::round(*value),
        ConstantData::Complex { value } => {
            value.re = crate::float32::round(value.re);
            value.im = crate::float32::round(value.im);
        }
        ConstantData::Tuple { elements } | ConstantData::Frozenset { elements } => {
            elements.iter_mut().for_each(round_constant);
        }
        ConstantData::Slice { elements } => elements.iter_mut().for_each(round_constant),
        ConstantData::Code { code } => round_constants(code),
        _ => {}
    }
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with panics on this thread kept off stderr (they are caught and turned into Python
/// errors by the caller). Other threads' panics are reported as usual.
fn quiet_panics<R>(f: impl FnOnce() -> R) -> R {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let r = f();
    QUIET.with(|q| q.set(false));
    r
}
