# localtime/gmtime/mktime on the ESP8266's epoch (2000-01-01), plain 8-tuples (issue 2).
import time
print(time.localtime(0))
print(time.gmtime(0))
print(time.localtime(700000000))
print(time.mktime((2000, 1, 1, 0, 0, 0, 0, 0)))
print(time.mktime((2024, 2, 29, 12, 30, 15, 0, 0)))
print(time.localtime(time.mktime((2024, 2, 29, 12, 30, 15, 0, 0))))
print(time.mktime((2023, 13, 1, 0, 0, 0, 0, 0)) == time.mktime((2024, 1, 1, 0, 0, 0, 0, 0)))
print(time.localtime(-1))
print(time.time() < 5, type(time.time()))
print(len(time.localtime()))
print(time.time_ns() >= 0)
