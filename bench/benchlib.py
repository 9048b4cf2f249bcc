"""benchlib.py - the pieces every benchmark here shares: starting and always stopping what it
measures (PostgreSQL, the test broker, the real Kafka, connectd, the reference Kafka Connect), the
load it writes, and how it reads CPU, memory and what Kafka has taken.

It reuses the integration tests' fixtures (tests/integration/conftest.py and reference.py), but
points them at the release binaries: a benchmark never measures the sanitizer build.
BENCH_CONNECTD_BIN and BENCH_TEST_BROKER_BIN override them (the smoke test runs the sanitizer build
because it checks the harness, not the figures).
"""
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONNECTD_BIN = os.environ.get("BENCH_CONNECTD_BIN", str(ROOT / "build/connectd"))
TEST_BROKER_BIN = os.environ.get("BENCH_TEST_BROKER_BIN", str(ROOT / "build/test-broker"))

# conftest reads these when imported.
os.environ["CONNECTD_BIN"] = CONNECTD_BIN
os.environ["TEST_BROKER_BIN"] = TEST_BROKER_BIN
sys.path.insert(0, str(ROOT / "tests/integration"))
import conftest  # noqa: E402  (needs python3-pytest, as the tests do)
import pytest  # noqa: E402

conftest.CONNECTD_BIN = CONNECTD_BIN
conftest.TEST_BROKER_BIN = TEST_BROKER_BIN

# What the fixtures raise when they give up (pytest.fail), beside our own BenchError.
FixtureFailed = pytest.fail.Exception

PG_CONNECTOR = "io.debezium.connector.postgresql.PostgresConnector"
JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"
# Every worker the benchmarks start commits offsets once a second.
# BENCH_WORKER_ARGS: more connectd arguments (e.g. "-D producer.linger.ms=1"), to measure a setting.
WORKER_ARGS = ["-D", "offset.flush.interval.ms=1000"] + os.environ.get("BENCH_WORKER_ARGS", "").split()


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


def positive_int(name, default):
    raw = os.environ.get(name, str(default))
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n <= 0:
        raise BenchError(f"{name} must be a positive integer, not {raw!r}")
    return n


# ---------------------------------------------------------------- processes

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
    """User plus system CPU seconds of PID so far (all its threads): utime + stime of
    /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RssSampler:
    """Samples VmRSS of a process every interval seconds on a thread of its own, between start()
    and stop(); median() is the steady RSS of that window in kB."""

    def __init__(self, pid, interval=0.2):
        self.pid, self.interval = pid, interval
        self.samples = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            kb = proc_status(self.pid, "VmRSS")
            if kb is not None:
                self.samples.append(kb)
            self._stop.wait(self.interval)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()

    def median(self):
        if not self.samples:
            return None
        s = sorted(self.samples)
        return s[len(s) // 2]


class Stack:
    """What a benchmark started, stopped in reverse order by close(), whatever happened. A close
    that fails is reported and the rest are still stopped."""

    def __init__(self):
        self.items = []

    def push(self, what, close):
        self.items.append((what, close))

    def close(self):
        # A Ctrl-C or TERM while stopping would kill a stop half-way (a JVM left running): it
        # waits until everything is stopped, and is raised then.
        pending = []
        saved = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                saved[sig] = signal.signal(sig, lambda signum, frame: pending.append(signum))
        try:
            while self.items:
                what, close = self.items.pop()
                try:
                    close()
                except (Exception, FixtureFailed) as e:  # keep stopping the rest
                    print(f"bench: stopping {what} failed: {type(e).__name__}: {e}", file=sys.stderr)
        finally:
            for sig, handler in saved.items():
                signal.signal(sig, handler)
        if pending:
            raise KeyboardInterrupt(f"signal {pending[0]} while stopping")


def check_binaries():
    for path in (CONNECTD_BIN, TEST_BROKER_BIN):
        if not os.access(path, os.X_OK):
            raise BenchError(f"{path} not found; build the release binaries with `make all`")


def start_postgres(stack):
    """A throwaway PostgreSQL 15 cluster (the tests' settings: wal_level=logical, fsync=off,
    synchronous_commit=off, which the load's sessions turn on)."""
    pg = conftest._new_postgres("logical")
    stack.push("PostgreSQL", lambda: (pg.stop(), shutil.rmtree(pg.tmp, ignore_errors=True)))
    pg.start()
    return pg


def start_mock_broker(stack):
    """The test broker (librdkafka's mock cluster) with the worker's internal topics created."""
    check_binaries()
    b = conftest.Broker()
    stack.push("test broker", b.close)
    b.names = conftest.Names("mock")
    return b


def start_kafka(stack):
    """A real single-node Apache Kafka (scripts/kafka.sh) in a temp directory."""
    k = conftest.Kafka()
    stack.push("Kafka", k.close)
    return k


def broker_pid(broker):
    """The process id of a broker from start_mock_broker or start_kafka."""
    if broker.kind == "mock":
        return broker.proc.pid
    with open(os.path.join(broker.dir, "pid")) as f:
        return int(f.read())


def connectd_alive(c):
    if c.proc.poll() is not None:
        raise BenchError(f"connectd exited with {c.proc.returncode}:\n{c.output()[-4000:]}")


def connectd_ready(c):
    connectd_alive(c)
    try:
        return c.get("/", timeout=2)[0] == 200
    except OSError:
        return False


def start_connectd(stack, broker, names=None, args=(), timeout=60):
    """A connectd on broker, answering GET / with 200. names (conftest.Names) gives its group and
    internal topics on a shared real Kafka. Returns (connectd, seconds from exec to that answer,
    polled every 5 ms)."""
    check_binaries()
    names = names or getattr(broker, "names", None) or conftest.Names(broker.kind)
    extra = ["-D", "cluster.coordination.partitions=6"] if broker.kind == "kafka" else []
    t0 = time.monotonic()
    c = conftest.Connectd(args=WORKER_ARGS + extra + names.worker_args() + list(args),
                          env={"LOG_LEVEL": "WARN"}, bootstrap=broker.bootstrap)
    stack.push("connectd", c.close)
    wait_until(lambda: connectd_ready(c), timeout, f"connectd to answer GET / on port {c.port}",
               interval=0.005)
    c.names = names
    return c, time.monotonic() - t0


def stop_connectd(c):
    """SIGTERM and wait; the stack's close is then a no-op."""
    if c.proc.poll() is None:
        c.proc.send_signal(signal.SIGTERM)
        try:
            c.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            c.proc.kill()
            c.proc.wait()


# ---------------------------------------------------------------- PostgreSQL

def query(pg, sql, args=None):
    conn = pg.connect()
    try:
        cur = conn.cursor()
        cur.execute(sql, args)
        return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def create_bench_table(pg, table="public.bench"):
    query(pg, f"CREATE TABLE IF NOT EXISTS {table} (id bigint PRIMARY KEY, name text, "
              "amount numeric(12,2), created timestamptz)")
    if not query(pg, "SELECT 1 FROM pg_publication WHERE pubname = 'dbz_publication'"):
        query(pg, "CREATE PUBLICATION dbz_publication FOR ALL TABLES")


def walsender_pid(pg, slot):
    """The pid of the walsender decoding for slot, from pg_stat_replication (None while the slot
    has none)."""
    rows = query(pg, "SELECT r.pid FROM pg_stat_replication r JOIN pg_replication_slots s "
                     "ON s.active_pid = r.pid WHERE s.slot_name = %s", (slot,))
    return rows[0][0] if rows else None


def drop_slot(pg, slot, timeout=60):
    """Drops slot once no walsender holds it (its connector was deleted or its worker stopped)."""
    wait_until(lambda: not query(pg, "SELECT 1 FROM pg_replication_slots WHERE slot_name = %s "
                                     "AND active_pid IS NOT NULL", (slot,)),
               timeout, f"slot {slot} to be let go")
    query(pg, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
              "WHERE slot_name = %s", (slot,))


class Ids:
    """The next primary keys of a table, handed out in ranges so that runs never collide."""

    def __init__(self, first=1):
        self.next = first
        self.lock = threading.Lock()

    def take(self, n):
        with self.lock:
            lo = self.next
            self.next += n
            return lo


INSERT_SQL = ("INSERT INTO {table} (id, name, amount, created) "
              "SELECT g, 'name-' || g, (g %% 1000000) / 100.0, now() "
              "FROM generate_series(%s::bigint, %s::bigint) g")


def _writer_conn(pg):
    conn = pg.connect()
    # The cluster runs with synchronous_commit=off, with which COMMIT returns before its WAL is
    # flushed, and walsenders send only flushed WAL: the last transactions would wait for the WAL
    # writer (up to 3 x wal_writer_delay), which measures PostgreSQL, not the pipeline. With
    # fsync=off a synchronous commit costs a write(), not a disk flush.
    conn.cursor().execute("SET synchronous_commit = on")
    conn.autocommit = False
    return conn


def insert_rows(pg, ids, n, txn_rows, writers=1, table="public.bench", rate=None):
    """Inserts n rows in transactions of txn_rows, from `writers` sessions at once (their
    transactions overlap), each committing synchronously. With rate (rows/s), the writers are
    paced: transaction i of a writer starts at its start + i * interval and never earlier.
    Returns (t_start, t_end) in time.monotonic()."""
    sql = INSERT_SQL.format(table=table)
    txns = (n + txn_rows - 1) // txn_rows
    errors = []
    conns = [_writer_conn(pg) for _ in range(writers)]

    def write(conn, k):
        try:
            cur = conn.cursor()
            mine = range(k, txns, writers)
            interval = writers * txn_rows / rate if rate else 0
            t0 = time.monotonic()
            for i, txn in enumerate(mine):
                if interval:
                    delay = t0 + i * interval - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                size = min(txn_rows, n - txn * txn_rows)
                lo = ids.take(size)
                cur.execute(sql, (lo, lo + size - 1))
                conn.commit()
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=write, args=(conns[k], k)) for k in range(writers)]
    try:
        t_start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        t_end = time.monotonic()
    finally:
        for conn in conns:
            conn.close()
    if errors:
        raise BenchError(f"inserting rows failed: {errors[0]}")
    return t_start, t_end


def pg_bin(name):
    path = os.path.join(conftest._pg_bindir(), name)
    if not os.path.exists(path):
        raise BenchError(f"{path} not found; install the PostgreSQL client (make deps)")
    return path


def pg_version(pg):
    return query(pg, "SHOW server_version")[0][0]


# ---------------------------------------------------------------- Kafka

class Watermarks:
    """The sum over all partitions of a topic's high watermarks: records the broker has taken."""

    def __init__(self, bootstrap, topic):
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

    def wait_for(self, target, timeout, alive, what):
        """Polls every 10 ms until the total reaches target; returns (total, time.monotonic() when
        it did). alive() raises when the worker died."""
        deadline = time.monotonic() + timeout
        while True:
            seen = self.total()
            if seen >= target:
                return seen, time.monotonic()
            alive()
            if time.monotonic() > deadline:
                raise BenchError(f"only {seen} of {target} records reached {self.topic} within "
                                 f"{timeout:.0f}s ({what})")
            time.sleep(0.01)

    def close(self):
        self.consumer.close()


# ---------------------------------------------------------------- connectors

def pg_connector(pg, prefix, slot, schemas=True, **extra):
    """A PostgreSQL connector's config: pgoutput, no snapshot, JsonConverter for keys and values
    with schemas.enable as given."""
    cfg = {"connector.class": PG_CONNECTOR, "database.hostname": pg.host, "database.port": str(pg.port),
           "database.user": "postgres", "database.dbname": "postgres", "topic.prefix": prefix,
           "plugin.name": "pgoutput", "slot.name": slot, "snapshot.mode": "no_data",
           "key.converter": JSON_CONVERTER, "value.converter": JSON_CONVERTER,
           "key.converter.schemas.enable": "true" if schemas else "false",
           "value.converter.schemas.enable": "true" if schemas else "false"}
    cfg.update(extra)
    return cfg


def register(worker, name, cfg):
    status, _, raw = worker.request("POST", "/connectors", {"name": name, "config": cfg})
    if status != 201:
        raise BenchError(f"registering connector {name} answered HTTP {status}: {raw}")


def wait_running(worker, name, alive=lambda: None, timeout=60):
    """Until connector name and its task are RUNNING; BenchError when either failed."""
    def running():
        alive()
        status, body, _ = worker.get(f"/connectors/{name}/status")
        if status != 200 or not body:
            return False
        tasks = [t.get("state") for t in body.get("tasks", [])]
        if body["connector"]["state"] == "FAILED" or "FAILED" in tasks:
            raise BenchError(f"connector {name} failed: {body}")
        return body["connector"]["state"] == "RUNNING" and tasks == ["RUNNING"]
    wait_until(running, timeout, f"connector {name} to be RUNNING with its task RUNNING")


def wait_streaming(pg, slot, timeout=60):
    """Until slot is active and consistent (confirmed_flush_lsn set): rows committed before would
    never reach the topic. Returns the walsender's pid."""
    wait_until(lambda: query(pg, "SELECT 1 FROM pg_replication_slots WHERE slot_name = %s "
                                 "AND active_pid IS NOT NULL AND confirmed_flush_lsn IS NOT NULL",
                             (slot,)),
               timeout, f"slot {slot} to be active")
    return wait_until(lambda: walsender_pid(pg, slot), timeout, f"a walsender for slot {slot}")


def warm_up(pg, ids, bootstrap, wm, offsets_topic, alive, rows=1, txn_rows=1):
    """rows through the whole path, until an offset is committed after them: the task's producer
    and the worker's offsets producer then know their topics, so a one-off start-up cost (the
    first offset commit waits for the offsets producer's metadata) stays out of the figures."""
    offsets = Watermarks(bootstrap, offsets_topic)
    try:
        committed0 = offsets.total()
        base = wm.total()
        insert_rows(pg, ids, rows, txn_rows)
        wm.wait_for(base + rows, 120, alive, "the warm-up rows")
        wait_until(lambda: offsets.total() > committed0, 60,
                   f"the warm-up's offsets to be committed to {offsets_topic}", interval=0.01)
    finally:
        offsets.close()


# ---------------------------------------------------------------- the reference worker

def start_java_connect(stack, kafka, names, settings=None, timeout=300):
    """The real Kafka Connect 4.1.1 with Debezium 3.4.3 (scripts/connect.sh) on kafka, with its
    own group and internal topics. Returns (worker, pid of its JVM, seconds from exec to GET /
    answering 200). The worker accepts writes only once connect.sh has seen it join its group,
    which this waits for too."""
    from reference import CONNECT_SH, JavaConnect
    import tempfile
    # JavaConnect's methods (get, request, log, close) on a worker started here: its constructor
    # returns only once the worker has joined its group, too late to time GET / answering.
    j = JavaConnect.__new__(JavaConnect)
    j.dir = tempfile.mkdtemp(prefix="connectd-bench-reference-")
    j.port = conftest.free_port()
    j.url = f"http://127.0.0.1:{j.port}"
    stack.push("Kafka Connect", j.close)
    kv = {"offset.flush.interval.ms": "1000", "group.id": names.group,
          "config.storage.topic": names.configs, "offset.storage.topic": names.offsets,
          "status.storage.topic": names.status, **(settings or {})}
    argv = ["bash", CONNECT_SH, "start", j.dir, kafka.bootstrap, str(j.port),
            *[f"{k}={v}" for k, v in kv.items()]]
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    started = None
    try:
        deadline = t0 + timeout
        while started is None:
            try:
                if j.get("/", timeout=2)[0] == 200:
                    started = time.monotonic() - t0
                    break
            except OSError:
                pass
            if p.poll() is not None and p.returncode != 0:
                break
            if time.monotonic() > deadline:
                raise BenchError(f"Kafka Connect did not answer GET / within {timeout}s")
            time.sleep(0.005)
        out, _ = p.communicate(timeout=max(1, deadline - time.monotonic()))
    except BaseException:
        p.kill()
        p.wait()
        raise
    if p.returncode != 0:
        raise BenchError(f"Kafka Connect did not start:\n{out}\n{j.log()[-4000:]}")
    if started is None:
        raise BenchError("Kafka Connect started but never answered GET / with 200")
    with open(os.path.join(j.dir, "pid")) as f:
        pid = int(f.read())
    return j, pid, started
