/* offset_store.c - offsets topic codec and table: a hash table from raw key bytes to raw value
 * bytes, the newest record per key winning (as compaction would), a tombstone removing it. */
#include "store/offset_store.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectd/data.h"
#include "connect/java_hash.h"
#include "connect/json_write.h"
#include "store/kafka_log.h"
#include "xalloc.h"

typedef struct entry {
    char *key;
    size_t key_len;
    char *value;
    size_t value_len;
    uint64_t seq; /* when the key (re)appeared: the order Kafka's set of partitions was filled in */
    struct entry *next;
} entry_t;

#define N_BUCKETS 1024

/* How many partitions a connector has, and the most it ever had since the topic was first read:
 * Kafka's set of a connector's partitions (a HashSet) keeps the capacity it grew to, and that
 * capacity orders it. */
typedef struct partition_count {
    char *connector;
    size_t count, most;
    struct partition_count *next;
} partition_count_t;

struct offset_store {
    kafka_log_t *log;
    pthread_mutex_t lock;
    entry_t *buckets[N_BUCKETS];
    uint64_t next_seq;
    partition_count_t *counts;
};

static uint32_t hash(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static entry_t **slot(offset_store_t *os, const char *key, size_t len) {
    entry_t **p = &os->buckets[hash(key, len) % N_BUCKETS];
    while (*p && !((*p)->key_len == len && !memcmp((*p)->key, key, len))) p = &(*p)->next;
    return p;
}

static void on_record(void *opaque, int32_t partition, int64_t offset, const char *key,
                      size_t key_len, const char *value, size_t value_len) {
    (void)partition;
    (void)offset;
    offset_store_apply(opaque, key, key_len, value, value_len);
}

static json_object *parse(const char *s, size_t len) {
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, s, (int)len);
    json_tokener_free(tok);
    return o;
}

/* The partition count of the connector a key belongs to, as OffsetUtils.processPartitionKey
 * reads keys (["<connector>", {partition}], else not a partition); NULL if it is none. */
static partition_count_t *count_of(offset_store_t *os, const char *key, size_t key_len) {
    json_object *k = parse(key, key_len);
    json_object *name = k && json_object_is_type(k, json_type_array) && json_object_array_length(k) == 2
                            ? json_object_array_get_idx(k, 0)
                            : NULL;
    partition_count_t *c = NULL;
    if (name && json_object_is_type(name, json_type_string) &&
        json_object_is_type(json_object_array_get_idx(k, 1), json_type_object)) {
        const char *n = json_object_get_string(name);
        for (c = os->counts; c && strcmp(c->connector, n); c = c->next) {}
        if (!c) {
            c = xmalloc(sizeof(*c));
            c->count = c->most = 0;
            c->connector = xstrdup(n);
            c->next = os->counts;
            os->counts = c;
        }
    }
    json_object_put(k);
    return c;
}

static size_t most_partitions(offset_store_t *os, const char *connector) {
    for (partition_count_t *c = os->counts; c; c = c->next)
        if (!strcmp(c->connector, connector)) return c->most;
    return 0;
}

void offset_store_apply(offset_store_t *os, const char *key, size_t key_len, const char *value,
                        size_t value_len) {
    if (!key) return;
    pthread_mutex_lock(&os->lock);
    entry_t **p = slot(os, key, key_len);
    if (!value) {
        if (*p) {
            partition_count_t *c = count_of(os, key, key_len);
            if (c && c->count > 0) c->count--;
            entry_t *e = *p;
            *p = e->next;
            free(e->key);
            free(e->value);
            free(e);
        }
    } else {
        entry_t *e = *p;
        if (!e) {
            e = calloc(1, sizeof(*e));
            e->key = malloc(key_len);
            memcpy(e->key, key, key_len);
            e->key_len = key_len;
            e->seq = os->next_seq++;
            *p = e;
            partition_count_t *c = count_of(os, key, key_len);
            if (c && ++c->count > c->most) c->most = c->count;
        }
        free(e->value);
        e->value = malloc(value_len + 1);
        memcpy(e->value, value, value_len);
        e->value[value_len] = '\0';
        e->value_len = value_len;
    }
    pthread_mutex_unlock(&os->lock);
}

offset_store_t *offset_store_new_memory(void) {
    offset_store_t *os = calloc(1, sizeof(*os));
    pthread_mutex_init(&os->lock, NULL);
    return os;
}

offset_store_t *offset_store_new(const worker_config_t *wc, char *errstr, size_t errstr_size) {
    offset_store_t *os = offset_store_new_memory();
    char client_id[512];
    const char *cid = worker_config_get(wc, "client.id");
    snprintf(client_id, sizeof(client_id), "%s-%s%soffsets", worker_config_get(wc, "group.id"),
             cid && *cid ? cid : "", cid && *cid ? "-" : "");
    os->log = kafka_log_new(wc, worker_config_get(wc, "offset.storage.topic"), client_id,
                            0 /* offset commits wait out an outage */, on_record, os, errstr,
                            errstr_size);
    if (!os->log) {
        offset_store_destroy(os);
        return NULL;
    }
    return os;
}

int offset_store_start(offset_store_t *os, int timeout_ms, char *errstr, size_t errstr_size) {
    return kafka_log_start(os->log, timeout_ms, errstr, errstr_size);
}

int offset_store_refresh(offset_store_t *os, int timeout_ms, char *errstr, size_t errstr_size) {
    return kafka_log_read_to_end(os->log, timeout_ms, errstr, errstr_size);
}

void offset_store_destroy(offset_store_t *os) {
    if (!os) return;
    kafka_log_destroy(os->log);
    for (size_t b = 0; b < N_BUCKETS; b++)
        for (entry_t *e = os->buckets[b], *n; e; e = n) {
            n = e->next;
            free(e->key);
            free(e->value);
            free(e);
        }
    for (partition_count_t *c = os->counts, *n; c; c = n) {
        n = c->next;
        free(c->connector);
        free(c);
    }
    pthread_mutex_destroy(&os->lock);
    free(os);
}

char *offset_store_key(const char *connector, const char *partition_json, size_t *len) {
    cd_buf_t b = {0};
    cd_buf_append(&b, "[", 1);
    cd_jw_string(&b, connector, strlen(connector));
    cd_buf_append(&b, ",", 1);
    cd_buf_append(&b, partition_json, strlen(partition_json));
    cd_buf_append(&b, "]", 2); /* with the terminating NUL, not counted */
    *len = b.len - 1;
    return b.data;
}

char *offset_store_json_text(json_object *map, const char **bad_field) {
    /* Kafka Connect writes the HashMap JsonConverter read the request's object into: its members
     * in that map's iteration order (a default HashMap, filled in the request's order). */
    size_t n = (size_t)json_object_object_length(map), i = 0;
    char **names = xmalloc((n ? n : 1) * sizeof(*names));
    json_object_object_foreach(map, name, ignored) {
        (void)ignored;
        names[i++] = name;
    }
    java_hashmap_order(names, n, java_hashmap_capacity(n));
    cd_buf_t b = {0};
    cd_jw_char(&b, '{');
    for (i = 0; i < n; i++) {
        const char *k = names[i];
        json_object *v = json_object_object_get(map, k);
        if (i > 0) cd_jw_char(&b, ',');
        cd_jw_string(&b, k, strlen(k));
        cd_jw_char(&b, ':');
        switch (json_object_get_type(v)) {
        case json_type_null: cd_jw_lit(&b, "null"); break;
        case json_type_boolean:
            if (json_object_get_boolean(v)) cd_jw_lit(&b, "true");
            else cd_jw_lit(&b, "false");
            break;
        case json_type_int: cd_jw_int(&b, json_object_get_int64(v)); break;
        case json_type_double: cd_jw_java_double(&b, json_object_get_double(v)); break;
        case json_type_string: cd_jw_string(&b, json_object_get_string(v), (size_t)json_object_get_string_len(v)); break;
        default:
            if (bad_field) *bad_field = k;
            cd_buf_free(&b);
            free(names);
            return NULL;
        }
    }
    free(names);
    cd_jw_lit(&b, "}\0");
    return b.data;
}

char *offset_store_get(offset_store_t *os, const char *connector, const char *partition_json) {
    size_t len;
    char *key = offset_store_key(connector, partition_json, &len);
    pthread_mutex_lock(&os->lock);
    entry_t *e = *slot(os, key, len);
    char *v = e ? strdup(e->value) : NULL;
    pthread_mutex_unlock(&os->lock);
    free(key);
    return v;
}

/* The order Kafka Connect 4.1's Worker.sourceConnectorOffsets lists partitions in: each passes
 * through a HashSet of partitions (KafkaOffsetBackingStore.connectorPartitions, filled in the
 * offsets topic's order, with the capacity it grew to for the most partitions it held), a HashMap of
 * serialized keys sized for them, the backing store's HashMap of raw keys, and last a HashMap of
 * partitions sized for them, whose iteration order the answer has. Partitions hash as the Maps
 * JsonConverter makes of them, serialized keys as ByteBuffers. */
static void java_offsets_order(size_t *idx, size_t n, const uint32_t *map_hash, const uint32_t *key_hash,
                               size_t most) {
    size_t sized = java_hashmap_grow(java_table_size_for(n), n), grown = java_hashmap_capacity(n);
    java_hash_order(idx, n, map_hash, java_hashmap_capacity(most > n ? most : n));
    java_hash_order(idx, n, key_hash, sized);
    java_hash_order(idx, n, key_hash, grown);
    java_hash_order(idx, n, map_hash, sized);
}

size_t offset_store_kafka_order(const char *connector, offset_write_t *w, size_t n, bool reset) {
    /* ConnectorOffsets.toMap: a default HashMap of partitions, so a repeated partition keeps its
     * first place and its last offset. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < m && strcmp(w[j].partition, w[i].partition)) j++;
        if (j < m) w[j].offset = w[i].offset;
        else w[m++] = w[i];
    }
    uint32_t *map_hash = xmalloc((m ? m : 1) * sizeof(*map_hash));
    uint32_t *first_hash = xmalloc((m ? m : 1) * sizeof(*first_hash));
    uint32_t *key_hash = xmalloc((m ? m : 1) * sizeof(*key_hash));
    size_t *idx = xmalloc((m ? m : 1) * sizeof(*idx));
    for (size_t i = 0; i < m; i++) {
        json_object *p = parse(w[i].partition, strlen(w[i].partition));
        map_hash[i] = java_json_hash(p);
        first_hash[i] = reset ? map_hash[i] : java_jackson_hash(p);
        json_object_put(p);
        size_t len;
        char *key = offset_store_key(connector, w[i].partition, &len);
        key_hash[i] = java_bytes_hash(key, len);
        free(key);
        idx[i] = i;
    }
    /* Three default HashMaps of partitions: that one (of the maps Jackson read from the request,
     * or of those the set of partitions holds for a reset), Worker.normalizeSourceConnectorOffsets'
     * and OffsetStorageWriter's (of the maps JsonConverter reads back); then the writer's HashMap
     * of serialized keys sized for them, whose iteration order KafkaOffsetBackingStore.set sends
     * the records in. */
    size_t grown = java_hashmap_capacity(m), sized = java_hashmap_grow(java_table_size_for(m), m);
    java_hash_order(idx, m, first_hash, grown);
    for (int k = 0; k < 2; k++) java_hash_order(idx, m, map_hash, grown);
    java_hash_order(idx, m, key_hash, sized);
    offset_write_t *copy = xmalloc((m ? m : 1) * sizeof(*copy));
    for (size_t i = 0; i < m; i++) copy[i] = w[idx[i]];
    memcpy(w, copy, m * sizeof(*w));
    free(copy);
    free(idx);
    free(map_hash);
    free(first_hash);
    free(key_hash);
    return m;
}

json_object *offset_store_list(offset_store_t *os, const char *connector) {
    json_object *arr = json_object_new_array();
    size_t n = 0, cap = 16;
    json_object **items = xmalloc(cap * sizeof(*items));
    uint32_t *map_hash = xmalloc(cap * sizeof(*map_hash)), *key_hash = xmalloc(cap * sizeof(*key_hash));
    uint64_t *seq = xmalloc(cap * sizeof(*seq));
    pthread_mutex_lock(&os->lock);
    for (size_t b = 0; b < N_BUCKETS; b++)
        for (entry_t *e = os->buckets[b]; e; e = e->next) {
            json_object *k = parse(e->key, e->key_len);
            json_object *name = k && json_object_is_type(k, json_type_array) &&
                                        json_object_array_length(k) == 2
                                    ? json_object_array_get_idx(k, 0)
                                    : NULL;
            json_object *part = name ? json_object_array_get_idx(k, 1) : NULL;
            if (name && json_object_is_type(name, json_type_string) &&
                !strcmp(json_object_get_string(name), connector) && part &&
                json_object_is_type(part, json_type_object)) {
                if (n == cap) {
                    cap *= 2;
                    items = xrealloc(items, cap * sizeof(*items));
                    map_hash = xrealloc(map_hash, cap * sizeof(*map_hash));
                    key_hash = xrealloc(key_hash, cap * sizeof(*key_hash));
                    seq = xrealloc(seq, cap * sizeof(*seq));
                }
                json_object *item = json_object_new_object();
                json_object_object_add(item, "partition", json_object_get(part));
                json_object_object_add(item, "offset", parse(e->value, e->value_len));
                map_hash[n] = java_json_hash(part);
                key_hash[n] = java_bytes_hash(e->key, e->key_len);
                seq[n] = e->seq;
                items[n++] = item;
            }
            json_object_put(k);
        }
    size_t most = most_partitions(os, connector);
    pthread_mutex_unlock(&os->lock);
    size_t *idx = xmalloc((n ? n : 1) * sizeof(*idx));
    for (size_t i = 0; i < n; i++) idx[i] = i;
    for (size_t i = 1; i < n; i++) /* the offsets topic's order first */
        for (size_t j = i; j > 0 && seq[idx[j - 1]] > seq[idx[j]]; j--) {
            size_t t = idx[j];
            idx[j] = idx[j - 1], idx[j - 1] = t;
        }
    java_offsets_order(idx, n, map_hash, key_hash, most);
    for (size_t i = 0; i < n; i++) json_object_array_add(arr, items[idx[i]]);
    free(idx);
    free(items);
    free(map_hash);
    free(key_hash);
    free(seq);
    return arr;
}

kafka_log_pending_t *offset_store_write_async(offset_store_t *os, const char *connector,
                                              const offset_write_t *w, size_t n, char *errstr,
                                              size_t errstr_size) {
    kafka_log_record_t *recs = calloc(n ? n : 1, sizeof(*recs));
    char **keys = calloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        size_t len;
        keys[i] = offset_store_key(connector, w[i].partition, &len);
        recs[i] = (kafka_log_record_t){keys[i], len, w[i].offset,
                                       w[i].offset ? strlen(w[i].offset) : 0};
    }
    kafka_log_pending_t *p = kafka_log_write_async(os->log, recs, n, errstr, errstr_size);
    for (size_t i = 0; i < n; i++) free(keys[i]);
    free(keys);
    free(recs);
    return p;
}

int offset_store_write(offset_store_t *os, const char *connector, const offset_write_t *w, size_t n,
                       int timeout_ms, char *errstr, size_t errstr_size) {
    kafka_log_pending_t *p = offset_store_write_async(os, connector, w, n, errstr, errstr_size);
    if (!p) return -1;
    int r = kafka_log_pending_poll(p, timeout_ms, errstr, errstr_size);
    if (r == 0) snprintf(errstr, errstr_size, "Timed out after %d ms writing offsets", timeout_ms);
    kafka_log_pending_free(p);
    return r == 1 ? 0 : -1;
}
