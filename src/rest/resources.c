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
#include <time.h>

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
    int started = atomic_load(&api->started);
    if (started == 1 && herder_ping(api->herder, 10000)) {
        resp->status = 200;
        json_object_object_add(o, "status", json_object_new_string("healthy"));
        json_object_object_add(o, "message", json_object_new_string(
            "Worker has completed startup and is ready to handle requests."));
    } else if (started == 0) {
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

/* ------------------------------------------------------------------ start-up */

/* How long a request waits for the worker: Kafka Connect's REST request timeout. */
#define START_WAIT_MS 90000

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void rest_api_init(rest_api_ctx_t *api) {
    pthread_mutex_init(&api->start_lock, NULL);
    pthread_cond_init(&api->start_cond, NULL);
    atomic_store(&api->started, 0);
    api->starting_since_ms = wall_ms();
}

static void set_state(rest_api_ctx_t *api, int state) {
    pthread_mutex_lock(&api->start_lock);
    atomic_store(&api->started, state);
    pthread_cond_broadcast(&api->start_cond);
    pthread_mutex_unlock(&api->start_lock);
}

void rest_api_set_started(rest_api_ctx_t *api) { set_state(api, 1); }
void rest_api_set_stopping(rest_api_ctx_t *api) { set_state(api, -1); }

/* Java's Instant.toString of a millisecond instant: 2026-11-24T14:47:48.213Z, no fraction when
 * the milliseconds are 0. */
static void instant_text(int64_t ms, char *buf, size_t size) {
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    if (ms % 1000) snprintf(buf + n, size - n, ".%03dZ", (int)(ms % 1000));
    else snprintf(buf + n, size - n, "Z");
}

bool rest_api_gate(void *ctx, const rest_route_t *route, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    if (route->fn == api_get_root || route->fn == api_get_health || atomic_load(&api->started) == 1)
        return true;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += START_WAIT_MS / 1000;
    pthread_mutex_lock(&api->start_lock);
    int rc = 0;
    while (atomic_load(&api->started) == 0 && rc == 0)
        rc = pthread_cond_timedwait(&api->start_cond, &api->start_lock, &until);
    int state = atomic_load(&api->started);
    pthread_mutex_unlock(&api->start_lock);
    if (state == 1) return true;
    if (state < 0) {
        rest_error(resp, 503, "The worker is stopping before it finished starting up");
    } else {
        /* Kafka Connect's text for a request that timed out in a stage of its herder's start. */
        char began[40];
        instant_text(api->starting_since_ms, began, sizeof(began));
        rest_error(resp, 500,
                   "Request timed out. The worker is currently reading to the end of the config "
                   "topic, which began at %s.", began);
    }
    return false;
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
