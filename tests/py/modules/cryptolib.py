# cryptolib.aes as the firmware's: ECB and CBC with 128- and 256-bit keys (FIPS-197 and
# SP 800-38A vectors), CBC chaining across calls, output into a buffer, and its errors.
from cryptolib import aes
import binascii

h = binascii.unhexlify
key = bytes(range(16))
pt = h("00112233445566778899aabbccddeeff")
print(binascii.hexlify(aes(key, 1).encrypt(pt)))
print(binascii.hexlify(aes(bytes(range(32)), 1).encrypt(pt)))
print(aes(key, 1).decrypt(h("69c4e0d86a7b0430d8cdb78070b4c55a")) == pt)

k = h("2b7e151628aed2a6abf7158809cf4f3c")
iv = bytes(range(16))
p = h("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51")
c = aes(k, 2, iv)
# Two calls chain as one: the second block continues from the first's ciphertext.
ct = c.encrypt(p[:16]) + c.encrypt(p[16:])
print(binascii.hexlify(ct))
print(ct == aes(k, 2, iv).encrypt(p))
d = aes(k, 2, iv)
buf = bytearray(32)
print(d.decrypt(ct, buf) is buf, buf == p)

for bad in (lambda: aes(b"short", 1), lambda: aes(key, 3), lambda: aes(key, 6, iv), lambda: aes(key, 2),
            lambda: aes(key, 2, b"x"), lambda: aes(key, 1).encrypt(b"123"),
            lambda: aes(key, 1).encrypt(pt, bytearray(8))):
    try:
        bad()
    except ValueError as e:
        print("ValueError:", e)
e = aes(key, 1)
e.encrypt(pt)
try:
    e.decrypt(pt)
except ValueError as err:
    print("ValueError:", err)
print(hasattr(__import__("cryptolib"), "MODE_CTR"))
