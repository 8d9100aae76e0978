# micropython module: const, code emitters as plain decorators, the VM controls (issue 2). The
# inline assembler is docs/differences.md's (tests/py/differences/inline_asm.py).
import micropython
from micropython import const
X = const(42)
print(X, micropython.const(1 << 4))


@micropython.native
def add(a, b):
    return a + b


@micropython.viper
def mul(a: int, b: int) -> int:
    return a * b


print(add(2, 3), mul(4, 5), "still works")
print(micropython.opt_level())
micropython.opt_level(2)
print(micropython.opt_level())
micropython.alloc_emergency_exception_buf(100)
print(micropython.stack_use() > 0)
micropython.kbd_intr(-1)
micropython.kbd_intr(3)
micropython.heap_lock()
micropython.heap_lock()
print(micropython.heap_locked(), micropython.heap_locked(), micropython.heap_unlock(), micropython.heap_unlock())
# mem_info()'s numbers follow the interpreter's internals: tests/cli.rs checks its layout.
micropython.qstr_info()
print(micropython.heap_locked())
