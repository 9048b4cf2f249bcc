/* http_client.h - a small blocking HTTP/1.1 client for requests between workers (forwarding to the
 * leader or a connector's owner, internal task configs and fencing), sending what Kafka Connect's
 * RestClient sends. http only: connectd has no https listeners. */
#ifndef CONNECTD_REST_HTTP_CLIENT_H
#define CONNECTD_REST_HTTP_CLIENT_H

#include <stddef.h>

/* A response body larger than this is an error, not held: forwarded answers are JSON documents
 * (a connector list, a config), far smaller. */
#define HTTP_CLIENT_MAX_RESPONSE_BYTES ((size_t)16 * 1024 * 1024)

typedef struct {
    int status;      /* the HTTP status code */
    char *body;      /* malloc'ed, NUL-terminated (also when empty); free with http_response_free */
    size_t body_len; /* without the NUL */
} http_response_t;

/* Frees the body and clears the response; a zeroed or already freed response is fine. */
void http_response_free(http_response_t *r);

/* Sends method path_and_query to base_url and reads the whole answer within timeout_ms (name
 * resolution aside: getaddrinfo cannot be bounded; worker URLs are usually addresses or names in
 * /etc/hosts).
 * - base_url: "http://host:port/" as a worker advertises it; host may be a bracketed IPv6
 *   literal; a path in it ("http://h:1/prefix/") is put before path_and_query.
 * - path_and_query: "/connectors?forward=true", already percent-encoded.
 * - headers: extra "Name: value" lines (e.g. Authorization, X-Connect-Authorization),
 *   NULL-terminated; NULL for none. A header with CR or LF is refused.
 * - body: body_len bytes sent as Content-Type: application/json; NULL for none.
 * The request also carries Accept: application/json, User-Agent: kafka-connect (as Kafka's
 * RestClient) and Connection: close. The response may use Content-Length, chunked encoding or
 * end at the close; a body over HTTP_CLIENT_MAX_RESPONSE_BYTES is an error.
 * Returns 0 with *out filled for any HTTP status, or -1 with errstr saying what failed in the
 * words of Java's exceptions where Kafka would show one ("java.net.ConnectException: Connection
 * refused", "Total timeout 5000 ms elapsed"): Kafka answers such a failure with 500 "IO Error
 * trying to forward REST request: <errstr>". */
int http_client_request(const char *base_url, const char *path_and_query, const char *method,
                        const char *const *headers, const char *body, size_t body_len,
                        int timeout_ms, http_response_t *out, char *errstr, size_t errstr_size);

#endif
