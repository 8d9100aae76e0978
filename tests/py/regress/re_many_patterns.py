# mpsim: --heap 1M
# Issue 15: compiling more than the native cache holds made older patterns match with a
# neighbour's expression. Each compiled pattern must keep its own.
import re

first = re.compile("a(b+)c")
others = [re.compile("x%dy" % i) for i in range(300)]
m = first.match("abbbc")
print(m.group(1))
print(first.match("x0y"))
print(others[0].match("x0y").group(0), others[299].match("x299y").group(0))
print(others[5].match("x6y"))
# The module-level functions compile on the fly; they still agree with the objects.
print(re.match("a(b+)c", "abc").group(1))
print(re.search(r"(\d+)", "id 42 ok").group(1))
