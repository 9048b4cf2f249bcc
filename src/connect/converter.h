/* converter.h - Kafka Connect converters: Connect data <-> record key/value bytes. */
#ifndef CONNECTD_CONVERTER_H
#define CONNECTD_CONVERTER_H

#include "connectd/data.h"
#include "connectd/props.h"

typedef struct cd_converter cd_converter_t;

/* class_name: org.apache.kafka.connect.json.JsonConverter, org.apache.kafka.connect.storage.StringConverter,
 * org.apache.kafka.connect.converters.ByteArrayConverter (Kafka's aliases JsonConverter, Json, StringConverter,
 * String, ByteArrayConverter, ByteArray are accepted too). config: the converter's own settings with the
 * "key.converter." / "value.converter." prefix already removed (e.g. "schemas.enable" -> "false"); NULL means
 * none; unknown keys are ignored, as Kafka does.
 * Returns NULL with errstr for an unknown class or a bad setting (message says which key/value and what is allowed).
 * The caller owns the converter. */
cd_converter_t *cd_converter_new(const char *class_name, const cd_props_t *config, bool is_key, char *errstr,
                                 size_t errstr_size);
void cd_converter_destroy(cd_converter_t *c);

/* Renders (schema, value) for topic, appending to out. value NULL or value->is_null -> returns 0 and appends nothing
 * (null record key/value).
 * Returns 1 when bytes were appended (possibly zero of them, e.g. an empty string with the StringConverter), 0 for
 * null, -1 on error (errstr: e.g. a value that does not match its schema; out is left as it was).
 * Thread-safety: one converter is used by one thread at a time. */
int cd_converter_from_connect(cd_converter_t *c, const char *topic, const cd_schema_t *schema, const cd_value_t *value,
                              cd_buf_t *out, char *errstr, size_t errstr_size);

/* Parses record bytes (data NULL = null record value) into a value allocated in arena (strings and bytes are copied,
 * so data may go away after the call). *schema is set to NULL for schemaless results (or to a schema allocated in
 * the arena when the JsonConverter envelope carried one); the StringConverter and ByteArrayConverter set it to a
 * static optional string / optional bytes schema, as Kafka's do. Returns 0 or -1 with errstr: the message of
 * Kafka's DataException, and, where Kafka's has a cause, "\nCaused by: <class>: <message>" after it. */
int cd_converter_to_connect(cd_converter_t *c, const char *topic, const void *data, size_t len, cd_arena_t *arena,
                            const cd_schema_t **schema, cd_value_t *value, char *errstr, size_t errstr_size);

/* The canonical class name of c. */
const char *cd_converter_class(const cd_converter_t *c);

/* Class names for listing: NULL-terminated. */
extern const char *const cd_converter_classes[];
/* The header converter classes connectd has (the converters and SimpleHeaderConverter). */
extern const char *const cd_header_converter_classes[];

/* ---- For the converter implementations only (converter.c dispatches through these). ---- */

typedef struct {
    const char *class_name;
    const char *aliases[3]; /* NULL-terminated */
    void *(*create)(const cd_props_t *config, bool is_key, char *errstr, size_t errstr_size);
    void (*destroy)(void *impl);
    int (*from_connect)(void *impl, const char *topic, const cd_schema_t *schema, const cd_value_t *value,
                        cd_buf_t *out, char *errstr, size_t errstr_size);
    int (*to_connect)(void *impl, const char *topic, const void *data, size_t len, cd_arena_t *arena,
                      const cd_schema_t **schema, cd_value_t *value, char *errstr, size_t errstr_size);
} cd_converter_ops_t;

extern const cd_converter_ops_t cd_json_converter_ops;

/* Upper-case Connect type name (INT32, STRUCT, ...), as Kafka's messages spell them. */
const char *cd_converter_type_name(cd_type_t t);

/* Kafka's ConfigDef BOOLEAN / INT parsing of a setting (trimmed, case-insensitive true/false). value NULL keeps
 * *out. Return 0, or -1 with "Invalid value <v> for configuration <key>: ..." in errstr. */
int cd_converter_config_bool(const char *key, const char *value, bool *out, char *errstr, size_t errstr_size);
int cd_converter_config_int(const char *key, const char *value, int *out, char *errstr, size_t errstr_size);

/* Whether schema is Kafka's Decimal logical type (BYTES named org.apache.kafka.connect.data.Decimal), and its
 * "scale" parameter (0, or -1 with Kafka's message when missing or not an integer). */
bool cd_converter_is_decimal(const cd_schema_t *schema);
int cd_converter_decimal_scale(const cd_schema_t *schema, int32_t *scale, char *errstr, size_t errstr_size);

#endif
