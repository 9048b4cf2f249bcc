/* transforms_debezium.c - Debezium's transformations: io.debezium.transforms.ExtractNewRecordState
 * (event flattening) and ByLogicalTableRouter as Debezium 3.4.3 has them: the same options, the
 * same records (down to the schema each step derives), the same exception texts. */
#include "connect/transforms.h"
#include "connect/values.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/converter.h"
#include "connect/java_regex.h"

#define DEBEZIUM_VERSION "3.4.3.Final"
#define ENVELOPE_SUFFIX ".Envelope"
#define DELETED_FIELD "__deleted"
#define PURPOSE "source field insertion"
/* configure()'s exceptions as the task's failure shows them: Kafka's transformationStages wraps
 * them in a ConnectException, whose message is the exception's class and message. */
#define CONFIGURE_FAILED "org.apache.kafka.connect.errors.ConnectException: Unable to validate config."

/* Debezium's Field.group(config, null, fields): every key in no group, order 1, no validator and
 * no recommender (the enum's allowed values are only checked by configure()). */
#define DBZ(nm, ty, dflt, imp, w, disp, doc)                                                                  \
    {.name = nm, .type = ty, .has_default = true, .default_value = dflt, .importance = imp, .documentation = doc, \
     .order = 1, .width = w, .display_name = disp}

/* ExtractNewRecordStateConfigDefinition.CONFIG_FIELDS, then ExtractNewRecordState's own three. */
static const cd_config_key_t ENRS_KEYS[] = {
    DBZ("delete.tombstone.handling.mode", CD_CFG_STRING, "tombstone", CD_IMPORTANCE_MEDIUM, CD_WIDTH_MEDIUM,
        "Handle delete and tombstone records",
        "How to handle delete records. Options are: drop - Remove the delete event and tombstone from the "
        "stream.tombstone (default) - For each delete event, leave only a tombstone in the stream.rewrite - Remove "
        "tombstone from the record, and add a `__deleted` field with the value `true`.rewrite-with-tombstone - "
        "Retain tombstone in record and add a `__deleted` field with the value `true`.delete-to-tombstone - "
        "Convert delete events to tombstone events and drop tombstone events."),
    DBZ("route.by.field", CD_CFG_STRING, "", CD_IMPORTANCE_LOW, CD_WIDTH_LONG, "Route by field name",
        "The column which determines how the events will be routed, the value will replace the topic name."),
    DBZ("add.fields.prefix", CD_CFG_STRING, "__", CD_IMPORTANCE_LOW, CD_WIDTH_SHORT,
        "Field prefix to be added to each field.", "Adds this prefix to each field listed."),
    DBZ("add.fields", CD_CFG_LIST, "", CD_IMPORTANCE_LOW, CD_WIDTH_LONG,
        "Adds the specified field(s) to the message if they exist.",
        "Adds each field listed, prefixed with __ (or __<struct>_ if the struct is specified). Example: "
        "'version,connector,source.ts_ms' would add __version, __connector and __source_ts_ms fields. Optionally "
        "one can also map new field name like version:VERSION,connector:CONNECTOR,source.ts_ms:EVENT_TIMESTAMP."
        "Please note that the new field name is case-sensitive."),
    DBZ("add.headers.prefix", CD_CFG_STRING, "__", CD_IMPORTANCE_LOW, CD_WIDTH_SHORT,
        "Header prefix to be added to each header.", "Adds this prefix listed to each header."),
    DBZ("add.headers", CD_CFG_LIST, "", CD_IMPORTANCE_LOW, CD_WIDTH_LONG,
        "Adds the specified fields to the header if they exist.",
        "Adds each field listed to the header,  __ (or __<struct>_ if the struct is specified). Example: "
        "'version,connector,source.ts_ms' would add __version, __connector and __source_ts_ms fields. Optionally "
        "one can also map new field name like version:VERSION,connector:CONNECTOR,source.ts_ms:EVENT_TIMESTAMP."
        "Please note that the new field name is case-sensitive."),
    DBZ("drop.fields.header.name", CD_CFG_STRING, NULL, CD_IMPORTANCE_LOW, CD_WIDTH_SHORT,
        "Specifies a header that contains a list of field names to be removed",
        "Specifies the name of a header that contains a list of fields to be removed from the event value."),
    DBZ("drop.fields.from.key", CD_CFG_BOOLEAN, "false", CD_IMPORTANCE_LOW, CD_WIDTH_SHORT,
        "Specifies whether the fields to be dropped should also be omitted from the key",
        "Specifies whether to apply the drop fields behavior to the event key as well as the value. Default "
        "behavior is to only remove fields from the event value, not the key."),
    DBZ("drop.fields.keep.schema.compatible", CD_CFG_BOOLEAN, "true", CD_IMPORTANCE_LOW, CD_WIDTH_SHORT,
        "Specifies if fields are dropped, will the event's schemas be compatible",
        "Controls the output event's schema compatibility when using the drop fields feature. `true`: dropped "
        "fields are removed if the schema indicates its optional leaving the schemas unchanged, `false`: dropped "
        "fields are removed from the key/value schemas, regardless of optionality."),
};

typedef enum { M_DROP, M_TOMBSTONE, M_REWRITE, M_REWRITE_WITH_TOMBSTONE, M_DELETE_TO_TOMBSTONE } delete_mode_t;
static const char *const MODE_NAMES[] = {"drop", "tombstone", "rewrite", "rewrite-with-tombstone",
                                         "delete-to-tombstone"};

/* AbstractExtractNewRecordState.FieldReference: "op", "source.ts_ms", "table:TBL". */
typedef struct {
    char *parent; /* the envelope field hosting it ("source", "transaction"); NULL: the envelope itself */
    char *field;
    char *new_field;
} field_ref_t;

typedef struct {
    delete_mode_t mode;
    bool replace_null;
    char *route_by; /* NULL: none */
    field_ref_t *fields, *headers;
    size_t n_fields, n_headers;
    char *drop_header; /* NULL: none */
    bool drop_from_key, drop_keep_compatible;
    cd_xf_schema_cache_t *deleted_cache, *add_cache, *drop_cache, *drop_key_cache;
    /* Debezium's tombstone shares the Headers object of the delete before it, and makeHeaders
     * adds to it in place: the tombstone carries the headers added to the delete, then its own.
     * These are the ones added to the last delete (copies in pending_arena). */
    cd_arena_t *pending_arena;
    cd_header_t *pending;
    size_t n_pending;
} enrs_t;

/* Java's String.split: the pieces between separators, trailing empty ones removed (an empty
 * input gives one empty piece). Returns the count; pieces point into a copy owned by *buf. */
static size_t java_split(const char *s, char sep, char ***pieces, char **buf) {
    *buf = strdup(s);
    size_t n = 1;
    for (const char *p = s; *p; p++) n += *p == sep;
    *pieces = calloc(n, sizeof(char *));
    if (!*buf || !*pieces) abort();
    size_t k = 0;
    char *start = *buf;
    for (char *p = *buf;; p++) {
        if (*p == sep || !*p) {
            bool end = !*p;
            *p = '\0';
            (*pieces)[k++] = start;
            start = p + 1;
            if (end) break;
        }
    }
    if (!(k == 1 && !*(*pieces)[0]))
        while (k > 0 && !*(*pieces)[k - 1]) k--;
    return k;
}

/* FieldReference.determineStruct. */
static const char *determine_struct(const char *f) {
    if (!strcmp(f, "id") || !strcmp(f, "data_collection_order") || !strcmp(f, "total_order")) return "transaction";
    if (!strcmp(f, "op") || !strcmp(f, "ts_ms") || !strcmp(f, "ts_us") || !strcmp(f, "ts_ns")) return NULL;
    if (!strcmp(f, "updateDescription")) return "updateDescription";
    return "source";
}

static char *concat3(const char *a, const char *b, const char *c) {
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    if (!s) abort();
    snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

static int field_ref_parse(const char *prefix, const char *spec, field_ref_t *out, char *errstr, size_t errstr_size) {
    char **parts, *pbuf, **splits, *sbuf;
    size_t np = java_split(spec, ':', &parts, &pbuf);
    if (np > 2) {
        snprintf(errstr, errstr_size, "java.lang.IllegalArgumentException: Unexpected field name: %s", spec);
        free(parts), free(pbuf);
        return -1;
    }
    size_t ns = java_split(np ? parts[0] : "", '.', &splits, &sbuf);
    const char *field = ns == 0 ? "" : ns == 1 ? splits[0] : splits[1];
    out->field = strdup(field);
    const char *parent = ns <= 1 ? determine_struct(field) : splits[0];
    out->parent = parent ? strdup(parent) : NULL;
    if (np == 2)
        out->new_field = concat3(prefix, "", parts[1]);
    else if (ns <= 1)
        out->new_field = concat3(prefix, "", field);
    else {
        char *p = concat3(prefix, splits[0], "_");
        out->new_field = concat3(p, "", field);
        free(p);
    }
    free(parts), free(pbuf), free(splits), free(sbuf);
    return 0;
}

static void field_refs_free(field_ref_t *r, size_t n) {
    for (size_t i = 0; i < n; i++) free(r[i].parent), free(r[i].field), free(r[i].new_field);
    free(r);
}

/* FieldReference.fromConfiguration: the raw string split on commas, each piece trimmed. */
static int field_refs_parse(const char *prefix, const char *value, field_ref_t **out, size_t *n, char *errstr,
                            size_t errstr_size) {
    *out = NULL, *n = 0;
    if (!value || !*value) return 0;
    char **pieces, *buf;
    size_t k = java_split(value, ',', &pieces, &buf);
    *out = calloc(k ? k : 1, sizeof(field_ref_t));
    if (!*out) abort();
    int rc = 0;
    for (size_t i = 0; i < k && rc == 0; i++) {
        char *p = pieces[i];
        while (*p && (unsigned char)*p <= ' ') p++;
        size_t len = strlen(p);
        while (len && (unsigned char)p[len - 1] <= ' ') p[--len] = '\0';
        rc = field_ref_parse(prefix, p, &(*out)[i], errstr, errstr_size);
        if (rc == 0) (*n)++;
    }
    free(pieces), free(buf);
    return rc;
}

static const char *get_or(const cd_props_t *c, const char *key, const char *dflt) {
    const char *v = cd_props_get(c, key);
    return v ? v : dflt;
}

static bool is_blank(const char *s) {
    if (!s) return true;
    for (; *s; s++)
        if (!isspace((unsigned char)*s)) return false;
    return true;
}

static bool valid_bool(const char *v) {
    if (!v) return true;
    while (*v == ' ') v++;
    size_t n = strlen(v);
    while (n && v[n - 1] == ' ') n--;
    return (n == 4 && !strncasecmp(v, "true", 4)) || (n == 5 && !strncasecmp(v, "false", 5));
}

static void enrs_destroy(void *self);

static void *enrs_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    (void)opts;
    /* configure() first validates every field (Configuration.validateAndRecord, which only logs
     * what is wrong) and throws one message for all. */
    const char *mode = get_or(c, "delete.tombstone.handling.mode", "tombstone");
    char trimmed[64] = "";
    while (isspace((unsigned char)*mode)) mode++;
    snprintf(trimmed, sizeof(trimmed), "%s", mode);
    for (size_t n = strlen(trimmed); n && isspace((unsigned char)trimmed[n - 1]);) trimmed[--n] = '\0';
    int m = -1;
    for (int i = 0; i < 5; i++)
        if (!strcasecmp(trimmed, MODE_NAMES[i])) m = i;
    if (m < 0 || strlen(mode) >= sizeof(trimmed) || !valid_bool(cd_props_get(c, "drop.fields.from.key")) ||
        !valid_bool(cd_props_get(c, "drop.fields.keep.schema.compatible"))) {
        snprintf(errstr, errstr_size, CONFIGURE_FAILED);
        return NULL;
    }
    enrs_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->mode = (delete_mode_t)m;
    x->replace_null = cd_xf_bool(c, "replace.null.with.default", true);
    const char *route = get_or(c, "route.by.field", "");
    x->route_by = *route ? strdup(route) : NULL;
    const char *dh = cd_props_get(c, "drop.fields.header.name");
    x->drop_header = dh ? strdup(dh) : NULL;
    x->drop_from_key = cd_xf_bool(c, "drop.fields.from.key", false);
    x->drop_keep_compatible = cd_xf_bool(c, "drop.fields.keep.schema.compatible", true);
    x->deleted_cache = cd_xf_schema_cache_new();
    x->add_cache = cd_xf_schema_cache_new();
    x->drop_cache = cd_xf_schema_cache_new();
    x->drop_key_cache = cd_xf_schema_cache_new();
    x->pending_arena = cd_arena_new();
    if (field_refs_parse(get_or(c, "add.fields.prefix", "__"), cd_props_get(c, "add.fields"), &x->fields,
                         &x->n_fields, errstr, errstr_size) ||
        field_refs_parse(get_or(c, "add.headers.prefix", "__"), cd_props_get(c, "add.headers"), &x->headers,
                         &x->n_headers, errstr, errstr_size)) {
        enrs_destroy(x);
        return NULL;
    }
    return x;
}

static void enrs_destroy(void *self) {
    enrs_t *x = self;
    if (!x) return;
    free(x->route_by);
    free(x->drop_header);
    field_refs_free(x->fields, x->n_fields);
    field_refs_free(x->headers, x->n_headers);
    cd_xf_schema_cache_destroy(x->deleted_cache);
    cd_xf_schema_cache_destroy(x->add_cache);
    cd_xf_schema_cache_destroy(x->drop_cache);
    cd_xf_schema_cache_destroy(x->drop_key_cache);
    if (x->pending_arena) cd_arena_destroy(x->pending_arena);
    free(x);
}

/* ---- field references against an envelope ------------------------------------------------ */

/* FieldReference.getField: the envelope field's schema, or NULL when neither the parent nor the
 * envelope has the field. -1: the parent struct is not in the envelope (Java's NPE). */
static int ref_schema(const field_ref_t *r, const cd_schema_t *env, const cd_schema_t **out, char *errstr,
                      size_t errstr_size) {
    const cd_schema_t *parent = env;
    if (r->parent) {
        int i = cd_xf_field_index(env, r->parent);
        if (i < 0) {
            snprintf(errstr, errstr_size,
                     "Cannot invoke \"org.apache.kafka.connect.data.Field.schema()\" because the return value of "
                     "\"org.apache.kafka.connect.data.Schema.field(String)\" is null");
            return -1;
        }
        parent = env->fields[i].schema;
    }
    int i = parent->type == CD_TYPE_STRUCT ? cd_xf_field_index(parent, r->field) : -1;
    if (i >= 0) {
        *out = parent->fields[i].schema;
        return 0;
    }
    i = cd_xf_field_index(env, r->field);
    *out = i >= 0 ? env->fields[i].schema : NULL;
    return 0;
}

/* FieldReference.getValue: getWithoutDefault on the parent (or the envelope). */
static const cd_value_t *ref_value(const field_ref_t *r, const cd_schema_t *env, const cd_value_t *v) {
    static const cd_value_t NUL = {.is_null = true};
    const cd_schema_t *ps = env;
    const cd_value_t *pv = v;
    if (r->parent) {
        int i = cd_xf_field_index(env, r->parent);
        ps = env->fields[i].schema;
        pv = &v->u.strct.fields[i];
        if (pv->is_null) return &NUL;
    }
    int i = ps->type == CD_TYPE_STRUCT ? cd_xf_field_index(ps, r->field) : -1;
    if (i >= 0) return &pv->u.strct.fields[i];
    i = cd_xf_field_index(env, r->field);
    return i >= 0 ? &v->u.strct.fields[i] : &NUL;
}

/* SchemaUtil.copySchemaBasics(schema).optional(): type, name, version, doc, parameters; no
 * default, no struct fields. */
static cd_schema_t *copy_basics_optional(cd_arena_t *a, const cd_schema_t *s) {
    cd_schema_t *c = cd_arena_alloc(a, sizeof(*c));
    memset(c, 0, sizeof(*c));
    c->type = s->type;
    c->optional = true;
    c->name = s->name;
    c->version = s->version;
    c->doc = s->doc;
    c->params = s->params;
    c->n_params = s->n_params;
    c->key_schema = s->key_schema;
    c->value_schema = s->value_schema;
    return c;
}

/* A header value as SimpleHeaderConverter writes it (Values.convertToString): strings as they
 * are, null as a null header, everything else as its JSON-like text. */
static int header_value(const cd_schema_t *s, const cd_value_t *v, cd_arena_t *arena, cd_header_t *h, char *errstr,
                        size_t errstr_size) {
    h->value = NULL, h->value_len = 0;
    if (v->is_null) return 0;
    if (s->type == CD_TYPE_STRING) {
        h->value = v->u.str.ptr, h->value_len = v->u.str.len;
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

/* makeHeaders, appended to the record's headers. */
static int add_headers(enrs_t *x, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    size_t shared = rec->value ? 0 : x->n_pending;
    cd_header_t *h = cd_arena_alloc(arena, (rec->n_headers + shared + x->n_headers) * sizeof(*h));
    if (rec->n_headers) memcpy(h, rec->headers, rec->n_headers * sizeof(*h));
    if (shared) memcpy(h + rec->n_headers, x->pending, shared * sizeof(*h));
    size_t n = rec->n_headers + shared, first = n;
    for (size_t i = 0; i < x->n_headers; i++) {
        const field_ref_t *r = &x->headers[i];
        if (!rec->value) {
            /* a tombstone gets only the "d" operation */
            if (!strcmp(r->field, "op")) h[n++] = (cd_header_t){r->new_field, "d", 1};
            continue;
        }
        const cd_schema_t *fs;
        if (ref_schema(r, rec->value_schema, &fs, errstr, errstr_size)) return -1;
        if (!fs) continue;
        h[n].key = r->new_field;
        if (header_value(fs, ref_value(r, rec->value_schema, rec->value), arena, &h[n], errstr, errstr_size))
            return -1;
        n++;
    }
    rec->headers = h;
    rec->n_headers = n;
    /* what a delete got, for its tombstone */
    cd_arena_reset(x->pending_arena);
    x->pending = NULL, x->n_pending = 0;
    int op = rec->value ? cd_xf_field_index(rec->value_schema, "op") : -1;
    const cd_value_t *opv = op >= 0 ? &rec->value->u.strct.fields[op] : NULL;
    if (opv && !opv->is_null && opv->u.str.len == 1 && opv->u.str.ptr[0] == 'd' && n > first) {
        x->n_pending = n - first;
        x->pending = cd_arena_alloc(x->pending_arena, x->n_pending * sizeof(cd_header_t));
        for (size_t i = 0; i < x->n_pending; i++) {
            const cd_header_t *f = &h[first + i];
            x->pending[i] = (cd_header_t){cd_arena_strndup(x->pending_arena, f->key, strlen(f->key)),
                                          f->value ? cd_arena_strndup(x->pending_arena, f->value, f->value_len) : NULL,
                                          f->value_len};
        }
    }
    return 0;
}

/* ---- the steps -------------------------------------------------------------------------- */

/* Kafka's ExtractField$Value of an envelope field ("after", "before"). */
static int extract(const cd_xf_record_t *rec, const char *field, const cd_schema_t **s, const cd_value_t **v,
                   char *errstr, size_t errstr_size) {
    if (rec->value->type != CD_TYPE_STRUCT && rec->value_schema->type != CD_TYPE_STRUCT) {
        snprintf(errstr, errstr_size, "Only Struct objects supported for [field extraction], found: %s",
                 cd_xf_java_class(rec->value_schema, rec->value));
        return -1;
    }
    int i = cd_xf_field_index(rec->value_schema, field);
    if (i < 0) {
        snprintf(errstr, errstr_size, "Unknown field: %s", field);
        return -1;
    }
    *s = rec->value_schema->fields[i].schema;
    const cd_value_t *f = cd_xf_field_value(rec->value_schema, rec->value, (size_t)i, true);
    *v = f->is_null ? NULL : f;
    return 0;
}

/* Kafka's InsertField$Value with static.field=__deleted (optional string). */
static void insert_deleted(enrs_t *x, const cd_schema_t **s, const cd_value_t **v, const char *flag,
                           cd_arena_t *arena) {
    static const cd_schema_t OPT_STRING = {.type = CD_TYPE_STRING, .optional = true};
    const cd_schema_t *in = *s;
    const cd_schema_t *out = cd_xf_schema_cache_get(x->deleted_cache, in);
    if (!out) {
        cd_arena_t *a = cd_xf_schema_cache_arena(x->deleted_cache, in, arena);
        cd_schema_t *ns = cd_xf_struct_like(a, in, in->n_fields + 1);
        cd_field_t *f = (cd_field_t *)ns->fields;
        for (size_t i = 0; i < in->n_fields; i++) f[i] = in->fields[i];
        f[in->n_fields] = (cd_field_t){DELETED_FIELD, &OPT_STRING};
        out = cd_xf_schema_cache_put(x->deleted_cache, in, ns);
    }
    cd_value_t *fv = cd_arena_alloc(arena, (in->n_fields + 1) * sizeof(*fv));
    for (size_t i = 0; i < in->n_fields; i++) fv[i] = *cd_xf_field_value(in, *v, i, x->replace_null);
    fv[in->n_fields] = cd_string(flag, strlen(flag));
    cd_value_t *nv = cd_arena_alloc(arena, sizeof(*nv));
    *nv = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {fv, in->n_fields + 1}};
    *s = out, *v = nv;
}

/* addFields: a copy of the flattened value (its schema's basics: no longer optional) with the
 * envelope fields asked for appended. */
static int add_fields(enrs_t *x, const cd_schema_t *env_s, const cd_value_t *env, cd_xf_record_t *rec,
                      cd_arena_t *arena, char *errstr, size_t errstr_size) {
    const cd_schema_t *in = rec->value_schema;
    if (!in || in->type != CD_TYPE_STRUCT) {
        snprintf(errstr, errstr_size, "Only Struct objects supported for [%s], found: %s", PURPOSE,
                 cd_xf_java_class(in, rec->value));
        return -1;
    }
    const cd_schema_t *ref_s[x->n_fields ? x->n_fields : 1];
    size_t extra = 0;
    for (size_t i = 0; i < x->n_fields; i++) {
        if (ref_schema(&x->fields[i], env_s, &ref_s[i], errstr, errstr_size)) return -1;
        if (ref_s[i] && ref_s[i]->type == CD_TYPE_STRUCT) {
            /* copySchemaBasics leaves the struct without fields: Struct.put refuses the value */
            snprintf(errstr, errstr_size, "Struct schemas do not match.");
            return -1;
        }
        extra += ref_s[i] != NULL;
    }
    /* SchemaBuilder.field refuses a name the schema already has */
    for (size_t i = 0; i < x->n_fields; i++) {
        if (!ref_s[i]) continue;
        bool dup = cd_xf_field_index(in, x->fields[i].new_field) >= 0;
        for (size_t j = 0; j < i && !dup; j++) dup = ref_s[j] && !strcmp(x->fields[j].new_field, x->fields[i].new_field);
        if (dup) {
            snprintf(errstr, errstr_size, "Cannot create field because of field name duplication %s",
                     x->fields[i].new_field);
            return -1;
        }
    }
    const cd_schema_t *out = cd_xf_schema_cache_get(x->add_cache, in);
    if (!out) {
        cd_arena_t *a = cd_xf_schema_cache_arena(x->add_cache, in, arena);
        cd_schema_t *ns = cd_xf_struct_like(a, in, in->n_fields + extra);
        cd_field_t *f = (cd_field_t *)ns->fields;
        size_t k = 0;
        for (size_t i = 0; i < in->n_fields; i++) f[k++] = in->fields[i];
        for (size_t i = 0; i < x->n_fields; i++)
            if (ref_s[i]) f[k++] = (cd_field_t){x->fields[i].new_field, copy_basics_optional(a, ref_s[i])};
        out = cd_xf_schema_cache_put(x->add_cache, in, ns);
    }
    size_t n = in->n_fields + extra;
    cd_value_t *fv = cd_arena_alloc(arena, (n ? n : 1) * sizeof(*fv));
    size_t k = 0;
    for (size_t i = 0; i < in->n_fields; i++) fv[k++] = rec->value->u.strct.fields[i];
    for (size_t i = 0; i < x->n_fields; i++)
        if (ref_s[i]) fv[k++] = *ref_value(&x->fields[i], env_s, env);
    cd_value_t *nv = cd_arena_alloc(arena, sizeof(*nv));
    *nv = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {fv, n}};
    rec->value_schema = out;
    rec->value = nv;
    return 0;
}

/* Struct.getString(name) of a flattened row, for route.by.field. NULL: a null value. */
static int get_string(const cd_schema_t *s, const cd_value_t *v, const char *name, const char **out, size_t *len,
                      char *errstr, size_t errstr_size) {
    int i = cd_xf_field_index(s, name);
    if (i < 0) {
        snprintf(errstr, errstr_size, "%s is not a valid field name", name);
        return -1;
    }
    if (s->fields[i].schema->type != CD_TYPE_STRING) {
        snprintf(errstr, errstr_size, "Field '%s' is not of type STRING", name);
        return -1;
    }
    const cd_value_t *f = cd_xf_field_value(s, v, (size_t)i, true);
    *out = f->is_null ? NULL : f->u.str.ptr;
    *len = f->is_null ? 0 : f->u.str.len;
    return 0;
}

static int route(cd_xf_record_t *rec, const cd_schema_t *s, const cd_value_t *v, const char *purpose,
                 const char *field, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    if (!v || !s || s->type != CD_TYPE_STRUCT) {
        snprintf(errstr, errstr_size, "Only Struct objects supported for [%s], found: %s", purpose,
                 cd_xf_java_class(s, v));
        return -1;
    }
    const char *t;
    size_t len;
    if (get_string(s, v, field, &t, &len, errstr, errstr_size)) return -1;
    if (!t) return 0;
    bool blank = true;
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)t[i])) blank = false;
    if (!blank) rec->topic = cd_arena_strndup(arena, t, len);
    return 0;
}

/* The list of field names a header carries: SimpleHeaderConverter's form of a List<String>,
 * ["a","b"]. Returns the count of names written to names (arena strings); 0 when the header
 * holds no list. */
static size_t header_list(const cd_header_t *h, cd_arena_t *arena, const char ***names) {
    *names = NULL;
    if (!h->value || h->value_len < 2 || h->value[0] != '[' || h->value[h->value_len - 1] != ']') return 0;
    const char **out = cd_arena_alloc(arena, h->value_len * sizeof(char *));
    size_t n = 0, i = 1;
    while (i < h->value_len - 1) {
        while (i < h->value_len - 1 && (h->value[i] == ' ' || h->value[i] == ',')) i++;
        if (i >= h->value_len - 1) break;
        if (h->value[i] != '"') return 0;
        char *s = cd_arena_alloc(arena, h->value_len);
        size_t k = 0;
        for (i++; i < h->value_len - 1 && h->value[i] != '"'; i++) {
            if (h->value[i] == '\\' && i + 1 < h->value_len - 1) i++;
            s[k++] = h->value[i];
        }
        if (i >= h->value_len - 1) return 0;
        s[k] = '\0';
        out[n++] = s;
        i++;
    }
    *names = out;
    return n;
}

/* Kafka's ReplaceField (exclude=names) on the key or the value. */
static void drop_from(enrs_t *x, cd_xf_record_t *rec, bool is_key, const char **names, size_t n_names,
                      cd_arena_t *arena) {
    const cd_schema_t *s;
    const cd_value_t *v;
    cd_xf_operating(rec, is_key, &s, &v);
    if (!s || s->type != CD_TYPE_STRUCT) return;
    bool drop[s->n_fields ? s->n_fields : 1];
    size_t kept = 0, dropped = 0;
    for (size_t i = 0; i < s->n_fields; i++) {
        drop[i] = false;
        if (!x->drop_keep_compatible || s->fields[i].schema->optional)
            for (size_t j = 0; j < n_names; j++)
                if (!strcmp(names[j], s->fields[i].name)) drop[i] = true;
        kept += !drop[i], dropped += drop[i];
    }
    if (!dropped || !v) return;
    /* the derivation depends on the names too: not cached */
    cd_schema_t *ns = cd_xf_struct_like(arena, s, kept);
    cd_field_t *f = (cd_field_t *)ns->fields;
    cd_value_t *fv = cd_arena_alloc(arena, (kept ? kept : 1) * sizeof(*fv));
    size_t k = 0;
    for (size_t i = 0; i < s->n_fields; i++)
        if (!drop[i]) f[k] = s->fields[i], fv[k++] = *cd_xf_field_value(s, v, i, true);
    cd_value_t *nv = cd_arena_alloc(arena, sizeof(*nv));
    *nv = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {fv, kept}};
    cd_xf_set_operating(rec, is_key, ns, nv);
}

static void drop_fields(enrs_t *x, cd_xf_record_t *rec, cd_arena_t *arena) {
    if (is_blank(x->drop_header)) return;
    const cd_header_t *h = NULL;
    for (size_t i = 0; i < rec->n_headers && !h; i++)
        if (!strcmp(rec->headers[i].key, x->drop_header)) h = &rec->headers[i];
    if (!h || !h->value) return;
    const char **names;
    size_t n = header_list(h, arena, &names);
    if (!n) return;
    if (x->drop_from_key && rec->key) drop_from(x, rec, true, names, n, arena);
    drop_from(x, rec, false, names, n, arena);
}

static bool is_envelope(const cd_xf_record_t *rec) {
    const cd_schema_t *s = rec->value_schema;
    if (!s || !s->name) return false;
    size_t n = strlen(s->name), k = strlen(ENVELOPE_SUFFIX);
    return n >= k && !strcmp(s->name + n - k, ENVELOPE_SUFFIX);
}

static int enrs_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    enrs_t *x = self;
    bool tombstone = rec->value == NULL;
    bool envelope = is_envelope(rec);
    if ((envelope || tombstone) && x->n_headers && add_headers(x, rec, arena, errstr, errstr_size)) return -1;
    if (tombstone) return x->mode == M_REWRITE_WITH_TOMBSTONE ? 0 : 1;
    if (!envelope) return 0;

    const cd_schema_t *env_s = rec->value_schema;
    const cd_value_t *env = rec->value;
    const cd_schema_t *after_s, *before_s;
    const cd_value_t *after, *before;
    if (extract(rec, "after", &after_s, &after, errstr, errstr_size)) return -1;
    if (!after) {
        if (extract(rec, "before", &before_s, &before, errstr, errstr_size)) return -1;
        if (!before) return 1; /* a truncate */
        switch (x->mode) {
        case M_DROP: return 1;
        case M_TOMBSTONE: rec->value_schema = after_s, rec->value = NULL; break;
        case M_DELETE_TO_TOMBSTONE: rec->value_schema = NULL, rec->value = NULL; break;
        case M_REWRITE:
        case M_REWRITE_WITH_TOMBSTONE:
            if (before_s->type == CD_TYPE_STRUCT) insert_deleted(x, &before_s, &before, "true", arena);
            rec->value_schema = before_s, rec->value = before;
            break;
        }
        if (x->route_by) {
            const cd_value_t *b = &env->u.strct.fields[cd_xf_field_index(env_s, "before")];
            if (route(rec, env_s->fields[cd_xf_field_index(env_s, "before")].schema, b,
                      "Read record to set topic routing for DELETE", x->route_by, arena, errstr, errstr_size))
                return -1;
        }
        drop_fields(x, rec, arena);
        if (rec->value && add_fields(x, env_s, env, rec, arena, errstr, errstr_size)) return -1;
        return 0;
    }
    if ((x->mode == M_REWRITE || x->mode == M_REWRITE_WITH_TOMBSTONE) && after_s->type == CD_TYPE_STRUCT)
        insert_deleted(x, &after_s, &after, "false", arena);
    rec->value_schema = after_s, rec->value = after;
    if (x->route_by && route(rec, after_s, after, "Read record to set topic routing for CREATE / UPDATE",
                             x->route_by, arena, errstr, errstr_size))
        return -1;
    if (add_fields(x, env_s, env, rec, arena, errstr, errstr_size)) return -1;
    drop_fields(x, rec, arena);
    return 0;
}

static const cd_xf_plugin_t EXTRACT_NEW_RECORD_STATE = {
    .class_name = "io.debezium.transforms.ExtractNewRecordState",
    .alias = "ExtractNewRecordState", /* Kafka's PluginUtils aliases every plugin by its unique simple name */
    .kind = CD_XF_TRANSFORMATION,
    .version = DEBEZIUM_VERSION,
    .config_def = {ENRS_KEYS, sizeof(ENRS_KEYS) / sizeof(ENRS_KEYS[0])},
    .create = enrs_create,
    .apply = enrs_apply,
    .destroy = enrs_destroy,
};

/* ==== ByLogicalTableRouter ================================================================== */

/* Its config() lists these (not key.field.name nor schema.name.adjustment.mode, which configure()
 * reads all the same). */
static const cd_config_key_t BLTR_KEYS[] = {
    DBZ("topic.regex", CD_CFG_STRING, NULL, CD_IMPORTANCE_LOW, CD_WIDTH_LONG, "Topic regex",
        "The regex used for extracting the name of the logical table from the original topic name."),
    DBZ("topic.replacement", CD_CFG_STRING, NULL, CD_IMPORTANCE_LOW, CD_WIDTH_LONG, "Topic replacement",
        "The replacement string used in conjunction with topic.regex. This will be used to create the new topic "
        "name."),
    DBZ("key.enforce.uniqueness", CD_CFG_BOOLEAN, "true", CD_IMPORTANCE_LOW, CD_WIDTH_SHORT,
        "Add source topic name into key",
        "Augment each record's key with a field denoting the source topic. This field distinguishes records coming "
        "from different physical tables which may otherwise have primary/unique key conflicts. If the source "
        "tables are guaranteed to have globally unique keys then this may be set to false to disable key "
        "rewriting."),
    DBZ("key.field.regex", CD_CFG_STRING, NULL, CD_IMPORTANCE_LOW, CD_WIDTH_LONG, "Key field regex",
        "The regex used for extracting the physical table identifier from the original topic name. Now that "
        "multiple physical tables can share a topic, the event's key may need to be augmented to include fields "
        "other than just those for the record's primary/unique key, since these are not guaranteed to be unique "
        "across tables. We need some identifier added to the key that distinguishes the different physical "
        "tables."),
    DBZ("key.field.replacement", CD_CFG_STRING, NULL, CD_IMPORTANCE_LOW, CD_WIDTH_LONG, "Key field replacement",
        "The replacement string used in conjunction with key.field.regex. This will be used to create the "
        "physical table identifier in the record's key."),
    DBZ("logical.table.cache.size", CD_CFG_INT, "16", CD_IMPORTANCE_LOW, CD_WIDTH_LONG, "Logical table cache size",
        "The size used for holding the max entries in LRUCache. The cache will keep the old/new schema for "
        "logical table key and value, also cache the derived key and topic regex result for improving the "
        "source record transformation."),
};

typedef struct {
    java_regex_t *topic_re, *key_re; /* key_re NULL: the identifier is the old topic */
    char *topic_replacement, *key_replacement, *key_field;
    bool enforce_uniqueness;
} bltr_t;

static void bltr_destroy(void *self) {
    bltr_t *x = self;
    if (!x) return;
    if (x->topic_re) java_regex_free(x->topic_re);
    if (x->key_re) java_regex_free(x->key_re);
    free(x->topic_replacement), free(x->key_replacement), free(x->key_field);
    free(x);
}

static bool blank_or_null(const char *s) { return !s || is_blank(s); }

static void *bltr_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    (void)opts;
    const char *topic_regex = cd_props_get(c, "topic.regex"), *topic_repl = cd_props_get(c, "topic.replacement");
    const char *key_regex = cd_props_get(c, "key.field.regex"), *key_repl = cd_props_get(c, "key.field.replacement");
    const char *mode = cd_props_get(c, "schema.name.adjustment.mode");
    const char *cache = cd_props_get(c, "logical.table.cache.size");
    char msg[512];
    bool bad = blank_or_null(topic_regex) || blank_or_null(topic_repl) ||
               !valid_bool(cd_props_get(c, "key.enforce.uniqueness"));
    java_regex_t *tre = NULL, *kre = NULL;
    if (!bad && !(tre = java_regex_new(topic_regex, 0, msg, sizeof(msg)))) bad = true;
    bool has_key_regex = !blank_or_null(key_regex);
    if (!bad && has_key_regex && (blank_or_null(key_repl) || !(kre = java_regex_new(key_regex, 0, msg, sizeof(msg)))))
        bad = true;
    if (!bad && cache) {
        char *end;
        while (*cache == ' ') cache++;
        long v = strtol(cache, &end, 10);
        while (*end == ' ') end++;
        if (!*cache || *end || v < INT32_MIN || v > INT32_MAX) bad = true;
    }
    if (!bad && mode) {
        char m[32] = "";
        snprintf(m, sizeof(m), "%s", mode);
        char *t = m;
        while (*t == ' ') t++;
        for (size_t n = strlen(t); n && t[n - 1] == ' ';) t[--n] = '\0';
        if (strcasecmp(t, "none") && strcasecmp(t, "avro") && strcasecmp(t, "avro_unicode")) bad = true;
        else if (strcasecmp(t, "none")) {
            snprintf(errstr, errstr_size,
                     "connectd does not implement schema.name.adjustment.mode=%s for ByLogicalTableRouter yet: "
                     "remove it (none, the default, leaves the schema names as they are)",
                     t);
            if (tre) java_regex_free(tre);
            if (kre) java_regex_free(kre);
            return NULL;
        }
    }
    if (bad) {
        /* configure() logs each problem and throws one message for all */
        snprintf(errstr, errstr_size, CONFIGURE_FAILED);
        if (tre) java_regex_free(tre);
        if (kre) java_regex_free(kre);
        return NULL;
    }
    bltr_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->topic_re = tre, x->key_re = kre;
    x->topic_replacement = strdup(topic_repl);
    x->key_replacement = kre ? strdup(key_repl) : NULL;
    x->key_field = strdup(get_or(c, "key.field.name", "__dbz__physicalTableIdentifier"));
    x->enforce_uniqueness = cd_xf_bool(c, "key.enforce.uniqueness", true);
    return x;
}

static const cd_schema_t BLTR_STRING = {.type = CD_TYPE_STRING};

/* copySchemaExcludingName: version, doc, parameters, optional, and (copy_fields) the fields. */
static cd_schema_t *copy_excluding_name(cd_arena_t *a, const cd_schema_t *from, size_t n_fields, const char *name,
                                        const char *suffix) {
    cd_schema_t *s = cd_xf_struct_like(a, from, n_fields);
    s->optional = from->optional;
    size_t len = strlen(name) + strlen(suffix) + 1;
    char *nm = cd_arena_alloc(a, len);
    snprintf(nm, len, "%s%s", name, suffix);
    s->name = nm;
    return s;
}

static int bltr_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    bltr_t *x = self;
    const char *old_topic = rec->topic;
    size_t n = strlen(old_topic);
    if (!java_regex_matches(x->topic_re, old_topic, n)) return 0;
    char *t = java_regex_replace_first(x->topic_re, old_topic, n, x->topic_replacement, errstr, errstr_size);
    if (!t) return -1;
    if (!*t) { /* Debezium warns and keeps the record as it is */
        free(t);
        return 0;
    }
    const char *new_topic = cd_arena_strndup(arena, t, strlen(t));
    free(t);

    /* the key: a new struct named <new topic>.Key, with the physical table's identifier */
    const cd_schema_t *ks = NULL;
    const cd_value_t *kv = NULL;
    if (rec->key) {
        if (!rec->key_schema || rec->key_schema->type != CD_TYPE_STRUCT) {
            snprintf(errstr, errstr_size, "Only Struct objects supported for [Updating schema], found: %s",
                     cd_xf_java_class(rec->key_schema, rec->key));
            return -1;
        }
        const cd_schema_t *old = rec->key_schema;
        size_t nf = old->n_fields + (x->enforce_uniqueness ? 1 : 0);
        cd_schema_t *s = copy_excluding_name(arena, old, nf, new_topic, ".Key");
        cd_field_t *f = (cd_field_t *)s->fields;
        cd_value_t *fv = cd_arena_alloc(arena, (nf ? nf : 1) * sizeof(*fv));
        for (size_t i = 0; i < old->n_fields; i++) f[i] = old->fields[i], fv[i] = *cd_xf_field_value(old, rec->key, i, true);
        if (x->enforce_uniqueness) {
            const char *id = old_topic;
            if (x->key_re && java_regex_matches(x->key_re, old_topic, n)) {
                char *k = java_regex_replace_first(x->key_re, old_topic, n, x->key_replacement, errstr, errstr_size);
                if (!k) return -1;
                id = cd_arena_strndup(arena, k, strlen(k));
                free(k);
            }
            f[old->n_fields] = (cd_field_t){x->key_field, &BLTR_STRING};
            fv[old->n_fields] = cd_string(id, strlen(id));
        }
        cd_value_t *nk = cd_arena_alloc(arena, sizeof(*nk));
        *nk = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {fv, nf}};
        ks = s, kv = nk;
    }
    rec->topic = new_topic;
    rec->key_schema = ks, rec->key = kv;
    /* tombstones and what is not a change event keep their value */
    if (!rec->value || !is_envelope(rec)) return 0;

    const cd_schema_t *env = rec->value_schema;
    int bi = cd_xf_field_index(env, "before");
    if (bi < 0) {
        snprintf(errstr, errstr_size,
                 "Cannot invoke \"org.apache.kafka.connect.data.Field.schema()\" because the return value of "
                 "\"org.apache.kafka.connect.data.Schema.field(String)\" is null");
        return -1;
    }
    const cd_schema_t *old_row = env->fields[bi].schema;
    cd_schema_t *row = copy_excluding_name(arena, old_row, old_row->n_fields, new_topic, ".Value");
    for (size_t i = 0; i < old_row->n_fields; i++) ((cd_field_t *)row->fields)[i] = old_row->fields[i];
    cd_schema_t *ns = copy_excluding_name(arena, env, env->n_fields, new_topic, ".Envelope");
    cd_field_t *f = (cd_field_t *)ns->fields;
    cd_value_t *fv = cd_arena_alloc(arena, (env->n_fields ? env->n_fields : 1) * sizeof(*fv));
    for (size_t i = 0; i < env->n_fields; i++) {
        bool image = !strcmp(env->fields[i].name, "before") || !strcmp(env->fields[i].name, "after");
        f[i] = (cd_field_t){env->fields[i].name, image ? row : env->fields[i].schema};
        const cd_value_t *v = cd_xf_field_value(env, rec->value, i, true);
        fv[i] = *v;
        if (image && !v->is_null) {
            /* Struct.get on each column: a null gets its default */
            const cd_schema_t *vs = env->fields[i].schema;
            cd_value_t *cols = cd_arena_alloc(arena, (vs->n_fields ? vs->n_fields : 1) * sizeof(*cols));
            for (size_t k = 0; k < vs->n_fields; k++) cols[k] = *cd_xf_field_value(vs, v, k, true);
            fv[i] = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {cols, vs->n_fields}};
        }
    }
    cd_value_t *nv = cd_arena_alloc(arena, sizeof(*nv));
    *nv = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {fv, env->n_fields}};
    rec->value_schema = ns, rec->value = nv;
    return 0;
}

static const cd_xf_plugin_t BY_LOGICAL_TABLE_ROUTER = {
    .class_name = "io.debezium.transforms.ByLogicalTableRouter",
    .alias = "ByLogicalTableRouter",
    .kind = CD_XF_TRANSFORMATION,
    .version = DEBEZIUM_VERSION,
    .config_def = {BLTR_KEYS, sizeof(BLTR_KEYS) / sizeof(BLTR_KEYS[0])},
    .create = bltr_create,
    .apply = bltr_apply,
    .destroy = bltr_destroy,
};

const cd_xf_plugin_t *const cd_xf_debezium_plugins[] = {&BY_LOGICAL_TABLE_ROUTER, &EXTRACT_NEW_RECORD_STATE, NULL};
