"""The source producer's batch compression on the real broker: LZ4 by default (connectd's choice,
where Kafka's producer default is none; README "Performance"), the worker's producer.* setting
over it, a connector's producer.override.* over both. What the broker stored is read from its log
segments: a v2 record batch carries its codec in the low 3 bits of its attributes."""
import glob
import os
import struct

import pytest

from conftest import wait_for
from kafka_util import read_topic

SRC = "org.apache.kafka.connect.file.FileStreamSourceConnector"
CODECS = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}


def batch_codecs(kafka, topic):
    """The codec of every record batch the broker holds for topic's partition 0."""
    codecs = []
    for path in sorted(glob.glob(os.path.join(kafka.dir, "data", f"{topic}-0", "*.log"))):
        with open(path, "rb") as f:
            data = f.read()
        pos = 0
        # baseOffset int64, batchLength int32, partitionLeaderEpoch int32, magic int8, crc
        # uint32, attributes int16, ...
        while pos + 23 <= len(data):
            length = struct.unpack_from(">i", data, pos + 8)[0]
            if length <= 0:
                break
            assert data[pos + 16] == 2, f"record batch magic {data[pos + 16]} in {path}"
            attributes = struct.unpack_from(">h", data, pos + 21)[0]
            codecs.append(CODECS[attributes & 7])
            pos += 12 + length
    return codecs


@pytest.mark.parametrize("worker_setting,override,codec", [
    (None, None, "lz4"),
    ("none", None, "none"),
    ("gzip", "zstd", "zstd"),
], ids=["default", "worker", "override"])
def test_source_batch_compression(connectd, kafka, tmp_path, worker_setting, override, codec):
    args = ["-D", f"producer.compression.type={worker_setting}"] if worker_setting else []
    w = connectd(bootstrap=kafka.bootstrap, args=args).wait_ready()
    topic = f"codec-{codec}-{os.getpid()}-{id(tmp_path) & 0xffff}"
    src = tmp_path / "in.txt"
    lines = [f"line {i} " + "x" * 200 for i in range(200)]
    src.write_text("\n".join(lines) + "\n")
    cfg = {"connector.class": SRC, "file": str(src), "topic": topic}
    if override:
        cfg["producer.override.compression.type"] = override
    status, body, _ = w.request("PUT", f"/connectors/{topic}/config", cfg)
    assert status == 201, body
    wait_for(lambda: len(read_topic(kafka.bootstrap, topic, timeout=1)) >= len(lines),
             60, f"{len(lines)} records in {topic}")
    codecs = batch_codecs(kafka, topic)
    assert codecs and set(codecs) == {codec}, codecs
