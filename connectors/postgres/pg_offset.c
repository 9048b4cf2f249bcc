/* pg_offset.c - the position model of pg_offset.h: moving it record by record, the resume rules,
 * and the offset's JSON form. */
#include "connectors/postgres/pg_offset.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/java_util.h"
#include "connect/json_write.h"
#include "xalloc.h"

static const char *const type_names[] = {"NOOP",     "BEGIN",   "INSERT", "UPDATE",
                                         "DELETE",   "TRUNCATE", "MESSAGE", "COMMIT"};

const char *pg_msg_type_name(pg_msg_type_t t) {
    return (unsigned)t < sizeof(type_names) / sizeof(type_names[0]) ? type_names[t] : "NOOP";
}

bool pg_pos_in_txn(const pg_pos_t *p) { return p->txid != 0 && p->type != PG_MSG_COMMIT && p->type != PG_MSG_NONE; }

bool pg_pos_equal(const pg_pos_t *a, const pg_pos_t *b) {
    return a->known == b->known && a->has_commit == b->has_commit && a->lsn_commit == b->lsn_commit &&
           a->txid == b->txid && a->type == b->type && a->lsn_proc == b->lsn_proc && a->events == b->events &&
           a->snapshot == b->snapshot && a->snapshot_blocking == b->snapshot_blocking &&
           a->snapshot_completed == b->snapshot_completed &&
           a->snapshot_block == b->snapshot_block && strcmp(a->snapshot_table, b->snapshot_table) == 0;
}

/* Streaming after a snapshot: its keys go (Debezium's postSnapshotCompletion). */
static void end_snapshot(pg_pos_t *p) {
    p->snapshot = p->snapshot_blocking = p->last_snapshot_record = p->snapshot_completed = false;
    p->txid_snapshot = 0;
    p->snapshot_table[0] = '\0';
    p->snapshot_block = 0;
}

void pg_pos_begin(pg_pos_t *p, uint64_t txid, uint64_t begin_lsn, int64_t commit_ts_us) {
    end_snapshot(p);
    p->known = true;
    p->txid = txid;
    p->type = PG_MSG_BEGIN;
    p->lsn_proc = begin_lsn;
    p->events = 0;
    p->lsn = begin_lsn;
    p->ts_usec = commit_ts_us;
}

void pg_pos_record(pg_pos_t *p, pg_msg_type_t type, uint64_t lsn) {
    /* Counted per LSN of the transaction's own messages (BEGIN and COMMIT leave events at 0: the
     * BEGIN record is not one of them). */
    if (p->lsn_proc == lsn && p->events > 0)
        p->events++;
    else
        p->events = 1;
    p->known = true;
    p->type = type;
    p->lsn_proc = lsn;
    p->lsn = lsn;
}

void pg_pos_commit(pg_pos_t *p, uint64_t end_lsn) {
    p->known = true;
    p->has_commit = true;
    p->lsn_commit = end_lsn;
    p->type = PG_MSG_COMMIT;
    p->lsn_proc = end_lsn;
    p->events = 0;
    p->lsn = end_lsn;
}

void pg_pos_message(pg_pos_t *p, uint64_t lsn) {
    end_snapshot(p);
    /* Every transaction that commits before the message's WAL record was sent before it. */
    p->known = true;
    p->has_commit = true;
    p->lsn_commit = lsn;
    p->txid = 0;
    p->type = PG_MSG_MESSAGE;
    p->lsn_proc = lsn;
    p->events = 0;
    p->lsn = lsn;
}

bool pg_pos_txn_done(const pg_pos_t *r, uint64_t final_lsn) {
    /* Strictly before: lsn_commit is the end of a commit record (or a message's record), and the
     * next record may start exactly there. */
    return r->known && r->has_commit && final_lsn < r->lsn_commit;
}

/* The offset names a prefix of its transaction's own messages (not just its BEGIN record). */
static bool names_txn_prefix(const pg_pos_t *r) {
    if (!pg_pos_in_txn(r) || r->type == PG_MSG_BEGIN) return false;
    /* lsn_proc = lsn_commit outside a COMMIT, without lsn_events_processed: an older offset of
     * connectd, or one of Debezium (whose lsn_proc stays at the last LSN it processed completely),
     * that carried the previous position; it names nothing of this one. With the count, it is
     * one of X's messages that starts right where the previous commit record ends. */
    return !(r->has_commit && r->lsn_proc == r->lsn_commit && r->events == 0);
}

bool pg_pos_covers(const pg_pos_t *r, const pg_pos_t *p) {
    if (!r->known) return false;
    if (p->type == PG_MSG_BEGIN) return pg_pos_in_txn(r) && r->txid == p->txid;
    if (p->txid == 0) {
        /* A non-transactional message at L: the server sends those at or after lsn_commit C again.
         * One at C itself was emitted unless the offset is the COMMIT that ends at C: its record
         * starts where that commit's ends, so it came right after that commit, before anything
         * else (it is C itself when the offset is that message). */
        if (!r->has_commit) return false;
        return p->lsn_proc < r->lsn_commit || (p->lsn_proc == r->lsn_commit && r->type != PG_MSG_COMMIT);
    }
    if (r->txid != p->txid || !names_txn_prefix(r)) return false;
    if (p->lsn_proc != r->lsn_proc) return p->lsn_proc < r->lsn_proc;
    return r->events == 0 || p->events <= r->events;
}

void pg_resume_start(pg_resume_t *rs, const pg_pos_t *from) {
    rs->from = *from;
    rs->active = from->known;
    rs->skip_txn = false;
}

uint64_t pg_resume_start_lsn(const pg_resume_t *rs) {
    return rs->from.has_commit ? rs->from.lsn_commit : rs->from.lsn_proc;
}

bool pg_resume_begin(pg_resume_t *rs, uint64_t final_lsn) {
    rs->skip_txn = rs->active && pg_pos_txn_done(&rs->from, final_lsn);
    return rs->skip_txn;
}

bool pg_resume_skips(const pg_resume_t *rs, const pg_pos_t *p) {
    return rs->active && (rs->skip_txn || pg_pos_covers(&rs->from, p));
}

void pg_resume_commit(pg_resume_t *rs, uint64_t commit_lsn) {
    rs->skip_txn = false;
    if (rs->active && (!rs->from.has_commit || commit_lsn > rs->from.lsn_commit)) rs->active = false;
}

uint64_t pg_pos_flush_lsn(const pg_pos_t *p) { return p->has_commit ? p->lsn_commit : 0; }

/* The members in the order Debezium puts them into its offset map: PostgresOffsetContext.getOffset()
 * (ts_usec, txId, lsn, xmin, the snapshot keys, lsn_proc, lsn_commit, messageType and, in 3.7,
 * lsn_events_processed), then TransactionContext.store() (transaction_id, then one counter per
 * table as its per-table HashMap iterates). That map is a new java.util.HashMap, and Kafka
 * Connect's JsonConverter writes a map's members in its iteration order, so the offsets topic
 * shows them in HashMap order (ju_hashmap_order), e.g. transaction_id, lsn_proc, messageType,
 * lsn_commit, lsn, txId, ts_usec. connectd writes the same text. */
char *pg_pos_format(const pg_pos_t *p, const pg_pos_txn_t *txn) { return pg_pos_format_ext(p, txn, NULL); }

/* The members of an offset being formatted: keys and where each value's JSON is in one buffer.
 * Formatting runs for every streamed record, so it allocates nothing per member: keys are
 * literals (or, for a transaction's tables, made once per call), values share one buffer, and the
 * HashMap order of a key set of literals is remembered from the call before (a stream's offsets
 * have the same keys record after record). */
#define POS_SMALL 24
typedef struct {
    const char **keys;
    size_t *off, *len;
    size_t n;
    cd_buf_t vals;
} members_t;

static cd_buf_t *member(members_t *m, const char *key) {
    m->keys[m->n] = key;
    m->off[m->n] = m->vals.len;
    return &m->vals;
}

static void member_end(members_t *m) {
    m->len[m->n] = m->vals.len - m->off[m->n];
    m->n++;
}

#define MEMBER_INT(m, k, v) (cd_jw_int(member(m, k), (int64_t)(v)), member_end(m))
#define MEMBER_STR(m, k, s, l) (cd_jw_string(member(m, k), s, l), member_end(m))
#define MEMBER_RAW(m, k, s, l) (cd_jw_raw(member(m, k), s, l), member_end(m))
#define MEMBER_BOOL(m, k, b) MEMBER_RAW(m, k, (b) ? "true" : "false", (b) ? 4 : 5)

/* The last key set of literals ordered on this thread, and its order. */
static __thread const char *last_keys[POS_SMALL];
static __thread size_t last_order[POS_SMALL], last_n;

char *pg_pos_format_ext(const pg_pos_t *p, const pg_pos_txn_t *txn, const pg_pos_extra_t *extra) {
    cd_buf_t out = {0}, scratch = {0};
    pg_pos_format_into(&out, &scratch, p, txn, extra);
    cd_buf_free(&scratch);
    return out.data;
}

void pg_pos_format_into(cd_buf_t *outp, cd_buf_t *scratch, const pg_pos_t *p, const pg_pos_txn_t *txn,
                        const pg_pos_extra_t *extra) {
    size_t n_tables = txn && txn->id ? txn->n : 0, max = 10 + n_tables + (extra ? extra->n : 0);
    const char *keys_small[POS_SMALL];
    size_t off_small[POS_SMALL], len_small[POS_SMALL], order_small[POS_SMALL];
    bool small = max <= POS_SMALL;
    scratch->len = 0;
    members_t m = {small ? keys_small : xmalloc(max * sizeof(char *)),
                   small ? off_small : xmalloc(max * sizeof(size_t)),
                   small ? len_small : xmalloc(max * sizeof(size_t)), 0, *scratch};
    size_t *order = small ? order_small : xmalloc(max * sizeof(size_t));
    char **owned = NULL; /* the transaction's per-table keys */
    MEMBER_INT(&m, "ts_usec", p->ts_usec);
    uint64_t txid = p->snapshot && !p->snapshot_blocking ? p->txid_snapshot : p->txid;
    if (txid) MEMBER_INT(&m, "txId", txid);
    MEMBER_INT(&m, "lsn", p->lsn);
    if (p->snapshot && p->snapshot_blocking) {
        /* Debezium's offset context keeps its streaming members during a blocking snapshot. */
        MEMBER_STR(&m, "snapshot", "BLOCKING", 8);
        MEMBER_BOOL(&m, "last_snapshot_record", p->last_snapshot_record);
        MEMBER_BOOL(&m, "snapshot_completed", p->snapshot_completed);
        MEMBER_INT(&m, "lsn_proc", p->lsn_proc);
        if (p->has_commit) MEMBER_INT(&m, "lsn_commit", p->lsn_commit);
        const char *type = pg_msg_type_name(p->type);
        MEMBER_STR(&m, "messageType", type, strlen(type));
        if (p->events) MEMBER_INT(&m, "lsn_events_processed", p->events);
    } else if (p->snapshot) {
        /* A snapshot record: no lsn_proc and no messageType (Debezium's snapshot offset context
         * has neither); lsn_commit only when carried over from streaming. */
        MEMBER_STR(&m, "snapshot", "INITIAL", 7);
        MEMBER_BOOL(&m, "last_snapshot_record", p->last_snapshot_record);
        MEMBER_BOOL(&m, "snapshot_completed", p->snapshot_completed);
        if (p->has_commit) MEMBER_INT(&m, "lsn_commit", p->lsn_commit);
        if (!p->snapshot_completed && p->snapshot_table[0]) {
            MEMBER_STR(&m, "snapshot_table", p->snapshot_table, strlen(p->snapshot_table));
            MEMBER_INT(&m, "snapshot_block", p->snapshot_block);
        }
    } else {
        MEMBER_INT(&m, "lsn_proc", p->lsn_proc);
        if (p->has_commit) MEMBER_INT(&m, "lsn_commit", p->lsn_commit);
        const char *type = pg_msg_type_name(p->type);
        MEMBER_STR(&m, "messageType", type, strlen(type));
        if (p->events) MEMBER_INT(&m, "lsn_events_processed", p->events);
    }
    bool literals = true;
    if (txn && txn->id) {
        MEMBER_STR(&m, "transaction_id", txn->id, strlen(txn->id));
        owned = n_tables ? xmalloc(n_tables * sizeof(*owned)) : NULL;
        for (size_t i = 0; i < n_tables; i++) {
            owned[i] = xasprintf("transaction_data_collection_order_%s", txn->tables[i]);
            MEMBER_INT(&m, owned[i], txn->counts[i]);
        }
        literals = n_tables == 0;
    }
    for (size_t i = 0; extra && i < extra->n; i++) {
        MEMBER_RAW(&m, extra->keys[i], extra->json[i], strlen(extra->json[i]));
        literals = false; /* the caller's strings: their addresses say nothing of their text */
    }
    size_t n = m.n;
    if (literals && small && n == last_n && !memcmp(m.keys, last_keys, n * sizeof(char *))) {
        memcpy(order, last_order, n * sizeof(size_t));
    } else {
        ju_hashmap_order(m.keys, n, 16, order);
        if (literals && small) {
            memcpy(last_keys, m.keys, n * sizeof(char *));
            memcpy(last_order, order, n * sizeof(size_t));
            last_n = n;
        }
    }
    cd_buf_t out = *outp;
    out.len = 0;
    cd_jw_char(&out, '{');
    for (size_t i = 0; i < n; i++) {
        size_t k = order[i];
        if (i) cd_jw_char(&out, ',');
        cd_jw_string(&out, m.keys[k], strlen(m.keys[k]));
        cd_jw_char(&out, ':');
        cd_jw_raw(&out, m.vals.data + m.off[k], m.len[k]);
    }
    cd_jw_char(&out, '}');
    cd_jw_char(&out, '\0');
    out.len--;
    *outp = out;
    *scratch = m.vals;
    for (size_t i = 0; owned && i < n_tables; i++) free(owned[i]);
    free(owned);
    if (!small) {
        free(m.keys);
        free(m.off);
        free(m.len);
        free(order);
    }
}

/* A member that must be a non-negative integer when present (null counts as absent). Returns 1
 * when set, 0 when absent, -1 (errstr) when it is something else. */
static int int_member(json_object *o, const char *name, uint64_t *out, char *errstr, size_t errstr_size) {
    json_object *v;
    if (!json_object_object_get_ex(o, name, &v) || !v) return 0;
    if (json_object_get_type(v) == json_type_int) {
        errno = 0;
        int64_t x = json_object_get_int64(v);
        if (x >= 0 && errno == 0) {
            *out = (uint64_t)x;
            return 1;
        }
    }
    snprintf(errstr, errstr_size,
             "The offset's '%s' must be a non-negative integer (a PostgreSQL LSN or transaction id as a "
             "number), not %s",
             name, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    return -1;
}

int pg_pos_parse(const char *json, pg_pos_t *out, char *errstr, size_t errstr_size) {
    memset(out, 0, sizeof(*out));
    json_object *o = json ? json_tokener_parse(json) : NULL;
    if (!o || json_object_get_type(o) != json_type_object) {
        snprintf(errstr, errstr_size, "The offset must be a JSON object, not %s", json ? json : "null");
        json_object_put(o);
        return -1;
    }
    uint64_t proc = 0, lsn = 0, commit = 0, txid = 0, ts = 0, events = 0;
    int has_proc, has_lsn, has_commit, has_tx, has_ts, has_events;
    if ((has_proc = int_member(o, "lsn_proc", &proc, errstr, errstr_size)) < 0 ||
        (has_lsn = int_member(o, "lsn", &lsn, errstr, errstr_size)) < 0 ||
        (has_commit = int_member(o, "lsn_commit", &commit, errstr, errstr_size)) < 0 ||
        (has_tx = int_member(o, "txId", &txid, errstr, errstr_size)) < 0 ||
        (has_ts = int_member(o, "ts_usec", &ts, errstr, errstr_size)) < 0 ||
        (has_events = int_member(o, "lsn_events_processed", &events, errstr, errstr_size)) < 0) {
        json_object_put(o);
        return -1;
    }
    json_object *mt;
    pg_msg_type_t type = PG_MSG_NONE;
    if (json_object_object_get_ex(o, "messageType", &mt) && mt) {
        const char *s = json_object_get_type(mt) == json_type_string ? json_object_get_string(mt) : NULL;
        size_t i = 0, n = sizeof(type_names) / sizeof(type_names[0]);
        while (s && i < n && strcmp(s, type_names[i]) != 0) i++;
        if (!s || i == n) {
            snprintf(errstr, errstr_size,
                     "The offset's 'messageType' must be one of BEGIN, INSERT, UPDATE, DELETE, TRUNCATE, "
                     "MESSAGE, COMMIT or NOOP, not %s",
                     json_object_to_json_string_ext(mt, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
            json_object_put(o);
            return -1;
        }
        type = (pg_msg_type_t)i;
    }
    /* Debezium's snapshot keys: "snapshot" is "INITIAL"/"BLOCKING" (true before 2.x), the two
     * flags booleans. */
    json_object *sn, *flag;
    bool snapshot = json_object_object_get_ex(o, "snapshot", &sn) && sn &&
                    !(json_object_get_type(sn) == json_type_boolean && !json_object_get_boolean(sn));
    /* A blocking snapshot's offset is its streaming position (pg_offset.h). */
    if (snapshot && json_object_get_type(sn) == json_type_string && !strcmp(json_object_get_string(sn), "BLOCKING"))
        snapshot = false;
    if (snapshot) {
        out->snapshot = true;
        out->last_snapshot_record = json_object_object_get_ex(o, "last_snapshot_record", &flag) && flag &&
                                    json_object_get_boolean(flag);
        out->snapshot_completed = json_object_object_get_ex(o, "snapshot_completed", &flag) && flag &&
                                  json_object_get_boolean(flag);
        json_object *tb;
        uint64_t block = 0;
        int has_block = int_member(o, "snapshot_block", &block, errstr, errstr_size);
        if (has_block < 0) {
            json_object_put(o);
            return -1;
        }
        if (json_object_object_get_ex(o, "snapshot_table", &tb) && tb && json_object_get_type(tb) == json_type_string &&
            has_block == 1 && (size_t)json_object_get_string_len(tb) < sizeof(out->snapshot_table)) {
            snprintf(out->snapshot_table, sizeof(out->snapshot_table), "%s", json_object_get_string(tb));
            out->snapshot_block = block;
        }
    }
    json_object_put(o);
    if (!has_proc && !has_lsn) {
        snprintf(errstr, errstr_size, "The offset has neither 'lsn_proc' nor 'lsn': the connector cannot tell "
                                      "where to resume");
        return -1;
    }
    out->known = true;
    out->lsn_proc = has_proc ? proc : lsn;
    out->lsn = has_lsn ? lsn : out->lsn_proc;
    out->has_commit = has_commit;
    out->lsn_commit = commit;
    out->txid = txid;
    out->ts_usec = (int64_t)ts;
    out->events = has_events ? events : 0;
    /* An offset without messageType (Debezium 1.x) inside a transaction names a change. */
    out->type = type == PG_MSG_NONE && txid && !out->snapshot ? PG_MSG_INSERT : type;
    if (out->snapshot) {
        /* The snapshot transaction's id names no streamed transaction: streaming starts at lsn
         * (lsn_proc when Debezium carried it over) with nothing of any transaction emitted. */
        out->txid_snapshot = txid;
        out->txid = 0;
        out->type = PG_MSG_NONE;
        out->events = 0;
    }
    if (out->type == PG_MSG_COMMIT && !has_commit) {
        out->has_commit = true;
        out->lsn_commit = out->lsn_proc;
    }
    return 0;
}
