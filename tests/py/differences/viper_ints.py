# Known difference (docs/differences.md): inside a viper function, arguments annotated int or
# uint are 32-bit words whose arithmetic wraps, but other values (a local set from a literal)
# compute as ordinary ints: the firmware prints -2147483648 here (0x7FFFFFFF + 1 wraps in 32
# bits), mpsim 2147483648.
@micropython.viper
def count():
    x = 0x7FFFFFFF
    return x + 1


print(count())
