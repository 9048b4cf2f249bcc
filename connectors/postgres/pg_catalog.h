/* pg_catalog.h - what the connector needs to know about a captured table. The columns and their
 * types are those of pgoutput's Relation message (the table as it was when the change was made,
 * even if a later ALTER TABLE has already changed the catalog); the system catalogs add what the
 * message lacks: root types with domains resolved, NOT NULL, defaults, enum labels, and the key
 * columns (primary key, else the first unique index). */
#ifndef CONNECTD_PG_CATALOG_H
#define CONNECTD_PG_CATALOG_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connectors/postgres/pg_exec.h"
#include "connectors/postgres/pg_types.h"
#include "connectors/postgres/pgoutput.h"

typedef struct {
    pg_column_info_t info; /* strings owned by the table */
    int attnum;
    int key_position;      /* 1-based position in the key, 0 when not a key column */
} pg_catalog_column_t;

typedef struct {
    uint32_t relid;
    char *schema, *table;
    pg_catalog_column_t *columns; /* in the Relation message's order */
    size_t n_columns;
    size_t n_key;                 /* key columns, found by key_position */
    char replica_identity;        /* pg_class.relreplident: d, n, f, i */
} pg_catalog_table_t;

/* Describes the relation of a Relation message; returns 0, or -1 with errstr. */
int pg_catalog_read(PGconn *conn, const pg_bound_t *bound, const pgo_relation_t *rel, pg_catalog_table_t *out, char *errstr,
                    size_t errstr_size);
void pg_catalog_clear(pg_catalog_table_t *t);

/* pgjdbc 42.7's TypeInfoCache.getPrecision / getScale / getDisplaySize for a built-in type OID (arrays
 * already converted to their element's OID by the caller), with unknownLength Integer.MAX_VALUE. Debezium
 * takes a column's length and scale from these (column.propagate.source.type shows them). */
int32_t pg_jdbc_precision(uint32_t oid, int32_t typmod);
int32_t pg_jdbc_scale(uint32_t oid, int32_t typmod);
int32_t pg_jdbc_display_size(uint32_t oid, int32_t typmod);

#endif
