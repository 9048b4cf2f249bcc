/* resources.c - the route table of the Kafka Connect REST API (spec/connect-rest-api.md section
 * 2), and the worker's own resources: GET / and GET /health. Each handler reads the request,
 * asks the stores or the herder, and shapes the answer with Apache Kafka Connect's status codes,
 * JSON fields and message texts; they live in one file per resource (*_resource.c). */
#include "rest/resources_internal.h"

#include <ctype.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connect/connector_config.h"
#include "connect/converter.h"
#include "connectors/registry.h"
#include "kafka/client.h"
#include "kafka/groups.h"
#include "log.h"
#include "version.h"

/* ------------------------------------------------------------------ root, health */

void api_get_root(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    (void)req;
    const rest_api_ctx_t *api = ctx;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "version", json_object_new_string(CONNECTD_KAFKA_CONNECT_VERSION));
    json_object_object_add(o, "commit", json_object_new_string(connectd_commit()));
    json_object_object_add(o, "kafka_cluster_id",
                           api->kafka_cluster_id ? json_object_new_string(api->kafka_cluster_id) : NULL);
    resp->status = 200;
    resp->body = o;
}

void api_get_health(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    (void)req;
    rest_api_ctx_t *api = ctx;
    json_object *o = json_object_new_object();
    if (api->started && api->herder && herder_ping(api->herder, 10000)) {
        resp->status = 200;
        json_object_object_add(o, "status", json_object_new_string("healthy"));
        json_object_object_add(o, "message", json_object_new_string(
            "Worker has completed startup and is ready to handle requests."));
    } else if (!api->started) {
        resp->status = 503;
        json_object_object_add(o, "status", json_object_new_string("starting"));
        json_object_object_add(o, "message", json_object_new_string("Worker is still starting up."));
    } else {
        resp->status = 500;
        json_object_object_add(o, "status", json_object_new_string("unhealthy"));
        json_object_object_add(o, "message", json_object_new_string(
            "Worker was unable to handle this request and may be unable to handle other requests."));
    }
    resp->body = o;
}


static const rest_route_t routes[] = {
    {"GET", "/", api_get_root},
    {"GET", "/health", api_get_health},
    {"GET", "/metrics", api_get_metrics},
    {"GET", "/connectors", api_list_connectors},
    {"POST", "/connectors", api_create_connector},
    {"GET", "/connectors/{c}", api_get_connector},
    {"DELETE", "/connectors/{c}", api_delete_connector},
    {"GET", "/connectors/{c}/config", api_get_config},
    {"PUT", "/connectors/{c}/config", api_put_config},
    {"PATCH", "/connectors/{c}/config", api_patch_config},
    {"GET", "/connectors/{c}/status", api_get_status},
    {"POST", "/connectors/{c}/restart", api_restart_connector},
    {"PUT", "/connectors/{c}/pause", api_pause_connector},
    {"PUT", "/connectors/{c}/resume", api_resume_connector},
    {"PUT", "/connectors/{c}/stop", api_stop_connector},
    {"GET", "/connectors/{c}/tasks", api_get_tasks},
    {"GET", "/connectors/{c}/tasks/{t}/status", api_get_task_status},
    {"POST", "/connectors/{c}/tasks/{t}/restart", api_restart_task},
    {"POST", "/connectors/{c}/tasks", api_put_task_configs},
    {"PUT", "/connectors/{c}/fence", api_fence_zombies},
    {"GET", "/connectors/{c}/topics", api_get_topics},
    {"PUT", "/connectors/{c}/topics/reset", api_reset_topics},
    {"GET", "/connectors/{c}/offsets", api_get_offsets},
    {"PATCH", "/connectors/{c}/offsets", api_patch_offsets},
    {"DELETE", "/connectors/{c}/offsets", api_delete_offsets},
    {"GET", "/connector-plugins", api_list_plugins},
    {"GET", "/connector-plugins/{p}/config", api_plugin_config},
    {"PUT", "/connector-plugins/{p}/config/validate", api_validate_plugin_config},
    {"GET", "/admin/loggers", api_list_loggers},
    {"GET", "/admin/loggers/{l}", api_get_logger},
    {"PUT", "/admin/loggers/{l}", api_put_logger},
};

const rest_route_t *rest_api_routes(size_t *n_routes) {
    *n_routes = sizeof(routes) / sizeof(routes[0]);
    return routes;
}
