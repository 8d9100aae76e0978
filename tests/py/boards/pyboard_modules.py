# mpsim: --board pyboard
# The PYBV11 build has no btree, and no cryptolib or websocket (they come with SSL and
# networking); its platform string names the STM32F4 HAL.
import platform
print(platform.platform())
for name in ("btree", "cryptolib", "websocket"):
    try:
        __import__(name)
    except ImportError as e:
        print("ImportError:", e)
