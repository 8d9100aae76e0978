# radio: the micro:bit's packet radio (micropython-microbit-v2), between the boards simulated on
# this machine (any number of mpsim processes: see sim-core/src/radio.rs). A packet carries the
# channel, group and address it was sent with; a board keeps what matches its own settings, up to
# `queue` packets (later ones are lost, as on the board).
import _mpsim

if _mpsim.board_info()["platform"] != "microbit":
    raise ImportError("no module named 'radio'")

import time as _time

RATE_1MBIT = 0
RATE_2MBIT = 1
RATE_250KBIT = 2

_DEFAULTS = {"length": 32, "queue": 3, "channel": 7, "power": 6, "address": 0x75626974, "group": 0,
             "data_rate": RATE_1MBIT}
_cfg = dict(_DEFAULTS)
_on = [False]
_queue = []


def config(**kw):
    for k, v in kw.items():
        if k not in _DEFAULTS:
            raise TypeError("unexpected keyword argument '%s'" % k)
        v = int(v)
        ok = {"length": 1 <= v <= 251, "queue": 1 <= v <= 254, "channel": 0 <= v <= 83,
              "power": 0 <= v <= 7, "address": 0 <= v <= 0xFFFFFFFF, "group": 0 <= v <= 255,
              "data_rate": v in (0, 1, 2)}[k]
        if not ok:
            raise ValueError("value out of range for argument '%s'" % k)
    _cfg.update(kw)


def reset():
    _cfg.clear()
    _cfg.update(_DEFAULTS)


def on():
    _mpsim.radio_power(True)
    _on[0] = True


def off():
    _mpsim.radio_power(False)
    _on[0] = False
    del _queue[:]


def _check_on():
    if not _on[0]:
        raise ValueError("radio is not enabled")


def _header():
    a = _cfg["address"]
    return bytes((1, _cfg["channel"], _cfg["group"], _cfg["data_rate"], a & 255, (a >> 8) & 255,
                  (a >> 16) & 255, (a >> 24) & 255))


def _pump():
    # Takes in what the radio heard: packets for our channel, group, address and rate, as many
    # as the queue holds.
    head = _header()
    while True:
        p = _mpsim.radio_recv()
        if p is None:
            return
        if p[:8] != head:
            continue
        data = p[8:8 + _cfg["length"]]
        if len(_queue) < _cfg["queue"]:
            _queue.append((data, -40 - (7 - _cfg["power"]) * 4, _time.ticks_us()))


def send_bytes(message):
    _check_on()
    data = bytes(message)[:_cfg["length"]]
    _mpsim.radio_send(_header() + data)


def receive_full():
    _check_on()
    _pump()
    return _queue.pop(0) if _queue else None


def receive_bytes():
    got = receive_full()
    return got[0] if got else None


def receive_bytes_into(buffer):
    got = receive_bytes()
    if got is None:
        return None
    n = min(len(buffer), len(got))
    buffer[:n] = got[:n]
    return n


def send(message):
    # A string goes out as the runtime frames it: three bytes, then its UTF-8.
    send_bytes(b"\x01\x00\x01" + str(message).encode())


def receive():
    got = receive_bytes()
    if got is None:
        return None
    if got[:3] != b"\x01\x00\x01":
        raise ValueError("received packet is not a string")
    return got[3:].decode()
