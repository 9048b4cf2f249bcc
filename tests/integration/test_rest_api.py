"""The Kafka Connect REST API, endpoint by endpoint, with the status codes, bodies and messages of
spec/connect-rest-api.md, with FileStream connectors, on the test broker and on a real Kafka."""
import json
import os

import pytest

from conftest import http, wait_for
from kafka_util import read_topic

SRC = "org.apache.kafka.connect.file.FileStreamSourceConnector"
SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"


def source_config(tmp_path, name="src", topic="lines", lines=("a", "b")):
    f = tmp_path / f"{name}.txt"
    f.write_text("".join(l + "\n" for l in lines))
    return {"connector.class": SRC, "file": str(f), "topic": topic, "tasks.max": "1"}


def create(w, name, config, **extra):
    body = {"name": name, "config": config, **extra}
    status, resp, _ = w.request("POST", "/connectors", body)
    assert status == 201, resp
    return resp


def wait_state(w, name, state, tasks=None, timeout=30):
    def check():
        status, body, _ = w.get(f"/connectors/{name}/status")
        if status != 200 or body["connector"]["state"] != state:
            return None
        if tasks is not None and [t["state"] for t in body["tasks"]] != tasks:
            return None
        return body
    return wait_for(check, timeout, f"{name} to be {state} with tasks {tasks}")


@pytest.mark.brokers("mock", "kafka")  # the embedded broker of `make run` too
def test_create_then_read_your_writes(worker, tmp_path):
    cfg = source_config(tmp_path)
    cfg["tasks.max"] = 1  # a JSON number, as Strimzi sends it
    status, body, _ = worker.request("POST", "/connectors/", {"name": "src", "config": cfg})
    assert status == 201
    assert body == {"name": "src", "config": {**cfg, "tasks.max": "1", "name": "src"}, "tasks": [],
                    "type": "source"}
    # Visible at once, exactly as submitted plus name.
    status, conf, _ = worker.get("/connectors/src/config")
    assert status == 200
    assert conf == {**cfg, "tasks.max": "1", "name": "src"}
    assert worker.get("/connectors")[1] == ["src"]
    assert worker.get("/connectors/")[1] == ["src"]
    st = wait_state(worker, "src", "RUNNING", ["RUNNING"])
    assert st == {"name": "src", "connector": {"state": "RUNNING", "worker_id": f"127.0.0.1:{worker.port}",
                                               "version": "4.1.1"},
                  "tasks": [{"id": 0, "state": "RUNNING", "worker_id": f"127.0.0.1:{worker.port}",
                             "version": "4.1.1"}],
                  "type": "source"}
    status, info, _ = worker.get("/connectors/src")
    assert status == 200
    assert info["tasks"] == [{"connector": "src", "task": 0}] and info["type"] == "source"
    status, tasks, _ = worker.get("/connectors/src/tasks")
    assert tasks[0]["id"] == {"connector": "src", "task": 0}
    assert tasks[0]["config"]["task.class"] == "org.apache.kafka.connect.file.FileStreamSourceTask"
    assert tasks[0]["config"]["file"] == cfg["file"]
    # KIP-970: Kafka 4.x has no tasks-config endpoint; Jersey answers an unknown path with 404.
    for path in ("/connectors/src/tasks-config", "/connectors/nope/tasks-config"):
        assert worker.get(path)[:2] == (404, {"error_code": 404, "message": "HTTP 404 Not Found"})
    status, ts, _ = worker.get("/connectors/src/tasks/0/status")
    assert status == 200 and ts["state"] == "RUNNING" and ts["id"] == 0
    status, body, _ = worker.request("POST", "/connectors", {"name": "src", "config": cfg})
    assert status == 409 and body == {"error_code": 409, "message": "Connector src already exists"}


def test_location_header(worker, tmp_path):
    import urllib.request
    req = urllib.request.Request(worker.url + "/connectors", method="POST",
                                 data=json.dumps({"name": "a->b", "config": source_config(tmp_path)}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        assert r.status == 201
        assert r.headers["Location"] == f"http://127.0.0.1:{worker.port}/connectors/a-%3Eb"
    # Strimzi escapes '->' in names; the decoded name must match.
    assert worker.get("/connectors/a%2D%3Eb/config")[0] == 200


def test_create_errors_write_nothing(worker, tmp_path):
    before = len(read_topic(worker.broker.bootstrap, worker.names.configs))
    status, body, _ = worker.request("POST", "/connectors", '{"name": "x", "config": {')
    assert status == 400 and body["error_code"] == 400
    # A missing comma, as in a hand-written curl body: the message says where.
    status, body, _ = worker.request("POST", "/connectors", '{"name": "x",\n "config": {"a": "b" "c": "d"}}')
    assert status == 400 and "at line 2, column 22" in body["message"]
    status, body, _ = worker.request("POST", "/connectors", {"name": "x", "config": {"file": "/tmp/x"}})
    assert (status, body) == (400, {"error_code": 400,
                                    "message": "Connector config {file=/tmp/x, name=x} contains no connector type"})
    status, body, _ = worker.request("POST", "/connectors", {"name": "x", "config": {"connector.class": "com.example.Nope"}})
    assert status == 400  # as Kafka Connect 4.1.1 answers (test_differential_rest)
    assert body["message"].startswith("Failed to find any class that implements Connector and which name matches com.example.Nope")
    status, body, _ = worker.request("POST", "/connectors", {"name": "x", "config": {"connector.class": SRC}})
    assert status == 400
    assert body["message"] == (
        "Connector configuration is invalid and contains the following 1 error(s):\n"
        "Missing required configuration \"topic\" which has no default value.\n"
        "You can also find the above list of errors at the endpoint "
        "`/connector-plugins/{connectorType}/config/validate`")
    status, body, _ = worker.request("POST", "/connectors", {"name": "x", "config": {**source_config(tmp_path), "name": "y"}})
    assert (status, body["message"]) == (400, "Connector name configuration (y) doesn't match connector name in the URL (x)")
    status, body, _ = worker.request("POST", "/connectors", {"name": "x", "config": {**source_config(tmp_path), "tasks.max": {"a": 1}}})
    assert status == 400
    status, body, _ = worker.request("POST", "/connectors", {"name": "x", "config": {**source_config(tmp_path), "tasks.max": "zero"}})
    assert status == 400 and "Invalid value zero for configuration tasks.max: Not a number of type INT" in body["message"]
    status, body, _ = worker.request("POST", "/connectors", {"name": "", "config": source_config(tmp_path)})
    assert status == 400 and "String may not be empty" in body["message"]
    status, body, _ = worker.request("POST", "/connectors", {"name": "x", "config": source_config(tmp_path), "initial_state": "SLEEPING"})
    assert status == 400
    assert len(read_topic(worker.broker.bootstrap, worker.names.configs)) == before
    assert worker.get("/connectors")[1] == []


@pytest.mark.brokers("mock", "kafka")  # the embedded broker of `make run` too
def test_strimzi_reconciliation_sequence(worker, tmp_path):
    cfg = source_config(tmp_path, "strimzi", topic=worker.t("lines"))
    desired = {**cfg, "tasks.max": 2}
    # 1. GET config -> 404 means "create"
    status, body, _ = worker.get("/connectors/strimzi/config")
    assert status == 404 and body == {"error_code": 404, "message": "Connector strimzi not found"}
    # 2. PUT config with tasks.max as a JSON number and no name -> 201
    status, body, _ = worker.request("PUT", "/connectors/strimzi/config", desired)
    assert status == 201
    # 3. status with back-off until 200
    wait_state(worker, "strimzi", "RUNNING", ["RUNNING"])
    # 4. config compared with Map.equals: exactly the desired map, strings, plus name
    expected = {k: str(v) for k, v in desired.items()}
    expected["name"] = "strimzi"
    assert worker.get("/connectors/strimzi/config")[1] == expected
    # 5. PUT again (changed) -> 200 with tasks
    status, body, _ = worker.request("PUT", "/connectors/strimzi/config", {**desired, "batch.size": 10})
    assert status == 200 and body["config"]["batch.size"] == "10"
    # 6. pause/resume/stop without Content-Type or body; exact status codes
    status, body, raw = http("PUT", worker.url + "/connectors/strimzi/pause")
    assert (status, raw) == (202, "")
    wait_state(worker, "strimzi", "PAUSED", ["PAUSED"])
    assert http("PUT", worker.url + "/connectors/strimzi/resume")[0] == 202
    wait_state(worker, "strimzi", "RUNNING", ["RUNNING"])
    status, _, raw = http("PUT", worker.url + "/connectors/strimzi/stop")
    assert (status, raw) == (204, "")
    wait_state(worker, "strimzi", "STOPPED", [])
    assert worker.get("/connectors/strimzi")[1]["tasks"] == []
    assert http("PUT", worker.url + "/connectors/strimzi/resume")[0] == 202
    wait_state(worker, "strimzi", "RUNNING", ["RUNNING"])
    # 7. restart forms Strimzi uses
    status, _, raw = http("POST", worker.url + "/connectors/strimzi/restart?includeTasks=false&onlyFailed=false")
    assert status == 204
    status, plan, _ = http("POST", worker.url + "/connectors/strimzi/restart?includeTasks=true&onlyFailed=true")
    assert status == 202 and plan["connector"]["state"] == "RUNNING" and plan["tasks"][0]["state"] == "RUNNING"
    status, _, _ = http("POST", worker.url + "/connectors/strimzi/tasks/0/restart")
    assert status == 204
    # 8. topics
    wait_for(lambda: worker.get("/connectors/strimzi/topics")[1] == {"strimzi": {"topics": [worker.t("lines")]}}, 20, "topics")
    # 9. delete, then status polled until 404 with a JSON body
    status, _, raw = worker.request("DELETE", "/connectors/strimzi")
    assert (status, raw) == (204, "")
    wait_for(lambda: worker.get("/connectors/strimzi/status")[0] == 404, 30, "status to turn 404")
    assert worker.get("/connectors/strimzi/status")[1] == {"error_code": 404, "message": "No status found for connector strimzi"}
    assert worker.get("/connectors")[1] == []


def test_post_with_initial_state(worker, tmp_path):
    create(worker, "paused", source_config(tmp_path, "paused"), initial_state="paused")
    wait_state(worker, "paused", "PAUSED")
    assert worker.get("/connectors/paused")[1]["tasks"] == []  # no task configs until resumed
    create(worker, "stopped", source_config(tmp_path, "stopped"), initial_state="STOPPED")
    wait_state(worker, "stopped", "STOPPED", [])
    assert worker.request("PUT", "/connectors/paused/resume")[0] == 202
    wait_state(worker, "paused", "RUNNING", ["RUNNING"])


def test_patch_config(worker, tmp_path):
    create(worker, "p", {**source_config(tmp_path, "p"), "batch.size": "5"})
    status, body, _ = worker.request("PATCH", "/connectors/p/config", {"batch.size": None, "tasks.max": 1})
    assert status == 200
    assert "batch.size" not in body["config"] and body["config"]["tasks.max"] == "1"
    assert "batch.size" not in worker.get("/connectors/p/config")[1]
    status, body, _ = worker.request("PATCH", "/connectors/nope/config", {"a": "b"})
    assert (status, body["message"]) == (404, "Connector nope not found")
    status, body, _ = worker.request("PATCH", "/connectors/p/config", {"topic": None})
    assert status == 400 and "Missing required configuration \"topic\"" in body["message"]


def test_unknown_connector_messages(worker):
    assert worker.get("/connectors/nope")[1] == {"error_code": 404, "message": "Connector nope not found"}
    assert worker.request("DELETE", "/connectors/nope")[1]["message"] == "Connector nope not found"
    assert worker.get("/connectors/nope/status")[1]["message"] == "No status found for connector nope"
    assert worker.get("/connectors/nope/tasks")[1]["message"] == "Connector nope not found"
    for op in ("pause", "resume", "stop"):
        status, body, _ = worker.request("PUT", f"/connectors/nope/{op}")
        assert (status, body["message"]) == (404, "Unknown connector nope"), op
    status, body, _ = worker.request("POST", "/connectors/nope/restart")
    assert (status, body["message"]) == (404, "Unknown connector: nope")
    status, body, _ = worker.request("POST", "/connectors/nope/tasks/0/restart")
    assert (status, body["message"]) == (404, "Unknown connector: nope")
    assert worker.get("/connectors/nope/tasks/x/status")[0] == 404
    assert worker.get("/connectors/nope/tasks/3/status")[1]["message"] == "No status found for task nope-3"
    assert worker.get("/connectors/nope/offsets")[1]["message"] == "Connector nope not found"
    assert worker.get("/connectors/nope/topics")[1] == {"nope": {"topics": []}}


def name_error(name, chars):
    """Kafka Connect's answer to a name with control characters (ConfigDef's
    NonEmptyStringWithoutControlChars), when it is the config's only error."""
    return {"error_code": 400, "message":
            "Connector configuration is invalid and contains the following 1 error(s):\n"
            f"Invalid value {name} for configuration name: String may not contain control sequences "
            f"but had the following ASCII chars: {chars}\n"
            "You can also find the above list of errors at the endpoint "
            "`/connector-plugins/{connectorType}/config/validate`"}


@pytest.mark.brokers("mock")
def test_control_characters_in_names(worker, tmp_path):
    cfg = source_config(tmp_path, "a")
    create(worker, "a", cfg)
    # In the body: a NUL is refused, not cut at (which would have named "a").
    for name, chars in (("a\u0000b", "0"), ("a\u0001b\u0000", "1"), ("x\u0085\u007f", "133, 127")):
        status, body, _ = worker.request("POST", "/connectors", {"name": name, "config": cfg})
        assert (status, body) == (400, name_error(name.rstrip("\u0000"), chars)), name
    # Trimmed as Java trims: control characters at the ends go, as in Kafka Connect.
    assert create(worker, "\u0001trimmed\u0000 ", cfg)["name"] == "trimmed"
    # In the config: a NUL in any value is refused (it would be cut short).
    status, body, _ = worker.request("POST", "/connectors", {"name": "c", "config": {**cfg, "file": "x\u0000y"}})
    assert status == 400 and "contains a NUL character" in body["message"]
    status, body, _ = worker.request("PUT", "/connectors/c/config", {**cfg, "name": "c\u0000d"})
    assert (status, body) == (400, name_error("c\u0000d", "0"))
    # In the path: %00 is refused on every route; other control characters fail validation where
    # a connector would be created, and name no connector elsewhere.
    for method, path in (("DELETE", "/connectors/a%00b"), ("GET", "/connectors/a%00/status"),
                         ("PUT", "/connectors/a%00b/config"), ("PUT", "/connectors/a%00/pause")):
        status, body, _ = worker.request(method, path, cfg if method == "PUT" else None)
        assert status == 400 and "contains %00 (a NUL character)" in body["message"], (method, path)
    status, body, _ = worker.request("PUT", "/connectors/a%01b/config", cfg)
    assert (status, body) == (400, name_error("a\u0001b", "1"))
    status, body, _ = worker.request("PUT", "/connectors/a%C2%9Fb/config", cfg)
    assert (status, body) == (400, name_error("a\u009fb", "159"))
    assert worker.get("/connectors/a%01b")[0] == 404
    assert sorted(worker.get("/connectors")[1]) == ["a", "trimmed"]
    assert worker.get("/connectors/a/config")[1] == {**cfg, "name": "a"}


def test_restart_plan_and_unknown_task(worker, tmp_path):
    create(worker, "r", source_config(tmp_path, "r"))
    wait_state(worker, "r", "RUNNING", ["RUNNING"])
    status, plan, _ = worker.request("POST", "/connectors/r/restart?includeTasks=true")
    assert status == 202
    assert plan["connector"]["state"] == "RESTARTING"
    assert [t["state"] for t in plan["tasks"]] == ["RESTARTING"]
    wait_state(worker, "r", "RUNNING", ["RUNNING"])
    status, body, _ = worker.request("POST", "/connectors/r/tasks/5/restart")
    assert (status, body["message"]) == (404, "Unknown task: r-5")


def test_failed_task_shows_trace_and_recovers_by_restart(worker, tmp_path):
    cfg = source_config(tmp_path, "f")
    os.chmod(cfg["file"], 0)  # unreadable: the task fails
    if os.geteuid() == 0:
        os.unlink(cfg["file"])
        os.mkdir(cfg["file"])  # a directory cannot be read line by line, even by root
    create(worker, "f", cfg)
    st = wait_state(worker, "f", "RUNNING", ["FAILED"])
    assert st["tasks"][0]["trace"].startswith("org.apache.kafka.connect.errors.ConnectException")
    if os.geteuid() == 0:
        os.rmdir(cfg["file"])
    else:
        os.unlink(cfg["file"])
    with open(cfg["file"], "w") as f:
        f.write("ok\n")
    status, plan, _ = worker.request("POST", "/connectors/f/restart?includeTasks=true&onlyFailed=true")
    assert status == 202
    assert plan["connector"]["state"] == "RUNNING" and plan["tasks"][0]["state"] == "RESTARTING"
    st = wait_state(worker, "f", "RUNNING", ["RUNNING"])
    assert "trace" not in st["tasks"][0]


def test_expand(worker, tmp_path):
    create(worker, "e", source_config(tmp_path, "e"))
    wait_state(worker, "e", "RUNNING", ["RUNNING"])
    status, body, _ = worker.get("/connectors?expand=status&expand=info")
    assert status == 200 and set(body["e"]) == {"status", "info"}
    assert body["e"]["info"]["name"] == "e" and body["e"]["status"]["connector"]["state"] == "RUNNING"
    assert set(worker.get("/connectors?expand=status")[1]["e"]) == {"status"}
    assert worker.get("/connectors?expand=bogus")[1] == {"e": {}}
    assert worker.get("/connectors?expand=status,info")[1] == {"e": {}}


def test_topics_and_reset(worker, tmp_path):
    create(worker, "t", source_config(tmp_path, "t", topic=worker.t("tracked")))
    wait_for(lambda: worker.get("/connectors/t/topics")[1] == {"t": {"topics": [worker.t("tracked")]}}, 20, "topic")
    status, _, raw = worker.request("PUT", "/connectors/t/topics/reset")
    assert (status, raw) == (202, "")
    wait_for(lambda: worker.get("/connectors/t/topics")[1] == {"t": {"topics": []}}, 20, "reset")


def test_topic_tracking_disabled(connectd, broker):
    c = connectd(bootstrap=broker.bootstrap, args=["-D", "topic.tracking.enable=false"]).wait_ready()
    assert c.get("/connectors/x/topics")[1] == {"error_code": 403, "message": "Topic tracking is disabled."}
    assert c.request("PUT", "/connectors/x/topics/reset")[1]["message"] == "Topic tracking is disabled."


def test_source_offsets_get_alter_reset(worker, tmp_path):
    cfg = source_config(tmp_path, "o", topic=worker.t("lines"), lines=("one", "two", "three"))
    create(worker, "o", cfg)
    expected = [{"partition": {"filename": cfg["file"]}, "offset": {"position": 14}}]
    wait_for(lambda: worker.get("/connectors/o/offsets")[1] == {"offsets": expected}, 30, "committed offsets")
    status, body, _ = worker.request("PATCH", "/connectors/o/offsets", {"offsets": expected})
    assert status == 400 and body["message"] == (
        "Connectors must be in the STOPPED state before their offsets can be modified. This can be "
        "done for the specified connector by issuing a 'PUT' request to the '/connectors/o/stop' endpoint")
    assert worker.request("PUT", "/connectors/o/stop")[0] == 204
    wait_state(worker, "o", "STOPPED", [])
    status, body, _ = worker.request("PATCH", "/connectors/o/offsets", {"offsets": []})
    assert (status, body["message"]) == (400, "Partitions / offsets need to be provided for an alter offsets request")
    status, body, _ = worker.request("PATCH", "/connectors/o/offsets",
                                     {"offsets": [{"partition": {"filename": cfg["file"]}, "offset": {"position": 4}}]})
    assert (status, body) == (200, {"message": "The offsets for this connector have been altered successfully"})
    assert worker.get("/connectors/o/offsets")[1]["offsets"][0]["offset"] == {"position": 4}
    status, body, _ = worker.request("PATCH", "/connectors/o/offsets",
                                     {"offsets": [{"partition": {"filename": {"nested": 1}}, "offset": None}]})
    assert status == 500 and body["message"].startswith("Offsets may only contain primitive types as values, but field filename contains")
    # Resuming from position 4 re-reads "two" and "three" only.
    assert worker.request("PUT", "/connectors/o/resume")[0] == 202
    wait_for(lambda: worker.get("/connectors/o/offsets")[1]["offsets"][0]["offset"] == {"position": 14}, 30, "resume")
    values = [v for (_, _, _, v) in read_topic(worker.broker.bootstrap, worker.t("lines"))]
    payloads = [json.loads(v)["payload"] for v in values]
    # Null keys spread over the topic's partitions, so compare without order.
    assert sorted(payloads) == sorted(["one", "two", "three", "two", "three"])
    assert worker.request("PUT", "/connectors/o/stop")[0] == 204
    wait_state(worker, "o", "STOPPED", [])
    status, body, _ = worker.request("DELETE", "/connectors/o/offsets")
    assert (status, body) == (200, {"message": "The offsets for this connector have been reset successfully"})
    assert worker.get("/connectors/o/offsets")[1] == {"offsets": []}


def test_connector_plugins(worker):
    status, body, _ = worker.get("/connector-plugins")
    assert status == 200
    assert {"class": SRC, "type": "source", "version": "4.1.1"} in body
    assert {"class": SINK, "type": "sink", "version": "4.1.1"} in body
    assert all(p["type"] in ("source", "sink") for p in body)
    everything = worker.get("/connector-plugins?connectorsOnly=false")[1]
    assert {"class": "org.apache.kafka.connect.json.JsonConverter", "type": "converter", "version": "4.1.1"} in everything
    status, defs, _ = worker.get("/connector-plugins/FileStreamSource/config")
    assert status == 200
    names = [d["name"] for d in defs]
    assert names[:3] == ["file", "topic", "batch.size"] and "tasks.max" in names
    tm = next(d for d in defs if d["name"] == "tasks.max")
    assert tm == {"name": "tasks.max", "type": "INT", "required": False, "default_value": "1",
                  "importance": "HIGH", "documentation": "Maximum number of tasks to use for this connector.",
                  "group": "Common", "width": "SHORT", "display_name": "Tasks max", "dependents": [], "order": 4}
    status, body, _ = worker.get("/connector-plugins/com.example.Nope/config")
    assert (status, body["message"]) == (404, "Unknown plugin com.example.Nope.")


def test_validate(worker, tmp_path):
    cfg = {"connector.class": SRC, "name": "v", "file": "/tmp/x"}
    status, body, _ = worker.request("PUT", "/connector-plugins/FileStreamSourceConnector/config/validate", cfg)
    assert status == 200
    assert body["name"] == SRC and body["error_count"] == 1
    assert "Common" in body["groups"]
    topic = next(c for c in body["configs"] if c["definition"] and c["definition"]["name"] == "topic")
    assert topic["value"] == {"name": "topic", "value": None, "recommended_values": [],
                              "errors": ["Missing required configuration \"topic\" which has no default value."],
                              "visible": True}
    status, body, _ = worker.request("PUT", "/connector-plugins/FileStreamSource/config/validate", {**cfg, "topic": "t"})
    assert status == 200 and body["error_count"] == 0
    status, body, _ = worker.request("PUT", "/connector-plugins/FileStreamSink/config/validate", cfg)
    assert (status, body["message"]) == (400, f"Included connector type {SRC} does not match request type FileStreamSink")
    status, body, _ = worker.request("PUT", "/connector-plugins/FileStreamSource/config/validate", {"name": "v"})
    assert (status, body["message"]) == (400, "Connector config {name=v} contains no connector type")


def test_loggers(worker):
    status, body, _ = worker.get("/admin/loggers/")
    assert status == 200 and body["root"]["level"] == "INFO" and body["root"]["last_modified"] is None
    status, body, _ = worker.request("PUT", "/admin/loggers/org.apache.kafka.connect.runtime", {"level": "debug"})
    assert status == 200
    assert "org.apache.kafka.connect.runtime" in body and "org.apache.kafka.connect.runtime.Worker" in body
    assert body == sorted(body)
    status, body, _ = worker.get("/admin/loggers/org.apache.kafka.connect.runtime.Worker")
    assert status == 200 and body["level"] == "DEBUG" and isinstance(body["last_modified"], int)
    listed = worker.get("/admin/loggers")[1]
    assert listed["org.apache.kafka.connect.runtime"]["level"] == "DEBUG"
    assert worker.get("/admin/loggers/ROOT")[1]["level"] == "INFO"
    assert worker.get("/admin/loggers/no.such.Logger")[1] == {"error_code": 404, "message": "Logger no.such.Logger not found."}
    status, body, _ = worker.request("PUT", "/admin/loggers/x", {"level": "LOUD"})
    assert (status, body["message"]) == (404, "invalid log level 'LOUD'.")
    status, body, _ = worker.request("PUT", "/admin/loggers/x", {})
    assert (status, body["message"]) == (400, "Desired 'level' parameter was not specified in request.")
    status, _, raw = worker.request("PUT", "/admin/loggers/org.apache.kafka.connect.util?scope=cluster", {"level": "TRACE"})
    assert (status, raw) == (204, "")
    wait_for(lambda: worker.get("/admin/loggers/org.apache.kafka.connect.util.KafkaBasedLog")[1]["level"] == "TRACE",
             20, "cluster-scope level applied")


def test_health(worker):
    status, body, _ = worker.get("/health")
    assert (status, body) == (200, {"status": "healthy",
                                    "message": "Worker has completed startup and is ready to handle requests."})


def test_status_versions_and_records(worker, tmp_path):
    """KIP-891: connector and task statuses carry the plugin's version, in the REST answers and
    in the status topic's records (Kafka 4.1's STATUS_SCHEMA_V0 "version" field); a RESTARTING
    record has none (null), as Kafka writes it once the instance is stopped."""
    create(worker, "ver", source_config(tmp_path, "ver", worker.t("ver")))
    wait_state(worker, "ver", "RUNNING", ["RUNNING"])
    st = worker.get("/connectors/ver/status")[1]
    assert st["connector"]["version"] == "4.1.1" and st["tasks"][0]["version"] == "4.1.1", st
    assert worker.get("/connectors/ver/tasks/0/status")[1]["version"] == "4.1.1"
    assert worker.request("POST", "/connectors/ver/restart?includeTasks=true")[0] == 202
    wait_state(worker, "ver", "RUNNING", ["RUNNING"])
    records = [(k.decode(), json.loads(v)) for _, _, k, v in read_topic(worker.broker.bootstrap, worker.names.status)
               if v is not None and k.decode() in ("status-connector-ver", "status-task-ver-0")]
    assert records and all("version" in r for _, r in records), records
    assert {r["version"] for _, r in records if r["state"] == "RUNNING"} == {"4.1.1"}
    assert {r["version"] for _, r in records if r["state"] == "RESTARTING"} <= {None}


def test_transforms_refused_until_implemented(worker, tmp_path):
    """A transformation connectd does not have yet is refused with Kafka's validate message (and
    what to do for Kafka's and Debezium's classes), never run without it."""
    cfg = {**source_config(tmp_path, "tr", worker.t("tr")), "transforms": "ts",
           "transforms.ts.type": "io.debezium.transforms.ExtractChangedRecordState"}
    status, body, _ = worker.request("POST", "/connectors", {"name": "tr", "config": cfg})
    assert status == 400, body
    assert ("Invalid value io.debezium.transforms.ExtractChangedRecordState for configuration "
            "transforms.ts.type: Class io.debezium.transforms.ExtractChangedRecordState could not be "
            "found. connectd does not implement this class yet") in body["message"]
    status, body, _ = worker.request("PUT", "/connectors/tr/config", {**cfg, "transforms": "a,b"})
    assert status == 400, body
    assert 'Missing required configuration "transforms.a.type" which has no default value.' in body["message"]
    assert "tr" not in worker.get("/connectors")[1]
