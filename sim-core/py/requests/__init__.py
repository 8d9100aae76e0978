# requests (frozen in the networking boards' firmware: ESP8266, ESP32, Pico W): an HTTP/1.0
# client over the board's sockets, written for mpsim from the documented API and behaviour of
# micropython-lib's requests: request() and the method helpers, Response with status_code,
# reason, headers, content, text, json(), close(); redirects followed; chunked replies refused.
import socket

_REDIRECTS = (301, 302, 303, 307, 308)


class Response:
    def __init__(self, sock):
        self.raw = sock
        self.encoding = "utf-8"
        self._body = None

    def close(self):
        if self.raw is not None:
            self.raw.close()
            self.raw = None
        self._body = None

    @property
    def content(self):
        if self._body is None:
            sock = self.raw
            try:
                self._body = sock.read()
            finally:
                sock.close()
                self.raw = None
        return self._body

    @property
    def text(self):
        return str(self.content, self.encoding)

    def json(self):
        import json as _json

        return _json.loads(self.content)


def _split_url(url):
    # scheme://host[:port][/path] -> (scheme, host, port, path without its leading slash)
    parts = url.split("/", 3)
    if len(parts) < 3:
        raise ValueError("Unsupported protocol: " + parts[0])
    scheme, host = parts[0], parts[2]
    path = parts[3] if len(parts) > 3 else ""
    if scheme == "http:":
        port = 80
    elif scheme == "https:":
        port = 443
    else:
        raise ValueError("Unsupported protocol: " + scheme)
    if ":" in host:
        host, p = host.split(":", 1)
        port = int(p)
    return scheme, host, port, path


def _send_headers(sock, headers):
    for name, value in headers.items():
        sock.write(name)
        sock.write(b": ")
        sock.write(value)
        sock.write(b"\r\n")
    sock.write(b"\r\n")


def request(method, url, data=None, json=None, headers=None, stream=None, auth=None, timeout=None,
            parse_headers=True):
    headers = {} if headers is None else headers
    scheme, host, port, path = _split_url(url)
    if auth is not None:
        import binascii

        token = binascii.b2a_base64(("%s:%s" % auth).encode())[:-1]
        headers["Authorization"] = "Basic " + str(token, "ascii")
    if json is not None:
        if data is not None:
            raise ValueError("data and json both given")
        import json as _json

        data = _json.dumps(json)
        headers.setdefault("Content-Type", "application/json")
    streaming = data is not None and not isinstance(data, (bytes, bytearray, str)) and hasattr(data, "__next__")
    headers.setdefault("Host", host)
    if data:
        if streaming:
            headers["Transfer-Encoding"] = "chunked"
        else:
            headers.setdefault("Content-Length", str(len(data)))
    headers.setdefault("Connection", "close")

    family, kind, proto, _, addr = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
    sock = socket.socket(family, socket.SOCK_STREAM, proto)
    if timeout is not None:
        sock.settimeout(timeout)
    location = None
    try:
        sock.connect(addr)
        if scheme == "https:":
            import tls

            ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
            ctx.verify_mode = tls.CERT_NONE
            sock = ctx.wrap_socket(sock, server_hostname=host)
        sock.write(b"%s /%s HTTP/1.0\r\n" % (method, path))
        _send_headers(sock, headers)
        if data:
            if streaming:
                for piece in data:
                    sock.write(b"%x\r\n" % len(piece))
                    sock.write(piece)
                    sock.write(b"\r\n")
                sock.write(b"0\r\n\r\n")
            else:
                sock.write(data)

        status_line = sock.readline().split(None, 2)
        if len(status_line) < 2:
            raise ValueError("HTTP error: BadStatusLine:\n%s" % status_line)
        status = int(status_line[1])
        reason = status_line[2].rstrip() if len(status_line) > 2 else ""
        got = {} if parse_headers is not False else None
        while True:
            line = sock.readline()
            if not line or line == b"\r\n":
                break
            if line.startswith(b"Transfer-Encoding:") and b"chunked" in line:
                raise ValueError("Unsupported " + str(line, "utf-8"))
            if line.startswith(b"Location:") and not 200 <= status <= 299:
                if status not in _REDIRECTS:
                    raise NotImplementedError("Redirect %d not yet supported" % status)
                location = str(line[10:-2], "utf-8")
            if parse_headers is True:
                name, value = str(line, "utf-8").split(":", 1)
                got[name] = value.strip()
            elif parse_headers:
                parse_headers(line, got)
    except OSError:
        sock.close()
        raise

    if location:
        sock.close()
        if status in (301, 302, 303):
            return request("GET", location, None, None, headers, stream)
        return request(method, location, data, json, headers, stream)
    resp = Response(sock)
    resp.status_code = status
    resp.reason = reason
    if got is not None:
        resp.headers = got
    return resp


def head(url, **kw):
    return request("HEAD", url, **kw)


def get(url, **kw):
    return request("GET", url, **kw)


def post(url, **kw):
    return request("POST", url, **kw)


def put(url, **kw):
    return request("PUT", url, **kw)


def patch(url, **kw):
    return request("PATCH", url, **kw)


def delete(url, **kw):
    return request("DELETE", url, **kw)
