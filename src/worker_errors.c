/* worker_errors.c - a task's error handling, as Kafka Connect's RetryWithToleranceOperator with its
 * LogReporter and, for sink tasks, its DeadLetterQueueReporter configure it from the connector's
 * errors.* keys.
 *
 * What it keeps:
 * - A record whose conversion or transformation fails (a source record Kafka refuses for good,
 *   too) is reported before anything else happens to it: logged when errors.log.enable, and, for
 *   a sink task with errors.deadletterqueue.topic.name, written to the dead letter queue with the
 *   key, value, headers and timestamp it was consumed with (and the context headers when asked).
 *   Then it is skipped (errors.tolerance=all) or it fails the task (none, Kafka's default), with
 *   Kafka's "Tolerance exceeded in error handler" trace.
 * - A sink task commits its consumer offsets only once the dead letter queue has every record
 *   reported before (errors_flush, called before each commit): a record it skipped is in the
 *   dead letter queue or is consumed again after a restart, never lost on the way.
 * - A source record skipped this way counts as sent: its position is committed once everything
 *   before it is in Kafka, as for a record a transformation drops (README, "Transforms").
 * - errors.retry.timeout and errors.retry.delay.max.ms: Kafka Connect retries an operation of
 *   these stages only when it throws a RetriableException. None of the converters and
 *   transformations connectd has throws one (nor do Kafka's and Debezium's own), so a failure is
 *   final at once, in both. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connect/java_string.h"
#include "connect/java_util.h"
#include "kafka/client.h"
#include "worker_task.h"

static const char *const STAGE_NAMES[] = {
    [STAGE_KEY_CONVERTER] = "KEY_CONVERTER",
    [STAGE_VALUE_CONVERTER] = "VALUE_CONVERTER",
    [STAGE_HEADER_CONVERTER] = "HEADER_CONVERTER",
    [STAGE_TRANSFORMATION] = "TRANSFORMATION",
    [STAGE_KAFKA_PRODUCE] = "KAFKA_PRODUCE",
};

static log_logger_t *reporter_log(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.connect.runtime.errors.LogReporter");
    return lg;
}

static log_logger_t *dlq_log(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.connect.runtime.errors.DeadLetterQueueReporter");
    return lg;
}

/* A STRING or BOOLEAN setting as ConfigDef reads it: trimmed; NULL when unset or blank. */
static char *setting(const cd_props_t *config, const char *key) {
    const char *v = cd_props_get(config, key);
    char *t = v ? ju_trim(v) : NULL;
    if (t && !*t) {
        free(t);
        t = NULL;
    }
    return t;
}

static bool setting_bool(const cd_props_t *config, const char *key) {
    char *v = setting(config, key);
    bool b = v && !strcasecmp(v, "true");
    free(v);
    return b;
}

/* ---- the dead letter queue --------------------------------------------------------------------- */

static void on_dlq_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    task_t *t = opaque;
    if (m->err) {
        log_error(dlq_log(), "%s Could not produce message to dead letter queue. topic=%s: %s", t->name,
                  t->errors.dlq_topic, rd_kafka_err2str(m->err));
        t->errors.dlq_failed = true;
        task_metrics_count(&t->m.dlq_failures, 1);
    }
}

/* DeadLetterQueueReporter.createAndSetup: the topic is created (one partition, the configured
 * replication factor) when the cluster does not list it. */
static int dlq_topic_ensure(task_t *t, char *errstr, size_t errstr_size) {
    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(t->errors.dlq, 1, NULL, &md, 30000);
    if (e) {
        snprintf(errstr, errstr_size, "Could not initialize dead letter queue with topic=%s: %s",
                 t->errors.dlq_topic, rd_kafka_err2str(e));
        return -1;
    }
    bool found = kafka_metadata_has_topic(md, t->errors.dlq_topic);
    bool can_create = kafka_metadata_can_create_topics(t->errors.dlq, md);
    rd_kafka_metadata_destroy(md);
    if (found) return 0;
    if (!can_create) { /* as topic creation does on such a cluster (the embedded broker) */
        log_warn(dlq_log(), "Topic %s doesn't exist and the Kafka cluster cannot create topics (its metadata names "
                            "no controller, as with the embedded broker). Going on with the topic the broker "
                            "creates on first use.",
                 t->errors.dlq_topic);
        return 0;
    }
    log_error(dlq_log(), "Topic %s doesn't exist. Will attempt to create topic.", t->errors.dlq_topic);
    char err[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(t->errors.dlq_topic, 1, t->errors.dlq_rf, err, sizeof(err));
    if (!nt) {
        snprintf(errstr, errstr_size, "Could not initialize dead letter queue with topic=%s: %s", t->errors.dlq_topic,
                 err);
        return -1;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(t->errors.dlq);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(t->errors.dlq, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(opts, 30000, NULL, 0);
    rd_kafka_CreateTopics(t->errors.dlq, &nt, 1, opts, q);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 35000);
    const char *msg = "timed out";
    e = RD_KAFKA_RESP_ERR__TIMED_OUT;
    if (ev && rd_kafka_event_error(ev)) {
        e = rd_kafka_event_error(ev);
        msg = rd_kafka_event_error_string(ev);
    } else if (ev) {
        size_t rn = 0;
        const rd_kafka_topic_result_t **res =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &rn);
        e = rn ? rd_kafka_topic_result_error(res[0]) : RD_KAFKA_RESP_ERR__FAIL;
        msg = rn ? rd_kafka_topic_result_error_string(res[0]) : "no result";
        if (!msg) msg = rd_kafka_err2str(e);
    }
    int rc = 0;
    if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        snprintf(errstr, errstr_size, "Could not initialize dead letter queue with topic=%s: %s", t->errors.dlq_topic,
                 msg);
        rc = -1;
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    return rc;
}

static int dlq_start(task_t *t, char *errstr, size_t errstr_size) {
    char client_id[600];
    snprintf(client_id, sizeof(client_id), "connector-dlq-producer-%s", t->name);
    rd_kafka_conf_t *conf = kafka_client_conf(t->w->wc, KAFKA_ROLE_PRODUCER, client_id, errstr, errstr_size);
    if (!conf) return -1;
    rd_kafka_conf_set(conf, "acks", "all", NULL, 0);
    rd_kafka_conf_set(conf, "enable.idempotence", "true", NULL, 0);
    rd_kafka_conf_set(conf, "message.timeout.ms", "0", NULL, 0); /* retried until delivered */
    rd_kafka_conf_set_dr_msg_cb(conf, on_dlq_delivery);
    t->errors.dlq = task_client_new(t, RD_KAFKA_PRODUCER, conf, "producer.override.", errstr, errstr_size);
    if (!t->errors.dlq) return -1;
    return dlq_topic_ensure(t, errstr, errstr_size);
}

int errors_init(task_t *t, char *errstr, size_t errstr_size) {
    task_errors_t *e = &t->errors;
    char *tol = setting(t->conn_config, "errors.tolerance");
    e->tolerate_all = tol && !strcasecmp(tol, "all");
    free(tol);
    e->log = setting_bool(t->conn_config, "errors.log.enable");
    e->log_records = setting_bool(t->conn_config, "errors.log.include.messages");
    char *dlq = setting(t->conn_config, "errors.deadletterqueue.topic.name");
    if (dlq && t->plugin->type != CD_CONNECTOR_SINK) {
        log_warn(wlog(), "%s errors.deadletterqueue.topic.name=%s is not used: only sink connectors have a dead "
                         "letter queue, as in Kafka Connect",
                 t->name, dlq);
        free(dlq);
        dlq = NULL;
    }
    if (!dlq) return 0;
    e->dlq_topic = dlq;
    e->dlq_headers = setting_bool(t->conn_config, "errors.deadletterqueue.context.headers.enable");
    char *rf = setting(t->conn_config, "errors.deadletterqueue.topic.replication.factor");
    e->dlq_rf = rf ? atoi(rf) : 3;
    free(rf);
    return dlq_start(t, errstr, errstr_size);
}

static void add_header(rd_kafka_headers_t *h, const char *name, const char *value) {
    rd_kafka_header_add(h, name, -1, value, (ssize_t)strlen(value));
}

/* DeadLetterQueueReporter.report: the record as consumed, to the dead letter queue. */
static void dlq_report(task_t *t, err_stage_t stage, const char *klass, const char *exc_class, const char *message,
                       const char *trace, const rd_kafka_message_t *m) {
    rd_kafka_headers_t *orig = NULL;
    rd_kafka_headers_t *h = NULL;
    if (!rd_kafka_message_headers(m, &orig) && orig) h = rd_kafka_headers_copy(orig);
    if (t->errors.dlq_headers) {
        if (!h) h = rd_kafka_headers_new(10);
        char num[32];
        add_header(h, "__connect.errors.topic", rd_kafka_topic_name(m->rkt));
        snprintf(num, sizeof(num), "%d", (int)m->partition);
        add_header(h, "__connect.errors.partition", num);
        snprintf(num, sizeof(num), "%lld", (long long)m->offset);
        add_header(h, "__connect.errors.offset", num);
        add_header(h, "__connect.errors.connector.name", t->connector);
        snprintf(num, sizeof(num), "%d", t->id);
        add_header(h, "__connect.errors.task.id", num);
        add_header(h, "__connect.errors.stage", STAGE_NAMES[stage]);
        add_header(h, "__connect.errors.class.name", klass);
        add_header(h, "__connect.errors.exception.class.name", exc_class);
        add_header(h, "__connect.errors.exception.message", message);
        add_header(h, "__connect.errors.exception.stacktrace", trace);
    }
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(m, &tstype);
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            t->errors.dlq, RD_KAFKA_V_TOPIC(t->errors.dlq_topic),
            RD_KAFKA_V_KEY(m->key, m->key ? m->key_len : 0), RD_KAFKA_V_VALUE(m->payload, m->payload ? m->len : 0),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_TIMESTAMP(ts >= 0 ? ts : 0), RD_KAFKA_V_HEADERS(h),
            RD_KAFKA_V_END);
        if (!err) return; /* the producer owns the headers now */
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && !atomic_load(&t->stop)) {
            rd_kafka_poll(t->errors.dlq, 50);
            continue;
        }
        log_error(dlq_log(), "%s Could not produce message to dead letter queue. topic=%s: %s", t->name,
                  t->errors.dlq_topic, rd_kafka_err2str(err));
        t->errors.dlq_failed = true;
        if (h) rd_kafka_headers_destroy(h);
        return;
    }
}

/* ---- the log reporter -------------------------------------------------------------------------- */

/* A source partition or offset (JSON object text) as a Java Map's toString. */
static void java_map_of_json(cd_buf_t *b, const char *json) {
    struct json_object *o = json ? json_tokener_parse(json) : NULL;
    if (!o || !json_object_is_type(o, json_type_object)) {
        cd_buf_append(b, json ? json : "null", strlen(json ? json : "null"));
        json_object_put(o);
        return;
    }
    cd_buf_append(b, "{", 1);
    bool first = true;
    json_object_object_foreach(o, k, val) {
        if (!first) cd_buf_append(b, ", ", 2);
        first = false;
        cd_buf_append(b, k, strlen(k));
        cd_buf_append(b, "=", 1);
        const char *s = val ? json_object_get_string(val) : "null";
        cd_buf_append(b, s, strlen(s));
    }
    cd_buf_append(b, "}", 1);
    json_object_put(o);
}

/* SourceRecord.toString. */
static void source_record_string(cd_buf_t *b, const cd_source_record_t *r) {
    char num[64];
    cd_buf_append(b, "SourceRecord{sourcePartition=", 29);
    java_map_of_json(b, r->source_partition);
    cd_buf_append(b, ", sourceOffset=", 15);
    java_map_of_json(b, r->source_offset);
    cd_buf_append(b, "} ConnectRecord{topic='", 23);
    cd_buf_append(b, r->topic, strlen(r->topic));
    cd_buf_append(b, "', kafkaPartition=", 18);
    if (r->kafka_partition >= 0)
        cd_buf_append(b, num, (size_t)snprintf(num, sizeof(num), "%d", (int)r->kafka_partition));
    else
        cd_buf_append(b, "null", 4);
    cd_buf_append(b, ", key=", 6);
    cd_java_to_string(b, r->key_schema, r->key);
    cd_buf_append(b, ", keySchema=", 12);
    cd_java_schema_string(b, r->key_schema);
    cd_buf_append(b, ", value=", 8);
    cd_java_to_string(b, r->value_schema, r->value);
    cd_buf_append(b, ", valueSchema=", 14);
    cd_java_schema_string(b, r->value_schema);
    cd_buf_append(b, ", timestamp=", 12);
    if (r->timestamp_ms >= 0)
        cd_buf_append(b, num, (size_t)snprintf(num, sizeof(num), "%lld", (long long)r->timestamp_ms));
    else
        cd_buf_append(b, "null", 4);
    cd_buf_append(b, ", headers=ConnectHeaders(headers=", 33);
    if (r->n_headers) {
        cd_buf_append(b, "[", 1);
        for (size_t i = 0; i < r->n_headers; i++) {
            if (i) cd_buf_append(b, ", ", 2);
            cd_buf_append(b, "ConnectHeader(key=", 18);
            cd_buf_append(b, r->headers[i].key, strlen(r->headers[i].key));
            cd_buf_append(b, ", value=", 8);
            if (r->headers[i].value) cd_buf_append(b, r->headers[i].value, r->headers[i].value_len);
            else cd_buf_append(b, "null", 4);
            cd_buf_append(b, ", schema=Schema{STRING})", 24);
        }
        cd_buf_append(b, "]", 1);
    }
    cd_buf_append(b, ")}", 2);
}

/* LogReporter.report: "Error encountered in task <task>. Executing stage '<STAGE>' with class
 * '<class>'[, where ... is ...]." with the exception on the lines after it. */
static void log_report(task_t *t, err_stage_t stage, const char *klass, const char *trace, const errant_t *rec) {
    cd_buf_t b = {0};
    char head[1024];
    cd_buf_append(&b, head,
                  (size_t)snprintf(head, sizeof(head), "Error encountered in task %s. Executing stage '%s' with class '%s'",
                                   t->name, STAGE_NAMES[stage], klass));
    if (t->errors.log_records && rec && rec->source) {
        cd_buf_append(&b, ", where source record is = ", 27);
        source_record_string(&b, rec->source);
    } else if (t->errors.log_records && rec && rec->consumed) {
        const rd_kafka_message_t *m = rec->consumed;
        rd_kafka_timestamp_type_t tstype;
        int64_t ts = rd_kafka_message_timestamp(m, &tstype);
        cd_buf_append(&b, head,
                      (size_t)snprintf(head, sizeof(head), ", where consumed record is {topic='%s', partition=%d, offset=%lld",
                                       rd_kafka_topic_name(m->rkt), (int)m->partition, (long long)m->offset));
        if (tstype == RD_KAFKA_TIMESTAMP_CREATE_TIME || tstype == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME)
            cd_buf_append(&b, head,
                          (size_t)snprintf(head, sizeof(head), ", timestamp=%lld, timestampType=%s", (long long)ts,
                                           tstype == RD_KAFKA_TIMESTAMP_CREATE_TIME ? "CreateTime" : "LogAppendTime"));
        cd_buf_append(&b, "}", 1);
    }
    cd_buf_append(&b, ".\n", 2);
    cd_buf_append(&b, trace, strlen(trace));
    while (b.len && b.data[b.len - 1] == '\n') b.len--;
    cd_buf_append(&b, "", 1);
    log_error(reporter_log(), "%s", b.data);
    cd_buf_free(&b);
}

/* ---- the operator ------------------------------------------------------------------------------ */

/* Whether msg starts with a Java exception's class name and ": " ("java.lang.NullPointerException:
 * ..."), as a failure names an exception other than the stage's usual one: the length of that
 * name, else 0. */
static size_t java_exception_prefix(const char *msg) {
    size_t n = strspn(msg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$.");
    if (n < 10 || strncmp(msg + n, ": ", 2) != 0 || !memchr(msg, '.', n)) return 0;
    const char *last = msg + n;
    while (last > msg && last[-1] != '.') last--;
    size_t tail = (size_t)(msg + n - last);
    bool named = (tail > 9 && !strncmp(msg + n - 9, "Exception", 9)) || (tail > 5 && !strncmp(msg + n - 5, "Error", 5));
    return named && *last >= 'A' && *last <= 'Z' ? n : 0;
}

int errors_handle(task_t *t, err_stage_t stage, const char *klass, const char *exc_class, const char *error,
                  const errant_t *rec) {
    task_errors_t *e = &t->errors;
    e->failures++;
    /* task-error-metrics (ErrorHandlingMetrics): connectd retries nothing, so every failure is
     * a record's error; logged, sent to the dead letter queue, and skipped when tolerated */
    task_metrics_count(&t->m.rec_failures, 1);
    task_metrics_count(&t->m.rec_errors, 1);
    atomic_store(&t->m.last_error_ms, wall_ms());
    if (e->log) task_metrics_count(&t->m.errors_logged, 1);
    if (e->dlq && rec && rec->consumed) task_metrics_count(&t->m.dlq_requests, 1);
    if (e->tolerate_all) task_metrics_count(&t->m.rec_skipped, 1);
    char named[256];
    size_t pre = java_exception_prefix(error);
    if (pre && pre < sizeof(named)) {
        memcpy(named, error, pre);
        named[pre] = '\0';
        exc_class = named;
        error += pre + 2;
    }
    /* The exception's message is the first line of error; what follows are its causes. */
    const char *nl = strchr(error, '\n');
    size_t mlen = nl ? (size_t)(nl - error) : strlen(error);
    char *message = strndup(error, mlen);
    char *trace = NULL;
    if (asprintf(&trace, "%s: %s\n", exc_class, error) < 0) abort();
    if (e->log) log_report(t, stage, klass, trace, rec);
    if (e->dlq && rec && rec->consumed) dlq_report(t, stage, klass, exc_class, message, trace, rec->consumed);
    int rc = 0;
    if (!e->tolerate_all) {
        free(e->trace);
        if (asprintf(&e->trace, "org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error "
                                "handler\nCaused by: %s",
                     trace) < 0)
            abort();
        snprintf(e->cause, sizeof(e->cause), "%s", message);
        e->failed = true;
        rc = -1;
    }
    free(message);
    free(trace);
    return rc;
}

void errors_fail_task(task_t *t) {
    task_fail_with_trace(t, t->errors.cause, t->errors.trace);
}

int errors_flush(task_t *t, int timeout_ms) {
    if (!t->errors.dlq) return 0;
    bool pending = rd_kafka_flush(t->errors.dlq, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR;
    return t->errors.dlq_failed ? -1 : pending ? 1 : 0;
}

void errors_close(task_t *t) {
    task_errors_t *e = &t->errors;
    if (e->dlq) {
        rd_kafka_flush(e->dlq, (int)t->w->shutdown_timeout_ms);
        rd_kafka_destroy(e->dlq);
    }
    free(e->dlq_topic);
    free(e->trace);
    memset(e, 0, sizeof(*e));
}
