"""GET /metrics against its oracle: the real Kafka Connect 4.1.1 + Debezium 3.4.3 with the
Prometheus JMX exporter's agent and the rules of config/metrics/kafka-connect-metrics.yml (Strimzi's
Kafka Connect rules and Debezium's), running the same connectors on the same inputs as connectd: a
PostgreSQL connector that snapshots two tables and then streams a concurrent workload, and a
FileStream source feeding a FileStream sink. Both are scraped, and every metric family (name, TYPE
and label keys) the JVM shows for those connectors and for the worker must be in connectd's output,
apart from ALLOWED_MISSING (JVM, process and Kafka-client internals connectd does not have, each
with its reason); the values both must agree on are compared."""
import os
import random
import re
import tempfile
import threading
import urllib.request

import pytest

from conftest import wait_for
from test_postgres import own_database

pytestmark = pytest.mark.brokers("kafka")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Families the JVM's exporter shows that connectd does not, and why. Matched on the family name.
ALLOWED_MISSING = [
    (r"^(jvm|process)_", "the Java virtual machine and its process (heap, GC, threads, class "
                         "loading, open files): connectd is not a JVM"),
    (r"^jmx_(exporter|config|scrape)_", "the JMX exporter's own state (its build, config reloads, "
                                        "scrape errors and duration)"),
    (r"^kafka_(producer|consumer|admin_client)_", "the Java Kafka clients' internals (record "
     "queues, batch sizes, buffer pools, request latencies, fetch lag per partition, per-node "
     "network counters): connectd's clients are librdkafka's, whose statistics differ"),
    (r"^kafka_connect_(commit_id|version|start_time_seconds)$", "the Java group client's build and start "
     "time (its app-info MBean)"),
    (r"^kafka_connect_(node_\w+|connection_\w+|(failed|successful)_\w*authentication\w*|reauthentication_\w+|"
     r"(incoming|outgoing)_byte_\w+|io_\w+|network_io_total|request_\w+|response_\w+|select_total)$",
     "the network metrics of the worker's group client (connect-metrics and connect-node-metrics: "
     "connections, bytes, requests, I/O ratios, authentication, per node): connectd's group client is "
     "librdkafka's"),
    (r"^kafka_connect_coordinator_(?!assigned_)", "the worker group client's join, sync and "
     "heartbeat timings and its rebalance counters (connect-coordinator-metrics): librdkafka's "
     "consumer group does these; the rebalance counts users watch are in "
     "kafka_connect_worker_rebalance_*"),
    (r"^kafka_connect_kafka_metrics_count_", "how many metrics each Java client registered"),
]


def scrape(url):
    """{(name, frozenset of label items): value}, {name: type} and the Content-Type of a
    Prometheus text exposition."""
    with urllib.request.urlopen(url, timeout=30) as r:
        ctype = r.headers.get("Content-Type")
        text = r.read().decode()
    samples, types = {}, {}
    line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)')
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            types[name] = typ
            continue
        if not line or line.startswith("#"):
            continue
        m = line_re.match(line)
        assert m, f"not a sample line: {line!r}"
        labels = frozenset((k, re.sub(r'\\(.)', lambda x: {"n": "\n"}.get(x.group(1), x.group(1)), v))
                           for k, v in label_re.findall(m.group(3) or ""))
        samples[(m.group(1), labels)] = float(m.group(4))
    return samples, types, ctype


def family_of(name, types):
    """The family a sample belongs to: its own name, or the counter/summary it is a part of."""
    if name in types:
        return name
    for suffix in ("_total", "_created", "_count", "_sum", "_bucket"):
        if name.endswith(suffix) and name[: -len(suffix)] in types:
            return name[: -len(suffix)]
    return name


def value(samples, metric, **labels):
    """The value of the sample metric{labels...} (the labels given must match, others may be there),
    or None; it must be the only one."""
    hits = [v for (n, ls), v in samples.items() if n == metric and set(labels.items()) <= set(ls)]
    assert len(hits) <= 1, f"{metric}{labels} matches {len(hits)} samples"
    return hits[0] if hits else None


def ours(labels, connectors, servers):
    """Whether a sample is about the test's connectors (or is the worker's own)."""
    d = dict(labels)
    if "connector" in d:
        return d["connector"] in connectors
    if "name" in d and "plugin" in d:
        return d["name"] in servers
    return True


WORKLOAD_THREADS = 4
TXNS_PER_THREAD = 25


def workload(pg, db):
    """Concurrent, overlapping transactions on both tables; returns (creates, updates, deletes)."""
    counts = [0, 0, 0]
    lock = threading.Lock()
    errors = []

    def run(seed):
        rnd = random.Random(seed)
        conn = pg.connect(db)
        try:
            cur = conn.cursor()
            mine = []
            for i in range(TXNS_PER_THREAD):
                c = u = d = 0
                for _ in range(rnd.randint(1, 6)):
                    op = rnd.random()
                    if op < 0.6 or not mine:
                        table = rnd.choice(["customers", "orders"])
                        cur.execute(f"INSERT INTO {table} (name) VALUES (%s) RETURNING id", (f"t{seed}-{i}",))
                        mine.append((table, cur.fetchone()[0]))
                        c += 1
                    elif op < 0.85:
                        table, key = rnd.choice(mine)
                        cur.execute(f"UPDATE {table} SET name = name || 'u' WHERE id = %s", (key,))
                        u += 1
                    else:
                        table, key = mine.pop(rnd.randrange(len(mine)))
                        cur.execute(f"DELETE FROM {table} WHERE id = %s", (key,))
                        d += 1
                conn.commit()
                with lock:
                    counts[0] += c
                    counts[1] += u
                    counts[2] += d
        except Exception as e:  # noqa: BLE001 - reported by the caller
            errors.append(e)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(s,)) for s in range(WORKLOAD_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return tuple(counts)


SNAPSHOT_ROWS = {"public.customers": 120, "public.orders": 75}
LINES = 40


def test_metrics_match_kafka_connect_with_jmx_exporter(pg, worker, reference):
    with own_database(pg) as db, tempfile.TemporaryDirectory() as tmp:
        conn = pg.connect(db)
        cur = conn.cursor()
        for table, n in SNAPSHOT_ROWS.items():
            cur.execute(f"CREATE TABLE {table} (id serial PRIMARY KEY, name text)")
            cur.execute(f"ALTER TABLE {table} REPLICA IDENTITY FULL")
            cur.execute(f"INSERT INTO {table} (name) SELECT 'row ' || g FROM generate_series(1, {n}) g")
        conn.commit()
        conn.close()
        source_file = os.path.join(tmp, "in.txt")
        with open(source_file, "w") as f:
            f.write("".join(f"line {i}\n" for i in range(LINES)))
        os.chmod(tmp, 0o777)

        sides = {"connectd": (worker, worker.get, worker.request, f"{worker.url}/metrics"),
                 "java": (reference, reference.get, reference.request, reference.metrics_url)}
        names = {"pg": "metrics-pg", "src": "metrics-src", "sink": "metrics-sink"}
        server = "mtr"
        for label, (_, get, request, _) in sides.items():
            pg_config = {
                "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
                "database.hostname": "127.0.0.1", "database.port": str(pg.port), "database.user": "postgres",
                "database.password": "postgres", "database.dbname": db, "topic.prefix": server,
                "plugin.name": "pgoutput", "slot.name": f"metrics_{label}",
                "publication.name": f"metrics_{label}",
                "table.include.list": "public.customers,public.orders"}
            s, body, _ = request("PUT", f"/connectors/{names['pg']}/config", pg_config)
            assert s == 201, (label, s, body)
            s, body, _ = request("PUT", f"/connectors/{names['src']}/config", {
                "connector.class": "FileStreamSource", "file": source_file, "topic": "metrics-lines"})
            assert s == 201, (label, s, body)
            s, body, _ = request("PUT", f"/connectors/{names['sink']}/config", {
                "connector.class": "FileStreamSink", "file": os.path.join(tmp, f"out-{label}.txt"),
                "topics": "metrics-lines"})
            assert s == 201, (label, s, body)

        def snapshot_done(url):
            samples, _, _ = scrape(url)
            return value(samples, "debezium_metrics_snapshotcompleted", name=server, context="snapshot") == 1 \
                and value(samples, "debezium_metrics_connected", name=server, context="streaming") == 1

        for label, (_, _, _, url) in sides.items():
            wait_for(lambda: snapshot_done(url), 120, f"{label}: snapshot completed and streaming")

        creates, updates, deletes = workload(pg, db)
        events = creates + updates + deletes

        def streamed(url):
            samples, _, _ = scrape(url)
            return value(samples, "debezium_metrics_totalnumberofeventsseen", name=server,
                         context="streaming") == events
        for label, (_, _, _, url) in sides.items():
            wait_for(lambda: streamed(url), 120, f"{label}: {events} streaming events seen")
        for label in sides:
            out = os.path.join(tmp, f"out-{label}.txt")
            wait_for(lambda: os.path.exists(out) and open(out).read().count("\n") == LINES, 60,
                     f"{label}: the sink wrote {LINES} lines")

        # Idle and committed: the slot lag goes back to 0 (connectd's own metric).
        seen = {}

        def lag_zero():
            samples, _, _ = scrape(f"{worker.url}/metrics")
            seen.update({n: value(samples, n, slot_name="metrics_connectd") for n in (
                "pg_replication_slot_slot_current_wal_lsn", "pg_replication_slot_slot_confirmed_flush_lsn",
                "connectd_replication_slot_lag_bytes")})
            return seen["connectd_replication_slot_lag_bytes"] == 0
        try:
            wait_for(lag_zero, 60, "connectd's slot lag back to 0 once idle and committed")
        except BaseException:
            pytest.fail(f"connectd's slot lag did not return to 0: {seen}")
        with pg.connect(db) as c, c.cursor() as cur:  # and the slot agrees
            cur.execute("SELECT pg_current_wal_lsn() - confirmed_flush_lsn FROM pg_replication_slots "
                        "WHERE slot_name = 'metrics_connectd'")
            server_lag = cur.fetchone()[0]
        assert server_lag >= 0

        cd, cd_types, cd_ctype = scrape(f"{worker.url}/metrics")
        java, java_types, _ = scrape(reference.metrics_url)
        assert cd_ctype == CONTENT_TYPE

        # Every family (name, TYPE, label keys) the JVM shows for these connectors and the worker.
        connectors, servers = set(names.values()), {server}
        want, have = {}, {}
        for samples, types, into in ((java, java_types, want), (cd, cd_types, have)):
            for (name, labels), _ in samples.items():
                if not ours(labels, connectors, servers):
                    continue
                fam = family_of(name, types)
                into.setdefault((name, types.get(fam), frozenset(k for k, _ in labels)), 0)
                into[(name, types.get(fam), frozenset(k for k, _ in labels))] += 1
        missing = []
        for (name, typ, keys) in sorted(want, key=str):
            if any(re.match(p, name) for p, _ in ALLOWED_MISSING):
                continue
            if (name, typ, keys) not in have:
                other = [(t, sorted(k)) for (n, t, k) in have if n == name]
                missing.append(f"{name} {typ} {sorted(keys)}" + (f" (connectd has {other})" if other else ""))
        assert not missing, "families of Kafka Connect's exporter missing in connectd's /metrics:\n  " + \
            "\n  ".join(missing)

        # Values both must agree on.
        for name, labels in [
            ("kafka_connect_connector_status", {"connector": names["pg"], "status": "running"}),
            ("kafka_connect_connector_status", {"connector": names["src"], "status": "running"}),
            ("kafka_connect_connector_task_status", {"connector": names["sink"], "task": "0", "status": "running"}),
            ("kafka_connect_worker_connector_running_task_count", {"connector": names["pg"]}),
            ("kafka_connect_worker_connector_total_task_count", {"connector": names["sink"]}),
            ("kafka_connect_worker_connector_failed_task_count", {"connector": names["src"]}),
            ("debezium_metrics_totalnumberofeventsseen", {"name": server, "context": "streaming"}),
            ("debezium_metrics_totalnumberofcreateeventsseen", {"name": server, "context": "streaming"}),
            ("debezium_metrics_totalnumberofupdateeventsseen", {"name": server, "context": "streaming"}),
            ("debezium_metrics_totalnumberofdeleteeventsseen", {"name": server, "context": "streaming"}),
            ("debezium_metrics_numberofcommittedtransactions", {"name": server, "context": "streaming"}),
            ("debezium_metrics_totalnumberofeventsseen", {"name": server, "context": "snapshot"}),
            ("debezium_metrics_totaltablecount", {"name": server, "context": "snapshot"}),
            ("debezium_metrics_remainingtablecount", {"name": server, "context": "snapshot"}),
            ("debezium_metrics_snapshotrunning", {"name": server, "context": "snapshot"}),
            ("debezium_metrics_snapshotaborted", {"name": server, "context": "snapshot"}),
            ("debezium_metrics_connected", {"name": server, "context": "streaming"}),
            ("kafka_connect_source_task_source_record_poll_total", {"connector": names["src"], "task": "0"}),
            ("kafka_connect_source_task_source_record_write_total", {"connector": names["src"], "task": "0"}),
            ("kafka_connect_source_task_source_record_poll_total", {"connector": names["pg"], "task": "0"}),
            ("kafka_connect_sink_task_sink_record_read_total", {"connector": names["sink"], "task": "0"}),
            ("kafka_connect_sink_task_sink_record_send_total", {"connector": names["sink"], "task": "0"}),
            ("kafka_connect_task_error_total_record_errors", {"connector": names["pg"], "task": "0"}),
        ]:
            assert value(cd, name, **labels) == value(java, name, **labels), (name, labels)
            assert value(cd, name, **labels) is not None, (name, labels)
        for table, n in SNAPSHOT_ROWS.items():
            for samples in (cd, java):
                assert value(samples, "debezium_metrics_rowsscanned", name=server, context="snapshot",
                             table=table) == n, table
        assert value(cd, "kafka_connect_source_task_source_record_poll_total",
                     connector=names["src"], task="0") == LINES
        assert value(cd, "debezium_metrics_totalnumberofeventsseen", name=server, context="snapshot") == \
            sum(SNAPSHOT_ROWS.values())
        # a delete is followed by its tombstone: both are records the task polled
        assert value(cd, "kafka_connect_source_task_source_record_poll_total", connector=names["pg"],
                     task="0") == sum(SNAPSHOT_ROWS.values()) + events + deletes

        for label, (_, _, request, _) in sides.items():
            for n in names.values():
                request("DELETE", f"/connectors/{n}")
        # Connectors that stop disappear from the output, as their MBeans are unregistered.
        wait_for(lambda: not any(ours(ls, connectors, servers) and ("connector" in dict(ls) or "plugin" in dict(ls))
                                 for (_, ls) in scrape(f"{worker.url}/metrics")[0]), 60,
                 "the deleted connectors gone from connectd's /metrics")
        for label, (_, get, _, _) in sides.items():
            for n in names.values():
                wait_for(lambda: get(f"/connectors/{n}/status")[0] == 404, 60, f"{n} deleted on {label}")
