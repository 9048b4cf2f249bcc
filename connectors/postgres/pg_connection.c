/* pg_connection.c - a PostgreSQL task's connections: the regular one (server checks, catalog,
 * publication, slot lookup, heartbeat action query) and the replication stream, started where the
 * resume position says. Every statement is bounded (pg_exec.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connect/json_write.h"
#include "connectors/postgres/pg_task.h"
#include "xalloc.h"

/* ------------------------------------------------------------------ connections */

/* The application_name of each connection, as Debezium names its own (what pg_stat_activity and
 * pg_stat_replication show, and what a DBA's queries may select on). */
#define APP_GENERAL "Debezium General"
#define APP_STREAMING "Debezium Streaming"
#define APP_VALIDATE "Debezium Validate Connection"

/* libpq parameters for the configured server, for a connection named app. Session settings make
 * pgoutput's text values come out in the formats the type mapping reads. */
static void conn_params(const pg_config_t *c, const char *app, const char **k, const char **v, char *port,
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
    if (c->sslpassword) k[n] = "sslpassword", v[n++] = c->sslpassword;
    if (c->sslrootcert) k[n] = "sslrootcert", v[n++] = c->sslrootcert;
    k[n] = "application_name", v[n++] = app;
    k[n] = "client_encoding", v[n++] = "UTF8";
    k[n] = "connect_timeout", v[n++] = "10";
    /* A peer that vanished (network cut, host down) is noticed in about a minute instead of the
     * kernel's two hours. */
    k[n] = "keepalives", v[n++] = "1";
    k[n] = "keepalives_idle", v[n++] = "30";
    k[n] = "keepalives_interval", v[n++] = "10";
    k[n] = "keepalives_count", v[n++] = "3";
    k[n] = "options",
    v[n++] = "-c DateStyle=ISO -c IntervalStyle=postgres -c extra_float_digits=3 -c TimeZone=UTC";
    k[n] = NULL, v[n] = NULL;
}

/* What pgjdbc's PSQLException says about a failed connection, which Debezium shows: a server's
 * error as "SEVERITY: message" (ServerErrorMessage), a refused connection with the host and port,
 * anything else (unknown host, timeout, unreachable) as "The connection attempt failed.". libpq
 * puts the server's error after 'failed: ' with two spaces after the severity. */
static void jdbc_connect_error(const pg_config_t *c, const char *libpq, char *msg, size_t msg_size) {
    static const char *const severities[] = {"FATAL:  ", "ERROR:  ", "PANIC:  "};
    for (size_t i = 0; i < sizeof(severities) / sizeof(severities[0]); i++) {
        const char *at = strstr(libpq, severities[i]);
        if (!at) continue;
        const char *text = at + strlen(severities[i]);
        size_t n = strcspn(text, "\n");
        snprintf(msg, msg_size, "%.*s: %.*s", (int)(strlen(severities[i]) - 3), severities[i], (int)n, text);
        return;
    }
    if (strstr(libpq, "Connection refused")) {
        snprintf(msg, msg_size,
                 "Connection to %s:%d refused. Check that the hostname and port are correct and that the "
                 "postmaster is accepting TCP/IP connections.",
                 c->hostname, c->port);
        return;
    }
    snprintf(msg, msg_size, "The connection attempt failed.");
}

int pg_check_connection(const pg_config_t *c, char *msg, size_t msg_size) {
    const char *k[24], *v[24];
    char port[16], timeout[24];
    conn_params(c, APP_VALIDATE, k, v, port, sizeof(port));
    /* connect_timeout: the validation's own limit (connection.validation.timeout.ms), in whole
     * seconds, at least one. */
    long long secs = (c->connection_validation_timeout_ms + 999) / 1000;
    snprintf(timeout, sizeof(timeout), "%lld", secs < 1 ? 1 : secs);
    for (size_t i = 0; k[i]; i++)
        if (!strcmp(k[i], "connect_timeout")) v[i] = timeout;
    PGconn *conn = PQconnectdbParams(k, v, 0);
    int rc = 0;
    if (PQstatus(conn) != CONNECTION_OK) {
        jdbc_connect_error(c, PQerrorMessage(conn), msg, msg_size);
        rc = -1;
    } else {
        PGresult *r = PQexec(conn, "SELECT version()");
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            snprintf(msg, msg_size, "%s: %s", PQresultErrorField(r, PG_DIAG_SEVERITY) ? PQresultErrorField(r, PG_DIAG_SEVERITY) : "ERROR",
                     PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
                                                                    : PQerrorMessage(conn));
            rc = -1;
        }
        PQclear(r);
    }
    PQfinish(conn);
    return rc;
}

/* Server errors that retrying will not fix. */
static bool fatal_sqlstate(const char *st) {
    return st && (!strcmp(st, "28P01") || !strcmp(st, "28000") || !strcmp(st, "42501") ||
                  !strcmp(st, "55000") || !strcmp(st, "42704") || !strcmp(st, "3D000") ||
                  !strcmp(st, "42710"));
}

PGconn *pg_open_regular(pg_task_t *t, char *errstr, size_t errstr_size, bool *fatal) {
    const char *k[20], *v[20];
    char port[16];
    conn_params(&t->cfg, APP_GENERAL, k, v, port, sizeof(port));
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
        char err[512];
        PGresult *r = pg_exec(c, t->cfg.initial_statements[i], 0, NULL, &t->bound, err, sizeof(err));
        if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
            snprintf(errstr, errstr_size, "database.initial.statements: '%s' failed: %s",
                     t->cfg.initial_statements[i], r ? PQresultErrorMessage(r) : err);
            PQclear(r);
            PQfinish(c);
            *fatal = r != NULL;
            return NULL;
        }
        PQclear(r);
    }
    return c;
}

static char *query_one(pg_task_t *t, const char *sql, int nparams, const char *const *params,
                       char *errstr, size_t errstr_size, char *sqlstate) {
    PGresult *r = pg_exec(t->conn, sql, nparams, params, &t->bound, errstr, errstr_size);
    char *out = NULL;
    if (!r) {
        if (sqlstate) *sqlstate = '\0';
    } else if (PQresultStatus(r) == PGRES_TUPLES_OK) {
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

static int exec_cmd(pg_task_t *t, const char *sql, char *errstr, size_t errstr_size, char *sqlstate) {
    PGresult *r = pg_exec(t->conn, sql, 0, NULL, &t->bound, errstr, errstr_size);
    int rc = 0;
    if (!r) return -1;
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
    char err[512];
    PGresult *r = pg_exec(t->conn,
                         "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN "
                         "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN "
                         "('r','p') ORDER BY 1, 2", 0, NULL, &t->bound, err, sizeof(err));
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(errstr, errstr_size, "Could not list tables: %s", r ? PQresultErrorMessage(r) : err);
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
    char *puballtables = query_one(t, "SELECT puballtables::text FROM pg_catalog.pg_publication WHERE pubname = $1",
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
            log_info(pg_log(), "Creating new publication '%s' for plugin 'PGOUTPUT'", t->cfg.publication_name);
            if (exec_cmd(t, sql, err, sizeof(err), NULL) != 0) {
                snprintf(errstr, errstr_size, "Unable to create publication %s: %s", t->cfg.publication_name, err);
                *fatal = true;
                rc = -1;
            }
        }
        break;
    case PG_AUTOCREATE_NO_TABLES:
        if (!exists) {
            snprintf(sql, sizeof(sql), "CREATE PUBLICATION %s;", qname);
            if (exec_cmd(t, sql, err, sizeof(err), NULL) != 0) {
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
            if (exec_cmd(t, sql, err, sizeof(err), NULL) != 0) {
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

/* Opens the snapshot (pg_snapshot.h). exported: the new slot's snapshot, whose consistent point
 * slot_pos is where streaming starts. Otherwise streaming goes on from the task's position (the
 * stored offset; an interrupted snapshot's also says which chunk to go on from), else from the
 * slot's confirmed position, else (no slot: initial_only) from the server's current one. */
static int open_snapshot(pg_task_t *t, const char *exported, uint64_t slot_pos, char *errstr, size_t errstr_size) {
    pg_pos_t start = {0}, resume = {0};
    bool resuming = false;
    if (exported) {
        start.lsn = slot_pos;
    } else if (t->pos.known) {
        resuming = t->pos.snapshot && !t->pos.snapshot_completed;
        if (resuming) resume = t->pos;
        start.lsn = t->pos.snapshot ? t->pos.lsn : t->pos.has_commit ? t->pos.lsn_commit : t->pos.lsn_proc;
        start.has_commit = t->pos.has_commit;
        start.lsn_commit = t->pos.lsn_commit;
    } else if (slot_pos) {
        start.lsn = slot_pos;
    } else {
        char err[512];
        char *now = query_one(t, "SELECT pg_catalog.pg_current_wal_lsn()::text", 0, NULL, err, sizeof(err), NULL);
        if (!now || pgo_lsn_parse(now, &start.lsn) != 0) {
            snprintf(errstr, errstr_size, "Could not read the server's WAL position: %s", now ? now : err);
            free(now);
            return -1;
        }
        free(now);
    }
    start.lsn_proc = start.lsn;
    if (!pg_snapshot_open(t, exported, &start, resuming ? &resume : NULL, errstr, errstr_size)) return -1;
    t->snapshot_pending = false;
    return 0;
}

/* The PID of the walsender holding the slot, after START_REPLICATION answered 55006: from the
 * server's message ("replication slot \"x\" is active for PID 1234"), else from
 * pg_replication_slots. 0 when neither tells. */
static int slot_holder_pid(pg_task_t *t, const char *message) {
    const char *p = strstr(message, "is active for PID ");
    if (p) {
        long pid = strtol(p + strlen("is active for PID "), NULL, 10);
        if (pid > 0 && pid <= INT32_MAX) return (int)pid;
    }
    const char *sp[1] = {t->cfg.slot_name};
    char err[512];
    char *v = query_one(t, "SELECT active_pid::text FROM pg_catalog.pg_replication_slots WHERE slot_name = $1", 1, sp,
                        err, sizeof(err), NULL);
    int pid = v ? atoi(v) : 0;
    free(v);
    return pid > 0 ? pid : 0;
}

/* Connects, checks the server, makes sure the publication and the slot exist, and starts
 * streaming where the committed offset (or the slot) says, or opens the snapshot that comes
 * first. Returns 0, or -1 with *fatal telling whether retrying can help. */
int pg_connect_and_start(pg_task_t *t, char *errstr, size_t errstr_size, bool *fatal) {
    char err[2048], st[6] = "";
    *fatal = false;
    t->slot_busy_pid = -1;
    if (!t->conn && !(t->conn = pg_open_regular(t, errstr, errstr_size, fatal))) return -1;

    char *wal = query_one(t, "SHOW wal_level", 0, NULL, err, sizeof(err), NULL);
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
    char *slot_lsn = query_one(t,
                               "SELECT coalesce(confirmed_flush_lsn::text, 'none') FROM pg_catalog.pg_replication_slots "
                               "WHERE slot_name = $1 AND database = $2 AND plugin = 'pgoutput'",
                               2, sp, err, sizeof(err), st);
    if (!slot_lsn) {
        snprintf(errstr, errstr_size, "Could not look up replication slot %s: %s", t->cfg.slot_name, err);
        return -1;
    }
    t->stream = NULL;
    bool slot_exists = *slot_lsn != '\0';
    if (t->snapshot_pending && !pg_snapshot_needed(&t->cfg, t->pos.known ? &t->pos : NULL, slot_exists))
        t->snapshot_pending = false;
    if (t->snapshot_pending && !t->streams) {
        /* initial_only streams nothing: no slot (as Debezium), the rows as of now. */
        free(slot_lsn);
        return open_snapshot(t, NULL, 0, errstr, errstr_size);
    }
    const char *k[20], *v[20];
    char port[16];
    conn_params(&t->cfg, APP_STREAMING, k, v, port, sizeof(port));
    pg_stream_t *s = pg_stream_connect(k, v, &t->bound, errstr, errstr_size);
    if (!s) {
        free(slot_lsn);
        *fatal = strstr(errstr, "permission denied") || strstr(errstr, "must be superuser or replication role") ||
                 strstr(errstr, "password authentication failed");
        return -1;
    }
    uint64_t slot_pos = 0;
    char snapshot_name[64];
    if (!*slot_lsn) {
        if (pg_stream_create_slot(s, t->cfg.slot_name, "pgoutput", &slot_pos,
                                  t->snapshot_pending ? snapshot_name : NULL, sizeof(snapshot_name), st, errstr,
                                  errstr_size) != 0) {
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
        log_info(pg_log(), "Created replication slot '%s' for plugin 'pgoutput' at %s", t->cfg.slot_name, txt);
    } else if (strcmp(slot_lsn, "none") != 0) {
        pgo_lsn_parse(slot_lsn, &slot_pos);
    }
    free(slot_lsn);
    note_slot_held(t, true);
    if (t->snapshot_pending) {
        /* The snapshot first; streaming starts once it is done (task_poll). A new slot's exported
         * snapshot must be imported before this connection runs anything else. */
        int rc = open_snapshot(t, slot_exists ? NULL : snapshot_name, slot_pos, errstr, errstr_size);
        pg_stream_close(s);
        return rc;
    }

    /* Start at the committed position; the server moves it up to the slot's confirmed position
     * itself, and what was already emitted is skipped (pg_offset.h). */
    uint64_t start = t->resume.active ? pg_resume_start_lsn(&t->resume) : slot_pos;
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
        if (!strcmp(st, "55006")) {
            t->slot_busy_pid = slot_holder_pid(t, errstr);
            snprintf(errstr + strlen(errstr), errstr_size - strlen(errstr),
                     "; when setting up multiple connectors for the same database host, please make sure "
                     "to use a distinct replication slot name for each.");
        }
        *fatal = fatal_sqlstate(st) && strcmp(st, "55006") != 0;
        pg_stream_close(s);
        return -1;
    }
    char txt[32];
    pgo_lsn_format(start, txt);
    log_info(pg_log(), "[%s] Streaming changes from slot '%s' at LSN %s", cd_task_connector_name(t->ctx),
             t->cfg.slot_name, txt);
    t->stream = s;
    atomic_store(&t->metrics.connected, true);
    t->slot_acquired = true;
    /* Status updates report the slot's own confirmed position until a commit moves it: never
     * 0/0, which pg_stat_replication would show as the flush position. */
    if (slot_pos > t->confirmed) t->confirmed = slot_pos;
    pg_stream_confirm(s, t->confirmed, err, sizeof(err));
    pgo_decoder_reset(t->dec);
    t->received_any = false;
    t->in_txn = false;
    return 0;
}

void pg_disconnect(pg_task_t *t) {
    atomic_store(&t->metrics.connected, false);
    pg_stream_close(t->stream);
    t->stream = NULL;
    if (t->conn) PQfinish(t->conn);
    t->conn = NULL;
}
void pg_drop_slot(pg_task_t *t) {
    if (!t->conn) return;
    /* The walsender of the closed replication connection may take a moment to go away. The stop
     * flag is set by now, so these statements are bounded by a timeout of their own. */
    pg_bound_t b = {.timeout_ms = 10000};
    pg_bound_t saved = t->bound;
    t->bound = b;
    const char *p[1] = {t->cfg.slot_name};
    char err[512], st[6] = "";
    char *r = NULL;
    for (int attempt = 0; attempt < 50 && !r; attempt++) {
        r = query_one(t, "SELECT pg_drop_replication_slot($1)", 1, p, err, sizeof(err), st);
        if (!r && strcmp(st, "55006") != 0) break; /* only "slot is active" is worth waiting for */
        if (!r) {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    t->bound = saved;
    if (r) {
        log_info(pg_log(), "Dropped replication slot '%s'", t->cfg.slot_name);
        note_slot_held(t, false);
    } else {
        log_warn(pg_log(), "Could not drop replication slot %s: %s", t->cfg.slot_name, err);
    }
    free(r);
}

void pg_heartbeat_action(pg_task_t *t) {
    if (!t->cfg.heartbeat_action_query || !t->conn) return;
    char err[512];
    PGresult *r = pg_exec(t->conn, t->cfg.heartbeat_action_query, 0, NULL, &t->bound, err, sizeof(err));
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        log_warn(pg_log(), "Could not execute heartbeat action query (Error: %s): %s", st ? st : "",
                 r ? PQresultErrorMessage(r) : err);
    }
    PQclear(r);
    if (PQstatus(t->conn) == CONNECTION_BAD) { /* reopened at the next reconnect */
        PQfinish(t->conn);
        t->conn = NULL;
    }
}
