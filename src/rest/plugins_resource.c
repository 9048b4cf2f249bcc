/* plugins_resource.c - /connector-plugins: the plugin list, a plugin's config definitions and
 * config validation (sections 2.24-2.26). */
#include "rest/resources_internal.h"

#include <ctype.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connect/connector_config.h"
#include "connect/converter.h"
#include "connect/transforms.h"
#include "connectors/registry.h"
#include "kafka/client.h"
#include "kafka/groups.h"
#include "log.h"
#include "version.h"

/* ------------------------------------------------------------------ plugins */

static json_object *plugin_json(const char *cls, const char *type, const char *version) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "class", json_object_new_string(cls));
    json_object_object_add(o, "type", json_object_new_string(type));
    if (version) json_object_object_add(o, "version", json_object_new_string(version));
    return o;
}

static int cmp_class(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds the classes of one plugin type sorted by class name, as Kafka Connect lists them. */
static void add_sorted(json_object *arr, const char **classes, const char **versions, size_t n,
                       const char *type) {
    const char **idx = malloc((n ? n : 1) * sizeof(*idx));
    for (size_t i = 0; i < n; i++) idx[i] = classes[i];
    qsort(idx, n, sizeof(*idx), cmp_class);
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (classes[j] != idx[i]) j++;
        json_object_array_add(arr, plugin_json(classes[j], type, versions[j]));
    }
    free(idx);
}

void api_list_plugins(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    (void)ctx;
    const char *co = rest_query(req, "connectorsOnly");
    bool connectors_only = !co || !strcasecmp(co, "true");
    json_object *arr = json_object_new_array();
    size_t n;
    const cd_connector_plugin_t *const *pl = registry_connectors(&n);
    const char **classes = malloc((n + 8) * sizeof(*classes)), **versions = malloc((n + 8) * sizeof(*versions));
    for (int pass = 0; pass < 2; pass++) { /* sinks, then sources */
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if ((pass == 0) == (pl[i]->type == CD_CONNECTOR_SINK))
                classes[k] = pl[i]->class_name, versions[k++] = pl[i]->version;
        add_sorted(arr, classes, versions, k, pass == 0 ? "sink" : "source");
    }
    if (!connectors_only) {
        size_t nx;
        const cd_xf_plugin_t *const *xf = cd_xf_plugins(&nx); /* sorted already */
        for (int kind = 0; kind < 2; kind++)
            for (size_t i = 0; i < nx; i++)
                if ((int)xf[i]->kind == kind)
                    json_object_array_add(arr, plugin_json(xf[i]->class_name,
                                                           kind == CD_XF_TRANSFORMATION ? "transformation"
                                                                                        : "predicate",
                                                           xf[i]->version));
        size_t k = 0;
        for (const char *const *c = cd_converter_classes; *c && k < n + 8; c++)
            classes[k] = *c, versions[k++] = CONNECTD_KAFKA_CONNECT_VERSION;
        add_sorted(arr, classes, versions, k, "converter");
        k = 0;
        for (const char *const *c = cd_header_converter_classes; *c && k < n + 8; c++)
            classes[k] = *c, versions[k++] = CONNECTD_KAFKA_CONNECT_VERSION;
        add_sorted(arr, classes, versions, k, "header_converter");
    }
    free(classes);
    free(versions);
    resp->status = 200;
    resp->body = arr;
}

void api_plugin_config(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    (void)ctx;
    const cd_connector_plugin_t *pl = registry_find(req->params[0]);
    const cd_xf_plugin_t *xf = pl ? NULL : cd_xf_find_any(req->params[0]);
    if (xf) { /* Transformation.config() / Predicate.config() as they are */
        const cd_config_def_t *defs[] = {&xf->config_def};
        resp->status = 200;
        resp->body = cd_config_def_to_json(defs, 1);
        return;
    }
    if (!pl) {
        rest_error(resp, 404, "Unknown plugin %s.", req->params[0]);
        return;
    }
    resp->status = 200;
    resp->body = cd_connector_plugin_config_json(pl);
}

static size_t strip_connector_suffix(const char *s) {
    size_t l = strlen(s);
    return l >= 9 && !strcmp(s + l - 9, "Connector") ? l - 9 : l;
}

void api_validate_plugin_config(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    const rest_api_ctx_t *api = ctx;
    cd_props_t *raw = api_json_to_config(req->body, resp);
    if (!raw) return;
    cd_props_t *cfg = api_resolve_for_validation(api, raw, resp);
    cd_props_destroy(raw);
    if (!cfg) return;
    const char *cls = cd_props_get(cfg, "connector.class");
    const char *path = req->params[0];
    if (!cls || !*cls) {
        char *m = api_java_map_string(cfg);
        rest_error(resp, 400, "Connector config %s contains no connector type", m);
        free(m);
        cd_props_destroy(cfg);
        return;
    }
    size_t cl = strip_connector_suffix(cls), pl_len = strip_connector_suffix(path);
    if (pl_len > cl || strncmp(cls + cl - pl_len, path, pl_len) != 0) {
        rest_error(resp, 400, "Included connector type %s does not match request type %s", cls, path);
        cd_props_destroy(cfg);
        return;
    }
    const cd_connector_plugin_t *pl = registry_find(cls);
    if (!pl) {
        char *msg = registry_not_found_message(cls);
        rest_error(resp, 400, "%s", msg);
        free(msg);
        cd_props_destroy(cfg);
        return;
    }
    cd_config_result_t *r = api_validate_versioned(api, pl, cfg, resp);
    if (!r) {
        cd_props_destroy(cfg);
        return;
    }
    resp->status = 200;
    resp->body = cd_config_result_to_json(r, cls);
    cd_config_result_destroy(r);
    cd_props_destroy(cfg);
}

