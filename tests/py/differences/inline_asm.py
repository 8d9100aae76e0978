# Known difference (docs/differences.md): mpsim cannot run machine code, so the inline assembler
# (@micropython.asm_xtensa on the ESP8266, asm_thumb on the Pyboard, asm_rv32) is refused as the
# compiler refuses an emitter its build lacks; the firmware assembles it and prints 3.
try:
    exec("@micropython.asm_xtensa\ndef f(a2):\n    addi(a2, a2, 1)\nprint(f(2))")
except SyntaxError as e:
    print("SyntaxError:", e)
