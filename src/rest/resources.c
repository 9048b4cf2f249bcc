/* resources.c - handlers of the Kafka Connect REST API. Each one reads the request, asks the
 * worker, and shapes the answer as Apache Kafka Connect does (spec/connect-rest-api.md). */
#include "rest/resources.h"

#include "version.h"

/* GET / - worker info. Clients parse `version` as a Kafka version (kcctl enables features by it). */
static void get_root(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    (void)req;
    const rest_api_ctx_t *api = ctx;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "version", json_object_new_string(CONNECTD_KAFKA_CONNECT_VERSION));
    json_object_object_add(o, "commit", json_object_new_string(connectd_commit()));
    json_object_object_add(o, "kafka_cluster_id",
                           api->kafka_cluster_id ? json_object_new_string(api->kafka_cluster_id)
                                                 : NULL);
    resp->status = 200;
    resp->body = o;
}

static const rest_route_t routes[] = {
    {"GET", "/", get_root},
};

const rest_route_t *rest_api_routes(size_t *n_routes) {
    *n_routes = sizeof(routes) / sizeof(routes[0]);
    return routes;
}
