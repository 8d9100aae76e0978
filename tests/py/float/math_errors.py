# Issue 15: math reports a domain error as the firmware's math_error() does, and log with base 1
# divides by zero as py/modmath.c does.
import math

for args in ((2, 1), (float("nan"), 1.0), (0, 1), (8, 2), (2, 0)):
    try:
        print(args, math.log(*args))
    except (ValueError, ZeroDivisionError) as e:
        print(args, type(e).__name__, e)
for f, x in ((math.sqrt, -1), (math.acos, 2), (math.log, -1)):
    try:
        f(x)
    except ValueError as e:
        print(e)
