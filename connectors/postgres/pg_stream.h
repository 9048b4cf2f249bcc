/* pg_stream.h - a logical replication connection (libpq, replication=database): identify the
 * server, create a slot, start streaming, read XLogData with a timeout, and confirm positions with
 * Standby Status Updates. Keepalives are answered here; decoding the payload is pgoutput.c's job. */
#ifndef CONNECTD_PG_STREAM_H
#define CONNECTD_PG_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connectors/postgres/pg_exec.h"

typedef struct pg_stream pg_stream_t;

/* conninfo: libpq keywords/values for the server (host, port, user, password, dbname, sslmode,
 * ...), NULL-terminated arrays as PQconnectdbParams takes them; replication=database is added. */
pg_stream_t *pg_stream_connect(const char *const *keywords, const char *const *values,
                               const pg_bound_t *bound, char *errstr, size_t errstr_size);
void pg_stream_close(pg_stream_t *s);

/* CREATE_REPLICATION_SLOT "<slot>" LOGICAL <plugin>; *consistent_point receives where the slot
 * starts. With snapshot_name (size 64 is enough) the slot exports the snapshot of that point
 * (EXPORT_SNAPSHOT), which stays importable until this connection runs its next command or
 * closes; without, none (NOEXPORT_SNAPSHOT). sqlstate (may be NULL, 6 bytes) receives the
 * server's error code on failure. */
int pg_stream_create_slot(pg_stream_t *s, const char *slot, const char *plugin,
                          uint64_t *consistent_point, char *snapshot_name, size_t snapshot_name_size,
                          char *sqlstate, char *errstr, size_t errstr_size);

/* START_REPLICATION SLOT "<slot>" LOGICAL <lsn> (<options>); options is the text inside the
 * parentheses, e.g. "proto_version" '1', "publication_names" '"dbz_publication"'. */
int pg_stream_start(pg_stream_t *s, const char *slot, uint64_t start_lsn, const char *options,
                    char *sqlstate, char *errstr, size_t errstr_size);

/* Waits up to timeout_ms for the next XLogData message. Returns 1 with *data and *len (valid until
 * the next call) and *lsn (the WAL start of the message), 0 when none arrived in time (keepalives
 * were answered), -1 on error or end of stream. */
int pg_stream_next(pg_stream_t *s, int timeout_ms, const char **data, size_t *len, uint64_t *lsn,
                   char *errstr, size_t errstr_size);

/* Allows a reply the server asks for to report everything received as flushed. The caller allows
 * it only while nothing it has read needs sending again: no transaction open, and the offset of
 * its last commit stored in Kafka. A server that shuts down waits (up to wal_sender_timeout) until
 * its clients have flushed all it sent; an idle client that has stored everything lets it stop at
 * once instead. */
void pg_stream_allow_idle_flush(pg_stream_t *s, bool allowed);
/* While idle flush is allowed: the flush position moves to the highest position the server
 * reported (a logical walsender reports only what it has sent: everything before it was read and,
 * idle, stored), and is sent with the next status update. So the slot releases the WAL of the last
 * transaction, whose commit carries no record of its own, and of other databases' traffic, once
 * the connector is idle. Call it only when no message was returned since the flag was set. */
void pg_stream_idle_advance(pg_stream_t *s);
/* The highest WAL end the server reported, and the flush position last sent to it. */
uint64_t pg_stream_wal_end(const pg_stream_t *s);
uint64_t pg_stream_confirmed(const pg_stream_t *s);

/* Sends a Standby Status Update: write = the last position received, flush = apply = flushed. */
int pg_stream_confirm(pg_stream_t *s, uint64_t flushed, char *errstr, size_t errstr_size);

#endif
