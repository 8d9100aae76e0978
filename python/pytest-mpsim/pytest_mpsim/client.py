"""The client side of `mpsim drive` (docs/drive-protocol.md): one JSON object per line each way."""

import json
import os
import shutil
import subprocess


class MpsimError(Exception):
    """mpsim could not do what was asked (a bad request, a board that is gone)."""


class MpsimFailure(AssertionError):
    """A step's expectation did not hold (its message has the boards' state)."""


def _binary(path=None):
    path = path or os.environ.get("MPSIM_BIN") or shutil.which("mpsim")
    if not path:
        raise MpsimError("mpsim is not on PATH: install it, or give --mpsim-bin / MPSIM_BIN")
    return path


class Sim:
    """One `mpsim drive` process: the boards of one setup on one simulated clock."""

    def __init__(self, setup, binary=None, cwd=None):
        self._proc = subprocess.Popen(
            [_binary(binary), "drive"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=cwd,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        reply = self._ask({"start": setup})
        self.ids = reply["boards"]
        self.boards = {i: Board(self, i if len(self.ids) > 1 else None, i) for i in self.ids}

    def _ask(self, request):
        if self._proc.poll() is not None:
            raise MpsimError("the mpsim process has ended")
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise MpsimError("mpsim ended without answering %r" % (request,))
        reply = json.loads(line)
        if not reply.get("ok"):
            text = reply.get("message", "")
            if reply.get("state"):
                text += "\n" + reply["state"]
            if reply.get("kind") == "fail":
                raise MpsimFailure(text)
            raise MpsimError("%s: %s" % (reply.get("kind"), text))
        return reply

    @property
    def time_us(self):
        """Simulated time now, in microseconds."""
        return self._ask({"now": {}})["time_us"]

    def run_for(self, span):
        """Lets simulated time run (`"500ms"`, `"2s"`)."""
        self._ask({"step": {"delay": span}})

    def close(self):
        if self._proc.poll() is None:
            try:
                self._ask({"stop": {}})
            except (MpsimError, OSError, ValueError):
                pass
            try:
                self._proc.stdin.close()
            except OSError:
                pass
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Board:
    """One board of a `Sim`. Durations are strings with a unit, in simulated time."""

    def __init__(self, sim, name, id):
        self.sim = sim
        self.id = id
        self._name = name

    def _step(self, step):
        if self._name is not None:
            step["board"] = self._name
        return self.sim._ask({"step": step})

    def _query(self, request):
        if self._name is not None:
            request["board"] = self._name
        return self.sim._ask(request)

    def write(self, data, uart=None):
        """Types text or bytes on the console (or into UART `uart`)."""
        step = {"write-bytes": list(data)} if isinstance(data, (bytes, bytearray)) else {"write": data}
        if uart is not None:
            step["uart"] = uart
        self._step(step)

    def expect(self, text, timeout=None, regex=False, uart=None):
        """Waits for text on the console; returns what matched. Each wait starts after the last match."""
        step = {"wait-serial": text}
        if timeout is not None:
            step["timeout"] = timeout
        if regex:
            step["regex"] = True
        if uart is not None:
            step["uart"] = uart
        return self._step(step).get("match")

    def expect_no(self, text, span, regex=False):
        """Fails if the console shows `text` within `span`."""
        step = {"expect-no-serial": text, "for": span}
        if regex:
            step["regex"] = True
        self._step(step)

    def wait_pin(self, pin, level=None, edge=None, timeout=None):
        """Waits until a pin has `level` (0/1) or sees an `edge` (rising, falling, any)."""
        step = {"wait-pin": pin}
        if level is not None:
            step["level"] = int(level)
        if edge is not None:
            step["edge"] = edge
        if timeout is not None:
            step["timeout"] = timeout
        self._step(step)

    def pin(self, pin):
        """A pin's level now (0 or 1)."""
        return self._query({"pin": pin})["level"]

    def set_pin(self, pin, level):
        """The outside world drives a pin (0/1), or lets go of it (None)."""
        self._step({"set-pin": pin, "level": "float" if level is None else int(level)})

    def led(self, name):
        """An LED's brightness (0.0 to 1.0), by its label or its pin."""
        return self._query({"led": name})["brightness"]

    def control(self, part, name, value, hold=None):
        """Sets a part's control (`pot`, `position`, 0.3); with `hold`, only for that long."""
        step = {"set-control": "%s.%s" % (part, name), "value": value}
        if hold is not None:
            step["hold"] = hold
        self._step(step)

    def press(self, part, hold=None):
        """Presses a button for `hold` (default 100ms)."""
        step = {"press": part}
        if hold is not None:
            step["hold"] = hold
        self._step(step)

    def part(self, part):
        """A part as it is now: its `text`, its controls, and what it shows (`angle`, `hz`, `rows` …)."""
        return self._query({"part": part})

    def read_file(self, path):
        """A file on the board's flash, as bytes."""
        return bytes(self._query({"read-file": path})["data"])

    def write_file(self, path, data):
        """Writes a file on the board's flash."""
        if isinstance(data, str):
            data = data.encode()
        self._query({"write-file": path, "data": list(data)})

    def exec(self, code, timeout=None):
        """Runs code at the REPL (the raw REPL, as mpremote does); returns what it printed."""
        step = {"exec": code}
        if timeout is not None:
            step["timeout"] = timeout
        return self._step(step).get("match", "").rstrip()

    def reset(self, hard=False):
        """Soft-resets the board (as Ctrl-D at the prompt), or presses its reset button."""
        self._step({"reset": "hard" if hard else "soft"})

    def run_for(self, span):
        """Lets simulated time run."""
        self.sim.run_for(span)

    def console(self):
        """Everything the board printed so far."""
        return self._query({"console": {}})["text"]

    def drain(self):
        """What the board printed so far counts as read: later waits see only what follows."""
        self._query({"drain": {}})

    @property
    def time_us(self):
        return self.sim.time_us
