# re/ure: regular expressions (the board's subset and then some), matched by the simulator's engine.
import _mpsim

IGNORECASE = I = 1
MULTILINE = M = 2
# No DEBUG: the boards' firmware is built without MICROPY_PY_RE_DEBUG.


# MicroPython raises ValueError for a bad pattern; `re.error` names it for portable code.
error = ValueError


class Match:
    def __init__(self, re, s, spans, is_str):
        self.re = re
        self.string = s
        self._spans = spans
        self._str = is_str
        self._b = s.encode() if is_str else s
        self.pos = 0

    def group(self, *idx):
        if not idx:
            idx = (0,)
        out = []
        for i in idx:
            if not 0 <= i < len(self._spans):
                raise IndexError("no such group")
            a, b = self._spans[i]
            if a < 0:
                out.append(None)
            else:
                v = self._b[a:b]
                out.append(v.decode() if self._str else v)
        return out[0] if len(out) == 1 else tuple(out)

    def __getitem__(self, i):
        return self.group(i)

    def groups(self, default=None):
        return tuple(default if g is None else g for g in (self.group(i) for i in range(1, len(self._spans))))

    def _pos(self, a):
        return len(self._b[:a].decode()) if self._str and a >= 0 else a

    def start(self, i=0):
        return self._pos(self._spans[i][0])

    def end(self, i=0):
        return self._pos(self._spans[i][1])

    def span(self, i=0):
        return (self.start(i), self.end(i))

    def __repr__(self):
        return "<match num=%d>" % len(self._spans)


def _layout(p):
    # Lays the pattern out as the firmware's engine (re1.5) compiles it, counting bytes only:
    # whether every offset it stores fits its signed byte (classes of at most 127 ranges, at most
    # 63 groups, jumps of at most 127 bytes), and whether a loop repeats something that can match
    # empty (the engine then recurses until the stack ends). None for a pattern it cannot compile.
    n = len(p)
    state = {"ok": True, "sub": 0, "loops": False}

    def fits(v):
        if not -128 <= v <= 127:
            state["ok"] = False

    def seq(i, pc):
        start = term = pc
        alt = 0
        # Whether each term of the current alternative can match empty; whether one finished
        # alternative can.
        terms = []
        any_empty = False
        while i < n and p[i] != ")":
            c = p[i]
            nxt = p[i + 1] if i + 1 < n else ""
            if c == "\\":
                i += 1
                if i >= n:
                    return None
                term, pc = pc, pc + 2
                terms.append(False)
            elif c == ".":
                term, pc = pc, pc + 1
                terms.append(False)
            elif c == "[":
                term = pc
                i += 1
                if i < n and p[i] == "^":
                    i += 1
                pc += 2
                cnt = 0
                while i < n and p[i] != "]":
                    if p[i] == "\\":
                        i += 1
                    if i >= n:
                        return None
                    if i + 2 < n and p[i + 1] == "-" and p[i + 2] != "]":
                        i += 2
                    pc += 2
                    cnt += 1
                    i += 1
                if i >= n:
                    return None
                fits(cnt)
                terms.append(False)
            elif c == "(":
                term = pc
                capture = p[i + 1:i + 3] != "?:"
                if capture:
                    state["sub"] += 1
                    sub = state["sub"]
                    pc += 2
                    fits(2 * sub)
                else:
                    i += 2
                r = seq(i + 1, pc)
                if r is None:
                    return None
                i, pc, inner_empty = r
                terms.append(inner_empty)
                if i >= n:
                    return None
                if capture:
                    pc += 2
                    fits(2 * sub + 1)
            elif c in "?*+":
                if pc == term:
                    return None
                # A greedy loop tries its body again before anything else: over an empty match it
                # never stops (a lazy one may get out first).
                if c != "?" and terms[-1] and nxt != "?":
                    state["loops"] = True
                if c == "?":
                    pc += 2
                    fits(pc - term - 2)
                    terms[-1] = True
                elif c == "*":
                    pc += 2
                    fits(term - pc - 2)
                    pc += 2
                    fits(pc - term - 2)
                    terms[-1] = True
                else:
                    fits(term - pc - 2)
                    pc += 2
                if nxt == "?":
                    i += 1
                term = pc
                i += 1
                continue
            elif c == "|":
                if alt:
                    fits(pc - alt - 1)
                pc += 2
                alt = pc + 1
                pc += 2
                fits(pc - start - 2)
                term = pc
                any_empty = any_empty or all(terms)
                terms = []
                i += 1
                continue
            elif c in "^$":
                pc += 1
                term = pc
                i += 1
                continue
            else:
                term, pc = pc, pc + 2
                terms.append(False)
            i += 1
        if alt:
            fits(pc - alt - 1)
        return i, pc, all(terms) or any_empty

    if seq(0, 0) is None or not state["ok"]:
        return None
    return state["loops"]


class Pattern:
    def __init__(self, pattern, flags=0):
        if isinstance(pattern, (bytes, bytearray)):
            pattern = bytes(pattern).decode()
        loops = _layout(pattern)
        if loops is None:
            raise ValueError("Error in regex")
        self.pattern = pattern
        self.flags = flags
        self._loops = loops
        self._h = _mpsim.re_compile(pattern, flags & 3)

    def _exec(self, s, pos, anchored, endpos=None):
        if self._loops:
            # The firmware's engine recurses without end on a loop over something empty.
            raise RuntimeError("maximum recursion depth exceeded")
        is_str = isinstance(s, str)
        b = s.encode() if is_str else bytes(s)
        # As the firmware: pos and endpos are clamped to the subject; `^` still means its start.
        pos = min(max(pos, 0), len(s))
        if is_str and pos:
            pos = len(s[:pos].encode())
        if endpos is not None:
            endpos = min(max(endpos, 0), len(s))
            if is_str:
                endpos = len(s[:endpos].encode())
            b = b[:max(endpos, pos)]
        spans = _mpsim.re_exec(self._h, b, pos, anchored)
        if spans is None:
            return None
        return Match(self, s, spans, is_str)

    def match(self, s, pos=0, endpos=None):
        return self._exec(s, pos, True, endpos)

    def search(self, s, pos=0, endpos=None):
        return self._exec(s, pos, False, endpos)

    def fullmatch(self, s):
        m = self._exec(s, 0, True)
        if m is not None and m._spans[0][1] == len(m._b):
            return m
        return None

    def _iter(self, s):
        if self._loops:
            raise RuntimeError("maximum recursion depth exceeded")
        is_str = isinstance(s, str)
        b = s.encode() if is_str else bytes(s)
        pos = 0
        while pos <= len(b):
            spans = _mpsim.re_exec(self._h, b, pos, False)
            if spans is None:
                return
            yield Match(self, s, spans, is_str)
            a, e = spans[0]
            pos = e if e > a else e + 1

    def finditer(self, s):
        return self._iter(s)

    def findall(self, s):
        out = []
        for m in self._iter(s):
            n = len(m._spans) - 1
            if n == 0:
                out.append(m.group(0))
            elif n == 1:
                out.append(m.group(1))
            else:
                out.append(m.groups(""))
        return out

    def split(self, s, maxsplit=0):
        # The firmware's split: stops at the first empty match, and has no sub-captures.
        if self._loops:
            raise RuntimeError("maximum recursion depth exceeded")
        out = []
        is_str = isinstance(s, str)
        b = s.encode() if is_str else bytes(s)
        last = 0
        while True:
            spans = _mpsim.re_exec(self._h, b, last, False)
            if spans is None or spans[0][0] == spans[0][1]:
                break
            piece = b[last:spans[0][0]]
            out.append(piece.decode() if is_str else piece)
            if len(spans) > 1:
                raise NotImplementedError("splitting with sub-captures")
            last = spans[0][1]
            if maxsplit > 0:
                maxsplit -= 1
                if maxsplit == 0:
                    break
        piece = b[last:]
        out.append(piece.decode() if is_str else piece)
        return out

    def sub(self, repl, s, count=0):
        out = []
        last = 0
        is_str = isinstance(s, str)
        b = s.encode() if is_str else s
        n = 0
        for m in self._iter(s):
            a, e = m._spans[0]
            out.append(b[last:a].decode() if is_str else b[last:a])
            out.append(repl(m) if callable(repl) else _expand(m, repl))
            last = e
            n += 1
            if count and n >= count:
                break
        out.append(b[last:].decode() if is_str else b[last:])
        return ("" if is_str else b"").join(out)

    def __repr__(self):
        return "<re %r>" % self.pattern


def _expand(m, repl):
    is_str = isinstance(repl, str)
    t = repl if is_str else bytes(repl).decode()

    def grp(n):
        g = m.group(n)
        if g is None:
            return ""
        return g if isinstance(g, str) else g.decode()

    out = []
    i = 0
    while i < len(t):
        c = t[i]
        if c == "\\" and i + 1 < len(t):
            d = t[i + 1]
            if d.isdigit():
                j = i + 1
                while j < len(t) and t[j].isdigit():
                    j += 1
                out.append(grp(int(t[i + 1:j])))
                i = j
                continue
            if d == "g" and t[i + 2:i + 3] == "<":
                j = t.index(">", i)
                out.append(grp(int(t[i + 3:j])))
                i = j + 1
                continue
            out.append({"n": "\n", "r": "\r", "t": "\t", "\\": "\\"}.get(d, "\\" + d))
            i += 2
            continue
        out.append(c)
        i += 1
    r = "".join(out)
    return r if is_str else r.encode()


def compile(pattern, flags=0):
    if isinstance(pattern, Pattern):
        return pattern
    return Pattern(pattern, flags)


def match(pattern, s, flags=0):
    return compile(pattern, flags).match(s)


def search(pattern, s, flags=0):
    return compile(pattern, flags).search(s)


def fullmatch(pattern, s, flags=0):
    return compile(pattern, flags).fullmatch(s)


def sub(pattern, repl, s, count=0, flags=0):
    return compile(pattern, flags).sub(repl, s, count)


def split(pattern, s, maxsplit=0, flags=0):
    return compile(pattern, flags).split(s, maxsplit)


def findall(pattern, s, flags=0):
    return compile(pattern, flags).findall(s)


def finditer(pattern, s, flags=0):
    return compile(pattern, flags).finditer(s)
