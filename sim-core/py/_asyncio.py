# _asyncio: the firmware's C half of asyncio (its task and task queue types).
from asyncio import Task, TaskQueue
