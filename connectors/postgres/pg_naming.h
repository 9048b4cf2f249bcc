/* pg_naming.h - the topic names of a PostgreSQL connector's tables, as Debezium 3.x's default
 * io.debezium.schema.SchemaTopicNamingStrategy makes them; the record schema names
 * <topic>.Key, <topic>.Value and <topic>.Envelope follow from them. */
#ifndef CONNECTD_PG_NAMING_H
#define CONNECTD_PG_NAMING_H

#include <stdbool.h>

/* The topic of table schema.table: prefix, schema and table joined by delimiter (parts that are
 * empty or only blanks, as Java's String.trim() sees them, left out), then made a valid Kafka
 * topic name by pg_topic_sanitize. Returns a malloc'ed string; *changed (may be NULL) tells
 * whether sanitising changed it. */
char *pg_table_topic(const char *prefix, const char *delimiter, const char *schema, const char *table,
                     bool *changed);

/* AbstractTopicNamingStrategy.sanitizedTopicName: every Java char (UTF-16 unit) of name outside
 * [A-Za-z0-9._-] becomes '_', so 'é' or '表' gives one and a character outside the Basic
 * Multilingual Plane (a surrogate pair, e.g. an emoji) two; then at most 249 characters; "." and
 * ".." become "_" and "__". Returns a malloc'ed string. */
char *pg_topic_sanitize(const char *name, bool *changed);

#endif
