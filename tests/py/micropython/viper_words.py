# Issue 15: viper's int and uint values are 32-bit machine words: arithmetic on them wraps (a
# uint operand makes the result unsigned), and they leave the function as ordinary ints.
@micropython.viper
def double(x: uint):
    return x * 2


@micropython.viper
def ops(x: int, y: uint):
    return x + 1, y - 1, x * y, -x, ~y, x << 31


print(double(1 << 31))
print(ops(0x7FFFFFFF, 0))
print(type(ops(1, 1)[0]).__name__)


# Native and viper functions are machine code on the firmware: they have no __code__.
@micropython.native
def nat(x):
    return x + 1


print(nat(1), hasattr(nat, "__code__"), hasattr(double, "__code__"), hasattr(print, "__name__"))
