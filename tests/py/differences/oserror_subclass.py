# Known difference (docs/differences.md): OSError(errno, text) becomes the interpreter's subclass
# for that errno; the firmware keeps OSError (and prints "OSError"). Its text is the firmware's.
e = OSError(2, "x")
print(type(e).__name__, isinstance(e, OSError), e)
