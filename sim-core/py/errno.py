# errno as the firmware has it: its 22 codes (py/mperrno.h values, which are Linux's) and
# `errorcode`, a dict fixed in ROM on the board: reading works, changing it is a TypeError
# (without a message, as the firmware raises it).
EPERM = 1
ENOENT = 2
EIO = 5
EBADF = 9
EAGAIN = 11
ENOMEM = 12
EACCES = 13
EEXIST = 17
ENODEV = 19
EISDIR = 21
EINVAL = 22
EOPNOTSUPP = 95
EADDRINUSE = 98
ECONNABORTED = 103
ECONNRESET = 104
ENOBUFS = 105
ENOTCONN = 107
ETIMEDOUT = 110
ECONNREFUSED = 111
EHOSTUNREACH = 113
EALREADY = 114
EINPROGRESS = 115


def _fixed(*args, **kw):
    raise TypeError


class dict(dict):
    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _fixed
    __ior__ = _fixed

    def copy(self):
        return {k: v for k, v in self.items()}


errorcode = dict((v, k) for k, v in globals().items() if k[:1] == "E")
del dict, _fixed
