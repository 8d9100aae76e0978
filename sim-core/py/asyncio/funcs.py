# asyncio.funcs, as the firmware freezes it (kept in the package itself in mpsim).
from . import gather, wait_for, wait_for_ms
