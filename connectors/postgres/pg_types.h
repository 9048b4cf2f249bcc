/* pg_types.h - PostgreSQL column types -> Connect schemas and values, as Debezium maps them.
 * One pg_column_t per captured column: its field schema (with the column default) and the converter
 * of pgoutput text values, NOT NULL fallbacks and unchanged-TOAST placeholders
 * (spec: debezium-postgres.md sections 3, 4.2 and 4.3). */
#ifndef CONNECTD_PG_TYPES_H
#define CONNECTD_PG_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connectd/data.h"

/* The handling modes (pg_config.h parses them from the connector config). */
typedef enum { PG_DECIMAL_PRECISE, PG_DECIMAL_DOUBLE, PG_DECIMAL_STRING } pg_decimal_mode_t;
typedef enum {
    PG_TIME_ADAPTIVE,
    PG_TIME_ADAPTIVE_TIME_MICROSECONDS,
    PG_TIME_CONNECT,
    PG_TIME_ISOSTRING,
    PG_TIME_MICROSECONDS,
    PG_TIME_NANOSECONDS
} pg_time_mode_t;
typedef enum { PG_BINARY_BYTES, PG_BINARY_BASE64, PG_BINARY_BASE64_URL_SAFE, PG_BINARY_HEX } pg_binary_mode_t;
typedef enum { PG_HSTORE_JSON, PG_HSTORE_MAP } pg_hstore_mode_t;
typedef enum { PG_INTERVAL_NUMERIC, PG_INTERVAL_STRING } pg_interval_mode_t;

typedef struct {
    pg_decimal_mode_t decimal;
    pg_time_mode_t time;
    pg_binary_mode_t binary;
    pg_hstore_mode_t hstore;
    pg_interval_mode_t interval;
    int money_fraction_digits;           /* default 2 */
    bool include_unknown_datatypes;      /* default false */
    const char *unavailable_placeholder; /* default "__debezium_unavailable_value"; "hex:..." = raw bytes.
                                            Read by pg_column_new only (copied). */
} pg_type_options_t;

/* Debezium's defaults: precise, adaptive, bytes, json, numeric, 2 money digits, unknown types omitted. */
void pg_type_options_default(pg_type_options_t *o);

/* Catalog facts about one column (the connector queries pg_attribute/pg_type/pg_attrdef/pg_enum). Types are
 * given by name and typtype of the ROOT type (domains already resolved by the caller to their base type; typmod
 * is the column's, or the domain's when the domain sits directly on a built-in type). All pointers are read
 * during pg_column_new only. */
typedef struct {
    const char *name;           /* column name */
    const char *type_name;      /* root pg_type.typname: "int4", "numeric", "timestamptz", "_int4" (arrays),
                                   "hstore", "citext", "geometry", ... */
    char typtype;               /* root pg_type.typtype: 'b' base, 'e' enum, 'r' range, 'c' composite,
                                   'p' pseudo, 'm' multirange */
    const char *elem_type_name; /* for arrays: element typname (e.g. "int4"), else NULL */
    char elem_typtype;          /* for arrays ('d' = an array of a domain: handled as an unknown type) */
    int32_t typmod;             /* atttypmod; -1 when none */
    bool not_null;
    const char *default_expr;   /* pg_get_expr(adbin, adrelid), or NULL */
    const char *const *enum_labels; /* enum (or enum array element) labels in enumsortorder */
    size_t n_enum_labels;
    /* For column.propagate.source.type: the column's own type name (a domain's, not its root's; "_int4" for
     * arrays) and the length and scale Debezium's pgoutput decoder gives it (pgjdbc's TypeInfoCache
     * precision/scale, see pg_catalog.c). NULL source_type: none known. */
    const char *source_type;
    int32_t source_length;
    int32_t source_scale;
} pg_column_info_t;

typedef struct pg_column pg_column_t;

/* Builds the column's field schema and value converter in `arena` (which must live as long as the relation's
 * schema; the column and its schema are owned by the arena, there is no destroy). Returns NULL without error
 * (errstr set to "") when the type is omitted: unknown with include_unknown_datatypes false, or one of the
 * arrays Debezium never maps (money[], name[], interval[], varbit[], xml[], point[], refcursor[], bit[]).
 * Returns NULL with errstr set on a real error (a bad option such as an invalid "hex:" placeholder). */
pg_column_t *pg_column_new(const pg_column_info_t *ci, const pg_type_options_t *opt, cd_arena_t *arena,
                           char *errstr, size_t errstr_size);

/* The field schema (optional unless NOT NULL, with the parsed default if any). Owned by the column's arena;
 * its cache_id (and those of nested schemas) is set. */
const cd_schema_t *pg_column_schema(const pg_column_t *c);

/* The column name, as given (owned by the column's arena). */
const char *pg_column_name(const pg_column_t *c);

/* The value field schema with Debezium's PropagateSourceMetadataToSchemaParameter parameters appended (after
 * the type's own): __debezium.source.column.type (the type name upper-cased), .length, .scale and .name.
 * A copy in `arena` with its own cache_id; the key schema keeps pg_column_schema. NULL when the column
 * has no source type. */
const cd_schema_t *pg_column_schema_with_source_type(const pg_column_t *c, const pg_column_info_t *ci,
                                                     cd_arena_t *arena);

/* Converts one pgoutput value: kind 'n' (null), 'u' (unchanged TOAST -> the placeholder of 4.3), 't' (text in
 * PostgreSQL's output format, session DateStyle=ISO, IntervalStyle=postgres, extra_float_digits=3,
 * bytea_output=hex, TimeZone UTC). Values and their memory come from `scratch` (reset by the caller per
 * record); text need not outlive the call. Returns 0, or -1 with errstr (e.g. the NaN-in-precise-decimal
 * message of 3.4, naming the column). A NULL for a NOT NULL column is rendered per 4.2 (schema default if
 * present, else the fallback). */
int pg_column_value(const pg_column_t *c, char kind, const char *text, size_t len, cd_arena_t *scratch,
                    cd_value_t *out, char *errstr, size_t errstr_size);

/* The same for a value the initial snapshot read (COPY text, the same text as pgoutput's). Debezium's
 * snapshot reads rows through pgjdbc's ResultSet, not pgoutput text, and for a few types renders
 * another value than its stream does; this reproduces the snapshot's:
 *  - money: pgjdbc's PGmoney, a Java double (decimal.handling.mode=string gives Double.toString,
 *    precise BigDecimal.valueOf(double) at money.fraction.digits);
 *  - date: java.sql.Date.toLocalDate() of pgjdbc's hybrid Julian/Gregorian calendar: a BC date loses
 *    its era (4713-01-01 BC gives 4713-01-01), one in the Gregorian gap 1582-10-05..14 moves 10 days,
 *    and 'infinity'/'-infinity' are the dates of PGStatement.DATE_POSITIVE/NEGATIVE_INFINITY;
 *  - timestamp, timestamptz: before the Gregorian cutover (1582-10-15) the date is read in the
 *    Julian calendar (0001-01-01 00:00 is 0000-12-30T00:00Z proleptic). */
int pg_column_snapshot_value(const pg_column_t *c, char kind, const char *text, size_t len, cd_arena_t *scratch,
                             cd_value_t *out, char *errstr, size_t errstr_size);

#endif
