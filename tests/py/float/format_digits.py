# Issue 15: asking a format for more digits than single precision holds prints at most 9
# significant digits (the shortest that read back as the board's value) padded with zeros, as
# py/formatfloat.c does; a %f too wide for the firmware's buffer becomes %g.
print("%.12f" % 0.1, "%.0f" % 1e19, "%.2f" % 8.888e32)
print("{:.12f}".format(0.1), f"{1e19:>24.1f}|", format(-8.888e32, ".2f"))
print("{:.3f}".format(2 / 3), "%.2e" % 12345.678, "%08.3f|%-8.1f|" % (-3.14159, 2.5))
