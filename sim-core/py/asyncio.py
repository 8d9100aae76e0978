# asyncio/uasyncio: MicroPython's cooperative scheduler, on the board's clock.
# One run queue ordered by due time; sleeping hands the board's clock to _mpsim.sleep_us, which keeps
# IRQs and timers running and wakes early when an IRQ sets a ThreadSafeFlag.
import _mpsim
from time import ticks_ms as _ticks_ms, ticks_diff, ticks_add

_now = _mpsim.ticks_us


class CancelledError(BaseException):
    pass


class TimeoutError(Exception):
    pass


class _Queue:
    def __init__(self):
        self.items = []  # (due_us, seq, task, token)
        self.seq = 0

    def push(self, task, due):
        self.seq += 1
        task.token += 1
        it = (due, self.seq, task, task.token)
        items = self.items
        lo, hi = 0, len(items)
        while lo < hi:
            mid = (lo + hi) // 2
            if items[mid][:2] <= it[:2]:
                lo = mid + 1
            else:
                hi = mid
        items.insert(lo, it)

    def pop(self):
        while self.items:
            due, _, task, token = self.items[0]
            if token != task.token:
                self.items.pop(0)
                continue
            return due, task
        return None, None


_q = _Queue()
_cur = [None]
_stop = [None]


class Task:
    def __init__(self, coro):
        self.coro = coro
        self.data = None  # value to send, or exception to throw
        self.state = True  # True: running; otherwise the result or exception once done
        self.done_flag = False
        self.result = None
        self.exc = None
        self.waiters = []
        self.token = 0
        self.cancelling = False

    def done(self):
        return self.done_flag

    def cancel(self):
        if self.done_flag:
            return False
        if self is _cur[0]:
            raise RuntimeError("can't cancel self")
        self.data = CancelledError()
        self.cancelling = True
        _q.push(self, 0)
        return True

    def __await__(self):
        if not self.done_flag:
            self.waiters.append(_cur[0])
            yield
        if self.exc is not None:
            raise self.exc
        return self.result

    __iter__ = __await__

    def _finish(self, result=None, exc=None):
        self.done_flag = True
        self.result = result
        self.exc = exc
        for w in self.waiters:
            _q.push(w, 0)
        had_waiters = bool(self.waiters)
        self.waiters = []
        return had_waiters


class _Sleep:
    def __init__(self, us):
        self.us = us

    def __await__(self):
        _q.push(_cur[0], _now() + self.us)
        yield

    __iter__ = __await__


def sleep(t):
    return _Sleep(max(0, int(t * 1000000)))


def sleep_ms(t):
    return _Sleep(max(0, int(t) * 1000))


async def _awaiting(aw):
    return await aw


def create_task(coro):
    if not hasattr(coro, "send"):
        if not hasattr(coro, "__await__"):
            raise TypeError("coroutine expected")
        coro = _awaiting(coro)
    t = Task(coro)
    _q.push(t, 0)
    return t


def current_task():
    if _cur[0] is None:
        raise RuntimeError("no running task")
    return _cur[0]


def _step(t):
    _cur[0] = t
    data = t.data
    t.data = None
    try:
        if isinstance(data, BaseException):
            t.coro.throw(data)
        else:
            t.coro.send(data)
    except StopIteration as e:
        t._finish(e.value)
    except CancelledError as e:
        t._finish(exc=e)
    except Exception as e:
        if not t._finish(exc=e) and not getattr(t, "_awaited", False):
            _unhandled(t, e)
    finally:
        _cur[0] = None


_handler = [None]


def _unhandled(t, e):
    if _handler[0] is not None:
        _handler[0](_loop, {"message": "Task exception wasn't retrieved", "exception": e, "future": t})
        return
    import sys
    print("Task exception wasn't retrieved")
    print("future:", "<Task>", "coro=", "<generator object 'coro' at 0>")
    sys.print_exception(e)


# Tasks waiting for a stream (socket, UART) to be ready: [stream, mask, task].
_io = []


def _io_poll(timeout_ms):
    # Wakes the tasks whose streams are ready; waits up to timeout_ms (-1: until one is) first
    # when none is. Sockets wake the wait when they change (in wall time: see socket.py).
    import select
    while True:
        woke = False
        for w in _io[:]:
            if select._ready(w[0], w[1]):
                _io.remove(w)
                _q.push(w[2], 0)
                woke = True
        if woke or timeout_ms == 0:
            return
        import _mpsim_net
        _mpsim_net.wait(timeout_ms)
        timeout_ms = 0


class _IOWait:
    def __init__(self, stream, mask):
        self.w = [stream, mask, None]

    def __await__(self):
        self.w[2] = _cur[0]
        _io.append(self.w)
        try:
            yield
        finally:
            if self.w in _io:
                _io.remove(self.w)

    __iter__ = __await__


def _run(main):
    _stop[0] = main
    while not main.done_flag:
        if _io:
            _io_poll(0)
        due, t = _q.pop()
        if t is None:
            if _io:
                _io_poll(-1)
                continue
            # Nothing runnable and nothing sleeping: wait for an IRQ (ThreadSafeFlag) forever.
            _mpsim.sleep_us(1 << 40, True)
            continue
        delay = due - _now() if due else 0
        if delay > 0:
            if _io:
                _io_poll(max(1, delay // 1000))
                continue
            _mpsim.sleep_us(delay, True)
            continue
        _q.items.pop(0)
        _step(t)
    _stop[0] = None
    if main.exc is not None:
        raise main.exc
    return main.result


def run(coro):
    t = create_task(coro)
    t._awaited = True
    return _run(t)


def run_until_complete(main_task=None):
    if main_task is None:
        raise RuntimeError("nothing to run")
    main_task._awaited = True
    return _run(main_task)


async def _gather_one(aw):
    return await aw


async def gather(*aws, return_exceptions=False):
    tasks = [a if isinstance(a, Task) else create_task(a) for a in aws]
    for t in tasks:
        t._awaited = True
    out = []
    for t in tasks:
        try:
            out.append(await t)
        except Exception as e:
            if not return_exceptions:
                for o in tasks:
                    if not o.done_flag:
                        o.cancel()
                raise
            out.append(e)
    return out


class _Timeout:
    def __init__(self, task, us):
        self.task = task
        self.us = us

    def __await__(self):
        me = _cur[0]
        self.task.waiters.append(me)
        _q.push(me, _now() + self.us)
        yield
        if me in self.task.waiters:
            self.task.waiters.remove(me)


async def wait_for(aw, timeout):
    t = aw if isinstance(aw, Task) else create_task(aw)
    t._awaited = True
    if timeout is None:
        return await t
    if not t.done_flag:
        await _Timeout(t, max(0, int(timeout * 1000000)))
    if not t.done_flag:
        t.cancel()
        raise TimeoutError
    if t.exc is not None:
        raise t.exc
    return t.result


def wait_for_ms(aw, timeout):
    return wait_for(aw, timeout / 1000)


class Event:
    def __init__(self):
        self.state = False
        self.waiting = []

    def is_set(self):
        return self.state

    def set(self):
        for t in self.waiting:
            _q.push(t, 0)
        self.waiting = []
        self.state = True
        _mpsim.notify()

    def clear(self):
        self.state = False

    async def wait(self):
        if not self.state:
            await _Park(self.waiting)
        return True


class _Park:
    def __init__(self, lst):
        self.lst = lst

    def __await__(self):
        self.lst.append(_cur[0])
        yield

    __iter__ = __await__


class ThreadSafeFlag:
    # set() may run in an IRQ handler, while the loop sleeps in _mpsim.sleep_us(..., True).
    def __init__(self):
        self.state = False
        self.waiting = None

    def set(self):
        self.state = True
        if self.waiting is not None:
            _q.push(self.waiting, 0)
            self.waiting = None
        _mpsim.notify()

    def clear(self):
        self.state = False

    async def wait(self):
        if not self.state:
            self.waiting = _cur[0]
            await _Park([])
        self.state = False


class Lock:
    def __init__(self):
        self.state = False
        self.waiting = []

    def locked(self):
        return self.state

    def release(self):
        if not self.state:
            raise RuntimeError("Lock not acquired")
        if self.waiting:
            _q.push(self.waiting.pop(0), 0)
        else:
            self.state = False

    async def acquire(self):
        if self.state:
            await _Park(self.waiting)
        self.state = True
        return True

    async def __aenter__(self):
        return await self.acquire()

    async def __aexit__(self, *a):
        self.release()


class Loop:
    def create_task(self, coro):
        return create_task(coro)

    def run_forever(self):
        _run(Task(_forever()))

    def run_until_complete(self, aw):
        t = aw if isinstance(aw, Task) else create_task(aw)
        return run_until_complete(t)

    def stop(self):
        pass

    def close(self):
        pass

    def set_exception_handler(self, handler):
        _handler[0] = handler

    def get_exception_handler(self):
        return _handler[0]

    def default_exception_handler(self, loop, context):
        import sys
        print(context["message"])
        sys.print_exception(context["exception"])

    def call_exception_handler(self, context):
        (_handler[0] or self.default_exception_handler)(self, context)


async def _forever():
    while True:
        await sleep(3600)


_loop = Loop()


# Streams (extmod/asyncio/stream.py's surface): sockets and other pollable streams.
_POLLIN = 1
_POLLOUT = 4


class Stream:
    def __init__(self, s, e={}):
        self.s = s
        self.e = e
        self.out_buf = b""

    def get_extra_info(self, v):
        return self.e[v]

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, tb):
        await self.close()

    def close(self):
        pass

    async def wait_closed(self):
        self.s.close()

    async def read(self, n=-1):
        r = b""
        while True:
            await _IOWait(self.s, _POLLIN)
            r2 = self.s.read(n)
            if r2 is not None:
                if n >= 0:
                    return r2
                if not len(r2):
                    return r
                r += r2

    async def readinto(self, buf):
        await _IOWait(self.s, _POLLIN)
        return self.s.readinto(buf)

    async def readexactly(self, n):
        r = b""
        while n:
            await _IOWait(self.s, _POLLIN)
            r2 = self.s.read(n)
            if r2 is not None:
                if not len(r2):
                    raise EOFError
                r += r2
                n -= len(r2)
        return r

    async def readline(self):
        l = b""
        while True:
            await _IOWait(self.s, _POLLIN)
            l2 = self.s.readline()
            l += l2
            if not l2 or l[-1] == 10:
                return l

    def write(self, buf):
        if not self.out_buf:
            ret = self.s.write(buf)
            if ret == len(buf):
                return
            if ret is not None:
                buf = buf[ret:]
        self.out_buf += buf

    async def drain(self):
        if not self.out_buf:
            return await sleep_ms(0)
        mv = memoryview(self.out_buf)
        off = 0
        while off < len(mv):
            await _IOWait(self.s, _POLLOUT)
            ret = self.s.write(mv[off:])
            if ret is not None:
                off += ret
        self.out_buf = b""


StreamReader = Stream
StreamWriter = Stream


async def open_connection(host, port):
    import socket
    ai = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
    s = socket.socket(ai[0], ai[1], ai[2])
    s.setblocking(False)
    try:
        s.connect(ai[-1])
    except OSError as er:
        if er.errno != 115:  # EINPROGRESS
            raise er
    await _IOWait(s, _POLLOUT)
    ss = Stream(s)
    return ss, ss


class Server:
    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, tb):
        self.close()
        await self.wait_closed()

    def close(self):
        self.task.cancel()

    async def wait_closed(self):
        try:
            await self.task
        except CancelledError:
            pass

    async def _serve(self, s, cb):
        try:
            while True:
                await _IOWait(s, _POLLIN)
                try:
                    s2, addr = s.accept()
                except OSError:
                    continue
                s2.setblocking(False)
                s2s = Stream(s2, {"peername": addr})
                create_task(cb(s2s, s2s))
        finally:
            s.close()


async def start_server(cb, host, port, backlog=5):
    import socket
    ai = socket.getaddrinfo(host, port)[0]
    s = socket.socket()
    s.setblocking(False)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(ai[-1])
    s.listen(backlog)
    srv = Server()
    srv.task = create_task(srv._serve(s, cb))
    return srv


def get_event_loop(runq_len=0, waitq_len=0):
    return _loop


def new_event_loop():
    global _q
    _q = _Queue()
    return _loop


def _mpsim_teardown():
    # A soft reset: forget every task while the modules their coroutines use are still whole, so
    # that closing them (their finally blocks) runs before the interpreter finalises its modules.
    _q.items = []
    del _io[:]
    _cur[0] = None
    _stop[0] = None
    _handler[0] = None
