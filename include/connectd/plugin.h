/* plugin.h - the connector plugin interface.
 *
 * A plugin is a static struct of function pointers with its class name and aliases, its type,
 * version and config definition; connectors/registry.c lists them. The runtime calls
 * task_configs() on the connector's config, then per task start(), poll() (source) or put() /
 * flush() (sink), commit() with the offsets Kafka has durably accepted, and stop(). A task never
 * produces to Kafka or writes offsets itself: the runtime does, so every connector gets
 * at-least-once delivery, offset commits, status reporting and back-pressure.
 *
 * Threads: each task runs in a thread of its own; a task's functions are only called from it. */
#ifndef CONNECTD_PLUGIN_H
#define CONNECTD_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connectd/config_def.h"
#include "connectd/data.h"
#include "connectd/props.h"

typedef enum { CD_CONNECTOR_SOURCE, CD_CONNECTOR_SINK } cd_connector_type_t;

typedef struct {
    const char *key;
    const char *value; /* NULL: a null header value */
    size_t value_len;
} cd_header_t;

/* What a source task hands to the runtime. Everything it points to only has to stay valid until
 * cd_task_send() returns. */
typedef struct {
    const char *topic;
    int32_t kafka_partition;          /* -1: chosen from the key bytes (murmur2), as Kafka does */
    const cd_schema_t *key_schema;    /* NULL: schemaless key */
    const cd_value_t *key;            /* NULL: no key */
    const cd_schema_t *value_schema;  /* NULL: schemaless value */
    const cd_value_t *value;          /* NULL: a tombstone */
    const char *source_partition;     /* JSON object text, as Java writes it, e.g.
                                         {"filename":"/tmp/in.txt"}; NULL: no offset */
    const char *source_offset;        /* JSON object text, e.g. {"position":42} */
    int64_t timestamp_ms;             /* -1: none */
    const cd_header_t *headers;
    size_t n_headers;
} cd_source_record_t;

/* What a sink task receives. Memory stays valid during the put() call only. */
typedef struct {
    const char *topic;
    int32_t kafka_partition;
    int64_t kafka_offset;
    int64_t timestamp_ms;
    const cd_schema_t *key_schema;
    const cd_value_t *key;
    const cd_schema_t *value_schema;
    const cd_value_t *value;
} cd_sink_record_t;

/* The runtime's side of a running task. */
typedef struct cd_task_context cd_task_context_t;

const char *cd_task_connector_name(const cd_task_context_t *ctx);
int cd_task_id(const cd_task_context_t *ctx);
/* The worker (its id, host:port) that ran this task before this instance, when that was another
 * worker: the task's status record that the status topic held when this instance started names
 * it. It tells of a handover (that worker died, or gave the task away), after which what the
 * previous instance held in the source (a connection, a lock, a replication slot) may not be
 * released yet. NULL when the record is this worker's own, or there is none. Owned by the
 * runtime; valid for the life of the task. */
const char *cd_task_previous_worker(const cd_task_context_t *ctx);
/* True once the runtime wants the task's poll()/put() to return (stop, pause, restart). */
bool cd_task_stopping(const cd_task_context_t *ctx);
/* True once the task is told to stop for good (stop, restart, deletion, shutdown), but not while
 * it is merely paused: what a paused() hook checks to abandon work. */
bool cd_task_stop_requested(const cd_task_context_t *ctx);
/* Source: converts and produces one record. Blocks while too many records are in flight
 * (back-pressure). Returns 0, or -1 when the record could not be taken because the task is being
 * stopped or its producer failed (errstr says which): poll() should then return. */
int cd_task_send(cd_task_context_t *ctx, const cd_source_record_t *rec, char *errstr,
                 size_t errstr_size);
/* Source: a position without a record. The offset is committed as if it were a record's: once
 * every record sent before it is acknowledged, at the next offset flush, and commit() hears of it
 * then. For a task that processed something it emits nothing for (a control message, an
 * opted-out transaction) and must not process again after a restart. Blocks and fails as
 * cd_task_send does. Returns 0 or -1 with errstr. */
int cd_task_send_offset(cd_task_context_t *ctx, const char *source_partition, const char *source_offset,
                        char *errstr, size_t errstr_size);

/* The runtime's bounded buffer toward Kafka of a source task: records handed to cd_task_send
 * and not yet acknowledged, and their bytes, with the bounds beyond which cd_task_send waits.
 * Readable from any thread (GET /metrics); the numbers are a moment's. */
typedef struct {
    uint64_t records_capacity, records_in_flight;
    uint64_t bytes_capacity, bytes_in_flight;
} cd_task_buffer_t;
void cd_task_buffer(const cd_task_context_t *ctx, cd_task_buffer_t *out);

/* The target state of the task's connector, as PUT /connectors/<name>/pause and /resume set it. */
typedef enum { CD_TARGET_STARTED, CD_TARGET_PAUSED } cd_target_t;
/* Asks the runtime to pause or resume the task's connector, as PUT /connectors/<name>/pause or
 * /resume does: the target state is written to the config topic and read back (so a REST or
 * Strimzi resume works unchanged and a restarted worker keeps it), and the runtime then pauses or
 * resumes every task of the connector. Blocks until written (up to the config store's delivery
 * timeout while Kafka is unreachable). Returns 0, or -1 with errstr (nothing known written). */
int cd_task_request_target(cd_task_context_t *ctx, cd_target_t target, char *errstr, size_t errstr_size);
/* The connector's target state as the config topic says now (the task's own follows it shortly,
 * once the runtime has acted on it). STOPPED reads as PAUSED. */
cd_target_t cd_task_connector_target(cd_task_context_t *ctx);

/* Source: the last committed offset (JSON object text, malloc'ed, caller frees) of a source
 * partition, or NULL when there is none. */
char *cd_task_committed_offset(cd_task_context_t *ctx, const char *source_partition);
/* Something the task made outside Kafka that outlives the task and the worker, and costs until
 * someone removes it (a PostgreSQL replication slot holds WAL). `what` names it and where it is,
 * as a phrase ("replication slot 'debezium' on db:5432/inventory, which ..."); `remove` is how to
 * remove it (a command). Both are copied; `what` identifies it. The runtime tells the user about
 * what is still held when the data that would let a connector come back to it is lost (the
 * embedded broker's, at exit). cd_task_released: the task removed it. */
void cd_task_holds(cd_task_context_t *ctx, const char *what, const char *remove);
/* What the task is doing that takes long (a snapshot's rows, tables and time left), as a JSON
 * object; GET /connectors/<name>/status shows it on the task as "progress" while the task runs
 * on this worker. Copied; NULL removes it. */
void cd_task_report_progress(cd_task_context_t *ctx, const char *json);
void cd_task_released(cd_task_context_t *ctx, const char *what);

/* GET /metrics: what a task adds to the worker's Prometheus exposition besides what the runtime
 * measures for every task (its plugin's metrics hook). */
typedef struct cd_metrics cd_metrics_t;
typedef enum { CD_METRIC_GAUGE, CD_METRIC_COUNTER, CD_METRIC_UNTYPED } cd_metric_type_t;
/* Adds one sample of family (a Prometheus metric name) with labels (key, value, ..., NULL; values
 * are escaped by the runtime) and its help text. Samples of one family may come from several
 * tasks: all are shown under one # HELP / # TYPE. */
void cd_metrics_add(cd_metrics_t *out, const char *family, cd_metric_type_t type, const char *help,
                    const char *const *labels, double value);
/* A label value as it shows in an MBean name (Kafka's Sanitizer.jmxSanitize: quoted when it has
 * other characters than letters, digits, _ - % . space and tab), which is how the JMX exporter
 * shows it; malloc'ed. */
char *cd_metrics_jmx_sanitize(const char *value);

typedef struct cd_connector_plugin {
    const char *class_name;      /* "org.apache.kafka.connect.file.FileStreamSourceConnector" */
    const char *const *aliases;  /* NULL-terminated, or NULL */
    cd_connector_type_t type;
    const char *version;         /* NULL: unknown */
    const char *task_class;      /* written as task.class into task configs */
    cd_config_def_t config_def;  /* the connector's own keys */
    /* True when the connector itself accepts offset changes made through the REST API (Kafka's
     * Connector.alterOffsets returning true); it decides the message of PATCH/DELETE offsets. */
    bool alters_offsets;
    /* True when the connector validates its own keys itself, as Debezium's Connector.validate
     * does with its Field validators: validate then shows no parsed value and none of Kafka's
     * ConfigDef messages for them, only what the validate hook reports. */
    bool validates_own_keys;

    /* Cross-key checks beyond the definitions. May be NULL. */
    void (*validate)(const cd_props_t *config, cd_config_result_t *result);
    /* Splits a (valid) connector config into at most max_tasks task configs, each a new props
     * the caller destroys. Returns the count, or -1 with errstr. */
    int (*task_configs)(const cd_props_t *config, int max_tasks, cd_props_t **out,
                        char *errstr, size_t errstr_size);

    /* Task lifecycle. start returns the task's state, or NULL with errstr (the task FAILS). */
    void *(*start)(const cd_props_t *task_config, cd_task_context_t *ctx, char *errstr,
                   size_t errstr_size);
    /* Source: sends what is available through cd_task_send, waiting for data at most about a
     * second when there is none. Returns 0, or -1 with errstr when the task has failed. */
    int (*poll)(void *task, char *errstr, size_t errstr_size);
    /* Source: every record up to source_offset of source_partition is in Kafka and the offset
     * is in the offsets topic. May be NULL. */
    void (*commit)(void *task, const char *source_partition, const char *source_offset);
    /* Source: checks an offset given through PATCH /connectors/<name>/offsets before it is
     * written (partition and offset as JSON object text; offset NULL when the partition's offset
     * is to be removed). Returns 0, or -1 with errstr: the request fails with 500 and that
     * message, as Kafka Connect answers a connector's alterOffsets that throws; or -2 with
     * errstr: the request fails with 400 (an offset the connector could never resume from, which
     * the client must correct: a check beyond the connector connectd reproduces). May be NULL. */
    int (*check_offset)(const char *source_partition, const char *source_offset, char *errstr,
                        size_t errstr_size);
    /* Source: called on the task's thread about once a second while cd_task_send() waits for
     * Kafka (back-pressure: too much in flight, or Kafka unreachable), so that the task can keep
     * its source's connection alive meanwhile (a database drops a replication client that stays
     * silent for long). Must not call cd_task_send(). May be NULL. */
    void (*waiting)(void *task);
    /* Source: called on the task's thread about every 200 ms while the task is PAUSED (between
     * poll() calls), so that it can keep its source's connection alive and watch it (e.g. for a
     * request to resume). cd_task_stopping() is true meanwhile: check cd_task_stop_requested().
     * Must not call cd_task_send(); may call cd_task_request_target(). May be NULL. */
    void (*paused)(void *task);
    /* Sink: takes records; returns 0 or -1 with errstr (the task FAILS). */
    int (*put)(void *task, const cd_sink_record_t *records, size_t n, char *errstr,
               size_t errstr_size);
    /* Sink: makes everything put so far durable, before consumer offsets are committed. */
    int (*flush)(void *task, char *errstr, size_t errstr_size);
    void (*stop)(void *task);
    /* GET /metrics: adds the task's own metrics (Debezium's MBeans, say) with cd_metrics_add.
     * Called from a REST thread, never before start() has returned nor once stop() is called
     * (the runtime serialises the three), so the task must only read, with atomic loads, what its
     * own thread writes, and must not block. May be NULL. */
    void (*metrics)(void *task, cd_metrics_t *out);
} cd_connector_plugin_t;

#endif
