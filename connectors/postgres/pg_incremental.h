/* pg_incremental.h - incremental snapshots (spec debezium-postgres.md §7.3): DBLog watermarks in
 * the signal table, chunks read in key order, the window buffer de-duplicated against streamed
 * changes, the rows left emitted as op "r" at the close watermark, table after table, with the
 * progress in every offset so that a restart goes on at the next chunk.
 *
 * How a chunk goes (all on the task's thread, as in Debezium):
 *   1. INSERT '<chunk>-open' into the signal table (committed).
 *   2. Read the chunk: the rows after the last key emitted, up to the table's maximum key (read
 *      once per table), in key order, incremental.snapshot.chunk.size of them, into the window.
 *   3. Close: INSERT '<chunk>-close' (insert_insert) or DELETE '<chunk>-open' (insert_delete).
 *   4. The stream brings the open watermark: from there every streamed change of the table drops
 *      the row with its key from the window (the change is newer than the read).
 *   5. The stream brings the close watermark: the rows left are emitted, then step 1 again; a
 *      chunk without rows ends the table.
 * Only one chunk is held in memory.
 *
 * Offset members while a snapshot runs (pg_offset.h says how they combine with the position):
 *   incremental_snapshot_collections  JSON text: [{"incremental_snapshot_collections_id":"s.t",
 *       "incremental_snapshot_collections_additional_condition":<filter or null>,
 *       "incremental_snapshot_collections_surrogate_key":<column or null>}, ...], current first
 *   incremental_snapshot_primary_key  the key of the last row emitted, or null
 *   incremental_snapshot_maximum_key  the table's maximum key, or null before it was read
 *   incremental_snapshot_correlation_id  the execute-snapshot signal's id
 * connectd's key encoding: the JSON text of an array with one element per key column, each the
 * column's PostgreSQL text output (a string) or null, e.g. "[\"42\",\"a b\"]". Debezium writes the
 * hex of a Java-serialised Object[] there: the two cannot resume each other's incremental
 * snapshots (a Debezium key is refused with a message, and the snapshot starts the table over). */
#ifndef CONNECTD_PG_INCREMENTAL_H
#define CONNECTD_PG_INCREMENTAL_H

#include <stdbool.h>
#include <stddef.h>

#include "connectors/postgres/pg_signal.h"
#include "connectors/postgres/pg_task.h"

typedef struct pg_incremental pg_incremental_t;

/* ---- pure helpers ---- */

/* A key (n column values as PostgreSQL text, NULL for SQL NULL) in connectd's offset encoding.
 * malloc'ed. */
char *pg_inc_key_encode(const char *const *values, size_t n);
/* Reads it back: *values (n strings or NULLs) malloc'ed, free each then the array. Returns 0, or -1
 * with errstr (e.g. a Debezium key, which is hex). */
int pg_inc_key_decode(const char *text, char ***values, size_t *n, char *errstr, size_t errstr_size);
void pg_inc_key_free(char **values, size_t n);

/* A chunk query and its parameters (text, typed by PostgreSQL from the column compared). */
typedef struct {
    char *sql;
    char **params; /* n_params, into the caller's values (not owned) */
    int n_params;
} pg_inc_query_t;

/* What a query on one table needs. cols: the columns to select, in order; key: the ordering
 * columns; nullable: per key column, whether it may be NULL (NULLs sort last in PostgreSQL). */
typedef struct {
    const char *schema, *table;
    const char *const *cols;
    size_t n_cols;
    const char *const *key;
    const bool *nullable;
    size_t n_key;
    const char *condition; /* additional-conditions filter, or NULL */
} pg_inc_table_t;

/* SELECT <cols> FROM "s"."t" [WHERE <after> AND NOT <after max> AND (<condition>)] ORDER BY <key>
 * LIMIT <limit>. after == NULL: the table's first chunk, without key bounds (as Debezium's).
 * Composite keys: (k1 > ?) OR (k1 = ? AND k2 > ?) ...; a NULL bound value makes "k > NULL"
 * false and "k = NULL" "k IS NULL"; "k > v" of a nullable column is (k > v OR k IS NULL).
 * Fills out (free with pg_inc_query_clear). */
void pg_inc_chunk_query(const pg_inc_table_t *tb, const char *const *after, const char *const *max_key, int limit,
                        pg_inc_query_t *out);
/* SELECT <cols> FROM "s"."t" [WHERE (<condition>)] ORDER BY k1 DESC, ... LIMIT 1. malloc'ed. */
char *pg_inc_max_key_query(const pg_inc_table_t *tb);
void pg_inc_query_clear(pg_inc_query_t *q);

/* ---- the task side ---- */

pg_incremental_t *pg_inc_new(void);
void pg_inc_destroy(pg_incremental_t *inc);

/* Takes the progress out of the offset the task starts from. Returns 0, or -1 with errstr naming
 * the member that cannot be read. */
int pg_inc_restore(pg_incremental_t *inc, const char *offset_json, char *errstr, size_t errstr_size);

bool pg_inc_running(const pg_incremental_t *inc);

/* The offset members of the progress (none while no snapshot runs): pointers owned by inc, valid
 * until it changes. Returns how many. */
size_t pg_inc_offset_members(pg_incremental_t *inc, const char *const **keys, const char *const **json);

/* After the task (re)connected: a running, unpaused snapshot reads a new chunk from the last key
 * emitted (Debezium's init after a restart). Returns 0, or -1 with errstr. */
int pg_inc_start(pg_task_t *t, char *errstr, size_t errstr_size);

/* The signals (pg_signal.c dispatches them). */
int pg_inc_execute(pg_task_t *t, const char *signal_id, const pg_snapshot_request_t *req, char *errstr,
                   size_t errstr_size);
void pg_inc_stop(pg_task_t *t, const pg_snapshot_request_t *req);
void pg_inc_pause(pg_task_t *t);
int pg_inc_resume(pg_task_t *t, char *errstr, size_t errstr_size);
void pg_inc_open_window(pg_task_t *t, const char *id);
int pg_inc_close_window(pg_task_t *t, const char *id, char *errstr, size_t errstr_size);

/* A streamed change of relid with this rendered event key: drops the row of that key from an open
 * window. */
void pg_inc_streamed(pg_task_t *t, uint32_t relid, const char *key, size_t key_len);
/* Whether pg_inc_streamed can have an effect (a window is open), to spare rendering keys. */
bool pg_inc_window_open(const pg_incremental_t *inc);

#endif
