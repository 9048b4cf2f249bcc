"""Differential tests of Kafka's struct and header transformations on PostgreSQL change events:
Flatten on the raw Debezium envelope (before, after, source and transaction flattened), ExtractField
of the envelope's after (V1) and of a nested column (V2), ExtractNewRecordState followed by
ValueToKey and ExtractField$Key, SetSchemaMetadata on the unwrapped key and value, HeaderFrom
copying and moving columns of several types into headers, and InsertHeader; on connectd and on
Kafka Connect 4.1.1 + Debezium 3.4.3, every record (key, value, headers) compared byte for byte
(eventdiff.Pair). Offsets are left out: transformations do not touch them, and
test_differential_events compares them."""
import json

import pytest

from kafka_util import read_topic
from test_differential_events import pair  # noqa: F401 (fixture)

pytestmark = pytest.mark.brokers("kafka")

T = "org.apache.kafka.connect.transforms."
U = "io.debezium.transforms.ExtractNewRecordState"

PEOPLE_DDL = [
    "CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL, score numeric(5,2), born date, "
    "tags text[], note text DEFAULT 'n/a', flag boolean)",
    "ALTER TABLE people REPLICA IDENTITY FULL",
]


def people_workload(pair):
    pair.sql("INSERT INTO people VALUES (1, 'ann', 12.5, '2020-01-01', ARRAY['a', 'b\"c'], NULL, true)",
             "INSERT INTO people (id, name) VALUES (2, 'bob')",
             "UPDATE people SET score = 99.99, note = 'x\\y', tags = '{}' WHERE id = 1",
             "UPDATE people SET id = 3 WHERE id = 2",
             "DELETE FROM people WHERE id = 1",
             "BEGIN", "INSERT INTO people VALUES (4, 'dé', -0.5, '1969-12-31', NULL, 'n', false)",
             "UPDATE people SET name = 'eve' WHERE id = 4", "COMMIT")


def chain(*stages, people_only=(), **opts):
    """transforms=<aliases>, each alias's type, then the options (alias__key=value); the aliases in
    people_only apply to the people table's topic only (TopicNameMatches), so that every run also
    captures the sentinel table (eventdiff waits for it) whose rows lack people's columns."""
    cfg = {"transforms": ",".join(a for a, _ in stages)}
    for alias, cls in stages:
        cfg[f"transforms.{alias}.type"] = cls
    for alias in people_only:
        cfg[f"transforms.{alias}.predicate"] = "people"
    if people_only:
        cfg.update({"predicates": "people", "predicates.people.type": "TopicNameMatches",
                    "predicates.people.pattern": r".*\.public\.people"})
    for k, v in opts.items():
        alias, key = k.split("__", 1)
        cfg[f"transforms.{alias}.{key.replace('__', '.')}"] = v
    return cfg


def test_struct_transforms_on_change_events(pair):
    """Flatten of the envelope (with the transaction block), ExtractField of after and of a nested
    column, ExtractNewRecordState then ValueToKey and ExtractField$Key, tombstones and deletes
    passing through each the way Kafka's do."""
    pair.sql(*PEOPLE_DDL)
    pair.start(
        flat=pair.base_config(provide__transaction__metadata="true",
                              **chain(("f", T + "Flatten$Value"), ("k", T + "Flatten$Key"), f__delimiter="_")),
        after=pair.base_config(**chain(("a", T + "ExtractField$Value"), a__field="after")),
        nested=pair.base_config(**chain(("n", T + "ExtractField$Value"), people_only=("n",),
                                        n__field="after.score", n__field__syntax__version="V2")),
        keyed=pair.base_config(**chain(("u", U), ("v", "org.apache.kafka.connect.transforms.ValueToKey"),
                                       ("e", T + "ExtractField$Key"), people_only=("v", "e"),
                                       u__delete__tombstone__handling__mode="rewrite", v__fields="name,id",
                                       e__field="name")))
    people_workload(pair)
    pair.compare(offsets=False)  # the source's offsets: no transformation touches them
    pair.check()
    runs = {r.label: r.prefix for r in pair.runs}
    flat = [json.loads(v)["payload"] for _, _, _, v in read_topic(pair.cd.bootstrap, f"{runs['flat']}.public.people")
            if v is not None]
    assert flat and all("after_name" in v and "source_lsn" in v and "transaction_id" in v for v in flat)
    keys = {json.loads(k)["payload"] for _, _, k, _ in read_topic(pair.cd.bootstrap, f"{runs['keyed']}.public.people")}
    assert keys == {"ann", "bob", "dé", "eve"}


def test_header_and_metadata_transforms_on_change_events(pair):
    """ExtractNewRecordState, SetSchemaMetadata on the key and the value, HeaderFrom copying columns
    of several types (text, numeric as a Decimal, a Debezium date, an array, a column with a
    default, a boolean) into headers and moving one out of the value, InsertHeader with a literal
    Kafka parses; the headers as SimpleHeaderConverter writes them."""
    pair.sql(*PEOPLE_DDL)
    pair.start(
        meta=pair.base_config(
            **chain(("u", U), ("sv", T + "SetSchemaMetadata$Value"), ("sk", T + "SetSchemaMetadata$Key"),
                    ("hc", T + "HeaderFrom$Value"), ("hm", T + "HeaderFrom$Value"), ("i", "InsertHeader"),
                    ("hk", T + "HeaderFrom$Key"), people_only=("hc", "hm", "hk"),
                    u__delete__tombstone__handling__mode="rewrite",
                    sv__schema__name="people.Row", sv__schema__version="5",
                    sk__schema__version="2",
                    hc__fields="name,score,born,tags,note", hc__headers="h_name,h_score,h_born,h_tags,h_note",
                    hc__operation="copy",
                    hm__fields="flag", hm__headers="h_flag", hm__operation="move",
                    hm__replace__null__with__default="false",
                    i__header="src", i__value__literal="[1, 2.5]",
                    hk__fields="id", hk__headers="h_id", hk__operation="copy")),
        nodefault=pair.base_config(
            **{"value.converter.replace.null.with.default": "false"},
            **chain(("u", U), ("h", T + "HeaderFrom$Value"), people_only=("h",),
                    u__delete__tombstone__handling__mode="rewrite",
                    h__fields="note", h__headers="h_note", h__operation="move",
                    h__replace__null__with__default="false")))
    people_workload(pair)
    pair.compare(offsets=False)  # the source's offsets: no transformation touches them
    pair.check()
    meta = next(r.prefix for r in pair.runs if r.label == "meta")
    first = read_topic(pair.cd.bootstrap, f"{meta}.public.people", with_headers=True)
    ann = next(dict(h) for _, _, k, v, h in first if json.loads(k)["payload"]["id"] == 1)
    assert ann["h_name"] == b"ann" and ann["h_score"] == b"12.50" and ann["h_tags"] == b'["a","b\\"c"]'
    assert ann["src"] == b"[1.0,2.5]" and ann["h_id"] == b"1" and ann["h_flag"] == b"true"
