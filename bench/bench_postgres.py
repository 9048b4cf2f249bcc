#!/usr/bin/python3
"""bench_postgres.py - connectd beside pg_recvlogical: changes per second from COMMIT in PostgreSQL
to acknowledgement by the test broker through connectd, then pg_recvlogical decoding the same WAL
to /dev/null (never at the same time). `make bench` runs bench/run.py; this one is for looking at
one stream closely (a flattened one, one huge transaction).

    /usr/bin/python3 bench/bench_postgres.py [ROWS]      (or BENCH_ROWS=ROWS; default 200000)
BENCH_TXN_ROWS=N rows per transaction (default 1000; N = ROWS is one transaction).
BENCH_FLATTEN=1 flattens the events with ExtractNewRecordState (transforms=unwrap).
BENCH_WARMUP=0 skips the warm-up row, to see what a freshly started worker does.
"""
import os
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
from scenarios import measure_stream  # noqa: E402

TOPIC = "bench.public.bench"


def run_pg_recvlogical(pg, end_lsn, timeout):
    """Decodes slot bench_recv up to end_lsn into /dev/null; returns (elapsed s, CPU s)."""
    # A walsender sends only flushed WAL: waiting for the flush is not decoding.
    bl.wait_until(lambda: bl.query(pg, "SELECT pg_current_wal_flush_lsn() >= %s::pg_lsn", (end_lsn,))[0][0],
                  30, f"WAL to be flushed up to {end_lsn}")
    # The pgoutput options connectd asks for on PostgreSQL 14 and later.
    argv = [bl.pg_bin("pg_recvlogical"), "-h", pg.host, "-p", str(pg.port), "-U", "postgres",
            "-d", "postgres", "--slot", "bench_recv", "--start", "-o", "proto_version=1",
            "-o", "publication_names=dbz_publication", "-o", "messages=true",
            "--endpos", end_lsn, "-f", "/dev/null", "--no-loop"]
    before = os.times()
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise bl.BenchError(f"pg_recvlogical did not reach {end_lsn} within {timeout:.0f}s")
    elapsed = time.monotonic() - t0
    after = os.times()
    if p.returncode != 0:
        raise bl.BenchError(f"pg_recvlogical exited with {p.returncode}: {p.stderr.strip()}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return elapsed, cpu


def bench(n, txn_rows, warm, flatten):
    stack = bl.Stack()
    try:
        pg = bl.start_postgres(stack)
        bl.create_bench_table(pg)
        broker = bl.start_mock_broker(stack)
        c, _ = bl.start_connectd(stack, broker)
        alive = lambda: bl.connectd_alive(c)  # noqa: E731
        extra = {"transforms": "unwrap", "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState"}
        bl.register(c, "bench", bl.pg_connector(pg, "bench", "bench", True, **(extra if flatten else {})))
        bl.wait_running(c, "bench", alive)
        walpid = bl.wait_streaming(pg, "bench")
        wm = bl.Watermarks(broker.bootstrap, TOPIC)
        stack.push("watermarks", wm.close)
        ids = bl.Ids()
        if warm:
            bl.warm_up(pg, ids, broker.bootstrap, wm, c.names.offsets, alive)
        # Created now, before the measured inserts: it decodes exactly the WAL they write.
        bl.query(pg, "SELECT pg_create_logical_replication_slot('bench_recv', 'pgoutput')")
        r = measure_stream(pg, ids, wm, n, txn_rows, 1, c.proc.pid, walpid, alive, broker.proc.pid)
        end_lsn = bl.query(pg, "SELECT pg_current_wal_insert_lsn()::text")[0][0]
        hwm = bl.proc_status(c.proc.pid, "VmHWM")
        rl_elapsed, rl_cpu = run_pg_recvlogical(pg, end_lsn, 60 + n / 500)

        print(f"connectd end to end: {r['rows_per_s']} changes/s ({n} rows, commit-to-ack)")
        print(f"pg_recvlogical to /dev/null: {n / rl_elapsed:.0f} changes/s (same WAL)")
        print(f"ratio connectd / pg_recvlogical: {rl_elapsed / r['seconds']:.2f}")
        print(f"connectd peak RSS: {hwm / 1024 if hwm else float('nan'):.1f} MiB (VmHWM)")
        print(f"  inserts: {n} rows in transactions of {txn_rows}, {r['commit_rows_per_s']} rows/s committed")
        print(f"  last change acknowledged {r['seconds']:.2f} s after the first insert, "
              f"{r['ack_after_last_commit_s']:.2f} s after the last commit")
        print(f"  CPU over the run: connectd {r['worker_cpu_s']:.2f} s, its walsender "
              f"{r['walsender_cpu_pct']:.0f}% of a core, the test broker {r['broker_cpu_pct']:.0f}%")
        print(f"  pg_recvlogical: {rl_elapsed:.2f} s, its own CPU {rl_cpu:.2f} s")
    finally:
        stack.close()


def main():
    try:
        raw = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_ROWS", "200000")
        os.environ["BENCH_ROWS"] = raw
        bench(bl.positive_int("BENCH_ROWS", 200000), bl.positive_int("BENCH_TXN_ROWS", 1000),
              os.environ.get("BENCH_WARMUP", "1") != "0", os.environ.get("BENCH_FLATTEN", "0") != "0")
    except (bl.BenchError, bl.FixtureFailed) as e:
        print(f"bench_postgres: FAILED: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench_postgres: interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        traceback.print_exc()
        print(f"bench_postgres: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
