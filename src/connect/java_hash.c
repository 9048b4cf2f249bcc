/* java_hash.c - Java HashMap iteration order applied to names and props (java_hash.h), on
 * java_util's String.hashCode and HashMap model. */
#include "connect/java_hash.h"

#include <stdbool.h>
#include <stdint.h>
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

size_t java_table_size_for(size_t n) {
    size_t cap = 1;
    while (cap < n) cap *= 2;
    return cap;
}

static uint32_t java_long_hash(uint64_t v) { return (uint32_t)(v ^ (v >> 32)); }

static uint32_t json_hash(json_object *v, bool jackson) {
    switch (json_object_get_type(v)) {
    case json_type_null: return 0;
    case json_type_boolean: return json_object_get_boolean(v) ? 1231 : 1237;
    case json_type_int: {
        int64_t x = json_object_get_int64(v);
        /* Jackson reads a number in int's range as an Integer, whose hash is the number */
        if (jackson && x >= INT32_MIN && x <= INT32_MAX) return (uint32_t)(int32_t)x;
        return java_long_hash((uint64_t)x);
    }
    case json_type_double: {
        double d = json_object_get_double(v);
        uint64_t bits;
        if (d != d) bits = 0x7ff8000000000000ULL; /* doubleToLongBits' canonical NaN */
        else memcpy(&bits, &d, sizeof(bits));
        return java_long_hash(bits);
    }
    case json_type_string: return java_string_hash(json_object_get_string(v));
    case json_type_array: {
        uint32_t h = 1;
        for (size_t i = 0; i < json_object_array_length(v); i++)
            h = 31 * h + json_hash(json_object_array_get_idx(v, i), jackson);
        return h;
    }
    case json_type_object: {
        uint32_t h = 0;
        json_object_object_foreach(v, k, x) h += java_string_hash(k) ^ json_hash(x, jackson);
        return h;
    }
    }
    return 0;
}

uint32_t java_json_hash(json_object *v) { return json_hash(v, false); }

uint32_t java_jackson_hash(json_object *v) { return json_hash(v, true); }

uint32_t java_bytes_hash(const void *bytes, size_t n) {
    const signed char *b = bytes;
    uint32_t h = 1;
    for (size_t i = n; i-- > 0;) h = 31 * h + (uint32_t)(int32_t)b[i];
    return h;
}

void java_hash_order(size_t *idx, size_t n, const uint32_t *hashes, size_t capacity) {
    size_t *b = xmalloc((n ? n : 1) * sizeof(*b));
    for (size_t i = 0; i < n; i++) {
        uint32_t h = hashes[idx[i]];
        b[i] = (h ^ (h >> 16)) & (uint32_t)(capacity - 1);
    }
    for (size_t i = 1; i < n; i++) {
        size_t v = idx[i], key = b[i], j = i;
        for (; j > 0 && b[j - 1] > key; j--) {
            idx[j] = idx[j - 1];
            b[j] = b[j - 1];
        }
        idx[j] = v;
        b[j] = key;
    }
    free(b);
}

void java_hashmap_order_values(cd_value_t *keys, cd_value_t *values, size_t n, size_t capacity) {
    if (n < 2) return;
    char **names = xmalloc(n * sizeof(*names));
    size_t *order = xmalloc(n * sizeof(*order));
    bool all_strings = true;
    for (size_t i = 0; i < n && all_strings; i++) {
        all_strings = !keys[i].is_null && keys[i].type == CD_TYPE_STRING;
        if (all_strings) names[i] = strndup(keys[i].u.str.ptr, keys[i].u.str.len);
    }
    if (all_strings) {
        ju_hashmap_order((const char *const *)names, n, capacity, order);
        cd_value_t *k2 = xmalloc(n * sizeof(*k2)), *v2 = xmalloc(n * sizeof(*v2));
        for (size_t i = 0; i < n; i++) k2[i] = keys[order[i]], v2[i] = values[order[i]];
        memcpy(keys, k2, n * sizeof(*k2));
        memcpy(values, v2, n * sizeof(*v2));
        free(k2);
        free(v2);
        for (size_t i = 0; i < n; i++) free(names[i]);
    }
    free(names);
    free(order);
}
