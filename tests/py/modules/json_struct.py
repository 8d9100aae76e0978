# json and struct, under both names (issue 2).
import json, ujson, struct
print(json.dumps({"a": 1}), json.dumps([1, 2.5, "x", None, True, False]))
print(json.dumps("quote\" and \\ and \n"), json.dumps({"nested": {"k": [1, {}]}}))
print(json.loads('{"a": [1, 2, {"b": null}], "c": "\\u0041\\n"}'))
print(json.loads("  -12.5e1 "), json.loads("true"), json.loads(b"[]"))
for bad in ("{", "[1,]", "nul", '"abc', "1 2"):
    try:
        json.loads(bad)
    except ValueError as e:
        print("ValueError:", e)
try:
    json.dumps(object())
except TypeError:
    print("TypeError")
import io
s = io.StringIO()
json.dump({"x": 1}, s)
print(s.getvalue(), json.load(io.StringIO("[3]")))
print(struct.pack("<BHI", 1, 2, 3), struct.pack(">h", -2), struct.calcsize("<iif"))
print(struct.unpack("<BHI", b"\x01\x02\x00\x03\x00\x00\x00"), struct.unpack_from("<H", b"\x00\x01\x02", 1))
buf = bytearray(4)
struct.pack_into("<H", buf, 1, 0xABCD)
print(buf)
