/* loggers_resource.c - /admin/loggers: list, read and set log levels, on this worker or on the
 * whole cluster (sections 2.27-2.29). */
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

/* ------------------------------------------------------------------ loggers */

static json_object *level_json(const log_logger_t *lg, bool effective) {
    json_object *o = json_object_new_object();
    int lvl = lg->explicit_level >= 0 || !effective ? lg->explicit_level : atomic_load(&((log_logger_t *)lg)->effective);
    if (lvl < 0) lvl = atomic_load(&((log_logger_t *)lg)->effective);
    json_object_object_add(o, "level", json_object_new_string(log_level_name((log_level_t)lvl)));
    json_object_object_add(o, "last_modified",
                           lg->last_modified >= 0 ? json_object_new_int64(lg->last_modified) : NULL);
    return o;
}

static void add_explicit(const log_logger_t *lg, void *opaque) {
    if (lg->explicit_level >= 0 || !strcmp(lg->name, "root"))
        json_object_object_add(opaque, lg->name, level_json(lg, false));
}

void api_list_loggers(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    (void)ctx;
    (void)req;
    json_object *o = json_object_new_object();
    log_foreach(add_explicit, o);
    resp->status = 200;
    resp->body = o;
}

typedef struct {
    const char *name;
    json_object *out;
} find_logger_t;

static void find_logger(const log_logger_t *lg, void *opaque) {
    find_logger_t *f = opaque;
    if (!strcmp(lg->name, f->name)) f->out = level_json(lg, true);
}

void api_get_logger(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    (void)ctx;
    find_logger_t f = {!strcasecmp(req->params[0], "root") ? "root" : req->params[0], NULL};
    log_foreach(find_logger, &f);
    if (!f.out) {
        rest_error(resp, 404, "Logger %s not found.", req->params[0]);
        return;
    }
    resp->status = 200;
    resp->body = f.out;
}

void api_put_logger(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    json_object *lv = req->body && json_object_is_type(req->body, json_type_object)
                          ? json_object_object_get(req->body, "level")
                          : NULL;
    if (!lv || json_object_is_type(lv, json_type_null)) {
        rest_error(resp, 400, "Desired 'level' parameter was not specified in request.");
        return;
    }
    const char *level = json_object_get_string(lv);
    int l = log_level_parse(level);
    if (l < 0) {
        rest_error(resp, 404, "invalid log level '%s'.", level);
        return;
    }
    const char *scope = rest_query(req, "scope");
    if (scope && !strcasecmp(scope, "cluster")) {
        char err[1024];
        if (config_store_put_logger_level(api->cs, req->params[0], log_level_name((log_level_t)l),
                                          STORE_TIMEOUT_MS, err, sizeof(err)) != 0)
            api_store_error(resp, err);
        else
            resp->status = 204;
        return;
    }
    char **names = NULL;
    size_t n = log_set_level(req->params[0], (log_level_t)l, &names);
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object_array_add(arr, json_object_new_string(names[i]));
        free(names[i]);
    }
    free(names);
    resp->status = 200;
    resp->body = arr;
}

