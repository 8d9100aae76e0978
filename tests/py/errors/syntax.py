# A syntax error is reported as MicroPython does, before anything runs (issue 2).
# exit: 1
print("never printed")
def broken(:
    pass
