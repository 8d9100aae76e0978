# A scheduled call that schedules itself again does not starve the program (issue 15): the
# firmware runs one scheduled call per pending check, so the program runs on between them.
import micropython

n = [0]


def again(_):
    n[0] += 1
    if n[0] < 3000:
        micropython.schedule(again, None)


micropython.schedule(again, None)
x = 0
for i in range(200):
    x += i
print("the program ran while the chain went on:", n[0] < 3000, x)
