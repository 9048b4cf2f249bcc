/* test_config_def.c - connector config validation: Kafka's ConfigDef messages word for word, the
 * framework's base keys, the sink topics rule, a plugin's own check, the 400 message, and the
 * ConfigInfos / ConfigKeyInfo JSON of the validate and plugin-config endpoints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "connect/connector_config.h"

/* ---- fake plugins ------------------------------------------------------------------------- */

static const char *const MODES[] = {"fast", "slow", NULL};
static const char *const HOST_DEPENDENTS[] = {"fake.port", NULL};

static const cd_config_key_t FAKE_KEYS[] = {
    {.name = "fake.host",
     .type = CD_CFG_STRING,
     .has_default = false,
     .importance = CD_IMPORTANCE_HIGH,
     .documentation = "Host to read from.",
     .group = "Connection",
     .order = 1,
     .width = CD_WIDTH_MEDIUM,
     .display_name = "Host",
     .dependents = HOST_DEPENDENTS},
    {.name = "fake.port",
     .type = CD_CFG_INT,
     .has_default = true,
     .default_value = "5432",
     .validator = CD_VALID_RANGE,
     .min = 1,
     .has_min = true,
     .max = 65535,
     .has_max = true,
     .importance = CD_IMPORTANCE_MEDIUM,
     .documentation = "Port.",
     .group = "Connection",
     .order = 2,
     .width = CD_WIDTH_SHORT,
     .display_name = "Port"},
    {.name = "fake.mode",
     .type = CD_CFG_STRING,
     .has_default = true,
     .default_value = "fast",
     .validator = CD_VALID_ONE_OF,
     .allowed = MODES,
     .importance = CD_IMPORTANCE_LOW,
     .documentation = "Mode.",
     .group = "Mode",
     .order = 1,
     .width = CD_WIDTH_SHORT,
     .display_name = "Mode"},
    {.name = "fake.password",
     .type = CD_CFG_PASSWORD,
     .has_default = true,
     .default_value = "secret",
     .importance = CD_IMPORTANCE_HIGH,
     .documentation = "Password.",
     .group = "Connection",
     .order = 3,
     .width = CD_WIDTH_MEDIUM,
     .display_name = "Password"},
    {.name = "fake.ratio",
     .type = CD_CFG_DOUBLE,
     .has_default = true,
     .default_value = "0.5",
     .validator = CD_VALID_RANGE,
     .min = 0,
     .has_min = true,
     .max = 1,
     .has_max = true,
     .importance = CD_IMPORTANCE_LOW,
     .documentation = "Ratio.",
     .group = "Mode",
     .order = 2,
     .width = CD_WIDTH_SHORT,
     .display_name = "Ratio"},
};

/* The plugin's own cross-key check. */
static void fake_validate(const cd_props_t *config, cd_config_result_t *result) {
    const char *host = cd_props_get(config, "fake.host");
    if (host && !strcmp(host, "forbidden"))
        cd_config_result_add_error(result, "fake.host", "Host %s is not allowed", host);
}

static const cd_connector_plugin_t FAKE_SOURCE = {
    .class_name = "com.example.FakeSourceConnector",
    .type = CD_CONNECTOR_SOURCE,
    .version = "1.0",
    .config_def = {FAKE_KEYS, sizeof(FAKE_KEYS) / sizeof(FAKE_KEYS[0])},
    .validate = fake_validate,
};

static const cd_connector_plugin_t FAKE_SINK = {
    .class_name = "com.example.FakeSinkConnector",
    .type = CD_CONNECTOR_SINK,
};

/* A plugin that redefines a framework key. */
static const cd_config_key_t ONE_TASK_KEYS[] = {
    {.name = "extra",
     .type = CD_CFG_STRING,
     .has_default = true,
     .default_value = "x",
     .importance = CD_IMPORTANCE_LOW,
     .order = -1},
    {.name = "tasks.max",
     .type = CD_CFG_INT,
     .has_default = true,
     .default_value = "1",
     .validator = CD_VALID_RANGE,
     .min = 1,
     .has_min = true,
     .max = 1,
     .has_max = true,
     .importance = CD_IMPORTANCE_HIGH,
     .documentation = "Always 1.",
     .group = "Common",
     .order = 3,
     .width = CD_WIDTH_SHORT,
     .display_name = "Tasks max"},
};

static const cd_connector_plugin_t ONE_TASK_SOURCE = {
    .class_name = "com.example.OneTaskConnector",
    .type = CD_CONNECTOR_SOURCE,
    .config_def = {ONE_TASK_KEYS, 2},
};

/* ---- helpers ------------------------------------------------------------------------------ */

/* A config from key, value pairs ending with a NULL key; a value may be NULL. */
static cd_props_t *config_of(const char *key, ...) {
    cd_props_t *p = cd_props_new();
    va_list ap;
    va_start(ap, key);
    for (const char *k = key; k; k = va_arg(ap, const char *)) cd_props_set(p, k, va_arg(ap, const char *));
    va_end(ap);
    return p;
}

/* A valid source config plus one more pair (value may be NULL). */
static cd_config_result_t *validate_source_with(const char *key, const char *value) {
    cd_props_t *c = config_of("connector.class", "FakeSource", "name", "fake", "fake.host", "db", NULL);
    if (key) cd_props_set(c, key, value);
    cd_config_result_t *r = cd_connector_config_validate(&FAKE_SOURCE, c);
    cd_props_destroy(c);
    return r;
}

/* The key's messages must be exactly the n given. */
static void assert_errors(const cd_config_result_t *r, const char *key, size_t n, ...) {
    size_t got = cd_config_result_key_error_count(r, key);
    if (got != n) {
        for (size_t i = 0; i < got; i++)
            print_error("  %s: %s\n", key, cd_config_result_key_error(r, key, i));
        fail_msg("%s: %zu errors, expected %zu", key, got, n);
    }
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(cd_config_result_key_error(r, key, i), va_arg(ap, const char *));
    va_end(ap);
}

/* One key's message, for keys with exactly one error. */
static void assert_source_error(const char *key, const char *value, const char *msg) {
    cd_config_result_t *r = validate_source_with(key, value);
    assert_errors(r, key, 1, msg);
    assert_int_equal(cd_config_result_error_count(r), 1);
    cd_config_result_destroy(r);
}

static const char *plain(json_object *o) {
    return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* The configs[] entry whose value (or definition) is named key. */
static json_object *config_entry(json_object *infos, const char *key) {
    json_object *configs = json_object_object_get(infos, "configs");
    for (size_t i = 0; i < json_object_array_length(configs); i++) {
        json_object *c = json_object_array_get_idx(configs, i);
        json_object *v = json_object_object_get(c, "value");
        if (!v) v = json_object_object_get(c, "definition");
        if (!strcmp(json_object_get_string(json_object_object_get(v, "name")), key)) return c;
    }
    fail_msg("no config entry %s", key);
    return NULL;
}

/* ---- messages ----------------------------------------------------------------------------- */

static void test_valid_config_has_no_errors(void **state) {
    (void)state;
    cd_config_result_t *r = validate_source_with(NULL, NULL);
    assert_int_equal(cd_config_result_error_count(r), 0);
    assert_string_equal(cd_config_result_value(r, "tasks.max"), "1");
    assert_string_equal(cd_config_result_value(r, "fake.port"), "5432");
    assert_string_equal(cd_config_result_value(r, "errors.tolerance"), "none");
    assert_string_equal(cd_config_result_value(r, "transforms"), "");
    assert_string_equal(cd_config_result_value(r, "exactly.once.support"), "requested");
    assert_null(cd_config_result_value(r, "key.converter"));
    assert_null(cd_config_result_value(r, "transaction.boundary.interval.ms"));
    assert_null(cd_config_result_value(r, "no.such.key"));
    cd_config_result_destroy(r);
}

static void test_missing_required(void **state) {
    (void)state;
    cd_props_t *c = config_of("connector.class", "FakeSource", NULL);
    cd_config_result_t *r = cd_connector_config_validate(&FAKE_SOURCE, c);
    assert_errors(r, "name", 1, "Missing required configuration \"name\" which has no default value.");
    assert_errors(r, "fake.host", 1,
                  "Missing required configuration \"fake.host\" which has no default value.");
    assert_int_equal(cd_config_result_error_count(r), 2);
    assert_null(cd_config_result_value(r, "name"));
    cd_config_result_destroy(r);
    cd_props_destroy(c);
}

static void test_null_values(void **state) {
    (void)state;
    cd_props_t *c = config_of("connector.class", "FakeSource", "name", NULL, "fake.host", "db", "fake.mode",
                              NULL, "tasks.max", NULL, "unknown.key", NULL, "other.unknown", "ignored", NULL);
    cd_config_result_t *r = cd_connector_config_validate(&FAKE_SOURCE, c);
    /* the name validator accepts null; Kafka's validators run before the null-value message */
    assert_errors(r, "name", 1, "Null value can not be supplied as the configuration value.");
    assert_errors(r, "fake.mode", 2,
                  "Invalid value null for configuration fake.mode: String must be one of: fast, slow",
                  "Null value can not be supplied as the configuration value.");
    assert_errors(r, "tasks.max", 2, "Invalid value null for configuration tasks.max: Value must be non-null",
                  "Null value can not be supplied as the configuration value.");
    assert_errors(r, "unknown.key", 1, "Null value can not be supplied as the configuration value.");
    assert_errors(r, "other.unknown", 0);
    assert_int_equal(cd_config_result_error_count(r), 6);

    /* an undefined key is listed first, without a definition */
    json_object *j = cd_config_result_to_json(r, "com.example.FakeSourceConnector");
    json_object *first = json_object_array_get_idx(json_object_object_get(j, "configs"), 0);
    assert_string_equal(
        plain(first),
        "{\"definition\":null,\"value\":{\"name\":\"unknown.key\",\"value\":null,"
        "\"recommended_values\":[],\"errors\":[\"Null value can not be supplied as the configuration "
        "value.\"],\"visible\":true}}");
    json_object_put(j);
    cd_config_result_destroy(r);
    cd_props_destroy(c);
}

static void test_parse_errors(void **state) {
    (void)state;
    cd_config_result_t *r = validate_source_with("tasks.max", "abc");
    /* Kafka runs the range validator on the null a failed parse leaves */
    assert_errors(r, "tasks.max", 2,
                  "Invalid value abc for configuration tasks.max: Not a number of type INT",
                  "Invalid value null for configuration tasks.max: Value must be non-null");
    assert_null(cd_config_result_value(r, "tasks.max"));
    cd_config_result_destroy(r);

    r = validate_source_with("tasks.max", "2147483648");
    assert_errors(r, "tasks.max", 2,
                  "Invalid value 2147483648 for configuration tasks.max: Not a number of type INT",
                  "Invalid value null for configuration tasks.max: Value must be non-null");
    cd_config_result_destroy(r);

    assert_source_error(
        "errors.retry.timeout", "1.5",
        "Invalid value 1.5 for configuration errors.retry.timeout: Not a number of type LONG");
    assert_source_error(
        "errors.log.enable", "yes",
        "Invalid value yes for configuration errors.log.enable: Expected value to be either true or false");
    /* the raw value is printed, untrimmed */
    assert_source_error(
        "errors.retry.delay.max.ms", " x ",
        "Invalid value  x  for configuration errors.retry.delay.max.ms: Not a number of type LONG");

    r = validate_source_with("fake.ratio", "abc");
    assert_errors(r, "fake.ratio", 2,
                  "Invalid value abc for configuration fake.ratio: Not a number of type DOUBLE",
                  "Invalid value null for configuration fake.ratio: Value must be non-null");
    cd_config_result_destroy(r);
}

static void test_values_are_trimmed_and_normalised(void **state) {
    (void)state;
    cd_props_t *c =
        config_of("connector.class", "FakeSource", "name", " fake ", "fake.host", "db", "tasks.max", " +07 ",
                  "errors.log.enable", " TRUE ", "errors.retry.timeout", "-1", "transforms", " a , b,c ",
                  "fake.ratio", "1e-5", "transaction.boundary", "Interval", NULL);
    cd_config_result_t *r = cd_connector_config_validate(&FAKE_SOURCE, c);
    assert_int_equal(cd_config_result_error_count(r), 3); /* transforms.{a,b,c}.type missing */
    assert_string_equal(cd_config_result_value(r, "name"), "fake");
    assert_string_equal(cd_config_result_value(r, "tasks.max"), "7");
    assert_string_equal(cd_config_result_value(r, "errors.log.enable"), "true");
    assert_string_equal(cd_config_result_value(r, "errors.retry.timeout"), "-1");
    assert_string_equal(cd_config_result_value(r, "transforms"), "a,b,c");
    assert_string_equal(cd_config_result_value(r, "fake.ratio"), "1.0E-5");
    assert_string_equal(cd_config_result_value(r, "transaction.boundary"), "Interval");
    cd_config_result_destroy(r);
    cd_props_destroy(c);

    r = validate_source_with("fake.ratio", "0.25");
    assert_string_equal(cd_config_result_value(r, "fake.ratio"), "0.25");
    cd_config_result_destroy(r);
    r = validate_source_with("fake.ratio", "1");
    assert_string_equal(cd_config_result_value(r, "fake.ratio"), "1.0");
    cd_config_result_destroy(r);
}

static void test_validator_messages(void **state) {
    (void)state;
    assert_source_error("tasks.max", "0",
                        "Invalid value 0 for configuration tasks.max: Value must be at least 1");
    assert_source_error("fake.port", "70000",
                        "Invalid value 70000 for configuration fake.port: Value must be no more than 65535");
    assert_source_error("fake.ratio", "1.5",
                        "Invalid value 1.5 for configuration fake.ratio: Value must be no more than 1");
    assert_source_error(
        "transaction.boundary.interval.ms", "-5",
        "Invalid value -5 for configuration transaction.boundary.interval.ms: Value must be at least 0");
    assert_source_error(
        "errors.tolerance", "some",
        "Invalid value some for configuration errors.tolerance: String must be one of: none, all");
    assert_source_error("fake.mode", "FAST",
                        "Invalid value FAST for configuration fake.mode: String must be one of: fast, slow");
    /* Kafka's CaseInsensitiveValidString prints its upper-cased HashSet, in hash order */
    assert_source_error(
        "exactly.once.support", "maybe",
        "Invalid value maybe for configuration exactly.once.support: String must be one of (case "
        "insensitive): REQUIRED, REQUESTED");
    assert_source_error(
        "transaction.boundary", "never",
        "Invalid value never for configuration transaction.boundary: String must be one of (case "
        "insensitive): INTERVAL, POLL, CONNECTOR");
    assert_source_error("name", "", "Invalid value  for configuration name: String may not be empty");
    assert_source_error("name", "   ", "Invalid value  for configuration name: String may not be empty");
    assert_source_error(
        "name", "a\tb\x7f",
        "Invalid value a\tb\x7f for configuration name: String may not contain control sequences but "
        "had the following ASCII chars: 9, 127");
    assert_source_error("offsets.storage.topic", " ",
                        "Invalid value  for configuration offsets.storage.topic: String must be non-empty");
    {
        /* each alias also needs its type (Kafka 4.1's "Transforms: a" group) */
        cd_config_result_t *r = validate_source_with("transforms", "a, b,a");
        assert_errors(r, "transforms", 1,
                      "Invalid value [a, b, a] for configuration transforms: Duplicate alias provided.");
        assert_errors(r, "transforms.a.type", 1,
                      "Missing required configuration \"transforms.a.type\" which has no default value.");
        assert_int_equal(cd_config_result_error_count(r), 3);
        cd_config_result_destroy(r);
        r = validate_source_with("transforms.x.type", "com.example.X");
        assert_int_equal(cd_config_result_error_count(r), 0); /* not an alias of transforms */
        cd_config_result_destroy(r);
    }
    assert_source_error("key.converter", "",
                        "Invalid value  for configuration key.converter: Class  could not be found.");
}

static void test_plugin_validate_hook(void **state) {
    (void)state;
    cd_config_result_t *r = validate_source_with("fake.host", "forbidden");
    assert_errors(r, "fake.host", 1, "Host forbidden is not allowed");
    assert_int_equal(cd_config_result_error_count(r), 1);
    /* on a key nobody defines, the error gets an entry of its own */
    cd_config_result_add_error(r, "made.up", "bad %d", 42);
    assert_errors(r, "made.up", 1, "bad 42");
    assert_int_equal(cd_config_result_error_count(r), 2);
    cd_config_result_destroy(r);
}

static void test_error_message(void **state) {
    (void)state;
    cd_props_t *c = config_of("connector.class", "FakeSource", "name", "", "tasks.max", "0", NULL);
    cd_config_result_t *r = cd_connector_config_validate(&FAKE_SOURCE, c);
    assert_int_equal(cd_config_result_error_count(r), 3);
    char *m = cd_config_result_error_message(r);
    assert_string_equal(m, "Connector configuration is invalid and contains the following 3 error(s):\n"
                           "Invalid value  for configuration name: String may not be empty\n"
                           "Invalid value 0 for configuration tasks.max: Value must be at least 1\n"
                           "Missing required configuration \"fake.host\" which has no default value.\n"
                           "You can also find the above list of errors at the endpoint "
                           "`/connector-plugins/{connectorType}/config/validate`");
    free(m);
    cd_config_result_destroy(r);
    cd_props_destroy(c);
}

/* ---- sink rules ---------------------------------------------------------------------------- */

static cd_config_result_t *validate_sink(const char *topics, const char *regex, const char *dlq) {
    cd_props_t *c = config_of("connector.class", "FakeSink", "name", "s", NULL);
    if (topics) cd_props_set(c, "topics", topics);
    if (regex) cd_props_set(c, "topics.regex", regex);
    if (dlq) cd_props_set(c, "errors.deadletterqueue.topic.name", dlq);
    cd_config_result_t *r = cd_connector_config_validate(&FAKE_SINK, c);
    cd_props_destroy(c);
    return r;
}

static void test_sink_topics_rule(void **state) {
    (void)state;
    cd_config_result_t *r = validate_sink(NULL, NULL, NULL);
    assert_errors(r, "topics", 1, "Must configure one of topics or topics.regex");
    assert_errors(r, "topics.regex", 1, "Must configure one of topics or topics.regex");
    assert_int_equal(cd_config_result_error_count(r), 2);
    cd_config_result_destroy(r);

    r = validate_sink(" ", "", NULL);
    assert_int_equal(cd_config_result_error_count(r), 2);
    cd_config_result_destroy(r);

    r = validate_sink("a", "b.*", NULL);
    assert_errors(r, "topics", 1,
                  "topics and topics.regex are mutually exclusive options, but both are set.");
    assert_errors(r, "topics.regex", 1,
                  "topics and topics.regex are mutually exclusive options, but both are set.");
    cd_config_result_destroy(r);

    r = validate_sink("a, b", NULL, NULL);
    assert_int_equal(cd_config_result_error_count(r), 0);
    assert_string_equal(cd_config_result_value(r, "topics"), "a,b");
    assert_string_equal(cd_config_result_value(r, "errors.deadletterqueue.topic.replication.factor"), "3");
    cd_config_result_destroy(r);

    r = validate_sink(NULL, "b.*", NULL);
    assert_int_equal(cd_config_result_error_count(r), 0);
    cd_config_result_destroy(r);

    r = validate_sink("a,b,,a,dlq", NULL, " dlq ");
    assert_errors(
        r, "topics", 1,
        "The DLQ topic 'dlq' may not be included in the list of topics ('topics=[a, b, dlq]') consumed by "
        "the connector");
    cd_config_result_destroy(r);
}

static void test_short_type(void **state) {
    (void)state;
    cd_props_t *c = config_of("connector.class", "FakeSink", "name", "s", "topics", "t",
                              "errors.deadletterqueue.topic.replication.factor", "40000", NULL);
    cd_config_result_t *r = cd_connector_config_validate(&FAKE_SINK, c);
    assert_errors(
        r, "errors.deadletterqueue.topic.replication.factor", 1,
        "Invalid value 40000 for configuration errors.deadletterqueue.topic.replication.factor: Not a number "
        "of type SHORT");
    cd_config_result_destroy(r);
    cd_props_destroy(c);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void test_config_infos_json(void **state) {
    (void)state;
    cd_props_t *c =
        config_of("connector.class", "FakeSource", "fake.host", "db", "fake.password", "hunter2", NULL);
    cd_config_result_t *r = cd_connector_config_validate(&FAKE_SOURCE, c);
    json_object *j = cd_config_result_to_json(r, "com.example.FakeSourceConnector");

    assert_string_equal(json_object_get_string(json_object_object_get(j, "name")),
                        "com.example.FakeSourceConnector");
    assert_int_equal(json_object_get_int(json_object_object_get(j, "error_count")), 1);
    assert_string_equal(plain(json_object_object_get(j, "groups")),
                        "[\"Common\",\"Transforms\",\"Predicates\",\"Error Handling\",\"Topic Creation\","
                        "\"Exactly Once Support\",\"offsets.topic\",\"Connection\",\"Mode\"]");

    json_object *configs = json_object_object_get(j, "configs");
    assert_int_equal(json_object_array_length(configs), 19 + 5 + 5);
    /* base keys first, in Kafka's order, then the plugin's */
    json_object *first = json_object_array_get_idx(configs, 0);
    assert_string_equal(
        plain(first),
        "{\"definition\":{\"name\":\"name\",\"type\":\"STRING\",\"required\":true,\"default_value\":null,"
        "\"importance\":\"HIGH\",\"documentation\":\"Globally unique name to use for this connector.\","
        "\"group\":\"Common\",\"width\":\"MEDIUM\",\"display_name\":\"Connector name\",\"dependents\":[],"
        "\"order\":1},\"value\":{\"name\":\"name\",\"value\":null,\"recommended_values\":[],\"errors\":["
        "\"Missing required configuration \\\"name\\\" which has no default value.\"],\"visible\":true}}");
    assert_string_equal(
        plain(config_entry(j, "tasks.max")),
        "{\"definition\":{\"name\":\"tasks.max\",\"type\":\"INT\",\"required\":false,\"default_value\":"
        "\"1\",\"importance\":\"HIGH\",\"documentation\":\"Maximum number of tasks to use for this "
        "connector.\",\"group\":\"Common\",\"width\":\"SHORT\",\"display_name\":\"Tasks max\","
        "\"dependents\":[],\"order\":4},\"value\":{\"name\":\"tasks.max\",\"value\":\"1\","
        "\"recommended_values\":[],\"errors\":[],\"visible\":true}}");
    assert_string_equal(
        plain(json_object_array_get_idx(configs, 24)),
        "{\"definition\":{\"name\":\"fake.host\",\"type\":\"STRING\",\"required\":true,"
        "\"default_value\":null,\"importance\":\"HIGH\",\"documentation\":\"Host to read from.\","
        "\"group\":\"Connection\",\"width\":\"MEDIUM\",\"display_name\":\"Host\",\"dependents\":"
        "[\"fake.port\"],\"order\":1},\"value\":{\"name\":\"fake.host\",\"value\":\"db\","
        "\"recommended_values\":[],\"errors\":[],\"visible\":true}}");
    /* passwords are hidden, value and default alike; the result keeps the clear value */
    json_object *pw = config_entry(j, "fake.password");
    assert_string_equal(json_object_get_string(json_object_object_get(
                            json_object_object_get(pw, "definition"), "default_value")),
                        "[hidden]");
    assert_string_equal(
        json_object_get_string(json_object_object_get(json_object_object_get(pw, "value"), "value")),
        "[hidden]");
    assert_string_equal(cd_config_result_value(r, "fake.password"), "hunter2");
    /* a null default */
    json_object *kc = config_entry(j, "key.converter");
    assert_null(json_object_object_get(json_object_object_get(kc, "definition"), "default_value"));
    assert_true(json_object_object_get_ex(json_object_object_get(kc, "definition"), "default_value", NULL));
    /* a list default */
    json_object *tr = config_entry(j, "transforms");
    assert_string_equal(json_object_get_string(json_object_object_get(
                            json_object_object_get(tr, "definition"), "default_value")),
                        "");

    json_object_put(j);
    cd_config_result_destroy(r);
    cd_props_destroy(c);
}

static void test_generic_validate_whole_json(void **state) {
    (void)state;
    static const cd_config_key_t keys_a[] = {
        {.name = "a",
         .type = CD_CFG_BOOLEAN,
         .has_default = true,
         .default_value = "false",
         .importance = CD_IMPORTANCE_LOW,
         .documentation = "A.",
         .group = "G1",
         .order = 1,
         .width = CD_WIDTH_NONE,
         .display_name = "A"},
        {.name = "b",
         .type = CD_CFG_LONG,
         .has_default = true,
         .default_value = NULL,
         .importance = CD_IMPORTANCE_MEDIUM,
         .order = -1},
    };
    static const cd_config_key_t keys_b[] = {
        {.name = "b", .type = CD_CFG_STRING, .has_default = false, .importance = CD_IMPORTANCE_HIGH},
        {.name = "c",
         .type = CD_CFG_LIST,
         .has_default = true,
         .default_value = "x , y",
         .importance = CD_IMPORTANCE_HIGH,
         .group = "G0",
         .order = 2},
    };
    const cd_config_def_t da = {keys_a, 2}, db = {keys_b, 2};
    const cd_config_def_t *defs[] = {&da, &db};
    cd_props_t *c = config_of("a", "maybe", NULL);
    cd_config_result_t *r = cd_config_validate(defs, 2, c);
    json_object *j = cd_config_result_to_json(r, "X");
    assert_string_equal(
        plain(j),
        "{\"name\":\"X\",\"error_count\":1,\"groups\":[\"G1\",\"G0\"],\"configs\":["
        "{\"definition\":{\"name\":\"a\",\"type\":\"BOOLEAN\",\"required\":false,\"default_value\":\"false\","
        "\"importance\":\"LOW\",\"documentation\":\"A.\",\"group\":\"G1\",\"width\":\"NONE\",\"display_"
        "name\":\"A\","
        "\"dependents\":[],\"order\":1},\"value\":{\"name\":\"a\",\"value\":null,\"recommended_values\":[],"
        "\"errors\":[\"Invalid value maybe for configuration a: Expected value to be either true or false\"],"
        "\"visible\":true}},"
        "{\"definition\":{\"name\":\"b\",\"type\":\"LONG\",\"required\":false,\"default_value\":null,"
        "\"importance\":\"MEDIUM\",\"documentation\":null,\"group\":null,\"width\":\"NONE\",\"display_name\":"
        "\"b\","
        "\"dependents\":[],\"order\":-1},\"value\":{\"name\":\"b\",\"value\":null,\"recommended_values\":[],"
        "\"errors\":[],\"visible\":true}},"
        "{\"definition\":{\"name\":\"c\",\"type\":\"LIST\",\"required\":false,\"default_value\":\"x,y\","
        "\"importance\":\"HIGH\",\"documentation\":null,\"group\":\"G0\",\"width\":\"NONE\",\"display_name\":"
        "\"c\","
        "\"dependents\":[],\"order\":2},\"value\":{\"name\":\"c\",\"value\":\"x,y\",\"recommended_values\":[]"
        ","
        "\"errors\":[],\"visible\":true}}]}");
    json_object_put(j);
    cd_config_result_destroy(r);
    cd_props_destroy(c);
}

static void test_plugin_config_json(void **state) {
    (void)state;
    json_object *a = cd_connector_plugin_config_json(&FAKE_SOURCE);
    assert_int_equal(json_object_array_length(a), 5 + 19 + 5);
    assert_string_equal(
        json_object_get_string(json_object_object_get(json_object_array_get_idx(a, 0), "name")), "fake.host");
    assert_string_equal(
        json_object_get_string(json_object_object_get(json_object_array_get_idx(a, 5), "name")), "name");
    /* spec §2.25's example, byte for byte */
    assert_string_equal(
        plain(json_object_array_get_idx(a, 8)),
        "{\"name\":\"tasks.max\",\"type\":\"INT\",\"required\":false,\"default_value\":\"1\","
        "\"importance\":\"HIGH\",\"documentation\":\"Maximum number of tasks to use for this "
        "connector.\",\"group\":\"Common\",\"width\":\"SHORT\",\"display_name\":\"Tasks max\","
        "\"dependents\":[],\"order\":4}");
    json_object_put(a);

    /* a key the plugin redefines: listed once, the plugin's first */
    a = cd_connector_plugin_config_json(&ONE_TASK_SOURCE);
    assert_int_equal(json_object_array_length(a), 2 + 24 - 1);
    json_object *t = json_object_array_get_idx(a, 1);
    assert_string_equal(json_object_get_string(json_object_object_get(t, "documentation")), "Always 1.");
    json_object_put(a);

    json_object *sink = cd_connector_plugin_config_json(&FAKE_SINK);
    assert_int_equal(json_object_array_length(sink), 24);
    json_object_put(sink);
}

static void test_redefined_key_in_validate(void **state) {
    (void)state;
    cd_props_t *c = config_of("connector.class", "OneTask", "name", "n", "tasks.max", "2", NULL);
    cd_config_result_t *r = cd_connector_config_validate(&ONE_TASK_SOURCE, c);
    /* the plugin's definition applies, at the base key's place */
    assert_errors(r, "tasks.max", 1,
                  "Invalid value 2 for configuration tasks.max: Value must be no more than 1");
    json_object *j = cd_config_result_to_json(r, "OneTask");
    json_object *configs = json_object_object_get(j, "configs");
    assert_int_equal(json_object_array_length(configs), 25);
    json_object *third = json_object_object_get(json_object_array_get_idx(configs, 3), "definition");
    assert_string_equal(json_object_get_string(json_object_object_get(third, "documentation")), "Always 1.");
    json_object *last = json_object_object_get(json_object_array_get_idx(configs, 24), "definition");
    assert_string_equal(json_object_get_string(json_object_object_get(last, "name")), "extra");
    json_object_put(j);
    cd_config_result_destroy(r);
    cd_props_destroy(c);
}

static void test_base_defs(void **state) {
    (void)state;
    const cd_config_def_t *src = cd_connector_base_def(CD_CONNECTOR_SOURCE);
    const cd_config_def_t *snk = cd_connector_base_def(CD_CONNECTOR_SINK);
    assert_int_equal(src->n_keys, 24);
    assert_int_equal(snk->n_keys, 24);
    assert_string_equal(src->keys[0].name, "name");
    assert_string_equal(src->keys[2].name, "connector.plugin.version");
    assert_string_equal(src->keys[18].name, "errors.log.include.messages");
    assert_string_equal(src->keys[19].name, "topic.creation.groups");
    assert_string_equal(snk->keys[19].name, "topics");
    assert_string_equal(
        src->keys[1].documentation,
        "Name or alias of the class for this connector. Must be a subclass of "
        "org.apache.kafka.connect.connector.Connector. If the connector is "
        "org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name,  "
        "or use \"FileStreamSink\" or \"FileStreamSinkConnector\" to make the configuration a bit shorter");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_config_has_no_errors),
        cmocka_unit_test(test_missing_required),
        cmocka_unit_test(test_null_values),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_values_are_trimmed_and_normalised),
        cmocka_unit_test(test_validator_messages),
        cmocka_unit_test(test_plugin_validate_hook),
        cmocka_unit_test(test_error_message),
        cmocka_unit_test(test_sink_topics_rule),
        cmocka_unit_test(test_short_type),
        cmocka_unit_test(test_config_infos_json),
        cmocka_unit_test(test_generic_validate_whole_json),
        cmocka_unit_test(test_plugin_config_json),
        cmocka_unit_test(test_redefined_key_in_validate),
        cmocka_unit_test(test_base_defs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
