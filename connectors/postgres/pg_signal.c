/* pg_signal.c - the signal channels (signal table in the stream, Kafka topic, file), the parsing
 * of signals, and the dispatcher: a table of signal types, each with its action, run on the task's
 * thread (Debezium's SignalProcessor and its actions, spec §7.2). */
#include "connectors/postgres/pg_signal.h"

#include <json-c/json.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connectors/postgres/pg_incremental.h"
#include "kafka/client.h"
#include "xalloc.h"

static log_logger_t *sig_log(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("io.debezium.pipeline.signal.SignalProcessor");
    return lg;
}

void pg_signal_clear(pg_signal_t *s) {
    free(s->id);
    free(s->type);
    free(s->data);
    memset(s, 0, sizeof(*s));
}

void pg_snapshot_request_clear(pg_snapshot_request_t *r) {
    for (size_t i = 0; i < r->n_collections; i++) free(r->collections[i]);
    free(r->collections);
    for (size_t i = 0; i < r->n_conditions; i++) {
        free(r->conditions[i].collection);
        free(r->conditions[i].filter);
    }
    free(r->conditions);
    free(r->surrogate_key);
    memset(r, 0, sizeof(*r));
}

/* ------------------------------------------------------------------ parsing */

static char *trimmed(const char *s) {
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
    return xasprintf("%.*s", (int)n, s);
}

static const char *str_member(json_object *o, const char *name) {
    json_object *v;
    if (!json_object_object_get_ex(o, name, &v) || !v || json_object_get_type(v) != json_type_string) return NULL;
    return json_object_get_string(v);
}

static json_object *parse_object(const char *data, char *errstr, size_t errstr_size) {
    json_object *o = data ? json_tokener_parse(data) : NULL;
    if (!o || json_object_get_type(o) != json_type_object) {
        snprintf(errstr, errstr_size, "Signal data '%s' cannot be parsed: not a JSON object", data ? data : "");
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* data-collections, trimmed; absent or empty gives none. */
static void collections(json_object *o, pg_snapshot_request_t *out) {
    json_object *a;
    if (!json_object_object_get_ex(o, "data-collections", &a) || !a || json_object_get_type(a) != json_type_array)
        return;
    size_t n = json_object_array_length(a);
    out->collections = xmalloc((n + 1) * sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(a, i);
        if (v && json_object_get_type(v) == json_type_string)
            out->collections[out->n_collections++] = trimmed(json_object_get_string(v));
    }
}

static int snapshot_kind(json_object *o, pg_snapshot_kind_t *kind, char *errstr, size_t errstr_size) {
    const char *type = str_member(o, "type");
    if (!type || !strcasecmp(type, "incremental")) {
        *kind = PG_SNAPSHOT_INCREMENTAL;
    } else if (!strcasecmp(type, "blocking")) {
        *kind = PG_SNAPSHOT_BLOCKING;
    } else {
        snprintf(errstr, errstr_size, "Detected an unexpected snapshot type '%s'. Signal will be skipped.", type);
        return -1;
    }
    return 0;
}

int pg_signal_parse_execute(const char *data, pg_snapshot_request_t *out, char *errstr, size_t errstr_size) {
    memset(out, 0, sizeof(*out));
    json_object *o = parse_object(data, errstr, errstr_size);
    if (!o) return -1;
    collections(o, out);
    if (out->n_collections == 0) {
        snprintf(errstr, errstr_size,
                 "Execute snapshot signal '%s' has arrived but the requested field 'data-collections' is missing "
                 "from data or is empty",
                 data);
        goto fail;
    }
    if (snapshot_kind(o, &out->kind, errstr, errstr_size) != 0) goto fail;
    json_object *conds;
    if (json_object_object_get_ex(o, "additional-conditions", &conds) && conds &&
        json_object_get_type(conds) == json_type_array) {
        size_t n = json_object_array_length(conds);
        out->conditions = calloc(n + 1, sizeof(*out->conditions));
        for (size_t i = 0; i < n; i++) {
            json_object *c = json_object_array_get_idx(conds, i);
            const char *dc = c ? str_member(c, "data-collection") : NULL;
            const char *filter = c ? str_member(c, "filter") : NULL;
            if (!dc || !filter) {
                snprintf(errstr, errstr_size,
                         "Signal data '%s' cannot be parsed: every additional-conditions entry needs "
                         "'data-collection' and 'filter' strings",
                         data);
                goto fail;
            }
            out->conditions[out->n_conditions].collection = xstrdup(dc);
            out->conditions[out->n_conditions++].filter = xstrdup(filter);
        }
    }
    const char *sk = str_member(o, "surrogate-key");
    if (sk) {
        char *t = trimmed(sk);
        if (*t) out->surrogate_key = t;
        else free(t);
    }
    json_object_put(o);
    return 0;
fail:
    json_object_put(o);
    pg_snapshot_request_clear(out);
    return -1;
}

int pg_signal_parse_stop(const char *data, pg_snapshot_request_t *out, char *errstr, size_t errstr_size) {
    memset(out, 0, sizeof(*out));
    json_object *o = parse_object(data ? data : "{}", errstr, errstr_size);
    if (!o) return -1;
    collections(o, out);
    int rc = snapshot_kind(o, &out->kind, errstr, errstr_size);
    json_object_put(o);
    if (rc) pg_snapshot_request_clear(out);
    return rc;
}

/* {"id":..,"type":..,"data":{..}}: what a Kafka message's value and a file line hold. */
static int from_document(const char *text, pg_signal_t *out, char *errstr, size_t errstr_size) {
    memset(out, 0, sizeof(*out));
    json_object *o = json_tokener_parse(text);
    if (!o || json_object_get_type(o) != json_type_object) {
        snprintf(errstr, errstr_size, "Skipped signal due to an error: '%s' is not a JSON object", text);
        json_object_put(o);
        return -1;
    }
    const char *id = str_member(o, "id"), *type = str_member(o, "type");
    json_object *d;
    out->id = xstrdup(id);
    out->type = xstrdup(type);
    if (json_object_object_get_ex(o, "data", &d) && d)
        out->data = xstrdup(json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return 1;
}

int pg_signal_from_kafka(const char *key, size_t key_len, const char *value, size_t value_len, const char *prefix,
                         pg_signal_t *out, char *errstr, size_t errstr_size) {
    memset(out, 0, sizeof(*out));
    if (!key || key_len != strlen(prefix) || memcmp(key, prefix, key_len) != 0) {
        snprintf(errstr, errstr_size, "Signal key '%.*s' doesn't match the connector's name '%s'", (int)key_len,
                 key ? key : "", prefix);
        return 0;
    }
    if (!value || value_len == 0) return 0;
    char *text = xasprintf("%.*s", (int)value_len, value);
    int rc = from_document(text, out, errstr, errstr_size);
    free(text);
    return rc;
}

int pg_signal_from_line(const char *line, pg_signal_t *out, char *errstr, size_t errstr_size) {
    memset(out, 0, sizeof(*out));
    char *t = trimmed(line);
    int rc = *t ? from_document(t, out, errstr, errstr_size) : 0;
    free(t);
    return rc;
}

char *pg_signal_log_text(const char *message, const char *offset) {
    const char *at = strstr(message, "{}");
    if (!at) return xstrdup(message);
    return xasprintf("%.*s%s%s", (int)(at - message), message, offset, at + 2);
}

/* ------------------------------------------------------------------ the actions */

typedef int (*action_fn)(pg_task_t *t, const pg_signal_t *s, char *errstr, size_t errstr_size);

/* The offset a record emitted now would carry, for the log signal. */
static char *current_offset(pg_task_t *t) {
    const char *const *k = NULL, *const *j = NULL;
    size_t n = t->inc ? pg_inc_offset_members(t->inc, &k, &j) : 0;
    pg_pos_extra_t extra = {k, j, n};
    return t->pos.known ? pg_pos_format_ext(&t->pos, NULL, &extra) : xstrdup("<none>");
}

static int act_log(pg_task_t *t, const pg_signal_t *s, char *errstr, size_t errstr_size) {
    (void)errstr;
    (void)errstr_size;
    json_object *o = s->data ? json_tokener_parse(s->data) : NULL;
    const char *msg = o && json_object_get_type(o) == json_type_object ? str_member(o, "message") : NULL;
    if (!msg || !*msg) {
        log_warn(sig_log(), "Logging signal '%s' has arrived but the requested field 'message' is missing from data",
                 s->id ? s->id : "");
    } else {
        char *off = current_offset(t);
        char *text = pg_signal_log_text(msg, off);
        log_info(log_get("io.debezium.pipeline.signal.actions.Log"), "%s", text);
        free(text);
        free(off);
    }
    json_object_put(o);
    return 0;
}

int pg_signal_blocking_snapshot(pg_task_t *t, pg_snapshot_request_t *req) {
    if (t->blocking || t->snap) {
        log_warn(sig_log(), "[%s] A blocking snapshot was requested while one runs; the signal is ignored",
                 cd_task_connector_name(t->ctx));
        return 0;
    }
    /* Taken over; the task runs it once the message that asked is processed (task_poll). */
    t->blocking = malloc(sizeof(*t->blocking));
    *t->blocking = *req;
    memset(req, 0, sizeof(*req));
    if (t->ctl.in_signal_row) t->ctl.stop_after_row = true;
    return 0;
}

static int act_execute(pg_task_t *t, const pg_signal_t *s, char *errstr, size_t errstr_size) {
    pg_snapshot_request_t req;
    char err[1024];
    if (pg_signal_parse_execute(s->data, &req, err, sizeof(err)) != 0) {
        log_warn(sig_log(), "%s", err);
        return 0;
    }
    log_info(log_get("io.debezium.pipeline.signal.actions.snapshotting.ExecuteSnapshot"),
             "Requested '%s' snapshot of data collections '%s%s' with surrogate key '%s'",
             req.kind == PG_SNAPSHOT_BLOCKING ? "BLOCKING" : "INCREMENTAL", req.collections[0],
             req.n_collections > 1 ? ", ..." : "", req.surrogate_key ? req.surrogate_key : "PK of table will be used");
    int rc;
    if (req.kind == PG_SNAPSHOT_BLOCKING) {
        rc = pg_signal_blocking_snapshot(t, &req);
    } else if (!t->cfg.signal_table) {
        log_warn(sig_log(), "Incremental snapshot is not properly configured: signal.data.collection is not set (the "
                            "connector writes its watermarks there); signal '%s' ignored",
                 s->id ? s->id : "");
        rc = 0;
    } else {
        rc = pg_inc_execute(t, s->id ? s->id : "", &req, errstr, errstr_size);
    }
    pg_snapshot_request_clear(&req);
    return rc;
}

static int act_stop(pg_task_t *t, const pg_signal_t *s, char *errstr, size_t errstr_size) {
    (void)errstr;
    (void)errstr_size;
    pg_snapshot_request_t req;
    char err[1024];
    if (pg_signal_parse_stop(s->data, &req, err, sizeof(err)) != 0) {
        log_warn(sig_log(), "%s", err);
        return 0;
    }
    if (req.kind == PG_SNAPSHOT_INCREMENTAL) pg_inc_stop(t, &req);
    pg_snapshot_request_clear(&req);
    return 0;
}

static int act_pause(pg_task_t *t, const pg_signal_t *s, char *errstr, size_t errstr_size) {
    (void)s;
    (void)errstr;
    (void)errstr_size;
    pg_inc_pause(t);
    return 0;
}

static int act_resume(pg_task_t *t, const pg_signal_t *s, char *errstr, size_t errstr_size) {
    (void)s;
    return pg_inc_resume(t, errstr, errstr_size);
}

static int act_open(pg_task_t *t, const pg_signal_t *s, char *errstr, size_t errstr_size) {
    (void)errstr;
    (void)errstr_size;
    pg_inc_open_window(t, s->id ? s->id : "");
    return 0;
}

static int act_close(pg_task_t *t, const pg_signal_t *s, char *errstr, size_t errstr_size) {
    return pg_inc_close_window(t, s->id ? s->id : "", errstr, errstr_size);
}

/* connectd's own types (not Debezium's): pause and resume the whole connector, as the control
 * messages of pg_control.h do. A signal row pauses once the row itself is processed (pg_dispatch);
 * a Kafka or file signal, read between transactions, at once. */
static int act_pause_connector(pg_task_t *t, const pg_signal_t *s, char *errstr, size_t errstr_size) {
    (void)s;
    if (t->ctl.in_signal_row) {
        t->ctl.pause_after_row = true;
        return 0;
    }
    return pg_control_pause(t, t->pos.lsn, "a signal", errstr, errstr_size);
}

static int act_resume_connector(pg_task_t *t, const pg_signal_t *s, char *errstr, size_t errstr_size) {
    (void)s;
    return pg_control_resume(t, t->pos.lsn, "a signal", errstr, errstr_size);
}

/* The signal types. */
static const struct {
    const char *type;
    action_fn run;
} ACTIONS[] = {
    {"log", act_log},
    {"execute-snapshot", act_execute},
    {"stop-snapshot", act_stop},
    {"pause-snapshot", act_pause},
    {"resume-snapshot", act_resume},
    {"snapshot-window-open", act_open},
    {"snapshot-window-close", act_close},
    {"pause", act_pause_connector},
    {"resume", act_resume_connector},
};

int pg_signal_dispatch(pg_task_t *t, const pg_signal_t *s, char *errstr, size_t errstr_size) {
    log_debug(sig_log(), "Received signal id = '%s', type = '%s', data = '%s'", s->id ? s->id : "null",
              s->type ? s->type : "null", s->data ? s->data : "null");
    for (size_t i = 0; s->type && i < sizeof(ACTIONS) / sizeof(ACTIONS[0]); i++)
        if (!strcmp(ACTIONS[i].type, s->type)) return ACTIONS[i].run(t, s, errstr, errstr_size);
    log_warn(sig_log(), "Signal '%s' has been received but the type '%s' is not recognized", s->id ? s->id : "null",
             s->type ? s->type : "null");
    return 0;
}

int pg_signal_from_stream(pg_task_t *t, bool is_delete, const char *const cols[3], char *errstr, size_t errstr_size) {
    if (is_delete) {
        /* insert_delete: the DELETE of a window's open row is its close watermark. */
        const char *id = cols[0];
        size_t n = id ? strlen(id) : 0;
        if (n > 5 && !strcmp(id + n - 5, "-open")) return pg_inc_close_window(t, id, errstr, errstr_size);
        return 0;
    }
    pg_signal_t s = {xstrdup(cols[0]), xstrdup(cols[1]), xstrdup(cols[2])};
    int rc = pg_signal_dispatch(t, &s, errstr, errstr_size);
    pg_signal_clear(&s);
    return rc;
}

/* ------------------------------------------------------------------ the Kafka and file channels */

struct pg_signals {
    rd_kafka_t *consumer;
    int64_t next_poll_ms;
};

int pg_signal_open(pg_task_t *t, char *errstr, size_t errstr_size) {
    if (!(t->cfg.signal_channels & (PG_SIGNAL_CHANNEL_KAFKA | PG_SIGNAL_CHANNEL_FILE))) return 0;
    struct pg_signals *sg = calloc(1, sizeof(*sg));
    t->signals = sg;
    if (!(t->cfg.signal_channels & PG_SIGNAL_CHANNEL_KAFKA)) return 0;
    if (!t->cfg.signal_kafka_bootstrap) {
        snprintf(errstr, errstr_size,
                 "Signal channel kafka configuration is invalid: signal.kafka.bootstrap.servers is required when "
                 "signal.enabled.channels contains 'kafka'");
        return -1;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char err[512], cid[64];
    snprintf(cid, sizeof(cid), "%s-signal-%s", t->cfg.topic_prefix, t->run_id);
    /* Debezium's defaults for its signal consumer, then signal.consumer.* over them. */
    const char *defaults[][2] = {{"bootstrap.servers", t->cfg.signal_kafka_bootstrap},
                                 {"group.id", t->cfg.signal_kafka_group},
                                 {"client.id", cid},
                                 {"enable.auto.commit", "true"},
                                 {"auto.offset.reset", "earliest"},
                                 {"session.timeout.ms", "10000"}};
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        rd_kafka_conf_set(conf, defaults[i][0], defaults[i][1], err, sizeof(err));
    const cd_props_t *ov = t->cfg.signal_consumer;
    for (size_t i = 0; ov && i < cd_props_count(ov); i++) {
        const char *k = cd_props_key_at(ov, i), *v = cd_props_value_at(ov, i);
        if (!strcmp(k, "key.deserializer") || !strcmp(k, "value.deserializer")) continue; /* Java-only */
        rd_kafka_conf_res_t r = rd_kafka_conf_set(conf, k, v ? v : "", err, sizeof(err));
        if (r == RD_KAFKA_CONF_UNKNOWN)
            log_warn(sig_log(), "signal.consumer.%s is not a setting of the Kafka client library; ignored", k);
        else if (r != RD_KAFKA_CONF_OK) {
            snprintf(errstr, errstr_size, "invalid signal.consumer.%s=%s: %s", k, v ? v : "", err);
            rd_kafka_conf_destroy(conf);
            return -1;
        }
    }
    kafka_conf_route_logs(conf);
    sg->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (!sg->consumer) {
        rd_kafka_conf_destroy(conf);
        snprintf(errstr, errstr_size, "Could not create the Kafka signal consumer: %s", err);
        return -1;
    }
    /* Debezium assigns partition 0 of the signal topic (no subscription, no rebalances); the
     * group's committed offset says where to go on. */
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, t->cfg.signal_kafka_topic, 0)->offset = RD_KAFKA_OFFSET_STORED;
    rd_kafka_resp_err_t e = rd_kafka_assign(sg->consumer, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    if (e) {
        snprintf(errstr, errstr_size, "Could not assign the signal topic %s: %s", t->cfg.signal_kafka_topic,
                 rd_kafka_err2str(e));
        return -1;
    }
    log_info(sig_log(), "Subscribing to signals topic '%s'", t->cfg.signal_kafka_topic);
    return 0;
}

void pg_signal_close(pg_task_t *t) {
    struct pg_signals *sg = t->signals;
    if (!sg) return;
    if (sg->consumer) {
        rd_kafka_commit(sg->consumer, NULL, 0);
        rd_kafka_consumer_close(sg->consumer);
        rd_kafka_destroy(sg->consumer);
    }
    free(sg);
    t->signals = NULL;
}

static int poll_kafka(pg_task_t *t, char *errstr, size_t errstr_size) {
    rd_kafka_t *c = t->signals->consumer;
    int timeout = t->cfg.signal_kafka_poll_timeout_ms;
    for (int i = 0; i < 100; i++) { /* a bounded batch per poll */
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, i == 0 ? timeout : 0);
        if (!m) break;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                log_warn(sig_log(), "Reading the signal topic %s: %s", t->cfg.signal_kafka_topic,
                         rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        pg_signal_t s;
        char err[1024];
        int r = pg_signal_from_kafka(m->key, m->key_len, m->payload, m->len, t->cfg.topic_prefix, &s, err, sizeof(err));
        rd_kafka_message_destroy(m);
        if (r < 0) log_warn(sig_log(), "%s", err);
        if (r == 0 && *err) log_info(sig_log(), "%s", err);
        if (r <= 0) continue;
        int rc = pg_signal_dispatch(t, &s, errstr, errstr_size);
        pg_signal_clear(&s);
        if (rc) return rc;
    }
    return 0;
}

/* Debezium's FileSignalChannel: every line of the file, then the file emptied. */
static int poll_file(pg_task_t *t, char *errstr, size_t errstr_size) {
    FILE *f = fopen(t->cfg.signal_file, "r");
    if (!f) return 0;
    char **lines = NULL;
    size_t n = 0;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) >= 0) {
        lines = xrealloc(lines, (n + 1) * sizeof(char *));
        lines[n++] = xstrdup(line);
    }
    free(line);
    fclose(f);
    if (n) {
        FILE *w = fopen(t->cfg.signal_file, "w");
        if (w) fclose(w);
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        pg_signal_t s;
        char err[1024];
        int r = rc ? 0 : pg_signal_from_line(lines[i], &s, err, sizeof(err));
        if (r < 0) log_warn(sig_log(), "%s", err);
        if (r > 0) {
            log_info(sig_log(), "Processing signal: %s, %s, %s", s.id ? s.id : "null", s.type ? s.type : "null",
                     s.data ? s.data : "null");
            rc = pg_signal_dispatch(t, &s, errstr, errstr_size);
            pg_signal_clear(&s);
        }
        free(lines[i]);
    }
    free(lines);
    return rc;
}

int pg_signal_poll(pg_task_t *t, char *errstr, size_t errstr_size) {
    struct pg_signals *sg = t->signals;
    if (!sg) return 0;
    int64_t now = pg_mono_ms();
    if (now < sg->next_poll_ms) return 0;
    sg->next_poll_ms = now + t->cfg.signal_poll_interval_ms;
    if (sg->consumer && poll_kafka(t, errstr, errstr_size) != 0) return -1;
    if ((t->cfg.signal_channels & PG_SIGNAL_CHANNEL_FILE) && poll_file(t, errstr, errstr_size) != 0) return -1;
    return 0;
}
