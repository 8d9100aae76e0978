# Runs first on every boot: the console, sys as MicroPython has it, and the importer for u-names.
import sys
import _imp
import _mpsim
from _frozen_importlib import ModuleSpec

_info = _mpsim.board_info()


# The firmware's `with` hands __exit__ no traceback (None): a class's own __exit__ is wrapped
# by type() so that it sees None there too (methods.rs, type_new).
def _exit_no_tb(f):
    def __exit__(self, *args):
        if len(args) == 3:
            args = (args[0], args[1], None)
        return f(self, *args)

    return __exit__


# An exception that raises itself while its own __init__ runs: the firmware has no complete
# exception object until __init__ returns, so that raise is a TypeError (methods.rs, type_new).
def _init_complete(f):
    def __init__(self, *args, **kwargs):
        try:
            return f(self, *args, **kwargs)
        except BaseException as e:
            if e is self:
                raise TypeError("exceptions must derive from BaseException") from None
            raise

    return __init__


# The interpreter's natives that no board's firmware has: marshal makes code objects from bytes.
# `_thread` only the ESP32's and the Picos' firmware have; a board's own gaps are in its board.toml.
_ABSENT = (("marshal",) if _info["thread"] else ("marshal", "_thread")) + tuple(_info["absent_modules"])
for _n in _ABSENT:
    sys.modules.pop(_n, None)


# The modules that are C on the firmware (their globals a fixed table in ROM): read-only once
# imported, as there. Frozen Python modules (asyncio, …) stay writable, as on the board.
_ROM = {"sys", "errno", "time", "gc", "os", "machine", "micropython", "math", "cmath", "array", "binascii",
        "struct", "json", "re", "io", "select", "socket", "random", "heapq", "collections", "hashlib", "zlib",
        "deflate", "framebuf", "network", "esp", "esp32", "rp2", "pyb", "stm", "uctypes", "tls", "cryptolib",
        "platform", "vfs", "btree", "websocket", "bluetooth", "_thread", "_onewire", "microbit", "music", "radio", "speech",
        "audio", "power", "log", "_asyncio", "_rp2"}


class _FrozenLoader:
    # Frozen modules live in flash/ROM on a real board: their import does not count against the heap.
    @staticmethod
    def create_module(spec):
        return None

    @staticmethod
    def exec_module(module):
        _mpsim.untracked(_exec_frozen, module)
        if module.__name__ in _ROM:
            _mpsim.seal(module)


def _exec_frozen(module):
    exec(_imp.get_frozen_object(module.__spec__.name), module.__dict__)


class _BuiltinLoader:
    # Native modules are firmware too: creating them does not count against the heap.
    @staticmethod
    def create_module(spec):
        return _mpsim.untracked(_imp.create_builtin, spec)

    @staticmethod
    def exec_module(module):
        _mpsim.untracked(_imp.exec_builtin, module)
        if module.__name__ in ("math", "cmath", "_struct"):
            _mpsim.round_math(module)
        elif module.__name__ == "array":
            _mpsim.round_array(module.array, type(iter(module.array("f"))))
        if module.__name__ in _ROM:
            _mpsim.seal(module)


class _AliasLoader:
    # `import utime` gives the very module `time`, as MicroPython's u-prefix rule does.
    @staticmethod
    def create_module(spec):
        return __import__(spec.name[1:])

    @staticmethod
    def exec_module(module):
        pass


class _Finder:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name in _ABSENT:
            # Not in this board's firmware: only the filesystem may have it (mip installs
            # packages the firmware leaves out).
            spec = _PathFinder.find_spec(name, path, target)
            if spec is None:
                raise ImportError("no module named '%s'" % name)
            return spec
        if _imp.is_frozen(name):
            spec = ModuleSpec(name, _FrozenLoader, origin="frozen", is_package=_imp.is_frozen_package(name))
            return spec
        if _imp.is_builtin(name):
            if name == "cmath" and not _info["complex"]:
                # A firmware without complex numbers has no cmath either.
                raise ImportError("no module named 'cmath'")
            return ModuleSpec(name, _BuiltinLoader, origin="built-in")
        if name[:1] == "u" and "." not in name:
            base = name[1:]
            if base and (base in sys.modules or _imp.is_frozen(base) or _imp.is_builtin(base)):
                return ModuleSpec(name, _AliasLoader, origin="alias")
        return None

    @staticmethod
    def invalidate_caches():
        pass


class _NotFound:
    # Last on the path: MicroPython's wording, and ImportError rather than ModuleNotFoundError.
    @staticmethod
    def find_spec(name, path=None, target=None):
        raise ImportError("no module named '%s'" % name)

    @staticmethod
    def invalidate_caches():
        pass


def _read_file(path, limit=-1):
    # A file's bytes as the firmware's importer reads them: opened "rb"; a stream a script wrote
    # (an io.IOBase with ioctl) is asked its buffer size (ioctl 11), read with readinto and
    # closed with ioctl 4; other files are read and closed as usual.
    import os
    import io
    f = os.open(path, "rb")
    user = isinstance(f, io.IOBase) and hasattr(f, "ioctl")
    try:
        if not user:
            return f.read(limit)
        size = f.ioctl(11, 0)
        if not isinstance(size, int) or size <= 0:
            size = 256
        out = bytearray()
        buf = bytearray(size)
        while limit < 0 or len(out) < limit:
            n = f.readinto(buf)
            if not n:
                break
            out += buf[:n]
        return bytes(out if limit < 0 else out[:limit])
    finally:
        if user:
            f.ioctl(4, 0)
        else:
            f.close()


class _SourceLoader:
    # A .py file on the board's filesystem (flash or a mounted VFS), compiled where it is.
    def __init__(self, path):
        self.path = path

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        src = _read_file(self.path).decode()
        module.__file__ = self.path
        exec(compile(src, self.path, "exec"), module.__dict__)


class _MpyLoader(_SourceLoader):
    # A .mpy file: its header is checked as the firmware checks it (ValueError for another
    # version, feature set or architecture); mpsim runs source only, so a valid one is an
    # ImportError that says so.
    def exec_module(self, module):
        head = _read_file(self.path, 4)
        feat = sys.implementation._mpy >> 8
        arch = (head[2] >> 2) & 0x2F if len(head) > 2 else 0
        # A native .mpy must match the sub-version too; a bytecode one only the version.
        if len(head) < 4 or head[0] != 0x4D or head[1] != 6 or (arch and (head[2] & 3) != (feat & 3)) \
                or head[3] > 31:
            raise ValueError("incompatible .mpy file")
        if arch and arch != (feat >> 2) & 0x2F:
            raise ValueError("incompatible .mpy arch")
        leaf = self.path.rpartition("/")[2][:-4]
        raise ImportError("%s: mpsim runs Python source only; put %s.py on the board instead"
                          % (self.path, leaf))


class _NamespaceLoader:
    @staticmethod
    def create_module(spec):
        return None

    @staticmethod
    def exec_module(module):
        pass


class _PathFinder:
    # Modules and packages on sys.path ("" is the current directory, then /lib), as the board does.
    @staticmethod
    def find_spec(name, path=None, target=None):
        import os
        leaf = name.rpartition(".")[2]
        for d in (path if path is not None else sys.path):
            if d == ".frozen":
                continue
            base = d.rstrip("/") + "/" + leaf if d else leaf
            try:
                is_dir = os.stat(base)[0] & 0x4000
            except OSError:
                is_dir = False
            if is_dir:
                init = base + "/__init__.py"
                try:
                    os.stat(init)
                    spec = ModuleSpec(name, _SourceLoader(init), origin=init, is_package=True)
                except OSError:
                    spec = ModuleSpec(name, _NamespaceLoader, origin=base, is_package=True)
                spec.submodule_search_locations = [base]
                return spec
            for ext in (".py", ".mpy"):
                try:
                    os.stat(base + ext)
                except OSError:
                    continue
                loader = _MpyLoader if ext == ".mpy" else _SourceLoader
                return ModuleSpec(name, loader(base + ext), origin=base + ext)
        return None

    @staticmethod
    def invalidate_caches():
        pass


sys.meta_path.insert(0, _Finder)
sys.meta_path.append(_PathFinder)
sys.meta_path.append(_NotFound)
# Ours replace the interpreter's own where both exist.
for _n in ("errno", "time", "gc", "io", "os", "select", "random", "json", "re", "collections", "struct"):
    sys.modules.pop(_n, None)


class _TextOut:
    def __init__(self, buffer):
        self.buffer = buffer

    def write(self, s, n=None):
        if isinstance(s, str):
            b = s.encode()
        else:
            b = bytes(s)
        if n is not None:
            b = b[:n]
        _mpsim.console_write(b)
        return len(s) if n is None else min(n, len(s))

    def flush(self):
        pass

    def isatty(self):
        return False

    def fileno(self):
        return self._fd


class _BinOut:
    def write(self, b, n=None):
        b = bytes(b)
        if n is not None:
            b = b[:n]
        return _mpsim.console_write(b)

    def flush(self):
        pass


class _BinIn:
    def read(self, n=-1):
        if n is None or n < 0:
            n = 1 << 20
            out = bytearray()
            while True:
                c = _mpsim.console_read(1)
                if not c or c == b"\x04":
                    return bytes(out)
                out += c
        out = bytearray()
        while len(out) < n:
            out += _mpsim.console_read(n - len(out))
        return bytes(out)

    def readinto(self, buf, n=None):
        if n is None:
            n = len(buf)
        data = self.read(n)
        buf[: len(data)] = data
        return len(data)

    def readline(self):
        out = bytearray()
        while True:
            c = _mpsim.console_read(1)
            out += c
            if c == b"\n" or c == b"\r":
                return bytes(out)


class _TextIn:
    # Text stdin on the board turns \r into \n (the terminal's Enter).
    def __init__(self, buffer):
        self.buffer = buffer

    def _cook(self, b):
        return b.replace(b"\r", b"\n").decode("utf-8", "replace")

    def read(self, n=-1):
        return self._cook(self.buffer.read(n))

    def readinto(self, buf, n=None):
        if n is None:
            n = len(buf)
        data = self.buffer.read(n).replace(b"\r", b"\n")
        buf[: len(data)] = data
        return len(data)

    def readline(self):
        out = bytearray()
        while True:
            c = _mpsim.console_read(1).replace(b"\r", b"\n")
            out += c
            if c == b"\n":
                return out.decode("utf-8", "replace")

    def isatty(self):
        return False

    def fileno(self):
        return self._fd


# As the firmware's stdio objects print and name themselves: <io.TextIOWrapper 1>, and their
# .buffer <io.FileIO 0> (shared/runtime/sys_stdio_mphal.c).
def _io_repr(self):
    return "<io.%s %d>" % (type(self).__name__, self._fd)


for _c, _n in ((_TextOut, "TextIOWrapper"), (_TextIn, "TextIOWrapper"), (_BinOut, "FileIO"), (_BinIn, "FileIO")):
    _c.__name__ = _c.__qualname__ = _n
    _c.__module__ = "builtins"
    _c.__repr__ = _io_repr
    _c._fd = 0
del _c, _n, _io_repr


def _stdio(cls, buffer, fd):
    o = cls(buffer)
    o._fd = fd
    return o


sys.stdout = _stdio(_TextOut, _BinOut(), 1)
sys.stderr = _stdio(_TextOut, _BinOut(), 2)
sys.stdin = _stdio(_TextIn, _BinIn(), 0)
del _stdio
sys.__stdout__ = sys.stdout
sys.__stderr__ = sys.stdout
sys.__stdin__ = sys.stdin


_after_cr = [False]


def _input(prompt=None):
    # The board's input() is its readline: typed characters echo, Backspace rubs out, Enter
    # (CR, LF or CR LF) ends the line and echoes a newline; Ctrl-D on an empty line is EOFError.
    if prompt:
        sys.stdout.write(str(prompt))
    out = bytearray()
    while True:
        c = _mpsim.console_read(1)
        if not c:
            if out:
                break
            raise EOFError
        if c == b"\n" and _after_cr[0]:
            _after_cr[0] = False
            continue
        _after_cr[0] = c == b"\r"
        if c in (b"\r", b"\n"):
            break
        if c in (b"\x7f", b"\x08"):
            if out:
                # Rub out a whole UTF-8 character.
                while out and (out[-1] & 0xC0) == 0x80:
                    out.pop()
                if out:
                    out.pop()
                _mpsim.console_write(b"\x08\x1b[K")
            continue
        if c == b"\x04" and not out:
            raise EOFError
        if c == b"\x1b":
            # An escape sequence (arrow keys): not part of the line.
            nxt = _mpsim.console_read(1)
            if nxt in (b"[", b"O"):
                while True:
                    ch = _mpsim.console_read(1)
                    if not ch or 0x40 <= ch[0] <= 0x7E:
                        break
            continue
        if c[0] < 0x20:
            continue
        out += c
        _mpsim.console_write(c)
    _mpsim.console_write(b"\n")
    return out.decode("utf-8", "replace")



import builtins

builtins.input = _input
import os as _os

builtins.open = _os.open
del _os
_import = _mpsim.import_untracked
_ModuleType = type(sys)


class _StarSource:
    pass


def _import_star_aware(name, globals=None, locals=None, fromlist=(), level=0):
    # `from x import *` where sys.modules holds something that is not a module: the firmware
    # takes the names from its attributes (a class's too, honouring __all__), and an object
    # with none is an AttributeError; the interpreter took only an instance's own dict.
    m = _import(name, globals, locals, fromlist, level)
    if fromlist and "*" in fromlist and type(m) is not _ModuleType:
        if isinstance(m, type):
            src = _StarSource()
            src.__dict__.update(m.__dict__)
            return src
        if not hasattr(m, "__dict__"):
            raise AttributeError("'%s' object has no attribute '__dict__'" % type(m).__name__)
    return m


builtins.__import__ = _import_star_aware
# The interpreter is built without its own compiler front end (see interp.rs): these compile.
builtins.compile = _mpsim.compile
builtins.exec = _mpsim.exec
builtins.eval = _mpsim.eval


def help(*obj):
    import _mpsim_help
    _mpsim_help.help(*obj)


builtins.help = help
_build_class = builtins.__build_class__


def _firmware_build_class(func, name, *bases, **kw):
    # The firmware looks an attribute up through the bases depth first, with `object` at the
    # root of each, so `class B(object, A)` is a class there (the interpreter finds no order for
    # it): object named among several bases is left to the end.
    if len(bases) > 1 and object in bases[:-1]:
        bases = tuple(b for b in bases if b is not object) + (object,)
    code = getattr(func, "__code__", None)
    if code is not None and code._mpsim_co_flags & 2:
        # An ordinary function as the body (`__build_class__(lambda: exec(src), "name")`, as
        # MicroPython's test runner makes modules): the firmware runs it with the class's
        # namespace as the current locals, so names an exec() there defines become the class's.
        import builtins
        ns = {}
        outer = builtins.exec

        def exec_into(source, g=None, l=None):
            return outer(source, func.__globals__ if g is None else g, ns if l is None else l)

        builtins.exec = exec_into
        try:
            func()
        finally:
            builtins.exec = outer
        return type(name, bases or (object,), ns)
    return _build_class(func, name, *bases, **kw)


builtins.__build_class__ = _firmware_build_class


def _viper_emitter(f):
    # @micropython.viper (grammar.rs writes this name in its place): the emitter's types are
    # emulated by _viper, whose names the functions' annotations and bodies use.
    import _viper, builtins
    for n in ("ptr", "ptr8", "ptr16", "ptr32", "uint"):
        setattr(builtins, n, getattr(_viper, n))
    return _mpsim.native_code(_viper.viper(f))


builtins.__viper__ = _viper_emitter
builtins.__native__ = _mpsim.native_code
del builtins, help

import _mpsim_exc

sys.print_exception = _mpsim_exc.print_exception
sys.excepthook = lambda t, v, tb: _mpsim_exc.print_exception(v)


def _unraisable(args):
    # An exception nobody can catch (a generator's `finally` raising as the generator is freed):
    # the exception itself, in the firmware's traceback format (the interpreter's own hook
    # wants CPython's traceback module, which no board has).
    # (No object's repr: the interpreter's carries a host address.)
    print("Exception ignored:")
    _mpsim_exc.print_exception(args.exc_value)


sys.unraisablehook = _unraisable


_Impl = _mpsim_exc.attrtuple(("name", "version", "_machine", "_mpy"))
sys.implementation = _Impl("micropython", _info["version_tuple"] + ("",), _info["machine"], _info["mpy"])
sys.platform = _info["platform"]
sys.version = "3.4.0; " + _info["banner"].split(";")[0]
sys.version_info = (3, 4, 0)
_fm = _info["flash_mount"]
sys.path[:] = ["", ".frozen", "/lib"] if _fm == "/" else ["", ".frozen", _fm, _fm + "/lib"]
del _fm
sys.argv[:] = _info["argv"]
sys.maxsize = (1 << 31) - 1
sys.ps1 = ">>> "
sys.ps2 = "... "
sys.byteorder = "little"
# A board's C stack allows far less recursion than a desktop's.
sys.setrecursionlimit(100)
# What does not exist on a board, or would tell the script about the host.
for _n in ("executable", "_base_executable", "prefix", "base_prefix", "exec_prefix", "base_exec_prefix",
           "platlibdir", "orig_argv", "setrecursionlimit", "settrace", "setprofile", "_git", "pycache_prefix",
           "stdlib_module_names", "abiflags", "getwindowsversion", "_xoptions", "warnoptions"):
    try:
        delattr(sys, _n)
    except AttributeError:
        pass


def _exit(*code):
    # sys.exit() raises SystemExit without arguments, sys.exit(x) with x, as the firmware.
    if len(code) > 1:
        raise TypeError("function takes at most 1 argument")
    raise SystemExit(*code)


sys.exit = _exit
del _n
_mpsim.seal(sys)
for _n in _ROM:
    if _n in sys.modules:
        _mpsim.seal(sys.modules[_n])
del _n
