# mpsim: --board pico
# Known difference (docs/differences.md): `_thread.start_new_thread` (ESP32, Picos) runs the
# function to its end before it returns, on the board's one interpreter thread; the firmware runs
# it alongside the main program (on the rp2, on the second core), so there "main" prints first.
import _thread, time


def worker(n):
    for i in range(n):
        print("worker", i)


_thread.start_new_thread(worker, (2,))
print("main")
time.sleep_ms(10)
