/* java_util.h - what Java's String and HashMap do, where connectd's output must equal what the
 * Java implementation writes: String.hashCode and char-by-char (UTF-16 unit) walks over UTF-8
 * text, and the iteration order of a java.util.HashMap<String, ?> (which Kafka Connect's
 * JsonConverter follows when it writes a map, e.g. Debezium's source offsets); and time-ordered
 * UUIDs as Debezium makes them. */
#ifndef CONNECTD_JAVA_UTIL_H
#define CONNECTD_JAVA_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* String.trim() of s, as a new string (xmalloc'ed): every character up to U+0020 goes, at both
 * ends. ConfigDef trims STRING and CLASS values so. */
char *ju_trim(const char *s);

/* One character of UTF-8 text at s (len > 0 bytes left): returns how many bytes it takes (>= 1)
 * and sets *units to how many Java chars (UTF-16 units) it is: 2 for a character outside the
 * Basic Multilingual Plane (a surrogate pair), else 1. A byte that does not start a valid UTF-8
 * sequence counts as one byte and one char, as a decoder's U+FFFD replacement would. */
size_t ju_utf8_next(const char *s, size_t len, int *units);

/* String.hashCode() of the UTF-8 text s[0..len): s[0]*31^(n-1) + ... + s[n-1] over its UTF-16
 * units, in 32-bit two's complement arithmetic. */
int32_t ju_string_hash(const char *s, size_t len);

/* The iteration order of a java.util.HashMap<String, ?> into which keys[0..n) (distinct) were put
 * in that order. capacity: the table size the map had before the first put (16, or 0, for a new
 * map; more for one that grew before and was cleared, as clear() keeps the table; less for a copy
 * of a small map, e.g. 8 for new HashMap<>(m) of 5 entries). Writes the keys'
 * indexes in iteration order to order[0..n) and returns the table size after the puts.
 * A bucket that reaches 8 entries in a table of 64 or more becomes a red-black tree, whose order
 * is not modelled: that needs 8 keys of one hash bucket among at least 49 keys. */
size_t ju_hashmap_order(const char *const *keys, size_t n, size_t capacity, size_t *order);

/* A new version 7 UUID (RFC 9562: epoch_ms in its first 48 bits, then random bits) as
 * java.util.UUID.toString() writes it (36 lower-case characters and a NUL), as Debezium's
 * UUIDUtils.generateNewUUID() makes them. */
void ju_uuid_v7(int64_t epoch_ms, char out[37]);

#endif
