# A full flash is OSError 28 for the script and nothing else breaks (issue 3).
import os
chunk = b"\xaa" * 4096
n = 0
f = open("fill.bin", "wb")
try:
    while True:
        f.write(chunk)
        n += 1
except OSError as e:
    print("full after", n > 800, "blocks:", e, e.errno)
f.close()
print(os.statvfs("/")[3])
try:
    open("more.txt", "w").write("x" * 5000)
except OSError as e:
    print("still full:", e)
os.remove("fill.bin")
print(os.statvfs("/")[3] > 800)
with open("after.txt", "w") as f:
    f.write("works again")
print(open("after.txt").read())
