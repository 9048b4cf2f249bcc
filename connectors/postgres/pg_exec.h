/* pg_exec.h - bounded libpq statements. Every statement the connector runs waits at most a timeout
 * (database.query.timeout.ms; 0 = none) and gives up as soon as its task is told to stop, so a
 * database that hangs (a stopped server, a lock) can neither wedge a task's stop nor leave a task
 * running beside its successor. A statement given up on leaves the connection unusable: the caller
 * closes it and reconnects. */
#ifndef CONNECTD_PG_EXEC_H
#define CONNECTD_PG_EXEC_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int timeout_ms;            /* <= 0: no limit */
    bool (*stop)(void *arg);   /* may be NULL */
    void *arg;
} pg_bound_t;

/* errstr = "<what>: <libpq message>", without the message's trailing newline. */
void pg_error_text(char *errstr, size_t errstr_size, const char *what, const char *message);

/* Sends sql (with nparams text parameters; nparams 0 allows several statements) and returns the
 * last result, which the caller checks and clears. Returns NULL with errstr when the statement
 * could not be sent, timed out or was abandoned because the task stops. */
PGresult *pg_exec(PGconn *c, const char *sql, int nparams, const char *const *params,
                  const pg_bound_t *b, char *errstr, size_t errstr_size);

#endif
