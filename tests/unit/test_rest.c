/* test_rest.c - the HTTP server: routing, trailing slashes, decoded path parameters, query
 * values, JSON bodies, raw bodies and headers, admin listeners and the JSON error body, over a
 * real socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "rest/rest.h"

static void echo(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    (void)ctx;
    json_object *o = json_object_new_object();
    json_object *params = json_object_new_array();
    for (size_t i = 0; i < req->n_params; i++)
        json_object_array_add(params, json_object_new_string(req->params[i]));
    json_object_object_add(o, "params", params);
    const char *q = rest_query(req, "q");
    json_object_object_add(o, "q", q ? json_object_new_string(q) : NULL);
    json_object_object_add(o, "body", req->body ? json_object_get(req->body) : NULL);
    resp->status = 200;
    resp->body = o;
}

/* What a signature check sees: the raw bytes, their length and two headers. */
static void raw(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    (void)ctx;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "raw", req->raw_body ? json_object_new_string_len(req->raw_body, (int)req->raw_body_len) : NULL);
    json_object_object_add(o, "len", json_object_new_int64((int64_t)req->raw_body_len));
    json_object_object_add(o, "type", json_object_new_string(req->body ? json_type_to_name(json_object_get_type(req->body)) : "none"));
    const char *sig = rest_header(req, "X-Connect-Authorization");
    const char *alg = rest_header(req, "x-connect-request-signature-algorithm");
    json_object_object_add(o, "sig", sig ? json_object_new_string(sig) : NULL);
    json_object_object_add(o, "alg", alg ? json_object_new_string(alg) : NULL);
    json_object_object_add(o, "absent", rest_header(req, "X-Not-There") ? json_object_new_boolean(0) : json_object_new_boolean(1));
    resp->status = 200;
    resp->body = o;
}

static void nothing(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    (void)ctx;
    (void)req;
    resp->status = 204;
}

static const rest_route_t routes[] = {
    {"GET", "/connectors/{c}/tasks/{t}", echo},
    {"POST", "/connectors", echo},
    {"PUT", "/connectors/{c}/pause", nothing},
    {"POST", "/connectors/{c}/tasks", raw},
    {"PUT", "/connectors/{c}/fence", raw},
    {"GET", "/admin/loggers", nothing},
    {"PUT", "/admin/loggers/{l}", nothing},
};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

static rest_server_t *srv;
static int port;

static int setup(void **state) {
    (void)state;
    log_set_level("root", LOG_LEVEL_ERROR, NULL);
    char err[256];
    srv = rest_server_new(routes, N_ROUTES, NULL);
    rest_limits_t limits = {.max_request_bytes = 4096, .max_connections = 8, .request_timeout_ms = 30000};
    rest_server_set_limits(srv, &limits);
    assert_int_equal(rest_server_listen(srv, "http://127.0.0.1:0", err, sizeof(err)), 0);
    port = rest_server_port(srv);
    assert_true(port > 0);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    rest_server_destroy(srv);
    log_shutdown();
    return 0;
}

/* Sends a raw request and returns the status; *body receives the response body (malloc'ed). */
static int roundtrip_to(int to_port, const char *raw, char **body) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)to_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(write(fd, raw, strlen(raw)), (ssize_t)strlen(raw));
    char buf[16384];
    size_t len = 0;
    ssize_t n;
    while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) len += (size_t)n;
    buf[len] = '\0';
    close(fd);
    int status = -1;
    sscanf(buf, "HTTP/1.%*d %d", &status);
    char *b = strstr(buf, "\r\n\r\n");
    *body = strdup(b ? b + 4 : "");
    return status;
}

static int roundtrip(const char *raw, char **body) { return roundtrip_to(port, raw, body); }

static void expect(const char *raw, int status, const char *body) {
    char *got;
    assert_int_equal(roundtrip(raw, &got), status);
    assert_string_equal(got, body);
    free(got);
}

/* A POST with the right Content-Length; ctype NULL sends no Content-Type. */
static const char *post(const char *path, const char *ctype, const char *body) {
    static char raw[4096];
    int n = snprintf(raw, sizeof(raw), "POST %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n", path);
    if (ctype) n += snprintf(raw + n, sizeof(raw) - (size_t)n, "Content-Type: %s\r\n", ctype);
    snprintf(raw + n, sizeof(raw) - (size_t)n, "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
    return raw;
}

#define GET(path) "GET " path " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

static void test_route_params_are_decoded(void **state) {
    (void)state;
    expect(GET("/connectors/a%2D%3Eb.Mirror/tasks/3"), 200,
           "{\"params\":[\"a->b.Mirror\",\"3\"],\"q\":null,\"body\":null}");
    /* An escaped slash stays inside its segment. */
    expect(GET("/connectors/x%2Fy/tasks/0"), 200,
           "{\"params\":[\"x/y\",\"0\"],\"q\":null,\"body\":null}");
}

static void test_trailing_slash_and_query(void **state) {
    (void)state;
    expect(GET("/connectors/c/tasks/1/?q=a%20b+c"), 200,
           "{\"params\":[\"c\",\"1\"],\"q\":\"a b c\",\"body\":null}");
}

static void test_not_found_and_method_not_allowed(void **state) {
    (void)state;
    expect(GET("/connectors/c"), 404, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}");
    expect(GET("/connectors"), 405,
           "{\"error_code\":405,\"message\":\"HTTP 405 Method Not Allowed\"}");
    expect(GET("/connectors/%zz/tasks/1"), 404,
           "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}");
}

static void test_json_body(void **state) {
    (void)state;
    expect(post("/connectors/", "application/json; charset=utf-8", "{\"name\":\"a/b\"}  "), 200, "{\"params\":[],\"q\":null,\"body\":{\"name\":\"a/b\"}}");
    /* No Content-Type at all is taken as JSON. */
    expect(post("/connectors", NULL, "{}"), 200, "{\"params\":[],\"q\":null,\"body\":{}}");
}

static void test_bad_bodies(void **state) {
    (void)state;
    char *got;
    assert_int_equal(roundtrip(post("/connectors", "application/json", "{\"a\": 1,"), &got), 400);
    assert_non_null(strstr(got, "\"error_code\":400"));
    assert_non_null(strstr(got, "not valid JSON"));
    free(got);
    assert_int_equal(roundtrip(post("/connectors", "application/json", "{} {}"), &got), 400);
    free(got);
    expect(post("/connectors", "text/plain", "{}"), 415, "{\"error_code\":415,\"message\":\"HTTP 415 Unsupported Media Type\"}");
}

static void test_no_content(void **state) {
    (void)state;
    expect("PUT /connectors/c/pause HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 204, "");
}

static void test_nul_in_path_is_refused(void **state) {
    (void)state;
    char *got;
    /* Decoded, "a%00b" would be the connector "a". */
    assert_int_equal(roundtrip(GET("/connectors/a%00b/tasks/0"), &got), 400);
    assert_non_null(strstr(got, "\"error_code\":400"));
    assert_non_null(strstr(got, "contains %00 (a NUL character)"));
    free(got);
}

/* The headers of a POST, without its body. */
static const char *post_head(const char *framing) {
    static char raw[512];
    snprintf(raw, sizeof(raw),
             "POST /connectors HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             "Content-Type: application/json\r\n%s\r\n\r\n", framing);
    return raw;
}

static void test_body_over_the_limit(void **state) {
    (void)state;
    char *got;
    /* Refused from its Content-Length alone: the body is never sent. */
    assert_int_equal(roundtrip(post_head("Content-Length: 12000000"), &got), 413);
    assert_string_equal(got, "{\"error_code\":413,\"message\":\"Request body of 12000000 bytes is "
                             "larger than 4096 bytes, the limit set by the worker property "
                             "rest.max.request.bytes: a connector config must fit in one record of "
                             "the config topic (at most 1 MB by default in Kafka). Raise "
                             "rest.max.request.bytes, and the topic's max.message.bytes, to accept "
                             "larger configs\"}");
    free(got);
    /* Chunked: counted as it arrives. */
    static char raw[8192];
    int n = snprintf(raw, sizeof(raw), "%s", post_head("Transfer-Encoding: chunked"));
    for (int i = 0; i < 3; i++) {
        n += snprintf(raw + n, sizeof(raw) - (size_t)n, "7d0\r\n");
        memset(raw + n, ' ', 2000);
        n += 2000;
        n += snprintf(raw + n, sizeof(raw) - (size_t)n, "\r\n");
    }
    snprintf(raw + n, sizeof(raw) - (size_t)n, "0\r\n\r\n");
    assert_int_equal(roundtrip(raw, &got), 413);
    assert_non_null(strstr(got, "\"message\":\"Request body is larger than 4096 bytes"));
    free(got);
    /* At the limit exactly, and chunked under it: read. */
    n = snprintf(raw, sizeof(raw), "%s{}", post_head("Content-Length: 4096"));
    memset(raw + n, ' ', 4094);
    raw[n + 4094] = '\0';
    expect(raw, 200, "{\"params\":[],\"q\":null,\"body\":{}}");
    snprintf(raw, sizeof(raw), "%s2\r\n{}\r\n0\r\n\r\n", post_head("Transfer-Encoding: chunked"));
    expect(raw, 200, "{\"params\":[],\"q\":null,\"body\":{}}");
}

static void test_url_decode(void **state) {
    (void)state;
    char a[] = "a%2Bb+c%41";
    assert_int_equal(rest_url_decode(a, true), 0);
    assert_string_equal(a, "a+b cA");
    char b[] = "a+b";
    assert_int_equal(rest_url_decode(b, false), 0);
    assert_string_equal(b, "a+b");
    char c[] = "bad%4";
    assert_int_equal(rest_url_decode(c, false), -1);
    char d[] = "a%00b";
    assert_int_equal(rest_url_decode(d, false), -2);
}

static void test_raw_body_and_headers(void **state) {
    (void)state;
    /* The internal task-config body is a JSON array; the bytes come as sent, spaces and all. */
    static char req[1024];
    const char *body = "[ {\"task.class\":\"T\"},{\"k\":\"v\"} ]\n";
    snprintf(req, sizeof(req),
             "POST /connectors/c/tasks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             "Content-Type: application/json\r\nx-connect-authorization: c2ln\r\n"
             "X-CONNECT-REQUEST-SIGNATURE-ALGORITHM: HmacSHA256\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(body), body);
    expect(req, 200,
           "{\"raw\":\"[ {\\\"task.class\\\":\\\"T\\\"},{\\\"k\\\":\\\"v\\\"} ]\\n\",\"len\":33,"
           "\"type\":\"array\",\"sig\":\"c2ln\",\"alg\":\"HmacSHA256\",\"absent\":true}");
    /* No body: NULL and 0; a JSON string (a forwarded fence body) reaches the handler too. */
    expect("PUT /connectors/c/fence HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200,
           "{\"raw\":null,\"len\":0,\"type\":\"none\",\"sig\":null,\"alg\":null,\"absent\":true}");
    snprintf(req, sizeof(req),
             "PUT /connectors/c/fence HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n\"\"");
    expect(req, 200,
           "{\"raw\":\"\\\"\\\"\",\"len\":2,\"type\":\"string\",\"sig\":null,\"alg\":null,\"absent\":true}");
    /* Chunked: the bytes are joined. */
    snprintf(req, sizeof(req),
             "POST /connectors/c/tasks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
             "1\r\n[\r\n3\r\n{ }\r\n1\r\n]\r\n0\r\n\r\n");
    expect(req, 200,
           "{\"raw\":\"[{ }]\",\"len\":5,\"type\":\"array\",\"sig\":null,\"alg\":null,\"absent\":true}");
}

static void test_admin_routes_on_main_listener_by_default(void **state) {
    (void)state;
    expect(GET("/admin/loggers"), 204, "");
}

static void test_admin_listeners_empty_disables_admin(void **state) {
    (void)state;
    char err[512];
    rest_server_t *s = rest_server_new(routes, N_ROUTES, NULL);
    assert_int_equal(rest_server_listen_admin(s, "  ", err, sizeof(err)), 0);
    assert_int_equal(rest_server_listen(s, "http://127.0.0.1:0", err, sizeof(err)), 0);
    assert_int_equal(rest_server_admin_port(s), -1);
    char *got;
    assert_int_equal(roundtrip_to(rest_server_port(s), GET("/admin/loggers"), &got), 404);
    assert_string_equal(got, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}");
    free(got);
    /* Not a 405 either: the path does not exist at all. */
    assert_int_equal(roundtrip_to(rest_server_port(s), "DELETE /admin/loggers/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &got), 404);
    free(got);
    assert_int_equal(roundtrip_to(rest_server_port(s), "PUT /connectors/c/pause HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &got), 204);
    free(got);
    rest_server_destroy(s);
}

static void test_admin_listeners_of_their_own(void **state) {
    (void)state;
    char err[512];
    rest_server_t *s = rest_server_new(routes, N_ROUTES, NULL);
    assert_int_equal(rest_server_listen_admin(s, " http://127.0.0.1:0 , http://[::1]:0", err, sizeof(err)), 0);
    assert_int_equal(rest_server_listen(s, "http://127.0.0.1:0", err, sizeof(err)), 0);
    int main_port = rest_server_port(s), admin_port = rest_server_admin_port(s);
    assert_true(main_port > 0 && admin_port > 0 && main_port != admin_port);
    char *got;
    assert_int_equal(roundtrip_to(admin_port, GET("/admin/loggers"), &got), 204);
    free(got);
    assert_int_equal(roundtrip_to(admin_port, "PUT /admin/loggers/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &got), 204);
    free(got);
    assert_int_equal(roundtrip_to(main_port, GET("/admin/loggers"), &got), 404);
    free(got);
    /* The admin listener serves nothing else. */
    assert_int_equal(roundtrip_to(admin_port, "PUT /connectors/c/pause HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &got), 404);
    free(got);
    assert_int_equal(roundtrip_to(main_port, "PUT /connectors/c/pause HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &got), 204);
    free(got);
    rest_server_destroy(s);

    /* Errors name admin.listeners. */
    s = rest_server_new(routes, N_ROUTES, NULL);
    assert_int_equal(rest_server_listen_admin(s, "https://:0", err, sizeof(err)), -1);
    assert_string_equal(err, "Listener 'https://:0' in 'admin.listeners': only http listeners are "
                             "supported; put a TLS-terminating proxy in front of connectd for https");
    assert_int_equal(rest_server_listen_admin(s, "http://127.0.0.1", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "Invalid listener 'http://127.0.0.1' in 'admin.listeners'"));
    assert_int_equal(rest_server_listen_admin(s, ",", err, sizeof(err)), -1);
    assert_string_equal(err, "Empty URL found when parsing admin.listeners list.");
    rest_server_destroy(s);
}

static void test_listener_errors(void **state) {
    (void)state;
    char err[512];
    rest_server_t *s = rest_server_new(routes, N_ROUTES, NULL);
    assert_int_equal(rest_server_listen(s, "https://:8443", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "in 'listeners'"));
    assert_non_null(strstr(err, "only http listeners are supported"));
    assert_int_equal(rest_server_listen(s, "http://localhost", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "expected protocol://host:port"));
    assert_int_equal(rest_server_listen(s, "", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "No listener configured"));
    char inuse[64];
    snprintf(inuse, sizeof(inuse), "http://127.0.0.1:%d", port);
    assert_int_equal(rest_server_listen(s, inuse, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "Cannot listen on 127.0.0.1"));
    rest_server_destroy(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_params_are_decoded),
        cmocka_unit_test(test_trailing_slash_and_query),
        cmocka_unit_test(test_not_found_and_method_not_allowed),
        cmocka_unit_test(test_json_body),
        cmocka_unit_test(test_bad_bodies),
        cmocka_unit_test(test_no_content),
        cmocka_unit_test(test_nul_in_path_is_refused),
        cmocka_unit_test(test_body_over_the_limit),
        cmocka_unit_test(test_url_decode),
        cmocka_unit_test(test_listener_errors),
        cmocka_unit_test(test_raw_body_and_headers),
        cmocka_unit_test(test_admin_routes_on_main_listener_by_default),
        cmocka_unit_test(test_admin_listeners_empty_disables_admin),
        cmocka_unit_test(test_admin_listeners_of_their_own),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
