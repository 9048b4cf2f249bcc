/* transforms_routers.c - Kafka's transformations and predicates that look at or change a record's
 * topic by a Java regular expression: RegexRouter and predicates.TopicNameMatches, as
 * org.apache.kafka.connect.transforms 4.1.1 has them (java_regex.h runs the patterns). */
#include "connect/transforms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/java_regex.h"
#include "version.h"

/* ConfigDef's STRING parse trims the value; NULL when unset. */
static char *trimmed(const cd_props_t *c, const char *key) {
    const char *v = cd_props_get(c, key);
    if (!v) return NULL;
    while (*v && (unsigned char)*v <= ' ') v++;
    size_t len = strlen(v);
    while (len && (unsigned char)v[len - 1] <= ' ') len--;
    char *s = strndup(v, len);
    if (!s) abort();
    return s;
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

const cd_xf_plugin_t *const cd_xf_router_plugins[] = {&REGEX_ROUTER, &TOPIC_NAME_MATCHES, NULL};
