/* test_pg_catalog.c - the column lengths and scales Debezium takes from pgjdbc's TypeInfoCache
 * (getPrecision / getScale / getDisplaySize), which column.propagate.source.type shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>

#include "connectors/postgres/pg_catalog.h"

#define NUMERIC_MOD(p, s) ((((p) << 16) | (s)) + 4)

static void test_precision(void **state) {
    (void)state;
    assert_int_equal(pg_jdbc_precision(21, -1), 5);   /* int2 */
    assert_int_equal(pg_jdbc_precision(23, -1), 10);  /* int4 */
    assert_int_equal(pg_jdbc_precision(20, -1), 19);  /* int8 */
    assert_int_equal(pg_jdbc_precision(26, -1), 10);  /* oid */
    assert_int_equal(pg_jdbc_precision(700, -1), 8);  /* float4 */
    assert_int_equal(pg_jdbc_precision(701, -1), 17); /* float8 */
    assert_int_equal(pg_jdbc_precision(16, -1), 1);   /* bool */
    assert_int_equal(pg_jdbc_precision(1700, -1), 0); /* numeric: 0, the caller then takes the display size */
    assert_int_equal(pg_jdbc_display_size(1700, -1), 131089);
    assert_int_equal(pg_jdbc_precision(1700, NUMERIC_MOD(6, 4)), 6);
    assert_int_equal(pg_jdbc_display_size(1700, NUMERIC_MOD(6, 4)), 8);
    assert_int_equal(pg_jdbc_precision(1042, 9), 5);   /* char(5) */
    assert_int_equal(pg_jdbc_precision(1043, 14), 10); /* varchar(10) */
    assert_int_equal(pg_jdbc_precision(1043, -1), INT32_MAX);
    assert_int_equal(pg_jdbc_precision(25, -1), INT32_MAX); /* text */
    assert_int_equal(pg_jdbc_precision(1082, -1), 13);      /* date */
    assert_int_equal(pg_jdbc_precision(1083, -1), 15);      /* time */
    assert_int_equal(pg_jdbc_precision(1083, 0), 8);        /* time(0) */
    assert_int_equal(pg_jdbc_precision(1083, 1), 11);       /* time(1): 2 digits */
    assert_int_equal(pg_jdbc_precision(1083, 3), 12);
    assert_int_equal(pg_jdbc_precision(1266, -1), 21);      /* timetz */
    assert_int_equal(pg_jdbc_precision(1114, -1), 29);      /* timestamp */
    assert_int_equal(pg_jdbc_precision(1184, 0), 28);       /* timestamptz(0) */
    assert_int_equal(pg_jdbc_precision(1186, -1), 49);      /* interval */
    assert_int_equal(pg_jdbc_precision(1560, 3), 3);        /* bit(3) */
    assert_int_equal(pg_jdbc_precision(1562, -1), INT32_MAX);
}

static void test_scale(void **state) {
    (void)state;
    assert_int_equal(pg_jdbc_scale(23, -1), 0);
    assert_int_equal(pg_jdbc_scale(700, -1), 8);
    assert_int_equal(pg_jdbc_scale(701, -1), 17);
    assert_int_equal(pg_jdbc_scale(1700, -1), 0);
    assert_int_equal(pg_jdbc_scale(1700, NUMERIC_MOD(6, 4)), 4);
    assert_int_equal(pg_jdbc_scale(1083, -1), 6);
    assert_int_equal(pg_jdbc_scale(1083, 3), 3);
    assert_int_equal(pg_jdbc_scale(1184, 0), 0);
    assert_int_equal(pg_jdbc_scale(1186, -1), 6);
    assert_int_equal(pg_jdbc_scale(25, -1), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_precision),
        cmocka_unit_test(test_scale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
