# Known difference (docs/differences.md): list.extend is a Python function on mpsim (it asks
# for the heap room of a sized iterable first); the firmware's is <function>.
print(type(list.extend).__name__)
l = [1]
l.extend(range(3))
print(l)
