# time/utime: ticks with the port's wrap-around, sleeps on the board's clock, the RTC's calendar.
from _mpsim import ticks_us as _raw_us, ticks_cpu as _raw_cpu, sleep_us as _sleep_us, rtc_us as _rtc_us
from _mpsim import board_info as _board_info

_info = _board_info()
_PERIOD = 1 << _info["ticks_period_bits"]
_MASK = _PERIOD - 1
_HALF = _PERIOD >> 1
_EPOCH = _info["epoch_year"]
del _info, _board_info


def ticks_ms():
    return (_raw_us() // 1000) & _MASK


def ticks_us():
    return _raw_us() & _MASK


def ticks_cpu():
    return _raw_cpu() & _MASK


def ticks_add(ticks, delta):
    if not -_HALF < delta < _HALF:
        raise OverflowError("ticks interval overflow")
    return (ticks + delta) & _MASK


def ticks_diff(end, start):
    return ((end - start + _HALF) & _MASK) - _HALF


def sleep(seconds):
    _sleep_us(int(seconds * 1000000))


def sleep_ms(ms):
    _sleep_us(int(ms) * 1000)


def sleep_us(us):
    _sleep_us(int(us))


def time():
    return _rtc_us() // 1000000


def time_ns():
    return _rtc_us() * 1000


_DAYS_BEFORE = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)


def _leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def _days_from_civil(y, m, d):
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_EPOCH_DAYS = _days_from_civil(_EPOCH, 1, 1)


def gmtime(secs=None):
    if secs is None:
        secs = time()
    secs = int(secs)
    days, rem = divmod(secs, 86400)
    z = days + _EPOCH_DAYS + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    y += m <= 2
    wday = (days + _EPOCH_DAYS + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    yday = _DAYS_BEFORE[m - 1] + d + (1 if m > 2 and _leap(y) else 0)
    return (y, m, d, rem // 3600, rem // 60 % 60, rem % 60, wday, yday)


localtime = gmtime


def mktime(t):
    y, m, d, hh, mm, ss = t[0], t[1], t[2], t[3], t[4], t[5]
    # Out-of-range fields roll over, as the port's timeutils do.
    y += (m - 1) // 12
    m = (m - 1) % 12 + 1
    return (_days_from_civil(y, m, 1) - _EPOCH_DAYS + d - 1) * 86400 + hh * 3600 + mm * 60 + ss
