/* transforms.h - single message transformations (Kafka Connect's Transformation and Predicate
 * plugins): the plugin interface each family file (transforms_*.c) implements, the registry the
 * REST API lists, the chain a task builds from its connector config (transforms=..., predicates=...)
 * and applies to every record, and the validation the connector config gets for them.
 *
 * Memory: a record's values and schemas point into memory the caller keeps valid for the call
 * (the connector's, or the sink's batch arena); what a transformation builds goes into the arena
 * the caller passes (reset by the caller per record or per batch). Schemas a transformation derives
 * from a schema with a cache_id are cached in the transformation's own memory (Kafka's schema
 * update cache) and carry a cache_id of their own, so converters keep caching their rendering. */
#ifndef CONNECTD_TRANSFORMS_H
#define CONNECTD_TRANSFORMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connect/connector_config.h"
#include "connectd/config_def.h"
#include "connectd/data.h"
#include "connectd/plugin.h"
#include "connectd/props.h"

/* A record as a transformation sees it: Kafka's ConnectRecord. Header values are the bytes the
 * record carries on the wire (SimpleHeaderConverter's form): transformations that make headers
 * render them so; predicates only look at keys. */
typedef struct {
    const char *topic;
    int32_t kafka_partition;        /* -1: none */
    int64_t kafka_offset;           /* sink records; -1 for source records */
    bool is_sink;                   /* a SinkRecord (InsertField's offset.field needs one) */
    int64_t timestamp_ms;           /* -1: none */
    const cd_schema_t *key_schema;  /* NULL: schemaless */
    const cd_value_t *key;          /* NULL: null key */
    const cd_schema_t *value_schema;
    const cd_value_t *value;        /* NULL: null value (a tombstone) */
    const cd_header_t *headers;
    size_t n_headers;
} cd_xf_record_t;

typedef enum { CD_XF_TRANSFORMATION, CD_XF_PREDICATE } cd_xf_kind_t;

/* One transformation or predicate class. A family file defines these as static consts and lists
 * them in its array (transforms.c collects the arrays). */
typedef struct cd_xf_plugin {
    const char *class_name; /* "org.apache.kafka.connect.transforms.InsertField$Value" */
    const char *alias;      /* Kafka's short alias ("Filter"), or NULL ($Key/$Value have none) */
    cd_xf_kind_t kind;
    const char *version;    /* as GET /connector-plugins shows it */
    cd_config_def_t config_def; /* Transformation.config(), in Kafka's order */
    const void *opts;       /* the family's own constant data (which side, what to do), for create */
    /* configure(): the plugin's config (keys without the transforms.<alias>. prefix). Returns the
     * instance, or NULL with Kafka's message in errstr. */
    void *(*create)(const void *opts, const cd_props_t *config, char *errstr, size_t errstr_size);
    /* Transformation.apply: replaces *rec's fields with the transformed record (new values in
     * arena). Returns 0, 1 when the record is dropped (Kafka's apply returning null), or -1 with
     * Kafka's exception message in errstr: a DataException's as it is, another exception's after
     * its class name and ": " ("java.lang.NullPointerException: ..."), which the task's failure
     * trace then names as the cause. */
    int (*apply)(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size);
    /* Predicate.test. */
    bool (*test)(void *self, const cd_xf_record_t *rec);
    void (*destroy)(void *self);
} cd_xf_plugin_t;

/* The registry, sorted by class name: transformations, then predicates (as GET
 * /connector-plugins lists them). *n is set to the count. */
const cd_xf_plugin_t *const *cd_xf_plugins(size_t *n);
/* By class name or alias, of that kind; NULL when connectd has no such plugin. */
const cd_xf_plugin_t *cd_xf_find(const char *name, cd_xf_kind_t kind);
/* By class name or alias, of any kind (GET /connector-plugins/{name}/config). */
const cd_xf_plugin_t *cd_xf_find_any(const char *name);

/* ---- the chain of a task ------------------------------------------------------------------ */

typedef struct cd_xf_chain cd_xf_chain_t;

/* Builds the chain a connector config describes (transforms, transforms.<a>.type, options,
 * predicate and negate; predicates, predicates.<p>.type, options). Returns 0 with *out = NULL
 * when the config has no transformations (nothing to do per record), 0 with a chain, or -1 with
 * errstr (an unknown class, a bad option: what Kafka's configure() refuses). */
int cd_xf_chain_new(const cd_props_t *connector_config, cd_xf_chain_t **out, char *errstr, size_t errstr_size);
void cd_xf_chain_destroy(cd_xf_chain_t *c);

/* Runs the chain over rec in order, each transformation only where its predicate (negated or
 * not) holds. Returns 0, 1 when a transformation dropped the record, or -1 with errstr naming
 * the failing transformation's exception as Kafka reports it. */
int cd_xf_chain_apply(cd_xf_chain_t *c, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size);
/* The class of the transformation whose failure cd_xf_chain_apply last reported. */
const char *cd_xf_chain_failed_class(const cd_xf_chain_t *c);

/* ---- validation (connector_config.c calls these) ------------------------------------------ */

/* Appends, per alias of transforms and predicates, the keys Kafka's ConnectorConfig.enrich adds:
 * <list>.<a>.type, <list>.<a>.plugin.version, then for a type connectd has, the plugin's keys
 * (and a transformation's predicate and negate) prefixed and sorted by name, in group
 * "Transforms: <a>" / "Predicates: <p>". Strings made here go to *owned (the caller hands them
 * to the result). */
void cd_xf_enrich(const cd_props_t *config, cd_config_key_t **keys, size_t *n, char ***owned, size_t *n_owned);
/* The checks Kafka makes on those keys beyond ConfigDef's: a type connectd cannot load, negate
 * without predicate; recommended values of the type and version keys. */
void cd_xf_validate(cd_config_result_t *r, const cd_props_t *config);

/* ---- helpers the family files share (transforms_util.c) ----------------------------------- */

/* The Java class Kafka's messages name for a value ("org.apache.kafka.connect.data.Struct",
 * "java.lang.String", "null"): with a schema, the class Connect uses for the schema's type;
 * without, the class JsonConverter makes (Long, Double, HashMap, ArrayList). */
const char *cd_xf_java_class(const cd_schema_t *schema, const cd_value_t *v);
/* The value of a struct's field i, as Struct.get gives it: a null replaced by the field schema's
 * default when replace_null_with_default. */
const cd_value_t *cd_xf_field_value(const cd_schema_t *schema, const cd_value_t *v, size_t i,
                                    bool replace_null_with_default);
/* Index of a field of a struct schema, or -1. */
int cd_xf_field_index(const cd_schema_t *schema, const char *name);
/* Index of a key of a schemaless map (string keys), or -1. */
int cd_xf_map_index(const cd_value_t *map, const char *name);
/* A schema in arena: a copy of the basics of `from` (name, version, doc, parameters: Kafka's
 * SchemaUtil.copySchemaBasics) as a struct with n fields to be filled in. */
cd_schema_t *cd_xf_struct_like(cd_arena_t *arena, const cd_schema_t *from, size_t n_fields);
/* The operating side of a record ($Key: the key, $Value: the value) and its replacement. */
void cd_xf_operating(const cd_xf_record_t *rec, bool is_key, const cd_schema_t **schema, const cd_value_t **value);
void cd_xf_set_operating(cd_xf_record_t *rec, bool is_key, const cd_schema_t *schema, const cd_value_t *value);
/* Parses a LIST value as ConfigDef does (split on commas, items trimmed). Returns the count;
 * *items is malloc'ed with the strings after the pointers (one free). */
size_t cd_xf_list(const char *value, char ***items);
/* Kafka's ConfigDef BOOLEAN of an option (NULL: dflt). */
bool cd_xf_bool(const cd_props_t *config, const char *key, bool dflt);

/* A small cache of derived schemas keyed by the input schema's cache_id (Kafka's
 * SynchronizedCache of 16 entries), owning the derived schemas' memory. */
typedef struct cd_xf_schema_cache cd_xf_schema_cache_t;
cd_xf_schema_cache_t *cd_xf_schema_cache_new(void);
void cd_xf_schema_cache_destroy(cd_xf_schema_cache_t *c);
/* The cached derivation of `in`, or NULL. */
const cd_schema_t *cd_xf_schema_cache_get(cd_xf_schema_cache_t *c, const cd_schema_t *in);
/* Where to build the derivation of `in`: the cache's memory when `in` can be cached (a
 * cache_id), else the record's arena. */
cd_arena_t *cd_xf_schema_cache_arena(cd_xf_schema_cache_t *c, const cd_schema_t *in, cd_arena_t *record_arena);
/* Records the derivation of `in` (built in cd_xf_schema_cache_arena's memory); gives it a
 * cache_id when cached. Returns out. */
const cd_schema_t *cd_xf_schema_cache_put(cd_xf_schema_cache_t *c, const cd_schema_t *in, cd_schema_t *out);

/* The families' plugin lists (NULL-terminated). */
extern const cd_xf_plugin_t *const cd_xf_field_plugins[];
extern const cd_xf_plugin_t *const cd_xf_header_plugins[];
extern const cd_xf_plugin_t *const cd_xf_debezium_plugins[];
extern const cd_xf_plugin_t *const cd_xf_router_plugins[];
extern const cd_xf_plugin_t *const cd_xf_convert_plugins[];
extern const cd_xf_plugin_t *const cd_xf_struct_plugins[];
extern const cd_xf_plugin_t *const cd_xf_outbox_plugins[];

#endif
