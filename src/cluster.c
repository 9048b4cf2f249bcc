/* cluster.c - the worker's group membership (see cluster.h for what it decides and why). One
 * librdkafka consumer, polled on a thread of its own, is this worker's member of the group; its
 * rebalance callback is where ownership changes. The partitions are paused: nothing is fetched. */
#include "cluster.h"

#include <ctype.h>
#include <librdkafka/rdkafka.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kafka/client.h"
#include "log.h"
#include "metrics.h"

struct cluster {
    const worker_config_t *wc;
    char *worker_id, *url, *group, *topic;
    cluster_callbacks_t cb;
    rd_kafka_t *rk;
    bool cooperative;

    pthread_mutex_t lock; /* what follows */
    pthread_cond_t changed;
    bool *owned;     /* [n_parts] */
    bool *held;      /* [n_parts] lost with the session, still run until the next assignment */
    int32_t n_parts; /* the topic's partition count, read at start */
    bool assigned_once;
    bool broken;     /* the topic's partition count changed: run nothing */
    int64_t generation;
    /* connect-worker-rebalance-metrics: a rebalance runs from the first revocation (or, without
     * one, the assignment itself) to the assignment that ends it */
    uint64_t rebalances;
    int64_t rebalance_began_ms, last_rebalance_ms; /* monotonic; 0: none */
    metrics_stat_t rebalance_time;
    metrics_config_t mcfg;

    pthread_t thread;
    bool thread_started;
    atomic_bool stop;
};

static int64_t mono_ms(void);

static log_logger_t *clog_(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.connect.runtime.distributed.DistributedHerder");
    return lg;
}

void cluster_topic_name(const worker_config_t *wc, char *name, size_t size) {
    snprintf(name, size, "%s-coordination", worker_config_get(wc, "group.id"));
}

/* FNV-1a over the bytes: stable across processes, versions and platforms. */
static uint32_t hash_name(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

int32_t cluster_partition_of(const char *connector, int task, int32_t n) {
    if (n <= 0) return 0;
    uint32_t base = hash_name(connector) % (uint32_t)n;
    return (int32_t)((base + (uint32_t)(task + 1)) % (uint32_t)n);
}

static void set_conf(rd_kafka_conf_t *conf, const char *k, const char *v) {
    char err[256];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK)
        log_warn(clog_(), "Could not set %s=%s on the group member: %s", k, v, err);
}

static void set_conf_int(rd_kafka_conf_t *conf, const char *k, int64_t v) {
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", (long long)v);
    set_conf(conf, k, buf);
}

/* The group's generation, from the consumer's group metadata (librdkafka has no getter for it;
 * its serialised form is "CGMDv2:" followed by the generation as a native int32). */
static int64_t read_generation(rd_kafka_t *rk, int64_t fallback) {
    rd_kafka_consumer_group_metadata_t *md = rd_kafka_consumer_group_metadata(rk);
    if (!md) return fallback;
    void *buf = NULL;
    size_t size = 0;
    int64_t gen = fallback;
    rd_kafka_error_t *e = rd_kafka_consumer_group_metadata_write(md, &buf, &size);
    if (!e && size >= 11 && !memcmp(buf, "CGMDv2:", 7)) {
        int32_t g;
        memcpy(&g, (char *)buf + 7, sizeof(g));
        if (g >= 0) gen = g;
    }
    if (e) rd_kafka_error_destroy(e);
    free(buf);
    rd_kafka_consumer_group_metadata_destroy(md);
    return gen;
}

static int32_t topic_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms) {
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    const rd_kafka_metadata_t *md = NULL;
    int32_t n = -1;
    if (rd_kafka_metadata(rk, 0, t, &md, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int i = 0; i < md->topic_cnt; i++)
            if (!strcmp(md->topics[i].topic, topic) && !md->topics[i].err) n = md->topics[i].partition_cnt;
        rd_kafka_metadata_destroy(md);
    }
    rd_kafka_topic_destroy(t);
    return n;
}

static void log_parts(const char *what, const rd_kafka_topic_partition_list_t *parts, int64_t gen) {
    char buf[512];
    size_t off = 0;
    buf[0] = 0;
    for (int i = 0; i < parts->cnt && off < sizeof(buf) - 16; i++)
        off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%d", i ? "," : "", parts->elems[i].partition);
    log_info(clog_(), "%s partitions [%s] of the coordination topic (generation %lld)", what, buf, (long long)gen);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque) {
    cluster_t *c = opaque;
    bool revoke = err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS;
    if (!revoke && err != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        log_error(clog_(), "Group rebalance failed: %s", rd_kafka_err2str(err));
        if (c->cooperative) rd_kafka_incremental_unassign(rk, parts);
        else rd_kafka_assign(rk, NULL);
        return;
    }
    if (revoke) {
        bool lost = rd_kafka_assignment_lost(rk);
        pthread_mutex_lock(&c->lock);
        for (int i = 0; i < parts->cnt; i++)
            if (!strcmp(parts->elems[i].topic, c->topic) && parts->elems[i].partition < c->n_parts) {
                c->owned[parts->elems[i].partition] = false;
                /* Lost with the session (the coordinator unreachable for session.timeout.ms):
                 * kept running until the rejoin says what is this worker's, as Kafka Connect's
                 * incremental protocol keeps its assignment until it is explicitly revoked. */
                if (lost) c->held[parts->elems[i].partition] = true;
            }
        int64_t gen = c->generation;
        if (!c->rebalance_began_ms) c->rebalance_began_ms = mono_ms();
        pthread_mutex_unlock(&c->lock);
        log_parts(lost ? "Lost (the session with the group coordinator expired; kept running until the "
                         "group rejoins)" : "Releasing", parts, gen);
        if (!lost) {
            for (int i = 0; i < parts->cnt; i++)
                if (parts->elems[i].partition == 0 && !strcmp(parts->elems[i].topic, c->topic))
                    log_info(clog_(), "This worker no longer leads group %s", c->group);
            /* Before the group may give them to another member: stop what runs on them here. */
            if (c->cb.released) c->cb.released(c->cb.opaque, false);
        }
        if (c->cooperative) {
            rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
            if (e) {
                log_warn(clog_(), "Could not release partitions: %s", rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
            }
        } else {
            rd_kafka_assign(rk, NULL);
        }
        return;
    }
    int64_t gen = read_generation(rk, -1);
    if (c->cooperative) {
        rd_kafka_error_t *e = rd_kafka_incremental_assign(rk, parts);
        if (e) {
            log_error(clog_(), "Could not take partitions: %s", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
            return;
        }
    } else {
        rd_kafka_assign(rk, parts);
    }
    rd_kafka_pause_partitions(rk, parts); /* ownership only: nothing to fetch */
    int32_t n_now = topic_partition_count(rk, c->topic, 5000);
    pthread_mutex_lock(&c->lock);
    if (n_now > 0 && n_now != c->n_parts && !c->broken) {
        log_error(clog_(), "The coordination topic %s now has %d partitions, not the %d this worker "
                           "started with: every worker must map connectors and tasks to the same "
                           "partitions, so this worker runs nothing until it is restarted (never "
                           "change that topic's partition count)", c->topic, n_now, c->n_parts);
        c->broken = true;
    }
    for (int i = 0; i < parts->cnt; i++)
        if (!strcmp(parts->elems[i].topic, c->topic) && parts->elems[i].partition < c->n_parts)
            c->owned[parts->elems[i].partition] = true;
    /* After a lost session, this assignment is what is this worker's: what it held and did not
     * get back stops now (the herder's next pass), before it starts anything new. */
    bool was_leader = c->held[0];
    for (int32_t i = 0; i < c->n_parts; i++) c->held[i] = false;
    if (was_leader && !c->owned[0]) log_info(clog_(), "This worker no longer leads group %s", c->group);
    if (gen < 0) gen = c->generation + 1;
    c->generation = gen;
    c->assigned_once = true;
    int64_t now = mono_ms();
    c->rebalances++;
    metrics_stat_record(&c->rebalance_time, &c->mcfg, now,
                        (double)(c->rebalance_began_ms ? now - c->rebalance_began_ms : 0));
    c->rebalance_began_ms = 0;
    c->last_rebalance_ms = now;
    pthread_cond_broadcast(&c->changed);
    pthread_mutex_unlock(&c->lock);
    if (parts->cnt) log_parts("Took", parts, gen);
    for (int i = 0; i < parts->cnt; i++)
        if (parts->elems[i].partition == 0 && !strcmp(parts->elems[i].topic, c->topic) && !was_leader)
            log_info(clog_(), "This worker now leads group %s (generation %lld)", c->group, (long long)gen);
    else log_debug(clog_(), "Rebalance done (generation %lld), nothing new for this worker", (long long)gen);
    if (c->cb.assigned) c->cb.assigned(c->cb.opaque);
}

cluster_t *cluster_new(const worker_config_t *wc, const char *worker_id, const char *advertised_url,
                       const cluster_callbacks_t *cb, char *errstr, size_t errstr_size) {
    cluster_t *c = calloc(1, sizeof(*c));
    c->wc = wc;
    c->worker_id = strdup(worker_id);
    c->url = strdup(advertised_url);
    c->group = strdup(worker_config_get(wc, "group.id"));
    char topic[512];
    cluster_topic_name(wc, topic, sizeof(topic));
    c->topic = strdup(topic);
    c->cb = *cb;
    c->mcfg = (metrics_config_t){worker_config_get_int(wc, "metrics.sample.window.ms"),
                                 (int)worker_config_get_int(wc, "metrics.num.samples")};
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->changed, NULL);
    const char *proto = worker_config_get(wc, "connect.protocol");
    c->cooperative = !proto || strcasecmp(proto, "eager") != 0;

    char client_id[600];
    snprintf(client_id, sizeof(client_id), "connect-%s", worker_id);
    rd_kafka_conf_t *conf = kafka_client_conf(wc, KAFKA_ROLE_ADMIN, client_id, errstr, errstr_size);
    if (!conf) {
        cluster_destroy(c);
        return NULL;
    }
    set_conf(conf, "group.id", c->group);
    /* Kafka Connect's incremental cooperative rebalancing (connect.protocol compatible or
     * sessioned) moves only what must move; eager revokes everything at every rebalance. */
    set_conf(conf, "partition.assignment.strategy", c->cooperative ? "cooperative-sticky" : "roundrobin");
    set_conf_int(conf, "session.timeout.ms", worker_config_get_int(wc, "session.timeout.ms"));
    set_conf_int(conf, "heartbeat.interval.ms", worker_config_get_int(wc, "heartbeat.interval.ms"));
    int64_t rebalance = worker_config_get_int(wc, "rebalance.timeout.ms");
    if (rebalance < worker_config_get_int(wc, "session.timeout.ms"))
        rebalance = worker_config_get_int(wc, "session.timeout.ms");
    set_conf_int(conf, "max.poll.interval.ms", rebalance);
    set_conf(conf, "enable.auto.commit", "false");
    set_conf(conf, "enable.auto.offset.store", "false");
    set_conf(conf, "auto.offset.reset", "latest");
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_opaque(conf, c);
    c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size);
    if (!c->rk) {
        rd_kafka_conf_destroy(conf);
        cluster_destroy(c);
        return NULL;
    }
    rd_kafka_poll_set_consumer(c->rk);
    return c;
}

static void *cluster_main(void *arg) {
    cluster_t *c = arg;
    while (!atomic_load(&c->stop)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, 200);
        if (!m) continue;
        if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            log_warn(clog_(), "Group member: %s", rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

int cluster_start(cluster_t *c, char *errstr, size_t errstr_size) {
    int32_t n = -1;
    for (int attempt = 0; attempt < 50 && n <= 0; attempt++) {
        n = topic_partition_count(c->rk, c->topic, 2000);
        if (n <= 0) {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    if (n <= 0) {
        snprintf(errstr, errstr_size, "Could not find the coordination topic %s (the group's "
                                      "partitions: see \"Running a cluster\" in the README)", c->topic);
        return -1;
    }
    /* The herder may already ask what this worker owns: all three change together. */
    bool *owned = calloc((size_t)n, sizeof(bool)), *held = calloc((size_t)n, sizeof(bool));
    pthread_mutex_lock(&c->lock);
    c->owned = owned;
    c->held = held;
    c->n_parts = n;
    pthread_mutex_unlock(&c->lock);
    log_info(clog_(), "Joining group %s as connect-%s on %s (%d partitions, %s rebalancing)", c->group,
             c->worker_id, c->topic, n, c->cooperative ? "incremental cooperative" : "eager");
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, c->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(c->rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (err) {
        snprintf(errstr, errstr_size, "Could not join group %s: %s", c->group, rd_kafka_err2str(err));
        return -1;
    }
    if (pthread_create(&c->thread, NULL, cluster_main, c) != 0) {
        snprintf(errstr, errstr_size, "could not start the group member's thread");
        return -1;
    }
    c->thread_started = true;
    return 0;
}

void cluster_stop(cluster_t *c) {
    if (!c || !c->rk || atomic_exchange(&c->stop, true)) return;
    if (c->thread_started) pthread_join(c->thread, NULL);
    c->thread_started = false;
    /* Revokes everything through the callback (so it is stopped here first), then leaves the
     * group, which rebalances the others at once. */
    log_info(clog_(), "Leaving group %s", c->group);
    rd_kafka_consumer_close(c->rk);
}

void cluster_destroy(cluster_t *c) {
    if (!c) return;
    cluster_stop(c);
    if (c->rk) rd_kafka_destroy(c->rk);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->changed);
    free(c->owned);
    free(c->held);
    free(c->worker_id);
    free(c->url);
    free(c->group);
    free(c->topic);
    free(c);
}

/* Whether this worker owns partition p, or that of connector's task (task -1: the connector's
 * own) when connector is not NULL. */
static bool owns_unit(cluster_t *c, int32_t p, const char *connector, int task) {
    pthread_mutex_lock(&c->lock);
    if (connector) p = cluster_partition_of(connector, task, c->n_parts);
    bool own = !c->broken && c->owned && c->held && p >= 0 && p < c->n_parts && (c->owned[p] || c->held[p]);
    pthread_mutex_unlock(&c->lock);
    return own;
}

static bool owns_partition(cluster_t *c, int32_t p) { return owns_unit(c, p, NULL, 0); }

bool cluster_owns_connector(cluster_t *c, const char *connector) { return owns_unit(c, 0, connector, -1); }

bool cluster_owns_task(cluster_t *c, const char *connector, int task) { return owns_unit(c, 0, connector, task); }

static int32_t partitions(cluster_t *c) {
    pthread_mutex_lock(&c->lock);
    int32_t n = c->n_parts;
    pthread_mutex_unlock(&c->lock);
    return n;
}

bool cluster_is_leader(cluster_t *c) { return owns_partition(c, 0); }

bool cluster_wait_assigned(cluster_t *c, int timeout_ms) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    ts.tv_sec += ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&c->lock);
    int rc = 0;
    while (!c->assigned_once && rc == 0) rc = pthread_cond_timedwait(&c->changed, &c->lock, &ts);
    bool ok = c->assigned_once;
    pthread_mutex_unlock(&c->lock);
    return ok;
}

int64_t cluster_generation(cluster_t *c) {
    pthread_mutex_lock(&c->lock);
    int64_t g = c->generation;
    pthread_mutex_unlock(&c->lock);
    return g;
}

const char *cluster_own_url(const cluster_t *c) { return c->url; }

/* The URL of the member that owns partition p, as the coordinator describes the group now. */
static char *describe_owner(cluster_t *c, int32_t p, int timeout_ms) {
    rd_kafka_queue_t *q = rd_kafka_queue_new(c->rk);
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(c->rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);
    char err[256];
    rd_kafka_AdminOptions_set_request_timeout(o, timeout_ms, err, sizeof(err));
    const char *groups[1] = {c->group};
    rd_kafka_DescribeConsumerGroups(c->rk, groups, 1, o, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
    char *url = NULL;
    const rd_kafka_DescribeConsumerGroups_result_t *res = ev ? rd_kafka_event_DescribeConsumerGroups_result(ev) : NULL;
    if (res && !rd_kafka_event_error(ev)) {
        size_t ng;
        const rd_kafka_ConsumerGroupDescription_t **gs = rd_kafka_DescribeConsumerGroups_result_groups(res, &ng);
        for (size_t g = 0; g < ng && !url; g++) {
            if (rd_kafka_ConsumerGroupDescription_error(gs[g])) continue;
            size_t nm = rd_kafka_ConsumerGroupDescription_member_count(gs[g]);
            for (size_t i = 0; i < nm && !url; i++) {
                const rd_kafka_MemberDescription_t *m = rd_kafka_ConsumerGroupDescription_member(gs[g], i);
                const rd_kafka_MemberAssignment_t *a = rd_kafka_MemberDescription_assignment(m);
                const rd_kafka_topic_partition_list_t *parts = a ? rd_kafka_MemberAssignment_partitions(a) : NULL;
                const char *cid = rd_kafka_MemberDescription_client_id(m);
                if (!parts || !cid || strncmp(cid, "connect-", 8) != 0) continue;
                for (int k = 0; k < parts->cnt; k++)
                    if (parts->elems[k].partition == p && !strcmp(parts->elems[k].topic, c->topic)) {
                        size_t n = strlen(cid + 8) + 16;
                        url = malloc(n);
                        snprintf(url, n, "http://%s/", cid + 8);
                        break;
                    }
            }
        }
    } else if (ev) {
        log_debug(clog_(), "Could not describe group %s: %s", c->group, rd_kafka_event_error_string(ev));
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    return url;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* During a rebalance the coordinator describes members without assignments: ask again until the
 * group settles or the time is up (Kafka Connect's herder too holds requests until it has joined). */
static char *owner_url(cluster_t *c, int32_t p, int timeout_ms) {
    int64_t deadline = mono_ms() + timeout_ms;
    for (;;) {
        if (owns_partition(c, p)) return strdup(c->url);
        int64_t left = deadline - mono_ms();
        char *url = describe_owner(c, p, left > 5000 ? 5000 : left > 100 ? (int)left : 100);
        if (url || mono_ms() + 250 >= deadline || atomic_load(&c->stop)) return url;
        struct timespec ts = {0, 250 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

char *cluster_leader_url(cluster_t *c, int timeout_ms) { return owner_url(c, 0, timeout_ms); }

char *cluster_connector_owner_url(cluster_t *c, const char *connector, int timeout_ms) {
    return owner_url(c, cluster_partition_of(connector, -1, partitions(c)), timeout_ms);
}

char *cluster_task_owner_url(cluster_t *c, const char *connector, int task, int timeout_ms) {
    return owner_url(c, cluster_partition_of(connector, task, partitions(c)), timeout_ms);
}

/* connect-worker-rebalance-metrics and connect-coordinator-metrics' assignment counts, as the JMX
 * exporter shows them under Strimzi's rules (leader-name and connect-protocol as labels). */
void cluster_metrics(cluster_t *c, struct cd_metrics *out, size_t assigned_connectors, size_t assigned_tasks) {
    static const char *const help = "Kafka Connect JMX metric rebalance information";
    const char *none[] = {NULL};
    int64_t now = mono_ms();
    pthread_mutex_lock(&c->lock);
    uint64_t rebalances = c->rebalances;
    int64_t gen = c->generation, last = c->last_rebalance_ms;
    bool rebalancing = c->rebalance_began_ms != 0 || !c->assigned_once;
    bool leads = c->n_parts > 0 && (c->owned[0] || c->held[0]);
    double avg = metrics_stat_avg(&c->rebalance_time, &c->mcfg, now);
    double max = metrics_stat_max(&c->rebalance_time, &c->mcfg, now);
    pthread_mutex_unlock(&c->lock);
    metrics_out_add(out, "kafka_connect_worker_rebalance_completed_rebalances_total", CD_METRIC_COUNTER, help, none,
                    (double)rebalances);
    /* Kafka's connect.protocol names: SESSIONED (the default), COMPATIBLE, EAGER */
    char proto[32];
    snprintf(proto, sizeof(proto), "%s", worker_config_get(c->wc, "connect.protocol"));
    for (char *p = proto; *p; p++) *p = (char)toupper((unsigned char)*p);
    const char *pl[] = {"connect_protocol", proto, NULL};
    metrics_out_add(out, "kafka_connect_worker_rebalance_connect_protocol", CD_METRIC_UNTYPED,
                    "Kafka Connect connect-protocol JMX metric type worker rebalance", pl, 1.0);
    metrics_out_add(out, "kafka_connect_worker_rebalance_epoch", CD_METRIC_GAUGE, help, none, (double)gen);
    char *leader = leads ? strdup(c->url) : cluster_leader_url(c, 0);
    if (leader) {
        const char *ll[] = {"leader_name", leader, NULL};
        metrics_out_add(out, "kafka_connect_worker_rebalance_leader_name", CD_METRIC_UNTYPED,
                        "Kafka Connect leader-name JMX metric type worker rebalance", ll, 1.0);
        free(leader);
    }
    metrics_out_add(out, "kafka_connect_worker_rebalance_rebalance_avg_time_ms", CD_METRIC_GAUGE, help, none, avg);
    metrics_out_add(out, "kafka_connect_worker_rebalance_rebalance_max_time_ms", CD_METRIC_GAUGE, help, none, max);
    metrics_out_add(out, "kafka_connect_worker_rebalance_rebalancing", CD_METRIC_GAUGE, help, none, rebalancing ? 1 : 0);
    /* Kafka's is infinite before the first rebalance */
    metrics_out_add(out, "kafka_connect_worker_rebalance_time_since_last_rebalance_ms", CD_METRIC_GAUGE, help, none,
                    last ? (double)(now - last) : INFINITY);
    char client[600];
    snprintf(client, sizeof(client), "connect-%s", c->worker_id);
    char *cid = metrics_jmx_sanitize(client);
    const char *cl[] = {"clientid", cid, NULL};
    metrics_out_add(out, "kafka_connect_coordinator_assigned_connectors", CD_METRIC_GAUGE,
                    "Kafka connect JMX metric type connect-coordinator", cl, (double)assigned_connectors);
    metrics_out_add(out, "kafka_connect_coordinator_assigned_tasks", CD_METRIC_GAUGE,
                    "Kafka connect JMX metric type connect-coordinator", cl, (double)assigned_tasks);
    free(cid);
}
