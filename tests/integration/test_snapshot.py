"""The initial snapshot (connectors/postgres/pg_snapshot.h) on a real broker: rows that exist
before the connector starts arrive as op "r" records, consistent with the stream that follows
(nothing missed or doubled at the boundary, also while other transactions write), in chunks read
in parallel, resumed from the last chunk after kill -9; Debezium's markers, offsets and modes."""
import json
import random
import signal
import threading

import psycopg2
import pytest

from conftest import wait_for
from kafka_util import read_topic
from test_postgres import own_database, pg_config  # noqa: F401
from test_rest_api import wait_state

pytestmark = pytest.mark.brokers("kafka")


def start(worker, pg, db, name="inventory", state="RUNNING", **extra):
    extra.setdefault("prefix", worker.t("fulfillment"))
    config = pg_config(pg, db, **extra)
    if "snapshot.mode" not in extra:
        del config["snapshot.mode"]  # Debezium's default: initial
    status, body, _ = worker.request("POST", "/connectors", {"name": name, "config": config})
    assert status == 201, body
    wait_state(worker, name, state, [state])


def values(bootstrap, topic, timeout=10.0):
    out = []
    for _, _, k, v in read_topic(bootstrap, topic, timeout=timeout):
        out.append((json.loads(k)["payload"] if k else None, json.loads(v)["payload"] if v else None))
    return out


def final_state(events):
    """The table a consumer rebuilds from the events, by key."""
    state = {}
    for k, v in events:
        if v is None:
            continue
        if v["op"] == "d":
            state.pop(k["id"], None)
        else:
            state[k["id"]] = v["after"]["v"]
    return state


def table(conn, name="t"):
    cur = conn.cursor()
    cur.execute(f"SELECT id, v FROM {name}")
    return dict(cur.fetchall())


class Writers:
    """Threads of overlapping transactions: fresh inserts, updates and deletes of existing rows."""

    def __init__(self, pg, db, first_id, rows, threads=3):
        self.pg, self.db, self.rows = pg, db, rows
        self.stopping, self.errors, self.commits = threading.Event(), [], 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(i, first_id + i * 10_000_000), daemon=True)
                        for i in range(threads)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for t in self.threads:
            t.join(60)
        assert not self.errors, self.errors

    def _run(self, n, next_id):
        rnd = random.Random(n)
        conn = psycopg2.connect(self.pg.dsn(self.db))
        try:
            while not self.stopping.is_set():
                with conn.cursor() as cur:
                    for _ in range(rnd.randint(1, 4)):
                        k = rnd.random()
                        if k < 0.4:
                            next_id += 1
                            cur.execute("INSERT INTO t VALUES (%s, %s)", (next_id, f"new{n}"))
                        elif k < 0.8:
                            cur.execute("UPDATE t SET v = %s WHERE id = %s", (f"upd{n}-{next_id}",
                                                                               rnd.randrange(self.rows)))
                        else:
                            cur.execute("DELETE FROM t WHERE id = %s", (rnd.randrange(self.rows),))
                conn.commit()
                with self.lock:
                    self.commits += 1
        except Exception as e:  # noqa: BLE001 - reported by __exit__
            self.errors.append(repr(e))
        finally:
            conn.close()


def assert_consistent(events, expected):
    """The topic's final state is the table, no row was read twice, and no change the snapshot
    already holds came again: a key read by the snapshot gets no insert afterwards (ids are never
    reused), and every other key's first event is its insert."""
    assert final_state(events) == expected
    reads = [k["id"] for k, v in events if v and v["op"] == "r"]
    assert len(reads) == len(set(reads)), "a row was read twice"
    first = {}
    for k, v in events:
        if v and k["id"] not in first:
            first[k["id"]] = v["op"]
    for i, op in first.items():
        assert op in ("r", "c"), f"key {i} starts with {op}: a change before its row was missed"
    snapshotted = set(reads)
    doubled = [k["id"] for k, v in events if v and v["op"] == "c" and k["id"] in snapshotted]
    assert not doubled, f"inserts both in the snapshot and in the stream: {doubled[:5]}"


@pytest.mark.all_pg_versions
@pytest.mark.parametrize("threads", [1, 3])
def test_snapshot_under_concurrent_writes_is_exact(pg, worker, threads):
    with own_database(pg) as db:
        conn = pg.connect(db)
        cur = conn.cursor()
        rows = 30_000
        cur.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)")
        cur.execute(f"INSERT INTO t SELECT i, 'v' || i FROM generate_series(0, {rows - 1}) i")
        cur.execute("ANALYZE t")
        P = worker.t("fulfillment")
        with Writers(pg, db, rows, rows) as w:
            start(worker, pg, db, **{"snapshot.max.threads": str(threads), "snapshot.fetch.size": "2000"})
            wait_for(lambda: w.commits > 200, 60, "concurrent commits")
        expected = table(conn)
        topic = P + ".public.t"
        wait_for(lambda: final_state(values(worker.broker.bootstrap, topic)) == expected, 120,
                 "the topic's final state to equal the table")
        assert_consistent(values(worker.broker.bootstrap, topic), expected)
        conn.close()


def test_markers_offsets_and_streaming_after(pg, worker):
    with own_database(pg) as db:
        conn = pg.connect(db)
        cur = conn.cursor()
        for name, n in (("a", 3), ("b", 1), ("c", 2), ("d", 0)):
            cur.execute(f"CREATE TABLE {name} (id INT PRIMARY KEY, v TEXT)")
            cur.execute(f"INSERT INTO {name} SELECT i, 'x' FROM generate_series(1, {n}) i")
        P = worker.t("fulfillment")
        start(worker, pg, db, **{"table.include.list": "public.c,public.[abd]"})
        bs = worker.broker.bootstrap
        wait_for(lambda: len(values(bs, P + ".public.b")) == 1, 60, "the snapshot")
        # by key: the order of records holds per partition only
        marks = {t: {k["id"]: v["source"]["snapshot"] for k, v in values(bs, P + ".public." + t)} for t in "abc"}
        # order: c (the first include pattern), then a, b, d; d is empty, so b's row is the last
        assert marks == {"c": {1: "first", 2: "last_in_data_collection"},
                         "a": {1: "first_in_data_collection", 2: "true", 3: "last_in_data_collection"},
                         "b": {1: "last"}}, marks
        r = values(bs, P + ".public.a")[0][1]
        assert r["op"] == "r" and r["before"] is None and r["transaction"] is None
        s = r["source"]
        assert s["txId"] and s["lsn"] and json.loads(s["sequence"]) == [None, str(s["lsn"])]
        def completed():
            offs = worker.get("/connectors/inventory/offsets")[1].get("offsets")
            return offs and offs[0]["offset"].get("snapshot_completed")
        wait_for(completed, 30, "the completed snapshot's offset")
        off = worker.get("/connectors/inventory/offsets")[1]["offsets"][0]["offset"]
        assert off == {"ts_usec": s["ts_us"], "txId": s["txId"], "lsn": s["lsn"], "snapshot": "INITIAL",
                       "last_snapshot_record": True, "snapshot_completed": True}, off
        cur.execute("INSERT INTO a VALUES (100, 'after')")
        wait_for(lambda: len(values(bs, P + ".public.a")) == 4, 30, "the change after the snapshot")
        c = {k["id"]: v for k, v in values(bs, P + ".public.a")}[100]
        assert c["op"] == "c" and c["source"]["snapshot"] == "false" and c["source"]["lsn"] > s["lsn"]
        # A restart with the completed snapshot's offset streams on, no snapshot again.
        worker.stop()
        cur.execute("INSERT INTO a VALUES (101, 'later')")
        w2 = worker.restart()
        wait_state(w2, "inventory", "RUNNING", ["RUNNING"])
        wait_for(lambda: len(values(bs, P + ".public.a")) == 5, 30, "the change made while stopped")
        assert sorted((k["id"], v["op"]) for k, v in values(bs, P + ".public.a")) == [
            (1, "r"), (2, "r"), (3, "r"), (100, "c"), (101, "c")]
        conn.close()


def test_kill_9_mid_snapshot_resumes_from_the_last_chunk(pg, worker):
    with own_database(pg) as db:
        conn = pg.connect(db)
        cur = conn.cursor()
        rows = 150_000
        cur.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)")
        cur.execute(f"INSERT INTO t SELECT i, repeat('x', 100) || i FROM generate_series(0, {rows - 1}) i")
        cur.execute("ANALYZE t")
        P = worker.t("fulfillment")
        topic = P + ".public.t"
        bs = worker.broker.bootstrap
        start(worker, pg, db, **{"snapshot.fetch.size": "5000", "snapshot.max.threads": "2"})

        def progress():
            st, body, _ = worker.get("/connectors/inventory/status")
            p = st == 200 and body["tasks"] and body["tasks"][0].get("progress")
            return p and p["snapshot"]["rows"] > 0 and p
        p = wait_for(progress, 60, "the snapshot's progress in the task status")["snapshot"]
        assert p["tables"] == 1 and p["estimated_rows"] >= rows * 0.9 and p["rows_per_second"] >= 0, p

        def stored_chunk():
            st, body, _ = worker.get("/connectors/inventory/offsets")
            offs = body.get("offsets") if st == 200 else None
            return offs and offs[0]["offset"].get("snapshot_block", 0) > 0 and offs[0]["offset"]
        off = wait_for(stored_chunk, 120, "an offset inside the snapshot")
        assert off["snapshot"] == "INITIAL" and off["snapshot_completed"] is False and off["snapshot_table"] == "public.t"
        worker.stop(signal.SIGKILL)
        cur.execute("UPDATE t SET v = 'changed' WHERE id < 10")
        cur.execute("DELETE FROM t WHERE id BETWEEN 10 AND 19")
        cur.execute(f"INSERT INTO t VALUES ({rows}, 'inserted')")
        before = len(values(bs, topic))
        w2 = worker.restart()
        w2.wait_output(r"going on from the interrupted snapshot's last chunk", 60)
        expected = table(conn)
        wait_for(lambda: final_state(values(bs, topic, timeout=30)) == expected, 180,
                 "the topic's final state to equal the table")
        events = values(bs, topic, timeout=30)
        reads = [k["id"] for k, v in events if v and v["op"] == "r"]
        # resumed, not restarted: the rows read again are those of the unfinished chunks only
        assert len(reads) < rows + before, (len(reads), rows, before)
        assert set(reads) >= set(range(20, rows))
        conn.close()


def test_modes(pg, worker):
    bs = worker.broker.bootstrap
    with own_database(pg) as db:
        conn = pg.connect(db)
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("CREATE TABLE t (id INT PRIMARY KEY, v TEXT)")
        cur.execute("CREATE TABLE skipme (id INT PRIMARY KEY, v TEXT)")
        cur.execute("INSERT INTO t VALUES (1, 'one'), (2, 'two')")
        cur.execute("INSERT INTO skipme VALUES (1, 'one')")
        P = worker.t("modes")
        # initial_only: the rows, no slot, no streaming
        start(worker, pg, db, name="only", prefix=P + "o", **{"snapshot.mode": "initial_only", "slot.name": "s_only"})
        wait_for(lambda: len(values(bs, P + "o.public.t")) == 2, 30, "the initial_only snapshot")
        cur.execute("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 's_only'")
        assert cur.fetchone()[0] == 0
        # override and include list
        start(worker, pg, db, name="ov", prefix=P + "v", **{
            "slot.name": "s_ov", "snapshot.include.collection.list": "public.t",
            "snapshot.select.statement.overrides": "public.t",
            "snapshot.select.statement.overrides.public.t": "SELECT id FROM public.t WHERE id > 1"})
        wait_for(lambda: values(bs, P + "v.public.t"), 30, "the overridden snapshot")
        assert [(k, v["after"]) for k, v in values(bs, P + "v.public.t")] == [({"id": 2}, {"id": 2, "v": None})]
        cur.execute("INSERT INTO skipme VALUES (2, 'streamed')")
        wait_for(lambda: values(bs, P + "v.public.skipme"), 30, "the streamed change of the excluded table")
        assert [v["op"] for _, v in values(bs, P + "v.public.skipme")] == ["c"]
        # always: every start snapshots again, then streams
        start(worker, pg, db, name="alw", prefix=P + "a", **{"snapshot.mode": "always", "slot.name": "s_alw",
                                                              "table.include.list": "public.t"})
        wait_for(lambda: len(values(bs, P + "a.public.t")) == 2, 30, "the first snapshot")
        assert worker.request("POST", "/connectors/alw/restart?includeTasks=true")[0] in (202, 204)
        wait_for(lambda: len(values(bs, P + "a.public.t")) == 4, 30, "the second snapshot")
        # custom snapshotters cannot be loaded: refused with a message
        st, body, _ = worker.request("PUT", "/connector-plugins/PostgresConnector/config/validate",
                                     pg_config(pg, db, **{"snapshot.mode": "custom"}))
        errs = [e for c in body["configs"] if c["value"]["name"] == "snapshot.mode" for e in c["value"]["errors"]]
        assert any("connectd cannot run" in e for e in errs), errs
        conn.close()


def test_pause_and_restart_mid_snapshot(pg, worker):
    """A pause in the middle of the snapshot holds it (the readers stop at their bounded read-ahead)
    and a resume goes on; a task restart in the middle goes on from the last stored chunk. The
    topic ends equal to the table, every row read at least once."""
    with own_database(pg) as db:
        conn = pg.connect(db)
        cur = conn.cursor()
        rows = 120_000
        cur.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)")
        cur.execute(f"INSERT INTO t SELECT i, repeat('y', 200) || i FROM generate_series(0, {rows - 1}) i")
        cur.execute("ANALYZE t")
        P = worker.t("fulfillment")
        topic = P + ".public.t"
        bs = worker.broker.bootstrap
        start(worker, pg, db, **{"snapshot.fetch.size": "4000", "snapshot.max.threads": "2"})

        def snapshot_rows():
            st, body, _ = worker.get("/connectors/inventory/status")
            p = st == 200 and body["tasks"] and body["tasks"][0].get("progress")
            return p["snapshot"]["rows"] if p else 0
        wait_for(lambda: snapshot_rows() > 5000, 60, "the snapshot under way")
        assert worker.request("PUT", "/connectors/inventory/pause")[0] == 202
        wait_state(worker, "inventory", "PAUSED", ["PAUSED"])
        assert worker.request("PUT", "/connectors/inventory/resume")[0] == 202
        wait_state(worker, "inventory", "RUNNING", ["RUNNING"])
        wait_for(lambda: snapshot_rows() > 40000, 120, "the snapshot going on after the resume")
        assert worker.request("POST", "/connectors/inventory/restart?includeTasks=true")[0] in (202, 204)
        worker.wait_output(r"going on from the interrupted snapshot's last chunk", 60)
        expected = table(conn)
        wait_for(lambda: final_state(values(bs, topic, timeout=30)) == expected, 180,
                 "the topic's final state to equal the table")
        conn.close()
