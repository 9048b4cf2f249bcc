/* json_write.h - appending JSON text to a cd_buf_t exactly as Jackson's compact generator writes
 * it (string escaping, Base64), and Java's text forms of numbers (Double.toString,
 * Float.toString, BigDecimal.toString). Shared by the converters; on the hot path, so no
 * allocation beyond the buffer's own growth. */
#ifndef CONNECTD_JSON_WRITE_H
#define CONNECTD_JSON_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "connectd/data.h"

static inline void cd_jw_raw(cd_buf_t *b, const void *s, size_t n) {
    if (!n) return;
    if (b->cap - b->len < n) cd_buf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static inline void cd_jw_char(cd_buf_t *b, char c) {
    if (b->cap == b->len) cd_buf_reserve(b, 1);
    b->data[b->len++] = c;
}

/* A string literal, without its terminating NUL. */
#define cd_jw_lit(b, lit) cd_jw_raw((b), (lit), sizeof(lit) - 1)

/* A quoted JSON string: `"` and `\` escaped, \b \t \n \f \r as short escapes, other control
 * characters as \u00XX (upper-case hex), everything else (including non-ASCII UTF-8 and '/')
 * copied as is. */
void cd_jw_string(cd_buf_t *b, const char *s, size_t n);

/* Decimal integer text. */
void cd_jw_int(cd_buf_t *b, int64_t v);

/* The decimal digits of u at out (at most 20 bytes, no NUL); returns how many. */
size_t cd_jw_u64_digits(char *out, uint64_t u);

/* Java's Double.toString / Float.toString (JDK 19+ shortest form): "4.0", "3.3", "1.0E10",
 * "1.234E-5", "-0.0", and the bare words NaN, Infinity, -Infinity (JSON writers quote those). */
void cd_jw_java_double(cd_buf_t *b, double d);
void cd_jw_java_float(cd_buf_t *b, float f);

/* Standard Base64 with padding, unquoted. */
void cd_jw_base64(cd_buf_t *b, const void *data, size_t n);

/* Decodes standard Base64 (padding optional, also accepts the URL-safe alphabet) into out, which
 * must hold at least cd_base64_decoded_max(n) bytes. Returns the decoded length, or -1 when the
 * text is not Base64. */
static inline size_t cd_base64_decoded_max(size_t n) { return n / 4 * 3 + 3; }
long cd_base64_decode(const char *s, size_t n, unsigned char *out);

/* Java's BigDecimal.toString of unscaled * 10^-scale, where unscaled is big-endian two's
 * complement (BigInteger.toByteArray; empty means 0): "123.45", "-0.05", "0E-10", "1.2E+4". */
void cd_jw_big_decimal(cd_buf_t *b, const unsigned char *unscaled, size_t n, int32_t scale);

#endif
