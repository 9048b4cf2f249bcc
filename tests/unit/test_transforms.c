/* test_transforms.c - the transformation chain on records built by hand: each transformation's
 * result with and without schemas, predicates and negate, dropping, Kafka's exception texts, and
 * the configs the chain refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "connect/transforms.h"

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

static int chain_error(const char *const *kv, char *err, size_t size) {
    cd_props_t *p = cd_props_new();
    for (; kv[0]; kv += 2) cd_props_set(p, kv[0], kv[1]);
    cd_xf_chain_t *c = NULL;
    int rc = cd_xf_chain_new(p, &c, err, size);
    cd_props_destroy(p);
    cd_xf_chain_destroy(c);
    return rc;
}

/* struct { id: int32, name: optional string (default "anon"), secret: string } */
static const cd_value_t ANON = {.type = CD_TYPE_STRING, .u.str = {"anon", 4}};
static const cd_schema_t INT32 = {.type = CD_TYPE_INT32};
static const cd_schema_t OPT_NAME = {.type = CD_TYPE_STRING, .optional = true, .default_value = &ANON};
static const cd_schema_t STR = {.type = CD_TYPE_STRING};
static const cd_field_t FIELDS[] = {{"id", &INT32}, {"name", &OPT_NAME}, {"secret", &STR}};
static const cd_schema_t ROW = {.type = CD_TYPE_STRUCT, .name = "row", .version = 3, .optional = true,
                                .fields = FIELDS, .n_fields = 3, .cache_id = 0};

static cd_value_t row_fields[3];
static cd_value_t row_value;

static cd_xf_record_t row_record(void) {
    row_fields[0] = cd_int(CD_TYPE_INT32, 7);
    row_fields[1] = cd_null();
    row_fields[2] = cd_string("pw", 2);
    row_value = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {row_fields, 3}};
    return (cd_xf_record_t){.topic = "orders", .kafka_partition = 2, .kafka_offset = -1, .timestamp_ms = 1000,
                            .value_schema = &ROW, .value = &row_value};
}

static void test_insert_replace_mask_with_schema(void **state) {
    (void)state;
    static const char *const kv[] = {
        "transforms", "ins,ren,mask",
        "transforms.ins.type", T "InsertField$Value", "transforms.ins.topic.field", "t!",
        "transforms.ins.static.field", "s", "transforms.ins.static.value", "v",
        "transforms.ren.type", T "ReplaceField$Value", "transforms.ren.exclude", "secret",
        "transforms.ren.renames", "id:key",
        "transforms.mask.type", T "MaskField$Value", "transforms.mask.fields", "key",
        NULL};
    cd_xf_chain_t *c = chain(kv);
    cd_arena_t *a = cd_arena_new();
    cd_xf_record_t r = row_record();
    char err[512];
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    const cd_schema_t *s = r.value_schema;
    assert_int_equal(s->n_fields, 4);
    assert_string_equal(s->name, "row"); /* copySchemaBasics: name and version kept ... */
    assert_int_equal(s->version, 3);
    assert_false(s->optional);          /* ... optional not */
    assert_string_equal(s->fields[0].name, "key");
    assert_string_equal(s->fields[1].name, "name");
    assert_string_equal(s->fields[2].name, "t");
    assert_false(s->fields[2].schema->optional);
    assert_string_equal(s->fields[3].name, "s");
    assert_true(s->fields[3].schema->optional);
    const cd_value_t *f = r.value->u.strct.fields;
    assert_int_equal(f[0].u.i, 0); /* masked */
    assert_int_equal(f[1].u.str.len, 4); /* null replaced by the default */
    assert_memory_equal(f[2].u.str.ptr, "orders", 6);
    assert_memory_equal(f[3].u.str.ptr, "v", 1);
    cd_arena_destroy(a);
    cd_xf_chain_destroy(c);
}

static void test_hoist_and_schemaless(void **state) {
    (void)state;
    static const char *const kv[] = {
        "transforms", "h,ins,mask",
        "transforms.h.type", T "HoistField$Key", "transforms.h.field", "k",
        "transforms.ins.type", T "InsertField$Key", "transforms.ins.partition.field", "p",
        "transforms.mask.type", T "MaskField$Key", "transforms.mask.fields", "k",
        "transforms.mask.replacement", "x",
        NULL};
    cd_xf_chain_t *c = chain(kv);
    cd_arena_t *a = cd_arena_new();
    cd_value_t key = cd_string("abc", 3);
    cd_xf_record_t r = {.topic = "t", .kafka_partition = 1, .timestamp_ms = -1, .key = &key};
    char err[512];
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    assert_null(r.key_schema);
    assert_int_equal(r.key->type, CD_TYPE_MAP);
    assert_int_equal(r.key->u.map.n, 2);
    /* HashMap order: "p" (hash 112) before "k" (107)? both in a 16-table: 107&15=11, 112&15=0 */
    assert_memory_equal(r.key->u.map.keys[0].u.str.ptr, "p", 1);
    assert_int_equal(r.key->u.map.values[0].u.i, 1);
    assert_memory_equal(r.key->u.map.keys[1].u.str.ptr, "k", 1);
    assert_memory_equal(r.key->u.map.values[1].u.str.ptr, "x", 1);
    cd_arena_destroy(a);
    cd_xf_chain_destroy(c);
}

static void test_exception_texts(void **state) {
    (void)state;
    cd_arena_t *a = cd_arena_new();
    char err[512];
    static const char *const ins[] = {"transforms", "i", "transforms.i.type", T "InsertField$Value",
                                      "transforms.i.offset.field", "o", NULL};
    cd_xf_chain_t *c = chain(ins);
    cd_value_t v = cd_string("x", 1);
    static const cd_schema_t S = {.type = CD_TYPE_STRING};
    cd_xf_record_t r = {.topic = "t", .kafka_partition = -1, .timestamp_ms = -1, .value_schema = &S, .value = &v};
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "Only Struct objects supported for [field insertion], found: java.lang.String");
    r = (cd_xf_record_t){.topic = "t", .kafka_partition = -1, .timestamp_ms = -1, .value = &v};
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "Only Map objects supported in absence of schema for [field insertion], found: "
                             "java.lang.String");
    r = row_record();
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "Only SinkRecord supported for [field insertion], found: "
                             "org.apache.kafka.connect.source.SourceRecord");
    cd_xf_chain_destroy(c);

    static const char *const mask[] = {"transforms", "m", "transforms.m.type", T "MaskField$Value",
                                       "transforms.m.fields", "id", "transforms.m.replacement", "abc", NULL};
    c = chain(mask);
    r = row_record();
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "Unable to convert abc (class java.lang.String) to a number");
    cd_xf_chain_destroy(c);
    cd_arena_destroy(a);
}

static void test_predicates_negate_and_filter(void **state) {
    (void)state;
    static const char *const kv[] = {
        "transforms", "f", "transforms.f.type", "Filter", "transforms.f.predicate", "h",
        "predicates", "h", "predicates.h.type", "HasHeaderKey", "predicates.h.name", "skip", NULL};
    static const char *const neg[] = {
        "transforms", "f", "transforms.f.type", "Filter", "transforms.f.predicate", "t",
        "transforms.f.negate", "true", "predicates", "t", "predicates.t.type", "RecordIsTombstone", NULL};
    cd_xf_chain_t *c = chain(kv), *n = chain(neg);
    cd_arena_t *a = cd_arena_new();
    char err[64];
    cd_header_t h[] = {{"other", "1", 1}, {"skip", NULL, 0}};
    cd_xf_record_t r = row_record();
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0); /* no headers: kept */
    r.headers = h, r.n_headers = 1;
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    r.n_headers = 2;
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 1); /* dropped */
    assert_int_equal(cd_xf_chain_apply(n, &r, a, err, sizeof(err)), 1);  /* not a tombstone: dropped */
    r.value = NULL;
    assert_int_equal(cd_xf_chain_apply(n, &r, a, err, sizeof(err)), 0);
    cd_arena_destroy(a);
    cd_xf_chain_destroy(c);
    cd_xf_chain_destroy(n);
}

static void test_drop_headers(void **state) {
    (void)state;
    static const char *const kv[] = {"transforms", "d", "transforms.d.type", T "DropHeaders",
                                     "transforms.d.headers", "a, c", NULL};
    cd_xf_chain_t *c = chain(kv);
    cd_arena_t *a = cd_arena_new();
    char err[64];
    cd_header_t h[] = {{"a", "1", 1}, {"b", "2", 1}, {"c", "3", 1}, {"a", "4", 1}};
    cd_xf_record_t r = row_record();
    r.headers = h, r.n_headers = 4;
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    assert_int_equal(r.n_headers, 1);
    assert_string_equal(r.headers[0].key, "b");
    cd_arena_destroy(a);
    cd_xf_chain_destroy(c);
}

static void test_refused_configs(void **state) {
    (void)state;
    char err[1024];
    static const char *const none[] = {"transforms", "", NULL};
    cd_xf_chain_t *c = (cd_xf_chain_t *)1;
    cd_props_t *p = cd_props_new();
    cd_props_set(p, none[0], none[1]);
    assert_int_equal(cd_xf_chain_new(p, &c, err, sizeof(err)), 0);
    assert_null(c); /* nothing to do per record */
    cd_props_destroy(p);
    static const char *const flatten[] = {"transforms", "r", "transforms.r.type", T "NoSuchTransform$Value", NULL};
    assert_int_equal(chain_error(flatten, err, sizeof(err)), -1);
    assert_string_equal(err, "Invalid value " T "NoSuchTransform$Value for configuration transforms.r.type: Class " T
                             "NoSuchTransform$Value could not be found.");
    static const char *const renames[] = {"transforms", "r", "transforms.r.type", T "ReplaceField$Value",
                                          "transforms.r.renames", "a:b,c", NULL};
    assert_int_equal(chain_error(renames, err, sizeof(err)), -1);
    assert_string_equal(err, "Invalid value a:b,c for configuration renames: Invalid rename mapping: c");
    /* Kafka 4 removed ReplaceField's whitelist/blacklist and ignores them; connectd refuses them */
    static const char *const whitelist[] = {"transforms", "r", "transforms.r.type", T "ReplaceField$Key",
                                            "transforms.r.blacklist", "a", NULL};
    assert_int_equal(chain_error(whitelist, err, sizeof(err)), -1);
    assert_string_equal(err, "transforms.r.blacklist was removed in Kafka 4.0 (Kafka Connect 4 ignores it, and the "
                             "transformation would not do what it says): use transforms.r.exclude instead");
    static const char *const negate[] = {"transforms", "f", "transforms.f.type", "Filter", "transforms.f.negate",
                                         "true", NULL};
    assert_int_equal(chain_error(negate, err, sizeof(err)), -1);
    assert_string_equal(err, "Config 'transforms.f.negate' was provided but there is no config "
                             "'transforms.f.predicate' defining a predicate to be negated.");
    static const char *const mask[] = {"transforms", "m", "transforms.m.type", T "MaskField$Key", NULL};
    assert_int_equal(chain_error(mask, err, sizeof(err)), -1);
    assert_string_equal(err, "Invalid value null for configuration fields: Empty list");
}

/* RegexRouter: matches() on the whole topic, then replaceFirst with Java's replacement syntax;
 * TopicNameMatches as its predicate; Kafka's messages for bad configs and replacements. */
static void test_regex_router_and_topic_name_matches(void **state) {
    (void)state;
    static const char *const kv[] = {
        "transforms", "r,partial",
        "transforms.r.type", T "RegexRouter", "transforms.r.regex", " (?<db>[^.]+)\\.(.*) ",
        "transforms.r.replacement", "${db}_$2\\$", "transforms.r.predicate", "p",
        "transforms.partial.type", "RegexRouter", "transforms.partial.regex", "public",
        "transforms.partial.replacement", "x",
        "predicates", "p", "predicates.p.type", "TopicNameMatches", "predicates.p.pattern", "srv\\..*",
        NULL};
    cd_xf_chain_t *c = chain(kv);
    cd_arena_t *a = cd_arena_new();
    char err[512];
    cd_xf_record_t r = {.topic = "srv.public.t", .kafka_partition = -1, .kafka_offset = -1, .timestamp_ms = -1};
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    assert_string_equal(r.topic, "srv_public.t$"); /* "public" alone does not match the whole topic */
    cd_xf_record_t o = {.topic = "other.t", .kafka_partition = -1, .kafka_offset = -1, .timestamp_ms = -1};
    assert_int_equal(cd_xf_chain_apply(c, &o, a, err, sizeof(err)), 0);
    assert_string_equal(o.topic, "other.t"); /* the predicate does not hold */
    cd_xf_chain_destroy(c);
    static const char *const bad_group[] = {"transforms", "r", "transforms.r.type", "RegexRouter",
                                            "transforms.r.regex", "(.*)", "transforms.r.replacement", "$2", NULL};
    c = chain(bad_group);
    cd_xf_record_t b = {.topic = "t", .kafka_partition = -1, .kafka_offset = -1, .timestamp_ms = -1};
    assert_int_equal(cd_xf_chain_apply(c, &b, a, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "No group 2"));
    cd_xf_chain_destroy(c);
    cd_arena_destroy(a);
    static const char *const no_regex[] = {"transforms", "r", "transforms.r.type", "RegexRouter", NULL};
    assert_int_equal(chain_error(no_regex, err, sizeof(err)), -1);
    assert_string_equal(err, "Missing required configuration \"regex\" which has no default value.");
    static const char *const bad_regex[] = {"transforms", "r", "transforms.r.type", "RegexRouter",
                                            "transforms.r.regex", "a(b", "transforms.r.replacement", "x", NULL};
    assert_int_equal(chain_error(bad_regex, err, sizeof(err)), -1);
    assert_true(!strncmp(err, "Invalid value a(b for configuration regex: Invalid regex: Unclosed group", 71));
    static const char *const no_repl[] = {"transforms", "r", "transforms.r.type", "RegexRouter",
                                          "transforms.r.regex", "a", NULL};
    assert_int_equal(chain_error(no_repl, err, sizeof(err)), -1);
    assert_string_equal(err, "Missing required configuration \"replacement\" which has no default value.");
    static const char *const empty_pattern[] = {"transforms", "f", "transforms.f.type", "Filter",
                                                "transforms.f.predicate", "p", "predicates", "p",
                                                "predicates.p.type", "TopicNameMatches", "predicates.p.pattern", " ",
                                                NULL};
    assert_int_equal(chain_error(empty_pattern, err, sizeof(err)), -1);
    assert_string_equal(err, "Invalid value  for configuration pattern: String must be non-empty");
}

static void test_schema_cache(void **state) {
    (void)state;
    static const char *const kv[] = {"transforms", "h", "transforms.h.type", T "HoistField$Value",
                                     "transforms.h.field", "f", NULL};
    cd_xf_chain_t *c = chain(kv);
    cd_arena_t *a = cd_arena_new();
    char err[64];
    cd_schema_t in = {.type = CD_TYPE_STRING, .cache_id = cd_schema_next_cache_id()};
    cd_value_t v = cd_string("x", 1);
    cd_xf_record_t r1 = {.topic = "t", .value_schema = &in, .value = &v}, r2 = r1;
    assert_int_equal(cd_xf_chain_apply(c, &r1, a, err, sizeof(err)), 0);
    cd_arena_reset(a);
    assert_int_equal(cd_xf_chain_apply(c, &r2, a, err, sizeof(err)), 0);
    assert_ptr_equal(r1.value_schema, r2.value_schema); /* derived once, kept past the record arena */
    assert_true(r1.value_schema->cache_id != 0);
    cd_arena_destroy(a);
    cd_xf_chain_destroy(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_replace_mask_with_schema),
        cmocka_unit_test(test_hoist_and_schemaless),
        cmocka_unit_test(test_exception_texts),
        cmocka_unit_test(test_predicates_negate_and_filter),
        cmocka_unit_test(test_drop_headers),
        cmocka_unit_test(test_refused_configs),
        cmocka_unit_test(test_schema_cache),
        cmocka_unit_test(test_regex_router_and_topic_name_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
