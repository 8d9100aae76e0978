# mpsim: --board pico
# cmath and complex numbers where the firmware has them (the rp2 port), in single precision.
import cmath, math
print(cmath.sqrt(-4), cmath.phase(-1))
print(abs(cmath.exp(1j * math.pi) + 1) < 1e-6)
z = complex(1, 2) * 2j
print(z, z.real, z.imag, abs(3 + 4j))
