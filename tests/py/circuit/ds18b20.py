# mpsim: --board pico --wiring tests/py/circuit/bus1w.toml --control outside.temperature=-12.75@2s
# The firmware's onewire and ds18x20 on two DS18B20s: the ROM search finds both (family 0x28,
# valid CRC), 85 C before the first conversion, a conversion's 750 ms (read slots give 0 until
# done), 9-bit resolution through Write Scratchpad (93.75 ms, 0.5 C steps), and a bus with
# nothing on it.
import machine, onewire, ds18x20, time

ow = onewire.OneWire(machine.Pin(22))
ds = ds18x20.DS18X20(ow)
roms = ds.scan()
print("found", len(roms))
for r in roms:
    print(" ", "".join("%02x" % b for b in r), "crc ok" if ow.crc8(r) == 0 else "bad crc")
print("before a conversion:", [ds.read_temp(r) for r in roms])
ds.convert_temp()
t0 = time.ticks_ms()
while not ow.readbit():
    pass
print("conversion took about", (time.ticks_diff(time.ticks_ms(), t0) + 25) // 50 * 50, "ms")
print("after:", [ds.read_temp(r) for r in roms])
time.sleep(2)
ds.convert_temp()
time.sleep_ms(750)
print("later:", [ds.read_temp(r) for r in roms])
# 9-bit resolution: TH, TL, config 0x1F. A Skip ROM conversion runs on both sensors, and the
# bus reads 0 until the slower one is done.
ds.write_scratch(roms[1], b"\x4b\x46\x1f")
print("config", hex(ds.read_scratch(roms[1])[4]), hex(ds.read_scratch(roms[0])[4]))
ds.convert_temp()
t0 = time.ticks_ms()
while not ow.readbit():
    pass
print("mixed conversion took about", (time.ticks_diff(time.ticks_ms(), t0) + 25) // 50 * 50, "ms")
ds.write_scratch(roms[0], b"\x4b\x46\x1f")
ds.convert_temp()
t0 = time.ticks_us()
while not ow.readbit():
    pass
print("9-bit conversion took about", (time.ticks_diff(time.ticks_us(), t0) + 2500) // 5000 * 5, "ms")
print("9-bit:", [ds.read_temp(r) for r in roms])
print("empty bus:", onewire.OneWire(machine.Pin(15)).scan(), onewire.OneWire(machine.Pin(15)).reset())
try:
    onewire.OneWire(machine.Pin(15)).reset(True)
except onewire.OneWireError:
    print("OneWireError")
