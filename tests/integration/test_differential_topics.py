"""Differential tests of the internal topics: connectd and the real Kafka Connect share them.

- Hand-over both ways: a Debezium connector created and run on one of them, stopped (PUT /stop, then
  the worker stops), runs on the other from the same config, offsets and status topics, resumes
  from the first one's offset while PostgreSQL is under a load of overlapping transactions, and
  nothing is lost or doubled.
- The same REST operations on both write the same config and offset records, byte for byte, and
  the same status records after reference.normalise."""
import collections
import json
import os
import time

import pytest

from conftest import FAST_WORKER_ARGS, Names, wait_for
from kafka_util import read_topic
from reference import JavaConnect, normalise
from test_postgres import PG, own_database, pg_config  # noqa: F401
from test_resume import DDL, Workload, admin_slot_active, counted_events, expected_events

pytestmark = pytest.mark.brokers("kafka")


def state_of(side, name):
    st, body, _ = side.get(f"/connectors/{name}/status")
    if st != 200:
        return None
    return body["connector"]["state"], [t["state"] for t in body["tasks"]]


class Sides:
    """Starts workers of either kind on the session's Kafka, all on the same group and topics."""

    def __init__(self, kafka, connectd):
        self.kafka, self.connectd = kafka, connectd
        self.names = Names("kafka")
        self.java = []
        self.connectds = []

    def start(self, kind):
        n = self.names
        if kind == "java":
            j = JavaConnect(self.kafka.bootstrap, {
                "group.id": n.group, "config.storage.topic": n.configs,
                "offset.storage.topic": n.offsets, "status.storage.topic": n.status})
            self.java.append(j)
            return j
        c = self.connectd(bootstrap=self.kafka.bootstrap, args=FAST_WORKER_ARGS + n.worker_args())
        self.connectds.append(c)
        return c.wait_ready()

    def stop(self, side):
        if isinstance(side, JavaConnect):
            side.stop()
        else:
            assert side.stop() == 0, side.output()[-3000:]

    def close(self):
        for c in self.connectds:
            c.close()
        self.connectds = []
        for j in self.java:
            # Shown by pytest when the test failed: where Debezium resumed, and what went wrong.
            print("--- Kafka Connect log, resume and errors:\n" + "\n".join(
                l for l in j.log().splitlines()
                if "WalPositionLocator" in l or "LSN" in l or " ERROR " in l)[-6000:])
            j.close()
        self.java = []


@pytest.fixture
def sides(kafka, connectd):
    s = Sides(kafka, connectd)
    try:
        yield s
    finally:
        s.close()


def offset_records(bootstrap, topic, name):
    """[(key, value)] of the connector's records on the offsets topic, parsed."""
    return [(json.loads(k), json.loads(v) if v else None)
            for _, _, k, v in read_topic(bootstrap, topic, timeout=30) if json.loads(k)[0] == name]


@pytest.mark.parametrize("first,second", [("java", "connectd"), ("connectd", "java")],
                         ids=["java-to-connectd", "connectd-to-java"])
def test_hand_over_under_load(pg, sides, first, second):
    """A Debezium connector run on one, stopped, then run on the other from the same internal
    topics while PostgreSQL is under load: the config and target state carry over, it resumes
    from the first one's offset, nothing is lost and nothing is doubled."""
    with own_database(pg) as db:
        try:
            hand_over(pg, sides, db, first, second)
        finally:
            sides.close()  # before the database is dropped: a worker may still hold its slot


def hand_over(pg, sides, db, first, second):
    bs = sides.kafka.bootstrap
    admin = pg.connect(db)
    for ddl in DDL:
        admin.cursor().execute(ddl)
    prefix = sides.names.t("hand")
    cfg = pg_config(pg, db, prefix=prefix, **{"provide.transaction.metadata": "true",
                                              "skipped.operations": "none"})
    a = sides.start(first)
    assert a.request("POST", "/connectors", {"name": "pg", "config": cfg})[0] == 201
    wait_for(lambda: state_of(a, "pg") == ("RUNNING", ["RUNNING"]) and admin_slot_active(admin, f"s_{db}"),
             90, f"the connector to stream on {first}")
    load = Workload(pg, db, seed=21, truncates=False).start()
    wait_for(lambda: load.count() >= 25, 90, "25 transactions")
    # The operator's hand-over, in the middle of the load: stop the connector, then the worker.
    assert a.request("PUT", "/connectors/pg/stop")[0] == 204
    wait_for(lambda: state_of(a, "pg") == ("STOPPED", []), 60, f"the connector stopped on {first}")
    first_offsets = offset_records(bs, sides.names.offsets, "pg")
    assert first_offsets, f"{first} committed no offset"
    sides.stop(a)
    done = load.count()
    wait_for(lambda: load.count() >= done + 10, 60, "transactions while no worker runs")

    b = sides.start(second)
    # What the first wrote is what the second reads: the config, and the target state.
    assert b.get("/connectors/pg/config")[1] == {**cfg, "name": "pg"}
    wait_for(lambda: state_of(b, "pg") == ("STOPPED", []), 60, f"the connector STOPPED on {second}")
    assert b.get("/connectors/pg/offsets")[1] == {
        "offsets": [{"partition": first_offsets[-1][0][1], "offset": first_offsets[-1][1]}]}
    assert b.request("PUT", "/connectors/pg/resume")[0] == 202
    wait_for(lambda: state_of(b, "pg") == ("RUNNING", ["RUNNING"]) and admin_slot_active(admin, f"s_{db}"),
             90, f"the connector to stream on {second}")
    done = load.count()
    wait_for(lambda: load.count() >= done + 15, 90, "transactions after the hand-over")
    load.stop()
    topics = [f"{prefix}.public.a", f"{prefix}.public.b", f"{prefix}.message"]
    want = collections.Counter(expected_events(load.committed))
    # Records on different topics arrive in no particular order: wait for all of them.
    got = collections.Counter()

    def all_there():
        got.clear()
        got.update(counted_events(bs, topics))
        return not (want - got)
    try:
        wait_for(all_there, 180, f"every committed event through {second}", interval=2)
    except BaseException:
        missing = sorted((want - got).elements(), key=str)
        pytest.fail(f"{len(missing)} of {sum(want.values())} committed events lost, e.g. {missing[:5]}; "
                    f"{first} committed last {first_offsets[-1]}; lost txids "
                    f"{sorted({m[4] for m in missing}, key=str)[:50]}")
    # Every event of the workload is unique (ids are never reused, values never repeat).
    doubled = sorted((e for e, n in got.items() if n > 1), key=str)
    # A stop commits the offset of everything delivered: nothing is sent twice.
    assert not doubled, (f"{len(doubled)} events delivered twice, e.g. {doubled[:5]}; "
                         f"{first} committed last {first_offsets[-1]}")

    assert b.request("DELETE", "/connectors/pg")[0] == 204
    wait_for(lambda: not admin_slot_active(admin, f"s_{db}"), 60, "the slot released")
    sides.stop(b)
    admin.close()


def config_records(bootstrap, topic, name):
    """[(key, value bytes)] of the config topic's records about the connector, in order."""
    keys = (f"connector-{name}", f"target-state-{name}", f"commit-{name}")
    return [(k.decode(), v) for _, _, k, v in read_topic(bootstrap, topic, timeout=30)
            if k.decode() in keys or k.decode().startswith(f"task-{name}-")]


def status_records(bootstrap, topic, name):
    """The distinct status records about the connector, normalised, by key."""
    out = collections.defaultdict(list)
    for _, _, k, v in read_topic(bootstrap, topic, timeout=30):
        key = k.decode()
        if key in (f"status-connector-{name}",) or key.startswith(f"status-task-{name}-"):
            value = normalise(json.loads(v)) if v else None
            if value:
                value["generation"] = "<generation>"  # reference.NORMALISATION
            if value not in out[key]:
                out[key].append(value)
    return dict(out)


def test_same_operations_write_the_same_internal_records(worker, reference, tmp_path):
    """Create, pause, resume, stop, alter and reset offsets, resume and delete a FileStream source
    on both: the config topic and the offsets topic hold the same bytes, the status topic the same
    records (after normalise) in the same order per key."""
    src = tmp_path / "in.txt"
    src.write_text("")  # no records: the only offsets are those the requests write
    os.chmod(tmp_path, 0o755)
    name = "fs-" + worker.names.suffix.lstrip("-")
    cfg = {"connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector", "tasks.max": "1",
           "file": str(src), "topic": worker.t("fs-out")}
    for side in (worker, reference):
        assert side.request("POST", "/connectors", {"name": name, "config": cfg})[0] == 201
        wait_for(lambda: state_of(side, name) == ("RUNNING", ["RUNNING"]), 60, "RUNNING")
        assert side.request("PUT", f"/connectors/{name}/pause")[0] == 202
        wait_for(lambda: state_of(side, name) == ("PAUSED", ["PAUSED"]), 60, "PAUSED")
        assert side.request("PUT", f"/connectors/{name}/stop")[0] == 204
        wait_for(lambda: state_of(side, name) == ("STOPPED", []), 60, "STOPPED")
        patch = {"offsets": [{"partition": {"filename": str(src)}, "offset": {"position": 2}}]}
        assert side.request("PATCH", f"/connectors/{name}/offsets", patch)[0] == 200
        assert side.request("DELETE", f"/connectors/{name}/offsets")[0] == 200
        assert side.request("PATCH", f"/connectors/{name}/offsets", patch)[0] == 200
        assert side.request("PUT", f"/connectors/{name}/resume")[0] == 202
        wait_for(lambda: state_of(side, name) == ("RUNNING", ["RUNNING"]), 60, "RUNNING again")
        assert side.request("DELETE", f"/connectors/{name}")[0] == 204
        wait_for(lambda: side.get(f"/connectors/{name}/status")[0] == 404, 60, "deleted")
    time.sleep(1)  # the last status and offset writes are asynchronous on both

    ours, theirs = worker.names, Names("mock")  # the reference's topics have Kafka Connect's default names
    cd_bs, j_bs = worker.broker.bootstrap, reference.kafka.bootstrap
    assert config_records(cd_bs, ours.configs, name) == config_records(j_bs, theirs.configs, name)
    assert (offset_records(cd_bs, ours.offsets, name) ==
            offset_records(j_bs, theirs.offsets, name))
    raw = [[(k, v) for _, _, k, v in read_topic(bs, topic, timeout=30) if json.loads(k)[0] == name]
           for bs, topic in ((cd_bs, ours.offsets), (j_bs, theirs.offsets))]
    assert raw[0] == raw[1], "offset records differ in their bytes"
    mine, java = status_records(cd_bs, ours.status, name), status_records(j_bs, theirs.status, name)
    assert mine == java, f"\n  connectd:      {mine}\n  Kafka Connect: {java}"


def test_same_postgres_connector_writes_the_same_config_records(pg, worker, reference):
    """A Debezium connector created on both: the connector, task config and commit records are the
    same bytes (the slot name aside, which must differ since both run on one database); the task
    config's keys in Kafka Connect's HashMap order."""
    name = "pg-" + worker.names.suffix.lstrip("-")
    with own_database(pg) as db:
        admin = pg.connect(db)
        admin.cursor().execute("CREATE TABLE t (id INT PRIMARY KEY)")
        for side, slot in ((worker, "s_cd"), (reference, "s_java")):
            cfg = pg_config(pg, db, prefix=worker.t("same"),
                            **{"slot.name": slot, "provide.transaction.metadata": "true"})
            assert side.request("POST", "/connectors", {"name": name, "config": cfg})[0] == 201
            wait_for(lambda: state_of(side, name) == ("RUNNING", ["RUNNING"]) and admin_slot_active(admin, slot),
                     90, "RUNNING")
        try:
            # What the server shows of the two: the same application names.
            cur = admin.cursor()
            cur.execute("SELECT s.slot_name, r.application_name FROM pg_replication_slots s "
                        "JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name IN ('s_cd', 's_java')")
            names = dict(cur.fetchall())
            assert names["s_cd"] == names["s_java"] == "Debezium Streaming", names
            # One transaction, read from the same WAL by both: the offset either commits after
            # its END record is the same, byte for byte.
            cur = admin.cursor()
            cur.execute("BEGIN")
            cur.execute("INSERT INTO t VALUES (1), (2)")
            cur.execute("SELECT txid_current()")
            txid = cur.fetchone()[0]
            cur.execute("COMMIT")
            ends = []
            for bs, topic in ((worker.broker.bootstrap, worker.names.offsets),
                              (reference.kafka.bootstrap, Names("mock").offsets)):
                def end_offset():
                    for _, _, k, v in read_topic(bs, topic, timeout=30):
                        if v and json.loads(k)[0] == name and json.loads(v).get("txId") == txid \
                                and json.loads(v).get("messageType") == "COMMIT":
                            return k, v
                ends.append(wait_for(end_offset, 60, f"the offset after transaction {txid}"))
            assert ends[0] == ends[1], f"\n  connectd:      {ends[0]}\n  Kafka Connect: {ends[1]}"

            ours = config_records(worker.broker.bootstrap, worker.names.configs, name)
            theirs = config_records(reference.kafka.bootstrap, Names("mock").configs, name)
            ours = [(k, v.replace(b'"s_cd"', b'"s_java"')) for k, v in ours]
            assert [k for k, _ in ours] == [k for k, _ in theirs]
            for (k, a), (_, b) in zip(ours, theirs):
                assert a == b, f"{k}:\n  connectd:      {a.decode()}\n  Kafka Connect: {b.decode()}"
        finally:
            for side in (worker, reference):
                side.request("DELETE", f"/connectors/{name}")
            for side in (worker, reference):
                wait_for(lambda: side.get(f"/connectors/{name}/status")[0] == 404, 60, "deleted")
            wait_for(lambda: not admin_slot_active(admin, "s_cd") and not admin_slot_active(admin, "s_java"),
                     60, "the slots released")
            admin.close()
