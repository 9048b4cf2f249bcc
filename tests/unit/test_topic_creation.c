/* test_topic_creation.c - the topic.creation.* rules of source connectors (KIP-158): which settings
 * apply, Kafka Connect's messages and their order for bad settings, which group a topic falls in,
 * and the topic each group creates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/topic_creation.h"
#include "log.h"

/* A config from key, value, key, value, ..., NULL. */
static cd_props_t *cfg(const char *first, ...) {
    cd_props_t *p = cd_props_new();
    cd_props_set(p, "connector.class", "FileStreamSource");
    va_list ap;
    va_start(ap, first);
    for (const char *k = first; k; k = va_arg(ap, const char *)) cd_props_set(p, k, va_arg(ap, const char *));
    va_end(ap);
    return p;
}

#define DEFAULTS "topic.creation.default.replication.factor", "1", "topic.creation.default.partitions", "3"

/* The message parsing fails with (static buffer), or NULL when it parses. */
static const char *parse_error(cd_props_t *p) {
    static char err[1024];
    topic_creation_rules_t *r = NULL;
    err[0] = '\0';
    int rc = topic_creation_rules_parse(p, &r, err, sizeof(err));
    cd_props_destroy(p);
    if (rc == 0) {
        topic_creation_rules_destroy(r);
        return NULL;
    }
    assert_null(r);
    return err;
}

static topic_creation_rules_t *parse_ok(cd_props_t *p) {
    char err[1024] = "";
    topic_creation_rules_t *r = NULL;
    int rc = topic_creation_rules_parse(p, &r, err, sizeof(err));
    cd_props_destroy(p);
    if (rc != 0) fail_msg("unexpected error: %s", err);
    assert_non_null(r);
    return r;
}

static void assert_new_topic(const topic_creation_rules_t *r, const char *topic, const char *expected) {
    char *s = topic_creation_rules_new_topic(r, topic);
    assert_string_equal(s, expected);
    free(s);
}

static void test_not_configured(void **state) {
    (void)state;
    cd_props_t *p = cfg("topic", "t", "topics", "x", "topic.creationx", "1", NULL);
    assert_false(topic_creation_configured(p));
    topic_creation_rules_t *r = (topic_creation_rules_t *)1;
    char err[64];
    assert_int_equal(topic_creation_rules_parse(p, &r, err, sizeof(err)), 0);
    assert_null(r);
    cd_props_destroy(p);
}

/* Kafka Connect checks the default group's replication factor before its partitions, and stops
 * at the first problem. */
static void test_default_group_is_required(void **state) {
    (void)state;
    assert_string_equal(parse_error(cfg("topic.creation.groups", "g", NULL)),
                        "Missing required configuration \"topic.creation.default.replication.factor\" "
                        "which has no default value.");
    assert_string_equal(parse_error(cfg("topic.creation.default.replication.factor", "1", NULL)),
                        "Missing required configuration \"topic.creation.default.partitions\" which has "
                        "no default value.");
    assert_string_equal(parse_error(cfg("topic.creation.default.partitions", "0", NULL)),
                        "Missing required configuration \"topic.creation.default.replication.factor\" "
                        "which has no default value.");
    /* only include/exclude for the default group: still topic creation, still required */
    assert_non_null(parse_error(cfg("topic.creation.default.include", ".*", NULL)));
}

static void test_value_messages(void **state) {
    (void)state;
    assert_string_equal(parse_error(cfg("topic.creation.default.replication.factor", "abc",
                                        "topic.creation.default.partitions", "1", NULL)),
                        "Invalid value abc for configuration topic.creation.default.replication.factor: "
                        "Not a number of type SHORT");
    assert_string_equal(parse_error(cfg("topic.creation.default.replication.factor", "40000",
                                        "topic.creation.default.partitions", "1", NULL)),
                        "Invalid value 40000 for configuration topic.creation.default.replication.factor: "
                        "Not a number of type SHORT");
    assert_string_equal(parse_error(cfg("topic.creation.default.replication.factor", "1",
                                        "topic.creation.default.partitions", "abc", NULL)),
                        "Invalid value abc for configuration topic.creation.default.partitions: Not a "
                        "number of type INT");
    /* the validators name the key without its prefix, as Kafka's embedded definitions do */
    assert_string_equal(parse_error(cfg("topic.creation.default.replication.factor", "-2",
                                        "topic.creation.default.partitions", "0", NULL)),
                        "Invalid value -2 for configuration replication.factor: Replication factor must "
                        "be positive and not larger than the number of brokers in the Kafka cluster, or -1 "
                        "to use the broker's default");
    assert_string_equal(parse_error(cfg("topic.creation.default.replication.factor", " 0 ",
                                        "topic.creation.default.partitions", "1", NULL)),
                        "Invalid value 0 for configuration replication.factor: Replication factor must "
                        "be positive and not larger than the number of brokers in the Kafka cluster, or -1 "
                        "to use the broker's default");
    assert_string_equal(parse_error(cfg("topic.creation.default.replication.factor", "1",
                                        "topic.creation.default.partitions", "0", NULL)),
                        "Invalid value 0 for configuration partitions: Number of partitions must be "
                        "positive, or -1 to use the broker's default");
    assert_null(parse_error(cfg("topic.creation.default.replication.factor", "-1",
                                "topic.creation.default.partitions", "-1", NULL)));
}

static void test_group_messages(void **state) {
    (void)state;
    assert_string_equal(parse_error(cfg(DEFAULTS, "topic.creation.groups", "g",
                                        "topic.creation.g.include", "ok.*, a[", NULL)),
                        "Invalid value [ok.*, a[] for configuration include: Syntax error in regular "
                        "expression: Unclosed character class near index 1\na[\n ^");
    assert_string_equal(parse_error(cfg(DEFAULTS, "topic.creation.groups", "g",
                                        "topic.creation.g.exclude", "(x", NULL)),
                        "Invalid value [(x] for configuration exclude: Syntax error in regular "
                        "expression: Unclosed group near index 2\n(x");
    assert_string_equal(parse_error(cfg(DEFAULTS, "topic.creation.groups", "g",
                                        "topic.creation.g.partitions", "x", NULL)),
                        "Invalid value x for configuration topic.creation.g.partitions: Not a number of "
                        "type INT");
    assert_string_equal(parse_error(cfg(DEFAULTS, "topic.creation.groups", "g,h",
                                        "topic.creation.h.partitions", "-5", "topic.creation.g.include",
                                        "a", NULL)),
                        "Invalid value -5 for configuration partitions: Number of partitions must be "
                        "positive, or -1 to use the broker's default");
    /* a regex the default group's include list would reject is ignored: Kafka drops that list */
    assert_null(parse_error(cfg(DEFAULTS, "topic.creation.default.include", "a[", NULL)));
}

static void test_groups_in_order_default_last(void **state) {
    (void)state;
    topic_creation_rules_t *r = parse_ok(cfg(
        DEFAULTS, "topic.creation.groups", "compacted, inventory", "topic.creation.compacted.include",
        "db1\\.public\\.(orders|lines), .*\\.state", "topic.creation.compacted.cleanup.policy", "compact",
        "topic.creation.compacted.partitions", "1", "topic.creation.inventory.include", "db1\\..*",
        "topic.creation.inventory.exclude", ".*\\.tmp_.*", "topic.creation.inventory.replication.factor",
        "-1", "topic.creation.inventory.compression.type", "lz4", "topic.creation.default.retention.ms",
        "1000", NULL));
    assert_string_equal(topic_creation_rules_group(r, "db1.public.orders"), "compacted");
    assert_string_equal(topic_creation_rules_group(r, "app.state"), "compacted");
    assert_string_equal(topic_creation_rules_group(r, "db1.public.customers"), "inventory");
    /* exclusion wins over inclusion, and the topic falls through to the next group */
    assert_string_equal(topic_creation_rules_group(r, "db1.public.tmp_x"), "default");
    /* whole names only, as Matcher.matches() */
    assert_string_equal(topic_creation_rules_group(r, "xdb1.public.orders"), "default");
    assert_string_equal(topic_creation_rules_group(r, "db1.public.orders2"), "inventory");
    assert_new_topic(r, "db1.public.orders",
                     "(name=db1.public.orders, numPartitions=1, replicationFactor=1, "
                     "replicasAssignments=null, configs={cleanup.policy=compact})");
    /* an unset partitions or replication factor comes from the default group */
    assert_new_topic(r, "db1.public.customers",
                     "(name=db1.public.customers, numPartitions=3, replicationFactor=-1, "
                     "replicasAssignments=null, configs={compression.type=lz4})");
    assert_new_topic(r, "other",
                     "(name=other, numPartitions=3, replicationFactor=1, replicasAssignments=null, "
                     "configs={retention.ms=1000})");
    topic_creation_rules_destroy(r);
}

static void test_default_group_include_and_exclude_are_ignored(void **state) {
    (void)state;
    topic_creation_rules_t *r =
        parse_ok(cfg(DEFAULTS, "topic.creation.default.include", "nothing", "topic.creation.default.exclude",
                     ".*", "topic.creation.groups", "default", NULL));
    assert_string_equal(topic_creation_rules_group(r, "anything"), "default");
    assert_new_topic(r, "anything",
                     "(name=anything, numPartitions=3, replicationFactor=1, replicasAssignments=null, "
                     "configs={})");
    topic_creation_rules_destroy(r);
}

static void test_group_without_include_matches_nothing(void **state) {
    (void)state;
    topic_creation_rules_t *r =
        parse_ok(cfg(DEFAULTS, "topic.creation.groups", "g", "topic.creation.g.partitions", "7", NULL));
    assert_string_equal(topic_creation_rules_group(r, "t"), "default");
    assert_string_equal(topic_creation_rules_group(r, ""), "default");
    topic_creation_rules_destroy(r);
}

/* Java patterns: case-sensitive unless (?i), \d, (?: ...), lookarounds, possessive quantifiers */
static void test_java_patterns(void **state) {
    (void)state;
    topic_creation_rules_t *r = parse_ok(cfg(
        DEFAULTS, "topic.creation.groups", "digits,ci,look", "topic.creation.digits.include", "t\\d+(?:\\.x)?",
        "topic.creation.ci.include", "(?i)upper.*",
        "topic.creation.look.include", "db\\.(?!tmp_)\\w++(?<!_old)", NULL));
    assert_string_equal(topic_creation_rules_group(r, "t42"), "digits");
    assert_string_equal(topic_creation_rules_group(r, "t42.x"), "digits");
    assert_string_equal(topic_creation_rules_group(r, "T42"), "default");
    assert_string_equal(topic_creation_rules_group(r, "UPPERCASE"), "ci");
    assert_string_equal(topic_creation_rules_group(r, "db.orders"), "look");
    assert_string_equal(topic_creation_rules_group(r, "db.tmp_orders"), "default");
    assert_string_equal(topic_creation_rules_group(r, "db.orders_old"), "default");
    topic_creation_rules_destroy(r);
}

static int teardown(void **state) {
    (void)state;
    log_shutdown();
    return 0;
}

int main(void) {
    log_set_level("root", LOG_LEVEL_ERROR, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_configured),
        cmocka_unit_test(test_default_group_is_required),
        cmocka_unit_test(test_value_messages),
        cmocka_unit_test(test_group_messages),
        cmocka_unit_test(test_groups_in_order_default_last),
        cmocka_unit_test(test_default_group_include_and_exclude_are_ignored),
        cmocka_unit_test(test_group_without_include_matches_nothing),
        cmocka_unit_test(test_java_patterns),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
