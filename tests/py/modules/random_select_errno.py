# random (seeded, ranges), select.poll on stdin, errno (issue 2).
import random, select, sys, errno
random.seed(42)
a = [random.randint(1, 6) for _ in range(5)]
random.seed(42)
print(a == [random.randint(1, 6) for _ in range(5)])
print(all(0 <= random.getrandbits(8) < 256 for _ in range(20)))
print(all(3 <= random.randrange(3, 9, 2) <= 7 for _ in range(20)), random.randrange(5, 6))
print(random.choice("x"), 0 <= random.random() < 1, 2 <= random.uniform(2, 3) <= 3)
try:
    random.getrandbits(33)
except ValueError:
    print("ValueError")
try:
    random.choice([])
except IndexError:
    print("IndexError")
p = select.poll()
p.register(sys.stdin, select.POLLIN)
print(p.poll(0))
print(select.POLLIN, select.POLLOUT, select.POLLERR, select.POLLHUP)
print(errno.ENOENT, errno.EEXIST, errno.EAGAIN, errno.errorcode[errno.EIO])
# Only streams can be polled on a board (file descriptor numbers are the unix port's).
try:
    select.poll().register(0)
except OSError as e:
    print("OSError:", e)
