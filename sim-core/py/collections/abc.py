# The few abstract base classes the interpreter's own native modules register with (array.array).


class _ABC:
    _registry = ()

    @classmethod
    def register(cls, sub):
        cls._registry = cls._registry + (sub,)
        return sub


class Iterable(_ABC):
    pass


class Sequence(_ABC):
    pass


class MutableSequence(Sequence):
    pass


class Mapping(_ABC):
    pass


class MutableMapping(Mapping):
    pass
