"""A source task whose records Kafka refuses for good (a delivery error that retries cannot fix)
fails, with the broker's error in its trace, as Kafka Connect's WorkerSourceTask does
("Unrecoverable exception from producer send callback"); nothing after the refused record is
committed. On the real Kafka, since the broker's checks are the point."""
import pytest

from conftest import wait_for
from test_rest_api import SRC, create, wait_state


@pytest.mark.brokers("kafka")
def test_refused_records_with_a_full_in_flight_ring_fail_the_task(worker, tmp_path):
    """The records the task has in flight fill its ring (16384 records) before the first delivery report
    comes back, and that report is an error: the task waiting for ring space must notice it
    instead of waiting for ever as RUNNING."""
    topic = worker.t("refused")
    worker.broker.create_topic(topic, 1, {"max.message.bytes": "10000"})
    f = tmp_path / "in.txt"
    f.write_text("".join(f"line-{i}\n" for i in range(70000)))
    create(worker, "refused", {
        "connector.class": SRC, "file": str(f), "topic": topic, "batch.size": "100000",
        # Nothing leaves the producer for 15 s, then it goes in one batch far larger than the
        # topic's max.message.bytes: the ring is full long before the broker refuses the batch.
        "producer.override.linger.ms": "15000",
        "producer.override.batch.size": "100000000",
        "producer.override.batch.num.messages": "1000000",
        "producer.override.message.max.bytes": "100000000",
    })
    st = wait_state(worker, "refused", "RUNNING", ["FAILED"], timeout=180)
    trace = st["tasks"][0]["trace"]
    assert trace.startswith("org.apache.kafka.connect.errors.ConnectException: Unrecoverable exception "
                            "from producer send callback"), trace
    assert "Caused by: org.apache.kafka.common.errors.RecordTooLargeException" in trace, trace
    assert "Message size too large" in trace, trace
    # Nothing was delivered, so no offset was committed.
    assert worker.get("/connectors/refused/offsets")[1] == {"offsets": []}
    out = worker.output()
    assert "refused-0 Task threw an uncaught and unrecoverable exception" in out
    # A restart tries again (and fails again the same way), it does not hang either.
    assert worker.request("POST", "/connectors/refused/restart?includeTasks=true")[0] == 202
    wait_for(lambda: out.count("refused-0 Task threw") < worker.output().count("refused-0 Task threw"),
             180, "the restarted task to fail again")
    wait_state(worker, "refused", "RUNNING", ["FAILED"], timeout=60)
