/* topics.c - internal topic discovery, creation and the compaction check, with the fallbacks a
 * broker without CreateTopics/DescribeConfigs needs. */
#include "kafka/topics.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kafka/client.h"
#include "log.h"

/* Kafka's retry.backoff.ms default: the pause between topic creation attempts. */
#define RETRY_BACKOFF_MS 100

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
    bool single_partition;
} topic_cfg_ctx_t;

static void add_topic_config(const char *key, const char *value, const char *origin, void *opaque) {
    topic_cfg_ctx_t *ctx = opaque;
    const char *name = key + ctx->strip;
    if (!strcmp(name, "partitions") && ctx->single_partition)
        log_warn(tlog(), "Ignoring '%s=%s' setting (from %s), since config topic partitions is "
                         "always 1", key, value, origin);
    if (!strcmp(name, "topic") || !strcmp(name, "partitions") ||
        !strcmp(name, "replication.factor"))
        return;
    if (!strcmp(name, "cleanup.policy")) {
        log_warn(tlog(), "Ignoring '%s=%s' setting (from %s), since compaction is always used", key,
                 value, origin);
        return;
    }
    rd_kafka_NewTopic_set_config(ctx->nt, name, value);
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One CreateTopics request for the specs still pending. Clears pending[i] for each topic that is
 * settled (created, found, or left to auto-creation); leaves it set for a topic to try again.
 * Returns 0, or -1 with errstr. */
static int create_once(rd_kafka_t *rk, const worker_config_t *wc, kafka_topic_spec_t *specs,
                       size_t n, bool *pending, int attempt, int64_t left_ms, char *errstr,
                       size_t errstr_size) {
    bool may_retry = left_ms > RETRY_BACKOFF_MS;
    int timeout_ms = left_ms > 1000 ? (int)left_ms : 1000;
    rd_kafka_NewTopic_t *nts[8];
    size_t which[8];
    size_t cnt = 0;
    for (size_t i = 0; i < n && cnt < 8; i++) {
        if (!pending[i]) continue;
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
        topic_cfg_ctx_t ctx = {nt, strlen(specs[i].prefix), specs[i].single_partition};
        worker_config_foreach(wc, specs[i].prefix, add_topic_config, &ctx);
        nts[cnt] = nt;
        which[cnt++] = i;
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
        kafka_topic_spec_t *sp = &specs[which[i]];
        rd_kafka_resp_err_t err = all_err;
        const char *msg = all_msg;
        if (!all_err) {
            size_t rn;
            const rd_kafka_topic_result_t **res =
                rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &rn);
            err = RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
            for (size_t j = 0; j < rn; j++)
                if (!strcmp(rd_kafka_topic_result_name(res[j]), sp->topic)) {
                    err = rd_kafka_topic_result_error(res[j]);
                    msg = rd_kafka_topic_result_error_string(res[j]);
                }
        }
        if (!msg || !*msg) msg = rd_kafka_err2str(err);
        if (err != RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR || !may_retry)
            pending[which[i]] = false;
        if (!err) {
            log_info(tlog(), "Created topic '%s' (%s) with %d partitions, replication factor %d, "
                             "cleanup.policy=compact",
                     sp->topic, sp->worker_key, sp->partitions, sp->replication_factor);
        } else if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            sp->existed = true; /* created by another worker meanwhile */
        } else if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ||
                   err == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION) {
            log_warn(tlog(),
                     "The broker could not create topic '%s' (%s): %s. Going on with the topic the "
                     "broker auto-creates on first use; it will not be compacted and may not have "
                     "the intended %d partitions. Create it yourself, compacted, on a real cluster.",
                     sp->topic, sp->worker_key, msg, sp->partitions);
        } else if (err == RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR && may_retry) {
            /* As Kafka Connect does: brokers may still be registering with the controller. */
            log_level_t lvl = attempt == 0 ? LOG_LEVEL_INFO : LOG_LEVEL_DEBUG; /* every 100 ms */
            if (log_enabled(tlog(), lvl))
                log_write(tlog(), lvl,
                          "'%s' topic creation failed due to '%s', retrying, %lldms remaining",
                          sp->topic, msg, (long long)left_ms);
        } else if (err == RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR) {
            snprintf(errstr, errstr_size,
                     "Error while attempting to create/find topic(s) '%s' supplied via the '%s' "
                     "property: %s (%s). Set '%sreplication.factor' to at most the number of "
                     "brokers, or to -1 for the broker's default.replication.factor.",
                     sp->topic, sp->worker_key, msg, rd_kafka_err2name(err), sp->prefix);
            rc = -1;
        } else {
            snprintf(errstr, errstr_size,
                     "Error while attempting to create/find topic(s) '%s' supplied via the '%s' "
                     "property: %s (%s). Create it yourself (compacted) or fix the broker "
                     "permissions and settings.",
                     sp->topic, sp->worker_key, msg, rd_kafka_err2name(err));
            rc = -1;
        }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    for (size_t i = 0; i < cnt; i++) rd_kafka_NewTopic_destroy(nts[i]);
    return rc;
}

/* Creates the topics not found, retrying those the broker cannot yet replicate enough (as Kafka
 * Connect's createTopicsWithRetry does) until timeout_ms has passed. */
static int create_missing(rd_kafka_t *rk, const worker_config_t *wc, kafka_topic_spec_t *specs,
                          size_t n, int timeout_ms, char *errstr, size_t errstr_size) {
    bool pending[8] = {false};
    for (size_t i = 0; i < n && i < 8; i++) pending[i] = !specs[i].existed;
    int64_t deadline = now_ms() + timeout_ms;
    for (int attempt = 0;; attempt++) {
        if (create_once(rk, wc, specs, n, pending, attempt, deadline - now_ms(), errstr,
                        errstr_size) != 0)
            return -1;
        bool any = false;
        for (size_t i = 0; i < n && i < 8; i++) any |= pending[i];
        if (!any) return 0;
        struct timespec ts = {0, RETRY_BACKOFF_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
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
    /* A cluster that names no controller (librdkafka's mock) cannot create topics: asking would
     * only wait for the whole timeout. */
    bool can_create = kafka_metadata_can_create_topics(rk, md);
    rd_kafka_metadata_destroy(md);
    if (rc) return rc;
    if (!can_create) {
        for (size_t i = 0; i < n; i++)
            if (!specs[i].existed)
                log_warn(tlog(),
                         "The broker could not create topic '%s' (%s): the cluster names no "
                         "controller. Going on with the topic the broker auto-creates on first use; "
                         "it will not be compacted and may not have the intended %d partitions. "
                         "Create it yourself, compacted, on a real cluster.",
                         specs[i].topic, specs[i].worker_key, specs[i].partitions);
        return 0;
    }
    return create_missing(rk, wc, specs, n, timeout_ms, errstr, errstr_size);
}

int kafka_topics_policy_compact_only(const char *value, char *normalized, size_t size) {
    /* As Kafka Connect reads it: comma-separated, trimmed, lower-cased, as a set. */
    char toks[8][32];
    size_t nt = 0;
    for (const char *p = value ? value : ""; *p && nt < 8;) {
        size_t n = strcspn(p, ",");
        const char *b = p, *e = p + n;
        p = *e ? e + 1 : e;
        while (b < e && isspace((unsigned char)*b)) b++;
        while (e > b && isspace((unsigned char)e[-1])) e--;
        if (b == e) continue;
        size_t len = (size_t)(e - b) < sizeof(toks[0]) - 1 ? (size_t)(e - b) : sizeof(toks[0]) - 1;
        for (size_t i = 0; i < len; i++) toks[nt][i] = (char)tolower((unsigned char)b[i]);
        toks[nt][len] = '\0';
        bool dup = false;
        for (size_t i = 0; i < nt && !dup; i++) dup = !strcmp(toks[i], toks[nt]);
        if (!dup) nt++;
    }
    size_t off = 0;
    if (size) normalized[0] = '\0';
    for (size_t i = 0; i < nt && off < size; i++) {
        int w = snprintf(normalized + off, size - off, "%s%s", i ? "," : "", toks[i]);
        off += w > 0 ? (size_t)w : 0;
    }
    if (nt == 0) return -1;
    return nt == 1 && !strcmp(toks[0], "compact") ? 1 : 0;
}

void kafka_topics_policy_error(const char *topic, const char *worker_key, const char *policy,
                               char *errstr, size_t errstr_size) {
    const char *purpose = purpose_of(worker_key);
    snprintf(errstr, errstr_size,
             "Topic '%s' supplied via the '%s' property is required to have "
             "'cleanup.policy=compact' to guarantee consistency and durability of %s, but found "
             "the topic currently has 'cleanup.policy=%s'. Continuing would likely result in "
             "eventually losing %s and problems restarting this Connect cluster in the future. "
             "Change the '%s' property in the Connect worker configurations to use a topic with "
             "'cleanup.policy=compact'.",
             topic, worker_key, purpose, policy, purpose, worker_key);
}

typedef struct {
    rd_kafka_t *rk;
    rd_kafka_queue_t *q;
    const char *topics[8];
    const char *worker_keys[8];
    bool settled[8];
    size_t n;
    int timeout_ms;
    int32_t broker;      /* where the requests go, -1: librdkafka's choice */
    int64_t retry_until; /* a topic just created may be unknown to DescribeConfigs until then */
} topics_check_t;

/* Asks for the configs of the topics not settled yet. */
static void describe_unsettled(topics_check_t *chk) {
    rd_kafka_ConfigResource_t *res[8];
    size_t cnt = 0;
    for (size_t i = 0; i < chk->n; i++)
        if (!chk->settled[i])
            res[cnt++] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, chk->topics[i]);
    rd_kafka_AdminOptions_t *opts =
        rd_kafka_AdminOptions_new(chk->rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_AdminOptions_set_request_timeout(opts, chk->timeout_ms, NULL, 0);
    if (chk->broker >= 0) rd_kafka_AdminOptions_set_broker(opts, chk->broker, NULL, 0);
    rd_kafka_DescribeConfigs(chk->rk, res, cnt, opts, chk->q);
    rd_kafka_AdminOptions_destroy(opts);
    for (size_t i = 0; i < cnt; i++) rd_kafka_ConfigResource_destroy(res[i]);
}

/* Settles one topic's answer: 1 fine or not checkable, 0 to ask again, -1 not compacted. */
static int check_resource(topics_check_t *chk, const rd_kafka_ConfigResource_t *rs,
                          char *errstr, size_t errstr_size) {
    const char *topic = rd_kafka_ConfigResource_name(rs);
    size_t k = 0;
    while (k < chk->n && strcmp(chk->topics[k], topic) != 0) k++;
    if (k == chk->n) return 1;
    rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(rs);
    if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART && now_ms() < chk->retry_until)
        return 0; /* listed by the metadata: a broker still applying the topic's creation */
    chk->settled[k] = true;
    if (err) {
        log_warn(tlog(), "Could not verify that topic '%s' is compacted (%s); the check is "
                         "skipped.",
                 topic, rd_kafka_ConfigResource_error_string(rs));
        return 1;
    }
    size_t cn;
    const rd_kafka_ConfigEntry_t **ents = rd_kafka_ConfigResource_configs(rs, &cn);
    const char *value = NULL;
    for (size_t c = 0; c < cn; c++)
        if (!strcmp(rd_kafka_ConfigEntry_name(ents[c]), "cleanup.policy"))
            value = rd_kafka_ConfigEntry_value(ents[c]);
    char policy[256];
    int compact = kafka_topics_policy_compact_only(value, policy, sizeof(policy));
    if (compact < 0) {
        log_info(tlog(), "Unable to use admin client to verify the cleanup policy of '%s' topic "
                         "is 'compact': the broker reported none.",
                 topic);
    } else if (compact == 0) {
        kafka_topics_policy_error(topic, chk->worker_keys[k], policy, errstr, errstr_size);
        return -1;
    } else {
        log_debug(tlog(), "Found cleanup.policy=%s for topic '%s'", policy, topic);
    }
    return 1;
}

/* Waits up to wait_ms for the answers, asking again for topics not known yet. Returns 1 when
 * finished and fine (or not checkable), 0 without an answer in time, -1 when a topic is not
 * compacted. */
static int await_answers(topics_check_t *chk, int wait_ms, char *errstr, size_t errstr_size) {
    int64_t until = now_ms() + wait_ms;
    for (;;) {
        int64_t left = until - now_ms();
        rd_kafka_event_t *ev = rd_kafka_queue_poll(chk->q, left > 0 ? (int)left : 0);
        if (!ev) return 0;
        if (rd_kafka_event_error(ev)) {
            log_warn(tlog(), "Could not verify that the internal topics are compacted (%s); the "
                             "check is skipped. Make sure they have cleanup.policy=compact.",
                     rd_kafka_event_error_string(ev));
            rd_kafka_event_destroy(ev);
            return 1;
        }
        size_t rn;
        const rd_kafka_ConfigResource_t **rs = rd_kafka_DescribeConfigs_result_resources(
            rd_kafka_event_DescribeConfigs_result(ev), &rn);
        int rc = 1;
        for (size_t i = 0; i < rn && rc != -1; i++) {
            int r = check_resource(chk, rs[i], errstr, errstr_size);
            if (r < rc) rc = r;
        }
        rd_kafka_event_destroy(ev);
        if (rc != 0) return rc;
        struct timespec ts = {0, RETRY_BACKOFF_MS * 1000000L};
        nanosleep(&ts, NULL);
        describe_unsettled(chk);
    }
}

int kafka_topics_check_compacted(rd_kafka_t *rk, const kafka_topic_spec_t *specs, size_t n,
                                 int timeout_ms, char *errstr, size_t errstr_size) {
    topics_check_t chk = {.rk = rk, .timeout_ms = timeout_ms};
    for (size_t i = 0; i < n && chk.n < 8; i++) {
        if (!specs[i].existed) continue;
        chk.topics[chk.n] = specs[i].topic;
        chk.worker_keys[chk.n++] = specs[i].worker_key;
    }
    if (chk.n == 0) return 0;
    chk.q = rd_kafka_queue_new(rk);
    /* Any broker answers DescribeConfigs for topics (Java's admin client asks the least loaded
     * one); see kafka_client_any_broker for why it must not be left to librdkafka. */
    chk.broker = kafka_client_any_broker(rk, timeout_ms);
    chk.retry_until = now_ms() + (timeout_ms < 10000 ? timeout_ms : 10000);
    describe_unsettled(&chk);
    int rc = await_answers(&chk, timeout_ms + 5000, errstr, errstr_size);
    rd_kafka_queue_destroy(chk.q);
    return rc < 0 ? -1 : 0;
}
