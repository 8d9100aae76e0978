# cryptolib: AES as the firmware's module (docs: library/cryptolib), ECB and CBC with 128- or
# 256-bit keys. The ports mpsim models build without CTR (MICROPY_PY_CRYPTOLIB_CTR), so mode 6
# is refused as there. The blocks run natively (_mpsim.aes_blocks).
import _mpsim

MODE_ECB = 1
MODE_CBC = 2


def _buffer(obj, write=False):
    try:
        m = memoryview(obj)
    except TypeError:
        raise TypeError("object with buffer protocol required") from None
    if write and m.readonly:
        raise TypeError("object with buffer protocol required")
    return m


class aes:
    def __init__(self, key, mode, IV=None):
        mode = int(mode)
        if mode not in (MODE_ECB, MODE_CBC):
            raise ValueError("mode")
        key = bytes(_buffer(key))
        if len(key) not in (16, 32):
            raise ValueError("key")
        if IV is not None:
            IV = bytes(_buffer(IV))
            if len(IV) != 16:
                raise ValueError("IV")
        elif mode == MODE_CBC:
            raise ValueError("IV")
        self._key = key
        self._mode = mode
        self._iv = IV
        # Fixed by the first call: a key schedule is made for one direction only.
        self._encrypting = None

    def _process(self, data, out, encrypt):
        data = bytes(_buffer(data))
        if len(data) % 16:
            raise ValueError("blksize % 16")
        if out is not None:
            target = _buffer(out, True)
            if len(target) * target.itemsize < len(data):
                raise ValueError("output too small")
        if self._encrypting is None:
            self._encrypting = encrypt
        elif self._encrypting != encrypt:
            raise ValueError("can't encrypt & decrypt")
        if self._mode == MODE_CBC:
            result = _mpsim.aes_blocks(self._key, data, encrypt, self._iv)
            result, self._iv = result[:-16], result[-16:]
        else:
            result = _mpsim.aes_blocks(self._key, data, encrypt, None)
        if out is None:
            return result
        target.cast("B")[: len(result)] = result
        return out

    def encrypt(self, data, out=None):
        return self._process(data, out, True)

    def decrypt(self, data, out=None):
        return self._process(data, out, False)
