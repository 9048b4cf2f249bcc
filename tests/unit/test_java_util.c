/* test_java_util.c - String.hashCode, UTF-16 unit counts and HashMap iteration order against what
 * OpenJDK 17 printed for the same input (a throwaway Java program with HashMap, String.hashCode
 * and Kafka 4.1.1's JsonConverter; its outputs are the expected values below). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/java_string.h"
#include "connect/java_util.h"

static int32_t hash(const char *s) { return ju_string_hash(s, strlen(s)); }

static void test_string_hash(void **state) {
    (void)state;
    assert_int_equal(hash(""), 0);
    assert_int_equal(hash("a"), 97);
    assert_int_equal(hash("hello"), 99162322);
    assert_int_equal(hash("Aa"), 2112);
    assert_int_equal(hash("BB"), 2112);
    assert_int_equal(hash("polygenelubricants"), INT32_MIN);
    assert_int_equal(hash("caf\xc3\xa9"), 3045921);             /* café */
    assert_int_equal(hash("\xe8\xa1\xa8"), 34920);              /* 表 */
    assert_int_equal(hash("\xf0\x9f\x98\x80"), 1772899);        /* U+1F600, a surrogate pair */
    assert_int_equal(hash("transaction_data_collection_order_public.caf\xc3\xa9"), 192249608);
}

static void test_utf8_units(void **state) {
    (void)state;
    int u;
    assert_int_equal(ju_utf8_next("a", 1, &u), 1);
    assert_int_equal(u, 1);
    assert_int_equal(ju_utf8_next("\xc3\xa9", 2, &u), 2);
    assert_int_equal(u, 1);
    assert_int_equal(ju_utf8_next("\xe8\xa1\xa8", 3, &u), 3);
    assert_int_equal(u, 1);
    assert_int_equal(ju_utf8_next("\xf0\x9f\x98\x80", 4, &u), 4);
    assert_int_equal(u, 2);
    /* invalid: a lone continuation byte, a truncated sequence, an overlong '/', a surrogate */
    assert_int_equal(ju_utf8_next("\x80", 1, &u), 1);
    assert_int_equal(u, 1);
    assert_int_equal(ju_utf8_next("\xe8\xa1", 2, &u), 1);
    assert_int_equal(ju_utf8_next("\xc0\xaf", 2, &u), 1);
    assert_int_equal(ju_utf8_next("\xed\xa0\x80", 3, &u), 1);
}

static void expect_order(const char *const *keys, size_t n, size_t capacity, const char *expected,
                         size_t expected_capacity) {
    size_t order[64];
    size_t cap = ju_hashmap_order(keys, n, capacity, order);
    char got[1024] = "";
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(got, ",");
        strcat(got, keys[order[i]]);
    }
    assert_string_equal(got, expected);
    assert_int_equal(cap, expected_capacity);
}

static void test_hashmap_order(void **state) {
    (void)state;
    /* Debezium's offset map: PostgresOffsetContext.getOffset() puts these, then
     * TransactionContext.store() (JsonConverter wrote them in this order). */
    const char *offset[] = {"ts_usec", "txId", "lsn", "lsn_proc", "lsn_commit", "messageType",
                            "lsn_events_processed", "transaction_id",
                            "transaction_data_collection_order_s1.caf\xc3\xa9",
                            "transaction_data_collection_order_public.customers",
                            "transaction_data_collection_order_public.a",
                            "transaction_data_collection_order_public.b"};
    expect_order(offset, 12, 16,
                 "transaction_id,lsn_proc,lsn_events_processed,messageType,"
                 "transaction_data_collection_order_public.a,lsn_commit,transaction_data_collection_order_public.b,"
                 "lsn,transaction_data_collection_order_public.customers,"
                 "transaction_data_collection_order_s1.caf\xc3\xa9,txId,ts_usec",
                 16);
    const char *tables[] = {"public.a", "public.b", "public.customers", "s1.caf\xc3\xa9"};
    expect_order(tables, 4, 16, "s1.caf\xc3\xa9,public.customers,public.a,public.b", 16);

    /* 13 keys: the table doubles to 32 */
    const char *thirteen[] = {"k0", "k7", "k14", "k21", "k28", "k35", "k42", "k49", "k56", "k63", "k70", "k77", "k84"};
    expect_order(thirteen, 13, 16, "k0,k70,k84,k42,k63,k77,k21,k7,k35,k56,k14,k28,k49", 32);

    /* Nine keys of one hash: the ninth in a bucket of a table below 64 doubles the table
     * (treeifyBin) although the map is far from full. */
    const char *collide[] = {"AaAaAaAa", "BBAaAaAa", "AaBBAaAa", "BBBBAaAa", "AaAaBBAa", "BBAaBBAa",
                             "AaBBBBAa", "BBBBBBAa", "AaAaAaBB", "zz", "y"};
    expect_order(collide, 11, 16,
                 "zz,AaAaAaAa,BBAaAaAa,AaBBAaAa,BBBBAaAa,AaAaBBAa,BBAaBBAa,AaBBBBAa,BBBBBBAa,AaAaAaBB,y", 32);

    /* A map that grew to 32 and was cleared keeps its table: another order than a new map's. */
    const char *three[] = {"public.a", "public.b", "public.m"};
    expect_order(three, 3, 32, "public.a,public.b,public.m", 32);
    expect_order(three, 3, 16, "public.m,public.a,public.b", 16);
    expect_order(three, 0, 16, "", 16);
}

static void test_uuid_v7(void **state) {
    (void)state;
    char a[37], b[37];
    /* 1735787045678 ms = 0x019424f8632e */
    ju_uuid_v7(1735787045678LL, a);
    ju_uuid_v7(1735787045678LL, b);
    assert_int_equal(strlen(a), 36);
    assert_memory_equal(a, "019424f8-632e-7", 15); /* the time, then version 7 */
    assert_true(strchr("89ab", a[19]) != NULL);     /* variant 0b10 */
    assert_true(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-');
    for (int i = 0; i < 36; i++) assert_true(a[i] == '-' || strchr("0123456789abcdef", a[i]));
    assert_string_not_equal(a, b); /* 74 random bits each */
}

/* What Java's toString writes (answers of Kafka Connect 4.1.1's classes on OpenJDK 17): Struct
 * leaves null fields out and separates with ",", maps and lists with ", ", Double.toString,
 * BigDecimal.toString, java.util.Date.toString in UTC. */
static void assert_java_string(const cd_schema_t *s, const cd_value_t *v, const char *want) {
    cd_buf_t b = {0};
    cd_java_to_string(&b, s, v);
    cd_buf_append(&b, "", 1);
    assert_string_equal(b.data, want);
    cd_buf_free(&b);
}

static void test_java_to_string(void **state) {
    (void)state;
    cd_schema_t i32 = {.type = CD_TYPE_INT32}, str = {.type = CD_TYPE_STRING, .optional = true};
    cd_schema_t f64 = {.type = CD_TYPE_FLOAT64};
    cd_field_t fields[] = {{"id", &i32}, {"name", &str}, {"x", &f64}};
    cd_schema_t row = {.type = CD_TYPE_STRUCT, .name = "t.Value", .fields = fields, .n_fields = 3};
    cd_value_t vals[] = {cd_int(CD_TYPE_INT32, 7), cd_null(), {.type = CD_TYPE_FLOAT64, .u.f = 1e10}};
    cd_value_t st = {.type = CD_TYPE_STRUCT, .u.strct = {vals, 3}};
    assert_java_string(&row, &st, "Struct{id=7,x=1.0E10}");
    vals[1] = cd_string("a b", 3);
    assert_java_string(&row, &st, "Struct{id=7,name=a b,x=1.0E10}");

    cd_value_t keys[] = {cd_string("a", 1), cd_string("b", 1)};
    cd_value_t items[] = {cd_int(CD_TYPE_INT64, 1), {.type = CD_TYPE_BOOLEAN, .u.b = true}};
    cd_value_t list = {.type = CD_TYPE_ARRAY, .u.array = {items, 2}};
    cd_value_t mvals[] = {cd_null(), list};
    cd_value_t map = {.type = CD_TYPE_MAP, .u.map = {keys, mvals, 2}};
    assert_java_string(NULL, &map, "{a=null, b=[1, true]}");
    assert_java_string(NULL, NULL, "null");
    cd_value_t raw = {.type = CD_TYPE_BYTES, .u.str = {"\x01\x02", 2}};
    assert_java_string(NULL, &raw, "[B@"); /* Java's identity hash that follows is left out */

    cd_param_t scale = {"scale", "2"};
    cd_schema_t dec = {.type = CD_TYPE_BYTES, .name = CD_LOGICAL_DECIMAL, .params = &scale, .n_params = 1};
    static const char unscaled[] = {(char)0xfe, 0x0c}; /* -500 */
    cd_value_t d = {.type = CD_TYPE_BYTES, .u.str = {unscaled, 2}};
    assert_java_string(&dec, &d, "-5.00");
    cd_schema_t date = {.type = CD_TYPE_INT32, .name = CD_LOGICAL_DATE};
    cd_value_t days = cd_int(CD_TYPE_INT32, 19000);
    assert_java_string(&date, &days, "Sat Jan 08 00:00:00 UTC 2022");
    cd_schema_t ts = {.type = CD_TYPE_INT64, .name = CD_LOGICAL_TIMESTAMP};
    cd_value_t ms = cd_int(CD_TYPE_INT64, 1700000000123);
    assert_java_string(&ts, &ms, "Tue Nov 14 22:13:20 UTC 2023");

    cd_buf_t b = {0};
    cd_java_schema_string(&b, &row);
    cd_java_schema_string(&b, &i32);
    cd_java_schema_string(&b, NULL);
    cd_buf_append(&b, "", 1);
    assert_string_equal(b.data, "Schema{t.Value:STRUCT}Schema{INT32}null");
    cd_buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_hash),
        cmocka_unit_test(test_utf8_units),
        cmocka_unit_test(test_hashmap_order),
        cmocka_unit_test(test_uuid_v7),
        cmocka_unit_test(test_java_to_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
