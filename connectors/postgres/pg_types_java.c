/* pg_types_java.c - the Java behaviours behind some values, as the bytes show them: String.hashCode
 * and java.util.HashMap's iteration order (hstore maps), and UUID.nameUUIDFromBytes (MD5) for the
 * values Debezium derives a name-based UUID from. */
#include "connectors/postgres/pg_types_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char hex_lc[] = "0123456789abcdef";

/* ---- Java String.hashCode and HashMap iteration order -------------------------------------------------- */

/* String.hashCode of UTF-8 text decoded to UTF-16 (malformed bytes count as U+FFFD, as new String does). */
uint32_t pgt_java_string_hash(const char *s, size_t n) {
    uint32_t h = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp = p[i], need = 0;
        if (cp < 0x80) need = 0;
        else if ((cp & 0xE0) == 0xC0) need = 1, cp &= 0x1F;
        else if ((cp & 0xF0) == 0xE0) need = 2, cp &= 0x0F;
        else if ((cp & 0xF8) == 0xF0) need = 3, cp &= 0x07;
        else need = 99;
        size_t j = 1;
        if (need != 99) {
            for (; j <= need && i + j < n && (p[i + j] & 0xC0) == 0x80; j++) cp = cp << 6 | (p[i + j] & 0x3F);
            if (j <= need) need = 99;
        }
        if (need == 99) {
            cp = 0xFFFD;
            j = 1;
        }
        i += j;
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

/* Order in which a java.util.HashMap (load factor 0.75, first table of first_cap buckets) iterates n distinct
 * keys with the given hashCodes, inserted in index order: buckets ascending, insertion order within a bucket
 * (resizes split buckets preserving order; treeified buckets are not modelled). */
void pgt_java_hashmap_order(const uint32_t *hashes, size_t n, size_t first_cap, size_t *order) {
    size_t cap = first_cap ? first_cap : 1;
    for (size_t size = 1; size <= n; size++)
        if (size > cap * 3 / 4) cap *= 2;
    /* counting sort by bucket, stable */
    size_t *count = calloc(cap + 1, sizeof(size_t));
    if (!count) abort();
    for (size_t i = 0; i < n; i++) {
        uint32_t h = hashes[i] ^ (hashes[i] >> 16);
        count[(h & (cap - 1)) + 1]++;
    }
    for (size_t b = 0; b < cap; b++) count[b + 1] += count[b];
    for (size_t i = 0; i < n; i++) {
        uint32_t h = hashes[i] ^ (hashes[i] >> 16);
        order[count[h & (cap - 1)]++] = i;
    }
    free(count);
}

/* HashMap(int) sizes its first table with tableSizeFor. */
size_t pgt_table_size_for(size_t n) {
    size_t c = 1;
    while (c < n) c *= 2;
    return c;
}

/* ---- MD5 (for UUID.nameUUIDFromBytes) -------------------------------------------------------------------- */

static void md5(const unsigned char *msg, size_t len, unsigned char out[16]) {
    static const uint32_t K[64] = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
        0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
        0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
        0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
    static const int R[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9,  14, 20, 5, 9,
                              14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                              4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
    uint32_t h0 = 0x67452301, h1 = 0xefcdab89, h2 = 0x98badcfe, h3 = 0x10325476;
    size_t total = ((len + 8) / 64 + 1) * 64;
    unsigned char *m = calloc(total, 1);
    if (!m) abort();
    if (len) memcpy(m, msg, len);
    m[len] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++) m[total - 8 + (size_t)i] = (unsigned char)(bits >> (8 * i));
    for (size_t off = 0; off < total; off += 64) {
        uint32_t w[16];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)m[off + (size_t)i * 4] | (uint32_t)m[off + (size_t)i * 4 + 1] << 8 |
                   (uint32_t)m[off + (size_t)i * 4 + 2] << 16 | (uint32_t)m[off + (size_t)i * 4 + 3] << 24;
        uint32_t a = h0, b = h1, c = h2, d = h3;
        for (int i = 0; i < 64; i++) {
            uint32_t f;
            int g;
            if (i < 16) f = (b & c) | (~b & d), g = i;
            else if (i < 32) f = (d & b) | (~d & c), g = (5 * i + 1) % 16;
            else if (i < 48) f = b ^ c ^ d, g = (3 * i + 5) % 16;
            else f = c ^ (b | ~d), g = (7 * i) % 16;
            uint32_t t = d;
            d = c;
            c = b;
            uint32_t x = a + f + K[i] + w[g];
            b = b + (x << R[i] | x >> (32 - R[i]));
            a = t;
        }
        h0 += a;
        h1 += b;
        h2 += c;
        h3 += d;
    }
    free(m);
    uint32_t h[4] = {h0, h1, h2, h3};
    for (int i = 0; i < 16; i++) out[i] = (unsigned char)(h[i / 4] >> (8 * (i % 4)));
}

/* UUID.nameUUIDFromBytes(bytes).toString() */
cd_value_t pgt_name_uuid(cd_arena_t *a, const unsigned char *p, size_t n) {
    unsigned char h[16];
    md5(p, n, h);
    h[6] = (unsigned char)((h[6] & 0x0f) | 0x30);
    h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
    char *o = cd_arena_alloc(a, 37);
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) o[k++] = '-';
        o[k++] = hex_lc[h[i] >> 4];
        o[k++] = hex_lc[h[i] & 15];
    }
    o[k] = '\0';
    return pgt_v_str(o, k);
}

