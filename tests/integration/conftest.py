"""Fixtures for connectd's integration tests.

Each test starts what it needs, on free ports, and everything is stopped afterwards even when the
test fails:
  pg        a throwaway PostgreSQL cluster (initdb in a temp directory, wal_level=logical),
            shared by the session
  broker    the test broker (librdkafka's mock cluster, tests/broker) with the worker's internal
            topics pre-created, fresh for each test module
  connectd  a factory that starts connectd as a separate process and stops it at the end
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
import json

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONNECTD_BIN = os.environ.get("CONNECTD_BIN", str(ROOT / "build/asan/connectd"))
TEST_BROKER_BIN = os.environ.get("TEST_BROKER_BIN", str(ROOT / "build/asan/test-broker"))

INTERNAL_TOPICS = {"connect-configs": 1, "connect-offsets": 25, "connect-status": 5}

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


def _pg_bindir():
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


def _new_postgres(wal_level="logical"):
    as_user = "postgres" if os.geteuid() == 0 else None
    tmp = tempfile.mkdtemp(prefix="connectd-pg-")
    datadir = os.path.join(tmp, "data")
    os.mkdir(datadir, 0o700)
    if as_user:
        shutil.chown(tmp, as_user)
        shutil.chown(datadir, as_user)
    server = Postgres(_pg_bindir(), datadir, free_port(), as_user, wal_level)
    server.tmp = tmp
    return server


def _postgres_fixture(wal_level):
    server = _new_postgres(wal_level)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def pg():
    yield from _postgres_fixture("logical")


@pytest.fixture
def own_pg():
    """A PostgreSQL of the test's own, which it may restart."""
    yield from _postgres_fixture("logical")


@pytest.fixture
def replica_pg():
    """A PostgreSQL with wal_level=replica: logical decoding is not possible on it."""
    yield from _postgres_fixture("replica")


# ---------------------------------------------------------------- test broker

class Broker:
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
            return self.get("/", timeout=2)[0] == 200
        except OSError:
            return False

    def wait_ready(self, timeout=60):
        wait_for(self.ready, timeout, f"connectd to answer GET / on port {self.port}")
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
                    "-D", "consumer.heartbeat.interval.ms=1000"]


@pytest.fixture
def worker(connectd):
    """A fresh test broker and a connectd on it, with short offset-flush and fetch intervals.
    worker.restart() starts a new connectd process on the same broker (the old one must have
    exited)."""
    b = Broker()
    mine = []

    def restart(**kw):
        n = connectd(bootstrap=b.bootstrap, args=FAST_WORKER_ARGS, **kw)
        mine.append(n)
        n.wait_ready()
        n.broker = b
        n.restart = restart
        return n

    try:
        yield restart()
    finally:
        for c in mine:  # workers stop before their broker does
            c.close()
        b.close()


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
