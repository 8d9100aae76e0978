# webrepl: the board's WebREPL (ports' modules/webrepl.py surface). The server itself is
# mpsim's (host/src/webrepl.rs: the front end listens, next to the serial port); it shares
# this board's console and flash.
import _mpsim_net

if _mpsim_net.spec() is None:
    raise ImportError("no module named 'webrepl'")

import _mpsim_net as _n

_PORT = [8266]


def _announce(port):
    import network
    for i in (network.AP_IF, network.STA_IF):
        iface = network.WLAN(i)
        if iface.active():
            print("WebREPL server started on http://%s:%d/" % (iface.ifconfig()[0], port))


def _begin(port, password):
    if not isinstance(password, str):
        raise TypeError("can't convert %s to str" % type(password).__name__)
    # _webrepl.password(): the board keeps 9 characters and a NUL.
    if len(password) > 9:
        raise ValueError()
    _n.webrepl_start(port, password)
    _PORT[0] = port
    _announce(port)
    import network
    network._report()


def stop():
    if _n.webrepl_state()[0]:
        _n.webrepl_stop()
        import network
        network._report()


def start(port=8266, password=None, accept_handler=True):
    stop()
    manual = password is not None
    if password is None:
        try:
            import webrepl_cfg
            password = webrepl_cfg.PASS
        except Exception:
            print("WebREPL is not configured, run 'import webrepl_setup'")
            return
    _begin(port, password)
    if accept_handler is None:
        print("Starting webrepl in foreground mode")
        import time
        while not _n.webrepl_state()[1]:
            time.sleep_ms(20)
    elif manual:
        print("Started webrepl in manual override mode")
    else:
        print("Started webrepl in normal mode")


def start_foreground(port=8266, password=None):
    start(port, password, None)
