/* json_converter.c - Kafka's org.apache.kafka.connect.json.JsonConverter: renders Connect data as
 * the exact bytes Kafka's (Jackson, compact) produces, with the schema JSON cached per schema
 * cache_id, and parses JsonConverter bytes back into Connect data with json-c for sinks. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "connect/converter.h"
#include "connect/java_hash.h"
#include "connect/json_write.h"

/* Kafka's default for schemas.cache.size; the cache is cleared when it fills. */
#define DEFAULT_CACHE_SIZE 1000
/* Nesting deeper than this is refused when parsing (json-c's own default is 32). */
#define MAX_PARSE_DEPTH 128
/* Field names remembered for error messages. */
#define MAX_PATH 16

typedef struct {
    uint64_t id; /* 0: empty slot */
    char *json;
    size_t len;
} cache_slot_t;

typedef struct {
    bool is_key;
    bool schemas_enable;
    bool decimal_numeric;
    bool replace_null;
    int cache_size;
    cache_slot_t *slots; /* open addressing, linear probing; cap is a power of two */
    size_t cap, count;
} json_conv_t;

/* ---- errors with the field path ------------------------------------------------------------------ */

typedef struct {
    json_conv_t *jc;
    cd_buf_t *out;         /* rendering */
    cd_arena_t *arena;     /* parsing */
    char *errstr;
    size_t errstr_size;
    const char *path[MAX_PATH];
    int depth;
} ctx_t;

static void path_push(ctx_t *c, const char *name) {
    if (c->depth < MAX_PATH) c->path[c->depth] = name;
    c->depth++;
}

static void path_pop(ctx_t *c) { c->depth--; }

__attribute__((format(printf, 2, 3))) static int fail(ctx_t *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->errstr, c->errstr_size, fmt, ap);
    va_end(ap);
    if (n < 0 || c->depth == 0 || (size_t)n >= c->errstr_size) return -1;
    size_t at = (size_t)n;
    at += (size_t)snprintf(c->errstr + at, c->errstr_size - at, " (field ");
    for (int i = 0; i < c->depth && i < MAX_PATH && at < c->errstr_size; i++)
        at += (size_t)snprintf(c->errstr + at, c->errstr_size - at, "%s%s", i ? "." : "", c->path[i]);
    if (c->depth > MAX_PATH && at < c->errstr_size)
        at += (size_t)snprintf(c->errstr + at, c->errstr_size - at, "...");
    if (at < c->errstr_size) snprintf(c->errstr + at, c->errstr_size - at, ")");
    return -1;
}

static bool has_default(const cd_schema_t *s) { return s->default_value && !s->default_value->is_null; }

/* ---- schema JSON cache ------------------------------------------------------------------------------ */

static size_t slot_of(uint64_t id, size_t cap) {
    return (size_t)((id * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

static const cache_slot_t *cache_get(const json_conv_t *jc, uint64_t id) {
    if (!jc->cap) return NULL;
    for (size_t i = slot_of(id, jc->cap);; i = (i + 1) & (jc->cap - 1)) {
        if (jc->slots[i].id == id) return &jc->slots[i];
        if (!jc->slots[i].id) return NULL;
    }
}

static void cache_clear(json_conv_t *jc) {
    for (size_t i = 0; i < jc->cap; i++) {
        free(jc->slots[i].json);
        jc->slots[i] = (cache_slot_t){0};
    }
    jc->count = 0;
}

static void cache_insert_slot(cache_slot_t *slots, size_t cap, cache_slot_t e) {
    size_t i = slot_of(e.id, cap);
    while (slots[i].id) i = (i + 1) & (cap - 1);
    slots[i] = e;
}

static void cache_put(json_conv_t *jc, uint64_t id, const char *json, size_t len) {
    /* Kafka evicts least-recently-used; a full clear is simpler and schemas change rarely. */
    if (jc->count >= (size_t)jc->cache_size) cache_clear(jc);
    if ((jc->count + 1) * 2 > jc->cap) {
        size_t cap = jc->cap ? jc->cap * 2 : 16;
        cache_slot_t *slots = calloc(cap, sizeof(*slots));
        if (!slots) abort();
        for (size_t i = 0; i < jc->cap; i++)
            if (jc->slots[i].id) cache_insert_slot(slots, cap, jc->slots[i]);
        free(jc->slots);
        jc->slots = slots;
        jc->cap = cap;
    }
    cache_slot_t e = {.id = id, .json = malloc(len ? len : 1), .len = len};
    if (!e.json) abort();
    memcpy(e.json, json, len);
    cache_insert_slot(jc->slots, jc->cap, e);
    jc->count++;
}

/* ---- rendering: Connect -> JSON ------------------------------------------------------------------- */

static const char *const type_json_name[] = {
    [CD_TYPE_INT8] = "int8",       [CD_TYPE_INT16] = "int16",     [CD_TYPE_INT32] = "int32",
    [CD_TYPE_INT64] = "int64",     [CD_TYPE_FLOAT32] = "float",   [CD_TYPE_FLOAT64] = "double",
    [CD_TYPE_BOOLEAN] = "boolean", [CD_TYPE_STRING] = "string",   [CD_TYPE_BYTES] = "bytes",
    [CD_TYPE_ARRAY] = "array",     [CD_TYPE_MAP] = "map",         [CD_TYPE_STRUCT] = "struct",
};

static bool valid_type(cd_type_t t) { return (unsigned)t <= CD_TYPE_STRUCT; }

static int write_value(ctx_t *c, const cd_schema_t *s, const cd_value_t *v);

/* JsonConverter.asJsonSchema; field is the struct field name for the trailing "field" member. */
static int write_schema(ctx_t *c, const cd_schema_t *s, const char *field) {
    cd_buf_t *b = c->out;
    if (!s) {
        cd_jw_lit(b, "null");
        return 0;
    }
    if (!valid_type(s->type)) return fail(c, "Couldn't translate unsupported schema type %d", (int)s->type);
    cd_jw_lit(b, "{\"type\":\"");
    const char *tn = type_json_name[s->type];
    cd_jw_raw(b, tn, strlen(tn));
    cd_jw_char(b, '"');
    switch (s->type) {
    case CD_TYPE_STRUCT:
        cd_jw_lit(b, ",\"fields\":[");
        for (size_t i = 0; i < s->n_fields; i++) {
            const cd_field_t *f = &s->fields[i];
            if (i) cd_jw_char(b, ',');
            path_push(c, f->name ? f->name : "?");
            if (!f->name || !f->schema) return fail(c, "Struct schema field %zu has no %s", i, f->name ? "schema" : "name");
            if (write_schema(c, f->schema, f->name)) return -1;
            path_pop(c);
        }
        cd_jw_char(b, ']');
        break;
    case CD_TYPE_ARRAY:
        cd_jw_lit(b, ",\"items\":");
        if (write_schema(c, s->value_schema, NULL)) return -1;
        break;
    case CD_TYPE_MAP:
        cd_jw_lit(b, ",\"keys\":");
        if (write_schema(c, s->key_schema, NULL)) return -1;
        cd_jw_lit(b, ",\"values\":");
        if (write_schema(c, s->value_schema, NULL)) return -1;
        break;
    default:
        break;
    }
    if (s->optional)
        cd_jw_lit(b, ",\"optional\":true");
    else
        cd_jw_lit(b, ",\"optional\":false");
    if (s->name) {
        cd_jw_lit(b, ",\"name\":");
        cd_jw_string(b, s->name, strlen(s->name));
    }
    if (s->version) {
        cd_jw_lit(b, ",\"version\":");
        cd_jw_int(b, s->version);
    }
    if (s->doc) {
        cd_jw_lit(b, ",\"doc\":");
        cd_jw_string(b, s->doc, strlen(s->doc));
    }
    if (s->n_params) {
        cd_jw_lit(b, ",\"parameters\":{");
        for (size_t i = 0; i < s->n_params; i++) {
            const cd_param_t *p = &s->params[i];
            if (i) cd_jw_char(b, ',');
            cd_jw_string(b, p->key ? p->key : "", p->key ? strlen(p->key) : 0);
            cd_jw_char(b, ':');
            if (p->value)
                cd_jw_string(b, p->value, strlen(p->value));
            else
                cd_jw_lit(b, "null");
        }
        cd_jw_char(b, '}');
    }
    if (has_default(s)) {
        cd_jw_lit(b, ",\"default\":");
        if (write_value(c, s, s->default_value)) return -1;
    }
    if (field) {
        cd_jw_lit(b, ",\"field\":");
        cd_jw_string(b, field, strlen(field));
    }
    cd_jw_char(b, '}');
    return 0;
}

static int write_schema_cached(ctx_t *c, const cd_schema_t *s) {
    json_conv_t *jc = c->jc;
    if (!s || !s->cache_id || jc->cache_size <= 0) return write_schema(c, s, NULL);
    const cache_slot_t *e = cache_get(jc, s->cache_id);
    if (e) {
        cd_jw_raw(c->out, e->json, e->len);
        return 0;
    }
    size_t at = c->out->len;
    if (write_schema(c, s, NULL)) return -1;
    cache_put(jc, s->cache_id, c->out->data + at, c->out->len - at);
    return 0;
}

static void write_fp(cd_buf_t *b, double d, bool is_float) {
    if (!isfinite(d)) { /* Jackson quotes non-numeric numbers by default */
        cd_jw_char(b, '"');
        if (is_float)
            cd_jw_java_float(b, (float)d);
        else
            cd_jw_java_double(b, d);
        cd_jw_char(b, '"');
    } else if (is_float) {
        cd_jw_java_float(b, (float)d);
    } else {
        cd_jw_java_double(b, d);
    }
}

/* Kafka's Decimal logical converter: the unscaled BigInteger's bytes as Base64, or the BigDecimal
 * as a JSON number. */
static int write_decimal(ctx_t *c, const cd_schema_t *s, const cd_value_t *v) {
    const unsigned char *p = (const unsigned char *)v->u.str.ptr;
    size_t n = v->u.str.len;
    if (c->jc->decimal_numeric) {
        int32_t scale;
        char err[128];
        if (cd_converter_decimal_scale(s, &scale, err, sizeof(err))) return fail(c, "%s", err);
        cd_jw_big_decimal(c->out, p, n, scale);
        return 0;
    }
    /* BigInteger.toByteArray is minimal: drop sign-extension bytes a producer may have left */
    static const unsigned char zero = 0;
    if (!n) {
        p = &zero;
        n = 1;
    }
    while (n > 1 && ((p[0] == 0x00 && !(p[1] & 0x80)) || (p[0] == 0xff && (p[1] & 0x80)))) {
        p++;
        n--;
    }
    cd_jw_char(c->out, '"');
    cd_jw_base64(c->out, p, n);
    cd_jw_char(c->out, '"');
    return 0;
}

/* A map key in object mode (JsonNode.asText of the converted key). */
static int write_map_key(ctx_t *c, const cd_schema_t *ks, const cd_value_t *k) {
    if (!k || k->is_null) {
        if (ks && has_default(ks) && c->jc->replace_null) return write_map_key(c, ks, ks->default_value);
        if (!ks || ks->optional) {
            cd_jw_lit(c->out, "\"null\"");
            return 0;
        }
        return fail(c, "Conversion error: null value for field that is required and has no default value");
    }
    if (k->type != CD_TYPE_STRING)
        return fail(c, "Invalid type for STRING: map key of type %s does not match its schema",
                    cd_converter_type_name(k->type));
    cd_jw_string(c->out, k->u.str.ptr, k->u.str.len);
    return 0;
}

static int write_map(ctx_t *c, const cd_schema_t *s, const cd_value_t *v) {
    cd_buf_t *b = c->out;
    const cd_schema_t *ks = s ? s->key_schema : NULL, *vs = s ? s->value_schema : NULL;
    size_t n = v->u.map.n;
    bool object_mode;
    if (s) {
        object_mode = ks && ks->type == CD_TYPE_STRING;
    } else {
        object_mode = true;
        for (size_t i = 0; i < n && object_mode; i++)
            object_mode = !v->u.map.keys[i].is_null && v->u.map.keys[i].type == CD_TYPE_STRING;
    }
    cd_jw_char(b, object_mode ? '{' : '[');
    for (size_t i = 0; i < n; i++) {
        if (i) cd_jw_char(b, ',');
        if (object_mode) {
            if (write_map_key(c, ks, &v->u.map.keys[i])) return -1;
            cd_jw_char(b, ':');
            if (write_value(c, vs, &v->u.map.values[i])) return -1;
        } else {
            cd_jw_char(b, '[');
            if (write_value(c, ks, &v->u.map.keys[i])) return -1;
            cd_jw_char(b, ',');
            if (write_value(c, vs, &v->u.map.values[i])) return -1;
            cd_jw_char(b, ']');
        }
    }
    cd_jw_char(b, object_mode ? '}' : ']');
    return 0;
}

/* JsonConverter.convertToJson. */
static int write_value(ctx_t *c, const cd_schema_t *s, const cd_value_t *v) {
    cd_buf_t *b = c->out;
    if (!v || v->is_null) {
        if (s && has_default(s) && c->jc->replace_null) return write_value(c, s, s->default_value);
        if (!s || s->optional) {
            cd_jw_lit(b, "null");
            return 0;
        }
        return fail(c, "Conversion error: null value for field that is required and has no default value");
    }
    cd_type_t t = v->type;
    if (s && s->type != t) {
        if (!valid_type(s->type)) return fail(c, "Couldn't translate unsupported schema type %d", (int)s->type);
        return fail(c, "Invalid type for %s: value of type %s does not match its schema",
                    cd_converter_type_name(s->type), cd_converter_type_name(t));
    }
    switch (t) {
    case CD_TYPE_INT8:
    case CD_TYPE_INT16:
    case CD_TYPE_INT32:
    case CD_TYPE_INT64:
        cd_jw_int(b, v->u.i);
        return 0;
    case CD_TYPE_FLOAT32:
        write_fp(b, v->u.f, true);
        return 0;
    case CD_TYPE_FLOAT64:
        write_fp(b, v->u.f, false);
        return 0;
    case CD_TYPE_BOOLEAN:
        if (v->u.b)
            cd_jw_lit(b, "true");
        else
            cd_jw_lit(b, "false");
        return 0;
    case CD_TYPE_STRING:
        cd_jw_string(b, v->u.str.ptr, v->u.str.len);
        return 0;
    case CD_TYPE_BYTES:
        if (cd_converter_is_decimal(s)) return write_decimal(c, s, v);
        cd_jw_char(b, '"');
        cd_jw_base64(b, v->u.str.ptr, v->u.str.len);
        cd_jw_char(b, '"');
        return 0;
    case CD_TYPE_ARRAY: {
        const cd_schema_t *is = s ? s->value_schema : NULL;
        cd_jw_char(b, '[');
        for (size_t i = 0; i < v->u.array.n; i++) {
            if (i) cd_jw_char(b, ',');
            if (write_value(c, is, &v->u.array.items[i])) return -1;
        }
        cd_jw_char(b, ']');
        return 0;
    }
    case CD_TYPE_MAP:
        return write_map(c, s, v);
    case CD_TYPE_STRUCT:
        if (!s) return fail(c, "Mismatching schema: a STRUCT value needs a schema");
        if (v->u.strct.n != s->n_fields)
            return fail(c, "Mismatching schema: struct value has %zu fields, its schema %s has %zu", v->u.strct.n,
                        s->name ? s->name : "(unnamed)", s->n_fields);
        cd_jw_char(b, '{');
        for (size_t i = 0; i < s->n_fields; i++) {
            const cd_field_t *f = &s->fields[i];
            if (i) cd_jw_char(b, ',');
            if (!f->name) return fail(c, "Struct schema field %zu has no name", i);
            cd_jw_string(b, f->name, strlen(f->name));
            cd_jw_char(b, ':');
            path_push(c, f->name);
            if (write_value(c, f->schema, &v->u.strct.fields[i])) return -1;
            path_pop(c);
        }
        cd_jw_char(b, '}');
        return 0;
    }
    return fail(c, "Java class for type %d does not have corresponding schema type.", (int)t);
}

static int json_from_connect(void *impl, const char *topic, const cd_schema_t *schema, const cd_value_t *value,
                             cd_buf_t *out, char *errstr, size_t errstr_size) {
    (void)topic;
    json_conv_t *jc = impl;
    ctx_t c = {.jc = jc, .out = out, .errstr = errstr, .errstr_size = errstr_size};
    size_t start = out->len;
    int rc;
    if (jc->schemas_enable) {
        cd_jw_lit(out, "{\"schema\":");
        rc = write_schema_cached(&c, schema);
        if (!rc) {
            cd_jw_lit(out, ",\"payload\":");
            rc = write_value(&c, schema, value);
        }
        if (!rc) cd_jw_char(out, '}');
    } else {
        rc = write_value(&c, schema, value);
    }
    if (rc) {
        out->len = start;
        return -1;
    }
    return 1;
}

/* ---- parsing: JSON -> Connect ---------------------------------------------------------------------- */

static const char *json_kind(struct json_object *j) {
    return j ? json_type_to_name(json_object_get_type(j)) : "null";
}

static bool is_a(struct json_object *j, enum json_type t) { return j && json_object_get_type(j) == t; }

static cd_value_t *new_values(ctx_t *c, size_t n) {
    cd_value_t *v = cd_arena_alloc(c->arena, n * sizeof(cd_value_t));
    memset(v, 0, n * sizeof(cd_value_t));
    return v;
}

/* A decimal number's text (e.g. "-12.50", "1E+3") as the unscaled value at the given scale, in
 * BigInteger.toByteArray form. Fails when the number has more fractional digits than scale
 * allows (other than trailing zeros). */
static int decimal_text_to_unscaled(ctx_t *c, const char *text, int32_t scale, cd_value_t *out) {
    const char *p = text;
    bool neg = false;
    if (*p == '-' || *p == '+') neg = *p++ == '-';
    size_t len = strlen(p);
    char *digits = cd_arena_alloc(c->arena, len + 1);
    size_t nd = 0;
    long frac = 0;
    bool seen_point = false;
    for (; *p && *p != 'e' && *p != 'E'; p++) {
        if (*p == '.') {
            seen_point = true;
        } else if (*p >= '0' && *p <= '9') {
            if (nd || *p != '0') digits[nd++] = *p; /* no leading zeros */
            if (seen_point) frac++;
        } else {
            return fail(c, "Invalid decimal number %s", text);
        }
    }
    long exp = 0;
    if (*p) {
        char *end;
        errno = 0;
        exp = strtol(p + 1, &end, 10);
        if (*end || errno || exp > 100000 || exp < -100000) return fail(c, "Invalid decimal number %s", text);
    }
    /* value = digits * 10^(exp - frac); unscaled = digits * 10^(exp - frac + scale) */
    long shift = exp - frac + scale;
    if (shift < 0) {
        for (long i = 0; i < -shift; i++) {
            if (nd == 0) break;
            if (digits[nd - 1] != '0')
                return fail(c, "Decimal value %s has more fractional digits than the schema's scale %d allows", text,
                            (int)scale);
            nd--;
        }
    } else if (nd && shift > 0) {
        if (shift > 100000) return fail(c, "Decimal value %s is too large", text);
        char *more = cd_arena_alloc(c->arena, nd + (size_t)shift);
        memcpy(more, digits, nd);
        memset(more + nd, '0', (size_t)shift);
        digits = more;
        nd += (size_t)shift;
    }
    /* decimal digits -> little-endian 32-bit limbs */
    size_t cap = nd / 9 + 2;
    uint32_t *limbs = cd_arena_alloc(c->arena, cap * sizeof(uint32_t));
    size_t nl = 0;
    for (size_t i = 0; i < nd;) {
        uint32_t chunk = 0, mul = 1;
        for (int k = 0; k < 9 && i < nd; k++, i++) {
            chunk = chunk * 10 + (uint32_t)(digits[i] - '0');
            mul *= 10;
        }
        uint64_t carry = chunk;
        for (size_t j = 0; j < nl; j++) {
            uint64_t cur = (uint64_t)limbs[j] * mul + carry;
            limbs[j] = (uint32_t)cur;
            carry = cur >> 32;
        }
        if (carry) limbs[nl++] = (uint32_t)carry;
    }
    /* magnitude, big-endian, minimal, plus one byte for the sign */
    size_t nb = nl * 4 + 1;
    unsigned char *bytes = cd_arena_alloc(c->arena, nb);
    for (size_t i = 0; i < nl; i++)
        for (int k = 0; k < 4; k++) bytes[nb - 1 - (i * 4 + (size_t)k)] = (unsigned char)(limbs[i] >> (8 * k));
    bytes[0] = 0;
    if (neg && nl) {
        for (size_t i = 0; i < nb; i++) bytes[i] = (unsigned char)~bytes[i];
        for (size_t i = nb; i-- > 0;)
            if (++bytes[i] != 0) break;
    }
    size_t start = 0;
    while (nb - start > 1 && ((bytes[start] == 0x00 && !(bytes[start + 1] & 0x80)) ||
                              (bytes[start] == 0xff && (bytes[start + 1] & 0x80))))
        start++;
    *out = (cd_value_t){.type = CD_TYPE_BYTES};
    out->u.str.ptr = (const char *)bytes + start;
    out->u.str.len = nb - start;
    return 0;
}

static int read_bytes(ctx_t *c, struct json_object *j, cd_value_t *out) {
    const char *s = json_object_get_string(j);
    size_t n = (size_t)json_object_get_string_len(j);
    unsigned char *buf = cd_arena_alloc(c->arena, cd_base64_decoded_max(n));
    long len = cd_base64_decode(s, n, buf);
    if (len < 0) return -1;
    *out = (cd_value_t){.type = CD_TYPE_BYTES};
    out->u.str.ptr = (const char *)buf;
    out->u.str.len = (size_t)len;
    return 0;
}

static int read_value(ctx_t *c, const cd_schema_t *s, struct json_object *j, cd_value_t *out);

static int read_decimal(ctx_t *c, const cd_schema_t *s, struct json_object *j, cd_value_t *out) {
    if (is_a(j, json_type_string)) {
        if (read_bytes(c, j, out) || out->u.str.len == 0) return fail(c, "Invalid bytes for Decimal field");
        return 0;
    }
    if (is_a(j, json_type_int) || is_a(j, json_type_double)) {
        int32_t scale;
        char err[128];
        if (cd_converter_decimal_scale(s, &scale, err, sizeof(err))) return fail(c, "%s", err);
        return decimal_text_to_unscaled(c, json_object_get_string(j), scale, out);
    }
    return fail(c, "Invalid type for Decimal, underlying representation should be numeric or bytes but was %s",
                json_kind(j));
}

static int read_map(ctx_t *c, const cd_schema_t *s, struct json_object *j, cd_value_t *out) {
    const cd_schema_t *ks = s ? s->key_schema : NULL, *vs = s ? s->value_schema : NULL;
    *out = (cd_value_t){.type = CD_TYPE_MAP};
    if (!s || (ks && ks->type == CD_TYPE_STRING)) {
        if (!is_a(j, json_type_object))
            return fail(c, "Maps with string fields should be encoded as JSON objects, but found %s", json_kind(j));
        size_t n = (size_t)json_object_object_length(j);
        cd_value_t *keys = new_values(c, n), *values = new_values(c, n);
        size_t i = 0;
        json_object_object_foreach(j, key, val) {
            size_t kl = strlen(key);
            keys[i] = cd_string(cd_arena_strndup(c->arena, key, kl), kl);
            path_push(c, key);
            if (read_value(c, vs, val, &values[i])) return -1;
            path_pop(c);
            i++;
        }
        /* Kafka reads an object into a new HashMap, put in the object's order: what it hands on
         * (to transformations, to a sink's toString) iterates in the HashMap's order */
        java_hashmap_order_values(keys, values, i, 16);
        out->u.map.keys = keys;
        out->u.map.values = values;
        out->u.map.n = i;
        return 0;
    }
    if (!is_a(j, json_type_array))
        return fail(c, "Maps with non-string fields should be encoded as JSON array of tuples, but found %s",
                    json_kind(j));
    size_t n = json_object_array_length(j);
    cd_value_t *keys = new_values(c, n), *values = new_values(c, n);
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(j, i);
        if (!is_a(e, json_type_array))
            return fail(c, "Found invalid map entry instead of array tuple: %s", json_kind(e));
        if (json_object_array_length(e) != 2)
            return fail(c, "Found invalid map entry, expected length 2 but found :%zu", json_object_array_length(e));
        if (read_value(c, ks, json_object_array_get_idx(e, 0), &keys[i]) ||
            read_value(c, vs, json_object_array_get_idx(e, 1), &values[i]))
            return -1;
    }
    out->u.map.keys = keys;
    out->u.map.values = values;
    out->u.map.n = n;
    return 0;
}

static int read_int(ctx_t *c, cd_type_t t, struct json_object *j, cd_value_t *out) {
    if (!is_a(j, json_type_int))
        return fail(c, "Invalid type for %s: expected a JSON integer but found %s", cd_converter_type_name(t),
                    json_kind(j));
    int64_t v = json_object_get_int64(j);
    int64_t lo = t == CD_TYPE_INT8 ? INT8_MIN : t == CD_TYPE_INT16 ? INT16_MIN : t == CD_TYPE_INT32 ? INT32_MIN : INT64_MIN;
    int64_t hi = t == CD_TYPE_INT8 ? INT8_MAX : t == CD_TYPE_INT16 ? INT16_MAX : t == CD_TYPE_INT32 ? INT32_MAX : INT64_MAX;
    if (v < lo || v > hi)
        return fail(c, "Invalid value %s for %s: out of range", json_object_get_string(j), cd_converter_type_name(t));
    *out = cd_int(t, v);
    return 0;
}

static int read_fp(ctx_t *c, cd_type_t t, struct json_object *j, cd_value_t *out) {
    double d;
    if (is_a(j, json_type_double) || is_a(j, json_type_int)) {
        d = json_object_get_double(j);
    } else if (is_a(j, json_type_string) && !strcmp(json_object_get_string(j), "NaN")) {
        d = NAN; /* how Jackson writes non-finite numbers */
    } else if (is_a(j, json_type_string) && !strcmp(json_object_get_string(j), "Infinity")) {
        d = INFINITY;
    } else if (is_a(j, json_type_string) && !strcmp(json_object_get_string(j), "-Infinity")) {
        d = -INFINITY;
    } else {
        return fail(c, "Invalid type for %s: expected a JSON number but found %s", cd_converter_type_name(t),
                    json_kind(j));
    }
    *out = (cd_value_t){.type = t};
    out->u.f = t == CD_TYPE_FLOAT32 ? (double)(float)d : d;
    return 0;
}

/* JsonConverter.convertToConnect. */
static int read_value(ctx_t *c, const cd_schema_t *s, struct json_object *j, cd_value_t *out) {
    cd_type_t t;
    if (s) {
        t = s->type;
        if (!j) { /* JSON null or a missing member */
            if (has_default(s) && c->jc->replace_null) {
                *out = *s->default_value;
                return 0;
            }
            if (s->optional) {
                *out = cd_null();
                out->type = t;
                return 0;
            }
            return fail(c, "Invalid null value for required %s field", cd_converter_type_name(t));
        }
        if (cd_converter_is_decimal(s)) return read_decimal(c, s, j, out);
    } else {
        switch (json_object_get_type(j)) {
        case json_type_null: *out = cd_null(); return 0;
        case json_type_boolean: t = CD_TYPE_BOOLEAN; break;
        case json_type_int: t = CD_TYPE_INT64; break;
        case json_type_double: t = CD_TYPE_FLOAT64; break;
        case json_type_string: t = CD_TYPE_STRING; break;
        case json_type_array: t = CD_TYPE_ARRAY; break;
        case json_type_object: t = CD_TYPE_MAP; break;
        default: return fail(c, "Unknown schema type: %s", json_kind(j));
        }
    }
    switch (t) {
    case CD_TYPE_BOOLEAN:
        if (!is_a(j, json_type_boolean))
            return fail(c, "Invalid type for BOOLEAN: expected a JSON boolean but found %s", json_kind(j));
        *out = (cd_value_t){.type = t};
        out->u.b = json_object_get_boolean(j);
        return 0;
    case CD_TYPE_INT8:
    case CD_TYPE_INT16:
    case CD_TYPE_INT32:
    case CD_TYPE_INT64:
        return read_int(c, t, j, out);
    case CD_TYPE_FLOAT32:
    case CD_TYPE_FLOAT64:
        return read_fp(c, t, j, out);
    case CD_TYPE_STRING: {
        if (!is_a(j, json_type_string))
            return fail(c, "Invalid type for STRING: expected a JSON string but found %s", json_kind(j));
        size_t n = (size_t)json_object_get_string_len(j);
        *out = cd_string(cd_arena_strndup(c->arena, json_object_get_string(j), n), n);
        return 0;
    }
    case CD_TYPE_BYTES:
        if (!is_a(j, json_type_string) || read_bytes(c, j, out))
            return fail(c, "Invalid bytes field: expected a Base64 string but found %s", json_kind(j));
        return 0;
    case CD_TYPE_ARRAY: {
        if (!is_a(j, json_type_array))
            return fail(c, "Invalid type for ARRAY: expected a JSON array but found %s", json_kind(j));
        size_t n = json_object_array_length(j);
        cd_value_t *items = new_values(c, n);
        for (size_t i = 0; i < n; i++)
            if (read_value(c, s ? s->value_schema : NULL, json_object_array_get_idx(j, i), &items[i])) return -1;
        *out = (cd_value_t){.type = t};
        out->u.array.items = items;
        out->u.array.n = n;
        return 0;
    }
    case CD_TYPE_MAP:
        return read_map(c, s, j, out);
    case CD_TYPE_STRUCT: {
        if (!is_a(j, json_type_object))
            return fail(c, "Structs should be encoded as JSON objects, but found %s", json_kind(j));
        cd_value_t *fields = new_values(c, s->n_fields);
        for (size_t i = 0; i < s->n_fields; i++) {
            struct json_object *fj = NULL;
            json_object_object_get_ex(j, s->fields[i].name, &fj);
            path_push(c, s->fields[i].name);
            if (read_value(c, s->fields[i].schema, fj, &fields[i])) return -1;
            path_pop(c);
        }
        *out = (cd_value_t){.type = t};
        out->u.strct.fields = fields;
        out->u.strct.n = s->n_fields;
        return 0;
    }
    }
    return fail(c, "Unknown schema type: %d", (int)t);
}

static const char *json_str(struct json_object *o, const char *key) {
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) && is_a(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static const char *arena_str(ctx_t *c, const char *s) { return s ? cd_arena_strndup(c->arena, s, strlen(s)) : NULL; }

/* JsonConverter.asConnectSchema. js is not JSON null. */
static int read_schema(ctx_t *c, struct json_object *js, const cd_schema_t **out) {
    static const struct {
        const char *name;
        cd_type_t type;
    } types[] = {
        {"boolean", CD_TYPE_BOOLEAN}, {"int8", CD_TYPE_INT8},     {"int16", CD_TYPE_INT16},
        {"int32", CD_TYPE_INT32},     {"int64", CD_TYPE_INT64},   {"float", CD_TYPE_FLOAT32},
        {"double", CD_TYPE_FLOAT64},  {"bytes", CD_TYPE_BYTES},   {"string", CD_TYPE_STRING},
        {"array", CD_TYPE_ARRAY},     {"map", CD_TYPE_MAP},       {"struct", CD_TYPE_STRUCT},
    };
    const char *tn = is_a(js, json_type_object) ? json_str(js, "type") : NULL;
    if (!tn) return fail(c, "Schema must contain 'type' field");
    cd_schema_t *s = cd_arena_alloc(c->arena, sizeof(*s));
    memset(s, 0, sizeof(*s));
    size_t k = 0;
    while (k < sizeof(types) / sizeof(types[0]) && strcmp(types[k].name, tn)) k++;
    if (k == sizeof(types) / sizeof(types[0])) return fail(c, "Unknown schema type: %s", tn);
    s->type = types[k].type;
    struct json_object *v;
    switch (s->type) {
    case CD_TYPE_ARRAY:
        if (!json_object_object_get_ex(js, "items", &v) || !v)
            return fail(c, "Array schema did not specify the element type");
        if (read_schema(c, v, &s->value_schema)) return -1;
        break;
    case CD_TYPE_MAP:
        if (!json_object_object_get_ex(js, "keys", &v) || !v) return fail(c, "Map schema did not specify the key type");
        if (read_schema(c, v, &s->key_schema)) return -1;
        if (!json_object_object_get_ex(js, "values", &v) || !v)
            return fail(c, "Map schema did not specify the value type");
        if (read_schema(c, v, &s->value_schema)) return -1;
        break;
    case CD_TYPE_STRUCT: {
        if (!json_object_object_get_ex(js, "fields", &v) || !is_a(v, json_type_array))
            return fail(c, "Struct schema's \"fields\" argument is not an array.");
        size_t n = json_object_array_length(v);
        cd_field_t *fields = cd_arena_alloc(c->arena, n * sizeof(*fields));
        for (size_t i = 0; i < n; i++) {
            struct json_object *fj = json_object_array_get_idx(v, i);
            const char *name = is_a(fj, json_type_object) ? json_str(fj, "field") : NULL;
            if (!name) return fail(c, "Struct schema's field name not specified properly");
            fields[i].name = arena_str(c, name);
            path_push(c, fields[i].name);
            if (read_schema(c, fj, &fields[i].schema)) return -1;
            path_pop(c);
        }
        s->fields = fields;
        s->n_fields = n;
        break;
    }
    default:
        break;
    }
    s->optional = json_object_object_get_ex(js, "optional", &v) && is_a(v, json_type_boolean) &&
                  json_object_get_boolean(v);
    s->name = arena_str(c, json_str(js, "name"));
    if (json_object_object_get_ex(js, "version", &v) && is_a(v, json_type_int))
        s->version = (int32_t)json_object_get_int64(v);
    s->doc = arena_str(c, json_str(js, "doc"));
    if (json_object_object_get_ex(js, "parameters", &v) && is_a(v, json_type_object)) {
        size_t n = (size_t)json_object_object_length(v);
        cd_param_t *params = cd_arena_alloc(c->arena, (n ? n : 1) * sizeof(*params));
        size_t i = 0;
        json_object_object_foreach(v, pk, pv) {
            if (!is_a(pv, json_type_string)) return fail(c, "Schema parameters must have string values.");
            params[i].key = arena_str(c, pk);
            params[i].value = arena_str(c, json_object_get_string(pv));
            i++;
        }
        s->params = params;
        s->n_params = i;
    }
    if (json_object_object_get_ex(js, "default", &v)) {
        cd_value_t *dv = cd_arena_alloc(c->arena, sizeof(*dv));
        if (read_value(c, s, v, dv)) return -1;
        if (!dv->is_null) s->default_value = dv;
    }
    *out = s;
    return 0;
}

static int json_to_connect(void *impl, const char *topic, const void *data, size_t len, cd_arena_t *arena,
                           const cd_schema_t **schema, cd_value_t *value, char *errstr, size_t errstr_size) {
    (void)topic;
    json_conv_t *jc = impl;
    *schema = NULL;
    *value = cd_null();
    if (!data) return 0;
    if (len > INT32_MAX) {
        snprintf(errstr, errstr_size, "Converting byte[] to Kafka Connect data failed: record of %zu bytes is too large",
                 len);
        return -1;
    }
    struct json_tokener *tok = json_tokener_new_ex(MAX_PARSE_DEPTH);
    if (!tok) abort();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    struct json_object *root = json_tokener_parse_ex(tok, data, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    if (jerr == json_tokener_continue) { /* a bare number needs to see the end of the input */
        root = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
    }
    json_tokener_free(tok);
    if (jerr != json_tokener_success) {
        /* Kafka's DataException's message ends at the colon (the parser's exception is its cause):
         * the lines after the first are the causes, as the error handler reads them */
        snprintf(errstr, errstr_size,
                 "Converting byte[] to Kafka Connect data failed due to serialization error: \nCaused by: "
                 "org.apache.kafka.common.errors.SerializationException: %s",
                 json_tokener_error_desc(jerr));
        json_object_put(root);
        return -1;
    }
    ctx_t c = {.jc = jc, .arena = arena, .errstr = errstr, .errstr_size = errstr_size};
    struct json_object *payload = root;
    const cd_schema_t *s = NULL;
    int rc = 0;
    if (jc->schemas_enable) {
        struct json_object *js = NULL;
        if (!is_a(root, json_type_object) || json_object_object_length(root) != 2 ||
            !json_object_object_get_ex(root, "schema", &js) || !json_object_object_get_ex(root, "payload", &payload)) {
            snprintf(errstr, errstr_size,
                     "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain "
                     "additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in "
                     "your converter configuration.");
            json_object_put(root);
            return -1;
        }
        if (js) rc = read_schema(&c, js, &s);
    }
    if (!rc) rc = read_value(&c, s, payload, value);
    json_object_put(root);
    if (rc) {
        *value = cd_null();
        return -1;
    }
    *schema = s;
    return 0;
}

/* ---- settings ------------------------------------------------------------------------------------ */

static void json_destroy(void *impl) {
    json_conv_t *jc = impl;
    cache_clear(jc);
    free(jc->slots);
    free(jc);
}

static void *json_create(const cd_props_t *config, bool is_key, char *errstr, size_t errstr_size) {
    json_conv_t *jc = calloc(1, sizeof(*jc));
    if (!jc) abort();
    jc->is_key = is_key;
    jc->schemas_enable = true;
    jc->replace_null = true;
    jc->cache_size = DEFAULT_CACHE_SIZE;
    const char *df = cd_props_get(config, "decimal.format");
    if (cd_converter_config_bool("schemas.enable", cd_props_get(config, "schemas.enable"), &jc->schemas_enable, errstr,
                                 errstr_size) ||
        cd_converter_config_bool("replace.null.with.default", cd_props_get(config, "replace.null.with.default"),
                                 &jc->replace_null, errstr, errstr_size) ||
        cd_converter_config_int("schemas.cache.size", cd_props_get(config, "schemas.cache.size"), &jc->cache_size,
                                errstr, errstr_size))
        goto bad;
    if (df) { /* ConfigDef trims STRING values before validating them */
        while (isspace((unsigned char)*df)) df++;
        size_t n = strlen(df);
        while (n && isspace((unsigned char)df[n - 1])) n--;
        if (n == 7 && !strncasecmp(df, "NUMERIC", n)) {
            jc->decimal_numeric = true;
        } else if (n != 6 || strncasecmp(df, "BASE64", n)) {
            snprintf(errstr, errstr_size,
                     "Invalid value %.*s for configuration decimal.format: String must be one of (case insensitive): "
                     "BASE64, NUMERIC",
                     (int)n, df);
            goto bad;
        }
    }
    /* converter.type is accepted and ignored: Kafka overwrites it from isKey before validating. */
    return jc;
bad:
    free(jc);
    return NULL;
}

const cd_converter_ops_t cd_json_converter_ops = {
    .class_name = "org.apache.kafka.connect.json.JsonConverter",
    .aliases = {"JsonConverter", "Json", NULL},
    .create = json_create,
    .destroy = json_destroy,
    .from_connect = json_from_connect,
    .to_connect = json_to_connect,
};
