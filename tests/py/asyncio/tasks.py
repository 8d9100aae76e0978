# asyncio: create_task, run, sleep, sleep_ms, gather, wait_for, cancel (issue 2).
import asyncio, time
t0 = time.ticks_ms()


def now():
    return time.ticks_diff(time.ticks_ms(), t0) // 10 * 10


async def worker(name, delay, n):
    for i in range(n):
        await asyncio.sleep_ms(delay)
        print(now(), name, i)
    return name


async def slow():
    await asyncio.sleep(10)


async def failing():
    await asyncio.sleep_ms(5)
    raise ValueError("boom")


async def main():
    t = asyncio.create_task(worker("a", 100, 3))
    res = await asyncio.gather(worker("b", 150, 2), t)
    print(now(), "gather", res)
    try:
        await asyncio.wait_for(slow(), 0.2)
    except asyncio.TimeoutError:
        print(now(), "timeout")
    print(await asyncio.wait_for(worker("c", 10, 1), 1))
    try:
        await failing()
    except ValueError as e:
        print("caught", e)
    s = asyncio.create_task(slow())
    await asyncio.sleep_ms(10)
    s.cancel()
    try:
        await s
    except asyncio.CancelledError:
        print(now(), "cancelled")
    r = await asyncio.gather(failing(), worker("d", 1, 1), return_exceptions=True)
    print(type(r[0]).__name__, r[1])
    return "main done"


print(asyncio.run(main()))
import uasyncio
print(uasyncio is asyncio)
