/* test_pg_offset.c - the position model (pg_offset.h) as a property over many random streams:
 * concurrent transactions whose changes interleave in the WAL while they stream in commit order,
 * several records at one LSN (multi-row inserts, truncates of several tables, delete + tombstone,
 * key changes), filtered changes, transaction metadata on and off, non-transactional messages.
 * For every record of a run, resuming from that record's offset (written as JSON and read back)
 * on what the server sends again emits exactly the records that followed it, except the
 * duplicates pg_offset.h allows (non-transactional messages between lsn_commit and the open
 * transaction). Changes may begin exactly where the previous commit record ended. Also: older offsets, flush positions, and parse errors naming the field. */
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
    uint64_t txid, begin_lsn, commit_lsn, commit_end, msg_lsn; /* commit: [commit_lsn, commit_end) */
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
 * order, which is the stream's order for them. */
static void make_stream(stream_t *s) {
    memset(s, 0, sizeof(*s));
    s->metadata = rnd() % 2;
    s->n = 2 + (int)(rnd() % 20);
    /* Two WAL records never share an LSN: commits and messages get odd LSNs, changes even ones. */
    uint64_t wal = 1001, prev_end = 0;
    for (int i = 0; i < s->n; i++) {
        event_t *e = &s->ev[i];
        if (rnd() % 6 == 0) {
            e->kind = EV_NONTX;
            wal += 2 * (1 + rnd() % 25);
            e->msg_lsn = wal;
            continue;
        }
        e->kind = EV_TXN;
        e->txid = 500 + (uint64_t)i * 7 + rnd() % 3;
        /* started long before the previous commit, sometimes */
        uint64_t start = (wal > 400 ? wal - rnd() % 400 : wal) & ~(uint64_t)1;
        e->begin_lsn = start;
        e->n = (int)(rnd() % 8);
        uint64_t l = start;
        for (int c = 0; c < e->n; c++) {
            if (c == 0 && prev_end > start && rnd() % 3 == 0) l = prev_end; /* right after a commit */
            else if (c == 0 && rnd() % 2) l = start; /* the first change shares BEGIN's LSN */
            else if (c > 0 && rnd() % 4 == 0) ;      /* one WAL record, several changes */
            else l += 2 * (1 + rnd() % 50);
            e->ch[c].lsn = l;
            int k = (int)(rnd() % 10);
            e->ch[c].records = k < 2 ? 0 : k < 7 ? 1 : k < 9 ? 2 : 3;
            e->ch[c].type = (pg_msg_type_t)(PG_MSG_INSERT + rnd() % 5);
        }
        if (l < wal) l = wal + 1;
        wal = l + 1 + 2 * (rnd() % 25);
        e->commit_lsn = wal;
        e->commit_end = prev_end = wal + 1; /* even: a change may begin right there */
    }
}

static void emit(out_t *o, int id, const pg_pos_t *p, bool open_ended) {
    char *j = pg_pos_format(p, open_ended);
    if (open_ended) { /* the transaction metadata members the connector appends */
        size_t n = strlen(j);
        j = realloc(j, n + 40);
        snprintf(j + n, 40, ",\"transaction_id\":\"%llu\"}", (unsigned long long)p->txid);
    }
    o->id[o->n] = id;
    o->off[o->n] = j;
    o->n++;
}

/* Record identities: event index * 1000 + a running number inside the event. */
static void run(const stream_t *s, const pg_pos_t *from, out_t *o, bool *allowed_dup) {
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
            if (!pg_resume_skips(&rs, &pos)) {
                if (allowed_dup && rs.active && pg_pos_in_txn(&rs.from)) allowed_dup[i * 1000] = true;
                emit(o, i * 1000, &pos, false);
            }
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
        pg_pos_commit(&pos, e->commit_end);
        if (s->metadata && !skip) emit(o, id, &pos, false);
        pg_resume_commit(&rs, e->commit_end);
    }
}

static void out_free(out_t *o) {
    for (int i = 0; i < o->n; i++) free(o->off[i]);
    o->n = 0;
}

static void check_resume_everywhere(const stream_t *s) {
    static out_t all, again;
    static bool dup[40 * 1000];
    run(s, NULL, &all, NULL);
    for (int r = 0; r < all.n; r++) {
        pg_pos_t from;
        char err[256];
        assert_int_equal(pg_pos_parse(all.off[r], &from, err, sizeof(err)), 0);
        memset(dup, 0, sizeof(dup));
        run(s, &from, &again, dup);
        int a = 0;
        for (int j = 0; j < again.n; j++) {
            if (dup[again.id[j]] && (a >= all.n - r - 1 || again.id[j] != all.id[r + 1 + a])) continue;
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
    assert_true(pg_resume_begin(&rs, 24022952));  /* its commit ended at lsn_commit: emitted whole */
    pg_resume_commit(&rs, 24023000);
    assert_true(rs.active);
    assert_false(pg_resume_begin(&rs, 24023000)); /* a commit that begins where that one ended */
    pg_resume_commit(&rs, 24023048);
    pg_resume_start(&rs, &from);
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
    char *j = pg_pos_format(&p, false);
    assert_string_equal(j, "{\"lsn_proc\":90,\"messageType\":\"TRUNCATE\",\"lsn_commit\":77,\"lsn\":90,\"txId\":9,"
                           "\"lsn_events_processed\":2,\"ts_usec\":555}");
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resume_from_every_record),
        cmocka_unit_test(old_begin_offset_names_nothing_of_its_transaction),
        cmocka_unit_test(debezium_offsets_without_event_counts),
        cmocka_unit_test(format_and_parse_round_trip),
        cmocka_unit_test(parse_errors_name_the_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
