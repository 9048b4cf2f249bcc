"""The runtime: restart persistence, compatibility with Apache Kafka Connect's records in both
directions, converters, pause/resume, orderly and abrupt stops with FileStream connectors."""
import json
import signal

import pytest

from conftest import wait_for
from kafka_util import java_partition, produce, read_topic
from test_rest_api import SINK, SRC, create, source_config, wait_state


def topic_values(bootstrap, topic):
    return [v for (_, _, _, v) in read_topic(bootstrap, topic)]


@pytest.mark.brokers("mock", "kafka")  # the embedded broker of `make run` too
def test_restart_keeps_connectors_states_and_offsets(worker, tmp_path):
    create(worker, "run", source_config(tmp_path, "run", topic=worker.t("t-run"), lines=("1", "2", "3")))
    create(worker, "pause", source_config(tmp_path, "pause", topic="t-pause"), initial_state="PAUSED")
    create(worker, "stop", source_config(tmp_path, "stop", topic="t-stop"), initial_state="STOPPED")
    wait_state(worker, "run", "RUNNING", ["RUNNING"])
    wait_for(lambda: len(topic_values(worker.broker.bootstrap, worker.t("t-run"))) == 3, 20, "3 records")
    assert worker.stop() == 0  # orderly: offsets committed on the way out
    w2 = worker.restart()
    assert sorted(w2.get("/connectors")[1]) == ["pause", "run", "stop"]  # in Java HashMap order
    wait_state(w2, "run", "RUNNING", ["RUNNING"])
    wait_state(w2, "pause", "PAUSED")
    wait_state(w2, "stop", "STOPPED", [])
    with open(tmp_path / "run.txt", "a") as f:
        f.write("4\n")
    wait_for(lambda: len(topic_values(w2.broker.bootstrap, worker.t("t-run"))) == 4, 20, "the new line")
    payloads = sorted(json.loads(v)["payload"] for v in topic_values(w2.broker.bootstrap, worker.t("t-run")))
    assert payloads == ["1", "2", "3", "4"]  # resumed from the committed offset: nothing repeated


def test_reads_apache_kafka_connect_records(connectd, broker, tmp_path):
    """Records exactly as a Java worker writes them (spec sections 4-6) are understood."""
    f = tmp_path / "java.txt"
    f.write_text("x\ny\nz\n")
    props = {"connector.class": SRC, "file": str(f), "topic": "java-topic", "tasks.max": "1", "name": "java-conn"}
    task = dict(props, **{"task.class": "org.apache.kafka.connect.file.FileStreamSourceTask"})
    produce(broker.bootstrap, "connect-configs", [
        ("connector-java-conn", json.dumps({"properties": props}, separators=(",", ":"))),
        ("task-java-conn-0", json.dumps({"properties": task}, separators=(",", ":"))),
        ("commit-java-conn", '{"tasks":1}'),
        ("connector-java-paused", json.dumps({"properties": dict(props, name="java-paused", topic="jp")}, separators=(",", ":"))),
        ("target-state-java-paused", '{"state":"PAUSED","state.v2":"PAUSED"}'),
        ("connector-gone", json.dumps({"properties": dict(props, name="gone")}, separators=(",", ":"))),
        ("connector-gone", None),
        ("task-java-conn-1", '{"properties":{"a":"b"}}'),  # without a commit: stays invisible
    ], partition=0)
    key = b'["java-conn",{"filename":"%s"}]' % str(f).encode()
    produce(broker.bootstrap, "connect-offsets", [(key, '{"position":2}')])  # after "x\n"
    c = connectd(bootstrap=broker.bootstrap, args=["-D", "offset.flush.interval.ms=500"]).wait_ready()
    assert c.get("/connectors")[1] == ["java-conn", "java-paused"]
    assert c.get("/connectors/java-conn/config")[1] == props
    assert c.get("/connectors/java-conn/tasks")[1] == [{"id": {"connector": "java-conn", "task": 0}, "config": task}]
    wait_state(c, "java-conn", "RUNNING", ["RUNNING"])
    wait_state(c, "java-paused", "PAUSED")
    # Resumed at the Java worker's offset: "x" is not read again.
    wait_for(lambda: len(topic_values(broker.bootstrap, "java-topic")) == 2, 20, "two records")
    assert sorted(json.loads(v)["payload"] for v in topic_values(broker.bootstrap, "java-topic")) == ["y", "z"]
    wait_for(lambda: c.get("/connectors/java-conn/offsets")[1]["offsets"] ==
             [{"partition": {"filename": str(f)}, "offset": {"position": 6}}], 20, "offset")
    # The offset record is keyed and partitioned exactly as Java would.
    recs = [(p, k, v) for (p, _, k, v) in read_topic(broker.bootstrap, "connect-offsets") if k == key]
    assert recs[-1] == (java_partition(key, 25), key, b'{"position":6}')


def test_writes_apache_kafka_connect_records(worker, tmp_path):
    """What connectd writes is what a Java worker reads: exact keys, value layouts, partitions."""
    cfg = source_config(tmp_path, "w", topic=worker.t("w-topic"))
    create(worker, "w", cfg)
    wait_state(worker, "w", "RUNNING", ["RUNNING"])
    assert worker.request("PUT", "/connectors/w/pause")[0] == 202
    wait_state(worker, "w", "PAUSED", ["PAUSED"])
    assert worker.request("PUT", "/connectors/w/stop")[0] == 204
    wait_state(worker, "w", "STOPPED", [])
    assert worker.request("DELETE", "/connectors/w")[0] == 204
    bs = worker.broker.bootstrap
    records = [(k.decode(), v) for (_, _, k, v) in read_topic(bs, worker.names.configs)]
    # The leader's session key for signed requests between workers, as Kafka Connect's leader
    # writes it (KIP-507); the connector's records are the others.
    keys = [json.loads(v) for (k, v) in records if k == "session-key"]
    assert keys and set(keys[0]) == {"key", "algorithm", "creation-timestamp"} and keys[0]["algorithm"] == "HmacSHA256"
    configs = [r for r in records if r[0] != "session-key"]
    connector_value = json.loads(configs[0][1])
    assert configs[0][0] == "connector-w" and connector_value == {"properties": {**cfg, "name": "w"}}
    assert configs[0][1].startswith(b'{"properties":{') and b" " not in configs[0][1].replace(str(tmp_path).encode(), b"")
    task_value = json.loads(configs[1][1])
    assert configs[1][0] == "task-w-0"
    assert task_value["properties"]["task.class"] == "org.apache.kafka.connect.file.FileStreamSourceTask"
    assert configs[2] == ("commit-w", b'{"tasks":1}')
    assert configs[3] == ("target-state-w", b'{"state":"PAUSED","state.v2":"PAUSED"}')
    assert configs[4] == ("commit-w", b'{"tasks":0}')
    assert configs[5] == ("target-state-w", b'{"state":"PAUSED","state.v2":"STOPPED"}')
    assert configs[6] == ("connector-w", None) and configs[7] == ("target-state-w", None)
    statuses = read_topic(bs, worker.names.status)
    running = [(p, k, v) for (p, _, k, v) in statuses if k == b"status-connector-w" and v and b'"RUNNING"' in v]
    p, k, v = running[0]
    assert p == java_partition(k, 5)
    assert json.loads(v) == {"state": "RUNNING", "trace": None, "worker_id": f"127.0.0.1:{worker.port}",
                             "generation": json.loads(v)["generation"], "version": "4.1.1"}
    assert v.startswith(b'{"state":"RUNNING","trace":null,"worker_id":')
    assert isinstance(json.loads(v)["generation"], int)
    topic_recs = [(k, json.loads(v)) for (_, _, k, v) in statuses if k.startswith(b"status-topic-") and v]
    assert topic_recs[0][0] == b"status-topic-%s:connector-w" % worker.t("w-topic").encode()
    t = topic_recs[0][1]["topic"]
    assert list(t) == ["name", "connector", "task", "discoverTimestamp"]
    assert (t["name"], t["connector"], t["task"]) == (worker.t("w-topic"), "w", 0)
    offsets = [(p, k) for (p, _, k, v) in read_topic(bs, worker.names.offsets)]
    key = b'["w",{"filename":"%s"}]' % cfg["file"].encode()
    assert offsets and all(k == key and p == java_partition(key, 25) for p, k in offsets)


def test_converters_per_connector(worker, tmp_path):
    bs = worker.broker.bootstrap
    t = worker.t
    create(worker, "plain", {**source_config(tmp_path, "plain", topic=t("c-plain"), lines=("hi",)),
                             "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                             "value.converter.schemas.enable": "false"})
    create(worker, "str", {**source_config(tmp_path, "str", topic=t("c-str"), lines=("hi",)),
                           "value.converter": "org.apache.kafka.connect.storage.StringConverter"})
    create(worker, "bytes", {**source_config(tmp_path, "bytes", topic=t("c-bytes"), lines=("hi",)),
                             "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter"})
    create(worker, "schema", source_config(tmp_path, "schema", topic=t("c-schema"), lines=("hi",)))
    wait_for(lambda: all(topic_values(bs, t(n)) for n in ("c-plain", "c-str", "c-bytes", "c-schema")), 20, "records")
    assert topic_values(bs, t("c-plain")) == [b'"hi"']
    assert topic_values(bs, t("c-str")) == [b"hi"]
    assert topic_values(bs, t("c-bytes")) == [b"hi"]
    assert topic_values(bs, t("c-schema")) == [b'{"schema":{"type":"string","optional":false},"payload":"hi"}']
    status, body, _ = worker.request("POST", "/connectors", {"name": "bad", "config": {
        **source_config(tmp_path, "bad"), "value.converter": "com.example.NoSuchConverter"}})
    assert status == 400
    assert ("Invalid value com.example.NoSuchConverter for configuration value.converter: "
            "Class com.example.NoSuchConverter could not be found.") in body["message"]


def test_sink_with_regex_and_offsets(worker, tmp_path):
    bs = worker.broker.bootstrap
    eu, us, sink = worker.t("orders.eu"), worker.t("orders.us"), worker.t("sink")
    produce(bs, eu, [(None, "a"), (None, "b")], partition=0)
    produce(bs, us, [(None, "c")], partition=0)
    out = tmp_path / "sink.txt"
    regex = "orders\\..*" + worker.names.suffix
    create(worker, sink, {"connector.class": SINK, "file": str(out), "topics.regex": regex,
                          "value.converter": "org.apache.kafka.connect.storage.StringConverter"})
    wait_for(lambda: out.exists() and sorted(out.read_text().split()) == ["a", "b", "c"], 60, "sink output")
    def committed():
        body = worker.get(f"/connectors/{sink}/offsets")[1]
        return sorted((o["partition"]["kafka_topic"], o["partition"]["kafka_partition"], o["offset"]["kafka_offset"])
                      for o in body["offsets"])
    wait_for(lambda: (eu, 0, 2) in committed() and (us, 0, 1) in committed(), 30, "offsets")
    assert worker.get(f"/connectors/{sink}/status")[1]["type"] == "sink"
    wait_for(lambda: sorted(worker.get(f"/connectors/{sink}/topics")[1][sink]["topics"]) == [eu, us],
             20, "sink topics")


def test_pause_resume_loses_and_repeats_nothing(worker, tmp_path):
    bs = worker.broker.bootstrap
    cfg = source_config(tmp_path, "pr", topic=worker.t("t-pr"), lines=[f"l{i}" for i in range(100)])
    create(worker, "pr", cfg)
    wait_for(lambda: len(topic_values(bs, worker.t("t-pr"))) == 100, 30, "first 100")
    assert worker.request("PUT", "/connectors/pr/pause")[0] == 202
    wait_state(worker, "pr", "PAUSED", ["PAUSED"])
    with open(cfg["file"], "a") as f:
        f.write("".join(f"l{i}\n" for i in range(100, 200)))
    assert worker.request("PUT", "/connectors/pr/resume")[0] == 202
    wait_for(lambda: len(topic_values(bs, worker.t("t-pr"))) >= 200, 30, "all 200")
    payloads = sorted(json.loads(v)["payload"] for v in topic_values(bs, worker.t("t-pr")))
    assert payloads == sorted(f"l{i}" for i in range(200))


@pytest.mark.brokers("mock", "kafka")  # the embedded broker of `make run` too
def test_round_trip_survives_kill_9(worker, tmp_path):
    """FileStream source -> Kafka -> FileStream sink, with the worker killed (SIGKILL) and
    restarted in the middle: every line arrives at least once."""
    src = tmp_path / "in.txt"
    out = tmp_path / "out.txt"
    lines = [f"row-{i}" for i in range(2000)]
    src.write_text("".join(l + "\n" for l in lines[:1000]))
    sink = worker.t("sink")  # its consumer group, connect-<name>, is the broker's, not the worker's
    create(worker, "src", {"connector.class": SRC, "file": str(src), "topic": worker.t("rt"), "batch.size": "50"})
    create(worker, sink, {"connector.class": SINK, "file": str(out), "topics": worker.t("rt")})
    wait_for(lambda: out.exists() and len(out.read_text().splitlines()) >= 500, 60, "some lines through")
    worker.stop(signal.SIGKILL)
    with open(src, "a") as f:
        f.write("".join(l + "\n" for l in lines[1000:]))
    w2 = worker.restart()
    wait_for(lambda: set(lines) <= set(out.read_text().splitlines()), 90, "every line in the sink file")
    wait_state(w2, "src", "RUNNING", ["RUNNING"])
    wait_state(w2, sink, "RUNNING", ["RUNNING"])


@pytest.mark.brokers("mock", "kafka")  # the embedded broker of `make run` too
def test_sink_dead_letter_queue_on_either_broker(worker, tmp_path):
    """errors.tolerance=all with a dead letter queue on both brokers: the real Kafka gets the
    topic created, the embedded broker (which cannot create topics) creates it on first use; the
    record the JsonConverter fails on goes there with its context headers, the others reach the
    sink, and the task keeps running."""
    topic, dlq = worker.t("dlq-in"), worker.t("dlq")
    produce(worker.broker.bootstrap, topic, [("a", '{"x":1}'), ("b", "not json"), ("c", '{"y":2}')], partition=0)
    out = tmp_path / "out.txt"
    create(worker, "dlq-sink", {
        "connector.class": SINK, "file": str(out), "topics": topic,
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
        "errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.topic.replication.factor": "1",
        "errors.deadletterqueue.context.headers.enable": "true"})
    recs = []

    def in_dlq():
        recs[:] = read_topic(worker.broker.bootstrap, dlq, with_headers=True)
        return recs
    wait_for(in_dlq, 60, f"the failed record on {dlq}")
    assert [(k, v) for _p, _o, k, v, _h in recs] == [(b"b", b"not json")]
    headers = dict(recs[0][4])
    assert headers["__connect.errors.stage"] == b"VALUE_CONVERTER"
    assert headers["__connect.errors.topic"] == topic.encode() and headers["__connect.errors.offset"] == b"1"
    wait_state(worker, "dlq-sink", "RUNNING", ["RUNNING"])
