# mpsim: --board esp8266
# The ESP8266's axTLS takes a key and a certificate it can load (DER or PEM) and refuses others
# with the firmware's errors, key first; a missing certificate is a TypeError
# (MicroPython's extmod/ssl_keycert.py).
import io
import ssl

der = b"\x30\x03\x02\x01\x00"
for key, cert in ((b"!", None), (der, None), (der, b"!")):
    try:
        ssl.wrap_socket(io.BytesIO(), key=key, cert=cert, do_handshake=False)
        print("accepted")
    except (ValueError, TypeError) as e:
        print(repr(e))
