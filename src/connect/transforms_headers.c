/* transforms_headers.c - Kafka's transformations that drop records or work on headers (Filter,
 * DropHeaders) and its predicates (RecordIsTombstone, HasHeaderKey), as
 * org.apache.kafka.connect.transforms 4.1.1 has them. */
#include "connect/transforms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"
#include "xalloc.h"

#define NKEYS(a) (sizeof(a) / sizeof(a[0]))

/* ==== Filter ================================================================================= */

static void *filter_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    (void)opts, (void)c, (void)errstr, (void)errstr_size;
    static int instance;
    return &instance; /* stateless */
}

static int filter_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    (void)self, (void)rec, (void)arena, (void)errstr, (void)errstr_size;
    return 1;
}

static void nothing_to_destroy(void *self) { (void)self; }

static const cd_xf_plugin_t FILTER = {
    .class_name = "org.apache.kafka.connect.transforms.Filter", .alias = "Filter", .kind = CD_XF_TRANSFORMATION,
    .version = CONNECTD_KAFKA_CONNECT_VERSION, .create = filter_create, .apply = filter_apply,
    .destroy = nothing_to_destroy};

/* ==== DropHeaders ============================================================================ */

static const cd_config_key_t DROP_HEADERS_KEYS[] = {
    {.name = "headers", .type = CD_CFG_LIST, .has_default = false, .validator = CD_VALID_NON_EMPTY_LIST,
     .importance = CD_IMPORTANCE_HIGH, .documentation = "The name of the headers to be removed.", .order = -1,
     .width = CD_WIDTH_NONE, .display_name = "headers"},
};

typedef struct {
    char **names;
    size_t n;
} drop_headers_t;

static void *drop_headers_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    (void)opts;
    drop_headers_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->n = cd_xf_list(cd_props_get(c, "headers"), &x->names);
    if (!x->n) {
        snprintf(errstr, errstr_size, "Invalid value %s for configuration headers: Empty list",
                 cd_props_get(c, "headers") ? "[]" : "null");
        free(x->names);
        free(x);
        return NULL;
    }
    return x;
}

static void drop_headers_destroy(void *self) {
    drop_headers_t *x = self;
    free(x->names);
    free(x);
}

static int drop_headers_apply(void *self, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    (void)errstr, (void)errstr_size;
    drop_headers_t *x = self;
    cd_header_t *out = cd_arena_alloc(arena, (rec->n_headers ? rec->n_headers : 1) * sizeof(*out));
    size_t n = 0;
    for (size_t i = 0; i < rec->n_headers; i++) {
        bool drop = false;
        for (size_t j = 0; j < x->n && !drop; j++) drop = !strcmp(rec->headers[i].key, x->names[j]);
        if (!drop) out[n++] = rec->headers[i];
    }
    rec->headers = out;
    rec->n_headers = n;
    return 0;
}

static const cd_xf_plugin_t DROP_HEADERS = {
    .class_name = "org.apache.kafka.connect.transforms.DropHeaders", .alias = "DropHeaders",
    .kind = CD_XF_TRANSFORMATION, .version = CONNECTD_KAFKA_CONNECT_VERSION,
    .config_def = {DROP_HEADERS_KEYS, NKEYS(DROP_HEADERS_KEYS)}, .create = drop_headers_create,
    .apply = drop_headers_apply, .destroy = drop_headers_destroy};

/* ==== predicates ============================================================================= */

static bool is_tombstone(void *self, const cd_xf_record_t *rec) {
    (void)self;
    return !rec->value || rec->value->is_null;
}

static const cd_xf_plugin_t RECORD_IS_TOMBSTONE = {
    .class_name = "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone", .alias = "RecordIsTombstone",
    .kind = CD_XF_PREDICATE, .version = CONNECTD_KAFKA_CONNECT_VERSION, .create = filter_create,
    .test = is_tombstone, .destroy = nothing_to_destroy};

static const cd_config_key_t HAS_HEADER_KEY_KEYS[] = {
    {.name = "name", .type = CD_CFG_STRING, .has_default = false, .validator = CD_VALID_NON_EMPTY_STRING,
     .importance = CD_IMPORTANCE_MEDIUM, .documentation = "The header name.", .order = -1, .width = CD_WIDTH_NONE,
     .display_name = "name"},
};

static void *has_header_key_create(const void *opts, const cd_props_t *c, char *errstr, size_t errstr_size) {
    (void)opts;
    const char *v = cd_props_get(c, "name");
    if (!v) {
        snprintf(errstr, errstr_size, "Missing required configuration \"name\" which has no default value.");
        return NULL;
    }
    while (*v && (unsigned char)*v <= ' ') v++;
    size_t len = strlen(v);
    while (len && (unsigned char)v[len - 1] <= ' ') len--;
    if (!len) {
        snprintf(errstr, errstr_size, "Invalid value  for configuration name: String must be non-empty");
        return NULL;
    }
    return strndup(v, len);
}

static bool has_header_key(void *self, const cd_xf_record_t *rec) {
    for (size_t i = 0; i < rec->n_headers; i++)
        if (!strcmp(rec->headers[i].key, self)) return true;
    return false;
}

static const cd_xf_plugin_t HAS_HEADER_KEY = {
    .class_name = "org.apache.kafka.connect.transforms.predicates.HasHeaderKey", .alias = "HasHeaderKey",
    .kind = CD_XF_PREDICATE, .version = CONNECTD_KAFKA_CONNECT_VERSION,
    .config_def = {HAS_HEADER_KEY_KEYS, NKEYS(HAS_HEADER_KEY_KEYS)}, .create = has_header_key_create,
    .test = has_header_key, .destroy = free};

const cd_xf_plugin_t *const cd_xf_header_plugins[] = {&FILTER, &DROP_HEADERS, &RECORD_IS_TOMBSTONE, &HAS_HEADER_KEY,
                                                      NULL};
