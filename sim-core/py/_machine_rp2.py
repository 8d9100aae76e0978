# machine as the rp2 port has it, where it differs from machine.py's defaults (machine runs this
# in its own namespace; the board data chooses the file).


class _PinPort:
    # rp2's Pin has toggle() and low()/high(), and names its pins in its repr.
    def toggle(self):
        _mpsim.pin_write(self._id, not _mpsim.pin_read(self._id))

    def low(self):
        _mpsim.pin_write(self._id, False)

    def high(self):
        _mpsim.pin_write(self._id, True)

    def __repr__(self):
        m, p = _mpsim.pin_config(self._id)
        # Pins past 63 are the Pico W's radio chip's (WL_GPIO0 drives the LED).
        name = "WL_GPIO%d" % (self._id - 64) if self._id >= 64 else "GPIO%d" % self._id
        if m < 0:
            return "Pin(%s, mode=ALT, alt=31)" % name
        r = "Pin(%s, mode=%s" % (name, ("IN", "OUT", "OPEN_DRAIN")[m] if m < 3 else "ALT")
        if p:
            r += ", pull=%s" % ("PULL_UP", "PULL_DOWN")[p - 1]
        return r + ")"


class _ADCPort(_ADCBase):
    # A 12-bit converter, read_u16() only.
    CORE_TEMP = const(4)

    def read_u16(self):
        return (super().read_u16() >> 4) * 65535 // 4095


def _adc_id(id):
    if isinstance(id, (Pin, str)):
        id = Pin(id)._id if isinstance(id, str) else id._id
    channel = _info["adc_pin_channels"].get(id)
    if channel is not None:
        id = channel
    elif isinstance(id, int) and 5 <= id:
        raise ValueError("invalid ADC channel")
    return _adc_channel(id)


def _uart_repr(u, tx, rx):
    return ("UART(%d, baudrate=%d, bits=%d, parity=%s, stop=%d, tx=%d, rx=%d, txbuf=%d, rxbuf=%d, "
            "timeout=%d, timeout_char=%d, invert=None, irq=0)" % (
                u._id, u._baudrate, u._bits, u._parity, u._stop, tx, rx, 256, u._rxbuf, u._timeout,
                u._timeout_char))
