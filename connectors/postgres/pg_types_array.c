/* pg_types_array.c - array columns: PostgreSQL's array text parsed into items, each converted as the
 * element type is. */
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

/* ---- arrays ----------------------------------------------------------------------------------------------------- */

typedef struct {
    const char *s;
    size_t n;
    bool null;
} elem_t;

/* array_out text: "{a,\"b c\",NULL,\"d\\\"e\"}", optionally preceded by "[l:u]=" bounds. A nested
 * (multi-dimensional) sub-array becomes a null element: Debezium's element converters cannot take one. */
static int parse_array(vctx_t *x, const char *s, size_t n, elem_t **out, size_t *count) {
    const char *p = s, *end = s + n;
    if (p < end && *p == '[') {
        const char *eqs = memchr(p, '=', n);
        if (!eqs) return pgt_bad_value(x, s, n, "not an array");
        p = eqs + 1;
    }
    if (p >= end || *p != '{' || end[-1] != '}') return pgt_bad_value(x, s, n, "not an array");
    p++;
    end--;
    size_t cap = 1;
    for (const char *q = p; q < end; q++) cap += *q == ',';
    elem_t *el = cd_arena_alloc(x->a, cap * sizeof(elem_t));
    char *buf = cd_arena_alloc(x->a, n + 1);
    size_t bl = 0, cnt = 0;
    if (pgt_skip_ws(p, end) == end) {
        *out = el;
        *count = 0;
        return 0;
    }
    for (;;) {
        p = pgt_skip_ws(p, end);
        if (cnt == cap) return pgt_bad_value(x, s, n, "malformed array");
        elem_t *e = &el[cnt++];
        if (p < end && *p == '{') {
            int depth = 0;
            bool inq = false;
            for (; p < end; p++) {
                if (inq) {
                    if (*p == '\\') p++;
                    else if (*p == '"') inq = false;
                } else if (*p == '"') {
                    inq = true;
                } else if (*p == '{') {
                    depth++;
                } else if (*p == '}' && --depth == 0) {
                    p++;
                    break;
                }
            }
            if (depth) return pgt_bad_value(x, s, n, "malformed array");
            *e = (elem_t){NULL, 0, true};
        } else if (p < end && *p == '"') {
            size_t start = bl;
            for (p++; p < end && *p != '"'; p++) {
                if (*p == '\\' && p + 1 < end) p++;
                buf[bl++] = *p;
            }
            if (p >= end) return pgt_bad_value(x, s, n, "unterminated quoted array element");
            p++;
            buf[bl++] = '\0';
            *e = (elem_t){buf + start, bl - start - 1, false};
        } else {
            const char *a = p;
            while (p < end && *p != ',') p++;
            const char *b = p;
            while (b > a && isspace((unsigned char)b[-1])) b--;
            if (b - a == 4 && strncasecmp(a, "NULL", 4) == 0) {
                *e = (elem_t){NULL, 0, true};
            } else {
                size_t start = bl;
                memcpy(buf + bl, a, (size_t)(b - a));
                bl += (size_t)(b - a);
                buf[bl++] = '\0';
                *e = (elem_t){buf + start, (size_t)(b - a), false};
            }
        }
        p = pgt_skip_ws(p, end);
        if (p >= end) break;
        if (*p != ',') return pgt_bad_value(x, s, n, "malformed array");
        p++;
    }
    *out = el;
    *count = cnt;
    return 0;
}

int pgt_conv_array(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    elem_t *el = NULL;
    size_t cnt = 0;
    if (parse_array(x, s, n, &el, &cnt)) return -1;
    cd_value_t *items = pgt_new_values(x->a, cnt);
    for (size_t i = 0; i < cnt; i++) {
        if (el[i].null) {
            items[i] = cd_null();
        } else if (pgt_conv_text(x, el[i].s, el[i].n, &items[i])) {
            return -1;
        }
    }
    *out = (cd_value_t){.type = CD_TYPE_ARRAY};
    out->u.array.items = items;
    out->u.array.n = cnt;
    return 0;
}
