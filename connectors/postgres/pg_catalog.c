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
