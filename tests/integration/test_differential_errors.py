"""Differential tests of error handling (errors.tolerance, errors.log.*, the dead letter queue), on
connectd and on the real Kafka Connect 4.1.1: a FileStream sink reading records its converter or a
transformation fails on, with and without tolerance, and its dead letter queue with the context
headers; a FileStream source whose records the producer refuses. The PostgreSQL connector's side
is in test_differential_errors_pg.py."""
import json
import os

import pytest
from confluent_kafka import Producer

from conftest import wait_for
from kafka_util import read_topic
from test_differential_rest import FILE_SINK, FILE_SOURCE, pair, readable_file  # noqa: F401 (fixture)

pytestmark = pytest.mark.brokers("kafka")

T = "org.apache.kafka.connect.transforms."
JSON = "org.apache.kafka.connect.json.JsonConverter"
STACKTRACE = "__connect.errors.exception.stacktrace"


# key, value, headers: what the sink reads. Record 0 fails in MaskField (its "a" is a number and
# the replacement is not), 1 and 3 in the JsonConverter (not JSON), 2 and 4 pass.
RECORDS = [
    (b"k0", b'{"a":1,"b":"x"}', [("h", b"0")]),
    (b"k1", b"not json", [("h", b"1"), ("g", b"one")]),
    (b"k2", b'{"b":"y"}', []),
    (b"k3", b"[1,", None),
    (b"k4", b'{"b":"z","c":true}', [("h", b"4")]),
]
TS0 = 1700000000000


def _feed(bootstrap, topic, records):
    p = Producer({"bootstrap.servers": bootstrap})
    for i, (k, v, h) in enumerate(records):
        p.produce(topic, key=k, value=v, headers=h, timestamp=TS0 + i, partition=0)
    assert p.flush(10) == 0


def _sides(pair):
    return ((pair.cd, pair.cd.broker), (pair.java, pair.java.kafka))


def _sink_config(topic, out_file, **extra):
    return {"connector.class": FILE_SINK, "file": out_file, "topics": topic,
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": JSON, "value.converter.schemas.enable": "false",
            "transforms": "mask", "transforms.mask.type": T + "MaskField$Value",
            "transforms.mask.fields": "a", "transforms.mask.replacement": "abc", **extra}


def _create_each(pair, name, config_of):
    """POST /connectors on both sides with a config of each side's own (config_of(side index));
    the answers' status compared."""
    pair.created.append(name)
    got = []
    for i, side in enumerate((pair.cd, pair.java)):
        got.append(side.request("POST", "/connectors", {"name": name, "config": config_of(i)})[0])
    assert got == [201, 201], got


def _dlq(bootstrap, topic, n):
    recs = []

    def enough():
        recs[:] = read_topic(bootstrap, topic, with_headers=True)
        return len(recs) >= n
    wait_for(enough, 60, f"{n} records on the dead letter queue {topic}")
    return recs


def _without_stacktrace(recs):
    """(key, value, headers) with the stack trace header cut to its first line: Java's goes on with
    the frames of the JVM's stack, connectd's with the causes."""
    out = []
    for _p, _o, k, v, headers in recs:
        hs = [(name, value.split(b"\n")[0] if name == STACKTRACE else value) for name, value in headers]
        out.append((k, v, hs))
    return out


def _out_dir(tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    os.chmod(d, 0o777)
    return d


def test_sink_tolerates_failures_and_writes_the_dead_letter_queue(pair, tmp_path):
    """errors.tolerance=all: the records a converter or a transformation fails on are skipped,
    logged (with the consumed record) and written to the dead letter queue as they were consumed,
    with the context headers; the others reach the sink; the task keeps running and commits past
    every record. Both sides: the same sink output and the same dead letter queue records."""
    topic, dlq, c = pair.name("in"), pair.name("dlq"), pair.name("dlq-sink")
    for _rest, broker in _sides(pair):
        broker.create_topic(topic, 1)
        _feed(broker.bootstrap, topic, RECORDS)
    out = _out_dir(tmp_path)
    files = [str(out / "connectd.txt"), str(out / "kafka-connect.txt")]
    _create_each(pair, c, lambda i: _sink_config(
        topic, files[i], **{"errors.tolerance": "all", "errors.log.enable": "true",
                            "errors.log.include.messages": "true",
                            "errors.deadletterqueue.topic.name": dlq,
                            "errors.deadletterqueue.topic.replication.factor": "1",
                            "errors.deadletterqueue.context.headers.enable": "true"}))
    pair.settle_status(c, "RUNNING", tasks=1)
    mine, theirs = (_dlq(broker.bootstrap, dlq, 3) for _rest, broker in _sides(pair))
    for a, b in zip(_without_stacktrace(mine), _without_stacktrace(theirs)):
        assert a == b, f"\nconnectd:      {a}\nKafka Connect: {b}"
    assert [k for _p, _o, k, _v, _h in mine] == [b"k0", b"k1", b"k3"]
    headers = dict(mine[1][4])
    assert headers["__connect.errors.stage"] == b"VALUE_CONVERTER"
    assert headers["__connect.errors.exception.message"] == (
        b"Converting byte[] to Kafka Connect data failed due to serialization error: ")
    assert headers["h"] == b"1" and headers["g"] == b"one"
    assert dict(mine[0][4])["__connect.errors.class.name"] == (T + "MaskField$Value").encode()
    pair.settle(f"/connectors/{c}/offsets",
                lambda b: b and b.get("offsets") and b["offsets"][0]["offset"] == {"kafka_offset": 5})
    wait_for(lambda: all(os.path.exists(f) and open(f).read().count("\n") == 2 for f in files), 30,
             "two records in each sink's file")
    assert open(files[0]).read() == open(files[1]).read()
    pair.settle_status(c, "RUNNING", tasks=1)
    line = (f"Error encountered in task {c}-0. Executing stage 'VALUE_CONVERTER' with class '{JSON}', "
            f"where consumed record is {{topic='{topic}', partition=0, offset=3, timestamp={TS0 + 3}, "
            "timestampType=CreateTime}.")
    assert line in pair.java.log(), "Kafka Connect's LogReporter line is not what connectd writes"
    assert line in pair.cd.output()
    pair.check()


def test_sink_without_tolerance_reports_then_fails(pair, tmp_path):
    """errors.tolerance=none (the default) with a dead letter queue: the first failing record is
    written to the dead letter queue, then the task fails with Kafka's trace."""
    topic, dlq, c = pair.name("in"), pair.name("dlq"), pair.name("dlq-fail")
    for _rest, broker in _sides(pair):
        broker.create_topic(topic, 1)
        _feed(broker.bootstrap, topic, RECORDS[1:])  # the converter fails on the first
    out = _out_dir(tmp_path)
    files = [str(out / "connectd.txt"), str(out / "kafka-connect.txt")]
    _create_each(pair, c, lambda i: _sink_config(
        topic, files[i], **{"errors.deadletterqueue.topic.name": dlq,
                            "errors.deadletterqueue.topic.replication.factor": "1"}))
    pair.settle(f"/connectors/{c}/status", lambda s: s and s.get("connector", {}).get("state") == "RUNNING"
                and [t["state"] for t in s.get("tasks", [])] == ["FAILED"])
    traces = [side.get(f"/connectors/{c}/status")[1]["tasks"][0]["trace"] for side in (pair.cd, pair.java)]
    for trace in traces:
        assert trace.startswith("org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in "
                                "error handler"), trace
        assert ("Caused by: org.apache.kafka.connect.errors.DataException: Converting byte[] to Kafka Connect "
                "data failed due to serialization error: ") in trace, trace
    mine, theirs = (_dlq(broker.bootstrap, dlq, 1) for _rest, broker in _sides(pair))
    # without the context headers: the record as consumed, its own headers only
    assert [(k, v, h) for _p, _o, k, v, h in mine] == [(k, v, h) for _p, _o, k, v, h in theirs] == [
        (b"k1", b"not json", [("h", b"1"), ("g", b"one")])]
    pair.check()


def test_source_skips_records_the_producer_refuses(pair, tmp_path):
    """errors.tolerance=all on a source: a record larger than the producer allows
    (max.request.size) is reported and skipped, the others are written; without tolerance the
    task fails. Both sides write the same records."""
    lines = ["short-1", "x" * 3000, "short-2", "y" * 5000, "short-3"]
    src = readable_file(tmp_path, "".join(line + "\n" for line in lines))
    topic, c = pair.name("big"), pair.name("big-src")
    cfg = {"connector.class": FILE_SOURCE, "file": src, "topic": topic,
           "producer.override.max.request.size": "1000", "errors.tolerance": "all",
           "errors.log.enable": "true"}
    pair.create(c, cfg)
    got = []
    for _rest, broker in _sides(pair):
        recs = []

        def three():
            recs[:] = read_topic(broker.bootstrap, topic)
            return len(recs) >= 3
        wait_for(three, 60, f"3 records on {topic}")
        got.append(sorted(v for _p, _o, _k, v in recs))  # keyless: no order across partitions
    assert got[0] == got[1], [[len(v) for v in g] for g in got]
    assert [json.loads(v)["payload"] for v in got[0]] == ["short-1", "short-2", "short-3"]
    pair.settle(f"/connectors/{c}/offsets",
                lambda b: b and b.get("offsets") and b["offsets"][0]["offset"]["position"] == len(
                    "".join(line + "\n" for line in lines)))
    pair.settle_status(c, "RUNNING", tasks=1)
    assert "Executing stage 'KAFKA_PRODUCE' with class 'org.apache.kafka.connect.runtime.WorkerSourceTask'" \
        in pair.cd.output()

    c2 = pair.name("big-fail")
    pair.create(c2, {**cfg, "topic": pair.name("big2"), "errors.tolerance": "none"})
    pair.settle(f"/connectors/{c2}/status", lambda s: s and [t["state"] for t in s.get("tasks", [])] == ["FAILED"])
    for side in (pair.cd, pair.java):
        trace = side.get(f"/connectors/{c2}/status")[1]["tasks"][0]["trace"]
        assert "RecordTooLargeException" in trace, trace
    pair.check()
