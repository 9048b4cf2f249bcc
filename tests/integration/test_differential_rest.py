"""Differential tests of the REST API: the same requests to connectd and to the real Kafka Connect
(with Debezium on its plugin path), answers compared after reference.normalise. Each test runs a
script of requests on both and reports every step where the two differ, not only the first."""
import json
import os
import tempfile
import time
import uuid

import pytest

from conftest import wait_for
from reference import same

pytestmark = pytest.mark.brokers("kafka")


class Pair:
    def __init__(self, cd, java):
        self.cd, self.java = cd, java
        self.suffix = uuid.uuid4().hex[:8]
        self.diffs = []

    def name(self, base):
        return f"{base}-{self.suffix}"

    def call(self, method, path, body=None, what=None):
        """The same request to both; records a difference; returns connectd's answer."""
        a = self.cd.request(method, path, body)
        b = self.java.request(method, path, body)
        ca, jb = same(a, b, path)
        if ca != jb:
            self.diffs.append(f"{what or ''} {method} {path} {json.dumps(body) if body is not None else ''}\n"
                              f"    connectd:      {ca}\n    Kafka Connect: {jb}")
        return a

    def settle(self, path, predicate, timeout=60):
        """Waits until both answer GET path with a body for which predicate holds."""
        for side in (self.cd, self.java):
            wait_for(lambda: predicate(side.get(path)[1]), timeout, f"{path} on {side.url}")

    def check(self):
        if self.diffs:
            pytest.fail(f"{len(self.diffs)} differences from Kafka Connect:\n" + "\n".join(self.diffs))


@pytest.fixture
def pair(worker, reference):
    return Pair(worker, reference)


def test_error_paths(pair):
    """Section 2's error answers for what does not exist or is malformed."""
    c = pair.name("missing")
    for method, path, body in [
        ("GET", f"/connectors/{c}", None),
        ("GET", f"/connectors/{c}/config", None),
        ("GET", f"/connectors/{c}/status", None),
        ("GET", f"/connectors/{c}/tasks", None),
        ("GET", f"/connectors/{c}/tasks/0/status", None),
        ("GET", f"/connectors/{c}/topics", None),
        ("GET", f"/connectors/{c}/offsets", None),
        ("DELETE", f"/connectors/{c}", None),
        ("PUT", f"/connectors/{c}/pause", None),
        ("PUT", f"/connectors/{c}/resume", None),
        ("PUT", f"/connectors/{c}/stop", None),
        ("POST", f"/connectors/{c}/restart", None),
        ("POST", f"/connectors/{c}/tasks/0/restart", None),
        ("PUT", f"/connectors/{c}/topics/reset", None),
        ("DELETE", f"/connectors/{c}/offsets", None),
        ("PATCH", f"/connectors/{c}/offsets", {"offsets": []}),
        ("PATCH", f"/connectors/{c}/config", {"tasks.max": "1"}),
        ("POST", "/connectors", {"name": c}),
        ("POST", "/connectors", {"config": {"connector.class": "FileStreamSource"}}),
        ("POST", "/connectors", {"name": c, "config": {}}),
        ("POST", "/connectors", {"name": c, "config": {"connector.class": "com.example.Nope"}}),
        ("POST", "/connectors", {"name": c, "config": {"connector.class": "FileStreamSource",
                                                       "tasks.max": "zero"}}),
        ("PUT", f"/connectors/{c}/config", {"connector.class": "FileStreamSource", "name": "other"}),
        ("GET", "/connector-plugins/com.example.Nope/config", None),
        ("PUT", "/connector-plugins/FileStreamSource/config/validate", {"topic": "t"}),
        ("GET", "/admin/loggers/" + c, None),
    ]:
        pair.call(method, path, body)
    pair.check()


def test_strimzi_sequence_on_filestream(pair, tmp_path):
    """The operator's reconciliation (connect-rest-api.md section 5.2) on a FileStream source:
    create stopped, read back, run, pause, resume, stop, alter and reset offsets, restart, delete."""
    src = tmp_path / "in.txt"
    src.write_text("one\ntwo\n")
    os.chmod(tmp_path, 0o755)
    c = pair.name("fs")
    cfg = {"connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
           "tasks.max": "1", "file": str(src), "topic": pair.name("fs-topic")}
    pair.call("GET", f"/connectors/{c}/config", what="absent:")
    pair.call("POST", "/connectors", {"name": c, "config": cfg, "initial_state": "STOPPED"})
    pair.settle(f"/connectors/{c}/status", lambda s: s and s["connector"]["state"] == "STOPPED")
    pair.call("GET", f"/connectors/{c}")
    pair.call("GET", f"/connectors/{c}/config")
    pair.call("GET", f"/connectors/{c}/status")
    pair.call("GET", f"/connectors/{c}/offsets")
    pair.call("PATCH", f"/connectors/{c}/offsets",
              {"offsets": [{"partition": {"filename": str(src)}, "offset": {"position": 4}}]})
    pair.call("GET", f"/connectors/{c}/offsets")
    pair.call("PUT", f"/connectors/{c}/config", cfg)
    pair.call("PUT", f"/connectors/{c}/resume")
    pair.settle(f"/connectors/{c}/status",
                lambda s: s and s["connector"]["state"] == "RUNNING" and s["tasks"]
                and s["tasks"][0]["state"] == "RUNNING")
    pair.call("GET", f"/connectors/{c}/status")
    pair.call("GET", f"/connectors/{c}/tasks")
    pair.call("PUT", f"/connectors/{c}/pause")
    pair.settle(f"/connectors/{c}/status",
                lambda s: s and s["connector"]["state"] == "PAUSED" and s["tasks"][0]["state"] == "PAUSED")
    pair.call("GET", f"/connectors/{c}/status")
    pair.call("PUT", f"/connectors/{c}/resume")
    pair.call("POST", f"/connectors/{c}/restart?includeTasks=true&onlyFailed=true")
    pair.call("PUT", f"/connectors/{c}/stop")
    pair.settle(f"/connectors/{c}/status",
                lambda s: s and s["connector"]["state"] == "STOPPED" and not s["tasks"])
    pair.call("PATCH", f"/connectors/{c}/offsets", {"offsets": [{"partition": {"filename": str(src)},
                                                               "offset": {"position": 8}}]})
    pair.call("GET", f"/connectors/{c}/offsets")
    pair.call("DELETE", f"/connectors/{c}/offsets")
    pair.call("GET", f"/connectors/{c}/offsets")
    pair.call("DELETE", f"/connectors/{c}")
    pair.settle(f"/connectors/{c}/status", lambda s: s is not None and s.get("error_code") == 404)
    pair.call("GET", f"/connectors/{c}")
    pair.check()
