/* offset_store.h - the offsets topic: source offsets keyed by ["<connector>",{partition}], as raw
 * bytes exactly as Java writes and compares them (spec/connect-internal-topics.md section 6). */
#ifndef CONNECTD_STORE_OFFSET_STORE_H
#define CONNECTD_STORE_OFFSET_STORE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/kafka_log.h"
#include "worker_config.h"

typedef struct offset_store offset_store_t;

offset_store_t *offset_store_new(const worker_config_t *wc, char *errstr, size_t errstr_size);
/* A store fed only by offset_store_apply: offsets topic records without the topic. */
offset_store_t *offset_store_new_memory(void);
/* One offsets topic record (value NULL: a tombstone), as the topic's reader applies it. */
void offset_store_apply(offset_store_t *os, const char *key, size_t key_len, const char *value,
                        size_t value_len);
int offset_store_start(offset_store_t *os, int timeout_ms, char *errstr, size_t errstr_size);
void offset_store_destroy(offset_store_t *os);
int offset_store_refresh(offset_store_t *os, int timeout_ms, char *errstr, size_t errstr_size);

/* The record key for a connector's source partition (partition_json: compact JSON object text as
 * Java writes it). malloc'ed; *len receives its length. */
char *offset_store_key(const char *connector, const char *partition_json, size_t *len);

/* A partition or offset map as Java's JsonConverter writes it (compact, Jackson escaping, Java
 * number forms, members in the object's order), so that keys built from it are byte-identical.
 * Returns malloc'ed text, or NULL (with *bad_field set, when not NULL) if a value is not a
 * primitive. */
char *offset_store_json_text(json_object *map, const char **bad_field);

/* The latest offset (JSON text, malloc'ed) of a source partition, or NULL. */
char *offset_store_get(offset_store_t *os, const char *connector, const char *partition_json);

/* Every partition of the connector with a non-null offset, as the REST API shows them:
 * [{"partition":{...},"offset":{...}}, ...]. New reference. */
json_object *offset_store_list(offset_store_t *os, const char *connector);

typedef struct {
    const char *partition; /* JSON object text */
    const char *offset;    /* JSON object text; NULL writes a tombstone */
} offset_write_t;

/* Puts an offsets change (a PATCH's, in the request's order, or a reset's)  in the order Kafka Connect 4.1
 * sends its records to the offsets topic, dropping repeated partitions as it does (the first
 * place, the last offset); returns how many remain. That order is the order the partitions enter
 * Kafka Connect's set of a connector's partitions, which GET /connectors/{c}/offsets reflects. */
size_t offset_store_kafka_order(const char *connector, offset_write_t *w, size_t n, bool reset);

/* Starts writing the offsets; poll the result with kafka_log_pending_poll and free it with
 * kafka_log_pending_free. NULL with errstr when they could not be sent. */
kafka_log_pending_t *offset_store_write_async(offset_store_t *os, const char *connector,
                                              const offset_write_t *w, size_t n, char *errstr,
                                              size_t errstr_size);

/* Writes the offsets and waits for Kafka's acknowledgement. */
int offset_store_write(offset_store_t *os, const char *connector, const offset_write_t *w, size_t n,
                       int timeout_ms, char *errstr, size_t errstr_size);

#endif
