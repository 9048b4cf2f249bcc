"""Source connectors creating their topics as Kafka Connect does with KIP-158 (topic.creation.*
settings), on a real Kafka that does not create topics by itself (auto.create.topics.enable=false):
the default group and groups with include/exclude patterns give partitions, replication factor and
topic configs; without settings a task fails with a message that says which topic and what to set;
bad settings fail the connector at start with Kafka Connect's ConfigException messages."""
import pytest
from confluent_kafka import KafkaException

from conftest import FAST_WORKER_ARGS, Kafka, Names, wait_for
from kafka_util import read_topic
from test_postgres import pg_config, pgdb, records  # noqa: F401 (pgdb is a fixture)
from test_rest_api import SRC, create, wait_state


@pytest.fixture(scope="module")
def strict_kafka():
    """A real Kafka of this module's own that never creates a topic on first use; each test uses
    topic names of its own on it (one broker for the module: starting one takes a while)."""
    k = Kafka(("auto.create.topics.enable=false",))
    try:
        yield k
    finally:
        k.close()


@pytest.fixture
def strict_worker(connectd, strict_kafka):
    """Factory: a connectd on strict_kafka with internal topics and names of the test's own."""
    names = Names("kafka")

    def start(*args):
        w = connectd(bootstrap=strict_kafka.bootstrap, args=FAST_WORKER_ARGS + names.worker_args() + list(args))
        w.wait_ready()
        w.kafka = strict_kafka
        w.t = names.t
        return w
    return start


def file_source(tmp_path, topic, lines=("a", "b"), **extra):
    f = tmp_path / "in.txt"
    f.write_text("".join(l + "\n" for l in lines))
    return {"connector.class": SRC, "file": str(f), "topic": topic, **extra}


def values(bootstrap, topic):
    """The topic's record values, sorted; [] while the new topic's partitions have no leader yet."""
    try:
        return sorted(v.decode() for (_, _, _, v) in read_topic(bootstrap, topic))
    except KafkaException:
        return []


def task_trace(w, name, timeout=60):
    st = wait_state(w, name, "RUNNING", ["FAILED"], timeout=timeout)
    return st["tasks"][0]["trace"]


def test_default_group_creates_the_topic(strict_worker, tmp_path):
    w = strict_worker()
    topic = w.t("lines")
    lines = [f"line{i}" for i in range(50)]
    create(w, "src", file_source(tmp_path, topic, lines, **{
        "topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "3",
        "topic.creation.default.compression.type": "gzip",
        "topic.creation.default.retention.ms": "3600000",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter"}))
    wait_for(lambda: values(w.kafka.bootstrap, topic) == sorted(lines), 60, "the lines on the new topic")
    assert w.kafka.topics()[topic] == 3
    assert w.kafka.replication_factor(topic) == 1
    cfg = w.kafka.topic_config(topic)
    assert cfg["compression.type"] == "gzip" and cfg["retention.ms"] == "3600000"
    assert wait_state(w, "src", "RUNNING", ["RUNNING"])
    w.wait_output(rf"Created topic '\(name={topic}, numPartitions=3, replicationFactor=1, "
                  r"replicasAssignments=null, configs=\{.*\}\)' using creation group "
                  r"TopicCreationGroup\{name='default', inclusionPattern=\.\*")
    # checked before the first record only, not before each one
    assert w.output().count(f"The task will send records to topic '{topic}' for the first time") == 1


def test_postgres_topics_get_the_settings_of_their_group(pg, pgdb, strict_worker):
    """Groups in topic.creation.groups order, default last; exclusion beats inclusion."""
    w = strict_worker()
    conn, db = pgdb
    cur = conn.cursor()
    for t in ("customers", "orders", "audit_log"):
        cur.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, v TEXT)")
    prefix = w.t("shop")
    cfg = pg_config(pg, db, prefix=prefix, **{
        "topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "3",
        "topic.creation.groups": "compacted, wide",
        "topic.creation.compacted.include": r".*\.public\.customers",
        "topic.creation.compacted.partitions": "1",
        "topic.creation.compacted.cleanup.policy": "compact",
        "topic.creation.wide.include": r".*\.public\..*",
        "topic.creation.wide.exclude": r".*\.audit_log",
        "topic.creation.wide.partitions": "2",
        "topic.creation.wide.compression.type": "lz4"})
    create(w, "pg", cfg)
    wait_state(w, "pg", "RUNNING", ["RUNNING"])
    for t in ("customers", "orders", "audit_log"):
        cur.execute(f"INSERT INTO {t} VALUES (1, 'x')")
    topics = {t: f"{prefix}.public.{t}" for t in ("customers", "orders", "audit_log")}
    for t, name in topics.items():
        wait_for(lambda: len(records(w.kafka.bootstrap, name)) == 1, 60, f"the {t} event")
    parts = w.kafka.topics()
    assert [parts[topics[t]] for t in ("customers", "orders", "audit_log")] == [1, 2, 3]
    cfgs = {t: w.kafka.topic_config(n) for t, n in topics.items()}
    assert cfgs["customers"]["cleanup.policy"] == "compact"
    assert cfgs["orders"]["cleanup.policy"] == "delete" and cfgs["orders"]["compression.type"] == "lz4"
    assert cfgs["audit_log"]["compression.type"] == "producer"
    out = w.output()
    assert f"Created topic '(name={topics['orders']}, numPartitions=2" in out
    assert "TopicCreationGroup{name='wide'" in out


def test_without_topic_creation_the_task_fails_naming_topic_and_settings(strict_worker, tmp_path):
    w = strict_worker()
    topic = w.t("nowhere")
    create(w, "src", file_source(tmp_path, topic))
    trace = task_trace(w, "src")
    assert trace.startswith("org.apache.kafka.connect.errors.ConnectException: Topic "
                            f"'{topic}' does not exist, and the Kafka cluster does not create topics on "
                            "first use (auto.create.topics.enable=false on broker 1).")
    assert "topic.creation.default.replication.factor and topic.creation.default.partitions" in trace
    assert topic not in w.kafka.topics()  # checking did not create it
    # Once the topic exists, a restart recovers the task.
    w.kafka.create_topic(topic, partitions=2)
    status, _, _ = w.request("POST", "/connectors/src/restart?includeTasks=true&onlyFailed=true")
    assert status == 202
    wait_state(w, "src", "RUNNING", ["RUNNING"])
    wait_for(lambda: len(values(w.kafka.bootstrap, topic)) == 2, 60, "the two lines")
    assert w.kafka.topics()[topic] == 2


def test_worker_with_topic_creation_disabled_ignores_the_settings(strict_worker, tmp_path):
    """As Kafka Connect: with topic.creation.enable=false the connector's settings are neither
    checked nor used (no warning either); the task fails on the missing topic and says why."""
    w = strict_worker("-D", "topic.creation.enable=false")
    topic = w.t("off")
    create(w, "src", file_source(tmp_path, topic, **{"topic.creation.groups": "incomplete"}))
    trace = task_trace(w, "src")
    assert f"Topic '{topic}' does not exist" in trace
    assert "topic.creation.* settings are not used because this worker has topic.creation.enable=false" in trace
    assert topic not in w.kafka.topics()


def test_existing_topic_is_used_as_it_is(strict_worker, tmp_path):
    w = strict_worker()
    topic = w.t("existing")
    w.kafka.create_topic(topic, partitions=1)
    create(w, "src", file_source(tmp_path, topic, **{
        "topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "5"}))
    wait_for(lambda: len(values(w.kafka.bootstrap, topic)) == 2, 60, "the two lines")
    assert w.kafka.topics()[topic] == 1
    w.wait_output(f"Topic '{topic}' already exists.")


def test_broker_refusing_the_topic_fails_the_task_with_its_reason(strict_worker, tmp_path):
    w = strict_worker()
    topic = w.t("too-many-replicas")
    create(w, "src", file_source(tmp_path, topic, **{
        "topic.creation.default.replication.factor": "3", "topic.creation.default.partitions": "1"}))
    trace = task_trace(w, "src")
    assert trace.startswith(f"org.apache.kafka.connect.errors.ConnectException: Unable to create topic(s) "
                            f"'{topic}': Unable to replicate the partition 3 time(s)")
    assert topic not in w.kafka.topics()


BAD_SETTINGS = [
    ({"topic.creation.groups": "g"},
     'Missing required configuration "topic.creation.default.replication.factor" which has no default value.'),
    ({"topic.creation.default.replication.factor": "1"},
     'Missing required configuration "topic.creation.default.partitions" which has no default value.'),
    ({"topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "abc"},
     "Invalid value abc for configuration topic.creation.default.partitions: Not a number of type INT"),
    ({"topic.creation.default.replication.factor": "0", "topic.creation.default.partitions": "0"},
     "Invalid value 0 for configuration replication.factor: Replication factor must be positive and not "
     "larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default"),
    ({"topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "1",
      "topic.creation.groups": "g", "topic.creation.g.include": "a["},
     "Invalid value [a[] for configuration include: Syntax error in regular expression: "),
]


@pytest.mark.parametrize("settings,message", BAD_SETTINGS, ids=["groups-only", "no-partitions", "not-int",
                                                               "rf-zero", "bad-regex"])
def test_bad_settings_fail_the_connector_at_start(worker, tmp_path, settings, message):
    """Kafka Connect accepts these configs (201; validate reports nothing: SourceConnectorConfig
    reads topic.creation.* only when the connector starts) and then fails the connector with a
    ConfigException."""
    cfg = file_source(tmp_path, worker.t("bad"), **settings)
    status, body, _ = worker.request("PUT", f"/connector-plugins/{SRC}/config/validate", {"name": "bad", **cfg})
    assert status == 200 and body["error_count"] == 0, body
    create(worker, "bad", cfg)
    st = wait_state(worker, "bad", "FAILED", [])
    assert st["connector"]["trace"].startswith("org.apache.kafka.common.config.ConfigException: " + message)
    # A duplicate group, as Kafka Connect, is rejected when the config is submitted.
    dup = file_source(tmp_path, worker.t("bad"), **{"topic.creation.groups": "g, g"})
    status, body, _ = worker.request("POST", "/connectors", {"name": "dup", "config": dup})
    assert status == 400
    assert "Invalid value [g, g] for configuration topic.creation.groups: Duplicate alias provided." in body["message"]


def test_settings_apply_on_brokers_that_create_topics_too(worker, tmp_path):
    """On the shared Kafka (auto-creation on) the connector still creates its topic with its own
    settings; the embedded (mock) broker cannot create topics, and the broker's automatic
    creation is used, with a warning."""
    topic = worker.t("lines")
    create(worker, "src", file_source(tmp_path, topic, **{
        "topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "4"}))
    wait_for(lambda: len(values(worker.broker.bootstrap, topic)) == 2, 60, "the two lines")
    wait_state(worker, "src", "RUNNING", ["RUNNING"])
    if worker.broker.kind == "kafka":
        assert worker.broker.topics()[topic] == 4
    else:
        worker.wait_output(f"Topic '{topic}' does not exist and the Kafka cluster cannot create topics")
