# umqtt.simple (frozen in the ESP32's and the ESP8266's firmware): an MQTT 3.1.1 client over the board's sockets,
# written for mpsim from the documented API and behaviour of micropython-lib's umqtt.simple:
# MQTTClient(client_id, server, port=0, user=None, password=None, keepalive=0, ssl=None),
# connect, disconnect, ping, publish (QoS 0 and 1), subscribe, set_callback, set_last_will,
# wait_msg, check_msg; MQTTException for refusals.
import socket
import struct


class MQTTException(Exception):
    pass


def _length(n):
    # MQTT's remaining length: 7 bits a byte, the high bit saying more follow.
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _string(s):
    s = s.encode() if isinstance(s, str) else bytes(s)
    return struct.pack("!H", len(s)) + s


class MQTTClient:
    def __init__(self, client_id, server, port=0, user=None, password=None, keepalive=0, ssl=None):
        if port == 0:
            port = 8883 if ssl else 1883
        self.client_id = client_id
        self.sock = None
        self.server = server
        self.port = port
        self.ssl = ssl
        self.pid = 0
        self.cb = None
        self.user = user
        self.pswd = password
        self.keepalive = keepalive
        self.lw_topic = None
        self.lw_msg = None
        self.lw_qos = 0
        self.lw_retain = False

    def _recv(self, n):
        data = self.sock.read(n)
        if data is None or len(data) < n:
            raise OSError(-1)
        return data

    def _read_length(self):
        n = 0
        shift = 0
        while True:
            b = self._recv(1)[0]
            n |= (b & 0x7F) << shift
            if not b & 0x80:
                return n
            shift += 7

    def set_callback(self, f):
        self.cb = f

    def set_last_will(self, topic, msg, retain=False, qos=0):
        assert 0 <= qos <= 2
        assert topic
        self.lw_topic = topic
        self.lw_msg = msg
        self.lw_qos = qos
        self.lw_retain = retain

    def connect(self, clean_session=True, timeout=None):
        self.sock = socket.socket()
        self.sock.settimeout(timeout)
        self.sock.connect(socket.getaddrinfo(self.server, self.port)[0][-1])
        if self.ssl:
            self.sock = self.ssl.wrap_socket(self.sock, server_hostname=self.server)
        flags = 0x02 if clean_session else 0
        payload = _string(self.client_id)
        if self.lw_topic:
            flags |= 0x04 | (self.lw_qos & 3) << 3 | (0x20 if self.lw_retain else 0)
            payload += _string(self.lw_topic) + _string(self.lw_msg)
        if self.user:
            flags |= 0x80
            payload += _string(self.user)
            if self.pswd:
                flags |= 0x40
                payload += _string(self.pswd)
        if self.keepalive:
            assert self.keepalive < 65536
        variable = b"\x00\x04MQTT\x04" + bytes([flags]) + struct.pack("!H", self.keepalive)
        body = variable + payload
        self.sock.write(b"\x10" + _length(len(body)) + body)
        ack = self._recv(4)
        assert ack[0] == 0x20 and ack[1] == 0x02
        if ack[3] != 0:
            raise MQTTException(ack[3])
        return ack[2] & 1

    def disconnect(self):
        self.sock.write(b"\xe0\x00")
        self.sock.close()

    def ping(self):
        self.sock.write(b"\xc0\x00")

    def _next_pid(self):
        self.pid = self.pid % 65535 + 1
        return self.pid

    def publish(self, topic, msg, retain=False, qos=0):
        assert qos in (0, 1), "QoS 2 is not supported"
        msg = msg.encode() if isinstance(msg, str) else bytes(msg)
        body = _string(topic)
        pid = None
        if qos:
            pid = self._next_pid()
            body += struct.pack("!H", pid)
        body += msg
        self.sock.write(bytes([0x30 | qos << 1 | (1 if retain else 0)]) + _length(len(body)) + body)
        if qos == 1:
            while True:
                op = self.wait_msg()
                if op == 0x40:
                    size = self._recv(1)[0]
                    assert size == 0x02
                    if struct.unpack("!H", self._recv(2))[0] == pid:
                        return

    def subscribe(self, topic, qos=0):
        assert self.cb is not None, "Subscribe callback is not set"
        pid = self._next_pid()
        body = struct.pack("!H", pid) + _string(topic) + bytes([qos])
        self.sock.write(b"\x82" + _length(len(body)) + body)
        while True:
            op = self.wait_msg()
            if op == 0x90:
                ack = self._recv(4)
                assert ack[1] == (pid >> 8) & 0xFF and ack[2] == pid & 0xFF
                if ack[3] == 0x80:
                    raise MQTTException(ack[3])
                return

    def wait_msg(self):
        # One packet: a PUBLISH goes to the callback (and is acknowledged at QoS 1); a PINGRESP is
        # taken; anything else is left for the caller, which gets its type byte.
        first = self.sock.read(1)
        if first is None:
            return None
        if first == b"":
            raise OSError(-1)
        op = first[0]
        if op == 0xD0:
            assert self._recv(1)[0] == 0
            return None
        if op & 0xF0 != 0x30:
            return op
        size = self._read_length()
        tlen = struct.unpack("!H", self._recv(2))[0]
        topic = self._recv(tlen)
        size -= tlen + 2
        pid = None
        if op & 0x06:
            pid = struct.unpack("!H", self._recv(2))[0]
            size -= 2
        msg = self._recv(size) if size else b""
        self.cb(topic, msg)
        if op & 0x06 == 0x02:
            self.sock.write(b"\x40\x02" + struct.pack("!H", pid))
        elif op & 0x06 == 0x04:
            assert 0
        return op

    def check_msg(self):
        self.sock.setblocking(False)
        try:
            return self.wait_msg()
        finally:
            self.sock.setblocking(True)
