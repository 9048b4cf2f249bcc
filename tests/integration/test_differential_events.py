"""Differential tests of the change events: the same PostgreSQL database, the same connector config
on connectd and on the real Kafka Connect 4.1.1 + Debezium 3.4.3 (only slot.name differs), both
streaming before the workload starts (snapshot.mode=no_data), the same workload, then every record
of every topic each wrote compared per topic-partition, in order: key bytes, value bytes and headers
after reference.normalise_record (envelope and heartbeat timestamps, the runId header), and each
connector's last committed offset. Each test runs several configs at once (one Run each, with a
topic prefix of its own) over one workload, and reports every difference; reference.
EVENT_KNOWN_DIFFERENCES lists those accepted for now, each with its reason."""
import contextlib

import pytest

from conftest import wait_for
from eventdiff import Pair, list_topics, read_all
from test_postgres import own_database

pytestmark = pytest.mark.brokers("kafka")


@contextlib.contextmanager
def pair_on_own_database(cls, request, pg, worker, reference):
    """A Pair (or subclass cls) on a database of its own; its connectors deleted on both sides,
    and their slots let go, before the database goes."""
    with own_database(pg) as db:
        p = cls(request.node.originalname, pg, db, worker, reference)
        try:
            yield p
        finally:
            for side in (p.cd, p.java):
                for r in p.runs:
                    side.rest.request("DELETE", f"/connectors/{r.name}")
            for side in (p.cd, p.java):  # their tasks let go of the slots before the database goes
                for r in p.runs:
                    wait_for(lambda: side.rest.get(f"/connectors/{r.name}/status")[0] == 404, 60,
                             f"{r.name} deleted on {side.label}")
            p.close()


@pytest.fixture
def pair(request, pg, worker, reference):
    with pair_on_own_database(Pair, request, pg, worker, reference) as p:
        yield p


# ---------------------------------------------------------------- types (spec section 3)

TYPES_DDL = [
    "CREATE EXTENSION hstore", "CREATE EXTENSION ltree", "CREATE EXTENSION citext", "CREATE EXTENSION isn",
    "CREATE TYPE color AS ENUM ('red', 'green', 'blue')",
    "CREATE DOMAIN price AS numeric(5,2)",
    "CREATE DOMAIN posint AS integer CHECK (VALUE > 0)",
    """CREATE TABLE all_types (
        id serial PRIMARY KEY,
        b boolean, b_nn boolean NOT NULL DEFAULT true,
        bit1 bit, bit1b bit(1), bit3 bit(3), bit64 bit(64), vb varbit, vb1 varbit(1), vb5 varbit(5),
        i2 smallint, i4 integer DEFAULT 42, i4_nn integer NOT NULL DEFAULT 7, i8 bigint,
        s2 smallserial, s8 bigserial, o oid,
        f4 real, f8 double precision,
        n64 numeric(6,4), n4 numeric(4), n numeric, n_def numeric(5,2) DEFAULT 1.5,
        n_nn numeric(7,3) NOT NULL DEFAULT 0, m money,
        c5 char(5), vc varchar(10) DEFAULT 'abc', t text, t_nn text NOT NULL DEFAULT '', nm name,
        ch "char", ci citext,
        by bytea, by_nn bytea NOT NULL DEFAULT '\\x',
        d date, d_nn date NOT NULL DEFAULT '2000-01-01',
        t0 time(0), t3 time(3), t6 time, tt timetz, tt3 timetz(3),
        ts0 timestamp(0), ts3 timestamp(3), ts6 timestamp, ts_nn timestamp NOT NULL DEFAULT now(),
        tz timestamptz, tz0 timestamptz(0), tz3 timestamptz(3),
        iv interval, iv_nn interval NOT NULL DEFAULT '0',
        u uuid, j json, jb jsonb, x xml,
        ip inet, cidr_ cidr, mac macaddr, mac8 macaddr8,
        r4 int4range, r8 int8range, rn numrange, rd daterange, rts tsrange, rtz tstzrange,
        pt point, col color, col_nn color NOT NULL DEFAULT 'green', tv tsvector,
        hs hstore, lt ltree, isb isbn,
        dm price, dpi posint,
        a_i2 int2[], a_i4 int4[], a_i8 int8[], a_f4 float4[], a_f8 float8[], a_b bool[],
        a_n numeric(10,2)[], a_nv numeric[], a_t text[], a_vc varchar[], a_c char(10)[],
        a_d date[], a_tm time[], a_tt timetz[], a_ts timestamp[], a_tz timestamptz[], a_u uuid[],
        a_j json[], a_jb jsonb[], a_by bytea[], a_ip inet[], a_col color[], a_r int4range[],
        a_hs hstore[], a_lt ltree[],
        bx box, cir circle, a_m money[], lsn pg_lsn
    )""",
    # values only some modes can represent
    "CREATE TABLE specials (id int PRIMARY KEY, n numeric, n2 numeric(6,2), m money)",
    "CREATE TABLE temporal_edges (id int PRIMARY KEY, d date, ts timestamp, ts3 timestamp(3), "
    "tz timestamptz, t time, iv interval)",
]

TYPES_ROWS = [
    "INSERT INTO all_types (ts_nn) VALUES ('2020-01-01 00:00:00')",  # NULLs and defaults
    r"""INSERT INTO all_types (b, b_nn, bit1, bit1b, bit3, bit64, vb, vb1, vb5, i2, i4, i4_nn, i8, o,
        f4, f8, n64, n4, n, n_def, n_nn, m, c5, vc, t, t_nn, nm, ch, ci, by, by_nn, d, d_nn, t0, t3, t6,
        tt, tt3, ts0, ts3, ts6, ts_nn, tz, tz0, tz3, iv, iv_nn, u, j, jb, x, ip, cidr_, mac, mac8,
        r4, r8, rn, rd, rts, rtz, pt, col, col_nn, tv, hs, lt, isb, dm, dpi,
        a_i2, a_i4, a_i8, a_f4, a_f8, a_b, a_n, a_nv, a_t, a_vc, a_c, a_d, a_tm, a_tt, a_ts, a_tz, a_u,
        a_j, a_jb, a_by, a_ip, a_col, a_r, a_hs, a_lt, bx, cir, a_m, lsn)
       VALUES (true, false, B'1', B'0', B'101', B'1' || repeat('0', 63)::bit(63), B'000000110000001000000001',
        B'1', B'00', 1, 123456, -7, 4000000000, 12345,
        3.3, 4, 22.22, 10, 10.1111, 2.5, 1.1, '$1234.11', 'abc', 'some text', 'x', 'y', 'pg_name', 'c',
        'MiXeD', '\x010203', '\x', '2016-11-04', '1970-01-01', '13:51:30', '13:51:30.123', '13:51:30.123456',
        '13:51:30.123789+02', '11:51:02+00', '2016-11-04 13:51:30', '2016-11-04 13:51:30.123',
        '2016-11-04 13:51:30.123456', '2016-11-04 13:51:30.5', '2016-11-04 13:51:30.123456+02',
        '2016-11-04 13:51:30+02', '2016-11-04 13:51:30.1+02',
        '1 year 2 mons 3 days 04:05:06.78', '-1 day 00:00:01', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        '{"bar": "baz", "n": [1, 2.50, null]}', '{"bar": "baz", "a": {"é": "ü"}}', '<foo>bar</foo>',
        '192.168.2.0/12', '192.168.100.128/25', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
        '[1000,6000)', '[1,9223372036854775806]', '[5.3,6.3)', '[2019-03-31,infinity)',
        '[2019-03-31 15:30:00,infinity)', '[2017-06-05 11:29:12.549426+00,)', '(1,1)', 'red', 'blue',
        'test insert direct test', '"key1"=>"val1", "key2"=>NULL, "key4"=>"x", "key5"=>"y"',
        'Top.Collections.Pictures', '978-0-393-04002-9', 123.45, 5,
        '{1,2,3}', '{1,NULL,-3}', '{4000000000}', '{1.5,NaN}', '{4,Infinity,-Infinity}', '{true,false,NULL}',
        '{1.2,3.4}', '{10.1111,22,0.000}', '{"a","b c",NULL,""}', '{"v"}', '{"cone","ctwo"}',
        '{2016-11-04,1970-01-01}', '{13:51:30.123456,00:00:00}', '{13:51:30+02}',
        '{"2016-11-04 13:51:30.5"}', '{"2020-04-01 11:51:02+00"}',
        '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', ARRAY['{"a":1}']::json[], ARRAY['{"b": 2}']::jsonb[],
        '{"\\x0102",NULL}', '{10.0.0.1,::1}', '{red,green}', '{"[1,5)",empty}', ARRAY['"a"=>"b"']::hstore[],
        '{a.b,c}', '(1,2),(3,4)', '<(10,20),10>', '{$1.00}', '16/B374D848')""",
    r"""INSERT INTO all_types (b, bit3, bit64, vb, i2, i4, i8, f4, f8, n64, n4, n, m, c5, vc, t, ch, by,
        d, t0, t3, t6, tt, ts0, ts3, ts6, ts_nn, tz, tz0, iv, j, jb, x, r4, pt, hs,
        a_i4, a_t, a_n, a_nv, a_by, a_d, dm)
       VALUES (false, B'000', B'0' || repeat('1', 63)::bit(63), B'', -32768, -2147483648,
        -9223372036854775808, 1e-10, -1.7976931348623157e308, -99.9999, -9999,
        -123456789012345678901234567890.000000000001, '-$1234.11', '', '', E'quote" back\\ tab\t nl\n ctl\x01 ü € 😀',
        '"', '\xdeadbeef00ff', '0001-01-01', '23:59:59', '00:00:00.001', '24:00:00', '00:00:00-14:59',
        '1970-01-01 00:00:00', '1969-12-31 23:59:59.999', '0001-01-01 00:00:00.000001',
        '9999-12-31 23:59:59.999999', '21016-11-04 13:51:30.123456+02', '1900-01-01 00:00:00+00',
        '-178000000 years', '[]', '{}', '<a x="1">ü &amp;</a>', 'empty', '(-1.5,1e300)', '',
        '{}', '{}', '{0,-0.01}', '{}', '{"\\x"}', '{}', 0)""",
    r"""INSERT INTO all_types (i2, i4, i8, f4, f8, n, m, iv, t, ts_nn, n64)
       VALUES (32767, 2147483647, 9223372036854775807, 'NaN', 'Infinity', 0, '$0.00',
        '178000000 years 11 mons 30 days 23:59:59.999999', repeat('é', 3000), '2020-01-01', 0)""",
    "UPDATE all_types SET t = 'updated', n = 22.2200, iv = '1 mon' WHERE id = 2",
    "DELETE FROM all_types WHERE id = 2",
    "DELETE FROM all_types WHERE id = 1",
    "INSERT INTO specials VALUES (1, 'NaN', 'NaN', NULL), (2, 'Infinity', 1.10, '-$0.01'), (3, '-Infinity', -0.5, NULL), "
    "(4, 0.000100, 0, '$92233720368547758.07'), (5, NULL, NULL, '-$92233720368547758.08')",
    "INSERT INTO temporal_edges VALUES (1, 'infinity', 'infinity', '-infinity', 'infinity', '00:00', '0'), "
    "(2, '-infinity', '-infinity', 'infinity', '-infinity', '24:00', '-1 year -2 mons'), "
    "(3, '4713-01-01 BC', '4713-01-01 00:00:00 BC', '0001-12-31 23:59:59.999 BC', '4713-01-01 00:00:00+00 BC', "
    "'12:00:00.5', '1.5 seconds')",
]

TYPE_MODES = {
    "dflt": {"table.exclude.list": "public.specials"},
    "dbl": {"decimal.handling.mode": "double", "time.precision.mode": "adaptive_time_microseconds",
            "binary.handling.mode": "base64", "interval.handling.mode": "string",
            "hstore.handling.mode": "map", "include.unknown.datatypes": "true"},
    "str": {"decimal.handling.mode": "string", "time.precision.mode": "connect",
            "binary.handling.mode": "base64-url-safe", "include.unknown.datatypes": "true"},
    "iso": {"time.precision.mode": "isostring", "binary.handling.mode": "hex",
            "table.exclude.list": "public.specials", "money.fraction.digits": "3"},
    "us": {"time.precision.mode": "microseconds", "decimal.handling.mode": "string",
           "column.propagate.source.type": ".*"},
    "ns": {"time.precision.mode": "nanoseconds", "decimal.handling.mode": "double",
           "table.exclude.list": "public.temporal_edges",
           # outside 1677-09-21..2262-04-11: the conversion fails the task in both
           "column.exclude.list": "public.all_types.ts6,public.all_types.ts_nn"},
}


def test_types_under_every_mode(pair):
    """Every type of the spec's section 3, with NULLs and edge values, under every decimal, time
    precision, binary, interval and hstore handling mode."""
    pair.sql(*TYPES_DDL)
    pair.start(**{label: pair.base_config(**cfg) for label, cfg in TYPE_MODES.items()})
    pair.sql(*TYPES_ROWS)
    pair.compare()
    pair.check()


# ---------------------------------------------------------------- kinds of records

KINDS_DDL = [
    "CREATE SCHEMA s1", 'CREATE SCHEMA "S2"',
    "CREATE TABLE orders (id int PRIMARY KEY, v text, qty int NOT NULL DEFAULT 1)",
    "CREATE TABLE s1.items (id int, sub int, name varchar(20) NOT NULL, PRIMARY KEY (sub, id))",
    'CREATE TABLE "S2"."Things" ("Id" int PRIMARY KEY, "Name" text)',
    "CREATE TABLE nopk (a int, b text)",
    "CREATE TABLE nopk_full (a int, b text)", "ALTER TABLE nopk_full REPLICA IDENTITY FULL",
    "CREATE TABLE uq (a int NOT NULL, b text, c int)", "CREATE UNIQUE INDEX uq_a ON uq (a)",
    "ALTER TABLE uq REPLICA IDENTITY USING INDEX uq_a",
    "CREATE TABLE excluded (id int PRIMARY KEY)",
]


def kinds_workload(pair):
    sql = pair.sql
    sql("INSERT INTO orders VALUES (1, 'a', 1), (2, 'b', 5)",
        "INSERT INTO s1.items VALUES (1, 10, 'x'), (2, 10, 'y')",
        """INSERT INTO "S2"."Things" VALUES (1, 'one')""",
        "INSERT INTO nopk VALUES (1, 'a'), (NULL, NULL)",
        "INSERT INTO nopk_full VALUES (1, 'a')",
        "INSERT INTO uq VALUES (1, 'a', 1)")
    sql("UPDATE orders SET v = 'a2' WHERE id = 1",
        "UPDATE orders SET id = 3 WHERE id = 2",                       # key change
        "UPDATE s1.items SET sub = 11 WHERE id = 1",                   # key change, composite key
        """UPDATE "S2"."Things" SET "Name" = NULL""",
        "UPDATE nopk_full SET b = 'b'", "DELETE FROM nopk_full",
        "UPDATE uq SET b = 'b'", "UPDATE uq SET a = 2", "DELETE FROM uq",
        "DELETE FROM orders WHERE id = 1")
    # messages: transactional and not, binary content, empty prefix, inside a data transaction
    sql("SELECT pg_logical_emit_message(true, 'pfx', 'content')",
        "SELECT pg_logical_emit_message(false, 'pfx', 'non-transactional')",
        "SELECT pg_logical_emit_message(true, '', '\\x00ff'::bytea)",
        "SELECT pg_logical_emit_message(false, 'skip.me', 'filtered by prefix in one config')",
        "BEGIN", "INSERT INTO orders VALUES (10, 'in tx')",
        "SELECT pg_logical_emit_message(true, 'é', 'ü')",
        "SELECT pg_logical_emit_message(false, 'nt-in-tx', '')",
        "INSERT INTO s1.items VALUES (3, 10, 'z')", "COMMIT")
    sql("INSERT INTO excluded VALUES (1)")                              # a transaction with nothing captured
    # concurrent, overlapping transactions: committed in another order than they began
    c1, c2 = pair.pg.connect(pair.dbname), pair.pg.connect(pair.dbname)
    try:
        a, b = c1.cursor(), c2.cursor()
        a.execute("BEGIN")
        a.execute("INSERT INTO orders VALUES (20, 'first begun')")
        b.execute("BEGIN")
        b.execute("INSERT INTO orders VALUES (21, 'second begun')")
        b.execute("INSERT INTO s1.items VALUES (21, 1, 'second')")
        a.execute("INSERT INTO s1.items VALUES (20, 1, 'first')")
        b.execute("COMMIT")
        a.execute("UPDATE orders SET v = 'first again' WHERE id = 20")
        a.execute("COMMIT")
        a.execute("BEGIN")
        a.execute("INSERT INTO orders VALUES (30, 'rolled back')")
        a.execute("ROLLBACK")
    finally:
        c1.close()
        c2.close()
    sql('TRUNCATE orders, s1.items, "S2"."Things"',
        "INSERT INTO orders VALUES (40, 'after truncate')")


def test_record_kinds(pair):
    """Creates, updates, deletes with and without tombstones, key changes, tables without a key,
    TRUNCATE of several tables, logical messages, transaction BEGIN/END and blocks, overlapping
    transactions."""
    pair.sql(*KINDS_DDL)
    pair.start(
        tx=pair.base_config(provide__transaction__metadata="true", skipped__operations="none",
                            table__exclude__list="public.excluded"),
        plain=pair.base_config(tombstones__on__delete="false",
                               message__prefix__exclude__list="skip.*"))
    kinds_workload(pair)
    pair.compare()
    pair.check()


# ---------------------------------------------------------------- TOAST and replica identity

TOAST_DDL = [
    "CREATE EXTENSION hstore",
]
for ident in ("dflt", "full", "idx"):
    TOAST_DDL += [
        f"CREATE TABLE toast_{ident} (id int PRIMARY KEY, k int NOT NULL, n int, t text, t_nn text NOT NULL, "
        f"by bytea, j jsonb, a_t text[], a_i int4[], h hstore)",
        *[f"ALTER TABLE toast_{ident} ALTER COLUMN {c} SET STORAGE EXTERNAL"
          for c in ("t", "t_nn", "by", "j", "a_t", "a_i", "h")],
    ]
TOAST_DDL += ["ALTER TABLE toast_full REPLICA IDENTITY FULL",
              "CREATE UNIQUE INDEX toast_idx_k ON toast_idx (k)",
              "ALTER TABLE toast_idx REPLICA IDENTITY USING INDEX toast_idx_k"]

BIG = "md5(g::text)"


def test_unchanged_toast_under_each_replica_identity(pair):
    """Unchanged TOASTed values under REPLICA IDENTITY DEFAULT, FULL and USING INDEX, with the
    placeholder settings and binary modes."""
    pair.sql(*TOAST_DDL)
    pair.start(
        dflt=pair.base_config(),
        custom=pair.base_config(unavailable__value__placeholder="hex:3c746f6173743e",
                                binary__handling__mode="hex", hstore__handling__mode="map"),
        b64=pair.base_config(binary__handling__mode="base64", unavailable__value__placeholder="UNCHANGED"))
    for ident in ("dflt", "full", "idx"):
        pair.sql(
            f"INSERT INTO toast_{ident} SELECT 1, 1, 0, string_agg({BIG}, ''), string_agg({BIG}, '|'), "
            f"convert_to(string_agg({BIG}, ''), 'UTF8'), to_jsonb(string_agg({BIG}, '')), "
            f"array_agg({BIG}), array_agg(g), hstore(array_agg({BIG}), array_agg({BIG})) "
            f"FROM generate_series(1, 300) g",
            f"UPDATE toast_{ident} SET n = 1",                 # every TOASTed column unchanged
            f"UPDATE toast_{ident} SET n = 2, t = 'small'",    # one changed
            f"UPDATE toast_{ident} SET k = 2",                 # replica identity column changed
            f"UPDATE toast_{ident} SET id = 2",                # key change
            f"DELETE FROM toast_{ident}")
    pair.compare()
    pair.check()


# ---------------------------------------------------------------- schema changes mid-stream

def test_alter_table_mid_stream(pair):
    """ALTER TABLE while streaming: columns added, dropped, renamed, retyped, NOT NULL dropped."""
    pair.sql("CREATE TABLE evolving (id int PRIMARY KEY, a int, b varchar(10), c numeric(5,2))",
             "CREATE TABLE s_unaffected (id int PRIMARY KEY)")
    pair.start(dflt=pair.base_config(), tx=pair.base_config(provide__transaction__metadata="true"))
    pair.sql("INSERT INTO evolving VALUES (1, 1, 'x', 1.5)",
             "ALTER TABLE evolving ADD COLUMN d text DEFAULT 'dflt'",
             "INSERT INTO evolving (id, a) VALUES (2, 2)",
             "ALTER TABLE evolving ADD COLUMN e int NOT NULL DEFAULT 9",
             "UPDATE evolving SET a = 3 WHERE id = 1",
             "ALTER TABLE evolving DROP COLUMN b",
             "INSERT INTO evolving (id, a) VALUES (3, 3)",
             "ALTER TABLE evolving ALTER COLUMN a TYPE bigint",
             "ALTER TABLE evolving ALTER COLUMN c TYPE numeric(8,3)",
             "INSERT INTO evolving (id, a, c) VALUES (4, 5000000000, 1.125)",
             "ALTER TABLE evolving RENAME COLUMN d TO d2",
             "ALTER TABLE evolving ALTER COLUMN e DROP NOT NULL",
             "BEGIN", "INSERT INTO evolving (id) VALUES (5)",
             "ALTER TABLE evolving ADD COLUMN f boolean", "INSERT INTO evolving (id, f) VALUES (6, true)",
             "INSERT INTO s_unaffected VALUES (1)", "COMMIT",
             "DELETE FROM evolving WHERE id = 1")
    pair.compare()
    pair.check()


# ---------------------------------------------------------------- names

def test_non_ascii_names(pair):
    """Non-ASCII schema, table and column names (topic and schema names as Java sanitises them)."""
    pair.sql('CREATE SCHEMA "schéma"',
             'CREATE TABLE "café" (id int PRIMARY KEY, "prix€" numeric(5,2))',
             'CREATE TABLE "表" ("名前" text PRIMARY KEY, v int)',
             'CREATE TABLE "schéma"."🎉" ("😀" int PRIMARY KEY)',
             'CREATE TABLE ascii_name ("colonne_é" int PRIMARY KEY, "列" text, "🙂" text)')
    pair.start(dflt=pair.base_config(provide__transaction__metadata="true"))
    pair.sql('INSERT INTO "café" VALUES (1, 2.5)',
             'INSERT INTO "表" VALUES (\'名\', 1)',
             'INSERT INTO "schéma"."🎉" VALUES (1)',
             "INSERT INTO ascii_name VALUES (1, '値', '😀')",
             'UPDATE "表" SET "名前" = \'新\'',
             'DELETE FROM ascii_name')
    pair.compare()
    pair.check()


# ---------------------------------------------------------------- the initial snapshot
# Rows that exist before both connectors start, read by each side's initial snapshot (the default
# snapshot.mode) as op "r" records; reference.EVENT_NORMALISATION says what of them may differ.

SNAPSHOT_MODES = ("dflt", "dbl", "str", "iso")


def test_snapshot_types(pair):
    """Every type of the spec's section 3 read by the initial snapshot (Debezium reads it through
    JDBC, connectd through COPY text) under several decimal, time precision, binary, interval and
    hstore handling modes, then a change streamed after it."""
    pair.sql(*TYPES_DDL, *TYPES_ROWS)
    pair.start(**{label: pair.base_config(snapshot__mode=None, **TYPE_MODES[label]) for label in SNAPSHOT_MODES})
    pair.sql("INSERT INTO all_types (i4, t) VALUES (1, 'streamed after the snapshot')")
    pair.compare()
    pair.check()


SNAPSHOT_ORDER_DDL = [
    "CREATE SCHEMA s1", 'CREATE SCHEMA "S2"',
    "CREATE TABLE z_orders (id int PRIMARY KEY, v text, qty int NOT NULL DEFAULT 1)",
    "CREATE TABLE s1.items (id int, sub int, name varchar(20) NOT NULL, PRIMARY KEY (sub, id))",
    "CREATE TABLE s1.one_row (id int PRIMARY KEY)",
    'CREATE TABLE "S2"."Things" ("Id" int PRIMARY KEY, "Name" text)',
    "CREATE TABLE nopk (a int, b text)",
    "CREATE TABLE a_empty (id int PRIMARY KEY)",
    "CREATE TABLE not_included (id int PRIMARY KEY)",
    "INSERT INTO z_orders SELECT g, 'v' || g, g FROM generate_series(1, 5) g",
    "INSERT INTO s1.items VALUES (1, 10, 'x'), (2, 10, 'y'), (1, 11, 'z')",
    "INSERT INTO s1.one_row VALUES (1)",
    """INSERT INTO "S2"."Things" VALUES (1, 'one'), (2, NULL)""",
    "INSERT INTO nopk VALUES (1, 'a'), (NULL, NULL), (1, 'a')",
    "INSERT INTO not_included VALUES (1)",
    "UPDATE z_orders SET v = 'updated' WHERE id = 2", "DELETE FROM z_orders WHERE id = 4",
]


def test_snapshot_markers_and_order(pair):
    """Several tables read by the initial snapshot: source.snapshot markers (first, true,
    first_in_data_collection, last_in_data_collection, last), the order of the tables under a
    table.include.list of several patterns (each pattern's tables in turn, not by name), a table
    without a primary key, a single-row table, an empty last table, transaction metadata, and the
    last committed offset: the snapshot's own in the runs whose include list leaves out the
    sentinel (nothing streamed after the snapshot), a streamed change's in the third."""
    pair.sql(*SNAPSHOT_ORDER_DDL)
    include = r"public.z_orders,s1\..*,S2.Things,public.nopk,public.a_empty"
    pair.start(
        order=pair.base_config(snapshot__mode="initial", table__include__list=include),
        tx=pair.base_config(snapshot__mode="initial", table__include__list=include,
                            provide__transaction__metadata="true", tombstones__on__delete="false"),
        all=pair.base_config(snapshot__mode=None, table__exclude__list="public.not_included"))
    pair.compare()
    pair.check()


# ---------------------------------------------------------------- incremental snapshots

SIGNAL_DDL = ("CREATE TABLE dbz_signal (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, "
              "data VARCHAR(2048) NULL)")


def test_incremental_snapshot(pair):
    """execute-snapshot (incremental) of two quiet tables, one with a composite key, in chunks:
    the same op "r" records (source.snapshot "incremental", no txId/lsn) as Debezium's, in the same
    order per partition, and the last offset once the snapshot is over. Each side writes its own
    watermark rows to the shared signal table and sees the other's (which it ignores), so the
    signal table's topic differs by nature and is left out."""
    pair.sql(SIGNAL_DDL,
             "CREATE TABLE inc (id int PRIMARY KEY, v text, n numeric(6,2))",
             "INSERT INTO inc SELECT i, 'v' || i, i / 10.0 FROM generate_series(1, 250) i",
             "CREATE TABLE inc2 (a int, b text, c int, PRIMARY KEY (a, b))",
             "INSERT INTO inc2 SELECT i % 7, 'k' || i, i FROM generate_series(1, 60) i")
    pair.skip_topics = {".public.dbz_signal"}
    pair.start(inc=pair.base_config(signal__data__collection="public.dbz_signal",
                                    incremental__snapshot__chunk__size="40"))
    pair.sql("""INSERT INTO dbz_signal VALUES ('x1', 'execute-snapshot',
              '{"data-collections": ["public.inc", "public.inc2"], "type": "incremental"}')""")
    run = pair.runs[0]
    for side in (pair.cd, pair.java):
        def done():
            n = 0
            for t in (run.prefix + ".public.inc", run.prefix + ".public.inc2"):
                parts = list_topics(side.bootstrap).get(t)
                if parts:
                    n += sum(len(v) for v in read_all(side.bootstrap, {t: parts}).values())
            return n >= 310
        wait_for(done, 120, f"{side.label} to finish the incremental snapshot", interval=1)
    pair.compare()
    pair.check()


# ---------------------------------------------------------------- heartbeats

def test_heartbeats(pair):
    """Heartbeat records (topic, partition, key, value) with heartbeat.action.query."""
    pair.sql("CREATE TABLE hb_log (id int PRIMARY KEY, n int NOT NULL)", "INSERT INTO hb_log VALUES (1, 0)",
             "CREATE TABLE t (id int PRIMARY KEY)")
    pair.heartbeat_prefix_off_partition_zero("hb")
    pair.start(
        hb=pair.base_config(heartbeat__interval__ms="300", table__exclude__list="public.hb_log",
                            heartbeat__action__query="UPDATE hb_log SET n = n + 1"))
    pair.sql("INSERT INTO t VALUES (1)")
    cur = pair.admin.cursor()

    def heartbeats():
        cur.execute("SELECT n FROM hb_log")
        return cur.fetchone()[0] >= 4
    wait_for(heartbeats, 30, "heartbeat.action.query to run")
    pair.sql("INSERT INTO t VALUES (2)")
    pair.compare()
    pair.check()
