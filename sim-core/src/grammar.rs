//! The firmware's grammar, applied to a script's source before rustpython compiles it: what
//! MicroPython's compiler refuses is a SyntaxError here too (`match`, `except*`, `type`
//! statements, type parameters, positional-only parameters, decorators that are not a dotted name
//! with optional call, complex literals on a port without complex numbers, t-strings), and what its compiler
//! knows without an import works without one (`X = const(1)`, the `@micropython.native` and
//! `viper` code emitters, which run here as ordinary bytecode; the inline assemblers are refused).
//!
//! The source is rewritten, never the AST: a recognised `const` or emitter decorator is blanked
//! with spaces, so every line and column of what remains stays where the user wrote it.

use ruff_text_size::Ranged;
use rustpython_vm::compiler::Mode;
use rustpython_vm::compiler::ast::visitor::{self, Visitor};
use rustpython_vm::compiler::ast::{self, Decorator, Expr, Number, Parameters, Stmt};
use rustpython_vm::compiler::parser;

/// What the firmware's compiler makes of a source.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Compile it as it is (also when it does not parse: the compiler reports that).
    Same,
    /// Compile this instead: the same text with MicroPython's compile-time names blanked.
    Rewritten(String),
    /// A SyntaxError at this byte offset, with the firmware's message.
    Refused {
        offset: usize,
        message: &'static str,
    },
}

/// Checks `source` against the firmware's grammar. `complex`: the port has complex numbers.
pub(crate) fn check(source: &str, mode: Mode, complex: bool) -> Verdict {
    let parse_mode = match mode {
        Mode::Eval => parser::Mode::Expression,
        _ => parser::Mode::Module,
    };
    let Ok(parsed) = parser::parse(source, parser::ParseOptions::from(parse_mode)) else {
        return Verdict::Same;
    };
    let mut v = Checker {
        source: source.as_bytes(),
        blanks: Vec::new(),
        refused: None,
        complex,
    };
    match parsed.syntax() {
        ast::Mod::Module(m) => v.visit_body(&m.body),
        ast::Mod::Expression(e) => v.visit_expr(&e.body),
    }
    if let Some((offset, message)) = v.refused {
        return Verdict::Refused { offset, message };
    }
    if v.blanks.is_empty() {
        return Verdict::Same;
    }
    let mut out = source.as_bytes().to_vec();
    for (a, b, put) in v.blanks {
        for c in &mut out[a..b] {
            // Keep line breaks (a decorator's expression may span lines inside brackets).
            if *c != b'\n' && *c != b'\r' {
                *c = b' ';
            }
        }
        // A replacement is shorter than what it replaces (checked where it is chosen).
        out[a..a + put.len()].copy_from_slice(put.as_bytes());
    }
    // Only ASCII bytes of whole tokens were replaced by spaces (and ASCII names), so the text
    // stays UTF-8.
    String::from_utf8(out).map_or(Verdict::Same, Verdict::Rewritten)
}

/// The code emitters `micropython` offers as decorators (run here as ordinary bytecode). The
/// inline assemblers (`asm_thumb`, `asm_xtensa`, `asm_rv32`) are not among them: mpsim cannot
/// run machine code, so the compiler refuses them as it refuses an emitter its build lacks.
const EMITTERS: &[&str] = &["bytecode", "native", "viper"];
/// The built-in name `@micropython.viper` becomes (`_mpsim_boot.py` defines it).
const VIPER: &str = "__viper__";

struct Checker<'s> {
    source: &'s [u8],
    /// Byte ranges to blank, each with the ASCII text to write at its start ("" for none).
    blanks: Vec<(usize, usize, &'static str)>,
    refused: Option<(usize, &'static str)>,
    complex: bool,
}

fn start(node: &impl Ranged) -> usize {
    node.range().start().to_usize()
}

fn end(node: &impl Ranged) -> usize {
    node.range().end().to_usize()
}

/// `a.b.c` as its parts, if `e` is a dotted name.
fn dotted(e: &Expr) -> Option<Vec<&str>> {
    match e {
        Expr::Name(n) => Some(vec![n.id.as_str()]),
        Expr::Attribute(a) => {
            let mut parts = dotted(&a.value)?;
            parts.push(a.attr.as_str());
            Some(parts)
        }
        _ => None,
    }
}

impl Checker<'_> {
    fn refuse(&mut self, offset: usize, message: &'static str) {
        if self.refused.is_none_or(|(o, _)| offset < o) {
            self.refused = Some((offset, message));
        }
    }

    fn decorators(&mut self, list: &[Decorator]) {
        for d in list {
            let e = &d.expression;
            let name = match e {
                Expr::Call(c) => dotted(&c.func),
                _ => dotted(e),
            };
            let Some(name) = name else {
                // MicroPython's grammar: `@` dotted_name [ `(` arglist `)` ].
                self.refuse(start(e), "invalid syntax");
                continue;
            };
            // Every `@micropython.…` decorator is the compiler's own (any arguments ignored):
            // an emitter it knows, or a SyntaxError.
            if name.first() != Some(&"micropython") {
                continue;
            }
            match name.as_slice() {
                // Viper's types and conversions are emulated at run time by a decorator of
                // mpsim's own (`_viper.py`), called in place of the compiler's.
                ["micropython", "viper"] if end(e) - start(e) >= VIPER.len() => {
                    self.blanks.push((start(e), end(e), VIPER));
                }
                ["micropython", emitter] if EMITTERS.contains(emitter) => {
                    let mut a = start(d);
                    while a > 0 && self.source.get(a) != Some(&b'@') {
                        a -= 1;
                    }
                    self.blanks.push((a, end(e), ""));
                }
                _ => self.refuse(start(e), "invalid micropython decorator"),
            }
        }
    }
}

impl<'a> Visitor<'a> for Checker<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Match(_) | Stmt::TypeAlias(_) => self.refuse(start(stmt), "invalid syntax"),
            Stmt::Try(t) if t.is_star => self.refuse(start(stmt), "invalid syntax"),
            Stmt::FunctionDef(f) => {
                if let Some(tp) = &f.type_params {
                    self.refuse(start(tp.as_ref()), "invalid syntax");
                }
                self.decorators(&f.decorator_list);
            }
            Stmt::ClassDef(c) => {
                if let Some(tp) = &c.type_params {
                    self.refuse(start(tp.as_ref()), "invalid syntax");
                }
                self.decorators(&c.decorator_list);
            }
            Stmt::Assign(a) => {
                // `NAME = const(EXPR)`: the compiler's constant; `const` needs no import.
                if let [Expr::Name(_)] = a.targets.as_slice()
                    && let Expr::Call(c) = a.value.as_ref()
                    && let Expr::Name(f) = c.func.as_ref()
                    && f.id.as_str() == "const"
                    && c.arguments.args.len() == 1
                    && c.arguments.keywords.is_empty()
                {
                    self.blanks.push((start(f), end(f), ""));
                }
            }
            _ => {}
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_parameters(&mut self, parameters: &'a Parameters) {
        if let Some(p) = parameters.posonlyargs.first() {
            self.refuse(end(p), "invalid syntax");
        }
        visitor::walk_parameters(self, parameters);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::NumberLiteral(n) = expr
            && matches!(n.value, Number::Complex { .. })
            && !self.complex
        {
            self.refuse(start(expr), "complex values not supported");
        }
        // t-strings (PEP 750) need MICROPY_PY_TSTRINGS, which no modelled port enables (all are
        // at the "extra features" ROM level); the firmware's lexer reads `t"…"` as a name and a
        // string side by side.
        if let Expr::TString(_) = expr {
            self.refuse(start(expr) + 1, "invalid syntax");
        }
        visitor::walk_expr(self, expr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(src: &str) -> bool {
        matches!(check(src, Mode::Exec, true), Verdict::Refused { .. })
    }

    #[test]
    fn cpython_only_grammar_is_refused() {
        assert!(refused("match x:\n    case 1:\n        pass\n"));
        assert!(refused("try:\n    pass\nexcept* ValueError:\n    pass\n"));
        assert!(refused("type X = int\n"));
        assert!(refused("def f[T](x: T) -> T:\n    return x\n"));
        assert!(refused("class C[T]:\n    pass\n"));
        assert!(refused("def f(a, /, b):\n    pass\n"));
        assert!(refused("f = lambda a, /: a\n"));
        assert!(refused("@(lambda f: f)\ndef g():\n    pass\n"));
        assert!(refused("@x[0]\ndef g():\n    pass\n"));
        assert!(!refused("@a.b.c(1, k=2)\ndef g():\n    pass\n"));
        assert!(refused("@micropython.a\ndef g():\n    pass\n"));
        assert!(refused("@micropython.native.x\ndef g():\n    pass\n"));
        assert_eq!(
            check(
                "@micropython.asm_rv32\ndef f():\n    add(a0, a0, a0)\n",
                Mode::Exec,
                true
            ),
            Verdict::Refused {
                offset: 1,
                message: "invalid micropython decorator"
            }
        );
        assert!(!refused("match = 1\ncase = 2\ntype = 3\n"));
        assert!(refused("x = t'a{b}'\n"));
        assert!(refused("x = rt'a'\n"));
        assert!(!refused("t = 1\nx = f'{t}'\n"));
        assert_eq!(
            check("z = 1j\n", Mode::Exec, false),
            Verdict::Refused {
                offset: 4,
                message: "complex values not supported"
            }
        );
        assert_eq!(check("z = 1j\n", Mode::Exec, true), Verdict::Same);
    }

    #[test]
    fn compile_time_names_are_blanked_in_place() {
        assert_eq!(
            check("X = const(1)\ny = const(2) + 1\n", Mode::Exec, true),
            Verdict::Rewritten("X =      (1)\ny = const(2) + 1\n".into())
        );
        assert_eq!(
            check(
                "@micropython.native\ndef f():\n    pass\n",
                Mode::Exec,
                true
            ),
            Verdict::Rewritten("                   \ndef f():\n    pass\n".into())
        );
        assert_eq!(
            check("class A:\n    @micropython.viper\n    def f(self, x: int) -> int:\n        return x\n", Mode::Exec, true),
            Verdict::Rewritten("class A:\n    @__viper__        \n    def f(self, x: int) -> int:\n        return x\n".into())
        );
        assert_eq!(check("x = 'é'\n", Mode::Exec, true), Verdict::Same);
        assert_eq!(check("x = (\n", Mode::Exec, true), Verdict::Same);
    }
}
