/* transforms_headers.c - Kafka's transformations that drop records or work on headers (Filter,
 * DropHeaders, HeaderFrom, InsertHeader) and its predicates (RecordIsTombstone, HasHeaderKey), as
 * org.apache.kafka.connect.transforms 4.1.1 has them. Headers they make carry the text
 * SimpleHeaderConverter writes (values.h). */
#include "connect/converter.h"
#include "connect/transforms.h"
#include "connect/transforms_family.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/java_hash.h"
#include "connect/values.h"
#include "version.h"
#include "xalloc.h"


/* ==== Filter ================================================================================= */

static void *filter_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    (void)opts, (void)c, (void)errstr, (void)errstr_size;
    static int instance;
    return &instance; /* stateless */
}

static int filter_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    (void)self, (void)rec, (void)arena, (void)errstr, (void)errstr_size;
    return 1;
}

static void nothing_to_destroy(void *self) { (void)self; }

static const cd_xf_plugin_t FILTER = {
    .class_name = "org.apache.kafka.connect.transforms.Filter", .alias = "Filter", .kind = CD_XF_TRANSFORMATION,
    .version = CONNECTD_KAFKA_CONNECT_VERSION, .create = filter_create, .apply = filter_apply,
    .destroy = nothing_to_destroy};

/* ==== DropHeaders ============================================================================ */

static const cd_config_key_t DROP_HEADERS_KEYS[] = {
    {.name = "headers", .type = CD_CFG_LIST, .has_default = false, .validator = CD_VALID_NON_EMPTY_LIST,
     .importance = CD_IMPORTANCE_HIGH, .documentation = "The name of the headers to be removed.", .order = -1,
     .width = CD_WIDTH_NONE, .display_name = "headers"},
};

typedef struct {
    char **names;
    size_t n;
} drop_headers_t;

static void *drop_headers_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    (void)opts;
    drop_headers_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->n = cd_xf_list(cd_props_get(c, "headers"), &x->names);
    if (!x->n) {
        snprintf(errstr, errstr_size, "Invalid value %s for configuration headers: Empty list",
                 cd_props_get(c, "headers") ? "[]" : "null");
        free(x->names);
        free(x);
        return NULL;
    }
    return x;
}

static void drop_headers_destroy(void *self) {
    drop_headers_t *x = self;
    free(x->names);
    free(x);
}

static int drop_headers_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    (void)errstr, (void)errstr_size;
    drop_headers_t *x = self;
    cd_header_t *out = cd_arena_alloc(arena, (rec->n_headers ? rec->n_headers : 1) * sizeof(*out));
    size_t n = 0;
    for (size_t i = 0; i < rec->n_headers; i++) {
        bool drop = false;
        for (size_t j = 0; j < x->n && !drop; j++) drop = !strcmp(rec->headers[i].key, x->names[j]);
        if (!drop) out[n++] = rec->headers[i];
    }
    rec->headers = out;
    rec->n_headers = n;
    return 0;
}

static const cd_xf_plugin_t DROP_HEADERS = {
    .class_name = "org.apache.kafka.connect.transforms.DropHeaders", .alias = "DropHeaders",
    .kind = CD_XF_TRANSFORMATION, .version = CONNECTD_KAFKA_CONNECT_VERSION,
    .config_def = {DROP_HEADERS_KEYS, NKEYS(DROP_HEADERS_KEYS)}, .create = drop_headers_create,
    .apply = drop_headers_apply, .destroy = drop_headers_destroy};

/* ==== HeaderFrom ============================================================================= */

/* ConfigDef's STRING parse: trimmed. */
static char *string_option(const cd_props_t *c, const char *key) {
    const char *v = cd_props_get(c, key);
    while (*v && (unsigned char)*v <= ' ') v++;
    size_t len = strlen(v);
    while (len && (unsigned char)v[len - 1] <= ' ') len--;
    return strndup(v, len);
}

/* Schema.Type's names, for Kafka's messages. */
static const char *const HF_OPERATIONS[] = {"move", "copy", NULL};

static const cd_config_key_t HEADER_FROM_KEYS[] = {
    {.name = "fields", .type = CD_CFG_LIST, .has_default = false, .validator = CD_VALID_NON_EMPTY_LIST,
     .importance = CD_IMPORTANCE_HIGH,
     .documentation = "Field names in the record whose values are to be copied or moved to headers.", .order = -1,
     .width = CD_WIDTH_NONE, .display_name = "fields"},
    {.name = "headers", .type = CD_CFG_LIST, .has_default = false, .validator = CD_VALID_NON_EMPTY_LIST,
     .importance = CD_IMPORTANCE_HIGH,
     .documentation =
         "Header names, in the same order as the field names listed in the fields configuration property.",
     .order = -1, .width = CD_WIDTH_NONE, .display_name = "headers"},
    {.name = "operation", .type = CD_CFG_STRING, .has_default = false, .validator = CD_VALID_ONE_OF,
     .allowed = HF_OPERATIONS, .importance = CD_IMPORTANCE_HIGH,
     .documentation = "Either <code>move</code> if the fields are to be moved to the headers (removed from the "
                      "key/value), or <code>copy</code> if the fields are to be copied to the headers (retained in "
                      "the key/value).",
     .order = -1, .width = CD_WIDTH_NONE, .display_name = "operation"},
    {.name = "replace.null.with.default", .type = CD_CFG_BOOLEAN, .has_default = true, .default_value = "true",
     .importance = CD_IMPORTANCE_MEDIUM,
     .documentation = "Whether to replace fields that have a default value and that are null to the default "
                      "value. When set to true, the default value is used, otherwise null is used.",
     .order = -1, .width = CD_WIDTH_NONE, .display_name = "replace.null.with.default"},
};

typedef struct {
    bool is_key, move, replace_null;
    char **fields, **headers;
    size_t n;
    cd_xf_schema_cache_t *cache;
} header_from_t;

typedef struct {
    bool is_key;
} hf_side_t;
static const hf_side_t HF_KEY = {true}, HF_VALUE = {false};

static void header_from_destroy(void *self) {
    header_from_t *x = self;
    free(x->fields);
    free(x->headers);
    cd_xf_schema_cache_destroy(x->cache);
    free(x);
}

static void *header_from_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    static const char *const required[] = {"fields", "headers", "operation"};
    for (size_t i = 0; i < 3; i++)
        if (!cd_props_get(c, required[i])) {
            snprintf(errstr, errstr_size, "Missing required configuration \"%s\" which has no default value.",
                     required[i]);
            return NULL;
        }
    header_from_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->is_key = ((const hf_side_t *)opts)->is_key;
    size_t nf = cd_xf_list(cd_props_get(c, "fields"), &x->fields);
    size_t nh = cd_xf_list(cd_props_get(c, "headers"), &x->headers);
    char *operation = string_option(c, "operation");
    if (!nf || !nh) {
        snprintf(errstr, errstr_size, "Invalid value [] for configuration %s: Empty list", !nf ? "fields" : "headers");
    } else if (strcmp(operation, "move") && strcmp(operation, "copy")) {
        snprintf(errstr, errstr_size, "Invalid value %s for configuration operation: String must be one of: move, copy",
                 operation);
    } else if (nf != nh) {
        snprintf(errstr, errstr_size, "'fields' config must have the same number of elements as 'headers' config.");
    } else {
        x->n = nf;
        x->move = !strcmp(operation, "move");
        x->replace_null = cd_xf_bool(c, "replace.null.with.default", true);
        x->cache = cd_xf_schema_cache_new();
        free(operation);
        return x;
    }
    free(operation);
    header_from_destroy(x);
    return NULL;
}

static bool hf_listed(const header_from_t *x, const char *name, size_t len) {
    for (size_t i = 0; i < x->n; i++)
        if (strlen(x->fields[i]) == len && !memcmp(x->fields[i], name, len)) return true;
    return false;
}

/* ConnectHeaders.add(key, value, schema) and the header's bytes (SimpleHeaderConverter). */
static int hf_header(cd_header_t *h, const char *key, const cd_schema_t *s, const cd_value_t *v, cd_arena_t *arena,
                     char *errstr, size_t errstr_size) {
    h->key = cd_arena_strndup(arena, key, strlen(key)); /* the record may outlive this instance */
    h->value = NULL;
    h->value_len = 0;
    if (!v || v->is_null) {
        if (s && !s->optional) { /* checkSchemaMatches; Schema.toString */
            if (s->name)
                snprintf(errstr, errstr_size, "A null value requires an optional schema but was Schema{%s:%s}",
                         s->name, cd_converter_type_name(s->type));
            else
                snprintf(errstr, errstr_size, "A null value requires an optional schema but was Schema{%s}",
                         cd_converter_type_name(s->type));
            return -1;
        }
        return 0;
    }
    cd_buf_t b = {0};
    if (cd_values_to_string(&b, s, v, errstr, errstr_size)) {
        cd_buf_free(&b);
        return -1;
    }
    h->value = cd_arena_strndup(arena, b.data ? b.data : "", b.len);
    h->value_len = b.len;
    cd_buf_free(&b);
    return 0;
}

static int header_from_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    header_from_t *x = self;
    const cd_schema_t *schema;
    const cd_value_t *value;
    cd_xf_operating(rec, x->is_key, &schema, &value);
    char purpose[32];
    snprintf(purpose, sizeof(purpose), "header %s", x->move ? "move" : "copy");
    cd_header_t *h = cd_arena_alloc(arena, (rec->n_headers + x->n) * sizeof(*h));
    if (rec->n_headers) memcpy(h, rec->headers, rec->n_headers * sizeof(*h));
    size_t nh = rec->n_headers;
    if (!schema) {
        if (!value || value->type != CD_TYPE_MAP) {
            snprintf(errstr, errstr_size, "Only Map objects supported in absence of schema for [%s], found: %s",
                     purpose, cd_xf_java_class(NULL, value));
            return -1;
        }
        /* new HashMap<>(value), then the moved fields removed */
        size_t n0 = value->u.map.n, n = 0;
        cd_value_t *keys = cd_arena_alloc(arena, (n0 ? n0 : 1) * sizeof(*keys));
        cd_value_t *vals = cd_arena_alloc(arena, (n0 ? n0 : 1) * sizeof(*vals));
        if (n0) memcpy(keys, value->u.map.keys, n0 * sizeof(*keys)), memcpy(vals, value->u.map.values, n0 * sizeof(*vals));
        java_hashmap_order_values(keys, vals, n0, java_hashmap_copy_capacity(n0));
        for (size_t i = 0; i < n0; i++) {
            const cd_value_t *k = &keys[i];
            bool moved = x->move && !k->is_null && k->type == CD_TYPE_STRING && hf_listed(x, k->u.str.ptr, k->u.str.len);
            if (!moved) keys[n] = keys[i], vals[n] = vals[i], n++;
        }
        for (size_t i = 0; i < x->n; i++) {
            int at = cd_xf_map_index(value, x->fields[i]);
            if (hf_header(&h[nh++], x->headers[i], NULL, at >= 0 ? &value->u.map.values[at] : NULL, arena, errstr,
                          errstr_size))
                return -1;
        }
        cd_value_t *m = cd_arena_alloc(arena, sizeof(*m));
        memset(m, 0, sizeof(*m));
        m->type = CD_TYPE_MAP;
        m->u.map.keys = keys;
        m->u.map.values = vals;
        m->u.map.n = n;
        cd_xf_set_operating(rec, x->is_key, NULL, m);
        rec->headers = h;
        rec->n_headers = nh;
        return 0;
    }
    if (!value || schema->type != CD_TYPE_STRUCT) {
        snprintf(errstr, errstr_size, "Only Struct objects supported for [%s], found: %s", purpose,
                 cd_xf_java_class(schema, value));
        return -1;
    }
    const cd_schema_t *out_schema = schema;
    const cd_value_t *out_value = value;
    if (x->move) {
        const cd_schema_t *ms = cd_xf_schema_cache_get(x->cache, schema);
        if (!ms) {
            cd_arena_t *a = cd_xf_schema_cache_arena(x->cache, schema, arena);
            size_t n = 0;
            for (size_t i = 0; i < schema->n_fields; i++)
                n += !hf_listed(x, schema->fields[i].name, strlen(schema->fields[i].name));
            cd_schema_t *s = cd_xf_struct_like(a, schema, n);
            cd_field_t *f = (cd_field_t *)s->fields;
            n = 0;
            for (size_t i = 0; i < schema->n_fields; i++)
                if (!hf_listed(x, schema->fields[i].name, strlen(schema->fields[i].name))) f[n++] = schema->fields[i];
            ms = cd_xf_schema_cache_put(x->cache, schema, s);
        }
        cd_value_t *fields = cd_arena_alloc(arena, (ms->n_fields ? ms->n_fields : 1) * sizeof(*fields));
        for (size_t i = 0, k = 0; i < schema->n_fields; i++) {
            if (hf_listed(x, schema->fields[i].name, strlen(schema->fields[i].name))) continue;
            const cd_value_t *v = cd_xf_field_value(schema, value, i, x->replace_null);
            if (v->is_null && !schema->fields[i].schema->optional) { /* Struct.put */
                snprintf(errstr, errstr_size, "Invalid value: null used for required field: \"%s\", schema type: %s",
                         schema->fields[i].name, cd_converter_type_name(schema->fields[i].schema->type));
                return -1;
            }
            fields[k++] = *v;
        }
        cd_value_t *sv = cd_arena_alloc(arena, sizeof(*sv));
        memset(sv, 0, sizeof(*sv));
        sv->type = CD_TYPE_STRUCT;
        sv->u.strct.fields = fields;
        sv->u.strct.n = ms->n_fields;
        out_schema = ms;
        out_value = sv;
    }
    for (size_t i = 0; i < x->n; i++) {
        int f = cd_xf_field_index(schema, x->fields[i]);
        if (f < 0) { /* operatingSchema.field(fieldName).schema() */
            snprintf(errstr, errstr_size,
                     "Cannot invoke \"org.apache.kafka.connect.data.Field.schema()\" because the return value of "
                     "\"org.apache.kafka.connect.data.Schema.field(String)\" is null");
            return -1;
        }
        if (hf_header(&h[nh++], x->headers[i], schema->fields[f].schema,
                      cd_xf_field_value(schema, value, (size_t)f, x->replace_null), arena, errstr, errstr_size))
            return -1;
    }
    cd_xf_set_operating(rec, x->is_key, out_schema, out_value);
    rec->headers = h;
    rec->n_headers = nh;
    return 0;
}

#define HEADER_FROM(suffix, side)                                                                          \
    {.class_name = "org.apache.kafka.connect.transforms.HeaderFrom$" suffix, .kind = CD_XF_TRANSFORMATION, \
     .version = CONNECTD_KAFKA_CONNECT_VERSION, .config_def = {HEADER_FROM_KEYS, NKEYS(HEADER_FROM_KEYS)},    \
     .opts = &side, .create = header_from_create, .apply = header_from_apply, .destroy = header_from_destroy}
static const cd_xf_plugin_t HEADER_FROM_KEY = HEADER_FROM("Key", HF_KEY);
static const cd_xf_plugin_t HEADER_FROM_VALUE = HEADER_FROM("Value", HF_VALUE);

/* ==== InsertHeader =========================================================================== */

static const cd_config_key_t INSERT_HEADER_KEYS[] = {
    {.name = "header", .type = CD_CFG_STRING, .has_default = false, .validator = CD_VALID_NON_NULL,
     .importance = CD_IMPORTANCE_HIGH, .documentation = "The name of the header.", .order = -1,
     .width = CD_WIDTH_NONE, .display_name = "header"},
    {.name = "value.literal", .type = CD_CFG_STRING, .has_default = false, .validator = CD_VALID_NON_NULL,
     .importance = CD_IMPORTANCE_HIGH,
     .documentation = "The literal value that is to be set as the header value on all records.", .order = -1,
     .width = CD_WIDTH_NONE, .display_name = "value.literal"},
};

typedef struct {
    char *header;
    char *value; /* NULL: a null header value (the literal "null") */
    size_t value_len;
} insert_header_t;

static void insert_header_destroy(void *self) {
    insert_header_t *x = self;
    free(x->header);
    free(x->value);
    free(x);
}

static void *insert_header_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    (void)opts;
    static const char *const required[] = {"header", "value.literal"};
    for (size_t i = 0; i < 2; i++)
        if (!cd_props_get(c, required[i])) {
            snprintf(errstr, errstr_size, "Missing required configuration \"%s\" which has no default value.",
                     required[i]);
            return NULL;
        }
    insert_header_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->header = string_option(c, "header");
    char *literal = string_option(c, "value.literal");
    int rc = cd_values_literal(literal, &x->value, &x->value_len, errstr, errstr_size); /* Values.parseString */
    free(literal);
    if (rc) {
        insert_header_destroy(x);
        return NULL;
    }
    return x;
}

static int insert_header_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr,
                               size_t errstr_size) {
    (void)errstr, (void)errstr_size;
    insert_header_t *x = self;
    cd_header_t *h = cd_arena_alloc(arena, (rec->n_headers + 1) * sizeof(*h));
    if (rec->n_headers) memcpy(h, rec->headers, rec->n_headers * sizeof(*h));
    h[rec->n_headers] = (cd_header_t){cd_arena_strndup(arena, x->header, strlen(x->header)),
                                      x->value ? cd_arena_strndup(arena, x->value, x->value_len) : NULL,
                                      x->value_len};
    rec->headers = h;
    rec->n_headers++;
    return 0;
}

static const cd_xf_plugin_t INSERT_HEADER = {
    .class_name = "org.apache.kafka.connect.transforms.InsertHeader", .alias = "InsertHeader",
    .kind = CD_XF_TRANSFORMATION, .version = CONNECTD_KAFKA_CONNECT_VERSION,
    .config_def = {INSERT_HEADER_KEYS, NKEYS(INSERT_HEADER_KEYS)}, .create = insert_header_create,
    .apply = insert_header_apply, .destroy = insert_header_destroy};

/* ==== predicates ============================================================================= */

static bool is_tombstone(void *self, const cd_xf_record_t *rec) {
    (void)self;
    return !rec->value || rec->value->is_null;
}

static const cd_xf_plugin_t RECORD_IS_TOMBSTONE = {
    .class_name = "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone", .alias = "RecordIsTombstone",
    .kind = CD_XF_PREDICATE, .version = CONNECTD_KAFKA_CONNECT_VERSION, .create = filter_create,
    .test = is_tombstone, .destroy = nothing_to_destroy};

static const cd_config_key_t HAS_HEADER_KEY_KEYS[] = {
    {.name = "name", .type = CD_CFG_STRING, .has_default = false, .validator = CD_VALID_NON_EMPTY_STRING,
     .importance = CD_IMPORTANCE_MEDIUM, .documentation = "The header name.", .order = -1, .width = CD_WIDTH_NONE,
     .display_name = "name"},
};

static void *has_header_key_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    (void)opts;
    const char *v = cd_props_get(c, "name");
    if (!v) {
        snprintf(errstr, errstr_size, "Missing required configuration \"name\" which has no default value.");
        return NULL;
    }
    while (*v && (unsigned char)*v <= ' ') v++;
    size_t len = strlen(v);
    while (len && (unsigned char)v[len - 1] <= ' ') len--;
    if (!len) {
        snprintf(errstr, errstr_size, "Invalid value  for configuration name: String must be non-empty");
        return NULL;
    }
    return strndup(v, len);
}

static bool has_header_key(void *self, const cd_xf_record_t *rec) {
    for (size_t i = 0; i < rec->n_headers; i++)
        if (!strcmp(rec->headers[i].key, self)) return true;
    return false;
}

static const cd_xf_plugin_t HAS_HEADER_KEY = {
    .class_name = "org.apache.kafka.connect.transforms.predicates.HasHeaderKey", .alias = "HasHeaderKey",
    .kind = CD_XF_PREDICATE, .version = CONNECTD_KAFKA_CONNECT_VERSION,
    .config_def = {HAS_HEADER_KEY_KEYS, NKEYS(HAS_HEADER_KEY_KEYS)}, .create = has_header_key_create,
    .test = has_header_key, .destroy = free};

const cd_xf_plugin_t *const cd_xf_header_plugins[] = {
    &FILTER, &DROP_HEADERS, &HEADER_FROM_KEY, &HEADER_FROM_VALUE, &INSERT_HEADER, &RECORD_IS_TOMBSTONE, &HAS_HEADER_KEY,
    NULL};
