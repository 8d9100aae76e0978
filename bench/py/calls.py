# Function and method calls, recursion.
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


class Acc:
    def __init__(self):
        self.n = 0

    def add(self, k):
        self.n += k


a = Acc()
for i in range(200000):
    a.add(i & 7)
print(fib(24), a.n)
