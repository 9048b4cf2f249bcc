/* config_def.c - validation of a config against ConfigDef-style definitions (cd_config_result_t),
 * and the JSON the REST API makes of definitions and results (ConfigKeyInfo, ConfigInfos).
 * Messages, string forms and orders follow Kafka's ConfigDef and AbstractHerder word for word:
 * clients and people match on them. */
#include "connect/connector_config.h"
#include "connect/java_util.h"
#include "connect/json_write.h"
#include "xalloc.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NULL_VALUE_MSG "Null value can not be supplied as the configuration value."

typedef struct {
    char *name;
    bool has_def;
    cd_config_key_t def; /* copied: the strings it points to belong to the definition */
    char *value;         /* Kafka's string form of the parsed value; NULL: null */
    char **errors;
    size_t n_errors, cap_errors;
    char **recommended; /* ConfigValue.recommendedValues */
    size_t n_recommended;
    bool invisible;
} entry_t;

struct cd_config_result {
    entry_t *e;
    size_t n, cap;
    char **owned; /* strings of definitions made for this result (cd_config_result_adopt) */
    size_t n_owned;
};

/* ---- small helpers ------------------------------------------------------------------------ */

static char *xstrndup(const char *s, size_t n) {
    char *d = strndup(s, n);
    if (!d) abort();
    return d;
}

/* Java regex \s: [ \t\n\x0B\f\r]. */
static bool java_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Decodes one UTF-8 sequence; an invalid byte counts as U+FFFD, one byte long. */
static uint32_t utf8_next(const unsigned char **p) {
    const unsigned char *s = *p;
    uint32_t cp;
    int extra;
    if (s[0] < 0x80) {
        *p = s + 1;
        return s[0];
    } else if ((s[0] & 0xE0) == 0xC0) {
        cp = s[0] & 0x1F, extra = 1;
    } else if ((s[0] & 0xF0) == 0xE0) {
        cp = s[0] & 0x0F, extra = 2;
    } else if ((s[0] & 0xF8) == 0xF0) {
        cp = s[0] & 0x07, extra = 3;
    } else {
        *p = s + 1;
        return 0xFFFD;
    }
    for (int i = 1; i <= extra; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *p = s + 1;
            return 0xFFFD;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    *p = s + 1 + extra;
    return cp;
}

/* Java's Double.toString, as the converters write it (json_write.c). */
static void java_double_str(double d, char *out, size_t size) {
    cd_buf_t b = {0};
    cd_jw_java_double(&b, d);
    snprintf(out, size, "%.*s", (int)b.len, b.data);
    cd_buf_free(&b);
}

/* A bound as Kafka prints the Number it was given: integral bounds without a fraction. */
static void bound_str(double d, char *out, size_t size) {
    if (d == floor(d) && fabs(d) < 9.2e18)
        snprintf(out, size, "%lld", (long long)d);
    else
        java_double_str(d, out, size);
}

static const char *type_name(cd_cfg_type_t t) {
    switch (t) {
    case CD_CFG_BOOLEAN: return "BOOLEAN";
    case CD_CFG_STRING: return "STRING";
    case CD_CFG_INT: return "INT";
    case CD_CFG_SHORT: return "SHORT";
    case CD_CFG_LONG: return "LONG";
    case CD_CFG_DOUBLE: return "DOUBLE";
    case CD_CFG_LIST: return "LIST";
    case CD_CFG_CLASS: return "CLASS";
    case CD_CFG_PASSWORD: return "PASSWORD";
    }
    return "STRING";
}

static const char *importance_name(cd_cfg_importance_t i) {
    switch (i) {
    case CD_IMPORTANCE_HIGH: return "HIGH";
    case CD_IMPORTANCE_MEDIUM: return "MEDIUM";
    case CD_IMPORTANCE_LOW: return "LOW";
    }
    return "LOW";
}

static const char *width_name(cd_cfg_width_t w) {
    switch (w) {
    case CD_WIDTH_NONE: return "NONE";
    case CD_WIDTH_SHORT: return "SHORT";
    case CD_WIDTH_MEDIUM: return "MEDIUM";
    case CD_WIDTH_LONG: return "LONG";
    }
    return "NONE";
}

static bool is_number_type(cd_cfg_type_t t) {
    return t == CD_CFG_INT || t == CD_CFG_SHORT || t == CD_CFG_LONG || t == CD_CFG_DOUBLE;
}

/* ---- parsing (ConfigDef.parseType) --------------------------------------------------------- */

typedef struct {
    bool is_null;
    char *str;     /* convertToString form; passwords in clear */
    char *display; /* toString of the parsed object, as a ConfigException prints it */
    double num;    /* numbers */
} parsed_t;

static void parsed_free(parsed_t *p) {
    free(p->str);
    free(p->display);
    memset(p, 0, sizeof(*p));
}

/* Integer.parseInt and friends: [+-]?[0-9]+ within [min, max]. */
static bool parse_integer(const char *s, int64_t min, int64_t max, int64_t *out) {
    bool neg = false;
    if (*s == '+' || *s == '-') neg = *s++ == '-';
    if (!*s) return false;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return false;
        unsigned dgt = (unsigned)(*s - '0');
        if (v > (limit - dgt) / 10) return false;
        v = v * 10 + dgt;
    }
    int64_t r = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    if (r < min || r > max) return false;
    *out = r;
    return true;
}

static bool all_digits(const char *s, size_t n, int (*cls)(int)) {
    for (size_t i = 0; i < n; i++)
        if (!cls((unsigned char)s[i])) return false;
    return true;
}

/* Double.parseDouble's grammar (after trim): [+-]? (NaN | Infinity | decimal | hex) [fFdD]?. */
static bool parse_double(const char *s, double *out) {
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    if (!strcmp(p, "NaN")) {
        *out = NAN;
        return true;
    }
    if (!strcmp(p, "Infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return true;
    }
    size_t n = strlen(p);
    if (n && strchr("fFdD", p[n - 1])) n--;
    if (!n) return false;
    if (n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        /* hex: HexDigits[.HexDigits] p [+-] Digits, binary exponent required */
        const char *h = p + 2, *end = p + n;
        const char *pe = NULL;
        for (const char *c = h; c < end; c++)
            if (*c == 'p' || *c == 'P') pe = c;
        if (!pe) return false;
        const char *dot = memchr(h, '.', (size_t)(pe - h));
        size_t a = dot ? (size_t)(dot - h) : (size_t)(pe - h);
        size_t b = dot ? (size_t)(pe - dot - 1) : 0;
        if (a + b == 0 || !all_digits(h, a, isxdigit) || (dot && !all_digits(dot + 1, b, isxdigit)))
            return false;
        const char *e = pe + 1;
        if (e < end && (*e == '+' || *e == '-')) e++;
        if (e == end || !all_digits(e, (size_t)(end - e), isdigit)) return false;
    } else {
        /* decimal: Digits[.Digits?] | .Digits, then [eE][+-]?Digits */
        const char *end = p + n, *c = p;
        size_t a = 0, b = 0;
        while (c < end && isdigit((unsigned char)*c)) c++, a++;
        if (c < end && *c == '.') {
            c++;
            while (c < end && isdigit((unsigned char)*c)) c++, b++;
        }
        if (a + b == 0) return false;
        if (c < end && (*c == 'e' || *c == 'E')) {
            c++;
            if (c < end && (*c == '+' || *c == '-')) c++;
            if (c == end || !all_digits(c, (size_t)(end - c), isdigit)) return false;
            c = end;
        }
        if (c != end) return false;
    }
    char *copy = xstrndup(s, (size_t)(p - s) + n);
    *out = strtod(copy, NULL); /* out of range gives ±HUGE_VAL or 0, as Java gives ±Infinity or 0 */
    free(copy);
    return true;
}

/* Splits a trimmed LIST value as Java's split("\\s*,\\s*", -1) does; items appended to `str`
 * joined by ",", and to `display` as List.toString ("[a, b]"). */
static void parse_list(const char *trimmed, parsed_t *p) {
    sb_t str = {0}, disp = {0};
    sb_add(&disp, "[");
    if (*trimmed) {
        const char *item = trimmed;
        for (bool first = true;; first = false) {
            const char *comma = strchr(item, ',');
            const char *end = comma ? comma : item + strlen(item);
            const char *b = item;
            while (!first && b < end && java_space(*b)) b++;
            const char *e = end;
            while (comma && e > b && java_space(e[-1])) e--;
            if (!first) {
                sb_add(&str, ",");
                sb_add(&disp, ", ");
            }
            sb_addn(&str, b, (size_t)(e - b));
            sb_addn(&disp, b, (size_t)(e - b));
            if (!comma) break;
            item = comma + 1;
        }
    }
    sb_add(&disp, "]");
    p->str = sb_take(&str);
    p->display = sb_take(&disp);
}

/* Parses raw (non-NULL) as the key's type. Returns NULL, or the ConfigException message. */
static char *parse_value(const cd_config_key_t *k, const char *raw, parsed_t *p) {
    memset(p, 0, sizeof(*p));
    char *t = ju_trim(raw);
    char *err = NULL;
    int64_t iv;
    switch (k->type) {
    case CD_CFG_BOOLEAN:
        if (!strcasecmp(t, "true") || !strcasecmp(t, "false")) {
            p->str = xstrdup(strcasecmp(t, "true") ? "false" : "true");
        } else {
            err =
                xasprintf("Invalid value %s for configuration %s: Expected value to be either true or false",
                          raw, k->name);
        }
        break;
    case CD_CFG_STRING:
    case CD_CFG_CLASS:
    case CD_CFG_PASSWORD:
        if (k->type == CD_CFG_CLASS && !*t) {
            /* Java fails to load the class "": the only class name we can tell is wrong here */
            err = xasprintf("Invalid value %s for configuration %s: Class %s could not be found.", raw,
                            k->name, raw);
            break;
        }
        p->str = xstrdup(t);
        break;
    case CD_CFG_INT:
    case CD_CFG_SHORT:
    case CD_CFG_LONG: {
        int64_t lo = k->type == CD_CFG_SHORT ? INT16_MIN : k->type == CD_CFG_INT ? INT32_MIN : INT64_MIN;
        int64_t hi = k->type == CD_CFG_SHORT ? INT16_MAX : k->type == CD_CFG_INT ? INT32_MAX : INT64_MAX;
        if (parse_integer(t, lo, hi, &iv)) {
            p->str = xasprintf("%" PRId64, iv);
            p->num = (double)iv;
        } else {
            err = xasprintf("Invalid value %s for configuration %s: Not a number of type %s", raw, k->name,
                            type_name(k->type));
        }
        break;
    }
    case CD_CFG_DOUBLE: {
        double d;
        if (parse_double(t, &d)) {
            char buf[64];
            java_double_str(d, buf, sizeof(buf));
            p->str = xstrdup(buf);
            p->num = d;
        } else {
            err =
                xasprintf("Invalid value %s for configuration %s: Not a number of type DOUBLE", raw, k->name);
        }
        break;
    }
    case CD_CFG_LIST: parse_list(t, p); break;
    }
    free(t);
    if (err) {
        parsed_free(p);
        p->is_null = true;
        return err;
    }
    if (!p->display) p->display = xstrdup(k->type == CD_CFG_PASSWORD ? "[hidden]" : p->str);
    return NULL;
}

/* The string form of a key's default, as ConfigKeyInfo shows it; NULL for a null default. */
static char *default_str(const cd_config_key_t *k) {
    if (!k->has_default || !k->default_value) return NULL;
    parsed_t p;
    char *err = parse_value(k, k->default_value, &p);
    if (err) { /* a definition bug: show the default as written */
        free(err);
        return xstrdup(k->default_value);
    }
    char *s = p.str;
    p.str = NULL;
    parsed_free(&p);
    return s;
}

/* ---- validators ------------------------------------------------------------------------------ */

static void upper_ascii(char *s) {
    for (; *s; s++) *s = (char)toupper((unsigned char)*s);
}

/* String.hashCode over UTF-16 code units. */
static uint32_t java_hash(const char *s) {
    uint32_t h = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp = utf8_next(&p);
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

/* CaseInsensitiveValidString keeps its strings upper-cased in a HashSet and prints them in the
 * set's iteration order: by bucket ((h ^ h >>> 16) & (capacity - 1)), then insertion order. */
static char *ci_allowed_list(const char *const *allowed) {
    size_t n = 0;
    for (size_t i = 0; allowed && allowed[i]; i++) n++;
    char **u = calloc(n ? n : 1, sizeof(*u));
    uint32_t *bucket = calloc(n ? n : 1, sizeof(*bucket));
    if (!u || !bucket) abort();
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        char *s = xstrdup(allowed[i]);
        upper_ascii(s);
        bool dup = false;
        for (size_t j = 0; j < m && !dup; j++) dup = !strcmp(u[j], s);
        if (dup)
            free(s);
        else
            u[m++] = s;
    }
    uint32_t cap = 16;
    while (m > cap * 3 / 4) cap *= 2;
    for (size_t i = 0; i < m; i++) {
        uint32_t h = java_hash(u[i]);
        bucket[i] = (h ^ (h >> 16)) & (cap - 1);
    }
    for (size_t i = 1; i < m; i++) /* stable insertion sort by bucket */
        for (size_t j = i; j > 0 && bucket[j - 1] > bucket[j]; j--) {
            uint32_t tb = bucket[j];
            bucket[j] = bucket[j - 1], bucket[j - 1] = tb;
            char *ts = u[j];
            u[j] = u[j - 1], u[j - 1] = ts;
        }
    sb_t b = {0};
    for (size_t i = 0; i < m; i++) {
        if (i) sb_add(&b, ", ");
        sb_add(&b, u[i]);
        free(u[i]);
    }
    free(u);
    free(bucket);
    return sb_take(&b);
}

static char *allowed_list(const char *const *allowed) {
    sb_t b = {0};
    for (size_t i = 0; allowed && allowed[i]; i++) {
        if (i) sb_add(&b, ", ");
        sb_add(&b, allowed[i]);
    }
    return sb_take(&b);
}

static bool one_of(const cd_config_key_t *k, const char *s) {
    for (size_t i = 0; k->allowed && k->allowed[i]; i++) {
        if (k->ci ? !strcasecmp(k->allowed[i], s) : !strcmp(k->allowed[i], s)) return true;
    }
    return false;
}

/* Character.isISOControl for every code point; the list Kafka prints, or NULL when none. */
static char *control_chars(const char *s) {
    sb_t b = {0};
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp = utf8_next(&p);
        if (cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F)) {
            char num[16];
            snprintf(num, sizeof(num), "%s%" PRIu32, b.len ? ", " : "", cp);
            sb_add(&b, num);
        }
    }
    return b.s;
}

/* Runs the key's validator on the parsed value (which may be null), adding Kafka's message. */
static void run_validator(cd_config_result_t *r, const cd_config_key_t *k, const parsed_t *p) {
    if (k->validator == CD_VALID_ANY) return;
    /* Kafka validates a default when it defines the key, so a key whose default is null always
     * has a validator that accepts null (e.g. transaction.boundary.interval.ms). */
    if (p->is_null && k->has_default && !k->default_value) return;
    const char *v = p->is_null ? "null" : p->display;
    const char *vn = k->validator_name ? k->validator_name : k->name; /* what the message names */
    switch (k->validator) {
    case CD_VALID_ANY: break;
    case CD_VALID_RANGE: {
        char bound[64];
        if (p->is_null) {
            cd_config_result_add_error(
                r, k->name, "Invalid value null for configuration %s: Value must be non-null", vn);
        } else if (!is_number_type(k->type)) {
            break;
        } else if (k->has_min && p->num < k->min) {
            bound_str(k->min, bound, sizeof(bound));
            cd_config_result_add_error(r, k->name,
                                       "Invalid value %s for configuration %s: Value must be at least %s", v,
                                       vn, bound);
        } else if (k->has_max && p->num > k->max) {
            bound_str(k->max, bound, sizeof(bound));
            cd_config_result_add_error(r, k->name,
                                       "Invalid value %s for configuration %s: Value must be no more than %s",
                                       v, vn, bound);
        }
        break;
    }
    case CD_VALID_ONE_OF:
        if (p->is_null || !one_of(k, p->str)) {
            char *list = k->ci ? ci_allowed_list(k->allowed) : allowed_list(k->allowed);
            cd_config_result_add_error(r, k->name,
                                       "Invalid value %s for configuration %s: String must be one of%s: %s",
                                       v, vn, k->ci ? " (case insensitive)" : "", list);
            free(list);
        }
        break;
    case CD_VALID_NON_EMPTY:
    case CD_VALID_CONNECTOR_NAME:
        if (p->is_null) break;
        if (!*p->str) {
            cd_config_result_add_error(
                r, k->name, "Invalid value  for configuration %s: String may not be empty", vn);
        } else if (k->validator == CD_VALID_CONNECTOR_NAME) {
            char *cc = control_chars(p->str);
            if (cc)
                cd_config_result_add_error(
                    r, k->name,
                    "Invalid value %s for configuration %s: String may not contain control "
                    "sequences but had the following ASCII chars: %s",
                    v, vn, cc);
            free(cc);
        }
        break;
    case CD_VALID_NON_EMPTY_STRING:
        if (!p->is_null && !*p->str)
            cd_config_result_add_error(r, k->name, "Invalid value  for configuration %s: String must be non-empty",
                                       vn);
        break;
    case CD_VALID_NON_NULL:
        if (p->is_null)
            cd_config_result_add_error(r, k->name, "Invalid value null for configuration %s: entry must be non null",
                                       vn);
        break;
    case CD_VALID_NON_EMPTY_LIST:
        if (p->is_null || !*p->str)
            cd_config_result_add_error(r, k->name, "Invalid value %s for configuration %s: Empty list", v, vn);
        break;
    case CD_VALID_CUSTOM: {
        char err[1024] = "";
        if (k->custom) k->custom(vn, p->is_null, p->is_null ? NULL : p->str, v, err, sizeof(err));
        if (err[0]) cd_config_result_add_error(r, k->name, "%s", err);
        break;
    }
    }
}

/* ---- the result ------------------------------------------------------------------------------ */

static entry_t *find_entry(const cd_config_result_t *r, const char *key) {
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->e[i].name, key)) return &r->e[i];
    return NULL;
}

static entry_t *add_entry(cd_config_result_t *r, const char *name, const cd_config_key_t *def) {
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->e = xrealloc(r->e, r->cap * sizeof(*r->e));
    }
    entry_t *e = &r->e[r->n++];
    memset(e, 0, sizeof(*e));
    e->name = xstrdup(name);
    if (def) {
        e->has_def = true;
        e->def = *def;
    }
    return e;
}

static void entry_add_msg(entry_t *e, char *msg) {
    if (e->n_errors == e->cap_errors) {
        e->cap_errors = e->cap_errors ? e->cap_errors * 2 : 2;
        e->errors = xrealloc(e->errors, e->cap_errors * sizeof(*e->errors));
    }
    e->errors[e->n_errors++] = msg;
}

void cd_config_result_add_error(cd_config_result_t *r, const char *key, const char *fmt, ...) {
    entry_t *e = find_entry(r, key);
    if (!e) e = add_entry(r, key, NULL);
    va_list ap;
    va_start(ap, fmt);
    entry_add_msg(e, xvasprintf(fmt, ap));
    va_end(ap);
}

/* Calls fn for every key of the union of defs: first definition of a name wins, definition order. */
static void for_each_key(const cd_config_def_t *const *defs, size_t n_defs,
                         void (*fn)(const cd_config_key_t *k, void *ctx), void *ctx) {
    for (size_t d = 0; d < n_defs; d++) {
        if (!defs[d]) continue;
        for (size_t i = 0; i < defs[d]->n_keys; i++) {
            const cd_config_key_t *k = &defs[d]->keys[i];
            bool seen = false;
            for (size_t pd = 0; pd <= d && !seen; pd++) {
                if (!defs[pd]) continue;
                size_t lim = pd == d ? i : defs[pd]->n_keys;
                for (size_t j = 0; j < lim && !seen; j++) seen = !strcmp(defs[pd]->keys[j].name, k->name);
            }
            if (!seen) fn(k, ctx);
        }
    }
}

typedef struct {
    cd_config_result_t *r;
    const cd_props_t *config;
} validate_ctx_t;

/* ConfigDef.parseForValidate for one key: parse (or default, or "missing"), then the validator,
 * which Kafka runs even on a null value. */
static void validate_key(const cd_config_key_t *k, void *vctx) {
    validate_ctx_t *c = vctx;
    entry_t *e = add_entry(c->r, k->name, k);
    parsed_t p = {.is_null = true};
    if (cd_props_has(c->config, k->name)) {
        const char *raw = cd_props_get(c->config, k->name);
        if (raw) {
            char *err = parse_value(k, raw, &p);
            if (err) entry_add_msg(e, err);
        }
    } else if (!k->has_default) {
        entry_add_msg(
            e, xasprintf("Missing required configuration \"%s\" which has no default value.", k->name));
    } else if (k->default_value) {
        char *err = parse_value(k, k->default_value, &p);
        if (err) { /* a definition bug; Kafka would not have started */
            free(err);
            p.is_null = false;
            p.str = xstrdup(k->default_value);
            p.display = xstrdup(k->default_value);
        }
    }
    run_validator(c->r, k, &p);
    /* run_validator may have grown the array: look the entry up again */
    e = find_entry(c->r, k->name);
    e->value = p.is_null ? NULL : p.str;
    p.str = NULL;
    parsed_free(&p);
}

cd_config_result_t *cd_config_validate_keys(const cd_config_def_t *const *defs, size_t n_defs,
                                            const cd_props_t *config) {
    cd_config_result_t *r = calloc(1, sizeof(*r));
    if (!r) abort();
    validate_ctx_t c = {r, config};
    for_each_key(defs, n_defs, validate_key, &c);
    return r;
}

void cd_config_result_add_null_errors(cd_config_result_t *r, const cd_props_t *config) {
    for (size_t i = 0; i < cd_props_count(config); i++)
        if (!cd_props_value_at(config, i))
            cd_config_result_add_error(r, cd_props_key_at(config, i), NULL_VALUE_MSG);
}

cd_config_result_t *cd_config_validate(const cd_config_def_t *const *defs, size_t n_defs,
                                       const cd_props_t *config) {
    cd_config_result_t *r = cd_config_validate_keys(defs, n_defs, config);
    cd_config_result_add_null_errors(r, config);
    return r;
}

static void free_strings(char **v, size_t n) {
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

void cd_config_result_destroy(cd_config_result_t *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->e[i].name);
        free(r->e[i].value);
        free_strings(r->e[i].errors, r->e[i].n_errors);
        free_strings(r->e[i].recommended, r->e[i].n_recommended);
    }
    free(r->e);
    free_strings(r->owned, r->n_owned);
    free(r);
}

const char *cd_config_result_adopt(cd_config_result_t *r, char *s) {
    r->owned = xrealloc(r->owned, (r->n_owned + 1) * sizeof(*r->owned));
    r->owned[r->n_owned++] = s;
    return s;
}

void cd_config_result_set_recommended(cd_config_result_t *r, const char *key, const char *const *values,
                                      size_t n) {
    entry_t *e = find_entry(r, key);
    if (!e) e = add_entry(r, key, NULL);
    free_strings(e->recommended, e->n_recommended);
    e->recommended = xmalloc((n ? n : 1) * sizeof(*e->recommended));
    for (size_t i = 0; i < n; i++) e->recommended[i] = xstrdup(values[i]);
    e->n_recommended = n;
}

void cd_config_result_set_visible(cd_config_result_t *r, const char *key, bool visible) {
    entry_t *e = find_entry(r, key);
    if (e) e->invisible = !visible;
}

void cd_config_result_set_value(cd_config_result_t *r, const char *key, const char *value) {
    entry_t *e = find_entry(r, key);
    if (!e) return;
    free(e->value);
    e->value = value ? xstrdup(value) : NULL;
}

void cd_config_result_clear_errors(cd_config_result_t *r, const char *key) {
    entry_t *e = find_entry(r, key);
    if (!e) return;
    for (size_t j = 0; j < e->n_errors; j++) free(e->errors[j]);
    e->n_errors = 0;
}

size_t cd_config_result_error_count(const cd_config_result_t *r) {
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) n += r->e[i].n_errors;
    return n;
}

size_t cd_config_result_key_error_count(const cd_config_result_t *r, const char *key) {
    const entry_t *e = find_entry(r, key);
    return e ? e->n_errors : 0;
}

const char *cd_config_result_key_error(const cd_config_result_t *r, const char *key, size_t i) {
    const entry_t *e = find_entry(r, key);
    return e && i < e->n_errors ? e->errors[i] : NULL;
}

const char *cd_config_result_value(const cd_config_result_t *r, const char *key) {
    const entry_t *e = find_entry(r, key);
    return e ? e->value : NULL;
}

/* The order Kafka's AbstractHerder.generateResult lists values in: those without a definition
 * first, then every definition; each part in its own order. A malloc'ed array of indexes. */
static size_t *listing_order(const cd_config_result_t *r) {
    size_t *idx = malloc((r->n ? r->n : 1) * sizeof(*idx)), k = 0;
    if (!idx) abort();
    for (size_t i = 0; i < r->n; i++)
        if (!r->e[i].has_def) idx[k++] = i;
    for (size_t i = 0; i < r->n; i++)
        if (r->e[i].has_def) idx[k++] = i;
    return idx;
}

char *cd_config_result_error_message(const cd_config_result_t *r) {
    sb_t b = {0};
    char head[128];
    snprintf(head, sizeof(head),
             "Connector configuration is invalid and contains the following %zu error(s):",
             cd_config_result_error_count(r));
    sb_add(&b, head);
    size_t *idx = listing_order(r);
    for (size_t i = 0; i < r->n; i++) {
        const entry_t *e = &r->e[idx[i]];
        for (size_t j = 0; j < e->n_errors; j++) {
            sb_add(&b, "\n");
            sb_add(&b, e->errors[j]);
        }
    }
    free(idx);
    sb_add(&b, "\nYou can also find the above list of errors at the endpoint "
                "`/connector-plugins/{connectorType}/config/validate`");
    return sb_take(&b);
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static json_object *str_or_null(const char *s) { return s ? json_object_new_string(s) : NULL; }

/* ConfigKeyInfo, fields in Kafka's order. */
static json_object *key_info_json(const cd_config_key_t *k) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(k->name));
    json_object_object_add(o, "type", json_object_new_string(type_name(k->type)));
    json_object_object_add(o, "required", json_object_new_boolean(!k->has_default));
    char *def = default_str(k);
    json_object_object_add(o, "default_value",
                           def && k->type == CD_CFG_PASSWORD ? json_object_new_string("[hidden]")
                                                             : str_or_null(def));
    free(def);
    json_object_object_add(o, "importance", json_object_new_string(importance_name(k->importance)));
    json_object_object_add(o, "documentation", str_or_null(k->documentation));
    json_object_object_add(o, "group", str_or_null(k->group));
    json_object_object_add(o, "width", json_object_new_string(width_name(k->width)));
    /* ConfigDef's short define() forms use the name as the display name */
    json_object_object_add(o, "display_name", json_object_new_string(k->display_name ? k->display_name : k->name));
    json_object *deps = json_object_new_array();
    for (size_t i = 0; k->dependents && k->dependents[i]; i++)
        json_object_array_add(deps, json_object_new_string(k->dependents[i]));
    json_object_object_add(o, "dependents", deps);
    json_object_object_add(o, "order", json_object_new_int(k->order));
    return o;
}

/* ConfigValueInfo. */
static json_object *value_info_json(const entry_t *e) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(e->name));
    bool hidden = e->has_def && e->def.type == CD_CFG_PASSWORD && e->value;
    json_object_object_add(o, "value", hidden ? json_object_new_string("[hidden]") : str_or_null(e->value));
    json_object *rec = json_object_new_array();
    for (size_t i = 0; i < e->n_recommended; i++)
        json_object_array_add(rec, json_object_new_string(e->recommended[i]));
    json_object_object_add(o, "recommended_values", rec);
    json_object *errs = json_object_new_array();
    for (size_t i = 0; i < e->n_errors; i++)
        json_object_array_add(errs, json_object_new_string(e->errors[i]));
    json_object_object_add(o, "errors", errs);
    json_object_object_add(o, "visible", json_object_new_boolean(!e->invisible));
    return o;
}

json_object *cd_config_result_to_json(const cd_config_result_t *r, const char *connector_class) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", str_or_null(connector_class));
    json_object_object_add(o, "error_count", json_object_new_int64((int64_t)cd_config_result_error_count(r)));

    json_object *groups = json_object_new_array();
    for (size_t i = 0; i < r->n; i++) {
        const char *g = r->e[i].has_def ? r->e[i].def.group : NULL;
        if (!g) continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = r->e[j].has_def && r->e[j].def.group && !strcmp(r->e[j].def.group, g);
        if (!seen) json_object_array_add(groups, json_object_new_string(g));
    }
    json_object_object_add(o, "groups", groups);

    json_object *configs = json_object_new_array();
    size_t *idx = listing_order(r);
    for (size_t i = 0; i < r->n; i++) {
        const entry_t *e = &r->e[idx[i]];
        json_object *c = json_object_new_object();
        json_object_object_add(c, "definition", e->has_def ? key_info_json(&e->def) : NULL);
        json_object_object_add(c, "value", value_info_json(e));
        json_object_array_add(configs, c);
    }
    free(idx);
    json_object_object_add(o, "configs", configs);
    return o;
}

static void add_key_info(const cd_config_key_t *k, void *ctx) {
    json_object_array_add((json_object *)ctx, key_info_json(k));
}

json_object *cd_config_def_to_json(const cd_config_def_t *const *defs, size_t n_defs) {
    json_object *a = json_object_new_array();
    for_each_key(defs, n_defs, add_key_info, a);
    return a;
}
