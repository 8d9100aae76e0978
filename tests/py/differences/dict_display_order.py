# Known difference (docs/differences.md): in a dict display the firmware evaluates each value
# before its key ({k(): v()} calls v first); mpsim evaluates the key first, as CPython. And
# OSError(5, "a", "b").args keeps two items (the interpreter's errno/strerror/filename form);
# the firmware's keeps three (its str() is the same on both).
def show(x):
    print("eval", x)
    return x


d = {show("key"): show("value")}
e = OSError(5, "a", "b")
print(str(e), e.args)
