/* pgoutput.c - decoding of pgoutput logical replication messages (protocol v1 and v2) in place,
 * over the caller's buffer, and the LSN / timestamp helpers. Every read is bounds-checked
 * against the message length: the input comes off the network. */
#include "connectors/postgres/pgoutput.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pgo_decoder {
    bool in_stream;
    uint32_t stream_top_xid; /* from the Stream Start that opened the current block */

    /* Scratch that decoded messages point into. Two value arrays because an Update carries an
     * old and a new tuple at once. Grown, never shrunk. */
    pgo_value_t *values[2];
    size_t values_cap[2];
    pgo_column_t *columns;
    size_t columns_cap;
    uint32_t *relids;
    size_t relids_cap;
};

/* A cursor over one message; remembers what it is decoding so errors can say so. */
typedef struct {
    const unsigned char *p;
    size_t len;
    size_t off;
    char type;
    char *errstr;
    size_t errstr_size;
} rd_t;

static const char *type_name(char t) {
    switch (t) {
    case 'B': return "Begin";
    case 'C': return "Commit";
    case 'O': return "Origin";
    case 'R': return "Relation";
    case 'Y': return "Type";
    case 'I': return "Insert";
    case 'U': return "Update";
    case 'D': return "Delete";
    case 'T': return "Truncate";
    case 'M': return "Message";
    case 'S': return "Stream Start";
    case 'E': return "Stream Stop";
    case 'c': return "Stream Commit";
    case 'A': return "Stream Abort";
    default: return "unknown";
    }
}

static void set_err(char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *errstr, size_t errstr_size, const char *fmt, ...) {
    if (!errstr || !errstr_size) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, errstr_size, fmt, ap);
    va_end(ap);
}

static int rd_need(rd_t *r, size_t n, const char *field) {
    if (r->len - r->off >= n) return 0;
    set_err(r->errstr, r->errstr_size,
            "pgoutput: truncated %s message ('%c', %zu bytes): %s needs %zu bytes at offset %zu "
            "but only %zu remain; pass the whole XLogData payload after its 25-byte header",
            type_name(r->type), r->type, r->len, field, n, r->off, r->len - r->off);
    return -1;
}

static int rd_u8(rd_t *r, uint8_t *v, const char *field) {
    if (rd_need(r, 1, field)) return -1;
    *v = r->p[r->off++];
    return 0;
}

static int rd_u16(rd_t *r, uint16_t *v, const char *field) {
    if (rd_need(r, 2, field)) return -1;
    const unsigned char *q = r->p + r->off;
    *v = (uint16_t)((unsigned)q[0] << 8 | q[1]);
    r->off += 2;
    return 0;
}

static int rd_u32(rd_t *r, uint32_t *v, const char *field) {
    if (rd_need(r, 4, field)) return -1;
    const unsigned char *q = r->p + r->off;
    *v = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
    r->off += 4;
    return 0;
}

static int rd_u64(rd_t *r, uint64_t *v, const char *field) {
    if (rd_need(r, 8, field)) return -1;
    const unsigned char *q = r->p + r->off;
    uint64_t x = 0;
    for (int i = 0; i < 8; i++) x = x << 8 | q[i];
    *v = x;
    r->off += 8;
    return 0;
}

static int rd_i64(rd_t *r, int64_t *v, const char *field) {
    uint64_t u;
    if (rd_u64(r, &u, field)) return -1;
    *v = (int64_t)u; /* two's complement on every platform we build for */
    return 0;
}

/* A NUL-terminated string, returned in place. */
static int rd_str(rd_t *r, const char **s, const char *field) {
    const unsigned char *start = r->p + r->off;
    const unsigned char *nul = memchr(start, '\0', r->len - r->off);
    if (!nul) {
        set_err(r->errstr, r->errstr_size,
                "pgoutput: truncated %s message ('%c', %zu bytes): %s starting at offset %zu has "
                "no terminating NUL before the end of the message",
                type_name(r->type), r->type, r->len, field, r->off);
        return -1;
    }
    *s = (const char *)start;
    r->off += (size_t)(nul - start) + 1;
    return 0;
}

static int rd_bytes(rd_t *r, size_t n, const char **s, const char *field) {
    if (rd_need(r, n, field)) return -1;
    *s = (const char *)r->p + r->off;
    r->off += n;
    return 0;
}

static int malformed(rd_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int malformed(rd_t *r, const char *fmt, ...) {
    if (!r->errstr || !r->errstr_size) return -1;
    int n = snprintf(r->errstr, r->errstr_size, "pgoutput: malformed %s message ('%c', %zu bytes): ",
                     type_name(r->type), r->type, r->len);
    if (n < 0 || (size_t)n >= r->errstr_size) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->errstr + n, r->errstr_size - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Grows *arr to hold at least n elements of size sz. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz, rd_t *r) {
    if (n <= *cap) return 0;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < n) ncap *= 2;
    void *p = realloc(*arr, ncap * sz);
    if (!p) {
        set_err(r->errstr, r->errstr_size, "pgoutput: out of memory growing scratch to %zu entries "
                "while decoding a %s message", ncap, type_name(r->type));
        return -1;
    }
    *arr = p;
    *cap = ncap;
    return 0;
}

static int rd_tuple(pgo_decoder_t *d, rd_t *r, int slot, pgo_tuple_t *t) {
    uint16_t n;
    if (rd_u16(r, &n, "the tuple's column count")) return -1;
    /* Every column takes at least its kind byte: refuse counts the message cannot hold before
     * sizing scratch by them. */
    if (n > r->len - r->off)
        return malformed(r, "tuple at offset %zu claims %u columns but only %zu bytes remain",
                         r->off - 2, (unsigned)n, r->len - r->off);
    if (grow((void **)&d->values[slot], &d->values_cap[slot], n, sizeof(pgo_value_t), r)) return -1;
    pgo_value_t *vals = d->values[slot];
    for (uint16_t i = 0; i < n; i++) {
        uint8_t kind;
        if (rd_u8(r, &kind, "a tuple column's kind byte")) return -1;
        pgo_value_t *v = &vals[i];
        v->kind = (char)kind;
        v->data = NULL;
        v->len = 0;
        switch (kind) {
        case 'n':
        case 'u':
            break;
        case 't':
        case 'b': {
            uint32_t vlen;
            if (rd_u32(r, &vlen, "a tuple column's length")) return -1;
            if (vlen > INT32_MAX)
                return malformed(r, "column %u has negative length %d at offset %zu", (unsigned)i,
                                 (int)(int32_t)vlen, r->off - 4);
            if (rd_bytes(r, vlen, &v->data, "a tuple column's value")) return -1;
            v->len = vlen;
            break;
        }
        default:
            return malformed(r, "column %u has unknown kind byte 0x%02x at offset %zu (expected "
                             "'n', 'u', 't' or 'b')", (unsigned)i, (unsigned)kind, r->off - 1);
        }
    }
    t->n = n;
    t->values = n ? vals : NULL;
    return 0;
}

static int rd_tuple_tag(rd_t *r, uint8_t *tag, const char *allowed) {
    if (rd_u8(r, tag, "the tuple tag byte")) return -1;
    if (!*tag || !strchr(allowed, *tag))
        return malformed(r, "unexpected tuple tag 0x%02x at offset %zu (expected one of \"%s\")",
                         (unsigned)*tag, r->off - 1, allowed);
    return 0;
}

static int decode_relation(pgo_decoder_t *d, rd_t *r, pgo_relation_t *rel) {
    uint8_t ident;
    uint16_t ncols;
    if (rd_u32(r, &rel->oid, "the relation id") ||
        rd_str(r, &rel->nspname, "the namespace") ||
        rd_str(r, &rel->relname, "the relation name") ||
        rd_u8(r, &ident, "the replica identity") ||
        rd_u16(r, &ncols, "the column count"))
        return -1;
    rel->replica_identity = (char)ident;
    /* Each column is at least flags + "" + type oid + typmod = 10 bytes. */
    if (ncols > (r->len - r->off) / 10)
        return malformed(r, "%u columns cannot fit in the %zu bytes left at offset %zu",
                         (unsigned)ncols, r->len - r->off, r->off);
    if (grow((void **)&d->columns, &d->columns_cap, ncols, sizeof(pgo_column_t), r)) return -1;
    for (uint16_t i = 0; i < ncols; i++) {
        pgo_column_t *c = &d->columns[i];
        uint32_t typmod;
        if (rd_u8(r, &c->flags, "a column's flags") ||
            rd_str(r, &c->name, "a column's name") ||
            rd_u32(r, &c->type_oid, "a column's type oid") ||
            rd_u32(r, &typmod, "a column's type modifier"))
            return -1;
        c->atttypmod = (int32_t)typmod;
    }
    rel->ncols = ncols;
    rel->columns = ncols ? d->columns : NULL;
    return 0;
}

static int decode_change(pgo_decoder_t *d, rd_t *r, pgo_msg_t *m) {
    uint8_t tag;
    m->u.change.old_kind = 0;
    m->u.change.old_tuple = (pgo_tuple_t){0, NULL};
    m->u.change.new_tuple = (pgo_tuple_t){0, NULL};
    if (rd_u32(r, &m->u.change.relid, "the relation id")) return -1;
    switch (m->type) {
    case 'I':
        if (rd_tuple_tag(r, &tag, "N") || rd_tuple(d, r, 1, &m->u.change.new_tuple)) return -1;
        break;
    case 'U':
        if (rd_tuple_tag(r, &tag, "KON")) return -1;
        if (tag != 'N') {
            m->u.change.old_kind = (char)tag;
            if (rd_tuple(d, r, 0, &m->u.change.old_tuple) || rd_tuple_tag(r, &tag, "N"))
                return -1;
        }
        if (rd_tuple(d, r, 1, &m->u.change.new_tuple)) return -1;
        break;
    case 'D':
        if (rd_tuple_tag(r, &tag, "KO")) return -1;
        m->u.change.old_kind = (char)tag;
        if (rd_tuple(d, r, 0, &m->u.change.old_tuple)) return -1;
        break;
    }
    return 0;
}

static int decode_truncate(pgo_decoder_t *d, rd_t *r, pgo_msg_t *m) {
    uint32_t n;
    if (rd_u32(r, &n, "the relation count") || rd_u8(r, &m->u.truncate.options, "the options"))
        return -1;
    if (n > (r->len - r->off) / 4)
        return rd_need(r, (size_t)n * 4, "the relation ids");
    if (grow((void **)&d->relids, &d->relids_cap, n, sizeof(uint32_t), r)) return -1;
    for (uint32_t i = 0; i < n; i++)
        if (rd_u32(r, &d->relids[i], "a relation id")) return -1;
    m->u.truncate.nrelids = n;
    m->u.truncate.relids = n ? d->relids : NULL;
    return 0;
}

static int decode_message(rd_t *r, pgo_msg_t *m) {
    uint32_t clen;
    if (rd_u8(r, &m->u.message.flags, "the flags") ||
        rd_u64(r, &m->u.message.lsn, "the message LSN") ||
        rd_str(r, &m->u.message.prefix, "the prefix") ||
        rd_u32(r, &clen, "the content length"))
        return -1;
    if (clen > INT32_MAX)
        return malformed(r, "negative content length %d at offset %zu", (int)(int32_t)clen,
                         r->off - 4);
    if (rd_bytes(r, clen, &m->u.message.content, "the content")) return -1;
    if (!clen) m->u.message.content = NULL;
    m->u.message.content_len = clen;
    m->u.message.transactional = (m->u.message.flags & PGO_MESSAGE_TRANSACTIONAL) != 0;
    return 0;
}

pgo_decoder_t *pgo_decoder_new(void) {
    return calloc(1, sizeof(pgo_decoder_t));
}

void pgo_decoder_destroy(pgo_decoder_t *d) {
    if (!d) return;
    free(d->values[0]);
    free(d->values[1]);
    free(d->columns);
    free(d->relids);
    free(d);
}

void pgo_decoder_reset(pgo_decoder_t *d) {
    d->in_stream = false;
    d->stream_top_xid = 0;
}

int pgo_decode(pgo_decoder_t *d, const char *buf, size_t len, pgo_msg_t *out,
               char *errstr, size_t errstr_size) {
    if (!len) {
        set_err(errstr, errstr_size, "pgoutput: empty message: a pgoutput message has at least "
                "its type byte; pass the XLogData payload after its 25-byte header");
        return -1;
    }
    rd_t r = { (const unsigned char *)buf, len, 1, buf[0], errstr, errstr_size };
    memset(out, 0, sizeof(*out));
    out->type = buf[0];

    int rc;
    switch (out->type) {
    case 'R': case 'Y': case 'I': case 'U': case 'D': case 'T': case 'M':
        /* Inside a stream block these carry the xid of their (sub)transaction first. */
        if (d->in_stream) {
            if (rd_u32(&r, &out->stream_xid, "the streamed transaction's xid")) return -1;
            out->in_stream = true;
        }
        break;
    case 'B': case 'C': case 'O': case 'S': case 'E': case 'c': case 'A':
        break;
    default:
        set_err(errstr, errstr_size, "pgoutput: unknown message type '%c' (0x%02x) at offset 0 "
                "of a %zu-byte message; only pgoutput protocol versions 1 and 2 are supported, "
                "so start replication with proto_version '1' or '2'",
                (out->type >= 0x20 && out->type < 0x7f) ? out->type : '?',
                (unsigned)(unsigned char)out->type, len);
        return -1;
    }

    switch (out->type) {
    case 'B':
        rc = rd_u64(&r, &out->u.begin.final_lsn, "the final LSN") ||
             rd_i64(&r, &out->u.begin.commit_ts, "the commit timestamp") ||
             rd_u32(&r, &out->u.begin.xid, "the xid");
        break;
    case 'C':
        rc = rd_u8(&r, &out->u.commit.flags, "the flags") ||
             rd_u64(&r, &out->u.commit.commit_lsn, "the commit LSN") ||
             rd_u64(&r, &out->u.commit.end_lsn, "the end LSN") ||
             rd_i64(&r, &out->u.commit.commit_ts, "the commit timestamp");
        break;
    case 'O':
        rc = rd_u64(&r, &out->u.origin.commit_lsn, "the origin commit LSN") ||
             rd_str(&r, &out->u.origin.name, "the origin name");
        break;
    case 'R':
        rc = decode_relation(d, &r, &out->u.relation);
        break;
    case 'Y':
        rc = rd_u32(&r, &out->u.type.oid, "the type oid") ||
             rd_str(&r, &out->u.type.nspname, "the namespace") ||
             rd_str(&r, &out->u.type.name, "the type name");
        break;
    case 'I': case 'U': case 'D':
        rc = decode_change(d, &r, out);
        break;
    case 'T':
        rc = decode_truncate(d, &r, out);
        break;
    case 'M':
        rc = decode_message(&r, out);
        break;
    case 'S': {
        uint8_t first;
        if (d->in_stream) {
            set_err(errstr, errstr_size, "pgoutput: Stream Start ('S') while already inside the "
                    "stream block of xid %u: the stream is out of sync; call pgo_decoder_reset() "
                    "when replication restarts", d->stream_top_xid);
            return -1;
        }
        rc = rd_u32(&r, &out->u.stream_start.xid, "the xid") ||
             rd_u8(&r, &first, "the first-segment flag");
        if (!rc) {
            if (first > 1) return malformed(&r, "first-segment flag is %u, expected 0 or 1",
                                            (unsigned)first);
            out->u.stream_start.first_segment = first == 1;
        }
        break;
    }
    case 'E':
        if (!d->in_stream) {
            set_err(errstr, errstr_size, "pgoutput: Stream Stop ('E') outside a stream block: "
                    "the stream is out of sync; call pgo_decoder_reset() when replication "
                    "restarts");
            return -1;
        }
        rc = 0;
        break;
    case 'c':
        rc = rd_u32(&r, &out->u.stream_commit.xid, "the xid") ||
             rd_u8(&r, &out->u.stream_commit.flags, "the flags") ||
             rd_u64(&r, &out->u.stream_commit.commit_lsn, "the commit LSN") ||
             rd_u64(&r, &out->u.stream_commit.end_lsn, "the end LSN") ||
             rd_i64(&r, &out->u.stream_commit.commit_ts, "the commit timestamp");
        break;
    case 'A':
        rc = rd_u32(&r, &out->u.stream_abort.xid, "the xid") ||
             rd_u32(&r, &out->u.stream_abort.subxid, "the subtransaction xid");
        break;
    default:
        rc = -1; /* unreachable: filtered above */
        break;
    }
    if (rc) return -1;

    if (r.off != len)
        return malformed(&r, "%zu unexpected trailing bytes after the message ended at offset %zu",
                         len - r.off, r.off);

    /* Only a fully decoded message moves the stream-block state. */
    if (out->type == 'S') {
        d->in_stream = true;
        d->stream_top_xid = out->u.stream_start.xid;
        out->in_stream = true;
        out->stream_xid = d->stream_top_xid;
    } else if (out->type == 'E') {
        out->in_stream = true;
        out->stream_xid = d->stream_top_xid;
        d->in_stream = false;
        d->stream_top_xid = 0;
    }
    return 0;
}

/* 2000-01-01 minus 1970-01-01: 10957 days. */
#define PG_EPOCH_OFFSET_US (INT64_C(10957) * 86400 * 1000000)

int64_t pgo_pg_epoch_to_unix_us(int64_t pg_us) {
    if (pg_us > INT64_MAX - PG_EPOCH_OFFSET_US) return INT64_MAX;
    if (pg_us == INT64_MIN) return INT64_MIN;
    return pg_us + PG_EPOCH_OFFSET_US;
}

void pgo_lsn_format(uint64_t lsn, char out[32]) {
    snprintf(out, 32, "%X/%X", (unsigned)(uint32_t)(lsn >> 32), (unsigned)(uint32_t)lsn);
}

static int hex_half(const char **s, uint32_t *v) {
    uint32_t x = 0;
    int n = 0;
    for (;; n++) {
        char c = (*s)[n];
        unsigned dgt;
        if (c >= '0' && c <= '9') dgt = (unsigned)(c - '0');
        else if (c >= 'A' && c <= 'F') dgt = (unsigned)(c - 'A' + 10);
        else if (c >= 'a' && c <= 'f') dgt = (unsigned)(c - 'a' + 10);
        else break;
        if (n == 8) return -1; /* more than 32 bits */
        x = x << 4 | dgt;
    }
    if (!n) return -1;
    *s += n;
    *v = x;
    return 0;
}

int pgo_lsn_parse(const char *s, uint64_t *out) {
    uint32_t hi, lo;
    if (!s || hex_half(&s, &hi) || *s++ != '/' || hex_half(&s, &lo) || *s) return -1;
    *out = (uint64_t)hi << 32 | lo;
    return 0;
}
