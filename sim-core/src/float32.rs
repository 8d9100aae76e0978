//! Floats as the boards compute them: IEEE single precision, and on the ESP8266 single precision
//! with the two lowest mantissa bits dropped (MicroPython's object representation C keeps a float
//! in a 32-bit word next to its tag bits).
//!
//! rustpython's `float` holds an f64. Every boundary where a float is made or combined is turned
//! into the firmware's: the number slots of `float` (and `int`'s true division and power) round
//! their operands and result, `float()` parses to single precision, compiled literals are rounded
//! (`compile::compile`), `math` rounds what it returns, and `repr`/`str` print the shortest digits
//! that read back as the same single-precision value, laid out as MicroPython's formatter does.
//! All through the interpreter's public slots; nothing in it is patched.
//!
//! The interpreter's specialised instructions for `float + float`, `-` and `*` would compute in
//! f64 without asking the slots; `quicken.rs` starts `+ - * /` on a fast path of ours instead
//! (`fast_*` below), which answers as the slots would.

use mpsim_board_models::FloatRepr;
use rustpython_vm::builtins::{PyFloat, PyInt, PyStr, PyTuple, PyType, PyTypeRef};
use rustpython_vm::function::FuncArgs;
use rustpython_vm::protocol::{PyNumber, PyNumberBinaryFunc, PyNumberTernaryFunc};
use rustpython_vm::{AsObject, PyObject, PyObjectRef, PyRef, PyResult, VirtualMachine};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

const DOUBLE: u8 = 0;
const SINGLE: u8 = 1;
const SINGLE30: u8 = 2;

/// The running board's representation; slots are shared by every interpreter of the process.
static MODE: AtomicU8 = AtomicU8::new(SINGLE);

/// Sets the representation the next board computes with.
pub(crate) fn set_repr(repr: FloatRepr) {
    let m = match repr {
        FloatRepr::Single => SINGLE,
        FloatRepr::Single30 => SINGLE30,
        FloatRepr::Double => DOUBLE,
    };
    MODE.store(m, Ordering::Relaxed);
}

/// The value the board would hold for `x`.
#[inline]
pub(crate) fn round(x: f64) -> f64 {
    match MODE.load(Ordering::Relaxed) {
        SINGLE => f64::from(x as f32),
        SINGLE30 => {
            // The word keeps 30 bits; reading it back fills the two missing bits with copies of
            // the two above them (mp_obj_float_get).
            let b = (x as f32).to_bits() & !3;
            f64::from(f32::from_bits(b | ((b >> 2) & 3)))
        }
        _ => x,
    }
}

/// Whether two single-precision values are the same board value.
fn same(a: f32, b: f32) -> bool {
    match MODE.load(Ordering::Relaxed) {
        SINGLE30 => a.to_bits() & !3 == b.to_bits() & !3,
        _ => a.to_bits() == b.to_bits(),
    }
}

/// `repr(x)` and `str(x)` as the firmware prints them: the fewest significant digits (at most
/// 9) that parse back to the same board value, positional from 1e-4 up to 1e16, otherwise with
/// an exponent of at least two digits; a whole number keeps `.0`.
pub(crate) fn repr(x: f64) -> String {
    if MODE.load(Ordering::Relaxed) == DOUBLE {
        return rustpython_vm::literal::float::to_string(x);
    }
    let v = round(x) as f32;
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-inf" } else { "inf" }.into();
    }
    let neg = v.is_sign_negative();
    let a = v.abs();
    if a == 0.0 {
        return if neg { "-0.0" } else { "0.0" }.into();
    }
    // Correctly rounded n-digit decimals of the exact value, shortest first.
    let mut sci = String::new();
    for n in 1..=9usize {
        sci = format!("{:.*e}", n - 1, f64::from(a));
        if sci.parse::<f32>().is_ok_and(|p| same(p, a)) {
            break;
        }
    }
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let mut out = String::with_capacity(24);
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(digits);
        } else {
            let whole = usize::try_from(exp).unwrap_or(0) + 1;
            if digits.len() <= whole {
                out.push_str(digits);
                for _ in digits.len()..whole {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..whole]);
                out.push('.');
                out.push_str(&digits[whole..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.unsigned_abs()));
    }
    out
}

/// A float operand (float or int), as the board holds it; None: not a number for float's ops.
fn operand(obj: &PyObject, vm: &VirtualMachine) -> PyResult<Option<f64>> {
    if let Some(f) = obj.downcast_ref::<PyFloat>() {
        return Ok(Some(round(f.to_f64())));
    }
    if let Some(i) = obj.downcast_ref::<PyInt>() {
        // An int of at most 53 bits is exact as f64, so this rounds once, as the firmware's
        // int-to-float conversion does; bigger ones take the interpreter's careful path.
        if let Some(v) = small_i64(i)
            && v.unsigned_abs() <= 1 << 53
        {
            return Ok(Some(round(v as f64)));
        }
        return Ok(Some(round(obj.try_float(vm)?.to_f64())));
    }
    Ok(None)
}

fn zero_division(vm: &VirtualMachine) -> rustpython_vm::builtins::PyBaseExceptionRef {
    vm.new_zero_division_error("divide by zero")
}

fn new_float(vm: &VirtualMachine, x: f64) -> PyObjectRef {
    vm.ctx.new_float(round(x)).into()
}

/// `(a // b, a % b)` as `mp_obj_float_divmod` computes it, in single precision.
fn divmod(a: f64, b: f64) -> (f64, f64) {
    let (x, y) = (a as f32, b as f32);
    let mut m = x % y;
    let mut div = (x - m) / y;
    if m == 0.0 {
        m = 0.0f32.copysign(y);
    } else if (m < 0.0) != (y < 0.0) {
        m += y;
        div -= 1.0;
    }
    let floordiv = if div == 0.0 {
        0.0f32.copysign(x / y)
    } else {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    };
    (f64::from(floordiv), f64::from(m))
}

/// [`operand`] without the interpreter, inlined into every operator: a float, or an int that
/// fits 53 bits (the rest take [`operand`]'s careful path).
#[inline(always)]
fn quick_operand(obj: &PyObject) -> Option<f64> {
    if let Some(f) = obj.downcast_ref::<PyFloat>() {
        return Some(round(f.to_f64()));
    }
    let v = small_i64(obj.downcast_ref::<PyInt>()?)?;
    (v.unsigned_abs() <= 1 << 53).then(|| round(v as f64))
}

#[inline(always)]
fn binary(
    a: &PyObject,
    b: &PyObject,
    vm: &VirtualMachine,
    op: impl FnOnce(f64, f64) -> PyResult<PyObjectRef>,
) -> PyResult {
    if let (Some(x), Some(y)) = (quick_operand(a), quick_operand(b)) {
        return op(x, y);
    }
    match (operand(a, vm)?, operand(b, vm)?) {
        (Some(x), Some(y)) => op(x, y),
        _ => Ok(vm.ctx.not_implemented()),
    }
}

fn add(a: &PyObject, b: &PyObject, vm: &VirtualMachine) -> PyResult {
    binary(a, b, vm, |x, y| Ok(new_float(vm, x + y)))
}

fn sub(a: &PyObject, b: &PyObject, vm: &VirtualMachine) -> PyResult {
    binary(a, b, vm, |x, y| Ok(new_float(vm, x - y)))
}

fn mul(a: &PyObject, b: &PyObject, vm: &VirtualMachine) -> PyResult {
    binary(a, b, vm, |x, y| Ok(new_float(vm, x * y)))
}

fn true_div(a: &PyObject, b: &PyObject, vm: &VirtualMachine) -> PyResult {
    binary(a, b, vm, |x, y| {
        if y == 0.0 {
            return Err(zero_division(vm));
        }
        Ok(new_float(vm, x / y))
    })
}

fn floor_div(a: &PyObject, b: &PyObject, vm: &VirtualMachine) -> PyResult {
    binary(a, b, vm, |x, y| {
        if y == 0.0 {
            return Err(zero_division(vm));
        }
        Ok(new_float(vm, divmod(x, y).0))
    })
}

fn rem(a: &PyObject, b: &PyObject, vm: &VirtualMachine) -> PyResult {
    binary(a, b, vm, |x, y| {
        if y == 0.0 {
            return Err(zero_division(vm));
        }
        Ok(new_float(vm, divmod(x, y).1))
    })
}

fn div_mod(a: &PyObject, b: &PyObject, vm: &VirtualMachine) -> PyResult {
    binary(a, b, vm, |x, y| {
        if y == 0.0 {
            return Err(zero_division(vm));
        }
        let (d, m) = divmod(x, y);
        Ok(vm
            .ctx
            .new_tuple(vec![new_float(vm, d), new_float(vm, m)])
            .into())
    })
}

/// The value of an int that fits an i64, read from its digits (the generic conversion is a call
/// that shows in an int-heavy loop).
#[inline(always)]
fn small_i64(i: &PyInt) -> Option<i64> {
    use malachite_bigint::Sign;
    let v = i.as_bigint();
    if v.bits() > 63 {
        return None;
    }
    let magnitude = i64::try_from(v.iter_u64_digits().next().unwrap_or(0)).ok()?;
    Some(if v.sign() == Sign::Minus {
        -magnitude
    } else {
        magnitude
    })
}

/// An exact int of at most 53 bits, as the board converts it to a float (a bool, a subclass or
/// a big int: None).
#[inline(always)]
fn exact_small_int(obj: &PyObject, vm: &VirtualMachine) -> Option<f64> {
    let v = small_i64(obj.downcast_ref_if_exact::<PyInt>(vm)?)?;
    (v.unsigned_abs() <= 1 << 53).then(|| round(v as f64))
}

/// The interpreter's fast path for an arithmetic operator (quicken.rs): what the operator's slots
/// answer for two exact floats or an exact float and a small int (`float`, rounded as the board
/// rounds), or for two exact ints that fit an i64 (`int`); None leaves the operation (another
/// type, an overflow, a division by zero) to the generic operator.
#[inline(always)]
fn fast(
    a: &PyObject,
    b: &PyObject,
    vm: &VirtualMachine,
    float: impl FnOnce(f64, f64) -> Option<f64>,
    int: impl FnOnce(i64, i64) -> Option<i64>,
) -> Option<PyObjectRef> {
    let (x, y) = match (
        a.downcast_ref_if_exact::<PyFloat>(vm),
        b.downcast_ref_if_exact::<PyFloat>(vm),
    ) {
        (Some(x), Some(y)) => (round(x.to_f64()), round(y.to_f64())),
        (Some(x), None) => (round(x.to_f64()), exact_small_int(b, vm)?),
        (None, Some(y)) => (exact_small_int(a, vm)?, round(y.to_f64())),
        (None, None) => {
            let x = small_i64(a.downcast_ref_if_exact::<PyInt>(vm)?)?;
            let y = small_i64(b.downcast_ref_if_exact::<PyInt>(vm)?)?;
            return Some(vm.ctx.new_int(int(x, y)?).into());
        }
    };
    Some(new_float(vm, float(x, y)?))
}

pub(crate) fn fast_add(a: &PyObject, b: &PyObject, vm: &VirtualMachine) -> Option<PyObjectRef> {
    fast(a, b, vm, |x, y| Some(x + y), i64::checked_add)
}

pub(crate) fn fast_sub(a: &PyObject, b: &PyObject, vm: &VirtualMachine) -> Option<PyObjectRef> {
    fast(a, b, vm, |x, y| Some(x - y), i64::checked_sub)
}

pub(crate) fn fast_mul(a: &PyObject, b: &PyObject, vm: &VirtualMachine) -> Option<PyObjectRef> {
    fast(a, b, vm, |x, y| Some(x * y), i64::checked_mul)
}

/// `/` makes a float of two small ints too, as int's slot does ([`int_true_div`]).
pub(crate) fn fast_true_div(
    a: &PyObject,
    b: &PyObject,
    vm: &VirtualMachine,
) -> Option<PyObjectRef> {
    let div = |x: f64, y: f64| (y != 0.0).then(|| x / y);
    if let (Some(x), Some(y)) = (exact_small_int(a, vm), exact_small_int(b, vm)) {
        return Some(new_float(vm, div(x, y)?));
    }
    fast(a, b, vm, div, |_, _| None)
}

fn power(a: &PyObject, b: &PyObject, c: &PyObject, vm: &VirtualMachine) -> PyResult {
    if !vm.is_none(c) {
        return Err(
            vm.new_type_error("pow() 3rd argument not allowed unless all arguments are integers")
        );
    }
    let complex = vm.ctx.types.complex_type;
    binary(a, b, vm, |x, y| {
        if x == 0.0 && y < 0.0 && !y.is_infinite() {
            return Err(zero_division(vm));
        }
        if x < 0.0 && y != y.floor() && !y.is_nan() {
            if !has_complex() {
                return Err(vm.new_value_error("complex values not supported"));
            }
            let z = complex.as_object().call((x, 0.0), vm)?;
            let y: PyObjectRef = vm.ctx.new_float(y).into();
            return vm._pow(&z, &y, vm.ctx.none.as_object());
        }
        if x == 1.0 || y == 0.0 {
            return Ok(new_float(vm, 1.0));
        }
        Ok(new_float(vm, f64::from((x as f32).powf(y as f32))))
    })
}

fn negative(n: PyNumber<'_>, vm: &VirtualMachine) -> PyResult {
    let x = operand(n.obj, vm)?.unwrap_or(0.0);
    Ok(new_float(vm, -x))
}

fn absolute(n: PyNumber<'_>, vm: &VirtualMachine) -> PyResult {
    let x = operand(n.obj, vm)?.unwrap_or(0.0);
    Ok(new_float(vm, x.abs()))
}

fn float_repr(obj: &PyObject, vm: &VirtualMachine) -> PyResult<PyRef<PyStr>> {
    let x = obj.downcast_ref::<PyFloat>().map_or(0.0, |f| f.to_f64());
    Ok(vm.ctx.new_str(repr(x)))
}

type NewFunc = fn(PyTypeRef, FuncArgs, &VirtualMachine) -> PyResult;
static FLOAT_NEW: OnceLock<Option<NewFunc>> = OnceLock::new();
static INT_TRUE_DIV: OnceLock<Option<PyNumberBinaryFunc>> = OnceLock::new();
static INT_POWER: OnceLock<Option<PyNumberTernaryFunc>> = OnceLock::new();
/// Whether the board has complex numbers (set per board).
static COMPLEX: AtomicBool = AtomicBool::new(true);

/// Whether the running board's firmware has complex numbers.
pub(crate) fn has_complex() -> bool {
    COMPLEX.load(Ordering::Relaxed)
}

/// `float(x)`: a string parses straight to single precision (one rounding, as the firmware's
/// parser), anything else converts and rounds.
fn float_new(cls: PyTypeRef, args: FuncArgs, vm: &VirtualMachine) -> PyResult {
    let Some(original) = FLOAT_NEW.get().copied().flatten() else {
        return Err(vm.new_type_error("float() unavailable"));
    };
    let text = match args.args.as_slice() {
        [s] if args.kwargs.is_empty() => s
            .downcast_ref::<PyStr>()
            .and_then(|s| s.to_str().map(str::to_owned)),
        _ => None,
    };
    let made = original(cls.clone(), args, vm)?;
    if !cls.is(vm.ctx.types.float_type) {
        return Ok(made);
    }
    let Some(value) = made.downcast_ref::<PyFloat>().map(|f| f.to_f64()) else {
        return Ok(made);
    };
    let direct = text.and_then(|t| t.trim().replace('_', "").parse::<f32>().ok());
    let v = match direct {
        Some(f) if f64::from(f).is_finite() || value.is_infinite() => round(f64::from(f)),
        _ => round(value),
    };
    Ok(vm.ctx.new_float(v).into())
}

fn int_true_div(a: &PyObject, b: &PyObject, vm: &VirtualMachine) -> PyResult {
    if a.downcast_ref::<PyInt>().is_some() && b.downcast_ref::<PyInt>().is_some() {
        return true_div(a, b, vm);
    }
    match INT_TRUE_DIV.get().copied().flatten() {
        Some(f) => f(a, b, vm),
        None => Ok(vm.ctx.not_implemented()),
    }
}

/// `int + float`, `-`, `*` in one call: the interpreter asks the int's slot first, which would
/// only answer NotImplemented before the float's own was asked.
macro_rules! int_then_float {
    ($name:ident, $kept:ident, $float_op:ident) => {
        static $kept: OnceLock<Option<PyNumberBinaryFunc>> = OnceLock::new();
        fn $name(a: &PyObject, b: &PyObject, vm: &VirtualMachine) -> PyResult {
            if b.class().is(vm.ctx.types.float_type) {
                return $float_op(a, b, vm);
            }
            match $kept.get().copied().flatten() {
                Some(f) => f(a, b, vm),
                None => Ok(vm.ctx.not_implemented()),
            }
        }
    };
}
int_then_float!(int_add, INT_ADD, add);
int_then_float!(int_sub, INT_SUB, sub);
int_then_float!(int_mul, INT_MUL, mul);

fn int_power(a: &PyObject, b: &PyObject, c: &PyObject, vm: &VirtualMachine) -> PyResult {
    // A result beyond the heap, or a long power: see bigint.rs.
    if let Some(r) = crate::bigint::power(a, b, c, vm) {
        return r;
    }
    let r = match INT_POWER.get().copied().flatten() {
        Some(f) => f(a, b, c, vm)?,
        None => return Ok(vm.ctx.not_implemented()),
    };
    Ok(match r.downcast_ref::<PyFloat>() {
        Some(f) => new_float(vm, f.to_f64()),
        None => r,
    })
}

/// Puts the firmware's float behaviour into the interpreter's types. Idempotent: the types are
/// the process's, shared by every interpreter (a soft reset builds a new one).
/// A complex number as the firmware prints it: `imj` when the real part is zero, otherwise
/// `(re+imj)`, each part in the board's float digits (a whole part without `.0`).
fn complex_repr(z: &PyObject, vm: &VirtualMachine) -> PyResult<PyRef<PyStr>> {
    let Some(c) = z.downcast_ref::<rustpython_vm::builtins::PyComplex>() else {
        return Ok(vm.ctx.new_str("?"));
    };
    let v = c.to_complex64();
    let part = |x: f64| {
        let s = repr(x);
        match s.strip_suffix(".0") {
            Some(whole) => whole.to_owned(),
            None => s,
        }
    };
    let im = part(v.im);
    Ok(vm.ctx.new_str(if v.re == 0.0 && v.re.is_sign_positive() {
        format!("{im}j")
    } else {
        let sign = if im.starts_with('-') { "" } else { "+" };
        format!("({}{sign}{im}j)", part(v.re))
    }))
}

pub(crate) fn install(vm: &VirtualMachine) {
    let float = vm.ctx.types.float_type;
    let int = vm.ctx.types.int_type;
    let n = &float.slots.as_number;
    n.add.store(Some(add));
    n.right_add.store(Some(add));
    n.subtract.store(Some(sub));
    n.right_subtract.store(Some(sub));
    n.multiply.store(Some(mul));
    n.right_multiply.store(Some(mul));
    n.true_divide.store(Some(true_div));
    n.right_true_divide.store(Some(true_div));
    n.floor_divide.store(Some(floor_div));
    n.right_floor_divide.store(Some(floor_div));
    n.remainder.store(Some(rem));
    n.right_remainder.store(Some(rem));
    n.divmod.store(Some(div_mod));
    n.right_divmod.store(Some(div_mod));
    n.power.store(Some(power));
    n.right_power.store(Some(power));
    n.negative.store(Some(negative));
    n.absolute.store(Some(absolute));
    float.slots.repr.store(Some(float_repr));
    vm.ctx
        .types
        .complex_type
        .slots
        .repr
        .store(Some(complex_repr));
    use crate::slots::replace;
    replace(&float.slots.new, &FLOAT_NEW, float_new as NewFunc);
    for ty in [int, vm.ctx.types.bool_type] {
        let n = &ty.slots.as_number;
        replace(&n.add, &INT_ADD, int_add as PyNumberBinaryFunc);
        replace(&n.subtract, &INT_SUB, int_sub as PyNumberBinaryFunc);
        replace(&n.multiply, &INT_MUL, int_mul as PyNumberBinaryFunc);
        replace(
            &n.true_divide,
            &INT_TRUE_DIV,
            int_true_div as PyNumberBinaryFunc,
        );
        if INT_TRUE_DIV.get().copied().flatten().is_some() {
            n.right_true_divide.store(Some(int_true_div));
        }
        replace(&n.power, &INT_POWER, int_power as PyNumberTernaryFunc);
        if INT_POWER.get().copied().flatten().is_some() {
            n.right_power.store(Some(int_power));
        }
    }
}

/// Per board, after the interpreter is built: the representation, `complex` where the firmware
/// has it, and `math` returning board values.
pub(crate) fn configure(vm: &VirtualMachine, repr: FloatRepr, complex: bool) -> PyResult<()> {
    set_repr(repr);
    COMPLEX.store(complex, Ordering::Relaxed);
    if !complex {
        let builtins = vm.builtins.as_object();
        if builtins.get_attr("complex", vm).is_ok() {
            builtins.del_attr("complex", vm)?;
        }
    }
    Ok(())
}

/// Wraps `math`'s functions (and `cmath`'s, `_struct`'s) so that what they return is a board value,
/// and rounds its constants.
pub(crate) fn round_math(vm: &VirtualMachine, math: &PyObject) -> PyResult<()> {
    // math and cmath report every domain error as the firmware's math_error() does.
    let is_math = math
        .get_attr("__name__", vm)
        .ok()
        .and_then(|n| {
            n.downcast_ref::<PyStr>()
                .and_then(|s| s.to_str().map(str::to_owned))
        })
        .is_some_and(|n| n == "math" || n == "cmath");
    let names = vm.call_method(math, "__dir__", ())?;
    let names: Vec<PyObjectRef> = names.try_to_value(vm)?;
    for name in names {
        let Some(name) = name
            .downcast_ref::<PyStr>()
            .and_then(|s| s.to_str().map(str::to_owned))
        else {
            continue;
        };
        if name.starts_with('_') {
            continue;
        }
        let name = vm.ctx.intern_str(name.as_str()).as_str();
        let value = math.get_attr(name, vm)?;
        if let Some(f) = value.downcast_ref::<PyFloat>() {
            math.set_attr(name, vm.ctx.new_float(round(f.to_f64())), vm)?;
        } else if value.is_callable() && value.downcast_ref::<PyType>().is_none() {
            let inner = value.clone();
            let wrapped = vm.new_function(
                name,
                move |args: FuncArgs, vm: &VirtualMachine| -> PyResult {
                    let args = FuncArgs::new(
                        args.args
                            .into_iter()
                            .map(|a| match a.downcast_ref::<PyFloat>() {
                                Some(f) => vm.ctx.new_float(round(f.to_f64())).into(),
                                None => a,
                            })
                            .collect::<Vec<_>>(),
                        args.kwargs,
                    );
                    if is_math && name == "log" {
                        log_base_one(&args, vm)?;
                    }
                    let r = inner.call(args, vm).map_err(|e| {
                        if is_math && e.class().is(vm.ctx.exceptions.value_error) {
                            vm.new_value_error("math domain error")
                        } else {
                            e
                        }
                    })?;
                    Ok(board_value(vm, r))
                },
            );
            math.set_attr(name, wrapped, vm)?;
        }
    }
    Ok(())
}

type ItemFn = fn(rustpython_vm::protocol::PySequence<'_>, isize, &VirtualMachine) -> PyResult;
type SubscriptFn =
    fn(rustpython_vm::protocol::PyMapping<'_>, &PyObject, &VirtualMachine) -> PyResult;
type NextFn = fn(&PyObject, &VirtualMachine) -> PyResult<rustpython_vm::protocol::PyIterReturn>;
static ARRAY_ITEM: OnceLock<Option<ItemFn>> = OnceLock::new();
static ARRAY_SUBSCRIPT: OnceLock<Option<SubscriptFn>> = OnceLock::new();
static ARRAY_NEXT: OnceLock<Option<NextFn>> = OnceLock::new();
type ReprFn = fn(&PyObject, &VirtualMachine) -> PyResult<PyRef<PyStr>>;
static ARRAY_REPR: OnceLock<Option<ReprFn>> = OnceLock::new();

/// `repr()` of an 'f' or 'd' array lists its items as floats print (`array('f', [1.0, 2.5])`);
/// the interpreter's drops the `.0` of whole numbers.
fn array_repr(zelf: &PyObject, vm: &VirtualMachine) -> PyResult<PyRef<PyStr>> {
    let typecode = zelf.get_attr("typecode", vm)?.str(vm)?;
    let code = typecode.as_wtf8().to_string();
    if code != "f" && code != "d" {
        let f = crate::slots::kept(&ARRAY_REPR, vm)?;
        return f(zelf, vm);
    }
    let items: Vec<PyObjectRef> = zelf.try_to_value(vm)?;
    let name = zelf.class().name().to_string();
    if items.is_empty() {
        return Ok(vm.ctx.new_str(format!("{name}('{code}')")));
    }
    let mut parts = Vec::with_capacity(items.len());
    for item in &items {
        parts.push(item.repr(vm)?.as_wtf8().to_string());
    }
    Ok(vm
        .ctx
        .new_str(format!("{name}('{code}', [{}])", parts.join(", "))))
}

fn array_item(
    seq: rustpython_vm::protocol::PySequence<'_>,
    i: isize,
    vm: &VirtualMachine,
) -> PyResult {
    let f = crate::slots::kept(&ARRAY_ITEM, vm)?;
    Ok(board_value(vm, f(seq, i, vm)?))
}

fn array_subscript(
    m: rustpython_vm::protocol::PyMapping<'_>,
    key: &PyObject,
    vm: &VirtualMachine,
) -> PyResult {
    let f = crate::slots::kept(&ARRAY_SUBSCRIPT, vm)?;
    Ok(board_value(vm, f(m, key, vm)?))
}

fn array_next(
    it: &PyObject,
    vm: &VirtualMachine,
) -> PyResult<rustpython_vm::protocol::PyIterReturn> {
    use rustpython_vm::protocol::PyIterReturn;
    let f = crate::slots::kept(&ARRAY_NEXT, vm)?;
    Ok(match f(it, vm)? {
        PyIterReturn::Return(v) => PyIterReturn::Return(board_value(vm, v)),
        other => other,
    })
}

/// Makes `array.array` (and its iterator) hand out board values: an 'f' item is read back
/// from its 32 bits as the board reads it (on the ESP8266, into a 30-bit float). Once per
/// process; the array module's types are the process's.
pub(crate) fn round_array(array: &PyObject, iterator: &PyObject) {
    use crate::slots::replace;
    if let Some(t) = array.downcast_ref::<PyType>() {
        replace(&t.slots.as_sequence.item, &ARRAY_ITEM, array_item as ItemFn);
        replace(
            &t.slots.as_mapping.subscript,
            &ARRAY_SUBSCRIPT,
            array_subscript as SubscriptFn,
        );
        replace(&t.slots.repr, &ARRAY_REPR, array_repr as ReprFn);
        crate::methods::array_comparisons(t);
        crate::sequences::install_array(t);
    }
    if let Some(t) = iterator.downcast_ref::<PyType>() {
        replace(&t.slots.iternext, &ARRAY_NEXT, array_next as NextFn);
    }
}

/// `math.log(x, 1)`: the firmware divides by log(1) and says so (ZeroDivisionError), once x and
/// the base are in its domain; the interpreter raises ValueError.
fn log_base_one(args: &FuncArgs, vm: &VirtualMachine) -> PyResult<()> {
    if let [x, base] = args.args.as_slice() {
        let x = x.try_float(vm)?.to_f64();
        let base = base.try_float(vm)?.to_f64();
        // NaN is in the domain here, as `x <= 0` is false for it on the board.
        if (x > 0.0 || x.is_nan()) && base == 1.0 {
            return Err(zero_division(vm));
        }
    }
    Ok(())
}

/// A float (or a tuple holding floats, as `math.frexp`/`modf` return) as the board holds it.
fn board_value(vm: &VirtualMachine, r: PyObjectRef) -> PyObjectRef {
    if let Some(f) = r.downcast_ref::<PyFloat>() {
        return new_float(vm, f.to_f64());
    }
    if let Some(t) = r.downcast_ref::<PyTuple>()
        && t.iter().any(|o| o.downcast_ref::<PyFloat>().is_some())
    {
        return vm
            .ctx
            .new_tuple(t.iter().map(|o| board_value(vm, o.clone())).collect())
            .into();
    }
    r
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The representation is process-wide; tests that set it, or depend on it, take turns.
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

    pub(crate) fn with(repr: FloatRepr, f: impl FnOnce()) {
        let _turn = TURN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        set_repr(repr);
        f();
        set_repr(FloatRepr::Single);
    }

    #[test]
    fn single_precision_prints_the_shortest_round_trip() {
        with(FloatRepr::Single, || {
            assert_eq!(repr(1.0 / 3.0), "0.33333334");
            assert_eq!(repr(std::f64::consts::PI), "3.1415927");
            assert_eq!(repr(0.1), "0.1");
            assert_eq!(repr(1.0), "1.0");
            assert_eq!(repr(-2.5), "-2.5");
            assert_eq!(repr(100.0), "100.0");
            assert_eq!(repr(1e16), "1e+16");
            assert_eq!(repr(1e15), "1000000000000000.0");
            assert_eq!(repr(0.0001), "0.0001");
            assert_eq!(repr(0.00001), "1e-05");
            assert_eq!(repr(1.5e-20), "1.5e-20");
            assert_eq!(repr(f64::INFINITY), "inf");
            assert_eq!(repr(f64::NAN), "nan");
            assert_eq!(repr(-0.0), "-0.0");
            assert_eq!(repr(1e40), "inf");
        });
    }

    #[test]
    fn thirty_bit_floats_drop_two_mantissa_bits() {
        with(FloatRepr::Single30, || {
            assert_eq!(repr(1.0 / 3.0), "0.3333333");
            assert_eq!(round(1.000_000_1), 1.0);
            assert_eq!(repr(0.1), "0.1");
            assert_eq!(repr(2.5), "2.5");
        });
    }

    #[test]
    fn divmod_follows_the_firmware() {
        assert_eq!(divmod(7.0, 2.0), (3.0, 1.0));
        assert_eq!(divmod(-7.0, 2.0), (-4.0, 1.0));
        assert_eq!(divmod(7.0, -2.0), (-4.0, -1.0));
        let (d, m) = divmod(-0.5, 1.0);
        assert_eq!((d, m), (-1.0, 0.5));
    }
}
