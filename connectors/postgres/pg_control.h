/* pg_control.h - control of a PostgreSQL source task from SQL: pause at an exact point of the
 * change stream, resume, and per-transaction opt-out, asked for with logical decoding messages
 * whose prefix is connectd.control.message.prefix ("connectd" by default):
 *
 *   SELECT pg_logical_emit_message(false, 'connectd', 'pause');             -- or true, in a transaction
 *   SELECT pg_logical_emit_message(false, 'connectd', 'resume');
 *   BEGIN; SELECT pg_logical_emit_message(true, 'connectd', 'skip-transaction'); DELETE ...; COMMIT;
 *
 * Control messages are acted on and never emitted as op "m" events; other prefixes are events as
 * before. The same entry points serve other ways to ask (a signal table row of type pause or
 * resume): pg_control_pause and pg_control_resume.
 *
 * THE PAUSE POINT (how pg_offset.h's invariant holds across a pause):
 *  - A pause takes effect at the position of what asked for it, P: every record before P in the
 *    stream (commit order) was handed to the runtime, none after. P is t->pos once the control
 *    message (or signal) is processed: for a non-transactional message at L, lsn_commit = L (every
 *    transaction committed before L was emitted, the message itself is covered); for a
 *    transactional one, its own position inside its transaction (the transaction's records before
 *    it were emitted, the rest follow after the resume).
 *  - P is handed to the runtime as a position without a record (cd_task_send_offset), so it is
 *    committed like any record's offset: a restart during the pause resumes at P and does not act
 *    on the pause message again (pg_pos_covers counts it as processed).
 *  - While paused the task may read the stream past P (to watch for 'resume'), but emits and
 *    confirms nothing from it: t->pos stays P, the slot is confirmed only up to stored offsets
 *    (never past P's lsn_commit) and idle flushes are off. Before emitting again the task
 *    reconnects from t->pos (pg_resume_start), so the server sends again everything after P and
 *    the resume rule of pg_offset.h skips exactly what P covers: nothing lost, nothing doubled.
 *    A task paused by REST (not at a control message) reads ahead the same way, from its t->pos.
 *
 * An opted-out transaction ('skip-transaction', transactional): its change events after the
 * message are not emitted (connectd.skip.transaction.mode=skip; as filtered changes, the position
 * does not move for them) or emitted with the header __connectd.skip.transaction=true (mark). Its
 * commit is handed over as a position without a record (skip mode), so its WAL can be released
 * although nothing of it reached Kafka. After a restart inside it, the message is seen again (the
 * server resends the whole transaction), so the opt-out holds for the resent part too. */
#ifndef CONNECTD_PG_CONTROL_H
#define CONNECTD_PG_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    PG_CTL_UNKNOWN = 0,
    PG_CTL_PAUSE,
    PG_CTL_RESUME,
    PG_CTL_SKIP_TXN,
} pg_ctl_cmd_t;

/* A control message's content ("pause", "resume", "skip-transaction"; ASCII case and surrounding
 * blanks ignored) to its command; PG_CTL_UNKNOWN otherwise. */
pg_ctl_cmd_t pg_control_parse(const char *content, size_t len);
const char *pg_control_name(pg_ctl_cmd_t cmd);

/* The task's control state (in pg_task_t). */
typedef struct {
    bool held;            /* stopped at a pause point: poll emits nothing until resumed */
    bool target_written;  /* PAUSED is in the config topic for the current hold */
    bool read_ahead;      /* the stream was read past t->pos without emitting: reconnect first */
    bool resume_seen;     /* a 'resume' was read ahead; STARTED still to be written */
    bool in_skip_txn;     /* the open transaction opted out ('skip-transaction') */
    bool in_hook;         /* inside the paused() hook: database calls stop only on a real stop */
    bool in_signal_row;   /* a signal table row's signals are being run (pg_signal.c) */
    bool pause_after_row; /* ... and one was 'pause': it takes effect once the row is processed */
    bool stop_after_row;  /* ... or a blocking snapshot: the stream stops after the row */
    uint64_t pause_lsn;   /* where the hold began (logs) */
    uint64_t resume_lsn;  /* of the 'resume' read ahead (logs) */
    int64_t next_write_ms;
} pg_control_t;

typedef struct pg_task pg_task_t; /* pg_task.h */

/* Pauses the task at t->pos, which the caller has moved past what asked for the pause (the
 * control message, or a signal row's record, as for any record): hands that position over
 * (cd_task_send_offset), stops emitting, and asks the runtime to pause the connector (target
 * state PAUSED in the config topic, as PUT /pause writes; retried while Kafka refuses). lsn: of
 * what asked, for the logs; why: what asked ("logical decoding message", "signal"). A pause
 * while already held is ignored. Returns 0, or -1 with errstr when the position could not be
 * handed over (the task is stopping or its producer failed). */
int pg_control_pause(pg_task_t *t, uint64_t lsn, const char *why, char *errstr, size_t errstr_size);
/* Asks the runtime to resume the connector (target state STARTED, as PUT /resume writes), from
 * the running task (then a no-op, logged) or while it reads ahead paused. The task goes on from
 * its pause point once the runtime resumes it. Returns 0, or -1 with errstr (not written; the
 * caller may ask again). */
int pg_control_resume(pg_task_t *t, uint64_t lsn, const char *why, char *errstr, size_t errstr_size);

/* A decoded message with the control prefix, in the normal stream (pg_dispatch). The caller
 * checked the prefix; t->resume decides whether it was processed before. */
int pg_control_message(pg_task_t *t, bool transactional, const char *content, size_t len, uint64_t lsn,
                       char *errstr, size_t errstr_size);

/* At the start of poll(): while held, reads ahead (watching for 'resume') and returns 1 (poll
 * emits nothing); once resumed, or when something was read ahead, reconnects from t->pos and
 * returns 0. */
int pg_control_poll(pg_task_t *t);
/* The plugin's paused() hook: keeps the connection alive and reads ahead for 'resume'. */
void pg_control_paused(pg_task_t *t);

#endif
