/* postgres_connector.c - io.debezium.connector.postgresql.PostgresConnector: streams committed
 * changes from a logical replication slot (pgoutput) as Debezium 3.x change events (spec
 * debezium-postgres.md, profile D).
 *
 * One task per connector. The task owns a regular connection (catalog queries, publication) and
 * a replication connection. Offsets carry lsn / lsn_proc / lsn_commit / txId / ts_usec; the
 * slot is told to release WAL (confirmed flush = lsn_commit) only from commit(), which the runtime
 * calls after the offsets are in Kafka. On restart the stream resumes at the committed position
 * and skips what was already emitted: whole transactions that committed at or before lsn_commit,
 * and, in the transaction that was in progress, the changes up to lsn_proc. */
#include <ctype.h>
#include <stdarg.h>
#include <strings.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "connect/converter.h"
#include "xalloc.h"
#include "connect/json_write.h"
#include "connectd/plugin.h"
#include "connectors/postgres/pg_catalog.h"
#include "connectors/postgres/pg_config.h"
#include "connectors/postgres/pg_stream.h"
#include "connectors/postgres/pg_types.h"
#include "connectors/postgres/pgoutput.h"
#include "log.h"

#define DEBEZIUM_VERSION "3.4.0.Final"
#define CONNECTOR_CLASS "io.debezium.connector.postgresql.PostgresConnector"
#define TASK_CLASS "io.debezium.connector.postgresql.PostgresConnectorTask"

static log_logger_t *plog(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("io.debezium.connector.postgresql.PostgresStreamingChangeEventSource");
    return lg;
}

/* ------------------------------------------------------------------ fixed schemas */

static const cd_value_t false_str = {.type = CD_TYPE_STRING, .u.str = {"false", 5}};
static const cd_schema_t s_str = {.type = CD_TYPE_STRING};
static const cd_schema_t s_ostr = {.type = CD_TYPE_STRING, .optional = true};
static const cd_schema_t s_i64 = {.type = CD_TYPE_INT64};
static const cd_schema_t s_oi64 = {.type = CD_TYPE_INT64, .optional = true};
static const cd_schema_t s_obytes = {.type = CD_TYPE_BYTES, .optional = true};
static const cd_param_t snapshot_allowed[] = {
    {"allowed", "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"}};
static const cd_schema_t s_snapshot = {.type = CD_TYPE_STRING,
                                       .optional = true,
                                       .name = "io.debezium.data.Enum",
                                       .version = 1,
                                       .params = snapshot_allowed,
                                       .n_params = 1,
                                       .default_value = &false_str};
static const cd_field_t source_fields[] = {
    {"version", &s_str}, {"connector", &s_str}, {"name", &s_str},      {"ts_ms", &s_i64},
    {"snapshot", &s_snapshot}, {"db", &s_str}, {"sequence", &s_ostr},  {"ts_us", &s_oi64},
    {"ts_ns", &s_oi64},  {"schema", &s_str},   {"table", &s_str},      {"txId", &s_oi64},
    {"lsn", &s_oi64},    {"xmin", &s_oi64}};
#define N_SOURCE 14
static const cd_schema_t s_source = {.type = CD_TYPE_STRUCT,
                                     .name = "io.debezium.connector.postgresql.Source",
                                     .version = 1,
                                     .fields = source_fields,
                                     .n_fields = N_SOURCE,
                                     .cache_id = 0};
static const cd_field_t block_fields[] = {
    {"id", &s_str}, {"total_order", &s_i64}, {"data_collection_order", &s_i64}};
static const cd_schema_t s_block = {.type = CD_TYPE_STRUCT,
                                    .optional = true,
                                    .name = "event.block",
                                    .version = 1,
                                    .fields = block_fields,
                                    .n_fields = 3};
static const cd_field_t hb_key_fields[] = {{"serverName", &s_str}};
static const cd_schema_t s_hb_key = {.type = CD_TYPE_STRUCT,
                                     .name = "io.debezium.connector.common.ServerNameKey",
                                     .version = 1,
                                     .fields = hb_key_fields,
                                     .n_fields = 1};
static const cd_field_t hb_value_fields[] = {{"ts_ms", &s_i64}};
static const cd_schema_t s_hb_value = {.type = CD_TYPE_STRUCT,
                                       .name = "io.debezium.connector.common.Heartbeat",
                                       .version = 1,
                                       .fields = hb_value_fields,
                                       .n_fields = 1};
static const cd_field_t tx_key_fields[] = {{"id", &s_str}};
static const cd_schema_t s_tx_key = {.type = CD_TYPE_STRUCT,
                                     .name = "io.debezium.connector.common.TransactionMetadataKey",
                                     .version = 1,
                                     .fields = tx_key_fields,
                                     .n_fields = 1};
static const cd_field_t tx_coll_fields[] = {{"data_collection", &s_str}, {"event_count", &s_i64}};
static const cd_schema_t s_tx_coll = {.type = CD_TYPE_STRUCT,
                                      .optional = true,
                                      .name = "event.collection",
                                      .version = 1,
                                      .fields = tx_coll_fields,
                                      .n_fields = 2};
static const cd_schema_t s_tx_colls = {.type = CD_TYPE_ARRAY, .optional = true, .value_schema = &s_tx_coll};
static const cd_field_t tx_value_fields[] = {{"status", &s_str},
                                             {"id", &s_str},
                                             {"event_count", &s_oi64},
                                             {"data_collections", &s_tx_colls},
                                             {"ts_ms", &s_i64}};
static const cd_schema_t s_tx_value = {.type = CD_TYPE_STRUCT,
                                       .name = "io.debezium.connector.common.TransactionMetadataValue",
                                       .version = 1,
                                       .fields = tx_value_fields,
                                       .n_fields = 5};
static const cd_field_t msg_key_fields[] = {{"prefix", &s_ostr}};
static const cd_schema_t s_msg_key = {.type = CD_TYPE_STRUCT,
                                      .name = "io.debezium.connector.postgresql.MessageKey",
                                      .version = 1,
                                      .fields = msg_key_fields,
                                      .n_fields = 1};

/* ------------------------------------------------------------------ state */

typedef struct {
    uint32_t relid;
    bool captured;
    pg_catalog_table_t cat;
    cd_arena_t *arena;       /* the schemas below and the columns' converters */
    pg_column_t **cols;      /* per catalog column; NULL when the type is omitted */
    size_t *value_cols;      /* catalog index of each value field */
    size_t n_value;
    size_t *key_cols;        /* catalog index of each key field */
    size_t n_key;
    int *wire_to_cat;        /* pgoutput column i -> catalog index, -1 unknown */
    uint16_t n_wire;
    cd_schema_t *key_schema; /* NULL: no key */
    bool key_in_identity;    /* every key column is in the replica identity: an old key tuple
                                carries the old key, so a key change can be seen */
    cd_schema_t *row_schema;
    cd_schema_t *envelope;
    char *topic;
    char *data_collection;   /* "<schema>.<table>" */
} rel_t;

typedef struct {
    cd_task_context_t *ctx;
    pg_config_t cfg;
    pg_type_options_t topt;
    char *partition;          /* {"server":"<topic.prefix>"} */
    PGconn *conn;
    pg_stream_t *stream;
    pgo_decoder_t *dec;
    rel_t **rels;
    size_t n_rels;
    cd_arena_t *scratch;      /* one record's values */
    cd_schema_t *msg_value_schema;
    cd_arena_t *fixed;        /* schemas built once per task */
    cd_converter_t *plain_json; /* schemaless JsonConverter: key headers and key comparison */
    char *heartbeat_topic, *message_topic, *transaction_topic;

    /* transaction in progress */
    bool in_txn, skip_txn;
    /* provide.transaction.metadata: events per table of the open transaction, in first-seen
     * order, and the total */
    char **tx_tables;
    int64_t *tx_counts;
    size_t n_tx_tables;
    int64_t tx_total;
    uint32_t xid;
    int64_t commit_ts_us;
    uint64_t txn_final_lsn;

    /* position */
    uint64_t lsn;            /* of the last event */
    uint64_t lsn_proc;       /* last LSN completely processed */
    uint64_t lsn_commit;     /* last COMMIT processed */
    bool have_commit;
    uint64_t last_txn_id;
    int64_t last_ts_usec;
    const char *message_type;
    bool have_position;

    /* resume (what the committed offset says was already emitted) */
    bool resume;
    uint64_t resume_lsn_proc, resume_lsn_commit;
    uint64_t resume_txid;
    bool resume_has_commit;

    uint64_t confirmed;
    bool received_any;
    int64_t next_status_ms, next_heartbeat_ms, reconnect_at_ms;
    int reconnect_attempts;
    int64_t filtered_since_emit;
} pg_task_t;

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_us(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Topic names: characters outside [A-Za-z0-9._-] become '_', at most 249 characters. */
static char *sanitize_topic(const char *name) {
    char *t = strdup(name);
    bool changed = false;
    for (char *p = t; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-') {
            *p = '_';
            changed = true;
        }
    if (strlen(t) > 249) {
        t[249] = '\0';
        changed = true;
    }
    if (changed)
        log_warn(plog(), "Topic '%s' name isn't a valid topic name, replacing it with '%s'.", name, t);
    return t;
}

/* ------------------------------------------------------------------ connections */

/* libpq parameters for the configured server. Session settings make pgoutput's text values
 * come out in the formats the type mapping reads. */
static void conn_params(const pg_config_t *c, const char **k, const char **v, char *port,
                        size_t port_size) {
    size_t n = 0;
    snprintf(port, port_size, "%d", c->port);
    k[n] = "host", v[n++] = c->hostname;
    k[n] = "port", v[n++] = port;
    k[n] = "user", v[n++] = c->user;
    if (c->password) k[n] = "password", v[n++] = c->password;
    k[n] = "dbname", v[n++] = c->dbname;
    if (c->sslmode) k[n] = "sslmode", v[n++] = c->sslmode;
    if (c->sslcert) k[n] = "sslcert", v[n++] = c->sslcert;
    if (c->sslkey) k[n] = "sslkey", v[n++] = c->sslkey;
    if (c->sslrootcert) k[n] = "sslrootcert", v[n++] = c->sslrootcert;
    k[n] = "application_name", v[n++] = "connectd";
    k[n] = "client_encoding", v[n++] = "UTF8";
    k[n] = "connect_timeout", v[n++] = "10";
    k[n] = "options",
    v[n++] = "-c DateStyle=ISO -c IntervalStyle=postgres -c extra_float_digits=3 -c TimeZone=UTC";
    k[n] = NULL, v[n] = NULL;
}

/* Server errors that retrying will not fix. */
static bool fatal_sqlstate(const char *st) {
    return st && (!strcmp(st, "28P01") || !strcmp(st, "28000") || !strcmp(st, "42501") ||
                  !strcmp(st, "55000") || !strcmp(st, "42704") || !strcmp(st, "3D000") ||
                  !strcmp(st, "42710"));
}

static PGconn *open_regular(pg_task_t *t, char *errstr, size_t errstr_size, bool *fatal) {
    const char *k[20], *v[20];
    char port[16];
    conn_params(&t->cfg, k, v, port, sizeof(port));
    PGconn *c = PQconnectdbParams(k, v, 0);
    if (PQstatus(c) != CONNECTION_OK) {
        const char *m = PQerrorMessage(c);
        snprintf(errstr, errstr_size, "Could not connect to PostgreSQL at %s:%d database %s as %s: %s",
                 t->cfg.hostname, t->cfg.port, t->cfg.dbname, t->cfg.user, m);
        /* Authentication failures and unknown databases are configuration errors. */
        *fatal = strstr(m, "password authentication failed") || strstr(m, "does not exist") ||
                 strstr(m, "no pg_hba.conf entry") || strstr(m, "authentication failed");
        PQfinish(c);
        return NULL;
    }
    for (size_t i = 0; i < t->cfg.n_initial_statements; i++) {
        PGresult *r = PQexec(c, t->cfg.initial_statements[i]);
        if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
            snprintf(errstr, errstr_size, "database.initial.statements: '%s' failed: %s",
                     t->cfg.initial_statements[i], PQresultErrorMessage(r));
            PQclear(r);
            PQfinish(c);
            *fatal = true;
            return NULL;
        }
        PQclear(r);
    }
    return c;
}

static char *query_one(PGconn *c, const char *sql, int nparams, const char *const *params,
                       char *errstr, size_t errstr_size, char *sqlstate) {
    PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    char *out = NULL;
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
        if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) out = strdup(PQgetvalue(r, 0, 0));
        else out = strdup("");
    } else {
        snprintf(errstr, errstr_size, "%s", PQresultErrorMessage(r));
        if (sqlstate) {
            const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            snprintf(sqlstate, 6, "%s", st ? st : "");
        }
    }
    PQclear(r);
    return out;
}

static int exec_cmd(PGconn *c, const char *sql, char *errstr, size_t errstr_size, char *sqlstate) {
    PGresult *r = PQexec(c, sql);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(errstr, errstr_size, "%s", PQresultErrorMessage(r));
        if (sqlstate) {
            const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            snprintf(sqlstate, 6, "%s", st ? st : "");
        }
        rc = -1;
    }
    PQclear(r);
    return rc;
}

/* Quotes an identifier for SQL. malloc'ed. */
static char *quote_ident(PGconn *c, const char *id) {
    char *q = PQescapeIdentifier(c, id, strlen(id));
    char *out = strdup(q ? q : id);
    PQfreemem(q);
    return out;
}

/* The tables a filtered publication lists: captured tables of the database. */
static char *filtered_table_list(pg_task_t *t, char *errstr, size_t errstr_size) {
    PGresult *r = PQexec(t->conn,
                         "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN "
                         "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN "
                         "('r','p') ORDER BY 1, 2");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(errstr, errstr_size, "Could not list tables: %s", PQresultErrorMessage(r));
        PQclear(r);
        return NULL;
    }
    size_t cap = 256, len = 0;
    char *list = calloc(1, cap);
    for (int i = 0; i < PQntuples(r); i++) {
        const char *s = PQgetvalue(r, i, 0), *tb = PQgetvalue(r, i, 1);
        if (!pg_config_table_included(&t->cfg, s, tb)) continue;
        char *qs = quote_ident(t->conn, s), *qt = quote_ident(t->conn, tb);
        size_t need = len + strlen(qs) + strlen(qt) + 4;
        if (need > cap) list = realloc(list, cap = need * 2);
        len += (size_t)sprintf(list + len, "%s%s.%s", len ? ", " : "", qs, qt);
        free(qs);
        free(qt);
    }
    PQclear(r);
    return list;
}

static int ensure_publication(pg_task_t *t, char *errstr, size_t errstr_size, bool *fatal) {
    const char *p[1] = {t->cfg.publication_name};
    char err[1024];
    char *puballtables = query_one(t->conn, "SELECT puballtables::text FROM pg_catalog.pg_publication WHERE pubname = $1",
                                   1, p, err, sizeof(err), NULL);
    if (!puballtables) {
        snprintf(errstr, errstr_size, "Could not look up publication %s: %s", t->cfg.publication_name, err);
        return -1;
    }
    bool exists = *puballtables != '\0';
    bool all_tables = !strcmp(puballtables, "true");
    free(puballtables);
    char *qname = quote_ident(t->conn, t->cfg.publication_name);
    int rc = 0;
    char sql[8192];
    switch (t->cfg.publication_autocreate_mode) {
    case PG_AUTOCREATE_DISABLED:
        if (!exists) {
            snprintf(errstr, errstr_size,
                     "Publication autocreation is disabled, please create one and restart the connector.");
            *fatal = true;
            rc = -1;
        }
        break;
    case PG_AUTOCREATE_ALL_TABLES:
        if (!exists) {
            snprintf(sql, sizeof(sql), "CREATE PUBLICATION %s FOR ALL TABLES;", qname);
            log_info(plog(), "Creating new publication '%s' for plugin 'PGOUTPUT'", t->cfg.publication_name);
            if (exec_cmd(t->conn, sql, err, sizeof(err), NULL) != 0) {
                snprintf(errstr, errstr_size, "Unable to create publication %s: %s", t->cfg.publication_name, err);
                *fatal = true;
                rc = -1;
            }
        }
        break;
    case PG_AUTOCREATE_NO_TABLES:
        if (!exists) {
            snprintf(sql, sizeof(sql), "CREATE PUBLICATION %s;", qname);
            if (exec_cmd(t->conn, sql, err, sizeof(err), NULL) != 0) {
                snprintf(errstr, errstr_size, "Unable to create publication %s: %s", t->cfg.publication_name, err);
                *fatal = true;
                rc = -1;
            }
        }
        break;
    case PG_AUTOCREATE_FILTERED: {
        if (exists && all_tables) {
            snprintf(errstr, errstr_size,
                     "A logical publication for all tables named '%s' for plugin 'pgoutput' and database '%s' "
                     "is already active on the server and can not be altered. If you need to exclude some "
                     "tables or include only specific subset, please recreate the publication with necessary "
                     "configuration or let plugin recreate it by dropping existing publication. Otherwise "
                     "please change the 'publication.autocreate.mode' property to 'all_tables'.",
                     t->cfg.publication_name, t->cfg.dbname);
            *fatal = true;
            rc = -1;
            break;
        }
        char *list = filtered_table_list(t, errstr, errstr_size);
        if (!list) {
            rc = -1;
            break;
        }
        if (!*list) {
            snprintf(errstr, errstr_size, "No table filters found for filtered publication %s", t->cfg.publication_name);
            *fatal = true;
            rc = -1;
        } else {
            snprintf(sql, sizeof(sql), exists ? "ALTER PUBLICATION %s SET TABLE %s;" : "CREATE PUBLICATION %s FOR TABLE %s;",
                     qname, list);
            if (exec_cmd(t->conn, sql, err, sizeof(err), NULL) != 0) {
                snprintf(errstr, errstr_size, "Unable to %s filtered publication %s for %s: %s",
                         exists ? "update" : "create", t->cfg.publication_name, list, err);
                *fatal = true;
                rc = -1;
            }
        }
        free(list);
        break;
    }
    }
    free(qname);
    return rc;
}

/* Parses an integer member of a flat JSON offset object. */
static bool offset_field(const char *json, const char *name, uint64_t *out) {
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\":", name);
    const char *p = strstr(json, pat);
    if (!p) return false;
    p += strlen(pat);
    if (*p == 'n') return false; /* null */
    char *end;
    unsigned long long v = strtoull(p, &end, 10);
    if (end == p) return false;
    *out = v;
    return true;
}

/* A word for a shell command line: as is when it is plain, else single-quoted. */
static char *shell_word(const char *w) {
    if (*w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.,:/@%+=-") == strlen(w))
        return xstrdup(w);
    sb_t b = {0};
    sb_addc(&b, '\'');
    for (const char *p = w; *p; p++) {
        if (*p == '\'') sb_add(&b, "'\\''");
        else sb_addc(&b, *p);
    }
    sb_addc(&b, '\'');
    return sb_take(&b);
}

/* The slot outlives the task and the worker and makes the server keep WAL until it is dropped,
 * so the runtime is told about it, with the command that drops it (a logical slot can only be
 * dropped from its own database). */
static void note_slot_held(pg_task_t *t, bool held) {
    char *what = xasprintf("replication slot '%s' on %s:%d/%s, which makes PostgreSQL keep WAL until it "
                           "is dropped", t->cfg.slot_name, t->cfg.hostname, t->cfg.port, t->cfg.dbname);
    if (held) {
        char *h = shell_word(t->cfg.hostname), *d = shell_word(t->cfg.dbname);
        char *u = t->cfg.user ? shell_word(t->cfg.user) : NULL;
        char *rm = xasprintf("psql -h %s -p %d%s%s -d %s -c \"SELECT pg_drop_replication_slot('%s')\"", h,
                             t->cfg.port, u ? " -U " : "", u ? u : "", d, t->cfg.slot_name);
        cd_task_holds(t->ctx, what, rm);
        free(rm);
        free(h);
        free(u);
        free(d);
    } else {
        cd_task_released(t->ctx, what);
    }
    free(what);
}

/* Connects, checks the server, makes sure the publication and the slot exist, and starts
 * streaming where the committed offset (or the slot) says. Returns 0, or -1 with *fatal telling
 * whether retrying can help. */
static int connect_and_start(pg_task_t *t, char *errstr, size_t errstr_size, bool *fatal) {
    char err[2048], st[6] = "";
    *fatal = false;
    if (!t->conn && !(t->conn = open_regular(t, errstr, errstr_size, fatal))) return -1;

    char *wal = query_one(t->conn, "SHOW wal_level", 0, NULL, err, sizeof(err), NULL);
    if (!wal) {
        snprintf(errstr, errstr_size, "SHOW wal_level failed: %s", err);
        return -1;
    }
    if (strcmp(wal, "logical") != 0) {
        snprintf(errstr, errstr_size,
                 "Postgres server wal_level property must be 'logical' but is: '%s'. Set wal_level = "
                 "logical in postgresql.conf and restart the server, then restart the connector.",
                 wal);
        free(wal);
        *fatal = true;
        return -1;
    }
    free(wal);
    if (ensure_publication(t, errstr, errstr_size, fatal) != 0) return -1;

    const char *sp[2] = {t->cfg.slot_name, t->cfg.dbname};
    char *slot_lsn = query_one(t->conn,
                               "SELECT coalesce(confirmed_flush_lsn::text, 'none') FROM pg_catalog.pg_replication_slots "
                               "WHERE slot_name = $1 AND database = $2 AND plugin = 'pgoutput'",
                               2, sp, err, sizeof(err), st);
    if (!slot_lsn) {
        snprintf(errstr, errstr_size, "Could not look up replication slot %s: %s", t->cfg.slot_name, err);
        return -1;
    }
    t->stream = NULL;
    const char *k[20], *v[20];
    char port[16];
    conn_params(&t->cfg, k, v, port, sizeof(port));
    pg_stream_t *s = pg_stream_connect(k, v, errstr, errstr_size);
    if (!s) {
        free(slot_lsn);
        *fatal = strstr(errstr, "permission denied") || strstr(errstr, "must be superuser or replication role") ||
                 strstr(errstr, "password authentication failed");
        return -1;
    }
    uint64_t slot_pos = 0;
    if (!*slot_lsn) {
        if (pg_stream_create_slot(s, t->cfg.slot_name, "pgoutput", &slot_pos, st, errstr, errstr_size) != 0) {
            if (!strcmp(st, "42710"))
                snprintf(errstr + strlen(errstr), errstr_size - strlen(errstr),
                         "; when setting up multiple connectors for the same database host, please make "
                         "sure to use a distinct replication slot name for each.");
            *fatal = fatal_sqlstate(st);
            pg_stream_close(s);
            free(slot_lsn);
            return -1;
        }
        char txt[32];
        pgo_lsn_format(slot_pos, txt);
        log_info(plog(), "Created replication slot '%s' for plugin 'pgoutput' at %s", t->cfg.slot_name, txt);
    } else if (strcmp(slot_lsn, "none") != 0) {
        pgo_lsn_parse(slot_lsn, &slot_pos);
    }
    free(slot_lsn);
    note_slot_held(t, true);

    /* Start at the committed position; the server moves it up to the slot's confirmed position
     * itself, and what was already emitted is skipped (see on_begin / on_change). */
    uint64_t start = slot_pos;
    if (t->resume) start = t->resume_has_commit ? t->resume_lsn_commit : t->resume_lsn_proc;
    char opts[1024];
    char *pub = quote_ident(t->conn, t->cfg.publication_name);
    int server = PQserverVersion(t->conn);
    snprintf(opts, sizeof(opts), "\"proto_version\" '1', \"publication_names\" '%s'%s", pub,
             server >= 140000 ? ", \"messages\" 'true'" : "");
    free(pub);
    for (size_t i = 0; i < t->cfg.n_stream_params; i++) {
        size_t l = strlen(opts);
        snprintf(opts + l, sizeof(opts) - l, ", \"%s\" '%s'", t->cfg.stream_param_keys[i],
                 t->cfg.stream_param_values[i]);
    }
    if (pg_stream_start(s, t->cfg.slot_name, start, opts, st, errstr, errstr_size) != 0) {
        if (!strcmp(st, "55006"))
            snprintf(errstr + strlen(errstr), errstr_size - strlen(errstr),
                     "; when setting up multiple connectors for the same database host, please make sure "
                     "to use a distinct replication slot name for each.");
        *fatal = fatal_sqlstate(st) && strcmp(st, "55006") != 0;
        pg_stream_close(s);
        return -1;
    }
    char txt[32];
    pgo_lsn_format(start, txt);
    log_info(plog(), "[%s] Streaming changes from slot '%s' at LSN %s", cd_task_connector_name(t->ctx),
             t->cfg.slot_name, txt);
    t->stream = s;
    pgo_decoder_reset(t->dec);
    t->received_any = false;
    t->in_txn = false;
    return 0;
}

static void disconnect(pg_task_t *t) {
    pg_stream_close(t->stream);
    t->stream = NULL;
    if (t->conn) PQfinish(t->conn);
    t->conn = NULL;
}

/* ------------------------------------------------------------------ relations */

static void rel_free(rel_t *r) {
    if (!r) return;
    pg_catalog_clear(&r->cat);
    if (r->arena) cd_arena_destroy(r->arena);
    free(r->cols);
    free(r->value_cols);
    free(r->key_cols);
    free(r->wire_to_cat);
    free(r->topic);
    free(r->data_collection);
    free(r);
}

static rel_t *find_rel(pg_task_t *t, uint32_t relid) {
    for (size_t i = 0; i < t->n_rels; i++)
        if (t->rels[i]->relid == relid) return t->rels[i];
    return NULL;
}

static cd_schema_t *struct_schema(cd_arena_t *a, const char *name, bool optional, cd_field_t *fields,
                                  size_t n, int32_t version) {
    cd_schema_t *s = cd_arena_alloc(a, sizeof(*s));
    memset(s, 0, sizeof(*s));
    s->type = CD_TYPE_STRUCT;
    s->optional = optional;
    s->name = cd_arena_strndup(a, name, strlen(name));
    s->version = version;
    s->fields = fields;
    s->n_fields = n;
    s->cache_id = cd_schema_next_cache_id();
    return s;
}

/* Builds a relation's schemas from the catalog, in response to a Relation message. */
static int load_relation(pg_task_t *t, const pgo_relation_t *wire, char *errstr, size_t errstr_size) {
    rel_t *old = find_rel(t, wire->oid);
    rel_t *r = calloc(1, sizeof(*r));
    r->relid = wire->oid;
    r->captured = pg_config_table_included(&t->cfg, wire->nspname, wire->relname);
    if (!r->captured) {
        r->n_wire = wire->ncols;
    } else {
        if (pg_catalog_read(t->conn, wire, &r->cat, errstr, errstr_size) != 0) {
            free(r);
            return -1;
        }
        r->arena = cd_arena_new();
        char *topic_raw = xasprintf("%s%s%s%s%s", t->cfg.topic_prefix, t->cfg.topic_delimiter,
                                    r->cat.schema, t->cfg.topic_delimiter, r->cat.table);
        r->topic = sanitize_topic(topic_raw);
        free(topic_raw);
        r->data_collection = xasprintf("%s.%s", r->cat.schema, r->cat.table);
        size_t n = r->cat.n_columns;
        r->cols = calloc(n + 1, sizeof(pg_column_t *));
        r->value_cols = calloc(n + 1, sizeof(size_t));
        r->key_cols = calloc(n + 1, sizeof(size_t));
        /* Key columns: message.key.columns, else the primary key / first unique index. */
        const char *custom[64];
        size_t n_custom = pg_config_key_columns(&t->cfg, r->cat.schema, r->cat.table, custom, 64);
        if (n_custom > 64) n_custom = 64; /* it returns the total, like snprintf */
        for (size_t i = 0; i < n; i++) {
            pg_catalog_column_t *c = &r->cat.columns[i];
            if (n_custom) {
                c->key_position = 0;
                for (size_t j = 0; j < n_custom; j++)
                    if (!strcasecmp(custom[j], c->info.name)) c->key_position = (int)j + 1;
            }
            char err[512] = "";
            r->cols[i] = pg_column_new(&c->info, &t->topt, r->arena, err, sizeof(err));
            if (!r->cols[i] && err[0]) {
                snprintf(errstr, errstr_size, "Column %s.%s.%s: %s", r->cat.schema, r->cat.table,
                         c->info.name, err);
                rel_free(r);
                return -1;
            }
            if (r->cols[i] && pg_config_column_included(&t->cfg, r->cat.schema, r->cat.table, c->info.name))
                r->value_cols[r->n_value++] = i;
        }
        for (int pos = 1; pos <= (int)n; pos++)
            for (size_t i = 0; i < n; i++)
                if (r->cat.columns[i].key_position == pos && r->cols[i]) r->key_cols[r->n_key++] = i;
        if (r->n_key == 0 && r->cat.replica_identity != 'f')
            log_debug(plog(), "Table '%s' has no primary key or unique index: its events have no key",
                      r->data_collection);

        cd_field_t *vf = cd_arena_alloc(r->arena, (r->n_value + 1) * sizeof(cd_field_t));
        for (size_t i = 0; i < r->n_value; i++)
            vf[i] = (cd_field_t){r->cat.columns[r->value_cols[i]].info.name, pg_column_schema(r->cols[r->value_cols[i]])};
        char *nm = xasprintf("%s.Value", r->topic);
        r->row_schema = struct_schema(r->arena, nm, true, vf, r->n_value, 0);
        free(nm);
        if (r->n_key) {
            cd_field_t *kf = cd_arena_alloc(r->arena, r->n_key * sizeof(cd_field_t));
            for (size_t i = 0; i < r->n_key; i++)
                kf[i] = (cd_field_t){r->cat.columns[r->key_cols[i]].info.name, pg_column_schema(r->cols[r->key_cols[i]])};
            nm = xasprintf("%s.Key", r->topic);
            r->key_schema = struct_schema(r->arena, nm, false, kf, r->n_key, 0);
            free(nm);
        }
        cd_field_t *ef = cd_arena_alloc(r->arena, 8 * sizeof(cd_field_t));
        ef[0] = (cd_field_t){"before", r->row_schema};
        ef[1] = (cd_field_t){"after", r->row_schema};
        ef[2] = (cd_field_t){"source", &s_source};
        ef[3] = (cd_field_t){"transaction", &s_block};
        ef[4] = (cd_field_t){"op", &s_str};
        ef[5] = (cd_field_t){"ts_ms", &s_oi64};
        ef[6] = (cd_field_t){"ts_us", &s_oi64};
        ef[7] = (cd_field_t){"ts_ns", &s_oi64};
        nm = xasprintf("%s.Envelope", r->topic);
        r->envelope = struct_schema(r->arena, nm, false, ef, 8, 2);
        free(nm);
        /* The catalog columns are the Relation message's, in its order. */
        r->n_wire = wire->ncols;
        r->wire_to_cat = calloc((size_t)wire->ncols + 1, sizeof(int));
        for (uint16_t w = 0; w < wire->ncols; w++) r->wire_to_cat[w] = w;
        r->key_in_identity = r->n_key > 0;
        for (size_t i = 0; i < r->n_key; i++)
            if (!(wire->columns[r->key_cols[i]].flags & PGO_COLUMN_KEY)) r->key_in_identity = false;
    }
    if (old) {
        for (size_t i = 0; i < t->n_rels; i++)
            if (t->rels[i] == old) t->rels[i] = r;
        rel_free(old);
    } else {
        t->rels = realloc(t->rels, (t->n_rels + 1) * sizeof(rel_t *));
        t->rels[t->n_rels++] = r;
    }
    return 0;
}

/* ------------------------------------------------------------------ records */

static char *offset_json(pg_task_t *t, uint64_t lsn_proc) {
    char buf[512];
    int n = snprintf(buf, sizeof(buf), "{\"lsn_proc\":%llu,\"messageType\":\"%s\"",
                     (unsigned long long)lsn_proc, t->message_type ? t->message_type : "NOOP");
    if (t->have_commit)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, ",\"lsn_commit\":%llu", (unsigned long long)t->lsn_commit);
    n += snprintf(buf + n, sizeof(buf) - (size_t)n, ",\"lsn\":%llu", (unsigned long long)t->lsn);
    if (t->last_txn_id) n += snprintf(buf + n, sizeof(buf) - (size_t)n, ",\"txId\":%llu", (unsigned long long)t->last_txn_id);
    n += snprintf(buf + n, sizeof(buf) - (size_t)n, ",\"ts_usec\":%lld", (long long)t->last_ts_usec);
    cd_buf_t b = {0};
    cd_buf_append(&b, buf, (size_t)n);
    if (t->cfg.provide_transaction_metadata && t->in_txn) {
        n = snprintf(buf, sizeof(buf), ",\"transaction_id\":\"%u\"", t->xid);
        cd_buf_append(&b, buf, (size_t)n);
        for (size_t i = 0; i < t->n_tx_tables; i++) {
            /* data collection names are schema.table identifiers; quote them as JSON */
            cd_buf_append(&b, ",", 1);
            cd_buf_t k = {0};
            cd_buf_append(&k, "transaction_data_collection_order_", 34);
            cd_buf_append(&k, t->tx_tables[i], strlen(t->tx_tables[i]));
            cd_jw_string(&b, k.data, k.len);
            cd_buf_free(&k);
            n = snprintf(buf, sizeof(buf), ":%lld", (long long)t->tx_counts[i]);
            cd_buf_append(&b, buf, (size_t)n);
        }
    }
    cd_buf_append(&b, "}", 2);
    return b.data;
}

/* The __debezium.context.* headers (extended.headers.enabled). Returns how many were written. */
static size_t context_headers(const pg_task_t *t, cd_header_t *h) {
    if (!t->cfg.extended_headers_enabled) return 0;
    h[0] = (cd_header_t){"__debezium.context.connectorLogicalName", t->cfg.topic_prefix, strlen(t->cfg.topic_prefix)};
    h[1] = (cd_header_t){"__debezium.context.taskId", "0", 1};
    h[2] = (cd_header_t){"__debezium.context.connectorName", "postgresql", 10};
    return 3;
}

static int send_record(pg_task_t *t, const char *topic, const cd_schema_t *ks, const cd_value_t *k,
                       const cd_schema_t *vs, const cd_value_t *v, const cd_header_t *extra,
                       size_t n_extra, uint64_t lsn_proc, char *errstr, size_t errstr_size) {
    cd_header_t hdrs[8];
    size_t n = 0;
    for (size_t i = 0; i < n_extra && n < 4; i++) hdrs[n++] = extra[i];
    n += context_headers(t, hdrs + n);
    char *off = offset_json(t, lsn_proc);
    cd_source_record_t rec = {.topic = topic,
                              .kafka_partition = -1,
                              .key_schema = ks,
                              .key = k,
                              .value_schema = v ? vs : NULL,
                              .value = v,
                              .source_partition = t->partition,
                              .source_offset = off,
                              .timestamp_ms = -1,
                              .headers = hdrs,
                              .n_headers = n};
    int rc = cd_task_send(t->ctx, &rec, errstr, errstr_size);
    free(off);
    if (rc == 0) t->filtered_since_emit = 0;
    return rc;
}

/* The source block of the current event. */
static void fill_source(pg_task_t *t, cd_value_t *src, const char *schema, const char *table,
                        bool has_txid, char *seq, size_t seq_size) {
    cd_arena_t *a = t->scratch;
    int64_t ts_us = t->last_ts_usec;
    if (t->have_commit)
        snprintf(seq, seq_size, "[\"%llu\",\"%llu\"]", (unsigned long long)t->lsn_commit,
                 (unsigned long long)t->lsn);
    else
        snprintf(seq, seq_size, "[null,\"%llu\"]", (unsigned long long)t->lsn);
    cd_value_t *f = cd_arena_alloc(a, N_SOURCE * sizeof(cd_value_t));
    f[0] = cd_string(DEBEZIUM_VERSION, strlen(DEBEZIUM_VERSION));
    f[1] = cd_string("postgresql", 10);
    f[2] = cd_string(t->cfg.topic_prefix, strlen(t->cfg.topic_prefix));
    f[3] = cd_int(CD_TYPE_INT64, ts_us / 1000);
    f[4] = cd_null();
    f[5] = cd_string(t->cfg.dbname, strlen(t->cfg.dbname));
    f[6] = cd_string(seq, strlen(seq));
    f[7] = cd_int(CD_TYPE_INT64, ts_us);
    f[8] = cd_int(CD_TYPE_INT64, ts_us * 1000);
    f[9] = cd_string(schema, strlen(schema));
    f[10] = cd_string(table, strlen(table));
    f[11] = has_txid ? cd_int(CD_TYPE_INT64, (int64_t)t->last_txn_id) : cd_null();
    f[12] = cd_int(CD_TYPE_INT64, (int64_t)t->lsn);
    f[13] = cd_null();
    *src = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {f, N_SOURCE}};
}

/* Builds a row (value struct) or key struct from a tuple. fields: catalog indexes. */
static int build_struct(pg_task_t *t, rel_t *r, const pgo_tuple_t *tup, const size_t *fields,
                        size_t n, cd_value_t *out, char *errstr, size_t errstr_size) {
    cd_value_t *vals = cd_arena_alloc(t->scratch, (n + 1) * sizeof(cd_value_t));
    for (size_t i = 0; i < n; i++) {
        size_t ci = fields[i];
        char kind = 'n';
        const char *data = NULL;
        uint32_t len = 0;
        for (uint16_t w = 0; w < tup->n && w < r->n_wire; w++)
            if (r->wire_to_cat[w] == (int)ci) {
                kind = tup->values[w].kind;
                data = tup->values[w].data;
                len = tup->values[w].len;
            }
        if (pg_column_value(r->cols[ci], kind, data, len, t->scratch, &vals[i], errstr, errstr_size) != 0)
            return -1;
    }
    *out = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {vals, n}};
    return 0;
}

/* Copies unchanged-TOAST values of the new tuple from a full old tuple (REPLICA IDENTITY FULL). */
static pgo_tuple_t merge_toast(pg_task_t *t, const pgo_tuple_t *newt, const pgo_tuple_t *oldt) {
    if (!oldt || oldt->n != newt->n) return *newt;
    pgo_value_t *v = cd_arena_alloc(t->scratch, (newt->n + 1) * sizeof(pgo_value_t));
    for (uint16_t i = 0; i < newt->n; i++)
        v[i] = newt->values[i].kind == PGO_VALUE_UNCHANGED ? oldt->values[i] : newt->values[i];
    return (pgo_tuple_t){newt->n, v};
}

/* A key struct as text: how SimpleHeaderConverter writes a Struct header ({"id":2}: names and
 * strings quoted, numbers bare, bytes Base64), which is also an exact way to compare two keys. */
static void key_text(pg_task_t *t, const cd_schema_t *ks, const cd_value_t *k, cd_buf_t *out) {
    char err[256];
    out->len = 0;
    if (cd_converter_from_connect(t->plain_json, "", ks, k, out, err, sizeof(err)) < 0) {
        out->len = 0;
        log_warn(plog(), "Could not render a key: %s", err);
    }
}

/* The transaction block of an event of table dc ("<schema>.<table>"), counting it; null when
 * transaction metadata is off. */
static cd_value_t tx_block(pg_task_t *t, const char *dc) {
    if (!t->cfg.provide_transaction_metadata || !t->in_txn) return cd_null();
    size_t i;
    for (i = 0; i < t->n_tx_tables; i++)
        if (!strcmp(t->tx_tables[i], dc)) break;
    if (i == t->n_tx_tables) {
        t->tx_tables = realloc(t->tx_tables, (i + 1) * sizeof(char *));
        t->tx_counts = realloc(t->tx_counts, (i + 1) * sizeof(int64_t));
        t->tx_tables[i] = strdup(dc);
        t->tx_counts[i] = 0;
        t->n_tx_tables++;
    }
    t->tx_counts[i]++;
    t->tx_total++;
    char id[64];
    int n = snprintf(id, sizeof(id), "%u:%llu", t->xid, (unsigned long long)t->lsn);
    cd_value_t *f = cd_arena_alloc(t->scratch, 3 * sizeof(cd_value_t));
    f[0] = cd_string(cd_arena_strndup(t->scratch, id, (size_t)n), (size_t)n);
    f[1] = cd_int(CD_TYPE_INT64, t->tx_total);
    f[2] = cd_int(CD_TYPE_INT64, t->tx_counts[i]);
    return (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {f, 3}};
}

static void tx_reset(pg_task_t *t) {
    for (size_t i = 0; i < t->n_tx_tables; i++) free(t->tx_tables[i]);
    free(t->tx_tables);
    free(t->tx_counts);
    t->tx_tables = NULL;
    t->tx_counts = NULL;
    t->n_tx_tables = 0;
    t->tx_total = 0;
}

/* BEGIN and END records on the transaction topic. */
static int send_tx_event(pg_task_t *t, bool begin, uint64_t lsn, char *errstr, size_t errstr_size) {
    cd_arena_reset(t->scratch);
    char id[64];
    int n = snprintf(id, sizeof(id), "%u:%llu", t->xid, (unsigned long long)lsn);
    cd_value_t idv = cd_string(id, (size_t)n);
    cd_value_t key = {.type = CD_TYPE_STRUCT, .u.strct = {&idv, 1}};
    cd_value_t *f = cd_arena_alloc(t->scratch, 5 * sizeof(cd_value_t));
    f[0] = begin ? cd_string("BEGIN", 5) : cd_string("END", 3);
    f[1] = idv;
    f[2] = begin ? cd_null() : cd_int(CD_TYPE_INT64, t->tx_total);
    if (begin) {
        f[3] = cd_null();
    } else {
        cd_value_t *items = cd_arena_alloc(t->scratch, (t->n_tx_tables + 1) * sizeof(cd_value_t));
        for (size_t i = 0; i < t->n_tx_tables; i++) {
            cd_value_t *c = cd_arena_alloc(t->scratch, 2 * sizeof(cd_value_t));
            c[0] = cd_string(t->tx_tables[i], strlen(t->tx_tables[i]));
            c[1] = cd_int(CD_TYPE_INT64, t->tx_counts[i]);
            items[i] = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {c, 2}};
        }
        f[3] = (cd_value_t){.type = CD_TYPE_ARRAY, .u.array = {items, t->n_tx_tables}};
    }
    f[4] = cd_int(CD_TYPE_INT64, t->commit_ts_us / 1000);
    cd_value_t value = {.type = CD_TYPE_STRUCT, .u.strct = {f, 5}};
    return send_record(t, t->transaction_topic, &s_tx_key, &key, &s_tx_value, &value, NULL, 0, t->lsn_proc,
                       errstr, errstr_size);
}

static cd_value_t envelope(pg_task_t *t, const cd_value_t *before, const cd_value_t *after,
                           const cd_value_t *source, const char *op, const cd_value_t *block) {
    cd_value_t *f = cd_arena_alloc(t->scratch, 8 * sizeof(cd_value_t));
    int64_t now = wall_us();
    f[0] = before ? *before : cd_null();
    f[1] = after ? *after : cd_null();
    f[2] = *source;
    f[3] = block ? *block : cd_null();
    f[4] = cd_string(op, 1);
    f[5] = cd_int(CD_TYPE_INT64, now / 1000);
    f[6] = cd_int(CD_TYPE_INT64, now);
    f[7] = cd_int(CD_TYPE_INT64, now * 1000);
    return (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {f, 8}};
}

static bool skipped(pg_task_t *t, unsigned op) { return (t->cfg.skipped_operations & op) != 0; }

static int on_change(pg_task_t *t, const pgo_msg_t *m, uint64_t lsn, char *errstr, size_t errstr_size) {
    rel_t *r = find_rel(t, m->u.change.relid);
    if (!r) {
        snprintf(errstr, errstr_size, "Change for relation %u arrived before its Relation message", m->u.change.relid);
        return -1;
    }
    uint64_t prev_proc = t->lsn_proc;
    t->lsn = lsn;
    t->message_type = m->type == 'I' ? "INSERT" : m->type == 'U' ? "UPDATE" : "DELETE";
    /* Already emitted before the restart: the in-progress transaction up to lsn_proc. */
    bool replay = t->resume && t->last_txn_id == t->resume_txid && lsn <= t->resume_lsn_proc;
    unsigned op = m->type == 'I' ? PG_OP_CREATE : m->type == 'U' ? PG_OP_UPDATE : PG_OP_DELETE;
    if (!r->captured || replay || skipped(t, op)) {
        t->lsn_proc = lsn;
        t->filtered_since_emit++;
        return 0;
    }
    cd_arena_reset(t->scratch);
    char seq[96];
    cd_value_t src;
    fill_source(t, &src, r->cat.schema, r->cat.table, true, seq, sizeof(seq));
    cd_value_t block = tx_block(t, r->data_collection);
    const pgo_tuple_t *newt = &m->u.change.new_tuple, *oldt = &m->u.change.old_tuple;
    bool has_old = m->u.change.old_kind != 0;
    cd_value_t after, before, key, old_key;
    int rc = 0;

    if (m->type == 'I') {
        if (build_struct(t, r, newt, r->value_cols, r->n_value, &after, errstr, errstr_size) ||
            (r->key_schema && build_struct(t, r, newt, r->key_cols, r->n_key, &key, errstr, errstr_size)))
            return -1;
        cd_value_t env = envelope(t, NULL, &after, &src, "c", &block);
        rc = send_record(t, r->topic, r->key_schema, r->key_schema ? &key : NULL, r->envelope, &env,
                         NULL, 0, lsn, errstr, errstr_size);
    } else if (m->type == 'U') {
        pgo_tuple_t merged = merge_toast(t, newt, m->u.change.old_kind == 'O' ? oldt : NULL);
        if (build_struct(t, r, &merged, r->value_cols, r->n_value, &after, errstr, errstr_size) ||
            (r->key_schema && build_struct(t, r, &merged, r->key_cols, r->n_key, &key, errstr, errstr_size)))
            return -1;
        bool full = m->u.change.old_kind == 'O';
        /* An old tuple (the whole row, or the identity columns when one of them changed) is the
         * before image; without one, before is null. */
        if (has_old && build_struct(t, r, oldt, r->value_cols, r->n_value, &before, errstr, errstr_size)) return -1;
        bool key_changed = false;
        /* The old key is known when the old tuple is the whole row, or an identity tuple that
         * holds every key column (REPLICA IDENTITY USING INDEX on other columns does not). */
        if (has_old && r->key_schema && (full || r->key_in_identity)) {
            if (build_struct(t, r, oldt, r->key_cols, r->n_key, &old_key, errstr, errstr_size)) return -1;
            cd_buf_t a = {0}, b = {0};
            key_text(t, r->key_schema, &old_key, &a);
            key_text(t, r->key_schema, &key, &b);
            key_changed = a.len != b.len || memcmp(a.data, b.data, a.len) != 0;
            cd_buf_free(&a);
            cd_buf_free(&b);
        }
        if (!key_changed) {
            cd_value_t env = envelope(t, has_old ? &before : NULL, &after, &src, "u", &block);
            rc = send_record(t, r->topic, r->key_schema, r->key_schema ? &key : NULL, r->envelope, &env,
                             NULL, 0, lsn, errstr, errstr_size);
        } else {
            /* Primary key change: delete on the old key, tombstone, create on the new key. */
            cd_buf_t nk = {0}, ok = {0};
            key_text(t, r->key_schema, &key, &nk);
            key_text(t, r->key_schema, &old_key, &ok);
            cd_header_t hnew = {"__debezium.newkey", nk.data, nk.len};
            cd_header_t hold = {"__debezium.oldkey", ok.data, ok.len};
            cd_value_t del = envelope(t, &before, NULL, &src, "d", &block);
            rc = send_record(t, r->topic, r->key_schema, &old_key, r->envelope, &del, &hnew, 1, prev_proc,
                             errstr, errstr_size);
            if (rc == 0 && t->cfg.tombstones_on_delete)
                rc = send_record(t, r->topic, r->key_schema, &old_key, NULL, NULL, &hnew, 1, prev_proc,
                                 errstr, errstr_size);
            if (rc == 0) {
                cd_value_t block2 = tx_block(t, r->data_collection);
                cd_value_t cre = envelope(t, NULL, &after, &src, "c", &block2);
                rc = send_record(t, r->topic, r->key_schema, &key, r->envelope, &cre, &hold, 1, lsn,
                                 errstr, errstr_size);
            }
            cd_buf_free(&nk);
            cd_buf_free(&ok);
        }
    } else {
        if (build_struct(t, r, oldt, r->value_cols, r->n_value, &before, errstr, errstr_size) ||
            (r->key_schema && build_struct(t, r, oldt, r->key_cols, r->n_key, &key, errstr, errstr_size)))
            return -1;
        cd_value_t env = envelope(t, &before, NULL, &src, "d", &block);
        bool tomb = t->cfg.tombstones_on_delete;
        rc = send_record(t, r->topic, r->key_schema, r->key_schema ? &key : NULL, r->envelope, &env, NULL,
                         0, tomb ? prev_proc : lsn, errstr, errstr_size);
        if (rc == 0 && tomb)
            rc = send_record(t, r->topic, r->key_schema, r->key_schema ? &key : NULL, NULL, NULL, NULL, 0,
                             lsn, errstr, errstr_size);
    }
    if (rc == 0) t->lsn_proc = lsn;
    return rc;
}

static int on_truncate(pg_task_t *t, const pgo_msg_t *m, uint64_t lsn, char *errstr, size_t errstr_size) {
    t->lsn = lsn;
    t->message_type = "TRUNCATE";
    bool replay = t->resume && t->last_txn_id == t->resume_txid && lsn <= t->resume_lsn_proc;
    if (replay || skipped(t, PG_OP_TRUNCATE)) {
        t->lsn_proc = lsn;
        return 0;
    }
    for (uint32_t i = 0; i < m->u.truncate.nrelids; i++) {
        rel_t *r = find_rel(t, m->u.truncate.relids[i]);
        if (!r || !r->captured) continue;
        cd_arena_reset(t->scratch);
        char seq[96];
        cd_value_t src;
        fill_source(t, &src, r->cat.schema, r->cat.table, true, seq, sizeof(seq));
        cd_value_t block = tx_block(t, r->data_collection);
        cd_value_t env = envelope(t, NULL, NULL, &src, "t", &block);
        if (send_record(t, r->topic, NULL, NULL, r->envelope, &env, NULL, 0, lsn, errstr, errstr_size) != 0)
            return -1;
    }
    t->lsn_proc = lsn;
    return 0;
}

static int on_message(pg_task_t *t, const pgo_msg_t *m, uint64_t lsn, char *errstr, size_t errstr_size) {
    t->lsn = lsn;
    t->message_type = "MESSAGE";
    bool transactional = m->u.message.transactional;
    if (!transactional) t->lsn_proc = lsn;
    if (!pg_config_message_prefix_included(&t->cfg, m->u.message.prefix)) return 0;
    if (transactional && t->resume && t->last_txn_id == t->resume_txid && lsn <= t->resume_lsn_proc) return 0;
    cd_arena_reset(t->scratch);
    char seq[96];
    cd_value_t src;
    uint64_t saved_txn = t->last_txn_id;
    if (!transactional) t->last_txn_id = 0;
    fill_source(t, &src, "", "", transactional, seq, sizeof(seq));
    t->last_txn_id = saved_txn;
    cd_value_t *kf = cd_arena_alloc(t->scratch, sizeof(cd_value_t));
    kf[0] = cd_string(m->u.message.prefix, strlen(m->u.message.prefix));
    cd_value_t key = {.type = CD_TYPE_STRUCT, .u.strct = {kf, 1}};
    cd_value_t *mf = cd_arena_alloc(t->scratch, 2 * sizeof(cd_value_t));
    mf[0] = cd_string(m->u.message.prefix, strlen(m->u.message.prefix));
    mf[1] = (cd_value_t){.type = CD_TYPE_BYTES, .u.str = {m->u.message.content, m->u.message.content_len}};
    cd_value_t *vf = cd_arena_alloc(t->scratch, 5 * sizeof(cd_value_t));
    vf[0] = cd_string("m", 1);
    vf[1] = cd_int(CD_TYPE_INT64, wall_us() / 1000);
    vf[2] = src;
    vf[3] = transactional ? tx_block(t, "") : cd_null();
    vf[4] = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {mf, 2}};
    cd_value_t value = {.type = CD_TYPE_STRUCT, .u.strct = {vf, 5}};
    int rc = send_record(t, t->message_topic, &s_msg_key, &key, t->msg_value_schema, &value, NULL, 0,
                         lsn, errstr, errstr_size);
    if (rc == 0 && transactional) t->lsn_proc = lsn;
    return rc;
}

static int send_heartbeat(pg_task_t *t, char *errstr, size_t errstr_size) {
    if (!t->have_position) return 0; /* nothing is emitted while no offset exists yet */
    cd_arena_reset(t->scratch);
    cd_value_t *kf = cd_arena_alloc(t->scratch, sizeof(cd_value_t));
    kf[0] = cd_string(t->cfg.topic_prefix, strlen(t->cfg.topic_prefix));
    cd_value_t key = {.type = CD_TYPE_STRUCT, .u.strct = {kf, 1}};
    cd_value_t *vf = cd_arena_alloc(t->scratch, sizeof(cd_value_t));
    vf[0] = cd_int(CD_TYPE_INT64, wall_us() / 1000);
    cd_value_t value = {.type = CD_TYPE_STRUCT, .u.strct = {vf, 1}};
    if (t->cfg.heartbeat_action_query && t->conn) {
        PGresult *r = PQexec(t->conn, t->cfg.heartbeat_action_query);
        if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
            const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            log_warn(plog(), "Could not execute heartbeat action query (Error: %s): %s", st ? st : "",
                     PQresultErrorMessage(r));
        }
        PQclear(r);
    }
    return send_record(t, t->heartbeat_topic, &s_hb_key, &key, &s_hb_value, &value, NULL, 0, t->lsn_proc,
                       errstr, errstr_size);
}

/* One decoded message. */
static int dispatch(pg_task_t *t, const pgo_msg_t *m, uint64_t lsn, char *errstr, size_t errstr_size) {
    switch (m->type) {
    case 'B':
        t->in_txn = true;
        t->xid = m->u.begin.xid;
        t->last_txn_id = m->u.begin.xid;
        t->commit_ts_us = pgo_pg_epoch_to_unix_us(m->u.begin.commit_ts);
        t->last_ts_usec = t->commit_ts_us;
        t->txn_final_lsn = m->u.begin.final_lsn;
        /* A transaction that committed at or before the committed lsn_commit was emitted whole. */
        t->skip_txn = t->resume && t->resume_has_commit && m->u.begin.final_lsn <= t->resume_lsn_commit;
        t->message_type = "BEGIN";
        tx_reset(t);
        if (t->cfg.provide_transaction_metadata && !t->skip_txn &&
            !(t->resume && t->xid == t->resume_txid))
            return send_tx_event(t, true, lsn, errstr, errstr_size);
        return 0;
    case 'C': {
        /* The position moves first, so that the END record's offset says the transaction is
         * complete. */
        t->in_txn = false;
        t->lsn = m->u.commit.commit_lsn;
        t->lsn_proc = m->u.commit.commit_lsn;
        t->lsn_commit = m->u.commit.commit_lsn;
        t->have_commit = true;
        t->have_position = true;
        t->message_type = "COMMIT";
        int rc = 0;
        if (t->cfg.provide_transaction_metadata && !t->skip_txn)
            rc = send_tx_event(t, false, m->u.commit.commit_lsn, errstr, errstr_size);
        if (t->resume && m->u.commit.commit_lsn > t->resume_lsn_commit) t->resume = false;
        t->skip_txn = false;
        tx_reset(t);
        return rc;
    }
    case 'R':
        return load_relation(t, &m->u.relation, errstr, errstr_size);
    case 'I':
    case 'U':
    case 'D':
        if (t->skip_txn) return 0;
        return on_change(t, m, lsn, errstr, errstr_size);
    case 'T':
        if (t->skip_txn) return 0;
        return on_truncate(t, m, lsn, errstr, errstr_size);
    case 'M':
        if (t->skip_txn && m->u.message.transactional) return 0;
        return on_message(t, m, lsn, errstr, errstr_size);
    default:
        return 0; /* Origin, Type: nothing to emit */
    }
}

/* ------------------------------------------------------------------ plugin functions */

static int task_configs(const cd_props_t *config, int max_tasks, cd_props_t **out, char *errstr,
                        size_t errstr_size) {
    (void)max_tasks;
    (void)errstr;
    (void)errstr_size;
    out[0] = cd_props_copy(config); /* one task, always */
    return 1;
}

static void task_stop(void *task);

static void *task_start(const cd_props_t *config, cd_task_context_t *ctx, char *errstr, size_t errstr_size) {
    pg_task_t *t = calloc(1, sizeof(*t));
    t->ctx = ctx;
    if (pg_config_parse(config, &t->cfg, errstr, errstr_size) != 0) {
        free(t);
        return NULL;
    }
    pg_type_options_default(&t->topt);
    t->topt.decimal = t->cfg.decimal_handling_mode;
    t->topt.time = t->cfg.time_precision_mode;
    t->topt.binary = t->cfg.binary_handling_mode;
    t->topt.hstore = t->cfg.hstore_handling_mode;
    t->topt.interval = t->cfg.interval_handling_mode;
    t->topt.money_fraction_digits = t->cfg.money_fraction_digits;
    t->topt.include_unknown_datatypes = t->cfg.include_unknown_datatypes;
    t->topt.unavailable_placeholder = t->cfg.unavailable_value_placeholder;
    cd_buf_t p = {0};
    char *part = xasprintf("{\"server\":\"%s\"}", t->cfg.topic_prefix); /* topic.prefix: [A-Za-z0-9._-] */
    cd_buf_append(&p, part, strlen(part) + 1);
    free(part);
    t->partition = p.data;
    t->heartbeat_topic = t->cfg.topic_heartbeat_name ? strdup(t->cfg.topic_heartbeat_name)
                                                     : xasprintf("%s.%s", t->cfg.topic_heartbeat_prefix, t->cfg.topic_prefix);
    t->message_topic = xasprintf("%s%smessage", t->cfg.topic_prefix, t->cfg.topic_delimiter);
    t->transaction_topic = xasprintf("%s%s%s", t->cfg.topic_prefix, t->cfg.topic_delimiter, t->cfg.topic_transaction);
    t->dec = pgo_decoder_new();
    t->scratch = cd_arena_new();
    cd_props_t *jp = cd_props_new();
    cd_props_set(jp, "schemas.enable", "false");
    t->plain_json = cd_converter_new("org.apache.kafka.connect.json.JsonConverter", jp, true, errstr, errstr_size);
    cd_props_destroy(jp);
    t->fixed = cd_arena_new();
    /* The message value: op, ts_ms, source, transaction, message{prefix, content}. */
    const cd_schema_t *content = &s_obytes;
    if (t->cfg.binary_handling_mode != PG_BINARY_BYTES) content = &s_ostr;
    cd_field_t *mf = cd_arena_alloc(t->fixed, 2 * sizeof(cd_field_t));
    mf[0] = (cd_field_t){"prefix", &s_ostr};
    mf[1] = (cd_field_t){"content", content};
    cd_schema_t *msg = struct_schema(t->fixed, "io.debezium.connector.postgresql.Message", false, mf, 2, 1);
    cd_field_t *vf = cd_arena_alloc(t->fixed, 5 * sizeof(cd_field_t));
    vf[0] = (cd_field_t){"op", &s_str};
    vf[1] = (cd_field_t){"ts_ms", &s_oi64};
    vf[2] = (cd_field_t){"source", &s_source};
    vf[3] = (cd_field_t){"transaction", &s_block};
    vf[4] = (cd_field_t){"message", msg};
    t->msg_value_schema = struct_schema(t->fixed, "io.debezium.connector.postgresql.MessageValue", false, vf, 5, 1);

    char *off = cd_task_committed_offset(ctx, t->partition);
    if (off) {
        uint64_t v;
        t->resume = true;
        if (offset_field(off, "lsn_proc", &v)) t->resume_lsn_proc = v;
        else if (offset_field(off, "lsn", &v)) t->resume_lsn_proc = v;
        if (offset_field(off, "lsn_commit", &v)) {
            t->resume_lsn_commit = v;
            t->resume_has_commit = true;
        }
        if (offset_field(off, "txId", &v)) t->resume_txid = v;
        t->lsn_proc = t->resume_lsn_proc;
        t->lsn_commit = t->resume_lsn_commit;
        t->have_commit = t->resume_has_commit;
        t->lsn = t->resume_lsn_proc;
        t->last_txn_id = t->resume_txid;
        if (offset_field(off, "ts_usec", &v)) t->last_ts_usec = (int64_t)v;
        t->have_position = true;
        log_info(plog(), "[%s] Found previous offset %s", cd_task_connector_name(ctx), off);
        free(off);
    }
    if (t->cfg.slot_drop_on_stop)
        log_warn(plog(), "Connector has enabled automated replication slot removal upon restart (slot.drop.on.stop = "
                         "true). This setting is not recommended for production environments, as a new replication "
                         "slot will be created after a connector restart, resulting in missed data change events.");
    bool fatal;
    if (connect_and_start(t, errstr, errstr_size, &fatal) != 0) {
        if (fatal) {
            task_stop(t);
            return NULL;
        }
        log_warn(plog(), "[%s] %s; retrying", cd_task_connector_name(ctx), errstr);
        disconnect(t);
        t->reconnect_at_ms = mono_ms() + t->cfg.slot_retry_delay_ms;
        t->reconnect_attempts = 1;
    }
    t->next_status_ms = mono_ms() + t->cfg.status_update_interval_ms;
    t->next_heartbeat_ms = mono_ms() + t->cfg.heartbeat_interval_ms;
    return t;
}

/* The server went away or closed the stream: reconnect and resume from what was processed (the
 * resume rules skip what was already emitted). */
static void stream_lost(pg_task_t *t, const char *why) {
    log_warn(plog(), "[%s] %s; reconnecting", cd_task_connector_name(t->ctx), why);
    disconnect(t);
    t->resume = true;
    t->resume_lsn_proc = t->lsn_proc;
    t->resume_lsn_commit = t->lsn_commit;
    t->resume_has_commit = t->have_commit;
    t->resume_txid = t->in_txn ? t->xid : 0;
    t->reconnect_at_ms = mono_ms() + 1000;
    t->reconnect_attempts = 1;
}

static int task_poll(void *task, char *errstr, size_t errstr_size) {
    pg_task_t *t = task;
    int64_t deadline = mono_ms() + t->cfg.poll_interval_ms;
    if (!t->stream) {
        /* Reconnecting after a transient failure, with a delay between attempts. */
        while (mono_ms() < t->reconnect_at_ms && !cd_task_stopping(t->ctx)) {
            struct timespec ts = {0, 50 * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (cd_task_stopping(t->ctx)) return 0;
        bool fatal;
        if (connect_and_start(t, errstr, errstr_size, &fatal) != 0) {
            disconnect(t);
            if (fatal || (t->cfg.slot_max_retries >= 0 && t->reconnect_attempts >= t->cfg.slot_max_retries))
                return -1;
            log_warn(plog(), "[%s] %s; waiting for %lld ms and retrying, attempt number %d over %d",
                     cd_task_connector_name(t->ctx), errstr, (long long)t->cfg.slot_retry_delay_ms,
                     t->reconnect_attempts, t->cfg.slot_max_retries);
            t->reconnect_attempts++;
            t->reconnect_at_ms = mono_ms() + t->cfg.slot_retry_delay_ms;
            return 0;
        }
        t->reconnect_attempts = 0;
    }
    int emitted = 0;
    while (!cd_task_stopping(t->ctx) && emitted < t->cfg.max_batch_size) {
        int64_t left = deadline - mono_ms();
        if (left < 0) left = 0;
        const char *data;
        size_t len;
        uint64_t lsn;
        int r = pg_stream_next(t->stream, (int)(left > 100 ? 100 : left), &data, &len, &lsn, errstr, errstr_size);
        if (r < 0) {
            stream_lost(t, errstr);
            return 0;
        }
        if (r == 1) {
            t->received_any = true;
            pgo_msg_t m;
            if (pgo_decode(t->dec, data, len, &m, errstr, errstr_size) != 0) return -1;
            if (dispatch(t, &m, lsn, errstr, errstr_size) != 0) {
                if (cd_task_stopping(t->ctx)) return 0;
                char off[64];
                pgo_lsn_format(lsn, off);
                size_t l = strlen(errstr);
                snprintf(errstr + l, errstr_size - l, " (error while processing event at LSN %s)", off);
                return -1;
            }
            emitted++;
        }
        int64_t now = mono_ms();
        if (t->cfg.heartbeat_interval_ms > 0 && now >= t->next_heartbeat_ms && !t->in_txn) {
            if (send_heartbeat(t, errstr, errstr_size) != 0) return cd_task_stopping(t->ctx) ? 0 : -1;
            t->next_heartbeat_ms = now + t->cfg.heartbeat_interval_ms;
        }
        if (now >= t->next_status_ms) {
            /* A status update that cannot be sent means the connection is gone, as a read error
             * does (a lost connection must not go unnoticed while the server has nothing to send). */
            if (pg_stream_confirm(t->stream, t->confirmed, errstr, errstr_size) != 0) {
                stream_lost(t, errstr);
                return 0;
            }
            t->next_status_ms = now + t->cfg.status_update_interval_ms;
        }
        if (r == 0 && now >= deadline) break;
    }
    if (t->filtered_since_emit > 10000 && t->cfg.heartbeat_interval_ms <= 0) {
        log_warn(plog(), "Received %lld events which were all filtered out, so no offset could be committed. This "
                         "prevents the replication slot from acknowledging the processed WAL offsets, causing a "
                         "growing backlog of non-removeable WAL segments on the database server. Consider to either "
                         "adjust your filter configuration or enable heartbeat events (via the heartbeat.interval.ms "
                         "option) to avoid this situation.",
                 (long long)t->filtered_since_emit);
        t->filtered_since_emit = 0;
    }
    return 0;
}

/* The offsets up to source_offset are in Kafka: let the slot release the WAL before lsn_commit. */
static void task_commit(void *task, const char *source_partition, const char *source_offset) {
    pg_task_t *t = task;
    (void)source_partition;
    if (t->cfg.lsn_flush_mode == PG_LSN_FLUSH_MANUAL) return;
    uint64_t lsn;
    if (!offset_field(source_offset, "lsn_commit", &lsn) && !offset_field(source_offset, "lsn_proc", &lsn)) return;
    if (lsn <= t->confirmed) return;
    t->confirmed = lsn;
    if (!t->stream || !t->received_any) return; /* sent with the next status update */
    char err[512];
    if (pg_stream_confirm(t->stream, lsn, err, sizeof(err)) != 0)
        log_warn(plog(), "[%s] Could not confirm LSN to the server: %s", cd_task_connector_name(t->ctx), err);
    else
        log_debug(plog(), "[%s] Confirmed flushed LSN %llu", cd_task_connector_name(t->ctx), (unsigned long long)lsn);
}

/* The runtime waits for Kafka (back-pressure, or Kafka unreachable), in the middle of a poll:
 * meanwhile nobody reads the replication stream, and a walsender that hears nothing from its
 * client for wal_sender_timeout (60 s by default) ends the connection. A status update, about
 * once a second, keeps it alive; it confirms only what the committed offsets cover, as always.
 * Should the connection die anyway, reading the stream fails once the task goes on, and the
 * stream is re-established from what was processed (task_poll), so nothing is skipped. */
static void task_waiting(void *task) {
    pg_task_t *t = task;
    if (!t->stream) return;
    char err[512];
    if (pg_stream_confirm(t->stream, t->confirmed, err, sizeof(err)) != 0) {
        int64_t now = mono_ms();
        if (now >= t->next_status_ms) /* said at most once per status.update.interval.ms */
            log_warn(plog(), "[%s] %s while waiting for Kafka; the replication connection is "
                             "re-established when the task goes on",
                     cd_task_connector_name(t->ctx), err);
        t->next_status_ms = now + t->cfg.status_update_interval_ms;
    }
}

static void task_stop(void *task) {
    pg_task_t *t = task;
    if (!t) return;
    pg_stream_close(t->stream);
    t->stream = NULL;
    if (t->cfg.slot_drop_on_stop && t->conn) {
        /* The walsender of the closed replication connection may take a moment to go away. */
        const char *p[1] = {t->cfg.slot_name};
        char err[512], st[6] = "";
        char *r = NULL;
        for (int attempt = 0; attempt < 50 && !r; attempt++) {
            r = query_one(t->conn, "SELECT pg_drop_replication_slot($1)", 1, p, err, sizeof(err), st);
            if (!r && strcmp(st, "55006") != 0) break; /* only "slot is active" is worth waiting for */
            if (!r) {
                struct timespec ts = {0, 100 * 1000000L};
                nanosleep(&ts, NULL);
            }
        }
        if (r) {
            log_info(plog(), "Dropped replication slot '%s'", t->cfg.slot_name);
            note_slot_held(t, false);
        } else {
            log_warn(plog(), "Could not drop replication slot %s: %s", t->cfg.slot_name, err);
        }
        free(r);
    }
    if (t->conn) PQfinish(t->conn);
    for (size_t i = 0; i < t->n_rels; i++) rel_free(t->rels[i]);
    free(t->rels);
    pgo_decoder_destroy(t->dec);
    tx_reset(t);
    cd_converter_destroy(t->plain_json);
    if (t->scratch) cd_arena_destroy(t->scratch);
    if (t->fixed) cd_arena_destroy(t->fixed);
    free(t->partition);
    free(t->heartbeat_topic);
    free(t->message_topic);
    free(t->transaction_topic);
    pg_config_clear(&t->cfg);
    free(t);
}

static const char *const aliases[] = {"PostgresConnector", NULL};

const cd_connector_plugin_t postgres_plugin = {
    .class_name = CONNECTOR_CLASS,
    .aliases = aliases,
    .type = CD_CONNECTOR_SOURCE,
    .version = DEBEZIUM_VERSION,
    .task_class = TASK_CLASS,
    .config_def = {pg_config_keys, PG_CONFIG_N_KEYS},
    .validate = pg_config_validate,
    .task_configs = task_configs,
    .start = task_start,
    .poll = task_poll,
    .commit = task_commit,
    .waiting = task_waiting,
    .stop = task_stop,
};
