#!/usr/bin/env python3
"""Fetch one source distribution by name and version from pip's package index, check its digest.

    fetch-sdist.py NAME VERSION SHA256 DEST_DIR   ->  prints the path of the checked .tar.gz

Used for micropython-lib's packages, which are board-side Python: their sdists have neither
setup.py nor pyproject.toml, so `pip download --no-binary :all:` fetches them and then refuses them
while preparing metadata. This reads the same index pip would (PIP_INDEX_URL, then pip's
configuration, then pip's default) through its simple API (PEP 503), so no index host is written
here, and keeps the file only when its SHA-256 is the pinned one.
"""

import hashlib
import html.parser
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request


def index_url():
    url = os.environ.get("PIP_INDEX_URL")
    if url:
        return url
    for key in ("global.index-url", "install.index-url", "download.index-url"):
        out = subprocess.run(
            [sys.executable, "-m", "pip", "config", "get", key],
            capture_output=True,
            text=True,
        )
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    from pip._internal.models.index import PyPI  # pip's own default index

    return PyPI.simple_url


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    name, version, digest, dest = sys.argv[1:]
    project = re.sub(r"[-_.]+", "-", name).lower()
    base = index_url().rstrip("/") + "/" + project + "/"
    with urllib.request.urlopen(base, timeout=120) as r:
        page = Links()
        page.feed(r.read().decode("utf-8", "replace"))
    wanted = {f"{name}-{version}.tar.gz", f"{project}-{version}.tar.gz",
              f"{name.replace('.', '_').replace('-', '_')}-{version}.tar.gz"}
    for href in page.hrefs:
        url = urllib.parse.urljoin(base, href)
        file = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
        if file in wanted:
            break
    else:
        sys.exit(f"fetch-sdist: no sdist of {name} {version} in the index")
    with urllib.request.urlopen(url.split("#", 1)[0], timeout=120) as r:
        data = r.read()
    got = hashlib.sha256(data).hexdigest()
    if got != digest:
        sys.exit(f"fetch-sdist: {file}: sha256 {got}, expected {digest}")
    os.makedirs(dest, exist_ok=True)
    path = os.path.join(dest, file)
    with open(path, "wb") as f:
        f.write(data)
    print(path)


if __name__ == "__main__":
    main()
