# platform as the ESP8266 firmware reports its build.
import platform
print(platform.platform())
print(platform.python_compiler(), platform.libc_ver())
