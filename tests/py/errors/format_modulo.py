# Issue 15: `%` with a mapping as the firmware reads it: a keyed conversion uses the mapping up, a
# conversion without a key takes the mapping itself while it is unused, a `*` after a key finds no
# argument; floats formatted through a key get the board's digits.
print("%s %(foo)s %(foo)s" % {"foo": 1})
for fmt in ("%(foo)s %s", "%(foo)*s", "%(foo)s %(bar)s", "%(foo", "%(foo)"):
    try:
        print(fmt % {"foo": "bar"})
    except (TypeError, KeyError, ValueError) as e:
        print(type(e).__name__, e)
print("%(x).3f|%(x)10.2e|%(y)s|%%" % {"x": 1 / 3, "y": [1.5]})
print("%s" % {"a": 1}, "none" % {})
