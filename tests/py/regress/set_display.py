# Issue 15: a set display of three or more constants was a SyntaxError (the compiler folds it
# into a frozenset constant).
s = {1, 2, 3, 4}
print(len(s), 3 in s, 5 in s, sorted(s))


def member(x):
    return x in {10, 20, 30}


print(member(20), member(25))
t = {1, 2, 3} | {3, 4, 5}
print(sorted(t))
print(sorted({x * 2 for x in {1, 2, 3}}))
