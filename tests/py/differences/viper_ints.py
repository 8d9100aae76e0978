# Known difference (docs/differences.md): @micropython.viper code runs as ordinary bytecode, so
# its machine-word integers do not wrap; the firmware prints 0 here (32-bit wrap-around).
@micropython.viper
def wrap(x: int) -> int:
    return x + 1


print(wrap(0xFFFFFFFF))
