/* worker.c - task threads: their lifecycle (start, stop, cancel, one instance of a task at a
 * time), statuses, Kafka outages as tasks see them, and the context API plugins call. The source
 * task's loop and offset commits are in worker_source.c, the sink task's in worker_sink.c. Each
 * task has its own Kafka client, so a stuck task cannot hold up another. */
#include "kafka/client.h"
#include "worker_task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const state_names[] = {"UNASSIGNED", "RUNNING", "PAUSED", "FAILED", "UNASSIGNED"};

/* ------------------------------------------------------------------ Kafka outages
 *
 * While Kafka is unreachable a task's records wait in its producer, which retries them until they
 * are delivered (message.timeout.ms=0): nothing is lost, and the task stays RUNNING, as in Kafka
 * Connect (Strimzi and kcctl match on states). What connectd adds is a note on the statuses of the
 * task and its connector while the outage lasts, from the worker's own view since the status topic
 * can be neither written nor read then, and a WARN when it begins and an INFO when it ends.
 *
 * An outage is: the task's client reported every broker down and nothing was acknowledged since
 * (without records waiting, a metadata request tells when Kafka answers again), or records wait
 * and none was acknowledged for OUTAGE_STALL_MS (a broker that hangs rather than refuses), or,
 * with nothing waiting, a connection error was followed by a metadata request nobody answered.
 * (librdkafka says "all brokers down" only once every broker it knows is down; one it has not
 * connected to yet does not count, so a consumer that lost its connections before it needed a
 * broker's, as a sink still joining its group, may never say it.) It is
 * checked at most once a second, from the task's loop and while it waits in back-pressure; the
 * per-record path only counts acknowledgements, as it always did. */
#define OUTAGE_CHECK_MS 1000
#define OUTAGE_STALL_MS 10000
#define OUTAGE_PROBE_MS 2000
#define OUTAGE_PROBE_WAIT_MS 500

/* librdkafka's error callback, on the task's thread (served by its poll calls). */
void task_on_client_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    (void)rk;
    task_t *t = opaque;
    switch (err) {
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        if (!t->kx.brokers_down) t->kx.down_at = wall_ms();
        t->kx.brokers_down = true;
        t->kx.down_head = t->head;
        snprintf(t->kx.down_reason, sizeof(t->kx.down_reason), "%s", reason);
        break;
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
        snprintf(t->kx.last_error, sizeof(t->kx.last_error), "%s", reason);
        if (!t->kx.error_at) t->kx.error_at = wall_ms();
        break;
    default:
        /* What librdkafka logs itself when no error callback is set. */
        log_warn(wlog(), "%s Kafka client error: %s: %s", t->name, rd_kafka_err2name(err), reason);
    }
}

static void format_instant(int64_t ms, char *out, size_t size) {
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char date[32];
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, size, "%s.%03dZ", date, (int)(ms % 1000));
}

/* The notes of an outage on the task's and its connector's statuses (NULL clears). The
 * connector's sums up its tasks on this worker. */
static void publish_outage(task_t *t, uint64_t waiting, const char *reason) {
    worker_t *w = t->w;
    bool sink = t->plugin->type == CD_CONNECTOR_SINK;
    char note[1024], when[40];
    pthread_mutex_lock(&w->lock);
    t->kx.pub_since = t->kx.since;
    t->kx.pub_waiting = waiting;
    snprintf(t->kx.pub_reason, sizeof(t->kx.pub_reason), "%s", reason);
    if (t->kx.since) {
        format_instant(t->kx.since, when, sizeof(when));
        if (sink)
            snprintf(note, sizeof(note), "Kafka is unreachable since %s (%s): consuming and offset "
                     "commits go on once it is back; nothing is lost", when, reason);
        else
            snprintf(note, sizeof(note), "Kafka is unreachable since %s (%s): %llu records wait for "
                     "delivery and are retried; nothing is lost", when, reason,
                     (unsigned long long)waiting);
    }
    status_store_set_note(w->ss, t->connector, t->id, t->kx.since ? note : NULL);
    const task_t *first = NULL;
    uint64_t total = 0;
    for (const task_t *o = w->tasks; o; o = o->next) {
        if (strcmp(o->connector, t->connector) != 0 || !o->kx.pub_since) continue;
        if (!first || o->kx.pub_since < first->kx.pub_since) first = o;
        total += o->kx.pub_waiting;
    }
    if (first) {
        format_instant(first->kx.pub_since, when, sizeof(when));
        if (sink)
            snprintf(note, sizeof(note), "Kafka is unreachable since %s (%s): its tasks go on "
                     "consuming once it is back; nothing is lost", when, first->kx.pub_reason);
        else
            snprintf(note, sizeof(note), "Kafka is unreachable since %s (%s): %llu records of its "
                     "tasks wait for delivery and are retried; nothing is lost", when,
                     first->kx.pub_reason, (unsigned long long)total);
    }
    status_store_set_note(w->ss, t->connector, -1, first ? note : NULL);
    pthread_mutex_unlock(&w->lock);
}

void task_check_kafka(task_t *t) {
    int64_t now = now_ms();
    if (now < t->kx.next_check_ms) return;
    t->kx.next_check_ms = now + OUTAGE_CHECK_MS;
    uint64_t waiting = t->tail - t->head; /* 0 for a sink */
    if (t->kx.brokers_down && t->head != t->kx.down_head) t->kx.brokers_down = false;
    if (t->head != t->kx.last_head || waiting == 0 || !t->kx.progress_ms) t->kx.progress_ms = now;
    t->kx.last_head = t->head;
    if ((t->kx.brokers_down || t->kx.error_at) && waiting == 0 && now >= t->kx.next_probe_ms) {
        rd_kafka_t *rk = t->producer ? t->producer : t->consumer;
        const struct rd_kafka_metadata *md = NULL;
        if (rd_kafka_metadata(rk, 0, NULL, &md, OUTAGE_PROBE_WAIT_MS) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            rd_kafka_metadata_destroy(md);
            t->kx.brokers_down = false;
        } else if (!t->kx.brokers_down) { /* a connection error, and nobody answers */
            t->kx.brokers_down = true;
            t->kx.down_at = t->kx.error_at;
            t->kx.down_head = t->head;
            snprintf(t->kx.down_reason, sizeof(t->kx.down_reason), "no broker answers");
        }
        t->kx.error_at = 0;
        t->kx.next_probe_ms = now_ms() + OUTAGE_PROBE_MS;
    }
    bool stalled = waiting > 0 && now - t->kx.progress_ms >= OUTAGE_STALL_MS;
    char reason[640];
    if (t->kx.brokers_down)
        snprintf(reason, sizeof(reason), "%s%s%s", t->kx.down_reason, t->kx.last_error[0] ? ": " : "",
                 t->kx.last_error);
    else
        snprintf(reason, sizeof(reason), "no acknowledgement for %lld s%s%s",
                 (long long)((now - t->kx.progress_ms) / 1000), t->kx.last_error[0] ? "; " : "",
                 t->kx.last_error);
    if ((t->kx.brokers_down || stalled) && !t->kx.since) {
        t->kx.since = t->kx.brokers_down ? t->kx.down_at : wall_ms() - (now - t->kx.progress_ms);
        log_warn(wlog(), "%s Kafka is unreachable (%s): %llu records wait for delivery and are "
                         "retried until it is back; the task stays RUNNING and nothing is lost",
                 t->name, reason, (unsigned long long)waiting);
    } else if (!t->kx.brokers_down && !stalled && t->kx.since) {
        log_info(wlog(), "%s Kafka is reachable again after an outage of %lld s; %llu records wait "
                         "for delivery",
                 t->name, (long long)((wall_ms() - t->kx.since) / 1000), (unsigned long long)waiting);
        t->kx.since = 0;
        t->kx.last_error[0] = '\0';
    }
    if (t->kx.since != t->kx.pub_since || (t->kx.since && (waiting != t->kx.pub_waiting ||
                                                            strcmp(reason, t->kx.pub_reason) != 0)))
        publish_outage(t, waiting, reason);
}

/* ------------------------------------------------------------------ context API for plugins */

const char *cd_task_connector_name(const cd_task_context_t *ctx) { return ctx->connector; }
int cd_task_id(const cd_task_context_t *ctx) { return ctx->id; }
const char *cd_task_previous_worker(const cd_task_context_t *ctx) { return ctx->previous_worker; }

bool cd_task_stopping(const cd_task_context_t *ctx) {
    if (atomic_load(&ctx->stop)) return true;
    pthread_mutex_lock((pthread_mutex_t *)&ctx->lock);
    bool paused = ctx->target != TARGET_STARTED;
    pthread_mutex_unlock((pthread_mutex_t *)&ctx->lock);
    return paused;
}

bool cd_task_stop_requested(const cd_task_context_t *ctx) { return atomic_load(&ctx->stop); }

/* A task asking for its connector's target state writes it as PUT /pause or /resume does; the
 * herder acts on it when it reads it back, as on any other, so there is one way a target changes. */
int cd_task_request_target(cd_task_context_t *ctx, cd_target_t target, char *errstr, size_t errstr_size) {
    config_store_t *cs = ctx->w->cs;
    if (!cs) {
        snprintf(errstr, errstr_size, "this worker has no config store to write the target state to");
        return -1;
    }
    target_state_t st = target == CD_TARGET_PAUSED ? TARGET_PAUSED : TARGET_STARTED;
    log_info(wlog(), "%s Task asks for its connector's target state %s", ctx->name, target_state_name(st));
    return config_store_put_target_state(cs, ctx->connector, st, CONFIG_STORE_DELIVERY_TIMEOUT_MS + 5000, errstr,
                                         errstr_size);
}

cd_target_t cd_task_connector_target(cd_task_context_t *ctx) {
    target_state_t st = TARGET_STARTED;
    if (ctx->w->cs && !config_store_target_state(ctx->w->cs, ctx->connector, &st)) st = TARGET_STOPPED;
    return st == TARGET_STARTED ? CD_TARGET_STARTED : CD_TARGET_PAUSED;
}

void worker_set_config_store(worker_t *w, config_store_t *cs) { w->cs = cs; }

char *cd_task_committed_offset(cd_task_context_t *ctx, const char *source_partition) {
    char err[256];
    if (offset_store_refresh(ctx->w->os, (int)ctx->w->flush_timeout_ms, err, sizeof(err)) != 0)
        log_warn(wlog(), "%s: reading committed offsets: %s", ctx->name, err);
    return offset_store_get(ctx->w->os, ctx->connector, source_partition);
}

void cd_task_report_progress(cd_task_context_t *ctx, const char *json) {
    char *copy = json ? strdup(json) : NULL;
    pthread_mutex_lock(&ctx->w->lock);
    free(ctx->progress);
    ctx->progress = copy;
    pthread_mutex_unlock(&ctx->w->lock);
}


void cd_task_holds(cd_task_context_t *ctx, const char *what, const char *remove) {
    worker_t *w = ctx->w;
    pthread_mutex_lock(&w->held_lock);
    held_t *h = w->held;
    while (h && strcmp(h->what, what) != 0) h = h->next;
    if (!h) {
        h = calloc(1, sizeof(*h));
        h->what = strdup(what);
        h->next = w->held;
        w->held = h;
    }
    /* The latest holder and removal command win (a connector renamed onto the same slot). */
    free(h->connector);
    free(h->remove);
    h->connector = strdup(ctx->connector);
    h->remove = strdup(remove);
    pthread_mutex_unlock(&w->held_lock);
}

static void held_free(held_t *h) {
    free(h->connector);
    free(h->what);
    free(h->remove);
    free(h);
}

void cd_task_released(cd_task_context_t *ctx, const char *what) {
    worker_t *w = ctx->w;
    pthread_mutex_lock(&w->held_lock);
    for (held_t **pp = &w->held; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->what, what) != 0) continue;
        held_t *h = *pp;
        *pp = h->next;
        held_free(h);
        break;
    }
    pthread_mutex_unlock(&w->held_lock);
}

void task_note_topic(task_t *t, const char *topic) {
    for (size_t i = 0; i < t->n_topics_seen; i++)
        if (!strcmp(t->topics_seen[i], topic)) return;
    t->topics_seen = realloc(t->topics_seen, (t->n_topics_seen + 1) * sizeof(char *));
    t->topics_seen[t->n_topics_seen++] = strdup(topic);
    if (t->w->track_topics) status_store_put_topic(t->w->ss, t->connector, topic, t->id);
}

/* ------------------------------------------------------------------ helpers */

void task_report(task_t *t, task_state_t st, const char *trace) {
    atomic_store(&t->state, st);
    task_metrics_state(t, st);
    /* Once told to stop, the task's status is the herder's (deleted with its connector,
     * RESTARTING, or soon a new instance's): the task writes only the UNASSIGNED of its stop, when
     * asked to, and nothing once cancelled, as in Kafka Connect. */
    if (atomic_load(&t->stop) &&
        (st != TS_STOPPED || !t->unassigned_on_stop || atomic_load(&t->cancelled)))
        return;
    status_store_put_task(t->w->ss, t->connector, t->id, state_names[st], trace, t->w->id,
                          t->w->generation, t->plugin ? t->plugin->version : NULL);
}

void task_fail_with_trace(task_t *t, const char *msg, const char *trace) {
    log_error(wlog(), "%s Task threw an uncaught and unrecoverable exception. Task is being killed "
                      "and will not recover until manually restarted: %s",
              t->name, msg);
    task_report(t, TS_FAILED, trace);
}

void task_fail(task_t *t, const char *msg) {
    char trace[4096 + 64]; /* msg is at most an errstr of 4096 */
    snprintf(trace, sizeof(trace), "org.apache.kafka.connect.errors.ConnectException: %s\n", msg);
    task_fail_with_trace(t, msg, trace);
}

/* Converter settings: the connector's own when it names a converter class, else the worker's. */
typedef struct {
    cd_props_t *p;
    size_t strip;
} collect_t;

static void collect_cb(const char *key, const char *value, const char *origin, void *opaque) {
    (void)origin;
    collect_t *c = opaque;
    cd_props_set(c->p, key + c->strip, value);
}

cd_converter_t *task_converter(task_t *t, bool is_key, char *errstr, size_t errstr_size) {
    const char *key = is_key ? "key.converter" : "value.converter";
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "%s.", key);
    const char *cls = cd_props_get(t->conn_config, key);
    cd_props_t *settings;
    if (cls && *cls) {
        settings = cd_props_with_prefix(t->conn_config, prefix);
    } else {
        cls = worker_config_get(t->w->wc, key);
        collect_t c = {cd_props_new(), strlen(prefix)};
        worker_config_foreach(t->w->wc, prefix, collect_cb, &c);
        settings = c.p;
    }
    cd_converter_t *conv = cd_converter_new(cls, settings, is_key, errstr, errstr_size);
    cd_props_destroy(settings);
    return conv;
}

/* Applies the connector's <role>.override.* settings to a client configuration. */
static int apply_overrides(task_t *t, rd_kafka_conf_t *conf, const char *prefix, char *errstr,
                           size_t errstr_size) {
    cd_props_t *ov = cd_props_with_prefix(t->conn_config, prefix);
    int rc = 0;
    for (size_t i = 0; i < cd_props_count(ov) && rc == 0; i++) {
        const char *k = cd_props_key_at(ov, i), *v = cd_props_value_at(ov, i);
        const char *name = kafka_client_setting_name(k); /* max.request.size is message.max.bytes */
        if (!name) continue;
        char err[256], converted[32];
        if (kafka_client_setting_value(k, &v, converted, sizeof(converted)) != 0) {
            snprintf(errstr, errstr_size, "invalid %s%s=%s: not a number of bytes", prefix, k, v ? v : "");
            rc = -1;
            break;
        }
        rd_kafka_conf_res_t r = rd_kafka_conf_set(conf, name, v ? v : "", err, sizeof(err));
        if (r == RD_KAFKA_CONF_UNKNOWN) {
            log_warn(wlog(), "%s: %s%s is not a setting of the Kafka client library; ignored",
                     t->name, prefix, k);
        } else if (r != RD_KAFKA_CONF_OK) {
            snprintf(errstr, errstr_size, "invalid %s%s=%s: %s", prefix, k, v ? v : "", err);
            rc = -1;
        }
    }
    cd_props_destroy(ov);
    return rc;
}

rd_kafka_t *task_client_new(task_t *t, rd_kafka_type_t type, rd_kafka_conf_t *conf, const char *override_prefix,
                            char *errstr, size_t errstr_size) {
    rd_kafka_t *rk = NULL;
    if (apply_overrides(t, conf, override_prefix, errstr, errstr_size) == 0) {
        rd_kafka_conf_set_error_cb(conf, task_on_client_error);
        rd_kafka_conf_set_opaque(conf, t);
        rk = rd_kafka_new(type, conf, errstr, errstr_size);
    }
    if (!rk) rd_kafka_conf_destroy(conf);
    return rk;
}

static void *task_main(void *arg) {
    task_t *t = arg;
    log_info(wlog(), "%s Executing task", t->name);
    if (t->plugin->type == CD_CONNECTOR_SOURCE)
        task_run_source(t);
    else
        task_run_sink(t);
    if (!t->m.startup_done && atomic_load(&t->state) == TS_FAILED) task_metrics_startup(t, false);
    errors_close(t);
    if (t->kx.pub_since) { /* the outage notes go with the task */
        t->kx.since = 0;
        publish_outage(t, 0, "");
    }
    if (atomic_load(&t->state) != TS_FAILED) {
        if (t->unassigned_on_stop) task_report(t, TS_STOPPED, NULL);
        else atomic_store(&t->state, TS_STOPPED);
    }
    /* A failed task stays among the running ones until it is stopped (its status stays FAILED). */
    worker_t *w = t->w;
    /* Under the lock that cancel_locked holds, so that a cancellation either came before (and its
     * note goes now) or does not come; and said before a new instance can start. */
    pthread_mutex_lock(&w->lock);
    if (atomic_load(&t->cancelled)) {
        log_info(wlog(), "%s Cancelled task has ended, %lld ms after its stop was asked", t->name,
                 (long long)(now_ms() - t->grace_end_ms + grace_ms(w)));
        status_store_set_note(w->ss, t->connector, t->id, NULL);
    } else if (atomic_load(&t->stop)) {
        log_info(wlog(), "%s Task stopped", t->name);
    }
    t->exited = true; /* from here on the thread no longer touches t: reap() may free it */
    void (*cb)(void *) = w->on_task_end;
    void *opaque = w->on_task_end_opaque;
    pthread_cond_broadcast(&w->ended);
    pthread_mutex_unlock(&w->lock);
    if (cb) cb(opaque);
    return NULL;
}

static void task_free(task_t *t) {
    free(t->progress);
    free(t->previous_worker);
    if (t->pc.p) {
        kafka_log_pending_free(t->pc.p);
        for (size_t j = 0; j < t->pc.n; j++) free(t->pc.offsets[j]);
        free(t->pc.offsets);
        free(t->pc.which);
    }
    topic_creation_destroy(t->topic_creation);
    if (t->producer) rd_kafka_destroy(t->producer);
    if (t->consumer) rd_kafka_destroy(t->consumer);
    cd_converter_destroy(t->key_conv);
    cd_converter_destroy(t->value_conv);
    cd_buf_free(&t->kbuf);
    cd_buf_free(&t->vbuf);
    if (t->ring)
        for (size_t i = 0; i < TRACK_CAP; i++) free(t->ring[i].offset);
    free(t->ring);
    for (size_t i = 0; i < t->n_parts; i++) {
        free(t->parts[i]);
        free(t->committable[i]);
        free(t->committed[i]);
    }
    free(t->parts);
    free(t->committable);
    free(t->committable_cap);
    free(t->committed);
    for (size_t i = 0; i < t->n_topics_seen; i++) free(t->topics_seen[i]);
    free(t->topics_seen);
    if (t->arena) cd_arena_destroy(t->arena);
    cd_xf_chain_destroy(t->xf);
    cd_arena_destroy(t->xf_arena);
    cd_props_destroy(t->conn_config);
    cd_props_destroy(t->task_config);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->commit_lock);
    task_metrics_destroy(t);
    free(t->connector);
    free(t);
}

/* ------------------------------------------------------------------ worker */

/* One instance of a task, and offset commits that never land out of order.
 *
 * The offsets topic keeps the latest record of each source partition, so an offset commit that
 * lands after a newer one, or after an offsets change made through the REST API, silently moves
 * the connector back (or undoes the change). The runtime keeps three invariants:
 *
 *  1. At most one instance of a task runs on a worker. A task told to stop (restart, new task
 *     configs, STOPPED, deletion, shutdown) leaves the running tasks at once, without anyone
 *     waiting for it, but a new instance of it starts only once the old one's thread has ended
 *     (worker_start_task answers -2 or -3; the herder tries again when a task thread ends). So
 *     all the old instance committed was handed to the offsets producer before the new one
 *     began, and lands before anything the new one commits: one producer writes the topic,
 *     idempotent and in order per partition, and a source partition's key always maps to the
 *     same partition.
 *  2. An instance hands a commit to the offsets producer only under its commit_lock while it is
 *     not fenced (start_offset_commit in worker_source.c, commit_sink in worker_sink.c). Once
 *     told to stop, it commits once more only: the final commit of its orderly stop, of what
 *     Kafka acknowledged. An instance whose thread has not ended when its grace does (grace_ms
 *     after the stop was asked) is cancelled: fenced, so that nothing of it is committed any more
 *     however late it comes back, as Kafka Connect skips the final commit of a cancelled task.
 *  3. An offsets change through the REST API first waits until every instance of the
 *     connector's tasks that was told to stop has ended or been cancelled, and fences them
 *     (herder_await_stopped_tasks): when it answers 200, nothing an older instance committed can
 *     land after the change, and the connector resumes from the new offsets.
 *
 * Sink tasks keep 1 and 2 for their consumer offsets, which they commit as group members. */

worker_t *worker_new(const worker_config_t *wc, status_store_t *ss, offset_store_t *os,
                     const char *id, int64_t generation) {
    worker_t *w = calloc(1, sizeof(*w));
    wlog(); /* loggers exist from the start, so /admin/loggers can name them */
    w->wc = wc;
    w->ss = ss;
    w->os = os;
    w->id = strdup(id);
    w->generation = generation;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->ended, NULL);
    pthread_mutex_init(&w->held_lock, NULL);
    pthread_mutex_init(&w->m_lock, NULL);
    w->mcfg = (metrics_config_t){worker_config_get_int(wc, "metrics.sample.window.ms"),
                                 (int)worker_config_get_int(wc, "metrics.num.samples")};
    w->flush_interval_ms = worker_config_get_int(wc, "offset.flush.interval.ms");
    w->flush_timeout_ms = worker_config_get_int(wc, "offset.flush.timeout.ms");
    w->shutdown_timeout_ms = worker_config_get_int(wc, "task.shutdown.graceful.timeout.ms");
    w->track_topics = worker_config_get_bool(wc, "topic.tracking.enable");
    return w;
}

const char *worker_id(const worker_t *w) { return w->id; }
int64_t worker_generation(const worker_t *w) { return w->generation; }
void worker_set_generation(worker_t *w, int64_t generation) { w->generation = generation; }

static task_t *find_in(task_t *list, const char *connector, int id) {
    for (task_t *t = list; t; t = t->next)
        if (t->id == id && !strcmp(t->connector, connector)) return t;
    return NULL;
}

static task_t *find_task(worker_t *w, const char *connector, int id) {
    return find_in(w->tasks, connector, id);
}

/* Under the worker's lock: cancels a stopping task whose grace is over (invariant 2: fenced, so
 * nothing of it is committed any more). The note explains, on the task's status, why no new
 * instance runs (the herder shows the task RESTARTING while one waits, see worker_start_task). */
static void cancel_locked(task_t *t) {
    worker_t *w = t->w;
    atomic_store(&t->cancelled, true);
    pthread_mutex_lock(&t->commit_lock);
    t->fenced = true;
    pthread_mutex_unlock(&t->commit_lock);
    log_error(wlog(), "%s Graceful stop of task failed: it did not stop within %lld ms. It is "
                      "cancelled: nothing it does from now on is committed, and no new instance of "
                      "the task starts until its thread has ended",
              t->name, (long long)grace_ms(w));
    char note[512];
    snprintf(note, sizeof(note), "The previous instance of this task did not stop within %lld ms and "
             "was cancelled; the task starts again once its thread has ended",
             (long long)grace_ms(w));
    status_store_set_note(w->ss, t->connector, t->id, note);
    pthread_cond_broadcast(&w->ended);
}

/* Joins and frees the stopping tasks whose threads have ended, and cancels those whose grace is
 * over. Called from the herder's loop (about once a second, and when a task thread ends) and
 * while someone waits for tasks to stop. */
static void reap(worker_t *w) {
    task_t *ended = NULL;
    int64_t now = now_ms();
    pthread_mutex_lock(&w->lock);
    for (task_t **pp = &w->stopping; *pp;) {
        task_t *t = *pp;
        if (t->exited) {
            *pp = t->next;
            t->next = ended;
            ended = t;
            continue;
        }
        if (!atomic_load(&t->cancelled) && now >= t->grace_end_ms) cancel_locked(t);
        pp = &t->next;
    }
    pthread_mutex_unlock(&w->lock);
    while (ended) {
        task_t *t = ended;
        ended = t->next;
        pthread_join(t->thread, NULL); /* at once: the thread has set exited as its last act */
        task_free(t);
    }
}

void worker_tick(worker_t *w) { reap(w); }

int64_t worker_stop_grace_ms(const worker_t *w) { return grace_ms(w); }

void worker_on_task_end(worker_t *w, void (*cb)(void *opaque), void *opaque) {
    pthread_mutex_lock(&w->lock);
    w->on_task_end = cb;
    w->on_task_end_opaque = opaque;
    pthread_mutex_unlock(&w->lock);
}

/* Who ran the task last, when it was another worker (cd_task_previous_worker): the status record
 * as read back when this instance starts, before the instance writes its own. malloc'ed or NULL. */
static char *previous_worker(worker_t *w, const char *connector, int id) {
    status_t st;
    if (!status_store_task(w->ss, connector, id, &st)) return NULL;
    char *prev = st.worker_id && *st.worker_id && strcmp(st.worker_id, w->id) != 0 ? strdup(st.worker_id) : NULL;
    status_clear(&st);
    return prev;
}

int worker_start_task(worker_t *w, const char *connector, int id, const cd_connector_plugin_t *plugin,
                      const cd_props_t *connector_config, const cd_props_t *task_config,
                      target_state_t state) {
    reap(w);
    char *prev = previous_worker(w, connector, id); /* outside the worker's lock: the store has its own */
    pthread_mutex_lock(&w->lock);
    if (find_task(w, connector, id)) {
        pthread_mutex_unlock(&w->lock);
        free(prev);
        return -1;
    }
    task_t *old = find_in(w->stopping, connector, id);
    if (old) { /* invariant 1: the new instance waits for the old one's thread to end */
        if (!old->start_deferred)
            log_info(wlog(), "%s The previous instance of the task is still stopping; the task "
                             "starts once it has ended",
                     old->name);
        old->start_deferred = true;
        int rc = atomic_load(&old->cancelled) ? -3 : -2;
        pthread_mutex_unlock(&w->lock);
        free(prev);
        return rc;
    }
    task_t *t = calloc(1, sizeof(*t));
    t->w = w;
    t->previous_worker = prev;
    t->connector = strdup(connector);
    t->id = id;
    snprintf(t->name, sizeof(t->name), "%s-%d", connector, id);
    if (prev) log_info(wlog(), "%s The task ran on worker %s before: this worker takes it over", t->name, prev);
    t->plugin = plugin;
    t->conn_config = cd_props_copy(connector_config);
    t->task_config = cd_props_copy(task_config);
    t->target = state;
    atomic_store(&t->state, TS_STARTING);
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->cond, NULL);
    pthread_mutex_init(&t->commit_lock, NULL);
    task_metrics_init(t);
    t->next = w->tasks;
    w->tasks = t;
    pthread_create(&t->thread, NULL, task_main, t);
    pthread_mutex_unlock(&w->lock);
    return 0;
}

void worker_set_task_target(worker_t *w, const char *connector, int id, target_state_t state) {
    pthread_mutex_lock(&w->lock);
    task_t *t = find_task(w, connector, id);
    if (t) {
        pthread_mutex_lock(&t->lock);
        t->target = state;
        pthread_cond_broadcast(&t->cond);
        pthread_mutex_unlock(&t->lock);
    }
    pthread_mutex_unlock(&w->lock);
}

void worker_stop_task(worker_t *w, const char *connector, int id, bool unassigned) {
    pthread_mutex_lock(&w->lock);
    task_t **pp = &w->tasks;
    while (*pp && !((*pp)->id == id && !strcmp((*pp)->connector, connector))) pp = &(*pp)->next;
    task_t *t = *pp;
    if (t) {
        *pp = t->next;
        t->next = w->stopping;
        w->stopping = t;
        t->grace_end_ms = now_ms() + grace_ms(w);
        t->unassigned_on_stop = unassigned;
        pthread_mutex_lock(&t->lock);
        atomic_store(&t->stop, true);
        pthread_cond_broadcast(&t->cond);
        pthread_mutex_unlock(&t->lock);
    }
    pthread_mutex_unlock(&w->lock);
}

/* True when no instance of the task (id -1: of any task of the connector) is still stopping
 * without having been cancelled. Under the worker's lock. */
static bool stopped_locked(worker_t *w, const char *connector, int id) {
    for (task_t *t = w->stopping; t; t = t->next)
        if ((id < 0 || t->id == id) && !strcmp(t->connector, connector) && !t->exited &&
            !atomic_load(&t->cancelled))
            return false;
    return true;
}

bool worker_task_stopping(worker_t *w, const char *connector, int id) {
    pthread_mutex_lock(&w->lock);
    bool r = !stopped_locked(w, connector, id);
    pthread_mutex_unlock(&w->lock);
    return r;
}

bool worker_await_stopped(worker_t *w, const char *connector, int id, int timeout_ms) {
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        reap(w);
        pthread_mutex_lock(&w->lock);
        bool done = stopped_locked(w, connector, id);
        int64_t left = deadline - now_ms();
        if (!done && left > 0) {
            /* Woken when a thread ends; the grace ends are checked at least every 100 ms. */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t wait = left < 100 ? left : 100;
            ts.tv_nsec += (long)(wait * 1000000L);
            ts.tv_sec += ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&w->ended, &w->lock, &ts);
        }
        pthread_mutex_unlock(&w->lock);
        if (done) return true;
        if (left <= 0) return false;
    }
}

void worker_fence_stopping(worker_t *w, const char *connector) {
    pthread_mutex_lock(&w->lock);
    for (task_t *t = w->stopping; t; t = t->next) {
        if (strcmp(t->connector, connector) != 0) continue;
        pthread_mutex_lock(&t->commit_lock);
        t->fenced = true;
        pthread_mutex_unlock(&t->commit_lock);
    }
    pthread_mutex_unlock(&w->lock);
}

char *worker_task_progress(worker_t *w, const char *connector, int id) {
    pthread_mutex_lock(&w->lock);
    task_t *t = find_task(w, connector, id);
    char *p = t && !t->exited && t->progress ? strdup(t->progress) : NULL;
    pthread_mutex_unlock(&w->lock);
    return p;
}

bool worker_has_task(worker_t *w, const char *connector, int id) {
    pthread_mutex_lock(&w->lock);
    bool r = find_task(w, connector, id) != NULL;
    pthread_mutex_unlock(&w->lock);
    return r;
}

size_t worker_each_held(worker_t *w, worker_held_cb cb, void *opaque) {
    pthread_mutex_lock(&w->held_lock);
    size_t n = 0;
    /* Oldest first: the list is built by prepending. */
    for (held_t *h = w->held; h; h = h->next) n++;
    held_t **v = calloc(n + 1, sizeof(*v));
    size_t i = n;
    for (held_t *h = w->held; h; h = h->next) v[--i] = h;
    for (i = 0; i < n; i++) cb(v[i]->connector, v[i]->what, v[i]->remove, opaque);
    free(v);
    pthread_mutex_unlock(&w->held_lock);
    return n;
}

int *worker_tasks_of(worker_t *w, const char *connector, size_t *n) {
    pthread_mutex_lock(&w->lock);
    size_t cnt = 0;
    for (task_t *t = w->tasks; t; t = t->next) cnt++;
    int *ids = calloc(cnt + 1, sizeof(int));
    *n = 0;
    for (task_t *t = w->tasks; t; t = t->next)
        if (!strcmp(t->connector, connector)) ids[(*n)++] = t->id;
    pthread_mutex_unlock(&w->lock);
    return ids;
}

bool worker_destroy(worker_t *w) {
    if (!w) return true;
    pthread_mutex_lock(&w->lock);
    w->on_task_end = NULL; /* whoever it wakes may be gone before the task threads are */
    pthread_mutex_unlock(&w->lock);
    for (;;) {
        pthread_mutex_lock(&w->lock);
        task_t *t = w->tasks;
        char *c = t ? strdup(t->connector) : NULL;
        int id = t ? t->id : 0;
        pthread_mutex_unlock(&w->lock);
        if (!t) break;
        worker_stop_task(w, c, id, true);
        free(c);
    }
    /* Each task has its grace from when it was told to stop; reap() cancels it after that. */
    for (;;) {
        reap(w);
        pthread_mutex_lock(&w->lock);
        if (!w->stopping) {
            pthread_mutex_unlock(&w->lock);
            break;
        }
        bool all_cancelled = true;
        for (task_t *t = w->stopping; t; t = t->next) all_cancelled &= atomic_load(&t->cancelled);
        if (all_cancelled) {
            /* Their threads still run, in a plugin call that has not returned, and use the
             * worker, its stores and its configuration: those must outlive them. */
            for (task_t *t = w->stopping; t; t = t->next)
                log_error(wlog(), "%s Task thread has still not ended; the worker exits without it",
                          t->name);
            pthread_mutex_unlock(&w->lock);
            return false;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&w->ended, &w->lock, &ts);
        pthread_mutex_unlock(&w->lock);
    }
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->ended);
    while (w->held) {
        held_t *h = w->held;
        w->held = h->next;
        held_free(h);
    }
    pthread_mutex_destroy(&w->held_lock);
    pthread_mutex_destroy(&w->m_lock);
    free(w->id);
    free(w);
    return true;
}
