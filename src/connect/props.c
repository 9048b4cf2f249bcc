/* props.c - the ordered string map behind connector, task and converter configs. Configs have
 * tens of keys, so a flat array with linear lookup is both simplest and fast enough. */
#include "connectd/props.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char *key;
    char *value;
} entry_t;

struct cd_props {
    entry_t *e;
    size_t n, cap;
};

cd_props_t *cd_props_new(void) {
    cd_props_t *p = calloc(1, sizeof(*p));
    if (!p) abort();
    return p;
}

cd_props_t *cd_props_copy(const cd_props_t *p) {
    cd_props_t *c = cd_props_new();
    if (!p) return c;
    for (size_t i = 0; i < p->n; i++) cd_props_set(c, p->e[i].key, p->e[i].value);
    return c;
}

void cd_props_destroy(cd_props_t *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->e[i].key);
        free(p->e[i].value);
    }
    free(p->e);
    free(p);
}

static entry_t *find(const cd_props_t *p, const char *key) {
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->e[i].key, key)) return &p->e[i];
    return NULL;
}

void cd_props_set(cd_props_t *p, const char *key, const char *value) {
    entry_t *e = find(p, key);
    if (e) {
        char *v = xstrdup(value);
        free(e->value);
        e->value = v;
        return;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->e = xrealloc(p->e, p->cap * sizeof(*p->e));
    }
    p->e[p->n].key = xstrdup(key);
    p->e[p->n].value = xstrdup(value);
    p->n++;
}

bool cd_props_remove(cd_props_t *p, const char *key) {
    entry_t *e = find(p, key);
    if (!e) return false;
    size_t i = (size_t)(e - p->e);
    free(e->key);
    free(e->value);
    memmove(p->e + i, p->e + i + 1, (p->n - i - 1) * sizeof(*p->e));
    p->n--;
    return true;
}

const char *cd_props_get(const cd_props_t *p, const char *key) {
    const entry_t *e = p ? find(p, key) : NULL;
    return e ? e->value : NULL;
}

bool cd_props_has(const cd_props_t *p, const char *key) { return p && find(p, key) != NULL; }

size_t cd_props_count(const cd_props_t *p) { return p ? p->n : 0; }
const char *cd_props_key_at(const cd_props_t *p, size_t i) { return p->e[i].key; }
const char *cd_props_value_at(const cd_props_t *p, size_t i) { return p->e[i].value; }

bool cd_props_equal(const cd_props_t *a, const cd_props_t *b) {
    if (cd_props_count(a) != cd_props_count(b)) return false;
    for (size_t i = 0; i < cd_props_count(a); i++) {
        const entry_t *e = find(b, a->e[i].key);
        if (!e) return false;
        const char *x = a->e[i].value, *y = e->value;
        if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0)) return false;
    }
    return true;
}

cd_props_t *cd_props_with_prefix(const cd_props_t *p, const char *prefix) {
    cd_props_t *c = cd_props_new();
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < cd_props_count(p); i++)
        if (!strncmp(p->e[i].key, prefix, plen)) cd_props_set(c, p->e[i].key + plen, p->e[i].value);
    return c;
}
