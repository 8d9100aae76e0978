# network: the board's Wi-Fi radio (ports/esp8266/network_wlan.c's surface) against simulated
# access points (_mpsim_net.access_points: --wifi-config, the window's Wi-Fi pane). Connecting
# takes simulated time; the radio's settings survive resets, as the SDK keeps them in flash.
import _mpsim
import _mpsim_net as _n

_spec = _n.spec()
if _spec is None:
    raise ImportError("no module named 'network'")

STA_IF = 0
AP_IF = 1

# The port's status numbers (ESP8266: 0…5; ESP32: 1000, 1001, 201, 202, 1010 …).
for _k, _v in _spec["status"].items():
    globals()["STAT_" + _k] = _v
del _k, _v
# A join that fails for a weak signal: CONNECT_FAIL where the port has it, else ASSOC_FAIL.
_FAIL = _spec["status"].get("CONNECT_FAIL", _spec["status"].get("ASSOC_FAIL", -1))

MODE_11B = 1
MODE_11G = 2
MODE_11N = 3

AUTH_OPEN = 0
AUTH_WEP = 1
AUTH_WPA_PSK = 2
AUTH_WPA2_PSK = 3
AUTH_WPA_WPA2_PSK = 4

# How long things take on the air, µs of simulated time.
_JOIN_US = 1200000
_BAD_KEY_US = 2000000
_NOT_FOUND_US = 2500000
_WEAK_US = 3000000
_SCAN_MS = 600

_MAC = _spec["mac"]
_AP_ESSID = (
    _spec["ap_essid"]
    .replace("{mac3}", "%02x%02x%02x" % (_MAC[3], _MAC[4], _MAC[5]))
    .replace("{MAC3}", "%02X%02X%02X" % (_MAC[3], _MAC[4], _MAC[5]))
    .replace("{MAC2}", "%02X%02X" % (_MAC[4], _MAC[5]))
)
_AP_PASSWORD = _spec["ap_password"]
_AP_IP = _spec["ap_ip"]
_AP_FIRST_BOOT = _spec["ap_on_first_boot"]
_AP_MAC = bytes([_MAC[0] | 2]) + _MAC[1:]


def _now():
    return _mpsim.ticks_us()


def _defaults():
    return {
        "sta": False,
        "ap": _AP_FIRST_BOOT,
        "ssid": None,
        "key": "",
        "t0": 0,
        "static": None,
        "ap_essid": _AP_ESSID,
        "ap_password": _AP_PASSWORD,
        "ap_auth": AUTH_WPA_WPA2_PSK if _AP_PASSWORD else AUTH_OPEN,
        "ap_channel": 11,
        "ap_hidden": False,
        "ap_ifconfig": [_AP_IP, "255.255.255.0", _AP_IP, "208.67.222.222"],
        "hostname": _spec["hostname"],
        "phy": MODE_11N,
        "txpower": 20.5,
        "reconnects": -1,
        "pm": 1,
    }


def _load():
    import json
    blob, cold = _n.radio_get()
    st = _defaults()
    if blob:
        try:
            st.update(json.loads(blob))
        except ValueError:
            pass
    if cold and st["sta"] and st["ssid"] is not None:
        # Powered up: the SDK joins the network it knew, from the start.
        st["t0"] = _now()
    return st


_st = _load()
# What the station last saw of its access point (None: not looked yet).
_seen = [None, None]


def _save():
    import json
    _n.radio_set(json.dumps(_st))
    _report()


def _aps():
    return _n.access_points()


def _find(ssid):
    gen, rows = _aps()
    for r in rows:
        if r[0] == ssid and r[4]:
            return r
    return None


def _ip_in(subnet):
    return "%s.%d" % (subnet, 100 + _MAC[5] % 100)


def _sta_status_now():
    if not _st["sta"] or _st["ssid"] is None:
        return STAT_IDLE
    now = _now()
    ap = _find(_st["ssid"])
    key = (ap is not None, ap[1] if ap else None, ap[6] if ap else None)
    if _seen[0] is not None and _seen[1] != key:
        # The router went away, came back or changed: the SDK notices and tries again.
        _st["t0"] = now
    _seen[0] = True
    _seen[1] = key
    dt = now - _st["t0"]
    if ap is None:
        return STAT_CONNECTING if dt < _NOT_FOUND_US else STAT_NO_AP_FOUND
    if ap[1] != _st["key"] and ap[1] != "":
        return STAT_CONNECTING if dt < _BAD_KEY_US else STAT_WRONG_PASSWORD
    if ap[2] < -90:
        return STAT_CONNECTING if dt < _WEAK_US else _FAIL
    return STAT_CONNECTING if dt < _JOIN_US else STAT_GOT_IP


# The last status front ends were shown.
_shown = [None]


def _sta_status():
    s = _sta_status_now()
    if s != _shown[0]:
        _shown[0] = s
        _report()
    return s


def _sta_ap():
    ap = _find(_st["ssid"]) if _st["ssid"] is not None else None
    return ap


def _sta_ifconfig():
    if _st["static"]:
        return tuple(_st["static"])
    if _sta_status_now() != STAT_GOT_IP:
        return ("0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0")
    sub = _sta_ap()[6]
    return (_ip_in(sub), "255.255.255.0", sub + ".1", sub + ".1")


def _name(s):
    for k, v in _spec["status"].items():
        if v == s:
            return k.lower().replace("_", " ")
    return str(s)


def _report():
    lines = []
    if _st["sta"]:
        s = _sta_status_now()
        if s == STAT_GOT_IP:
            lines.append("STA: connected to %s, %s" % (_st["ssid"], _sta_ifconfig()[0]))
        elif _st["ssid"] is not None:
            lines.append("STA: %s (%s)" % (_name(s), _st["ssid"]))
        else:
            lines.append("STA: active, not connected")
    else:
        lines.append("STA: off")
    if _st["ap"]:
        lines.append("AP: %s, %s" % (_st["ap_essid"], _st["ap_ifconfig"][0]))
    else:
        lines.append("AP: off")
    running, client, addr = _n.webrepl_state()
    if running:
        lines.append("WebREPL: http://%s/%s" % (addr, " (client logged in)" if client else ""))
    _n.status(lines)


# Used by socket and webrepl: what the board can reach.
def _sta_up():
    return _st["sta"] and _sta_status() == STAT_GOT_IP


def _addresses():
    out = []
    if _st["ap"]:
        out.append(_st["ap_ifconfig"][0])
    if _sta_up():
        out.append(_sta_ifconfig()[0])
    return out


def _ip_tuple(t):
    if not isinstance(t, (tuple, list)) or len(t) != 4:
        raise TypeError("expected tuple/list")
    for a in t:
        p = str(a).split(".")
        if len(p) != 4 or not all(x.isdigit() and int(x) < 256 for x in p):
            raise ValueError("invalid arguments")
    return [str(a) for a in t]


class WLAN:
    _objs = {}

    def __new__(cls, interface_id=STA_IF):
        if interface_id not in (STA_IF, AP_IF):
            raise ValueError("invalid WLAN interface identifier")
        o = WLAN._objs.get(interface_id)
        if o is None:
            o = object.__new__(cls)
            o._if = interface_id
            WLAN._objs[interface_id] = o
        return o

    def __init__(self, interface_id=STA_IF):
        pass

    def __repr__(self):
        return "<WLAN>"

    def _key(self):
        return "sta" if self._if == STA_IF else "ap"

    def active(self, *args):
        if not args:
            _report()
            return bool(_st[self._key()])
        on = bool(args[0])
        if on != _st[self._key()]:
            _st[self._key()] = on
            if self._if == STA_IF and on and _st["ssid"] is not None:
                _st["t0"] = _now()
            _save()
        return None

    def _require_sta(self):
        if self._if != STA_IF:
            raise OSError("STA required")

    def connect(self, ssid=None, key=None, *, bssid=None):
        self._require_sta()
        if not _st["sta"]:
            raise OSError("Cannot connect to AP")
        if ssid is not None:
            if isinstance(ssid, bytes):
                ssid = ssid.decode()
            if len(ssid) > 32:
                raise ValueError("invalid essid")
            _st["ssid"] = ssid
            _st["key"] = "" if key is None else (key.decode() if isinstance(key, bytes) else str(key))
            if len(_st["key"]) > 64:
                raise ValueError("invalid key")
        elif _st["ssid"] is None:
            raise OSError("Cannot connect to AP")
        _st["t0"] = _now()
        _seen[0] = None
        _save()

    def disconnect(self):
        if self._if == STA_IF:
            _st["ssid"] = None
            _save()

    def isconnected(self):
        if self._if == STA_IF:
            return _sta_up()
        return False

    def status(self, param=None):
        if param is None:
            if self._if == STA_IF:
                s = _sta_status()
                _report()
                return s
            return -1
        if param == "rssi":
            self._require_sta()
            ap = _sta_ap()
            if not _sta_up() or ap is None:
                return 31
            return ap[2]
        if param == "stations":
            if self._if != AP_IF:
                raise OSError("AP required")
            return []
        raise ValueError("unknown status param")

    def scan(self):
        self._require_sta()
        if not _st["sta"]:
            raise OSError("STA must be active")
        import time
        time.sleep_ms(_SCAN_MS)
        gen, rows = _aps()
        out = []
        for i, r in enumerate(rows):
            if not r[4]:
                continue
            bssid = bytes([0x60, 0x01, 0x94, 0x10, 0x20 + (i & 0x1F), (sum(r[0].encode()) & 0xFF)])
            auth = AUTH_OPEN if r[1] == "" else AUTH_WPA2_PSK
            out.append(((b"" if r[5] else r[0].encode()), bssid, r[3], r[2], auth, int(r[5])))
        out.sort(key=lambda t: -t[3])
        return out

    def ifconfig(self, config=None):
        if config is None:
            if self._if == STA_IF:
                return _sta_ifconfig()
            return tuple(_st["ap_ifconfig"]) if _st["ap"] else ("0.0.0.0",) * 4
        cfg = _ip_tuple(config)
        if self._if == STA_IF:
            _st["static"] = cfg
        else:
            _st["ap_ifconfig"] = cfg
        _save()

    def config(self, *args, **kwargs):
        if args and kwargs:
            raise TypeError("either pos or kw args are allowed")
        if len(args) > 1:
            raise TypeError("can query only one param")
        sta = self._if == STA_IF
        if args:
            p = args[0]
            if p == "mac":
                return bytes(_MAC if sta else _AP_MAC)
            if p in ("essid", "ssid"):
                if sta:
                    return _st["ssid"] or ""
                return _st["ap_essid"]
            if p == "hidden":
                return _st["ap_hidden"] if not sta else False
            if p in ("authmode", "security"):
                return _st["ap_auth"] if not sta else AUTH_OPEN
            if p == "channel":
                if sta:
                    ap = _sta_ap()
                    return ap[3] if ap and _sta_up() else 1
                return _st["ap_channel"]
            if p in ("dhcp_hostname", "hostname"):
                return _st["hostname"]
            if p == "txpower":
                return _st["txpower"]
            if p == "reconnects":
                return _st["reconnects"]
            if p == "pm":
                return _st["pm"]
            raise ValueError("unknown config param")
        for k, v in kwargs.items():
            if k == "mac":
                raise OSError("can't set MAC")
            elif k in ("essid", "ssid"):
                v = v.decode() if isinstance(v, bytes) else str(v)
                if len(v) > 32:
                    raise ValueError("invalid essid")
                if sta:
                    _st["ssid"] = v
                else:
                    _st["ap_essid"] = v
            elif k in ("password", "key"):
                v = v.decode() if isinstance(v, bytes) else str(v)
                if sta:
                    _st["key"] = v
                else:
                    if v and not (8 <= len(v) <= 64):
                        raise ValueError("invalid key")
                    _st["ap_password"] = v
            elif k == "hidden":
                _st["ap_hidden"] = bool(v)
            elif k in ("authmode", "security"):
                if v not in (0, 1, 2, 3, 4):
                    raise ValueError("invalid authmode")
                _st["ap_auth"] = v
            elif k == "channel":
                if not 1 <= v <= 13:
                    raise ValueError("invalid channel")
                _st["ap_channel"] = v
            elif k in ("dhcp_hostname", "hostname"):
                hostname(v)
            elif k == "txpower":
                if not 0 <= v <= 20.5:
                    raise ValueError("invalid txpower")
                _st["txpower"] = float(v)
            elif k == "reconnects":
                _st["reconnects"] = int(v)
            elif k == "pm":
                _st["pm"] = int(v)
            else:
                raise ValueError("unknown config param")
        _save()


def hostname(name=None):
    if name is None:
        return _st["hostname"]
    name = name.decode() if isinstance(name, bytes) else str(name)
    if not 0 < len(name) <= 32:
        raise ValueError("hostname too long")
    _st["hostname"] = name
    _save()


if _spec and _spec["country"]:
    # The cyw43 driver's regulatory country (two letters; XX: worldwide).
    def country(code=None):
        if code is None:
            return _st.get("country", "XX")
        code = str(code)
        if len(code) != 2:
            raise ValueError("invalid country")
        _st["country"] = code.upper()
        _save()


def phy_mode(mode=None):
    if mode is None:
        return _st["phy"]
    if mode not in (MODE_11B, MODE_11G, MODE_11N):
        raise ValueError("invalid phy mode")
    _st["phy"] = mode
    _save()


_report()
