# micropython.schedule runs the callback soon, outside the caller; the queue holds 8 (issue 2).
import micropython, time
seen = []


def cb(arg):
    seen.append(arg)


def filler(_):
    # Callbacks do not nest, so the queue fills while this one runs.
    for i in range(8):
        micropython.schedule(cb, i)
    try:
        micropython.schedule(cb, 99)
    except RuntimeError as e:
        print("RuntimeError:", e)


micropython.schedule(cb, "a")
time.sleep_ms(1)
print(seen)
micropython.schedule(filler, None)
time.sleep_ms(1)
print(seen)
