# os/uos: the board's virtual filesystem. The flash (VfsFat) is mounted at /; os.mount() adds any
# object with the VFS methods (mpremote's remote filesystem is one), as MicroPython's extmod/vfs.c.
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


class _FileIO:
    # A file on the flash. Binary unless text mode wraps it (see _TextIO).
    def __init__(self, path, mode):
        self._path = path
        self._pos = 0
        r = "r" in mode
        w = "w" in mode
        a = "a" in mode
        x = "x" in mode
        plus = "+" in mode
        if r + w + a + x != 1:
            raise ValueError("invalid mode")
        self._readable = r or plus
        self._writable = w or a or x or plus
        self._append = a
        try:
            is_dir = _mpsim.fs_stat(path)[0]
            exists = True
        except OSError as e:
            if e.args[0] != 2:
                raise
            exists = is_dir = False
        if is_dir:
            raise _oserror(21)
        if r and not exists:
            raise _oserror(2)
        if x and exists:
            raise _oserror(17)
        if w or x or (a and not exists):
            _mpsim.fs_create(path)
        self._closed = False

    def _check(self):
        if self._closed:
            raise ValueError("I/O operation on closed file")

    def read(self, n=-1):
        self._check()
        if not self._readable:
            raise _oserror(13)
        if n is None or n < 0:
            n = _mpsim.fs_stat(self._path)[1] - self._pos
            if n <= 0:
                return b""
        data = _mpsim.fs_read(self._path, self._pos, n)
        self._pos += len(data)
        return data

    def readinto(self, buf, n=-1):
        if n < 0 or n > len(buf):
            n = len(buf)
        data = self.read(n)
        buf[: len(data)] = data
        return len(data)

    def readline(self, limit=-1):
        self._check()
        out = bytearray()
        while limit < 0 or len(out) < limit:
            chunk = _mpsim.fs_read(self._path, self._pos, 128 if limit < 0 else min(128, limit - len(out)))
            if not chunk:
                break
            i = chunk.find(b"\n")
            if i >= 0:
                chunk = chunk[: i + 1]
            out += chunk
            self._pos += len(chunk)
            if i >= 0:
                break
        return bytes(out)

    def readlines(self):
        out = []
        while True:
            line = self.readline()
            if not line:
                return out
            out.append(line)

    def write(self, data):
        self._check()
        if not self._writable:
            raise _oserror(13)
        if isinstance(data, str):
            raise TypeError("object with buffer protocol required")
        if self._append:
            self._pos = _mpsim.fs_stat(self._path)[1]
        if not len(data):
            return 0
        n = _mpsim.fs_write(self._path, self._pos, data)
        self._pos += n
        if n < len(data):
            raise _oserror(28)
        return n

    def seek(self, offset, whence=0):
        self._check()
        if whence == 0:
            pos = offset
        elif whence == 1:
            pos = self._pos + offset
        elif whence == 2:
            pos = _mpsim.fs_stat(self._path)[1] + offset
        else:
            raise _oserror(22)
        if pos < 0:
            raise _oserror(22)
        self._pos = pos
        return pos

    def tell(self):
        self._check()
        return self._pos

    def flush(self):
        self._check()

    def truncate(self, size=None):
        self._check()
        _mpsim.fs_truncate(self._path, self._pos if size is None else size)

    def close(self):
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def __repr__(self):
        return "<io.FileIO %d>" % (id(self) & 0x3FFFFFFF)


def _incomplete(b):
    i = len(b) - 1
    k = 0
    while i >= 0 and k < 3 and (b[i] & 0xC0) == 0x80:
        i -= 1
        k += 1
    if i < 0:
        return False
    lead = b[i]
    need = 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
    return len(b) - i < need


class _TextIO(_FileIO):
    def read(self, n=-1):
        data = _FileIO.read(self, n)
        # Keep multi-byte characters whole: complete a UTF-8 sequence the count cut in two.
        while _incomplete(data):
            more = _FileIO.read(self, 1)
            if not more:
                break
            data += more
        return data.decode()

    def readline(self, limit=-1):
        return _FileIO.readline(self, limit).decode()

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("can't convert '%s' object to str implicitly" % type(s).__name__)
        _FileIO.write(self, s.encode())
        return len(s)

    def __repr__(self):
        return "<io.TextIOWrapper %d>" % (id(self) & 0x3FFFFFFF)


class VfsFat:
    # The board's flash volume (only the flash itself can be mounted this way in mpsim).
    def __init__(self, bdev=None):
        self._bdev = bdev

    @staticmethod
    def mkfs(bdev):
        raise _oserror(1)

    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        pass

    def open(self, path, mode):
        if "b" in mode:
            return _FileIO(path, mode)
        return _TextIO(path, mode)

    def ilistdir(self, path):
        for name, is_dir, size in _mpsim.fs_listdir(path):
            yield (name, 0x4000 if is_dir else 0x8000, 0, size)

    def stat(self, path):
        is_dir, size, mtime = _mpsim.fs_stat(path)
        return (0x4000 if is_dir else 0x8000, 0, 0, 0, 0, 0, size, mtime, mtime, mtime)

    def statvfs(self, path):
        bsize, blocks, bfree = _mpsim.fs_statvfs()
        return (bsize, bsize, blocks, bfree, bfree, 0, 0, 0, 0, 255)

    def mkdir(self, path):
        _mpsim.fs_mkdir(path)

    def rmdir(self, path):
        _mpsim.fs_rmdir(path)

    def remove(self, path):
        _mpsim.fs_remove(path)

    def rename(self, a, b):
        _mpsim.fs_rename(a, b)

    def chdir(self, path):
        if not _mpsim.fs_stat(path)[0]:
            raise _oserror(20)

    def getcwd(self):
        return "/"


_mounts = []  # [(mount point, vfs)], longest first
_cwd = ["/"]


def _norm(path):
    if not isinstance(path, str):
        if isinstance(path, (bytes, bytearray)):
            path = path.decode()
        else:
            raise TypeError("can't convert '%s' object to str implicitly" % type(path).__name__)
    if "\x00" in path:
        raise _oserror(22)
    if not path.startswith("/"):
        path = _cwd[0].rstrip("/") + "/" + path
    out = []
    for part in path.split("/"):
        if part == "" or part == ".":
            continue
        if part == "..":
            if out:
                out.pop()
            continue
        out.append(part)
    return "/" + "/".join(out)


def _lookup(path):
    path = _norm(path)
    for mp, vfs in _mounts:
        if mp == "/":
            return vfs, path, mp
        if path == mp or path.startswith(mp + "/"):
            return vfs, (path[len(mp):] or "/"), mp
    # Nothing mounted there (the Pyboard's root holds only its mount points).
    raise _oserror(2)


def _root_is_virtual():
    return not any(mp == "/" for mp, _ in _mounts)


def mount(vfs, mount_point, *, readonly=False):
    mp = _norm(mount_point)
    for m, _ in _mounts:
        if m == mp:
            raise _oserror(1)
    if hasattr(vfs, "mount"):
        vfs.mount(readonly, False)
    _mounts.append((mp, vfs))
    _mounts.sort(key=lambda m: -len(m[0]))


def umount(mount_point):
    mp = mount_point if isinstance(mount_point, str) else None
    for i, (m, vfs) in enumerate(_mounts):
        if (mp is not None and m == _norm(mp)) or vfs is mount_point:
            del _mounts[i]
            if hasattr(vfs, "umount"):
                vfs.umount()
            if _cwd[0] == m or _cwd[0].startswith(m.rstrip("/") + "/"):
                _cwd[0] = "/"
            return
    raise _oserror(22)


def open(path, mode="r", buffering=-1, encoding=None, **kw):
    if isinstance(path, int):
        raise _oserror(9)
    vfs, rel, _ = _lookup(path)
    return vfs.open(rel, mode)


def ilistdir(path="."):
    # As MicroPython: with the flash at /, other mount points do not show in its listing; with
    # nothing at / (the Pyboard's /flash), / lists the mount points.
    if _norm(path) == "/" and _root_is_virtual():
        for mp, _ in reversed(_mounts):
            yield (mp[1:], 0x4000, 0, 0)
        return
    vfs, rel, _ = _lookup(path)
    for e in vfs.ilistdir(rel):
        yield e


def listdir(path="."):
    return [e[0] for e in ilistdir(path)]


def stat(path):
    p = _norm(path)
    for mp, _ in _mounts:
        if p == mp and mp != "/":
            return (0x4000, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    if p == "/" and _root_is_virtual():
        return (0x4000, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    vfs, rel, _ = _lookup(p)
    return tuple(vfs.stat(rel))


def statvfs(path):
    vfs, rel, _ = _lookup(path)
    return tuple(vfs.statvfs(rel))


def mkdir(path):
    vfs, rel, _ = _lookup(path)
    if _info["flat_fs"] and isinstance(vfs, VfsFat):
        # A flat filesystem (the micro:bit's): files only.
        raise _oserror(1)
    vfs.mkdir(rel)


def rmdir(path):
    vfs, rel, _ = _lookup(path)
    vfs.rmdir(rel)


def remove(path):
    vfs, rel, _ = _lookup(path)
    vfs.remove(rel)


unlink = remove


def rename(old, new):
    v1, r1, _ = _lookup(old)
    v2, r2, _ = _lookup(new)
    if v1 is not v2:
        raise _oserror(22)
    v1.rename(r1, r2)


def chdir(path):
    p = _norm(path)
    if p == "/" and _root_is_virtual():
        _cwd[0] = p
        return
    vfs, rel, mp = _lookup(p)
    if p != mp:
        vfs.chdir(rel)
    _cwd[0] = p


def getcwd():
    return _cwd[0]


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


def _mount_flash():
    # Where the board mounts its flash (/ on most ports; /flash on the Pyboard, which starts there).
    mp = _mpsim.board_info()["flash_mount"]
    _mounts.append((mp, VfsFat()))
    _cwd[0] = mp


_mount_flash()
