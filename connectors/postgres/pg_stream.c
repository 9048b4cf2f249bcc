/* pg_stream.c - the walsender side of the replication protocol over libpq's COPY BOTH mode. */
#include "connectors/postgres/pg_stream.h"

#include "connectors/postgres/pgoutput.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* Seconds between the Unix epoch and PostgreSQL's (2000-01-01). */
#define PG_EPOCH_OFFSET_S 946684800LL

struct pg_stream {
    PGconn *conn;
    pg_bound_t bound;
    char *copybuf;
    uint64_t received;  /* highest WAL end seen */
    uint64_t confirmed; /* last flush position sent */
    bool idle_flush;    /* everything received may be reported as flushed (pg_stream_allow_idle_flush) */
};

static void put64(char *p, uint64_t v) {
    for (int i = 7; i >= 0; i--) {
        p[i] = (char)(v & 0xff);
        v >>= 8;
    }
}

static uint64_t get64(const char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | (unsigned char)p[i];
    return v;
}

static int64_t pg_now_us(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return ((int64_t)tv.tv_sec - PG_EPOCH_OFFSET_S) * 1000000 + tv.tv_usec;
}

static void conn_error(PGconn *c, const char *what, char *errstr, size_t errstr_size) {
    pg_error_text(errstr, errstr_size, what, PQerrorMessage(c));
}

static void result_error(PGresult *r, const char *what, char *sqlstate, char *errstr,
                         size_t errstr_size) {
    pg_error_text(errstr, errstr_size, what, PQresultErrorMessage(r));
    if (sqlstate) {
        const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        snprintf(sqlstate, 6, "%s", st ? st : "");
    }
}

pg_stream_t *pg_stream_connect(const char *const *keywords, const char *const *values,
                               const pg_bound_t *bound, char *errstr, size_t errstr_size) {
    size_t n = 0;
    while (keywords[n]) n++;
    const char **k = calloc(n + 2, sizeof(char *)), **v = calloc(n + 2, sizeof(char *));
    memcpy(k, keywords, n * sizeof(char *));
    memcpy(v, values, n * sizeof(char *));
    k[n] = "replication";
    v[n] = "database";
    PGconn *c = PQconnectdbParams(k, v, 0);
    free(k);
    free(v);
    if (PQstatus(c) != CONNECTION_OK) {
        conn_error(c, "Could not open a replication connection", errstr, errstr_size);
        PQfinish(c);
        return NULL;
    }
    pg_stream_t *s = calloc(1, sizeof(*s));
    s->conn = c;
    if (bound) s->bound = *bound;
    return s;
}

void pg_stream_close(pg_stream_t *s) {
    if (!s) return;
    if (s->copybuf) PQfreemem(s->copybuf);
    PQfinish(s->conn);
    free(s);
}

static int parse_lsn(const char *text, uint64_t *out) { return text ? pgo_lsn_parse(text, out) : -1; }

int pg_stream_create_slot(pg_stream_t *s, const char *slot, const char *plugin,
                          uint64_t *consistent_point, char *snapshot_name, size_t snapshot_name_size,
                          char *sqlstate, char *errstr, size_t errstr_size) {
    char sql[512];
    snprintf(sql, sizeof(sql), "CREATE_REPLICATION_SLOT \"%s\" LOGICAL %s %s", slot, plugin,
             snapshot_name ? "EXPORT_SNAPSHOT" : "NOEXPORT_SNAPSHOT");
    PGresult *r = pg_exec(s->conn, sql, 0, NULL, &s->bound, errstr, errstr_size);
    int rc = 0;
    if (!r) {
        if (sqlstate) *sqlstate = '\0';
        rc = -1;
    } else if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        result_error(r, "Creation of replication slot failed", sqlstate, errstr, errstr_size);
        rc = -1;
    } else if (parse_lsn(PQgetvalue(r, 0, 1), consistent_point) != 0) {
        snprintf(errstr, errstr_size, "CREATE_REPLICATION_SLOT returned an unreadable position");
        rc = -1;
    } else if (snapshot_name) {
        if (PQnfields(r) < 3 || PQgetisnull(r, 0, 2) || strlen(PQgetvalue(r, 0, 2)) >= snapshot_name_size) {
            snprintf(errstr, errstr_size, "CREATE_REPLICATION_SLOT exported no snapshot");
            rc = -1;
        } else {
            snprintf(snapshot_name, snapshot_name_size, "%s", PQgetvalue(r, 0, 2));
        }
    }
    PQclear(r);
    return rc;
}

int pg_stream_start(pg_stream_t *s, const char *slot, uint64_t start_lsn, const char *options,
                    char *sqlstate, char *errstr, size_t errstr_size) {
    size_t n = strlen(slot) + strlen(options) + 128;
    char *sql = malloc(n);
    snprintf(sql, n, "START_REPLICATION SLOT \"%s\" LOGICAL %X/%X (%s)", slot,
             (unsigned)(start_lsn >> 32), (unsigned)start_lsn, options);
    PGresult *r = pg_exec(s->conn, sql, 0, NULL, &s->bound, errstr, errstr_size);
    free(sql);
    int rc = 0;
    if (!r) {
        if (sqlstate) *sqlstate = '\0';
        rc = -1;
    } else if (PQresultStatus(r) != PGRES_COPY_BOTH) {
        char what[128];
        snprintf(what, sizeof(what), "Failed to start replication stream at LSN{%X/%X}",
                 (unsigned)(start_lsn >> 32), (unsigned)start_lsn);
        result_error(r, what, sqlstate, errstr, errstr_size);
        rc = -1;
    }
    PQclear(r);
    if (rc == 0 && PQsetnonblocking(s->conn, 1) != 0) {
        conn_error(s->conn, "Could not switch the replication connection to non-blocking", errstr,
                   errstr_size);
        rc = -1;
    }
    return rc;
}

static int send_status(pg_stream_t *s, uint64_t flushed, bool reply, char *errstr,
                       size_t errstr_size) {
    char msg[34];
    msg[0] = 'r';
    put64(msg + 1, s->received);
    put64(msg + 9, flushed);
    put64(msg + 17, flushed);
    put64(msg + 25, (uint64_t)pg_now_us());
    msg[33] = reply ? 1 : 0;
    if (PQputCopyData(s->conn, msg, sizeof(msg)) <= 0 || PQflush(s->conn) < 0) {
        conn_error(s->conn, "Could not send a status update to the server", errstr, errstr_size);
        return -1;
    }
    return 0;
}

int pg_stream_confirm(pg_stream_t *s, uint64_t flushed, char *errstr, size_t errstr_size) {
    if (flushed > s->confirmed) s->confirmed = flushed;
    return send_status(s, s->confirmed, false, errstr, errstr_size);
}

void pg_stream_allow_idle_flush(pg_stream_t *s, bool allowed) { s->idle_flush = allowed; }

void pg_stream_idle_advance(pg_stream_t *s) {
    if (s->idle_flush && s->received > s->confirmed) s->confirmed = s->received;
}

uint64_t pg_stream_wal_end(const pg_stream_t *s) { return s->received; }
uint64_t pg_stream_confirmed(const pg_stream_t *s) { return s->confirmed; }

int pg_stream_next(pg_stream_t *s, int timeout_ms, const char **data, size_t *len, uint64_t *lsn,
                   char *errstr, size_t errstr_size) {
    for (;;) {
        if (s->copybuf) {
            PQfreemem(s->copybuf);
            s->copybuf = NULL;
        }
        int n = PQgetCopyData(s->conn, &s->copybuf, 1);
        if (n == 0 && (PQstatus(s->conn) == CONNECTION_BAD || PQsocket(s->conn) < 0)) {
            /* libpq closes the socket when a write finds the server gone (a walsender that ended
             * on wal_sender_timeout, a terminated backend) and keeps only what it had read: once
             * that is consumed, waiting on the socket would wait for ever. */
            conn_error(s->conn, "Replication connection lost", errstr, errstr_size);
            return -1;
        }
        if (n == 0) {
            struct pollfd pfd = {.fd = PQsocket(s->conn), .events = POLLIN};
            int pr = poll(&pfd, 1, timeout_ms);
            if (pr == 0) return 0;
            if (pr < 0 && errno != EINTR) {
                snprintf(errstr, errstr_size, "poll on the replication connection: %s", strerror(errno));
                return -1;
            }
            if (PQconsumeInput(s->conn) == 0) {
                conn_error(s->conn, "Replication connection lost", errstr, errstr_size);
                return -1;
            }
            timeout_ms = 0; /* data is there or it was a spurious wake-up: one more look */
            continue;
        }
        if (n == -1) {
            PGresult *r = PQgetResult(s->conn);
            result_error(r, "The replication stream ended", NULL, errstr, errstr_size);
            PQclear(r);
            return -1;
        }
        if (n < 0) {
            conn_error(s->conn, "Error reading the replication stream", errstr, errstr_size);
            return -1;
        }
        const char *b = s->copybuf;
        if (b[0] == 'k' && n >= 18) {
            uint64_t end = get64(b + 1);
            if (end > s->received) s->received = end;
            /* A reply the server asks for repeats the last confirmed position, as every status
             * update does: pg_stat_replication.flush_lsn must not drop to 0/0 between commits
             * (lag monitors read it). While idle with everything stored, what the server has
             * sent up to its WAL end is all processed (pg_stream_idle_advance). */
            pg_stream_idle_advance(s);
            if (b[17] && send_status(s, s->confirmed, false, errstr, errstr_size) != 0) return -1;
            continue;
        }
        if (b[0] == 'w' && n >= 25) {
            uint64_t start = get64(b + 1), end = get64(b + 9);
            if (end > s->received) s->received = end;
            if (start > s->received) s->received = start;
            *lsn = start;
            *data = b + 25;
            *len = (size_t)n - 25;
            return 1;
        }
        snprintf(errstr, errstr_size, "Unexpected replication message '%c' (%d bytes)", b[0], n);
        return -1;
    }
}
