# builtins behave as on the board for everyday code (issue 2).
import builtins
print(builtins.len is len, sorted([3, 1, 2]), list(map(lambda x: x * 2, range(3))))
print(bytes([65, 66]), bytearray(b"ab"), str(b"x", "utf-8"), int("ff", 16), hex(255), bin(5))
print("{:>5}|{:<3}|{:.2f}".format("a", "b", 3.14159), "%d %s %r" % (1, "s", "r"), f"{2 ** 10}")
print(divmod(7, 2), round(2.5), abs(-3), min(3, 1), max([4, 9]), any([]), all([]))
print(isinstance(1, int), issubclass(bool, int), type(1.0).__name__, callable(print))
print(list(zip("ab", [1, 2])), list(enumerate("xy", 1)), dict(a=1), set([1, 1, 2]))
print("%.3f" % (1 / 3), 10 // 3, -7 // 2, 7 % -3, 2 ** 100)
print(repr("é"), "é".encode(), b"\xc3\xa9".decode(), ord("A"), chr(66))
print(memoryview(b"abc")[1:].tobytes() if hasattr(memoryview(b"a"), "tobytes") else bytes(memoryview(b"abc")[1:]))
