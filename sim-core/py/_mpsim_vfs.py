# _mpsim_vfs: the firmware's virtual filesystem layer (docs: library/vfs; behaviour of extmod/vfs.c):
# filesystems mounted in a table (anything mounted at / stays last), paths looked up through it,
# a current directory that is a mounted filesystem's own, and the virtual root that lists the
# mount points. VfsFat is a FAT volume: the board's flash (VfsFat() with no device) or a
# script's block device (readblocks/writeblocks/ioctl), formatted as the firmware formats it.
# os's filesystem functions are these; the vfs module shows mount, umount and the types.
import _mpsim

_oserror = _mpsim.oserror
_info = _mpsim.board_info()

_ROOT = "root"
_NONE = "none"
_table = []  # [(mount point, filesystem)] in table order
_cur = [_ROOT]  # the current filesystem's entry, or the virtual root
_PATH_MAX = 128


def _path(p):
    # Paths are str or bytes; anything else is the firmware's TypeError.
    if isinstance(p, str):
        return p
    if isinstance(p, (bytes, bytearray)):
        return bytes(p).decode()
    raise TypeError("can't convert '%s' object to str implicitly" % type(p).__name__)


def _lookup(path):
    # (entry or _ROOT or _NONE, the path within that filesystem), as mp_vfs_lookup_path.
    p = _path(path)
    if "\x00" in p:
        raise _oserror(22)
    if p[:1] == "/" or _cur[0] is _ROOT:
        is_abs = p[:1] == "/"
        rest = p[1:] if is_abs else p
        if rest == "":
            return _ROOT, None
        for entry in _table:
            n = len(entry[0]) - 1
            if n == 0:
                return entry, ("/" if is_abs else "") + rest
            if rest[:n] == entry[0][1:]:
                if rest[n:n + 1] == "/":
                    return entry, rest[n:]
                if len(rest) == n:
                    return entry, "/"
        return _NONE, None
    return _cur[0], p


def _typed(like, p):
    return p.encode() if isinstance(like, (bytes, bytearray)) else p


def _call(entry, name, *args):
    if entry is _NONE:
        raise _oserror(19)
    if entry is _ROOT:
        raise _oserror(1)
    return getattr(entry[1], name)(*args)


def mount(fs=None, mount_point=None, *, readonly=False, mkfs=False):
    if fs is None and mount_point is None:
        return [(fs, mp) for mp, fs in _table]
    if mount_point is None:
        raise TypeError("function missing 1 required positional arguments")
    mp = _path(mount_point)
    if not hasattr(fs, "mount"):
        # A block device: find its filesystem.
        fs = _autodetect(fs)
    entry = (mp, fs)
    fs.mount(readonly, mkfs)
    existing, _ = _lookup(mp)
    if existing is not _NONE and existing is not _ROOT:
        if not (len(mp) != 1 and len(existing[0]) == 1):
            raise _oserror(1)
    i = 0
    while i < len(_table) and len(_table[i][0]) != 1:
        i += 1
    _table.insert(i, entry)


def umount(mnt):
    for i, entry in enumerate(_table):
        if (isinstance(mnt, str) and entry[0] == mnt) or entry[1] is mnt:
            del _table[i]
            if _cur[0] is entry:
                _cur[0] = _ROOT
            entry[1].umount()
            return
    raise _oserror(22)


def open(file, mode="r", buffering=-1, encoding=None, **kw):
    if isinstance(file, int):
        raise _oserror(9)
    entry, p = _lookup(file)
    return _call(entry, "open", _typed(file, p) if p is not None else p, mode)


def chdir(path):
    entry, p = _lookup(path)
    if entry is _ROOT:
        for e in _table:
            if len(e[0]) == 1:
                e[1].chdir("/")
                break
    else:
        _call(entry, "chdir", _typed(path, p) if p is not None else p)
    _cur[0] = entry


def getcwd():
    entry = _cur[0]
    if entry is _ROOT:
        return "/"
    cwd = entry[1].getcwd()
    if len(entry[0]) == 1:
        return cwd
    return entry[0] + ("" if cwd == "/" else cwd)


def _root_listing(as_bytes):
    for mp, fs in list(_table):
        if len(mp) == 1:
            for e in fs.ilistdir("/"):
                yield e
            return
        yield (mp[1:].encode() if as_bytes else mp[1:], 0x4000, 0)


def ilistdir(path=""):
    entry, p = _lookup(path)
    if entry is _ROOT:
        return _root_listing(isinstance(path, (bytes, bytearray)))
    return _call(entry, "ilistdir", _typed(path, p) if p is not None else p)


def listdir(path=""):
    return [e[0] for e in ilistdir(path)]


def mkdir(path):
    entry, p = _lookup(path)
    if entry is _ROOT or (entry is not _NONE and p == "/"):
        raise _oserror(17)
    _call(entry, "mkdir", _typed(path, p) if p is not None else p)


def remove(path):
    entry, p = _lookup(path)
    _call(entry, "remove", _typed(path, p) if p is not None else p)


def rmdir(path):
    entry, p = _lookup(path)
    _call(entry, "rmdir", _typed(path, p) if p is not None else p)


def rename(old, new):
    e1, p1 = _lookup(old)
    e2, p2 = _lookup(new)
    if e1 is not e2:
        raise _oserror(1)
    _call(e1, "rename", _typed(old, p1) if p1 is not None else p1, _typed(new, p2) if p2 is not None else p2)


def stat(path):
    entry, p = _lookup(path)
    if entry is _ROOT:
        return (0x4000, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    return _call(entry, "stat", _typed(path, p) if p is not None else p)


def statvfs(path):
    entry, p = _lookup(path)
    if entry is _ROOT:
        for e in _table:
            if len(e[0]) == 1:
                return e[1].statvfs("/")
        return (0, 0, 0, 0, 0, 0, 0, 0, 0, _PATH_MAX)
    return _call(entry, "statvfs", _typed(path, p) if p is not None else p)


class _Stream:
    # What the firmware's stream objects share: readinto/readlines, context manager, iteration.
    def readinto(self, buf, n=-1):
        if n < 0 or n > len(buf):
            n = len(buf)
        data = self.read(n)
        buf[: len(data)] = data
        return len(data)

    def readlines(self):
        out = []
        while True:
            line = self.readline()
            if not line:
                return out
            out.append(line)

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


class _FileIO(_Stream):
    # A file on a FAT volume (the flash or a block device), by path. Binary unless text mode
    # wraps it (see _TextIO).
    def __init__(self, fs, path, mode, readonly=False):
        self._fs = fs
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
        if self._writable and readonly:
            raise _oserror(30)
        try:
            is_dir = fs.stat(path)[0]
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
            fs.create(path)
        self._closed = False

    def _check(self):
        # A closed FAT file is EINVAL on the firmware (its FIL object no longer open).
        if self._closed:
            raise _oserror(22)

    def read(self, n=-1):
        self._check()
        if not self._readable:
            raise _oserror(13)
        if n is None or n < 0:
            n = self._fs.stat(self._path)[1] - self._pos
            if n <= 0:
                return b""
        data = self._fs.read(self._path, self._pos, n)
        self._pos += len(data)
        return data

    def readline(self, limit=-1):
        self._check()
        out = bytearray()
        while limit < 0 or len(out) < limit:
            chunk = self._fs.read(self._path, self._pos, 128 if limit < 0 else min(128, limit - len(out)))
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

    def write(self, data):
        self._check()
        if not self._writable:
            raise _oserror(13)
        if isinstance(data, str):
            raise TypeError("object with buffer protocol required")
        if self._append:
            self._pos = self._fs.stat(self._path)[1]
        if not len(data):
            return 0
        n = self._fs.write(self._path, self._pos, data)
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
            pos = self._fs.stat(self._path)[1] + offset
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
        self._fs.truncate(self._path, self._pos if size is None else size)

    def close(self):
        self._closed = True

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


class _Text:
    # Text mode over a binary file class: str in, str out, multi-byte characters kept whole.
    def read(self, n=-1):
        data = super().read(n)
        # Keep multi-byte characters whole: complete a UTF-8 sequence the count cut in two.
        while _incomplete(data):
            more = super().read(1)
            if not more:
                break
            data += more
        return data.decode()

    def readline(self, limit=-1):
        return super().readline(limit).decode()

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("can't convert '%s' object to str implicitly" % type(s).__name__)
        super().write(s.encode())
        return len(s)


class _TextIO(_Text, _FileIO):
    def __repr__(self):
        return "<io.TextIOWrapper %d>" % (id(self) & 0x3FFFFFFF)




class _Flash:
    # The board's flash, as the FAT layer of a block-device volume is used.
    stat = staticmethod(_mpsim.fs_stat)
    listdir = staticmethod(_mpsim.fs_listdir)
    mkdir = staticmethod(_mpsim.fs_mkdir)
    rmdir = staticmethod(_mpsim.fs_rmdir)
    remove = staticmethod(_mpsim.fs_remove)
    rename = staticmethod(_mpsim.fs_rename)
    create = staticmethod(_mpsim.fs_create)
    read = staticmethod(_mpsim.fs_read)
    write = staticmethod(_mpsim.fs_write)
    truncate = staticmethod(_mpsim.fs_truncate)

    @staticmethod
    def statvfs():
        return _mpsim.fs_statvfs()


class _Device:
    # A FAT volume on a script's block device (_mpsim.fat_*).
    def __init__(self, vol):
        self._v = vol

    def stat(self, p):
        return _mpsim.fat_stat(self._v, p)

    def listdir(self, p):
        return _mpsim.fat_listdir(self._v, p)

    def mkdir(self, p):
        _mpsim.fat_mkdir(self._v, p)

    def rmdir(self, p):
        _mpsim.fat_rmdir(self._v, p)

    def remove(self, p):
        _mpsim.fat_remove(self._v, p)

    def rename(self, a, b):
        _mpsim.fat_rename(self._v, a, b)

    def create(self, p):
        _mpsim.fat_create(self._v, p)

    def read(self, p, off, n):
        return _mpsim.fat_read(self._v, p, off, n)

    def write(self, p, off, data):
        return _mpsim.fat_write(self._v, p, off, data)

    def truncate(self, p, n):
        _mpsim.fat_truncate(self._v, p, n)

    def statvfs(self):
        return _mpsim.fat_statvfs(self._v)

    def unmount(self):
        _mpsim.fat_unmount(self._v)


class VfsFat:
    def __init__(self, bdev=None):
        self._bdev = bdev
        self._cwd = "/"
        self._readonly = False
        if bdev is None:
            # The board's own flash (the firmware's boot mounts it from its flash block device).
            self._fs = _Flash
            return
        if not hasattr(bdev, "readblocks"):
            raise AttributeError("'%s' object has no attribute 'readblocks'" % type(bdev).__name__)
        try:
            self._fs = _Device(_mpsim.fat_mount(bdev))
        except OSError as e:
            if e.errno != 19:
                raise
            # No filesystem yet: mount(mkfs=True) or mkfs() makes one.
            self._fs = None

    @staticmethod
    def mkfs(bdev):
        if bdev is None:
            raise _oserror(1)
        _mpsim.fat_mkfs(bdev)

    def _vol(self):
        if self._fs is None:
            raise _oserror(19)
        return self._fs

    def _writable(self):
        if self._readonly:
            raise _oserror(30)
        return self._vol()

    def _abs(self, path):
        p = _path(path)
        if not p.startswith("/"):
            p = self._cwd.rstrip("/") + "/" + p
        out = []
        for part in p.split("/"):
            if part == "" or part == ".":
                continue
            if part == "..":
                if out:
                    out.pop()
                continue
            out.append(part)
        return "/" + "/".join(out)

    def mount(self, readonly, mkfs):
        if self._fs is None and self._bdev is not None:
            if not mkfs:
                raise _oserror(19)
            _mpsim.fat_mkfs(self._bdev)
            self._fs = _Device(_mpsim.fat_mount(self._bdev))
        self._readonly = bool(readonly)

    def umount(self):
        if self._fs is not None and self._fs is not _Flash:
            self._fs.unmount()
            self._fs = None

    def open(self, path, mode="r"):
        p = self._abs(path)
        mode = _path(mode)
        if "b" in mode:
            return _FileIO(self._vol(), p, mode, self._readonly)
        return _TextIO(self._vol(), p, mode, self._readonly)

    def ilistdir(self, path=""):
        p = self._abs(path)
        rows = self._vol().listdir(p)
        as_bytes = isinstance(path, (bytes, bytearray))
        return iter([(name.encode() if as_bytes else name, 0x4000 if is_dir else 0x8000, 0, size)
                     for name, is_dir, size in rows])

    def stat(self, path):
        p = self._abs(path)
        if p == "/":
            self._vol()
            return (0x4000, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        is_dir, size, mtime = self._vol().stat(p)
        return (0x4000 if is_dir else 0x8000, 0, 0, 0, 0, 0, size, mtime, mtime, mtime)

    def statvfs(self, path):
        bsize, blocks, bfree = self._vol().statvfs()
        return (bsize, bsize, blocks, bfree, bfree, 0, 0, 0, 0, 255)

    def mkdir(self, path):
        fs = self._writable()
        if fs is _Flash and _info["flat_fs"]:
            # A flat filesystem (the micro:bit's): files only.
            raise _oserror(1)
        fs.mkdir(self._abs(path))

    def rmdir(self, path):
        self._writable().rmdir(self._abs(path))

    def remove(self, path):
        self._writable().remove(self._abs(path))

    def rename(self, a, b):
        self._writable().rename(self._abs(a), self._abs(b))

    def chdir(self, path):
        p = self._abs(path)
        if p != "/" and not self._vol().stat(p)[0]:
            raise _oserror(2)
        self._cwd = p

    def getcwd(self):
        return self._cwd


def _autodetect(bdev):
    # littlefs v2 when block 0 or 1 says so (its superblock's name, 8 bytes in), else FAT, as
    # the firmware's mount of a block device decides.
    try:
        for block in (0, 1):
            buf = bytearray(44)
            bdev.readblocks(block, buf, 8)
            if buf[:8] == b"littlefs":
                return VfsLfs2(bdev)
    except Exception:
        pass  # a device without the extended protocol, say
    return VfsFat(bdev)


class _LfsIO(_Stream):
    # A file littlefs holds open (_mpsim.lfs_*), binary; _LfsText is its text mode.
    def __init__(self, vol, path, mode):
        flags = _mpsim.lfs_flags(mode)
        if flags is None:
            raise ValueError()
        self._v = vol
        self._id = None
        self._id = _mpsim.lfs_open(vol, path, flags)

    def _check(self):
        if self._id is None:
            raise ValueError()

    def read(self, n=-1):
        self._check()
        if n is None or n < 0:
            out = b""
            while True:
                chunk = _mpsim.lfs_read(self._v, self._id, 4096)
                if not chunk:
                    return out
                out += chunk
        return _mpsim.lfs_read(self._v, self._id, n)

    def readline(self, limit=-1):
        self._check()
        out = bytearray()
        while limit < 0 or len(out) < limit:
            c = _mpsim.lfs_read(self._v, self._id, 1)
            if not c:
                break
            out += c
            if c == b"\n":
                break
        return bytes(out)

    def write(self, data):
        self._check()
        if isinstance(data, str):
            raise TypeError("object with buffer protocol required")
        return _mpsim.lfs_write(self._v, self._id, data)

    def seek(self, offset, whence=0):
        self._check()
        return _mpsim.lfs_seek(self._v, self._id, offset, whence)

    def tell(self):
        return self.seek(0, 1)

    def flush(self):
        self._check()
        _mpsim.lfs_sync(self._v, self._id)

    def close(self):
        if self._id is not None:
            i, self._id = self._id, None
            _mpsim.lfs_close(self._v, i)

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self):
        return "<io.FileIO>"


class _LfsText(_Text, _LfsIO):
    def __repr__(self):
        return "<io.TextIOWrapper>"


class VfsLfs2:
    # littlefs v2 on a block device (_mpsim.lfs_*), as the firmware's VfsLfs2.
    def __init__(self, bdev, *, readsize=32, progsize=32, lookahead=32, mtime=True):
        self._v = _mpsim.lfs_mount(bdev, readsize, progsize, lookahead, mtime)
        self._cwd = "/"

    @staticmethod
    def mkfs(bdev, *, readsize=32, progsize=32, lookahead=32):
        _mpsim.lfs_mkfs(bdev, readsize, progsize, lookahead)

    _abs = VfsFat._abs

    def mount(self, readonly, mkfs):
        _mpsim.lfs_readonly(self._v, bool(readonly))

    def umount(self):
        _mpsim.lfs_unmount(self._v)

    def open(self, path, mode="r"):
        mode = _path(mode)
        text = True
        for c in mode:
            if c == "b":
                text = False
            elif c == "t":
                text = True
        return (_LfsText if text else _LfsIO)(self._v, self._abs(path), mode)

    def ilistdir(self, path=""):
        as_bytes = isinstance(path, (bytes, bytearray))
        rows = _mpsim.lfs_listdir(self._v, self._abs(path))
        return iter([(name.encode() if as_bytes else name, 0x4000 if is_dir else 0x8000, 0, size)
                     for name, is_dir, size in rows])

    def remove(self, path):
        _mpsim.lfs_remove(self._v, self._abs(path))

    rmdir = remove

    def rename(self, a, b):
        _mpsim.lfs_rename(self._v, self._abs(a), self._abs(b))

    def mkdir(self, path):
        _mpsim.lfs_mkdir(self._v, self._abs(path))

    def chdir(self, path):
        p = self._abs(path)
        if p != "/":
            try:
                is_dir = _mpsim.lfs_stat(self._v, p)[0]
            except OSError:
                is_dir = False
            if not is_dir:
                raise _oserror(2)
        self._cwd = p

    def getcwd(self):
        return self._cwd

    def stat(self, path):
        is_dir, size, mtime = _mpsim.lfs_stat(self._v, self._abs(path))
        t = 0 if mtime is None else mtime - (946684800 if _info["epoch_year"] == 2000 else 0)
        return (0x4000 if is_dir else 0x8000, 0, 0, 0, 0, 0, size, t, t, t)

    def statvfs(self, path):
        bsize, blocks, bfree = _mpsim.lfs_statvfs(self._v)
        return (bsize, bsize, blocks, bfree, bfree, 0, 0, 0, 0, 255)


def _mount_flash():
    # Where the board mounts its flash (/ on most ports; /flash on the Pyboard, which starts there).
    mp = _info["flash_mount"]
    mount(VfsFat(), mp)
    chdir(mp)


_mount_flash()
