# Issue 15: a name longer than the firmware can intern (255 bytes) is its RuntimeError("name too
# long"): in source, attribute names, class names, format keys and module names.
ok, long = "a" * 255, "b" * 256


class A:
    pass


def attempt(label, f):
    try:
        print(label, f())
    except RuntimeError as e:
        print(label, "RuntimeError:", e)


attempt("source 255", lambda: exec(ok + " = 1") or "ok")
attempt("source 256", lambda: exec(long + " = 1"))
attempt("setattr", lambda: setattr(A(), long, 1))
attempt("hasattr", lambda: hasattr(A(), long))
attempt("getattr 255", lambda: getattr(A(), ok, "default"))
attempt("type", lambda: type(long, (), {}))
attempt("format key", lambda: ("{" + long + "}").format(**{long: 1}))
attempt("% key", lambda: ("%(" + long + ")s") % {long: 1})
attempt("import", lambda: __import__(long))
