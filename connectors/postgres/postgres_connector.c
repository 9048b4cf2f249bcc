/* postgres_connector.c - io.debezium.connector.postgresql.PostgresConnector: streams committed
 * changes from a logical replication slot (pgoutput) as Debezium 3.x change events (spec
 * debezium-postgres.md, profile D). This file holds the plugin functions and the task's
 * lifecycle; the connections are in pg_connection.c, the records in pg_records.c.
 *
 * Delivery (read pg_offset.h first): every record's source offset names the position just after
 * it, inside its own transaction; resume skips exactly what that position says was emitted. The
 * slot is told to release WAL (confirmed flush = lsn_commit of an offset) only from commit(),
 * which the runtime calls once that offset is in Kafka, after every record up to it was
 * acknowledged. A reconnect inside the task resumes from the position of the last record handed
 * to the runtime, by the same rule. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connect/connector_config.h"
#include "connect/java_util.h"
#include "connectors/postgres/pg_incremental.h"
#include "connectors/postgres/pg_signal.h"
#include "connectors/postgres/pg_task.h"
#include "xalloc.h"

#define CONNECTOR_CLASS "io.debezium.connector.postgresql.PostgresConnector"
#define TASK_CLASS "io.debezium.connector.postgresql.PostgresConnectorTask"

log_logger_t *pg_log(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("io.debezium.connector.postgresql.PostgresStreamingChangeEventSource");
    return lg;
}

int64_t pg_mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Database calls are abandoned when the task must return from poll (stop, pause, restart); in
 * the paused() hook, which works while paused, only on a real stop. */
static bool task_stopping(void *arg) {
    const pg_task_t *t = arg;
    return t->ctl.in_hook ? cd_task_stop_requested(t->ctx) : cd_task_stopping(t->ctx);
}

/* ------------------------------------------------------------------ a slot still held by the previous instance
 *
 * A replication slot has one reader at a time. When a task moves to this worker from another
 * (that worker died, or gave the task away), the previous instance's walsender may still hold
 * the slot: PostgreSQL ends it only once it notices that the connection is gone, which for a
 * worker killed with -9 or cut off from the network takes TCP keepalives or wal_sender_timeout
 * (a minute or more). Debezium's rule, slot.max.retries attempts slot.retry.delay.ms apart and
 * then FAILED, would fail the task that is meant to take over.
 *
 * Invariant: while this run of the task has never acquired the slot (t->slot_acquired) and the
 * runtime says that another worker ran the task before (cd_task_previous_worker), a slot found
 * active at START_REPLICATION (SQLSTATE 55006) is waited for, for as long as it takes, one
 * attempt every slot.retry.delay.ms, and those attempts do not count toward slot.max.retries;
 * each says at WARN who holds the slot. Once the slot was acquired in this run, a slot found
 * active is someone else's (a second connector with the same slot.name) and Debezium's rule
 * holds, as it does without a previous worker. Waiting never holds up a stop: the retry delay is
 * spent in task_poll, which returns within a second and ends the wait when the task stops. */

/* After pg_connect_and_start failed: true when the failure is the slot held by the previous
 * instance, by the invariant above (said at WARN), so that the attempt is not counted. */
static bool waiting_for_previous_owner(pg_task_t *t) {
    const char *prev = cd_task_previous_worker(t->ctx);
    if (t->slot_busy_pid < 0 || t->slot_acquired || !prev) return false;
    int64_t now = pg_mono_ms();
    if (!t->slot_wait_since_ms) t->slot_wait_since_ms = now;
    char holder[48];
    if (t->slot_busy_pid > 0) snprintf(holder, sizeof(holder), "PID %d", t->slot_busy_pid);
    else snprintf(holder, sizeof(holder), "another connection");
    log_warn(pg_log(), "[%s] Replication slot '%s' is still held by %s, most likely by this task's previous "
                       "instance on worker %s; waiting for it to be released (for %lld s so far, retrying every "
                       "%lld ms; these attempts do not count toward slot.max.retries)",
             cd_task_connector_name(t->ctx), t->cfg.slot_name, holder, prev,
             (long long)((now - t->slot_wait_since_ms) / 1000), (long long)t->cfg.slot_retry_delay_ms);
    return true;
}

/* pg_connect_and_start succeeded: a wait for the previous instance's slot is over. */
static void slot_wait_over(pg_task_t *t) {
    if (!t->slot_wait_since_ms || !t->slot_acquired) return;
    log_info(pg_log(), "[%s] Replication slot '%s' was released after %lld ms; the task goes on",
             cd_task_connector_name(t->ctx), t->cfg.slot_name, (long long)(pg_mono_ms() - t->slot_wait_since_ms));
    t->slot_wait_since_ms = 0;
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

static void new_run_id(pg_task_t *t) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    ju_uuid_v7((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, t->run_id);
}

static void *task_start(const cd_props_t *config, cd_task_context_t *ctx, char *errstr, size_t errstr_size) {
    pg_task_t *t = calloc(1, sizeof(*t));
    t->ctx = ctx;
    new_run_id(t);
    t->bound.stop = task_stopping;
    t->bound.arg = t;
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
    t->bound.timeout_ms = t->cfg.query_timeout_ms;
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
    pg_records_init(t);
    t->all_committed = true; /* nothing sent yet */
    /* Whether to snapshot is decided once the slot is looked up (when_needed asks for it); only
     * this start of the task may snapshot, not its reconnects. */
    t->snapshot_pending = t->cfg.snapshot != PG_SNAPSHOT_NO_DATA;
    t->streams = pg_snapshot_streams(&t->cfg);
    t->inc = pg_inc_new();

    char *off = cd_task_committed_offset(ctx, t->partition);
    if (off) {
        pg_pos_t from;
        if (pg_pos_parse(off, &from, errstr, errstr_size) != 0) {
            size_t l = strlen(errstr);
            snprintf(errstr + l, errstr_size - l, " (stored offset %s; fix it with PATCH /connectors/%s/offsets)",
                     off, cd_task_connector_name(ctx));
            free(off);
            task_stop(t);
            return NULL;
        }
        t->pos = from;
        pg_resume_start(&t->resume, &from);
        if (pg_inc_restore(t->inc, off, errstr, errstr_size) != 0) {
            free(off);
            task_stop(t);
            return NULL;
        }
        log_info(pg_log(), "[%s] Found previous offset %s", cd_task_connector_name(ctx), off);
        free(off);
    }
    if (t->cfg.slot_drop_on_stop)
        log_warn(pg_log(), "Connector has enabled automated replication slot removal upon restart (slot.drop.on.stop = "
                         "true). This setting is not recommended for production environments, as a new replication "
                         "slot will be created after a connector restart, resulting in missed data change events.");
    if (pg_signal_open(t, errstr, errstr_size) != 0) {
        task_stop(t);
        return NULL;
    }
    bool fatal;
    if (cd_task_stopping(ctx) && !cd_task_stop_requested(ctx)) {
        /* Started PAUSED (a worker restart during a pause): the paused() hook connects, or poll
         * once resumed; connecting here would be abandoned at once, since the task is paused. */
        t->reconnect_at_ms = 0;
    } else if (t->snapshot_pending && t->cfg.snapshot_delay_ms > 0) {
        /* snapshot.delay.ms: the first connection waits (task_poll) */
        t->reconnect_at_ms = pg_mono_ms() + t->cfg.snapshot_delay_ms;
        log_info(pg_log(), "[%s] Waiting %lld ms (snapshot.delay.ms) before the snapshot", cd_task_connector_name(ctx),
                 (long long)t->cfg.snapshot_delay_ms);
    } else if (pg_connect_and_start(t, errstr, errstr_size, &fatal) == 0) {
        /* An incremental snapshot the offset says is running goes on at its next chunk, once
         * streaming runs (after an initial snapshot, task_poll starts it). */
        if (!t->snap && pg_inc_start(t, errstr, errstr_size) != 0) {
            task_stop(t);
            return NULL;
        }
    } else {
        if (fatal) {
            task_stop(t);
            return NULL;
        }
        if (waiting_for_previous_owner(t)) {
            t->reconnect_attempts = 0;
        } else {
            log_warn(pg_log(), "[%s] %s; retrying", cd_task_connector_name(ctx), errstr);
            t->reconnect_attempts = 1;
        }
        pg_disconnect(t);
        t->reconnect_at_ms = pg_mono_ms() + t->cfg.slot_retry_delay_ms;
    }
    t->next_status_ms = pg_mono_ms() + t->cfg.status_update_interval_ms;
    t->next_heartbeat_ms = pg_mono_ms() + t->cfg.heartbeat_interval_ms;
    return t;
}

/* The server went away or closed the stream: reconnect and resume after the last record handed to
 * the runtime, by the same rule as a restart (pg_offset.h). The position is exactly that record's
 * offset, or a commit processed since. */
void pg_restream(pg_task_t *t) {
    pg_disconnect(t);
    pg_resume_start(&t->resume, &t->pos);
    t->in_txn = false;
}

static void stream_lost(pg_task_t *t, const char *why) {
    log_warn(pg_log(), "[%s] %s; reconnecting", cd_task_connector_name(t->ctx), why);
    pg_restream(t);
    /* Debezium restarts its task after a lost connection (a retriable error): a new offset
     * context, so a new per-table counter map. */
    t->tx_map_capacity = 0;
    new_run_id(t);
    t->reconnect_at_ms = pg_mono_ms() + 1000;
    t->reconnect_attempts = 1;
}

static void end_blocking(pg_task_t *t) {
    pg_snapshot_request_clear(t->blocking);
    free(t->blocking);
    t->blocking = NULL;
}

/* Streaming goes on from the position a blocking snapshot interrupted (or was to): reconnected
 * and resumed by the rule of pg_offset.h, as after a lost connection. */
static void resume_after_blocking(pg_task_t *t) {
    t->pos = t->blocking_from;
    end_blocking(t);
    pg_restream(t);
    t->tx_map_capacity = 0;
    t->reconnect_at_ms = pg_mono_ms();
    t->reconnect_attempts = 0;
}

/* execute-snapshot "type": "blocking" (pg_signal.c): streaming stops right after the message
 * that asked, the snapshot runs (task_poll), then streaming goes on from there. */
static int start_blocking(pg_task_t *t, char *errstr, size_t errstr_size) {
    t->blocking_from = t->pos;
    pg_stream_close(t->stream);
    t->stream = NULL;
    log_info(pg_log(), "[%s] Streaming waits for a blocking snapshot", cd_task_connector_name(t->ctx));
    if (!pg_snapshot_open_blocking(t, t->blocking, errstr, errstr_size)) {
        log_warn(pg_log(), "[%s] The blocking snapshot could not start (%s); streaming goes on without it",
                 cd_task_connector_name(t->ctx), errstr);
        resume_after_blocking(t);
    }
    return 0;
}

/* One step of the snapshot. When it ends, streaming starts (after streaming.delay.ms) from the
 * position its last record carries; a failed snapshot is retried like a lost connection, going
 * on from the chunk of the last record sent. */
static int snapshot_poll(pg_task_t *t, char *errstr, size_t errstr_size) {
    int r = pg_snapshot_step(t, t->cfg.max_batch_size, errstr, errstr_size);
    if (r == 1) return 0;
    pg_snapshot_close(t);
    if (t->blocking) {
        if (r == 0)
            log_info(pg_log(), "[%s] The blocking snapshot is complete; streaming goes on", cd_task_connector_name(t->ctx));
        else if (!cd_task_stopping(t->ctx))
            log_warn(pg_log(), "[%s] The blocking snapshot failed (%s); streaming goes on without it",
                     cd_task_connector_name(t->ctx), errstr);
        resume_after_blocking(t);
        return 0;
    }
    if (r == 0) {
        if (!t->streams) {
            log_info(pg_log(), "[%s] The snapshot is complete and snapshot.mode '%s' streams no changes: the task "
                               "stays idle", cd_task_connector_name(t->ctx), t->cfg.snapshot_mode);
            pg_disconnect(t);
            t->stream_done = true;
            return 0;
        }
        if (t->pos.known) pg_resume_start(&t->resume, &t->pos);
        t->reconnect_at_ms = pg_mono_ms() + t->cfg.streaming_delay_ms;
        t->reconnect_attempts = 0;
        return 0;
    }
    if (cd_task_stopping(t->ctx)) return 0;
    log_warn(pg_log(), "[%s] %s; the snapshot goes on from its last chunk after a reconnect",
             cd_task_connector_name(t->ctx), errstr);
    pg_disconnect(t);
    t->snapshot_pending = true;
    if (t->cfg.slot_max_retries >= 0 && ++t->reconnect_attempts > t->cfg.slot_max_retries) return -1;
    t->reconnect_at_ms = pg_mono_ms() + t->cfg.slot_retry_delay_ms;
    return 0;
}

static int task_poll(void *task, char *errstr, size_t errstr_size) {
    pg_task_t *t = task;
    int64_t deadline = pg_mono_ms() + t->cfg.poll_interval_ms;
    if (t->snap) return snapshot_poll(t, errstr, errstr_size);
    if (t->stream_done) { /* initial_only after its snapshot */
        while (pg_mono_ms() < deadline && !cd_task_stopping(t->ctx)) {
            struct timespec ts = {0, 50 * 1000000L};
            nanosleep(&ts, NULL);
        }
        return 0;
    }
    if (pg_control_poll(t)) return 0; /* held at a pause point (pg_control.h) */
    if (!t->stream) {
        /* Reconnecting after a transient failure, with a delay between attempts; a poll returns
         * within a second meanwhile, as the runtime expects (a wait may last long, see "A slot
         * still held by the previous instance"). */
        int64_t poll_end = pg_mono_ms() + 1000;
        while (pg_mono_ms() < t->reconnect_at_ms && pg_mono_ms() < poll_end && !cd_task_stopping(t->ctx)) {
            struct timespec ts = {0, 50 * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (cd_task_stopping(t->ctx) || pg_mono_ms() < t->reconnect_at_ms) return 0;
        bool fatal;
        if (pg_connect_and_start(t, errstr, errstr_size, &fatal) != 0) {
            pg_disconnect(t);
            if (!fatal && waiting_for_previous_owner(t)) {
                t->reconnect_at_ms = pg_mono_ms() + t->cfg.slot_retry_delay_ms;
                return 0;
            }
            if (fatal || (t->cfg.slot_max_retries >= 0 && t->reconnect_attempts >= t->cfg.slot_max_retries))
                return -1;
            log_warn(pg_log(), "[%s] %s; waiting for %lld ms and retrying, attempt number %d over %d",
                     cd_task_connector_name(t->ctx), errstr, (long long)t->cfg.slot_retry_delay_ms,
                     t->reconnect_attempts, t->cfg.slot_max_retries);
            t->reconnect_attempts++;
            t->reconnect_at_ms = pg_mono_ms() + t->cfg.slot_retry_delay_ms;
            return 0;
        }
        slot_wait_over(t);
        if (t->snap) return 0; /* the snapshot comes first */
        t->reconnect_attempts = 0;
        if (pg_inc_start(t, errstr, errstr_size) != 0) return -1;
    }
    int emitted = 0;
    while (!cd_task_stopping(t->ctx) && !t->ctl.held && !t->blocking && emitted < t->cfg.max_batch_size) {
        int64_t left = deadline - pg_mono_ms();
        if (left < 0) left = 0;
        const char *data;
        size_t len;
        uint64_t lsn;
        /* Nothing read needs sending again while no transaction is open and every record sent
         * is stored (pg_stream_allow_idle_flush). */
        pg_stream_allow_idle_flush(t->stream, t->cfg.lsn_flush_mode != PG_LSN_FLUSH_MANUAL && !t->in_txn &&
                                                  t->all_committed);
        int r = pg_stream_next(t->stream, (int)(left > 100 ? 100 : left), &data, &len, &lsn, errstr, errstr_size);
        pg_metrics_stream(t);
        if (r < 0) {
            stream_lost(t, errstr);
            return 0;
        }
        if (r == 1) {
            t->received_any = true;
            pgo_msg_t m;
            if (pgo_decode(t->dec, data, len, &m, errstr, errstr_size) != 0) return -1;
            if (pg_dispatch(t, &m, lsn, errstr, errstr_size) != 0) {
                if (cd_task_stopping(t->ctx)) return 0;
                char off[64];
                pgo_lsn_format(lsn, off);
                size_t l = strlen(errstr);
                snprintf(errstr + l, errstr_size - l, " (error while processing event at LSN %s)", off);
                return -1;
            }
            emitted++;
            if (t->blocking) break;
        }
        /* The Kafka and file signal channels, between two stream messages. */
        if (t->signals && !t->in_txn && pg_signal_poll(t, errstr, errstr_size) != 0)
            return cd_task_stopping(t->ctx) ? 0 : -1;
        if (t->blocking) break;
        int64_t now = pg_mono_ms();
        if (t->cfg.heartbeat_interval_ms > 0 && now >= t->next_heartbeat_ms && !t->in_txn && !t->ctl.held) {
            if (pg_send_heartbeat(t, errstr, errstr_size) != 0) return cd_task_stopping(t->ctx) ? 0 : -1;
            t->next_heartbeat_ms = now + t->cfg.heartbeat_interval_ms;
        }
        if (now >= t->next_status_ms) {
            /* Nothing was read since the idle-flush flag was set: it is current. */
            if (r == 0) pg_stream_idle_advance(t->stream);
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
    if (t->blocking && !cd_task_stopping(t->ctx)) return start_blocking(t, errstr, errstr_size);
    if (t->filtered_since_emit > 10000 && t->cfg.heartbeat_interval_ms <= 0) {
        log_warn(pg_log(), "Received %lld events which were all filtered out, so no offset could be committed. This "
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
    pg_pos_t p;
    char err[512];
    if (pg_pos_parse(source_offset, &p, err, sizeof(err)) != 0) {
        log_warn(pg_log(), "[%s] Committed offset not understood (%s); the slot is not advanced",
                 cd_task_connector_name(t->ctx), err);
        return;
    }
    if (!t->last_sent_snapshot && pg_pos_equal(&p, &t->last_sent)) t->all_committed = true;
    /* Only whole transactions: the slot then sends again every transaction that commits after
     * lsn_commit, the one in progress included. */
    uint64_t lsn = pg_pos_flush_lsn(&p);
    if (lsn == 0 || lsn <= t->confirmed) return;
    t->confirmed = lsn;
    if (!t->stream || !t->received_any) return; /* sent with the next status update */
    if (pg_stream_confirm(t->stream, lsn, err, sizeof(err)) != 0)
        log_warn(pg_log(), "[%s] Could not confirm LSN to the server: %s", cd_task_connector_name(t->ctx), err);
    else
        log_debug(pg_log(), "[%s] Confirmed flushed LSN %llu", cd_task_connector_name(t->ctx), (unsigned long long)lsn);
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
        int64_t now = pg_mono_ms();
        if (now >= t->next_status_ms) /* said at most once per status.update.interval.ms */
            log_warn(pg_log(), "[%s] %s while waiting for Kafka; the replication connection is "
                             "re-established when the task goes on",
                     cd_task_connector_name(t->ctx), err);
        t->next_status_ms = now + t->cfg.status_update_interval_ms;
    }
}

/* While the task is PAUSED: the connection is kept and the stream watched for 'resume'. */
static void task_paused(void *task) { pg_control_paused(task); }

static void task_stop(void *task) {
    pg_task_t *t = task;
    if (!t) return;
    pg_snapshot_close(t);
    if (t->blocking) end_blocking(t);
    pg_signal_close(t);
    pg_stream_close(t->stream);
    t->stream = NULL;
    if (t->cfg.slot_drop_on_stop) pg_drop_slot(t);
    if (t->conn) PQfinish(t->conn);
    pg_records_free(t);
    pg_inc_destroy(t->inc);
    pgo_decoder_destroy(t->dec);
    cd_converter_destroy(t->plain_json);
    if (t->scratch) cd_arena_destroy(t->scratch);
    free(t->partition);
    free(t->heartbeat_topic);
    free(t->message_topic);
    free(t->transaction_topic);
    pg_config_clear(&t->cfg);
    pg_metrics_free(t);
    free(t);
}

/* PATCH /offsets: an offset the task could not resume from is refused before it is written. */
static int check_offset(const char *source_partition, const char *source_offset, char *errstr,
                        size_t errstr_size) {
    (void)source_partition;
    pg_pos_t p;
    if (!source_offset) return 0; /* a removed offset: the connector starts afresh */
    /* Debezium takes any offset and fails when it resumes from a bad one; connectd refuses it
     * with a 400 naming the field, so that the connector never stops on it. */
    return pg_pos_parse(source_offset, &p, errstr, errstr_size) == 0 ? 0 : -2;
}

/* Validation, then what Debezium's PostgresConnector.validateConnection adds: when the database,
 * slot and plugin names are valid, a connection to the server; what fails is an error on
 * database.hostname ("Error while validating connector config: " and pgjdbc's message), so that a
 * create with a wrong password or host is refused as Debezium refuses it. */
static void validate(const cd_props_t *config, cd_config_result_t *result) {
    pg_config_validate(config, result);
    if (cd_config_result_key_error_count(result, "database.dbname") ||
        cd_config_result_key_error_count(result, "slot.name") || cd_config_result_key_error_count(result, "plugin.name"))
        return;
    pg_config_t c;
    char err[1024];
    if (pg_config_parse(config, &c, err, sizeof(err)) == 0) {
        char msg[1024];
        if (pg_check_connection(&c, msg, sizeof(msg)) != 0)
            cd_config_result_add_error(result, "database.hostname", "Error while validating connector config: %s", msg);
    }
    pg_config_clear(&c);
}

static const char *const aliases[] = {"PostgresConnector", NULL};

const cd_connector_plugin_t postgres_plugin = {
    .class_name = CONNECTOR_CLASS,
    .aliases = aliases,
    .type = CD_CONNECTOR_SOURCE,
    .version = DEBEZIUM_VERSION,
    .task_class = TASK_CLASS,
    .config_def = {pg_debezium_keys, PG_DEBEZIUM_N_KEYS},
    .validate = validate,
    .validates_own_keys = true,
    .task_configs = task_configs,
    .start = task_start,
    .poll = task_poll,
    .commit = task_commit,
    .check_offset = check_offset,
    .waiting = task_waiting,
    .paused = task_paused,
    .stop = task_stop,
    .metrics = pg_metrics_render,
};
