# asyncio as the firmware schedules it (issue 15): first in first out among tasks due at the same
# time, cancel() forwarded down a chain of awaits, wait_for's runner, gather's callbacks, a
# Lock handed over in order, Loop.stop(), and an exception nobody awaited reported once.
import asyncio


def handler(loop, context):
    print("handler:", context["message"], repr(context["exception"]))


async def say(name, n):
    for i in range(n):
        print(name, i)
        await asyncio.sleep(0)
    return name


async def sleeper(name):
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print(name, "cancelled")
        raise


async def waits_for(t):
    return await t


async def fails():
    raise ValueError(1)


async def locked(lock, name):
    async with lock:
        print(name, "has the lock")
        await asyncio.sleep_ms(5)


async def main():
    loop = asyncio.get_event_loop()
    loop.set_exception_handler(handler)
    print(await asyncio.gather(say("a", 2), say("b", 2)))

    inner = asyncio.create_task(sleeper("inner"))
    outer = asyncio.create_task(waits_for(inner))
    await asyncio.sleep(0)
    outer.cancel()
    try:
        await outer
    except asyncio.CancelledError:
        print("outer cancelled:", inner.done(), outer.done())

    try:
        await asyncio.wait_for(sleeper("slow"), 0.01)
    except asyncio.TimeoutError:
        print("timeout")
    print(await asyncio.wait_for_ms(say("quick", 1), 50))

    print(await asyncio.gather(fails(), say("c", 1), return_exceptions=True))

    lock = asyncio.Lock()
    await asyncio.gather(locked(lock, "x"), locked(lock, "y"), locked(lock, "z"))

    t = asyncio.create_task(fails())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    try:
        await t
    except ValueError as e:
        print("awaited later:", repr(e))


asyncio.run(main())


async def stopper():
    print("stopping")
    asyncio.get_event_loop().stop()


loop = asyncio.new_event_loop()
loop.create_task(stopper())
loop.run_forever()
print("after run_forever")
