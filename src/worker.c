/* worker.c - task threads. A source task polls its plugin, which hands records to
 * cd_task_send(): they are converted, produced (idempotent, acks=all) and tracked, and offsets
 * are committed only for the acknowledged prefix of what was sent. A sink task consumes in group
 * connect-<name>, hands records to its plugin and commits consumer offsets after the plugin's
 * flush. Each task has its own Kafka client, so a stuck task cannot hold up another. */
#include "worker.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connect/converter.h"
#include "kafka/client.h"
#include "kafka/topic_creation.h"
#include "log.h"

#define TRACK_CAP 65536
#define SINK_BATCH 500

typedef enum { TS_STARTING, TS_RUNNING, TS_PAUSED, TS_FAILED, TS_STOPPED } task_state_t;
static const char *const state_names[] = {"UNASSIGNED", "RUNNING", "PAUSED", "FAILED", "UNASSIGNED"};

typedef struct {
    bool acked;
    int part; /* index in parts, -1 without a source offset */
    char *offset;
} track_t;

struct cd_task_context {
    worker_t *w;
    char *connector;
    int id;
    char name[512]; /* <connector>-<id> */
    const cd_connector_plugin_t *plugin;
    cd_props_t *conn_config, *task_config;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    target_state_t target;
    atomic_bool stop;
    atomic_int state;
    bool unassigned_on_stop;
    void *instance;

    /* Lifecycle, under the worker's lock (see "one instance of a task" below). */
    int64_t grace_end_ms; /* monotonic: when a stopping task is cancelled if still running */
    atomic_bool cancelled; /* the grace ran out before the thread ended */
    bool exited;          /* the thread has ended: it is joined and freed by reap() */
    bool start_deferred;  /* a new instance waits for this one to end (said once) */
    /* Offset commits of this instance: see "One instance of a task" below. */
    pthread_mutex_t commit_lock;
    bool fenced;

    /* source */
    rd_kafka_t *producer;
    cd_converter_t *key_conv, *value_conv;
    cd_buf_t kbuf, vbuf;
    track_t *ring;
    uint64_t head, tail;
    char **parts, **committable, **committed;
    size_t n_parts;
    rd_kafka_resp_err_t produce_err; /* the first delivery error: the task fails with it */
    char produce_errstr[512];        /* its text, with the topic and partition */
    char **topics_seen;
    size_t n_topics_seen;
    topic_creation_t *topic_creation; /* checks (and creates) a topic before its first record */
    struct {
        kafka_log_pending_t *p; /* the offset commit in flight, or NULL */
        int *which;             /* partition index of each offset written */
        char **offsets;
        size_t n;
        int64_t started_ms;
        bool late; /* not acknowledged within offset.flush.timeout.ms (said once) */
    } pc;
    int64_t next_waiting_ms; /* when plugin->waiting is due again, in back-pressure */

    /* Kafka outages as the task's own client sees them (check_kafka); the pub_ copies are what
     * other tasks of the connector read, under the worker's lock. */
    struct {
        bool brokers_down;       /* the client reported every broker down ... */
        uint64_t down_head;      /* ... when the acknowledged prefix ended here */
        int64_t down_at;         /* wall clock, ms */
        char down_reason[128];   /* "1/1 brokers are down" */
        char last_error[384];    /* the client's latest connection error */
        uint64_t last_head;
        int64_t progress_ms, next_check_ms, next_probe_ms;
        int64_t since;           /* wall clock, ms, when the outage began; 0: none */
        int64_t pub_since;
        uint64_t pub_waiting;
        char pub_reason[640];
    } kx;

    /* sink */
    rd_kafka_t *consumer;
    cd_arena_t *arena;

    struct cd_task_context *next;
};
typedef struct cd_task_context task_t;

/* What a task said it holds outside Kafka (cd_task_holds); kept after the task stops or its
 * connector is deleted, since the thing itself stays. */
typedef struct held {
    char *connector, *what, *remove;
    struct held *next;
} held_t;

struct worker {
    const worker_config_t *wc;
    status_store_t *ss;
    offset_store_t *os;
    char *id;
    int64_t generation;
    pthread_mutex_t lock;
    task_t *tasks;    /* running: at most one instance per (connector, id) */
    task_t *stopping; /* told to stop; their threads have not been joined yet */
    pthread_cond_t ended; /* a task thread ended, or a stopping task was cancelled */
    void (*on_task_end)(void *opaque);
    void *on_task_end_opaque;
    int64_t flush_interval_ms, flush_timeout_ms, shutdown_timeout_ms;
    bool track_topics;
    pthread_mutex_t held_lock; /* apart from lock: tasks report while the worker stops them */
    held_t *held;
};

/* How long a task told to stop has before it is cancelled: it flushes its producer (up to
 * task.shutdown.graceful.timeout.ms), then commits offsets (up to offset.flush.timeout.ms), which
 * may take both in full while Kafka is unreachable, and a second more for the plugin's stop. */
static int64_t grace_ms(const worker_t *w) {
    return w->shutdown_timeout_ms + w->flush_timeout_ms + 1000;
}

static log_logger_t *wlog(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.connect.runtime.WorkerTask");
    return lg;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
 * and none was acknowledged for OUTAGE_STALL_MS (a broker that hangs rather than refuses). It is
 * checked at most once a second, from the task's loop and while it waits in back-pressure; the
 * per-record path only counts acknowledgements, as it always did. */
#define OUTAGE_CHECK_MS 1000
#define OUTAGE_STALL_MS 10000
#define OUTAGE_PROBE_MS 2000
#define OUTAGE_PROBE_WAIT_MS 500

/* librdkafka's error callback, on the task's thread (served by its poll calls). */
static void on_client_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
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

static void check_kafka(task_t *t) {
    int64_t now = now_ms();
    if (now < t->kx.next_check_ms) return;
    t->kx.next_check_ms = now + OUTAGE_CHECK_MS;
    uint64_t waiting = t->tail - t->head; /* 0 for a sink */
    if (t->kx.brokers_down && t->head != t->kx.down_head) t->kx.brokers_down = false;
    if (t->head != t->kx.last_head || waiting == 0 || !t->kx.progress_ms) t->kx.progress_ms = now;
    t->kx.last_head = t->head;
    if (t->kx.brokers_down && waiting == 0 && now >= t->kx.next_probe_ms) {
        rd_kafka_t *rk = t->producer ? t->producer : t->consumer;
        const struct rd_kafka_metadata *md = NULL;
        if (rd_kafka_metadata(rk, 0, NULL, &md, OUTAGE_PROBE_WAIT_MS) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            rd_kafka_metadata_destroy(md);
            t->kx.brokers_down = false;
        }
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

/* Waits a moment for acknowledgements while cd_task_send cannot go on (back-pressure); the plugin
 * may keep its source's connection alive meanwhile. */
static void wait_for_kafka(task_t *t, int ms) {
    rd_kafka_poll(t->producer, ms);
    check_kafka(t);
    int64_t now = now_ms();
    if (t->plugin->waiting && t->instance && now >= t->next_waiting_ms) {
        t->next_waiting_ms = now + 1000;
        t->plugin->waiting(t->instance);
    }
}

/* ------------------------------------------------------------------ context API for plugins */

const char *cd_task_connector_name(const cd_task_context_t *ctx) { return ctx->connector; }
int cd_task_id(const cd_task_context_t *ctx) { return ctx->id; }

bool cd_task_stopping(const cd_task_context_t *ctx) {
    if (atomic_load(&ctx->stop)) return true;
    pthread_mutex_lock((pthread_mutex_t *)&ctx->lock);
    bool paused = ctx->target != TARGET_STARTED;
    pthread_mutex_unlock((pthread_mutex_t *)&ctx->lock);
    return paused;
}

char *cd_task_committed_offset(cd_task_context_t *ctx, const char *source_partition) {
    char err[256];
    if (offset_store_refresh(ctx->w->os, (int)ctx->w->flush_timeout_ms, err, sizeof(err)) != 0)
        log_warn(wlog(), "%s: reading committed offsets: %s", ctx->name, err);
    return offset_store_get(ctx->w->os, ctx->connector, source_partition);
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

static int part_index(task_t *t, const char *partition) {
    for (size_t i = 0; i < t->n_parts; i++)
        if (!strcmp(t->parts[i], partition)) return (int)i;
    t->parts = realloc(t->parts, (t->n_parts + 1) * sizeof(char *));
    t->committable = realloc(t->committable, (t->n_parts + 1) * sizeof(char *));
    t->committed = realloc(t->committed, (t->n_parts + 1) * sizeof(char *));
    t->parts[t->n_parts] = strdup(partition);
    t->committable[t->n_parts] = NULL;
    t->committed[t->n_parts] = NULL;
    return (int)t->n_parts++;
}

/* Delivery report, on the task's own thread (it is the only one that polls its producer). */
static void on_source_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    task_t *t = opaque;
    uint64_t seq = (uint64_t)(uintptr_t)m->_private - 1;
    if (m->err) {
        if (!t->produce_err) {
            t->produce_err = m->err;
            /* Not rd_kafka_message_errstr: a delivery report's payload is the record. */
            snprintf(t->produce_errstr, sizeof(t->produce_errstr), "%s (topic %s, partition %d)",
                     rd_kafka_err2str(m->err), rd_kafka_topic_name(m->rkt), (int)m->partition);
        }
        return;
    }
    t->ring[seq % TRACK_CAP].acked = true;
    while (t->head < t->tail && t->ring[t->head % TRACK_CAP].acked) {
        track_t *e = &t->ring[t->head % TRACK_CAP];
        if (e->part >= 0) {
            free(t->committable[e->part]);
            t->committable[e->part] = e->offset;
        }
        e->offset = NULL;
        e->acked = false;
        t->head++;
    }
}

static void note_topic(task_t *t, const char *topic) {
    for (size_t i = 0; i < t->n_topics_seen; i++)
        if (!strcmp(t->topics_seen[i], topic)) return;
    t->topics_seen = realloc(t->topics_seen, (t->n_topics_seen + 1) * sizeof(char *));
    t->topics_seen[t->n_topics_seen++] = strdup(topic);
    if (t->w->track_topics) status_store_put_topic(t->w->ss, t->connector, topic, t->id);
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

int cd_task_send(cd_task_context_t *t, const cd_source_record_t *rec, char *errstr,
                 size_t errstr_size) {
    if (producer_failed(t, errstr, errstr_size)) return -1;
    /* Back-pressure: wait for acknowledgements while too much is in flight. The acknowledged
     * prefix cannot move past a record that failed, so a delivery error must end the wait. */
    while (t->tail - t->head >= TRACK_CAP) {
        if (atomic_load(&t->stop)) {
            snprintf(errstr, errstr_size, "task %s is stopping", t->name);
            return -1;
        }
        wait_for_kafka(t, 10);
        if (producer_failed(t, errstr, errstr_size)) return -1;
    }
    t->kbuf.len = 0;
    t->vbuf.len = 0;
    int hk = cd_converter_from_connect(t->key_conv, rec->topic, rec->key_schema, rec->key, &t->kbuf,
                                       errstr, errstr_size);
    if (hk < 0) return -1;
    int hv = cd_converter_from_connect(t->value_conv, rec->topic, rec->value_schema, rec->value,
                                       &t->vbuf, errstr, errstr_size);
    if (hv < 0) return -1;
    if (topic_creation_ensure(t->topic_creation, rec->topic, errstr, errstr_size) != 0) return -1;

    uint64_t seq = t->tail;
    track_t *e = &t->ring[seq % TRACK_CAP];
    e->acked = false;
    e->part = rec->source_partition ? part_index(t, rec->source_partition) : -1;
    e->offset = rec->source_partition && rec->source_offset ? strdup(rec->source_offset) : NULL;
    if (e->part >= 0 && !e->offset) e->part = -1;

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
        free(e->offset);
        e->offset = NULL;
        if (producer_failed(t, errstr, errstr_size)) return -1;
        snprintf(errstr, errstr_size, "%s: could not produce to topic %s: %s", t->name, rec->topic,
                 atomic_load(&t->stop) ? "the task is stopping" : rd_kafka_err2str(err));
        return -1;
    }
    t->tail++;
    rd_kafka_poll(t->producer, 0);
    note_topic(t, rec->topic);
    return 0;
}

/* ------------------------------------------------------------------ helpers */

static void report(task_t *t, task_state_t st, const char *trace) {
    atomic_store(&t->state, st);
    /* Once told to stop, the task's status is the herder's (deleted with its connector,
     * RESTARTING, or soon a new instance's): the task writes only the UNASSIGNED of its stop, when
     * asked to, and nothing once cancelled, as in Kafka Connect. */
    if (atomic_load(&t->stop) &&
        (st != TS_STOPPED || !t->unassigned_on_stop || atomic_load(&t->cancelled)))
        return;
    status_store_put_task(t->w->ss, t->connector, t->id, state_names[st], trace, t->w->id,
                          t->w->generation);
}

static void fail_with_trace(task_t *t, const char *msg, const char *trace) {
    log_error(wlog(), "%s Task threw an uncaught and unrecoverable exception. Task is being killed "
                      "and will not recover until manually restarted: %s",
              t->name, msg);
    report(t, TS_FAILED, trace);
}

static void fail(task_t *t, const char *msg) {
    char trace[4096 + 64]; /* msg is at most an errstr of 4096 */
    snprintf(trace, sizeof(trace), "org.apache.kafka.connect.errors.ConnectException: %s\n", msg);
    fail_with_trace(t, msg, trace);
}

/* The exception Kafka's Java producer reports for a delivery error, for the "Caused by" line of
 * the trace (users and tools match on these names). */
static const char *java_producer_exception(rd_kafka_resp_err_t err) {
    switch (err) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE: return "RecordTooLargeException";
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE: return "RecordBatchTooLargeException";
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED: return "TopicAuthorizationException";
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED: return "ClusterAuthorizationException";
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION: return "UnknownTopicOrPartitionException";
    case RD_KAFKA_RESP_ERR_INVALID_RECORD: return "InvalidRecordException";
    case RD_KAFKA_RESP_ERR_INVALID_MSG: return "CorruptRecordException";
    case RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP: return "InvalidTimestampException";
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT: return "TimeoutException";
    default: return "KafkaException";
    }
}

/* Kafka Connect's failure for a record Kafka refused (WorkerSourceTask's producer callback). */
static void fail_producer(task_t *t) {
    char msg[1024], trace[2048];
    producer_failed(t, msg, sizeof(msg));
    snprintf(trace, sizeof(trace),
             "org.apache.kafka.connect.errors.ConnectException: Unrecoverable exception from producer "
             "send callback\nCaused by: org.apache.kafka.common.errors.%s: %s\n",
             java_producer_exception(t->produce_err), t->produce_errstr);
    fail_with_trace(t, msg, trace);
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

static cd_converter_t *make_converter(task_t *t, bool is_key, char *errstr, size_t errstr_size) {
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
        char err[256];
        rd_kafka_conf_res_t r = rd_kafka_conf_set(conf, k, v ? v : "", err, sizeof(err));
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

static bool wait_while_paused(task_t *t) {
    pthread_mutex_lock(&t->lock);
    bool paused = t->target != TARGET_STARTED && !atomic_load(&t->stop);
    if (paused) {
        if (atomic_load(&t->state) != TS_PAUSED) {
            pthread_mutex_unlock(&t->lock);
            report(t, TS_PAUSED, NULL);
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

/* ------------------------------------------------------------------ source tasks */

/* One instance of a task, and offset commits that never land out of order.
 *
 * The offsets topic keeps the latest record of each source partition, so an offset commit that
 * lands after a newer one, or after an offsets change made through the REST API, silently moves
 * the connector back (or undoes the change). The runtime keeps three invariants:
 *
 *  1. At most one instance of a task runs on a worker. A task told to stop (restart, new task
 *     configs, STOPPED, deletion, shutdown) leaves the running tasks at once, without anyone
 *     waiting for it, but a new instance of it starts only once the old one's thread has ended
 *     (worker_start_task answers -2; the herder tries again when a task thread ends). So all the
 *     old instance committed was handed to the offsets producer before the new one began, and
 *     lands before anything the new one commits: one producer writes the topic, idempotent and in
 *     order per partition, and a source partition's key always maps to the same partition.
 *  2. An instance hands a commit to the offsets producer only under its commit_lock while it is
 *     not fenced (start_offset_commit, commit_sink). Once told to stop, it commits once more
 *     only: the final commit of its orderly stop, of what Kafka acknowledged. An instance whose
 *     thread has not ended when its grace does (grace_ms after the stop was asked) is cancelled:
 *     fenced, so that nothing of it is committed any more however late it comes back, as Kafka
 *     Connect skips the final commit of a cancelled task.
 *  3. An offsets change through the REST API first waits until every instance of the
 *     connector's tasks that was told to stop has ended or been cancelled, and fences them
 *     (herder_await_stopped_tasks): when it answers 200, nothing an older instance committed can
 *     land after the change, and the connector resumes from the new offsets.
 *
 * Sink tasks keep 1 and 2 for their consumer offsets, which they commit as group members. */

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
        /* Checked and handed over under the lock that fencing takes (invariant 2). */
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
        {"acks", "all"},
        {"enable.idempotence", "true"},
        {"partitioner", "murmur2_random"}, /* Java's default partitioner */
        {"linger.ms", "5"},
        {"message.timeout.ms", "0"}, /* retry until delivered, as Kafka Connect does */
        {"queue.buffering.max.kbytes", "65536"},
    };
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        rd_kafka_conf_set(conf, defaults[i][0], defaults[i][1], NULL, 0);
    if (apply_overrides(t, conf, "producer.override.", errstr, errstr_size) != 0) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_source_delivery);
    rd_kafka_conf_set_error_cb(conf, on_client_error);
    rd_kafka_conf_set_opaque(conf, t);
    t->producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errstr_size);
    if (!t->producer) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    return 0;
}

static void run_source(task_t *t) {
    char err[4096];
    t->ring = calloc(TRACK_CAP, sizeof(track_t));
    if (start_producer(t, err, sizeof(err)) != 0 ||
        !(t->topic_creation = topic_creation_new(t->producer, t->w->wc, t->conn_config, t->name, &t->stop,
                                                 err, sizeof(err))) ||
        !(t->key_conv = make_converter(t, true, err, sizeof(err))) ||
        !(t->value_conv = make_converter(t, false, err, sizeof(err)))) {
        fail(t, err);
        return;
    }
    t->instance = t->plugin->start(t->task_config, t, err, sizeof(err));
    if (!t->instance) {
        fail(t, err);
        return;
    }
    int64_t next_commit = now_ms() + t->w->flush_interval_ms;
    bool failed = false;
    while (!atomic_load(&t->stop)) {
        if (wait_while_paused(t)) continue;
        if (atomic_load(&t->state) != TS_RUNNING) report(t, TS_RUNNING, NULL);
        err[0] = '\0';
        int rc = t->plugin->poll(t->instance, err, sizeof(err));
        rd_kafka_poll(t->producer, 0);
        if (t->produce_err) { /* whatever the plugin made of it, the producer's error is the cause */
            fail_producer(t);
            failed = true;
            break;
        }
        if (rc != 0 && !atomic_load(&t->stop)) {
            fail(t, err[0] ? err : "poll failed");
            failed = true;
            break;
        }
        check_kafka(t);
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
    t->plugin->stop(t->instance);
    t->instance = NULL;
}

/* ------------------------------------------------------------------ sink tasks */

static void commit_sink(task_t *t, bool sync) {
    char err[2048];
    if (t->plugin->flush && t->plugin->flush(t->instance, err, sizeof(err)) != 0) {
        fail(t, err);
        return;
    }
    /* The commit request is queued under the lock that fencing takes (invariant 2); only waiting
     * for its result happens outside. */
    rd_kafka_resp_err_t e;
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
    if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET)
        log_warn(wlog(), "%s Commit of consumer offsets failed: %s", t->name, rd_kafka_err2str(e));
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    task_t *t = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        rd_kafka_assign(rk, parts);
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
    if (apply_overrides(t, conf, "consumer.override.", errstr, errstr_size) != 0) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_error_cb(conf, on_client_error);
    rd_kafka_conf_set_opaque(conf, t);
    t->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size);
    if (!t->consumer) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
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

static void run_sink(task_t *t) {
    char err[4096];
    t->arena = cd_arena_new();
    if (!(t->key_conv = make_converter(t, true, err, sizeof(err))) ||
        !(t->value_conv = make_converter(t, false, err, sizeof(err)))) {
        fail(t, err);
        return;
    }
    t->instance = t->plugin->start(t->task_config, t, err, sizeof(err));
    if (!t->instance) {
        fail(t, err);
        return;
    }
    if (start_consumer(t, err, sizeof(err)) != 0) {
        fail(t, err);
        t->plugin->stop(t->instance);
        t->instance = NULL;
        return;
    }
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
        if (paused && atomic_load(&t->state) != TS_PAUSED) report(t, TS_PAUSED, NULL);
        if (!paused && atomic_load(&t->state) != TS_RUNNING) report(t, TS_RUNNING, NULL);

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
        cd_arena_reset(t->arena);
        bool failed = false;
        for (size_t i = 0; i < n && !failed; i++) {
            cd_sink_record_t *r = &batch[i];
            memset(r, 0, sizeof(*r));
            r->topic = rd_kafka_topic_name(msgs[i]->rkt);
            r->kafka_partition = msgs[i]->partition;
            r->kafka_offset = msgs[i]->offset;
            r->timestamp_ms = rd_kafka_message_timestamp(msgs[i], NULL);
            note_topic(t, r->topic);
            if (cd_converter_to_connect(t->key_conv, r->topic, msgs[i]->key, msgs[i]->key_len,
                                        t->arena, &r->key_schema, &vals[2 * i], err, sizeof(err)) ||
                cd_converter_to_connect(t->value_conv, r->topic, msgs[i]->payload, msgs[i]->len,
                                        t->arena, &r->value_schema, &vals[2 * i + 1], err,
                                        sizeof(err))) {
                fail(t, err);
                failed = true;
                break;
            }
            r->key = &vals[2 * i];
            r->value = &vals[2 * i + 1];
        }
        if (!failed && n > 0 && t->plugin->put(t->instance, batch, n, err, sizeof(err)) != 0) {
            fail(t, err);
            failed = true;
        }
        if (!failed) {
            for (size_t i = 0; i < n; i++)
                rd_kafka_offset_store(msgs[i]->rkt, msgs[i]->partition, msgs[i]->offset);
        }
        for (size_t i = 0; i < n; i++) rd_kafka_message_destroy(msgs[i]);
        if (failed) break;
        check_kafka(t);
        if (now_ms() >= next_commit) {
            commit_sink(t, false);
            next_commit = now_ms() + t->w->flush_interval_ms;
        }
    }
    if (atomic_load(&t->state) != TS_FAILED) commit_sink(t, true);
    rd_kafka_consumer_close(t->consumer);
    free(batch);
    free(vals);
    t->plugin->stop(t->instance);
    t->instance = NULL;
}

static void *task_main(void *arg) {
    task_t *t = arg;
    log_info(wlog(), "%s Executing task", t->name);
    if (t->plugin->type == CD_CONNECTOR_SOURCE)
        run_source(t);
    else
        run_sink(t);
    if (t->kx.pub_since) { /* the outage notes go with the task */
        t->kx.since = 0;
        publish_outage(t, 0, "");
    }
    if (atomic_load(&t->state) != TS_FAILED) {
        if (t->unassigned_on_stop) report(t, TS_STOPPED, NULL);
        else atomic_store(&t->state, TS_STOPPED);
    }
    /* A failed task stays among the running ones until it is stopped (its status stays FAILED). */
    worker_t *w = t->w;
    if (atomic_load(&t->cancelled)) {
        log_info(wlog(), "%s Cancelled task has ended, %lld ms after its stop was asked", t->name,
                 (long long)(now_ms() - t->grace_end_ms + grace_ms(w)));
        status_store_set_note(w->ss, t->connector, t->id, NULL);
    } else if (atomic_load(&t->stop)) {
        log_info(wlog(), "%s Task stopped", t->name);
    }
    pthread_mutex_lock(&w->lock);
    t->exited = true; /* from here on the thread touches neither t nor w: reap() may free t */
    void (*cb)(void *) = w->on_task_end;
    void *opaque = w->on_task_end_opaque;
    pthread_cond_broadcast(&w->ended);
    pthread_mutex_unlock(&w->lock);
    if (cb) cb(opaque);
    return NULL;
}

static void task_free(task_t *t) {
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
    free(t->committed);
    for (size_t i = 0; i < t->n_topics_seen; i++) free(t->topics_seen[i]);
    free(t->topics_seen);
    if (t->arena) cd_arena_destroy(t->arena);
    cd_props_destroy(t->conn_config);
    cd_props_destroy(t->task_config);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->commit_lock);
    free(t->connector);
    free(t);
}

/* ------------------------------------------------------------------ worker */

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
    w->flush_interval_ms = worker_config_get_int(wc, "offset.flush.interval.ms");
    w->flush_timeout_ms = worker_config_get_int(wc, "offset.flush.timeout.ms");
    w->shutdown_timeout_ms = worker_config_get_int(wc, "task.shutdown.graceful.timeout.ms");
    w->track_topics = worker_config_get_bool(wc, "topic.tracking.enable");
    return w;
}

const char *worker_id(const worker_t *w) { return w->id; }
int64_t worker_generation(const worker_t *w) { return w->generation; }

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

int worker_start_task(worker_t *w, const char *connector, int id, const cd_connector_plugin_t *plugin,
                      const cd_props_t *connector_config, const cd_props_t *task_config,
                      target_state_t state) {
    reap(w);
    pthread_mutex_lock(&w->lock);
    if (find_task(w, connector, id)) {
        pthread_mutex_unlock(&w->lock);
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
        return rc;
    }
    task_t *t = calloc(1, sizeof(*t));
    t->w = w;
    t->connector = strdup(connector);
    t->id = id;
    snprintf(t->name, sizeof(t->name), "%s-%d", connector, id);
    t->plugin = plugin;
    t->conn_config = cd_props_copy(connector_config);
    t->task_config = cd_props_copy(task_config);
    t->target = state;
    atomic_store(&t->state, TS_STARTING);
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->cond, NULL);
    pthread_mutex_init(&t->commit_lock, NULL);
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
    free(w->id);
    free(w);
    return true;
}
