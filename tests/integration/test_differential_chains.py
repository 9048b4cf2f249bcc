"""Differential tests of Kafka's field, header and routing transformations and of predicates on
PostgreSQL change events, in chains: ExtractNewRecordState then ReplaceField, InsertField,
MaskField, HoistField$Key and a DropHeaders under HasHeaderKey; RegexRouter, Filter under
RecordIsTombstone and under TopicNameMatches, and an InsertField under a negated predicate on the
raw envelopes. Concurrent writers; on connectd and on Kafka Connect 4.1.1 + Debezium 3.4.3, every
record (topic, key, value, headers) compared byte for byte (eventdiff.Pair)."""
import json
import threading

import pytest

from kafka_util import read_topic
from test_differential_events import pair  # noqa: F401 (fixture)
from test_differential_struct import PEOPLE_DDL, U, chain, people_workload

pytestmark = pytest.mark.brokers("kafka")

T = "org.apache.kafka.connect.transforms."


def concurrent_people(pair, writers=3, each=8):
    """Writers inserting, updating and deleting their own people rows in overlapping transactions."""
    def write(w):
        conn = pair.pg.connect(pair.dbname)
        cur = conn.cursor()
        for i in range(each):
            k = 100 + w * 100 + i
            cur.execute("BEGIN")
            cur.execute("INSERT INTO people (id, name, score, flag) VALUES (%s, %s, %s, %s)",
                        (k, f"w{w}-{i}", i + 0.25, i % 2 == 0))
            cur.execute("INSERT INTO junk VALUES (%s)", (k,))
            if i % 2:
                cur.execute("UPDATE people SET note = %s WHERE id = %s", (f"note {i}", k))
            if i % 3 == 0:
                cur.execute("DELETE FROM people WHERE id = %s", (k,))
            cur.execute("COMMIT")
        conn.close()
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_chains_with_predicates_on_change_events(pair):
    """Two chains over one workload:
    - fields: flattened (deletes rewritten, op and table headers), ReplaceField (exclude, renames)
      and MaskField on the people table only, InsertField (topic, partition, static field) and
      HoistField$Key everywhere, DropHeaders of __table where HasHeaderKey __op holds;
    - routes: on the raw envelopes, RegexRouter renames the people topic, Filter drops tombstones
      (RecordIsTombstone) and the junk table's records (TopicNameMatches), InsertField marks every
      record but people's (negate=true)."""
    pair.sql(*PEOPLE_DDL, "CREATE TABLE junk (id int PRIMARY KEY)")
    fields = chain(("unwrap", U), ("ren", T + "ReplaceField$Value"), ("ins", T + "InsertField$Value"),
                   ("mask", T + "MaskField$Value"), ("hk", T + "HoistField$Key"), ("dh", T + "DropHeaders"),
                   people_only=("ren", "mask"),
                   unwrap__delete__tombstone__handling__mode="rewrite", unwrap__add__headers="op,table",
                   ren__exclude="note", ren__renames="score:points",
                   ins__topic__field="topic!", ins__static__field="origin", ins__static__value="pg",
                   ins__partition__field="p",
                   mask__fields="name", mask__replacement="***",
                   hk__field="k", dh__headers="__table")
    fields.update({"transforms.dh.predicate": "hasop", "predicates": "people,hasop",
                   "predicates.hasop.type": "HasHeaderKey", "predicates.hasop.name": "__op"})
    routes = chain(("route", T + "RegexRouter"), ("tomb", "Filter"), ("junk", "Filter"),
                   ("mark", T + "InsertField$Value"),
                   route__regex=r"([^.]+)\.public\.(people)", route__replacement="$1.routed.$2",
                   mark__static__field="marked", mark__static__value="yes")
    routes.update({"predicates": "istomb,isjunk,ppl",
                   "predicates.istomb.type": "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
                   "predicates.isjunk.type": "TopicNameMatches", "predicates.isjunk.pattern": r".*\.public\.junk",
                   "predicates.ppl.type": "TopicNameMatches", "predicates.ppl.pattern": ".*people",
                   "transforms.tomb.predicate": "istomb", "transforms.junk.predicate": "isjunk",
                   "transforms.mark.predicate": "ppl", "transforms.mark.negate": "true"})
    pair.start(fields=pair.base_config(**fields), routes=pair.base_config(**routes))
    people_workload(pair)
    concurrent_people(pair)
    pair.compare(offsets=False)
    pair.check()

    by_label = {r.label: r for r in pair.runs}
    f = by_label["fields"].prefix
    recs = read_topic(pair.cd.bootstrap, f"{f}.public.people", with_headers=True)
    assert recs, "the fields chain wrote nothing for people"
    for _p, _o, key, value, headers in recs:
        assert "k" in json.loads(key)["payload"]
        v = json.loads(value)["payload"]
        assert v["name"] == "***" and "note" not in v and "points" in v and v["origin"] == "pg"
        assert v["topic"] == f"{f}.public.people"
        names = [h for h, _ in headers]
        assert "__op" in names and "__table" not in names
    r = by_label["routes"].prefix
    topics = set(pair.cd.topics_of(r))
    assert f"{r}.routed.people" in topics and f"{r}.public.people" not in topics
    assert not any(t.endswith(".junk") for t in topics), topics
    routed = read_topic(pair.cd.bootstrap, f"{r}.routed.people")
    assert routed and all(v is not None and "marked" not in json.loads(v)["payload"] for *_, v in routed)
    sentinel = read_topic(pair.cd.bootstrap, f"{r}.public.zz_sentinel")
    assert sentinel and all(json.loads(v)["payload"]["marked"] == "yes" for *_, v in sentinel)
