# rp2: the RP2040's own functions (ports/rp2/modules/rp2.py and modrp2.c): PIO programs written
# with @asm_pio and run by StateMachine on the board's pins, in board time. A state machine runs
# instruction by instruction on the board's timers (each takes 1 + delay cycles of its clock), so
# what it does to pins happens when it would on the chip, to the microsecond (a machine that never
# waits is held to a million instructions per simulated second); FIFOs, IRQ flags and
# the jmp/wait/in/out/push/pull/mov/irq/set instructions with delays and side-set are modelled.
import _mpsim

_info = _mpsim.board_info()
if _info["platform"] != "rp2":
    raise ImportError("no module named 'rp2'")



class PIOASMError(Exception):
    pass


# Operand names the assembler's functions take (as in the firmware's rp2.py).
pins = "pins"
x = "x"
y = "y"
null = "null"
pindirs = "pindirs"
pc = "pc"
isr = "isr"
osr = "osr"
exec = "exec"
status = "status"
x_dec = "x_dec"
y_dec = "y_dec"
not_x = "not_x"
not_y = "not_y"
x_not_y = "x_not_y"
pin = "pin"
not_osre = "not_osre"
gpio = "gpio"
block = "block"
noblock = "noblock"
iffull = "iffull"
ifempty = "ifempty"
rel = "rel"
clear = "clear"
invert = "invert"
reverse = "reverse"


class _Instr:
    def __init__(self, op, *args):
        self.op = op
        self.args = args
        self.delay = 0
        self.side_value = None

    def __getitem__(self, delay):
        if not 0 <= delay <= 31:
            raise PIOASMError("delay too large")
        self.delay = delay
        return self

    def side(self, value):
        self.side_value = value
        return self


class _Program:
    # What @asm_pio assembles: the instructions, labels, wrap points and pin set-up.
    def __init__(self, kw):
        self.instrs = []
        self.labels = {}
        self.wrap_target = 0
        self.wrap = None
        self.kw = kw

    def add(self, ins):
        if len(self.instrs) >= 32:
            raise PIOASMError("program too long")
        self.instrs.append(ins)
        return ins


def _assembler(prog):
    def add(op):
        def f(*args):
            return prog.add(_Instr(op, *args))
        return f

    def label(name):
        prog.labels[name] = len(prog.instrs)

    def wrap_target():
        prog.wrap_target = len(prog.instrs)

    def wrap():
        prog.wrap = len(prog.instrs) - 1

    def irq(*args):
        return prog.add(_Instr("irq", *args))

    g = dict(globals())
    g.update({"jmp": add("jmp"), "wait": add("wait"), "in_": add("in"), "out": add("out"),
              "push": add("push"), "pull": add("pull"), "mov": add("mov"), "irq": irq, "set": add("set"),
              "nop": add("nop"), "label": label, "wrap_target": wrap_target, "wrap": wrap,
              "word": add("word")})
    return g


def asm_pio(*, out_init=None, set_init=None, sideset_init=None, in_shiftdir=0, out_shiftdir=0,
            autopush=False, autopull=False, push_thresh=32, pull_thresh=32, fifo_join=0):
    kw = {"out_init": out_init, "set_init": set_init, "sideset_init": sideset_init,
          "in_shiftdir": in_shiftdir, "out_shiftdir": out_shiftdir, "autopush": autopush,
          "autopull": autopull, "push_thresh": push_thresh, "pull_thresh": pull_thresh,
          "fifo_join": fifo_join}

    def dec(f):
        prog = _Program(kw)
        g = _assembler(prog)
        # Run the program's body with the assembler's names in scope, as the firmware does.
        type(f)(f.__code__, g)()
        if prog.wrap is None:
            prog.wrap = len(prog.instrs) - 1
        for ins in prog.instrs:
            if ins.side_value is not None and sideset_init is None:
                raise PIOASMError("sideset_init must be given for side()")
        return prog
    return dec


def _inits(v):
    if v is None:
        return ()
    return v if isinstance(v, tuple) else (v,)


class PIO:
    IN_LOW = 0
    IN_HIGH = 1
    OUT_LOW = 2
    OUT_HIGH = 3
    SHIFT_LEFT = 0
    SHIFT_RIGHT = 1
    JOIN_NONE = 0
    JOIN_TX = 1
    JOIN_RX = 2
    IRQ_SM0 = 0x100
    IRQ_SM1 = 0x200
    IRQ_SM2 = 0x400
    IRQ_SM3 = 0x800

    def __init__(self, id):
        if id not in (0, 1):
            raise ValueError("invalid PIO %d" % id)
        self._id = id
        self._irq_flags = [0]

    def state_machine(self, id, *args, **kw):
        return StateMachine(self._id * 4 + id, *args, **kw)

    # Instruction memory is not modelled: every state machine holds its own program.
    def add_program(self, prog):
        pass

    def remove_program(self, prog=None):
        pass

    def irq(self, handler=None, trigger=0xF00, hard=False):
        _pio_irq[self._id] = (handler, trigger)

    def __repr__(self):
        return "PIO(%d)" % self._id


_pios = (PIO(0), PIO(1))
_PINS = frozenset(_info["pins"])
_pio_irq = [None, None]
_machines = {}
_TIMERS = {}  # each state machine's clock, by state machine number


def _timer(n):
    t = _TIMERS.get(n)
    if t is None:
        t = _TIMERS[n] = _mpsim.timer()
    return t


def _gpio(p):
    if p is None:
        return None
    g = getattr(p, "_id", p)
    if not isinstance(g, int):
        raise TypeError("expecting a Pin")
    return g


class StateMachine:
    def __new__(cls, id, *args, **kw):
        if not 0 <= id <= 7:
            raise ValueError("invalid StateMachine %d" % id)
        sm = _machines.get(id)
        if sm is None:
            sm = object.__new__(cls)
            sm._id = id
            sm._prog = None
            sm._active = False
            _machines[id] = sm
        return sm

    def __init__(self, id, program=None, freq=-1, **kw):
        if program is not None:
            self.init(program, freq, **kw)

    def init(self, program, freq=-1, *, in_base=None, out_base=None, set_base=None, jmp_pin=None,
             sideset_base=None, in_shiftdir=None, out_shiftdir=None, push_thresh=None, pull_thresh=None):
        self.active(0)
        sysclk = _mpsim.cpu_freq()
        if freq == -1:
            freq = sysclk
        if not sysclk / 65536 <= freq <= sysclk:
            raise ValueError("freq out of range")
        self._prog = program
        self._freq = freq
        kw = program.kw
        self._in_base = _gpio(in_base)
        self._out_base = _gpio(out_base)
        self._set_base = _gpio(set_base)
        self._jmp_pin = _gpio(jmp_pin)
        self._side_base = _gpio(sideset_base)
        self._set_count = len(_inits(kw["set_init"]))
        self._out_count = len(_inits(kw["out_init"]))
        self._side_count = len(_inits(kw["sideset_init"]))
        self._in_right = (kw["in_shiftdir"] if in_shiftdir is None else in_shiftdir) == PIO.SHIFT_RIGHT
        self._out_right = (kw["out_shiftdir"] if out_shiftdir is None else out_shiftdir) == PIO.SHIFT_RIGHT
        self._push_thresh = push_thresh or kw["push_thresh"]
        self._pull_thresh = pull_thresh or kw["pull_thresh"]
        self._autopush = kw["autopush"]
        self._autopull = kw["autopull"]
        join = kw["fifo_join"]
        self._tx_cap = 8 if join == PIO.JOIN_TX else 0 if join == PIO.JOIN_RX else 4
        self._rx_cap = 8 if join == PIO.JOIN_RX else 0 if join == PIO.JOIN_TX else 4
        self._labels = program.labels
        self.restart()
        # Pins named in the program's *_init take their initial direction and level.
        for base, inits in ((self._set_base, kw["set_init"]), (self._out_base, kw["out_init"]),
                            (self._side_base, kw["sideset_init"])):
            for i, v in enumerate(_inits(inits)):
                if base is None:
                    continue
                if v in (PIO.OUT_LOW, PIO.OUT_HIGH):
                    _mpsim.pin_write(base + i, v == PIO.OUT_HIGH)
                    _mpsim.pin_init(base + i, 1, 0)
                else:
                    _mpsim.pin_init(base + i, 0, 0)

    def restart(self):
        self._pc = 0
        self._x = 0
        self._y = 0
        self._isr = 0
        self._isr_count = 0
        self._osr = 0
        self._osr_count = 32
        self._tx = []
        self._rx = []
        self._stall = None
        self._backoff = 0

    def active(self, value=None):
        if value is None:
            return int(self._active)
        on = bool(value)
        if on and self._prog is None:
            raise ValueError("StateMachine not initialised")
        if on and not self._active:
            self._active = True
            self._t_ns = _mpsim.ticks_us() * 1000
            self._schedule()
        elif not on and self._active:
            self._active = False
            _mpsim.timer_stop(_timer(self._id))
        return int(self._active)

    def _cycle_ns(self):
        return 1000000000 / self._freq

    def _schedule(self):
        now_ns = _mpsim.ticks_us() * 1000
        wait_us = max(1, int((self._t_ns - now_ns) / 1000 + 0.999))
        _mpsim.timer_start(_timer(self._id), wait_us, False, self._run, None)

    def _run(self, _):
        # Executes the instructions due by now (at most a bounded number per call), then waits
        # for the next one. An instruction stalled on a FIFO waits for put()/get() to wake it; one
        # waiting for a pin or IRQ flag looks again after a while (up to 100 µs).
        if not self._active:
            return
        now_ns = _mpsim.ticks_us() * 1000
        budget = 1000
        cyc = self._cycle_ns()
        while self._t_ns <= now_ns and budget > 0 and self._active:
            budget -= 1
            taken = self._step()
            if taken == 0:
                # Stalled.
                if self._stall == "fifo":
                    return
                self._backoff = min(100000, max(cyc, self._backoff * 2))
                self._t_ns += self._backoff
                break
            self._backoff = 0
            self._t_ns += cyc * taken
        if budget == 0 and self._t_ns <= now_ns:
            # More instructions due at once than the simulator follows: the backlog is dropped
            # and the machine goes on 1 ms later, so a state machine that never waits runs at most
            # a million instructions per simulated second and cannot starve the board's program.
            self._t_ns = now_ns + 1000000
        elif self._t_ns <= now_ns:
            self._t_ns = now_ns + cyc
        if self._active:
            self._schedule()

    def _kick(self):
        # put()/get() moved a FIFO: a state machine stalled on it goes on from now.
        if self._active and self._stall == "fifo":
            self._stall = None
            self._t_ns = max(self._t_ns, _mpsim.ticks_us() * 1000)
            self._schedule()

    # --- The instruction set.
    def _pins_write(self, base, count, value):
        for i in range(count):
            _mpsim.pin_init(base + i, 1, 0)
            _mpsim.pin_write(base + i, bool((value >> i) & 1))

    def _pindirs_write(self, base, count, value):
        for i in range(count):
            _mpsim.pin_init(base + i, 1 if (value >> i) & 1 else 0, 0)

    def _pins_read(self, base, count):
        # The `count` pins from `base` up (only those the instruction takes).
        v = 0
        if base is None:
            return 0
        for i in range(count):
            g = base + i
            if g in _PINS and _mpsim.pin_read(g):
                v |= 1 << i
        return v

    def _src(self, s, bits=32):
        if s == "pins":
            return self._pins_read(self._in_base, bits)
        if s == "x":
            return self._x
        if s == "y":
            return self._y
        if s == "isr":
            return self._isr
        if s == "osr":
            return self._osr
        if s == "status":
            return 0xFFFFFFFF if not self._tx else 0
        return 0

    def _dest(self, d, v, bits=32):
        v &= 0xFFFFFFFF
        if d == "pins":
            if self._out_base is not None:
                self._pins_write(self._out_base, min(bits, self._out_count or bits), v)
        elif d == "x":
            self._x = v
        elif d == "y":
            self._y = v
        elif d == "null":
            pass
        elif d == "pindirs":
            if self._out_base is not None:
                self._pindirs_write(self._out_base, min(bits, self._out_count or bits), v)
        elif d == "pc":
            self._pc = v & 31
            return True
        elif d == "isr":
            self._isr = v
            self._isr_count = bits
        elif d == "osr":
            self._osr = v
            self._osr_count = 0
        else:
            raise PIOASMError("bad destination %s" % d)
        return False

    def _target(self, t):
        if isinstance(t, str):
            if t not in self._labels:
                raise PIOASMError("unknown label %s" % t)
            return self._labels[t]
        return t

    def _advance(self):
        self._pc = self._prog.wrap_target if self._pc == self._prog.wrap else self._pc + 1

    def _push(self):
        if len(self._rx) < self._rx_cap:
            _mpsim.notify()
            self._rx.append(self._isr & 0xFFFFFFFF)
            self._isr = 0
            self._isr_count = 0
            return True
        return False

    def _pull(self):
        if self._tx:
            _mpsim.notify()
            self._osr = self._tx.pop(0)
            self._osr_count = 0
            return True
        return False

    def _fifo_stall(self):
        self._stall = "fifo"
        return 0

    def _step(self):
        # One instruction; returns the cycles it took (0: stalled, it runs again later).
        ins = self._prog.instrs[self._pc]
        if ins.side_value is not None and self._side_base is not None:
            self._pins_write(self._side_base, self._side_count, ins.side_value)
        op, a = ins.op, ins.args
        jumped = False
        if op == "nop":
            pass
        elif op == "set":
            d, v = a[0], a[1] & 31
            if d == "pins":
                if self._set_base is not None:
                    self._pins_write(self._set_base, self._set_count or 1, v)
            elif d == "pindirs":
                if self._set_base is not None:
                    self._pindirs_write(self._set_base, self._set_count or 1, v)
            else:
                self._dest(d, v)
        elif op == "jmp":
            if len(a) == 1:
                cond, target = None, a[0]
            else:
                cond, target = a[0], a[1]
            take = True
            if cond == "not_x":
                take = self._x == 0
            elif cond == "x_dec":
                take = self._x != 0
                self._x = (self._x - 1) & 0xFFFFFFFF
            elif cond == "not_y":
                take = self._y == 0
            elif cond == "y_dec":
                take = self._y != 0
                self._y = (self._y - 1) & 0xFFFFFFFF
            elif cond == "x_not_y":
                take = self._x != self._y
            elif cond == "pin":
                take = self._jmp_pin is not None and _mpsim.pin_read(self._jmp_pin)
            elif cond == "not_osre":
                take = self._osr_count < self._pull_thresh
            if take:
                self._pc = self._target(target)
                jumped = True
        elif op == "wait":
            pol, src, idx = a[0], a[1], a[2]
            if src == "gpio":
                level = _mpsim.pin_read(idx)
            elif src == "pin":
                level = bool(self._pins_read(self._in_base, idx + 1) >> idx & 1)
            else:
                level = bool(_pios[self._id // 4]._irq_flags[0] >> idx & 1)
            if bool(level) != bool(pol):
                self._stall = "wait"
                return 0
            if src == "irq" and pol:
                _pios[self._id // 4]._irq_flags[0] &= ~(1 << idx)
        elif op == "in":
            src, bits = a[0], a[1]
            if self._autopush and self._isr_count >= self._push_thresh and not self._push():
                return self._fifo_stall()
            v = self._src(src, bits) & ((1 << bits) - 1 if bits < 32 else 0xFFFFFFFF)
            if self._in_right:
                self._isr = (self._isr >> bits) | (v << (32 - bits)) if bits < 32 else v
            else:
                self._isr = ((self._isr << bits) | v) & 0xFFFFFFFF
            self._isr_count = min(32, self._isr_count + bits)
            if self._autopush and self._isr_count >= self._push_thresh:
                self._push()
        elif op == "out":
            dest, bits = a[0], a[1]
            if self._autopull and self._osr_count >= self._pull_thresh and not self._pull():
                return self._fifo_stall()
            mask = (1 << bits) - 1 if bits < 32 else 0xFFFFFFFF
            if self._out_right:
                v = self._osr & mask
                self._osr = self._osr >> bits if bits < 32 else 0
            else:
                v = (self._osr >> (32 - bits)) & mask if bits < 32 else self._osr
                self._osr = (self._osr << bits) & 0xFFFFFFFF
            self._osr_count = min(32, self._osr_count + bits)
            jumped = self._dest(dest, v, bits)
        elif op == "push":
            cond = [v for v in a if v in ("iffull",)]
            blocking = "noblock" not in a
            if not cond or self._isr_count >= self._push_thresh:
                if not self._push():
                    if blocking:
                        return self._fifo_stall()
        elif op == "pull":
            cond = [v for v in a if v in ("ifempty",)]
            blocking = "noblock" not in a
            if not cond or self._osr_count >= self._pull_thresh:
                if not self._pull():
                    if blocking:
                        return self._fifo_stall()
                    self._osr = self._x
                    self._osr_count = 0
        elif op == "mov":
            dest, src = a[0], a[-1]
            mod = a[1] if len(a) == 3 else None
            v = self._src(src)
            if mod == "invert":
                v = ~v & 0xFFFFFFFF
            elif mod == "reverse":
                r = 0
                for _ in range(32):
                    r = (r << 1) | (v & 1)
                    v >>= 1
                v = r
            jumped = self._dest(dest, v)
        elif op == "irq":
            mode = a[0] if len(a) == 2 else None
            idx = a[-1]
            flags = _pios[self._id // 4]._irq_flags
            if mode == "clear":
                flags[0] &= ~(1 << idx)
            else:
                flags[0] |= 1 << idx
                h = _sm_irq.get(self._id)
                if h is not None:
                    _mpsim.schedule(h, self)
        elif op == "word":
            pass
        if not jumped:
            self._advance()
        return 1 + ins.delay

    # --- The FIFOs.
    def _wait(self, ready):
        # Blocks (timers and IRQs running) until the state machine moves a FIFO.
        while not ready():
            _mpsim.sleep_us(1 << 40, True)

    def put(self, value, shift=0):
        values = value if isinstance(value, (list, tuple, bytes, bytearray)) or hasattr(value, "__len__") \
            else (value,)
        for v in values:
            self._wait(lambda: len(self._tx) < self._tx_cap)
            self._tx.append((int(v) << shift) & 0xFFFFFFFF)
            self._kick()

    def get(self, buf=None, shift=0):
        if buf is None:
            self._wait(lambda: self._rx)
            v = self._rx.pop(0) >> shift
            self._kick()
            return v
        for i in range(len(buf)):
            self._wait(lambda: self._rx)
            buf[i] = self._rx.pop(0) >> shift
            self._kick()
        return buf

    def rx_fifo(self):
        return len(self._rx)

    def tx_fifo(self):
        return len(self._tx)

    def irq(self, handler=None, trigger=0, hard=False):
        _sm_irq[self._id] = handler

    def __repr__(self):
        return "StateMachine(%d)" % self._id


_sm_irq = {}


_BOOTSEL = [b[1] for b in _info["buttons"] if b[0] == "BOOTSEL"]


def bootsel_button():
    # 1 while the BOOTSEL button is held (the window's button, or --pin 100=0@TIME).
    return int(bool(_BOOTSEL) and not _mpsim.pin_read(_BOOTSEL[0]))


def country(code=None):
    if code is None:
        return _country[0]
    _country[0] = code


_country = ["XX"]
