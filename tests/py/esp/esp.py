# esp module of the ESP8266 port (issue 2).
import esp
print(esp.flash_size())
print(hex(esp.flash_id()))
esp.osdebug(None)
esp.osdebug(0)
print(esp.sleep_type())
esp.sleep_type(esp.SLEEP_NONE)
print(esp.sleep_type(), esp.SLEEP_NONE, esp.SLEEP_LIGHT, esp.SLEEP_MODEM)
print(esp.freemem() > 30000)
print(callable(esp.deepsleep))
