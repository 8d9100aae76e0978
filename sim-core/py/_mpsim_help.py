# help() as the board has it, and the names the REPL's Tab completion looks through.
import sys
import builtins
import _mpsim

_TEXT = """Welcome to MicroPython, running on mpsim's simulated %s!

Everything here behaves as on the board: the pins, the LEDs, the flash
filesystem and the console are simulated. Docs for the real board:
  https://docs.micropython.org/en/latest/

Some things to try:
%s
  import os; os.listdir()                 # files on the flash

Keys at the REPL:
  CTRL-A        -- on a blank line: raw REPL (what tools use)
  CTRL-B        -- on a blank line: back to the normal REPL
  CTRL-C        -- stop a running program
  CTRL-D        -- on a blank line: soft reset (boot.py and main.py run again)
  CTRL-E        -- on a blank line: paste mode

help(obj) lists what an object holds; help('modules') lists the modules.
"""

# The interpreter's own machinery, not modules a board script imports.
_HIDDEN = ("__hello__", "__phello__", "importlib", "codecs", "encodings", "copyreg", "marshal",
           "itertools", "atexit", "warnings", "io_open", "zipimport", "abc", "types", "typing",
           "functools", "operator", "keyword", "reprlib", "weakref", "genericpath", "posixpath",
           "ntpath", "stat", "site", "os_path", "_collections_abc")


# Modules only some boards have (the others raise ImportError, as their firmware has no such module).
_PLATFORM_ONLY = {"pyb": ("pyboard",), "esp": ("esp8266", "esp32"), "esp32": ("esp32",), "rp2": ("rp2",),
                  "microbit": ("microbit",),
                  "music": ("microbit",), "radio": ("microbit",),
                  "framebuf": ("esp8266", "esp32", "rp2", "pyboard"),
                  "uctypes": ("esp8266", "esp32", "rp2", "pyboard")}
_RADIO_ONLY = ("network", "socket", "ssl", "webrepl", "webrepl_setup")


def modules():
    import _mpsim_net
    info = _mpsim.board_info()
    if info["firmware_modules"] is not None:
        # The real firmware's list (board data), less what mpsim leaves out.
        return sorted(info["firmware_modules"])
    platform = info["platform"]
    radio = _mpsim_net.spec() is not None
    complex_ = info["complex"]
    names = set()
    for n in list(_mpsim.frozen_names()) + list(sys.builtin_module_names):
        top = n.split(".")[0]
        if top[:1] == "_" or top in _HIDDEN or top.startswith("encodings"):
            continue
        if platform not in _PLATFORM_ONLY.get(top, (platform,)) or (top in _RADIO_ONLY and not radio) \
                or top in info["absent_modules"]:
            continue
        if top == "cmath" and not complex_:
            continue
        names.add(n.replace(".", "/"))
    names.add("__main__")
    return sorted(names)


_NOTHING = object()
# The interpreter's kinds of built-in callables, as the firmware names and prints its own.
_FIRMWARE_TYPE = {"builtin_function_or_method": "function"}
_FIRMWARE_VALUE = {"classmethod": "<classmethod>", "classmethod_descriptor": "<classmethod>",
                   "staticmethod": "<staticmethod>", "method_descriptor": "<function>",
                   "builtin_function_or_method": "<function>", "wrapper_descriptor": "<function>"}


def help(obj=_NOTHING):
    if obj is _NOTHING:
        info = _mpsim.board_info()
        leds = info.get("led_pins") or [2]
        if info["help_example"]:
            led = info["help_example"]
        else:
            led = ("  import machine\n"
                   "  led = machine.Pin(%d, machine.Pin.OUT)   # an LED on the board\n"
                   "  led.value(0); led.value(1)" % leds[0])
        print(_TEXT % (info.get("mcu", "board"), led), end="")
        return
    if obj == "modules":
        names = modules()
        rows = (len(names) + 3) // 4
        for r in range(rows):
            line = ""
            for c in range(4):
                i = c * rows + r
                if i < len(names):
                    line += ("%-18s" % names[i]) if c < 3 else names[i]
            print(line.rstrip())
        print("Plus any modules on the filesystem")
        return
    print("object %s is of type %s" % (repr(obj), _FIRMWARE_TYPE.get(type(obj).__name__, type(obj).__name__)))
    if isinstance(obj, type) or type(obj) is type(sys):
        if "__getattr__" in obj.__dict__:
            # A module that loads some names on first use (machine's I2C): load them now.
            for n in dir(obj):
                getattr(obj, n, None)
        items = obj.__dict__.items()
    elif callable(obj) and type(obj).__name__ in ("function", "builtin_function_or_method", "method"):
        # The firmware's function types have nothing to list.
        items = ()
    else:
        items = type(obj).__dict__.items()
    for k, v in items:
        # Our own helpers (a leading underscore) are not the board's API.
        if k[:1] == "_" and k not in ("__name__", "__init__", "__call__"):
            continue
        print("  %s -- %s" % (k, _FIRMWARE_VALUE.get(type(v).__name__) or v))


def names(path, in_import, scope):
    # Every name Tab may offer for `a.b.<word>` (path ["a", "b"]); [] when the chain does not
    # resolve. Looking up attributes may run properties, as on the board.
    if in_import:
        return modules() if not path else []
    try:
        if not path:
            return list(scope) + dir(builtins)
        if path[0] in scope:
            obj = scope[path[0]]
        else:
            obj = getattr(builtins, path[0])
        for p in path[1:]:
            obj = getattr(obj, p)
        return [n for n in dir(obj) if isinstance(n, str)]
    except Exception:
        return []
