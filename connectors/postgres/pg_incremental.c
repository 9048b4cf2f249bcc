/* pg_incremental.c - the incremental snapshot of pg_incremental.h: its state (tables to go, keys),
 * the chunk and maximum-key queries, the watermark rows, the window buffer and its
 * de-duplication, and the progress members of offsets. Messages follow Debezium's
 * AbstractIncrementalSnapshotChangeEventSource, so that runbooks and log searches still match. */
#include "connectors/postgres/pg_incremental.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>

#include "connect/java_regex.h"
#include "connect/json_write.h"
#include "xalloc.h"

static log_logger_t *inc_log(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("io.debezium.pipeline.source.snapshot.incremental.AbstractIncrementalSnapshotChangeEventSource");
    return lg;
}

/* ------------------------------------------------------------------ keys */

char *pg_inc_key_encode(const char *const *values, size_t n) {
    cd_buf_t b = {0};
    cd_jw_char(&b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) cd_jw_char(&b, ',');
        if (values[i]) cd_jw_string(&b, values[i], strlen(values[i]));
        else cd_jw_lit(&b, "null");
    }
    cd_jw_char(&b, ']');
    cd_jw_char(&b, '\0');
    return b.data;
}

void pg_inc_key_free(char **values, size_t n) {
    for (size_t i = 0; values && i < n; i++) free(values[i]);
    free(values);
}

int pg_inc_key_decode(const char *text, char ***values, size_t *n, char *errstr, size_t errstr_size) {
    *values = NULL;
    *n = 0;
    json_object *a = text ? json_tokener_parse(text) : NULL;
    size_t len = a && json_object_get_type(a) == json_type_array ? json_object_array_length(a) : 0;
    if (!a || len == 0) {
        snprintf(errstr, errstr_size,
                 "'%s' is not an incremental snapshot key of connectd (a JSON array of the key columns' values); "
                 "a key written by Java Debezium cannot be read",
                 text ? text : "null");
        json_object_put(a);
        return -1;
    }
    char **v = calloc(len, sizeof(char *));
    for (size_t i = 0; i < len; i++) {
        json_object *e = json_object_array_get_idx(a, i);
        if (e && json_object_get_type(e) != json_type_string) {
            snprintf(errstr, errstr_size, "Incremental snapshot key '%s': element %zu is neither a string nor null",
                     text, i);
            pg_inc_key_free(v, i);
            json_object_put(a);
            return -1;
        }
        v[i] = e ? xstrdup(json_object_get_string(e)) : NULL;
    }
    json_object_put(a);
    *values = v;
    *n = len;
    return 0;
}

/* ------------------------------------------------------------------ queries */

static void add_ident(sb_t *b, const char *id) {
    sb_addc(b, '"');
    for (const char *p = id; *p; p++) {
        if (*p == '"') sb_addc(b, '"');
        sb_addc(b, *p);
    }
    sb_addc(b, '"');
}

static void add_param(sb_t *b, pg_inc_query_t *q, const char *value) {
    char n[16];
    q->params = xrealloc(q->params, (size_t)(q->n_params + 1) * sizeof(char *));
    q->params[q->n_params++] = (char *)value;
    snprintf(n, sizeof(n), "$%d", q->n_params);
    sb_add(b, n);
}

/* Debezium's AbstractChunkQueryBuilder.addLowerBound, for PostgreSQL (NULLs sort last). */
static void lower_bound(sb_t *b, pg_inc_query_t *q, const pg_inc_table_t *tb, const char *const *key) {
    if (tb->n_key > 1) sb_addc(b, '(');
    for (size_t i = 0; i < tb->n_key; i++) {
        sb_addc(b, '(');
        for (size_t j = 0; j <= i; j++) {
            bool last = i == j;
            if (!tb->nullable[j]) {
                add_ident(b, tb->key[j]);
                sb_add(b, last ? " > " : " = ");
                add_param(b, q, key[j]);
            } else if (key[j]) {
                if (last) {
                    sb_addc(b, '(');
                    add_ident(b, tb->key[j]);
                    sb_add(b, " > ");
                    add_param(b, q, key[j]);
                    sb_add(b, " OR ");
                    add_ident(b, tb->key[j]);
                    sb_add(b, " IS NULL)");
                } else {
                    add_ident(b, tb->key[j]);
                    sb_add(b, " = ");
                    add_param(b, q, key[j]);
                }
            } else if (last) {
                sb_add(b, "1 = 0"); /* nothing is greater than NULL */
            } else {
                add_ident(b, tb->key[j]);
                sb_add(b, " IS NULL");
            }
            if (!last) sb_add(b, " AND ");
        }
        sb_addc(b, ')');
        if (i + 1 < tb->n_key) sb_add(b, " OR ");
    }
    if (tb->n_key > 1) sb_addc(b, ')');
}

static void select_from(sb_t *b, const pg_inc_table_t *tb) {
    sb_add(b, "SELECT ");
    for (size_t i = 0; i < tb->n_cols; i++) {
        if (i) sb_add(b, ", ");
        add_ident(b, tb->cols[i]);
    }
    sb_add(b, " FROM ");
    add_ident(b, tb->schema);
    sb_addc(b, '.');
    add_ident(b, tb->table);
}

static bool has_condition(const pg_inc_table_t *tb) { return tb->condition && *tb->condition; }

void pg_inc_chunk_query(const pg_inc_table_t *tb, const char *const *after, const char *const *max_key, int limit,
                        pg_inc_query_t *out) {
    memset(out, 0, sizeof(*out));
    sb_t b = {0};
    select_from(&b, tb);
    if (after) {
        sb_add(&b, " WHERE ");
        lower_bound(&b, out, tb, after);
        sb_add(&b, " AND NOT ");
        lower_bound(&b, out, tb, max_key);
    }
    if (has_condition(tb)) {
        sb_add(&b, after ? " AND (" : " WHERE (");
        sb_add(&b, tb->condition);
        sb_addc(&b, ')');
    }
    sb_add(&b, " ORDER BY ");
    for (size_t i = 0; i < tb->n_key; i++) {
        if (i) sb_add(&b, ", ");
        add_ident(&b, tb->key[i]);
    }
    char lim[32];
    snprintf(lim, sizeof(lim), " LIMIT %d", limit);
    sb_add(&b, lim);
    out->sql = sb_take(&b);
}

char *pg_inc_max_key_query(const pg_inc_table_t *tb) {
    sb_t b = {0};
    select_from(&b, tb);
    if (has_condition(tb)) {
        sb_add(&b, " WHERE (");
        sb_add(&b, tb->condition);
        sb_addc(&b, ')');
    }
    sb_add(&b, " ORDER BY ");
    for (size_t i = 0; i < tb->n_key; i++) {
        if (i) sb_add(&b, ", ");
        add_ident(&b, tb->key[i]);
        sb_add(&b, " DESC");
    }
    sb_add(&b, " LIMIT 1");
    return sb_take(&b);
}

void pg_inc_query_clear(pg_inc_query_t *q) {
    free(q->sql);
    free(q->params);
    memset(q, 0, sizeof(*q));
}

/* ------------------------------------------------------------------ state */

typedef struct {
    char *id; /* "<schema>.<table>" as requested (after expansion) */
    char *schema, *table;
    char *condition; /* NULL: none */
    char *surrogate; /* NULL: the table's key */
} coll_t;

typedef struct {
    char **v;
    size_t n;
    bool set;
} key_t_;

struct pg_incremental {
    coll_t *colls; /* colls[0] is the table being read */
    size_t n_colls;
    key_t_ last_sent, chunk_end, max_key;
    char *correlation_id;
    bool paused;
    char chunk_id[37];
    bool in_flight;   /* a chunk was read and its close watermark written; not seen yet */
    bool window_open; /* the open watermark of that chunk was seen */
    char **stops;     /* stop-snapshot requests, processed before the next chunk */
    size_t n_stops;

    /* the window: one chunk */
    PGresult *chunk;
    uint32_t relid;
    size_t *key_idx; /* chunk columns of the ordering key */
    size_t n_key_idx;
    char **row_key;  /* rendered event key per row; NULL once superseded */
    size_t *row_key_len;
    size_t *slots;   /* open addressing over row_key: row + 1, 0 empty */
    size_t n_slots;

    /* the offset members, rebuilt when the state changes */
    bool dirty;
    char *json[4];
    const char *json_ptrs[4];
};

static const char *const MEMBER_KEYS[4] = {"incremental_snapshot_collections", "incremental_snapshot_primary_key",
                                           "incremental_snapshot_maximum_key", "incremental_snapshot_correlation_id"};

pg_incremental_t *pg_inc_new(void) {
    pg_incremental_t *inc = calloc(1, sizeof(*inc));
    inc->dirty = true;
    return inc;
}

static void key_clear(key_t_ *k) {
    pg_inc_key_free(k->v, k->n);
    memset(k, 0, sizeof(*k));
}

static void key_set(key_t_ *k, const char *const *v, size_t n) {
    char **c = calloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) c[i] = xstrdup(v[i]);
    key_clear(k);
    k->v = c;
    k->n = n;
    k->set = true;
}

static void coll_free(coll_t *c) {
    free(c->id);
    free(c->schema);
    free(c->table);
    free(c->condition);
    free(c->surrogate);
}

static void window_clear(pg_incremental_t *inc) {
    int rows = inc->chunk ? PQntuples(inc->chunk) : 0;
    PQclear(inc->chunk);
    inc->chunk = NULL;
    for (int i = 0; inc->row_key && i < rows; i++) free(inc->row_key[i]);
    free(inc->row_key);
    free(inc->row_key_len);
    free(inc->slots);
    free(inc->key_idx);
    inc->row_key = NULL;
    inc->row_key_len = NULL;
    inc->slots = NULL;
    inc->key_idx = NULL;
    inc->n_slots = 0;
    inc->n_key_idx = 0;
    inc->relid = 0;
}

void pg_inc_destroy(pg_incremental_t *inc) {
    if (!inc) return;
    window_clear(inc);
    for (size_t i = 0; i < inc->n_colls; i++) coll_free(&inc->colls[i]);
    free(inc->colls);
    key_clear(&inc->last_sent);
    key_clear(&inc->chunk_end);
    key_clear(&inc->max_key);
    free(inc->correlation_id);
    for (size_t i = 0; i < inc->n_stops; i++) free(inc->stops[i]);
    free(inc->stops);
    for (int i = 0; i < 4; i++) free(inc->json[i]);
    free(inc);
}

bool pg_inc_running(const pg_incremental_t *inc) { return inc && inc->n_colls > 0; }
bool pg_inc_window_open(const pg_incremental_t *inc) { return inc && inc->window_open && inc->chunk; }

/* "<schema>.<table>" or "<database>.<schema>.<table>" into its schema and table. */
static bool split_id(const char *id, char **schema, char **table) {
    const char *d1 = strchr(id, '.');
    if (!d1) return false;
    const char *d2 = strchr(d1 + 1, '.');
    const char *s = id, *dot = d1;
    if (d2) s = d1 + 1, dot = d2;
    if (dot == s || !dot[1] || strchr(dot + 1, '.')) return false;
    *schema = xasprintf("%.*s", (int)(dot - s), s);
    *table = xstrdup(dot + 1);
    return true;
}

static char *json_string_or_null(const char *s) {
    if (!s) return xstrdup("null");
    cd_buf_t b = {0};
    cd_jw_string(&b, s, strlen(s));
    cd_jw_char(&b, '\0');
    return b.data;
}

static char *key_member(const key_t_ *k) {
    if (!k->set) return xstrdup("null");
    char *enc = pg_inc_key_encode((const char *const *)k->v, k->n);
    char *j = json_string_or_null(enc);
    free(enc);
    return j;
}

size_t pg_inc_offset_members(pg_incremental_t *inc, const char *const **keys, const char *const **json) {
    if (!pg_inc_running(inc)) return 0;
    if (inc->dirty) {
        for (int i = 0; i < 4; i++) free(inc->json[i]);
        cd_buf_t b = {0};
        cd_jw_char(&b, '[');
        for (size_t i = 0; i < inc->n_colls; i++) {
            const coll_t *c = &inc->colls[i];
            if (i) cd_jw_char(&b, ',');
            cd_jw_lit(&b, "{\"incremental_snapshot_collections_id\":");
            cd_jw_string(&b, c->id, strlen(c->id));
            cd_jw_lit(&b, ",\"incremental_snapshot_collections_additional_condition\":");
            if (c->condition) cd_jw_string(&b, c->condition, strlen(c->condition));
            else cd_jw_lit(&b, "null");
            cd_jw_lit(&b, ",\"incremental_snapshot_collections_surrogate_key\":");
            if (c->surrogate) cd_jw_string(&b, c->surrogate, strlen(c->surrogate));
            else cd_jw_lit(&b, "null");
            cd_jw_char(&b, '}');
        }
        cd_jw_char(&b, ']');
        cd_jw_char(&b, '\0');
        inc->json[0] = json_string_or_null(b.data);
        cd_buf_free(&b);
        inc->json[1] = key_member(&inc->last_sent);
        inc->json[2] = key_member(&inc->max_key);
        inc->json[3] = json_string_or_null(inc->correlation_id);
        for (int i = 0; i < 4; i++) inc->json_ptrs[i] = inc->json[i];
        inc->dirty = false;
    }
    *keys = MEMBER_KEYS;
    *json = inc->json_ptrs;
    return 4;
}

static const char *member_string(json_object *o, const char *name) {
    json_object *v;
    if (!json_object_object_get_ex(o, name, &v) || !v || json_object_get_type(v) != json_type_string) return NULL;
    return json_object_get_string(v);
}

int pg_inc_restore(pg_incremental_t *inc, const char *offset_json, char *errstr, size_t errstr_size) {
    json_object *o = offset_json ? json_tokener_parse(offset_json) : NULL;
    int rc = 0;
    const char *colls = o ? member_string(o, MEMBER_KEYS[0]) : NULL;
    if (!colls) goto done;
    json_object *a = json_tokener_parse(colls);
    if (!a || json_object_get_type(a) != json_type_array) {
        snprintf(errstr, errstr_size, "The offset's '%s' is not a JSON array of tables: %s", MEMBER_KEYS[0], colls);
        json_object_put(a);
        rc = -1;
        goto done;
    }
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        json_object *e = json_object_array_get_idx(a, i);
        const char *id = e ? member_string(e, "incremental_snapshot_collections_id") : NULL;
        coll_t c = {0};
        if (!id || !split_id(id, &c.schema, &c.table)) continue;
        c.id = xstrdup(id);
        c.condition = xstrdup(member_string(e, "incremental_snapshot_collections_additional_condition"));
        c.surrogate = xstrdup(member_string(e, "incremental_snapshot_collections_surrogate_key"));
        if (c.condition && !*c.condition) free(c.condition), c.condition = NULL;
        if (c.surrogate && !*c.surrogate) free(c.surrogate), c.surrogate = NULL;
        inc->colls = xrealloc(inc->colls, (inc->n_colls + 1) * sizeof(coll_t));
        inc->colls[inc->n_colls++] = c;
    }
    json_object_put(a);
    const char *pk = member_string(o, MEMBER_KEYS[1]), *mk = member_string(o, MEMBER_KEYS[2]);
    char **v;
    size_t n;
    char err[512];
    if (pk && mk) {
        if (pg_inc_key_decode(pk, &v, &n, err, sizeof(err)) == 0) {
            key_set(&inc->chunk_end, (const char *const *)v, n);
            key_set(&inc->last_sent, (const char *const *)v, n);
            pg_inc_key_free(v, n);
            if (pg_inc_key_decode(mk, &v, &n, err, sizeof(err)) == 0) {
                key_set(&inc->max_key, (const char *const *)v, n);
                pg_inc_key_free(v, n);
            }
        }
        if (!inc->max_key.set) {
            /* Debezium's keys: the table is read again from its start. */
            log_warn(inc_log(), "%s; the incremental snapshot of '%s' starts that table over", err,
                     inc->n_colls ? inc->colls[0].id : "?");
            key_clear(&inc->chunk_end);
            key_clear(&inc->last_sent);
        }
    }
    inc->correlation_id = xstrdup(member_string(o, MEMBER_KEYS[3]));
    inc->dirty = true;
done:
    json_object_put(o);
    return rc;
}

/* ------------------------------------------------------------------ the chunk cycle */

static void next_collection(pg_incremental_t *inc) {
    key_clear(&inc->last_sent);
    key_clear(&inc->chunk_end);
    key_clear(&inc->max_key);
    if (inc->n_colls) {
        coll_free(&inc->colls[0]);
        memmove(inc->colls, inc->colls + 1, (inc->n_colls - 1) * sizeof(coll_t));
        inc->n_colls--;
    }
    if (!inc->n_colls) {
        log_info(inc_log(), "Incremental snapshot completed");
        free(inc->correlation_id);
        inc->correlation_id = NULL;
        inc->paused = false;
    }
    inc->dirty = true;
}

static int64_t wall_now_us(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* java.time.Instant.toString(): ISO-8601 in UTC, the fraction in groups of three digits. */
static void iso_instant(int64_t us, char out[40]) {
    time_t s = (time_t)(us / 1000000);
    int frac = (int)(us % 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
    if (frac % 1000 == 0 && frac) snprintf(out + n, 40 - n, ".%03dZ", frac / 1000);
    else if (frac) snprintf(out + n, 40 - n, ".%06dZ", frac);
    else snprintf(out + n, 40 - n, "Z");
}

static void new_uuid(char out[37]) {
    unsigned char b[16];
    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
        int64_t now = wall_now_us();
        for (int i = 0; i < 16; i++) b[i] = (unsigned char)(now >> (i % 8 * 8)) ^ (unsigned char)rand();
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
             b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static int exec_ok(pg_task_t *t, const char *sql, int n, const char *const *params, const char *what, char *errstr,
                   size_t errstr_size, PGresult **keep) {
    char err[1024];
    PGresult *r = t->conn ? pg_exec(t->conn, sql, n, params, &t->bound, err, sizeof(err)) : NULL;
    if (!t->conn) snprintf(err, sizeof(err), "no database connection");
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        snprintf(errstr, errstr_size, "%s: %s", what, r ? PQresultErrorMessage(r) : err);
        size_t l = strlen(errstr);
        while (l && errstr[l - 1] == '\n') errstr[--l] = '\0';
        PQclear(r);
        return -1;
    }
    if (keep) *keep = r;
    else PQclear(r);
    return 0;
}

static char *signal_table_sql(pg_task_t *t, const char *fmt) {
    sb_t q = {0};
    add_ident(&q, t->cfg.signal_schema);
    sb_addc(&q, '.');
    add_ident(&q, t->cfg.signal_table);
    char *tbl = sb_take(&q);
    char *sql = xasprintf(fmt, tbl);
    free(tbl);
    return sql;
}

static int insert_watermark(pg_task_t *t, const char *suffix, const char *type, const char *data, char *errstr,
                            size_t errstr_size) {
    char id[64];
    snprintf(id, sizeof(id), "%s-%s", t->inc->chunk_id, suffix);
    const char *p[3] = {id, type, data};
    char *sql = signal_table_sql(t, "INSERT INTO %s VALUES ($1, $2, $3)");
    int rc = exec_ok(t, sql, 3, p, "Database error while writing an incremental snapshot watermark", errstr,
                     errstr_size, NULL);
    free(sql);
    return rc;
}

/* The ordering key of the current table: the surrogate key, or the event key's columns.
 * names/nullable/idx: up to cap; returns how many (0: none). */
static size_t order_key(rel_t *r, const coll_t *c, const char **names, bool *nullable, size_t *idx, size_t cap) {
    size_t n = 0;
    if (c->surrogate) {
        for (size_t i = 0; i < r->cat.n_columns; i++)
            if (!strcasecmp(r->cat.columns[i].info.name, c->surrogate)) {
                names[0] = r->cat.columns[i].info.name;
                nullable[0] = !r->cat.columns[i].info.not_null;
                idx[0] = i;
                return 1;
            }
        return 0;
    }
    for (size_t i = 0; i < r->n_key && n < cap; i++, n++) {
        size_t ci = r->key_cols[i];
        names[n] = r->cat.columns[ci].info.name;
        nullable[n] = !r->cat.columns[ci].info.not_null;
        idx[n] = ci;
    }
    return n;
}

static size_t hash_key(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return (size_t)h;
}

/* The window from a chunk's result: each row's rendered event key, hashed. */
static int fill_window(pg_task_t *t, rel_t *r, PGresult *res, const size_t *key_idx, size_t n_key, char *errstr,
                       size_t errstr_size) {
    pg_incremental_t *inc = t->inc;
    int rows = PQntuples(res), cols = PQnfields(res);
    inc->chunk = res;
    inc->relid = r->relid;
    inc->key_idx = xmalloc((n_key + 1) * sizeof(size_t));
    memcpy(inc->key_idx, key_idx, n_key * sizeof(size_t));
    inc->n_key_idx = n_key;
    inc->n_slots = (size_t)rows * 2;
    inc->row_key = calloc((size_t)rows + 1, sizeof(char *));
    inc->row_key_len = calloc((size_t)rows + 1, sizeof(size_t));
    inc->slots = calloc(inc->n_slots + 1, sizeof(size_t));
    pgo_value_t *vals = xmalloc(((size_t)cols + 1) * sizeof(pgo_value_t));
    for (int i = 0; i < rows; i++) {
        for (int c = 0; c < cols; c++)
            vals[c] = PQgetisnull(res, i, c) ? (pgo_value_t){PGO_VALUE_NULL, NULL, 0}
                                             : (pgo_value_t){PGO_VALUE_TEXT, PQgetvalue(res, i, c),
                                                             (uint32_t)PQgetlength(res, i, c)};
        pgo_tuple_t tup = {(uint16_t)cols, vals};
        cd_buf_t k = {0};
        if (pg_row_key_text(t, r, &tup, &k, errstr, errstr_size) != 0) {
            free(vals);
            cd_buf_free(&k);
            return -1;
        }
        inc->row_key[i] = k.data ? k.data : xstrdup("");
        inc->row_key_len[i] = k.len;
        if (k.len == 0) continue; /* no event key: nothing to de-duplicate against */
        size_t s = hash_key(k.data, k.len) % inc->n_slots;
        while (inc->slots[s]) s = (s + 1) % inc->n_slots;
        inc->slots[s] = (size_t)i + 1;
    }
    free(vals);
    return 0;
}

/* The stop-snapshot requests (Debezium's checkAndProcessStopFlag, before each chunk). */
static void process_stops(pg_task_t *t) {
    pg_incremental_t *inc = t->inc;
    if (!inc->n_stops) return;
    for (size_t s = 0; s < inc->n_stops; s++) {
        char err[512];
        java_regex_t *re = java_regex_new(inc->stops[s], 0, err, sizeof(err));
        bool current = false;
        for (size_t i = 0; i < inc->n_colls;) {
            bool hit = !strcmp(inc->colls[i].id, inc->stops[s]) ||
                       (re && java_regex_matches(re, inc->colls[i].id, strlen(inc->colls[i].id)));
            if (hit && i == 0) {
                current = true;
                i++;
            } else if (hit) {
                log_info(inc_log(), "Removed '%s' from incremental snapshot collection list.", inc->colls[i].id);
                coll_free(&inc->colls[i]);
                memmove(inc->colls + i, inc->colls + i + 1, (inc->n_colls - i - 1) * sizeof(coll_t));
                inc->n_colls--;
            } else {
                i++;
            }
        }
        if (current && inc->n_colls) {
            log_info(inc_log(), "Removed current collection '%s' from incremental snapshot collection list.",
                     inc->colls[0].id);
            next_collection(inc);
        }
        java_regex_free(re);
        free(inc->stops[s]);
    }
    inc->n_stops = 0;
    if (!inc->n_colls) log_info(inc_log(), "Incremental snapshot has stopped.");
    inc->dirty = true;
}

/* Debezium's readChunk: open watermark, the chunk (moving past tables that are done or cannot be
 * read), close watermark. */
static int read_chunk(pg_task_t *t, char *errstr, size_t errstr_size) {
    pg_incremental_t *inc = t->inc;
    window_clear(inc);
    inc->in_flight = false;
    inc->window_open = false;
    process_stops(t);
    if (!pg_inc_running(inc)) return 0;
    if (inc->paused) {
        log_info(inc_log(), "Incremental snapshot was paused.");
        return 0;
    }
    new_uuid(inc->chunk_id);
    int64_t open_us = wall_now_us();
    char open_ts[40], data[160];
    iso_instant(open_us, open_ts);
    snprintf(data, sizeof(data), "{\"openWindowTimestamp\": \"%s\"}", open_ts);
    if (insert_watermark(t, "open", "snapshot-window-open", data, errstr, errstr_size) != 0) return -1;
    while (pg_inc_running(inc)) {
        coll_t *c = &inc->colls[0];
        char err[1024];
        rel_t *r = pg_relation_by_name(t, c->schema, c->table, false, err, sizeof(err));
        if (!r) {
            log_warn(inc_log(), "Schema not found for table '%s'%s%s; it is skipped", c->id, *err ? ": " : "", err);
            next_collection(inc);
            continue;
        }
        const char *knames[64];
        bool nullable[64];
        size_t kidx[64];
        size_t nk = order_key(r, c, knames, nullable, kidx, 64);
        if (c->surrogate && nk == 0) {
            log_warn(inc_log(), "Surrogate key \"%s\" doesn't exist in table \"%s\"; the table is skipped", c->surrogate,
                     c->id);
            next_collection(inc);
            continue;
        }
        if (nk == 0) {
            log_warn(inc_log(), "Incremental snapshot for table '%s' skipped because the table has no primary keys",
                     c->id);
            next_collection(inc);
            continue;
        }
        const char **cols = xmalloc((r->cat.n_columns + 1) * sizeof(char *));
        for (size_t i = 0; i < r->cat.n_columns; i++) cols[i] = r->cat.columns[i].info.name;
        pg_inc_table_t tb = {c->schema, c->table, cols, r->cat.n_columns, knames, nullable, nk, c->condition};
        if (!inc->max_key.set) {
            char *sql = pg_inc_max_key_query(&tb);
            PGresult *res = NULL;
            int rc = exec_ok(t, sql, 0, NULL, "Failed to read maximum key", err, sizeof(err), &res);
            free(sql);
            if (rc != 0) {
                log_error(inc_log(), "Failed to read maximum key for table %s: %s", c->id, err);
                free(cols);
                next_collection(inc);
                continue;
            }
            if (PQntuples(res) == 0) {
                log_info(inc_log(),
                         "No maximum key returned by the query, incremental snapshotting of table '%s' finished as it "
                         "is empty",
                         c->id);
                PQclear(res);
                free(cols);
                next_collection(inc);
                continue;
            }
            const char *mk[64];
            for (size_t i = 0; i < nk; i++) mk[i] = PQgetisnull(res, 0, (int)kidx[i]) ? NULL : PQgetvalue(res, 0, (int)kidx[i]);
            key_set(&inc->max_key, mk, nk);
            inc->dirty = true;
            char *enc = pg_inc_key_encode(mk, nk);
            log_info(inc_log(), "Incremental snapshot for table '%s' will end at position %s", c->id, enc);
            free(enc);
            PQclear(res);
        }
        if ((inc->chunk_end.set && inc->chunk_end.n != nk) || inc->max_key.n != nk) {
            log_warn(inc_log(), "The stored keys of table '%s' do not fit its key (%zu columns); it is read from the start",
                     c->id, nk);
            key_clear(&inc->chunk_end);
            key_clear(&inc->last_sent);
            key_clear(&inc->max_key);
            free(cols);
            continue;
        }
        pg_inc_query_t q;
        pg_inc_chunk_query(&tb, inc->chunk_end.set ? (const char *const *)inc->chunk_end.v : NULL,
                           (const char *const *)inc->max_key.v, t->cfg.incremental_chunk_size, &q);
        free(cols);
        log_debug(inc_log(), "For table '%s' using select statement: '%s'", c->id, q.sql);
        PGresult *res = NULL;
        int rc = exec_ok(t, q.sql, q.n_params, (const char *const *)q.params, "Snapshotting failed", err, sizeof(err), &res);
        pg_inc_query_clear(&q);
        if (rc != 0) {
            log_error(inc_log(), "Snapshotting of table %s failed. Skipping it: %s", c->id, err);
            next_collection(inc);
            continue;
        }
        int rows = PQntuples(res);
        if (rows == 0) {
            log_info(inc_log(), "No data returned by the query, incremental snapshotting of table '%s' finished", c->id);
            PQclear(res);
            next_collection(inc);
            continue;
        }
        if (fill_window(t, r, res, kidx, nk, errstr, errstr_size) != 0) {
            window_clear(inc);
            return -1;
        }
        const char *end[64];
        for (size_t i = 0; i < nk; i++)
            end[i] = PQgetisnull(res, rows - 1, (int)kidx[i]) ? NULL : PQgetvalue(res, rows - 1, (int)kidx[i]);
        key_set(&inc->chunk_end, end, nk);
        break;
    }
    /* The close watermark, also when every table turned out to be done: its window is empty. */
    int rc;
    if (t->cfg.watermark_insert_delete) {
        char id[64];
        snprintf(id, sizeof(id), "%s-open", inc->chunk_id);
        const char *p[1] = {id};
        char *sql = signal_table_sql(t, "DELETE FROM %s WHERE id = $1");
        rc = exec_ok(t, sql, 1, p, "Database error while closing an incremental snapshot window", errstr, errstr_size,
                     NULL);
        free(sql);
    } else {
        char close_ts[40];
        iso_instant(wall_now_us(), close_ts);
        snprintf(data, sizeof(data), "{\"openWindowTimestamp\": \"%s\", \"closeWindowTimestamp\": \"%s\"}", open_ts,
                 close_ts);
        rc = insert_watermark(t, "close", "snapshot-window-close", data, errstr, errstr_size);
    }
    if (rc == 0) inc->in_flight = true;
    return rc;
}

int pg_inc_start(pg_task_t *t, char *errstr, size_t errstr_size) {
    pg_incremental_t *inc = t->inc;
    if (!pg_inc_running(inc)) return 0;
    /* A window read before the reconnect is read again: its watermarks may have gone by. */
    window_clear(inc);
    inc->in_flight = false;
    inc->window_open = false;
    if (inc->last_sent.set) key_set(&inc->chunk_end, (const char *const *)inc->last_sent.v, inc->last_sent.n);
    else key_clear(&inc->chunk_end);
    log_info(inc_log(), "Incremental snapshot in progress, need to read new chunk on start");
    return read_chunk(t, errstr, errstr_size);
}

/* The tables a data-collections regex names: the captured tables whose "<schema>.<table>"
 * matches it whole (case-sensitively, as Debezium's Pattern.matches); none: the text itself. */
static void expand(pg_task_t *t, const char *pattern, char ***out, size_t *n) {
    char err[512];
    java_regex_t *re = java_regex_new(pattern, 0, err, sizeof(err));
    size_t before = *n;
    PGresult *r = NULL;
    if (re && t->conn &&
        exec_ok(t,
                "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = "
                "c.relnamespace WHERE c.relkind IN ('r', 'p') ORDER BY 1, 2",
                0, NULL, "list tables", err, sizeof(err), &r) == 0) {
        for (int i = 0; i < PQntuples(r); i++) {
            const char *s = PQgetvalue(r, i, 0), *tb = PQgetvalue(r, i, 1);
            if (!pg_config_table_included(&t->cfg, s, tb)) continue;
            char *id = xasprintf("%s.%s", s, tb);
            bool dup = false;
            for (size_t j = 0; j < *n && !dup; j++) dup = !strcmp((*out)[j], id);
            if (!dup && java_regex_matches(re, id, strlen(id))) {
                *out = xrealloc(*out, (*n + 1) * sizeof(char *));
                (*out)[(*n)++] = id;
            } else {
                free(id);
            }
        }
        PQclear(r);
    }
    java_regex_free(re);
    if (*n == before) {
        *out = xrealloc(*out, (*n + 1) * sizeof(char *));
        (*out)[(*n)++] = xstrdup(pattern);
    }
}

int pg_inc_execute(pg_task_t *t, const char *signal_id, const pg_snapshot_request_t *req, char *errstr,
                   size_t errstr_size) {
    pg_incremental_t *inc = t->inc;
    bool start = !pg_inc_running(inc);
    char **ids = NULL;
    size_t n = 0;
    for (size_t i = 0; i < req->n_collections; i++) expand(t, req->collections[i], &ids, &n);
    for (size_t i = 0; i < n; i++) {
        coll_t c = {0};
        if (!split_id(ids[i], &c.schema, &c.table)) {
            log_warn(inc_log(), "Unable to parse table identifier from %s. Skipping it.", ids[i]);
            continue;
        }
        c.id = xstrdup(ids[i]);
        for (size_t k = 0; k < req->n_conditions && !c.condition; k++) {
            char err[512];
            java_regex_t *re = java_regex_new(req->conditions[k].collection, JAVA_REGEX_CASE_INSENSITIVE, err,
                                              sizeof(err));
            if (!re) continue;
            if (java_regex_matches(re, c.id, strlen(c.id)) && *req->conditions[k].filter)
                c.condition = xstrdup(req->conditions[k].filter);
            java_regex_free(re);
        }
        c.surrogate = xstrdup(req->surrogate_key);
        inc->colls = xrealloc(inc->colls, (inc->n_colls + 1) * sizeof(coll_t));
        inc->colls[inc->n_colls++] = c;
    }
    pg_inc_key_free(ids, n);
    free(inc->correlation_id);
    inc->correlation_id = xstrdup(signal_id);
    inc->dirty = true;
    if (!start || !pg_inc_running(inc)) return 0;
    log_info(inc_log(), "Incremental snapshot of %zu table(s) started (signal '%s')", inc->n_colls, signal_id);
    return read_chunk(t, errstr, errstr_size);
}

void pg_inc_stop(pg_task_t *t, const pg_snapshot_request_t *req) {
    pg_incremental_t *inc = t->inc;
    if (!pg_inc_running(inc)) {
        log_warn(inc_log(), "No active incremental snapshot, stop ignored");
        return;
    }
    size_t add = req->n_collections ? req->n_collections : 1;
    inc->stops = xrealloc(inc->stops, (inc->n_stops + add) * sizeof(char *));
    if (!req->n_collections) inc->stops[inc->n_stops++] = xstrdup(".*");
    for (size_t i = 0; i < req->n_collections; i++) inc->stops[inc->n_stops++] = xstrdup(req->collections[i]);
    log_info(inc_log(), "Requested stop of incremental snapshot for %s", req->n_collections ? "some tables" : "every table");
    /* Nothing in flight (paused, or between chunks): stop now rather than at a chunk that will not come. */
    if (!inc->in_flight) process_stops(t);
}

void pg_inc_pause(pg_task_t *t) {
    pg_incremental_t *inc = t->inc;
    if (pg_inc_running(inc) && !inc->paused) {
        log_info(inc_log(), "Pausing incremental snapshot");
        inc->paused = true;
    }
}

int pg_inc_resume(pg_task_t *t, char *errstr, size_t errstr_size) {
    pg_incremental_t *inc = t->inc;
    if (!pg_inc_running(inc) || !inc->paused) return 0;
    log_info(inc_log(), "Resuming incremental snapshot");
    inc->paused = false;
    /* A chunk still in flight goes on by itself at its close watermark. */
    return inc->in_flight ? 0 : read_chunk(t, errstr, errstr_size);
}

static bool expected_chunk(const pg_incremental_t *inc, const char *id, const char *what) {
    if (inc->in_flight && !strncmp(id, inc->chunk_id, 36)) return true;
    log_info(inc_log(), "Received request to %s window with id = '%s', expected = '%s', request ignored", what, id,
             inc->in_flight ? inc->chunk_id : "null");
    return false;
}

void pg_inc_open_window(pg_task_t *t, const char *id) {
    if (!expected_chunk(t->inc, id, "open")) return;
    t->inc->window_open = true;
}

int pg_inc_close_window(pg_task_t *t, const char *id, char *errstr, size_t errstr_size) {
    pg_incremental_t *inc = t->inc;
    if (!expected_chunk(inc, id, "close")) return 0;
    inc->window_open = false;
    inc->in_flight = false;
    if (!inc->chunk) return read_chunk(t, errstr, errstr_size); /* every table was done: nothing to send */
    rel_t *r = pg_relation_by_id(t, inc->relid);
    int cols = inc->chunk ? PQnfields(inc->chunk) : 0;
    if (!r || r->n_wire != (uint16_t)cols) {
        /* The table changed (ALTER TABLE) after the chunk was read: read it again. */
        log_info(inc_log(), "Table of the incremental snapshot window changed; the chunk is read again");
        return pg_inc_start(t, errstr, errstr_size);
    }
    int rows = PQntuples(inc->chunk), sent = 0;
    pgo_value_t *vals = xmalloc(((size_t)cols + 1) * sizeof(pgo_value_t));
    const char **key = xmalloc((inc->n_key_idx + 1) * sizeof(char *));
    int rc = 0;
    for (int i = 0; i < rows && rc == 0; i++) {
        if (!inc->row_key[i]) continue; /* superseded by a streamed change */
        for (int c = 0; c < cols; c++)
            vals[c] = PQgetisnull(inc->chunk, i, c) ? (pgo_value_t){PGO_VALUE_NULL, NULL, 0}
                                                    : (pgo_value_t){PGO_VALUE_TEXT, PQgetvalue(inc->chunk, i, c),
                                                                    (uint32_t)PQgetlength(inc->chunk, i, c)};
        for (size_t k = 0; k < inc->n_key_idx; k++)
            key[k] = PQgetisnull(inc->chunk, i, (int)inc->key_idx[k]) ? NULL
                                                                      : PQgetvalue(inc->chunk, i, (int)inc->key_idx[k]);
        /* The row's key is the progress its own offset carries (Debezium's sendEvent). */
        key_set(&inc->last_sent, key, inc->n_key_idx);
        inc->dirty = true;
        pgo_tuple_t tup = {(uint16_t)cols, vals};
        rc = pg_send_incremental_read(t, r, &tup, errstr, errstr_size);
        sent++;
    }
    free(vals);
    free(key);
    log_debug(inc_log(), "Sent %d events from window buffer", sent);
    if (rc != 0) return rc;
    return read_chunk(t, errstr, errstr_size);
}

void pg_inc_streamed(pg_task_t *t, uint32_t relid, const char *key, size_t key_len) {
    pg_incremental_t *inc = t->inc;
    if (!pg_inc_window_open(inc) || relid != inc->relid || !key_len || !inc->n_slots) return;
    size_t s = hash_key(key, key_len) % inc->n_slots;
    while (inc->slots[s]) {
        size_t row = inc->slots[s] - 1;
        const char *k = inc->row_key[row];
        if (k && inc->row_key_len[row] == key_len && !memcmp(k, key, key_len)) {
            log_debug(inc_log(), "Removed '%.*s' from window", (int)key_len, key);
            free(inc->row_key[row]);
            inc->row_key[row] = NULL;
            return;
        }
        s = (s + 1) % inc->n_slots;
    }
}
