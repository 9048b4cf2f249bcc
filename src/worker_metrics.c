/* worker_metrics.c - what the worker measures of itself and of its tasks for GET /metrics, named as
 * the Prometheus JMX exporter names Kafka Connect's MBeans under Strimzi's rules
 * (config/metrics/kafka-connect-metrics.yml): connect-worker-metrics, connector-task-metrics,
 * source-task-metrics, sink-task-metrics and task-error-metrics. The counting side is in the
 * task loops (worker_source.c, worker_sink.c, worker_errors.c); see task_metrics_t for who
 * writes what. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker_task.h"

/* ------------------------------------------------------------------ recording */

void task_metrics_init(task_t *t) {
    pthread_mutex_init(&t->m.lock, NULL);
    t->m.state = -1;
}

void task_metrics_destroy(task_t *t) { pthread_mutex_destroy(&t->m.lock); }

void task_metrics_instance(task_t *t, void *instance) {
    pthread_mutex_lock(&t->m.lock);
    t->m.instance = instance;
    pthread_mutex_unlock(&t->m.lock);
}

/* Kafka's StateTracker.changeState, under the lock. */
static void change_state(task_metrics_t *m, int st, int64_t now) {
    if (m->state == st) return;
    if (m->state < 0) {
        m->first_ms = now;
    } else if (m->state == TS_RUNNING) {
        m->running_ms += now - m->state_since_ms;
    } else if (m->state == TS_PAUSED) {
        m->paused_ms += now - m->state_since_ms;
    }
    m->state = st;
    m->state_since_ms = now;
}

void task_metrics_state(task_t *t, task_state_t st) {
    pthread_mutex_lock(&t->m.lock);
    change_state(&t->m, (int)st, now_ms());
    pthread_mutex_unlock(&t->m.lock);
}

static void tick_locked(task_t *t, int64_t now) {
    task_metrics_t *m = &t->m;
    const metrics_config_t *cfg = &t->w->mcfg;
    metrics_counter_rate_tick(&m->poll_rate, cfg, now, atomic_load_explicit(&m->polled, memory_order_relaxed));
    metrics_counter_rate_tick(&m->write_rate, cfg, now, atomic_load_explicit(&m->written, memory_order_relaxed));
    metrics_counter_rate_tick(&m->read_rate, cfg, now, atomic_load_explicit(&m->read, memory_order_relaxed));
    metrics_counter_rate_tick(&m->send_rate, cfg, now, atomic_load_explicit(&m->sent, memory_order_relaxed));
    m->next_tick_ms = now + 1000;
}

void task_metrics_tick(task_t *t, int64_t now) {
    if (now < t->m.next_tick_ms) return; /* read unlocked: only this thread and a scrape write it */
    pthread_mutex_lock(&t->m.lock);
    tick_locked(t, now);
    pthread_mutex_unlock(&t->m.lock);
}

/* The records in flight: handed over and neither acknowledged nor dropped. */
static double source_active(task_metrics_t *m) {
    uint64_t p = atomic_load_explicit(&m->polled, memory_order_relaxed);
    uint64_t done = atomic_load_explicit(&m->written, memory_order_relaxed) +
                    atomic_load_explicit(&m->skipped, memory_order_relaxed);
    return p > done ? (double)(p - done) : 0.0;
}

void task_metrics_poll_batch(task_t *t, uint64_t n, int64_t duration_ms) {
    const metrics_config_t *cfg = &t->w->mcfg;
    int64_t now = now_ms();
    pthread_mutex_lock(&t->m.lock);
    metrics_stat_record(&t->m.batch_size, cfg, now, (double)n);
    metrics_stat_record(&t->m.poll_time, cfg, now, (double)duration_ms);
    metrics_stat_record(&t->m.active, cfg, now, source_active(&t->m));
    pthread_mutex_unlock(&t->m.lock);
}

void task_metrics_put_batch(task_t *t, uint64_t n, int64_t duration_ms) {
    const metrics_config_t *cfg = &t->w->mcfg;
    int64_t now = now_ms();
    pthread_mutex_lock(&t->m.lock);
    metrics_stat_record(&t->m.batch_size, cfg, now, (double)n);
    metrics_stat_record(&t->m.put_time, cfg, now, (double)duration_ms);
    metrics_stat_record(&t->m.active, cfg, now, (double)atomic_load(&t->m.active_sink));
    pthread_mutex_unlock(&t->m.lock);
}

void task_metrics_commit(task_t *t, bool ok, int64_t duration_ms) {
    const metrics_config_t *cfg = &t->w->mcfg;
    int64_t now = now_ms();
    pthread_mutex_lock(&t->m.lock);
    /* WorkerTask.TaskMetricsGroup.recordCommit: the time of successful commits only */
    if (ok) metrics_stat_record(&t->m.commit_time, cfg, now, (double)duration_ms);
    if (t->plugin->type == CD_CONNECTOR_SINK) { /* sink-task-metrics: every commit has a number */
        t->m.commit_seq++;
        if (ok) {
            metrics_stat_record(&t->m.commit_completion, cfg, now, 1.0);
            t->m.commit_completions++;
        }
    }
    pthread_mutex_unlock(&t->m.lock);
}

void task_metrics_commit_skipped(task_t *t) {
    const metrics_config_t *cfg = &t->w->mcfg;
    int64_t now = now_ms();
    pthread_mutex_lock(&t->m.lock);
    metrics_stat_record(&t->m.commit_skip, cfg, now, 1.0);
    t->m.commit_skips++;
    pthread_mutex_unlock(&t->m.lock);
}

void worker_metrics_connector_startup(worker_t *w, bool ok) {
    pthread_mutex_lock(&w->m_lock);
    w->conn_starts[ok]++;
    metrics_stat_record(&w->conn_results, &w->mcfg, now_ms(), ok ? 1.0 : 0.0);
    pthread_mutex_unlock(&w->m_lock);
}

void task_metrics_startup(task_t *t, bool ok) {
    worker_t *w = t->w;
    t->m.startup_done = true;
    pthread_mutex_lock(&w->m_lock);
    w->task_starts[ok]++;
    metrics_stat_record(&w->task_results, &w->mcfg, now_ms(), ok ? 1.0 : 0.0);
    pthread_mutex_unlock(&w->m_lock);
}

/* ------------------------------------------------------------------ rendering */

/* Kafka's task states as connector-task-metrics' status shows them (lower case). */
static const char *status_name(int st) {
    switch (st) {
    case TS_RUNNING: return "running";
    case TS_PAUSED: return "paused";
    case TS_FAILED: return "failed";
    default: return "unassigned";
    }
}

typedef struct {
    metrics_out_t *o;
    const char *labels[8]; /* connector, <name>, task, <id>, then room for more */
} scope_t;

#define CT "Kafka Connect JMX metric type connector-task"
#define SRC "Kafka Connect JMX metric type source-task"
#define SNK "Kafka Connect JMX metric type sink-task"
#define ERR "Kafka Connect JMX metric type task-error"

static void add(scope_t *s, const char *name, cd_metric_type_t type, const char *help, double v) {
    metrics_out_add(s->o, name, type, help, s->labels, v);
}

/* The three source/sink *-active-count* attributes become one name under the exporter's rules
 * (the rule's (.+-count) takes -count-max and -count-avg too), which the exporter then tells
 * apart by an _objectname label naming the MBean attribute. */
static void add_active(scope_t *s, const char *group, const char *prefix, const char *conn, const char *task,
                       double now, double max, double avg) {
    static const char *const suffix[] = {"", "-avg", "-max"};
    double v[] = {now, avg, max};
    char name[160], objname[1024];
    snprintf(name, sizeof(name), "kafka_connect_%s_%s_record_active_count", group, prefix);
    for (int i = 0; i < 3; i++) {
        snprintf(objname, sizeof(objname), "kafka.connect<type=%s-metrics, connector=%s, task=%s><>%s-record-active-count%s",
                 group[1] == 'o' ? "source-task" : "sink-task", conn, task, prefix, suffix[i]);
        const char *labels[] = {"_objectname", objname, "connector", conn, "task", task, NULL};
        metrics_out_add(s->o, name, CD_METRIC_GAUGE, group[1] == 'o' ? SRC : SNK, labels, v[i]);
    }
}

static void render_task(task_t *t, metrics_out_t *o, const metrics_config_t *cfg, int64_t now) {
    task_metrics_t *m = &t->m;
    char *conn = metrics_jmx_sanitize(t->connector);
    char id[16];
    snprintf(id, sizeof(id), "%d", t->id);
    scope_t s = {.o = o, .labels = {"connector", conn, "task", id, NULL}};
    pthread_mutex_lock(&m->lock);
    tick_locked(t, now);
    int st = atomic_load(&t->state);

    /* connector-task-metrics */
    const char *sl[] = {"connector", conn, "status", status_name(st), "task", id, NULL};
    metrics_out_add(o, "kafka_connect_connector_task_status", CD_METRIC_GAUGE, "Kafka Connect JMX Connector task status",
                    sl, 1.0);
    add(&s, "kafka_connect_connector_task_batch_size_avg", CD_METRIC_GAUGE, CT, metrics_stat_avg(&m->batch_size, cfg, now));
    add(&s, "kafka_connect_connector_task_batch_size_max", CD_METRIC_GAUGE, CT, metrics_stat_max(&m->batch_size, cfg, now));
    add(&s, "kafka_connect_connector_task_offset_commit_avg_time_ms", CD_METRIC_GAUGE, CT,
        metrics_stat_avg(&m->commit_time, cfg, now));
    add(&s, "kafka_connect_connector_task_offset_commit_max_time_ms", CD_METRIC_GAUGE, CT,
        metrics_stat_max(&m->commit_time, cfg, now));
    /* StateTracker.durationRatio: the share of the time since the first state spent in one */
    double total = 0, running = 0, paused = 0;
    if (m->state >= 0) {
        double cur = (double)(now - m->state_since_ms);
        running = (double)m->running_ms + (m->state == TS_RUNNING ? cur : 0);
        paused = (double)m->paused_ms + (m->state == TS_PAUSED ? cur : 0);
        total = (double)(now - m->first_ms);
    }
    add(&s, "kafka_connect_connector_task_pause_ratio", CD_METRIC_GAUGE, CT, total > 0 ? paused / total : 0.0);
    add(&s, "kafka_connect_connector_task_running_ratio", CD_METRIC_GAUGE, CT, total > 0 ? running / total : 0.0);

    if (t->plugin->type == CD_CONNECTOR_SOURCE) {
        add(&s, "kafka_connect_source_task_source_record_poll_total", CD_METRIC_COUNTER, SRC,
            (double)atomic_load_explicit(&m->polled, memory_order_relaxed));
        add(&s, "kafka_connect_source_task_source_record_poll_rate", CD_METRIC_GAUGE, SRC,
            metrics_rate(&m->poll_rate.stat, cfg, now));
        add(&s, "kafka_connect_source_task_source_record_write_total", CD_METRIC_COUNTER, SRC,
            (double)atomic_load_explicit(&m->written, memory_order_relaxed));
        add(&s, "kafka_connect_source_task_source_record_write_rate", CD_METRIC_GAUGE, SRC,
            metrics_rate(&m->write_rate.stat, cfg, now));
        add(&s, "kafka_connect_source_task_poll_batch_avg_time_ms", CD_METRIC_GAUGE, SRC,
            metrics_stat_avg(&m->poll_time, cfg, now));
        add(&s, "kafka_connect_source_task_poll_batch_max_time_ms", CD_METRIC_GAUGE, SRC,
            metrics_stat_max(&m->poll_time, cfg, now));
        add_active(&s, "source_task", "source", conn, id, source_active(m), metrics_stat_max(&m->active, cfg, now),
                   metrics_stat_avg(&m->active, cfg, now));
    } else {
        add(&s, "kafka_connect_sink_task_sink_record_read_total", CD_METRIC_COUNTER, SNK,
            (double)atomic_load_explicit(&m->read, memory_order_relaxed));
        add(&s, "kafka_connect_sink_task_sink_record_read_rate", CD_METRIC_GAUGE, SNK,
            metrics_rate(&m->read_rate.stat, cfg, now));
        add(&s, "kafka_connect_sink_task_sink_record_send_total", CD_METRIC_COUNTER, SNK,
            (double)atomic_load_explicit(&m->sent, memory_order_relaxed));
        add(&s, "kafka_connect_sink_task_sink_record_send_rate", CD_METRIC_GAUGE, SNK,
            metrics_rate(&m->send_rate.stat, cfg, now));
        add(&s, "kafka_connect_sink_task_put_batch_avg_time_ms", CD_METRIC_GAUGE, SNK,
            metrics_stat_avg(&m->put_time, cfg, now));
        add(&s, "kafka_connect_sink_task_put_batch_max_time_ms", CD_METRIC_GAUGE, SNK,
            metrics_stat_max(&m->put_time, cfg, now));
        add(&s, "kafka_connect_sink_task_offset_commit_completion_total", CD_METRIC_COUNTER, SNK,
            (double)m->commit_completions);
        add(&s, "kafka_connect_sink_task_offset_commit_completion_rate", CD_METRIC_GAUGE, SNK,
            metrics_rate(&m->commit_completion, cfg, now));
        add(&s, "kafka_connect_sink_task_offset_commit_skip_total", CD_METRIC_COUNTER, SNK, (double)m->commit_skips);
        add(&s, "kafka_connect_sink_task_offset_commit_skip_rate", CD_METRIC_GAUGE, SNK,
            metrics_rate(&m->commit_skip, cfg, now));
        add(&s, "kafka_connect_sink_task_offset_commit_seq_no", CD_METRIC_GAUGE, SNK, (double)m->commit_seq);
        add(&s, "kafka_connect_sink_task_partition_count", CD_METRIC_GAUGE, SNK, (double)atomic_load(&m->partitions));
        int64_t active = atomic_load(&m->active_sink);
        add_active(&s, "sink_task", "sink", conn, id, active > 0 ? (double)active : 0.0,
                   metrics_stat_max(&m->active, cfg, now), metrics_stat_avg(&m->active, cfg, now));
    }

    /* task-error-metrics: every name is a gauge under the rules (none ends in -total) */
    add(&s, "kafka_connect_task_error_deadletterqueue_produce_failures", CD_METRIC_GAUGE, ERR,
        (double)atomic_load(&m->dlq_failures));
    add(&s, "kafka_connect_task_error_deadletterqueue_produce_requests", CD_METRIC_GAUGE, ERR,
        (double)atomic_load(&m->dlq_requests));
    add(&s, "kafka_connect_task_error_last_error_timestamp", CD_METRIC_GAUGE, ERR, (double)atomic_load(&m->last_error_ms));
    add(&s, "kafka_connect_task_error_total_errors_logged", CD_METRIC_GAUGE, ERR, (double)atomic_load(&m->errors_logged));
    add(&s, "kafka_connect_task_error_total_record_errors", CD_METRIC_GAUGE, ERR, (double)atomic_load(&m->rec_errors));
    add(&s, "kafka_connect_task_error_total_record_failures", CD_METRIC_GAUGE, ERR, (double)atomic_load(&m->rec_failures));
    add(&s, "kafka_connect_task_error_total_records_skipped", CD_METRIC_GAUGE, ERR, (double)atomic_load(&m->rec_skipped));
    /* connectd retries nothing per record (errors.retry.timeout applies to nothing it runs) */
    add(&s, "kafka_connect_task_error_total_retries", CD_METRIC_GAUGE, ERR, 0.0);

    /* the plugin's own (Debezium's MBeans), while its instance runs */
    if (m->instance && t->plugin->metrics) t->plugin->metrics(m->instance, o);
    pthread_mutex_unlock(&m->lock);
    free(conn);
}

#define WK "Kafka Connect JMX metric worker"

typedef struct {
    char *name;
    size_t counts[5]; /* total, running, paused, failed, unassigned */
} per_conn_t;

size_t worker_metrics_render(worker_t *w, metrics_out_t *o, size_t connector_count) {
    int64_t now = now_ms();
    pthread_mutex_lock(&w->lock);
    size_t n_tasks = 0, n_conns = 0;
    per_conn_t *conns = NULL;
    for (task_t *t = w->tasks; t; t = t->next) {
        n_tasks++;
        size_t i = 0;
        while (i < n_conns && strcmp(conns[i].name, t->connector)) i++;
        if (i == n_conns) {
            conns = realloc(conns, (n_conns + 1) * sizeof(*conns));
            conns[n_conns++] = (per_conn_t){.name = metrics_jmx_sanitize(t->connector)};
        }
        int st = atomic_load(&t->state);
        conns[i].counts[0]++;
        conns[i].counts[st == TS_RUNNING ? 1 : st == TS_PAUSED ? 2 : st == TS_FAILED ? 3 : 4]++;
    }
    for (task_t *t = w->tasks; t; t = t->next) render_task(t, o, &w->mcfg, now);
    pthread_mutex_unlock(&w->lock);

    /* connect-worker-metrics */
    const char *none[] = {NULL};
    metrics_out_add(o, "kafka_connect_worker_connector_count", CD_METRIC_GAUGE, WK, none, (double)connector_count);
    metrics_out_add(o, "kafka_connect_worker_task_count", CD_METRIC_GAUGE, WK, none, (double)n_tasks);
    pthread_mutex_lock(&w->m_lock);
    uint64_t cs[2] = {w->conn_starts[0], w->conn_starts[1]}, ts[2] = {w->task_starts[0], w->task_starts[1]};
    double c_ok = metrics_stat_share(&w->conn_results, &w->mcfg, now, true);
    double c_fail = metrics_stat_share(&w->conn_results, &w->mcfg, now, false);
    double t_ok = metrics_stat_share(&w->task_results, &w->mcfg, now, true);
    double t_fail = metrics_stat_share(&w->task_results, &w->mcfg, now, false);
    pthread_mutex_unlock(&w->m_lock);
    metrics_out_add(o, "kafka_connect_worker_connector_startup_attempts_total", CD_METRIC_COUNTER, WK, none,
                    (double)(cs[0] + cs[1]));
    metrics_out_add(o, "kafka_connect_worker_connector_startup_success_total", CD_METRIC_COUNTER, WK, none, (double)cs[1]);
    metrics_out_add(o, "kafka_connect_worker_connector_startup_failure_total", CD_METRIC_COUNTER, WK, none, (double)cs[0]);
    metrics_out_add(o, "kafka_connect_worker_connector_startup_success_percentage", CD_METRIC_GAUGE, WK, none, c_ok);
    metrics_out_add(o, "kafka_connect_worker_connector_startup_failure_percentage", CD_METRIC_GAUGE, WK, none, c_fail);
    metrics_out_add(o, "kafka_connect_worker_task_startup_attempts_total", CD_METRIC_COUNTER, WK, none,
                    (double)(ts[0] + ts[1]));
    metrics_out_add(o, "kafka_connect_worker_task_startup_success_total", CD_METRIC_COUNTER, WK, none, (double)ts[1]);
    metrics_out_add(o, "kafka_connect_worker_task_startup_failure_total", CD_METRIC_COUNTER, WK, none, (double)ts[0]);
    metrics_out_add(o, "kafka_connect_worker_task_startup_success_percentage", CD_METRIC_GAUGE, WK, none, t_ok);
    metrics_out_add(o, "kafka_connect_worker_task_startup_failure_percentage", CD_METRIC_GAUGE, WK, none, t_fail);

    /* connect-worker-metrics per connector with tasks here (Worker.ConnectorStatusMetricsGroup);
     * connectd's tasks are never DESTROYED nor RESTARTING while they run here */
    static const struct {
        const char *name;
        int idx;
    } per[] = {
        {"kafka_connect_worker_connector_total_task_count", 0},      {"kafka_connect_worker_connector_running_task_count", 1},
        {"kafka_connect_worker_connector_paused_task_count", 2},     {"kafka_connect_worker_connector_failed_task_count", 3},
        {"kafka_connect_worker_connector_unassigned_task_count", 4}, {"kafka_connect_worker_connector_destroyed_task_count", -1},
        {"kafka_connect_worker_connector_restarting_task_count", -1},
    };
    for (size_t k = 0; k < sizeof(per) / sizeof(per[0]); k++)
        for (size_t i = 0; i < n_conns; i++) {
            const char *labels[] = {"connector", conns[i].name, NULL};
            char help[600];
            snprintf(help, sizeof(help), "Kafka Connect JMX metric %s", conns[i].name);
            metrics_out_add(o, per[k].name, CD_METRIC_GAUGE, help, labels,
                            per[k].idx < 0 ? 0.0 : (double)conns[i].counts[per[k].idx]);
        }
    for (size_t i = 0; i < n_conns; i++) free(conns[i].name);
    free(conns);
    return n_tasks;
}
