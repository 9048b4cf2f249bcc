/* pg_records.c - the records of a PostgreSQL task: relations (schemas from the catalog), change
 * events, truncates, logical messages, transaction BEGIN/END and heartbeats, in Debezium 3.x's
 * shapes (spec debezium-postgres.md). Each record moves the task's position (pg_offset.h) and is
 * sent only when the offset the task resumed from does not already cover it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "connect/java_util.h"
#include "connect/json_write.h"
#include "connectors/postgres/pg_incremental.h"
#include "connectors/postgres/pg_naming.h"
#include "connectors/postgres/pg_signal.h"
#include "connectors/postgres/pg_task.h"
#include "xalloc.h"

/* ------------------------------------------------------------------ fixed schemas */

static const cd_value_t false_str = {.type = CD_TYPE_STRING, .u.str = {"false", 5}};
static const cd_schema_t s_str = {.type = CD_TYPE_STRING};
static const cd_schema_t s_ostr = {.type = CD_TYPE_STRING, .optional = true};
static const cd_schema_t s_i64 = {.type = CD_TYPE_INT64};
static const cd_schema_t s_oi64 = {.type = CD_TYPE_INT64, .optional = true};
static const cd_schema_t s_obytes = {.type = CD_TYPE_BYTES, .optional = true};
static const cd_param_t snapshot_allowed[] = {
    {"allowed", "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"}};
static const cd_schema_t s_snapshot = {.type = CD_TYPE_STRING,
                                       .optional = true,
                                       .name = "io.debezium.data.Enum",
                                       .version = 1,
                                       .params = snapshot_allowed,
                                       .n_params = 1,
                                       .default_value = &false_str};
static const cd_field_t source_fields[] = {
    {"version", &s_str}, {"connector", &s_str}, {"name", &s_str},      {"ts_ms", &s_i64},
    {"snapshot", &s_snapshot}, {"db", &s_str}, {"sequence", &s_ostr},  {"ts_us", &s_oi64},
    {"ts_ns", &s_oi64},  {"schema", &s_str},   {"table", &s_str},      {"txId", &s_oi64},
    {"lsn", &s_oi64},    {"xmin", &s_oi64}};
#define N_SOURCE 14
static const cd_schema_t s_source = {.type = CD_TYPE_STRUCT,
                                     .name = "io.debezium.connector.postgresql.Source",
                                     .version = 1,
                                     .fields = source_fields,
                                     .n_fields = N_SOURCE,
                                     .cache_id = 0};
static const cd_field_t block_fields[] = {
    {"id", &s_str}, {"total_order", &s_i64}, {"data_collection_order", &s_i64}};
static const cd_schema_t s_block = {.type = CD_TYPE_STRUCT,
                                    .optional = true,
                                    .name = "event.block",
                                    .version = 1,
                                    .fields = block_fields,
                                    .n_fields = 3};
static const cd_field_t hb_key_fields[] = {{"serverName", &s_str}};
static const cd_schema_t s_hb_key = {.type = CD_TYPE_STRUCT,
                                     .name = "io.debezium.connector.common.ServerNameKey",
                                     .version = 1,
                                     .fields = hb_key_fields,
                                     .n_fields = 1};
static const cd_field_t hb_value_fields[] = {{"ts_ms", &s_i64}};
static const cd_schema_t s_hb_value = {.type = CD_TYPE_STRUCT,
                                       .name = "io.debezium.connector.common.Heartbeat",
                                       .version = 1,
                                       .fields = hb_value_fields,
                                       .n_fields = 1};
static const cd_field_t tx_key_fields[] = {{"id", &s_str}};
static const cd_schema_t s_tx_key = {.type = CD_TYPE_STRUCT,
                                     .name = "io.debezium.connector.common.TransactionMetadataKey",
                                     .version = 1,
                                     .fields = tx_key_fields,
                                     .n_fields = 1};
static const cd_field_t tx_coll_fields[] = {{"data_collection", &s_str}, {"event_count", &s_i64}};
static const cd_schema_t s_tx_coll = {.type = CD_TYPE_STRUCT,
                                      .optional = true,
                                      .name = "event.collection",
                                      .version = 1,
                                      .fields = tx_coll_fields,
                                      .n_fields = 2};
static const cd_schema_t s_tx_colls = {.type = CD_TYPE_ARRAY, .optional = true, .value_schema = &s_tx_coll};
static const cd_field_t tx_value_fields[] = {{"status", &s_str},
                                             {"id", &s_str},
                                             {"event_count", &s_oi64},
                                             {"data_collections", &s_tx_colls},
                                             {"ts_ms", &s_i64}};
static const cd_schema_t s_tx_value = {.type = CD_TYPE_STRUCT,
                                       .name = "io.debezium.connector.common.TransactionMetadataValue",
                                       .version = 1,
                                       .fields = tx_value_fields,
                                       .n_fields = 5};
static const cd_field_t msg_key_fields[] = {{"prefix", &s_ostr}};
static const cd_schema_t s_msg_key = {.type = CD_TYPE_STRUCT,
                                      .name = "io.debezium.connector.postgresql.MessageKey",
                                      .version = 1,
                                      .fields = msg_key_fields,
                                      .n_fields = 1};

static int64_t wall_us(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* ------------------------------------------------------------------ relations */

static void rel_free(rel_t *r) {
    if (!r) return;
    pg_catalog_clear(&r->cat);
    if (r->arena) cd_arena_destroy(r->arena);
    free(r->cols);
    free(r->value_cols);
    free(r->key_cols);
    free(r->wire_to_cat);
    free(r->topic);
    free(r->data_collection);
    free(r);
}

static rel_t *find_rel(pg_task_t *t, uint32_t relid) {
    for (size_t i = 0; i < t->n_rels; i++)
        if (t->rels[i]->relid == relid) return t->rels[i];
    return NULL;
}

static cd_schema_t *struct_schema(cd_arena_t *a, const char *name, bool optional, cd_field_t *fields,
                                  size_t n, int32_t version) {
    cd_schema_t *s = cd_arena_alloc(a, sizeof(*s));
    memset(s, 0, sizeof(*s));
    s->type = CD_TYPE_STRUCT;
    s->optional = optional;
    s->name = cd_arena_strndup(a, name, strlen(name));
    s->version = version;
    s->fields = fields;
    s->n_fields = n;
    s->cache_id = cd_schema_next_cache_id();
    return s;
}

/* Builds a relation's schemas from the catalog, in response to a Relation message. */
static int load_relation(pg_task_t *t, const pgo_relation_t *wire, char *errstr, size_t errstr_size) {
    rel_t *old = find_rel(t, wire->oid);
    rel_t *r = calloc(1, sizeof(*r));
    r->relid = wire->oid;
    r->captured = pg_config_table_included(&t->cfg, wire->nspname, wire->relname);
    if (!r->captured) {
        r->n_wire = wire->ncols;
    } else {
        if (pg_catalog_read(t->conn, &t->bound, wire, &r->cat, errstr, errstr_size) != 0) {
            free(r);
            return -1;
        }
        r->arena = cd_arena_new();
        bool renamed;
        r->topic = pg_table_topic(t->cfg.topic_prefix, t->cfg.topic_delimiter, r->cat.schema, r->cat.table,
                                  &renamed);
        if (renamed)
            log_warn(pg_log(), "Topic '%s%s%s%s%s' name isn't a valid topic name, replacing it with '%s'.",
                     t->cfg.topic_prefix, t->cfg.topic_delimiter, r->cat.schema, t->cfg.topic_delimiter,
                     r->cat.table, r->topic);
        r->data_collection = xasprintf("%s.%s", r->cat.schema, r->cat.table);
        size_t n = r->cat.n_columns;
        r->cols = calloc(n + 1, sizeof(pg_column_t *));
        r->value_cols = calloc(n + 1, sizeof(size_t));
        r->key_cols = calloc(n + 1, sizeof(size_t));
        /* Key columns: message.key.columns, else the primary key / first unique index. */
        const char *custom[64];
        size_t n_custom = pg_config_key_columns(&t->cfg, r->cat.schema, r->cat.table, custom, 64);
        if (n_custom > 64) n_custom = 64; /* it returns the total, like snprintf */
        for (size_t i = 0; i < n; i++) {
            pg_catalog_column_t *c = &r->cat.columns[i];
            if (n_custom) {
                c->key_position = 0;
                for (size_t j = 0; j < n_custom; j++)
                    if (!strcasecmp(custom[j], c->info.name)) c->key_position = (int)j + 1;
            }
            char err[512] = "";
            r->cols[i] = pg_column_new(&c->info, &t->topt, r->arena, err, sizeof(err));
            if (!r->cols[i] && err[0]) {
                snprintf(errstr, errstr_size, "Column %s.%s.%s: %s", r->cat.schema, r->cat.table,
                         c->info.name, err);
                rel_free(r);
                return -1;
            }
            if (r->cols[i] && pg_config_column_included(&t->cfg, r->cat.schema, r->cat.table, c->info.name))
                r->value_cols[r->n_value++] = i;
        }
        for (int pos = 1; pos <= (int)n; pos++)
            for (size_t i = 0; i < n; i++)
                if (r->cat.columns[i].key_position == pos && r->cols[i]) r->key_cols[r->n_key++] = i;
        if (r->n_key == 0 && r->cat.replica_identity != 'f')
            log_debug(pg_log(), "Table '%s' has no primary key or unique index: its events have no key",
                      r->data_collection);

        cd_field_t *vf = cd_arena_alloc(r->arena, (r->n_value + 1) * sizeof(cd_field_t));
        for (size_t i = 0; i < r->n_value; i++) {
            const pg_catalog_column_t *c = &r->cat.columns[r->value_cols[i]];
            const cd_schema_t *fs = NULL;
            if (pg_config_propagate_source_type(&t->cfg, r->cat.schema, r->cat.table, c->info.name, c->info.source_type))
                fs = pg_column_schema_with_source_type(r->cols[r->value_cols[i]], &c->info, r->arena);
            vf[i] = (cd_field_t){c->info.name, fs ? fs : pg_column_schema(r->cols[r->value_cols[i]])};
        }
        char *nm = xasprintf("%s.Value", r->topic);
        r->row_schema = struct_schema(r->arena, nm, true, vf, r->n_value, 0);
        free(nm);
        if (r->n_key) {
            cd_field_t *kf = cd_arena_alloc(r->arena, r->n_key * sizeof(cd_field_t));
            for (size_t i = 0; i < r->n_key; i++)
                kf[i] = (cd_field_t){r->cat.columns[r->key_cols[i]].info.name, pg_column_schema(r->cols[r->key_cols[i]])};
            nm = xasprintf("%s.Key", r->topic);
            r->key_schema = struct_schema(r->arena, nm, false, kf, r->n_key, 0);
            free(nm);
        }
        cd_field_t *ef = cd_arena_alloc(r->arena, 8 * sizeof(cd_field_t));
        ef[0] = (cd_field_t){"before", r->row_schema};
        ef[1] = (cd_field_t){"after", r->row_schema};
        ef[2] = (cd_field_t){"source", &s_source};
        ef[3] = (cd_field_t){"transaction", &s_block};
        ef[4] = (cd_field_t){"op", &s_str};
        ef[5] = (cd_field_t){"ts_ms", &s_oi64};
        ef[6] = (cd_field_t){"ts_us", &s_oi64};
        ef[7] = (cd_field_t){"ts_ns", &s_oi64};
        nm = xasprintf("%s.Envelope", r->topic);
        r->envelope = struct_schema(r->arena, nm, false, ef, 8, 2);
        free(nm);
        /* The catalog columns are the Relation message's, in its order. */
        r->n_wire = wire->ncols;
        r->wire_to_cat = calloc((size_t)wire->ncols + 1, sizeof(int));
        for (uint16_t w = 0; w < wire->ncols; w++) r->wire_to_cat[w] = w;
    }
    if (old) {
        for (size_t i = 0; i < t->n_rels; i++)
            if (t->rels[i] == old) t->rels[i] = r;
        rel_free(old);
    } else {
        t->rels = realloc(t->rels, (t->n_rels + 1) * sizeof(rel_t *));
        t->rels[t->n_rels++] = r;
    }
    return 0;
}

/* ------------------------------------------------------------------ records */

/* What a record is, for what Debezium puts on it (EventDispatcher, HeartbeatImpl,
 * TransactionMonitor, LogicalDecodingMessageMonitor). */
typedef enum {
    REC_DATA,      /* c/u/d/t change events and tombstones: the __debezium.context.* headers */
    REC_TX_BEGIN,  /* BEGIN on the transaction topic */
    REC_TX_END,    /* END: its offset still has the transaction's members */
    REC_MESSAGE,   /* a logical decoding message */
    REC_HEARTBEAT, /* to partition 0 */
} rec_kind_t;

/* The __debezium.context.* headers (extended.headers.enabled), after the event's own ones, in
 * DebeziumHeaderProducer.contextHeaders()'s order. Only EventDispatcher's change-event
 * receivers add them (getExtendedHeaders); heartbeats, transaction and message records are
 * built without headers. Returns how many were written. */
static size_t context_headers(const pg_task_t *t, cd_header_t *h) {
    if (!t->cfg.extended_headers_enabled) return 0;
    h[0] = (cd_header_t){"__debezium.context.connectorLogicalName", t->cfg.topic_prefix, strlen(t->cfg.topic_prefix)};
    h[1] = (cd_header_t){"__debezium.context.taskId", "0", 1};
    h[2] = (cd_header_t){"__debezium.context.connectorName", "postgresql", 10};
    h[3] = (cd_header_t){"__debezium.context.runId", t->run_id, strlen(t->run_id)};
    return 4;
}

/* The open transaction's tables in the order Debezium's per-table counter map iterates them: a
 * HashMap that lives as long as the task's offset context and is cleared, not shrunk, between
 * transactions (so its table size is the largest it grew to; t->tx_map_capacity). Writes them
 * and their counts to tables/counts (n_tx_tables each); returns the map's table size. */
static size_t tx_tables_java_order(const pg_task_t *t, const char **tables, int64_t *counts) {
    size_t n = t->n_tx_tables;
    size_t *order = xmalloc((n + 1) * sizeof(*order));
    size_t cap = ju_hashmap_order((const char *const *)t->tx_tables, n, t->tx_map_capacity, order);
    for (size_t i = 0; tables && i < n; i++) {
        tables[i] = t->tx_tables[order[i]];
        counts[i] = t->tx_counts[order[i]];
    }
    free(order);
    return cap;
}

/* The offset of t->pos as a record carries it: a text in the task's offset buffer (or its
 * snapshot chunk cache), valid until the next call; the worker copies what it keeps. Debezium's
 * TransactionContext is open from BEGIN until the END record is built (tx_end), and adds its
 * members then. */
static const char *offset_text(pg_task_t *t, bool tx_end) {
    /* An incremental snapshot's progress rides on every offset while it runs. */
    const char *const *ikeys = NULL, *const *ijson = NULL;
    size_t n_inc = t->inc ? pg_inc_offset_members(t->inc, &ikeys, &ijson) : 0;
    pg_pos_extra_t inc_members = {ikeys, ijson, n_inc};
    /* Debezium's TransactionContext is open from BEGIN until the END record is built. */
    if (!(t->cfg.provide_transaction_metadata && (t->in_txn || tx_end))) {
        /* The rows of a snapshot chunk all carry the same offset: its text is made once. (A
         * streamed record's offset differs from the one before.) */
        const pg_pos_t *c = &t->off_cache_pos;
        if (n_inc == 0 && t->off_cache && pg_pos_equal(&t->pos, c) && t->pos.lsn == c->lsn &&
            t->pos.ts_usec == c->ts_usec && t->pos.txid_snapshot == c->txid_snapshot &&
            t->pos.last_snapshot_record == c->last_snapshot_record)
            return t->off_cache;
        pg_pos_format_into(&t->off_buf, &t->off_scratch, &t->pos, NULL, &inc_members);
        if (n_inc == 0 && t->pos.snapshot) {
            free(t->off_cache);
            t->off_cache = xstrdup(t->off_buf.data);
            t->off_cache_pos = t->pos;
        }
        return t->off_buf.data;
    }
    char id[16];
    snprintf(id, sizeof(id), "%u", t->xid);
    const char **tables = cd_arena_alloc(t->scratch, (t->n_tx_tables + 1) * sizeof(*tables));
    int64_t *counts = cd_arena_alloc(t->scratch, (t->n_tx_tables + 1) * sizeof(*counts));
    tx_tables_java_order(t, tables, counts);
    pg_pos_txn_t txn = {id, tables, counts, t->n_tx_tables};
    pg_pos_format_into(&t->off_buf, &t->off_scratch, &t->pos, &txn, &inc_members);
    return t->off_buf.data;
}

int pg_send_position(pg_task_t *t, char *errstr, size_t errstr_size) {
    const char *off = offset_text(t, false);
    int rc = cd_task_send_offset(t->ctx, t->partition, off, errstr, errstr_size);
    if (rc == 0) {
        t->last_sent = t->pos;
        t->all_committed = false;
    }
    return rc;
}

/* Sends one record with the task's position as its offset (pg_offset.h). The caller has moved
 * the position for this record and checked that the resumed-from offset does not cover it. */
static int send_record(pg_task_t *t, rec_kind_t kind, const char *topic, const cd_schema_t *ks,
                       const cd_value_t *k, const cd_schema_t *vs, const cd_value_t *v,
                       const cd_header_t *extra, size_t n_extra, char *errstr, size_t errstr_size) {
    cd_header_t hdrs[9];
    size_t n = 0;
    for (size_t i = 0; i < n_extra && n < 4; i++) hdrs[n++] = extra[i];
    if (kind == REC_DATA) n += context_headers(t, hdrs + n);
    /* connectd.skip.transaction.mode=mark: the change events (and tombstones) of an opted-out
     * transaction say so (pg_control.h). */
    if (kind == REC_DATA && t->ctl.in_skip_txn) hdrs[n++] = (cd_header_t){"__connectd.skip.transaction", "true", 4};
    const char *off = offset_text(t, kind == REC_TX_END);
    cd_source_record_t rec = {.topic = topic,
                              .kafka_partition = kind == REC_HEARTBEAT ? 0 : -1, /* HeartbeatImpl: partition 0 */
                              .key_schema = ks,
                              .key = k,
                              .value_schema = v ? vs : NULL,
                              .value = v,
                              .source_partition = t->partition,
                              .source_offset = off,
                              .timestamp_ms = -1,
                              .headers = hdrs,
                              .n_headers = n};
    int rc = cd_task_send(t->ctx, &rec, errstr, errstr_size);
    if (rc == 0 && kind == REC_DATA && v && t->pending_op) pg_metrics_event(t, t->pending_op, t->commit_ts_us, t->cur_lsn);
    t->pending_op = 0;
    if (rc == 0) {
        t->filtered_since_emit = 0;
        t->last_sent = t->pos;
        t->last_sent_snapshot = false;
        t->all_committed = false;
    }
    return rc;
}

/* Moves the position for the next record of the open transaction, produced by its message of
 * the given type at lsn; true when that record is to be sent (not sent before a restart). */
static bool next_record(pg_task_t *t, pg_msg_type_t type, uint64_t lsn) {
    pg_pos_record(&t->pos, type, lsn);
    return !pg_resume_skips(&t->resume, &t->pos);
}

/* The source block of an event at lsn. */
static void fill_source(pg_task_t *t, cd_value_t *src, const char *schema, const char *table,
                        bool has_txid, uint64_t lsn, char *seq, size_t seq_size) {
    cd_arena_t *a = t->scratch;
    int64_t ts_us = t->pos.ts_usec;
    /* ["<lsn_commit>","<lsn>"] or [null,"<lsn>"], without stdio (once per record) */
    char *p = seq;
    if (seq_size < 48) abort(); /* two 20-digit numbers and the punctuation */
    if (t->pos.has_commit) {
        p = mempcpy(p, "[\"", 2);
        p += cd_jw_u64_digits(p, t->pos.lsn_commit);
        p = mempcpy(p, "\",\"", 3);
    } else {
        p = mempcpy(p, "[null,\"", 7);
    }
    p += cd_jw_u64_digits(p, lsn);
    p = mempcpy(p, "\"]", 3); /* with the NUL */
    size_t seq_len = (size_t)(p - seq) - 1;
    cd_value_t *f = cd_arena_alloc(a, N_SOURCE * sizeof(cd_value_t));
    f[0] = cd_string(DEBEZIUM_VERSION, strlen(DEBEZIUM_VERSION));
    f[1] = cd_string("postgresql", 10);
    f[2] = cd_string(t->cfg.topic_prefix, strlen(t->cfg.topic_prefix));
    f[3] = cd_int(CD_TYPE_INT64, ts_us / 1000);
    f[4] = cd_null();
    f[5] = cd_string(t->cfg.dbname, strlen(t->cfg.dbname));
    f[6] = cd_string(seq, seq_len);
    f[7] = cd_int(CD_TYPE_INT64, ts_us);
    f[8] = cd_int(CD_TYPE_INT64, ts_us * 1000);
    f[9] = cd_string(schema, strlen(schema));
    f[10] = cd_string(table, strlen(table));
    f[11] = has_txid ? cd_int(CD_TYPE_INT64, (int64_t)t->xid) : cd_null();
    f[12] = cd_int(CD_TYPE_INT64, (int64_t)lsn);
    f[13] = cd_null();
    *src = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {f, N_SOURCE}};
}

/* Builds a row (value struct) or key struct from a tuple. fields: catalog indexes. */
/* snapshot: the tuple is a row the initial snapshot read, whose values Debezium renders as pgjdbc's
 * ResultSet gives them (pg_column_snapshot_value). */
static int build_struct_as(pg_task_t *t, rel_t *r, const pgo_tuple_t *tup, const size_t *fields, size_t n,
                           bool snapshot, cd_value_t *out, char *errstr, size_t errstr_size) {
    cd_value_t *vals = cd_arena_alloc(t->scratch, (n + 1) * sizeof(cd_value_t));
    for (size_t i = 0; i < n; i++) {
        size_t ci = fields[i];
        char kind = 'n';
        const char *data = NULL;
        uint32_t len = 0;
        /* The catalog columns are the Relation message's, in its order (load_relation): catalog
         * column ci is the tuple's column ci. */
        if (ci < tup->n && ci < r->n_wire && r->wire_to_cat[ci] == (int)ci) {
            kind = tup->values[ci].kind;
            data = tup->values[ci].data;
            len = tup->values[ci].len;
        }
        if ((snapshot ? pg_column_snapshot_value : pg_column_value)(r->cols[ci], kind, data, len, t->scratch, &vals[i],
                                                                    errstr, errstr_size) != 0)
            return -1;
    }
    *out = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {vals, n}};
    return 0;
}

static int build_struct(pg_task_t *t, rel_t *r, const pgo_tuple_t *tup, const size_t *fields, size_t n,
                        cd_value_t *out, char *errstr, size_t errstr_size) {
    return build_struct_as(t, r, tup, fields, n, false, out, errstr, errstr_size);
}

/* Copies unchanged-TOAST values of the new tuple from a full old tuple (REPLICA IDENTITY FULL). */
static pgo_tuple_t merge_toast(pg_task_t *t, const pgo_tuple_t *newt, const pgo_tuple_t *oldt) {
    if (!oldt || oldt->n != newt->n) return *newt;
    pgo_value_t *v = cd_arena_alloc(t->scratch, (newt->n + 1) * sizeof(pgo_value_t));
    for (uint16_t i = 0; i < newt->n; i++)
        v[i] = newt->values[i].kind == PGO_VALUE_UNCHANGED ? oldt->values[i] : newt->values[i];
    return (pgo_tuple_t){newt->n, v};
}

/* A key struct as text: how SimpleHeaderConverter writes a Struct header ({"id":2}: names and
 * strings quoted, numbers bare, bytes Base64), which is also an exact way to compare two keys. */
static void key_text(pg_task_t *t, const cd_schema_t *ks, const cd_value_t *k, cd_buf_t *out) {
    char err[256];
    out->len = 0;
    if (cd_converter_from_connect(t->plain_json, "", ks, k, out, err, sizeof(err)) < 0) {
        out->len = 0;
        log_warn(pg_log(), "Could not render a key: %s", err);
    }
}

/* The transaction block of an event at lsn of table dc ("<schema>.<table>"), counting it; null
 * when transaction metadata is off. Counted for records skipped on resume too, so that the ones
 * sent go on with the right numbers. */
static cd_value_t tx_block(pg_task_t *t, const char *dc, uint64_t lsn) {
    if (!t->cfg.provide_transaction_metadata || !t->in_txn) return cd_null();
    size_t i;
    for (i = 0; i < t->n_tx_tables; i++)
        if (!strcmp(t->tx_tables[i], dc)) break;
    if (i == t->n_tx_tables) {
        t->tx_tables = realloc(t->tx_tables, (i + 1) * sizeof(char *));
        t->tx_counts = realloc(t->tx_counts, (i + 1) * sizeof(int64_t));
        t->tx_tables[i] = strdup(dc);
        t->tx_counts[i] = 0;
        t->n_tx_tables++;
    }
    t->tx_counts[i]++;
    t->tx_total++;
    char id[64];
    int n = snprintf(id, sizeof(id), "%u:%llu", t->xid, (unsigned long long)lsn);
    cd_value_t *f = cd_arena_alloc(t->scratch, 3 * sizeof(cd_value_t));
    f[0] = cd_string(cd_arena_strndup(t->scratch, id, (size_t)n), (size_t)n);
    f[1] = cd_int(CD_TYPE_INT64, t->tx_total);
    f[2] = cd_int(CD_TYPE_INT64, t->tx_counts[i]);
    return (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {f, 3}};
}

static void tx_reset(pg_task_t *t) {
    if (t->n_tx_tables) t->tx_map_capacity = tx_tables_java_order(t, NULL, NULL);
    for (size_t i = 0; i < t->n_tx_tables; i++) free(t->tx_tables[i]);
    free(t->tx_tables);
    free(t->tx_counts);
    t->tx_tables = NULL;
    t->tx_counts = NULL;
    t->n_tx_tables = 0;
    t->tx_total = 0;
}

/* BEGIN and END records on the transaction topic. */
static int send_tx_event(pg_task_t *t, bool begin, uint64_t lsn, char *errstr, size_t errstr_size) {
    cd_arena_reset(t->scratch);
    char id[64];
    int n = snprintf(id, sizeof(id), "%u:%llu", t->xid, (unsigned long long)lsn);
    cd_value_t idv = cd_string(id, (size_t)n);
    cd_value_t key = {.type = CD_TYPE_STRUCT, .u.strct = {&idv, 1}};
    cd_value_t *f = cd_arena_alloc(t->scratch, 5 * sizeof(cd_value_t));
    f[0] = begin ? cd_string("BEGIN", 5) : cd_string("END", 3);
    f[1] = idv;
    f[2] = begin ? cd_null() : cd_int(CD_TYPE_INT64, t->tx_total);
    if (begin) {
        f[3] = cd_null();
    } else {
        cd_value_t *items = cd_arena_alloc(t->scratch, (t->n_tx_tables + 1) * sizeof(cd_value_t));
        for (size_t i = 0; i < t->n_tx_tables; i++) {
            cd_value_t *c = cd_arena_alloc(t->scratch, 2 * sizeof(cd_value_t));
            c[0] = cd_string(t->tx_tables[i], strlen(t->tx_tables[i]));
            c[1] = cd_int(CD_TYPE_INT64, t->tx_counts[i]);
            items[i] = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {c, 2}};
        }
        f[3] = (cd_value_t){.type = CD_TYPE_ARRAY, .u.array = {items, t->n_tx_tables}};
    }
    f[4] = cd_int(CD_TYPE_INT64, t->commit_ts_us / 1000);
    cd_value_t value = {.type = CD_TYPE_STRUCT, .u.strct = {f, 5}};
    return send_record(t, begin ? REC_TX_BEGIN : REC_TX_END, t->transaction_topic, &s_tx_key, &key,
                       &s_tx_value, &value, NULL, 0, errstr, errstr_size);
}

static cd_value_t envelope(pg_task_t *t, const cd_value_t *before, const cd_value_t *after,
                           const cd_value_t *source, const char *op, const cd_value_t *block) {
    cd_value_t *f = cd_arena_alloc(t->scratch, 8 * sizeof(cd_value_t));
    int64_t now = wall_us();
    f[0] = before ? *before : cd_null();
    f[1] = after ? *after : cd_null();
    f[2] = *source;
    f[3] = block ? *block : cd_null();
    f[4] = cd_string(op, 1);
    t->pending_op = op[0];
    f[5] = cd_int(CD_TYPE_INT64, now / 1000);
    f[6] = cd_int(CD_TYPE_INT64, now);
    f[7] = cd_int(CD_TYPE_INT64, now * 1000);
    return (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {f, 8}};
}

static bool skipped(pg_task_t *t, unsigned op) { return (t->cfg.skipped_operations & op) != 0; }

/* A change of the signal table, before its own record, as Debezium's EventDispatcher does it
 * (whatever skipped.operations says): INSERTs are signals, and with insert_delete watermarking a
 * DELETE may close a window. Not when a restart sends it again: the signal was run then. */
static int signal_change(pg_task_t *t, rel_t *r, const pgo_msg_t *m, pg_msg_type_t type, uint64_t lsn,
                         char *errstr, size_t errstr_size) {
    if (!t->cfg.signal_table || !(t->cfg.signal_channels & PG_SIGNAL_CHANNEL_SOURCE)) return 0;
    if (strcmp(r->cat.schema, t->cfg.signal_schema) || strcmp(r->cat.table, t->cfg.signal_table)) return 0;
    bool is_delete = m->type == 'D';
    if (is_delete && !t->cfg.watermark_insert_delete) return 0;
    pg_pos_t probe = t->pos;
    pg_pos_record(&probe, type, lsn);
    if (pg_resume_skips(&t->resume, &probe)) return 0;
    const pgo_tuple_t *tup = is_delete ? &m->u.change.old_tuple : &m->u.change.new_tuple;
    /* The signal table's columns are id, type, data, in this order (spec §7.1). */
    char *vals[3] = {NULL, NULL, NULL};
    for (uint16_t i = 0; i < 3 && i < tup->n; i++)
        if (tup->values[i].kind == PGO_VALUE_TEXT)
            vals[i] = xasprintf("%.*s", (int)tup->values[i].len, tup->values[i].data);
    const char *cols[3] = {vals[0], vals[1], vals[2]};
    int rc = pg_signal_from_stream(t, is_delete, cols, errstr, errstr_size);
    for (int i = 0; i < 3; i++) free(vals[i]);
    return rc;
}

/* A streamed record with this key supersedes the row of that key in an open incremental
 * snapshot window (Debezium's processMessage, for every record it emits). */
static void dedup(pg_task_t *t, rel_t *r, const cd_value_t *key) {
    if (!t->inc || !r->key_schema || !pg_inc_window_open(t->inc)) return;
    cd_buf_t b = {0};
    key_text(t, r->key_schema, key, &b);
    pg_inc_streamed(t, r->relid, b.data, b.len);
    cd_buf_free(&b);
}
/* The open transaction opted out with 'skip-transaction' and its changes are not emitted
 * (connectd.skip.transaction.mode=skip). */
static bool opted_out(const pg_task_t *t) { return t->ctl.in_skip_txn && !t->cfg.skip_txn_mark; }

static int on_change(pg_task_t *t, const pgo_msg_t *m, uint64_t lsn, char *errstr, size_t errstr_size) {
    rel_t *r = find_rel(t, m->u.change.relid);
    if (!r) {
        snprintf(errstr, errstr_size, "Change for relation %u arrived before its Relation message", m->u.change.relid);
        return -1;
    }
    pg_msg_type_t type = m->type == 'I' ? PG_MSG_INSERT : m->type == 'U' ? PG_MSG_UPDATE : PG_MSG_DELETE;
    unsigned op = m->type == 'I' ? PG_OP_CREATE : m->type == 'U' ? PG_OP_UPDATE : PG_OP_DELETE;
    if (r->captured && (m->type == 'I' || m->type == 'D')) {
        t->ctl.in_signal_row = true;
        int src = signal_change(t, r, m, type, lsn, errstr, errstr_size);
        t->ctl.in_signal_row = false;
        if (src != 0) return -1;
    }
    if (!r->captured || skipped(t, op)) { /* no record: the position stays */
        t->filtered_since_emit++;
        atomic_fetch_add_explicit(&t->metrics.filtered[PG_CTX_STREAMING], 1, memory_order_relaxed);
        return 0;
    }
    if (opted_out(t)) return 0; /* as a filtered change; its commit is handed over (pg_dispatch) */
    cd_arena_reset(t->scratch);
    char seq[96];
    cd_value_t src;
    fill_source(t, &src, r->cat.schema, r->cat.table, true, lsn, seq, sizeof(seq));
    cd_value_t block = tx_block(t, r->data_collection, lsn);
    const pgo_tuple_t *newt = &m->u.change.new_tuple, *oldt = &m->u.change.old_tuple;
    bool has_old = m->u.change.old_kind != 0;
    cd_value_t after, before, key, old_key;
    int rc = 0;

    if (m->type == 'I') {
        if (!next_record(t, type, lsn)) return 0;
        if (build_struct(t, r, newt, r->value_cols, r->n_value, &after, errstr, errstr_size) ||
            (r->key_schema && build_struct(t, r, newt, r->key_cols, r->n_key, &key, errstr, errstr_size)))
            return -1;
        dedup(t, r, &key);
        cd_value_t env = envelope(t, NULL, &after, &src, "c", &block);
        rc = send_record(t, REC_DATA, r->topic, r->key_schema, r->key_schema ? &key : NULL, r->envelope, &env,
                         NULL, 0, errstr, errstr_size);
    } else if (m->type == 'U') {
        pgo_tuple_t merged = merge_toast(t, newt, m->u.change.old_kind == 'O' ? oldt : NULL);
        if (build_struct(t, r, &merged, r->value_cols, r->n_value, &after, errstr, errstr_size) ||
            (r->key_schema && build_struct(t, r, &merged, r->key_cols, r->n_key, &key, errstr, errstr_size)))
            return -1;
        /* An old tuple (the whole row, or the identity columns when one of them changed) is the
         * before image; without one, before is null. */
        if (has_old && build_struct(t, r, oldt, r->value_cols, r->n_value, &before, errstr, errstr_size)) return -1;
        bool key_changed = false;
        /* Debezium's emitUpdateRecord builds the old key from any old tuple, even an identity tuple
         * without the key columns (REPLICA IDENTITY USING INDEX on other columns: their values are
         * null, so the old key holds the NOT NULL fallbacks), and emits a key change whenever it
         * differs from the new key. Without an old tuple it is a plain update. */
        if (has_old && r->key_schema) {
            if (build_struct(t, r, oldt, r->key_cols, r->n_key, &old_key, errstr, errstr_size)) return -1;
            cd_buf_t a = {0}, b = {0};
            key_text(t, r->key_schema, &old_key, &a);
            key_text(t, r->key_schema, &key, &b);
            key_changed = a.len != b.len || memcmp(a.data, b.data, a.len) != 0;
            cd_buf_free(&a);
            cd_buf_free(&b);
        }
        if (!key_changed) {
            if (!next_record(t, type, lsn)) return 0;
            dedup(t, r, &key);
            cd_value_t env = envelope(t, has_old ? &before : NULL, &after, &src, "u", &block);
            rc = send_record(t, REC_DATA, r->topic, r->key_schema, r->key_schema ? &key : NULL, r->envelope, &env,
                             NULL, 0, errstr, errstr_size);
        } else {
            /* Primary key change: delete on the old key, tombstone, create on the new key; three
             * records at one LSN (pg_offset.h counts them). */
            cd_buf_t nk = {0}, ok = {0};
            key_text(t, r->key_schema, &key, &nk);
            key_text(t, r->key_schema, &old_key, &ok);
            cd_header_t hnew = {"__debezium.newkey", nk.data, nk.len};
            cd_header_t hold = {"__debezium.oldkey", ok.data, ok.len};
            cd_value_t block2 = tx_block(t, r->data_collection, lsn);
            dedup(t, r, &old_key);
            dedup(t, r, &key);
            if (next_record(t, type, lsn)) {
                cd_value_t del = envelope(t, &before, NULL, &src, "d", &block);
                rc = send_record(t, REC_DATA, r->topic, r->key_schema, &old_key, r->envelope, &del, &hnew, 1, errstr,
                                 errstr_size);
            }
            if (rc == 0 && t->cfg.tombstones_on_delete && next_record(t, type, lsn))
                rc = send_record(t, REC_DATA, r->topic, r->key_schema, &old_key, NULL, NULL, &hnew, 1, errstr, errstr_size);
            if (rc == 0 && next_record(t, type, lsn)) {
                cd_value_t cre = envelope(t, NULL, &after, &src, "c", &block2);
                rc = send_record(t, REC_DATA, r->topic, r->key_schema, &key, r->envelope, &cre, &hold, 1, errstr,
                                 errstr_size);
            }
            cd_buf_free(&nk);
            cd_buf_free(&ok);
        }
    } else {
        if (build_struct(t, r, oldt, r->value_cols, r->n_value, &before, errstr, errstr_size) ||
            (r->key_schema && build_struct(t, r, oldt, r->key_cols, r->n_key, &key, errstr, errstr_size)))
            return -1;
        if (next_record(t, type, lsn)) {
            dedup(t, r, &key);
            cd_value_t env = envelope(t, &before, NULL, &src, "d", &block);
            rc = send_record(t, REC_DATA, r->topic, r->key_schema, r->key_schema ? &key : NULL, r->envelope, &env, NULL,
                             0, errstr, errstr_size);
        }
        if (rc == 0 && t->cfg.tombstones_on_delete && next_record(t, type, lsn))
            rc = send_record(t, REC_DATA, r->topic, r->key_schema, r->key_schema ? &key : NULL, NULL, NULL, NULL, 0,
                             errstr, errstr_size);
    }
    return rc;
}

/* One record per captured table of the message, all at its LSN: resuming inside them sends the
 * rest. */
static int on_truncate(pg_task_t *t, const pgo_msg_t *m, uint64_t lsn, char *errstr, size_t errstr_size) {
    if (skipped(t, PG_OP_TRUNCATE) || opted_out(t)) return 0;
    for (uint32_t i = 0; i < m->u.truncate.nrelids; i++) {
        rel_t *r = find_rel(t, m->u.truncate.relids[i]);
        if (!r || !r->captured) continue;
        cd_arena_reset(t->scratch);
        char seq[96];
        cd_value_t src;
        fill_source(t, &src, r->cat.schema, r->cat.table, true, lsn, seq, sizeof(seq));
        cd_value_t block = tx_block(t, r->data_collection, lsn);
        if (!next_record(t, PG_MSG_TRUNCATE, lsn)) continue;
        cd_value_t env = envelope(t, NULL, NULL, &src, "t", &block);
        if (send_record(t, REC_DATA, r->topic, NULL, NULL, r->envelope, &env, NULL, 0, errstr, errstr_size) != 0)
            return -1;
    }
    return 0;
}

static int on_message(pg_task_t *t, const pgo_msg_t *m, uint64_t lsn, char *errstr, size_t errstr_size) {
    bool transactional = m->u.message.transactional;
    if (!pg_config_message_prefix_included(&t->cfg, m->u.message.prefix)) return 0;
    cd_arena_reset(t->scratch);
    char seq[96];
    cd_value_t src;
    /* A non-transactional message is committed where it stands before its record is built
     * (Debezium's commitMessage), so its sequence[0] is its own LSN. */
    if (!transactional) pg_pos_message(&t->pos, lsn);
    fill_source(t, &src, "", "", transactional, lsn, seq, sizeof(seq));
    cd_value_t block = transactional ? tx_block(t, "", lsn) : cd_null();
    if (transactional) {
        if (!next_record(t, PG_MSG_MESSAGE, lsn)) return 0;
    } else if (pg_resume_skips(&t->resume, &t->pos)) {
        return 0;
    }
    cd_value_t *kf = cd_arena_alloc(t->scratch, sizeof(cd_value_t));
    kf[0] = cd_string(m->u.message.prefix, strlen(m->u.message.prefix));
    cd_value_t key = {.type = CD_TYPE_STRUCT, .u.strct = {kf, 1}};
    cd_value_t *mf = cd_arena_alloc(t->scratch, 2 * sizeof(cd_value_t));
    mf[0] = cd_string(m->u.message.prefix, strlen(m->u.message.prefix));
    mf[1] = (cd_value_t){.type = CD_TYPE_BYTES, .u.str = {m->u.message.content, m->u.message.content_len}};
    cd_value_t *vf = cd_arena_alloc(t->scratch, 5 * sizeof(cd_value_t));
    vf[0] = cd_string("m", 1);
    vf[1] = cd_int(CD_TYPE_INT64, wall_us() / 1000);
    vf[2] = src;
    vf[3] = block;
    vf[4] = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {mf, 2}};
    cd_value_t value = {.type = CD_TYPE_STRUCT, .u.strct = {vf, 5}};
    return send_record(t, REC_MESSAGE, t->message_topic, &s_msg_key, &key, t->msg_value_schema, &value, NULL, 0, errstr,
                       errstr_size);
}

/* ------------------------------------------------------------------ snapshot reads */

/* An op "r" event of a row read by the snapshot (Debezium's SnapshotChangeRecordEmitter): no
 * before, no transaction block, source.snapshot the marker, txId the snapshot transaction's,
 * lsn and the offset's lsn where streaming starts. The caller has set t->pos for it. */
int pg_send_snapshot_row(pg_task_t *t, rel_t *r, const pgo_tuple_t *row, const char *marker, char *errstr,
                         size_t errstr_size) {
    cd_arena_reset(t->scratch);
    char seq[96];
    cd_value_t src;
    /* an initial snapshot's transaction, or the streamed transaction a blocking one interrupted */
    uint64_t txid = t->pos.snapshot_blocking ? t->pos.txid : t->pos.txid_snapshot;
    uint32_t xid = t->xid;
    t->xid = (uint32_t)txid;
    fill_source(t, &src, r->cat.schema, r->cat.table, txid != 0, t->pos.lsn, seq, sizeof(seq));
    t->xid = xid;
    ((cd_value_t *)src.u.strct.fields)[4] = cd_string(marker, strlen(marker)); /* fill_source's arena array */
    cd_value_t after, key;
    if (build_struct_as(t, r, row, r->value_cols, r->n_value, true, &after, errstr, errstr_size) ||
        (r->key_schema && build_struct_as(t, r, row, r->key_cols, r->n_key, true, &key, errstr, errstr_size)))
        return -1;
    cd_value_t env = envelope(t, NULL, &after, &src, "r", NULL);
    return send_record(t, REC_DATA, r->topic, r->key_schema, r->key_schema ? &key : NULL, r->envelope, &env, NULL, 0,
                       errstr, errstr_size);
}

int pg_send_heartbeat(pg_task_t *t, char *errstr, size_t errstr_size) {
    if (!t->pos.known) return 0; /* nothing is emitted while no offset exists yet */
    pg_heartbeat_action(t);
    cd_arena_reset(t->scratch);
    cd_value_t *kf = cd_arena_alloc(t->scratch, sizeof(cd_value_t));
    kf[0] = cd_string(t->cfg.topic_prefix, strlen(t->cfg.topic_prefix));
    cd_value_t key = {.type = CD_TYPE_STRUCT, .u.strct = {kf, 1}};
    cd_value_t *vf = cd_arena_alloc(t->scratch, sizeof(cd_value_t));
    vf[0] = cd_int(CD_TYPE_INT64, wall_us() / 1000);
    cd_value_t value = {.type = CD_TYPE_STRUCT, .u.strct = {vf, 1}};
    return send_record(t, REC_HEARTBEAT, t->heartbeat_topic, &s_hb_key, &key, &s_hb_value, &value, NULL, 0,
                       errstr, errstr_size);
}

int pg_dispatch(pg_task_t *t, const pgo_msg_t *m, uint64_t lsn, char *errstr, size_t errstr_size) {
    t->cur_lsn = lsn;
    switch (m->type) {
    case 'B':
        t->in_txn = true;
        t->xid = m->u.begin.xid;
        t->commit_ts_us = pgo_pg_epoch_to_unix_us(m->u.begin.commit_ts);
        tx_reset(t);
        t->ctl.in_skip_txn = false;
        pg_resume_begin(&t->resume, m->u.begin.final_lsn);
        pg_pos_begin(&t->pos, m->u.begin.xid, lsn, t->commit_ts_us);
        if (t->cfg.provide_transaction_metadata && !pg_resume_skips(&t->resume, &t->pos))
            return send_tx_event(t, true, lsn, errstr, errstr_size);
        return 0;
    case 'C': {
        /* The position moves first, so that the END record's offset says the transaction is
         * complete. A commit's position is the end of its WAL record (end_lsn, the LSN the server
         * gives the Commit message), as in Debezium's offsets, not the record's start. */
        bool emitted_before = t->resume.active && t->resume.skip_txn;
        t->in_txn = false;
        pg_pos_commit(&t->pos, m->u.commit.end_lsn);
        int rc = 0;
        if (t->cfg.provide_transaction_metadata && !emitted_before)
            rc = send_tx_event(t, false, m->u.commit.end_lsn, errstr, errstr_size);
        else if (opted_out(t) && !emitted_before)
            /* Nothing of it reached Kafka: its commit is handed over without a record, so that
             * the slot can release its WAL (a large archival delete) without waiting for the
             * next change. */
            rc = pg_send_position(t, errstr, errstr_size);
        t->ctl.in_skip_txn = false;
        pg_resume_commit(&t->resume, m->u.commit.end_lsn);
        tx_reset(t);
        return rc;
    }
    case 'R':
        return load_relation(t, &m->u.relation, errstr, errstr_size);
    case 'I':
    case 'U':
    case 'D': {
        if (t->resume.active && t->resume.skip_txn) return 0;
        int rc = on_change(t, m, lsn, errstr, errstr_size);
        if (rc != 0 || !(t->ctl.pause_after_row || t->ctl.stop_after_row)) return rc;
        /* A signal row of type 'pause', or a blocking snapshot's: the stream stops just after the
         * row (pg_control.h), so that the stream resumed from there does not see the row, and
         * act on it, again. When its own record was not emitted (skipped.operations), the
         * position still takes the row's place. */
        if (!(t->pos.lsn_proc == lsn && t->pos.type == PG_MSG_INSERT && t->pos.events))
            pg_pos_record(&t->pos, PG_MSG_INSERT, lsn);
        t->ctl.stop_after_row = false;
        if (!t->ctl.pause_after_row) return 0;
        t->ctl.pause_after_row = false;
        return pg_control_pause(t, lsn, "a signal row", errstr, errstr_size);
    }
    case 'T':
        if (t->resume.active && t->resume.skip_txn) return 0;
        return on_truncate(t, m, lsn, errstr, errstr_size);
    case 'M':
        if (t->resume.active && t->resume.skip_txn && m->u.message.transactional) return 0;
        /* Control messages are acted on, never emitted (pg_control.h). */
        if (t->cfg.control_prefix && !strcmp(m->u.message.prefix, t->cfg.control_prefix))
            return pg_control_message(t, m->u.message.transactional, m->u.message.content,
                                      m->u.message.content_len, lsn, errstr, errstr_size);
        return on_message(t, m, lsn, errstr, errstr_size);
    default:
        return 0; /* Origin, Type: nothing to emit */
    }
}

void pg_records_init(pg_task_t *t) {
    t->fixed = cd_arena_new();
    /* The message value: op, ts_ms, source, transaction, message{prefix, content}. */
    const cd_schema_t *content = &s_obytes;
    if (t->cfg.binary_handling_mode != PG_BINARY_BYTES) content = &s_ostr;
    cd_field_t *mf = cd_arena_alloc(t->fixed, 2 * sizeof(cd_field_t));
    mf[0] = (cd_field_t){"prefix", &s_ostr};
    mf[1] = (cd_field_t){"content", content};
    cd_schema_t *msg = struct_schema(t->fixed, "io.debezium.connector.postgresql.Message", false, mf, 2, 1);
    cd_field_t *vf = cd_arena_alloc(t->fixed, 5 * sizeof(cd_field_t));
    vf[0] = (cd_field_t){"op", &s_str};
    vf[1] = (cd_field_t){"ts_ms", &s_oi64};
    vf[2] = (cd_field_t){"source", &s_source};
    vf[3] = (cd_field_t){"transaction", &s_block};
    vf[4] = (cd_field_t){"message", msg};
    t->msg_value_schema = struct_schema(t->fixed, "io.debezium.connector.postgresql.MessageValue", false, vf, 5, 1);
}

void pg_records_free(pg_task_t *t) {
    free(t->off_cache);
    t->off_cache = NULL;
    cd_buf_free(&t->off_buf);
    cd_buf_free(&t->off_scratch);
    for (size_t i = 0; i < t->n_rels; i++) rel_free(t->rels[i]);
    free(t->rels);
    t->rels = NULL;
    t->n_rels = 0;
    tx_reset(t);
    if (t->fixed) cd_arena_destroy(t->fixed);
    t->fixed = NULL;
}

/* ------------------------------------------------------------------ incremental snapshot rows */

rel_t *pg_relation_by_id(pg_task_t *t, uint32_t relid) { return find_rel(t, relid); }

rel_t *pg_relation_by_name(pg_task_t *t, const char *schema, const char *table, bool fresh, char *errstr,
                           size_t errstr_size) {
    errstr[0] = '\0';
    for (size_t i = 0; !fresh && i < t->n_rels; i++) {
        rel_t *r = t->rels[i];
        if (r->captured && r->cat.schema && !strcmp(r->cat.schema, schema) && !strcmp(r->cat.table, table)) return r;
    }
    if (!t->conn) {
        snprintf(errstr, errstr_size, "No database connection to read table %s.%s", schema, table);
        return NULL;
    }
    /* What pgoutput's Relation message would say: the columns it sends (not dropped, not
     * generated), in attnum order, with their types and modifiers. */
    const char *params[2] = {schema, table};
    char err[512];
    PGresult *res = pg_exec(t->conn,
                            "SELECT c.oid, c.relreplident, a.attname, a.atttypid, a.atttypmod "
                            "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                            "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid "
                            "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
                            "AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum",
                            2, params, &t->bound, err, sizeof(err));
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(errstr, errstr_size, "Could not read the columns of %s.%s: %s", schema, table,
                 res ? PQresultErrorMessage(res) : err);
        PQclear(res);
        return NULL;
    }
    int n = PQntuples(res);
    if (n == 0) {
        PQclear(res);
        return NULL; /* errstr "": no such table */
    }
    pgo_column_t *cols = calloc((size_t)n, sizeof(*cols));
    for (int i = 0; i < n; i++) {
        cols[i].name = PQgetvalue(res, i, 2);
        cols[i].type_oid = (uint32_t)strtoul(PQgetvalue(res, i, 3), NULL, 10);
        cols[i].atttypmod = atoi(PQgetvalue(res, i, 4));
    }
    pgo_relation_t wire = {.oid = (uint32_t)strtoul(PQgetvalue(res, 0, 0), NULL, 10),
                           .nspname = schema,
                           .relname = table,
                           .replica_identity = PQgetvalue(res, 0, 1)[0],
                           .ncols = (uint16_t)n,
                           .columns = cols};
    int rc = load_relation(t, &wire, errstr, errstr_size);
    free(cols);
    PQclear(res);
    if (rc != 0) return NULL;
    rel_t *r = find_rel(t, wire.oid);
    if (r && !r->captured) {
        snprintf(errstr, errstr_size, "Table %s.%s is not captured (table.include.list / table.exclude.list)",
                 schema, table);
        return NULL;
    }
    return r;
}

int pg_row_key_text(pg_task_t *t, rel_t *r, const pgo_tuple_t *row, cd_buf_t *out, char *errstr, size_t errstr_size) {
    out->len = 0;
    if (!r->key_schema) return 0;
    cd_arena_reset(t->scratch);
    cd_value_t key;
    if (build_struct(t, r, row, r->key_cols, r->n_key, &key, errstr, errstr_size) != 0) return -1;
    key_text(t, r->key_schema, &key, out);
    return 0;
}

int pg_send_incremental_read(pg_task_t *t, rel_t *r, const pgo_tuple_t *row, char *errstr, size_t errstr_size) {
    cd_arena_reset(t->scratch);
    char seq[96];
    cd_value_t src;
    /* Debezium's source for these: the emit time (SourceInfo.update(clock instant)), the stream's
     * sequence where it stands (the close watermark's change), and no txId, lsn or xmin
     * (PostgresSourceInfoStructMaker leaves them out for INCREMENTAL). */
    int64_t now = wall_us();
    fill_source(t, &src, r->cat.schema, r->cat.table, false, t->cur_lsn, seq, sizeof(seq));
    cd_value_t *f = (cd_value_t *)src.u.strct.fields; /* in the scratch arena */
    f[3] = cd_int(CD_TYPE_INT64, now / 1000);
    f[4] = cd_string("incremental", 11);
    f[7] = cd_int(CD_TYPE_INT64, now);
    f[8] = cd_int(CD_TYPE_INT64, now * 1000);
    f[12] = cd_null();
    cd_value_t after, key;
    if (build_struct(t, r, row, r->value_cols, r->n_value, &after, errstr, errstr_size) ||
        (r->key_schema && build_struct(t, r, row, r->key_cols, r->n_key, &key, errstr, errstr_size)))
        return -1;
    cd_value_t env = envelope(t, NULL, &after, &src, "r", NULL);
    int rc = send_record(t, REC_DATA, r->topic, r->key_schema, r->key_schema ? &key : NULL, r->envelope, &env, NULL, 0,
                         errstr, errstr_size);
    if (rc == 0) t->last_sent_snapshot = true;
    return rc;
}
