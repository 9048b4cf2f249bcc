/* test_pg_offset.c - the position model (pg_offset.h) as a property over many random streams:
 * concurrent transactions whose changes interleave in the WAL while they stream in commit order,
 * several records at one LSN (multi-row inserts, truncates of several tables, delete + tombstone,
 * key changes), filtered changes, transaction metadata on and off, non-transactional messages.
 * For every record of a run, resuming from that record's offset (written as JSON and read back)
 * on what the server sends again (what commits or is logged at or after the offset's lsn_commit)
 * emits exactly the records that followed it. Commit records end where the next WAL record may
 * start. Also: older offsets, flush positions, and parse errors naming the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/postgres/pg_offset.h"

/* ---- a stream as the walsender sends it ---- */

typedef enum { EV_TXN, EV_NONTX } ev_kind_t;

typedef struct {
    uint64_t lsn;
    int records; /* 0: filtered out */
    pg_msg_type_t type;
} change_t;

typedef struct {
    ev_kind_t kind;
    uint64_t txid, begin_lsn, commit_lsn, end_lsn, msg_lsn; /* commit record: [commit_lsn, end_lsn) */
    change_t ch[12];
    int n;
} event_t;

typedef struct {
    event_t ev[40];
    int n;
    bool metadata;
} stream_t;

/* What a run emitted: an identity per record and its offset. */
typedef struct {
    int id[2000];
    char *off[2000];
    int n;
} out_t;

static uint64_t rnd_state;
static uint64_t rnd(void) {
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

/* Transactions get WAL ranges that overlap their neighbours': their changes lie below the commits
 * of transactions that committed before them. Commits and non-transactional messages follow WAL
 * order, which is the stream's order for them; each may start right where the previous commit
 * record ends. */
static void make_stream(stream_t *s) {
    memset(s, 0, sizeof(*s));
    s->metadata = rnd() % 2;
    s->n = 2 + (int)(rnd() % 20);
    /* Two WAL records never share an LSN: commits and messages get odd LSNs, changes even ones.
     * wal: where the next commit or message may start. */
    uint64_t wal = 1001;
    for (int i = 0; i < s->n; i++) {
        event_t *e = &s->ev[i];
        if (rnd() % 6 == 0) {
            e->kind = EV_NONTX;
            e->msg_lsn = wal + 2 * (rnd() % 3);
            wal = e->msg_lsn + 2;
            continue;
        }
        e->kind = EV_TXN;
        e->txid = 500 + (uint64_t)i * 7 + rnd() % 3;
        /* started long before the previous commit, sometimes */
        uint64_t start = (wal > 400 ? wal - rnd() % 400 : wal) & ~(uint64_t)1;
        e->begin_lsn = start;
        e->n = (int)(rnd() % 8);
        uint64_t l = start;
        bool at_wal = e->n > 0 && rnd() % 4 == 0; /* the first change starts where the last commit ends */
        for (int c = 0; c < e->n; c++) {
            if (c == 0 && at_wal) l = wal;
            else if (c == 0 && rnd() % 2) l = start; /* the first change shares BEGIN's LSN */
            else if (c > 0 && rnd() % 4 == 0) ;      /* one WAL record, several changes */
            else l += 2 * (1 + rnd() % 50);
            e->ch[c].lsn = l;
            int k = (int)(rnd() % 10);
            e->ch[c].records = k < 2 ? 0 : k < 7 ? 1 : k < 9 ? 2 : 3;
            e->ch[c].type = (pg_msg_type_t)(PG_MSG_INSERT + rnd() % 5);
        }
        uint64_t base = l + 1 > wal ? l + 1 : wal;
        if (at_wal && base <= wal) base = wal + 1;
        base |= 1; /* commits and messages stay odd */
        e->commit_lsn = base + 2 * (rnd() % 3);
        e->end_lsn = e->commit_lsn + 2 * (1 + rnd() % 2);
        wal = e->end_lsn;
    }
}

static void emit(out_t *o, int id, const pg_pos_t *p, bool open_ended) {
    char *j;
    if (open_ended) { /* with transaction metadata members, which resume ignores */
        char id[24];
        snprintf(id, sizeof(id), "%llu", (unsigned long long)p->txid);
        const char *tables[] = {"public.a"};
        int64_t counts[] = {3};
        pg_pos_txn_t txn = {id, tables, counts, 1};
        j = pg_pos_format(p, &txn);
    } else {
        j = pg_pos_format(p, NULL);
    }
    o->id[o->n] = id;
    o->off[o->n] = j;
    o->n++;
}

/* Record identities: event index * 1000 + a running number inside the event. */
static void run(const stream_t *s, const pg_pos_t *from, out_t *o) {
    pg_resume_t rs;
    pg_pos_t pos = {0};
    if (from) {
        pg_resume_start(&rs, from);
        pos = *from;
    } else {
        memset(&rs, 0, sizeof(rs));
    }
    uint64_t start = from ? pg_resume_start_lsn(&rs) : 0;
    for (int i = 0; i < s->n; i++) {
        const event_t *e = &s->ev[i];
        if (e->kind == EV_NONTX) {
            if (e->msg_lsn < start) continue; /* the server does not send it again */
            pg_pos_message(&pos, e->msg_lsn);
            if (!pg_resume_skips(&rs, &pos)) emit(o, i * 1000, &pos, false);
            continue;
        }
        if (e->commit_lsn < start) continue;
        pg_resume_begin(&rs, e->commit_lsn);
        int id = i * 1000;
        pg_pos_begin(&pos, e->txid, e->begin_lsn, 7);
        if (s->metadata) {
            if (!pg_resume_skips(&rs, &pos)) emit(o, id, &pos, true);
            id++;
        }
        for (int c = 0; c < e->n; c++)
            for (int k = 0; k < e->ch[c].records; k++) {
                pg_pos_record(&pos, e->ch[c].type, e->ch[c].lsn);
                if (!pg_resume_skips(&rs, &pos)) emit(o, id, &pos, s->metadata);
                id++;
            }
        bool skip = rs.skip_txn;
        pg_pos_commit(&pos, e->end_lsn);
        if (s->metadata && !skip) emit(o, id, &pos, false);
        pg_resume_commit(&rs, e->end_lsn);
    }
}

static void out_free(out_t *o) {
    for (int i = 0; i < o->n; i++) free(o->off[i]);
    o->n = 0;
}

static void check_resume_everywhere(const stream_t *s) {
    static out_t all, again;
    run(s, NULL, &all);
    for (int r = 0; r < all.n; r++) {
        pg_pos_t from;
        char err[256];
        assert_int_equal(pg_pos_parse(all.off[r], &from, err, sizeof(err)), 0);
        run(s, &from, &again);
        int a = 0;
        for (int j = 0; j < again.n; j++) {
            if (a >= all.n - r - 1 || again.id[j] != all.id[r + 1 + a]) {
                fail_msg("resuming from record %d (offset %s) emitted record %d where record %d was due",
                         r, all.off[r], again.id[j], a < all.n - r - 1 ? all.id[r + 1 + a] : -1);
            }
            a++;
        }
        if (a != all.n - r - 1)
            fail_msg("resuming from record %d (offset %s) lost record %d", r, all.off[r], all.id[r + 1 + a]);
        out_free(&again);
    }
    out_free(&all);
}

static void resume_from_every_record(void **state) {
    (void)state;
    rnd_state = 0x9e3779b97f4a7c15ULL;
    stream_t s;
    for (int iter = 0; iter < 1000; iter++) {
        make_stream(&s);
        check_resume_everywhere(&s);
    }
}

/* The reproduction: A starts (insert 1), B inserts 2 and commits, A inserts 3 and
 * commits. An offset of the old form for A's BEGIN carried B's commit as lsn_proc. */
static void old_begin_offset_names_nothing_of_its_transaction(void **state) {
    (void)state;
    char err[256];
    pg_pos_t from;
    assert_int_equal(pg_pos_parse("{\"lsn_proc\":300,\"messageType\":\"BEGIN\",\"lsn_commit\":300,\"lsn\":300,"
                                  "\"txId\":11}",
                                  &from, err, sizeof(err)),
                     0);
    pg_resume_t rs;
    pg_resume_start(&rs, &from);
    assert_int_equal(pg_resume_start_lsn(&rs), 300);
    assert_false(pg_resume_begin(&rs, 400));
    pg_pos_t p = from;
    pg_pos_begin(&p, 11, 100, 0);
    assert_true(pg_resume_skips(&rs, &p)); /* its BEGIN record was sent */
    pg_pos_record(&p, PG_MSG_INSERT, 100);  /* insert 1, below B's commit */
    assert_false(pg_resume_skips(&rs, &p));
    /* the same with messageType DELETE (the old first-delete offset) */
    assert_int_equal(pg_pos_parse("{\"lsn_proc\":300,\"messageType\":\"DELETE\",\"lsn_commit\":300,\"lsn\":120,"
                                  "\"txId\":11}",
                                  &from, err, sizeof(err)),
                     0);
    pg_resume_start(&rs, &from);
    pg_resume_begin(&rs, 400);
    p = from;
    pg_pos_begin(&p, 11, 100, 0);
    pg_pos_record(&p, PG_MSG_DELETE, 100);
    assert_false(pg_resume_skips(&rs, &p));
}

static void debezium_offsets_without_event_counts(void **state) {
    (void)state;
    char err[256];
    pg_pos_t from;
    assert_int_equal(pg_pos_parse("{\"ts_usec\":1559033904863123,\"txId\":555,\"lsn\":24023128,"
                                  "\"lsn_proc\":24023128,\"lsn_commit\":24023000,\"messageType\":\"INSERT\"}",
                                  &from, err, sizeof(err)),
                     0);
    assert_int_equal(from.events, 0);
    pg_resume_t rs;
    pg_resume_start(&rs, &from);
    assert_int_equal(pg_resume_start_lsn(&rs), 24023000);
    assert_true(pg_resume_begin(&rs, 24022950));  /* its commit record ends at lsn_commit: emitted whole */
    pg_resume_commit(&rs, 24023000);
    assert_true(rs.active);
    assert_false(pg_resume_begin(&rs, 24023500));
    pg_pos_t p = from;
    pg_pos_begin(&p, 555, 24023100, 0);
    pg_pos_record(&p, PG_MSG_INSERT, 24023128);
    assert_true(pg_resume_skips(&rs, &p));
    pg_pos_record(&p, PG_MSG_INSERT, 24023128); /* every record at lsn_proc was processed */
    assert_true(pg_resume_skips(&rs, &p));
    pg_pos_record(&p, PG_MSG_INSERT, 24023130);
    assert_false(pg_resume_skips(&rs, &p));
    pg_resume_commit(&rs, 24023500);
    assert_false(rs.active);
    /* the legacy boolean-era COMMIT without lsn_commit */
    assert_int_equal(pg_pos_parse("{\"lsn_proc\":900,\"messageType\":\"COMMIT\",\"lsn\":900,\"txId\":3}", &from,
                                  err, sizeof(err)),
                     0);
    assert_true(from.has_commit);
    assert_int_equal(pg_pos_flush_lsn(&from), 900);
}

static void format_and_parse_round_trip(void **state) {
    (void)state;
    pg_pos_t p = {0}, q;
    char err[256];
    pg_pos_commit(&p, 77);
    p.ts_usec = 123;
    pg_pos_begin(&p, 9, 80, 555);
    pg_pos_record(&p, PG_MSG_TRUNCATE, 90);
    pg_pos_record(&p, PG_MSG_TRUNCATE, 90);
    char *j = pg_pos_format(&p, NULL);
    /* Java HashMap order, as Kafka Connect writes Debezium's offset map */
    assert_string_equal(j, "{\"lsn_proc\":90,\"lsn_events_processed\":2,\"messageType\":\"TRUNCATE\","
                           "\"lsn_commit\":77,\"lsn\":90,\"txId\":9,\"ts_usec\":555}");
    assert_int_equal(pg_pos_parse(j, &q, err, sizeof(err)), 0);
    assert_int_equal(q.lsn_proc, 90);
    assert_int_equal(q.events, 2);
    assert_int_equal(q.type, PG_MSG_TRUNCATE);
    assert_int_equal(q.txid, 9);
    assert_int_equal(pg_pos_flush_lsn(&q), 77);
    free(j);
    pg_pos_t none = {0};
    assert_int_equal(pg_pos_flush_lsn(&none), 0);
}

/* The offset with transaction metadata members, as Kafka 4.1.1's JsonConverter wrote the same
 * map built as Debezium builds it (PostgresOffsetContext.getOffset(), then
 * TransactionContext.store() with the per-table counters in their map's order). */
static void transaction_members_in_java_order(void **state) {
    (void)state;
    pg_pos_t p = {0}, q;
    char err[256];
    pg_pos_commit(&p, 77);
    pg_pos_begin(&p, 9, 80, 555);
    pg_pos_record(&p, PG_MSG_TRUNCATE, 90);
    pg_pos_record(&p, PG_MSG_TRUNCATE, 90);
    const char *tables[] = {"s1.caf\xc3\xa9", "public.customers", "public.a", "public.b"};
    int64_t counts[] = {4, 1, 2, 1};
    pg_pos_txn_t txn = {"9", tables, counts, 4};
    char *j = pg_pos_format(&p, &txn);
    assert_string_equal(j, "{\"transaction_id\":\"9\",\"lsn_proc\":90,\"lsn_events_processed\":2,"
                           "\"messageType\":\"TRUNCATE\",\"transaction_data_collection_order_public.a\":2,"
                           "\"lsn_commit\":77,\"transaction_data_collection_order_public.b\":1,\"lsn\":90,"
                           "\"transaction_data_collection_order_public.customers\":1,"
                           "\"transaction_data_collection_order_s1.caf\xc3\xa9\":4,\"txId\":9,\"ts_usec\":555}");
    assert_int_equal(pg_pos_parse(j, &q, err, sizeof(err)), 0);
    assert_true(pg_pos_equal(&p, &q));
    free(j);
    /* BEGIN: the id, no counters yet */
    pg_pos_begin(&p, 10, 100, 556);
    pg_pos_txn_t begin = {"10", NULL, NULL, 0};
    j = pg_pos_format(&p, &begin);
    assert_string_equal(j, "{\"transaction_id\":\"10\",\"lsn_proc\":100,\"messageType\":\"BEGIN\","
                           "\"lsn_commit\":77,\"lsn\":100,\"txId\":10,\"ts_usec\":556}");
    free(j);
}

static void parse_errors_name_the_field(void **state) {
    (void)state;
    pg_pos_t p;
    char err[256];
    assert_int_equal(pg_pos_parse("{\"lsn_proc\":\"0/16B3748\",\"lsn\":1}", &p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'lsn_proc'"));
    assert_non_null(strstr(err, "\"0/16B3748\""));
    assert_int_equal(pg_pos_parse("{\"lsn_proc\":1,\"lsn_commit\":1.5}", &p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'lsn_commit'"));
    assert_int_equal(pg_pos_parse("{\"lsn_proc\":1,\"txId\":-4}", &p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'txId'"));
    assert_int_equal(pg_pos_parse("{\"lsn_proc\":1,\"messageType\":\"SOMETHING\"}", &p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'messageType'"));
    assert_int_equal(pg_pos_parse("{\"txId\":4}", &p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "lsn_proc"));
    assert_int_equal(pg_pos_parse("[1]", &p, err, sizeof(err)), -1);
    assert_int_equal(pg_pos_parse("{\"lsn\":12,\"lsn_proc\":null}", &p, err, sizeof(err)), 0);
    assert_int_equal(p.lsn_proc, 12);
}

/* Snapshot offsets: Debezium's keys round-trip, connectd's chunk keys only while the snapshot
 * is incomplete, and a Debezium snapshot offset names no streamed transaction: resuming from it
 * starts at its lsn and skips nothing. */
static void snapshot_offsets(void **state) {
    (void)state;
    for (unsigned i = 0; i < 200; i++) {
        pg_pos_t p = {0};
        p.known = true;
        p.snapshot = true;
        p.lsn = p.lsn_proc = 1000 + i * 7919u;
        p.txid_snapshot = 500 + i;
        p.ts_usec = 1700000000000000LL + i;
        p.snapshot_completed = p.last_snapshot_record = i % 3 == 0;
        p.has_commit = i % 5 == 0;
        p.lsn_commit = p.has_commit ? p.lsn - 10 : 0;
        if (i % 2) {
            snprintf(p.snapshot_table, sizeof(p.snapshot_table), "public.t%u", i);
            p.snapshot_block = i * 64;
        }
        char *json = pg_pos_format(&p, NULL);
        assert_null(strstr(json, "messageType"));
        assert_null(strstr(json, "lsn_proc"));
        assert_non_null(strstr(json, "\"snapshot\":\"INITIAL\""));
        pg_pos_t q;
        char err[256];
        assert_int_equal(pg_pos_parse(json, &q, err, sizeof(err)), 0);
        assert_true(q.snapshot);
        assert_int_equal(q.snapshot_completed, p.snapshot_completed);
        assert_int_equal(q.txid, 0);
        assert_int_equal(q.txid_snapshot, p.txid_snapshot);
        assert_int_equal(q.type, PG_MSG_NONE);
        assert_int_equal(q.lsn_proc, p.lsn);
        assert_int_equal(q.has_commit, p.has_commit);
        if (i % 2 && !p.snapshot_completed) {
            assert_string_equal(q.snapshot_table, p.snapshot_table);
            assert_int_equal(q.snapshot_block, p.snapshot_block);
        } else {
            assert_string_equal(q.snapshot_table, "");
        }
        /* resuming from it: streaming starts at lsn (or lsn_commit), no transaction is skipped */
        pg_resume_t rs;
        pg_resume_start(&rs, &q);
        assert_int_equal(pg_resume_start_lsn(&rs), p.has_commit ? p.lsn_commit : p.lsn);
        assert_false(pg_resume_begin(&rs, p.lsn + 1));
        pg_pos_t rec = {0};
        pg_pos_begin(&rec, 77, p.lsn + 1, 0);
        assert_false(rec.snapshot);
        pg_pos_record(&rec, PG_MSG_INSERT, p.lsn + 2);
        assert_false(pg_resume_skips(&rs, &rec));
        free(json);
    }
    /* Debezium's own (Java's key order; the txId is the snapshot transaction's) */
    pg_pos_t d;
    char err[256];
    assert_int_equal(pg_pos_parse("{\"last_snapshot_record\":true,\"lsn\":24023128,\"txId\":767,\"ts_usec\":1,"
                                  "\"snapshot\":\"INITIAL\",\"snapshot_completed\":true}", &d, err, sizeof(err)), 0);
    assert_true(d.snapshot && d.snapshot_completed && d.txid == 0 && d.lsn_proc == 24023128);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resume_from_every_record),
        cmocka_unit_test(old_begin_offset_names_nothing_of_its_transaction),
        cmocka_unit_test(debezium_offsets_without_event_counts),
        cmocka_unit_test(format_and_parse_round_trip),
        cmocka_unit_test(transaction_members_in_java_order),
        cmocka_unit_test(parse_errors_name_the_field),
        cmocka_unit_test(snapshot_offsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
