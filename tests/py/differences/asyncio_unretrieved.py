# Known difference (docs/differences.md): mpsim's asyncio reports a task's exception as soon as
# the task ends, even when the program awaits it later and catches it there; the firmware reports
# it only for a task nobody awaits, so it prints just "caught ValueError" here.
import asyncio


async def fails():
    raise ValueError


async def main():
    t = asyncio.create_task(fails())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    try:
        await t
    except ValueError:
        print("caught ValueError")


asyncio.run(main())
