/* data.h - the Connect data model: schemas and values, as Kafka Connect defines them
 * (org.apache.kafka.connect.data), that connectors build records in and converters render.
 *
 * Designed for the hot path: a value never owns memory. A connector builds its values in memory
 * it reuses (a per-task arena, its own buffers) and hands them to the runtime, which renders them
 * before the call returns. Schemas are immutable once built and are kept by the connector for as
 * long as it uses them (e.g. per relation); converters may cache their rendered form by
 * cache_id. */
#ifndef CONNECTD_DATA_H
#define CONNECTD_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    CD_TYPE_INT8,
    CD_TYPE_INT16,
    CD_TYPE_INT32,
    CD_TYPE_INT64,
    CD_TYPE_FLOAT32,
    CD_TYPE_FLOAT64,
    CD_TYPE_BOOLEAN,
    CD_TYPE_STRING,
    CD_TYPE_BYTES,
    CD_TYPE_ARRAY,
    CD_TYPE_MAP,
    CD_TYPE_STRUCT,
} cd_type_t;

/* Kafka Connect's logical type names. */
#define CD_LOGICAL_DECIMAL "org.apache.kafka.connect.data.Decimal"     /* BYTES, param "scale" */
#define CD_LOGICAL_DATE "org.apache.kafka.connect.data.Date"           /* INT32 days */
#define CD_LOGICAL_TIME "org.apache.kafka.connect.data.Time"           /* INT32 ms of day */
#define CD_LOGICAL_TIMESTAMP "org.apache.kafka.connect.data.Timestamp" /* INT64 ms */

typedef struct cd_schema cd_schema_t;
typedef struct cd_value cd_value_t;

typedef struct {
    const char *name;
    const cd_schema_t *schema;
} cd_field_t;

typedef struct {
    const char *key;
    const char *value;
} cd_param_t;

struct cd_schema {
    cd_type_t type;
    bool optional;
    const char *name;                /* NULL when unnamed */
    int32_t version;                 /* 0: no version */
    const char *doc;                 /* NULL: none */
    const cd_param_t *params;        /* in insertion order */
    size_t n_params;
    const cd_value_t *default_value; /* NULL: no default */
    const cd_field_t *fields;        /* STRUCT, in order */
    size_t n_fields;
    const cd_schema_t *key_schema;   /* MAP */
    const cd_schema_t *value_schema; /* MAP values, ARRAY items */
    uint64_t cache_id;               /* 0: converters must not cache; else unique for the process */
};

struct cd_value {
    cd_type_t type; /* for schemaless values; with a schema it matches the schema's type */
    bool is_null;
    union {
        int64_t i; /* INT8 .. INT64 */
        double f;  /* FLOAT32, FLOAT64 */
        bool b;
        struct {
            const char *ptr; /* STRING (UTF-8) or BYTES; not NUL-terminated necessarily */
            size_t len;
        } str;
        struct {
            const cd_value_t *items;
            size_t n;
        } array;
        struct {
            const cd_value_t *keys;
            const cd_value_t *values;
            size_t n;
        } map;
        struct {
            const cd_value_t *fields; /* one per schema field, in schema order */
            size_t n;
        } strct;
    } u;
};

/* A growable byte buffer that rendering appends to. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} cd_buf_t;

void cd_buf_reserve(cd_buf_t *b, size_t extra);
void cd_buf_append(cd_buf_t *b, const void *data, size_t len);
void cd_buf_free(cd_buf_t *b);

/* A bump allocator for values and schemas whose lifetime is one batch or one relation.
 * cd_arena_reset keeps the memory for reuse. */
typedef struct cd_arena cd_arena_t;
cd_arena_t *cd_arena_new(void);
void *cd_arena_alloc(cd_arena_t *a, size_t size);
char *cd_arena_strndup(cd_arena_t *a, const char *s, size_t len);
void cd_arena_reset(cd_arena_t *a);
void cd_arena_destroy(cd_arena_t *a);

/* A unique cache id for a newly built schema. */
uint64_t cd_schema_next_cache_id(void);

/* Common value constructors. */
static inline cd_value_t cd_null(void) {
    cd_value_t v = {0};
    v.is_null = true;
    return v;
}
static inline cd_value_t cd_int(cd_type_t t, int64_t i) {
    cd_value_t v = {0};
    v.type = t;
    v.u.i = i;
    return v;
}
static inline cd_value_t cd_string(const char *s, size_t len) {
    cd_value_t v = {0};
    v.type = CD_TYPE_STRING;
    v.u.str.ptr = s;
    v.u.str.len = len;
    return v;
}

#endif
