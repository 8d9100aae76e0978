# os.dupterm: a Python stream as a second terminal (output mirrored, input merged), then removed.
import os
import sys


class Terminal:
    def __init__(self, typed):
        self.seen = bytearray()
        self.typed = bytearray(typed)

    def write(self, b):
        self.seen += b
        return len(b)

    def readinto(self, buf):
        if not self.typed:
            return None
        n = min(len(buf), len(self.typed))
        buf[:n] = self.typed[:n]
        self.typed = self.typed[n:]
        return n


t = Terminal(b"xyz")
print(os.dupterm(t))
print("mirrored")
print(sys.stdin.read(3))
print(os.dupterm(None) is t)
print("not mirrored")
print(bytes(t.seen))


class Broken(Terminal):
    def write(self, b):
        raise OSError(5)


os.dupterm(Broken(b""))
print("this line breaks it")
print("and this one goes to the console only")
print(os.dupterm(None))
