#!/usr/bin/python3
"""bench_postgres.py - the end-to-end PostgreSQL benchmark: changes per second from COMMIT in
PostgreSQL to acknowledgement by Kafka through connectd, beside pg_recvlogical decoding the same
WAL to /dev/null in the same run. The ratio of the two is the figure.

Run with Debian's /usr/bin/python3 after `make all` (release build/connectd and build/test-broker):
    /usr/bin/python3 bench/bench_postgres.py [ROWS]      (or BENCH_ROWS=ROWS; default 200000)
BENCH_WARMUP=0 skips the warm-up row, to see what a freshly started worker does.
BENCH_TXN_ROWS=N sets the rows per transaction (default 1000); with N = ROWS the whole load is one
transaction, and the peak RSS shows whether the worker holds it in memory.
BENCH_FLATTEN=1 flattens the events with ExtractNewRecordState (transforms=unwrap).

It starts what it needs the way the integration tests do (it reuses tests/integration/conftest.py):
a throwaway PostgreSQL cluster, the test broker (librdkafka's mock cluster: "acknowledged by Kafka"
here means appended by the mock broker, which costs far less than a real one) and connectd, and
always stops them. One warm-up row goes through first; then the pg_recvlogical slot is created, so
it and connectd's slot hold exactly the WAL of the measured inserts. connectd streams while the
inserts run; pg_recvlogical runs after connectd is done, never at the same time, so that neither
takes CPU from the other.
"""
import os
import pathlib
import shutil
import subprocess
import sys
import time
import traceback

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONNECTD_BIN = str(ROOT / "build/connectd")
TEST_BROKER_BIN = str(ROOT / "build/test-broker")

# conftest reads these when imported; the benchmark measures the release build, never the
# sanitizer build the tests use.
os.environ["CONNECTD_BIN"] = CONNECTD_BIN
os.environ["TEST_BROKER_BIN"] = TEST_BROKER_BIN
sys.path.insert(0, str(ROOT / "tests/integration"))
import conftest  # noqa: E402  (needs python3-pytest, as the tests do)
import pytest  # noqa: E402

conftest.CONNECTD_BIN = CONNECTD_BIN
conftest.TEST_BROKER_BIN = TEST_BROKER_BIN

TOPIC = "bench.public.bench"
# Rows per transaction; BENCH_TXN_ROWS=ROWS puts everything in one transaction, to see that a
# large transaction streams through without the worker holding it in memory (peak RSS).
TXN_ROWS = int(os.environ.get("BENCH_TXN_ROWS", "1000"))
CONNECTOR = {
    "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
    "database.hostname": "127.0.0.1",
    "database.user": "postgres",
    "database.dbname": "postgres",
    "topic.prefix": "bench",
    "plugin.name": "pgoutput",
    "slot.name": "bench",
    "snapshot.mode": "no_data",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
}
# BENCH_FLATTEN=1: the connector flattens its events with Debezium's ExtractNewRecordState, to
# compare a flattened stream's figures with the raw one's (run it twice, with and without).
if os.environ.get("BENCH_FLATTEN", "0") != "0":
    CONNECTOR.update({"transforms": "unwrap",
                      "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState"})


class BenchError(Exception):
    pass


def wait_until(predicate, timeout, what, interval=0.05):
    """Polls predicate until it returns a true value; raises BenchError at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def rows_from_args():
    raw = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_ROWS", "200000")
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n <= 0:
        raise BenchError(f"the row count must be a positive integer, not {raw!r} "
                         "(give it as the first argument or in BENCH_ROWS)")
    return n


def proc_status(pid, field):
    """A field of /proc/PID/status in kB (VmHWM, VmRSS), or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_seconds(pid):
    """User plus system CPU seconds of PID so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def connectd_alive(c):
    if c.proc.poll() is not None:
        raise BenchError(f"connectd exited with {c.proc.returncode}:\n{c.output()[-4000:]}")


def query(pg, sql, args=None):
    conn = pg.connect()
    try:
        cur = conn.cursor()
        cur.execute(sql, args)
        return cur.fetchall() if cur.description else None
    finally:
        conn.close()


class Watermarks:
    """The sum over all partitions of a topic's high watermarks: records the broker has taken."""

    def __init__(self, bootstrap, topic=TOPIC):
        self.topic = topic
        from confluent_kafka import Consumer
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-watermarks",
                                  "enable.auto.commit": False})
        self.partitions = None

    def total(self):
        from confluent_kafka import KafkaException, TopicPartition
        try:
            if self.partitions is None:
                md = self.consumer.list_topics(self.topic, timeout=5)
                t = md.topics.get(self.topic)
                if t is None or t.error is not None or not t.partitions:
                    return 0
                self.partitions = sorted(t.partitions)
            return sum(self.consumer.get_watermark_offsets(TopicPartition(self.topic, p), timeout=5)[1]
                       for p in self.partitions)
        except KafkaException:
            return 0

    def close(self):
        self.consumer.close()


def start_stack(stack):
    """PostgreSQL, the broker and connectd answering its REST API. Each started thing is pushed on
    stack (bench_snapshot.py starts the same)."""
    for path in (CONNECTD_BIN, TEST_BROKER_BIN):
        if not os.access(path, os.X_OK):
            raise BenchError(f"{path} not found; build the release binaries with `make all`")
    pg = conftest._new_postgres("logical")
    stack.append(("PostgreSQL", lambda: (pg.stop(), shutil.rmtree(pg.tmp, ignore_errors=True))))
    pg.start()

    broker = conftest.Broker()
    stack.append(("test broker", broker.close))

    c = conftest.Connectd(args=["-D", "offset.flush.interval.ms=1000"], env={"LOG_LEVEL": "WARN"},
                          bootstrap=broker.bootstrap)
    stack.append(("connectd", c.close))

    def ready():
        connectd_alive(c)
        try:
            return c.get("/", timeout=2)[0] == 200
        except OSError:
            return False
    wait_until(ready, 60, f"connectd to answer GET / on port {c.port}")
    return pg, broker, c


def start_everything(stack):
    """start_stack, then the table, the publication and the connector, RUNNING with its slot
    active."""
    pg, broker, c = start_stack(stack)
    query(pg, "CREATE TABLE public.bench (id bigint PRIMARY KEY, name text, amount numeric(12,2), "
              "created timestamptz)")
    query(pg, "CREATE PUBLICATION dbz_publication FOR ALL TABLES")

    cfg = dict(CONNECTOR, **{"database.port": str(pg.port)})
    status, body, raw = c.request("POST", "/connectors", {"name": "bench", "config": cfg})
    if status != 201:
        raise BenchError(f"registering the connector answered HTTP {status}: {raw}")

    wait_running(c, "bench")
    # Rows committed before the task's slot exists would never reach the topic.
    wait_until(lambda: query(pg, "SELECT 1 FROM pg_replication_slots WHERE slot_name = 'bench' "
                                 "AND active_pid IS NOT NULL"),
               60, "the connector's slot 'bench' to be active")
    return pg, broker, c


def wait_running(c, name):
    """Until connector name and its task are RUNNING; BenchError when either failed."""
    def running():
        connectd_alive(c)
        status, body, _ = c.get(f"/connectors/{name}/status")
        if status != 200 or not body:
            return False
        tasks = [t.get("state") for t in body.get("tasks", [])]
        if body["connector"]["state"] == "FAILED" or "FAILED" in tasks:
            raise BenchError(f"the connector failed: {body}")
        return body["connector"]["state"] == "RUNNING" and tasks == ["RUNNING"]
    wait_until(running, 60, f"connector {name} to be RUNNING with its task RUNNING")


def warm_up(pg, c, bootstrap, wm):
    """One row through the whole path, until its offset is committed: the task's producer and the
    worker's offsets producer then know their topics. On a cold worker the first offset commit
    waits for the offsets producer's topic metadata (about 0.4 s on the test broker), and the task
    thread commits synchronously, so streaming stops meanwhile: a one-off startup cost that would
    otherwise weigh on a short run. Returns (ms to the acknowledgement, ms to the commit)."""
    offsets = Watermarks(bootstrap, "connect-offsets")
    try:
        committed0 = offsets.total()
        t0 = time.monotonic()
        query(pg, "INSERT INTO public.bench VALUES (0, 'warm-up', 0, now())")

        def acked():
            connectd_alive(c)
            return wm.total() >= 1
        wait_until(acked, 60, f"the warm-up row to reach {TOPIC}", interval=0.01)
        t_ack = time.monotonic()
        wait_until(lambda: offsets.total() > committed0, 60,
                   "connectd to commit the warm-up row's offset to connect-offsets", interval=0.01)
        return 1000 * (t_ack - t0), 1000 * (time.monotonic() - t0)
    finally:
        offsets.close()


def insert_rows(pg, n):
    """Inserts n rows in transactions of TXN_ROWS. Returns (t_start, t_commit_end, end LSN): the
    insert position right after the last COMMIT, where pg_recvlogical is to stop."""
    conn = pg.connect()
    try:
        cur = conn.cursor()
        # The cluster runs with synchronous_commit=off, with which COMMIT returns before its WAL
        # is flushed, and walsenders send only flushed WAL: the last transactions would wait for
        # the WAL writer (about 0.4 s here), which measures PostgreSQL, not connectd. With
        # fsync=off a synchronous commit costs a write(), not a disk flush.
        cur.execute("SET synchronous_commit = on")
        conn.autocommit = False
        t_start = time.monotonic()
        for lo in range(1, n + 1, TXN_ROWS):
            hi = min(lo + TXN_ROWS - 1, n)
            cur.execute("INSERT INTO public.bench (id, name, amount, created) "
                        "SELECT g, 'name-' || g, (g %% 1000000) / 100.0, now() "
                        "FROM generate_series(%s::bigint, %s::bigint) g", (lo, hi))
            conn.commit()
        t_commit_end = time.monotonic()
        conn.autocommit = True
        cur.execute("SELECT pg_current_wal_insert_lsn()::text")
        end_lsn = cur.fetchone()[0]
        return t_start, t_commit_end, end_lsn
    finally:
        conn.close()


def pg_recvlogical_bin():
    path = os.path.join(conftest._pg_bindir(), "pg_recvlogical")
    if not os.path.exists(path):
        raise BenchError(f"{path} not found; install the PostgreSQL client (make deps)")
    return path


def run_pg_recvlogical(pg, end_lsn, timeout):
    """Decodes slot bench_recv up to end_lsn into /dev/null; returns (elapsed s, CPU s)."""
    # A walsender sends only flushed WAL: waiting for the flush is not decoding.
    wait_until(lambda: query(pg, "SELECT pg_current_wal_flush_lsn() >= %s::pg_lsn", (end_lsn,))[0][0],
               30, f"WAL to be flushed up to {end_lsn}")
    # The pgoutput options connectd asks for on PostgreSQL 14 and later.
    argv = [pg_recvlogical_bin(), "-h", pg.host, "-p", str(pg.port), "-U", "postgres",
            "-d", "postgres", "--slot", "bench_recv", "--start", "-o", "proto_version=1",
            "-o", "publication_names=dbz_publication", "-o", "messages=true",
            "--endpos", end_lsn, "-f", "/dev/null", "--no-loop"]
    before = os.times()
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError(f"pg_recvlogical did not reach {end_lsn} within {timeout:.0f}s")
    elapsed = time.monotonic() - t0
    after = os.times()
    if p.returncode != 0:
        raise BenchError(f"pg_recvlogical exited with {p.returncode}: {p.stderr.strip()}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return elapsed, cpu


def bench(n, warm):
    stack = []
    wm = None
    try:
        pg, broker, c = start_everything(stack)
        wm = Watermarks(broker.bootstrap)
        warm_ms = warm_up(pg, c, broker.bootstrap, wm) if warm else None
        base = wm.total()
        # Created now, before the measured inserts: it decodes exactly the WAL they write.
        query(pg, "SELECT pg_create_logical_replication_slot('bench_recv', 'pgoutput')")

        pid = c.proc.pid
        # The walsender that decodes for connectd, and the broker: when one of them is busy for
        # the whole run, it, not connectd, sets the pace.
        wal_pid = query(pg, "SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'bench'")[0][0]
        cpu0, wal_cpu0, broker_cpu0 = cpu_seconds(pid), cpu_seconds(wal_pid), cpu_seconds(broker.proc.pid)

        t_start, t_commit_end, end_lsn = insert_rows(pg, n)

        # Generous: a worker at a few thousand changes/s still finishes in time.
        timeout = 60 + n / 500
        deadline = t_start + timeout
        seen = 0
        while True:
            seen = wm.total() - base
            if seen >= n:
                t_done = time.monotonic()
                break
            connectd_alive(c)
            if time.monotonic() > deadline:
                raise BenchError(f"only {seen} of {n} changes reached {TOPIC} within {timeout:.0f}s "
                                 f"of the first insert; connectd output:\n{c.output()[-4000:]}")
            time.sleep(0.01)
        cpu_connectd = cpu_seconds(pid) - cpu0
        cpu_walsender = cpu_seconds(wal_pid) - wal_cpu0
        cpu_broker = cpu_seconds(broker.proc.pid) - broker_cpu0
        hwm_kb = proc_status(pid, "VmHWM")
        if seen != n:
            raise BenchError(f"{TOPIC} got {seen} records for {n} inserted rows")

        rl_elapsed, rl_cpu = run_pg_recvlogical(pg, end_lsn, timeout)

        e2e, lag = t_done - t_start, t_done - t_commit_end
        print(f"connectd end to end: {n / e2e:.0f} changes/s ({n} rows, commit-to-ack)")
        print(f"pg_recvlogical to /dev/null: {n / rl_elapsed:.0f} changes/s (same WAL)")
        print(f"ratio connectd / pg_recvlogical: {rl_elapsed / e2e:.2f}")
        print(f"connectd peak RSS: {hwm_kb / 1024 if hwm_kb else float('nan'):.1f} MiB (VmHWM)")
        ins = t_commit_end - t_start
        print(f"  inserts: {n} rows in transactions of {TXN_ROWS}, committed in {ins:.2f} s ({n / ins:.0f} rows/s)")
        print(f"  connectd: last change acknowledged {e2e:.2f} s after the first insert, {lag:.2f} s after "
              f"the last commit (rows / lag: {n / lag if lag > 0 else float('inf'):.0f} changes/s)")
        print(f"  CPU over the run: connectd {cpu_connectd:.2f} s ({100 * cpu_connectd / e2e:.0f}% of a core), "
              f"its walsender {cpu_walsender:.2f} s ({100 * cpu_walsender / e2e:.0f}%), "
              f"the test broker {cpu_broker:.2f} s ({100 * cpu_broker / e2e:.0f}%)")
        print(f"  pg_recvlogical: {rl_elapsed:.2f} s, its own CPU {rl_cpu:.2f} s")
        if warm_ms:
            print(f"  warm-up (not measured): first row acknowledged after {warm_ms[0]:.0f} ms, "
                  f"its offset committed after {warm_ms[1]:.0f} ms")
    finally:
        if wm is not None:
            wm.close()
        for what, close in reversed(stack):
            try:
                close()
            except Exception as e:  # keep stopping the rest
                print(f"bench_postgres: stopping {what} failed: {e}", file=sys.stderr)


def main():
    try:
        bench(rows_from_args(), os.environ.get("BENCH_WARMUP", "1") != "0")
    except (BenchError, pytest.fail.Exception) as e:
        print(f"bench_postgres: FAILED: {e}", file=sys.stderr)
        return 1
    except Exception as e:
        traceback.print_exc()
        print(f"bench_postgres: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench_postgres: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
