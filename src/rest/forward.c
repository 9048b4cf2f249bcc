/* forward.c - requests another worker of the cluster must answer, as Kafka Connect's
 * HerderRequestHandler.completeOrForwardRequest forwards them, and the internal endpoints workers
 * call on each other (POST /connectors/{c}/tasks, PUT /connectors/{c}/fence), signed as KIP-507
 * signs them.
 *
 * Forwarding: a client's request (no `forward` parameter) goes on with forward=true; one that
 * arrived with forward=true goes on with forward=false; one with forward=false that still is not
 * for this worker is refused with 409. So a request takes at most two hops (follower -> leader ->
 * owner). Only the Authorization header goes along, as Kafka's RestClient copies only that one. */
#include "rest/resources_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cluster.h"
#include "connectors/registry.h"
#include "log.h"
#include "rest/http_client.h"
#include "rest/signing.h"

#define FORWARD_TIMEOUT_MS 90000
/* How long a request waits for the group to name a leader (or owner) during a rebalance. */
#define LEADER_WAIT_MS 20000
/* A follower's task configs to the leader (the leader writes and reads back one record). */
#define PUBLISH_TIMEOUT_MS 15000

static log_logger_t *flog(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.connect.runtime.rest.HerderRequestHandler");
    return lg;
}

/* Internal requests are signed and checked in a `sessioned` cluster (connect.protocol's
 * default); `compatible` and `eager` clusters do not sign them (KIP-507). */
static bool signing_on(const worker_config_t *wc) {
    const char *p = worker_config_get(wc, "connect.protocol");
    return p && !strcasecmp(p, "sessioned");
}

/* "/connectors/<name percent-encoded><suffix>" */
char *api_connector_path(const char *name, const char *suffix) {
    size_t n = strlen(name) * 3 + strlen(suffix) + 16;
    char *p = malloc(n);
    size_t len = (size_t)snprintf(p, n, "/connectors/");
    for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
        if (isalnum(*c) || strchr("-._~", *c))
            p[len++] = (char)*c;
        else
            len += (size_t)sprintf(p + len, "%%%02X", *c);
    }
    snprintf(p + len, n - len, "%s", suffix);
    return p;
}

/* Turns a forwarded request's answer into this one's. */
static void relay(const http_response_t *r, rest_response_t *resp) {
    if (r->status == 204) {
        resp->status = 204;
        return;
    }
    json_object *body = r->body_len ? json_tokener_parse(r->body) : NULL;
    if (r->status >= 400) {
        json_object *m = body ? json_object_object_get(body, "message") : NULL;
        const char *msg = m ? json_object_get_string(m) : NULL;
        if (msg)
            rest_error(resp, r->status, "%s", msg);
        else
            rest_error(resp, r->status, "%.*s", (int)(r->body_len < 2000 ? r->body_len : 2000), r->body ? r->body : "");
        json_object_put(body);
    } else if (r->status >= 200 && r->status < 300) {
        resp->status = r->status;
        resp->body = body;
    } else {
        json_object_put(body);
        rest_error(resp, 500, "Unexpected status code when handling forwarded request: %d", r->status);
    }
}

void api_forward(rest_api_ctx_t *api, const rest_request_t *req, rest_response_t *resp, const char *target_url,
                 const char *path, const char *extra_query) {
    (void)api;
    const char *fwd = rest_query(req, "forward");
    if (fwd && !strcasecmp(fwd, "false")) {
        log_error(flog(), "Request '%s %s' failed because it couldn't find the target Connect worker within two "
                          "hops (between workers).", req->method, path);
        rest_error(resp, 409, "Cannot complete request because of a conflicting operation (e.g. worker rebalance)");
        return;
    }
    if (!target_url) {
        rest_error(resp, 409, "Cannot complete request momentarily due to no known leader URL, likely because a "
                              "rebalance was underway.");
        return;
    }
    char *pq = malloc(strlen(path) + (extra_query ? strlen(extra_query) : 0) + 32);
    sprintf(pq, "%s?forward=%s%s", path, fwd ? "false" : "true", extra_query ? extra_query : "");
    const char *auth = rest_header(req, "Authorization");
    char auth_h[4096];
    const char *headers[2] = {NULL, NULL};
    if (auth) {
        snprintf(auth_h, sizeof(auth_h), "Authorization: %s", auth);
        headers[0] = auth_h;
    }
    const char *body = req->raw_body;
    size_t body_len = req->raw_body_len;
    if (!body && req->body) {
        body = json_object_to_json_string_ext(req->body, JSON_C_TO_STRING_PLAIN);
        body_len = strlen(body);
    }
    log_debug(flog(), "Forwarding %s %s to %s", req->method, pq, target_url);
    http_response_t r = {0};
    char err[512];
    if (http_client_request(target_url, pq, req->method, headers, body, body_len, FORWARD_TIMEOUT_MS, &r, err,
                            sizeof(err)) != 0)
        rest_error(resp, 500, "IO Error trying to forward REST request: %s", err);
    else
        relay(&r, resp);
    http_response_free(&r);
    free(pq);
}

bool api_is_leader(rest_api_ctx_t *api) {
    if (!api->cluster) return true;
    cluster_wait_assigned(api->cluster, STORE_TIMEOUT_MS);
    return cluster_is_leader(api->cluster);
}

char *api_leader_url(rest_api_ctx_t *api) {
    return api->cluster ? cluster_leader_url(api->cluster, LEADER_WAIT_MS) : NULL;
}

void api_forward_to_leader(rest_api_ctx_t *api, const rest_request_t *req, rest_response_t *resp,
                           const char *suffix, const char *extra_query) {
    char *url = api_leader_url(api);
    char *path = suffix ? api_connector_path(CONNECTOR, suffix) : strdup("/connectors");
    api_forward(api, req, resp, url, path, extra_query);
    free(path);
    free(url);
}

/* ------------------------------------------------------------------ task configs */

int rest_publish_task_configs(void *opaque, const char *connector, cd_props_t *const *configs, size_t n,
                              char *errstr, size_t errstr_size) {
    rest_api_ctx_t *api = opaque;
    /* On the herder's thread: a short look for the leader, and a bounded request; the herder
     * tries again with a backoff. */
    char *url = api->cluster ? cluster_leader_url(api->cluster, 2000) : NULL;
    if (!url) {
        snprintf(errstr, errstr_size, "no known leader URL, likely because a rebalance is underway");
        return -1;
    }
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++) json_object_array_add(arr, api_props_json(configs[i]));
    const char *body = json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t len = strlen(body);
    char *path = api_connector_path(connector, "/tasks");
    char sig_h[512], alg_h[128];
    const char *headers[3] = {NULL, NULL, NULL};
    session_key_t key;
    const char *alg = worker_config_get(api->wc, "inter.worker.signature.algorithm");
    if (signing_on(api->wc) && config_store_session_key(api->cs, &key)) {
        char sig[256];
        if (signing_sign(&key, alg, body, len, sig, sizeof(sig)) == 0) {
            snprintf(sig_h, sizeof(sig_h), "%s: %s", SIGNING_HEADER, sig);
            snprintf(alg_h, sizeof(alg_h), "%s: %s", SIGNING_ALGORITHM_HEADER, alg);
            headers[0] = sig_h;
            headers[1] = alg_h;
        }
    }
    http_response_t r = {0};
    int rc = -1;
    if (http_client_request(url, path, "POST", headers, body, len, PUBLISH_TIMEOUT_MS, &r, errstr, errstr_size) != 0) {
        /* errstr says why */
    } else if (r.status >= 200 && r.status < 300) {
        rc = 0;
    } else {
        json_object *b = r.body_len ? json_tokener_parse(r.body) : NULL;
        json_object *m = b ? json_object_object_get(b, "message") : NULL;
        snprintf(errstr, errstr_size, "%d %s", r.status, m ? json_object_get_string(m) : "");
        json_object_put(b);
    }
    http_response_free(&r);
    json_object_put(arr);
    free(path);
    free(url);
    return rc;
}

/* The signature of an internal request: 0 when the request may go on, or -1 with the error set.
 * Malformed signature headers are refused even when signing is off, as Kafka's resource does. */
static int check_signature(rest_api_ctx_t *api, const rest_request_t *req, rest_response_t *resp) {
    int status = 0;
    char msg[1024];
    int rc = signing_check_headers(req, &status, msg, sizeof(msg));
    if (rc == 0 && signing_on(api->wc)) {
        session_key_t key;
        bool have = config_store_session_key(api->cs, &key);
        rc = signing_verify(req, api->wc, have ? &key : NULL, &status, msg, sizeof(msg));
    }
    if (rc != 0) rest_error(resp, status, "%s", msg);
    return rc;
}

void api_put_task_configs(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    if (check_signature(api, req, resp) != 0) return;
    json_object *arr = req->body;
    if (!arr || !json_object_is_type(arr, json_type_array)) {
        rest_error(resp, 400, "The request body must be a JSON array of task configs (objects of strings)");
        return;
    }
    size_t n = json_object_array_length(arr);
    cd_props_t **configs = calloc(n ? n : 1, sizeof(cd_props_t *));
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(o, json_type_object)) {
            rest_error(resp, 400, "Task config %zu is not a JSON object", i);
            goto out;
        }
        configs[i] = cd_props_new();
        json_object_object_foreach(o, k, v) {
            if (v && !json_object_is_type(v, json_type_string)) {
                rest_error(resp, 400, "Task config %zu: the value of '%s' is not a string", i, k);
                goto out;
            }
            cd_props_set(configs[i], k, v ? json_object_get_string(v) : NULL);
        }
    }
    char err[1024] = "";
    switch (herder_put_task_configs(api->herder, CONNECTOR, configs, n, STORE_TIMEOUT_MS, err, sizeof(err))) {
    case HERDER_UPDATED: resp->status = 204; break;
    case HERDER_NOT_LEADER: {
        /* Forwarded as Kafka forwards it: without the signature, which the leader then refuses
         * when it checks signatures; the sender retries. */
        api_forward_to_leader(api, req, resp, "/tasks", NULL);
        break;
    }
    case HERDER_NOT_FOUND: rest_error(resp, 404, "Connector %s not found", CONNECTOR); break;
    case HERDER_REFUSED: rest_error(resp, 400, "%s", err); break;
    default: api_store_error(resp, err); break;
    }
out:
    for (size_t i = 0; i < n; i++) cd_props_destroy(configs[i]);
    free(configs);
}

/* PUT /connectors/{c}/fence: the leader fences the zombies of a source connector's earlier
 * generations of tasks, which only exactly-once source support needs. connectd refuses that
 * support (exactly.once.source.support must be disabled) and its source tasks never use
 * transactional producers, so once the request passes Kafka Connect's checks there is no
 * producer to fence, and it answers as Kafka Connect's leader does when it is done: 204. */
void api_fence_zombies(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    if (check_signature(api, req, resp) != 0) return;
    if (!api_is_leader(api)) {
        api_forward_to_leader(api, req, resp, "/fence", NULL);
        return;
    }
    cd_props_t *cfg = config_store_connector_config(api->cs, CONNECTOR);
    if (!cfg) {
        rest_error(resp, 404, "Connector %s not found", CONNECTOR);
        return;
    }
    const cd_connector_plugin_t *pl = registry_find(cd_props_get(cfg, "connector.class"));
    if (!pl || pl->type != CD_CONNECTOR_SOURCE)
        rest_error(resp, 400, "Connector %s is not a source connector", CONNECTOR);
    else
        resp->status = 204;
    cd_props_destroy(cfg);
}
