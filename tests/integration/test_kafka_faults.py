"""Kafka faults on a real Apache Kafka broker: the broker stopped (or killed) in the middle of
streaming and started again on the same data and port, and the worker stopped or killed and
restarted on the same topics, both under a production-like load (concurrent, overlapping
PostgreSQL transactions from threads, lines appended to a FileStream source, a FileStream sink).
What must hold is what a user sees: every committed row and every line on the topics, the sink
file complete, tasks back to RUNNING by themselves, the outage in the REST status while it lasts."""
import json
import random
import re
import signal
import threading
import time
import uuid

import psycopg2
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from conftest import FAST_WORKER_ARGS, wait_for
from kafka_util import read_topic
from test_postgres import own_database, pg_config, pgdb  # noqa: F401 (pgdb is a fixture)
from test_rest_api import SINK, SRC

UNREACHABLE = "Kafka is unreachable since"


class Load:
    """Threads running overlapping PostgreSQL transactions (inserts, updates, deletes of rows of
    their own) and, when path is given, a thread appending lines to that file, until stop().
    What was committed is kept: self.events holds (op, id, v) of every committed change,
    self.lines every line written."""

    def __init__(self, pg, dbname, table, path=None, threads=4):
        self.pg, self.dbname, self.table, self.path = pg, dbname, table, path
        self.events, self.lines = [], []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.errors = []
        self.threads = [threading.Thread(target=self._txns, args=(i,), daemon=True) for i in range(threads)]
        if path:
            self.threads.append(threading.Thread(target=self._lines, daemon=True))

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(30)
        assert not self.errors, self.errors

    def counts(self):
        with self.lock:
            return len(self.events), len(self.lines)

    def _txns(self, n):
        try:
            conn = psycopg2.connect(self.pg.dsn(self.dbname))
            rnd = random.Random(n)
            live, next_id, v = [], n * 1_000_000, 0
            while not self.stopping.is_set():
                done = []
                with conn.cursor() as cur:
                    for _ in range(rnd.randint(1, 4)):
                        next_id += 1
                        v += 1
                        cur.execute(f"INSERT INTO {self.table} (id, v, note) VALUES (%s, %s, %s)",
                                    (next_id, v, "x" * rnd.randint(0, 200)))
                        done.append(("c", next_id, v))
                    # pg_sleep keeps the transaction open while other threads commit theirs.
                    cur.execute("SELECT pg_sleep(%s)", (rnd.random() * 0.02,))
                    if live and rnd.random() < 0.6:
                        i = rnd.choice(live)
                        v += 1
                        cur.execute(f"UPDATE {self.table} SET v = %s WHERE id = %s", (v, i))
                        done.append(("u", i, v))
                    if len(live) > 5 and rnd.random() < 0.3:
                        i = live.pop(rnd.randrange(len(live)))
                        cur.execute(f"DELETE FROM {self.table} WHERE id = %s", (i,))
                        done.append(("d", i, None))
                conn.commit()
                live += [i for op, i, _ in done if op == "c"]
                with self.lock:
                    self.events += done
                time.sleep(0.005)
            conn.close()
        except Exception as e:  # reported by stop()
            self.errors.append(repr(e))

    def _lines(self):
        i = 0
        with open(self.path, "a") as f:
            while not self.stopping.is_set():
                for _ in range(20):
                    line = f"line-{i}"
                    f.write(line + "\n")
                    i += 1
                    with self.lock:
                        self.lines.append(line)
                f.flush()
                time.sleep(0.01)


class TopicReader:
    """Reads a one-partition topic from its beginning and keeps up with it: poll() returns every
    record read so far as (key, value), in offset order."""

    def __init__(self, bootstrap, topic):
        self.topic = topic
        self.c = Consumer({"bootstrap.servers": bootstrap, "group.id": "reader-" + uuid.uuid4().hex,
                           "enable.auto.commit": False, "fetch.wait.max.ms": 50})
        self.c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        self.records = []

    def poll(self):
        while True:
            msgs = self.c.consume(5000, 0.2)
            self.records += [(m.key(), m.value()) for m in msgs if m.error() is None]
            if len(msgs) < 5000:
                return self.records

    def read_to_end(self):
        """Every record the topic has now."""
        _, high = self.c.get_watermark_offsets(TopicPartition(self.topic, 0), timeout=30)
        wait_for(lambda: len(self.poll()) >= high, 60, f"{self.topic} read to its end")
        return self.records

    def close(self):
        self.c.close()


def read_all(bootstrap, topic):
    r = TopicReader(bootstrap, topic)
    try:
        return list(r.read_to_end())
    finally:
        r.close()


def pg_event(value):
    """(op, id, v) and (txId, lsn) of a change event; None for a tombstone."""
    if value is None:
        return None
    p = json.loads(value)["payload"]
    row = p["after"] if p["op"] != "d" else p["before"]
    return (p["op"], row["id"], row["v"] if p["op"] != "d" else None), (p["source"]["txId"], p["source"]["lsn"])


def line_payload(value):
    return json.loads(value)["payload"]


def wait_all_on_topic(bootstrap, topic, want, parse, timeout=120):
    """Waits until every item of want is on the topic (parse: value -> item, None to skip);
    returns the topic's records."""
    r = TopicReader(bootstrap, topic)
    got, seen = set(), 0

    def check():
        nonlocal seen
        records = r.poll()
        got.update(x for x in map(parse, (v for _, v in records[seen:])) if x is not None)
        seen = len(records)
        return want <= got
    try:
        wait_for(check, timeout, f"{len(want)} items on {topic}")
        return list(r.records)
    except pytest.fail.Exception:
        missing = sorted(want - got, key=repr)
        pytest.fail(f"{len(missing)} of {len(want)} items missing on {topic} after {timeout}s "
                    f"({seen} records read), e.g. {missing[:10]}")
    finally:
        r.close()


def check_nothing_lost(bootstrap, pg_topic, load, lines_topic=None, out=None):
    """Every committed change on pg_topic, every line written on lines_topic and in the sink
    file out. Returns the records of the topics."""
    pg_records = wait_all_on_topic(bootstrap, pg_topic, set(load.events), lambda v: pg_event(v) and pg_event(v)[0])
    if lines_topic is None:
        return pg_records, None
    lines = set(load.lines)
    line_records = wait_all_on_topic(bootstrap, lines_topic, lines, line_payload)
    wait_for(lambda: out.exists() and lines <= set(out.read_text().splitlines()), 60, "every line in the sink file")
    return pg_records, line_records


def status(w, name):
    code, body, _ = w.get(f"/connectors/{name}/status", timeout=5)
    assert code == 200, body
    return body


def create(w, name, config):
    code, body, _ = w.request("POST", "/connectors", {"name": name, "config": config})
    assert code == 201, body


def all_running(w, names, trace=False):
    """True when every connector and task of names is RUNNING, each with (trace=True) or without
    (trace=False) the outage note."""
    for n in names:
        code, st, _ = w.get(f"/connectors/{n}/status", timeout=5)
        if code != 200:
            return False
        entries = [st["connector"]] + st["tasks"]
        if len(st["tasks"]) != 1 or any(e["state"] != "RUNNING" for e in entries):
            return False
        if any((UNREACHABLE in e.get("trace", "")) != trace for e in entries):
            return False
    return True


def create_table(pg, db):
    conn = psycopg2.connect(pg.dsn(db))
    conn.autocommit = True
    conn.cursor().execute("CREATE TABLE items (id BIGINT PRIMARY KEY, v BIGINT, note TEXT)")
    conn.close()


def setup_pipeline(pg, db, w, tmp_path, prefix, **pg_extra):
    """A table, a PostgreSQL connector on it (pg), a FileStream source (lines) and a FileStream
    sink of the source's topic (sink); returns (load, sink file)."""
    create_table(pg, db)
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text("")
    create(w, "pg", pg_config(pg, db, prefix=prefix, **pg_extra))
    create(w, "lines", {"connector.class": SRC, "file": str(src), "topic": prefix + "-lines",
                        "batch.size": "200"})
    create(w, "sink", {"connector.class": SINK, "file": str(out), "topics": prefix + "-lines"})
    wait_for(lambda: all_running(w, ["pg", "lines", "sink"]), 60, "the connectors to run")
    return Load(pg, db, "items", src), out


def streaming(bootstrap, load, *topics):
    """Waits until rows are being committed and records reach every topic."""
    readers = [TopicReader(bootstrap, t) for t in topics]
    try:
        wait_for(lambda: load.counts()[0] > 300 and all(len(r.poll()) > 100 for r in readers), 60,
                 "streaming to be under way")
    finally:
        for r in readers:
            r.close()


def walsender_pid(pg, db):
    c = pg.connect()
    try:
        cur = c.cursor()
        cur.execute("SELECT active_pid FROM pg_replication_slots WHERE slot_name = %s", ("s_" + db,))
        row = cur.fetchone()
        return row[0] if row else None
    finally:
        c.close()


def test_broker_outage_under_load(pg, pgdb, kafka_factory, connectd, tmp_path):  # noqa: F811
    """The broker stopped in the middle of streaming and started again: nothing is lost, the
    tasks recover by themselves, and their status says what is going on while Kafka is away."""
    k = kafka_factory()
    w = connectd(bootstrap=k.bootstrap, args=FAST_WORKER_ARGS).wait_ready()
    admin, db = pgdb
    # A walsender that hears nothing from connectd for 5 s ends the replication connection (60 s
    # by default), so a short outage shows whether the task keeps it alive while it waits.
    admin.cursor().execute(f"ALTER ROLE postgres IN DATABASE {db} SET wal_sender_timeout = '5s'")
    # A small producer queue: the PostgreSQL task soon waits in back-pressure during the outage,
    # at 2000 records (the byte bound, buffer.memory, made large enough not to come first).
    load, out = setup_pipeline(pg, db, w, tmp_path, "out",
                               **{"producer.override.queue.buffering.max.messages": "2000",
                                  "producer.override.buffer.memory": "16777216"})
    load.start()
    streaming(k.bootstrap, load, "out.public.items", "out-lines")
    pid = walsender_pid(pg, db)
    assert pid
    assert all_running(w, ["pg", "lines", "sink"], trace=False)

    k.stop()
    t0 = time.monotonic()
    wait_for(lambda: all_running(w, ["pg", "lines", "sink"], trace=True), 60, "the outage in every status")
    print("status during the outage:", json.dumps(status(w, "pg")))
    w.wait_output(r"WARN .*Kafka is unreachable")
    # Reads answer from the worker's own view. A write answers with an error after its timeout,
    # and a task restarted meanwhile stops and starts within its timeouts.
    assert sorted(w.get("/connectors", timeout=5)[1]) == ["lines", "pg", "sink"]
    assert w.get("/", timeout=5)[0] == 200
    answers = {}
    restart = threading.Thread(target=lambda: answers.update(
        restart=w.request("POST", "/connectors/lines/tasks/0/restart", timeout=60)))
    restart.start()
    code, body, _ = w.request("PUT", "/connectors/lines/pause", timeout=60)
    assert code == 500 and "was not made" in body["message"], body
    restart.join()
    assert answers["restart"][0] == 204, answers
    # Meanwhile the PostgreSQL task waited in back-pressure (its producer queue full) for longer
    # than wal_sender_timeout, and kept its replication connection. One lost anyway is
    # re-established once the task goes on.
    trace = status(w, "pg")["tasks"][0]["trace"]
    assert int(re.search(r"(\d+) records wait for delivery and are retried; nothing is lost", trace).group(1)) >= 2000
    assert walsender_pid(pg, db) == pid
    admin.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
    print(f"outage lasted {time.monotonic() - t0:.1f}s before the broker came back")

    k.start()
    wait_for(lambda: all_running(w, ["pg", "lines", "sink"], trace=False), 90, "the outage to clear")
    w.wait_output(r"INFO .*Kafka is reachable again")
    load.stop()
    check_nothing_lost(k.bootstrap, "out.public.items", load, "out-lines", out)
    # The pause that failed was not made behind the user's back once Kafka came back.
    assert not [key for (_, _, key, _) in read_topic(k.bootstrap, "connect-configs") if key == b"target-state-lines"]
    assert all_running(w, ["pg", "lines", "sink"])
    assert "abandoned" not in w.output()


def test_broker_killed_under_load(pg, pgdb, kafka_factory, connectd, tmp_path):  # noqa: F811
    """The broker killed (SIGKILL: no controlled shutdown, unflushed segments recovered at start)
    in the middle of streaming and started again: nothing is lost, the tasks recover by
    themselves."""
    k = kafka_factory()
    w = connectd(bootstrap=k.bootstrap, args=FAST_WORKER_ARGS).wait_ready()
    _, db = pgdb
    load, out = setup_pipeline(pg, db, w, tmp_path, "out")
    # A sink of a topic nobody writes: its consumer has never needed the broker's own connection,
    # so librdkafka never says "all brokers down" for it; the outage must show on it all the same.
    create(w, "quiet", {"connector.class": SINK, "file": str(tmp_path / "quiet.txt"), "topics": "out-nothing"})
    every = ["pg", "lines", "sink", "quiet"]
    wait_for(lambda: all_running(w, every), 60, "the quiet sink to run")
    load.start()
    streaming(k.bootstrap, load, "out.public.items", "out-lines")
    k.kill()
    wait_for(lambda: all_running(w, every, trace=True), 60, "the outage in every status")
    events = load.counts()[0]
    wait_for(lambda: load.counts()[0] > events + 500, 30, "writes during the outage")
    k.start()
    wait_for(lambda: all_running(w, every, trace=False), 90, "the outage to clear")
    load.stop()
    check_nothing_lost(k.bootstrap, "out.public.items", load, "out-lines", out)
    assert "abandoned" not in w.output()


@pytest.fixture
def pgdb2(pg):
    """A second database of the test's own."""
    with own_database(pg) as name:
        yield name


def committed_offsets(bootstrap, topic):
    """{connector: offset} of the last record of each key in the offsets topic."""
    out = {}
    for _, _, k, v in read_topic(bootstrap, topic, timeout=30):
        out[json.loads(k)[0]] = json.loads(v) if v else None
    return out


def pg_covered(records, offset):
    """(txId, lsn, op) of the events among records (a topic's, in order) that a committed offset
    covers: a restarted task must not emit them again. Changes reach the topic in commit order,
    so these are every event up to the last one of transaction txId at or before lsn_proc."""
    events = [e for e in map(pg_event, (v for _, v in records)) if e]
    last = max((i for i, (_, (tx, lsn)) in enumerate(events)
                if tx == offset["txId"] and lsn <= offset["lsn_proc"]), default=-1)
    return {(tx, lsn, ev[0]) for ev, (tx, lsn) in events[:last + 1]}


def line_covered(path, offset):
    """The lines of the source file a committed FileStream offset ({"position": N}) covers."""
    covered, pos = set(), 0
    for line in path.read_bytes().split(b"\n")[:-1]:
        pos += len(line) + 1
        if pos > offset["position"]:
            break
        covered.add(line.decode())
    return covered


@pytest.mark.brokers("kafka")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill9"])
def test_worker_restart_resumes_every_connector(pg, pgdb, pgdb2, worker, tmp_path, sig):  # noqa: F811
    """Two PostgreSQL connectors on two databases, a FileStream source and a FileStream sink; the
    worker stopped (SIGTERM) or killed (SIGKILL) while rows and lines keep being written, then
    restarted on the same topics: every connector resumes from its committed offset, nothing is
    lost, and what comes again is only what the last offset commit before the stop did not
    cover."""
    bs = worker.broker.bootstrap
    (_, db1), db2 = pgdb, pgdb2
    for db in (db1, db2):
        create_table(pg, db)
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text("")
    topics = {"pg1": worker.t("a") + ".public.items", "pg2": worker.t("b") + ".public.items",
              "lines": worker.t("lines")}
    create(worker, "pg1", pg_config(pg, db1, prefix=worker.t("a")))
    create(worker, "pg2", pg_config(pg, db2, prefix=worker.t("b")))
    create(worker, "lines", {"connector.class": SRC, "file": str(src), "topic": topics["lines"],
                             "batch.size": "200"})
    create(worker, "sink", {"connector.class": SINK, "file": str(out), "topics": topics["lines"]})
    names = ["pg1", "pg2", "lines", "sink"]
    wait_for(lambda: all_running(worker, names), 60, "the connectors to run")
    loads = {"pg1": Load(pg, db1, "items", src, threads=3).start(), "pg2": Load(pg, db2, "items", threads=3).start()}
    streaming(bs, loads["pg1"], topics["pg1"], topics["lines"])
    streaming(bs, loads["pg2"], topics["pg2"])

    code = worker.stop(sig)
    assert code == (0 if sig == signal.SIGTERM else -signal.SIGKILL)
    # Writes go on while the worker is down.
    counts = {n: load.counts() for n, load in loads.items()}
    wait_for(lambda: all(l.counts()[0] > counts[n][0] + 300 for n, l in loads.items()), 30,
             "writes while the worker is down")
    offsets = committed_offsets(bs, worker.names.offsets)
    before = {n: read_all(bs, t) for n, t in topics.items()}

    w2 = worker.restart()
    wait_for(lambda: all_running(w2, names), 60, "the connectors to run again")
    counts = {n: load.counts() for n, load in loads.items()}
    wait_for(lambda: all(l.counts()[0] > counts[n][0] + 300 for n, l in loads.items()), 30, "more writes")
    for load in loads.values():
        load.stop()
    after = dict(zip(("pg1", "lines"), check_nothing_lost(bs, topics["pg1"], loads["pg1"], topics["lines"], out)))
    after["pg2"] = check_nothing_lost(bs, topics["pg2"], loads["pg2"])[0]

    for n in ("pg1", "pg2"):
        covered = pg_covered(before[n], offsets[n])
        assert covered, f"{n}: no committed offset covers anything on {topics[n]}"
        again = {(tx, lsn, ev[0]) for ev, (tx, lsn) in filter(None, map(pg_event, (v for _, v in after[n][len(before[n]):])))}
        assert not covered & again, f"{n}: events emitted again although the committed offset {offsets[n]} covers them"
    covered = line_covered(src, offsets["lines"])
    assert covered
    again = {line_payload(v) for _, v in after["lines"][len(before["lines"]):]}
    assert not covered & again, f"lines emitted again although the committed offset {offsets['lines']} covers them"
    if sig == signal.SIGTERM:
        # An orderly stop commits everything Kafka acknowledged: nothing comes twice (but a
        # delete whose tombstone was not sent yet).
        assert not again & {line_payload(v) for _, v in before["lines"]}, "lines emitted twice"
        for n in ("pg1", "pg2"):
            keys = [(tx, lsn, ev[0]) for ev, (tx, lsn) in filter(None, map(pg_event, (v for _, v in after[n])))]
            assert len(keys) - len(set(keys)) <= 1, f"{n}: {len(keys) - len(set(keys))} events twice"
