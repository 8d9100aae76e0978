# The interpreter's own modules that reach its internals (building code objects from bytes,
# host addresses, subinterpreters, the host's build configuration) are no module on the board:
# neither `import` nor the import machinery's own loader reaches them (issue 21).
import sys

NAMES = ("_testinternalcapi", "_interpreters", "_interpchannels", "_interpqueues", "_symtable",
         "_sysconfig", "_sysconfigdata", "marshal")
for n in NAMES:
    try:
        __import__(n)
        print("imported", n)
    except ImportError as e:
        print(e)
try:
    imp = __import__("_imp")
except ImportError:
    imp = None
if imp is not None:
    spec_type = type(sys.modules["sys"].__spec__)
    for n in NAMES + ("_sysconfigdata_t_linux_x86_64-linux-gnu",):
        try:
            imp.create_builtin(spec_type(n, None))
            print("created", n)
        except ImportError:
            print("refused", n, n in sys.modules)
