/* connector_config.c - Kafka Connect's own connector keys (ConnectorConfig plus
 * SourceConnectorConfig / SinkConnectorConfig of Apache Kafka 3.9) and the validation that
 * combines them with a plugin's keys, as AbstractHerder.validateConnectorConfig does. Texts,
 * groups and orders are Kafka's, so validate and plugin-config answers match a Java worker's. */
#include "connect/connector_config.h"
#include "connect/converter.h"
#include "connect/plugin_version.h"
#include "connect/transforms.h"
#include "version.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- documentation strings, verbatim from Apache Kafka ------------------------------------ */

#define COMMON_GROUP "Common"
#define TRANSFORMS_GROUP "Transforms"
#define PREDICATES_GROUP "Predicates"
#define ERROR_GROUP "Error Handling"
#define TOPIC_CREATION_GROUP "Topic Creation"
#define EXACTLY_ONCE_SUPPORT_GROUP "Exactly Once Support"
#define OFFSETS_TOPIC_GROUP "offsets.topic"

#define NAME_DOC "Globally unique name to use for this connector."
#define CONNECTOR_CLASS_DOC                                                                                  \
    "Name or alias of the class for this connector. Must be a subclass of "                                  \
    "org.apache.kafka.connect.connector.Connector. If the connector is "                                     \
    "org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name,  or use " \
    "\"FileStreamSink\" or \"FileStreamSinkConnector\" to make the configuration a bit shorter"
#define TASKS_MAX_DOC "Maximum number of tasks to use for this connector."
#define TASKS_MAX_ENFORCE_DOC                                                                                \
    "(Deprecated) Whether to enforce that the tasks.max property is respected by the connector. By "         \
    "default, "                                                                                              \
    "connectors that generate too many tasks will fail, and existing sets of tasks that exceed the "         \
    "tasks.max property will also be failed. If this property is set to false, then connectors will be "     \
    "allowed to generate more than the maximum number of tasks, and existing sets of tasks that exceed the " \
    "tasks.max property will be allowed to run. This property is deprecated and will be removed in an "      \
    "upcoming major release."
#define CONVERTER_DOC(what)                                                                                 \
    "Converter class used to convert between Kafka Connect format and the serialized form that is written " \
    "to Kafka. This controls the format of the " what " in messages written to or read from Kafka, and "    \
    "since this is independent of connectors it allows any connector to work with any serialization "       \
    "format. Examples of common formats include JSON and Avro."
#define HEADER_CONVERTER_DOC                                                                               \
    "HeaderConverter class used to convert between Kafka Connect format and the serialized form that is "  \
    "written to Kafka. This controls the format of the header values in messages written to or read from " \
    "Kafka, and since this is independent of connectors it allows any connector to work with any "         \
    "serialization format. Examples of common formats include JSON and Avro. By default, the "             \
    "SimpleHeaderConverter is used to serialize header values to strings and deserialize them by "         \
    "inferring the schemas."
#define TRANSFORMS_DOC "Aliases for the transformations to be applied to records."
#define PREDICATES_DOC "Aliases for the predicates used by transformations."
#define CONFIG_RELOAD_ACTION_DOC                                                                           \
    "The action that Connect should take on the connector when changes in external configuration "         \
    "providers result in a change in the connector's configuration properties. A value of 'none' "         \
    "indicates that Connect will do nothing. A value of 'restart' indicates that Connect should "          \
    "restart/reload the connector with the updated configuration properties.The restart may actually be "  \
    "scheduled in the future if the external configuration provider indicates that a configuration value " \
    "will expire in the future."
#define ERRORS_RETRY_TIMEOUT_DOC                                                                           \
    "The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, " \
    "which means no retries will be attempted. Use -1 for infinite retries."
#define ERRORS_RETRY_MAX_DELAY_DOC                                                                          \
    "The maximum duration in milliseconds between consecutive retry attempts. Jitter will be added to the " \
    "delay once this limit is reached to prevent thundering herd issues."
#define ERRORS_TOLERANCE_DOC                                                                              \
    "Behavior for tolerating errors during connector operation. 'none' is the default value and signals " \
    "that any error will result in an immediate connector task failure; 'all' changes the behavior to "   \
    "skip over problematic records."
#define ERRORS_LOG_ENABLE_DOC                                                                              \
    "If true, write each error and the details of the failed operation and problematic record to the "     \
    "Connect application log. This is 'false' by default, so that only errors that are not tolerated are " \
    "reported."
#define ERRORS_LOG_INCLUDE_MESSAGES_DOC                                                                    \
    "Whether to include in the log the Connect record that resulted in a failure. For sink records, the "  \
    "topic, partition, offset, and timestamp will be logged. For source records, the key and value (and "  \
    "their schemas), all headers, and the timestamp, Kafka topic, Kafka partition, source partition, and " \
    "source offset will be logged. This is 'false' by default, which will prevent record keys, values, "   \
    "and headers from being written to log files."

#define TOPIC_CREATION_GROUPS_DOC "Groups of configurations for topics created by source connectors"
#define EXACTLY_ONCE_SUPPORT_DOC                                                                          \
    "Permitted values are requested, required. If set to \"required\", forces a preflight check for the " \
    "connector to ensure that it can provide exactly-once semantics with the given configuration. Some "  \
    "connectors may be capable of providing exactly-once semantics but not signal to Connect that they "  \
    "support this; in that case, documentation for the connector should be consulted carefully before "   \
    "creating it, and the value for this property should be set to \"requested\". Additionally, if the "  \
    "value is set to \"required\" but the worker that performs preflight validation does not have "       \
    "exactly-once support enabled for source connectors, requests to create or validate the connector "   \
    "will fail."
#define TRANSACTION_BOUNDARY_DOC                                                                             \
    "Permitted values are: poll, interval, connector. If set to 'poll', a new producer transaction will be " \
    "started and committed for every batch of records that each task from this connector provides to "       \
    "Connect. If set to 'connector', relies on connector-defined transaction boundaries; note that not all " \
    "connectors are capable of defining their own transaction boundaries, and in that case, attempts to "    \
    "instantiate a connector with this value will fail. Finally, if set to 'interval', commits "             \
    "transactions only after a user-defined time interval has passed."
#define TRANSACTION_BOUNDARY_INTERVAL_DOC                                                               \
    "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction " \
    "commits by connector tasks. If unset, defaults to the value of the worker-level "                  \
    "'offset.flush.interval.ms' property. It has no effect if a different transaction.boundary is "     \
    "specified."
/* \xe2\x80\x99 is the right single quotation mark Kafka's text has in "worker's". */
#define OFFSETS_TOPIC_DOC                                                                                  \
    "The name of a separate offsets topic to use for this connector. If empty or not specified, the "      \
    "worker\xe2\x80\x99s global offsets topic name will be used. If specified, the offsets topic will be " \
    "created if it does not already exist on the Kafka cluster targeted by this connector (which may be "  \
    "different from the one used for the worker's global offsets topic if the bootstrap.servers property " \
    "of the connector's producer has been overridden from the worker's). Only applicable in distributed "  \
    "mode; in standalone mode, setting this property will have no effect."

#define TOPICS_DOC "List of topics to consume, separated by commas"
#define TOPICS_REGEX_DOC                                                                       \
    "Regular expression giving topics to consume. Under the hood, the regex is compiled to a " \
    "<code>java.util.regex.Pattern</code>. Only one of topics or topics.regex should be specified."
#define DLQ_TOPIC_NAME_DOC                                                                                  \
    "The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error " \
    "when processed by this sink connector, or its transformations or converters. The topic name is blank " \
    "by default, which means that no messages are to be recorded in the DLQ."
#define DLQ_TOPIC_REPLICATION_FACTOR_DOC \
    "Replication factor used to create the dead letter queue topic when it doesn't already exist."
#define DLQ_CONTEXT_HEADERS_ENABLE_DOC                                                                    \
    "If true, add headers containing error context to the messages written to the dead letter queue. To " \
    "avoid clashing with headers from the original record, all error context header keys, all error "     \
    "context header keys will start with <code>__connect.errors.</code>"

/* ---- the definitions ------------------------------------------------------------------------ */

static const char *const RELOAD_ACTIONS[] = {"none", "restart", NULL};
static const char *const TOLERANCES[] = {"none", "all", NULL};
static const char *const EXACTLY_ONCE_LEVELS[] = {"requested", "required", NULL};
static const char *const TRANSACTION_BOUNDARIES[] = {"poll", "interval", "connector", NULL};

/* A key with a default (dflt may be NULL: Kafka's null default). */
#define KEY(nm, ty, dflt, imp, doc, grp, ord, wid, disp, ...)                                             \
    {                                                                                                     \
        .name = nm, .type = ty, .has_default = true, .default_value = dflt, .importance = imp,            \
        .documentation = doc, .group = grp, .order = ord, .width = wid, .display_name = disp, __VA_ARGS__ \
    }
/* A required key. */
#define REQUIRED_KEY(nm, ty, imp, doc, grp, ord, wid, disp, ...)                                             \
    {                                                                                                        \
        .name = nm, .type = ty, .has_default = false, .importance = imp, .documentation = doc, .group = grp, \
        .order = ord, .width = wid, .display_name = disp, __VA_ARGS__                                        \
    }

/* ConnectorConfig.configDef() of Kafka 4.1, with KIP-891's plugin versions numbered in the one
 * Common sequence. The defaults of connector.plugin.version and of the converters depend on the
 * plugin and the worker: enriched_base() fills them in. */
#define CONNECTOR_KEYS                                                                                       \
    REQUIRED_KEY("name", CD_CFG_STRING, CD_IMPORTANCE_HIGH, NAME_DOC, COMMON_GROUP, 1, CD_WIDTH_MEDIUM,      \
                 "Connector name", .validator = CD_VALID_CONNECTOR_NAME),                                    \
        REQUIRED_KEY("connector.class", CD_CFG_STRING, CD_IMPORTANCE_HIGH, CONNECTOR_CLASS_DOC,              \
                     COMMON_GROUP, 2, CD_WIDTH_LONG, "Connector class"),                                     \
        KEY("connector.plugin.version", CD_CFG_STRING, NULL, CD_IMPORTANCE_MEDIUM, "Version of the connector.", \
            COMMON_GROUP, 3, CD_WIDTH_MEDIUM, "Connector version"),                                          \
        KEY("tasks.max", CD_CFG_INT, "1", CD_IMPORTANCE_HIGH, TASKS_MAX_DOC, COMMON_GROUP, 4,                \
            CD_WIDTH_SHORT, "Tasks max", .validator = CD_VALID_RANGE, .min = 1, .has_min = true),            \
        KEY("tasks.max.enforce", CD_CFG_BOOLEAN, "true", CD_IMPORTANCE_LOW, TASKS_MAX_ENFORCE_DOC,           \
            COMMON_GROUP, 5, CD_WIDTH_SHORT, "Enforce tasks max"),                                           \
        KEY("key.converter", CD_CFG_CLASS, NULL, CD_IMPORTANCE_LOW, CONVERTER_DOC("keys"), COMMON_GROUP, 6,  \
            CD_WIDTH_SHORT, "Key converter class"),                                                          \
        KEY("key.converter.plugin.version", CD_CFG_STRING, NULL, CD_IMPORTANCE_LOW,                          \
            "Version of the key converter.", COMMON_GROUP, 7, CD_WIDTH_SHORT, "Key converter version"),      \
        KEY("value.converter", CD_CFG_CLASS, NULL, CD_IMPORTANCE_LOW, CONVERTER_DOC("values"), COMMON_GROUP, \
            8, CD_WIDTH_SHORT, "Value converter class"),                                                     \
        KEY("value.converter.plugin.version", CD_CFG_STRING, NULL, CD_IMPORTANCE_LOW,                        \
            "Version of the value converter.", COMMON_GROUP, 9, CD_WIDTH_SHORT, "Value converter version"),  \
        KEY("header.converter", CD_CFG_CLASS, NULL, CD_IMPORTANCE_LOW, HEADER_CONVERTER_DOC, COMMON_GROUP,   \
            10, CD_WIDTH_SHORT, "Header converter class"),                                                   \
        KEY("header.converter.plugin.version", CD_CFG_STRING, NULL, CD_IMPORTANCE_LOW,                       \
            "Version of the header converter.", COMMON_GROUP, 11, CD_WIDTH_SHORT, "Header converter version"), \
        KEY("transforms", CD_CFG_LIST, "", CD_IMPORTANCE_LOW, TRANSFORMS_DOC, TRANSFORMS_GROUP, 12,          \
            CD_WIDTH_LONG, "Transforms"),                                                                    \
        KEY("predicates", CD_CFG_LIST, "", CD_IMPORTANCE_LOW, PREDICATES_DOC, PREDICATES_GROUP, 13,          \
            CD_WIDTH_LONG, "Predicates"),                                                                    \
        KEY("config.action.reload", CD_CFG_STRING, "restart", CD_IMPORTANCE_LOW, CONFIG_RELOAD_ACTION_DOC,   \
            COMMON_GROUP, 14, CD_WIDTH_MEDIUM, "Reload Action", .validator = CD_VALID_ONE_OF,                \
            .allowed = RELOAD_ACTIONS),                                                                      \
        KEY("errors.retry.timeout", CD_CFG_LONG, "0", CD_IMPORTANCE_MEDIUM, ERRORS_RETRY_TIMEOUT_DOC,        \
            ERROR_GROUP, 1, CD_WIDTH_MEDIUM, "Retry Timeout for Errors"),                                    \
        KEY("errors.retry.delay.max.ms", CD_CFG_LONG, "60000", CD_IMPORTANCE_MEDIUM,                         \
            ERRORS_RETRY_MAX_DELAY_DOC, ERROR_GROUP, 2, CD_WIDTH_MEDIUM,                                     \
            "Maximum Delay Between Retries for Errors"),                                                     \
        KEY("errors.tolerance", CD_CFG_STRING, "none", CD_IMPORTANCE_MEDIUM, ERRORS_TOLERANCE_DOC,           \
            ERROR_GROUP, 3, CD_WIDTH_SHORT, "Error Tolerance", .validator = CD_VALID_ONE_OF,                 \
            .allowed = TOLERANCES),                                                                          \
        KEY("errors.log.enable", CD_CFG_BOOLEAN, "false", CD_IMPORTANCE_MEDIUM, ERRORS_LOG_ENABLE_DOC,       \
            ERROR_GROUP, 4, CD_WIDTH_SHORT, "Log Errors"),                                                   \
        KEY("errors.log.include.messages", CD_CFG_BOOLEAN, "false", CD_IMPORTANCE_MEDIUM,                    \
            ERRORS_LOG_INCLUDE_MESSAGES_DOC, ERROR_GROUP, 5, CD_WIDTH_SHORT, "Log Error Details")

/* SourceConnectorConfig.configDef() */
static const cd_config_key_t SOURCE_KEYS[] = {
    CONNECTOR_KEYS,
    KEY("topic.creation.groups", CD_CFG_LIST, "", CD_IMPORTANCE_LOW, TOPIC_CREATION_GROUPS_DOC,
        TOPIC_CREATION_GROUP, 1, CD_WIDTH_LONG, "Topic Creation Groups"),
    KEY("exactly.once.support", CD_CFG_STRING, "requested", CD_IMPORTANCE_MEDIUM, EXACTLY_ONCE_SUPPORT_DOC,
        EXACTLY_ONCE_SUPPORT_GROUP, 2, CD_WIDTH_SHORT, "Exactly once support", .validator = CD_VALID_ONE_OF,
        .allowed = EXACTLY_ONCE_LEVELS, .ci = true),
    KEY("transaction.boundary", CD_CFG_STRING, "poll", CD_IMPORTANCE_MEDIUM, TRANSACTION_BOUNDARY_DOC,
        EXACTLY_ONCE_SUPPORT_GROUP, 3, CD_WIDTH_SHORT, "Transaction Boundary", .validator = CD_VALID_ONE_OF,
        .allowed = TRANSACTION_BOUNDARIES, .ci = true),
    KEY("transaction.boundary.interval.ms", CD_CFG_LONG, NULL, CD_IMPORTANCE_LOW,
        TRANSACTION_BOUNDARY_INTERVAL_DOC, EXACTLY_ONCE_SUPPORT_GROUP, 4, CD_WIDTH_SHORT,
        "Transaction boundary interval", .validator = CD_VALID_RANGE, .min = 0, .has_min = true),
    /* Kafka's NonEmptyString says "String must be non-empty", not CD_VALID_NON_EMPTY's text: checked
     * in base_checks() below. */
    KEY("offsets.storage.topic", CD_CFG_STRING, NULL, CD_IMPORTANCE_LOW, OFFSETS_TOPIC_DOC,
        OFFSETS_TOPIC_GROUP, 1, CD_WIDTH_LONG, "Offsets topic"),
};

/* SinkConnectorConfig.configDef() */
static const cd_config_key_t SINK_KEYS[] = {
    CONNECTOR_KEYS,
    KEY("topics", CD_CFG_LIST, "", CD_IMPORTANCE_HIGH, TOPICS_DOC, COMMON_GROUP, 4, CD_WIDTH_LONG, "Topics"),
    KEY("topics.regex", CD_CFG_STRING, "", CD_IMPORTANCE_HIGH, TOPICS_REGEX_DOC, COMMON_GROUP, 4,
        CD_WIDTH_LONG, "Topics regex"),
    KEY("errors.deadletterqueue.topic.name", CD_CFG_STRING, "", CD_IMPORTANCE_MEDIUM, DLQ_TOPIC_NAME_DOC,
        ERROR_GROUP, 6, CD_WIDTH_MEDIUM, "Dead Letter Queue Topic Name"),
    KEY("errors.deadletterqueue.topic.replication.factor", CD_CFG_SHORT, "3", CD_IMPORTANCE_MEDIUM,
        DLQ_TOPIC_REPLICATION_FACTOR_DOC, ERROR_GROUP, 7, CD_WIDTH_MEDIUM,
        "Dead Letter Queue Topic Replication Factor"),
    KEY("errors.deadletterqueue.context.headers.enable", CD_CFG_BOOLEAN, "false", CD_IMPORTANCE_MEDIUM,
        DLQ_CONTEXT_HEADERS_ENABLE_DOC, ERROR_GROUP, 8, CD_WIDTH_MEDIUM, "Enable Error Context Headers"),
};

static const cd_config_def_t SOURCE_DEF = {SOURCE_KEYS, sizeof(SOURCE_KEYS) / sizeof(SOURCE_KEYS[0])};
static const cd_config_def_t SINK_DEF = {SINK_KEYS, sizeof(SINK_KEYS) / sizeof(SINK_KEYS[0])};

const cd_config_def_t *cd_connector_base_def(cd_connector_type_t type) {
    return type == CD_CONNECTOR_SINK ? &SINK_DEF : &SOURCE_DEF;
}

/* ---- validation ----------------------------------------------------------------------------- */

static const cd_config_key_t *def_find(const cd_config_def_t *d, const char *name) {
    for (size_t i = 0; i < d->n_keys; i++)
        if (!strcmp(d->keys[i].name, name)) return &d->keys[i];
    return NULL;
}

/* Java's String.trim().isEmpty() on a possibly null string (Utils.isBlank). */
static bool is_blank(const char *s) {
    if (!s) return true;
    for (; *s; s++)
        if ((unsigned char)*s > ' ') return false;
    return true;
}

static bool submitted_null(const cd_props_t *config, const char *key) {
    return cd_props_has(config, key) && !cd_props_get(config, key);
}

/* Kafka's alias validator on transforms, predicates and topic.creation.groups: NonNullValidator,
 * then no alias twice. The parsed value is "a,b,a"; Kafka prints the list as "[a, b, a]". */
static void check_aliases(cd_config_result_t *r, const cd_props_t *config, const char *key) {
    if (submitted_null(config, key)) {
        cd_config_result_add_error(r, key, "Invalid value null for configuration %s: entry must be non null",
                                   key);
        return;
    }
    const char *v = cd_config_result_value(r, key);
    if (!v || !*v) return;
    char *copy = strdup(v);
    if (!copy) abort();
    size_t n = 1;
    for (const char *c = v; *c; c++) n += *c == ',';
    char **items = calloc(n, sizeof(*items));
    if (!items) abort();
    n = 0;
    for (char *it = copy;;) { /* strtok would merge empty items */
        char *comma = strchr(it, ',');
        if (comma) *comma = '\0';
        items[n++] = it;
        if (!comma) break;
        it = comma + 1;
    }
    bool dup = false;
    for (size_t i = 0; i < n && !dup; i++)
        for (size_t j = 0; j < i && !dup; j++) dup = !strcmp(items[i], items[j]);
    if (dup) {
        size_t len = 2;
        for (size_t i = 0; i < n; i++) len += strlen(items[i]) + 2;
        char *shown = malloc(len + 1);
        if (!shown) abort();
        strcpy(shown, "[");
        for (size_t i = 0; i < n; i++) {
            if (i) strcat(shown, ", ");
            strcat(shown, items[i]);
        }
        strcat(shown, "]");
        cd_config_result_add_error(r, key, "Invalid value %s for configuration %s: Duplicate alias provided.",
                                   shown, key);
        free(shown);
    }
    free(items);
    free(copy);
}

/* The framework keys' validators that cd_cfg_validator_t cannot express. A key the plugin
 * redefines is left to the plugin's definition. */
static void base_checks(cd_config_result_t *r, const cd_connector_plugin_t *plugin,
                        const cd_props_t *config) {
    const cd_config_def_t *own = &plugin->config_def;
    static const char *const alias_keys[] = {"transforms", "predicates", "topic.creation.groups"};
    for (size_t i = 0; i < sizeof(alias_keys) / sizeof(alias_keys[0]); i++) {
        if (def_find(own, alias_keys[i])) continue;
        if (!def_find(cd_connector_base_def(plugin->type), alias_keys[i])) continue;
        check_aliases(r, config, alias_keys[i]);
    }
    /* A converter class must be one this worker has (Kafka: "Class ... could not be found."). */
    static const char *const converter_keys[] = {"key.converter", "value.converter"};
    for (size_t i = 0; i < 2; i++) {
        const char *cls = cd_props_get(config, converter_keys[i]);
        if (!cls || !*cls) continue;
        char err[256];
        cd_converter_t *c = cd_converter_new(cls, NULL, i == 0, err, sizeof(err));
        if (c) {
            cd_converter_destroy(c);
            continue;
        }
        cd_config_result_add_error(r, converter_keys[i],
                                   "Invalid value %s for configuration %s: Class %s could not be found.",
                                   cls, converter_keys[i], cls);
        cd_config_result_set_value(r, converter_keys[i], NULL); /* the class did not parse */
    }
    if (plugin->type == CD_CONNECTOR_SOURCE && !def_find(own, "offsets.storage.topic")) {
        const char *v = cd_config_result_value(r, "offsets.storage.topic");
        if (v && !*v)
            cd_config_result_add_error(
                r, "offsets.storage.topic",
                "Invalid value  for configuration offsets.storage.topic: String must be non-empty");
    }
}

/* SinkConnectorConfig.validate(props, validatedConfig). The DLQ-versus-topics.regex check is left
 * out: it needs Java's regex dialect. */
static void sink_checks(cd_config_result_t *r, const cd_props_t *config) {
    const char *topics = cd_props_get(config, "topics");
    const char *regex = cd_props_get(config, "topics.regex");
    bool has_topics = !is_blank(topics), has_regex = !is_blank(regex);
    if (has_topics && has_regex) {
        const char *msg = "topics and topics.regex are mutually exclusive options, but both are set.";
        cd_config_result_add_error(r, "topics", "%s", msg);
        cd_config_result_add_error(r, "topics.regex", "%s", msg);
    }
    if (!has_topics && !has_regex) {
        const char *msg = "Must configure one of topics or topics.regex";
        cd_config_result_add_error(r, "topics", "%s", msg);
        cd_config_result_add_error(r, "topics.regex", "%s", msg);
    }
    const char *dlq_raw = cd_props_get(config, "errors.deadletterqueue.topic.name");
    if (!has_topics || is_blank(dlq_raw)) return;

    /* the DLQ topic may not be one of the topics: Kafka compares the trimmed DLQ name with the
     * parsed list, empty names dropped and duplicates removed, and prints that list */
    const char *b = dlq_raw, *e = dlq_raw + strlen(dlq_raw);
    while ((unsigned char)*b <= ' ') b++;
    while ((unsigned char)e[-1] <= ' ') e--;
    size_t dlq_len = (size_t)(e - b);
    const char *list = cd_config_result_value(r, "topics");
    if (!list) return;
    size_t cap = strlen(list) * 2 + 3, len = 0;
    char *shown = calloc(1, cap);
    if (!shown) abort();
    bool found = false;
    shown[len++] = '[';
    for (const char *it = list;;) {
        const char *comma = strchr(it, ',');
        size_t n = comma ? (size_t)(comma - it) : strlen(it);
        bool dup = false;
        if (n) {
            for (const char *prev = list; prev < it && !dup;) {
                const char *pc = strchr(prev, ',');
                size_t pn = (size_t)(pc - prev);
                dup = pn == n && !memcmp(prev, it, n);
                prev = pc + 1;
            }
        }
        if (n && !dup) {
            if (len > 1) len += (size_t)snprintf(shown + len, cap - len, ", ");
            memcpy(shown + len, it, n);
            len += n;
            found = found || (n == dlq_len && !memcmp(it, b, n));
        }
        if (!comma) break;
        it = comma + 1;
    }
    shown[len++] = ']';
    shown[len] = '\0';
    if (found)
        cd_config_result_add_error(
            r, "topics",
            "The DLQ topic '%.*s' may not be included in the list of topics ('topics=%s') "
            "consumed by the connector",
            (int)dlq_len, b, shown);
    free(shown);
}

/* ---- Kafka 4.1's enriched definitions ----------------------------------------------------- */

static bool known_in(const char *const *classes, const char *cls) {
    for (const char *const *c = classes; cls && *c; c++)
        if (!strcmp(*c, cls)) return true;
    return false;
}


/* ConnectorConfig.converterDefaults: the worker's converter is the default (null without a
 * connector class); its version is that of the connector's own converter class when the config
 * names one, else the worker's *.plugin.version, else the worker converter's version. */
static void converter_default(cd_config_key_t *type_key, cd_config_key_t *version_key, const cd_props_t *config,
                              const char *worker_class, const char *worker_version) {
    const char *const *classes = strncmp(type_key->name, "header.", 7) ? cd_converter_classes
                                                                        : cd_header_converter_classes;
    const char *own = cd_props_get(config, type_key->name);
    if (!cd_props_get(config, "connector.class") || (!own && !worker_class)) return;
    type_key->default_value = worker_class;
    if (own)
        version_key->default_value = known_in(classes, own) ? CONNECTD_KAFKA_CONNECT_VERSION : NULL;
    else
        version_key->default_value = worker_version ? worker_version
                                     : known_in(classes, worker_class) ? CONNECTD_KAFKA_CONNECT_VERSION
                                                                     : NULL;
}

/* The framework's definitions as ConnectorConfig.enrichedConfigDef makes them for a plugin:
 * connector.plugin.version defaults to the plugin's version; with w (validation on a worker), the
 * converters default to the worker's. A malloc'ed copy; *n its length. */
static cd_config_key_t *enriched_base(const cd_connector_plugin_t *plugin, const cd_props_t *config,
                                      const cd_worker_converters_t *w, size_t *n) {
    const cd_config_def_t *base = cd_connector_base_def(plugin->type);
    cd_config_key_t *k = xmalloc(base->n_keys * sizeof(*k));
    memcpy(k, base->keys, base->n_keys * sizeof(*k));
    *n = base->n_keys;
    cd_config_key_t *key[3] = {NULL}, *ver[3] = {NULL};
    static const char *const names[3] = {"key.converter", "value.converter", "header.converter"};
    for (size_t i = 0; i < *n; i++) {
        if (!strcmp(k[i].name, "connector.plugin.version")) k[i].default_value = plugin->version;
        for (int c = 0; c < 3; c++) {
            if (!strncmp(k[i].name, names[c], strlen(names[c]))) {
                if (!k[i].name[strlen(names[c])]) key[c] = &k[i];
                else if (!strcmp(k[i].name + strlen(names[c]), ".plugin.version")) ver[c] = &k[i];
            }
        }
    }
    if (w && config) {
        converter_default(key[0], ver[0], config, w->key_converter, w->key_version);
        converter_default(key[1], ver[1], config, w->value_converter, w->value_version);
        converter_default(key[2], ver[2], config, w->header_converter, w->header_version);
    }
    return k;
}

/* The recommenders of Kafka 4.1's PluginsRecommenders, from what connectd has: the connector's
 * version, its converter classes (sorted by class name, as Kafka's plugin sets are), and a
 * converter's version when the class in the key (or its default) is one of them. */
static void recommend(cd_config_result_t *r, const cd_connector_plugin_t *plugin, bool converters) {
    if (plugin->version) cd_config_result_set_recommended(r, "connector.plugin.version", &plugin->version, 1);
    if (!converters) return;
    static const char *const names[3][2] = {{"key.converter", "key.converter.plugin.version"},
                                            {"value.converter", "value.converter.plugin.version"},
                                            {"header.converter", "header.converter.plugin.version"}};
    static const char *const version[] = {CONNECTD_KAFKA_CONNECT_VERSION};
    for (int c = 0; c < 3; c++) {
        const char *const *classes = c < 2 ? cd_converter_classes : cd_header_converter_classes;
        size_t n = 0;
        while (classes[n]) n++;
        const char **sorted = xmalloc((n ? n : 1) * sizeof(*sorted));
        memcpy(sorted, classes, n * sizeof(*sorted));
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && strcmp(sorted[j - 1], sorted[j]) > 0; j--) {
                const char *t = sorted[j];
                sorted[j] = sorted[j - 1], sorted[j - 1] = t;
            }
        cd_config_result_set_recommended(r, names[c][0], sorted, n);
        const char *cls = cd_config_result_value(r, names[c][0]);
        /* the version recommender hides the version of a converter class it cannot load */
        cd_config_result_set_recommended(r, names[c][1], version, known_in(classes, cls) ? 1 : 0);
        cd_config_result_set_visible(r, names[c][1], known_in(classes, cls));
        free(sorted);
    }
}

/* KIP-891's PluginVersionValidator on the converters' versions: a version range must parse. */
static void converter_version_checks(cd_config_result_t *r, const cd_props_t *config) {
    static const char *const keys[] = {"key.converter.plugin.version", "value.converter.plugin.version",
                                       "header.converter.plugin.version"};
    for (size_t i = 0; i < 3; i++) {
        char err[512];
        const char *v = cd_props_get(config, keys[i]);
        if (v && cd_plugin_version_check("", NULL, v, err, sizeof(err)) == -1)
            cd_config_result_add_error(r, keys[i], "%s", err);
    }
}

cd_config_result_t *cd_connector_config_validate(const cd_connector_plugin_t *plugin,
                                                 const cd_props_t *config) {
    return cd_connector_config_validate_worker(plugin, config, NULL);
}

cd_config_result_t *cd_connector_config_validate_worker(const cd_connector_plugin_t *plugin, const cd_props_t *config,
                                                        const cd_worker_converters_t *w) {
    size_t n_base;
    cd_config_key_t *base_keys = enriched_base(plugin, config, w, &n_base);
    const cd_config_def_t base_def = {base_keys, n_base}, *base = &base_def;
    const cd_config_def_t *own = &plugin->config_def;

    /* AbstractHerder keeps the base keys' order, lets the plugin's definition of a key replace the
     * base one (configKeys.putAll), and appends the plugin's other keys; the aliases' keys of
     * transforms and predicates come between the two (ConnectorConfig.enrich). */
    size_t n_own = own->keys ? own->n_keys : 0;
    cd_config_key_t *merged = malloc((base->n_keys + n_own + 1) * sizeof(*merged));
    if (!merged) abort();
    size_t n = 0;
    for (size_t i = 0; i < base->n_keys; i++) {
        const cd_config_key_t *mine = n_own ? def_find(own, base->keys[i].name) : NULL;
        merged[n++] = mine ? *mine : base->keys[i];
    }
    char **owned = NULL;
    size_t n_owned = 0;
    cd_xf_enrich(config, &merged, &n, &owned, &n_owned);
    merged = xrealloc(merged, (n + n_own + 1) * sizeof(*merged));
    for (size_t i = 0; i < n_own; i++)
        if (!def_find(base, own->keys[i].name)) merged[n++] = own->keys[i];
    cd_config_def_t def = {merged, n};
    const cd_config_def_t *defs[] = {&def};

    cd_config_result_t *r = cd_config_validate_keys(defs, 1, config);
    for (size_t i = 0; i < n_owned; i++) cd_config_result_adopt(r, owned[i]);
    free(owned);
    free(merged); /* the result keeps copies of the keys, whose strings are static or adopted */
    free(base_keys);

    base_checks(r, plugin, config);
    converter_version_checks(r, config);
    cd_xf_validate(r, config);
    if (plugin->type == CD_CONNECTOR_SINK) sink_checks(r, config);
    cd_config_result_add_null_errors(r, config);
    recommend(r, plugin, w != NULL);
    if (plugin->validates_own_keys) {
        for (size_t i = 0; i < n_own; i++) {
            if (def_find(cd_connector_base_def(plugin->type), own->keys[i].name)) continue;
            cd_config_result_clear_errors(r, own->keys[i].name);
            cd_config_result_set_value(r, own->keys[i].name, NULL);
            /* a null stays refused: the hook cannot tell null from absent */
            if (cd_props_has(config, own->keys[i].name) && !cd_props_get(config, own->keys[i].name))
                cd_config_result_add_error(r, own->keys[i].name,
                                           "Null value can not be supplied as the configuration value.");
        }
    }
    if (plugin->validate) plugin->validate(config, r);
    return r;
}

json_object *cd_connector_plugin_config_json(const cd_connector_plugin_t *plugin) {
    size_t n_base;
    cd_config_key_t *base_keys = enriched_base(plugin, NULL, NULL, &n_base);
    const cd_config_def_t base = {base_keys, n_base};
    const cd_config_def_t *defs[] = {&plugin->config_def, &base};
    json_object *o = cd_config_def_to_json(defs, 2);
    free(base_keys);
    return o;
}
