"""The try-it path as a new user meets it: `make run` with no bootstrap.servers starts the embedded
broker, says its limits at start-up and what is lost (and left behind in PostgreSQL) at shutdown,
and does not warn about a compaction check it cannot run."""
import re
import subprocess

from conftest import ROOT, wait_for
from test_postgres import pg_config, pgdb  # noqa: F401 (a fixture)


def makefile_kafka_port():
    m = re.search(r"^KAFKA_PORT \?= *(\d+)", (ROOT / "Makefile").read_text(), re.M)
    return m.group(1)


def test_embedded_start_up_says_its_limits_and_the_durable_alternative(connectd):
    c = connectd().wait_ready()
    out = c.output()
    warns = "\n".join(l for l in out.splitlines() if " WARN " in l and "(connectd.EmbeddedKafka)" in l)
    assert "in memory only" in warns
    assert "lost when connectd stops" in warns
    assert "new port at every start" in warns
    assert "~5 MiB" in warns and "drops older records silently" in warns
    assert "a 10,000-row insert already loses events" in warns
    # The durable alternative, with the address `make kafka` actually listens on.
    assert "`make kafka`" in warns
    assert f'`make run ARGS="-D bootstrap.servers=127.0.0.1:{makefile_kafka_port()}"`' in warns
    # The README shows these lines as they are.
    readme = re.findall(r"^\[[^]]+\] WARN (.*) \(connectd\.EmbeddedKafka\)$", (ROOT / "README.md").read_text(), re.M)
    shown = [l for l in readme if not l.startswith(("Stopping", "Connector"))]
    assert len(shown) == 3 and all(l in warns for l in shown), shown


def test_embedded_mode_does_not_check_compaction(connectd):
    # The check asks the broker to describe topic configs, which the embedded broker cannot do:
    # it would only time out (after default.api.timeout.ms) into a warning about it.
    c = connectd(env={"LOG_LEVEL": "DEBUG"}, args=["-D", "default.api.timeout.ms=1000"]).wait_ready()
    c.wait_output(r"DEBUG Not checking that the internal topics are compacted: connectd created "
                  r"them on its embedded broker")
    assert c.stop() == 0
    out = c.output()
    assert "Checking in the background that the internal topics are compacted" not in out
    assert "Could not verify that" not in out


def test_other_brokers_are_still_checked_for_compaction(broker, connectd):
    c = connectd(bootstrap=broker.bootstrap, env={"LOG_LEVEL": "DEBUG"}).wait_ready()
    c.wait_output(r"DEBUG Checking in the background that the internal topics are compacted")
    assert "Not checking that the internal topics are compacted" not in c.output()


def slots(pg):
    conn = pg.connect()
    try:
        cur = conn.cursor()
        cur.execute("SELECT slot_name FROM pg_replication_slots")
        return {r[0] for r in cur.fetchall()}
    finally:
        conn.close()


def test_embedded_shutdown_says_what_is_lost_and_which_slots_stay(pg, pgdb, connectd):
    _, db = pgdb
    c = connectd().wait_ready()

    def create(name, **extra):
        extra["publication.name"] = "p_" + name  # no race between connectors creating one
        status, body, _ = c.request("POST", "/connectors", {"name": name, "config": pg_config(pg, db, **extra)})
        assert status == 201, body

    def state(name):
        status, body, _ = c.get(f"/connectors/{name}/status")
        if status != 200:
            return None, None
        return body["connector"]["state"], [t["state"] for t in body["tasks"]]

    kept, dropped, deleted = "s_" + db, "s_" + db + "_drop", "s_" + db + "_del"
    create("kept", **{"slot.name": kept})
    create("dropped", **{"slot.name": dropped, "slot.drop.on.stop": "true"})
    create("deleted", **{"slot.name": deleted})
    # Never gets as far as a slot: its database does not exist.
    create("broken", **{"slot.name": "s_" + db + "_never", "database.dbname": db + "_nope"})
    for name in ("kept", "dropped", "deleted"):
        wait_for(lambda: state(name) == ("RUNNING", ["RUNNING"]), 30, f"{name} to run")
    wait_for(lambda: state("broken")[1] == ["FAILED"], 30, "the broken connector's task to fail")
    assert {kept, dropped, deleted} <= slots(pg)
    assert c.request("DELETE", "/connectors/deleted")[0] == 204

    assert c.stop() == 0
    out = c.output()
    assert ("WARN Stopping the embedded broker: the configs, offsets and statuses of 3 connectors "
            "and every record in its topics are lost.") in out
    slot_line = (r"WARN Connector '([^']+)' leaves behind replication slot '([^']+)' on "
                 r"([^ ]+), which makes PostgreSQL keep WAL until it is dropped\. "
                 r"Remove it with: (.*) \(connectd\.EmbeddedKafka\)")
    left = re.findall(slot_line, out)
    where = f"{pg.host}:{pg.port}/{db}"
    # The deleted connector's slot stays too; the one dropped on stop and the one never made do not.
    assert sorted(l[:3] for l in left) == [("deleted", deleted, where), ("kept", kept, where)]
    assert slots(pg) >= {kept, deleted} and dropped not in slots(pg)

    # The README shows these lines as they are.
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"WARN Stopping the embedded broker: the configs, offsets and statuses of 1 connector and "
                     r"every record in its topics are lost\.", readme)
    assert len(re.findall(slot_line, readme)) == 1

    # The command it gives, run as given, drops the slot.
    for _, slot, _, command in left:
        r = subprocess.run(command, shell=True, capture_output=True, text=True,
                           env={"PATH": pg.bindir + ":/usr/bin:/bin"})
        assert r.returncode == 0, r.stderr
        assert slot not in slots(pg)


def test_embedded_shutdown_without_connectors_is_one_line(connectd):
    c = connectd().wait_ready()
    assert c.stop() == 0
    out = c.output()
    assert "WARN Stopping the embedded broker: every record in its topics is lost." in out
    assert "leaves behind" not in out
