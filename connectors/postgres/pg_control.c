/* pg_control.c - control of a PostgreSQL source task from SQL (pg_control.h): the control
 * messages, the hold at a pause point, reading ahead while paused, and going on from the pause
 * point once resumed. Read pg_control.h's "THE PAUSE POINT" with pg_offset.h. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "connectors/postgres/pg_task.h"

/* How long one read-ahead round may take: short, so that the runtime sees a stop or a resume
 * quickly (poll and the paused hook are called again at once). */
#define READ_AHEAD_MS 150
/* Between two attempts to write a target state Kafka refused. */
#define RETRY_WRITE_MS 2000

static const char *const names[] = {"unknown", "pause", "resume", "skip-transaction"};

const char *pg_control_name(pg_ctl_cmd_t cmd) {
    return (unsigned)cmd < sizeof(names) / sizeof(names[0]) ? names[cmd] : "unknown";
}

pg_ctl_cmd_t pg_control_parse(const char *content, size_t len) {
    if (!content) return PG_CTL_UNKNOWN;
    while (len && (content[0] == ' ' || content[0] == '\t' || content[0] == '\n' || content[0] == '\r')) {
        content++;
        len--;
    }
    while (len && (content[len - 1] == ' ' || content[len - 1] == '\t' || content[len - 1] == '\n' ||
                   content[len - 1] == '\r'))
        len--;
    for (int c = PG_CTL_PAUSE; c <= PG_CTL_SKIP_TXN; c++)
        if (strlen(names[c]) == len && !strncasecmp(content, names[c], len)) return (pg_ctl_cmd_t)c;
    return PG_CTL_UNKNOWN;
}

static const char *name_of(pg_task_t *t) { return cd_task_connector_name(t->ctx); }

/* Writes PAUSED for the current hold; on failure it is retried from poll and the hook. */
static void write_paused(pg_task_t *t) {
    char err[512];
    if (cd_task_request_target(t->ctx, CD_TARGET_PAUSED, err, sizeof(err)) == 0) {
        t->ctl.target_written = true;
        return;
    }
    t->ctl.next_write_ms = pg_mono_ms() + RETRY_WRITE_MS;
    log_warn(pg_log(), "[%s] Could not pause the connector (%s); the task emits nothing from its pause point "
                       "meanwhile and asks again",
             name_of(t), err);
}

int pg_control_pause(pg_task_t *t, uint64_t lsn, const char *why, char *errstr, size_t errstr_size) {
    char at[32];
    pgo_lsn_format(lsn, at);
    if (t->ctl.held) {
        log_info(pg_log(), "[%s] Pause asked by %s at LSN %s while already paused; ignored", name_of(t), why, at);
        return 0;
    }
    /* The pause point is stored like a record's offset: a restart during the pause starts there
     * and does not act on what asked for the pause again. */
    if (pg_send_position(t, errstr, errstr_size) != 0) return -1;
    t->ctl.held = true;
    t->ctl.target_written = false;
    t->ctl.resume_seen = false;
    t->ctl.pause_lsn = lsn;
    log_info(pg_log(), "[%s] Paused by %s at LSN %s: every change before it was emitted, none after it is until "
                       "the connector is resumed (PUT /connectors/%s/resume, or the control message 'resume')",
             name_of(t), why, at, name_of(t));
    write_paused(t);
    return 0;
}

int pg_control_resume(pg_task_t *t, uint64_t lsn, const char *why, char *errstr, size_t errstr_size) {
    char at[32];
    pgo_lsn_format(lsn, at);
    if (!t->ctl.held && cd_task_connector_target(t->ctx) == CD_TARGET_STARTED) {
        log_info(pg_log(), "[%s] Resume asked by %s at LSN %s while running; nothing to do", name_of(t), why, at);
        return 0;
    }
    log_info(pg_log(), "[%s] Resume asked by %s at LSN %s: the connector goes on from its pause point", name_of(t),
             why, at);
    return cd_task_request_target(t->ctx, CD_TARGET_STARTED, errstr, errstr_size);
}

int pg_control_message(pg_task_t *t, bool transactional, const char *content, size_t len, uint64_t lsn,
                       char *errstr, size_t errstr_size) {
    /* The message takes its place in the position as a record would (pg_offset.h): it is then
     * covered by the next offset handed over, and a resume that covers it does not act on it
     * again (a pause is not repeated). */
    if (transactional)
        pg_pos_record(&t->pos, PG_MSG_MESSAGE, lsn);
    else
        pg_pos_message(&t->pos, lsn);
    bool done_before = pg_resume_skips(&t->resume, &t->pos);
    pg_ctl_cmd_t cmd = pg_control_parse(content, len);
    char at[32];
    pgo_lsn_format(lsn, at);
    switch (cmd) {
    case PG_CTL_SKIP_TXN:
        /* Even when processed before a restart: the rest of its transaction is resent and opted
         * out as the first part was. */
        if (transactional) {
            t->ctl.in_skip_txn = true;
        } else if (!done_before) {
            log_warn(pg_log(), "[%s] Control message 'skip-transaction' at LSN %s is not transactional: it has no "
                               "transaction to act on; emit it with pg_logical_emit_message(true, ...) inside the "
                               "transaction to skip",
                     name_of(t), at);
        }
        return 0;
    case PG_CTL_PAUSE:
        if (done_before) return 0;
        return pg_control_pause(t, lsn, "a control message", errstr, errstr_size);
    case PG_CTL_RESUME:
        if (done_before) return 0;
        if (pg_control_resume(t, lsn, "a control message", errstr, errstr_size) != 0)
            log_warn(pg_log(), "[%s] Could not resume the connector: %s", name_of(t), errstr);
        return 0;
    default:
        if (!done_before)
            log_warn(pg_log(), "[%s] Unknown control message '%.*s' at LSN %s (prefix '%s'); ignored. Known: pause, "
                               "resume, skip-transaction",
                     name_of(t), (int)(len > 64 ? 64 : len), content ? content : "", at, t->cfg.control_prefix);
        return 0;
    }
}

/* An INSERT into the signal table (source channel) of a row of type 'resume'. */
static bool signal_row_resume(pg_task_t *t, const pgo_msg_t *m) {
    if (!t->cfg.signal_table || !(t->cfg.signal_channels & PG_SIGNAL_CHANNEL_SOURCE)) return false;
    rel_t *r = pg_relation_by_id(t, m->u.change.relid);
    if (!r || !r->captured || strcmp(r->cat.schema, t->cfg.signal_schema) || strcmp(r->cat.table, t->cfg.signal_table))
        return false;
    const pgo_tuple_t *tup = &m->u.change.new_tuple;
    /* columns id, type, data (spec §7.1) */
    return tup->n >= 2 && tup->values[1].kind == PGO_VALUE_TEXT && tup->values[1].len == 6 &&
           !memcmp(tup->values[1].data, "resume", 6);
}

/* Reads the stream past t->pos for up to READ_AHEAD_MS, emitting nothing and confirming only
 * what stored offsets cover (t->confirmed), and acts on 'resume'. A lost connection is opened
 * again (from t->pos) at the next round after the retry delay. */
static void read_ahead(pg_task_t *t) {
    /* A snapshot to take or under way: a pause only holds it (its rows are read before any
     * stream message, so there is nothing to read ahead yet). */
    if (t->snap || t->snapshot_pending) return;
    int64_t now = pg_mono_ms();
    if (!t->stream) {
        if (now < t->reconnect_at_ms) return;
        char err[1024];
        bool fatal;
        pg_resume_start(&t->resume, &t->pos);
        t->ctl.read_ahead = true; /* whatever the connection reads goes past t->pos */
        if (pg_connect_and_start(t, err, sizeof(err), &fatal) != 0) {
            pg_disconnect(t);
            t->reconnect_at_ms = pg_mono_ms() + t->cfg.slot_retry_delay_ms;
            if (!cd_task_stop_requested(t->ctx))
                log_warn(pg_log(), "[%s] While paused: %s; retrying", name_of(t), err);
            return;
        }
    }
    /* Nothing read here is emitted, so nothing read may be reported as flushed. */
    pg_stream_allow_idle_flush(t->stream, false);
    int64_t deadline = now + READ_AHEAD_MS;
    while (!cd_task_stop_requested(t->ctx)) {
        int64_t left = deadline - pg_mono_ms();
        if (left <= 0) break;
        const char *data;
        size_t len;
        uint64_t lsn;
        char err[1024];
        int r = pg_stream_next(t->stream, (int)left, &data, &len, &lsn, err, sizeof(err));
        if (r < 0) {
            log_info(pg_log(), "[%s] While paused: %s; reconnecting", name_of(t), err);
            pg_disconnect(t);
            t->reconnect_at_ms = pg_mono_ms() + 1000;
            t->ctl.read_ahead = true;
            return;
        }
        if (r == 0) continue;
        t->ctl.read_ahead = true;
        pgo_msg_t m;
        if (pgo_decode(t->dec, data, len, &m, err, sizeof(err)) != 0) {
            /* The same bytes come again after the reconnect, and poll reports them then. */
            log_warn(pg_log(), "[%s] While paused: %s; reconnecting", name_of(t), err);
            pg_disconnect(t);
            t->reconnect_at_ms = pg_mono_ms() + 1000;
            return;
        }
        if (m.type == 'R') { /* relations, to know a signal table row when one comes */
            if (pg_dispatch(t, &m, lsn, err, sizeof(err)) != 0)
                log_warn(pg_log(), "[%s] While paused: %s", name_of(t), err);
            continue;
        }
        if (t->ctl.resume_seen) continue;
        if (m.type == 'I') {
            if (!signal_row_resume(t, &m)) continue;
        } else if (m.type != 'M' || !t->cfg.control_prefix || strcmp(m.u.message.prefix, t->cfg.control_prefix) != 0 ||
                   pg_control_parse(m.u.message.content, m.u.message.content_len) != PG_CTL_RESUME) {
            continue;
        }
        t->ctl.resume_seen = true;
        t->ctl.resume_lsn = lsn;
        t->ctl.next_write_ms = 0;
        char at[32];
        pgo_lsn_format(lsn, at);
        log_info(pg_log(), "[%s] Control message 'resume' at LSN %s read while paused", name_of(t), at);
    }
    if (pg_mono_ms() >= t->next_status_ms && t->stream) {
        char err[512];
        if (pg_stream_confirm(t->stream, t->confirmed, err, sizeof(err)) != 0) {
            pg_disconnect(t);
            t->reconnect_at_ms = pg_mono_ms() + 1000;
        }
        t->next_status_ms = pg_mono_ms() + t->cfg.status_update_interval_ms;
    }
}

/* A 'resume' read ahead: STARTED is written (retried while Kafka refuses). */
static void write_resume(pg_task_t *t) {
    if (!t->ctl.resume_seen || pg_mono_ms() < t->ctl.next_write_ms) return;
    char err[512];
    if (pg_control_resume(t, t->ctl.resume_lsn, "a control message read while paused", err, sizeof(err)) == 0) {
        t->ctl.resume_seen = false;
        return;
    }
    t->ctl.next_write_ms = pg_mono_ms() + RETRY_WRITE_MS;
    log_warn(pg_log(), "[%s] Could not resume the connector (%s); asking again", name_of(t), err);
}

void pg_control_paused(pg_task_t *t) {
    t->ctl.in_hook = true; /* database calls stop only when the task stops for good */
    if (t->ctl.held && !t->ctl.target_written) t->ctl.target_written = true; /* the runtime has paused it */
    read_ahead(t);
    write_resume(t);
    t->ctl.in_hook = false;
}

int pg_control_poll(pg_task_t *t) {
    if (t->ctl.held) {
        if (!t->ctl.target_written && pg_mono_ms() >= t->ctl.next_write_ms) write_paused(t);
        /* PAUSED was read back before this, so STARTED now is a resume written after it (REST,
         * Strimzi, or a 'resume' message): the hold ends. Until then the runtime has not acted on
         * the pause yet and keeps calling poll. */
        if (!t->ctl.target_written || cd_task_connector_target(t->ctx) != CD_TARGET_STARTED) {
            read_ahead(t);
            write_resume(t);
            return 1;
        }
        char at[32];
        pgo_lsn_format(t->ctl.pause_lsn, at);
        log_info(pg_log(), "[%s] Resumed; going on from the pause point at LSN %s", name_of(t), at);
        t->ctl.held = false;
        t->ctl.resume_seen = false;
    }
    if (t->ctl.read_ahead) {
        /* The stream went past t->pos: start it again there, so that the server sends again what
         * follows and the resume rule skips exactly what t->pos covers. Not a task restart: the
         * run id and the transaction counters' map stay. */
        pg_restream(t);
        t->ctl.in_skip_txn = false;
        t->ctl.read_ahead = false;
        t->reconnect_at_ms = 0;
        t->reconnect_attempts = 1;
    }
    return 0;
}
