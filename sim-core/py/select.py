# select/uselect: poll() and select() on the board's streams: the console, UARTs, sockets.
import _mpsim

POLLIN = 0x0001
POLLOUT = 0x0004
POLLERR = 0x0008
POLLHUP = 0x0010
POLLNVAL = 0x0020


def _ready(obj, mask):
    # Streams answer ioctl(MP_STREAM_POLL) (sockets: errors and hang-ups too); a UART has any();
    # anything else is the console.
    ioctl = getattr(obj, "ioctl", None)
    if ioctl is not None:
        r = ioctl(3, mask)
        if r is not None and r < 0:
            # A stream's poll fails with the negated errno.
            raise OSError(-r)
        return r & (mask | POLLERR | POLLHUP | POLLNVAL) if r else 0
    ev = 0
    if mask & POLLIN:
        any_ = getattr(obj, "any", None)
        if any_ is not None:
            if any_():
                ev |= POLLIN
        elif _mpsim.console_any():
            ev |= POLLIN
    if mask & POLLOUT:
        ev |= POLLOUT
    return ev


class _Poll:
    def __init__(self):
        self._objs = {}

    def register(self, obj, eventmask=POLLIN | POLLOUT):
        # Only streams can be polled on the boards (file descriptor numbers are the unix port's).
        if obj is None or isinstance(obj, (int, float, str, bytes, bytearray, tuple, list, dict)):
            raise OSError("stream operation not supported")
        self._objs[id(obj)] = [obj, eventmask]

    def unregister(self, obj):
        self._objs.pop(id(obj), None)

    def modify(self, obj, eventmask):
        if id(obj) not in self._objs:
            raise OSError(2)
        self._objs[id(obj)][1] = eventmask

    def _scan(self):
        out = []
        for obj, mask in self._objs.values():
            ev = _ready(obj, mask)
            if ev:
                out.append((obj, ev))
        return out

    def poll(self, timeout=-1):
        import time
        start = time.ticks_ms()
        # Sockets wake the wait when they change (in wall time: the host's network runs in it).
        net = any(getattr(o, "_net", False) for o, m in self._objs.values())
        while True:
            r = self._scan()
            if r or timeout == 0:
                return r
            left = -1
            if timeout > 0:
                left = timeout - time.ticks_diff(time.ticks_ms(), start)
                if left <= 0:
                    return r
            if net:
                import _mpsim_net
                _mpsim_net.wait(left)
            else:
                _mpsim.sleep_us(1000, True)

    def ipoll(self, timeout=-1, flags=0):
        r = self.poll(timeout)
        if flags & 1:
            # One-shot: what was reported is not polled again until modify() or register().
            for obj, ev in r:
                self._objs[id(obj)][1] = 0
        return iter(r)


def poll():
    return _Poll()


def select(rlist, wlist, xlist, timeout=None):
    p = _Poll()
    for o in rlist:
        p.register(o, POLLIN)
    for o in wlist:
        p.register(o, POLLOUT)
    res = p.poll(-1 if timeout is None else int(timeout * 1000))
    r = [o for o, ev in res if ev & POLLIN]
    w = [o for o, ev in res if ev & POLLOUT]
    return r, w, []
