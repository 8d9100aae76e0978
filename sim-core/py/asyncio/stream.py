# asyncio.stream, as the firmware freezes it (kept in the package itself in mpsim).
from . import Server, Stream, StreamReader, StreamWriter, open_connection, start_server
