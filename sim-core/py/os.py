# os/uos: the board's system functions, and its filesystem through the vfs layer (vfs.py): the
# flash (VfsFat) mounted at / (the Pyboard's /flash); os.mount() adds any object with the VFS
# methods (mpremote's remote filesystem is one) or a block device.
import _mpsim

sep = "/"
_info = _mpsim.board_info()


from _mpsim_exc import attrtuple as _attrtuple

_Uname = _attrtuple(("sysname", "nodename", "release", "version", "machine"))


def uname():
    if _info["uname"]:
        # A firmware that says it its own way (the micro:bit's names the MicroPython it is built on).
        sysname, nodename, version, machine = _info["uname"]
        return _Uname(sysname, nodename, _info["version"].lstrip("v"), version, machine)
    release = _info["sdk_version"] or _info["version"].lstrip("v")
    return _Uname(_info["platform"], _info["platform"], release,
                  "%s on %s" % (_info["version"], _info["build_date"]), _info["machine"])


_rng = [_mpsim.entropy()]


def urandom(n):
    out = bytearray(n)
    s = _rng[0]
    for i in range(n):
        s = (s * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        out[i] = s >> 56
    _rng[0] = s
    return bytes(out)


_oserror = _mpsim.oserror


# The filesystem functions are the vfs layer's (extmod/vfs.c: os's are the same functions).
from _mpsim_vfs import (VfsFat, VfsLfs2, mount, umount, open, ilistdir, listdir, stat, statvfs,  # noqa: E402
                        mkdir, rmdir, remove, rename, chdir, getcwd)

unlink = remove


def sync():
    _mpsim.fs_sync()


# The terminal's extra ends (os.dupterm). The console UART sits in the board's console slot until
# something else is put there; other slots hold Python streams (readinto + write), polled.
_CONSOLE_SLOT = 1
_dupterm = [None, "console"]


def _console_uart():
    import machine
    for i, row in _mpsim.board_info()["uarts"].items():
        if row[2]:
            return machine.UART(i)
    return None


def _is_console(s):
    return s == "console" or (type(s).__name__ == "UART" and getattr(s, "_console", False))


def dupterm(stream=None, index=0):
    if not 0 <= index < len(_dupterm):
        raise ValueError("invalid dupterm index")
    prev = _dupterm[index]
    if prev == "console":
        prev = _console_uart()
    _dupterm[index] = stream
    _dupterm_changed()
    return prev


def _dupterm_changed():
    # Tells the board whether the REPL is on its console UART and whether streams are polled.
    _mpsim.dupterm_set(any(_is_console(s) for s in _dupterm),
                       any(s is not None and not _is_console(s) for s in _dupterm))


def dupterm_notify(obj=None):
    _dupterm_pump()


def _deactivate(i, what, e):
    _dupterm[i] = None
    _dupterm_changed()
    import sys
    print("dupterm: Exception in %s() method, deactivating: " % what, end="")
    sys.print_exception(e)


def _dupterm_pump():
    out = _mpsim.dupterm_take()
    buf = None
    for i, s in enumerate(_dupterm):
        if s is None or _is_console(s):
            continue
        if out:
            try:
                s.write(out)
            except Exception as e:
                _deactivate(i, "write", e)
                continue
        try:
            if buf is None:
                buf = bytearray(256)
            n = s.readinto(buf)
        except Exception as e:
            _deactivate(i, "readinto", e)
            continue
        if n:
            _mpsim.dupterm_input(buf[:n])
