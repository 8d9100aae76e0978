# Integer loops and arithmetic.
total = 0
for i in range(1500000):
    total += (i * 7) % 13
    if total > 1000000:
        total -= 999983
j = 0
while j < 500000:
    j += 1
print(total, j)
