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
/* Stops every task (offsets are committed first). */
void worker_destroy(worker_t *w);

const char *worker_id(const worker_t *w);
int64_t worker_generation(const worker_t *w);

/* Starts task `id` of a connector in a thread of its own. The worker copies the configs.
 * Returns 0, or -1 (already running). A task that cannot start is reported FAILED, not here. */
int worker_start_task(worker_t *w, const char *connector, int id, const cd_connector_plugin_t *plugin,
                      const cd_props_t *connector_config, const cd_props_t *task_config,
                      target_state_t state);
/* Pauses or resumes a running task (STOPPED is not a task state: stop it instead). */
void worker_set_task_target(worker_t *w, const char *connector, int id, target_state_t state);
/* Stops a task and waits for its thread (the plugin gets task.shutdown.graceful.timeout.ms to
 * return; a task that does not is abandoned and reported). unassigned: write UNASSIGNED. */
void worker_stop_task(worker_t *w, const char *connector, int id, bool unassigned);
bool worker_has_task(worker_t *w, const char *connector, int id);
/* Ids of this connector's running tasks; *n receives the count. malloc'ed. */
int *worker_tasks_of(worker_t *w, const char *connector, size_t *n);

/* What tasks of this worker made outside Kafka and did not remove (cd_task_holds), oldest first,
 * including that of tasks that stopped and of connectors since deleted. The strings are valid
 * during the call. Returns the count. */
typedef void (*worker_held_cb)(const char *connector, const char *what, const char *remove,
                               void *opaque);
size_t worker_each_held(worker_t *w, worker_held_cb cb, void *opaque);

#endif
