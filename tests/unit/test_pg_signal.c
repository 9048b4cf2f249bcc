/* test_pg_signal.c - the pure parts of signals and incremental snapshots: signal parsing (execute,
 * stop, Kafka messages, file lines, the log text), connectd's key encoding, and the chunk and
 * maximum-key queries (composite keys, NULL bounds, additional conditions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/postgres/pg_incremental.h"
#include "connectors/postgres/pg_signal.h"

static void test_execute_parsing(void **state) {
    (void)state;
    pg_snapshot_request_t r;
    char err[512];
    assert_int_equal(pg_signal_parse_execute("{\"data-collections\": [\" public.t1 \", \"public\\\\.t2.*\"], "
                                             "\"additional-conditions\": [{\"data-collection\": \"public.t1\", "
                                             "\"filter\": \"color='blue'\"}], \"surrogate-key\": \"c\"}",
                                             &r, err, sizeof(err)),
                     0);
    assert_int_equal(r.kind, PG_SNAPSHOT_INCREMENTAL);
    assert_int_equal(r.n_collections, 2);
    assert_string_equal(r.collections[0], "public.t1");
    assert_string_equal(r.collections[1], "public\\.t2.*");
    assert_int_equal(r.n_conditions, 1);
    assert_string_equal(r.conditions[0].filter, "color='blue'");
    assert_string_equal(r.surrogate_key, "c");
    pg_snapshot_request_clear(&r);

    assert_int_equal(pg_signal_parse_execute("{\"data-collections\": [\"a.b\"], \"type\": \"BLOCKING\", "
                                             "\"surrogate-key\": \"  \"}", &r, err, sizeof(err)), 0);
    assert_int_equal(r.kind, PG_SNAPSHOT_BLOCKING);
    assert_null(r.surrogate_key);
    pg_snapshot_request_clear(&r);

    assert_int_equal(pg_signal_parse_execute("{\"data-collections\": []}", &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'data-collections' is missing from data or is empty"));
    assert_int_equal(pg_signal_parse_execute("{\"data-collections\": [\"a.b\"], \"type\": \"sideways\"}", &r, err,
                                             sizeof(err)), -1);
    assert_non_null(strstr(err, "unexpected snapshot type 'sideways'"));
    assert_int_equal(pg_signal_parse_execute("not json", &r, err, sizeof(err)), -1);
}

static void test_stop_parsing(void **state) {
    (void)state;
    pg_snapshot_request_t r;
    char err[256];
    assert_int_equal(pg_signal_parse_stop(NULL, &r, err, sizeof(err)), 0);
    assert_int_equal(r.n_collections, 0);
    pg_snapshot_request_clear(&r);
    assert_int_equal(pg_signal_parse_stop("{\"type\":\"INCREMENTAL\",\"data-collections\":[\"public.t\"]}", &r, err,
                                          sizeof(err)), 0);
    assert_int_equal(r.n_collections, 1);
    pg_snapshot_request_clear(&r);
}

static void test_kafka_and_file_signals(void **state) {
    (void)state;
    pg_signal_t s;
    char err[256];
    const char *v = "{\"id\":\"x\",\"type\":\"log\",\"data\":{\"message\":\"hi {}\"}}";
    assert_int_equal(pg_signal_from_kafka("srv", 3, v, strlen(v), "srv", &s, err, sizeof(err)), 1);
    assert_string_equal(s.type, "log");
    assert_string_equal(s.id, "x");
    assert_string_equal(s.data, "{\"message\":\"hi {}\"}");
    pg_signal_clear(&s);
    assert_int_equal(pg_signal_from_kafka("other", 5, v, strlen(v), "srv", &s, err, sizeof(err)), 0);
    assert_int_equal(pg_signal_from_kafka("srv", 3, "", 0, "srv", &s, err, sizeof(err)), 0);
    assert_int_equal(pg_signal_from_kafka("srv", 3, "[1]", 3, "srv", &s, err, sizeof(err)), -1);
    assert_int_equal(pg_signal_from_line("   \n", &s, err, sizeof(err)), 0);
    assert_int_equal(pg_signal_from_line("{\"id\":\"f\",\"type\":\"pause-snapshot\"}\n", &s, err, sizeof(err)), 1);
    assert_string_equal(s.type, "pause-snapshot");
    assert_null(s.data);
    pg_signal_clear(&s);
}

static void test_log_text(void **state) {
    (void)state;
    char *t = pg_signal_log_text("Signal message at offset {} and {}", "{\"lsn\":1}");
    assert_string_equal(t, "Signal message at offset {\"lsn\":1} and {}");
    free(t);
    t = pg_signal_log_text("plain", "x");
    assert_string_equal(t, "plain");
    free(t);
}

static void test_key_encoding(void **state) {
    (void)state;
    const char *k[3] = {"42", NULL, "a \"b\"\\"};
    char *e = pg_inc_key_encode(k, 3);
    assert_string_equal(e, "[\"42\",null,\"a \\\"b\\\"\\\\\"]");
    char **v;
    size_t n;
    char err[256];
    assert_int_equal(pg_inc_key_decode(e, &v, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 3);
    assert_string_equal(v[0], "42");
    assert_null(v[1]);
    assert_string_equal(v[2], "a \"b\"\\");
    pg_inc_key_free(v, n);
    free(e);
    /* Java Debezium's hex-serialised Object[] is refused, by name */
    assert_int_equal(pg_inc_key_decode("aced0005757200135b4c6a6176612e6c616e672e4f626a6563743b", &v, &n, err,
                                       sizeof(err)), -1);
    assert_non_null(strstr(err, "Java Debezium"));
    assert_int_equal(pg_inc_key_decode("[1]", &v, &n, err, sizeof(err)), -1);
}

static const char *const COLS[] = {"a", "b", "v"};
static const char *const KEY2[] = {"a", "b"};

static void test_chunk_queries(void **state) {
    (void)state;
    bool notnull[2] = {false, false};
    pg_inc_table_t tb = {"public", "t\"x", COLS, 3, KEY2, notnull, 2, NULL};
    pg_inc_query_t q;
    pg_inc_chunk_query(&tb, NULL, NULL, 10, &q);
    assert_string_equal(q.sql, "SELECT \"a\", \"b\", \"v\" FROM \"public\".\"t\"\"x\" ORDER BY \"a\", \"b\" LIMIT 10");
    assert_int_equal(q.n_params, 0);
    pg_inc_query_clear(&q);

    const char *after[2] = {"1", "k"}, *max[2] = {"9", "z"};
    pg_inc_chunk_query(&tb, after, max, 5, &q);
    assert_string_equal(q.sql, "SELECT \"a\", \"b\", \"v\" FROM \"public\".\"t\"\"x\" WHERE ((\"a\" > $1) OR (\"a\" = $2 "
                               "AND \"b\" > $3)) AND NOT ((\"a\" > $4) OR (\"a\" = $5 AND \"b\" > $6)) ORDER BY \"a\", "
                               "\"b\" LIMIT 5");
    assert_int_equal(q.n_params, 6);
    assert_string_equal(q.params[0], "1");
    assert_string_equal(q.params[2], "k");
    assert_string_equal(q.params[5], "z");
    pg_inc_query_clear(&q);

    /* nullable key columns: NULLs sort last */
    bool nullable[2] = {true, true};
    tb.nullable = nullable;
    tb.condition = "v <> 'x'";
    const char *after_null[2] = {"1", NULL}, *max_null[2] = {NULL, NULL};
    pg_inc_chunk_query(&tb, after_null, max_null, 3, &q);
    assert_string_equal(q.sql, "SELECT \"a\", \"b\", \"v\" FROM \"public\".\"t\"\"x\" WHERE (((\"a\" > $1 OR \"a\" IS "
                               "NULL)) OR (\"a\" = $2 AND 1 = 0)) AND NOT ((1 = 0) OR (\"a\" IS NULL AND 1 = 0)) AND "
                               "(v <> 'x') ORDER BY \"a\", \"b\" LIMIT 3");
    assert_int_equal(q.n_params, 2);
    pg_inc_query_clear(&q);

    char *m = pg_inc_max_key_query(&tb);
    assert_string_equal(m, "SELECT \"a\", \"b\", \"v\" FROM \"public\".\"t\"\"x\" WHERE (v <> 'x') ORDER BY \"a\" DESC, "
                           "\"b\" DESC LIMIT 1");
    free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_execute_parsing), cmocka_unit_test(test_stop_parsing),
        cmocka_unit_test(test_kafka_and_file_signals), cmocka_unit_test(test_log_text),
        cmocka_unit_test(test_key_encoding), cmocka_unit_test(test_chunk_queries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
