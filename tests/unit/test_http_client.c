/* test_http_client.c - the client workers forward requests with: against connectd's own REST
 * server (signed internal requests checked by signing_verify, IPv4 and IPv6), and against a tiny
 * socket server in this file for what the REST server never sends (chunked with trailers, a body
 * ended by the close, a truncated or oversize body, no answer at all, 100 Continue, garbage). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "rest/http_client.h"
#include "rest/rest.h"
#include "rest/signing.h"
#include "worker_config.h"

/* ------------------------------------------------------------------ connectd's REST server */

typedef struct {
    worker_config_t *wc;
    const session_key_t *key; /* NULL: none read yet */
} ctx_t;

/* As the internal POST /connectors/{c}/tasks and PUT /connectors/{c}/fence will: verify, 204. */
static void signed_endpoint(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    ctx_t *c = ctx;
    int status;
    char msg[1024];
    if (signing_verify(req, c->wc, c->key, &status, msg, sizeof(msg)) != 0) {
        rest_error(resp, status, "%s", msg);
        return;
    }
    resp->status = 204;
}

/* What arrived: the headers the client sends and the forward parameter. */
static void echo_headers(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    (void)ctx;
    json_object *o = json_object_new_object();
    const char *names[] = {"Accept", "User-Agent", "Content-Type", "Authorization", "Connection"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = rest_header(req, names[i]);
        json_object_object_add(o, names[i], v ? json_object_new_string(v) : NULL);
    }
    const char *fwd = rest_query(req, "forward");
    json_object_object_add(o, "forward", fwd ? json_object_new_string(fwd) : NULL);
    json_object_object_add(o, "body", req->body ? json_object_get(req->body) : NULL);
    resp->status = 200;
    resp->body = o;
}

static const rest_route_t routes[] = {
    {"POST", "/connectors/{c}/tasks", signed_endpoint},
    {"PUT", "/connectors/{c}/fence", signed_endpoint},
    {"GET", "/connectors", echo_headers},
    {"POST", "/connectors", echo_headers},
};

static rest_server_t *srv;
static ctx_t ctx;
static session_key_t key;
static char base[64], base6[64];

static int setup(void **state) {
    (void)state;
    log_set_level("root", LOG_LEVEL_ERROR, NULL);
    ctx.wc = worker_config_new();
    worker_config_set(ctx.wc, "inter.worker.verification.algorithms", "HmacSHA256, HmacSHA512", "test");
    char err[256];
    assert_int_equal(session_key_generate("HmacSHA256", 0, &key, err, sizeof(err)), 0);
    ctx.key = &key;
    srv = rest_server_new(routes, sizeof(routes) / sizeof(routes[0]), &ctx);
    assert_int_equal(rest_server_listen(srv, "http://127.0.0.1:0", err, sizeof(err)), 0);
    snprintf(base, sizeof(base), "http://127.0.0.1:%d/", rest_server_port(srv));
    return 0;
}

static int teardown(void **state) {
    (void)state;
    rest_server_destroy(srv);
    worker_config_destroy(ctx.wc);
    log_shutdown();
    return 0;
}

static void test_signed_internal_requests(void **state) {
    (void)state;
    const char *body = "[{\"task.class\":\"T\",\"k\":\"v\"}]";
    char sig[128], h1[200];
    assert_int_equal(signing_sign(&key, "HmacSHA256", body, strlen(body), sig, sizeof(sig)), 0);
    snprintf(h1, sizeof(h1), "X-Connect-Authorization: %s", sig);
    const char *headers[] = {h1, "X-Connect-Request-Signature-Algorithm: HmacSHA256", NULL};
    http_response_t r;
    char err[256];
    assert_int_equal(http_client_request(base, "/connectors/c%2Fd/tasks", "POST", headers, body,
                                         strlen(body), 5000, &r, err, sizeof(err)), 0);
    assert_int_equal(r.status, 204);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(r.body, "");
    http_response_free(&r);

    /* One byte more in the body: 403. */
    assert_int_equal(http_client_request(base, "/connectors/c/tasks", "POST", headers, "[{}] ", 5,
                                         5000, &r, err, sizeof(err)), 0);
    assert_int_equal(r.status, 403);
    assert_string_equal(r.body, "{\"error_code\":403,\"message\":\"Internal request contained invalid signature.\"}");
    http_response_free(&r);

    /* Unsigned (a forwarded internal request loses its signature): 400. */
    assert_int_equal(http_client_request(base, "/connectors/c/tasks", "POST", NULL, body,
                                         strlen(body), 5000, &r, err, sizeof(err)), 0);
    assert_int_equal(r.status, 400);
    assert_string_equal(r.body, "{\"error_code\":400,\"message\":\"Internal request missing required signature\"}");
    http_response_free(&r);

    /* The fence request has no body: its signature is over zero bytes. */
    assert_int_equal(signing_sign(&key, "HmacSHA512", NULL, 0, sig, sizeof(sig)), 0);
    snprintf(h1, sizeof(h1), "X-Connect-Authorization: %s", sig);
    const char *h512[] = {h1, "X-Connect-Request-Signature-Algorithm: HmacSHA512", NULL};
    assert_int_equal(http_client_request(base, "/connectors/c/fence", "PUT", h512, NULL, 0, 5000,
                                         &r, err, sizeof(err)), 0);
    assert_int_equal(r.status, 204);
    http_response_free(&r);

    /* Before a session key is read: 503. */
    ctx.key = NULL;
    assert_int_equal(http_client_request(base, "/connectors/c/fence", "PUT", h512, NULL, 0, 5000,
                                         &r, err, sizeof(err)), 0);
    assert_int_equal(r.status, 503);
    http_response_free(&r);
    ctx.key = &key;
}

static void test_request_headers_and_ipv6(void **state) {
    (void)state;
    http_response_t r;
    char err[256];
    const char *auth[] = {"Authorization: Basic dXNlcjpwdw==", NULL};
    assert_int_equal(http_client_request(base, "/connectors?forward=true", "GET", auth, NULL, 0,
                                         5000, &r, err, sizeof(err)), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"Accept\":\"application/json\",\"User-Agent\":\"kafka-connect\","
                                "\"Content-Type\":null,\"Authorization\":\"Basic dXNlcjpwdw==\","
                                "\"Connection\":\"close\",\"forward\":\"true\",\"body\":null}");
    http_response_free(&r);
    /* A body goes as JSON; the server's 4xx comes back as a response, not an error. */
    const char *cfg = "{\"name\":\"x\",\"config\":{\"name\":\"x\"}}";
    assert_int_equal(http_client_request(base, "/connectors?forward=false", "POST", NULL, cfg,
                                         strlen(cfg), 5000, &r, err, sizeof(err)), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"Content-Type\":\"application/json\""));
    assert_non_null(strstr(r.body, "\"body\":{\"name\":\"x\",\"config\":{\"name\":\"x\"}}"));
    http_response_free(&r);
    assert_int_equal(http_client_request(base, "/nope", "GET", NULL, NULL, 0, 5000, &r, err,
                                         sizeof(err)), 0);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}");
    http_response_free(&r);

    /* A server on IPv6, by a bracketed literal. */
    rest_server_t *s6 = rest_server_new(routes, sizeof(routes) / sizeof(routes[0]), &ctx);
    assert_int_equal(rest_server_listen(s6, "http://[::1]:0", err, sizeof(err)), 0);
    snprintf(base6, sizeof(base6), "http://[::1]:%d/", rest_server_port(s6));
    assert_int_equal(http_client_request(base6, "/connectors", "GET", NULL, NULL, 0, 5000, &r, err,
                                         sizeof(err)), 0);
    assert_int_equal(r.status, 200);
    http_response_free(&r);
    rest_server_destroy(s6);
}

/* ------------------------------------------------------------------ a tiny socket server */

typedef enum {
    SEND_CLOSE,  /* send the response, close */
    SEND_HOLD,   /* send the response, keep the connection until the client closes it */
    SILENT,      /* never answer; wait for the client to go */
    STREAM,      /* send the response head, then 64 KiB chunks until the client goes */
} tiny_mode_t;

typedef struct {
    int lfd, port;
    tiny_mode_t mode;
    const char *response;
    char request[8192];
    size_t request_len;
    pthread_t thread;
} tiny_t;

static void *tiny_main(void *arg) {
    tiny_t *t = arg;
    int fd = accept(t->lfd, NULL, NULL);
    if (fd < 0) return NULL;
    /* The request: headers, then a Content-Length body. */
    size_t want = 0;
    for (;;) {
        ssize_t n = recv(fd, t->request + t->request_len, sizeof(t->request) - 1 - t->request_len, 0);
        if (n <= 0) break;
        t->request_len += (size_t)n;
        t->request[t->request_len] = '\0';
        char *end = strstr(t->request, "\r\n\r\n");
        if (!end) continue;
        char *cl = strcasestr(t->request, "Content-Length: ");
        want = (size_t)(end + 4 - t->request) + (cl && cl < end ? (size_t)atoi(cl + 16) : 0);
        if (t->request_len >= want) break;
    }
    char sink[4096];
    if (t->mode == SEND_CLOSE || t->mode == SEND_HOLD || t->mode == STREAM)
        (void)send(fd, t->response, strlen(t->response), MSG_NOSIGNAL);
    if (t->mode == STREAM) {
        static char chunk[65536 + 16];
        int h = snprintf(chunk, sizeof(chunk), "10000\r\n");
        memset(chunk + h, 'x', 65536);
        memcpy(chunk + h + 65536, "\r\n", 2);
        /* Up to 32 MiB: past the client's cap, bounded if the client misbehaves. */
        for (int i = 0; i < 512; i++)
            if (send(fd, chunk, (size_t)h + 65538, MSG_NOSIGNAL) < 0) break;
    }
    if (t->mode == SEND_HOLD || t->mode == SILENT)
        while (recv(fd, sink, sizeof(sink), 0) > 0) {
        }
    close(fd);
    return NULL;
}

static void tiny_start(tiny_t *t, tiny_mode_t mode, const char *response) {
    memset(t, 0, sizeof(*t));
    t->mode = mode;
    t->response = response;
    t->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(t->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(t->lfd, 4), 0);
    socklen_t sl = sizeof(a);
    getsockname(t->lfd, (struct sockaddr *)&a, &sl);
    t->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&t->thread, NULL, tiny_main, t), 0);
}

static void tiny_join(tiny_t *t) {
    pthread_join(t->thread, NULL);
    close(t->lfd);
}

/* Runs one request against a tiny server; returns the client's return code. */
static int tiny_request(tiny_mode_t mode, const char *response, int timeout_ms, http_response_t *r,
                        char *err, size_t err_size, tiny_t *t) {
    tiny_start(t, mode, response);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", t->port);
    int rc = http_client_request(url, "/connectors/c/config", "PUT", NULL, "{\"a\":\"b\"}", 9,
                                 timeout_ms, r, err, err_size);
    tiny_join(t);
    return rc;
}

static void test_request_on_the_wire(void **state) {
    (void)state;
    tiny_t t;
    http_response_t r;
    char err[256];
    assert_int_equal(tiny_request(SEND_CLOSE, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}",
                                  5000, &r, err, sizeof(err), &t), 0);
    char want[512];
    snprintf(want, sizeof(want),
             "PUT /connectors/c/config HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: application/json\r\n"
             "User-Agent: kafka-connect\r\nConnection: close\r\nContent-Type: application/json\r\n"
             "Content-Length: 9\r\n\r\n{\"a\":\"b\"}", t.port);
    assert_string_equal(t.request, want);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "{}");
    http_response_free(&r);

    /* A path in the worker URL goes before the request's path; a GET has no body headers. */
    tiny_start(&t, SEND_CLOSE, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    char url[64];
    snprintf(url, sizeof(url), "http://localhost:%d/api/", t.port);
    const char *hs[] = {"Authorization: Bearer x", NULL};
    assert_int_equal(http_client_request(url, "/connectors?expand=status&expand=info", "GET", hs,
                                         NULL, 0, 5000, &r, err, sizeof(err)), 0);
    tiny_join(&t);
    snprintf(want, sizeof(want),
             "GET /api/connectors?expand=status&expand=info HTTP/1.1\r\nHost: localhost:%d\r\n"
             "Accept: application/json\r\nUser-Agent: kafka-connect\r\nConnection: close\r\n"
             "Authorization: Bearer x\r\n\r\n", t.port);
    assert_string_equal(t.request, want);
    assert_int_equal(r.status, 200);
    http_response_free(&r);
}

static void test_response_framings(void **state) {
    (void)state;
    tiny_t t;
    http_response_t r;
    char err[256];
    /* Chunked, with an extension, a trailer and mixed-case hex. */
    if (tiny_request(SEND_CLOSE,
                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "3;x=y\r\n{\"a\r\nb\r\n\":\"012345\"}\r\n0\r\nX-T: 1\r\n\r\n",
                     5000, &r, err, sizeof(err), &t) != 0)
        fail_msg("%s", err);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"a\":\"012345\"}");
    assert_int_equal(r.body_len, 14);
    http_response_free(&r);
    /* Content-Length on a connection the server keeps open: done at the length. */
    assert_int_equal(tiny_request(SEND_HOLD, "HTTP/1.1 409 Conflict\r\nContent-Length: 5\r\n\r\nabcde",
                                  5000, &r, err, sizeof(err), &t), 0);
    assert_int_equal(r.status, 409);
    assert_string_equal(r.body, "abcde");
    http_response_free(&r);
    /* Neither: the body ends at the close. */
    assert_int_equal(tiny_request(SEND_CLOSE, "HTTP/1.0 500 Oops\r\n\r\n{\"error_code\":500}", 5000,
                                  &r, err, sizeof(err), &t), 0);
    assert_int_equal(r.status, 500);
    assert_string_equal(r.body, "{\"error_code\":500}");
    http_response_free(&r);
    /* 100 Continue first. */
    assert_int_equal(tiny_request(SEND_CLOSE, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
                                  5000, &r, err, sizeof(err), &t), 0);
    assert_int_equal(r.status, 204);
    assert_string_equal(r.body, "");
    http_response_free(&r);
}

static void test_failures(void **state) {
    (void)state;
    tiny_t t;
    http_response_t r;
    char err[512];
    /* No answer within the deadline: Jetty's words. */
    assert_int_equal(tiny_request(SILENT, NULL, 300, &r, err, sizeof(err), &t), -1);
    assert_string_equal(err, "Total timeout 300 ms elapsed");
    assert_null(r.body);
    /* A body cut short. */
    assert_int_equal(tiny_request(SEND_CLOSE, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
                                  5000, &r, err, sizeof(err), &t), -1);
    assert_non_null(strstr(err, "java.io.EOFException: the connection to http://127.0.0.1:"));
    assert_int_equal(tiny_request(SEND_CLOSE, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
                                  5000, &r, err, sizeof(err), &t), -1);
    assert_non_null(strstr(err, "closed before the end of the response body"));
    /* Over the cap: announced, or streamed. */
    assert_int_equal(tiny_request(SEND_HOLD, "HTTP/1.1 200 OK\r\nContent-Length: 16777217\r\n\r\n",
                                  5000, &r, err, sizeof(err), &t), -1);
    assert_non_null(strstr(err, "is larger than 16777216 bytes"));
    assert_int_equal(tiny_request(SEND_HOLD, "HTTP/1.1 200 OK\r\nContent-Length: 16777216\r\n\r\nab",
                                  300, &r, err, sizeof(err), &t), -1);
    assert_string_equal(err, "Total timeout 300 ms elapsed"); /* exactly the cap is allowed */
    assert_int_equal(tiny_request(STREAM, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                                  20000, &r, err, sizeof(err), &t), -1);
    assert_non_null(strstr(err, "is larger than 16777216 bytes"));
    assert_int_equal(tiny_request(SEND_CLOSE, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                              "7fffffffffffffff\r\n", 5000, &r, err, sizeof(err), &t), -1);
    assert_non_null(strstr(err, "is larger than 16777216 bytes"));
    /* Not HTTP, and nothing at all. */
    assert_int_equal(tiny_request(SEND_CLOSE, "SSH-2.0-OpenSSH\r\n\r\n", 5000, &r, err, sizeof(err), &t), -1);
    assert_non_null(strstr(err, "invalid HTTP response from http://127.0.0.1:"));
    assert_non_null(strstr(err, "no HTTP/1.x status line"));
    assert_int_equal(tiny_request(SEND_CLOSE, "", 5000, &r, err, sizeof(err), &t), -1);
    assert_non_null(strstr(err, "the connection closed without an answer"));
    assert_int_equal(tiny_request(SEND_CLOSE, "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", 5000,
                                  &r, err, sizeof(err), &t), -1);
    assert_non_null(strstr(err, "bad Content-Length"));

    /* Nobody listening: Java's ConnectException. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t sl = sizeof(a);
    getsockname(s, (struct sockaddr *)&a, &sl);
    close(s);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(a.sin_port));
    assert_int_equal(http_client_request(url, "/", "GET", NULL, NULL, 0, 5000, &r, err, sizeof(err)), -1);
    assert_string_equal(err, "java.net.ConnectException: Connection refused");
    snprintf(url, sizeof(url), "http://[::1]:%d/", ntohs(a.sin_port));
    assert_int_equal(http_client_request(url, "/", "GET", NULL, NULL, 0, 5000, &r, err, sizeof(err)), -1);
    assert_string_equal(err, "java.net.ConnectException: Connection refused");
    assert_int_equal(http_client_request("http://no-such-host.invalid:8083/", "/", "GET", NULL, NULL,
                                         0, 5000, &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "java.net.UnknownHostException: no-such-host.invalid: "));

    /* What the caller gets wrong. */
    static const char *bad_urls[] = {"https://h:1/", "h:1", "http://:1/", "http://h:0/", "http://h:x/",
                                     "http://[::1/", "http://h:1x", NULL};
    for (size_t i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
        err[0] = '\0';
        assert_int_equal(http_client_request(bad_urls[i], "/", "GET", NULL, NULL, 0, 100, &r, err,
                                             sizeof(err)), -1);
        assert_true(strstr(err, "Invalid worker URL") || strstr(err, "https is not supported"));
    }
    const char *crlf[] = {"X-A: 1\r\nX-B: 2", NULL};
    assert_int_equal(http_client_request(base, "/connectors", "GET", crlf, NULL, 0, 100, &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "Invalid request header"));
    assert_int_equal(http_client_request(base, "connectors", "GET", NULL, NULL, 0, 100, &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "Invalid request path"));
    assert_int_equal(http_client_request(base, "/a b", "GET", NULL, NULL, 0, 100, &r, err, sizeof(err)), -1);
    assert_int_equal(http_client_request(base, "/", "G T", NULL, NULL, 0, 100, &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "Invalid HTTP method"));
    http_response_free(&r); /* harmless on a failed request */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_internal_requests),
        cmocka_unit_test(test_request_headers_and_ipv6),
        cmocka_unit_test(test_request_on_the_wire),
        cmocka_unit_test(test_response_framings),
        cmocka_unit_test(test_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
