# mpsim: --board pico
# Known difference (docs/differences.md): the interpreter's compiler folds arithmetic on float
# literals in double precision, then rounds the result to the board's precision; the firmware
# folds step by step in single precision, so it prints 16777216.0 twice here. (A floor division
# of two literals is folded by mpsim itself, as the firmware does: 2.0 // 2 is 1.0.)
print(16777216.0 + 1.0 + 1.0)
a = 16777216.0
print(a + 1.0 + 1.0, 2.0 // 2, -7.5 // 2)
