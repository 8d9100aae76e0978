# Known difference (docs/differences.md): in a dict display the firmware evaluates each value
# before its key ({k(): v()} calls v first), and OSError keeps a third argument in its args
# (str() of OSError(5, "a", "b") is "(5, 'a', 'b')"); mpsim evaluates the key first, as CPython,
# and keeps two arguments.
def show(x):
    print("eval", x)
    return x


d = {show("key"): show("value")}
print(str(OSError(5, "a", "b")))
