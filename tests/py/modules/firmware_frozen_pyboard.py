# mpsim: --board pyboard
# The Pyboard's stm module (issue 18): memory by address through mem8/16/32 and the peripherals'
# register addresses.
import stm

print(hex(stm.GPIOA), hex(stm.GPIOB + stm.GPIO_ODR), hex(stm.RCC + stm.RCC_AHB1ENR))
stm.mem32[0x20001000] = 0x12345678
print(hex(stm.mem32[0x20001000]), hex(stm.mem16[0x20001000]), hex(stm.mem8[0x20001003]))
try:
    import _rp2
except ImportError as e:
    print(e)
