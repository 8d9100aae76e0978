# @micropython.viper (issue 15): arguments and results as annotated (int and uint are 32-bit
# words, bool is truthiness), ptr8/ptr16/ptr32 read and write a buffer as little-endian memory,
# an address passed back in reaches the same bytes, and nothing outside the buffer is reachable.
@micropython.viper
def fill(dest: ptr16, v: int, n: int):
    for i in range(n):
        dest[i] = v


@micropython.viper
def total(src: ptr8, n: int) -> int:
    s = 0
    for i in range(n):
        s += src[i]
    return s


@micropython.viper
def word_at(src, i: int) -> uint:
    p = ptr32(src)
    return uint(p[i])


@micropython.viper
def addr(x: ptr) -> ptr:
    return x


@micropython.viper
def wrap(x: int) -> int:
    return x


@micropython.viper
def truth(x: bool) -> bool:
    return x


class Panel:
    @micropython.viper
    def clear(self, buf: ptr8, n: int):
        for i in range(n):
            buf[i] = 0x1FF  # stored as its low byte


b = bytearray(8)
fill(b, 0x1234, 3)
print(b, total(b, 8))
print(hex(word_at(b, 0)), wrap(0xFFFFFFFF), truth([]), truth([0]))
a = addr(b)
fill(a + 6, -1, 1)
print(b, type(a))
Panel().clear(b, 2)
print(b)
try:
    total(b, 9)
except IndexError as e:
    print("IndexError:", e)
