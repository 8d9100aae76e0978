# ntptime (frozen in the networking boards' firmware): the time from an NTP server, written for
# mpsim from its documented API: host, timeout, time() (seconds since the port's epoch, UTC) and
# settime() (the RTC set to UTC).
import socket
import struct
import time as _utime

host = "pool.ntp.org"
timeout = 1
# mpsim's addition: the server's UDP port (123), so that a test can run its own NTP server.
port = 123

# Seconds from the NTP era (1900) to the port's epoch: 1970 on the Picos and the unix port,
# 2000 on the ESP boards.
_EPOCH_1970 = 2208988800
_EPOCH_2000 = 3155673600


def _delta():
    return _EPOCH_1970 if _utime.gmtime(0)[0] == 1970 else _EPOCH_2000


def time():
    query = bytearray(48)
    query[0] = 0x1B  # leap indicator 0, version 3, mode 3 (client)
    addr = socket.getaddrinfo(host, port)[0][-1]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        s.sendto(query, addr)
        reply = s.recv(48)
    finally:
        s.close()
    seconds = struct.unpack("!I", reply[40:44])[0]
    return seconds - _delta()


def settime():
    import machine

    t = time()
    tm = _utime.gmtime(t)
    machine.RTC().datetime((tm[0], tm[1], tm[2], tm[6] + 1, tm[3], tm[4], tm[5], 0))
