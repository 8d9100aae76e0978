# int with float operands: the int's slot answers for the float (one call), with the board's
# rounding, while a float subclass's reflected method and an int subclass's own method still win.
print(True + 0.5, 7 - True, 3 * [1], 2 - 0.25, 3 * 0.1, 16777217 + 0.0)
print(10**20 + 0.5, (1 << 60) * 1.5, 1 + 1e30, 1 * float('inf'), 0 * float('nan'))
x = 0
for i in range(10):
    x = x + 0.1
print(x, x == 1.0, 10 - x, 3 * x)


class F(float):
    def __radd__(self, o):
        return 'radd'

    def __rsub__(self, o):
        return 'rsub'


print(1 + F(2.0), 1 - F(2.0), 1 * F(2.0))


class I(int):
    def __add__(self, o):
        return 'iadd'


print(I(1) + 0.5, 0.5 + I(1), I(2) * 0.5)
try:
    1 + 'a'
except TypeError as e:
    print('TypeError', e)
# In place: a float has no __iadd__, so a subclass on either side decides through its own methods.
y = 1.5
y += 1
y -= 0.25
y *= 3
y /= 2
print(y, hasattr(1.5, '__iadd__'))


class G(float):
    def __add__(self, o):
        return 'G.add'

    def __radd__(self, o):
        return 'G.radd'


g = G(1.0)
g += 1.0
z = 2.0
z += G(1.0)
print(g, z)
w = [1.0]
w += [2.0]
print(w)
