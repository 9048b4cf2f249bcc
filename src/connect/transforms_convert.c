/* transforms_convert.c - Kafka's transformations that change the type of a key, a value or their
 * fields: Cast and TimestampConverter ($Key and $Value), as org.apache.kafka.connect.transforms
 * 4.1.1 has them: same options and validators, same results (Java's numeric conversions,
 * BigDecimal for Connect's Decimal, SimpleDateFormat through java_date.h), same exception texts. */
#include "connect/converter.h"
#include "connect/transforms.h"
#include "connect/transforms_family.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "connect/java_date.h"
#include "connect/java_hash.h"
#include "connect/java_util.h"
#include "connect/json_write.h"
#include "version.h"
#include "xalloc.h"

#define MS_PER_DAY 86400000LL

typedef struct {
    bool is_key;
} side_t;
static const side_t KEY_SIDE = {true}, VALUE_SIDE = {false};

/* ---- shared ----------------------------------------------------------------------------------- */

static char *xstrndup(const char *s, size_t n) {
    char *d = strndup(s, n);
    if (!d) abort();
    return d;
}

/* ConfigDef's STRING parse trims the value; NULL when unset. */
static char *opt_string(const cd_props_t *c, const char *key) {
    const char *v = cd_props_get(c, key);
    if (!v) return NULL;
    while (*v && (unsigned char)*v <= ' ') v++;
    size_t len = strlen(v);
    while (len && (unsigned char)v[len - 1] <= ' ') len--;
    return xstrndup(v, len);
}

/* ConfigDef's BOOLEAN parse: true/false in any case, else Kafka's message. */
static int opt_bool(const cd_props_t *c, const char *key, bool dflt, bool *out, char *errstr, size_t errstr_size) {
    char *v = opt_string(c, key);
    *out = dflt;
    if (!v) return 0;
    int rc = 0;
    if (!strcasecmp(v, "true")) *out = true;
    else if (!strcasecmp(v, "false")) *out = false;
    else {
        snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: Expected value to be either true or false",
                 v, key);
        rc = -1;
    }
    free(v);
    return rc;
}

static bool is_logical(const cd_schema_t *s, const char *name) { return s && s->name && !strcmp(s->name, name); }

/* ConnectSchema.toString */
static void schema_text(const cd_schema_t *s, char *out, size_t size) {
    if (s->name) snprintf(out, size, "Schema{%s:%s}", s->name, cd_converter_type_name(s->type));
    else snprintf(out, size, "Schema{%s}", cd_converter_type_name(s->type));
}

/* A schemaless map with `n0` entries copied (new HashMap<>(m)) and room for `extra` more. */
static cd_value_t *map_copy(cd_arena_t *a, const cd_value_t *m, size_t extra, cd_value_t **keys, cd_value_t **vals) {
    size_t n0 = m->u.map.n;
    *keys = cd_xf_new_values(a, n0 + extra);
    *vals = cd_xf_new_values(a, n0 + extra);
    memcpy(*keys, m->u.map.keys, n0 * sizeof(**keys));
    memcpy(*vals, m->u.map.values, n0 * sizeof(**vals));
    cd_value_t *out = cd_xf_new_values(a, 1);
    out->type = CD_TYPE_MAP;
    out->u.map.keys = *keys;
    out->u.map.values = *vals;
    out->u.map.n = n0;
    return out;
}

/* HashMap.put of a string key into a map_copy result. */
static void map_put(cd_value_t *map, cd_value_t *keys, cd_value_t *vals, const char *key, cd_value_t v) {
    size_t len = strlen(key), n = map->u.map.n;
    for (size_t i = 0; i < n; i++)
        if (!keys[i].is_null && keys[i].type == CD_TYPE_STRING && keys[i].u.str.len == len &&
            !memcmp(keys[i].u.str.ptr, key, len)) {
            vals[i] = v;
            return;
        }
    keys[n] = cd_string(key, len);
    vals[n] = v;
    map->u.map.n = n + 1;
}

/* ==== Cast ===================================================================================== */

#define CAST_PURPOSE "cast types"
#define CAST_INPUT_TYPES "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"
#define CAST_OUTPUT_TYPES "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"

typedef struct {
    char *field; /* NULL: the whole value */
    cd_type_t type;
} cast_spec_t;

/* Java's String.split(":"): trailing empty strings removed. Returns the part count (up to 3
 * kept), bounds in parts. */
static int split_colon(const char *s, const char **b, size_t *len) {
    int n = 0, kept = 0;
    const char *p = s;
    for (;;) {
        const char *c = strchr(p, ':');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        if (n < 3) b[n] = p, len[n] = l;
        n++;
        if (l) kept = n;
        if (!c) break;
        p = c + 1;
    }
    if (!*s) return 1; /* "".split(":") is [""] */
    return kept;
}

static bool type_by_name(const char *s, size_t len, cd_type_t *out) {
    while (len && (unsigned char)*s <= ' ') s++, len--;
    while (len && (unsigned char)s[len - 1] <= ' ') len--;
    for (size_t i = CD_TYPE_INT8; i <= CD_TYPE_STRUCT; i++)
        if (strlen(cd_converter_type_name(i)) == len && !strncasecmp(cd_converter_type_name(i), s, len)) {
            *out = (cd_type_t)i;
            return true;
        }
    return false;
}

static char *trim_dup(const char *s, size_t len) {
    while (len && (unsigned char)*s <= ' ') s++, len--;
    while (len && (unsigned char)s[len - 1] <= ' ') len--;
    return xstrndup(s, len);
}

/* Cast.parseFieldTypes: the casts of a spec (items as ConfigDef's LIST parse gives them), or -1
 * with Kafka's message; display is the list's Java toString. */
static int parse_spec(char **items, size_t n, const char *display, cast_spec_t **out, size_t *n_out, char *err,
                      size_t err_size) {
    cast_spec_t *specs = xmalloc((n ? n : 1) * sizeof(*specs));
    size_t k = 0;
    bool whole = false;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const char *b[3];
        size_t len[3];
        int parts = split_colon(items[i], b, len);
        cd_type_t t;
        if (parts > 2) {
            snprintf(err, err_size, "Invalid value %s for configuration renames: Invalid rename mapping: %s", display,
                     items[i]);
            rc = -1;
        } else if (parts == 0) {
            snprintf(err, err_size, "Index 1 out of bounds for length 0");
            rc = -1;
        } else if (!type_by_name(b[parts - 1], len[parts - 1], &t)) {
            /* Kafka passes the enum's IllegalArgumentException as ConfigException's value */
            char *name = trim_dup(b[parts - 1], len[parts - 1]), *upper = xstrdup(name);
            for (char *u = upper; *u; u++) *u = (char)toupper((unsigned char)*u);
            snprintf(err, err_size,
                     "Invalid value java.lang.IllegalArgumentException: No enum constant "
                     "org.apache.kafka.connect.data.Schema.Type.%s for configuration Invalid type found in casting "
                     "spec: %s",
                     upper, name);
            free(upper);
            free(name);
            rc = -1;
        } else if (t > CD_TYPE_STRING) {
            snprintf(err, err_size,
                     "Cast transformation does not support casting to %s; supported types are " CAST_OUTPUT_TYPES,
                     cd_converter_type_name(t));
            rc = -1;
        } else {
            char *field = parts == 1 ? NULL : trim_dup(b[0], len[0]);
            whole |= parts == 1;
            size_t at = k; /* HashMap.put: a later cast of the same field replaces the earlier */
            for (size_t j = 0; j < k; j++)
                if ((!field && !specs[j].field) || (field && specs[j].field && !strcmp(field, specs[j].field))) at = j;
            if (at < k) free(specs[at].field);
            else k++;
            specs[at] = (cast_spec_t){field, t};
        }
    }
    if (!rc && whole && n > 1) {
        snprintf(err, err_size,
                 "Cast transformations that specify a type to cast the entire value to may only specify a single cast "
                 "in their spec");
        rc = -1;
    }
    if (rc) {
        for (size_t j = 0; j < k; j++) free(specs[j].field);
        free(specs);
        return -1;
    }
    *out = specs;
    *n_out = k;
    return 0;
}

/* The spec's LambdaValidator. */
static void spec_validator(const char *name, bool is_null, const char *str, const char *display, char *err,
                           size_t err_size) {
    (void)name;
    err[0] = '\0';
    if (is_null || !*str) {
        snprintf(err, err_size, "Must specify at least one field to cast.");
        return;
    }
    char **items;
    size_t n = cd_xf_list(str, &items);
    /* the joined form lost nothing but the items' own trimming, which the split does again */
    if (!n) {
        snprintf(err, err_size, "Must specify at least one field to cast.");
    } else {
        cast_spec_t *specs;
        size_t ns;
        if (!parse_spec(items, n, display, &specs, &ns, err, err_size)) {
            for (size_t i = 0; i < ns; i++) free(specs[i].field);
            free(specs);
        }
    }
    free(items);
}

static const cd_config_key_t CAST_KEYS[] = {
    REQ("spec", CD_CFG_LIST, CD_IMPORTANCE_HIGH,
        "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or "
        "Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, "
        "float64, boolean, and string. Note that binary fields can only be cast to string.",
        .validator = CD_VALID_CUSTOM, .custom = spec_validator),
    OPT("replace.null.with.default", CD_CFG_BOOLEAN, "true", CD_IMPORTANCE_MEDIUM, DOC_REPLACE_NULL),
};

typedef struct {
    bool is_key, replace_null;
    cast_spec_t *specs;
    size_t n_specs;
    int whole; /* index of the whole-value cast, -1: none */
    cd_xf_schema_cache_t *cache;
    /* Values.dateFormatFor's three formats (the JVM's zone, UTC where Kafka Connect runs) */
    java_date_format_t *time_fmt, *date_fmt, *ts_fmt;
} cast_t;

static void cast_destroy(void *self) {
    cast_t *x = self;
    if (!x) return;
    for (size_t i = 0; i < x->n_specs; i++) free(x->specs[i].field);
    free(x->specs);
    cd_xf_schema_cache_destroy(x->cache);
    java_date_format_free(x->time_fmt);
    java_date_format_free(x->date_fmt);
    java_date_format_free(x->ts_fmt);
    free(x);
}

static void *cast_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    const char *raw = cd_props_get(c, "spec");
    if (!raw) {
        snprintf(errstr, errstr_size, "Missing required configuration \"spec\" which has no default value.");
        return NULL;
    }
    char **items;
    size_t n = cd_xf_list(raw, &items);
    if (!n) {
        free(items);
        snprintf(errstr, errstr_size, "Must specify at least one field to cast.");
        return NULL;
    }
    /* List.toString of the parsed list, for the renames message */
    size_t dl = 3;
    for (size_t i = 0; i < n; i++) dl += strlen(items[i]) + 2;
    char *display = xmalloc(dl);
    strcpy(display, "[");
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(display, ", ");
        strcat(display, items[i]);
    }
    strcat(display, "]");
    cast_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->is_key = ((const side_t *)opts)->is_key;
    int rc = parse_spec(items, n, display, &x->specs, &x->n_specs, errstr, errstr_size);
    free(items);
    free(display);
    if (rc || opt_bool(c, "replace.null.with.default", true, &x->replace_null, errstr, errstr_size)) {
        cast_destroy(x);
        return NULL;
    }
    x->whole = -1;
    for (size_t i = 0; i < x->n_specs; i++)
        if (!x->specs[i].field) x->whole = (int)i;
    x->cache = cd_xf_schema_cache_new();
    bool java;
    char e[256];
    x->time_fmt = java_date_format_new("HH:mm:ss.SSS'Z'", 0, &java, e, sizeof(e));
    x->date_fmt = java_date_format_new("yyyy-MM-dd", 0, &java, e, sizeof(e));
    x->ts_fmt = java_date_format_new("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", 0, &java, e, sizeof(e));
    return x;
}

/* ---- Java's numeric conversions ---- */

static int32_t d2i(double d) {
    if (isnan(d)) return 0;
    if (d >= 2147483647.0) return INT32_MAX;
    if (d <= -2147483648.0) return INT32_MIN;
    return (int32_t)d;
}

static int64_t d2l(double d) {
    if (isnan(d)) return 0;
    if (d >= 9223372036854775807.0) return INT64_MAX;
    if (d <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)d;
}

/* A value as Cast sees the Java object: an integral Number, a Float, a Double, a Boolean, a
 * String, bytes, a BigDecimal, or a java.util.Date (only when cast to a string). */
typedef enum { JV_INT, JV_FLOAT, JV_DOUBLE, JV_BOOL, JV_STRING, JV_BYTES, JV_DECIMAL, JV_DATE } jv_kind_t;
typedef struct {
    jv_kind_t kind;
    int64_t i;
    double f;
    const char *s;
    size_t len;
    int32_t scale;
} jv_t;

/* BigDecimal's unscaled value as decimal digits (a '-' first when negative), malloc'ed. */
static char *decimal_unscaled(const jv_t *v) {
    cd_buf_t b = {0};
    cd_jw_big_decimal(&b, (const unsigned char *)v->s, v->len, 0);
    char *s = xstrndup(b.data ? b.data : "0", b.data ? b.len : 1);
    cd_buf_free(&b);
    return s;
}

/* BigDecimal.longValue(): the integer part, its low 64 bits. */
static int64_t decimal_long(const jv_t *v) {
    char *d = decimal_unscaled(v);
    bool neg = d[0] == '-';
    const char *digits = d + neg;
    size_t len = strlen(digits);
    size_t keep = v->scale >= 0 ? (len > (size_t)v->scale ? len - (size_t)v->scale : 0) : len;
    uint64_t u = 0;
    for (size_t i = 0; i < keep; i++) u = u * 10 + (uint64_t)(digits[i] - '0');
    for (int32_t z = 0; v->scale < 0 && z < -v->scale && z < 64; z++) u *= 10; /* 10^64 = 0 mod 2^64 */
    free(d);
    return (int64_t)(neg ? (uint64_t)0 - u : u);
}

/* BigDecimal.doubleValue() / floatValue(): correctly rounded, as strtod/strtof are. */
static double decimal_double(const jv_t *v, bool as_float) {
    char *d = decimal_unscaled(v);
    char *s = xasprintf("%se%" PRId64, d, -(int64_t)v->scale);
    double r = as_float ? (double)strtof(s, NULL) : strtod(s, NULL);
    free(s);
    free(d);
    return r;
}

static void decimal_text(const jv_t *v, cd_buf_t *b) {
    cd_jw_big_decimal(b, (const unsigned char *)v->s, v->len, v->scale);
}

/* Integer.parseInt & co. (ASCII digits): false on NumberFormatException. */
static bool java_parse_long(const char *s, size_t len, int64_t lo, int64_t hi, int64_t *out) {
    size_t i = 0;
    bool neg = false;
    if (len && (s[0] == '-' || s[0] == '+')) neg = s[0] == '-', i = 1;
    if (i >= len) return false;
    uint64_t limit = neg ? (uint64_t)0 - (uint64_t)lo : (uint64_t)hi, v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > limit) return false;
    }
    *out = neg ? (int64_t)((uint64_t)0 - v) : (int64_t)v;
    return true;
}

/* Float.parseFloat / Double.parseDouble (FloatingDecimal's grammar): false on
 * NumberFormatException. */
static bool java_parse_double(const char *s, size_t len, bool as_float, double *out) {
    while (len && (unsigned char)*s <= ' ') s++, len--;
    while (len && (unsigned char)s[len - 1] <= ' ') len--;
    char *t = xstrndup(s, len);
    const char *p = t;
    bool ok = false, neg = false;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    if (!strcmp(p, "NaN")) {
        *out = NAN;
        ok = true;
    } else if (!strcmp(p, "Infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        ok = true;
    } else {
        const char *q = p;
        bool hex = q[0] == '0' && (q[1] == 'x' || q[1] == 'X');
        size_t digits = 0;
        if (hex) q += 2;
        while (hex ? isxdigit((unsigned char)*q) : (*q >= '0' && *q <= '9')) q++, digits++;
        if (*q == '.') {
            q++;
            while (hex ? isxdigit((unsigned char)*q) : (*q >= '0' && *q <= '9')) q++, digits++;
        }
        bool exp_ok = true;
        if (hex ? (*q == 'p' || *q == 'P') : (*q == 'e' || *q == 'E')) {
            q++;
            if (*q == '+' || *q == '-') q++;
            exp_ok = *q >= '0' && *q <= '9';
            while (*q >= '0' && *q <= '9') q++;
        } else if (hex) {
            exp_ok = false; /* a hexadecimal float needs its binary exponent */
        }
        size_t body = (size_t)(q - t);
        if (*q == 'f' || *q == 'F' || *q == 'd' || *q == 'D') q++;
        if (digits && exp_ok && !*q) {
            t[body] = '\0';
            *out = as_float ? (double)strtof(t, NULL) : strtod(t, NULL);
            ok = true;
        }
    }
    free(t);
    return ok;
}

/* The Java object Cast works on: castValueToType's input after encodeLogicalType. */
static int cast_input(const cd_schema_t *schema, const cd_value_t *v, cd_type_t target, jv_t *out, char *errstr,
                      size_t errstr_size) {
    cd_type_t t = schema ? schema->type : v->type;
    if (t > CD_TYPE_BYTES) {
        snprintf(errstr, errstr_size,
                 "Cast transformation does not support casting from %s; supported types are " CAST_INPUT_TYPES,
                 cd_converter_type_name(t));
        return -1;
    }
    memset(out, 0, sizeof(*out));
    if (is_logical(schema, CD_LOGICAL_DECIMAL)) {
        out->kind = JV_DECIMAL;
        out->s = v->u.str.ptr;
        out->len = v->u.str.len;
        for (size_t i = 0; i < schema->n_params; i++)
            if (!strcmp(schema->params[i].key, "scale")) out->scale = (int32_t)strtol(schema->params[i].value, NULL, 10);
        return 0;
    }
    if (target == CD_TYPE_STRING && (is_logical(schema, CD_LOGICAL_DATE) || is_logical(schema, CD_LOGICAL_TIME) ||
                                     is_logical(schema, CD_LOGICAL_TIMESTAMP))) {
        out->kind = JV_DATE;
        out->i = is_logical(schema, CD_LOGICAL_DATE) ? v->u.i * MS_PER_DAY : v->u.i;
        return 0;
    }
    /* Date, Time and Timestamp cast to other types are their Integer / Long encodings */
    switch (t) {
    case CD_TYPE_INT8: case CD_TYPE_INT16: case CD_TYPE_INT32: case CD_TYPE_INT64:
        out->kind = JV_INT;
        out->i = v->u.i;
        break;
    case CD_TYPE_FLOAT32: out->kind = JV_FLOAT; out->f = (double)(float)v->u.f; break;
    case CD_TYPE_FLOAT64: out->kind = JV_DOUBLE; out->f = v->u.f; break;
    case CD_TYPE_BOOLEAN: out->kind = JV_BOOL; out->i = v->u.b; break;
    case CD_TYPE_STRING: out->kind = JV_STRING; out->s = v->u.str.ptr; out->len = v->u.str.len; break;
    default: out->kind = JV_BYTES; out->s = v->u.str.ptr; out->len = v->u.str.len; break;
    }
    return 0;
}

static char *arena_buf(cd_arena_t *a, cd_buf_t *b, size_t *len) {
    *len = b->len;
    char *s = cd_arena_strndup(a, b->data ? b->data : "", b->len);
    cd_buf_free(b);
    return s;
}

/* Cast.castValueToType for a non-null value. */
static int cast_value(const cast_t *x, const cd_schema_t *schema, const cd_value_t *v, cd_type_t target,
                      cd_arena_t *a, cd_value_t *out, char *errstr, size_t errstr_size) {
    if (!v || v->is_null) {
        *out = cd_null();
        return 0;
    }
    jv_t j;
    if (cast_input(schema, v, target, &j, errstr, errstr_size)) return -1;
    *out = (cd_value_t){.type = target};
    if (j.kind == JV_BYTES && target != CD_TYPE_STRING) {
        snprintf(errstr, errstr_size, "Unexpected type in Cast transformation: class [B");
        return -1;
    }
    if (target == CD_TYPE_STRING) {
        cd_buf_t b = {0};
        switch (j.kind) {
        case JV_INT: cd_jw_int(&b, j.i); break;
        case JV_FLOAT: cd_jw_java_float(&b, (float)j.f); break;
        case JV_DOUBLE: cd_jw_java_double(&b, j.f); break;
        case JV_BOOL: cd_buf_append(&b, j.i ? "true" : "false", j.i ? 4 : 5); break;
        case JV_STRING: cd_buf_append(&b, j.s, j.len); break;
        case JV_BYTES: cd_jw_base64(&b, j.s, j.len); break;
        case JV_DECIMAL: decimal_text(&j, &b); break;
        case JV_DATE: {
            /* Values.dateFormatFor: a time before the first day, a date at midnight, else both */
            const java_date_format_t *f = j.i < MS_PER_DAY ? x->time_fmt : j.i % MS_PER_DAY == 0 ? x->date_fmt
                                                                                                  : x->ts_fmt;
            char *s = java_date_format(f, j.i);
            cd_buf_append(&b, s, strlen(s));
            free(s);
            break;
        }
        }
        size_t len;
        const char *s = arena_buf(a, &b, &len);
        *out = cd_string(s, len);
        return 0;
    }
    if (j.kind == JV_STRING) {
        int64_t iv;
        double dv;
        bool ok = true;
        switch (target) {
        case CD_TYPE_INT8: ok = java_parse_long(j.s, j.len, INT8_MIN, INT8_MAX, &iv); out->u.i = iv; break;
        case CD_TYPE_INT16: ok = java_parse_long(j.s, j.len, INT16_MIN, INT16_MAX, &iv); out->u.i = iv; break;
        case CD_TYPE_INT32: ok = java_parse_long(j.s, j.len, INT32_MIN, INT32_MAX, &iv); out->u.i = iv; break;
        case CD_TYPE_INT64: ok = java_parse_long(j.s, j.len, INT64_MIN, INT64_MAX, &iv); out->u.i = iv; break;
        case CD_TYPE_FLOAT32: ok = java_parse_double(j.s, j.len, true, &dv); out->u.f = dv; break;
        case CD_TYPE_FLOAT64: ok = java_parse_double(j.s, j.len, false, &dv); out->u.f = dv; break;
        default: out->u.b = j.len == 4 && !strncasecmp(j.s, "true", 4); break;
        }
        if (!ok) {
            snprintf(errstr, errstr_size, "Value (%.*s) was out of range for requested data type",
                     (int)(j.len > 512 ? 512 : j.len), j.s);
            return -1;
        }
        return 0;
    }
    if (j.kind == JV_BOOL) {
        if (target == CD_TYPE_BOOLEAN) out->u.b = j.i;
        else if (target == CD_TYPE_FLOAT32 || target == CD_TYPE_FLOAT64) out->u.f = j.i ? 1 : 0;
        else out->u.i = j.i;
        return 0;
    }
    /* a Number: its byteValue(), intValue(), longValue(), floatValue(), doubleValue() */
    int64_t as_long, as_int;
    double as_double, as_float;
    switch (j.kind) {
    case JV_INT:
        as_long = j.i;
        as_int = (int32_t)(uint32_t)((uint64_t)j.i & 0xffffffffu);
        as_double = (double)j.i;
        as_float = (double)(float)j.i;
        break;
    case JV_DECIMAL:
        as_long = decimal_long(&j);
        as_int = (int32_t)(uint32_t)((uint64_t)as_long & 0xffffffffu);
        as_double = target == CD_TYPE_FLOAT64 ? decimal_double(&j, false) : 0;
        as_float = target == CD_TYPE_FLOAT32 ? decimal_double(&j, true) : 0;
        break;
    default: /* Float, Double */
        as_long = d2l(j.f);
        as_int = d2i(j.f);
        as_double = j.f;
        as_float = (double)(float)j.f;
        break;
    }
    switch (target) {
    case CD_TYPE_INT8: out->u.i = (int8_t)(uint8_t)((uint64_t)as_int & 0xff); break;
    case CD_TYPE_INT16: out->u.i = (int16_t)(uint16_t)((uint64_t)as_int & 0xffff); break;
    case CD_TYPE_INT32: out->u.i = as_int; break;
    case CD_TYPE_INT64: out->u.i = as_long; break;
    case CD_TYPE_FLOAT32: out->u.f = as_float; break;
    case CD_TYPE_FLOAT64: out->u.f = as_double; break;
    default: out->u.b = as_long != 0; break;
    }
    return 0;
}

static const cd_schema_t *cast_type_schema(cd_arena_t *a, cd_type_t t, bool optional) {
    cd_schema_t *s = cd_arena_alloc(a, sizeof(*s));
    memset(s, 0, sizeof(*s));
    s->type = t;
    s->optional = optional;
    return s;
}

/* getOrBuildSchema, built in the cache's memory when the schema can be cached. Returns NULL with
 * errstr when a default value cannot be cast. */
static const cd_schema_t *cast_schema(cast_t *x, const cd_schema_t *in, cd_arena_t *record_arena, char *errstr,
                                      size_t errstr_size) {
    const cd_schema_t *cached = cd_xf_schema_cache_get(x->cache, in);
    if (cached) return cached;
    cd_arena_t *a = cd_xf_schema_cache_arena(x->cache, in, record_arena);
    cd_schema_t *s;
    if (x->whole >= 0) {
        /* SchemaUtil.copySchemaBasics onto the target type: name, version, doc, parameters */
        s = cd_xf_struct_like(a, in, 0);
        s->type = x->specs[x->whole].type;
        s->fields = NULL;
    } else {
        if (in->type != CD_TYPE_STRUCT) {
            snprintf(errstr, errstr_size, "Cannot list fields on non-struct type");
            return NULL;
        }
        s = cd_xf_struct_like(a, in, in->n_fields);
        cd_field_t *f = (cd_field_t *)s->fields;
        for (size_t i = 0; i < in->n_fields; i++) {
            const cd_field_t *fi = &in->fields[i];
            const cast_spec_t *sp = NULL;
            for (size_t k = 0; k < x->n_specs; k++)
                if (!strcmp(x->specs[k].field, fi->name)) sp = &x->specs[k];
            if (!sp) {
                f[i] = *fi;
                continue;
            }
            cd_schema_t *fs = (cd_schema_t *)cast_type_schema(a, sp->type, fi->schema->optional);
            if (fi->schema->default_value && !fi->schema->default_value->is_null) {
                cd_value_t *dv = cd_xf_new_values(a, 1);
                if (cast_value(x, fi->schema, fi->schema->default_value, sp->type, a, dv, errstr, errstr_size))
                    return NULL;
                fs->default_value = dv;
            }
            f[i] = (cd_field_t){fi->name, fs};
        }
    }
    s->optional = in->optional;
    if (in->default_value && !in->default_value->is_null) {
        cd_value_t *dv = cd_xf_new_values(a, 1);
        if (cast_value(x, in, in->default_value, s->type, a, dv, errstr, errstr_size)) return NULL;
        s->default_value = dv;
    }
    return cd_xf_schema_cache_put(x->cache, in, s);
}

static int cast_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    cast_t *x = self;
    const cd_schema_t *schema;
    const cd_value_t *value;
    cd_xf_operating(rec, x->is_key, &schema, &value);
    if (!value) return 0;
    if (!schema) {
        cd_value_t *out = cd_xf_new_values(arena, 1);
        if (x->whole >= 0) {
            if (cast_value(x, NULL, value, x->specs[x->whole].type, arena, out, errstr, errstr_size)) return -1;
            cd_xf_set_operating(rec, x->is_key, NULL, out);
            return 0;
        }
        if (value->type != CD_TYPE_MAP) {
            snprintf(errstr, errstr_size, "Only Map objects supported in absence of schema for [%s], found: %s",
                     CAST_PURPOSE, cd_xf_java_class(NULL, value));
            return -1;
        }
        cd_value_t *keys, *vals;
        size_t n0 = value->u.map.n;
        cd_value_t *m = map_copy(arena, value, x->n_specs, &keys, &vals);
        /* the casts in the iteration order of Kafka's HashMap of them */
        const char **names = xmalloc((x->n_specs ? x->n_specs : 1) * sizeof(*names));
        size_t *order = xmalloc((x->n_specs ? x->n_specs : 1) * sizeof(*order));
        for (size_t i = 0; i < x->n_specs; i++) names[i] = x->specs[i].field;
        ju_hashmap_order(names, x->n_specs, 16, order);
        int rc = 0;
        for (size_t k = 0; k < x->n_specs && !rc; k++) {
            const cast_spec_t *sp = &x->specs[order[k]];
            int at = cd_xf_map_index(value, sp->field);
            cd_value_t cv;
            rc = cast_value(x, NULL, at >= 0 ? &value->u.map.values[at] : NULL, sp->type, arena, &cv, errstr,
                            errstr_size);
            if (!rc) map_put(m, keys, vals, cd_arena_strndup(arena, sp->field, strlen(sp->field)), cv);
        }
        free(names);
        free(order);
        if (rc) return -1;
        java_hashmap_order_values(keys, vals, m->u.map.n, java_hashmap_copy_capacity(n0));
        cd_xf_set_operating(rec, x->is_key, NULL, m);
        return 0;
    }
    const cd_schema_t *out = cast_schema(x, schema, arena, errstr, errstr_size);
    if (!out) return -1;
    if (x->whole >= 0) {
        cd_value_t *v = cd_xf_new_values(arena, 1);
        if (cast_value(x, schema, value, out->type, arena, v, errstr, errstr_size)) return -1;
        cd_xf_set_operating(rec, x->is_key, out, v);
        return 0;
    }
    if (schema->type != CD_TYPE_STRUCT || value->type != CD_TYPE_STRUCT) {
        snprintf(errstr, errstr_size, "Only Struct objects supported for [%s], found: %s", CAST_PURPOSE,
                 cd_xf_java_class(schema, value));
        return -1;
    }
    cd_value_t *fields = cd_xf_new_values(arena, schema->n_fields);
    for (size_t i = 0; i < schema->n_fields; i++) {
        const cd_value_t *fv = cd_xf_field_value(schema, value, i, x->replace_null);
        if (out->fields[i].schema == schema->fields[i].schema) {
            fields[i] = *fv;
            continue;
        }
        if (cast_value(x, schema->fields[i].schema, fv, out->fields[i].schema->type, arena, &fields[i], errstr,
                       errstr_size))
            return -1;
    }
    cd_value_t *sv = cd_xf_new_values(arena, 1);
    sv->type = CD_TYPE_STRUCT;
    sv->u.strct.fields = fields;
    sv->u.strct.n = schema->n_fields;
    cd_xf_set_operating(rec, x->is_key, out, sv);
    return 0;
}

#define CAST(suffix, side)                                                                           \
    {.class_name = "org.apache.kafka.connect.transforms.Cast$" suffix, .kind = CD_XF_TRANSFORMATION, \
     .version = CONNECTD_KAFKA_CONNECT_VERSION, .config_def = {CAST_KEYS, NKEYS(CAST_KEYS)}, .opts = &side, \
     .create = cast_create, .apply = cast_apply, .destroy = cast_destroy}
static const cd_xf_plugin_t CAST_KEY = CAST("Key", KEY_SIDE);
static const cd_xf_plugin_t CAST_VALUE = CAST("Value", VALUE_SIDE);

/* ==== TimestampConverter ======================================================================= */

#define TC_PURPOSE "converting timestamp formats"

static const char *const TC_TYPES[] = {"string", "unix", "Date", "Time", "Timestamp", NULL};
static const char *const TC_PRECISIONS[] = {"nanoseconds", "microseconds", "milliseconds", "seconds", NULL};
enum { TC_STRING, TC_UNIX, TC_DATE, TC_TIME, TC_TIMESTAMP };
enum { P_NANOS, P_MICROS, P_MILLIS, P_SECONDS };

/* The format key has no validator in Kafka (configure() checks it); connectd's only refuses what
 * it cannot format, so that validate says so before a connector runs. */
static void format_validator(const char *name, bool is_null, const char *str, const char *display, char *err,
                             size_t err_size) {
    (void)display;
    err[0] = '\0';
    if (is_null || !*str) return;
    bool java;
    char msg[512];
    java_date_format_t *f = java_date_format_new(str, 0, &java, msg, sizeof(msg));
    if (f) java_date_format_free(f);
    else if (!java) snprintf(err, err_size, "Invalid value %s for configuration %s: %s", str, name, msg);
}

static const cd_config_key_t TC_KEYS[] = {
    OPT("field", CD_CFG_STRING, "", CD_IMPORTANCE_HIGH,
        "The field containing the timestamp, or empty if the entire value is a timestamp"),
    REQ("target.type", CD_CFG_STRING, CD_IMPORTANCE_HIGH,
        "The desired timestamp representation: string, unix, Date, Time, or Timestamp",
        .validator = CD_VALID_ONE_OF, .allowed = TC_TYPES),
    OPT("format", CD_CFG_STRING, "", CD_IMPORTANCE_MEDIUM,
        "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or "
        "used to parse the input if the input is a string.",
        .validator = CD_VALID_CUSTOM, .custom = format_validator),
    OPT("unix.precision", CD_CFG_STRING, "milliseconds", CD_IMPORTANCE_LOW,
        "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. Used to "
        "generate the output when type=unix or used to parse the input if the input is a Long.Note: This SMT will "
        "cause precision loss during conversions from, and to, values with sub-millisecond components.",
        .validator = CD_VALID_ONE_OF, .allowed = TC_PRECISIONS),
    OPT("replace.null.with.default", CD_CFG_BOOLEAN, "true", CD_IMPORTANCE_MEDIUM, DOC_REPLACE_NULL),
};

typedef struct {
    bool is_key, replace_null;
    char *field;
    int type, precision;
    java_date_format_t *format; /* NULL: none configured */
    cd_xf_schema_cache_t *cache;
} tc_t;

static void tc_destroy(void *self) {
    tc_t *x = self;
    if (!x) return;
    free(x->field);
    java_date_format_free(x->format);
    cd_xf_schema_cache_destroy(x->cache);
    free(x);
}

static int one_of(const char *v, const char *const *allowed) {
    for (int i = 0; allowed[i]; i++)
        if (!strcmp(v, allowed[i])) return i;
    return -1;
}

static void *tc_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    tc_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->is_key = ((const side_t *)opts)->is_key;
    x->field = opt_string(c, "field");
    if (!x->field) x->field = xstrdup("");
    char *type = opt_string(c, "target.type"), *format = opt_string(c, "format"),
         *prec = opt_string(c, "unix.precision");
    int rc = -1;
    if (!type) {
        snprintf(errstr, errstr_size, "Missing required configuration \"target.type\" which has no default value.");
    } else if ((x->type = one_of(type, TC_TYPES)) < 0) {
        snprintf(errstr, errstr_size,
                 "Invalid value %s for configuration target.type: String must be one of: string, unix, Date, Time, "
                 "Timestamp",
                 type);
    } else if (prec && (x->precision = one_of(prec, TC_PRECISIONS)) < 0) {
        snprintf(errstr, errstr_size,
                 "Invalid value %s for configuration unix.precision: String must be one of: nanoseconds, "
                 "microseconds, milliseconds, seconds",
                 prec);
    } else if (!opt_bool(c, "replace.null.with.default", true, &x->replace_null, errstr, errstr_size)) {
        if (!prec) x->precision = P_MILLIS;
        if (x->type == TC_STRING && (!format || !*format)) {
            snprintf(errstr, errstr_size,
                     "TimestampConverter requires format option to be specified when using string timestamps");
        } else if (format && *format) {
            bool java;
            char msg[512];
            x->format = java_date_format_new(format, (int64_t)time(NULL) * 1000, &java, msg, sizeof(msg));
            if (!x->format && java) /* the IllegalArgumentException is ConfigException's value */
                snprintf(errstr, errstr_size,
                         "Invalid value java.lang.IllegalArgumentException: %s for configuration TimestampConverter "
                         "requires a SimpleDateFormat-compatible pattern for string timestamps: %s",
                         msg, format);
            else if (!x->format)
                snprintf(errstr, errstr_size, "Invalid value %s for configuration format: %s", format, msg);
            else
                rc = 0;
        } else {
            rc = 0;
        }
    }
    free(type);
    free(format);
    free(prec);
    if (rc) {
        tc_destroy(x);
        return NULL;
    }
    x->cache = cd_xf_schema_cache_new();
    return x;
}

/* The fixed schemas of the target types (Kafka's typeSchema). */
static const cd_schema_t TC_SCHEMAS[2][5] = {
    {{.type = CD_TYPE_STRING}, {.type = CD_TYPE_INT64},
     {.type = CD_TYPE_INT32, .name = CD_LOGICAL_DATE, .version = 1},
     {.type = CD_TYPE_INT32, .name = CD_LOGICAL_TIME, .version = 1},
     {.type = CD_TYPE_INT64, .name = CD_LOGICAL_TIMESTAMP, .version = 1}},
    {{.type = CD_TYPE_STRING, .optional = true}, {.type = CD_TYPE_INT64, .optional = true},
     {.type = CD_TYPE_INT32, .optional = true, .name = CD_LOGICAL_DATE, .version = 1},
     {.type = CD_TYPE_INT32, .optional = true, .name = CD_LOGICAL_TIME, .version = 1},
     {.type = CD_TYPE_INT64, .optional = true, .name = CD_LOGICAL_TIMESTAMP, .version = 1}},
};

/* timestampTypeFromSchema */
static int tc_type_of_schema(const cd_schema_t *s, char *errstr, size_t errstr_size) {
    if (is_logical(s, CD_LOGICAL_TIMESTAMP)) return TC_TIMESTAMP;
    if (is_logical(s, CD_LOGICAL_DATE)) return TC_DATE;
    if (is_logical(s, CD_LOGICAL_TIME)) return TC_TIME;
    if (s->type == CD_TYPE_STRING) return TC_STRING;
    if (s->type == CD_TYPE_INT64) return TC_UNIX;
    char text[512];
    schema_text(s, text, sizeof(text));
    snprintf(errstr, errstr_size, "%s does not correspond to a known timestamp type format", text);
    return -1;
}

/* TimeUnit's saturating multiplication. */
static int64_t sat_mul(int64_t v, int64_t m) {
    if (v > INT64_MAX / m) return INT64_MAX;
    if (v < INT64_MIN / m) return INT64_MIN;
    return v * m;
}

/* convertTimestamp: from type `from` (-1: inferred from the schemaless value) to the target. */
static int tc_convert(const tc_t *x, const cd_value_t *v, int from, cd_arena_t *a, cd_value_t *out, char *errstr,
                      size_t errstr_size) {
    if (!v || v->is_null) {
        *out = cd_null();
        return 0;
    }
    if (from < 0) {
        if (v->type == CD_TYPE_INT64) from = TC_UNIX;
        else if (v->type == CD_TYPE_STRING) from = TC_STRING;
        else {
            snprintf(errstr, errstr_size, "TimestampConverter does not support class %s objects as timestamps",
                     cd_xf_java_class(NULL, v));
            return -1;
        }
    }
    int64_t ms = 0;
    switch (from) {
    case TC_STRING: {
        if (!x->format) {
            snprintf(errstr, errstr_size,
                     "Cannot invoke \"java.text.SimpleDateFormat.parse(String)\" because \"config.format\" is null");
            return -1;
        }
        int rc = java_date_parse(x->format, v->u.str.ptr, v->u.str.len, &ms, errstr, errstr_size);
        if (rc == -1)
            snprintf(errstr, errstr_size, "Could not parse timestamp: value (%.*s) does not match pattern (%s)",
                     (int)(v->u.str.len > 512 ? 512 : v->u.str.len), v->u.str.ptr, java_date_format_pattern(x->format));
        if (rc) return -1;
        break;
    }
    case TC_UNIX:
        switch (x->precision) {
        case P_SECONDS: ms = sat_mul(v->u.i, 1000); break;
        case P_MICROS: ms = v->u.i / 1000; break;
        case P_NANOS: ms = v->u.i / 1000000; break;
        default: ms = v->u.i; break;
        }
        break;
    case TC_DATE: ms = v->u.i * MS_PER_DAY; break;
    default: ms = v->u.i; break; /* Time, Timestamp */
    }
    switch (x->type) {
    case TC_STRING: {
        char *s = java_date_format(x->format, ms);
        *out = cd_string(cd_arena_strndup(a, s, strlen(s)), strlen(s));
        free(s);
        break;
    }
    case TC_UNIX: {
        int64_t u = x->precision == P_SECONDS ? ms / 1000
                    : x->precision == P_MICROS ? sat_mul(ms, 1000)
                    : x->precision == P_NANOS  ? sat_mul(ms, 1000000)
                                               : ms;
        *out = cd_int(CD_TYPE_INT64, u);
        break;
    }
    case TC_DATE: {
        int64_t day = ms / MS_PER_DAY - (ms % MS_PER_DAY < 0);
        *out = cd_int(CD_TYPE_INT32, (int32_t)day); /* Date.fromLogical's (int) of the days */
        break;
    }
    case TC_TIME: *out = cd_int(CD_TYPE_INT32, ((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY); break;
    default: *out = cd_int(CD_TYPE_INT64, ms); break;
    }
    return 0;
}

/* A java.util.Date has no place in a schemaless value here (nor in Kafka's JsonConverter). */
static int tc_schemaless_target(const tc_t *x, char *errstr, size_t errstr_size) {
    if (x->type == TC_STRING || x->type == TC_UNIX) return 0;
    snprintf(errstr, errstr_size,
             "connectd cannot hold a java.util.Date in a value without a schema (target.type=%s); Kafka Connect's "
             "JsonConverter cannot write one either (Java class class java.util.Date does not have corresponding "
             "schema type.): use target.type string or unix, or records with schemas",
             TC_TYPES[x->type]);
    return -1;
}

/* applyValueWithSchema: the struct's fields with the configured one converted. */
static int tc_struct(const tc_t *x, const cd_schema_t *schema, const cd_value_t *value, const cd_schema_t *out_schema,
                     cd_arena_t *a, cd_value_t *out, char *errstr, size_t errstr_size) {
    cd_value_t *fields = cd_xf_new_values(a, schema->n_fields);
    for (size_t i = 0; i < schema->n_fields; i++) {
        const cd_value_t *fv = cd_xf_field_value(schema, value, i, x->replace_null);
        if (strcmp(schema->fields[i].name, x->field)) {
            fields[i] = *fv;
            continue;
        }
        int from = tc_type_of_schema(schema->fields[i].schema, errstr, errstr_size);
        if (from < 0 || tc_convert(x, fv, from, a, &fields[i], errstr, errstr_size)) return -1;
    }
    (void)out_schema;
    *out = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {fields, schema->n_fields}};
    return 0;
}

static int tc_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    tc_t *x = self;
    const cd_schema_t *schema;
    const cd_value_t *value;
    cd_xf_operating(rec, x->is_key, &schema, &value);
    cd_value_t *out = cd_xf_new_values(arena, 1);
    if (!schema) {
        if (!value || !*x->field) {
            if (value && tc_schemaless_target(x, errstr, errstr_size)) return -1;
            if (tc_convert(x, value, -1, arena, out, errstr, errstr_size)) return -1;
            cd_xf_set_operating(rec, x->is_key, NULL, value ? out : NULL);
            return 0;
        }
        if (value->type != CD_TYPE_MAP) {
            snprintf(errstr, errstr_size, "Only Map objects supported in absence of schema for [%s], found: %s",
                     TC_PURPOSE, cd_xf_java_class(NULL, value));
            return -1;
        }
        int at = cd_xf_map_index(value, x->field);
        const cd_value_t *fv = at >= 0 ? &value->u.map.values[at] : NULL;
        if (fv && !fv->is_null && tc_schemaless_target(x, errstr, errstr_size)) return -1;
        cd_value_t cv;
        if (tc_convert(x, fv, -1, arena, &cv, errstr, errstr_size)) return -1;
        cd_value_t *keys, *vals;
        size_t n0 = value->u.map.n;
        cd_value_t *m = map_copy(arena, value, 1, &keys, &vals);
        map_put(m, keys, vals, cd_arena_strndup(arena, x->field, strlen(x->field)), cv);
        java_hashmap_order_values(keys, vals, m->u.map.n, java_hashmap_copy_capacity(n0));
        cd_xf_set_operating(rec, x->is_key, NULL, m);
        return 0;
    }
    if (!*x->field) {
        int from = tc_type_of_schema(schema, errstr, errstr_size);
        if (from < 0 || tc_convert(x, value, from, arena, out, errstr, errstr_size)) return -1;
        cd_xf_set_operating(rec, x->is_key, &TC_SCHEMAS[schema->optional][x->type], value ? out : NULL);
        return 0;
    }
    if (value && value->type != CD_TYPE_STRUCT) {
        snprintf(errstr, errstr_size, "Only Struct objects supported for [%s], found: %s", TC_PURPOSE,
                 cd_xf_java_class(schema, value));
        return -1;
    }
    if (schema->type != CD_TYPE_STRUCT) {
        snprintf(errstr, errstr_size, "Cannot list fields on non-struct type");
        return -1;
    }
    const cd_schema_t *s = cd_xf_schema_cache_get(x->cache, schema);
    if (!s) {
        cd_arena_t *a = cd_xf_schema_cache_arena(x->cache, schema, arena);
        cd_schema_t *b = cd_xf_struct_like(a, schema, schema->n_fields);
        cd_field_t *f = (cd_field_t *)b->fields;
        for (size_t i = 0; i < schema->n_fields; i++) {
            f[i] = schema->fields[i];
            if (!strcmp(f[i].name, x->field)) f[i].schema = &TC_SCHEMAS[f[i].schema->optional][x->type];
        }
        b->optional = schema->optional;
        if (schema->default_value && !schema->default_value->is_null) {
            cd_value_t *dv = cd_xf_new_values(a, 1);
            if (tc_struct(x, schema, schema->default_value, b, a, dv, errstr, errstr_size)) return -1;
            b->default_value = dv;
        }
        s = cd_xf_schema_cache_put(x->cache, schema, b);
    }
    if (!value) {
        cd_xf_set_operating(rec, x->is_key, s, NULL);
        return 0;
    }
    if (tc_struct(x, schema, value, s, arena, out, errstr, errstr_size)) return -1;
    cd_xf_set_operating(rec, x->is_key, s, out);
    return 0;
}

#define TIMESTAMP_CONVERTER(suffix, side)                                                                 \
    {.class_name = "org.apache.kafka.connect.transforms.TimestampConverter$" suffix,                      \
     .kind = CD_XF_TRANSFORMATION, .version = CONNECTD_KAFKA_CONNECT_VERSION,                              \
     .config_def = {TC_KEYS, NKEYS(TC_KEYS)}, .opts = &side, .create = tc_create, .apply = tc_apply,         \
     .destroy = tc_destroy}
static const cd_xf_plugin_t TC_KEY = TIMESTAMP_CONVERTER("Key", KEY_SIDE);
static const cd_xf_plugin_t TC_VALUE = TIMESTAMP_CONVERTER("Value", VALUE_SIDE);

const cd_xf_plugin_t *const cd_xf_convert_plugins[] = {&CAST_KEY, &CAST_VALUE, &TC_KEY, &TC_VALUE, NULL};
