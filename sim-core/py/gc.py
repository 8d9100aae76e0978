# gc: the board's heap, as the script's own allocations fill it.
import _mpsim

_enabled = True
_threshold = -1


def collect():
    _mpsim.collect()


def mem_free():
    used, total = _mpsim.heap_stats()
    return total - used


def mem_alloc():
    return _mpsim.heap_stats()[0]


def enable():
    global _enabled
    _enabled = True


def disable():
    global _enabled
    _enabled = False


def isenabled():
    return _enabled


def threshold(amount=None):
    # Kept in 16-byte heap blocks, as the firmware keeps it; -1 (any negative) is off.
    global _threshold
    if amount is None:
        return _threshold
    _threshold = -1 if amount < 0 else amount // 16 * 16
