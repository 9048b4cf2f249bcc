/* transforms_outbox.h - what the outbox event router (transforms_outbox.c) takes from
 * transforms_outbox_json.c: the expansion of a JSON payload into a Connect value as Debezium 3.4.3's
 * table.expand.json.payload does it (Jackson's ObjectMapper.readTree, then JsonSchemaData), and
 * the value equality of Connect schemas (ConnectSchema.equals) the router's schema caches need. */
#ifndef CONNECTD_TRANSFORMS_OUTBOX_H
#define CONNECTD_TRANSFORMS_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connectd/data.h"

/* What EventRouterDelegate's try block around the expansion ends with. */
typedef enum {
    OB_EXPANDED,   /* *schema (NULL for "[]"... see below) and *value replace the payload */
    OB_UNCHANGED,  /* parsing or the schema failed: the payload and its schema stay (Debezium warns) */
    OB_SCHEMA_ONLY /* the schema was derived (*schema, possibly NULL) but the data conversion failed:
                    * Debezium keeps the string payload under the new schema */
} ob_expand_t;

/* Expands text[0..len) (the payload string, which starts with '{' or '[') under the struct name
 * `key` (table.field.event.payload). optional_bytes: table.json.payload.null.behavior=optional_bytes.
 * Schemas and values are built in arena. Returns the outcome, or -1 with errstr for what connectd
 * refuses (a string Kafka's JsonConverter could not write back). */
int ob_expand(const char *text, size_t len, const char *key, bool optional_bytes, cd_arena_t *arena,
              const cd_schema_t **schema, const cd_value_t **value, char *errstr, size_t errstr_size);

/* ConnectSchema.equals: type, optionality, name, version, doc, parameters (as a map), default
 * value, fields (name, position, schema), key and value schemas. NULL equals only NULL. */
bool ob_schema_equal(const cd_schema_t *a, const cd_schema_t *b);
/* A hash consistent with ob_schema_equal. */
uint64_t ob_schema_hash(const cd_schema_t *s);
/* Value equality under one schema (Objects.deepEquals of Connect values). */
bool ob_value_equal(const cd_schema_t *s, const cd_value_t *a, const cd_value_t *b);

#endif
