/* pg_metrics.c - Debezium's PostgreSQL connector metrics (the MBeans
 * debezium.postgres:type=connector-metrics,context=snapshot|streaming,server=<topic.prefix>) as the
 * Prometheus JMX exporter shows them under Debezium's rules (config/metrics/kafka-connect-metrics.yml:
 * debezium_metrics_<Attribute> lower-cased, labels plugin, name, context; RowsScanned per table),
 * and the replication slot's lag. The task's thread counts into pg_metrics_t with relaxed atomics;
 * pg_metrics_render (the plugin's metrics hook) only reads them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connectors/postgres/pg_task.h"

static int64_t wall_ms_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define RLX memory_order_relaxed

void pg_metrics_event(pg_task_t *t, char op, int64_t commit_ts_us, uint64_t lsn) {
    pg_metrics_t *m = &t->metrics;
    int ctx = op == 'r' && t->snap ? PG_CTX_SNAPSHOT : PG_CTX_STREAMING;
    atomic_fetch_add_explicit(&m->events[ctx], 1, RLX);
    if (op == 'c') atomic_fetch_add_explicit(&m->creates[ctx], 1, RLX);
    else if (op == 'u') atomic_fetch_add_explicit(&m->updates[ctx], 1, RLX);
    else if (op == 'd') atomic_fetch_add_explicit(&m->deletes[ctx], 1, RLX);
    int64_t now = wall_ms_now();
    atomic_store_explicit(&m->last_event_ms[ctx], now, RLX);
    /* Debezium's MilliSecondsBehindSource: at each streamed event, its age (from its commit) */
    if (ctx == PG_CTX_STREAMING && commit_ts_us > 0) atomic_store_explicit(&m->behind_ms, now - commit_ts_us / 1000, RLX);
    /* NumberOfCommittedTransactions, as Debezium's StreamingMeter counts it: events whose
     * transaction id differs from the previous event's, and the PostgreSQL connector's
     * transaction id of an event is its LSN (PostgresEventMetadataProvider) */
    if (ctx == PG_CTX_STREAMING && lsn != m->last_event_lsn) {
        m->last_event_lsn = lsn;
        atomic_fetch_add_explicit(&m->committed_txns, 1, RLX);
    }
}

void pg_metrics_snapshot_begin(pg_task_t *t, char *const *tables, size_t n) {
    pg_metrics_t *m = &t->metrics;
    /* A new table list: the previous one stays allocated until the task ends, since a scrape may
     * be reading it (it is published once, never changed but for its counters). */
    pg_table_rows_t *list = calloc(1, sizeof(*list) + n * sizeof(list->rows[0]));
    list->n = n;
    for (size_t i = 0; i < n; i++) list->rows[i].name = strdup(tables[i]);
    list->prev = atomic_load(&m->tables);
    m->row_cache = 0;
    atomic_store(&m->tables, list);
    atomic_store(&m->snap_total, (int64_t)n);
    atomic_store(&m->snap_remaining, (int64_t)n);
    atomic_store(&m->snap_started_ms, wall_ms_now());
    atomic_store(&m->snap_ended_ms, 0);
    atomic_store(&m->snap_state, PG_SNAP_RUNNING);
}

void pg_metrics_snapshot_row(pg_task_t *t, const char *table) {
    pg_table_rows_t *list = atomic_load_explicit(&t->metrics.tables, RLX); /* this thread wrote it */
    if (!list) return;
    size_t i = t->metrics.row_cache; /* rows come table by table: the last one found, mostly */
    if (i >= list->n || strcmp(list->rows[i].name, table) != 0)
        for (i = 0; i < list->n && strcmp(list->rows[i].name, table) != 0; i++) {
        }
    if (i == list->n) return;
    t->metrics.row_cache = i;
    atomic_fetch_add_explicit(&list->rows[i].count, 1, RLX);
}

void pg_metrics_snapshot_table_done(pg_task_t *t) { atomic_fetch_sub(&t->metrics.snap_remaining, 1); }

void pg_metrics_snapshot_end(pg_task_t *t, bool completed) {
    pg_metrics_t *m = &t->metrics;
    if (atomic_load(&m->snap_state) != PG_SNAP_RUNNING) return;
    atomic_store(&m->snap_ended_ms, wall_ms_now());
    atomic_store(&m->snap_state, completed ? PG_SNAP_COMPLETED : PG_SNAP_ABORTED);
}

void pg_metrics_stream(pg_task_t *t) {
    if (!t->stream) return;
    atomic_store_explicit(&t->metrics.wal_end, pg_stream_wal_end(t->stream), RLX);
    atomic_store_explicit(&t->metrics.confirmed, pg_stream_confirmed(t->stream), RLX);
}

void pg_metrics_free(pg_task_t *t) {
    pg_table_rows_t *list = atomic_load(&t->metrics.tables);
    while (list) {
        pg_table_rows_t *prev = list->prev;
        for (size_t i = 0; i < list->n; i++) free(list->rows[i].name);
        free(list);
        list = prev;
    }
    atomic_store(&t->metrics.tables, NULL);
}

#define HELP "debezium.postgres:type=connector-metrics"

static void add(cd_metrics_t *out, const char *name, const char *server, const char *ctx, double v) {
    char family[128];
    snprintf(family, sizeof(family), "debezium_metrics_%s", name);
    const char *labels[] = {"context", ctx, "name", server, "plugin", "postgres", NULL};
    cd_metrics_add(out, family, CD_METRIC_UNTYPED, HELP, labels, v);
}

void pg_metrics_render(void *task, cd_metrics_t *out) {
    pg_task_t *t = task;
    pg_metrics_t *m = &t->metrics;
    char *server = cd_metrics_jmx_sanitize(t->cfg.topic_prefix);
    int64_t now = wall_ms_now();
    cd_task_buffer_t buf;
    cd_task_buffer(t->ctx, &buf);
    static const char *const ctxs[] = {"snapshot", "streaming"};
    for (int c = 0; c < 2; c++) {
        const char *ctx = ctxs[c];
        int64_t last = atomic_load_explicit(&m->last_event_ms[c], RLX);
        /* Common (CommonEventMeter) and queue attributes of both contexts. The queue is the
         * runtime's bound on records in flight toward Kafka: connectd has no ChangeEventQueue. */
        add(out, "currentqueuesizeinbytes", server, ctx, (double)buf.bytes_in_flight);
        add(out, "maxqueuesizeinbytes", server, ctx, (double)buf.bytes_capacity);
        add(out, "queuetotalcapacity", server, ctx, (double)buf.records_capacity);
        add(out, "queueremainingcapacity", server, ctx, (double)(buf.records_capacity - buf.records_in_flight));
        add(out, "millisecondssincelastevent", server, ctx, last ? (double)(now - last) : -1.0);
        add(out, "numberoferroneousevents", server, ctx, 0.0);
        add(out, "numberofeventsfiltered", server, ctx, (double)atomic_load_explicit(&m->filtered[c], RLX));
        add(out, "totalnumberofeventsseen", server, ctx, (double)atomic_load_explicit(&m->events[c], RLX));
        add(out, "totalnumberofcreateeventsseen", server, ctx, (double)atomic_load_explicit(&m->creates[c], RLX));
        add(out, "totalnumberofupdateeventsseen", server, ctx, (double)atomic_load_explicit(&m->updates[c], RLX));
        add(out, "totalnumberofdeleteeventsseen", server, ctx, (double)atomic_load_explicit(&m->deletes[c], RLX));
    }
    /* streaming */
    add(out, "connected", server, "streaming", atomic_load(&m->connected) ? 1.0 : 0.0);
    add(out, "millisecondsbehindsource", server, "streaming", (double)atomic_load_explicit(&m->behind_ms, RLX));
    add(out, "numberofcommittedtransactions", server, "streaming",
        (double)atomic_load_explicit(&m->committed_txns, RLX));
    /* snapshot */
    int st = atomic_load(&m->snap_state);
    int64_t started = atomic_load(&m->snap_started_ms), ended = atomic_load(&m->snap_ended_ms);
    add(out, "snapshotrunning", server, "snapshot", st == PG_SNAP_RUNNING);
    add(out, "snapshotcompleted", server, "snapshot", st == PG_SNAP_COMPLETED);
    add(out, "snapshotaborted", server, "snapshot", st == PG_SNAP_ABORTED);
    add(out, "snapshotskipped", server, "snapshot", st == PG_SNAP_SKIPPED);
    add(out, "snapshotpaused", server, "snapshot", 0.0); /* an initial snapshot cannot be paused */
    add(out, "snapshotpauseddurationinseconds", server, "snapshot", 0.0);
    add(out, "snapshotdurationinseconds", server, "snapshot",
        started ? (double)(((ended ? ended : now) - started) / 1000) : 0.0);
    add(out, "totaltablecount", server, "snapshot", (double)atomic_load(&m->snap_total));
    add(out, "remainingtablecount", server, "snapshot", (double)atomic_load(&m->snap_remaining));
    pg_table_rows_t *list = atomic_load(&m->tables);
    for (size_t i = 0; list && i < list->n; i++) {
        char *table = cd_metrics_jmx_sanitize(list->rows[i].name);
        const char *labels[] = {"context", "snapshot", "name", server, "plugin", "postgres", "table", table, NULL};
        cd_metrics_add(out, "debezium_metrics_rowsscanned", CD_METRIC_UNTYPED,
                       "java.util.Map<java.lang.String, java.lang.Long> " HELP, labels,
                       (double)atomic_load_explicit(&list->rows[i].count, RLX));
        free(table);
    }
    /* The slot's lag: the WAL end the walsender last reported (its pg_current_wal_lsn() then) less
     * what the task confirmed as flushed (the slot's confirmed_flush_lsn). postgres_exporter's two
     * gauges under their names, and their difference under connectd's. */
    uint64_t end = atomic_load_explicit(&m->wal_end, RLX), confirmed = atomic_load_explicit(&m->confirmed, RLX);
    if (end) {
        char *slot = strdup(t->cfg.slot_name);
        const char *sl[] = {"slot_name", slot, "slot_type", "logical", NULL};
        cd_metrics_add(out, "pg_replication_slot_slot_current_wal_lsn", CD_METRIC_GAUGE,
                       "current wal lsn value (as the walsender last reported it to connectd)", sl, (double)end);
        cd_metrics_add(out, "pg_replication_slot_slot_confirmed_flush_lsn", CD_METRIC_GAUGE,
                       "last lsn confirmed flushed to the replication slot", sl, (double)confirmed);
        char *conn = cd_metrics_jmx_sanitize(cd_task_connector_name(t->ctx));
        char id[16];
        snprintf(id, sizeof(id), "%d", cd_task_id(t->ctx));
        const char *ll[] = {"connector", conn, "slot_name", slot, "task", id, NULL};
        cd_metrics_add(out, "connectd_replication_slot_lag_bytes", CD_METRIC_GAUGE,
                       "WAL bytes the replication slot holds back: the server's WAL end less confirmed_flush_lsn",
                       ll, end > confirmed ? (double)(end - confirmed) : 0.0);
        free(conn);
        free(slot);
    }
    free(server);
}
