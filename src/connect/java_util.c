/* java_util.c - Java's String.hashCode, UTF-16 unit counts of UTF-8 text, and java.util.HashMap's
 * iteration order (OpenJDK 8 and later), for output that must equal what Java code writes; UUIDv7. */
#include "connect/java_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "xalloc.h"

/* Decodes one character; *cp is U+FFFD for an invalid byte. Overlong forms, surrogates and
 * values past U+10FFFF are invalid, as in Java's UTF-8 decoder. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp) {
    unsigned char c = s[0];
    size_t need;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        need = 2, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        need = 3, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        need = 4, v = c & 0x07, min = 0x10000;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (len < need) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = v << 6 | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = v;
    return need;
}

size_t ju_utf8_next(const char *s, size_t len, int *units) {
    uint32_t cp;
    size_t n = utf8_decode((const unsigned char *)s, len, &cp);
    *units = cp > 0xFFFF ? 2 : 1;
    return n;
}

int32_t ju_string_hash(const char *s, size_t len) {
    uint32_t h = 0; /* unsigned: Java's int overflow wraps, C's signed overflow is undefined */
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        i += utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (cp > 0xFFFF) { /* a surrogate pair: two chars */
            cp -= 0x10000;
            h = 31 * h + (0xD800 + (cp >> 10));
            h = 31 * h + (0xDC00 + (cp & 0x3FF));
        } else {
            h = 31 * h + cp;
        }
    }
    return (int32_t)h;
}

/* HashMap.hash(): the high half folded into the low one, since the table index uses low bits. */
static uint32_t spread(const char *key) {
    uint32_t h = (uint32_t)ju_string_hash(key, strlen(key));
    return h ^ (h >> 16);
}

/* Java's HashMap (putVal, resize, treeifyBin): a put appends to its bucket's list; a list that
 * would grow to 9 entries in a table smaller than 64 makes the table double instead of becoming
 * a tree; after the put, more entries than 3/4 of the table doubles it. Doubling splits each
 * bucket in two and keeps the entries' relative order, so the iteration order is by bucket in
 * the final table, then by insertion. */
size_t ju_hashmap_order(const char *const *keys, size_t n, size_t capacity, size_t *order) {
    size_t cap = capacity ? capacity : 16; /* 0: a new map; a copy of a small map may have 8, 4... */
    uint32_t *h = xmalloc((n + 1) * sizeof(*h));
    size_t *count = NULL, counted_cap = 0;
    for (size_t i = 0; i < n; i++) {
        h[i] = spread(keys[i]);
        if (counted_cap != cap) { /* bucket sizes for this table size */
            free(count);
            count = xmalloc(cap * sizeof(*count));
            memset(count, 0, cap * sizeof(*count));
            for (size_t j = 0; j < i; j++) count[h[j] & (cap - 1)]++;
            counted_cap = cap;
        }
        size_t before = count[h[i] & (cap - 1)]++;
        if (before >= 8 && cap < 64) cap <<= 1;
        if (i + 1 > cap / 4 * 3) cap <<= 1;
    }
    /* Stable counting sort by bucket. */
    size_t *start = xmalloc((cap + 1) * sizeof(*start));
    memset(start, 0, (cap + 1) * sizeof(*start));
    for (size_t i = 0; i < n; i++) start[(h[i] & (cap - 1)) + 1]++;
    for (size_t b = 0; b < cap; b++) start[b + 1] += start[b];
    for (size_t i = 0; i < n; i++) order[start[h[i] & (cap - 1)]++] = i;
    free(start);
    free(count);
    free(h);
    return cap;
}

/* UUIDUtils.generateNewUUID(Instant): msb = time << 16 | 0x7000 | 12 random bits,
 * lsb = 0b10 then 62 random bits (SecureRandom; here the kernel's generator). */
void ju_uuid_v7(int64_t epoch_ms, char out[37]) {
    uint64_t r[2] = {0, 0};
    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) { /* cannot fail for 16 bytes once seeded */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        r[0] = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ULL;
        r[1] = (uint64_t)(uintptr_t)out ^ ((uint64_t)ts.tv_sec << 32) ^ r[0] * 31;
    }
    uint64_t msb = (uint64_t)epoch_ms << 16 | (r[0] & 0x0FFF) | 0x7000;
    uint64_t lsb = (r[1] & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
    snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(msb >> 32), (unsigned)(msb >> 16 & 0xFFFF),
             (unsigned)(msb & 0xFFFF), (unsigned)(lsb >> 48), (unsigned long long)(lsb & 0xFFFFFFFFFFFFULL));
}

char *ju_trim(const char *s) {
    const char *end = s + strlen(s);
    while (s < end && (unsigned char)*s <= ' ') s++;
    while (end > s && (unsigned char)end[-1] <= ' ') end--;
    size_t n = (size_t)(end - s);
    char *t = xmalloc(n + 1);
    memcpy(t, s, n);
    t[n] = '\0';
    return t;
}
