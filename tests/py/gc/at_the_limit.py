# A script working at the heap's limit: every float it makes passes the limit for a moment and
# is freed at once. Each passing costs a look at the heap, never a scan of it: the loops end
# (with or without a MemoryError), for any gap left between the heap's use and its size.
import gc

x = [0.5] * 40


def dot():
    return sum(x[k] * x[k] for k in range(40))


ended = 0
for gap in range(0, 400, 8):
    gc.collect()
    try:
        pad = bytearray(gc.mem_free() - gap)
        for r in range(100):
            s = dot()
        assert s == 10.0
    except MemoryError:
        pass
    pad = None
    ended += 1
print(ended, "gaps, every loop ended")
