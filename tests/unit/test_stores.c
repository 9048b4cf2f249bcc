/* test_stores.c - the record rules of the config and status topics (spec/connect-internal-topics.md
 * 4.4 and 5.4), fed record by record without a broker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store/config_store.h"
#include "store/offset_store.h"
#include "store/status_store.h"

static worker_config_t *wc;

static int setup(void **state) {
    (void)state;
    log_set_level("root", LOG_LEVEL_OFF, NULL); /* the clients complain about the absent broker */
    wc = worker_config_new();
    worker_config_set(wc, "bootstrap.servers", "127.0.0.1:1", "test"); /* never contacted */
    return 0;
}

static int teardown(void **state) {
    (void)state;
    worker_config_destroy(wc);
    log_shutdown();
    return 0;
}

static void rec(config_store_t *cs, const char *k, const char *v) {
    config_store_apply(cs, k, strlen(k), v, v ? strlen(v) : 0);
}

static config_store_t *new_cs(void) {
    char err[256];
    config_store_t *cs = config_store_new(wc, NULL, NULL, err, sizeof(err));
    assert_non_null(cs);
    return cs;
}

static void test_commit_rule(void **state) {
    (void)state;
    config_store_t *cs = new_cs();
    rec(cs, "connector-my-pg-conn", "{\"properties\":{\"name\":\"my-pg-conn\",\"a\":\"1\"}}");
    rec(cs, "task-my-pg-conn-0", "{\"properties\":{\"t\":\"0\"}}");
    rec(cs, "task-my-pg-conn-1", "{\"properties\":{\"t\":\"1\"}}");
    size_t n;
    cd_props_t **t = config_store_task_configs(cs, "my-pg-conn", &n, NULL);
    assert_int_equal(n, 0); /* deferred until the commit */
    rec(cs, "commit-my-pg-conn", "{\"tasks\":2}");
    uint64_t gen1;
    t = config_store_task_configs(cs, "my-pg-conn", &n, &gen1);
    assert_int_equal(n, 2);
    assert_string_equal(cd_props_get(t[1], "t"), "1");
    config_store_free_tasks(t, n);
    /* An incomplete set makes the connector inconsistent: no visible tasks. */
    rec(cs, "task-my-pg-conn-1", "{\"properties\":{\"t\":\"new\"}}");
    rec(cs, "commit-my-pg-conn", "{\"tasks\":2}");
    t = config_store_task_configs(cs, "my-pg-conn", &n, NULL);
    assert_int_equal(n, 0);
    assert_int_equal(config_store_task_count(cs, "my-pg-conn"), 2);
    /* A full set repairs it, with a new generation; extra deferred numbers are allowed. */
    rec(cs, "task-my-pg-conn-0", "{\"properties\":{\"t\":\"a\"}}");
    rec(cs, "task-my-pg-conn-2", "{\"properties\":{\"t\":\"c\"}}");
    rec(cs, "commit-my-pg-conn", "{\"tasks\":1}");
    uint64_t gen2;
    t = config_store_task_configs(cs, "my-pg-conn", &n, &gen2);
    assert_int_equal(n, 1);
    assert_string_equal(cd_props_get(t[0], "t"), "a");
    assert_true(gen2 != gen1);
    config_store_free_tasks(t, n);
    config_store_destroy(cs);
}

static void test_target_states_and_deletion(void **state) {
    (void)state;
    config_store_t *cs = new_cs();
    target_state_t st;
    /* A target state may come before the config (create with initial_state). */
    rec(cs, "target-state-c", "{\"state\":\"PAUSED\",\"state.v2\":\"STOPPED\"}");
    assert_false(config_store_contains(cs, "c"));
    rec(cs, "connector-c", "{\"properties\":{\"name\":\"c\"}}");
    assert_true(config_store_target_state(cs, "c", &st));
    assert_int_equal(st, TARGET_STOPPED);
    /* state.v2 wins; a pre-3.5 record has only state. */
    rec(cs, "target-state-c", "{\"state\":\"STARTED\"}");
    assert_true(config_store_target_state(cs, "c", &st));
    assert_int_equal(st, TARGET_STARTED);
    rec(cs, "target-state-c", "{\"state\":\"PAUSED\",\"state.v2\":\"WHATEVER\"}"); /* ignored */
    assert_true(config_store_target_state(cs, "c", &st));
    assert_int_equal(st, TARGET_STARTED);
    /* Tombstoned target state of an existing connector: back to STARTED. */
    rec(cs, "target-state-c", "{\"state\":\"PAUSED\",\"state.v2\":\"PAUSED\"}");
    rec(cs, "target-state-c", NULL);
    assert_true(config_store_target_state(cs, "c", &st));
    assert_int_equal(st, TARGET_STARTED);
    /* Delete, then a leftover commit does not bring it back. */
    rec(cs, "connector-c", NULL);
    rec(cs, "commit-c", "{\"tasks\":0}");
    assert_false(config_store_contains(cs, "c"));
    char **names = config_store_connectors(cs);
    assert_null(names[0]);
    config_store_free_names(names);
    /* Malformed records are skipped. */
    rec(cs, "connector-d", "not json");
    rec(cs, "connector-e", "{\"properties\":[1]}");
    rec(cs, "task-x", "{\"properties\":{}}");
    rec(cs, "tasks-fencing-d", "{\"task-count\":1}");
    assert_false(config_store_contains(cs, "d"));
    assert_false(config_store_contains(cs, "e"));
    config_store_destroy(cs);
}

static int changes;
static void count_change(void *opaque) {
    (void)opaque;
    changes++;
}

/* The session-key record (KIP-507): the latest valid one is kept, malformed ones are logged with
 * KafkaConfigBackingStore's lines and leave the previous key; a new key is a change. */
static void test_session_key(void **state) {
    (void)state;
    char err[256];
    config_store_t *cs = config_store_new(wc, count_change, NULL, err, sizeof(err));
    assert_non_null(cs);
    char *logged = NULL;
    size_t logged_len = 0;
    FILE *mem = open_memstream(&logged, &logged_len);
    log_set_output(mem);
    log_set_level("org.apache.kafka.connect.storage.KafkaConfigBackingStore", LOG_LEVEL_ERROR, NULL);

    session_key_t k;
    assert_false(config_store_session_key(cs, &k));
    changes = 0;
    /* The example of spec/connect-internal-topics.md 4.2. */
    rec(cs, "session-key", "{\"key\":\"3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\","
                           "\"algorithm\":\"HmacSHA256\",\"creation-timestamp\":1700000000000}");
    assert_int_equal(changes, 1);
    assert_true(config_store_session_key(cs, &k));
    assert_int_equal(k.len, 32);
    assert_int_equal(k.key[0], 0xde);
    assert_int_equal(k.key[3], 0xef);
    assert_int_equal(k.key[31], 0);
    assert_string_equal(k.algorithm, "HmacSHA256");
    assert_true(k.created_ms == 1700000000000LL);

    static const struct {
        const char *value, *line;
    } bad[] = {
        {NULL, "Ignoring session key because it is unexpectedly null"},
        {"null", "Ignoring session key because it is unexpectedly null"},
        {"[1]", "Ignoring session key because the value is not a Map but is java.util.ArrayList"},
        {"\"k\"", "Ignoring session key because the value is not a Map but is java.lang.String"},
        {"{\"algorithm\":\"HmacSHA256\",\"creation-timestamp\":1}",
         "Invalid data for session key 'key' field should be a String but is null"},
        {"{\"key\":5,\"algorithm\":\"HmacSHA256\",\"creation-timestamp\":1}",
         "Invalid data for session key 'key' field should be a String but is java.lang.Long"},
        {"{\"key\":\"AAAA\",\"algorithm\":true,\"creation-timestamp\":1}",
         "Invalid data for session key 'algorithm' field should be a String but it is java.lang.Boolean"},
        {"{\"key\":\"AAAA\",\"algorithm\":\"HmacSHA256\",\"creation-timestamp\":1.5}",
         "Invalid data for session key 'creation-timestamp' field should be a long but it is java.lang.Double"},
        {"{\"key\":\"AAAA\",\"algorithm\":\"HmacSHA256\",\"creation-timestamp\":\"1\"}",
         "Invalid data for session key 'creation-timestamp' field should be a long but it is java.lang.String"},
        {"{\"key\":\"AA-A\",\"algorithm\":\"HmacSHA256\",\"creation-timestamp\":1}",
         "Ignoring session key because its 'key' field is not valid Base64: Illegal base64 character 2d"},
        {"{\"key\":\"\",\"algorithm\":\"HmacSHA256\",\"creation-timestamp\":1}",
         "Ignoring session key because its 'key' field is empty"},
        {"{\"key\":", "Failed to convert config data to Kafka Connect format"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fflush(mem);
        size_t before = logged_len;
        rec(cs, "session-key", bad[i].value);
        fflush(mem);
        if (!strstr(logged + before, bad[i].line))
            fail_msg("case %zu: expected '%s' in '%s'", i, bad[i].line, logged + before);
        assert_true(config_store_session_key(cs, &k));
        assert_true(k.created_ms == 1700000000000LL); /* the previous key stays */
    }
    assert_int_equal(changes, 1);

    /* A newer key (a Java leader may use another algorithm and size) replaces it. */
    rec(cs, "session-key", "{\"key\":\"AAECAwQ=\",\"algorithm\":\"HmacSHA1\",\"creation-timestamp\":5}");
    assert_int_equal(changes, 2);
    assert_true(config_store_session_key(cs, &k));
    assert_int_equal(k.len, 5);
    assert_int_equal(k.key[4], 4);
    assert_string_equal(k.algorithm, "HmacSHA1");
    assert_true(k.created_ms == 5);

    /* What the leader writes: the spec's example byte for byte, and it reads back. */
    session_key_t w;
    memset(&w, 0, sizeof(w));
    w.key[0] = 0xde, w.key[1] = 0xad, w.key[2] = 0xbe, w.key[3] = 0xef;
    w.len = 32;
    snprintf(w.algorithm, sizeof(w.algorithm), "HmacSHA256");
    w.created_ms = 1700000000000LL;
    char *value = config_store_session_key_value(&w);
    assert_string_equal(value, "{\"key\":\"3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\","
                               "\"algorithm\":\"HmacSHA256\",\"creation-timestamp\":1700000000000}");
    rec(cs, "session-key", value);
    free(value);
    assert_true(config_store_session_key(cs, &k));
    assert_memory_equal(k.key, w.key, 32);
    assert_int_equal(k.len, 32);
    /* Jackson does not escape '/', which Base64 has. */
    memset(w.key, 0xff, 3);
    w.len = 3;
    value = config_store_session_key_value(&w);
    assert_string_equal(value, "{\"key\":\"////\",\"algorithm\":\"HmacSHA256\",\"creation-timestamp\":1700000000000}");
    free(value);
    w.len = 0;
    assert_null(config_store_session_key_value(&w));

    log_set_output(stdout);
    fclose(mem);
    free(logged);
    config_store_destroy(cs);
}

static void test_restart_requests_only_after_start(void **state) {
    (void)state;
    config_store_t *cs = new_cs();
    char *name;
    bool it, of;
    rec(cs, "connector-c", "{\"properties\":{\"name\":\"c\"}}");
    rec(cs, "restart-connector-c", "{\"include-tasks\":true,\"only-failed\":true}");
    assert_false(config_store_next_restart(cs, &name, &it, &of)); /* history */
    config_store_mark_started(cs);
    rec(cs, "restart-connector-c", "{\"include-tasks\":true,\"only-failed\":\"yes\"}");
    assert_true(config_store_next_restart(cs, &name, &it, &of));
    assert_string_equal(name, "c");
    assert_true(it);
    assert_false(of); /* not a boolean: false */
    free(name);
    config_store_destroy(cs);
}

static void srec(status_store_t *ss, const char *k, const char *v) {
    status_store_apply(ss, k, strlen(k), v, v ? strlen(v) : 0);
}

static void test_status_rules(void **state) {
    (void)state;
    char err[256];
    status_store_t *ss = status_store_new(wc, err, sizeof(err));
    assert_non_null(ss);
    srec(ss, "status-task-my-pg-conn-0", "{\"state\":\"RUNNING\",\"trace\":null,\"worker_id\":\"w1:8083\",\"generation\":7}");
    /* A stale UNASSIGNED from an older generation is ignored. */
    srec(ss, "status-task-my-pg-conn-0", "{\"state\":\"UNASSIGNED\",\"trace\":null,\"worker_id\":\"w2:8083\",\"generation\":6}");
    status_t st;
    assert_true(status_store_task(ss, "my-pg-conn", 0, &st));
    assert_string_equal(st.state, "RUNNING");
    assert_string_equal(st.worker_id, "w1:8083");
    status_clear(&st);
    srec(ss, "status-task-my-pg-conn-0", "{\"state\":\"FAILED\",\"trace\":\"boom\",\"worker_id\":\"w1:8083\",\"generation\":8}");
    assert_true(status_store_task(ss, "my-pg-conn", 0, &st));
    assert_string_equal(st.trace, "boom");
    status_clear(&st);
    srec(ss, "status-task-my-pg-conn-0", "{\"state\":\"BOGUS\",\"worker_id\":\"w\",\"generation\":9}");
    assert_true(status_store_task(ss, "my-pg-conn", 0, &st));
    assert_string_equal(st.state, "FAILED"); /* unknown state: record dropped */
    status_clear(&st);
    srec(ss, "status-connector-my-pg-conn", "{\"state\":\"RUNNING\",\"trace\":null,\"worker_id\":\"w1:8083\",\"generation\":8}");
    srec(ss, "status-topic-db.public.t:connector-my-pg-conn", "{\"topic\":{\"name\":\"db.public.t\",\"connector\":\"my-pg-conn\",\"task\":0,\"discoverTimestamp\":1}}");
    char **topics = status_store_topics(ss, "my-pg-conn");
    assert_string_equal(topics[0], "db.public.t");
    assert_null(topics[1]);
    free(topics[0]);
    free(topics);
    assert_int_equal(status_store_max_generation(ss), 8);
    /* The connector tombstone removes only the connector entry. */
    srec(ss, "status-connector-my-pg-conn", NULL);
    assert_false(status_store_connector(ss, "my-pg-conn", &st));
    assert_true(status_store_task(ss, "my-pg-conn", 0, &st));
    status_clear(&st);
    status_store_destroy(ss);
}

/* The worker's notes (a Kafka outage) show as the trace of a status without one of its own, and
 * outlive the records read back meanwhile. */
static void test_status_notes(void **state) {
    (void)state;
    char err[256];
    status_store_t *ss = status_store_new(wc, err, sizeof(err));
    assert_non_null(ss);
    srec(ss, "status-connector-c", "{\"state\":\"RUNNING\",\"trace\":null,\"worker_id\":\"w1:8083\",\"generation\":1}");
    srec(ss, "status-task-c-0", "{\"state\":\"RUNNING\",\"trace\":null,\"worker_id\":\"w1:8083\",\"generation\":1}");
    srec(ss, "status-task-c-1", "{\"state\":\"FAILED\",\"trace\":\"boom\",\"worker_id\":\"w1:8083\",\"generation\":1}");
    status_store_set_note(ss, "c", -1, "Kafka is unreachable (c)");
    status_store_set_note(ss, "c", 0, "Kafka is unreachable (0)");
    status_store_set_note(ss, "c", 1, "Kafka is unreachable (1)");
    status_store_set_note(ss, "other", 0, "no status: not shown");
    status_t st;
    assert_true(status_store_connector(ss, "c", &st));
    assert_string_equal(st.state, "RUNNING");
    assert_string_equal(st.trace, "Kafka is unreachable (c)");
    status_clear(&st);
    size_t n;
    task_status_t *ts = status_store_tasks(ss, "c", &n);
    assert_int_equal(n, 2);
    assert_string_equal(ts[0].status.trace, "Kafka is unreachable (0)");
    assert_string_equal(ts[1].status.trace, "boom"); /* a failure's own trace wins */
    task_statuses_free(ts, n);
    assert_false(status_store_task(ss, "other", 0, &st));
    /* A record read back keeps the note; clearing it leaves the record's own trace (none). */
    srec(ss, "status-task-c-0", "{\"state\":\"RUNNING\",\"trace\":null,\"worker_id\":\"w1:8083\",\"generation\":2}");
    assert_true(status_store_task(ss, "c", 0, &st));
    assert_string_equal(st.trace, "Kafka is unreachable (0)");
    status_clear(&st);
    status_store_set_note(ss, "c", 0, "Kafka is unreachable (0, later)");
    assert_true(status_store_task(ss, "c", 0, &st));
    assert_string_equal(st.trace, "Kafka is unreachable (0, later)");
    status_clear(&st);
    status_store_set_note(ss, "c", 0, NULL);
    status_store_set_note(ss, "c", -1, NULL);
    status_store_set_note(ss, "c", -1, NULL); /* clearing twice is harmless */
    assert_true(status_store_task(ss, "c", 0, &st));
    assert_null(st.trace);
    status_clear(&st);
    assert_true(status_store_connector(ss, "c", &st));
    assert_null(st.trace);
    status_clear(&st);
    status_store_destroy(ss); /* frees the notes left */
}

static void test_offset_keys(void **state) {
    (void)state;
    size_t len;
    char *k = offset_store_key("inventory", "{\"server\":\"dbserver1\"}", &len);
    assert_string_equal(k, "[\"inventory\",{\"server\":\"dbserver1\"}]");
    assert_int_equal(len, strlen(k));
    free(k);
    k = offset_store_key("a\"b\x01", "{}", &len);
    assert_string_equal(k, "[\"a\\\"b\\u0001\",{}]");
    free(k);
    json_object *o = json_tokener_parse("{\"filename\":\"/tmp/a b\",\"n\":3,\"f\":1.5,\"b\":true,\"z\":null}");
    char *t = offset_store_json_text(o, NULL);
    /* in the order of the HashMap Kafka Connect reads the object into (java.util.HashMap) */
    assert_string_equal(t, "{\"b\":true,\"filename\":\"/tmp/a b\",\"f\":1.5,\"z\":null,\"n\":3}");
    free(t);
    json_object_put(o);
    o = json_tokener_parse("{\"a\":1,\"bad\":[1]}");
    const char *bad = NULL;
    assert_null(offset_store_json_text(o, &bad));
    assert_string_equal(bad, "bad");
    json_object_put(o);
}

struct offset_order_step {
    const char *connector;
    const char *body; /* a PATCH /connectors/{c}/offsets body, or NULL: DELETE */
    const char *sent; /* the records in the order sent, "key\tvalue" lines ("null": tombstone) */
    const char *listed; /* then GET's partitions, one per line */
};
#include "offset_order_cases.h"

static char *joined_sent(const char *connector, const offset_write_t *w, size_t n) {
    size_t cap = 64, len = 0;
    char *out = calloc(1, cap);
    for (size_t i = 0; i < n; i++) {
        size_t klen;
        char *k = offset_store_key(connector, w[i].partition, &klen);
        const char *v = w[i].offset ? w[i].offset : "null";
        size_t need = len + klen + strlen(v) + 3;
        if (need > cap) out = realloc(out, cap = need * 2);
        len += (size_t)sprintf(out + len, "%s%s\t%s", i ? "\n" : "", k, v);
        free(k);
    }
    return out;
}

/* Kafka Connect 4.1.1's own classes, over 100 random runs of offsets PATCH and reset requests
 * (tests/unit/java/OffsetOrderCases.java): connectd sends the same records in the same order,
 * byte for byte, and GET lists the partitions in the same order after each request. */
static void test_offset_order(void **state) {
    (void)state;
    offset_store_t *os = NULL;
    const char *connector = "";
    for (size_t s = 0; s < sizeof(OFFSET_ORDER_STEPS) / sizeof(OFFSET_ORDER_STEPS[0]); s++) {
        const struct offset_order_step *st = &OFFSET_ORDER_STEPS[s];
        if (!os || strcmp(connector, st->connector)) {
            offset_store_destroy(os);
            os = offset_store_new_memory();
            connector = st->connector;
        }
        json_object *items = NULL, *body = NULL;
        if (st->body) {
            body = json_tokener_parse(st->body);
            items = json_object_object_get(body, "offsets");
        } else {
            items = offset_store_list(os, connector);
        }
        size_t n = json_object_array_length(items);
        offset_write_t *w = calloc(n + 1, sizeof(*w));
        char **texts = calloc(2 * n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++) {
            json_object *it = json_object_array_get_idx(items, i), *o = NULL;
            texts[2 * i] = offset_store_json_text(json_object_object_get(it, "partition"), NULL);
            if (st->body && (o = json_object_object_get(it, "offset")) && !json_object_is_type(o, json_type_null))
                texts[2 * i + 1] = offset_store_json_text(o, NULL);
            assert_non_null(texts[2 * i]);
            w[i] = (offset_write_t){texts[2 * i], texts[2 * i + 1]};
        }
        size_t m = offset_store_kafka_order(connector, w, n, !st->body);
        char *sent = joined_sent(connector, w, m);
        if (strcmp(sent, st->sent))
            fail_msg("step %zu (%s): sent\n%s\nKafka Connect sent\n%s", s, st->body ? "PATCH" : "reset", sent, st->sent);
        for (size_t i = 0; i < m; i++) {
            size_t klen;
            char *k = offset_store_key(connector, w[i].partition, &klen);
            offset_store_apply(os, k, klen, w[i].offset, w[i].offset ? strlen(w[i].offset) : 0);
            free(k);
        }
        json_object *listed = offset_store_list(os, connector);
        size_t cap = 64, len = 0;
        char *got = calloc(1, cap);
        for (size_t i = 0; i < json_object_array_length(listed); i++) {
            const char *p = json_object_to_json_string_ext(
                json_object_object_get(json_object_array_get_idx(listed, i), "partition"),
                JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
            if (len + strlen(p) + 2 > cap) got = realloc(got, cap = (len + strlen(p) + 2) * 2);
            len += (size_t)sprintf(got + len, "%s\n", p);
        }
        if (strcmp(got, st->listed))
            fail_msg("step %zu: GET listed\n%s\nKafka Connect listed\n%s", s, got, st->listed);
        free(got);
        json_object_put(listed);
        free(sent);
        for (size_t i = 0; i < 2 * n; i++) free(texts[i]);
        free(texts);
        free(w);
        if (body) json_object_put(body);
        else json_object_put(items);
    }
    offset_store_destroy(os);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_rule),
        cmocka_unit_test(test_target_states_and_deletion),
        cmocka_unit_test(test_restart_requests_only_after_start),
        cmocka_unit_test(test_session_key),
        cmocka_unit_test(test_status_rules),
        cmocka_unit_test(test_status_notes),
        cmocka_unit_test(test_offset_keys),
        cmocka_unit_test(test_offset_order),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
