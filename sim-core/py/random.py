# random/urandom: the functions MicroPython has. Seeded from the board (fixed in virtual time).
import _mpsim
from _random import Random as _R

_r = _R(_mpsim.entropy())


def seed(n=None):
    _r.seed(_mpsim.entropy() if n is None else n)


def getrandbits(n):
    if not 0 <= n <= 32:
        raise ValueError("bits must be 32 or less")
    return _r.getrandbits(n) if n else 0


def randrange(start, stop=None, step=1):
    if stop is None:
        start, stop = 0, start
    width = stop - start
    if step == 1:
        if width <= 0:
            raise ValueError("empty range for randrange()")
        return start + _below(width)
    if step > 0:
        n = (width + step - 1) // step
    elif step < 0:
        n = (width + step + 1) // step
    else:
        raise ValueError("zero step for randrange()")
    if n <= 0:
        raise ValueError("empty range for randrange()")
    return start + step * _below(n)


def _below(n):
    k = len(bin(n)) - 2  # the bits of n (> 0); the board's int has no bit_length()
    while True:
        r = _r.getrandbits(k)
        if r < n:
            return r


def randint(a, b):
    return randrange(a, b + 1)


def choice(seq):
    if not len(seq):
        raise IndexError("empty sequence")
    return seq[_below(len(seq))]


def random():
    return _r.random()


def uniform(a, b):
    return a + (b - a) * _r.random()
