# re: compile, match, search, groups, sub, split (issue 2).
import re
r = re.compile(r"(\d+)-(\d+)")
m = r.match("12-345 rest")
print(m.group(0), m.group(1), m.group(2), m.groups(), m.start(2), m.end(2), m.span())
print(r.match("x12-3"), r.search("x12-3").group(0))
print(re.search(r"[a-z]+", "123 abc 456").group(0))
print(re.match(r"a|b", "b").group(0), re.match(r"(a)?b", "b").group(1))
print(re.sub(r"\s+", " ", "a   b \t c"))
print(re.sub(r"(\w+)@(\w+)", r"\2 at \1", "me@home you@work"))
print(re.sub(r"\d", lambda m: str(int(m.group(0)) * 2), "a1b2c3"))
print(re.sub("a", "b", "aaa", 2))
print(re.split(r"[,;]", "a,b;c"), re.split(",", "a,b,c", 1))
print(re.match(r"^\w+$", "hello_1") is not None, re.match(r"^\w+$", "hel lo"))
print(re.compile("ABC", re.I).match("abc").group(0))
print(re.findall(r"\d+", "a1 b22 c333"))
print(re.match(b"[0-9]+", b"42abc").group(0))
try:
    re.compile("(unclosed")
except Exception as e:
    print(type(e).__name__)

# The firmware's split stops at the first empty match and refuses sub-captures; match/search
# take pos and endpos, and `^` still means the subject's start (issue 15).
print(re.compile(" *").split("a b  c"), re.compile("x*").split("axbc"), re.split(",", "a,b,c", 1))
try:
    re.compile("( )").split("a b")
except NotImplementedError as e:
    print("NotImplementedError:", e)
p = re.compile("o")
print(p.match("dog", 1), p.match("dog", 1, 2).group(0), p.search("dog", 0, 1), re.compile("^o").search("dog", 1))
print(hasattr(re, "DEBUG"))
