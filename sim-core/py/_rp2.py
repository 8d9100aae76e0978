# _rp2: the RP2040 port's C module, which the frozen rp2 extends (mpsim keeps both in rp2).
try:
    from rp2 import PIO, StateMachine, bootsel_button
except ImportError:
    raise ImportError("no module named '_rp2'")
