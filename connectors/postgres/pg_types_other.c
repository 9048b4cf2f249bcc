/* pg_types_other.c - the geometric and extension types: point, PostGIS geometry/geography, hstore,
 * pgvector (vector, halfvec, sparsevec). */
#include "connectors/postgres/pg_types_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connect/json_write.h"

static void put_le64(unsigned char *p, double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(u >> (8 * i));
}

cd_value_t pgt_point_value(cd_arena_t *a, double px, double py) {
    unsigned char *wkb = cd_arena_alloc(a, 21);
    wkb[0] = 1;
    wkb[1] = 1;
    wkb[2] = wkb[3] = wkb[4] = 0;
    put_le64(wkb + 5, px);
    put_le64(wkb + 13, py);
    cd_value_t *f = pgt_new_values(a, 4);
    f[0] = pgt_v_f(CD_TYPE_FLOAT64, px);
    f[1] = pgt_v_f(CD_TYPE_FLOAT64, py);
    f[2] = pgt_v_bytes(wkb, 21);
    f[3] = cd_null();
    cd_value_t v = {.type = CD_TYPE_STRUCT};
    v.u.strct.fields = f;
    v.u.strct.n = 4;
    return v;
}

/* PGpoint: "(x,y)" */
int pgt_conv_point(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    const char *p = s, *end = s + n;
    if (n < 5 || *p != '(' || end[-1] != ')') return pgt_bad_value(x, s, n, "not a point");
    const char *comma = memchr(p, ',', n);
    double px, py;
    if (!comma || !pgt_java_double(p + 1, (size_t)(comma - p - 1), &px) ||
        !pgt_java_double(comma + 1, (size_t)(end - comma - 2), &py))
        return pgt_bad_value(x, s, n, "not a point");
    *out = pgt_point_value(x->a, px, py);
    return 0;
}

cd_value_t pgt_geometry_value(cd_arena_t *a, const unsigned char *wkb, size_t n) {
    cd_value_t *f = pgt_new_values(a, 2);
    f[0] = pgt_v_bytes(wkb, n);
    f[1] = cd_null();
    if (n >= 9) {
        bool le = wkb[0] != 0;
        uint32_t type = le ? (uint32_t)wkb[1] | (uint32_t)wkb[2] << 8 | (uint32_t)wkb[3] << 16 | (uint32_t)wkb[4] << 24
                           : (uint32_t)wkb[4] | (uint32_t)wkb[3] << 8 | (uint32_t)wkb[2] << 16 | (uint32_t)wkb[1] << 24;
        if (type & 0x20000000u) {
            uint32_t srid = le ? (uint32_t)wkb[5] | (uint32_t)wkb[6] << 8 | (uint32_t)wkb[7] << 16 |
                                     (uint32_t)wkb[8] << 24
                               : (uint32_t)wkb[8] | (uint32_t)wkb[7] << 8 | (uint32_t)wkb[6] << 16 |
                                     (uint32_t)wkb[5] << 24;
            f[1] = cd_int(CD_TYPE_INT32, (int32_t)srid);
        }
    }
    cd_value_t v = {.type = CD_TYPE_STRUCT};
    v.u.strct.fields = f;
    v.u.strct.n = 2;
    return v;
}

/* PostGIS prints geometry/geography as hex EWKB. */
int pgt_conv_geometry(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    unsigned char *b = cd_arena_alloc(x->a, n / 2 + 1);
    long len = pgt_hex_decode(s, n, b);
    if (len < 9) return pgt_bad_value(x, s, n, "not hex EWKB");
    *out = pgt_geometry_value(x->a, b, (size_t)len);
    return 0;
}

/* hstore text -> keys/values (HStoreConverter.fromString), in Java HashMap order. */
static int hstore_parse(vctx_t *x, const char *s, size_t n, cd_value_t **keys, cd_value_t **vals, size_t *count) {
    size_t cap = 8, cnt = 0;
    cd_value_t *k = pgt_new_values(x->a, cap), *v = pgt_new_values(x->a, cap);
    size_t pos = 0;
    char *buf = cd_arena_alloc(x->a, n + 1);
    size_t bl = 0;
    while (pos < n) {
        const char *q = memchr(s + pos, '"', n - pos);
        if (!q) break; /* trailing blanks */
        size_t i = (size_t)(q - s) + 1;
        size_t kstart = bl;
        for (; i < n && s[i] != '"'; i++) {
            if (s[i] == '\\' && i + 1 < n) i++;
            buf[bl++] = s[i];
        }
        if (i >= n) return pgt_bad_value(x, s, n, "unterminated hstore key");
        cd_value_t key = pgt_v_str(buf + kstart, bl - kstart);
        pos = i + 3; /* skip `"=>` */
        cd_value_t val;
        if (pos < n && s[pos] == 'N') {
            val = cd_null();
            pos += 4;
        } else if (pos < n && s[pos] == '"') {
            size_t vstart = bl;
            for (i = pos + 1; i < n && s[i] != '"'; i++) {
                if (s[i] == '\\' && i + 1 < n) i++;
                buf[bl++] = s[i];
            }
            if (i >= n) return pgt_bad_value(x, s, n, "unterminated hstore value");
            val = pgt_v_str(buf + vstart, bl - vstart);
            pos = i;
        } else {
            return pgt_bad_value(x, s, n, "not an hstore");
        }
        pos++;
        size_t j = 0;
        for (; j < cnt; j++)
            if (k[j].u.str.len == key.u.str.len && memcmp(k[j].u.str.ptr, key.u.str.ptr, key.u.str.len) == 0) break;
        if (j < cnt) { /* HashMap.put on an existing key keeps its place */
            v[j] = val;
            continue;
        }
        if (cnt == cap) {
            cd_value_t *nk = pgt_new_values(x->a, cap * 2), *nv = pgt_new_values(x->a, cap * 2);
            memcpy(nk, k, cap * sizeof(*k));
            memcpy(nv, v, cap * sizeof(*v));
            k = nk;
            v = nv;
            cap *= 2;
        }
        k[cnt] = key;
        v[cnt] = val;
        cnt++;
    }
    uint32_t *h = cd_arena_alloc(x->a, (cnt ? cnt : 1) * sizeof(uint32_t));
    size_t *order = cd_arena_alloc(x->a, (cnt ? cnt : 1) * sizeof(size_t));
    for (size_t i = 0; i < cnt; i++) h[i] = pgt_java_string_hash(k[i].u.str.ptr, k[i].u.str.len);
    pgt_java_hashmap_order(h, cnt, 16, order);
    cd_value_t *ok = pgt_new_values(x->a, cnt), *ov = pgt_new_values(x->a, cnt);
    for (size_t i = 0; i < cnt; i++) {
        ok[i] = k[order[i]];
        ov[i] = v[order[i]];
    }
    *keys = ok;
    *vals = ov;
    *count = cnt;
    return 0;
}

/* Jackson's compact object of string fields. */
static cd_value_t hstore_json(cd_arena_t *a, const cd_value_t *k, const cd_value_t *v, size_t n) {
    cd_buf_t b = {0};
    cd_jw_char(&b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i) cd_jw_char(&b, ',');
        cd_jw_string(&b, k[i].u.str.ptr, k[i].u.str.len);
        cd_jw_char(&b, ':');
        if (v[i].is_null)
            cd_jw_lit(&b, "null");
        else
            cd_jw_string(&b, v[i].u.str.ptr, v[i].u.str.len);
    }
    cd_jw_char(&b, '}');
    cd_value_t out = pgt_v_str(cd_arena_strndup(a, b.data, b.len), b.len);
    cd_buf_free(&b);
    return out;
}

cd_value_t pgt_hstore_value(const pg_column_t *c, cd_value_t *k, cd_value_t *v, size_t n, cd_arena_t *a) {
    if (c->opt.hstore == PG_HSTORE_JSON) return hstore_json(a, k, v, n);
    cd_value_t m = {.type = CD_TYPE_MAP};
    m.u.map.keys = k;
    m.u.map.values = v;
    m.u.map.n = n;
    return m;
}

int pgt_conv_hstore(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    cd_value_t *k = NULL, *v = NULL;
    size_t cnt = 0;
    if (hstore_parse(x, s, n, &k, &v, &cnt)) return -1;
    *out = pgt_hstore_value(x->col, k, v, cnt, x->a);
    return 0;
}

/* pgvector "[1,2,3]" (Vectors.fromVectorString); a malformed text gives null, as Debezium's does. */
int pgt_conv_vector(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    const char *p = pgt_skip_ws(s, s + n), *end = s + n;
    while (end > p && isspace((unsigned char)end[-1])) end--;
    if (end - p < 2 || *p != '[' || end[-1] != ']') {
        *out = cd_null();
        return 0;
    }
    p++;
    end--;
    size_t cnt = 1;
    for (const char *q = p; q < end; q++) cnt += *q == ',';
    cd_value_t *items = pgt_new_values(x->a, cnt);
    bool is_double = x->cv->kind == K_VECTOR;
    for (size_t i = 0; i < cnt; i++) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        const char *a = pgt_skip_ws(p, e), *b = e;
        while (b > a && isspace((unsigned char)b[-1])) b--;
        char tmp[64];
        if (b - a <= 0 || b - a >= (long)sizeof(tmp)) return pgt_bad_value(x, s, n, "not a vector element");
        memcpy(tmp, a, (size_t)(b - a));
        tmp[b - a] = '\0';
        char *stop;
        double d = is_double ? strtod(tmp, &stop) : (double)strtof(tmp, &stop);
        if (*stop) return pgt_bad_value(x, s, n, "not a vector element");
        items[i] = pgt_v_f(is_double ? CD_TYPE_FLOAT64 : CD_TYPE_FLOAT32, d);
        p = comma ? comma + 1 : end;
    }
    *out = (cd_value_t){.type = CD_TYPE_ARRAY};
    out->u.array.items = items;
    out->u.array.n = cnt;
    return 0;
}

static bool java_short(const char *a, const char *b, int16_t *out) {
    a = pgt_skip_ws(a, b);
    while (b > a && isspace((unsigned char)b[-1])) b--;
    int64_t v;
    if (!pgt_parse_long(a, (size_t)(b - a), INT16_MIN, INT16_MAX, &v)) return false;
    *out = (int16_t)v;
    return true;
}

/* sparsevec "{1:0.5,3:1.5}/5" -> {dimensions, vector map in HashMap<Short,Double> order}. */
int pgt_conv_sparsevec(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    const char *slash = memchr(s, '/', n), *end = s + n;
    int16_t dims;
    if (!slash || memchr(slash + 1, '/', (size_t)(end - slash - 1)) || !java_short(slash + 1, end, &dims))
        return pgt_bad_value(x, s, n, "not a sparse vector");
    const char *p = pgt_skip_ws(s, slash), *e = slash;
    while (e > p && isspace((unsigned char)e[-1])) e--;
    if (e - p < 2 || *p != '{' || e[-1] != '}') {
        *out = cd_null();
        return 0;
    }
    p++;
    e--;
    if (pgt_skip_ws(p, e) == e) { /* "{}": String.split gives one empty element, which Debezium rejects */
        *out = cd_null();
        return 0;
    }
    size_t cnt = 0;
    for (const char *q = p; q <= e; q++) cnt += q == e || *q == ',';
    cd_value_t *k = pgt_new_values(x->a, cnt), *v = pgt_new_values(x->a, cnt);
    uint32_t *h = cd_arena_alloc(x->a, (cnt ? cnt : 1) * sizeof(uint32_t));
    size_t used = 0;
    for (size_t i = 0; i < cnt; i++) {
        const char *comma = memchr(p, ',', (size_t)(e - p));
        const char *ee = comma ? comma : e;
        const char *colon = memchr(p, ':', (size_t)(ee - p));
        int16_t idx;
        double d;
        if (!colon || !java_short(p, colon, &idx)) return pgt_bad_value(x, s, n, "not a sparse vector element");
        const char *va = pgt_skip_ws(colon + 1, ee), *vb = ee;
        while (vb > va && isspace((unsigned char)vb[-1])) vb--;
        if (!pgt_java_double(va, (size_t)(vb - va), &d)) return pgt_bad_value(x, s, n, "not a sparse vector element");
        size_t j = 0;
        for (; j < used; j++)
            if (k[j].u.i == idx) break;
        if (j == used) {
            k[used] = cd_int(CD_TYPE_INT16, idx);
            h[used] = (uint32_t)(int32_t)idx;
            used++;
        }
        v[j] = pgt_v_f(CD_TYPE_FLOAT64, d);
        p = comma ? comma + 1 : e;
    }
    size_t *order = cd_arena_alloc(x->a, (used ? used : 1) * sizeof(size_t));
    pgt_java_hashmap_order(h, used, pgt_table_size_for(cnt), order);
    cd_value_t *ok = pgt_new_values(x->a, used), *ov = pgt_new_values(x->a, used);
    for (size_t i = 0; i < used; i++) {
        ok[i] = k[order[i]];
        ov[i] = v[order[i]];
    }
    cd_value_t *f = pgt_new_values(x->a, 2);
    f[0] = cd_int(CD_TYPE_INT16, dims);
    f[1] = (cd_value_t){.type = CD_TYPE_MAP};
    f[1].u.map.keys = ok;
    f[1].u.map.values = ov;
    f[1].u.map.n = used;
    *out = (cd_value_t){.type = CD_TYPE_STRUCT};
    out->u.strct.fields = f;
    out->u.strct.n = 2;
    return 0;
}

/* One non-null value of conv x->cv from its text (NUL-terminated, in scratch). */

/* ---- geometric types pgjdbc has a class for, under include.unknown.datatypes ---------------------------- */

/* Debezium resolves box, circle, line, lseg, path and polygon to pgjdbc's PGbox, PGcircle, ... and emits
 * their getValue(): the same punctuation as PostgreSQL's text, with every coordinate parsed by
 * Double.parseDouble and written back by Double.toString ("(3,4),(1,2)" -> "(3.0,4.0),(1.0,2.0)"). */
bool pgt_is_pgjdbc_geometric(const char *type_name) {
    static const char *const geo[] = {"box", "circle", "line", "lseg", "path", "polygon", NULL};
    for (const char *const *g = geo; *g; g++)
        if (type_name && strcmp(type_name, *g) == 0) return true;
    return false;
}

int pgt_pgjdbc_geometric_text(vctx_t *x, const char *s, size_t n, const char **out, size_t *out_len) {
    cd_buf_t b = {0};
    size_t i = 0;
    while (i < n) {
        if (strchr("()[]<>{},", s[i])) {
            cd_buf_append(&b, &s[i++], 1);
            continue;
        }
        size_t j = i;
        while (j < n && !strchr("()[]<>{},", s[j])) j++;
        double d;
        if (!pgt_java_double(s + i, j - i, &d)) {
            cd_buf_free(&b);
            return pgt_bad_value(x, s, n, "not a geometric value");
        }
        cd_jw_java_double(&b, d);
        i = j;
    }
    char *r = cd_arena_strndup(x->a, b.data ? b.data : "", b.len);
    *out_len = b.len;
    *out = r;
    cd_buf_free(&b);
    return 0;
}
