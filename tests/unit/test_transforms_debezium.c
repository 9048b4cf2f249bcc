/* test_transforms_debezium.c - Debezium's ExtractNewRecordState on change events built by hand:
 * each delete.tombstone.handling.mode, add.fields / add.headers (struct fields, renames,
 * prefixes), route.by.field, drop.fields.header.name, replace.null.with.default, truncates and
 * records that are not envelopes, and what configure() refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "connect/transforms.h"

#define U "io.debezium.transforms.ExtractNewRecordState"

static cd_xf_chain_t *chain(const char *const *kv) {
    cd_props_t *p = cd_props_new();
    cd_props_set(p, "transforms", "u");
    cd_props_set(p, "transforms.u.type", U);
    for (; kv[0]; kv += 2) cd_props_set(p, kv[0], kv[1]);
    cd_xf_chain_t *c = NULL;
    char err[1024] = "";
    int rc = cd_xf_chain_new(p, &c, err, sizeof(err));
    cd_props_destroy(p);
    if (rc) fail_msg("chain refused: %s", err);
    return c;
}

/* row { id: int32, name: optional string default "anon" } */
static const cd_value_t ANON = {.type = CD_TYPE_STRING, .u.str = {"anon", 4}};
static const cd_schema_t INT32 = {.type = CD_TYPE_INT32};
static const cd_schema_t OPT_NAME = {.type = CD_TYPE_STRING, .optional = true, .default_value = &ANON};
static const cd_field_t ROW_FIELDS[] = {{"id", &INT32}, {"name", &OPT_NAME}};
static const cd_schema_t ROW = {.type = CD_TYPE_STRUCT, .name = "srv.public.t.Value", .optional = true,
                                .fields = ROW_FIELDS, .n_fields = 2};
static const cd_schema_t STR = {.type = CD_TYPE_STRING};
static const cd_schema_t OPT_I64 = {.type = CD_TYPE_INT64, .optional = true};
static const cd_field_t SRC_FIELDS[] = {{"table", &STR}, {"lsn", &OPT_I64}};
static const cd_schema_t SRC = {.type = CD_TYPE_STRUCT, .name = "io.debezium.connector.postgresql.Source",
                                .fields = SRC_FIELDS, .n_fields = 2};
static const cd_field_t TX_FIELDS[] = {{"id", &STR}};
static const cd_schema_t TX = {.type = CD_TYPE_STRUCT, .optional = true, .fields = TX_FIELDS, .n_fields = 1};
static const cd_field_t ENV_FIELDS[] = {{"before", &ROW}, {"after", &ROW}, {"source", &SRC},
                                        {"transaction", &TX}, {"op", &STR}, {"ts_ms", &OPT_I64}};
static const cd_schema_t ENV = {.type = CD_TYPE_STRUCT, .name = "srv.public.t.Envelope", .version = 2,
                                .fields = ENV_FIELDS, .n_fields = 6};

static cd_value_t before_f[2], after_f[2], src_f[2], env_f[6], before_v, after_v, src_v, env_v;

/* An event of op "c", "u", "d" or "t" on row {id 7, name NULL} (after) / {id 7, name "bob"}. */
static cd_xf_record_t event(const char *op) {
    before_f[0] = cd_int(CD_TYPE_INT32, 7), before_f[1] = cd_null();
    after_f[0] = cd_int(CD_TYPE_INT32, 7), after_f[1] = cd_string("bob", 3);
    before_v = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {before_f, 2}};
    after_v = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {after_f, 2}};
    src_f[0] = cd_string("t", 1), src_f[1] = cd_int(CD_TYPE_INT64, 123);
    src_v = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {src_f, 2}};
    bool has_before = !strcmp(op, "u") || !strcmp(op, "d"), has_after = !strcmp(op, "c") || !strcmp(op, "u");
    env_f[0] = has_before ? before_v : cd_null();
    env_f[1] = has_after ? after_v : cd_null();
    env_f[2] = src_v;
    env_f[3] = cd_null();
    env_f[4] = cd_string(op, 1);
    env_f[5] = cd_int(CD_TYPE_INT64, 99);
    env_v = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {env_f, 6}};
    return (cd_xf_record_t){.topic = "srv.public.t", .kafka_partition = -1, .kafka_offset = -1,
                            .timestamp_ms = -1, .value_schema = &ENV, .value = &env_v};
}

static void test_create_with_fields_headers_route(void **state) {
    (void)state;
    static const char *const kv[] = {"transforms.u.add.fields", "op, source.lsn:pos,ts_ms,table,id,nope",
                                     "transforms.u.add.headers", "op,lsn",
                                     "transforms.u.add.headers.prefix", "h.",
                                     "transforms.u.route.by.field", "name", NULL};
    cd_xf_chain_t *c = chain(kv);
    cd_arena_t *a = cd_arena_new();
    cd_xf_record_t r = event("c");
    char err[512] = "";
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    assert_string_equal(r.topic, "bob");
    const cd_schema_t *s = r.value_schema;
    assert_string_equal(s->name, "srv.public.t.Value");
    assert_false(s->optional); /* copySchemaBasics drops optional */
    /* id: the transaction's, whose struct is null: the field is there, its value null; nope: in
     * neither source nor envelope, not added */
    static const char *const names[] = {"id", "name", "__op", "__pos", "__ts_ms", "__table", "__id"};
    assert_int_equal(s->n_fields, 7);
    for (size_t i = 0; i < 7; i++) assert_string_equal(s->fields[i].name, names[i]);
    for (size_t i = 2; i < 7; i++) assert_true(s->fields[i].schema->optional);
    const cd_value_t *f = r.value->u.strct.fields;
    assert_memory_equal(f[2].u.str.ptr, "c", 1);
    assert_int_equal(f[3].u.i, 123);
    assert_int_equal(f[4].u.i, 99);
    assert_memory_equal(f[5].u.str.ptr, "t", 1);
    assert_true(f[6].is_null);
    assert_int_equal(r.n_headers, 2);
    assert_string_equal(r.headers[0].key, "h.op");
    assert_memory_equal(r.headers[0].value, "c", 1);
    assert_string_equal(r.headers[1].key, "h.lsn");
    assert_int_equal(r.headers[1].value_len, 3);
    assert_memory_equal(r.headers[1].value, "123", 3);
    cd_arena_destroy(a);
    cd_xf_chain_destroy(c);
}

static void test_delete_modes(void **state) {
    (void)state;
    static const char *const modes[] = {"drop", "tombstone", "rewrite", "Rewrite-With-Tombstone ",
                                        "delete-to-tombstone"};
    for (size_t m = 0; m < 5; m++) {
        const char *kv[] = {"transforms.u.delete.tombstone.handling.mode", modes[m], "transforms.u.add.headers",
                            "op,table", NULL};
        cd_xf_chain_t *c = chain(kv);
        cd_arena_t *a = cd_arena_new();
        char err[512] = "";
        cd_xf_record_t r = event("d");
        int rc = cd_xf_chain_apply(c, &r, a, err, sizeof(err));
        switch (m) {
        case 0: assert_int_equal(rc, 1); break;
        case 1: /* value null, schema still the row's */
            assert_int_equal(rc, 0);
            assert_null(r.value);
            assert_ptr_equal(r.value_schema, &ROW);
            break;
        case 2:
        case 3:
            assert_int_equal(rc, 0);
            assert_int_equal(r.value_schema->n_fields, 3);
            assert_string_equal(r.value_schema->fields[2].name, "__deleted");
            /* InsertField copies with Struct.get: the null name gets its default */
            assert_memory_equal(r.value->u.strct.fields[1].u.str.ptr, "anon", 4);
            assert_memory_equal(r.value->u.strct.fields[2].u.str.ptr, "true", 4);
            break;
        case 4:
            assert_int_equal(rc, 0);
            assert_null(r.value);
            assert_null(r.value_schema);
            break;
        }
        /* the tombstone after it: kept only by rewrite-with-tombstone. It shares the delete's
         * Headers in Debezium, so it carries what the delete got, then its own op header "d"
         * (its only one: it has no envelope) */
        cd_xf_record_t t = {.topic = "srv.public.t", .kafka_partition = -1, .kafka_offset = -1, .timestamp_ms = -1};
        rc = cd_xf_chain_apply(c, &t, a, err, sizeof(err));
        assert_int_equal(rc, m == 3 ? 0 : 1);
        if (m == 3) {
            assert_int_equal(t.n_headers, 3);
            assert_string_equal(t.headers[0].key, "__op");
            assert_memory_equal(t.headers[0].value, "d", 1);
            assert_string_equal(t.headers[1].key, "__table");
            assert_memory_equal(t.headers[1].value, "t", 1);
            assert_string_equal(t.headers[2].key, "__op");
            assert_memory_equal(t.headers[2].value, "d", 1);
        }
        /* updates get "__deleted":"false" in the rewrite modes */
        cd_xf_record_t u = event("u");
        assert_int_equal(cd_xf_chain_apply(c, &u, a, err, sizeof(err)), 0);
        assert_int_equal(u.value_schema->n_fields, m == 2 || m == 3 ? 3 : 2);
        /* a truncate (no before, no after) is dropped */
        cd_xf_record_t tr = event("t");
        assert_int_equal(cd_xf_chain_apply(c, &tr, a, err, sizeof(err)), 1);
        cd_arena_destroy(a);
        cd_xf_chain_destroy(c);
    }
}

static void test_replace_null_off_and_not_envelopes(void **state) {
    (void)state;
    static const char *const kv[] = {"transforms.u.delete.tombstone.handling.mode", "rewrite",
                                     "transforms.u.replace.null.with.default", "false", NULL};
    cd_xf_chain_t *c = chain(kv);
    cd_arena_t *a = cd_arena_new();
    char err[512] = "";
    cd_xf_record_t r = event("d");
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    assert_true(r.value->u.strct.fields[1].is_null);
    /* a record whose schema is not an Envelope passes unchanged */
    cd_value_t v = cd_string("x", 1);
    cd_xf_record_t m = {.topic = "m", .kafka_partition = -1, .kafka_offset = -1, .timestamp_ms = -1,
                        .value_schema = &STR, .value = &v};
    assert_int_equal(cd_xf_chain_apply(c, &m, a, err, sizeof(err)), 0);
    assert_ptr_equal(m.value, &v);
    cd_arena_destroy(a);
    cd_xf_chain_destroy(c);
}

static void test_drop_fields_header(void **state) {
    (void)state;
    static const char *const kv[] = {"transforms.u.drop.fields.header.name", "drop", NULL};
    cd_xf_chain_t *c = chain(kv);
    cd_arena_t *a = cd_arena_new();
    char err[512] = "";
    cd_header_t h = {"drop", "[\"name\",\"id\"]", 13};
    cd_xf_record_t r = event("c");
    r.headers = &h, r.n_headers = 1;
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    /* keep.schema.compatible: only optional fields go; id is required */
    assert_int_equal(r.value_schema->n_fields, 1);
    assert_string_equal(r.value_schema->fields[0].name, "id");
    cd_arena_destroy(a);
    cd_xf_chain_destroy(c);
}

static void test_refused_and_route_errors(void **state) {
    (void)state;
    static const struct {
        const char *key, *value, *msg;
    } bad[] = {
        {"transforms.u.delete.tombstone.handling.mode", "soft", "Unable to validate config."},
        {"transforms.u.drop.fields.from.key", "maybe", "Unable to validate config."},
        {"transforms.u.add.fields", "op,a:b:c", "Unexpected field name: a:b:c"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cd_props_t *p = cd_props_new();
        cd_props_set(p, "transforms", "u");
        cd_props_set(p, "transforms.u.type", U);
        cd_props_set(p, bad[i].key, bad[i].value);
        cd_xf_chain_t *c = NULL;
        char err[1024] = "";
        assert_int_equal(cd_xf_chain_new(p, &c, err, sizeof(err)), -1);
        assert_non_null(strstr(err, bad[i].msg));
        cd_props_destroy(p);
    }
    static const char *const kv[] = {"transforms.u.route.by.field", "id", NULL};
    cd_xf_chain_t *c = chain(kv);
    cd_arena_t *a = cd_arena_new();
    char err[512] = "";
    cd_xf_record_t r = event("c");
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "Field 'id' is not of type STRING"));
    cd_xf_chain_destroy(c);
    /* an added field whose name is taken: SchemaBuilder's exception */
    static const char *const dup[] = {"transforms.u.add.fields", "op,ts_ms:op", NULL};
    c = chain(dup);
    r = event("c");
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), -1);
    assert_string_equal(err, "Cannot create field because of field name duplication __op");
    cd_arena_destroy(a);
    cd_xf_chain_destroy(c);
}

/* ByLogicalTableRouter: topic by matches() + replaceFirst, key renamed with the physical table's
 * identifier, envelope and rows renamed, defaults put in for null columns (Struct.get). */
static void test_by_logical_table_router(void **state) {
    (void)state;
    static const cd_schema_t KEY = {.type = CD_TYPE_STRUCT, .name = "srv.public.t.Key", .fields = ROW_FIELDS,
                                    .n_fields = 1};
    static const char *const kv[] = {"transforms", "r", "transforms.r.type", "io.debezium.transforms.ByLogicalTableRouter",
                                     "transforms.r.topic.regex", "([^.]+)\\.public\\.(.*)",
                                     "transforms.r.topic.replacement", "$1.all",
                                     "transforms.r.key.field.regex", ".*\\.(.*)",
                                     "transforms.r.key.field.replacement", "table_$1", NULL};
    cd_props_t *p = cd_props_new();
    for (const char *const *k = kv; k[0]; k += 2) cd_props_set(p, k[0], k[1]);
    cd_xf_chain_t *c = NULL;
    char err[512] = "";
    assert_int_equal(cd_xf_chain_new(p, &c, err, sizeof(err)), 0);
    cd_props_destroy(p);
    cd_arena_t *a = cd_arena_new();
    cd_xf_record_t r = event("u");
    cd_value_t key_f[1] = {cd_int(CD_TYPE_INT32, 7)};
    cd_value_t key = {.type = CD_TYPE_STRUCT, .u.strct = {key_f, 1}};
    r.key_schema = &KEY, r.key = &key;
    assert_int_equal(cd_xf_chain_apply(c, &r, a, err, sizeof(err)), 0);
    assert_string_equal(r.topic, "srv.all");
    assert_string_equal(r.key_schema->name, "srv.all.Key");
    assert_int_equal(r.key_schema->n_fields, 2);
    assert_string_equal(r.key_schema->fields[1].name, "__dbz__physicalTableIdentifier");
    assert_memory_equal(r.key->u.strct.fields[1].u.str.ptr, "table_t", 7);
    assert_string_equal(r.value_schema->name, "srv.all.Envelope");
    assert_int_equal(r.value_schema->version, 2);
    assert_string_equal(r.value_schema->fields[0].schema->name, "srv.all.Value");
    assert_true(r.value_schema->fields[0].schema->optional);
    /* before's null name: Struct.get gives the column's default */
    assert_memory_equal(r.value->u.strct.fields[0].u.strct.fields[1].u.str.ptr, "anon", 4);
    /* a tombstone: topic and key change, the value stays null */
    cd_xf_record_t t = {.topic = "srv.public.t", .kafka_partition = -1, .kafka_offset = -1, .timestamp_ms = -1,
                        .key_schema = &KEY, .key = &key};
    assert_int_equal(cd_xf_chain_apply(c, &t, a, err, sizeof(err)), 0);
    assert_string_equal(t.topic, "srv.all");
    assert_null(t.value);
    assert_int_equal(t.key_schema->n_fields, 2);
    /* a topic the regex does not match whole is left */
    cd_xf_record_t o = {.topic = "srv.transaction", .kafka_partition = -1, .kafka_offset = -1, .timestamp_ms = -1};
    assert_int_equal(cd_xf_chain_apply(c, &o, a, err, sizeof(err)), 0);
    assert_string_equal(o.topic, "srv.transaction");
    cd_arena_destroy(a);
    cd_xf_chain_destroy(c);
    /* refused: no topic.regex; key.field.regex without key.field.replacement; avro adjustment */
    static const char *const bad[][2] = {{"transforms.r.topic.regex", ""}, {"transforms.r.key.field.replacement", " "},
                                         {"transforms.r.schema.name.adjustment.mode", "avro"}};
    for (size_t i = 0; i < 3; i++) {
        p = cd_props_new();
        for (const char *const *k = kv; k[0]; k += 2) cd_props_set(p, k[0], k[1]);
        cd_props_set(p, bad[i][0], bad[i][1]);
        c = NULL;
        assert_int_equal(cd_xf_chain_new(p, &c, err, sizeof(err)), -1);
        assert_non_null(strstr(err, i < 2 ? "Unable to validate config." : "does not implement"));
        cd_props_destroy(p);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_with_fields_headers_route),
        cmocka_unit_test(test_delete_modes),
        cmocka_unit_test(test_replace_null_off_and_not_envelopes),
        cmocka_unit_test(test_drop_fields_header),
        cmocka_unit_test(test_refused_and_route_errors),
        cmocka_unit_test(test_by_logical_table_router),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
