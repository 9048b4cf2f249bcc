"""KIP-891 connector.plugin.version, as Kafka Connect 4.1.1 checks it: echoed exactly by GET config
(Strimzi compares it key by key), a version or range the installed plugin satisfies is accepted,
one it does not is refused with DelegatingClassLoader's message, and a value that is not a Maven
version range is a 400 with Maven's message."""
SRC = "org.apache.kafka.connect.file.FileStreamSourceConnector"
MSG = ("Plugin org.apache.kafka.connect.file.FileStreamSourceConnector not found that matches the version "
       "range {}, available versions: [4.1.1]")


def cfg(version):
    return {"connector.class": SRC, "file": "/dev/null", "topic": "t", "tasks.max": "1",
            "connector.plugin.version": version}


def test_connector_plugin_version(worker):
    for i, good in enumerate(["4.1.1", " 4.1.1 ", "[4.1,)", "[4.0,5.0)", "(,4.1.1]", "latest", "4.1.1.Final"]):
        status, body, _ = worker.request("PUT", f"/connectors/ok{i}/config", cfg(good))
        assert status == 201, (good, body)
        assert worker.get(f"/connectors/ok{i}/config")[1] == {**cfg(good), "name": f"ok{i}"}

    status, body, _ = worker.request("POST", "/connectors", {"name": "bad", "config": cfg("9.9")})
    assert status == 400
    assert body["message"].startswith("Connector configuration is invalid and contains the following 2 error(s):\n")
    assert body["message"].count(MSG.format("[9.9,9.9]")) == 2
    status, v, _ = worker.request("PUT", "/connector-plugins/FileStreamSource/config/validate",
                                  {**cfg("[1.0,2.0)"), "name": "bad"})
    assert status == 200 and v["error_count"] == 2
    errs = {c["value"]["name"]: c["value"]["errors"] for c in v["configs"]}
    assert errs["connector.class"] == errs["connector.plugin.version"] == [MSG.format("[1.0,2.0)")]
    assert "file" not in errs  # only the framework's keys are validated then

    for spec, msg in [("[1.0", "Unbounded range: [1.0"), ("[2.0,1.0]", "Range defies version ordering: [2.0,1.0]")]:
        status, body, _ = worker.request("PUT", "/connectors/bad/config", cfg(spec))
        assert (status, body) == (400, {"error_code": 400, "message": msg})
    assert "bad" not in worker.get("/connectors")[1]
