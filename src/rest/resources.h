/* resources.h - the worker's REST resources: the route table and what each handler needs. */
#ifndef CONNECTD_REST_RESOURCES_H
#define CONNECTD_REST_RESOURCES_H

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
    volatile int started;       /* start-up has finished */
} rest_api_ctx_t;

/* The route table; static, valid for the life of the process. */
const rest_route_t *rest_api_routes(size_t *n_routes);

/* The herder's publish callback (herder_set_cluster): a follower's task configs to the leader,
 * signed (forward.c). opaque is the rest_api_ctx_t. */
int rest_publish_task_configs(void *opaque, const char *connector, cd_props_t *const *configs, size_t n,
                              char *errstr, size_t errstr_size);

#endif
