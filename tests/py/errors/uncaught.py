# An uncaught exception prints the traceback with main.py and exits with 1 (issue 2).
# exit: 1
def inner():
    raise RuntimeError("broken sensor")


def outer():
    inner()


print("start")
outer()
print("not reached")
