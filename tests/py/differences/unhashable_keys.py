# Known difference (docs/differences.md): the firmware looks a key up in an empty dict without
# hashing it, and an OrderedDict finds its keys by comparing them in order, so an unhashable key
# (a slice, a list) is a KeyError in an empty dict and an OrderedDict key there; here both are
# TypeError, as every dict hashes its keys. The firmware prints "KeyError" and "1" below.
from collections import OrderedDict

try:
    {}[1:2]
except KeyError:
    print("KeyError")
except TypeError:
    print("TypeError")
try:
    d = OrderedDict()
    d[:"a"] = 1
    print(d[:"a"])
except TypeError:
    print("TypeError")
