/* client.c - turns worker properties into librdkafka configurations, and routes librdkafka's
 * logs into connectd's loggers. */
#include "kafka/client.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

static log_logger_t *rdk_log(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.clients.librdkafka");
    return lg;
}

static void on_rdkafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    /* syslog levels: 0-3 error, 4 warning, 5-6 notice/info, 7 debug */
    log_level_t lvl = level <= 3   ? LOG_LEVEL_ERROR
                      : level == 4 ? LOG_LEVEL_WARN
                      : level <= 6 ? LOG_LEVEL_INFO
                                   : LOG_LEVEL_DEBUG;
    log_logger_t *lg = rdk_log();
    if (log_enabled(lg, lvl)) log_write(lg, lvl, "[%s] %s: %s", rd_kafka_name(rk), fac, buf);
}

void kafka_conf_route_logs(rd_kafka_conf_t *conf) { rd_kafka_conf_set_log_cb(conf, on_rdkafka_log); }

/* Finds `name="value"` (or name=value) in a JAAS line. */
static char *jaas_option(const char *jaas, const char *name) {
    size_t nlen = strlen(name);
    for (const char *p = jaas; (p = strstr(p, name)) != NULL; p += nlen) {
        if (p != jaas && !isspace((unsigned char)p[-1])) continue;
        const char *q = p + nlen;
        while (isspace((unsigned char)*q)) q++;
        if (*q != '=') continue;
        q++;
        while (isspace((unsigned char)*q)) q++;
        const char *end;
        if (*q == '"') {
            q++;
            end = strchr(q, '"');
            if (!end) return NULL;
        } else {
            end = q;
            while (*end && !isspace((unsigned char)*end) && *end != ';') end++;
        }
        return strndup(q, (size_t)(end - q));
    }
    return NULL;
}

int kafka_jaas_credentials(const char *jaas, char **username, char **password) {
    *username = jaas_option(jaas, "username");
    *password = jaas_option(jaas, "password");
    if (*username && *password) return 0;
    free(*username);
    free(*password);
    *username = *password = NULL;
    return -1;
}

static const char *const role_prefix[] = {"producer.", "consumer.", "admin."};

typedef struct {
    rd_kafka_conf_t *conf;
    const worker_config_t *wc;
    size_t strip; /* length of the role prefix to remove from keys */
    int failed;
    char *errstr;
    size_t errstr_size;
} apply_ctx_t;

/* Java client settings that librdkafka does not know, or names differently. */
static const struct {
    const char *java;
    const char *rdkafka; /* NULL: connectd handles it itself, or it has no meaning here */
} java_names[] = {
    {"max.request.size", "message.max.bytes"},
    {"buffer.memory", "queue.buffering.max.kbytes"}, /* bytes to KiB in apply_one */
    {"default.api.timeout.ms", NULL},
    {"key.serializer", NULL},
    {"value.serializer", NULL},
    {"key.deserializer", NULL},
    {"value.deserializer", NULL},
    {"ssl.truststore.type", NULL},
    {"ssl.keystore.type", NULL},
    {"sasl.jaas.config", NULL}, /* translated to sasl.username / sasl.password below */
    {"sasl.login.callback.handler.class", NULL},
    {"sasl.client.callback.handler.class", NULL},
};

const char *kafka_client_setting_name(const char *name) {
    for (size_t i = 0; i < sizeof(java_names) / sizeof(java_names[0]); i++)
        if (!strcmp(name, java_names[i].java)) return java_names[i].rdkafka;
    return name;
}

int kafka_client_setting_value(const char *java_name, const char **value, char *buf, size_t size) {
    if (strcmp(java_name, "buffer.memory") != 0) return 0;
    if (!*value) return -1;
    /* The Java producer's buffer of records not yet sent, in bytes; librdkafka's in KiB. */
    char *end;
    errno = 0;
    long long bytes = strtoll(*value, &end, 10);
    if (errno || end == *value || *end || bytes < 0) return -1;
    long long kb = (bytes + 1023) / 1024;
    snprintf(buf, size, "%lld", kb < 1 ? 1 : kb);
    *value = buf;
    return 0;
}

static void apply_one(const char *key, const char *value, const char *origin, void *opaque) {
    apply_ctx_t *ctx = opaque;
    if (ctx->failed) return;
    const char *name = key + ctx->strip;
    char err[512];
    if (!strcmp(key, "admin.listeners")) return; /* a REST setting that shares the prefix */

    if (!strcmp(name, "sasl.jaas.config")) {
        char *user, *pass;
        if (kafka_jaas_credentials(value, &user, &pass) == 0) {
            rd_kafka_conf_set(ctx->conf, "sasl.username", user, NULL, 0);
            rd_kafka_conf_set(ctx->conf, "sasl.password", pass, NULL, 0);
            free(user);
            free(pass);
        } else {
            log_warn(rdk_log(),
                     "%s (from %s) has no username and password; only the PLAIN and SCRAM login "
                     "modules are understood, so it is not used",
                     key, origin);
        }
        return;
    }
    if (!strcmp(name, "ssl.truststore.location")) {
        /* A PEM truststore is a CA file to librdkafka; Java KeyStores are not supported. */
        char typekey[256];
        snprintf(typekey, sizeof(typekey), "%.*sssl.truststore.type", (int)ctx->strip, key);
        const char *type = worker_config_get(ctx->wc, typekey);
        if (type && !strcasecmp(type, "PEM")) name = "ssl.ca.location";
    }
    char converted[32];
    if (kafka_client_setting_value(name, &value, converted, sizeof(converted)) != 0) {
        snprintf(ctx->errstr, ctx->errstr_size, "%s: invalid value '%s' for %s: not a number of bytes",
                 origin, value, key);
        ctx->failed = 1;
        return;
    }
    name = kafka_client_setting_name(name);
    if (!name) return;
    rd_kafka_conf_res_t res = rd_kafka_conf_set(ctx->conf, name, value, err, sizeof(err));
    if (res == RD_KAFKA_CONF_OK) return;
    if (res == RD_KAFKA_CONF_UNKNOWN) {
        log_warn(rdk_log(), "%s (from %s) is not a setting of the Kafka client library; ignored", key,
                 origin);
        return;
    }
    snprintf(ctx->errstr, ctx->errstr_size, "%s: invalid value '%s' for %s: %s", origin, value, key,
             err);
    ctx->failed = 1;
}

/* Worker-level keys that configure every client. */
static const char *const shared_prefixes[] = {"security.protocol", "sasl.", "ssl."};

static void apply_shared(const char *key, const char *value, const char *origin, void *opaque) {
    for (size_t i = 0; i < sizeof(shared_prefixes) / sizeof(shared_prefixes[0]); i++)
        if (!strncmp(key, shared_prefixes[i], strlen(shared_prefixes[i]))) {
            apply_one(key, value, origin, opaque);
            return;
        }
}

rd_kafka_conf_t *kafka_client_conf(const worker_config_t *wc, kafka_role_t role,
                                   const char *client_id, char *errstr, size_t errstr_size) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    kafka_conf_route_logs(conf);
    const char *bootstrap = worker_config_get(wc, "bootstrap.servers");
    if (bootstrap && rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr,
                                       errstr_size) != RD_KAFKA_CONF_OK)
        goto fail;
    if (client_id &&
        rd_kafka_conf_set(conf, "client.id", client_id, errstr, errstr_size) != RD_KAFKA_CONF_OK)
        goto fail;

    apply_ctx_t ctx = {conf, wc, 0, 0, errstr, errstr_size};
    worker_config_foreach(wc, "", apply_shared, &ctx);
    if (ctx.failed) goto fail;

    ctx.strip = strlen(role_prefix[role]);
    worker_config_foreach(wc, role_prefix[role], apply_one, &ctx);
    if (ctx.failed) goto fail;
    return conf;
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

typedef struct {
    size_t strip;
    const char *name;
    bool found;
} sets_ctx_t;

/* librdkafka's own second names of one setting (its CONFIGURATION.md, "Alias for"), where the
 * Java name is the alias: setting either sets the same property. */
static const char *const rdkafka_aliases[][2] = {
    {"linger.ms", "queue.buffering.max.ms"},
    {"acks", "request.required.acks"},
    {"compression.type", "compression.codec"},
    {"delivery.timeout.ms", "message.timeout.ms"},
    {"retries", "message.send.max.retries"},
    {"max.in.flight", "max.in.flight.requests.per.connection"},
};

static const char *rdkafka_property(const char *name) {
    for (size_t i = 0; i < sizeof(rdkafka_aliases) / sizeof(rdkafka_aliases[0]); i++)
        if (!strcmp(name, rdkafka_aliases[i][0])) return rdkafka_aliases[i][1];
    return name;
}

static void find_setting(const char *key, const char *value, const char *origin, void *opaque) {
    (void)value;
    (void)origin;
    sets_ctx_t *c = opaque;
    const char *name = kafka_client_setting_name(key + c->strip);
    if (name && !strcmp(rdkafka_property(name), c->name)) c->found = true;
}

bool kafka_client_role_sets(const worker_config_t *wc, kafka_role_t role, const char *rdkafka_name) {
    sets_ctx_t c = {strlen(role_prefix[role]), rdkafka_property(rdkafka_name), false};
    worker_config_foreach(wc, role_prefix[role], find_setting, &c);
    return c.found;
}

int32_t kafka_client_any_broker(rd_kafka_t *rk, int timeout_ms) {
    const struct rd_kafka_metadata *md = NULL;
    /* all_topics=0 and no topic: the brokers only, which auto-creates nothing. */
    if (rd_kafka_metadata(rk, 0, NULL, &md, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) return -1;
    int32_t id = md->broker_cnt > 0 ? md->brokers[0].id : -1;
    rd_kafka_metadata_destroy(md);
    return id;
}

bool kafka_metadata_has_topic(const rd_kafka_metadata_t *md, const char *topic) {
    for (int i = 0; i < md->topic_cnt; i++)
        if (!strcmp(md->topics[i].topic, topic) && md->topics[i].err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
            return true;
    return false;
}

bool kafka_metadata_can_create_topics(rd_kafka_t *rk, const rd_kafka_metadata_t *md) {
    int32_t controller = rd_kafka_controllerid(rk, 0);
    for (int i = 0; i < md->broker_cnt; i++)
        if (md->brokers[i].id == controller) return true;
    return false;
}
