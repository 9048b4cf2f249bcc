/* pg_catalog.c - catalog queries for one table. Types are resolved one OID at a time (domains
 * walked down to their base type) and cached per call; a table has few distinct types. */
#include "connectors/postgres/pg_catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t oid;
    char *name;
    char typtype;
    uint32_t basetype; /* domains */
    int32_t typtypmod;
    uint32_t elem;     /* arrays: typelem when typcategory = 'A' */
} type_row_t;

typedef struct {
    type_row_t *rows;
    size_t n;
} type_cache_t;

static void set_err(PGconn *c, PGresult *r, const char *what, char *errstr, size_t errstr_size) {
    pg_error_text(errstr, errstr_size, what, r ? PQresultErrorMessage(r) : PQerrorMessage(c));
}

/* The bound of the pg_catalog_read in progress on this thread. */
static _Thread_local const pg_bound_t *cur_bound;

static PGresult *query(PGconn *c, const char *sql, uint32_t arg, char *errstr, size_t errstr_size) {
    char a[16];
    snprintf(a, sizeof(a), "%u", arg);
    const char *params[1] = {a};
    PGresult *r = pg_exec(c, sql, 1, params, cur_bound, errstr, errstr_size);
    if (!r) return NULL;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        set_err(c, r, "Catalog query failed", errstr, errstr_size);
        PQclear(r);
        return NULL;
    }
    return r;
}

static const type_row_t *type_of(PGconn *c, type_cache_t *tc, uint32_t oid, char *errstr,
                                 size_t errstr_size) {
    for (size_t i = 0; i < tc->n; i++)
        if (tc->rows[i].oid == oid) return &tc->rows[i];
    PGresult *r = query(c,
                        "SELECT typname, typtype, typbasetype, typtypmod, "
                        "CASE WHEN typcategory = 'A' THEN typelem ELSE 0 END "
                        "FROM pg_catalog.pg_type WHERE oid = $1",
                        oid, errstr, errstr_size);
    if (!r) return NULL;
    if (PQntuples(r) != 1) {
        snprintf(errstr, errstr_size, "Type %u not found in pg_type", oid);
        PQclear(r);
        return NULL;
    }
    tc->rows = realloc(tc->rows, (tc->n + 1) * sizeof(type_row_t));
    type_row_t *t = &tc->rows[tc->n++];
    t->oid = oid;
    t->name = strdup(PQgetvalue(r, 0, 0));
    t->typtype = PQgetvalue(r, 0, 1)[0];
    t->basetype = (uint32_t)strtoul(PQgetvalue(r, 0, 2), NULL, 10);
    t->typtypmod = atoi(PQgetvalue(r, 0, 3));
    t->elem = (uint32_t)strtoul(PQgetvalue(r, 0, 4), NULL, 10);
    PQclear(r);
    return t;
}

/* Walks a domain down to its root type; a domain directly on a built-in type keeps its typmod. */
static const type_row_t *root_type(PGconn *c, type_cache_t *tc, uint32_t oid, int32_t *typmod,
                                   char *errstr, size_t errstr_size) {
    const type_row_t *t = type_of(c, tc, oid, errstr, errstr_size);
    for (int depth = 0; t && t->typtype == 'd' && depth < 32; depth++) {
        int32_t dom_mod = t->typtypmod;
        t = type_of(c, tc, t->basetype, errstr, errstr_size);
        *typmod = depth == 0 ? dom_mod : -1;
    }
    return t;
}

/* ---- pgjdbc's TypeInfoCache sizes --------------------------------------------------------------------- */

enum {
    OID_BOOL = 16, OID_CHAR = 18, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_OID = 26, OID_FLOAT4 = 700,
    OID_FLOAT8 = 701, OID_BPCHAR = 1042, OID_VARCHAR = 1043, OID_DATE = 1082, OID_TIME = 1083, OID_TIMESTAMP = 1114,
    OID_TIMESTAMPTZ = 1184, OID_INTERVAL = 1186, OID_TIMETZ = 1266, OID_BIT = 1560, OID_VARBIT = 1562,
    OID_NUMERIC = 1700
};
#define JDBC_UNKNOWN_LENGTH INT32_MAX

int32_t pg_jdbc_display_size(uint32_t oid, int32_t typmod) {
    switch (oid) {
    case OID_INT2: return 6;
    case OID_INT4: return 11;
    case OID_OID: return 10;
    case OID_INT8: return 20;
    case OID_FLOAT4: return 15;
    case OID_FLOAT8: return 25;
    case OID_CHAR:
    case OID_BOOL: return 1;
    case OID_DATE: return 13;
    case OID_TIME:
    case OID_TIMETZ:
    case OID_TIMESTAMP:
    case OID_TIMESTAMPTZ: {
        int32_t sec = typmod == -1 ? 7 : typmod == 0 ? 0 : typmod == 1 ? 3 : typmod + 1;
        if (oid == OID_TIME) return 8 + sec;
        if (oid == OID_TIMETZ) return 8 + sec + 6;
        if (oid == OID_TIMESTAMP) return 13 + 1 + 8 + sec;
        return 13 + 1 + 8 + sec + 6;
    }
    case OID_INTERVAL: return 49;
    case OID_VARCHAR:
    case OID_BPCHAR: return typmod == -1 ? JDBC_UNKNOWN_LENGTH : typmod - 4;
    case OID_NUMERIC: {
        if (typmod == -1) return 131089;
        int32_t precision = ((typmod - 4) >> 16) & 0xffff, scale = (typmod - 4) & 0xffff;
        return 1 + precision + (scale != 0 ? 1 : 0);
    }
    case OID_BIT: return typmod;
    case OID_VARBIT: return typmod == -1 ? JDBC_UNKNOWN_LENGTH : typmod;
    default: return JDBC_UNKNOWN_LENGTH;
    }
}

int32_t pg_jdbc_precision(uint32_t oid, int32_t typmod) {
    switch (oid) {
    case OID_INT2: return 5;
    case OID_OID:
    case OID_INT4: return 10;
    case OID_INT8: return 19;
    case OID_FLOAT4: return 8;
    case OID_FLOAT8: return 17;
    case OID_NUMERIC: return typmod == -1 ? 0 : (int32_t)(((uint32_t)(typmod - 4) & 0xFFFF0000u) >> 16);
    case OID_CHAR:
    case OID_BOOL: return 1;
    case OID_BPCHAR:
    case OID_VARCHAR: return typmod == -1 ? JDBC_UNKNOWN_LENGTH : typmod - 4;
    case OID_DATE:
    case OID_TIME:
    case OID_TIMETZ:
    case OID_INTERVAL:
    case OID_TIMESTAMP:
    case OID_TIMESTAMPTZ: return pg_jdbc_display_size(oid, typmod);
    case OID_BIT: return typmod;
    case OID_VARBIT: return typmod == -1 ? JDBC_UNKNOWN_LENGTH : typmod;
    default: return JDBC_UNKNOWN_LENGTH;
    }
}

int32_t pg_jdbc_scale(uint32_t oid, int32_t typmod) {
    switch (oid) {
    case OID_FLOAT4: return 8;
    case OID_FLOAT8: return 17;
    case OID_NUMERIC: return typmod == -1 ? 0 : (typmod - 4) & 0xFFFF;
    case OID_TIME:
    case OID_TIMETZ:
    case OID_TIMESTAMP:
    case OID_TIMESTAMPTZ: return typmod == -1 ? 6 : typmod;
    case OID_INTERVAL: return typmod == -1 ? 6 : typmod & 0xFFFF;
    default: return 0;
    }
}

/* pgjdbc converts an array OID to its element's (convertArrayToBaseOid) before sizing it. */
static uint32_t jdbc_base_oid(const type_row_t *t) { return t->elem ? t->elem : t->oid; }

/* Debezium's PostgresType.getDefaultLength / getDefaultScale (TypeRegistry: modifiers = typtypmod, parent =
 * typbasetype), used when the Relation message gives no attypmod. */
static int32_t default_length(PGconn *c, type_cache_t *tc, const type_row_t *t, int depth) {
    if (t->typtype == 'd' && t->basetype && depth < 32) {
        char e[256]; /* the parent was read already (root_type), so this is a cache hit */
        const type_row_t *parent = type_of(c, tc, t->basetype, e, sizeof(e));
        if (parent) {
            if (t->typtypmod == -1) return default_length(c, tc, parent, depth + 1);
            int32_t size = pg_jdbc_precision(jdbc_base_oid(parent), t->typtypmod);
            if (size == 0) size = pg_jdbc_display_size(jdbc_base_oid(parent), t->typtypmod);
            if (size != 0 && size != JDBC_UNKNOWN_LENGTH) return size;
        }
    }
    int32_t size = pg_jdbc_precision(jdbc_base_oid(t), t->typtypmod);
    if (size == 0) size = pg_jdbc_display_size(jdbc_base_oid(t), t->typtypmod);
    return size;
}

static int32_t default_scale(PGconn *c, type_cache_t *tc, const type_row_t *t, int depth) {
    if (t->typtype == 'd' && t->basetype && depth < 32) {
        char e[256]; /* the parent was read already (root_type), so this is a cache hit */
        const type_row_t *parent = type_of(c, tc, t->basetype, e, sizeof(e));
        if (parent) {
            if (t->typtypmod == -1) return default_scale(c, tc, parent, depth + 1);
            return pg_jdbc_scale(jdbc_base_oid(parent), t->typtypmod);
        }
    }
    return pg_jdbc_scale(jdbc_base_oid(t), t->typtypmod);
}

/* The column's own type name, length and scale as Debezium's PgOutput ColumnMetaData computes them. */
static int fill_source_type(PGconn *conn, type_cache_t *tc, uint32_t oid, int32_t atttypmod, pg_column_info_t *info,
                            char *errstr, size_t errstr_size) {
    const type_row_t *t = type_of(conn, tc, oid, errstr, errstr_size);
    if (!t) return -1;
    info->source_type = strdup(t->name);
    if (atttypmod != -1) {
        info->source_length = pg_jdbc_precision(jdbc_base_oid(t), atttypmod);
        info->source_scale = pg_jdbc_scale(jdbc_base_oid(t), atttypmod);
    } else {
        info->source_length = default_length(conn, tc, t, 0);
        info->source_scale = default_scale(conn, tc, t, 0);
    }
    return 0;
}

static char **enum_labels(PGconn *c, uint32_t oid, size_t *n, char *errstr, size_t errstr_size) {
    PGresult *r = query(c,
                        "SELECT enumlabel FROM pg_catalog.pg_enum WHERE enumtypid = $1 "
                        "ORDER BY enumsortorder",
                        oid, errstr, errstr_size);
    *n = 0;
    if (!r) return NULL;
    char **labels = calloc((size_t)PQntuples(r) + 1, sizeof(char *));
    for (int i = 0; i < PQntuples(r); i++) labels[i] = strdup(PQgetvalue(r, i, 0));
    *n = (size_t)PQntuples(r);
    PQclear(r);
    return labels;
}

static char *dup_or_null(PGresult *r, int row, int col) {
    return PQgetisnull(r, row, col) ? NULL : strdup(PQgetvalue(r, row, col));
}

static int fill_type(PGconn *conn, type_cache_t *tc, uint32_t oid, int32_t typmod,
                     pg_column_info_t *info, char *errstr, size_t errstr_size) {
    const type_row_t *t = root_type(conn, tc, oid, &typmod, errstr, errstr_size);
    if (!t) return -1;
    info->type_name = strdup(t->name);
    info->typtype = t->typtype;
    info->typmod = typmod;
    uint32_t enum_oid = t->typtype == 'e' ? t->oid : 0;
    if (t->elem) {
        /* Arrays of domains are not mapped (Debezium omits them): keep the 'd'. */
        const type_row_t *e = type_of(conn, tc, t->elem, errstr, errstr_size);
        if (!e) return -1;
        info->elem_type_name = strdup(e->name);
        info->elem_typtype = e->typtype;
        if (e->typtype == 'e') enum_oid = e->oid;
    }
    if (enum_oid) {
        size_t n;
        char **labels = enum_labels(conn, enum_oid, &n, errstr, errstr_size);
        if (!labels) return -1;
        info->enum_labels = (const char *const *)labels;
        info->n_enum_labels = n;
    }
    return 0;
}

int pg_catalog_read(PGconn *conn, const pg_bound_t *bound, const pgo_relation_t *rel, pg_catalog_table_t *out, char *errstr,
                    size_t errstr_size) {
    memset(out, 0, sizeof(*out));
    cur_bound = bound;
    out->relid = rel->oid;
    out->schema = strdup(rel->nspname);
    out->table = strdup(rel->relname);
    out->replica_identity = rel->replica_identity;
    type_cache_t tc = {0};
    int rc = -1;
    PGresult *cols = query(conn,
                           "SELECT a.attname, a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid), "
                           "a.atttypid "
                           "FROM pg_catalog.pg_attribute a "
                           "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                           "WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped",
                           rel->oid, errstr, errstr_size);
    /* Primary key columns in key order, else those of the first unique index by name (what
     * JDBC's getIndexInfo gives Debezium). */
    PGresult *keys = cols ? query(conn,
                 "SELECT a.attname FROM (SELECT i.indkey, i.indisprimary, c.relname "
                 "  FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
                 "  WHERE i.indrelid = $1 AND i.indisunique AND i.indpred IS NULL "
                 "  AND i.indexprs IS NULL ORDER BY i.indisprimary DESC, c.relname LIMIT 1) x, "
                 "LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, pos) "
                 "JOIN pg_catalog.pg_attribute a ON a.attrelid = $1 AND a.attnum = k.attnum "
                 "ORDER BY k.pos",
                 rel->oid, errstr, errstr_size) : NULL;
    if (!cols || !keys) goto done;

    out->n_columns = rel->ncols;
    out->columns = calloc(out->n_columns + 1, sizeof(pg_catalog_column_t));
    for (size_t i = 0; i < out->n_columns; i++) {
        pg_catalog_column_t *c = &out->columns[i];
        const pgo_column_t *w = &rel->columns[i];
        c->attnum = (int)i + 1;
        c->info.name = strdup(w->name);
        for (int r = 0; r < PQntuples(cols); r++) {
            if (strcmp(PQgetvalue(cols, r, 0), w->name) != 0) continue;
            /* NOT NULL and the default only while the catalog still has the column's type. */
            if ((uint32_t)strtoul(PQgetvalue(cols, r, 3), NULL, 10) == w->type_oid) {
                c->info.not_null = PQgetvalue(cols, r, 1)[0] == 't';
                c->info.default_expr = dup_or_null(cols, r, 2);
            }
        }
        if (fill_type(conn, &tc, w->type_oid, w->atttypmod, &c->info, errstr, errstr_size) != 0) goto done;
        if (fill_source_type(conn, &tc, w->type_oid, w->atttypmod, &c->info, errstr, errstr_size) != 0) goto done;
    }
    for (int k = 0; k < PQntuples(keys); k++) {
        for (size_t i = 0; i < out->n_columns; i++)
            if (!strcmp(out->columns[i].info.name, PQgetvalue(keys, k, 0))) {
                out->columns[i].key_position = k + 1;
                out->n_key++;
            }
    }
    rc = 0;
done:
    PQclear(cols);
    PQclear(keys);
    for (size_t i = 0; i < tc.n; i++) free(tc.rows[i].name);
    free(tc.rows);
    if (rc != 0) pg_catalog_clear(out);
    return rc;
}

void pg_catalog_clear(pg_catalog_table_t *t) {
    for (size_t i = 0; i < t->n_columns; i++) {
        pg_column_info_t *c = &t->columns[i].info;
        free((char *)c->name);
        free((char *)c->type_name);
        free((char *)c->source_type);
        free((char *)c->elem_type_name);
        free((char *)c->default_expr);
        for (size_t j = 0; j < c->n_enum_labels; j++) free((char *)c->enum_labels[j]);
        free((void *)c->enum_labels);
    }
    free(t->columns);
    free(t->schema);
    free(t->table);
    memset(t, 0, sizeof(*t));
}
