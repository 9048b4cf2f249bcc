/* json_write.c - Jackson-compatible JSON text pieces and Java's number formats, appended straight
 * into a cd_buf_t. Event rendering spends most of its time here, so strings are copied in runs
 * and integers are formatted without stdio. */
#include "connect/json_write.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- strings ---------------------------------------------------------------------------------- */

/* 0: copy as is; 'u': \u00XX; else the character after the backslash. */
static const unsigned char escape_of[256] = {
    ['\0'] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u', [0x05] = 'u',
    [0x06] = 'u', [0x07] = 'u', ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', [0x0b] = 'u',
    ['\f'] = 'f', ['\r'] = 'r', [0x0e] = 'u', [0x0f] = 'u', [0x10] = 'u', [0x11] = 'u',
    [0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u',
    [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u', [0x1d] = 'u',
    [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"', ['\\'] = '\\',
    /* the lead bytes of 4-byte UTF-8 sequences: code points beyond the BMP, which Jackson's
     * UTF8JsonGenerator writes as two escaped UTF-16 surrogates (\uD83D\uDE00) */
    [0xf0] = 's', [0xf1] = 's', [0xf2] = 's', [0xf3] = 's', [0xf4] = 's',
};

/* Whether any of the 8 bytes of x needs the careful path: a control character (< 0x20), '"',
 * '\\', or the lead byte of a 4-byte UTF-8 sequence (0xf0 and above). Each test is the classic
 * "has a zero byte" / "has a byte less than n" word trick, exact as a yes/no answer. */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
static inline uint64_t zero_byte(uint64_t v) { return (v - ONES) & ~v & HIGHS; }
static inline bool word_needs_escape(uint64_t x) {
    return ((x - ONES * 0x20) & ~x & HIGHS) | zero_byte(x ^ (ONES * '"')) | zero_byte(x ^ (ONES * '\\')) |
           zero_byte((x & (ONES * 0xf0)) ^ (ONES * 0xf0));
}

/* The careful path from s[i] on: the escapes of escape_of; b->len is where s[i] goes. */
static void string_tail(cd_buf_t *b, const char *s, size_t i, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    size_t run = i;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        unsigned char e = escape_of[c];
        if (__builtin_expect(!e, 1)) continue;
        cd_jw_raw(b, s + run, i - run);
        run = i + 1;
        if (e == 's') {
            unsigned cp = i + 3 < n ? ((c & 7u) << 18) | (((unsigned char)s[i + 1] & 0x3fu) << 12) |
                                          (((unsigned char)s[i + 2] & 0x3fu) << 6) | ((unsigned char)s[i + 3] & 0x3fu)
                                    : 0;
            if (i + 3 >= n || (s[i + 1] & 0xc0) != 0x80 || (s[i + 2] & 0xc0) != 0x80 ||
                (s[i + 3] & 0xc0) != 0x80 || cp < 0x10000 || cp > 0x10ffff) {
                /* not a whole sequence of a code point beyond the BMP (PostgreSQL never sends
                 * one): copied as it is */
                run = i;
                continue;
            }
            unsigned hi = 0xd800 + ((cp - 0x10000) >> 10), lo = 0xdc00 + ((cp - 0x10000) & 0x3ff);
            char u[12] = {'\\', 'u', hex[hi >> 12], hex[(hi >> 8) & 15], hex[(hi >> 4) & 15], hex[hi & 15],
                          '\\', 'u', hex[lo >> 12], hex[(lo >> 8) & 15], hex[(lo >> 4) & 15], hex[lo & 15]};
            cd_jw_raw(b, u, 12);
            i += 3;
            run = i + 1;
        } else if (e == 'u') {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            cd_jw_raw(b, u, 6);
        } else {
            char u[2] = {'\\', (char)e};
            cd_jw_raw(b, u, 2);
        }
    }
    cd_jw_raw(b, s + run, n - run);
}

void cd_jw_string(cd_buf_t *b, const char *s, size_t n) {
    if (b->cap - b->len < n + 2) cd_buf_reserve(b, n + 2);
    char *d = b->data + b->len;
    *d++ = '"';
    /* Most text needs no escape: copied 8 bytes at a time into the room reserved above until a
     * word that might need one; the rest goes the careful way. */
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        if (word_needs_escape(x)) break;
        memcpy(d + i, &x, 8);
    }
    for (; i < n && !escape_of[(unsigned char)s[i]]; i++) d[i] = s[i];
    b->len += 1 + i;
    if (i < n) string_tail(b, s, i, n);
    cd_jw_char(b, '"');
}

/* ---- integers --------------------------------------------------------------------------------- */

static const char two_digits[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                    "8081828384858687888990919293949596979899";

size_t cd_jw_u64_digits(char *out, uint64_t u) {
    char tmp[20];
    char *p = tmp + sizeof(tmp);
    while (u >= 100) {
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        p -= 2;
        memcpy(p, two_digits + 2 * r, 2);
    }
    if (u >= 10) {
        p -= 2;
        memcpy(p, two_digits + 2 * u, 2);
    } else {
        *--p = (char)('0' + u);
    }
    size_t n = (size_t)(tmp + sizeof(tmp) - p);
    memcpy(out, p, n);
    return n;
}

void cd_jw_int(cd_buf_t *b, int64_t v) {
    char tmp[21];
    size_t n = 0;
    if (v < 0) tmp[n++] = '-';
    n += cd_jw_u64_digits(tmp + n, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
    cd_jw_raw(b, tmp, n);
}

/* ---- Java floating point text ----------------------------------------------------------------- */

/* A decimal candidate: q significant digits d[0..q-1] and the exponent of the first one. */
typedef struct {
    char d[24];
    int q, e;
} dec_t;

/* The q-digit decimal nearest to x (printf rounds correctly). */
static void nearest_decimal(double x, int q, dec_t *c) {
    char tmp[48];
    snprintf(tmp, sizeof(tmp), "%.*e", q - 1, x);
    const char *p = tmp;
    c->q = 0;
    for (; *p && *p != 'e' && *p != 'E'; p++)
        if (*p >= '0' && *p <= '9' && c->q < (int)sizeof(c->d)) c->d[c->q++] = *p;
    c->e = *p ? atoi(p + 1) : 0;
}

static double decimal_value(const dec_t *c, bool is_float, bool *reads_back, double x) {
    char tmp[48];
    snprintf(tmp, sizeof(tmp), "%c.%.*se%d", c->d[0], c->q - 1, c->d + 1, c->e);
    if (is_float) {
        float f = strtof(tmp, NULL);
        *reads_back = f == (float)x;
        return f;
    }
    double d = strtod(tmp, NULL);
    *reads_back = d == x;
    return d;
}

/* The next q-digit decimal above c. */
static void decimal_up(dec_t *c) {
    int i = c->q - 1;
    while (i >= 0 && c->d[i] == '9') c->d[i--] = '0';
    if (i >= 0) {
        c->d[i]++;
    } else {
        c->d[0] = '1';
        c->e++;
    }
}

/* A q-digit decimal that reads back as x: the nearest one, or for a power of two (whose rounding
 * interval is twice as wide above as below) possibly the next one above. */
static bool pick_decimal(double x, bool is_float, bool pow2, int q, dec_t *c) {
    bool ok;
    nearest_decimal(x, q, c);
    double v = decimal_value(c, is_float, &ok, x);
    if (ok) return true;
    if (!pow2 || v > x) return false;
    decimal_up(c);
    decimal_value(c, is_float, &ok, x);
    return ok;
}

/* The digits (trailing zeros removed, at least one) and decimal exponent of the decimal Java
 * (JDK 19+) picks for x > 0: the shortest that reads back as x, the closest such one, and when one
 * digit would do, the closest of the one- and two-digit ones (which is why Double.MIN_VALUE prints
 * as 4.9E-324, not 5.0E-324). Outside powers of two the nearest p-digit decimal reads back
 * whenever any p-digit one does, so the length is found by a binary search on p. */
static int shortest_decimal(double x, bool is_float, char *digits, int *exp10) {
    int lo = 1, hi = is_float ? 9 : 17;
    dec_t c;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        bool ok;
        nearest_decimal(x, mid, &c);
        decimal_value(&c, is_float, &ok, x);
        if (ok)
            hi = mid;
        else
            lo = mid + 1;
    }
    int fe;
    bool pow2 = frexp(x, &fe) == 0.5;
    if (pow2)
        for (int q = 1; q < lo; q++)
            if (pick_decimal(x, is_float, true, q, &c)) {
                lo = q;
                break;
            }
    if (!pick_decimal(x, is_float, pow2, lo < 2 ? 2 : lo, &c)) nearest_decimal(x, 17, &c); /* not reached */
    int n = c.q;
    memcpy(digits, c.d, (size_t)n);
    *exp10 = c.e;
    while (n > 1 && digits[n - 1] == '0') n--;
    return n;
}

static void java_fp(cd_buf_t *b, double x, bool is_float) {
    if (isnan(x)) {
        cd_jw_lit(b, "NaN");
        return;
    }
    if (isinf(x)) {
        if (x < 0)
            cd_jw_lit(b, "-Infinity");
        else
            cd_jw_lit(b, "Infinity");
        return;
    }
    if (x == 0) {
        if (signbit(x))
            cd_jw_lit(b, "-0.0");
        else
            cd_jw_lit(b, "0.0");
        return;
    }
    double ax = fabs(x);
    if (x < 0) cd_jw_char(b, '-');
    /* Whole numbers in the plain range are common (4.0, 100.0) and need no search. */
    if (ax < 1e7 && ax == (double)(int64_t)ax) {
        cd_jw_int(b, (int64_t)ax);
        cd_jw_lit(b, ".0");
        return;
    }
    char d[32];
    int e;
    int n = shortest_decimal(ax, is_float, d, &e);
    if (ax >= 1e-3 && ax < 1e7) {
        if (e >= 0) {
            /* integer part: digits 0..e, padded with zeros */
            if (n > e + 1) {
                cd_jw_raw(b, d, (size_t)e + 1);
                cd_jw_char(b, '.');
                cd_jw_raw(b, d + e + 1, (size_t)(n - e - 1));
            } else {
                cd_jw_raw(b, d, (size_t)n);
                for (int i = n; i <= e; i++) cd_jw_char(b, '0');
                cd_jw_lit(b, ".0");
            }
        } else {
            cd_jw_lit(b, "0.");
            for (int i = -1; i > e; i--) cd_jw_char(b, '0');
            cd_jw_raw(b, d, (size_t)n);
        }
        return;
    }
    cd_jw_char(b, d[0]);
    cd_jw_char(b, '.');
    if (n > 1)
        cd_jw_raw(b, d + 1, (size_t)n - 1);
    else
        cd_jw_char(b, '0');
    cd_jw_char(b, 'E');
    cd_jw_int(b, e);
}

void cd_jw_java_double(cd_buf_t *b, double d) { java_fp(b, d, false); }

void cd_jw_java_float(cd_buf_t *b, float f) { java_fp(b, (double)f, true); }

/* ---- Base64 ------------------------------------------------------------------------------------ */

static const char b64_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void cd_jw_base64(cd_buf_t *b, const void *data, size_t n) {
    const unsigned char *s = data;
    size_t out = (n + 2) / 3 * 4;
    if (!out) return;
    cd_buf_reserve(b, out);
    char *o = b->data + b->len;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        *o++ = b64_chars[v >> 18];
        *o++ = b64_chars[(v >> 12) & 63];
        *o++ = b64_chars[(v >> 6) & 63];
        *o++ = b64_chars[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)s[i] << 16;
        *o++ = b64_chars[v >> 18];
        *o++ = b64_chars[(v >> 12) & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
        *o++ = b64_chars[v >> 18];
        *o++ = b64_chars[(v >> 12) & 63];
        *o++ = b64_chars[(v >> 6) & 63];
        *o++ = '=';
    }
    b->len += out;
}

static int b64_value(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

long cd_base64_decode(const char *s, size_t n, unsigned char *out) {
    while (n && s[n - 1] == '=') n--;
    if (n % 4 == 1) return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0) return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return (long)o;
}

/* ---- BigDecimal.toString ------------------------------------------------------------------- */

void cd_jw_big_decimal(cd_buf_t *b, const unsigned char *u, size_t n, int32_t scale) {
    bool neg = n && (u[0] & 0x80);
    /* The magnitude as 32-bit limbs, most significant first. */
    size_t nl = (n + 3) / 4;
    uint32_t limbs_stack[64];
    uint32_t *limbs = nl <= 64 ? limbs_stack : malloc(nl * sizeof(uint32_t));
    /* 9 decimal digits per 30 bits, rounded up generously. */
    size_t cap = nl * 10 + 10;
    char digits_stack[650];
    char *digits = cap <= sizeof(digits_stack) ? digits_stack : malloc(cap);
    if (!limbs || !digits) abort();
    memset(limbs, 0, nl * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        uint32_t byte = neg ? (uint8_t)~u[n - 1 - i] : u[n - 1 - i];
        limbs[nl - 1 - i / 4] |= byte << (8 * (i % 4));
    }
    if (neg) /* two's complement: magnitude = ~x + 1 */
        for (size_t i = nl; i-- > 0;)
            if (++limbs[i] != 0) break;

    char *end = digits + cap, *p = end;
    size_t start = 0;
    while (start < nl && !limbs[start]) start++;
    while (start < nl) {
        uint64_t rem = 0;
        for (size_t i = start; i < nl; i++) {
            uint64_t cur = rem << 32 | limbs[i];
            limbs[i] = (uint32_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
        }
        for (int k = 0; k < 9; k++) {
            *--p = (char)('0' + rem % 10);
            rem /= 10;
        }
        while (start < nl && !limbs[start]) start++;
    }
    while (p < end && *p == '0') p++;
    if (p == end) *--p = '0';
    size_t nd = (size_t)(end - p);

    if (neg) cd_jw_char(b, '-');
    int64_t adjusted = -(int64_t)scale + (int64_t)nd - 1;
    if (scale >= 0 && adjusted >= -6) {
        if (scale == 0) {
            cd_jw_raw(b, p, nd);
        } else if ((int64_t)nd > scale) {
            cd_jw_raw(b, p, nd - (size_t)scale);
            cd_jw_char(b, '.');
            cd_jw_raw(b, p + nd - (size_t)scale, (size_t)scale);
        } else {
            cd_jw_lit(b, "0.");
            for (int64_t i = (int64_t)nd; i < scale; i++) cd_jw_char(b, '0');
            cd_jw_raw(b, p, nd);
        }
    } else {
        cd_jw_char(b, p[0]);
        if (nd > 1) {
            cd_jw_char(b, '.');
            cd_jw_raw(b, p + 1, nd - 1);
        }
        if (adjusted != 0) {
            cd_jw_char(b, 'E');
            if (adjusted > 0) cd_jw_char(b, '+');
            cd_jw_int(b, adjusted);
        }
    }
    if (limbs != limbs_stack) free(limbs);
    if (digits != digits_stack) free(digits);
}
