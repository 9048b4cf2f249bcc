"""Differential tests of Debezium's outbox event router (io.debezium.transforms.outbox.EventRouter)
on the change events of an outbox table: concurrent, overlapping transactions insert events (and
update and delete some), and the same connector config with the router under several option sets
runs on connectd and on Kafka Connect 4.1.1 + Debezium 3.4.3; every record of every topic is
compared byte for byte, keys, values and headers (eventdiff.Pair). Also the config definition and
validate, and the task failures the router's exceptions cause, compared with Kafka Connect's."""
import datetime
import re
import time
import uuid

import pytest
from confluent_kafka import Consumer, TopicPartition

from conftest import wait_for
from eventdiff import Pair, list_topics
from kafka_util import read_topic
from test_differential_rest import Pair as RestPair
from test_differential_events import pair_on_own_database

pytestmark = pytest.mark.brokers("kafka")

ER = "io.debezium.transforms.outbox.EventRouter"

DDL = ["CREATE TABLE outbox (id uuid PRIMARY KEY, aggregatetype varchar(255) NOT NULL, aggregateid varchar(255),"
       " type varchar(255) NOT NULL, payload jsonb, body text, created_at timestamp, part int, ver int,"
       " amount numeric(10,2), flag boolean)"]


class OutboxPair(Pair):
    """eventdiff.Pair that also compares the topics a run with the default route.topic.replacement
    writes (outbox.event.<aggregatetype>; the aggregate types carry the pair's prefix)."""

    def _topics(self, side, prefix):
        topics = super()._topics(side, prefix)
        run = next(r for r in self.runs if r.prefix == prefix)
        if "transforms.outbox.route.topic.replacement" not in run.config:
            topics.update({t: p for t, p in list_topics(side.bootstrap).items()
                           if t.startswith("outbox.event." + self.prefix)})
        return topics


@pytest.fixture
def pair(request, pg, worker, reference):
    with pair_on_own_database(OutboxPair, request, pg, worker, reference) as p:
        yield p


@pytest.fixture
def rest_pair(worker, reference):
    p = RestPair(worker, reference)
    try:
        yield p
    finally:
        p.cleanup()


def outbox(pair, label, table="outbox", **opts):
    """A run's config: the router on the outbox table's topic only (a predicate, as Debezium's
    documentation advises), its options; route.topic.replacement under the run's prefix unless
    given as None (the default, outbox.event.${routedByValue})."""
    cfg = {"transforms": "outbox", "transforms.outbox.type": ER,
           "transforms.outbox.predicate": "isOutbox", "predicates": "isOutbox",
           "predicates.isOutbox.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
           "predicates.isOutbox.pattern": rf".*\.{table}",
           "transforms.outbox.route.topic.replacement": f"{pair.prefix}{label}.ev.${{routedByValue}}"}
    for k, v in opts.items():
        cfg["transforms.outbox." + k.replace("__", ".")] = v
    return pair.base_config(**{k: v for k, v in cfg.items()})


# JSON bodies for table.expand.json.payload: nested objects and arrays, nulls, numbers of each
# kind, a repeated key, escapes, arrays of objects whose shapes merge (one includes the other),
# and texts that are not (valid) JSON or not an object, which stay strings.
BODIES = [
    '{"id": 1, "items": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1, "gift": true}], '
    '"customer": {"name": "x", "tags": ["t1", "t2"], "note": null, "addr": {"city": "Z", "zip": null}}, '
    '"total": 39.98, "big": 3000000000, "neg": -0, "exp": 1e2, "tiny": 1.5E-7}',
    '{"a": 1, "a": 2, "b": [null, 1, 2], "c": [], "d": [[1, 2], [3]], "e": {}}',
    '{"s": "h\\u00e9llo \\ud83d\\ude00 \\"q\\" \\\\ \\n", "r": "caf\u00e9", "objs": [{"k": null}, {"k": 1}]}',
    '{"deep": {"a": {"b": {"c": [[{"d": 1}]]}}}} and then some',
    'not json', ' {"lead": "space"}', '{"bad": 01}', '{"mixed": [1, "x"]}', '{"trail": 1,}',
    '', '   ', None,
]


def workload(pair, prefix):
    """Concurrent, overlapping transactions on three connections (committed in another order than
    begun), then updates, deletes and an event with empty payloads."""
    conns = [pair.pg.connect(pair.dbname) for _ in range(3)]
    # recent event times (the broker would delete older records at once: retention.ms)
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    for c in conns:
        c.autocommit = False
    n = 0

    def insert(conn, agg, typ, body, payload='{"b": 2, "a": [1, {"c": null}]}'):
        nonlocal n
        n += 1
        conn.cursor().execute(
            "INSERT INTO outbox VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (str(uuid.uuid4()), f"{prefix}{agg}", str(n % 4) if n % 5 else None, typ, payload, body,
             now.replace(microsecond=n), n % 3 if n % 4 else None, 1 + n % 2, f"{n}.50",
             n % 2 == 0))
    try:
        for i, body in enumerate(BODIES):
            c = conns[i % 3]
            insert(c, "Order" if i % 2 else "Customer", "OrderCreated" if i % 2 else "CustomerShipped", body)
            if i % 3 == 2:  # commit out of order: the middle one first
                conns[1].commit()
                conns[0].commit()
                conns[2].commit()
        for c in conns:
            c.commit()
        insert(conns[0], "Order", "OrderCreated", '{"x": 1}', payload=None)
        conns[0].commit()
    finally:
        for c in conns:
            c.close()
    pair.sql("UPDATE outbox SET type = 'OrderShipped' WHERE body = 'not json'",
             "DELETE FROM outbox WHERE body = '{\"bad\": 01}'")
    pair.sql(f"INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, body, created_at) VALUES "
             f"('{uuid.uuid4()}', '{prefix}Order', '9', 'OrderCreated', '\"\"', '', now() at time zone 'utc')")


def test_outbox_option_sets(pair):
    """Defaults; additional fields as headers (a numeric, a boolean, a timestamp), in the envelope
    (with a missing one ignored) and as the partition; the event timestamp from a column; JSON
    payload expansion with nulls ignored and kept as optional bytes, and in an envelope; routing by
    another column through a regex; tombstones for empty payloads; updates dropped under warn and
    error. Every record compared byte for byte with Debezium's."""
    pair.sql(*DDL)
    p = pair.prefix
    pair.start(
        dflt=outbox(pair, "dflt", route__topic__replacement=None),
        hdr=outbox(pair, "hdr", table__fields__additional__placement=(
            "type:header:eventType,aggregatetype:header,amount:header,flag:header,created_at:header:at,"
            "part:partition"), table__field__event__timestamp="created_at", table__op__invalid__behavior="error"),
        env=outbox(pair, "env", table__fields__additional__placement=(
            "type:envelope:eventType, aggregateid:envelope,amount:envelope,nope:header,ver:header"),
            table__fields__additional__error__on__missing="false", table__field__event__key="type",
            table__field__event__schema__version="ver"),
        exp=outbox(pair, "exp", table__expand__json__payload="true", table__field__event__payload="body"),
        expob=outbox(pair, "expob", table__expand__json__payload="true", table__field__event__payload="body",
                     table__json__payload__null__behavior="optional_bytes",
                     table__fields__additional__placement="aggregatetype:envelope:at"),
        regex=outbox(pair, "regex", route__by__field="type", route__topic__regex=r"(?<kind>[A-Z][a-z]+)(Created|Shipped)",
                     route__topic__replacement=f"{p}regex.${{kind}}", route__tombstone__on__empty__payload="true",
                     table__field__event__payload="body", table__field__event__id="aggregateid"))
    workload(pair, p)
    pair.compare()
    pair.check()
    # the routing took place, on the topics Debezium's names say
    assert any(t.startswith(f"outbox.event.{p}") for t in list_topics(pair.cd.bootstrap))
    assert any(t == f"{p}regex.Order" for t in list_topics(pair.cd.bootstrap))
    # the expansion took place: structs named by their JSON path under the payload column's name
    values = [v for t in (f"{p}exp.ev.{p}Order", f"{p}exp.ev.{p}Customer")
              for _, _, _, v in read_topic(pair.cd.bootstrap, t)]
    assert any(v and b'"name":"body.customer.addr"' in v for v in values), values
    # the event timestamp: the created_at column's, in ms, on both sides
    topics = [t for t in list_topics(pair.java.bootstrap) if t.startswith(f"{p}hdr.ev.")]
    assert topics
    for t in topics:
        assert _timestamps(pair.cd.bootstrap, t) == _timestamps(pair.java.bootstrap, t), t


def _timestamps(bootstrap, topic, timeout=30):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "ts-" + uuid.uuid4().hex,
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    try:
        parts = sorted(c.list_topics(topic, timeout=timeout).topics[topic].partitions)
        ends = {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)[1] for p in parts}
        c.assign([TopicPartition(topic, p, 0) for p in parts])
        out, deadline = [], time.monotonic() + timeout
        while len(out) < sum(ends.values()) and time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is not None and not m.error():
                out.append((m.partition(), m.offset(), m.timestamp()[1]))
        return sorted(out)
    finally:
        c.close()


def _cause(trace):
    """The first "Caused by:" line of a task's failure trace."""
    m = re.search(r"^Caused by: (.*)$", trace or "", re.M)
    return m.group(1) if m else None


FAIL_DDL = ["CREATE TABLE box (id uuid PRIMARY KEY, aggregatetype text, aggregateid text, type text, payload text)"]


def test_outbox_failures(pair):
    """What fails the task, on both with the same exception: an update under
    table.op.invalid.behavior=fatal (IllegalStateException naming the key), a payload column that
    is not there (ConnectException), a null routing value (RegexRouter's NullPointerException), an
    expanded top-level array (JsonConverter refuses the string left under an ARRAY schema), and
    "[]" expanded in an envelope (the value schema cache's NullPointerException)."""
    pair.sql(*FAIL_DDL)
    p = pair.prefix
    runs = dict(
        fatal=outbox(pair, "fatal", table="box", table__op__invalid__behavior="fatal"),
        nopayload=outbox(pair, "nopayload", table="box", table__field__event__payload="body"),
        nullroute=outbox(pair, "nullroute", table="box"),
        arr=outbox(pair, "arr", table="box", table__expand__json__payload="true"),
        emptyarr=outbox(pair, "emptyarr", table="box", table__expand__json__payload="true",
                        table__fields__additional__placement="type:envelope"))
    for cfg in runs.values():
        cfg["table.include.list"] = "public.box"
    pair.start(**runs)
    ins = "INSERT INTO box VALUES (gen_random_uuid(), %s, 'k', 'T', %s)"
    for agg, payload in ((f"{p}A", '{"a": 1}'), (f"{p}A", "[]"), (f"{p}A", "[1, 2]")):
        pair.admin.cursor().execute(ins, (agg, payload))
    pair.sql("UPDATE box SET type = 'U'")
    pair.admin.cursor().execute(ins, (None, "{}"))
    want = {
        "fatal": r"java\.lang\.IllegalStateException: Unexpected update message received Struct\{id=[0-9a-f-]{36}\}, fail\.",
        "nopayload": r"org\.apache\.kafka\.connect\.errors\.ConnectException: Unable to find payload field body in event",
        "nullroute": r'java\.lang\.NullPointerException: Cannot invoke "java\.lang\.CharSequence\.length\(\)" because "this\.text" is null',
        "arr": r"org\.apache\.kafka\.connect\.errors\.DataException: Invalid type for ARRAY: class java\.lang\.String",
        "emptyarr": r'java\.lang\.NullPointerException: Cannot invoke "Object\.hashCode\(\)" because "key" is null',
    }
    for r in pair.runs:
        causes = []
        for side in (pair.cd, pair.java):
            def failed():
                st = side.status(r.name)
                return st and st.get("tasks") and st["tasks"][0]["state"] == "FAILED"
            wait_for(failed, 90, f"{r.label} to fail on {side.label}")
            causes.append(_cause(side.status(r.name)["tasks"][0]["trace"]))
        assert causes[0] == causes[1], (r.label, causes)
        assert re.fullmatch(want[r.label], causes[1]), (r.label, causes[1])


def test_outbox_config_and_validate(rest_pair):
    """GET /connector-plugins/{class}/config (by class and by alias) and validate with the router's
    keys (grouped as Debezium groups them: Table, Router, Tracing), as Kafka Connect answers."""
    rest_pair.call("GET", f"/connector-plugins/{ER}/config", ordered=True)
    rest_pair.call("GET", "/connector-plugins/EventRouter/config", ordered=True)
    cfg = {"connector.class": "FileStreamSource", "name": "v", "topic": "t", "file": "/tmp/x",
           "transforms": "o", "transforms.o.type": ER, "transforms.o.route.tombstone.on.empty.payload": "maybe",
           "transforms.o.table.fields.additional.placement": "a:header"}
    rest_pair.call("PUT", "/connector-plugins/FileStreamSource/config/validate", cfg)
    rest_pair.check()
