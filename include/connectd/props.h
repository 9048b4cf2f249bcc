/* props.h - an ordered string-to-string map: connector configs, task configs, converter
 * settings. Keeps insertion order (so a config is returned exactly as submitted) and allows NULL
 * values (a PATCH uses them to delete keys). Keys and values are copied in. */
#ifndef CONNECTD_PROPS_H
#define CONNECTD_PROPS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cd_props cd_props_t;

cd_props_t *cd_props_new(void);
cd_props_t *cd_props_copy(const cd_props_t *p);
void cd_props_destroy(cd_props_t *p);

/* Sets (replacing in place, or appending). value may be NULL. */
void cd_props_set(cd_props_t *p, const char *key, const char *value);
/* Removes the key; returns whether it was there. */
bool cd_props_remove(cd_props_t *p, const char *key);
/* The value, or NULL when absent (or present with a NULL value: see cd_props_has). The map owns it. */
const char *cd_props_get(const cd_props_t *p, const char *key);
bool cd_props_has(const cd_props_t *p, const char *key);

size_t cd_props_count(const cd_props_t *p);
const char *cd_props_key_at(const cd_props_t *p, size_t i);
const char *cd_props_value_at(const cd_props_t *p, size_t i);

/* Same keys with the same values, in any order. */
bool cd_props_equal(const cd_props_t *a, const cd_props_t *b);

/* A new map with the keys that start with prefix, the prefix removed. */
cd_props_t *cd_props_with_prefix(const cd_props_t *p, const char *prefix);

#endif
