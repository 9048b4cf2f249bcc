"""One instance of a task at a time, and offset commits that never land out of order.

A task told to stop (restart, new config, STOPPED, deletion) that does not stop within its grace
(task.shutdown.graceful.timeout.ms + offset.flush.timeout.ms + 1 s) is cancelled: it commits
nothing any more, and a new instance of it starts only once the old thread has ended, without the
herder or other connectors waiting for it. A PostgreSQL connector whose database hangs (a TCP
listener that accepts and never answers, or a proxy to a real PostgreSQL that the test makes hang)
is such a task. The worker log tells when each instance began ("<task> Executing task") and ended
("<task> Task stopped" / "<task> Cancelled task has ended").

An offsets change right after a stop (PUT .../stop then DELETE or PATCH .../offsets, as Strimzi and
kcctl do it) waits for the stop to have taken effect, so that the stopping task's last commit
cannot land after it: a 200 means the new offsets stick, and the connector resumes from them."""
import json
import re
import signal
import socket
import threading
import uuid

import pytest
from confluent_kafka import Consumer, TopicPartition

from conftest import wait_for
from kafka_util import read_topic
from test_postgres import PG, pg_config, pgdb  # noqa: F401 (pgdb is a fixture)
from test_rest_api import SRC, create, wait_state

# A grace of 1 + 1 + 1 = 3 s, so that a stuck task is cancelled soon.
SHORT_GRACE = ["-D", "task.shutdown.graceful.timeout.ms=1000", "-D", "offset.flush.timeout.ms=1000"]


class Proxy:
    """A TCP proxy to target (host, port), or to nothing, that a test can make hang: in "hold"
    mode new connections are accepted and never answered (a database that hangs), in "forward"
    mode they are proxied. cut() closes the proxied connections, release() the held ones (the
    client then sees the connection closed)."""

    def __init__(self, target=None, mode="hold", forward_app=None):
        """forward_app: in hold mode, a PostgreSQL connection whose startup message names that
        application_name is proxied all the same (the connector's validation connection: a
        database must answer it for a create to pass, as with Debezium). Needs sslmode=disable,
        so that the startup message comes first."""
        self.target, self.mode, self.forward_app = target, mode, forward_app
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.held, self.pairs = [], []
        self.accepted = 0
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.accepted += 1
                hold = self.mode == "hold" or not self.target
                if hold and not (self.forward_app and self.target):
                    self.held.append(conn)
                    continue
            if hold:
                threading.Thread(target=self._hold_unless_app, args=(conn,), daemon=True).start()
            else:
                self._forward(conn, b"")

    def _hold_unless_app(self, conn):
        """Reads the startup message; proxies the connection if it names forward_app, else holds
        it (the bytes read are not answered, as a hung server would not)."""
        data = b""
        try:
            while len(data) < 4 or len(data) < int.from_bytes(data[:4], "big"):
                chunk = conn.recv(65536)
                if not chunk:
                    conn.close()
                    return
                data += chunk
        except OSError:
            conn.close()
            return
        if b"application_name\x00" + self.forward_app.encode() + b"\x00" in data:
            self._forward(conn, data)
            return
        with self.lock:
            self.held.append(conn)

    def _forward(self, conn, first):
        try:
            up = socket.create_connection(self.target)
            up.sendall(first)
        except OSError:
            conn.close()
            return
        with self.lock:
            self.pairs.append((conn, up))
        for a, b in ((conn, up), (up, conn)):
            threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def hold(self):
        with self.lock:
            self.mode = "hold"

    def forward(self):
        with self.lock:
            self.mode = "forward"

    def cut(self):
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def release(self):
        with self.lock:
            held, self.held = self.held, []
        for s in held:
            s.close()

    def holding(self):
        with self.lock:
            return len(self.held)

    def close(self):
        self.listener.close()
        self.release()
        self.cut()


def instances(output, task):
    """Checks that the log never shows two live instances of the task; returns how many began."""
    began = ended = 0
    pat = re.compile(re.escape(task) + r" (Executing task|Task stopped|Cancelled task has ended|"
                     r"Task threw an uncaught)")
    for m in pat.finditer(output):
        if m.group(1) == "Executing task":
            began += 1
        else:
            ended += 1
        assert began - ended <= 1, f"two instances of {task} at once:\n{output}"
    return began


def barrier(w):
    """GET /health runs a no-op through the herder's loop: what was written before it, the herder
    has acted on when it answers."""
    assert w.get("/health")[0] == 200


def short_grace_worker(worker):
    assert worker.stop() == 0
    return worker.restart(args=SHORT_GRACE)


def hung_config(port, dbname="postgres"):
    return {"connector.class": PG, "database.hostname": "127.0.0.1", "database.port": str(port),
            "database.user": "postgres", "database.password": "unused", "database.dbname": dbname,
            "topic.prefix": "hung", "plugin.name": "pgoutput", "slot.name": "s_hung",
            "snapshot.mode": "no_data", "slot.max.retries": "1000", "slot.retry.delay.ms": "100",
            "database.sslmode": "disable"}


def hung_database(pg):
    """A database that accepts connections and never answers them, but answers the connector's
    validation connection (the PostgreSQL behind it), so that a create passes as with Debezium."""
    return Proxy((pg.host, pg.port), forward_app="Debezium Validate Connection")


@pytest.mark.brokers("mock")
def test_a_task_that_does_not_stop_in_time_is_never_run_twice(pg, worker, tmp_path):
    hole = hung_database(pg)
    try:
        w = short_grace_worker(worker)
        create(w, "hung", hung_config(hole.port))
        wait_for(lambda: hole.holding() >= 1, 30, "the task to connect to the hung database")
        assert instances(w.output(), "hung-0") == 1

        # The restart answers once the old instance was cancelled (its grace is 3 s); the new one
        # waits for the old thread, which is still inside libpq.
        assert w.request("POST", "/connectors/hung/tasks/0/restart", timeout=60)[0] == 204
        st = wait_for(lambda: (lambda b: b if b.get("state") == "RESTARTING" else None)(
            w.get("/connectors/hung/tasks/0/status")[1]), 30, "the task to be RESTARTING")
        assert "did not stop within 3000 ms and was cancelled" in st["trace"], st
        assert "hung-0 Graceful stop of task failed" in w.output()
        # Whatever else asks for the task meanwhile does not start a second instance either, nor
        # holds up the herder or another connector.
        assert w.request("POST", "/connectors/hung/restart?includeTasks=true")[0] == 202
        status, _, _ = w.request("PUT", "/connectors/hung/config", dict(hung_config(hole.port), **{"poll.interval.ms": "600"}))
        assert status == 200
        create(w, "other", {"connector.class": SRC, "file": str(tmp_path / "o.txt"), "topic": "o"})
        wait_state(w, "other", "RUNNING", ["RUNNING"])
        barrier(w)
        assert instances(w.output(), "hung-0") == 1

        # The old thread comes back (its connection is closed): it commits nothing, ends, and
        # exactly one new instance starts, with the latest config.
        hole.release()
        w.wait_output(r"hung-0 Cancelled task has ended", 60)
        wait_for(lambda: instances(w.output(), "hung-0") == 2, 60, "the new instance")
        wait_for(lambda: hole.holding() >= 1, 30, "the new instance to connect")
        barrier(w)
        assert instances(w.output(), "hung-0") == 2

        # Deleted while stuck: the status goes; the thread, once back, writes none.
        assert w.request("DELETE", "/connectors/hung")[0] == 204
        wait_for(lambda: w.get("/connectors/hung/status")[0] == 404, 30, "the status to go")
        hole.release()
        wait_for(lambda: re.search(r"hung-0 (Task stopped|Cancelled task has ended)",
                                   w.output().split("Executing task")[-1]), 60, "the thread to end")
        barrier(w)
        assert w.get("/connectors/hung/status")[0] == 404
        assert instances(w.output(), "hung-0") == 2
    finally:
        hole.close()


@pytest.mark.brokers("mock")
def test_shutdown_with_a_stuck_task_exits_without_touching_freed_memory(pg, worker):
    hole = hung_database(pg)
    try:
        w = short_grace_worker(worker)
        create(w, "hung", hung_config(hole.port))
        wait_for(lambda: hole.holding() >= 1, 30, "the task to connect to the hung database")
        w.proc.send_signal(signal.SIGTERM)
        # The worker gives up on the task at the end of its grace; then the task comes back, while
        # the worker exits: it must find what it uses still there.
        w.wait_output(r"hung-0 Graceful stop of task failed", 60)
        hole.release()
        assert w.wait_exit(60) == 0
        out = w.output()
        # Almost always the worker gives up on the thread first; on a loaded machine the thread
        # can come back between the worker's log line and its check, and then it is reaped as
        # usual. Either way the worker exits cleanly.
        assert ("hung-0 Task thread has still not ended; the worker exits without it" in out
                or "hung-0 Cancelled task has ended" in out), out
        assert "Kafka Connect stopped" in out
        # (the connectd fixture fails the test on any sanitizer report)
    finally:
        hole.close()


def offsets_records(bootstrap, topic, connector):
    """Every offset record of the connector, in the order of the offsets topic (one partition per
    key, so in the order written), as (key, value or None)."""
    out = []
    for (_, _, k, v) in read_topic(bootstrap, topic, timeout=30):
        if k and json.loads(k)[0] == connector:
            out.append((k, json.loads(v) if v else None))
    return out


def test_restart_of_a_task_stuck_on_its_database(pg, pgdb, worker):  # noqa: F811
    """A PostgreSQL task loses its replication connection and hangs reconnecting (the database
    stops answering) while it is restarted, again and again, under a stream of changes: never two
    instances, the slot is never fought over, every committed row arrives, and the committed
    offsets only ever move forward."""
    conn, dbname = pgdb
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE TABLE items (id SERIAL PRIMARY KEY, v TEXT)")
    proxy = Proxy((pg.host, pg.port), mode="forward")
    try:
        w = short_grace_worker(worker)
        prefix = w.t("stuck")
        status, body, _ = w.request("POST", "/connectors", {"name": "stuck", "config": pg_config(
            pg, dbname, prefix=prefix, **{"database.hostname": "127.0.0.1", "database.port": str(proxy.port),
                                          "slot.max.retries": "1000", "slot.retry.delay.ms": "100"})})
        assert status == 201, body
        wait_state(w, "stuck", "RUNNING", ["RUNNING"])
        topic = f"{prefix}.public.items"
        rows = 0

        def insert(n):
            nonlocal rows
            for _ in range(n):
                cur.execute("INSERT INTO items (v) VALUES ('x')")
            rows += n

        def arrived():
            return {json.loads(v)["payload"]["after"]["id"] for (_, _, _, v) in read_topic(w.broker.bootstrap, topic) if v}

        for i in range(3):
            insert(20)
            wait_for(lambda: set(range(1, rows + 1)) <= arrived(), 60, "the rows so far")
            # The database stops answering new connections, and the stream breaks: the task
            # reconnects and hangs in libpq.
            proxy.hold()
            held = proxy.holding()
            proxy.cut()
            wait_for(lambda: proxy.holding() > held, 30, "the task to hang reconnecting")
            insert(10)  # committed while the task cannot see them
            assert w.request("POST", "/connectors/stuck/tasks/0/restart", timeout=60)[0] == 204
            wait_for(lambda: w.get("/connectors/stuck/tasks/0/status")[1]["state"] == "RESTARTING", 30,
                     "the task to be RESTARTING")
            assert instances(w.output(), "stuck-0") == i + 1
            proxy.forward()
            proxy.release()  # the old thread comes back: it ends, then the new instance starts
            wait_for(lambda: instances(w.output(), "stuck-0") == i + 2, 60, "the new instance")
            wait_state(w, "stuck", "RUNNING", ["RUNNING"], timeout=60)
        insert(20)
        wait_for(lambda: set(range(1, rows + 1)) <= arrived(), 90, "every row")
        assert w.request("PUT", "/connectors/stuck/stop")[0] == 204
        wait_for(lambda: re.search(r"stuck-0 Task stopped", w.output().split("Executing task")[-1]),
                 60, "the last instance to stop")
        instances(w.output(), "stuck-0")
        assert "is active for PID" not in w.output()  # the slot was never fought over
        # The committed offsets never went back, and the last one is what GET shows.
        recs = offsets_records(w.broker.bootstrap, w.names.offsets, "stuck")
        lsns = [v["lsn_proc"] if "lsn_proc" in v else v["lsn"] for (_, v) in recs if v]
        assert lsns and lsns == sorted(lsns), lsns
        assert w.get("/connectors/stuck/offsets")[1]["offsets"][0]["offset"] == recs[-1][1]
    finally:
        proxy.close()


def end_offset(bootstrap, topic):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "end-" + uuid.uuid4().hex})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1]
    finally:
        c.close()


def record_at(bootstrap, topic, offset):
    """The value of the record at offset of partition 0."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "at-" + uuid.uuid4().hex,
                  "enable.auto.commit": False, "fetch.wait.max.ms": 20})
    try:
        c.assign([TopicPartition(topic, 0, offset)])
        m = wait_for(lambda: (lambda m: m if m is not None and not m.error() else None)(c.poll(0.2)),
                     30, f"the record at offset {offset} of {topic}")
        assert m.offset() == offset
        return m.value()
    finally:
        c.close()


class Lines:
    """A thread appending numbered lines ("n:<i>") to a file until stop()."""

    def __init__(self, path):
        self.path, self.n = path, 0
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        path.write_text("")
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.wait(0.1):
            with self.lock, open(self.path, "a") as f:
                f.write("".join(f"n:{self.n + i}\n" for i in range(20)))
                self.n += 20

    def position_of(self, i):
        """The byte position where line i begins."""
        with open(self.path, "rb") as f:
            data = f.read()
        pos = 0
        for _ in range(i):
            pos = data.index(b"\n", pos) + 1
        return pos

    def stop(self):
        self.stopping.set()
        self.thread.join(10)


def test_stop_then_offsets_change_sticks(worker, tmp_path):
    """PUT /stop followed at once by DELETE or PATCH /offsets, again and again, on a source
    connector reading a file that keeps growing: every 200 holds (GET /offsets and the offsets
    topic say what was written once the task has surely ended), and the connector resumes from
    there."""
    bs = worker.broker.bootstrap
    topic = worker.t("grow")
    if worker.broker.kind == "kafka":  # one partition: the records in the order produced
        worker.broker.create_topic(topic, 1)
    else:
        assert worker.broker.command(f"topic {topic} 1") == "OK"
    f = tmp_path / "grow.txt"
    lines = Lines(f)
    part = {"filename": str(f)}
    try:
        create(worker, "grow", {"connector.class": SRC, "file": str(f), "topic": topic, "batch.size": "100"})
        wait_state(worker, "grow", "RUNNING", ["RUNNING"])
        iterations = 16
        for i in range(iterations):
            # Under load: the task is sending when it is told to stop.
            seen = end_offset(bs, topic)
            wait_for(lambda: end_offset(bs, topic) > seen + 50, 60, "the task to be sending")
            ended = worker.output().count("grow-0 Task stopped")
            assert worker.request("PUT", "/connectors/grow/stop")[0] == 204
            if i % 4 == 0:  # (each reset sends the whole file again: not too often)
                expected, first = None, 0
                status, body, _ = worker.request("DELETE", "/connectors/grow/offsets", timeout=60)
            else:
                first = max(0, lines.n - 200)
                expected = {"position": lines.position_of(first)}
                status, body, _ = worker.request("PATCH", "/connectors/grow/offsets",
                                                 {"offsets": [{"partition": part, "offset": expected}]}, timeout=60)
            assert status == 200, body
            # Once the task has surely ended, the offsets are still what was written.
            wait_for(lambda: worker.output().count("grow-0 Task stopped") > ended, 60, "the task to end")
            barrier(worker)
            got = worker.get("/connectors/grow/offsets")[1]["offsets"]
            assert got == ([] if expected is None else [{"partition": part, "offset": expected}]), (i, got)
            recs = offsets_records(bs, worker.names.offsets, "grow")
            assert recs[-1][1] == expected, (i, recs[-3:])
            # Resumed, the task starts from there: its first record is line `first`.
            end = end_offset(bs, topic)
            assert worker.request("PUT", "/connectors/grow/resume")[0] == 202
            wait_for(lambda: end_offset(bs, topic) > end, 60, "records after the resume")
            assert json.loads(record_at(bs, topic, end))["payload"] == f"n:{first}", i
        instances(worker.output(), "grow-0")
    finally:
        lines.stop()
