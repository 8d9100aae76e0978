//! `%e`/`%f`/`%g` of a float as the firmware's `mp_format_float` lays it out, where that differs
//! from the interpreter's correctly rounded digits: a single-precision port makes at most 9
//! significant digits (the shortest of 6 to 9 that read back as the same value) and pads with
//! zeros (`'%.3f' % 1e19` is `10000000000000000000.000`, not the float's exact digits), and a
//! `%f` too wide for its 33-character buffer becomes `%g` with one more digit (`'%.2f' % 8.888e32`
//! is `8.89e+32`). Every other conversion is left to the interpreter, whose digits are the same.
//!
//! Both ways a script formats a float go through here: `str % args` (the str type's remainder
//! slot) and `float.__format__` (`format()`, `str.format`, f-strings).

use rustpython_vm::builtins::{PyDict, PyFloat, PyStr, PyTuple};
use rustpython_vm::function::FuncArgs;
use rustpython_vm::protocol::PyNumberBinaryFunc;
use rustpython_vm::{AsObject, PyObject, PyObjectRef, PyResult, VirtualMachine};
use std::sync::OnceLock;

/// The most significant digits a single-precision port makes, and how many it tries first.
const MAX_DIGITS: usize = 9;
const SAFE_DIGITS: usize = 6;
/// `mp_print_float`'s buffer, less room for the terminator and a `%`.
const BUF_SIZE: i32 = 33;

/// What the firmware does differently for one float conversion.
#[derive(Debug, PartialEq)]
enum Plan {
    /// The interpreter's digits are the firmware's.
    Same,
    /// A `%f` too wide for the buffer: `%g` with this precision.
    AsG(usize),
    /// This text (without sign) instead.
    Text(String),
}

/// The decimal exponent of `f` (0 for zero).
fn exponent(f: f64) -> i32 {
    if f == 0.0 || !f.is_finite() {
        return 0;
    }
    // From the correctly rounded scientific form, which never misplaces a power of ten.
    let s = format!("{:e}", f.abs());
    s.split('e')
        .nth(1)
        .and_then(|e| e.parse().ok())
        .unwrap_or(0)
}

/// The digits of `f` (positive, finite) rounded to `k` significant ones, and the exponent of
/// the first.
fn digits(f: f64, k: usize) -> (String, i32) {
    let s = format!("{:.*e}", k.saturating_sub(1), f);
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    (m.replace('.', ""), e.parse().unwrap_or(0))
}

/// Decides how the firmware formats `f` (a board value) with conversion `ty` and precision
/// `prec`; `signed`: a sign character is printed (negative, or a `+`/space flag).
fn plan(f: f64, ty: char, prec: Option<usize>, signed: bool, alt: bool) -> Plan {
    if !f.is_finite() {
        return Plan::Same;
    }
    let lo = ty.to_ascii_lowercase();
    let prec = prec.unwrap_or(6) as i32;
    let f = f.abs();
    let buf = BUF_SIZE - i32::from(signed);
    let e = exponent(f);
    if lo == 'f' && e > 0 && e + prec + 2 > buf {
        return Plan::AsG(usize::try_from(prec + 1).unwrap_or(1));
    }
    // How many significant digits the conversion asks for.
    let wanted = match lo {
        'f' => {
            let p = prec.min(buf - 3);
            if e < 0 {
                if p > 2 && e < -2 {
                    p - ((-e).min(p) - 2)
                } else {
                    p + 1
                }
            } else {
                p + e + 1
            }
        }
        'e' => prec + 1,
        _ => prec.max(1),
    };
    if wanted <= SAFE_DIGITS as i32 || f == 0.0 {
        return Plan::Same;
    }
    let most = usize::try_from(wanted)
        .unwrap_or(MAX_DIGITS)
        .min(MAX_DIGITS);
    // The shortest of 6 to `most` digits that reads back as the same value, else `most`; the
    // digits beyond are zeros.
    let mut k = most;
    for n in SAFE_DIGITS..most {
        let (d, x) = digits(f, n);
        let back: f64 = format!("0.{d}e{}", x + 1).parse().unwrap_or(f64::NAN);
        // Read back as the board keeps a float: the firmware's check ignores the two bits the
        // ESP8266's object representation drops (fp_equal under MICROPY_OBJ_REPR_C).
        if crate::float32::round(back) == f {
            k = n;
            break;
        }
    }
    if k == most && wanted <= MAX_DIGITS as i32 {
        // Correctly rounded to as many digits as asked: the interpreter's digits.
        return Plan::Same;
    }
    let (d, x) = digits(f, k);
    let prec = usize::try_from(prec).unwrap_or(0);
    let exp_form = |d: &str, decimals: usize, strip: bool| {
        let mut m: String = d.chars().take(1).collect();
        let mut rest: String = d.chars().skip(1).collect();
        rest = format!("{rest:0<decimals$}");
        if strip {
            rest = rest.trim_end_matches('0').to_owned();
        }
        if !rest.is_empty() {
            m.push('.');
            m.push_str(&rest);
        }
        let sign = if x < 0 { '-' } else { '+' };
        let e = if ty.is_ascii_uppercase() { 'E' } else { 'e' };
        format!("{m}{e}{sign}{:02}", x.abs())
    };
    let text = match lo {
        'f' => fixed(&d, x, prec),
        'e' => exp_form(&d, prec, false),
        _ => {
            // %g: significant digits `p`; fixed notation when the exponent allows, trailing
            // zeros dropped (unless `#`).
            let p = prec.max(1);
            if x >= -4 && x < p as i32 {
                let s = fixed(&d, x, usize::try_from(p as i32 - 1 - x).unwrap_or(0));
                if alt || !s.contains('.') {
                    s
                } else {
                    s.trim_end_matches('0').trim_end_matches('.').to_owned()
                }
            } else {
                exp_form(&d, p - 1, !alt)
            }
        }
    };
    Plan::Text(text)
}

/// `%f` of the decimal `0.d × 10^(x+1)` with `prec` decimals; the digits beyond `d` are zeros.
fn fixed(d: &str, x: i32, prec: usize) -> String {
    let mut all = String::new();
    let int_len = if x >= 0 {
        let x = usize::try_from(x).unwrap_or(0);
        all.push_str(d);
        while all.len() < x + 1 + prec {
            all.push('0');
        }
        x + 1
    } else {
        let lead = usize::try_from(-x - 1).unwrap_or(0);
        all.push('0');
        all.extend(std::iter::repeat_n('0', lead));
        all.push_str(d);
        while all.len() < 1 + prec {
            all.push('0');
        }
        1
    };
    let (i, frac) = all.split_at(int_len);
    if prec == 0 {
        i.to_owned()
    } else {
        format!("{i}.{}", &frac[..prec.min(frac.len())])
    }
}

/// A `%` conversion of a format string: where it is, and what it asks for.
struct Conversion {
    start: usize,
    end: usize,
    flags: String,
    width: Option<usize>,
    prec: Option<usize>,
    ty: char,
}

/// The conversions of a `%` format, or None when one uses a mapping key or `*` (left to the
/// interpreter as they are).
fn conversions(fmt: &str) -> Option<Vec<Conversion>> {
    let b = fmt.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        if i < b.len() && b[i] == b'(' {
            return None;
        }
        let f0 = i;
        while i < b.len() && b"-+ #0".contains(&b[i]) {
            i += 1;
        }
        let flags = fmt[f0..i].to_owned();
        let number = |i: &mut usize| -> Option<usize> {
            let s = *i;
            while *i < b.len() && b[*i].is_ascii_digit() {
                *i += 1;
            }
            fmt[s..*i].parse().ok()
        };
        if i < b.len() && b[i] == b'*' {
            return None;
        }
        let width = number(&mut i);
        let mut prec = None;
        if i < b.len() && b[i] == b'.' {
            i += 1;
            if i < b.len() && b[i] == b'*' {
                return None;
            }
            prec = Some(number(&mut i).unwrap_or(0));
        }
        while i < b.len() && b"hlL".contains(&b[i]) {
            i += 1;
        }
        let ty = fmt[i..].chars().next()?;
        i += ty.len_utf8();
        out.push(Conversion {
            start,
            end: i,
            flags,
            width,
            prec,
            ty,
        });
    }
    Some(out)
}

/// Pads `sign + text` to `width` as the flags say (`-` left, `0` zeros after the sign).
fn pad(sign: &str, text: &str, width: Option<usize>, flags: &str) -> String {
    let body = format!("{sign}{text}");
    let w = width.unwrap_or(0);
    let n = body.chars().count();
    if n >= w {
        return body;
    }
    let fill = w - n;
    if flags.contains('-') {
        format!("{body}{}", " ".repeat(fill))
    } else if flags.contains('0') {
        format!("{sign}{}{text}", "0".repeat(fill))
    } else {
        format!("{}{body}", " ".repeat(fill))
    }
}

fn sign_of(f: f64, flags: &str) -> &'static str {
    if f.is_sign_negative() && !f.is_nan() {
        "-"
    } else if flags.contains('+') {
        "+"
    } else if flags.contains(' ') {
        " "
    } else {
        ""
    }
}

static STR_MOD: OnceLock<Option<PyNumberBinaryFunc>> = OnceLock::new();

/// `str % args`: float conversions the firmware lays out differently are done here and handed
/// to the interpreter as strings; everything else is the interpreter's.
/// `fmt % mapping` as the firmware reads it (py/objstr.c): a `%(key)` conversion takes the
/// mapping's item and uses the mapping up, a conversion without a key takes the mapping itself
/// while it is not used up, and a `*` after a key finds no argument left. Returns the format
/// with the keys taken out and the arguments in order, for the positional path.
fn mapping_as_positional(
    fmt: &str,
    map: &PyObject,
    vm: &VirtualMachine,
) -> PyResult<(String, Vec<PyObjectRef>)> {
    let more = || vm.new_type_error("format string needs more arguments");
    let b = fmt.as_bytes();
    let mut out = String::with_capacity(fmt.len());
    let mut args = Vec::new();
    let mut used = false;
    let mut i = 0;
    while i < b.len() {
        let Some(p) = fmt[i..].find('%') else {
            out.push_str(&fmt[i..]);
            break;
        };
        out.push_str(&fmt[i..i + p]);
        i += p + 1;
        out.push('%');
        if b.get(i) == Some(&b'%') {
            out.push('%');
            i += 1;
            continue;
        }
        let mut value = None;
        if b.get(i) == Some(&b'(') {
            let close = fmt[i..]
                .find(')')
                .ok_or_else(|| vm.new_value_error("incomplete format key"))?;
            let key = &fmt[i + 1..i + close];
            // The firmware interns the key to look it up.
            if key.len() > 255 {
                return Err(vm.new_runtime_error("name too long"));
            }
            value = Some(map.get_item(key, vm)?);
            used = true;
            i += close + 1;
        }
        // A width or precision: `*` takes an argument, else digits.
        let mut number = |i: &mut usize, out: &mut String| -> PyResult<()> {
            if b.get(*i) == Some(&b'*') {
                if used {
                    return Err(more());
                }
                args.push(map.to_owned());
                used = true;
                out.push('*');
                *i += 1;
            }
            while let Some(&c) = b.get(*i).filter(|c| c.is_ascii_digit()) {
                out.push(char::from(c));
                *i += 1;
            }
            Ok(())
        };
        while let Some(&c) = b.get(i).filter(|c| b"-+ #0".contains(c)) {
            out.push(char::from(c));
            i += 1;
        }
        number(&mut i, &mut out)?;
        if b.get(i) == Some(&b'.') {
            out.push('.');
            i += 1;
            number(&mut i, &mut out)?;
        }
        let Some(ty) = fmt[i..].chars().next() else {
            return Err(vm.new_value_error("incomplete format"));
        };
        out.push(ty);
        i += ty.len_utf8();
        let value = match value {
            Some(v) => v,
            None if used => return Err(more()),
            None => {
                used = true;
                map.to_owned()
            }
        };
        args.push(value);
    }
    Ok((out, args))
}

fn str_mod(a: &PyObject, b: &PyObject, vm: &VirtualMachine) -> PyResult {
    let original = crate::slots::kept(&STR_MOD, vm)?;
    if let (Some(fmt), true) = (
        a.downcast_ref::<PyStr>().and_then(|s| s.to_str()),
        b.downcast_ref::<PyDict>().is_some(),
    ) && fmt.contains("%(")
    {
        let (fmt, args) = mapping_as_positional(fmt, b, vm)?;
        return str_mod(
            vm.ctx.new_str(fmt).as_object(),
            vm.ctx.new_tuple(args).as_object(),
            vm,
        );
    }
    let (Some(fmt), false) = (
        a.downcast_ref::<PyStr>(),
        b.downcast_ref::<PyDict>().is_some(),
    ) else {
        return original(a, b, vm);
    };
    let args: Vec<PyObjectRef> = match b.downcast_ref::<PyTuple>() {
        Some(t) => t.as_slice().to_vec(),
        None => vec![b.to_owned()],
    };
    if !args.iter().any(|x| x.downcast_ref::<PyFloat>().is_some()) {
        return original(a, b, vm);
    }
    let Some(fmt) = fmt.to_str() else {
        return original(a, b, vm);
    };
    let Some(convs) = conversions(fmt) else {
        return original(a, b, vm);
    };
    let mut new_fmt = String::new();
    let mut new_args = Vec::with_capacity(args.len());
    let mut at = 0;
    let mut next = 0;
    let mut changed = false;
    for c in &convs {
        if c.ty == '%' {
            continue;
        }
        let Some(arg) = args.get(next) else {
            return original(a, b, vm);
        };
        next += 1;
        let text = match (arg.downcast_ref::<PyFloat>(), c.ty) {
            (Some(x), 'e' | 'E' | 'f' | 'F' | 'g' | 'G') => {
                let f = x.to_f64();
                let sign = sign_of(f, &c.flags);
                match plan(f, c.ty, c.prec, !sign.is_empty(), c.flags.contains('#')) {
                    Plan::Same => None,
                    Plan::AsG(p) => {
                        let spec = format!(
                            "%{}{}.{p}g",
                            c.flags,
                            c.width.map_or(String::new(), |w| w.to_string())
                        );
                        let s = original(vm.ctx.new_str(spec).as_object(), arg, vm)?;
                        Some(s.str(vm)?.as_wtf8().to_string())
                    }
                    Plan::Text(t) => Some(pad(sign, &t, c.width, &c.flags)),
                }
            }
            _ => None,
        };
        match text {
            Some(t) => {
                new_fmt.push_str(&fmt[at..c.start]);
                new_fmt.push_str("%s");
                new_args.push(vm.ctx.new_str(t).into());
                changed = true;
            }
            None => {
                new_fmt.push_str(&fmt[at..c.end]);
                new_args.push(arg.clone());
            }
        }
        at = c.end;
    }
    if !changed || next != args.len() {
        return original(a, b, vm);
    }
    new_fmt.push_str(&fmt[at..]);
    let new_args: PyObjectRef = if b.downcast_ref::<PyTuple>().is_some() {
        vm.ctx.new_tuple(new_args).into()
    } else {
        new_args.pop().unwrap_or_else(|| vm.ctx.none())
    };
    original(vm.ctx.new_str(new_fmt).as_object(), &new_args, vm)
}

/// `format(x, spec)` of a float: as [`str_mod`], for the spec's float types.
fn float_format(zelf: PyObjectRef, args: FuncArgs, vm: &VirtualMachine) -> PyResult {
    let kept = || {
        let mut a = args.clone();
        a.prepend_arg(zelf.clone());
        crate::slots::call_kept(vm, vm.ctx.types.float_type, "_mpsim_format", a)
    };
    let (Some(x), Some(spec)) = (
        zelf.downcast_ref::<PyFloat>(),
        args.args
            .first()
            .and_then(|s| s.downcast_ref::<PyStr>())
            .and_then(|s| s.to_str()),
    ) else {
        return kept();
    };
    let Some(ty) = spec.chars().last().filter(|c| "eEfFgG".contains(*c)) else {
        return kept();
    };
    // [[fill]align][sign][#][0][width][,_][.precision]type
    let body = &spec[..spec.len() - 1];
    let (head, prec) = match body.rsplit_once('.') {
        Some((h, p)) => match p.parse::<usize>() {
            Ok(p) => (h, Some(p)),
            Err(_) => return kept(),
        },
        None => (body, None),
    };
    let mut chars: Vec<char> = head.chars().collect();
    let mut fill = ' ';
    let mut align = None;
    if chars.len() >= 2 && "<>^=".contains(chars[1]) {
        fill = chars[0];
        align = Some(chars[1]);
        chars.drain(..2);
    } else if !chars.is_empty() && "<>^=".contains(chars[0]) {
        align = Some(chars[0]);
        chars.remove(0);
    }
    let mut flags = String::new();
    if let Some(&c) = chars.first()
        && "+- ".contains(c)
    {
        if c != '-' {
            flags.push(c);
        }
        chars.remove(0);
    }
    if chars.first() == Some(&'#') {
        return kept();
    }
    if chars.first() == Some(&'0') && align.is_none() {
        fill = '0';
        align = Some('=');
        chars.remove(0);
    }
    let rest: String = chars.into_iter().collect();
    if rest.contains([',', '_']) {
        return kept();
    }
    let width = if rest.is_empty() {
        None
    } else {
        match rest.parse::<usize>() {
            Ok(w) => Some(w),
            Err(_) => return kept(),
        }
    };
    let f = x.to_f64();
    let sign = sign_of(f, &flags);
    let text = match plan(f, ty, prec, !sign.is_empty(), false) {
        Plan::Same => return kept(),
        Plan::AsG(p) => {
            let spec = format!("{flags}.{p}g");
            let s = crate::slots::call_kept(
                vm,
                vm.ctx.types.float_type,
                "_mpsim_format",
                (zelf.clone(), vm.ctx.new_str(spec)),
            )?;
            let s = s.str(vm)?.as_wtf8().to_string();
            let (sg, t) = match s.strip_prefix(['-', '+', ' ']) {
                Some(t) => (&s[..1], t.to_owned()),
                None => ("", s.clone()),
            };
            return Ok(vm
                .ctx
                .new_str(align_to(sg, &t, width, fill, align.unwrap_or('>')))
                .into());
        }
        Plan::Text(t) => t,
    };
    Ok(vm
        .ctx
        .new_str(align_to(sign, &text, width, fill, align.unwrap_or('>')))
        .into())
}

/// `sign + text` in `width` characters of `fill`, aligned as a format spec says.
fn align_to(sign: &str, text: &str, width: Option<usize>, fill: char, align: char) -> String {
    let body = format!("{sign}{text}");
    let n = body.chars().count();
    let w = width.unwrap_or(0);
    if n >= w {
        return body;
    }
    let f = |k: usize| std::iter::repeat_n(fill, k).collect::<String>();
    match align {
        '<' => format!("{body}{}", f(w - n)),
        '^' => format!("{}{body}{}", f((w - n) / 2), f(w - n - (w - n) / 2)),
        '=' => format!("{sign}{}{text}", f(w - n)),
        _ => format!("{}{body}", f(w - n)),
    }
}

/// Installs both hooks (once per process: the types are the process's).
pub(crate) fn install(vm: &VirtualMachine) {
    crate::slots::replace(
        &vm.ctx.types.str_type.slots.as_number.remainder,
        &STR_MOD,
        str_mod as PyNumberBinaryFunc,
    );
    crate::slots::replace_method(
        vm,
        vm.ctx.types.float_type,
        "__format__",
        "_mpsim_format",
        float_format,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_beyond_nine_are_zeros_and_wide_f_becomes_g() {
        // Another test may set the board to double precision meanwhile: take turns.
        crate::float32::tests::with(mpsim_board_models::FloatRepr::Single, || {
            let big = f64::from(1e19f32);
            assert_eq!(
                plan(big, 'f', Some(0), false, false),
                Plan::Text("10000000000000000000".into())
            );
            assert_eq!(
                plan(big, 'f', Some(2), false, false),
                Plan::Text("10000000000000000000.00".into())
            );
            assert_eq!(
                plan(f64::from(0.1f32), 'f', Some(12), false, false),
                Plan::Text("0.100000000000".into())
            );
            assert_eq!(
                plan(f64::from(8.888e32f32), 'f', Some(2), false, false),
                Plan::AsG(3)
            );
            assert_eq!(
                plan(f64::from(1.23456f32), 'f', Some(2), false, false),
                Plan::Same
            );
            assert_eq!(
                plan(f64::from(0.1f32), 'e', Some(12), false, false),
                Plan::Text("1.000000000000e-01".into())
            );
            // Six digits read back, so the seventh is a zero (the correctly rounded one is 9.999999e+27).
            assert_eq!(
                plan(f64::from(1e28f32), 'g', Some(7), false, false),
                Plan::Text("1e+28".into())
            );
            assert_eq!(
                plan(f64::from(1.5f32), 'g', Some(8), false, false),
                Plan::Text("1.5".into())
            );
            assert_eq!(fixed("123", -3, 6), "0.001230");
            assert_eq!(fixed("5", 0, 2), "5.00");
        });
    }
}
