# Exceptions printed as MicroPython prints them: its traceback layout, its type names, its messages.
import sys

_ERRNO = {1: "EPERM", 2: "ENOENT", 5: "EIO", 9: "EBADF", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES",
          17: "EEXIST", 19: "ENODEV", 21: "EISDIR", 22: "EINVAL", 95: "EOPNOTSUPP", 98: "EADDRINUSE",
          103: "ECONNABORTED", 104: "ECONNRESET", 105: "ENOBUFS", 107: "ENOTCONN", 110: "ETIMEDOUT",
          111: "ECONNREFUSED", 113: "EHOSTUNREACH", 114: "EALREADY", 115: "EINPROGRESS"}

# Types MicroPython does not have, shown as the type it raises instead.
_TYPE = {"RecursionError": "RuntimeError", "ModuleNotFoundError": "ImportError",
         "FileNotFoundError": "OSError", "FileExistsError": "OSError", "PermissionError": "OSError",
         "IsADirectoryError": "OSError", "NotADirectoryError": "OSError", "TimeoutError": "OSError",
         "BlockingIOError": "OSError", "ConnectionResetError": "OSError", "ConnectionRefusedError": "OSError",
         "ConnectionAbortedError": "OSError", "BrokenPipeError": "OSError", "InterruptedError": "OSError",
         "ChildProcessError": "OSError", "ProcessLookupError": "OSError", "FloatingPointError": "ArithmeticError",
         "UnboundLocalError": "NameError", "TabError": "IndentationError"}

_OPS = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__", "//": "__floordiv__",
        "%": "__mod__", "**": "__pow__", "<<": "__lshift__", ">>": "__rshift__", "&": "__and__",
        "|": "__or__", "^": "__xor__", "@": "__matmul__", "+=": "__iadd__", "-=": "__isub__",
        "*=": "__imul__", "/=": "__itruediv__", "//=": "__ifloordiv__", "%=": "__imod__"}


# Modules that are C on the board: their frames never show in its tracebacks.
_NATIVE = {"os", "machine", "_machine_more", "_machine_esp8266", "_machine_esp32", "_machine_rp2",
           "_machine_pyboard", "time", "micropython", "gc", "io", "json", "re", "struct", "collections",
           "collections.abc", "heapq", "random", "hashlib", "select", "zlib", "deflate", "esp"}


def _between(s, head, tail):
    if s.startswith(head) and s.endswith(tail):
        return s[len(head):len(s) - len(tail)]
    return None


def _message(tname, msg):
    # CPython's wording (what RustPython raises) → MicroPython's.
    if tname == "ZeroDivisionError":
        return "divide by zero"
    if tname == "NameError":
        n = _between(msg, "name ", " is not defined")
        if n is not None:
            return "name " + n + " isn't defined"
        n = _between(msg, "cannot access local variable ", " where it is not associated with a value")
        if n is not None:
            return "local variable referenced before assignment"
    if tname == "ImportError" and msg.startswith("No module named "):
        return "no module named " + msg[16:]
    if tname == "AttributeError" and msg.startswith("module "):
        i = msg.find(" has no attribute ")
        if i > 0:
            return "'module' object has no attribute " + msg[i + 18:]
    if tname == "TypeError":
        if msg.startswith("unsupported operand type(s) for "):
            rest = msg[32:]
            op, _, types = rest.partition(": ")
            a, _, b = types.partition(" and ")
            return "unsupported types for %s: %s, %s" % (_OPS.get(op, op), a, b)
        if msg.startswith("can only concatenate str (not "):
            return "can't convert '%s' object to str implicitly" % msg[31:].split('"')[0]
        for cp, mp in ((" object is not subscriptable", " object isn't subscriptable"),
                       (" object is not iterable", " object isn't iterable"),
                       (" object does not support item assignment", " object doesn't support item assignment"),
                       (" object is not callable", " object isn't callable")):
            if msg.endswith(cp):
                return msg[: -len(cp)] + mp
        i = msg.find("() takes ")
        if i > 0 and " positional argument" in msg:
            return "function takes " + msg[i + 9:]
        i = msg.find("() missing ")
        if i > 0:
            return "function missing " + msg[i + 11:].split(":")[0]
    if tname == "RuntimeError" and msg.startswith("maximum recursion depth exceeded"):
        return "maximum recursion depth exceeded"
    if tname == "ValueError" and msg.endswith(" is not in list"):
        return "object not in sequence"
    return msg


def _exc_text(exc):
    t = type(exc)
    tname = t.__name__
    tname = _TYPE.get(tname, tname)
    args = exc.args
    if isinstance(exc, OSError) and 0 < len(args) < 3 and type(args[0]) is int:
        name = _ERRNO.get(args[0])
        if name is not None:
            s = "[Errno %d] %s" % (args[0], name)
            if len(args) > 1 and args[1] != name:
                s += ": " + str(args[1])
            return tname + ": " + s
    if len(args) == 0:
        return tname + ": "
    if len(args) == 1:
        return tname + ": " + _message(tname, str(args[0]))
    return tname + ": " + repr(args)


def attrtuple(fields):
    # MicroPython's attrtuple (sys.implementation, os.uname()): a tuple whose items also have names,
    # printed with them.
    class AttrTuple(tuple):
        _fields = fields

        def __new__(cls, *items):
            return tuple.__new__(cls, items)

        def __getattr__(self, name):
            try:
                return self[fields.index(name)]
            except ValueError:
                raise AttributeError(name)

        def __repr__(self):
            return "(" + ", ".join("%s=%r" % (f, v) for f, v in zip(fields, self)) + ")"

    return AttrTuple


class _Collect:
    def __init__(self):
        self.parts = []

    def write(self, s):
        self.parts.append(s)


def format_exception(exc):
    c = _Collect()
    print_exception(exc, c)
    return "".join(c.parts)


def print_exception(exc, file=None):
    w = getattr(sys.stdout if file is None else file, "write", None)
    if w is None:
        raise OSError("stream operation not supported")
    tb = getattr(exc, "__traceback__", None)
    lines = []
    if isinstance(exc, SyntaxError):
        if exc.lineno is not None:
            w("Traceback (most recent call last):\n")
            w('  File "%s", line %d\n' % (exc.filename or "<stdin>", exc.lineno or 1))
            if type(exc).__name__ == "IndentationError":
                w("IndentationError: %s\n" % (exc.args[0] if exc.args else "unexpected indent"))
            else:
                w("SyntaxError: %s\n" % (exc.args[0] if exc.args else "invalid syntax"))
            return
    while tb is not None:
        co = tb.tb_frame.f_code
        fn = co._mpsim_co_filename
        if not fn.startswith("_mpsim") and not fn.startswith("<frozen") and fn not in _NATIVE:
            lines.append('  File "%s", line %d, in %s\n' % (fn, tb.tb_lineno, co._mpsim_co_name))
        tb = tb.tb_next
    # sys.tracebacklimit keeps the outermost frames; 0 or less prints the exception alone.
    limit = getattr(sys, "tracebacklimit", None)
    if isinstance(limit, int):
        lines = lines[:limit] if limit > 0 else []
    if lines:
        w("Traceback (most recent call last):\n")
        for ln in lines:
            w(ln)
    w(_exc_text(exc) + "\n")
