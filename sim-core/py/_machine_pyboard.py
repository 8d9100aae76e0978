# machine as the stm32 port (the pyboard) has it, where it differs from machine.py's defaults
# (machine runs this in its own namespace; the board data chooses the file).


def _adc_id(id):
    if isinstance(id, (Pin, str)):
        id = Pin(id)._id if isinstance(id, str) else id._id
    if id not in _info["adc_channels"] or id >= 256:
        # Pins are numbered 16 to a port: A0 is 0, B0 16 …
        raise ValueError("Pin(%s%d) does not have ADC capabilities" % ("ABCDEFGHIJK"[id >> 4], id & 15)
                         if isinstance(id, int) and 0 <= id < 256 else "invalid ADC unit")
    return id


def _port_late():
    # machine.Pin and machine.UART are pyb's; PWM is pyb.Timer's channels.
    global Pin, UART, _MORE, _LAZY, freq
    _load_more()
    from _stm32 import Pin, UART
    del globals()["PWM"]
    _MORE = ()
    _LAZY = ("I2C", "SoftI2C", "SPI", "SoftSPI")
    freq = _stm32_freq


def _stm32_freq(sysclk=None, hclk=None, pclk1=None, pclk2=None):
    # (SYSCLK, HCLK, PCLK1, PCLK2): the buses run at 1, 1/4 and 1/2 of the core clock.
    if sysclk is not None:
        _mpsim.cpu_freq(sysclk)
    f = _mpsim.cpu_freq()
    return (f, f, f // 4, f // 2)
