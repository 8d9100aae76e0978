# Issue 15: a pattern compiles only where the firmware's engine (re1.5) can lay it out (at most 127
# ranges in a class, 63 groups, jumps of 127 bytes), and a greedy loop over something that matches
# empty recurses until the stack ends there: RuntimeError.
import re

for p in ("[" + "a" * 127 + "]", "[" + "a" * 128 + "]", "(a)" * 63, "(a)" * 64, "(" + "a" * 61 + ")?",
          "(" + "a" * 62 + ")?", "b" * 62 + "|a", "b" * 63 + "|a", "(a", "*a", "a\\"):
    try:
        re.compile(p)
        print(len(p), "ok")
    except ValueError as e:
        print(len(p), "ValueError:", e)
for p in ("(a*)*", "(a|)+b", "(a?)*?b", "(ab)*c"):
    try:
        print(p, re.search(p, "xabc") is not None)
    except RuntimeError as e:
        print(p, "RuntimeError:", e)
