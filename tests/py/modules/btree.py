# btree as the firmware's: a database in a file on the flash survives close and reopen; ordered
# ranges (INCL, DESC), seq() and its cursor, str keys as their UTF-8, errors once closed, and a
# file that is not a database.
import btree, os

f = open("data.db", "w+b")
db = btree.open(f, pagesize=1024)
for i in (5, 1, 9, 3, 7):
    db[b"k%d" % i] = "v" + str(i * i)
db["kä"] = b"unicode"
print(db.flush(), db.close())
f.close()
print(os.stat("data.db")[6] > 0)

f = open("data.db", "r+b")
db = btree.open(f)
print(list(db), db[b"k9"], db["k\xe4"])
print(list(db.items(b"k3", b"k7")), list(db.keys(b"k3", b"k7", btree.INCL)))
print(list(db.values(b"k7", None, btree.DESC)), list(db.keys(b"k7", b"k3", btree.DESC)))
print(db.seq(3), db.seq(7), db.seq(1, b"k4"), db.seq(9), db.seq(6))
print(db.seq(1, b"z"), db.get(b"nope", 0), b"k1" in db, "k2" in db)
del db[b"k1"]
db.put(b"k0", b"zero")
print(list(db.keys()))
db.close()
f.close()
try:
    db[b"k0"]
except ValueError as e:
    print("ValueError:", e)
print(db, db.close())

with open("not.db", "wb") as f:
    f.write(b"this is not a database, it is text" * 2)
try:
    btree.open(open("not.db", "r+b"))
except OSError as e:
    print("OSError:", e)
try:
    btree.open(open("data.db", "r+b"), pagesize=100)
except OSError as e:
    print("OSError:", e)
print(b"key" + str(1), bytearray(b"a") + "b")
