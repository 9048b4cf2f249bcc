"""Kafka helpers for the integration tests: reading whole topics, writing records as Apache Kafka
Connect would, and Kafka's murmur2 partitioner."""
import time
import uuid

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

_TRANSIENT = (KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE,
              KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_PARTITION)


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as a signed 32-bit int."""
    length = len(data)
    seed = 0x9747B28C
    m = 0x5BD1E995
    r = 24
    h = (seed ^ length) & 0xFFFFFFFF
    length4 = length // 4
    for i in range(length4):
        i4 = i * 4
        k = (data[i4] & 0xFF) + ((data[i4 + 1] & 0xFF) << 8) + ((data[i4 + 2] & 0xFF) << 16) + \
            ((data[i4 + 3] & 0xFF) << 24)
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    rem = length % 4
    if rem == 3:
        h ^= (data[(length & ~3) + 2] & 0xFF) << 16
    if rem >= 2:
        h ^= (data[(length & ~3) + 1] & 0xFF) << 8
    if rem >= 1:
        h ^= data[length & ~3] & 0xFF
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def java_partition(key: bytes, partitions: int) -> int:
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def read_topic(bootstrap, topic, timeout=10.0, with_headers=False):
    """Every record of the topic as (partition, offset, key bytes, value bytes or None), in
    partition then offset order; with_headers adds its headers, a list of (name, bytes)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "reader-" + uuid.uuid4().hex,
                  "enable.auto.commit": False, "auto.offset.reset": "earliest",
                  "fetch.wait.max.ms": 20})
    try:
        md = c.list_topics(timeout=timeout)
        if topic not in md.topics:
            return []
        parts = sorted(md.topics[topic].partitions)
        deadline = time.monotonic() + timeout
        ends = {}
        for p in parts:
            while True:
                try:
                    ends[p] = c.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)[1]
                    break
                except KafkaException as e:
                    # A topic created a moment ago has no leader yet: ask again.
                    if not e.args[0].retriable() and e.args[0].code() not in _TRANSIENT:
                        raise
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
        c.assign([TopicPartition(topic, p, 0) for p in parts])
        out = []
        pos = {p: 0 for p in parts}
        while any(pos[p] < ends[p] for p in parts):
            if time.monotonic() > deadline:
                raise TimeoutError(f"read_topic({topic!r}): not at the end after {timeout}s: "
                                   f"at {pos}, end {ends}")
            m = c.poll(0.2)
            if m is None or m.error():
                continue
            rec = (m.partition(), m.offset(), m.key(), m.value())
            out.append(rec + (m.headers() or [],) if with_headers else rec)
            pos[m.partition()] = m.offset() + 1
        return sorted(out)
    finally:
        c.close()


def produce(bootstrap, topic, records, partition=None):
    """records: (key bytes/str, value bytes/str or None); partition None uses murmur2 as Java."""
    p = Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random"})
    for key, value in records:
        kw = {}
        if partition is not None:
            kw["partition"] = partition
        p.produce(topic, key=key, value=value, **kw)
    assert p.flush(10) == 0
