# mpsim: --map-port 9300=0
# asyncio streams over the board's sockets: a server and clients in one script, reaching the
# board's own server at 127.0.0.1 and at its own address, whatever the host port (issue 6).
import network, time, asyncio

sta = network.WLAN(network.STA_IF)
sta.active(True)
sta.connect("ClassroomWiFi", "secret")
while not sta.isconnected():
    time.sleep_ms(20)


served = []


async def handle(r, w):
    peer = w.get_extra_info("peername")[0]
    while True:
        line = await r.readline()
        if not line:
            break
        w.write(b"echo " + line)
        await w.drain()
    await w.wait_closed()
    served.append(peer)


async def ticker(n):
    for i in range(n):
        await asyncio.sleep_ms(10)
    return n


async def client(host, words):
    r, w = await asyncio.open_connection(host, 9300)
    got = []
    for word in words:
        w.write(word + b"\n")
        await w.drain()
        got.append(await r.readline())
    await w.wait_closed()
    return got


async def main():
    srv = await asyncio.start_server(handle, "0.0.0.0", 9300)
    results = await asyncio.gather(
        client("127.0.0.1", [b"one", b"two"]),
        client(sta.ifconfig()[0], [b"three"]),
        ticker(5),
    )
    print(results)
    while len(served) < 2:
        await asyncio.sleep_ms(10)
    print("served", served)
    try:
        await asyncio.open_connection(sta.ifconfig()[0], 9999)
    except OSError as e:
        print("nobody on 9999:", e)
    srv.close()
    await srv.wait_closed()
    print("done")


asyncio.run(main())
