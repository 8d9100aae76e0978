"""A process and its children (a front end and its board process), read from /proc."""
import os


def children(pid):
    """The pids whose parent is `pid`."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid …: comm may hold spaces, so count from its last parenthesis.
        if int(stat[stat.rfind(")") + 2:].split()[1]) == pid:
            out.append(int(d))
    return out


def _status_kb(pid, field):
    """A kB figure of /proc/PID/status (0 once the process is gone)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb(pid):
    """The resident memory of `pid` (0 once it is gone)."""
    return _status_kb(pid, "VmRSS:")


def peak_kb(pid):
    """The peak resident memory of `pid` so far (0 once it is gone)."""
    return _status_kb(pid, "VmHWM:")


def tree_rss_kb(pid):
    """The resident memory of `pid` and its children together."""
    return rss_kb(pid) + sum(rss_kb(c) for c in children(pid))
