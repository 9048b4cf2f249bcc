"""Resume safety of the PostgreSQL connector on a real broker (connectors/postgres/pg_offset.h).

The property: under a workload of concurrent, interleaved transactions (inserts, updates, deletes,
key changes, multi-row COPY, truncates of several tables, transactional and non-transactional
logical messages), resuming from any offset the connector wrote, on a copy of the slot taken
before the workload, emits again exactly the records that followed that offset in the first run.
And under the same load: kill -9 at random moments, SIGTERM, and a pause longer than
wal_sender_timeout lose nothing."""
import base64
import collections
import io
import json
import random
import re
import signal
import threading
import time

import psycopg2
import pytest

from conftest import wait_for
from kafka_util import read_topic
from test_postgres import own_database, pg_config  # noqa: F401

TRACE_LOGGER = "org.apache.kafka.connect.runtime.AbstractWorkerSourceTask"
WROTE = re.compile(r"(\S+) Wrote record #(\d+) successfully: topic (\S+) partition (\d+) offset (\d+), "
                   r"source offset (.*) \(org\.apache")

DDL = ["CREATE TABLE a (id INT PRIMARY KEY, v TEXT)",
       "CREATE TABLE b (id INT PRIMARY KEY, v TEXT)",
       "CREATE TABLE marker (id INT PRIMARY KEY)"]


class Workload:
    """Threads running overlapping transactions until stop(). Each committed transaction is kept
    as (txid, [(op, table, id, v)]): op c/u/d (a key change is ("k", table, new id, v)), t for a
    truncate, m for a transactional message; non-transactional messages as (None, [("n", ...)])."""

    def __init__(self, pg, db, threads=3, seed=1, truncates=True):
        self.pg, self.db = pg, db
        self.committed, self.lock = [], threading.Lock()
        self.stopping, self.errors = threading.Event(), []
        self.threads = [threading.Thread(target=self._run, args=(seed * 100 + i, i), daemon=True)
                        for i in range(threads)]
        if truncates:
            self.threads.append(threading.Thread(target=self._truncates, args=(seed,), daemon=True))

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(60)
        assert not self.errors, self.errors

    def count(self):
        with self.lock:
            return len(self.committed)

    def truncates(self):
        with self.lock:
            return sum(1 for _, ops in self.committed if ops and ops[0][0] == "t")

    def _commit(self, conn, txid, ops):
        conn.commit()
        with self.lock:
            self.committed.append((txid, ops))

    def _run(self, seed, n):
        rnd = random.Random(seed)
        conn = psycopg2.connect(self.pg.dsn(self.db))
        conn.autocommit = False
        live = {"a": [], "b": []}
        next_id, v = n * 10_000_000 + 1, 0
        try:
            while not self.stopping.is_set():
                ops = []
                try:
                    with conn.cursor() as cur:
                        cur.execute("SELECT txid_current() % (2^32)::bigint")
                        txid = int(cur.fetchone()[0])
                        for _ in range(rnd.randint(1, 5)):
                            table = rnd.choice("ab")
                            kind = rnd.random()
                            v += 1
                            # A row a TRUNCATE removed meanwhile is not there to change
                            # (rowcount 0): such a statement changes nothing and is not kept.
                            if kind < 0.35 or not live[table]:
                                next_id += 1
                                cur.execute(f"INSERT INTO {table} VALUES (%s, %s)", (next_id, f"v{n}-{v}"))
                                ops.append(("c", table, next_id, f"v{n}-{v}"))
                                live[table].append(next_id)
                            elif kind < 0.5:
                                # COPY: several rows from one WAL record (a multi-insert)
                                rows = []
                                for _ in range(rnd.randint(2, 4)):
                                    next_id += 1
                                    v += 1
                                    rows.append((next_id, f"v{n}-{v}"))
                                cur.copy_from(io.StringIO("".join(f"{i}\t{s}\n" for i, s in rows)), table)
                                ops += [("c", table, i, s) for i, s in rows]
                                live[table] += [i for i, _ in rows]
                            elif kind < 0.65:
                                i = rnd.choice(live[table])
                                cur.execute(f"UPDATE {table} SET v = %s WHERE id = %s", (f"v{n}-{v}", i))
                                if cur.rowcount:
                                    ops.append(("u", table, i, f"v{n}-{v}"))
                            elif kind < 0.75:
                                i = live[table].pop(rnd.randrange(len(live[table])))
                                next_id += 1
                                cur.execute(f"UPDATE {table} SET id = %s, v = %s WHERE id = %s",
                                            (next_id, f"v{n}-{v}", i))
                                if cur.rowcount:
                                    ops.append(("k", table, next_id, f"v{n}-{v}"))
                                    live[table].append(next_id)
                            elif kind < 0.9:
                                i = live[table].pop(rnd.randrange(len(live[table])))
                                cur.execute(f"DELETE FROM {table} WHERE id = %s", (i,))
                                if cur.rowcount:
                                    ops.append(("d", table, i, None))
                            else:
                                cur.execute("SELECT pg_logical_emit_message(true, 'wl', %s)", (f"m{n}-{v}",))
                                ops.append(("m", None, None, f"m{n}-{v}"))
                            # keeps the transaction open while the others commit theirs
                            cur.execute("SELECT pg_sleep(%s)", (rnd.random() * 0.03,))
                    self._commit(conn, txid, ops)
                    if rnd.random() < 0.1:
                        with conn.cursor() as cur:
                            cur.execute("SELECT pg_logical_emit_message(false, 'wl', %s)", (f"n{n}-{v}",))
                        conn.commit()
                        with self.lock:
                            self.committed.append((None, [("n", None, None, f"n{n}-{v}")]))
                except psycopg2.errors.DeadlockDetected:
                    conn.rollback()
                    for t in "ab":  # which rows survived is unknown: start afresh
                        live[t] = []
                except (psycopg2.OperationalError, psycopg2.errors.LockNotAvailable):
                    conn.rollback()
                    for t in "ab":
                        live[t] = []
        except Exception as e:  # reported by stop()
            self.errors.append(repr(e))
        finally:
            conn.close()

    def _truncates(self, seed):
        rnd = random.Random(seed)
        conn = psycopg2.connect(self.pg.dsn(self.db))
        try:
            while not self.stopping.wait(rnd.uniform(0.1, 0.5)):
                try:
                    with conn.cursor() as cur:
                        cur.execute("SET lock_timeout = '2s'")
                        cur.execute("SELECT txid_current() % (2^32)::bigint")
                        txid = int(cur.fetchone()[0])
                        cur.execute("TRUNCATE a, b")
                    self._commit(conn, txid, [("t", "a", None, None), ("t", "b", None, None)])
                except (psycopg2.errors.LockNotAvailable, psycopg2.errors.DeadlockDetected):
                    conn.rollback()
        except Exception as e:
            self.errors.append(repr(e))
        finally:
            conn.close()


def event_identity(topic, value):
    """What a record says happened, comparable with Workload.committed: (op, table, id, v, txId)."""
    if value is None:
        return None
    p = value.get("payload", value)
    if topic.endswith(".message"):
        tx = p["source"]["txId"]
        return ("m" if tx is not None else "n", None, None,
                base64.b64decode(p["message"]["content"]).decode(), tx)
    if "op" not in p:
        return None
    table = p["source"]["table"]
    row = p["after"] or p["before"] or {}
    op = "t" if p["op"] == "t" else {"c": "c", "u": "u", "d": "d", "r": "c"}[p["op"]]
    return (op, table, row.get("id"), row.get("v") if op in "cu" else None, p["source"]["txId"])


def expected_events(committed):
    out = []
    for txid, ops in committed:
        for op, table, i, v in ops:
            if op == "k":  # a key change: delete of the old key, create of the new one
                out.append(("c", table, i, v, txid))
            elif op == "t":
                out.append(("t", table, None, None, txid))
            elif op == "d":
                out.append(("d", table, i, None, txid))
            elif op in "mn":
                out.append((op, None, None, v, txid if op == "m" else None))
            else:
                out.append((op, table, i, v, txid))
    return out


def normalized(topic, key, value):
    """A record without what differs between two runs under other topic prefixes: the topic
    prefix, wall-clock times, source.name, schema names."""
    def strip(o):
        if isinstance(o, dict):
            p = o.get("payload", o) if "schema" in o else o
            if not isinstance(p, dict):
                return p
            d = {k: strip(x) for k, x in p.items() if k not in ("ts_ms", "ts_us", "ts_ns", "name")}
            if "source" in p and isinstance(p["source"], dict):
                d["source"] = {k: x for k, x in p["source"].items() if k != "name"}
            return d
        return o
    return (topic.split(".", 1)[1], json.dumps(strip(key), sort_keys=True),
            json.dumps(strip(value), sort_keys=True))


def trace_lines(worker, task):
    """[(n, topic, partition, offset, source offset)] of every record the task wrote, by n."""
    out = []
    for m in WROTE.finditer(worker.output()):
        if m.group(1) == task:
            out.append((int(m.group(2)), m.group(3), int(m.group(4)), int(m.group(5)), json.loads(m.group(6))))
    return sorted(out)


def topic_records(bootstrap, topics):
    recs = {}
    for t in topics:
        for part, off, k, v in read_topic(bootstrap, t, timeout=60):
            recs[(t, part, off)] = (json.loads(k) if k else None, json.loads(v) if v else None)
    return recs


def offsets_topic_history(bootstrap, topic, name):
    """Every offset the connector committed, in order."""
    out = []
    for _, _, k, v in read_topic(bootstrap, topic, timeout=30):
        if json.loads(k)[0] == name and v:
            out.append(json.loads(v))
    return out


def run_marker(conn, i):
    with conn.cursor() as cur:
        cur.execute("INSERT INTO marker VALUES (%s)", (i,))
        cur.execute("SELECT pg_logical_emit_message(false, 'end', %s)", (str(i),))


@pytest.mark.brokers("kafka")
@pytest.mark.parametrize("metadata", ["true", "false"], ids=["txmeta", "no-txmeta"])
def test_resume_from_committed_offsets_emits_exactly_what_followed(pg, worker, metadata):
    with own_database(pg) as db:
        try:
            check_resume(pg, worker, metadata, db)
        finally:
            remove_connectors(worker)


def remove_connectors(worker):
    """Deletes every connector and waits until their tasks are gone (they hold slots). A DELETE is
    repeated while it is refused as a client would repeat it: after kill -9 the group's leader can
    be a dead worker until its session times out, and a follower then answers 500 (IO Error trying
    to forward REST request), or 409 during the rebalance that follows."""
    deadline = time.monotonic() + 30
    last = {}
    while True:
        names = worker.get("/connectors")[1]
        if not names:
            break
        assert time.monotonic() < deadline, f"the connectors {names} were not deleted in 30s: {last}"
        for n in names:
            st, body, _ = worker.request("DELETE", f"/connectors/{n}")
            last[n] = (st, body)
            retry = st == 409 or (st == 500 and "forward" in str(body))
            assert st in (204, 404) or retry, f"DELETE /connectors/{n}: {st} {body}"
        time.sleep(1)
    time.sleep(1)


def check_resume(pg, worker, metadata, db):
    bs = worker.broker.bootstrap
    admin = pg.connect(db)
    for ddl in DDL:
        admin.cursor().execute(ddl)
    prefix = worker.t("orig")
    cfg = pg_config(pg, db, prefix=prefix, **{"provide.transaction.metadata": metadata,
                                              "slot.name": f"s_{db}", "tombstones.on.delete": "true",
                                          "skipped.operations": "none"})
    assert worker.request("PUT", f"/admin/loggers/{TRACE_LOGGER}", {"level": "TRACE"})[0] == 200
    assert worker.request("POST", "/connectors", {"name": "orig", "config": cfg})[0] == 201
    wait_for(lambda: worker.get("/connectors/orig/status")[1]["tasks"][0]["state"] == "RUNNING"
             and admin_slot_active(admin, f"s_{db}"), 60, "the connector to stream")
    admin.cursor().execute(f"SELECT pg_copy_logical_replication_slot('s_{db}', 'base_{db}')")
    load = Workload(pg, db, seed=3 if metadata == "true" else 4).start()
    wait_for(lambda: load.count() >= 40 and load.truncates() >= 2, 90, "40 transactions, 2 of them truncates")
    load.stop()
    run_marker(admin, 0)
    topics = [f"{prefix}.public.a", f"{prefix}.public.b", f"{prefix}.public.marker", f"{prefix}.message"]
    if metadata == "true":
        topics.append(f"{prefix}.transaction")

    def end_written():
        """The marker row, then the last record: the non-transactional 'end' message."""
        lines = trace_lines(worker, "orig-0")
        return any(t == f"{prefix}.public.marker" for _, t, *_ in lines) and \
            lines[-1][1] == f"{prefix}.message" and "txId" not in lines[-1][4]
    wait_for(end_written, 60, "the end marker written")
    lines = trace_lines(worker, "orig-0")
    assert [n for n, *_ in lines] == list(range(1, len(lines) + 1)), "a record without its trace line"
    recs = topic_records(bs, [t for t in topics])
    run = [(t, recs[(t, p, o)], off) for _, t, p, o, off in lines]
    offsets = offsets_topic_history(bs, worker.names.offsets, "orig")
    assert offsets, "no offset committed"

    # Every event the workload committed is in the first run, exactly once.
    got = [event_identity(t, v) for t, (k, v), _ in run]
    want = expected_events(load.committed)
    missing = [e for e in want if e not in got]
    assert not missing, f"not emitted: {missing[:5]}"
    assert any(e[0] == "t" for e in want), "no truncate committed: the workload must have some"

    # Resume points: every committed offset, plus offsets of records where resume is subtle.
    points = []
    for o in offsets:
        if o not in points:
            points.append(o)
    for i, (_, _, off) in enumerate(run[:-1]):
        nxt = run[i + 1][2]
        subtle = off.get("messageType") == "BEGIN" or (nxt.get("lsn") == off.get("lsn") and "txId" in off) \
            or off.get("messageType") in ("DELETE", "TRUNCATE")
        if subtle and off not in points:
            points.append(off)
    rnd = random.Random(7)
    extra = points[len(offsets):]
    rnd.shuffle(extra)
    points = points[:len(offsets)] + extra[:16]
    assert any(p.get("messageType") == "BEGIN" for p in points) or metadata == "false"
    assert len(points) >= 10, f"only {len(points)} resume points"

    failures = []
    for batch_start in range(0, len(points), 6):
        batch = list(enumerate(points[batch_start:batch_start + 6], start=batch_start))
        for i, point in batch:
            name, slot = f"r{i}", f"r{i}_{db}"
            admin.cursor().execute(f"SELECT pg_copy_logical_replication_slot('base_{db}', '{slot}')")
            rcfg = dict(cfg, **{"slot.name": slot, "topic.prefix": worker.t(name)})
            assert worker.request("POST", "/connectors",
                                  {"name": name, "config": rcfg, "initial_state": "STOPPED"})[0] == 201
            st, body, _ = worker.request("PATCH", f"/connectors/{name}/offsets",
                                      {"offsets": [{"partition": {"server": worker.t(name)}, "offset": point}]})
            assert st == 200, body
            assert worker.request("PUT", f"/connectors/{name}/resume")[0] == 202
        final = run[-1][2]
        for i, point in batch:
            name = f"r{i}"
            wait_for(lambda: committed_offset(worker, name) == final, 90, f"{name} to reach the end")
        for i, point in batch:
            name, rp = f"r{i}", worker.t(f"r{i}")
            k = next(j for j, (_, _, off) in enumerate(run) if off == point)
            want_after = sorted(normalized(t, key, v) for t, (key, v), off in run[k + 1:] if off != point)
            rtopics = [rp + t[len(prefix):] for t in topics]
            rrecs = topic_records(bs, rtopics)
            got_after = sorted(normalized(t, key, v) for (t, _, _), (key, v) in rrecs.items())
            # The one duplicate pg_offset.h allows: a non-transactional message sent between
            # lsn_commit and the transaction the offset is in, sent again.
            allowed = [normalized(t, key, v) for t, (key, v), _ in run[:k + 1]
                       if t.endswith(".message") and v and v["payload"]["source"]["txId"] is None
                       and "txId" in point and v["payload"]["source"]["lsn"] > point.get("lsn_commit", 0)]
            for r in allowed:
                if r in got_after and got_after.count(r) > want_after.count(r):
                    got_after.remove(r)
            if got_after != want_after:
                lost = [r for r in want_after if r not in got_after]
                dup = [r for r in got_after if r not in want_after]
                failures.append(f"resume from {point}: {len(lost)} lost {lost[:2]}, {len(dup)} extra {dup[:2]}")
            worker.request("DELETE", f"/connectors/{name}")
            wait_for(lambda: not admin_slot_active(admin, f"{name}_{db}"), 30, "the slot to be free")
            admin.cursor().execute(f"SELECT pg_drop_replication_slot('{name}_{db}')")
    assert not failures, "\n".join(failures)
    worker.request("DELETE", "/connectors/orig")
    wait_for(lambda: not admin_slot_active(admin, f"s_{db}"), 30, "the slot to be free")
    admin.cursor().execute(f"SELECT pg_drop_replication_slot('s_{db}')")
    admin.cursor().execute(f"SELECT pg_drop_replication_slot('base_{db}')")
    admin.close()


def admin_slot_active(conn, slot):
    with conn.cursor() as cur:
        cur.execute("SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,))
        row = cur.fetchone()
        return bool(row and row[0])


def committed_offset(worker, name):
    st, body, _ = worker.get(f"/connectors/{name}/offsets")
    if st != 200 or not body.get("offsets"):
        return None
    return body["offsets"][0]["offset"]


def counted_events(bootstrap, topics):
    """How often each event (event_identity) is on the topics."""
    got = collections.Counter()
    for t in topics:
        for _, _, _, v in read_topic(bootstrap, t, timeout=60):
            e = event_identity(t, json.loads(v) if v else None)
            if e:
                got[e] += 1
    return got


def emitted_events(bootstrap, topics):
    return set(counted_events(bootstrap, topics))


@pytest.mark.brokers("kafka")
def test_faults_under_interleaved_load_lose_nothing(own_pg, worker):
    """The same workload while the worker is killed (kill -9) at random moments, stopped with
    SIGTERM, and the connector paused for longer than wal_sender_timeout (the server drops the
    silent replication connection; the task reconnects and resumes from its position): every
    committed change, truncate and message arrives."""
    admin = own_pg.connect()
    admin.cursor().execute("ALTER SYSTEM SET wal_sender_timeout = '2s'")
    admin.cursor().execute("SELECT pg_reload_conf()")
    with own_database(own_pg) as db:
        try:
            conn = own_pg.connect(db)
            for ddl in DDL:
                conn.cursor().execute(ddl)
            prefix = worker.t("faults")
            cfg = pg_config(own_pg, db, prefix=prefix, **{"provide.transaction.metadata": "true",
                                                              "skipped.operations": "none"})
            assert worker.request("POST", "/connectors", {"name": "pg", "config": cfg})[0] == 201
            wait_for(lambda: admin_slot_active(admin, f"s_{db}"), 60, "the connector to stream")
            load = Workload(own_pg, db, seed=11).start()
            rnd = random.Random(5)
            w = worker
            for sig in (signal.SIGKILL, signal.SIGKILL, signal.SIGTERM, signal.SIGKILL):
                done = load.count()
                wait_for(lambda: load.count() >= done + rnd.randint(3, 15), 60, "transactions")
                time.sleep(rnd.random())  # a random moment, most likely inside a transaction's records
                w.stop(sig)
                w = w.restart()
                wait_for(lambda: w.get("/connectors/pg/status")[1]["tasks"][0]["state"] == "RUNNING", 60,
                         "the task to run again")
            assert w.request("PUT", "/connectors/pg/pause")[0] == 202
            time.sleep(6)  # three times wal_sender_timeout, while the load goes on
            assert w.request("PUT", "/connectors/pg/resume")[0] == 202
            done = load.count()
            wait_for(lambda: load.count() >= done + 10, 60, "transactions after the pause")
            load.stop()
            run_marker(conn, 1)
            topics = [f"{prefix}.public.a", f"{prefix}.public.b", f"{prefix}.public.marker", f"{prefix}.message"]
            want = set(expected_events(load.committed))
            wait_for(lambda: ("c", "marker", 1, None, None) in
                     {(e[0], e[1], e[2], None, None) for e in emitted_events(w.broker.bootstrap, topics[2:3])},
                     120, "the marker row")
            got = emitted_events(w.broker.bootstrap, topics)
            missing = sorted(want - got, key=str)
            assert not missing, f"{len(missing)} of {len(want)} committed events lost, e.g. {missing[:5]}"
            assert w.get("/connectors/pg/status")[1]["tasks"][0]["state"] == "RUNNING"
            conn.close()
        finally:
            remove_connectors(worker if worker.proc.poll() is None else w)
    admin.close()


def test_patch_with_an_offset_that_is_not_an_lsn_is_refused(pg, worker):
    with own_database(pg) as db:
        cfg = pg_config(pg, db, prefix=worker.t("bad"))
        assert worker.request("POST", "/connectors", {"name": "pg", "config": cfg, "initial_state": "STOPPED"})[0] == 201
        part = {"server": worker.t("bad")}
        for offset, field in [({"lsn_proc": "0/16B3748", "lsn": 1}, "lsn_proc"),
                              ({"lsn_proc": 5, "lsn_commit": 1.5}, "lsn_commit"),
                              ({"lsn": 5, "txId": "x"}, "txId"),
                              ({"lsn": 5, "messageType": "UPSERT"}, "messageType"),
                              ({"ts_usec": 5}, "lsn_proc")]:
            st, body, _ = worker.request("PATCH", "/connectors/pg/offsets",
                                         {"offsets": [{"partition": part, "offset": offset}]})
            assert st == 400, (offset, st, body)
            assert f"'{field}'" in body["message"] or field in body["message"], body
        # nothing was written; a good one is
        assert not worker.get("/connectors/pg/offsets")[1]["offsets"]
        good = {"lsn_proc": 100, "lsn": 100, "lsn_commit": 90, "txId": 7, "messageType": "INSERT", "ts_usec": 1}
        st, body, _ = worker.request("PATCH", "/connectors/pg/offsets", {"offsets": [{"partition": part, "offset": good}]})
        assert st == 200, body
        assert worker.get("/connectors/pg/offsets")[1]["offsets"][0]["offset"] == good
        remove_connectors(worker)


def test_flush_position_reported_to_the_server_never_drops_to_zero(pg, worker):
    """pg_stat_replication.flush_lsn follows the confirmed position: it must not read 0/0 (or
    go backwards) at any moment while the connector streams, keepalive replies included."""
    with own_database(pg) as db:
        conn = pg.connect(db)
        conn.cursor().execute("CREATE TABLE t (id INT PRIMARY KEY)")
        cfg = pg_config(pg, db, prefix=worker.t("flush"), **{"status.update.interval.ms": "200"})
        assert worker.request("POST", "/connectors", {"name": "pg", "config": cfg})[0] == 201
        admin = pg.connect()
        seen = []

        def flush():
            with admin.cursor() as cur:
                cur.execute("SELECT flush_lsn::text, (flush_lsn - '0/0')::bigint FROM pg_stat_replication "
                            "WHERE application_name = 'Debezium Streaming' AND pid = (SELECT active_pid FROM "
                            "pg_replication_slots WHERE slot_name = %s)", (f"s_{db}",))
                return cur.fetchone()
        wait_for(lambda: flush() is not None, 60, "the walsender")
        for i in range(150):
            if i % 3 == 0:
                conn.cursor().execute("INSERT INTO t VALUES (%s)", (i,))
            row = flush()
            if row:
                seen.append(row)
            time.sleep(0.05)
        assert seen and all(text is not None and text != "0/0" for text, _ in seen), seen[:10]
        values = [v for _, v in seen]
        assert values == sorted(values), "the reported flush position went backwards"
        admin.close()
        conn.close()
        remove_connectors(worker)
