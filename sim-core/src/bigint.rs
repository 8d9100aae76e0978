//! Big-int operations that a script can make as long or as large as it likes with one
//! expression: `10**10**8`, `pow(3, 1 << 250000, m)`, `1 << 10**9`. The interpreter computes
//! each in one native call that no Ctrl-C, `--timeout` or Stop can end, and asks the host for
//! the result's memory at once. Here a result bigger than the board's heap is the firmware's
//! MemoryError before anything is computed (the board could not hold it either), and a power
//! with a big exponent is computed step by step, taking signals (KeyboardInterrupt, the run's
//! timeout) between the steps.

use malachite_bigint::{BigInt, Sign};
use num_traits::{One, Zero};
use rustpython_vm::builtins::PyInt;
use rustpython_vm::{PyObject, PyResult, VirtualMachine};

/// Exponents below this many bits are left to the interpreter (quick whatever they are).
const SMALL_EXPONENT_BITS: u64 = 64;
/// Steps between two looks at the signals in a long power.
const STEPS_PER_CHECK: u64 = 16;

/// MemoryError unless a result of `bits` bits fits the board's heap. Small results are not
/// looked at (they are the interpreter's quick path, and never refused, even with the heap
/// locked: see heaplock.rs).
fn fits_bits(bits: f64, vm: &VirtualMachine) -> PyResult<()> {
    let bytes = (bits / 8.0).ceil();
    if bytes <= 1024.0 {
        return Ok(());
    }
    let bytes = if bytes.is_finite() && bytes < u128::MAX as f64 {
        bytes as u128
    } else {
        u128::MAX
    };
    crate::memguard::fits(bytes, vm)
}

/// `a ** b` and `pow(a, b, m)` on ints: checked and interruptible where they could run long;
/// `None` when the interpreter's own does it.
pub(crate) fn power(
    a: &PyObject,
    b: &PyObject,
    m: &PyObject,
    vm: &VirtualMachine,
) -> Option<PyResult> {
    let (a, b) = (a.downcast_ref::<PyInt>()?, b.downcast_ref::<PyInt>()?);
    let (base, exp) = (a.as_bigint(), b.as_bigint());
    if exp.sign() == Sign::Minus {
        return None;
    }
    if vm.is_none(m) {
        // |base| <= 1 stays small whatever the exponent.
        if base.bits() <= 1 {
            return None;
        }
        let bits = (base.bits() as f64) * exp_f64(exp);
        if let Err(e) = fits_bits(bits, vm) {
            return Some(Err(e));
        }
        if exp.bits() < SMALL_EXPONENT_BITS {
            return None;
        }
        return Some(slow_pow(base, exp, None, vm));
    }
    let modulus = m.downcast_ref::<PyInt>()?.as_bigint();
    if modulus.is_zero() || exp.bits() < SMALL_EXPONENT_BITS {
        return None;
    }
    Some(slow_pow(base, exp, Some(modulus), vm))
}

fn exp_f64(e: &BigInt) -> f64 {
    // Big enough exponents only need their order of magnitude.
    let bits = e.bits();
    if bits > 1000 {
        return f64::INFINITY;
    }
    e.to_string().parse().unwrap_or(f64::INFINITY)
}

/// Square and multiply over the exponent's bits, looking at the signals every few steps.
fn slow_pow(
    base: &BigInt,
    exp: &BigInt,
    modulus: Option<&BigInt>,
    vm: &VirtualMachine,
) -> PyResult {
    let reduce = |x: BigInt| -> BigInt {
        match modulus {
            // Python's sign rule: the result takes the modulus's sign.
            Some(m) => {
                let r = x % m;
                if !r.is_zero() && (r.sign() == Sign::Minus) != (m.sign() == Sign::Minus) {
                    r + m
                } else {
                    r
                }
            }
            None => x,
        }
    };
    let mut result = reduce(BigInt::one());
    let mut square = reduce(base.clone());
    let n = exp.bits();
    for i in 0..n {
        if i % STEPS_PER_CHECK == 0 {
            vm.check_signals()?;
        }
        if exp.bit(i) {
            result = reduce(&result * &square);
        }
        if i + 1 < n {
            square = reduce(&square * &square);
        }
    }
    Ok(vm.ctx.new_int(result).into())
}

/// `a << b` on ints: a result bigger than the heap is MemoryError before it is made.
pub(crate) fn lshift(a: &PyObject, b: &PyObject, vm: &VirtualMachine) -> Option<PyResult<()>> {
    let (a, b) = (a.downcast_ref::<PyInt>()?, b.downcast_ref::<PyInt>()?);
    if a.as_bigint().is_zero() || b.as_bigint().sign() == Sign::Minus {
        return None;
    }
    let bits = a.as_bigint().bits() as f64 + exp_f64(b.as_bigint());
    Some(fits_bits(bits, vm))
}

type BinaryFn = rustpython_vm::protocol::PyNumberBinaryFunc;
static INT_LSHIFT: std::sync::OnceLock<Option<BinaryFn>> = std::sync::OnceLock::new();

fn int_lshift(a: &PyObject, b: &PyObject, vm: &VirtualMachine) -> PyResult {
    if let Some(Err(e)) = lshift(a, b, vm) {
        return Err(e);
    }
    crate::slots::kept(&INT_LSHIFT, vm)?(a, b, vm)
}

/// Guards `int << int` (the power is guarded in float32.rs's `int_power`, which owns that slot).
pub(crate) fn install(vm: &VirtualMachine) {
    for ty in [vm.ctx.types.int_type, vm.ctx.types.bool_type] {
        let n = &ty.slots.as_number;
        crate::slots::replace(&n.lshift, &INT_LSHIFT, int_lshift as BinaryFn);
        if INT_LSHIFT.get().copied().flatten().is_some() {
            n.right_lshift.store(Some(int_lshift));
        }
    }
}
