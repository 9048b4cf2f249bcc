/* values.h - Kafka Connect's Values where a header's bytes come from it: the text
 * SimpleHeaderConverter writes for a header value (Values.convertToString), and what
 * Values.parseString makes of a literal (InsertHeader's value.literal) written back as that text. */
#ifndef CONNECTD_VALUES_H
#define CONNECTD_VALUES_H

#include <stdbool.h>
#include <stddef.h>

#include "connectd/data.h"

/* Appends Values.convertToString(schema, v) of a non-null value: strings as they are, numbers as
 * Java prints them, bytes in Base64, arrays, maps and structs as [..] and {..} with their strings
 * quoted, Connect's Date/Time/Timestamp as ISO-8601 text in UTC (the JVM's default zone on a UTC
 * host), Decimal as BigDecimal.toString. schema NULL: a schemaless value (its own type). Returns
 * 0, or -1 with errstr for a value Kafka cannot render either. */
int cd_values_to_string(cd_buf_t *b, const cd_schema_t *schema, const cd_value_t *v, char *errstr,
                        size_t errstr_size);

/* Sets *out (malloc'ed, out_len bytes) to the header bytes SimpleHeaderConverter writes for
 * Values.parseString(text), or *out = NULL when Kafka's parse gives a null value. Returns 0, or
 * -1 with errstr for a literal connectd cannot parse exactly as Kafka does (a date Kafka would read
 * in the Julian calendar, a negative date field). */
int cd_values_literal(const char *text, char **out, size_t *out_len, char *errstr, size_t errstr_size);

#endif
