# hashlib/uhashlib: the interpreter's digests, used as the firmware's are used: once digest()
# was called, the object is finished (another digest() or update() is ValueError).
import _hashlib  # noqa: F401  (defines the hash types the modules below return)
from _sha256 import sha256 as _sha256
from _sha1 import sha1 as _sha1
from _md5 import md5 as _md5


class _Hash:
    def __init__(self, make, data=None):
        self._h = make()
        self._done = False
        if data is not None:
            self.update(data)

    def update(self, data):
        if self._done:
            raise ValueError("hash is final")
        self._h.update(data)

    def digest(self):
        if self._done:
            raise ValueError("hash is final")
        self._done = True
        return self._h.digest()


class sha256(_Hash):
    def __init__(self, data=None):
        _Hash.__init__(self, _sha256, data)


class sha1(_Hash):
    def __init__(self, data=None):
        _Hash.__init__(self, _sha1, data)


class md5(_Hash):
    def __init__(self, data=None):
        _Hash.__init__(self, _md5, data)
