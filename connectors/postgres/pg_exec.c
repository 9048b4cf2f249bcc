/* pg_exec.c - see pg_exec.h. */
#include "connectors/postgres/pg_exec.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pg_error_text(char *errstr, size_t errstr_size, const char *what, const char *m) {
    size_t n = strlen(m);
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' ')) n--;
    snprintf(errstr, errstr_size, "%s: %.*s", what, (int)n, m);
}

/* The connection cannot be used any more: a result may still be on its way. Shutting the socket
 * down makes every later call on it fail at once, until the caller closes it. */
static void abandon(PGconn *c) {
    int fd = PQsocket(c);
    if (fd >= 0) shutdown(fd, SHUT_RDWR);
}

PGresult *pg_exec(PGconn *c, const char *sql, int nparams, const char *const *params,
                  const pg_bound_t *b, char *errstr, size_t errstr_size) {
    int sent = nparams > 0 ? PQsendQueryParams(c, sql, nparams, NULL, params, NULL, NULL, 0) : PQsendQuery(c, sql);
    if (!sent) {
        pg_error_text(errstr, errstr_size, "Could not send a statement to PostgreSQL", PQerrorMessage(c));
        return NULL;
    }
    int64_t deadline = b && b->timeout_ms > 0 ? mono_ms() + b->timeout_ms : INT64_MAX;
    PGresult *last = NULL;
    for (;;) {
        while (PQisBusy(c)) {
            if (b && b->stop && b->stop(b->arg)) {
                snprintf(errstr, errstr_size, "the statement was abandoned because the task is stopping");
                PQclear(last);
                abandon(c);
                return NULL;
            }
            int64_t now = mono_ms();
            if (now >= deadline) {
                snprintf(errstr, errstr_size,
                         "PostgreSQL did not answer within database.query.timeout.ms=%d: %.200s",
                         b->timeout_ms, sql);
                PQclear(last);
                abandon(c);
                return NULL;
            }
            int64_t wait = deadline - now;
            struct pollfd pfd = {.fd = PQsocket(c), .events = POLLIN};
            int pr = poll(&pfd, 1, (int)(wait > 200 ? 200 : wait));
            if (pr < 0 && errno != EINTR) break;
            if (pr > 0 && !PQconsumeInput(c)) break; /* the error shows in the result below */
        }
        PGresult *r = PQgetResult(c);
        if (!r) break;
        ExecStatusType st = PQresultStatus(r);
        PQclear(last);
        last = r;
        if (st == PGRES_COPY_BOTH || st == PGRES_COPY_IN || st == PGRES_COPY_OUT) break;
        if (PQstatus(c) == CONNECTION_BAD && !PQisBusy(c)) {
            /* a lost connection: no further results will come */
            PGresult *more;
            while ((more = PQgetResult(c))) {
                PQclear(last);
                last = more;
            }
            break;
        }
    }
    if (!last) pg_error_text(errstr, errstr_size, "PostgreSQL connection lost", PQerrorMessage(c));
    return last;
}
