/* status_store.h - the status topic: connector and task states and the topics each connector
 * uses (spec/connect-internal-topics.md section 5). The cache holds the latest record per key
 * as read back from the topic, which is what the REST status endpoints report, together with
 * this worker's local notes (shown as the trace of a status that has none of its own). */
#ifndef CONNECTD_STORE_STATUS_STORE_H
#define CONNECTD_STORE_STATUS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "worker_config.h"

typedef struct {
    char state[16];   /* UNASSIGNED, RUNNING, PAUSED, STOPPED, FAILED, RESTARTING */
    char *trace;      /* NULL unless FAILED, or a local note is set */
    char *worker_id;
    int64_t generation;
    char *version;    /* KIP-891: the plugin's version; NULL when the record has none (null) */
} status_t;

typedef struct {
    int id;
    status_t status;
} task_status_t;

typedef struct status_store status_store_t;

status_store_t *status_store_new(const worker_config_t *wc, char *errstr, size_t errstr_size);
int status_store_start(status_store_t *ss, int timeout_ms, char *errstr, size_t errstr_size);
void status_store_destroy(status_store_t *ss);

/* Applies one record of the topic (value NULL: tombstone), as the reader thread does; exposed so
 * that the reader rules can be tested without a broker. */
void status_store_apply(status_store_t *ss, const char *key, size_t key_len, const char *value,
                        size_t value_len);

/* Copies; release with status_clear / task_statuses_free. */
bool status_store_connector(status_store_t *ss, const char *name, status_t *out);
bool status_store_task(status_store_t *ss, const char *name, int task, status_t *out);
/* Sorted by id; *n receives the count. */
task_status_t *status_store_tasks(status_store_t *ss, const char *name, size_t *n);
void status_clear(status_t *s);
void task_statuses_free(task_status_t *t, size_t n);
/* Names of connectors that have a connector status record; NULL-terminated. */
char **status_store_connectors(status_store_t *ss);

/* Writes (asynchronously, seen when read back). Safe writes skip when the last status seen was
 * written by another worker with a higher generation. trace may be NULL. */
void status_store_put_connector(status_store_t *ss, const char *name, const char *state,
                                const char *trace, const char *worker_id, int64_t generation,
                                const char *version);
void status_store_put_task(status_store_t *ss, const char *name, int task, const char *state,
                           const char *trace, const char *worker_id, int64_t generation,
                                const char *version);
void status_store_delete_connector(status_store_t *ss, const char *name);
void status_store_delete_task(status_store_t *ss, const char *name, int task);

/* Topic tracking. put is a no-op when the (connector, topic) pair is already recorded. */
void status_store_put_topic(status_store_t *ss, const char *connector, const char *topic, int task);
/* Sorted topic names; NULL-terminated. */
char **status_store_topics(status_store_t *ss, const char *connector);
void status_store_reset_topics(status_store_t *ss, const char *connector);
/* Sets (note NULL: clears) this worker's note on a connector's (task -1) or a task's status: what
 * the worker sees that the status topic cannot say, such as an ongoing Kafka outage, during which
 * the topic can be neither written nor read. Never written to the topic; the getters show it as
 * the trace of a status without a trace of its own. */
void status_store_set_note(status_store_t *ss, const char *connector, int task, const char *note);
/* The highest generation of any status record seen. */
int64_t status_store_max_generation(status_store_t *ss);
/* Waits until everything written so far is read back. */
int status_store_flush(status_store_t *ss, int timeout_ms);

#endif
