# espnow (frozen in the ESPs' firmware): ESPNow, the firmware's ESP-NOW object, which also
# iterates over what it receives: `for mac, msg in e:`.
from _espnow import *
from _espnow import ESPNowBase as _Base


class ESPNow(_Base):
    def __iter__(self):
        return self

    def __next__(self):
        return self.irecv()
