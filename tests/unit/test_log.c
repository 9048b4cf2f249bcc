/* test_log.c - logger hierarchy, run-time levels and the line layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static char *buf;
static size_t buflen;
static FILE *mem;

static int setup(void **state) {
    (void)state;
    mem = open_memstream(&buf, &buflen);
    log_set_output(mem);
    log_set_level("root", LOG_LEVEL_INFO, NULL);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    log_set_output(NULL);
    fclose(mem);
    free(buf);
    buf = NULL;
    log_shutdown();
    return 0;
}

static void test_layout(void **state) {
    (void)state;
    log_logger_t *lg = log_get("org.example.Thing");
    log_info(lg, "hello %d\n", 42);
    fflush(mem);
    regex_t re;
    assert_int_equal(regcomp(&re,
                             "^\\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3}\\] "
                             "INFO hello 42 \\(org\\.example\\.Thing\\)\n$",
                             REG_EXTENDED),
                     0);
    assert_int_equal(regexec(&re, buf, 0, NULL, 0), 0);
    regfree(&re);
}

static void test_levels_filter(void **state) {
    (void)state;
    log_logger_t *lg = log_get("a.b");
    log_debug(lg, "hidden");
    fflush(mem);
    assert_int_equal(buflen, 0);
    assert_true(log_enabled(lg, LOG_LEVEL_WARN));
    assert_false(log_enabled(lg, LOG_LEVEL_DEBUG));
    assert_false(log_enabled(lg, LOG_LEVEL_OFF));
}

static void test_hierarchy(void **state) {
    (void)state;
    log_logger_t *abc = log_get("a.b.c");
    log_logger_t *ab = log_get("a.b");
    log_logger_t *ax = log_get("a.x");
    log_set_level("a.b", LOG_LEVEL_DEBUG, NULL);
    assert_true(log_enabled(abc, LOG_LEVEL_DEBUG));  /* inherits from a.b */
    assert_true(log_enabled(ab, LOG_LEVEL_DEBUG));
    assert_false(log_enabled(ax, LOG_LEVEL_DEBUG));  /* sibling keeps root's INFO */
    /* A logger created later under a.b inherits too. */
    log_logger_t *abd = log_get("a.b.d");
    assert_true(log_enabled(abd, LOG_LEVEL_DEBUG));
    /* Root affects loggers without an explicit level, not those with one. */
    log_set_level("root", LOG_LEVEL_ERROR, NULL);
    assert_false(log_enabled(ax, LOG_LEVEL_WARN));
}

static void test_set_level_reports_affected_sorted(void **state) {
    (void)state;
    log_get("org.apache.kafka.connect.runtime.Worker");
    log_get("org.apache.kafka.connect.runtime.WorkerSourceTask");
    log_get("org.apache.kafka.clients");
    char **names = NULL;
    size_t n = log_set_level("org.apache.kafka.connect", LOG_LEVEL_TRACE, &names);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "org.apache.kafka.connect");
    assert_string_equal(names[1], "org.apache.kafka.connect.runtime.Worker");
    assert_string_equal(names[2], "org.apache.kafka.connect.runtime.WorkerSourceTask");
    assert_null(names[3]);
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    assert_true(log_enabled(log_get("org.apache.kafka.connect.runtime.Worker"), LOG_LEVEL_TRACE));
    assert_false(log_enabled(log_get("org.apache.kafka.clients"), LOG_LEVEL_DEBUG));
}

static void test_parse_names(void **state) {
    (void)state;
    assert_int_equal(log_level_parse("debug"), LOG_LEVEL_DEBUG);
    assert_int_equal(log_level_parse("WARN"), LOG_LEVEL_WARN);
    assert_int_equal(log_level_parse("Off"), LOG_LEVEL_OFF);
    assert_int_equal(log_level_parse("verbose"), -1);
    assert_string_equal(log_level_name(LOG_LEVEL_TRACE), "TRACE");
}

static void count_cb(const log_logger_t *lg, void *opaque) {
    (void)lg;
    (*(int *)opaque)++;
}

static void test_root_always_exists(void **state) {
    (void)state;
    log_logger_t *r1 = log_get("root");
    log_logger_t *r2 = log_get("ROOT");
    assert_ptr_equal(r1, r2);
    int n = 0;
    log_foreach(count_cb, &n);
    assert_true(n >= 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_levels_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hierarchy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_level_reports_affected_sorted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_always_exists, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
