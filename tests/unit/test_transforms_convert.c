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


/* ---- the transformations ---------------------------------------------------------------------- */

#define T "org.apache.kafka.connect.transforms."

static cd_xf_chain_t *chain(const char *const *kv, char *err, size_t size) {
    cd_props_t *p = cd_props_new();
    for (; kv[0]; kv += 2) cd_props_set(p, kv[0], kv[1]);
    cd_xf_chain_t *c = NULL;
    err[0] = '\0';
    int rc = cd_xf_chain_new(p, &c, err, size);
    cd_props_destroy(p);
    return rc ? NULL : c;
}

/* Decimal(scale 2) -12345.67 = unscaled -1234567 = 0xED2979 */
static const unsigned char DEC_BYTES[] = {0xed, 0x29, 0x79};
static const cd_param_t SCALE2[] = {{"scale", "2"}};
static const cd_schema_t DECIMAL2 = {.type = CD_TYPE_BYTES, .name = CD_LOGICAL_DECIMAL, .version = 1,
                                     .params = SCALE2, .n_params = 1};
static const cd_schema_t S_INT32 = {.type = CD_TYPE_INT32};
static const cd_schema_t S_INT64 = {.type = CD_TYPE_INT64};
static const cd_schema_t S_F64 = {.type = CD_TYPE_FLOAT64};
static const cd_schema_t S_BOOL = {.type = CD_TYPE_BOOLEAN};
static const cd_value_t SEVEN = {.type = CD_TYPE_INT32, .u.i = 7};
static const cd_schema_t S_OPT_STR_DFLT = {.type = CD_TYPE_STRING, .optional = true};
static const cd_schema_t S_OPT_INT32_DFLT = {.type = CD_TYPE_INT32, .optional = true, .default_value = &SEVEN};
static const cd_schema_t S_BYTES = {.type = CD_TYPE_BYTES};
static const cd_schema_t S_DATE = {.type = CD_TYPE_INT32, .name = CD_LOGICAL_DATE, .version = 1};
static const cd_schema_t S_TS = {.type = CD_TYPE_INT64, .name = CD_LOGICAL_TIMESTAMP, .version = 1};
static const cd_schema_t S_TIME = {.type = CD_TYPE_INT32, .name = CD_LOGICAL_TIME, .version = 1};
static const cd_schema_t S_STR = {.type = CD_TYPE_STRING};
static const cd_field_t ROW_FIELDS[] = {{"i", &S_INT32}, {"l", &S_INT64}, {"d", &S_F64}, {"b", &S_BOOL},
                                        {"s", &S_OPT_STR_DFLT}, {"n", &S_OPT_INT32_DFLT}, {"by", &S_BYTES},
                                        {"dec", &DECIMAL2}, {"date", &S_DATE}, {"ts", &S_TS},
                                        {"tm", &S_TIME}, {"keep", &S_STR}};
#define NF (sizeof(ROW_FIELDS) / sizeof(ROW_FIELDS[0]))
static const cd_schema_t ROW = {.type = CD_TYPE_STRUCT, .name = "row", .version = 2, .fields = ROW_FIELDS,
                                .n_fields = NF, .cache_id = 0};
static cd_value_t row_fields[NF], row_value;

static cd_xf_record_t row_record(void) {
    row_fields[0] = cd_int(CD_TYPE_INT32, 300);
    row_fields[1] = cd_int(CD_TYPE_INT64, 1700000000123LL);
    row_fields[2] = (cd_value_t){.type = CD_TYPE_FLOAT64, .u.f = 1e20};
    row_fields[3] = (cd_value_t){.type = CD_TYPE_BOOLEAN, .u.b = true};
    row_fields[4] = cd_string("42", 2);
    row_fields[5] = cd_null();
    row_fields[6] = (cd_value_t){.type = CD_TYPE_BYTES, .u.str = {"hi!", 3}};
    row_fields[7] = (cd_value_t){.type = CD_TYPE_BYTES, .u.str = {(const char *)DEC_BYTES, 3}};
    row_fields[8] = cd_int(CD_TYPE_INT32, 19737); /* 2024-01-15 */
    row_fields[9] = cd_int(CD_TYPE_INT64, 1705314600123LL);
    row_fields[10] = cd_int(CD_TYPE_INT32, 3723004);
    row_fields[11] = cd_string("k", 1);
    row_value = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {row_fields, NF}};
    return (cd_xf_record_t){.topic = "orders", .kafka_partition = -1, .kafka_offset = -1,
                            .timestamp_ms = 1705314600123LL, .value_schema = &ROW, .value = &row_value};
}

static void assert_str(const cd_value_t *v, const char *want) {
    assert_false(v->is_null);
    assert_int_equal(v->type, CD_TYPE_STRING);
    if (v->u.str.len != strlen(want) || memcmp(v->u.str.ptr, want, v->u.str.len))
        fail_msg("want \"%s\", got \"%.*s\"", want, (int)v->u.str.len, v->u.str.ptr);
}

static void test_cast_with_schema(void **state) {
    (void)state;
    static const char *const kv[] = {
        "transforms", "c", "transforms.c.type", T "Cast$Value",
        "transforms.c.spec", "i:int8, l:string,d:int32,b:string,s:int64,n:float32,by:string,dec:float64,"
                             "date:string,ts:string,tm:int64,ts:string",
        NULL};
    char err[1024];
    cd_xf_chain_t *c = chain(kv, err, sizeof(err));
    assert_non_null(c);
    cd_arena_t *a = cd_arena_new();
    cd_xf_record_t r = row_record();
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    const cd_schema_t *s = r.value_schema;
    const cd_value_t *f = r.value->u.strct.fields;
    assert_string_equal(s->name, "row");
    assert_int_equal(s->version, 2);
    assert_int_equal(s->fields[0].schema->type, CD_TYPE_INT8);
    assert_null(s->fields[0].schema->name);
    assert_int_equal(f[0].u.i, 44); /* (byte) 300 */
    assert_str(&f[1], "1700000000123");
    assert_int_equal(f[2].u.i, INT32_MAX); /* (int) 1e20 saturates */
    assert_str(&f[3], "true");
    assert_int_equal(f[4].u.i, 42);
    assert_true(s->fields[4].schema->optional);
    /* null with a default: Struct.get gives the default, cast; the schema's default cast too */
    assert_true(f[5].u.f == 7.0f);
    assert_true(s->fields[5].schema->default_value->u.f == 7.0f);
    assert_str(&f[6], "aGkh");
    assert_true(f[7].u.f == -12345.67);
    assert_str(&f[8], "2024-01-15");
    assert_str(&f[9], "2024-01-15T10:30:00.123Z");
    assert_int_equal(f[10].u.i, 3723004);
    assert_ptr_equal(s->fields[11].schema, &S_STR);
    assert_str(&f[11], "k");
    cd_xf_chain_destroy(c);

    /* Decimal to integers, boolean and string; Time before the first day as a time */
    static const char *const kv2[] = {"transforms", "c", "transforms.c.type", T "Cast$Value",
                                      "transforms.c.spec", "dec:int64,tm:string,d:boolean,n:int8",
                                      "transforms.c.replace.null.with.default", "false", NULL};
    c = chain(kv2, err, sizeof(err));
    r = row_record();
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    f = r.value->u.strct.fields;
    assert_int_equal(f[7].u.i, -12345);
    assert_str(&f[10], "01:02:03.004Z");
    assert_true(f[2].u.b);
    assert_true(f[5].is_null);
    cd_xf_chain_destroy(c);

    static const char *const kv3[] = {"transforms", "c", "transforms.c.type", T "Cast$Value",
                                      "transforms.c.spec", "dec:string,dec:boolean", NULL};
    c = chain(kv3, err, sizeof(err));
    r = row_record();
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    assert_true(r.value->u.strct.fields[7].u.b); /* the later spec of a field wins */
    cd_xf_chain_destroy(c);
    cd_arena_destroy(a);
}

static void test_cast_errors_and_schemaless(void **state) {
    (void)state;
    char err[1024];
    cd_arena_t *a = cd_arena_new();
    /* bytes to a number; a struct as a whole; a string out of range */
    struct { const char *spec, *want; } cases[] = {
        {"by:int32", "Unexpected type in Cast transformation: class [B"},
        {"int64", "Cast transformation does not support casting from STRUCT; supported types are [INT8, INT16, "
                  "INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"},
        {"keep:int16", "Value (k) was out of range for requested data type"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *kv[] = {"transforms", "c", "transforms.c.type", T "Cast$Value", "transforms.c.spec",
                            cases[i].spec, NULL};
        cd_xf_chain_t *c = chain(kv, err, sizeof(err));
        assert_non_null(c);
        cd_xf_record_t r = row_record();
        assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), -1);
        assert_string_equal(err, cases[i].want);
        cd_xf_chain_destroy(c);
    }
    /* refused specs */
    struct { const char *spec, *want; } bad[] = {
        {"", "Must specify at least one field to cast."},
        {"a:b:c", "Invalid value [a:b:c] for configuration renames: Invalid rename mapping: a:b:c"},
        {"a:bytes", "Cast transformation does not support casting to BYTES; supported types are [INT8, INT16, INT32, "
                    "INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"},
        {"int8,a:int16", "Cast transformations that specify a type to cast the entire value to may only specify a "
                         "single cast in their spec"},
        {"a:foo", "Invalid value java.lang.IllegalArgumentException: No enum constant "
                  "org.apache.kafka.connect.data.Schema.Type.FOO for configuration Invalid type found in casting "
                  "spec: foo"},
        {"a:", "Invalid value java.lang.IllegalArgumentException: No enum constant "
               "org.apache.kafka.connect.data.Schema.Type.A for configuration Invalid type found in casting spec: a"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *kv[] = {"transforms", "c", "transforms.c.type", T "Cast$Value", "transforms.c.spec", bad[i].spec,
                            NULL};
        assert_null(chain(kv, err, sizeof(err)));
        assert_string_equal(err, bad[i].want);
    }
    /* schemaless: fields of a map (an absent one is put as null), and a whole value */
    static const char *const kv[] = {"transforms", "c", "transforms.c.type", T "Cast$Value", "transforms.c.spec",
                                     "x:int32,y:float64,absent:string", NULL};
    cd_xf_chain_t *c = chain(kv, err, sizeof(err));
    cd_value_t keys[] = {cd_string("x", 1), cd_string("y", 1)};
    cd_value_t vals[] = {cd_string("-17", 3), cd_string("1e3", 3)};
    cd_value_t map = {.type = CD_TYPE_MAP, .u.map = {keys, vals, 2}};
    cd_xf_record_t r = {.topic = "t", .kafka_partition = -1, .kafka_offset = -1, .timestamp_ms = -1, .value = &map};
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    assert_null(r.value_schema);
    assert_int_equal(r.value->u.map.n, 3);
    for (size_t i = 0; i < 3; i++) {
        const cd_value_t *k = &r.value->u.map.keys[i], *v = &r.value->u.map.values[i];
        if (k->u.str.len == 1 && k->u.str.ptr[0] == 'x') assert_int_equal(v->u.i, -17);
        else if (k->u.str.len == 1) assert_true(v->u.f == 1000.0);
        else assert_true(v->is_null);
    }
    cd_xf_chain_destroy(c);
    static const char *const whole[] = {"transforms", "c", "transforms.c.type", T "Cast$Key", "transforms.c.spec",
                                        "string", NULL};
    c = chain(whole, err, sizeof(err));
    cd_value_t d = {.type = CD_TYPE_FLOAT64, .u.f = 0.1};
    r = (cd_xf_record_t){.topic = "t", .kafka_partition = -1, .kafka_offset = -1, .timestamp_ms = -1, .key = &d};
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    assert_str(r.key, "0.1");
    r.key = &map;
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "Cast transformation does not support casting from MAP; supported types are [INT8, "
                             "INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]");
    cd_xf_chain_destroy(c);
    cd_arena_destroy(a);
}

static void test_timestamp_converter(void **state) {
    (void)state;
    char err[1024];
    cd_arena_t *a = cd_arena_new();
    static const char *const kv[] = {
        "transforms", "s,u,d", "transforms.s.type", T "TimestampConverter$Value", "transforms.s.field", "ts",
        "transforms.s.target.type", "string", "transforms.s.format", "yyyy-MM-dd HH:mm:ss.SSS z",
        "transforms.u.type", T "TimestampConverter$Value", "transforms.u.field", "l", "transforms.u.target.type",
        "Timestamp", "transforms.u.unix.precision", "microseconds",
        "transforms.d.type", T "TimestampConverter$Value", "transforms.d.field", "date", "transforms.d.target.type",
        "unix", "transforms.d.unix.precision", "seconds", NULL};
    cd_xf_chain_t *c = chain(kv, err, sizeof(err));
    assert_non_null(c);
    cd_xf_record_t r = row_record();
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    const cd_value_t *f = r.value->u.strct.fields;
    assert_str(&f[9], "2024-01-15 10:30:00.123 UTC");
    assert_int_equal(r.value_schema->fields[9].schema->type, CD_TYPE_STRING);
    assert_int_equal(f[1].u.i, 1700000000LL); /* micros to millis */
    assert_string_equal(r.value_schema->fields[1].schema->name, CD_LOGICAL_TIMESTAMP);
    assert_int_equal(f[8].u.i, 1705276800LL);
    cd_xf_chain_destroy(c);

    /* back from the string, whole value, to Date and Time */
    static const char *const kv2[] = {"transforms", "p", "transforms.p.type", T "TimestampConverter$Key",
                                      "transforms.p.target.type", "Date", "transforms.p.format",
                                      "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'", NULL};
    c = chain(kv2, err, sizeof(err));
    cd_value_t k = cd_string("2024-01-02T23:59:59.999999Z", 27);
    r = (cd_xf_record_t){.topic = "t", .kafka_partition = -1, .kafka_offset = -1, .timestamp_ms = -1,
                         .key_schema = &S_STR, .key = &k};
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    assert_string_equal(r.key_schema->name, CD_LOGICAL_DATE);
    assert_int_equal(r.key->u.i, 19725); /* 999999 ms more: 2024-01-03 */
    k = cd_string("yesterday", 9);
    r.key_schema = &S_STR;
    r.key = &k;
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "Could not parse timestamp: value (yesterday) does not match pattern "
                             "(yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z')");
    r.key_schema = &S_INT32;
    r.key = NULL; /* the schema is checked even for a null */
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "Schema{INT32} does not correspond to a known timestamp type format");
    cd_xf_chain_destroy(c);

    /* schemaless: a Long in a map to a string; an Integer is refused */
    static const char *const kv3[] = {"transforms", "s", "transforms.s.type", T "TimestampConverter$Value",
                                      "transforms.s.field", "at", "transforms.s.target.type", "string",
                                      "transforms.s.format", "EEE, d MMM yyyy hh:mm a", NULL};
    c = chain(kv3, err, sizeof(err));
    cd_value_t keys[] = {cd_string("at", 2)};
    cd_value_t vals[] = {cd_int(CD_TYPE_INT64, 1705314600123LL)};
    cd_value_t map = {.type = CD_TYPE_MAP, .u.map = {keys, vals, 1}};
    r = (cd_xf_record_t){.topic = "t", .kafka_partition = -1, .kafka_offset = -1, .timestamp_ms = -1, .value = &map};
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    assert_str(&r.value->u.map.values[0], "Mon, 15 Jan 2024 10:30 AM");
    vals[0] = cd_int(CD_TYPE_INT32, 5);
    r.value = &map;
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "TimestampConverter does not support class java.lang.Integer objects as timestamps");
    cd_xf_chain_destroy(c);

    struct { const char *type, *format, *want; } bad[] = {
        {"string", NULL, "TimestampConverter requires format option to be specified when using string timestamps"},
        {"unix", "yyyy-MM-dd q", "Invalid value java.lang.IllegalArgumentException: Illegal pattern character 'q' "
                                 "for configuration TimestampConverter requires a SimpleDateFormat-compatible pattern "
                                 "for string timestamps: yyyy-MM-dd q"},
        {"date", NULL, "Invalid value date for configuration target.type: String must be one of: string, unix, "
                       "Date, Time, Timestamp"},
        {"string", "YYYY-ww", NULL},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *kv4[] = {"transforms", "x", "transforms.x.type", T "TimestampConverter$Value",
                             "transforms.x.target.type", bad[i].type, bad[i].format ? "transforms.x.format" : NULL,
                             bad[i].format, NULL};
        assert_null(chain(kv4, err, sizeof(err)));
        if (bad[i].want) assert_string_equal(err, bad[i].want);
        else assert_non_null(strstr(err, "connectd does not implement the SimpleDateFormat pattern letter 'Y'"));
    }
    cd_arena_destroy(a);
}

static void test_timestamp_router(void **state) {
    (void)state;
    char err[1024];
    cd_arena_t *a = cd_arena_new();
    static const char *const kv[] = {"transforms", "r", "transforms.r.type", "TimestampRouter", NULL};
    cd_xf_chain_t *c = chain(kv, err, sizeof(err));
    cd_xf_record_t r = row_record();
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    assert_string_equal(r.topic, "orders-20240115");
    r.timestamp_ms = -1;
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "Timestamp missing on record: SourceRecord{topic='orders-20240115'"));
    cd_xf_chain_destroy(c);
    static const char *const kv2[] = {"transforms", "r", "transforms.r.type", T "TimestampRouter",
                                      "transforms.r.topic.format", "${timestamp}/${topic}/${topic}",
                                      "transforms.r.timestamp.format", "yyyy.MM.dd-HH'h'", NULL};
    c = chain(kv2, err, sizeof(err));
    r = row_record();
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    assert_string_equal(r.topic, "2024.01.15-10h/orders/orders");
    cd_xf_chain_destroy(c);
    /* a pattern Java refuses fails each record (Java compiles it on first use) */
    static const char *const kv3[] = {"transforms", "r", "transforms.r.type", T "TimestampRouter",
                                      "transforms.r.timestamp.format", "yyyy q", NULL};
    c = chain(kv3, err, sizeof(err));
    assert_non_null(c);
    r = row_record();
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "Illegal pattern character 'q'");
    cd_xf_chain_destroy(c);
    cd_arena_destroy(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_date_format_as_java),
        cmocka_unit_test(test_simple_date_format_refusals),
        cmocka_unit_test(test_cast_with_schema),
        cmocka_unit_test(test_cast_errors_and_schemaless),
        cmocka_unit_test(test_timestamp_converter),
        cmocka_unit_test(test_timestamp_router),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
