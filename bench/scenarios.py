"""scenarios.py - the scenarios run.py runs, one function each, and their sizes (Settings: the
defaults fit `make bench` in under 20 minutes on a 2-core machine; BENCH_QUICK=1 and the BENCH_*
knobs change them). Each scenario appends result rows to the list it is given: a row has "case",
its figures, "text" (the table's result and beside-it columns) and, when that case failed,
"error". bench/README.md defines every figure.

Invariant: a scenario stops everything it started before it returns or raises (its own Stack);
only the real Kafka is shared by the run (Context), and run.py stops it last.
"""
import os
import re
import signal
import subprocess
import time

import benchlib as bl
from benchlib import BenchError, Stack, conftest

TABLE = "public.bench"


# ---------------------------------------------------------------- sizes

def _env_list(name, default, conv=int):
    raw = os.environ.get(name, default)
    try:
        out = [conv(x) for x in raw.replace(",", " ").split()]
    except ValueError:
        out = []
    if not out:
        raise BenchError(f"{name} must list values such as {default!r}, not {raw!r}")
    return out


class Settings:
    """Every size of a run, from the environment (BENCH_QUICK=1 picks the small defaults)."""

    def __init__(self):
        quick = os.environ.get("BENCH_QUICK", "0") not in ("", "0")
        q = lambda full, small: small if quick else full  # noqa: E731
        self.quick = quick
        self.brokers = _env_list("BENCH_BROKERS", "mock kafka", str)
        if set(self.brokers) - {"mock", "kafka"}:
            raise BenchError(f"BENCH_BROKERS lists mock and/or kafka, not {self.brokers}")

        def size(pair):
            txn, rows = pair.split(":")
            return int(txn), int(rows)
        sizes = _env_list("BENCH_STREAM_ROWS", q("1:30000 10:200000 1000:400000",
                                                 "1:2000 10:10000 1000:20000"), size)
        if any(t <= 0 or n <= 0 for t, n in sizes):
            raise BenchError("BENCH_STREAM_ROWS lists TXN_ROWS:ROWS pairs of positive integers")
        self.stream_rows = sizes
        self.writers = bl.positive_int("BENCH_WRITERS", 4)
        self.peer_rows = bl.positive_int("BENCH_PEER_ROWS", q(200000, 10000))
        self.peer_warmup = bl.positive_int("BENCH_PEER_WARMUP", q(10000, 500))
        self.latency_rates = _env_list("BENCH_LATENCY_RATES", "10000 50000")
        raw = os.environ.get("BENCH_LATENCY_SEND_RATES", "50000").strip()
        self.latency_send_rates = [] if raw in ("", "0") else _env_list("BENCH_LATENCY_SEND_RATES", "50000")
        self.latency_seconds = bl.positive_int("BENCH_LATENCY_SECONDS", q(20, 3))
        self.latency_txn_rows = bl.positive_int("BENCH_LATENCY_TXN_ROWS", 100)
        self.snapshot_rows = bl.positive_int("BENCH_SNAPSHOT_ROWS", q(1000000, 100000))
        self.snapshot_threads = _env_list("BENCH_SNAPSHOT_THREADS", "1")
        self.idle_connectors = bl.positive_int("BENCH_IDLE_CONNECTORS", 10)
        self.bigtxn_rows = bl.positive_int("BENCH_BIGTXN_ROWS", q(1000000, 100000))
        self.starts = bl.positive_int("BENCH_STARTS", q(20, 5))
        self.settle_seconds = bl.positive_int("BENCH_SETTLE_SECONDS", 3)
        self.converter_events = bl.positive_int("BENCH_CONVERTER_EVENTS", q(500000, 100000))

    def as_dict(self):
        return {k: v for k, v in vars(self).items()}


class Context:
    """What scenarios share: the real Kafka, started on first use and stopped by close()."""

    def __init__(self, settings):
        self.settings = settings
        self.stack = Stack()
        self._kafka = None
        self._kafka_error = None

    def kafka(self):
        if self._kafka_error:
            raise BenchError(f"the real Kafka did not start earlier in this run: {self._kafka_error}")
        if self._kafka is None:
            try:
                self._kafka = bl.start_kafka(self.stack)
            except (Exception, bl.FixtureFailed) as e:
                self._kafka_error = str(e).splitlines()[0]
                raise BenchError(f"the real Kafka did not start: {e}")
        return self._kafka

    def broker(self, kind, stack):
        """The mock (a new one, on stack) or the shared real Kafka."""
        return bl.start_mock_broker(stack) if kind == "mock" else self.kafka()

    def close(self):
        self.stack.close()


def _failed(case, e):
    msg = str(e) if isinstance(e, (BenchError, bl.FixtureFailed)) else f"{type(e).__name__}: {e}"
    return {"case": case, "error": msg or type(e).__name__}


def _k(x):
    """A rate for the table: 12.3 k, 1.23 M."""
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e4:
        return f"{x / 1e3:.0f} k"
    if x >= 1e3:
        return f"{x / 1e3:.1f} k"
    return f"{x:.0f}"


def _mib(kb):
    return round(kb / 1024, 1) if kb is not None else None


# ---------------------------------------------------------------- converter

def converter(ctx, results):
    """bench_converter's lines: the JsonConverter on one core, beside memcpy."""
    binary = bl.ROOT / "build/bench/bench_converter"
    if not os.access(binary, os.X_OK):
        raise BenchError(f"{binary} not found; `make bench` builds it")
    p = subprocess.run([str(binary), str(ctx.settings.converter_events)], capture_output=True,
                       text=True, timeout=600)
    if p.returncode != 0:
        raise BenchError(f"bench_converter exited with {p.returncode}: {p.stderr.strip()}")
    raw = re.compile(r"schemas\.enable=(\w+)\s+(\d+)-byte event: (\d+) events/s \((\d+) MB/s\); "
                     r"memcpy of the same bytes: (\d+) MB/s")
    flat = re.compile(r"flattened .* \((\d+) bytes\): (\d+) events/s")
    last = None
    for line in p.stdout.splitlines():
        m, f = raw.search(line), flat.search(line)
        if m:
            last = {"case": f"JsonConverter, schemas.enable={m.group(1)}, {m.group(2)}-byte event",
                    "schemas": m.group(1) == "true", "bytes": int(m.group(2)),
                    "events_per_s": int(m.group(3)), "mb_per_s": int(m.group(4)),
                    "memcpy_mb_per_s": int(m.group(5))}
            last["text"] = {"result": f"{_k(last['events_per_s'])} events/s on one core",
                            "beside": f"{last['mb_per_s']} MB/s; memcpy of the same bytes "
                                      f"{last['memcpy_mb_per_s']} MB/s"}
            results.append(last)
        elif f and last:
            results.append({"case": f"ExtractNewRecordState, then JsonConverter, "
                                    f"schemas.enable={'true' if last['schemas'] else 'false'}",
                            "bytes": int(f.group(1)), "events_per_s": int(f.group(2)),
                            "text": {"result": f"{_k(int(f.group(2)))} events/s on one core",
                                     "beside": f"{f.group(1)}-byte flattened row; raw event "
                                               f"{_k(last['events_per_s'])} events/s"}})
    if not results:
        raise BenchError(f"bench_converter printed nothing this driver reads:\n{p.stdout}")


# ---------------------------------------------------------------- streaming

def measure_stream(pg, ids, wm, n, txn_rows, writers, pid, walpid, alive, broker_pid=None, perf_name=None):
    """n rows in transactions of txn_rows by `writers` sessions, from the first insert until Kafka
    has taken all n; the figures of that window. Raises BenchError when the topic got another
    count than n. With BENCH_PERF_DIR set, `perf record -g` samples the worker over the window
    into BENCH_PERF_DIR/<perf_name>.data."""
    base = wm.total()
    perf = _perf_start(pid, perf_name)
    try:
        cpu0, wal0 = bl.cpu_seconds(pid), bl.cpu_seconds(walpid)
        b0 = bl.cpu_seconds(broker_pid) if broker_pid else None
        t_start, t_end = bl.insert_rows(pg, ids, n, txn_rows, writers)
        seen, t_done = wm.wait_for(base + n, 60 + n / 500, alive, f"{n} rows in {txn_rows}-row transactions")
        cpu, wal = bl.cpu_seconds(pid) - cpu0, bl.cpu_seconds(walpid) - wal0
        bcpu = bl.cpu_seconds(broker_pid) - b0 if broker_pid else None
    except FileNotFoundError as e:
        raise BenchError(f"a process measured left during the run ({e.filename}): the walsender "
                         "reconnected or the worker died")
    finally:
        _perf_stop(perf)
    acked = seen - base
    if acked != n:
        raise BenchError(f"{wm.topic} took {acked} records for {n} rows written")
    elapsed = t_done - t_start
    return {"rows": n, "rows_acked": acked, "txn_rows": txn_rows, "writers": writers,
            "seconds": round(elapsed, 3), "rows_per_s": round(n / elapsed),
            "commit_rows_per_s": round(n / (t_end - t_start)),
            "ack_after_last_commit_s": round(t_done - t_end, 3),
            "walsender_cpu_pct": round(100 * wal / elapsed, 1),
            "worker_cpu_s": round(cpu, 2), "worker_cpu_s_per_100k": round(cpu * 1e5 / n, 2),
            "broker_cpu_pct": round(100 * bcpu / elapsed, 1) if bcpu is not None else None}


def _perf_start(pid, name):
    out = os.environ.get("BENCH_PERF_DIR")
    if not out or not name:
        return None
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, re.sub(r"[^\w.-]+", "_", name) + ".data")
    p = subprocess.Popen(["perf", "record", "-q", "-g", "-p", str(pid), "-o", path],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)  # perf attaches to every thread before the window opens
    return p


def _perf_stop(p):
    if p is None:
        return
    p.send_signal(signal.SIGINT)
    try:
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def streaming(ctx, results):
    """Rows/s end to end per transaction size, with and without JSON schemas, per broker."""
    s = ctx.settings
    stack = Stack()
    try:
        pg = bl.start_postgres(stack)
        bl.create_bench_table(pg)
        ids = bl.Ids()
        for kind in s.brokers:
            sub = Stack()
            try:
                broker = ctx.broker(kind, sub)
                c, _ = bl.start_connectd(sub, broker)
            except (Exception, bl.FixtureFailed) as e:
                sub.close()
                results.append(_failed(f"{kind} broker", e))
                continue
            try:
                for schemas in (True, False):
                    _stream_connector(ctx, pg, ids, broker, c, schemas, results)
            finally:
                sub.close()
    finally:
        stack.close()


def _stream_connector(ctx, pg, ids, broker, c, schemas, results):
    s = ctx.settings
    tag = f"{broker.kind}-{'schemas' if schemas else 'plain'}"
    name, slot = f"stream-{tag}", f"stream_{tag.replace('-', '_')}"
    label = lambda t: f"{broker.kind} broker, schemas {'on' if schemas else 'off'}, {t}-row txns"  # noqa: E731
    alive = lambda: bl.connectd_alive(c)  # noqa: E731
    wm = None
    try:
        bl.register(c, name, bl.pg_connector(pg, name, slot, schemas))
        bl.wait_running(c, name, alive)
        walpid = bl.wait_streaming(pg, slot)
        wm = bl.Watermarks(broker.bootstrap, f"{name}.{TABLE}")
        bl.warm_up(pg, ids, broker.bootstrap, wm, c.names.offsets, alive)
    except (Exception, bl.FixtureFailed) as e:
        for txn_rows, _ in s.stream_rows:
            results.append(_failed(label(txn_rows), e))
        if wm:
            wm.close()
        return
    try:
        for txn_rows, n in s.stream_rows:
            try:
                r = measure_stream(pg, ids, wm, n, txn_rows, s.writers, c.proc.pid, walpid, alive,
                                   bl.broker_pid(broker), perf_name=f"{tag}-{txn_rows}")
            except (Exception, bl.FixtureFailed) as e:
                results.append(_failed(label(txn_rows), e))
                continue
            r.update(case=label(txn_rows), broker=broker.kind, schemas=schemas)
            r["text"] = {"result": f"{_k(r['rows_per_s'])} rows/s",
                         "beside": f"walsender {r['walsender_cpu_pct']:.0f}% of a core; connectd "
                                   f"{r['worker_cpu_s_per_100k']:.2f} CPU s/100k rows; broker "
                                   f"{r['broker_cpu_pct']:.0f}%; {n} rows, {s.writers} writers"}
            results.append(r)
    finally:
        wm.close()
        c.request("DELETE", f"/connectors/{name}")
        bl.drop_slot(pg, slot)


# ---------------------------------------------------------------- the peer

def java_alive(pid, j):
    def alive():
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(") ", 1)[1].startswith("Z"):
                    raise OSError
        except (OSError, IndexError):
            raise BenchError(f"Kafka Connect (pid {pid}) exited:\n{j.log()[-4000:]}")
    return alive


def peer(ctx, results):
    """The same workload through connectd and through Kafka Connect + Debezium on the real Kafka,
    one after the other, on the same PostgreSQL."""
    kafka = ctx.kafka()
    stack = Stack()
    try:
        pg = bl.start_postgres(stack)
        bl.create_bench_table(pg)
        ids = bl.Ids()
        got = {}
        for side in ("connectd", "debezium"):
            try:
                got[side] = _peer_side(ctx, pg, ids, kafka, side)
                results.append(got[side])
            except (Exception, bl.FixtureFailed) as e:
                results.append(_failed(side, e))
        if len(got) == 2:
            c, d = got["connectd"], got["debezium"]
            ratio = {k: round(c[k] / d[k], 3) if d[k] else None
                     for k in ("rows_per_s", "worker_cpu_s_per_100k", "rss_peak_mib", "rss_steady_mib",
                               "startup_s")}
            results.append({"case": "ratio connectd / Debezium", "ratios": ratio,
                            "text": {"result": f"rows/s x{ratio['rows_per_s']}",
                                     "beside": f"CPU/100k rows x{ratio['worker_cpu_s_per_100k']}, "
                                               f"peak RSS x{ratio['rss_peak_mib']}, steady RSS "
                                               f"x{ratio['rss_steady_mib']}, start-up x{ratio['startup_s']}"}})
    finally:
        stack.close()


def _peer_side(ctx, pg, ids, kafka, side):
    s = ctx.settings
    sub = Stack()
    names = conftest.Names("kafka")
    slot = f"peer_{side}"
    name = f"peer-{side}-{names.suffix.strip('-')}"
    try:
        if side == "connectd":
            worker, startup = bl.start_connectd(sub, kafka, names)
            pid = worker.proc.pid
            alive = lambda: bl.connectd_alive(worker)  # noqa: E731
        else:
            worker, pid, startup = bl.start_java_connect(sub, kafka, names)
            alive = java_alive(pid, worker)
        bl.register(worker, name, bl.pg_connector(pg, name, slot, True))
        bl.wait_running(worker, name, alive, timeout=120)
        walpid = bl.wait_streaming(pg, slot, timeout=120)
        wm = bl.Watermarks(kafka.bootstrap, f"{name}.{TABLE}")
        sub.push("watermarks", wm.close)
        bl.warm_up(pg, ids, kafka.bootstrap, wm, names.offsets, alive, s.peer_warmup, 10)
        sampler = bl.RssSampler(pid).start()
        try:
            r = measure_stream(pg, ids, wm, s.peer_rows, 10, s.writers, pid, walpid, alive,
                               bl.broker_pid(kafka))
        finally:
            sampler.stop()
        r.update(case=side, startup_s=round(startup, 3),
                 rss_peak_mib=_mib(bl.proc_status(pid, "VmHWM")), rss_steady_mib=_mib(sampler.median()))
        r["text"] = {"result": f"{_k(r['rows_per_s'])} rows/s",
                     "beside": f"{r['worker_cpu_s_per_100k']:.2f} CPU s/100k rows; RSS peak "
                               f"{r['rss_peak_mib']} MiB, steady {r['rss_steady_mib']} MiB; start-up "
                               f"{r['startup_s']:.2f} s; walsender {r['walsender_cpu_pct']:.0f}%; "
                               f"{r['rows']} rows in 10-row txns, schemas on, real broker"}
        return r
    finally:
        sub.close()
        try:
            bl.drop_slot(pg, slot)
        except (Exception, bl.FixtureFailed) as e:
            print(f"bench: dropping slot {slot}: {e}")


# ---------------------------------------------------------------- latency

def _source_ts_us(value):
    """source.ts_us of a JSON change event (with or without schemas), found without parsing the
    whole event: the first "ts_us" after "source" in the payload."""
    i = value.find(b'"payload":')
    j = value.find(b'"source":', max(i, 0))
    k = value.find(b'"ts_us":', j) if j >= 0 else -1
    if k < 0:
        raise BenchError(f"no source.ts_us in the event {value[:200]!r}")
    m = re.match(rb"\s*(-?\d+)", value[k + 8:k + 40])
    if not m:
        raise BenchError(f"source.ts_us is not a number in {value[k:k + 60]!r}")
    return int(m.group(1))


def consume_latencies(bootstrap, topic, start, count, timeout, kind):
    """For the records at offsets [start, start + count) of partition 0: the record's timestamp
    (ms) minus source.ts_us, in ms. kind is the topic's message.timestamp.type: LogAppendTime (the
    broker's append) or CreateTime (when connectd handed the record to its producer)."""
    from confluent_kafka import TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME, Consumer, TopicPartition
    want = TIMESTAMP_LOG_APPEND_TIME if kind == "LogAppendTime" else TIMESTAMP_CREATE_TIME
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-latency",
                         "enable.auto.commit": False})
    out = []
    try:
        consumer.assign([TopicPartition(topic, 0, start)])
        deadline = time.monotonic() + timeout
        while len(out) < count:
            if time.monotonic() > deadline:
                raise BenchError(f"read {len(out)} of {count} records of {topic} within {timeout}s")
            for m in consumer.consume(num_messages=5000, timeout=1):
                if m.error():
                    raise BenchError(f"reading {topic}: {m.error()}")
                if m.offset() >= start + count:
                    continue
                tstype, ts = m.timestamp()
                if tstype != want:
                    raise BenchError(f"{topic}'s records carry timestamp type {tstype}, not {kind}")
                out.append(ts - _source_ts_us(m.value()) / 1000)
    finally:
        consumer.close()
    return out


def _pct(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(p * len(sorted_values)))]


def latency(ctx, results):
    """Commit-to-append latency at steady paced rates, on the real Kafka; then, with a connector
    of its own, commit to connectd's send at BENCH_LATENCY_SEND_RATES: the part before the broker."""
    s = ctx.settings
    _latency_runs(ctx, results, "LogAppendTime", s.latency_rates)
    if s.latency_send_rates:
        _latency_runs(ctx, results, "CreateTime", s.latency_send_rates)


def _latency_runs(ctx, results, kind, rates):
    s = ctx.settings
    kafka = ctx.kafka()
    stack = Stack()
    try:
        pg = bl.start_postgres(stack)
        bl.create_bench_table(pg)
        ids = bl.Ids()
        c, _ = bl.start_connectd(stack, kafka)
        alive = lambda: bl.connectd_alive(c)  # noqa: E731
        name = f"latency-{c.names.suffix.strip('-')}"
        topic = f"{name}.{TABLE}"
        # LogAppendTime: each record's timestamp is the broker's append time. CreateTime: the
        # producer's, which librdkafka takes when connectd hands the record over.
        kafka.create_topic(topic, 1, {"message.timestamp.type": kind})
        bl.register(c, name, bl.pg_connector(pg, name, "latency", True))
        bl.wait_running(c, name, alive)
        bl.wait_streaming(pg, "latency")
        wm = bl.Watermarks(kafka.bootstrap, topic)
        stack.push("watermarks", wm.close)
        bl.warm_up(pg, ids, kafka.bootstrap, wm, c.names.offsets, alive, 1000, s.latency_txn_rows)
        for rate in rates:
            case = f"{_k(rate)} changes/s, {s.latency_txn_rows}-row txns"
            if kind == "CreateTime":
                case += ", to connectd's send"
            try:
                n = rate * s.latency_seconds
                base = wm.total()
                t0, t1 = bl.insert_rows(pg, ids, n, s.latency_txn_rows, 2, rate=rate)
                seen, t_acked = wm.wait_for(base + n, 120 + n / 1000, alive, f"{n} paced rows")
                if seen - base != n:
                    raise BenchError(f"{topic} took {seen - base} records for {n} rows written")
                lat = sorted(consume_latencies(kafka.bootstrap, topic, base, n, 120 + n / 5000, kind))
                achieved = n / (t1 - t0)
                drained = n / (t_acked - t0)
                r = {"case": case, "timestamp": kind, "target_rows_per_s": rate,
                     "achieved_rows_per_s": round(achieved), "acked_rows_per_s": round(drained),
                     "rows": n, "rows_acked": seen - base, "records_read": len(lat),
                     "txn_rows": s.latency_txn_rows, "writers": 2,
                     "p50_ms": round(_pct(lat, 0.50)), "p99_ms": round(_pct(lat, 0.99)),
                     "max_ms": round(lat[-1])}
                what = "COMMIT to the broker's append" if kind == "LogAppendTime" else \
                    "COMMIT to connectd's produce() (CreateTime)"
                r["text"] = {"result": f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms",
                             "beside": f"{what}; written at {_k(achieved)} rows/s for {s.latency_seconds} s, "
                                       f"acknowledged at {_k(drained)} rows/s; synchronous commits; "
                                       f"real broker, schemas on"}
                results.append(r)
            except (Exception, bl.FixtureFailed) as e:
                results.append(_failed(case, e))
    finally:
        stack.close()


# ---------------------------------------------------------------- snapshot

SNAP_TABLE = "public.snap"


def fill_snapshot_table(pg, n):
    """A narrow table of n rows (bigint key, two texts, an int, a numeric, a timestamptz), frozen
    so that no read sets hint bits. Returns its size as PostgreSQL prints it."""
    bl.query(pg, f"CREATE TABLE {SNAP_TABLE} (id bigint PRIMARY KEY, name text, status text, qty int, "
                 "price numeric(10,2), created timestamptz NOT NULL)")
    bl.query(pg, f"INSERT INTO {SNAP_TABLE} SELECT g, 'customer-' || g, "
                 "(ARRAY['new','paid','shipped','returned'])[1 + g %% 4], g %% 1000, (g %% 100000) / 100.0, "
                 "timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' "
                 "FROM generate_series(1, %s) g", (n,))
    bl.query(pg, f"VACUUM (FREEZE, ANALYZE) {SNAP_TABLE}")
    if not bl.query(pg, "SELECT 1 FROM pg_publication WHERE pubname = 'dbz_publication'"):
        bl.query(pg, "CREATE PUBLICATION dbz_publication FOR ALL TABLES")
    return bl.query(pg, f"SELECT pg_size_pretty(pg_table_size('{SNAP_TABLE}'))")[0][0]


def copy_to_null(pg):
    """Seconds psql takes to COPY the whole table to /dev/null."""
    argv = [bl.pg_bin("psql"), "-X", "-q", "-h", pg.host, "-p", str(pg.port), "-U", "postgres",
            "-d", "postgres", "-c", f"COPY (SELECT * FROM {SNAP_TABLE}) TO STDOUT"]
    t0 = time.monotonic()
    with open(os.devnull, "wb") as null:
        p = subprocess.run(argv, stdout=null, stderr=subprocess.PIPE, timeout=600)
    elapsed = time.monotonic() - t0
    if p.returncode != 0:
        raise BenchError(f"psql COPY exited with {p.returncode}: {p.stderr.decode(errors='replace').strip()}")
    return elapsed


def snapshot_run(pg, broker, c, n, threads, table=SNAP_TABLE, name=None):
    """A new connector whose initial snapshot reads table (of n rows) with snapshot.max.threads=
    threads; returns (seconds from the request to the last acknowledgement, records taken, connectd CPU s,
    seconds from the request to the first record)."""
    name = name or f"snap{threads}"
    cfg = bl.pg_connector(pg, name, name, True, **{"snapshot.mode": "initial",
                                                   "snapshot.max.threads": str(threads),
                                                   "table.include.list": table})
    wm = bl.Watermarks(broker.bootstrap, f"{name}.{table}")
    try:
        cpu0 = bl.cpu_seconds(c.proc.pid)
        t0 = time.monotonic()
        bl.register(c, name, cfg)
        alive = lambda: bl.connectd_alive(c)  # noqa: E731
        _, t_first = wm.wait_for(1, 60, alive, "the snapshot's first record")
        seen, t1 = wm.wait_for(n, 60 + n / 2000, alive, "the snapshot")
        cpu = bl.cpu_seconds(c.proc.pid) - cpu0
    finally:
        wm.close()
    # The next run snapshots anew with a slot of its own; this one's would hold WAL.
    c.request("DELETE", f"/connectors/{name}")
    bl.drop_slot(pg, name)
    return t1 - t0, seen, cpu, t_first - t0


def snapshot(ctx, results):
    """Rows/s of an initial snapshot, beside COPY TO /dev/null of the same table (mock broker)."""
    s = ctx.settings
    n = s.snapshot_rows
    stack = Stack()
    try:
        pg = bl.start_postgres(stack)
        broker = bl.start_mock_broker(stack)
        c, _ = bl.start_connectd(stack, broker)
        size = fill_snapshot_table(pg, n)
        copy_to_null(pg)  # unmeasured: the table's pages into shared buffers and the page cache
        # Unmeasured: a tiny table's snapshot first. A worker runs connectors only once it has
        # joined its group (seconds after it answers GET /), and its producers then know the
        # broker: neither is the snapshot's cost.
        bl.query(pg, "CREATE TABLE public.snapwarm AS SELECT * FROM public.snap WHERE id <= 10")
        bl.query(pg, "ALTER TABLE public.snapwarm ADD PRIMARY KEY (id)")
        snapshot_run(pg, broker, c, 10, 1, "public.snapwarm", "snapwarm")
        for threads in s.snapshot_threads:
            case = f"{n} rows ({size}), snapshot.max.threads={threads}, mock broker"
            try:
                base = min(copy_to_null(pg), copy_to_null(pg))
                elapsed, seen, cpu, first = snapshot_run(pg, broker, c, n, threads)
                if seen != n:
                    raise BenchError(f"the snapshot took {seen} records for a table of {n} rows")
                r = {"case": case, "rows": n, "rows_acked": seen, "threads": threads,
                     "seconds": round(elapsed, 3), "rows_per_s": round(n / elapsed),
                     "first_record_s": round(first, 3), "copy_seconds": round(base, 3), "copy_rows_per_s": round(n / base),
                     "ratio_to_copy": round(base / elapsed, 3), "connectd_cpu_pct": round(100 * cpu / elapsed),
                     "connectd_peak_rss_mib": _mib(bl.proc_status(c.proc.pid, "VmHWM"))}
                r["text"] = {"result": f"{_k(r['rows_per_s'])} rows/s",
                             "beside": f"COPY TO /dev/null {_k(r['copy_rows_per_s'])} rows/s (ratio "
                                       f"{r['ratio_to_copy']}); connectd {r['connectd_cpu_pct']}% of a core; "
                                       f"first record after {r['first_record_s']:.2f} s"}
                results.append(r)
            except (Exception, bl.FixtureFailed) as e:
                results.append(_failed(case, e))
    finally:
        stack.close()


# ---------------------------------------------------------------- footprint

def footprint(ctx, results):
    """connectd's memory idle and under one huge transaction (mock broker), and its start-up time
    on each broker."""
    s = ctx.settings
    stack = Stack()
    try:
        pg = bl.start_postgres(stack)
        bl.create_bench_table(pg)
        bl.query(pg, "CREATE TABLE public.idle (id bigint PRIMARY KEY)")
        ids = bl.Ids()
        for what in (_idle_rss, _big_transaction):
            try:
                what(s, pg, ids, results)
            except (Exception, bl.FixtureFailed) as e:
                results.append(_failed(what.__name__.strip("_").replace("_", " "), e))
        for kind in s.brokers:
            try:
                _startups(s, ctx.broker(kind, stack), results)
            except (Exception, bl.FixtureFailed) as e:
                results.append(_failed(f"start-up, {kind} broker", e))
    finally:
        stack.close()


def _settle_rss(pid, seconds):
    """VmRSS after `seconds` with nothing to do (start-up and the connectors' first polls done)."""
    time.sleep(seconds)
    return bl.proc_status(pid, "VmRSS")


def _idle_rss(s, pg, ids, results):
    sub = Stack()
    try:
        # A broker of its own: a later worker on it would run these connectors too.
        broker = bl.start_mock_broker(sub)
        c, _ = bl.start_connectd(sub, broker)
        idle0 = _settle_rss(c.proc.pid, s.settle_seconds)
        alive = lambda: bl.connectd_alive(c)  # noqa: E731
        k = s.idle_connectors
        for i in range(k):
            bl.register(c, f"idle{i}", bl.pg_connector(pg, f"idle{i}", f"idle{i}", True,
                                                       **{"table.include.list": "public.idle"}))
        for i in range(k):
            bl.wait_running(c, f"idle{i}", alive)
            bl.wait_streaming(pg, f"idle{i}")
        idlek = _settle_rss(c.proc.pid, s.settle_seconds)
        results.append({"case": "idle RSS, 0 connectors", "rss_mib": _mib(idle0),
                        "text": {"result": f"{_mib(idle0)} MiB", "beside": "VmRSS, mock broker"}})
        results.append({"case": f"idle RSS, {k} PostgreSQL connectors", "connectors": k, "rss_mib": _mib(idlek),
                        "text": {"result": f"{_mib(idlek)} MiB",
                                 "beside": f"VmRSS, each connector streaming with nothing to send; "
                                           f"{_mib(idlek - idle0)} MiB more than idle"}})
    finally:
        sub.close()
        for i in range(s.idle_connectors):
            bl.query(pg, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                         "WHERE slot_name = %s AND active_pid IS NULL", (f"idle{i}",))


def _big_transaction(s, pg, ids, results):
    n = s.bigtxn_rows
    sub = Stack()
    try:
        broker = bl.start_mock_broker(sub)
        c, _ = bl.start_connectd(sub, broker)
        alive = lambda: bl.connectd_alive(c)  # noqa: E731
        bl.register(c, "big", bl.pg_connector(pg, "big", "big", True))
        bl.wait_running(c, "big", alive)
        bl.wait_streaming(pg, "big")
        wm = bl.Watermarks(broker.bootstrap, f"big.{TABLE}")
        sub.push("watermarks", wm.close)
        bl.warm_up(pg, ids, broker.bootstrap, wm, c.names.offsets, alive)
        before = bl.proc_status(c.proc.pid, "VmHWM")
        base = wm.total()
        t0, _ = bl.insert_rows(pg, ids, n, n, 1)
        seen, t1 = wm.wait_for(base + n, 120 + n / 500, alive, f"one {n}-row transaction")
        if seen - base != n:
            raise BenchError(f"big.{TABLE} took {seen - base} records for {n} rows written")
        peak = bl.proc_status(c.proc.pid, "VmHWM")
        results.append({"case": f"peak RSS, one {n}-row transaction", "rows": n, "rows_acked": seen - base,
                        "rss_peak_mib": _mib(peak), "rss_peak_before_mib": _mib(before),
                        "seconds": round(t1 - t0, 3),
                        "text": {"result": f"{_mib(peak)} MiB",
                                 "beside": f"VmHWM; {_mib(before)} MiB before the transaction; "
                                           f"{_k(n / (t1 - t0))} rows/s, schemas on, mock broker"}})
    finally:
        sub.close()


def _startups(s, broker, results):
    """One unmeasured start (it creates the internal topics on a real Kafka), then s.starts
    measured ones of a worker with the same group and topics, each stopped before the next."""
    names = getattr(broker, "names", None) or conftest.Names(broker.kind)
    times = []
    for i in range(s.starts + 1):
        sub = Stack()
        try:
            c, took = bl.start_connectd(sub, broker, names)
            bl.stop_connectd(c)
        finally:
            sub.close()
        if i:
            times.append(took)
    times.sort()
    med = times[len(times) // 2] if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2
    results.append({"case": f"start-up, {broker.kind} broker", "starts": len(times),
                    "median_s": round(med, 4), "worst_s": round(times[-1], 4),
                    "text": {"result": f"median {1000 * med:.0f} ms, worst {1000 * times[-1]:.0f} ms",
                             "beside": f"exec to GET / answering 200, {len(times)} starts"}})
