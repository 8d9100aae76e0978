//! Compiling a program as the firmware's compiler does: its grammar (`grammar.rs`), its float
//! constants (`float32.rs`), its optimisation levels, and its errors.

use rustpython_vm::builtins::{PyBaseExceptionRef, PyCode};
use rustpython_vm::compiler::{CompileOpts, Mode};
use rustpython_vm::{AsObject, PyObjectRef, PyRef, PyResult, VirtualMachine};

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
    // The firmware compiles in its heap: a source more than twice the heap's free room cannot
    // be compiled there (MemoryError), and here it would hold the interpreter's compiler, which
    // nothing interrupts, for as long as its size makes it take.
    crate::memguard::fits((source.len() / 2) as u128, vm)?;
    // The firmware's lexer reads CR and CR LF line endings as LF, inside string literals too.
    let unified;
    let source = if source.contains('\r') {
        unified = source.replace("\r\n", "\n").replace('\r', "\n");
        unified.as_str()
    } else {
        source
    };
    // A line continuation at the very end of a module is nothing to the firmware's lexer.
    let trimmed;
    let source = match source.strip_suffix("\\\n") {
        Some(rest) if matches!(mode, Mode::Exec) => {
            trimmed = format!("{rest}\n");
            trimmed.as_str()
        }
        _ => source,
    };
    let rewritten;
    let source = match crate::grammar::check(source, mode, crate::float32::has_complex()) {
        crate::grammar::Verdict::Same => source,
        crate::grammar::Verdict::Rewritten(s) => {
            rewritten = s;
            rewritten.as_str()
        }
        crate::grammar::Verdict::NameTooLong => {
            return Err(vm.new_runtime_error("name too long"));
        }
        crate::grammar::Verdict::Unsupported(message) => {
            return Err(vm.new_exception_msg(
                vm.ctx.exceptions.not_implemented_error.to_owned(),
                message.into(),
            ));
        }
        crate::grammar::Verdict::Refused { offset, message } => {
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
    };
    // The compiler can panic on some malformed input (bytes that are not UTF-8, mangled escapes);
    // for the board that is a syntax error like any other.
    let compiled = quiet_panics(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let level = OPT_LEVEL.load(std::sync::atomic::Ordering::Relaxed);
            let opts = CompileOpts {
                // From level 1 on, asserts are dropped and `__debug__` is False.
                optimize: u8::from(level >= 1),
                ..CompileOpts::default()
            };
            rustpython_vm::compiler::compile(source, mode, filename, opts).map(|mut code| {
                round_constants(&mut code);
                if level >= 3 {
                    forget_lines(&mut code);
                }
                let code = PyCode::new_ref_from_bytecode(vm, code);
                crate::quicken::keep_float_ops_on_slots(&code);
                code
            })
        }))
    });
    let err = match compiled {
        Ok(Ok(code)) => return Ok(code),
        Ok(Err(e)) => Some(e),
        Err(_) => None,
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
