"""Several connectd workers with one group.id are one Connect cluster (src/cluster.h): connectors
and tasks spread over the members, move when one dies or joins, and any worker answers any
request. All on the real Kafka broker; PostgreSQL 15."""
import json
import random
import re
import signal
import threading
import time
import uuid

import psycopg2
import pytest

from conftest import FAST_WORKER_ARGS, Names, wait_for
from kafka_util import read_topic
from test_postgres import own_database, pg_config

SRC = "org.apache.kafka.connect.file.FileStreamSourceConnector"
# Failure detection a little faster than Kafka Connect's 10 s default, so the tests wait less.
CLUSTER_ARGS = ["-D", "session.timeout.ms=6000", "-D", "heartbeat.interval.ms=1000",
                "-D", "rebalance.timeout.ms=30000"]


class Cluster:
    """connectd workers of one group on the session's Kafka."""

    def __init__(self, connectd, kafka):
        self.connectd, self.kafka = connectd, kafka
        self.names = Names("kafka")
        self.workers = []

    def add(self, port=None):
        w = self.connectd(bootstrap=self.kafka.bootstrap, port=port,
                          args=FAST_WORKER_ARGS + self.names.worker_args() + CLUSTER_ARGS)
        w.wait_ready()
        w.id = f"127.0.0.1:{w.port}"
        self.workers.append(w)
        return w

    def alive(self):
        return [w for w in self.workers if w.proc.poll() is None]

    def any(self):
        return random.choice(self.alive())

    def leader(self):
        """The worker whose last word on leadership is that it leads (cluster.c logs both), once
        every live worker has taken its share and the answer holds for a second."""
        def find():
            leads = []
            for w in self.alive():
                if "Took partitions" not in w.output():
                    return None
                said = re.findall(r"This worker (now leads|no longer leads) group", w.output())
                if said and said[-1] == "now leads":
                    leads.append(w)
            return leads[0] if len(leads) == 1 else None

        def stable():
            first = find()
            time.sleep(1)
            return first if first is not None and find() is first else None
        return wait_for(stable, 60, "exactly one leader")

    def followers(self):
        lead = self.leader()
        return [w for w in self.alive() if w is not lead]

    def statuses(self):
        st, body, _ = self.any().get("/connectors?expand=status")
        assert st == 200, body
        return {name: v["status"] for name, v in body.items()}

    def wait_running(self, names, timeout=120):
        """Every connector and each of its tasks RUNNING on a live worker; returns the statuses."""
        live = {w.id for w in self.alive()}

        def ok():
            st = self.statuses()
            for n in names:
                s = st.get(n)
                if not s or s["connector"]["state"] != "RUNNING" or s["connector"]["worker_id"] not in live:
                    return None
                if not s["tasks"] or any(t["state"] != "RUNNING" or t["worker_id"] not in live for t in s["tasks"]):
                    return None
            return st
        return wait_for(ok, timeout, "every connector and task RUNNING on a live worker", interval=0.5)


def settled_units(cluster, expected, timeout=120):
    """{(connector, task or None): worker_id} from the last status record of each unit in the status
    topic itself, once every one of `expected` is RUNNING there on a live worker. A worker's REST view
    reads that topic behind the writers, so just after a rebalance it can still show a unit RUNNING on
    the worker that has since released it; the topic cannot."""
    live = {w.id for w in cluster.alive()}

    def ok():
        last = {}
        for _, (k, v) in sorted(status_records(cluster.kafka.bootstrap, cluster.names.status).items()):
            last[k] = v
        out = {}
        for (n, task) in expected:
            v = last.get(f"status-connector-{n}" if task is None else f"status-task-{n}-{task}")
            if not v or v.get("state") != "RUNNING" or v.get("worker_id") not in live:
                return None
            out[(n, task)] = v["worker_id"]
        return out
    return wait_for(ok, timeout, "every unit's last status record RUNNING on a live worker", interval=0.5)


def units(statuses):
    """{(connector, task or None): worker_id}"""
    out = {}
    for n, s in statuses.items():
        out[(n, None)] = s["connector"]["worker_id"]
        for t in s["tasks"]:
            out[(n, t["id"])] = t["worker_id"]
    return out


def status_records(bootstrap, topic):
    """The status topic's records: {(partition, offset): (key, value or None)}. Records of one key
    share a partition, so their offsets order them; nothing orders records across partitions."""
    return {(p, o): (k.decode(), json.loads(v) if v else None) for (p, o, k, v) in read_topic(bootstrap, topic)}


class Files:
    """FileStream sources: a file each, lines appended over time; every line must reach its topic."""

    def __init__(self, tmp_path, cluster, n):
        self.cluster = cluster
        self.conns = {}
        for i in range(n):
            name = f"file-{i}"
            path = tmp_path / f"{name}.txt"
            path.write_text("")
            self.conns[name] = (path, cluster.names.t(f"lines-{i}"), [])

    def configs(self):
        return {n: {"connector.class": SRC, "file": str(p), "topic": t, "tasks.max": "1"}
                for n, (p, t, _) in self.conns.items()}

    def append(self, count):
        for n, (p, _, lines) in self.conns.items():
            new = [f"{n}-{uuid.uuid4().hex[:6]}" for _ in range(count)]
            with open(p, "a") as f:
                f.write("".join(l + "\n" for l in new))
            lines.extend(new)

    def check(self, timeout=90):
        for n, (_, topic, lines) in self.conns.items():
            def complete():
                got = {json.loads(v) if v.startswith(b'"') else v.decode()
                       for (_, _, _, v) in read_topic(self.cluster.kafka.bootstrap, topic)}
                # the JsonConverter with schemas writes {"schema":..,"payload":"line"}
                got |= {json.loads(v)["payload"] for (_, _, _, v) in read_topic(self.cluster.kafka.bootstrap, topic)
                        if v.startswith(b"{")}
                missing = set(lines) - got
                return not missing or None
            wait_for(complete, timeout, f"every line of {n} in {topic}", interval=1)


class Tables:
    """PostgreSQL connectors, a database each, rows inserted by concurrent writers."""

    def __init__(self, pg, cluster, n, stack):
        self.pg, self.cluster = pg, cluster
        self.conns = {}
        for i in range(n):
            db = stack.enter_context(own_database(pg))
            c = pg.connect(db)
            c.autocommit = True
            c.cursor().execute("CREATE TABLE t (id bigserial PRIMARY KEY, v text)")
            c.close()
            self.conns[f"pg-{i}"] = db
        self.committed = {n: set() for n in self.conns}
        self.lock = threading.Lock()

    def configs(self):
        return {n: pg_config(self.pg, db, prefix=self.cluster.names.t(n), **{"tasks.max": "1",
                "slot.retry.delay.ms": "500", "slot.max.retries": "200"})
                for n, db in self.conns.items()}

    def write(self, name, stop, rows_per_txn=5):
        """One writer: overlapping transactions of several rows, recording what committed."""
        conn = self.pg.connect(self.conns[name])
        try:
            while not stop.is_set():
                cur = conn.cursor()
                ids = []
                for _ in range(rows_per_txn):
                    cur.execute("INSERT INTO t (v) VALUES (%s) RETURNING id", (uuid.uuid4().hex,))
                    ids.append(cur.fetchone()[0])
                    time.sleep(random.random() * 0.01)
                conn.commit()
                with self.lock:
                    self.committed[name].update(ids)
        except psycopg2.Error:
            conn.rollback()
        finally:
            conn.close()

    def check(self, timeout=120):
        for n in self.conns:
            topic = self.cluster.names.t(n) + ".public.t"

            def complete():
                seen = set()
                for (_, _, k, v) in read_topic(self.cluster.kafka.bootstrap, topic):
                    if v:
                        after = json.loads(v)["payload"]["after"]
                        if after:
                            seen.add(after["id"])
                missing = self.committed[n] - seen
                return not missing or None
            wait_for(complete, timeout, f"every committed row of {n} in {topic}", interval=1)


@pytest.fixture
def cluster(connectd, kafka):
    return Cluster(connectd, kafka)


def create_all(cluster, configs):
    for name, cfg in configs.items():
        w = cluster.any()
        st, body, _ = w.request("POST", "/connectors", {"name": name, "config": cfg})
        assert st == 201, (w.id, body)


def test_ten_connectors_spread_survive_a_kill_and_a_join(cluster, pg, tmp_path):
    """3 workers, 7 FileStream and 3 PostgreSQL connectors created through any of them: spread
    over the workers. kill -9 of the busiest worker moves its connectors and tasks to the others,
    which go on from the committed offsets with nothing lost. A fourth worker then joins: it takes
    a share, and what did not move keeps running without a restart (no status written for it)."""
    import contextlib
    for _ in range(3):
        cluster.add()
    files = Files(tmp_path, cluster, 7)
    with contextlib.ExitStack() as stack:
        tables = Tables(pg, cluster, 3, stack)
        files.append(5)
        configs = {**files.configs(), **tables.configs()}
        create_all(cluster, configs)
        before = units(cluster.wait_running(configs))
        assert len(set(before.values())) >= 2, f"everything runs on one worker: {before}"

        stop = threading.Event()
        writers = [threading.Thread(target=tables.write, args=(n, stop)) for n in tables.conns]
        for t in writers:
            t.start()
        try:
            files.append(5)
            busiest = max(cluster.alive(), key=lambda w: sum(1 for v in before.values() if v == w.id))
            time.sleep(1)
            busiest.proc.send_signal(signal.SIGKILL)
            busiest.proc.wait()
            files.append(5)
            after_kill = units(cluster.wait_running(configs))
            assert busiest.id not in after_kill.values()
            for u, wid in before.items():
                if wid != busiest.id:
                    assert after_kill[u] == wid, f"{u} moved from a live worker: {wid} -> {after_kill[u]}"

            # A fourth worker joins.
            st_topic = cluster.names.status
            seen = set(status_records(cluster.kafka.bootstrap, st_topic))
            fourth = cluster.add()
            fourth.wait_output(r"Took partitions \[", timeout=60)
            files.append(5)
            cluster.wait_running(configs)
            after_join = settled_units(cluster, after_kill)
            assert fourth.id in after_join.values(), f"the new worker runs nothing: {after_join}"
            time.sleep(2)
            moved = {u for u in after_join if after_join[u] != after_kill[u]}
            assert all(after_join[u] == fourth.id for u in moved), (after_kill, after_join)
            later = [r for at, r in status_records(cluster.kafka.bootstrap, st_topic).items() if at not in seen]
            for (n, task) in set(after_join) - moved:
                key = f"status-connector-{n}" if task is None else f"status-task-{n}-{task}"
                assert not [r for r in later if r[0] == key], f"{key} was restarted by the join: {later}"
        finally:
            stop.set()
            for t in writers:
                t.join()
        files.check()
        tables.check()
        # status records carry the group's generation, which only grows
        recs = status_records(cluster.kafka.bootstrap, cluster.names.status)
        gens = [v["generation"] for (_, v) in recs.values() if v and "generation" in v]
        assert gens and all(isinstance(g, int) and g >= 1 for g in gens)
        for w in cluster.alive():
            w.stop()  # before the databases go


def test_rolling_restart_under_load_loses_nothing(cluster, pg, tmp_path):
    """3 workers, 2 PostgreSQL connectors under concurrent writers; each worker in turn is
    stopped and started again (a rolling restart): every committed row reaches Kafka."""
    import contextlib
    for _ in range(3):
        cluster.add()
    with contextlib.ExitStack() as stack:
        tables = Tables(pg, cluster, 2, stack)
        configs = tables.configs()
        create_all(cluster, configs)
        cluster.wait_running(configs)
        stop = threading.Event()
        writers = [threading.Thread(target=tables.write, args=(n, stop)) for n in tables.conns for _ in range(2)]
        for t in writers:
            t.start()
        try:
            for i in range(3):
                old = cluster.workers[i]
                assert old.stop() == 0, old.output()[-3000:]
                cluster.add(port=old.port)  # the same worker id, as a restarted pod has
                cluster.wait_running(configs)
        finally:
            stop.set()
            for t in writers:
                t.join()
        assert all(len(c) > 50 for c in tables.committed.values()), tables.committed
        tables.check()
        for w in cluster.alive():
            w.stop()  # before the databases go


def signed(key, body):
    import base64
    import hashlib
    import hmac
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def session_key(cluster):
    """The key of the last session-key record the leader wrote to the config topic."""
    import base64
    recs = [json.loads(v) for (_, _, k, v) in read_topic(cluster.kafka.bootstrap, cluster.names.configs)
            if k == b"session-key" and v]
    assert recs, "no session key in the config topic"
    assert recs[-1]["algorithm"] == "HmacSHA256" and isinstance(recs[-1]["creation-timestamp"], int)
    return base64.b64decode(recs[-1]["key"])


def raw(w, method, path, body=b"", headers=None):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", w.port, timeout=30)
    c.request(method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data) if data else None


def test_internal_endpoints_are_signed(cluster, tmp_path):
    """POST /connectors/{c}/tasks and PUT /connectors/{c}/fence, as workers call them on each other:
    refused without a signature (400), with an algorithm the worker does not accept (400) or a
    wrong one (403); with the HMAC of the body under the leader's session key, the task configs are
    written (204). A follower forwards them to the leader without the signature, as Kafka Connect
    does, so the leader refuses them."""
    for _ in range(2):
        cluster.add()
    leader = cluster.leader()
    follower = cluster.followers()[0]
    src = tmp_path / "in.txt"
    src.write_text("a\n")
    cfg = {"connector.class": SRC, "file": str(src), "topic": cluster.names.t("sig"), "tasks.max": "1"}
    create_all(cluster, {"sig": cfg})
    cluster.wait_running(["sig"])
    key = session_key(cluster)
    st, tasks, _ = leader.get("/connectors/sig/tasks")
    new = [dict(tasks[0]["config"], extra="1")]
    body = json.dumps(new).encode()
    path = "/connectors/sig/tasks"

    assert raw(leader, "POST", path, body) == (400, {"error_code": 400, "message": "Internal request missing required signature"})
    st, err = raw(leader, "POST", path, body, {"X-Connect-Authorization": signed(key, body),
                                               "X-Connect-Request-Signature-Algorithm": "HmacSHA1"})
    assert st == 400 and err["message"].startswith(
        "This worker does not support the 'HmacSHA1' key signing algorithm used by other workers. This worker "
        "is currently configured to use: [HmacSHA256]."), err
    good = {"X-Connect-Authorization": signed(key, body), "X-Connect-Request-Signature-Algorithm": "HmacSHA256"}
    bad = dict(good, **{"X-Connect-Authorization": signed(b"not the key", body)})
    assert raw(leader, "POST", path, body, bad) == (403, {"error_code": 403, "message": "Internal request contained invalid signature."})
    assert raw(follower, "POST", path, body, good) == (400, {"error_code": 400, "message": "Internal request missing required signature"})
    assert raw(leader, "POST", path, body, good) == (204, None)
    wait_for(lambda: leader.get("/connectors/sig/tasks")[1][0]["config"].get("extra") == "1", 30,
             "the posted task config to be committed")
    st, err = raw(leader, "POST", "/connectors/nope/tasks", b"[]", {"X-Connect-Authorization": signed(key, b"[]"),
                                                                   "X-Connect-Request-Signature-Algorithm": "HmacSHA256"})
    assert (st, err) == (404, {"error_code": 404, "message": "Connector nope not found"})

    fence = {"X-Connect-Authorization": signed(key, b""), "X-Connect-Request-Signature-Algorithm": "HmacSHA256"}
    assert raw(leader, "PUT", "/connectors/sig/fence")[0] == 400
    assert raw(leader, "PUT", "/connectors/sig/fence", b"", fence) == (204, None)
    assert raw(leader, "PUT", "/connectors/nope/fence", b"", fence) == (404, {"error_code": 404, "message": "Connector nope not found"})
    for w in cluster.alive():
        w.stop()
