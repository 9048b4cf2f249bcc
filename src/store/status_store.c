/* status_store.c - status topic codec and cache. Records are small and few (one per connector,
 * task and used topic), so the cache is flat arrays under one mutex; so are the worker's local
 * notes (an ongoing Kafka outage), which never go to the topic. */
#include "store/status_store.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "log.h"
#include "store/kafka_log.h"

typedef struct {
    char *connector;
    int task; /* -1: the connector's own status */
    status_t st;
} entry_t;

typedef struct {
    char *connector;
    char *topic;
} topic_entry_t;

typedef struct {
    char *connector;
    int task;
    char *note;
} note_t;

struct status_store {
    kafka_log_t *log;
    pthread_mutex_t lock;
    entry_t *e;
    size_t n, cap;
    topic_entry_t *t;
    size_t nt, capt;
    note_t *notes;
    size_t nn;
};

static log_logger_t *slog(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.connect.storage.KafkaStatusBackingStore");
    return lg;
}

void status_clear(status_t *s) {
    free(s->trace);
    free(s->worker_id);
    free(s->version);
    memset(s, 0, sizeof(*s));
}

static const char *find_note(status_store_t *ss, const char *connector, int task) {
    for (size_t i = 0; i < ss->nn; i++)
        if (ss->notes[i].task == task && !strcmp(ss->notes[i].connector, connector))
            return ss->notes[i].note;
    return NULL;
}

/* A copy of the entry's status as the REST API shows it: a trace of its own (a failure) wins over
 * a local note. Called with the lock held. */
static void status_copy(status_store_t *ss, status_t *dst, const entry_t *src) {
    *dst = src->st;
    const char *note = find_note(ss, src->connector, src->task);
    const char *trace = src->st.trace && *src->st.trace ? src->st.trace : note;
    dst->trace = trace ? strdup(trace) : NULL;
    dst->worker_id = src->st.worker_id ? strdup(src->st.worker_id) : NULL;
    dst->version = src->st.version ? strdup(src->st.version) : NULL;
}

void task_statuses_free(task_status_t *t, size_t n) {
    for (size_t i = 0; i < n; i++) status_clear(&t[i].status);
    free(t);
}

static entry_t *find(status_store_t *ss, const char *connector, int task) {
    for (size_t i = 0; i < ss->n; i++)
        if (ss->e[i].task == task && !strcmp(ss->e[i].connector, connector)) return &ss->e[i];
    return NULL;
}

static void remove_entry(status_store_t *ss, entry_t *e) {
    free(e->connector);
    status_clear(&e->st);
    size_t i = (size_t)(e - ss->e);
    memmove(ss->e + i, ss->e + i + 1, (ss->n - i - 1) * sizeof(*ss->e));
    ss->n--;
}

static const char *const valid_states[] = {"UNASSIGNED", "RUNNING", "PAUSED", "STOPPED",
                                           "FAILED", "RESTARTING", NULL};

static int parse_status(const char *value, size_t len, status_t *st) {
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, value, (int)len), *v;
    json_tokener_free(tok);
    memset(st, 0, sizeof(*st));
    int rc = -1;
    if (!o || !json_object_is_type(o, json_type_object)) goto out;
    if (!json_object_object_get_ex(o, "state", &v) || !json_object_is_type(v, json_type_string)) goto out;
    const char *state = json_object_get_string(v);
    bool ok = false;
    for (int i = 0; valid_states[i]; i++)
        if (!strcmp(state, valid_states[i])) ok = true;
    if (!ok) goto out;
    snprintf(st->state, sizeof(st->state), "%s", state);
    if (json_object_object_get_ex(o, "trace", &v) && json_object_is_type(v, json_type_string))
        st->trace = strdup(json_object_get_string(v));
    if (json_object_object_get_ex(o, "worker_id", &v) && json_object_is_type(v, json_type_string))
        st->worker_id = strdup(json_object_get_string(v));
    if (json_object_object_get_ex(o, "generation", &v) && json_object_is_type(v, json_type_int))
        st->generation = json_object_get_int64(v);
    if (json_object_object_get_ex(o, "version", &v) && json_object_is_type(v, json_type_string))
        st->version = strdup(json_object_get_string(v));
    rc = 0;
out:
    json_object_put(o);
    return rc;
}

/* "status-task-<connector>-<n>" -> connector, n */
static int parse_task_key(const char *rest, char **connector, int *task) {
    const char *dash = strrchr(rest, '-');
    if (!dash || dash == rest || !dash[1]) return -1;
    char *end;
    long n = strtol(dash + 1, &end, 10);
    if (*end || n < 0) return -1;
    *connector = strndup(rest, (size_t)(dash - rest));
    *task = (int)n;
    return 0;
}

static void on_record(void *opaque, int32_t partition, int64_t offset, const char *key,
                      size_t key_len, const char *value, size_t value_len) {
    (void)partition;
    (void)offset;
    status_store_t *ss = opaque;
    if (!key) return;
    char *k = strndup(key, key_len);
    pthread_mutex_lock(&ss->lock);
    char *connector = NULL;
    int task = -1;
    if (!strncmp(k, "status-connector-", 17) && k[17]) {
        connector = strdup(k + 17);
    } else if (!strncmp(k, "status-task-", 12)) {
        if (parse_task_key(k + 12, &connector, &task) != 0) connector = NULL;
    } else if (!strncmp(k, "status-topic-", 13)) {
        const char *topic = k + 13, *colon = strchr(topic, ':');
        if (colon && colon > topic && !strncmp(colon, ":connector-", 11) && colon[11]) {
            char *t = strndup(topic, (size_t)(colon - topic));
            const char *conn = colon + 11;
            size_t i;
            for (i = 0; i < ss->nt; i++)
                if (!strcmp(ss->t[i].topic, t) && !strcmp(ss->t[i].connector, conn)) break;
            if (value && i == ss->nt) {
                if (ss->nt == ss->capt) {
                    ss->capt = ss->capt ? ss->capt * 2 : 16;
                    ss->t = realloc(ss->t, ss->capt * sizeof(*ss->t));
                }
                ss->t[ss->nt++] = (topic_entry_t){strdup(conn), t};
                t = NULL;
            } else if (!value && i < ss->nt) {
                free(ss->t[i].connector);
                free(ss->t[i].topic);
                ss->t[i] = ss->t[--ss->nt];
            }
            free(t);
        }
    }
    if (connector) {
        entry_t *e = find(ss, connector, task);
        if (!value) {
            if (e) remove_entry(ss, e);
        } else {
            status_t st;
            if (parse_status(value, value_len, &st) != 0) {
                log_warn(slog(), "Ignoring malformed status record %s", k);
            } else if (e && task >= 0 && !strcmp(st.state, "UNASSIGNED") &&
                       !strcmp(e->st.state, "RUNNING") && e->st.generation >= st.generation) {
                status_clear(&st); /* a stale UNASSIGNED from a worker that lost a race */
            } else if (e) {
                status_clear(&e->st);
                e->st = st;
            } else {
                if (ss->n == ss->cap) {
                    ss->cap = ss->cap ? ss->cap * 2 : 16;
                    ss->e = realloc(ss->e, ss->cap * sizeof(*ss->e));
                }
                ss->e[ss->n++] = (entry_t){strdup(connector), task, st};
            }
        }
        free(connector);
    }
    pthread_mutex_unlock(&ss->lock);
    free(k);
}

void status_store_apply(status_store_t *ss, const char *key, size_t key_len, const char *value,
                        size_t value_len) {
    on_record(ss, 0, 0, key, key_len, value, value_len);
}

status_store_t *status_store_new(const worker_config_t *wc, char *errstr, size_t errstr_size) {
    status_store_t *ss = calloc(1, sizeof(*ss));
    pthread_mutex_init(&ss->lock, NULL);
    char client_id[512];
    const char *cid = worker_config_get(wc, "client.id");
    snprintf(client_id, sizeof(client_id), "%s-%s%sstatuses", worker_config_get(wc, "group.id"),
             cid && *cid ? cid : "", cid && *cid ? "-" : "");
    ss->log = kafka_log_new(wc, worker_config_get(wc, "status.storage.topic"), client_id,
                            0 /* statuses are retried, not dropped */, on_record, ss, errstr,
                            errstr_size);
    if (!ss->log) {
        status_store_destroy(ss);
        return NULL;
    }
    return ss;
}

int status_store_start(status_store_t *ss, int timeout_ms, char *errstr, size_t errstr_size) {
    return kafka_log_start(ss->log, timeout_ms, errstr, errstr_size);
}

int status_store_flush(status_store_t *ss, int timeout_ms) {
    char err[256];
    return kafka_log_flush(ss->log, timeout_ms, err, sizeof(err));
}

void status_store_destroy(status_store_t *ss) {
    if (!ss) return;
    kafka_log_destroy(ss->log);
    for (size_t i = 0; i < ss->n; i++) {
        free(ss->e[i].connector);
        status_clear(&ss->e[i].st);
    }
    for (size_t i = 0; i < ss->nt; i++) {
        free(ss->t[i].connector);
        free(ss->t[i].topic);
    }
    for (size_t i = 0; i < ss->nn; i++) {
        free(ss->notes[i].connector);
        free(ss->notes[i].note);
    }
    free(ss->e);
    free(ss->t);
    free(ss->notes);
    pthread_mutex_destroy(&ss->lock);
    free(ss);
}

bool status_store_connector(status_store_t *ss, const char *name, status_t *out) {
    return status_store_task(ss, name, -1, out);
}

bool status_store_task(status_store_t *ss, const char *name, int task, status_t *out) {
    pthread_mutex_lock(&ss->lock);
    entry_t *e = find(ss, name, task);
    if (e) status_copy(ss, out, e);
    pthread_mutex_unlock(&ss->lock);
    return e != NULL;
}

static int cmp_task(const void *a, const void *b) {
    return ((const task_status_t *)a)->id - ((const task_status_t *)b)->id;
}

task_status_t *status_store_tasks(status_store_t *ss, const char *name, size_t *n) {
    pthread_mutex_lock(&ss->lock);
    task_status_t *out = calloc(ss->n + 1, sizeof(*out));
    *n = 0;
    for (size_t i = 0; i < ss->n; i++)
        if (ss->e[i].task >= 0 && !strcmp(ss->e[i].connector, name)) {
            out[*n].id = ss->e[i].task;
            status_copy(ss, &out[*n].status, &ss->e[i]);
            (*n)++;
        }
    pthread_mutex_unlock(&ss->lock);
    qsort(out, *n, sizeof(*out), cmp_task);
    return out;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **status_store_connectors(status_store_t *ss) {
    pthread_mutex_lock(&ss->lock);
    char **out = calloc(ss->n + 1, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < ss->n; i++)
        if (ss->e[i].task < 0) out[n++] = strdup(ss->e[i].connector);
    pthread_mutex_unlock(&ss->lock);
    qsort(out, n, sizeof(char *), cmp_str);
    return out;
}

static void send_one(status_store_t *ss, const char *key, const char *value) {
    char err[256];
    kafka_log_record_t r = {key, strlen(key), value, value ? strlen(value) : 0};
    if (kafka_log_send(ss->log, &r, 1, err, sizeof(err)) != 0)
        log_warn(slog(), "Could not write status %s: %s", key, err);
}

static void put_status(status_store_t *ss, const char *key, const char *name, int task,
                       const char *state, const char *trace, const char *worker_id,
                       int64_t generation, const char *version) {
    pthread_mutex_lock(&ss->lock);
    entry_t *e = find(ss, name, task);
    bool skip = e && e->st.worker_id && strcmp(e->st.worker_id, worker_id) != 0 &&
                e->st.generation > generation;
    pthread_mutex_unlock(&ss->lock);
    if (skip) return;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "state", json_object_new_string(state));
    json_object_object_add(o, "trace", trace ? json_object_new_string(trace) : NULL);
    json_object_object_add(o, "worker_id", json_object_new_string(worker_id));
    json_object_object_add(o, "generation", json_object_new_int64(generation));
    /* Kafka 4.1's STATUS_SCHEMA_V0 has an optional "version" (KIP-891), null when the worker has no
     * instance of the plugin (a restart, a failure before the instance existed) */
    json_object_object_add(o, "version", version ? json_object_new_string(version) : NULL);
    send_one(ss, key, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

static char *task_key(const char *name, int task) {
    size_t n = strlen(name) + 32;
    char *k = malloc(n);
    snprintf(k, n, "status-task-%s-%d", name, task);
    return k;
}

static char *connector_key(const char *name) {
    size_t n = strlen(name) + 32;
    char *k = malloc(n);
    snprintf(k, n, "status-connector-%s", name);
    return k;
}

void status_store_put_connector(status_store_t *ss, const char *name, const char *state,
                                const char *trace, const char *worker_id, int64_t generation,
                                const char *version) {
    char *k = connector_key(name);
    put_status(ss, k, name, -1, state, trace, worker_id, generation, version);
    free(k);
}

void status_store_put_task(status_store_t *ss, const char *name, int task, const char *state,
                           const char *trace, const char *worker_id, int64_t generation,
                           const char *version) {
    char *k = task_key(name, task);
    put_status(ss, k, name, task, state, trace, worker_id, generation, version);
    free(k);
}

void status_store_delete_connector(status_store_t *ss, const char *name) {
    char *k = connector_key(name);
    send_one(ss, k, NULL);
    free(k);
}

void status_store_delete_task(status_store_t *ss, const char *name, int task) {
    char *k = task_key(name, task);
    send_one(ss, k, NULL);
    free(k);
}

static char *topic_key(const char *connector, const char *topic) {
    size_t n = strlen(connector) + strlen(topic) + 32;
    char *k = malloc(n);
    snprintf(k, n, "status-topic-%s:connector-%s", topic, connector);
    return k;
}

void status_store_put_topic(status_store_t *ss, const char *connector, const char *topic, int task) {
    pthread_mutex_lock(&ss->lock);
    bool known = false;
    for (size_t i = 0; i < ss->nt && !known; i++)
        known = !strcmp(ss->t[i].topic, topic) && !strcmp(ss->t[i].connector, connector);
    pthread_mutex_unlock(&ss->lock);
    if (known) return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    json_object *o = json_object_new_object(), *t = json_object_new_object();
    json_object_object_add(t, "name", json_object_new_string(topic));
    json_object_object_add(t, "connector", json_object_new_string(connector));
    json_object_object_add(t, "task", json_object_new_int(task));
    json_object_object_add(t, "discoverTimestamp",
                           json_object_new_int64((int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000));
    json_object_object_add(o, "topic", t);
    char *k = topic_key(connector, topic);
    send_one(ss, k, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    free(k);
    json_object_put(o);
}

void status_store_set_note(status_store_t *ss, const char *connector, int task, const char *note) {
    pthread_mutex_lock(&ss->lock);
    size_t i = 0;
    while (i < ss->nn && !(ss->notes[i].task == task && !strcmp(ss->notes[i].connector, connector))) i++;
    if (i < ss->nn) {
        free(ss->notes[i].note);
        if (note) {
            ss->notes[i].note = strdup(note);
        } else {
            free(ss->notes[i].connector);
            ss->notes[i] = ss->notes[--ss->nn];
        }
    } else if (note) {
        ss->notes = realloc(ss->notes, (ss->nn + 1) * sizeof(*ss->notes));
        ss->notes[ss->nn++] = (note_t){strdup(connector), task, strdup(note)};
    }
    pthread_mutex_unlock(&ss->lock);
}

int64_t status_store_max_generation(status_store_t *ss) {
    pthread_mutex_lock(&ss->lock);
    int64_t g = 0;
    for (size_t i = 0; i < ss->n; i++)
        if (ss->e[i].st.generation > g) g = ss->e[i].st.generation;
    pthread_mutex_unlock(&ss->lock);
    return g;
}

char **status_store_topics(status_store_t *ss, const char *connector) {
    pthread_mutex_lock(&ss->lock);
    char **out = calloc(ss->nt + 1, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < ss->nt; i++)
        if (!strcmp(ss->t[i].connector, connector)) out[n++] = strdup(ss->t[i].topic);
    pthread_mutex_unlock(&ss->lock);
    qsort(out, n, sizeof(char *), cmp_str);
    return out;
}

void status_store_reset_topics(status_store_t *ss, const char *connector) {
    char **topics = status_store_topics(ss, connector);
    for (char **t = topics; *t; t++) {
        char *k = topic_key(connector, *t);
        send_one(ss, k, NULL);
        free(k);
        free(*t);
    }
    free(topics);
}
