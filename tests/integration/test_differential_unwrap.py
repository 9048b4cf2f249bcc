"""Differential tests of Debezium's ExtractNewRecordState (event flattening) on the change events:
the PostgreSQL workload of test_differential_events (creates, updates, deletes with tombstones, key
changes, tables without a key, truncates, logical messages) through the transformation under
several option sets, on connectd and on Kafka Connect 4.1.1 + Debezium 3.4.3, every record compared
byte for byte (eventdiff.Pair). Also the pipeline of the dashboard that wants deletes flagged:
delete.tombstone.handling.mode=rewrite gives the deleted row with "__deleted":"true"."""
import json

import pytest

from eventdiff import Pair
from kafka_util import read_topic
from test_differential_events import KINDS_DDL, kinds_workload, pair  # noqa: F401 (fixture)

pytestmark = pytest.mark.brokers("kafka")

U = "io.debezium.transforms.ExtractNewRecordState"
DFLT_DDL = ["CREATE TABLE dflt (id int PRIMARY KEY, n int DEFAULT 7, s text DEFAULT 'x', k text)"]


def unwrap(**opts):
    cfg = {"transforms": "unwrap", "transforms.unwrap.type": U}
    cfg.update({"transforms.unwrap." + k.replace("__", "."): v for k, v in opts.items()})
    return cfg


def dflt_workload(pair):
    pair.sql("INSERT INTO dflt VALUES (1, NULL, NULL, 'a'), (2, 3, 'y', 'b')",
             "UPDATE dflt SET n = NULL, k = 'c' WHERE id = 2",
             "DELETE FROM dflt WHERE id = 1", "UPDATE dflt SET id = 5 WHERE id = 2")


def test_unwrap_option_sets(pair):
    """Every delete.tombstone.handling.mode; add.fields with struct fields, renames and a prefix;
    add.headers with a prefix (tombstones get only the op); replace.null.with.default off and on
    with a value converter that keeps nulls; the deprecated delete.handling.mode and drop.tombstones,
    which Debezium 3.4.3 no longer reads."""
    pair.sql(*KINDS_DDL, *DFLT_DDL)
    pair.start(
        dflt=pair.base_config(**unwrap(add__headers="op,source.ts_ms,table,lsn")),
        rewrite=pair.base_config(**{"value.converter.replace.null.with.default": "false"},
                                 **unwrap(delete__tombstone__handling__mode="rewrite",
                                          add__fields="op,table,source.ts_ms:evts,lsn,schema")),
        rwt=pair.base_config(**{"value.converter.replace.null.with.default": "false"},
                             **unwrap(delete__tombstone__handling__mode="rewrite-with-tombstone",
                                      replace__null__with__default="false", add__fields="db,txId,snapshot",
                                      add__fields__prefix="x_", add__headers="op,db",
                                      add__headers__prefix="h_")),
        d2t=pair.base_config(**unwrap(delete__tombstone__handling__mode="delete-to-tombstone",
                                      delete__handling__mode="rewrite", drop__tombstones="false",
                                      add__headers="op")),
        drop=pair.base_config(tombstones__on__delete="false",
                              **unwrap(delete__tombstone__handling__mode="DROP", add__fields="op")))
    kinds_workload(pair)
    dflt_workload(pair)
    pair.compare()
    pair.check()


def test_unwrap_route_by_field_and_transaction_fields(pair):
    """route.by.field sends each row to the topic its column names (a delete by its before row,
    REPLICA IDENTITY FULL; a null or blank value keeps the topic); add.fields and add.headers
    taking the transaction block's id, total_order and data_collection_order; transaction
    metadata records pass unchanged."""
    pair.sql("CREATE TABLE routed (id int PRIMARY KEY, dest text)", "ALTER TABLE routed REPLICA IDENTITY FULL")
    pair.start(  # route: not the sentinel's table, which has no dest (the task would fail on it)
        route=pair.base_config(table__include__list="public.routed",
                               **unwrap(route__by__field="dest", add__fields="op")),
        tx=pair.base_config(provide__transaction__metadata="true", message__prefix__include__list="none",
                            **unwrap(add__fields="id,total_order,data_collection_order,txId",
                                     add__headers="id,total_order", delete__tombstone__handling__mode="rewrite")))
    route = next(r for r in pair.runs if r.label == "route").prefix
    pair.sql(f"INSERT INTO routed VALUES (1, '{route}.a'), (2, '{route}.b'), (3, NULL), (4, ' ')",
             f"UPDATE routed SET dest = '{route}.c' WHERE id = 1", "DELETE FROM routed WHERE id = 2",
             "DELETE FROM routed WHERE id = 3",
             "BEGIN", "INSERT INTO routed VALUES (5, NULL)", "UPDATE routed SET dest = NULL WHERE id = 4",
             "COMMIT")
    pair.compare()
    pair.check()
    for t in ("a", "b", "c"):
        assert read_topic(pair.cd.bootstrap, f"{route}.{t}"), t


def test_dashboard_deletes_flagged(pair):
    """Seed 000's pipeline: the dashboard filters on a deleted flag. With
    delete.tombstone.handling.mode=rewrite a delete arrives as the deleted row, flattened, with
    "__deleted":"true" (inserts and updates with "false"), no tombstone; same bytes as Debezium."""
    # REPLICA IDENTITY FULL: the delete's before is the whole row (by default only its key)
    pair.sql("CREATE TABLE metrics (id int PRIMARY KEY, v int)", "ALTER TABLE metrics REPLICA IDENTITY FULL")
    json_conv = "org.apache.kafka.connect.json.JsonConverter"
    pair.start(flag=pair.base_config(**{"value.converter": json_conv, "value.converter.schemas.enable": "false",
                                        "key.converter": json_conv, "key.converter.schemas.enable": "false"},
                                     **unwrap(delete__tombstone__handling__mode="rewrite")))
    pair.sql("INSERT INTO metrics VALUES (1, 10), (2, 20)", "UPDATE metrics SET v = 11 WHERE id = 1",
             "DELETE FROM metrics WHERE id = 2")
    pair.compare()
    pair.check()
    run = pair.runs[0]
    recs = read_topic(pair.cd.bootstrap, f"{run.prefix}.public.metrics")
    # three partitions: the order holds per key (partition), so compare per key
    by_key = {}
    for _, _, key, value in recs:
        assert value is not None, "rewrite keeps no tombstone"
        by_key.setdefault(json.loads(key)["id"], []).append(json.loads(value))
    assert by_key == {1: [{"id": 1, "v": 10, "__deleted": "false"}, {"id": 1, "v": 11, "__deleted": "false"}],
                      2: [{"id": 2, "v": 20, "__deleted": "false"}, {"id": 2, "v": 20, "__deleted": "true"}]}


R = "io.debezium.transforms.ByLogicalTableRouter"
ROUTE_ALL = r"([^.]+)\.(public|s1)\.((?!zz_).*)"   # every captured table but the sentinel's


def test_by_logical_table_router(pair):
    """ByLogicalTableRouter merges the tables of the workload into one topic per run: keys renamed
    <topic>.Key with the physical table's identifier (the old topic, or key.field.regex's
    replacement under key.field.name), envelopes and rows renamed <topic>.Envelope / .Value,
    tombstones and keyless tables; without key.enforce.uniqueness; and followed by
    ExtractNewRecordState in a chain."""
    pair.sql(*KINDS_DDL, *DFLT_DDL)
    route = {"transforms": "route", "transforms.route.type": R, "transforms.route.topic.regex": ROUTE_ALL,
             "transforms.route.topic.replacement": "$1.all"}
    pair.start(
        plain=pair.base_config(**route),
        keyed=pair.base_config(**{**route, "transforms": "route,unwrap",
                                  "transforms.route.key.field.regex": r"[^.]+\.(.*)",
                                  "transforms.route.key.field.replacement": "tbl_$1",
                                  "transforms.route.key.field.name": "tbl",
                                  "transforms.unwrap.type": U,
                                  "transforms.unwrap.delete.tombstone.handling.mode": "rewrite-with-tombstone"}),
        nouniq=pair.base_config(**{**route, "transforms.route.key.enforce.uniqueness": "false",
                                   "value.converter.replace.null.with.default": "false"}))
    kinds_workload(pair)
    dflt_workload(pair)
    pair.compare()
    pair.check()
    for r in pair.runs:  # the routing took place: every table's records on the one topic
        recs = read_topic(pair.cd.bootstrap, f"{r.prefix}.all")
        field = "tbl" if r.label == "keyed" else "__dbz__physicalTableIdentifier"
        assert len({json.loads(k)["payload"].get(field) for _, _, k, _ in recs
                    if k is not None}) >= (1 if r.label == "nouniq" else 4), r.label
