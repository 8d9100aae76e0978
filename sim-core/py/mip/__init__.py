# mip (frozen in the networking boards' firmware): installs packages from an index or a URL
# onto the flash, written for mpsim from the documented behaviour of micropython-lib's mip
# (same calls, same messages). mpsim runs source, so it asks the index for the `py` variant of a
# package where the firmware asks for its .mpy one. `--mip-index` changes the default index.
import sys
import requests
import _mpsim_net

_INDEX = "https://micropython.org/pi/v2"
_PREFIXES = ("http://", "https://", "codeberg:", "github:", "gitlab:")
# Where a repository's short form points (organisation, repository, branch, then the path).
_HOSTS = (
    ("codeberg:", "https://codeberg.org/api/v1/repos/%s/%s/raw/%s?ref=%s", True),
    ("github:", "https://raw.githubusercontent.com/%s/%s/%s/%s", False),
    ("gitlab:", "https://gitlab.com/%s/%s/-/raw/%s/%s", False),
)


def _makedirs_for(path):
    import os
    parts = path.split("/")[:-1]
    at = ""
    for i, p in enumerate(parts):
        at += p
        if at:
            try:
                os.stat(at)
            except OSError:
                os.mkdir(at)
        at += "/"


def _copy(src, write):
    buf = bytearray(128)
    view = memoryview(buf)
    while True:
        n = src.readinto(buf)
        if not n:
            break
        write(view[:n])


def _same(path, short_hash):
    try:
        import binascii
        import hashlib
        h = hashlib.sha256()
        with open(path, "rb") as f:
            _copy(f, h.update)
        return binascii.hexlify(h.digest()).decode()[: len(short_hash)] == short_hash
    except Exception:
        return False


def _url(url, branch=None):
    for prefix, form, ref_last in _HOSTS:
        if url.startswith(prefix):
            p = url[len(prefix):].split("/")
            rest = "/".join(p[2:])
            b = branch or "HEAD"
            if ref_last:
                return form % (p[0], p[1], rest, b)
            return form % (p[0], p[1], b, rest)
    return url


def _fetch(url, dest):
    r = requests.get(url)
    try:
        if r.status_code != 200:
            print("Error", r.status_code, "requesting", url)
            return False
        print("Copying:", dest)
        _makedirs_for(dest)
        with open(dest, "wb") as f:
            _copy(r.raw, f.write)
        return True
    finally:
        r.close()


def _from_json(json_url, index, target, version, mpy):
    r = requests.get(_url(json_url, version))
    try:
        if r.status_code != 200:
            print("Package not found:", json_url)
            return False
        desc = r.json()
    finally:
        r.close()
    for path, short_hash in desc.get("hashes", ()):
        dest = target + "/" + path
        if _same(dest, short_hash):
            print("Exists:", dest)
            continue
        if not _fetch("%s/file/%s/%s" % (index, short_hash[:2], short_hash), dest):
            print("File not found: %s %s" % (path, short_hash))
            return False
    base = json_url.rpartition("/")[0]
    for path, url in desc.get("urls", ()):
        dest = target + "/" + path
        if base and not url.startswith(_PREFIXES):
            url = base + "/" + url
        if not _fetch(_url(url, version), dest):
            print("File not found: %s %s" % (path, url))
            return False
    for dep, dep_version in desc.get("deps", ()):
        if not _package(dep, index, target, dep_version, mpy):
            return False
    return True


def _package(package, index, target, version, mpy):
    if package.startswith(_PREFIXES):
        if package.endswith(".py") or package.endswith(".mpy"):
            print("Downloading %s to %s" % (package, target))
            return _fetch(_url(package, version), target + "/" + package.rsplit("/")[-1])
        if not package.endswith(".json"):
            if not package.endswith("/"):
                package += "/"
            package += "package.json"
        print("Installing %s to %s" % (package, target))
    else:
        version = version or "latest"
        print("Installing %s (%s) from %s to %s" % (package, version, index, target))
        package = "%s/package/py/%s/%s.json" % (index, package, version)
    return _from_json(package, index, target, version, mpy)


def install(package, index=None, target=None, version=None, mpy=True):
    if not target:
        for p in sys.path:
            if p.endswith("/lib") and not p.startswith("/rom"):
                target = p
                break
        else:
            print("Unable to find lib dir in sys.path")
            return
    if not index:
        index = _mpsim_net.mip_index() or _INDEX
    if _package(package, index.rstrip("/"), target, version, mpy):
        print("Done")
    else:
        print("Package may be partially installed")
