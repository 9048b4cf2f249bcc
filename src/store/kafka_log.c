/* kafka_log.c - the reader thread, read-to-end and acknowledged writes of one internal topic.
 * The consumer assigns every partition from the beginning; it has a group.id only because
 * librdkafka's assign() needs one, and it never joins or commits to that group. */
#include "store/kafka_log.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kafka/client.h"
#include "log.h"

struct kafka_log {
    char *topic;
    rd_kafka_t *consumer;
    rd_kafka_t *producer;
    kafka_log_record_cb cb;
    void *opaque;
    int n_partitions;
    int delivery_timeout_ms;
    int64_t *positions; /* next offset to hand over, per partition; guarded by lock */
    pthread_mutex_t lock;
    pthread_cond_t advanced;
    pthread_t reader;
    bool reader_started;
    atomic_bool stop;
};

/* Shared by one write call and its messages' delivery reports; freed by the last of them. */
struct kafka_log_pending {
    kafka_log_t *log;
    pthread_mutex_t lock;
    pthread_cond_t done;
    size_t remaining;
    int refs;
    rd_kafka_resp_err_t err;
    bool not_persisted; /* the failed record certainly never reached the topic */
};
typedef struct kafka_log_pending write_waiter_t;

static log_logger_t *klog(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.connect.util.KafkaBasedLog");
    return lg;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void waiter_unref(write_waiter_t *w) {
    pthread_mutex_lock(&w->lock);
    int refs = --w->refs;
    pthread_mutex_unlock(&w->lock);
    if (refs == 0) {
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->done);
        free(w);
    }
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    write_waiter_t *w = m->_private;
    if (!w) {
        if (m->err)
            log_warn(klog(), "A write to topic %s failed: %s", rd_kafka_topic_name(m->rkt),
                     rd_kafka_err2str(m->err));
        return;
    }
    pthread_mutex_lock(&w->lock);
    if (m->err && !w->err) {
        w->err = m->err;
        w->not_persisted = rd_kafka_message_status(m) == RD_KAFKA_MSG_STATUS_NOT_PERSISTED;
    }
    w->remaining--;
    pthread_cond_broadcast(&w->done);
    pthread_mutex_unlock(&w->lock);
    waiter_unref(w);
}

static int set(rd_kafka_conf_t *conf, const char *k, const char *v, char *errstr, size_t size) {
    return rd_kafka_conf_set(conf, k, v, errstr, size) == RD_KAFKA_CONF_OK ? 0 : -1;
}

kafka_log_t *kafka_log_new(const worker_config_t *wc, const char *topic, const char *client_id,
                           int delivery_timeout_ms, kafka_log_record_cb cb, void *opaque,
                           char *errstr, size_t errstr_size) {
    kafka_log_t *log = calloc(1, sizeof(*log));
    if (!log) return NULL;
    log->topic = strdup(topic);
    log->cb = cb;
    log->opaque = opaque;
    log->delivery_timeout_ms = delivery_timeout_ms;
    pthread_mutex_init(&log->lock, NULL);
    pthread_cond_init(&log->advanced, NULL);

    rd_kafka_conf_t *pc = kafka_client_conf(wc, KAFKA_ROLE_PRODUCER, client_id, errstr, errstr_size);
    if (!pc) goto fail;
    /* Java's default partitioner: murmur2 of the key bytes. Writes survive a Kafka outage: they
     * are retried until delivered (or until delivery_timeout_ms), and the idempotent producer keeps
     * them in order, so that a retried older record (a status, an offset) never lands after a
     * newer one of the same key. */
    char timeout[32];
    snprintf(timeout, sizeof(timeout), "%d", delivery_timeout_ms);
    if (set(pc, "partitioner", "murmur2_random", errstr, errstr_size) ||
        set(pc, "acks", "all", errstr, errstr_size) ||
        set(pc, "enable.idempotence", "true", errstr, errstr_size) ||
        set(pc, "message.timeout.ms", timeout, errstr, errstr_size) ||
        set(pc, "linger.ms", "1", errstr, errstr_size)) {
        rd_kafka_conf_destroy(pc);
        goto fail;
    }
    rd_kafka_conf_set_dr_msg_cb(pc, on_delivery);
    log->producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, errstr, errstr_size);
    if (!log->producer) {
        rd_kafka_conf_destroy(pc);
        goto fail;
    }

    rd_kafka_conf_t *cc = kafka_client_conf(wc, KAFKA_ROLE_CONSUMER, client_id, errstr, errstr_size);
    if (!cc) goto fail;
    if (set(cc, "group.id", client_id, errstr, errstr_size) ||
        set(cc, "enable.auto.commit", "false", errstr, errstr_size) ||
        set(cc, "enable.auto.offset.store", "false", errstr, errstr_size) ||
        set(cc, "auto.offset.reset", "earliest", errstr, errstr_size) ||
        set(cc, "enable.partition.eof", "true", errstr, errstr_size) ||
        set(cc, "fetch.wait.max.ms", "100", errstr, errstr_size)) {
        rd_kafka_conf_destroy(cc);
        goto fail;
    }
    log->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cc, errstr, errstr_size);
    if (!log->consumer) {
        rd_kafka_conf_destroy(cc);
        goto fail;
    }
    return log;
fail:
    kafka_log_destroy(log);
    return NULL;
}

static void *reader_main(void *arg) {
    kafka_log_t *log = arg;
    while (!atomic_load(&log->stop)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(log->consumer, 100);
        /* Serve delivery reports of writes nobody waits for any more. */
        rd_kafka_poll(log->producer, 0);
        if (!m) continue;
        int32_t p = m->partition;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (p >= 0 && p < log->n_partitions) {
                pthread_mutex_lock(&log->lock);
                if (m->offset > log->positions[p]) log->positions[p] = m->offset;
                pthread_cond_broadcast(&log->advanced);
                pthread_mutex_unlock(&log->lock);
            }
        } else if (m->err) {
            log_warn(klog(), "Error reading topic %s: %s", log->topic, rd_kafka_message_errstr(m));
        } else if (p >= 0 && p < log->n_partitions) {
            log->cb(log->opaque, p, m->offset, m->key, m->key_len, m->payload, m->len);
            pthread_mutex_lock(&log->lock);
            log->positions[p] = m->offset + 1;
            pthread_cond_broadcast(&log->advanced);
            pthread_mutex_unlock(&log->lock);
        }
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

/* Errors a topic shows for a moment after it was created, or while a leader moves: try again. */
static bool transient(rd_kafka_resp_err_t err) {
    switch (err) {
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
        return true;
    default:
        return false;
    }
}

static void pause_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

int kafka_log_start(kafka_log_t *log, int timeout_ms, char *errstr, size_t errstr_size) {
    int64_t deadline = now_ms() + timeout_ms;
    /* A topic created a moment ago may not be in every broker's metadata yet. */
    for (;;) {
        const struct rd_kafka_metadata *md = NULL;
        int left = (int)(deadline - now_ms());
        rd_kafka_resp_err_t err = rd_kafka_metadata(log->consumer, 1, NULL, &md, left > 0 ? left : 1);
        if (err) {
            snprintf(errstr, errstr_size, "Could not read the metadata of topic %s: %s", log->topic,
                     rd_kafka_err2str(err));
            return -1;
        }
        for (int i = 0; i < md->topic_cnt; i++)
            if (!strcmp(md->topics[i].topic, log->topic)) log->n_partitions = md->topics[i].partition_cnt;
        rd_kafka_metadata_destroy(md);
        if (log->n_partitions > 0) break;
        if (now_ms() >= deadline) {
            snprintf(errstr, errstr_size, "Topic %s does not exist or has no partitions", log->topic);
            return -1;
        }
        pause_ms(100);
    }
    log->positions = calloc((size_t)log->n_partitions, sizeof(int64_t));
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(log->n_partitions);
    for (int p = 0; p < log->n_partitions; p++)
        rd_kafka_topic_partition_list_add(parts, log->topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t err = rd_kafka_assign(log->consumer, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    if (err) {
        snprintf(errstr, errstr_size, "Could not read topic %s: %s", log->topic, rd_kafka_err2str(err));
        return -1;
    }
    /* Warm the producer up now (connection, topic metadata), so that the first write, often an
     * offset commit a task waits for, does not pay for it. The topic exists: naming it is safe. */
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(log->producer, log->topic, NULL);
    const struct rd_kafka_metadata *pmd = NULL;
    if (rkt && rd_kafka_metadata(log->producer, 0, rkt, &pmd, timeout_ms) == 0) rd_kafka_metadata_destroy(pmd);
    if (rkt) rd_kafka_topic_destroy(rkt);
    if (pthread_create(&log->reader, NULL, reader_main, log) != 0) {
        snprintf(errstr, errstr_size, "Could not start the reader of topic %s", log->topic);
        return -1;
    }
    log->reader_started = true;
    log_debug(klog(), "Reading topic %s (%d partitions) to its end", log->topic, log->n_partitions);
    int rc = kafka_log_read_to_end(log, timeout_ms, errstr, errstr_size);
    log_debug(klog(), "Read topic %s to its end", log->topic);
    return rc;
}

int kafka_log_read_to_end(kafka_log_t *log, int timeout_ms, char *errstr, size_t errstr_size) {
    int64_t deadline = now_ms() + timeout_ms;
    int64_t *ends = calloc((size_t)log->n_partitions, sizeof(int64_t));
    int rc = 0;
    /* One ListOffsets request for every partition ("latest" is timestamp -1): a request per
     * partition would queue behind the reader's long-poll fetch each time. */
    rd_kafka_resp_err_t err;
    for (;;) {
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(log->n_partitions);
        for (int p = 0; p < log->n_partitions; p++)
            rd_kafka_topic_partition_list_add(parts, log->topic, p)->offset = RD_KAFKA_OFFSET_END;
        int left = (int)(deadline - now_ms());
        err = rd_kafka_offsets_for_times(log->consumer, parts, left > 0 ? left : 1);
        for (int i = 0; i < parts->cnt && !err; i++) {
            if (parts->elems[i].err) err = parts->elems[i].err;
            else if (parts->elems[i].partition < log->n_partitions)
                ends[parts->elems[i].partition] = parts->elems[i].offset;
        }
        rd_kafka_topic_partition_list_destroy(parts);
        /* A new topic's leaders, or a broker coming back: ask again until the deadline. */
        if (!err || !transient(err) || now_ms() + 100 >= deadline) break;
        pause_ms(100);
    }
    if (err) {
        snprintf(errstr, errstr_size, "Could not find the end of topic %s: %s", log->topic,
                 rd_kafka_err2str(err));
        rc = -1;
    }
    pthread_mutex_lock(&log->lock);
    for (int p = 0; p < log->n_partitions && rc == 0; p++) {
        while (log->positions[p] < ends[p]) {
            int64_t left = deadline - now_ms();
            if (left <= 0) {
                snprintf(errstr, errstr_size,
                         "Timed out reading topic %s to its end (partition %d at %lld of %lld)",
                         log->topic, p, (long long)log->positions[p], (long long)ends[p]);
                rc = -1;
                break;
            }
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t wait = left < 100 ? left : 100;
            ts.tv_nsec += (long)(wait * 1000000);
            ts.tv_sec += ts.tv_nsec / 1000000000;
            ts.tv_nsec %= 1000000000;
            pthread_cond_timedwait(&log->advanced, &log->lock, &ts);
        }
    }
    pthread_mutex_unlock(&log->lock);
    free(ends);
    return rc;
}

kafka_log_pending_t *kafka_log_write_async(kafka_log_t *log, const kafka_log_record_t *recs,
                                           size_t n, char *errstr, size_t errstr_size) {
    write_waiter_t *w = calloc(1, sizeof(*w));
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->done, NULL);
    w->refs = 1;
    w->log = log;
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&w->lock);
        w->refs++;
        w->remaining++;
        pthread_mutex_unlock(&w->lock);
        rd_kafka_resp_err_t err = rd_kafka_producev(
            log->producer, RD_KAFKA_V_TOPIC(log->topic),
            RD_KAFKA_V_KEY((void *)recs[i].key, recs[i].key_len),
            RD_KAFKA_V_VALUE((void *)recs[i].value, recs[i].value ? recs[i].value_len : 0),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(w), RD_KAFKA_V_END);
        if (err) {
            pthread_mutex_lock(&w->lock);
            w->refs--;
            w->remaining--;
            pthread_mutex_unlock(&w->lock);
            snprintf(errstr, errstr_size, "Could not write to topic %s: %s", log->topic,
                     rd_kafka_err2str(err));
            waiter_unref(w);
            return NULL;
        }
    }
    return w;
}

int kafka_log_pending_poll(kafka_log_pending_t *w, int wait_ms, char *errstr, size_t errstr_size) {
    int64_t deadline = now_ms() + wait_ms;
    for (;;) {
        pthread_mutex_lock(&w->lock);
        size_t remaining = w->remaining;
        rd_kafka_resp_err_t err = w->err;
        bool not_persisted = w->not_persisted;
        pthread_mutex_unlock(&w->lock);
        if (err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT) {
            snprintf(errstr, errstr_size,
                     "Kafka did not acknowledge a write to topic %s within %d ms (is it "
                     "reachable?); the write %s",
                     w->log->topic, w->log->delivery_timeout_ms,
                     not_persisted ? "was not made" : "may or may not have been made");
            return -1;
        }
        if (err) {
            snprintf(errstr, errstr_size, "Kafka did not accept a write to topic %s: %s",
                     w->log->topic, rd_kafka_err2str(err));
            return -1;
        }
        if (remaining == 0) return 1;
        if (now_ms() >= deadline) return 0;
        rd_kafka_poll(w->log->producer, 10);
    }
}

void kafka_log_pending_free(kafka_log_pending_t *w) {
    if (w) waiter_unref(w);
}

int kafka_log_write(kafka_log_t *log, const kafka_log_record_t *recs, size_t n, int timeout_ms,
                    char *errstr, size_t errstr_size) {
    kafka_log_pending_t *w = kafka_log_write_async(log, recs, n, errstr, errstr_size);
    if (!w) return -1;
    int r = kafka_log_pending_poll(w, timeout_ms, errstr, errstr_size);
    if (r == 0)
        snprintf(errstr, errstr_size,
                 "Timed out after %d ms waiting for Kafka to acknowledge a write to topic %s",
                 timeout_ms, log->topic);
    kafka_log_pending_free(w);
    return r == 1 ? 0 : -1;
}

int kafka_log_send(kafka_log_t *log, const kafka_log_record_t *recs, size_t n, char *errstr,
                   size_t errstr_size) {
    for (size_t i = 0; i < n; i++) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            log->producer, RD_KAFKA_V_TOPIC(log->topic),
            RD_KAFKA_V_KEY((void *)recs[i].key, recs[i].key_len),
            RD_KAFKA_V_VALUE((void *)recs[i].value, recs[i].value ? recs[i].value_len : 0),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (err) {
            snprintf(errstr, errstr_size, "Could not write to topic %s: %s", log->topic,
                     rd_kafka_err2str(err));
            return -1;
        }
    }
    return 0;
}

int kafka_log_flush(kafka_log_t *log, int timeout_ms, char *errstr, size_t errstr_size) {
    int64_t start = now_ms();
    rd_kafka_resp_err_t err = rd_kafka_flush(log->producer, timeout_ms);
    if (err) {
        snprintf(errstr, errstr_size, "Timed out waiting for writes to topic %s", log->topic);
        return -1;
    }
    int left = timeout_ms - (int)(now_ms() - start);
    return kafka_log_read_to_end(log, left > 0 ? left : 1, errstr, errstr_size);
}

void kafka_log_destroy(kafka_log_t *log) {
    if (!log) return;
    atomic_store(&log->stop, true);
    if (log->reader_started) pthread_join(log->reader, NULL);
    if (log->consumer) {
        rd_kafka_consumer_close(log->consumer);
        rd_kafka_destroy(log->consumer);
    }
    if (log->producer) {
        rd_kafka_flush(log->producer, 5000);
        rd_kafka_purge(log->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(log->producer, 0);
        rd_kafka_destroy(log->producer);
    }
    pthread_mutex_destroy(&log->lock);
    pthread_cond_destroy(&log->advanced);
    free(log->positions);
    free(log->topic);
    free(log);
}
