"""The benchmark driver (bench/run.py) end to end at tiny sizes on the test broker: it writes
results.json with the machine's facts and every scenario's figures, every row written is counted
once on its topic, and a scenario that cannot run is reported with its error and fails the run.
Never timings: those are the benchmark's own business."""
import json
import os
import subprocess

from conftest import CONNECTD_BIN, ROOT, TEST_BROKER_BIN

RUN = str(ROOT / "bench" / "run.py")
STREAM_ROWS = {1: 40, 10: 200, 1000: 2000}


def run_bench(tmp_path, **env):
    results = tmp_path / "results.json"
    full = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    # The sanitizer build the tests use: this checks the harness, it measures nothing.
    full.update(BENCH_CONNECTD_BIN=CONNECTD_BIN, BENCH_TEST_BROKER_BIN=TEST_BROKER_BIN,
                BENCH_BROKERS="mock", BENCH_WRITERS="3", BENCH_SETTLE_SECONDS="1",
                BENCH_STREAM_ROWS=" ".join(f"{t}:{n}" for t, n in STREAM_ROWS.items()),
                BENCH_SNAPSHOT_ROWS="1500", BENCH_SNAPSHOT_THREADS="1 2", BENCH_IDLE_CONNECTORS="2",
                BENCH_BIGTXN_ROWS="3000", BENCH_STARTS="2")
    full.update(env)
    p = subprocess.run(["/usr/bin/python3", RUN, "--results", str(results)], env=full,
                       capture_output=True, text=True, timeout=120)
    return p, json.loads(results.read_text())


def test_bench_driver_counts_every_row(tmp_path):
    p, out = run_bench(tmp_path, BENCH_SCENARIOS="streaming snapshot footprint")
    assert p.returncode == 0, p.stdout + p.stderr
    m = out["machine"]
    for key in ("cpu_model", "nproc", "kernel", "postgresql", "kafka", "debezium", "librdkafka",
                "git_commit", "date"):
        assert m[key], key
    assert m["connectd_bin"] == CONNECTD_BIN
    assert out["failed"] == []
    by_name = {s["name"]: s for s in out["scenarios"]}
    assert list(by_name) == ["streaming", "snapshot", "footprint"]
    assert all(s["ok"] and s["error"] is None for s in out["scenarios"])

    streaming = by_name["streaming"]["results"]
    # Each transaction size, with and without schemas, on the mock broker.
    assert sorted((r["schemas"], r["txn_rows"]) for r in streaming) == \
        sorted((s, t) for s in (True, False) for t in STREAM_ROWS)
    for r in streaming:
        assert r["rows"] == r["rows_acked"] == STREAM_ROWS[r["txn_rows"]], r
        assert r["broker"] == "mock" and r["writers"] == 3
        for figure in ("rows_per_s", "walsender_cpu_pct", "worker_cpu_s_per_100k", "broker_cpu_pct"):
            assert isinstance(r[figure], (int, float)) and r[figure] >= 0, (figure, r)

    snapshot = by_name["snapshot"]["results"]
    assert [r["threads"] for r in snapshot] == [1, 2]
    assert all(r["rows"] == r["rows_acked"] == 1500 for r in snapshot)
    assert all(r["copy_rows_per_s"] > 0 and r["rows_per_s"] > 0 for r in snapshot)

    fp = {r["case"]: r for r in by_name["footprint"]["results"]}
    assert fp["idle RSS, 0 connectors"]["rss_mib"] > 0
    assert fp["idle RSS, 2 PostgreSQL connectors"]["connectors"] == 2
    big = fp["peak RSS, one 3000-row transaction"]
    assert big["rows"] == big["rows_acked"] == 3000
    assert big["rss_peak_mib"] >= big["rss_peak_before_mib"] > 0
    start = fp["start-up, mock broker"]
    assert start["starts"] == 2 and 0 < start["median_s"] <= start["worst_s"]

    # One table, on stdout, with a line per result; and the same table in Markdown from the file.
    rows = sum(len(s["results"]) for s in out["scenarios"])
    assert sum(1 for line in p.stdout.splitlines() if line.startswith(("streaming", "snapshot", "footprint"))) == rows
    md = subprocess.run(["/usr/bin/python3", RUN, "--render", str(tmp_path / "results.json"), "--markdown"],
                        capture_output=True, text=True, timeout=30)
    assert md.returncode == 0, md.stderr
    lines = md.stdout.splitlines()
    assert "| benchmark | case | result | beside it |" in lines
    assert sum(1 for line in lines if line.startswith("| streaming |")) == len(streaming)


def test_bench_failed_scenario_is_reported(tmp_path):
    """A scenario that cannot start is in the table and results.json with its error, the others
    still run, and the run exits 1."""
    p, out = run_bench(tmp_path, BENCH_SCENARIOS="snapshot footprint",
                       BENCH_CONNECTD_BIN=str(tmp_path / "no-connectd"))
    assert p.returncode == 1, p.stdout + p.stderr
    assert out["failed"] == ["snapshot", "footprint"]
    for s in out["scenarios"]:
        assert not s["ok"] and "no-connectd not found" in s["error"], s
    assert "FAILED" in p.stdout and "no-connectd not found" in p.stdout
