# Two tasks sharing the board: one blinks the on-board LED, one reports elapsed time with
# time.ticks_ms()/ticks_diff(), which stay correct across the ticks counter's wrap-around.
import asyncio
import time
from machine import Pin

led = Pin(2, Pin.OUT, value=1)
start = time.ticks_ms()


async def blink(period_ms):
    while True:
        led.value(not led.value())
        await asyncio.sleep_ms(period_ms)


async def report(every_s, times):
    for i in range(times):
        await asyncio.sleep(every_s)
        print("uptime %d ms" % time.ticks_diff(time.ticks_ms(), start))


async def main():
    asyncio.create_task(blink(200))
    await report(1, 5)
    print("done")


asyncio.run(main())
