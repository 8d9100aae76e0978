# micropython module: const, code emitters as plain decorators, the VM controls (issue 2).
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


@micropython.asm_xtensa
def nothing():
    return "still works"


print(add(2, 3), mul(4, 5), nothing())
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
micropython.mem_info()
micropython.qstr_info()
print(micropython.heap_locked())
