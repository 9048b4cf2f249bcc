/* pg_types_int.h - what the pg_types*.c files share: the conversion kinds, a column's converter, the
 * parsed BigDecimal / date-time / interval forms, and the helpers one file defines for the others.
 * Private to connectors/postgres/pg_types*.c; the public interface is pg_types.h. */
#ifndef CONNECTD_PG_TYPES_INT_H
#define CONNECTD_PG_TYPES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connectors/postgres/pg_types.h"

#define DEFAULT_PLACEHOLDER "__debezium_unavailable_value"
/* numeric without precision: what the JDBC driver reports as its length (Debezium's VARIABLE_SCALE_DECIMAL_LENGTH) */
#define VARIABLE_SCALE_LENGTH 131089
#define US_PER_DAY 86400000000LL
/* PGStatement.DATE_POSITIVE_INFINITY / DATE_NEGATIVE_INFINITY, read by Debezium as microseconds */
#define TS_POS_INFINITY_US 9223372036825200000LL
#define TS_NEG_INFINITY_US (-9223372036832400000LL)

typedef enum {
    K_BOOL,
    K_BIT1, /* bit(1) / varbit(1): boolean */
    K_BITS, /* io.debezium.data.Bits */
    K_INT16,
    K_INT32,
    K_INT64,
    K_OID,
    K_FLOAT32,
    K_FLOAT64,
    K_NUMERIC,
    K_MONEY,
    K_STRING, /* text-like, json, uuid, xml, network, ranges, enum, ltree, tsvector, isbn: the text as is */
    K_BYTEA,
    K_DATE,
    K_TIME,
    K_TIMETZ,
    K_TIMESTAMP,
    K_TIMESTAMPTZ,
    K_INTERVAL,
    K_POINT,
    K_HSTORE,
    K_GEOMETRY, /* and geography */
    K_VECTOR,
    K_HALFVEC,
    K_SPARSEVEC,
    K_UNKNOWN, /* include.unknown.datatypes: the text's bytes per binary.handling.mode */
} kind_t;

/* How to convert one value (a column's, or an array column's elements'). */
typedef struct {
    kind_t kind;
    const char *type_name; /* root typname (element typname for arrays) */
    const char *col_name;  /* the name Debezium's messages use ("<col>-element" for array items) */
    int32_t length;        /* bits; numeric precision */
    int32_t scale;         /* numeric scale; time/timestamp precision (6 when unspecified) */
    bool vsd;              /* numeric without precision -> VariableScaleDecimal */
    bool enum_type;
    const cd_schema_t *schema;
} conv_t;

struct pg_column {
    const char *name;
    const cd_schema_t *schema;
    bool is_array;
    bool name_type; /* a column of type name (or a domain on it): null unless include.unknown.datatypes */
    conv_t conv; /* the column's, or its elements' */
    pg_type_options_t opt;
    const unsigned char *ph; /* unavailable.value.placeholder bytes */
    size_t ph_len;
};

typedef struct {
    const pg_column_t *col;
    const conv_t *cv;
    cd_arena_t *a;
    char *errstr;
    size_t errstr_size;
    /* A value the initial snapshot read: rendered as Debezium renders what pgjdbc's ResultSet gives
     * it (pg_column_snapshot_value), which differs from the stream for a few types. */
    bool snapshot;
} vctx_t;

/* A java.math.BigDecimal: sign, coefficient digits (no leading zeros; "0" for zero) and scale. */
typedef struct {
    bool neg;
    char *d;
    size_t n;
    int32_t scale;
} dec_t;

typedef enum { ROUND_UNNECESSARY, ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_DOWN } round_t;

/* A PostgreSQL date/time text, parsed: [date] [time] [offset] [" BC"]. */
typedef struct {
    bool has_date, has_time, has_offset;
    int64_t year; /* proleptic (1 BC = 0) */
    int month, day;
    int64_t tod_us; /* time of day; 24:00:00 allowed */
    int offset_s;
    int frac_digits;
} dt_t;

/* A PGInterval (IntervalStyle postgres), field by field. */
typedef struct {
    int32_t years, months, days, hours, minutes;
    int32_t whole_seconds, micros;
} interval_t;

/* Helpers one pg_types*.c file defines for the others. */
int pgt_bad_value(vctx_t *x, const char *s, size_t n, const char *why);
int pgt_conv_array(vctx_t *x, const char *s, size_t n, cd_value_t *out);
int pgt_conv_date(vctx_t *x, const char *s, size_t n, cd_value_t *out);
int pgt_conv_geometry(vctx_t *x, const char *s, size_t n, cd_value_t *out);
int pgt_conv_hstore(vctx_t *x, const char *s, size_t n, cd_value_t *out);
int pgt_conv_interval(vctx_t *x, const char *s, size_t n, cd_value_t *out);
int pgt_conv_point(vctx_t *x, const char *s, size_t n, cd_value_t *out);
int pgt_conv_sparsevec(vctx_t *x, const char *s, size_t n, cd_value_t *out);
int pgt_conv_text(vctx_t *x, const char *s, size_t n, cd_value_t *out);
int pgt_conv_time(vctx_t *x, const char *s, size_t n, cd_value_t *out);
int pgt_conv_timestamp(vctx_t *x, const char *s, size_t n, cd_value_t *out);
int pgt_conv_timestamptz(vctx_t *x, const char *s, size_t n, cd_value_t *out);
int pgt_conv_timetz(vctx_t *x, const char *s, size_t n, cd_value_t *out);
int pgt_conv_vector(vctx_t *x, const char *s, size_t n, cd_value_t *out);
cd_value_t pgt_date_value(const pg_column_t *c, int64_t days, cd_arena_t *a);
int64_t pgt_days_from_civil(int64_t y, int m, int d);
bool pgt_dec_parse(cd_arena_t *a, const char *s, size_t n, dec_t *out);
bool pgt_dec_set_scale(cd_arena_t *a, dec_t *x, int32_t scale, round_t mode);
cd_value_t pgt_dec_string(cd_arena_t *a, const dec_t *x, bool plain);
void pgt_dec_strip(dec_t *x);
bool pgt_digits(const char **p, const char *end, int min, int max, int64_t *out);
bool pgt_dt_epoch_us(const dt_t *t, int64_t *us);
__attribute__((format(printf, 3, 4))) int pgt_fail(char *errstr, size_t errstr_size, const char *fmt, ...);
cd_value_t pgt_geometry_value(cd_arena_t *a, const unsigned char *wkb, size_t n);
long pgt_hex_decode(const char *s, size_t n, unsigned char *out);
cd_value_t pgt_hstore_value(const pg_column_t *c, cd_value_t *k, cd_value_t *v, size_t n, cd_arena_t *a);
cd_value_t pgt_interval_value(const pg_column_t *c, const interval_t *iv, cd_arena_t *a);
int64_t pgt_java_d2l(double d);
bool pgt_java_double(const char *s, size_t n, double *out);
void pgt_java_hashmap_order(const uint32_t *hashes, size_t n, size_t first_cap, size_t *order);
int64_t pgt_java_round(double d);
uint32_t pgt_java_string_hash(const char *s, size_t n);
cd_value_t *pgt_new_values(cd_arena_t *a, size_t n);
bool pgt_parse_datetime(const char *s, size_t n, bool want_date, dt_t *t);
bool pgt_parse_interval(const char *s, size_t n, interval_t *iv);
bool pgt_parse_long(const char *s, size_t n, int64_t min, int64_t max, int64_t *out);
cd_value_t pgt_point_value(cd_arena_t *a, double px, double py);
/* UUID.nameUUIDFromBytes of the n bytes at p, as a string value (pg_types_java.c). */
cd_value_t pgt_name_uuid(cd_arena_t *a, const unsigned char *p, size_t n);
const char *pgt_skip_ws(const char *p, const char *end);
size_t pgt_table_size_for(size_t n);
int32_t pgt_time_precision(const conv_t *k);
cd_value_t pgt_time_value(const pg_column_t *c, const conv_t *k, int64_t us, cd_arena_t *a);
int pgt_timestamp_value(vctx_t *x, int64_t us, bool infinite, cd_value_t *out);
cd_value_t pgt_v_bytes(const void *p, size_t n);
cd_value_t pgt_v_f(cd_type_t t, double d);
cd_value_t pgt_v_str(const char *p, size_t n);
cd_value_t pgt_zoned_timestamp(const conv_t *k, int64_t us, cd_arena_t *a);
bool pgt_is_pgjdbc_geometric(const char *type_name);
int pgt_pgjdbc_geometric_text(vctx_t *x, const char *s, size_t n, const char **out, size_t *out_len);

#endif
