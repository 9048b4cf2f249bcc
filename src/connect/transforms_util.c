/* transforms_util.c - what the transformation families share: Java class names for Kafka's
 * messages, Struct.get's default rule, schema copies (SchemaUtil), the HashMap order of
 * schemaless results, option parsing, and the derived-schema cache. */
#include "connect/transforms.h"
#include "connect/transforms_family.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connect/java_hash.h"
#include "connect/java_util.h"
#include "xalloc.h"

const char *cd_xf_java_class(const cd_schema_t *schema, const cd_value_t *v) {
    if (!v || v->is_null) return "null";
    cd_type_t t = schema ? schema->type : v->type;
    const char *name = schema ? schema->name : NULL;
    if (name && !strcmp(name, CD_LOGICAL_DECIMAL)) return "java.math.BigDecimal";
    if (name && (!strcmp(name, CD_LOGICAL_DATE) || !strcmp(name, CD_LOGICAL_TIME) ||
                 !strcmp(name, CD_LOGICAL_TIMESTAMP)))
        return "java.util.Date";
    switch (t) {
    case CD_TYPE_INT8: return "java.lang.Byte";
    case CD_TYPE_INT16: return "java.lang.Short";
    case CD_TYPE_INT32: return "java.lang.Integer";
    case CD_TYPE_INT64: return "java.lang.Long";
    case CD_TYPE_FLOAT32: return "java.lang.Float";
    case CD_TYPE_FLOAT64: return "java.lang.Double";
    case CD_TYPE_BOOLEAN: return "java.lang.Boolean";
    case CD_TYPE_STRING: return "java.lang.String";
    case CD_TYPE_BYTES: return "[B";
    case CD_TYPE_ARRAY: return "java.util.ArrayList";
    case CD_TYPE_MAP: return "java.util.HashMap";
    case CD_TYPE_STRUCT: return "org.apache.kafka.connect.data.Struct";
    }
    return "java.lang.Object";
}

const cd_value_t *cd_xf_field_value(const cd_schema_t *schema, const cd_value_t *v, size_t i,
                                    bool replace_null_with_default) {
    const cd_value_t *f = &v->u.strct.fields[i];
    if (f->is_null && replace_null_with_default && schema->fields[i].schema->default_value)
        return schema->fields[i].schema->default_value;
    return f;
}

int cd_xf_field_index(const cd_schema_t *schema, const char *name) {
    for (size_t i = 0; i < schema->n_fields; i++)
        if (!strcmp(schema->fields[i].name, name)) return (int)i;
    return -1;
}

int cd_xf_map_index(const cd_value_t *map, const char *name) {
    size_t len = strlen(name);
    for (size_t i = 0; i < map->u.map.n; i++) {
        const cd_value_t *k = &map->u.map.keys[i];
        if (!k->is_null && k->type == CD_TYPE_STRING && k->u.str.len == len && !memcmp(k->u.str.ptr, name, len))
            return (int)i;
    }
    return -1;
}

cd_schema_t *cd_xf_struct_like(cd_arena_t *arena, const cd_schema_t *from, size_t n_fields) {
    cd_schema_t *s = cd_arena_alloc(arena, sizeof(*s));
    memset(s, 0, sizeof(*s));
    s->type = CD_TYPE_STRUCT;
    s->name = from->name ? cd_arena_strndup(arena, from->name, strlen(from->name)) : NULL;
    s->version = from->version;
    s->doc = from->doc ? cd_arena_strndup(arena, from->doc, strlen(from->doc)) : NULL;
    if (from->n_params) {
        cd_param_t *p = cd_arena_alloc(arena, from->n_params * sizeof(*p));
        for (size_t i = 0; i < from->n_params; i++) {
            p[i].key = cd_arena_strndup(arena, from->params[i].key, strlen(from->params[i].key));
            p[i].value = cd_arena_strndup(arena, from->params[i].value, strlen(from->params[i].value));
        }
        s->params = p;
        s->n_params = from->n_params;
    }
    cd_field_t *f = cd_arena_alloc(arena, (n_fields ? n_fields : 1) * sizeof(*f));
    memset(f, 0, (n_fields ? n_fields : 1) * sizeof(*f));
    s->fields = f;
    s->n_fields = n_fields;
    return s;
}

void cd_xf_operating(const cd_xf_record_t *rec, bool is_key, const cd_schema_t **schema, const cd_value_t **value) {
    *schema = is_key ? rec->key_schema : rec->value_schema;
    const cd_value_t *v = is_key ? rec->key : rec->value;
    *value = v && !v->is_null ? v : NULL;
}

void cd_xf_set_operating(cd_xf_record_t *rec, bool is_key, const cd_schema_t *schema, const cd_value_t *value) {
    if (is_key) {
        rec->key_schema = schema;
        rec->key = value;
    } else {
        rec->value_schema = schema;
        rec->value = value;
    }
}

size_t cd_xf_list(const char *value, char ***items) {
    *items = NULL;
    if (!value) {
        *items = xmalloc(sizeof(char *));
        return 0;
    }
    const char *b = value, *e = value + strlen(value);
    while (b < e && (unsigned char)*b <= ' ') b++;
    while (e > b && (unsigned char)e[-1] <= ' ') e--;
    size_t n = 1, len = (size_t)(e - b);
    for (const char *c = b; c < e; c++) n += *c == ',';
    if (!len) n = 0;
    char **out = xmalloc((n ? n : 1) * sizeof(char *) + len + 1);
    char *text = (char *)(out + (n ? n : 1));
    memcpy(text, b, len);
    text[len] = '\0';
    size_t k = 0;
    for (char *it = text; n;) {
        char *comma = strchr(it, ',');
        if (comma) *comma = '\0';
        char *s = it, *t = it + strlen(it);
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v') s++;
        while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\n' || t[-1] == '\r' || t[-1] == '\f' ||
                         t[-1] == '\v'))
            t--;
        *t = '\0';
        out[k++] = s;
        if (!comma) break;
        it = comma + 1;
    }
    *items = out;
    return k;
}

bool cd_xf_bool(const cd_props_t *config, const char *key, bool dflt) {
    const char *v = cd_props_get(config, key);
    if (!v) return dflt;
    while (*v && (unsigned char)*v <= ' ') v++;
    return !strncasecmp(v, "true", 4);
}

/* ---- derived-schema cache -------------------------------------------------------------------- */

/* Never evicts: a derived schema may be in use by records of the current sink batch. Past the
 * cap, derivations are built per record (still correct, only not cached). */
#define SCHEMA_CACHE_CAP 256

struct cd_xf_schema_cache {
    cd_arena_t *arena;
    uint64_t in_ids[SCHEMA_CACHE_CAP];
    const cd_schema_t *out[SCHEMA_CACHE_CAP];
    size_t n;
};

cd_xf_schema_cache_t *cd_xf_schema_cache_new(void) {
    cd_xf_schema_cache_t *c = calloc(1, sizeof(*c));
    if (!c) abort();
    c->arena = cd_arena_new();
    return c;
}

void cd_xf_schema_cache_destroy(cd_xf_schema_cache_t *c) {
    if (!c) return;
    cd_arena_destroy(c->arena);
    free(c);
}

const cd_schema_t *cd_xf_schema_cache_get(cd_xf_schema_cache_t *c, const cd_schema_t *in) {
    if (!in || !in->cache_id) return NULL;
    for (size_t i = 0; i < c->n; i++)
        if (c->in_ids[i] == in->cache_id) return c->out[i];
    return NULL;
}

cd_arena_t *cd_xf_schema_cache_arena(cd_xf_schema_cache_t *c, const cd_schema_t *in, cd_arena_t *record_arena) {
    return in && in->cache_id && c->n < SCHEMA_CACHE_CAP ? c->arena : record_arena;
}

const cd_schema_t *cd_xf_schema_cache_put(cd_xf_schema_cache_t *c, const cd_schema_t *in, cd_schema_t *out) {
    if (in && in->cache_id && c->n < SCHEMA_CACHE_CAP) {
        out->cache_id = cd_schema_next_cache_id();
        c->in_ids[c->n] = in->cache_id;
        c->out[c->n++] = out;
    }
    return out;
}

int cd_xf_require_struct(const cd_schema_t *s, const cd_value_t *v, const char *purpose, char *errstr,
                         size_t errstr_size) {
    if (v && !v->is_null && (s ? s->type : v->type) == CD_TYPE_STRUCT) return 0;
    snprintf(errstr, errstr_size, "Only Struct objects supported for [%s], found: %s", purpose, cd_xf_java_class(s, v));
    return -1;
}

int cd_xf_require_map(const cd_value_t *v, const char *purpose, char *errstr, size_t errstr_size) {
    if (v && !v->is_null && v->type == CD_TYPE_MAP) return 0;
    snprintf(errstr, errstr_size, "Only Map objects supported in absence of schema for [%s], found: %s", purpose,
             cd_xf_java_class(NULL, v));
    return -1;
}

cd_value_t *cd_xf_new_values(cd_arena_t *a, size_t n) {
    cd_value_t *v = cd_arena_alloc(a, (n ? n : 1) * sizeof(*v));
    memset(v, 0, (n ? n : 1) * sizeof(*v));
    return v;
}

cd_value_t *cd_xf_struct_value(cd_arena_t *a, const cd_value_t *fields, size_t n) {
    cd_value_t *s = cd_xf_new_values(a, 1);
    s->type = CD_TYPE_STRUCT;
    s->u.strct.fields = fields;
    s->u.strct.n = n;
    return s;
}
