/* transforms_fields.c - Kafka's transformations that add, remove, rename, mask or wrap the fields
 * of a key or value: InsertField, ReplaceField, MaskField, HoistField ($Key and $Value), as
 * org.apache.kafka.connect.transforms 4.1.1 has them: same options, same results, same exception
 * texts. */
#include "connect/converter.h"
#include "connect/transforms.h"
#include "connect/transforms_family.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/java_hash.h"
#include "version.h"
#include "xalloc.h"



typedef struct {
    bool is_key;
} side_t;
static const side_t KEY_SIDE = {true}, VALUE_SIDE = {false};

static cd_value_t str_value(const char *s) { return cd_string(s, strlen(s)); }

/* Kafka's fixed schemas InsertField adds. */
static const cd_schema_t STRING_SCHEMA = {.type = CD_TYPE_STRING};
static const cd_schema_t OPT_STRING_SCHEMA = {.type = CD_TYPE_STRING, .optional = true};
static const cd_schema_t INT32_SCHEMA = {.type = CD_TYPE_INT32};
static const cd_schema_t OPT_INT32_SCHEMA = {.type = CD_TYPE_INT32, .optional = true};
static const cd_schema_t INT64_SCHEMA = {.type = CD_TYPE_INT64};
static const cd_schema_t OPT_INT64_SCHEMA = {.type = CD_TYPE_INT64, .optional = true};
static const cd_schema_t TIMESTAMP_SCHEMA = {.type = CD_TYPE_INT64, .name = CD_LOGICAL_TIMESTAMP, .version = 1};
static const cd_schema_t OPT_TIMESTAMP_SCHEMA = {.type = CD_TYPE_INT64, .optional = true,
                                                 .name = CD_LOGICAL_TIMESTAMP, .version = 1};

/* ==== InsertField ============================================================================= */

#define IF_SUFFIX_DOC                                                                                      \
    "Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the " \
    "default)."
static const cd_config_key_t INSERT_FIELD_KEYS[] = {
    OPT("topic.field", CD_CFG_STRING, NULL, CD_IMPORTANCE_MEDIUM, "Field name for Kafka topic. " IF_SUFFIX_DOC),
    OPT("partition.field", CD_CFG_STRING, NULL, CD_IMPORTANCE_MEDIUM,
        "Field name for Kafka partition. " IF_SUFFIX_DOC),
    OPT("offset.field", CD_CFG_STRING, NULL, CD_IMPORTANCE_MEDIUM,
        "Field name for Kafka offset - only applicable to sink connectors.<br/>" IF_SUFFIX_DOC),
    OPT("timestamp.field", CD_CFG_STRING, NULL, CD_IMPORTANCE_MEDIUM,
        "Field name for record timestamp. " IF_SUFFIX_DOC),
    OPT("static.field", CD_CFG_STRING, NULL, CD_IMPORTANCE_MEDIUM,
        "Field name for static data field. " IF_SUFFIX_DOC),
    OPT("static.value", CD_CFG_STRING, NULL, CD_IMPORTANCE_MEDIUM, "Static field value, if field name configured."),
    REPLACE_NULL_KEY,
};

enum { IF_TOPIC, IF_PARTITION, IF_OFFSET, IF_TIMESTAMP, IF_STATIC, IF_N };

typedef struct {
    bool is_key, replace_null;
    char *name[IF_N]; /* NULL: not inserted */
    bool optional[IF_N];
    char *static_value;
    cd_xf_schema_cache_t *cache;
} insert_field_t;

/* ConfigDef's STRING parse trims; InsertionSpec.parse then takes a trailing ? or ! off. */
static char *opt_string(const cd_props_t *c, const char *key) {
    const char *v = cd_props_get(c, key);
    if (!v) return NULL;
    while (*v && (unsigned char)*v <= ' ') v++;
    size_t len = strlen(v);
    while (len && (unsigned char)v[len - 1] <= ' ') len--;
    return strndup(v, len);
}

static void *insert_field_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    (void)errstr, (void)errstr_size;
    insert_field_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->is_key = ((const side_t *)opts)->is_key;
    static const char *const keys[IF_N] = {"topic.field", "partition.field", "offset.field", "timestamp.field",
                                           "static.field"};
    for (int i = 0; i < IF_N; i++) {
        char *s = opt_string(c, keys[i]);
        if (!s) continue;
        size_t len = strlen(s);
        x->optional[i] = true;
        if (len && (s[len - 1] == '?' || s[len - 1] == '!')) {
            x->optional[i] = s[len - 1] == '?';
            s[len - 1] = '\0';
        }
        x->name[i] = s;
    }
    x->static_value = opt_string(c, "static.value");
    x->replace_null = cd_xf_bool(c, "replace.null.with.default", true);
    x->cache = cd_xf_schema_cache_new();
    return x;
}

static void insert_field_destroy(void *self) {
    insert_field_t *x = self;
    for (int i = 0; i < IF_N; i++) free(x->name[i]);
    free(x->static_value);
    cd_xf_schema_cache_destroy(x->cache);
    free(x);
}

#define IF_PURPOSE "field insertion"

/* What each inserted field gets for this record; false: nothing is put. */
static bool insert_value(const insert_field_t *x, int i, const cd_xf_record_t *rec, bool with_schema,
                         cd_value_t *out, char *errstr, size_t errstr_size, int *err) {
    if (!x->name[i]) return false;
    switch (i) {
    case IF_TOPIC: *out = str_value(rec->topic); return true;
    case IF_PARTITION:
        if (rec->kafka_partition < 0) return false;
        *out = cd_int(CD_TYPE_INT32, rec->kafka_partition);
        return true;
    case IF_OFFSET:
        if (!rec->is_sink) {
            snprintf(errstr, errstr_size, "Only SinkRecord supported for [%s], found: %s", IF_PURPOSE,
                     "org.apache.kafka.connect.source.SourceRecord");
            *err = -1;
            return false;
        }
        *out = cd_int(CD_TYPE_INT64, rec->kafka_offset);
        return true;
    case IF_TIMESTAMP:
        if (rec->timestamp_ms < 0) return false;
        *out = cd_int(CD_TYPE_INT64, rec->timestamp_ms); /* a Date with a schema, a Long without */
        (void)with_schema;
        return true;
    case IF_STATIC:
        if (!x->static_value) return false;
        *out = str_value(x->static_value);
        return true;
    }
    return false;
}

static const cd_schema_t *insert_field_schema(insert_field_t *x, const cd_schema_t *in, cd_arena_t *arena) {
    const cd_schema_t *cached = cd_xf_schema_cache_get(x->cache, in);
    if (cached) return cached;
    cd_arena_t *a = cd_xf_schema_cache_arena(x->cache, in, arena);
    size_t n = in->n_fields;
    for (int i = 0; i < IF_N; i++) n += x->name[i] != NULL;
    cd_schema_t *s = cd_xf_struct_like(a, in, n);
    cd_field_t *f = (cd_field_t *)s->fields;
    size_t k = 0;
    for (size_t i = 0; i < in->n_fields; i++) f[k++] = in->fields[i];
    static const cd_schema_t *const req[IF_N] = {&STRING_SCHEMA, &INT32_SCHEMA, &INT64_SCHEMA, &TIMESTAMP_SCHEMA,
                                                 &STRING_SCHEMA};
    static const cd_schema_t *const opt[IF_N] = {&OPT_STRING_SCHEMA, &OPT_INT32_SCHEMA, &OPT_INT64_SCHEMA,
                                                 &OPT_TIMESTAMP_SCHEMA, &OPT_STRING_SCHEMA};
    for (int i = 0; i < IF_N; i++)
        if (x->name[i]) f[k++] = (cd_field_t){cd_arena_strndup(a, x->name[i], strlen(x->name[i])),
                                               x->optional[i] ? opt[i] : req[i]};
    return cd_xf_schema_cache_put(x->cache, in, s);
}

static int insert_field_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    insert_field_t *x = self;
    const cd_schema_t *schema;
    const cd_value_t *value;
    cd_xf_operating(rec, x->is_key, &schema, &value);
    if (!value) return 0;
    int err = 0;
    if (!schema) {
        if (cd_xf_require_map(value, IF_PURPOSE, errstr, errstr_size)) return -1;
        size_t n0 = value->u.map.n, n = n0;
        cd_value_t *keys = cd_xf_new_values(arena, n0 + IF_N), *vals = cd_xf_new_values(arena, n0 + IF_N);
        memcpy(keys, value->u.map.keys, n0 * sizeof(*keys));
        memcpy(vals, value->u.map.values, n0 * sizeof(*vals));
        for (int i = 0; i < IF_N; i++) {
            cd_value_t v;
            if (!insert_value(x, i, rec, false, &v, errstr, errstr_size, &err)) {
                if (err) return -1;
                continue;
            }
            cd_value_t k = str_value(x->name[i]);
            int at = -1;
            for (size_t j = 0; j < n && at < 0; j++)
                if (keys[j].u.str.len == k.u.str.len && !memcmp(keys[j].u.str.ptr, k.u.str.ptr, k.u.str.len))
                    at = (int)j;
            if (at < 0) at = (int)n++;
            keys[at] = k;
            vals[at] = v;
        }
        java_hashmap_order_values(keys, vals, n, java_hashmap_copy_capacity(n0));
        cd_value_t *m = cd_xf_new_values(arena, 1);
        m->type = CD_TYPE_MAP;
        m->u.map.keys = keys;
        m->u.map.values = vals;
        m->u.map.n = n;
        cd_xf_set_operating(rec, x->is_key, NULL, m);
        return 0;
    }
    if (cd_xf_require_struct(schema, value, IF_PURPOSE, errstr, errstr_size)) return -1;
    const cd_schema_t *out = insert_field_schema(x, schema, arena);
    cd_value_t *fields = cd_xf_new_values(arena, out->n_fields);
    size_t k = 0;
    for (size_t i = 0; i < schema->n_fields; i++) fields[k++] = *cd_xf_field_value(schema, value, i, x->replace_null);
    for (int i = 0; i < IF_N; i++) {
        if (!x->name[i]) continue;
        cd_value_t v;
        if (insert_value(x, i, rec, true, &v, errstr, errstr_size, &err))
            fields[k] = v;
        else if (err)
            return -1;
        else
            fields[k] = cd_null();
        k++;
    }
    cd_xf_set_operating(rec, x->is_key, out, cd_xf_struct_value(arena, fields, out->n_fields));
    return 0;
}

#define INSERT_FIELD(suffix, side)                                                                          \
    {.class_name = "org.apache.kafka.connect.transforms.InsertField$" suffix, .kind = CD_XF_TRANSFORMATION, \
     .version = CONNECTD_KAFKA_CONNECT_VERSION, .config_def = {INSERT_FIELD_KEYS, NKEYS(INSERT_FIELD_KEYS)},   \
     .opts = &side, .create = insert_field_create, .apply = insert_field_apply, .destroy = insert_field_destroy}
static const cd_xf_plugin_t INSERT_FIELD_KEY = INSERT_FIELD("Key", KEY_SIDE);
static const cd_xf_plugin_t INSERT_FIELD_VALUE = INSERT_FIELD("Value", VALUE_SIDE);

/* ==== HoistField ============================================================================== */

static const cd_config_key_t HOIST_FIELD_KEYS[] = {
    REQ("field", CD_CFG_STRING, CD_IMPORTANCE_MEDIUM,
        "Field name for the single field that will be created in the resulting Struct or Map."),
};

typedef struct {
    bool is_key;
    char *field;
    cd_xf_schema_cache_t *cache;
} hoist_field_t;

static void *hoist_field_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    char *field = opt_string(c, "field");
    if (!field) {
        snprintf(errstr, errstr_size, "Missing required configuration \"field\" which has no default value.");
        return NULL;
    }
    hoist_field_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->is_key = ((const side_t *)opts)->is_key;
    x->field = field;
    x->cache = cd_xf_schema_cache_new();
    return x;
}

static void hoist_field_destroy(void *self) {
    hoist_field_t *x = self;
    free(x->field);
    cd_xf_schema_cache_destroy(x->cache);
    free(x);
}

static int hoist_field_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    (void)errstr, (void)errstr_size;
    hoist_field_t *x = self;
    const cd_schema_t *schema;
    const cd_value_t *value;
    cd_xf_operating(rec, x->is_key, &schema, &value);
    cd_value_t *inner = cd_xf_new_values(arena, 1);
    *inner = value ? *value : cd_null();
    cd_value_t *out = cd_xf_new_values(arena, 1);
    if (!schema) {
        cd_value_t *k = cd_xf_new_values(arena, 1);
        *k = str_value(x->field);
        out->type = CD_TYPE_MAP;
        out->u.map.keys = k;
        out->u.map.values = inner;
        out->u.map.n = 1;
        cd_xf_set_operating(rec, x->is_key, NULL, out);
        return 0;
    }
    const cd_schema_t *s = cd_xf_schema_cache_get(x->cache, schema);
    if (!s) {
        cd_arena_t *a = cd_xf_schema_cache_arena(x->cache, schema, arena);
        static const cd_schema_t EMPTY = {.type = CD_TYPE_STRUCT};
        cd_schema_t *b = cd_xf_struct_like(a, &EMPTY, 1);
        ((cd_field_t *)b->fields)[0] = (cd_field_t){cd_arena_strndup(a, x->field, strlen(x->field)), schema};
        s = cd_xf_schema_cache_put(x->cache, schema, b);
    }
    out->type = CD_TYPE_STRUCT;
    out->u.strct.fields = inner;
    out->u.strct.n = 1;
    cd_xf_set_operating(rec, x->is_key, s, out);
    return 0;
}

#define HOIST_FIELD(suffix, side)                                                                          \
    {.class_name = "org.apache.kafka.connect.transforms.HoistField$" suffix, .kind = CD_XF_TRANSFORMATION, \
     .version = CONNECTD_KAFKA_CONNECT_VERSION, .config_def = {HOIST_FIELD_KEYS, NKEYS(HOIST_FIELD_KEYS)},    \
     .opts = &side, .create = hoist_field_create, .apply = hoist_field_apply, .destroy = hoist_field_destroy}
static const cd_xf_plugin_t HOIST_FIELD_KEY = HOIST_FIELD("Key", KEY_SIDE);
static const cd_xf_plugin_t HOIST_FIELD_VALUE = HOIST_FIELD("Value", VALUE_SIDE);

/* ==== ReplaceField ============================================================================ */

/* ReplaceField.parseRenameMappings: each item split as Java's split(":") (trailing empty parts
 * dropped) must give two parts. */
static bool rename_ok(const char *m, const char **colon) {
    const char *c = strchr(m, ':');
    if (!c) return false;
    const char *rest = c + 1;
    const char *c2 = strchr(rest, ':');
    if (c2) { /* more parts: only trailing empty ones may follow */
        for (const char *p = c2; *p; p++)
            if (*p != ':') return false;
    }
    if (!*rest || rest == c2) return false; /* "a:" -> one part */
    *colon = c;
    return true;
}

static void renames_validator(const char *name, bool is_null, const char *str, const char *display, char *err,
                              size_t err_size) {
    if (is_null) return;
    char **items;
    size_t n = cd_xf_list(str, &items);
    for (size_t i = 0; i < n; i++) {
        const char *colon;
        if (!rename_ok(items[i], &colon)) {
            snprintf(err, err_size, "Invalid value %s for configuration %s: Invalid rename mapping: %s", display,
                     name, items[i]);
            break;
        }
    }
    free(items);
}

static const cd_config_key_t REPLACE_FIELD_KEYS[] = {
    OPT("exclude", CD_CFG_LIST, "", CD_IMPORTANCE_MEDIUM,
        "Fields to exclude. This takes precedence over the fields to include."),
    OPT("include", CD_CFG_LIST, "", CD_IMPORTANCE_MEDIUM,
        "Fields to include. If specified, only these fields will be used."),
    OPT("renames", CD_CFG_LIST, "", CD_IMPORTANCE_MEDIUM, "Field rename mappings.", .validator = CD_VALID_CUSTOM,
        .custom = renames_validator),
    REPLACE_NULL_KEY,
};

typedef struct {
    bool is_key, replace_null;
    char **exclude, **include, **renames;
    size_t n_exclude, n_include, n_renames;
    char **from, **to; /* renames split */
    cd_xf_schema_cache_t *cache;
} replace_field_t;

static void replace_field_destroy(void *self) {
    replace_field_t *x = self;
    free(x->exclude);
    free(x->include);
    free(x->renames);
    for (size_t i = 0; i < x->n_renames; i++) free(x->from[i]), free(x->to[i]);
    free(x->from);
    free(x->to);
    cd_xf_schema_cache_destroy(x->cache);
    free(x);
}

static void *replace_field_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    replace_field_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->is_key = ((const side_t *)opts)->is_key;
    x->n_exclude = cd_xf_list(cd_props_get(c, "exclude"), &x->exclude);
    x->n_include = cd_xf_list(cd_props_get(c, "include"), &x->include);
    x->n_renames = cd_xf_list(cd_props_get(c, "renames"), &x->renames);
    x->from = xmalloc((x->n_renames + 1) * sizeof(char *));
    x->to = xmalloc((x->n_renames + 1) * sizeof(char *));
    x->replace_null = cd_xf_bool(c, "replace.null.with.default", true);
    x->cache = cd_xf_schema_cache_new();
    for (size_t i = 0; i < x->n_renames; i++) {
        const char *colon;
        if (!rename_ok(x->renames[i], &colon)) {
            char disp[1024];
            renames_validator("renames", false, cd_props_get(c, "renames"), cd_props_get(c, "renames"), disp,
                              sizeof(disp));
            snprintf(errstr, errstr_size, "%s", disp);
            x->n_renames = i;
            replace_field_destroy(x);
            return NULL;
        }
        x->from[i] = strndup(x->renames[i], (size_t)(colon - x->renames[i]));
        const char *e = strchr(colon + 1, ':');
        x->to[i] = e ? strndup(colon + 1, (size_t)(e - colon - 1)) : strdup(colon + 1);
    }
    return x;
}

static bool in_list(char **l, size_t n, const char *s, size_t len) {
    for (size_t i = 0; i < n; i++)
        if (strlen(l[i]) == len && !memcmp(l[i], s, len)) return true;
    return false;
}

static bool rf_filter(const replace_field_t *x, const char *s, size_t len) {
    return !in_list(x->exclude, x->n_exclude, s, len) && (!x->n_include || in_list(x->include, x->n_include, s, len));
}

/* renamed(): a later mapping of the same name wins, as in the HashMap Kafka fills. */
static const char *rf_renamed(const replace_field_t *x, const char *s, size_t len) {
    const char *r = NULL;
    for (size_t i = 0; i < x->n_renames; i++)
        if (strlen(x->from[i]) == len && !memcmp(x->from[i], s, len)) r = x->to[i];
    return r;
}

#define RF_PURPOSE "field replacement"

static int replace_field_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    replace_field_t *x = self;
    const cd_schema_t *schema;
    const cd_value_t *value;
    cd_xf_operating(rec, x->is_key, &schema, &value);
    if (!value) return 0;
    if (!schema) {
        if (cd_xf_require_map(value, RF_PURPOSE, errstr, errstr_size)) return -1;
        size_t n = 0, n0 = value->u.map.n;
        cd_value_t *keys = cd_xf_new_values(arena, n0), *vals = cd_xf_new_values(arena, n0);
        for (size_t i = 0; i < n0; i++) {
            const cd_value_t *k = &value->u.map.keys[i];
            if (k->type != CD_TYPE_STRING || k->is_null) continue;
            if (!rf_filter(x, k->u.str.ptr, k->u.str.len)) continue;
            const char *r = rf_renamed(x, k->u.str.ptr, k->u.str.len);
            cd_value_t nk = r ? str_value(r) : *k;
            int at = -1;
            for (size_t j = 0; j < n && at < 0; j++)
                if (keys[j].u.str.len == nk.u.str.len && !memcmp(keys[j].u.str.ptr, nk.u.str.ptr, nk.u.str.len))
                    at = (int)j;
            if (at < 0) at = (int)n++;
            keys[at] = nk;
            vals[at] = value->u.map.values[i];
        }
        java_hashmap_order_values(keys, vals, n, java_table_size_for(n0));
        cd_value_t *m = cd_xf_new_values(arena, 1);
        m->type = CD_TYPE_MAP;
        m->u.map.keys = keys;
        m->u.map.values = vals;
        m->u.map.n = n;
        cd_xf_set_operating(rec, x->is_key, NULL, m);
        return 0;
    }
    if (cd_xf_require_struct(schema, value, RF_PURPOSE, errstr, errstr_size)) return -1;
    /* which input field each output field takes (the schema is derived the same way each time) */
    size_t *src = arena ? cd_arena_alloc(arena, (schema->n_fields + 1) * sizeof(size_t)) : NULL;
    size_t n = 0;
    for (size_t i = 0; i < schema->n_fields; i++)
        if (rf_filter(x, schema->fields[i].name, strlen(schema->fields[i].name))) src[n++] = i;
    const cd_schema_t *out = cd_xf_schema_cache_get(x->cache, schema);
    if (!out) {
        cd_arena_t *a = cd_xf_schema_cache_arena(x->cache, schema, arena);
        cd_schema_t *s = cd_xf_struct_like(a, schema, n);
        cd_field_t *f = (cd_field_t *)s->fields;
        for (size_t i = 0; i < n; i++) {
            const cd_field_t *in = &schema->fields[src[i]];
            const char *r = rf_renamed(x, in->name, strlen(in->name));
            for (size_t j = 0; j < i; j++)
                if (!strcmp(f[j].name, r ? r : in->name)) {
                    snprintf(errstr, errstr_size, "Cannot create field because of field name duplication %s",
                             r ? r : in->name);
                    return -1;
                }
            f[i] = (cd_field_t){r ? cd_arena_strndup(a, r, strlen(r)) : in->name, in->schema};
        }
        out = cd_xf_schema_cache_put(x->cache, schema, s);
    }
    cd_value_t *fields = cd_xf_new_values(arena, n);
    for (size_t i = 0; i < n; i++) fields[i] = *cd_xf_field_value(schema, value, src[i], x->replace_null);
    cd_xf_set_operating(rec, x->is_key, out, cd_xf_struct_value(arena, fields, n));
    return 0;
}

#define REPLACE_FIELD(suffix, side)                                                                          \
    {.class_name = "org.apache.kafka.connect.transforms.ReplaceField$" suffix, .kind = CD_XF_TRANSFORMATION, \
     .version = CONNECTD_KAFKA_CONNECT_VERSION, .config_def = {REPLACE_FIELD_KEYS, NKEYS(REPLACE_FIELD_KEYS)},  \
     .opts = &side, .create = replace_field_create, .apply = replace_field_apply,                              \
     .destroy = replace_field_destroy}
static const cd_xf_plugin_t REPLACE_FIELD_KEY = REPLACE_FIELD("Key", KEY_SIDE);
static const cd_xf_plugin_t REPLACE_FIELD_VALUE = REPLACE_FIELD("Value", VALUE_SIDE);

/* ==== MaskField =============================================================================== */

static const cd_config_key_t MASK_FIELD_KEYS[] = {
    REQ("fields", CD_CFG_LIST, CD_IMPORTANCE_HIGH, "Names of fields to mask.", .validator = CD_VALID_NON_EMPTY_LIST),
    OPT("replacement", CD_CFG_STRING, NULL, CD_IMPORTANCE_LOW,
        "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string "
        "values only).",
        .validator = CD_VALID_NON_EMPTY_STRING),
    REPLACE_NULL_KEY,
};

typedef struct {
    bool is_key, replace_null;
    char **fields;
    size_t n_fields;
    char *replacement;
} mask_field_t;

static void *mask_field_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    mask_field_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->is_key = ((const side_t *)opts)->is_key;
    x->n_fields = cd_xf_list(cd_props_get(c, "fields"), &x->fields);
    x->replacement = opt_string(c, "replacement");
    x->replace_null = cd_xf_bool(c, "replace.null.with.default", true);
    if (!x->n_fields) {
        snprintf(errstr, errstr_size, "Invalid value %s for configuration fields: Empty list",
                 cd_props_get(c, "fields") ? "[]" : "null");
        free(x->fields);
        free(x->replacement);
        free(x);
        return NULL;
    }
    return x;
}

static void mask_field_destroy(void *self) {
    mask_field_t *x = self;
    free(x->fields);
    free(x->replacement);
    free(x);
}

/* Java's Integer.parseInt & co. for a custom replacement. */
static bool parse_long(const char *s, int64_t lo, int64_t hi, int64_t *out) {
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    if (!*p) return false;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9') return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

/* MaskField.masked: Kafka's empty value of the type, or the replacement parsed as the type. */
static int mask_value(const mask_field_t *x, const cd_schema_t *schema, const cd_value_t *in, cd_value_t *out,
                      char *errstr, size_t errstr_size) {
    if (!in || in->is_null) {
        *out = cd_null();
        return 0;
    }
    const char *cls = cd_xf_java_class(schema, in);
    cd_type_t t = schema ? schema->type : in->type;
    bool logical = schema && schema->name &&
                   (!strcmp(schema->name, CD_LOGICAL_DECIMAL) || !strcmp(schema->name, CD_LOGICAL_DATE) ||
                    !strcmp(schema->name, CD_LOGICAL_TIME) || !strcmp(schema->name, CD_LOGICAL_TIMESTAMP));
    *out = *in;
    if (!x->replacement) {
        if (logical && !strcmp(schema->name, CD_LOGICAL_DECIMAL)) {
            static const char zero = 0;
            out->u.str.ptr = &zero; /* BigDecimal.ZERO at the schema's scale: unscaled 0 */
            out->u.str.len = 1;
            return 0;
        }
        switch (t) {
        case CD_TYPE_INT8: case CD_TYPE_INT16: case CD_TYPE_INT32: case CD_TYPE_INT64: out->u.i = 0; return 0;
        case CD_TYPE_FLOAT32: case CD_TYPE_FLOAT64: out->u.f = 0; return 0;
        case CD_TYPE_BOOLEAN: out->u.b = false; return 0;
        case CD_TYPE_STRING: out->u.str.ptr = ""; out->u.str.len = 0; return 0;
        case CD_TYPE_ARRAY: out->u.array.n = 0; return 0;
        case CD_TYPE_MAP: out->u.map.n = 0; return 0;
        default: break;
        }
        snprintf(errstr, errstr_size, "Cannot mask value of type: class %s", cls);
        return -1;
    }
    const char *r = x->replacement;
    if (!logical) {
        int64_t v;
        switch (t) {
        case CD_TYPE_STRING: out->u.str.ptr = r; out->u.str.len = strlen(r); return 0;
        case CD_TYPE_INT8: case CD_TYPE_INT16: case CD_TYPE_INT32: case CD_TYPE_INT64: {
            int64_t lim = t == CD_TYPE_INT8 ? INT8_MAX : t == CD_TYPE_INT16 ? INT16_MAX : t == CD_TYPE_INT32 ? INT32_MAX
                                                                                                            : INT64_MAX;
            if (!parse_long(r, -lim - 1, lim, &v)) goto nan;
            out->u.i = v;
            return 0;
        }
        case CD_TYPE_FLOAT32: case CD_TYPE_FLOAT64: {
            char *end;
            errno = 0;
            double d = strtod(r, &end);
            if (end == r || *end) goto nan;
            out->u.f = t == CD_TYPE_FLOAT32 ? (double)(float)d : d;
            return 0;
        }
        default: break;
        }
    } else if (!strcmp(schema->name, CD_LOGICAL_DECIMAL)) {
        snprintf(errstr, errstr_size,
                 "connectd cannot mask a Decimal with a custom replacement yet: remove 'replacement' or the field");
        return -1;
    }
    snprintf(errstr, errstr_size, "Cannot mask value of type class %s with custom replacement.", cls);
    return -1;
nan:
    snprintf(errstr, errstr_size, "Unable to convert %s (class java.lang.String) to a number", r); /* Values.convertTo* */
    return -1;
}

#define MF_PURPOSE "mask fields"

static int mask_field_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    mask_field_t *x = self;
    const cd_schema_t *schema;
    const cd_value_t *value;
    cd_xf_operating(rec, x->is_key, &schema, &value);
    if (!schema) {
        if (cd_xf_require_map(value, MF_PURPOSE, errstr, errstr_size)) return -1;
        size_t n0 = value->u.map.n, n = n0;
        cd_value_t *keys = cd_xf_new_values(arena, n0 + x->n_fields), *vals = cd_xf_new_values(arena, n0 + x->n_fields);
        memcpy(keys, value->u.map.keys, n0 * sizeof(*keys));
        memcpy(vals, value->u.map.values, n0 * sizeof(*vals));
        for (size_t f = 0; f < x->n_fields; f++) {
            int at = cd_xf_map_index(value, x->fields[f]);
            cd_value_t mv;
            if (mask_value(x, NULL, at >= 0 ? &value->u.map.values[at] : NULL, &mv, errstr, errstr_size)) return -1;
            if (at < 0) { /* Kafka puts the masked null of an absent field */
                bool dup = false;
                for (size_t j = n0; j < n && !dup; j++)
                    dup = keys[j].u.str.len == strlen(x->fields[f]) &&
                          !memcmp(keys[j].u.str.ptr, x->fields[f], keys[j].u.str.len);
                if (dup) continue;
                at = (int)n++;
                keys[at] = str_value(x->fields[f]);
            }
            vals[at] = mv;
        }
        java_hashmap_order_values(keys, vals, n, java_hashmap_copy_capacity(n0));
        cd_value_t *m = cd_xf_new_values(arena, 1);
        m->type = CD_TYPE_MAP;
        m->u.map.keys = keys;
        m->u.map.values = vals;
        m->u.map.n = n;
        cd_xf_set_operating(rec, x->is_key, NULL, m);
        return 0;
    }
    if (cd_xf_require_struct(schema, value, MF_PURPOSE, errstr, errstr_size)) return -1;
    cd_value_t *fields = cd_xf_new_values(arena, schema->n_fields);
    for (size_t i = 0; i < schema->n_fields; i++) {
        const cd_value_t *v = cd_xf_field_value(schema, value, i, x->replace_null);
        if (in_list(x->fields, x->n_fields, schema->fields[i].name, strlen(schema->fields[i].name))) {
            if (mask_value(x, schema->fields[i].schema, v, &fields[i], errstr, errstr_size)) return -1;
        } else {
            fields[i] = *v;
        }
    }
    cd_xf_set_operating(rec, x->is_key, schema, cd_xf_struct_value(arena, fields, schema->n_fields));
    return 0;
}

#define MASK_FIELD(suffix, side)                                                                          \
    {.class_name = "org.apache.kafka.connect.transforms.MaskField$" suffix, .kind = CD_XF_TRANSFORMATION, \
     .version = CONNECTD_KAFKA_CONNECT_VERSION, .config_def = {MASK_FIELD_KEYS, NKEYS(MASK_FIELD_KEYS)},     \
     .opts = &side, .create = mask_field_create, .apply = mask_field_apply, .destroy = mask_field_destroy}
static const cd_xf_plugin_t MASK_FIELD_KEY = MASK_FIELD("Key", KEY_SIDE);
static const cd_xf_plugin_t MASK_FIELD_VALUE = MASK_FIELD("Value", VALUE_SIDE);

const cd_xf_plugin_t *const cd_xf_field_plugins[] = {
    &INSERT_FIELD_KEY, &INSERT_FIELD_VALUE, &REPLACE_FIELD_KEY, &REPLACE_FIELD_VALUE, &MASK_FIELD_KEY,
    &MASK_FIELD_VALUE, &HOIST_FIELD_KEY,    &HOIST_FIELD_VALUE, NULL,
};
