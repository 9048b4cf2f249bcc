/* resources_internal.h - what the REST resource files share: the helpers that shape Kafka
 * Connect's JSON bodies and check configs (resources_common.c), and the handlers the route table
 * (resources.c) names. Not for use outside src/rest. */
#ifndef CONNECTD_REST_RESOURCES_INTERNAL_H
#define CONNECTD_REST_RESOURCES_INTERNAL_H

#include <json-c/json.h>
#include <stdbool.h>

#include "rest/resources.h"

#define STORE_TIMEOUT_MS 30000
/* How long a create waits for the new connector's status (herder_wait_status): enough for a
 * connector and its tasks to start, short enough that one stuck starting does not hang the
 * request. At the limit the create answers anyway; the status follows later. */
#define CREATE_STATUS_WAIT_MS 5000

/* The connector named in the path of /connectors/{c}/... */
#define CONNECTOR (req->params[0])

/* ---- helpers (resources_common.c) */
json_object *api_props_json(const cd_props_t *p);
char *api_control_chars(const char *s, size_t n);
void api_nul_name_error(rest_response_t *resp, const char *name, size_t n);
cd_props_t *api_json_to_config(json_object *o, rest_response_t *resp);
const char *api_type_of(const cd_props_t *cfg);
json_object *api_task_ids_json(rest_api_ctx_t *api, const char *name);
json_object *api_connector_info(rest_api_ctx_t *api, const char *name, const cd_props_t *cfg,
                                bool with_tasks);
json_object *api_status_json(const status_t *st, int id);
/* A task's TaskState, with the progress it reports when it runs on this worker. */
json_object *api_task_status_json(rest_api_ctx_t *api, const char *name, const status_t *st, int id);
json_object *api_state_info(rest_api_ctx_t *api, const char *name);
char *api_java_map_string(const cd_props_t *p);
int api_validate_config(const rest_api_ctx_t *api, const cd_props_t *raw, rest_response_t *resp);
cd_config_result_t *api_validate_versioned(const rest_api_ctx_t *api, const cd_connector_plugin_t *pl,
                                           const cd_props_t *cfg, rest_response_t *resp);
cd_props_t *api_resolve_for_validation(const rest_api_ctx_t *api, const cd_props_t *cfg, rest_response_t *resp);
int api_put_name(cd_props_t *cfg, const char *name, rest_response_t *resp);
void api_set_location(rest_api_ctx_t *api, rest_response_t *resp, const char *name);
bool api_query_bool(const rest_request_t *req, const char *name);
void api_wait_for_created(rest_api_ctx_t *api, const char *name);
void api_store_error(rest_response_t *resp, const char *err);
int api_parse_task_id(const char *s, int *out);

/* ---- forwarding to other workers (forward.c) */
/* "/connectors/<name, percent-encoded><suffix>", malloc'ed. */
char *api_connector_path(const char *name, const char *suffix);
/* Whether this worker leads the cluster (waiting for its first rebalance if need be). */
bool api_is_leader(rest_api_ctx_t *api);
/* The leader's URL now, malloc'ed, or NULL when not known. */
char *api_leader_url(rest_api_ctx_t *api);
/* Answers the request with another worker's answer to it (target_url NULL: not known, 409). */
void api_forward(rest_api_ctx_t *api, const rest_request_t *req, rest_response_t *resp, const char *target_url,
                 const char *path, const char *extra_query);
/* To the leader, at /connectors (suffix NULL) or /connectors/{c}<suffix>. */
void api_forward_to_leader(rest_api_ctx_t *api, const rest_request_t *req, rest_response_t *resp,
                           const char *suffix, const char *extra_query);

/* ---- handlers */
void api_put_task_configs(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_fence_zombies(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_get_root(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_get_health(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_get_metrics(void *ctx, const rest_request_t *req, rest_response_t *resp); /* metrics_resource.c */
void api_list_connectors(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_create_connector(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_get_connector(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_delete_connector(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_get_config(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_put_config(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_patch_config(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_get_status(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_restart_connector(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_pause_connector(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_resume_connector(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_stop_connector(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_get_tasks(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_get_task_status(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_restart_task(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_get_topics(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_reset_topics(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_get_offsets(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_patch_offsets(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_delete_offsets(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_list_plugins(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_plugin_config(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_validate_plugin_config(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_list_loggers(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_get_logger(void *ctx, const rest_request_t *req, rest_response_t *resp);
void api_put_logger(void *ctx, const rest_request_t *req, rest_response_t *resp);

#endif
