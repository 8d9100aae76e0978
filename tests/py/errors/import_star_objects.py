# `from x import *` where sys.modules holds a class or an instance: the names come from its
# attributes, honouring __all__; an object without attributes is an error, as on the firmware.
import sys


class Config:
    __all__ = ("speed",)
    speed = 9600
    port = "/dev/tty"


sys.modules["cfg"] = Config
from cfg import *

print(speed, "port" in globals())
sys.modules["cfg"] = 42
try:
    from cfg import *
except (AttributeError, ImportError) as e:
    print(type(e).__name__)
del sys.modules["cfg"]
