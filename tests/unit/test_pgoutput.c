/* test_pgoutput.c - the pgoutput decoder against hand-built protocol v1/v2 messages (every type,
 * streamed variants, every tuple column kind), truncation at every offset, malformed input, and
 * the LSN / timestamp helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/postgres/pgoutput.h"

/* ---- big-endian message writer ---- */

typedef struct {
    unsigned char b[4096];
    size_t n;
} wb_t;

static void w8(wb_t *w, uint8_t v) { w->b[w->n++] = v; }
static void w16(wb_t *w, uint16_t v) { w8(w, (uint8_t)(v >> 8)); w8(w, (uint8_t)v); }
static void w32(wb_t *w, uint32_t v) { w16(w, (uint16_t)(v >> 16)); w16(w, (uint16_t)v); }
static void w64(wb_t *w, uint64_t v) { w32(w, (uint32_t)(v >> 32)); w32(w, (uint32_t)v); }
static void wbytes(wb_t *w, const void *p, size_t n) { memcpy(w->b + w->n, p, n); w->n += n; }
static void wstr(wb_t *w, const char *s) { wbytes(w, s, strlen(s) + 1); }
static void wtext(wb_t *w, char kind, const char *s) {
    w8(w, (uint8_t)kind);
    w32(w, (uint32_t)strlen(s));
    wbytes(w, s, strlen(s));
}

/* ---- decoding from an exact-size heap copy, so ASan catches any read past len ---- */

static char *copy;
static pgo_decoder_t *dec;
static char err[512];

static int setup(void **state) {
    (void)state;
    dec = pgo_decoder_new();
    assert_non_null(dec);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    free(copy);
    copy = NULL;
    pgo_decoder_destroy(dec);
    dec = NULL;
    return 0;
}

static int decode_n(const wb_t *w, size_t n, pgo_msg_t *m) {
    free(copy);
    copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, w->b, n);
    err[0] = '\0';
    return pgo_decode(dec, copy, n, m, err, sizeof(err));
}

static void decode_ok(const wb_t *w, pgo_msg_t *m) {
    int rc = decode_n(w, w->n, m);
    if (rc) fail_msg("decode failed: %s", err);
}

/* Every strict prefix of a valid message must fail cleanly and leave the stream state alone. */
static void check_truncations(const wb_t *w) {
    for (size_t n = 0; n < w->n; n++) {
        pgo_msg_t m;
        if (decode_n(w, n, &m) != -1) fail_msg("prefix of %zu of %zu bytes decoded", n, w->n);
        assert_true(strstr(err, "pgoutput: ") == err);
    }
    /* And a trailing byte is not silently ignored. */
    wb_t longer = *w;
    w8(&longer, 0);
    pgo_msg_t m;
    assert_int_equal(decode_n(&longer, longer.n, &m), -1);
    assert_non_null(strstr(err, "trailing"));
}

static void enter_stream(uint32_t xid) {
    wb_t w = {0};
    pgo_msg_t m;
    w8(&w, 'S'); w32(&w, xid); w8(&w, 1);
    decode_ok(&w, &m);
    assert_true(m.in_stream);
}

static void leave_stream(void) {
    wb_t w = {0};
    pgo_msg_t m;
    w8(&w, 'E');
    decode_ok(&w, &m);
}

static void assert_value(const pgo_value_t *v, char kind, const void *data, size_t len) {
    assert_int_equal(v->kind, kind);
    assert_int_equal(v->len, len);
    if (data) {
        assert_non_null(v->data);
        assert_memory_equal(v->data, data, len);
    } else {
        assert_null(v->data);
    }
}

/* The data pointer must point into the input, not at a copy. */
static void assert_in_input(const void *p, size_t inlen) {
    const char *c = p;
    assert_true(c >= copy && c < copy + inlen);
}

/* ---- transaction framing ---- */

static void test_begin(void **state) {
    (void)state;
    wb_t w = {0};
    pgo_msg_t m;
    w8(&w, 'B'); w64(&w, UINT64_C(0x16B374D848)); w64(&w, (uint64_t)INT64_C(-5)); w32(&w, 0xFFFFFFF0u);
    decode_ok(&w, &m);
    assert_int_equal(m.type, 'B');
    assert_false(m.in_stream);
    assert_int_equal(m.stream_xid, 0);
    assert_true(m.u.begin.final_lsn == UINT64_C(0x16B374D848));
    assert_true(m.u.begin.commit_ts == -5);
    assert_int_equal(m.u.begin.xid, 0xFFFFFFF0u);
    check_truncations(&w);
}

static void test_commit(void **state) {
    (void)state;
    wb_t w = {0};
    pgo_msg_t m;
    w8(&w, 'C'); w8(&w, 0); w64(&w, 0x100); w64(&w, UINT64_C(0xFFFFFFFFFFFFFFFF));
    w64(&w, UINT64_C(0x0002B1D2E3F40506));
    decode_ok(&w, &m);
    assert_int_equal(m.type, 'C');
    assert_int_equal(m.u.commit.flags, 0);
    assert_true(m.u.commit.commit_lsn == 0x100);
    assert_true(m.u.commit.end_lsn == UINT64_MAX);
    assert_true(m.u.commit.commit_ts == INT64_C(0x0002B1D2E3F40506));
    check_truncations(&w);
}

static void test_origin(void **state) {
    (void)state;
    wb_t w = {0};
    pgo_msg_t m;
    w8(&w, 'O'); w64(&w, UINT64_C(0x123456789A)); wstr(&w, "pg_16385");
    decode_ok(&w, &m);
    assert_int_equal(m.type, 'O');
    assert_true(m.u.origin.commit_lsn == UINT64_C(0x123456789A));
    assert_string_equal(m.u.origin.name, "pg_16385");
    assert_in_input(m.u.origin.name, w.n);
    check_truncations(&w);
}

/* ---- catalog messages ---- */

static void build_relation(wb_t *w, bool streamed, uint32_t xid) {
    w8(w, 'R');
    if (streamed) w32(w, xid);
    w32(w, 16384); wstr(w, "public"); wstr(w, "orders"); w8(w, 'd'); w16(w, 3);
    w8(w, 1); wstr(w, "id"); w32(w, 23); w32(w, 0xFFFFFFFFu);
    w8(w, 0); wstr(w, "name"); w32(w, 1043); w32(w, 68);
    w8(w, 0); wstr(w, "payload"); w32(w, 17); w32(w, 0xFFFFFFFFu);
}

static void check_relation(const pgo_msg_t *m, size_t inlen) {
    assert_int_equal(m->type, 'R');
    const pgo_relation_t *r = &m->u.relation;
    assert_int_equal(r->oid, 16384);
    assert_string_equal(r->nspname, "public");
    assert_string_equal(r->relname, "orders");
    assert_in_input(r->relname, inlen);
    assert_int_equal(r->replica_identity, 'd');
    assert_int_equal(r->ncols, 3);
    assert_int_equal(r->columns[0].flags, PGO_COLUMN_KEY);
    assert_string_equal(r->columns[0].name, "id");
    assert_int_equal(r->columns[0].type_oid, 23);
    assert_int_equal(r->columns[0].atttypmod, -1);
    assert_int_equal(r->columns[1].flags, 0);
    assert_string_equal(r->columns[1].name, "name");
    assert_int_equal(r->columns[1].type_oid, 1043);
    assert_int_equal(r->columns[1].atttypmod, 68);
    assert_int_equal(r->columns[2].flags, 0);
    assert_string_equal(r->columns[2].name, "payload");
    assert_int_equal(r->columns[2].type_oid, 17);
    assert_int_equal(r->columns[2].atttypmod, -1);
}

static void test_relation(void **state) {
    (void)state;
    wb_t w = {0};
    pgo_msg_t m;
    build_relation(&w, false, 0);
    decode_ok(&w, &m);
    assert_false(m.in_stream);
    check_relation(&m, w.n);
    check_truncations(&w);

    /* pg_catalog relations have an empty namespace; zero columns is legal. */
    wb_t e = {0};
    w8(&e, 'R'); w32(&e, 1259); wstr(&e, ""); wstr(&e, "pg_class"); w8(&e, 'n'); w16(&e, 0);
    decode_ok(&e, &m);
    assert_string_equal(m.u.relation.nspname, "");
    assert_string_equal(m.u.relation.relname, "pg_class");
    assert_int_equal(m.u.relation.replica_identity, 'n');
    assert_int_equal(m.u.relation.ncols, 0);
    assert_null(m.u.relation.columns);
}

static void test_relation_streamed(void **state) {
    (void)state;
    wb_t w = {0};
    pgo_msg_t m;
    enter_stream(900);
    build_relation(&w, true, 901);
    decode_ok(&w, &m);
    assert_true(m.in_stream);
    assert_int_equal(m.stream_xid, 901);
    check_relation(&m, w.n);
    check_truncations(&w);
    leave_stream();
}

static void test_type(void **state) {
    (void)state;
    wb_t w = {0};
    pgo_msg_t m;
    w8(&w, 'Y'); w32(&w, 16390); wstr(&w, "public"); wstr(&w, "mood");
    decode_ok(&w, &m);
    assert_int_equal(m.type, 'Y');
    assert_false(m.in_stream);
    assert_int_equal(m.u.type.oid, 16390);
    assert_string_equal(m.u.type.nspname, "public");
    assert_string_equal(m.u.type.name, "mood");
    check_truncations(&w);

    enter_stream(77);
    wb_t s = {0};
    w8(&s, 'Y'); w32(&s, 78); w32(&s, 16391); wstr(&s, ""); wstr(&s, "int4");
    decode_ok(&s, &m);
    assert_true(m.in_stream);
    assert_int_equal(m.stream_xid, 78);
    assert_int_equal(m.u.type.oid, 16391);
    assert_string_equal(m.u.type.nspname, "");
    assert_string_equal(m.u.type.name, "int4");
    check_truncations(&s);
    leave_stream();
}

/* ---- row changes ---- */

static const unsigned char bin[] = {0x00, 0xDE, 0x00, 0xAD};

/* 5 columns: text, NULL, unchanged TOAST, binary with NULs, empty text. */
static void wtuple5(wb_t *w, const char *first) {
    w16(w, 5);
    wtext(w, 't', first);
    w8(w, 'n');
    w8(w, 'u');
    w8(w, 'b'); w32(w, sizeof(bin)); wbytes(w, bin, sizeof(bin));
    wtext(w, 't', "");
}

static void check_tuple5(const pgo_tuple_t *t, const char *first, size_t inlen) {
    assert_int_equal(t->n, 5);
    assert_value(&t->values[0], 't', first, strlen(first));
    assert_in_input(t->values[0].data, inlen);
    assert_value(&t->values[1], 'n', NULL, 0);
    assert_value(&t->values[2], 'u', NULL, 0);
    assert_value(&t->values[3], 'b', bin, sizeof(bin));
    assert_in_input(t->values[3].data, inlen);
    assert_int_equal(t->values[4].kind, 't');
    assert_int_equal(t->values[4].len, 0);
}

static void test_insert(void **state) {
    (void)state;
    wb_t w = {0};
    pgo_msg_t m;
    w8(&w, 'I'); w32(&w, 16384); w8(&w, 'N'); wtuple5(&w, "42");
    decode_ok(&w, &m);
    assert_int_equal(m.type, 'I');
    assert_false(m.in_stream);
    assert_int_equal(m.u.change.relid, 16384);
    assert_int_equal(m.u.change.old_kind, 0);
    assert_int_equal(m.u.change.old_tuple.n, 0);
    assert_null(m.u.change.old_tuple.values);
    check_tuple5(&m.u.change.new_tuple, "42", w.n);
    check_truncations(&w);

    /* A zero-column table. */
    wb_t z = {0};
    w8(&z, 'I'); w32(&z, 5); w8(&z, 'N'); w16(&z, 0);
    decode_ok(&z, &m);
    assert_int_equal(m.u.change.new_tuple.n, 0);
    assert_null(m.u.change.new_tuple.values);
}

static void test_insert_streamed(void **state) {
    (void)state;
    wb_t w = {0};
    pgo_msg_t m;
    enter_stream(1000);
    w8(&w, 'I'); w32(&w, 1001); w32(&w, 16384); w8(&w, 'N'); wtuple5(&w, "hello");
    decode_ok(&w, &m);
    assert_true(m.in_stream);
    assert_int_equal(m.stream_xid, 1001);
    assert_int_equal(m.u.change.relid, 16384);
    check_tuple5(&m.u.change.new_tuple, "hello", w.n);
    check_truncations(&w);
    leave_stream();

    /* Out of the block the same bytes mean something else: the xid is read as the relid and
     * the first relid byte as the tuple tag, which is refused. */
    assert_int_equal(decode_n(&w, w.n, &m), -1);
}

static void test_update_plain(void **state) {
    (void)state;
    wb_t w = {0};
    pgo_msg_t m;
    w8(&w, 'U'); w32(&w, 16384); w8(&w, 'N'); wtuple5(&w, "new");
    decode_ok(&w, &m);
    assert_int_equal(m.type, 'U');
    assert_int_equal(m.u.change.relid, 16384);
    assert_int_equal(m.u.change.old_kind, 0);
    assert_int_equal(m.u.change.old_tuple.n, 0);
    check_tuple5(&m.u.change.new_tuple, "new", w.n);
    check_truncations(&w);
}

static void test_update_key(void **state) {
    (void)state;
    wb_t w = {0};
    pgo_msg_t m;
    w8(&w, 'U'); w32(&w, 16384);
    w8(&w, 'K'); w16(&w, 2); wtext(&w, 't', "7"); w8(&w, 'n');
    w8(&w, 'N'); wtuple5(&w, "8");
    decode_ok(&w, &m);
    assert_int_equal(m.u.change.old_kind, 'K');
    assert_int_equal(m.u.change.old_tuple.n, 2);
    assert_value(&m.u.change.old_tuple.values[0], 't', "7", 1);
    assert_value(&m.u.change.old_tuple.values[1], 'n', NULL, 0);
    check_tuple5(&m.u.change.new_tuple, "8", w.n);
    /* Old and new are in separate scratch: both stay intact. */
    assert_ptr_not_equal(m.u.change.old_tuple.values, m.u.change.new_tuple.values);
    check_truncations(&w);
}

static void test_update_old_streamed(void **state) {
    (void)state;
    wb_t w = {0};
    pgo_msg_t m;
    w8(&w, 'U'); w32(&w, 16384);
    w8(&w, 'O'); wtuple5(&w, "before");
    w8(&w, 'N'); wtuple5(&w, "after");
    decode_ok(&w, &m);
    assert_false(m.in_stream);
    assert_int_equal(m.u.change.old_kind, 'O');
    check_tuple5(&m.u.change.old_tuple, "before", w.n);
    check_tuple5(&m.u.change.new_tuple, "after", w.n);
    check_truncations(&w);

    enter_stream(5);
    wb_t s = {0};
    w8(&s, 'U'); w32(&s, 6); w32(&s, 16384);
    w8(&s, 'O'); wtuple5(&s, "x");
    w8(&s, 'N'); wtuple5(&s, "y");
    decode_ok(&s, &m);
    assert_true(m.in_stream);
    assert_int_equal(m.stream_xid, 6);
    assert_int_equal(m.u.change.old_kind, 'O');
    check_tuple5(&m.u.change.old_tuple, "x", s.n);
    check_tuple5(&m.u.change.new_tuple, "y", s.n);
    check_truncations(&s);
    leave_stream();
}

static void test_delete(void **state) {
    (void)state;
    wb_t k = {0}, o = {0};
    pgo_msg_t m;
    w8(&k, 'D'); w32(&k, 16384); w8(&k, 'K'); w16(&k, 3); wtext(&k, 't', "42"); w8(&k, 'n'); w8(&k, 'n');
    decode_ok(&k, &m);
    assert_int_equal(m.type, 'D');
    assert_int_equal(m.u.change.relid, 16384);
    assert_int_equal(m.u.change.old_kind, 'K');
    assert_int_equal(m.u.change.old_tuple.n, 3);
    assert_value(&m.u.change.old_tuple.values[0], 't', "42", 2);
    assert_value(&m.u.change.old_tuple.values[1], 'n', NULL, 0);
    assert_value(&m.u.change.old_tuple.values[2], 'n', NULL, 0);
    assert_int_equal(m.u.change.new_tuple.n, 0);
    assert_null(m.u.change.new_tuple.values);
    check_truncations(&k);

    w8(&o, 'D'); w32(&o, 16385); w8(&o, 'O'); wtuple5(&o, "gone");
    decode_ok(&o, &m);
    assert_int_equal(m.u.change.relid, 16385);
    assert_int_equal(m.u.change.old_kind, 'O');
    check_tuple5(&m.u.change.old_tuple, "gone", o.n);
    assert_int_equal(m.u.change.new_tuple.n, 0);
    check_truncations(&o);

    enter_stream(31);
    wb_t s = {0};
    w8(&s, 'D'); w32(&s, 32); w32(&s, 16384); w8(&s, 'K'); w16(&s, 1); wtext(&s, 't', "1");
    decode_ok(&s, &m);
    assert_true(m.in_stream);
    assert_int_equal(m.stream_xid, 32);
    assert_int_equal(m.u.change.old_kind, 'K');
    assert_value(&m.u.change.old_tuple.values[0], 't', "1", 1);
    check_truncations(&s);
    leave_stream();
}

static void test_truncate(void **state) {
    (void)state;
    wb_t w = {0};
    pgo_msg_t m;
    w8(&w, 'T'); w32(&w, 2); w8(&w, PGO_TRUNCATE_CASCADE | PGO_TRUNCATE_RESTART_IDENTITY);
    w32(&w, 16384); w32(&w, 0x80000001u);
    decode_ok(&w, &m);
    assert_int_equal(m.type, 'T');
    assert_false(m.in_stream);
    assert_int_equal(m.u.truncate.options, 3);
    assert_int_equal(m.u.truncate.nrelids, 2);
    assert_int_equal(m.u.truncate.relids[0], 16384);
    assert_int_equal(m.u.truncate.relids[1], 0x80000001u);
    check_truncations(&w);

    enter_stream(40);
    wb_t s = {0};
    w8(&s, 'T'); w32(&s, 40); w32(&s, 1); w8(&s, 0); w32(&s, 16400);
    decode_ok(&s, &m);
    assert_true(m.in_stream);
    assert_int_equal(m.stream_xid, 40);
    assert_int_equal(m.u.truncate.options, 0);
    assert_int_equal(m.u.truncate.nrelids, 1);
    assert_int_equal(m.u.truncate.relids[0], 16400);
    check_truncations(&s);
    leave_stream();
}

static void test_message(void **state) {
    (void)state;
    static const char content[] = {'a', '\0', 'b', '\0', '\xff'};
    wb_t t = {0}, n = {0};
    pgo_msg_t m;
    w8(&t, 'M'); w8(&t, 1); w64(&t, UINT64_C(0x1000000AB)); wstr(&t, "audit");
    w32(&t, sizeof(content)); wbytes(&t, content, sizeof(content));
    decode_ok(&t, &m);
    assert_int_equal(m.type, 'M');
    assert_false(m.in_stream);
    assert_true(m.u.message.transactional);
    assert_int_equal(m.u.message.flags, 1);
    assert_true(m.u.message.lsn == UINT64_C(0x1000000AB));
    assert_string_equal(m.u.message.prefix, "audit");
    assert_int_equal(m.u.message.content_len, sizeof(content));
    assert_memory_equal(m.u.message.content, content, sizeof(content));
    assert_in_input(m.u.message.content, t.n);
    check_truncations(&t);

    w8(&n, 'M'); w8(&n, 0); w64(&n, 7); wstr(&n, "heartbeat"); w32(&n, 0);
    decode_ok(&n, &m);
    assert_false(m.u.message.transactional);
    assert_int_equal(m.u.message.flags, 0);
    assert_true(m.u.message.lsn == 7);
    assert_string_equal(m.u.message.prefix, "heartbeat");
    assert_int_equal(m.u.message.content_len, 0);
    assert_null(m.u.message.content);
    check_truncations(&n);

    enter_stream(50);
    wb_t s = {0};
    w8(&s, 'M'); w32(&s, 51); w8(&s, 1); w64(&s, 9); wstr(&s, "p");
    w32(&s, sizeof(content)); wbytes(&s, content, sizeof(content));
    decode_ok(&s, &m);
    assert_true(m.in_stream);
    assert_int_equal(m.stream_xid, 51);
    assert_true(m.u.message.transactional);
    assert_string_equal(m.u.message.prefix, "p");
    assert_memory_equal(m.u.message.content, content, sizeof(content));
    check_truncations(&s);
    leave_stream();
}

/* ---- streaming (protocol v2) ---- */

static void test_stream_start_stop(void **state) {
    (void)state;
    wb_t s = {0}, e = {0};
    pgo_msg_t m;
    w8(&s, 'S'); w32(&s, 0xABCDEF01u); w8(&s, 1);
    check_truncations(&s); /* before entering: the failures must not enter the block */
    decode_ok(&s, &m);
    assert_int_equal(m.type, 'S');
    assert_int_equal(m.u.stream_start.xid, 0xABCDEF01u);
    assert_true(m.u.stream_start.first_segment);
    assert_true(m.in_stream);
    assert_int_equal(m.stream_xid, 0xABCDEF01u);

    /* A nested Stream Start means the stream is out of sync. */
    assert_int_equal(decode_n(&s, s.n, &m), -1);
    assert_non_null(strstr(err, "Stream Start"));

    w8(&e, 'E');
    check_truncations(&e);
    decode_ok(&e, &m);
    assert_int_equal(m.type, 'E');
    assert_true(m.in_stream);
    assert_int_equal(m.stream_xid, 0xABCDEF01u);

    /* And a Stream Stop outside a block too. */
    assert_int_equal(decode_n(&e, e.n, &m), -1);
    assert_non_null(strstr(err, "Stream Stop"));

    /* Not the first segment. */
    s.b[5] = 0;
    decode_ok(&s, &m);
    assert_false(m.u.stream_start.first_segment);
    /* Out-of-range first-segment flag. */
    leave_stream();
    s.b[5] = 2;
    assert_int_equal(decode_n(&s, s.n, &m), -1);
    assert_non_null(strstr(err, "first-segment"));

    /* Begin/Commit/Origin never carry the prefix. */
    enter_stream(3);
    wb_t o = {0};
    w8(&o, 'O'); w64(&o, 1); wstr(&o, "x");
    decode_ok(&o, &m);
    assert_false(m.in_stream);
    assert_string_equal(m.u.origin.name, "x");

    /* reset() forgets the block, as after a reconnect. */
    pgo_decoder_reset(dec);
    wb_t i = {0};
    w8(&i, 'I'); w32(&i, 16384); w8(&i, 'N'); w16(&i, 1); w8(&i, 'n');
    decode_ok(&i, &m);
    assert_false(m.in_stream);
    assert_int_equal(m.u.change.relid, 16384);
}

static void test_stream_commit(void **state) {
    (void)state;
    wb_t w = {0};
    pgo_msg_t m;
    w8(&w, 'c'); w32(&w, 1234); w8(&w, 0); w64(&w, UINT64_C(0x2A00000010)); w64(&w, UINT64_C(0x2A00000040));
    w64(&w, (uint64_t)INT64_C(789000000000000));
    decode_ok(&w, &m);
    assert_int_equal(m.type, 'c');
    assert_false(m.in_stream);
    assert_int_equal(m.u.stream_commit.xid, 1234);
    assert_int_equal(m.u.stream_commit.flags, 0);
    assert_true(m.u.stream_commit.commit_lsn == UINT64_C(0x2A00000010));
    assert_true(m.u.stream_commit.end_lsn == UINT64_C(0x2A00000040));
    assert_true(m.u.stream_commit.commit_ts == INT64_C(789000000000000));
    check_truncations(&w);
}

static void test_stream_abort(void **state) {
    (void)state;
    wb_t w = {0};
    pgo_msg_t m;
    w8(&w, 'A'); w32(&w, 1234); w32(&w, 1240);
    decode_ok(&w, &m);
    assert_int_equal(m.type, 'A');
    assert_false(m.in_stream);
    assert_int_equal(m.u.stream_abort.xid, 1234);
    assert_int_equal(m.u.stream_abort.subxid, 1240);
    check_truncations(&w);
}

/* A whole streamed transaction in order, then its commit. */
static void test_stream_sequence(void **state) {
    (void)state;
    pgo_msg_t m;
    enter_stream(700);
    wb_t r = {0};
    build_relation(&r, true, 700);
    decode_ok(&r, &m);
    check_relation(&m, r.n);
    wb_t i = {0};
    w8(&i, 'I'); w32(&i, 701); w32(&i, 16384); w8(&i, 'N'); w16(&i, 1); wtext(&i, 't', "1");
    decode_ok(&i, &m);
    assert_int_equal(m.stream_xid, 701);
    leave_stream();
    enter_stream(700);
    decode_ok(&i, &m);
    assert_true(m.in_stream);
    leave_stream();
    wb_t c = {0};
    w8(&c, 'c'); w32(&c, 700); w8(&c, 0); w64(&c, 1); w64(&c, 2); w64(&c, 3);
    decode_ok(&c, &m);
    assert_false(m.in_stream);
    assert_int_equal(m.u.stream_commit.xid, 700);
}

/* ---- malformed input ---- */

static void test_unknown_type(void **state) {
    (void)state;
    wb_t w = {0};
    pgo_msg_t m;
    w8(&w, 'X'); w32(&w, 0);
    assert_int_equal(decode_n(&w, w.n, &m), -1);
    assert_non_null(strstr(err, "unknown message type 'X'"));
    assert_non_null(strstr(err, "0x58"));
    assert_non_null(strstr(err, "offset 0"));

    wb_t b = {0};
    w8(&b, 0x01);
    assert_int_equal(decode_n(&b, b.n, &m), -1);
    assert_non_null(strstr(err, "0x01"));

    /* Protocol v3 (two-phase) types are not understood. */
    wb_t p = {0};
    w8(&p, 'P');
    assert_int_equal(decode_n(&p, p.n, &m), -1);
    assert_non_null(strstr(err, "'P'"));

    /* Empty and NULL errstr are tolerated. */
    assert_int_equal(decode_n(&w, 0, &m), -1);
    assert_non_null(strstr(err, "empty"));
    assert_int_equal(pgo_decode(dec, (const char *)w.b, w.n, &m, NULL, 0), -1);
}

static void test_malformed(void **state) {
    (void)state;
    pgo_msg_t m;

    /* Unknown column kind. */
    wb_t k = {0};
    w8(&k, 'I'); w32(&k, 1); w8(&k, 'N'); w16(&k, 1); w8(&k, 'x');
    assert_int_equal(decode_n(&k, k.n, &m), -1);
    assert_non_null(strstr(err, "unknown kind byte 0x78 at offset 8"));

    /* Insert without 'N'. */
    wb_t n = {0};
    w8(&n, 'I'); w32(&n, 1); w8(&n, 'K'); w16(&n, 0);
    assert_int_equal(decode_n(&n, n.n, &m), -1);
    assert_non_null(strstr(err, "tuple tag"));

    /* Update with two old tuples. */
    wb_t u = {0};
    w8(&u, 'U'); w32(&u, 1); w8(&u, 'K'); w16(&u, 0); w8(&u, 'O'); w16(&u, 0);
    assert_int_equal(decode_n(&u, u.n, &m), -1);

    /* Delete with 'N'. */
    wb_t d = {0};
    w8(&d, 'D'); w32(&d, 1); w8(&d, 'N'); w16(&d, 0);
    assert_int_equal(decode_n(&d, d.n, &m), -1);

    /* Negative column length. */
    wb_t l = {0};
    w8(&l, 'I'); w32(&l, 1); w8(&l, 'N'); w16(&l, 1); w8(&l, 't'); w32(&l, 0xFFFFFFFFu);
    assert_int_equal(decode_n(&l, l.n, &m), -1);
    assert_non_null(strstr(err, "negative length -1"));

    /* Column length past the end. */
    wb_t e = {0};
    w8(&e, 'I'); w32(&e, 1); w8(&e, 'N'); w16(&e, 1); w8(&e, 'b'); w32(&e, 100); wbytes(&e, "abc", 3);
    assert_int_equal(decode_n(&e, e.n, &m), -1);
    assert_non_null(strstr(err, "truncated Insert"));

    /* Absurd counts are refused before sizing scratch by them. */
    wb_t c = {0};
    w8(&c, 'I'); w32(&c, 1); w8(&c, 'N'); w16(&c, 65535); w8(&c, 'n');
    assert_int_equal(decode_n(&c, c.n, &m), -1);
    assert_non_null(strstr(err, "65535 columns"));
    wb_t t = {0};
    w8(&t, 'T'); w32(&t, 0xFFFFFFFFu); w8(&t, 0); w32(&t, 1);
    assert_int_equal(decode_n(&t, t.n, &m), -1);
    assert_non_null(strstr(err, "truncated Truncate"));
    wb_t r = {0};
    w8(&r, 'R'); w32(&r, 1); wstr(&r, "s"); wstr(&r, "t"); w8(&r, 'd'); w16(&r, 1000);
    assert_int_equal(decode_n(&r, r.n, &m), -1);
    assert_non_null(strstr(err, "1000 columns"));

    /* Unterminated string. */
    wb_t s = {0};
    w8(&s, 'O'); w64(&s, 1); wbytes(&s, "abc", 3);
    assert_int_equal(decode_n(&s, s.n, &m), -1);
    assert_non_null(strstr(err, "no terminating NUL"));

    /* Negative message content length. */
    wb_t g = {0};
    w8(&g, 'M'); w8(&g, 0); w64(&g, 1); wstr(&g, "p"); w32(&g, 0x80000000u);
    assert_int_equal(decode_n(&g, g.n, &m), -1);
    assert_non_null(strstr(err, "negative content length"));
}

static void test_truncation_error_text(void **state) {
    (void)state;
    wb_t w = {0};
    pgo_msg_t m;
    w8(&w, 'B'); w64(&w, 1); w64(&w, 2); w32(&w, 3);
    assert_int_equal(decode_n(&w, 19, &m), -1);
    assert_string_equal(err, "pgoutput: truncated Begin message ('B', 19 bytes): the xid needs 4 "
                        "bytes at offset 17 but only 2 remain; pass the whole XLogData payload "
                        "after its 25-byte header");
}

/* Steady state: scratch is reused, not reallocated, for messages no larger than before. */
static void test_scratch_reuse(void **state) {
    (void)state;
    wb_t big = {0}, small = {0};
    pgo_msg_t m;
    w8(&big, 'I'); w32(&big, 1); w8(&big, 'N'); w16(&big, 40);
    for (int i = 0; i < 40; i++) w8(&big, 'n');
    decode_ok(&big, &m);
    const pgo_value_t *first = m.u.change.new_tuple.values;
    w8(&small, 'I'); w32(&small, 1); w8(&small, 'N'); w16(&small, 2); w8(&small, 'u'); w8(&small, 'n');
    for (int i = 0; i < 3; i++) {
        decode_ok(&small, &m);
        assert_ptr_equal(m.u.change.new_tuple.values, first);
        assert_int_equal(m.u.change.new_tuple.values[0].kind, 'u');
    }
}

/* ---- helpers ---- */

static void test_lsn(void **state) {
    (void)state;
    char buf[32];
    uint64_t v;
    static const struct { uint64_t lsn; const char *text; } cases[] = {
        {0, "0/0"},
        {UINT64_C(0x16B374D848), "16/B374D848"},
        {UINT64_MAX, "FFFFFFFF/FFFFFFFF"},
        {UINT64_C(0x100000000), "1/0"},
        {0xA, "0/A"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pgo_lsn_format(cases[i].lsn, buf);
        assert_string_equal(buf, cases[i].text);
        v = 12345;
        assert_int_equal(pgo_lsn_parse(buf, &v), 0);
        assert_true(v == cases[i].lsn);
    }
    /* Lower case and leading zeros are accepted, as PostgreSQL's pg_lsn input does. */
    assert_int_equal(pgo_lsn_parse("16/b374d848", &v), 0);
    assert_true(v == UINT64_C(0x16B374D848));
    assert_int_equal(pgo_lsn_parse("00000016/0B374D84", &v), 0);
    assert_true(v == UINT64_C(0x160B374D84));

    static const char *bad[] = {
        "", "/", "16", "16/", "/B374D848", "16/B374D848 ", " 16/B374D848", "16//B374D848",
        "0x16/B374D848", "-1/0", "+1/0", "16/G374D848", "123456789/0", "0/123456789",
        "16/B374D848/1", "16-B374D848", "1 /2",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = 12345;
        if (pgo_lsn_parse(bad[i], &v) != -1) fail_msg("accepted bad LSN \"%s\"", bad[i]);
        assert_true(v == 12345);
    }
    assert_int_equal(pgo_lsn_parse(NULL, &v), -1);
}

static void test_epoch(void **state) {
    (void)state;
    /* 2000-01-01T00:00:00Z is 946684800 s after the Unix epoch. */
    assert_true(pgo_pg_epoch_to_unix_us(0) == INT64_C(946684800000000));
    assert_true(pgo_pg_epoch_to_unix_us(-INT64_C(946684800000000)) == 0);
    /* 2024-02-29T12:34:56.789012Z = Unix 1709210096.789012 s. */
    assert_true(pgo_pg_epoch_to_unix_us(INT64_C(1709210096789012) - INT64_C(946684800000000)) ==
                INT64_C(1709210096789012));
    assert_true(pgo_pg_epoch_to_unix_us(1) == INT64_C(946684800000001));
    /* infinity / -infinity saturate instead of overflowing. */
    assert_true(pgo_pg_epoch_to_unix_us(INT64_MAX) == INT64_MAX);
    assert_true(pgo_pg_epoch_to_unix_us(INT64_MIN) == INT64_MIN);
    assert_true(pgo_pg_epoch_to_unix_us(INT64_MAX - 1) == INT64_MAX);
    assert_true(pgo_pg_epoch_to_unix_us(INT64_MIN + 1) == INT64_MIN + 1 + INT64_C(946684800000000));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_begin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_origin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relation_streamed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert_streamed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_old_streamed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_start_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_abort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_sequence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncation_error_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scratch_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lsn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_epoch, setup, teardown),
    };
    return cmocka_run_group_tests_name("pgoutput", tests, NULL, NULL);
}
