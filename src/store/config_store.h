/* config_store.h - the config topic: connector configs, task configs under the commit rule,
 * target states, restart requests, cluster-scope logger levels and the session key, in Apache Kafka Connect's
 * record formats (spec/connect-internal-topics.md section 4). The store is rebuilt from the topic
 * at start and follows it afterwards; writes go to the topic and are seen when read back. */
#ifndef CONNECTD_STORE_CONFIG_STORE_H
#define CONNECTD_STORE_CONFIG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connectd/props.h"
#include "rest/signing.h"
#include "worker_config.h"

typedef enum { TARGET_STARTED, TARGET_PAUSED, TARGET_STOPPED } target_state_t;

typedef struct config_store config_store_t;

/* Called on the reader thread after a record changed the state; must not block. */
typedef void (*config_store_change_cb)(void *opaque);

config_store_t *config_store_new(const worker_config_t *wc, config_store_change_cb cb, void *opaque,
                                 char *errstr, size_t errstr_size);
/* Reads the topic to its end; records read after this are "new" (restarts, logger levels). */
int config_store_start(config_store_t *cs, int timeout_ms, char *errstr, size_t errstr_size);
void config_store_destroy(config_store_t *cs);

/* Applies one record of the topic (value NULL: tombstone), as the reader thread does; exposed so
 * that the record rules can be tested without a broker. */
void config_store_apply(config_store_t *cs, const char *key, size_t key_len, const char *value,
                        size_t value_len);
/* Marks the initial catch-up as done (config_store_start does it after reading to the end). */
void config_store_mark_started(config_store_t *cs);

/* --- reads: copies the caller owns --- */
/* Names of connectors with a config, sorted; NULL-terminated, free with config_store_free_names. */
char **config_store_connectors(config_store_t *cs);
/* The same in the order the store first saw each connector (what a Java HashMap filled from the
 * config topic keeps within one bucket). */
char **config_store_connectors_in_order(config_store_t *cs);
void config_store_free_names(char **names);
bool config_store_contains(config_store_t *cs, const char *name);
/* The config as submitted, or NULL. */
cd_props_t *config_store_connector_config(config_store_t *cs, const char *name);
/* The connector's target state; returns false when it has no config. */
bool config_store_target_state(config_store_t *cs, const char *name, target_state_t *state);
/* The committed task configs (none while inconsistent). *n receives the count; returns an array of
 * props (free with config_store_free_tasks), or NULL with *n = 0. generation (may be NULL)
 * changes whenever a new set is committed. */
cd_props_t **config_store_task_configs(config_store_t *cs, const char *name, size_t *n,
                                       uint64_t *generation);
void config_store_free_tasks(cd_props_t **tasks, size_t n);
/* The committed task count (the last commit record's), or -1. */
int config_store_task_count(config_store_t *cs, const char *name);

/* The latest valid session key read from the topic (KIP-507), copied to *out; false when none has
 * been read. Malformed session-key records are logged and ignored, keeping the previous key. */
bool config_store_session_key(config_store_t *cs, session_key_t *out);

/* A restart request read after start, if any (FIFO). Returns false when none is pending. */
bool config_store_next_restart(config_store_t *cs, char **name, bool *include_tasks, bool *only_failed);

/* --- writes: each waits for Kafka's acknowledgement and reads the topic back to its end ---
 * A write that Kafka has not acknowledged after CONFIG_STORE_DELIVERY_TIMEOUT_MS (an outage) fails
 * and is dropped, not retried behind the caller's back: callers wait longer than that, so that an
 * error they report means the change was not made (and does not show up once Kafka is back). */
#define CONFIG_STORE_DELIVERY_TIMEOUT_MS 20000
/* initial_state: NULL, or the target state to write first (create with initial_state). */
int config_store_put_connector(config_store_t *cs, const char *name, const cd_props_t *config,
                               const target_state_t *initial_state, int timeout_ms, char *errstr,
                               size_t errstr_size);
int config_store_delete_connector(config_store_t *cs, const char *name, int timeout_ms, char *errstr,
                                  size_t errstr_size);
int config_store_put_target_state(config_store_t *cs, const char *name, target_state_t state,
                                  int timeout_ms, char *errstr, size_t errstr_size);
/* Task records, then the commit record. */
int config_store_put_task_configs(config_store_t *cs, const char *name, cd_props_t *const *tasks,
                                  size_t n, int timeout_ms, char *errstr, size_t errstr_size);
/* Stop: an empty task set, then target state STOPPED. */
int config_store_put_stopped(config_store_t *cs, const char *name, int timeout_ms, char *errstr,
                             size_t errstr_size);
int config_store_put_restart(config_store_t *cs, const char *name, bool include_tasks,
                             bool only_failed, int timeout_ms, char *errstr, size_t errstr_size);
/* The session-key record, {"key":"<Base64>","algorithm":"HmacSHA256","creation-timestamp":<ms>}
 * (the leader's write; the store's change callback fires when it is read back). */
int config_store_put_session_key(config_store_t *cs, const session_key_t *key, int timeout_ms,
                                 char *errstr, size_t errstr_size);
/* That record's value, malloc'ed (the caller frees it); NULL for a key of no or too many bytes. */
char *config_store_session_key_value(const session_key_t *key);
int config_store_put_logger_level(config_store_t *cs, const char *ns, const char *level,
                                  int timeout_ms, char *errstr, size_t errstr_size);

const char *target_state_name(target_state_t s);

#endif
