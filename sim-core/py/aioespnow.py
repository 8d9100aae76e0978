# aioespnow (frozen in the ESP32's firmware): ESP-NOW for asyncio, AIOESPNow with arecv, airecv
# and asend, and `async for mac, msg in e:`.
import asyncio
import espnow


class AIOESPNow(espnow.ESPNow):
    async def arecv(self):
        while not self.any():
            await asyncio.sleep_ms(1)
        return self.recv(0)

    async def airecv(self):
        while not self.any():
            await asyncio.sleep_ms(1)
        return self.irecv(0)

    async def asend(self, mac, msg=None, sync=None):
        if msg is None:
            msg, mac = mac, None
        return self.send(mac, msg, True if sync is None else sync)

    def __aiter__(self):
        return self

    async def __anext__(self):
        return await self.airecv()
