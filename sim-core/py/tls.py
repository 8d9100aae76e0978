# tls: TLS over a stream, the firmware's built-in module (mbedtls' surface; the ESP8266's is axTLS':
# CERT_NONE only, no CA certificates, TLS 1.2), on rustls through _mpsim_tls. The session's
# records travel over the wrapped stream by its own methods, so the socket's timeout, blocking
# mode and poll() rule as on the board. `ssl` (frozen from micropython-lib on the boards) is the
# CPython-like face of this module.
import _mpsim_net
import _mpsim_stream
import _mpsim_tls as _t

_spec = _mpsim_net.spec()
if _spec is None:
    raise ImportError("no module named 'tls'")
_AX = _spec["tls"] == "axtls"
del _spec

PROTOCOL_TLS_CLIENT = 0
PROTOCOL_TLS_SERVER = 1
CERT_NONE = 0
if not _AX:
    CERT_OPTIONAL = 1
    CERT_REQUIRED = 2
    MBEDTLS_VERSION = "Mbed TLS 3.6.2"

_RD = 0x0001
_WR = 0x0004
_NVAL = 0x0020
_EAGAIN = 11
_CHUNK = 16 * 1024 + 256


def _data(x):
    # Keys and certificates as the firmware takes them: a str or a buffer.
    if isinstance(x, str):
        return x.encode()
    if isinstance(x, (bytes, bytearray, memoryview)):
        return bytes(x)
    raise TypeError("can't convert '%s' object to str implicitly" % type(x).__name__)


def _ax_loads(d):
    # What axTLS' loader takes: PEM, or one DER SEQUENCE whose length is the data's.
    if b"-----BEGIN" in d:
        return True
    if len(d) < 2 or d[0] != 0x30:
        return False
    n = d[1]
    if n < 0x80:
        return 2 + n == len(d)
    k = n & 0x7F
    if k == 0 or k > 4 or len(d) < 2 + k:
        return False
    n = int.from_bytes(d[2:2 + k], "big")
    return 2 + k + n == len(d)


def _unix_now():
    # The board's RTC in seconds since 1970 (what the firmware's mbedtls checks validity with).
    import time
    t = time.time()
    y = time.gmtime(0)[0]
    days = 0
    for yy in range(1970, y):
        days += 366 if (yy % 4 == 0 and (yy % 100 != 0 or yy % 400 == 0)) else 365
    return t + days * 86400


class SSLContext:
    # No attributes beyond the firmware's.
    __slots__ = ("_server", "_verify", "_cadata", "_cert", "_key", "_ciphers")

    def __init__(self, protocol):
        if not isinstance(protocol, int):
            raise TypeError("can't convert %s to int" % type(protocol).__name__)
        self._server = protocol == PROTOCOL_TLS_SERVER
        # mbedtls: a client verifies the server by default, a server does not ask for a
        # client certificate.
        self._verify = 2 if not (self._server or _AX) else CERT_NONE
        self._cadata = []
        self._cert = None
        self._key = None
        self._ciphers = None

    def __repr__(self):
        return "<SSLContext>"

    @property
    def verify_mode(self):
        return self._verify

    @verify_mode.setter
    def verify_mode(self, value):
        if not isinstance(value, int):
            raise TypeError("can't convert %s to int" % type(value).__name__)
        if not _AX:
            self._verify = value

    def load_cert_chain(self, certfile, keyfile):
        key = _data(keyfile)
        if not _AX:
            _t.check_key(key)
        elif not _ax_loads(key):
            raise ValueError("invalid key")
        cert = _data(certfile)
        if not _AX:
            _t.check_cert(cert)
        elif not _ax_loads(cert):
            raise ValueError("invalid cert")
        self._cert, self._key = cert, key

    def load_verify_locations(self, cadata):
        d = _data(cadata)
        _t.check_cert(d)
        self._cadata.append(d)

    def get_ciphers(self):
        return _t.ciphers(_AX)

    def set_ciphers(self, ciphersuite):
        if not isinstance(ciphersuite, (list, tuple)):
            raise TypeError("object '%s' isn't a tuple or list" % type(ciphersuite).__name__)
        names = []
        known = _t.ciphers(_AX)
        for c in ciphersuite:
            if not isinstance(c, str):
                raise TypeError("can't convert '%s' object to str implicitly" % type(c).__name__)
            if c not in known:
                raise OSError(-0x5E80, "MBEDTLS_ERR_SSL_BAD_CONFIG")
            names.append(c)
        if not names:
            raise OSError(-0x5E80, "MBEDTLS_ERR_SSL_BAD_CONFIG")
        self._ciphers = names

    def wrap_socket(self, sock, server_side=False, do_handshake_on_connect=True, server_hostname=None):
        return SSLSocket(self, sock, server_side, do_handshake_on_connect, server_hostname)


if _AX:
    # axTLS' context has neither CA certificates nor a choice of suites.
    del SSLContext.load_verify_locations
    del SSLContext.get_ciphers
    del SSLContext.set_ciphers


class SSLSocket(_mpsim_stream.Reads):
    def __init__(self, ctx, sock, server_side, handshake, hostname):
        self._s = None
        self._sock = None
        if hostname is not None and not isinstance(hostname, str):
            raise TypeError("can't convert '%s' object to str implicitly" % type(hostname).__name__)
        if hostname is None and not server_side and ctx._verify == 2:
            raise ValueError("CERT_REQUIRED requires server_hostname")
        key = ctx._key if (ctx._cert is not None) else None
        self._s = _t.session(
            bool(server_side), ctx._verify, ctx._cadata, ctx._cert, key, hostname,
            _unix_now(), _AX, ctx._ciphers,
        )
        # A board socket is read with recv() (what has arrived); another stream with readinto().
        self._board = getattr(sock, "_net", False)
        # select/poll wait on the network for it as for its socket.
        self._net = self._board
        self._out = b""
        self._mask = 0
        self._sock = sock
        if handshake:
            try:
                while self._s.handshaking():
                    self._push()
                    if not self._s.handshaking():
                        break
                    self._pull()
                self._push()
            except BaseException:
                self._s = None
                self._sock = None
                raise

    def __repr__(self):
        return "<SSLSocket>"

    def _live(self):
        if self._s is None:
            raise OSError(9)
        self._s.reraise()

    def _push(self):
        # Hands the stream what the session has for the peer: False when it would block.
        if not self._out:
            self._out = self._s.take()
        while self._out:
            n = self._sock.write(self._out)
            if n is None:
                return False
            self._out = self._out[n:]
            if not self._out:
                self._out = self._s.take()
        return True

    def _pull(self):
        # Feeds the session what the stream has (its end: b""): False when it would block.
        try:
            if self._board:
                b = self._sock.recv(_CHUNK)
            else:
                buf = bytearray(_CHUNK)
                n = self._sock.readinto(buf)
                b = None if n is None else bytes(buf[:n])
        except OSError as e:
            if e.errno == _EAGAIN:
                return False
            raise
        if b is None:
            return False
        try:
            self._s.feed(b)
        except Exception:
            # The alert that tells the peer why goes out before the error is raised.
            try:
                self._push()
            except OSError:
                pass
            raise
        return True

    def _read_some(self, n):
        # One read as the firmware's stream does it: data, b"" at the end, None if it would block.
        self._live()
        self._mask = 0
        if n <= 0:
            return b""
        while True:
            d = self._s.read(n)
            if d is not None:
                return d
            if not self._push():
                self._mask = _WR
                return None
            if not self._pull():
                return None

    def read(self, size=-1):
        if size is None or size < 0:
            parts = []
            while True:
                d = self._read_some(_CHUNK)
                if d is None:
                    return b"".join(parts) if parts else None
                if not d:
                    return b"".join(parts)
                parts.append(d)
        parts = []
        got = 0
        while got < size:
            d = self._read_some(size - got)
            if d is None:
                if not parts:
                    return None
                break
            if not d:
                break
            parts.append(d)
            got += len(d)
        return b"".join(parts)

    def write(self, buf, *args):
        self._live()
        self._mask = 0
        data = buf.encode() if isinstance(buf, str) else bytes(buf)
        if args:
            data = data[args[0] : args[0] + args[1]] if len(args) > 1 else data[: args[0]]
        # The handshake comes first (mbedtls_ssl_write() drives it).
        while self._s.handshaking():
            if not self._push():
                self._mask = _WR
                return None
            if not self._s.handshaking():
                break
            if not self._pull():
                self._mask = _RD
                return None
        n = self._s.write(data)
        self._push()
        return n

    def setblocking(self, flag):
        return self._sock.setblocking(flag)

    def close(self):
        if self._s is None:
            return
        self._s = None
        s, self._sock = self._sock, None
        if s is None:
            return
        # The stream under it closes as the firmware closes it: through its ioctl.
        if self._board or not hasattr(s, "ioctl"):
            s.close()
        else:
            s.ioctl(4, 0)

    __del__ = close

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def ioctl(self, req, arg):
        # MP_STREAM_POLL (3) and MP_STREAM_CLOSE (4) as the firmware's SSL stream answers them.
        if req == 4:
            self.close()
            return 0
        if req != 3:
            raise OSError(22)
        if self._s is None or self._s.failed():
            return _NVAL
        saved = 0
        if self._mask and (arg & (_RD | _WR)):
            saved = arg & (_RD | _WR)
            arg = (arg & ~saved) | self._mask
        ret = 0
        if arg & _RD and self._s.pending():
            ret |= _RD
            if arg == _RD:
                return _RD
        r = self._sock.ioctl(3, arg)
        ret |= r or 0
        if ret & self._mask:
            ret |= saved
        return ret

    def getpeercert(self, binary_form=False):
        if not binary_form:
            raise NotImplementedError
        self._live()
        return self._s.peercert()

    def cipher(self):
        self._live()
        return self._s.cipher()


if _AX:
    del SSLSocket.getpeercert
    del SSLSocket.cipher
