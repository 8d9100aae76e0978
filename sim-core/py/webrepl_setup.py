# webrepl_setup: turns the WebREPL on or off at boot and sets its password, asking at the
# console as the firmware's module does (prompts and boot.py edits: protocols.md §4.6).
import _mpsim_net

if _mpsim_net.spec() is None:
    raise ImportError("no module named 'webrepl_setup'")

import sys
import os
import machine

_RC = "./boot.py"
_CFG = "./webrepl_cfg.py"
_LINES = ("import webrepl", "webrepl.start()")


def _boot_status():
    try:
        with open(_RC) as f:
            for line in f:
                if "webrepl" in line:
                    return not line.startswith("#")
    except OSError:
        pass
    return None


def _choose(prompt, options):
    while True:
        answer = input(prompt)
        if answer in options:
            return answer


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def _new_password():
    while True:
        first = input("New password (4-9 chars): ")
        if not 4 <= len(first) <= 9:
            print("Invalid password length")
            continue
        if input("Confirm password: ") == first:
            return first
        print("Passwords do not match")


def _set_boot(enable):
    found = False
    with open(_RC) as old, open(_RC + ".tmp", "w") as new:
        for line in old:
            if any(p in line for p in _LINES):
                found = True
                if enable and line.startswith("#"):
                    line = line[1:]
                elif not enable and not line.startswith("#"):
                    line = "#" + line
            new.write(line)
        if not found:
            new.write("import webrepl\nwebrepl.start()\n")
    os.remove(_RC)
    os.rename(_RC + ".tmp", _RC)


def _main():
    status = _boot_status()
    print("WebREPL daemon auto-start status:", "enabled" if status else "disabled")
    print("\nWould you like to (E)nable or (D)isable it running on boot?")
    print("(Empty line to quit)")
    resp = input("> ").upper()
    if resp == "E":
        if _exists(_CFG):
            change = _choose("Would you like to change WebREPL password? (y/n) ", ("y", "n", ""))
        else:
            print("To enable WebREPL, you must set password for it")
            change = "y"
        if change == "y":
            password = _new_password()
            with open(_CFG, "w") as f:
                f.write("PASS = %r\n" % password)
    if resp not in ("D", "E") or (resp == "D" and not status) or (resp == "E" and status):
        print("No further action required")
        sys.exit()
    _set_boot(resp == "E")
    print("Changes will be activated after reboot")
    if _choose("Would you like to reboot now? (y/n) ", ("y", "n", "")) == "y":
        machine.reset()


_main()
