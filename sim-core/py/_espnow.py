# _espnow: ESP-NOW, the ESPs' connectionless frames between boards by MAC address (the firmware's
# C half; espnow and aioespnow build on it). Frames travel between the mpsim boards on this
# machine; one addressed to a board reaches it whatever its script is doing, and that counts as
# the receiver's acknowledgement, as the radio hardware's does.
import _mpsim
import network
import time

MAX_DATA_LEN = 250
KEY_LEN = 16
ADDR_LEN = 6
MAX_TOTAL_PEER_NUM = 20
MAX_ENCRYPT_PEER_NUM = 6

_BCAST = b"\xff" * 6
_MAGIC = b"EN"
_RSSI = -45
# esp_now's errors (ESP_ERR_ESPNOW_BASE 0x3064 + n), raised as the firmware raises them.
_ERRS = {1: "NOT_INIT", 2: "ARG", 3: "NO_MEM", 4: "FULL", 5: "NOT_FOUND", 6: "INTERNAL",
         7: "EXIST", 8: "IF"}


def _err(n):
    return OSError(-(0x3064 + n), "ESP_ERR_ESPNOW_" + _ERRS[n])


def _mac(m):
    if not isinstance(m, (bytes, bytearray)) or len(m) != ADDR_LEN:
        raise ValueError("ESPNow: bytes or bytearray wrong length")
    return bytes(m)


def _hex(m):
    return "".join("%02x" % b for b in m)


class ESPNowBase:
    _inst = None

    def __new__(cls, *args):
        # One ESP-NOW per board: every ESPNow() is the same object.
        if ESPNowBase._inst is None or not isinstance(ESPNowBase._inst, cls):
            o = object.__new__(cls)
            o._on = False
            o._peers = {}
            o._queue = []
            o._rxbuf = 526
            o._timeout = 300000
            o._stats = [0, 0, 0, 0, 0]
            o._result = [None, None]
            o.peers_table = {}
            ESPNowBase._inst = o
        return ESPNowBase._inst

    def __init__(self, *args):
        pass

    def _own(self):
        return network.WLAN(network.STA_IF).config("mac")

    def active(self, flag=None):
        if flag is None:
            return self._on
        flag = bool(flag)
        if flag and not self._on:
            # A fresh endpoint: nothing heard while inactive is kept.
            _mpsim.espnow_power(False, "")
            _mpsim.espnow_power(True, _hex(self._own()))
            self._queue = []
        elif not flag and self._on:
            _mpsim.espnow_power(False, "")
            self._peers = {}
            self._queue = []
            self.peers_table = {}
        self._on = flag
        return flag

    def config(self, *args, **kw):
        if args:
            if len(args) != 1 or kw:
                raise TypeError("either pos or kw args are allowed")
            p = args[0]
            if p == "rxbuf":
                return self._rxbuf
            if p == "timeout_ms":
                return self._timeout
            raise ValueError("unknown config param")
        for k, v in kw.items():
            if k == "rxbuf":
                self._rxbuf = int(v)
            elif k == "timeout_ms":
                self._timeout = int(v)
            elif k == "rate":
                self._check()
            else:
                raise TypeError("unexpected keyword argument '%s'" % k)

    def _check(self):
        if not self._on:
            raise _err(1)

    def _pump(self):
        # Frames from the air into the receive buffer (rxbuf bytes; beyond it they are dropped).
        own = self._own()
        while True:
            p = _mpsim.espnow_recv()
            if p is None:
                return
            if len(p) < 14 or p[:2] != _MAGIC:
                continue
            src, dst, msg = p[2:8], p[8:14], p[14:]
            if dst != own and dst != _BCAST:
                continue
            if sum(len(m) + 8 for _, m in self._queue) + len(msg) + 8 > self._rxbuf:
                self._stats[4] += 1
                continue
            self._stats[3] += 1
            self._queue.append((src, msg))
            self.peers_table[src] = [_RSSI, time.ticks_ms()]

    def any(self):
        self._check()
        self._pump()
        return len(self._queue) > 0

    def _take(self, timeout_ms):
        self._check()
        if timeout_ms is None:
            timeout_ms = self._timeout
        start = time.ticks_ms()
        while True:
            self._pump()
            if self._queue:
                return self._queue.pop(0)
            if timeout_ms >= 0 and time.ticks_diff(time.ticks_ms(), start) >= timeout_ms:
                return None
            if timeout_ms == 0:
                return None
            time.sleep_ms(1)

    def recv(self, timeout_ms=None):
        got = self._take(timeout_ms)
        if got is None:
            return [None, None]
        return [got[0], got[1]]

    def irecv(self, timeout_ms=None):
        got = self._take(timeout_ms)
        r = self._result
        r[0], r[1] = got if got is not None else (None, None)
        return r

    def recvinto(self, data, timeout_ms=None):
        got = self._take(timeout_ms)
        if got is None:
            return 0
        data[0], data[1] = bytearray(got[0]), bytearray(got[1])
        return len(got[1])

    def send(self, mac, msg=None, sync=True):
        if msg is None:
            mac, msg = None, mac
        self._check()
        if isinstance(msg, str):
            msg = msg.encode()
        msg = bytes(msg)
        if len(msg) > MAX_DATA_LEN:
            raise _err(2)
        if mac is None:
            targets = list(self._peers)
        else:
            mac = _mac(mac)
            if mac not in self._peers:
                raise _err(5)
            targets = [mac]
        if not (network.WLAN(network.STA_IF).active() or network.WLAN(network.AP_IF).active()):
            raise _err(8)
        own = self._own()
        ok = True
        for t in targets:
            self._stats[0] += 1
            took = _mpsim.espnow_send(_MAGIC + own + t + msg, "" if t == _BCAST else _hex(t))
            if t != _BCAST:
                if took:
                    self._stats[1] += 1
                else:
                    self._stats[2] += 1
                    ok = False
        return ok if sync else True

    def stats(self):
        return tuple(self._stats)

    def add_peer(self, mac, lmk=None, channel=0, ifidx=0, encrypt=None):
        self._check()
        mac = _mac(mac)
        if mac in self._peers:
            raise _err(7)
        if len(self._peers) >= MAX_TOTAL_PEER_NUM:
            raise _err(4)
        if lmk is not None and len(lmk) != KEY_LEN:
            raise ValueError("ESPNow: bytes or bytearray wrong length")
        if encrypt is None:
            encrypt = lmk is not None
        if encrypt and sum(1 for p in self._peers.values() if p[4]) >= MAX_ENCRYPT_PEER_NUM:
            raise _err(4)
        self._peers[mac] = (mac, lmk, channel, ifidx, bool(encrypt))

    def mod_peer(self, mac, lmk=None, channel=0, ifidx=0, encrypt=None):
        self._check()
        mac = _mac(mac)
        if mac not in self._peers:
            raise _err(5)
        old = self._peers[mac]
        self._peers[mac] = (mac, old[1] if lmk is None else lmk, channel, ifidx,
                            old[4] if encrypt is None else bool(encrypt))

    def del_peer(self, mac):
        self._check()
        mac = _mac(mac)
        if mac not in self._peers:
            raise _err(5)
        del self._peers[mac]

    def get_peer(self, mac):
        self._check()
        mac = _mac(mac)
        if mac not in self._peers:
            raise _err(5)
        return self._peers[mac]

    def get_peers(self):
        self._check()
        return tuple(self._peers.values())

    def peer_count(self):
        return (len(self._peers), sum(1 for p in self._peers.values() if p[4]))

    def set_pmk(self, pmk):
        if len(pmk) != KEY_LEN:
            raise ValueError("ESPNow: bytes or bytearray wrong length")
