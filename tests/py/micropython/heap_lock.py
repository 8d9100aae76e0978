# micropython.heap_lock(): what takes memory from the heap raises MemoryError, with the
# firmware's message, and changes nothing; what takes none still runs.
import micropython


def attempt(name, f):
    micropython.heap_lock()
    try:
        f()
        print(name, "ran")
    except MemoryError as e:
        print(name, "MemoryError:", e)
    micropython.heap_unlock()


b = bytearray(b"abcd")
l = [1, 2, 3]
d = {1: 2}
s = {1, 2}
x = 5

attempt("set display", lambda: {x})
attempt("list slice", lambda: l[0:2])
attempt("bytes()", lambda: bytes(4))
attempt("bytearray(b)", lambda: bytearray(b"ab"))
attempt("memoryview", lambda: memoryview(b))
attempt("concat", lambda: b + b"x")
attempt("dict.items", lambda: d.items())
attempt("set.copy", lambda: s.copy())
attempt("append", lambda: b.append(1))
attempt("extend", lambda: l.extend(l))


def grow():
    b[1:2] = b"xyz"


def same():
    b[0:2] = b"AB"


def iadd():
    global b
    b += b"!"


attempt("grow a slice", grow)
attempt("same-length slice", same)
attempt("+=", iadd)
print(b, l)

# Calls, small-int arithmetic, loops and indexing take nothing.
def work(a, n):
    t = 0
    for i in range(n):
        t += a[i % len(a)] * 2
    return t


micropython.heap_lock()
r = work(l, 10)
micropython.heap_unlock()
print(r)

# The lock nests; heap_unlock() returns the depth left.
micropython.heap_lock()
micropython.heap_lock()
print(micropython.heap_unlock(), micropython.heap_locked())
print(micropython.heap_unlock(), micropython.heap_locked())
print([1, 2])

# Displays, f-strings, comprehensions and functions take memory too.
x = 1


def tup():
    return (x,)


def dic():
    return {x: x}


def fstr():
    return f"{x}"


def comp():
    return [i for i in (1, 2)]


def lam():
    return lambda: 0


for name, f in (("tuple", tup), ("dict", dic), ("f-string", fstr), ("comprehension", comp), ("lambda", lam)):
    attempt(name, f)

# str and bytes joined to an empty one give the other one: nothing is allocated.
empty, one, text = b"", b"1", "ab"
attempt("empty bytes + bytes", lambda: empty + b"12")
attempt("str + empty str", lambda: text + "")
attempt("bytes + bytes", lambda: one + b"2")
