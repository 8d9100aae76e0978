# mpsim: --board pico
# Known difference (docs/differences.md): complex numbers print in the board's float digits but
# compute in double precision; the firmware's parts are single-precision floats at every step,
# so it prints (16777216+0j) for the second line.
print(complex(1, 2) / 3)
print(complex(16777216, 0) + 1 + 1)
