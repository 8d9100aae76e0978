# platform: what the firmware's module reports about the build it runs (extmod/modplatform.c):
# "MicroPython-<version>-<arch>-<port version>-with-<libc><version>", the compiler, the libc.
# The strings are those of the release builds of each port: their toolchains (MicroPython's
# CI: the xtensa-lx106 standalone toolchain, ESP-IDF v5.5.1, Ubuntu's arm-none-eabi) and
# the port's MICROPY_PLATFORM_VERSION (ESP-IDF's version, the STM32F4 HAL's).
import sys

_BUILD = {
    "esp8266": ("xtensa", "", "GCC 4.8.5", ("newlib", "2.0.0")),
    "esp32": ("xtensa", "IDFv5.5.1", "GCC 14.2.0", ("newlib", "4.3.0")),
    "rp2": ("arm", "", "GCC 13.2.1", ("newlib", "4.4.0")),
    "pyboard": ("arm", "HAL1.16.0", "GCC 13.2.1", ("newlib", "4.4.0")),
}
_ARCH, _PORT_VERSION, _COMPILER, _LIBC = _BUILD.get(sys.platform, ("", "", "", ("", "")))
_VERSION = "%d.%d.%d" % sys.implementation.version[:3]


def platform(*args, **kwargs):
    return "MicroPython-%s-%s-%s-with-%s%s" % (_VERSION, _ARCH, _PORT_VERSION, _LIBC[0], _LIBC[1])


def python_compiler():
    return _COMPILER


def libc_ver(*args, **kwargs):
    return _LIBC
