# Built-in behaviour as the firmware has it (issue 15): generators can be awaited, slices cannot
# be hashed, set.pop() takes the first element, OrderedDict prints as the firmware prints it,
# and CR / CR LF line endings in source read as LF, inside string literals too.
import asyncio
from collections import OrderedDict


def gen():
    yield from asyncio.sleep_ms(1)
    return "from a generator"


async def main():
    print(await gen())


asyncio.run(main())

try:
    {}[:] = {}
except TypeError as e:
    print("TypeError:", e)

s = set(range(5))
print([s.pop() for _ in range(5)])

print(OrderedDict(), OrderedDict([("b", 1), ("a", 2)]))

exec('x = """a\r\nb\rc"""\r\nprint(repr(x))\r\n')
