"""Config providers (worker config.providers) and ${provider:path:key} variables in connector
configs, as Kafka Connect 4.1 has them: the raw text is what the config topic, GET config,
?expand=info and the task configs hold; values are resolved for validation and when connectors
and tasks start; unknown providers and keys leave the variable as it is; classes connectd does not
implement stop the worker with a message."""
import json

import pytest

from conftest import wait_for
from kafka_util import read_topic

SRC = "org.apache.kafka.connect.file.FileStreamSourceConnector"
PKG = "org.apache.kafka.common.config.provider."


def provider_args(allowed):
    return ["-D", "config.providers=file,directory,env",
            "-D", f"config.providers.file.class={PKG}FileConfigProvider",
            "-D", f"config.providers.file.param.allowed.paths={allowed}",
            "-D", f"config.providers.directory.class={PKG}DirectoryConfigProvider",
            "-D", f"config.providers.directory.param.allowed.paths={allowed}",
            "-D", f"config.providers.env.class={PKG}EnvVarConfigProvider",
            "-D", "config.providers.env.param.allowlist.pattern=CONNECTD_TEST_.*"]


@pytest.fixture
def secrets(tmp_path):
    """A Kubernetes-secret style mount (one file per key, no trailing newline) and a
    properties file, both under tmp_path."""
    data = tmp_path / "lines.txt"
    data.write_text("one\ntwo\n")
    mount = tmp_path / "secret"
    mount.mkdir()
    (mount / "source-file").write_text(str(data))
    props = tmp_path / "connector.properties"
    props.write_text("topic = provided-topic\nunused=x\n")
    return {"mount": str(mount), "props": str(props), "data": str(data)}


def test_variables_stay_raw_everywhere_and_resolve_at_start(connectd, broker, tmp_path, secrets):
    w = connectd(bootstrap=broker.bootstrap, args=provider_args(str(tmp_path)),
                 env={"CONNECTD_TEST_SECRET": "s3cr3t", "OTHER_SECRET": "hidden"}).wait_ready()
    raw = {"connector.class": SRC, "tasks.max": "1",
           "file": f"${{directory:{secrets['mount']}:source-file}}",
           "topic": f"${{file:{secrets['props']}:topic}}",
           "note": "pw=${env:CONNECTD_TEST_SECRET} other=${env:OTHER_SECRET} ${vault:kv:x}"}
    status, body, _ = w.request("POST", "/connectors", {"name": "vars", "config": raw})
    assert status == 201, body
    assert body["config"] == {**raw, "name": "vars"}
    assert w.get("/connectors/vars/config")[1] == {**raw, "name": "vars"}
    assert w.get("/connectors?expand=info")[1]["vars"]["info"]["config"] == {**raw, "name": "vars"}

    # the task read the file the directory variable names and wrote to the topic the file names
    recs = wait_for(lambda: len(read_topic(broker.bootstrap, "provided-topic")) == 2 and
                    read_topic(broker.bootstrap, "provided-topic"), 30, "two records")
    assert sorted(json.loads(r[3])["payload"] for r in recs) == ["one", "two"]

    # the task config the connector generated is written with the variables, not the values
    status, tasks, _ = w.get("/connectors/vars/tasks")
    assert status == 200
    cfg = tasks[0]["config"]
    assert cfg["file"] == raw["file"] and cfg["topic"] == raw["topic"] and cfg["note"] == raw["note"]

    # nothing resolved ever reaches the config topic
    for _, _, key, value in read_topic(broker.bootstrap, "connect-configs"):
        assert b"s3cr3t" not in (value or b"") and b"provided-topic" not in (value or b"")
        assert secrets["data"].encode() not in (value or b"")

    # validation sees resolved values; unknown providers, disallowed variables and missing keys
    # stay as they are (Kafka's ConfigTransformer)
    status, v, _ = w.request("PUT", "/connector-plugins/FileStreamSource/config/validate",
                             {**raw, "name": "vars", "topic": "${file:%s:topic}-${file:%s:nokey}"
                              % (secrets["props"], secrets["props"])})
    assert status == 200, v
    values = {c["value"]["name"]: c["value"]["value"] for c in v["configs"]}
    assert values["file"] == secrets["data"]
    assert values["topic"] == "provided-topic-${file:%s:nokey}" % secrets["props"]


def test_failing_provider_answers_500_and_writes_nothing(connectd, broker, tmp_path):
    w = connectd(bootstrap=broker.bootstrap, args=provider_args(str(tmp_path))).wait_ready()
    missing = tmp_path / "missing.properties"
    cfg = {"connector.class": SRC, "file": "/dev/null", "topic": f"${{file:{missing}:topic}}"}
    status, body, _ = w.request("POST", "/connectors", {"name": "bad", "config": cfg})
    assert (status, body) == (500, {"error_code": 500,
                                    "message": f"Could not read properties from file {missing}"})
    cfg["topic"] = "${env:some/path:X}"
    status, body, _ = w.request("PUT", "/connectors/bad/config", cfg)
    assert (status, body) == (500, {"error_code": 500, "message":
                                    "Path is not supported for EnvVarConfigProvider, invalid value 'some/path'"})
    assert "bad" not in w.get("/connectors")[1]
    # a path outside allowed.paths resolves to nothing: the variable stays
    cfg["topic"] = "${file:/etc/hostname:x}"
    status, v, _ = w.request("PUT", "/connector-plugins/FileStreamSource/config/validate", {**cfg, "name": "x"})
    assert {c["value"]["name"]: c["value"]["value"] for c in v["configs"]}["topic"] == "${file:/etc/hostname:x}"


@pytest.mark.parametrize("settings, message", [
    (["config.providers=secrets", "config.providers.secrets.class=io.strimzi.kafka.KubernetesSecretConfigProvider"],
     "config.providers.secrets.class (from -D argument): connectd does not implement the config provider "
     "class 'io.strimzi.kafka.KubernetesSecretConfigProvider'"),
    (["config.providers=file", f"config.providers.file.class={PKG}FileConfigProvider",
      "config.providers.file.param.allowed.paths=relative/dir"],
     "config.providers.file.param.allowed.paths (from -D argument): Path relative/dir is not absolute"),
    (["config.providers=dir", f"config.providers.dir.class={PKG}DirectoryConfigProvider",
      "config.providers.dir.param.allowed.paths=/nonexistent/x/../y"],
     "Path /nonexistent/y does not exist"),
])
def test_unusable_provider_settings_stop_the_worker(connectd, broker, settings, message):
    args = [a for s in settings for a in ("-D", s)]
    c = connectd(bootstrap=broker.bootstrap, args=args)
    assert c.wait_exit() == 1
    assert message in c.output()


def test_worker_settings_resolve_too(connectd, broker, tmp_path):
    (tmp_path / "worker.properties").write_text("host=resolved.example\n")
    w = connectd(bootstrap=broker.bootstrap, args=[
        "-D", "config.providers=file", "-D", f"config.providers.file.class={PKG}FileConfigProvider",
        "-D", f"rest.advertised.host.name=${{file:{tmp_path}/worker.properties:host}}"]).wait_ready()
    assert f"Advertised URI: http://resolved.example:{w.port}/" in w.output()
