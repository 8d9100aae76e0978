# Known difference (docs/differences.md): asking a format for more digits than single precision
# holds prints the exact digits of the board's value (0.100000016391 for the ESP8266's 30-bit
# 0.1); the firmware's formatter makes at most 9 significant digits and pads with zeros
# (py/formatfloat.c: 0.100000016000).
print("%.12f" % 0.1)
print("{:.3f}".format(2 / 3), "%.2e" % 12345.678)
