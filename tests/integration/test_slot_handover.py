"""A PostgreSQL task taken over from another worker waits for its replication slot.

The slot has one reader at a time. When a task moves to this worker (the other one died, or gave it
away), the previous instance's walsender may still hold the slot until PostgreSQL notices that its
client is gone. The status topic tells the new owner that another worker ran the task before (its
last status record names that worker); while the task has not yet had the slot in this run, a slot
found active is waited for, however long, instead of failing after slot.max.retries. Once it had the
slot, or without a previous worker, Debezium's rule holds: slot.max.retries attempts, then FAILED
(test_postgres.py::test_slot_held_by_another_client covers a task without any previous status).

Here the "previous instance" is a replication connection of the test's own that holds the slot, and
the status record of the other worker is written into the status topic as Kafka Connect writes it."""
import json
import re

import psycopg2
import psycopg2.extras

from conftest import free_port, wait_for
from kafka_util import produce, read_topic
from test_postgres import pg_config, pgdb  # noqa: F401 (pgdb is a fixture)
from test_rest_api import wait_state

OTHER = "other-host:8083"
PUBLICATION = "dbz_publication"


def say_task_ran_on(worker, name, worker_id, **restart):
    """Writes task <name>-0's status record as the worker worker_id would (RUNNING, in Kafka
    Connect's format), then starts connectd again so that it has read it when the task starts."""
    value = {"state": "RUNNING", "trace": None, "worker_id": worker_id, "generation": 0,
             "version": "3.4.3.Final"}
    produce(worker.broker.bootstrap, worker.names.status, [(f"status-task-{name}-0", json.dumps(value))])
    assert worker.stop() == 0
    return worker.restart(**restart)


class SlotHolder:
    """A replication connection of the test's own that reads from the slot: the previous owner."""

    def __init__(self, pg, db):
        self.conn = psycopg2.connect(pg.dsn(db), connection_factory=psycopg2.extras.LogicalReplicationConnection)
        self.cur = self.conn.cursor()

    def start(self, slot):
        """Takes the slot; False when it is active for someone else."""
        try:
            self.cur.start_replication(slot_name=slot, decode=False,
                                       options={"proto_version": "1", "publication_names": PUBLICATION})
            return True
        except psycopg2.errors.ObjectInUse:
            return False

    def close(self):
        self.conn.close()


def active_pid(admin, slot):
    cur = admin.cursor()
    cur.execute("SELECT active_pid FROM pg_replication_slots WHERE slot_name = %s", (slot,))
    row = cur.fetchone()
    return row[0] if row else None


def setup_database(conn, pg, db):
    """A table, the publication and the slot (made by the holder, which then holds it)."""
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE TABLE items (id SERIAL PRIMARY KEY, v TEXT)")
    cur.execute(f"CREATE PUBLICATION {PUBLICATION} FOR ALL TABLES")
    holder = SlotHolder(pg, db)
    slot = "s_" + db
    holder.cur.create_replication_slot(slot, output_plugin="pgoutput")
    assert holder.start(slot)
    return cur, holder, slot


def waiting_lines(output, slot, pid):
    return re.findall(rf"Replication slot '{slot}' is still held by PID {pid}, most likely by this task's "
                      rf"previous instance on worker {OTHER}; waiting for it to be released", output)


def test_new_owner_waits_for_the_slot_and_loses_nothing(pg, pgdb, worker):  # noqa: F811
    conn, db = pgdb
    cur, holder, slot = setup_database(conn, pg, db)
    admin = pg.connect(db)
    grabber = None
    try:
        pid = active_pid(admin, slot)
        assert pid
        rows = 0

        def insert(n):
            nonlocal rows
            for _ in range(n):
                cur.execute("INSERT INTO items (v) VALUES ('x')")
            rows += n

        insert(10)  # before the new owner starts
        w = say_task_ran_on(worker, "taken", OTHER)
        prefix = w.t("taken")
        retries = {"slot.max.retries": "2", "slot.retry.delay.ms": "300"}
        status, body, _ = w.request("POST", "/connectors", {"name": "taken", "config": pg_config(
            pg, db, prefix=prefix, **retries)})
        assert status == 201, body
        w.wait_output(r"taken-0 The task ran on worker other-host:8083 before", 30)

        # Held for far longer than slot.max.retries x slot.retry.delay.ms (0.6 s): the task waits,
        # saying so at each attempt, and stays RUNNING, while rows keep coming.
        for target in (4, 8, 12, 16):
            wait_for(lambda: len(waiting_lines(w.output(), slot, pid)) >= target, 30,
                     f"{target} waiting messages")
            insert(5)
            assert w.get("/connectors/taken/tasks/0/status")[1]["state"] == "RUNNING"
        assert active_pid(admin, slot) == pid  # still the holder's: nothing was streamed yet
        assert "taken-0 Task threw an uncaught" not in w.output()

        holder.close()  # the previous instance's connection goes away
        insert(10)
        topic = f"{prefix}.public.items"

        def arrived():
            return [json.loads(v)["payload"]["after"]["id"] for (_, _, _, v) in read_topic(w.broker.bootstrap, topic)
                    if v]

        wait_for(lambda: set(arrived()) >= set(range(1, rows + 1)), 60, "every row inserted")
        assert set(arrived()) == set(range(1, rows + 1))
        w.wait_output(rf"Replication slot '{slot}' was released after \d+ ms; the task goes on", 10)
        assert w.get("/connectors/taken/tasks/0/status")[1]["state"] == "RUNNING"
        waited = len(waiting_lines(w.output(), slot, pid))

        # Once the task had the slot, a slot found active is someone else's: Debezium's rule again.
        # The task's connection is ended and another client takes the slot before the task is back.
        grabber = SlotHolder(pg, db)

        def grab():
            admin.cursor().execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
                                   "WHERE slot_name = %s AND active_pid IS NOT NULL", (slot,))
            return grabber.start(slot)

        wait_for(grab, 30, "the other client to take the slot", interval=0.02)
        st = wait_state(w, "taken", "RUNNING", ["FAILED"], timeout=60)
        trace = st["tasks"][0]["trace"]
        assert f"is active for PID {active_pid(admin, slot)}" in trace, trace
        assert "please make sure to use a distinct replication slot name for each" in trace
        assert len(waiting_lines(w.output(), slot, pid)) == waited
        assert not re.search(rf"Replication slot '{slot}' is still held by PID (?!{pid}\b)", w.output())
    finally:
        holder.close()
        if grabber:
            grabber.close()
        admin.close()


def test_stop_while_waiting_for_the_slot_is_prompt(pg, pgdb, worker):  # noqa: F811
    conn, db = pgdb
    cur, holder, slot = setup_database(conn, pg, db)
    admin = pg.connect(db)
    try:
        pid = active_pid(admin, slot)
        w = say_task_ran_on(worker, "taken", OTHER)
        # A retry a minute away: a stop that waited for it would not end within the deadline below.
        status, body, _ = w.request("POST", "/connectors", {"name": "taken", "config": pg_config(
            pg, db, prefix=w.t("taken"), **{"slot.max.retries": "2", "slot.retry.delay.ms": "60000"})})
        assert status == 201, body
        wait_for(lambda: waiting_lines(w.output(), slot, pid), 30, "the task to wait for the slot")
        assert w.request("PUT", "/connectors/taken/stop")[0] == 204
        w.wait_output(r"taken-0 Task stopped", 15)
        assert "taken-0 Graceful stop of task failed" not in w.output()
        assert active_pid(admin, slot) == pid
    finally:
        holder.close()
        admin.close()


def test_a_status_of_this_worker_is_no_handover(pg, pgdb, worker):  # noqa: F811
    """The last status record is this worker's own: no previous worker, Debezium's rule."""
    conn, db = pgdb
    cur, holder, slot = setup_database(conn, pg, db)
    try:
        port = free_port()
        w = say_task_ran_on(worker, "mine", f"127.0.0.1:{port}", port=port)
        assert f"(worker id 127.0.0.1:{port})" in w.output()
        status, body, _ = w.request("POST", "/connectors", {"name": "mine", "config": pg_config(
            pg, db, prefix=w.t("mine"), **{"slot.max.retries": "2", "slot.retry.delay.ms": "300"})})
        assert status == 201, body
        st = wait_state(w, "mine", "RUNNING", ["FAILED"], timeout=60)
        assert "is active for PID" in st["tasks"][0]["trace"]
        out = w.output()
        assert "most likely by this task's previous instance" not in out
        assert "mine-0 The task ran on worker" not in out
    finally:
        holder.close()
