"""connector.client.config.override.policy as Kafka Connect 4.1.1 applies it when a connector
config is validated: None refuses every <client>.override.* key of the clients the connector
uses, Principal all but sasl.jaas.config, sasl.mechanism and security.protocol, All (the
default) none; and Kafka 4.2's Allowlist (KIP-1188) all but those listed in
connector.client.config.override.allowlist (none by default)."""
import pytest

SRC = "org.apache.kafka.connect.file.FileStreamSourceConnector"
SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"


def msg(policy, key):
    return f"The '{policy}' policy does not allow '{key}' to be overridden in the connector configuration."


@pytest.mark.parametrize("policy", ["None", "org.apache.kafka.connect.connector.policy.PrincipalConnectorClientConfigOverridePolicy"])
def test_policy_refuses_overrides(connectd, broker, policy):
    name = "None" if policy == "None" else "Principal"
    w = connectd(bootstrap=broker.bootstrap,
                 args=["-D", f"connector.client.config.override.policy={policy}"]).wait_ready()
    src = {"connector.class": SRC, "file": "/dev/null", "topic": "t", "producer.override.acks": "1",
           "producer.override.sasl.mechanism": "PLAIN", "consumer.override.max.poll.records": "5"}
    status, body, _ = w.request("PUT", "/connectors/pol/config", src)
    assert status == 400, body
    assert msg(name, "acks") in body["message"]
    assert (msg(name, "sasl.mechanism") in body["message"]) == (name == "None")
    assert "max.poll.records" not in body["message"]  # a source has no consumer
    status, v, _ = w.request("PUT", "/connector-plugins/FileStreamSink/config/validate",
                             {"connector.class": SINK, "name": "s", "file": "/dev/null", "topics": "t",
                              "consumer.override.max.poll.records": "5", "producer.override.acks": "1"})
    errs = {c["value"]["name"]: c["value"]["errors"] for c in v["configs"]}
    assert errs["consumer.override.max.poll.records"] == [msg(name, "max.poll.records")]
    assert "producer.override.acks" not in errs  # a sink without a DLQ has no producer
    assert v["error_count"] == 1


def test_all_allows(connectd, broker):
    w = connectd(bootstrap=broker.bootstrap).wait_ready()
    status, body, _ = w.request("PUT", "/connectors/all/config", {
        "connector.class": SRC, "file": "/dev/null", "topic": "t", "producer.override.acks": "1"})
    assert status == 201, body


@pytest.mark.parametrize("policy", ["Allowlist",
                                    "org.apache.kafka.connect.connector.policy.AllowlistConnectorClientConfigOverridePolicy"])
def test_allowlist(connectd, broker, policy):
    w = connectd(bootstrap=broker.bootstrap,
                 args=["-D", f"connector.client.config.override.policy={policy}",
                       "-D", "connector.client.config.override.allowlist= acks , linger.ms"]).wait_ready()
    v = w.request("PUT", "/connector-plugins/FileStreamSource/config/validate",
                  {"connector.class": SRC, "name": "a", "file": "/dev/null", "topic": "t",
                   "producer.override.acks": "1", "producer.override.linger.ms": "5",
                   "producer.override.batch.size": "10"})[1]
    errs = {c["value"]["name"]: c["value"]["errors"] for c in v["configs"]}
    assert errs["producer.override.batch.size"] == [msg("Allowlist", "batch.size")]
    assert "producer.override.acks" not in errs and "producer.override.linger.ms" not in errs
    assert v["error_count"] == 1
    status, body, _ = w.request("PUT", f"/connectors/al-{len(policy)}/config", {
        "connector.class": SRC, "file": "/dev/null", "topic": "t", "producer.override.acks": "1"})
    assert status == 201, body


def test_allowlist_empty_by_default_and_checked(connectd, broker):
    w = connectd(bootstrap=broker.bootstrap,
                 args=["-D", "connector.client.config.override.policy=Allowlist"]).wait_ready()
    status, body, _ = w.request("PUT", "/connectors/al0/config", {
        "connector.class": SRC, "file": "/dev/null", "topic": "t", "producer.override.acks": "1"})
    assert status == 400 and msg("Allowlist", "acks") in body["message"], body
    for value, text in [("acks,acks", "values must not be duplicated."), ("acks,,linger.ms", "values must not be empty.")]:
        c = connectd(bootstrap=broker.bootstrap,
                     args=["-D", "connector.client.config.override.policy=Allowlist",
                           "-D", f"connector.client.config.override.allowlist={value}"])
        assert c.wait_exit() == 1
        assert f"Configuration 'connector.client.config.override.allowlist' {text}" in c.output()
