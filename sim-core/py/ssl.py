# ssl: the CPython-like face of `tls` that the networking firmwares freeze (micropython-lib's
# python-stdlib/ssl): an SSLContext whose files are read from the board's filesystem, and the
# older ssl.wrap_socket(sock, key=, cert=, cert_reqs=, cadata=, …).
import tls
from tls import *


def _read(path_or_data):
    if isinstance(path_or_data, str):
        with open(path_or_data, "rb") as f:
            return f.read()
    return path_or_data


class SSLContext:
    def __init__(self, *args):
        self._context = tls.SSLContext(*args)
        # Unlike tls' context, this one leaves the peer unchecked until told otherwise.
        self._context.verify_mode = CERT_NONE

    def __repr__(self):
        return "<SSLContext>"

    @property
    def verify_mode(self):
        return self._context.verify_mode

    @verify_mode.setter
    def verify_mode(self, val):
        self._context.verify_mode = val

    def load_cert_chain(self, certfile, keyfile):
        certfile = _read(certfile)
        keyfile = _read(keyfile)
        self._context.load_cert_chain(certfile, keyfile)

    def load_verify_locations(self, cafile=None, cadata=None):
        if cafile:
            cadata = _read(cafile)
        self._context.load_verify_locations(cadata)

    def wrap_socket(self, sock, server_side=False, do_handshake_on_connect=True, server_hostname=None):
        return self._context.wrap_socket(
            sock,
            server_side=server_side,
            do_handshake_on_connect=do_handshake_on_connect,
            server_hostname=server_hostname,
        )


def wrap_socket(sock, server_side=False, key=None, cert=None, cert_reqs=CERT_NONE, cadata=None,
                server_hostname=None, do_handshake=True):
    ctx = SSLContext(PROTOCOL_TLS_SERVER if server_side else PROTOCOL_TLS_CLIENT)
    if cert or key:
        ctx.load_cert_chain(cert, key)
    if cadata:
        ctx.load_verify_locations(cadata=cadata)
    ctx.verify_mode = cert_reqs
    return ctx.wrap_socket(sock, server_side=server_side, do_handshake_on_connect=do_handshake,
                           server_hostname=server_hostname)
