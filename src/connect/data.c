/* data.c - the memory side of the Connect data model: the growable byte buffer converters render
 * into, the bump arena connectors and converters build values and schemas in, and schema cache
 * ids. Values and schemas themselves are plain structs (include/connectd/data.h). */
#include "connectd/data.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ---- cd_buf_t ---------------------------------------------------------------------------- */

void cd_buf_reserve(cd_buf_t *b, size_t extra) {
    if (b->cap - b->len >= extra) return;
    if (extra > SIZE_MAX / 2 - b->len) abort();
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) abort(); /* a render buffer that cannot grow cannot be recovered from */
    b->data = d;
    b->cap = cap;
}

void cd_buf_append(cd_buf_t *b, const void *data, size_t len) {
    if (!len) return;
    cd_buf_reserve(b, len);
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

void cd_buf_free(cd_buf_t *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- cd_arena_t ---------------------------------------------------------------------------- */

/* Chunks form a list. After a reset every chunk is free again and allocation walks the list
 * from the head, so a steady-state workload stops calling malloc after its first batch. A request
 * larger than the default chunk gets a chunk of its own size, which is kept and reused too. */
#define ARENA_CHUNK_SIZE (64 * 1024)

typedef struct chunk {
    struct chunk *next;
    size_t cap, used;
    max_align_t data[]; /* keeps the payload at least 8-byte aligned */
} chunk_t;

struct cd_arena {
    chunk_t *head, *cur, *tail;
};

cd_arena_t *cd_arena_new(void) {
    cd_arena_t *a = calloc(1, sizeof(*a));
    if (!a) abort();
    return a;
}

static chunk_t *chunk_new(size_t cap) {
    if (cap > SIZE_MAX - sizeof(chunk_t)) abort();
    chunk_t *c = malloc(sizeof(chunk_t) + cap);
    if (!c) abort();
    c->next = NULL;
    c->cap = cap;
    c->used = 0;
    return c;
}

void *cd_arena_alloc(cd_arena_t *a, size_t size) {
    if (size > SIZE_MAX - 7) abort();
    size = size ? (size + 7) & ~(size_t)7 : 8; /* distinct pointers even for 0 bytes */
    chunk_t *c = a->cur;
    while (c) {
        if (c->cap - c->used >= size) {
            void *p = (char *)c->data + c->used;
            c->used += size;
            a->cur = c;
            return p;
        }
        c = c->next;
        if (c) c->used = 0; /* chunks past cur are free since the last reset */
    }
    c = chunk_new(size > ARENA_CHUNK_SIZE ? size : ARENA_CHUNK_SIZE);
    if (a->tail)
        a->tail->next = c;
    else
        a->head = c;
    a->tail = c;
    a->cur = c;
    c->used = size;
    return c->data;
}

/* Copies exactly len bytes (values carry lengths and may hold NULs) and adds a terminating NUL. */
char *cd_arena_strndup(cd_arena_t *a, const char *s, size_t len) {
    if (len == SIZE_MAX) abort();
    char *d = cd_arena_alloc(a, len + 1);
    if (len) memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

void cd_arena_reset(cd_arena_t *a) {
    a->cur = a->head;
    if (a->head) a->head->used = 0;
}

void cd_arena_destroy(cd_arena_t *a) {
    if (!a) return;
    chunk_t *c = a->head;
    while (c) {
        chunk_t *n = c->next;
        free(c);
        c = n;
    }
    free(a);
}

/* ---- schema cache ids ---------------------------------------------------------------------- */

static atomic_uint_fast64_t next_cache_id = 1;

uint64_t cd_schema_next_cache_id(void) {
    return (uint64_t)atomic_fetch_add(&next_cache_id, 1);
}
