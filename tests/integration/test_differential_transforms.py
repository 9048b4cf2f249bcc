"""Differential tests of transformations and predicates: the plugin list and config definitions,
validate with transforms, and the records a FileStream source writes through a transform chain,
on connectd and on the real Kafka Connect 4.1.1 (reference.py), compared after reference.normalise.

Kafka Connect lists more transformations than connectd (Debezium's others, ExtractChangedRecordState,
HeaderToValue, ...): the listing is compared on the classes connectd lists (reference.py's
KNOWN_DIFFERENCES "plugins other than connectors"), everything else whole."""
import json

import pytest

from conftest import wait_for
from kafka_util import read_topic
from test_differential_rest import FILE_SOURCE, Pair, readable_file  # noqa: F401 (pair fixture below)

pytestmark = pytest.mark.brokers("kafka")

T = "org.apache.kafka.connect.transforms."
P = T + "predicates."


@pytest.fixture
def pair(worker, reference):
    p = Pair(worker, reference)
    try:
        yield p
    finally:
        p.cleanup()


def _connectd_transforms(pair):
    status, body, _ = pair.cd.get("/connector-plugins?connectorsOnly=false")
    assert status == 200
    return [p["class"] for p in body if p["type"] in ("transformation", "predicate")]


def test_transform_plugins_and_their_config(pair):
    """Every transformation and predicate connectd lists is one Kafka Connect lists, with the
    same type and version; its config definition is Kafka's, by class name and by alias."""
    pair.call("GET", "/connector-plugins?connectorsOnly=false")
    classes = _connectd_transforms(pair)
    assert T + "Filter" in classes and P + "HasHeaderKey" in classes
    for cls in classes:
        pair.call("GET", f"/connector-plugins/{cls}/config")
    for alias in ("Filter", "DropHeaders", "HasHeaderKey", "RecordIsTombstone", "InsertField$Value",
                  "Value", "RegexRouter", "TopicNameMatches", "ExtractNewRecordState", "ByLogicalTableRouter",
                  "TimestampRouter", "Cast$Value", "TimestampConverter$Key",
                  "ValueToKey", "InsertHeader", "Flatten$Value", "Key"):
        pair.call("GET", f"/connector-plugins/{alias}/config")
    pair.check()


def _validate(pair, extra):
    cfg = {"connector.class": "FileStreamSource", "name": "v", "topic": "t", "file": "/tmp/x", **extra}
    pair.call("PUT", "/connector-plugins/FileStreamSource/config/validate", cfg)


def test_validate_with_transforms(pair):
    """Validate enriches the config with each transformation's and predicate's keys, Kafka's
    messages for missing and bad options, unknown classes and negate without predicate."""
    _validate(pair, {
        "transforms": "a,b,f,h", "predicates": "p,q",
        "transforms.a.type": T + "InsertField$Value", "transforms.a.static.field": "s",
        "transforms.a.negate": "true",
        "transforms.b.type": T + "MaskField$Value", "transforms.b.replacement": "",
        "transforms.f.type": "Filter", "transforms.f.predicate": "p",
        "transforms.h.type": T + "HoistField$Key",
        "predicates.p.type": "HasHeaderKey", "predicates.q.type": P + "RecordIsTombstone"})
    _validate(pair, {
        "transforms": "r,m,d", "transforms.r.type": T + "ReplaceField$Value",
        "transforms.r.renames": "a:b,c", "transforms.r.include": "x, y",
        "transforms.m.type": T + "MaskField$Key", "transforms.m.fields": "",
        "transforms.d.type": T + "DropHeaders", "transforms.d.headers": " "})
    _validate(pair, {
        "transforms": "r", "transforms.r.type": T + "ReplaceField$Value",
        "transforms.r.renames": "a:,b:c::", "transforms.r.whitelist": "a",
        "transforms.r.replace.null.with.default": "maybe"})
    _validate(pair, {
        "transforms": "i", "transforms.i.type": T + "InsertField$Value",
        "transforms.i.topic.field": "t!", "transforms.i.predicate": "nope",
        "predicates": "p", "predicates.p.type": P + "HasHeaderKey", "predicates.p.name": " "})
    # RegexRouter and TopicNameMatches: missing, empty and invalid patterns; Debezium's
    # ExtractNewRecordState, whose config() has no validators (configure() checks the values)
    _validate(pair, {
        "transforms": "r,s,u", "transforms.r.type": T + "RegexRouter", "transforms.r.regex": "a(b",
        "transforms.s.type": "RegexRouter", "transforms.s.regex": "(.*)", "transforms.s.predicate": "m",
        "transforms.u.type": "io.debezium.transforms.ExtractNewRecordState",
        "transforms.u.delete.tombstone.handling.mode": "soft", "transforms.u.add.fields": "a:b:c",
        "predicates": "m,n,o", "predicates.m.type": P + "TopicNameMatches", "predicates.m.pattern": "x[",
        "predicates.n.type": "TopicNameMatches", "predicates.n.pattern": " ",
        "predicates.o.type": "TopicNameMatches"})
    _validate(pair, {
        "transforms": "b", "transforms.b.type": "io.debezium.transforms.ByLogicalTableRouter",
        "transforms.b.key.field.regex": "(", "transforms.b.logical.table.cache.size": "x"})
    # Cast, TimestampConverter and TimestampRouter: Kafka's spec validator, ValidString.in,
    # missing required keys; format has no validator in Kafka (configure() checks it)
    _validate(pair, {
        "transforms": "c,d,e,f,g,h", "transforms.c.type": T + "Cast$Value", "transforms.c.spec": "a:b:c, d",
        "transforms.d.type": T + "Cast$Key", "transforms.d.spec": "int8,a:int16",
        "transforms.e.type": T + "Cast$Value", "transforms.e.spec": "a:bytes",
        "transforms.e.replace.null.with.default": "nope",
        "transforms.f.type": T + "Cast$Value",
        "transforms.g.type": T + "TimestampConverter$Value", "transforms.g.target.type": "date",
        "transforms.g.unix.precision": "ms", "transforms.g.format": "q",
        "transforms.h.type": T + "TimestampConverter$Key"})
    _validate(pair, {
        "transforms": "c,r,s", "transforms.c.type": T + "Cast$Value", "transforms.c.spec": "x:foo",
        "transforms.r.type": "TimestampRouter", "transforms.r.timestamp.format": "yyyy q",
        "transforms.s.type": T + "TimestampRouter", "transforms.s.topic.format": ""})
    _validate(pair, {"transforms": "c", "transforms.c.type": T + "Cast$Value", "transforms.c.spec": " , "})
    # classes of the wrong kind
    _validate(pair, {"transforms": "y", "transforms.y.type": P + "RecordIsTombstone",
                     "predicates": "z", "predicates.z.type": T + "Filter"})
    pair.check()


def test_validate_refuses_what_connectd_lacks(worker):
    """A transformation connectd does not have (Debezium's other ones) is refused at validate, with what to do."""
    cfg = {"connector.class": "FileStreamSource", "name": "v", "topic": "t", "file": "/tmp/x",
           "transforms": "r,v", "transforms.r.type": "io.debezium.transforms.ExtractChangedRecordState",
           "transforms.v.type": "io.debezium.transforms.HeaderToValue"}
    status, body, _ = worker.request("PUT", "/connector-plugins/FileStreamSource/config/validate", cfg)
    assert status == 200 and body["error_count"] == 2
    errors = {c["value"]["name"]: c["value"]["errors"] for c in body["configs"]}
    for key, cls in (("transforms.r.type", "io.debezium.transforms.ExtractChangedRecordState"),
                     ("transforms.v.type", "io.debezium.transforms.HeaderToValue")):
        assert errors[key][0].startswith(f"Invalid value {cls} for configuration {key}: Class {cls} could "
                                         "not be found. connectd does not implement this class yet"), errors[key]


def _records(bootstrap, topic, n, timeout=60):
    out = []

    def enough():
        out[:] = read_topic(bootstrap, topic)
        return len(out) >= n
    wait_for(enough, timeout, f"{n} records on {topic}")
    return [(k, v) for (_p, _o, k, v) in out]


def test_filestream_source_through_a_chain(pair, tmp_path):
    """A FileStream source through HoistField, InsertField, ReplaceField and MaskField (with and
    without schemas, keys and values), and a predicated Filter that never applies: the records
    are byte for byte Kafka Connect's."""
    src = readable_file(tmp_path, "one\ntwo\n\nsecret\n")
    c = pair.name("xf")
    topic = pair.name("xf-t")
    cfg = {
        "connector.class": FILE_SOURCE, "file": src, "topic": topic,
        "transforms": "hoist,hkey,ins,ren,mask,keymask,drop",
        "transforms.hoist.type": T + "HoistField$Value", "transforms.hoist.field": "line",
        "transforms.hkey.type": T + "HoistField$Key", "transforms.hkey.field": "k",
        "transforms.ins.type": T + "InsertField$Value", "transforms.ins.static.field": "src!",
        "transforms.ins.static.value": "file", "transforms.ins.topic.field": "topic",
        "transforms.ins.partition.field": "p",
        "transforms.ren.type": T + "ReplaceField$Value", "transforms.ren.renames": "line:text",
        "transforms.ren.exclude": "p",
        "transforms.mask.type": T + "MaskField$Value", "transforms.mask.fields": "src",
        "transforms.mask.replacement": "***",
        "transforms.mask.predicate": "tomb", "transforms.mask.negate": "true",
        "transforms.keymask.type": T + "MaskField$Key", "transforms.keymask.fields": "k,absent",
        "transforms.drop.type": "Filter", "transforms.drop.predicate": "tomb",
        "predicates": "tomb", "predicates.tomb.type": "RecordIsTombstone",
    }
    pair.create(c, cfg)
    pair.settle_status(c, "RUNNING", tasks=1)
    mine = _records(pair.cd.broker.bootstrap, topic, 4)
    theirs = _records(pair.java.kafka.bootstrap, topic, 4)
    assert mine == theirs, "\n".join(f"connectd:      {a}\nKafka Connect: {b}" for a, b in zip(mine, theirs))
    assert json.loads(mine[0][1])["payload"] == {"text": "one", "topic": topic, "src": "***"}
    pair.check()


def test_filestream_source_through_routers(pair, tmp_path):
    """RegexRouter (matches() then replaceFirst with $1 and a named group) renames the topic where
    TopicNameMatches holds, and a second RegexRouter whose regex does not match the whole topic
    leaves it: the records land on the same topics with the same bytes on both."""
    src = readable_file(tmp_path, "one\ntwo\n")
    c = pair.name("rr")
    topic = pair.name("rr") + "-t"
    cfg = {
        "connector.class": FILE_SOURCE, "file": src, "topic": topic,
        "transforms": "route,partial,never",
        "transforms.route.type": T + "RegexRouter", "transforms.route.regex": "(?<base>.*)-(t)",
        "transforms.route.replacement": "${base}-routed-$2\\_", "transforms.route.predicate": "mine",
        "transforms.partial.type": "RegexRouter", "transforms.partial.regex": "routed",
        "transforms.partial.replacement": "x",
        "transforms.never.type": "RegexRouter", "transforms.never.regex": ".*",
        "transforms.never.replacement": "$1", "transforms.never.predicate": "none",
        "predicates": "mine,none",
        "predicates.mine.type": P + "TopicNameMatches", "predicates.mine.pattern": ".*rr.*",
        "predicates.none.type": "TopicNameMatches", "predicates.none.pattern": "nothing",
    }
    pair.create(c, cfg)
    pair.settle_status(c, "RUNNING", tasks=1)
    routed = pair.name("rr") + "-routed-t_"
    mine = _records(pair.cd.broker.bootstrap, routed, 2)
    theirs = _records(pair.java.kafka.bootstrap, routed, 2)
    assert mine == theirs and len(mine) == 2
    assert read_topic(pair.cd.broker.bootstrap, topic) == []
    pair.check()


def test_regex_router_failure_fails_the_task(pair, tmp_path):
    """A replacement naming a group the regex does not have: Kafka's IndexOutOfBoundsException
    text fails the task on both."""
    src = readable_file(tmp_path, "x\n")
    c = pair.name("rrfail")
    pair.create(c, {"connector.class": FILE_SOURCE, "file": src, "topic": pair.name("rrfail-t"),
                    "transforms": "r", "transforms.r.type": "RegexRouter",
                    "transforms.r.regex": "(.*)", "transforms.r.replacement": "$2"})
    pair.settle(f"/connectors/{c}/status",
                lambda s: s and s.get("tasks") and s["tasks"][0]["state"] == "FAILED")
    _, body, _ = pair.cd.get(f"/connectors/{c}/status")
    _, jbody, _ = pair.java.get(f"/connectors/{c}/status")
    assert body["tasks"][0]["trace"].splitlines()[0] == jbody["tasks"][0]["trace"].splitlines()[0]
    pair.check()


def test_filter_drops_and_commits_offsets(pair, tmp_path):
    """A Filter that drops every record: nothing is written on either side. connectd commits the
    dropped records' source offsets as if they had been written; Kafka Connect 4.1.1 does not
    (WorkerSourceTask.recordDropped only calls the task's commitRecord), so a source whose
    records are all filtered out would be read again from the start after a restart and, for
    PostgreSQL, hold its WAL. A deliberate difference (README, "Transforms")."""
    src = readable_file(tmp_path, "a\nb\nc\n")
    c = pair.name("drop")
    topic = pair.name("drop-t")
    pair.create(c, {"connector.class": FILE_SOURCE, "file": src, "topic": topic,
                    "transforms": "all", "transforms.all.type": "Filter",
                    "transforms.all.predicate": "t", "transforms.all.negate": "true",
                    "predicates": "t", "predicates.t.type": P + "RecordIsTombstone"})
    pair.settle_status(c, "RUNNING", tasks=1)
    wait_for(lambda: (pair.cd.get(f"/connectors/{c}/offsets")[1] or {}).get("offsets")
             == [{"partition": {"filename": src}, "offset": {"position": 6}}], 60, "connectd's offsets")
    assert pair.java.get(f"/connectors/{c}/offsets")[1] == {"offsets": []}
    assert read_topic(pair.cd.broker.bootstrap, topic) == []
    assert read_topic(pair.java.kafka.bootstrap, topic) == []
    pair.check()


def test_transform_failure_fails_the_task(pair, tmp_path):
    """InsertField on a string value: the task fails with Kafka's message, on both."""
    src = readable_file(tmp_path, "x\n")
    c = pair.name("fail")
    pair.create(c, {"connector.class": FILE_SOURCE, "file": src, "topic": pair.name("fail-t"),
                    "transforms": "i", "transforms.i.type": T + "InsertField$Value",
                    "transforms.i.static.field": "s", "transforms.i.static.value": "v"})
    pair.settle(f"/connectors/{c}/status",
                lambda s: s and s.get("tasks") and s["tasks"][0]["state"] == "FAILED")
    status, body, _ = pair.cd.get(f"/connectors/{c}/status")
    assert "Only Struct objects supported for [field insertion], found: java.lang.String" in body["tasks"][0]["trace"]
    _, jbody, _ = pair.java.get(f"/connectors/{c}/status")
    assert body["tasks"][0]["trace"].splitlines()[0] == jbody["tasks"][0]["trace"].splitlines()[0]
    pair.check()


def test_debezium_transforms_on_filestream(pair, tmp_path):
    """Debezium's transformations on records that are not change events: ExtractNewRecordState
    passes them unchanged and ByLogicalTableRouter renames only the topic; a bad option fails the
    task with Debezium's configure() message, on both."""
    src = readable_file(tmp_path, "one\ntwo\n")
    c = pair.name("dbz")
    topic = pair.name("dbz") + "-t"
    pair.create(c, {"connector.class": FILE_SOURCE, "file": src, "topic": topic,
                    "transforms": "u,r",
                    "transforms.u.type": "io.debezium.transforms.ExtractNewRecordState",
                    "transforms.u.add.headers": "op",
                    "transforms.r.type": "io.debezium.transforms.ByLogicalTableRouter",
                    "transforms.r.topic.regex": "(.*)-t", "transforms.r.topic.replacement": "$1-routed"})
    pair.settle_status(c, "RUNNING", tasks=1)
    routed = pair.name("dbz") + "-routed"
    mine = _records(pair.cd.broker.bootstrap, routed, 2)
    theirs = _records(pair.java.kafka.bootstrap, routed, 2)
    assert mine == theirs and len(mine) == 2
    bad = pair.name("dbzbad")
    pair.create(bad, {"connector.class": FILE_SOURCE, "file": src, "topic": topic,
                      "transforms": "u", "transforms.u.type": "io.debezium.transforms.ExtractNewRecordState",
                      "transforms.u.delete.tombstone.handling.mode": "soft"})
    pair.settle(f"/connectors/{bad}/status",
                lambda s: s and s.get("tasks") and s["tasks"][0]["state"] == "FAILED")
    _, body, _ = pair.cd.get(f"/connectors/{bad}/status")
    _, jbody, _ = pair.java.get(f"/connectors/{bad}/status")
    assert "Unable to validate config." in jbody["tasks"][0]["trace"]
    assert body["tasks"][0]["trace"].splitlines()[0] == jbody["tasks"][0]["trace"].splitlines()[0]
    pair.check()


def test_filestream_source_through_casts_and_timestamps(pair, tmp_path):
    """Cast and TimestampConverter on FileStream lines (a string value with a schema): the whole
    value cast to int64 then read as unix seconds into a SimpleDateFormat string; hoisted into a
    struct, cast field by field (int32 then int8: Java's wrapping byteValue), a static field parsed
    from a string to a Timestamp, to unix microseconds and back to a string; TimestampRouter with a
    timestamp.format that does not depend on the clock. Same records, same topics on both."""
    src = readable_file(tmp_path, "42\n300\n-7\n")
    c = pair.name("cv")
    topic = pair.name("cv") + "-t"
    pair.create(c, {
        "connector.class": FILE_SOURCE, "file": src, "topic": topic,
        "transforms": "hoist,when,i32,i8,str,ts,unix,back,route",
        "transforms.hoist.type": T + "HoistField$Value", "transforms.hoist.field": "line",
        "transforms.when.type": T + "InsertField$Value", "transforms.when.static.field": "when",
        "transforms.when.static.value": "2024-02-29 23:59:59.5",
        "transforms.i32.type": T + "Cast$Value", "transforms.i32.spec": "line:int32",
        "transforms.i8.type": T + "Cast$Value", "transforms.i8.spec": "line:int8, absent:string",
        "transforms.str.type": T + "Cast$Value", "transforms.str.spec": "line:float32",
        "transforms.ts.type": T + "TimestampConverter$Value", "transforms.ts.field": "when",
        "transforms.ts.target.type": "Timestamp", "transforms.ts.format": "yyyy-MM-dd HH:mm:ss.S",
        "transforms.unix.type": T + "TimestampConverter$Value", "transforms.unix.field": "when",
        "transforms.unix.target.type": "unix", "transforms.unix.unix.precision": "microseconds",
        "transforms.back.type": T + "TimestampConverter$Value", "transforms.back.field": "when",
        "transforms.back.target.type": "string", "transforms.back.unix.precision": "microseconds",
        "transforms.back.format": "EEEE, MMMM d, yy h:mm:ss.SSS a zzzz",
        "transforms.route.type": "TimestampRouter", "transforms.route.topic.format": "${topic}_${timestamp}",
        "transforms.route.timestamp.format": "G'-'",
    })
    whole = pair.name("cvw")
    wtopic = pair.name("cvw") + "-t"
    pair.create(whole, {
        "connector.class": FILE_SOURCE, "file": src, "topic": wtopic,
        "transforms": "l,s", "transforms.l.type": T + "Cast$Value", "transforms.l.spec": "int64",
        "transforms.s.type": T + "TimestampConverter$Value", "transforms.s.target.type": "string",
        "transforms.s.unix.precision": "seconds", "transforms.s.format": "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"})
    for name in (c, whole):
        pair.settle_status(name, "RUNNING", tasks=1)
    routed = topic + "_AD-"
    mine = _records(pair.cd.broker.bootstrap, routed, 3)
    theirs = _records(pair.java.kafka.bootstrap, routed, 3)
    assert mine == theirs, "\n".join(f"connectd:      {a}\nKafka Connect: {b}" for a, b in zip(mine, theirs))
    assert json.loads(mine[1][1])["payload"] == {"line": 44.0, "when": "Thursday, February 29, 24 11:59:59.005 PM "
                                                 "Coordinated Universal Time"}
    mine = _records(pair.cd.broker.bootstrap, wtopic, 3)
    theirs = _records(pair.java.kafka.bootstrap, wtopic, 3)
    assert mine == theirs and json.loads(mine[0][1])["payload"] == "1970-01-01T00:00:42.000Z"
    pair.check()


def test_cast_failure_fails_the_task(pair, tmp_path):
    """Cast of a line that is no number, and TimestampConverter of a line its pattern does not
    read: Kafka's messages fail the task, on both."""
    src = readable_file(tmp_path, "abc\n")
    for name, xf in (("castfail", {"transforms.x.type": T + "Cast$Value", "transforms.x.spec": "int32"}),
                     ("tcfail", {"transforms.x.type": T + "TimestampConverter$Value",
                                 "transforms.x.target.type": "unix", "transforms.x.format": "yyyy-MM-dd"})):
        c = pair.name(name)
        pair.create(c, {"connector.class": FILE_SOURCE, "file": src, "topic": pair.name(name + "-t"),
                        "transforms": "x", **xf})
        pair.settle(f"/connectors/{c}/status",
                    lambda s: s and s.get("tasks") and s["tasks"][0]["state"] == "FAILED")
        _, body, _ = pair.cd.get(f"/connectors/{c}/status")
        _, jbody, _ = pair.java.get(f"/connectors/{c}/status")
        assert body["tasks"][0]["trace"].splitlines()[0] == jbody["tasks"][0]["trace"].splitlines()[0]
        want = ("Value (abc) was out of range for requested data type" if name == "castfail" else
                "Could not parse timestamp: value (abc) does not match pattern (yyyy-MM-dd)")
        assert want in body["tasks"][0]["trace"] and want in jbody["tasks"][0]["trace"]
    pair.check()


def test_validate_struct_and_header_transforms(pair):
    """ExtractField, Flatten, ValueToKey, SetSchemaMetadata, HeaderFrom and InsertHeader at
    validate: their keys, defaults and validators, with missing and bad options."""
    _validate(pair, {
        "transforms": "e,f,v,s,h,i",
        "transforms.e.type": T + "ExtractField$Value", "transforms.e.field.syntax.version": "v3",
        "transforms.f.type": T + "Flatten$Key", "transforms.f.delimiter": "",
        "transforms.v.type": "ValueToKey", "transforms.v.fields": " ",
        "transforms.s.type": T + "SetSchemaMetadata$Value", "transforms.s.schema.version": "x",
        "transforms.h.type": T + "HeaderFrom$Value", "transforms.h.operation": "Move",
        "transforms.i.type": "InsertHeader"})
    _validate(pair, {
        "transforms": "e,k,h,i,s",
        "transforms.e.type": T + "ExtractField$Key", "transforms.e.field": "a.b",
        "transforms.e.field.syntax.version": "v2", "transforms.e.replace.null.with.default": "no",
        "transforms.k.type": T + "ValueToKey", "transforms.k.fields": "a,,b",
        "transforms.h.type": T + "HeaderFrom$Key", "transforms.h.fields": "a,b", "transforms.h.headers": "x",
        "transforms.h.operation": "copy",
        "transforms.i.type": T + "InsertHeader", "transforms.i.header": "h", "transforms.i.value.literal": "",
        "transforms.s.type": T + "SetSchemaMetadata$Key"})
    pair.check()


def _records_with_headers(bootstrap, topic, n, timeout=60):
    out = []

    def enough():
        out[:] = read_topic(bootstrap, topic, with_headers=True)
        return len(out) >= n
    wait_for(enough, timeout, f"{n} records on {topic}")
    return [(k, v, h) for (_p, _o, k, v, h) in out]


def test_filestream_through_struct_and_header_transforms(pair, tmp_path):
    """A FileStream line hoisted twice, flattened, a field inserted, copied to the key
    (ValueToKey, then ExtractField$Key), the value renamed and versioned (SetSchemaMetadata),
    a field moved to a header (HeaderFrom) and literal headers added (InsertHeader, Values'
    parsing of numbers, arrays, dates and the first-token rule): keys, values and headers byte
    for byte Kafka Connect's."""
    src = readable_file(tmp_path, 'one\ntwo "quoted"\n\n')
    c = pair.name("sx")
    topic = pair.name("sx-t")
    cfg = {
        "connector.class": FILE_SOURCE, "file": src, "topic": topic,
        "transforms": "h1,h2,ins,flat,vtk,ek,ssm,hf,hc,i1,i2,i3,i4,i5,ev",
        "transforms.h1.type": T + "HoistField$Value", "transforms.h1.field": "line",
        "transforms.h2.type": T + "HoistField$Value", "transforms.h2.field": "outer",
        "transforms.ins.type": T + "InsertField$Value", "transforms.ins.static.field": "src",
        "transforms.ins.static.value": "file", "transforms.ins.partition.field": "p",
        "transforms.flat.type": T + "Flatten$Value", "transforms.flat.delimiter": "_",
        "transforms.vtk.type": "ValueToKey", "transforms.vtk.fields": "outer_line,src",
        "transforms.ek.type": T + "ExtractField$Key", "transforms.ek.field": "outer_line",
        "transforms.ssm.type": T + "SetSchemaMetadata$Value", "transforms.ssm.schema.name": "my.Row",
        "transforms.ssm.schema.version": "3",
        "transforms.hf.type": T + "HeaderFrom$Value", "transforms.hf.fields": "src,p",
        "transforms.hf.headers": "h_src,h_p", "transforms.hf.operation": "move",
        "transforms.hc.type": T + "HeaderFrom$Value", "transforms.hc.fields": "outer_line",
        "transforms.hc.headers": "h_line", "transforms.hc.operation": "copy",
        "transforms.i1.type": "InsertHeader", "transforms.i1.header": "arr", "transforms.i1.value.literal": "[1, 2.5]",
        "transforms.i2.type": T + "InsertHeader", "transforms.i2.header": "num", "transforms.i2.value.literal": "1.50",
        "transforms.i3.type": "InsertHeader", "transforms.i3.header": "first", "transforms.i3.value.literal": "12:30 x",
        "transforms.i4.type": "InsertHeader", "transforms.i4.header": "date", "transforms.i4.value.literal": "2020-13-01",
        "transforms.i5.type": "InsertHeader", "transforms.i5.header": "nothing", "transforms.i5.value.literal": "null",
        "transforms.ev.type": T + "ExtractField$Value", "transforms.ev.field": "outer_line",
    }
    pair.create(c, cfg)
    pair.settle_status(c, "RUNNING", tasks=1)
    mine = _records_with_headers(pair.cd.broker.bootstrap, topic, 3)
    theirs = _records_with_headers(pair.java.kafka.bootstrap, topic, 3)
    assert mine == theirs, "\n".join(f"connectd:      {a}\nKafka Connect: {b}" for a, b in zip(mine, theirs))
    assert json.loads(mine[0][0])["payload"] == "one"
    assert dict(mine[0][2])["first"] == b"12" and dict(mine[0][2])["nothing"] is None
    pair.check()


def test_struct_transform_failures(pair, tmp_path):
    """SetSchemaMetadata on a string schema and ExtractField of an unknown field fail the task
    with Kafka's messages, on both."""
    src = readable_file(tmp_path, "x\n")
    for label, xf in (("ssmfail", {"transforms.t.type": T + "SetSchemaMetadata$Value",
                                   "transforms.t.schema.name": "n"}),
                      ("effail", {"transforms.t.type": T + "ExtractField$Value", "transforms.t.field": "nope",
                                  "transforms": "h,t", "transforms.h.type": T + "HoistField$Value",
                                  "transforms.h.field": "line"}),
                      ("vtkfail", {"transforms.t.type": "ValueToKey", "transforms.t.fields": "line"})):
        c = pair.name(label)
        pair.create(c, {"connector.class": FILE_SOURCE, "file": src, "topic": pair.name(label + "-t"),
                        "transforms": "t", **xf})
        pair.settle(f"/connectors/{c}/status",
                    lambda s: s and s.get("tasks") and s["tasks"][0]["state"] == "FAILED")
        _, body, _ = pair.cd.get(f"/connectors/{c}/status")
        _, jbody, _ = pair.java.get(f"/connectors/{c}/status")
        assert body["tasks"][0]["trace"].splitlines()[0] == jbody["tasks"][0]["trace"].splitlines()[0]
        cause = {"ssmfail": "Cannot list fields on non-struct type", "effail": "Unknown field: nope",
                 "vtkfail": "Only Struct objects supported for [copying fields from value to key], found: "
                            "java.lang.String"}[label]
        assert cause in body["tasks"][0]["trace"] and cause in jbody["tasks"][0]["trace"], label
    pair.check()
