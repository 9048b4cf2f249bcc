/* topic_creation.c - KIP-158 topic creation for source tasks: the topic.creation.* rules with
 * Kafka Connect's parsing order and messages (SourceConnectorConfig, TopicCreationConfig), and
 * the per-task existence check and CreateTopics call (AbstractWorkerSourceTask.maybeCreateTopic,
 * TopicAdmin.createOrFindTopics), with their log lines. */
#include "kafka/topic_creation.h"
#include "kafka/client.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/connector_config.h"
#include "connect/java_regex.h"
#include "log.h"
#include "xalloc.h"

#define PREFIX "topic.creation."
#define DEFAULT_GROUP "default"

/* One attempt at listing the topics; retried while the task runs (Kafka Connect retries a
 * timed-out describe too). */
#define LIST_TIMEOUT_MS 5000
#define CREATE_TIMEOUT_MS 30000
#define DESCRIBE_TIMEOUT_MS 10000

static log_logger_t *srclog(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.connect.runtime.AbstractWorkerSourceTask");
    return lg;
}

static log_logger_t *adminlog(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.connect.util.TopicAdmin");
    return lg;
}

/* ---- the rules -------------------------------------------------------------------------------- */

typedef struct {
    char *name;
    /* The include and exclude lists joined with '|', as Kafka compiles them. An empty list is
     * Java's pattern "", which matches no topic name: has_* is then false. */
    char *include_src, *exclude_src;
    bool has_include, has_exclude;
    java_regex_t *include, *exclude;
    int partitions, replication_factor;
    cd_props_t *configs; /* every other topic.creation.<group>.<name>: topic configs */
} group_t;

struct topic_creation_rules {
    group_t *groups; /* topic.creation.groups order, without "default" */
    size_t n;
    group_t def;
};

bool topic_creation_configured(const cd_props_t *config) {
    for (size_t i = 0; i < cd_props_count(config); i++)
        if (!strncmp(cd_props_key_at(config, i), PREFIX, strlen(PREFIX))) return true;
    return false;
}

static void group_free(group_t *g) {
    free(g->name);
    free(g->include_src);
    free(g->exclude_src);
    java_regex_free(g->include);
    java_regex_free(g->exclude);
    cd_props_destroy(g->configs);
}

void topic_creation_rules_destroy(topic_creation_rules_t *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) group_free(&r->groups[i]);
    free(r->groups);
    group_free(&r->def);
    free(r);
}

/* A LIST value as the config engine prints it ("a,b"), split into its items. */
static size_t split_list(const char *v, char ***out) {
    *out = NULL;
    size_t n = 0;
    if (!v || !*v) return 0;
    for (const char *p = v;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        *out = xrealloc(*out, (n + 1) * sizeof(char *));
        char *item = xmalloc(len + 1);
        memcpy(item, p, len);
        item[len] = '\0';
        (*out)[n++] = item;
        if (!comma) break;
        p = comma + 1;
    }
    return n;
}

static void free_list(char **v, size_t n) {
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

static char *join(char **items, size_t n, const char *sep) {
    sb_t b = {0};
    for (size_t i = 0; i < n; i++) {
        if (i) sb_add(&b, sep);
        sb_add(&b, items[i]);
    }
    return sb_take(&b);
}

/* Compiles a list as TopicCreationGroup does: the patterns joined with '|', matching whole names.
 * The validator before it (TopicCreationConfig.REGEX_VALIDATOR) compiles each pattern on its own,
 * and names the key without its prefix, as Kafka's embedded definitions do. */
static int compile_list(const char *key, const char *value, char **src, bool *has, java_regex_t **re,
                        char *errstr, size_t errstr_size) {
    char **items;
    size_t n = split_list(value, &items);
    char err[512];
    for (size_t i = 0; i < n; i++) {
        if (!*items[i]) continue;
        java_regex_t *one = java_regex_new(items[i], 0, err, sizeof(err));
        if (!one) {
            char *shown = join(items, n, ", ");
            snprintf(errstr, errstr_size,
                     "Invalid value [%s] for configuration %s: Syntax error in regular expression: %s",
                     shown, key, err);
            free(shown);
            free_list(items, n);
            return -1;
        }
        java_regex_free(one);
    }
    *src = join(items, n, "|");
    free_list(items, n);
    *has = n > 0;
    if (*has && !(*re = java_regex_new(*src, 0, err, sizeof(err)))) {
        *has = false;
        snprintf(errstr, errstr_size,
                 "Invalid value [%s] for configuration %s: Syntax error in regular expression: %s", *src,
                 key, err);
        return -1;
    }
    return 0;
}

static const char *const GROUP_KEYS[] = {"include", "exclude", "replication.factor", "partitions"};

/* Parses one group's keys as ConfigDef.parse does: key by key in definition order, each one's type
 * and then its validator, stopping at the first problem with that ConfigException's message. The
 * default group has no defaults for replication.factor and partitions (they are required), and
 * its include and exclude lists are not read (Kafka Connect drops them: .* and nothing). */
static int parse_group(const cd_props_t *config, const char *name, const group_t *def, group_t *g,
                       char *errstr, size_t errstr_size) {
    bool is_default = def == NULL;
    char *keys[4];
    for (int i = 0; i < 4; i++) keys[i] = xasprintf(PREFIX "%s.%s", name, GROUP_KEYS[i]);
    char rf_default[16] = "", parts_default[16] = "";
    if (def) {
        snprintf(rf_default, sizeof(rf_default), "%d", def->replication_factor);
        snprintf(parts_default, sizeof(parts_default), "%d", def->partitions);
    }
    cd_config_key_t defs[4] = {
        {.name = keys[0], .type = CD_CFG_LIST, .has_default = true, .default_value = is_default ? ".*" : ""},
        {.name = keys[1], .type = CD_CFG_LIST, .has_default = true, .default_value = ""},
        {.name = keys[2], .type = CD_CFG_SHORT, .has_default = !is_default, .default_value = rf_default},
        {.name = keys[3], .type = CD_CFG_INT, .has_default = !is_default, .default_value = parts_default},
    };
    /* The default group's lists are left to their defaults. */
    cd_config_def_t d = {is_default ? defs + 2 : defs, is_default ? 2 : 4};
    const cd_config_def_t *dl[] = {&d};
    cd_config_result_t *r = cd_config_validate_keys(dl, 1, config);

    memset(g, 0, sizeof(*g));
    g->name = xstrdup(name);
    int rc = 0;
    for (int i = 0; i < 4 && rc == 0; i++) {
        if (is_default && i < 2) {
            const char *v = i == 0 ? ".*" : "";
            rc = i == 0 ? compile_list(GROUP_KEYS[i], v, &g->include_src, &g->has_include, &g->include,
                                       errstr, errstr_size)
                        : compile_list(GROUP_KEYS[i], v, &g->exclude_src, &g->has_exclude, &g->exclude,
                                       errstr, errstr_size);
            continue;
        }
        if (cd_config_result_key_error_count(r, keys[i])) {
            snprintf(errstr, errstr_size, "%s", cd_config_result_key_error(r, keys[i], 0));
            rc = -1;
            break;
        }
        const char *v = cd_config_result_value(r, keys[i]);
        if (i == 0) {
            rc = compile_list(GROUP_KEYS[i], v, &g->include_src, &g->has_include, &g->include, errstr,
                              errstr_size);
        } else if (i == 1) {
            rc = compile_list(GROUP_KEYS[i], v, &g->exclude_src, &g->has_exclude, &g->exclude, errstr,
                              errstr_size);
        } else if (i == 2) {
            g->replication_factor = atoi(v);
            if (g->replication_factor != -1 && g->replication_factor < 1) {
                snprintf(errstr, errstr_size,
                         "Invalid value %d for configuration %s: Replication factor must be positive and "
                         "not larger than the number of brokers in the Kafka cluster, or -1 to use the "
                         "broker's default",
                         g->replication_factor, GROUP_KEYS[i]);
                rc = -1;
            }
        } else {
            g->partitions = atoi(v);
            if (g->partitions != -1 && g->partitions < 1) {
                snprintf(errstr, errstr_size,
                         "Invalid value %d for configuration %s: Number of partitions must be positive, "
                         "or -1 to use the broker's default",
                         g->partitions, GROUP_KEYS[i]);
                rc = -1;
            }
        }
    }
    cd_config_result_destroy(r);

    if (rc == 0) {
        char *prefix = xasprintf(PREFIX "%s.", name);
        g->configs = cd_props_with_prefix(config, prefix);
        for (int i = 0; i < 4; i++) cd_props_remove(g->configs, GROUP_KEYS[i]);
        free(prefix);
    }
    for (int i = 0; i < 4; i++) free(keys[i]);
    return rc;
}

int topic_creation_rules_parse(const cd_props_t *config, topic_creation_rules_t **out, char *errstr,
                               size_t errstr_size) {
    *out = NULL;
    if (!topic_creation_configured(config)) return 0;
    topic_creation_rules_t *r = xmalloc(sizeof(*r));
    memset(r, 0, sizeof(*r));
    /* The default group first: the other groups inherit its replication factor and partitions. */
    if (parse_group(config, DEFAULT_GROUP, NULL, &r->def, errstr, errstr_size) != 0) {
        topic_creation_rules_destroy(r);
        return -1;
    }
    /* topic.creation.groups itself was checked when the config was accepted. */
    static const cd_config_key_t groups_key = {.name = PREFIX "groups", .type = CD_CFG_LIST,
                                               .has_default = true, .default_value = ""};
    cd_config_def_t gd = {&groups_key, 1};
    const cd_config_def_t *gdl[] = {&gd};
    cd_config_result_t *gr = cd_config_validate_keys(gdl, 1, config);
    char **names;
    size_t n = split_list(cd_config_result_value(gr, PREFIX "groups"), &names);
    cd_config_result_destroy(gr);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!strcmp(names[i], DEFAULT_GROUP)) {
            log_warn(srclog(), "'%s' topic creation group always exists and does not need to be listed "
                               "explicitly",
                     DEFAULT_GROUP);
            continue;
        }
        bool seen = false;
        for (size_t j = 0; j < r->n && !seen; j++) seen = !strcmp(r->groups[j].name, names[i]);
        if (seen) continue;
        r->groups = xrealloc(r->groups, (r->n + 1) * sizeof(group_t));
        rc = parse_group(config, names[i], &r->def, &r->groups[r->n], errstr, errstr_size);
        r->n++; /* a failed group is freed with the others */
    }
    free_list(names, n);
    if (rc != 0) {
        topic_creation_rules_destroy(r);
        return -1;
    }
    *out = r;
    return 0;
}

static bool group_matches(const group_t *g, const char *topic) {
    if (g->has_exclude && java_regex_matches(g->exclude, topic, strlen(topic))) return false;
    return g->has_include && java_regex_matches(g->include, topic, strlen(topic));
}

static const group_t *find_group(const topic_creation_rules_t *r, const char *topic) {
    for (size_t i = 0; i < r->n; i++)
        if (group_matches(&r->groups[i], topic)) return &r->groups[i];
    return &r->def;
}

const char *topic_creation_rules_group(const topic_creation_rules_t *r, const char *topic) {
    return find_group(r, topic)->name;
}

/* A Java Map's toString: {k=v, k2=v2}. */
static void add_map(sb_t *b, const cd_props_t *p) {
    sb_addc(b, '{');
    for (size_t i = 0; i < cd_props_count(p); i++) {
        if (i) sb_add(b, ", ");
        sb_add(b, cd_props_key_at(p, i));
        sb_addc(b, '=');
        sb_add(b, cd_props_value_at(p, i) ? cd_props_value_at(p, i) : "null");
    }
    sb_addc(b, '}');
}

static char *new_topic_str(const group_t *g, const char *topic) {
    sb_t b = {0};
    char *head = xasprintf("(name=%s, numPartitions=%d, replicationFactor=%d, replicasAssignments=null, "
                           "configs=",
                           topic, g->partitions, g->replication_factor);
    sb_add(&b, head);
    free(head);
    add_map(&b, g->configs);
    sb_addc(&b, ')');
    return sb_take(&b);
}

char *topic_creation_rules_new_topic(const topic_creation_rules_t *r, const char *topic) {
    return new_topic_str(find_group(r, topic), topic);
}

/* TopicCreationGroup.toString, for the log lines Kafka Connect writes. */
static char *group_str(const group_t *g) {
    sb_t b = {0};
    char *head = xasprintf("TopicCreationGroup{name='%s', inclusionPattern=%s, exclusionPattern=%s, "
                           "numPartitions=%d, replicationFactor=%d, otherConfigs=",
                           g->name, g->include_src ? g->include_src : "", g->exclude_src ? g->exclude_src : "",
                           g->partitions, g->replication_factor);
    sb_add(&b, head);
    free(head);
    add_map(&b, g->configs);
    sb_addc(&b, '}');
    return sb_take(&b);
}

/* ---- a task's side ---------------------------------------------------------------------------- */

struct topic_creation {
    rd_kafka_t *rk;
    const atomic_bool *stop;
    char *task;
    char *bootstrap;
    topic_creation_rules_t *rules; /* NULL: the connector does not create its topics */
    bool worker_disabled;          /* topic.creation.enable=false */
    bool configured;               /* the connector has topic.creation.* settings */
    int auto_create;               /* the broker's auto.create.topics.enable: -1 not asked yet,
                                      0 false, 1 true or could not tell */
    /* Topics that exist or are left to the broker, so that a topic is checked once per task: an
     * open-addressing hash set, looked up for every record. */
    char **known;
    size_t cap, n;
};

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static bool known_has(const topic_creation_t *tc, const char *topic) {
    if (!tc->cap) return false;
    for (size_t i = hash_str(topic) & (tc->cap - 1);; i = (i + 1) & (tc->cap - 1)) {
        if (!tc->known[i]) return false;
        if (!strcmp(tc->known[i], topic)) return true;
    }
}

static void known_put(char **slots, size_t cap, char *topic) {
    size_t i = hash_str(topic) & (cap - 1);
    while (slots[i]) i = (i + 1) & (cap - 1);
    slots[i] = topic;
}

static void known_add(topic_creation_t *tc, const char *topic) {
    if (known_has(tc, topic)) return;
    if (2 * (tc->n + 1) > tc->cap) {
        size_t cap = tc->cap ? tc->cap * 2 : 16;
        char **slots = xmalloc(cap * sizeof(char *));
        memset(slots, 0, cap * sizeof(char *));
        for (size_t i = 0; i < tc->cap; i++)
            if (tc->known[i]) known_put(slots, cap, tc->known[i]);
        free(tc->known);
        tc->known = slots;
        tc->cap = cap;
    }
    known_put(tc->known, tc->cap, xstrdup(topic));
    tc->n++;
}

topic_creation_t *topic_creation_new(rd_kafka_t *rk, const worker_config_t *wc,
                                     const cd_props_t *connector_config, const char *task_name,
                                     const atomic_bool *stop, char *errstr, size_t errstr_size) {
    srclog();
    adminlog(); /* loggers exist from the start, so /admin/loggers can name them */
    topic_creation_rules_t *rules = NULL;
    bool enabled = worker_config_get_bool(wc, "topic.creation.enable");
    if (enabled && topic_creation_rules_parse(connector_config, &rules, errstr, errstr_size) != 0)
        return NULL;
    topic_creation_t *tc = xmalloc(sizeof(*tc));
    memset(tc, 0, sizeof(*tc));
    tc->rk = rk;
    tc->stop = stop;
    tc->task = xstrdup(task_name);
    const char *bs = worker_config_get(wc, "bootstrap.servers");
    tc->bootstrap = xstrdup(bs ? bs : "");
    tc->rules = rules;
    tc->worker_disabled = !enabled;
    tc->configured = topic_creation_configured(connector_config);
    tc->auto_create = -1;
    return tc;
}

void topic_creation_destroy(topic_creation_t *tc) {
    if (!tc) return;
    for (size_t i = 0; i < tc->cap; i++) free(tc->known[i]);
    free(tc->known);
    topic_creation_rules_destroy(tc->rules);
    free(tc->task);
    free(tc->bootstrap);
    free(tc);
}

static bool stopping(const topic_creation_t *tc) { return atomic_load(tc->stop); }

static int stopped(const topic_creation_t *tc, char *errstr, size_t errstr_size) {
    snprintf(errstr, errstr_size, "task %s is stopping", tc->task);
    return -1;
}

/* Waits for an admin result, giving up when the task stops. */
static rd_kafka_event_t *wait_event(const topic_creation_t *tc, rd_kafka_queue_t *q, int timeout_ms) {
    for (int waited = 0; waited < timeout_ms && !stopping(tc); waited += 200) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 200);
        if (ev) return ev;
    }
    return NULL;
}

/* Lists all topics, retrying until it works or the task stops. */
static int list_topics(topic_creation_t *tc, const char *topic, bool *exists, int32_t *broker,
                       bool *can_create, char *errstr, size_t errstr_size) {
    for (;;) {
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t err = rd_kafka_metadata(tc->rk, 1, NULL, &md, LIST_TIMEOUT_MS);
        if (!err) {
            *exists = kafka_metadata_has_topic(md, topic);
            *broker = md->orig_broker_id >= 0 ? md->orig_broker_id : md->broker_cnt ? md->brokers[0].id : -1;
            *can_create = kafka_metadata_can_create_topics(tc->rk, md);
            rd_kafka_metadata_destroy(md);
            return 0;
        }
        if (stopping(tc)) return stopped(tc, errstr, errstr_size);
        log_warn(srclog(), "%s Could not list the topics of the Kafka cluster to check whether topic '%s' "
                           "exists: %s. Retrying.",
                 tc->task, topic, rd_kafka_err2str(err));
        for (int i = 0; i < 10 && !stopping(tc); i++) rd_kafka_poll(tc->rk, 100);
    }
}

/* The broker's auto.create.topics.enable, asked once per task. Brokers that cannot answer (the
 * embedded one, or a principal not allowed to describe the cluster) count as creating topics, so
 * that a task behaves as it would without this check. */
static int broker_auto_creates(topic_creation_t *tc, int32_t broker) {
    if (tc->auto_create >= 0) return tc->auto_create;
    char id[16];
    snprintf(id, sizeof(id), "%d", (int)broker);
    rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_BROKER, id);
    rd_kafka_queue_t *q = rd_kafka_queue_new(tc->rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(tc->rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_AdminOptions_set_request_timeout(opts, DESCRIBE_TIMEOUT_MS, NULL, 0);
    rd_kafka_DescribeConfigs(tc->rk, &res, 1, opts, q);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_ConfigResource_destroy(res);
    rd_kafka_event_t *ev = wait_event(tc, q, DESCRIBE_TIMEOUT_MS + 5000);
    int result = 1;
    const char *why = stopping(tc) ? "the task is stopping" : "no answer";
    if (ev && rd_kafka_event_error(ev)) {
        why = rd_kafka_event_error_string(ev);
    } else if (ev) {
        size_t rn = 0, cn = 0;
        const rd_kafka_ConfigResource_t **rs =
            rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &rn);
        const rd_kafka_ConfigEntry_t **ents = NULL;
        if (rn && rd_kafka_ConfigResource_error(rs[0]))
            why = rd_kafka_err2str(rd_kafka_ConfigResource_error(rs[0]));
        else if (rn)
            ents = rd_kafka_ConfigResource_configs(rs[0], &cn);
        for (size_t c = 0; c < cn; c++) {
            if (strcmp(rd_kafka_ConfigEntry_name(ents[c]), "auto.create.topics.enable") != 0) continue;
            const char *v = rd_kafka_ConfigEntry_value(ents[c]);
            result = !(v && !strcmp(v, "false"));
            why = NULL;
        }
        if (why && rn && !rd_kafka_ConfigResource_error(rs[0]))
            why = "auto.create.topics.enable is not among its settings";
    }
    if (why)
        log_debug(srclog(), "%s Could not read auto.create.topics.enable of broker %s (%s); assuming the "
                            "broker creates topics on first use",
                  tc->task, id, why);
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    if (!stopping(tc)) tc->auto_create = result;
    return result;
}

/* AbstractWorkerSourceTask.maybeCreateTopic after the topic was found missing, with
 * TopicAdmin.createOrFindTopics' outcomes and messages. */
static int create_topic(topic_creation_t *tc, const char *topic, bool can_create, char *errstr,
                        size_t errstr_size) {
    if (!can_create) {
        log_warn(adminlog(), "%s Topic '%s' does not exist and the Kafka cluster cannot create topics "
                             "(its metadata names no controller, as with the embedded broker). Going on "
                             "with the topic the broker creates on first use, with the broker's default "
                             "settings instead of those of topic.creation.*.",
                 tc->task, topic);
        known_add(tc, topic);
        return 0;
    }
    log_info(srclog(), "%s Creating topic '%s'", tc->task, topic);
    const group_t *g = find_group(tc->rules, topic);
    char *nts = new_topic_str(g, topic), *gs = group_str(g);
    log_debug(srclog(), "%s Topic '%s' matched topic creation group: %s", tc->task, topic, gs);

    char err[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, g->partitions, g->replication_factor, err,
                                                    sizeof(err));
    if (!nt) {
        snprintf(errstr, errstr_size, "Unable to create topic(s) '%s': %s", topic, err);
        free(nts);
        free(gs);
        return -1;
    }
    for (size_t i = 0; i < cd_props_count(g->configs); i++)
        rd_kafka_NewTopic_set_config(nt, cd_props_key_at(g->configs, i), cd_props_value_at(g->configs, i));
    rd_kafka_queue_t *q = rd_kafka_queue_new(tc->rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(tc->rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(opts, CREATE_TIMEOUT_MS, NULL, 0);
    rd_kafka_AdminOptions_set_operation_timeout(opts, CREATE_TIMEOUT_MS, NULL, 0);
    rd_kafka_CreateTopics(tc->rk, &nt, 1, opts, q);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_event_t *ev = wait_event(tc, q, CREATE_TIMEOUT_MS + 5000);

    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__TIMED_OUT;
    const char *msg = NULL;
    if (ev && rd_kafka_event_error(ev)) {
        e = rd_kafka_event_error(ev);
        msg = rd_kafka_event_error_string(ev);
    } else if (ev) {
        size_t rn = 0;
        const rd_kafka_topic_result_t **res =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &rn);
        e = rn ? rd_kafka_topic_result_error(res[0]) : RD_KAFKA_RESP_ERR__FAIL;
        msg = rn ? rd_kafka_topic_result_error_string(res[0]) : "no result";
    }
    if (!msg) msg = rd_kafka_err2str(e);

    int rc = -1;
    if (!ev && stopping(tc)) {
        stopped(tc, errstr, errstr_size);
    } else if (!e) {
        log_info(adminlog(), "Created topic %s on brokers at %s", nts, tc->bootstrap);
        log_info(srclog(), "%s Created topic '%s' using creation group %s", tc->task, nts, gs);
        known_add(tc, topic);
        rc = 0;
    } else if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        log_debug(adminlog(), "Found existing topic '%s' on the brokers at %s", topic, tc->bootstrap);
        log_info(srclog(), "%s Found existing topic '%s'", tc->task, nts);
        known_add(tc, topic);
        rc = 0;
    } else if (e == RD_KAFKA_RESP_ERR_INVALID_CONFIG || e == RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR ||
               e == RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION) {
        /* Kafka's InvalidConfigurationException and its subclasses */
        snprintf(errstr, errstr_size, "Unable to create topic(s) '%s': %s", topic, msg);
    } else if (e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
               e == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED ||
               e == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION || e == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE) {
        log_debug(adminlog(), "Unable to create topic(s) '%s' upon the brokers at %s: %s", topic,
                  tc->bootstrap, msg);
        log_warn(srclog(), "%s Request to create new topic '%s' failed", tc->task, topic);
        snprintf(errstr, errstr_size,
                 "Task failed to create new topic %s. Ensure that the task is authorized to create "
                 "topics or that the topic exists and restart the task",
                 nts);
    } else if (e == RD_KAFKA_RESP_ERR__TIMED_OUT || e == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT) {
        snprintf(errstr, errstr_size,
                 "Timed out while checking for or creating topic(s) '%s'. This could indicate a "
                 "connectivity issue, unavailable topic partitions, or if this is your first use of the "
                 "topic it may have taken too long to create.",
                 topic);
    } else {
        snprintf(errstr, errstr_size, "Error while attempting to create/find topic(s) '%s': %s (%s)", topic,
                 msg, rd_kafka_err2name(e));
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    free(nts);
    free(gs);
    return rc;
}

/* The topic does not exist and nothing will create it: say which topic and what to set. */
static void missing_topic(const topic_creation_t *tc, const char *topic, int32_t broker, char *errstr,
                          size_t errstr_size) {
    const char *todo;
    if (!tc->worker_disabled)
        todo = "Set topic.creation.default.replication.factor and topic.creation.default.partitions in "
               "the connector config so that the connector creates its topics (and topic.creation.groups "
               "for topics that need other settings), or create the topic, or set "
               "auto.create.topics.enable=true on the brokers.";
    else if (tc->configured)
        todo = "The connector's topic.creation.* settings are not used because this worker has "
               "topic.creation.enable=false: set topic.creation.enable=true in the worker config, or "
               "create the topic, or set auto.create.topics.enable=true on the brokers.";
    else
        todo = "Create the topic, or set auto.create.topics.enable=true on the brokers, or let the "
               "connector create its topics: topic.creation.enable=true in the worker config, and "
               "topic.creation.default.replication.factor and topic.creation.default.partitions in the "
               "connector config.";
    snprintf(errstr, errstr_size,
             "Topic '%s' does not exist, and the Kafka cluster does not create topics on first use "
             "(auto.create.topics.enable=false on broker %d). %s",
             topic, (int)broker, todo);
}

/* Asks for the topic's metadata, which has the broker create it, until its partitions have
 * leaders, as Java's producer blocks its first send to a topic until its metadata is known. A
 * record produced before that waits in librdkafka's queue of unassigned records and is numbered
 * for its partition only when it is moved there, after a record produced once the metadata came:
 * two records of one partition could then reach Kafka out of order. Gives up waiting (the
 * producer then retries on its own) after AUTO_CREATE_WAIT_MS; -1 only when the task stops. */
#define AUTO_CREATE_WAIT_MS 30000
static int await_auto_created(topic_creation_t *tc, const char *topic) {
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(tc->rk, topic, NULL);
    if (!rkt) return 0;
    for (int waited = 0; waited < AUTO_CREATE_WAIT_MS; waited += 100) {
        const struct rd_kafka_metadata *md = NULL;
        bool ready = false;
        if (!rd_kafka_metadata(tc->rk, 0, rkt, &md, LIST_TIMEOUT_MS) && md) {
            ready = md->topic_cnt == 1 && !md->topics[0].err && md->topics[0].partition_cnt > 0;
            for (int p = 0; ready && p < md->topics[0].partition_cnt; p++)
                ready = md->topics[0].partitions[p].leader >= 0 && !md->topics[0].partitions[p].err;
        }
        if (md) rd_kafka_metadata_destroy(md);
        if (ready) break;
        if (stopping(tc)) {
            rd_kafka_topic_destroy(rkt);
            return -1;
        }
        rd_kafka_poll(tc->rk, 100);
    }
    rd_kafka_topic_destroy(rkt);
    return 0;
}

/* The first record to a topic: Kafka Connect's maybeCreateTopic, and without topic creation, the
 * check that the broker will create the topic. */
static int check_topic(topic_creation_t *tc, const char *topic, char *errstr, size_t errstr_size) {
    if (tc->rules)
        log_info(srclog(), "%s The task will send records to topic '%s' for the first time. Checking "
                           "whether topic exists",
                 tc->task, topic);
    bool exists = false, can_create = false;
    int32_t broker = -1;
    if (list_topics(tc, topic, &exists, &broker, &can_create, errstr, errstr_size) != 0) return -1;
    if (exists) {
        if (tc->rules) log_info(srclog(), "%s Topic '%s' already exists.", tc->task, topic);
        known_add(tc, topic);
        return 0;
    }
    if (tc->rules) return create_topic(tc, topic, can_create, errstr, errstr_size);
    if (broker_auto_creates(tc, broker)) {
        if (stopping(tc)) return stopped(tc, errstr, errstr_size);
        log_debug(srclog(), "%s Topic '%s' does not exist yet; the broker creates it on first use",
                  tc->task, topic);
        if (await_auto_created(tc, topic) != 0) return stopped(tc, errstr, errstr_size);
        known_add(tc, topic);
        return 0;
    }
    missing_topic(tc, topic, broker, errstr, errstr_size);
    return -1;
}

int topic_creation_ensure(topic_creation_t *tc, const char *topic, char *errstr, size_t errstr_size) {
    if (known_has(tc, topic)) return 0;
    return check_topic(tc, topic, errstr, errstr_size);
}
