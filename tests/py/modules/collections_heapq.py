# collections (namedtuple, deque, OrderedDict) and heapq (issue 2).
from collections import namedtuple, deque, OrderedDict
import heapq
Point = namedtuple("Point", ("x", "y"))
p = Point(1, y=2)
print(p, p.x + p.y, p[0], len(p), p._fields, isinstance(p, tuple))
print(p._replace(y=5), p._asdict())
P3 = namedtuple("P3", "a b c")
print(P3(1, 2, 3))
try:
    Point(1)
except TypeError:
    print("TypeError")
d = deque((), 3)
for i in range(5):
    d.append(i)
print(len(d), d.popleft(), d.pop(), list(d))
d.appendleft(9)
print(list(d))
od = OrderedDict()
od["z"] = 1
od["a"] = 2
od["m"] = 3
print(list(od.keys()), od)
h = []
for v in (5, 1, 4, 2, 3):
    heapq.heappush(h, v)
print([heapq.heappop(h) for _ in range(5)])
x = [9, 7, 8]
heapq.heapify(x)
print(x[0])
# The firmware's deque: a length is required; flags=1 refuses to overflow or underflow.
try:
    deque(())
except TypeError:
    print("deque needs its length")
strict = deque((), 1, 1)
strict.append(1)
for f in (lambda: strict.append(2), lambda: (strict.pop(), strict.popleft())):
    try:
        f()
    except IndexError as e:
        print(repr(e))
