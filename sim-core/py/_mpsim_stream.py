# What the firmware's streams build on their read (mp_stream_readinto, mp_stream_unbuffered_readline),
# for stream classes written in Python: `read(n)` gives up to n bytes, b"" at the end, None when
# nothing has arrived on a non-blocking stream.


class Reads:
    def readinto(self, buf, n=-1):
        m = memoryview(buf).cast("B")
        if n is None or n < 0 or n > len(m):
            n = len(m)
        b = self.read(n)
        if b is None:
            return None
        m[: len(b)] = b
        return len(b)

    def readline(self, limit=-1):
        out = b""
        while limit < 0 or len(out) < limit:
            b = self.read(1)
            if b is None:
                return out if out else None
            if not b:
                break
            out += b
            if b == b"\n":
                break
        return out
