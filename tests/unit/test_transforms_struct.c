/* test_transforms_struct.c - ExtractField, Flatten, ValueToKey, SetSchemaMetadata, HeaderFrom and
 * InsertHeader on records built by hand (with and without schemas), their exception texts and the
 * configs they refuse; and Values' header text (convertToString, parseString) on cases whose
 * results were taken from Kafka 4.1.1's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "connect/transforms.h"
#include "connect/values.h"

#define T "org.apache.kafka.connect.transforms."

static cd_xf_chain_t *chain(const char *const *kv) {
    cd_props_t *p = cd_props_new();
    for (; kv[0]; kv += 2) cd_props_set(p, kv[0], kv[1]);
    cd_xf_chain_t *c = NULL;
    char err[1024] = "";
    int rc = cd_xf_chain_new(p, &c, err, sizeof(err));
    cd_props_destroy(p);
    if (rc) fail_msg("chain refused: %s", err);
    return c;
}

static void refused(const char *const *kv, const char *expected) {
    cd_props_t *p = cd_props_new();
    for (; kv[0]; kv += 2) cd_props_set(p, kv[0], kv[1]);
    cd_xf_chain_t *c = NULL;
    char err[1024] = "";
    int rc = cd_xf_chain_new(p, &c, err, sizeof(err));
    cd_props_destroy(p);
    cd_xf_chain_destroy(c);
    assert_int_equal(rc, -1);
    assert_string_equal(err, expected);
}

/* One transformation of the given type and options, applied to rec: its result code. */
static int apply1(const char *type, const char *const *opts, cd_xf_record_t *rec, cd_arena_t *a, char *err,
                  size_t err_size) {
    const char *kv[32] = {"transforms", "x", "transforms.x.type", type};
    size_t n = 4;
    char keys[12][128];
    for (size_t i = 0; opts && opts[i]; i += 2, n += 2) {
        snprintf(keys[i / 2], sizeof(keys[0]), "transforms.x.%s", opts[i]);
        kv[n] = keys[i / 2];
        kv[n + 1] = opts[i + 1];
    }
    kv[n] = NULL;
    cd_xf_chain_t *c = chain(kv);
    int r = cd_xf_chain_apply(c, rec, a, err, err_size);
    cd_xf_chain_destroy(c);
    return r;
}

static bool str_is(const cd_value_t *v, const char *s) {
    return v && !v->is_null && v->u.str.len == strlen(s) && !memcmp(v->u.str.ptr, s, v->u.str.len);
}

/* row { id int32, name optional string default "anon", addr optional struct addr { city string,
 * zip optional int32 default 1000 }, tags array<string> } */
static const cd_value_t ANON = {.type = CD_TYPE_STRING, .u.str = {"anon", 4}};
static const cd_value_t ZIP_DEFAULT = {.type = CD_TYPE_INT32, .u.i = 1000};
static const cd_schema_t INT32 = {.type = CD_TYPE_INT32};
static const cd_schema_t STR = {.type = CD_TYPE_STRING};
static const cd_schema_t OPT_NAME = {.type = CD_TYPE_STRING, .optional = true, .default_value = &ANON};
static const cd_schema_t ZIP = {.type = CD_TYPE_INT32, .optional = true, .default_value = &ZIP_DEFAULT};
static const cd_field_t ADDR_FIELDS[] = {{"city", &STR}, {"zip", &ZIP}};
static const cd_schema_t ADDR = {.type = CD_TYPE_STRUCT, .name = "addr", .optional = true, .fields = ADDR_FIELDS,
                                 .n_fields = 2};
static const cd_schema_t TAGS = {.type = CD_TYPE_ARRAY, .value_schema = &STR};
static const cd_field_t ROW_FIELDS[] = {{"id", &INT32}, {"name", &OPT_NAME}, {"addr", &ADDR}, {"tags", &TAGS}};
static const cd_schema_t ROW = {.type = CD_TYPE_STRUCT, .name = "row", .version = 2, .fields = ROW_FIELDS,
                                .n_fields = 4, .cache_id = 0};

static cd_value_t addr_fields[2], addr_value, tag_items[2], row_fields[4], row_value;

static cd_xf_record_t row_record(bool with_addr) {
    addr_fields[0] = cd_string("Oslo", 4);
    addr_fields[1] = cd_null();
    addr_value = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {addr_fields, 2}};
    tag_items[0] = cd_string("a", 1);
    tag_items[1] = cd_string("b\"c", 3);
    row_fields[0] = cd_int(CD_TYPE_INT32, 7);
    row_fields[1] = cd_null();
    row_fields[2] = with_addr ? addr_value : cd_null();
    row_fields[3] = (cd_value_t){.type = CD_TYPE_ARRAY, .u.array = {tag_items, 2}};
    row_value = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {row_fields, 4}};
    return (cd_xf_record_t){.topic = "t", .kafka_partition = -1, .kafka_offset = -1, .timestamp_ms = -1,
                            .value_schema = &ROW, .value = &row_value};
}

/* a schemaless map {"a": 1, "m": {"x": "y", "z": null}, "s": "str"} */
static cd_value_t inner_keys[2], inner_vals[2], inner_map, map_keys[3], map_vals[3], map_value;

static cd_xf_record_t map_record(void) {
    inner_keys[0] = cd_string("x", 1), inner_vals[0] = cd_string("y", 1);
    inner_keys[1] = cd_string("z", 1), inner_vals[1] = cd_null();
    inner_map = (cd_value_t){.type = CD_TYPE_MAP, .u.map = {inner_keys, inner_vals, 2}};
    map_keys[0] = cd_string("a", 1), map_vals[0] = cd_int(CD_TYPE_INT64, 1);
    map_keys[1] = cd_string("m", 1), map_vals[1] = inner_map;
    map_keys[2] = cd_string("s", 1), map_vals[2] = cd_string("str", 3);
    map_value = (cd_value_t){.type = CD_TYPE_MAP, .u.map = {map_keys, map_vals, 3}};
    return (cd_xf_record_t){.topic = "t", .kafka_partition = -1, .kafka_offset = -1, .timestamp_ms = -1,
                            .value = &map_value};
}

/* ---- ExtractField ---------------------------------------------------------------------------- */

static void test_extract_field(void **state) {
    (void)state;
    cd_arena_t *a = cd_arena_new();
    char err[512];
    cd_xf_record_t r = row_record(true);
    /* V1: a top-level field; a null replaced by its default, or not */
    assert_int_equal(apply1(T "ExtractField$Value", (const char *[]){"field", "name", NULL}, &r, a, err, sizeof(err)), 0);
    assert_ptr_equal(r.value_schema, &OPT_NAME);
    assert_true(str_is(r.value, "anon"));
    r = row_record(true);
    assert_int_equal(apply1(T "ExtractField$Value",
                            (const char *[]){"field", "name", "replace.null.with.default", "false", NULL}, &r, a, err,
                            sizeof(err)),
                     0);
    assert_ptr_equal(r.value_schema, &OPT_NAME);
    assert_null(r.value);
    /* V1 takes the dotted name as it is */
    r = row_record(true);
    assert_int_equal(apply1(T "ExtractField$Value", (const char *[]){"field", "addr.city", NULL}, &r, a, err,
                            sizeof(err)),
                     -1);
    assert_string_equal(err, "Unknown field: addr.city");
    /* V2: nested, any case for the version */
    r = row_record(true);
    assert_int_equal(apply1(T "ExtractField$Value",
                            (const char *[]){"field", "addr.zip", "field.syntax.version", "v2", NULL}, &r, a, err,
                            sizeof(err)),
                     0);
    assert_ptr_equal(r.value_schema, &ZIP);
    assert_int_equal(r.value->u.i, 1000);
    /* a null parent: the field's schema, a null value */
    r = row_record(false);
    assert_int_equal(apply1(T "ExtractField$Value",
                            (const char *[]){"field", "addr.city", "field.syntax.version", "V2", NULL}, &r, a, err,
                            sizeof(err)),
                     0);
    assert_ptr_equal(r.value_schema, &STR);
    assert_null(r.value);
    /* through a non-struct */
    r = row_record(true);
    assert_int_equal(apply1(T "ExtractField$Value",
                            (const char *[]){"field", "id.x", "field.syntax.version", "V2", NULL}, &r, a, err,
                            sizeof(err)),
                     -1);
    assert_string_equal(err, "Cannot look up fields on non-struct type");
    /* a tombstone with a schema keeps going, without a value */
    r = row_record(true);
    r.value = NULL;
    assert_int_equal(apply1(T "ExtractField$Value", (const char *[]){"field", "id", NULL}, &r, a, err, sizeof(err)), 0);
    assert_ptr_equal(r.value_schema, &INT32);
    assert_null(r.value);
    /* schemaless, nested, a missing step, a non-map step */
    r = map_record();
    assert_int_equal(apply1(T "ExtractField$Value", (const char *[]){"field", "m.x", "field.syntax.version", "V2", NULL},
                            &r, a, err, sizeof(err)),
                     0);
    assert_null(r.value_schema);
    assert_true(str_is(r.value, "y"));
    r = map_record();
    assert_int_equal(apply1(T "ExtractField$Value", (const char *[]){"field", "q.x", "field.syntax.version", "V2", NULL},
                            &r, a, err, sizeof(err)),
                     0);
    assert_null(r.value);
    r = map_record();
    assert_int_equal(apply1(T "ExtractField$Value", (const char *[]){"field", "s.x", "field.syntax.version", "V2", NULL},
                            &r, a, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "Only Map objects supported in absence of schema for [nested field access], found: "
                             "java.lang.String");
    /* the key side, and a string value */
    cd_value_t k = cd_string("k", 1);
    r = (cd_xf_record_t){.topic = "t", .kafka_partition = -1, .timestamp_ms = -1, .key_schema = &STR, .key = &k};
    assert_int_equal(apply1(T "ExtractField$Key", (const char *[]){"field", "f", NULL}, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "Only Struct objects supported for [field extraction], found: java.lang.String");
    cd_arena_destroy(a);
}

static void test_extract_field_paths(void **state) {
    (void)state;
    /* backticks wrap names with dots; an escaped backtick stays in the name */
    static const cd_schema_t LEAF = {.type = CD_TYPE_INT64};
    static const cd_field_t IN[] = {{"b`.c", &LEAF}};
    static const cd_schema_t INNER = {.type = CD_TYPE_STRUCT, .fields = IN, .n_fields = 1};
    static const cd_field_t OUT[] = {{"a.x", &INNER}};
    static const cd_schema_t OUTER = {.type = CD_TYPE_STRUCT, .fields = OUT, .n_fields = 1};
    cd_value_t leaf = cd_int(CD_TYPE_INT64, 42), inner = {.type = CD_TYPE_STRUCT, .u.strct = {&leaf, 1}};
    cd_value_t outer = {.type = CD_TYPE_STRUCT, .u.strct = {&inner, 1}};
    cd_arena_t *a = cd_arena_new();
    char err[512];
    cd_xf_record_t r = {.topic = "t", .kafka_partition = -1, .timestamp_ms = -1, .value_schema = &OUTER,
                        .value = &outer};
    assert_int_equal(apply1(T "ExtractField$Value",
                            (const char *[]){"field", "`a.x`.`b\\`.c`", "field.syntax.version", "V2", NULL}, &r, a,
                            err, sizeof(err)),
                     0);
    assert_int_equal(r.value->u.i, 42);
    /* an unclosed backtick is refused at configure, with its position */
    refused((const char *[]){"transforms", "x", "transforms.x.type", T "ExtractField$Value", "transforms.x.field",
                             "a.`b.c", "transforms.x.field.syntax.version", "V2", NULL},
            "Incomplete backtick pair in path: [a.`b.c], consider adding a backslash before backtick at position 2 "
            "to escape it");
    refused((const char *[]){"transforms", "x", "transforms.x.type", T "ExtractField$Value", "transforms.x.field",
                             "a", "transforms.x.field.syntax.version", "V3", NULL},
            "Invalid value V3 for configuration field.syntax.version: String must be one of (case insensitive): V1, "
            "V2");
    refused((const char *[]){"transforms", "x", "transforms.x.type", T "ExtractField$Key", NULL},
            "Missing required configuration \"field\" which has no default value.");
    cd_arena_destroy(a);
}

/* ---- Flatten --------------------------------------------------------------------------------- */

static void test_flatten_with_schema(void **state) {
    (void)state;
    cd_arena_t *a = cd_arena_new();
    char err[512];
    cd_xf_record_t r = row_record(true);
    assert_int_equal(apply1(T "Flatten$Value", (const char *[]){"delimiter", "_", NULL}, &r, a, err, sizeof(err)), 0);
    const cd_schema_t *s = r.value_schema;
    assert_string_equal(s->name, "row");
    assert_int_equal(s->version, 2);
    assert_int_equal(s->n_fields, 5);
    static const char *const names[] = {"id", "name", "addr_city", "addr_zip", "tags"};
    for (size_t i = 0; i < 5; i++) assert_string_equal(s->fields[i].name, names[i]);
    assert_false(s->fields[0].schema->optional);
    assert_true(s->fields[2].schema->optional); /* required, but under an optional struct */
    assert_ptr_equal(s->fields[3].schema->default_value, &ZIP_DEFAULT);
    assert_ptr_equal(s->fields[4].schema->value_schema, &STR);
    const cd_value_t *f = r.value->u.strct.fields;
    assert_int_equal(f[0].u.i, 7);
    assert_true(str_is(&f[1], "anon")); /* Struct.get: the default */
    assert_true(str_is(&f[2], "Oslo"));
    assert_int_equal(f[3].u.i, 1000);
    assert_int_equal(f[4].u.array.n, 2);
    /* a null nested struct leaves its fields null */
    r = row_record(false);
    assert_int_equal(apply1(T "Flatten$Value", NULL, &r, a, err, sizeof(err)), 0);
    assert_string_equal(r.value_schema->fields[2].name, "addr.city");
    assert_true(r.value->u.strct.fields[2].is_null);
    assert_true(r.value->u.strct.fields[3].is_null);
    /* a tombstone passes; a string is refused */
    r = row_record(true);
    r.value = NULL;
    assert_int_equal(apply1(T "Flatten$Value", NULL, &r, a, err, sizeof(err)), 0);
    assert_ptr_equal(r.value_schema, &ROW);
    cd_value_t sv = cd_string("x", 1);
    r = (cd_xf_record_t){.topic = "t", .kafka_partition = -1, .timestamp_ms = -1, .value_schema = &STR, .value = &sv};
    assert_int_equal(apply1(T "Flatten$Value", NULL, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "Only Struct objects supported for [flattening], found: java.lang.String");
    /* maps with a schema are not flattened: Kafka refuses them */
    static const cd_schema_t MAP = {.type = CD_TYPE_MAP, .key_schema = &STR, .value_schema = &STR};
    static const cd_field_t MF[] = {{"m", &MAP}};
    static const cd_schema_t WITH_MAP = {.type = CD_TYPE_STRUCT, .fields = MF, .n_fields = 1};
    cd_value_t mv = {.type = CD_TYPE_MAP}, st = {.type = CD_TYPE_STRUCT, .u.strct = {&mv, 1}};
    r = (cd_xf_record_t){.topic = "t", .kafka_partition = -1, .timestamp_ms = -1, .value_schema = &WITH_MAP,
                         .value = &st};
    assert_int_equal(apply1(T "Flatten$Value", NULL, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "Flatten transformation does not support MAP for record with schemas (for field m).");
    /* a flattened name that is already there */
    static const cd_field_t DUP[] = {{"addr.city", &STR}, {"addr", &ADDR}};
    static const cd_schema_t DUPS = {.type = CD_TYPE_STRUCT, .fields = DUP, .n_fields = 2};
    cd_value_t dv[2] = {cd_string("x", 1), cd_null()}, ds = {.type = CD_TYPE_STRUCT, .u.strct = {dv, 2}};
    r = (cd_xf_record_t){.topic = "t", .kafka_partition = -1, .timestamp_ms = -1, .value_schema = &DUPS, .value = &ds};
    assert_int_equal(apply1(T "Flatten$Value", NULL, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "Cannot create field because of field name duplication addr.city");
    cd_arena_destroy(a);
}

static void test_flatten_schemaless(void **state) {
    (void)state;
    cd_arena_t *a = cd_arena_new();
    char err[512];
    cd_xf_record_t r = map_record();
    assert_int_equal(apply1(T "Flatten$Value", NULL, &r, a, err, sizeof(err)), 0);
    const cd_value_t *m = r.value;
    assert_int_equal(m->u.map.n, 4); /* LinkedHashMap: the order of the walk */
    assert_true(str_is(&m->u.map.keys[0], "a"));
    assert_true(str_is(&m->u.map.keys[1], "m.x"));
    assert_true(str_is(&m->u.map.values[1], "y"));
    assert_true(str_is(&m->u.map.keys[2], "m.z"));
    assert_true(m->u.map.values[2].is_null);
    assert_true(str_is(&m->u.map.keys[3], "s"));
    cd_value_t s = cd_string("x", 1);
    r = (cd_xf_record_t){.topic = "t", .kafka_partition = -1, .timestamp_ms = -1, .key = &s};
    assert_int_equal(apply1(T "Flatten$Key", NULL, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "Only Map objects supported in absence of schema for [flattening], found: "
                             "java.lang.String");
    cd_arena_destroy(a);
}

/* ---- ValueToKey ------------------------------------------------------------------------------ */

static void test_value_to_key(void **state) {
    (void)state;
    cd_arena_t *a = cd_arena_new();
    char err[512];
    cd_xf_record_t r = row_record(true);
    assert_int_equal(apply1(T "ValueToKey", (const char *[]){"fields", "name,id", NULL}, &r, a, err, sizeof(err)), 0);
    assert_null(r.key_schema->name);
    assert_false(r.key_schema->optional);
    assert_string_equal(r.key_schema->fields[0].name, "name");
    assert_ptr_equal(r.key_schema->fields[0].schema, &OPT_NAME);
    assert_true(str_is(&r.key->u.strct.fields[0], "anon"));
    assert_int_equal(r.key->u.strct.fields[1].u.i, 7);
    assert_ptr_equal(r.value, &row_value);
    r = row_record(true);
    assert_int_equal(apply1(T "ValueToKey", (const char *[]){"fields", "name", "replace.null.with.default", "false", NULL},
                            &r, a, err, sizeof(err)),
                     0);
    assert_true(r.key->u.strct.fields[0].is_null);
    r = row_record(true);
    assert_int_equal(apply1(T "ValueToKey", (const char *[]){"fields", "id,nope", NULL}, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "Field does not exist: nope");
    r = row_record(true);
    assert_int_equal(apply1(T "ValueToKey", (const char *[]){"fields", "id,id,nope", NULL}, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "Cannot create field because of field name duplication id");
    r = row_record(true);
    r.value = NULL; /* requireStruct, not OrNull */
    assert_int_equal(apply1(T "ValueToKey", (const char *[]){"fields", "id", NULL}, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "Only Struct objects supported for [copying fields from value to key], found: null");
    /* schemaless: a HashMap of the fields (absent ones null) */
    r = map_record();
    assert_int_equal(apply1(T "ValueToKey", (const char *[]){"fields", "s,zz,a", NULL}, &r, a, err, sizeof(err)), 0);
    assert_null(r.key_schema);
    assert_int_equal(r.key->u.map.n, 3);
    /* new HashMap<>(3): a table of 4; "a" 97&3=1, "s" 115&3=3, "zz" 3904&3=0 */
    assert_true(str_is(&r.key->u.map.keys[0], "zz"));
    assert_true(r.key->u.map.values[0].is_null);
    assert_true(str_is(&r.key->u.map.keys[1], "a"));
    assert_true(str_is(&r.key->u.map.keys[2], "s"));
    refused((const char *[]){"transforms", "x", "transforms.x.type", "ValueToKey", "transforms.x.fields", " ", NULL},
            "Invalid value [] for configuration fields: Empty list");
    cd_arena_destroy(a);
}

/* ---- SetSchemaMetadata ----------------------------------------------------------------------- */

static void test_set_schema_metadata(void **state) {
    (void)state;
    cd_arena_t *a = cd_arena_new();
    char err[512];
    cd_xf_record_t r = row_record(true);
    assert_int_equal(apply1(T "SetSchemaMetadata$Value", (const char *[]){"schema.name", " renamed ", NULL}, &r, a,
                            err, sizeof(err)),
                     0);
    assert_string_equal(r.value_schema->name, "renamed");
    assert_int_equal(r.value_schema->version, 2);
    assert_ptr_equal(r.value_schema->fields, ROW.fields); /* nested schemas as they were */
    assert_true(str_is(&r.value->u.strct.fields[1], "anon"));
    r = row_record(true);
    assert_int_equal(apply1(T "SetSchemaMetadata$Value",
                            (const char *[]){"schema.version", "9", "replace.null.with.default", "false", NULL}, &r, a,
                            err, sizeof(err)),
                     0);
    assert_string_equal(r.value_schema->name, "row");
    assert_int_equal(r.value_schema->version, 9);
    assert_true(r.value->u.strct.fields[1].is_null);
    /* a schemaless value, a non-struct schema; a null without a schema passes */
    r = map_record();
    assert_int_equal(apply1(T "SetSchemaMetadata$Value", (const char *[]){"schema.name", "n", NULL}, &r, a, err,
                            sizeof(err)),
                     -1);
    assert_string_equal(err, "Schema required for [updating schema metadata]");
    cd_value_t s = cd_string("x", 1);
    r = (cd_xf_record_t){.topic = "t", .kafka_partition = -1, .timestamp_ms = -1, .key_schema = &STR, .key = &s};
    assert_int_equal(apply1(T "SetSchemaMetadata$Key", (const char *[]){"schema.name", "n", NULL}, &r, a, err,
                            sizeof(err)),
                     -1);
    assert_string_equal(err, "Cannot list fields on non-struct type");
    r = (cd_xf_record_t){.topic = "t", .kafka_partition = -1, .timestamp_ms = -1};
    assert_int_equal(apply1(T "SetSchemaMetadata$Key", (const char *[]){"schema.name", "n", NULL}, &r, a, err,
                            sizeof(err)),
                     0);
    refused((const char *[]){"transforms", "x", "transforms.x.type", T "SetSchemaMetadata$Value", NULL},
            "Neither schema name nor version configured");
    refused((const char *[]){"transforms", "x", "transforms.x.type", T "SetSchemaMetadata$Value",
                             "transforms.x.schema.version", "v1", NULL},
            "Invalid value v1 for configuration schema.version: Not a number of type INT");
    cd_arena_destroy(a);
}

/* ---- HeaderFrom and InsertHeader ------------------------------------------------------------- */

static bool header_is(const cd_header_t *h, const char *key, const char *value) {
    if (strcmp(h->key, key)) return false;
    if (!value) return h->value == NULL;
    return h->value && h->value_len == strlen(value) && !memcmp(h->value, value, h->value_len);
}

static void test_header_from(void **state) {
    (void)state;
    cd_arena_t *a = cd_arena_new();
    char err[512];
    cd_header_t existing = {"old", "1", 1};
    cd_xf_record_t r = row_record(true);
    r.headers = &existing;
    r.n_headers = 1;
    assert_int_equal(apply1(T "HeaderFrom$Value",
                            (const char *[]){"fields", "addr,tags,name,id", "headers", "h_addr,h_tags,h_name,h_id",
                                             "operation", "move", NULL},
                            &r, a, err, sizeof(err)),
                     0);
    assert_int_equal(r.n_headers, 5);
    assert_true(header_is(&r.headers[0], "old", "1"));
    assert_true(header_is(&r.headers[1], "h_addr", "{\"city\":\"Oslo\",\"zip\":1000}"));
    assert_true(header_is(&r.headers[2], "h_tags", "[\"a\",\"b\\\"c\"]"));
    assert_true(header_is(&r.headers[3], "h_name", "anon"));
    assert_true(header_is(&r.headers[4], "h_id", "7"));
    assert_int_equal(r.value_schema->n_fields, 0);
    assert_string_equal(r.value_schema->name, "row");
    /* copy: value and schema unchanged; without the default, a null header */
    r = row_record(true);
    assert_int_equal(apply1(T "HeaderFrom$Value",
                            (const char *[]){"fields", "name", "headers", "n", "operation", "copy",
                                             "replace.null.with.default", "false", NULL},
                            &r, a, err, sizeof(err)),
                     0);
    assert_ptr_equal(r.value_schema, &ROW);
    assert_ptr_equal(r.value, &row_value);
    assert_true(header_is(&r.headers[0], "n", NULL));
    /* a field the schema does not have */
    r = row_record(true);
    assert_int_equal(apply1(T "HeaderFrom$Value",
                            (const char *[]){"fields", "nope", "headers", "n", "operation", "copy", NULL}, &r, a,
                            err, sizeof(err)),
                     -1);
    assert_string_equal(err, "Cannot invoke \"org.apache.kafka.connect.data.Field.schema()\" because the return value "
                             "of \"org.apache.kafka.connect.data.Schema.field(String)\" is null");
    /* a tombstone fails */
    r = row_record(true);
    r.value = NULL;
    assert_int_equal(apply1(T "HeaderFrom$Value",
                            (const char *[]){"fields", "id", "headers", "n", "operation", "move", NULL}, &r, a, err,
                            sizeof(err)),
                     -1);
    assert_string_equal(err, "Only Struct objects supported for [header move], found: null");
    /* schemaless: moved out of a HashMap copy; headers rendered by the value's own type */
    r = map_record();
    assert_int_equal(apply1(T "HeaderFrom$Value",
                            (const char *[]){"fields", "m,a,zz", "headers", "hm,ha,hz", "operation", "move", NULL}, &r,
                            a, err, sizeof(err)),
                     0);
    assert_int_equal(r.value->u.map.n, 1);
    assert_true(str_is(&r.value->u.map.keys[0], "s"));
    assert_true(header_is(&r.headers[0], "hm", "{\"x\":\"y\",\"z\":null}"));
    assert_true(header_is(&r.headers[1], "ha", "1"));
    assert_true(header_is(&r.headers[2], "hz", NULL));
    refused((const char *[]){"transforms", "x", "transforms.x.type", T "HeaderFrom$Key", "transforms.x.fields", "a,b",
                             "transforms.x.headers", "a", "transforms.x.operation", "copy", NULL},
            "'fields' config must have the same number of elements as 'headers' config.");
    refused((const char *[]){"transforms", "x", "transforms.x.type", T "HeaderFrom$Key", "transforms.x.fields", "a",
                             "transforms.x.headers", "a", "transforms.x.operation", "Move", NULL},
            "Invalid value Move for configuration operation: String must be one of: move, copy");
    cd_arena_destroy(a);
}

static void test_insert_header(void **state) {
    (void)state;
    cd_arena_t *a = cd_arena_new();
    char err[512];
    cd_xf_record_t r = {.topic = "t", .kafka_partition = -1, .timestamp_ms = -1};
    assert_int_equal(apply1("InsertHeader", (const char *[]){"header", "h", "value.literal", " 1.50 ", NULL}, &r, a,
                            err, sizeof(err)),
                     0);
    assert_int_equal(r.n_headers, 1);
    assert_true(header_is(&r.headers[0], "h", "1.5"));
    r = (cd_xf_record_t){.topic = "t", .kafka_partition = -1, .timestamp_ms = -1};
    assert_int_equal(apply1(T "InsertHeader", (const char *[]){"header", "h", "value.literal", "null", NULL}, &r, a,
                            err, sizeof(err)),
                     0);
    assert_true(header_is(&r.headers[0], "h", NULL));
    refused((const char *[]){"transforms", "x", "transforms.x.type", "InsertHeader", "transforms.x.header", "h", NULL},
            "Missing required configuration \"value.literal\" which has no default value.");
    refused((const char *[]){"transforms", "x", "transforms.x.type", "InsertHeader", "transforms.x.header", "h",
                             "transforms.x.value.literal", "0001-01-01", NULL},
            "connectd cannot read the literal '0001-01-01' exactly as Kafka's Values.parseString does (the date "
            "'0001-01-01', which Kafka reads in the Julian calendar): write the value in another form");
    cd_arena_destroy(a);
}

/* ---- Values ---------------------------------------------------------------------------------- */

static void test_values_literals(void **state) {
    (void)state;
    /* each literal and the header Kafka 4.1.1 writes for it (NULL: a null header) */
    static const char *const cases[][2] = {
        {"12:30 meeting", "12"},         {"[1, 2.5]", "[1.0,2.5]"},
        {"{a:1}", "{a:1}"},              {"{\"a\":1, \"b\":2.5}", "{\"a\":1.0,\"b\":2.5}"},
        {"1.0", "1"},                    {"1e3", "1000"},
        {"2020-13-01", "2021-01-01"},    {"null", NULL},
        {"007", "7"},                    {"[1, null]", "[1, null]"},
        {"123456789012345678901234", "123456789012345678901234"},
        {"1.5e400", "1.5E+400"},         {"1e30", "1.0E30"},
        {"1e-50", "0.0"},                {"2020-01-0x", "2019-12-31"},
        {"12:34:56.789Z", "12:34:56.789Z"}, {"2020-01-01T12:34:56.789Z", "2020-01-01T12:34:56.789Z"},
        {"[2020-01-01, 5]", "[2020-01-01,1970-01-06]"}, {"[100000, 2020-01-01]", "[2243-10-17,2020-01-01]"},
        {"[ \"x\" , \" \" ]", "[\"x\",\"\"]"}, {"true}", "true}"},
        {"[1,2] tail", "[1,2]"},         {"{1:\"a\",1.0:\"b\"}", "{1:\"b\"}"},
        {"99:99:99.999Z", "1970-01-05T04:40:39.999Z"}, {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out;
        size_t n;
        char err[512];
        assert_int_equal(cd_values_literal(cases[i][0], &out, &n, err, sizeof(err)), 0);
        if (!cases[i][1]) {
            assert_null(out);
            continue;
        }
        if (!out || n != strlen(cases[i][1]) || memcmp(out, cases[i][1], n))
            fail_msg("%s: got %.*s, want %s", cases[i][0], (int)n, out ? out : "(null)", cases[i][1]);
        free(out);
    }
}

static void test_values_to_string(void **state) {
    (void)state;
    char err[256];
    cd_buf_t b = {0};
    static const cd_param_t SCALE2[] = {{"scale", "2"}};
    static const cd_schema_t DEC = {.type = CD_TYPE_BYTES, .name = CD_LOGICAL_DECIMAL, .params = SCALE2,
                                    .n_params = 1};
    static const unsigned char unscaled[] = {0x30, 0x39}; /* 12345 */
    cd_value_t d = {.type = CD_TYPE_BYTES, .u.str = {(const char *)unscaled, 2}};
    assert_int_equal(cd_values_to_string(&b, &DEC, &d, err, sizeof(err)), 0);
    assert_int_equal(b.len, 6);
    assert_memory_equal(b.data, "123.45", 6);
    b.len = 0;
    static const cd_schema_t TS = {.type = CD_TYPE_INT64, .name = CD_LOGICAL_TIMESTAMP};
    cd_value_t ts = cd_int(CD_TYPE_INT64, 1577880000123LL);
    assert_int_equal(cd_values_to_string(&b, &TS, &ts, err, sizeof(err)), 0);
    assert_int_equal(b.len, 24);
    assert_memory_equal(b.data, "2020-01-01T12:00:00.123Z", 24);
    b.len = 0;
    static const cd_schema_t F32 = {.type = CD_TYPE_FLOAT32};
    cd_value_t f = {.type = CD_TYPE_FLOAT32, .u.f = 0.1f};
    assert_int_equal(cd_values_to_string(&b, &F32, &f, err, sizeof(err)), 0);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "0.1", 3);
    b.len = 0;
    static const cd_schema_t BYTES = {.type = CD_TYPE_BYTES};
    cd_value_t by = {.type = CD_TYPE_BYTES, .u.str = {"hi", 2}};
    assert_int_equal(cd_values_to_string(&b, &BYTES, &by, err, sizeof(err)), 0);
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.data, "aGk=", 4);
    cd_buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_field),       cmocka_unit_test(test_extract_field_paths),
        cmocka_unit_test(test_flatten_with_schema), cmocka_unit_test(test_flatten_schemaless),
        cmocka_unit_test(test_value_to_key),        cmocka_unit_test(test_set_schema_metadata),
        cmocka_unit_test(test_header_from),         cmocka_unit_test(test_insert_header),
        cmocka_unit_test(test_values_literals),     cmocka_unit_test(test_values_to_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
