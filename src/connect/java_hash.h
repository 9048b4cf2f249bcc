/* java_hash.h - the iteration order of Java's HashMap applied to lists of names and to props, for
 * answers whose order Kafka Connect takes from one: the connector list of GET /connectors and the
 * keys of task configs. The model itself (String.hashCode, buckets, growth) is java_util's. */
#ifndef CONNECTD_JAVA_HASH_H
#define CONNECTD_JAVA_HASH_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "connectd/data.h"
#include "connectd/props.h"

/* String.hashCode of UTF-8 text, over its UTF-16 code units. */
uint32_t java_string_hash(const char *s);

/* The capacity of a `new HashMap<>()` after n puts (16, doubled whenever n > 0.75 * capacity). */
size_t java_hashmap_capacity(size_t n);
/* The capacity of `new HashMap<>(m)` with m of n entries (tableSizeFor(n / 0.75 + 1)). */
size_t java_hashmap_copy_capacity(size_t n);

/* Reorders names[0..n) (given in insertion order) stably into the iteration order of a HashMap
 * of that capacity. */
void java_hashmap_order(char **names, size_t n, size_t capacity);

/* A map's entries (string keys) in the iteration order of the java.util.HashMap Kafka makes of
 * them: reorders keys/values[0..n) (in the order they were put) in place, for a map whose table had
 * `capacity` before the first put (16 for new HashMap<>(), java_hashmap_copy_capacity for new
 * HashMap<>(m)). Maps with a key that is not a string keep their order. */
void java_hashmap_order_values(cd_value_t *keys, cd_value_t *values, size_t n, size_t capacity);

/* A new props with p's entries in the iteration order of a `new HashMap<>()` filled with them in
 * p's order. The caller destroys it. */
cd_props_t *java_hashmap_props(const cd_props_t *p);
/* The same for a HashMap of the given capacity (whose entries came in p's order). */
cd_props_t *java_hashmap_props_cap(const cd_props_t *p, size_t capacity);
/* The capacity a HashMap of that capacity has once it holds n entries. */
size_t java_hashmap_grow(size_t capacity, size_t n);

/* HashMap's tableSizeFor: the capacity of `new HashMap<>(n)` before its first resize. */
size_t java_table_size_for(size_t n);

/* hashCode() of the Java object a JSON value becomes in JsonConverter without schemas: String,
 * Long (integers), Double, Boolean, null (0), ArrayList and HashMap (sum of key ^ value). */
uint32_t java_json_hash(json_object *v);
/* The same for the value Jackson reads from that JSON (a number in int's range is an Integer). */
uint32_t java_jackson_hash(json_object *v);
/* ByteBuffer.hashCode of n bytes. */
uint32_t java_bytes_hash(const void *bytes, size_t n);

/* Reorders idx[0..n) stably by the bucket hashes[idx[i]] falls into in a HashMap of that
 * capacity: a HashMap filled in idx's order iterates in the new order. */
void java_hash_order(size_t *idx, size_t n, const uint32_t *hashes, size_t capacity);

#endif
