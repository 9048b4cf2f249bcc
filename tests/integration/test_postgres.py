"""The PostgreSQL source connector against a real PostgreSQL (logical replication, pgoutput) on
the test broker and on a real Kafka: Debezium-compatible events, offsets, confirmed LSNs, restarts,
failures. Every test runs on PostgreSQL 15; those marked all_pg_versions (streaming, types, restart,
failures) also on 14, 16, 17 and 18."""
import contextlib
import json
import re
import time
import uuid

import psycopg2
import pytest

from conftest import wait_for
from kafka_util import java_partition, read_topic
from test_rest_api import wait_state

PG = "io.debezium.connector.postgresql.PostgresConnector"


@contextlib.contextmanager
def own_database(pg):
    """A fresh database in the session's PostgreSQL, named by the test; its slots and the
    database are dropped afterwards."""
    name = "db_" + uuid.uuid4().hex[:10]
    admin = pg.connect()
    admin.cursor().execute(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        cur = admin.cursor()
        # A client that still streams (a worker's task that is stopping, or one that reconnects
        # at once) can take its slot again between the two statements: try again a while.
        deadline = time.monotonic() + 60
        while True:
            try:
                cur.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
                            "WHERE database = %s AND active_pid IS NOT NULL", (name,))
                cur.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                            "WHERE database = %s", (name,))
                break
            except psycopg2.errors.ObjectInUse:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        cur.execute(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


@pytest.fixture
def pgdb(pg):
    """A database of the test's own and a connection to it (the worker fixture, set up later, has
    stopped connectd by the time it is dropped)."""
    with own_database(pg) as name:
        conn = pg.connect(name)
        try:
            yield conn, name
        finally:
            conn.close()


def pg_config(pg, dbname, prefix="fulfillment", **extra):
    cfg = {"connector.class": PG, "database.hostname": pg.host, "database.port": str(pg.port),
           "database.user": "postgres", "database.password": "unused", "database.dbname": dbname,
           "topic.prefix": prefix, "plugin.name": "pgoutput", "slot.name": "s_" + dbname,
           "snapshot.mode": "no_data"}
    cfg.update(extra)
    return cfg


def records(bootstrap, topic):
    out = []
    for (_, _, k, v) in read_topic(bootstrap, topic):
        out.append((json.loads(k) if k else None, json.loads(v) if v else None))
    return out


def start_connector(worker, pg, dbname, name="inventory", **extra):
    """Starts a connector with topic.prefix worker.t("fulfillment") (the test's own on a shared
    broker)."""
    extra.setdefault("prefix", worker.t("fulfillment"))
    status, body, _ = worker.request("POST", "/connectors", {"name": name, "config": pg_config(pg, dbname, **extra)})
    assert status == 201, body
    wait_state(worker, name, "RUNNING", ["RUNNING"])


def slot_confirmed(pg, slot):
    c = pg.connect()
    try:
        cur = c.cursor()
        cur.execute("SELECT confirmed_flush_lsn - '0/0' FROM pg_replication_slots WHERE slot_name = %s", (slot,))
        row = cur.fetchone()
        return int(row[0]) if row and row[0] is not None else None
    finally:
        c.close()


CUSTOMERS = ("CREATE TABLE customers (id SERIAL PRIMARY KEY, first_name VARCHAR(255) NOT NULL, "
             "last_name VARCHAR(255) NOT NULL, email VARCHAR(255) NOT NULL)")


@pytest.mark.brokers("mock", "kafka")  # the embedded broker of `make run` too
@pytest.mark.all_pg_versions
def test_insert_update_delete_events(pg, pgdb, worker):
    P = worker.t("fulfillment")
    conn, db = pgdb
    conn.cursor().execute(CUSTOMERS)
    start_connector(worker, pg, db)
    cur = conn.cursor()
    cur.execute("INSERT INTO customers (first_name, last_name, email) VALUES ('Anne', 'Kretchmar', 'annek@noanswer.org')")
    cur.execute("UPDATE customers SET first_name = 'Anne Marie' WHERE id = 1")
    cur.execute("DELETE FROM customers WHERE id = 1")
    topic = P + ".public.customers"
    wait_for(lambda: len(records(worker.broker.bootstrap, topic)) == 4, 30, "4 records")
    recs = records(worker.broker.bootstrap, topic)
    key_schema = {"type": "struct", "fields": [{"type": "int32", "optional": False, "default": 0, "field": "id"}],
                  "optional": False, "name": P + ".public.customers.Key"}
    for k, _ in recs:
        assert k == {"schema": key_schema, "payload": {"id": 1}}
    (_, c), (_, u), (_, d), (_, tomb) = recs
    assert tomb is None
    row_fields = [{"type": "int32", "optional": False, "default": 0, "field": "id"},
                  {"type": "string", "optional": False, "field": "first_name"},
                  {"type": "string", "optional": False, "field": "last_name"},
                  {"type": "string", "optional": False, "field": "email"}]
    schema = c["schema"]
    assert schema["name"] == P + ".public.customers.Envelope" and schema["version"] == 2
    assert [f["field"] for f in schema["fields"]] == ["before", "after", "source", "transaction", "op",
                                                      "ts_ms", "ts_us", "ts_ns"]
    assert schema["fields"][0] == {"type": "struct", "fields": row_fields, "optional": True,
                                   "name": P + ".public.customers.Value", "field": "before"}
    src_schema = schema["fields"][2]
    assert src_schema["name"] == "io.debezium.connector.postgresql.Source" and src_schema["version"] == 1
    assert [f["field"] for f in src_schema["fields"]] == ["version", "connector", "name", "ts_ms", "snapshot", "db",
                                                           "sequence", "ts_us", "ts_ns", "schema", "table", "txId",
                                                           "lsn", "xmin"]
    p = c["payload"]
    assert p["before"] is None and p["op"] == "c" and p["transaction"] is None
    assert p["after"] == {"id": 1, "first_name": "Anne", "last_name": "Kretchmar", "email": "annek@noanswer.org"}
    s = p["source"]
    assert (s["connector"], s["name"], s["db"], s["schema"], s["table"], s["snapshot"], s["xmin"]) == \
        ("postgresql", P, db, "public", "customers", "false", None)
    assert isinstance(s["txId"], int) and isinstance(s["lsn"], int)
    assert s["ts_us"] // 1000 == s["ts_ms"] and s["ts_ns"] == s["ts_us"] * 1000
    seq = json.loads(s["sequence"])
    assert len(seq) == 2 and seq[1] == str(s["lsn"])
    assert p["ts_us"] // 1000 == p["ts_ms"]
    assert u["payload"]["op"] == "u" and u["payload"]["before"] is None
    assert u["payload"]["after"]["first_name"] == "Anne Marie"
    assert d["payload"]["op"] == "d" and d["payload"]["after"] is None
    assert d["payload"]["before"] == {"id": 1, "first_name": "", "last_name": "", "email": ""}
    assert u["payload"]["source"]["lsn"] > c["payload"]["source"]["lsn"]


def test_offsets_and_slot_confirmation(pg, pgdb, worker):
    P = worker.t("fulfillment")
    conn, db = pgdb
    conn.cursor().execute(CUSTOMERS)
    start_connector(worker, pg, db)
    # Two transactions: lsn_commit appears once a COMMIT has been processed before an event.
    conn.cursor().execute("INSERT INTO customers (first_name, last_name, email) VALUES ('a', 'b', 'c')")
    conn.cursor().execute("INSERT INTO customers (first_name, last_name, email) VALUES ('d', 'e', 'f')")
    def offset():
        body = worker.get("/connectors/inventory/offsets")[1]
        o = body["offsets"][0] if body.get("offsets") else None
        return o if o and "lsn_commit" in o["offset"] else None
    o = wait_for(offset, 30, "a committed offset")
    assert o["partition"] == {"server": P}
    off = o["offset"]
    assert {"lsn", "lsn_proc", "lsn_commit", "txId", "ts_usec"} <= set(off)
    assert all(isinstance(off[k], int) for k in ("lsn", "lsn_proc", "lsn_commit", "txId", "ts_usec"))
    wait_for(lambda: (slot_confirmed(pg, "s_" + db) or 0) >= off["lsn_commit"], 30, "confirmed_flush_lsn to advance")


@pytest.mark.all_pg_versions
def test_restart_resumes_without_repeats(pg, pgdb, worker):
    P = worker.t("fulfillment")
    conn, db = pgdb
    conn.cursor().execute(CUSTOMERS)
    start_connector(worker, pg, db)
    cur = conn.cursor()
    for i in range(5):
        cur.execute("INSERT INTO customers (first_name, last_name, email) VALUES (%s, 'x', 'y')", (f"n{i}",))
    topic = P + ".public.customers"
    wait_for(lambda: len(records(worker.broker.bootstrap, topic)) == 5, 30, "5 records")
    assert worker.stop() == 0
    for i in range(5, 10):
        cur.execute("INSERT INTO customers (first_name, last_name, email) VALUES (%s, 'x', 'y')", (f"n{i}",))
    w2 = worker.restart()
    wait_state(w2, "inventory", "RUNNING", ["RUNNING"])
    wait_for(lambda: len(records(w2.broker.bootstrap, topic)) >= 10, 30, "10 records")
    names = sorted(v["payload"]["after"]["first_name"] for _, v in records(w2.broker.bootstrap, topic))
    assert names == sorted(f"n{i}" for i in range(10))


def test_old_tutorial_config_names(pg, pgdb, worker):
    P = worker.t("fulfillment")
    conn, db = pgdb
    conn.cursor().execute("CREATE TABLE holding (id INT PRIMARY KEY, v TEXT)")
    conn.cursor().execute("CREATE TABLE other (id INT PRIMARY KEY)")
    cfg = pg_config(pg, db)
    del cfg["topic.prefix"]
    cfg.update({"database.server.name": worker.t("dbserver1"), "table.whitelist": "public.holding"})
    status, body, _ = worker.request("POST", "/connectors", {"name": "old", "config": cfg})
    assert status == 201, body
    wait_state(worker, "old", "RUNNING", ["RUNNING"])
    conn.cursor().execute("INSERT INTO other VALUES (1)")
    conn.cursor().execute("INSERT INTO holding VALUES (1, 'x')")
    wait_for(lambda: len(records(worker.broker.bootstrap, worker.t("dbserver1") + ".public.holding")) == 1, 30, "holding record")
    assert records(worker.broker.bootstrap, worker.t("dbserver1") + ".public.other") == []


def test_unknown_user_fails_with_a_clear_message(pg, pgdb, worker):
    """As Debezium: a create whose user cannot log in is refused (validation connects); a user who
    can no longer log in once the connector runs fails its task, saying why."""
    conn, db = pgdb
    cfg = pg_config(pg, db, **{"database.user": "nobody_here"})
    status, body, _ = worker.request("POST", "/connectors", {"name": "bad", "config": cfg})
    assert status == 400, body
    assert 'Error while validating connector config: FATAL: role "nobody_here" does not exist' in body["message"]
    role = "leaving_" + db
    conn.cursor().execute(f"CREATE ROLE {role} LOGIN REPLICATION SUPERUSER")
    try:
        # Debezium retries a lost connection slot.max.retries (6) times, slot.retry.delay.ms
        # (10 s) apart, before the task fails: shorter here.
        cfg = pg_config(pg, db, **{"database.user": role, "slot.retry.delay.ms": "500"})
        assert worker.request("POST", "/connectors", {"name": "bad", "config": cfg})[0] == 201
        wait_state(worker, "bad", "RUNNING", ["RUNNING"], timeout=60)
        conn.cursor().execute(f"ALTER ROLE {role} NOLOGIN")
        conn.cursor().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,))
        st = wait_state(worker, "bad", "RUNNING", ["FAILED"], timeout=60)
        assert f'role "{role}" is not permitted to log in' in st["tasks"][0]["trace"]
    finally:
        worker.request("DELETE", "/connectors/bad")
        wait_for(lambda: worker.get("/connectors/bad/status")[0] == 404, 30, "deleted")


@pytest.mark.all_pg_versions
def test_replica_identity_full_toast_and_key_change(pg, pgdb, worker):
    P = worker.t("fulfillment")
    conn, db = pgdb
    cur = conn.cursor()
    cur.execute("CREATE TABLE docs (id INT PRIMARY KEY, title TEXT, body TEXT)")
    cur.execute("CREATE TABLE full_docs (id INT PRIMARY KEY, title TEXT, body TEXT)")
    cur.execute("ALTER TABLE full_docs REPLICA IDENTITY FULL")
    start_connector(worker, pg, db)
    big = "x" * 100000  # stored out of line (TOAST)
    cur.execute("ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL")
    cur.execute("INSERT INTO docs VALUES (1, 'a', %s)", (big,))
    cur.execute("UPDATE docs SET title = 'b' WHERE id = 1")          # body unchanged: placeholder
    cur.execute("UPDATE docs SET id = 2 WHERE id = 1")                # key change: d, tombstone, c
    cur.execute("INSERT INTO full_docs VALUES (1, 'a', 'text')")
    cur.execute("UPDATE full_docs SET title = 'b' WHERE id = 1")      # before = whole old row
    cur.execute("DELETE FROM full_docs WHERE id = 1")
    bs = worker.broker.bootstrap
    wait_for(lambda: len(records(bs, P + ".public.docs")) == 5, 30, "docs records")
    recs = records(bs, P + ".public.docs")
    ops = [(v["payload"]["op"] if v else None) for _, v in recs]
    assert ops == ["c", "u", "d", None, "c"]
    assert recs[0][1]["payload"]["after"]["body"] == big
    assert recs[1][1]["payload"]["after"] == {"id": 1, "title": "b", "body": "__debezium_unavailable_value"}
    assert recs[2][0]["payload"] == {"id": 1} and recs[3][0]["payload"] == {"id": 1}
    assert recs[4][0]["payload"] == {"id": 2}
    assert recs[2][1]["payload"]["before"]["id"] == 1
    wait_for(lambda: len(records(bs, P + ".public.full_docs")) == 4, 30, "full_docs records")
    full = records(bs, P + ".public.full_docs")
    assert full[1][1]["payload"]["before"] == {"id": 1, "title": "a", "body": "text"}
    assert full[2][1]["payload"]["before"] == {"id": 1, "title": "b", "body": "text"}
    assert full[3][1] is None


def test_key_change_headers(pg, pgdb, worker):
    P = worker.t("fulfillment")
    from confluent_kafka import Consumer, TopicPartition
    conn, db = pgdb
    cur = conn.cursor()
    cur.execute("CREATE TABLE t (id INT PRIMARY KEY, v TEXT)")
    start_connector(worker, pg, db)
    cur.execute("INSERT INTO t VALUES (1, 'a')")
    cur.execute("UPDATE t SET id = 2 WHERE id = 1")
    bs = worker.broker.bootstrap
    wait_for(lambda: len(records(bs, P + ".public.t")) == 4, 30, "records")
    c = Consumer({"bootstrap.servers": bs, "group.id": "h" + db, "auto.offset.reset": "earliest"})
    md = c.list_topics(P + ".public.t", timeout=10)
    c.assign([TopicPartition(P + ".public.t", p, 0) for p in md.topics[P + ".public.t"].partitions])
    headers = []
    while len(headers) < 4:
        m = c.poll(5)
        assert m is not None
        if not m.error():
            headers.append(dict(m.headers() or []))
    c.close()
    newkey = [h for h in headers if "__debezium.newkey" in h]
    oldkey = [h for h in headers if "__debezium.oldkey" in h]
    assert len(newkey) == 2 and all(h["__debezium.newkey"] == b'{"id":2}' for h in newkey)
    assert len(oldkey) == 1 and oldkey[0]["__debezium.oldkey"] == b'{"id":1}'
    assert all(h["__debezium.context.connectorLogicalName"] == P.encode() for h in headers)


@pytest.mark.all_pg_versions
def test_truncate_and_logical_messages(pg, pgdb, worker):
    P = worker.t("fulfillment")
    conn, db = pgdb
    cur = conn.cursor()
    cur.execute("CREATE TABLE t (id INT PRIMARY KEY)")
    start_connector(worker, pg, db, **{"skipped.operations": "none"})
    cur.execute("INSERT INTO t VALUES (1)")
    cur.execute("TRUNCATE t")
    cur.execute("SELECT pg_logical_emit_message(true, 'foo', 'bar')")
    bs = worker.broker.bootstrap
    wait_for(lambda: len(records(bs, P + ".public.t")) == 2, 30, "insert and truncate")
    trunc = [r for r in records(bs, P + ".public.t") if r[1]["payload"]["op"] == "t"]
    assert len(trunc) == 1 and trunc[0][0] is None
    wait_for(lambda: len(records(bs, P + ".message")) == 1, 30, "message")
    k, v = records(bs, P + ".message")[0]
    assert k == {"schema": {"type": "struct", "fields": [{"type": "string", "optional": True, "field": "prefix"}],
                            "optional": False, "name": "io.debezium.connector.postgresql.MessageKey", "version": 1},
                 "payload": {"prefix": "foo"}}
    p = v["payload"]
    assert p["op"] == "m" and p["message"] == {"prefix": "foo", "content": "YmFy"}
    assert p["source"]["schema"] == "" and p["source"]["table"] == "" and isinstance(p["source"]["txId"], int)
    assert [f["field"] for f in v["schema"]["fields"]] == ["op", "ts_ms", "source", "transaction", "message"]


def test_heartbeats_advance_the_slot_on_a_filtered_database(pg, pgdb, worker):
    P = worker.t("fulfillment")
    conn, db = pgdb
    cur = conn.cursor()
    cur.execute("CREATE TABLE captured (id INT PRIMARY KEY)")
    cur.execute("CREATE TABLE noise (id INT PRIMARY KEY)")
    start_connector(worker, pg, db, **{"table.include.list": "public.captured", "heartbeat.interval.ms": "200"})
    cur.execute("INSERT INTO captured VALUES (1)")
    bs = worker.broker.bootstrap
    wait_for(lambda: records(bs, P + ".public.captured"), 30, "captured record")
    for i in range(20):
        cur.execute("INSERT INTO noise VALUES (%s)", (i,))
    cur.execute("SELECT pg_current_wal_lsn() - '0/0'")
    target = int(cur.fetchone()[0])
    # The slot confirms commit positions: within a commit record of the WAL end.
    wait_for(lambda: (slot_confirmed(pg, "s_" + db) or 0) >= target - 256, 60, "the slot to pass the filtered changes")
    hb = wait_for(lambda: records(bs, "__debezium-heartbeat." + P), 30, "heartbeat records")
    assert hb[0][0] == {"schema": {"type": "struct", "fields": [{"type": "string", "optional": False, "field": "serverName"}],
                                          "optional": False, "name": "io.debezium.connector.common.ServerNameKey", "version": 1},
                               "payload": {"serverName": P}}
    assert records(bs, P + ".public.noise") == []


HB_KEY_SCHEMA = ('{"type":"struct","fields":[{"type":"string","optional":false,"field":"serverName"}],'
                 '"optional":false,"name":"io.debezium.connector.common.ServerNameKey","version":1}')
UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def uuid7_ms(u):
    return int(u.replace("-", "")[:12], 16)


def test_context_headers_only_on_change_events(pg, pgdb, worker):
    """Debezium 3.4 puts the __debezium.context.* headers (connectorLogicalName, taskId,
    connectorName, runId: a UUIDv7 new at every task start) on change events and their tombstones
    only (EventDispatcher.getExtendedHeaders); transaction and message records have none."""
    P = worker.t("fulfillment")
    conn, db = pgdb
    cur = conn.cursor()
    cur.execute("CREATE TABLE t (id INT PRIMARY KEY, v TEXT)")
    started_ms = int(time.time() * 1000)
    start_connector(worker, pg, db, **{"skipped.operations": "none", "provide.transaction.metadata": "true"})
    cur.execute("INSERT INTO t VALUES (1, 'a')")
    cur.execute("UPDATE t SET v = 'b' WHERE id = 1")
    cur.execute("DELETE FROM t WHERE id = 1")
    cur.execute("TRUNCATE t")
    cur.execute("SELECT pg_logical_emit_message(true, 'foo', 'bar')")
    bs = worker.broker.bootstrap
    wait_for(lambda: len(read_topic(bs, P + ".public.t")) == 5, 30, "c, u, d, tombstone and t")
    wait_for(lambda: read_topic(bs, P + ".message"), 30, "the message")
    wait_for(lambda: len(read_topic(bs, P + ".transaction")) >= 10, 30, "BEGIN and END records")

    recs = read_topic(bs, P + ".public.t", with_headers=True)
    assert sorted(json.loads(v)["payload"]["op"] if v else "tombstone" for _, _, _, v, _ in recs) == \
        ["c", "d", "t", "tombstone", "u"]
    names = ["__debezium.context.connectorLogicalName", "__debezium.context.taskId",
             "__debezium.context.connectorName", "__debezium.context.runId"]
    for _, _, _, _, h in recs:
        assert [n for n, _ in h] == names
        assert [v for _, v in h][:3] == [P.encode(), b"0", b"postgresql"]
    run_ids = {h[3][1].decode() for *_, h in recs}
    assert len(run_ids) == 1
    run_id = run_ids.pop()
    assert UUID7.match(run_id) and started_ms - 5000 <= uuid7_ms(run_id) <= int(time.time() * 1000)
    for topic in (P + ".transaction", P + ".message"):
        for _, _, _, _, h in read_topic(bs, topic, with_headers=True):
            assert h == [], (topic, h)

    # a new run of the task, a new runId
    status, body, _ = worker.request("POST", "/connectors/inventory/tasks/0/restart")
    assert status == 204, body
    wait_state(worker, "inventory", "RUNNING", ["RUNNING"])
    cur.execute("INSERT INTO t VALUES (2, 'c')")
    wait_for(lambda: len(read_topic(bs, P + ".public.t")) == 6, 30, "the insert after the restart")
    new_ids = {dict(h)["__debezium.context.runId"].decode() for *_, h in read_topic(bs, P + ".public.t", with_headers=True)}
    assert len(new_ids) == 2 and run_id in new_ids
    new_id = (new_ids - {run_id}).pop()
    assert UUID7.match(new_id) and uuid7_ms(new_id) >= uuid7_ms(run_id)


def test_heartbeats_go_to_partition_0_without_headers(pg, pgdb, worker):
    """HeartbeatImpl sends heartbeats to partition 0 of their topic, not to their key's partition
    (the prefix is chosen so that the key hashes elsewhere), and without headers."""
    base = worker.t("fulfillment")
    key = '{"schema":%s,"payload":{"serverName":"%s"}}'
    P = next(p for p in (f"{base}{i}" for i in range(100)) if java_partition((key % (HB_KEY_SCHEMA, p)).encode(), 4) != 0)
    hb_topic = "__debezium-heartbeat." + P
    if hasattr(worker.broker, "create_topic"):  # the real Kafka; the mock makes 4 partitions itself
        worker.broker.create_topic(hb_topic, partitions=4)
    conn, db = pgdb
    conn.cursor().execute("CREATE TABLE t (id INT PRIMARY KEY)")
    start_connector(worker, pg, db, prefix=P, **{"heartbeat.interval.ms": "100"})
    conn.cursor().execute("INSERT INTO t VALUES (1)")
    bs = worker.broker.bootstrap
    hbs = wait_for(lambda: [r for r in read_topic(bs, hb_topic, with_headers=True)] or None, 30, "heartbeats")
    assert hbs[0][2] == (key % (HB_KEY_SCHEMA, P)).encode()
    assert {part for part, *_ in hbs} == {0}
    assert all(h == [] for *_, h in hbs)


def test_non_ascii_table_names_sanitised_per_java_char(pg, pgdb, worker):
    """Debezium replaces each Java char (UTF-16 unit) outside [A-Za-z0-9._-] of a topic name with
    '_': 'café' -> 'caf_', '表' -> '_', an emoji (a surrogate pair) -> '__' (checked against
    SchemaTopicNamingStrategy of Debezium 3.4.3), not one '_' per UTF-8 byte. The record schema
    names derive from the topic; source.table keeps the real name."""
    P = worker.t("fulfillment")
    conn, db = pgdb
    cur = conn.cursor()
    tables = {"café": "caf_", "表": "_", "\U0001F600": "__"}
    for name in tables:
        cur.execute(f'CREATE TABLE "{name}" (id INT PRIMARY KEY)')
    start_connector(worker, pg, db)
    for name in tables:
        cur.execute(f'INSERT INTO "{name}" VALUES (1)')
    bs = worker.broker.bootstrap
    for name, sanitised in tables.items():
        topic = f"{P}.public.{sanitised}"
        recs = wait_for(lambda: records(bs, topic), 30, f"the record of {name!r} on {topic}")
        (k, v), = recs
        assert k["schema"]["name"] == topic + ".Key"
        assert v["schema"]["name"] == topic + ".Envelope"
        assert v["schema"]["fields"][1]["name"] == topic + ".Value"
        assert v["payload"]["source"]["table"] == name


def test_alter_table_shows_in_the_next_event(pg, pgdb, worker):
    P = worker.t("fulfillment")
    conn, db = pgdb
    cur = conn.cursor()
    cur.execute("CREATE TABLE t (id INT PRIMARY KEY, a TEXT)")
    start_connector(worker, pg, db)
    cur.execute("INSERT INTO t VALUES (1, 'x')")
    cur.execute("ALTER TABLE t ADD COLUMN b INT")
    cur.execute("INSERT INTO t VALUES (2, 'y', 5)")
    cur.execute("ALTER TABLE t DROP COLUMN a")
    cur.execute("INSERT INTO t VALUES (3, 6)")
    cur.execute("ALTER TABLE t RENAME COLUMN b TO c")
    cur.execute("ALTER TABLE t RENAME COLUMN c TO b")
    cur.execute("ALTER TABLE t ALTER COLUMN b TYPE BIGINT")
    cur.execute("INSERT INTO t VALUES (4, 7)")
    bs = worker.broker.bootstrap
    wait_for(lambda: len(records(bs, P + ".public.t")) == 4, 30, "4 records")
    recs = sorted((v["payload"]["after"]["id"], v) for _, v in records(bs, P + ".public.t"))
    afters = [v["payload"]["after"] for _, v in recs]
    assert afters == [{"id": 1, "a": "x"}, {"id": 2, "a": "y", "b": 5}, {"id": 3, "b": 6}, {"id": 4, "b": 7}]
    assert recs[2][1]["schema"]["fields"][1]["fields"][1] == {"type": "int32", "optional": True, "field": "b"}
    assert recs[3][1]["schema"]["fields"][1]["fields"][1] == {"type": "int64", "optional": True, "field": "b"}


@pytest.mark.brokers("mock", "kafka")  # the embedded broker of `make run` too
@pytest.mark.all_pg_versions
def test_kill_9_loses_nothing(pg, pgdb, worker):
    P = worker.t("fulfillment")
    import signal
    conn, db = pgdb
    cur = conn.cursor()
    cur.execute("CREATE TABLE t (id INT PRIMARY KEY)")
    start_connector(worker, pg, db)
    for i in range(200):
        cur.execute("INSERT INTO t VALUES (%s)", (i,))
    bs = worker.broker.bootstrap
    wait_for(lambda: len(records(bs, P + ".public.t")) >= 50, 30, "some records")
    worker.stop(signal.SIGKILL)
    for i in range(200, 300):
        cur.execute("INSERT INTO t VALUES (%s)", (i,))
    w2 = worker.restart()
    wait_state(w2, "inventory", "RUNNING", ["RUNNING"])
    def ids():
        return {v["payload"]["after"]["id"] for _, v in records(bs, P + ".public.t")}
    wait_for(lambda: ids() >= set(range(300)), 60, "every row at least once")


def test_publication_missing_with_autocreate_disabled(pg, pgdb, worker):
    _, db = pgdb
    status, body, _ = worker.request("POST", "/connectors", {"name": "nopub", "config": pg_config(
        pg, db, **{"publication.autocreate.mode": "disabled", "publication.name": "missing_pub"})})
    assert status == 201
    st = wait_state(worker, "nopub", "RUNNING", ["FAILED"], timeout=60)
    assert "Publication autocreation is disabled, please create one and restart the connector." in st["tasks"][0]["trace"]
    conn, _ = pgdb
    conn.cursor().execute("CREATE PUBLICATION missing_pub FOR ALL TABLES")
    assert worker.request("POST", "/connectors/nopub/restart?includeTasks=true&onlyFailed=true")[0] == 202
    wait_state(worker, "nopub", "RUNNING", ["RUNNING"], timeout=60)


def test_validate_rejects_bad_pg_config(pg, worker):
    cfg = {"connector.class": PG, "name": "v", "database.hostname": "h", "database.user": "u",
           "database.dbname": "d", "topic.prefix": "bad prefix!", "slot.name": "Bad-Slot",
           "snapshot.mode": "custom"}
    status, body, _ = worker.request("PUT", "/connector-plugins/PostgresConnector/config/validate", cfg)
    assert status == 200 and body["error_count"] >= 3
    errors = {c["value"]["name"]: c["value"]["errors"] for c in body["configs"] if c["value"] and c["value"]["errors"]}
    assert any("has invalid format (only the underscore, hyphen, dot and alphanumeric characters are allowed)" in e
               for e in errors["topic.prefix"])
    assert any("Valid replication slot name must contain only digits, lowercase characters and underscores with length <= 63" in e
               for e in errors["slot.name"])
    assert any("connectd cannot run" in e for e in errors["snapshot.mode"])


def test_transaction_metadata(pg, pgdb, worker):
    P = worker.t("fulfillment")
    conn, db = pgdb
    cur = conn.cursor()
    cur.execute("CREATE TABLE a (id INT PRIMARY KEY)")
    cur.execute("CREATE TABLE b (id INT PRIMARY KEY)")
    start_connector(worker, pg, db, **{"provide.transaction.metadata": "true"})
    conn.autocommit = False
    cur.execute("INSERT INTO a VALUES (1)")
    cur.execute("INSERT INTO b VALUES (1)")
    cur.execute("INSERT INTO a VALUES (2)")
    conn.commit()
    conn.autocommit = True
    bs = worker.broker.bootstrap
    wait_for(lambda: len(records(bs, P + ".transaction")) == 2, 30, "BEGIN and END")
    txs = sorted((v["payload"]["status"] != "BEGIN", k, v) for k, v in records(bs, P + ".transaction"))
    (_, bk, begin), (_, ek, end) = txs
    assert begin["schema"]["name"] == "io.debezium.connector.common.TransactionMetadataValue"
    assert [f["field"] for f in begin["schema"]["fields"]] == ["status", "id", "event_count", "data_collections", "ts_ms"]
    assert begin["payload"]["event_count"] is None and begin["payload"]["data_collections"] is None
    assert bk["payload"] == {"id": begin["payload"]["id"]}
    xid = begin["payload"]["id"].split(":")[0]
    assert end["payload"]["id"].split(":")[0] == xid
    assert end["payload"]["event_count"] == 3
    assert end["payload"]["data_collections"] == [{"data_collection": "public.a", "event_count": 2},
                                                  {"data_collection": "public.b", "event_count": 1}]
    wait_for(lambda: len(records(bs, P + ".public.a")) == 2, 30, "a events")
    blocks = sorted(v["payload"]["transaction"]["total_order"] for _, v in records(bs, P + ".public.a"))
    assert blocks == [1, 3]
    for _, v in records(bs, P + ".public.a"):
        tb = v["payload"]["transaction"]
        assert tb["id"] == f'{xid}:{v["payload"]["source"]["lsn"]}'
    b_block = records(bs, P + ".public.b")[0][1]["payload"]["transaction"]
    assert (b_block["total_order"], b_block["data_collection_order"]) == (2, 1)


def test_transaction_end_offset_in_debezium_order(pg, pgdb, worker):
    """The END record's offset still has Debezium's transaction members (TransactionMonitor builds
    it before TransactionContext.endTransaction()), and the offsets topic shows the members in the
    order Kafka Connect writes Debezium's HashMap: its iteration order (what OpenJDK printed for
    these keys)."""
    P = worker.t("fulfillment")
    conn, db = pgdb
    cur = conn.cursor()
    cur.execute("CREATE TABLE a (id INT PRIMARY KEY)")
    cur.execute("CREATE TABLE b (id INT PRIMARY KEY)")
    start_connector(worker, pg, db, **{"provide.transaction.metadata": "true"})
    conn.autocommit = False
    cur.execute("INSERT INTO a VALUES (1)")
    cur.execute("INSERT INTO b VALUES (1)")
    cur.execute("INSERT INTO a VALUES (2)")
    cur.execute("SELECT txid_current()")
    xid = cur.fetchone()[0]
    conn.commit()
    conn.autocommit = True
    bs = worker.broker.bootstrap
    ordered = json.JSONDecoder(object_pairs_hook=list)

    def end_offset():
        for _, _, k, v in reversed(read_topic(bs, worker.names.offsets)):
            if v and json.loads(k) == ["inventory", {"server": P}]:
                o = ordered.decode(v.decode())
                return o if dict(o).get("messageType") == "COMMIT" else None
        return None
    off = wait_for(end_offset, 30, "the END record's offset in the offsets topic")
    assert [k for k, _ in off] == ["transaction_id", "lsn_proc", "messageType",
                                   "transaction_data_collection_order_public.a", "lsn_commit",
                                   "transaction_data_collection_order_public.b", "lsn", "txId", "ts_usec"]
    d = dict(off)
    assert d["transaction_id"] == str(xid) and d["txId"] == xid
    assert d["transaction_data_collection_order_public.a"] == 2
    assert d["transaction_data_collection_order_public.b"] == 1
    assert d["lsn_proc"] == d["lsn_commit"] == d["lsn"]


@pytest.mark.all_pg_versions
def test_wal_level_not_logical(replica_pg, worker):
    status, _, _ = worker.request("POST", "/connectors", {"name": "w", "config": pg_config(replica_pg, "postgres")})
    assert status == 201
    st = wait_state(worker, "w", "RUNNING", ["FAILED"], timeout=60)
    assert "Postgres server wal_level property must be 'logical' but is: 'replica'" in st["tasks"][0]["trace"]


@pytest.mark.all_pg_versions
def test_missing_replication_privilege_then_fixed(pg, pgdb, worker):
    conn, db = pgdb
    role = "norepl_" + db
    admin = pg.connect()
    admin.cursor().execute(f"CREATE ROLE {role} LOGIN NOREPLICATION")
    conn.cursor().execute("CREATE PUBLICATION dbz_publication FOR ALL TABLES")  # made by an admin
    try:
        status, _, _ = worker.request("POST", "/connectors", {"name": "np", "config": pg_config(
            pg, db, **{"database.user": role, "slot.max.retries": "1", "slot.retry.delay.ms": "200"})})
        assert status == 201
        st = wait_state(worker, "np", "RUNNING", ["FAILED"], timeout=60)
        trace = st["tasks"][0]["trace"]
        assert "replication" in trace.lower()
        admin.cursor().execute(f"ALTER ROLE {role} REPLICATION")
        assert worker.request("POST", "/connectors/np/restart?includeTasks=true&onlyFailed=true")[0] == 202
        wait_state(worker, "np", "RUNNING", ["RUNNING"], timeout=60)
        assert worker.request("DELETE", "/connectors/np")[0] == 204
        wait_for(lambda: worker.get("/connectors/np/status")[0] == 404, 30, "connector gone")
    finally:
        admin.cursor().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,))
        conn.cursor().execute(f"DROP OWNED BY {role}")
        admin.cursor().execute(f"DROP ROLE {role}")
        admin.close()


def test_slot_held_by_another_client(pg, pgdb, worker):
    import psycopg2
    import psycopg2.extras
    conn, db = pgdb
    slot = "s_" + db
    holder = psycopg2.connect(pg.dsn(db), connection_factory=psycopg2.extras.LogicalReplicationConnection)
    hcur = holder.cursor()
    hcur.create_replication_slot(slot, output_plugin="pgoutput")
    conn.cursor().execute("CREATE PUBLICATION dbz_publication FOR ALL TABLES")
    hcur.start_replication(slot_name=slot, decode=False,
                           options={"proto_version": "1", "publication_names": "dbz_publication"})
    try:
        status, _, _ = worker.request("POST", "/connectors", {"name": "busy", "config": pg_config(
            pg, db, **{"slot.max.retries": "2", "slot.retry.delay.ms": "300"})})
        assert status == 201
        st = wait_state(worker, "busy", "RUNNING", ["FAILED"], timeout=60)
        trace = st["tasks"][0]["trace"]
        assert "is active for PID" in trace
        assert "please make sure to use a distinct replication slot name for each" in trace
    finally:
        holder.close()
    assert worker.request("POST", "/connectors/busy/restart?includeTasks=true&onlyFailed=true")[0] == 202
    wait_state(worker, "busy", "RUNNING", ["RUNNING"], timeout=60)


@pytest.mark.all_pg_versions
def test_database_restart_is_survived(own_pg, worker):
    P = worker.t("fulfillment")
    admin = own_pg.connect()
    admin.cursor().execute("CREATE TABLE t (id INT PRIMARY KEY)")
    start_connector(worker, own_pg, "postgres")
    admin.cursor().execute("INSERT INTO t VALUES (1)")
    bs = worker.broker.bootstrap
    wait_for(lambda: len(records(bs, P + ".public.t")) == 1, 30, "first record")
    admin.close()
    own_pg.restart()
    admin = own_pg.connect()
    admin.cursor().execute("INSERT INTO t VALUES (2)")
    wait_for(lambda: {v["payload"]["after"]["id"] for _, v in records(bs, P + ".public.t")} == {1, 2}, 60,
             "the record written after the restart")
    assert worker.get("/connectors/inventory/status")[1]["tasks"][0]["state"] == "RUNNING"
    admin.close()


TYPES_DDL = """
CREATE EXTENSION IF NOT EXISTS hstore;
CREATE TYPE color AS ENUM ('red', 'green', 'blue');
CREATE TABLE types (
  id INT PRIMARY KEY,
  b BOOLEAN, bit1 BIT(1), bit2 BIT(2), vb VARBIT,
  i2 SMALLINT, i4 INTEGER, i8 BIGINT, f4 REAL, f8 DOUBLE PRECISION,
  n32 NUMERIC(3,2), n64 NUMERIC(6,4), n4 NUMERIC(4), nv NUMERIC, m MONEY,
  c5 CHAR(5), vc VARCHAR(20), t TEXT, ba BYTEA,
  d DATE, tm3 TIME(3), tm TIME, ttz TIMETZ, ts3 TIMESTAMP(3), ts TIMESTAMP, tstz TIMESTAMPTZ,
  iv INTERVAL, u UUID, j JSON, jb JSONB, x XML,
  ip INET, cd CIDR, mac MACADDR, r INT4RANGE, p POINT, e color, h HSTORE,
  ia INT[], ca CHAR(10)[], na NUMERIC(10,2)[]
)"""

TYPES_ROW = """
INSERT INTO types VALUES (1,
  true, B'1', B'11', B'000000110000001000000001',
  1, 123456, 4000000000, 3.3, 4.44,
  1.1, 22.22, 10, 10.1111, '$1234.11',
  'abc', 'some text', 'text', '\\x010203',
  '2016-11-04', '13:51:30.123', '13:51:30', '13:51:30.123789+02', '2016-11-04 13:51:30.123',
  '2016-11-04 13:51:30.123456', '2016-11-04 13:51:30.123456+02',
  'P1Y2M3DT4H5M6.78S', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"bar": "baz"}', '{"bar": "baz"}', '<foo>bar</foo>',
  '192.168.2.0/12', '192.168.100.128/25', '08:00:2b:01:02:03', '[1000,6000)', '(1,1)', 'green', '"key"=>"val"',
  '{1,2,3}', '{"cone","ctwo"}', '{1.2,3.4}')"""


@pytest.mark.all_pg_versions
def test_type_mapping_end_to_end(pg, pgdb, worker):
    P = worker.t("fulfillment")
    conn, db = pgdb
    conn.cursor().execute(TYPES_DDL)
    conn.cursor().execute("ALTER TABLE types REPLICA IDENTITY FULL")
    start_connector(worker, pg, db)
    conn.cursor().execute(TYPES_ROW)
    conn.cursor().execute("UPDATE types SET t = 'changed' WHERE id = 1")
    conn.cursor().execute("DELETE FROM types WHERE id = 1")
    bs = worker.broker.bootstrap
    wait_for(lambda: len(records(bs, P + ".public.types")) == 4, 30, "insert, update, delete, tombstone")
    recs = records(bs, P + ".public.types")
    _, v = recs[0]
    after = v["payload"]["after"]
    expected = {
        "id": 1, "b": True, "bit1": True, "bit2": "Aw==", "vb": "AQID",
        "i2": 1, "i4": 123456, "i8": 4000000000, "f4": 3.3, "f8": 4.44,
        "n32": "bg==", "n64": "A2P4", "n4": "Cg==", "nv": {"scale": 4, "value": "AYr3"}, "m": "AeIT",
        "c5": "abc  ", "vc": "some text", "t": "text", "ba": "AQID",
        "d": 17109, "tm3": 49890123, "tm": 49890000000, "ttz": "11:51:30.123789Z", "ts3": 1478267490123,
        "ts": 1478267490123456, "tstz": "2016-11-04T11:51:30.123456Z",
        "iv": 37091106780000, "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "j": "{\"bar\": \"baz\"}",
        "jb": "{\"bar\": \"baz\"}", "x": "<foo>bar</foo>",
        "ip": "192.168.2.0/12", "cd": "192.168.100.128/25", "mac": "08:00:2b:01:02:03", "r": "[1000,6000)",
        "p": {"x": 1.0, "y": 1.0, "wkb": "AQEAAAAAAAAAAADwPwAAAAAAAPA/", "srid": None}, "e": "green",
        "h": "{\"key\":\"val\"}", "ia": [1, 2, 3], "ca": ["cone      ", "ctwo      "], "na": ["eA==", "AVQ="],
    }
    assert after == expected
    # The same values come back in the update's and the delete's before image (REPLICA IDENTITY FULL).
    assert recs[1][1]["payload"]["before"] == expected
    assert recs[1][1]["payload"]["after"] == dict(expected, t="changed")
    assert recs[2][1]["payload"]["before"] == dict(expected, t="changed")
    assert recs[2][1]["payload"]["op"] == "d" and recs[3][1] is None
    fields = {f["field"]: f for f in v["schema"]["fields"][1]["fields"]}
    assert fields["n32"] == {"type": "bytes", "optional": True, "name": "org.apache.kafka.connect.data.Decimal",
                             "version": 1, "parameters": {"scale": "2", "connect.decimal.precision": "3"},
                             "field": "n32"}
    assert fields["tstz"]["name"] == "io.debezium.time.ZonedTimestamp"
    assert fields["e"]["parameters"] == {"allowed": "red,green,blue"}
    assert fields["ia"] == {"type": "array", "items": {"type": "int32", "optional": True}, "optional": True, "field": "ia"}
    assert fields["id"]["optional"] is False


def test_replica_identity_index_and_nothing(pg, pgdb, worker):
    P = worker.t("fulfillment")
    conn, db = pgdb
    cur = conn.cursor()
    cur.execute("CREATE TABLE idx (id INT PRIMARY KEY, code TEXT NOT NULL, v TEXT)")
    cur.execute("CREATE UNIQUE INDEX idx_code ON idx (code)")
    cur.execute("ALTER TABLE idx REPLICA IDENTITY USING INDEX idx_code")
    cur.execute("CREATE TABLE nothing (id INT PRIMARY KEY, v TEXT)")
    cur.execute("ALTER TABLE nothing REPLICA IDENTITY NOTHING")
    start_connector(worker, pg, db)
    cur.execute("INSERT INTO idx VALUES (1, 'a', 'x')")
    cur.execute("UPDATE idx SET v = 'y' WHERE id = 1")       # identity unchanged: before null
    cur.execute("UPDATE idx SET code = 'b' WHERE id = 1")    # identity changed: a key change, as in Debezium
    cur.execute("DELETE FROM idx WHERE id = 1")              # before: identity columns, the rest null/fallback
    cur.execute("INSERT INTO nothing VALUES (1, 'x')")
    bs = worker.broker.bootstrap
    wait_for(lambda: len(records(bs, P + ".public.idx")) == 7, 30, "idx records")
    recs = records(bs, P + ".public.idx")
    # The key is still the primary key; an old identity tuple holds only the identity columns, so
    # the old key's id is the NOT NULL fallback 0, as in the before image. Debezium's
    # emitUpdateRecord compares that old key with the new one: the update of the identity column is
    # a key change (delete on {id: 0}, tombstone, create on {id: 1}). (Records of one key keep
    # their order.)
    by_id = [v for k, v in recs if k["payload"] == {"id": 1}]
    deleted = [v for k, v in recs if k["payload"] == {"id": 0}]
    assert [v["payload"]["op"] for v in by_id] == ["c", "u", "c"]
    assert by_id[1]["payload"]["before"] is None
    assert by_id[2]["payload"]["after"] == {"id": 1, "code": "b", "v": "y"}
    assert [v and v["payload"]["op"] for v in deleted] == ["d", None, "d", None]
    assert deleted[0]["payload"]["before"] == {"id": 0, "code": "a", "v": None}
    assert deleted[2]["payload"]["before"] == {"id": 0, "code": "b", "v": None}
    wait_for(lambda: len(records(bs, P + ".public.nothing")) == 1, 30, "nothing record")


def test_filtered_publication(pg, pgdb, worker):
    P = worker.t("fulfillment")
    conn, db = pgdb
    cur = conn.cursor()
    cur.execute("CREATE TABLE wanted (id INT PRIMARY KEY)")
    cur.execute("CREATE TABLE unwanted (id INT PRIMARY KEY)")
    start_connector(worker, pg, db, **{"publication.autocreate.mode": "filtered",
                                       "table.include.list": "public.wanted"})
    cur.execute("SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = 'dbz_publication'")
    assert [r[0] for r in cur.fetchall()] == ["public.wanted"]
    cur.execute("INSERT INTO unwanted VALUES (1)")
    cur.execute("INSERT INTO wanted VALUES (1)")
    bs = worker.broker.bootstrap
    wait_for(lambda: len(records(bs, P + ".public.wanted")) == 1, 30, "wanted record")
    assert records(bs, P + ".public.unwanted") == []


def test_slot_drop_on_stop(pg, pgdb, worker):
    conn, db = pgdb
    slot = "s_" + db
    start_connector(worker, pg, db, **{"slot.drop.on.stop": "true"})
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s", (slot,))
    assert cur.fetchone()[0] == 1
    assert worker.request("DELETE", "/connectors/inventory")[0] == 204
    def gone():
        cur.execute("SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s", (slot,))
        return cur.fetchone()[0] == 0
    wait_for(gone, 30, "the slot to be dropped")


def test_message_key_columns_and_keyless_tables(pg, pgdb, worker):
    P = worker.t("fulfillment")
    conn, db = pgdb
    cur = conn.cursor()
    cur.execute("CREATE TABLE coded (id INT PRIMARY KEY, code TEXT NOT NULL)")
    cur.execute("CREATE TABLE keyless (v TEXT)")
    start_connector(worker, pg, db, **{"message.key.columns": "public.coded:code"})
    cur.execute("INSERT INTO coded VALUES (1, 'abc')")
    cur.execute("INSERT INTO keyless VALUES ('x')")
    bs = worker.broker.bootstrap
    wait_for(lambda: records(bs, P + ".public.coded") and records(bs, P + ".public.keyless"), 30, "records")
    k, _ = records(bs, P + ".public.coded")[0]
    assert k == {"schema": {"type": "struct", "fields": [{"type": "string", "optional": False, "field": "code"}],
                            "optional": False, "name": P + ".public.coded.Key"}, "payload": {"code": "abc"}}
    k, v = records(bs, P + ".public.keyless")[0]
    assert k is None and v["payload"]["after"] == {"v": "x"}


def test_java_regex_lookarounds_in_filter_lists(pg, pgdb, worker):
    """Debezium's filter lists are java.util.regex patterns: a negative lookahead in
    table.include.list and a lookbehind with a possessive quantifier in column.exclude.list pick
    the tables and columns of the snapshot, the filtered publication and the stream."""
    P = worker.t("fulfillment")
    conn, db = pgdb
    cur = conn.cursor()
    for t in ("orders", "audit_log", "audit"):
        cur.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, note_secret TEXT, note TEXT)")
        cur.execute(f"INSERT INTO {t} VALUES (1, 's', 'n')")
    start_connector(worker, pg, db, **{"snapshot.mode": "initial", "publication.autocreate.mode": "filtered",
                                       "table.include.list": r"public\.(?!audit_).*",
                                       "column.exclude.list": r"public\.\w++\.\w++(?<=_secret)"})
    cur.execute("SELECT schemaname || '.' || tablename FROM pg_publication_tables "
                "WHERE pubname = 'dbz_publication' ORDER BY 1")
    assert [r[0] for r in cur.fetchall()] == ["public.audit", "public.orders"]
    for t in ("orders", "audit_log", "audit"):
        cur.execute(f"INSERT INTO {t} VALUES (2, 's', 'n')")
    bs = worker.broker.bootstrap
    for t in ("orders", "audit"):
        topic = f"{P}.public.{t}"
        wait_for(lambda: len(records(bs, topic)) >= 2, 30, f"{t}: a snapshot and a streamed record")
        # keyed by id: two partitions may hold them, so in id order
        got = sorted((v["payload"]["op"], v["payload"]["after"]) for _, v in records(bs, topic))
        assert got == [("c", {"id": 2, "note": "n"}), ("r", {"id": 1, "note": "n"})]
    assert records(bs, f"{P}.public.audit_log") == []
