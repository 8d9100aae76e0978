# ssl/ussl: TLS is not simulated (yet). Creating a context works; wrapping a socket says so
# clearly instead of handing the script a socket that cannot talk.
PROTOCOL_TLS_CLIENT = 0
PROTOCOL_TLS_SERVER = 1
CERT_NONE = 0
CERT_OPTIONAL = 1
CERT_REQUIRED = 2
MBEDTLS_VERSION = "mpsim (no TLS)"


def _refuse():
    raise OSError("TLS is not supported by mpsim; use a plain socket (http://, mqtt on 1883)")


class SSLContext:
    def __init__(self, protocol=PROTOCOL_TLS_CLIENT):
        self.protocol = protocol
        self.verify_mode = CERT_NONE

    def load_cert_chain(self, certfile, keyfile=None):
        pass

    def load_verify_locations(self, cafile=None, cadata=None):
        pass

    def set_ciphers(self, ciphers):
        pass

    def wrap_socket(self, sock, server_side=False, do_handshake_on_connect=True, server_hostname=None):
        _refuse()


def wrap_socket(sock, *args, **kwargs):
    _refuse()
