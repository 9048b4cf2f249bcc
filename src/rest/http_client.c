/* http_client.c - blocking HTTP/1.1 requests to other workers: URL parsing, a non-blocking
 * connect and poll() against one deadline for the whole exchange, and a response reader for
 * Content-Length, chunked and read-to-close bodies that never holds more than the cap. */
#include "rest/http_client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEAD_BYTES (64 * 1024)   /* status line and headers of a response */
#define MAX_CHUNK_LINE 1024          /* a chunk-size line, extensions included */

void http_response_free(http_response_t *r) {
    if (!r) return;
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
    r->status = 0;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ URL */

typedef struct {
    char host[256];   /* without brackets */
    char port[8];
    char prefix[512]; /* the URL's path without its trailing '/', or "" */
    bool ipv6;
} url_t;

static int parse_url(const char *url, url_t *u, char *errstr, size_t errstr_size) {
    memset(u, 0, sizeof(*u));
    if (!url || strncasecmp(url, "http://", 7) != 0) {
        if (url && !strncasecmp(url, "https://", 8))
            snprintf(errstr, errstr_size, "Cannot send a request to %s: https is not supported "
                                          "(connectd's workers listen on http)", url);
        else
            snprintf(errstr, errstr_size, "Invalid worker URL '%s': expected http://host:port/",
                     url ? url : "(null)");
        return -1;
    }
    const char *p = url + 7, *host_end, *after;
    if (*p == '[') {
        host_end = strchr(p, ']');
        if (!host_end || host_end == p + 1) goto bad;
        p++;
        after = host_end + 1;
        u->ipv6 = true;
    } else {
        host_end = p + strcspn(p, ":/?#");
        after = host_end;
    }
    if (host_end == p || (size_t)(host_end - p) >= sizeof(u->host)) goto bad;
    memcpy(u->host, p, (size_t)(host_end - p));
    if (*after == ':') {
        const char *ps = after + 1;
        size_t n = strspn(ps, "0123456789");
        if (n == 0 || n > 5 || atoi(ps) < 1 || atoi(ps) > 65535) goto bad;
        memcpy(u->port, ps, n);
        after = ps + n;
    } else {
        snprintf(u->port, sizeof(u->port), "80");
    }
    if (*after && *after != '/') goto bad;
    size_t plen = strcspn(after, "?#");
    while (plen > 0 && after[plen - 1] == '/') plen--;
    if (plen >= sizeof(u->prefix)) goto bad;
    memcpy(u->prefix, after, plen);
    return 0;
bad:
    snprintf(errstr, errstr_size, "Invalid worker URL '%s': expected http://host:port/", url);
    return -1;
}

/* ------------------------------------------------------------------ a growing buffer */

typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

static int buf_add(buf_t *b, const void *data, size_t n) {
    if (n > SIZE_MAX - b->len - 1) return -1;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int buf_printf(buf_t *b, const char *fmt, const char *a, const char *c) {
    char line[1024];
    int n = snprintf(line, sizeof(line), fmt, a, c);
    if (n < 0 || (size_t)n >= sizeof(line)) return -1;
    return buf_add(b, line, (size_t)n);
}

/* Drops the first n bytes. */
static void buf_consume(buf_t *b, size_t n) {
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
    if (b->p) b->p[b->len] = '\0';
}

/* ------------------------------------------------------------------ connection */

static int remaining_ms(int64_t deadline) {
    int64_t r = deadline - mono_ms();
    return r <= 0 ? 0 : r > INT32_MAX ? INT32_MAX : (int)r;
}

static void timed_out(int timeout_ms, char *errstr, size_t errstr_size) {
    /* Jetty's words, as a Java worker would report them. */
    snprintf(errstr, errstr_size, "Total timeout %d ms elapsed", timeout_ms);
}

/* Waits for events on fd until the deadline: 1 ready, 0 timed out, -1 error (errno). */
static int wait_fd(int fd, short events, int64_t deadline) {
    for (;;) {
        int ms = remaining_ms(deadline);
        if (ms == 0) return 0;
        struct pollfd pfd = {.fd = fd, .events = events};
        int r = poll(&pfd, 1, ms);
        if (r < 0 && errno == EINTR) continue;
        return r < 0 ? -1 : r;
    }
}

static int connect_to(const url_t *u, int64_t deadline, int timeout_ms, char *errstr,
                      size_t errstr_size) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    int gerr = getaddrinfo(u->host, u->port, &hints, &ai);
    if (gerr) {
        snprintf(errstr, errstr_size, "java.net.UnknownHostException: %s: %s", u->host,
                 gerr == EAI_SYSTEM ? strerror(errno) : gai_strerror(gerr));
        return -1;
    }
    int fd = -1, err = ECONNREFUSED;
    bool timeout = false;
    for (struct addrinfo *a = ai; a && fd < 0 && !timeout; a = a->ai_next) {
        int s = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (s < 0) {
            err = errno;
            continue;
        }
        if (connect(s, a->ai_addr, a->ai_addrlen) == 0) {
            fd = s;
            break;
        }
        if (errno != EINPROGRESS) {
            err = errno;
            close(s);
            continue;
        }
        int r = wait_fd(s, POLLOUT, deadline);
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (r == 0) {
            timeout = true;
        } else if (r < 0) {
            err = errno;
        } else if (getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) {
            err = errno;
        } else if (soerr != 0) {
            err = soerr;
        } else {
            fd = s;
            break;
        }
        close(s);
    }
    freeaddrinfo(ai);
    if (fd >= 0) return fd;
    if (timeout)
        timed_out(timeout_ms, errstr, errstr_size);
    else
        snprintf(errstr, errstr_size, "java.net.ConnectException: %s", strerror(err));
    return -1;
}

static int send_all(int fd, const char *data, size_t len, int64_t deadline, int timeout_ms,
                    char *errstr, size_t errstr_size) {
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(fd, data + off, len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int r = wait_fd(fd, POLLOUT, deadline);
            if (r > 0) continue;
            if (r == 0) {
                timed_out(timeout_ms, errstr, errstr_size);
                return -1;
            }
        }
        snprintf(errstr, errstr_size, "java.io.IOException: sending the request failed: %s",
                 strerror(errno));
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ response */

typedef enum { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_TO_CLOSE } body_kind_t;
typedef enum { CH_SIZE, CH_DATA, CH_DATA_END, CH_TRAILER, CH_DONE } chunk_state_t;

typedef struct {
    const char *url; /* for messages */
    buf_t in;        /* received, not yet consumed */
    buf_t body;
    bool head_done;
    int status;
    body_kind_t kind;
    size_t length;   /* BODY_LENGTH: the Content-Length */
    chunk_state_t ch;
    size_t ch_left;  /* CH_DATA: bytes left in the chunk */
    bool done;
} reader_t;

static int too_large(reader_t *rd, char *errstr, size_t errstr_size) {
    snprintf(errstr, errstr_size, "java.io.IOException: the response from %s is larger than %zu bytes",
             rd->url, HTTP_CLIENT_MAX_RESPONSE_BYTES);
    return -1;
}

static int bad_response(reader_t *rd, const char *why, char *errstr, size_t errstr_size) {
    snprintf(errstr, errstr_size, "java.io.IOException: invalid HTTP response from %s: %s", rd->url,
             why);
    return -1;
}

/* The value of a header line "Name: value" when its name is `name`, trimmed; else NULL. */
static const char *header_value(const char *line, size_t len, const char *name, size_t *vlen) {
    size_t nl = strlen(name);
    if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':') return NULL;
    const char *v = line + nl + 1, *e = line + len;
    while (v < e && (*v == ' ' || *v == '\t')) v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t')) e--;
    *vlen = (size_t)(e - v);
    return v;
}

/* Parses the status line and headers once they are all in. 1xx answers are skipped. */
static int parse_head(reader_t *rd, bool head_request, char *errstr, size_t errstr_size) {
    for (;;) {
        char *end = rd->in.len ? memmem(rd->in.p, rd->in.len, "\r\n\r\n", 4) : NULL;
        if (!end) {
            if (rd->in.len > MAX_HEAD_BYTES)
                return bad_response(rd, "the status line and headers exceed 64 KiB", errstr, errstr_size);
            return 0;
        }
        size_t head_len = (size_t)(end - rd->in.p) + 4;
        int status = 0;
        char c = 0;
        if (sscanf(rd->in.p, "HTTP/1.%*1[01] %3d%c", &status, &c) < 2 || status < 100 ||
            (c != ' ' && c != '\r'))
            return bad_response(rd, "no HTTP/1.x status line", errstr, errstr_size);
        bool chunked = false, has_length = false;
        size_t length = 0;
        for (char *line = (char *)memmem(rd->in.p, head_len, "\r\n", 2) + 2; line < end;) {
            char *le = memmem(line, (size_t)(end + 2 - line), "\r\n", 2);
            size_t ll = (size_t)(le - line), vl;
            const char *v;
            if ((v = header_value(line, ll, "Transfer-Encoding", &vl)) != NULL) {
                chunked = vl >= 7 && !strncasecmp(v + vl - 7, "chunked", 7);
            } else if ((v = header_value(line, ll, "Content-Length", &vl)) != NULL) {
                size_t n = 0;
                if (vl == 0 || vl > 19 || strspn(v, "0123456789") < vl)
                    return bad_response(rd, "bad Content-Length", errstr, errstr_size);
                for (size_t i = 0; i < vl; i++) n = n * 10 + (size_t)(v[i] - '0');
                if (has_length && n != length)
                    return bad_response(rd, "conflicting Content-Length headers", errstr, errstr_size);
                has_length = true;
                length = n;
            }
            line = le + 2;
        }
        buf_consume(&rd->in, head_len);
        if (status < 200) continue; /* 100 Continue and the like: the answer follows */
        rd->status = status;
        rd->head_done = true;
        if (head_request || status == 204 || status == 304) {
            rd->kind = BODY_NONE;
        } else if (chunked) {
            rd->kind = BODY_CHUNKED;
            rd->ch = CH_SIZE;
        } else if (has_length) {
            if (length > HTTP_CLIENT_MAX_RESPONSE_BYTES) return too_large(rd, errstr, errstr_size);
            rd->kind = BODY_LENGTH;
            rd->length = length;
        } else {
            rd->kind = BODY_TO_CLOSE;
        }
        return 0;
    }
}

static int body_add(reader_t *rd, const char *data, size_t n, char *errstr, size_t errstr_size) {
    if (n > HTTP_CLIENT_MAX_RESPONSE_BYTES - rd->body.len) return too_large(rd, errstr, errstr_size);
    if (buf_add(&rd->body, data, n) != 0) {
        snprintf(errstr, errstr_size, "Out of memory reading the response from %s", rd->url);
        return -1;
    }
    return 0;
}

/* Moves what can be decoded from rd->in to the body; sets rd->done at the end of the message. */
static int decode_chunks(reader_t *rd, char *errstr, size_t errstr_size) {
    while (rd->ch != CH_DONE) {
        if (rd->ch == CH_DATA) {
            size_t n = rd->in.len < rd->ch_left ? rd->in.len : rd->ch_left;
            if (n == 0) return 0;
            if (body_add(rd, rd->in.p, n, errstr, errstr_size) != 0) return -1;
            buf_consume(&rd->in, n);
            rd->ch_left -= n;
            if (rd->ch_left == 0) rd->ch = CH_DATA_END;
            continue;
        }
        char *le = rd->in.len ? memmem(rd->in.p, rd->in.len, "\r\n", 2) : NULL;
        if (!le) {
            if (rd->in.len > MAX_CHUNK_LINE)
                return bad_response(rd, "a chunk line is too long", errstr, errstr_size);
            return 0;
        }
        size_t ll = (size_t)(le - rd->in.p);
        if (rd->ch == CH_DATA_END) {
            if (ll != 0) return bad_response(rd, "chunk data is not followed by CRLF", errstr, errstr_size);
            rd->ch = CH_SIZE;
        } else if (rd->ch == CH_SIZE) {
            size_t size = 0, i = 0;
            for (; i < ll; i++) {
                char c = rd->in.p[i];
                int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                if (d < 0) break;
                if (size > (HTTP_CLIENT_MAX_RESPONSE_BYTES >> 4)) return too_large(rd, errstr, errstr_size);
                size = size * 16 + (size_t)d;
            }
            if (i == 0 || (i < ll && rd->in.p[i] != ';' && rd->in.p[i] != ' ' && rd->in.p[i] != '\t'))
                return bad_response(rd, "bad chunk size", errstr, errstr_size);
            if (size > HTTP_CLIENT_MAX_RESPONSE_BYTES - rd->body.len) return too_large(rd, errstr, errstr_size);
            rd->ch = size ? CH_DATA : CH_TRAILER;
            rd->ch_left = size;
        } else { /* CH_TRAILER: header lines up to an empty one */
            if (ll == 0) rd->ch = CH_DONE;
        }
        buf_consume(&rd->in, ll + 2);
    }
    rd->done = true;
    return 0;
}

/* Takes in what has arrived; eof: the server closed its side. */
static int feed(reader_t *rd, bool head_request, bool eof, char *errstr, size_t errstr_size) {
    if (!rd->head_done) {
        if (parse_head(rd, head_request, errstr, errstr_size) != 0) return -1;
        if (!rd->head_done) {
            if (eof) return bad_response(rd, rd->in.len ? "the connection closed inside the headers"
                                                        : "the connection closed without an answer",
                                         errstr, errstr_size);
            return 0;
        }
    }
    switch (rd->kind) {
    case BODY_NONE: rd->done = true; return 0;
    case BODY_LENGTH: {
        size_t want = rd->length - rd->body.len, n = rd->in.len < want ? rd->in.len : want;
        if (n && body_add(rd, rd->in.p, n, errstr, errstr_size) != 0) return -1;
        buf_consume(&rd->in, n);
        if (rd->body.len == rd->length) rd->done = true;
        break;
    }
    case BODY_CHUNKED:
        if (decode_chunks(rd, errstr, errstr_size) != 0) return -1;
        break;
    case BODY_TO_CLOSE:
        if (rd->in.len && body_add(rd, rd->in.p, rd->in.len, errstr, errstr_size) != 0) return -1;
        buf_consume(&rd->in, rd->in.len);
        if (eof) rd->done = true;
        break;
    }
    if (eof && !rd->done) {
        snprintf(errstr, errstr_size, "java.io.EOFException: the connection to %s closed before the "
                                      "end of the response body", rd->url);
        return -1;
    }
    return 0;
}

static int read_response(int fd, reader_t *rd, bool head_request, int64_t deadline, int timeout_ms,
                         char *errstr, size_t errstr_size) {
    char chunk[65536];
    while (!rd->done) {
        ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int r = wait_fd(fd, POLLIN, deadline);
            if (r > 0) continue;
            if (r == 0) {
                timed_out(timeout_ms, errstr, errstr_size);
                return -1;
            }
        }
        if (n < 0) {
            snprintf(errstr, errstr_size, "java.io.IOException: reading the response from %s failed: %s",
                     rd->url, strerror(errno));
            return -1;
        }
        /* Bytes still unparsed are bounded: headers by MAX_HEAD_BYTES, chunk lines by
         * MAX_CHUNK_LINE, the rest goes to the capped body at once. */
        if (n > 0 && buf_add(&rd->in, chunk, (size_t)n) != 0) {
            snprintf(errstr, errstr_size, "Out of memory reading the response from %s", rd->url);
            return -1;
        }
        if (feed(rd, head_request, n == 0, errstr, errstr_size) != 0) return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ request */

static int build_request(const url_t *u, const char *path, const char *method,
                         const char *const *headers, const char *body, size_t body_len, buf_t *req,
                         char *errstr, size_t errstr_size) {
    for (const char *m = method; *m; m++)
        if (*m < 'A' || *m > 'Z') {
            snprintf(errstr, errstr_size, "Invalid HTTP method '%s'", method);
            return -1;
        }
    if (path[0] != '/' || strpbrk(path, " \r\n")) {
        snprintf(errstr, errstr_size, "Invalid request path '%s': it must start with '/' and be "
                                      "percent-encoded", path);
        return -1;
    }
    char host[300];
    bool default_port = !strcmp(u->port, "80");
    snprintf(host, sizeof(host), "%s%s%s%s%s", u->ipv6 ? "[" : "", u->host, u->ipv6 ? "]" : "",
             default_port ? "" : ":", default_port ? "" : u->port);
    int rc = buf_add(req, method, strlen(method));
    rc |= buf_add(req, " ", 1);
    rc |= buf_add(req, u->prefix, strlen(u->prefix));
    rc |= buf_add(req, path, strlen(path));
    rc |= buf_printf(req, " HTTP/1.1\r\nHost: %s\r\nAccept: application/json\r\n%s", host,
                     "User-Agent: kafka-connect\r\nConnection: close\r\n");
    for (size_t i = 0; headers && headers[i]; i++) {
        const char *h = headers[i], *colon = strchr(h, ':');
        if (!colon || colon == h || strpbrk(h, "\r\n")) {
            snprintf(errstr, errstr_size, "Invalid request header '%.100s': expected 'Name: value' "
                                          "on one line", h);
            return -1;
        }
        rc |= buf_add(req, h, strlen(h));
        rc |= buf_add(req, "\r\n", 2);
    }
    if (body) rc |= buf_add(req, "Content-Type: application/json\r\n", 32);
    if (body || !strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH")) {
        char cl[64];
        snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", body ? body_len : 0);
        rc |= buf_add(req, cl, strlen(cl));
    }
    rc |= buf_add(req, "\r\n", 2);
    if (body && body_len) rc |= buf_add(req, body, body_len);
    if (rc) {
        snprintf(errstr, errstr_size, "Out of memory building the request");
        return -1;
    }
    return 0;
}

int http_client_request(const char *base_url, const char *path_and_query, const char *method,
                        const char *const *headers, const char *body, size_t body_len,
                        int timeout_ms, http_response_t *out, char *errstr, size_t errstr_size) {
    memset(out, 0, sizeof(*out));
    int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    url_t u;
    if (parse_url(base_url, &u, errstr, errstr_size) != 0) return -1;
    if (!method || !*method || !path_and_query) {
        snprintf(errstr, errstr_size, "A request needs a method and a path");
        return -1;
    }
    buf_t req = {0};
    if (build_request(&u, path_and_query, method, headers, body, body_len, &req, errstr,
                      errstr_size) != 0) {
        free(req.p);
        return -1;
    }
    int fd = connect_to(&u, deadline, timeout_ms, errstr, errstr_size);
    int rc = -1;
    reader_t rd = {.url = base_url};
    if (fd >= 0 && send_all(fd, req.p, req.len, deadline, timeout_ms, errstr, errstr_size) == 0 &&
        read_response(fd, &rd, !strcmp(method, "HEAD"), deadline, timeout_ms, errstr, errstr_size) == 0) {
        if (!rd.body.p && buf_add(&rd.body, "", 0) != 0) {
            snprintf(errstr, errstr_size, "Out of memory reading the response from %s", base_url);
        } else {
            out->status = rd.status;
            out->body = rd.body.p;
            out->body_len = rd.body.len;
            rd.body.p = NULL;
            rc = 0;
        }
    }
    if (fd >= 0) close(fd);
    free(rd.in.p);
    free(rd.body.p);
    free(req.p);
    return rc;
}
