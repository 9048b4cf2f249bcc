"""What connectd asks of Kafka's admin APIs, on the real Apache Kafka broker: the internal topics
(created compacted with Kafka Connect's partition counts, the configured replication factor and
extra topic settings; existing topics Kafka Connect would refuse stop the worker with its message)
and sink connectors' consumer groups behind /connectors/{c}/offsets (DELETE deletes the group,
PATCH alters or deletes its offsets, both refused while the group has members)."""
import re
import uuid

import pytest

from conftest import wait_for
from kafka_util import produce
from test_rest_api import SINK, create, wait_state


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
    # It stopped before it read the internal topics or ran anything (its REST server listens
    # from the start, as Kafka Connect's does, and answers only GET / and /health meanwhile).
    assert "Kafka Connect started" not in out and "Read the config, status" not in out
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


# ---------------------------------------------------------------- sink connectors' consumer groups

STRING = "org.apache.kafka.connect.storage.StringConverter"

ZOMBIES = ("either because its tasks haven't stopped completely yet or the connector was resumed "
           "before the request to {verb} its offsets could be successfully completed. If the "
           "connector is in a stopped state, this operation can be safely retried. If it doesn't "
           "eventually succeed, the Connect cluster may need to be restarted to get rid of the "
           "zombie sink tasks.")


def sink_offsets(w, name):
    status, body, _ = w.get(f"/connectors/{name}/offsets")
    assert status == 200, body
    return sorted((o["partition"]["kafka_topic"], o["partition"]["kafka_partition"],
                   o["offset"]["kafka_offset"]) for o in body["offsets"])


def lines(path):
    return path.read_text().split() if path.exists() else []


def running_sink(w, tmp_path, values=("a", "b", "c")):
    """A FileStream sink that has written and committed every record of a topic of its own.
    Returns (connector name, topic, output file)."""
    topic, name = w.t("adm-in"), w.t("adm-sink")
    if w.broker.kind == "kafka":
        w.broker.create_topic(topic, 1)
    produce(w.broker.bootstrap, topic, [(None, v) for v in values], partition=0)
    out = tmp_path / "sink.txt"
    create(w, name, {"connector.class": SINK, "file": str(out), "topics": topic,
                     "value.converter": STRING})
    wait_for(lambda: lines(out) == list(values), 60, "the sink's output")
    wait_for(lambda: sink_offsets(w, name) == [(topic, 0, len(values))], 30, "committed offsets")
    return name, topic, out


def stop(w, name):
    assert w.request("PUT", f"/connectors/{name}/stop")[0] == 204
    wait_state(w, name, "STOPPED")


def resume(w, name):
    assert w.request("PUT", f"/connectors/{name}/resume")[0] == 202
    wait_state(w, name, "RUNNING", ["RUNNING"])


RESET_OK = {"message": "The offsets for this connector have been reset successfully"}
ALTER_OK = {"message": "The offsets for this connector have been altered successfully"}


@pytest.mark.brokers("kafka")
def test_sink_offsets_reset_deletes_the_consumer_group(worker, tmp_path):
    name, topic, out = running_sink(worker, tmp_path)
    kafka = worker.broker
    assert f"connect-{name}" in kafka.groups()
    stop(worker, name)
    status, body, _ = worker.request("DELETE", f"/connectors/{name}/offsets")
    assert (status, body) == (200, RESET_OK)
    assert f"connect-{name}" not in kafka.groups()
    assert sink_offsets(worker, name) == []
    # Idempotent: a group that is gone already is a success, as in Kafka Connect.
    assert worker.request("DELETE", f"/connectors/{name}/offsets")[:2] == (200, RESET_OK)
    # Without a group the sink starts again from the beginning of the topic.
    resume(worker, name)
    wait_for(lambda: lines(out) == ["a", "b", "c", "a", "b", "c"], 60, "the topic read again")
    wait_for(lambda: sink_offsets(worker, name) == [(topic, 0, 3)], 30, "offsets committed again")
    assert "committing the start of each partition" not in worker.output()  # no fallback here


@pytest.mark.brokers("kafka")
def test_sink_offsets_alter_and_delete_per_partition(worker, tmp_path):
    name, topic, out = running_sink(worker, tmp_path)
    stop(worker, name)
    entry = {"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"kafka_offset": 1}}
    status, body, _ = worker.request("PATCH", f"/connectors/{name}/offsets", {"offsets": [entry]})
    assert (status, body) == (200, ALTER_OK)
    assert sink_offsets(worker, name) == [(topic, 0, 1)]
    # A null offset deletes the partition's committed offset (DeleteConsumerGroupOffsets): it is
    # gone, not rewound, and the group stays.
    status, body, _ = worker.request("PATCH", f"/connectors/{name}/offsets",
                                     {"offsets": [{**entry, "offset": None}]})
    assert (status, body) == (200, ALTER_OK)
    assert sink_offsets(worker, name) == []
    assert f"connect-{name}" in worker.broker.groups()
    # Numbers as strings are accepted for sinks; the task resumes where the offset says.
    entry = {"partition": {"kafka_topic": topic, "kafka_partition": "0"}, "offset": {"kafka_offset": "2"}}
    assert worker.request("PATCH", f"/connectors/{name}/offsets", {"offsets": [entry]})[:2] == (200, ALTER_OK)
    assert sink_offsets(worker, name) == [(topic, 0, 2)]
    resume(worker, name)
    wait_for(lambda: lines(out) == ["a", "b", "c", "c"], 60, "the sink resumed at offset 2")


@pytest.mark.brokers("kafka")
def test_sink_offsets_refused_while_the_group_has_members(worker, tmp_path):
    """A member left in the group (a zombie task, here a consumer of the test's own) gets Kafka
    Connect's 500 for both DELETE and PATCH; the offsets stay as they were."""
    from confluent_kafka import Consumer
    name, topic, _ = running_sink(worker, tmp_path)
    stop(worker, name)
    zombie = Consumer({"bootstrap.servers": worker.broker.bootstrap, "group.id": f"connect-{name}",
                       "enable.auto.commit": False, "session.timeout.ms": 6000})
    try:
        zombie.subscribe([topic])

        def joined():
            zombie.poll(0.1)
            return zombie.assignment()
        wait_for(joined, 60, "the other member to join the group")
        status, body, _ = worker.request("DELETE", f"/connectors/{name}/offsets")
        assert (status, body) == (500, {"error_code": 500, "message":
            f"Failed to reset consumer group offsets for connector {name} " + ZOMBIES.format(verb="reset")})
        entry = {"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"kafka_offset": 1}}
        status, body, _ = worker.request("PATCH", f"/connectors/{name}/offsets", {"offsets": [entry]})
        assert (status, body) == (500, {"error_code": 500, "message":
            f"Failed to alter consumer group offsets for connector {name} " + ZOMBIES.format(verb="alter")})
        status, body, _ = worker.request("PATCH", f"/connectors/{name}/offsets",
                                         {"offsets": [{**entry, "offset": None}]})
        assert (status, body["message"]) == (500, f"Failed to alter consumer group offsets for connector {name} "
                                             + ZOMBIES.format(verb="alter"))
        assert sink_offsets(worker, name) == [(topic, 0, 3)]
    finally:
        zombie.close()
    # Once the member has left, the same request succeeds.
    assert worker.request("DELETE", f"/connectors/{name}/offsets")[:2] == (200, RESET_OK)
    assert f"connect-{name}" not in worker.broker.groups()


@pytest.mark.brokers("mock")
def test_sink_offsets_on_a_broker_without_group_admin(worker, tmp_path):
    """librdkafka's mock has no DeleteGroups or OffsetDelete (and refuses admin commits to a
    group that had members): connectd joins the group itself, commits the start of each
    partition (reset, null offsets) or the given offsets, and says so in its log."""
    name, topic, out = running_sink(worker, tmp_path)
    stop(worker, name)
    assert worker.request("DELETE", f"/connectors/{name}/offsets")[:2] == (200, RESET_OK)
    assert (topic, 0, 0) in sink_offsets(worker, name)
    assert re.search(rf"The broker cannot delete consumer group connect-{name} through the Admin "
                     r"API .*committing the start of each partition", worker.output())
    entry = {"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"kafka_offset": 2}}
    assert worker.request("PATCH", f"/connectors/{name}/offsets", {"offsets": [entry]})[:2] == (200, ALTER_OK)
    assert (topic, 0, 2) in sink_offsets(worker, name)
    resume(worker, name)
    wait_for(lambda: lines(out) == ["a", "b", "c", "c"], 60, "the sink resumed at offset 2")
