/* transforms_outbox.c - Debezium 3.4.3's outbox event router, io.debezium.transforms.outbox.EventRouter
 * (EventRouterDelegate): a change event of an outbox table becomes the event it holds, on the
 * topic its route.by.field column names, keyed by its event key, with the event id (and chosen
 * columns) as headers or envelope fields; the same options, records, schema caches and exception
 * texts. The JSON payload expansion is transforms_outbox_json.c. */
#include "connect/java_string.h"
#include "connect/transforms.h"
#include "connect/transforms_family.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "connect/converter.h"
#include "connect/java_regex.h"
#include "connect/java_util.h"
#include "connect/json_write.h"
#include "connect/transforms_outbox.h"
#include "connect/values.h"
#include "xalloc.h"

#define DEBEZIUM_VERSION "3.4.3.Final"
#define ENVELOPE_PAYLOAD "payload"
#define CONFIG_EXCEPTION "org.apache.kafka.common.config.ConfigException: "
#define NPE "java.lang.NullPointerException: "
#define CONNECT_EXCEPTION "org.apache.kafka.connect.errors.ConnectException: "
#define SCHEMA_BUILDER_EXCEPTION "org.apache.kafka.connect.errors.SchemaBuilderException: "
/* Debezium's BoundedConcurrentHashMap of value schemas holds 10000; connectd keeps as many and
 * past that builds a record's schema without caching it (see README). */
#define CACHE_CAP 10000

/* EventRouterConfigDefinition.configDef(): Field.group(config, group, fields) defines each key in
 * its group at its position there, without validator or recommender. */
#define OB(nm, ty, dflt, imp, disp, grp, ord, doc)                                                            \
    {.name = nm, .type = ty, .has_default = true, .default_value = dflt, .importance = imp, .documentation = doc, \
     .group = grp, .order = ord, .width = CD_WIDTH_MEDIUM, .display_name = disp}

static const cd_config_key_t OUTBOX_KEYS[] = {
    OB("table.field.event.id", CD_CFG_STRING, "id", CD_IMPORTANCE_LOW, "Event ID Field", "Table", 1,
       "The column which contains the event ID within the outbox table"),
    OB("table.field.event.key", CD_CFG_STRING, "aggregateid", CD_IMPORTANCE_LOW, "Event Key Field", "Table", 2,
       "The column which contains the event key within the outbox table"),
    OB("table.field.event.type", CD_CFG_STRING, "type", CD_IMPORTANCE_LOW, "Event Type Field", "Table", 3,
       "The column which contains the event type within the outbox table"),
    OB("table.field.event.payload", CD_CFG_STRING, "payload", CD_IMPORTANCE_LOW, "Event Payload Field", "Table", 4,
       "The column which contains the event payload within the outbox table"),
    OB("table.field.event.timestamp", CD_CFG_STRING, NULL, CD_IMPORTANCE_MEDIUM, "Event Timestamp Field", "Table", 5,
       "Optionally you can override the Kafka message timestamp with a value from a chosen column, otherwise "
       "it'll be the Debezium event processed timestamp."),
    OB("table.fields.additional.placement", CD_CFG_LIST, NULL, CD_IMPORTANCE_HIGH,
       "Settings for each additional column in the outbox table", "Table", 6,
       "Extra fields can be added as part of the event envelope or a message header, format is a list of "
       "colon-delimited pairs or trios when you desire to have aliases, e.g. "
       "<code>id:header,field_name:envelope:alias,field_name:partition</code> "),
    OB("table.fields.additional.error.on.missing", CD_CFG_BOOLEAN, "true", CD_IMPORTANCE_MEDIUM,
       "Should the transform error if an additional field is missing in the change data", "Table", 7,
       "When transforming the 'table.fields.additional.placement' fields, should the transform throw an exception "
       "if one of the fields is missing in the change data"),
    OB("table.field.event.schema.version", CD_CFG_STRING, NULL, CD_IMPORTANCE_LOW, "Event Schema Version Field",
       "Table", 8, "The column which contains the event schema version within the outbox table"),
    OB("table.op.invalid.behavior", CD_CFG_STRING, "warn", CD_IMPORTANCE_MEDIUM,
       "Behavior when capturing an unexpected outbox event", "Table", 9,
       "While Debezium is capturing changes from the outbox table, it is expecting only to process 'create' or "
       "'delete' row events; in case something else is processed this transform can log it as warning, error or "
       "stop the process."),
    OB("table.expand.json.payload", CD_CFG_BOOLEAN, "false", CD_IMPORTANCE_MEDIUM,
       "Expand Payload escaped string as real JSON", "Table", 10,
       "Whether or not to try unescaping a JSON string and make it real JSON. It will infer schema information "
       "from payload and update the record schema accordingly. If content is not JSON, it just produces a warning "
       "and emits the record unchanged"),
    OB("table.json.payload.null.behavior", CD_CFG_STRING, "ignore", CD_IMPORTANCE_MEDIUM,
       "Behavior when json payload including null value", "Table", 11,
       "Behavior when json payload including null value, the default will ignore null, optional_bytes will keep "
       "the null value, and treat null as optional bytes of connect."),
    OB("route.by.field", CD_CFG_STRING, "aggregatetype", CD_IMPORTANCE_HIGH, "Field to route events by", "Router", 1,
       "The column which determines how the events will be routed, the value will become part of the topic "
       "name"),
    OB("route.topic.regex", CD_CFG_STRING, "(?<routedByValue>.*)", CD_IMPORTANCE_LOW, "The name of the routed topic",
       "Router", 2,
       "The default regex to use within the RegexRouter, the default capture will allow to replace the routed "
       "field into a new topic name defined in 'route.topic.replacement'"),
    OB("route.topic.replacement", CD_CFG_STRING, "outbox.event.${routedByValue}", CD_IMPORTANCE_HIGH,
       "The name of the routed topic", "Router", 3,
       "The name of the topic in which the events will be routed, a replacement '${routedByValue}' is available "
       "which is the value of The column configured via 'route.by.field'"),
    OB("route.tombstone.on.empty.payload", CD_CFG_BOOLEAN, "false", CD_IMPORTANCE_HIGH,
       "Empty payloads cause a tombstone message", "Router", 4,
       "Whether or not an empty payload should cause a tombstone event."),
    /* ActivateTracingSpan's: they only act with OpenTelemetry on the worker's class path, which
     * Debezium's PostgreSQL connector does not ship (README) */
    OB("tracing.span.context.field", CD_CFG_STRING, "tracingspancontext", CD_IMPORTANCE_HIGH,
       "Serialized tracing span context field", "Tracing", 1,
       "The name of the field containing java.util.Properties representation of serialized span context. "
       "Defaults to 'tracingspancontext'"),
    OB("tracing.operation.name", CD_CFG_STRING, "debezium-read", CD_IMPORTANCE_HIGH, "Tracing operation name",
       "Tracing", 2, "The operation name representing Debezium processing span. Default is 'debezium-read'"),
    OB("tracing.with.context.field.only", CD_CFG_BOOLEAN, "false", CD_IMPORTANCE_HIGH,
       "Trace only events with context field present", "Tracing", 3,
       "Set to `true` when only events that have serialized context field should be traced."),
};

/* EventRouterConfigDefinition.CONFIG_FIELDS: what configure() validates, in this order. */
static const char *const CONFIG_FIELDS[] = {
    "table.field.event.id", "table.field.event.key", "table.field.event.type", "table.field.event.payload",
    "table.field.event.timestamp", "table.fields.additional.placement", "table.fields.additional.error.on.missing",
    "table.field.event.schema.version", "route.by.field", "route.topic.regex", "route.topic.replacement",
    "route.tombstone.on.empty.payload", "table.op.invalid.behavior", "table.expand.json.payload",
    "table.json.payload.null.behavior"};
#define N_CONFIG_FIELDS (sizeof(CONFIG_FIELDS) / sizeof(CONFIG_FIELDS[0]))

typedef enum { OP_WARN, OP_ERROR, OP_FATAL } op_behavior_t;
static const char *const OP_NAMES[] = {"warn", "error", "fatal"};
static const char *const NULL_NAMES[] = {"ignore", "optional_bytes"};

typedef enum { PL_NONE, PL_HEADER, PL_ENVELOPE, PL_PARTITION } placement_t; /* PL_NONE: a name parse() knows not */

typedef struct {
    placement_t placement;
    char *field, *alias;
} extra_t;

/* A value schema Debezium's cache (payload schema -> value schema) or version map holds. */
typedef struct entry {
    const cd_schema_t *payload; /* the key: a copy */
    bool has_version;
    int32_t version;
    const cd_schema_t *value; /* with a cache_id */
    uint64_t hash;
    struct entry *next;
} entry_t;

#define BUCKETS 1024

typedef struct {
    op_behavior_t op_behavior;
    bool expand, optional_bytes, tombstone_on_empty, error_on_missing, only_headers;
    char *f_id, *f_key, *f_payload, *f_ts, *f_version, *route_by, *replacement;
    extra_t *extras;
    size_t n_extras;
    java_regex_t *re;
    cd_arena_t *cache_arena; /* the entries and the schemas they hold */
    entry_t *buckets[BUCKETS];
    size_t n_entries;
} outbox_t;

/* ---- configure() ------------------------------------------------------------------------------ */

/* Configuration.getString(field): the setting as given, else the field's default. */
static const char *setting(const cd_props_t *c, const char *key) {
    const char *v = cd_props_get(c, key);
    if (v) return v;
    for (size_t i = 0; i < sizeof(OUTBOX_KEYS) / sizeof(OUTBOX_KEYS[0]); i++)
        if (!strcmp(OUTBOX_KEYS[i].name, key)) return OUTBOX_KEYS[i].default_value;
    return NULL;
}

/* Java's String.trim() into buf (which holds len + 1). */
static char *java_trim(const char *s, char *buf, size_t size) {
    while (*s && (unsigned char)*s <= ' ') s++;
    size_t n = strlen(s);
    while (n && (unsigned char)s[n - 1] <= ' ') n--;
    if (n >= size) n = size - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

/* EnumeratedValue.parse: trimmed, case-insensitive; -1 for none. */
static int parse_enum(const char *v, const char *const *names, int n) {
    if (!v) return -1;
    char buf[64];
    if (strlen(v) >= sizeof(buf)) return -1;
    java_trim(v, buf, sizeof(buf));
    for (int i = 0; i < n; i++)
        if (!strcasecmp(buf, names[i])) return i;
    return -1;
}

/* Java's String.split(literal) of one character: trailing empty pieces dropped (no separator at
 * all gives the whole string). Pieces are malloc'ed with the array (one free). */
static size_t java_split(const char *s, char sep, char ***out) {
    size_t len = strlen(s), n = 1;
    for (const char *p = s; *p; p++) n += *p == sep;
    char **pieces = xmalloc(n * sizeof(char *) + len + 1);
    char *text = (char *)(pieces + n);
    memcpy(text, s, len + 1);
    size_t k = 0;
    for (char *start = text, *p = text;; p++)
        if (*p == sep || !*p) {
            bool end = !*p;
            *p = '\0';
            pieces[k++] = start;
            start = p + 1;
            if (end) break;
        }
    if (n > 1)
        while (k && !*pieces[k - 1]) k--;
    *out = pieces;
    return k;
}

/* One field's validation problem (Field.validate: its type's validator, then its own), or NULL. */
static const char *problem(const cd_props_t *c, const char *name, char *buf, size_t size) {
    const cd_config_key_t *key = NULL;
    for (size_t i = 0; i < sizeof(OUTBOX_KEYS) / sizeof(OUTBOX_KEYS[0]); i++)
        if (!strcmp(OUTBOX_KEYS[i].name, name)) key = &OUTBOX_KEYS[i];
    const char *v = setting(c, name);
    if (key->type == CD_CFG_BOOLEAN) {
        char t[64];
        if (!v || (strlen(v) < sizeof(t) && (java_trim(v, t, sizeof(t)), !strcasecmp(t, "true") || !strcasecmp(t, "false"))))
            return NULL;
        return "Either 'true' or 'false' is expected";
    }
    if (!strcmp(name, "table.op.invalid.behavior") || !strcmp(name, "table.json.payload.null.behavior")) {
        /* EnumRecommender: the literals in the order of the HashSet that holds them */
        bool op = name[0] == 't' && name[6] == 'o';
        const char *const *names = op ? OP_NAMES : NULL_NAMES;
        size_t n = op ? 3 : 2, order[3];
        char lower[64];
        if (v && strlen(v) < sizeof(lower)) {
            java_trim(v, lower, sizeof(lower));
            for (char *p = lower; *p; p++) *p = (char)tolower((unsigned char)*p);
            for (size_t i = 0; i < n; i++)
                if (!strcmp(lower, names[i])) return NULL;
        }
        ju_hashmap_order(names, n, 16, order);
        snprintf(buf, size, "Value must be one of %s", names[order[0]]);
        for (size_t i = 1; i < n; i++) snprintf(buf + strlen(buf), size - strlen(buf), ", %s", names[order[i]]);
        return buf;
    }
    if (!strcmp(name, "table.fields.additional.placement")) {
        const char *raw = cd_props_get(c, name); /* getStrings: the setting, no default */
        if (!raw) return NULL;
        char **maps;
        size_t n = java_split(raw, ',', &maps);
        bool bad = false;
        for (size_t i = 0; i < n && !bad; i++) {
            char **parts;
            size_t np = java_split(maps[i], ':', &parts);
            bad = np != 2 && np != 3;
            free(parts);
        }
        if (bad) {
            snprintf(buf, size, "A comma-separated list of valid String pairs or trios is expected but got: [");
            for (size_t i = 0; i < n; i++)
                snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? ", " : "", maps[i]);
            snprintf(buf + strlen(buf), size - strlen(buf), "]");
        }
        free(maps);
        return bad ? buf : NULL;
    }
    if (!strcmp(name, "route.topic.regex") && v) {
        char msg[1024];
        java_regex_t *re = java_regex_new(v, JAVA_REGEX_CASE_INSENSITIVE, msg, sizeof(msg));
        if (re) {
            java_regex_free(re);
            return NULL;
        }
        snprintf(buf, size, "A valid regular expressions is expected, but %s", msg);
        return buf;
    }
    return NULL;
}

static void outbox_destroy(void *self) {
    outbox_t *x = self;
    if (!x) return;
    free(x->f_id), free(x->f_key), free(x->f_payload), free(x->f_ts), free(x->f_version), free(x->route_by);
    free(x->replacement);
    for (size_t i = 0; i < x->n_extras; i++) free(x->extras[i].field), free(x->extras[i].alias);
    free(x->extras);
    if (x->re) java_regex_free(x->re);
    if (x->cache_arena) cd_arena_destroy(x->cache_arena);
    free(x);
}

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

static void *outbox_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    (void)opts;
    /* SmtManager.validate: the first field with a problem in the order of the HashMap the
     * results are collected in */
    size_t order[N_CONFIG_FIELDS];
    ju_hashmap_order(CONFIG_FIELDS, N_CONFIG_FIELDS, 16, order);
    for (size_t i = 0; i < N_CONFIG_FIELDS; i++) {
        const char *name = CONFIG_FIELDS[order[i]];
        char buf[2048];
        const char *p = problem(c, name, buf, sizeof(buf));
        if (p) {
            const char *raw = cd_props_get(c, name);
            snprintf(errstr, errstr_size,
                     CONFIG_EXCEPTION "Invalid value %s for configuration %s: The '%s' value is invalid: %s",
                     raw ? raw : "null", name, name, p);
            return NULL;
        }
    }
    outbox_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->op_behavior = (op_behavior_t)parse_enum(setting(c, "table.op.invalid.behavior"), OP_NAMES, 3);
    x->optional_bytes = parse_enum(setting(c, "table.json.payload.null.behavior"), NULL_NAMES, 2) == 1;
    x->expand = cd_xf_bool(c, "table.expand.json.payload", false);
    if (x->expand) {
        static const char *const MODES[] = {"none", "avro", "avro_unicode"};
        const char *raw = cd_props_get(c, "field.name.adjustment.mode");
        int mode = parse_enum(raw ? raw : "none", MODES, 3);
        if (mode < 0) {
            snprintf(errstr, errstr_size,
                     NPE "Cannot invoke \"io.debezium.config.CommonConnectorConfig$FieldNameAdjustmentMode."
                         "createAdjuster()\" because \"fieldNameAdjustmentMode\" is null");
            outbox_destroy(x);
            return NULL;
        }
        if (mode > 0) {
            snprintf(errstr, errstr_size,
                     "connectd does not implement field.name.adjustment.mode=%s for the outbox event router's "
                     "table.expand.json.payload (Debezium's avro adjusters keep JVM-wide state): remove it (none, "
                     "the default, keeps the JSON names)",
                     MODES[mode]);
            outbox_destroy(x);
            return NULL;
        }
    }
    x->f_id = dup_or_null(setting(c, "table.field.event.id"));
    x->f_key = dup_or_null(setting(c, "table.field.event.key"));
    x->f_ts = dup_or_null(setting(c, "table.field.event.timestamp"));
    x->f_payload = dup_or_null(setting(c, "table.field.event.payload"));
    x->route_by = dup_or_null(setting(c, "route.by.field"));
    x->f_version = dup_or_null(setting(c, "table.field.event.schema.version"));
    x->tombstone_on_empty = cd_xf_bool(c, "route.tombstone.on.empty.payload", false);
    /* the RegexRouter it delegates to */
    char *regex = ju_trim(setting(c, "route.topic.regex"));
    char msg[1024];
    x->re = java_regex_new(regex, 0, msg, sizeof(msg));
    if (!x->re) {
        snprintf(errstr, errstr_size, CONFIG_EXCEPTION "Invalid value %s for configuration regex: Invalid regex: %s",
                 regex, msg);
        free(regex);
        outbox_destroy(x);
        return NULL;
    }
    free(regex);
    x->replacement = ju_trim(setting(c, "route.topic.replacement"));
    const char *placement = cd_props_get(c, "table.fields.additional.placement");
    if (placement) {
        static const char *const PLACEMENTS[] = {"header", "envelope", "partition"};
        char **maps;
        size_t n = java_split(placement, ',', &maps);
        x->extras = calloc(n ? n : 1, sizeof(*x->extras));
        if (!x->extras) abort();
        for (size_t i = 0; i < n; i++) {
            char **parts;
            size_t np = java_split(maps[i], ':', &parts);
            extra_t *e = &x->extras[x->n_extras++];
            e->field = ju_trim(parts[0]);
            e->placement = (placement_t)(parse_enum(parts[1], PLACEMENTS, 3) + 1);
            e->alias = np == 3 ? ju_trim(parts[2]) : xstrdup(e->field);
            free(parts);
        }
        free(maps);
    }
    x->error_on_missing = cd_xf_bool(c, "table.fields.additional.error.on.missing", true);
    x->only_headers = true;
    for (size_t i = 0; i < x->n_extras; i++)
        if (x->extras[i].placement == PL_ENVELOPE) x->only_headers = false;
    x->cache_arena = cd_arena_new();
    return x;
}

/* ---- Connect's Struct and ConnectSchema checks ------------------------------------------------ */

static int field_or_fail(const cd_schema_t *s, const char *name, char *errstr, size_t errstr_size) {
    int i = cd_xf_field_index(s, name);
    if (i < 0) snprintf(errstr, errstr_size, "%s is not a valid field name", name);
    return i;
}

/* Struct.get(name): the value, or the field's default for a null. NULL on a missing field. */
static const cd_value_t *struct_get(const cd_schema_t *s, const cd_value_t *v, const char *name, int *index,
                                    char *errstr, size_t errstr_size) {
    int i = field_or_fail(s, name, errstr, errstr_size);
    if (index) *index = i;
    return i < 0 ? NULL : cd_xf_field_value(s, v, (size_t)i, true);
}

/* Struct.getString / getInt32 / getInt64: the type checked, the value as it is (no default). */
static const cd_value_t *struct_get_typed(const cd_schema_t *s, const cd_value_t *v, const char *name, cd_type_t t,
                                          char *errstr, size_t errstr_size) {
    int i = field_or_fail(s, name, errstr, errstr_size);
    if (i < 0) return NULL;
    if (s->fields[i].schema->type != t) {
        snprintf(errstr, errstr_size, "Field '%s' is not of type %s", name, cd_converter_type_name(t));
        return NULL;
    }
    return &v->u.strct.fields[i];
}

static const char *logical_class(const char *name) {
    if (!name) return NULL;
    if (!strcmp(name, CD_LOGICAL_DECIMAL)) return "java.math.BigDecimal";
    if (!strcmp(name, CD_LOGICAL_DATE) || !strcmp(name, CD_LOGICAL_TIME) || !strcmp(name, CD_LOGICAL_TIMESTAMP))
        return "java.util.Date";
    return NULL;
}

/* Whether ConnectSchema.expectedClassesFor(target) has the class of a value of Java class cls. */
static bool class_fits(const cd_schema_t *target, const char *cls) {
    const char *logical = logical_class(target->name);
    if (logical) return !strcmp(cls, logical);
    switch (target->type) {
    case CD_TYPE_ARRAY: return !strcmp(cls, "java.util.ArrayList");
    case CD_TYPE_MAP: return !strcmp(cls, "java.util.HashMap");
    case CD_TYPE_BYTES: return !strcmp(cls, "[B");
    default: return !strcmp(cls, cd_xf_java_class(target, &(cd_value_t){.type = target->type}));
    }
}

/* ConnectSchema.validateValue(location, target, v), v built under its own schema `own` (NULL:
 * schemaless). */
static int validate(const char *location, const cd_schema_t *target, const cd_schema_t *own, const cd_value_t *v,
                    char *errstr, size_t errstr_size) {
    if (target == own || ob_schema_equal(target, own)) return 0; /* built for this very schema */
    if (!v || v->is_null) {
        if (target->optional) return 0;
        snprintf(errstr, errstr_size, "Invalid value: null used for required %s, schema type: %s", location,
                 cd_converter_type_name(target->type));
        return -1;
    }
    const char *cls = cd_xf_java_class(own, v);
    if (!class_fits(target, cls)) {
        snprintf(errstr, errstr_size, "Invalid Java object for schema%s%s%s with type %s: class %s for %s",
                 target->name ? " \"" : "", target->name ? target->name : "", target->name ? "\"" : "",
                 cd_converter_type_name(target->type), cls, location);
        return -1;
    }
    char sub[1024];
    switch (target->type) {
    case CD_TYPE_STRUCT:
        snprintf(errstr, errstr_size, "Struct schemas do not match.");
        return -1;
    case CD_TYPE_ARRAY:
        snprintf(sub, sizeof(sub), "element of array %s", location);
        for (size_t i = 0; i < v->u.array.n; i++)
            if (validate(sub, target->value_schema, own ? own->value_schema : NULL, &v->u.array.items[i], errstr,
                         errstr_size))
                return -1;
        return 0;
    case CD_TYPE_MAP:
        for (size_t i = 0; i < v->u.map.n; i++) {
            snprintf(sub, sizeof(sub), "key of map %s", location);
            if (validate(sub, target->key_schema, own ? own->key_schema : NULL, &v->u.map.keys[i], errstr, errstr_size))
                return -1;
            snprintf(sub, sizeof(sub), "value of map %s", location);
            if (validate(sub, target->value_schema, own ? own->value_schema : NULL, &v->u.map.values[i], errstr,
                         errstr_size))
                return -1;
        }
        return 0;
    default: return 0;
    }
}

/* Struct.put(name, v): the check, with the location Kafka names. */
static int put_check(const char *field, const cd_schema_t *target, const cd_schema_t *own, const cd_value_t *v,
                     char *errstr, size_t errstr_size) {
    char location[512];
    snprintf(location, sizeof(location), "field: \"%s\"", field);
    return validate(location, target, own, v, errstr, errstr_size);
}

/* ConnectHeaders.add(key, value, schema), rendered as SimpleHeaderConverter writes it. */
static void add_header(cd_header_t *h, size_t *n, const char *key, const cd_schema_t *s, const cd_value_t *v,
                       cd_arena_t *arena) {
    cd_header_t *out = &h[(*n)++];
    out->key = key;
    out->value = NULL, out->value_len = 0;
    if (!v || v->is_null) return;
    cd_buf_t b = {0};
    char err[256]; /* only a schemaless struct cannot be rendered: outbox fields have schemas */
    if (cd_values_to_string(&b, s, v, err, sizeof(err))) b.len = 0;
    out->value = cd_arena_strndup(arena, b.data ? b.data : "", b.len);
    out->value_len = b.len;
    cd_buf_free(&b);
}

/* ---- the value schema caches ------------------------------------------------------------------ */

static cd_value_t *copy_value(cd_arena_t *a, const cd_schema_t *s, const cd_value_t *v);

/* A deep copy into the cache's memory (the record's schemas go when the record does). */
static const cd_schema_t *copy_schema(cd_arena_t *a, const cd_schema_t *s) {
    if (!s) return NULL;
    cd_schema_t *c = cd_arena_alloc(a, sizeof(*c));
    *c = *s;
    c->name = s->name ? cd_arena_strndup(a, s->name, strlen(s->name)) : NULL;
    c->doc = s->doc ? cd_arena_strndup(a, s->doc, strlen(s->doc)) : NULL;
    if (s->n_params) {
        cd_param_t *p = cd_arena_alloc(a, s->n_params * sizeof(*p));
        for (size_t i = 0; i < s->n_params; i++)
            p[i] = (cd_param_t){cd_arena_strndup(a, s->params[i].key, strlen(s->params[i].key)),
                                s->params[i].value
                                    ? cd_arena_strndup(a, s->params[i].value, strlen(s->params[i].value))
                                    : NULL};
        c->params = p;
    }
    if (s->n_fields) {
        cd_field_t *f = cd_arena_alloc(a, s->n_fields * sizeof(*f));
        for (size_t i = 0; i < s->n_fields; i++)
            f[i] = (cd_field_t){cd_arena_strndup(a, s->fields[i].name, strlen(s->fields[i].name)),
                                copy_schema(a, s->fields[i].schema)};
        c->fields = f;
    }
    c->key_schema = copy_schema(a, s->key_schema);
    c->value_schema = copy_schema(a, s->value_schema);
    c->default_value = s->default_value ? copy_value(a, s, s->default_value) : NULL;
    return c;
}

static cd_value_t *copy_value(cd_arena_t *a, const cd_schema_t *s, const cd_value_t *v) {
    cd_value_t *c = cd_arena_alloc(a, sizeof(*c));
    *c = *v;
    if (v->is_null) return c;
    switch (s ? s->type : v->type) {
    case CD_TYPE_STRING:
    case CD_TYPE_BYTES: c->u.str.ptr = cd_arena_strndup(a, v->u.str.ptr, v->u.str.len); break;
    case CD_TYPE_ARRAY: {
        cd_value_t *items = cd_arena_alloc(a, (v->u.array.n ? v->u.array.n : 1) * sizeof(*items));
        for (size_t i = 0; i < v->u.array.n; i++)
            items[i] = *copy_value(a, s ? s->value_schema : NULL, &v->u.array.items[i]);
        c->u.array.items = items;
        break;
    }
    case CD_TYPE_MAP: {
        size_t n = v->u.map.n ? v->u.map.n : 1;
        cd_value_t *k = cd_arena_alloc(a, n * sizeof(*k)), *vv = cd_arena_alloc(a, n * sizeof(*vv));
        for (size_t i = 0; i < v->u.map.n; i++) {
            k[i] = *copy_value(a, s ? s->key_schema : NULL, &v->u.map.keys[i]);
            vv[i] = *copy_value(a, s ? s->value_schema : NULL, &v->u.map.values[i]);
        }
        c->u.map.keys = k, c->u.map.values = vv;
        break;
    }
    case CD_TYPE_STRUCT: {
        cd_value_t *f = cd_arena_alloc(a, (v->u.strct.n ? v->u.strct.n : 1) * sizeof(*f));
        for (size_t i = 0; i < v->u.strct.n; i++)
            f[i] = *copy_value(a, s ? s->fields[i].schema : NULL, &v->u.strct.fields[i]);
        c->u.strct.fields = f;
        break;
    }
    default: break;
    }
    return c;
}

static entry_t *cache_find(outbox_t *x, const cd_schema_t *payload, bool versioned, bool has_version,
                           int32_t version, uint64_t *hash) {
    *hash = versioned ? (has_version ? (uint64_t)(uint32_t)version * 2654435761u + 1 : 0) : ob_schema_hash(payload);
    for (entry_t *e = x->buckets[*hash % BUCKETS]; e; e = e->next) {
        if (e->hash != *hash) continue;
        if (versioned ? (e->payload == NULL && e->has_version == has_version && e->version == version)
                      : (e->payload && ob_schema_equal(e->payload, payload)))
            return e;
    }
    return NULL;
}

/* getSchemaName: the event's schema name with the routed value before its last part. */
static const char *schema_name(cd_arena_t *a, const cd_schema_t *event, const char *routed) {
    const char *orig = event->name;
    if (!orig) return cd_arena_strndup(a, routed, strlen(routed));
    const char *dot = strrchr(orig, '.');
    size_t n = strlen(orig) + strlen(routed) + 2;
    char *s = cd_arena_alloc(a, n);
    if (dot) snprintf(s, n, "%.*s%s.%s", (int)(dot - orig + 1), orig, routed, dot + 1);
    else snprintf(s, n, "%s.%s", routed, orig);
    return s;
}

/* getSchemaBuilder(...).build(): { payload, the envelope fields }, named after the routed value. */
static cd_schema_t *build_value_schema(outbox_t *x, cd_arena_t *a, const cd_schema_t *payload,
                                       const cd_schema_t *event, const char *routed, char *errstr, size_t errstr_size) {
    cd_field_t *f = cd_arena_alloc(a, (x->n_extras + 1) * sizeof(*f));
    size_t n = 0;
    if (!payload) {
        snprintf(errstr, errstr_size, SCHEMA_BUILDER_EXCEPTION "fieldSchema for field " ENVELOPE_PAYLOAD " cannot be null.");
        return NULL;
    }
    f[n++] = (cd_field_t){ENVELOPE_PAYLOAD, copy_schema(a, payload)};
    for (size_t i = 0; i < x->n_extras; i++) {
        const extra_t *e = &x->extras[i];
        if (e->placement != PL_ENVELOPE) continue;
        int at = cd_xf_field_index(event, e->field);
        if (at < 0) {
            snprintf(errstr, errstr_size,
                     NPE "Cannot invoke \"org.apache.kafka.connect.data.Field.schema()\" because the return value of "
                         "\"org.apache.kafka.connect.data.Schema.field(String)\" is null");
            return NULL;
        }
        if (!*e->alias) {
            snprintf(errstr, errstr_size, SCHEMA_BUILDER_EXCEPTION "fieldName cannot be null.");
            return NULL;
        }
        for (size_t k = 0; k < n; k++)
            if (!strcmp(f[k].name, e->alias)) {
                snprintf(errstr, errstr_size, SCHEMA_BUILDER_EXCEPTION "Cannot create field because of field name duplication %s", e->alias);
                return NULL;
            }
        f[n++] = (cd_field_t){cd_arena_strndup(a, e->alias, strlen(e->alias)), copy_schema(a, event->fields[at].schema)};
    }
    cd_schema_t *s = cd_arena_alloc(a, sizeof(*s));
    *s = (cd_schema_t){.type = CD_TYPE_STRUCT, .name = schema_name(a, event, routed ? routed : "null"), .fields = f,
                       .n_fields = n};
    return s;
}

/* getValueSchema: the cached schema for this payload schema (or version), else one built now and
 * cached. NULL with errstr on failure. */
static const cd_schema_t *value_schema(outbox_t *x, cd_arena_t *arena, const cd_schema_t *payload,
                                       const cd_schema_t *event, const char *routed, bool versioned, bool has_version,
                                       int32_t version, char *errstr, size_t errstr_size) {
    if (!versioned && !payload) { /* BoundedConcurrentHashMap.get(null) */
        snprintf(errstr, errstr_size, NPE "Cannot invoke \"Object.hashCode()\" because \"key\" is null");
        return NULL;
    }
    uint64_t hash;
    entry_t *e = cache_find(x, payload, versioned, has_version, version, &hash);
    if (e) return e->value;
    bool keep = x->n_entries < CACHE_CAP;
    cd_arena_t *a = keep ? x->cache_arena : arena;
    cd_schema_t *s = build_value_schema(x, a, payload, event, routed, errstr, errstr_size);
    if (!s) return NULL;
    if (versioned && has_version) s->version = version;
    if (!keep) return s;
    s->cache_id = cd_schema_next_cache_id();
    e = cd_arena_alloc(a, sizeof(*e));
    *e = (entry_t){.payload = versioned ? NULL : s->fields[0].schema, .has_version = has_version,
                   .version = version, .value = s, .hash = hash, .next = x->buckets[hash % BUCKETS]};
    x->buckets[hash % BUCKETS] = e;
    x->n_entries++;
    return s;
}

/* ---- apply() ---------------------------------------------------------------------------------- */

static bool is_envelope(const cd_schema_t *s) {
    if (!s || !s->name) return false;
    size_t n = strlen(s->name), k = strlen(".Envelope");
    return n >= k && !strcmp(s->name + n - k, ".Envelope");
}

/* getEventTimestampMs. *ts -1: none (the record gets the time it is sent). */
static int event_timestamp(outbox_t *x, const cd_schema_t *env_s, const cd_value_t *env, const cd_schema_t *ev_s,
                           const cd_value_t *ev, int64_t *ts, char *errstr, size_t errstr_size) {
    const cd_value_t *v = NULL;
    if (x->f_ts) {
        int i = cd_xf_field_index(ev_s, x->f_ts);
        if (i < 0) {
            snprintf(errstr, errstr_size, CONNECT_EXCEPTION "Unable to find timestamp field %s in event", x->f_ts);
            return -1;
        }
        v = struct_get_typed(ev_s, ev, x->f_ts, CD_TYPE_INT64, errstr, errstr_size);
        if (!v) return -1;
        if (!v->is_null) {
            const char *name = ev_s->fields[i].schema->name;
            if (!name) {
                snprintf(errstr, errstr_size,
                         CONNECT_EXCEPTION "Unsupported field type INT64 (without logical schema name) for event timestamp");
                return -1;
            }
            if (!strcmp(name, "io.debezium.time.Timestamp")) *ts = v->u.i;
            else if (!strcmp(name, "io.debezium.time.MicroTimestamp")) *ts = v->u.i / 1000;
            else if (!strcmp(name, "io.debezium.time.NanoTimestamp")) *ts = v->u.i / 1000000;
            else {
                snprintf(errstr, errstr_size, CONNECT_EXCEPTION "Unsupported field type %s for event timestamp", name);
                return -1;
            }
            return 0;
        }
    }
    v = struct_get_typed(env_s, env, "ts_ms", CD_TYPE_INT64, errstr, errstr_size);
    if (!v) return -1;
    *ts = v->is_null ? -1 : v->u.i;
    return 0;
}

/* A string value (getString) as a NUL-terminated arena string, NULL for null. */
static const char *string_of(const cd_value_t *v, cd_arena_t *arena) {
    return v->is_null ? NULL : cd_arena_strndup(arena, v->u.str.ptr, v->u.str.len);
}

static int outbox_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    outbox_t *x = self;
    if (!rec->value || rec->value->is_null) return 1; /* tombstones are dropped */
    if (!is_envelope(rec->value_schema)) return 0;  /* heartbeats, schema changes... pass */
    const cd_schema_t *env_s = rec->value_schema;
    const cd_value_t *env = rec->value;
    if (cd_xf_require_struct(env_s, env, "Detect Debezium Operation", errstr, errstr_size)) return -1;
    const cd_value_t *opv = struct_get_typed(env_s, env, "op", CD_TYPE_STRING, errstr, errstr_size);
    if (!opv) return -1;
    if (opv->is_null) {
        snprintf(errstr, errstr_size, NPE "Cannot invoke \"String.equals(Object)\" because \"op\" is null");
        return -1;
    }
    if (opv->u.str.len == 1 && opv->u.str.ptr[0] == 'd') return 1; /* deletes are dropped */
    if (opv->u.str.len == 1 && opv->u.str.ptr[0] == 'u') {
        if (x->op_behavior != OP_FATAL) return 1; /* Debezium logs it (warn or error) and drops it */
        cd_buf_t b = {0};
        cd_java_to_string(&b, rec->key_schema, rec->key);
        snprintf(errstr, errstr_size, "java.lang.IllegalStateException: Unexpected update message received %.*s, fail.", (int)b.len, b.data ? b.data : "");
        cd_buf_free(&b);
        return -1;
    }

    /* ExtractField$Value "after" */
    int ai = cd_xf_field_index(env_s, "after");
    if (ai < 0) {
        snprintf(errstr, errstr_size, "java.lang.IllegalArgumentException: Unknown field: after");
        return -1;
    }
    const cd_schema_t *ev_s = env_s->fields[ai].schema;
    const cd_value_t *ev = cd_xf_field_value(env_s, env, (size_t)ai, true);
    if (cd_xf_require_struct(ev_s, ev, "Read Outbox Event", errstr, errstr_size)) return -1;

    int pi = cd_xf_field_index(ev_s, x->f_payload);
    if (pi < 0) {
        snprintf(errstr, errstr_size, CONNECT_EXCEPTION "Unable to find payload field %s in event", x->f_payload);
        return -1;
    }
    const cd_schema_t *payload_s = ev_s->fields[pi].schema;
    int64_t ts;
    if (event_timestamp(x, env_s, env, ev_s, ev, &ts, errstr, errstr_size)) return -1;
    int idi;
    const cd_value_t *event_id = struct_get(ev_s, ev, x->f_id, &idi, errstr, errstr_size);
    if (!event_id) return -1;
    const cd_value_t *payload = cd_xf_field_value(ev_s, ev, (size_t)pi, true);

    /* the record's headers, then "id" and the header fields */
    cd_header_t *hdrs = cd_arena_alloc(arena, (rec->n_headers + 1 + x->n_extras) * sizeof(*hdrs));
    size_t nh = rec->n_headers;
    if (nh) memcpy(hdrs, rec->headers, nh * sizeof(*hdrs));
    add_header(hdrs, &nh, "id", ev_s->fields[idi].schema, event_id, arena);

    const cd_schema_t *payload_own = payload_s; /* the schema the payload value was built for */
    if (x->expand && !payload->is_null && payload_s->type == CD_TYPE_STRING && payload->u.str.len &&
        (payload->u.str.ptr[0] == '{' || payload->u.str.ptr[0] == '[')) {
        const cd_schema_t *s = NULL;
        const cd_value_t *v = NULL;
        int r = ob_expand(payload->u.str.ptr, payload->u.str.len, x->f_payload, x->optional_bytes, arena, &s, &v,
                          errstr, errstr_size);
        if (r < 0) return -1;
        if (r == OB_EXPANDED) payload_s = payload_own = s, payload = v;
        else if (r == OB_SCHEMA_ONLY) payload_s = s; /* the string stays, under the new schema */
    }

    const cd_schema_t *struct_s = NULL;
    cd_value_t *struct_v = NULL;
    if (!x->only_headers) {
        bool versioned = x->f_version != NULL, has_version = false;
        int32_t version = 0;
        if (versioned) {
            const cd_value_t *vv = struct_get_typed(ev_s, ev, x->f_version, CD_TYPE_INT32, errstr, errstr_size);
            if (!vv) return -1;
            has_version = !vv->is_null;
            version = has_version ? (int32_t)vv->u.i : 0;
        }
        const cd_value_t *rv = struct_get_typed(ev_s, ev, x->route_by, CD_TYPE_STRING, errstr, errstr_size);
        if (!rv) return -1;
        struct_s = value_schema(x, arena, payload_s, ev_s, string_of(rv, arena), versioned, has_version, version,
                                errstr, errstr_size);
        if (!struct_s) return -1;
        struct_v = cd_arena_alloc(arena, sizeof(*struct_v));
        cd_value_t *fv = cd_arena_alloc(arena, struct_s->n_fields * sizeof(*fv));
        for (size_t i = 0; i < struct_s->n_fields; i++) fv[i] = cd_null();
        *struct_v = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {fv, struct_s->n_fields}};
        if (put_check(ENVELOPE_PAYLOAD, struct_s->fields[0].schema, payload_own, payload, errstr, errstr_size))
            return -1;
        fv[0] = *payload;
    }

    int32_t partition = -1;
    for (size_t i = 0; i < x->n_extras; i++) {
        const extra_t *e = &x->extras[i];
        int fi = cd_xf_field_index(ev_s, e->field);
        if (!x->error_on_missing && fi < 0) continue;
        switch (e->placement) {
        case PL_NONE:
            snprintf(errstr, errstr_size,
                     NPE "Cannot invoke \"io.debezium.transforms.outbox.EventRouterConfigDefinition$"
                         "AdditionalFieldPlacement.ordinal()\" because the return value of \"io.debezium.transforms."
                         "outbox.EventRouterConfigDefinition$AdditionalField.getPlacement()\" is null");
            return -1;
        case PL_ENVELOPE: {
            const cd_value_t *v = struct_get(ev_s, ev, e->field, NULL, errstr, errstr_size);
            if (!v) return -1;
            int at = field_or_fail(struct_s, e->alias, errstr, errstr_size);
            if (at < 0) return -1;
            if (put_check(e->alias, struct_s->fields[at].schema, ev_s->fields[fi].schema, v, errstr, errstr_size))
                return -1;
            ((cd_value_t *)struct_v->u.strct.fields)[at] = *v;
            break;
        }
        case PL_HEADER: {
            const cd_value_t *v = struct_get(ev_s, ev, e->field, NULL, errstr, errstr_size);
            if (!v) return -1;
            add_header(hdrs, &nh, e->alias, ev_s->fields[fi].schema, v, arena);
            break;
        }
        case PL_PARTITION: {
            const cd_value_t *v = struct_get_typed(ev_s, ev, e->field, CD_TYPE_INT32, errstr, errstr_size);
            if (!v) return -1;
            partition = v->is_null ? -1 : (int32_t)v->u.i;
            break;
        }
        }
    }

    /* payload.toString().trim().isEmpty(): only a string can be blank */
    bool empty = payload->is_null;
    if (!empty && (payload_own ? payload_own->type : payload->type) == CD_TYPE_STRING) {
        empty = true;
        for (size_t i = 0; i < payload->u.str.len && empty; i++)
            if ((unsigned char)payload->u.str.ptr[i] > ' ') empty = false;
    }
    const cd_schema_t *out_s;
    const cd_value_t *out_v;
    if (empty && x->tombstone_on_empty) out_s = NULL, out_v = NULL;
    else if (x->only_headers) {
        out_s = payload_s, out_v = payload->is_null ? NULL : payload;
        if (out_s && out_v && payload_own != payload_s && !ob_schema_equal(out_s, payload_own)) {
            /* a payload the expansion left a string under a struct or array schema: Kafka's
             * JsonConverter refuses it when it converts the record */
            snprintf(errstr, errstr_size, "Invalid type for %s: class java.lang.String",
                     cd_converter_type_name(out_s->type));
            return -1;
        }
        if (!out_s && out_v && payload_own) { /* a string with no schema ("[]") */
            cd_value_t *sv = cd_arena_alloc(arena, sizeof(*sv));
            *sv = cd_string(payload->u.str.ptr, payload->u.str.len);
            out_v = sv;
        }
    } else out_s = struct_s, out_v = struct_v;

    int ki;
    const cd_value_t *key = struct_get(ev_s, ev, x->f_key, &ki, errstr, errstr_size);
    if (!key) return -1;
    const cd_value_t *topic_v = struct_get_typed(ev_s, ev, x->route_by, CD_TYPE_STRING, errstr, errstr_size);
    if (!topic_v) return -1;
    if (topic_v->is_null) { /* RegexRouter: Pattern.matcher(null) */
        snprintf(errstr, errstr_size,
                 NPE "Cannot invoke \"java.lang.CharSequence.length()\" because \"this.text\" is null");
        return -1;
    }
    const char *topic = string_of(topic_v, arena);
    size_t tn = strlen(topic);
    if (java_regex_matches(x->re, topic, tn)) {
        char *t = java_regex_replace_first(x->re, topic, tn, x->replacement, errstr, errstr_size);
        if (!t) return -1;
        topic = cd_arena_strndup(arena, t, strlen(t));
        free(t);
    }
    rec->topic = topic;
    rec->kafka_partition = partition;
    rec->key_schema = ev_s->fields[ki].schema;
    rec->key = key->is_null ? NULL : key;
    rec->value_schema = out_s;
    rec->value = out_v;
    rec->timestamp_ms = ts;
    rec->headers = hdrs;
    rec->n_headers = nh;
    return 0;
}

static const cd_xf_plugin_t EVENT_ROUTER = {
    .class_name = "io.debezium.transforms.outbox.EventRouter",
    .alias = "EventRouter",
    .kind = CD_XF_TRANSFORMATION,
    .version = DEBEZIUM_VERSION,
    .config_def = {OUTBOX_KEYS, sizeof(OUTBOX_KEYS) / sizeof(OUTBOX_KEYS[0])},
    .create = outbox_create,
    .apply = outbox_apply,
    .destroy = outbox_destroy,
};

const cd_xf_plugin_t *const cd_xf_outbox_plugins[] = {&EVENT_ROUTER, NULL};
