/* test_pg_naming.c - table topic names as Debezium's SchemaTopicNamingStrategy makes them: its
 * sanitising works on Java chars (UTF-16 units), not on bytes; blank parts are left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/postgres/pg_naming.h"

static void expect(const char *schema, const char *table, const char *topic, bool changed) {
    bool ch = !changed;
    char *t = pg_table_topic("fulfillment", ".", schema, table, &ch);
    assert_string_equal(t, topic);
    assert_int_equal(ch, changed);
    free(t);
}

static void test_table_topics(void **state) {
    (void)state;
    expect("public", "customers", "fulfillment.public.customers", false);
    expect("public", "my-table_2.x", "fulfillment.public.my-table_2.x", false);
    expect("public", "caf\xc3\xa9", "fulfillment.public.caf_", true);             /* one char */
    expect("public", "\xe8\xa1\xa8", "fulfillment.public._", true);               /* 表: one char, three bytes */
    expect("public", "\xf0\x9f\x98\x80", "fulfillment.public.__", true);          /* a surrogate pair */
    expect("sch\xc3\xa9ma", "a b$c", "fulfillment.sch_ma.a_b_c", true);
    expect("public", " ", "fulfillment.public", false);                          /* mkString drops blanks */
    expect("public", "\t", "fulfillment.public", false);
    expect("public", "\xc2\xa0", "fulfillment.public._", true);                  /* U+00A0 is not blank to trim() */
    expect("public", "bad\xff", "fulfillment.public.bad_", true);                /* not UTF-8: one replaced char */
}

static void test_sanitize(void **state) {
    (void)state;
    bool ch;
    char *t = pg_topic_sanitize(".", &ch);
    assert_string_equal(t, "_");
    assert_true(ch);
    free(t);
    t = pg_topic_sanitize("..", &ch);
    assert_string_equal(t, "__");
    free(t);
    /* 249 Java chars at most, counted after replacing: 240 ASCII + 5 emoji = 250 chars */
    char name[300] = "";
    memset(name, 'a', 240);
    for (int i = 0; i < 5; i++) strcat(name, "\xf0\x9f\x98\x80");
    t = pg_topic_sanitize(name, &ch);
    assert_int_equal(strlen(t), 249);
    assert_string_equal(t + 240, "_________");
    assert_true(ch);
    free(t);
    t = pg_topic_sanitize("ok.name", &ch);
    assert_string_equal(t, "ok.name");
    assert_false(ch);
    free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_topics),
        cmocka_unit_test(test_sanitize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
