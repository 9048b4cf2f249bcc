/* pg_offset.h - the connector's position in the change stream: what a source offset means, how it
 * is written and read back, and what a resumed stream skips. Every record the connector emits
 * carries its position as its source offset; every resume decision is made here.
 *
 * THE INVARIANT: a record's offset names the position just after that record, and says exactly
 * which records were emitted up to it:
 *
 *  - lsn_commit C: every transaction whose commit record starts before C was emitted whole.
 *    pgoutput (protocol 1) sends whole transactions in commit order, so these are a prefix of the
 *    stream. C is the end of the last emitted transaction's commit record (the LSN the server gives
 *    its Commit message, Debezium's lsn_commit), or the LSN of a non-transactional message emitted
 *    after it (Debezium does the same): the server sends such a message as it decodes its record,
 *    after every transaction that committed before it. The next commit record may start exactly
 *    at C, hence "before", strictly.
 *  - txId X with messageType BEGIN, INSERT, UPDATE, DELETE, TRUNCATE or MESSAGE: the record belongs
 *    to transaction X, the one that follows C in the stream. Of X, what was emitted is its BEGIN
 *    record (provide.transaction.metadata) and then, in X's own order, the records of its messages
 *    at LSNs below lsn_proc and the first lsn_events_processed records of its messages at lsn_proc
 *    (every record there when the key is absent, as in offsets of Debezium before 3.7). lsn_proc is
 *    always the LSN of one of X's own messages. It is never another transaction's position:
 *    concurrent transactions interleave in the WAL (A starts, B commits, A goes on), so "X up to
 *    B's commit LSN" would claim A's changes that precede B's commit, which were never sent.
 *  - messageType BEGIN: of X, only the BEGIN record was emitted.
 *  - messageType COMMIT: X's commit record ends at lsn_commit = lsn_proc; X was emitted whole.
 *  - no txId: between transactions, after a non-transactional logical message at lsn_proc =
 *    lsn_commit.
 *
 * One WAL record can give several records (a multi-row insert decodes into changes at one LSN; a
 * truncate of several tables, a delete and its tombstone, a key change's delete, tombstone and
 * create), hence lsn_events_processed, counted per LSN within the transaction.
 *
 * What resume skips: exactly what the offset says was emitted (pg_pos_covers, pg_pos_txn_done), so
 * the stream goes on with the record that followed. Offsets written before this model (a BEGIN
 * record or a transaction's first delete that carried the previous commit's LSN), and Debezium's
 * (its lsn_proc is the last LSN it processed completely, which can be the previous commit), read
 * as "nothing of X yet" when lsn_proc equals lsn_commit outside a COMMIT and lsn_events_processed
 * is absent: X is sent again from its start. connectd writes the count with every record of X, so
 * its own offsets name X's message at lsn_proc even when that message starts exactly where the
 * previous commit record ends (lsn_proc = lsn_commit). connectd before
 * 0.2 wrote the start of the commit record as lsn_commit: from such an offset the transaction that
 * committed there is sent again, and a non-transactional message it points at. Duplicates are
 * possible only there; loss never. Offsets Kafka
 * Connect's Debezium wrote read the same way (its lsn_commit is the commit record's end).
 *
 * Incremental snapshots (pg_incremental.h) add their progress to every offset while one runs:
 * the remaining tables, the key of the last snapshot row emitted, the table's maximum key and the
 * signal's id. A snapshot row is emitted while the close watermark's INSERT (or, insert_delete,
 * the open watermark's DELETE) is processed, before that change's own record: its offset carries
 * the stream position of the record before it (the watermark change itself is not emitted yet,
 * so a restart streams it again) and, as its progress, its own key. So the stream part says which
 * streamed records were emitted, as above, and the snapshot part that every row of the current
 * table up to that key was emitted (or superseded by a streamed change); a restart reads the next
 * chunk after that key, whatever the stream position.
 *
 * When WAL may be released: only up to the lsn_commit of an offset that Kafka has stored
 * (pg_pos_flush_lsn); the runtime calls the task's commit only after that.
 *
 * SNAPSHOT RECORDS (op "r", pg_snapshot.c) carry Debezium's snapshot offset: snapshot "INITIAL",
 * last_snapshot_record, snapshot_completed, lsn = where streaming starts once the snapshot is
 * done (the slot's consistent point, whose exported snapshot the rows were read in), txId and
 * ts_usec of the snapshot transaction. Such an offset means:
 *  - snapshot_completed true (the last record of the snapshot): every row was emitted; stream
 *    from lsn (and, when lsn_commit is present, skip the transactions that commit before it, by
 *    the rule above).
 *  - snapshot_completed false: the snapshot was interrupted. Debezium takes it again from the
 *    start. connectd adds where it was (snapshot_table, snapshot_block: the table and the first
 *    heap block of the chunk the record came from, pg_snapshot.h) and goes on from that chunk:
 *    every chunk before it was emitted whole; the chunk itself is read again. The stream later
 *    starts at lsn all the same, so a change made to a row after lsn is streamed whatever
 *    snapshot read the row: the topic's final state is the table's.
 * A BLOCKING snapshot's records (a signal's, while streaming waits) carry the streaming position
 * they interrupted, whole (lsn_proc, lsn_commit, messageType, ...), with snapshot "BLOCKING" and
 * the two flags, as Debezium's do: resuming from one streams on from that position; the blocking
 * snapshot is not taken again (as in Debezium). */
#ifndef CONNECTD_PG_OFFSET_H
#define CONNECTD_PG_OFFSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "connectd/data.h"

typedef enum {
    PG_MSG_NONE = 0, /* no position yet (messageType NOOP) */
    PG_MSG_BEGIN,
    PG_MSG_INSERT,
    PG_MSG_UPDATE,
    PG_MSG_DELETE,
    PG_MSG_TRUNCATE,
    PG_MSG_MESSAGE,
    PG_MSG_COMMIT,
} pg_msg_type_t;

typedef struct {
    bool known;          /* a position exists (something was processed or read from an offset) */
    bool has_commit;
    uint64_t lsn_commit; /* C */
    uint64_t txid;       /* X; 0 when none */
    pg_msg_type_t type;  /* messageType */
    uint64_t lsn_proc;
    uint64_t events;     /* lsn_events_processed; 0 = every record at lsn_proc */
    uint64_t lsn;        /* the event's LSN (informational) */
    int64_t ts_usec;
    /* an initial snapshot's record (see above); snapshot = false for every other position */
    bool snapshot;
    bool snapshot_blocking;  /* a blocking snapshot's (execute-snapshot "type": "blocking") */
    bool last_snapshot_record, snapshot_completed;
    uint64_t txid_snapshot;  /* the snapshot transaction's id (txId of a snapshot record) */
    /* "<schema>.<table>" (identifiers are at most 63 bytes each), "" when none */
    char snapshot_table[160];
    uint64_t snapshot_block; /* first heap block of the chunk */
} pg_pos_t;

const char *pg_msg_type_name(pg_msg_type_t t);

/* Moving the position, record by record. */
void pg_pos_begin(pg_pos_t *p, uint64_t txid, uint64_t begin_lsn, int64_t commit_ts_us);
/* A record of the open transaction's message at lsn (type INSERT..MESSAGE). */
void pg_pos_record(pg_pos_t *p, pg_msg_type_t type, uint64_t lsn);
/* The open transaction committed; end_lsn is the end of its commit record. */
void pg_pos_commit(pg_pos_t *p, uint64_t end_lsn);
/* A non-transactional logical message at lsn. */
void pg_pos_message(pg_pos_t *p, uint64_t lsn);

/* The same position (the timestamp aside). */
bool pg_pos_equal(const pg_pos_t *a, const pg_pos_t *b);

/* True while the position is inside a transaction (BEGIN seen, COMMIT not yet). */
bool pg_pos_in_txn(const pg_pos_t *p);

/* Resume decisions against the offset the task started from (r). A whole transaction whose commit
 * record starts at final_lsn (its BEGIN's final LSN) was emitted: */
bool pg_pos_txn_done(const pg_pos_t *r, uint64_t final_lsn);
/* The record whose position (after moving) is p was emitted: */
bool pg_pos_covers(const pg_pos_t *r, const pg_pos_t *p);

/* Resuming from an offset: which transactions and records of the resent stream were emitted. */
typedef struct {
    bool active;   /* until the first transaction past the offset has committed */
    bool skip_txn; /* the open transaction was emitted whole */
    pg_pos_t from;
} pg_resume_t;

void pg_resume_start(pg_resume_t *rs, const pg_pos_t *from);
/* Where the server should start sending: lsn_commit, else lsn_proc. */
uint64_t pg_resume_start_lsn(const pg_resume_t *rs);
/* At BEGIN of the transaction that commits at final_lsn: true when it was emitted whole. */
bool pg_resume_begin(pg_resume_t *rs, uint64_t final_lsn);
/* The record whose position (after moving) is p was emitted already. */
bool pg_resume_skips(const pg_resume_t *rs, const pg_pos_t *p);
/* At COMMIT (end_lsn: the end of the commit record): the first commit past the offset ends the
 * resume. */
void pg_resume_commit(pg_resume_t *rs, uint64_t end_lsn);

/* The LSN the slot may confirm once this offset is stored: lsn_commit, or 0 (nothing). */
uint64_t pg_pos_flush_lsn(const pg_pos_t *p);

/* What Debezium's TransactionContext adds to an offset while a transaction is open
 * (provide.transaction.metadata): transaction_id and the per-table event counters
 * transaction_data_collection_order_<schema.table>. Resume does not need them. */
typedef struct {
    const char *id;            /* the open transaction's id; NULL: none (no members) */
    const char *const *tables; /* "<schema>.<table>", in the order Debezium's per-table map iterates */
    const int64_t *counts;
    size_t n;
} pg_pos_txn_t;

/* The offset as a JSON object (malloc'ed), with txn's members when txn is not NULL, in the
 * order Debezium's offsets show them (Java HashMap order; see pg_offset.c). */
char *pg_pos_format(const pg_pos_t *p, const pg_pos_txn_t *txn);

/* More members (an incremental snapshot's progress): names and their JSON texts. */
typedef struct {
    const char *const *keys;
    const char *const *json; /* each a complete JSON value: "null", "\"text\"" */
    size_t n;
} pg_pos_extra_t;

/* pg_pos_format with extra's members too (extra may be NULL), all in Java HashMap order. */
char *pg_pos_format_ext(const pg_pos_t *p, const pg_pos_txn_t *txn, const pg_pos_extra_t *extra);

/* The same text, NUL-terminated, written over out (out->len is its length, without the NUL),
 * with scratch for the members' values: a streaming task formats every record's offset with
 * the same two buffers and allocates nothing once they have grown. */
void pg_pos_format_into(cd_buf_t *out, cd_buf_t *scratch, const pg_pos_t *p, const pg_pos_txn_t *txn,
                        const pg_pos_extra_t *extra);

/* Reads an offset. Returns 0, or -1 with errstr naming the field that is wrong (e.g. a lsn_proc
 * that is not a non-negative integer). Unknown members are ignored. */
int pg_pos_parse(const char *json, pg_pos_t *out, char *errstr, size_t errstr_size);

#endif
