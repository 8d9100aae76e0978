# umqtt.robust (frozen in the ESP32's and the ESP8266's firmware): umqtt.simple's client that reconnects after a
# dropped connection and retries, written for mpsim from the documented API of micropython-lib's
# umqtt.robust: DELAY between attempts, DEBUG logging, delay(i), log(in_reconnect, e),
# reconnect(), and publish/wait_msg/subscribe retried until they succeed.
import time

from . import simple


class MQTTClient(simple.MQTTClient):
    DELAY = 2
    DEBUG = False

    def delay(self, i):
        time.sleep(self.DELAY)

    def log(self, in_reconnect, e):
        if self.DEBUG:
            if in_reconnect:
                print("mqtt reconnect: %r" % e)
            else:
                print("mqtt: %r" % e)

    def reconnect(self):
        attempt = 0
        while True:
            try:
                return super().connect(False)
            except OSError as e:
                self.log(True, e)
                attempt += 1
                self.delay(attempt)

    def _retry(self, op, *args, **kw):
        while True:
            try:
                return op(*args, **kw)
            except OSError as e:
                self.log(False, e)
            self.reconnect()

    def publish(self, topic, msg, retain=False, qos=0):
        return self._retry(super().publish, topic, msg, retain, qos)

    def wait_msg(self):
        return self._retry(super().wait_msg)

    def check_msg(self, attempts=2):
        while attempts:
            self.sock.setblocking(False)
            try:
                return super().wait_msg()
            except OSError as e:
                self.log(False, e)
            finally:
                self.sock.setblocking(True)
            self.reconnect()
            attempts -= 1

    def subscribe(self, topic, qos=0):
        return self._retry(super().subscribe, topic, qos)
