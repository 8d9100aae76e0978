# dict and list work: inserts, lookups, sorting, comprehensions.
d = {}
for i in range(150000):
    d["k%d" % (i % 5000)] = d.get("k%d" % (i % 5000), 0) + i
lst = [(v * 2654435761) % 1000003 for v in range(150000)]
lst.sort()
evens = [x for x in lst if x % 2 == 0]
sq = {x: x * x for x in range(20000)}
t = sum(sq[k] for k in range(0, 20000, 3))
print(len(d), lst[1000], len(evens), t)
