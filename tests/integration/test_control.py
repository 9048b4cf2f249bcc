"""Control of the PostgreSQL connector from SQL (connectors/postgres/pg_control.h), on a real
PostgreSQL and a real Kafka: a 'pause' logical decoding message pauses the connector at exactly
its place in the change stream (every change before it emitted, none after, status PAUSED), a REST
resume or a 'resume' message goes on from there with nothing lost and nothing doubled, and a
transaction that emits 'skip-transaction' has its changes left out (skip) or marked (mark).

Which changes come before a pause message is told by an oracle: a test_decoding slot created
before the workload, whose output lists the transactions and messages in the order the server
streams them (commit order)."""
import collections
import json
import re
import signal

import pytest

from conftest import wait_for
from kafka_util import read_topic
from test_postgres import own_database, pg_config  # noqa: F401
from test_resume import (DDL, Workload, admin_slot_active, committed_offset, counted_events, expected_events,
                         remove_connectors, run_marker)

COMMIT = re.compile(r"^COMMIT (\d+)")
MESSAGE = re.compile(r"^message: transactional: (\d) prefix: (\S+), sz: \d+ content:(.*)$")


def oracle_stream(conn, slot):
    """The oracle slot's stream as [(lsn, kind, value)]: ("commit", xid) per transaction and
    ("message", (prefix, content)) per non-transactional message, in streaming order."""
    with conn.cursor() as cur:
        cur.execute("SELECT lsn - '0/0', data FROM pg_logical_slot_peek_changes(%s, NULL, NULL)", (slot,))
        out = []
        for lsn, data in cur.fetchall():
            m = COMMIT.match(data)
            if m:
                out.append((int(lsn), "commit", int(m.group(1))))
                continue
            m = MESSAGE.match(data)
            if m and m.group(1) == "0":
                out.append((int(lsn), "message", (m.group(2), m.group(3))))
        return out


def split_at(stream, nth_pause):
    """The txids and non-transactional 'wl' messages before the nth_pause-th (1-based) 'pause'
    control message, and that message's LSN."""
    txids, messages, seen = set(), set(), 0
    for lsn, kind, v in stream:
        if kind == "message" and v == ("connectd", "pause"):
            seen += 1
            if seen == nth_pause:
                return txids, messages, lsn
        elif kind == "commit":
            txids.add(v)
        elif v[0] == "wl":
            messages.add(v[1])
    raise AssertionError(f"pause message #{nth_pause} not in the oracle's stream")


def events_before(committed, txids, messages):
    want = [(txid, ops) for txid, ops in committed if (txid in txids if txid is not None else ops[0][3] in messages)]
    return set(expected_events(want))


def key_change_deletes(committed):
    """A key change is a delete of the old key and a create of the new one; Workload keeps only the
    create, so the deletes' identities are allowed beside the expected events."""
    return {txid for txid, ops in committed if any(op == "k" for op, *_ in ops)}


def status(w):
    st, body, _ = w.get("/connectors/pg/status")
    return (body["connector"]["state"], [t["state"] for t in body["tasks"]]) if st == 200 else None


def emit(conn, content, transactional=False):
    with conn.cursor() as cur:
        cur.execute("SELECT pg_logical_emit_message(%s, 'connectd', %s)", (transactional, content))


def check_paused_exactly(w, topics, committed_then, stream, nth):
    """While paused at the nth pause message: every event before it is on the topics (waited for),
    and none after it."""
    txids, messages, lsn = split_at(stream, nth)
    before = events_before(committed_then, txids, messages)
    got = {}

    def all_there():
        got["c"] = counted_events(w.broker.bootstrap, topics)
        return before <= set(got["c"])
    wait_for(all_there, 120, f"every change before pause message #{nth} on the topics")
    # After it, by the oracle: a transaction that committed after it, a message written after it.
    after = {e for e in got["c"] if (e[4] not in txids if e[4] is not None else e[3] not in messages)}
    assert not after, f"{len(after)} events after pause message #{nth} were emitted, e.g. {sorted(after, key=str)[:5]}"
    # The pause point is stored: its offset's lsn_commit is the pause message's own LSN.
    wait_for(lambda: (committed_offset(w, "pg") or {}).get("lsn_commit") == lsn, 60,
             f"the offset of pause point #{nth} to be committed")
    return lsn


@pytest.mark.brokers("kafka")
def test_pause_by_sql_at_an_exact_point_then_resume_by_rest_and_by_sql(own_pg, worker):
    """Under overlapping transactions from several threads: a 'pause' message pauses the
    connector (status PAUSED) with exactly the changes before it on the topics; a restart of the
    worker while paused keeps the pause point; a REST resume goes on without acting on the pause
    message again; a second 'pause' and a 'resume' message; at the end every committed change is
    on the topics exactly once, and no control message is an event."""
    admin = own_pg.connect()
    with own_database(own_pg) as db:
        w = worker
        try:
            conn = own_pg.connect(db)
            conn.autocommit = True
            for ddl in DDL:
                conn.cursor().execute(ddl)
            oracle = f"oracle_{db}"
            conn.cursor().execute("SELECT pg_create_logical_replication_slot(%s, 'test_decoding')", (oracle,))
            prefix = worker.t("control")
            cfg = pg_config(own_pg, db, prefix=prefix, **{"skipped.operations": "none"})
            assert w.request("POST", "/connectors", {"name": "pg", "config": cfg})[0] == 201
            wait_for(lambda: admin_slot_active(admin, f"s_{db}"), 60, "the connector to stream")
            topics = [f"{prefix}.public.a", f"{prefix}.public.b", f"{prefix}.public.marker", f"{prefix}.message"]
            load = Workload(own_pg, db, seed=23).start()

            # 1. pause by SQL in the middle of the load
            wait_for(lambda: load.count() >= 30, 60, "transactions before the pause")
            emit(conn, "pause")
            wait_for(lambda: status(w) == ("PAUSED", ["PAUSED"]), 60, "the connector to be PAUSED")
            done = load.count()
            wait_for(lambda: load.count() >= done + 20, 60, "transactions while paused")
            with load.lock:
                committed_then = list(load.committed)
            check_paused_exactly(w, topics, committed_then, oracle_stream(conn, oracle), 1)

            # 2. a worker restart while paused: the connector stays PAUSED at its pause point
            w.stop(signal.SIGTERM)
            w = w.restart()
            wait_for(lambda: status(w) == ("PAUSED", ["PAUSED"]), 60, "PAUSED after the restart")

            # 3. resume by REST: the pause message is not acted on again
            assert w.request("PUT", "/connectors/pg/resume")[0] == 202
            wait_for(lambda: status(w) == ("RUNNING", ["RUNNING"]), 60, "RUNNING after the REST resume")
            done = load.count()
            wait_for(lambda: load.count() >= done + 20, 60, "transactions after the REST resume")

            # 4. pause again by SQL, resume by SQL
            emit(conn, "pause")
            wait_for(lambda: status(w) == ("PAUSED", ["PAUSED"]), 60, "PAUSED by the second message")
            done = load.count()
            wait_for(lambda: load.count() >= done + 20, 60, "transactions while paused again")
            with load.lock:
                committed_then = list(load.committed)
            check_paused_exactly(w, topics, committed_then, oracle_stream(conn, oracle), 2)
            emit(conn, "resume")
            wait_for(lambda: status(w) == ("RUNNING", ["RUNNING"]), 60, "RUNNING after the 'resume' message")
            done = load.count()
            wait_for(lambda: load.count() >= done + 20, 60, "transactions after the SQL resume")
            load.stop()
            run_marker(conn, 1)

            # 5. every committed change exactly once; no control message on the message topic
            want = set(expected_events(load.committed))
            allowed_deletes = key_change_deletes(load.committed)
            wait_for(lambda: any(e[:3] == ("c", "marker", 1) for e in counted_events(w.broker.bootstrap, topics[2:3])),
                     120, "the marker row")
            got = counted_events(w.broker.bootstrap, topics)
            missing = want - set(got)
            assert not missing, f"{len(missing)} of {len(want)} committed events lost, e.g. {sorted(missing, key=str)[:5]}"
            doubled = {e: n for e, n in got.items() if n > 1}
            assert not doubled, f"{len(doubled)} events emitted twice, e.g. {list(doubled.items())[:5]}"
            extra = {e for e in got if e not in want and not (e[0] == "d" and e[4] in allowed_deletes)
                     and e[1] != "marker" and e != ("n", None, None, "1", None)}
            assert not extra, f"events nobody committed: {sorted(extra, key=str)[:5]}"
            prefixes = {json.loads(v)["payload"]["message"]["prefix"]
                        for _, _, _, v in read_topic(w.broker.bootstrap, f"{prefix}.message", timeout=60) if v}
            assert "connectd" not in prefixes and "wl" in prefixes, prefixes
            conn.cursor().execute("SELECT pg_drop_replication_slot(%s)", (oracle,))
            conn.close()
        finally:
            remove_connectors(w if w.proc.poll() is None else worker)
    admin.close()


ITEMS = "CREATE TABLE items (id INT PRIMARY KEY, created_at DATE NOT NULL)"


def archival_run(pg, worker, db, mode):
    """Ten rows, then the archival job's transaction (skip-transaction, DELETE of the old half)
    beside a user's delete and insert in another, overlapping transaction. Returns the records of
    the items topic as (value, headers) and the LSN just before the archival commit."""
    conn = pg.connect(db)
    conn.autocommit = True
    conn.cursor().execute(ITEMS)
    prefix = worker.t("archive")
    extra = {"connectd.skip.transaction.mode": mode} if mode else {}
    cfg = pg_config(pg, db, prefix=prefix, **extra)
    assert worker.request("POST", "/connectors", {"name": "pg", "config": cfg})[0] == 201
    admin = pg.connect()
    wait_for(lambda: admin_slot_active(admin, f"s_{db}"), 60, "the connector to stream")
    admin.close()
    conn.cursor().execute("INSERT INTO items SELECT i, DATE '2020-01-01' + i * 365 FROM generate_series(1, 10) i")
    job, user = pg.connect(db), pg.connect(db)
    job.autocommit = user.autocommit = False  # two open transactions, overlapping
    jc, uc = job.cursor(), user.cursor()
    jc.execute("SELECT pg_logical_emit_message(true, 'connectd', 'skip-transaction')")
    uc.execute("DELETE FROM items WHERE id = 10")
    jc.execute("DELETE FROM items WHERE created_at < DATE '2024-06-01'")
    uc.execute("INSERT INTO items VALUES (11, DATE '2030-01-01')")
    assert jc.rowcount == 4
    jc.execute("SELECT pg_current_wal_insert_lsn() - '0/0'")
    before_commit = int(jc.fetchone()[0])
    job.commit()
    user.commit()
    job.close()
    user.close()
    conn.cursor().execute("INSERT INTO items VALUES (12, DATE '2031-01-01')")
    topic = f"{prefix}.public.items"

    def read():
        recs = [(json.loads(v) if v else None, dict(h)) for _, _, _, v, h in
                read_topic(worker.broker.bootstrap, topic, timeout=60, with_headers=True)]
        return recs if any(v and v["payload"]["after"] and v["payload"]["after"]["id"] == 12 for v, _ in recs) else None
    recs = wait_for(read, 60, "the last insert")
    conn.close()
    return recs, before_commit


def deletes(recs):
    return sorted(v["payload"]["before"]["id"] for v, _ in recs if v and v["payload"]["op"] == "d")


def test_skipped_archival_transaction_is_not_emitted(pg, worker):
    """skip (the default): the archival DELETE's events are absent, the user's delete and inserts
    of the overlapping transaction are there, and the skipped transaction's commit is stored as
    the connector's offset although no record of it was emitted (so its WAL can be released)."""
    with own_database(pg) as db:
        try:
            recs, before_commit = archival_run(pg, worker, db, None)
            assert deletes(recs) == [10]
            assert sorted(v["payload"]["after"]["id"] for v, _ in recs if v and v["payload"]["op"] == "c") == \
                list(range(1, 13))
            assert not any("__connectd.skip.transaction" in h for _, h in recs)
            wait_for(lambda: (committed_offset(worker, "pg") or {}).get("lsn_commit", 0) > before_commit, 60,
                     "an offset past the skipped transaction's commit")
        finally:
            remove_connectors(worker)


def test_marked_archival_transaction_carries_the_header(pg, worker):
    """mark: every event is emitted, and the header __connectd.skip.transaction=true is on exactly
    the archival transaction's records (its deletes and their tombstones)."""
    with own_database(pg) as db:
        try:
            recs, _ = archival_run(pg, worker, db, "mark")
            assert deletes(recs) == [1, 2, 3, 4, 10]
            marked = [(v["payload"]["op"] if v else None) for v, h in recs if h.get("__connectd.skip.transaction") == b"true"]
            assert marked == ["d", None] * 4, marked
            unmarked_deletes = [v["payload"]["before"]["id"] for v, h in recs
                                if v and v["payload"]["op"] == "d" and "__connectd.skip.transaction" not in h]
            assert unmarked_deletes == [10]
        finally:
            remove_connectors(worker)


def test_unknown_skip_mode_is_refused(pg, worker):
    with own_database(pg) as db:
        cfg = pg_config(pg, db, **{"connectd.skip.transaction.mode": "drop"})
        st, body, _ = worker.request("PUT", "/connector-plugins/PostgresConnector/config/validate", cfg)
        assert st == 200
        errs = [e for c in body["configs"] if c["value"]["name"] == "connectd.skip.transaction.mode"
                for e in c["value"]["errors"]]
        assert errs and "'drop' is not a mode" in errs[0], body
        st, body, _ = worker.request("POST", "/connectors", {"name": "pg", "config": cfg})
        assert st == 400 and "connectd.skip.transaction.mode" in body["message"], body
