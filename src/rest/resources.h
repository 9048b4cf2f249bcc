/* resources.h - the worker's REST resources: the route table and what each handler needs. */
#ifndef CONNECTD_REST_RESOURCES_H
#define CONNECTD_REST_RESOURCES_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "herder.h"
#include "rest/rest.h"
#include "store/config_store.h"
#include "store/offset_store.h"
#include "store/status_store.h"
#include "worker_config.h"

typedef struct {
    const char *kafka_cluster_id; /* of bootstrap.servers, looked up at start */
    const worker_config_t *wc;
    config_store_t *cs;
    status_store_t *ss;
    offset_store_t *os;
    herder_t *herder;
    struct cluster *cluster;    /* the group membership: who leads, who runs what */
    const struct config_providers *providers; /* resolve ${...} variables for validation */
    const char *advertised_url; /* "http://host:port/" */
    /* Start-up. The REST server listens as soon as the Kafka cluster's id is known, as Kafka
     * Connect's does; GET / and GET /health answer at once, every other request waits until the
     * fields above are set and started is 1 (rest_api_set_started), as Kafka Connect's requests
     * wait for its herder, and times out as they do. */
    atomic_int started;         /* 0 starting, 1 started, -1 stopping */
    int64_t starting_since_ms;  /* wall clock, when the internal topics began to be read */
    pthread_mutex_t start_lock;
    pthread_cond_t start_cond;
} rest_api_ctx_t;

/* Before the server listens: start-up begins (now). */
void rest_api_init(rest_api_ctx_t *api);
/* Start-up has finished (every field is set): waiting requests go on. */
void rest_api_set_started(rest_api_ctx_t *api);
/* The worker stops: requests still waiting for start-up are answered 503. */
void rest_api_set_stopping(rest_api_ctx_t *api);
/* rest_server_set_gate's gate for these routes. */
bool rest_api_gate(void *ctx, const rest_route_t *route, rest_response_t *resp);

/* The route table; static, valid for the life of the process. */
const rest_route_t *rest_api_routes(size_t *n_routes);

/* The herder's publish callback (herder_set_cluster): a follower's task configs to the leader,
 * signed (forward.c). opaque is the rest_api_ctx_t. */
int rest_publish_task_configs(void *opaque, const char *connector, cd_props_t *const *configs, size_t n,
                              char *errstr, size_t errstr_size);

#endif
