/* pg_snapshot.h - the initial snapshot (spec debezium-postgres.md §5.5, §6.6): the rows that exist
 * before streaming starts, read in a transaction whose view matches the point where the stream
 * begins, and emitted as op "r" records before any change.
 *
 * Consistency. When this start creates the slot, CREATE_REPLICATION_SLOT exports a snapshot taken
 * exactly at the slot's consistent point; every connection that reads rows imports it (SET
 * TRANSACTION SNAPSHOT) before the replication connection runs anything else, and streaming
 * starts at that consistent point. A change committed before it is in the rows, one committed
 * after it is in the stream: nothing missed, nothing doubled. When the slot exists already (an
 * `always` snapshot, a resumed one, a slot made by hand) no snapshot matches it: the rows are read
 * in a transaction of their own (snapshot.isolation.mode) and streaming starts where it would have
 * without the snapshot (the stored offset, else the slot's confirmed position), which is at or
 * before that transaction's view: changes in between arrive again after the rows (at least once;
 * the topic's final state by key is the table's).
 *
 * Reading. Each table is read with COPY ... TO STDOUT (text), whose values are the same text
 * pgoutput sends, so the stream's type mapping applies unchanged. Beyond Debezium, a large table
 * is split into chunks of heap blocks (ctid ranges, about snapshot.fetch.size rows each) that up
 * to snapshot.max.threads connections read in parallel, all inside the same snapshot; the task
 * emits the chunks in order, so every record's offset can say "the chunks before mine are done"
 * (pg_offset.h: snapshot_table, snapshot_block), and a snapshot interrupted by a crash or a stop
 * goes on from the chunk of the last stored record instead of from the start. Memory stays
 * bounded: at most snapshot.max.threads chunks are read ahead, each holding at most a few MiB of
 * rows not yet emitted. */
#ifndef CONNECTD_PG_SNAPSHOT_H
#define CONNECTD_PG_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connectors/postgres/pg_config.h"
#include "connectors/postgres/pg_offset.h"

typedef struct pg_snapshot pg_snapshot_t; /* pg_task.h has the functions that run it */

/* Whether this start of the task snapshots: snapshot.mode against the committed offset (NULL:
 * none) and whether the slot exists. */
bool pg_snapshot_needed(const pg_config_t *c, const pg_pos_t *offset, bool slot_exists);
/* Whether the task streams after its snapshot (not with initial_only, nor configuration_based
 * without start.stream). */
bool pg_snapshot_streams(const pg_config_t *c);

#endif
