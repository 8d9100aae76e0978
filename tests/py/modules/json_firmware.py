# json as the firmware's (issue 15): keys that are not strings are their JSON text in quotes,
# bytes dump as a string, separators must be a pair; time.ticks_add refuses half a period.
import json, time

print(json.dumps({None: 1, False: 2, 3: 4, 1.5: 5}))
print(json.dumps(b"1234"), json.dumps([1, 2], separators=(",", ":")))
for sep in (1, (",",), (",", ":", "?")):
    try:
        json.dumps(0, separators=sep)
    except (TypeError, ValueError) as e:
        print(type(e).__name__)

half = time.ticks_add(0, -1) // 2 + 1
for delta in (-half, -half + 1, half - 1, half):
    try:
        time.ticks_add(0, delta)
        print("ok")
    except OverflowError:
        print("OverflowError")
