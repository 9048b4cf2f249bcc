/* cluster.h - membership of the Connect cluster and who runs what, from Kafka's consumer-group
 * protocol (through librdkafka), never from a protocol of connectd's own.
 *
 * Every worker of one group.id joins the consumer group `group.id` on the coordination topic
 * `<group.id>-coordination`, whose partitions are never written: they are the units of ownership.
 * A connector belongs to the partition its name hashes to, task i of it to the i-th partition
 * after that one, so a connector's tasks spread over the members. A worker runs exactly the
 * connectors and tasks of the partitions the group assigned to it, and the member that owns
 * partition 0 is the leader (the one that writes connector and task configs; the others forward
 * such requests to it over REST).
 *
 * Invariants:
 * - A partition is owned by at most one member at a time while members cooperate: with the
 *   cooperative protocol (KIP-429, as Kafka Connect's KIP-415) a partition moves only after its
 *   old owner has revoked it, and a worker revokes only once everything of that partition has
 *   stopped here (the `released` callback returns when it has), so a task never runs on two
 *   workers at once while both reach Kafka.
 * - A member whose session expired (it could not reach the group coordinator for
 *   session.timeout.ms: Kafka down, or this worker cut off) keeps running what it had until it
 *   has rejoined, as Kafka Connect's incremental protocol keeps an assignment until it is
 *   explicitly revoked: when all of Kafka is away nothing stops, and when only this worker was
 *   cut off, what it runs could reach Kafka no more than it could. The assignment it gets on
 *   rejoining decides: what it did not get back stops before anything new starts. Meanwhile a
 *   new owner may start the same task; the PostgreSQL connector's exclusive slot makes that one
 *   wait until the old instance lets the slot go.
 * - Every worker maps units to partitions with the same function over the same partition count:
 *   the topic's, read at start. A worker that sees a different count later stops running
 *   anything and reports it (the topic must not be repartitioned).
 * - The generation is the group's, as Kafka Connect's status records carry it: records written
 *   while work is released still carry the generation it ran under. */
#ifndef CONNECTD_CLUSTER_H
#define CONNECTD_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "worker_config.h"

/* The coordination topic is created with cluster.coordination.partitions partitions (60 by
 * default: divisible by every cluster size up to 6 and by 10, 12, 15, 20 and 30); that count is
 * the most workers that can run something at once. Workers read the count from the topic. */

typedef struct cluster cluster_t;

typedef struct {
    /* On the cluster's thread, during a rebalance, after some partitions stopped being this
     * worker's (cluster_owns_* already says no): returns once nothing of theirs runs here any
     * more. Not called for partitions lost with an expired session (see above): lost is false. */
    void (*released)(void *opaque, bool lost);
    /* After a rebalance gave this worker partitions (or none): what it runs may change. */
    void (*assigned)(void *opaque);
    void *opaque;
} cluster_callbacks_t;

/* The coordination topic's name for the worker's group.id (written into name). */
void cluster_topic_name(const worker_config_t *wc, char *name, size_t size);

/* worker_id is host:port, advertised_url "http://host:port/": the member's client.id is
 * "connect-<worker_id>", which other workers read back to find its URL. */
cluster_t *cluster_new(const worker_config_t *wc, const char *worker_id, const char *advertised_url,
                       const cluster_callbacks_t *cb, char *errstr, size_t errstr_size);
/* Reads the topic's partition count and joins the group. Returns 0 or -1 with errstr. */
int cluster_start(cluster_t *c, char *errstr, size_t errstr_size);
/* Leaves the group: everything this worker runs is released first (the callback), then the
 * others take it over at once. */
void cluster_stop(cluster_t *c);
void cluster_destroy(cluster_t *c);

bool cluster_owns_connector(cluster_t *c, const char *connector);
bool cluster_owns_task(cluster_t *c, const char *connector, int task);
bool cluster_is_leader(cluster_t *c);
/* Whether the worker has been through a rebalance since it joined (and so knows what it owns);
 * waits for that up to timeout_ms. */
bool cluster_wait_assigned(cluster_t *c, int timeout_ms);
int64_t cluster_generation(cluster_t *c);
/* The advertised URL of the leader / of the worker that runs the connector or task, as the
 * group's coordinator describes its members now: malloc'ed, or NULL when not known (during a
 * rebalance, or on a broker that cannot describe groups). This worker's own URL when it is so. */
char *cluster_leader_url(cluster_t *c, int timeout_ms);
char *cluster_connector_owner_url(cluster_t *c, const char *connector, int timeout_ms);
char *cluster_task_owner_url(cluster_t *c, const char *connector, int task, int timeout_ms);
/* This worker's advertised URL. */
const char *cluster_own_url(const cluster_t *c);

/* The partition of a connector (task -1) or of one of its tasks among n partitions. */
/* GET /metrics: the worker's rebalance metrics and what it was assigned (counted by the herder). */
struct cd_metrics;
void cluster_metrics(cluster_t *c, struct cd_metrics *out, size_t assigned_connectors, size_t assigned_tasks);
int32_t cluster_partition_of(const char *connector, int task, int32_t n);

#endif
