/* test_kafka_groups.c - sink consumer groups on librdkafka's mock cluster, which has none of the
 * group Admin APIs: the calls say so (instead of librdkafka aborting), and the fallback commits
 * as a member even to a group that had members (where an admin commit is refused). What a real
 * Kafka answers is tested in tests/integration/test_kafka_admin.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "kafka/embedded.h"
#include "kafka/groups.h"
#include "log.h"

typedef struct {
    kafka_embedded_t *kb;
    rd_kafka_t *admin;
} fixture_t;

static rd_kafka_conf_t *conf_for(fixture_t *f) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", kafka_embedded_bootstraps(f->kb), NULL, 0);
    rd_kafka_conf_set(conf, "log_level", "0", NULL, 0);
    return conf;
}

static int setup(void **state) {
    static fixture_t f;
    char err[512];
    f.kb = kafka_embedded_new(1, err, sizeof(err));
    assert_non_null(f.kb);
    assert_int_equal(kafka_embedded_create_topic(f.kb, "t", 2, err, sizeof(err)), 0);
    f.admin = rd_kafka_new(RD_KAFKA_PRODUCER, conf_for(&f), err, sizeof(err));
    assert_non_null(f.admin);
    for (int i = 0; i < 3; i++) /* offsets 0-2 on partition 0 */
        assert_int_equal(rd_kafka_producev(f.admin, RD_KAFKA_V_TOPIC("t"), RD_KAFKA_V_PARTITION(0),
                                           RD_KAFKA_V_VALUE("x", 1), RD_KAFKA_V_END),
                         0);
    assert_int_equal(rd_kafka_flush(f.admin, 10000), 0);
    *state = &f;
    return 0;
}

static int teardown(void **state) {
    fixture_t *f = *state;
    rd_kafka_destroy(f->admin);
    kafka_embedded_destroy(f->kb);
    log_shutdown();
    return 0;
}

static rd_kafka_topic_partition_list_t *offsets_of(int64_t p0, int64_t p1) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(2);
    rd_kafka_topic_partition_list_add(l, "t", 0)->offset = p0;
    rd_kafka_topic_partition_list_add(l, "t", 1)->offset = p1;
    return l;
}

/* The committed offsets of group, read without joining it. */
static void committed(fixture_t *f, const char *group, int64_t *p0, int64_t *p1) {
    char err[512];
    rd_kafka_conf_t *conf = conf_for(f);
    rd_kafka_conf_set(conf, "group.id", group, NULL, 0);
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    assert_non_null(c);
    rd_kafka_topic_partition_list_t *l = offsets_of(0, 0);
    assert_int_equal(rd_kafka_committed(c, l, 10000), 0);
    *p0 = l->elems[0].offset;
    *p1 = l->elems[1].offset;
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_destroy(c);
}

static void test_admin_calls_report_unsupported(void **state) {
    fixture_t *f = *state;
    char err[512] = "";
    assert_int_equal(kafka_group_delete(f->admin, "g-admin", 5000, err, sizeof(err)),
                     KAFKA_GROUP_UNSUPPORTED);
    assert_non_null(strstr(err, "not supported"));
    rd_kafka_topic_partition_list_t *l = offsets_of(1, RD_KAFKA_OFFSET_INVALID);
    assert_int_equal(kafka_group_alter_offsets(f->admin, "g-admin", l, 5000, err, sizeof(err)),
                     KAFKA_GROUP_UNSUPPORTED);
    rd_kafka_topic_partition_list_destroy(l);
}

static void test_commit_as_member(void **state) {
    fixture_t *f = *state;
    char err[512] = "";
    int64_t p0, p1;
    rd_kafka_topic_partition_list_t *l = offsets_of(2, 0);
    assert_int_equal(kafka_group_commit_as_member(conf_for(f), "g-member", l, 30000, err,
                                                  sizeof(err)),
                     0);
    committed(f, "g-member", &p0, &p1);
    assert_int_equal(p0, 2);
    assert_int_equal(p1, 0);
    /* The group has had a member now: the mock refuses an admin commit to it, a member's
     * commit still works, and an offset below 0 is the partition's start. */
    rd_kafka_topic_partition_list_destroy(l);
    l = offsets_of(RD_KAFKA_OFFSET_BEGINNING, RD_KAFKA_OFFSET_INVALID);
    assert_int_equal(kafka_group_commit_as_member(conf_for(f), "g-member", l, 30000, err,
                                                  sizeof(err)),
                     0);
    committed(f, "g-member", &p0, &p1);
    assert_int_equal(p0, 0);
    assert_int_equal(p1, 0);
    rd_kafka_topic_partition_list_destroy(l);
}

static void test_commit_as_member_names_a_missing_topic(void **state) {
    fixture_t *f = *state;
    char err[512] = "";
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "t", 7)->offset = RD_KAFKA_OFFSET_BEGINNING;
    assert_int_equal(kafka_group_commit_as_member(conf_for(f), "g-missing", l, 5000, err,
                                                  sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "t [7]"));
    rd_kafka_topic_partition_list_destroy(l);
}

int main(void) {
    log_set_level("root", LOG_LEVEL_ERROR, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admin_calls_report_unsupported),
        cmocka_unit_test(test_commit_as_member),
        cmocka_unit_test(test_commit_as_member_names_a_missing_topic),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
