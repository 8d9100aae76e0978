#!/usr/bin/env python3
"""Per-board figures for issue 7: boot to the REPL prompt under --virtual-time, the simulator's
RSS, and how much of each board's documented MicroPython API the board's modules carry.

Usage: python3 bench/boards.py [path/to/mpsim]   (default: $CARGO_TARGET_DIR or target, release)
The documented names below are the port's docs (docs.micropython.org, v1.24) for the modules a
beginner's script touches; what is missing is listed.
"""
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
MPSIM = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TARGET, "release", "mpsim")

COMMON_MACHINE = [
    "Pin", "Signal", "ADC", "PWM", "Timer", "RTC", "UART", "SPI", "I2C", "SoftSPI", "SoftI2C", "WDT",
    "reset", "soft_reset", "reset_cause", "freq", "unique_id", "idle", "lightsleep", "deepsleep",
    "disable_irq", "enable_irq", "time_pulse_us", "bootloader", "mem8", "mem16", "mem32",
    "PWRON_RESET", "WDT_RESET",
]
DOCUMENTED = {
    "ESP8266_GENERIC": {
        "machine": COMMON_MACHINE + ["HARD_RESET", "DEEPSLEEP_RESET", "SOFT_RESET", "DEEPSLEEP"],
        "network": ["WLAN", "STA_IF", "AP_IF", "hostname", "phy_mode", "STAT_IDLE", "STAT_CONNECTING",
                    "STAT_WRONG_PASSWORD", "STAT_NO_AP_FOUND", "STAT_CONNECT_FAIL", "STAT_GOT_IP"],
        "esp": ["flash_size", "flash_id", "flash_user_start", "flash_read", "flash_write", "flash_erase",
                "osdebug", "sleep_type", "deepsleep", "set_native_code_location"],
    },
    "ESP32_GENERIC": {
        "machine": COMMON_MACHINE + ["HARD_RESET", "DEEPSLEEP_RESET", "SOFT_RESET", "TouchPad", "SDCard"],
        "network": ["WLAN", "STA_IF", "AP_IF", "hostname", "STAT_IDLE", "STAT_CONNECTING", "STAT_GOT_IP",
                    "STAT_NO_AP_FOUND", "STAT_WRONG_PASSWORD", "STAT_BEACON_TIMEOUT", "STAT_ASSOC_FAIL",
                    "STAT_HANDSHAKE_TIMEOUT", "LAN"],
        "esp32": ["wake_on_touch", "wake_on_ulp", "wake_on_ext0", "wake_on_ext1", "gpio_deep_sleep_hold",
                  "raw_temperature", "idf_heap_info", "Partition", "RMT", "ULP", "NVS"],
    },
    "RPI_PICO": {
        "machine": COMMON_MACHINE + ["I2S"],
        "rp2": ["PIO", "StateMachine", "Flash", "DMA", "asm_pio", "bootsel_button", "country"],
    },
    "RPI_PICO_W": {
        "machine": COMMON_MACHINE + ["I2S"],
        "network": ["WLAN", "STA_IF", "AP_IF", "hostname", "country", "STAT_IDLE", "STAT_CONNECTING",
                    "STAT_GOT_IP", "STAT_NO_AP_FOUND", "STAT_WRONG_PASSWORD", "STAT_CONNECT_FAIL"],
        "rp2": ["PIO", "StateMachine", "Flash", "DMA", "asm_pio", "bootsel_button", "country"],
    },
    "PYBV11": {
        "machine": [n for n in COMMON_MACHINE if n != "PWM"] + ["HARD_RESET", "DEEPSLEEP_RESET", "SOFT_RESET",
                                                                "I2S"],
        "pyb": ["delay", "udelay", "millis", "micros", "elapsed_millis", "elapsed_micros", "hard_reset",
                "bootloader", "fault_debug", "disable_irq", "enable_irq", "freq", "wfi", "stop", "standby",
                "have_cdc", "hid", "info", "main", "repl_uart", "rng", "sync", "unique_id", "usb_mode",
                "Accel", "ADC", "ADCAll", "CAN", "DAC", "ExtInt", "Flash", "I2C", "LED", "Pin", "RTC",
                "Servo", "SPI", "Switch", "Timer", "UART", "USB_HID", "USB_VCP"],
    },
    "BBC_MICROBIT_V2": {
        "microbit": ["display", "Image", "button_a", "button_b", "accelerometer", "compass", "i2c", "spi",
                     "uart", "microphone", "speaker", "pin0", "pin1", "pin2", "pin3", "pin4", "pin5",
                     "pin6", "pin7", "pin8", "pin9", "pin10", "pin11", "pin12", "pin13", "pin14", "pin15",
                     "pin16", "pin19", "pin20", "pin_logo", "pin_speaker", "sleep", "running_time",
                     "temperature", "panic", "reset", "set_volume", "scale", "run_every", "Sound",
                     "SoundEvent", "audio"],
        "music": ["play", "pitch", "stop", "reset", "set_tempo", "get_tempo", "DADADADUM", "ENTERTAINER",
                  "PRELUDE", "ODE", "NYAN", "RINGTONE", "FUNK", "BLUES", "BIRTHDAY", "WEDDING", "FUNERAL",
                  "PUNCHLINE", "PYTHON", "BADDY", "CHASE", "BA_DING", "WAWAWAWAA", "JUMP_UP", "JUMP_DOWN",
                  "POWER_UP", "POWER_DOWN"],
        "radio": ["on", "off", "config", "reset", "send", "receive", "send_bytes", "receive_bytes",
                  "receive_bytes_into", "receive_full", "RATE_1MBIT", "RATE_2MBIT"],
        "neopixel": ["NeoPixel"],
    },
}


def run(args, tmp):
    env = dict(os.environ, XDG_DATA_HOME=tmp)
    t = time.perf_counter()
    r = subprocess.run([MPSIM] + args, capture_output=True, text=True, env=env, timeout=120)
    return time.perf_counter() - t, r


def run_timed(args, tmp):
    env = dict(os.environ, XDG_DATA_HOME=tmp)
    r = subprocess.run(["/usr/bin/time", "-f", "%M", MPSIM] + args, capture_output=True, text=True,
                       env=env, timeout=120)
    return 0, r


def main():
    if not os.path.exists(MPSIM):
        raise SystemExit("no %s: cargo build --release --ignore-rust-version first" % MPSIM)
    for board, modules in DOCUMENTED.items():
        with tempfile.TemporaryDirectory() as tmp:
            # Boot (boot.py) to the end of an empty main: the prompt's moment on a real board. The
            # image is made by a first, untimed run (the board's first boot formats it); the timed
            # boots mount it, as a board powering up does.
            img = os.path.join(tmp, "flash.img")
            base = ["run", "--board", board, "--flash", img, "--virtual-time"]
            _, r = run(base + ["-c", "pass"], tmp)
            if r.returncode != 0:
                raise SystemExit(r.stderr)
            walls = []
            for _ in range(5):
                dt, r = run(base + ["-c", "pass"], tmp)
                if r.returncode != 0:
                    raise SystemExit(r.stderr)
                walls.append(dt)
            probe = "import gc\n"
            for m, names in modules.items():
                probe += "try:\n    import %s as _m\nexcept ImportError:\n    _m = None\n" % m
                probe += "print(%r, [n for n in %r if _m is None or not hasattr(_m, n)])\n" % (m, names)
            dt, r = run(base + ["-c", probe], tmp)
            # Max RSS of a run that imports every module probed (GNU time's %M, KiB).
            _, t = run_timed(base + ["-c", probe], tmp)
            rss_kb = int(t.stderr.strip().splitlines()[-1])
            walls.sort()
            print("%s: boot to prompt %.1f ms wall (median of 5, --virtual-time); max RSS %.1f MB" % (
                board, walls[2] * 1000, rss_kb / 1024))
            for line in r.stdout.splitlines():
                mod, missing = line.split(" ", 1)
                names = modules[mod.strip("'")]
                missing = eval(missing)
                print("  %-8s %d/%d documented names%s" % (
                    mod.strip("'"), len(names) - len(missing), len(names),
                    (" (missing: %s)" % ", ".join(missing)) if missing else ""))


if __name__ == "__main__":
    main()
