/* values.c - Kafka Connect's Values for header text: convertToString of Connect values (what
 * SimpleHeaderConverter writes) and parseString of literals (its tokenizer, ValueParser and
 * SchemaMerger as org.apache.kafka.connect.data.Values 4.1.1 has them), each written back as text.
 *
 * parseString is a heuristic Kafka applies as is: a top-level literal is read from its first token
 * only ("12:30 meeting" is the byte 12), arrays and maps are parsed whole or fall back to the
 * string, dates are parsed by a lenient SimpleDateFormat. The model below keeps those rules,
 * including the ones that look like accidents, because the header bytes must be Kafka's. */
#include "connect/converter.h"
#include "connect/values.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/java_util.h"
#include "connect/json_write.h"
#include "xalloc.h"

#define MILLIS_PER_DAY 86400000LL
/* 1582-10-15, the first day of the Gregorian calendar java.util.GregorianCalendar switches to. */
#define GREGORIAN_START_DAY (-141427LL)

/* ---- dates as SimpleDateFormat writes them (UTC) --------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard Hinnant's algorithms). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Values.dateFormatFor: a time before the end of the epoch's first day as a time of day, a whole
 * day as a date, anything else as a timestamp. Dates are after 1970 here, so Gregorian. */
static void append_date(cd_buf_t *b, int64_t ms) {
    char t[64];
    int64_t in_day = ms - floor_div(ms, MILLIS_PER_DAY) * MILLIS_PER_DAY;
    int n = 0;
    if (ms >= MILLIS_PER_DAY) {
        int64_t y;
        int mo, d;
        civil_from_days(floor_div(ms, MILLIS_PER_DAY), &y, &mo, &d);
        n = snprintf(t, sizeof(t), "%04" PRId64 "-%02d-%02d", y, mo, d);
        if (ms % MILLIS_PER_DAY == 0) {
            cd_jw_raw(b, t, (size_t)n);
            return;
        }
        t[n++] = 'T';
    }
    n += snprintf(t + n, sizeof(t) - (size_t)n, "%02d:%02d:%02d.%03dZ", (int)(in_day / 3600000),
                  (int)(in_day / 60000 % 60), (int)(in_day / 1000 % 60), (int)(in_day % 1000));
    cd_jw_raw(b, t, (size_t)n);
}

/* Values.escape: backslashes doubled, double quotes escaped; nothing else. */
static void append_quoted(cd_buf_t *b, const char *s, size_t n) {
    cd_jw_char(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' || s[i] == '"') cd_jw_char(b, '\\');
        cd_jw_char(b, s[i]);
    }
    cd_jw_char(b, '"');
}

/* ---- convertToString of Connect values -------------------------------------------------------- */

static int32_t decimal_scale(const cd_schema_t *s) {
    int32_t scale = 0;
    char err[256];
    cd_converter_decimal_scale(s, &scale, err, sizeof(err));
    return scale;
}

static int append_value(cd_buf_t *b, const cd_schema_t *s, const cd_value_t *v, bool embedded, char *errstr,
                        size_t errstr_size) {
    if (!v || v->is_null) {
        cd_jw_lit(b, "null");
        return 0;
    }
    const char *name = s ? s->name : NULL;
    if (name && !strcmp(name, CD_LOGICAL_DECIMAL)) {
        cd_jw_big_decimal(b, (const unsigned char *)v->u.str.ptr, v->u.str.len, decimal_scale(s));
        return 0;
    }
    if (name && !strcmp(name, CD_LOGICAL_DATE)) {
        append_date(b, v->u.i * MILLIS_PER_DAY);
        return 0;
    }
    if (name && (!strcmp(name, CD_LOGICAL_TIME) || !strcmp(name, CD_LOGICAL_TIMESTAMP))) {
        append_date(b, v->u.i);
        return 0;
    }
    switch (s ? s->type : v->type) {
    case CD_TYPE_INT8: case CD_TYPE_INT16: case CD_TYPE_INT32: case CD_TYPE_INT64: cd_jw_int(b, v->u.i); return 0;
    case CD_TYPE_FLOAT32: cd_jw_java_float(b, (float)v->u.f); return 0;
    case CD_TYPE_FLOAT64: cd_jw_java_double(b, v->u.f); return 0;
    case CD_TYPE_BOOLEAN:
        if (v->u.b) cd_jw_lit(b, "true");
        else cd_jw_lit(b, "false");
        return 0;
    case CD_TYPE_STRING:
        if (embedded) append_quoted(b, v->u.str.ptr, v->u.str.len);
        else cd_jw_raw(b, v->u.str.ptr, v->u.str.len);
        return 0;
    case CD_TYPE_BYTES:
        if (embedded) cd_jw_char(b, '"');
        cd_jw_base64(b, v->u.str.ptr, v->u.str.len);
        if (embedded) cd_jw_char(b, '"');
        return 0;
    case CD_TYPE_ARRAY:
        cd_jw_char(b, '[');
        for (size_t i = 0; i < v->u.array.n; i++) {
            if (i) cd_jw_char(b, ',');
            if (append_value(b, s ? s->value_schema : NULL, &v->u.array.items[i], true, errstr, errstr_size))
                return -1;
        }
        cd_jw_char(b, ']');
        return 0;
    case CD_TYPE_MAP:
        cd_jw_char(b, '{');
        for (size_t i = 0; i < v->u.map.n; i++) {
            if (i) cd_jw_char(b, ',');
            if (append_value(b, s ? s->key_schema : NULL, &v->u.map.keys[i], true, errstr, errstr_size)) return -1;
            cd_jw_char(b, ':');
            if (append_value(b, s ? s->value_schema : NULL, &v->u.map.values[i], true, errstr, errstr_size))
                return -1;
        }
        cd_jw_char(b, '}');
        return 0;
    case CD_TYPE_STRUCT:
        if (!s) break;
        cd_jw_char(b, '{');
        for (size_t i = 0; i < s->n_fields; i++) {
            if (i) cd_jw_char(b, ',');
            append_quoted(b, s->fields[i].name, strlen(s->fields[i].name));
            cd_jw_char(b, ':');
            /* Struct.get: a null field gives its schema's default */
            const cd_value_t *f = &v->u.strct.fields[i];
            if (f->is_null && s->fields[i].schema->default_value) f = s->fields[i].schema->default_value;
            if (append_value(b, s->fields[i].schema, f, true, errstr, errstr_size)) return -1;
        }
        cd_jw_char(b, '}');
        return 0;
    }
    snprintf(errstr, errstr_size, "Failed to serialize unexpected value type %s", "org.apache.kafka.connect.data.Struct");
    return -1;
}

int cd_values_to_string(cd_buf_t *b, const cd_schema_t *schema, const cd_value_t *v, char *errstr,
                        size_t errstr_size) {
    return append_value(b, schema, v, false, errstr, errstr_size);
}

/* ---- parseString ------------------------------------------------------------------------------ */

/* The Java objects parseString makes. */
typedef enum { JV_BYTE, JV_SHORT, JV_INT, JV_LONG, JV_FLOAT, JV_DOUBLE, JV_BOOL, JV_STRING, JV_DECIMAL, JV_DATE,
               JV_LIST, JV_MAP } jv_kind_t;

typedef struct jv {
    jv_kind_t k;
    int64_t i;      /* integers, booleans, DATE: epoch ms */
    double f;       /* FLOAT (a float's value), DOUBLE */
    char *s;        /* STRING; DECIMAL: its BigDecimal.toString */
    size_t len;
    struct jv **items; /* LIST: n items; MAP: keys at 2i, values at 2i+1; NULL: a null */
    size_t n;
} jv_t;

/* The schemas parseString gives values: a type and, for Connect's logical types, which. */
enum { LG_NONE, LG_DECIMAL, LG_DATE, LG_TIME, LG_TIMESTAMP };
typedef struct {
    cd_type_t type;
    int logical;
} skind_t;

/* A SchemaAndValue; present false: Java's null (the literal null). */
typedef struct {
    bool present;
    skind_t schema;
    jv_t *v;
} sv_t;

/* Outcomes of a parse step: a DataException (Kafka catches some and falls back to a string), or
 * a literal connectd cannot read as Kafka does (never caught: the config is refused). */
enum { P_OK = 0, P_DATA = -1, P_UNSUPPORTED = -2 };

typedef struct {
    const char *s;
    size_t len, pos;
    bool has_next;
    size_t next_start, next_len;
    bool has_prev;
    size_t prev_start, prev_len;
    cd_arena_t *arena;
    char *why; /* what connectd cannot do, for P_UNSUPPORTED */
} parser_t;

static jv_t *jv_new(parser_t *p, jv_kind_t k) {
    jv_t *v = cd_arena_alloc(p->arena, sizeof(*v));
    memset(v, 0, sizeof(*v));
    v->k = k;
    return v;
}

static bool is_blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] > ' ') return false;
    return true;
}

static void trim(const char **s, size_t *n) {
    while (*n && (unsigned char)(*s)[0] <= ' ') (*s)++, (*n)--;
    while (*n && (unsigned char)(*s)[*n - 1] <= ' ') (*n)--;
}

/* -- Values.Parser: tokens split at unescaped : , { } [ ] " (each its own token) -- */

static size_t p_mark(const parser_t *p) { return p->pos - (p->has_next ? p->next_len : 0); }

static void p_rewind(parser_t *p, size_t pos) {
    p->pos = pos;
    p->has_next = p->has_prev = false;
}

static bool p_has_next(const parser_t *p) { return p->has_next || p->pos < p->len; }

static void p_consume(parser_t *p, size_t *start, size_t *len) {
    bool escaped = false;
    size_t st = p->pos;
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c == '\\') {
            escaped = !escaped;
        } else if (c == ':' || c == ',' || c == '{' || c == '}' || c == '[' || c == ']' || c == '"') {
            if (!escaped) {
                if (st < p->pos) {
                    *start = st, *len = p->pos - st;
                    return;
                }
                p->pos++;
                *start = st, *len = 1;
                return;
            }
            escaped = false;
        } else {
            escaped = false;
        }
        p->pos++;
    }
    *start = st, *len = p->pos - st;
}

static void p_next(parser_t *p, const char **tok, size_t *len) {
    if (p->has_next) {
        p->prev_start = p->next_start, p->prev_len = p->next_len;
        p->has_next = false;
    } else {
        p_consume(p, &p->prev_start, &p->prev_len);
    }
    p->has_prev = true;
    *tok = p->s + p->prev_start;
    *len = p->prev_len;
}

/* next(n): the text of the next n tokens, or false (rewound) when there are fewer. */
static bool p_next_n(parser_t *p, int n, size_t *from, size_t *to) {
    size_t start = p_mark(p);
    for (int i = 0; i < n; i++) {
        if (!p_has_next(p)) {
            p_rewind(p, start);
            return false;
        }
        const char *t;
        size_t l;
        p_next(p, &t, &l);
    }
    *from = start, *to = p->pos;
    return true;
}

static bool p_can_consume(parser_t *p, const char *expected) {
    if (!p->has_next) {
        if (!p_has_next(p)) return false;
        p_consume(p, &p->next_start, &p->next_len);
        p->has_next = true;
    }
    while (is_blank(p->s + p->next_start, p->next_len) && p->pos < p->len)
        p_consume(p, &p->next_start, &p->next_len);
    const char *t = p->s + p->next_start;
    size_t n = p->next_len;
    trim(&t, &n);
    if (n == strlen(expected) && !memcmp(t, expected, n)) {
        p->has_next = false;
        return true;
    }
    return false;
}

/* -- numbers: new BigDecimal(token), then the narrowest of Kafka's types -- */

/* BigDecimal.toString of sign, digits (no leading zeros; "0" for zero) and scale. */
static char *big_decimal_text(parser_t *p, bool neg, const char *digits, size_t nd, int64_t scale) {
    cd_buf_t b = {0};
    if (neg) cd_jw_char(&b, '-');
    int64_t adjusted = -scale + (int64_t)(nd - 1);
    if (scale >= 0 && adjusted >= -6) {
        if (scale == 0) {
            cd_jw_raw(&b, digits, nd);
        } else if ((int64_t)nd > scale) {
            cd_jw_raw(&b, digits, nd - (size_t)scale);
            cd_jw_char(&b, '.');
            cd_jw_raw(&b, digits + nd - (size_t)scale, (size_t)scale);
        } else {
            cd_jw_lit(&b, "0.");
            for (int64_t i = 0; i < scale - (int64_t)nd; i++) cd_jw_char(&b, '0');
            cd_jw_raw(&b, digits, nd);
        }
    } else {
        cd_jw_char(&b, digits[0]);
        if (nd > 1) {
            cd_jw_char(&b, '.');
            cd_jw_raw(&b, digits + 1, nd - 1);
        }
        char e[32];
        int n = snprintf(e, sizeof(e), "E%s%" PRId64, adjusted > 0 ? "+" : "", adjusted);
        cd_jw_raw(&b, e, (size_t)n);
    }
    char *s = cd_arena_strndup(p->arena, b.data ? b.data : "", b.len);
    cd_buf_free(&b);
    return s;
}

/* parseAsNumber; false where new BigDecimal(token) throws NumberFormatException. */
static bool parse_number(parser_t *p, const char *t, size_t n, sv_t *out) {
    size_t i = 0;
    bool neg = false;
    if (i < n && (t[i] == '+' || t[i] == '-')) neg = t[i++] == '-';
    char *digits = cd_arena_alloc(p->arena, n + 2);
    size_t nd = 0, frac = 0;
    bool point = false, any = false;
    for (; i < n && ((t[i] >= '0' && t[i] <= '9') || t[i] == '.'); i++) {
        if (t[i] == '.') {
            if (point) return false;
            point = true;
            continue;
        }
        any = true;
        if (point) frac++;
        if (nd || t[i] != '0') digits[nd++] = t[i];
    }
    if (!any) return false;
    int64_t exp = 0;
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (t[i] == '+' || t[i] == '-')) eneg = t[i++] == '-';
        if (i == n) return false;
        for (; i < n && t[i] >= '0' && t[i] <= '9'; i++) {
            exp = exp * 10 + (t[i] - '0');
            if (exp > INT32_MAX) return false;
        }
        if (eneg) exp = -exp;
    }
    if (i != n) return false;
    int64_t scale = (int64_t)frac - exp;
    if (scale > INT32_MAX || scale < INT32_MIN) return false;
    if (!nd) { /* zero: integral */
        out->present = true;
        out->schema = (skind_t){CD_TYPE_INT8, LG_NONE};
        out->v = jv_new(p, JV_BYTE);
        return true;
    }
    /* parseAsExactDecimal: an integral value that fits a long */
    bool integral = scale <= 0;
    if (!integral && (int64_t)nd > scale) {
        integral = true;
        for (size_t k = nd - (size_t)scale; k < nd && integral; k++) integral = digits[k] == '0';
    }
    if (integral) {
        int64_t int_digits = (int64_t)nd - scale; /* digits of the integer */
        bool fits = int_digits < 19;
        char buf[24];
        if (int_digits == 19) {
            for (int64_t k = 0; k < 19; k++) buf[k] = k < (int64_t)nd ? digits[k] : '0';
            buf[19] = '\0';
            fits = strcmp(buf, neg ? "9223372036854775808" : "9223372036854775807") <= 0;
        }
        if (fits) {
            uint64_t u = 0;
            for (int64_t k = 0; k < int_digits; k++) u = u * 10 + (uint64_t)(k < (int64_t)nd ? digits[k] - '0' : 0);
            int64_t v = neg ? (int64_t)(0 - u) : (int64_t)u;
            jv_kind_t k = v >= INT8_MIN && v <= INT8_MAX     ? JV_BYTE
                          : v >= INT16_MIN && v <= INT16_MAX ? JV_SHORT
                          : v >= INT32_MIN && v <= INT32_MAX ? JV_INT
                                                             : JV_LONG;
            static const cd_type_t types[] = {CD_TYPE_INT8, CD_TYPE_INT16, CD_TYPE_INT32, CD_TYPE_INT64};
            out->present = true;
            out->schema = (skind_t){types[k], LG_NONE};
            out->v = jv_new(p, k);
            out->v->i = v;
            return true;
        }
    }
    char num[64 + 32];
    char *text = nd + 32 > sizeof(num) ? xmalloc(nd + 32) : num;
    snprintf(text, nd + 32, "%s%.*se%" PRId64, neg ? "-" : "", (int)nd, digits, -scale);
    float f = strtof(text, NULL);
    double d = strtod(text, NULL);
    if (text != num) free(text);
    out->present = true;
    if (!isinf(f) && scale != 0) {
        out->schema = (skind_t){CD_TYPE_FLOAT32, LG_NONE};
        out->v = jv_new(p, JV_FLOAT);
        out->v->f = f;
    } else if (!isinf(d) && scale != 0) {
        out->schema = (skind_t){CD_TYPE_FLOAT64, LG_NONE};
        out->v = jv_new(p, JV_DOUBLE);
        out->v->f = d;
    } else {
        out->schema = (skind_t){CD_TYPE_BYTES, LG_DECIMAL};
        out->v = jv_new(p, JV_DECIMAL);
        out->v->s = big_decimal_text(p, neg, digits, nd, scale);
    }
    return true;
}

/* -- dates: new SimpleDateFormat(pattern).parse(token, pos), lenient, in UTC -- */

/* A pattern as SimpleDateFormat compiles it: numeric fields (a letter) and literal characters. */
static const char DATE_PATTERN[] = "y-M-d";
static const char TIME_PATTERN[] = "H:m:s.SZ";
static const char TIMESTAMP_PATTERN[] = "y-M-dTH:m:s.SZ";

/* 1: parsed (a prefix may do, as with a ParsePosition), 0: not a date, P_UNSUPPORTED. */
static int parse_temporal_type(parser_t *p, const char *t, size_t n, const char *pattern, int64_t *ms) {
    int64_t y = 1970, mo = 1, d = 1, h = 0, mi = 0, s = 0, milli = 0;
    const char *unsupported = NULL;
    size_t i = 0;
    for (const char *f = pattern; *f; f++) {
        bool field = *f == 'y' || *f == 'M' || *f == 'd' || *f == 'H' || *f == 'm' || *f == 's' || *f == 'S';
        if (!field) {
            if (i >= n || t[i] != *f) return 0;
            i++;
            continue;
        }
        while (i < n && (t[i] == ' ' || t[i] == '\t')) i++;
        /* a sign, or more digits than an int holds: refused, if the rest would parse */
        if (i < n && (t[i] == '-' || t[i] == '+')) unsupported = "a date field with a sign", i++;
        int64_t v = 0;
        size_t start = i;
        for (; i < n && t[i] >= '0' && t[i] <= '9'; i++) {
            if (i - start >= 9) unsupported = "a date field of more than 9 digits";
            else v = v * 10 + (t[i] - '0');
        }
        if (i == start) return 0;
        switch (*f) {
        case 'y': y = v; break;
        case 'M': mo = v; break;
        case 'd': d = v; break;
        case 'H': h = v; break;
        case 'm': mi = v; break;
        case 's': s = v; break;
        default: milli = v; break;
        }
    }
    if (unsupported) {
        p->why = xasprintf("%s in '%.*s'", unsupported, (int)n, t);
        return P_UNSUPPORTED;
    }
    /* GregorianCalendar, lenient: out-of-range fields roll over into the next larger ones */
    int64_t y2 = y + floor_div(mo - 1, 12), m2 = mo - 1 - floor_div(mo - 1, 12) * 12 + 1;
    int64_t day = days_from_civil(y2, m2, 1) + d - 1;
    int64_t total = day * MILLIS_PER_DAY + h * 3600000 + mi * 60000 + s * 1000 + milli;
    if (y < 1583 || floor_div(total, MILLIS_PER_DAY) < GREGORIAN_START_DAY) {
        p->why = xasprintf("the date '%.*s', which Kafka reads in the Julian calendar", (int)n, t);
        return P_UNSUPPORTED;
    }
    *ms = total;
    return 1;
}

/* parseAsTemporal: by the length (in Java chars) of the token with "\:" unescaped. */
static int parse_temporal(parser_t *p, const char *t0, size_t n0, sv_t *out) {
    char *t = cd_arena_alloc(p->arena, n0 + 1);
    size_t n = 0;
    for (size_t i = 0; i < n0; i++) {
        if (t0[i] == '\\' && i + 1 < n0 && t0[i + 1] == ':') continue;
        t[n++] = t0[i];
    }
    size_t jlen = 0;
    for (size_t i = 0; i < n;) {
        int units;
        i += ju_utf8_next(t + i, n - i, &units);
        jlen += (size_t)units;
    }
    const char *pattern;
    int logical;
    cd_type_t type;
    if (jlen == 13) pattern = TIME_PATTERN, logical = LG_TIME, type = CD_TYPE_INT32;
    else if (jlen == 24) pattern = TIMESTAMP_PATTERN, logical = LG_TIMESTAMP, type = CD_TYPE_INT64;
    else if (jlen == 10) pattern = DATE_PATTERN, logical = LG_DATE, type = CD_TYPE_INT32;
    else return 0;
    int64_t ms;
    int r = parse_temporal_type(p, t, n, pattern, &ms);
    if (r != 1) return r;
    out->present = true;
    out->schema = (skind_t){type, logical};
    out->v = jv_new(p, JV_DATE);
    out->v->i = ms;
    return 1;
}

/* parseMultipleTokensAsTemporal: a time may span five tokens (its colons split it). */
static int parse_multi_temporal(parser_t *p, const char *tok, size_t n, sv_t *out) {
    size_t at = p_mark(p), from, to;
    if (p_next_n(p, 4, &from, &to)) {
        size_t len = n + (to - from);
        char *joined = cd_arena_alloc(p->arena, len + 1);
        memcpy(joined, tok, n);
        memcpy(joined + n, p->s + from, to - from);
        int r = parse_temporal(p, joined, len, out);
        if (r) return r;
    }
    p_rewind(p, at);
    return parse_temporal(p, tok, n, out);
}

/* -- SchemaMerger and the alignment of entries to the common schema -- */

typedef struct {
    bool has_common, compatible;
    skind_t common;
} merger_t;

static int rank(cd_type_t t) {
    switch (t) {
    case CD_TYPE_INT8: return 0;
    case CD_TYPE_INT16: return 1;
    case CD_TYPE_INT32: return 2;
    case CD_TYPE_INT64: return 3;
    case CD_TYPE_FLOAT32: return 4;
    case CD_TYPE_FLOAT64: return 5;
    default: return -1;
    }
}

/* mergeSchemas: of two numeric types the wider (floats over integers), the same type the newer
 * schema (all parsed schemas are required), else none. */
static bool merge_schemas(skind_t prev, skind_t next, skind_t *out) {
    if (prev.type == next.type) {
        *out = next;
        return true;
    }
    int a = rank(prev.type), b = rank(next.type);
    if (a < 0 || b < 0) return false;
    *out = a > b ? prev : next;
    return true;
}

static void merge(merger_t *m, const sv_t *sv) {
    if (!sv->present || !m->compatible) return;
    if (!m->has_common) {
        m->common = sv->schema;
        m->has_common = true;
        return;
    }
    m->compatible = merge_schemas(m->common, sv->schema, &m->common);
    m->has_common = m->compatible;
}

static int64_t java_long_of_double(double d) {
    if (isnan(d)) return 0;
    if (d >= 9223372036854775807.0) return INT64_MAX;
    if (d <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)d;
}

/* Values.asLong / asDouble of a number; false for anything else (DataException). */
static bool as_long(const jv_t *v, int64_t *out) {
    if (v->k <= JV_LONG) *out = v->i;
    else if (v->k == JV_FLOAT || v->k == JV_DOUBLE) *out = java_long_of_double(v->f);
    else return false;
    return true;
}

static bool as_double(const jv_t *v, double *out) {
    if (v->k <= JV_LONG) *out = (double)v->i;
    else if (v->k == JV_FLOAT || v->k == JV_DOUBLE) *out = v->f;
    else return false;
    return true;
}

/* Values.convertTo(schema, null, value) for the kinds parseString makes. */
static int convert_to(parser_t *p, skind_t to, jv_t *v, jv_t **out) {
    if (!v) return P_DATA; /* "Unable to convert a null value to a schema that requires a value" */
    int64_t l;
    double d;
    jv_t *r;
    if (to.logical == LG_DATE || to.logical == LG_TIME || to.logical == LG_TIMESTAMP) {
        if (v->k == JV_DATE) {
            *out = v;
            return P_OK;
        }
        if (!as_long(v, &l)) return P_DATA;
        r = jv_new(p, JV_DATE);
        r->i = to.logical == LG_DATE ? (int64_t)(int32_t)l * MILLIS_PER_DAY
               : to.logical == LG_TIME ? (int64_t)(int32_t)l
                                       : l;
        *out = r;
        return P_OK;
    }
    if (to.logical == LG_DECIMAL) {
        if (v->k != JV_DECIMAL) return P_DATA;
        *out = v;
        return P_OK;
    }
    switch (to.type) {
    case CD_TYPE_INT8: case CD_TYPE_INT16: case CD_TYPE_INT32: case CD_TYPE_INT64: {
        jv_kind_t k = to.type == CD_TYPE_INT8 ? JV_BYTE : to.type == CD_TYPE_INT16 ? JV_SHORT
                      : to.type == CD_TYPE_INT32 ? JV_INT : JV_LONG;
        if (v->k == k) {
            *out = v;
            return P_OK;
        }
        if (!as_long(v, &l)) return P_DATA;
        r = jv_new(p, k);
        r->i = k == JV_BYTE ? (int8_t)l : k == JV_SHORT ? (int16_t)l : k == JV_INT ? (int32_t)l : l;
        *out = r;
        return P_OK;
    }
    case CD_TYPE_FLOAT32: case CD_TYPE_FLOAT64: {
        jv_kind_t k = to.type == CD_TYPE_FLOAT32 ? JV_FLOAT : JV_DOUBLE;
        if (v->k == k) {
            *out = v;
            return P_OK;
        }
        if (!as_double(v, &d)) return P_DATA;
        r = jv_new(p, k);
        r->f = k == JV_FLOAT ? (double)(float)d : d;
        *out = r;
        return P_OK;
    }
    case CD_TYPE_STRING:
        if (v->k != JV_STRING) return P_DATA; /* not reachable: strings only merge with strings */
        *out = v;
        return P_OK;
    case CD_TYPE_BOOLEAN:
        if (v->k != JV_BOOL) return P_DATA;
        *out = v;
        return P_OK;
    case CD_TYPE_ARRAY:
        if (v->k != JV_LIST) return P_DATA;
        *out = v;
        return P_OK;
    case CD_TYPE_MAP:
        if (v->k != JV_MAP) return P_DATA;
        *out = v;
        return P_OK;
    default: return P_DATA;
    }
}

/* Object.equals of two parsed values (LinkedHashMap keys). */
static bool jv_equals(const jv_t *a, const jv_t *b) {
    if (!a || !b) return a == b;
    if (a->k != b->k) return false;
    switch (a->k) {
    case JV_FLOAT: return (float)a->f == (float)b->f || (isnan(a->f) && isnan(b->f));
    case JV_DOUBLE: return a->f == b->f || (isnan(a->f) && isnan(b->f));
    case JV_STRING: case JV_DECIMAL: return a->len == b->len && !memcmp(a->s, b->s, a->len);
    case JV_LIST: case JV_MAP:
        if (a->n != b->n) return false;
        for (size_t i = 0; i < a->n * (a->k == JV_MAP ? 2 : 1); i++)
            if (!jv_equals(a->items[i], b->items[i])) return false;
        return true;
    default: return a->i == b->i;
    }
}

/* LinkedHashMap.put: a key already there keeps its place and takes the new value. */
static void map_put(jv_t *m, jv_t *k, jv_t *v) {
    for (size_t i = 0; i < m->n; i++)
        if (jv_equals(m->items[2 * i], k)) {
            m->items[2 * i + 1] = v;
            return;
        }
    m->items[2 * m->n] = k;
    m->items[2 * m->n + 1] = v;
    m->n++;
}

/* -- ValueParser -- */

static int parse(parser_t *p, bool embedded, sv_t *out);

static bool single_token_literal(parser_t *p, bool embedded, const char *lit) {
    size_t start = p_mark(p);
    if (p_can_consume(p, lit) && (embedded || !p_has_next(p))) return true;
    p_rewind(p, start);
    return false;
}

/* Grows a list of n items to hold one more (doubling). */
static void grow(parser_t *p, jv_t *v, size_t *cap, size_t per) {
    if (v->n < *cap) return;
    size_t nc = *cap ? *cap * 2 : 8;
    jv_t **items = cd_arena_alloc(p->arena, nc * per * sizeof(*items));
    if (v->n) memcpy(items, v->items, v->n * per * sizeof(*items));
    v->items = items;
    *cap = nc;
}

static int parse_array(parser_t *p, sv_t *out) {
    jv_t *list = jv_new(p, JV_LIST);
    size_t cap = 0;
    merger_t m = {.compatible = true};
    while (p_has_next(p)) {
        if (p_can_consume(p, "]")) {
            if (m.has_common)
                for (size_t i = 0; i < list->n; i++) {
                    int r = convert_to(p, m.common, list->items[i], &list->items[i]);
                    if (r) return r;
                }
            out->present = true;
            out->schema = (skind_t){CD_TYPE_ARRAY, LG_NONE};
            out->v = list;
            return P_OK;
        }
        if (p_can_consume(p, ",")) return P_DATA;
        sv_t el = {0};
        int r = parse(p, true, &el);
        if (r) return r;
        merge(&m, &el);
        grow(p, list, &cap, 1);
        list->items[list->n++] = el.present ? el.v : NULL;
        size_t at = p_mark(p);
        if (p_can_consume(p, "]")) p_rewind(p, at);
        else if (!p_can_consume(p, ",")) return P_DATA;
    }
    return P_DATA;
}

static int parse_map(parser_t *p, sv_t *out) {
    jv_t *map = jv_new(p, JV_MAP);
    size_t cap = 0;
    merger_t km = {.compatible = true}, vm = {.compatible = true};
    while (p_has_next(p)) {
        if (p_can_consume(p, "}")) {
            if (km.has_common) {
                jv_t *aligned = jv_new(p, JV_MAP);
                aligned->items = cd_arena_alloc(p->arena, (map->n ? map->n : 1) * 2 * sizeof(jv_t *));
                for (size_t i = 0; i < map->n; i++) {
                    jv_t *k, *v = map->items[2 * i + 1];
                    int r = convert_to(p, km.common, map->items[2 * i], &k);
                    if (!r && vm.has_common) r = convert_to(p, vm.common, v, &v);
                    if (r) return r;
                    map_put(aligned, k, v);
                }
                map = aligned;
            }
            out->present = true;
            out->schema = (skind_t){CD_TYPE_MAP, LG_NONE};
            out->v = map;
            return P_OK;
        }
        if (p_can_consume(p, ",")) return P_DATA;
        sv_t key = {0}, value = {0};
        int r = parse(p, true, &key);
        if (r) return r;
        if (!key.present || !key.v) return P_DATA; /* "Map entry may not have a null key" */
        if (!p_can_consume(p, ":")) return P_DATA;
        r = parse(p, true, &value);
        if (r) return r;
        grow(p, map, &cap, 2);
        map_put(map, key.v, value.present ? value.v : NULL);
        p_can_consume(p, ",");
        merge(&km, &key);
        merge(&vm, &value);
    }
    return P_DATA;
}

static int parse_quoted(parser_t *p, sv_t *out) {
    cd_buf_t b = {0};
    while (p_has_next(p)) {
        if (p_can_consume(p, "\"")) break;
        const char *t;
        size_t n;
        p_next(p, &t, &n);
        cd_jw_raw(&b, t, n);
    }
    char *content = cd_arena_strndup(p->arena, b.data ? b.data : "", b.len);
    size_t len = b.len;
    cd_buf_free(&b);
    int r = parse_temporal(p, content, len, out);
    if (r) return r == 1 ? P_OK : r;
    out->present = true;
    out->schema = (skind_t){CD_TYPE_STRING, LG_NONE};
    out->v = jv_new(p, JV_STRING);
    out->v->s = content;
    out->v->len = len;
    return P_OK;
}

static void string_sv(parser_t *p, const char *s, size_t n, sv_t *out) {
    out->present = true;
    out->schema = (skind_t){CD_TYPE_STRING, LG_NONE};
    out->v = jv_new(p, JV_STRING);
    out->v->s = cd_arena_strndup(p->arena, s, n);
    out->v->len = n;
}

static int parse_next_token(parser_t *p, bool embedded, const char *t, size_t n, sv_t *out) {
    bool digit = t[0] >= '0' && t[0] <= '9';
    if (digit) {
        int r = parse_multi_temporal(p, t, n, out);
        if (r) return r == 1 ? P_OK : r;
    }
    if ((digit || t[0] == '+' || t[0] == '-') && parse_number(p, t, n, out)) return P_OK;
    if (embedded) return P_DATA; /* "Failed to parse embedded value" */
    string_sv(p, p->s, p->len, out); /* the whole original text */
    return P_OK;
}

static int parse(parser_t *p, bool embedded, sv_t *out) {
    out->present = false;
    if (!p_has_next(p)) return P_OK;
    if (embedded && p_can_consume(p, "\"")) return parse_quoted(p, out);
    if (single_token_literal(p, embedded, "null")) return P_OK;
    bool is_true = single_token_literal(p, embedded, "true");
    if (is_true || single_token_literal(p, embedded, "false")) {
        out->present = true;
        out->schema = (skind_t){CD_TYPE_BOOLEAN, LG_NONE};
        out->v = jv_new(p, JV_BOOL);
        out->v->i = is_true;
        return P_OK;
    }
    size_t start = p_mark(p);
    int r = P_OK - 1;
    if (p_can_consume(p, "[")) r = parse_array(p, out);
    else if (p_can_consume(p, "{")) r = parse_map(p, out);
    if (r == P_OK || r == P_UNSUPPORTED) return r;
    if (r == P_DATA) p_rewind(p, start);
    out->present = false;
    const char *t;
    size_t n;
    p_next(p, &t, &n);
    if (is_blank(t, n)) {
        string_sv(p, t, n, out);
        return P_OK;
    }
    trim(&t, &n);
    return parse_next_token(p, embedded, t, n, out);
}

/* append() of a parsed value. */
static void append_jv(cd_buf_t *b, const jv_t *v, bool embedded) {
    if (!v) {
        cd_jw_lit(b, "null");
        return;
    }
    switch (v->k) {
    case JV_BYTE: case JV_SHORT: case JV_INT: case JV_LONG: cd_jw_int(b, v->i); return;
    case JV_FLOAT: cd_jw_java_float(b, (float)v->f); return;
    case JV_DOUBLE: cd_jw_java_double(b, v->f); return;
    case JV_BOOL:
        if (v->i) cd_jw_lit(b, "true");
        else cd_jw_lit(b, "false");
        return;
    case JV_STRING:
        if (embedded) append_quoted(b, v->s, v->len);
        else cd_jw_raw(b, v->s, v->len);
        return;
    case JV_DECIMAL: cd_jw_raw(b, v->s, strlen(v->s)); return;
    case JV_DATE: append_date(b, v->i); return;
    case JV_LIST:
        cd_jw_char(b, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i) cd_jw_char(b, ',');
            append_jv(b, v->items[i], true);
        }
        cd_jw_char(b, ']');
        return;
    case JV_MAP:
        cd_jw_char(b, '{');
        for (size_t i = 0; i < v->n; i++) {
            if (i) cd_jw_char(b, ',');
            append_jv(b, v->items[2 * i], true);
            cd_jw_char(b, ':');
            append_jv(b, v->items[2 * i + 1], true);
        }
        cd_jw_char(b, '}');
        return;
    }
}

int cd_values_literal(const char *text, char **out, size_t *out_len, char *errstr, size_t errstr_size) {
    *out = NULL;
    *out_len = 0;
    if (!*text) { /* parseString: an empty text is the empty string */
        *out = xstrdup("");
        return 0;
    }
    parser_t p = {.s = text, .len = strlen(text), .arena = cd_arena_new()};
    sv_t sv = {0};
    int r = parse(&p, false, &sv);
    if (r == P_OK && sv.present) {
        cd_buf_t b = {0};
        append_jv(&b, sv.v, false);
        *out = xmalloc(b.len + 1);
        if (b.len) memcpy(*out, b.data, b.len);
        (*out)[b.len] = '\0';
        *out_len = b.len;
        cd_buf_free(&b);
    } else if (r != P_OK) {
        snprintf(errstr, errstr_size,
                 "connectd cannot read the literal '%s' exactly as Kafka's Values.parseString does (%s): "
                 "write the value in another form",
                 text, p.why ? p.why : "an unexpected parse error");
    }
    free(p.why);
    cd_arena_destroy(p.arena);
    return r == P_OK ? 0 : -1;
}
