/* pgoutput.h - zero-copy decoder of pgoutput logical replication messages, protocol versions 1
 * and 2 (v2 adds streamed in-progress transactions), plus the LSN and timestamp helpers that go
 * with them. Input is the payload of one XLogData ('w') message, after the caller has stripped
 * the 'w' byte, start LSN, end LSN and send time. Layouts follow PostgreSQL's "Logical
 * Replication Message Formats". */
#ifndef CONNECTD_PGOUTPUT_H
#define CONNECTD_PGOUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ownership, for everything below: every pointer in a decoded pgo_msg_t points either into the
 * caller's input buffer (strings, column data, message content) or into the decoder's scratch
 * arrays (value, column and relation-id arrays). Nothing is allocated for the caller and nothing
 * must be freed. The pointers stay valid until the next pgo_decode() call on the same decoder,
 * pgo_decoder_destroy(), or until the caller frees or reuses its input buffer, whichever comes
 * first: copy what must outlive that (e.g. Relation messages, which are sent once per relation
 * and per session, must be copied into the caller's relation cache).
 *
 * Strings (names, namespaces, prefixes) are NUL-terminated in the input and so are usable as C
 * strings. Column data (pgo_value_t.data) and message content are NOT NUL-terminated: use the
 * length. */

/* Tuple column kinds, as on the wire. */
#define PGO_VALUE_NULL      'n'  /* SQL NULL; data NULL, len 0 */
#define PGO_VALUE_UNCHANGED 'u'  /* unchanged TOASTed value, not sent; data NULL, len 0 */
#define PGO_VALUE_TEXT      't'  /* text output form of the type */
#define PGO_VALUE_BINARY    'b'  /* binary send form of the type (only with binary = true) */

typedef struct {
    char kind;        /* one of PGO_VALUE_* */
    const char *data; /* into the input buffer; NULL for 'n' and 'u' */
    uint32_t len;
} pgo_value_t;

typedef struct {
    uint16_t n;                /* number of columns; 0 when the tuple is absent */
    const pgo_value_t *values; /* decoder scratch; NULL when n == 0 */
} pgo_tuple_t;

/* pgo_column_t.flags bit: the column is part of the replica identity key. */
#define PGO_COLUMN_KEY 0x01

typedef struct {
    uint8_t flags;     /* PGO_COLUMN_KEY or 0 */
    const char *name;  /* into the input buffer */
    uint32_t type_oid; /* pg_type oid */
    int32_t atttypmod; /* type modifier, -1 when none */
} pgo_column_t;

typedef struct {
    uint32_t oid;              /* relation id, referred to by Insert/Update/Delete/Truncate */
    const char *nspname;       /* namespace; "" for pg_catalog */
    const char *relname;
    char replica_identity;     /* relreplident: 'd' default, 'n' nothing, 'f' full, 'i' index */
    uint16_t ncols;
    const pgo_column_t *columns; /* decoder scratch; NULL when ncols == 0 */
} pgo_relation_t;

/* Truncate option bits. */
#define PGO_TRUNCATE_CASCADE          0x01
#define PGO_TRUNCATE_RESTART_IDENTITY 0x02

/* Message (pg_logical_emit_message) flag bit. */
#define PGO_MESSAGE_TRANSACTIONAL 0x01

typedef struct pgo_msg {
    char type; /* the wire type byte: 'B' 'C' 'O' 'R' 'Y' 'I' 'U' 'D' 'T' 'M' 'S' 'E' 'c' 'A' */

    /* True for messages that belong to a stream block (Stream Start through Stream Stop,
     * both included). stream_xid is then the xid of the message: for the data messages
     * inside the block ('R' 'Y' 'I' 'U' 'D' 'T' 'M') the xid prefix they carry, which is the
     * xid of the (sub)transaction that made the change and can differ from the top-level xid;
     * for 'S' and 'E' the top-level xid given by Stream Start. False and 0 otherwise, including
     * for Stream Commit and Stream Abort, which come outside stream blocks. */
    bool in_stream;
    uint32_t stream_xid;

    union {
        struct { /* 'B' */
            uint64_t final_lsn;
            int64_t commit_ts; /* microseconds since 2000-01-01 UTC; see pgo_pg_epoch_to_unix_us */
            uint32_t xid;
        } begin;
        struct { /* 'C' */
            uint8_t flags;    /* currently always 0 */
            uint64_t commit_lsn;
            uint64_t end_lsn;
            int64_t commit_ts;
        } commit;
        struct { /* 'O' */
            uint64_t commit_lsn; /* of the commit on the origin server */
            const char *name;
        } origin;
        pgo_relation_t relation; /* 'R' */
        struct { /* 'Y' */
            uint32_t oid;
            const char *nspname; /* "" for pg_catalog */
            const char *name;
        } type;
        /* 'I' 'U' 'D'. old_kind is 'K' (old_tuple holds the replica identity key columns only;
         * the others are 'n'), 'O' (old_tuple is the whole old row, REPLICA IDENTITY FULL), or
         * 0 (no old tuple: old_tuple.n == 0). Insert never has an old tuple and Delete never a
         * new one (new_tuple.n == 0); Delete always has 'K' or 'O'. */
        struct {
            uint32_t relid;
            char old_kind;
            pgo_tuple_t old_tuple;
            pgo_tuple_t new_tuple;
        } change;
        struct { /* 'T' */
            uint8_t options; /* PGO_TRUNCATE_* bits */
            uint32_t nrelids;
            const uint32_t *relids; /* decoder scratch, host byte order; NULL when nrelids == 0 */
        } truncate;
        struct { /* 'M' */
            bool transactional; /* flags & PGO_MESSAGE_TRANSACTIONAL */
            uint8_t flags;
            uint64_t lsn;
            const char *prefix;
            const char *content; /* into the input buffer, may hold NUL bytes; NULL if len 0 */
            uint32_t content_len;
        } message;
        struct { /* 'S' */
            uint32_t xid;
            bool first_segment; /* first stream segment of this xid */
        } stream_start;
        /* 'E' (Stream Stop) has no body; see in_stream / stream_xid. */
        struct { /* 'c' */
            uint32_t xid;
            uint8_t flags; /* currently always 0 */
            uint64_t commit_lsn;
            uint64_t end_lsn;
            int64_t commit_ts;
        } stream_commit;
        struct { /* 'A' */
            uint32_t xid;    /* top-level transaction */
            uint32_t subxid; /* aborted subtransaction; equal to xid when the whole xact aborts */
        } stream_abort;
    } u;
} pgo_msg_t;

/* One decoder per replication connection. It remembers whether it is inside a stream block
 * (between 'S' and 'E'), because that decides whether the data messages carry the 4-byte xid
 * prefix, and it owns the scratch arrays that decoded messages point into, grown as needed and
 * then reused, so decoding allocates nothing in steady state. Not thread-safe; use one per
 * thread. */
typedef struct pgo_decoder pgo_decoder_t;

/* NULL when out of memory. */
pgo_decoder_t *pgo_decoder_new(void);
void pgo_decoder_destroy(pgo_decoder_t *d); /* NULL is a no-op */

/* Forget the stream-block state. Call it when the replication connection is (re)started, since
 * a new session never starts inside a stream block. */
void pgo_decoder_reset(pgo_decoder_t *d);

/* Decodes exactly one message of len bytes from buf into *out. Returns 0, or -1 with errstr
 * filled for truncated or malformed input (naming what was being read and at which offset),
 * trailing bytes after a complete message, a Stream Start inside a stream block or a Stream
 * Stop outside one, an unknown type byte, or out of memory. Never reads past buf[len - 1].
 * On error *out is unspecified and the stream-block state is unchanged. */
int pgo_decode(pgo_decoder_t *d, const char *buf, size_t len, pgo_msg_t *out,
               char *errstr, size_t errstr_size);

/* PostgreSQL timestamps (microseconds since 2000-01-01 00:00 UTC) to microseconds since the Unix
 * epoch. Saturates at INT64_MIN / INT64_MAX, so PostgreSQL's -infinity and infinity (which are
 * INT64_MIN and INT64_MAX) stay so. */
int64_t pgo_pg_epoch_to_unix_us(int64_t pg_us);

/* The "%X/%X" text form PostgreSQL uses, e.g. "16/B374D848": upper-case hex, no leading zeros in
 * either half. out is NUL-terminated. */
void pgo_lsn_format(uint64_t lsn, char out[32]);

/* Parses that form (either case; 1 to 8 hex digits each side of '/', nothing else: no spaces,
 * signs or 0x). Returns 0, or -1 leaving *out untouched. */
int pgo_lsn_parse(const char *s, uint64_t *out);

#endif
