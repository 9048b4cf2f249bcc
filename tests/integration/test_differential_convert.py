"""Differential tests of Kafka's Cast, TimestampConverter and TimestampRouter on PostgreSQL change
events: the rows flattened by Debezium's ExtractNewRecordState, then their columns cast (integers,
numeric as Connect's Decimal under decimal.handling.mode=precise, booleans, text) and their
timestamps converted (time.precision.mode=connect's Date/Time/Timestamp, and the default's
MicroTimestamp int64 read as unix microseconds, truncated toward zero as TimeUnit does;
ZonedTimestamp strings parsed), on connectd and on Kafka Connect 4.1.1 + Debezium 3.4.3, every record
compared byte for byte (eventdiff.Pair). A conversion Kafka refuses fails the task on both with the
same first trace line."""
import json

import pytest

from conftest import wait_for
from kafka_util import read_topic
from test_differential_events import pair  # noqa: F401 (fixture)

pytestmark = pytest.mark.brokers("kafka")

T = "org.apache.kafka.connect.transforms."
U = "io.debezium.transforms.ExtractNewRecordState"

DDL = ["CREATE TABLE conv (id int PRIMARY KEY, i int, big bigint, n numeric(10,2), n2 numeric(30,8), "
       "b boolean, t text, ts timestamp(3), ts6 timestamp, d date, tm time(3), tstz timestamptz, "
       "r real, dp double precision)"]


def workload(pair):
    pair.sql(
        "INSERT INTO conv VALUES (1, 300, 9000000000, -12345.67, 0.00000001, true, '123', "
        "'2024-02-29 23:59:59.999', '1969-12-31 23:59:59.123456', '1582-10-15', '13:45:07.5', "
        "'2024-01-15 10:30:00.25+02', 1.1, 0.1)",
        "INSERT INTO conv VALUES (2, -129, -1, 0, 12345678901234567890.5, false, '-7', "
        "'1900-01-01 00:00:00', '2038-01-19 03:14:08.000001', '1000-06-01', '00:00:00', "
        "'1970-01-01 00:00:00.123456+00', -3.4e38, 1e300)",
        "INSERT INTO conv (id) VALUES (3)",
        "UPDATE conv SET i = 2147483647, t = '2147483647', n = 99999999.99 WHERE id = 2",
        "DELETE FROM conv WHERE id = 1")


def first_row(pair, label, row_id):
    """The payload of connectd's first record of conv for the row (the transformations took place)."""
    run = next(r for r in pair.runs if r.label == label)
    for _, _, _, value in read_topic(pair.cd.bootstrap, f"{run.prefix}.public.conv"):
        v = json.loads(value) if value else None
        v = v.get("payload", v) if isinstance(v, dict) and "schema" in v else v
        if v and str(v.get("id")) == str(row_id):
            return v
    raise AssertionError(f"no record of row {row_id} in {label}")


def chain(*stages):
    """transforms=unwrap,<aliases>, each stage (alias, type, {option: value})."""
    cfg = {"transforms": ",".join(["unwrap"] + [a for a, _, _ in stages]), "transforms.unwrap.type": U}
    for alias, typ, opts in stages:
        cfg[f"transforms.{alias}.type"] = typ
        cfg.update({f"transforms.{alias}.{k}": v for k, v in opts.items()})
    return cfg


def test_cast_columns(pair):
    """Cast of the flattened rows: int to string and int8 (wrapping), bigint to int32, numeric
    (Decimal) to float64, int64 and string (BigDecimal.toString), boolean to int8, text to int32,
    real and double to string (Float/Double.toString), the key's id to string; the whole key to
    a string after ExtractField-free flattening; and with a value converter without schemas."""
    pair.sql(*DDL)
    pair.start(
        cast=pair.base_config(table__include__list="public.conv,public.zz_sentinel", **chain(
            ("c", T + "Cast$Value", {"spec": "i:int8,big:int32,n:float64,n2:string,b:int8,t:int32,r:string,"
                                              "dp:string"}),
            ("c2", T + "Cast$Value", {"spec": "id:string, ts:string, d:string, tm:string"}),
            ("k", T + "Cast$Key", {"spec": "id:float32"}))),
        plain=pair.base_config(table__include__list="public.conv,public.zz_sentinel",
                               value__converter="org.apache.kafka.connect.json.JsonConverter",
                               value__converter__schemas__enable="false", **chain(
            ("c", T + "Cast$Value", {"spec": "n:int64,n2:float32,i:boolean,big:float64,t:int64",
                                     "replace.null.with.default": "false"}))),
        connect=pair.base_config(table__include__list="public.conv,public.zz_sentinel",
                                 time__precision__mode="connect", **chain(
            ("c", T + "Cast$Value", {"spec": "ts:int64,d:int32,tm:string,ts6:string"}))))
    workload(pair)
    pair.compare()
    pair.check()
    row = first_row(pair, "cast", 1)
    assert (row["i"], row["big"], row["n"], row["n2"], row["b"], row["t"], row["r"], row["dp"]) == \
        (44, 410065408, -12345.67, "1E-8", 1, 123, "1.1", "0.1"), row
    assert (row["id"], row["d"]) == ("1", "-141427"), row
    row = first_row(pair, "connect", 2)
    assert (row["ts"], row["d"], row["tm"], row["ts6"]) == (-2208988800000, -354134, "00:00:00.000Z",
                                                           "2038-01-19T03:14:08.000Z"), row


def test_timestamp_converter_columns(pair):
    """TimestampConverter on flattened rows: with time.precision.mode=connect, Timestamp to a
    SimpleDateFormat string, Date to unix seconds, Time to a string; with the default (adaptive),
    MicroTimestamp (int64) read as unix microseconds to a string and to Timestamp, Debezium's
    millisecond Timestamp to unix nanoseconds, ZonedTimestamp strings (six fraction digits) parsed (leniently: .SSSSSS
    reads microseconds as milliseconds, as Java does) to Timestamp."""
    pair.sql(*DDL)
    inc = "public.conv,public.zz_sentinel"
    pair.start(
        connect=pair.base_config(table__include__list=inc, time__precision__mode="connect", **chain(
            ("a", T + "TimestampConverter$Value", {"field": "ts", "target.type": "string",
                                                   "format": "EEE, d MMM yyyy HH:mm:ss.SSS z G"}),
            ("b", T + "TimestampConverter$Value", {"field": "d", "target.type": "unix",
                                                   "unix.precision": "seconds"}),
            ("c", T + "TimestampConverter$Value", {"field": "tm", "target.type": "string", "format": "hh:mm:ss a"}),
            ("e", T + "TimestampConverter$Value", {"field": "ts6", "target.type": "Date"}))),
        adaptive=pair.base_config(table__include__list=inc, **chain(
            ("a", T + "TimestampConverter$Value", {"field": "ts6", "target.type": "string",
                                                   "format": "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
                                                   "unix.precision": "microseconds"}),
            ("b", T + "TimestampConverter$Value", {"field": "ts", "target.type": "unix",
                                                   "unix.precision": "nanoseconds"}),
            ("c", T + "TimestampConverter$Value", {"field": "tstz", "target.type": "Timestamp",
                                                   "format": "yyyy-MM-dd'T'HH:mm:ss.SSSSSSX"}))))
    workload(pair)
    pair.compare()
    pair.check()
    row = first_row(pair, "connect", 1)
    assert (row["ts"], row["tm"], row["d"]) == ("Thu, 29 Feb 2024 23:59:59.999 UTC AD", "01:45:07 PM",
                                                -12219292800), row
    row = first_row(pair, "adaptive", 1)
    assert (row["ts6"], row["tstz"]) == ("1969-12-31T23:59:59.124Z", 1705307650000), row


def _fails_alike(pair, label, config, statements, text):
    """Starts one run whose task must fail on both sides once the statements' records arrive;
    the first line of the trace is the same and connectd's names Kafka's message."""
    from eventdiff import Run
    pair.sql(f"CREATE PUBLICATION dbz_publication_{label} FOR ALL TABLES")
    config = dict(config, **{"publication.name": f"dbz_publication_{label}"})
    r = Run(pair, label, config)
    pair.runs.append(r)
    r.start()
    r.wait_streaming()
    pair.sql(*statements)
    traces = []
    for side in (pair.cd, pair.java):
        wait_for(lambda: side.status(r.name)["tasks"][0]["state"] == "FAILED", 90, f"{side.label}'s task to fail")
        traces.append(side.status(r.name)["tasks"][0]["trace"])
    assert traces[0].splitlines()[0] == traces[1].splitlines()[0], traces
    assert text in traces[0], traces[0]
    assert text.split(":")[0] in traces[1], traces[1]


def test_refusals_fail_the_task(pair):
    """What Kafka refuses on change events fails the task on both: TimestampConverter on
    Debezium's own io.debezium.time.Date (int32), Cast of text that is not a number, and
    TimestampRouter on source records, which Debezium makes without a timestamp."""
    pair.sql(*DDL)
    inc = "public.conv"
    _fails_alike(pair, "dbzdate", pair.base_config(table__include__list=inc, **chain(
        ("a", T + "TimestampConverter$Value", {"field": "d", "target.type": "string", "format": "yyyy"}))),
        ["INSERT INTO conv (id, d) VALUES (10, '2024-01-01')"],
        "Schema{io.debezium.time.Date:INT32} does not correspond to a known timestamp type format")
    _fails_alike(pair, "badcast", pair.base_config(table__include__list=inc, **chain(
        ("a", T + "Cast$Value", {"spec": "t:int16"}))),
        ["INSERT INTO conv (id, t) VALUES (11, 'x1')"],
        "Value (x1) was out of range for requested data type")
    _fails_alike(pair, "router", pair.base_config(table__include__list=inc, **chain(
        ("r", "TimestampRouter", {}))),
        ["INSERT INTO conv (id) VALUES (12)"],
        "Timestamp missing on record: SourceRecord{")
