/* java_date.h - java.text.SimpleDateFormat in the time zone UTC and the English locale (what
 * Kafka's TimestampConverter and TimestampRouter use): compiling a pattern, formatting an instant
 * and parsing text back, leniently, as Java does (GregorianCalendar with its Julian cutover in
 * 1582, field resolution by the order fields were parsed in, two-digit years relative to the
 * formatter's creation).
 *
 * Pattern letters implemented: G y M L d D E a H k K h m s S z Z X and quoted text. Java's other
 * letters (Y u w W F) are refused with connectd's own message (never formatted wrongly); letters
 * Java does not know get Java's IllegalArgumentException text. */
#ifndef CONNECTD_JAVA_DATE_H
#define CONNECTD_JAVA_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct java_date_format java_date_format_t;

/* new SimpleDateFormat(pattern) with the time zone UTC; now_ms is the creation time (the start of
 * the century two-digit years are read in). Returns NULL with errstr: Java's
 * IllegalArgumentException message (*java_refuses = true: "Illegal pattern character 'x'",
 * "Unterminated quote", ...), or connectd's when it lacks a letter Java has (*java_refuses =
 * false). The result is owned by the caller (java_date_format_free). */
java_date_format_t *java_date_format_new(const char *pattern, int64_t now_ms, bool *java_refuses, char *errstr,
                                         size_t errstr_size);
void java_date_format_free(java_date_format_t *f);

/* toPattern(): the pattern as given. */
const char *java_date_format_pattern(const java_date_format_t *f);

/* format(new Date(ms)): a malloc'ed NUL-terminated string (the caller frees it). */
char *java_date_format(const java_date_format_t *f, int64_t ms);

/* parse(text), as DateFormat.parse(String) does (text after what the pattern reads is ignored).
 * Returns 0 with *ms; -1 where Java throws ParseException; -2 with errstr where the text names a
 * time zone other than UTC/GMT, which connectd does not read (Java would switch the format's zone). */
int java_date_parse(const java_date_format_t *f, const char *text, size_t len, int64_t *ms, char *errstr,
                    size_t errstr_size);

/* The calendar date of a day count since 1970-01-01 as java.util.GregorianCalendar gives it
 * (Julian calendar before 1582-10-15; years <= 0 are 1 BC, 2 BC, ...: year 0 here is 1 BC). */
void java_date_civil(int64_t epoch_day, int64_t *year, int *month, int *day);

#endif
