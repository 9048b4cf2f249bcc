/* resources_common.c - what the REST resources share: JSON config maps, ConnectorInfo and
 * ConnectorStateInfo bodies, the checks a connector config passes before it is written, and
 * small request helpers. */
#include "rest/resources_internal.h"

#include <errno.h>
#include <stdint.h>
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
#include "config_providers.h"
#include "connect/client_overrides.h"
#include "connect/plugin_version.h"
#include "log.h"
#include "version.h"

/* ------------------------------------------------------------------ helpers */

json_object *api_props_json(const cd_props_t *p) {
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < cd_props_count(p); i++) {
        const char *v = cd_props_value_at(p, i);
        json_object_object_add(o, cd_props_key_at(p, i), v ? json_object_new_string(v) : NULL);
    }
    return o;
}

/* Character.isISOControl code points (U+0000-U+001F, U+007F-U+009F) of UTF-8 text of n bytes,
 * which may hold NULs, listed as Kafka's ConfigDef lists them ("0, 1"); NULL when none. */
char *api_control_chars(const char *s, size_t n) {
    char *out = NULL;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9F)
            c = (unsigned char)s[++i];
        else if (!(c < 0x20 || c == 0x7F))
            continue;
        char *nb = realloc(out, len + 8);
        if (!nb) break;
        out = nb;
        len += (size_t)sprintf(out + len, "%s%u", len ? ", " : "", c);
    }
    return out;
}

/* A connector name with a NUL character, which a C string cannot carry (cut there, it would
 * name another connector): refused with the message Kafka Connect gives for control characters
 * in `name` (ConfigDef.NonEmptyStringWithoutControlChars), the name written out whole. */
void api_nul_name_error(rest_response_t *resp, const char *name, size_t n) {
    char *cc = api_control_chars(name, n), *msg = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&msg, &len);
    if (!f) {
        rest_error(resp, 400, "Connector names may not contain NUL characters");
        free(cc);
        return;
    }
    fputs("Connector configuration is invalid and contains the following 1 error(s):\n"
          "Invalid value ", f);
    fwrite(name, 1, n, f);
    fprintf(f, " for configuration name: String may not contain control sequences but had the "
               "following ASCII chars: %s\nYou can also find the above list of errors at the "
               "endpoint `/connector-plugins/{connectorType}/config/validate`", cc ? cc : "");
    fclose(f);
    rest_error_len(resp, 400, msg, len);
    free(msg);
    free(cc);
}

/* A JSON config map: strings kept, numbers and booleans turned into their text, null kept as a
 * NULL value; nested objects and arrays are refused, and so are strings with a NUL character,
 * which would be cut short. */
cd_props_t *api_json_to_config(json_object *o, rest_response_t *resp) {
    if (!o || !json_object_is_type(o, json_type_object)) {
        rest_error(resp, 400, "The request body must be a JSON object of configuration keys and values");
        return NULL;
    }
    cd_props_t *p = cd_props_new();
    json_object_object_foreach(o, k, v) {
        switch (json_object_get_type(v)) {
        case json_type_null: cd_props_set(p, k, NULL); break;
        case json_type_string: {
            size_t n = (size_t)json_object_get_string_len(v);
            const char *str = json_object_get_string(v);
            if (memchr(str, '\0', n)) {
                if (!strcmp(k, "name"))
                    api_nul_name_error(resp, str, n);
                else
                    rest_error(resp, 400,
                               "Invalid value for configuration %s: it contains a NUL character "
                               "(\\u0000), which a connector config cannot hold", k);
                cd_props_destroy(p);
                return NULL;
            }
            cd_props_set(p, k, str);
            break;
        }
        case json_type_int:
        case json_type_double:
        case json_type_boolean: cd_props_set(p, k, json_object_get_string(v)); break;
        default:
            rest_error(resp, 400,
                       "Cannot deserialize value of configuration '%s': config values must be "
                       "strings, numbers or booleans, not JSON objects or arrays", k);
            cd_props_destroy(p);
            return NULL;
        }
    }
    return p;
}

const char *api_type_of(const cd_props_t *cfg) {
    const cd_connector_plugin_t *pl = cfg ? registry_find(cd_props_get(cfg, "connector.class")) : NULL;
    if (!pl) return "unknown";
    return pl->type == CD_CONNECTOR_SOURCE ? "source" : "sink";
}

json_object *api_task_ids_json(rest_api_ctx_t *api, const char *name) {
    json_object *tasks = json_object_new_array();
    size_t n;
    cd_props_t **t = config_store_task_configs(api->cs, name, &n, NULL);
    for (size_t i = 0; i < n; i++) {
        json_object *id = json_object_new_object();
        json_object_object_add(id, "connector", json_object_new_string(name));
        json_object_object_add(id, "task", json_object_new_int((int)i));
        json_object_array_add(tasks, id);
    }
    config_store_free_tasks(t, n);
    return tasks;
}

/* ConnectorInfo. with_tasks false gives "tasks": [] (a connector just created). */
json_object *api_connector_info(rest_api_ctx_t *api, const char *name, const cd_props_t *cfg,
                                   bool with_tasks) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "config", api_props_json(cfg));
    json_object_object_add(o, "tasks", with_tasks ? api_task_ids_json(api, name) : json_object_new_array());
    json_object_object_add(o, "type", json_object_new_string(api_type_of(cfg)));
    return o;
}

json_object *api_status_json(const status_t *st, int id) {
    json_object *o = json_object_new_object();
    if (id >= 0) json_object_object_add(o, "id", json_object_new_int(id));
    json_object_object_add(o, "state", json_object_new_string(st->state));
    json_object_object_add(o, "worker_id", json_object_new_string(st->worker_id ? st->worker_id : ""));
    if (st->trace && *st->trace) json_object_object_add(o, "trace", json_object_new_string(st->trace));
    /* Kafka 4.1 shows the status record's version, null when it has none, and leaves out only
     * "undefined" (PluginInfo.NoVersionFilter) */
    if (!st->version || strcmp(st->version, "undefined"))
        json_object_object_add(o, "version", st->version ? json_object_new_string(st->version) : NULL);
    return o;
}

json_object *api_task_status_json(rest_api_ctx_t *api, const char *name, const status_t *st, int id) {
    json_object *t = api_status_json(st, id);
    /* connectd's addition while a long step of a task that runs here goes on (a snapshot); the
     * clients of the API (Kafka Connect's, kcctl, Strimzi) ignore members they do not know */
    char *progress = api->herder && !strcmp(st->state, "RUNNING") ? herder_task_progress(api->herder, name, id) : NULL;
    json_object *p = progress ? json_tokener_parse(progress) : NULL;
    if (p) json_object_object_add(t, "progress", p);
    free(progress);
    return t;
}

/* ConnectorStateInfo, or NULL when the connector has no status record. */
json_object *api_state_info(rest_api_ctx_t *api, const char *name) {
    status_t cst;
    if (!status_store_connector(api->ss, name, &cst)) return NULL;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "connector", api_status_json(&cst, -1));
    status_clear(&cst);
    json_object *tasks = json_object_new_array();
    size_t n;
    task_status_t *ts = status_store_tasks(api->ss, name, &n);
    for (size_t i = 0; i < n; i++) json_object_array_add(tasks, api_task_status_json(api, name, &ts[i].status, ts[i].id));
    task_statuses_free(ts, n);
    json_object_object_add(o, "tasks", tasks);
    cd_props_t *cfg = config_store_connector_config(api->cs, name);
    json_object_object_add(o, "type", json_object_new_string(api_type_of(cfg)));
    cd_props_destroy(cfg);
    return o;
}

/* Java's Map.toString: {k=v, k=v}. */
char *api_java_map_string(const cd_props_t *p) {
    size_t cap = 64, len = 0;
    char *s = malloc(cap);
    s[len++] = '{';
    for (size_t i = 0; i < cd_props_count(p); i++) {
        const char *k = cd_props_key_at(p, i), *v = cd_props_value_at(p, i);
        size_t need = len + strlen(k) + (v ? strlen(v) : 4) + 8;
        if (need > cap) s = realloc(s, cap = need * 2);
        len += (size_t)sprintf(s + len, "%s%s=%s", i ? ", " : "", k, v ? v : "null");
    }
    s[len++] = '}';
    s[len] = '\0';
    return s;
}

/* Validation with KIP-891's connector.plugin.version first, as Kafka 4.1's
 * validateConnectorConfig does: a value that is not a version range is a 400 with Maven's message;
 * a range the installed plugin does not satisfy gets only the framework's keys validated, with
 * DelegatingClassLoader's message on connector.class and connector.plugin.version. Returns the
 * result (the caller destroys it), or NULL with the error response filled. */
cd_config_result_t *api_validate_versioned(const rest_api_ctx_t *api, const cd_connector_plugin_t *pl,
                                           const cd_props_t *cfg, rest_response_t *resp) {
    char err[1024];
    int v = cd_plugin_version_check(pl->class_name, pl->version, cd_props_get(cfg, "connector.plugin.version"),
                                    err, sizeof(err));
    if (v == -1) {
        rest_error(resp, 400, "%s", err);
        return NULL;
    }
    if (v == 0) {
        const worker_config_t *wc = api->wc;
        cd_worker_converters_t w = {
            .key_converter = worker_config_get(wc, "key.converter"),
            .value_converter = worker_config_get(wc, "value.converter"),
            .header_converter = worker_config_get(wc, "header.converter"),
            .key_version = worker_config_get(wc, "key.converter.plugin.version"),
            .value_version = worker_config_get(wc, "value.converter.plugin.version"),
            .header_version = worker_config_get(wc, "header.converter.plugin.version"),
        };
        cd_config_result_t *r = cd_connector_config_validate_worker(pl, cfg, &w);
        cd_client_overrides_validate(r, worker_config_get(api->wc, "connector.client.config.override.policy"),
                                     worker_config_get(api->wc, "connector.client.config.override.allowlist"),
                                     pl->type, cfg);
        return r;
    }
    cd_connector_plugin_t base = {.class_name = pl->class_name, .type = pl->type, .version = pl->version};
    cd_config_result_t *r = cd_connector_config_validate(&base, cfg);
    cd_config_result_add_error(r, "connector.class", "%s", err);
    cd_config_result_add_error(r, "connector.plugin.version", "%s", err);
    return r;
}

/* Kafka's AbstractHerder.validateConnectorConfig starts by resolving the config's
 * ${provider:path:key} variables, so that validation sees the values the connector will get
 * (what is written stays raw). A provider that fails is a 500 with its message. Returns the
 * resolved copy (the caller destroys it), or NULL with the error response filled. */
cd_props_t *api_resolve_for_validation(const rest_api_ctx_t *api, const cd_props_t *cfg, rest_response_t *resp) {
    char err[1024];
    cd_props_t *r = config_providers_transform(api->providers, cfg, err, sizeof(err));
    if (!r) rest_error(resp, 500, "%s", err);
    return r;
}

static int validate_resolved(const rest_api_ctx_t *api, const cd_props_t *cfg, rest_response_t *resp);

/* Checks a connector config the way Kafka Connect does before it is written. Returns 0, or -1
 * with the error response filled. */
int api_validate_config(const rest_api_ctx_t *api, const cd_props_t *raw, rest_response_t *resp) {
    cd_props_t *cfg = api_resolve_for_validation(api, raw, resp);
    if (!cfg) return -1;
    int rc = validate_resolved(api, cfg, resp);
    cd_props_destroy(cfg);
    return rc;
}

static int validate_resolved(const rest_api_ctx_t *api, const cd_props_t *cfg, rest_response_t *resp) {
    const char *cls = cd_props_get(cfg, "connector.class");
    if (!cls || !*cls) {
        char *m = api_java_map_string(cfg);
        rest_error(resp, 400, "Connector config %s contains no connector type", m);
        free(m);
        return -1;
    }
    const cd_connector_plugin_t *plugin = registry_find(cls);
    if (!plugin) {
        char *msg = registry_not_found_message(cls);
        rest_error(resp, 400, "%s", msg);
        free(msg);
        return -1;
    }
    cd_config_result_t *r = api_validate_versioned(api, plugin, cfg, resp);
    if (!r) return -1;
    int rc = 0;
    if (cd_config_result_error_count(r) > 0) {
        char *m = cd_config_result_error_message(r);
        rest_error(resp, 400, "%s", m);
        free(m);
        rc = -1;
    }
    cd_config_result_destroy(r);
    return rc;
}

/* Inserts name into the config, or checks that the config's name matches. */
int api_put_name(cd_props_t *cfg, const char *name, rest_response_t *resp) {
    if (cd_props_has(cfg, "name")) {
        const char *n = cd_props_get(cfg, "name");
        if (!n || strcmp(n, name) != 0) {
            rest_error(resp, 400,
                       "Connector name configuration (%s) doesn't match connector name in the URL (%s)",
                       n ? n : "null", name);
            return -1;
        }
    } else {
        cd_props_set(cfg, "name", name);
    }
    return 0;
}

void api_set_location(rest_api_ctx_t *api, rest_response_t *resp, const char *name) {
    /* advertised_url ends with '/', the path starts with one */
    char *path = api_connector_path(name, "");
    size_t n = strlen(api->advertised_url) + strlen(path) + 1;
    resp->location = malloc(n);
    snprintf(resp->location, n, "%.*s%s", (int)strlen(api->advertised_url) - 1, api->advertised_url, path);
    free(path);
}

bool api_query_bool(const rest_request_t *req, const char *name) {
    const char *v = rest_query(req, name);
    return v && !strcasecmp(v, "true");
}

/* A created connector's status is visible when the create answers, so that a status request
 * right after it (the README's Try it) does not get a 404. */
void api_wait_for_created(rest_api_ctx_t *api, const char *name) {
    if (api->herder && !herder_wait_status(api->herder, name, CREATE_STATUS_WAIT_MS))
        log_debug(log_get("org.apache.kafka.connect.runtime.rest.resources.ConnectorsResource"),
                  "The status of new connector %s is not visible yet after %d ms; answering the "
                  "create anyway", name, CREATE_STATUS_WAIT_MS);
}

void api_store_error(rest_response_t *resp, const char *err) {
    rest_error(resp, 500, "%s", err);
}

/* A task id as Java's Integer.valueOf reads a path parameter: an optional sign and decimal digits
 * within int range (so -1 is a task id that does not exist, not a bad path). */
int api_parse_task_id(const char *s, int *out) {
    const char *d = (*s == '-' || *s == '+') ? s + 1 : s;
    if (!*d) return -1;
    for (const char *p = d; *p; p++)
        if (*p < '0' || *p > '9') return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < INT32_MIN || v > INT32_MAX) return -1;
    /* a negative id is a valid path that names no task: callers answer their "not found" */
    *out = (int)v;
    return 0;
}

