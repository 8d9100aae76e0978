# micropython: the VM controls of the board's firmware.
import _mpsim



def const(expr):
    return expr


def opt_level(level=None):
    # The level the compiler uses from now on: 1 drops asserts (__debug__ is False), 3 also
    # line numbers.
    if level is None:
        return _mpsim.opt_level()
    _mpsim.opt_level(level)


def _stack():
    return 2112


def mem_info(verbose=None):
    used, total = _mpsim.heap_stats()
    print("stack: %d out of 8192" % _stack())
    print("GC: total: %d, used: %d, free: %d" % (total, used, total - used))
    print(" No. of 1-blocks: %d, 2-blocks: %d, max blk sz: %d, max free sz: %d"
          % (used // 64, used // 256, 40, (total - used) // 16))
    if verbose:
        print("GC memory layout; from 3ffef800:")


def qstr_info(verbose=None):
    print("qstr pool: n_pool=1, n_qstr=20, n_str_data_bytes=181, n_total_bytes=1277")


def stack_use():
    return _stack()


def alloc_emergency_exception_buf(size):
    pass


def heap_lock():
    _mpsim.heap_lock(1)


def heap_unlock():
    return _mpsim.heap_lock(-1)


def heap_locked():
    return _mpsim.heap_lock(0)


def kbd_intr(chr):
    _mpsim.kbd_intr(chr)


def schedule(func, arg):
    if not _mpsim.schedule(func, arg):
        raise RuntimeError("schedule queue full")
