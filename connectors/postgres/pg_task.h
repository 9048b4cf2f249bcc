/* pg_task.h - the state of one PostgreSQL source task, shared by the files that make it up:
 * postgres_connector.c (plugin functions, task lifecycle), pg_connection.c (connections,
 * publication, slot, start of streaming), pg_records.c (relations and the records built from
 * decoded messages), pg_offset.c (the position every record carries; read it first),
 * pg_signal.c (signals), pg_incremental.c (incremental snapshots), pg_snapshot.c (the initial
 * snapshot) and pg_control.c (control from SQL: pause, resume, opted-out transactions). */
#ifndef CONNECTD_PG_TASK_H
#define CONNECTD_PG_TASK_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "connect/converter.h"
#include "connectd/plugin.h"
#include "connectors/postgres/pg_catalog.h"
#include "connectors/postgres/pg_config.h"
#include "connectors/postgres/pg_control.h"
#include "connectors/postgres/pg_exec.h"
#include "connectors/postgres/pg_offset.h"
#include "connectors/postgres/pg_snapshot.h"
#include "connectors/postgres/pg_stream.h"
#include "connectors/postgres/pg_types.h"
#include "connectors/postgres/pgoutput.h"
#include "log.h"

/* The Debezium release connectd reproduces (the differential tests run it): the plugin's version
 * in /connector-plugins and source.version in events. */
#define DEBEZIUM_VERSION "3.4.3.Final"

typedef struct {
    uint32_t relid;
    bool captured;
    pg_catalog_table_t cat;
    cd_arena_t *arena;       /* the schemas below and the columns' converters */
    pg_column_t **cols;      /* per catalog column; NULL when the type is omitted */
    size_t *value_cols;      /* catalog index of each value field */
    size_t n_value;
    size_t *key_cols;        /* catalog index of each key field */
    size_t n_key;
    int *wire_to_cat;        /* pgoutput column i -> catalog index, -1 unknown */
    uint16_t n_wire;
    cd_schema_t *key_schema; /* NULL: no key */
    cd_schema_t *row_schema;
    cd_schema_t *envelope;
    char *topic;
    char *data_collection;   /* "<schema>.<table>" */
} rel_t;

/* Debezium's metrics of the task (pg_metrics.c). Invariant: only the task's thread writes them,
 * with relaxed atomics; the scrape (pg_metrics_render) only reads. */
enum { PG_CTX_SNAPSHOT, PG_CTX_STREAMING };
enum { PG_SNAP_NONE, PG_SNAP_RUNNING, PG_SNAP_COMPLETED, PG_SNAP_ABORTED, PG_SNAP_SKIPPED };
typedef struct pg_table_rows {
    struct pg_table_rows *prev; /* an earlier snapshot's list, freed with the task */
    size_t n;
    struct {
        char *name;
        _Atomic uint64_t count;
    } rows[];
} pg_table_rows_t;
typedef struct {
    _Atomic uint64_t events[2], creates[2], updates[2], deletes[2], filtered[2]; /* [PG_CTX_*] */
    _Atomic int64_t last_event_ms[2];                                            /* wall clock */
    _Atomic uint64_t committed_txns;
    uint64_t last_event_lsn;         /* the task's own */
    _Atomic int64_t behind_ms;
    _Atomic bool connected;
    _Atomic int snap_state;
    _Atomic int64_t snap_started_ms, snap_ended_ms, snap_total, snap_remaining;
    pg_table_rows_t *_Atomic tables; /* RowsScanned of the last snapshot; published whole */
    size_t row_cache;                /* the task's own: index of the table of the last row */
    _Atomic uint64_t wal_end, confirmed; /* the walsender's last WAL end; the task's flush position */
} pg_metrics_t;

struct pg_signals;     /* pg_signal.c: the Kafka and file channels */
struct pg_incremental; /* pg_incremental.c: the incremental snapshot's state and window */

typedef struct pg_task {
    cd_task_context_t *ctx;
    pg_config_t cfg;
    pg_type_options_t topt;
    pg_bound_t bound;         /* database.query.timeout.ms and the task's stop flag */
    char *partition;          /* {"server":"<topic.prefix>"} */
    PGconn *conn;
    pg_stream_t *stream;
    pgo_decoder_t *dec;
    rel_t **rels;
    size_t n_rels;
    cd_arena_t *scratch;      /* one record's values */
    cd_schema_t *msg_value_schema;
    cd_arena_t *fixed;        /* schemas built once per task */
    cd_converter_t *plain_json; /* schemaless JsonConverter: key headers and key comparison */
    char *heartbeat_topic, *message_topic, *transaction_topic;
    /* __debezium.context.runId: Debezium's CdcSourceTaskContext makes a new UUIDv7 at each task
     * start, including its restarts after a retriable error (here: a lost connection) */
    char run_id[37];

    /* the transaction in progress */
    bool in_txn;
    uint32_t xid;
    int64_t commit_ts_us;
    /* provide.transaction.metadata: events per table of the open transaction, in first-seen
     * order, and the total */
    char **tx_tables;
    int64_t *tx_counts;
    size_t n_tx_tables;
    int64_t tx_total;
    /* the table size of Debezium's per-table counter map (a java.util.HashMap that a new offset
     * context starts with and that keeps its size when cleared between transactions), which
     * decides the order of the counters in offsets; 0 = a new map's */
    size_t tx_map_capacity;

    /* the snapshot (pg_snapshot.h): decided at task start, running while snap is set */
    bool snapshot_pending;
    pg_snapshot_t *snap;
    bool streams;             /* streaming follows the snapshot (not initial_only) */
    bool stream_done;         /* initial_only: the snapshot is done, nothing more to do */

    pg_pos_t pos;             /* after the last record sent, or what was processed since */
    uint64_t cur_lsn;         /* the LSN of the message being processed */
    pg_resume_t resume;       /* what the stream being read again was already sent */

    pg_pos_t last_sent;       /* the offset of the last record handed to the runtime */
    char *off_cache;          /* the text of the last offset formatted, for off_cache_pos */
    pg_pos_t off_cache_pos;
    cd_buf_t off_buf, off_scratch; /* offset_text's text and the values of its members */
    /* ... was an incremental snapshot row: its offset shares the stream position of the record
     * before it, so the position alone does not tell that it is stored */
    bool last_sent_snapshot;
    struct pg_signals *signals;
    struct pg_incremental *inc;
    struct pg_snapshot_request *blocking; /* a blocking snapshot asked for, until it is done */
    pg_pos_t blocking_from;               /* the streaming position it interrupted */
    bool all_committed;       /* ... and it is stored in Kafka */
    uint64_t confirmed;       /* the flush position reported to the server */
    bool received_any;
    int64_t next_status_ms, next_heartbeat_ms, reconnect_at_ms;
    int reconnect_attempts;
    /* The slot and who else holds it (see "A slot still held by the previous instance" in
     * postgres_connector.c). slot_busy_pid: after a failed pg_connect_and_start, the walsender
     * PID that START_REPLICATION found holding the slot (SQLSTATE 55006), 0 when it could not be
     * told, -1 when the failure was another. */
    bool slot_acquired;       /* START_REPLICATION succeeded once in this run of the task */
    int slot_busy_pid;
    int64_t slot_wait_since_ms; /* when the wait for the previous instance's slot began; 0: none */
    int64_t filtered_since_emit;
    pg_control_t ctl;         /* control from SQL: pause point, read-ahead, opted-out transaction */
    char pending_op;          /* the op of the envelope built last (for the metrics) */
    pg_metrics_t metrics;
} pg_task_t;

/* pg_metrics.c */
/* A change event handed over (op c, u, d, t, m or r), and its commit time. */
void pg_metrics_event(pg_task_t *t, char op, int64_t commit_ts_us, uint64_t lsn);
void pg_metrics_snapshot_begin(pg_task_t *t, char *const *tables, size_t n);
void pg_metrics_snapshot_row(pg_task_t *t, const char *table);
void pg_metrics_snapshot_table_done(pg_task_t *t);
void pg_metrics_snapshot_end(pg_task_t *t, bool completed);
void pg_metrics_free(pg_task_t *t);
/* After each read of the stream: the WAL end and flush position for the slot's lag. */
void pg_metrics_stream(pg_task_t *t);
/* The plugin's metrics hook. */
void pg_metrics_render(void *task, cd_metrics_t *out);

log_logger_t *pg_log(void);
int64_t pg_mono_ms(void);

/* pg_connection.c */
/* Connects, checks the server, makes sure the publication and the slot exist, and starts
 * streaming where t->resume (or the slot) says. Returns 0, or -1 with *fatal telling whether
 * retrying can help, and t->slot_busy_pid telling whether the slot was held by another
 * connection. */
int pg_connect_and_start(pg_task_t *t, char *errstr, size_t errstr_size, bool *fatal);
/* Connects as configured and runs SELECT version(), as Debezium does when it validates a config.
 * Returns 0, or -1 with msg in pgjdbc's words (what Debezium's answer carries). */
int pg_check_connection(const pg_config_t *c, char *msg, size_t msg_size);
void pg_disconnect(pg_task_t *t);
/* slot.drop.on.stop: drops the slot (the replication connection must be closed first). */
void pg_drop_slot(pg_task_t *t);
/* heartbeat.action.query */
void pg_heartbeat_action(pg_task_t *t);

/* postgres_connector.c: the stream is to start again from t->pos (a lost connection, the end of
 * a hold or of a blocking snapshot): the connections close, and the next connect resumes there by
 * the rule of pg_offset.h, skipping exactly what t->pos covers. */
void pg_restream(pg_task_t *t);

/* pg_snapshot.c. Opens the snapshot on t->conn (its transaction, the catalog) and on worker
 * connections of its own: importing `exported` (the new slot's snapshot) when not NULL, else in a
 * transaction of snapshot.isolation.mode. start: the position streaming goes on from afterwards
 * (lsn, and lsn_commit when one is known); resume: an interrupted snapshot's offset to go on
 * from, or NULL. On return every connection has its snapshot: the slot's creator may go on. */
pg_snapshot_t *pg_snapshot_open(pg_task_t *t, const char *exported, const pg_pos_t *start, const pg_pos_t *resume,
                                char *errstr, size_t errstr_size);
/* A blocking snapshot (execute-snapshot "type": "blocking"): the captured tables the request's
 * data-collections match, each read by its additional-conditions SELECT when it has one, in a
 * transaction of snapshot.isolation.mode, while streaming waits at t->pos; the records carry that
 * position (pg_offset.h). */
struct pg_snapshot_request;
pg_snapshot_t *pg_snapshot_open_blocking(pg_task_t *t, const struct pg_snapshot_request *req, char *errstr,
                                         size_t errstr_size);
/* Emits up to max_rows records. Returns 1 while rows remain, 0 once the last record is sent (or
 * there were no rows), -1 with errstr. */
int pg_snapshot_step(pg_task_t *t, int max_rows, char *errstr, size_t errstr_size);
void pg_snapshot_close(pg_task_t *t);
/* pg_connection.c, for the snapshot's worker connections: a regular connection, initial
 * statements run. */
PGconn *pg_open_regular(pg_task_t *t, char *errstr, size_t errstr_size, bool *fatal);

/* pg_records.c */
void pg_records_init(pg_task_t *t);
void pg_records_free(pg_task_t *t);
/* One decoded message: records for it, moving t->pos. */
int pg_dispatch(pg_task_t *t, const pgo_msg_t *m, uint64_t lsn, char *errstr, size_t errstr_size);
int pg_send_heartbeat(pg_task_t *t, char *errstr, size_t errstr_size);
/* An op "r" record of a row the snapshot read (pg_snapshot.c), at t->pos. */
int pg_send_snapshot_row(pg_task_t *t, rel_t *r, const pgo_tuple_t *row, const char *marker, char *errstr,
                         size_t errstr_size);
/* The captured table "<schema>.<table>" as the stream would describe it: the relation a Relation
 * message loaded, else one read from the catalog now (the columns pgoutput sends, in its order).
 * NULL with errstr; errstr "" when no such table exists. The relation belongs to the task and may
 * be replaced by a later Relation message: keep its relid, not the pointer. */
rel_t *pg_relation_by_name(pg_task_t *t, const char *schema, const char *table, bool fresh, char *errstr,
                           size_t errstr_size);
rel_t *pg_relation_by_id(pg_task_t *t, uint32_t relid);
/* A row (text values, one per column of r in its order) as its event key renders (the window's
 * de-duplication compares these with the keys of streamed changes). Empty when r has no key. */
int pg_row_key_text(pg_task_t *t, rel_t *r, const pgo_tuple_t *row, cd_buf_t *out, char *errstr, size_t errstr_size);
/* Emits a row as an incremental snapshot read (op "r", source.snapshot "incremental", no txId,
 * lsn or xmin, ts_ms now), with the task's stream position and the snapshot's progress as its
 * offset (pg_offset.h). */
int pg_send_incremental_read(pg_task_t *t, rel_t *r, const pgo_tuple_t *row, char *errstr, size_t errstr_size);
/* Hands t->pos to the runtime as a position without a record (cd_task_send_offset), with the
 * offset a record at this point would carry. */
int pg_send_position(pg_task_t *t, char *errstr, size_t errstr_size);

#endif
