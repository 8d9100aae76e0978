# os/uos: what does not need the filesystem (that comes with the flash filesystem).
import _mpsim

sep = "/"
_info = _mpsim.board_info()


class _Uname(tuple):
    _fields = ("sysname", "nodename", "release", "version", "machine")

    def __new__(cls, *items):
        return tuple.__new__(cls, items)

    def __getattr__(self, name):
        try:
            return self[self._fields.index(name)]
        except ValueError:
            raise AttributeError(name)

    def __repr__(self):
        return "(" + ", ".join("%s=%r" % (f, v) for f, v in zip(self._fields, self)) + ")"


def uname():
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


def dupterm(stream=None, index=0):
    return None
