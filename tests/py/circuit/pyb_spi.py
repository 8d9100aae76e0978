# mpsim: --board pyboard --wiring tests/py/circuit/pyb_spi.toml
# pyb.SPI in controller mode: a MAX7219's registers written word by word (CS low, two bytes, CS
# high); its digit registers cannot be read back, so MISO reads its idle level.
import pyb

spi = pyb.SPI(1, pyb.SPI.CONTROLLER, baudrate=1000000, polarity=0, phase=0)
print(spi)
cs = pyb.Pin("X5", pyb.Pin.OUT_PP)
cs.high()


def reg(r, v):
    cs.low()
    spi.send(bytes([r, v]))
    cs.high()


for r, v in ((0x0C, 1), (0x09, 0), (0x0B, 7), (0x0A, 8)):
    reg(r, v)
for row in range(8):
    reg(row + 1, 0x81 if row in (0, 7) else 0x00)
print(spi.recv(2))
print(pyb.SPI(2))
try:
    pyb.SPI(3)
except ValueError as e:
    print(e)
