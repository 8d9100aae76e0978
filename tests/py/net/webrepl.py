# mpsim: --map-port 8266=0
# webrepl.start/stop as on the board: the messages, webrepl_cfg.py, the password limit (issue 6).
import webrepl, network, time

webrepl.start()
try:
    webrepl.start(password="0123456789")
except ValueError as e:
    print("ValueError", repr(e.args))
webrepl.start(password="abc")
webrepl.stop()
with open("webrepl_cfg.py", "w") as f:
    f.write("PASS = 'secret'\n")
sta = network.WLAN(network.STA_IF)
sta.active(True)
sta.connect("ClassroomWiFi", "secret")
while not sta.isconnected():
    time.sleep_ms(50)
webrepl.start()
webrepl.stop()
webrepl.stop()
print("stopped")
