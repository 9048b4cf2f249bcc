"""The PostgreSQL source connector against a real PostgreSQL 15 (logical replication, pgoutput)
and the test broker: Debezium-compatible events, offsets, confirmed LSNs, restarts, failures."""
import json
import uuid

import pytest

from conftest import wait_for
from kafka_util import read_topic
from test_rest_api import wait_state

PG = "io.debezium.connector.postgresql.PostgresConnector"


@pytest.fixture
def pgdb(pg):
    """A fresh database in the session's PostgreSQL; its slots and the database are dropped after
    the test (the worker fixture, set up later, has stopped connectd by then)."""
    name = "db_" + uuid.uuid4().hex[:10]
    admin = pg.connect()
    admin.cursor().execute(f"CREATE DATABASE {name}")
    conn = pg.connect(name)
    try:
        yield conn, name
    finally:
        conn.close()
        cur = admin.cursor()
        cur.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
                    "WHERE database = %s AND active_pid IS NOT NULL", (name,))
        cur.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                    "WHERE database = %s", (name,))
        cur.execute(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


def pg_config(pg, dbname, **extra):
    cfg = {"connector.class": PG, "database.hostname": pg.host, "database.port": str(pg.port),
           "database.user": "postgres", "database.password": "unused", "database.dbname": dbname,
           "topic.prefix": "fulfillment", "plugin.name": "pgoutput", "slot.name": "s_" + dbname,
           "snapshot.mode": "no_data"}
    cfg.update(extra)
    return cfg


def records(bootstrap, topic):
    out = []
    for (_, _, k, v) in read_topic(bootstrap, topic):
        out.append((json.loads(k) if k else None, json.loads(v) if v else None))
    return out


def start_connector(worker, pg, dbname, name="inventory", **extra):
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


def test_insert_update_delete_events(pg, pgdb, worker):
    conn, db = pgdb
    conn.cursor().execute(CUSTOMERS)
    start_connector(worker, pg, db)
    cur = conn.cursor()
    cur.execute("INSERT INTO customers (first_name, last_name, email) VALUES ('Anne', 'Kretchmar', 'annek@noanswer.org')")
    cur.execute("UPDATE customers SET first_name = 'Anne Marie' WHERE id = 1")
    cur.execute("DELETE FROM customers WHERE id = 1")
    topic = "fulfillment.public.customers"
    wait_for(lambda: len(records(worker.broker.bootstrap, topic)) == 4, 30, "4 records")
    recs = records(worker.broker.bootstrap, topic)
    key_schema = {"type": "struct", "fields": [{"type": "int32", "optional": False, "default": 0, "field": "id"}],
                  "optional": False, "name": "fulfillment.public.customers.Key"}
    for k, _ in recs:
        assert k == {"schema": key_schema, "payload": {"id": 1}}
    (_, c), (_, u), (_, d), (_, tomb) = recs
    assert tomb is None
    row_fields = [{"type": "int32", "optional": False, "default": 0, "field": "id"},
                  {"type": "string", "optional": False, "field": "first_name"},
                  {"type": "string", "optional": False, "field": "last_name"},
                  {"type": "string", "optional": False, "field": "email"}]
    schema = c["schema"]
    assert schema["name"] == "fulfillment.public.customers.Envelope" and schema["version"] == 2
    assert [f["field"] for f in schema["fields"]] == ["before", "after", "source", "transaction", "op",
                                                      "ts_ms", "ts_us", "ts_ns"]
    assert schema["fields"][0] == {"type": "struct", "fields": row_fields, "optional": True,
                                   "name": "fulfillment.public.customers.Value", "field": "before"}
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
        ("postgresql", "fulfillment", db, "public", "customers", "false", None)
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
    assert o["partition"] == {"server": "fulfillment"}
    off = o["offset"]
    assert {"lsn", "lsn_proc", "lsn_commit", "txId", "ts_usec"} <= set(off)
    assert all(isinstance(off[k], int) for k in ("lsn", "lsn_proc", "lsn_commit", "txId", "ts_usec"))
    wait_for(lambda: (slot_confirmed(pg, "s_" + db) or 0) >= off["lsn_commit"], 30, "confirmed_flush_lsn to advance")


def test_restart_resumes_without_repeats(pg, pgdb, worker):
    conn, db = pgdb
    conn.cursor().execute(CUSTOMERS)
    start_connector(worker, pg, db)
    cur = conn.cursor()
    for i in range(5):
        cur.execute("INSERT INTO customers (first_name, last_name, email) VALUES (%s, 'x', 'y')", (f"n{i}",))
    topic = "fulfillment.public.customers"
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
    conn, db = pgdb
    conn.cursor().execute("CREATE TABLE holding (id INT PRIMARY KEY, v TEXT)")
    conn.cursor().execute("CREATE TABLE other (id INT PRIMARY KEY)")
    cfg = pg_config(pg, db)
    del cfg["topic.prefix"]
    cfg.update({"database.server.name": "dbserver1", "table.whitelist": "public.holding"})
    status, body, _ = worker.request("POST", "/connectors", {"name": "old", "config": cfg})
    assert status == 201, body
    wait_state(worker, "old", "RUNNING", ["RUNNING"])
    conn.cursor().execute("INSERT INTO other VALUES (1)")
    conn.cursor().execute("INSERT INTO holding VALUES (1, 'x')")
    wait_for(lambda: len(records(worker.broker.bootstrap, "dbserver1.public.holding")) == 1, 30, "holding record")
    assert records(worker.broker.bootstrap, "dbserver1.public.other") == []


def test_unknown_user_fails_with_a_clear_message(pg, pgdb, worker):
    _, db = pgdb
    cfg = pg_config(pg, db, **{"database.user": "nobody_here"})
    status, body, _ = worker.request("POST", "/connectors", {"name": "bad", "config": cfg})
    assert status == 201
    st = wait_state(worker, "bad", "RUNNING", ["FAILED"], timeout=60)
    assert 'role "nobody_here" does not exist' in st["tasks"][0]["trace"]
