/* herder.c - reconciliation loop of a worker. It runs on a thread of its own, woken by every
 * config topic change, every rebalance (and once a second), and owns the connector instances;
 * task threads belong to the worker. In a cluster (cluster.h) it runs only the connectors and
 * tasks the group gave this worker, and only the leader writes connector and task configs. All
 * changes happen under one lock, which REST calls that act directly (restarts) take too.
 * Connector config writes from REST are serialised under a second lock, so that a check of what
 * exists and the write that depends on it are one step. */
#include "herder.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cluster.h"
#include "config_providers.h"
#include "metrics.h"
#include "connect/java_hash.h"
#include "connectors/registry.h"
#include "kafka/topic_creation.h"
#include "log.h"
#include "rest/signing.h"

typedef struct conn {
    char *name;
    cd_props_t *config;   /* raw, as in the config topic: ${...} variables unresolved */
    cd_props_t *resolved; /* config with its variables resolved, made when the connector starts */
    const cd_connector_plugin_t *plugin;
    bool started;          /* the connector instance is up with this config and target */
    target_state_t target;
    bool needs_task_configs;
    bool failed;
    uint64_t task_generation; /* of the committed task set the running tasks use */
    int64_t publish_at_ms;    /* follower: when to send the leader the task configs again */
    int publish_backoff_ms;
    struct conn *next;
} conn_t;

struct herder {
    const worker_config_t *wc;
    config_store_t *cs;
    status_store_t *ss;
    offset_store_t *os;
    worker_t *w;
    const config_providers_t *providers; /* NULL: none */
    cluster_t *cl;                       /* NULL: this worker runs everything */
    herder_publish_fn publish;           /* a follower's task configs to the leader */
    void *publish_opaque;
    pthread_mutex_t lock; /* reconciliation and direct actions */
    conn_t *conns;
    /* Connector config writes (create, replace, patch, delete): one at a time, each read back
     * before the lock is released. Never taken with `lock` held, nor `lock` under it. */
    pthread_mutex_t config_lock;

    pthread_mutex_t wake_lock;
    pthread_cond_t wake;
    bool dirty;
    uint64_t pings_asked, pings_done;
    pthread_cond_t pinged;
    atomic_bool stop;
    pthread_t thread;
    bool thread_started;
    int timeout_ms;
};

static log_logger_t *hlog(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.connect.runtime.Worker");
    return lg;
}

herder_t *herder_new(const worker_config_t *wc, config_store_t *cs, status_store_t *ss,
                     offset_store_t *os, worker_t *w) {
    herder_t *h = calloc(1, sizeof(*h));
    hlog(); /* loggers exist from the start, so /admin/loggers can name them */
    h->wc = wc;
    h->cs = cs;
    h->ss = ss;
    h->os = os;
    h->w = w;
    h->timeout_ms = 30000;
    pthread_mutex_init(&h->lock, NULL);
    pthread_mutex_init(&h->config_lock, NULL);
    pthread_mutex_init(&h->wake_lock, NULL);
    pthread_cond_init(&h->wake, NULL);
    pthread_cond_init(&h->pinged, NULL);
    h->dirty = true;
    worker_on_task_end(w, herder_wakeup, h); /* a start that waited for it can go on */
    worker_set_config_store(w, cs);          /* tasks may pause or resume their connector */
    return h;
}

void herder_set_config_providers(herder_t *h, const config_providers_t *cp) { h->providers = cp; }

void herder_set_cluster(herder_t *h, cluster_t *cl, herder_publish_fn publish, void *opaque) {
    h->cl = cl;
    h->publish = publish;
    h->publish_opaque = opaque;
}

static bool owns_connector(herder_t *h, const char *name) { return !h->cl || cluster_owns_connector(h->cl, name); }
static bool owns_task(herder_t *h, const char *name, int id) { return !h->cl || cluster_owns_task(h->cl, name, id); }
static bool is_leader(herder_t *h) { return !h->cl || cluster_is_leader(h->cl); }

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void herder_wakeup(void *herder) {
    herder_t *h = herder;
    pthread_mutex_lock(&h->wake_lock);
    h->dirty = true;
    pthread_cond_broadcast(&h->wake);
    pthread_mutex_unlock(&h->wake_lock);
}

static conn_t *find_conn(herder_t *h, const char *name) {
    for (conn_t *c = h->conns; c; c = c->next)
        if (!strcmp(c->name, name)) return c;
    return NULL;
}

/* The version a status record carries (KIP-891): the plugin's while this worker has an instance
 * of the connector; none for RESTARTING, which Kafka 4.1 writes once the instance is stopped. */
static const char *status_version(herder_t *h, const char *name, const char *state) {
    conn_t *c = strcmp(state, "RESTARTING") ? find_conn(h, name) : NULL;
    return c && c->plugin ? c->plugin->version : NULL;
}

static void put_connector_status(herder_t *h, const char *name, const char *state, const char *trace) {
    status_store_put_connector(h->ss, name, state, trace, worker_id(h->w), worker_generation(h->w),
                               status_version(h, name, state));
}

static void connector_failed_with(herder_t *h, conn_t *c, const char *exception, const char *msg) {
    char trace[4096];
    snprintf(trace, sizeof(trace), "%s: %s\n", exception, msg);
    log_error(hlog(), "[%s] Connector failed: %s", c->name, msg);
    put_connector_status(h, c->name, "FAILED", trace);
    if (!c->failed) worker_metrics_connector_startup(h->w, false);
    c->failed = true;
}

static void connector_failed(herder_t *h, conn_t *c, const char *msg) {
    connector_failed_with(h, c, "org.apache.kafka.connect.errors.ConnectException", msg);
}

/* What Kafka Connect checks only when it starts a connector (Worker.startConnector), not when the
 * config is accepted: a source connector's topic.creation.* settings, read when the worker has
 * topic.creation.enable=true. A bad one fails the connector with Kafka's ConfigException. */
static bool config_starts(herder_t *h, conn_t *c) {
    if (!c->resolved) {
        /* Kafka Connect resolves a connector's ${provider:path:key} variables when it starts the
         * connector (ClusterConfigState.connectorConfig); a provider that fails fails it. */
        if (c->failed) return false;
        char err[1024];
        c->resolved = config_providers_transform(h->providers, c->config, err, sizeof(err));
        if (!c->resolved) {
            connector_failed_with(h, c, "org.apache.kafka.common.config.ConfigException", err);
            return false;
        }
    }
    if (c->plugin->type != CD_CONNECTOR_SOURCE || !worker_config_get_bool(h->wc, "topic.creation.enable"))
        return true;
    if (c->failed) return false; /* already reported; a restart or a new config clears it */
    char err[1024];
    topic_creation_rules_t *rules;
    if (topic_creation_rules_parse(c->resolved, &rules, err, sizeof(err)) == 0) {
        topic_creation_rules_destroy(rules);
        return true;
    }
    connector_failed_with(h, c, "org.apache.kafka.common.config.ConfigException", err);
    return false;
}

/* A task whose previous instance did not stop within its grace waits for that one's thread:
 * meanwhile its status says RESTARTING (an UNASSIGNED would not replace a RUNNING of the same
 * generation, by the status topic's reader rules), with the worker's note as its trace. */
static void show_restarting(herder_t *h, const char *name, int id) {
    status_t st;
    bool has = status_store_task(h->ss, name, id, &st);
    bool already = has && !strcmp(st.state, "RESTARTING");
    if (has) status_clear(&st);
    if (!already)
        status_store_put_task(h->ss, name, id, "RESTARTING", NULL, worker_id(h->w),
                              worker_generation(h->w), NULL);
}

/* Stops the connector's tasks from from_id on. tombstone: their statuses go too; while gone is
 * false, only those of tasks that have ended (or were cancelled): a task removed from the
 * connector (STOPPED, fewer tasks) shows until it has stopped and committed its offsets, and a
 * later pass (the worker wakes the herder when a task thread ends) removes it. */
static void stop_tasks(herder_t *h, const char *name, int from_id, bool tombstone, bool gone) {
    size_t n;
    int *ids = worker_tasks_of(h->w, name, &n);
    /* A task that stops writes UNASSIGNED once it has (Kafka Connect's onShutdown); the statuses
     * of a deleted connector's tasks go at once instead, and the stopping task writes nothing. */
    for (size_t i = 0; i < n; i++)
        if (ids[i] >= from_id) worker_stop_task(h->w, name, ids[i], !gone);
    free(ids);
    if (!tombstone) return;
    task_status_t *st = status_store_tasks(h->ss, name, &n);
    for (size_t i = 0; i < n; i++) {
        if (st[i].id < from_id || (!gone && worker_task_stopping(h->w, name, st[i].id))) continue;
        /* The status topic then reads as Kafka Connect's does: UNASSIGNED, then the tombstone
         * (its leader removes a status once the task has shut down and said so). */
        if (gone && strcmp(st[i].status.state, "UNASSIGNED") != 0)
            status_store_put_task(h->ss, name, st[i].id, "UNASSIGNED", NULL, worker_id(h->w),
                                  worker_generation(h->w), st[i].status.version);
        status_store_delete_task(h->ss, name, st[i].id);
    }
    task_statuses_free(st, n);
}

static void forget_conn(herder_t *h, conn_t *c) {
    conn_t **pp = &h->conns;
    while (*pp != c) pp = &(*pp)->next;
    *pp = c->next;
    cd_props_destroy(c->config);
    cd_props_destroy(c->resolved);
    free(c->name);
    free(c);
}

/* Whether exactly these task configs are the connector's committed set (written in full). */
static bool task_configs_committed(herder_t *h, const char *name, cd_props_t *const *configs, size_t n) {
    size_t cn;
    cd_props_t **committed = config_store_task_configs(h->cs, name, &cn, NULL);
    bool same = cn == n && config_store_task_count(h->cs, name) == (int)n;
    for (size_t i = 0; same && i < n; i++) same = cd_props_equal(committed[i], configs[i]);
    config_store_free_tasks(committed, cn);
    return same;
}

/* Asks the connector for its task configs and writes them when they differ from the committed
 * ones (task records, then the commit). */
static void generate_task_configs(herder_t *h, conn_t *c) {
    const char *tm = cd_props_get(c->resolved, "tasks.max");
    int max_tasks = tm ? atoi(tm) : 1;
    if (max_tasks < 1) max_tasks = 1;
    cd_props_t **gen = calloc((size_t)max_tasks, sizeof(cd_props_t *));
    char err[2048] = "";
    int n = c->plugin->task_configs(c->resolved, max_tasks, gen, err, sizeof(err));
    if (n < 0) {
        connector_failed(h, c, err[0] ? err : "the connector could not generate task configs");
        free(gen);
        return;
    }
    for (int i = 0; i < n; i++) {
        cd_props_set(gen[i], "task.class", c->plugin->task_class);
        if (c->plugin->type == CD_CONNECTOR_SINK) {
            const char *t = cd_props_get(c->config, "topics");
            const char *r = cd_props_get(c->config, "topics.regex");
            if (t) cd_props_set(gen[i], "topics", t);
            if (r) cd_props_set(gen[i], "topics.regex", r);
        }
        /* A task config that carries a value the connector got from a variable is written with
         * the variable (AbstractHerder.reverseTransform): no secret reaches the config topic. */
        config_providers_reverse(c->config, gen[i]);
        /* Kafka Connect's task config is a HashMap copied from the finished one
         * (new HashMap<>(taskConfig), whose table is sized for its entries: 32 for 12 of them,
         * where one filled by puts has 16): the config topic record lists its keys in that map's
         * order, as the differential test with the real Kafka Connect shows. */
        cd_props_t *ordered = java_hashmap_props_cap(gen[i], java_hashmap_copy_capacity(cd_props_count(gen[i])));
        cd_props_destroy(gen[i]);
        gen[i] = ordered;
    }
    bool same = task_configs_committed(h, c->name, gen, (size_t)n);
    if (!same && !is_leader(h)) {
        /* Only the leader writes configs: a follower that runs the connector sends them to it
         * (POST /connectors/{c}/tasks), retrying with a backoff as Kafka Connect does. */
        int64_t now = mono_ms();
        if (now >= c->publish_at_ms) {
            log_info(hlog(), "[%s] Sending %d task configs to the leader", c->name, n);
            if (h->publish && h->publish(h->publish_opaque, c->name, gen, (size_t)n, err, sizeof(err)) == 0) {
                c->needs_task_configs = false;
                c->publish_backoff_ms = 0;
            } else {
                c->publish_backoff_ms = c->publish_backoff_ms ? c->publish_backoff_ms * 2 : 250;
                if (c->publish_backoff_ms > 60000) c->publish_backoff_ms = 60000;
                c->publish_at_ms = now + c->publish_backoff_ms;
                log_error(hlog(), "[%s] Request to leader to reconfigure connector tasks failed: %s "
                                  "(retrying in %d ms)", c->name, h->publish ? err : "no leader to send them to",
                          c->publish_backoff_ms);
            }
        }
    } else if (!same) {
        log_info(hlog(), "[%s] Writing %d task configs", c->name, n);
        if (config_store_put_task_configs(h->cs, c->name, gen, (size_t)n, h->timeout_ms, err,
                                          sizeof(err)) != 0)
            log_error(hlog(), "[%s] Could not write task configs: %s (will retry)", c->name, err);
        else
            c->needs_task_configs = false;
    } else {
        c->needs_task_configs = false;
    }
    for (int i = 0; i < n; i++) cd_props_destroy(gen[i]);
    free(gen);
}

/* Starts a task with its config's variables resolved (ClusterConfigState.taskConfig). */
static void start_task(herder_t *h, conn_t *c, int id, const cd_props_t *task_config,
                       target_state_t target) {
    char err[1024];
    cd_props_t *resolved = config_providers_transform(h->providers, task_config, err, sizeof(err));
    if (!resolved) {
        status_t st;
        bool reported = false;
        if (status_store_task(h->ss, c->name, id, &st)) {
            reported = !strcmp(st.state, "FAILED");
            status_clear(&st);
        }
        if (!reported) {
            char trace[1200];
            snprintf(trace, sizeof(trace), "org.apache.kafka.common.config.ConfigException: %s\n", err);
            log_error(hlog(), "[%s] Task %d failed: %s", c->name, id, err);
            /* the task never started: Kafka has no task instance to take a version from */
            status_store_put_task(h->ss, c->name, id, "FAILED", trace, worker_id(h->w),
                                  worker_generation(h->w), NULL);
        }
        return;
    }
    if (worker_start_task(h->w, c->name, id, c->plugin, c->resolved, resolved, target) == -3)
        show_restarting(h, c->name, id);
    cd_props_destroy(resolved);
}

static void reconcile_tasks(herder_t *h, conn_t *c, target_state_t target);

static void reconcile_one(herder_t *h, const char *name) {
    cd_props_t *cfg = config_store_connector_config(h->cs, name);
    target_state_t target;
    if (!cfg || !config_store_target_state(h->cs, name, &target)) {
        cd_props_destroy(cfg);
        return;
    }
    conn_t *c = find_conn(h, name);
    if (!c) {
        c = calloc(1, sizeof(*c));
        c->name = strdup(name);
        c->next = h->conns;
        h->conns = c;
    }
    if (!c->config || !cd_props_equal(c->config, cfg)) {
        if (c->config) log_info(hlog(), "[%s] Connector config updated; restarting the connector", name);
        cd_props_destroy(c->config);
        cd_props_destroy(c->resolved);
        c->config = cfg;
        c->resolved = NULL;
        c->plugin = registry_find(cd_props_get(cfg, "connector.class"));
        c->started = false;
        c->failed = false;
    } else {
        cd_props_destroy(cfg);
    }
    bool own = owns_connector(h, name);
    if (!own && c->started) {
        /* The group gave the connector to another worker: its instance here ends (as Kafka
         * Connect's onShutdown: UNASSIGNED, with the generation it ran under). */
        log_info(hlog(), "[%s] Stopping the connector: it is no longer assigned to this worker", name);
        if (!c->failed) put_connector_status(h, name, "UNASSIGNED", NULL);
        c->started = false;
        c->failed = false;
    }
    if (!c->plugin) {
        if (own && !c->failed) {
            char *msg = registry_not_found_message(cd_props_get(c->config, "connector.class"));
            connector_failed(h, c, msg);
            free(msg);
        }
        return;
    }
    if (!own) {
        /* Only tasks of it may run here: they start with the connector's resolved config. The
         * owner reports a config that does not resolve. */
        size_t local;
        free(worker_tasks_of(h->w, name, &local));
        bool any = local > 0;
        for (int i = 0, nt = config_store_task_count(h->cs, name); i < nt && !any; i++) any = owns_task(h, name, i);
        if (!any) return;
        char err[512];
        if (!c->resolved) c->resolved = config_providers_transform(h->providers, c->config, err, sizeof(err));
        if (!c->resolved) return;
        reconcile_tasks(h, c, target);
        return;
    }
    if (!c->started && !config_starts(h, c)) return;
    if (!c->started || c->target != target) {
        static const char *const names[] = {"RUNNING", "PAUSED", "STOPPED"};
        if (target == TARGET_STARTED && (!c->started || c->target != TARGET_STARTED))
            c->needs_task_configs = true;
        if (!c->started) {
            log_info(hlog(), "[%s] Starting connector (%s)", name, c->plugin->class_name);
            worker_metrics_connector_startup(h->w, true);
        }
        c->started = true;
        c->target = target;
        c->failed = false;
        put_connector_status(h, name, names[target], NULL);
    }
    if (c->failed) return;
    if (c->needs_task_configs && target == TARGET_STARTED) generate_task_configs(h, c);
    reconcile_tasks(h, c, target);
}

/* Runs the connector's committed tasks this worker owns, with the connector's target state, and
 * stops the others. */
static void reconcile_tasks(herder_t *h, conn_t *c, target_state_t target) {
    const char *name = c->name;
    size_t n;
    uint64_t gen;
    cd_props_t **tasks = config_store_task_configs(h->cs, name, &n, &gen);
    if (target == TARGET_STOPPED) {
        config_store_free_tasks(tasks, n);
        tasks = NULL;
        n = 0;
    }
    if (gen != c->task_generation) {
        stop_tasks(h, name, 0, false, false); /* a new task set: restart every task with it */
        c->task_generation = gen;
    }
    stop_tasks(h, name, (int)n, true, false);
    for (size_t i = 0; i < n; i++) {
        if (!owns_task(h, name, (int)i)) {
            /* Given to another worker: stopped before the group may hand it over (cluster.h). */
            if (worker_has_task(h->w, name, (int)i)) {
                log_info(hlog(), "[%s] Stopping task %zu: it is no longer assigned to this worker", name, i);
                worker_stop_task(h->w, name, (int)i, true);
            }
            continue;
        }
        /* A task whose previous instance is still stopping starts on a later pass, once that
         * one's thread has ended (the worker wakes the herder then): never two at once. */
        if (worker_has_task(h->w, name, (int)i))
            worker_set_task_target(h->w, name, (int)i, target);
        else
            start_task(h, c, (int)i, tasks[i], target);
    }
    config_store_free_tasks(tasks, n);
}

static void handle_restart_requests(herder_t *h) {
    char *name;
    bool include_tasks, only_failed;
    while (config_store_next_restart(h->cs, &name, &include_tasks, &only_failed)) {
        conn_t *c = find_conn(h, name);
        if (c) {
            /* Each worker restarts what of the connector runs here (Kafka Connect's
             * doRestartConnectorAndTasks on every member). */
            status_t st = {0};
            bool restart_conn = owns_connector(h, name) &&
                                (!only_failed ||
                                 (status_store_connector(h->ss, name, &st) && !strcmp(st.state, "FAILED")));
            status_clear(&st);
            if (restart_conn) {
                put_connector_status(h, name, "RESTARTING", NULL);
                c->started = false;
                c->failed = false;
                cd_props_destroy(c->resolved); /* resolved again: a secret may have changed */
                c->resolved = NULL;
            }
            if (include_tasks) {
                size_t n;
                task_status_t *ts = status_store_tasks(h->ss, name, &n);
                for (size_t i = 0; i < n; i++) {
                    if (only_failed && strcmp(ts[i].status.state, "FAILED") != 0) continue;
                    if (!owns_task(h, name, ts[i].id)) continue;
                    status_store_put_task(h->ss, name, ts[i].id, "RESTARTING", NULL, worker_id(h->w),
                                          worker_generation(h->w), NULL);
                    worker_stop_task(h->w, name, ts[i].id, false);
                }
                task_statuses_free(ts, n);
            }
            log_info(hlog(), "[%s] Restarting (includeTasks=%s, onlyFailed=%s)", name,
                     include_tasks ? "true" : "false", only_failed ? "true" : "false");
        }
        free(name);
    }
}

/* The leader's session key for signed internal requests (KIP-507, `sessioned` clusters), as
 * Kafka Connect's checkForKeyRotation: distributed when there is none, when it expired
 * (inter.worker.key.ttl.ms after its creation), or when its algorithm or size is not what this
 * worker's configuration asks for. A failed write is tried again at the next pass. */
static void check_session_key(herder_t *h) {
    const char *proto = worker_config_get(h->wc, "connect.protocol");
    if (!h->cl || !proto || strcasecmp(proto, "sessioned") != 0 || !cluster_is_leader(h->cl)) return;
    const char *alg = worker_config_get(h->wc, "inter.worker.key.generation.algorithm");
    int64_t bits = worker_config_is_set(h->wc, "inter.worker.key.size")
                       ? worker_config_get_int(h->wc, "inter.worker.key.size") : 0;
    int64_t ttl = worker_config_get_int(h->wc, "inter.worker.key.ttl.ms");
    char err[512];
    int want = session_key_size(alg, (int)bits, err, sizeof(err));
    session_key_t cur;
    bool have = config_store_session_key(h->cs, &cur);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    const char *why = NULL;
    if (!have)
        why = "Internal request signing is enabled but no session key has been distributed yet. "
              "Distributing new key now.";
    else if (ttl > 0 && cur.created_ms + ttl <= now_ms)
        why = "Existing key has expired. Distributing new key now.";
    else if (strcmp(cur.algorithm, alg) != 0 || (want > 0 && (size_t)want != cur.len))
        why = "Previously-distributed key uses different algorithm/key size than required by current "
              "worker configuration. Distributing new key now.";
    if (!why) return;
    log_info(hlog(), "%s", why);
    session_key_t key;
    if (session_key_generate(alg, (int)bits, &key, err, sizeof(err)) != 0 ||
        config_store_put_session_key(h->cs, &key, h->timeout_ms, err, sizeof(err)) != 0)
        log_error(hlog(), "Failed to write a new session key to the config topic: %s (will retry)", err);
}

static void reconcile(herder_t *h) {
    check_session_key(h);
    handle_restart_requests(h);
    char **names = config_store_connectors(h->cs);
    /* Connectors whose config is gone: stop them and remove their statuses. */
    for (conn_t *c = h->conns, *next; c; c = next) {
        next = c->next;
        bool present = false;
        for (char **n = names; *n && !present; n++) present = !strcmp(*n, c->name);
        if (present) continue;
        log_info(hlog(), "[%s] Connector deleted; stopping it", c->name);
        stop_tasks(h, c->name, 0, true, true);
        if (owns_connector(h, c->name)) {
            /* As Kafka Connect's: the connector's shutdown says UNASSIGNED (with no version: the
             * instance is gone when it is written), its removal follows. */
            status_store_put_connector(h->ss, c->name, "UNASSIGNED", NULL, worker_id(h->w),
                                       worker_generation(h->w), NULL);
            status_store_delete_connector(h->ss, c->name);
            status_store_reset_topics(h->ss, c->name);
        }
        forget_conn(h, c);
    }
    /* Status records of connectors nobody has a config for (e.g. deleted while we were down):
     * the leader removes them, as Kafka Connect's does after a rebalance. */
    char **with_status = is_leader(h) ? status_store_connectors(h->ss) : calloc(1, sizeof(char *));
    for (char **s = with_status; *s; s++) {
        bool present = false;
        for (char **n = names; *n && !present; n++) present = !strcmp(*n, *s);
        if (!present) {
            stop_tasks(h, *s, 0, true, true);
            status_store_delete_connector(h->ss, *s);
        }
    }
    config_store_free_names(with_status);
    for (char **n = names; *n; n++) reconcile_one(h, *n);
    config_store_free_names(names);
}

static void *herder_main(void *arg) {
    herder_t *h = arg;
    while (!atomic_load(&h->stop)) {
        pthread_mutex_lock(&h->wake_lock);
        if (!h->dirty && h->pings_asked == h->pings_done) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&h->wake, &h->wake_lock, &ts);
        }
        h->dirty = false;
        uint64_t asked = h->pings_asked;
        pthread_mutex_unlock(&h->wake_lock);
        if (atomic_load(&h->stop)) break;

        worker_tick(h->w);
        pthread_mutex_lock(&h->lock);
        reconcile(h);
        pthread_mutex_unlock(&h->lock);

        pthread_mutex_lock(&h->wake_lock);
        h->pings_done = asked;
        pthread_cond_broadcast(&h->pinged);
        pthread_mutex_unlock(&h->wake_lock);
    }
    return NULL;
}

int herder_start(herder_t *h) {
    if (pthread_create(&h->thread, NULL, herder_main, h) != 0) return -1;
    h->thread_started = true;
    return 0;
}

bool herder_ping(herder_t *h, int timeout_ms) {
    pthread_mutex_lock(&h->wake_lock);
    uint64_t mine = ++h->pings_asked;
    pthread_cond_broadcast(&h->wake);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    ts.tv_sec += ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    int rc = 0;
    while (h->pings_done < mine && rc == 0) rc = pthread_cond_timedwait(&h->pinged, &h->wake_lock, &ts);
    bool ok = h->pings_done >= mine;
    pthread_mutex_unlock(&h->wake_lock);
    return ok;
}

/* True when the status store shows the connector and, unless it is STOPPED, each of its committed
 * tasks (none while it has no task configs, e.g. created PAUSED). */
static bool status_visible(herder_t *h, const char *name) {
    status_t st;
    if (!status_store_connector(h->ss, name, &st)) return false;
    status_clear(&st);
    target_state_t target;
    if (!config_store_target_state(h->cs, name, &target) || target == TARGET_STOPPED) return true;
    int n = config_store_task_count(h->cs, name);
    for (int i = 0; i < n; i++) {
        if (!status_store_task(h->ss, name, i, &st)) return false;
        status_clear(&st);
    }
    return true;
}

bool herder_wait_status(herder_t *h, const char *name, int timeout_ms) {
    int64_t deadline = mono_ms() + timeout_ms;
    /* A pass that began after the ping was asked sees the config as the caller left it, and
     * starts the connector and its tasks; their statuses follow asynchronously. */
    if (!herder_ping(h, timeout_ms)) return false;
    /* The status store has no change notification; its cache is cheap to look at. */
    while (!status_visible(h, name)) {
        if (mono_ms() >= deadline) return false;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return true;
}

/* ------------------------------------------------------------------ config writes */

static bool config_lock(herder_t *h, int timeout_ms, char *errstr, size_t errstr_size) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    ts.tv_sec += ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    if (pthread_mutex_timedlock(&h->config_lock, &ts) == 0) return true;
    snprintf(errstr, errstr_size,
             "Request timed out: the config changes before this one (made one at a time) did not "
             "finish within %d ms; is Kafka reachable?", timeout_ms);
    return false;
}

/* Config writes are the leader's. A worker that has not been through its first rebalance yet
 * waits for it (as Kafka Connect's herder joins before it serves requests). */
static bool not_leader(herder_t *h, int timeout_ms) {
    if (!h->cl) return false;
    cluster_wait_assigned(h->cl, timeout_ms);
    return !cluster_is_leader(h->cl);
}

herder_result_t herder_put_connector_config(herder_t *h, const char *name, const cd_props_t *config,
                                            const target_state_t *initial_state, bool allow_replace,
                                            int timeout_ms, char *errstr, size_t errstr_size) {
    if (not_leader(h, timeout_ms)) return HERDER_NOT_LEADER;
    if (!config_lock(h, timeout_ms, errstr, errstr_size)) return HERDER_FAILED;
    herder_result_t r;
    bool existed = config_store_contains(h->cs, name);
    if (existed && !allow_replace)
        r = HERDER_EXISTS;
    else if (config_store_put_connector(h->cs, name, config, initial_state, timeout_ms, errstr,
                                        errstr_size) != 0)
        r = HERDER_FAILED;
    else
        r = existed ? HERDER_UPDATED : HERDER_CREATED;
    pthread_mutex_unlock(&h->config_lock);
    return r;
}

herder_result_t herder_patch_connector_config(herder_t *h, const char *name, herder_patch_fn patch,
                                              void *opaque, cd_props_t **written, int timeout_ms,
                                              char *errstr, size_t errstr_size) {
    *written = NULL;
    if (not_leader(h, timeout_ms)) return HERDER_NOT_LEADER;
    if (!config_lock(h, timeout_ms, errstr, errstr_size)) return HERDER_FAILED;
    herder_result_t r;
    cd_props_t *cfg = config_store_connector_config(h->cs, name);
    if (!cfg)
        r = HERDER_NOT_FOUND;
    else if (patch(cfg, opaque) != 0)
        r = HERDER_REFUSED;
    else if (config_store_put_connector(h->cs, name, cfg, NULL, timeout_ms, errstr, errstr_size) != 0)
        r = HERDER_FAILED;
    else
        r = HERDER_UPDATED;
    pthread_mutex_unlock(&h->config_lock);
    if (r == HERDER_UPDATED)
        *written = cfg;
    else
        cd_props_destroy(cfg);
    return r;
}

herder_result_t herder_delete_connector_config(herder_t *h, const char *name, int timeout_ms,
                                               char *errstr, size_t errstr_size) {
    if (not_leader(h, timeout_ms)) return HERDER_NOT_LEADER;
    if (!config_lock(h, timeout_ms, errstr, errstr_size)) return HERDER_FAILED;
    herder_result_t r;
    if (!config_store_contains(h->cs, name))
        r = HERDER_NOT_FOUND;
    else if (config_store_delete_connector(h->cs, name, timeout_ms, errstr, errstr_size) != 0)
        r = HERDER_FAILED;
    else
        r = HERDER_DELETED;
    pthread_mutex_unlock(&h->config_lock);
    return r;
}

herder_result_t herder_put_task_configs(herder_t *h, const char *name, cd_props_t *const *configs, size_t n,
                                        int timeout_ms, char *errstr, size_t errstr_size) {
    if (not_leader(h, timeout_ms)) return HERDER_NOT_LEADER;
    if (!config_lock(h, timeout_ms, errstr, errstr_size)) return HERDER_FAILED;
    herder_result_t r = HERDER_UPDATED;
    target_state_t target;
    if (!config_store_contains(h->cs, name)) {
        r = HERDER_NOT_FOUND;
    } else if (n > 0 && config_store_target_state(h->cs, name, &target) && target == TARGET_STOPPED) {
        snprintf(errstr, errstr_size, "Cannot submit non-empty set of task configs for stopped connector %s", name);
        r = HERDER_REFUSED;
    } else {
        /* The same set again (a follower that had not read the last write yet) is not written:
         * a new set restarts every task. */
        if (!task_configs_committed(h, name, configs, n)) {
            log_info(hlog(), "[%s] Writing %zu task configs a follower sent", name, n);
            if (config_store_put_task_configs(h->cs, name, configs, n, timeout_ms, errstr,
                                              errstr_size) != 0)
                r = HERDER_FAILED;
        }
    }
    pthread_mutex_unlock(&h->config_lock);
    return r;
}

/* ------------------------------------------------------------------ direct actions */

char *herder_task_progress(herder_t *h, const char *name, int task) { return worker_task_progress(h->w, name, task); }

int herder_restart_connector(herder_t *h, const char *name) {
    if (h->cl && config_store_contains(h->cs, name) && !owns_connector(h, name)) return -3;
    pthread_mutex_lock(&h->lock);
    conn_t *c = find_conn(h, name);
    int rc = -1;
    if (c || config_store_contains(h->cs, name)) {
        if (c) {
            c->started = false;
            c->failed = false;
            cd_props_destroy(c->resolved);
            c->resolved = NULL;
        }
        reconcile_one(h, name);
        rc = 0;
    }
    pthread_mutex_unlock(&h->lock);
    return rc;
}

int herder_restart_task(herder_t *h, const char *name, int task) {
    pthread_mutex_lock(&h->lock);
    int rc = 0;
    if (!config_store_contains(h->cs, name)) {
        rc = -1;
    } else if (task < 0 || task >= config_store_task_count(h->cs, name)) {
        rc = -2;
    } else if (!owns_task(h, name, task)) {
        rc = -3;
    } else {
        worker_stop_task(h->w, name, task, false);
    }
    pthread_mutex_unlock(&h->lock);
    if (rc != 0) return rc;
    /* Synchronous as in Kafka Connect, but only this request waits for the old instance to end,
     * not the herder: if it has not by the end of its grace, it is cancelled and the new instance
     * starts on the herder's pass after its thread ends. */
    worker_await_stopped(h->w, name, task, (int)worker_stop_grace_ms(h->w) + 1000);
    pthread_mutex_lock(&h->lock);
    reconcile_one(h, name);
    pthread_mutex_unlock(&h->lock);
    return 0;
}

bool herder_await_stopped_tasks(herder_t *h, const char *name) {
    /* A pass that began after this call has acted on the STOPPED target the caller saw in the
     * config store: it told the connector's tasks to stop. */
    if (!herder_ping(h, h->timeout_ms)) return false;
    /* Each has until the end of its grace, then it is cancelled (and fenced). */
    bool ok = worker_await_stopped(h->w, name, -1, (int)worker_stop_grace_ms(h->w) + 1000);
    worker_fence_stopping(h->w, name);
    return ok;
}

void herder_release(herder_t *h, bool lost) {
    if (atomic_load(&h->stop)) return;
    /* A pass that began after the partitions were taken away stops what ran on them (reported
     * UNASSIGNED); then wait for those tasks to end, each within its grace. */
    if (lost) log_warn(hlog(), "This worker lost its assignment (it missed the group's session timeout): "
                               "stopping its connectors and tasks now");
    herder_ping(h, h->timeout_ms);
    pthread_mutex_lock(&h->lock);
    size_t nc = 0;
    for (conn_t *c = h->conns; c; c = c->next) nc++;
    char **names = calloc(nc + 1, sizeof(char *));
    nc = 0;
    for (conn_t *c = h->conns; c; c = c->next) names[nc++] = strdup(c->name);
    pthread_mutex_unlock(&h->lock);
    int grace = (int)worker_stop_grace_ms(h->w) + 1000;
    for (size_t i = 0; i < nc; i++) {
        worker_await_stopped(h->w, names[i], -1, grace);
        free(names[i]);
    }
    free(names);
}

void herder_stop(herder_t *h) {
    if (!h || atomic_exchange(&h->stop, true)) return;
    herder_wakeup(h);
    if (h->thread_started) pthread_join(h->thread, NULL);
    pthread_mutex_lock(&h->lock);
    /* All tasks stop at once; each writes UNASSIGNED when it has. */
    for (conn_t *c = h->conns; c; c = c->next) {
        size_t n;
        int *ids = worker_tasks_of(h->w, c->name, &n);
        for (size_t i = 0; i < n; i++) worker_stop_task(h->w, c->name, ids[i], true);
        free(ids);
    }
    for (conn_t *c = h->conns; c; c = c->next) {
        worker_await_stopped(h->w, c->name, -1, (int)worker_stop_grace_ms(h->w) + 1000);
        if (c->plugin && c->started) put_connector_status(h, c->name, "UNASSIGNED", NULL);
    }
    pthread_mutex_unlock(&h->lock);
}

void herder_destroy(herder_t *h) {
    if (!h) return;
    herder_stop(h);
    while (h->conns) forget_conn(h, h->conns);
    pthread_mutex_destroy(&h->lock);
    pthread_mutex_destroy(&h->config_lock);
    pthread_mutex_destroy(&h->wake_lock);
    pthread_cond_destroy(&h->wake);
    pthread_cond_destroy(&h->pinged);
    free(h);
}

/* ------------------------------------------------------------------ metrics */

/* connector-metrics of the connectors this worker runs (not STOPPED ones: Kafka Connect shuts
 * those down), as the JMX exporter shows them under Strimzi's rules: one sample of value 1 per
 * string attribute, the value in a label. Then the worker's and its tasks'. */
void herder_metrics(herder_t *h, struct cd_metrics *out) {
    static const char *const states[] = {"running", "paused", "stopped"};
    size_t n = 0;
    pthread_mutex_lock(&h->lock);
    for (conn_t *c = h->conns; c; c = c->next) {
        if (!(c->started || c->failed) || !owns_connector(h, c->name)) continue;
        target_state_t target = TARGET_STARTED;
        config_store_target_state(h->cs, c->name, &target);
        if (target == TARGET_STOPPED && !c->failed) continue;
        n++;
        char *name = metrics_jmx_sanitize(c->name);
        const char *status = c->failed ? "failed" : states[c->started ? c->target : target];
        struct {
            const char *family, *key, *value;
        } attrs[] = {
            {"kafka_connect_connector_connector_class", "connector_class", c->plugin ? c->plugin->class_name : NULL},
            {"kafka_connect_connector_connector_type", "connector_type",
             c->plugin ? (c->plugin->type == CD_CONNECTOR_SOURCE ? "source" : "sink") : NULL},
            {"kafka_connect_connector_connector_version", "connector_version", c->plugin ? c->plugin->version : NULL},
            {"kafka_connect_connector_status", "status", status},
        };
        for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
            if (!attrs[i].value) continue;
            char help[128];
            snprintf(help, sizeof(help), "Kafka Connect %s JMX metric type connector", attrs[i].key);
            for (char *p = help; *p; p++)
                if (*p == '_') *p = '-';
            const char *labels[] = {"connector", name, attrs[i].key, attrs[i].value, NULL};
            metrics_out_add(out, attrs[i].family, CD_METRIC_GAUGE, help, labels, 1.0);
        }
        free(name);
    }
    pthread_mutex_unlock(&h->lock);
    size_t tasks = worker_metrics_render(h->w, out, n);
    if (h->cl) cluster_metrics(h->cl, out, n, tasks);
}
