/* test_metrics.c - Kafka's windowed statistics as metrics.c reproduces them (Rate over
 * metrics.sample.window.ms x metrics.num.samples, Avg and Max with NaN when empty, the boolean
 * Frequencies) and the Prometheus text exposition (grouping by family, HELP/TYPE lines, escaping of
 * label values such as a connector name with a quote or a backslash, Kafka's JMX quoting). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"

static const metrics_config_t CFG = {.window_ms = 30000, .samples = 2};

/* Kafka's Rate with 2 samples of 30 s: until a full window has passed, the elapsed time counts as
 * at least one whole window (samples - 1), so 30 events 1 s after the start are 1/s, not 30/s. */
static void test_rate_counts_a_window_at_least(void **state) {
    (void)state;
    metrics_stat_t st = {0};
    metrics_stat_record(&st, &CFG, 1000, 30);
    assert_true(fabs(metrics_rate(&st, &CFG, 2000) - 30.0 / 31.0) < 1e-9);
    /* 60 s after the first sample began: 30 events over 60 s */
    assert_true(fabs(metrics_rate(&st, &CFG, 61000 - 1) - 30.0 / 59.999) < 1e-6);
}

/* A window's events leave the rate once their sample is older than samples x window: the rate is
 * over the recent past, not the lifetime. */
static void test_rate_forgets_old_samples(void **state) {
    (void)state;
    metrics_stat_t st = {0};
    metrics_stat_record(&st, &CFG, 0, 600);     /* first sample, starts at 0 */
    metrics_stat_record(&st, &CFG, 30000, 60);  /* complete: the second sample starts at 30 s */
    double r = metrics_rate(&st, &CFG, 45000);  /* both retained: 660 over 45 s */
    assert_true(fabs(r - 660.0 / 45.0) < 1e-9);
    r = metrics_rate(&st, &CFG, 60000); /* the first is 60 s old: reset; 60 over max(30 s, 1 window) */
    assert_true(fabs(r - 60.0 / 30.0) < 1e-9);
    metrics_stat_record(&st, &CFG, 60000, 0);
    r = metrics_rate(&st, &CFG, 200000); /* all gone */
    assert_true(r == 0.0);
}

/* A counter fed by ticks records only its growth, and a tick without growth opens no sample. */
static void test_counter_rate_ticks(void **state) {
    (void)state;
    metrics_counter_rate_t r = {0};
    metrics_counter_rate_tick(&r, &CFG, 0, 0);
    assert_int_equal(r.stat.n, 0);
    metrics_counter_rate_tick(&r, &CFG, 1000, 50);
    metrics_counter_rate_tick(&r, &CFG, 2000, 50);
    metrics_counter_rate_tick(&r, &CFG, 3000, 80);
    assert_int_equal(r.stat.n, 1);
    assert_true(fabs(metrics_stat_sum(&r.stat, &CFG, 3000) - 80.0) < 1e-9);
    assert_true(fabs(metrics_rate(&r.stat, &CFG, 3000) - 80.0 / 32.0) < 1e-9);
}

static void test_avg_max_share(void **state) {
    (void)state;
    metrics_stat_t st = {0};
    assert_true(isnan(metrics_stat_avg(&st, &CFG, 0)));
    assert_true(isnan(metrics_stat_max(&st, &CFG, 0)));
    assert_true(metrics_stat_share(&st, &CFG, 0, true) == 0.0);
    metrics_stat_record(&st, &CFG, 0, 4);
    metrics_stat_record(&st, &CFG, 10, 8);
    metrics_stat_record(&st, &CFG, 40000, 0); /* next sample */
    assert_true(fabs(metrics_stat_avg(&st, &CFG, 40000) - 4.0) < 1e-9);
    assert_true(metrics_stat_max(&st, &CFG, 40000) == 8.0);
    assert_true(fabs(metrics_stat_share(&st, &CFG, 40000, true) - 2.0 / 3.0) < 1e-9);
    assert_true(fabs(metrics_stat_share(&st, &CFG, 40000, false) - 1.0 / 3.0) < 1e-9);
    /* 60 s after the first sample: only the value 0 is left */
    assert_true(metrics_stat_max(&st, &CFG, 60000) == 0.0);
}

static void test_exposition(void **state) {
    (void)state;
    metrics_out_t *o = metrics_out_new();
    const char *a[] = {"connector", "say \"hi\" \\ bye\nnow", "task", "0", NULL};
    const char *b[] = {"connector", "plain", "task", "1", NULL};
    const char *none[] = {NULL};
    metrics_out_add(o, "x_total", CD_METRIC_COUNTER, "Counts \\ things\nhere", a, 3);
    metrics_out_add(o, "y", CD_METRIC_GAUGE, "Y", none, 0.25);
    metrics_out_add(o, "x_total", CD_METRIC_COUNTER, "ignored", b, NAN);
    metrics_out_add(o, "z", CD_METRIC_UNTYPED, "Z", b, INFINITY);
    size_t len;
    char *text = metrics_out_render(o, &len);
    assert_int_equal(len, strlen(text));
    assert_string_equal(text, "# HELP x_total Counts \\\\ things\\nhere\n"
                              "# TYPE x_total counter\n"
                              "x_total{connector=\"say \\\"hi\\\" \\\\ bye\\nnow\",task=\"0\"} 3.0\n"
                              "x_total{connector=\"plain\",task=\"1\"} NaN\n"
                              "# HELP y Y\n"
                              "# TYPE y gauge\n"
                              "y 0.25\n"
                              "# HELP z Z\n"
                              "# TYPE z untyped\n"
                              "z{connector=\"plain\",task=\"1\"} +Inf\n");
    free(text);
    metrics_out_destroy(o);
}

/* Kafka's Sanitizer.jmxSanitize, which decides how a connector name shows in an MBean name and so
 * in the JMX exporter's labels. */
static void test_jmx_sanitize(void **state) {
    (void)state;
    char *s = metrics_jmx_sanitize("my-conn_1.x %");
    assert_string_equal(s, "my-conn_1.x %");
    free(s);
    s = metrics_jmx_sanitize("a\"b\\c*d?e\nf:g");
    assert_string_equal(s, "\"a\\\"b\\\\c\\*d\\?e\\nf:g\"");
    free(s);
    s = metrics_jmx_sanitize("connect-127.0.0.1:8083");
    assert_string_equal(s, "\"connect-127.0.0.1:8083\"");
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_counts_a_window_at_least),
        cmocka_unit_test(test_rate_forgets_old_samples),
        cmocka_unit_test(test_counter_rate_ticks),
        cmocka_unit_test(test_avg_max_share),
        cmocka_unit_test(test_exposition),
        cmocka_unit_test(test_jmx_sanitize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
