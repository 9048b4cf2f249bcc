/* connectors_resource.c - /connectors: list, create, read, update, delete, status, restarts,
 * pause/resume/stop, tasks and topics (connect-rest-api.md sections 2.2-2.19). */
#include "rest/resources_internal.h"

#include "cluster.h"

#include "connect/java_hash.h"

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

/* ------------------------------------------------------------------ connectors */

typedef struct {
    bool any, status, info;
} expand_t;

static void note_expand(const char *value, void *opaque) {
    expand_t *e = opaque;
    e->any = true;
    if (!strcmp(value, "status")) e->status = true;
    if (!strcmp(value, "info")) e->info = true;
}

void api_list_connectors(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    (void)req;
    /* Kafka Connect lists the keys of a HashMap copied (new HashMap<>(m)) from the one its
     * config store fills: that order, not a sorted one. */
    char **names = config_store_connectors_in_order(api->cs);
    size_t n_names = 0;
    while (names[n_names]) n_names++;
    java_hashmap_order(names, n_names, java_hashmap_capacity(n_names));
    java_hashmap_order(names, n_names, java_hashmap_copy_capacity(n_names));
    /* expand is repeatable: ?expand=status&expand=info. */
    expand_t ex = {false, false, false};
    rest_query_each(req, "expand", note_expand, &ex);
    bool want_status = ex.status, want_info = ex.info;
    if (!ex.any) {
        json_object *arr = json_object_new_array();
        for (char **n = names; *n; n++) json_object_array_add(arr, json_object_new_string(*n));
        resp->status = 200;
        resp->body = arr;
        config_store_free_names(names);
        return;
    }
    json_object *o = json_object_new_object();
    for (char **n = names; *n; n++) {
        json_object *entry = json_object_new_object();
        if (want_status) {
            json_object *st = api_state_info(api, *n);
            if (!st) {
                json_object_put(entry);
                continue; /* no status yet: left out entirely */
            }
            json_object_object_add(entry, "status", st);
        }
        if (want_info) {
            cd_props_t *cfg = config_store_connector_config(api->cs, *n);
            json_object_object_add(entry, "info", cfg ? api_connector_info(api, *n, cfg, true) : NULL);
            cd_props_destroy(cfg);
        }
        json_object_object_add(o, *n, entry);
    }
    config_store_free_names(names);
    resp->status = 200;
    resp->body = o;
}

void api_create_connector(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    json_object *body = req->body, *v;
    if (!body || !json_object_is_type(body, json_type_object)) {
        rest_error(resp, 400, "The request body must be a JSON object with \"name\" and \"config\"");
        return;
    }
    json_object_object_foreach(body, field, fv) {
        (void)fv;
        if (strcmp(field, "name") && strcmp(field, "config") && strcmp(field, "initial_state")) {
            rest_error(resp, 400, "Unrecognized field \"%s\" in the request body (known fields: name, config, initial_state)", field);
            return;
        }
    }
    /* Trimmed as Java's String.trim() does: every character up to ' ' (control characters and
     * NUL too) at either end. A NUL left inside is refused, not cut at. */
    const char *raw = "";
    size_t raw_len = 0;
    if (json_object_object_get_ex(body, "name", &v) && v) {
        raw = json_object_get_string(v);
        raw_len = json_object_is_type(v, json_type_string) ? (size_t)json_object_get_string_len(v)
                                                           : strlen(raw);
    }
    while (raw_len > 0 && (unsigned char)*raw <= ' ') raw++, raw_len--;
    while (raw_len > 0 && (unsigned char)raw[raw_len - 1] <= ' ') raw_len--;
    if (memchr(raw, '\0', raw_len)) {
        api_nul_name_error(resp, raw, raw_len);
        return;
    }
    char *name = strndup(raw, raw_len);

    target_state_t initial, *initial_p = NULL;
    if (json_object_object_get_ex(body, "initial_state", &v) && v) {
        const char *st = json_object_get_string(v);
        if (!strcasecmp(st, "RUNNING")) initial = TARGET_STARTED;
        else if (!strcasecmp(st, "PAUSED")) initial = TARGET_PAUSED;
        else if (!strcasecmp(st, "STOPPED")) initial = TARGET_STOPPED;
        else {
            rest_error(resp, 400, "Invalid initial_state '%s': use RUNNING, PAUSED or STOPPED", st);
            free(name);
            return;
        }
        initial_p = &initial;
    }
    if (!json_object_object_get_ex(body, "config", &v) || !v) {
        rest_error(resp, 400, "Connector config is missing: the request body needs a \"config\" object");
        free(name);
        return;
    }
    cd_props_t *cfg = api_json_to_config(v, resp);
    if (!cfg) {
        free(name);
        return;
    }
    char err[1024];
    if (api_put_name(cfg, name, resp) == 0 && api_validate_config(api, cfg, resp) == 0) {
        switch (herder_put_connector_config(api->herder, name, cfg, initial_p, false,
                                            STORE_TIMEOUT_MS, err, sizeof(err))) {
        case HERDER_EXISTS: rest_error(resp, 409, "Connector %s already exists", name); break;
        case HERDER_NOT_LEADER:
            api_forward_to_leader(api, req, resp, NULL, NULL);
            if (resp->status == 201) api_set_location(api, resp, name);
            break;
        case HERDER_CREATED:
            api_wait_for_created(api, name);
            resp->status = 201;
            resp->body = api_connector_info(api, name, cfg, false);
            api_set_location(api, resp, name);
            break;
        default: api_store_error(resp, err); break;
        }
    }
    cd_props_destroy(cfg);
    free(name);
}

void api_get_connector(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    cd_props_t *cfg = config_store_connector_config(api->cs, CONNECTOR);
    if (!cfg) {
        rest_error(resp, 404, "Connector %s not found", CONNECTOR);
        return;
    }
    resp->status = 200;
    resp->body = api_connector_info(api, CONNECTOR, cfg, true);
    cd_props_destroy(cfg);
}

void api_delete_connector(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    char err[1024];
    switch (herder_delete_connector_config(api->herder, CONNECTOR, STORE_TIMEOUT_MS, err, sizeof(err))) {
    case HERDER_NOT_FOUND: rest_error(resp, 404, "Connector %s not found", CONNECTOR); break;
    case HERDER_NOT_LEADER: api_forward_to_leader(api, req, resp, "", NULL); break;
    case HERDER_DELETED: resp->status = 204; break;
    default: api_store_error(resp, err); break;
    }
}

void api_get_config(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    cd_props_t *cfg = config_store_connector_config(api->cs, CONNECTOR);
    if (!cfg) {
        rest_error(resp, 404, "Connector %s not found", CONNECTOR);
        return;
    }
    resp->status = 200;
    resp->body = api_props_json(cfg);
    cd_props_destroy(cfg);
}

void api_put_config(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    cd_props_t *cfg = api_json_to_config(req->body, resp);
    if (!cfg) return;
    char err[1024];
    if (api_put_name(cfg, CONNECTOR, resp) == 0 && api_validate_config(api, cfg, resp) == 0) {
        /* Last writer wins; whether this write created the connector is decided with it. */
        herder_result_t r = herder_put_connector_config(api->herder, CONNECTOR, cfg, NULL, true,
                                                        STORE_TIMEOUT_MS, err, sizeof(err));
        if (r == HERDER_NOT_LEADER) {
            api_forward_to_leader(api, req, resp, "/config", NULL);
            if (resp->status == 201) api_set_location(api, resp, CONNECTOR);
        } else if (r == HERDER_CREATED || r == HERDER_UPDATED) {
            bool existed = r == HERDER_UPDATED;
            if (!existed) api_wait_for_created(api, CONNECTOR);
            resp->status = existed ? 200 : 201;
            resp->body = api_connector_info(api, CONNECTOR, cfg, existed);
            if (!existed) api_set_location(api, resp, CONNECTOR);
        } else {
            api_store_error(resp, err);
        }
    }
    cd_props_destroy(cfg);
}

typedef struct {
    const rest_api_ctx_t *api;
    const cd_props_t *patch;
    const char *name;
    rest_response_t *resp;
} patch_t;

/* Puts cfg's entries in the iteration order of a HashMap of that capacity. */
static void replace_all(cd_props_t *cfg, size_t capacity) {
    cd_props_t *ordered = java_hashmap_props_cap(cfg, capacity);
    while (cd_props_count(cfg)) {
        char *k = strdup(cd_props_key_at(cfg, 0));
        cd_props_remove(cfg, k);
        free(k);
    }
    for (size_t i = 0; i < cd_props_count(ordered); i++)
        cd_props_set(cfg, cd_props_key_at(ordered, i), cd_props_value_at(ordered, i));
    cd_props_destroy(ordered);
}

/* Applies a PATCH body to the current config (null removes a key) and checks the result; run by
 * the herder under its config lock, so that concurrent patches do not lose each other's keys. */
static int apply_patch(cd_props_t *cfg, void *opaque) {
    patch_t *pt = opaque;
    /* Kafka Connect patches a `new HashMap<>(config)`: the patched config's keys come in that
     * map's order (which GET .../config then shows, and the error messages print). */
    size_t cap = java_hashmap_copy_capacity(cd_props_count(cfg));
    replace_all(cfg, cap);
    for (size_t i = 0; i < cd_props_count(pt->patch); i++) {
        const char *k = cd_props_key_at(pt->patch, i), *v = cd_props_value_at(pt->patch, i);
        if (v)
            cd_props_set(cfg, k, v);
        else
            cd_props_remove(cfg, k);
    }
    replace_all(cfg, java_hashmap_grow(cap, cd_props_count(cfg)));
    if (api_put_name(cfg, pt->name, pt->resp) != 0 || api_validate_config(pt->api, cfg, pt->resp) != 0) return -1;
    return 0;
}

void api_patch_config(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    cd_props_t *patch = api_json_to_config(req->body, resp);
    if (!patch) return;
    char err[1024];
    patch_t pt = {api, patch, CONNECTOR, resp};
    cd_props_t *cfg = NULL;
    switch (herder_patch_connector_config(api->herder, CONNECTOR, apply_patch, &pt, &cfg,
                                          STORE_TIMEOUT_MS, err, sizeof(err))) {
    case HERDER_NOT_FOUND: rest_error(resp, 404, "Connector %s not found", CONNECTOR); break;
    case HERDER_REFUSED: break; /* apply_patch has answered */
    case HERDER_NOT_LEADER: api_forward_to_leader(api, req, resp, "/config", NULL); break;
    case HERDER_UPDATED:
        resp->status = 200;
        resp->body = api_connector_info(api, CONNECTOR, cfg, true);
        break;
    default: api_store_error(resp, err); break;
    }
    cd_props_destroy(cfg);
    cd_props_destroy(patch);
}

void api_get_status(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    json_object *o = api_state_info(api, CONNECTOR);
    if (!o) {
        rest_error(resp, 404, "No status found for connector %s", CONNECTOR);
        return;
    }
    resp->status = 200;
    resp->body = o;
}

void api_restart_connector(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    bool include_tasks = api_query_bool(req, "includeTasks"), only_failed = api_query_bool(req, "onlyFailed");
    if (!config_store_contains(api->cs, CONNECTOR)) {
        rest_error(resp, 404, "Unknown connector: %s", CONNECTOR);
        return;
    }
    if (!include_tasks && !only_failed) {
        int rc = herder_restart_connector(api->herder, CONNECTOR);
        if (rc == -3) {
            /* Another worker runs it: the leader sends the request there, a follower to the
             * leader (Kafka Connect's NotAssignedException / NotLeaderException). */
            char *url = api_is_leader(api) ? cluster_connector_owner_url(api->cluster, CONNECTOR, 20000)
                                           : api_leader_url(api);
            char *path = api_connector_path(CONNECTOR, "/restart");
            api_forward(api, req, resp, url, path, NULL);
            free(path);
            free(url);
        } else if (rc != 0) {
            rest_error(resp, 404, "Unknown connector: %s", CONNECTOR);
        } else {
            resp->status = 204;
        }
        return;
    }
    if (!api_is_leader(api)) {
        char q[64];
        snprintf(q, sizeof(q), "&includeTasks=%s&onlyFailed=%s", include_tasks ? "true" : "false",
                 only_failed ? "true" : "false");
        api_forward_to_leader(api, req, resp, "/restart", q);
        return;
    }
    /* The plan, from the statuses as they are now. */
    json_object *plan = api_state_info(api, CONNECTOR);
    char err[1024];
    if (config_store_put_restart(api->cs, CONNECTOR, include_tasks, only_failed, STORE_TIMEOUT_MS,
                                 err, sizeof(err)) != 0) {
        json_object_put(plan);
        api_store_error(resp, err);
        return;
    }
    if (!plan) {
        rest_error(resp, 404, "Status for connector %s not found", CONNECTOR);
        return;
    }
    json_object *c = json_object_object_get(plan, "connector");
    const char *cstate = json_object_get_string(json_object_object_get(c, "state"));
    if (!only_failed || !strcmp(cstate, "FAILED"))
        json_object_object_add(c, "state", json_object_new_string("RESTARTING"));
    json_object *tasks = json_object_object_get(plan, "tasks");
    for (size_t i = 0; include_tasks && i < json_object_array_length(tasks); i++) {
        json_object *t = json_object_array_get_idx(tasks, i);
        const char *ts = json_object_get_string(json_object_object_get(t, "state"));
        if (!only_failed || !strcmp(ts, "FAILED")) {
            json_object_object_add(t, "state", json_object_new_string("RESTARTING"));
            json_object_object_del(t, "trace");
        }
    }
    if (!only_failed || !strcmp(cstate, "FAILED")) json_object_object_del(c, "trace");
    resp->status = 202;
    resp->body = plan;
}

static void set_target(rest_api_ctx_t *api, const rest_request_t *req, rest_response_t *resp,
                       target_state_t st) {
    char err[1024];
    if (!config_store_contains(api->cs, CONNECTOR)) {
        rest_error(resp, 404, "Unknown connector %s", CONNECTOR);
    } else if (config_store_put_target_state(api->cs, CONNECTOR, st, STORE_TIMEOUT_MS, err,
                                             sizeof(err)) != 0) {
        api_store_error(resp, err);
    } else {
        resp->status = 202;
    }
}

void api_pause_connector(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    set_target(ctx, req, resp, TARGET_PAUSED);
}

void api_resume_connector(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    set_target(ctx, req, resp, TARGET_STARTED);
}

void api_stop_connector(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    char err[1024];
    if (!config_store_contains(api->cs, CONNECTOR)) {
        rest_error(resp, 404, "Unknown connector %s", CONNECTOR);
    } else if (!api_is_leader(api)) {
        api_forward_to_leader(api, req, resp, "/stop", NULL);
    } else if (config_store_put_stopped(api->cs, CONNECTOR, STORE_TIMEOUT_MS, err, sizeof(err)) != 0) {
        api_store_error(resp, err);
    } else {
        resp->status = 204;
    }
}

void api_get_tasks(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    if (!config_store_contains(api->cs, CONNECTOR)) {
        rest_error(resp, 404, "Connector %s not found", CONNECTOR);
        return;
    }
    size_t n;
    cd_props_t **tasks = config_store_task_configs(api->cs, CONNECTOR, &n, NULL);
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object *t = json_object_new_object(), *id = json_object_new_object();
        json_object_object_add(id, "connector", json_object_new_string(CONNECTOR));
        json_object_object_add(id, "task", json_object_new_int((int)i));
        json_object_object_add(t, "id", id);
        /* A task config is a HashMap in Kafka Connect: its keys come in that order (herder.c). */
        cd_props_t *ordered = java_hashmap_props_cap(tasks[i], java_hashmap_copy_capacity(cd_props_count(tasks[i])));
        json_object_object_add(t, "config", api_props_json(ordered));
        cd_props_destroy(ordered);
        json_object_array_add(arr, t);
    }
    config_store_free_tasks(tasks, n);
    resp->status = 200;
    resp->body = arr;
}

void api_get_task_status(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    int id;
    status_t st;
    if (api_parse_task_id(req->params[1], &id) != 0) {
        rest_error(resp, 404, "HTTP 404 Not Found");
    } else if (id < 0 || !status_store_task(api->ss, CONNECTOR, id, &st)) {
        rest_error(resp, 404, "No status found for task %s-%d", CONNECTOR, id);
    } else {
        resp->status = 200;
        resp->body = api_task_status_json(api, CONNECTOR, &st, id);
        status_clear(&st);
    }
}

void api_restart_task(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    int id;
    if (api_parse_task_id(req->params[1], &id) != 0) {
        rest_error(resp, 404, "HTTP 404 Not Found");
        return;
    }
    int rc = herder_restart_task(api->herder, CONNECTOR, id);
    if (rc == -3) {
        char *url = api_is_leader(api) ? cluster_task_owner_url(api->cluster, CONNECTOR, id, 20000)
                                       : api_leader_url(api);
        char suffix[32];
        snprintf(suffix, sizeof(suffix), "/tasks/%d/restart", id);
        char *path = api_connector_path(CONNECTOR, suffix);
        api_forward(api, req, resp, url, path, NULL);
        free(path);
        free(url);
    } else if (rc == -1)
        rest_error(resp, 404, "Unknown connector: %s", CONNECTOR);
    else if (rc == -2)
        rest_error(resp, 404, "Unknown task: %s-%d", CONNECTOR, id);
    else
        resp->status = 204;
}

void api_get_topics(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    if (!worker_config_get_bool(api->wc, "topic.tracking.enable")) {
        rest_error(resp, 403, "Topic tracking is disabled.");
        return;
    }
    char **topics = status_store_topics(api->ss, CONNECTOR);
    json_object *arr = json_object_new_array(), *inner = json_object_new_object(),
                *o = json_object_new_object();
    for (char **t = topics; *t; t++) json_object_array_add(arr, json_object_new_string(*t));
    config_store_free_names(topics);
    json_object_object_add(inner, "topics", arr);
    json_object_object_add(o, CONNECTOR, inner);
    resp->status = 200;
    resp->body = o;
}

void api_reset_topics(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    if (!worker_config_get_bool(api->wc, "topic.tracking.enable")) {
        rest_error(resp, 403, "Topic tracking is disabled.");
    } else if (!worker_config_get_bool(api->wc, "topic.tracking.allow.reset")) {
        rest_error(resp, 403, "Topic tracking reset is disabled.");
    } else {
        status_store_reset_topics(api->ss, CONNECTOR);
        resp->status = 202;
    }
}

