/* java_hash.c - Java's String.hashCode and HashMap iteration order (java_hash.h). */
#include "connect/java_hash.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

uint32_t java_string_hash(const char *s) {
    uint32_t h = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        int extra;
        if (p[0] < 0x80) cp = p[0], extra = 0;
        else if ((p[0] & 0xE0) == 0xC0) cp = p[0] & 0x1F, extra = 1;
        else if ((p[0] & 0xF0) == 0xE0) cp = p[0] & 0x0F, extra = 2;
        else if ((p[0] & 0xF8) == 0xF0) cp = p[0] & 0x07, extra = 3;
        else cp = 0xFFFD, extra = 0;
        int i = 1;
        for (; i <= extra && (p[i] & 0xC0) == 0x80; i++) cp = (cp << 6) | (p[i] & 0x3F);
        if (i <= extra) cp = 0xFFFD, i = 1; /* invalid sequence: one replacement character */
        p += i;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            h = 31 * h + (0xD800 + (cp >> 10));
            h = 31 * h + (0xDC00 + (cp & 0x3FF));
        } else {
            h = 31 * h + cp;
        }
    }
    return h;
}

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

static size_t bucket(const char *s, size_t capacity) {
    uint32_t h = java_string_hash(s);
    return (h ^ (h >> 16)) & (uint32_t)(capacity - 1);
}

void java_hashmap_order(char **names, size_t n, size_t capacity) {
    /* insertion sort: stable, and n is small */
    size_t *b = xmalloc((n ? n : 1) * sizeof(*b));
    for (size_t i = 0; i < n; i++) b[i] = bucket(names[i], capacity);
    for (size_t i = 1; i < n; i++) {
        char *name = names[i];
        size_t key = b[i], j = i;
        for (; j > 0 && b[j - 1] > key; j--) {
            names[j] = names[j - 1];
            b[j] = b[j - 1];
        }
        names[j] = name;
        b[j] = key;
    }
    free(b);
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

uint32_t java_json_hash(json_object *v) {
    switch (json_object_get_type(v)) {
    case json_type_null: return 0;
    case json_type_boolean: return json_object_get_boolean(v) ? 1231 : 1237;
    case json_type_int: return java_long_hash((uint64_t)json_object_get_int64(v));
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
            h = 31 * h + java_json_hash(json_object_array_get_idx(v, i));
        return h;
    }
    case json_type_object: {
        uint32_t h = 0;
        json_object_object_foreach(v, k, x) h += java_string_hash(k) ^ java_json_hash(x);
        return h;
    }
    }
    return 0;
}

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
