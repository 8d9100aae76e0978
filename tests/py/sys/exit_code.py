# sys.exit(n) with n != 0 ends the run with exit code 1 and no traceback (issue 2).
# exit: 1
import sys
print("before")
sys.exit(3)
