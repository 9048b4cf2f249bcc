"""The reference stack of the differential tests: the real Apache Kafka Connect with the real
Debezium PostgreSQL connector (scripts/connect.sh, fetched by `make deps`), run beside connectd on
the same inputs, and the normalisation their outputs go through before they are compared.

Normalisation is a short list on purpose. Everything else must be equal byte for byte; a new entry
needs a reason why the two can never agree on it (it names the process, the clock or the version)."""
import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import ROOT, free_port, http

CONNECT_SH = str(ROOT / "scripts" / "connect.sh")

# Settings both workers get in the differential tests, so that they commit offsets as often.
SHARED_WORKER_SETTINGS = {"offset.flush.interval.ms": "500"}


class JavaConnect:
    """One Kafka Connect worker (distributed mode) in a temp directory, on the given broker."""

    def __init__(self, bootstrap, settings=None):
        self.dir = tempfile.mkdtemp(prefix="connectd-reference-")
        self.port = free_port()
        kv = [f"{k}={v}" for k, v in {**SHARED_WORKER_SETTINGS, **(settings or {})}.items()]
        r = subprocess.run(["bash", CONNECT_SH, "start", self.dir, bootstrap, str(self.port), *kv],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            log = self.log()[-4000:]
            shutil.rmtree(self.dir, ignore_errors=True)
            pytest.fail(f"Kafka Connect did not start:\n{r.stdout}{r.stderr}\n{log}")
        with open(os.path.join(self.dir, "url")) as f:
            self.url = f.read().strip()

    def log(self):
        try:
            with open(os.path.join(self.dir, "connect.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def get(self, path, **kw):
        return http("GET", self.url + path, **kw)

    def request(self, method, path, body=None, **kw):
        return http(method, self.url + path, body=body, **kw)

    def stop(self):
        subprocess.run(["bash", CONNECT_SH, "stop", self.dir], capture_output=True, timeout=120)

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- normalisation

# What differs between any two workers, or between two runs of one, and why it may.
NORMALISATION = [
    ("worker_id", "names the worker's host and REST port, which differ between the two processes"),
    ("trace", "a Java stack trace in a FAILED status names Java classes and line numbers; compared "
              "only up to its first line (the exception's message)"),
    ("GET / commit", "the worker's own build (its version is the Kafka Connect release whose "
                     "REST API it serves, and is compared)"),
    ("GET / kafka_cluster_id", "each side runs on a broker of its own"),
]

_WORKER_ID = re.compile(r"^127\.0\.0\.1:\d+$")


def normalise(value, path=None):
    """A copy of a parsed JSON REST body (the answer to GET path) with the NORMALISATION entries
    replaced by placeholders."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "worker_id" and isinstance(v, str) and _WORKER_ID.match(v):
                v = "<worker>"
            elif k == "trace" and isinstance(v, str):
                v = v.splitlines()[0] if v else v
            elif path == "/" and k in ("commit", "kafka_cluster_id") and isinstance(v, str):
                v = f"<{k}>"
            else:
                v = normalise(v)
            out[k] = v
        return out
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def same(connectd_answer, java_answer, path=None):
    """(status, normalised body) of each, for an assert ==; bodies that are not JSON compare raw."""
    def view(a):
        status, parsed, raw = a
        return status, normalise(parsed, path) if parsed is not None or not raw else raw
    return view(connectd_answer), view(java_answer)
