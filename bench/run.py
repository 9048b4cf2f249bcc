#!/usr/bin/python3
"""run.py - the benchmark driver of `make bench`: runs every scenario once on this machine, prints
one table and writes bench/results.json (the machine's facts, each figure, and each failure with
its error). bench/README.md defines every figure.

    /usr/bin/python3 bench/run.py [--markdown] [--results PATH]
    /usr/bin/python3 bench/run.py --render PATH [--markdown]   # the table of an earlier run

Scenarios (BENCH_SCENARIOS picks some, in this order): converter, streaming, peer, latency,
snapshot, footprint. BENCH_QUICK=1 shrinks every size for a run of a few minutes; the other knobs
are listed in bench/README.md. A scenario that fails is reported with its error and the rest
still run; the exit status is 1 when any failed, 130 on Ctrl-C. Whatever a scenario started
(PostgreSQL, brokers, JVMs, connectd) is stopped when it ends, fails or is interrupted.
"""
import datetime
import json
import os
import platform
import signal
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
import scenarios  # noqa: E402
from table import render  # noqa: E402

ORDER = ["converter", "streaming", "peer", "latency", "snapshot", "footprint"]


def machine_facts():
    def sh(*argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=30,
                                  cwd=bl.ROOT).stdout.strip() or None
        except OSError:
            return None

    cpu = None
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), None)
    except OSError:
        pass

    def make_var(name):
        with open(bl.ROOT / "Makefile") as f:
            for line in f:
                if line.startswith(name + " ?="):
                    return line.split("?=", 1)[1].strip()
        return None

    commit = sh("git", "rev-parse", "HEAD")
    dirty = bool(sh("git", "status", "--porcelain", "--untracked-files=no"))
    try:
        pg = sh(bl.pg_bin("postgres"), "--version")
    except bl.BenchError:
        pg = None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu_model": cpu, "nproc": os.cpu_count(), "kernel": platform.release(),
        "loadavg_at_start": os.getloadavg(),
        "postgresql": pg, "kafka": make_var("KAFKA_VERSION"), "kafka_connect": make_var("CONNECT_VERSION"),
        "debezium": make_var("DEBEZIUM_VERSION"), "librdkafka": sh("pkg-config", "--modversion", "rdkafka"),
        "git_commit": commit, "git_dirty": dirty, "connectd_bin": bl.CONNECTD_BIN,
        "test_broker_bin": bl.TEST_BROKER_BIN,
    }


def selected():
    raw = os.environ.get("BENCH_SCENARIOS", " ".join(ORDER)).replace(",", " ").split()
    unknown = [s for s in raw if s not in ORDER]
    if unknown or not raw:
        raise bl.BenchError(f"BENCH_SCENARIOS: unknown scenario(s) {unknown}; choose from {ORDER}")
    return [s for s in ORDER if s in raw]


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def run(results_path, markdown):
    # A TERM (make killed, CI timeout) unwinds like Ctrl-C, so every finally stops what it started.
    signal.signal(signal.SIGTERM, _terminate)
    settings = scenarios.Settings()
    out = {"machine": machine_facts(), "settings": settings.as_dict(), "scenarios": []}
    ctx = scenarios.Context(settings)
    interrupted = False
    try:
        for name in selected():
            print(f"== {name}", file=sys.stderr, flush=True)
            t0 = time.monotonic()
            entry = {"name": name, "ok": True, "error": None, "results": []}
            try:
                getattr(scenarios, name)(ctx, entry["results"])
            except KeyboardInterrupt:
                entry.update(ok=False, error="interrupted")
                interrupted = True
            except (Exception, bl.FixtureFailed) as e:
                entry.update(ok=False, error=f"{type(e).__name__}: {e}")
                traceback.print_exc()
            failed = [r for r in entry["results"] if r.get("error")]
            if failed and entry["ok"]:
                entry.update(ok=False, error=f"{len(failed)} case(s) failed: " +
                             "; ".join(f"{r['case']}: {r['error'].splitlines()[0]}" for r in failed))
            entry["seconds"] = round(time.monotonic() - t0, 1)
            out["scenarios"].append(entry)
            print(f"   {name}: {'ok' if entry['ok'] else 'FAILED: ' + entry['error'].splitlines()[0]}"
                  f" ({entry['seconds']} s)", file=sys.stderr, flush=True)
            if interrupted:
                break
    finally:
        try:
            ctx.close()  # the shared Kafka; a Ctrl-C meanwhile waits for it (benchlib.Stack)
        except KeyboardInterrupt:
            interrupted = True
    out["machine"]["loadavg_at_end"] = os.getloadavg()
    out["failed"] = [s["name"] for s in out["scenarios"] if not s["ok"]]
    with open(results_path, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(render(out, markdown))
    print(f"(results in {results_path})", file=sys.stderr)
    if interrupted:
        return 130
    return 1 if out["failed"] else 0


def main(argv):
    markdown = "--markdown" in argv
    results_path = str(bl.ROOT / "bench" / "results.json")
    render_path = None
    args = [a for a in argv if a != "--markdown"]
    while args:
        a = args.pop(0)
        if a in ("--results", "--render") and args:
            if a == "--results":
                results_path = args.pop(0)
            else:
                render_path = args.pop(0)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    if render_path:
        with open(render_path) as f:
            print(render(json.load(f), markdown))
        return 0
    try:
        return run(results_path, markdown)
    except bl.BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
