# Known difference (docs/differences.md): machine.mem8/mem16/mem32 model no peripheral registers.
# A word reads back what the script wrote there (0 where it never wrote); on the board, reading a
# register reads the peripheral (here the ESP8266's GPIO input register, which follows the pins).
import machine

GPIO_IN = 0x60000318
print(machine.mem32[GPIO_IN])
machine.mem32[GPIO_IN] = 5
print(machine.mem32[GPIO_IN])
