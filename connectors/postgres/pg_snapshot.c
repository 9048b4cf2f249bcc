/* pg_snapshot.c - the initial snapshot of pg_snapshot.h: which tables, in which order, split into
 * which chunks; the reader threads that COPY chunks on connections sharing one snapshot; and the
 * task-thread side that turns their rows into op "r" records in chunk order, with Debezium's
 * source.snapshot markers and offsets, and logs the progress. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connectors/postgres/pg_signal.h"
#include "connectors/postgres/pg_task.h"
#include "xalloc.h"

/* Rows not yet emitted that one chunk may hold before its reader waits. */
#define CHUNK_PENDING_MAX (4u << 20)
/* A reader hands rows over in batches of about this size (fewer lock round trips). */
#define READER_BATCH (64u << 10)
#define PROGRESS_EVERY_MS 10000

bool pg_snapshot_needed(const pg_config_t *c, const pg_pos_t *offset, bool slot_exists) {
    bool in_progress = offset && offset->snapshot && !offset->snapshot_completed;
    switch (c->snapshot) {
    case PG_SNAPSHOT_ALWAYS:
        return true;
    case PG_SNAPSHOT_NO_DATA:
        return false;
    case PG_SNAPSHOT_INITIAL:
    case PG_SNAPSHOT_INITIAL_ONLY:
        return !offset || in_progress;
    case PG_SNAPSHOT_WHEN_NEEDED:
        /* ... and when the stored position is gone with its slot (a data error) */
        return !offset || in_progress || !slot_exists;
    case PG_SNAPSHOT_CONFIGURATION_BASED:
        return c->cb_snapshot_data || (offset && !slot_exists && c->cb_on_data_error);
    }
    return false;
}

bool pg_snapshot_streams(const pg_config_t *c) {
    if (c->snapshot == PG_SNAPSHOT_INITIAL_ONLY) return false;
    if (c->snapshot == PG_SNAPSHOT_CONFIGURATION_BASED) return c->cb_start_stream;
    return true;
}

/* ------------------------------------------------------------------ the plan */

typedef struct {
    uint32_t oid;
    char *schema, *table, *dc; /* dc: "<schema>.<table>" */
    char *copy_select;         /* the SELECT that COPY runs, without the chunk's ctid range */
    bool chunkable;            /* an ordinary table read by its own rows: ctid ranges apply */
    uint64_t pages;            /* heap blocks when the snapshot began */
    double est_rows;           /* pg_class.reltuples; < 0 unknown */
    rel_t *rel;
    bool skip;                 /* nothing to read (no columns) */
    uint64_t rows;             /* emitted */
} snap_table_t;

typedef struct {
    size_t table;
    uint64_t from, to;         /* heap blocks [from, to); to = 0: open-ended */
    bool ranged;               /* false: the whole table, no ctid predicate */
    /* filled by a reader, taken by the task thread (under s->lock) */
    char *buf;
    size_t len, cap;
    bool done, failed;
    char err[512];
} chunk_t;

struct pg_snapshot {
    snap_table_t *tables;
    size_t n_tables;
    chunk_t *chunks;
    size_t n_chunks;
    bool threads_marking;      /* snapshot.max.threads > 1: Debezium marks no first/last table */
    const pg_snapshot_request_t *blocking; /* while opening a blocking snapshot */

    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t next_take;          /* the next chunk a reader takes */
    size_t emit;               /* the chunk the task emits from */
    atomic_bool stop;
    PGconn **conns;
    pthread_t *threads;
    size_t n_threads, started;

    /* the task thread's side */
    char *local;               /* rows taken from the current chunk */
    size_t local_len, local_pos, local_cap;
    char *pending;             /* the row before the current one (Debezium buffers one) */
    size_t pending_len, pending_cap, pending_table, pending_chunk;
    bool has_pending, pending_first;
    size_t last_table;         /* table of the previous row emitted (first-in-table marking) */
    pg_pos_t base;             /* the offset every record carries, before its own keys */
    pgo_value_t *vals;
    size_t vals_cap;
    char *decoded;
    size_t decoded_cap;

    uint64_t rows, est_total;
    int64_t started_ms, next_log_ms, next_report_ms;
    size_t tables_done;
};

static void free_tables(pg_snapshot_t *s) {
    for (size_t i = 0; i < s->n_tables; i++) {
        free(s->tables[i].schema);
        free(s->tables[i].table);
        free(s->tables[i].dc);
        free(s->tables[i].copy_select);
    }
    free(s->tables);
    s->tables = NULL;
    s->n_tables = 0;
}

static int exec_ok(PGconn *c, const pg_bound_t *b, const char *sql, char *errstr, size_t errstr_size) {
    char err[1024];
    PGresult *r = pg_exec(c, sql, 0, NULL, b, err, sizeof(err));
    if (!r) {
        snprintf(errstr, errstr_size, "%s: %s", sql, err);
        return -1;
    }
    int st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        pg_error_text(errstr, errstr_size, sql, PQresultErrorMessage(r));
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return 0;
}

static char *quoted(PGconn *c, const char *id) {
    char *q = PQescapeIdentifier(c, id, strlen(id));
    char *out = xstrdup(q ? q : id);
    PQfreemem(q);
    return out;
}

/* Debezium's order (RelationalSnapshotChangeEventSource.addSignalingCollectionAndSort): for each
 * table.include.list pattern in turn, the tables it matches sorted by name; all tables sorted
 * when there is no include list. */
static int by_name(const void *a, const void *b) {
    return strcmp(((const snap_table_t *)a)->dc, ((const snap_table_t *)b)->dc);
}

static void order_tables(pg_task_t *t, pg_snapshot_t *s) {
    qsort(s->tables, s->n_tables, sizeof(*s->tables), by_name);
    const pg_regex_list_t *inc = &t->cfg.table_include;
    if (!inc->n) return;
    snap_table_t *out = xmalloc((s->n_tables + 1) * sizeof(*out));
    bool *used = calloc(s->n_tables + 1, 1);
    size_t n = 0;
    for (size_t p = 0; p < inc->n; p++)
        for (size_t i = 0; i < s->n_tables; i++)
            if (!used[i] && java_regex_matches(inc->compiled[p], s->tables[i].dc, strlen(s->tables[i].dc))) {
                out[n++] = s->tables[i];
                used[i] = true;
            }
    for (size_t i = 0; i < s->n_tables; i++) /* matched through the schema lists only */
        if (!used[i]) out[n++] = s->tables[i];
    free(s->tables);
    free(used);
    s->tables = out;
}

/* Whether a blocking snapshot's data-collections (regexes of "<schema>.<table>", whole,
 * case-insensitive) name a table; cond: the index of its additional condition, or -1. */
static bool matches_whole(const char *pattern, const char *id) {
    char err[512];
    java_regex_t *re = java_regex_new(pattern, JAVA_REGEX_CASE_INSENSITIVE, err, sizeof(err));
    if (!re) {
        err[strcspn(err, "\n")] = '\0';
        log_warn(pg_log(), "execute-snapshot: '%s' is not a valid regular expression (%s); it matches no table",
                 pattern, err);
        return false;
    }
    bool m = java_regex_matches(re, id, strlen(id));
    java_regex_free(re);
    return m;
}

static bool requested(const pg_snapshot_request_t *req, const char *schema, const char *table) {
    char *id = xasprintf("%s.%s", schema, table);
    bool in = false;
    for (size_t i = 0; i < req->n_collections && !in; i++) in = matches_whole(req->collections[i], id);
    free(id);
    return in;
}

static const char *requested_select(const pg_snapshot_request_t *req, const char *dc) {
    for (size_t i = 0; req && i < req->n_conditions; i++)
        if (req->conditions[i].filter && matches_whole(req->conditions[i].collection, dc)) return req->conditions[i].filter;
    return NULL;
}

/* The captured tables the snapshot reads, with their size. */
static int list_tables(pg_task_t *t, pg_snapshot_t *s, char *errstr, size_t errstr_size) {
    char err[1024];
    /* Leaf tables, as the stream names their changes; the partitioned roots instead when
     * publish.via.partition.root makes the stream name those. */
    const char *sql = t->cfg.publish_via_partition_root
                          ? "SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples, "
                            "pg_catalog.pg_relation_size(c.oid) / current_setting('block_size')::bigint "
                            "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE (c.relkind = 'p' OR (c.relkind = 'r' AND NOT c.relispartition))"
                          : "SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples, "
                            "pg_catalog.pg_relation_size(c.oid) / current_setting('block_size')::bigint "
                            "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE c.relkind = 'r'";
    PGresult *r = pg_exec(t->conn, sql, 0, NULL, &t->bound, err, sizeof(err));
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(errstr, errstr_size, "Could not list the tables to snapshot: %s", r ? PQresultErrorMessage(r) : err);
        PQclear(r);
        return -1;
    }
    s->tables = calloc((size_t)PQntuples(r) + 1, sizeof(*s->tables));
    for (int i = 0; i < PQntuples(r); i++) {
        const char *schema = PQgetvalue(r, i, 1), *table = PQgetvalue(r, i, 2);
        if (!pg_config_table_included(&t->cfg, schema, table)) continue;
        if (s->blocking ? !requested(s->blocking, schema, table) : !pg_config_snapshot_included(&t->cfg, schema, table))
            continue;
        snap_table_t *x = &s->tables[s->n_tables++];
        x->oid = (uint32_t)strtoul(PQgetvalue(r, i, 0), NULL, 10);
        x->schema = xstrdup(schema);
        x->table = xstrdup(table);
        x->dc = xasprintf("%s.%s", schema, table);
        x->chunkable = PQgetvalue(r, i, 3)[0] == 'r';
        x->est_rows = strtod(PQgetvalue(r, i, 4), NULL);
        x->pages = strtoull(PQgetvalue(r, i, 5), NULL, 10);
    }
    PQclear(r);
    /* The signal table's rows are never snapshotted (Debezium skips it). */
    if (t->cfg.signal_data_collection) {
        for (size_t i = 0; i < s->n_tables; i++) {
            if (strcmp(s->tables[i].dc, t->cfg.signal_data_collection) != 0) continue;
            free(s->tables[i].schema);
            free(s->tables[i].table);
            free(s->tables[i].dc);
            s->tables[i] = s->tables[--s->n_tables];
            break;
        }
    }
    order_tables(t, s);
    return 0;
}

/* The table as a Relation message would describe it (pgoutput leaves dropped and generated
 * columns out), loaded into the task's relation cache; the SELECT that COPY runs. */
static int describe_table(pg_task_t *t, pg_snapshot_t *s, snap_table_t *x, char *errstr, size_t errstr_size) {
    char err[1024];
    /* From the catalog as of the snapshot (its transaction), not a Relation message the stream
     * may have sent before an ALTER TABLE (a blocking snapshot). */
    x->rel = pg_relation_by_name(t, x->schema, x->table, true, errstr, errstr_size);
    if (!x->rel && !errstr[0]) {
        log_warn(pg_log(), "[%s] Table '%s' has no columns (or was dropped since it was listed): not snapshotted",
                 cd_task_connector_name(t->ctx), x->dc);
        x->skip = true;
        return 0;
    }
    int rc = x->rel ? 0 : -1;
    size_t n = rc == 0 ? x->rel->n_wire : 0;
    sb_t sel = {0};
    char *qt = NULL;
    const char *over = rc == 0 ? requested_select(s->blocking, x->dc) : NULL;
    if (rc == 0 && !over) over = pg_config_snapshot_select(&t->cfg, x->schema, x->table);
    PGresult *probe = NULL;
    if (over) {
        /* The override's columns, by name, as Debezium maps a result set onto the table; a
         * column the override leaves out is null. */
        char *q = xasprintf("SELECT * FROM (%s) AS connectd_override LIMIT 0", over);
        probe = pg_exec(t->conn, q, 0, NULL, &t->bound, err, sizeof(err));
        free(q);
        if (!probe || PQresultStatus(probe) != PGRES_TUPLES_OK) {
            snprintf(errstr, errstr_size, "snapshot.select.statement.overrides.%s does not run: %s", x->dc,
                     probe ? PQresultErrorMessage(probe) : err);
            rc = -1;
        }
    }
    if (rc == 0) {
        sb_add(&sel, "SELECT ");
        for (size_t i = 0; i < n; i++) {
            const char *name = x->rel->cat.columns[i].info.name;
            char *qc = quoted(t->conn, name);
            bool present = !over;
            for (int f = 0; over && f < PQnfields(probe); f++)
                if (!strcmp(PQfname(probe, f), name)) present = true;
            if (i) sb_add(&sel, ", ");
            sb_add(&sel, present ? qc : "NULL");
            free(qc);
        }
        if (over) {
            sb_add(&sel, " FROM (");
            sb_add(&sel, over);
            sb_add(&sel, ") AS connectd_override");
            x->chunkable = false;
        } else {
            char *qs = quoted(t->conn, x->schema);
            qt = quoted(t->conn, x->table);
            sb_add(&sel, " FROM ");
            sb_add(&sel, qs);
            sb_addc(&sel, '.');
            sb_add(&sel, qt);
            free(qs);
        }
        x->copy_select = sb_take(&sel);
    }
    free(qt);
    PQclear(probe);
    return rc;
}

/* Chunks of about snapshot.fetch.size rows, by the table's rows per heap block. */
static void plan_chunks(pg_task_t *t, pg_snapshot_t *s, const pg_pos_t *resume) {
    char **names = calloc(s->n_tables + 1, sizeof(char *));
    size_t n_names = 0;
    for (size_t i = 0; i < s->n_tables; i++)
        if (!s->tables[i].skip) names[n_names++] = s->tables[i].dc;
    pg_metrics_snapshot_begin(t, names, n_names);
    free(names);
    size_t cap = 16;
    s->chunks = calloc(cap, sizeof(*s->chunks));
    size_t first_table = 0;
    uint64_t first_block = 0;
    if (resume && resume->snapshot_table[0]) {
        for (size_t i = 0; i < s->n_tables; i++)
            if (!strcmp(s->tables[i].dc, resume->snapshot_table)) {
                first_table = i;
                first_block = resume->snapshot_block;
            }
    }
    for (size_t i = first_table; i < s->n_tables; i++) {
        snap_table_t *x = &s->tables[i];
        if (x->skip) continue;
        uint64_t per = 128;
        if (x->est_rows > 0 && x->pages > 0) {
            double rows_per_block = x->est_rows / (double)x->pages;
            per = (uint64_t)((double)t->cfg.snapshot_fetch_size / (rows_per_block > 1 ? rows_per_block : 1));
            if (per < 1) per = 1;
        }
        uint64_t from = i == first_table ? first_block : 0;
        if (!x->chunkable) from = 0;
        do {
            if (s->n_chunks == cap) {
                s->chunks = realloc(s->chunks, (cap *= 2) * sizeof(*s->chunks));
                memset(s->chunks + s->n_chunks, 0, (cap - s->n_chunks) * sizeof(*s->chunks));
            }
            chunk_t *c = &s->chunks[s->n_chunks++];
            c->table = i;
            c->from = from;
            c->ranged = x->chunkable && (from > 0 || x->pages > per);
            /* The last chunk is open-ended: rows the snapshot sees cannot lie beyond the heap's
             * size now, but an open end costs nothing and needs no such argument. */
            c->to = x->chunkable && from + per < x->pages ? from + per : 0;
            from += per;
        } while (x->chunkable && from < x->pages);
    }
}

/* ------------------------------------------------------------------ reader threads */

typedef struct {
    pg_snapshot_t *s;
    size_t idx;
} reader_arg_t;

/* Hands rows over; false when the snapshot stops (the reader then gives up its chunk). */
static bool chunk_append(pg_snapshot_t *s, size_t k, const char *data, size_t len) {
    chunk_t *c = &s->chunks[k];
    pthread_mutex_lock(&s->lock);
    /* A chunk ahead of the one being emitted keeps at most CHUNK_PENDING_MAX bytes. */
    while (c->len > CHUNK_PENDING_MAX && s->emit != k && !atomic_load(&s->stop)) pthread_cond_wait(&s->cond, &s->lock);
    while (c->len > 4 * CHUNK_PENDING_MAX && !atomic_load(&s->stop)) pthread_cond_wait(&s->cond, &s->lock);
    if (atomic_load(&s->stop)) {
        pthread_mutex_unlock(&s->lock);
        return false;
    }
    if (c->len + len > c->cap) {
        c->cap = (c->len + len) * 2;
        c->buf = realloc(c->buf, c->cap);
    }
    memcpy(c->buf + c->len, data, len);
    c->len += len;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    return true;
}

static void chunk_finish(pg_snapshot_t *s, size_t k, const char *err) {
    pthread_mutex_lock(&s->lock);
    s->chunks[k].done = true;
    if (err) {
        s->chunks[k].failed = true;
        snprintf(s->chunks[k].err, sizeof(s->chunks[k].err), "%s", err);
    }
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

/* COPY one chunk, handing its rows over in batches. Returns 0, or -1 with err. */
static int copy_chunk(pg_snapshot_t *s, PGconn *conn, size_t k, char *err, size_t err_size) {
    chunk_t *c = &s->chunks[k];
    snap_table_t *x = &s->tables[c->table];
    char *sql;
    if (!c->ranged)
        sql = xasprintf("COPY (%s) TO STDOUT", x->copy_select);
    else if (c->to)
        sql = xasprintf("COPY (%s WHERE ctid >= '(%" PRIu64 ",0)'::tid AND ctid < '(%" PRIu64 ",0)'::tid) TO STDOUT",
                        x->copy_select, c->from, c->to);
    else
        sql = xasprintf("COPY (%s WHERE ctid >= '(%" PRIu64 ",0)'::tid) TO STDOUT", x->copy_select, c->from);
    int ok = PQsendQuery(conn, sql);
    free(sql);
    if (!ok) {
        pg_error_text(err, err_size, "Could not send the snapshot's COPY", PQerrorMessage(conn));
        return -1;
    }
    PGresult *r = NULL;
    while (!atomic_load(&s->stop)) { /* until COPY OUT starts, or an error */
        if (!PQisBusy(conn)) {
            r = PQgetResult(conn);
            break;
        }
        struct pollfd pfd = {.fd = PQsocket(conn), .events = POLLIN};
        if (poll(&pfd, 1, 200) > 0 && !PQconsumeInput(conn)) break;
    }
    if (!r || PQresultStatus(r) != PGRES_COPY_OUT) {
        pg_error_text(err, err_size, "The snapshot's COPY failed",
                      r ? PQresultErrorMessage(r) : atomic_load(&s->stop) ? "stopped" : PQerrorMessage(conn));
        PQclear(r);
        return -1;
    }
    PQclear(r);
    char *batch = xmalloc(READER_BATCH * 2);
    size_t blen = 0, bcap = READER_BATCH * 2;
    int rc = 0;
    for (;;) {
        char *row;
        int n = PQgetCopyData(conn, &row, 1);
        if (n > 0) {
            bool stopping = false;
            if (blen + (size_t)n > bcap) {
                stopping = blen && !chunk_append(s, k, batch, blen);
                blen = 0;
                if ((size_t)n > bcap) batch = realloc(batch, bcap = (size_t)n * 2);
            }
            if (stopping) { /* the rest of the COPY is not read */
                PQfreemem(row);
                snprintf(err, err_size, "stopped");
                rc = -1;
                break;
            }
            memcpy(batch + blen, row, (size_t)n);
            blen += (size_t)n;
            PQfreemem(row);
            if (blen >= READER_BATCH) {
                if (!chunk_append(s, k, batch, blen)) {
                    snprintf(err, err_size, "stopped");
                    rc = -1;
                    break;
                }
                blen = 0;
            }
            continue;
        }
        if (n == 0) {
            if (atomic_load(&s->stop)) {
                snprintf(err, err_size, "stopped");
                rc = -1;
                break;
            }
            struct pollfd pfd = {.fd = PQsocket(conn), .events = POLLIN};
            if (poll(&pfd, 1, 200) > 0 && !PQconsumeInput(conn)) {
                pg_error_text(err, err_size, "The snapshot's connection was lost", PQerrorMessage(conn));
                rc = -1;
                break;
            }
            continue;
        }
        if (n == -1) { /* COPY done: its final result */
            PGresult *fin = PQgetResult(conn);
            if (PQresultStatus(fin) != PGRES_COMMAND_OK) {
                pg_error_text(err, err_size, "The snapshot's COPY failed", PQresultErrorMessage(fin));
                rc = -1;
            }
            PQclear(fin);
            while ((fin = PQgetResult(conn))) PQclear(fin);
            break;
        }
        pg_error_text(err, err_size, "The snapshot's COPY failed", PQerrorMessage(conn));
        rc = -1;
        break;
    }
    if (rc == 0 && blen && !chunk_append(s, k, batch, blen)) {
        snprintf(err, err_size, "stopped");
        rc = -1;
    }
    free(batch);
    return rc;
}

static void *reader_main(void *arg) {
    reader_arg_t *ra = arg;
    pg_snapshot_t *s = ra->s;
    PGconn *conn = s->conns[ra->idx];
    free(ra);
    for (;;) {
        pthread_mutex_lock(&s->lock);
        while (!atomic_load(&s->stop) && s->next_take < s->n_chunks && s->next_take >= s->emit + s->n_threads)
            pthread_cond_wait(&s->cond, &s->lock);
        if (atomic_load(&s->stop) || s->next_take >= s->n_chunks) {
            pthread_mutex_unlock(&s->lock);
            return NULL;
        }
        size_t k = s->next_take++;
        pthread_mutex_unlock(&s->lock);
        char err[512] = "";
        int rc = copy_chunk(s, conn, k, err, sizeof(err));
        chunk_finish(s, k, rc == 0 ? NULL : err);
        if (rc != 0) return NULL; /* the connection is unusable; the task fails on this chunk */
    }
}

/* ------------------------------------------------------------------ opening */

static const char *isolation_sql(pg_isolation_mode_t m) {
    switch (m) {
    case PG_ISOLATION_REPEATABLE_READ:
        return "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;";
    case PG_ISOLATION_READ_COMMITTED:
        return "SET TRANSACTION ISOLATION LEVEL READ COMMITTED, READ ONLY;";
    case PG_ISOLATION_READ_UNCOMMITTED:
        return "SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED, READ ONLY;";
    default:
        return "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE;";
    }
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int import_snapshot(pg_task_t *t, PGconn *c, const char *name, char *errstr, size_t errstr_size) {
    char *esc = PQescapeLiteral(c, name, strlen(name));
    char *sql = xasprintf("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT %s;",
                          esc ? esc : "''");
    PQfreemem(esc);
    int rc = exec_ok(c, &t->bound, sql, errstr, errstr_size);
    free(sql);
    return rc;
}

static pg_snapshot_t *open_snapshot(pg_task_t *t, const char *exported, const pg_pos_t *start, const pg_pos_t *resume,
                                    const pg_snapshot_request_t *blocking, char *errstr, size_t errstr_size) {
    pg_snapshot_t *s = calloc(1, sizeof(*s));
    s->blocking = blocking;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    t->snap = s;
    char err[1024];
    /* The main transaction, on the task's connection: the catalog is read in it too, so the
     * tables' descriptions are those of the rows' snapshot. */
    if (exported) {
        char *esc = PQescapeLiteral(t->conn, exported, strlen(exported));
        char *sql = xasprintf("BEGIN; SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION SNAPSHOT %s;",
                              esc ? esc : "''");
        PQfreemem(esc);
        int rc = exec_ok(t->conn, &t->bound, sql, errstr, errstr_size);
        free(sql);
        if (rc) goto fail;
    } else {
        char *sql = xasprintf("BEGIN; %s", isolation_sql(t->cfg.snapshot_isolation));
        int rc = exec_ok(t->conn, &t->bound, sql, errstr, errstr_size);
        free(sql);
        if (rc) goto fail;
    }
    if (list_tables(t, s, errstr, errstr_size) != 0) goto fail;
    if (t->cfg.snapshot_lock_shared && s->n_tables) {
        sb_t b = {0};
        char *l = xasprintf("SET lock_timeout = %lld;", (long long)t->cfg.snapshot_lock_timeout_ms);
        sb_add(&b, l);
        free(l);
        for (size_t i = 0; i < s->n_tables; i++) {
            char *qs = quoted(t->conn, s->tables[i].schema), *qt = quoted(t->conn, s->tables[i].table);
            l = xasprintf(" LOCK TABLE %s.%s IN ACCESS SHARE MODE;", qs, qt);
            sb_add(&b, l);
            free(l);
            free(qs);
            free(qt);
        }
        log_info(pg_log(), "Waiting a maximum of '%lld' seconds for each table lock",
                 (long long)(t->cfg.snapshot_lock_timeout_ms / 1000));
        char *sql = sb_take(&b);
        int rc = exec_ok(t->conn, &t->bound, sql, errstr, errstr_size);
        free(sql);
        if (rc) goto fail;
    }
    /* The snapshot transaction's id and start time: txId and ts_usec of every record. */
    PGresult *r = pg_exec(t->conn,
                          "SELECT pg_catalog.pg_current_xact_id()::text, "
                          "(extract(epoch FROM CURRENT_TIMESTAMP) * 1000000)::bigint",
                          0, NULL, &t->bound, err, sizeof(err));
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(errstr, errstr_size, "Could not read the snapshot transaction's id: %s",
                 r ? PQresultErrorMessage(r) : err);
        PQclear(r);
        goto fail;
    }
    if (s->blocking) {
        s->base = t->pos; /* the streaming position it interrupts, whole */
        s->base.snapshot_blocking = true;
    } else {
        s->base = *start;
        s->base.txid = 0;
        s->base.type = PG_MSG_NONE;
        s->base.events = 0;
    }
    s->base.known = true;
    s->base.snapshot = true;
    s->base.last_snapshot_record = s->base.snapshot_completed = false;
    s->base.txid_snapshot = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    s->base.ts_usec = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);
    for (size_t i = 0; i < s->n_tables; i++)
        if (describe_table(t, s, &s->tables[i], errstr, errstr_size) != 0) goto fail;
    plan_chunks(t, s, resume);
    s->threads_marking = t->cfg.snapshot_max_threads > 1;
    for (size_t i = 0; i < s->n_tables; i++)
        if (s->tables[i].est_rows > 0) s->est_total += (uint64_t)s->tables[i].est_rows;

    /* Reader connections, each in the same snapshot: the slot's, or one the main transaction
     * exports (a read-committed snapshot has none to share: one reader then). */
    size_t want = (size_t)(t->cfg.snapshot_max_threads > 0 ? t->cfg.snapshot_max_threads : 1);
    if (want > s->n_chunks) want = s->n_chunks ? s->n_chunks : 1;
    char *shared = exported ? xstrdup(exported) : NULL;
    if (!exported && s->n_chunks) {
        bool can_share = t->cfg.snapshot_isolation == PG_ISOLATION_SERIALIZABLE ||
                         t->cfg.snapshot_isolation == PG_ISOLATION_REPEATABLE_READ;
        if (can_share) {
            r = pg_exec(t->conn, "SELECT pg_catalog.pg_export_snapshot()", 0, NULL, &t->bound, err, sizeof(err));
            if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
                snprintf(errstr, errstr_size, "Could not export the snapshot to its readers: %s",
                         r ? PQresultErrorMessage(r) : err);
                PQclear(r);
                goto fail;
            }
            shared = xstrdup(PQgetvalue(r, 0, 0));
            PQclear(r);
        } else {
            want = 1;
        }
    }
    s->conns = calloc(want + 1, sizeof(PGconn *));
    s->threads = calloc(want + 1, sizeof(pthread_t));
    for (size_t i = 0; i < want && s->n_chunks; i++) {
        bool fatal;
        s->conns[i] = pg_open_regular(t, errstr, errstr_size, &fatal);
        if (!s->conns[i]) {
            free(shared);
            goto fail;
        }
        s->n_threads++;
        int rc = shared ? import_snapshot(t, s->conns[i], shared, errstr, errstr_size)
                        : exec_ok(s->conns[i], &t->bound, "BEGIN; SET TRANSACTION ISOLATION LEVEL READ COMMITTED, READ ONLY;",
                                  errstr, errstr_size);
        if (rc) {
            free(shared);
            goto fail;
        }
    }
    free(shared);
    for (size_t i = 0; i < s->n_threads; i++) {
        reader_arg_t *ra = malloc(sizeof(*ra));
        ra->s = s;
        ra->idx = i;
        if (pthread_create(&s->threads[i], NULL, reader_main, ra) != 0) {
            free(ra);
            snprintf(errstr, errstr_size, "Could not start a snapshot reader thread: %s", strerror(errno));
            goto fail;
        }
        s->started++;
    }
    s->blocking = NULL; /* the request is the caller's */
    s->started_ms = now_ms();
    s->next_log_ms = s->started_ms + PROGRESS_EVERY_MS;
    s->last_table = (size_t)-1;
    log_info(pg_log(), "[%s] Snapshotting %zu table(s) (about %" PRIu64 " rows) in %zu chunk(s) on %zu connection(s)%s",
             cd_task_connector_name(t->ctx), s->n_tables, s->est_total, s->n_chunks, s->n_threads,
             resume && resume->snapshot_table[0] ? ", going on from the interrupted snapshot's last chunk" : "");
    return s;
fail:
    pg_snapshot_close(t);
    return NULL;
}

pg_snapshot_t *pg_snapshot_open(pg_task_t *t, const char *exported, const pg_pos_t *start, const pg_pos_t *resume,
                                char *errstr, size_t errstr_size) {
    return open_snapshot(t, exported, start, resume, NULL, errstr, errstr_size);
}

pg_snapshot_t *pg_snapshot_open_blocking(pg_task_t *t, const pg_snapshot_request_t *req, char *errstr,
                                         size_t errstr_size) {
    return open_snapshot(t, NULL, NULL, NULL, req, errstr, errstr_size);
}

/* ------------------------------------------------------------------ emitting */

static int hexdig(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* One COPY text row (without its newline) into values: tab-separated, \N for null, backslash
 * escapes decoded (PostgreSQL's COPY TO writes \b \f \n \r \t \v \\; octal and \x are read too,
 * as COPY FROM reads them). */
static int parse_row(pg_snapshot_t *s, const char *row, size_t len, size_t ncols, char *errstr, size_t errstr_size) {
    if (s->vals_cap < ncols + 1) s->vals = realloc(s->vals, (s->vals_cap = ncols + 1) * sizeof(pgo_value_t));
    if (s->decoded_cap < len + 1) s->decoded = realloc(s->decoded, s->decoded_cap = len + 1);
    size_t col = 0, o = 0, i = 0;
    if (ncols == 0 && len == 0) return 0; /* a table without columns */
    for (;;) {
        size_t start = o;
        bool null = false;
        if (i + 1 < len && row[i] == '\\' && row[i + 1] == 'N' && (i + 2 == len || row[i + 2] == '\t')) {
            null = true;
            i += 2;
        } else {
            while (i < len && row[i] != '\t') {
                char ch = row[i++];
                if (ch != '\\' || i >= len) {
                    s->decoded[o++] = ch;
                    continue;
                }
                char e = row[i++];
                switch (e) {
                case 'b': s->decoded[o++] = '\b'; break;
                case 'f': s->decoded[o++] = '\f'; break;
                case 'n': s->decoded[o++] = '\n'; break;
                case 'r': s->decoded[o++] = '\r'; break;
                case 't': s->decoded[o++] = '\t'; break;
                case 'v': s->decoded[o++] = '\v'; break;
                case 'x':
                    if (i < len && hexdig(row[i]) >= 0) {
                        int v = hexdig(row[i++]);
                        if (i < len && hexdig(row[i]) >= 0) v = v * 16 + hexdig(row[i++]);
                        s->decoded[o++] = (char)v;
                    } else {
                        s->decoded[o++] = 'x';
                    }
                    break;
                default:
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int d = 0; d < 2 && i < len && row[i] >= '0' && row[i] <= '7'; d++) v = v * 8 + (row[i++] - '0');
                        s->decoded[o++] = (char)v;
                    } else {
                        s->decoded[o++] = e;
                    }
                }
            }
        }
        if (col >= ncols) {
            snprintf(errstr, errstr_size, "The snapshot's COPY returned more than the %zu columns expected", ncols);
            return -1;
        }
        s->vals[col].kind = null ? PGO_VALUE_NULL : PGO_VALUE_TEXT;
        s->vals[col].data = null ? NULL : s->decoded + start;
        s->vals[col].len = null ? 0 : (uint32_t)(o - start);
        col++;
        if (i >= len) break;
        i++; /* the tab */
    }
    if (col != ncols) {
        snprintf(errstr, errstr_size, "The snapshot's COPY returned %zu columns where %zu were expected", col, ncols);
        return -1;
    }
    return 0;
}

/* Debezium's setSnapshotMarker; "last" for the snapshot's final record is set by the caller. */
static const char *marker(const pg_snapshot_t *s, size_t table, bool first_in_table, bool last_in_table) {
    bool first_table = !s->threads_marking && table == 0;
    bool last_table = !s->threads_marking && table == s->n_tables - 1;
    if (last_in_table && last_table) return "last";
    if (first_in_table && first_table) return "first";
    if (last_in_table) return "last_in_data_collection";
    if (first_in_table) return "first_in_data_collection";
    return "true";
}

/* Emits the buffered row (Debezium's BufferingSnapshotChangeRecordReceiver): its marker, and its
 * offset, which names its chunk; the final one says the snapshot is complete. */
static int emit_pending(pg_task_t *t, bool last_in_table, bool final, char *errstr, size_t errstr_size) {
    pg_snapshot_t *s = t->snap;
    snap_table_t *x = &s->tables[s->pending_table];
    size_t ncols = x->rel->n_wire;
    if (parse_row(s, s->pending, s->pending_len, ncols, errstr, errstr_size) != 0) {
        size_t l = strlen(errstr);
        snprintf(errstr + l, errstr_size - l, " (table %s)", x->dc);
        return -1;
    }
    pgo_tuple_t row = {(uint16_t)ncols, s->vals};
    const chunk_t *c = &s->chunks[s->pending_chunk];
    t->pos = s->base;
    if (final) {
        t->pos.last_snapshot_record = t->pos.snapshot_completed = true;
    } else if (!s->base.snapshot_blocking) {
        snprintf(t->pos.snapshot_table, sizeof(t->pos.snapshot_table), "%s", x->dc);
        t->pos.snapshot_block = c->ranged ? c->from : 0;
    }
    const char *m = final ? "last" : marker(s, s->pending_table, s->pending_first, last_in_table);
    if (pg_send_snapshot_row(t, x->rel, &row, m, errstr, errstr_size) != 0) return -1;
    pg_metrics_snapshot_row(t, x->dc);
    s->has_pending = false;
    return 0;
}

/* The task status shows the progress about every second (cd_task_report_progress), the log
 * every PROGRESS_EVERY_MS. */
static void log_progress(pg_task_t *t, bool force) {
    pg_snapshot_t *s = t->snap;
    int64_t now = now_ms();
    if (!force && now < s->next_report_ms) return;
    s->next_report_ms = now + 1000;
    double secs = (double)(now - s->started_ms) / 1000.0;
    double rate = secs > 0 ? (double)s->rows / secs : 0;
    size_t table = s->emit < s->n_chunks ? s->chunks[s->emit].table : s->n_tables ? s->n_tables - 1 : 0;
    double left_s = s->est_total > s->rows && rate > 0 ? (double)(s->est_total - s->rows) / rate : 0;
    char *json = xasprintf("{\"snapshot\":{\"rows\":%" PRIu64 ",\"estimated_rows\":%" PRIu64 ",\"tables_done\":%zu,"
                           "\"tables\":%zu,\"rows_per_second\":%.0f,\"seconds_left\":%.0f}}",
                           s->rows, s->est_total, s->tables_done, s->n_tables, rate, left_s);
    cd_task_report_progress(t->ctx, json);
    free(json);
    if (!force && now < s->next_log_ms) return;
    s->next_log_ms = now + PROGRESS_EVERY_MS;
    char left[96] = "";
    if (left_s > 0) snprintf(left, sizeof(left), ", about %.0f s left", left_s);
    log_info(pg_log(), "[%s] Snapshot: %" PRIu64 " rows of about %" PRIu64 " (%.0f%%), %zu of %zu tables done%s%s%s, "
                       "%.0f rows/s%s",
             cd_task_connector_name(t->ctx), s->rows, s->est_total,
             s->est_total ? 100.0 * (double)s->rows / (double)s->est_total : 100.0, s->tables_done, s->n_tables,
             s->n_tables ? ", now '" : "", s->n_tables ? s->tables[table].dc : "", s->n_tables ? "'" : "", rate, left);
}

/* A new row from chunk k: the buffered one goes out, this one is buffered. */
static int take_row(pg_task_t *t, size_t k, const char *row, size_t len, char *errstr, size_t errstr_size) {
    pg_snapshot_t *s = t->snap;
    size_t table = s->chunks[k].table;
    if (s->has_pending && emit_pending(t, s->pending_table != table, false, errstr, errstr_size) != 0) return -1;
    if (s->pending_cap < len) s->pending = realloc(s->pending, s->pending_cap = len * 2);
    memcpy(s->pending, row, len);
    s->pending_len = len;
    s->pending_table = table;
    s->pending_chunk = k;
    s->pending_first = table != s->last_table;
    s->last_table = table;
    s->has_pending = true;
    s->tables[table].rows++;
    s->rows++;
    return 0;
}

int pg_snapshot_step(pg_task_t *t, int max_rows, char *errstr, size_t errstr_size) {
    pg_snapshot_t *s = t->snap;
    int done = 0;
    while (done < max_rows && !cd_task_stopping(t->ctx)) {
        if (s->local_pos < s->local_len) {
            const char *row = s->local + s->local_pos;
            const char *nl = memchr(row, '\n', s->local_len - s->local_pos);
            size_t len = nl ? (size_t)(nl - row) : s->local_len - s->local_pos;
            s->local_pos += len + 1;
            if (take_row(t, s->emit, row, len, errstr, errstr_size) != 0) return -1;
            done++;
            log_progress(t, false);
            continue;
        }
        pthread_mutex_lock(&s->lock);
        if (s->emit >= s->n_chunks) {
            pthread_mutex_unlock(&s->lock);
            /* Every chunk is emitted but the buffered row: it is the last. */
            if (s->has_pending && emit_pending(t, true, true, errstr, errstr_size) != 0) return -1;
            log_progress(t, true);
            pg_metrics_snapshot_end(t, true);
            log_info(pg_log(), "[%s] Snapshot completed: %" PRIu64 " rows of %zu tables in %.1f s",
                     cd_task_connector_name(t->ctx), s->rows, s->n_tables, (double)(now_ms() - s->started_ms) / 1000);
            return 0;
        }
        chunk_t *c = &s->chunks[s->emit];
        if (c->len) { /* take what the reader has, leaving it an empty buffer */
            char *b = s->local;
            size_t cap = s->local_cap;
            s->local = c->buf;
            s->local_cap = c->cap;
            s->local_len = c->len;
            s->local_pos = 0;
            c->buf = b;
            c->cap = cap;
            c->len = 0;
            pthread_cond_broadcast(&s->cond);
            pthread_mutex_unlock(&s->lock);
            continue;
        }
        if (c->failed) {
            snprintf(errstr, errstr_size, "Snapshot of table %s failed: %s", s->tables[c->table].dc, c->err);
            pthread_mutex_unlock(&s->lock);
            return -1;
        }
        if (c->done) {
            bool table_end = s->emit + 1 >= s->n_chunks || s->chunks[s->emit + 1].table != c->table;
            free(c->buf);
            c->buf = NULL;
            c->cap = 0;
            s->emit++;
            pthread_cond_broadcast(&s->cond);
            pthread_mutex_unlock(&s->lock);
            if (table_end) {
                snap_table_t *x = &s->tables[c->table];
                s->tables_done++;
                pg_metrics_snapshot_table_done(t);
                log_info(pg_log(), "\t Finished exporting %" PRIu64 " records for table '%s' (%zu of %zu tables); total "
                                   "duration %.1f s",
                         x->rows, x->dc, c->table + 1, s->n_tables, (double)(now_ms() - s->started_ms) / 1000);
            }
            continue;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100 * 1000000L;
        if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&s->cond, &s->lock, &until);
        pthread_mutex_unlock(&s->lock);
        log_progress(t, false);
        if (done) break; /* let the runtime flush what was sent */
    }
    return 1;
}

void pg_snapshot_close(pg_task_t *t) {
    pg_snapshot_t *s = t->snap;
    if (!s) return;
    pg_metrics_snapshot_end(t, false); /* aborted, unless it completed (pg_snapshot_step) */
    pthread_mutex_lock(&s->lock);
    atomic_store(&s->stop, true);
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    for (size_t i = 0; i < s->started; i++) pthread_join(s->threads[i], NULL);
    for (size_t i = 0; i < s->n_threads; i++) PQfinish(s->conns[i]); /* ends their transactions */
    free(s->conns);
    free(s->threads);
    /* The main transaction read only: rolling it back ends it (and its locks). */
    if (t->conn && PQtransactionStatus(t->conn) != PQTRANS_IDLE) {
        char err[256];
        PGresult *r = pg_exec(t->conn, "ROLLBACK", 0, NULL, &t->bound, err, sizeof(err));
        if (!r) {
            PQfinish(t->conn); /* abandoned mid-statement: unusable */
            t->conn = NULL;
        }
        PQclear(r);
    }
    for (size_t i = 0; i < s->n_chunks; i++) free(s->chunks[i].buf);
    free(s->chunks);
    free_tables(s);
    free(s->local);
    free(s->pending);
    free(s->vals);
    free(s->decoded);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
    t->snap = NULL;
    cd_task_report_progress(t->ctx, NULL);
}
