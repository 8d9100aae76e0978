# sys as the ESP8266 reports it (issue 2).
import sys
print(sys.platform)
print(sys.implementation)
print(sys.implementation.name, sys.implementation.version, sys.implementation._machine, sys.implementation._mpy)
print(sys.version)
print(sys.path)
print(sys.maxsize, sys.byteorder)
print(len(sys.argv), sys.argv[1:])
print("sys" in sys.modules, "machine" in sys.modules)
import machine
print("machine" in sys.modules)
print(sys.stdout.write("abc\n"))
print(sys.stdout.write(b"bytes ok\n"))
sys.stdout.buffer.write(b"raw\n")
sys.stdout.write("partial", 4)
print()
try:
    raise ValueError("shown")
except ValueError as e:
    sys.print_exception(e)
print(hasattr(sys, "executable"), hasattr(sys, "setrecursionlimit"))
sys.exit()
print("not reached")
