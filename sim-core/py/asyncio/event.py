# asyncio.event, as the firmware freezes it (kept in the package itself in mpsim).
from . import Event, ThreadSafeFlag
