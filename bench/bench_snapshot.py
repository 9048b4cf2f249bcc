#!/usr/bin/python3
"""bench_snapshot.py - the initial snapshot benchmark: rows per second of a table that exists before
the connector starts, from registering the connector to the acknowledgement by Kafka of its last
op "r" record, beside `COPY (SELECT ...) TO STDOUT` of the same table into /dev/null by psql in the
same run. The ratio of the two is the figure, once with snapshot.max.threads=1 (one COPY, as
Debezium reads a table) and once with parallel chunks of heap blocks (snapshot.max.threads=2).

Run with Debian's /usr/bin/python3 after `make all` (release build/connectd and build/test-broker):
    /usr/bin/python3 bench/bench_snapshot.py [ROWS]      (or BENCH_SNAPSHOT_ROWS=ROWS; default 1000000)
BENCH_SNAPSHOT_THREADS="1 2" sets the snapshot.max.threads of the runs.

It starts what bench_postgres.py starts (a throwaway PostgreSQL, the test broker, connectd) and
always stops them. The table is a narrow one (bigint key, two texts, an int, a numeric, a
timestamptz; about 90 bytes a row), filled and vacuumed (frozen, so that no read sets hint bits)
before anything is timed. Each connectd run is a new connector with a slot and topic prefix of its
own, so each snapshots the whole table; the baseline is timed just before each run.
"""
import os
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_postgres as bp  # noqa: E402  (sets up conftest for the release binaries)
import conftest  # noqa: E402
import pytest  # noqa: E402

TABLE = "public.snap"


def rows_from_args():
    raw = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_SNAPSHOT_ROWS", "1000000")
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n <= 0:
        raise bp.BenchError(f"the row count must be a positive integer, not {raw!r} "
                            "(give it as the first argument or in BENCH_SNAPSHOT_ROWS)")
    return n


def threads_from_env():
    raw = os.environ.get("BENCH_SNAPSHOT_THREADS", "1 2")
    try:
        out = [int(x) for x in raw.split()]
    except ValueError:
        out = []
    if not out or min(out) < 1:
        raise bp.BenchError(f"BENCH_SNAPSHOT_THREADS must list positive integers, not {raw!r}")
    return out


def fill(pg, n):
    bp.query(pg, f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY, name text, status text, qty int, "
                 "price numeric(10,2), created timestamptz NOT NULL)")
    bp.query(pg, f"INSERT INTO {TABLE} SELECT g, 'customer-' || g, "
                 "(ARRAY['new','paid','shipped','returned'])[1 + g %% 4], g %% 1000, (g %% 100000) / 100.0, "
                 "timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' "
                 "FROM generate_series(1, %s) g", (n,))
    conn = pg.connect()
    try:
        conn.autocommit = True
        conn.cursor().execute(f"VACUUM (FREEZE, ANALYZE) {TABLE}")
    finally:
        conn.close()
    bp.query(pg, "CREATE PUBLICATION dbz_publication FOR ALL TABLES")
    return bp.query(pg, f"SELECT pg_size_pretty(pg_table_size('{TABLE}'))")[0][0]


def copy_to_null(pg):
    """Seconds psql takes to COPY the whole table to /dev/null."""
    psql = os.path.join(conftest._pg_bindir(), "psql")
    argv = [psql, "-X", "-q", "-h", pg.host, "-p", str(pg.port), "-U", "postgres", "-d", "postgres",
            "-c", f"COPY (SELECT * FROM {TABLE}) TO STDOUT"]
    t0 = time.monotonic()
    with open(os.devnull, "wb") as null:
        p = subprocess.run(argv, stdout=null, stderr=subprocess.PIPE, timeout=600)
    elapsed = time.monotonic() - t0
    if p.returncode != 0:
        raise bp.BenchError(f"psql COPY exited with {p.returncode}: {p.stderr.decode(errors='replace').strip()}")
    return elapsed


def snapshot_run(pg, broker, c, n, threads):
    """Registers a connector whose initial snapshot reads the table with snapshot.max.threads =
    threads; returns (seconds from the request to the last acknowledgement, connectd CPU seconds,
    connectd peak RSS in kB)."""
    name, prefix = f"snap{threads}", f"snap{threads}"
    topic = f"{prefix}.{TABLE}"
    cfg = dict(bp.CONNECTOR, **{"database.port": str(pg.port), "topic.prefix": prefix,
                                "slot.name": f"snap{threads}", "snapshot.mode": "initial",
                                "snapshot.max.threads": str(threads), "table.include.list": TABLE})
    wm = bp.Watermarks(broker.bootstrap, topic)
    try:
        cpu0 = bp.cpu_seconds(c.proc.pid)
        t0 = time.monotonic()
        status, _, raw = c.request("POST", "/connectors", {"name": name, "config": cfg})
        if status != 201:
            raise bp.BenchError(f"registering connector {name} answered HTTP {status}: {raw}")
        timeout = 60 + n / 2000
        seen = 0
        while seen < n:
            bp.connectd_alive(c)
            if time.monotonic() - t0 > timeout:
                raise bp.BenchError(f"only {seen} of {n} snapshot records reached {topic} within "
                                    f"{timeout:.0f}s; connectd output:\n{c.output()[-4000:]}")
            time.sleep(0.01)
            seen = wm.total()
        elapsed = time.monotonic() - t0
        cpu = bp.cpu_seconds(c.proc.pid) - cpu0
        if seen != n:
            raise bp.BenchError(f"{topic} got {seen} records for a table of {n} rows")
        hwm = bp.proc_status(c.proc.pid, "VmHWM")
    finally:
        wm.close()
    # The next run snapshots anew with a slot of its own; this one's slot would hold WAL.
    c.request("DELETE", f"/connectors/{name}")
    bp.wait_until(lambda: not bp.query(pg, "SELECT 1 FROM pg_replication_slots WHERE slot_name = %s "
                                           "AND active_pid IS NOT NULL", (name,)),
                  60, f"the slot of connector {name} to be let go")
    bp.query(pg, "SELECT pg_drop_replication_slot(%s)", (name,))
    return elapsed, cpu, hwm


def bench(n, thread_counts):
    stack = []
    try:
        pg, broker, c = bp.start_stack(stack)
        t0 = time.monotonic()
        size = fill(pg, n)
        print(f"table {TABLE}: {n} rows, {size}, filled and vacuumed in {time.monotonic() - t0:.1f} s")
        copy_to_null(pg)  # unmeasured: the table's pages into shared buffers and the page cache
        for threads in thread_counts:
            base = min(copy_to_null(pg), copy_to_null(pg))
            elapsed, cpu, hwm = snapshot_run(pg, broker, c, n, threads)
            print(f"connectd snapshot, snapshot.max.threads={threads}: {n / elapsed:.0f} rows/s "
                  f"({n} rows, request-to-ack)")
            print(f"psql COPY (SELECT * FROM {TABLE}) TO STDOUT > /dev/null: {n / base:.0f} rows/s")
            print(f"ratio connectd / COPY: {base / elapsed:.2f}")
            print(f"  connectd: {elapsed:.2f} s, CPU {cpu:.2f} s ({100 * cpu / elapsed:.0f}% of a core), "
                  f"peak RSS so far {hwm / 1024 if hwm else float('nan'):.1f} MiB (VmHWM); COPY {base:.2f} s")
    finally:
        for what, close in reversed(stack):
            try:
                close()
            except Exception as e:  # keep stopping the rest
                print(f"bench_snapshot: stopping {what} failed: {e}", file=sys.stderr)


def main():
    try:
        bench(rows_from_args(), threads_from_env())
    except (bp.BenchError, pytest.fail.Exception) as e:
        print(f"bench_snapshot: FAILED: {e}", file=sys.stderr)
        return 1
    except Exception as e:
        traceback.print_exc()
        print(f"bench_snapshot: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench_snapshot: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
