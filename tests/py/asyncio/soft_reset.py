# Issue 15: a soft reset after an asyncio program with tasks still pending (and a generator left
# half-run) reboots cleanly; the interpreter used to panic while finalising modules.
import asyncio
import os

if "reset.flag" in os.listdir():
    print("booted again after the soft reset")
    raise SystemExit


async def forever(n):
    try:
        while True:
            await asyncio.sleep_ms(n)
    finally:
        import os
        print("closed", n, "stat" in dir(os))


def gen():
    try:
        yield 1
        yield 2
    finally:
        import os


g = gen()
next(g)


async def main():
    asyncio.create_task(forever(5))
    asyncio.create_task(forever(7))
    await asyncio.sleep_ms(20)
    print("main done")


asyncio.run(main())
with open("reset.flag", "w") as f:
    f.write("1")
import machine

machine.soft_reset()
