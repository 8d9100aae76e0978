# asyncio Event, Lock and ThreadSafeFlag; a pin IRQ wakes a task through ThreadSafeFlag (issue 2).
# mpsim: --pin 0=0@250ms --pin 0=1@300ms --pin 0=0@700ms
import asyncio, time
from machine import Pin
t0 = time.ticks_ms()


def now():
    return time.ticks_diff(time.ticks_ms(), t0)


async def waiter(ev, name):
    await ev.wait()
    print(now(), name, "saw event")


async def locked(lock, name, hold):
    async with lock:
        print(now(), name, "has lock")
        await asyncio.sleep_ms(hold)
    print(now(), name, "released")


async def main():
    ev = asyncio.Event()
    ws = [asyncio.create_task(waiter(ev, n)) for n in ("w1", "w2")]
    await asyncio.sleep_ms(50)
    print(ev.is_set())
    ev.set()
    await asyncio.gather(*ws)
    lock = asyncio.Lock()
    await asyncio.gather(locked(lock, "l1", 30), locked(lock, "l2", 10))
    print(lock.locked())
    flag = asyncio.ThreadSafeFlag()
    button = Pin(0, Pin.IN, Pin.PULL_UP)
    button.irq(lambda p: flag.set(), Pin.IRQ_FALLING)
    for _ in range(2):
        await flag.wait()
        print(now(), "button pressed")


asyncio.run(main())
