"""Signals and incremental snapshots of the PostgreSQL connector (connectors/postgres/pg_signal.c,
pg_incremental.c): the signal table and Kafka channels, the log signal, execute-snapshot with
concurrent writers (the topic's final state by key equals the table), composite keys,
additional-conditions, stop-snapshot, and a kill -9 in the middle of a snapshot."""
import json
import random
import signal
import threading

import psycopg2
import pytest

from conftest import wait_for
from kafka_util import produce, read_topic
from test_postgres import own_database, pg_config, start_connector  # noqa: F401
from test_rest_api import wait_state

SIGNAL_DDL = ("CREATE TABLE debezium_signal (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, "
              "data VARCHAR(2048) NULL)")


@pytest.fixture
def sigdb(pg):
    with own_database(pg) as name:
        conn = pg.connect(name)
        conn.autocommit = True
        conn.cursor().execute(SIGNAL_DDL)
        try:
            yield conn, name
        finally:
            conn.close()


def signal_row(conn, sid, typ, data):
    conn.cursor().execute("INSERT INTO debezium_signal VALUES (%s, %s, %s)", (sid, typ, json.dumps(data)))


def final_state(bootstrap, topic, key_fields):
    """Applies the topic's records in order: key -> row, a delete or tombstone removes it. Also
    returns the incremental snapshot reads seen."""
    state, reads = {}, []
    for (_, _, k, v) in read_topic(bootstrap, topic):
        key = json.loads(k)["payload"]
        kt = tuple(key[f] for f in key_fields)
        if v is None:
            state.pop(kt, None)
            continue
        p = json.loads(v)["payload"]
        if p["op"] == "d":
            state.pop(kt, None)
        else:
            state[kt] = p["after"]
            if p["op"] == "r":
                reads.append(p)
    return state, reads


def table_state(conn, table, key_fields):
    cur = conn.cursor()
    cur.execute(f"SELECT row_to_json(t) FROM {table} t")
    return {tuple(r[0][f] for f in key_fields): r[0] for r in cur.fetchall()}


def start(worker, pg, db, name="inventory", **extra):
    extra.setdefault("signal.data.collection", "public.debezium_signal")
    start_connector(worker, pg, db, name=name, **extra)


def test_incremental_snapshot_with_concurrent_writers_ends_equal_to_the_table(pg, sigdb, worker):
    conn, db = sigdb
    P = worker.t("fulfillment")
    cur = conn.cursor()
    cur.execute("CREATE TABLE items (id INT PRIMARY KEY, v TEXT, n NUMERIC(10,2))")
    cur.execute("INSERT INTO items SELECT g, 'init' || g, g / 7.0 FROM generate_series(1, 3000) g")
    start(worker, pg, db, **{"incremental.snapshot.chunk.size": "250"})
    stop, errors = threading.Event(), []

    def writer(seed):
        rnd = random.Random(seed)
        c = psycopg2.connect(pg.dsn(db))
        try:
            while not stop.is_set():
                with c.cursor() as w:
                    for _ in range(rnd.randint(1, 4)):
                        i = rnd.randint(1, 3600)
                        op = rnd.random()
                        if op < 0.4:
                            w.execute("UPDATE items SET v = %s WHERE id = %s", (f"u{seed}-{rnd.random()}", i))
                        elif op < 0.7:
                            w.execute("DELETE FROM items WHERE id = %s", (i,))
                        else:
                            w.execute("INSERT INTO items VALUES (%s, %s, 1) ON CONFLICT (id) DO UPDATE "
                                      "SET v = excluded.v", (i, f"i{seed}"))
                        w.execute("SELECT pg_sleep(%s)", (rnd.random() * 0.01,))
                try:
                    c.commit()
                except psycopg2.Error:
                    c.rollback()
        except psycopg2.errors.DeadlockDetected:
            c.rollback()
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            c.close()

    threads = [threading.Thread(target=writer, args=(s,), daemon=True) for s in range(3)]
    for t in threads:
        t.start()
    signal_row(conn, "ad-hoc-1", "execute-snapshot", {"data-collections": ["public.items"], "type": "incremental"})
    topic = P + ".public.items"
    bs = worker.broker.bootstrap
    # the snapshot has read past the last chunk: the last key read is the table's maximum
    wait_for(lambda: any(p["after"]["id"] >= 2900 for p in final_state(bs, topic, ["id"])[1]), 120,
             "snapshot reads up to the end of the table")
    stop.set()
    for t in threads:
        t.join(30)
    assert not errors, errors
    # a marker after the writers: once it is on the topic, so is everything before it
    cur.execute("INSERT INTO items VALUES (100000, 'marker', 0)")
    wait_for(lambda: (100000,) in final_state(bs, topic, ["id"])[0], 60, "the marker")
    state, reads = final_state(bs, topic, ["id"])
    expected = table_state(conn, "items", ["id"])
    assert set(state) == set(expected)
    assert {k: v["v"] for k, v in state.items()} == {k: v["v"] for k, v in expected.items()}
    assert len(reads) > 2000
    p = reads[0]
    assert p["source"]["snapshot"] == "incremental"
    assert p["source"]["txId"] is None and p["source"]["lsn"] is None and p["source"]["xmin"] is None
    assert p["before"] is None


def test_composite_key_additional_conditions_and_offsets(pg, sigdb, worker):
    conn, db = sigdb
    P = worker.t("fulfillment")
    cur = conn.cursor()
    cur.execute("CREATE TABLE pairs (a INT, b TEXT, c INT, PRIMARY KEY (a, b))")
    cur.execute("INSERT INTO pairs SELECT g % 13, 'k' || g, g FROM generate_series(1, 1200) g")
    start(worker, pg, db, **{"incremental.snapshot.chunk.size": "100"})
    signal_row(conn, "s1", "execute-snapshot", {
        "data-collections": ["public\\.pai.*"],
        "additional-conditions": [{"data-collection": "public.pairs", "filter": "c % 2 = 0"}]})
    bs = worker.broker.bootstrap
    topic = P + ".public.pairs"
    cur.execute("SELECT a, b FROM pairs WHERE c % 2 = 0")
    expected = {(r[0], r[1]) for r in cur.fetchall()}
    wait_for(lambda: {k for k in final_state(bs, topic, ["a", "b"])[0]} >= expected, 90, "every even row")
    state, reads = final_state(bs, topic, ["a", "b"])
    assert set(state) == expected  # the odd rows were not read
    assert len(reads) == len(expected)  # each once: chunks neither overlap nor skip


def test_restart_in_the_middle_continues_at_the_next_chunk(pg, sigdb, worker):
    conn, db = sigdb
    P = worker.t("fulfillment")
    cur = conn.cursor()
    cur.execute("CREATE TABLE big (id INT PRIMARY KEY, v TEXT)")
    cur.execute("INSERT INTO big SELECT g, 'v' || g FROM generate_series(1, 6000) g")
    start(worker, pg, db, **{"incremental.snapshot.chunk.size": "200"})
    signal_row(conn, "s-big", "execute-snapshot", {"data-collections": ["public.big"]})
    bs = worker.broker.bootstrap
    topic = P + ".public.big"

    def read_ids():
        return [json.loads(v)["payload"]["after"]["id"] for (_, _, k, v) in read_topic(bs, topic)
                if v and json.loads(v)["payload"]["op"] == "r"]

    def stored_progress():
        offs = [json.loads(v) for (_, _, k, v) in read_topic(bs, worker.names.offsets) if v]
        inc = [o for o in offs if o.get("incremental_snapshot_primary_key")]
        return inc[-1] if inc else None

    wait_for(lambda: stored_progress() is not None and len(read_ids()) >= 1000, 60, "a stored snapshot progress")
    progress = stored_progress()
    coll = json.loads(progress["incremental_snapshot_collections"])
    assert coll == [{"incremental_snapshot_collections_id": "public.big",
                     "incremental_snapshot_collections_additional_condition": None,
                     "incremental_snapshot_collections_surrogate_key": None}]
    assert progress["incremental_snapshot_maximum_key"] == '["6000"]'
    assert progress["incremental_snapshot_correlation_id"] == "s-big"
    worker.stop(signal.SIGKILL)
    before = len(read_ids())
    assert before < 6000
    w2 = worker.restart()
    wait_state(w2, "inventory", "RUNNING", ["RUNNING"])
    wait_for(lambda: set(read_ids()) >= set(range(1, 6001)), 120, "every row read after the restart")
    ids = read_ids()
    # the restart went on from the stored key: rows read twice are at most the chunks in flight
    assert len(ids) - 6000 < 6000 - 1000, (len(ids), before)
    assert w2.output().count("Incremental snapshot in progress, need to read new chunk on start") >= 1


def test_stop_snapshot_and_log_signal(pg, sigdb, worker):
    conn, db = sigdb
    P = worker.t("fulfillment")
    cur = conn.cursor()
    cur.execute("CREATE TABLE s1 (id INT PRIMARY KEY)")
    cur.execute("CREATE TABLE s2 (id INT PRIMARY KEY)")
    cur.execute("INSERT INTO s1 SELECT generate_series(1, 50)")
    cur.execute("INSERT INTO s2 SELECT generate_series(1, 50)")
    start(worker, pg, db, **{"incremental.snapshot.chunk.size": "10"})
    signal_row(conn, "p", "pause-snapshot", {})  # nothing running: no effect
    signal_row(conn, "x1", "execute-snapshot", {"data-collections": ["public.s1", "public.s2"]})
    signal_row(conn, "x2", "stop-snapshot", {"data-collections": ["public.s2"], "type": "incremental"})
    signal_row(conn, "l1", "log", {"message": "Signal message at offset {}"})
    signal_row(conn, "u1", "no-such-type", {})
    bs = worker.broker.bootstrap
    wait_for(lambda: len([1 for r in read_topic(bs, P + ".public.s1")]) >= 50, 60, "s1 snapshotted")
    worker.wait_output(r"Signal message at offset \{.*\"lsn\"", 30)
    worker.wait_output(r"Signal 'u1' has been received but the type 'no-such-type' is not recognized", 30)
    cur.execute("INSERT INTO s1 VALUES (1000)")
    wait_for(lambda: any(json.loads(k)["payload"]["id"] == 1000 for (_, _, k, v) in read_topic(bs, P + ".public.s1")),
             30, "a later change")
    assert read_topic(bs, P + ".public.s2") == [] or all(
        json.loads(v)["payload"]["op"] != "r" for (_, _, k, v) in read_topic(bs, P + ".public.s2"))


def test_kafka_channel_and_insert_delete(pg, sigdb, worker):
    conn, db = sigdb
    P = worker.t("fulfillment")
    cur = conn.cursor()
    cur.execute("CREATE TABLE k (id INT PRIMARY KEY, v TEXT)")
    cur.execute("INSERT INTO k SELECT g, 'x' FROM generate_series(1, 300) g")
    bs = worker.broker.bootstrap
    # a message with another key is not for this connector (it also creates the topic)
    produce(bs, P + "-signals", [("other", json.dumps({"type": "execute-snapshot",
                                                         "data": {"data-collections": ["public.nothing"]}}))], partition=0)
    start(worker, pg, db, **{"signal.enabled.channels": "source,kafka", "signal.kafka.topic": P + "-signals",
                             "signal.kafka.bootstrap.servers": bs, "signal.poll.interval.ms": "200",
                             "incremental.snapshot.watermarking.strategy": "insert_delete",
                             "incremental.snapshot.chunk.size": "64"})
    produce(bs, P + "-signals", [(P, json.dumps({"id": "k1", "type": "execute-snapshot",
                                                  "data": {"data-collections": ["public.k"]}}))], partition=0)
    # Debezium reads partition 0 of the signal topic only
    wait_for(lambda: len(final_state(bs, P + ".public.k", ["id"])[1]) >= 300, 60, "the Kafka-signalled snapshot")
    worker.wait_output("Signal key 'other' doesn't match the connector's name", 10)
    # insert_delete: no close rows, the open rows deleted
    cur.execute("SELECT count(*) FROM debezium_signal WHERE type = 'snapshot-window-close'")
    assert cur.fetchone()[0] == 0
    cur.execute("SELECT count(*) FROM debezium_signal WHERE type = 'snapshot-window-open'")
    assert cur.fetchone()[0] == 0


def test_unsupported_signal_settings_are_refused(pg, worker):
    cfg = pg_config(pg, "postgres", **{"signal.enabled.channels": "source,jmx", "read.only": "true"})
    status, body, _ = worker.request("PUT", "/connector-plugins/PostgresConnector/config/validate", cfg)
    assert status == 200, body
    errs = {c["value"]["name"]: c["value"]["errors"] for c in body["configs"]}
    assert any("jmx" in e for e in errs["signal.enabled.channels"]), errs["signal.enabled.channels"]
    assert any("read-only incremental snapshots" in e for e in errs["read.only"]), errs["read.only"]


def test_pause_and_resume_by_signal_rows(pg, sigdb, worker):
    """A signal row of type pause stops the connector just after the row (PAUSED in the status);
    changes made while paused are not emitted; a signal row of type resume, read while paused,
    resumes it from the pause point: every change arrives exactly once."""
    conn, db = sigdb
    P = worker.t("fulfillment")
    cur = conn.cursor()
    cur.execute("CREATE TABLE t (id INT PRIMARY KEY)")
    start(worker, pg, db)
    bs = worker.broker.bootstrap
    cur.execute("INSERT INTO t SELECT generate_series(1, 20)")
    conn.cursor().execute("INSERT INTO debezium_signal VALUES ('p1', 'pause', NULL)")
    wait_state(worker, "inventory", "PAUSED", ["PAUSED"], timeout=60)
    cur.execute("INSERT INTO t SELECT generate_series(21, 40)")

    def ids():
        return [json.loads(k)["payload"]["id"] for (_, _, k, v) in read_topic(bs, P + ".public.t")]
    wait_for(lambda: sorted(ids()) == list(range(1, 21)), 30, "the changes before the pause")
    assert sorted(ids()) == list(range(1, 21))  # still none of the later ones
    sig = [json.loads(v)["payload"]["after"]["id"] for (_, _, k, v) in read_topic(bs, P + ".public.debezium_signal")]
    assert sig == ["p1"]  # the pause row's own event came before the pause
    conn.cursor().execute("INSERT INTO debezium_signal VALUES ('r1', 'resume', NULL)")
    wait_state(worker, "inventory", "RUNNING", ["RUNNING"], timeout=60)
    wait_for(lambda: sorted(ids()) == list(range(1, 41)), 60, "every change exactly once")
    cur.execute("INSERT INTO t VALUES (41)")
    wait_for(lambda: sorted(ids()) == list(range(1, 42)), 60, "streaming after the resume")


def test_blocking_snapshot(pg, sigdb, worker):
    """execute-snapshot "type": "blocking": streaming stops right after the signal row, the
    requested tables are read (by their additional-conditions SELECT when given) as op "r"
    records whose offsets say BLOCKING, then streaming goes on from where it stopped, nothing lost
    or doubled."""
    conn, db = sigdb
    P = worker.t("fulfillment")
    cur = conn.cursor()
    cur.execute("CREATE TABLE a (id INT PRIMARY KEY, v TEXT)")
    cur.execute("CREATE TABLE b (id INT PRIMARY KEY, v TEXT)")
    cur.execute("INSERT INTO a SELECT i, 'a' FROM generate_series(1, 500) i")
    cur.execute("INSERT INTO b SELECT i, 'b' FROM generate_series(1, 50) i")
    start(worker, pg, db)
    bs = worker.broker.bootstrap
    cur.execute("INSERT INTO a VALUES (1000, 'streamed before')")
    signal_row(conn, "blk", "execute-snapshot", {
        "type": "blocking", "data-collections": ["public\\.[ab]"],
        "additional-conditions": [{"data-collection": "public.b", "filter": "SELECT * FROM public.b WHERE id <= 10"}]})
    cur.execute("INSERT INTO a VALUES (1001, 'streamed after')")

    def events(table):
        return [(json.loads(k)["payload"]["id"], json.loads(v)["payload"]) for (_, _, k, v) in
                read_topic(bs, P + ".public." + table) if v]
    # the streamed insert, not the snapshot's read of the same row, which may come first
    wait_for(lambda: any(i == 1001 and p["op"] == "c" for i, p in events("a")), 60,
             "the change after the blocking snapshot")
    a = events("a")
    per_key = {}
    for i, p in a:  # order holds per key (one partition), not across keys
        per_key.setdefault(i, []).append(p["op"])
    # a row inserted after the signal may be in the snapshot too (it reads the table as it is
    # when it runs); its streamed insert still follows
    assert per_key.pop(1001) in (["c"], ["r", "c"])
    assert per_key == {**{i: ["r"] for i in range(1, 501)}, 1000: ["c", "r"]}, per_key
    marks = sorted(p["source"]["snapshot"] for _, p in a if p["op"] == "r")
    assert marks.count("first") == 1 and marks.count("last_in_data_collection") == 1
    b = events("b")
    assert sorted(i for i, p in b if p["op"] == "r") == list(range(1, 11)) and len(b) == 10
    assert [p["source"]["snapshot"] for _, p in b].count("last") == 1
    # a restart afterwards streams on: no snapshot again, no change twice
    worker.stop()
    cur.execute("INSERT INTO a VALUES (1002, 'while stopped')")
    w2 = worker.restart()
    wait_state(w2, "inventory", "RUNNING", ["RUNNING"])
    wait_for(lambda: any(i == 1002 for i, _ in events("a")), 60, "the change made while stopped")
    assert sorted(i for i, p in events("a") if p["op"] == "c") == [1000, 1001, 1002]
    assert len(events("a")) == len(a) + 1
