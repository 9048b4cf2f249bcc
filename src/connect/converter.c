/* converter.c - the converter registry (class names and aliases -> implementation), the shared
 * setting parsers, and the two simple converters: StringConverter and ByteArrayConverter. The
 * JsonConverter lives in json_converter.c. */
#include "connect/converter.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connect/json_write.h"

struct cd_converter {
    const cd_converter_ops_t *ops;
    void *impl;
};

const char *cd_converter_type_name(cd_type_t t) {
    switch (t) {
    case CD_TYPE_INT8: return "INT8";
    case CD_TYPE_INT16: return "INT16";
    case CD_TYPE_INT32: return "INT32";
    case CD_TYPE_INT64: return "INT64";
    case CD_TYPE_FLOAT32: return "FLOAT32";
    case CD_TYPE_FLOAT64: return "FLOAT64";
    case CD_TYPE_BOOLEAN: return "BOOLEAN";
    case CD_TYPE_STRING: return "STRING";
    case CD_TYPE_BYTES: return "BYTES";
    case CD_TYPE_ARRAY: return "ARRAY";
    case CD_TYPE_MAP: return "MAP";
    case CD_TYPE_STRUCT: return "STRUCT";
    }
    return "UNKNOWN";
}

/* ---- setting parsers (Kafka ConfigDef semantics) ------------------------------------------------ */

/* value without leading/trailing whitespace, as ConfigDef trims before parsing */
static void trimmed(const char *value, const char **start, size_t *len) {
    const char *s = value, *e = value + strlen(value);
    while (s < e && isspace((unsigned char)*s)) s++;
    while (e > s && isspace((unsigned char)e[-1])) e--;
    *start = s;
    *len = (size_t)(e - s);
}

int cd_converter_config_bool(const char *key, const char *value, bool *out, char *errstr, size_t errstr_size) {
    if (!value) return 0;
    const char *s;
    size_t n;
    trimmed(value, &s, &n);
    if (n == 4 && !strncasecmp(s, "true", 4)) {
        *out = true;
        return 0;
    }
    if (n == 5 && !strncasecmp(s, "false", 5)) {
        *out = false;
        return 0;
    }
    snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: Expected value to be either true or false",
             value, key);
    return -1;
}

int cd_converter_config_int(const char *key, const char *value, int *out, char *errstr, size_t errstr_size) {
    if (!value) return 0;
    const char *s;
    size_t n;
    trimmed(value, &s, &n);
    char buf[32];
    if (n == 0 || n >= sizeof(buf)) goto bad;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (!isdigit((unsigned char)buf[buf[0] == '-' || buf[0] == '+' ? 1 : 0])) goto bad;
    char *end;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (*end || errno || v < INT_MIN || v > INT_MAX) goto bad;
    *out = (int)v;
    return 0;
bad:
    snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: Not a number of type INT", value, key);
    return -1;
}

/* ---- registry ----------------------------------------------------------------------------------- */

static const cd_converter_ops_t string_ops, bytearray_ops;

static const cd_converter_ops_t *const all_ops[] = {&cd_json_converter_ops, &string_ops, &bytearray_ops};

const char *const cd_converter_classes[] = {
    "org.apache.kafka.connect.json.JsonConverter",
    "org.apache.kafka.connect.storage.StringConverter",
    "org.apache.kafka.connect.converters.ByteArrayConverter",
    NULL,
};

/* Header values are written as SimpleHeaderConverter writes them (pg_records.c), the worker's
 * default header.converter; the converters serve as header converters too. */
const char *const cd_header_converter_classes[] = {
    "org.apache.kafka.connect.json.JsonConverter",
    "org.apache.kafka.connect.storage.SimpleHeaderConverter",
    "org.apache.kafka.connect.storage.StringConverter",
    "org.apache.kafka.connect.converters.ByteArrayConverter",
    NULL,
};

static const cd_converter_ops_t *find_ops(const char *class_name) {
    for (size_t i = 0; i < sizeof(all_ops) / sizeof(all_ops[0]); i++) {
        const cd_converter_ops_t *o = all_ops[i];
        if (!strcmp(o->class_name, class_name)) return o;
        for (size_t j = 0; j < sizeof(o->aliases) / sizeof(o->aliases[0]) && o->aliases[j]; j++)
            if (!strcmp(o->aliases[j], class_name)) return o;
    }
    return NULL;
}

cd_converter_t *cd_converter_new(const char *class_name, const cd_props_t *config, bool is_key, char *errstr,
                                 size_t errstr_size) {
    const cd_converter_ops_t *ops = class_name && *class_name ? find_ops(class_name) : NULL;
    if (!ops) {
        snprintf(errstr, errstr_size,
                 "Class %s could not be found. Supported converters: %s, %s, %s",
                 class_name && *class_name ? class_name : "(empty)", cd_converter_classes[0],
                 cd_converter_classes[1], cd_converter_classes[2]);
        return NULL;
    }
    cd_props_t *empty = config ? NULL : cd_props_new();
    void *impl = ops->create(config ? config : empty, is_key, errstr, errstr_size);
    cd_props_destroy(empty);
    if (!impl) return NULL;
    cd_converter_t *c = malloc(sizeof(*c));
    if (!c) abort();
    c->ops = ops;
    c->impl = impl;
    return c;
}

void cd_converter_destroy(cd_converter_t *c) {
    if (!c) return;
    c->ops->destroy(c->impl);
    free(c);
}

const char *cd_converter_class(const cd_converter_t *c) { return c->ops->class_name; }

int cd_converter_from_connect(cd_converter_t *c, const char *topic, const cd_schema_t *schema, const cd_value_t *value,
                              cd_buf_t *out, char *errstr, size_t errstr_size) {
    /* A null value is a Kafka null, except that JsonConverter only answers null for a null schema
     * too: a null value with a schema is written (an envelope whose payload is null, or JSON
     * null), as after ExtractNewRecordState's delete in its tombstone mode. */
    if ((!value || value->is_null) &&
        (!schema || strcmp(c->ops->class_name, "org.apache.kafka.connect.json.JsonConverter")))
        return 0;
    return c->ops->from_connect(c->impl, topic, schema, value, out, errstr, errstr_size);
}

int cd_converter_to_connect(cd_converter_t *c, const char *topic, const void *data, size_t len, cd_arena_t *arena,
                            const cd_schema_t **schema, cd_value_t *value, char *errstr, size_t errstr_size) {
    return c->ops->to_connect(c->impl, topic, data, len, arena, schema, value, errstr, errstr_size);
}

/* ---- shared by the converters -------------------------------------------------------------------- */

int cd_converter_decimal_scale(const cd_schema_t *schema, int32_t *scale, char *errstr, size_t errstr_size) {
    for (size_t i = 0; i < schema->n_params; i++) {
        if (!schema->params[i].key || strcmp(schema->params[i].key, "scale")) continue;
        const char *v = schema->params[i].value;
        char *end;
        errno = 0;
        long s = v ? strtol(v, &end, 10) : 0;
        if (!v || !*v || *end || errno || s < INT32_MIN || s > INT32_MAX) {
            snprintf(errstr, errstr_size, "Invalid scale parameter found in Decimal schema: %s", v ? v : "null");
            return -1;
        }
        *scale = (int32_t)s;
        return 0;
    }
    snprintf(errstr, errstr_size, "Invalid Decimal schema: scale parameter not found.");
    return -1;
}

bool cd_converter_is_decimal(const cd_schema_t *schema) {
    return schema && schema->type == CD_TYPE_BYTES && schema->name && !strcmp(schema->name, CD_LOGICAL_DECIMAL);
}

/* ---- StringConverter ------------------------------------------------------------------------------- */

/* The only charset supported; Java's charset names are case-insensitive. */
static int check_encoding(const cd_props_t *config, const char *key, char *errstr, size_t errstr_size) {
    const char *v = cd_props_get(config, key);
    if (!v || !strcasecmp(v, "UTF-8") || !strcasecmp(v, "UTF8")) return 0;
    snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: only UTF-8 is supported", v, key);
    return -1;
}

typedef struct {
    bool is_key;
} simple_conv_t;

static void *simple_new(bool is_key) {
    simple_conv_t *s = malloc(sizeof(*s));
    if (!s) abort();
    s->is_key = is_key;
    return s;
}

static void simple_destroy(void *impl) { free(impl); }

static void *string_create(const cd_props_t *config, bool is_key, char *errstr, size_t errstr_size) {
    if (check_encoding(config, "converter.encoding", errstr, errstr_size) ||
        check_encoding(config, "serializer.encoding", errstr, errstr_size) ||
        check_encoding(config, "deserializer.encoding", errstr, errstr_size))
        return NULL;
    return simple_new(is_key);
}

static int mismatch(const cd_schema_t *schema, const cd_value_t *value, char *errstr, size_t errstr_size) {
    snprintf(errstr, errstr_size, "Invalid type for %s: value of type %s does not match its schema",
             cd_converter_type_name(schema->type), cd_converter_type_name(value->type));
    return -1;
}

/* What Java's value.toString() gives for the types that have a sensible text form. */
static int string_from_connect(void *impl, const char *topic, const cd_schema_t *schema, const cd_value_t *value,
                               cd_buf_t *out, char *errstr, size_t errstr_size) {
    (void)impl;
    (void)topic;
    if (schema && schema->type != value->type) return mismatch(schema, value, errstr, errstr_size);
    switch (value->type) {
    case CD_TYPE_STRING:
        cd_jw_raw(out, value->u.str.ptr, value->u.str.len);
        return 1;
    case CD_TYPE_INT8:
    case CD_TYPE_INT16:
    case CD_TYPE_INT32:
    case CD_TYPE_INT64:
        cd_jw_int(out, value->u.i);
        return 1;
    case CD_TYPE_FLOAT32:
        cd_jw_java_float(out, (float)value->u.f);
        return 1;
    case CD_TYPE_FLOAT64:
        cd_jw_java_double(out, value->u.f);
        return 1;
    case CD_TYPE_BOOLEAN:
        if (value->u.b)
            cd_jw_lit(out, "true");
        else
            cd_jw_lit(out, "false");
        return 1;
    case CD_TYPE_BYTES:
        if (cd_converter_is_decimal(schema)) { /* a BigDecimal in Java */
            int32_t scale;
            if (cd_converter_decimal_scale(schema, &scale, errstr, errstr_size)) return -1;
            cd_jw_big_decimal(out, (const unsigned char *)value->u.str.ptr, value->u.str.len, scale);
            return 1;
        }
        snprintf(errstr, errstr_size,
                 "StringConverter cannot convert a BYTES value to a string; use the ByteArrayConverter for raw bytes");
        return -1;
    case CD_TYPE_ARRAY:
    case CD_TYPE_MAP:
    case CD_TYPE_STRUCT:
        break;
    }
    snprintf(errstr, errstr_size,
             "StringConverter cannot convert a %s value to a string; use the JsonConverter for structured data",
             cd_converter_type_name(value->type));
    return -1;
}

static const cd_schema_t optional_string_schema = {.type = CD_TYPE_STRING, .optional = true};
static const cd_schema_t optional_bytes_schema = {.type = CD_TYPE_BYTES, .optional = true};

static void raw_to_value(const void *data, size_t len, cd_type_t type, cd_arena_t *arena, cd_value_t *value) {
    *value = (cd_value_t){.type = type};
    if (!data) {
        value->is_null = true;
        return;
    }
    value->u.str.ptr = cd_arena_strndup(arena, data, len);
    value->u.str.len = len;
}

static int string_to_connect(void *impl, const char *topic, const void *data, size_t len, cd_arena_t *arena,
                             const cd_schema_t **schema, cd_value_t *value, char *errstr, size_t errstr_size) {
    (void)impl;
    (void)topic;
    (void)errstr;
    (void)errstr_size;
    *schema = &optional_string_schema;
    raw_to_value(data, len, CD_TYPE_STRING, arena, value);
    return 0;
}

static const cd_converter_ops_t string_ops = {
    .class_name = "org.apache.kafka.connect.storage.StringConverter",
    .aliases = {"StringConverter", "String", NULL},
    .create = string_create,
    .destroy = simple_destroy,
    .from_connect = string_from_connect,
    .to_connect = string_to_connect,
};

/* ---- ByteArrayConverter ------------------------------------------------------------------------------ */

static void *bytearray_create(const cd_props_t *config, bool is_key, char *errstr, size_t errstr_size) {
    (void)config;
    (void)errstr;
    (void)errstr_size;
    return simple_new(is_key);
}

static int bytearray_from_connect(void *impl, const char *topic, const cd_schema_t *schema, const cd_value_t *value,
                                  cd_buf_t *out, char *errstr, size_t errstr_size) {
    (void)impl;
    (void)topic;
    if (schema && schema->type != CD_TYPE_BYTES && schema->type != CD_TYPE_STRING) {
        snprintf(errstr, errstr_size, "Invalid schema type for ByteArrayConverter: %s",
                 cd_converter_type_name(schema->type));
        return -1;
    }
    if (value->type != CD_TYPE_BYTES && value->type != CD_TYPE_STRING) {
        snprintf(errstr, errstr_size, "ByteArrayConverter is not compatible with objects of type %s",
                 cd_converter_type_name(value->type));
        return -1;
    }
    cd_jw_raw(out, value->u.str.ptr, value->u.str.len);
    return 1;
}

static int bytearray_to_connect(void *impl, const char *topic, const void *data, size_t len, cd_arena_t *arena,
                                const cd_schema_t **schema, cd_value_t *value, char *errstr, size_t errstr_size) {
    (void)impl;
    (void)topic;
    (void)errstr;
    (void)errstr_size;
    *schema = &optional_bytes_schema;
    raw_to_value(data, len, CD_TYPE_BYTES, arena, value);
    return 0;
}

static const cd_converter_ops_t bytearray_ops = {
    .class_name = "org.apache.kafka.connect.converters.ByteArrayConverter",
    .aliases = {"ByteArrayConverter", "ByteArray", NULL},
    .create = bytearray_create,
    .destroy = simple_destroy,
    .from_connect = bytearray_from_connect,
    .to_connect = bytearray_to_connect,
};
