# An exception made while the heap is locked keeps its arguments only if their tuple fits the
# emergency exception buffer (56 of them); a deeper recursion than the board's is RuntimeError.
import micropython

many = tuple(range(57))
fit = tuple(range(56))
micropython.heap_lock()
e1 = Exception(*many)
e2 = ValueError(*fit)
e3 = ValueError(1)
micropython.heap_unlock()
print(len(e1.args), len(e2.args), repr(e3))


def g():
    g()


try:
    g()
except RuntimeError as e:
    print(repr(e), e)
