"""Differential tests of the REST API: the same requests to connectd and to the real Kafka Connect
(with Debezium on its plugin path), answers compared after reference.normalise. Each test runs a
script of requests on both and reports every step where the two differ, not only the first."""
import json
import os
import re
import tempfile
import time
import uuid

import pytest

from conftest import free_port, wait_for
from kafka_util import produce
from reference import Step, known_difference, same

pytestmark = pytest.mark.brokers("kafka")


def _ordered(value):
    """A JSON value whose objects are lists of (key, value) pairs: for steps where the order of
    an object's keys is compared too."""
    if isinstance(value, dict):
        return [(k, _ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


def _differences(a, b, at="", out=None):
    """The JSON paths where a and b differ (at most 12), for answers too long to show whole."""
    out = [] if out is None else out
    if len(out) >= 12:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k not in a or k not in b:
                out.append(f"{at}/{k}: {'absent' if k not in a else repr(a[k])[:200]} vs "
                           f"{'absent' if k not in b else repr(b[k])[:200]}")
            else:
                _differences(a[k], b[k], f"{at}/{k}", out)
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            name = x.get("name") or (x.get("definition") or {}).get("name") if isinstance(x, dict) else None
            _differences(x, y, f"{at}[{name or i}]", out)
    elif a != b:
        out.append(f"{at}: {repr(a)[:300]} vs {repr(b)[:300]}")
    return out


def _show(ca, jb):
    if len(repr(ca)) + len(repr(jb)) < 1200:
        return f"\n    connectd:      {ca}\n    Kafka Connect: {jb}"
    return "\n    (connectd vs Kafka Connect)\n      " + "\n      ".join(_differences(ca, jb))


class Pair:
    """Sends each request to connectd and to Kafka Connect and records every step where their
    normalised answers differ, apart from reference.KNOWN_DIFFERENCES (which must still differ)."""

    def __init__(self, cd, java):
        self.cd, self.java = cd, java
        self.suffix = uuid.uuid4().hex[:8]
        self.diffs = []
        self.created = []

    def name(self, base):
        return f"{base}-{self.suffix}"

    def call(self, method, path, body=None, what=None, ordered=False):
        """The same request to both; records a difference; returns connectd's answer. ordered:
        the order of the keys of JSON objects counts too."""
        a = self.cd.request(method, path, body)
        b = self.java.request(method, path, body)
        ca, jb = same(a, b, path)
        if ordered:
            ca, jb = (ca[0], _ordered(ca[1])), (jb[0], _ordered(jb[1]))
        step = Step(method, path, body, ca, jb)
        label = f"{what or ''} {method} {path} {json.dumps(body) if body is not None else ''}"
        known = known_difference(step)
        if known is None:
            if ca != jb:
                self.diffs.append(label + _show(ca, jb))
        elif ca == jb:
            self.diffs.append(f"{label}\n    listed in KNOWN_DIFFERENCES ({known.what}) but both "
                              f"answer {ca}: remove the entry")
        elif known.strip and known.strip(ca) != known.strip(jb):
            self.diffs.append(f"{label}\n    apart from {known.what}:" + _show(known.strip(ca), known.strip(jb)))
        elif known.agree and not known.agree(step):
            self.diffs.append(f"{label}\n    {known.what}: the parts that must agree do not" + _show(ca, jb))
        return a

    def both(self, method, path, body=None):
        """The same request to both, answers not compared (set-up and clean-up)."""
        return self.cd.request(method, path, body), self.java.request(method, path, body)

    def create(self, name, config, **extra):
        """POST /connectors on both, compared; deleted on both by cleanup()."""
        self.created.append(name)
        return self.call("POST", "/connectors", {"name": name, "config": config, **extra})

    def settle(self, path, predicate, timeout=60):
        """Waits until both answer GET path with a body for which predicate holds."""
        for side in (self.cd, self.java):
            wait_for(lambda: predicate(side.get(path)[1]), timeout, f"{path} on {side.url}")

    def settle_status(self, c, state, tasks=None, timeout=60):
        """Waits until connector c is in state on both, with `tasks` tasks all in state too
        (tasks=None: any number)."""
        def ok(s):
            return (s and s.get("connector", {}).get("state") == state
                    and (tasks is None or (len(s["tasks"]) == tasks
                                           and all(t["state"] == state for t in s["tasks"]))))
        self.settle(f"/connectors/{c}/status", ok, timeout)

    def settle_gone(self, c, timeout=100):
        """Strimzi's wait after a DELETE: status polled until 404."""
        self.settle(f"/connectors/{c}/status", lambda s: s is not None and s.get("error_code") == 404,
                    timeout)

    def cleanup(self):
        for c in self.created:
            self.both("DELETE", f"/connectors/{c}")
        for c in self.created:
            self.settle_gone(c)

    def check(self):
        if self.diffs:
            pytest.fail(f"{len(self.diffs)} differences from Kafka Connect:\n" + "\n".join(self.diffs))


def follower_of(worker, connectd):
    """A second worker in worker's cluster (same group and topics); returns whichever of the two
    does not lead once the group has settled."""
    from conftest import FAST_WORKER_ARGS
    f = connectd(bootstrap=worker.broker.bootstrap, args=FAST_WORKER_ARGS + worker.names.worker_args())
    f.wait_ready()
    f.names, f.broker = worker.names, worker.broker

    def leads(w):
        said = re.findall(r"This worker (now leads|no longer leads) group", w.output())
        return bool(said) and said[-1] == "now leads"

    def settled():
        return "Took partitions" in f.output() and leads(worker) != leads(f)
    wait_for(settled, 60, "the two workers to settle with one leader")
    time.sleep(1)
    assert leads(worker) != leads(f)
    follower, leader = (f, worker) if leads(worker) else (worker, f)
    # the leader's request log, to check that the follower's writes reached it
    st, body, _ = leader.request("PUT", "/admin/loggers/org.apache.kafka.connect.runtime.rest.RestServer",
                                 {"level": "DEBUG"})
    assert st == 200, body
    follower.leader = leader
    return follower


@pytest.fixture
def pair(request, worker, reference, connectd):
    """connectd and Kafka Connect; with the parameter "follower", connectd's side is a follower
    of a two-worker cluster, so that every write is forwarded to the leader (or the owner)."""
    side = follower_of(worker, connectd) if getattr(request, "param", None) == "follower" else worker
    p = Pair(side, reference)
    try:
        yield p
    finally:
        p.cleanup()
    if side is not worker:
        assert re.search(r'"(POST|PUT|PATCH|DELETE) /connectors[^"]*forward=true" \d+', side.leader.output()), \
            "no write of the follower reached the leader"


FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
FILE_SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"
PG = "io.debezium.connector.postgresql.PostgresConnector"


def readable_file(tmp_path, text="one\ntwo\n"):
    """A file both workers can read (the Java worker may run as another user)."""
    f = tmp_path / "in.txt"
    f.write_text(text)
    os.chmod(tmp_path, 0o755)
    os.chmod(f, 0o644)
    return str(f)


@pytest.mark.parametrize("pair", ["single", "follower"], indirect=True)
def test_error_paths(pair):
    """Section 2's error answers for what does not exist or is malformed."""
    c = pair.name("missing")
    for method, path, body in [
        ("GET", f"/connectors/{c}", None),
        ("GET", f"/connectors/{c}/config", None),
        ("GET", f"/connectors/{c}/status", None),
        ("GET", f"/connectors/{c}/tasks", None),
        ("GET", f"/connectors/{c}/tasks/0/status", None),
        ("GET", f"/connectors/{c}/tasks/x/status", None),
        ("GET", f"/connectors/{c}/topics", None),
        ("GET", f"/connectors/{c}/offsets", None),
        ("DELETE", f"/connectors/{c}", None),
        ("PUT", f"/connectors/{c}/pause", None),
        ("PUT", f"/connectors/{c}/resume", None),
        ("PUT", f"/connectors/{c}/stop", None),
        ("POST", f"/connectors/{c}/restart", None),
        ("POST", f"/connectors/{c}/restart?includeTasks=true&onlyFailed=false", None),
        ("POST", f"/connectors/{c}/tasks/0/restart", None),
        ("PUT", f"/connectors/{c}/topics/reset", None),
        ("DELETE", f"/connectors/{c}/offsets", None),
        ("PATCH", f"/connectors/{c}/offsets", {"offsets": []}),
        ("PATCH", f"/connectors/{c}/offsets", {}),
        ("PATCH", f"/connectors/{c}/offsets", {"offsets": [{"partition": {"a": 1}, "offset": {"b": 2}}]}),
        ("PATCH", f"/connectors/{c}/config", {"tasks.max": "1"}),
        # bodies Jackson cannot map, wrong types
        ("POST", "/connectors", '{"name": '),
        ("POST", "/connectors", "[]"),
        ("POST", "/connectors", {"name": c, "config": {"connector.class": "FileStreamSource"}, "bogus": 1}),
        ("POST", "/connectors", {"name": c, "config": {"connector.class": "FileStreamSource",
                                                       "topic": {"nested": 1}}}),
        ("PUT", f"/connectors/{c}/config", '{"connector.class": '),
        ("PUT", f"/connectors/{c}/config", {"connector.class": "FileStreamSource", "topic": ["t"]}),
        # configs
        ("POST", "/connectors", {"name": c}),
        ("POST", "/connectors", {"config": {"connector.class": "FileStreamSource"}}),
        ("POST", "/connectors", {"name": c, "config": {}}),
        ("POST", "/connectors", {"name": c, "config": {"connector.class": "com.example.Nope"}}),
        ("PUT", f"/connectors/{c}/config", {"connector.class": "com.example.Nope"}),
        ("POST", "/connectors", {"name": c, "config": {"connector.class": "FileStreamSource",
                                                       "tasks.max": "zero"}}),
        ("POST", "/connectors", {"name": c, "config": {"connector.class": "FileStreamSource",
                                                       "topic": "t", "tasks.max": "0"}}),
        ("POST", "/connectors", {"name": c, "config": {"connector.class": "FileStreamSource",
                                                       "topic": "t", "tasks.max": None}}),
        ("POST", "/connectors", {"name": c, "config": {"connector.class": "FileStreamSource",
                                                       "name": "other", "topic": "t"}}),
        ("PUT", f"/connectors/{c}/config", {"connector.class": "FileStreamSource", "name": "other"}),
        ("PUT", f"/connectors/{c}/config", {"connector.class": "FileStreamSource", "tasks.max": "-1",
                                            "topic": "t", "batch.size": "many"}),
        ("PUT", f"/connectors/{c}/config", {"name": c}),
        # plugins
        ("GET", "/connector-plugins/com.example.Nope/config", None),
        ("PUT", "/connector-plugins/FileStreamSource/config/validate", {"topic": "t"}),
        ("PUT", "/connector-plugins/FileStreamSink/config/validate",
         {"connector.class": "FileStreamSource", "name": c}),
        ("PUT", "/connector-plugins/Nope/config/validate", {"connector.class": "com.example.Nope"}),
        # loggers
        ("GET", "/admin/loggers/" + c, None),
        ("PUT", "/admin/loggers/" + c, {"level": "bogus"}),
        ("PUT", "/admin/loggers/" + c, {"level": 5}),
        ("PUT", "/admin/loggers/" + c, {}),
        ("PUT", "/admin/loggers/" + c + "?scope=cluster", {"level": "LOUD"}),
    ]:
        pair.call(method, path, body)
    pair.check()


@pytest.mark.parametrize("pair", ["single", "follower"], indirect=True)
def test_errors_on_an_existing_connector(pair, tmp_path):
    """Errors that need a connector: unknown tasks, offsets requests while it runs, offsets with
    bad partitions once stopped, a second create of the same name."""
    src = readable_file(tmp_path)
    c = pair.name("exists")
    cfg = {"connector.class": FILE_SOURCE, "tasks.max": "1", "file": src, "topic": pair.name("exists-t")}
    pair.create(c, cfg)
    pair.settle_status(c, "RUNNING", tasks=1)
    for method, path, body in [
        ("POST", "/connectors", {"name": c, "config": cfg}),
        ("GET", f"/connectors/{c}/tasks/7/status", None),
        ("GET", f"/connectors/{c}/tasks/-1/status", None),
        ("POST", f"/connectors/{c}/tasks/7/restart", None),
        ("POST", f"/connectors/{c}/tasks/x/restart", None),
        ("PATCH", f"/connectors/{c}/offsets", {"offsets": [{"partition": {"filename": src},
                                                           "offset": {"position": 1}}]}),
        ("DELETE", f"/connectors/{c}/offsets", None),
        ("PATCH", f"/connectors/{c}/offsets", {"offsets": []}),
        ("PATCH", f"/connectors/{c}/config", {"tasks.max": "zero"}),
        ("PATCH", f"/connectors/{c}/config", {"connector.class": None}),
        ("PATCH", f"/connectors/{c}/config", {"name": "other"}),
    ]:
        pair.call(method, path, body)
    pair.both("PATCH", f"/connectors/{c}/config", {"name": c})  # Kafka Connect took "other"
    pair.call("PUT", f"/connectors/{c}/stop")
    pair.settle_status(c, "STOPPED", tasks=0)
    for body in [
        {"offsets": [{"partition": {"filename": src}, "offset": {"position": [1]}}]},
        {"offsets": [{"partition": {"filename": {"a": 1}}, "offset": {"position": 1}}]},
        {"offsets": [{"partition": None, "offset": {"position": 1}}]},
        {"offsets": [{"offset": {"position": 1}}]},
        {"offsets": [{"partition": {"filename": src}, "offset": {"position": "x"}}]},
        {"offsets": [{"partition": {"filename": src}}]},
        {"offsets": None},
    ]:
        pair.call("PATCH", f"/connectors/{c}/offsets", body)
    pair.check()


@pytest.mark.parametrize("pair", ["single", "follower"], indirect=True)
def test_strimzi_sequence_on_filestream(pair, tmp_path):
    """The operator's reconciliation (connect-rest-api.md section 5.2, since-2025.md) on a
    FileStream source: GET config 404, create stopped, read back, PUT config (200), run, pause,
    resume, restarts with and without tasks, task restart, topics and their reset, stop, alter
    and reset offsets, loggers, delete and status polled until 404; and PUT config creating a
    connector (201)."""
    src = readable_file(tmp_path)
    c, c2 = pair.name("fs"), pair.name("fs-put")
    topic = pair.name("fs-topic")
    cfg = {"connector.class": FILE_SOURCE, "tasks.max": "1", "file": src, "topic": topic}
    pair.call("GET", "/connector-plugins")
    pair.call("GET", "/connectors")
    pair.call("GET", f"/connectors/{c}/config", what="absent:")
    pair.create(c, cfg, initial_state="STOPPED")
    pair.settle_status(c, "STOPPED", tasks=0)
    pair.call("GET", f"/connectors/{c}")
    pair.call("GET", f"/connectors/{c}/config")
    pair.call("GET", f"/connectors/{c}/status")
    pair.call("GET", f"/connectors/{c}/offsets")
    pair.call("PATCH", f"/connectors/{c}/offsets",
              {"offsets": [{"partition": {"filename": src}, "offset": {"position": 4}}]})
    pair.call("GET", f"/connectors/{c}/offsets")
    pair.call("PUT", f"/connectors/{c}/config", {**cfg, "tasks.max": 1})
    pair.call("PUT", f"/connectors/{c}/resume")
    pair.settle_status(c, "RUNNING", tasks=1)
    pair.call("GET", f"/connectors/{c}/status")
    pair.call("GET", f"/connectors/{c}/tasks/0/status")
    pair.call("GET", f"/connectors/{c}/tasks", ordered=True)
    pair.settle(f"/connectors/{c}/topics", lambda b: b and b.get(c, {}).get("topics") == [topic])
    pair.call("GET", f"/connectors/{c}/topics")
    pair.call("PUT", f"/connectors/{c}/pause")
    pair.settle_status(c, "PAUSED", tasks=1)
    pair.call("GET", f"/connectors/{c}/status")
    pair.call("PUT", f"/connectors/{c}/resume")
    pair.settle_status(c, "RUNNING", tasks=1)
    pair.call("POST", f"/connectors/{c}/restart?includeTasks=true&onlyFailed=true")
    pair.call("POST", f"/connectors/{c}/restart?includeTasks=false&onlyFailed=false")
    pair.settle_status(c, "RUNNING", tasks=1)
    pair.call("POST", f"/connectors/{c}/restart?includeTasks=true&onlyFailed=false")
    pair.settle_status(c, "RUNNING", tasks=1)
    pair.call("POST", f"/connectors/{c}/restart?includeTasks=false&onlyFailed=true")
    pair.settle_status(c, "RUNNING", tasks=1)
    pair.call("POST", f"/connectors/{c}/tasks/0/restart")
    pair.settle_status(c, "RUNNING", tasks=1)
    pair.call("GET", f"/connectors/{c}/status")
    pair.call("PUT", f"/connectors/{c}/stop")
    pair.settle_status(c, "STOPPED", tasks=0)
    pair.call("PUT", f"/connectors/{c}/topics/reset")
    pair.settle(f"/connectors/{c}/topics", lambda b: b and b.get(c, {}).get("topics") == [])
    pair.call("GET", f"/connectors/{c}/topics")
    pair.call("PATCH", f"/connectors/{c}/offsets", {"offsets": [{"partition": {"filename": src},
                                                               "offset": {"position": 8}}]})
    pair.call("GET", f"/connectors/{c}/offsets")
    pair.call("DELETE", f"/connectors/{c}/offsets")
    pair.call("GET", f"/connectors/{c}/offsets")
    pair.call("PUT", f"/connectors/{c}/pause")
    pair.settle_status(c, "PAUSED")
    pair.call("GET", f"/connectors/{c}/status")

    # Strimzi < 1.2 creates with PUT config: 201, then 200 when it exists.
    pair.created.append(c2)
    pair.call("PUT", f"/connectors/{c2}/config", {**cfg, "tasks.max": 1})
    pair.settle_status(c2, "RUNNING", tasks=1)
    pair.call("PUT", f"/connectors/{c2}/config", cfg)
    pair.call("GET", f"/connectors/{c2}/config")

    # Loggers (Strimzi <= 0.47): GET /admin/loggers/, then PUT per logger with scope=cluster.
    logger = "connectd.difftest." + pair.suffix
    pair.call("GET", "/admin/loggers/")
    pair.call("PUT", f"/admin/loggers/{logger}?scope=cluster", {"level": "DEBUG"})
    pair.settle(f"/admin/loggers/{logger}", lambda b: b and b.get("level") == "DEBUG")
    pair.call("GET", f"/admin/loggers/{logger}")
    pair.call("GET", "/admin/loggers/")
    pair.call("PUT", f"/admin/loggers/{logger}?scope=CLUSTER", {"level": "info"})
    pair.settle(f"/admin/loggers/{logger}", lambda b: b and b.get("level") == "INFO")
    pair.call("GET", f"/admin/loggers/{logger}")

    for name in (c, c2):
        pair.call("DELETE", f"/connectors/{name}")
        pair.settle_gone(name)
        pair.call("GET", f"/connectors/{name}/status")
        pair.call("GET", f"/connectors/{name}")
    pair.call("GET", "/connectors")
    pair.check()


@pytest.mark.parametrize("pair", ["single", "follower"], indirect=True)
def test_kcctl_calls(pair, tmp_path):
    """What kcctl calls (section 6): worker info, plugins of every type, a plugin's config,
    validate, the expanded connector lists, info and tasks."""
    src = readable_file(tmp_path)
    c = pair.name("kc")
    cfg = {"connector.class": FILE_SOURCE, "tasks.max": "1", "file": src, "topic": pair.name("kc-t")}
    pair.call("GET", "/")
    pair.call("GET", "/connector-plugins?connectorsOnly=false")
    pair.call("GET", "/connector-plugins?connectorsOnly=true")
    for plugin in ("FileStreamSource", "FileStreamSourceConnector", FILE_SOURCE, "FileStreamSink",
                   FILE_SINK):
        pair.call("GET", f"/connector-plugins/{plugin}/config")
    pair.call("PUT", "/connector-plugins/FileStreamSourceConnector/config/validate",
              {**cfg, "name": "dummy-name"})
    pair.call("PUT", "/connector-plugins/FileStreamSinkConnector/config/validate",
              {"connector.class": FILE_SINK, "name": "dummy-name", "topics": "a,b",
               "topics.regex": "x.*", "errors.tolerance": "some"})
    pair.call("PUT", "/connector-plugins/FileStreamSource/config/validate",
              {"connector.class": "FileStreamSource", "name": "", "tasks.max": "0",
               "batch.size": "x", "errors.retry.timeout": "soon", "transforms": "a"})
    pair.call("PUT", "/connector-plugins/FileStreamSource/config/validate",
              {"connector.class": "FileStreamSource", "name": "t", "topic": "t", "transforms": "x, y,x",
               "transforms.x.type": "com.example.Nope", "transforms.y.plugin.version": "[1.0",
               "predicates": "p", "value.converter": "com.example.NoConverter",
               "header.converter.plugin.version": "9.9"})
    pair.call("GET", "/connectors/")
    pair.call("GET", "/connectors?expand=status")
    pair.create(c, cfg)
    pair.settle_status(c, "RUNNING", tasks=1)
    for q in ("expand=status", "expand=info", "expand=status&expand=info", "expand=bogus",
              "expand=status,info"):
        pair.call("GET", f"/connectors?{q}")
    pair.call("GET", f"/connectors/{c}")
    pair.call("GET", f"/connectors/{c}/tasks", ordered=True)
    pair.call("POST", f"/connectors/{c}/restart?includeTasks=true&onlyFailed=false")
    pair.settle_status(c, "RUNNING", tasks=1)
    pair.call("PUT", f"/connectors/{c}/stop")
    pair.settle_status(c, "STOPPED", tasks=0)
    pair.call("GET", f"/connectors/{c}/offsets")
    pair.call("DELETE", f"/connectors/{c}/offsets")
    pair.check()


def test_connector_list_order(pair, tmp_path):
    """GET /connectors with several connectors comes in Kafka Connect's order."""
    src = readable_file(tmp_path)
    names = [pair.name(b) for b in ("zeta", "alpha", "m-3", "beta-connector", "orders-sink", "x1",
                                    "inventory", "a")]
    for n in names:
        pair.create(n, {"connector.class": FILE_SOURCE, "file": src, "topic": "t-" + pair.suffix},
                    initial_state="STOPPED")
    for n in names:
        pair.settle_status(n, "STOPPED")
    pair.call("GET", "/connectors")
    pair.call("DELETE", f"/connectors/{names[2]}")
    pair.call("GET", "/connectors")
    pair.check()


@pytest.mark.parametrize("pair", ["single", "follower"], indirect=True)
def test_offsets_filestream_source_and_sink(pair, tmp_path):
    """Offsets GET/PATCH/DELETE (KIP-875) on a FileStream source and a FileStream sink."""
    src = readable_file(tmp_path, "a\nb\nc\n")
    topic = pair.name("off-t")
    s, k = pair.name("off-src"), pair.name("off-sink")
    pair.create(s, {"connector.class": FILE_SOURCE, "file": src, "topic": topic})
    pair.settle(f"/connectors/{s}/offsets",
                lambda b: b and b.get("offsets") and b["offsets"][0]["offset"] == {"position": 6})
    pair.call("GET", f"/connectors/{s}/offsets")
    pair.call("PUT", f"/connectors/{s}/stop")
    pair.settle_status(s, "STOPPED", tasks=0)
    pair.call("GET", f"/connectors/{s}/offsets")
    pair.call("PATCH", f"/connectors/{s}/offsets",
              {"offsets": [{"partition": {"filename": src}, "offset": {"position": 2}},
                           {"partition": {"filename": "/nowhere"}, "offset": {"position": 9}}]})
    pair.call("GET", f"/connectors/{s}/offsets")
    # many partitions: listed in the order of Kafka Connect's HashMaps of partitions and keys
    pair.call("PATCH", f"/connectors/{s}/offsets",
              {"offsets": [{"partition": {"filename": f"/f{i}"}, "offset": {"position": i}}
                           for i in range(13)]})
    pair.call("GET", f"/connectors/{s}/offsets")
    pair.call("PATCH", f"/connectors/{s}/offsets",
              {"offsets": [{"partition": {"filename": "/nowhere"}, "offset": None}]})
    pair.call("GET", f"/connectors/{s}/offsets")
    pair.call("DELETE", f"/connectors/{s}/offsets")
    pair.call("GET", f"/connectors/{s}/offsets")

    out = tmp_path / "out"
    out.mkdir()
    os.chmod(out, 0o777)
    pair.create(k, {"connector.class": FILE_SINK, "file": str(out / "sink.txt"), "topics": topic})
    pair.settle(f"/connectors/{k}/offsets",
                lambda b: b and b.get("offsets") and b["offsets"][0]["offset"] == {"kafka_offset": 3})
    pair.call("GET", f"/connectors/{k}/offsets")
    pair.call("DELETE", f"/connectors/{k}/offsets")
    pair.call("PUT", f"/connectors/{k}/stop")
    pair.settle_status(k, "STOPPED", tasks=0)
    for body in [
        {"offsets": [{"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"kafka_offset": 1}}]},
        {"offsets": [{"partition": {"kafka_topic": topic, "kafka_partition": "0"}, "offset": {"kafka_offset": "2"}}]},
        {"offsets": [{"partition": {"kafka_topic": topic}, "offset": {"kafka_offset": 1}}]},
        {"offsets": [{"partition": {"kafka_topic": None, "kafka_partition": 0}, "offset": {"kafka_offset": 1}}]},
        {"offsets": [{"partition": {"kafka_topic": topic, "kafka_partition": "x"}, "offset": {"kafka_offset": 1}}]},
        {"offsets": [{"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"kafka_offset": "y"}}]},
        {"offsets": [{"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"other": 1}}]},
        {"offsets": [{"offset": {"kafka_offset": 1}}]},
    ]:
        pair.call("PATCH", f"/connectors/{k}/offsets", body)
        pair.call("GET", f"/connectors/{k}/offsets")
    pair.call("PATCH", f"/connectors/{k}/offsets",
              {"offsets": [{"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": None}]})
    pair.call("GET", f"/connectors/{k}/offsets")
    pair.call("DELETE", f"/connectors/{k}/offsets")
    pair.call("GET", f"/connectors/{k}/offsets")
    pair.check()


def test_sink_offsets_many_partitions(pair, worker, reference, tmp_path):
    """A sink's offsets over many partitions, in the order of Kafka Connect's HashMap of
    TopicPartitions."""
    topic = pair.name("off-many")
    for broker in (worker.broker, reference.kafka):
        broker.create_topic(topic, partitions=24)
        for part in range(24):
            produce(broker.bootstrap, topic, [(f"k{part}", f"v{i}") for i in range(part % 3 + 1)],
                    partition=part)
    out = tmp_path / "out"
    out.mkdir()
    os.chmod(out, 0o777)
    k = pair.name("off-many-sink")
    strings = "org.apache.kafka.connect.storage.StringConverter"
    pair.create(k, {"connector.class": FILE_SINK, "file": str(out / "sink.txt"), "topics": topic,
                    "key.converter": strings, "value.converter": strings})
    committed = lambda b: b and len(b.get("offsets") or []) == 24
    pair.settle(f"/connectors/{k}/offsets", committed, timeout=90)
    pair.call("PUT", f"/connectors/{k}/stop")
    pair.settle_status(k, "STOPPED", tasks=0)
    pair.call("GET", f"/connectors/{k}/offsets")
    pair.check()


def pg_base(pg, pair):
    return {"connector.class": PG, "name": pair.name("pgv"), "database.hostname": pg.host,
            "database.port": str(pg.port), "database.user": pg.user, "database.dbname": pg.dbname,
            "topic.prefix": pair.name("pgv"), "plugin.name": "pgoutput",
            "slot.name": "slot_" + pair.suffix}


def test_postgres_plugin_config(pair):
    """The PostgreSQL connector's definitions: Debezium 3.4.3's ConfigDef."""
    for plugin in (PG, "PostgresConnector", "Postgres"):
        pair.call("GET", f"/connector-plugins/{plugin}/config")
    pair.check()


def test_postgres_validate(pair, pg):
    """PUT /connector-plugins/PostgresConnector/config/validate with the same configs on both
    sides, against a PostgreSQL both reach."""
    base = pg_base(pg, pair)
    for cfg in [
        {"connector.class": PG},
        {"connector.class": PG, "name": "dummy-name"},
        {"connector.class": "PostgresConnector", "name": "dummy-name", "topic.prefix": "p"},
        {**base, "snapshot.mode": "bogus", "decimal.handling.mode": "float",
         "database.sslmode": "nope", "plugin.name": "wal2json", "time.precision.mode": "x",
         "publication.autocreate.mode": "some", "snapshot.isolation.mode": "none",
         "binary.handling.mode": "raw", "hstore.handling.mode": "list",
         "interval.handling.mode": "iso", "event.processing.failure.handling.mode": "panic",
         "schema.refresh.mode": "always", "errors.tolerance": "some", "lsn.flush.timeout.action": "x"},
        {**base, "database.port": "abc", "max.batch.size": "abc", "max.queue.size": "10",
         "heartbeat.interval.ms": "-5", "tasks.max": "0", "status.update.interval.ms": "x",
         "poll.interval.ms": "soon", "snapshot.fetch.size": "-1", "slot.drop.on.stop": "maybe",
         "errors.retry.timeout": "x", "incremental.snapshot.chunk.size": "0"},
        {**base, "topic.prefix": "a b", "slot.name": "Bad-Slot", "skipped.operations": "x",
         "table.include.list": "a", "table.exclude.list": "b"},
        # java.util.regex that POSIX regcomp could not run: lookarounds, possessive quantifiers
        {**base, "table.include.list": r"public\.(?!audit_).*,(?<s>sales)\.\w++(?<!_tmp)",
         "column.exclude.list": r"public\.\w++\.\w++(?<=_secret)", "message.key.columns": r"(?i)public\.(?!x).*:id"},
        base,
    ]:
        pair.call("PUT", "/connector-plugins/PostgresConnector/config/validate", cfg)
    pair.check()


def test_postgres_create_checks_the_database(pair, own_pg):
    """Debezium connects to the database while it validates: a create (and validate) with a wrong
    password, an unknown host, a port nobody listens on or a database that does not exist is
    refused, with Debezium's answer; a user without the REPLICATION attribute is not (Debezium
    only logs it)."""
    admin = own_pg.connect()
    cur = admin.cursor()
    cur.execute("CREATE ROLE cdc LOGIN REPLICATION PASSWORD 'right'")
    cur.execute("CREATE ROLE plain LOGIN PASSWORD 'right'")
    hba = os.path.join(own_pg.datadir, "pg_hba.conf")
    with open(hba) as f:
        rules = f.read()
    with open(hba, "w") as f:  # first match wins: these two users need their password
        f.write("host all cdc,plain 127.0.0.1/32 scram-sha-256\n"
                "host replication cdc,plain 127.0.0.1/32 scram-sha-256\n" + rules)
    cur.execute("SELECT pg_reload_conf()")
    base = {"connector.class": PG, "database.hostname": own_pg.host, "database.port": str(own_pg.port),
            "database.user": "cdc", "database.password": "right", "database.dbname": "postgres",
            "topic.prefix": pair.name("chk"), "plugin.name": "pgoutput", "snapshot.mode": "no_data",
            "slot.name": "slot_" + pair.suffix}
    closed = str(free_port())
    for what, change in [
        ("wrong password", {"database.password": "wrong"}),
        ("unknown host", {"database.hostname": "no-such-host.invalid"}),
        ("nobody listens", {"database.port": closed}),
        ("no such database", {"database.dbname": "nope"}),
        ("no REPLICATION attribute", {"database.user": "plain"}),
    ]:
        cfg = {**base, **change}
        pair.call("PUT", "/connector-plugins/PostgresConnector/config/validate", cfg, what=what)
        pair.create(pair.name("chk"), cfg)
    admin.close()
    pair.check()
