/* worker_source.c - source tasks. The plugin's poll hands records to cd_task_send(): they are
 * converted, produced (acks=all, one request in flight) and tracked in a ring, and offsets are committed, in
 * the background of the task, only for the acknowledged prefix of what was sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/client.h"
#include "worker_task.h"

/* Waits a moment for acknowledgements while cd_task_send cannot go on (back-pressure); the plugin
 * may keep its source's connection alive meanwhile. */
static void wait_for_kafka(task_t *t, int ms) {
    rd_kafka_poll(t->producer, ms);
    task_check_kafka(t);
    int64_t now = now_ms();
    if (t->plugin->waiting && t->instance && now >= t->next_waiting_ms) {
        t->next_waiting_ms = now + 1000;
        t->plugin->waiting(t->instance);
    }
}

/* Copies text into *buf, growing it (its size in *cap) only when it is too small: to a multiple
 * of 64 bytes with at least 32 to spare, so that an offset a few digits longer than the last fits
 * (a full ring of PostgreSQL offsets then holds about 3 MiB). */
static void text_set(char **buf, size_t *cap, const char *text) {
    size_t n = strlen(text) + 1;
    if (n > *cap) {
        size_t c = (n + 32 + 63) & ~(size_t)63;
        *buf = realloc(*buf, c);
        *cap = c;
    }
    memcpy(*buf, text, n);
}

static int part_index(task_t *t, const char *partition) {
    for (size_t i = 0; i < t->n_parts; i++)
        if (!strcmp(t->parts[i], partition)) return (int)i;
    t->parts = realloc(t->parts, (t->n_parts + 1) * sizeof(char *));
    t->committable = realloc(t->committable, (t->n_parts + 1) * sizeof(char *));
    t->committed = realloc(t->committed, (t->n_parts + 1) * sizeof(char *));
    t->committable_cap = realloc(t->committable_cap, (t->n_parts + 1) * sizeof(size_t));
    t->parts[t->n_parts] = strdup(partition);
    t->committable[t->n_parts] = NULL;
    t->committable_cap[t->n_parts] = 0;
    t->committed[t->n_parts] = NULL;
    return (int)t->n_parts++;
}

static log_logger_t *srclog(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.connect.runtime.AbstractWorkerSourceTask");
    return lg;
}

static void advance_head(task_t *t);
static const char *java_producer_exception_class(rd_kafka_resp_err_t err);

/* Delivery report, on the task's own thread (it is the only one that polls its producer). */
static void on_source_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    task_t *t = opaque;
    atomic_fetch_sub_explicit(&t->m.bytes_in_flight, (int64_t)(m->len + m->key_len), memory_order_relaxed);
    uint64_t seq = (uint64_t)(uintptr_t)m->_private - 1;
    if (m->err) {
        /* Not rd_kafka_message_errstr: a delivery report's payload is the record. */
        char why[512];
        snprintf(why, sizeof(why), "%s (topic %s, partition %d)", rd_kafka_err2str(m->err),
                 rd_kafka_topic_name(m->rkt), (int)m->partition);
        if (!t->errors.tolerate_all) {
            if (!t->produce_err) {
                t->produce_err = m->err;
                snprintf(t->produce_errstr, sizeof(t->produce_errstr), "%s", why);
            }
            return;
        }
        /* errors.tolerance=all (KIP-779): the refused record is reported and skipped, and its
         * position counts as written, as WorkerSourceTask acknowledges it */
        errors_handle(t, STAGE_KAFKA_PRODUCE, "org.apache.kafka.connect.runtime.WorkerSourceTask",
                      java_producer_exception_class(m->err), why, NULL);
        task_metrics_count(&t->m.skipped, 1);
    } else {
        task_metrics_count(&t->m.written, 1);
        /* TRACE: where each record landed and the source offset it carries, numbered in the order
         * the task sent them (what a resume test needs to know what followed an offset). */
        log_trace(srclog(), "%s Wrote record #%llu successfully: topic %s partition %d offset %lld, source offset %s",
                  t->name, (unsigned long long)seq + 1, rd_kafka_topic_name(m->rkt), (int)m->partition,
                  (long long)m->offset, t->ring[seq % TRACK_CAP].part >= 0 ? t->ring[seq % TRACK_CAP].offset : "null");
    }
    t->ring[seq % TRACK_CAP].acked = true;
    advance_head(t);
}

/* Moves the acknowledged prefix over every acknowledged entry (records, and positions sent
 * without a record, which are acknowledged from the start). */
static void advance_head(task_t *t) {
    while (t->head < t->tail && t->ring[t->head % TRACK_CAP].acked) {
        track_t *e = &t->ring[t->head % TRACK_CAP];
        if (e->part >= 0) text_set(&t->committable[e->part], &t->committable_cap[e->part], e->offset);
        e->acked = false;
        t->head++;
    }
}

/* A delivery error is final: the producer retries what can be retried until it is delivered
 * (message.timeout.ms=0), so what it reports is what retrying cannot fix (a record larger than the
 * topic accepts, no authorization for the topic, ...). The record's offset can never be committed,
 * nor any after it, so the task fails, as Kafka Connect's does. Returns -1 with errstr then. */
static int producer_failed(const task_t *t, char *errstr, size_t errstr_size) {
    if (!t->produce_err) return 0;
    snprintf(errstr, errstr_size, "Unrecoverable exception from producer send callback: %s",
             t->produce_errstr);
    return -1;
}

/* Back-pressure: waits for acknowledgements while too much is in flight. The acknowledged prefix
 * cannot move past a record that failed, so a delivery error ends the wait. Returns 0, or -1
 * with errstr (the task stops, or its producer failed). */
static int wait_for_room(cd_task_context_t *t, char *errstr, size_t errstr_size) {
    if (producer_failed(t, errstr, errstr_size)) return -1;
    while (t->tail - t->head >= TRACK_CAP) {
        if (atomic_load(&t->stop)) {
            snprintf(errstr, errstr_size, "task %s is stopping", t->name);
            return -1;
        }
        wait_for_kafka(t, 10);
        if (producer_failed(t, errstr, errstr_size)) return -1;
    }
    return 0;
}

#define DATA_EXCEPTION "org.apache.kafka.connect.errors.DataException"

/* A record the error handler skips (errors.tolerance=all): its position still counts, as a
 * record's would (README, "Transforms"). */
static int skip_record(task_t *t, const cd_source_record_t *rec, char *errstr, size_t errstr_size) {
    task_metrics_count(&t->m.skipped, 1);
    return rec->source_partition && rec->source_offset
               ? cd_task_send_offset(t, rec->source_partition, rec->source_offset, errstr, errstr_size)
               : 0;
}

/* A stage failed on rec (before its transformations): reported, then skipped (returns 1) or the
 * task fails once poll() has returned (returns -1 with errstr; task_run_source). */
static int stage_failed(task_t *t, err_stage_t stage, const char *klass, const char *err,
                        const cd_source_record_t *rec, char *errstr, size_t errstr_size) {
    errant_t er = {.source = rec};
    if (errors_handle(t, stage, klass, DATA_EXCEPTION, err, &er) == 0) return 1;
    if (errstr != err) snprintf(errstr, errstr_size, "%s", err);
    return -1;
}

/* Runs the connector's transformations over a source record (Kafka's TransformationChain, before
 * the converters). Returns 0 with *out the record to send, 1 when a transformation dropped it or
 * failed on it and the failure is tolerated, or -1 with errstr. */
static int transform_source(task_t *t, const cd_source_record_t *rec, cd_source_record_t *out, char *errstr,
                            size_t errstr_size) {
    cd_arena_reset(t->xf_arena);
    cd_xf_record_t x = {.topic = rec->topic, .kafka_partition = rec->kafka_partition, .kafka_offset = -1,
                        .timestamp_ms = rec->timestamp_ms, .key_schema = rec->key_schema, .key = rec->key,
                        .value_schema = rec->value_schema, .value = rec->value, .headers = rec->headers,
                        .n_headers = rec->n_headers};
    char err[1024];
    int r = cd_xf_chain_apply(t->xf, &x, t->xf_arena, err, sizeof(err));
    if (r < 0)
        return stage_failed(t, STAGE_TRANSFORMATION, cd_xf_chain_failed_class(t->xf), err, rec, errstr, errstr_size);
    if (r > 0) return 1;
    *out = *rec;
    out->topic = x.topic;
    out->kafka_partition = x.kafka_partition;
    out->timestamp_ms = x.timestamp_ms;
    out->key_schema = x.key_schema;
    out->key = x.key;
    out->value_schema = x.value_schema;
    out->value = x.value;
    out->headers = x.headers;
    out->n_headers = x.n_headers;
    return 0;
}

/* Whether librdkafka refused a record itself for a reason Kafka's producer reports through the
 * send callback (so that errors.tolerance=all skips it, as it does there). */
static bool record_refused(rd_kafka_resp_err_t err) {
    return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || err == RD_KAFKA_RESP_ERR_INVALID_RECORD;
}

int cd_task_send(cd_task_context_t *t, const cd_source_record_t *rec, char *errstr,
                 size_t errstr_size) {
    const cd_source_record_t *orig = rec;
    cd_source_record_t transformed;
    task_metrics_count(&t->m.polled, 1); /* source-record-poll: before the transformations */
    if (t->xf) {
        int r = transform_source(t, rec, &transformed, errstr, errstr_size);
        if (r < 0) return -1;
        if (r > 0) return skip_record(t, rec, errstr, errstr_size); /* dropped or skipped */
        rec = &transformed;
    }
    if (wait_for_room(t, errstr, errstr_size) != 0) return -1;
    t->kbuf.len = 0;
    t->vbuf.len = 0;
    int hk = cd_converter_from_connect(t->key_conv, rec->topic, rec->key_schema, rec->key, &t->kbuf,
                                       errstr, errstr_size);
    int r = hk < 0 ? stage_failed(t, STAGE_KEY_CONVERTER, cd_converter_class(t->key_conv), errstr, orig, errstr,
                                  errstr_size)
                   : 0;
    int hv = 0;
    if (!r) {
        hv = cd_converter_from_connect(t->value_conv, rec->topic, rec->value_schema, rec->value, &t->vbuf, errstr,
                                       errstr_size);
        if (hv < 0)
            r = stage_failed(t, STAGE_VALUE_CONVERTER, cd_converter_class(t->value_conv), errstr, orig, errstr,
                             errstr_size);
    }
    if (r < 0) return -1;
    if (r > 0) return skip_record(t, orig, errstr, errstr_size);
    if (topic_creation_ensure(t->topic_creation, rec->topic, errstr, errstr_size) != 0) return -1;

    uint64_t seq = t->tail;
    track_t *e = &t->ring[seq % TRACK_CAP];
    e->acked = false;
    e->part = rec->source_partition && rec->source_offset ? part_index(t, rec->source_partition) : -1;
    if (e->part >= 0) text_set(&e->offset, &e->cap, rec->source_offset);

    rd_kafka_headers_t *hdrs = NULL;
    if (rec->n_headers) {
        hdrs = rd_kafka_headers_new(rec->n_headers);
        for (size_t i = 0; i < rec->n_headers; i++)
            rd_kafka_header_add(hdrs, rec->headers[i].key, -1, rec->headers[i].value,
                                rec->headers[i].value ? (ssize_t)rec->headers[i].value_len : 0);
    }
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            t->producer, RD_KAFKA_V_TOPIC(rec->topic),
            RD_KAFKA_V_PARTITION(rec->kafka_partition >= 0 ? rec->kafka_partition : RD_KAFKA_PARTITION_UA),
            RD_KAFKA_V_KEY(hk ? t->kbuf.data : NULL, hk ? t->kbuf.len : 0),
            RD_KAFKA_V_VALUE(hv ? t->vbuf.data : NULL, hv ? t->vbuf.len : 0),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_OPAQUE((void *)(uintptr_t)(seq + 1)),
            RD_KAFKA_V_TIMESTAMP(rec->timestamp_ms > 0 ? rec->timestamp_ms : 0),
            RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
        if (!err) break;
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && !atomic_load(&t->stop)) {
            wait_for_kafka(t, 50);
            if (!t->produce_err) continue;
        }
        if (hdrs) rd_kafka_headers_destroy(hdrs);
        if (record_refused(err)) { /* as a refusal in the send callback (Kafka's producer) */
            char why[512];
            snprintf(why, sizeof(why), "%s (topic %s)", rd_kafka_err2str(err), rec->topic);
            if (t->errors.tolerate_all) { /* reported, skipped; its position counts */
                errors_handle(t, STAGE_KAFKA_PRODUCE, "org.apache.kafka.connect.runtime.WorkerSourceTask",
                              java_producer_exception_class(err), why, NULL);
                task_metrics_count(&t->m.skipped, 1);
                e->acked = true;
                t->tail++;
                advance_head(t);
                return 0;
            }
            if (!t->produce_err) { /* the task fails as for a delivery error */
                t->produce_err = err;
                snprintf(t->produce_errstr, sizeof(t->produce_errstr), "%s", why);
            }
        }
        if (producer_failed(t, errstr, errstr_size)) return -1;
        snprintf(errstr, errstr_size, "%s: could not produce to topic %s: %s", t->name, rec->topic,
                 atomic_load(&t->stop) ? "the task is stopping" : rd_kafka_err2str(err));
        return -1;
    }
    t->tail++;
    atomic_fetch_add_explicit(&t->m.bytes_in_flight, (int64_t)((hk ? t->kbuf.len : 0) + (hv ? t->vbuf.len : 0)),
                              memory_order_relaxed);
    rd_kafka_poll(t->producer, 0);
    task_note_topic(t, rec->topic);
    return 0;
}

int cd_task_send_offset(cd_task_context_t *t, const char *source_partition, const char *source_offset,
                        char *errstr, size_t errstr_size) {
    if (wait_for_room(t, errstr, errstr_size) != 0) return -1;
    /* In the ring like a record, acknowledged already: it becomes committable exactly when every
     * record before it is, so an offset never gets ahead of what Kafka holds. */
    track_t *e = &t->ring[t->tail % TRACK_CAP];
    e->acked = true;
    e->part = part_index(t, source_partition);
    text_set(&e->offset, &e->cap, source_offset);
    t->tail++;
    advance_head(t);
    return 0;
}

void cd_task_buffer(const cd_task_context_t *t, cd_task_buffer_t *out) {
    /* head and tail are the task thread's; read atomically, they give a moment's count */
    uint64_t head = __atomic_load_n(&t->head, __ATOMIC_RELAXED), tail = __atomic_load_n(&t->tail, __ATOMIC_RELAXED);
    int64_t bytes = atomic_load_explicit(&t->m.bytes_in_flight, memory_order_relaxed);
    char kb[32] = "0";
    size_t kb_len = sizeof(kb);
    if (t->producer) rd_kafka_conf_get(rd_kafka_conf(t->producer), "queue.buffering.max.kbytes", kb, &kb_len);
    *out = (cd_task_buffer_t){.records_capacity = TRACK_CAP,
                              .records_in_flight = tail > head ? tail - head : 0,
                              .bytes_capacity = strtoull(kb, NULL, 10) * 1024,
                              .bytes_in_flight = bytes > 0 ? (uint64_t)bytes : 0};
}

/* The exception Kafka's Java producer reports for a delivery error, for the "Caused by" line of
 * the trace (users and tools match on these names). */
static const char *java_producer_exception_class(rd_kafka_resp_err_t err) {
#define E "org.apache.kafka.common.errors."
    switch (err) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE: return E "RecordTooLargeException";
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE: return E "RecordBatchTooLargeException";
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED: return E "TopicAuthorizationException";
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED: return E "ClusterAuthorizationException";
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION: return E "UnknownTopicOrPartitionException";
    case RD_KAFKA_RESP_ERR_INVALID_RECORD: return E "InvalidRecordException";
    case RD_KAFKA_RESP_ERR_INVALID_MSG: return E "CorruptRecordException";
    case RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP: return E "InvalidTimestampException";
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT: return E "TimeoutException";
    default: return "org.apache.kafka.common.KafkaException";
    }
#undef E
}

/* Kafka Connect's failure for a record Kafka refused (WorkerSourceTask's producer callback). */
static void fail_producer(task_t *t) {
    char msg[1024], trace[2048];
    producer_failed(t, msg, sizeof(msg));
    snprintf(trace, sizeof(trace),
             "org.apache.kafka.connect.errors.ConnectException: Unrecoverable exception from producer "
             "send callback\nCaused by: %s: %s\n",
             java_producer_exception_class(t->produce_err), t->produce_errstr);
    task_fail_with_trace(t, msg, trace);
}

static bool wait_while_paused(task_t *t) {
    pthread_mutex_lock(&t->lock);
    bool paused = t->target != TARGET_STARTED && !atomic_load(&t->stop);
    if (paused) {
        if (atomic_load(&t->state) != TS_PAUSED) {
            pthread_mutex_unlock(&t->lock);
            task_report(t, TS_PAUSED, NULL);
            pthread_mutex_lock(&t->lock);
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&t->cond, &t->lock, &ts);
    }
    pthread_mutex_unlock(&t->lock);
    return paused;
}

/* Offset commits run in the background of the task: the records go to the offsets topic, the
 * task goes on polling, and once Kafka has acknowledged them the plugin is told (commit). One
 * commit is in flight at a time. */
static void start_offset_commit(task_t *t) {
    rd_kafka_poll(t->producer, 0);
    if (t->pc.p) return;
    offset_write_t *writes = calloc(t->n_parts + 1, sizeof(*writes));
    t->pc.which = calloc(t->n_parts + 1, sizeof(int));
    t->pc.offsets = calloc(t->n_parts + 1, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < t->n_parts; i++) {
        if (!t->committable[i]) continue;
        if (t->committed[i] && !strcmp(t->committed[i], t->committable[i])) continue;
        t->pc.offsets[n] = strdup(t->committable[i]);
        writes[n] = (offset_write_t){t->parts[i], t->pc.offsets[n]};
        t->pc.which[n++] = (int)i;
    }
    t->pc.n = n;
    char err[512];
    if (n > 0) {
        /* Checked and handed over under the lock that fencing takes (worker.c, "One instance of
         * a task", invariant 2). */
        pthread_mutex_lock(&t->commit_lock);
        bool fenced = t->fenced;
        if (!fenced)
            t->pc.p = offset_store_write_async(t->w->os, t->connector, writes, n, err, sizeof(err));
        pthread_mutex_unlock(&t->commit_lock);
        t->pc.started_ms = now_ms();
        if (fenced)
            log_warn(wlog(), "%s Skipping offset commit: the task was cancelled, or its connector's "
                             "offsets are being changed, since it was told to stop",
                     t->name);
        else if (!t->pc.p)
            log_error(wlog(), "%s Failed to commit offsets: %s", t->name, err);
    }
    free(writes);
    if (!t->pc.p) {
        for (size_t i = 0; i < n; i++) free(t->pc.offsets[i]);
        free(t->pc.offsets);
        free(t->pc.which);
        memset(&t->pc, 0, sizeof(t->pc));
    }
}

/* Completes the commit in flight once Kafka has answered, waiting up to wait_ms. Returns true
 * when no commit is in flight any more (give_up_at, when not 0, is when to stop waiting for it).
 *
 * What is written is only ever the offsets of the acknowledged prefix (committable), so an offset
 * record that reaches the topic, however late, is a safe resume point; the plugin hears of it
 * (commit, which lets PostgreSQL release WAL) only once Kafka has acknowledged it. A write not
 * acknowledged within offset.flush.timeout.ms (Kafka unreachable) stays in flight: the offsets
 * producer retries it, in order, until delivered, and no newer commit starts meanwhile, so an
 * outage neither piles up offset writes nor lets an older one land after a newer one. On stop
 * the task gives up waiting at a deadline (the write may still land: it is a safe resume point).
 * A write that failed is dropped, and the offsets are written again at the next flush. */
static bool finish_offset_commit(task_t *t, int wait_ms, int64_t give_up_at) {
    if (!t->pc.p) return true;
    char err[512];
    int r = kafka_log_pending_poll(t->pc.p, wait_ms, err, sizeof(err));
    if (r == 0) {
        int64_t now = now_ms();
        if (!give_up_at || now < give_up_at) {
            if (now - t->pc.started_ms >= t->w->flush_timeout_ms && !t->pc.late) {
                log_warn(wlog(), "%s Offset commit not acknowledged within offset.flush.timeout.ms=%lld; "
                                 "it is retried until Kafka acknowledges it",
                         t->name, (long long)t->w->flush_timeout_ms);
                t->pc.late = true;
            }
            return false;
        }
        snprintf(err, sizeof(err), "Kafka did not acknowledge them within offset.flush.timeout.ms=%lld",
                 (long long)t->w->flush_timeout_ms);
    }
    task_metrics_commit(t, r == 1, now_ms() - t->pc.started_ms);
    if (r == 1) {
        if (t->pc.late)
            log_info(wlog(), "%s Offset commit acknowledged after %lld ms", t->name,
                     (long long)(now_ms() - t->pc.started_ms));
        for (size_t j = 0; j < t->pc.n; j++) {
            int i = t->pc.which[j];
            free(t->committed[i]);
            t->committed[i] = t->pc.offsets[j];
            t->pc.offsets[j] = NULL;
            if (t->plugin->commit) t->plugin->commit(t->instance, t->parts[i], t->committed[i]);
        }
        log_debug(wlog(), "%s Committed offsets for %zu source partitions", t->name, t->pc.n);
    } else {
        log_error(wlog(), "%s Failed to commit offsets (retried at the next flush): %s", t->name, err);
    }
    kafka_log_pending_free(t->pc.p);
    for (size_t j = 0; j < t->pc.n; j++) free(t->pc.offsets[j]);
    free(t->pc.offsets);
    free(t->pc.which);
    memset(&t->pc, 0, sizeof(t->pc));
    return true;
}

/* On stop: what is in flight, then everything Kafka has acknowledged since, within
 * offset.flush.timeout.ms in all (worker_stop_task waits no longer). */
static void commit_offsets_and_wait(task_t *t) {
    int64_t deadline = now_ms() + t->w->flush_timeout_ms;
    while (!finish_offset_commit(t, 100, deadline)) {
    }
    start_offset_commit(t);
    while (!finish_offset_commit(t, 100, deadline)) {
    }
}

static int start_producer(task_t *t, char *errstr, size_t errstr_size) {
    char client_id[600];
    snprintf(client_id, sizeof(client_id), "connector-producer-%s", t->name);
    rd_kafka_conf_t *conf = kafka_client_conf(t->w->wc, KAFKA_ROLE_PRODUCER, client_id, errstr,
                                              errstr_size);
    if (!conf) return -1;
    static const char *const defaults[][2] = {
        /* Kafka Connect's worker producer: acks=all, no idempotence, one request in flight, so
         * that retries keep the order. And librdkafka 2.0.2's idempotent producer busy-polls its
         * broker thread while a partition has its 5 requests in flight and more records are
         * ready (rd_kafka_toppar_producer_serve sets the wakeup to now before the in-flight
         * cap): on the real broker that thread took 70% of connectd's CPU, and these settings
         * cut connectd's CPU per row by 2-3x at a higher rate (make bench). A retry after a
         * lost acknowledgement may duplicate a batch, as in Kafka Connect: at-least-once. */
        {"acks", "all"},
        {"enable.idempotence", "false"},
        {"max.in.flight.requests.per.connection", "1"},
        {"partitioner", "murmur2_random"}, /* Java's default partitioner */
        /* 1 ms, not Kafka's 5: on the real broker it gave a p99 commit-to-acknowledgement of
         * 9 ms at 10k changes/s instead of 15 (make bench), and no less throughput, since
         * records batch up anyway while earlier requests are in flight. */
        {"linger.ms", "1"},
        {"message.timeout.ms", "0"}, /* retry until delivered, as Kafka Connect does */
        /* Records produced and not yet acknowledged, at most 4 MiB (Java's buffer.memory is 32):
         * with one request in flight that is the batch on the wire and the next few filling up,
         * enough to keep the broker busy (8 MiB measured no faster on the real broker), and it
         * bounds the worker's memory while Kafka lags behind (peak RSS 25 MiB in a 1M-row
         * transaction, 31 with 8); the replication stream then waits in PostgreSQL.
         * producer.buffer.memory sets it. */
        {"queue.buffering.max.kbytes", "4096"},
        /* LZ4 batches, where Kafka's default is none: a Debezium event with schemas is 3.3 kB of
         * JSON that repeats its schema, and on the real broker the broker took 25-35% less CPU,
         * produce-to-acknowledgement p99 halved (14 ms against 24-44 at 50k changes/s) and
         * 1000-row transactions with schemas streamed 112k rows/s against 58k (make bench). It
         * costs connectd 0.05-0.3 CPU s per 100k rows, in librdkafka's broker thread, about what
         * the broker saves. Consumers decompress transparently; the records are the same.
         * producer.compression.type=none restores Kafka's default. */
        {"compression.type", "lz4"},
    };
    /* connectd's defaults; a worker-level producer.* setting wins, as in Kafka Connect, and a
     * connector's producer.override.* over both (task_client_new). */
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        if (!kafka_client_role_sets(t->w->wc, KAFKA_ROLE_PRODUCER, defaults[i][0]))
            rd_kafka_conf_set(conf, defaults[i][0], defaults[i][1], NULL, 0);
    rd_kafka_conf_set_dr_msg_cb(conf, on_source_delivery);
    t->producer = task_client_new(t, RD_KAFKA_PRODUCER, conf, "producer.override.", errstr, errstr_size);
    return t->producer ? 0 : -1;
}

void task_run_source(task_t *t) {
    char err[4096];
    t->ring = calloc(TRACK_CAP, sizeof(track_t));
    if (cd_xf_chain_new(t->conn_config, &t->xf, err, sizeof(err)) != 0) {
        task_fail(t, err);
        return;
    }
    if (t->xf) t->xf_arena = cd_arena_new();
    if (errors_init(t, err, sizeof(err)) != 0 || start_producer(t, err, sizeof(err)) != 0 ||
        !(t->topic_creation = topic_creation_new(t->producer, t->w->wc, t->conn_config, t->name, &t->stop,
                                                 err, sizeof(err))) ||
        !(t->key_conv = task_converter(t, true, err, sizeof(err))) ||
        !(t->value_conv = task_converter(t, false, err, sizeof(err)))) {
        task_fail(t, err);
        return;
    }
    t->instance = t->plugin->start(t->task_config, t, err, sizeof(err));
    if (!t->instance) {
        task_fail(t, err);
        return;
    }
    task_metrics_startup(t, true);
    task_metrics_instance(t, t->instance);
    int64_t next_commit = now_ms() + t->w->flush_interval_ms;
    bool failed = false;
    while (!atomic_load(&t->stop)) {
        if (wait_while_paused(t)) {
            /* Paused: the plugin may watch its source, and offsets go on being committed (as
             * Kafka Connect's committer thread does), so that what was sent before the pause is
             * stored and its position released at the source while the pause lasts. */
            if (t->plugin->paused && !atomic_load(&t->stop)) t->plugin->paused(t->instance);
            rd_kafka_poll(t->producer, 0);
            task_check_kafka(t);
            task_metrics_tick(t, now_ms());
            finish_offset_commit(t, 0, 0);
            if (now_ms() >= next_commit && !atomic_load(&t->stop)) {
                start_offset_commit(t);
                next_commit = now_ms() + t->w->flush_interval_ms;
            }
            continue;
        }
        if (atomic_load(&t->state) != TS_RUNNING) task_report(t, TS_RUNNING, NULL);
        err[0] = '\0';
        uint64_t polled = atomic_load_explicit(&t->m.polled, memory_order_relaxed);
        int64_t poll_start = now_ms();
        int rc = t->plugin->poll(t->instance, err, sizeof(err));
        rd_kafka_poll(t->producer, 0);
        int64_t poll_end = now_ms();
        uint64_t batch = atomic_load_explicit(&t->m.polled, memory_order_relaxed) - polled;
        if (batch) task_metrics_poll_batch(t, batch, poll_end - poll_start);
        task_metrics_tick(t, poll_end);
        if (t->produce_err) { /* whatever the plugin made of it, the producer's error is the cause */
            fail_producer(t);
            failed = true;
            break;
        }
        if (rc != 0 && t->errors.failed) {
            errors_fail_task(t); /* whatever the plugin made of the message */
            failed = true;
            break;
        }
        if (rc != 0 && !atomic_load(&t->stop)) {
            task_fail(t, err[0] ? err : "poll failed");
            failed = true;
            break;
        }
        task_check_kafka(t);
        finish_offset_commit(t, 0, 0);
        if (now_ms() >= next_commit && !atomic_load(&t->stop)) { /* else the final one follows */
            start_offset_commit(t);
            next_commit = now_ms() + t->w->flush_interval_ms;
        }
    }
    /* Stop: deliver what is in flight, then commit what Kafka has. */
    rd_kafka_flush(t->producer, (int)t->w->shutdown_timeout_ms);
    if (!failed) commit_offsets_and_wait(t);
    else finish_offset_commit(t, (int)t->w->flush_timeout_ms, now_ms() + t->w->flush_timeout_ms);
    task_metrics_instance(t, NULL);
    t->plugin->stop(t->instance);
    t->instance = NULL;
}

