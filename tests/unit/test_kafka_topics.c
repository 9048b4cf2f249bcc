/* test_kafka_topics.c - the internal topics' cleanup.policy check as Kafka Connect reads the
 * value, and the refusal message it prints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "kafka/topics.h"
#include "log.h"

static void test_policy_values(void **state) {
    (void)state;
    char norm[64];
    assert_int_equal(kafka_topics_policy_compact_only("compact", norm, sizeof(norm)), 1);
    assert_string_equal(norm, "compact");
    /* Kafka Connect trims, lower-cases and compares sets. */
    assert_int_equal(kafka_topics_policy_compact_only(" Compact ,compact", norm, sizeof(norm)), 1);
    assert_string_equal(norm, "compact");
    assert_int_equal(kafka_topics_policy_compact_only("delete", norm, sizeof(norm)), 0);
    assert_string_equal(norm, "delete");
    assert_int_equal(kafka_topics_policy_compact_only("compact, delete", norm, sizeof(norm)), 0);
    assert_string_equal(norm, "compact,delete");
    /* Nothing to compare: the check is skipped, as Kafka Connect does. */
    assert_int_equal(kafka_topics_policy_compact_only("", norm, sizeof(norm)), -1);
    assert_int_equal(kafka_topics_policy_compact_only(" , ", norm, sizeof(norm)), -1);
    assert_int_equal(kafka_topics_policy_compact_only(NULL, norm, sizeof(norm)), -1);
    /* A short buffer truncates the text, not the verdict. */
    assert_int_equal(kafka_topics_policy_compact_only("compact,delete", norm, 4), 0);
    assert_string_equal(norm, "com");
}

static void test_policy_message(void **state) {
    (void)state;
    char err[1024];
    /* Kafka Connect's text (TopicAdmin.verifyTopicCleanupPolicyOnlyCompact) with the offsets
     * store's purpose. */
    kafka_topics_policy_error("my-offsets", "offset.storage.topic", "delete", err, sizeof(err));
    assert_string_equal(
        err,
        "Topic 'my-offsets' supplied via the 'offset.storage.topic' property is required to have "
        "'cleanup.policy=compact' to guarantee consistency and durability of source connector "
        "offsets, but found the topic currently has 'cleanup.policy=delete'. Continuing would "
        "likely result in eventually losing source connector offsets and problems restarting "
        "this Connect cluster in the future. Change the 'offset.storage.topic' property in the "
        "Connect worker configurations to use a topic with 'cleanup.policy=compact'.");
    kafka_topics_policy_error("c", "config.storage.topic", "delete", err, sizeof(err));
    assert_non_null(strstr(err, "durability of connector configurations, but"));
    kafka_topics_policy_error("s", "status.storage.topic", "delete", err, sizeof(err));
    assert_non_null(strstr(err, "durability of connector and task statuses, but"));
}

int main(void) {
    log_set_level("root", LOG_LEVEL_ERROR, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_values),
        cmocka_unit_test(test_policy_message),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    log_shutdown();
    return rc;
}
