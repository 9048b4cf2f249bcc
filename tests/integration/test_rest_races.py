"""Concurrent config changes through the REST API: of several clients creating one connector at
once exactly one wins (201) and the others get Kafka Connect's 409, concurrent PUTs that create a
connector answer 201 exactly once, concurrent deletes answer 204 exactly once, and concurrent
patches each apply to what the one before wrote. Each race is run a few times, all clients
released together."""
import json
import threading

from conftest import wait_for
from kafka_util import read_topic

SRC = "org.apache.kafka.connect.file.FileStreamSourceConnector"
CLIENTS = 8
ROUNDS = 3


def source_config(tmp_path, name, **extra):
    f = tmp_path / f"{name}.txt"
    f.write_text("a\n")
    return {"connector.class": SRC, "file": str(f), "topic": f"{name}-lines", **extra}


def race(fn):
    """Runs fn(i) for i in 0..CLIENTS-1 on threads released at the same moment; returns the
    results in order."""
    barrier = threading.Barrier(CLIENTS)
    results = [None] * CLIENTS

    def run(i):
        barrier.wait()
        results[i] = fn(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def config_records(w, name):
    """The values of the connector's config records in the config topic, in order."""
    return [json.loads(v) if v else None
            for _, _, k, v in read_topic(w.broker.bootstrap, w.names.configs)
            if k == f"connector-{name}".encode()]


def test_concurrent_creates_of_one_connector(worker, tmp_path):
    for r in range(ROUNDS):
        name = f"race-{r}"
        configs = [source_config(tmp_path, name, **{"batch.size": str(100 + i)}) for i in range(CLIENTS)]
        results = race(lambda i: worker.request("POST", "/connectors",
                                                {"name": name, "config": configs[i]}, timeout=120)[:2])
        statuses = sorted(s for s, _ in results)
        assert statuses == [201] + [409] * (CLIENTS - 1), results
        for status, body in results:
            if status == 409:
                assert body == {"error_code": 409, "message": f"Connector {name} already exists"}
        winner = next(i for i, (s, _) in enumerate(results) if s == 201)
        assert results[winner][1]["config"] == {**configs[winner], "name": name}
        # What the winner was told is what was written, once, and what the worker serves.
        assert config_records(worker, name) == [{"properties": {**configs[winner], "name": name}}]
        assert worker.get(f"/connectors/{name}/config")[1] == {**configs[winner], "name": name}


def test_concurrent_puts_create_once(worker, tmp_path):
    for r in range(ROUNDS):
        name = f"put-{r}"
        configs = [source_config(tmp_path, name, **{"batch.size": str(100 + i)}) for i in range(CLIENTS)]
        results = race(lambda i: worker.request("PUT", f"/connectors/{name}/config", configs[i],
                                                timeout=120)[:2])
        statuses = sorted(s for s, _ in results)
        assert statuses == [200] * (CLIENTS - 1) + [201], results
        # Last writer wins: the config served is the last one written.
        records = config_records(worker, name)
        assert len(records) == CLIENTS
        assert worker.get(f"/connectors/{name}/config")[1] == records[-1]["properties"]


def test_concurrent_deletes_delete_once(worker, tmp_path):
    for r in range(ROUNDS):
        name = f"del-{r}"
        status, body, _ = worker.request("POST", "/connectors", {"name": name, "config": source_config(tmp_path, name)})
        assert status == 201, body
        results = race(lambda i: worker.request("DELETE", f"/connectors/{name}", timeout=120)[:2])
        statuses = sorted(s for s, _ in results)
        assert statuses == [204] + [404] * (CLIENTS - 1), results
        for status, body in results:
            if status == 404:
                assert body == {"error_code": 404, "message": f"Connector {name} not found"}
        wait_for(lambda: worker.get(f"/connectors/{name}/status")[0] == 404, 30, f"{name}'s status to go")


def test_concurrent_patches_lose_no_key(worker, tmp_path):
    name = "patched"
    base = source_config(tmp_path, name)
    status, body, _ = worker.request("POST", "/connectors", {"name": name, "config": base})
    assert status == 201, body
    for r in range(ROUNDS):
        results = race(lambda i: worker.request("PATCH", f"/connectors/{name}/config",
                                                {f"x.round{r}.client{i}": str(i)}, timeout=120)[:2])
        assert [s for s, _ in results] == [200] * CLIENTS, results
    # Each patch applied to the config the one before it wrote: none is lost.
    want = {**base, "name": name,
            **{f"x.round{r}.client{i}": str(i) for r in range(ROUNDS) for i in range(CLIENTS)}}
    assert worker.get(f"/connectors/{name}/config")[1] == want
