# str and bytes building, slicing, formatting, splitting.
parts = []
for i in range(60000):
    parts.append("%d:%s" % (i, "x" * (i % 7)))
s = ",".join(parts)
fields = s.split(",")
n = sum(len(f) for f in fields)
b = bytearray()
for i in range(100000):
    b.append(i & 0xFF)
h = bytes(b).hex()
u = s.upper().replace("X", "yz")
print(len(s), n, len(h), u.count("YZ"), s[1000:1010])
