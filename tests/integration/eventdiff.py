"""The machinery of the differential event tests (test_differential_events.py): the same Debezium
connector config run by connectd and by the real Kafka Connect + Debezium (reference.py) on the same
PostgreSQL database, every record of every topic they wrote read back with its headers, and the two
compared per topic-partition in order after reference.normalise_record. Differences are collected,
not raised one by one, and checked against reference.EVENT_KNOWN_DIFFERENCES."""
import json
import time
import uuid

import pytest
from confluent_kafka import Consumer, KafkaException, TopicPartition

from kafka_util import _TRANSIENT

from conftest import wait_for
from reference import EVENT_KNOWN_DIFFERENCES, normalise_offset, normalise_record

PG_CLASS = "io.debezium.connector.postgresql.PostgresConnector"
PUBLICATION = "dbz_publication"


# ---------------------------------------------------------------- reading a broker

def list_topics(bootstrap):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "lister-" + uuid.uuid4().hex})
    try:
        return {t: sorted(m.partitions) for t, m in c.list_topics(timeout=30).topics.items()}
    finally:
        c.close()


def _watermark(c, topic, partition, timeout):
    """The end offset of a partition; a topic created a moment ago has no leader yet: ask again."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=timeout)[1]
        except KafkaException as e:
            if (not e.args[0].retriable() and e.args[0].code() not in _TRANSIENT) or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def read_all(bootstrap, topics, timeout=30.0):
    """{(topic, partition): [(key bytes, value bytes, [(header, bytes)])]} for every partition of the
    given topics ({topic: [partitions]}), each from its start to its current end, in offset order."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "eventdiff-" + uuid.uuid4().hex,
                  "enable.auto.commit": False, "auto.offset.reset": "earliest",
                  "fetch.wait.max.ms": 20})
    try:
        ends, out = {}, {}
        for t, parts in topics.items():
            for p in parts:
                ends[(t, p)] = _watermark(c, t, p, timeout)
                out[(t, p)] = []
        todo = [TopicPartition(t, p, 0) for (t, p), e in ends.items() if e > 0]
        if not todo:
            return out
        c.assign(todo)
        pos = {tp: 0 for tp in ends}
        deadline = time.monotonic() + timeout
        while any(pos[tp] < ends[tp] for tp in ends):
            if time.monotonic() > deadline:
                raise TimeoutError(f"not at the end of {ends} after {timeout}s: at {pos}")
            m = c.poll(0.2)
            if m is None or m.error():
                continue
            tp = (m.topic(), m.partition())
            if m.offset() >= ends[tp]:
                continue
            out[tp].append((m.key(), m.value(), list(m.headers() or [])))
            pos[tp] = m.offset() + 1
        return out
    finally:
        c.close()


# ---------------------------------------------------------------- one side

class Side:
    """One worker (connectd or Kafka Connect) and the broker it writes to."""

    def __init__(self, label, rest, bootstrap, offsets_topic):
        self.label, self.rest, self.bootstrap, self.offsets_topic = label, rest, bootstrap, offsets_topic

    def topics_of(self, prefix):
        """{topic: [partitions]} of the topics a connector with topic.prefix=prefix wrote."""
        return {t: p for t, p in list_topics(self.bootstrap).items()
                if t.startswith(prefix + ".") or t == "__debezium-heartbeat." + prefix}

    def status(self, name):
        return self.rest.get(f"/connectors/{name}/status")[1]

    def last_offset(self, name):
        """The raw value bytes of the newest record of the connector in the offsets topic."""
        want = json.dumps([name]).encode()[:-1] + b","
        topics = {self.offsets_topic: list_topics(self.bootstrap)[self.offsets_topic]}
        last = None
        for recs in read_all(self.bootstrap, topics).values():
            for k, v, _ in recs:
                if k and k.startswith(want):
                    last = (k, v)
        return last


# ---------------------------------------------------------------- a differential run

class Difference:
    """One way in which connectd's output differs from Debezium's. aspect: topic, count,
    partition, key, value, headers, offset; path: where in a parsed value; connectd/debezium: the
    two sides' text."""

    def __init__(self, test, config, aspect, topic=None, partition=None, index=None, path=None,
                 connectd=None, debezium=None):
        self.test, self.config, self.aspect = test, config, aspect
        self.topic, self.partition, self.index, self.path = topic, partition, index, path
        self.connectd, self.debezium = connectd, debezium

    def __str__(self):
        where = f"{self.config}: {self.aspect}"
        if self.topic is not None:
            where += f" {self.topic}"
        if self.partition is not None:
            where += f"[{self.partition}]"
        if self.index is not None:
            where += f" #{self.index}"
        if self.path:
            where += " at " + "/".join(str(p) for p in self.path)
        return f"{where}\n    connectd: {_short(self.connectd)}\n    Debezium: {_short(self.debezium)}"


def _short(v, limit=600):
    s = v if isinstance(v, str) else repr(v)
    return s if len(s) <= limit else s[:limit] + f"... ({len(s)} chars)"


def _decode(b):
    if b is None:
        return None
    try:
        return b.decode()
    except UnicodeDecodeError:
        return repr(b)


def _pairs(raw):
    """A JSON text parsed with member order kept (objects as lists of pairs)."""
    return json.loads(raw, object_pairs_hook=lambda kv: ("<object>", kv))


def _value_diffs(a, b, path=()):
    """Paths where two order-keeping parses differ, most specific first."""
    if isinstance(a, tuple) and isinstance(b, tuple) and a[0] == b[0] == "<object>":
        ka, kb = [k for k, _ in a[1]], [k for k, _ in b[1]]
        if ka != kb:
            return [(path + ("<members>",), ka, kb)]
        out = []
        for (k, va), (_, vb) in zip(a[1], b[1]):
            out += _value_diffs(va, vb, path + (k,))
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [(path + ("<length>",), len(a), len(b))]
        out = []
        for i, (va, vb) in enumerate(zip(a, b)):
            out += _value_diffs(va, vb, path + (i,))
        return out
    if a != b or type(a) is not type(b):
        return [(path, json.dumps(_plain(a), ensure_ascii=False), json.dumps(_plain(b), ensure_ascii=False))]
    return []


def _plain(v):
    if isinstance(v, tuple) and v and v[0] == "<object>":
        return {k: _plain(x) for k, x in v[1]}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


class Run:
    """One connector config run by both workers on one database, under a label of its own."""

    def __init__(self, pair, label, config):
        self.pair, self.label = pair, label
        self.prefix = f"{pair.prefix}{label}"
        self.name = f"{pair.name}-{label}"
        self.config = dict(config)
        self.config["topic.prefix"] = self.prefix

    def start(self):
        p = self.pair
        for side, slot in ((p.cd, "cd"), (p.java, "java")):
            cfg = dict(self.config, **{"slot.name": f"{self.prefix}_{slot}"})
            status, body, _ = side.rest.request("POST", "/connectors", {"name": self.name, "config": cfg})
            assert status == 201, f"{side.label}: {status} {body}"

    def wait_streaming(self, timeout=90):
        p = self.pair
        for side, slot in ((p.cd, "cd"), (p.java, "java")):
            def ok():
                st = side.status(self.name)
                if st and st.get("tasks") and st["tasks"][0]["state"] == "FAILED":
                    pytest.fail(f"{side.label} task of {self.name} failed: {st['tasks'][0].get('trace')}")
                cur = p.admin.cursor()
                # A slot is active from the start of CREATE_REPLICATION_SLOT, but its exported
                # snapshot's point is known only once it is consistent (confirmed_flush_lsn set);
                # a change committed before that belongs to the snapshot, not the stream.
                cur.execute("SELECT active AND confirmed_flush_lsn IS NOT NULL FROM pg_replication_slots "
                            "WHERE slot_name = %s", (f"{self.prefix}_{slot}",))
                row = cur.fetchone()
                return row and row[0] and st and st["connector"]["state"] == "RUNNING"
            wait_for(ok, timeout, f"{side.label}'s slot {self.prefix}_{slot} to be active", interval=0.2)


class Pair:
    """connectd (on the session's Kafka) and Kafka Connect + Debezium (on the reference's Kafka),
    one database of the test's own, and the runs (connector configs) of one test."""

    def __init__(self, test, pg, dbname, worker, reference):
        self.test, self.pg, self.dbname = test, pg, dbname
        self.cd = Side("connectd", worker, worker.broker.bootstrap, worker.names.offsets)
        self.java = Side("Kafka Connect", reference, reference.kafka.bootstrap, "connect-offsets")
        suffix = uuid.uuid4().hex[:8]
        self.prefix = f"ev{suffix}"
        self.name = f"ev-{suffix}"
        self.admin = pg.connect(dbname)
        self.hb_key_hash_off_zero = False
        self.runs = []
        self.diffs = []
        # topic suffixes left out of the comparison (say why where a test sets them)
        self.skip_topics = set()

    def heartbeat_prefix_off_partition_zero(self, label, partitions=3):
        """Picks a prefix whose heartbeat key does not hash to partition 0, so that a connector
        that partitions heartbeats by key differs from Debezium (partition 0) on every run."""
        from kafka_util import java_partition
        while True:
            key = ('{"schema":{"type":"struct","fields":[{"type":"string","optional":false,'
                   '"field":"serverName"}],"optional":false,"name":"io.debezium.connector.common.'
                   'ServerNameKey","version":1},"payload":{"serverName":"%s"}}' % (self.prefix + label)).encode()
            if java_partition(key, partitions) != 0:
                return
            suffix = uuid.uuid4().hex[:8]
            self.prefix, self.name = f"ev{suffix}", f"ev-{suffix}"

    def sql(self, *statements):
        cur = self.admin.cursor()
        for s in statements:
            cur.execute(s)

    def base_config(self, **extra):
        cfg = {"connector.class": PG_CLASS, "tasks.max": "1",
               "database.hostname": self.pg.host, "database.port": str(self.pg.port),
               "database.user": "postgres", "database.password": "unused",
               "database.dbname": self.dbname, "plugin.name": "pgoutput",
               "snapshot.mode": "no_data", "publication.name": PUBLICATION,
               "topic.creation.default.replication.factor": "1",
               "topic.creation.default.partitions": "3"}
        cfg.update({k.replace("__", "."): v for k, v in extra.items()})
        return {k: v for k, v in cfg.items() if v is not None}  # None: the key unset (its default)

    def start(self, **runs):
        """Starts each run ({label: config}) on both sides and waits until every one streams."""
        self.sql(f"CREATE PUBLICATION {PUBLICATION} FOR ALL TABLES")
        for label, cfg in runs.items():
            r = Run(self, label, cfg)
            self.runs.append(r)
            r.start()
        for r in self.runs:
            r.wait_streaming()

    def sentinel(self):
        """A last row after the workload; returns once both sides have written it for every run."""
        self.sql("CREATE TABLE IF NOT EXISTS zz_sentinel (id int PRIMARY KEY)",
                 "INSERT INTO zz_sentinel VALUES (1)")
        for r in self.runs:
            if "table.include.list" in r.config and "zz_sentinel" not in r.config["table.include.list"]:
                continue
            t = f"{r.prefix}.public.zz_sentinel"
            for side in (self.cd, self.java):
                def written():
                    parts = list_topics(side.bootstrap).get(t)
                    return parts and any(read_all(side.bootstrap, {t: parts}).values())
                wait_for(written, 90, f"{side.label} to write {t}", interval=0.5)

    def collect(self, settle=20):
        """Both sides' records of every run, once their counts per topic agree (or after settle
        seconds, when they never will)."""
        out = {}
        for r in self.runs:
            deadline = time.monotonic() + settle
            while True:
                a = read_all(self.cd.bootstrap, self._topics(self.cd, r.prefix))
                b = read_all(self.java.bootstrap, self._topics(self.java, r.prefix))
                def counts(x):
                    c = {}
                    for (t, _), recs in x.items():
                        if not t.startswith("__debezium-heartbeat."):
                            c[t] = c.get(t, 0) + len(recs)
                    return c
                if counts(a) == counts(b) or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            out[r.label] = (a, b)
        return out

    def _topics(self, side, prefix):
        return {t: p for t, p in side.topics_of(prefix).items() if not any(t.endswith(s) for s in self.skip_topics)}

    def compare(self, settle=20, offsets=True):
        """Compares everything of every run; records the differences."""
        self.sentinel()
        data = self.collect(settle)
        for r in self.runs:
            a, b = data[r.label]
            self._compare_run(r, a, b)
        if offsets:
            for r in self.runs:
                if not r.config.get("heartbeat.action.query"):  # it writes WAL on each side's timer
                    self._compare_offsets(r)

    def diff(self, run, aspect, **kw):
        self.diffs.append(Difference(self.test, run.label, aspect, **kw))

    def _compare_run(self, run, a, b):
        ta = {t for t, _ in a}
        tb = {t for t, _ in b}
        for t in sorted(ta - tb):
            self.diff(run, "topic", topic=t, connectd="written", debezium="absent")
        for t in sorted(tb - ta):
            self.diff(run, "topic", topic=t, connectd="absent", debezium="written")
        for t in sorted(ta & tb):
            pa = sorted(p for tt, p in a if tt == t)
            pb = sorted(p for tt, p in b if tt == t)
            if pa != pb:
                self.diff(run, "partitions", topic=t, connectd=str(pa), debezium=str(pb))
            if t.startswith("__debezium-heartbeat."):
                self._compare_heartbeats(run, t, {p: a[(t, p)] for p in pa}, {p: b[(t, p)] for p in pb})
                continue
            # Records without a key go to a partition the producer picks at random (Kafka's sticky
            # partitioner, librdkafka's random one): they are compared across the topic, in a
            # canonical order; the others per partition, in order.
            loose = []
            for side in (a, b):
                recs = []
                for p in sorted(set(pa) | set(pb)):
                    recs += [r for r in side.get((t, p), []) if r[0] is None]
                loose.append(sorted(recs, key=lambda r: repr(normalise_record(t, *r))))
            self._compare_partition(run, t, "keyless", *loose)
            for p in sorted(set(pa) | set(pb)):
                self._compare_partition(run, t, p, [r for r in a.get((t, p), []) if r[0] is not None],
                                        [r for r in b.get((t, p), []) if r[0] is not None])

    def _compare_heartbeats(self, run, topic, a, b):
        """Heartbeats come on a timer: their number is not deterministic, so what is compared is
        the partitions they went to and the distinct records after normalisation."""
        def view(parts):
            used = sorted(p for p, recs in parts.items() if recs)
            distinct = []
            for recs in parts.values():
                for rec in recs:
                    n = normalise_record(topic, *rec)
                    if n not in distinct:
                        distinct.append(n)
            return used, distinct
        ua, da = view(a)
        ub, db = view(b)
        if not da or not db:
            self.diff(run, "count", topic=topic, connectd=f"{sum(map(len, a.values()))} heartbeats",
                      debezium=f"{sum(map(len, b.values()))} heartbeats")
            return
        if ua != ub:
            self.diff(run, "partition", topic=topic, connectd=str(ua), debezium=str(ub))
        for i, (x, y) in enumerate(zip(da, db)):
            self._compare_record(run, topic, None, i, x, y)
        if len(da) != len(db):
            self.diff(run, "count", topic=topic, connectd=f"{len(da)} distinct heartbeats",
                      debezium=f"{len(db)} distinct heartbeats")

    def _compare_partition(self, run, topic, p, ra, rb):
        for i, (x, y) in enumerate(zip(ra, rb)):
            self._compare_record(run, topic, p, i, normalise_record(topic, *x), normalise_record(topic, *y))
        if len(ra) != len(rb):
            extra, who = (ra[len(rb):], "connectd") if len(ra) > len(rb) else (rb[len(ra):], "Debezium")
            self.diff(run, "count", topic=topic, partition=p, connectd=str(len(ra)), debezium=str(len(rb)) +
                      f"; {who} also has: " + "; ".join(f"{_decode(k)} -> {_decode(v)}" for k, v, _ in extra[:3]))

    def _compare_record(self, run, topic, p, i, x, y):
        (ka, va, ha), (kb, vb, hb) = x, y
        if ka != kb:
            self._compare_json(run, "key", topic, p, i, ka, kb)
        if va != vb:
            self._compare_json(run, "value", topic, p, i, va, vb)
        if ha != hb:
            self.diff(run, "headers", topic=topic, partition=p, index=i,
                      connectd=json.dumps(ha, ensure_ascii=False), debezium=json.dumps(hb, ensure_ascii=False))

    def _compare_json(self, run, aspect, topic, p, i, a, b):
        """a and b are normalised texts (or None); the difference is reported per JSON path when
        both parse, else as a whole."""
        try:
            paths = _value_diffs(_pairs(a), _pairs(b))
        except (TypeError, ValueError):
            paths = []
        if not paths:  # not JSON, or equal once parsed but not as bytes (spacing, escaping)
            self.diff(run, aspect, topic=topic, partition=p, index=i, connectd=a, debezium=b)
        for path, ca, cb in paths:
            self.diff(run, aspect, topic=topic, partition=p, index=i, path=path,
                      connectd=str(ca), debezium=str(cb))

    def _compare_offsets(self, run, timeout=8):
        """The connector's newest committed source offset on both sides, once they agree (offsets
        are committed on a timer, so only the final one is deterministic)."""
        deadline = time.monotonic() + timeout
        while True:
            a = self.cd.last_offset(run.name)
            b = self.java.last_offset(run.name)
            a, b = [(x[0], normalise_offset(x[1])) if x else x for x in (a, b)]
            if a == b or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        if a is None or b is None:
            self.diff(run, "offset", connectd=str(a), debezium=str(b))
            return
        if a[0] != b[0]:
            self._compare_json(run, "offset", "<offsets key>", None, None, _decode(a[0]), _decode(b[0]))
        if a[1] != b[1]:
            self._compare_json(run, "offset", "<offsets value>", None, None, _decode(a[1]), _decode(b[1]))

    def check(self):
        """Fails on every difference that EVENT_KNOWN_DIFFERENCES does not explain, and on every entry
        meant for this test that explained nothing (it no longer holds, so it must go)."""
        unexplained, used = [], set()
        for d in self.diffs:
            hits = [k for k in EVENT_KNOWN_DIFFERENCES if self.test in k.tests and k.matches(d)]
            if hits:
                used.update(k.name for k in hits)
            else:
                unexplained.append(d)
        stale = [k for k in EVENT_KNOWN_DIFFERENCES if self.test in k.tests and k.name not in used]
        msg = []
        if unexplained:
            msg.append(f"{len(unexplained)} differences from Debezium:\n" + "\n".join(map(str, unexplained)))
        if stale:
            msg.append("EVENT_KNOWN_DIFFERENCES entries that no longer occur in " + self.test + ":\n" +
                       "\n".join(f"  {k.name}: {k.reason}" for k in stale))
        if msg:
            pytest.fail("\n".join(msg))

    def close(self):
        self.admin.close()
