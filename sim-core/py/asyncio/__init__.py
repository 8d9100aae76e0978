# asyncio/uasyncio: MicroPython's cooperative scheduler, on the board's clock.
#
# What a program can observe is the firmware's: the order tasks run in, what cancelling or a
# timeout does to them, when an exception nobody retrieved is reported. The model:
# - one run queue of tasks keyed by the ticks_ms at which each may run, first in first out among
#   equal keys (the firmware's pairing heap is stable);
# - a task's `state`: True while it runs and nothing waits for it; a TaskQueue of the tasks
#   awaiting it; a callable to call when it ends (gather); then None once it ended with nobody
#   awaiting it, False once its end was seen by an await;
# - a task's `data`: what it is parked on (a TaskQueue, a Task, the IO queue, gather's marker),
#   so that cancel() can unpark it; the exception to throw into it on its next step; and once it
#   ended, the StopIteration or exception it ended with.
# Waiting hands the board's clock to _mpsim.sleep_us, which keeps IRQs and timers running and
# wakes early when an IRQ sets a ThreadSafeFlag or an Event.
import _mpsim
from time import ticks_ms as ticks, ticks_diff, ticks_add

__version__ = (3, 0, 0)

_POLLIN = 1
_POLLOUT = 4


class CancelledError(BaseException):
    pass


class TimeoutError(Exception):
    pass


class TaskQueue:
    def __init__(self):
        self._tasks = []

    def peek(self):
        return self._tasks[0] if self._tasks else None

    def push(self, task, key=None):
        task.data = None
        task.ph_key = ticks() if key is None else key
        tasks = self._tasks
        i = len(tasks)
        # Behind every task due at the same time or earlier.
        while i and ticks_diff(task.ph_key, tasks[i - 1].ph_key) < 0:
            i -= 1
        tasks.insert(i, task)

    def pop(self):
        if not self._tasks:
            raise IndexError("empty heap")
        return self._tasks.pop(0)

    def remove(self, task):
        tasks = self._tasks
        for i in range(len(tasks)):
            if tasks[i] is task:
                del tasks[i]
                return


class Task:
    def __init__(self, coro, globals=None):
        self.coro = coro
        self.data = None
        self.state = True
        self.ph_key = 0

    def __repr__(self):
        return "<Task>"

    def done(self):
        return not self.state

    def cancel(self):
        if not self.state:
            return False
        if self is cur_task:
            raise RuntimeError("can't cancel self")
        # A task awaiting another passes the cancel down to the one at the end of the chain.
        target = self
        while isinstance(target.data, Task):
            target = target.data
        parked_on = target.data
        if hasattr(parked_on, "remove"):
            parked_on.remove(target)
            _task_queue.push(target)
        elif ticks_diff(target.ph_key, ticks()) > 0:
            # Sleeping: wake it now.
            _task_queue.remove(target)
            _task_queue.push(target)
        target.data = CancelledError
        return True

    # `await task`: the first step registers the awaiting task, the step after the task ended
    # raises its result (StopIteration carries the value) or its exception.
    def __iter__(self):
        state = self.state
        if not state:
            self.state = False
        elif state is True:
            self.state = TaskQueue()
        elif type(state) is not TaskQueue:
            raise RuntimeError("can't wait")
        return self

    __await__ = __iter__

    def __next__(self):
        if not self.state:
            raise self.data
        self.state.push(cur_task)
        cur_task.data = self


class _Yield:
    # Gives the scheduler one turn. The task was parked (on a queue, for a stream) by whoever
    # awaits this, or is not parked at all and simply waits to be woken.
    __slots__ = ("spent",)

    def __init__(self):
        self.spent = False

    def __await__(self):
        return self

    __iter__ = __await__

    def __next__(self):
        if self.spent:
            raise StopIteration
        self.spent = True


class _Sleep:
    __slots__ = ("due",)

    def __init__(self, due):
        self.due = due

    def __await__(self):
        return self

    __iter__ = __await__

    def __next__(self):
        if self.due is None:
            raise StopIteration
        _task_queue.push(cur_task, self.due)
        self.due = None


def sleep_ms(t):
    return _Sleep(ticks_add(ticks(), max(0, t)))


def sleep(t):
    return sleep_ms(int(t * 1000))


class _IOQueue:
    # Tasks waiting for streams: id(stream) -> [reading task, writing task, stream], in the order
    # the streams were first waited for (the order the firmware's poller reports them in).
    def __init__(self):
        self.map = {}

    def _enqueue(self, s, idx):
        entry = self.map.get(id(s))
        if entry is None:
            entry = [None, None, s]
            self.map[id(s)] = entry
        entry[idx] = cur_task
        cur_task.data = self

    def queue_read(self, s):
        self._enqueue(s, 0)

    def queue_write(self, s):
        self._enqueue(s, 1)

    def remove(self, task):
        for k in [k for k, e in self.map.items() if e[0] is task or e[1] is task]:
            del self.map[k]

    def _ready(self):
        import select
        out = []
        for entry in self.map.values():
            mask = (_POLLIN if entry[0] is not None else 0) | (_POLLOUT if entry[1] is not None else 0)
            ev = select._ready(entry[2], mask)
            if ev:
                out.append((entry, ev))
        return out

    def _block(self, dt):
        # Waits up to dt ms (-1: until something happens) for a stream to change.
        streams = [e[2] for e in self.map.values()]
        if any(getattr(s, "_net", False) for s in streams):
            # Sockets wake the wait when they change (the host's network runs in wall time).
            import _mpsim_net
            _mpsim_net.wait(dt)
        elif all(isinstance(s, ThreadSafeFlag) for s in streams):
            _mpsim.sleep_us(dt * 1000 if dt >= 0 else 1 << 40, True)
        else:
            # The console and UARTs: look again every millisecond.
            _mpsim.sleep_us(1000 if dt < 0 else min(dt, 1) * 1000, True)

    def wait_io_event(self, dt):
        if not self.map:
            if dt:
                _mpsim.sleep_us(dt * 1000 if dt > 0 else 1 << 40, True)
            return
        ready = self._ready()
        if not ready and dt:
            self._block(dt)
            ready = self._ready()
            # Without a deadline, only a ready stream (or a task an IRQ made ready) ends the
            # wait: a wake-up can be for a change that leaves a stream not ready, as TLS records
            # short of a whole message.
            while not ready and dt < 0 and not _task_queue.peek():
                self._block(dt)
                ready = self._ready()
        for entry, ev in ready:
            if ev & ~_POLLOUT and entry[0] is not None:
                _task_queue.push(entry[0])
                entry[0] = None
            if ev & ~_POLLIN and entry[1] is not None:
                _task_queue.push(entry[1])
                entry[1] = None
            if entry[0] is None and entry[1] is None:
                self.map.pop(id(entry[2]), None)


def _io_wait(s, idx):
    # Parks the current task until stream s can be read (idx 0) or written (idx 1).
    _io_queue._enqueue(s, idx)
    return _Yield()


def _promote_to_task(aw):
    return aw if isinstance(aw, Task) else create_task(aw)


def create_task(coro):
    if not hasattr(coro, "send"):
        raise TypeError("coroutine expected")
    t = Task(coro)
    _task_queue.push(t)
    return t


def _coro_repr(coro):
    return "<generator object '%s' at %x>" % (getattr(coro, "__name__", "?"), id(coro))


def _ended(t, er, main_task):
    # Task t's coroutine stopped with er (StopIteration when it returned). Returns whether t was
    # awaited by someone: a detached task that failed is queued once more so that its exception
    # is reported if nothing retrieves it before then.
    awaited = t is main_task
    if awaited and t.state is None:
        t.state = False
    state = t.state
    if state is True:
        t.state = False if awaited else None
    elif callable(state) and not isinstance(state, TaskQueue):
        state(t, er)
        t.state = False
        awaited = True
    else:
        while state.peek():
            _task_queue.push(state.pop())
            awaited = True
        t.state = False
    if not awaited and not isinstance(er, (CancelledError, StopIteration)):
        _task_queue.push(t)
    t.data = er


def run_until_complete(main_task=None):
    global cur_task
    while True:
        # Wait for the head of the run queue to be due (and for streams meanwhile).
        dt = 1
        while dt > 0:
            dt = -1
            head = _task_queue.peek()
            if head:
                dt = max(0, ticks_diff(head.ph_key, ticks()))
            elif not _io_queue.map:
                cur_task = None
                if not main_task or not main_task.state:
                    return
                # The main task waits for something only an IRQ can bring: wait for that.
                _io_queue.wait_io_event(-1)
                dt = 1
                continue
            _io_queue.wait_io_event(dt)

        t = _task_queue.pop()
        cur_task = t
        exc = t.data
        if exc and not t.state:
            # A detached task that failed, back for its report: retrieved since, or not.
            t.data = None
            if t.state is None:
                t.data = exc
                _exc_context["exception"] = exc
                _exc_context["future"] = t
                Loop.call_exception_handler(_exc_context)
            continue
        try:
            if exc:
                t.data = None
                t.coro.throw(exc)
            else:
                t.coro.send(None)
        except (CancelledError, Exception) as er:
            if t is main_task:
                cur_task = None
                if not isinstance(er, StopIteration):
                    t.state = False
                    raise er
            _ended(t, er, main_task)
            if t is main_task:
                return er.value


def run(coro):
    return run_until_complete(create_task(coro))


def current_task():
    if cur_task is None:
        raise RuntimeError("no running event loop")
    return cur_task


_exc_context = {"message": "Task exception wasn't retrieved", "exception": None, "future": None}


async def _stopper():
    pass


class Loop:
    # The firmware's loop is this class itself, its functions called without an instance.
    _exc_handler = None

    def create_task(coro):
        return create_task(coro)

    def run_forever():
        global _stop_task
        _stop_task = Task(_stopper())
        run_until_complete(_stop_task)

    def run_until_complete(aw):
        return run_until_complete(_promote_to_task(aw))

    def stop():
        global _stop_task
        if _stop_task is not None:
            _task_queue.push(_stop_task)
            _stop_task = None

    def close():
        pass

    def set_exception_handler(handler):
        Loop._exc_handler = handler

    def get_exception_handler():
        return Loop._exc_handler

    def default_exception_handler(loop, context):
        import sys
        t = context["future"]
        print(context["message"], file=sys.stderr)
        print("future:", t, "coro=", _coro_repr(t.coro), file=sys.stderr)
        sys.print_exception(context["exception"], sys.stderr)

    def call_exception_handler(context):
        (Loop._exc_handler or Loop.default_exception_handler)(Loop, context)


def get_event_loop(runq_len=0, waitq_len=0):
    return Loop


def new_event_loop():
    global _task_queue, _io_queue
    _task_queue = TaskQueue()
    _io_queue = _IOQueue()
    return Loop


cur_task = None
_stop_task = None
new_event_loop()


async def _run_for(waiter, aw):
    # wait_for's runner: awaits aw, then wakes the waiter (if it still waits) with the outcome
    # packed in the CancelledError it throws into it: (True, result) or (exception, None).
    try:
        result = await aw
        status = True
    except BaseException as er:
        result = None
        status = er
    if waiter.data is None:
        if waiter.cancel():
            waiter.data = CancelledError(status, result)


async def wait_for(aw, timeout, sleep=sleep):
    aw = _promote_to_task(aw)
    if timeout is None:
        return await aw
    runner = create_task(_run_for(cur_task, aw))
    try:
        await sleep(timeout)
    except CancelledError as er:
        status = er.args[0] if er.args else None
        if status is None:
            # Cancelled from outside.
            runner.cancel()
            raise er
        if status is True:
            return er.args[1]
        raise status
    runner.cancel()
    await runner
    raise TimeoutError


def wait_for_ms(aw, timeout):
    return wait_for(aw, timeout, sleep_ms)


class _GatherParked:
    # What a gathering task is parked on: cancelling it just wakes it.
    @staticmethod
    def remove(t):
        pass


async def gather(*aws, return_exceptions=False):
    ts = [_promote_to_task(aw) for aw in aws]
    me = cur_task
    # How many sub-tasks are still to end; negative when one already failed (nothing to wait
    # for); an exception once one failed or the gather was cancelled.
    pending = 0

    def on_end(t, er):
        nonlocal pending
        if me.data is not _GatherParked:
            return  # already woken
        if not return_exceptions and not isinstance(er, StopIteration):
            pending = er
        else:
            pending -= 1
            if pending:
                return
        _task_queue.push(me)

    for t in ts:
        if t.state is True:
            t.state = on_end
            pending += 1
        elif not t.state:
            if not isinstance(t.data, StopIteration) and not return_exceptions:
                pending = -len(ts)
        else:
            raise RuntimeError("can't gather")

    cancelled = False
    if pending > 0:
        me.data = _GatherParked
        try:
            await _Yield()
        except CancelledError as er:
            cancelled = True
            pending = er

    for i in range(len(ts)):
        t = ts[i]
        if t.state is on_end:
            t.state = True
            if cancelled:
                t.cancel()
        elif isinstance(t.data, StopIteration):
            ts[i] = t.data.value
        elif return_exceptions:
            ts[i] = t.data
        elif isinstance(pending, int):
            pending = t.data
    if pending:
        raise pending
    return ts


class Event:
    def __init__(self):
        self.state = False
        self.waiting = TaskQueue()

    def is_set(self):
        return self.state

    def set(self):
        while self.waiting.peek():
            _task_queue.push(self.waiting.pop())
        self.state = True
        _mpsim.notify()

    def clear(self):
        self.state = False

    async def wait(self):
        if not self.state:
            self.waiting.push(cur_task)
            cur_task.data = self.waiting
            await _Yield()
        return True


import io as _io_mod


class ThreadSafeFlag(_io_mod.IOBase):
    # May be set from an IRQ handler or a timer callback; waits as a stream the loop polls.
    def __init__(self):
        self.state = 0

    def ioctl(self, req, flags):
        if req == 3:
            return self.state * flags
        return -1

    def set(self):
        self.state = 1
        _mpsim.notify()

    def clear(self):
        self.state = 0

    async def wait(self):
        if not self.state:
            await _io_wait(self, 0)
        self.state = 0


class Lock:
    # state: 0 free, 1 held, or the waiting task chosen to take it next.
    def __init__(self):
        self.state = 0
        self.waiting = TaskQueue()

    def locked(self):
        return self.state == 1

    def release(self):
        if self.state != 1:
            raise RuntimeError("Lock not acquired")
        if self.waiting.peek():
            self.state = self.waiting.pop()
            _task_queue.push(self.state)
        else:
            self.state = 0

    async def acquire(self):
        if self.state != 0:
            self.waiting.push(cur_task)
            cur_task.data = self.waiting
            try:
                await _Yield()
            except CancelledError as er:
                if self.state is cur_task:
                    # Chosen, then cancelled before taking it: hand it to the next one.
                    self.state = 1
                    self.release()
                raise er
        self.state = 1
        return True

    async def __aenter__(self):
        return await self.acquire()

    async def __aexit__(self, exc_type, exc, tb):
        return self.release()


# Streams (extmod/asyncio/stream.py's surface): sockets and other pollable streams.


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
            await _io_wait(self.s, 0)
            r2 = self.s.read(n)
            if r2 is not None:
                if n >= 0:
                    return r2
                if not len(r2):
                    return r
                r += r2

    async def readinto(self, buf):
        await _io_wait(self.s, 0)
        return self.s.readinto(buf)

    async def readexactly(self, n):
        r = b""
        while n:
            await _io_wait(self.s, 0)
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
            await _io_wait(self.s, 0)
            l2 = self.s.readline()
            if l2 is None:
                # Woken, but nothing to read yet (a TLS handshake's records).
                continue
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
            await _io_wait(self.s, 1)
            ret = self.s.write(mv[off:])
            if ret is not None:
                off += ret
        self.out_buf = b""


StreamReader = Stream
StreamWriter = Stream


async def open_connection(host, port, ssl=None, server_hostname=None):
    import socket
    ai = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
    s = socket.socket(ai[0], ai[1], ai[2])
    s.setblocking(False)
    try:
        s.connect(ai[-1])
    except OSError as er:
        if er.errno != 115:  # EINPROGRESS
            raise er
    if ssl:
        # TLS: the handshake happens in the first reads and writes, without blocking.
        if ssl is True:
            import ssl as _ssl
            ssl = _ssl.SSLContext(_ssl.PROTOCOL_TLS_CLIENT)
        s = ssl.wrap_socket(s, server_hostname=server_hostname or host, do_handshake_on_connect=False)
        s.setblocking(False)
    await _io_wait(s, 1)
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

    async def _serve(self, s, cb, ssl=None):
        try:
            while True:
                await _io_wait(s, 0)
                try:
                    s2, addr = s.accept()
                except OSError:
                    continue
                if ssl:
                    s2 = ssl.wrap_socket(s2, server_side=True, do_handshake_on_connect=False)
                s2.setblocking(False)
                s2s = Stream(s2, {"peername": addr})
                create_task(cb(s2s, s2s))
        finally:
            s.close()


async def start_server(cb, host, port, backlog=5, ssl=None):
    import socket
    ai = socket.getaddrinfo(host, port)[0]
    s = socket.socket()
    s.setblocking(False)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(ai[-1])
    s.listen(backlog)
    srv = Server()
    srv.task = create_task(srv._serve(s, cb, ssl))
    return srv


def _mpsim_teardown():
    # A soft reset: forget every task while the modules their coroutines use are still whole, so
    # that closing them (their finally blocks) runs before the interpreter finalises its modules.
    global cur_task, _stop_task
    new_event_loop()
    cur_task = None
    _stop_task = None
    Loop._exc_handler = None
