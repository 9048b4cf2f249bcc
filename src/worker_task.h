/* worker_task.h - inside the worker (not for plugins or other modules): a task's state and what
 * worker.c (lifecycle, statuses, Kafka outages, the plugins' context API), worker_source.c (source
 * tasks: sending, offset tracking and commits) and worker_sink.c (sink tasks) share. */
#ifndef CONNECTD_WORKER_TASK_H
#define CONNECTD_WORKER_TASK_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "connect/converter.h"
#include "connect/transforms.h"
#include "kafka/topic_creation.h"
#include "log.h"
#include "metrics.h"
#include "worker.h"

#define TRACK_CAP 16384 /* records in flight per source task: about 80 ms of acknowledgements at 200k records/s */
#define SINK_BATCH 500

typedef enum { TS_STARTING, TS_RUNNING, TS_PAUSED, TS_FAILED, TS_STOPPED } task_state_t;

/* Kafka Connect's error handling stages (org.apache.kafka.connect.runtime.errors.Stage). */
typedef enum {
    STAGE_KEY_CONVERTER,
    STAGE_VALUE_CONVERTER,
    STAGE_HEADER_CONVERTER,
    STAGE_TRANSFORMATION,
    STAGE_KAFKA_PRODUCE,
} err_stage_t;

/* A task's error handling (worker_errors.c), from its connector's errors.* keys. */
typedef struct {
    bool tolerate_all;          /* errors.tolerance=all */
    bool log, log_records;      /* errors.log.enable, errors.log.include.messages */
    char *dlq_topic;            /* sink tasks: errors.deadletterqueue.topic.name, or NULL */
    int dlq_rf;
    bool dlq_headers;           /* errors.deadletterqueue.context.headers.enable */
    rd_kafka_t *dlq;            /* its producer */
    bool dlq_failed;            /* the dead letter queue refused a record */
    uint64_t failures;
    bool failed;                /* a failure not tolerated: the task fails with ... */
    char *trace;                /* ... this trace */
    char cause[1024];           /* ... and this message */
} task_errors_t;

/* The record an error is about, as the failing stage got it. */
typedef struct {
    const cd_source_record_t *source;   /* a source task's record, before the transformations */
    const rd_kafka_message_t *consumed; /* a sink task's record, as consumed */
} errant_t;

/* One record (or position) sent and not yet in the acknowledged prefix. The slot keeps its offset
 * buffer when it is reused, so that tracking a record allocates nothing once the ring has gone
 * round (README "Performance"). */
typedef struct {
    bool acked;
    int part;     /* index in parts, -1 without a source offset */
    char *offset; /* the source offset's text when part >= 0, in a buffer of cap bytes */
    size_t cap;
} track_t;

/* A task's metrics (worker_metrics.c). Invariant: what the task's thread counts per record is an
 * atomic it alone writes (relaxed: a scrape needs no order between them); everything else --
 * windowed stats, which are recorded per batch or per commit, and the rates' windows, which
 * advance on a tick from the task's loop about once a second and on every scrape -- is under
 * `lock`, never taken per record. `instance` is the plugin's task as the scrape may use it
 * (plugin->metrics): set under `lock` once start() returned, cleared under it before stop(). */
typedef struct {
    pthread_mutex_t lock;
    void *instance;
    /* per record, the task's thread only */
    _Atomic uint64_t polled, written, skipped;  /* source: handed to cd_task_send; acknowledged;
                                                   dropped by a transformation or an error */
    _Atomic uint64_t read, sent;                /* sink: consumed; handed to put() */
    _Atomic uint64_t rec_failures, rec_errors, rec_skipped, errors_logged, dlq_requests, dlq_failures;
    _Atomic int64_t last_error_ms;              /* wall clock; 0: none */
    _Atomic int64_t active_sink;                /* sink: consumed, not yet committed */
    _Atomic int64_t partitions;                 /* sink: assigned partitions */
    _Atomic int64_t bytes_in_flight;            /* source: key and value bytes produced, not yet acknowledged */
    bool startup_done; /* task_metrics_startup was called (task's thread only) */
    /* under lock */
    int64_t next_tick_ms;
    metrics_counter_rate_t poll_rate, write_rate, read_rate, send_rate;
    metrics_stat_t batch_size, commit_time, poll_time, put_time, active, commit_completion, commit_skip;
    uint64_t commit_completions, commit_skips, commit_seq;
    /* Kafka's StateTracker: time spent in each state since the first */
    int state;        /* task_state_t; -1 before the first */
    int64_t state_since_ms, first_ms, running_ms, paused_ms;
} task_metrics_t;

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
    char *progress; /* cd_task_report_progress, under the worker's lock */
    char *previous_worker; /* cd_task_previous_worker: set at start, then read-only; or NULL */

    /* Lifecycle, under the worker's lock (see "One instance of a task" in worker.c). */
    int64_t grace_end_ms; /* monotonic: when a stopping task is cancelled if still running */
    atomic_bool cancelled; /* the grace ran out before the thread ended */
    bool exited;          /* the thread has ended: it is joined and freed by reap() */
    bool start_deferred;  /* a new instance waits for this one to end (said once) */
    /* Offset commits of this instance: see "One instance of a task" in worker.c. */
    pthread_mutex_t commit_lock;
    bool fenced;

    /* source */
    rd_kafka_t *producer;
    cd_converter_t *key_conv, *value_conv;
    cd_buf_t kbuf, vbuf;
    track_t *ring;
    uint64_t head, tail;
    char **parts, **committable, **committed;
    size_t *committable_cap; /* committable[i] is a buffer of committable_cap[i] bytes, reused */
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
        int64_t error_at;        /* wall clock, ms, of a connection error not yet probed; 0: none */
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

    /* The connector's transformations (NULL: none, and nothing is done per record for them);
     * source records are transformed in xf_arena, reset per record. */
    cd_xf_chain_t *xf;
    cd_arena_t *xf_arena;
    task_errors_t errors;
    task_metrics_t m;

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
    config_store_t *cs; /* target states tasks ask for (cd_task_request_target); may be NULL */
    char *id;
    _Atomic int64_t generation; /* the group generation status records carry */
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
    /* Metrics (worker_metrics.c): metrics.sample.window.ms and metrics.num.samples; the
     * worker's start-up counters, under m_lock (taken after lock, never before it). */
    metrics_config_t mcfg;
    pthread_mutex_t m_lock;
    uint64_t conn_starts[2], task_starts[2]; /* [0] failed, [1] succeeded */
    metrics_stat_t conn_results, task_results;
};

/* How long a task told to stop has before it is cancelled: it flushes its producer (up to
 * task.shutdown.graceful.timeout.ms), then commits offsets (up to offset.flush.timeout.ms), which
 * may take both in full while Kafka is unreachable, and a second more for the plugin's stop. */
static inline int64_t grace_ms(const worker_t *w) {
    return w->shutdown_timeout_ms + w->flush_timeout_ms + 1000;
}

static inline log_logger_t *wlog(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.connect.runtime.WorkerTask");
    return lg;
}

static inline int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* worker.c */
/* Sets the task's state and writes it as its status (see worker.c for when it does not). */
void task_report(task_t *t, task_state_t st, const char *trace);
/* Logs the failure and reports FAILED with a ConnectException trace of msg, or with trace. */
void task_fail(task_t *t, const char *msg);
void task_fail_with_trace(task_t *t, const char *msg, const char *trace);
/* The task's key or value converter: the connector's when it names one, else the worker's. */
cd_converter_t *task_converter(task_t *t, bool is_key, char *errstr, size_t errstr_size);
/* The task's producer or consumer from conf (which it takes, also on failure), with the
 * connector's <override_prefix>* settings (producer.override., consumer.override.) applied, the
 * error callback and the task as opaque. NULL with errstr when it cannot be made. */
rd_kafka_t *task_client_new(task_t *t, rd_kafka_type_t type, rd_kafka_conf_t *conf, const char *override_prefix,
                            char *errstr, size_t errstr_size);
/* librdkafka's error callback (opaque: the task), and the outage check, at most once a second,
 * from the task's loop and while it waits for Kafka. */
void task_on_client_error(rd_kafka_t *rk, int err, const char *reason, void *opaque);
void task_check_kafka(task_t *t);
/* Topic tracking: records the first use of a topic by the task. */
void task_note_topic(task_t *t, const char *topic);

/* worker_errors.c */
/* Reads the connector's errors.* keys; for a sink task with a dead letter queue, starts its
 * producer and creates its topic when missing. Returns 0, or -1 with errstr. */
int errors_init(task_t *t, char *errstr, size_t errstr_size);
/* A stage failed on a record (klass: the class executing it; exc_class and error: the Java
 * exception and its message, causes on the lines after; an error that starts with another
 * exception's class name and ": " names its own exception). Reports it (log, dead letter queue);
 * returns 0 when the record is to be skipped (errors.tolerance=all), or -1 when the task must
 * fail: then t->errors.failed is set and errors_fail_task fails it with Kafka's trace. */
int errors_handle(task_t *t, err_stage_t stage, const char *klass, const char *exc_class, const char *error,
                  const errant_t *rec);
void errors_fail_task(task_t *t);
/* Before a sink task commits: waits up to timeout_ms until the dead letter queue has what was
 * reported. Returns 0, 1 when it has not yet (do not commit now), -1 when it refused a record. */
int errors_flush(task_t *t, int timeout_ms);
void errors_close(task_t *t);

/* worker_metrics.c (see task_metrics_t) */
void task_metrics_init(task_t *t);
void task_metrics_destroy(task_t *t);
/* The plugin's instance becomes visible to scrapes, or stops being (before its stop()). */
void task_metrics_instance(task_t *t, void *instance);
/* A task's start: it succeeded once the plugin's start() returned, failed when it failed before. */
void task_metrics_startup(task_t *t, bool ok);
/* A state change, for running-ratio and pause-ratio. */
void task_metrics_state(task_t *t, task_state_t st);
/* From the task's loop: advances the rate windows about once a second. */
void task_metrics_tick(task_t *t, int64_t now);
/* A poll() that handed over n records in duration_ms (source), a put() of n in duration_ms (sink). */
void task_metrics_poll_batch(task_t *t, uint64_t n, int64_t duration_ms);
void task_metrics_put_batch(task_t *t, uint64_t n, int64_t duration_ms);
/* An offset commit that ended (success or not) after duration_ms; a sink commit that was skipped. */
void task_metrics_commit(task_t *t, bool ok, int64_t duration_ms);
void task_metrics_commit_skipped(task_t *t);
static inline void task_metrics_count(_Atomic uint64_t *c, uint64_t n) {
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* worker_source.c, worker_sink.c: the task's thread until it stops or fails. */
void task_run_source(task_t *t);
void task_run_sink(task_t *t);

#endif
