# json/ujson: dumps/loads/dump/load with MicroPython's separators (", " and ": ").


def _esc(s):
    out = ['"']
    for c in s:
        o = ord(c)
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7F:
            out.append("\\u%04x" % o)
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def _enc(o, out, seps):
    if o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif isinstance(o, str):
        out.append(_esc(o))
    elif isinstance(o, (bytes, bytearray)):
        # The firmware prints bytes as a JSON string of their characters.
        out.append(_esc(str(o, "latin-1")))
    elif isinstance(o, int):
        out.append(str(int(o)))
    elif isinstance(o, float):
        out.append(repr(o))
    elif isinstance(o, (list, tuple)):
        out.append("[")
        first = True
        for v in o:
            if not first:
                out.append(seps[0])
            first = False
            _enc(v, out, seps)
        out.append("]")
    elif isinstance(o, dict):
        out.append("{")
        first = True
        for k, v in o.items():
            if not first:
                out.append(seps[0])
            first = False
            if isinstance(k, str):
                out.append(_esc(k))
            else:
                # Any other key is its JSON text in quotes: {"null": 1}, {"1": 2}.
                key = []
                _enc(k, key, seps)
                key = "".join(key)
                out.append(key if key.startswith('"') else '"' + key + '"')
            out.append(seps[1])
            _enc(v, out, seps)
        out.append("}")
    else:
        raise TypeError("%s object is not JSON serializable" % type(o).__name__)


def _seps(separators):
    if separators is None:
        return (", ", ": ")
    # The firmware unpacks exactly two separators out of any sequence.
    if not isinstance(separators, (tuple, list)):
        raise TypeError("object '%s' isn't a tuple or list" % type(separators).__name__)
    if len(separators) != 2:
        raise ValueError("requested length 2 but object has length %d" % len(separators))
    return separators


def dumps(obj, separators=None):
    out = []
    _enc(obj, out, _seps(separators))
    return "".join(out)


def dump(obj, stream, separators=None):
    stream.write(dumps(obj, separators))


class _P:
    def __init__(self, s):
        self.s = s
        self.i = 0

    def err(self):
        raise ValueError("syntax error in JSON")

    def ws(self):
        s, i, n = self.s, self.i, len(self.s)
        while i < n and s[i] in " \t\r\n":
            i += 1
        self.i = i

    def value(self):
        self.ws()
        s, i = self.s, self.i
        if i >= len(s):
            self.err()
        c = s[i]
        if c == "{":
            self.i += 1
            d = {}
            self.ws()
            if self.s[self.i:self.i + 1] == "}":
                self.i += 1
                return d
            while True:
                self.ws()
                if self.s[self.i:self.i + 1] != '"':
                    self.err()
                k = self.string()
                self.ws()
                if self.s[self.i:self.i + 1] != ":":
                    self.err()
                self.i += 1
                d[k] = self.value()
                self.ws()
                c = self.s[self.i:self.i + 1]
                self.i += 1
                if c == "}":
                    return d
                if c != ",":
                    self.err()
        if c == "[":
            self.i += 1
            a = []
            self.ws()
            if self.s[self.i:self.i + 1] == "]":
                self.i += 1
                return a
            while True:
                a.append(self.value())
                self.ws()
                c = self.s[self.i:self.i + 1]
                self.i += 1
                if c == "]":
                    return a
                if c != ",":
                    self.err()
        if c == '"':
            return self.string()
        for word, val in (("null", None), ("true", True), ("false", False)):
            if s.startswith(word, i):
                self.i += len(word)
                return val
        j = i
        while j < len(s) and s[j] in "+-0123456789.eE":
            j += 1
        if j == i:
            self.err()
        num = s[i:j]
        self.i = j
        try:
            if "." in num or "e" in num or "E" in num:
                return float(num)
            return int(num)
        except ValueError:
            self.err()

    def string(self):
        s = self.s
        i = self.i + 1
        out = []
        while True:
            j = i
            while j < len(s) and s[j] != '"' and s[j] != "\\":
                j += 1
            out.append(s[i:j])
            if j >= len(s):
                self.err()
            if s[j] == '"':
                self.i = j + 1
                return "".join(out)
            e = s[j + 1:j + 2]
            if e == "u":
                out.append(chr(int(s[j + 2:j + 6], 16)))
                i = j + 6
            else:
                m = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
                if e not in m:
                    self.err()
                out.append(m[e])
                i = j + 2


def loads(s):
    if isinstance(s, (bytes, bytearray)):
        s = s.decode()
    p = _P(s)
    v = p.value()
    p.ws()
    if p.i != len(s):
        p.err()
    return v


def load(stream):
    return loads(stream.read())
