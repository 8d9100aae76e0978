//! The firmware's grammar, applied to a script's source before rustpython compiles it: what
//! MicroPython's compiler refuses is a SyntaxError here too (`match`, `except*`, `type`
//! statements, type parameters, positional-only parameters, decorators that are not a dotted
//! name with optional call, complex literals on a port without complex numbers, t-strings,
//! `@micropython.X` that is not an emitter, a `const()` that is not constant), and what its
//! compiler knows without an import works without one: `X = const(1)`, whose value is put in
//! place of later uses of X as its parser does (a private `_X` is not stored), and the
//! `@micropython.native`/`bytecode`/`viper` code emitters, which run here as bytecode (viper
//! through mpsim's own decorator, `_viper.py`); the inline assemblers are refused.
//!
//! The source is rewritten, never the AST: a `const` call or an emitter decorator is blanked with
//! spaces, so lines and columns stay; only constants put in place may shift a line's columns.

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
    /// What the firmware's compiler does not implement: a NotImplementedError with its message.
    Unsupported(&'static str),
    /// A name longer than the firmware can intern (255 bytes): its RuntimeError("name too long").
    NameTooLong,
}

/// Where the firmware's lexer reads a source otherwise: a number runs into a keyword or name
/// written right after it (`1if x else 0` does not lex), and a `\N{…}` escape in a string is not
/// implemented.
fn lexer_differences(source: &str, tokens: &[ast::token::Token]) -> Option<Verdict> {
    use ast::token::TokenKind as K;
    if tokens
        .iter()
        .any(|t| t.kind() == K::Name && t.range().len().to_usize() > 255)
    {
        return Some(Verdict::NameTooLong);
    }
    for pair in tokens.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if matches!(a.kind(), K::Int | K::Float | K::Complex)
            && a.end() == b.start()
            && (b.kind() == K::Name || b.kind().is_keyword())
        {
            return Some(Verdict::Refused {
                offset: b.start().to_usize(),
                message: "invalid syntax",
            });
        }
    }
    for t in tokens.iter().filter(|t| t.kind() == K::String) {
        let text = source
            .get(t.start().to_usize()..t.end().to_usize())
            .unwrap_or("");
        let prefix: String = text
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        if prefix.contains(['r', 'R', 'b', 'B']) {
            continue;
        }
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\\' && chars.next() == Some('N') && chars.clone().next() == Some('{') {
                return Some(Verdict::Unsupported("unicode name escapes"));
            }
        }
    }
    None
}

/// Checks `source` against the firmware's grammar. `complex`: the port has complex numbers.
pub(crate) fn check(source: &str, mode: Mode, complex: bool) -> Verdict {
    let parse_mode = match mode {
        Mode::Eval => parser::Mode::Expression,
        _ => parser::Mode::Module,
    };
    let Ok(parsed) = parser::parse(source, parser::ParseOptions::from(parse_mode)) else {
        // The firmware's parser takes a bare `*` that ends a parameter list (`def f(a, *):`).
        return match without_trailing_bare_star(source) {
            Some(relaxed) => match check(&relaxed, mode, complex) {
                Verdict::Same => Verdict::Rewritten(relaxed),
                other => other,
            },
            None => Verdict::Same,
        };
    };
    if let Some(verdict) = lexer_differences(source, parsed.tokens()) {
        return verdict;
    }
    let mut v = Checker {
        source: source.as_bytes(),
        blanks: Vec::new(),
        refused: None,
        complex,
        consts: std::collections::HashMap::new(),
        subs: Vec::new(),
        dicts: Vec::new(),
        scopes: Vec::new(),
        nonlocals: Vec::new(),
    };
    match parsed.syntax() {
        ast::Mod::Module(m) => v.visit_body(&m.body),
        ast::Mod::Expression(e) => v.visit_expr(&e.body),
    }
    if let Some((offset, message)) = v.refused {
        return Verdict::Refused { offset, message };
    }
    let mut dicts = std::mem::take(&mut v.dicts);
    dicts.retain(|&(a, b, _)| {
        let inside = |x: usize, y: usize| a <= x && y <= b;
        !v.blanks.iter().any(|&(x, y, _)| inside(x, y))
            && !v.subs.iter().any(|(x, y, _)| inside(*x, *y))
    });
    // Of nested rewrites, the innermost stays.
    let all = dicts.clone();
    dicts.retain(|&(a, b, _)| {
        !all.iter()
            .any(|&(x, y, _)| (x, y) != (a, b) && a <= x && y <= b)
    });
    v.subs.extend(dicts);
    if v.blanks.is_empty() && v.subs.is_empty() {
        return Verdict::Same;
    }
    let mut out = source.as_bytes().to_vec();
    for &(a, b, put) in &v.blanks {
        for c in &mut out[a..b] {
            // Keep line breaks (a decorator's expression may span lines inside brackets).
            if *c != b'\n' && *c != b'\r' {
                *c = b' ';
            }
        }
        // A replacement is shorter than what it replaces (checked where it is chosen).
        out[a..a + put.len()].copy_from_slice(put.as_bytes());
    }
    // Replacements that change lengths go last, from the end (none lies inside a blank).
    let mut subs = v.subs;
    subs.retain(|(a, b, _)| !v.blanks.iter().any(|(x, y, _)| a < y && x < b));
    subs.sort_by_key(|r| std::cmp::Reverse(r.0));
    for (a, b, text) in subs {
        out.splice(a..b, text.bytes());
    }
    // Only ASCII bytes of whole tokens were replaced by spaces (and ASCII names), and whole
    // expressions by source text, so the text stays UTF-8.
    String::from_utf8(out).map_or(Verdict::Same, Verdict::Rewritten)
}

/// `source` with the first bare `*` that ends a `def`'s parameter list blanked (with its comma),
/// or None if there is none.
fn without_trailing_bare_star(source: &str) -> Option<String> {
    let b = source.as_bytes();
    let skip_ws_back = |mut i: usize| {
        while i > 0 && b[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        i
    };
    for (star, _) in source.match_indices('*') {
        let after = source[star + 1..].trim_start();
        if !after.starts_with(')') {
            continue;
        }
        let before = skip_ws_back(star);
        let (open, comma) = match b.get(before.wrapping_sub(1)) {
            Some(b'(') => (before - 1, None),
            Some(b',') => {
                // Back to the list's opening bracket, over nested brackets.
                let mut depth = 0usize;
                let mut i = before - 1;
                let open = loop {
                    if i == 0 {
                        break None;
                    }
                    i -= 1;
                    match b[i] {
                        b')' | b']' | b'}' => depth += 1,
                        b'(' | b'[' | b'{' if depth > 0 => depth -= 1,
                        b'(' => break Some(i),
                        b'[' | b'{' => break None,
                        _ => {}
                    }
                };
                match open {
                    Some(o) => (o, Some(before - 1)),
                    None => continue,
                }
            }
            _ => continue,
        };
        // Only a lone `*`: after `*args` (or another `*`) it is an error there too.
        if source[open + 1..star].contains('*') {
            continue;
        }
        let head = source[..open].trim_end();
        let name_start = head
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        if name_start == head.len() || !source[..name_start].trim_end().ends_with("def") {
            continue;
        }
        let mut out = source.as_bytes().to_vec();
        out[star] = b' ';
        if let Some(c) = comma {
            out[c] = b' ';
        }
        return String::from_utf8(out).ok();
    }
    None
}

/// The code emitters `micropython` offers as decorators (run here as ordinary bytecode). The
/// inline assemblers (`asm_thumb`, `asm_xtensa`, `asm_rv32`) are not among them: mpsim cannot
/// run machine code, so the compiler refuses them as it refuses an emitter its build lacks.
const EMITTERS: &[&str] = &["bytecode", "native", "viper"];
/// The bits of a small int on the modelled ports (all 32-bit, with one tag bit).
const SMALL_INT_BITS: usize = 31;
/// The built-in name `@micropython.viper` becomes (`_mpsim_boot.py` defines it).
const VIPER: &str = "__viper__";
/// The built-in name `@micropython.native` becomes (`_mpsim_boot.py` defines it).
const NATIVE: &str = "__native__";

struct Checker<'s> {
    source: &'s [u8],
    /// Byte ranges to blank, each with the ASCII text to write at its start ("" for none).
    blanks: Vec<(usize, usize, &'static str)>,
    refused: Option<(usize, &'static str)>,
    complex: bool,
    /// The compiler's constants met so far (`NAME = const(VALUE)`): the text that stands for
    /// each, as the firmware's parser puts the value in place of every later standalone use.
    consts: std::collections::HashMap<String, (String, ConstKind)>,
    /// Byte ranges to replace by other text (constants put in place, private ones dropped).
    subs: Vec<(usize, usize, String)>,
    /// Dict displays to rewrite so that each value is evaluated before its key (see
    /// [`Checker::dict_in_firmware_order`]); dropped where another change lies inside.
    dicts: Vec<(usize, usize, String)>,
    /// The scopes the checker is in, innermost last: a def (with whether it has parameters) or
    /// another kind (None).
    scopes: Vec<Option<bool>>,
    /// The names each enclosing def declared `nonlocal`, innermost last.
    nonlocals: Vec<Vec<String>>,
}

/// What a `const()` value is, as far as checking it needs.
#[derive(Clone, Copy)]
enum ConstKind {
    /// An int, with its value when it fits.
    Int(Option<i128>),
    Float,
    /// str, bytes, tuple, None, True/False, `...`: taken as written.
    Other,
}

fn start(node: &impl Ranged) -> usize {
    node.range().start().to_usize()
}

fn end(node: &impl Ranged) -> usize {
    node.range().end().to_usize()
}

/// A number literal (with an optional sign) as f64, and whether it is a float.
fn literal_number(e: &Expr) -> Option<(f64, bool)> {
    match e {
        Expr::NumberLiteral(n) => match &n.value {
            Number::Int(i) => i.as_i64().map(|v| (v as f64, false)),
            // The board's value of the literal (single precision on every modelled port).
            Number::Float(f) => Some((crate::float32::round(*f), true)),
            Number::Complex { .. } => None,
        },
        Expr::UnaryOp(u) if u.op == ast::UnaryOp::USub => {
            literal_number(&u.operand).map(|(v, f)| (-v, f))
        }
        Expr::UnaryOp(u) if u.op == ast::UnaryOp::UAdd => literal_number(&u.operand),
        _ => None,
    }
}

/// Python's float floor division, for finite results (None leaves it to run time: a division
/// by zero raises there).
fn float_floor_div(a: f64, b: f64) -> Option<f64> {
    if b == 0.0 || !a.is_finite() || !b.is_finite() {
        return None;
    }
    let m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 && (b < 0.0) != (m < 0.0) {
        div -= 1.0;
    }
    let v = if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0.0f64.copysign(a / b)
    };
    v.is_finite().then_some(v)
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
    /// The source of `e` with the constants in it put in place.
    fn text_with_consts(&self, e: &Expr) -> String {
        struct Names<'c>(
            &'c std::collections::HashMap<String, (String, ConstKind)>,
            Vec<(usize, usize, String)>,
        );
        impl<'a> Visitor<'a> for Names<'_> {
            fn visit_expr(&mut self, expr: &'a Expr) {
                if let Expr::Name(n) = expr
                    && let Some((text, _)) = self.0.get(n.id.as_str())
                {
                    self.1.push((start(expr), end(expr), text.clone()));
                }
                visitor::walk_expr(self, expr);
            }
        }
        let mut names = Names(&self.consts, Vec::new());
        names.visit_expr(e);
        let (a, b) = (start(e), end(e));
        let mut text = String::new();
        let mut at = a;
        for (x, y, t) in names.1 {
            text.push_str(&String::from_utf8_lossy(&self.source[at..x]));
            text.push_str(&t);
            at = y;
        }
        text.push_str(&String::from_utf8_lossy(&self.source[at..b]));
        text
    }

    /// Whether `e` is what the firmware's parser folds to a constant (ints with their
    /// arithmetic, floats, str, bytes, tuples of constants, None, bools, `...`, earlier
    /// constants), and what it is.
    fn const_kind(&self, e: &Expr) -> Option<ConstKind> {
        use ast::{Operator as Op, UnaryOp as U};
        Some(match e {
            Expr::NumberLiteral(n) => match &n.value {
                Number::Int(i) => ConstKind::Int(i.as_i64().map(i128::from)),
                Number::Float(_) => ConstKind::Float,
                Number::Complex { .. } => return None,
            },
            Expr::StringLiteral(_)
            | Expr::BytesLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::EllipsisLiteral(_) => ConstKind::Other,
            Expr::Tuple(t) => {
                for el in &t.elts {
                    self.const_kind(el)?;
                }
                ConstKind::Other
            }
            Expr::Name(n) => self.consts.get(n.id.as_str())?.1,
            // The constants of built-in modules (MICROPY_COMP_MODULE_CONST).
            Expr::Attribute(a) => match (dotted(&a.value)?.as_slice(), a.attr.as_str()) {
                (["math"], "pi" | "e" | "tau" | "inf" | "nan") => ConstKind::Float,
                (["errno"], name) if name.starts_with('E') => ConstKind::Int(None),
                _ => return None,
            },
            Expr::UnaryOp(u) => match (u.op, self.const_kind(&u.operand)?) {
                (U::USub, ConstKind::Int(v)) => ConstKind::Int(v.and_then(i128::checked_neg)),
                (U::UAdd, k @ ConstKind::Int(_)) => k,
                (U::Invert, ConstKind::Int(v)) => ConstKind::Int(v.map(|v| !v)),
                (U::USub | U::UAdd, ConstKind::Float) => ConstKind::Float,
                _ => return None,
            },
            Expr::BinOp(b) => {
                let l = self.const_kind(&b.left)?;
                let r = self.const_kind(&b.right)?;
                match (l, r) {
                    (ConstKind::Int(l), ConstKind::Int(r)) => {
                        let v = match (l, r) {
                            (Some(l), Some(r)) => match b.op {
                                Op::Add => l.checked_add(r),
                                Op::Sub => l.checked_sub(r),
                                Op::Mult => l.checked_mul(r),
                                Op::BitOr => Some(l | r),
                                Op::BitXor => Some(l ^ r),
                                Op::BitAnd => Some(l & r),
                                // Folding fails here, so the value is not a constant.
                                Op::LShift | Op::RShift if r < 0 => return None,
                                Op::FloorDiv | Op::Mod if r == 0 => return None,
                                Op::LShift => u32::try_from(r).ok().and_then(|r| l.checked_shl(r)),
                                Op::RShift => Some(if r >= 127 { l >> 127 } else { l >> r }),
                                Op::FloorDiv => Some(
                                    l.div_euclid(r) - i128::from(l.rem_euclid(r) != 0 && r < 0),
                                ),
                                Op::Mod => Some(((l % r) + r) % r),
                                Op::Pow if r < 0 => return Some(ConstKind::Float),
                                Op::Pow => u32::try_from(r).ok().and_then(|r| l.checked_pow(r)),
                                Op::Div => return Some(ConstKind::Float),
                                Op::MatMult => return None,
                            },
                            _ if b.op == Op::MatMult => return None,
                            _ => None,
                        };
                        ConstKind::Int(v)
                    }
                    (
                        ConstKind::Int(_) | ConstKind::Float,
                        ConstKind::Int(_) | ConstKind::Float,
                    ) if b.op != Op::MatMult => ConstKind::Float,
                    _ => return None,
                }
            }
            _ => return None,
        })
    }

    /// The firmware's compiler evaluates a dict display's value before its key (as Python 3.4
    /// did); rustpython the key first. Where that can be seen — some item's key and value both
    /// do more than name or spell a constant — the display becomes a comprehension over
    /// `(value, key)` pairs, evaluated in place: `{k(): v()}` is
    /// `{_mpsim_k: _mpsim_v for _mpsim_v, _mpsim_k in ((v(), k()),)}`. Lines stay where they
    /// were (the line breaks between a key and its value follow the pair).
    fn dict_in_firmware_order(&mut self, d: &ast::ExprDict) {
        fn plain(e: &Expr) -> bool {
            match e {
                Expr::Name(_)
                | Expr::NumberLiteral(_)
                | Expr::StringLiteral(_)
                | Expr::BytesLiteral(_)
                | Expr::BooleanLiteral(_)
                | Expr::NoneLiteral(_)
                | Expr::EllipsisLiteral(_) => true,
                Expr::Tuple(t) => t.elts.iter().all(plain),
                _ => false,
            }
        }
        fn yields(e: &Expr) -> bool {
            struct Y(bool);
            impl<'a> Visitor<'a> for Y {
                fn visit_expr(&mut self, e: &'a Expr) {
                    if matches!(e, Expr::Yield(_) | Expr::YieldFrom(_) | Expr::Named(_)) {
                        self.0 = true;
                    }
                    visitor::walk_expr(self, e);
                }
            }
            let mut y = Y(false);
            y.visit_expr(e);
            y.0
        }
        let Some(pairs) = d
            .items
            .iter()
            .map(|i| i.key.as_ref().map(|k| (k, &i.value)))
            .collect::<Option<Vec<_>>>()
        else {
            return;
        };
        if !pairs.iter().any(|(k, v)| !plain(k) && !plain(v))
            || pairs.iter().any(|(k, v)| yields(k) || yields(v))
        {
            return;
        }
        let text = |a: usize, b: usize| String::from_utf8_lossy(&self.source[a..b]).into_owned();
        let (a, b) = (start(d), end(d));
        let mut out = String::from("{_mpsim_k: _mpsim_v for _mpsim_v, _mpsim_k in (");
        out.push_str(&text(a + 1, start(pairs[0].0)));
        for (i, (k, v)) in pairs.iter().enumerate() {
            if i > 0 {
                out.push_str(&text(end(pairs[i - 1].1), start(*k)));
            }
            out.push('(');
            out.push_str(&text(start(*v), end(*v)));
            out.push_str(", ");
            out.push_str(&text(start(*k), end(*k)));
            out.push(')');
            let gap = text(end(*k), start(*v));
            out.extend(gap.chars().filter(|&c| c == '\n'));
        }
        let last = pairs[pairs.len() - 1].1;
        let tail = text(end(last), b - 1);
        let comma = if pairs.len() == 1 && !tail.contains(',') {
            ","
        } else {
            ""
        };
        out.push_str(comma);
        out.push_str(&tail);
        out.push_str(")}");
        self.dicts.push((a, b, out));
    }

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
                // Native code runs as bytecode through a decorator that only marks it.
                ["micropython", "native"] if end(e) - start(e) >= NATIVE.len() => {
                    self.blanks.push((start(e), end(e), NATIVE));
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
                let p = &f.parameters;
                let has_params = !(p.posonlyargs.is_empty()
                    && p.args.is_empty()
                    && p.kwonlyargs.is_empty()
                    && p.vararg.is_none()
                    && p.kwarg.is_none());
                self.scopes.push(Some(has_params));
                self.nonlocals.push(Vec::new());
                visitor::walk_stmt(self, stmt);
                self.nonlocals.pop();
                self.scopes.pop();
                return;
            }
            Stmt::ClassDef(c) => {
                if let Some(tp) = &c.type_params {
                    self.refuse(start(tp.as_ref()), "invalid syntax");
                }
                self.decorators(&c.decorator_list);
                self.scopes.push(None);
                self.nonlocals.push(Vec::new());
                visitor::walk_stmt(self, stmt);
                self.nonlocals.pop();
                self.scopes.pop();
                return;
            }
            Stmt::Nonlocal(n) => {
                if let Some(names) = self.nonlocals.last_mut() {
                    names.extend(n.names.iter().map(|i| i.id.as_str().to_owned()));
                }
            }
            // `del x` of a nonlocal x that is not bound is a NameError on the firmware; the
            // interpreter empties the cell without a word. Reading x just before deleting it
            // raises it: `del a, x` becomes `del a;x;del x` (on the same line).
            Stmt::Delete(d) => {
                if let Some(names) = self.nonlocals.last() {
                    let mut prev_end: Option<usize> = None;
                    for t in &d.targets {
                        if let Expr::Name(n) = t
                            && names.iter().any(|x| x == n.id.as_str())
                        {
                            let name = n.id.as_str();
                            match prev_end {
                                None => {
                                    self.subs
                                        .push((start(stmt), start(stmt), format!("{name};")))
                                }
                                Some(a) if !self.source[a..start(t)].contains(&b'\n') => {
                                    self.subs.push((a, start(t), format!(";{name};del ")));
                                }
                                Some(_) => {}
                            }
                        }
                        prev_end = Some(end(t));
                    }
                }
            }
            Stmt::Assign(a) => {
                // `NAME = const(VALUE)`: the compiler's constant; `const` needs no import. The
                // value takes the place of every later standalone NAME; a private one (`_NAME`)
                // is not stored at all.
                if let [Expr::Name(target)] = a.targets.as_slice()
                    && !self.consts.contains_key(target.id.as_str())
                    && let Expr::Call(c) = a.value.as_ref()
                    && let Expr::Name(f) = c.func.as_ref()
                    && f.id.as_str() == "const"
                    && c.arguments.args.len() == 1
                    && c.arguments.keywords.is_empty()
                {
                    let value = &c.arguments.args[0];
                    let Some(kind) = self.const_kind(value) else {
                        self.refuse(start(stmt), "not a constant");
                        return;
                    };
                    let text = match kind {
                        ConstKind::Int(Some(v)) => format!("({v})"),
                        _ => format!("({})", self.text_with_consts(value)),
                    };
                    let name = target.id.as_str().to_owned();
                    if name.starts_with('_') {
                        self.consts.insert(name, (text, kind));
                        self.subs.push((start(stmt), end(stmt), "pass".to_owned()));
                        return;
                    }
                    self.blanks.push((start(f), end(f), ""));
                    visitor::walk_expr(self, value);
                    self.consts.insert(name, (text, kind));
                    return;
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
        if let Expr::Name(n) = expr
            && let Some((text, _)) = self.consts.get(n.id.as_str())
        {
            if n.ctx == ast::ExprContext::Load {
                self.subs.push((start(expr), end(expr), text.clone()));
            } else {
                // The parser put the value there too: `1 = …`.
                self.refuse(start(expr), "can't assign to literal");
            }
            return;
        }
        // The interpreter's compiler folds a floor division of two number literals wrongly
        // (`2.0 // 2` is 0.0): such a division is folded here instead, as the firmware's does.
        if let Expr::BinOp(b) = expr
            && b.op == ast::Operator::FloorDiv
            && let (Some((l, lf)), Some((r, rf))) =
                (literal_number(&b.left), literal_number(&b.right))
            && (lf || rf)
            && let Some(v) = float_floor_div(l, r)
        {
            self.subs.push((start(expr), end(expr), format!("({v:?})")));
            return;
        }
        // The interpreter folds a literal's slice at compile time (`b"abc"[::2]`); the firmware
        // computes it at run time, where a step other than 1 is a NotImplementedError for str,
        // bytes and tuples. The literal goes inside a list so that the slice is taken at run time.
        if let Expr::Subscript(sub) = expr
            && matches!(
                sub.value.as_ref(),
                Expr::StringLiteral(_) | Expr::BytesLiteral(_) | Expr::Tuple(_)
            )
            && let Expr::Slice(sl) = sub.slice.as_ref()
            && sl.step.is_some()
            && self.const_kind(&sub.value).is_some()
        {
            let text = self.text_with_consts(&sub.value);
            self.subs
                .push((start(&*sub.value), end(&*sub.value), format!("[{text}][0]")));
            self.visit_expr(&sub.slice);
            return;
        }
        // Scopes other than a def's, for `super()` below.
        if matches!(
            expr,
            Expr::Lambda(_)
                | Expr::ListComp(_)
                | Expr::SetComp(_)
                | Expr::DictComp(_)
                | Expr::Generator(_)
        ) {
            self.scopes.push(None);
            visitor::walk_expr(self, expr);
            self.scopes.pop();
            return;
        }
        match expr {
            // `super()` in a def takes the def's first parameter as self: a def without any
            // does not compile.
            Expr::Call(c)
                if matches!(c.func.as_ref(), Expr::Name(n) if n.id.as_str() == "super")
                    && c.arguments.args.is_empty()
                    && c.arguments.keywords.is_empty()
                    && self.scopes.last() == Some(&Some(false)) =>
            {
                self.refuse(start(&c.arguments), "super() can't find self");
            }
            // `() = x` and `del ()`: the firmware's compiler has nothing to assign or delete.
            Expr::Tuple(t) if t.elts.is_empty() && t.ctx == ast::ExprContext::Store => {
                self.refuse(start(expr), "can't assign to expression");
            }
            Expr::Tuple(t) if t.elts.is_empty() && t.ctx == ast::ExprContext::Del => {
                self.refuse(start(expr), "can't delete expression");
            }
            // Nor does it delete a list display (`del [a, b]`).
            Expr::List(l) if l.ctx == ast::ExprContext::Del => {
                self.refuse(start(expr), "can't delete expression");
            }
            // Its displays unpack only into lists and tuples: `{**d}` and `{*s}` do not parse.
            // A call marks its `*` arguments' positions in a small int (31 bits on every
            // modelled port): one at position 30 or later does not compile.
            Expr::Call(c) => {
                for (i, arg) in c.arguments.args.iter().enumerate() {
                    let before = c
                        .arguments
                        .keywords
                        .iter()
                        .filter(|k| start(*k) < start(arg))
                        .count();
                    if matches!(arg, Expr::Starred(_)) && i + before >= SMALL_INT_BITS - 1 {
                        self.refuse(start(arg), "too many args");
                        break;
                    }
                }
            }
            Expr::Dict(d) => match d.items.iter().find(|i| i.key.is_none()) {
                Some(i) => self.refuse(start(&i.value).saturating_sub(2), "invalid syntax"),
                None => self.dict_in_firmware_order(d),
            },
            Expr::Set(st) => {
                if let Some(e) = st.elts.iter().find(|e| matches!(e, Expr::Starred(_))) {
                    self.refuse(start(e), "invalid syntax");
                }
            }
            _ => {}
        }
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
            Verdict::Rewritten("@__native__        \ndef f():\n    pass\n".into())
        );
        assert_eq!(
            check(
                "@micropython.bytecode\ndef f():\n    pass\n",
                Mode::Exec,
                true
            ),
            Verdict::Rewritten("                     \ndef f():\n    pass\n".into())
        );
        assert_eq!(
            check("class A:\n    @micropython.viper\n    def f(self, x: int) -> int:\n        return x\n", Mode::Exec, true),
            Verdict::Rewritten("class A:\n    @__viper__        \n    def f(self, x: int) -> int:\n        return x\n".into())
        );
        assert_eq!(check("x = 'é'\n", Mode::Exec, true), Verdict::Same);
        assert_eq!(
            check("d = {f(1): g(1), 'a': h()}\n", Mode::Exec, true),
            Verdict::Rewritten(
                "d = {_mpsim_k: _mpsim_v for _mpsim_v, _mpsim_k in ((g(1), f(1)), (h(), 'a'))}\n"
                    .into()
            )
        );
        assert_eq!(
            check("d = {f(1):\n  g(1)}\nx\n", Mode::Exec, true),
            Verdict::Rewritten(
                "d = {_mpsim_k: _mpsim_v for _mpsim_v, _mpsim_k in ((g(1), f(1))\n,)}\nx\n".into()
            )
        );
        assert_eq!(
            check("d = {k: f(), 'a': g()}\n", Mode::Exec, true),
            Verdict::Same
        );
        assert_eq!(
            check("def f(a, *):\n    pass\n", Mode::Exec, true),
            Verdict::Rewritten("def f(a   ):\n    pass\n".into())
        );
        assert_eq!(
            check("def f( * ):\n    pass\n", Mode::Exec, true),
            Verdict::Rewritten("def f(   ):\n    pass\n".into())
        );
        assert_eq!(check("f(*)\n", Mode::Exec, true), Verdict::Same);
        assert_eq!(
            check("def f(x, *a, *):\n    pass\n", Mode::Exec, true),
            Verdict::Same
        );
        assert!(refused("def f():\n    super()\n"));
        assert!(!refused("def f(s):\n    super()\nclass A:\n    super()\n"));
        assert!(!refused("def f():\n    g = lambda: super()\n"));
        assert!(refused("x = 1if y else 0\n"));
        assert_eq!(
            check(&format!("{} = 1\n", "a".repeat(256)), Mode::Exec, true),
            Verdict::NameTooLong
        );
        assert!(!refused(&format!("{} = 1\n", "a".repeat(255))));
        assert!(!refused("x = 1 if y else 0\ny = 0x1f\n"));
        assert_eq!(
            check("s = '\\N{EM DASH}'\n", Mode::Exec, true),
            Verdict::Unsupported("unicode name escapes")
        );
        assert_eq!(
            check("s = r'\\N{EM DASH}' + '\\\\N{'\n", Mode::Exec, true),
            Verdict::Same
        );
        assert!(refused("() = []\n"));
        assert!(refused("d = {'a': 1, **e}\n"));
        assert!(refused("s = {*e}\n"));
        assert!(!refused("l = [*e]\nt = (*e,)\nf(**e)\n"));
        assert!(refused("del ()\n"));
        assert!(refused("del [a]\n"));
        assert!(!refused("[] = []\ndel (a, b)\n"));
        assert_eq!(check("x = (\n", Mode::Exec, true), Verdict::Same);
    }
}
