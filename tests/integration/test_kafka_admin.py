"""What connectd asks of Kafka's admin APIs, on the real Apache Kafka broker: the internal topics
(created compacted with Kafka Connect's partition counts, the configured replication factor and
extra topic settings; existing topics Kafka Connect would refuse stop the worker with its message)
and sink connectors' consumer groups behind /connectors/{c}/offsets (DELETE deletes the group,
PATCH alters or deletes its offsets, both refused while the group has members)."""
import re
import uuid

import pytest

from conftest import wait_for


def unique(prefix):
    """Names of a test's own on the session's shared broker."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def topic_args(names):
    return ["-D", f"group.id={names['group']}", "-D", f"config.storage.topic={names['configs']}",
            "-D", f"offset.storage.topic={names['offsets']}",
            "-D", f"status.storage.topic={names['status']}"]


def internal_names():
    s = unique("adm")
    return {"group": f"cluster-{s}", "configs": f"{s}-configs", "offsets": f"{s}-offsets",
            "status": f"{s}-status"}


def start_worker(connectd, kafka, names, *extra):
    return connectd(bootstrap=kafka.bootstrap, args=topic_args(names) + list(extra))


def refused(connectd, kafka, names, *extra):
    """Starts a worker that must refuse to run; returns its output."""
    c = start_worker(connectd, kafka, names, *extra)
    assert c.wait_exit(60) == 1, c.output()
    out = c.output()
    # It stopped before serving anything.
    assert "Kafka Connect started" not in out and "REST server listening" not in out
    return out


# ---------------------------------------------------------------- internal topics

def test_internal_topics_have_kafka_connects_layout(kafka, connectd):
    names = internal_names()
    start_worker(connectd, kafka, names).wait_ready()
    topics = kafka.topics()
    assert (topics[names["configs"]], topics[names["offsets"]], topics[names["status"]]) == (1, 25, 5)
    for role in ("configs", "offsets", "status"):
        assert kafka.topic_config(names[role])["cleanup.policy"] == "compact", role
        # replication.factor -1: the broker's default.replication.factor (1 on this broker)
        assert kafka.replication_factor(names[role]) == 1, role


def test_internal_topics_take_the_configured_partitions_factor_and_settings(kafka, connectd):
    names = internal_names()
    c = start_worker(connectd, kafka, names,
                     "-D", "offset.storage.partitions=3", "-D", "status.storage.partitions=2",
                     "-D", "config.storage.replication.factor=1",
                     "-D", "offset.storage.replication.factor=1",
                     "-D", "status.storage.replication.factor=1",
                     "-D", "config.storage.partitions=4",              # ignored: always 1
                     "-D", "status.storage.cleanup.policy=delete",     # ignored: always compact
                     "-D", "offset.storage.min.compaction.lag.ms=12345",
                     "-D", "config.storage.max.message.bytes=2097152",
                     "-D", "status.storage.segment.ms=3600000").wait_ready()
    topics = kafka.topics()
    assert (topics[names["configs"]], topics[names["offsets"]], topics[names["status"]]) == (1, 3, 2)
    conf = {role: kafka.topic_config(names[role]) for role in ("configs", "offsets", "status")}
    assert {role: cfg["cleanup.policy"] for role, cfg in conf.items()} == \
        {"configs": "compact", "offsets": "compact", "status": "compact"}
    assert conf["offsets"]["min.compaction.lag.ms"] == "12345"
    assert conf["configs"]["max.message.bytes"] == "2097152"
    assert conf["status"]["segment.ms"] == "3600000"
    assert all(kafka.replication_factor(names[r]) == 1 for r in ("configs", "offsets", "status"))
    out = c.output()
    assert ("Ignoring 'config.storage.partitions=4' setting (from -D argument), since config "
            "topic partitions is always 1") in out
    assert ("Ignoring 'status.storage.cleanup.policy=delete' setting (from -D argument), since "
            "compaction is always used") in out


def test_existing_compacted_topics_are_used_as_they_are(kafka, connectd):
    names = internal_names()
    kafka.create_topic(names["offsets"], 4, {"cleanup.policy": "compact"})
    start_worker(connectd, kafka, names).wait_ready()
    assert kafka.topics()[names["offsets"]] == 4  # not recreated with 25


def test_config_topic_with_two_partitions_stops_the_worker(kafka, connectd):
    names = internal_names()
    kafka.create_topic(names["configs"], 2, {"cleanup.policy": "compact"})
    out = refused(connectd, kafka, names)
    assert (f"Topic '{names['configs']}' supplied via the 'config.storage.topic' property is "
            "required to have a single partition in order to guarantee consistency of connector "
            "configurations, but found 2 partitions.") in out


PURPOSES = {"configs": ("config.storage.topic", "connector configurations"),
            "offsets": ("offset.storage.topic", "source connector offsets"),
            "status": ("status.storage.topic", "connector and task statuses")}


@pytest.mark.parametrize("role", ["configs", "offsets", "status"])
def test_internal_topic_with_delete_policy_stops_the_worker(kafka, connectd, role):
    names = internal_names()
    parts = {"configs": 1, "offsets": 25, "status": 5}[role]
    kafka.create_topic(names[role], parts, {"cleanup.policy": "delete"})
    out = refused(connectd, kafka, names)
    key, purpose = PURPOSES[role]
    assert (f"Topic '{names[role]}' supplied via the '{key}' property is required to have "
            f"'cleanup.policy=compact' to guarantee consistency and durability of {purpose}, but "
            "found the topic currently has 'cleanup.policy=delete'. Continuing would likely result "
            f"in eventually losing {purpose} and problems restarting this Connect cluster in the "
            f"future. Change the '{key}' property in the Connect worker configurations to use a "
            "topic with 'cleanup.policy=compact'.") in out


def test_compact_and_delete_policy_also_stops_the_worker(kafka, connectd):
    names = internal_names()
    kafka.create_topic(names["status"], 5, {"cleanup.policy": "compact,delete"})
    out = refused(connectd, kafka, names)
    assert re.search(rf"Topic '{names['status']}' supplied via the 'status.storage.topic' property "
                     r"is required to have 'cleanup.policy=compact' .* but found the topic "
                     r"currently has 'cleanup.policy=compact,delete'", out)


def test_replication_factor_above_the_broker_count_stops_the_worker(kafka, connectd):
    names = internal_names()
    out = refused(connectd, kafka, names, "-D", "offset.storage.replication.factor=3",
                  "-D", "default.api.timeout.ms=3000")
    # Retried while brokers might still be registering, then the broker's own reason, with the
    # topic, the property that named it and the one to change.
    assert f"'{names['offsets']}' topic creation failed due to" in out
    m = re.search(r"ERROR Stopping due to error: (.*)", out)
    assert m, out
    assert m.group(1).startswith(
        f"Error while attempting to create/find topic(s) '{names['offsets']}' supplied via the "
        "'offset.storage.topic' property: ")
    assert "The target replication factor of 3 cannot be reached because only 1 broker(s) are registered" in m.group(1)
    assert "Set 'offset.storage.replication.factor' to at most the number of brokers" in m.group(1)
    assert names["offsets"] not in kafka.topics()


def test_mock_broker_cannot_describe_configs_and_the_worker_goes_on(broker, connectd):
    """librdkafka's mock has no DescribeConfigs: a warning, at once, and the worker runs."""
    c = connectd(bootstrap=broker.bootstrap).wait_ready(timeout=20)
    out = c.output()
    warn = out.find("Could not verify that the internal topics are compacted")
    assert 0 <= warn < out.find("Kafka Connect started"), out
