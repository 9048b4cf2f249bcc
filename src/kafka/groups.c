/* groups.c - sink connectors' consumer groups through the Admin API (DeleteGroups,
 * AlterConsumerGroupOffsets, DeleteConsumerGroupOffsets), the broker's answers sorted the way
 * Kafka Connect's Worker sorts them, and the join-commit-leave fallback for brokers without them. */
#include "kafka/groups.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kafka/client.h"

/* The broker answers within the request timeout; the extra covers librdkafka's own queueing. */
#define ANSWER_SLACK_MS 5000

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool unsupported(rd_kafka_resp_err_t err) {
    return err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ||
           err == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION;
}

/* The first error of a group result: the group's own, else a partition's. */
static rd_kafka_resp_err_t group_error(const rd_kafka_group_result_t *g, char *msg, size_t size) {
    const rd_kafka_error_t *e = rd_kafka_group_result_error(g);
    if (e) {
        snprintf(msg, size, "%s", rd_kafka_error_string(e));
        return rd_kafka_error_code(e);
    }
    const rd_kafka_topic_partition_list_t *parts = rd_kafka_group_result_partitions(g);
    for (int i = 0; parts && i < parts->cnt; i++)
        if (parts->elems[i].err) {
            snprintf(msg, size, "%s [%d]: %s", parts->elems[i].topic, (int)parts->elems[i].partition,
                     rd_kafka_err2str(parts->elems[i].err));
            return parts->elems[i].err;
        }
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

typedef const rd_kafka_group_result_t **(*groups_of_t)(rd_kafka_event_t *ev, size_t *cnt);

static const rd_kafka_group_result_t **delete_groups_of(rd_kafka_event_t *ev, size_t *cnt) {
    return rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev), cnt);
}
static const rd_kafka_group_result_t **alter_offsets_of(rd_kafka_event_t *ev, size_t *cnt) {
    return rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(ev), cnt);
}
static const rd_kafka_group_result_t **delete_offsets_of(rd_kafka_event_t *ev, size_t *cnt) {
    return rd_kafka_DeleteConsumerGroupOffsets_result_groups(
        rd_kafka_event_DeleteConsumerGroupOffsets_result(ev), cnt);
}

/* Waits for the answer of the one admin request sent to q and returns its error. */
static rd_kafka_resp_err_t await_result(rd_kafka_queue_t *q, groups_of_t groups_of, int timeout_ms,
                                        char *msg, size_t size) {
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + ANSWER_SLACK_MS);
    if (!ev) {
        snprintf(msg, size, "no answer within %d ms", timeout_ms);
        return RD_KAFKA_RESP_ERR__TIMED_OUT;
    }
    rd_kafka_resp_err_t err = rd_kafka_event_error(ev);
    if (err) {
        snprintf(msg, size, "%s", rd_kafka_event_error_string(ev));
    } else {
        size_t n = 0;
        const rd_kafka_group_result_t **gs = groups_of(ev, &n);
        for (size_t i = 0; i < n && !err; i++) err = group_error(gs[i], msg, size);
    }
    rd_kafka_event_destroy(ev);
    return err;
}

static rd_kafka_AdminOptions_t *options(rd_kafka_t *rk, rd_kafka_admin_op_t op, int timeout_ms) {
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, op);
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, NULL, 0);
    return opts;
}

static kafka_group_result_t classify(rd_kafka_resp_err_t err, const char *msg, char *errstr,
                                     size_t errstr_size) {
    if (!err) return KAFKA_GROUP_OK;
    snprintf(errstr, errstr_size, "%s (%s)", msg, rd_kafka_err2name(err));
    return unsupported(err) ? KAFKA_GROUP_UNSUPPORTED : KAFKA_GROUP_ERROR;
}

/* Whether the broker has the group Admin APIs. It must be known before any is sent: librdkafka
 * 2.0.2 aborts the process (an assertion in its coordinator request path) when a group admin
 * request meets a broker without that API, as librdkafka's mock cluster is, and its
 * ListConsumerGroups / DescribeConsumerGroups (fan-out requests) leak when refused. A
 * DescribeConfigs of __consumer_offsets (where groups live) sent to a broker directly fails
 * cleanly on the mock, which has none of these APIs, while every Kafka release since 2.4 has
 * them all. Any answer from the broker, an error included, means yes.
 * Returns 1 yes, 0 no (errstr says why), -1 when no broker answered (errstr). */
static int group_admin_supported(rd_kafka_t *rk, int timeout_ms, char *errstr, size_t errstr_size) {
    int32_t broker = kafka_client_any_broker(rk, timeout_ms);
    if (broker < 0) {
        snprintf(errstr, errstr_size, "no broker answered within %d ms", timeout_ms);
        return -1;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout_ms);
    rd_kafka_AdminOptions_set_broker(opts, broker, NULL, 0);
    rd_kafka_ConfigResource_t *res =
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, "__consumer_offsets");
    rd_kafka_DescribeConfigs(rk, &res, 1, opts, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + ANSWER_SLACK_MS);
    rd_kafka_resp_err_t err = ev ? rd_kafka_event_error(ev) : RD_KAFKA_RESP_ERR__TIMED_OUT;
    int rc = 1;
    if (unsupported(err) || err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
        snprintf(errstr, errstr_size, "%s (%s)",
                 ev ? rd_kafka_event_error_string(ev) : "no answer to DescribeConfigs",
                 rd_kafka_err2name(err));
        rc = unsupported(err) ? 0 : -1;
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_ConfigResource_destroy(res);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    return rc;
}

/* The probe's verdict as a result, or -1 to go on. */
static int unless_supported(rd_kafka_t *rk, int timeout_ms, char *errstr, size_t errstr_size) {
    int s = group_admin_supported(rk, timeout_ms, errstr, errstr_size);
    return s == 1 ? -1 : s == 0 ? KAFKA_GROUP_UNSUPPORTED : KAFKA_GROUP_ERROR;
}

kafka_group_result_t kafka_group_delete(rd_kafka_t *rk, const char *group, int timeout_ms,
                                        char *errstr, size_t errstr_size) {
    int r0 = unless_supported(rk, timeout_ms, errstr, errstr_size);
    if (r0 >= 0) return (kafka_group_result_t)r0;
    rd_kafka_DeleteGroup_t *dg = rd_kafka_DeleteGroup_new(group);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = options(rk, RD_KAFKA_ADMIN_OP_DELETEGROUPS, timeout_ms);
    rd_kafka_DeleteGroups(rk, &dg, 1, opts, q);
    char msg[512] = "";
    rd_kafka_resp_err_t err = await_result(q, delete_groups_of, timeout_ms, msg, sizeof(msg));
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    rd_kafka_DeleteGroup_destroy(dg);
    if (err == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) return KAFKA_GROUP_OK; /* already reset */
    kafka_group_result_t r = classify(err, msg, errstr, errstr_size);
    return err == RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP ? KAFKA_GROUP_NOT_EMPTY : r;
}

kafka_group_result_t kafka_group_alter_offsets(rd_kafka_t *rk, const char *group,
                                               const rd_kafka_topic_partition_list_t *offsets,
                                               int timeout_ms, char *errstr, size_t errstr_size) {
    int r0 = unless_supported(rk, timeout_ms, errstr, errstr_size);
    if (r0 >= 0) return (kafka_group_result_t)r0;
    rd_kafka_topic_partition_list_t *set = rd_kafka_topic_partition_list_new(offsets->cnt);
    rd_kafka_topic_partition_list_t *del = rd_kafka_topic_partition_list_new(offsets->cnt);
    for (int i = 0; i < offsets->cnt; i++) {
        const rd_kafka_topic_partition_t *p = &offsets->elems[i];
        if (p->offset >= 0)
            rd_kafka_topic_partition_list_add(set, p->topic, p->partition)->offset = p->offset;
        else
            rd_kafka_topic_partition_list_add(del, p->topic, p->partition);
    }
    kafka_group_result_t r = KAFKA_GROUP_OK;
    char msg[512] = "";
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    if (del->cnt > 0) {
        rd_kafka_DeleteConsumerGroupOffsets_t *d = rd_kafka_DeleteConsumerGroupOffsets_new(group, del);
        rd_kafka_AdminOptions_t *opts =
            options(rk, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS, timeout_ms);
        rd_kafka_DeleteConsumerGroupOffsets(rk, &d, 1, opts, q);
        rd_kafka_resp_err_t err = await_result(q, delete_offsets_of, timeout_ms, msg, sizeof(msg));
        rd_kafka_AdminOptions_destroy(opts);
        rd_kafka_DeleteConsumerGroupOffsets_destroy(d);
        r = classify(err, msg, errstr, errstr_size);
        if (err == RD_KAFKA_RESP_ERR_GROUP_SUBSCRIBED_TO_TOPIC) r = KAFKA_GROUP_NOT_EMPTY;
    }
    if (r == KAFKA_GROUP_OK && set->cnt > 0) {
        rd_kafka_AlterConsumerGroupOffsets_t *a = rd_kafka_AlterConsumerGroupOffsets_new(group, set);
        rd_kafka_AdminOptions_t *opts =
            options(rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout_ms);
        rd_kafka_AlterConsumerGroupOffsets(rk, &a, 1, opts, q);
        rd_kafka_resp_err_t err = await_result(q, alter_offsets_of, timeout_ms, msg, sizeof(msg));
        rd_kafka_AdminOptions_destroy(opts);
        rd_kafka_AlterConsumerGroupOffsets_destroy(a);
        r = classify(err, msg, errstr, errstr_size);
        /* Only members may commit to a group that has members. */
        if (err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID) r = KAFKA_GROUP_NOT_EMPTY;
    }
    rd_kafka_queue_destroy(q);
    rd_kafka_topic_partition_list_destroy(set);
    rd_kafka_topic_partition_list_destroy(del);
    return r;
}

/* ------------------------------------------------------------------ the fallback */

typedef struct {
    bool joined;
} member_t;

/* Takes what the group assigns (librdkafka's default), and notes that the join is complete. */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    member_t *m = opaque;
    bool cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
    rd_kafka_error_t *e = NULL;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (cooperative) e = rd_kafka_incremental_assign(rk, parts);
        else rd_kafka_assign(rk, parts);
        m->joined = true;
    } else {
        if (cooperative) e = rd_kafka_incremental_unassign(rk, parts);
        else rd_kafka_assign(rk, NULL);
    }
    if (e) rd_kafka_error_destroy(e);
}

int kafka_group_commit_as_member(rd_kafka_conf_t *conf, const char *group,
                                 const rd_kafka_topic_partition_list_t *offsets, int timeout_ms,
                                 char *errstr, size_t errstr_size) {
    member_t m = {false};
    rd_kafka_conf_set(conf, "group.id", group, NULL, 0);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", NULL, 0);
    rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", NULL, 0);
    /* The mock holds a group in rebalance for its last member's session timeout minus 1 s after
     * that member leaves, so whoever joins next (the sink's task, once it resumes) waits that
     * long: leave with Kafka's smallest allowed session timeout. */
    rd_kafka_conf_set(conf, "session.timeout.ms", "6000", NULL, 0);
    rd_kafka_conf_set(conf, "heartbeat.interval.ms", "1000", NULL, 0);
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_opaque(conf, &m);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    int64_t deadline = now_ms() + timeout_ms;
    int rc = 0;
    rd_kafka_topic_partition_list_t *want = rd_kafka_topic_partition_list_copy(offsets);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(want->cnt);
    for (int i = 0; i < want->cnt && rc == 0; i++) {
        rd_kafka_topic_partition_t *p = &want->elems[i];
        if (!rd_kafka_topic_partition_list_find(topics, p->topic, RD_KAFKA_PARTITION_UA))
            rd_kafka_topic_partition_list_add(topics, p->topic, RD_KAFKA_PARTITION_UA);
        int64_t lo, hi;
        if (p->offset >= 0) continue;
        rd_kafka_resp_err_t err =
            rd_kafka_query_watermark_offsets(rk, p->topic, p->partition, &lo, &hi, timeout_ms);
        if (err) {
            snprintf(errstr, errstr_size, "could not find the first offset of %s [%d]: %s",
                     p->topic, (int)p->partition, rd_kafka_err2str(err));
            rc = -1;
        } else {
            p->offset = lo;
        }
    }
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (rc == 0) err = rd_kafka_subscribe(rk, topics);
    while (rc == 0 && !err && !m.joined && now_ms() < deadline) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 100); /* serves the rebalance */
        if (msg) rd_kafka_message_destroy(msg);
    }
    if (rc == 0 && !err && !m.joined) {
        snprintf(errstr, errstr_size, "could not join consumer group %s within %d ms", group,
                 timeout_ms);
        rc = -1;
    }
    if (rc == 0 && !err) err = rd_kafka_commit(rk, want, 0);
    /* What the group has now is the proof: a synchronous commit does not report every
     * partition's error. */
    rd_kafka_topic_partition_list_t *got = rd_kafka_topic_partition_list_copy(want);
    if (rc == 0 && !err) {
        int64_t left = deadline - now_ms();
        err = rd_kafka_committed(rk, got, left > 1000 ? (int)left : 1000);
    }
    for (int i = 0; rc == 0 && !err && i < got->cnt; i++)
        if (got->elems[i].err || got->elems[i].offset != want->elems[i].offset) {
            snprintf(errstr, errstr_size, "the offset of %s [%d] did not commit: %s",
                     got->elems[i].topic, (int)got->elems[i].partition,
                     rd_kafka_err2str(got->elems[i].err));
            rc = -1;
        }
    if (rc == 0 && err) {
        snprintf(errstr, errstr_size, "%s", rd_kafka_err2str(err));
        rc = -1;
    }
    rd_kafka_consumer_close(rk); /* leaves the group, so the sink's tasks can join it */
    rd_kafka_topic_partition_list_destroy(got);
    rd_kafka_topic_partition_list_destroy(topics);
    rd_kafka_topic_partition_list_destroy(want);
    rd_kafka_destroy(rk);
    return rc;
}
