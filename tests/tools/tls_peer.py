"""The host's end of the TLS tests (tests/net.rs), on Python's own ssl module.

server CERT KEY [--conns N] [--body N] [--client-ca CA] [--tls12]
    Listens on 127.0.0.1, prints its port, then serves N connections: reads an HTTP request,
    answers 200 with a body of N bytes (or "hello over tls"), sends close_notify, and prints one
    line per connection: "request <first line> <version> sni <server name>" or "error <reason>".
client PORT CA HOSTNAME LINE...
    Connects (verifying the board's certificate against CA for HOSTNAME), sends each LINE and
    prints what comes back; then "done".
"""
import socket
import ssl
import sys


def opt(args, name, default=None):
    if name in args:
        return args[args.index(name) + 1]
    return default


def close_notify(t):
    # The end of the stream as TLS says it: the board reads b"" (without it, the connection's end
    # is the firmware's CONN_EOF error). The boards close without answering it.
    try:
        t.unwrap()
    except (OSError, ssl.SSLError):
        pass


def server(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args[0], args[1])
    ca = opt(args, "--client-ca")
    if ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(ca)
    if "--tls12" in args:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    # The name the client asked for (SNI), None without one.
    sni = []
    ctx.sni_callback = lambda sock, name, c: sni.append(name)
    size = opt(args, "--body")
    body = b"x" * int(size) if size else b"hello over tls"
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    print(s.getsockname()[1], flush=True)
    for _ in range(int(opt(args, "--conns", "1"))):
        c, _ = s.accept()
        c.settimeout(30)
        try:
            t = ctx.wrap_socket(c, server_side=True)
            req = b""
            while b"\r\n\r\n" not in req:
                d = t.recv(4096)
                if not d:
                    break
                req += d
            line = req.split(b"\r\n")[0].decode()
            t.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            print("request", line, t.version(), "sni", sni[-1] if sni else None, flush=True)
            close_notify(t)
        except (OSError, ssl.SSLError) as e:
            print("error", getattr(e, "reason", None) or e.__class__.__name__, flush=True)
        finally:
            c.close()


def client(args):
    port, ca, host = int(args[0]), args[1], args[2]
    ctx = ssl.create_default_context(cafile=ca)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
            with ctx.wrap_socket(raw, server_hostname=host) as t:
                print("version", t.version(), flush=True)
                f = t.makefile("rwb")
                for line in args[3:]:
                    f.write(line.encode() + b"\n")
                    f.flush()
                    print("got", f.readline().decode().strip(), flush=True)
                f.close()
                close_notify(t)
    except (OSError, ssl.SSLError) as e:
        print("error", getattr(e, "reason", None) or e.__class__.__name__, flush=True)
        return
    print("done", flush=True)


if __name__ == "__main__":
    {"server": server, "client": client}[sys.argv[1]](sys.argv[2:])
