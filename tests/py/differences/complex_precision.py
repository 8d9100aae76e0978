# mpsim: --board pico
# Known difference (docs/differences.md): complex numbers compute and print in double precision;
# the firmware's parts are single-precision floats (it prints (0.33333334+0.6666667j)).
print(complex(1, 2) / 3)
