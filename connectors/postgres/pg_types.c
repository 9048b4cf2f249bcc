/* pg_types.c - PostgreSQL column types as Debezium's PostgresValueConverter maps them: a column's Connect
 * field schema (with its parsed default), and the conversion of pgoutput text values, NOT NULL fallbacks
 * and unchanged-TOAST placeholders. The Java behaviours that show in the emitted bytes (BigDecimal
 * arithmetic and toString, HashMap iteration order, java.time formats, PGInterval parsing) are
 * reproduced here because consumers compare the bytes. */
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

/* ---- small helpers ------------------------------------------------------------------------------ */

__attribute__((format(printf, 3, 4))) int pgt_fail(char *errstr, size_t errstr_size, const char *fmt, ...) {
    if (errstr && errstr_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errstr, errstr_size, fmt, ap);
        va_end(ap);
    }
    return -1;
}


/* A value that PostgreSQL's output function cannot have produced for the column's type. */
int pgt_bad_value(vctx_t *x, const char *s, size_t n, const char *why) {
    return pgt_fail(x->errstr, x->errstr_size,
                "Cannot convert value '%.*s' of column %s (type %s): %s; the connector expects PostgreSQL's text "
                "output with DateStyle=ISO, IntervalStyle=postgres, bytea_output=hex",
                (int)(n > 200 ? 200 : n), s, x->col->name, x->cv->type_name, why);
}

static cd_value_t v_bool(bool b) {
    cd_value_t v = {.type = CD_TYPE_BOOLEAN};
    v.u.b = b;
    return v;
}

cd_value_t pgt_v_f(cd_type_t t, double d) {
    cd_value_t v = {.type = t};
    v.u.f = d;
    return v;
}

cd_value_t pgt_v_bytes(const void *p, size_t n) {
    cd_value_t v = {.type = CD_TYPE_BYTES};
    v.u.str.ptr = p;
    v.u.str.len = n;
    return v;
}

cd_value_t pgt_v_str(const char *p, size_t n) { return cd_string(p, n); }

static cd_value_t v_cstr(cd_arena_t *a, const char *s) {
    size_t n = strlen(s);
    return cd_string(cd_arena_strndup(a, s, n), n);
}

cd_value_t *pgt_new_values(cd_arena_t *a, size_t n) {
    cd_value_t *v = cd_arena_alloc(a, (n ? n : 1) * sizeof(cd_value_t));
    memset(v, 0, (n ? n : 1) * sizeof(cd_value_t));
    return v;
}

static bool eq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

const char *pgt_skip_ws(const char *p, const char *end) {
    while (p < end && isspace((unsigned char)*p)) p++;
    return p;
}

/* Java Long conversion of a double: NaN -> 0, saturating at the ends. */
int64_t pgt_java_d2l(double d) {
    if (isnan(d)) return 0;
    if (d >= 9223372036854775807.0) return INT64_MAX;
    if (d <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)d;
}

/* Java Math.round(double): the closest long, ties towards positive infinity. */
int64_t pgt_java_round(double d) {
    if (isnan(d)) return 0;
    double f = floor(d);
    if (d - f >= 0.5) f += 1.0;
    return pgt_java_d2l(f);
}

/* Java's Integer.parseInt / Long.parseLong: optional sign, decimal digits only, range-checked. */
bool pgt_parse_long(const char *s, size_t n, int64_t min, int64_t max, int64_t *out) {
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    if (i == n) return false;
    uint64_t v = 0, lim = neg ? (uint64_t)(-(min + 1)) + 1 : (uint64_t)max;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (d > lim || v > (lim - d) / 10) return false;
        v = v * 10 + d;
    }
    if (neg)
        *out = v == (uint64_t)1 << 63 ? INT64_MIN : -(int64_t)v;
    else
        *out = (int64_t)v;
    return true;
}

static const char hex_lc[] = "0123456789abcdef";

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes 2n hex digits; returns the byte count or -1. */
long pgt_hex_decode(const char *s, size_t n, unsigned char *out) {
    if (n % 2) return -1;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0) return -1;
        out[i / 2] = (unsigned char)(hi << 4 | lo);
    }
    return (long)(n / 2);
}

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* java.util.Base64 encoders (padded). */
static size_t b64_encode(const unsigned char *p, size_t n, const char *alphabet, char *out) {
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    return o;
}

/* Bytes as binary.handling.mode wants them (bytea, unknown types). */
static cd_value_t binary_value(const pg_column_t *c, const unsigned char *p, size_t n, cd_arena_t *a) {
    switch (c->opt.binary) {
    case PG_BINARY_BASE64:
    case PG_BINARY_BASE64_URL_SAFE: {
        char *o = cd_arena_alloc(a, (n + 2) / 3 * 4 + 1);
        size_t len = b64_encode(p, n, c->opt.binary == PG_BINARY_BASE64 ? b64_std : b64_url, o);
        return pgt_v_str(o, len);
    }
    case PG_BINARY_HEX: {
        char *o = cd_arena_alloc(a, n * 2 + 1);
        for (size_t i = 0; i < n; i++) {
            o[2 * i] = hex_lc[p[i] >> 4];
            o[2 * i + 1] = hex_lc[p[i] & 15];
        }
        return pgt_v_str(o, n * 2);
    }
    case PG_BINARY_BYTES:
    default:
        return pgt_v_bytes(p, n);
    }
}

/* ---- BigDecimal ------------------------------------------------------------------------------------ */



/* new BigDecimal(String): [sign] digits [. digits] [e|E [sign] digits]. */
bool pgt_dec_parse(cd_arena_t *a, const char *s, size_t n, dec_t *out) {
    size_t i = 0;
    out->neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+')) out->neg = s[i++] == '-';
    char *d = cd_arena_alloc(a, n + 2);
    size_t nd = 0, ndigits = 0;
    int64_t frac = 0;
    bool point = false;
    for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.') {
            if (point) return false;
            point = true;
        } else if (s[i] >= '0' && s[i] <= '9') {
            ndigits++;
            if (nd || s[i] != '0') d[nd++] = s[i];
            if (point) frac++;
        } else {
            return false;
        }
    }
    if (!ndigits) return false;
    int64_t exp = 0;
    if (i < n) {
        if (!pgt_parse_long(s + i + 1, n - i - 1, -1000000000, 1000000000, &exp)) return false;
    }
    int64_t scale = frac - exp;
    if (scale > INT32_MAX || scale < INT32_MIN) return false;
    if (!nd) {
        d[nd++] = '0';
        out->neg = false;
    }
    d[nd] = '\0';
    out->d = d;
    out->n = nd;
    out->scale = (int32_t)scale;
    return true;
}

static bool dec_is_zero(const dec_t *x) { return x->n == 1 && x->d[0] == '0'; }

/* BigDecimal.setScale(scale, rounding); false when ROUND_UNNECESSARY would lose digits. */
bool pgt_dec_set_scale(cd_arena_t *a, dec_t *x, int32_t scale, round_t mode) {
    if (scale == x->scale) return true;
    if (scale > x->scale) {
        int64_t add = (int64_t)scale - x->scale;
        if (add > 1000000) return false;
        if (!dec_is_zero(x)) {
            char *d = cd_arena_alloc(a, x->n + (size_t)add + 1);
            memcpy(d, x->d, x->n);
            memset(d + x->n, '0', (size_t)add);
            x->n += (size_t)add;
            d[x->n] = '\0';
            x->d = d;
        }
        x->scale = scale;
        return true;
    }
    int64_t drop = (int64_t)x->scale - scale;
    size_t keep = (int64_t)x->n > drop ? x->n - (size_t)drop : 0;
    /* the dropped part: first digit and whether anything non-zero follows it */
    int first = 0;
    bool rest_nonzero = false;
    if ((int64_t)x->n >= drop) {
        first = x->d[keep] - '0';
        for (size_t i = keep + 1; i < x->n; i++)
            if (x->d[i] != '0') rest_nonzero = true;
    } else {
        rest_nonzero = !dec_is_zero(x); /* all digits are below the first dropped position */
    }
    bool lost = first || rest_nonzero;
    bool up = false;
    switch (mode) {
    case ROUND_UNNECESSARY:
        if (lost) return false;
        break;
    case ROUND_HALF_UP:
        up = first >= 5;
        break;
    case ROUND_HALF_EVEN: {
        int last = keep ? x->d[keep - 1] - '0' : 0;
        up = first > 5 || (first == 5 && (rest_nonzero || (last & 1)));
        break;
    }
    case ROUND_DOWN:
        break;
    }
    char *d = cd_arena_alloc(a, keep + 2);
    d[0] = '0';
    memcpy(d + 1, x->d, keep);
    size_t n = keep + 1;
    if (up)
        for (size_t i = n; i-- > 0;) {
            if (d[i] == '9') {
                d[i] = '0';
            } else {
                d[i]++;
                break;
            }
        }
    size_t start = 0;
    while (start + 1 < n && d[start] == '0') start++;
    x->d = d + start;
    x->n = n - start;
    x->d[x->n] = '\0';
    x->scale = scale;
    if (dec_is_zero(x)) x->neg = false;
    return true;
}

/* BigDecimal.stripTrailingZeros (zero becomes 0 with scale 0, as since Java 8). */
void pgt_dec_strip(dec_t *x) {
    if (dec_is_zero(x)) {
        x->scale = 0;
        return;
    }
    while (x->n > 1 && x->d[x->n - 1] == '0') {
        x->n--;
        x->scale--;
    }
    x->d[x->n] = '\0';
}

/* BigDecimal.toString (scientific notation when the exponent is small) or toPlainString. */
cd_value_t pgt_dec_string(cd_arena_t *a, const dec_t *x, bool plain) {
    size_t cap = x->n + 32 + (size_t)(x->scale < 0 ? -(int64_t)x->scale : x->scale);
    char *o = cd_arena_alloc(a, cap);
    size_t k = 0;
    if (x->neg) o[k++] = '-';
    int64_t adjusted = -(int64_t)x->scale + (int64_t)x->n - 1;
    if (plain || (x->scale >= 0 && adjusted >= -6)) {
        if (x->scale <= 0) {
            memcpy(o + k, x->d, x->n);
            k += x->n;
            if (!dec_is_zero(x))
                for (int64_t i = 0; i < -(int64_t)x->scale; i++) o[k++] = '0';
        } else if ((int64_t)x->n > x->scale) {
            size_t ip = x->n - (size_t)x->scale;
            memcpy(o + k, x->d, ip);
            k += ip;
            o[k++] = '.';
            memcpy(o + k, x->d + ip, (size_t)x->scale);
            k += (size_t)x->scale;
        } else {
            o[k++] = '0';
            o[k++] = '.';
            for (int64_t i = (int64_t)x->n; i < x->scale; i++) o[k++] = '0';
            memcpy(o + k, x->d, x->n);
            k += x->n;
        }
    } else {
        o[k++] = x->d[0];
        if (x->n > 1) {
            o[k++] = '.';
            memcpy(o + k, x->d + 1, x->n - 1);
            k += x->n - 1;
        }
        k += (size_t)snprintf(o + k, cap - k, "E%s%lld", adjusted > 0 ? "+" : "", (long long)adjusted);
    }
    o[k] = '\0';
    return pgt_v_str(o, k);
}

/* BigDecimal.doubleValue (correctly rounded, as strtod is). */
static double dec_double(cd_arena_t *a, const dec_t *x) {
    char *s = cd_arena_alloc(a, x->n + 24);
    snprintf(s, x->n + 24, "%s%se%lld", x->neg ? "-" : "", x->d, -(long long)x->scale);
    return strtod(s, NULL);
}

/* unscaledValue().toByteArray(): big-endian two's complement, minimal length. */
static cd_value_t dec_bytes(cd_arena_t *a, const dec_t *x) {
    size_t cap = x->n / 9 + 2;
    uint32_t *limbs = cd_arena_alloc(a, cap * sizeof(uint32_t));
    size_t nl = 0;
    for (size_t i = 0; i < x->n;) {
        uint32_t chunk = 0, mul = 1;
        for (int k = 0; k < 9 && i < x->n; k++, i++) {
            chunk = chunk * 10 + (uint32_t)(x->d[i] - '0');
            mul *= 10;
        }
        uint64_t carry = chunk;
        for (size_t j = 0; j < nl; j++) {
            uint64_t cur = (uint64_t)limbs[j] * mul + carry;
            limbs[j] = (uint32_t)cur;
            carry = cur >> 32;
        }
        if (carry) limbs[nl++] = (uint32_t)carry;
    }
    size_t nb = nl * 4 + 1;
    unsigned char *b = cd_arena_alloc(a, nb);
    b[0] = 0;
    for (size_t i = 0; i < nl; i++)
        for (int k = 0; k < 4; k++) b[nb - 1 - (i * 4 + (size_t)k)] = (unsigned char)(limbs[i] >> (8 * k));
    if (x->neg && nl) {
        for (size_t i = 0; i < nb; i++) b[i] = (unsigned char)~b[i];
        for (size_t i = nb; i-- > 0;)
            if (++b[i] != 0) break;
    }
    size_t s = 0;
    while (nb - s > 1 && ((b[s] == 0x00 && !(b[s + 1] & 0x80)) || (b[s] == 0xff && (b[s + 1] & 0x80)))) s++;
    return pgt_v_bytes(b + s, nb - s);
}

/* ---- schemas --------------------------------------------------------------------------------------------- */

static cd_schema_t *sch(cd_arena_t *a, cd_type_t t, bool optional, const char *name, int32_t version) {
    cd_schema_t *s = cd_arena_alloc(a, sizeof(*s));
    memset(s, 0, sizeof(*s));
    s->type = t;
    s->optional = optional;
    s->name = name;
    s->version = version;
    s->cache_id = cd_schema_next_cache_id();
    return s;
}

static void sch_params(cd_arena_t *a, cd_schema_t *s, const char *k1, const char *v1, const char *k2,
                       const char *v2) {
    cd_param_t *p = cd_arena_alloc(a, 2 * sizeof(cd_param_t));
    p[0] = (cd_param_t){k1, cd_arena_strndup(a, v1, strlen(v1))};
    s->n_params = 1;
    if (k2) {
        p[1] = (cd_param_t){k2, cd_arena_strndup(a, v2, strlen(v2))};
        s->n_params = 2;
    }
    s->params = p;
}

static void sch_fields(cd_arena_t *a, cd_schema_t *s, size_t n, const char *const *names,
                       const cd_schema_t *const *schemas) {
    cd_field_t *f = cd_arena_alloc(a, n * sizeof(cd_field_t));
    for (size_t i = 0; i < n; i++) f[i] = (cd_field_t){names[i], schemas[i]};
    s->fields = f;
    s->n_fields = n;
}

static cd_schema_t *decimal_schema(cd_arena_t *a, bool optional, int32_t scale, const int32_t *precision) {
    cd_schema_t *s = sch(a, CD_TYPE_BYTES, optional, CD_LOGICAL_DECIMAL, 1);
    char sc[16], pr[16];
    snprintf(sc, sizeof(sc), "%d", (int)scale);
    if (precision) snprintf(pr, sizeof(pr), "%d", (int)*precision);
    sch_params(a, s, "scale", sc, precision ? "connect.decimal.precision" : NULL, pr);
    return s;
}

int32_t pgt_time_precision(const conv_t *k) { return k->scale; }

/* The Connect schema of one value of conv k (optional as given; no default). */
static cd_schema_t *value_schema(cd_arena_t *a, const conv_t *k, const pg_type_options_t *o, bool optional,
                                 const pg_column_info_t *ci) {
    switch (k->kind) {
    case K_BOOL:
    case K_BIT1:
        return sch(a, CD_TYPE_BOOLEAN, optional, NULL, 0);
    case K_BITS: {
        cd_schema_t *s = sch(a, CD_TYPE_BYTES, optional, "io.debezium.data.Bits", 1);
        char len[16];
        snprintf(len, sizeof(len), "%d", (int)k->length);
        sch_params(a, s, "length", len, NULL, NULL);
        return s;
    }
    case K_INT16:
        return sch(a, CD_TYPE_INT16, optional, NULL, 0);
    case K_INT32:
        return sch(a, CD_TYPE_INT32, optional, NULL, 0);
    case K_INT64:
    case K_OID:
        return sch(a, CD_TYPE_INT64, optional, NULL, 0);
    case K_FLOAT32:
        return sch(a, CD_TYPE_FLOAT32, optional, NULL, 0);
    case K_FLOAT64:
        return sch(a, CD_TYPE_FLOAT64, optional, NULL, 0);
    case K_NUMERIC:
        if (o->decimal == PG_DECIMAL_DOUBLE) return sch(a, CD_TYPE_FLOAT64, optional, NULL, 0);
        if (o->decimal == PG_DECIMAL_STRING) return sch(a, CD_TYPE_STRING, optional, NULL, 0);
        if (k->vsd) {
            cd_schema_t *s = sch(a, CD_TYPE_STRUCT, optional, "io.debezium.data.VariableScaleDecimal", 1);
            s->doc = "Variable scaled decimal";
            static const char *const names[] = {"scale", "value"};
            const cd_schema_t *fs[] = {sch(a, CD_TYPE_INT32, false, NULL, 0), sch(a, CD_TYPE_BYTES, false, NULL, 0)};
            sch_fields(a, s, 2, names, fs);
            return s;
        }
        return decimal_schema(a, optional, k->scale, &k->length);
    case K_MONEY:
        if (o->decimal == PG_DECIMAL_DOUBLE) return sch(a, CD_TYPE_FLOAT64, optional, NULL, 0);
        if (o->decimal == PG_DECIMAL_STRING) return sch(a, CD_TYPE_STRING, optional, NULL, 0);
        return decimal_schema(a, optional, o->money_fraction_digits, NULL);
    case K_STRING: {
        const char *tn = k->type_name;
        if (k->enum_type) {
            cd_schema_t *s = sch(a, CD_TYPE_STRING, optional, "io.debezium.data.Enum", 1);
            size_t len = 1;
            for (size_t i = 0; i < ci->n_enum_labels; i++) len += strlen(ci->enum_labels[i]) + 1;
            char *allowed = cd_arena_alloc(a, len);
            size_t at = 0;
            for (size_t i = 0; i < ci->n_enum_labels; i++) {
                if (i) allowed[at++] = ',';
                size_t l = strlen(ci->enum_labels[i]);
                memcpy(allowed + at, ci->enum_labels[i], l);
                at += l;
            }
            allowed[at] = '\0';
            cd_param_t *p = cd_arena_alloc(a, sizeof(cd_param_t));
            p[0] = (cd_param_t){"allowed", allowed};
            s->params = p;
            s->n_params = 1;
            return s;
        }
        const char *name = NULL;
        if (eq(tn, "json") || eq(tn, "jsonb")) name = "io.debezium.data.Json";
        else if (eq(tn, "xml")) name = "io.debezium.data.Xml";
        else if (eq(tn, "uuid")) name = "io.debezium.data.Uuid";
        else if (eq(tn, "ltree")) name = "io.debezium.data.Ltree";
        else if (eq(tn, "tsvector")) name = "io.debezium.data.Tsvector";
        return sch(a, CD_TYPE_STRING, optional, name, name ? 1 : 0);
    }
    case K_BYTEA:
    case K_UNKNOWN:
        return sch(a, o->binary == PG_BINARY_BYTES ? CD_TYPE_BYTES : CD_TYPE_STRING, optional, NULL, 0);
    case K_DATE:
        switch (o->time) {
        case PG_TIME_CONNECT:
            return sch(a, CD_TYPE_INT32, optional, CD_LOGICAL_DATE, 1);
        case PG_TIME_ISOSTRING:
            return sch(a, CD_TYPE_STRING, optional, "io.debezium.time.IsoDate", 1);
        default:
            return sch(a, CD_TYPE_INT32, optional, "io.debezium.time.Date", 1);
        }
    case K_TIME: {
        bool ms = pgt_time_precision(k) <= 3;
        switch (o->time) {
        case PG_TIME_ADAPTIVE:
            return ms ? sch(a, CD_TYPE_INT32, optional, "io.debezium.time.Time", 1)
                      : sch(a, CD_TYPE_INT64, optional, "io.debezium.time.MicroTime", 1);
        case PG_TIME_CONNECT:
            return sch(a, CD_TYPE_INT32, optional, CD_LOGICAL_TIME, 1);
        case PG_TIME_ISOSTRING:
            return sch(a, CD_TYPE_STRING, optional, "io.debezium.time.IsoTime", 1);
        case PG_TIME_NANOSECONDS:
            return sch(a, CD_TYPE_INT64, optional, "io.debezium.time.NanoTime", 1);
        case PG_TIME_ADAPTIVE_TIME_MICROSECONDS:
        case PG_TIME_MICROSECONDS:
        default:
            return sch(a, CD_TYPE_INT64, optional, "io.debezium.time.MicroTime", 1);
        }
    }
    case K_TIMESTAMP: {
        bool ms = pgt_time_precision(k) <= 3;
        switch (o->time) {
        case PG_TIME_ADAPTIVE:
        case PG_TIME_ADAPTIVE_TIME_MICROSECONDS:
            return sch(a, CD_TYPE_INT64, optional, ms ? "io.debezium.time.Timestamp" : "io.debezium.time.MicroTimestamp",
                       1);
        case PG_TIME_CONNECT:
            return sch(a, CD_TYPE_INT64, optional, CD_LOGICAL_TIMESTAMP, 1);
        case PG_TIME_ISOSTRING:
            return sch(a, CD_TYPE_STRING, optional, "io.debezium.time.IsoTimestamp", 1);
        case PG_TIME_NANOSECONDS:
            return sch(a, CD_TYPE_INT64, optional, "io.debezium.time.NanoTimestamp", 1);
        case PG_TIME_MICROSECONDS:
        default:
            return sch(a, CD_TYPE_INT64, optional, "io.debezium.time.MicroTimestamp", 1);
        }
    }
    case K_TIMETZ:
        return sch(a, CD_TYPE_STRING, optional, "io.debezium.time.ZonedTime", 1);
    case K_TIMESTAMPTZ:
        return sch(a, CD_TYPE_STRING, optional, "io.debezium.time.ZonedTimestamp", 1);
    case K_INTERVAL:
        if (o->interval == PG_INTERVAL_STRING) return sch(a, CD_TYPE_STRING, optional, "io.debezium.time.Interval", 1);
        return sch(a, CD_TYPE_INT64, optional, "io.debezium.time.MicroDuration", 1);
    case K_POINT: {
        cd_schema_t *s = sch(a, CD_TYPE_STRUCT, optional, "io.debezium.data.geometry.Point", 1);
        s->doc = "Geometry (POINT)";
        static const char *const names[] = {"x", "y", "wkb", "srid"};
        const cd_schema_t *fs[] = {sch(a, CD_TYPE_FLOAT64, false, NULL, 0), sch(a, CD_TYPE_FLOAT64, false, NULL, 0),
                                   sch(a, CD_TYPE_BYTES, true, NULL, 0), sch(a, CD_TYPE_INT32, true, NULL, 0)};
        sch_fields(a, s, 4, names, fs);
        return s;
    }
    case K_HSTORE:
        if (o->hstore == PG_HSTORE_JSON) return sch(a, CD_TYPE_STRING, optional, "io.debezium.data.Json", 1);
        {
            cd_schema_t *s = sch(a, CD_TYPE_MAP, optional, NULL, 0);
            s->key_schema = sch(a, CD_TYPE_STRING, false, NULL, 0);
            s->value_schema = sch(a, CD_TYPE_STRING, true, NULL, 0);
            return s;
        }
    case K_GEOMETRY: {
        bool geog = eq(k->type_name, "geography");
        cd_schema_t *s = sch(a, CD_TYPE_STRUCT, optional,
                             geog ? "io.debezium.data.geometry.Geography" : "io.debezium.data.geometry.Geometry", 1);
        s->doc = geog ? "Geography" : "Geometry";
        static const char *const names[] = {"wkb", "srid"};
        const cd_schema_t *fs[] = {sch(a, CD_TYPE_BYTES, false, NULL, 0), sch(a, CD_TYPE_INT32, true, NULL, 0)};
        sch_fields(a, s, 2, names, fs);
        return s;
    }
    case K_VECTOR:
    case K_HALFVEC: {
        bool d = k->kind == K_VECTOR;
        cd_schema_t *s =
            sch(a, CD_TYPE_ARRAY, optional, d ? "io.debezium.data.DoubleVector" : "io.debezium.data.FloatVector", 1);
        s->value_schema = sch(a, d ? CD_TYPE_FLOAT64 : CD_TYPE_FLOAT32, false, NULL, 0);
        return s;
    }
    case K_SPARSEVEC: {
        cd_schema_t *s = sch(a, CD_TYPE_STRUCT, optional, "io.debezium.data.SparseDoubleVector", 1);
        s->doc = "Sparse double vector";
        cd_schema_t *m = sch(a, CD_TYPE_MAP, false, NULL, 0);
        m->key_schema = sch(a, CD_TYPE_INT16, false, NULL, 0);
        m->value_schema = sch(a, CD_TYPE_FLOAT64, false, NULL, 0);
        static const char *const names[] = {"dimensions", "vector"};
        const cd_schema_t *fs[] = {sch(a, CD_TYPE_INT16, false, NULL, 0), m};
        sch_fields(a, s, 2, names, fs);
        return s;
    }
    }
    return NULL;
}

/* ---- type classification ------------------------------------------------------------------------------- */

typedef enum { TYPE_KNOWN, TYPE_UNKNOWN, TYPE_OMITTED } known_t;

static const char *const string_types[] = {"bpchar",  "varchar",   "text",      "name",      "char",
                                           "citext",  "json",      "jsonb",     "xml",       "uuid",
                                           "inet",    "cidr",      "macaddr",   "macaddr8",  "int4range",
                                           "int8range", "numrange", "daterange", "tsrange",  "tstzrange",
                                           "ltree",   "isbn",      "tsvector",  NULL};

static bool in_list(const char *s, const char *const *list) {
    for (; *list; list++)
        if (strcmp(s, *list) == 0) return true;
    return false;
}

static void numeric_typmod(int32_t typmod, conv_t *k) {
    if (typmod < 4) {
        k->vsd = true;
        k->length = VARIABLE_SCALE_LENGTH;
        k->scale = 0;
        return;
    }
    int32_t t = typmod - 4;
    k->length = (t >> 16) & 0xffff;
    k->scale = ((t & 0x7ff) ^ 1024) - 1024; /* PostgreSQL 15 allows negative scales */
    k->vsd = false;
}

/* Fills k from a root type (is_elem: an array's element type). */
static known_t classify(const char *tn, char typtype, int32_t typmod, bool is_elem, conv_t *k) {
    memset(k, 0, sizeof(*k));
    k->type_name = tn;
    k->scale = typmod >= 0 && typmod <= 6 ? typmod : 6; /* time precision; overwritten below for numeric */
    if (typtype == 'e') {
        k->kind = K_STRING;
        k->enum_type = true;
        return TYPE_KNOWN;
    }
    if (typtype == 'd' || typtype == 'c' || typtype == 'p' || typtype == 'm') return TYPE_UNKNOWN;
    /* Debezium maps an array through its element type's mapping, except for these array types (and bit[],
     * which it gives a non-array schema that cannot hold the values) */
    static const char *const omitted_elems[] = {"money", "name", "interval", "varbit", "xml", "point",
                                                 "refcursor", "bit", NULL};
    if (is_elem && in_list(tn, omitted_elems)) return TYPE_OMITTED;
    if (in_list(tn, string_types)) k->kind = K_STRING;
    else if (eq(tn, "bool")) k->kind = K_BOOL;
    else if (eq(tn, "bit") || eq(tn, "varbit")) {
        k->length = typmod > 0 ? typmod : eq(tn, "bit") ? 1 : INT32_MAX;
        k->kind = k->length > 1 ? K_BITS : K_BIT1;
    } else if (eq(tn, "int2")) k->kind = K_INT16;
    else if (eq(tn, "int4")) k->kind = K_INT32;
    else if (eq(tn, "int8")) k->kind = K_INT64;
    else if (eq(tn, "oid")) k->kind = K_OID;
    else if (eq(tn, "float4")) k->kind = K_FLOAT32;
    else if (eq(tn, "float8")) k->kind = K_FLOAT64;
    else if (eq(tn, "numeric")) {
        k->kind = K_NUMERIC;
        numeric_typmod(typmod, k);
    } else if (eq(tn, "money")) k->kind = K_MONEY;
    else if (eq(tn, "bytea")) k->kind = K_BYTEA;
    else if (eq(tn, "date")) k->kind = K_DATE;
    else if (eq(tn, "time")) k->kind = K_TIME;
    else if (eq(tn, "timetz")) k->kind = K_TIMETZ;
    else if (eq(tn, "timestamp")) k->kind = K_TIMESTAMP;
    else if (eq(tn, "timestamptz")) k->kind = K_TIMESTAMPTZ;
    else if (eq(tn, "interval")) k->kind = K_INTERVAL;
    else if (eq(tn, "point")) k->kind = K_POINT;
    else if (eq(tn, "hstore")) k->kind = K_HSTORE;
    else if (eq(tn, "geometry") || eq(tn, "geography")) k->kind = K_GEOMETRY;
    else if (eq(tn, "vector")) k->kind = K_VECTOR;
    else if (eq(tn, "halfvec")) k->kind = K_HALFVEC;
    else if (eq(tn, "sparsevec")) k->kind = K_SPARSEVEC;
    else return TYPE_UNKNOWN;
    return TYPE_KNOWN;
}

/* ---- value conversion ------------------------------------------------------------------------------------ */

/* Bits: the bit string read as a binary number, little-endian, minimal bytes (BitSet.toByteArray). */
static int conv_bits(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    size_t nbytes = (n + 7) / 8;
    unsigned char *b = cd_arena_alloc(x->a, nbytes ? nbytes : 1);
    memset(b, 0, nbytes ? nbytes : 1);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[n - 1 - i];
        if (ch != '0' && ch != '1') return pgt_bad_value(x, s, n, "not a bit string");
        if (ch == '1') {
            b[i / 8] |= (unsigned char)(1u << (i % 8));
            used = i / 8 + 1;
        }
    }
    *out = pgt_v_bytes(b, used);
    return 0;
}

/* Integer.valueOf(bits, 2) != 0, as Debezium reads bit(1) and varbit(1). */
static int conv_bit1(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    if (!n || n > 31) return pgt_bad_value(x, s, n, "not a one-bit string");
    bool set = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '0' && s[i] != '1') return pgt_bad_value(x, s, n, "not a bit string");
        set |= s[i] == '1';
    }
    *out = v_bool(set);
    return 0;
}

static const char special_msg[] =
    "Got a special value (NaN/Infinity) for Decimal type in column %s but current mode does not handle it. "
    "If you need to support it then set decimal handling mode to 'string'.";

/* numeric: Decimal / VariableScaleDecimal / double / string per decimal.handling.mode. */
static int numeric_from_dec(vctx_t *x, dec_t *d, cd_value_t *out) {
    const conv_t *k = x->cv;
    pg_decimal_mode_t mode = x->col->opt.decimal;
    if (!k->vsd && !pgt_dec_set_scale(x->a, d, k->scale, ROUND_UNNECESSARY))
        return pgt_fail(x->errstr, x->errstr_size, "Cannot convert value of column %s to its scale %d: Rounding necessary",
                    x->col->name, (int)k->scale);
    if (mode == PG_DECIMAL_DOUBLE) {
        *out = pgt_v_f(CD_TYPE_FLOAT64, dec_double(x->a, d));
    } else if (mode == PG_DECIMAL_STRING) {
        *out = pgt_dec_string(x->a, d, false);
    } else if (k->vsd) {
        pgt_dec_strip(d);
        if (d->scale < 0) pgt_dec_set_scale(x->a, d, 0, ROUND_UNNECESSARY);
        cd_value_t *f = pgt_new_values(x->a, 2);
        f[0] = cd_int(CD_TYPE_INT32, d->scale);
        f[1] = dec_bytes(x->a, d);
        *out = (cd_value_t){.type = CD_TYPE_STRUCT};
        out->u.strct.fields = f;
        out->u.strct.n = 2;
    } else {
        *out = dec_bytes(x->a, d);
    }
    return 0;
}

static int conv_numeric(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    pg_decimal_mode_t mode = x->col->opt.decimal;
    int special = 0;
    if (n == 3 && memcmp(s, "NaN", 3) == 0) special = 1;
    else if (n == 8 && memcmp(s, "Infinity", 8) == 0) special = 2;
    else if (n == 9 && memcmp(s, "-Infinity", 9) == 0) special = 3;
    if (special) {
        if (mode == PG_DECIMAL_DOUBLE) {
            *out = pgt_v_f(CD_TYPE_FLOAT64, special == 1 ? NAN : special == 2 ? INFINITY : -INFINITY);
        } else if (mode == PG_DECIMAL_STRING) {
            *out = v_cstr(x->a, special == 1 ? "NAN" : special == 2 ? "POSITIVE_INFINITY" : "NEGATIVE_INFINITY");
        } else {
            return pgt_fail(x->errstr, x->errstr_size, special_msg, x->cv->col_name);
        }
        return 0;
    }
    dec_t d;
    if (!pgt_dec_parse(x->a, s, n, &d)) return pgt_bad_value(x, s, n, "not a number");
    return numeric_from_dec(x, &d, out);
}

/* A snapshot's money: pgjdbc's PGmoney.val, the amount parsed by Double.parseDouble (strtod rounds
 * the same way), as PostgresValueConverter.convertMoney renders a Double. */
static int snapshot_money(vctx_t *x, const char *clean, cd_value_t *out) {
    double v = strtod(clean, NULL);
    if (x->col->opt.decimal == PG_DECIMAL_DOUBLE) {
        *out = pgt_v_f(CD_TYPE_FLOAT64, v);
        return 0;
    }
    cd_buf_t b = {0};
    cd_jw_java_double(&b, v); /* String.valueOf(double), and BigDecimal.valueOf(double) parses it */
    char *text = cd_arena_strndup(x->a, b.data, b.len);
    size_t len = b.len;
    cd_buf_free(&b);
    if (x->col->opt.decimal == PG_DECIMAL_STRING) {
        *out = pgt_v_str(text, len);
        return 0;
    }
    dec_t d;
    if (!pgt_dec_parse(x->a, text, len, &d)) return pgt_bad_value(x, clean, strlen(clean), "not a money amount");
    pgt_dec_set_scale(x->a, &d, x->col->opt.money_fraction_digits, ROUND_HALF_UP);
    *out = dec_bytes(x->a, &d);
    return 0;
}

/* money as PostgreSQL prints it with lc_monetary=C: "$1,234.11", "-$1,234.11" (older: "($1,234.11)"). */
static int conv_money(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    const char *p = s, *end = s + n;
    bool neg = false;
    if (p < end && *p == '-') {
        neg = true;
        p++;
    } else if (p < end && *p == '(' && end[-1] == ')') {
        neg = true;
        p++;
        end--;
    }
    if (p < end && !isdigit((unsigned char)*p) && *p != '.') p++; /* the currency symbol */
    char *clean = cd_arena_alloc(x->a, n + 2);
    size_t k = 0;
    if (neg) clean[k++] = '-';
    for (; p < end; p++)
        if (*p != ',') clean[k++] = *p;
    clean[k] = '\0'; /* snapshot_money's strtod reads it as a C string */
    dec_t d;
    if (!pgt_dec_parse(x->a, clean, k, &d)) return pgt_bad_value(x, s, n, "not a money amount");
    if (x->snapshot) return snapshot_money(x, clean, out);
    switch (x->col->opt.decimal) {
    case PG_DECIMAL_DOUBLE:
        *out = pgt_v_f(CD_TYPE_FLOAT64, dec_double(x->a, &d));
        break;
    case PG_DECIMAL_STRING:
        *out = pgt_dec_string(x->a, &d, true);
        break;
    case PG_DECIMAL_PRECISE:
    default:
        pgt_dec_set_scale(x->a, &d, x->col->opt.money_fraction_digits, ROUND_HALF_UP);
        *out = dec_bytes(x->a, &d);
        break;
    }
    return 0;
}

static int conv_bytea(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    if (n < 2 || s[0] != '\\' || s[1] != 'x') return pgt_bad_value(x, s, n, "bytea not in hex format");
    unsigned char *b = cd_arena_alloc(x->a, (n - 2) / 2 + 1);
    long len = pgt_hex_decode(s + 2, n - 2, b);
    if (len < 0) return pgt_bad_value(x, s, n, "invalid hex digits");
    *out = binary_value(x->col, b, (size_t)len, x->a);
    return 0;
}

/* The epoch day Debezium reports for date 'infinity' / '-infinity' (LocalDate -5877611-06-21 / -22). */
int pgt_conv_text(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    int64_t i;
    switch (x->cv->kind) {
    case K_BOOL:
        if (n == 1 && (s[0] == 't' || s[0] == 'f')) {
            *out = v_bool(s[0] == 't');
            return 0;
        }
        return pgt_bad_value(x, s, n, "not a boolean");
    case K_BIT1:
        return conv_bit1(x, s, n, out);
    case K_BITS:
        return conv_bits(x, s, n, out);
    case K_INT16:
        if (!pgt_parse_long(s, n, INT16_MIN, INT16_MAX, &i)) return pgt_bad_value(x, s, n, "not a smallint");
        *out = cd_int(CD_TYPE_INT16, i);
        return 0;
    case K_INT32:
        if (!pgt_parse_long(s, n, INT32_MIN, INT32_MAX, &i)) return pgt_bad_value(x, s, n, "not an integer");
        *out = cd_int(CD_TYPE_INT32, i);
        return 0;
    case K_INT64:
        if (!pgt_parse_long(s, n, INT64_MIN, INT64_MAX, &i)) return pgt_bad_value(x, s, n, "not a bigint");
        *out = cd_int(CD_TYPE_INT64, i);
        return 0;
    case K_OID:
        if (!pgt_parse_long(s, n, 0, UINT32_MAX, &i)) return pgt_bad_value(x, s, n, "not an oid");
        *out = cd_int(CD_TYPE_INT64, i);
        return 0;
    case K_FLOAT32:
    case K_FLOAT64: {
        char *end;
        double d = x->cv->kind == K_FLOAT32 ? (double)strtof(s, &end) : strtod(s, &end);
        if (!n || *end || isspace((unsigned char)s[0])) return pgt_bad_value(x, s, n, "not a floating-point number");
        *out = pgt_v_f(x->cv->kind == K_FLOAT32 ? CD_TYPE_FLOAT32 : CD_TYPE_FLOAT64, d);
        return 0;
    }
    case K_NUMERIC:
        return conv_numeric(x, s, n, out);
    case K_MONEY:
        return conv_money(x, s, n, out);
    case K_STRING:
        *out = pgt_v_str(s, n);
        return 0;
    case K_BYTEA:
        return conv_bytea(x, s, n, out);
    case K_UNKNOWN:
        if (!x->col->is_array && pgt_is_pgjdbc_geometric(x->cv->type_name) &&
            pgt_pgjdbc_geometric_text(x, s, n, &s, &n))
            return -1;
        *out = binary_value(x->col, (const unsigned char *)s, n, x->a);
        return 0;
    case K_DATE:
        return pgt_conv_date(x, s, n, out);
    case K_TIME:
        return pgt_conv_time(x, s, n, out);
    case K_TIMETZ:
        return pgt_conv_timetz(x, s, n, out);
    case K_TIMESTAMP:
        return pgt_conv_timestamp(x, s, n, out);
    case K_TIMESTAMPTZ:
        return pgt_conv_timestamptz(x, s, n, out);
    case K_INTERVAL:
        return pgt_conv_interval(x, s, n, out);
    case K_POINT:
        return pgt_conv_point(x, s, n, out);
    case K_HSTORE:
        return pgt_conv_hstore(x, s, n, out);
    case K_GEOMETRY:
        return pgt_conv_geometry(x, s, n, out);
    case K_VECTOR:
    case K_HALFVEC:
        return pgt_conv_vector(x, s, n, out);
    case K_SPARSEVEC:
        return pgt_conv_sparsevec(x, s, n, out);
    }
    return pgt_bad_value(x, s, n, "unsupported type");
}

/* ---- NOT NULL fallbacks (4.2) ------------------------------------------------------------------------------ */

static cd_value_t empty_array(void) {
    cd_value_t v = {.type = CD_TYPE_ARRAY};
    return v;
}

static cd_value_t fallback_value(const pg_column_t *c, const conv_t *k, cd_arena_t *a) {
    static const unsigned char zero_byte = 0;
    const pg_type_options_t *o = &c->opt;
    switch (k->kind) {
    case K_BOOL:
    case K_BIT1:
        return v_bool(false);
    case K_BITS:
        return pgt_v_bytes("", 0);
    case K_INT16:
        return cd_int(CD_TYPE_INT16, 0);
    case K_INT32:
        return cd_int(CD_TYPE_INT32, 0);
    case K_INT64:
    case K_OID:
        return cd_int(CD_TYPE_INT64, 0);
    case K_FLOAT32:
        return pgt_v_f(CD_TYPE_FLOAT32, 0);
    case K_FLOAT64:
        return pgt_v_f(CD_TYPE_FLOAT64, 0);
    case K_NUMERIC:
    case K_MONEY: {
        int32_t scale = k->kind == K_MONEY ? o->money_fraction_digits : k->vsd ? 0 : k->scale;
        if (o->decimal == PG_DECIMAL_DOUBLE) return pgt_v_f(CD_TYPE_FLOAT64, 0);
        if (o->decimal == PG_DECIMAL_STRING) {
            dec_t z = {false, "0", 1, 0};
            pgt_dec_set_scale(a, &z, scale, ROUND_UNNECESSARY);
            return pgt_dec_string(a, &z, false);
        }
        if (k->kind == K_NUMERIC && k->vsd) {
            cd_value_t *f = pgt_new_values(a, 2);
            f[0] = cd_int(CD_TYPE_INT32, 0);
            f[1] = pgt_v_bytes(&zero_byte, 1);
            cd_value_t v = {.type = CD_TYPE_STRUCT};
            v.u.strct.fields = f;
            v.u.strct.n = 2;
            return v;
        }
        return pgt_v_bytes(&zero_byte, 1);
    }
    case K_STRING:
        return pgt_v_str("", 0);
    case K_BYTEA:
    case K_UNKNOWN:
        return o->binary == PG_BINARY_BYTES ? pgt_v_bytes("", 0) : pgt_v_str("", 0);
    case K_DATE:
        return pgt_date_value(c, 0, a);
    case K_TIME:
        return o->time == PG_TIME_ISOSTRING ? pgt_v_str("00:00:00Z", 9) : pgt_time_value(c, k, 0, a);
    case K_TIMESTAMP:
        return o->time == PG_TIME_ISOSTRING ? pgt_v_str("1970-01-01T00:00:00Z", 20) : cd_int(CD_TYPE_INT64, 0);
    case K_TIMETZ:
        return pgt_v_str("00:00:00Z", 9);
    case K_TIMESTAMPTZ:
        return pgt_v_str("1970-01-01T00:00:00Z", 20);
    case K_INTERVAL: {
        interval_t iv = {0};
        return pgt_interval_value(c, &iv, a);
    }
    case K_POINT:
        return pgt_point_value(a, 0, 0);
    case K_HSTORE:
        return o->hstore == PG_HSTORE_JSON ? pgt_v_str("{}", 2) : (cd_value_t){.type = CD_TYPE_MAP};
    case K_GEOMETRY: {
        static const unsigned char empty[] = {0x01, 0x07, 0, 0, 0, 0, 0, 0, 0}; /* GEOMETRYCOLLECTION EMPTY */
        return pgt_geometry_value(a, empty, sizeof(empty));
    }
    case K_VECTOR:
    case K_HALFVEC:
        return empty_array();
    case K_SPARSEVEC: {
        cd_value_t *f = pgt_new_values(a, 2);
        f[0] = cd_int(CD_TYPE_INT16, 0);
        f[1] = (cd_value_t){.type = CD_TYPE_MAP};
        cd_value_t v = {.type = CD_TYPE_STRUCT};
        v.u.strct.fields = f;
        v.u.strct.n = 2;
        return v;
    }
    }
    return cd_null();
}

/* ---- unchanged TOAST placeholders (4.3) --------------------------------------------------------------------- */

static cd_value_t one_item(cd_arena_t *a, cd_value_t item) {
    cd_value_t *it = pgt_new_values(a, 1);
    it[0] = item;
    cd_value_t v = {.type = CD_TYPE_ARRAY};
    v.u.array.items = it;
    v.u.array.n = 1;
    return v;
}

/* The placeholder a column gets for an unchanged TOASTed value; false when its type cannot carry one (Debezium
 * would hand the Connect runtime a string it rejects; here the value is treated like a missing one). */
static bool placeholder_value(const pg_column_t *c, cd_arena_t *a, cd_value_t *out) {
    const cd_schema_t *s = c->is_array ? c->conv.schema : c->schema;
    cd_value_t ph_str = pgt_v_str((const char *)c->ph, c->ph_len), ph_bytes = pgt_v_bytes(c->ph, c->ph_len);
    if (!c->is_array) {
        if (c->conv.kind == K_HSTORE) {
            cd_value_t *k = pgt_new_values(a, 1), *v = pgt_new_values(a, 1);
            k[0] = ph_str;
            v[0] = ph_str;
            *out = pgt_hstore_value(c, k, v, 1, a);
            return true;
        }
        /* Debezium's convertBinaryToBase64(UrlSafe) has no case for the placeholder object: its
         * unexpectedBinary() gives null (hex mode does return the placeholder string) */
        if ((c->conv.kind == K_BYTEA || c->conv.kind == K_UNKNOWN) &&
            (c->opt.binary == PG_BINARY_BASE64 || c->opt.binary == PG_BINARY_BASE64_URL_SAFE))
            return false;
        if (s->type == CD_TYPE_STRING) {
            *out = ph_str;
            return true;
        }
        /* plain bytes (bytea, unknown types) and Bits, not a Decimal */
        if (s->type == CD_TYPE_BYTES && (!s->name || eq(s->name, "io.debezium.data.Bits"))) {
            *out = ph_bytes;
            return true;
        }
        return false;
    }
    if (eq(c->conv.type_name, "uuid") && s->type == CD_TYPE_STRING) {
        *out = one_item(a, pgt_name_uuid(a, c->ph, c->ph_len));
        return true;
    }
    switch (s->type) {
    case CD_TYPE_STRING:
        *out = one_item(a, ph_str);
        return true;
    case CD_TYPE_BYTES:
        if (s->name) return false;
        *out = one_item(a, ph_bytes);
        return true;
    case CD_TYPE_INT16:
    case CD_TYPE_INT32:
    case CD_TYPE_INT64: {
        /* the placeholder's bytes as Java (signed) bytes widened to numbers */
        cd_value_t *it = pgt_new_values(a, c->ph_len);
        for (size_t i = 0; i < c->ph_len; i++) it[i] = cd_int(s->type, (signed char)c->ph[i]);
        *out = (cd_value_t){.type = CD_TYPE_ARRAY};
        out->u.array.items = it;
        out->u.array.n = c->ph_len;
        return true;
    }
    default:
        return false;
    }
}

/* ---- column defaults (3.1) ------------------------------------------------------------------------------------ */

/* Debezium's FUNCTION_DEFAULT_PATTERN, ^[(]?[A-Za-z0-9_]+\((?:.+(?:, ?.+)*)?\), found at the start, plus the
 * SQL value functions that take no parentheses. */
static bool is_generated_default(const char *e) {
    static const char *const kw[] = {"current_timestamp", "current_time", "current_date", "localtimestamp",
                                     "localtime", NULL};
    for (int i = 0; kw[i]; i++) {
        size_t l = strlen(kw[i]);
        if (strncasecmp(e, kw[i], l) == 0 && (!e[l] || e[l] == '(' || e[l] == ':' || e[l] == ' ')) return true;
    }
    const char *p = e;
    if (*p == '(') p++;
    const char *id = p;
    while (isalnum((unsigned char)*p) || *p == '_') p++;
    if (p == id || *p != '(') return false;
    for (p++; *p && *p != '\n'; p++)
        if (*p == ')') return true;
    return false;
}

/* extractDefault: a raw value as is, else the text inside the first pair of single quotes. */
static bool extract_literal(const char *e, const char **s, size_t *n) {
    const char *q = strchr(e, '\'');
    if (!q) {
        *s = e;
        *n = strlen(e);
        return true;
    }
    const char *q2 = q + 1;
    while (*q2 && *q2 != '\'' && *q2 != '\n') q2++;
    if (*q2 != '\'') return false;
    *s = q + 1;
    *n = (size_t)(q2 - q - 1);
    return true;
}

/* The default's text for the column type's parser, or false when Debezium has no parser for the type. */
static bool default_placeholder(const conv_t *k, const char **ph) {
    static const struct {
        const char *type, *ph;
    } map[] = {{"bit", "00"},        {"varbit", "0"},      {"bool", "false"},       {"bpchar", ""},
               {"varchar", ""},      {"text", ""},         {"numeric", "0.0"},      {"float4", "0.0"},
               {"float8", "0.0"},    {"int2", "0"},        {"int4", "0"},           {"int8", "0"},
               {"json", "{}"},       {"jsonb", "{}"},      {"xml", ""},             {"uuid", "00000000-0000-0000-0000-000000000000"},
               {"date", "1970-01-01"}, {"time", "00:00"}, {"timestamp", "1970-01-01"}, {"timestamptz", "1970-01-01"},
               {"interval", "epoch"}};
    if (k->enum_type) {
        *ph = NULL;
        return true;
    }
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (eq(k->type_name, map[i].type)) {
            *ph = map[i].ph;
            return true;
        }
    return false;
}

/* The default value of a column from pg_get_expr text, or false for none (unparseable, NULL, no parser). */
static bool parse_default(const pg_column_t *c, const char *expr, cd_arena_t *a, cd_value_t *out) {
    const conv_t *k = &c->conv;
    const char *ph;
    if (!default_placeholder(k, &ph)) return false;
    while (isspace((unsigned char)*expr)) expr++;
    if (strncmp(expr, "NULL::", 6) == 0 || strcasecmp(expr, "NULL") == 0) return false;
    const char *s;
    size_t n;
    if (is_generated_default(expr)) {
        if (!ph) return false;
        s = ph;
        n = strlen(ph);
    } else if (!extract_literal(expr, &s, &n)) {
        return false;
    }
    char *t = cd_arena_strndup(a, s, n);
    char err[8];
    vctx_t x = {c, k, a, err, sizeof(err), false};
    dt_t dt;
    int64_t i;
    switch (k->kind) {
    case K_BOOL:
        *out = v_bool(strcasecmp(t, "true") == 0); /* Boolean.parseBoolean */
        return true;
    case K_BIT1:
        if (n == 1) {
            *out = v_bool(t[0] == '1');
            return true;
        }
        return conv_bit1(&x, t, n, out) == 0;
    case K_BITS:
        /* Debezium's "bit" parser turns a one-character value into a Boolean, which Bits cannot take */
        if (n == 1 && eq(k->type_name, "bit")) return false;
        return conv_bits(&x, t, n, out) == 0;
    case K_NUMERIC: {
        dec_t d;
        if (!pgt_dec_parse(a, t, n, &d)) return false;
        if (k->vsd && c->opt.decimal == PG_DECIMAL_PRECISE) return false; /* a Struct: Debezium drops it */
        if (numeric_from_dec(&x, &d, out)) return false;
        return true;
    }
    case K_INT16:
    case K_INT32:
    case K_INT64: {
        int64_t lo = k->kind == K_INT16 ? INT16_MIN : k->kind == K_INT32 ? INT32_MIN : INT64_MIN;
        int64_t hi = k->kind == K_INT16 ? INT16_MAX : k->kind == K_INT32 ? INT32_MAX : INT64_MAX;
        if (!pgt_parse_long(t, n, lo, hi, &i)) return false;
        *out = cd_int(k->kind == K_INT16 ? CD_TYPE_INT16 : k->kind == K_INT32 ? CD_TYPE_INT32 : CD_TYPE_INT64, i);
        return true;
    }
    case K_FLOAT32:
    case K_FLOAT64:
        return pgt_conv_text(&x, t, n, out) == 0;
    case K_STRING:
        if (eq(k->type_name, "uuid")) { /* UUID.fromString(..).toString(): lower case */
            if (n != 36) return false;
            for (size_t j = 0; j < n; j++) {
                bool dash = j == 8 || j == 13 || j == 18 || j == 23;
                if (dash ? t[j] != '-' : hexval(t[j]) < 0) return false;
                t[j] = (char)tolower((unsigned char)t[j]);
            }
        }
        *out = pgt_v_str(t, n);
        return true;
    case K_DATE:
        if (!pgt_parse_datetime(t, n, true, &dt) || dt.has_offset) return false;
        *out = pgt_date_value(c, pgt_days_from_civil(dt.year, dt.month, dt.day), a);
        return true;
    case K_TIME:
        if (!pgt_parse_datetime(t, n, false, &dt) || dt.has_offset) return false;
        *out = pgt_time_value(c, k, dt.tod_us, a);
        return true;
    case K_TIMESTAMP:
    case K_TIMESTAMPTZ: {
        int64_t us;
        if (!pgt_parse_datetime(t, n, true, &dt) || !pgt_dt_epoch_us(&dt, &us)) return false;
        if (k->kind == K_TIMESTAMPTZ) {
            *out = pgt_zoned_timestamp(k, us, a);
            return true;
        }
        return pgt_timestamp_value(&x, us, false, out) == 0;
    }
    case K_INTERVAL: {
        interval_t iv;
        if (!pgt_parse_interval(t, n, &iv)) return false;
        *out = pgt_interval_value(c, &iv, a);
        return true;
    }
    default:
        return false;
    }
}

/* ---- public API ---------------------------------------------------------------------------------------------- */

void pg_type_options_default(pg_type_options_t *o) {
    memset(o, 0, sizeof(*o));
    o->decimal = PG_DECIMAL_PRECISE;
    o->time = PG_TIME_ADAPTIVE;
    o->binary = PG_BINARY_BYTES;
    o->hstore = PG_HSTORE_JSON;
    o->interval = PG_INTERVAL_NUMERIC;
    o->money_fraction_digits = 2;
    o->include_unknown_datatypes = false;
    o->unavailable_placeholder = DEFAULT_PLACEHOLDER;
}

pg_column_t *pg_column_new(const pg_column_info_t *ci, const pg_type_options_t *opt, cd_arena_t *arena,
                           char *errstr, size_t errstr_size) {
    if (errstr && errstr_size) errstr[0] = '\0';
    if (!ci || !ci->name || !ci->type_name || !opt) {
        pgt_fail(errstr, errstr_size, "pg_column_new: column name, type name and options are required");
        return NULL;
    }
    pg_column_t *c = cd_arena_alloc(arena, sizeof(*c));
    memset(c, 0, sizeof(*c));
    c->name = cd_arena_strndup(arena, ci->name, strlen(ci->name));
    c->opt = *opt;
    if (c->opt.money_fraction_digits < 0) {
        pgt_fail(errstr, errstr_size, "Invalid money.fraction.digits %d for column %s: it must not be negative",
             c->opt.money_fraction_digits, ci->name);
        return NULL;
    }
    const char *ph = opt->unavailable_placeholder ? opt->unavailable_placeholder : DEFAULT_PLACEHOLDER;
    if (strncmp(ph, "hex:", 4) == 0) {
        size_t hl = strlen(ph + 4);
        unsigned char *b = cd_arena_alloc(arena, hl / 2 + 1);
        long len = pgt_hex_decode(ph + 4, hl, b);
        if (len < 0) {
            pgt_fail(errstr, errstr_size,
                 "Invalid unavailable.value.placeholder '%s': after 'hex:' it must be an even number of hex digits",
                 ph);
            return NULL;
        }
        c->ph = b;
        c->ph_len = (size_t)len;
    } else {
        c->ph_len = strlen(ph);
        c->ph = (const unsigned char *)cd_arena_strndup(arena, ph, c->ph_len);
    }
    c->opt.unavailable_placeholder = NULL;

    bool optional = !ci->not_null;
    bool array = ci->type_name[0] == '_' && ci->elem_type_name && ci->typtype != 'e';
    known_t kn;
    if (array) {
        c->is_array = true;
        const char *etn = cd_arena_strndup(arena, ci->elem_type_name, strlen(ci->elem_type_name));
        kn = classify(etn, ci->elem_typtype ? ci->elem_typtype : 'b', ci->typmod, true, &c->conv);
        size_t nl = strlen(ci->name);
        char *en = cd_arena_alloc(arena, nl + 9);
        memcpy(en, ci->name, nl);
        memcpy(en + nl, "-element", 9);
        c->conv.col_name = en;
    } else {
        const char *tn = cd_arena_strndup(arena, ci->type_name, strlen(ci->type_name));
        kn = classify(tn, ci->typtype ? ci->typtype : 'b', ci->typmod, false, &c->conv);
        c->conv.col_name = c->name;
        c->name_type = eq(tn, "name");
    }
    if (kn == TYPE_OMITTED) return NULL;
    if (kn == TYPE_UNKNOWN) {
        if (!opt->include_unknown_datatypes) return NULL;
        c->conv.kind = K_UNKNOWN;
    }

    if (array) {
        /* enum items and unknown-type items are required (Debezium builds them without .optional()) */
        bool items_optional = !(c->conv.enum_type || c->conv.kind == K_UNKNOWN);
        c->conv.schema = value_schema(arena, &c->conv, &c->opt, items_optional, ci);
        cd_schema_t *s = sch(arena, CD_TYPE_ARRAY, optional, NULL, 0);
        s->value_schema = c->conv.schema;
        c->schema = s;
        return c;
    }
    cd_schema_t *s = value_schema(arena, &c->conv, &c->opt, optional, ci);
    c->conv.schema = s;
    c->schema = s;
    if (ci->default_expr && c->conv.kind != K_UNKNOWN) {
        cd_value_t dv;
        if (parse_default(c, ci->default_expr, arena, &dv)) {
            cd_value_t *d = cd_arena_alloc(arena, sizeof(*d));
            *d = dv;
            s->default_value = d;
        }
    }
    return c;
}

const cd_schema_t *pg_column_schema(const pg_column_t *c) { return c->schema; }

const char *pg_column_name(const pg_column_t *c) { return c->name; }

const cd_schema_t *pg_column_schema_with_source_type(const pg_column_t *c, const pg_column_info_t *ci,
                                                     cd_arena_t *arena) {
    if (!ci->source_type) return NULL;
    cd_schema_t *s = cd_arena_alloc(arena, sizeof(*s));
    *s = *c->schema;
    cd_param_t *p = cd_arena_alloc(arena, (c->schema->n_params + 4) * sizeof(cd_param_t));
    if (c->schema->n_params) memcpy(p, c->schema->params, c->schema->n_params * sizeof(cd_param_t));
    size_t n = c->schema->n_params, tl = strlen(ci->source_type);
    /* toUpperCase(Locale.ENGLISH) */
    char *up = cd_arena_strndup(arena, ci->source_type, tl);
    for (size_t i = 0; i < tl; i++) up[i] = (char)toupper((unsigned char)up[i]);
    char num[16];
    p[n++] = (cd_param_t){"__debezium.source.column.type", up};
    snprintf(num, sizeof(num), "%d", (int)ci->source_length);
    p[n++] = (cd_param_t){"__debezium.source.column.length", cd_arena_strndup(arena, num, strlen(num))};
    snprintf(num, sizeof(num), "%d", (int)ci->source_scale);
    p[n++] = (cd_param_t){"__debezium.source.column.scale", cd_arena_strndup(arena, num, strlen(num))};
    p[n++] = (cd_param_t){"__debezium.source.column.name", c->name};
    s->params = p;
    s->n_params = n;
    s->cache_id = cd_schema_next_cache_id();
    return s;
}

static int column_value(const pg_column_t *c, char kind, const char *text, size_t len, bool snapshot,
                        cd_arena_t *scratch, cd_value_t *out, char *errstr, size_t errstr_size) {
    switch (kind) {
    case 't': {
        /* Debezium's ReplicationMessageColumnValueResolver has no case for "name": its value goes through
         * asDefault(), which gives null unless include.unknown.datatypes (the schema stays a string) */
        if (c->name_type && !c->opt.include_unknown_datatypes)
            return column_value(c, 'n', NULL, 0, snapshot, scratch, out, errstr, errstr_size);
        size_t n = text ? len : 0;
        char *s = cd_arena_strndup(scratch, text ? text : "", n);
        vctx_t x = {c, &c->conv, scratch, errstr, errstr_size, snapshot};
        return c->is_array ? pgt_conv_array(&x, s, n, out) : pgt_conv_text(&x, s, n, out);
    }
    case 'u':
    case 'n':
        if (kind == 'u' && placeholder_value(c, scratch, out)) return 0;
        /* a missing value (or a placeholder the type cannot carry) */
        if (c->schema->optional) {
            *out = cd_null();
        } else if (c->schema->default_value) {
            *out = *c->schema->default_value;
        } else if (c->is_array) {
            *out = empty_array();
        } else {
            *out = fallback_value(c, &c->conv, scratch);
        }
        return 0;
    default:
        return pgt_fail(errstr, errstr_size, "Unknown pgoutput value kind '%c' for column %s (expected n, u or t)", kind,
                    c->name);
    }
}

int pg_column_value(const pg_column_t *c, char kind, const char *text, size_t len, cd_arena_t *scratch,
                    cd_value_t *out, char *errstr, size_t errstr_size) {
    return column_value(c, kind, text, len, false, scratch, out, errstr, errstr_size);
}

int pg_column_snapshot_value(const pg_column_t *c, char kind, const char *text, size_t len, cd_arena_t *scratch,
                             cd_value_t *out, char *errstr, size_t errstr_size) {
    return column_value(c, kind, text, len, true, scratch, out, errstr, errstr_size);
}
