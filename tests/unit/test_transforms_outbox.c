/* test_transforms_outbox.c - Debezium's outbox event router on change events of an outbox table
 * built by hand: the default routing, key, headers and timestamp; updates under each
 * table.op.invalid.behavior, deletes, tombstones and records that are not change events;
 * additional fields in headers, the envelope and the partition; the JSON payload expansion
 * (nested objects, arrays, nulls, what fails); regex routing, tombstones on empty payloads,
 * versioned schemas, the value schema cache; and what configure() refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "connect/converter.h"
#include "connect/transforms.h"

#define ER "io.debezium.transforms.outbox.EventRouter"

static cd_xf_chain_t *chain_or_error(const char *const *kv, char *err, size_t err_size) {
    cd_props_t *p = cd_props_new();
    cd_props_set(p, "transforms", "o");
    cd_props_set(p, "transforms.o.type", ER);
    for (; kv && kv[0]; kv += 2) cd_props_set(p, kv[0], kv[1]);
    cd_xf_chain_t *c = NULL;
    err[0] = '\0';
    int rc = cd_xf_chain_new(p, &c, err, err_size);
    cd_props_destroy(p);
    return rc ? NULL : c;
}

static cd_xf_chain_t *chain(const char *const *kv) {
    char err[1024];
    cd_xf_chain_t *c = chain_or_error(kv, err, sizeof(err));
    if (!c) fail_msg("chain refused: %s", err);
    return c;
}

/* the outbox row: id (uuid string), aggregatetype, aggregateid, type, payload (io.debezium.data.Json),
 * ts (MicroTimestamp), part (int32), ver (int32) */
static const cd_schema_t STR = {.type = CD_TYPE_STRING};
static const cd_schema_t OPT_STR = {.type = CD_TYPE_STRING, .optional = true};
static const cd_schema_t UUID = {.type = CD_TYPE_STRING, .name = "io.debezium.data.Uuid", .version = 1};
static const cd_schema_t JSON = {.type = CD_TYPE_STRING, .optional = true, .name = "io.debezium.data.Json", .version = 1};
static const cd_schema_t MICRO = {.type = CD_TYPE_INT64, .optional = true, .name = "io.debezium.time.MicroTimestamp",
                                  .version = 1};
static const cd_schema_t OPT_I32 = {.type = CD_TYPE_INT32, .optional = true};
static const cd_schema_t OPT_I64 = {.type = CD_TYPE_INT64, .optional = true};
static const cd_field_t ROW_FIELDS[] = {{"id", &UUID},        {"aggregatetype", &STR}, {"aggregateid", &OPT_STR},
                                        {"type", &STR},       {"payload", &JSON},      {"ts", &MICRO},
                                        {"part", &OPT_I32},   {"ver", &OPT_I32}};
static const cd_schema_t ROW = {.type = CD_TYPE_STRUCT, .optional = true, .name = "srv.public.outbox.Value",
                                .fields = ROW_FIELDS, .n_fields = 8};
static const cd_field_t ENV_FIELDS[] = {{"before", &ROW}, {"after", &ROW}, {"op", &STR}, {"ts_ms", &OPT_I64}};
static const cd_schema_t ENV = {.type = CD_TYPE_STRUCT, .name = "srv.public.outbox.Envelope", .version = 2,
                                .fields = ENV_FIELDS, .n_fields = 4};
static const cd_field_t KEY_FIELDS[] = {{"id", &UUID}};
static const cd_schema_t KEY = {.type = CD_TYPE_STRUCT, .name = "srv.public.outbox.Key", .fields = KEY_FIELDS,
                                .n_fields = 1};

static cd_value_t row_f[8], env_f[4], key_f[1], row_v, env_v, key_v;
static const cd_header_t IN_HEADERS[] = {{"h0", "v0", 2}};

static cd_xf_record_t event(const char *op, const char *agg, const char *payload) {
    row_f[0] = cd_string("4d47e190", 8);
    row_f[1] = agg ? cd_string(agg, strlen(agg)) : cd_null();
    row_f[2] = cd_string("42", 2);
    row_f[3] = cd_string("Created", 7);
    row_f[4] = payload ? cd_string(payload, strlen(payload)) : cd_null();
    row_f[5] = cd_int(CD_TYPE_INT64, 1700000000123456);
    row_f[6] = cd_int(CD_TYPE_INT32, 0);
    row_f[7] = cd_int(CD_TYPE_INT32, 3);
    row_v = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {row_f, 8}};
    bool before = !strcmp(op, "u") || !strcmp(op, "d"), after = strcmp(op, "d") != 0;
    env_f[0] = before ? row_v : cd_null();
    env_f[1] = after ? row_v : cd_null();
    env_f[2] = cd_string(op, 1);
    env_f[3] = cd_int(CD_TYPE_INT64, 99);
    env_v = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {env_f, 4}};
    key_f[0] = row_f[0];
    key_v = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {key_f, 1}};
    return (cd_xf_record_t){.topic = "srv.public.outbox", .kafka_partition = -1, .kafka_offset = -1,
                            .timestamp_ms = -1, .key_schema = &KEY, .key = &key_v, .value_schema = &ENV,
                            .value = &env_v, .headers = IN_HEADERS, .n_headers = 1};
}

/* The record's value as JsonConverter (schemas.enable) writes it. */
static char *json(const cd_schema_t *s, const cd_value_t *v) {
    char err[512];
    cd_props_t *p = cd_props_new();
    cd_converter_t *c = cd_converter_new("org.apache.kafka.connect.json.JsonConverter", p, false, err, sizeof(err));
    cd_props_destroy(p);
    assert_non_null(c);
    cd_buf_t b = {0};
    assert_true(cd_converter_from_connect(c, "t", s, v, &b, err, sizeof(err)) >= 0);
    cd_converter_destroy(c);
    char *out = strndup(b.data ? b.data : "", b.len);
    cd_buf_free(&b);
    return out;
}

static void assert_json(const cd_schema_t *s, const cd_value_t *v, const char *want) {
    char *got = json(s, v);
    if (strcmp(got, want)) fail_msg("got  %s\nwant %s", got, want);
    free(got);
}

static void assert_header(const cd_xf_record_t *r, size_t i, const char *key, const char *value) {
    assert_true(i < r->n_headers);
    assert_string_equal(r->headers[i].key, key);
    if (!value) {
        assert_null(r->headers[i].value);
        return;
    }
    assert_int_equal(r->headers[i].value_len, strlen(value));
    assert_memory_equal(r->headers[i].value, value, strlen(value));
}

static int run(cd_xf_chain_t *c, cd_xf_record_t *r, cd_arena_t *a, char *err) {
    return cd_xf_chain_apply(c, r, a, err, 1024);
}

static void test_defaults(void **state) {
    (void)state;
    cd_xf_chain_t *c = chain(NULL);
    cd_arena_t *a = cd_arena_new();
    char err[1024];
    cd_xf_record_t r = event("c", "Order", "{\"a\": 1}");
    assert_int_equal(run(c, &r, a, err), 0);
    assert_string_equal(r.topic, "outbox.event.Order");
    assert_int_equal(r.kafka_partition, -1);
    assert_int_equal(r.timestamp_ms, 99); /* the envelope's ts_ms */
    assert_json(r.key_schema, r.key, "{\"schema\":{\"type\":\"string\",\"optional\":true},\"payload\":\"42\"}");
    assert_json(r.value_schema, r.value,
                "{\"schema\":{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Json\",\"version\":1},"
                "\"payload\":\"{\\\"a\\\": 1}\"}");
    assert_int_equal(r.n_headers, 2);
    assert_header(&r, 0, "h0", "v0");
    assert_header(&r, 1, "id", "4d47e190");
    /* a snapshot read is an event too */
    r = event("r", "Order", "x");
    assert_int_equal(run(c, &r, a, err), 0);
    assert_string_equal(r.topic, "outbox.event.Order");
    cd_arena_destroy(a);
    cd_xf_chain_destroy(c);
}

static void test_updates_deletes_tombstones_others(void **state) {
    (void)state;
    cd_arena_t *a = cd_arena_new();
    char err[1024];
    for (int b = 0; b < 2; b++) {
        static const char *const warn[] = {"transforms.o.table.op.invalid.behavior", "warn", NULL};
        static const char *const error[] = {"transforms.o.table.op.invalid.behavior", " ERROR ", NULL};
        cd_xf_chain_t *c = chain(b ? error : warn);
        cd_xf_record_t r = event("u", "Order", "p");
        assert_int_equal(run(c, &r, a, err), 1);
        r = event("d", "Order", "p");
        assert_int_equal(run(c, &r, a, err), 1);
        r = event("c", "Order", "p");
        r.value = NULL;
        assert_int_equal(run(c, &r, a, err), 1);
        /* not a change event: unchanged */
        static const cd_schema_t HB = {.type = CD_TYPE_STRING, .name = "io.debezium.connector.common.Heartbeat"};
        cd_value_t hv = cd_string("x", 1);
        r = event("c", "Order", "p");
        r.value_schema = &HB, r.value = &hv;
        assert_int_equal(run(c, &r, a, err), 0);
        assert_string_equal(r.topic, "srv.public.outbox");
        cd_xf_chain_destroy(c);
    }
    static const char *const fatal[] = {"transforms.o.table.op.invalid.behavior", "fatal", NULL};
    cd_xf_chain_t *c = chain(fatal);
    cd_xf_record_t r = event("u", "Order", "p");
    assert_int_equal(run(c, &r, a, err), -1);
    assert_string_equal(err, "java.lang.IllegalStateException: Unexpected update message received Struct{id=4d47e190}, fail.");
    cd_xf_chain_destroy(c);
    cd_arena_destroy(a);
}

static void test_additional_fields(void **state) {
    (void)state;
    static const char *const kv[] = {
        "transforms.o.table.fields.additional.placement", "type:header:eventType, type:envelope:t,part:partition,"
                                                           "ts:header,nope:header",
        "transforms.o.table.fields.additional.error.on.missing", "false", "transforms.o.table.field.event.timestamp",
        "ts", NULL};
    cd_xf_chain_t *c = chain(kv);
    cd_arena_t *a = cd_arena_new();
    char err[1024];
    cd_xf_record_t r = event("c", "Order", "p");
    assert_int_equal(run(c, &r, a, err), 0);
    assert_int_equal(r.kafka_partition, 0);
    assert_int_equal(r.timestamp_ms, 1700000000123); /* the MicroTimestamp column, in ms */
    assert_int_equal(r.n_headers, 4);
    assert_header(&r, 1, "id", "4d47e190");
    assert_header(&r, 2, "eventType", "Created");
    assert_header(&r, 3, "ts", "1700000000123456");
    assert_json(r.value_schema, r.value,
                "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":true,\"name\":"
                "\"io.debezium.data.Json\",\"version\":1,\"field\":\"payload\"},{\"type\":\"string\",\"optional\":"
                "false,\"field\":\"t\"}],\"optional\":false,\"name\":\"srv.public.outbox.Order.Value\"},"
                "\"payload\":{\"payload\":\"p\",\"t\":\"Created\"}}");
    /* the value schema is cached by payload schema: the first routed value names it */
    r = event("c", "Customer", "q");
    assert_int_equal(run(c, &r, a, err), 0);
    assert_string_equal(r.topic, "outbox.event.Customer");
    assert_string_equal(r.value_schema->name, "srv.public.outbox.Order.Value");
    assert_true(r.value_schema->cache_id != 0);
    cd_xf_chain_destroy(c);

    /* a missing field fails by default */
    static const char *const missing[] = {"transforms.o.table.fields.additional.placement", "nope:header", NULL};
    c = chain(missing);
    r = event("c", "Order", "p");
    assert_int_equal(run(c, &r, a, err), -1);
    assert_string_equal(err, "nope is not a valid field name");
    cd_xf_chain_destroy(c);
    /* an envelope field missing fails building the schema, whatever error.on.missing says */
    static const char *const env_missing[] = {"transforms.o.table.fields.additional.placement", "nope:envelope",
                                              "transforms.o.table.fields.additional.error.on.missing", "false", NULL};
    c = chain(env_missing);
    r = event("c", "Order", "p");
    assert_int_equal(run(c, &r, a, err), -1);
    assert_non_null(strstr(err, "because the return value of \"org.apache.kafka.connect.data.Schema.field(String)\" is null"));
    cd_xf_chain_destroy(c);
    /* a placement parse() does not know fails at the record */
    static const char *const unknown[] = {"transforms.o.table.fields.additional.placement", "type:body", NULL};
    c = chain(unknown);
    r = event("c", "Order", "p");
    assert_int_equal(run(c, &r, a, err), -1);
    assert_non_null(strstr(err, "AdditionalField.getPlacement()\\\" is null") ? err : strstr(err, "getPlacement()"));
    cd_xf_chain_destroy(c);
    /* partition from a column that is not INT32 */
    static const char *const bad_part[] = {"transforms.o.table.fields.additional.placement", "type:partition", NULL};
    c = chain(bad_part);
    r = event("c", "Order", "p");
    assert_int_equal(run(c, &r, a, err), -1);
    assert_string_equal(err, "Field 'type' is not of type INT32");
    cd_xf_chain_destroy(c);
    cd_arena_destroy(a);
}

static void expand(const char *const *extra, const char *payload, int want_rc, const char *want) {
    const char *kv[16] = {"transforms.o.table.expand.json.payload", "true"};
    size_t n = 2;
    for (; extra && extra[0]; extra += 2) kv[n++] = extra[0], kv[n++] = extra[1];
    kv[n] = NULL;
    cd_xf_chain_t *c = chain(kv);
    cd_arena_t *a = cd_arena_new();
    char err[1024];
    cd_xf_record_t r = event("c", "Order", payload);
    int rc = run(c, &r, a, err);
    if (rc != want_rc) fail_msg("rc %d (%s) for %s", rc, err, payload);
    if (rc == 0) assert_json(r.value_schema, r.value, want);
    else assert_string_equal(err, want);
    cd_arena_destroy(a);
    cd_xf_chain_destroy(c);
}

static void test_expand_json(void **state) {
    (void)state;
    /* nested objects, an array of objects (one shape), numbers of each kind; nulls ignored */
    expand(NULL, "{\"o\": {\"n\": null, \"d\": 1.5e0, \"l\": 3000000000, \"s\": \"x\"}, \"a\": [{\"k\": 1}, null, "
                 "{\"k\": 2}], \"e\": [], \"b\": true, \"a2\": [[1, null], [2]], \"a\": [{\"k\": 3}]} trailing",
           0,
           "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":[{\"type\":\"double\","
           "\"optional\":true,\"field\":\"d\"},{\"type\":\"int64\",\"optional\":true,\"field\":\"l\"},{\"type\":"
           "\"string\",\"optional\":true,\"field\":\"s\"}],\"optional\":true,\"name\":\"payload.o\",\"field\":\"o\"},"
           "{\"type\":\"array\",\"items\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":true,"
           "\"field\":\"k\"}],\"optional\":true,\"name\":\"payload.a\"},\"optional\":true,\"field\":\"a\"},{\"type\":"
           "\"boolean\",\"optional\":true,\"field\":\"b\"},{\"type\":\"array\",\"items\":{\"type\":\"array\","
           "\"items\":{\"type\":\"int32\",\"optional\":true},\"optional\":true},\"optional\":true,\"field\":\"a2\"}],"
           "\"optional\":true,\"name\":\"payload\"},\"payload\":{\"o\":{\"d\":1.5,\"l\":3000000000,\"s\":\"x\"},"
           "\"a\":[{\"k\":3}],\"b\":true,\"a2\":[[1,null],[2]]}}");
    /* optional_bytes keeps nulls; objects of two shapes in an array merge (a required struct) */
    static const char *const ob[] = {"transforms.o.table.json.payload.null.behavior", "optional_bytes", NULL};
    expand(ob, "{\"n\": null, \"a\": [{\"k\": null}, {\"k\": 1, \"j\": \"y\"}]}", 0,
           "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"bytes\",\"optional\":true,\"field\":\"n\"},"
           "{\"type\":\"array\",\"items\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":true,"
           "\"field\":\"k\"},{\"type\":\"string\",\"optional\":true,\"field\":\"j\"}],\"optional\":false,\"name\":"
           "\"payload.a\"},\"optional\":true,\"field\":\"a\"}],\"optional\":true,\"name\":\"payload\"},\"payload\":"
           "{\"n\":null,\"a\":[{\"k\":null,\"j\":null},{\"k\":1,\"j\":\"y\"}]}}");
    /* not JSON, bad JSON, mixed arrays: the payload stays as it is */
    const char *str_payload = "{\"schema\":{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Json\","
                              "\"version\":1},\"payload\":\"%s\"}";
    const char *unchanged[] = {"not json", " {\\\"a\\\":1}", "{\\\"a\\\":1,}", "{\\\"a\\\":[1,\\\"x\\\"]}",
                               "{\\\"a\\\":[1,3000000000]}", "{\\\"a\\\":01}", "{\\\"\\\":1}"};
    const char *raw[] = {"not json", " {\"a\":1}", "{\"a\":1,}", "{\"a\":[1,\"x\"]}", "{\"a\":[1,3000000000]}",
                         "{\"a\":01}", "{\"\":1}"};
    for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
        char want[512];
        snprintf(want, sizeof(want), str_payload, unchanged[i]);
        expand(NULL, raw[i], 0, want);
    }
    /* "[]" has no schema: the string stays, schemaless */
    expand(NULL, "[]", 0, "{\"schema\":null,\"payload\":\"[]\"}");
    /* a schema but no value (a big integer, a top-level array): JsonConverter refuses the string */
    expand(NULL, "{\"a\": 123456789012345678901234567890}", -1, "Invalid type for STRUCT: class java.lang.String");
    expand(NULL, "[1, 2]", -1, "Invalid type for ARRAY: class java.lang.String");
    static const char *const env[] = {"transforms.o.table.fields.additional.placement", "type:envelope", NULL};
    expand(env, "[1, 2]", -1,
           "Invalid Java object for schema with type ARRAY: class java.lang.String for field: \"payload\"");
    expand(env, "[]", -1, "java.lang.NullPointerException: Cannot invoke \"Object.hashCode()\" because \"key\" is null");
    /* deeper than Jackson allows: unchanged */
    char deep[2100];
    memset(deep, '[', 1001);
    memset(deep + 1001, ']', 1001);
    deep[2002] = '\0';
    cd_xf_chain_t *c = chain((const char *const[]){"transforms.o.table.expand.json.payload", "true", NULL});
    cd_arena_t *a = cd_arena_new();
    char err[1024];
    cd_xf_record_t r = event("c", "Order", deep);
    assert_int_equal(run(c, &r, a, err), 0);
    assert_ptr_equal(r.value_schema, &JSON);
    cd_arena_destroy(a);
    cd_xf_chain_destroy(c);
    /* field.name.adjustment.mode: only none */
    char e2[1024];
    assert_null(chain_or_error((const char *const[]){"transforms.o.table.expand.json.payload", "true",
                                                     "transforms.o.field.name.adjustment.mode", "avro", NULL},
                               e2, sizeof(e2)));
    assert_non_null(strstr(e2, "connectd does not implement field.name.adjustment.mode=avro"));
    assert_null(chain_or_error((const char *const[]){"transforms.o.table.expand.json.payload", "true",
                                                     "transforms.o.field.name.adjustment.mode", "bogus", NULL},
                               e2, sizeof(e2)));
    assert_string_equal(e2, "java.lang.NullPointerException: Cannot invoke \"io.debezium.config.CommonConnectorConfig$"
                            "FieldNameAdjustmentMode.createAdjuster()\" because \"fieldNameAdjustmentMode\" is null");
}

static void test_routing_tombstones_versions(void **state) {
    (void)state;
    static const char *const kv[] = {"transforms.o.route.by.field", "type",
                                     "transforms.o.route.topic.regex", "(?<t>Cre)ated",
                                     "transforms.o.route.topic.replacement", "ev.${t}",
                                     "transforms.o.route.tombstone.on.empty.payload", "true",
                                     "transforms.o.table.field.event.key", "type", NULL};
    cd_xf_chain_t *c = chain(kv);
    cd_arena_t *a = cd_arena_new();
    char err[1024];
    cd_xf_record_t r = event("c", "Order", " \t");
    assert_int_equal(run(c, &r, a, err), 0);
    assert_string_equal(r.topic, "ev.Cre");
    assert_null(r.value);
    assert_null(r.value_schema);
    assert_json(r.key_schema, r.key, "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"Created\"}");
    r = event("c", "Order", NULL);
    assert_int_equal(run(c, &r, a, err), 0);
    assert_null(r.value);
    cd_xf_chain_destroy(c);
    /* a null routing value fails in RegexRouter */
    c = chain(NULL);
    r = event("c", NULL, "p");
    assert_int_equal(run(c, &r, a, err), -1);
    assert_string_equal(err, "java.lang.NullPointerException: Cannot invoke \"java.lang.CharSequence.length()\" "
                             "because \"this.text\" is null");
    cd_xf_chain_destroy(c);
    /* versioned schemas: one per version, the first routed value names it */
    static const char *const ver[] = {"transforms.o.table.field.event.schema.version", "ver",
                                      "transforms.o.table.fields.additional.placement", "aggregatetype:envelope:at",
                                      NULL};
    c = chain(ver);
    r = event("c", "Order", "p");
    assert_int_equal(run(c, &r, a, err), 0);
    assert_int_equal(r.value_schema->version, 3);
    assert_string_equal(r.value_schema->name, "srv.public.outbox.Order.Value");
    const cd_schema_t *first = r.value_schema;
    r = event("c", "Other", "p");
    assert_int_equal(run(c, &r, a, err), 0);
    assert_ptr_equal(r.value_schema, first);
    cd_xf_chain_destroy(c);
    cd_arena_destroy(a);
}

static void test_configure_refusals(void **state) {
    (void)state;
    char err[1024];
    struct {
        const char *key, *value, *want;
    } cases[] = {
        {"transforms.o.table.op.invalid.behavior", "loud",
         "org.apache.kafka.common.config.ConfigException: Invalid value loud for configuration table.op.invalid."
         "behavior: The 'table.op.invalid.behavior' value is invalid: Value must be one of warn, error, fatal"},
        {"transforms.o.table.json.payload.null.behavior", "keep",
         "org.apache.kafka.common.config.ConfigException: Invalid value keep for configuration table.json.payload."
         "null.behavior: The 'table.json.payload.null.behavior' value is invalid: Value must be one of "
         "ignore, optional_bytes"},
        {"transforms.o.table.fields.additional.placement", "a:header,b",
         "org.apache.kafka.common.config.ConfigException: Invalid value a:header,b for configuration table.fields."
         "additional.placement: The 'table.fields.additional.placement' value is invalid: A comma-separated list of "
         "valid String pairs or trios is expected but got: [a:header, b]"},
        {"transforms.o.route.tombstone.on.empty.payload", "yes",
         "org.apache.kafka.common.config.ConfigException: Invalid value yes for configuration route.tombstone.on."
         "empty.payload: The 'route.tombstone.on.empty.payload' value is invalid: Either 'true' or 'false' is "
         "expected"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *kv[] = {cases[i].key, cases[i].value, NULL};
        assert_null(chain_or_error(kv, err, sizeof(err)));
        assert_string_equal(err, cases[i].want);
    }
    const char *kv[] = {"transforms.o.route.topic.regex", "(unclosed", NULL};
    assert_null(chain_or_error(kv, err, sizeof(err)));
    assert_non_null(strstr(err, "The 'route.topic.regex' value is invalid: A valid regular expressions is expected, "
                                "but Unclosed group near index 9"));
    /* the tracing options only act with OpenTelemetry, which Debezium's connector does not ship */
    const char *tr[] = {"transforms.o.tracing.with.context.field.only", "true", NULL};
    cd_xf_chain_t *c = chain(tr);
    cd_xf_chain_destroy(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_updates_deletes_tombstones_others),
        cmocka_unit_test(test_additional_fields),
        cmocka_unit_test(test_expand_json),
        cmocka_unit_test(test_routing_tombstones_versions),
        cmocka_unit_test(test_configure_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
