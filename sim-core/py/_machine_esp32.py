# machine as the esp32 port has it, where it differs from machine.py's defaults (machine runs
# this in its own namespace; the board data chooses the file).

# Attenuations: the input voltage that reads full scale.
_ATTN_FULL_V = (1.1, 1.5, 2.2, 3.9)


class _ADCPort:
    # ADC by pin, with attenuation and width.
    ATTN_0DB = const(0)
    ATTN_2_5DB = const(1)
    ATTN_6DB = const(2)
    ATTN_11DB = const(3)
    WIDTH_9BIT = const(9)
    WIDTH_10BIT = const(10)
    WIDTH_11BIT = const(11)
    WIDTH_12BIT = const(12)

    def atten(self, a):
        if a not in (0, 1, 2, 3):
            raise ValueError("invalid atten")
        self._atten = a

    def width(self, bits):
        if bits not in (9, 10, 11, 12):
            raise ValueError("invalid width")
        self._bits = bits

    def _volts(self):
        return _mpsim.adc_read(self._id) * _info["vcc_mv"] / 1000

    def read(self):
        full = _ATTN_FULL_V[self._atten]
        top = (1 << self._bits) - 1
        return min(top, int(self._volts() / full * top + 0.5))

    def read_u16(self):
        return min(65535, int(self._volts() / _ATTN_FULL_V[self._atten] * 65535 + 0.5))

    def read_uv(self):
        return int(min(self._volts(), _ATTN_FULL_V[self._atten]) * 1000000)

    def __repr__(self):
        return "ADC(Pin(%d))" % self._id


_ADC_ERROR = "invalid Pin for ADC"


# PWM's repr names its pin as a Pin.
_PWM_PIN = "Pin(%d)"


def _uart_repr(u, tx, rx):
    return ("UART(%d, baudrate=%d, bits=%d, parity=%s, stop=%d, tx=%d, rx=%d, rts=-1, cts=-1, txbuf=0, "
            "rxbuf=%d, timeout=%d, timeout_char=%d, irq=0)" % (
                u._id, u._baudrate, u._bits, u._parity, u._stop, tx, rx, u._rxbuf, u._timeout,
                u._timeout_char))
