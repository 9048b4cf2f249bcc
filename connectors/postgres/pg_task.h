/* pg_task.h - the state of one PostgreSQL source task, shared by the files that make it up:
 * postgres_connector.c (plugin functions, task lifecycle), pg_connection.c (connections,
 * publication, slot, start of streaming), pg_records.c (relations and the records built from
 * decoded messages), pg_offset.c (the position every record carries; read it first) and
 * pg_control.c (control from SQL: pause, resume, opted-out transactions). */
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

    pg_pos_t pos;             /* after the last record sent, or what was processed since */
    pg_resume_t resume;       /* what the stream being read again was already sent */

    pg_pos_t last_sent;       /* the offset of the last record handed to the runtime */
    bool all_committed;       /* ... and it is stored in Kafka */
    uint64_t confirmed;       /* the flush position reported to the server */
    bool received_any;
    int64_t next_status_ms, next_heartbeat_ms, reconnect_at_ms;
    int reconnect_attempts;
    int64_t filtered_since_emit;
    pg_control_t ctl;         /* control from SQL: pause point, read-ahead, opted-out transaction */
} pg_task_t;

log_logger_t *pg_log(void);
int64_t pg_mono_ms(void);

/* pg_connection.c */
/* Connects, checks the server, makes sure the publication and the slot exist, and starts
 * streaming where t->resume (or the slot) says. Returns 0, or -1 with *fatal telling whether
 * retrying can help. */
int pg_connect_and_start(pg_task_t *t, char *errstr, size_t errstr_size, bool *fatal);
/* Connects as configured and runs SELECT version(), as Debezium does when it validates a config.
 * Returns 0, or -1 with msg in pgjdbc's words (what Debezium's answer carries). */
int pg_check_connection(const pg_config_t *c, char *msg, size_t msg_size);
void pg_disconnect(pg_task_t *t);
/* slot.drop.on.stop: drops the slot (the replication connection must be closed first). */
void pg_drop_slot(pg_task_t *t);
/* heartbeat.action.query */
void pg_heartbeat_action(pg_task_t *t);

/* pg_records.c */
void pg_records_init(pg_task_t *t);
void pg_records_free(pg_task_t *t);
/* One decoded message: records for it, moving t->pos. */
int pg_dispatch(pg_task_t *t, const pgo_msg_t *m, uint64_t lsn, char *errstr, size_t errstr_size);
int pg_send_heartbeat(pg_task_t *t, char *errstr, size_t errstr_size);
/* Hands t->pos to the runtime as a position without a record (cd_task_send_offset), with the
 * offset a record at this point would carry. */
int pg_send_position(pg_task_t *t, char *errstr, size_t errstr_size);

#endif
