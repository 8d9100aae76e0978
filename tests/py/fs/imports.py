# Modules and packages import from / and /lib; a .mpy gets a clear error (issue 3).
import sys
import helper
print(helper.NAME, helper.__file__)
import libmod
print(libmod.f(2), libmod.__file__)
import pkg
from pkg import sub
from pkg.sub import VALUE
print(pkg.INIT, sub.VALUE, VALUE)
import nspkg.leaf
print(nspkg.leaf.OK)
try:
    import compiled
except ImportError as e:
    print("ImportError:", e)
try:
    import missing_module
except ImportError as e:
    print("ImportError:", e)
try:
    libmod.boom()
except ZeroDivisionError as e:
    sys.print_exception(e)
print("helper" in sys.modules, "libmod" in sys.modules)
# A module prints as the firmware prints it: built-in ones by name, file ones with their file.
print(helper, sys)
