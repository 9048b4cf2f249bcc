/* transforms_routers.c - Kafka's transformations and predicates that look at or change a record's
 * topic: RegexRouter and predicates.TopicNameMatches by a Java regular expression (java_regex.h
 * runs the patterns), TimestampRouter by the record's timestamp (java_date.h formats it), as
 * org.apache.kafka.connect.transforms 4.1.1 has them. */
#include "connect/transforms.h"
#include "connect/java_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connect/java_date.h"
#include "connect/java_regex.h"
#include "version.h"

/* ConfigDef's STRING parse trims the value; NULL when unset. */
static char *trimmed(const cd_props_t *c, const char *key) {
    const char *v = cd_props_get(c, key);
    return v ? ju_trim(v) : NULL;
}

/* Kafka's transforms.util.RegexValidator: "Invalid regex: " and PatternSyntaxException's message,
 * inside ConfigException's "Invalid value <v> for configuration <name>: ". */
static void regex_validator(const char *name, bool is_null, const char *str, const char *display, char *err,
                            size_t err_size) {
    (void)display;
    err[0] = '\0';
    if (is_null) {
        /* Pattern.compile(null): the JVM's helpful NullPointerException text */
        snprintf(err, err_size,
                 "Invalid value null for configuration %s: Invalid regex: Cannot invoke \"String.isEmpty()\" "
                 "because \"this.pattern\" is null",
                 name);
        return;
    }
    char msg[1024];
    java_regex_t *re = java_regex_new(str, 0, msg, sizeof(msg));
    if (re) {
        java_regex_free(re);
        return;
    }
    snprintf(err, err_size, "Invalid value %s for configuration %s: Invalid regex: %s", str, name, msg);
}

/* TopicNameMatches' CompositeValidator.of(NonEmptyString, RegexValidator): the first that fails. */
static void pattern_validator(const char *name, bool is_null, const char *str, const char *display, char *err,
                              size_t err_size) {
    err[0] = '\0';
    if (!is_null && !*str) {
        snprintf(err, err_size, "Invalid value  for configuration %s: String must be non-empty", name);
        return;
    }
    regex_validator(name, is_null, str, display, err, err_size);
}

/* ==== RegexRouter ============================================================================ */

static const cd_config_key_t REGEX_ROUTER_KEYS[] = {
    {.name = "regex", .type = CD_CFG_STRING, .has_default = false, .validator = CD_VALID_CUSTOM,
     .custom = regex_validator, .importance = CD_IMPORTANCE_HIGH,
     .documentation = "Regular expression to use for matching.", .order = -1, .width = CD_WIDTH_NONE,
     .display_name = "regex"},
    {.name = "replacement", .type = CD_CFG_STRING, .has_default = false, .importance = CD_IMPORTANCE_HIGH,
     .documentation = "Replacement string.", .order = -1, .width = CD_WIDTH_NONE, .display_name = "replacement"},
};

typedef struct {
    java_regex_t *re;
    char *replacement;
} regex_router_t;

static void regex_router_destroy(void *self) {
    regex_router_t *x = self;
    if (!x) return;
    if (x->re) java_regex_free(x->re);
    free(x->replacement);
    free(x);
}

static void *regex_router_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    (void)opts;
    /* SimpleConfig checks the keys in definition order: regex (required, then valid), then
     * replacement */
    char *regex = trimmed(c, "regex");
    if (!regex) {
        snprintf(errstr, errstr_size, "Missing required configuration \"regex\" which has no default value.");
        return NULL;
    }
    char msg[1024];
    java_regex_t *re = java_regex_new(regex, 0, msg, sizeof(msg));
    if (!re) {
        snprintf(errstr, errstr_size, "Invalid value %s for configuration regex: Invalid regex: %s", regex, msg);
        free(regex);
        return NULL;
    }
    free(regex);
    regex_router_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->re = re;
    x->replacement = trimmed(c, "replacement");
    if (!x->replacement) {
        snprintf(errstr, errstr_size, "Missing required configuration \"replacement\" which has no default value.");
        regex_router_destroy(x);
        return NULL;
    }
    return x;
}

static int regex_router_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    regex_router_t *x = self;
    size_t n = strlen(rec->topic);
    if (!java_regex_matches(x->re, rec->topic, n)) return 0;
    /* matches() then replaceFirst(): replaceFirst resets the matcher and finds the first match,
     * which for a pattern matching the whole topic starts at 0 but need not span it all (a lazy
     * pattern) - Java's result, kept */
    char *topic = java_regex_replace_first(x->re, rec->topic, n, x->replacement, errstr, errstr_size);
    if (!topic) return -1;
    rec->topic = cd_arena_strndup(arena, topic, strlen(topic));
    free(topic);
    return 0;
}

static const cd_xf_plugin_t REGEX_ROUTER = {
    .class_name = "org.apache.kafka.connect.transforms.RegexRouter", .alias = "RegexRouter",
    .kind = CD_XF_TRANSFORMATION, .version = CONNECTD_KAFKA_CONNECT_VERSION,
    .config_def = {REGEX_ROUTER_KEYS, sizeof(REGEX_ROUTER_KEYS) / sizeof(REGEX_ROUTER_KEYS[0])},
    .create = regex_router_create, .apply = regex_router_apply, .destroy = regex_router_destroy};

/* ==== predicates.TopicNameMatches ============================================================ */

static const cd_config_key_t TOPIC_NAME_MATCHES_KEYS[] = {
    {.name = "pattern", .type = CD_CFG_STRING, .has_default = false, .validator = CD_VALID_CUSTOM,
     .custom = pattern_validator, .importance = CD_IMPORTANCE_MEDIUM,
     .documentation = "A Java regular expression for matching against the name of a record's topic.", .order = -1,
     .width = CD_WIDTH_NONE, .display_name = "pattern"},
};

static void *topic_name_matches_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    (void)opts;
    char *pattern = trimmed(c, "pattern");
    if (!pattern) {
        snprintf(errstr, errstr_size, "Missing required configuration \"pattern\" which has no default value.");
        return NULL;
    }
    pattern_validator("pattern", false, pattern, pattern, errstr, errstr_size);
    java_regex_t *re = errstr[0] ? NULL : java_regex_new(pattern, 0, errstr, errstr_size);
    free(pattern);
    return re;
}

static bool topic_name_matches(void *self, const cd_xf_record_t *rec) {
    return rec->topic && java_regex_matches(self, rec->topic, strlen(rec->topic));
}

static void topic_name_matches_destroy(void *self) {
    if (self) java_regex_free(self);
}

static const cd_xf_plugin_t TOPIC_NAME_MATCHES = {
    .class_name = "org.apache.kafka.connect.transforms.predicates.TopicNameMatches", .alias = "TopicNameMatches",
    .kind = CD_XF_PREDICATE, .version = CONNECTD_KAFKA_CONNECT_VERSION,
    .config_def = {TOPIC_NAME_MATCHES_KEYS, sizeof(TOPIC_NAME_MATCHES_KEYS) / sizeof(TOPIC_NAME_MATCHES_KEYS[0])},
    .create = topic_name_matches_create, .test = topic_name_matches, .destroy = topic_name_matches_destroy};

/* ==== TimestampRouter ========================================================================= */

/* Kafka's timestamp.format has no validator and configure() does not compile it (Java builds the
 * SimpleDateFormat on first use); connectd's only refuses what it cannot format. */
static void timestamp_format_validator(const char *name, bool is_null, const char *str, const char *display,
                                       char *err, size_t err_size) {
    (void)display;
    err[0] = '\0';
    if (is_null) return;
    bool java;
    char msg[512];
    java_date_format_t *f = java_date_format_new(str, 0, &java, msg, sizeof(msg));
    if (f) java_date_format_free(f);
    else if (!java) snprintf(err, err_size, "Invalid value %s for configuration %s: %s", str, name, msg);
}

static const cd_config_key_t TIMESTAMP_ROUTER_KEYS[] = {
    {.name = "topic.format", .type = CD_CFG_STRING, .has_default = true, .default_value = "${topic}-${timestamp}",
     .importance = CD_IMPORTANCE_HIGH,
     .documentation = "Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as "
                      "placeholders for the topic and timestamp, respectively.",
     .order = -1, .width = CD_WIDTH_NONE, .display_name = "topic.format"},
    {.name = "timestamp.format", .type = CD_CFG_STRING, .has_default = true, .default_value = "yyyyMMdd",
     .validator = CD_VALID_CUSTOM, .custom = timestamp_format_validator, .importance = CD_IMPORTANCE_HIGH,
     .documentation = "Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>.",
     .order = -1, .width = CD_WIDTH_NONE, .display_name = "timestamp.format"},
};

typedef struct {
    char *topic_format;
    java_date_format_t *format; /* NULL: Java refuses the pattern, every record fails with `refusal` */
    char refusal[512];
} timestamp_router_t;

static void timestamp_router_destroy(void *self) {
    timestamp_router_t *x = self;
    if (!x) return;
    free(x->topic_format);
    java_date_format_free(x->format);
    free(x);
}

static void *timestamp_router_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    (void)opts;
    timestamp_router_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->topic_format = trimmed(c, "topic.format");
    if (!x->topic_format) x->topic_format = strdup("${topic}-${timestamp}");
    char *pattern = trimmed(c, "timestamp.format");
    bool java;
    x->format = java_date_format_new(pattern ? pattern : "yyyyMMdd", (int64_t)time(NULL) * 1000, &java, x->refusal,
                                     sizeof(x->refusal));
    if (!x->format && !java) {
        snprintf(errstr, errstr_size, "Invalid value %s for configuration timestamp.format: %s", pattern, x->refusal);
        free(pattern);
        timestamp_router_destroy(x);
        return NULL;
    }
    free(pattern);
    if (!x->topic_format) abort();
    return x;
}

/* Pattern.compile(literal, LITERAL).matcher(s).replaceAll(with), malloc'ed. */
static char *replace_all(const char *s, const char *literal, const char *with) {
    size_t ll = strlen(literal), wl = strlen(with), n = 0;
    for (const char *p = strstr(s, literal); p; p = strstr(p + ll, literal)) n++;
    char *out = malloc(strlen(s) + n * wl + 1);
    if (!out) abort();
    char *o = out;
    for (const char *p = s;;) {
        const char *hit = strstr(p, literal);
        size_t k = hit ? (size_t)(hit - p) : strlen(p);
        memcpy(o, p, k);
        o += k;
        if (!hit) break;
        memcpy(o, with, wl);
        o += wl;
        p = hit + ll;
    }
    *o = '\0';
    return out;
}

static int timestamp_router_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr,
                                  size_t errstr_size) {
    timestamp_router_t *x = self;
    if (rec->timestamp_ms < 0) {
        /* Kafka's message ends with the record's toString (offsets, key, value, headers), which
         * connectd does not render: it names the topic and partition */
        char part[16] = "null";
        if (rec->kafka_partition >= 0) snprintf(part, sizeof(part), "%d", (int)rec->kafka_partition);
        snprintf(errstr, errstr_size, "Timestamp missing on record: %s{topic='%s', kafkaPartition=%s, timestamp=null}",
                 rec->is_sink ? "SinkRecord" : "SourceRecord", rec->topic, part);
        return -1;
    }
    if (!x->format) { /* SimpleDateFormat's IllegalArgumentException, on first use as in Java */
        snprintf(errstr, errstr_size, "%s", x->refusal);
        return -1;
    }
    char *ts = java_date_format(x->format, rec->timestamp_ms);
    char *t1 = replace_all(x->topic_format, "${topic}", rec->topic);
    char *t2 = replace_all(t1, "${timestamp}", ts);
    rec->topic = cd_arena_strndup(arena, t2, strlen(t2));
    free(ts);
    free(t1);
    free(t2);
    return 0;
}

static const cd_xf_plugin_t TIMESTAMP_ROUTER = {
    .class_name = "org.apache.kafka.connect.transforms.TimestampRouter", .alias = "TimestampRouter",
    .kind = CD_XF_TRANSFORMATION, .version = CONNECTD_KAFKA_CONNECT_VERSION,
    .config_def = {TIMESTAMP_ROUTER_KEYS, sizeof(TIMESTAMP_ROUTER_KEYS) / sizeof(TIMESTAMP_ROUTER_KEYS[0])},
    .create = timestamp_router_create, .apply = timestamp_router_apply, .destroy = timestamp_router_destroy};

const cd_xf_plugin_t *const cd_xf_router_plugins[] = {&REGEX_ROUTER, &TOPIC_NAME_MATCHES, &TIMESTAMP_ROUTER, NULL};
