# asyncio.core, as the firmware freezes it: the loop, tasks, sleeps and their errors (all kept
# in the package itself in mpsim).
from . import (CancelledError, TimeoutError, Task, TaskQueue, Loop, create_task, current_task,
               get_event_loop, new_event_loop, run, run_until_complete, sleep, sleep_ms)
