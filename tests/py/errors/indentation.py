# An indentation error is reported as MicroPython does, before anything runs.
# exit: 1
print("never printed")
if True:
        a = 1
    b = 2
