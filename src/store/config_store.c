/* config_store.c - config topic codec and the state rebuilt from it (the commit rule of
 * spec/connect-internal-topics.md 4.4). One mutex guards the state; the reader thread applies
 * records, REST and herder threads read copies. */
#include "store/config_store.h"

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store/kafka_log.h"

typedef struct {
    int task;
    cd_props_t *props;
} deferred_t;

typedef struct {
    char *name;
    cd_props_t *config;   /* NULL: no config (e.g. a target state written before the config) */
    bool has_target;
    target_state_t target;
    int task_count;       /* from the last commit; -1 none */
    cd_props_t **tasks;   /* applied configs 0..n_tasks-1 */
    size_t n_tasks;
    deferred_t *deferred;
    size_t n_deferred;
    bool inconsistent;
    uint64_t generation;
} cs_conn_t;

typedef struct restart_req {
    char *name;
    bool include_tasks, only_failed;
    struct restart_req *next;
} restart_req_t;

struct config_store {
    kafka_log_t *log;
    pthread_mutex_t lock;
    cs_conn_t *conns;
    size_t n_conns, cap_conns;
    bool started; /* the initial catch-up is over */
    restart_req_t *restarts, **restarts_tail;
    session_key_t session_key;
    bool has_session_key;
    config_store_change_cb cb;
    void *opaque;
};

static log_logger_t *clog_(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.connect.storage.KafkaConfigBackingStore");
    return lg;
}

const char *target_state_name(target_state_t s) {
    return s == TARGET_PAUSED ? "PAUSED" : s == TARGET_STOPPED ? "STOPPED" : "STARTED";
}

static int parse_target(const char *s, target_state_t *out) {
    if (!s) return -1;
    if (!strcmp(s, "STARTED")) *out = TARGET_STARTED;
    else if (!strcmp(s, "PAUSED")) *out = TARGET_PAUSED;
    else if (!strcmp(s, "STOPPED")) *out = TARGET_STOPPED;
    else return -1;
    return 0;
}

static cs_conn_t *find(config_store_t *cs, const char *name) {
    for (size_t i = 0; i < cs->n_conns; i++)
        if (!strcmp(cs->conns[i].name, name)) return &cs->conns[i];
    return NULL;
}

static cs_conn_t *find_or_add(config_store_t *cs, const char *name) {
    cs_conn_t *c = find(cs, name);
    if (c) return c;
    if (cs->n_conns == cs->cap_conns) {
        cs->cap_conns = cs->cap_conns ? cs->cap_conns * 2 : 16;
        cs->conns = realloc(cs->conns, cs->cap_conns * sizeof(*cs->conns));
        if (!cs->conns) abort();
    }
    c = &cs->conns[cs->n_conns++];
    memset(c, 0, sizeof(*c));
    c->name = strdup(name);
    c->task_count = -1;
    return c;
}

static void clear_tasks(cs_conn_t *c) {
    for (size_t i = 0; i < c->n_tasks; i++) cd_props_destroy(c->tasks[i]);
    free(c->tasks);
    c->tasks = NULL;
    c->n_tasks = 0;
}

static void clear_deferred(cs_conn_t *c) {
    for (size_t i = 0; i < c->n_deferred; i++) cd_props_destroy(c->deferred[i].props);
    free(c->deferred);
    c->deferred = NULL;
    c->n_deferred = 0;
}

/* Drops an entry that has neither a config nor a target state. */
static void maybe_forget(config_store_t *cs, cs_conn_t *c) {
    if (c->config || c->has_target || c->n_deferred) return;
    clear_tasks(c);
    free(c->name);
    size_t i = (size_t)(c - cs->conns);
    memmove(cs->conns + i, cs->conns + i + 1, (cs->n_conns - i - 1) * sizeof(*cs->conns));
    cs->n_conns--;
}

static void remove_connector(cs_conn_t *c) {
    cd_props_destroy(c->config);
    c->config = NULL;
    c->task_count = -1;
    c->inconsistent = false;
    clear_tasks(c);
    clear_deferred(c);
}

static cd_props_t *parse_properties(const char *value, size_t len) {
    json_tokener *tok = json_tokener_new();
    json_object *root = json_tokener_parse_ex(tok, value, (int)len);
    json_tokener_free(tok);
    json_object *props;
    if (!root || !json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "properties", &props) ||
        !json_object_is_type(props, json_type_object)) {
        json_object_put(root);
        return NULL;
    }
    cd_props_t *p = cd_props_new();
    json_object_object_foreach(props, k, v) {
        cd_props_set(p, k, json_object_is_type(v, json_type_null) ? NULL : json_object_get_string(v));
    }
    json_object_put(root);
    return p;
}

static json_object *parse_json(const char *value, size_t len) {
    json_tokener *tok = json_tokener_new();
    json_object *root = json_tokener_parse_ex(tok, value, (int)len);
    json_tokener_free(tok);
    if (root && !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return NULL;
    }
    return root;
}

/* "task-<connector>-<n>" -> connector, n. */
static int parse_task_key(const char *key, char **name, int *task) {
    const char *rest = key + strlen("task-");
    const char *dash = strrchr(rest, '-');
    if (!dash || dash == rest || !dash[1]) return -1;
    char *end;
    long n = strtol(dash + 1, &end, 10);
    if (*end || n < 0 || n > 1000000) return -1;
    *name = strndup(rest, (size_t)(dash - rest));
    *task = (int)n;
    return 0;
}

static bool json_bool_field(json_object *o, const char *k) {
    json_object *v;
    return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_boolean) &&
           json_object_get_boolean(v);
}

static void apply_commit(cs_conn_t *c, int n) {
    bool complete = true;
    for (int t = 0; t < n && complete; t++) {
        bool found = false;
        for (size_t i = 0; i < c->n_deferred; i++)
            if (c->deferred[i].task == t) found = true;
        complete = found;
    }
    if (complete) {
        clear_tasks(c);
        c->tasks = calloc((size_t)(n > 0 ? n : 1), sizeof(cd_props_t *));
        for (size_t i = 0; i < c->n_deferred; i++) {
            int t = c->deferred[i].task;
            if (t < n) {
                c->tasks[t] = c->deferred[i].props;
                c->deferred[i].props = NULL;
            }
        }
        c->n_tasks = (size_t)n;
        c->inconsistent = false;
        c->generation++;
    } else {
        c->inconsistent = true;
    }
    clear_deferred(c);
    c->task_count = n;
}

/* ConnectUtils.className of what Kafka's JsonConverter (schemas off) makes of a JSON value. */
static const char *java_class_of(json_object *v) {
    switch (json_object_get_type(v)) {
    case json_type_null: return "null";
    case json_type_boolean: return "java.lang.Boolean";
    case json_type_double: return "java.lang.Double";
    case json_type_int: return "java.lang.Long";
    case json_type_object: return "java.util.HashMap";
    case json_type_array: return "java.util.ArrayList";
    case json_type_string: return "java.lang.String";
    }
    return "null";
}

/* KafkaConfigBackingStore.processSessionKeyRecord: the checks in its order and with its log
 * lines. Where Java would throw from the reader thread (a key that is not Base64, or empty),
 * the record is ignored with a line saying why. Returns true when *out was filled. */
static bool parse_session_key(const char *value, size_t len, session_key_t *out) {
    if (!value) {
        log_error(clog_(), "Ignoring session key because it is unexpectedly null");
        return false;
    }
    /* With its terminating NUL, so that a bare scalar ("null", 5) is complete. */
    char *text = strndup(value, len);
    if (!text) abort(); /* as the rest of the store does when memory runs out */
    json_tokener *tok = json_tokener_new();
    json_object *root = json_tokener_parse_ex(tok, text, (int)len + 1);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    json_tokener_free(tok);
    free(text);
    if (jerr != json_tokener_success) {
        log_error(clog_(), "Failed to convert config data to Kafka Connect format: the session-key "
                           "record is not JSON (%s)", json_tokener_error_desc(jerr));
        json_object_put(root);
        return false;
    }
    bool ok = false;
    json_object *k = NULL, *alg = NULL, *ts = NULL;
    if (json_object_is_type(root, json_type_object)) {
        json_object_object_get_ex(root, "key", &k);
        json_object_object_get_ex(root, "algorithm", &alg);
        json_object_object_get_ex(root, "creation-timestamp", &ts);
    }
    if (!root) {
        log_error(clog_(), "Ignoring session key because it is unexpectedly null");
    } else if (!json_object_is_type(root, json_type_object)) {
        log_error(clog_(), "Ignoring session key because the value is not a Map but is %s",
                  java_class_of(root));
    } else if (!json_object_is_type(k, json_type_string)) {
        log_error(clog_(), "Invalid data for session key 'key' field should be a String but is %s",
                  java_class_of(k));
    } else {
        memset(out, 0, sizeof(*out));
        char why[256];
        const char *b64 = json_object_get_string(k);
        int n = signing_base64_decode(b64, (size_t)json_object_get_string_len(k), out->key,
                                      sizeof(out->key), why, sizeof(why));
        if (n < 0) {
            log_error(clog_(), "Ignoring session key because its 'key' field is not valid Base64: %s", why);
        } else if (n == 0) {
            log_error(clog_(), "Ignoring session key because its 'key' field is empty");
        } else if (!json_object_is_type(alg, json_type_string)) {
            log_error(clog_(), "Invalid data for session key 'algorithm' field should be a String but "
                               "it is %s", java_class_of(alg));
        } else if ((size_t)json_object_get_string_len(alg) >= sizeof(out->algorithm)) {
            log_error(clog_(), "Ignoring session key because its algorithm '%s' is longer than %zu "
                               "characters", json_object_get_string(alg), sizeof(out->algorithm) - 1);
        } else if (!json_object_is_type(ts, json_type_int)) {
            log_error(clog_(), "Invalid data for session key 'creation-timestamp' field should be a "
                               "long but it is %s", java_class_of(ts));
        } else {
            out->len = (size_t)n;
            snprintf(out->algorithm, sizeof(out->algorithm), "%s", json_object_get_string(alg));
            out->created_ms = json_object_get_int64(ts);
            ok = true;
        }
    }
    json_object_put(root);
    return ok;
}

static void on_record(void *opaque, int32_t partition, int64_t offset, const char *key,
                      size_t key_len, const char *value, size_t value_len) {
    (void)partition;
    (void)offset;
    config_store_t *cs = opaque;
    if (!key) return;
    char *k = strndup(key, key_len);
    bool changed = true;
    pthread_mutex_lock(&cs->lock);

    if (!strncmp(k, "target-state-", 13)) {
        const char *name = k + 13;
        if (!value) {
            cs_conn_t *c = find(cs, name);
            if (c) {
                c->has_target = false;
                if (c->config) {
                    c->has_target = true;
                    c->target = TARGET_STARTED;
                }
                maybe_forget(cs, c);
            }
        } else {
            json_object *o = parse_json(value, value_len), *v;
            target_state_t st;
            const char *s = NULL;
            if (o && json_object_object_get_ex(o, "state.v2", &v) && json_object_is_type(v, json_type_string))
                s = json_object_get_string(v);
            else if (o && json_object_object_get_ex(o, "state", &v) && json_object_is_type(v, json_type_string))
                s = json_object_get_string(v);
            if (s && parse_target(s, &st) == 0) {
                cs_conn_t *c = find_or_add(cs, name);
                c->has_target = true;
                c->target = st;
            } else {
                log_warn(clog_(), "Ignoring malformed target state record %s", k);
                changed = false;
            }
            json_object_put(o);
        }
    } else if (!strncmp(k, "connector-", 10)) {
        const char *name = k + 10;
        if (!value) {
            cs_conn_t *c = find(cs, name);
            if (c) {
                remove_connector(c);
                maybe_forget(cs, c);
            }
        } else {
            cd_props_t *p = parse_properties(value, value_len);
            if (!p) {
                log_warn(clog_(), "Ignoring malformed connector config record %s", k);
                changed = false;
            } else {
                cs_conn_t *c = find_or_add(cs, name);
                cd_props_destroy(c->config);
                c->config = p;
                if (!c->has_target) {
                    c->has_target = true;
                    c->target = TARGET_STARTED;
                }
            }
        }
    } else if (!strncmp(k, "task-", 5)) {
        char *name;
        int task;
        cd_props_t *p = value ? parse_properties(value, value_len) : NULL;
        changed = false;
        if (p && parse_task_key(k, &name, &task) == 0) {
            cs_conn_t *c = find_or_add(cs, name);
            bool replaced = false;
            for (size_t i = 0; i < c->n_deferred; i++)
                if (c->deferred[i].task == task) {
                    cd_props_destroy(c->deferred[i].props);
                    c->deferred[i].props = p;
                    replaced = true;
                }
            if (!replaced) {
                c->deferred = realloc(c->deferred, (c->n_deferred + 1) * sizeof(deferred_t));
                c->deferred[c->n_deferred++] = (deferred_t){task, p};
            }
            free(name);
        } else {
            cd_props_destroy(p);
        }
    } else if (!strncmp(k, "commit-", 7)) {
        const char *name = k + 7;
        json_object *o = value ? parse_json(value, value_len) : NULL, *v;
        if (o && json_object_object_get_ex(o, "tasks", &v) && json_object_is_type(v, json_type_int)) {
            cs_conn_t *c = find(cs, name);
            if (c && c->config) {
                apply_commit(c, (int)json_object_get_int64(v));
            } else if (c) {
                remove_connector(c); /* leftover of a deleted connector */
                maybe_forget(cs, c);
            }
        } else {
            changed = false;
        }
        json_object_put(o);
    } else if (!strncmp(k, "restart-connector-", 18)) {
        json_object *o = value ? parse_json(value, value_len) : NULL;
        changed = false;
        if (o && cs->started) {
            restart_req_t *r = calloc(1, sizeof(*r));
            r->name = strdup(k + 18);
            r->include_tasks = json_bool_field(o, "include-tasks");
            r->only_failed = json_bool_field(o, "only-failed");
            *cs->restarts_tail = r;
            cs->restarts_tail = &r->next;
            changed = true;
        }
        json_object_put(o);
    } else if (!strncmp(k, "logger-cluster-", 15)) {
        json_object *o = value ? parse_json(value, value_len) : NULL, *v;
        changed = false;
        if (o && cs->started && json_object_object_get_ex(o, "level", &v)) {
            int lvl = log_level_parse(json_object_get_string(v));
            if (lvl >= 0) {
                log_set_level(k + 15, (log_level_t)lvl, NULL);
            }
        }
        json_object_put(o);
    } else if (!strcmp(k, "session-key")) {
        session_key_t sk;
        changed = parse_session_key(value, value_len, &sk);
        if (changed) {
            cs->session_key = sk;
            cs->has_session_key = true;
        }
        OPENSSL_cleanse(&sk, sizeof(sk));
    } else {
        changed = false; /* fencing records matter to exactly-once source support */
    }
    pthread_mutex_unlock(&cs->lock);
    free(k);
    if (changed && cs->cb) cs->cb(cs->opaque);
}

void config_store_apply(config_store_t *cs, const char *key, size_t key_len, const char *value,
                        size_t value_len) {
    on_record(cs, 0, 0, key, key_len, value, value_len);
}

void config_store_mark_started(config_store_t *cs) {
    pthread_mutex_lock(&cs->lock);
    cs->started = true;
    pthread_mutex_unlock(&cs->lock);
}

config_store_t *config_store_new(const worker_config_t *wc, config_store_change_cb cb, void *opaque,
                                 char *errstr, size_t errstr_size) {
    config_store_t *cs = calloc(1, sizeof(*cs));
    pthread_mutex_init(&cs->lock, NULL);
    cs->restarts_tail = &cs->restarts;
    cs->cb = cb;
    cs->opaque = opaque;
    char client_id[512];
    const char *cid = worker_config_get(wc, "client.id");
    snprintf(client_id, sizeof(client_id), "%s-%s%sconfigs", worker_config_get(wc, "group.id"),
             cid && *cid ? cid : "", cid && *cid ? "-" : "");
    cs->log = kafka_log_new(wc, worker_config_get(wc, "config.storage.topic"), client_id,
                            CONFIG_STORE_DELIVERY_TIMEOUT_MS, on_record, cs, errstr, errstr_size);
    if (!cs->log) {
        config_store_destroy(cs);
        return NULL;
    }
    return cs;
}

int config_store_start(config_store_t *cs, int timeout_ms, char *errstr, size_t errstr_size) {
    if (kafka_log_start(cs->log, timeout_ms, errstr, errstr_size) != 0) return -1;
    config_store_mark_started(cs);
    return 0;
}

void config_store_destroy(config_store_t *cs) {
    if (!cs) return;
    kafka_log_destroy(cs->log);
    for (size_t i = 0; i < cs->n_conns; i++) {
        remove_connector(&cs->conns[i]);
        free(cs->conns[i].name);
    }
    free(cs->conns);
    while (cs->restarts) {
        restart_req_t *r = cs->restarts;
        cs->restarts = r->next;
        free(r->name);
        free(r);
    }
    pthread_mutex_destroy(&cs->lock);
    free(cs);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **config_store_connectors(config_store_t *cs) {
    char **names = config_store_connectors_in_order(cs);
    size_t n = 0;
    while (names[n]) n++;
    qsort(names, n, sizeof(char *), cmp_str);
    return names;
}

char **config_store_connectors_in_order(config_store_t *cs) {
    pthread_mutex_lock(&cs->lock);
    char **names = calloc(cs->n_conns + 1, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < cs->n_conns; i++)
        if (cs->conns[i].config) names[n++] = strdup(cs->conns[i].name);
    pthread_mutex_unlock(&cs->lock);
    return names;
}

void config_store_free_names(char **names) {
    if (!names) return;
    for (char **p = names; *p; p++) free(*p);
    free(names);
}

bool config_store_contains(config_store_t *cs, const char *name) {
    pthread_mutex_lock(&cs->lock);
    cs_conn_t *c = find(cs, name);
    bool r = c && c->config;
    pthread_mutex_unlock(&cs->lock);
    return r;
}

cd_props_t *config_store_connector_config(config_store_t *cs, const char *name) {
    pthread_mutex_lock(&cs->lock);
    cs_conn_t *c = find(cs, name);
    cd_props_t *p = c && c->config ? cd_props_copy(c->config) : NULL;
    pthread_mutex_unlock(&cs->lock);
    return p;
}

bool config_store_target_state(config_store_t *cs, const char *name, target_state_t *state) {
    pthread_mutex_lock(&cs->lock);
    cs_conn_t *c = find(cs, name);
    bool r = c && c->config;
    if (r) *state = c->has_target ? c->target : TARGET_STARTED;
    pthread_mutex_unlock(&cs->lock);
    return r;
}

cd_props_t **config_store_task_configs(config_store_t *cs, const char *name, size_t *n,
                                       uint64_t *generation) {
    *n = 0;
    pthread_mutex_lock(&cs->lock);
    cs_conn_t *c = find(cs, name);
    cd_props_t **out = NULL;
    if (c && c->config && !c->inconsistent && c->n_tasks > 0) {
        out = calloc(c->n_tasks, sizeof(cd_props_t *));
        for (size_t i = 0; i < c->n_tasks; i++) out[i] = cd_props_copy(c->tasks[i]);
        *n = c->n_tasks;
    }
    if (generation) *generation = c ? c->generation : 0;
    pthread_mutex_unlock(&cs->lock);
    return out;
}

void config_store_free_tasks(cd_props_t **tasks, size_t n) {
    for (size_t i = 0; i < n; i++) cd_props_destroy(tasks[i]);
    free(tasks);
}

int config_store_task_count(config_store_t *cs, const char *name) {
    pthread_mutex_lock(&cs->lock);
    cs_conn_t *c = find(cs, name);
    int n = c && c->config ? c->task_count : -1;
    pthread_mutex_unlock(&cs->lock);
    return n;
}

bool config_store_session_key(config_store_t *cs, session_key_t *out) {
    pthread_mutex_lock(&cs->lock);
    bool r = cs->has_session_key;
    if (r) *out = cs->session_key;
    pthread_mutex_unlock(&cs->lock);
    return r;
}

bool config_store_next_restart(config_store_t *cs, char **name, bool *include_tasks, bool *only_failed) {
    pthread_mutex_lock(&cs->lock);
    restart_req_t *r = cs->restarts;
    if (r) {
        cs->restarts = r->next;
        if (!cs->restarts) cs->restarts_tail = &cs->restarts;
    }
    pthread_mutex_unlock(&cs->lock);
    if (!r) return false;
    *name = r->name;
    *include_tasks = r->include_tasks;
    *only_failed = r->only_failed;
    free(r);
    return true;
}

/* --- writing --- */

static char *props_record(const cd_props_t *p) {
    json_object *root = json_object_new_object(), *props = json_object_new_object();
    for (size_t i = 0; i < cd_props_count(p); i++) {
        const char *v = cd_props_value_at(p, i);
        json_object_object_add(props, cd_props_key_at(p, i), v ? json_object_new_string(v) : NULL);
    }
    json_object_object_add(root, "properties", props);
    char *s = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(root);
    return s;
}

static char *target_record(target_state_t st) {
    char buf[96];
    /* `state` carries PAUSED for STOPPED, for workers older than 3.5. */
    snprintf(buf, sizeof(buf), "{\"state\":\"%s\",\"state.v2\":\"%s\"}",
             st == TARGET_STARTED ? "STARTED" : "PAUSED", target_state_name(st));
    return strdup(buf);
}

static char *keyf(const char *prefix, const char *name) {
    size_t n = strlen(prefix) + strlen(name) + 1;
    char *k = malloc(n);
    snprintf(k, n, "%s%s", prefix, name);
    return k;
}

/* Writes the records, then reads the topic back to its end. Frees keys and values. */
static int write_and_read_back(config_store_t *cs, char **keys, char **values, size_t n,
                               int timeout_ms, char *errstr, size_t errstr_size) {
    kafka_log_record_t recs[8] = {{0}};
    for (size_t i = 0; i < n && i < 8; i++)
        recs[i] = (kafka_log_record_t){keys[i], strlen(keys[i]), values[i],
                                       values[i] ? strlen(values[i]) : 0};
    int rc = kafka_log_write(cs->log, recs, n, timeout_ms, errstr, errstr_size);
    if (rc == 0) rc = kafka_log_read_to_end(cs->log, timeout_ms, errstr, errstr_size);
    for (size_t i = 0; i < n; i++) {
        free(keys[i]);
        free(values[i]);
    }
    return rc;
}

int config_store_put_connector(config_store_t *cs, const char *name, const cd_props_t *config,
                               const target_state_t *initial_state, int timeout_ms, char *errstr,
                               size_t errstr_size) {
    char *keys[2], *values[2];
    size_t n = 0;
    if (initial_state) {
        keys[n] = keyf("target-state-", name);
        values[n++] = target_record(*initial_state);
    }
    keys[n] = keyf("connector-", name);
    values[n++] = props_record(config);
    return write_and_read_back(cs, keys, values, n, timeout_ms, errstr, errstr_size);
}

int config_store_delete_connector(config_store_t *cs, const char *name, int timeout_ms, char *errstr,
                                  size_t errstr_size) {
    char *keys[2] = {keyf("connector-", name), keyf("target-state-", name)};
    char *values[2] = {NULL, NULL};
    return write_and_read_back(cs, keys, values, 2, timeout_ms, errstr, errstr_size);
}

int config_store_put_target_state(config_store_t *cs, const char *name, target_state_t state,
                                  int timeout_ms, char *errstr, size_t errstr_size) {
    char *keys[1] = {keyf("target-state-", name)};
    char *values[1] = {target_record(state)};
    return write_and_read_back(cs, keys, values, 1, timeout_ms, errstr, errstr_size);
}

int config_store_put_task_configs(config_store_t *cs, const char *name, cd_props_t *const *tasks,
                                  size_t n, int timeout_ms, char *errstr, size_t errstr_size) {
    if (n > 0) {
        kafka_log_record_t *recs = calloc(n, sizeof(*recs));
        char **bufs = calloc(n * 2, sizeof(char *));
        for (size_t i = 0; i < n; i++) {
            char tk[64];
            snprintf(tk, sizeof(tk), "-%zu", i);
            size_t kl = strlen(name) + strlen(tk) + 6;
            bufs[2 * i] = malloc(kl);
            snprintf(bufs[2 * i], kl, "task-%s%s", name, tk);
            bufs[2 * i + 1] = props_record(tasks[i]);
            recs[i] = (kafka_log_record_t){bufs[2 * i], strlen(bufs[2 * i]), bufs[2 * i + 1],
                                           strlen(bufs[2 * i + 1])};
        }
        int rc = kafka_log_write(cs->log, recs, n, timeout_ms, errstr, errstr_size);
        if (rc == 0) rc = kafka_log_read_to_end(cs->log, timeout_ms, errstr, errstr_size);
        for (size_t i = 0; i < 2 * n; i++) free(bufs[i]);
        free(bufs);
        free(recs);
        if (rc) return rc;
    }
    char commit[64];
    snprintf(commit, sizeof(commit), "{\"tasks\":%zu}", n);
    char *keys[1] = {keyf("commit-", name)};
    char *values[1] = {strdup(commit)};
    return write_and_read_back(cs, keys, values, 1, timeout_ms, errstr, errstr_size);
}

int config_store_put_stopped(config_store_t *cs, const char *name, int timeout_ms, char *errstr,
                             size_t errstr_size) {
    if (config_store_put_task_configs(cs, name, NULL, 0, timeout_ms, errstr, errstr_size) != 0)
        return -1;
    return config_store_put_target_state(cs, name, TARGET_STOPPED, timeout_ms, errstr, errstr_size);
}

int config_store_put_restart(config_store_t *cs, const char *name, bool include_tasks,
                             bool only_failed, int timeout_ms, char *errstr, size_t errstr_size) {
    char buf[96];
    snprintf(buf, sizeof(buf), "{\"include-tasks\":%s,\"only-failed\":%s}",
             include_tasks ? "true" : "false", only_failed ? "true" : "false");
    char *keys[1] = {keyf("restart-connector-", name)};
    char *values[1] = {strdup(buf)};
    return write_and_read_back(cs, keys, values, 1, timeout_ms, errstr, errstr_size);
}

char *config_store_session_key_value(const session_key_t *key) {
    char b64[SESSION_KEY_MAX_BYTES / 3 * 4 + 8];
    if (key->len == 0 || key->len > SESSION_KEY_MAX_BYTES ||
        signing_base64_encode(key->key, key->len, b64, sizeof(b64)) < 0)
        return NULL;
    /* The fields in SESSION_KEY_V0's order, as the JsonConverter writes its struct. */
    json_object *o = json_object_new_object();
    json_object_object_add(o, "key", json_object_new_string(b64));
    json_object_object_add(o, "algorithm", json_object_new_string(key->algorithm));
    json_object_object_add(o, "creation-timestamp", json_object_new_int64(key->created_ms));
    char *value = strdup(json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    OPENSSL_cleanse(b64, sizeof(b64));
    return value;
}

int config_store_put_session_key(config_store_t *cs, const session_key_t *key, int timeout_ms,
                                 char *errstr, size_t errstr_size) {
    char *value = config_store_session_key_value(key);
    if (!value) {
        snprintf(errstr, errstr_size, "Cannot write a session key of %zu bytes (1 to %d)", key->len,
                 SESSION_KEY_MAX_BYTES);
        return -1;
    }
    char *keys[1] = {strdup("session-key")};
    char *values[1] = {value};
    return write_and_read_back(cs, keys, values, 1, timeout_ms, errstr, errstr_size);
}

int config_store_put_logger_level(config_store_t *cs, const char *ns, const char *level,
                                  int timeout_ms, char *errstr, size_t errstr_size) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "level", json_object_new_string(level));
    char *keys[1] = {keyf("logger-cluster-", ns)};
    char *values[1] = {strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN))};
    json_object_put(o);
    return write_and_read_back(cs, keys, values, 1, timeout_ms, errstr, errstr_size);
}
