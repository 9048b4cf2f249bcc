/* worker_config.c - the worker's properties: the Java-properties file reader, the environment
 * and -D layers, the table of keys the worker defines (Kafka's DistributedConfig ConfigDef, with
 * its types, defaults and validators) and the checks that report errors the way Java does. */
#include "worker_config.h"

#include "connect/client_overrides.h"
#include "connect/java_util.h"
#include "rest/signing.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

#define WC_LOGGER "org.apache.kafka.connect.runtime.distributed.DistributedConfig"

/* ---- the keys the worker defines ---------------------------------------------------------- */

typedef enum {
    WC_STRING,
    WC_INT,   /* 32-bit */
    WC_LONG,  /* 64-bit */
    WC_SHORT, /* 16-bit */
    WC_BOOLEAN,
    WC_LIST,
    WC_CLASS,
    WC_PASSWORD,
} wc_type_t;

typedef enum {
    CHECK_NONE,
    CHECK_NON_EMPTY,
    CHECK_RANGE,        /* min..max inclusive */
    CHECK_REPLICATION,  /* -1 or >= 1 */
    CHECK_PARTITIONS,   /* -1 or >= 1 */
    CHECK_ONE_OF,       /* exact match */
    CHECK_ONE_OF_NOCASE, /* case-insensitive match */
    /* Validators whose ConfigException carries a message of its own (check_own_message): */
    CHECK_ADMIN_LISTENERS, /* RestServerConfig.AdminListenersValidator */
    CHECK_KEY_ALGORITHM,   /* a KeyGenerator algorithm connectd has */
    CHECK_MAC_ALGORITHM,   /* a Mac algorithm connectd has */
    CHECK_MAC_LIST         /* one or more of those */
} wc_check_t;

typedef struct {
    const char *name;
    wc_type_t type;
    const char *dflt; /* NULL: no default */
    wc_check_t check;
    int64_t min, max;
    const char *const *choices; /* NULL-terminated */
} wc_def_t;

static const char *const protocols[] = {"eager", "compatible", "sessioned", NULL};
static const char *const eos_modes[] = {"disabled", "preparing", "enabled", NULL};
/* The policies by alias or class name: Kafka 4.1's, and 4.2's Allowlist (KIP-1188). */
#define POLICY(x) "org.apache.kafka.connect.connector.policy." x "ConnectorClientConfigOverridePolicy"
static const char *const override_policies[] = {"None", "Principal", "All", "Allowlist", POLICY("None"),
                                                POLICY("Principal"), POLICY("All"), POLICY("Allowlist"), NULL};
static const char *const security_protocols[] = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT",
                                                 "SASL_SSL", NULL};

#define RANGE(lo, hi) .check = CHECK_RANGE, .min = (lo), .max = (hi)
#define AT_LEAST(lo) RANGE((lo), INT64_MAX)
#define ONE_OF(list) .check = CHECK_ONE_OF, .choices = (list)
#define ONE_OF_NOCASE(list) .check = CHECK_ONE_OF_NOCASE, .choices = (list)
#define JSON_CONVERTER "org.apache.kafka.connect.json.JsonConverter"

static const wc_def_t defs[] = {
    /* NULL default: the worker runs an embedded broker. */
    {"bootstrap.servers", WC_LIST, NULL, .check = CHECK_NONE},
    {"group.id", WC_STRING, "connect-cluster", .check = CHECK_NON_EMPTY},
    {"config.storage.topic", WC_STRING, "connect-configs", .check = CHECK_NON_EMPTY},
    {"offset.storage.topic", WC_STRING, "connect-offsets", .check = CHECK_NON_EMPTY},
    {"status.storage.topic", WC_STRING, "connect-status", .check = CHECK_NON_EMPTY},
    {"config.storage.replication.factor", WC_SHORT, "-1", .check = CHECK_REPLICATION},
    {"offset.storage.replication.factor", WC_SHORT, "-1", .check = CHECK_REPLICATION},
    {"status.storage.replication.factor", WC_SHORT, "-1", .check = CHECK_REPLICATION},
    {"offset.storage.partitions", WC_INT, "25", .check = CHECK_PARTITIONS},
    {"status.storage.partitions", WC_INT, "5", .check = CHECK_PARTITIONS},
    {"config.storage.partitions", WC_INT, NULL, .check = CHECK_NONE},
    {"offset.flush.interval.ms", WC_LONG, "60000", AT_LEAST(0)},
    /* Kafka's MetricConfig, for the windowed rates, averages and maxima of GET /metrics */
    {"metrics.sample.window.ms", WC_LONG, "30000", AT_LEAST(1)},
    {"metrics.num.samples", WC_INT, "2", RANGE(1, 16)},
    {"offset.flush.timeout.ms", WC_LONG, "5000", AT_LEAST(0)},
    {"task.shutdown.graceful.timeout.ms", WC_LONG, "5000", AT_LEAST(0)},
    {"default.api.timeout.ms", WC_INT, "60000", AT_LEAST(1)},
    {"listeners", WC_LIST, "http://:8083", .check = CHECK_NONE},
    {"admin.listeners", WC_LIST, NULL, .check = CHECK_ADMIN_LISTENERS},
    {"rest.advertised.host.name", WC_STRING, NULL, .check = CHECK_NONE},
    {"rest.advertised.port", WC_INT, NULL, RANGE(1, 65535)},
    {"rest.advertised.listener", WC_STRING, NULL, .check = CHECK_NONE},
    {"rest.host.name", WC_STRING, NULL, .check = CHECK_NONE},
    {"rest.port", WC_INT, NULL, RANGE(0, 65535)},
    /* connectd's own REST limits (Kafka Connect leaves them to Jetty). A connector config must
     * fit one record of the config topic, 1 MB by default in Kafka; connections and request time
     * are capped so that slow or hostile clients cannot hold every thread. */
    {"rest.max.request.bytes", WC_INT, "1048576", RANGE(1024, INT32_MAX)},
    {"rest.max.connections", WC_INT, "100", RANGE(1, 10000)},
    {"rest.request.timeout.ms", WC_INT, "30000", RANGE(1000, 3600000)},
    {"key.converter", WC_CLASS, JSON_CONVERTER, .check = CHECK_NONE},
    {"value.converter", WC_CLASS, JSON_CONVERTER, .check = CHECK_NONE},
    {"header.converter", WC_CLASS, "org.apache.kafka.connect.storage.SimpleHeaderConverter",
     .check = CHECK_NONE},
    {"session.timeout.ms", WC_INT, "10000", AT_LEAST(1)},
    {"heartbeat.interval.ms", WC_INT, "3000", AT_LEAST(1)},
    {"rebalance.timeout.ms", WC_INT, "60000", AT_LEAST(1)},
    {"worker.sync.timeout.ms", WC_INT, "3000", AT_LEAST(0)},
    {"worker.unsync.backoff.ms", WC_INT, "300000", AT_LEAST(0)},
    {"scheduled.rebalance.max.delay.ms", WC_INT, "300000", AT_LEAST(0)},
    /* connectd's own: the partition count <group.id>-coordination is created with (cluster.h). */
    {"cluster.coordination.partitions", WC_INT, "60", RANGE(1, 10000)},
    {"connect.protocol", WC_STRING, "sessioned", ONE_OF_NOCASE(protocols)},
    /* KIP-507 request signing (rest/signing.h); inter.worker.key.size: NULL is the algorithm's
     * default size. */
    {"inter.worker.key.generation.algorithm", WC_STRING, "HmacSHA256", .check = CHECK_KEY_ALGORITHM},
    {"inter.worker.key.size", WC_INT, NULL, .check = CHECK_NONE},
    {"inter.worker.key.ttl.ms", WC_INT, "3600000", RANGE(0, INT32_MAX)},
    {"inter.worker.signature.algorithm", WC_STRING, "HmacSHA256", .check = CHECK_MAC_ALGORITHM},
    {"inter.worker.verification.algorithms", WC_LIST, "HmacSHA256", .check = CHECK_MAC_LIST},
    {"exactly.once.source.support", WC_STRING, "disabled", ONE_OF_NOCASE(eos_modes)},
    {"topic.tracking.enable", WC_BOOLEAN, "true", .check = CHECK_NONE},
    {"topic.tracking.allow.reset", WC_BOOLEAN, "true", .check = CHECK_NONE},
    {"topic.creation.enable", WC_BOOLEAN, "true", .check = CHECK_NONE},
    {"access.control.allow.origin", WC_STRING, "", .check = CHECK_NONE},
    {"access.control.allow.methods", WC_STRING, "", .check = CHECK_NONE},
    {"response.http.headers.config", WC_STRING, "", .check = CHECK_NONE},
    {"plugin.path", WC_LIST, NULL, .check = CHECK_NONE},
    {"config.providers", WC_LIST, "", .check = CHECK_NONE},
    {"client.id", WC_STRING, "", .check = CHECK_NONE},
    {"connector.client.config.override.policy", WC_STRING, "All", ONE_OF(override_policies)},
    /* KIP-1188 (Kafka 4.2): the client configs the Allowlist policy lets connectors override; read
     * by the policy, checked at start-up only when it is the policy (check_allowlist) */
    {"connector.client.config.override.allowlist", WC_LIST, "", .check = CHECK_NONE},
    {"security.protocol", WC_STRING, "PLAINTEXT", ONE_OF_NOCASE(security_protocols)},
    {"sasl.mechanism", WC_STRING, "GSSAPI", .check = CHECK_NONE},
    {"sasl.jaas.config", WC_PASSWORD, NULL, .check = CHECK_NONE},
};

/* Keys under these prefixes are passed through to clients, converters, internal topics and
 * config providers, so they are expected even though the worker does not define them. */
static const char *const passthrough_prefixes[] = {
    "producer.",        "consumer.",        "admin.",         "key.converter.",
    "value.converter.", "header.converter.", "config.storage.", "offset.storage.",
    "status.storage.",  "listeners.",       "config.providers.", "ssl.",
    "sasl.",            "metrics.",         "metric.",
};

/* The debezium/connect image's variable names. They are applied after CONNECT_* variables and
 * in this order, so they win over those and a later row wins over an earlier one for the same
 * key (REST_HOST_NAME over HOST_NAME, as the image's entrypoint does). The README's table of
 * environment variables is generated from this one. */
static const struct {
    const char *env;
    const char *key;
} env_names[] = {
    {"BOOTSTRAP_SERVERS", "bootstrap.servers"},
    {"GROUP_ID", "group.id"},
    {"CONFIG_STORAGE_TOPIC", "config.storage.topic"},
    {"OFFSET_STORAGE_TOPIC", "offset.storage.topic"},
    {"STATUS_STORAGE_TOPIC", "status.storage.topic"},
    {"KEY_CONVERTER", "key.converter"},
    {"VALUE_CONVERTER", "value.converter"},
    {"REST_PORT", "rest.port"},
    {"HOST_NAME", "rest.host.name"},
    {"REST_HOST_NAME", "rest.host.name"},
    {"ADVERTISED_HOST_NAME", "rest.advertised.host.name"},
    {"ADVERTISED_PORT", "rest.advertised.port"},
    {"OFFSET_FLUSH_INTERVAL_MS", "offset.flush.interval.ms"},
    {"OFFSET_FLUSH_TIMEOUT_MS", "offset.flush.timeout.ms"},
    {"SHUTDOWN_TIMEOUT", "task.shutdown.graceful.timeout.ms"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const wc_def_t *find_def(const char *key) {
    for (size_t i = 0; i < COUNT(defs); i++)
        if (!strcmp(defs[i].name, key)) return &defs[i];
    return NULL;
}

static bool has_passthrough_prefix(const char *key) {
    for (size_t i = 0; i < COUNT(passthrough_prefixes); i++)
        if (!strncmp(key, passthrough_prefixes[i], strlen(passthrough_prefixes[i]))) return true;
    return false;
}

/* ---- the set values ----------------------------------------------------------------------- */

typedef struct {
    char *key, *value, *origin;
    bool unknown_logged; /* survives re-setting, so an unknown key is reported once */
} wc_entry_t;

struct worker_config {
    wc_entry_t *entries; /* sorted by key (strcmp) */
    size_t n, cap;
};

/* Out of memory while reading configuration at start-up leaves nothing sensible to do, and
 * worker_config_set has no way to report it. */
worker_config_t *worker_config_new(void) {
    worker_config_t *wc = calloc(1, sizeof(*wc));
    if (!wc) abort();
    return wc;
}

void worker_config_destroy(worker_config_t *wc) {
    if (!wc) return;
    for (size_t i = 0; i < wc->n; i++) {
        free(wc->entries[i].key);
        free(wc->entries[i].value);
        free(wc->entries[i].origin);
    }
    free(wc->entries);
    free(wc);
}

/* Binary search; returns the index of key or where it would be inserted. */
static size_t find_slot(const worker_config_t *wc, const char *key, bool *found) {
    size_t lo = 0, hi = wc->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(wc->entries[mid].key, key);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static const wc_entry_t *find_entry(const worker_config_t *wc, const char *key) {
    bool found;
    size_t i = find_slot(wc, key, &found);
    return found ? &wc->entries[i] : NULL;
}

void worker_config_set(worker_config_t *wc, const char *key, const char *value,
                       const char *origin) {
    bool found;
    size_t i = find_slot(wc, key, &found);
    char *v = xstrdup(value), *o = xstrdup(origin);
    if (found) {
        free(wc->entries[i].value);
        free(wc->entries[i].origin);
        wc->entries[i].value = v;
        wc->entries[i].origin = o;
        return;
    }
    if (wc->n == wc->cap) {
        wc->cap = wc->cap ? wc->cap * 2 : 64;
        wc->entries = xrealloc(wc->entries, wc->cap * sizeof(*wc->entries));
    }
    memmove(&wc->entries[i + 1], &wc->entries[i], (wc->n - i) * sizeof(*wc->entries));
    wc->entries[i] = (wc_entry_t){.key = xstrdup(key), .value = v, .origin = o};
    wc->n++;
}

/* ---- the properties file ------------------------------------------------------------------ */

typedef struct {
    char *p;
    size_t len, cap;
} strbuf_t;

static void sb_append(strbuf_t *sb, const char *s, size_t n) {
    if (sb->len + n + 1 > sb->cap) {
        while (sb->len + n + 1 > sb->cap) sb->cap = sb->cap ? sb->cap * 2 : 128;
        sb->p = xrealloc(sb->p, sb->cap);
    }
    memcpy(sb->p + sb->len, s, n);
    sb->len += n;
    sb->p[sb->len] = '\0';
}

static void sb_putc(strbuf_t *sb, char c) { sb_append(sb, &c, 1); }

static void sb_put_utf8(strbuf_t *sb, unsigned cp) {
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sb_append(sb, b, n);
}

/* Whitespace as java.util.Properties sees it (line terminators are handled separately). */
static bool prop_space(char c) { return c == ' ' || c == '\t' || c == '\f'; }

/* Next physical line of buf from *pos; \n, \r\n and a lone \r all end a line, as in Java. */
static bool next_line(const char *buf, size_t len, size_t *pos, const char **line, size_t *n) {
    if (*pos >= len) return false;
    size_t s = *pos, e = s;
    while (e < len && buf[e] != '\n' && buf[e] != '\r') e++;
    *line = buf + s;
    *n = e - s;
    if (e < len) {
        if (buf[e] == '\r' && e + 1 < len && buf[e + 1] == '\n') e++;
        e++;
    }
    *pos = e;
    return true;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads the 4 hex digits of a \u escape at s[*i]; -1 when malformed. */
static int read_u4(const char *s, size_t n, size_t *i) {
    if (n - *i < 4) return -1;
    int v = 0;
    for (int k = 0; k < 4; k++) {
        int d = hex_digit(s[*i + (size_t)k]);
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    *i += 4;
    return v;
}

/* Decodes the escapes of a key or value (Properties.loadConvert) into out. \uXXXX escapes are
 * UTF-16 code units, so a surrogate pair becomes one UTF-8 code point; a lone surrogate, which
 * UTF-8 cannot carry, becomes U+FFFD. Returns 0, -1 for a malformed \u escape, -2 for \u0000
 * (which would silently cut a C string short). */
static int unescape(const char *s, size_t n, strbuf_t *out) {
    out->len = 0;
    sb_append(out, "", 0);
    size_t i = 0;
    while (i < n) {
        char c = s[i++];
        if (c != '\\') {
            sb_putc(out, c);
            continue;
        }
        if (i == n) break; /* a trailing lone backslash is dropped, as at the end of a file */
        c = s[i++];
        switch (c) {
        case 't': sb_putc(out, '\t'); break;
        case 'n': sb_putc(out, '\n'); break;
        case 'r': sb_putc(out, '\r'); break;
        case 'f': sb_putc(out, '\f'); break;
        case 'u': {
            int cu = read_u4(s, n, &i);
            if (cu < 0) return -1;
            if (cu == 0) return -2;
            unsigned cp = (unsigned)cu;
            if (cu >= 0xD800 && cu <= 0xDBFF && n - i >= 6 && s[i] == '\\' && s[i + 1] == 'u') {
                size_t j = i + 2;
                int lo = read_u4(s, n, &j);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + (((unsigned)cu - 0xD800) << 10) + ((unsigned)lo - 0xDC00);
                    i = j;
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
            sb_put_utf8(out, cp);
            break;
        }
        default: sb_putc(out, c); break;
        }
    }
    return 0;
}

/* Splits one logical line into key and value (Properties.load0) and sets it. */
static int parse_logical_line(worker_config_t *wc, const char *path, int lineno, const char *s,
                              size_t n, strbuf_t *key, strbuf_t *value, char *errstr,
                              size_t errstr_size) {
    size_t klen = 0, vstart = n;
    bool has_sep = false, backslash = false;
    while (klen < n) {
        char c = s[klen];
        if ((c == '=' || c == ':') && !backslash) {
            vstart = klen + 1;
            has_sep = true;
            break;
        }
        if (prop_space(c) && !backslash) {
            vstart = klen + 1;
            break;
        }
        backslash = c == '\\' ? !backslash : false;
        klen++;
    }
    while (vstart < n) {
        char c = s[vstart];
        if (!prop_space(c)) {
            if (has_sep || (c != '=' && c != ':')) break;
            has_sep = true;
        }
        vstart++;
    }
    if (klen == 0) {
        /* Leading whitespace is already gone, so an empty key means the line starts with its
         * separator. */
        snprintf(errstr, errstr_size, "%s line %d: line has no key before '%c'", path, lineno,
                 s[0]);
        return -1;
    }
    int rc = unescape(s, klen, key);
    if (rc < 0) {
        snprintf(errstr, errstr_size, "%s line %d: %s in key '%.*s'", path, lineno,
                 rc == -1 ? "malformed \\uxxxx escape" : "\\u0000 is not allowed", (int)klen, s);
        return -1;
    }
    rc = unescape(s + vstart, n - vstart, value);
    if (rc < 0) {
        snprintf(errstr, errstr_size, "%s line %d: %s in the value of '%s'", path, lineno,
                 rc == -1 ? "malformed \\uxxxx escape" : "\\u0000 is not allowed", key->p);
        return -1;
    }
    int olen = snprintf(NULL, 0, "%s line %d", path, lineno);
    char *origin = xrealloc(NULL, (size_t)olen + 1);
    snprintf(origin, (size_t)olen + 1, "%s line %d", path, lineno);
    worker_config_set(wc, key->p, value->p, origin);
    free(origin);
    return 0;
}

static int parse_properties(worker_config_t *wc, const char *path, const char *buf, size_t len,
                            char *errstr, size_t errstr_size) {
    strbuf_t logical = {0}, key = {0}, value = {0};
    size_t pos = 0;
    int lineno = 0, rc = 0;
    const char *line;
    size_t n;
    while (rc == 0 && next_line(buf, len, &pos, &line, &n)) {
        lineno++;
        while (n > 0 && prop_space(*line)) line++, n--;
        if (n == 0 || *line == '#' || *line == '!') continue; /* comments never continue */

        /* Join continuation lines: a line ending in an odd number of backslashes goes on with
         * the next one, whose leading whitespace is dropped. Backslashes are counted per
         * physical line, as Java does. The key's line is the first one with any text. */
        int key_line = 0;
        logical.len = 0;
        for (;;) {
            size_t trailing = 0;
            while (trailing < n && line[n - 1 - trailing] == '\\') trailing++;
            bool more = trailing % 2 == 1;
            sb_append(&logical, line, more ? n - 1 : n);
            if (!key_line && logical.len > 0) key_line = lineno;
            if (!more || !next_line(buf, len, &pos, &line, &n)) break;
            lineno++;
            while (n > 0 && prop_space(*line)) line++, n--;
        }
        if (logical.len == 0) continue;
        rc = parse_logical_line(wc, path, key_line, logical.p, logical.len, &key, &value, errstr,
                                errstr_size);
    }
    free(logical.p);
    free(key.p);
    free(value.p);
    return rc;
}

/* The file is taken as bytes (in practice UTF-8) and passed through; Java would read it as
 * ISO-8859-1, which only matters for non-ASCII text outside \u escapes. On an error, the lines
 * before the bad one have been applied; the caller is expected to give up. */
int worker_config_load_file(worker_config_t *wc, const char *path, char *errstr,
                            size_t errstr_size) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(errstr, errstr_size, "Could not read worker properties file '%s': %s", path,
                 strerror(errno));
        return -1;
    }
    strbuf_t buf = {0};
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) sb_append(&buf, chunk, got);
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (err) {
        snprintf(errstr, errstr_size, "Could not read worker properties file '%s': %s", path,
                 strerror(err));
        free(buf.p);
        return -1;
    }
    int rc = parse_properties(wc, path, buf.p ? buf.p : "", buf.len, errstr, errstr_size);
    free(buf.p);
    return rc;
}

/* ---- environment and -D ------------------------------------------------------------------- */

/* CONNECT_OFFSET_FLUSH_INTERVAL_MS -> offset.flush.interval.ms, with the Confluent image's
 * escapes: ___ is '-', __ is '_', _ is '.' (longest run first, left to right). */
static void connect_env_to_key(const char *name, size_t n, strbuf_t *out) {
    out->len = 0;
    sb_append(out, "", 0);
    for (size_t i = 0; i < n;) {
        if (name[i] != '_') {
            char c = name[i++];
            sb_putc(out, c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
            continue;
        }
        size_t run = 0;
        while (i < n && name[i] == '_') run++, i++;
        for (; run >= 3; run -= 3) sb_putc(out, '-');
        if (run == 2) sb_putc(out, '_');
        if (run == 1) sb_putc(out, '.');
    }
}

/* A CONNECT_ variable names its property explicitly, so an empty one sets an empty value (the
 * Confluent and debezium images write it out too); an empty image variable such as GROUP_ID=
 * means "not given" there, and here. */
int worker_config_load_env(worker_config_t *wc, char *const *envp, char *errstr,
                           size_t errstr_size) {
    (void)errstr;
    (void)errstr_size;
    if (!envp) return 0;
    static const char prefix[] = "CONNECT_";
    const size_t plen = sizeof(prefix) - 1;
    strbuf_t key = {0};
    char origin[512];
    for (char *const *e = envp; *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq || strncmp(*e, prefix, plen) != 0) continue;
        size_t nlen = (size_t)(eq - *e);
        if (nlen == plen) continue;
        connect_env_to_key(*e + plen, nlen - plen, &key);
        snprintf(origin, sizeof(origin), "environment variable %.*s", (int)nlen, *e);
        worker_config_set(wc, key.p, eq + 1, origin);
    }
    free(key.p);

    for (size_t i = 0; i < COUNT(env_names); i++) {
        size_t nlen = strlen(env_names[i].env);
        for (char *const *e = envp; *e; e++) {
            if (strncmp(*e, env_names[i].env, nlen) != 0 || (*e)[nlen] != '=') continue;
            const char *value = *e + nlen + 1;
            if (*value) {
                snprintf(origin, sizeof(origin), "environment variable %s", env_names[i].env);
                worker_config_set(wc, env_names[i].key, value, origin);
            }
            break; /* the first definition counts, as with getenv */
        }
    }
    return 0;
}

int worker_config_set_arg(worker_config_t *wc, const char *key_eq_value, char *errstr,
                          size_t errstr_size) {
    const char *eq = strchr(key_eq_value, '=');
    if (!eq || eq == key_eq_value) {
        snprintf(errstr, errstr_size, "-D argument '%s' is not of the form key=value",
                 key_eq_value);
        return -1;
    }
    size_t klen = (size_t)(eq - key_eq_value);
    char *key = xrealloc(NULL, klen + 1);
    memcpy(key, key_eq_value, klen);
    key[klen] = '\0';
    worker_config_set(wc, key, eq + 1, "-D argument");
    free(key);
    return 0;
}

/* ---- typed values and validation ---------------------------------------------------------- */

/* String.trim(): Java drops every character up to and including ' ' at both ends. */
static void trim(const char **s, size_t *n) {
    while (*n > 0 && (unsigned char)**s <= ' ') (*s)++, (*n)--;
    while (*n > 0 && (unsigned char)(*s)[*n - 1] <= ' ') (*n)--;
}

/* Long.parseLong on an already trimmed string: optional sign, then decimal digits only. */
static bool parse_int64(const char *s, size_t n, int64_t *out) {
    bool neg = false;
    size_t i = 0;
    if (n > 0 && (s[0] == '-' || s[0] == '+')) neg = s[i++] == '-';
    if (i == n) return false;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* Parses an INT, LONG or SHORT value the way ConfigDef does (trimmed, within the type). */
static bool parse_number(wc_type_t type, const char *value, int64_t *out) {
    size_t n = strlen(value);
    trim(&value, &n);
    int64_t v;
    if (!parse_int64(value, n, &v)) return false;
    if (type == WC_INT && (v < INT32_MIN || v > INT32_MAX)) return false;
    if (type == WC_SHORT && (v < INT16_MIN || v > INT16_MAX)) return false;
    *out = v;
    return true;
}

static bool parse_bool(const char *value, bool *out) {
    size_t n = strlen(value);
    trim(&value, &n);
    if (n == 4 && !strncasecmp(value, "true", 4)) {
        *out = true;
        return true;
    }
    if (n == 5 && !strncasecmp(value, "false", 5)) {
        *out = false;
        return true;
    }
    return false;
}

static const char *type_name(wc_type_t t) {
    switch (t) {
    case WC_INT: return "INT";
    case WC_LONG: return "LONG";
    case WC_SHORT: return "SHORT";
    default: return "?";
    }
}

/* Checks value against d; on failure writes ConfigDef's reason (the text after "for
 * configuration <name>: ") to why and returns false. */
static bool check_value(const wc_def_t *d, const char *value, char *why, size_t why_size) {
    int64_t num = 0;
    switch (d->type) {
    case WC_INT:
    case WC_LONG:
    case WC_SHORT:
        if (!parse_number(d->type, value, &num)) {
            snprintf(why, why_size, "Not a number of type %s", type_name(d->type));
            return false;
        }
        break;
    case WC_BOOLEAN: {
        bool b;
        if (!parse_bool(value, &b)) {
            snprintf(why, why_size, "Expected value to be either true or false");
            return false;
        }
        break;
    }
    case WC_CLASS: {
        size_t n = strlen(value);
        trim(&value, &n);
        if (n == 0) {
            snprintf(why, why_size, "Class name must be non-empty");
            return false;
        }
        break;
    }
    case WC_STRING:
    case WC_LIST:
    case WC_PASSWORD: break;
    }

    switch (d->check) {
    case CHECK_NONE:
    case CHECK_ADMIN_LISTENERS:
    case CHECK_KEY_ALGORITHM:
    case CHECK_MAC_ALGORITHM:
    case CHECK_MAC_LIST: return true;
    case CHECK_NON_EMPTY:
        if (*value) return true;
        snprintf(why, why_size, "String must be non-empty");
        return false;
    case CHECK_RANGE:
        if (num < d->min) {
            snprintf(why, why_size, "Value must be at least %lld", (long long)d->min);
            return false;
        }
        if (num > d->max) {
            snprintf(why, why_size, "Value must be no more than %lld", (long long)d->max);
            return false;
        }
        return true;
    case CHECK_REPLICATION:
        if (num == -1 || num >= 1) return true;
        snprintf(why, why_size,
                 "Replication factor must be positive or -1 to use the broker's default");
        return false;
    case CHECK_PARTITIONS:
        if (num == -1 || num >= 1) return true;
        snprintf(why, why_size,
                 "Number of partitions must be positive, or -1 to use the broker's default");
        return false;
    case CHECK_ONE_OF:
    case CHECK_ONE_OF_NOCASE: {
        for (const char *const *c = d->choices; *c; c++)
            if (d->check == CHECK_ONE_OF ? !strcmp(value, *c) : !strcasecmp(value, *c))
                return true;
        size_t off = (size_t)snprintf(why, why_size, "String must be one of: ");
        for (const char *const *c = d->choices; *c && off < why_size; c++)
            off += (size_t)snprintf(why + off, why_size - off, "%s%s", c == d->choices ? "" : ", ",
                                    *c);
        return false;
    }
    }
    return true;
}

/* ConfigException(name, value, "the algorithm is not supported ...") of DistributedConfig, with
 * the algorithms connectd has in place of the JVM's. */
static void unsupported_algorithm(const char *key, const char *value, char *msg, size_t msg_size) {
    char supported[256];
    signing_supported_algorithms(supported, sizeof(supported));
    snprintf(msg, msg_size,
             "Invalid value %s for configuration %s: the algorithm is not supported by this JVM; the "
             "supported algorithms are: %s", value, key, supported);
}

/* The validators that throw a ConfigException of their own making: on failure, msg is the whole
 * message and false is returned. */
static bool check_own_message(const wc_def_t *d, const char *value, char *msg, size_t msg_size) {
    switch (d->check) {
    case CHECK_ADMIN_LISTENERS: {
        size_t n = 0;
        char **items = cd_client_overrides_list(value, &n);
        bool ok = true;
        for (size_t i = 0; i < n; i++)
            if (!*items[i]) ok = false; /* Utils.isBlank: the split already dropped the blanks */
        cd_client_overrides_list_free(items, n);
        if (!ok) snprintf(msg, msg_size, "Empty URL found when parsing admin.listeners list.");
        return ok;
    }
    case CHECK_KEY_ALGORITHM:
    case CHECK_MAC_ALGORITHM: {
        char *v = ju_trim(value); /* ConfigDef trims a STRING */
        bool ok = signing_algorithm_name(v) != NULL;
        if (!ok) unsupported_algorithm(d->name, v, msg, msg_size);
        free(v);
        return ok;
    }
    case CHECK_MAC_LIST: {
        size_t n = 0;
        char **items = cd_client_overrides_list(value, &n);
        bool ok = n > 0;
        if (!ok)
            snprintf(msg, msg_size, "Invalid value [] for configuration %s: At least one signature "
                                    "verification algorithm must be provided", d->name);
        for (size_t i = 0; i < n && ok; i++)
            if (!signing_algorithm_name(items[i])) {
                unsupported_algorithm(d->name, items[i], msg, msg_size);
                ok = false;
            }
        cd_client_overrides_list_free(items, n);
        return ok;
    }
    default: return true;
    }
}

/* DistributedConfig.validateInterWorkerKeyConfigs, once every key is valid on its own: a key
 * generator can be made with the algorithm and size, and the signature algorithm is one of the
 * verification algorithms (List.contains: exact, while the algorithms themselves are found
 * without regard to case). */
static int check_inter_worker_keys(const worker_config_t *wc, char *errstr, size_t errstr_size) {
    char *alg = ju_trim(worker_config_get(wc, "inter.worker.key.generation.algorithm"));
    int64_t bits = worker_config_get_int(wc, "inter.worker.key.size");
    char why[256];
    int rc = 0;
    if (bits != INT64_MIN && session_key_check_size(alg, bits, why, sizeof(why)) < 0) {
        snprintf(errstr, errstr_size,
                 "%s: Unable to create key generator with algorithm %s and key size %lld: %s",
                 worker_config_origin(wc, "inter.worker.key.size"), alg, (long long)bits, why);
        rc = -1;
    }
    free(alg);
    if (rc) return rc;
    char *sig = ju_trim(worker_config_get(wc, "inter.worker.signature.algorithm"));
    size_t n = 0;
    char **list = cd_client_overrides_list(worker_config_get(wc, "inter.worker.verification.algorithms"), &n);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i], sig)) found = true;
    if (!found) {
        snprintf(errstr, errstr_size,
                 "%s: Invalid value %s for configuration inter.worker.signature.algorithm: Signature "
                 "algorithm must be present in inter.worker.verification.algorithms list",
                 worker_config_origin(wc, "inter.worker.signature.algorithm"), sig);
        rc = -1;
    }
    cd_client_overrides_list_free(list, n);
    free(sig);
    return rc;
}

/* Every set key is looked at, so that all unknown keys are reported even when an earlier key is
 * invalid; the error returned is the first in key order. Defaults are not checked: they are
 * valid by construction. */
/* AllowlistConnectorClientConfigOverridePolicy.configure: its list must have no duplicate and no
 * empty value (ConfigDef.ValidList.anyNonDuplicateValues(true, false)), in Kafka 4.2's words. */
static int check_allowlist(const worker_config_t *wc, char *errstr, size_t errstr_size) {
    const char *policy = worker_config_get(wc, "connector.client.config.override.policy");
    if (!policy || (strcmp(policy, "Allowlist") && strcmp(policy, POLICY("Allowlist")))) return 0;
    const char *key = "connector.client.config.override.allowlist";
    size_t n = 0;
    char **items = cd_client_overrides_list(worker_config_get(wc, key), &n);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        for (size_t j = 0; j < i && !rc; j++)
            if (!strcmp(items[i], items[j])) {
                snprintf(errstr, errstr_size, "Configuration '%s' values must not be duplicated.", key);
                rc = -1;
            }
    for (size_t i = 0; i < n && !rc; i++)
        if (!*items[i]) {
            snprintf(errstr, errstr_size, "Configuration '%s' values must not be empty.", key);
            rc = -1;
        }
    cd_client_overrides_list_free(items, n);
    return rc;
}

int worker_config_validate(worker_config_t *wc, char *errstr, size_t errstr_size) {
    log_logger_t *lg = log_get(WC_LOGGER);
    int rc = 0;
    for (size_t i = 0; i < wc->n; i++) {
        wc_entry_t *e = &wc->entries[i];
        const wc_def_t *d = find_def(e->key);
        if (!d) {
            if (!has_passthrough_prefix(e->key) && !e->unknown_logged) {
                e->unknown_logged = true;
                log_debug(lg,
                          "The configuration '%s' (from %s) was supplied but isn't a known worker "
                          "config; it is kept but not used by the worker.",
                          e->key, e->origin);
            }
            continue;
        }
        char why[512];
        if (rc == 0 && !check_value(d, e->value, why, sizeof(why))) {
            snprintf(errstr, errstr_size, "%s: Invalid value %s for configuration %s: %s",
                     e->origin, e->value, e->key, why);
            rc = -1;
        } else if (rc == 0 && !check_own_message(d, e->value, why, sizeof(why))) {
            snprintf(errstr, errstr_size, "%s: %s", e->origin, why);
            rc = -1;
        }
    }
    if (rc == 0) rc = check_allowlist(wc, errstr, errstr_size);
    if (rc == 0) rc = check_inter_worker_keys(wc, errstr, errstr_size);
    if (rc == 0 && strcasecmp(worker_config_get(wc, "exactly.once.source.support"), "disabled") != 0) {
        snprintf(errstr, errstr_size,
                 "exactly.once.source.support=%s: connectd has no exactly-once support for source "
                 "connectors (no transactional producers); leave it unset or set it to disabled",
                 worker_config_get(wc, "exactly.once.source.support"));
        rc = -1;
    }
    if (rc == 0 && worker_config_is_set(wc, "scheduled.rebalance.max.delay.ms") &&
        worker_config_get_int(wc, "scheduled.rebalance.max.delay.ms") != 0) {
        /* Kafka Connect keeps a departed worker's work unassigned for this long, waiting for it
         * to return; connectd's group hands it over at the session timeout (README, "Running a
         * cluster"), so a delay set on purpose would not be honoured. */
        snprintf(errstr, errstr_size,
                 "scheduled.rebalance.max.delay.ms=%s: connectd does not delay the reassignment of a "
                 "departed worker's connectors and tasks (the group reassigns them at its "
                 "session.timeout.ms); set it to 0 or leave it unset",
                 worker_config_get(wc, "scheduled.rebalance.max.delay.ms"));
        rc = -1;
    }
    return rc;
}

/* ---- getters ------------------------------------------------------------------------------ */

const char *worker_config_get(const worker_config_t *wc, const char *key) {
    const wc_entry_t *e = find_entry(wc, key);
    if (e) return e->value;
    const wc_def_t *d = find_def(key);
    return d ? d->dflt : NULL;
}

bool worker_config_is_set(const worker_config_t *wc, const char *key) {
    return find_entry(wc, key) != NULL;
}

/* Returns INT64_MIN when the key has no value (neither set nor defaulted) or the value is not a
 * number; neither happens for a defined numeric key with a default after a successful
 * validate. Undefined keys are parsed as LONG, for pass-through settings the worker reads. */
int64_t worker_config_get_int(const worker_config_t *wc, const char *key) {
    const char *v = worker_config_get(wc, key);
    const wc_def_t *d = find_def(key);
    wc_type_t t = d && (d->type == WC_INT || d->type == WC_SHORT) ? d->type : WC_LONG;
    int64_t n;
    return v && parse_number(t, v, &n) ? n : INT64_MIN;
}

/* False when the key has no value or it is not a boolean. */
bool worker_config_get_bool(const worker_config_t *wc, const char *key) {
    const char *v = worker_config_get(wc, key);
    bool b = false;
    return v && parse_bool(v, &b) && b;
}

/* "default" for a defined key that no layer set (even when its default is "no value"); NULL for
 * an undefined key that no layer set. */
const char *worker_config_origin(const worker_config_t *wc, const char *key) {
    const wc_entry_t *e = find_entry(wc, key);
    if (e) return e->origin;
    return find_def(key) ? "default" : NULL;
}

void worker_config_foreach(const worker_config_t *wc, const char *prefix, worker_config_visit_cb cb,
                           void *opaque) {
    if (!prefix) prefix = "";
    size_t plen = strlen(prefix);
    bool found;
    /* Keys with the prefix form one run of the sorted array, starting where prefix would go. */
    for (size_t i = find_slot(wc, prefix, &found); i < wc->n; i++) {
        const wc_entry_t *e = &wc->entries[i];
        if (strncmp(e->key, prefix, plen) != 0) break;
        cb(e->key, e->value, e->origin, opaque);
    }
}
