/* java_string.h - what Java's toString() writes for Connect data, where connectd's output must be
 * the text Kafka Connect writes: FileStreamSink's lines (PrintStream.println(record.value())) and
 * the records the error handler's LogReporter shows (ConnectRecord.toString). */
#ifndef CONNECTD_JAVA_STRING_H
#define CONNECTD_JAVA_STRING_H

#include "connectd/data.h"

/* String.valueOf(value) of the Java object Connect uses for v (schema s, or NULL when
 * schemaless): numbers as Long/Integer/Double.toString, Struct{a=1,b=x} (null fields left out),
 * maps {k=v, k2=v2} and lists [a, b] in their order (a map's order is the iteration order of the
 * HashMap it stands for), Decimal as BigDecimal.toString, Date/Time/Timestamp as java.util.Date's
 * toString in UTC ("Thu Jan 01 00:00:00 UTC 1970"). Bytes as "[B@", the start of a byte[]'s
 * toString (its identity hash, which differs from run to run, left out). */
void cd_java_to_string(cd_buf_t *b, const cd_schema_t *s, const cd_value_t *v);

/* ConnectSchema.toString: "Schema{name:TYPE}", "Schema{TYPE}", or "null". */
void cd_java_schema_string(cd_buf_t *b, const cd_schema_t *s);

#endif
