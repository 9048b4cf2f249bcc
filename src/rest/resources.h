/* resources.h - the worker's REST resources: the route table and what each handler needs. */
#ifndef CONNECTD_REST_RESOURCES_H
#define CONNECTD_REST_RESOURCES_H

#include "rest/rest.h"

typedef struct {
    const char *kafka_cluster_id; /* of bootstrap.servers, looked up at start */
} rest_api_ctx_t;

/* The route table; static, valid for the life of the process. */
const rest_route_t *rest_api_routes(size_t *n_routes);

#endif
