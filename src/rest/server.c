/* server.c - libmicrohttpd glue: one daemon per listener, a thread per connection (handlers may
 * wait on the herder for up to its timeout, and must not hold up other clients), routing by path
 * segments, request bodies, JSON answers, and the drain on orderly stop. Because every connection
 * holds a thread, what one client can take is capped (rest_limits_t): connections, body size,
 * and the time to send a request, enforced by a watchdog thread that closes connections still
 * sending a request at their deadline (libmicrohttpd's own timeout is reset by every byte, so a
 * client trickling a request would never reach it). */
#include "rest/rest.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define REST_MAX_LISTENERS 8
#define REST_MAX_SEGMENTS 16

/* One open connection, known from libmicrohttpd's connection notifications. */
typedef struct conn_info {
    int fd;
    /* Monotonic ms since when it has been sending a request (its opening, or the end of its
     * previous answer); -1 while a handler runs and its answer is sent. */
    int64_t receiving_since;
    bool closed;                  /* by the watchdog */
    struct conn_info *prev, *next;
} conn_info_t;

/* Where the admin routes are served (admin.listeners). */
typedef enum {
    ADMIN_ON_MAIN, /* admin.listeners unset: on the normal listeners */
    ADMIN_NOWHERE, /* empty: 404 everywhere */
    ADMIN_OWN      /* only on the admin listeners */
} admin_mode_t;

/* What a listener's request callback is handed: whether requests on it are admin requests is
 * fixed before its daemon starts, so that no thread reads what another is still writing. */
typedef struct {
    rest_server_t *srv;
    bool admin;
} listener_t;

struct rest_server {
    const rest_route_t *routes;
    size_t n_routes;
    void *ctx;
    rest_gate_fn gate;
    rest_limits_t limits;
    struct MHD_Daemon *daemons[REST_MAX_LISTENERS];
    int ports[REST_MAX_LISTENERS];
    listener_t listeners[REST_MAX_LISTENERS];
    size_t n_daemons;
    admin_mode_t admin_mode;
    atomic_int in_flight;
    atomic_bool stopping;

    /* Open connections, for the request deadline. The lock is also held while the watchdog
     * shuts a socket down: libmicrohttpd reports a connection closed before it closes its
     * socket, so a descriptor in this list is never one that was closed and reused. */
    pthread_mutex_t conns_lock;
    conn_info_t *conns;
    pthread_t watchdog;
    bool watchdog_started, watchdog_stop;
    pthread_cond_t watchdog_wake;
};

typedef struct {
    struct MHD_Connection *conn;
    conn_info_t *ci;
    char *body;
    size_t len, cap;
    size_t expected; /* the Content-Length (at most the limit), 0 without one */
    bool too_large;
    bool answered; /* refused from its Content-Length before the body was read */
    bool counted;
    bool refused; /* arrived after the stop began */
    bool on_admin; /* arrived on an admin listener */
    char **strings; /* decoded query values handed out by rest_query */
    size_t n_strings;
} req_state_t;

static log_logger_t *rlog(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.connect.runtime.rest.RestServer");
    return lg;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int rest_url_decode(char *s, bool plus_is_space) {
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r == '%') {
            if (!isxdigit((unsigned char)r[1]) || !isxdigit((unsigned char)r[2])) return -1;
            char hex[3] = {r[1], r[2], 0};
            char c = (char)strtol(hex, NULL, 16);
            if (c == '\0') return -2;
            *w++ = c;
            r += 2;
        } else if (*r == '+' && plus_is_space) {
            *w++ = ' ';
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return 0;
}

void rest_error(rest_response_t *resp, int status, const char *fmt, ...) {
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rest_error_len(resp, status, msg, strlen(msg));
}

void rest_error_len(rest_response_t *resp, int status, const char *msg, size_t len) {
    if (resp->body) json_object_put(resp->body);
    resp->status = status;
    resp->body = json_object_new_object();
    json_object_object_add(resp->body, "error_code", json_object_new_int(status));
    json_object_object_add(resp->body, "message", json_object_new_string_len(msg, (int)len));
}

const char *rest_header(const rest_request_t *req, const char *name) {
    req_state_t *st = req->priv;
    if (!st || !name) return NULL;
    /* libmicrohttpd compares header names without regard to case. */
    return MHD_lookup_connection_value(st->conn, MHD_HEADER_KIND, name);
}

const char *rest_query(const rest_request_t *req, const char *name) {
    req_state_t *st = req->priv;
    const char *raw = MHD_lookup_connection_value(st->conn, MHD_GET_ARGUMENT_KIND, name);
    if (!raw) return NULL;
    char *dup = strdup(raw);
    char **n = dup ? realloc(st->strings, (st->n_strings + 1) * sizeof(char *)) : NULL;
    if (!n) {
        free(dup);
        return NULL;
    }
    st->strings = n;
    st->strings[st->n_strings++] = dup;
    if (rest_url_decode(dup, true) != 0) return raw;
    return dup;
}

typedef struct {
    const char *name;
    void (*cb)(const char *value, void *opaque);
    void *opaque;
} each_ctx_t;

static enum MHD_Result each_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value) {
    (void)kind;
    each_ctx_t *e = cls;
    if (key && value && !strcmp(key, e->name)) {
        char *dup = strdup(value);
        if (dup && rest_url_decode(dup, true) == 0) e->cb(dup, e->opaque);
        free(dup);
    }
    return MHD_YES;
}

void rest_query_each(const rest_request_t *req, const char *name,
                     void (*cb)(const char *value, void *opaque), void *opaque) {
    req_state_t *st = req->priv;
    each_ctx_t e = {name, cb, opaque};
    MHD_get_connection_values(st->conn, MHD_GET_ARGUMENT_KIND, each_arg, &e);
}

/* Splits a path into segments in place; empty segments (a trailing slash) are dropped. */
static size_t split_path(char *path, char **segs, size_t max) {
    size_t n = 0;
    for (char *tok, *save = NULL, *p = path; (tok = strtok_r(p, "/", &save)) != NULL; p = NULL) {
        if (n == max) return max + 1;
        segs[n++] = tok;
    }
    return n;
}

static bool match_route(const char *pattern, char **segs, size_t n, char **params, size_t *n_params) {
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", pattern);
    char *psegs[REST_MAX_SEGMENTS];
    size_t pn = split_path(buf, psegs, REST_MAX_SEGMENTS);
    if (pn != n) return false;
    size_t np = 0;
    for (size_t i = 0; i < n; i++) {
        if (psegs[i][0] == '{') {
            params[np++] = segs[i];
        } else if (strcmp(psegs[i], segs[i]) != 0) {
            return false;
        }
    }
    *n_params = np;
    return true;
}

static enum MHD_Result send_json(struct MHD_Connection *conn, int status, json_object *body,
                                 const char *location) {
    struct MHD_Response *r;
    if (body) {
        const char *text =
            json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    } else {
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    }
    if (location) MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static bool is_admin_route(const rest_route_t *r) {
    return !strncmp(r->pattern, "/admin/", 7) || !strcmp(r->pattern, "/admin");
}

/* Whether a route exists for a request that came in on this kind of listener: as in Kafka, where
 * the admin resources are registered on the admin listeners' context only, or not at all. */
static bool route_visible(const rest_server_t *srv, const req_state_t *st, const rest_route_t *r) {
    if (st->on_admin) return is_admin_route(r);
    return !is_admin_route(r) || srv->admin_mode == ADMIN_ON_MAIN;
}

static bool is_json_content_type(const char *ct) {
    if (!ct) return true; /* no Content-Type: taken as JSON (Strimzi sends none on bodyless calls) */
    return strcasestr(ct, "json") != NULL;
}

static void dispatch(rest_server_t *srv, req_state_t *st, const char *url, const char *method,
                     rest_response_t *resp) {
    char *path = strdup(url);
    char *segs[REST_MAX_SEGMENTS + 1];
    size_t n = path ? split_path(path, segs, REST_MAX_SEGMENTS) : REST_MAX_SEGMENTS + 1;
    bool bad_escape = false, nul = false;
    for (size_t i = 0; i < n && i < REST_MAX_SEGMENTS; i++) {
        int rc = rest_url_decode(segs[i], false);
        if (rc == -2) nul = true;
        else if (rc != 0) bad_escape = true;
    }
    if (nul && !bad_escape) {
        /* Decoded, the name would end at the NUL and name another connector or logger. */
        rest_error(resp, 400,
                   "The URL path %s contains %%00 (a NUL character): connector, task and logger "
                   "names may not contain control characters", url);
        free(path);
        return;
    }

    const rest_route_t *found = NULL;
    bool path_known = false;
    char *params[REST_MAX_SEGMENTS];
    size_t n_params = 0;
    if (!bad_escape && n <= REST_MAX_SEGMENTS) {
        for (size_t i = 0; i < srv->n_routes && !found; i++) {
            size_t np;
            char *pp[REST_MAX_SEGMENTS];
            if (!route_visible(srv, st, &srv->routes[i])) continue;
            if (!match_route(srv->routes[i].pattern, segs, n, pp, &np)) continue;
            path_known = true;
            if (strcmp(srv->routes[i].method, method) != 0) continue;
            found = &srv->routes[i];
            memcpy(params, pp, np * sizeof(char *));
            n_params = np;
        }
    }
    if (!found) {
        if (path_known)
            rest_error(resp, 405, "HTTP 405 Method Not Allowed");
        else
            rest_error(resp, 404, "HTTP 404 Not Found");
        free(path);
        return;
    }

    rest_request_t req = {.method = method, .params = params, .n_params = n_params, .priv = st};
    if (st->len > 0) {
        req.raw_body = st->body;
        req.raw_body_len = st->len;
        const char *ct =
            MHD_lookup_connection_value(st->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (!is_json_content_type(ct)) {
            rest_error(resp, 415, "HTTP 415 Unsupported Media Type");
            free(path);
            return;
        }
        json_tokener *tok = json_tokener_new();
        req.body = json_tokener_parse_ex(tok, st->body, (int)st->len);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        size_t at = (size_t)json_tokener_get_parse_end(tok);
        if (jerr == json_tokener_success && tok->char_offset < (int)st->len) {
            /* Trailing bytes after the value: only whitespace is allowed. */
            for (size_t i = (size_t)tok->char_offset; i < st->len; i++)
                if (!isspace((unsigned char)st->body[i])) jerr = json_tokener_error_parse_unexpected;
        }
        if (jerr == json_tokener_continue) jerr = json_tokener_error_parse_eof;
        json_tokener_free(tok);
        if (jerr != json_tokener_success) {
            if (req.body) json_object_put(req.body);
            /* Say where: a missing comma in a hand-written curl body is the usual cause. */
            size_t line = 1, col = 1;
            for (size_t i = 0; i < at && i < st->len; i++) {
                if (st->body[i] == '\n') {
                    line++;
                    col = 1;
                } else {
                    col++;
                }
            }
            rest_error(resp, 400, "Request body is not valid JSON: %s at line %zu, column %zu (near '%.20s')",
                       json_tokener_error_desc(jerr), line, col,
                       at < st->len ? st->body + at : "end of input");
            free(path);
            return;
        }
    }
    /* As in Kafka Connect, a body is parsed (and refused) before the request waits for the worker. */
    if (!srv->gate || srv->gate(srv->ctx, found, resp)) found->fn(srv->ctx, &req, resp);
    if (req.body) json_object_put(req.body);
    free(path);
}

/* ------------------------------------------------------------------ connections and deadline */

/* Whether the connection is sending a request (its deadline runs) or being answered. */
static void conn_mark(rest_server_t *srv, conn_info_t *ci, bool receiving) {
    if (!ci) return;
    pthread_mutex_lock(&srv->conns_lock);
    ci->receiving_since = receiving ? mono_ms() : -1;
    pthread_mutex_unlock(&srv->conns_lock);
}

static conn_info_t *conn_of(struct MHD_Connection *conn) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
    rest_server_t *srv = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        conn_info_t *ci = calloc(1, sizeof(*ci));
        if (!ci || !info) {
            free(ci); /* not watched: only the idle timeout applies to it */
            return;
        }
        ci->fd = info->connect_fd;
        ci->receiving_since = mono_ms();
        pthread_mutex_lock(&srv->conns_lock);
        ci->next = srv->conns;
        if (srv->conns) srv->conns->prev = ci;
        srv->conns = ci;
        pthread_mutex_unlock(&srv->conns_lock);
        *socket_context = ci;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn_info_t *ci = *socket_context;
        if (!ci) return;
        pthread_mutex_lock(&srv->conns_lock);
        if (ci->prev) ci->prev->next = ci->next;
        else srv->conns = ci->next;
        if (ci->next) ci->next->prev = ci->prev;
        pthread_mutex_unlock(&srv->conns_lock);
        free(ci);
        *socket_context = NULL;
    }
}

/* Closes the connections that have been sending a request for longer than the timeout.
 * shutdown() wakes the connection's thread, which sees the end of the stream and lets
 * libmicrohttpd close the connection as if the client had. An idle connection (no byte since
 * its previous answer) is left to libmicrohttpd's idle timeout, which is as long: hence a
 * second's margin, so that what the watchdog closes (and reports) are clients that trickle. */
static void *watchdog_main(void *arg) {
    rest_server_t *srv = arg;
    int timeout = srv->limits.request_timeout_ms;
    int64_t deadline = (int64_t)(timeout + 999) / 1000 * 1000 + 1000;
    int period = timeout / 4 < 50 ? 50 : timeout / 4 > 1000 ? 1000 : timeout / 4;
    pthread_mutex_lock(&srv->conns_lock);
    while (!srv->watchdog_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)period * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&srv->watchdog_wake, &srv->conns_lock, &ts);
        if (srv->watchdog_stop) break;
        int64_t now = mono_ms();
        int closed = 0;
        for (conn_info_t *ci = srv->conns; ci; ci = ci->next) {
            if (ci->closed || ci->receiving_since < 0 || now - ci->receiving_since <= deadline)
                continue;
            shutdown(ci->fd, SHUT_RDWR);
            ci->closed = true;
            closed++;
        }
        if (closed) {
            pthread_mutex_unlock(&srv->conns_lock);
            log_info(rlog(), "Closed %d connection(s) that had not sent a complete request within "
                             "%d ms (the worker property rest.request.timeout.ms)", closed, timeout);
            pthread_mutex_lock(&srv->conns_lock);
        }
    }
    pthread_mutex_unlock(&srv->conns_lock);
    return NULL;
}

/* ------------------------------------------------------------------ requests */

static void body_too_large(rest_server_t *srv, rest_response_t *resp, unsigned long long announced) {
    char size[64] = "";
    if (announced) snprintf(size, sizeof(size), " of %llu bytes", announced);
    rest_error(resp, 413,
               "Request body%s is larger than %zu bytes, the limit set by the worker property "
               "rest.max.request.bytes: a connector config must fit in one record of the config "
               "topic (at most 1 MB by default in Kafka). Raise rest.max.request.bytes, and the "
               "topic's max.message.bytes, to accept larger configs",
               size, srv->limits.max_request_bytes);
}

static enum MHD_Result answer(struct MHD_Connection *conn, const char *method, const char *url,
                              rest_response_t *resp) {
    if (resp->status == 0) rest_error(resp, 500, "The request was not answered");
    log_debug(rlog(), "\"%s %s\" %d", method, url, resp->status);
    enum MHD_Result ret;
    if (resp->text) {
        struct MHD_Response *r = MHD_create_response_from_buffer(resp->text_len, resp->text, MHD_RESPMEM_MUST_FREE);
        resp->text = NULL; /* libmicrohttpd frees it */
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
        ret = MHD_queue_response(conn, (unsigned)resp->status, r);
        MHD_destroy_response(r);
    } else {
        ret = send_json(conn, resp->status, resp->body, resp->location);
    }
    if (resp->body) json_object_put(resp->body);
    free(resp->location);
    return ret;
}

/* Appends a piece of the body, never holding more than the limit. The buffer is allocated
 * once, as large as the Content-Length (or the limit when the body is chunked): a large block
 * is mapped by the allocator, and its pages only take memory as the body fills them, so a
 * client that announces a body and sends little of it costs little. */
static int body_append(rest_server_t *srv, req_state_t *st, const char *data, size_t n) {
    size_t limit = srv->limits.max_request_bytes;
    if (st->len + n > limit || st->len + n < st->len) {
        st->too_large = true; /* the rest is dropped as it arrives */
        free(st->body);
        st->body = NULL;
        st->len = st->cap = 0;
        return 0;
    }
    if (!st->body) {
        st->cap = (st->expected ? st->expected : limit) + 1;
        st->body = malloc(st->cap);
        if (!st->body) return -1;
    }
    if (st->len + n + 1 > st->cap) return -1; /* more than its Content-Length: cannot happen */
    memcpy(st->body + st->len, data, n);
    st->len += n;
    st->body[st->len] = '\0';
    return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    (void)version;
    listener_t *lst = cls;
    rest_server_t *srv = lst->srv;
    req_state_t *st = *con_cls;
    if (!st) {
        /* The headers are in; the body, if any, follows in later calls. */
        st = calloc(1, sizeof(*st));
        if (!st) return MHD_NO;
        st->conn = conn;
        st->ci = conn_of(conn);
        st->counted = true;
        st->refused = atomic_load(&srv->stopping);
        st->on_admin = lst->admin;
        atomic_fetch_add(&srv->in_flight, 1);
        *con_cls = st;
        log_debug(rlog(), "\"%s %s\" received", method, url);
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            /* libmicrohttpd has checked that it is a number. */
            unsigned long long n = strtoull(cl, NULL, 10);
            if (n > srv->limits.max_request_bytes) {
                /* Answered before the body is read; libmicrohttpd then closes the connection
                 * instead of reading the body. */
                st->answered = true;
                conn_mark(srv, st->ci, false);
                rest_response_t resp = {0};
                body_too_large(srv, &resp, n);
                return answer(conn, method, url, &resp);
            }
            st->expected = (size_t)n;
        }
        return MHD_YES;
    }
    if (st->answered) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        /* A chunked body past the limit is read to its end and dropped, so that the client
         * gets its 413; the request deadline ends one that never ends. */
        if (!st->too_large && body_append(srv, st, upload_data, *upload_data_size) != 0)
            return MHD_NO;
        *upload_data_size = 0;
        return MHD_YES;
    }

    conn_mark(srv, st->ci, false);
    rest_response_t resp = {0};
    if (st->refused) {
        rest_error(&resp, 503, "The worker is shutting down and does not take new requests");
    } else if (st->too_large) {
        body_too_large(srv, &resp, 0);
    } else {
        dispatch(srv, st, url, method, &resp);
    }
    return answer(conn, method, url, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)toe;
    rest_server_t *srv = cls;
    /* The next request on this connection has the whole timeout again. */
    conn_mark(srv, conn_of(conn), true);
    req_state_t *st = *con_cls;
    if (!st) return;
    if (st->counted) atomic_fetch_sub(&srv->in_flight, 1);
    for (size_t i = 0; i < st->n_strings; i++) free(st->strings[i]);
    free(st->strings);
    free(st->body);
    free(st);
    *con_cls = NULL;
}

/* Paths are routed undecoded, so that an escaped '/' (%2F) inside a connector name stays inside
 * its segment; segments and query values are decoded by this file. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s) {
    (void)cls;
    (void)c;
    return strlen(s);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    if (log_enabled(rlog(), LOG_LEVEL_WARN)) log_vwrite(rlog(), LOG_LEVEL_WARN, fmt, ap);
}

void rest_server_set_gate(rest_server_t *srv, rest_gate_fn gate) { srv->gate = gate; }

rest_server_t *rest_server_new(const rest_route_t *routes, size_t n_routes, void *ctx) {
    rest_server_t *srv = calloc(1, sizeof(*srv));
    if (!srv) return NULL;
    srv->routes = routes;
    srv->n_routes = n_routes;
    srv->ctx = ctx;
    srv->limits = (rest_limits_t){REST_DEFAULT_MAX_REQUEST_BYTES, REST_DEFAULT_MAX_CONNECTIONS,
                                  REST_DEFAULT_REQUEST_TIMEOUT_MS};
    pthread_mutex_init(&srv->conns_lock, NULL);
    pthread_cond_init(&srv->watchdog_wake, NULL);
    return srv;
}

void rest_server_set_limits(rest_server_t *srv, const rest_limits_t *limits) {
    srv->limits = *limits;
    if (srv->limits.max_request_bytes == 0) srv->limits.max_request_bytes = REST_DEFAULT_MAX_REQUEST_BYTES;
    if (srv->limits.max_connections == 0) srv->limits.max_connections = REST_DEFAULT_MAX_CONNECTIONS;
    if (srv->limits.request_timeout_ms <= 0) srv->limits.request_timeout_ms = REST_DEFAULT_REQUEST_TIMEOUT_MS;
}

/* setting: the worker property the listener comes from, for errors. */
static int parse_listener(const char *l, const char *setting, char *host, size_t host_size,
                          int *port, char *errstr, size_t errstr_size) {
    const char *p = strstr(l, "://");
    if (!p) {
        snprintf(errstr, errstr_size,
                 "Invalid listener '%s' in '%s': expected protocol://host:port, e.g. "
                 "http://:8083", l, setting);
        return -1;
    }
    if ((size_t)(p - l) != 4 || strncasecmp(l, "http", 4) != 0) {
        snprintf(errstr, errstr_size,
                 "Listener '%s' in '%s': only http listeners are supported; put a TLS-terminating "
                 "proxy in front of connectd for https", l, setting);
        return -1;
    }
    p += 3;
    const char *colon;
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (!close || close[1] != ':') goto bad;
        snprintf(host, host_size, "%.*s", (int)(close - p - 1), p + 1);
        colon = close + 1;
    } else {
        colon = strrchr(p, ':');
        if (!colon) goto bad;
        snprintf(host, host_size, "%.*s", (int)(colon - p), p);
    }
    char *end;
    long v = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || (*end && strcmp(end, "/") != 0) || v < 0 || v > 65535) goto bad;
    *port = (int)v;
    return 0;
bad:
    snprintf(errstr, errstr_size,
             "Invalid listener '%s' in '%s': expected protocol://host:port with a port "
             "between 0 and 65535, e.g. http://:8083", l, setting);
    return -1;
}

static struct MHD_Daemon *start_daemon(rest_server_t *srv, listener_t *lst, const char *host,
                                       int port, char *errstr, size_t errstr_size) {
    /* select(), not poll(): with it and MHD_USE_ITC, a listener at its connection limit stops
     * accepting, so further clients wait in the backlog; libmicrohttpd's poll() loop of this
     * mode accepts them and closes them at once. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG;
    /* The idle timeout, in whole seconds; the watchdog enforces the request deadline. */
    unsigned idle_s = (unsigned)((srv->limits.request_timeout_ms + 999) / 1000);
    struct MHD_OptionItem common[] = {
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, srv},
        {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)no_unescape, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, idle_s, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, srv->limits.max_connections, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_Daemon *d = NULL;
    if (!*host) {
        /* All interfaces: IPv6 and IPv4 on one socket, or IPv4 alone where IPv6 is off. */
        d = MHD_start_daemon(flags | MHD_USE_DUAL_STACK, (uint16_t)port, NULL, NULL, on_request, lst,
                             MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_ARRAY,
                             common, MHD_OPTION_END);
        if (!d)
            d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, lst,
                                 MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_ARRAY,
                                 common, MHD_OPTION_END);
    } else {
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai = NULL;
        char portstr[8];
        snprintf(portstr, sizeof(portstr), "%d", port);
        int gerr = getaddrinfo(host, portstr, &hints, &ai);
        if (gerr) {
            snprintf(errstr, errstr_size, "Cannot resolve listener host '%s': %s", host,
                     gai_strerror(gerr));
            return NULL;
        }
        d = MHD_start_daemon(flags | (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0), (uint16_t)port,
                             NULL, NULL, on_request, lst, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
                             NULL, MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_ARRAY, common,
                             MHD_OPTION_END);
        freeaddrinfo(ai);
    }
    if (!d)
        snprintf(errstr, errstr_size,
                 "Cannot listen on %s:%d: %s (is another worker or program using the port?)",
                 *host ? host : "*", port, strerror(errno ? errno : EADDRINUSE));
    return d;
}

/* Starts a listener for every item of a comma-separated list; admin: they serve the admin
 * routes only. Returns the number started, or -1 with errstr. */
static int listen_list(rest_server_t *srv, const char *listeners, bool admin, char *errstr,
                       size_t errstr_size) {
    const char *setting = admin ? "admin.listeners" : "listeners";
    char *list = strdup(listeners ? listeners : "");
    if (!list) {
        snprintf(errstr, errstr_size, "Out of memory parsing '%s'", setting);
        return -1;
    }
    int rc = 0, started = 0;
    if (!srv->watchdog_started) {
        if (pthread_create(&srv->watchdog, NULL, watchdog_main, srv) != 0) {
            snprintf(errstr, errstr_size, "Cannot start the REST server's watchdog thread");
            free(list);
            return -1;
        }
        srv->watchdog_started = true;
    }
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok && rc == 0;
         tok = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*tok)) tok++;
        char *e = tok + strlen(tok);
        while (e > tok && isspace((unsigned char)e[-1])) *--e = '\0';
        if (!*tok) continue;
        char host[256];
        int port;
        if (srv->n_daemons == REST_MAX_LISTENERS) {
            snprintf(errstr, errstr_size,
                     "Too many listeners in '%s' (at most %d, admin.listeners included)", setting,
                     REST_MAX_LISTENERS);
            rc = -1;
        } else if (parse_listener(tok, setting, host, sizeof(host), &port, errstr, errstr_size) != 0) {
            rc = -1;
        } else {
            listener_t *lst = &srv->listeners[srv->n_daemons];
            *lst = (listener_t){srv, admin};
            struct MHD_Daemon *d = start_daemon(srv, lst, host, port, errstr, errstr_size);
            if (!d) {
                rc = -1;
            } else {
                const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
                srv->ports[srv->n_daemons] = info ? info->port : port;
                srv->daemons[srv->n_daemons++] = d;
                started++;
                log_info(rlog(), "REST %sserver listening at http://%s:%d/", admin ? "admin " : "",
                         *host ? host : "0.0.0.0", srv->ports[srv->n_daemons - 1]);
            }
        }
    }
    free(list);
    return rc == 0 ? started : -1;
}

int rest_server_listen(rest_server_t *srv, const char *listeners, char *errstr, size_t errstr_size) {
    int n = listen_list(srv, listeners, false, errstr, errstr_size);
    if (n == 0) {
        snprintf(errstr, errstr_size, "No listener configured: set 'listeners', e.g. http://:8083");
        return -1;
    }
    return n < 0 ? -1 : 0;
}

int rest_server_listen_admin(rest_server_t *srv, const char *admin_listeners, char *errstr,
                             size_t errstr_size) {
    if (!admin_listeners) {
        log_info(rlog(), "Adding admin resources to main listener");
        srv->admin_mode = ADMIN_ON_MAIN;
        return 0;
    }
    const char *p = admin_listeners;
    while (isspace((unsigned char)*p)) p++;
    if (!*p) {
        /* Kafka's ConfigDef makes a blank value an empty list. */
        log_info(rlog(), "Skipping adding admin resources");
        srv->admin_mode = ADMIN_NOWHERE;
        return 0;
    }
    srv->admin_mode = ADMIN_OWN;
    log_info(rlog(), "Adding admin resources to admin listener");
    int n = listen_list(srv, admin_listeners, true, errstr, errstr_size);
    if (n == 0) /* only commas: ConfigDef's list has empty items */
        snprintf(errstr, errstr_size, "Empty URL found when parsing admin.listeners list.");
    return n > 0 ? 0 : -1;
}

static int first_port(const rest_server_t *srv, bool admin) {
    for (size_t i = 0; i < srv->n_daemons; i++)
        if (srv->listeners[i].admin == admin) return srv->ports[i];
    return -1;
}

int rest_server_port(const rest_server_t *srv) { return first_port(srv, false); }

int rest_server_admin_port(const rest_server_t *srv) { return first_port(srv, true); }

void rest_server_stop(rest_server_t *srv, int drain_ms) {
    if (!srv || atomic_exchange(&srv->stopping, true)) return;
    for (size_t i = 0; i < srv->n_daemons; i++) {
        MHD_socket s = MHD_quiesce_daemon(srv->daemons[i]);
        if (s != MHD_INVALID_SOCKET) close(s);
    }
    struct timespec step = {0, 10 * 1000 * 1000};
    for (int waited = 0; atomic_load(&srv->in_flight) > 0 && waited < drain_ms; waited += 10)
        nanosleep(&step, NULL);
    if (atomic_load(&srv->in_flight) > 0)
        log_warn(rlog(), "%d REST requests still running after %d ms; closing them",
                 atomic_load(&srv->in_flight), drain_ms);
    for (size_t i = 0; i < srv->n_daemons; i++) MHD_stop_daemon(srv->daemons[i]);
    srv->n_daemons = 0;
    if (srv->watchdog_started) {
        pthread_mutex_lock(&srv->conns_lock);
        srv->watchdog_stop = true;
        pthread_cond_broadcast(&srv->watchdog_wake);
        pthread_mutex_unlock(&srv->conns_lock);
        pthread_join(srv->watchdog, NULL);
        srv->watchdog_started = false;
    }
    log_info(rlog(), "REST server stopped");
}

void rest_server_destroy(rest_server_t *srv) {
    if (!srv) return;
    rest_server_stop(srv, 0);
    pthread_mutex_destroy(&srv->conns_lock);
    pthread_cond_destroy(&srv->watchdog_wake);
    free(srv);
}
