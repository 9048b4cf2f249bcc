/* test_converters.c - the Connect data model's buffer and arena, and the converters: the
 * JsonConverter byte for byte against Kafka's output (the Debezium envelope of the spec, Java
 * number formats, Base64, Decimal, escaping, maps, defaults, the schema cache), its parsing side,
 * and the StringConverter and ByteArrayConverter. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "connect/converter.h"
#include "connect/json_write.h"

#define JSON "org.apache.kafka.connect.json.JsonConverter"
#define STRING_CONV "org.apache.kafka.connect.storage.StringConverter"
#define BYTES_CONV "org.apache.kafka.connect.converters.ByteArrayConverter"

#define S(lit) cd_string((lit), sizeof(lit) - 1)
#define I32(x) cd_int(CD_TYPE_INT32, (x))
#define I64(x) cd_int(CD_TYPE_INT64, (x))

/* Static test schemas use cache ids far above what cd_schema_next_cache_id hands out here. */
#define STATIC_ID(n) ((uint64_t)1 << 40 | (n))

/* A converter from class and key/value pairs (NULL-terminated); creation must succeed. */
static cd_converter_t *conv(const char *cls, ...) {
    cd_props_t *p = cd_props_new();
    va_list ap;
    va_start(ap, cls);
    for (const char *k; (k = va_arg(ap, const char *));) cd_props_set(p, k, va_arg(ap, const char *));
    va_end(ap);
    char err[512] = "";
    cd_converter_t *c = cd_converter_new(cls, p, false, err, sizeof(err));
    cd_props_destroy(p);
    if (!c) fail_msg("converter %s: %s", cls, err);
    return c;
}

/* Creating must fail with exactly want. */
static void conv_fails(const char *cls, const char *key, const char *value, const char *want) {
    cd_props_t *p = cd_props_new();
    if (key) cd_props_set(p, key, value);
    char err[512] = "";
    assert_null(cd_converter_new(cls, p, true, err, sizeof(err)));
    assert_string_equal(err, want);
    cd_props_destroy(p);
}

/* Renders and compares with expected (a C string; rendering must succeed with bytes). */
static void expect_render(cd_converter_t *c, const cd_schema_t *s, const cd_value_t *v, const char *expected) {
    cd_buf_t b = {0};
    char err[512] = "";
    int rc = cd_converter_from_connect(c, "topic", s, v, &b, err, sizeof(err));
    if (rc != 1) fail_msg("from_connect returned %d: %s", rc, err);
    cd_jw_char(&b, '\0');
    assert_string_equal(b.data, expected);
    cd_buf_free(&b);
}

/* Rendering must fail with an error containing want, leaving the buffer untouched. */
static void expect_render_error(cd_converter_t *c, const cd_schema_t *s, const cd_value_t *v, const char *want) {
    cd_buf_t b = {0};
    cd_jw_lit(&b, "keep");
    char err[512] = "";
    assert_int_equal(cd_converter_from_connect(c, "topic", s, v, &b, err, sizeof(err)), -1);
    assert_int_equal(b.len, 4);
    if (!strstr(err, want)) fail_msg("error \"%s\" does not contain \"%s\"", err, want);
    cd_buf_free(&b);
}

/* ---- the Debezium envelope of spec 1.7 / 1.8.1 ---- */

static const cd_value_t zero_i32 = {.type = CD_TYPE_INT32, .u.i = 0};
static const cd_value_t false_str = {.type = CD_TYPE_STRING, .u.str = {"false", 5}};
static const cd_schema_t s_id = {.type = CD_TYPE_INT32, .default_value = &zero_i32};
static const cd_schema_t s_str = {.type = CD_TYPE_STRING};
static const cd_schema_t s_opt_str = {.type = CD_TYPE_STRING, .optional = true};
static const cd_schema_t s_i32 = {.type = CD_TYPE_INT32};
static const cd_schema_t s_opt_i32 = {.type = CD_TYPE_INT32, .optional = true};
static const cd_schema_t s_i64 = {.type = CD_TYPE_INT64};
static const cd_schema_t s_opt_i64 = {.type = CD_TYPE_INT64, .optional = true};
static const cd_param_t enum_params[] = {
    {"allowed", "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"}};
static const cd_schema_t s_snapshot = {.type = CD_TYPE_STRING,
                                       .optional = true,
                                       .name = "io.debezium.data.Enum",
                                       .version = 1,
                                       .params = enum_params,
                                       .n_params = 1,
                                       .default_value = &false_str};

static const cd_field_t key_fields[] = {{"id", &s_id}};
static const cd_schema_t s_key = {.type = CD_TYPE_STRUCT,
                                  .name = "fulfillment.public.customers.Key",
                                  .fields = key_fields,
                                  .n_fields = 1,
                                  .cache_id = STATIC_ID(1)};

static const cd_field_t row_fields[] = {
    {"id", &s_id}, {"first_name", &s_str}, {"last_name", &s_str}, {"email", &s_str}};
static const cd_schema_t s_row = {.type = CD_TYPE_STRUCT,
                                  .optional = true,
                                  .name = "fulfillment.public.customers.Value",
                                  .fields = row_fields,
                                  .n_fields = 4};

static const cd_field_t source_fields[] = {
    {"version", &s_str},   {"connector", &s_str},    {"name", &s_str},       {"ts_ms", &s_i64},
    {"snapshot", &s_snapshot}, {"db", &s_str},       {"sequence", &s_opt_str}, {"ts_us", &s_opt_i64},
    {"ts_ns", &s_opt_i64}, {"schema", &s_str},       {"table", &s_str},      {"txId", &s_opt_i64},
    {"lsn", &s_opt_i64},   {"xmin", &s_opt_i64},
};
static const cd_schema_t s_source = {.type = CD_TYPE_STRUCT,
                                     .name = "io.debezium.connector.postgresql.Source",
                                     .version = 1,
                                     .fields = source_fields,
                                     .n_fields = 14};

static const cd_field_t block_fields[] = {
    {"id", &s_str}, {"total_order", &s_i64}, {"data_collection_order", &s_i64}};
static const cd_schema_t s_block = {
    .type = CD_TYPE_STRUCT, .optional = true, .name = "event.block", .version = 1, .fields = block_fields, .n_fields = 3};

static const cd_field_t envelope_fields[] = {
    {"before", &s_row}, {"after", &s_row},     {"source", &s_source},    {"transaction", &s_block},
    {"op", &s_str},     {"ts_ms", &s_opt_i64}, {"ts_us", &s_opt_i64},    {"ts_ns", &s_opt_i64},
};
static const cd_schema_t s_envelope = {.type = CD_TYPE_STRUCT,
                                       .name = "fulfillment.public.customers.Envelope",
                                       .version = 2,
                                       .fields = envelope_fields,
                                       .n_fields = 8,
                                       .cache_id = STATIC_ID(2)};

#define KEY_SCHEMA_JSON                                                                                               \
    "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"default\":0,\"field\":\"id\"}],"     \
    "\"optional\":false,\"name\":\"fulfillment.public.customers.Key\"}"

#define ROW_SCHEMA_FIELDS                                                                                             \
    "[{\"type\":\"int32\",\"optional\":false,\"default\":0,\"field\":\"id\"},{\"type\":\"string\",\"optional\":false," \
    "\"field\":\"first_name\"},{\"type\":\"string\",\"optional\":false,\"field\":\"last_name\"},{\"type\":\"string\","  \
    "\"optional\":false,\"field\":\"email\"}]"

#define ENVELOPE_SCHEMA_JSON                                                                                          \
    "{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":" ROW_SCHEMA_FIELDS                           \
    ",\"optional\":true,\"name\":\"fulfillment.public.customers.Value\",\"field\":\"before\"},{\"type\":\"struct\","   \
    "\"fields\":" ROW_SCHEMA_FIELDS                                                                                   \
    ",\"optional\":true,\"name\":\"fulfillment.public.customers.Value\",\"field\":\"after\"},{\"type\":\"struct\","    \
    "\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"version\"},{\"type\":\"string\",\"optional\":"    \
    "false,\"field\":\"connector\"},{\"type\":\"string\",\"optional\":false,\"field\":\"name\"},{\"type\":\"int64\","  \
    "\"optional\":false,\"field\":\"ts_ms\"},{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data."      \
    "Enum\",\"version\":1,\"parameters\":{\"allowed\":\"true,first,first_in_data_collection,last_in_data_collection,"  \
    "last,false,incremental\"},\"default\":\"false\",\"field\":\"snapshot\"},{\"type\":\"string\",\"optional\":false," \
    "\"field\":\"db\"},{\"type\":\"string\",\"optional\":true,\"field\":\"sequence\"},{\"type\":\"int64\",\"optional\"" \
    ":true,\"field\":\"ts_us\"},{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ns\"},{\"type\":\"string\","       \
    "\"optional\":false,\"field\":\"schema\"},{\"type\":\"string\",\"optional\":false,\"field\":\"table\"},{\"type\":" \
    "\"int64\",\"optional\":true,\"field\":\"txId\"},{\"type\":\"int64\",\"optional\":true,\"field\":\"lsn\"},"         \
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"xmin\"}],\"optional\":false,\"name\":\"io.debezium.connector."  \
    "postgresql.Source\",\"version\":1,\"field\":\"source\"},{\"type\":\"struct\",\"fields\":[{\"type\":\"string\","   \
    "\"optional\":false,\"field\":\"id\"},{\"type\":\"int64\",\"optional\":false,\"field\":\"total_order\"},"          \
    "{\"type\":\"int64\",\"optional\":false,\"field\":\"data_collection_order\"}],\"optional\":true,\"name\":"         \
    "\"event.block\",\"version\":1,\"field\":\"transaction\"},{\"type\":\"string\",\"optional\":false,\"field\":"      \
    "\"op\"},{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ms\"},{\"type\":\"int64\",\"optional\":true,"        \
    "\"field\":\"ts_us\"},{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ns\"}],\"optional\":false,\"name\":"    \
    "\"fulfillment.public.customers.Envelope\",\"version\":2}"

#define INSERT_PAYLOAD_JSON(snapshot)                                                                                 \
    "{\"before\":null,\"after\":{\"id\":1,\"first_name\":\"Anne\",\"last_name\":\"Kretchmar\",\"email\":"            \
    "\"annek@noanswer.org\"},\"source\":{\"version\":\"3.4.0.Final\",\"connector\":\"postgresql\",\"name\":"           \
    "\"fulfillment\",\"ts_ms\":1559033904863,\"snapshot\":" snapshot ",\"db\":\"postgres\",\"sequence\":"             \
    "\"[\\\"24023000\\\",\\\"24023128\\\"]\",\"ts_us\":1559033904863123,\"ts_ns\":1559033904863123000,\"schema\":"    \
    "\"public\",\"table\":\"customers\",\"txId\":555,\"lsn\":24023128,\"xmin\":null},\"transaction\":null,\"op\":"    \
    "\"c\",\"ts_ms\":1559033904871,\"ts_us\":1559033904871456,\"ts_ns\":1559033904871456000}"

/* The insert event of spec 1.8.1 with the snapshot field left null (a streaming event). */
typedef struct {
    cd_value_t key_fields[1], key;
    cd_value_t after_fields[4], after;
    cd_value_t source_fields[14], source;
    cd_value_t envelope_fields[8], envelope;
} insert_event_t;

static void insert_event(insert_event_t *e) {
    e->key_fields[0] = I32(1);
    e->key = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {e->key_fields, 1}};
    cd_value_t after[4] = {I32(1), S("Anne"), S("Kretchmar"), S("annek@noanswer.org")};
    memcpy(e->after_fields, after, sizeof(after));
    e->after = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {e->after_fields, 4}};
    cd_value_t source[14] = {S("3.4.0.Final"),
                             S("postgresql"),
                             S("fulfillment"),
                             I64(1559033904863),
                             cd_null(),
                             S("postgres"),
                             S("[\"24023000\",\"24023128\"]"),
                             I64(1559033904863123),
                             I64(1559033904863123000),
                             S("public"),
                             S("customers"),
                             I64(555),
                             I64(24023128),
                             cd_null()};
    memcpy(e->source_fields, source, sizeof(source));
    e->source = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {e->source_fields, 14}};
    cd_value_t env[8] = {cd_null(), e->after, e->source, cd_null(), S("c"),
                         I64(1559033904871), I64(1559033904871456), I64(1559033904871456000)};
    memcpy(e->envelope_fields, env, sizeof(env));
    e->envelope = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {e->envelope_fields, 8}};
}

static void test_debezium_envelope_with_schemas(void **state) {
    (void)state;
    insert_event_t e;
    insert_event(&e);
    cd_converter_t *c = conv(JSON, NULL);
    expect_render(c, &s_key, &e.key, "{\"schema\":" KEY_SCHEMA_JSON ",\"payload\":{\"id\":1}}");
    /* exactly the key line of spec 1.7 */
    expect_render(c, &s_key, &e.key,
                  "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"default\":0,"
                  "\"field\":\"id\"}],\"optional\":false,\"name\":\"fulfillment.public.customers.Key\"},\"payload\":{"
                  "\"id\":1}}");
    expect_render(c, &s_envelope, &e.envelope,
                  "{\"schema\":" ENVELOPE_SCHEMA_JSON ",\"payload\":" INSERT_PAYLOAD_JSON("\"false\"") "}");
    cd_converter_destroy(c);
}

static void test_debezium_envelope_without_schemas(void **state) {
    (void)state;
    insert_event_t e;
    insert_event(&e);
    cd_converter_t *c = conv(JSON, "schemas.enable", "false", NULL);
    expect_render(c, &s_key, &e.key, "{\"id\":1}");
    expect_render(c, &s_envelope, &e.envelope, INSERT_PAYLOAD_JSON("\"false\""));
    cd_converter_destroy(c);
}

static void test_replace_null_with_default_false(void **state) {
    (void)state;
    insert_event_t e;
    insert_event(&e);
    cd_converter_t *c = conv(JSON, "replace.null.with.default", "false", NULL);
    /* the schema still carries the default; the payload keeps the null */
    expect_render(c, &s_envelope, &e.envelope,
                  "{\"schema\":" ENVELOPE_SCHEMA_JSON ",\"payload\":" INSERT_PAYLOAD_JSON("null") "}");
    /* a required field with a default, null: Kafka refuses it */
    cd_value_t f[1] = {cd_null()};
    cd_value_t key = {.type = CD_TYPE_STRUCT, .u.strct = {f, 1}};
    expect_render_error(c, &s_key, &key, "null value for field that is required and has no default value (field id)");
    cd_converter_destroy(c);

    c = conv(JSON, NULL); /* default true: the default replaces the null */
    expect_render(c, &s_key, &key, "{\"schema\":" KEY_SCHEMA_JSON ",\"payload\":{\"id\":0}}");
    cd_converter_destroy(c);
}

/* JsonConverter.fromConnectData answers a Kafka null only for a null schema and a null value; a
 * null value with an (optional) schema is written: ExtractNewRecordState's flattened delete. */
static void test_null_value_is_null_record(void **state) {
    (void)state;
    cd_value_t n = cd_null();
    static const cd_schema_t opt = {.type = CD_TYPE_STRING, .optional = true};
    const char *modes[] = {"true", "false"};
    const char *expect[] = {"{\"schema\":{\"type\":\"string\",\"optional\":true},\"payload\":null}", "null"};
    for (int i = 0; i < 2; i++) {
        cd_converter_t *c = conv(JSON, "schemas.enable", modes[i], NULL);
        cd_buf_t b = {0};
        char err[128] = "";
        assert_int_equal(cd_converter_from_connect(c, "t", NULL, NULL, &b, err, sizeof(err)), 0);
        assert_int_equal(cd_converter_from_connect(c, "t", NULL, &n, &b, err, sizeof(err)), 0);
        assert_int_equal(b.len, 0);
        assert_int_equal(cd_converter_from_connect(c, "t", &opt, NULL, &b, err, sizeof(err)), 1);
        assert_int_equal(b.len, strlen(expect[i]));
        assert_memory_equal(b.data, expect[i], b.len);
        cd_buf_free(&b);
        cd_converter_destroy(c);
    }
    /* other converters: a null value is a Kafka null whatever the schema */
    cd_converter_t *c = conv("org.apache.kafka.connect.storage.StringConverter", NULL);
    cd_buf_t b = {0};
    char err[128] = "";
    assert_int_equal(cd_converter_from_connect(c, "t", &opt, NULL, &b, err, sizeof(err)), 0);
    cd_converter_destroy(c);
}

static void test_schemaless_value_with_schemas_enabled(void **state) {
    (void)state;
    cd_converter_t *c = conv(JSON, NULL);
    cd_value_t v = S("x");
    expect_render(c, NULL, &v, "{\"schema\":null,\"payload\":\"x\"}");
    cd_value_t keys[2] = {S("a"), S("b")}, vals[2] = {I64(1), cd_null()};
    cd_value_t m = {.type = CD_TYPE_MAP, .u.map = {keys, vals, 2}};
    expect_render(c, NULL, &m, "{\"schema\":null,\"payload\":{\"a\":1,\"b\":null}}");
    cd_value_t ikeys[1] = {I32(7)};
    cd_value_t im = {.type = CD_TYPE_MAP, .u.map = {ikeys, vals, 1}};
    expect_render(c, NULL, &im, "{\"schema\":null,\"payload\":[[7,1]]}");
    cd_converter_destroy(c);
}

/* ---- numbers ---- */

static void expect_double(double d, const char *want) {
    cd_buf_t b = {0};
    cd_jw_java_double(&b, d);
    cd_jw_char(&b, '\0');
    if (strcmp(b.data, want)) fail_msg("Double.toString(%.17g): got %s, want %s", d, b.data, want);
    cd_buf_free(&b);
}

static void expect_float(float f, const char *want) {
    cd_buf_t b = {0};
    cd_jw_java_float(&b, f);
    cd_jw_char(&b, '\0');
    if (strcmp(b.data, want)) fail_msg("Float.toString(%.9g): got %s, want %s", (double)f, b.data, want);
    cd_buf_free(&b);
}

static void test_java_double_format(void **state) {
    (void)state;
    expect_double(0.0, "0.0");
    expect_double(-0.0, "-0.0");
    expect_double(1.0, "1.0");
    expect_double(4.0, "4.0");
    expect_double(3.3, "3.3");
    expect_double(-1.5, "-1.5");
    expect_double(100.0, "100.0");
    expect_double(0.1, "0.1");
    expect_double(0.1 + 0.2, "0.30000000000000004");
    expect_double(1e7, "1.0E7");
    expect_double(9999999.0, "9999999.0");
    expect_double(1234567.0, "1234567.0");
    expect_double(1234567.5, "1234567.5");
    expect_double(12345678.9, "1.23456789E7");
    expect_double(123456.789, "123456.789");
    expect_double(0.001, "0.001");
    expect_double(0.0012, "0.0012");
    expect_double(1e-4, "1.0E-4");
    expect_double(1.234e-5, "1.234E-5");
    expect_double(1e10, "1.0E10");
    expect_double(-1e10, "-1.0E10");
    expect_double(1e23, "1.0E23");
    expect_double(1.7976931348623157e308, "1.7976931348623157E308");
    expect_double(4.9e-324, "4.9E-324");
    expect_double(2.2250738585072014e-308, "2.2250738585072014E-308");
    expect_double(NAN, "NaN");
    expect_double(INFINITY, "Infinity");
    expect_double(-INFINITY, "-Infinity");

    expect_float(3.3f, "3.3");
    expect_float(1.0e10f, "1.0E10");
    expect_float(0.1f, "0.1");
    expect_float(1.0f, "1.0");
    expect_float(-0.0f, "-0.0");
    expect_float(16777216.0f, "1.6777216E7");
    expect_float(3.4028235e38f, "3.4028235E38");
    expect_float(1.4e-45f, "1.4E-45");
    expect_float(0.001f, "0.001");
    expect_float(1e-4f, "1.0E-4");
}

static void test_json_numbers_and_non_finite(void **state) {
    (void)state;
    static const cd_schema_t d = {.type = CD_TYPE_FLOAT64}, f = {.type = CD_TYPE_FLOAT32};
    static const cd_schema_t i8 = {.type = CD_TYPE_INT8}, i16 = {.type = CD_TYPE_INT16};
    cd_converter_t *c = conv(JSON, "schemas.enable", "false", NULL);
    cd_value_t v = {.type = CD_TYPE_FLOAT64, .u.f = 3.3};
    expect_render(c, &d, &v, "3.3");
    v.u.f = NAN;
    expect_render(c, &d, &v, "\"NaN\"");
    v.u.f = INFINITY;
    expect_render(c, &d, &v, "\"Infinity\"");
    v.u.f = -INFINITY;
    expect_render(c, &d, &v, "\"-Infinity\"");
    v = (cd_value_t){.type = CD_TYPE_FLOAT32, .u.f = 3.3f};
    expect_render(c, &f, &v, "3.3");
    v = cd_int(CD_TYPE_INT8, -128);
    expect_render(c, &i8, &v, "-128");
    v = cd_int(CD_TYPE_INT16, 32767);
    expect_render(c, &i16, &v, "32767");
    v = I64(INT64_MIN);
    expect_render(c, &s_i64, &v, "-9223372036854775808");
    v = (cd_value_t){.type = CD_TYPE_BOOLEAN, .u.b = true};
    expect_render(c, NULL, &v, "true");
    cd_converter_destroy(c);

    c = conv(JSON, NULL);
    v = (cd_value_t){.type = CD_TYPE_FLOAT64, .u.f = 1e10};
    expect_render(c, &d, &v, "{\"schema\":{\"type\":\"double\",\"optional\":false},\"payload\":1.0E10}");
    v = (cd_value_t){.type = CD_TYPE_FLOAT32, .u.f = 1e10f};
    expect_render(c, &f, &v, "{\"schema\":{\"type\":\"float\",\"optional\":false},\"payload\":1.0E10}");
    cd_converter_destroy(c);
}

/* ---- bytes and Decimal ---- */

static void test_bytes_base64(void **state) {
    (void)state;
    static const cd_schema_t b = {.type = CD_TYPE_BYTES, .optional = true};
    cd_converter_t *c = conv(JSON, NULL);
    const char *inputs[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xde\xad\xbe\xef\x01"};
    const char *want[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy", "3q2+7wE="};
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        cd_value_t v = {.type = CD_TYPE_BYTES, .u.str = {inputs[i], strlen(inputs[i])}};
        char exp[128];
        snprintf(exp, sizeof(exp), "{\"schema\":{\"type\":\"bytes\",\"optional\":true},\"payload\":\"%s\"}", want[i]);
        expect_render(c, &b, &v, exp);
    }
    cd_converter_destroy(c);
}

static const cd_param_t scale2[] = {{"scale", "2"}}, scale0[] = {{"scale", "0"}}, scale3[] = {{"scale", "3"}},
                        scale10[] = {{"scale", "10"}}, scale_neg3[] = {{"scale", "-3"}};
#define DECIMAL_SCHEMA(p) \
    {.type = CD_TYPE_BYTES, .name = CD_LOGICAL_DECIMAL, .version = 1, .params = (p), .n_params = 1}
static const cd_schema_t dec2 = DECIMAL_SCHEMA(scale2), dec0 = DECIMAL_SCHEMA(scale0), dec3 = DECIMAL_SCHEMA(scale3),
                         dec10 = DECIMAL_SCHEMA(scale10), dec_neg3 = DECIMAL_SCHEMA(scale_neg3);

static cd_value_t bytes_value(const char *p, size_t n) {
    cd_value_t v = {.type = CD_TYPE_BYTES};
    v.u.str.ptr = p;
    v.u.str.len = n;
    return v;
}
#define B(lit) bytes_value((lit), sizeof(lit) - 1)

static void test_decimal_base64_and_numeric(void **state) {
    (void)state;
    cd_converter_t *b64 = conv(JSON, "schemas.enable", "false", NULL);
    cd_converter_t *num = conv(JSON, "schemas.enable", "false", "decimal.format", "numeric", NULL);
    struct {
        const cd_schema_t *s;
        cd_value_t v;
        const char *base64, *numeric;
    } cases[] = {
        {&dec2, B("\x30\x39"), "\"MDk=\"", "123.45"},
        {&dec2, B("\xcf\xc7"), "\"z8c=\"", "-123.45"},       /* -12345 */
        {&dec0, B("\x30\x39"), "\"MDk=\"", "12345"},
        {&dec0, B("\xcf\xc7"), "\"z8c=\"", "-12345"},
        {&dec2, B("\x00\x30\x39"), "\"MDk=\"", "123.45"},    /* non-minimal input is normalised */
        {&dec2, B("\x05"), "\"BQ==\"", "0.05"},
        {&dec3, B("\xfb"), "\"+w==\"", "-0.005"},
        {&dec2, B("\x00"), "\"AA==\"", "0.00"},
        {&dec10, B("\x01"), "\"AQ==\"", "1E-10"},
        {&dec10, B("\x00"), "\"AA==\"", "0E-10"},
        {&dec10, B("\x7b"), "\"ew==\"", "1.23E-8"},
        {&dec_neg3, B("\x0c"), "\"DA==\"", "1.2E+4"},
        {&dec0, B("\x80"), "\"gA==\"", "-128"},
        {&dec0, B("\x00\x80"), "\"AIA=\"", "128"},
        {&dec0, B("\x01\x00\x00\x00\x00\x00\x00\x00\x00"), "\"AQAAAAAAAAAA\"", "18446744073709551616"},
        {&dec2, B("\xff\x00\x00\x00\x00\x00\x00\x00\x00"), "\"/wAAAAAAAAAA\"", "-184467440737095516.16"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        expect_render(b64, cases[i].s, &cases[i].v, cases[i].base64);
        expect_render(num, cases[i].s, &cases[i].v, cases[i].numeric);
    }
    cd_converter_destroy(b64);
    cd_converter_destroy(num);

    /* with the schema, as Kafka's Decimal.schema(2) renders */
    cd_converter_t *c = conv(JSON, "decimal.format", "NUMERIC", NULL);
    cd_value_t v = B("\x30\x39");
    expect_render(c, &dec2, &v,
                  "{\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\","
                  "\"version\":1,\"parameters\":{\"scale\":\"2\"}},\"payload\":123.45}");
    static const cd_schema_t no_scale = {.type = CD_TYPE_BYTES, .name = CD_LOGICAL_DECIMAL};
    expect_render_error(c, &no_scale, &v, "Invalid Decimal schema: scale parameter not found.");
    cd_converter_destroy(c);
}

/* ---- strings ---- */

static void test_string_escaping(void **state) {
    (void)state;
    cd_converter_t *c = conv(JSON, "schemas.enable", "false", NULL);
    static const char in[] = "a\"b\\c\b\t\n\f\r\x01\x0b\x1f\x7f/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80<>&'";
    cd_value_t v = cd_string(in, sizeof(in) - 1);
    expect_render(c, &s_str, &v,
                  /* beyond the BMP: two escaped surrogates, as Jackson's UTF8JsonGenerator */
                  "\"a\\\"b\\\\c\\b\\t\\n\\f\\r\\u0001\\u000B\\u001F\x7f/\xc3\xa9\xe2\x82\xac\\uD83D\\uDE00<>&'\"");
    static const char nul[] = "x\0y";
    v = cd_string(nul, 3);
    expect_render(c, &s_str, &v, "\"x\\u0000y\"");
    v = cd_string("", 0);
    expect_render(c, &s_str, &v, "\"\"");
    cd_converter_destroy(c);

    /* names, docs and parameters in the schema are escaped the same way */
    static const cd_param_t params[] = {{"k\"", "v\n"}};
    static const cd_schema_t s = {
        .type = CD_TYPE_STRING, .name = "n\\", .doc = "d\t", .params = params, .n_params = 1};
    c = conv(JSON, NULL);
    v = S("x");
    expect_render(c, &s, &v,
                  "{\"schema\":{\"type\":\"string\",\"optional\":false,\"name\":\"n\\\\\",\"doc\":\"d\\t\","
                  "\"parameters\":{\"k\\\"\":\"v\\n\"}},\"payload\":\"x\"}");
    cd_converter_destroy(c);
}

static unsigned utf8_cp4(const unsigned char *s) {
    return ((s[0] & 7u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) | (s[3] & 0x3fu);
}

/* The reference for cd_jw_string: one byte at a time, as Jackson's escaping is specified. */
static void escape_reference(cd_buf_t *b, const unsigned char *s, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    char tmp[16];
    cd_buf_append(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c == '"' || c == '\\') {
            tmp[0] = '\\', tmp[1] = (char)c;
            cd_buf_append(b, tmp, 2);
        } else if (c < 0x20) {
            const char *shortf = c == '\b' ? "\\b" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : c == '\f' ? "\\f"
                               : c == '\r' ? "\\r" : NULL;
            if (shortf) {
                cd_buf_append(b, shortf, 2);
            } else {
                snprintf(tmp, sizeof(tmp), "\\u00%c%c", hex[c >> 4], hex[c & 15]);
                cd_buf_append(b, tmp, 6);
            }
        } else if (c >= 0xf0 && c <= 0xf4 && i + 3 < n && (s[i + 1] & 0xc0) == 0x80 && (s[i + 2] & 0xc0) == 0x80 &&
                   (s[i + 3] & 0xc0) == 0x80 && utf8_cp4(s + i) >= 0x10000 && utf8_cp4(s + i) <= 0x10ffff) {
            unsigned cp = utf8_cp4(s + i);
            snprintf(tmp, sizeof(tmp), "\\u%04X\\u%04X", 0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
            cd_buf_append(b, tmp, 12);
            i += 3;
        } else {
            cd_buf_append(b, &s[i], 1);
        }
    }
    cd_buf_append(b, "\"", 1);
}

/* cd_jw_string copies clean 8-byte words at once and cd_jw_int writes two digits at a time: both
 * checked against the plain reference over many random inputs (every escape class at every
 * position of a word, buffers that must grow mid-string, all integer lengths and signs). */
static void test_string_and_int_fast_paths(void **state) {
    (void)state;
    static const unsigned char alphabet[] = {'a', 'Z', '0', ' ', '/', '"', '\\', '\n', '\t', 0x00, 0x01, 0x1f,
                                             0x7f, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xf5, 0xff};
    unsigned seed = 12345;
    unsigned char in[80];
    for (int round = 0; round < 20000; round++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 8) % sizeof(in);
        unsigned clean = (seed >> 20) % 4; /* mostly plain text, sometimes dense with escapes */
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = seed >> 16;
            in[i] = clean && r % 8 ? (unsigned char)('a' + r % 26) : alphabet[r % sizeof(alphabet)];
        }
        /* an emoji placed at a random position, sometimes across a word boundary */
        if (n >= 4 && round % 3 == 0) memcpy(in + (seed >> 4) % (n - 3), "\xf0\x9f\x98\x80", 4);
        cd_buf_t want = {0}, got = {0};
        escape_reference(&want, in, n);
        if (round % 2) cd_buf_reserve(&got, 1); /* a small buffer that must grow */
        cd_jw_lit(&got, "x");
        cd_jw_string(&got, (const char *)in, n);
        assert_int_equal(got.len, want.len + 1);
        assert_memory_equal(got.data + 1, want.data, want.len);
        cd_buf_free(&want);
        cd_buf_free(&got);
    }
    int64_t edge[] = {0, 1, -1, 9, 10, 99, 100, 101, -100, 999, 1000, 123456789, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    for (int round = 0; round < 20000 + (int)(sizeof(edge) / sizeof(*edge)); round++) {
        int64_t v;
        if (round < (int)(sizeof(edge) / sizeof(*edge))) {
            v = edge[round];
        } else {
            seed = seed * 1103515245u + 12345u;
            uint64_t u = ((uint64_t)seed << 32) ^ (seed * 2654435761u);
            u >>= seed % 64;
            v = (int64_t)(seed & 1 ? (uint64_t)0 - u : u);
        }
        char want[32];
        snprintf(want, sizeof(want), "%lld", (long long)v);
        cd_buf_t got = {0};
        cd_jw_int(&got, v);
        cd_jw_char(&got, '\0');
        assert_string_equal(got.data, want);
        cd_buf_free(&got);
    }
}

/* ---- maps and arrays ---- */

static void test_maps_and_arrays(void **state) {
    (void)state;
    static const cd_schema_t str_map = {.type = CD_TYPE_MAP, .key_schema = &s_str, .value_schema = &s_i32};
    static const cd_schema_t int_map = {.type = CD_TYPE_MAP, .key_schema = &s_i32, .value_schema = &s_opt_str};
    static const cd_schema_t arr = {.type = CD_TYPE_ARRAY, .optional = true, .value_schema = &s_opt_i32};
    cd_converter_t *c = conv(JSON, NULL);

    cd_value_t sk[2] = {S("a"), S("b")}, sv[2] = {I32(1), I32(2)};
    cd_value_t m = {.type = CD_TYPE_MAP, .u.map = {sk, sv, 2}};
    expect_render(c, &str_map, &m,
                  "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"string\",\"optional\":false},\"values\":{"
                  "\"type\":\"int32\",\"optional\":false},\"optional\":false},\"payload\":{\"a\":1,\"b\":2}}");

    cd_value_t ik[2] = {I32(1), I32(2)}, iv[2] = {S("x"), cd_null()};
    cd_value_t im = {.type = CD_TYPE_MAP, .u.map = {ik, iv, 2}};
    expect_render(c, &int_map, &im,
                  "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\",\"optional\":false},\"values\":{"
                  "\"type\":\"string\",\"optional\":true},\"optional\":false},\"payload\":[[1,\"x\"],[2,null]]}");

    cd_value_t empty = {.type = CD_TYPE_MAP};
    expect_render(c, &str_map, &empty,
                  "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"string\",\"optional\":false},\"values\":{"
                  "\"type\":\"int32\",\"optional\":false},\"optional\":false},\"payload\":{}}");

    cd_value_t items[3] = {I32(1), cd_null(), I32(3)};
    cd_value_t a = {.type = CD_TYPE_ARRAY, .u.array = {items, 3}};
    expect_render(c, &arr, &a,
                  "{\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"int32\",\"optional\":true},\"optional\":"
                  "true},\"payload\":[1,null,3]}");
    cd_value_t ea = {.type = CD_TYPE_ARRAY};
    expect_render(c, &arr, &ea,
                  "{\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"int32\",\"optional\":true},\"optional\":"
                  "true},\"payload\":[]}");

    /* a required item that is null */
    static const cd_schema_t req_arr = {.type = CD_TYPE_ARRAY, .value_schema = &s_i32};
    expect_render_error(c, &req_arr, &a, "null value for field that is required");
    cd_converter_destroy(c);
}

static void test_type_mismatch_errors(void **state) {
    (void)state;
    insert_event_t e;
    insert_event(&e);
    cd_converter_t *c = conv(JSON, NULL);
    e.source_fields[3] = S("oops"); /* source.ts_ms is an int64 */
    expect_render_error(c, &s_envelope, &e.envelope,
                        "Invalid type for INT64: value of type STRING does not match its schema (field source.ts_ms)");
    insert_event(&e);
    e.source.u.strct.n = 3;
    e.envelope_fields[2] = e.source;
    expect_render_error(c, &s_envelope, &e.envelope, "struct value has 3 fields");
    /* a struct needs a schema */
    expect_render_error(c, NULL, &e.after, "a STRUCT value needs a schema");
    cd_converter_destroy(c);
}

/* ---- the schema cache ---- */

static void test_schema_cache(void **state) {
    (void)state;
    insert_event_t e;
    insert_event(&e);
    const char *want = "{\"schema\":" ENVELOPE_SCHEMA_JSON ",\"payload\":" INSERT_PAYLOAD_JSON("\"false\"") "}";
    cd_converter_t *c = conv(JSON, NULL);
    cd_buf_t b = {0};
    char err[256];
    for (int i = 0; i < 3; i++) {
        b.len = 0;
        assert_int_equal(cd_converter_from_connect(c, "t", &s_envelope, &e.envelope, &b, err, sizeof(err)), 1);
        assert_int_equal(b.len, strlen(want));
        assert_memory_equal(b.data, want, b.len);
    }
    /* appends after what is already in the buffer */
    b.len = 0;
    cd_jw_lit(&b, "prefix");
    assert_int_equal(cd_converter_from_connect(c, "t", &s_key, &e.key, &b, err, sizeof(err)), 1);
    cd_jw_char(&b, '\0');
    assert_string_equal(b.data, "prefix{\"schema\":" KEY_SCHEMA_JSON ",\"payload\":{\"id\":1}}");
    cd_buf_free(&b);
    cd_converter_destroy(c);

    /* many schemas through a small cache: every rendering stays right across evictions */
    c = conv(JSON, "schemas.cache.size", "2", NULL);
    cd_schema_t schemas[5];
    char names[5][16];
    for (int i = 0; i < 5; i++) {
        snprintf(names[i], sizeof(names[i]), "s%d", i);
        schemas[i] = (cd_schema_t){.type = CD_TYPE_INT32, .name = names[i], .cache_id = cd_schema_next_cache_id()};
    }
    cd_value_t v = I32(5);
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 5; i++) {
            char exp[128];
            snprintf(exp, sizeof(exp),
                     "{\"schema\":{\"type\":\"int32\",\"optional\":false,\"name\":\"s%d\"},\"payload\":5}", i);
            expect_render(c, &schemas[i], &v, exp);
        }
    cd_converter_destroy(c);

    /* cache_id 0 is rendered every time (so a changed schema shows) */
    c = conv(JSON, NULL);
    cd_schema_t s0 = {.type = CD_TYPE_INT32, .name = "a"};
    expect_render(c, &s0, &v, "{\"schema\":{\"type\":\"int32\",\"optional\":false,\"name\":\"a\"},\"payload\":5}");
    s0.name = "b";
    expect_render(c, &s0, &v, "{\"schema\":{\"type\":\"int32\",\"optional\":false,\"name\":\"b\"},\"payload\":5}");
    cd_converter_destroy(c);
}

/* ---- parsing (sinks) ---- */

/* Parses data and renders the result again with the same converter. */
static void round_trip(cd_converter_t *c, const char *data, const char *want) {
    cd_arena_t *a = cd_arena_new();
    const cd_schema_t *s = (const cd_schema_t *)1;
    cd_value_t v;
    char err[512] = "";
    if (cd_converter_to_connect(c, "t", data, strlen(data), a, &s, &v, err, sizeof(err)))
        fail_msg("to_connect failed: %s", err);
    expect_render(c, s, &v, want ? want : data);
    cd_arena_destroy(a);
}

static void test_to_connect_with_schemas(void **state) {
    (void)state;
    const char *event = "{\"schema\":" ENVELOPE_SCHEMA_JSON ",\"payload\":" INSERT_PAYLOAD_JSON("\"false\"") "}";
    cd_converter_t *c = conv(JSON, NULL);
    round_trip(c, event, NULL);
    round_trip(c, "{\"schema\":" KEY_SCHEMA_JSON ",\"payload\":{\"id\":1}}", NULL);

    /* the structure of the parsed envelope */
    cd_arena_t *a = cd_arena_new();
    const cd_schema_t *s;
    cd_value_t v;
    char err[512] = "";
    assert_int_equal(cd_converter_to_connect(c, "t", event, strlen(event), a, &s, &v, err, sizeof(err)), 0);
    assert_non_null(s);
    assert_int_equal(s->type, CD_TYPE_STRUCT);
    assert_string_equal(s->name, "fulfillment.public.customers.Envelope");
    assert_int_equal(s->version, 2);
    assert_int_equal(s->n_fields, 8);
    const cd_schema_t *src = s->fields[2].schema;
    assert_string_equal(s->fields[2].name, "source");
    assert_string_equal(src->fields[4].schema->params[0].key, "allowed");
    assert_non_null(src->fields[4].schema->default_value);
    assert_int_equal(v.type, CD_TYPE_STRUCT);
    assert_true(v.u.strct.fields[0].is_null);
    const cd_value_t *after = &v.u.strct.fields[1];
    assert_int_equal(after->u.strct.fields[0].type, CD_TYPE_INT32);
    assert_int_equal(after->u.strct.fields[0].u.i, 1);
    assert_int_equal(after->u.strct.fields[1].u.str.len, 4);
    assert_memory_equal(after->u.strct.fields[1].u.str.ptr, "Anne", 4);
    assert_int_equal(v.u.strct.fields[2].u.strct.fields[8].u.i, 1559033904863123000);

    /* null record -> null value, no schema */
    s = (const cd_schema_t *)1;
    assert_int_equal(cd_converter_to_connect(c, "t", NULL, 0, a, &s, &v, err, sizeof(err)), 0);
    assert_null(s);
    assert_true(v.is_null);

    /* plain JSON is refused */
    assert_int_equal(cd_converter_to_connect(c, "t", "{\"a\":1}", 7, a, &s, &v, err, sizeof(err)), -1);
    assert_string_equal(err,
                        "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not "
                        "contain additional fields. If you are trying to deserialize plain JSON data, set "
                        "schemas.enable=false in your converter configuration.");
    const char *extra = "{\"schema\":null,\"payload\":1,\"x\":2}";
    assert_int_equal(cd_converter_to_connect(c, "t", extra, strlen(extra), a, &s, &v, err, sizeof(err)), -1);
    /* not JSON */
    assert_int_equal(cd_converter_to_connect(c, "t", "{\"schema\":", 10, a, &s, &v, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "Converting byte[] to Kafka Connect data failed due to serialization error"));
    /* a required field missing from the payload */
    const char *missing = "{\"schema\":" KEY_SCHEMA_JSON ",\"payload\":{}}";
    assert_int_equal(cd_converter_to_connect(c, "t", missing, strlen(missing), a, &s, &v, err, sizeof(err)), 0);
    assert_int_equal(v.u.strct.fields[0].u.i, 0); /* its default */
    const char *bad = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int8\",\"optional\":false,\"field\":"
                      "\"n\"}],\"optional\":false},\"payload\":{\"n\":300}}";
    assert_int_equal(cd_converter_to_connect(c, "t", bad, strlen(bad), a, &s, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "Invalid value 300 for INT8: out of range (field n)");
    const char *nul = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":"
                      "\"n\"}],\"optional\":false},\"payload\":{\"n\":null}}";
    assert_int_equal(cd_converter_to_connect(c, "t", nul, strlen(nul), a, &s, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "Invalid null value for required STRING field (field n)");
    const char *notype = "{\"schema\":{\"optional\":false},\"payload\":1}";
    assert_int_equal(cd_converter_to_connect(c, "t", notype, strlen(notype), a, &s, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "Schema must contain 'type' field");
    cd_arena_destroy(a);
    cd_converter_destroy(c);
}

static void test_to_connect_all_types_round_trip(void **state) {
    (void)state;
    /* every type, logical Decimal, defaults, doc, parameters, nested containers */
    const char *all =
        "{\"schema\":{\"type\":\"struct\",\"fields\":["
        "{\"type\":\"boolean\",\"optional\":false,\"field\":\"b\"},"
        "{\"type\":\"int8\",\"optional\":false,\"field\":\"i8\"},"
        "{\"type\":\"int16\",\"optional\":false,\"field\":\"i16\"},"
        "{\"type\":\"int32\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Date\",\"version\":1,"
        "\"field\":\"d\"},"
        "{\"type\":\"int64\",\"optional\":false,\"field\":\"i64\"},"
        "{\"type\":\"float\",\"optional\":false,\"field\":\"f\"},"
        "{\"type\":\"double\",\"optional\":false,\"field\":\"g\"},"
        "{\"type\":\"double\",\"optional\":false,\"field\":\"nan\"},"
        "{\"type\":\"bytes\",\"optional\":false,\"field\":\"raw\"},"
        "{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
        "\"parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"10\"},\"field\":\"dec\"},"
        "{\"type\":\"string\",\"optional\":true,\"doc\":\"a doc\",\"default\":\"dflt\",\"field\":\"s\"},"
        "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"optional\":true},\"optional\":false,\"field\":\"arr\"},"
        "{\"type\":\"map\",\"keys\":{\"type\":\"string\",\"optional\":false},\"values\":{\"type\":\"int64\","
        "\"optional\":false},\"optional\":false,\"field\":\"smap\"},"
        "{\"type\":\"map\",\"keys\":{\"type\":\"int32\",\"optional\":false},\"values\":{\"type\":\"array\",\"items\":"
        "{\"type\":\"boolean\",\"optional\":false},\"optional\":false},\"optional\":true,\"field\":\"imap\"}"
        "],\"optional\":false,\"name\":\"all\",\"version\":3,\"doc\":\"everything\"},"
        "\"payload\":{\"b\":true,\"i8\":-128,\"i16\":-32768,\"d\":19000,\"i64\":-9223372036854775808,\"f\":3.3,"
        "\"g\":1.0E-5,\"nan\":\"NaN\",\"raw\":\"3q2+7wE=\",\"dec\":\"z8c=\",\"s\":\"h\\u00E9\\n\",\"arr\":[\"x\",null],"
        "\"smap\":{\"k1\":1,\"k2\":2},\"imap\":[[1,[true,false]],[2,[]]]}}";
    const char *want =
        "{\"schema\":{\"type\":\"struct\",\"fields\":["
        "{\"type\":\"boolean\",\"optional\":false,\"field\":\"b\"},"
        "{\"type\":\"int8\",\"optional\":false,\"field\":\"i8\"},"
        "{\"type\":\"int16\",\"optional\":false,\"field\":\"i16\"},"
        "{\"type\":\"int32\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Date\",\"version\":1,"
        "\"field\":\"d\"},"
        "{\"type\":\"int64\",\"optional\":false,\"field\":\"i64\"},"
        "{\"type\":\"float\",\"optional\":false,\"field\":\"f\"},"
        "{\"type\":\"double\",\"optional\":false,\"field\":\"g\"},"
        "{\"type\":\"double\",\"optional\":false,\"field\":\"nan\"},"
        "{\"type\":\"bytes\",\"optional\":false,\"field\":\"raw\"},"
        "{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
        "\"parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"10\"},\"field\":\"dec\"},"
        "{\"type\":\"string\",\"optional\":true,\"doc\":\"a doc\",\"default\":\"dflt\",\"field\":\"s\"},"
        "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"optional\":true},\"optional\":false,\"field\":\"arr\"},"
        "{\"type\":\"map\",\"keys\":{\"type\":\"string\",\"optional\":false},\"values\":{\"type\":\"int64\","
        "\"optional\":false},\"optional\":false,\"field\":\"smap\"},"
        "{\"type\":\"map\",\"keys\":{\"type\":\"int32\",\"optional\":false},\"values\":{\"type\":\"array\",\"items\":"
        "{\"type\":\"boolean\",\"optional\":false},\"optional\":false},\"optional\":true,\"field\":\"imap\"}"
        "],\"optional\":false,\"name\":\"all\",\"version\":3,\"doc\":\"everything\"},"
        "\"payload\":{\"b\":true,\"i8\":-128,\"i16\":-32768,\"d\":19000,\"i64\":-9223372036854775808,\"f\":3.3,"
        "\"g\":1.0E-5,\"nan\":\"NaN\",\"raw\":\"3q2+7wE=\",\"dec\":\"z8c=\",\"s\":\"h\xc3\xa9\\n\",\"arr\":[\"x\",null],"
        "\"smap\":{\"k1\":1,\"k2\":2},\"imap\":[[1,[true,false]],[2,[]]]}}";
    cd_converter_t *c = conv(JSON, NULL);
    round_trip(c, all, want);
    cd_converter_destroy(c);

    /* NUMERIC decimals parse back to the schema's scale */
    c = conv(JSON, "decimal.format", "NUMERIC", NULL);
    const char *dec_schema = "{\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect."
                             "data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}},\"payload\":";
    char in[512], out[512];
    const char *nums[][2] = {{"123.45", "123.45"}, {"-123.45", "-123.45"}, {"7", "7.00"},     {"-0.5", "-0.50"},
                             {"1.5E2", "150.00"},  {"12345678901234567.89", "12345678901234567.89"}, {"-1.00", "-1.00"}};
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        snprintf(in, sizeof(in), "%s%s}", dec_schema, nums[i][0]);
        snprintf(out, sizeof(out), "%s%s}", dec_schema, nums[i][1]);
        round_trip(c, in, out);
    }
    cd_arena_t *a = cd_arena_new();
    const cd_schema_t *s;
    cd_value_t v;
    char err[256];
    snprintf(in, sizeof(in), "%s1.234}", dec_schema);
    assert_int_equal(cd_converter_to_connect(c, "t", in, strlen(in), a, &s, &v, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "more fractional digits than the schema's scale 2"));
    cd_arena_destroy(a);
    cd_converter_destroy(c);
}

static void test_to_connect_schemaless(void **state) {
    (void)state;
    cd_converter_t *c = conv(JSON, "schemas.enable", "false", NULL);
    const char *in = "{\"a\":1,\"b\":[1.5,\"x\",true,null,-7],\"c\":{\"d\":null},\"e\":1.0E10}";
    round_trip(c, in, NULL);
    cd_arena_t *a = cd_arena_new();
    const cd_schema_t *s = (const cd_schema_t *)1;
    cd_value_t v;
    char err[256] = "";
    assert_int_equal(cd_converter_to_connect(c, "t", in, strlen(in), a, &s, &v, err, sizeof(err)), 0);
    assert_null(s);
    assert_int_equal(v.type, CD_TYPE_MAP);
    assert_int_equal(v.u.map.n, 4);
    assert_string_equal(v.u.map.keys[1].u.str.ptr, "b");
    const cd_value_t *b = &v.u.map.values[1];
    assert_int_equal(b->type, CD_TYPE_ARRAY);
    assert_int_equal(b->u.array.items[0].type, CD_TYPE_FLOAT64);
    assert_true(b->u.array.items[0].u.f == 1.5);
    assert_int_equal(b->u.array.items[1].type, CD_TYPE_STRING);
    assert_int_equal(b->u.array.items[2].type, CD_TYPE_BOOLEAN);
    assert_true(b->u.array.items[3].is_null);
    assert_int_equal(b->u.array.items[4].type, CD_TYPE_INT64);
    assert_int_equal(b->u.array.items[4].u.i, -7);
    assert_int_equal(v.u.map.values[0].type, CD_TYPE_INT64);

    /* bare values, null */
    assert_int_equal(cd_converter_to_connect(c, "t", "42", 2, a, &s, &v, err, sizeof(err)), 0);
    assert_int_equal(v.type, CD_TYPE_INT64);
    assert_int_equal(v.u.i, 42);
    assert_int_equal(cd_converter_to_connect(c, "t", "null", 4, a, &s, &v, err, sizeof(err)), 0);
    assert_true(v.is_null);
    assert_int_equal(cd_converter_to_connect(c, "t", "\"s\"", 3, a, &s, &v, err, sizeof(err)), 0);
    assert_int_equal(v.type, CD_TYPE_STRING);
    cd_arena_destroy(a);
    round_trip(c, "[1,2.5,\"x\"]", NULL);
    cd_converter_destroy(c);
}

/* ---- StringConverter and ByteArrayConverter ---- */

static void test_string_converter(void **state) {
    (void)state;
    cd_converter_t *c = conv(STRING_CONV, "converter.encoding", "UTF-8", NULL);
    assert_string_equal(cd_converter_class(c), STRING_CONV);
    cd_value_t v = S("h\xc3\xa9llo \"x\"");
    expect_render(c, &s_str, &v, "h\xc3\xa9llo \"x\"");
    expect_render(c, NULL, &v, "h\xc3\xa9llo \"x\"");
    v = I32(-42);
    expect_render(c, &s_i32, &v, "-42");
    v = (cd_value_t){.type = CD_TYPE_FLOAT64, .u.f = 1e10};
    expect_render(c, NULL, &v, "1.0E10");
    v = (cd_value_t){.type = CD_TYPE_FLOAT64, .u.f = NAN};
    expect_render(c, NULL, &v, "NaN");
    v = (cd_value_t){.type = CD_TYPE_FLOAT32, .u.f = 3.3f};
    expect_render(c, NULL, &v, "3.3");
    v = (cd_value_t){.type = CD_TYPE_BOOLEAN, .u.b = false};
    expect_render(c, NULL, &v, "false");
    v = B("\x30\x39");
    expect_render(c, &dec2, &v, "123.45");
    expect_render_error(c, NULL, &v, "StringConverter cannot convert a BYTES value");
    insert_event_t e;
    insert_event(&e);
    expect_render_error(c, &s_key, &e.key, "StringConverter cannot convert a STRUCT value");
    v = S("x");
    expect_render_error(c, &s_i32, &v, "Invalid type for INT32: value of type STRING");

    /* empty string: bytes (none of them), not a null record */
    cd_buf_t b = {0};
    char err[256];
    v = S("");
    assert_int_equal(cd_converter_from_connect(c, "t", &s_str, &v, &b, err, sizeof(err)), 1);
    assert_int_equal(b.len, 0);
    cd_value_t n = cd_null();
    assert_int_equal(cd_converter_from_connect(c, "t", &s_str, &n, &b, err, sizeof(err)), 0);
    cd_buf_free(&b);

    cd_arena_t *a = cd_arena_new();
    const cd_schema_t *s;
    assert_int_equal(cd_converter_to_connect(c, "t", "abc\0def", 7, a, &s, &v, err, sizeof(err)), 0);
    assert_int_equal(s->type, CD_TYPE_STRING);
    assert_true(s->optional);
    assert_int_equal(v.type, CD_TYPE_STRING);
    assert_int_equal(v.u.str.len, 7);
    assert_memory_equal(v.u.str.ptr, "abc\0def", 7);
    assert_int_equal(cd_converter_to_connect(c, "t", NULL, 0, a, &s, &v, err, sizeof(err)), 0);
    assert_true(v.is_null);
    cd_arena_destroy(a);
    cd_converter_destroy(c);

    c = conv("StringConverter", NULL); /* alias */
    assert_string_equal(cd_converter_class(c), STRING_CONV);
    cd_converter_destroy(c);
}

static void test_bytearray_converter(void **state) {
    (void)state;
    static const cd_schema_t s_bytes = {.type = CD_TYPE_BYTES, .optional = true};
    cd_converter_t *c = conv(BYTES_CONV, NULL);
    cd_value_t v = B("\x00\x01\xff");
    cd_buf_t b = {0};
    char err[256] = "";
    assert_int_equal(cd_converter_from_connect(c, "t", &s_bytes, &v, &b, err, sizeof(err)), 1);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "\x00\x01\xff", 3);
    b.len = 0;
    v = S("text");
    assert_int_equal(cd_converter_from_connect(c, "t", NULL, &v, &b, err, sizeof(err)), 1);
    assert_memory_equal(b.data, "text", 4);
    cd_buf_free(&b);
    v = I32(1);
    expect_render_error(c, NULL, &v, "ByteArrayConverter is not compatible with objects of type INT32");
    expect_render_error(c, &s_i32, &v, "Invalid schema type for ByteArrayConverter: INT32");

    cd_arena_t *a = cd_arena_new();
    const cd_schema_t *s;
    assert_int_equal(cd_converter_to_connect(c, "t", "\x00\x01\xff", 3, a, &s, &v, err, sizeof(err)), 0);
    assert_int_equal(s->type, CD_TYPE_BYTES);
    assert_int_equal(v.type, CD_TYPE_BYTES);
    assert_int_equal(v.u.str.len, 3);
    assert_memory_equal(v.u.str.ptr, "\x00\x01\xff", 3);
    assert_int_equal(cd_converter_to_connect(c, "t", NULL, 0, a, &s, &v, err, sizeof(err)), 0);
    assert_true(v.is_null);
    cd_arena_destroy(a);
    cd_converter_destroy(c);
}

/* ---- settings ---- */

static void test_settings_errors(void **state) {
    (void)state;
    conv_fails("com.example.FooConverter", NULL, NULL,
               "Class com.example.FooConverter could not be found. Supported converters: "
               "org.apache.kafka.connect.json.JsonConverter, org.apache.kafka.connect.storage.StringConverter, "
               "org.apache.kafka.connect.converters.ByteArrayConverter");
    conv_fails(JSON, "schemas.enable", "yes",
               "Invalid value yes for configuration schemas.enable: Expected value to be either true or false");
    conv_fails(JSON, "replace.null.with.default", "1",
               "Invalid value 1 for configuration replace.null.with.default: Expected value to be either true or "
               "false");
    conv_fails(JSON, "decimal.format", "HEX",
               "Invalid value HEX for configuration decimal.format: String must be one of (case insensitive): "
               "BASE64, NUMERIC");
    conv_fails(JSON, "schemas.cache.size", "many",
               "Invalid value many for configuration schemas.cache.size: Not a number of type INT");
    conv_fails(STRING_CONV, "converter.encoding", "UTF-16",
               "Invalid value UTF-16 for configuration converter.encoding: only UTF-8 is supported");
    conv_fails(STRING_CONV, "serializer.encoding", "latin1",
               "Invalid value latin1 for configuration serializer.encoding: only UTF-8 is supported");

    /* accepted settings, in Kafka's spellings */
    cd_converter_t *c = conv(JSON, "schemas.enable", " FALSE ", "decimal.format", " base64 ", "schemas.cache.size",
                             "10", "converter.type", "value", "replace.null.with.default", "True", "unknown.key",
                             "x", NULL);
    cd_value_t v = I32(1);
    expect_render(c, &s_i32, &v, "1");
    cd_converter_destroy(c);
    c = conv("JsonConverter", NULL);
    assert_string_equal(cd_converter_class(c), JSON);
    cd_converter_destroy(c);
    char err[64];
    c = cd_converter_new(JSON, NULL, true, err, sizeof(err)); /* no settings at all */
    assert_non_null(c);
    cd_converter_destroy(c);

    size_t n = 0;
    while (cd_converter_classes[n]) n++;
    assert_int_equal(n, 3);
}

/* ---- data.c ---- */

static void test_buf_and_arena(void **state) {
    (void)state;
    cd_buf_t b = {0};
    for (int i = 0; i < 10000; i++) cd_buf_append(&b, "abc", 3);
    assert_int_equal(b.len, 30000);
    assert_true(b.cap >= b.len);
    assert_memory_equal(b.data + 29997, "abc", 3);
    cd_buf_append(&b, NULL, 0);
    cd_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);

    cd_arena_t *a = cd_arena_new();
    for (int round = 0; round < 3; round++) {
        char *first = NULL;
        for (int i = 0; i < 5000; i++) {
            char *p = cd_arena_alloc(a, (size_t)(i % 37) + 1);
            assert_int_equal((uintptr_t)p % 8, 0);
            memset(p, 0xab, (size_t)(i % 37) + 1);
            if (!first) first = p;
        }
        char *big = cd_arena_alloc(a, 1 << 20); /* larger than a chunk */
        memset(big, 1, 1 << 20);
        char *s = cd_arena_strndup(a, "hello world", 5);
        assert_string_equal(s, "hello");
        assert_int_equal((unsigned char)first[0], 0xab); /* earlier allocations stay valid */
        cd_arena_reset(a);
    }
    assert_non_null(cd_arena_alloc(a, 0));
    cd_arena_destroy(a);
    cd_arena_destroy(NULL);

    uint64_t id1 = cd_schema_next_cache_id(), id2 = cd_schema_next_cache_id();
    assert_true(id1 > 0);
    assert_true(id2 > id1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debezium_envelope_with_schemas),
        cmocka_unit_test(test_debezium_envelope_without_schemas),
        cmocka_unit_test(test_replace_null_with_default_false),
        cmocka_unit_test(test_null_value_is_null_record),
        cmocka_unit_test(test_schemaless_value_with_schemas_enabled),
        cmocka_unit_test(test_java_double_format),
        cmocka_unit_test(test_json_numbers_and_non_finite),
        cmocka_unit_test(test_bytes_base64),
        cmocka_unit_test(test_decimal_base64_and_numeric),
        cmocka_unit_test(test_string_escaping),
        cmocka_unit_test(test_string_and_int_fast_paths),
        cmocka_unit_test(test_maps_and_arrays),
        cmocka_unit_test(test_type_mismatch_errors),
        cmocka_unit_test(test_schema_cache),
        cmocka_unit_test(test_to_connect_with_schemas),
        cmocka_unit_test(test_to_connect_all_types_round_trip),
        cmocka_unit_test(test_to_connect_schemaless),
        cmocka_unit_test(test_string_converter),
        cmocka_unit_test(test_bytearray_converter),
        cmocka_unit_test(test_settings_errors),
        cmocka_unit_test(test_buf_and_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
