/* worker_sink.c - sink tasks: a consumer in group connect-<name> hands records to the plugin,
 * and consumer offsets are committed after the plugin's flush. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/client.h"
#include "worker_task.h"

#define DATA_EXCEPTION "org.apache.kafka.connect.errors.DataException"

static void commit_sink(task_t *t, bool sync) {
    char err[2048];
    if (t->plugin->flush && t->plugin->flush(t->instance, err, sizeof(err)) != 0) {
        task_fail(t, err);
        return;
    }
    /* What went to the dead letter queue is there before the offsets past it are committed. */
    int dlq = errors_flush(t, sync ? (int)t->w->flush_timeout_ms : 0);
    if (dlq > 0) {
        if (sync) log_warn(wlog(), "%s Offsets not committed: the dead letter queue %s did not acknowledge its "
                                   "records within offset.flush.timeout.ms", t->name, t->errors.dlq_topic);
        return;
    }
    if (dlq < 0) {
        task_fail(t, "The dead letter queue refused a record (see the log for Kafka's reason); the records after the "
                     "last committed offset are consumed again when the task is restarted");
        return;
    }
    /* The commit request is queued under the lock that fencing takes (worker.c, "One instance of
     * a task", invariant 2); only waiting for its result happens outside. */
    rd_kafka_resp_err_t e;
    int64_t started = now_ms();
    rd_kafka_queue_t *q = sync ? rd_kafka_queue_new(t->consumer) : NULL;
    pthread_mutex_lock(&t->commit_lock);
    bool fenced = t->fenced;
    if (fenced)
        e = RD_KAFKA_RESP_ERR_NO_ERROR;
    else if (!sync)
        e = rd_kafka_commit(t->consumer, NULL, 1);
    else
        e = rd_kafka_commit_queue(t->consumer, NULL, q, NULL, NULL);
    pthread_mutex_unlock(&t->commit_lock);
    if (fenced)
        log_warn(wlog(), "%s Skipping offset commit: the task was cancelled, or its connector's "
                         "offsets are being changed, since it was told to stop",
                 t->name);
    if (sync && !fenced && !e) {
        /* A synchronous rd_kafka_commit waits for the group coordinator for ever (a Kafka outage
         * would hold a rebalance or a stop up): wait for the result up to offset.flush.timeout.ms.
         * What is not committed is consumed again (at least once). */
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, (int)t->w->flush_timeout_ms);
        e = ev ? rd_kafka_event_error(ev) : RD_KAFKA_RESP_ERR__TIMED_OUT;
        if (ev) rd_kafka_event_destroy(ev);
    }
    if (q) rd_kafka_queue_destroy(q);
    /* An asynchronous commit counts as done once queued: what it commits is what was put. */
    if (fenced || e == RD_KAFKA_RESP_ERR__NO_OFFSET) task_metrics_commit_skipped(t);
    else task_metrics_commit(t, !e, now_ms() - started);
    if (!fenced && !e) atomic_store(&t->m.active_sink, 0);
    if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET)
        log_warn(wlog(), "%s Commit of consumer offsets failed: %s", t->name, rd_kafka_err2str(e));
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    task_t *t = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        rd_kafka_assign(rk, parts);
        atomic_store(&t->m.partitions, parts->cnt);
        pthread_mutex_lock(&t->lock);
        bool paused = t->target != TARGET_STARTED;
        pthread_mutex_unlock(&t->lock);
        if (paused) rd_kafka_pause_partitions(rk, parts);
    } else {
        /* Partitions lost (the session expired, e.g. in a Kafka outage) are another member's now:
         * committing them would fail or overwrite its commits; what was not committed comes again. */
        if (t->instance && atomic_load(&t->state) != TS_FAILED && !rd_kafka_assignment_lost(rk))
            commit_sink(t, true);
        rd_kafka_assign(rk, NULL);
        atomic_store(&t->m.partitions, 0);
    }
}

static int start_consumer(task_t *t, char *errstr, size_t errstr_size) {
    char client_id[600], group[600];
    snprintf(client_id, sizeof(client_id), "connector-consumer-%s", t->name);
    snprintf(group, sizeof(group), "connect-%s", t->connector);
    rd_kafka_conf_t *conf = kafka_client_conf(t->w->wc, KAFKA_ROLE_CONSUMER, client_id, errstr,
                                              errstr_size);
    if (!conf) return -1;
    rd_kafka_conf_set(conf, "group.id", group, NULL, 0);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", NULL, 0);
    /* Offsets are stored only after the plugin took the records, and committed after its flush. */
    rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", NULL, 0);
    rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", NULL, 0);
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    t->consumer = task_client_new(t, RD_KAFKA_CONSUMER, conf, "consumer.override.", errstr, errstr_size);
    if (!t->consumer) return -1;
    rd_kafka_poll_set_consumer(t->consumer);
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new(4);
    const char *topics = cd_props_get(t->task_config, "topics");
    const char *regex = cd_props_get(t->task_config, "topics.regex");
    if (regex && *regex) {
        char buf[1024];
        snprintf(buf, sizeof(buf), "%s%s", regex[0] == '^' ? "" : "^", regex);
        rd_kafka_topic_partition_list_add(subs, buf, RD_KAFKA_PARTITION_UA);
    } else if (topics) {
        char *list = strdup(topics);
        for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            while (*tok == ' ') tok++;
            char *end = tok + strlen(tok);
            while (end > tok && end[-1] == ' ') *--end = '\0';
            if (*tok) rd_kafka_topic_partition_list_add(subs, tok, RD_KAFKA_PARTITION_UA);
        }
        free(list);
    }
    rd_kafka_resp_err_t e = rd_kafka_subscribe(t->consumer, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    if (e) {
        snprintf(errstr, errstr_size, "could not subscribe: %s", rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

static void set_paused(task_t *t, bool paused) {
    rd_kafka_topic_partition_list_t *parts = NULL;
    if (rd_kafka_assignment(t->consumer, &parts) || !parts) return;
    if (paused)
        rd_kafka_pause_partitions(t->consumer, parts);
    else
        rd_kafka_resume_partitions(t->consumer, parts);
    rd_kafka_topic_partition_list_destroy(parts);
}

/* The headers of a consumed record, for the transformations (in arena). */
static void sink_headers(rd_kafka_message_t *m, cd_arena_t *arena, cd_xf_record_t *x) {
    rd_kafka_headers_t *h = NULL;
    if (rd_kafka_message_headers(m, &h) || !h) return;
    size_t n = rd_kafka_header_cnt(h);
    cd_header_t *out = cd_arena_alloc(arena, (n ? n : 1) * sizeof(*out));
    const char *name;
    const void *val;
    size_t len;
    for (size_t i = 0; i < n && !rd_kafka_header_get_all(h, i, &name, &val, &len); i++)
        out[i] = (cd_header_t){name, val, len};
    x->headers = out;
    x->n_headers = n;
}

/* Runs the connector's transformations over a converted record (Kafka's TransformationChain,
 * between the converters and put). Returns 0, 1 when dropped, -1 with errstr. */
static int transform_sink(task_t *t, rd_kafka_message_t *m, cd_sink_record_t *r, char *errstr,
                          size_t errstr_size) {
    cd_xf_record_t x = {.topic = r->topic, .kafka_partition = r->kafka_partition, .kafka_offset = r->kafka_offset,
                        .is_sink = true, .timestamp_ms = r->timestamp_ms, .key_schema = r->key_schema,
                        .key = r->key, .value_schema = r->value_schema, .value = r->value};
    sink_headers(m, t->arena, &x);
    char err[1024];
    int rc = cd_xf_chain_apply(t->xf, &x, t->arena, err, sizeof(err));
    if (rc < 0) {
        snprintf(errstr, errstr_size, "%s", err);
        return -1;
    }
    if (rc > 0) return 1;
    r->topic = x.topic;
    r->kafka_partition = x.kafka_partition;
    r->timestamp_ms = x.timestamp_ms;
    r->key_schema = x.key_schema;
    r->key = x.key;
    r->value_schema = x.value_schema;
    r->value = x.value;
    return 0;
}

void task_run_sink(task_t *t) {
    char err[4096];
    t->arena = cd_arena_new();
    if (cd_xf_chain_new(t->conn_config, &t->xf, err, sizeof(err)) != 0 || errors_init(t, err, sizeof(err)) != 0) {
        task_fail(t, err);
        return;
    }
    if (!(t->key_conv = task_converter(t, true, err, sizeof(err))) ||
        !(t->value_conv = task_converter(t, false, err, sizeof(err)))) {
        task_fail(t, err);
        return;
    }
    t->instance = t->plugin->start(t->task_config, t, err, sizeof(err));
    if (!t->instance) {
        task_fail(t, err);
        return;
    }
    if (start_consumer(t, err, sizeof(err)) != 0) {
        task_fail(t, err);
        t->plugin->stop(t->instance);
        t->instance = NULL;
        return;
    }
    task_metrics_startup(t, true);
    task_metrics_instance(t, t->instance);
    cd_sink_record_t *batch = calloc(SINK_BATCH, sizeof(*batch));
    cd_value_t *vals = calloc(SINK_BATCH * 2, sizeof(*vals));
    rd_kafka_message_t *msgs[SINK_BATCH];
    int64_t next_commit = now_ms() + t->w->flush_interval_ms;
    bool was_paused = false;
    while (!atomic_load(&t->stop) && atomic_load(&t->state) != TS_FAILED) {
        pthread_mutex_lock(&t->lock);
        bool paused = t->target != TARGET_STARTED;
        pthread_mutex_unlock(&t->lock);
        if (paused != was_paused) {
            set_paused(t, paused);
            was_paused = paused;
        }
        if (paused && atomic_load(&t->state) != TS_PAUSED) task_report(t, TS_PAUSED, NULL);
        if (!paused && atomic_load(&t->state) != TS_RUNNING) task_report(t, TS_RUNNING, NULL);

        size_t n = 0;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(t->consumer, 100);
        while (m) {
            if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    log_warn(wlog(), "%s consumer: %s", t->name, rd_kafka_message_errstr(m));
                rd_kafka_message_destroy(m);
            } else {
                msgs[n++] = m;
            }
            if (n == SINK_BATCH) break;
            m = rd_kafka_consumer_poll(t->consumer, 0);
        }
        task_metrics_count(&t->m.read, n);
        atomic_fetch_add(&t->m.active_sink, (int64_t)n);
        task_metrics_tick(t, now_ms());
        cd_arena_reset(t->arena);
        bool failed = false;
        size_t kept = 0; /* records left after the transformations */
        for (size_t i = 0; i < n && !failed; i++) {
            cd_sink_record_t *r = &batch[kept];
            memset(r, 0, sizeof(*r));
            r->topic = rd_kafka_topic_name(msgs[i]->rkt);
            r->kafka_partition = msgs[i]->partition;
            r->kafka_offset = msgs[i]->offset;
            r->timestamp_ms = rd_kafka_message_timestamp(msgs[i], NULL);
            task_note_topic(t, r->topic);
            errant_t er = {.consumed = msgs[i]};
            int conv = 0; /* 0: converted; 1: skipped; -1: the task fails */
            if (cd_converter_to_connect(t->key_conv, r->topic, msgs[i]->key, msgs[i]->key_len, t->arena,
                                        &r->key_schema, &vals[2 * i], err, sizeof(err)))
                conv = errors_handle(t, STAGE_KEY_CONVERTER, cd_converter_class(t->key_conv), DATA_EXCEPTION, err,
                                     &er) == 0 ? 1 : -1;
            else if (cd_converter_to_connect(t->value_conv, r->topic, msgs[i]->payload, msgs[i]->len, t->arena,
                                             &r->value_schema, &vals[2 * i + 1], err, sizeof(err)))
                conv = errors_handle(t, STAGE_VALUE_CONVERTER, cd_converter_class(t->value_conv), DATA_EXCEPTION,
                                     err, &er) == 0 ? 1 : -1;
            if (conv > 0) continue;
            r->key = &vals[2 * i];
            r->value = &vals[2 * i + 1];
            int x = conv < 0 ? -1 : t->xf ? transform_sink(t, msgs[i], r, err, sizeof(err)) : 0;
            if (x < 0 && !t->errors.failed && errors_handle(t, STAGE_TRANSFORMATION, cd_xf_chain_failed_class(t->xf),
                                                            DATA_EXCEPTION, err, &er) == 0)
                x = 1; /* skipped */
            if (x < 0) {
                errors_fail_task(t);
                failed = true;
                break;
            }
            if (x == 0) kept++;
        }
        int64_t put_start = now_ms();
        if (!failed && kept > 0 && t->plugin->put(t->instance, batch, kept, err, sizeof(err)) != 0) {
            task_fail(t, err);
            failed = true;
        }
        if (!failed && kept > 0) {
            task_metrics_count(&t->m.sent, kept);
            task_metrics_put_batch(t, kept, now_ms() - put_start);
        }
        if (!failed) {
            for (size_t i = 0; i < n; i++)
                rd_kafka_offset_store(msgs[i]->rkt, msgs[i]->partition, msgs[i]->offset);
        }
        for (size_t i = 0; i < n; i++) rd_kafka_message_destroy(msgs[i]);
        if (failed) break;
        task_check_kafka(t);
        if (now_ms() >= next_commit) {
            commit_sink(t, false);
            next_commit = now_ms() + t->w->flush_interval_ms;
        }
    }
    if (atomic_load(&t->state) != TS_FAILED) commit_sink(t, true);
    rd_kafka_consumer_close(t->consumer);
    free(batch);
    free(vals);
    task_metrics_instance(t, NULL);
    t->plugin->stop(t->instance);
    t->instance = NULL;
}

