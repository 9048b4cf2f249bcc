/* resources.c - handlers of the Kafka Connect REST API (spec/connect-rest-api.md section 2).
 * Each one reads the request, asks the stores or the herder, and shapes the answer with Apache
 * Kafka Connect's status codes, JSON fields and message texts. */
#include "rest/resources.h"

#include <ctype.h>
#include <regex.h>
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
#include "config_providers.h"
#include "connect/client_overrides.h"
#include "connect/plugin_version.h"
#include "version.h"

#define STORE_TIMEOUT_MS 30000
/* How long a create waits for the new connector's status (herder_wait_status): enough for a
 * connector and its tasks to start, short enough that one stuck starting does not hang the
 * request. At the limit the create answers anyway; the status follows later. */
#define CREATE_STATUS_WAIT_MS 5000

/* ------------------------------------------------------------------ helpers */

static json_object *props_json(const cd_props_t *p) {
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < cd_props_count(p); i++) {
        const char *v = cd_props_value_at(p, i);
        json_object_object_add(o, cd_props_key_at(p, i), v ? json_object_new_string(v) : NULL);
    }
    return o;
}

/* Character.isISOControl code points (U+0000-U+001F, U+007F-U+009F) of UTF-8 text of n bytes,
 * which may hold NULs, listed as Kafka's ConfigDef lists them ("0, 1"); NULL when none. */
static char *control_chars(const char *s, size_t n) {
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
static void nul_name_error(rest_response_t *resp, const char *name, size_t n) {
    char *cc = control_chars(name, n), *msg = NULL;
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
static cd_props_t *json_to_config(json_object *o, rest_response_t *resp) {
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
                    nul_name_error(resp, str, n);
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

static const char *type_of(const cd_props_t *cfg) {
    const cd_connector_plugin_t *pl = cfg ? registry_find(cd_props_get(cfg, "connector.class")) : NULL;
    if (!pl) return "unknown";
    return pl->type == CD_CONNECTOR_SOURCE ? "source" : "sink";
}

static json_object *task_ids_json(rest_api_ctx_t *api, const char *name) {
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
static json_object *connector_info(rest_api_ctx_t *api, const char *name, const cd_props_t *cfg,
                                   bool with_tasks) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "config", props_json(cfg));
    json_object_object_add(o, "tasks", with_tasks ? task_ids_json(api, name) : json_object_new_array());
    json_object_object_add(o, "type", json_object_new_string(type_of(cfg)));
    return o;
}

static json_object *status_json(const status_t *st, int id) {
    json_object *o = json_object_new_object();
    if (id >= 0) json_object_object_add(o, "id", json_object_new_int(id));
    json_object_object_add(o, "state", json_object_new_string(st->state));
    json_object_object_add(o, "worker_id", json_object_new_string(st->worker_id ? st->worker_id : ""));
    if (st->trace && *st->trace) json_object_object_add(o, "trace", json_object_new_string(st->trace));
    return o;
}

/* ConnectorStateInfo, or NULL when the connector has no status record. */
static json_object *state_info(rest_api_ctx_t *api, const char *name) {
    status_t cst;
    if (!status_store_connector(api->ss, name, &cst)) return NULL;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "connector", status_json(&cst, -1));
    status_clear(&cst);
    json_object *tasks = json_object_new_array();
    size_t n;
    task_status_t *ts = status_store_tasks(api->ss, name, &n);
    for (size_t i = 0; i < n; i++) json_object_array_add(tasks, status_json(&ts[i].status, ts[i].id));
    task_statuses_free(ts, n);
    json_object_object_add(o, "tasks", tasks);
    cd_props_t *cfg = config_store_connector_config(api->cs, name);
    json_object_object_add(o, "type", json_object_new_string(type_of(cfg)));
    cd_props_destroy(cfg);
    return o;
}

/* Java's Map.toString: {k=v, k=v}. */
static char *java_map_string(const cd_props_t *p) {
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

/* Kafka's AbstractHerder.validateConnectorConfig starts by resolving the config's
 * ${provider:path:key} variables, so that validation sees the values the connector will get
 * (what is written stays raw). A provider that fails is a 500 with its message. Returns the
 * resolved copy (the caller destroys it), or NULL with the error response filled. */
static int validate_resolved(const rest_api_ctx_t *api, const cd_props_t *cfg, rest_response_t *resp);

/* Validation with KIP-891's connector.plugin.version first, as Kafka 4.1's
 * validateConnectorConfig does: a value that is not a version range is a 400 with Maven's message;
 * a range the installed plugin does not satisfy gets only the framework's keys validated, with
 * DelegatingClassLoader's message on connector.class and connector.plugin.version. Returns the
 * result (the caller destroys it), or NULL with the error response filled. */
static cd_config_result_t *validate_versioned(const rest_api_ctx_t *api, const cd_connector_plugin_t *pl,
                                              const cd_props_t *cfg, rest_response_t *resp) {
    char err[1024];
    int v = cd_plugin_version_check(pl->class_name, pl->version, cd_props_get(cfg, "connector.plugin.version"),
                                    err, sizeof(err));
    if (v == -1) {
        rest_error(resp, 400, "%s", err);
        return NULL;
    }
    if (v == 0) {
        cd_config_result_t *r = cd_connector_config_validate(pl, cfg);
        cd_client_overrides_validate(r, worker_config_get(api->wc, "connector.client.config.override.policy"),
                                     pl->type, cfg);
        return r;
    }
    cd_connector_plugin_t base = {.class_name = pl->class_name, .type = pl->type};
    cd_config_result_t *r = cd_connector_config_validate(&base, cfg);
    cd_config_result_add_error(r, "connector.class", "%s", err);
    cd_config_result_add_error(r, "connector.plugin.version", "%s", err);
    return r;
}

static cd_props_t *resolve_for_validation(const rest_api_ctx_t *api, const cd_props_t *cfg,
                                          rest_response_t *resp) {
    char err[1024];
    cd_props_t *r = config_providers_transform(api->providers, cfg, err, sizeof(err));
    if (!r) rest_error(resp, 500, "%s", err);
    return r;
}

/* Checks a connector config the way Kafka Connect does before it is written. Returns 0, or -1
 * with the error response filled. */
static int validate_config(const rest_api_ctx_t *api, const cd_props_t *raw, rest_response_t *resp) {
    cd_props_t *cfg = resolve_for_validation(api, raw, resp);
    if (!cfg) return -1;
    int rc = validate_resolved(api, cfg, resp);
    cd_props_destroy(cfg);
    return rc;
}

static int validate_resolved(const rest_api_ctx_t *api, const cd_props_t *cfg, rest_response_t *resp) {
    const char *cls = cd_props_get(cfg, "connector.class");
    if (!cls || !*cls) {
        char *m = java_map_string(cfg);
        rest_error(resp, 400, "Connector config %s contains no connector type", m);
        free(m);
        return -1;
    }
    const cd_connector_plugin_t *plugin = registry_find(cls);
    if (!plugin) {
        char *msg = registry_not_found_message(cls);
        rest_error(resp, 500, "%s", msg);
        free(msg);
        return -1;
    }
    cd_config_result_t *r = validate_versioned(api, plugin, cfg, resp);
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
static int put_name(cd_props_t *cfg, const char *name, rest_response_t *resp) {
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

static void set_location(rest_api_ctx_t *api, rest_response_t *resp, const char *name) {
    size_t n = strlen(api->advertised_url) + strlen(name) * 3 + 16;
    char *loc = malloc(n);
    size_t len = (size_t)snprintf(loc, n, "%sconnectors/", api->advertised_url);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p))
            loc[len++] = (char)*p;
        else
            len += (size_t)sprintf(loc + len, "%%%02X", *p);
    }
    loc[len] = '\0';
    resp->location = loc;
}

static bool query_bool(const rest_request_t *req, const char *name) {
    const char *v = rest_query(req, name);
    return v && !strcasecmp(v, "true");
}

/* A created connector's status is visible when the create answers, so that a status request
 * right after it (the README's Try it) does not get a 404. */
static void wait_for_created(rest_api_ctx_t *api, const char *name) {
    if (api->herder && !herder_wait_status(api->herder, name, CREATE_STATUS_WAIT_MS))
        log_debug(log_get("org.apache.kafka.connect.runtime.rest.resources.ConnectorsResource"),
                  "The status of new connector %s is not visible yet after %d ms; answering the "
                  "create anyway", name, CREATE_STATUS_WAIT_MS);
}

static void store_error(rest_response_t *resp, const char *err) {
    rest_error(resp, 500, "%s", err);
}

static int parse_task_id(const char *s, int *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > 1000000) return -1;
    *out = (int)v;
    return 0;
}

/* ------------------------------------------------------------------ root, health */

static void get_root(void *ctx, const rest_request_t *req, rest_response_t *resp) {
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

static void get_health(void *ctx, const rest_request_t *req, rest_response_t *resp) {
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

static void list_connectors(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    (void)req;
    char **names = config_store_connectors(api->cs);
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
            json_object *st = state_info(api, *n);
            if (!st) {
                json_object_put(entry);
                continue; /* no status yet: left out entirely */
            }
            json_object_object_add(entry, "status", st);
        }
        if (want_info) {
            cd_props_t *cfg = config_store_connector_config(api->cs, *n);
            json_object_object_add(entry, "info", cfg ? connector_info(api, *n, cfg, true) : NULL);
            cd_props_destroy(cfg);
        }
        json_object_object_add(o, *n, entry);
    }
    config_store_free_names(names);
    resp->status = 200;
    resp->body = o;
}

static void create_connector(void *ctx, const rest_request_t *req, rest_response_t *resp) {
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
        nul_name_error(resp, raw, raw_len);
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
    cd_props_t *cfg = json_to_config(v, resp);
    if (!cfg) {
        free(name);
        return;
    }
    char err[1024];
    if (put_name(cfg, name, resp) == 0 && validate_config(api, cfg, resp) == 0) {
        switch (herder_put_connector_config(api->herder, name, cfg, initial_p, false,
                                            STORE_TIMEOUT_MS, err, sizeof(err))) {
        case HERDER_EXISTS: rest_error(resp, 409, "Connector %s already exists", name); break;
        case HERDER_CREATED:
            wait_for_created(api, name);
            resp->status = 201;
            resp->body = connector_info(api, name, cfg, false);
            set_location(api, resp, name);
            break;
        default: store_error(resp, err); break;
        }
    }
    cd_props_destroy(cfg);
    free(name);
}

#define CONNECTOR (req->params[0])

static void get_connector(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    cd_props_t *cfg = config_store_connector_config(api->cs, CONNECTOR);
    if (!cfg) {
        rest_error(resp, 404, "Connector %s not found", CONNECTOR);
        return;
    }
    resp->status = 200;
    resp->body = connector_info(api, CONNECTOR, cfg, true);
    cd_props_destroy(cfg);
}

static void delete_connector(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    char err[1024];
    switch (herder_delete_connector_config(api->herder, CONNECTOR, STORE_TIMEOUT_MS, err, sizeof(err))) {
    case HERDER_NOT_FOUND: rest_error(resp, 404, "Connector %s not found", CONNECTOR); break;
    case HERDER_DELETED: resp->status = 204; break;
    default: store_error(resp, err); break;
    }
}

static void get_config(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    cd_props_t *cfg = config_store_connector_config(api->cs, CONNECTOR);
    if (!cfg) {
        rest_error(resp, 404, "Connector %s not found", CONNECTOR);
        return;
    }
    resp->status = 200;
    resp->body = props_json(cfg);
    cd_props_destroy(cfg);
}

static void put_config(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    cd_props_t *cfg = json_to_config(req->body, resp);
    if (!cfg) return;
    char err[1024];
    if (put_name(cfg, CONNECTOR, resp) == 0 && validate_config(api, cfg, resp) == 0) {
        /* Last writer wins; whether this write created the connector is decided with it. */
        herder_result_t r = herder_put_connector_config(api->herder, CONNECTOR, cfg, NULL, true,
                                                        STORE_TIMEOUT_MS, err, sizeof(err));
        if (r == HERDER_CREATED || r == HERDER_UPDATED) {
            bool existed = r == HERDER_UPDATED;
            if (!existed) wait_for_created(api, CONNECTOR);
            resp->status = existed ? 200 : 201;
            resp->body = connector_info(api, CONNECTOR, cfg, existed);
            if (!existed) set_location(api, resp, CONNECTOR);
        } else {
            store_error(resp, err);
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

/* Applies a PATCH body to the current config (null removes a key) and checks the result; run by
 * the herder under its config lock, so that concurrent patches do not lose each other's keys. */
static int apply_patch(cd_props_t *cfg, void *opaque) {
    patch_t *pt = opaque;
    for (size_t i = 0; i < cd_props_count(pt->patch); i++) {
        const char *k = cd_props_key_at(pt->patch, i), *v = cd_props_value_at(pt->patch, i);
        if (v)
            cd_props_set(cfg, k, v);
        else
            cd_props_remove(cfg, k);
    }
    if (put_name(cfg, pt->name, pt->resp) != 0 || validate_config(pt->api, cfg, pt->resp) != 0) return -1;
    return 0;
}

static void patch_config(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    cd_props_t *patch = json_to_config(req->body, resp);
    if (!patch) return;
    char err[1024];
    patch_t pt = {api, patch, CONNECTOR, resp};
    cd_props_t *cfg = NULL;
    switch (herder_patch_connector_config(api->herder, CONNECTOR, apply_patch, &pt, &cfg,
                                          STORE_TIMEOUT_MS, err, sizeof(err))) {
    case HERDER_NOT_FOUND: rest_error(resp, 404, "Connector %s not found", CONNECTOR); break;
    case HERDER_REFUSED: break; /* apply_patch has answered */
    case HERDER_UPDATED:
        resp->status = 200;
        resp->body = connector_info(api, CONNECTOR, cfg, true);
        break;
    default: store_error(resp, err); break;
    }
    cd_props_destroy(cfg);
    cd_props_destroy(patch);
}

static void get_status(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    json_object *o = state_info(api, CONNECTOR);
    if (!o) {
        rest_error(resp, 404, "No status found for connector %s", CONNECTOR);
        return;
    }
    resp->status = 200;
    resp->body = o;
}

static void restart_connector(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    bool include_tasks = query_bool(req, "includeTasks"), only_failed = query_bool(req, "onlyFailed");
    if (!config_store_contains(api->cs, CONNECTOR)) {
        rest_error(resp, 404, "Unknown connector: %s", CONNECTOR);
        return;
    }
    if (!include_tasks && !only_failed) {
        if (herder_restart_connector(api->herder, CONNECTOR) != 0)
            rest_error(resp, 404, "Unknown connector: %s", CONNECTOR);
        else
            resp->status = 204;
        return;
    }
    /* The plan, from the statuses as they are now. */
    json_object *plan = state_info(api, CONNECTOR);
    char err[1024];
    if (config_store_put_restart(api->cs, CONNECTOR, include_tasks, only_failed, STORE_TIMEOUT_MS,
                                 err, sizeof(err)) != 0) {
        json_object_put(plan);
        store_error(resp, err);
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
        store_error(resp, err);
    } else {
        resp->status = 202;
    }
}

static void pause_connector(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    set_target(ctx, req, resp, TARGET_PAUSED);
}

static void resume_connector(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    set_target(ctx, req, resp, TARGET_STARTED);
}

static void stop_connector(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    char err[1024];
    if (!config_store_contains(api->cs, CONNECTOR)) {
        rest_error(resp, 404, "Unknown connector %s", CONNECTOR);
    } else if (config_store_put_stopped(api->cs, CONNECTOR, STORE_TIMEOUT_MS, err, sizeof(err)) != 0) {
        store_error(resp, err);
    } else {
        resp->status = 204;
    }
}

static void get_tasks(void *ctx, const rest_request_t *req, rest_response_t *resp) {
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
        json_object_object_add(t, "config", props_json(tasks[i]));
        json_object_array_add(arr, t);
    }
    config_store_free_tasks(tasks, n);
    resp->status = 200;
    resp->body = arr;
}

static void get_task_status(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    int id;
    status_t st;
    if (parse_task_id(req->params[1], &id) != 0) {
        rest_error(resp, 404, "HTTP 404 Not Found");
    } else if (!status_store_task(api->ss, CONNECTOR, id, &st)) {
        rest_error(resp, 404, "No status found for task %s-%d", CONNECTOR, id);
    } else {
        resp->status = 200;
        resp->body = status_json(&st, id);
        status_clear(&st);
    }
}

static void restart_task(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    int id;
    if (parse_task_id(req->params[1], &id) != 0) {
        rest_error(resp, 404, "HTTP 404 Not Found");
        return;
    }
    int rc = herder_restart_task(api->herder, CONNECTOR, id);
    if (rc == -1)
        rest_error(resp, 404, "Unknown connector: %s", CONNECTOR);
    else if (rc == -2)
        rest_error(resp, 404, "Unknown task: %s-%d", CONNECTOR, id);
    else
        resp->status = 204;
}

static void get_topics(void *ctx, const rest_request_t *req, rest_response_t *resp) {
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

static void reset_topics(void *ctx, const rest_request_t *req, rest_response_t *resp) {
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

/* ------------------------------------------------------------------ offsets (KIP-875) */

static const char *sink_group(const cd_props_t *cfg, const char *name, char *buf, size_t size) {
    const char *g = cd_props_get(cfg, "consumer.override.group.id");
    if (g && *g) return g;
    snprintf(buf, size, "connect-%s", name);
    return buf;
}

/* A consumer handle in the sink connector's group, used only for committed offsets (it never
 * subscribes, so it does not join the group). */
static rd_kafka_t *group_client(rest_api_ctx_t *api, const char *group, char *err, size_t errsize) {
    rd_kafka_conf_t *conf = kafka_client_conf(api->wc, KAFKA_ROLE_CONSUMER, "connectd-offsets-admin",
                                              err, errsize);
    if (!conf) return NULL;
    rd_kafka_conf_set(conf, "group.id", group, NULL, 0);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", NULL, 0);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errsize);
    if (!rk) rd_kafka_conf_destroy(conf);
    return rk;
}

/* Every partition of the sink's topics (topics list, or topics.regex matched against the
 * cluster's topics). */
static rd_kafka_topic_partition_list_t *sink_partitions(rd_kafka_t *rk, const cd_props_t *cfg) {
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(8);
    const struct rd_kafka_metadata *md;
    if (rd_kafka_metadata(rk, 1, NULL, &md, 10000)) return parts;
    const char *topics = cd_props_get(cfg, "topics");
    const char *regex = cd_props_get(cfg, "topics.regex");
    regex_t re;
    bool use_re = regex && *regex && regcomp(&re, regex, REG_EXTENDED | REG_NOSUB) == 0;
    for (int i = 0; i < md->topic_cnt; i++) {
        const char *t = md->topics[i].topic;
        bool match = false;
        if (use_re) {
            regmatch_t m[1];
            match = regexec(&re, t, 1, m, 0) == 0;
        } else if (topics) {
            char *list = strdup(topics);
            for (char *save = NULL, *tok = strtok_r(list, ", ", &save); tok && !match;
                 tok = strtok_r(NULL, ", ", &save))
                match = !strcmp(tok, t);
            free(list);
        }
        if (match)
            for (int p = 0; p < md->topics[i].partition_cnt; p++)
                rd_kafka_topic_partition_list_add(parts, t, md->topics[i].partitions[p].id);
    }
    if (use_re) regfree(&re);
    rd_kafka_metadata_destroy(md);
    return parts;
}

static void get_offsets(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    cd_props_t *cfg = config_store_connector_config(api->cs, CONNECTOR);
    if (!cfg) {
        rest_error(resp, 404, "Connector %s not found", CONNECTOR);
        return;
    }
    const cd_connector_plugin_t *pl = registry_find(cd_props_get(cfg, "connector.class"));
    char err[1024];
    json_object *list = NULL;
    if (!pl || pl->type == CD_CONNECTOR_SOURCE) {
        if (offset_store_refresh(api->os, STORE_TIMEOUT_MS, err, sizeof(err)) != 0) {
            rest_error(resp, 500, "Failed to retrieve offsets for source connector %s", CONNECTOR);
            cd_props_destroy(cfg);
            return;
        }
        list = offset_store_list(api->os, CONNECTOR);
    } else {
        char gbuf[600];
        rd_kafka_t *rk = group_client(api, sink_group(cfg, CONNECTOR, gbuf, sizeof(gbuf)), err, sizeof(err));
        rd_kafka_topic_partition_list_t *parts = rk ? sink_partitions(rk, cfg) : NULL;
        if (!rk || (parts->cnt > 0 && rd_kafka_committed(rk, parts, 10000))) {
            rest_error(resp, 500, "Failed to retrieve consumer group offsets for sink connector %s", CONNECTOR);
        } else {
            list = json_object_new_array();
            for (int i = 0; i < parts->cnt; i++) {
                if (parts->elems[i].offset < 0) continue;
                json_object *item = json_object_new_object(), *p = json_object_new_object(),
                            *o = json_object_new_object();
                json_object_object_add(p, "kafka_topic", json_object_new_string(parts->elems[i].topic));
                json_object_object_add(p, "kafka_partition", json_object_new_int(parts->elems[i].partition));
                json_object_object_add(o, "kafka_offset", json_object_new_int64(parts->elems[i].offset));
                json_object_object_add(item, "partition", p);
                json_object_object_add(item, "offset", o);
                json_object_array_add(list, item);
            }
        }
        if (parts) rd_kafka_topic_partition_list_destroy(parts);
        if (rk) rd_kafka_destroy(rk);
    }
    cd_props_destroy(cfg);
    if (!list) return;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "offsets", list);
    resp->status = 200;
    resp->body = o;
}

/* The preconditions of offset changes: the connector exists, is STOPPED and has no tasks; and,
 * as in Kafka Connect, whose herder runs the change after the tick that stopped the tasks, the
 * stop has taken effect: its tasks have ended (or were cancelled), so that no commit of theirs
 * lands after the change (src/worker.c, "One instance of a task"). */
static cd_props_t *stopped_connector(rest_api_ctx_t *api, const char *name, rest_response_t *resp) {
    cd_props_t *cfg = config_store_connector_config(api->cs, name);
    target_state_t st;
    if (!cfg) {
        rest_error(resp, 404, "Connector %s not found", name);
        return NULL;
    }
    if (!config_store_target_state(api->cs, name, &st) || st != TARGET_STOPPED ||
        config_store_task_count(api->cs, name) > 0) {
        rest_error(resp, 400,
                   "Connectors must be in the STOPPED state before their offsets can be modified. "
                   "This can be done for the specified connector by issuing a 'PUT' request to the "
                   "'/connectors/%s/stop' endpoint", name);
        cd_props_destroy(cfg);
        return NULL;
    }
    if (api->herder && !herder_await_stopped_tasks(api->herder, name)) {
        const cd_connector_plugin_t *pl = registry_find(cd_props_get(cfg, "connector.class"));
        rest_error(resp, 500, "Timed out while attempting to modify offsets for %s connector %s",
                   pl && pl->type == CD_CONNECTOR_SINK ? "sink" : "source", name);
        cd_props_destroy(cfg);
        return NULL;
    }
    return cfg;
}

static const char *json_type_java(json_object *v) {
    return json_object_is_type(v, json_type_array) ? "java.util.ArrayList" : "java.util.LinkedHashMap";
}

/* Parses a sink offsets entry. Returns 0, or -1 with the 400 error set. */
static int sink_entry(json_object *item, rest_response_t *resp, const char **topic, int32_t *part,
                      int64_t *off, bool *reset) {
    json_object *p = json_object_object_get(item, "partition");
    json_object *o = json_object_object_get(item, "offset");
    if (!p || json_object_is_type(p, json_type_null)) {
        rest_error(resp, 400, "The partition for a sink connector offset cannot be null or missing");
        return -1;
    }
    json_object *t, *kp;
    if (!json_object_object_get_ex(p, "kafka_topic", &t) || !json_object_object_get_ex(p, "kafka_partition", &kp)) {
        rest_error(resp, 400, "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'");
        return -1;
    }
    if (!t || !json_object_is_type(t, json_type_string)) {
        rest_error(resp, 400, "Kafka topic names must be valid strings and may not be null");
        return -1;
    }
    if (!kp || json_object_is_type(kp, json_type_null)) {
        rest_error(resp, 400, "Kafka partitions must be valid numbers and may not be null");
        return -1;
    }
    char *end;
    const char *ps = json_object_get_string(kp);
    long pv = strtol(ps, &end, 10);
    if (*end || !*ps) {
        rest_error(resp, 400, "Failed to parse the following Kafka partition value in the provided offsets: '%s'. Partition values for sink connectors need to be integers.", ps);
        return -1;
    }
    *topic = json_object_get_string(t);
    *part = (int32_t)pv;
    *reset = !o || json_object_is_type(o, json_type_null);
    if (*reset) return 0;
    json_object *ko;
    if (!json_object_object_get_ex(o, "kafka_offset", &ko)) {
        rest_error(resp, 400, "The offset for a sink connector should either be null or contain the key 'kafka_offset'");
        return -1;
    }
    const char *os = ko ? json_object_get_string(ko) : "null";
    long long ov = strtoll(os, &end, 10);
    if (!ko || *end || !*os) {
        rest_error(resp, 400, "Failed to parse the following Kafka offset value in the provided offsets: '%s'. Offset values for sink connectors need to be integers.", os);
        return -1;
    }
    *off = ov;
    return 0;
}

static const char *altered_message(const cd_connector_plugin_t *pl, bool reset) {
    if (pl && pl->alters_offsets)
        return reset ? "The offsets for this connector have been reset successfully"
                     : "The offsets for this connector have been altered successfully";
    return reset ? "The Connect framework-managed offsets for this connector have been reset "
                   "successfully. However, if this connector manages offsets externally, they will "
                   "need to be manually reset in the system that the connector uses."
                 : "The Connect framework-managed offsets for this connector have been altered "
                   "successfully. However, if this connector manages offsets externally, they will "
                   "need to be manually altered in the system that the connector uses.";
}

static void message(rest_response_t *resp, const char *text) {
    resp->status = 200;
    resp->body = json_object_new_object();
    json_object_object_add(resp->body, "message", json_object_new_string(text));
}

/* How long each step of a sink offsets request may take (Kafka Connect gives the whole request
 * its 90 s REST timeout). On the mock the fallback's join can take the stopped task's
 * session.timeout.ms, 45 s by default. */
#define GROUP_ADMIN_TIMEOUT_MS 60000

static log_logger_t *worker_log(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.connect.runtime.Worker");
    return lg;
}

/* Kafka Connect's answer when the group still has members (verb: reset or alter). */
static void group_not_empty(rest_response_t *resp, const char *name, const char *verb) {
    rest_error(resp, 500,
               "Failed to %s consumer group offsets for connector %s either because its tasks "
               "haven't stopped completely yet or the connector was resumed before the request to "
               "%s its offsets could be successfully completed. If the connector is in a stopped "
               "state, this operation can be safely retried. If it doesn't eventually succeed, the "
               "Connect cluster may need to be restarted to get rid of the zombie sink tasks.",
               verb, name, verb);
}

/* Changes a sink connector's group offsets as Kafka Connect does: a reset (offsets NULL) deletes
 * the group, an alter commits the given offsets and deletes those given as null
 * (RD_KAFKA_OFFSET_INVALID). A broker without these APIs (librdkafka's mock: the test broker and
 * embedded mode) gets the same result by a member's commit: the start of each partition stands
 * for a deleted group or offset, since sink consumers read from the earliest offset. Sets the
 * answer. */
static void modify_sink_offsets(rest_api_ctx_t *api, const cd_props_t *cfg, const char *name,
                                const cd_connector_plugin_t *pl,
                                rd_kafka_topic_partition_list_t *offsets, rest_response_t *resp) {
    bool reset = offsets == NULL;
    const char *verb = reset ? "reset" : "alter";
    char gbuf[600], err[1024] = "";
    const char *group = sink_group(cfg, name, gbuf, sizeof(gbuf));
    rd_kafka_conf_t *conf = kafka_client_conf(api->wc, KAFKA_ROLE_ADMIN, "connectd-offsets-admin",
                                              err, sizeof(err));
    rd_kafka_t *rk = conf ? rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err)) : NULL;
    if (conf && !rk) rd_kafka_conf_destroy(conf);
    kafka_group_result_t r = KAFKA_GROUP_ERROR;
    if (rk)
        r = reset ? kafka_group_delete(rk, group, GROUP_ADMIN_TIMEOUT_MS, err, sizeof(err))
                  : kafka_group_alter_offsets(rk, group, offsets, GROUP_ADMIN_TIMEOUT_MS, err,
                                              sizeof(err));
    rd_kafka_topic_partition_list_t *all = NULL;
    if (r == KAFKA_GROUP_UNSUPPORTED) {
        log_info(worker_log(),
                 "The broker cannot %s consumer group %s through the Admin API (%s): committing "
                 "%s as a member of the group instead",
                 reset ? "delete" : "alter the offsets of", group, err,
                 reset ? "the start of each partition of the connector's topics" : "the offsets");
        if (reset) {
            all = sink_partitions(rk, cfg);
            for (int i = 0; i < all->cnt; i++) all->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
        }
        rd_kafka_topic_partition_list_t *what = reset ? all : offsets;
        rd_kafka_conf_t *cconf = what->cnt > 0 ? kafka_client_conf(api->wc, KAFKA_ROLE_CONSUMER,
                                                                   "connectd-offsets-admin", err,
                                                                   sizeof(err))
                                               : NULL;
        if (what->cnt == 0)
            r = KAFKA_GROUP_OK;
        else if (cconf && kafka_group_commit_as_member(cconf, group, what, GROUP_ADMIN_TIMEOUT_MS,
                                                       err, sizeof(err)) == 0)
            r = KAFKA_GROUP_OK;
        else
            r = KAFKA_GROUP_ERROR;
    }
    if (r == KAFKA_GROUP_OK) {
        message(resp, altered_message(pl, reset));
    } else if (r == KAFKA_GROUP_NOT_EMPTY) {
        log_error(worker_log(), "Failed to %s consumer group offsets for connector %s: group %s "
                                "has members (%s)", verb, name, group, err);
        group_not_empty(resp, name, verb);
    } else {
        log_error(worker_log(), "Failed to %s consumer group offsets for %sconnector %s: %s", verb,
                  reset ? "sink " : "", name, err);
        rest_error(resp, 500, "Failed to %s consumer group offsets for %sconnector %s", verb,
                   reset ? "sink " : "", name);
    }
    if (all) rd_kafka_topic_partition_list_destroy(all);
    if (rk) rd_kafka_destroy(rk);
}

static void patch_offsets(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    cd_props_t *cfg = stopped_connector(api, CONNECTOR, resp);
    if (!cfg) return;
    json_object *offsets = req->body ? json_object_object_get(req->body, "offsets") : NULL;
    if (!offsets || !json_object_is_type(offsets, json_type_array) || json_object_array_length(offsets) == 0) {
        rest_error(resp, 400, "Partitions / offsets need to be provided for an alter offsets request");
        cd_props_destroy(cfg);
        return;
    }
    const cd_connector_plugin_t *pl = registry_find(cd_props_get(cfg, "connector.class"));
    size_t n = json_object_array_length(offsets);
    char err[1024];
    if (pl && pl->type == CD_CONNECTOR_SINK) {
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new((int)n);
        bool ok = true;
        for (size_t i = 0; i < n && ok; i++) {
            const char *topic;
            int32_t part;
            int64_t off = -1;
            bool reset;
            ok = sink_entry(json_object_array_get_idx(offsets, i), resp, &topic, &part, &off, &reset) == 0;
            if (ok)
                rd_kafka_topic_partition_list_add(parts, topic, part)->offset =
                    reset ? RD_KAFKA_OFFSET_INVALID : off;
        }
        if (ok) modify_sink_offsets(api, cfg, CONNECTOR, pl, parts, resp);
        rd_kafka_topic_partition_list_destroy(parts);
        cd_props_destroy(cfg);
        return;
    }
    offset_write_t *w = calloc(n, sizeof(*w));
    char **texts = calloc(2 * n, sizeof(char *));
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        json_object *item = json_object_array_get_idx(offsets, i);
        json_object *p = json_object_object_get(item, "partition");
        json_object *o = json_object_object_get(item, "offset");
        const char *bad = NULL;
        if (!p || !json_object_is_type(p, json_type_object)) {
            rest_error(resp, 400, "The partition of a source connector offset must be a JSON object");
            ok = false;
            break;
        }
        texts[2 * i] = offset_store_json_text(p, &bad);
        if (texts[2 * i] && o && json_object_is_type(o, json_type_object))
            texts[2 * i + 1] = offset_store_json_text(o, &bad);
        else if (o && !json_object_is_type(o, json_type_null))
            bad = "offset";
        if (bad) {
            json_object *bv = json_object_object_get(json_object_is_type(p, json_type_object) && json_object_object_get(p, bad) ? p : o, bad);
            rest_error(resp, 500, "Offsets may only contain primitive types as values, but field %s contains %s",
                       bad, bv ? json_type_java(bv) : "a non-primitive value");
            ok = false;
            break;
        }
        if (pl && pl->check_offset && texts[2 * i + 1] &&
            pl->check_offset(texts[2 * i], texts[2 * i + 1], err, sizeof(err)) != 0) {
            rest_error(resp, 400, "%s", err);
            ok = false;
            break;
        }
        w[i] = (offset_write_t){texts[2 * i], texts[2 * i + 1]};
    }
    if (ok) {
        if (offset_store_write(api->os, CONNECTOR, w, n, STORE_TIMEOUT_MS, err, sizeof(err)) != 0)
            rest_error(resp, 500, "Failed to modify offsets for source connector %s", CONNECTOR);
        else
            message(resp, altered_message(pl, false));
    }
    for (size_t i = 0; i < 2 * n; i++) free(texts[i]);
    free(texts);
    free(w);
    cd_props_destroy(cfg);
}

static void delete_offsets(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    cd_props_t *cfg = stopped_connector(api, CONNECTOR, resp);
    if (!cfg) return;
    const cd_connector_plugin_t *pl = registry_find(cd_props_get(cfg, "connector.class"));
    char err[1024];
    if (pl && pl->type == CD_CONNECTOR_SINK) {
        modify_sink_offsets(api, cfg, CONNECTOR, pl, NULL, resp);
        cd_props_destroy(cfg);
        return;
    }
    if (offset_store_refresh(api->os, STORE_TIMEOUT_MS, err, sizeof(err)) != 0) {
        rest_error(resp, 500, "Failed to reset offsets for source connector %s", CONNECTOR);
        cd_props_destroy(cfg);
        return;
    }
    json_object *list = offset_store_list(api->os, CONNECTOR);
    size_t n = json_object_array_length(list);
    offset_write_t *w = calloc(n + 1, sizeof(*w));
    char **texts = calloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        texts[i] = offset_store_json_text(json_object_object_get(json_object_array_get_idx(list, i), "partition"), NULL);
        w[i] = (offset_write_t){texts[i], NULL};
    }
    if (n > 0 && offset_store_write(api->os, CONNECTOR, w, n, STORE_TIMEOUT_MS, err, sizeof(err)) != 0)
        rest_error(resp, 500, "Failed to reset offsets for source connector %s", CONNECTOR);
    else
        message(resp, altered_message(pl, true));
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts);
    free(w);
    json_object_put(list);
    cd_props_destroy(cfg);
}

/* ------------------------------------------------------------------ plugins */

static json_object *plugin_json(const char *cls, const char *type, const char *version) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "class", json_object_new_string(cls));
    json_object_object_add(o, "type", json_object_new_string(type));
    if (version) json_object_object_add(o, "version", json_object_new_string(version));
    return o;
}

static void list_plugins(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    (void)ctx;
    const char *co = rest_query(req, "connectorsOnly");
    bool connectors_only = !co || !strcasecmp(co, "true");
    json_object *arr = json_object_new_array();
    size_t n;
    const cd_connector_plugin_t *const *pl = registry_connectors(&n);
    for (int pass = 0; pass < 2; pass++) /* sinks, then sources */
        for (size_t i = 0; i < n; i++)
            if ((pass == 0) == (pl[i]->type == CD_CONNECTOR_SINK))
                json_object_array_add(arr, plugin_json(pl[i]->class_name,
                                                       pl[i]->type == CD_CONNECTOR_SINK ? "sink" : "source",
                                                       pl[i]->version));
    if (!connectors_only) {
        for (const char *const *c = cd_converter_classes; *c; c++)
            json_object_array_add(arr, plugin_json(*c, "converter", CONNECTD_KAFKA_CONNECT_VERSION));
        for (const char *const *c = cd_converter_classes; *c; c++)
            json_object_array_add(arr, plugin_json(*c, "header_converter", CONNECTD_KAFKA_CONNECT_VERSION));
    }
    resp->status = 200;
    resp->body = arr;
}

static void plugin_config(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    (void)ctx;
    const cd_connector_plugin_t *pl = registry_find(req->params[0]);
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

static void validate_plugin_config(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    const rest_api_ctx_t *api = ctx;
    cd_props_t *raw = json_to_config(req->body, resp);
    if (!raw) return;
    cd_props_t *cfg = resolve_for_validation(api, raw, resp);
    cd_props_destroy(raw);
    if (!cfg) return;
    const char *cls = cd_props_get(cfg, "connector.class");
    const char *path = req->params[0];
    if (!cls || !*cls) {
        char *m = java_map_string(cfg);
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
        rest_error(resp, 500, "%s", msg);
        free(msg);
        cd_props_destroy(cfg);
        return;
    }
    cd_config_result_t *r = validate_versioned(api, pl, cfg, resp);
    if (!r) {
        cd_props_destroy(cfg);
        return;
    }
    resp->status = 200;
    resp->body = cd_config_result_to_json(r, cls);
    cd_config_result_destroy(r);
    cd_props_destroy(cfg);
}

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

static void list_loggers(void *ctx, const rest_request_t *req, rest_response_t *resp) {
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

static void get_logger(void *ctx, const rest_request_t *req, rest_response_t *resp) {
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

static void put_logger(void *ctx, const rest_request_t *req, rest_response_t *resp) {
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
            store_error(resp, err);
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

static const rest_route_t routes[] = {
    {"GET", "/", get_root},
    {"GET", "/health", get_health},
    {"GET", "/connectors", list_connectors},
    {"POST", "/connectors", create_connector},
    {"GET", "/connectors/{c}", get_connector},
    {"DELETE", "/connectors/{c}", delete_connector},
    {"GET", "/connectors/{c}/config", get_config},
    {"PUT", "/connectors/{c}/config", put_config},
    {"PATCH", "/connectors/{c}/config", patch_config},
    {"GET", "/connectors/{c}/status", get_status},
    {"POST", "/connectors/{c}/restart", restart_connector},
    {"PUT", "/connectors/{c}/pause", pause_connector},
    {"PUT", "/connectors/{c}/resume", resume_connector},
    {"PUT", "/connectors/{c}/stop", stop_connector},
    {"GET", "/connectors/{c}/tasks", get_tasks},
    {"GET", "/connectors/{c}/tasks/{t}/status", get_task_status},
    {"POST", "/connectors/{c}/tasks/{t}/restart", restart_task},
    {"GET", "/connectors/{c}/topics", get_topics},
    {"PUT", "/connectors/{c}/topics/reset", reset_topics},
    {"GET", "/connectors/{c}/offsets", get_offsets},
    {"PATCH", "/connectors/{c}/offsets", patch_offsets},
    {"DELETE", "/connectors/{c}/offsets", delete_offsets},
    {"GET", "/connector-plugins", list_plugins},
    {"GET", "/connector-plugins/{p}/config", plugin_config},
    {"PUT", "/connector-plugins/{p}/config/validate", validate_plugin_config},
    {"GET", "/admin/loggers", list_loggers},
    {"GET", "/admin/loggers/{l}", get_logger},
    {"PUT", "/admin/loggers/{l}", put_logger},
};

const rest_route_t *rest_api_routes(size_t *n_routes) {
    *n_routes = sizeof(routes) / sizeof(routes[0]);
    return routes;
}
