"""The try-it path as a new user meets it: `make run` with no bootstrap.servers starts the embedded
broker, says its limits at start-up and what is lost (and left behind in PostgreSQL) at shutdown,
does not warn about a compaction check it cannot run, and the README's Try it commands answer as
the README says. Also: a create answers once the new connector's status is visible."""
import json
import re
import subprocess

import pytest

from conftest import ROOT, wait_for
from test_postgres import pg_config, pgdb  # noqa: F401 (a fixture)
from test_rest_api import SINK, source_config

TRY_IT_INTRO = "Try it (`make run` in another terminal):"


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
    assert "Checking that the internal topics are compacted" not in out
    assert "Could not verify that" not in out


def test_other_brokers_are_still_checked_for_compaction(broker, connectd):
    c = connectd(bootstrap=broker.bootstrap, env={"LOG_LEVEL": "DEBUG"}).wait_ready()
    c.wait_output(r"DEBUG Checking that the internal topics are compacted")
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
    # Never gets as far as a slot: its publication does not exist and may not be created.
    create("broken", **{"slot.name": "s_" + db + "_never", "publication.autocreate.mode": "disabled"})
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


def test_status_is_there_right_after_every_create(worker, tmp_path):
    """A create (POST /connectors, or PUT .../config of a new name) answers once the connector's
    status, and its tasks', can be read: GET status right after it is a 200 with them."""
    expected = {None: "RUNNING", "RUNNING": "RUNNING", "PAUSED": "PAUSED", "STOPPED": "STOPPED"}
    cases = []
    for i in range(12):
        initial = [None, "RUNNING", "PAUSED", "STOPPED"][i % 4]
        how = "PUT" if i % 3 == 0 and initial is None else "POST"
        sink = i % 5 == 4
        cases.append((f"c{i}", how, initial, sink))
    for name, how, initial, sink in cases:
        cfg = ({"connector.class": SINK, "file": str(tmp_path / f"{name}.out"), "topics": worker.t("lines")}
               if sink else source_config(tmp_path, name=name, topic=worker.t("lines")))
        if how == "PUT":
            status, body, _ = worker.request("PUT", f"/connectors/{name}/config", cfg)
        else:
            req = {"name": name, "config": cfg}
            if initial:
                req["initial_state"] = initial
            status, body, _ = worker.request("POST", "/connectors", req)
        assert status == 201, body
        assert body["tasks"] == [] and body["name"] == name  # Kafka Connect's answer, unchanged
        status, body, _ = worker.get(f"/connectors/{name}/status")
        assert status == 200, (name, how, initial, body)
        assert body["connector"]["state"] == expected[initial], (name, body)
        tasks = [(t["id"], t["state"]) for t in body["tasks"]]
        assert tasks == ([(0, "RUNNING")] if expected[initial] == "RUNNING" else []), (name, body)


# ---------------------------------------------------------------- the README's Try it

def readme_try_it():
    """The commands of the README's Try it block."""
    text = (ROOT / "README.md").read_text()
    start = text.index(TRY_IT_INTRO)
    m = re.compile(r"```sh\n(.*?)```", re.S).search(text, start)
    assert m and m.start() - start < 200, "the Try it paragraph is followed by its ```sh block"
    return m.group(1)


def run_try_it(port, tmp_path):
    """Runs the README's Try it block as a user would in a shell, with the worker's port and a
    file of the test's own; returns the JSON answers, in order."""
    script = readme_try_it()
    assert "localhost:8083" in script and "/tmp/in.txt" in script
    script = script.replace("localhost:8083", f"localhost:{port}").replace("/tmp/in.txt", str(tmp_path / "in.txt"))
    r = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    answers, rest, dec = [], r.stdout.strip(), json.JSONDecoder()
    while rest:
        value, end = dec.raw_decode(rest)
        answers.append(value)
        rest = rest[end:].lstrip()
    return answers


def test_readme_try_it_answers_as_the_readme_says(connectd, tmp_path):
    c = connectd().wait_ready()  # `make run`: no bootstrap.servers, the embedded broker
    in_txt = str(tmp_path / "in.txt")
    created, status, offsets = run_try_it(c.port, tmp_path)
    assert created == {"name": "lines", "config": {"connector.class": "FileStreamSource", "file": in_txt,
                                                   "topic": "lines", "name": "lines"},
                       "tasks": [], "type": "source"}
    assert status["name"] == "lines" and status["type"] == "source"
    assert status["connector"]["state"] == "RUNNING"
    assert [(t["id"], t["state"]) for t in status["tasks"]] == [(0, "RUNNING")]
    assert offsets == {"offsets": []}  # as the README's comment says, before the first commit


def test_readme_quicker_look_at_offsets(connectd, tmp_path):
    """The README: `make run ARGS="-D offset.flush.interval.ms=1000"` for a quicker look."""
    text = (ROOT / "README.md").read_text()
    m = re.search(r'`make run ARGS="([^"]*offset\.flush\.interval\.ms[^"]*)"` for a quicker look', text)
    assert m, "the README's quicker look"
    c = connectd(args=m.group(1).split()).wait_ready()
    run_try_it(c.port, tmp_path)
    expected = {"offsets": [{"partition": {"filename": str(tmp_path / "in.txt")}, "offset": {"position": 6}}]}
    wait_for(lambda: c.get("/connectors/lines/offsets")[1] == expected, 30, "the offset of the line read")
