"""Error handling on the PostgreSQL connector's records, compared with Kafka Connect 4.1.1 +
Debezium 3.4.3 (eventdiff.Pair): errors.tolerance=all skips the records a transformation fails on,
under concurrent, overlapping transactions."""
import json
import threading

import pytest

from kafka_util import read_topic
from test_differential_events import pair  # noqa: F401 (fixture)

pytestmark = pytest.mark.brokers("kafka")

T = "org.apache.kafka.connect.transforms."


def test_postgres_records_a_transformation_fails_on_are_skipped(pair):
    """The PostgreSQL connector under three threads of overlapping transactions over two tables, with
    ExtractNewRecordState then MaskField$Value on column n and a replacement that is text: on
    table a (n int) MaskField fails, on table b (n text) it masks. With errors.tolerance=all both
    skip every record of a and write every record of b, byte for byte the same."""
    p = pair
    p.sql("CREATE TABLE a (id int PRIMARY KEY, n int)", "CREATE TABLE b (id int PRIMARY KEY, n text)")
    p.start(skip=p.base_config(**{
        "transforms": "unwrap,mask",
        "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
        "transforms.mask.type": T + "MaskField$Value", "transforms.mask.fields": "n",
        "transforms.mask.replacement": "masked", "errors.tolerance": "all", "errors.log.enable": "true"}))

    def writer(w):
        conn = p.pg.connect(p.dbname)
        cur = conn.cursor()
        for i in range(20):
            k = w * 1000 + i
            cur.execute("BEGIN")
            cur.execute("INSERT INTO a VALUES (%s, %s)", (k, i))
            cur.execute("INSERT INTO b VALUES (%s, %s)", (k, str(i)))
            if i % 3 == 0:
                cur.execute("UPDATE a SET n = n + 1 WHERE id = %s", (k,))
                cur.execute("UPDATE b SET n = n || 'u' WHERE id = %s", (k,))
            if i % 5 == 0:
                cur.execute("DELETE FROM a WHERE id = %s", (k,))
                cur.execute("DELETE FROM b WHERE id = %s", (k,))
            cur.execute("COMMIT")
        conn.close()
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    p.compare()
    p.check()
    run = p.runs[0]
    b_recs = read_topic(p.cd.bootstrap, f"{run.prefix}.public.b")
    values = [json.loads(v)["payload"] for _p, _o, _k, v in b_recs if v is not None]
    assert values and all(v["n"] == "masked" for v in values)
    # table a: nothing (MaskField fails on its deletes too: a null value is not a Struct)
    assert read_topic(p.cd.bootstrap, f"{run.prefix}.public.a") == []
    assert p.cd.status(run.name)["tasks"][0]["state"] == "RUNNING"
