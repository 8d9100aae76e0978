# machine as the esp8266 port has it, where it differs from machine.py's defaults (machine runs
# this in its own namespace; the board data chooses the file).


class _ADCPort(_ADCPort):
    # ADC(0) is the A0 pad; ADC(1) reads the supply voltage.
    def read(self):
        if self._id == 1:
            return _info["vcc_mv"]
        return super().read()

    def read_u16(self):
        if self._id == 1:
            return 65535
        return super().read_u16()
