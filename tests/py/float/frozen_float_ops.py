# mpsim's own modules compute floats in the board's precision however often they run (issue
# 15): time.sleep(0.01) sleeps 10 ms every time, asyncio.sleep(0.01) too.
import time, asyncio

d = []
for i in range(6):
    t = time.ticks_us()
    time.sleep(0.01)
    d.append(time.ticks_diff(time.ticks_us(), t) // 1000)
print(d)


async def main():
    d = []
    for i in range(6):
        t = time.ticks_ms()
        await asyncio.sleep(0.01)
        d.append(time.ticks_diff(time.ticks_ms(), t))
    print(d)


asyncio.run(main())
