"""Fixtures for connectd's integration tests.

Each test starts what it needs, on free ports, and everything is stopped afterwards even when the
test fails:
  pg        a throwaway PostgreSQL cluster (initdb in a temp directory, wal_level=logical),
            one per PostgreSQL version, shared by the session
  broker    the test broker (librdkafka's mock cluster, tests/broker) with the worker's internal
            topics pre-created, fresh for each test module
  kafka     a real Apache Kafka broker (scripts/kafka.sh, KRaft, one JVM), shared by the session;
            each test gets topic names of its own
  connectd  a factory that starts connectd as a separate process and stops it at the end
  worker    a connectd on a broker, once on the mock and once on the real Kafka
  reference the real Kafka Connect with Debezium (tests/integration/reference.py), on a real Kafka
            of its own so that the same connector configs give the same topic names on both
            sides; shared by the session, each test uses names of its own

Which PostgreSQL versions and which brokers a test runs on:
  - PostgreSQL 15 (Debian's) runs every test; 14, 16, 17 and 18 (from build/postgresql, fetched
    by `make deps`) run the tests marked `@pytest.mark.all_pg_versions`, or every test with
    PG_VERSIONS=all. PG_VERSIONS="15 17" limits the versions.
  - A test using `worker` runs on the real Kafka, the oracle. It runs on the test broker too
    (librdkafka's mock cluster, which is also the embedded broker of `make run`) when marked
    `@pytest.mark.brokers("mock", "kafka")`, only there when marked `brokers("mock")` (fault
    injection the real broker cannot do), and every unmarked test runs on both with BROKERS=all.
    On PostgreSQL versions other than 15 a test runs on the real Kafka only.
"""
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
import json

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONNECTD_BIN = os.environ.get("CONNECTD_BIN", str(ROOT / "build/asan/connectd"))
TEST_BROKER_BIN = os.environ.get("TEST_BROKER_BIN", str(ROOT / "build/asan/test-broker"))

INTERNAL_TOPICS = {"connect-configs": 1, "connect-offsets": 25, "connect-status": 5,
                   "connect-cluster-coordination": 60}  # the group's (src/cluster.h)
DEFAULT_PG = 15
OTHER_PGS = (14, 16, 17, 18)

# Environment variables that would configure connectd; the tests set their own.
_WORKER_ENV = re.compile(
    r"^(CONNECT_.*|BOOTSTRAP_SERVERS|GROUP_ID|CONFIG_STORAGE_TOPIC|OFFSET_STORAGE_TOPIC|"
    r"STATUS_STORAGE_TOPIC|KEY_CONVERTER|VALUE_CONVERTER|REST_PORT|REST_HOST_NAME|HOST_NAME|"
    r"ADVERTISED_HOST_NAME|ADVERTISED_PORT|OFFSET_FLUSH_INTERVAL_MS|OFFSET_FLUSH_TIMEOUT_MS|"
    r"SHUTDOWN_TIMEOUT|LOG_LEVEL)$")

SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, what, interval=0.05):
    """Polls predicate until it returns a true value; fails the test at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def http(method, url, body=None, headers=None, timeout=30):
    """Returns (status, parsed JSON body or None, raw text)."""
    data = None
    hdrs = dict(headers or {})
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read().decode()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, parsed, raw


# ---------------------------------------------------------------- PostgreSQL

class Postgres:
    def __init__(self, bindir, datadir, port, as_user, wal_level="logical"):
        self.bindir, self.datadir, self.port, self.as_user = bindir, datadir, port, as_user
        self.wal_level = wal_level
        self.host = "127.0.0.1"
        self.user = "postgres"
        self.dbname = "postgres"

    def _run(self, *args, **kw):
        cmd = list(args)
        if self.as_user:
            cmd = ["runuser", "-u", self.as_user, "--"] + cmd
        return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)

    def start(self):
        self._run(f"{self.bindir}/initdb", "-D", self.datadir, "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-sync")
        with open(os.path.join(self.datadir, "postgresql.conf"), "a") as f:
            f.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{self.datadir}'\n"
                    f"wal_level = {self.wal_level}\nmax_wal_senders = 20\nmax_replication_slots = 20\n"
                    "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        with open(os.path.join(self.datadir, "pg_hba.conf"), "a") as f:
            f.write("host replication all 127.0.0.1/32 trust\n")
        self._run(f"{self.bindir}/pg_ctl", "-D", self.datadir, "-l",
                  os.path.join(self.datadir, "server.log"), "-w", "-t", "60", "start")

    def restart(self):
        # -l: the server must not inherit our pipes, or waiting for the command never ends
        self._run(f"{self.bindir}/pg_ctl", "-D", self.datadir, "-l",
                  os.path.join(self.datadir, "server.log"), "-m", "fast", "-w", "-t", "60", "restart")

    def stop(self):
        try:
            self._run(f"{self.bindir}/pg_ctl", "-D", self.datadir, "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass

    def dsn(self, dbname=None):
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname or self.dbname}"

    def connect(self, dbname=None):
        import psycopg2
        conn = psycopg2.connect(self.dsn(dbname))
        conn.autocommit = True
        return conn


def _readable_by(user, path):
    return subprocess.run(["runuser", "-u", user, "--", "test", "-x", str(path)]).returncode == 0


def _pg_install_for(version, as_user):
    """build/postgresql/<version>, or, when the server's user cannot reach the checkout (a clone
    under /root, say), a copy of it in the temp directory, made once per fetched version."""
    d = ROOT / "build" / "postgresql" / str(version)
    if not (d / "bin" / "initdb").exists():
        pytest.fail(f"PostgreSQL {version} is not in build/postgresql; run `make deps`")
    if not as_user or _readable_by(as_user, d / "bin" / "postgres"):
        return d
    copy = pathlib.Path(tempfile.gettempdir()) / f"connectd-postgresql-{version}"
    marker = (d / ".complete").read_text()
    if not (copy / ".complete").exists() or (copy / ".complete").read_text() != marker:
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(d, copy, symlinks=True)
        os.chmod(copy, 0o755)
    return copy


def _pg_bindir(version=DEFAULT_PG, as_user=None):
    if version != DEFAULT_PG:
        return str(_pg_install_for(version, as_user) / "bin")
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
        if os.path.exists(os.path.join(out.stdout.strip(), "initdb")):
            return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    for d in sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (d / "initdb").exists():
            return str(d)
    pytest.fail("PostgreSQL server binaries not found; run `make deps`")


def _new_postgres(wal_level="logical", version=DEFAULT_PG):
    as_user = "postgres" if os.geteuid() == 0 else None
    tmp = tempfile.mkdtemp(prefix="connectd-pg-")
    datadir = os.path.join(tmp, "data")
    os.mkdir(datadir, 0o700)
    if as_user:
        shutil.chown(tmp, as_user)
        shutil.chown(datadir, as_user)
    server = Postgres(_pg_bindir(version, as_user), datadir, free_port(), as_user, wal_level)
    server.tmp = tmp
    server.version = version
    return server


def _postgres_fixture(wal_level, version=DEFAULT_PG):
    server = _new_postgres(wal_level, version)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.tmp, ignore_errors=True)


def _pg_versions_selected():
    """The PostgreSQL majors of PG_VERSIONS ("14 15 16 17 18" by default; "all" = every one)."""
    raw = os.environ.get("PG_VERSIONS", "").strip()
    if raw in ("", "all"):
        return [DEFAULT_PG, *OTHER_PGS]
    try:
        return [int(v) for v in raw.replace(",", " ").split()]
    except ValueError:
        raise pytest.UsageError(f"PG_VERSIONS={raw!r}: expected majors such as '15 17', or 'all'")


def pytest_configure(config):
    config.addinivalue_line("markers", "all_pg_versions: run on every PostgreSQL version, not only 15")
    config.addinivalue_line("markers", "brokers(*kinds): the brokers a worker test runs on (mock, kafka)")


_PG_FIXTURES = {"pg", "own_pg", "replica_pg", "pgdb"}


def pytest_generate_tests(metafunc):
    if _PG_FIXTURES & set(metafunc.fixturenames):
        everything = os.environ.get("PG_VERSIONS", "").strip() == "all"
        wide = everything or metafunc.definition.get_closest_marker("all_pg_versions")
        versions = [v for v in _pg_versions_selected() if v == DEFAULT_PG or wide]
        # None: no selected version applies; the test is deselected below.
        metafunc.parametrize("pg_version", versions or [None], indirect=True, scope="session",
                             ids=[f"pg{v}" for v in versions] or ["pg-none"])
    if "worker" in metafunc.fixturenames:
        m = metafunc.definition.get_closest_marker("brokers")
        both = os.environ.get("BROKERS", "").strip() == "all"
        kinds = list(m.args) if m else ["mock", "kafka"] if both else ["kafka"]
        metafunc.parametrize("broker_kind", kinds, indirect=True, ids=kinds)


def pytest_collection_modifyitems(config, items):
    """Other PostgreSQL versions run their worker tests on the real Kafka only; a test none of the
    selected versions applies to is deselected."""
    keep, drop = [], []
    for item in items:
        params = getattr(item, "callspec", None) and item.callspec.params or {}
        version = params.get("pg_version", DEFAULT_PG)
        if version is None or (version != DEFAULT_PG and params.get("broker_kind") == "mock"):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def pg_version(request):
    return getattr(request, "param", DEFAULT_PG)


@pytest.fixture(scope="session")
def pg(pg_version):
    yield from _postgres_fixture("logical", pg_version)


@pytest.fixture
def own_pg(pg_version):
    """A PostgreSQL of the test's own, which it may restart."""
    yield from _postgres_fixture("logical", pg_version)


@pytest.fixture
def replica_pg(pg_version):
    """A PostgreSQL with wal_level=replica: logical decoding is not possible on it."""
    yield from _postgres_fixture("replica", pg_version)


# ---------------------------------------------------------------- test broker

class Broker:
    kind = "mock"

    def __init__(self, brokers=1, topics=INTERNAL_TOPICS):
        self.dir = tempfile.mkdtemp(prefix="connectd-broker-")
        file = os.path.join(self.dir, "bootstrap")
        args = [TEST_BROKER_BIN, "-b", str(brokers), "-f", file]
        for name, parts in topics.items():
            args += ["-t", f"{name}:{parts}"]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=open(os.path.join(self.dir, "stderr"), "w"), text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("BOOTSTRAP "):
            self.close()
            pytest.fail(f"test broker did not start: {line!r}")
        self.bootstrap = line.split(" ", 1)[1].strip()

    def command(self, line):
        """Sends a control command and returns its reply (OK / ERR ...)."""
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self):
        if getattr(self, "_closed_output", None) is not None:
            return self._closed_output
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- real Apache Kafka

KAFKA_SH = str(ROOT / "scripts" / "kafka.sh")


class Kafka:
    """A real single-node Apache Kafka (scripts/kafka.sh) with its data in a temp directory.
    stop() and start() keep the data and the port; kill() is a SIGKILL."""
    kind = "kafka"

    def __init__(self, settings=()):
        self.dir = tempfile.mkdtemp(prefix="connectd-kafka-")
        self.settings = list(settings)
        self.port = free_port()
        self.start()

    def start(self):
        # The session's broker holds every test's topics (a few thousand partitions by the end of
        # `make test`): kafka.sh's default 256 MB heap runs out.
        env = dict(os.environ, KAFKA_HEAP_OPTS=os.environ.get("KAFKA_HEAP_OPTS", "-Xmx1g -Xms128m"))
        r = subprocess.run(["bash", KAFKA_SH, "start", self.dir, str(self.port), *self.settings],
                           capture_output=True, text=True, timeout=180, env=env)
        if r.returncode != 0:
            pytest.fail(f"Kafka did not start:\n{r.stdout}{r.stderr}")
        with open(os.path.join(self.dir, "bootstrap")) as f:
            self.bootstrap = f.read().strip()
        return self

    def stop(self):
        subprocess.run(["bash", KAFKA_SH, "stop", self.dir], capture_output=True, timeout=120)

    def kill(self):
        """SIGKILL, and return once the process is gone (or only a zombie nobody reaps)."""
        try:
            with open(os.path.join(self.dir, "pid")) as f:
                pid = int(f.read())
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            return
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    if f.read().rsplit(") ", 1)[1].startswith("Z"):
                        return
            except (OSError, IndexError):
                return
            time.sleep(0.05)
        pytest.fail(f"Kafka (pid {pid}) still runs 30 s after SIGKILL")

    def admin(self):
        from confluent_kafka.admin import AdminClient
        return AdminClient({"bootstrap.servers": self.bootstrap})

    def topics(self):
        """{topic: partition count}"""
        md = self.admin().list_topics(timeout=30)
        return {t: len(m.partitions) for t, m in md.topics.items()}

    def replication_factor(self, topic):
        md = self.admin().list_topics(topic=topic, timeout=30)
        return len(md.topics[topic].partitions[0].replicas)

    def topic_config(self, topic):
        """{config name: value} of a topic, from DescribeConfigs."""
        from confluent_kafka.admin import ConfigResource
        res = ConfigResource(ConfigResource.Type.TOPIC, topic)
        admin = self.admin()  # kept referenced: a collected client fails the future with _DESTROY
        entries = admin.describe_configs([res])[res].result(timeout=30)
        return {k: e.value for k, e in entries.items()}

    def create_topic(self, topic, partitions=1, config=None):
        from confluent_kafka.admin import NewTopic
        nt = NewTopic(topic, num_partitions=partitions, replication_factor=1, config=config or {})
        admin = self.admin()
        admin.create_topics([nt])[topic].result(timeout=30)

    def groups(self):
        return {g.id for g in self.admin().list_groups(timeout=30)}

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def kafka():
    k = Kafka()
    try:
        yield k
    finally:
        k.close()


@pytest.fixture(scope="session")
def reference():
    """The reference worker (.url, .get, .request, .log()) and its broker (.kafka)."""
    from reference import JavaConnect
    k = Kafka()
    j = None
    try:
        j = JavaConnect(k.bootstrap)
        j.kafka = k
        yield j
    finally:
        if j:
            j.close()
        k.close()


@pytest.fixture
def kafka_factory():
    """Factory for brokers of the test's own: kafka_factory("auto.create.topics.enable=false")."""
    started = []

    def start(*settings):
        k = Kafka(settings)
        started.append(k)
        return k

    yield start
    for k in started:
        k.close()


@pytest.fixture(scope="module")
def broker():
    b = Broker()
    try:
        yield b
    finally:
        b.close()


# ---------------------------------------------------------------- connectd

class Connectd:
    """One connectd process; output (stdout and stderr) goes to a file in its directory."""

    def __init__(self, args=(), env=None, properties=None, port=None, bootstrap=None, cwd=None):
        self.dir = tempfile.mkdtemp(prefix="connectd-")
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [CONNECTD_BIN]
        if properties is not None:
            path = os.path.join(self.dir, "worker.properties")
            with open(path, "w") as f:
                f.write(properties)
            self.properties_path = path
        if bootstrap:
            argv += ["-D", f"bootstrap.servers={bootstrap}"]
        if port is not False:
            argv += ["-D", f"listeners=http://127.0.0.1:{self.port}"]
        argv += list(args)
        if properties is not None:
            argv.append(self.properties_path)
        full_env = {k: v for k, v in os.environ.items() if not _WORKER_ENV.match(k)}
        full_env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        full_env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        full_env.update(env or {})
        self.out_path = os.path.join(self.dir, "output.log")
        self._out = open(self.out_path, "w")
        self.proc = subprocess.Popen(argv, stdout=self._out, stderr=subprocess.STDOUT, env=full_env,
                                     cwd=cwd or self.dir, start_new_session=True)

    def output(self):
        with open(self.out_path) as f:
            return f.read()

    def get(self, path, **kw):
        return http("GET", self.url + path, **kw)

    def request(self, method, path, body=None, **kw):
        return http(method, self.url + path, body=body, **kw)

    def ready(self):
        if self.proc.poll() is not None:
            pytest.fail(f"connectd exited with {self.proc.returncode}:\n{self.output()}")
        try:
            # GET / answers as soon as the REST server listens, before the internal topics are
            # read; /health says 503 "starting" until start-up has finished.
            return self.get("/", timeout=2)[0] == 200 and self.get("/health", timeout=15)[0] != 503
        except OSError:
            return False

    def wait_ready(self, timeout=60):
        wait_for(self.ready, timeout, f"connectd to finish starting (GET / and /health) on port {self.port}")
        return self

    def wait_output(self, pattern, timeout=30):
        return wait_for(lambda: re.search(pattern, self.output()), timeout,
                        f"output matching {pattern!r}")

    def wait_exit(self, timeout=60):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"connectd did not exit within {timeout}s:\n{self.output()}")

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.wait_exit(timeout)

    def close(self):
        if getattr(self, "_closed_output", None) is not None:
            return self._closed_output
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()
        out = self.output()
        shutil.rmtree(self.dir, ignore_errors=True)
        self._closed_output = out
        return out


FAST_WORKER_ARGS = ["-D", "offset.flush.interval.ms=500", "-D", "consumer.fetch.wait.max.ms=20",
                    "-D", "consumer.session.timeout.ms=6000",
                    "-D", "consumer.heartbeat.interval.ms=1000",
                    # a cluster's coordination topic per test on the shared Kafka: few partitions
                    "-D", "cluster.coordination.partitions=6"]


@pytest.fixture
def broker_kind(request):
    return getattr(request, "param", "mock")


class Names:
    """Topic and group names of one test. On the mock (fresh for the test) they are the plain
    names; on the shared real Kafka each gets the test's own suffix, so tests stay independent."""

    def __init__(self, kind):
        self.suffix = "" if kind == "mock" else "-" + uuid.uuid4().hex[:8]
        self.group = "connect-cluster" + self.suffix
        self.configs = self.t("connect-configs")
        self.offsets = self.t("connect-offsets")
        self.status = self.t("connect-status")

    def t(self, name):
        return name + self.suffix

    def worker_args(self):
        if not self.suffix:
            return []
        return ["-D", f"group.id={self.group}", "-D", f"config.storage.topic={self.configs}",
                "-D", f"offset.storage.topic={self.offsets}", "-D", f"status.storage.topic={self.status}"]


@pytest.fixture
def worker(connectd, broker_kind, request):
    """A connectd with short offset-flush and fetch intervals, on a fresh test broker (mock) or on
    the session's real Kafka with topic names of the test's own (kafka). worker.t(name) gives the
    test's name for a topic, worker.names its internal topics and group; worker.restart() starts a
    new connectd process on the same broker and topics (the old one must have exited)."""
    own = Broker() if broker_kind == "mock" else None
    b = own or request.getfixturevalue("kafka")
    names = Names(broker_kind)
    mine = []

    def restart(args=(), **kw):
        n = connectd(bootstrap=b.bootstrap, args=FAST_WORKER_ARGS + names.worker_args() + list(args), **kw)
        mine.append(n)
        n.wait_ready()
        n.broker = b
        n.names = names
        n.t = names.t
        n.restart = restart
        return n

    try:
        yield restart()
    finally:
        for c in mine:  # workers stop before their broker does
            c.close()
        if own:
            own.close()


@pytest.fixture
def connectd():
    """Factory: connectd(args=[...], env={...}, properties="...", bootstrap=...)."""
    started = []

    def start(*args, **kw):
        c = Connectd(*args, **kw)
        started.append(c)
        return c

    yield start
    problems = []
    for c in started:
        out = c.close()
        # Shown by pytest only when the test failed: what connectd said last.
        tail = [l for l in out.splitlines() if "librdkafka" not in l][-40:]
        print(f"--- connectd on port {c.port}, last lines:\n" + "\n".join(tail))
        if any(m in out for m in SANITIZER_MARKERS):
            problems.append(out)
    if problems:
        pytest.fail("sanitizer report in connectd output:\n" + "\n".join(problems))
