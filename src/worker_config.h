/* worker_config.h - the worker's properties, as connect-distributed.sh takes them.
 * Three layers, later ones winning: a Java-properties file, environment variables (the
 * debezium/connect image's names and CONNECT_*), then -D key=value arguments. Every value
 * remembers where it came from so that an error can name the file and line, the variable or the
 * argument. Keys the worker defines are typed and validated; others are kept (connectors and
 * client pass-through read them) and reported once at DEBUG. */
#ifndef CONNECTD_WORKER_CONFIG_H
#define CONNECTD_WORKER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct worker_config worker_config_t;

worker_config_t *worker_config_new(void);
void worker_config_destroy(worker_config_t *wc);

/* Reads a Java properties file (comments with # or !, key=value / key:value / key value,
 * backslash line continuations and escapes including \uXXXX). Returns 0, or -1 with errstr
 * naming the file and line. */
int worker_config_load_file(worker_config_t *wc, const char *path, char *errstr, size_t errstr_size);

/* Applies environment variables from envp (NULL-terminated "NAME=value" strings). */
int worker_config_load_env(worker_config_t *wc, char *const *envp, char *errstr, size_t errstr_size);

/* Applies one "-D key=value" argument (the text after -D). */
int worker_config_set_arg(worker_config_t *wc, const char *key_eq_value, char *errstr,
                          size_t errstr_size);

/* Sets a value programmatically (origin is free text, e.g. "embedded broker"). */
void worker_config_set(worker_config_t *wc, const char *key, const char *value, const char *origin);

/* Checks every defined key's type and range, and logs each unknown key once at DEBUG.
 * Returns 0, or -1 with an errstr that names the origin (file and line, variable or argument),
 * the key and what is wrong. */
int worker_config_validate(worker_config_t *wc, char *errstr, size_t errstr_size);

/* The value in force: the set value, else the defined default, else NULL. The worker config owns
 * the string; it stays valid until the key is set again or the config is destroyed. */
const char *worker_config_get(const worker_config_t *wc, const char *key);
/* Whether the key was set by any layer (as opposed to defaulted). */
bool worker_config_is_set(const worker_config_t *wc, const char *key);
/* Typed getters for defined keys, valid after a successful validate. get_int returns INT64_MIN
 * when the key has no value (no default and not set); get_bool returns false then. */
int64_t worker_config_get_int(const worker_config_t *wc, const char *key);
bool worker_config_get_bool(const worker_config_t *wc, const char *key);
/* Where the value came from: "worker.properties line 12", "environment variable GROUP_ID",
 * "-D argument", "default". */
const char *worker_config_origin(const worker_config_t *wc, const char *key);

/* Calls cb for every set key starting with prefix, in key order, with the prefix still on. */
typedef void (*worker_config_visit_cb)(const char *key, const char *value, const char *origin,
                                       void *opaque);
void worker_config_foreach(const worker_config_t *wc, const char *prefix, worker_config_visit_cb cb,
                           void *opaque);

#endif
