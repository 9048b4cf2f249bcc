/* herder.h - the cluster view and its reconciliation, for a single worker: connector configs,
 * task configs and target states come from the config topic; the herder starts, pauses, stops
 * and restarts connectors and tasks to match, generates task configs, handles restart requests,
 * and reports connector states to the status topic. REST handlers write to the config topic and
 * read the stores; they never touch task threads. */
#ifndef CONNECTD_HERDER_H
#define CONNECTD_HERDER_H

#include <stdbool.h>
#include <stddef.h>

#include "store/config_store.h"
#include "store/offset_store.h"
#include "store/status_store.h"
#include "worker.h"
#include "worker_config.h"

typedef struct herder herder_t;

herder_t *herder_new(const worker_config_t *wc, config_store_t *cs, status_store_t *ss,
                     offset_store_t *os, worker_t *w);
/* The config providers that resolve ${provider:path:key} variables when connectors and tasks
 * start (not owned; they must outlive the herder). Set before herder_start. */
typedef struct config_providers config_providers_t;
void herder_set_config_providers(herder_t *h, const config_providers_t *cp);
/* In a cluster: the group membership that says what this worker runs and whether it leads, and
 * how a follower that runs a connector sends its task configs to the leader (0, or -1 with
 * errstr; retried with a backoff). Set before herder_start. */
typedef struct cluster cluster_t;
typedef int (*herder_publish_fn)(void *opaque, const char *connector, cd_props_t *const *configs, size_t n,
                                 char *errstr, size_t errstr_size);
void herder_set_cluster(herder_t *h, cluster_t *cl, herder_publish_fn publish, void *opaque);
/* The cluster's `released` callback: returns once nothing this worker no longer owns runs. */
void herder_release(herder_t *h, bool lost);
/* The config store's change callback: wakes the herder up. */
void herder_wakeup(void *herder);
int herder_start(herder_t *h);
/* Stops every connector and task (reported UNASSIGNED), then the herder's thread. */
void herder_stop(herder_t *h);
void herder_destroy(herder_t *h);

/* Connector config changes, made one at a time under one lock, each written and read back
 * before the next one looks at the config store, as Kafka Connect's herder thread makes them: of
 * concurrent creates of one name exactly one finds it absent and wins. The lock is waited for at
 * most timeout_ms, and the write gets timeout_ms of its own. */
typedef enum {
    HERDER_CREATED,   /* the connector did not exist */
    HERDER_UPDATED,   /* it existed; its config was replaced */
    HERDER_DELETED,
    HERDER_EXISTS,    /* a create of a connector that exists: nothing written */
    HERDER_NOT_FOUND, /* an update or delete of one that does not: nothing written */
    HERDER_REFUSED,   /* the patch callback refused the change (or errstr says why): nothing written */
    HERDER_NOT_LEADER, /* in a cluster, only the leader writes configs: forward the request */
    HERDER_FAILED     /* nothing known to be written; errstr says why */
} herder_result_t;

/* Creates the connector (allow_replace false: HERDER_EXISTS when it exists) or creates or
 * replaces it (true). initial_state: NULL, or the target state written with a new config. */
herder_result_t herder_put_connector_config(herder_t *h, const char *name, const cd_props_t *config,
                                            const target_state_t *initial_state, bool allow_replace,
                                            int timeout_ms, char *errstr, size_t errstr_size);
/* Changes an existing config: patch gets a copy of the current one to edit and check, returns 0
 * to have it written or -1 to refuse (HERDER_REFUSED). On HERDER_UPDATED *written (caller owns)
 * is the config written. */
typedef int (*herder_patch_fn)(cd_props_t *config, void *opaque);
herder_result_t herder_patch_connector_config(herder_t *h, const char *name, herder_patch_fn patch,
                                              void *opaque, cd_props_t **written, int timeout_ms,
                                              char *errstr, size_t errstr_size);
herder_result_t herder_delete_connector_config(herder_t *h, const char *name, int timeout_ms,
                                               char *errstr, size_t errstr_size);
/* The leader's side of POST /connectors/{c}/tasks: HERDER_UPDATED (written, or the same set is
 * already committed), HERDER_NOT_LEADER, HERDER_NOT_FOUND, HERDER_REFUSED (a non-empty set for
 * a STOPPED connector; errstr says so) or HERDER_FAILED. */
herder_result_t herder_put_task_configs(herder_t *h, const char *name, cd_props_t *const *configs, size_t n,
                                        int timeout_ms, char *errstr, size_t errstr_size);

/* Restarts the connector instance (regenerating its task configs). Returns 0, -1 when unknown,
 * -3 when another worker runs it. */
int herder_restart_connector(herder_t *h, const char *name);
/* A task's reported progress when it runs on this worker (worker_task_progress), or NULL. */
char *herder_task_progress(herder_t *h, const char *name, int task);
/* Restarts one task: waits for its running instance to stop (not the herder: other requests go
 * on), then starts it; when the old instance is cancelled instead, the new one starts once its
 * thread has ended. Returns 0, -1 for an unknown connector, -2 for an unknown task. */
int herder_restart_task(herder_t *h, const char *name, int task); /* -3: another worker runs it */
/* Before an offsets change through the REST API, once the caller has seen the connector STOPPED
 * with no tasks in the config store: waits until the herder has acted on that and every instance
 * of the connector's tasks has stopped, or was cancelled at the end of its grace, and fences them,
 * so that no offset commit of theirs can land after the change. False when the herder did not
 * answer in time (nothing may be written then). */
bool herder_await_stopped_tasks(herder_t *h, const char *name);
/* Runs a no-op through the herder's loop; false if it did not come back within timeout_ms. */
bool herder_ping(herder_t *h, int timeout_ms);
/* After a connector was written to the config store (and read back): waits until the herder has
 * acted on it and the status store shows the connector's status and that of each of its tasks,
 * so that a status request right after a create finds them. False when that did not happen
 * within timeout_ms (a connector or task slow to start). */
bool herder_wait_status(herder_t *h, const char *name, int timeout_ms);

/* GET /metrics: the metrics of the connectors and tasks this worker runs, and the worker's own
 * (worker_metrics_render). */
struct cd_metrics;
void herder_metrics(herder_t *h, struct cd_metrics *out);

#endif
