/* topics.c - internal topic discovery, creation and the compaction check, with the fallbacks a
 * broker without CreateTopics/DescribeConfigs needs. */
#include "kafka/topics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static log_logger_t *tlog(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.connect.util.TopicAdmin");
    return lg;
}

static const char *purpose_of(const char *worker_key) {
    if (!strcmp(worker_key, "offset.storage.topic")) return "source connector offsets";
    if (!strcmp(worker_key, "config.storage.topic")) return "connector configurations";
    return "connector and task statuses";
}

/* Settings under the store's prefix that are not the store's own keys become topic configs. */
typedef struct {
    rd_kafka_NewTopic_t *nt;
    size_t strip;
} topic_cfg_ctx_t;

static void add_topic_config(const char *key, const char *value, const char *origin, void *opaque) {
    topic_cfg_ctx_t *ctx = opaque;
    const char *name = key + ctx->strip;
    if (!strcmp(name, "topic") || !strcmp(name, "partitions") ||
        !strcmp(name, "replication.factor"))
        return;
    if (!strcmp(name, "cleanup.policy")) {
        log_warn(tlog(), "Ignoring %s=%s (from %s): internal topics are always compacted", key,
                 value, origin);
        return;
    }
    rd_kafka_NewTopic_set_config(ctx->nt, name, value);
}

static int create_missing(rd_kafka_t *rk, const worker_config_t *wc, kafka_topic_spec_t *specs,
                          size_t n, int timeout_ms, char *errstr, size_t errstr_size) {
    rd_kafka_NewTopic_t *nts[8];
    kafka_topic_spec_t *which[8];
    size_t cnt = 0;
    for (size_t i = 0; i < n && cnt < 8; i++) {
        if (specs[i].existed) continue;
        char err[256];
        rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(specs[i].topic, specs[i].partitions,
                                                        specs[i].replication_factor, err, sizeof(err));
        if (!nt) {
            snprintf(errstr, errstr_size, "Cannot create topic '%s' (%s): %s", specs[i].topic,
                     specs[i].worker_key, err);
            for (size_t j = 0; j < cnt; j++) rd_kafka_NewTopic_destroy(nts[j]);
            return -1;
        }
        rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
        topic_cfg_ctx_t ctx = {nt, strlen(specs[i].prefix)};
        worker_config_foreach(wc, specs[i].prefix, add_topic_config, &ctx);
        nts[cnt] = nt;
        which[cnt++] = &specs[i];
    }
    if (cnt == 0) return 0;

    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, NULL, 0);
    rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, NULL, 0);
    rd_kafka_CreateTopics(rk, nts, cnt, opts, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 5000);
    int rc = 0;
    rd_kafka_resp_err_t all_err = ev ? rd_kafka_event_error(ev) : RD_KAFKA_RESP_ERR__TIMED_OUT;
    const char *all_msg = ev && all_err ? rd_kafka_event_error_string(ev) : "no answer";

    for (size_t i = 0; i < cnt && rc == 0; i++) {
        rd_kafka_resp_err_t err = all_err;
        const char *msg = all_msg;
        if (!all_err) {
            size_t rn;
            const rd_kafka_topic_result_t **res =
                rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &rn);
            err = RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
            for (size_t j = 0; j < rn; j++)
                if (!strcmp(rd_kafka_topic_result_name(res[j]), which[i]->topic)) {
                    err = rd_kafka_topic_result_error(res[j]);
                    msg = rd_kafka_topic_result_error_string(res[j]);
                }
        }
        if (!err) {
            log_info(tlog(), "Created topic '%s' (%s) with %d partitions, replication factor %d, "
                             "cleanup.policy=compact",
                     which[i]->topic, which[i]->worker_key, which[i]->partitions,
                     which[i]->replication_factor);
        } else if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            which[i]->existed = true; /* created by another worker meanwhile */
        } else if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ||
                   err == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION) {
            log_warn(tlog(),
                     "The broker could not create topic '%s' (%s): %s. Going on with the topic the "
                     "broker auto-creates on first use; it will not be compacted and may not have "
                     "the intended %d partitions. Create it yourself, compacted, on a real cluster.",
                     which[i]->topic, which[i]->worker_key, msg ? msg : rd_kafka_err2str(err),
                     which[i]->partitions);
        } else {
            snprintf(errstr, errstr_size,
                     "Unable to create topic '%s' supplied via the '%s' property: %s (%s). Create "
                     "it yourself (compacted) or fix the broker permissions and settings.",
                     which[i]->topic, which[i]->worker_key, msg ? msg : "", rd_kafka_err2name(err));
            rc = -1;
        }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    for (size_t i = 0; i < cnt; i++) rd_kafka_NewTopic_destroy(nts[i]);
    return rc;
}

int kafka_topics_ensure(rd_kafka_t *rk, const worker_config_t *wc, kafka_topic_spec_t *specs,
                        size_t n, int timeout_ms, char *errstr, size_t errstr_size) {
    const struct rd_kafka_metadata *md = NULL;
    /* all_topics=1: a request naming a topic would auto-create it on some brokers. */
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
    if (err) {
        snprintf(errstr, errstr_size, "Could not list the topics of the Kafka cluster: %s",
                 rd_kafka_err2str(err));
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        specs[i].existed = false;
        for (int t = 0; t < md->topic_cnt; t++) {
            if (strcmp(md->topics[t].topic, specs[i].topic) != 0) continue;
            specs[i].existed = true;
            if (specs[i].single_partition && md->topics[t].partition_cnt > 1 && rc == 0) {
                snprintf(errstr, errstr_size,
                         "Topic '%s' supplied via the '%s' property is required to have a single "
                         "partition in order to guarantee consistency of %s, but found %d "
                         "partitions.",
                         specs[i].topic, specs[i].worker_key, purpose_of(specs[i].worker_key),
                         md->topics[t].partition_cnt);
                rc = -1;
            }
        }
    }
    rd_kafka_metadata_destroy(md);
    if (rc) return rc;
    return create_missing(rk, wc, specs, n, timeout_ms, errstr, errstr_size);
}

struct kafka_topics_check {
    rd_kafka_queue_t *q;
    char *topics[8];
    char *worker_keys[8];
    size_t n;
    int done;
};

kafka_topics_check_t *kafka_topics_check_start(rd_kafka_t *rk, const kafka_topic_spec_t *specs,
                                               size_t n, int timeout_ms) {
    rd_kafka_ConfigResource_t *res[8];
    kafka_topics_check_t *chk = calloc(1, sizeof(*chk));
    if (!chk) return NULL;
    for (size_t i = 0; i < n && chk->n < 8; i++) {
        if (!specs[i].existed) continue;
        res[chk->n] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, specs[i].topic);
        chk->topics[chk->n] = strdup(specs[i].topic);
        chk->worker_keys[chk->n++] = strdup(specs[i].worker_key);
    }
    if (chk->n == 0) {
        chk->done = 1;
        return chk;
    }
    chk->q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, NULL, 0);
    rd_kafka_DescribeConfigs(rk, res, chk->n, opts, chk->q);
    rd_kafka_AdminOptions_destroy(opts);
    for (size_t i = 0; i < chk->n; i++) rd_kafka_ConfigResource_destroy(res[i]);
    return chk;
}

int kafka_topics_check_poll(kafka_topics_check_t *chk, int wait_ms, char *errstr, size_t errstr_size) {
    if (!chk || chk->done) return 1;
    rd_kafka_event_t *ev = rd_kafka_queue_poll(chk->q, wait_ms);
    if (!ev) return 0;
    chk->done = 1;
    int rc = 1;
    if (rd_kafka_event_error(ev)) {
        log_warn(tlog(), "Could not verify that the internal topics are compacted (%s); the check "
                         "is skipped. Make sure they have cleanup.policy=compact.",
                 rd_kafka_event_error_string(ev));
        rd_kafka_event_destroy(ev);
        return 1;
    }
    size_t rn;
    const rd_kafka_ConfigResource_t **rs =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &rn);
    for (size_t i = 0; i < rn && rc == 1; i++) {
        const char *topic = rd_kafka_ConfigResource_name(rs[i]);
        if (rd_kafka_ConfigResource_error(rs[i])) {
            log_warn(tlog(), "Could not verify that topic '%s' is compacted (%s); the check is "
                             "skipped.",
                     topic, rd_kafka_ConfigResource_error_string(rs[i]));
            continue;
        }
        size_t cn;
        const rd_kafka_ConfigEntry_t **ents = rd_kafka_ConfigResource_configs(rs[i], &cn);
        for (size_t c = 0; c < cn; c++) {
            if (strcmp(rd_kafka_ConfigEntry_name(ents[c]), "cleanup.policy") != 0) continue;
            const char *policy = rd_kafka_ConfigEntry_value(ents[c]);
            if (policy && !strcmp(policy, "compact")) break;
            const char *key = "storage topic";
            for (size_t k = 0; k < chk->n; k++)
                if (!strcmp(chk->topics[k], topic)) key = chk->worker_keys[k];
            const char *purpose = purpose_of(key);
            snprintf(errstr, errstr_size,
                     "Topic '%s' supplied via the '%s' property is required to have "
                     "'cleanup.policy=compact' to guarantee consistency and durability of %s, but "
                     "found the topic currently has 'cleanup.policy=%s'. Continuing would likely "
                     "result in eventually losing %s and problems restarting this Connect cluster "
                     "in the future. Change the '%s' property in the Connect worker configurations "
                     "to use a topic with 'cleanup.policy=compact'.",
                     topic, key, purpose, policy ? policy : "", purpose, key);
            rc = -1;
            break;
        }
    }
    rd_kafka_event_destroy(ev);
    return rc;
}

void kafka_topics_check_destroy(kafka_topics_check_t *chk) {
    if (!chk) return;
    if (chk->q) rd_kafka_queue_destroy(chk->q);
    for (size_t i = 0; i < chk->n; i++) {
        free(chk->topics[i]);
        free(chk->worker_keys[i]);
    }
    free(chk);
}
