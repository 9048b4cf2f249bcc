/* rest.h - the HTTP server: listeners, routing, request bodies, JSON responses and the JSON
 * error body of Kafka Connect ({"error_code":N,"message":"..."}). No business logic: a route's
 * handler does the work and fills a response. */
#ifndef CONNECTD_REST_H
#define CONNECTD_REST_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct rest_server rest_server_t;

typedef struct rest_request {
    const char *method;
    char **params;        /* the decoded path segments matched by "{...}" in the route */
    size_t n_params;
    json_object *body;    /* the parsed JSON body (any JSON value: object, array, string...), or
                           * NULL when the request had none */
    const char *raw_body; /* the body's bytes exactly as received (for a signature over them),
                           * NUL-terminated for convenience; NULL when there was no body */
    size_t raw_body_len;  /* 0 when there was no body */
    void *priv;           /* the server's own */
} rest_request_t;

typedef struct rest_response {
    int status;
    json_object *body;    /* owned by the response; NULL for a response without a body */
    char *location;       /* malloc'ed Location header value, or NULL */
    char *text;           /* malloc'ed body that is not JSON (GET /metrics), sent instead of body */
    size_t text_len;
    const char *content_type; /* static: text's Content-Type */
} rest_response_t;

typedef void (*rest_handler_fn)(void *ctx, const rest_request_t *req, rest_response_t *resp);

/* A route whose pattern starts with "/admin/" is an admin route: Kafka Connect's admin resources
 * (LoggingResource, /admin/loggers), which admin.listeners can move to listeners of their own
 * (rest_server_listen_admin). */
typedef struct {
    const char *method;   /* "GET", "POST", ... */
    const char *pattern;  /* "/connectors/{connector}/status"; "{...}" matches one segment */
    rest_handler_fn fn;
} rest_route_t;

/* routes must outlive the server; ctx is handed to every handler. */
rest_server_t *rest_server_new(const rest_route_t *routes, size_t n_routes, void *ctx);

/* A gate every matched request passes before its handler runs (on the connection's own thread,
 * so it may wait). It returns true to go on, or false with resp filled. Set before listening. */
typedef bool (*rest_gate_fn)(void *ctx, const rest_route_t *route, rest_response_t *resp);
void rest_server_set_gate(rest_server_t *srv, rest_gate_fn gate);

/* What one client may take (the worker properties rest.max.request.bytes, rest.max.connections
 * and rest.request.timeout.ms):
 * - a request body larger than max_request_bytes is refused with 413: at once when its
 *   Content-Length says so (the body is not read), after reading and dropping it when it is
 *   chunked; a body is never held beyond the limit;
 * - at most max_connections connections per listener are served, each on its own thread; more
 *   wait in the kernel's listen backlog until one closes;
 * - a connection is closed when it is idle for request_timeout_ms (in whole seconds), and when
 *   it has not delivered a complete request (headers and body) a second after that, counted
 *   from its opening or from its previous answer: a client trickling a request byte by byte is
 *   cut off too. The time a handler takes does not count. */
typedef struct {
    size_t max_request_bytes;
    unsigned max_connections;
    int request_timeout_ms;
} rest_limits_t;

#define REST_DEFAULT_MAX_REQUEST_BYTES ((size_t)1024 * 1024)
#define REST_DEFAULT_MAX_CONNECTIONS 100u
#define REST_DEFAULT_REQUEST_TIMEOUT_MS 30000

/* Before rest_server_listen; a server without it uses the defaults above. */
void rest_server_set_limits(rest_server_t *srv, const rest_limits_t *limits);

/* Starts serving on every listener of a comma-separated `listeners` value
 * ("http://:8083,http://127.0.0.1:9000"). Returns 0, or -1 with errstr naming the listener. */
int rest_server_listen(rest_server_t *srv, const char *listeners, char *errstr, size_t errstr_size);

/* Where the admin routes are served, from the worker property admin.listeners (Kafka's
 * RestServer): NULL (its default) keeps them on the listeners of rest_server_listen; an empty
 * or blank list serves them nowhere (404); otherwise they are served only on these listeners,
 * which serve nothing else, and are 404 on the others. The list is parsed as `listeners` is,
 * errors naming admin.listeners. Call it before rest_server_listen, so that no listener serves
 * the admin routes where it should not even for a moment. Returns 0, or -1 with errstr. */
int rest_server_listen_admin(rest_server_t *srv, const char *admin_listeners, char *errstr,
                             size_t errstr_size);

/* The port the first listener is bound to (useful with port 0), or -1. */
int rest_server_port(const rest_server_t *srv);
/* The same for the first admin listener, or -1 when there is none. */
int rest_server_admin_port(const rest_server_t *srv);

/* Orderly stop: refuse new connections, let requests in flight finish (waiting at most
 * drain_ms), then close everything. */
void rest_server_stop(rest_server_t *srv, int drain_ms);
void rest_server_destroy(rest_server_t *srv);

/* The value of a request header, found case-insensitively, or NULL when the request has none.
 * Owned by the request. */
const char *rest_header(const rest_request_t *req, const char *name);

/* The decoded value of a query parameter, or NULL. Owned by the request. */
const char *rest_query(const rest_request_t *req, const char *name);

/* Calls cb with the decoded value of every occurrence of a query parameter. */
void rest_query_each(const rest_request_t *req, const char *name,
                     void (*cb)(const char *value, void *opaque), void *opaque);

/* Fills resp with the JSON error body. */
void rest_error(rest_response_t *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with a message of len bytes, which may hold NUL characters (written as \u0000). */
void rest_error_len(rest_response_t *resp, int status, const char *msg, size_t len);

/* Decodes %XX escapes (and '+' as space when plus_is_space) in place; returns 0, -1 on a bad
 * escape, -2 for %00 (a NUL would cut the C string short: the caller must refuse the text). */
int rest_url_decode(char *s, bool plus_is_space);

#endif
