/* transforms_outbox_json.c - the outbox event router's table.expand.json.payload as Debezium 3.4.3
 * does it: the payload string parsed as Jackson 2.19's ObjectMapper.readTree reads JSON (strict
 * JSON, its nesting and length limits, ints/longs/big integers/doubles told apart, a duplicate key
 * replacing the earlier value in place, whatever follows the root value ignored), then the schema
 * and the value JsonSchemaData derives from the tree; and ConnectSchema.equals for the caches. */
#include "connect/transforms_outbox.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/java_util.h"
#include "xalloc.h"

/* Jackson's StreamReadConstraints defaults (2.16+). */
#define MAX_DEPTH 1000
#define MAX_STRING_CHARS 20000000
#define MAX_NAME_CHARS 50000
#define MAX_NUMBER_CHARS 1000

#define LOGICAL_PREFIX "org.apache.kafka.connect.data."

/* ---- the tree -------------------------------------------------------------------------------- */

typedef enum { J_NULL, J_BOOL, J_INT, J_LONG, J_BIG, J_DOUBLE, J_STRING, J_ARRAY, J_OBJECT } jtype_t;

typedef struct jnode jnode_t;
struct jnode {
    jtype_t t;
    bool b;
    int64_t i;
    double d;
    const char *s; /* STRING: UTF-8, s[n] == '\0' */
    size_t n;
    jnode_t **items;   /* ARRAY elements, OBJECT values */
    const char **keys; /* OBJECT keys, NUL-terminated */
    size_t n_items;
};

static const jnode_t NULL_NODE = {.t = J_NULL};

typedef struct {
    const char *p, *end;
    cd_arena_t *a;
    int depth;
    bool lone_surrogate; /* a \uD800-\uDFFF escape without its other half */
} parser_t;

static void skip_ws(parser_t *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static void put_utf8(cd_buf_t *b, uint32_t cp) {
    char u[4];
    size_t n;
    if (cp < 0x80) u[0] = (char)cp, n = 1;
    else if (cp < 0x800) u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[2] = (char)(0x80 | (cp & 0x3F)),
        n = 3;
    else
        u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    cd_buf_append(b, u, n);
}

static int hex4(const char *p, const char *end, uint32_t *out) {
    if (end - p < 4) return -1;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* A string token (j->p at its opening quote) into arena memory. */
static int parse_string(parser_t *j, size_t max_chars, const char **out, size_t *out_len) {
    cd_buf_t b = {0};
    size_t chars = 0;
    uint32_t high = 0; /* a high surrogate escape waiting for its low half */
    j->p++;
    for (;;) {
        if (j->p >= j->end) goto fail;
        unsigned char c = (unsigned char)*j->p;
        if (c == '"') {
            j->p++;
            break;
        }
        if (c < 0x20) goto fail; /* Jackson: an unescaped control character */
        if (c == '\\') {
            if (j->end - j->p < 2) goto fail;
            char e = j->p[1];
            j->p += 2;
            uint32_t u;
            switch (e) {
            case '"': u = '"'; break;
            case '\\': u = '\\'; break;
            case '/': u = '/'; break;
            case 'b': u = '\b'; break;
            case 'f': u = '\f'; break;
            case 'n': u = '\n'; break;
            case 'r': u = '\r'; break;
            case 't': u = '\t'; break;
            case 'u':
                if (hex4(j->p, j->end, &u)) goto fail;
                j->p += 4;
                break;
            default: goto fail; /* Jackson: unrecognized character escape */
            }
            chars++;
            if (high) {
                if (u >= 0xDC00 && u <= 0xDFFF) {
                    put_utf8(&b, 0x10000 + ((high - 0xD800) << 10) + (u - 0xDC00));
                    high = 0;
                    continue;
                }
                j->lone_surrogate = true, put_utf8(&b, 0xFFFD), high = 0;
            }
            if (u >= 0xD800 && u <= 0xDBFF) high = u;
            else if (u >= 0xDC00 && u <= 0xDFFF) j->lone_surrogate = true, put_utf8(&b, 0xFFFD);
            else put_utf8(&b, u);
        } else {
            if (high) j->lone_surrogate = true, put_utf8(&b, 0xFFFD), high = 0;
            int units;
            size_t k = ju_utf8_next(j->p, (size_t)(j->end - j->p), &units);
            cd_buf_append(&b, j->p, k);
            j->p += k;
            chars += (size_t)units;
        }
        if (chars > max_chars) goto fail;
    }
    if (high) j->lone_surrogate = true, put_utf8(&b, 0xFFFD);
    *out = cd_arena_strndup(j->a, b.data ? b.data : "", b.len);
    *out_len = b.len;
    cd_buf_free(&b);
    return 0;
fail:
    cd_buf_free(&b);
    return -1;
}

static bool is_digit(const char *p, const char *end) { return p < end && *p >= '0' && *p <= '9'; }

static jnode_t *new_node(parser_t *j, jtype_t t) {
    jnode_t *n = cd_arena_alloc(j->a, sizeof(*n));
    memset(n, 0, sizeof(*n));
    n->t = t;
    return n;
}

/* A number token: JSON's grammar; an integer is an int, a long or a BigInteger by its magnitude,
 * anything with a fraction or an exponent a double (Jackson's IntNode/LongNode/BigIntegerNode/
 * DoubleNode). */
static jnode_t *parse_number(parser_t *j) {
    const char *start = j->p;
    bool is_float = false;
    if (j->p < j->end && *j->p == '-') j->p++;
    if (j->p < j->end && *j->p == '0') j->p++;
    else if (is_digit(j->p, j->end) && *j->p != '0')
        while (is_digit(j->p, j->end)) j->p++;
    else return NULL;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!is_digit(j->p, j->end)) return NULL;
        while (is_digit(j->p, j->end)) j->p++;
        is_float = true;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
        if (!is_digit(j->p, j->end)) return NULL;
        while (is_digit(j->p, j->end)) j->p++;
        is_float = true;
    }
    size_t len = (size_t)(j->p - start);
    if (len > MAX_NUMBER_CHARS) return NULL;
    char text[MAX_NUMBER_CHARS + 1];
    memcpy(text, start, len);
    text[len] = '\0';
    if (is_float) {
        jnode_t *n = new_node(j, J_DOUBLE);
        n->d = strtod(text, NULL); /* correctly rounded, as Double.parseDouble; overflow gives Infinity */
        return n;
    }
    errno = 0;
    long long v = strtoll(text, NULL, 10);
    if (errno == ERANGE) return new_node(j, J_BIG);
    jnode_t *n = new_node(j, v >= INT32_MIN && v <= INT32_MAX ? J_INT : J_LONG);
    n->i = v;
    return n;
}

/* Elements or members collected while a container is read. */
typedef struct {
    jnode_t **vals;
    const char **keys;
    size_t n, cap;
} members_t;

static void members_add(members_t *m, const char *key, jnode_t *v) {
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 8;
        m->vals = xrealloc(m->vals, m->cap * sizeof(*m->vals));
        m->keys = xrealloc(m->keys, m->cap * sizeof(*m->keys));
    }
    m->keys[m->n] = key;
    m->vals[m->n++] = v;
}

static jnode_t *members_node(parser_t *j, members_t *m, jtype_t t) {
    jnode_t *n = new_node(j, t);
    n->n_items = m->n;
    n->items = cd_arena_alloc(j->a, (m->n ? m->n : 1) * sizeof(*n->items));
    if (m->n) memcpy(n->items, m->vals, m->n * sizeof(*n->items));
    if (t == J_OBJECT) {
        n->keys = cd_arena_alloc(j->a, (m->n ? m->n : 1) * sizeof(*n->keys));
        if (m->n) memcpy(n->keys, m->keys, m->n * sizeof(*n->keys));
    }
    free(m->vals);
    free(m->keys);
    return n;
}

static jnode_t *parse_value(parser_t *j);

static jnode_t *parse_container(parser_t *j, bool object) {
    if (++j->depth > MAX_DEPTH) return NULL;
    members_t m = {0};
    j->p++;
    skip_ws(j);
    char close = object ? '}' : ']';
    if (j->p < j->end && *j->p == close) {
        j->p++;
    } else {
        for (;;) {
            const char *key = NULL;
            if (object) {
                size_t klen;
                if (j->p >= j->end || *j->p != '"' || parse_string(j, MAX_NAME_CHARS, &key, &klen)) goto fail;
                skip_ws(j);
                if (j->p >= j->end || *j->p != ':') goto fail;
                j->p++;
                skip_ws(j);
            }
            jnode_t *v = parse_value(j);
            if (!v) goto fail;
            size_t at = m.n;
            if (object) /* ObjectNode.replace: a repeated key keeps its first place, takes the last value */
                for (size_t i = 0; i < m.n && at == m.n; i++)
                    if (!strcmp(m.keys[i], key)) at = i;
            if (at < m.n) m.vals[at] = v;
            else members_add(&m, key, v);
            skip_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                skip_ws(j);
                continue;
            }
            if (j->p < j->end && *j->p == close) {
                j->p++;
                break;
            }
            goto fail;
        }
    }
    j->depth--;
    return members_node(j, &m, object ? J_OBJECT : J_ARRAY);
fail:
    free(m.vals);
    free(m.keys);
    return NULL;
}

static bool literal(parser_t *j, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n)) return false;
    j->p += n;
    return true;
}

static jnode_t *parse_value(parser_t *j) {
    if (j->p >= j->end) return NULL;
    switch (*j->p) {
    case '{': return parse_container(j, true);
    case '[': return parse_container(j, false);
    case '"': {
        jnode_t *n = new_node(j, J_STRING);
        return parse_string(j, MAX_STRING_CHARS, &n->s, &n->n) ? NULL : n;
    }
    case 't':
    case 'f': {
        bool v = *j->p == 't';
        if (!literal(j, v ? "true" : "false")) return NULL;
        jnode_t *n = new_node(j, J_BOOL);
        n->b = v;
        return n;
    }
    case 'n': return literal(j, "null") ? new_node(j, J_NULL) : NULL;
    default: return parse_number(j);
    }
}

/* ---- JsonSchemaData ---------------------------------------------------------------------------- */

static const cd_schema_t OPT_STRING = {.type = CD_TYPE_STRING, .optional = true};
static const cd_schema_t OPT_BOOLEAN = {.type = CD_TYPE_BOOLEAN, .optional = true};
static const cd_schema_t OPT_INT32 = {.type = CD_TYPE_INT32, .optional = true};
static const cd_schema_t OPT_INT64 = {.type = CD_TYPE_INT64, .optional = true};
static const cd_schema_t OPT_FLOAT64 = {.type = CD_TYPE_FLOAT64, .optional = true};
static const cd_schema_t OPT_BYTES = {.type = CD_TYPE_BYTES, .optional = true};

typedef struct {
    cd_arena_t *a;
    bool optional_bytes;
} derive_t;

static bool is_number(const jnode_t *n) { return n->t == J_INT || n->t == J_LONG || n->t == J_BIG || n->t == J_DOUBLE; }

/* JsonNodeType: the four number kinds are one type. */
static int node_type(const jnode_t *n) { return is_number(n) ? J_DOUBLE : (int)n->t; }

static const cd_schema_t *number_schema(const jnode_t *n) {
    return n->t == J_INT ? &OPT_INT32 : n->t == J_LONG ? &OPT_INT64 : &OPT_FLOAT64;
}

/* Strings.isNullOrBlank. */
static bool null_or_blank(const char *s) {
    if (!s) return true;
    for (; *s; s++)
        if ((unsigned char)*s > ' ') return false;
    return true;
}

static int to_schema(derive_t *d, const char *key, const jnode_t *n, const cd_schema_t **out);

/* getFirstArrayElement: the first non-null element (NullNode when none); every other non-null
 * element of its JSON type, numbers of its schema. -1: "not a homogenous array". */
static int first_element(const jnode_t *arr, const jnode_t **out) {
    const jnode_t *ref = NULL;
    for (size_t i = 0; i < arr->n_items; i++) {
        const jnode_t *e = arr->items[i];
        if (e->t == J_NULL) continue;
        if (!ref) ref = e;
        if (node_type(e) != node_type(ref)) return -1;
        if (is_number(ref) && number_schema(ref) != number_schema(e)) return -1;
    }
    *out = ref ? ref : &NULL_NODE;
    return 0;
}

static int field_index(const cd_field_t *f, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(f[i].name, name)) return (int)i;
    return -1;
}

/* mergeSchema: left's fields, then right's new ones; a BYTES field (a null) gives way to right's
 * other type. The result has left's basics but not its optionality (SchemaUtil.copySchemaBasics). */
static const cd_schema_t *merge_schema(derive_t *d, const cd_schema_t *left, const cd_schema_t *right) {
    if (!left) return right;
    size_t cap = left->n_fields + right->n_fields;
    cd_field_t *f = cd_arena_alloc(d->a, (cap ? cap : 1) * sizeof(*f));
    size_t n = 0;
    for (size_t i = 0; i < left->n_fields; i++) f[n++] = left->fields[i];
    for (size_t i = 0; i < right->n_fields; i++) {
        int at = field_index(f, n, right->fields[i].name);
        if (at < 0) f[n++] = right->fields[i];
        else if (!ob_schema_equal(f[at].schema, right->fields[i].schema) && f[at].schema->type == CD_TYPE_BYTES &&
                 right->fields[i].schema->type != CD_TYPE_BYTES)
            f[at].schema = right->fields[i].schema;
    }
    cd_schema_t *s = cd_arena_alloc(d->a, sizeof(*s));
    *s = (cd_schema_t){.type = CD_TYPE_STRUCT, .name = left->name, .version = left->version, .doc = left->doc,
                       .params = left->params, .n_params = left->n_params, .fields = f, .n_fields = n};
    return s;
}

/* toConnectSchemaWithCycles: the element schema of a non-empty array. Object elements: the merge
 * of their distinct schemas. Debezium collects those in a HashSet of schemas, whose order follows
 * identity hash codes (it differs from run to run); connectd merges them in the order they first
 * occur, which gives Debezium's result whenever one shape's fields include the other's. */
static int array_element_schema(derive_t *d, const char *key, const jnode_t *arr, const cd_schema_t **out) {
    const jnode_t *sample;
    if (first_element(arr, &sample)) return -1;
    if (sample->t == J_OBJECT) {
        const cd_schema_t **distinct = xmalloc(arr->n_items * sizeof(*distinct));
        size_t nd = 0;
        for (size_t i = 0; i < arr->n_items; i++) {
            if (arr->items[i]->t != J_OBJECT) continue;
            const cd_schema_t *s;
            if (to_schema(d, key, arr->items[i], &s)) {
                free(distinct);
                return -1;
            }
            bool seen = false;
            for (size_t k = 0; k < nd && !seen; k++) seen = ob_schema_equal(distinct[k], s);
            if (!seen) distinct[nd++] = s;
        }
        const cd_schema_t *merged = NULL;
        for (size_t k = 0; k < nd; k++) merged = merge_schema(d, merged, distinct[k]);
        free(distinct);
        *out = merged;
        return 0;
    }
    if (to_schema(d, NULL, sample, out)) return -1;
    return *out ? 0 : -1; /* "Array ... has unrecognized member schema." */
}

/* toConnectSchema: NULL in *out for what has no schema (an empty array, a null unless
 * optional_bytes). -1: an exception (SchemaBuilder refusing an empty field name, an array of
 * mixed types). */
static int to_schema(derive_t *d, const char *key, const jnode_t *n, const cd_schema_t **out) {
    *out = NULL;
    switch (n->t) {
    case J_STRING: *out = &OPT_STRING; return 0;
    case J_BOOL: *out = &OPT_BOOLEAN; return 0;
    case J_INT:
    case J_LONG:
    case J_BIG:
    case J_DOUBLE: *out = number_schema(n); return 0;
    case J_NULL: *out = d->optional_bytes ? &OPT_BYTES : NULL; return 0;
    case J_ARRAY: {
        if (!n->n_items) return 0;
        const cd_schema_t *e;
        if (array_element_schema(d, key, n, &e)) return -1;
        cd_schema_t *s = cd_arena_alloc(d->a, sizeof(*s));
        *s = (cd_schema_t){.type = CD_TYPE_ARRAY, .optional = true, .value_schema = e};
        *out = s;
        return 0;
    }
    case J_OBJECT: {
        cd_field_t *f = cd_arena_alloc(d->a, (n->n_items ? n->n_items : 1) * sizeof(*f));
        size_t nf = 0;
        size_t klen = key ? strlen(key) : 0;
        for (size_t i = 0; i < n->n_items; i++) {
            const char *name = n->keys[i]; /* field.name.adjustment.mode=none */
            size_t nlen = strlen(name);
            char *fkey = cd_arena_alloc(d->a, klen + nlen + 2);
            if (null_or_blank(key)) memcpy(fkey, name, nlen + 1);
            else {
                memcpy(fkey, key, klen);
                fkey[klen] = '.';
                memcpy(fkey + klen + 1, name, nlen + 1);
            }
            const cd_schema_t *fs;
            if (to_schema(d, fkey, n->items[i], &fs)) return -1;
            if (!fs || field_index(f, nf, name) >= 0) continue;
            if (!*name) return -1; /* SchemaBuilder.field: "fieldName cannot be null." */
            f[nf++] = (cd_field_t){name, fs};
        }
        cd_schema_t *s = cd_arena_alloc(d->a, sizeof(*s));
        *s = (cd_schema_t){.type = CD_TYPE_STRUCT, .optional = true,
                           .name = key ? cd_arena_strndup(d->a, key, strlen(key)) : NULL, .fields = f,
                           .n_fields = nf};
        *out = s;
        return 0;
    }
    }
    return 0;
}

static bool logical_name(const char *name) {
    return name && !strncmp(name, LOGICAL_PREFIX, strlen(LOGICAL_PREFIX)) &&
           (!strcmp(name, LOGICAL_PREFIX "Decimal") || !strcmp(name, LOGICAL_PREFIX "Date") ||
            !strcmp(name, LOGICAL_PREFIX "Time") || !strcmp(name, LOGICAL_PREFIX "Timestamp"));
}

static int to_struct(derive_t *d, const jnode_t *n, const cd_schema_t *s, cd_value_t *out);

/* getStructFieldValue, and the check Struct.put makes on what it gives (ConnectSchema.validateValue):
 * -1 where Debezium's toConnectData throws. */
static int to_value(derive_t *d, const jnode_t *n, const cd_schema_t *s, cd_value_t *out) {
    *out = cd_null();
    if (n->t == J_NULL) return s->optional ? 0 : -1;
    if (logical_name(s->name)) return -1; /* a logical type expects another Java class */
    switch (n->t) {
    case J_STRING:
        if (s->type != CD_TYPE_STRING) return -1;
        *out = cd_string(n->s, n->n);
        return 0;
    case J_BOOL:
        if (s->type != CD_TYPE_BOOLEAN) return -1;
        out->is_null = false, out->type = CD_TYPE_BOOLEAN, out->u.b = n->b;
        return 0;
    case J_INT:
    case J_LONG:
        if (s->type != (n->t == J_INT ? CD_TYPE_INT32 : CD_TYPE_INT64)) return -1;
        *out = cd_int(s->type, n->i);
        return 0;
    case J_DOUBLE:
        if (s->type != CD_TYPE_FLOAT64) return -1;
        out->is_null = false, out->type = CD_TYPE_FLOAT64, out->u.f = n->d;
        return 0;
    case J_BIG: return -1; /* a BigDecimal where FLOAT64 wants a Double */
    case J_ARRAY: {
        if (s->type != CD_TYPE_ARRAY || !s->value_schema) return -1;
        cd_value_t *items = cd_arena_alloc(d->a, (n->n_items ? n->n_items : 1) * sizeof(*items));
        for (size_t i = 0; i < n->n_items; i++)
            if (to_value(d, n->items[i], s->value_schema, &items[i])) return -1;
        *out = (cd_value_t){.type = CD_TYPE_ARRAY, .u.array = {items, n->n_items}};
        return 0;
    }
    case J_OBJECT: return s->type == CD_TYPE_STRUCT ? to_struct(d, n, s, out) : -1;
    case J_NULL: break;
    }
    return -1;
}

/* jsonNodeToStructInternal: the schema's fields the object has (by the field's name). */
static int to_struct(derive_t *d, const jnode_t *n, const cd_schema_t *s, cd_value_t *out) {
    cd_value_t *fv = cd_arena_alloc(d->a, (s->n_fields ? s->n_fields : 1) * sizeof(*fv));
    for (size_t i = 0; i < s->n_fields; i++) {
        fv[i] = cd_null();
        for (size_t k = 0; k < n->n_items; k++)
            if (!strcmp(n->keys[k], s->fields[i].name)) {
                if (to_value(d, n->items[k], s->fields[i].schema, &fv[i])) return -1;
                break;
            }
    }
    *out = (cd_value_t){.type = CD_TYPE_STRUCT, .u.strct = {fv, s->n_fields}};
    return 0;
}

int ob_expand(const char *text, size_t len, const char *key, bool optional_bytes, cd_arena_t *arena,
              const cd_schema_t **schema, const cd_value_t **value, char *errstr, size_t errstr_size) {
    parser_t j = {.p = text, .end = text + len, .a = arena};
    const jnode_t *root = parse_value(&j);
    if (!root) return OB_UNCHANGED;
    derive_t d = {.a = arena, .optional_bytes = optional_bytes};
    const cd_schema_t *s;
    if (to_schema(&d, key, root, &s)) return OB_UNCHANGED;
    *schema = s;
    cd_value_t *v = cd_arena_alloc(arena, sizeof(*v));
    /* new Struct(schema): refuses a null or non-struct schema (a top-level array) */
    if (!s || s->type != CD_TYPE_STRUCT || root->t != J_OBJECT || to_struct(&d, root, s, v)) return OB_SCHEMA_ONLY;
    if (j.lone_surrogate) {
        snprintf(errstr, errstr_size,
                 "The JSON payload has a \\u escape of half a UTF-16 surrogate pair: Kafka's JsonConverter cannot "
                 "write that string back (Debezium's task fails when the record is converted), and connectd "
                 "does not make it into other text");
        return -1;
    }
    *value = v;
    return OB_EXPANDED;
}

/* ---- ConnectSchema.equals ---------------------------------------------------------------------- */

static bool str_eq(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

static bool params_equal(const cd_schema_t *a, const cd_schema_t *b) {
    if (a->n_params != b->n_params) return false;
    for (size_t i = 0; i < a->n_params; i++) {
        bool found = false;
        for (size_t k = 0; k < b->n_params && !found; k++)
            found = !strcmp(a->params[i].key, b->params[k].key) && str_eq(a->params[i].value, b->params[k].value);
        if (!found) return false;
    }
    return true;
}

bool ob_value_equal(const cd_schema_t *s, const cd_value_t *a, const cd_value_t *b) {
    if (a->is_null || b->is_null) return a->is_null == b->is_null;
    cd_type_t t = s ? s->type : a->type;
    if (!s && a->type != b->type) return false;
    switch (t) {
    case CD_TYPE_INT8:
    case CD_TYPE_INT16:
    case CD_TYPE_INT32:
    case CD_TYPE_INT64: return a->u.i == b->u.i;
    case CD_TYPE_FLOAT32:
    case CD_TYPE_FLOAT64: return !memcmp(&a->u.f, &b->u.f, sizeof(double)); /* Double.equals: by bits */
    case CD_TYPE_BOOLEAN: return a->u.b == b->u.b;
    case CD_TYPE_STRING:
    case CD_TYPE_BYTES:
        return a->u.str.len == b->u.str.len && (!a->u.str.len || !memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len));
    case CD_TYPE_ARRAY:
        if (a->u.array.n != b->u.array.n) return false;
        for (size_t i = 0; i < a->u.array.n; i++)
            if (!ob_value_equal(s ? s->value_schema : NULL, &a->u.array.items[i], &b->u.array.items[i])) return false;
        return true;
    case CD_TYPE_MAP:
        if (a->u.map.n != b->u.map.n) return false;
        for (size_t i = 0; i < a->u.map.n; i++) {
            bool found = false;
            for (size_t k = 0; k < b->u.map.n && !found; k++)
                found = ob_value_equal(s ? s->key_schema : NULL, &a->u.map.keys[i], &b->u.map.keys[k]) &&
                        ob_value_equal(s ? s->value_schema : NULL, &a->u.map.values[i], &b->u.map.values[k]);
            if (!found) return false;
        }
        return true;
    case CD_TYPE_STRUCT:
        if (!s || a->u.strct.n != b->u.strct.n) return false;
        for (size_t i = 0; i < a->u.strct.n; i++)
            if (!ob_value_equal(s->fields[i].schema, &a->u.strct.fields[i], &b->u.strct.fields[i])) return false;
        return true;
    }
    return false;
}

bool ob_schema_equal(const cd_schema_t *a, const cd_schema_t *b) {
    if (a == b) return true;
    if (!a || !b) return false;
    if (a->type != b->type || a->optional != b->optional || a->version != b->version || !str_eq(a->name, b->name) ||
        !str_eq(a->doc, b->doc) || !params_equal(a, b) || a->n_fields != b->n_fields)
        return false;
    if (!a->default_value != !b->default_value ||
        (a->default_value && !ob_value_equal(a, a->default_value, b->default_value)))
        return false;
    for (size_t i = 0; i < a->n_fields; i++)
        if (strcmp(a->fields[i].name, b->fields[i].name) || !ob_schema_equal(a->fields[i].schema, b->fields[i].schema))
            return false;
    return ob_schema_equal(a->key_schema, b->key_schema) && ob_schema_equal(a->value_schema, b->value_schema);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 1099511628211ULL;
    return h;
}

uint64_t ob_schema_hash(const cd_schema_t *s) {
    uint64_t h = 14695981039346656037ULL;
    if (!s) return h;
    unsigned char basics[3] = {(unsigned char)s->type, (unsigned char)s->optional, (unsigned char)s->n_fields};
    h = fnv(h, basics, sizeof(basics));
    h = fnv(h, &s->version, sizeof(s->version));
    if (s->name) h = fnv(h, s->name, strlen(s->name) + 1);
    for (size_t i = 0; i < s->n_fields; i++) {
        h = fnv(h, s->fields[i].name, strlen(s->fields[i].name) + 1);
        uint64_t f = ob_schema_hash(s->fields[i].schema);
        h = fnv(h, &f, sizeof(f));
    }
    uint64_t k = s->key_schema ? ob_schema_hash(s->key_schema) : 0, v = s->value_schema ? ob_schema_hash(s->value_schema) : 0;
    h = fnv(h, &k, sizeof(k));
    return fnv(h, &v, sizeof(v));
}
