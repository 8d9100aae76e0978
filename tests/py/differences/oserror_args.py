# Known difference (docs/differences.md): OSError(5, "a", "b").args keeps two items (the
# interpreter's errno/strerror/filename form); the firmware's keeps three (its str() is the same
# on both).
e = OSError(5, "a", "b")
print(str(e), e.args)
