# Float arithmetic: a numeric integration and a small matrix product.
import math
acc = 0.0
n = 400000
for i in range(n):
    x = (i + 0.5) / n
    acc += 4.0 / (1.0 + x * x)
pi = acc / n
m = [[math.sin(i + j) for j in range(40)] for i in range(40)]
p = [[sum(m[i][k] * m[k][j] for k in range(40)) for j in range(40)] for i in range(40)]
print(round(pi, 6), round(p[3][7], 6))
