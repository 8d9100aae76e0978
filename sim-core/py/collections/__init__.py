# collections/ucollections: namedtuple, deque, OrderedDict.
from _collections import deque as _deque, OrderedDict as _OrderedDict


class deque(_deque):
    # The firmware's deque: the length is required; flags=1 makes a full one refuse to grow
    # (IndexError 'full') where it would otherwise drop from the other end; items cannot be
    # deleted by index.
    def __new__(cls, iterable, maxlen, flags=0):
        return _deque.__new__(cls)

    def __init__(self, iterable, maxlen, flags=0):
        _deque.__init__(self, iterable, maxlen)
        self._strict = bool(flags & 1)

    def append(self, x):
        if self._strict and len(self) == self.maxlen:
            raise IndexError("full")
        _deque.append(self, x)

    def appendleft(self, x):
        if self._strict and len(self) == self.maxlen:
            raise IndexError("full")
        _deque.appendleft(self, x)

    def pop(self):
        if not self:
            raise IndexError("empty")
        return _deque.pop(self)

    def popleft(self):
        if not self:
            raise IndexError("empty")
        return _deque.popleft(self)

    def __delitem__(self, i):
        raise TypeError("'deque' object doesn't support item deletion")


class OrderedDict(_OrderedDict):
    # Printed as the firmware prints it, the same for an empty one: OrderedDict({}).
    def __repr__(self):
        return "OrderedDict(" + repr(dict(self)) + ")"


def namedtuple(name, fields):
    if isinstance(fields, str):
        fields = fields.replace(",", " ").split()
    fields = tuple(fields)

    def __new__(cls, *args, **kw):
        if len(args) + len(kw) != len(fields):
            raise TypeError("function takes %d positional arguments but %d were given"
                            % (len(fields), len(args) + len(kw)))
        vals = list(args)
        for f in fields[len(args):]:
            if f not in kw:
                raise TypeError("function missing required argument '%s'" % f)
            vals.append(kw[f])
        return tuple.__new__(cls, vals)

    def __repr__(self):
        return name + "(" + ", ".join("%s=%r" % (f, v) for f, v in zip(fields, self)) + ")"

    def _asdict(self):
        return OrderedDict(zip(fields, self))

    def _replace(self, **kw):
        return type(self)(*[kw.get(f, v) for f, v in zip(fields, self)])

    ns = {"__new__": __new__, "__repr__": __repr__, "_fields": fields, "_asdict": _asdict,
          "_replace": _replace, "__slots__": ()}
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: tuple.__getitem__(self, i))
    return type(name, (tuple,), ns)
