# Issue 15: native nesting is limited as the board's C stack limits it: a container that holds
# itself, or a chain of lazy iterators deeper than the recursion limit, is a RuntimeError.
l=[1]
l.append(l)
try:
  print(l)
except RuntimeError as e: print("RuntimeError", e)
d={}
d[1]=d
try: repr(d)
except RuntimeError as e: print("RuntimeError", e)
x=[]
for i in range(50): x=[x]
print(len(repr(x)))
for i in range(200): x=[x]
try: repr(x)
except RuntimeError as e: print("deep", e)
print([1,(2,3),{4:5},{6}], l is l)
print(list(zip(map(abs,[-1]),enumerate("a"))))
