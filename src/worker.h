/* worker.h - task threads: one thread per task, with its own Kafka client, its converters,
 * the acknowledged-prefix offset tracker and periodic offset commits (source), or consumer-group
 * offset commits after flush (sink). Reports task states to the status topic. */
#ifndef CONNECTD_WORKER_H
#define CONNECTD_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "connectd/plugin.h"
#include "store/config_store.h"
#include "store/offset_store.h"
#include "store/status_store.h"
#include "worker_config.h"

typedef struct worker worker_t;

worker_t *worker_new(const worker_config_t *wc, status_store_t *ss, offset_store_t *os,
                     const char *worker_id, int64_t generation);
/* Stops every task (offsets are committed first) and waits for their threads. Returns false, and
 * frees nothing, when a task thread has not ended by the end of its grace (it was cancelled, and
 * is still inside a plugin call): it still uses the worker, its stores and the worker config, so
 * the caller must not free those either, and should exit the process. */
bool worker_destroy(worker_t *w);
/* The config store tasks write their connector's target state to (cd_task_request_target) and
 * read it from; not owned. The herder sets it. */
void worker_set_config_store(worker_t *w, config_store_t *cs);
/* Called (from the ending thread, without locks held) whenever a task thread ends, so that a start
 * that waited for it can be tried again. */
void worker_on_task_end(worker_t *w, void (*cb)(void *opaque), void *opaque);
/* Housekeeping, about once a second: frees the tasks whose threads have ended since they were told
 * to stop, and cancels those whose grace is over. */
void worker_tick(worker_t *w);

const char *worker_id(const worker_t *w);
int64_t worker_generation(const worker_t *w);

/* GET /metrics (worker_metrics.c). A connector's start on this worker, and whether it succeeded
 * (connect-worker-metrics' connector-startup-*). */
void worker_metrics_connector_startup(worker_t *w, bool ok);
/* Adds the worker's metrics (connector_count: how many connectors the herder runs here) and those
 * of every task running here, with what each task's plugin adds. */
struct cd_metrics;
size_t worker_metrics_render(worker_t *w, struct cd_metrics *out, size_t connector_count); /* tasks */
/* After a rebalance: the group generation later status records carry. */
void worker_set_generation(worker_t *w, int64_t generation);

/* Starts task `id` of a connector in a thread of its own. The worker copies the configs.
 * Returns 0, -1 (already running), -2 (a previous instance of the task was told to stop and its
 * thread has not ended yet) or -3 (the same, and that instance was cancelled at the end of its
 * grace: it may take long). Never two instances of a task run at once: try again later
 * (worker_on_task_end says when). A task that cannot start is reported FAILED, not here. */
int worker_start_task(worker_t *w, const char *connector, int id, const cd_connector_plugin_t *plugin,
                      const cd_props_t *connector_config, const cd_props_t *task_config,
                      target_state_t state);
/* Pauses or resumes a running task (STOPPED is not a task state: stop it instead). */
void worker_set_task_target(worker_t *w, const char *connector, int id, target_state_t state);
/* Tells a task to stop, without waiting: it is no longer among the running tasks, but its thread
 * ends in its own time (it flushes its producer and commits its offsets). Its grace is
 * task.shutdown.graceful.timeout.ms + offset.flush.timeout.ms + 1 s; a task still running after
 * that is cancelled: reported, and nothing it does is committed any more. unassigned: the task
 * writes UNASSIGNED as its status when it has stopped. */
void worker_stop_task(worker_t *w, const char *connector, int id, bool unassigned);
/* True while an instance of the task (id -1: of any task of the connector) that was told to stop
 * still runs within its grace. */
bool worker_task_stopping(worker_t *w, const char *connector, int id);
/* Waits up to timeout_ms until no instance of the task (id -1: of any task of the connector) that
 * was told to stop still runs without having been cancelled. True when so. */
bool worker_await_stopped(worker_t *w, const char *connector, int id, int timeout_ms);
/* How long a task told to stop has before it is cancelled (see worker_stop_task). */
int64_t worker_stop_grace_ms(const worker_t *w);
/* Fences every instance of the connector's tasks told to stop and not yet ended: none of them
 * commits offsets any more (their final commit included). */
void worker_fence_stopping(worker_t *w, const char *connector);
/* A running instance (one told to stop does not count). */
bool worker_has_task(worker_t *w, const char *connector, int id);
/* The progress a task of this worker reports (cd_task_report_progress): a JSON object text,
 * malloc'ed, or NULL. */
char *worker_task_progress(worker_t *w, const char *connector, int id);
/* Ids of this connector's running tasks; *n receives the count. malloc'ed. */
int *worker_tasks_of(worker_t *w, const char *connector, size_t *n);

/* What tasks of this worker made outside Kafka and did not remove (cd_task_holds), oldest first,
 * including that of tasks that stopped and of connectors since deleted. The strings are valid
 * during the call. Returns the count. */
typedef void (*worker_held_cb)(const char *connector, const char *what, const char *remove,
                               void *opaque);
size_t worker_each_held(worker_t *w, worker_held_cb cb, void *opaque);

#endif
