# Known difference (docs/differences.md): the firmware keeps `_NAME = const(...)` out of the
# module's globals (a private compile-time constant); mpsim stores it, so this prints True
# where the firmware prints False.
_HIDDEN = const(3)
print("_HIDDEN" in globals(), _HIDDEN)
