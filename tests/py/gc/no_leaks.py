# Issue 15: the firmware's own work (printing, importing) neither takes from the script's heap nor
# keeps what the script handed it: a loop of prints or of imports inside a function runs for good.
import gc


def f():
    import time
    from machine import Pin
    return time, Pin


gc.collect()
before = gc.mem_alloc()
for i in range(3000):
    f()
    print(("%d" % i)[:0], end="")
print()
gc.collect()
print(gc.mem_alloc() - before < 2000)
