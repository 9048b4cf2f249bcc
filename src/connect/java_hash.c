/* java_hash.c - Java HashMap iteration order applied to names and props (java_hash.h), on
 * java_util's String.hashCode and HashMap model. */
#include "connect/java_hash.h"

#include <stdlib.h>
#include <string.h>

#include "connect/java_util.h"
#include "xalloc.h"

uint32_t java_string_hash(const char *s) { return (uint32_t)ju_string_hash(s, strlen(s)); }

size_t java_hashmap_capacity(size_t n) {
    size_t cap = 16;
    while ((double)n > 0.75 * (double)cap) cap *= 2;
    return cap;
}

size_t java_hashmap_copy_capacity(size_t n) {
    size_t want = (size_t)((float)n / 0.75f + 1.0f), cap = 1;
    while (cap < want) cap *= 2;
    return cap;
}

void java_hashmap_order(char **names, size_t n, size_t capacity) {
    /* A map of that capacity already (it does not grow for n entries): by bucket, then by
     * insertion, as java_util models it. */
    size_t *order = xmalloc((n ? n : 1) * sizeof(*order));
    char **copy = xmalloc((n ? n : 1) * sizeof(*copy));
    memcpy(copy, names, n * sizeof(*copy));
    ju_hashmap_order((const char *const *)copy, n, capacity, order);
    for (size_t i = 0; i < n; i++) names[i] = copy[order[i]];
    free(copy);
    free(order);
}

cd_props_t *java_hashmap_props(const cd_props_t *p) {
    return java_hashmap_props_cap(p, java_hashmap_capacity(cd_props_count(p)));
}

size_t java_hashmap_grow(size_t capacity, size_t n) {
    while ((double)n > 0.75 * (double)capacity) capacity *= 2;
    return capacity;
}

cd_props_t *java_hashmap_props_cap(const cd_props_t *p, size_t capacity) {
    size_t n = cd_props_count(p);
    char **keys = xmalloc((n ? n : 1) * sizeof(*keys));
    for (size_t i = 0; i < n; i++) keys[i] = (char *)cd_props_key_at(p, i);
    java_hashmap_order(keys, n, capacity);
    cd_props_t *out = cd_props_new();
    for (size_t i = 0; i < n; i++) cd_props_set(out, keys[i], cd_props_get(p, keys[i]));
    free(keys);
    return out;
}
