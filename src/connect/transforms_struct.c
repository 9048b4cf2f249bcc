/* transforms_struct.c - Kafka's transformations that reshape a key or value as a whole:
 * ExtractField (with KIP-821's nested field paths) and Flatten ($Key and $Value), ValueToKey, and
 * SetSchemaMetadata ($Key and $Value), as org.apache.kafka.connect.transforms 4.1.1 has them: same
 * options, same results, same exception texts. */
#include "connect/converter.h"
#include "connect/transforms.h"
#include "connect/transforms_family.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connect/java_hash.h"
#include "connect/java_util.h"
#include "version.h"
#include "xalloc.h"



typedef struct {
    bool is_key;
} side_t;
static const side_t KEY_SIDE = {true}, VALUE_SIDE = {false};

/* ---- what the four share --------------------------------------------------------------------- */

/* Struct.put's check (ConnectSchema.validateValue) of the one thing a copied value can get wrong:
 * a null for a required field. */
static int check_put(const char *field, const cd_schema_t *s, const cd_value_t *v, char *errstr,
                     size_t errstr_size) {
    if ((v && !v->is_null) || s->optional) return 0;
    snprintf(errstr, errstr_size, "Invalid value: null used for required field: \"%s\", schema type: %s", field,
             cd_converter_type_name(s->type));
    return -1;
}

static cd_value_t *map_value(cd_arena_t *a, cd_value_t *keys, cd_value_t *vals, size_t n) {
    cd_value_t *m = cd_xf_new_values(a, 1);
    m->type = CD_TYPE_MAP;
    m->u.map.keys = keys;
    m->u.map.values = vals;
    m->u.map.n = n;
    return m;
}

static bool key_is(const cd_value_t *k, const char *s, size_t len) {
    return !k->is_null && k->type == CD_TYPE_STRING && k->u.str.len == len && !memcmp(k->u.str.ptr, s, len);
}

/* Java's String.trim() of a copy. */
static char *trim_dup(const char *v) {
    while (*v && (unsigned char)*v <= ' ') v++;
    size_t len = strlen(v);
    while (len && (unsigned char)v[len - 1] <= ' ') len--;
    return strndup(v, len);
}

static bool missing(const cd_props_t *c, const char *key, char *errstr, size_t errstr_size) {
    if (cd_props_get(c, key)) return false;
    snprintf(errstr, errstr_size, "Missing required configuration \"%s\" which has no default value.", key);
    return true;
}

/* ==== ExtractField =========================================================================== */

#define FSV_DOC                                                                                                  \
    "Defines the version of the syntax to access fields. If set to `V1`, then the field paths are limited to "   \
    "access the elements at the root level of the struct or map. If set to `V2`, the syntax will support "       \
    "accessing nested elements. To access nested elements, dotted notation is used. If dots are already "         \
    "included in the field name, then backtick pairs can be used to wrap field names containing dots. E.g. to "  \
    "access the subfield `baz` from a field named \"foo.bar\" in a struct/map the following format can be used " \
    "to access its elements: \"`foo.bar`.baz\"."

static const char *const SYNTAX_VERSIONS[] = {"V1", "V2", NULL};

static const cd_config_key_t EXTRACT_FIELD_KEYS[] = {
    REQ("field", CD_CFG_STRING, CD_IMPORTANCE_MEDIUM, "Field name to extract."),
    REPLACE_NULL_KEY,
    OPT("field.syntax.version", CD_CFG_STRING, "V1", CD_IMPORTANCE_HIGH, FSV_DOC, .validator = CD_VALID_ONE_OF,
        .allowed = SYNTAX_VERSIONS, .ci = true),
};

/* KIP-821's SingleFieldPath: the steps of a path. */
typedef struct {
    char **steps;
    size_t n;
} field_path_t;

static void path_add(field_path_t *p, const char *s, size_t len) {
    p->steps = xrealloc(p->steps, (p->n + 1) * sizeof(char *));
    p->steps[p->n++] = strndup(s, len);
}

static void path_free(field_path_t *p) {
    for (size_t i = 0; i < p->n; i++) free(p->steps[i]);
    free(p->steps);
}

/* Java chars (UTF-16 units) in the first n bytes of s, for positions in messages. */
static size_t java_index(const char *s, size_t n) {
    size_t units = 0;
    for (size_t i = 0; i < n;) {
        int u;
        i += ju_utf8_next(s + i, n - i, &u);
        units += (size_t)u;
    }
    return units;
}

/* SingleFieldPath's V2 syntax: dots separate steps; a step in backticks may hold dots, and a
 * backtick followed by a dot inside one is escaped with a backslash. */
static int path_parse_v2(const char *path, field_path_t *out, char *errstr, size_t errstr_size) {
    size_t len = strlen(path);
    long idx = 0;
    while (idx >= 0 && (size_t)idx < len) {
        if (path[idx] != '`') {
            const char *dot = strchr(path + idx, '.');
            if (dot) {
                path_add(out, path + idx, (size_t)(dot - path - idx));
                idx = dot - path + 1;
            } else {
                path_add(out, path + idx, len - (size_t)idx);
                idx = -1;
            }
            continue;
        }
        long backtick_at = idx++;
        cd_buf_t field = {0};
        long start = idx;
        for (;;) {
            const char *bt = idx <= (long)len ? strchr(path + idx, '`') : NULL;
            bool escaped = bt && path[bt - path - 1] == '\\';
            if (!bt || ((size_t)(bt - path) >= len - 1 && escaped)) {
                cd_buf_free(&field);
                snprintf(errstr, errstr_size,
                         "Incomplete backtick pair in path: [%s], consider adding a backslash before backtick at "
                         "position %zu to escape it",
                         path, java_index(path, (size_t)backtick_at));
                return -1;
            }
            idx = bt - path;
            if ((size_t)idx >= len - 1) { /* the closing backtick ends the path */
                cd_buf_append(&field, path + start, (size_t)(idx - start));
                path_add(out, field.data ? field.data : "", field.len);
                idx++;
                break;
            }
            if (path[idx + 1] != '.') { /* part of the name: look further */
                idx++;
                continue;
            }
            if (escaped) {
                cd_buf_append(&field, path + start, (size_t)(idx - 1 - start));
                cd_buf_append(&field, "`", 1);
                start = ++idx;
                continue;
            }
            cd_buf_append(&field, path + start, (size_t)(idx - start));
            path_add(out, field.data ? field.data : "", field.len);
            idx += 2;
            break;
        }
        cd_buf_free(&field);
    }
    if (len && path[len - 1] == '.') path_add(out, "", 0);
    return 0;
}

typedef struct {
    bool is_key, replace_null;
    char *original;
    field_path_t path;
} extract_field_t;

static void extract_field_destroy(void *self) {
    extract_field_t *x = self;
    free(x->original);
    path_free(&x->path);
    free(x);
}

/* FieldSyntaxVersion.fromConfig after its validator: V1 or V2, any case; 0 or -1 with errstr. */
static int syntax_version(const cd_props_t *c, bool *v2, char *errstr, size_t errstr_size) {
    const char *raw = cd_props_get(c, "field.syntax.version");
    char *v = trim_dup(raw ? raw : "V1");
    int rc = 0;
    if (!strcasecmp(v, "V1") || !strcasecmp(v, "V2")) {
        *v2 = !strcasecmp(v, "V2");
    } else {
        snprintf(errstr, errstr_size,
                 "Invalid value %s for configuration field.syntax.version: String must be one of (case "
                 "insensitive): V1, V2",
                 v);
        rc = -1;
    }
    free(v);
    return rc;
}

static void *extract_field_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    if (missing(c, "field", errstr, errstr_size)) return NULL;
    bool v2 = false;
    if (syntax_version(c, &v2, errstr, errstr_size)) return NULL;
    extract_field_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->is_key = ((const side_t *)opts)->is_key;
    x->original = trim_dup(cd_props_get(c, "field"));
    x->replace_null = cd_xf_bool(c, "replace.null.with.default", true);
    if (!v2) {
        path_add(&x->path, x->original, strlen(x->original));
    } else if (path_parse_v2(x->original, &x->path, errstr, errstr_size)) {
        extract_field_destroy(x);
        return NULL;
    }
    return x;
}

#define EF_PURPOSE "field extraction"
#define NESTED_PURPOSE "nested field access"

/* A path without steps (V2's ""): Java's subList(0, -1). */
static int no_steps(char *errstr, size_t errstr_size) {
    snprintf(errstr, errstr_size, "fromIndex(0) > toIndex(-1)");
    return -1;
}

/* SingleFieldPath.fieldFrom: the schema at the path, NULL when a step is missing. */
static int path_field(const field_path_t *p, const cd_schema_t *s, const cd_schema_t **out, char *errstr,
                      size_t errstr_size) {
    if (!p->n) return no_steps(errstr, errstr_size);
    *out = NULL;
    for (size_t i = 0; i < p->n; i++) {
        if (s->type != CD_TYPE_STRUCT) {
            snprintf(errstr, errstr_size, "Cannot look up fields on non-struct type");
            return -1;
        }
        int f = cd_xf_field_index(s, p->steps[i]);
        if (f < 0) return 0;
        s = s->fields[f].schema;
    }
    *out = s;
    return 0;
}

/* SingleFieldPath.valueFrom(Struct, withDefault): NULL when a step is missing or null. */
static int path_struct_value(const field_path_t *p, const cd_schema_t *s, const cd_value_t *v, bool with_default,
                             const cd_value_t **out, char *errstr, size_t errstr_size) {
    *out = NULL;
    for (size_t i = 0; i < p->n; i++) {
        int f = cd_xf_field_index(s, p->steps[i]);
        if (f < 0) return 0;
        bool last = i + 1 == p->n;
        const cd_value_t *fv = cd_xf_field_value(s, v, (size_t)f, last ? with_default : true);
        if (last) {
            *out = fv->is_null ? NULL : fv;
            return 0;
        }
        if (fv->is_null) return 0;
        if (s->fields[f].schema->type != CD_TYPE_STRUCT)
            return cd_xf_require_struct(s->fields[f].schema, fv, NESTED_PURPOSE, errstr, errstr_size);
        s = s->fields[f].schema;
        v = fv;
    }
    return 0;
}

/* SingleFieldPath.valueFrom(Map). */
static int path_map_value(const field_path_t *p, const cd_value_t *m, const cd_value_t **out, char *errstr,
                          size_t errstr_size) {
    if (!p->n) return no_steps(errstr, errstr_size);
    *out = NULL;
    for (size_t i = 0; i < p->n; i++) {
        int at = cd_xf_map_index(m, p->steps[i]);
        const cd_value_t *fv = at < 0 ? NULL : &m->u.map.values[at];
        if (!fv || fv->is_null) return 0;
        if (i + 1 == p->n) {
            *out = fv;
            return 0;
        }
        if (cd_xf_require_map(fv, NESTED_PURPOSE, errstr, errstr_size)) return -1;
        m = fv;
    }
    return 0;
}

static int extract_field_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr,
                               size_t errstr_size) {
    (void)arena;
    extract_field_t *x = self;
    const cd_schema_t *schema;
    const cd_value_t *value;
    cd_xf_operating(rec, x->is_key, &schema, &value);
    const cd_value_t *out = NULL;
    if (!schema) {
        if (value && cd_xf_require_map(value, EF_PURPOSE, errstr, errstr_size)) return -1;
        if (value && path_map_value(&x->path, value, &out, errstr, errstr_size)) return -1;
        cd_xf_set_operating(rec, x->is_key, NULL, out);
        return 0;
    }
    if (value && cd_xf_require_struct(schema, value, EF_PURPOSE, errstr, errstr_size)) return -1;
    const cd_schema_t *fs;
    if (path_field(&x->path, schema, &fs, errstr, errstr_size)) return -1;
    if (!fs) {
        snprintf(errstr, errstr_size, "Unknown field: %s", x->original);
        return -1;
    }
    if (value && path_struct_value(&x->path, schema, value, x->replace_null, &out, errstr, errstr_size)) return -1;
    cd_xf_set_operating(rec, x->is_key, fs, out);
    return 0;
}

#define EXTRACT_FIELD(suffix, side)                                                                          \
    {.class_name = "org.apache.kafka.connect.transforms.ExtractField$" suffix, .kind = CD_XF_TRANSFORMATION, \
     .version = CONNECTD_KAFKA_CONNECT_VERSION, .config_def = {EXTRACT_FIELD_KEYS, NKEYS(EXTRACT_FIELD_KEYS)},  \
     .opts = &side, .create = extract_field_create, .apply = extract_field_apply,                              \
     .destroy = extract_field_destroy}
static const cd_xf_plugin_t EXTRACT_FIELD_KEY = EXTRACT_FIELD("Key", KEY_SIDE);
static const cd_xf_plugin_t EXTRACT_FIELD_VALUE = EXTRACT_FIELD("Value", VALUE_SIDE);

/* ==== Flatten ================================================================================ */

static const cd_config_key_t FLATTEN_KEYS[] = {
    OPT("delimiter", CD_CFG_STRING, ".", CD_IMPORTANCE_MEDIUM,
        "Delimiter to insert between field names from the input record when generating field names for the output "
        "record"),
};

typedef struct {
    bool is_key;
    char *delimiter;
    cd_xf_schema_cache_t *cache;
} flatten_t;

static void *flatten_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    (void)errstr, (void)errstr_size;
    flatten_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->is_key = ((const side_t *)opts)->is_key;
    const char *d = cd_props_get(c, "delimiter");
    x->delimiter = trim_dup(d ? d : ".");
    x->cache = cd_xf_schema_cache_new();
    return x;
}

static void flatten_destroy(void *self) {
    flatten_t *x = self;
    free(x->delimiter);
    cd_xf_schema_cache_destroy(x->cache);
    free(x);
}

#define FLATTEN_PURPOSE "flattening"

/* fieldName(prefix, name) in the arena. */
static char *flat_name(const flatten_t *x, cd_arena_t *a, const char *prefix, const char *name, size_t len) {
    if (!*prefix) return cd_arena_strndup(a, name, len);
    size_t pl = strlen(prefix), dl = strlen(x->delimiter);
    char *s = cd_arena_alloc(a, pl + dl + len + 1);
    memcpy(s, prefix, pl);
    memcpy(s + pl, x->delimiter, dl);
    memcpy(s + pl + dl, name, len);
    s[pl + dl + len] = '\0';
    return s;
}

/* The fields a flattened schema gets, grown as they come. */
typedef struct {
    cd_field_t *f;
    size_t n, cap;
} field_list_t;

static bool flat_primitive(cd_type_t t) { return t != CD_TYPE_MAP && t != CD_TYPE_STRUCT; }

static int unsupported_with_schema(const cd_schema_t *s, const char *name, char *errstr, size_t errstr_size) {
    snprintf(errstr, errstr_size, "Flatten transformation does not support %s for record with schemas (for field %s).",
             cd_converter_type_name(s->type), name);
    return -1;
}

/* buildUpdatedSchema: optional where the field or an ancestor is, the default the field's own or
 * the one its ancestors' defaults give it. */
static int flatten_schema(flatten_t *x, cd_arena_t *a, const cd_schema_t *s, const char *prefix, bool optional,
                          const cd_value_t *parent_default, field_list_t *out, char *errstr, size_t errstr_size) {
    for (size_t i = 0; i < s->n_fields; i++) {
        const cd_field_t *f = &s->fields[i];
        char *name = flat_name(x, a, prefix, f->name, strlen(f->name));
        bool opt = optional || f->schema->optional;
        const cd_value_t *dflt = f->schema->default_value;
        if (!dflt && parent_default && !parent_default->is_null) {
            dflt = cd_xf_field_value(s, parent_default, i, true);
            if (dflt->is_null) dflt = NULL;
        }
        if (f->schema->type == CD_TYPE_STRUCT) {
            if (flatten_schema(x, a, f->schema, name, opt, dflt, out, errstr, errstr_size)) return -1;
            continue;
        }
        if (!flat_primitive(f->schema->type)) return unsupported_with_schema(f->schema, name, errstr, errstr_size);
        for (size_t j = 0; j < out->n; j++)
            if (!strcmp(out->f[j].name, name)) {
                snprintf(errstr, errstr_size, "Cannot create field because of field name duplication %s", name);
                return -1;
            }
        /* convertFieldSchema: SchemaUtil.copySchemaBasics (an array keeps its value schema) */
        cd_schema_t *c = cd_arena_alloc(a, sizeof(*c));
        memset(c, 0, sizeof(*c));
        c->type = f->schema->type;
        c->optional = opt;
        c->name = f->schema->name;
        c->version = f->schema->version;
        c->doc = f->schema->doc;
        c->params = f->schema->params;
        c->n_params = f->schema->n_params;
        c->value_schema = f->schema->type == CD_TYPE_ARRAY ? f->schema->value_schema : NULL;
        c->default_value = dflt;
        if (out->n == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 16;
            cd_field_t *nf = cd_arena_alloc(a, out->cap * sizeof(*nf));
            if (out->n) memcpy(nf, out->f, out->n * sizeof(*nf));
            out->f = nf;
        }
        out->f[out->n++] = (cd_field_t){name, c};
    }
    return 0;
}

/* buildWithSchema: the values in the order flatten_schema made the fields. */
static int flatten_struct(const cd_schema_t *s, const cd_value_t *v, const cd_schema_t *out, size_t *k,
                          cd_value_t *vals, char *errstr, size_t errstr_size) {
    for (size_t i = 0; i < s->n_fields; i++) {
        const cd_schema_t *fs = s->fields[i].schema;
        const cd_value_t *fv = v ? cd_xf_field_value(s, v, i, true) : NULL;
        if (fs->type == CD_TYPE_STRUCT) {
            if (flatten_struct(fs, fv && !fv->is_null ? fv : NULL, out, k, vals, errstr, errstr_size)) return -1;
            continue;
        }
        size_t at = (*k)++;
        if (!v) { /* a null struct puts nothing: its fields stay null */
            vals[at] = cd_null();
            continue;
        }
        if (check_put(out->fields[at].name, out->fields[at].schema, fv, errstr, errstr_size)) return -1;
        vals[at] = *fv;
    }
    return 0;
}

static int flatten_schemaless(flatten_t *x, cd_arena_t *a, const cd_value_t *m, const char *prefix, cd_value_t **keys,
                              cd_value_t **vals, size_t *n, size_t *cap, char *errstr, size_t errstr_size) {
    for (size_t i = 0; i < m->u.map.n; i++) {
        const cd_value_t *k = &m->u.map.keys[i], *v = &m->u.map.values[i];
        if (k->is_null || k->type != CD_TYPE_STRING) {
            snprintf(errstr, errstr_size,
                     "connectd cannot flatten a map whose keys are not strings (a %s key): Kafka's Flatten fails on "
                     "it too",
                     cd_xf_java_class(NULL, k));
            return -1;
        }
        char *name = flat_name(x, a, prefix, k->u.str.ptr, k->u.str.len);
        if (!v->is_null && v->type == CD_TYPE_MAP) {
            if (flatten_schemaless(x, a, v, name, keys, vals, n, cap, errstr, errstr_size)) return -1;
            continue;
        }
        if (!v->is_null && v->type == CD_TYPE_STRUCT) {
            snprintf(errstr, errstr_size,
                     "Flatten transformation does not support class org.apache.kafka.connect.data.Struct for record "
                     "without schemas (for field %s).",
                     name);
            return -1;
        }
        /* LinkedHashMap.put: a name already there keeps its place */
        size_t len = strlen(name), at = *n;
        for (size_t j = 0; j < *n && at == *n; j++)
            if (key_is(&(*keys)[j], name, len)) at = j;
        if (at == *n) {
            if (*n == *cap) {
                *cap = *cap ? *cap * 2 : 16;
                cd_value_t *nk = cd_xf_new_values(a, *cap), *nv = cd_xf_new_values(a, *cap);
                if (*n) memcpy(nk, *keys, *n * sizeof(*nk)), memcpy(nv, *vals, *n * sizeof(*nv));
                *keys = nk, *vals = nv;
            }
            (*keys)[(*n)++] = cd_string(name, len);
        }
        (*vals)[at] = *v;
    }
    return 0;
}

static int flatten_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    flatten_t *x = self;
    const cd_schema_t *schema;
    const cd_value_t *value;
    cd_xf_operating(rec, x->is_key, &schema, &value);
    if (!value) return 0;
    if (!schema) {
        if (cd_xf_require_map(value, FLATTEN_PURPOSE, errstr, errstr_size)) return -1;
        cd_value_t *keys = NULL, *vals = NULL;
        size_t n = 0, cap = 0;
        if (flatten_schemaless(x, arena, value, "", &keys, &vals, &n, &cap, errstr, errstr_size)) return -1;
        cd_xf_set_operating(rec, x->is_key, NULL, map_value(arena, keys ? keys : cd_xf_new_values(arena, 1),
                                                            vals ? vals : cd_xf_new_values(arena, 1), n));
        return 0;
    }
    if (cd_xf_require_struct(schema, value, FLATTEN_PURPOSE, errstr, errstr_size)) return -1;
    const cd_schema_t *out = cd_xf_schema_cache_get(x->cache, schema);
    if (!out) {
        cd_arena_t *a = cd_xf_schema_cache_arena(x->cache, schema, arena);
        field_list_t fl = {0};
        /* the top level's own optional-ness and default are not carried over (a new struct) */
        if (flatten_schema(x, a, schema, "", schema->optional, schema->default_value, &fl, errstr, errstr_size))
            return -1;
        cd_schema_t *s = cd_xf_struct_like(a, schema, fl.n);
        if (fl.n) memcpy((cd_field_t *)s->fields, fl.f, fl.n * sizeof(*fl.f));
        out = cd_xf_schema_cache_put(x->cache, schema, s);
    }
    cd_value_t *vals = cd_xf_new_values(arena, out->n_fields);
    size_t k = 0;
    if (flatten_struct(schema, value, out, &k, vals, errstr, errstr_size)) return -1;
    cd_xf_set_operating(rec, x->is_key, out, cd_xf_struct_value(arena, vals, out->n_fields));
    return 0;
}

#define FLATTEN(suffix, side)                                                                           \
    {.class_name = "org.apache.kafka.connect.transforms.Flatten$" suffix, .kind = CD_XF_TRANSFORMATION, \
     .version = CONNECTD_KAFKA_CONNECT_VERSION, .config_def = {FLATTEN_KEYS, NKEYS(FLATTEN_KEYS)},        \
     .opts = &side, .create = flatten_create, .apply = flatten_apply, .destroy = flatten_destroy}
static const cd_xf_plugin_t FLATTEN_KEY = FLATTEN("Key", KEY_SIDE);
static const cd_xf_plugin_t FLATTEN_VALUE = FLATTEN("Value", VALUE_SIDE);

/* ==== ValueToKey ============================================================================= */

static const cd_config_key_t VALUE_TO_KEY_KEYS[] = {
    REQ("fields", CD_CFG_LIST, CD_IMPORTANCE_HIGH, "Field names on the record value to extract as the record key.",
        .validator = CD_VALID_NON_EMPTY_LIST),
    REPLACE_NULL_KEY,
};

typedef struct {
    bool replace_null;
    char **fields;
    size_t n_fields;
    cd_xf_schema_cache_t *cache;
} value_to_key_t;

static void *value_to_key_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    (void)opts;
    if (missing(c, "fields", errstr, errstr_size)) return NULL;
    value_to_key_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->n_fields = cd_xf_list(cd_props_get(c, "fields"), &x->fields);
    if (!x->n_fields) {
        snprintf(errstr, errstr_size, "Invalid value [] for configuration fields: Empty list");
        free(x->fields);
        free(x);
        return NULL;
    }
    x->replace_null = cd_xf_bool(c, "replace.null.with.default", true);
    x->cache = cd_xf_schema_cache_new();
    return x;
}

static void value_to_key_destroy(void *self) {
    value_to_key_t *x = self;
    free(x->fields);
    cd_xf_schema_cache_destroy(x->cache);
    free(x);
}

#define VTK_PURPOSE "copying fields from value to key"

static int value_to_key_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr,
                              size_t errstr_size) {
    value_to_key_t *x = self;
    const cd_value_t *value = rec->value && !rec->value->is_null ? rec->value : NULL;
    if (!rec->value_schema) {
        if (cd_xf_require_map(value, VTK_PURPOSE, errstr, errstr_size)) return -1;
        cd_value_t *keys = cd_xf_new_values(arena, x->n_fields), *vals = cd_xf_new_values(arena, x->n_fields);
        size_t n = 0;
        for (size_t i = 0; i < x->n_fields; i++) {
            size_t len = strlen(x->fields[i]), at = n;
            for (size_t j = 0; j < n && at == n; j++)
                if (key_is(&keys[j], x->fields[i], len)) at = j;
            int vi = cd_xf_map_index(value, x->fields[i]);
            if (at == n) keys[n++] = cd_string(cd_arena_strndup(arena, x->fields[i], len), len);
            vals[at] = vi >= 0 ? value->u.map.values[vi] : cd_null();
        }
        java_hashmap_order_values(keys, vals, n, java_table_size_for(x->n_fields)); /* new HashMap<>(fields.size()) */
        rec->key_schema = NULL;
        rec->key = map_value(arena, keys, vals, n);
        return 0;
    }
    const cd_schema_t *schema = rec->value_schema;
    if (cd_xf_require_struct(schema, value, VTK_PURPOSE, errstr, errstr_size)) return -1;
    int *src = cd_arena_alloc(arena, x->n_fields * sizeof(int));
    for (size_t i = 0; i < x->n_fields; i++) src[i] = cd_xf_field_index(schema, x->fields[i]);
    const cd_schema_t *ks = cd_xf_schema_cache_get(x->cache, schema);
    if (!ks) { /* Kafka checks the fields only when it builds the key schema, one by one */
        cd_arena_t *a = cd_xf_schema_cache_arena(x->cache, schema, arena);
        static const cd_schema_t EMPTY = {.type = CD_TYPE_STRUCT};
        cd_schema_t *s = cd_xf_struct_like(a, &EMPTY, x->n_fields);
        cd_field_t *f = (cd_field_t *)s->fields;
        for (size_t i = 0; i < x->n_fields; i++) {
            if (src[i] < 0) {
                snprintf(errstr, errstr_size, "Field does not exist: %s", x->fields[i]);
                return -1;
            }
            for (size_t j = 0; j < i; j++)
                if (!strcmp(f[j].name, x->fields[i])) {
                    snprintf(errstr, errstr_size, "Cannot create field because of field name duplication %s",
                             x->fields[i]);
                    return -1;
                }
            f[i] = (cd_field_t){cd_arena_strndup(a, x->fields[i], strlen(x->fields[i])), schema->fields[src[i]].schema};
        }
        ks = cd_xf_schema_cache_put(x->cache, schema, s);
    }
    cd_value_t *fields = cd_xf_new_values(arena, x->n_fields);
    for (size_t i = 0; i < x->n_fields; i++) {
        const cd_value_t *v = cd_xf_field_value(schema, value, (size_t)src[i], x->replace_null);
        if (check_put(x->fields[i], ks->fields[i].schema, v, errstr, errstr_size)) return -1;
        fields[i] = *v;
    }
    rec->key_schema = ks;
    rec->key = cd_xf_struct_value(arena, fields, x->n_fields);
    return 0;
}

static const cd_xf_plugin_t VALUE_TO_KEY = {
    .class_name = "org.apache.kafka.connect.transforms.ValueToKey", .alias = "ValueToKey",
    .kind = CD_XF_TRANSFORMATION, .version = CONNECTD_KAFKA_CONNECT_VERSION,
    .config_def = {VALUE_TO_KEY_KEYS, NKEYS(VALUE_TO_KEY_KEYS)}, .create = value_to_key_create,
    .apply = value_to_key_apply, .destroy = value_to_key_destroy};

/* ==== SetSchemaMetadata ====================================================================== */

static const cd_config_key_t SET_SCHEMA_METADATA_KEYS[] = {
    OPT("schema.name", CD_CFG_STRING, NULL, CD_IMPORTANCE_HIGH, "Schema name to set."),
    OPT("schema.version", CD_CFG_INT, NULL, CD_IMPORTANCE_HIGH, "Schema version to set."),
    REPLACE_NULL_KEY,
};

typedef struct {
    bool is_key, replace_null;
    char *name;      /* NULL: kept */
    bool has_version;
    int32_t version;
    cd_xf_schema_cache_t *cache;
} set_schema_metadata_t;

static void set_schema_metadata_destroy(void *self) {
    set_schema_metadata_t *x = self;
    free(x->name);
    cd_xf_schema_cache_destroy(x->cache);
    free(x);
}

static void *set_schema_metadata_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    const char *ver = cd_props_get(c, "schema.version");
    int32_t version = 0;
    if (ver) {
        char *t = trim_dup(ver), *end;
        errno = 0;
        long long v = strtoll(t, &end, 10);
        bool ok = *t && !*end && !errno && v >= INT32_MIN && v <= INT32_MAX;
        if (!ok) {
            snprintf(errstr, errstr_size, "Invalid value %s for configuration schema.version: Not a number of type INT",
                     t);
            free(t);
            return NULL;
        }
        free(t);
        if (v == 0) { /* connectd's schemas spell "no version" as 0 */
            snprintf(errstr, errstr_size,
                     "connectd cannot set schema version 0 (its schemas use 0 for no version): choose another "
                     "schema.version");
            return NULL;
        }
        version = (int32_t)v;
    }
    const char *name = cd_props_get(c, "schema.name");
    if (!name && !ver) {
        snprintf(errstr, errstr_size, "Neither schema name nor version configured");
        return NULL;
    }
    set_schema_metadata_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->is_key = ((const side_t *)opts)->is_key;
    x->name = name ? trim_dup(name) : NULL;
    x->has_version = ver != NULL;
    x->version = version;
    x->replace_null = cd_xf_bool(c, "replace.null.with.default", true);
    x->cache = cd_xf_schema_cache_new();
    return x;
}

static int set_schema_metadata_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr,
                                     size_t errstr_size) {
    set_schema_metadata_t *x = self;
    const cd_schema_t *schema;
    const cd_value_t *value;
    cd_xf_operating(rec, x->is_key, &schema, &value);
    if (!value && !schema) return 0;
    if (!schema) {
        snprintf(errstr, errstr_size, "Schema required for [updating schema metadata]");
        return -1;
    }
    if (schema->type != CD_TYPE_STRUCT) { /* new ConnectSchema(..., schema.fields(), ...) */
        snprintf(errstr, errstr_size, "Cannot list fields on non-struct type");
        return -1;
    }
    const cd_schema_t *out = cd_xf_schema_cache_get(x->cache, schema);
    if (!out) {
        cd_arena_t *a = cd_xf_schema_cache_arena(x->cache, schema, arena);
        cd_schema_t *s = cd_arena_alloc(a, sizeof(*s));
        *s = *schema; /* same type, optional, default, doc, parameters and fields */
        s->cache_id = 0;
        if (x->name) s->name = cd_arena_strndup(a, x->name, strlen(x->name));
        if (x->has_version) s->version = x->version;
        out = cd_xf_schema_cache_put(x->cache, schema, s);
    }
    if (!value) {
        cd_xf_set_operating(rec, x->is_key, out, NULL);
        return 0;
    }
    /* updateSchemaIn: a new Struct of the same fields' values */
    cd_value_t *fields = cd_xf_new_values(arena, schema->n_fields);
    for (size_t i = 0; i < schema->n_fields; i++) {
        const cd_value_t *v = cd_xf_field_value(schema, value, i, x->replace_null);
        if (check_put(schema->fields[i].name, schema->fields[i].schema, v, errstr, errstr_size)) return -1;
        fields[i] = *v;
    }
    cd_xf_set_operating(rec, x->is_key, out, cd_xf_struct_value(arena, fields, schema->n_fields));
    return 0;
}

#define SET_SCHEMA_METADATA(suffix, side)                                                                      \
    {.class_name = "org.apache.kafka.connect.transforms.SetSchemaMetadata$" suffix,                          \
     .kind = CD_XF_TRANSFORMATION, .version = CONNECTD_KAFKA_CONNECT_VERSION,                                   \
     .config_def = {SET_SCHEMA_METADATA_KEYS, NKEYS(SET_SCHEMA_METADATA_KEYS)}, .opts = &side,                  \
     .create = set_schema_metadata_create, .apply = set_schema_metadata_apply,                                  \
     .destroy = set_schema_metadata_destroy}
static const cd_xf_plugin_t SET_SCHEMA_METADATA_KEY = SET_SCHEMA_METADATA("Key", KEY_SIDE);
static const cd_xf_plugin_t SET_SCHEMA_METADATA_VALUE = SET_SCHEMA_METADATA("Value", VALUE_SIDE);

const cd_xf_plugin_t *const cd_xf_struct_plugins[] = {
    &EXTRACT_FIELD_KEY, &EXTRACT_FIELD_VALUE,      &FLATTEN_KEY, &FLATTEN_VALUE, &VALUE_TO_KEY,
    &SET_SCHEMA_METADATA_KEY, &SET_SCHEMA_METADATA_VALUE, NULL,
};
