# machine.reset() and deepsleep() reboot the board and run main.py again; reset_cause() tells why (issue 2).
import machine
cause = machine.reset_cause()
print("boot, cause", cause)
if cause == machine.PWRON_RESET:
    machine.reset()
elif cause == machine.HARD_RESET:
    machine.deepsleep(100)
print("done after deep sleep", cause == machine.DEEPSLEEP_RESET)
