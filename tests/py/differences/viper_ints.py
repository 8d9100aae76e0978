# Known difference (docs/differences.md): viper's arguments and results are converted as their
# annotations say, but arithmetic inside a viper function is ordinary Python arithmetic, so its
# machine words do not wrap on the way: the firmware prints 0 here (2**31 * 2 wraps to 0 in 32
# bits), mpsim 4294967296.
@micropython.viper
def double(x: uint):
    return x * 2


print(double(1 << 31))
