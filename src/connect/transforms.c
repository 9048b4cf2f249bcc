/* transforms.c - the transformation framework: the registry of the transformation and predicate
 * plugins connectd has, the per-task chain built from a connector config (Kafka's
 * ConnectorConfig.transformationStages and TransformationChain), and the keys and checks
 * connector-config validation gets for them (ConnectorConfig.enrich). */
#include "connect/transforms.h"
#include "connect/java_util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"
#include "xalloc.h"

/* ---- registry ------------------------------------------------------------------------------- */

static const cd_xf_plugin_t *const *const FAMILIES[] = {cd_xf_field_plugins, cd_xf_header_plugins,
                                                         cd_xf_debezium_plugins, cd_xf_router_plugins,
                                                         cd_xf_convert_plugins,
                                                         cd_xf_struct_plugins,
                                                         cd_xf_outbox_plugins};

static int cmp_plugin(const void *a, const void *b) {
    const cd_xf_plugin_t *x = *(const cd_xf_plugin_t *const *)a, *y = *(const cd_xf_plugin_t *const *)b;
    if (x->kind != y->kind) return x->kind == CD_XF_TRANSFORMATION ? -1 : 1;
    return strcmp(x->class_name, y->class_name);
}

/* Built once from constant tables; the order never changes afterwards. */
static const cd_xf_plugin_t **sorted;
static size_t n_sorted;
static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static void sort_plugins(void) {
    size_t n = 0;
    for (size_t f = 0; f < sizeof(FAMILIES) / sizeof(FAMILIES[0]); f++)
        for (const cd_xf_plugin_t *const *p = FAMILIES[f]; *p; p++) n++;
    sorted = xmalloc((n ? n : 1) * sizeof(*sorted));
    for (size_t f = 0; f < sizeof(FAMILIES) / sizeof(FAMILIES[0]); f++)
        for (const cd_xf_plugin_t *const *p = FAMILIES[f]; *p; p++) sorted[n_sorted++] = *p;
    qsort(sorted, n_sorted, sizeof(*sorted), cmp_plugin);
}

const cd_xf_plugin_t *const *cd_xf_plugins(size_t *n) {
    pthread_once(&sorted_once, sort_plugins);
    *n = n_sorted;
    return sorted;
}

const cd_xf_plugin_t *cd_xf_find_any(const char *name) {
    size_t n;
    const cd_xf_plugin_t *const *all = cd_xf_plugins(&n);
    for (size_t i = 0; name && i < n; i++)
        if (!strcmp(all[i]->class_name, name) || (all[i]->alias && !strcmp(all[i]->alias, name))) return all[i];
    return NULL;
}

const cd_xf_plugin_t *cd_xf_find(const char *name, cd_xf_kind_t kind) {
    const cd_xf_plugin_t *p = cd_xf_find_any(name);
    return p && p->kind == kind ? p : NULL;
}

/* ---- config helpers -------------------------------------------------------------------------- */

/* The aliases of a LIST key, each once, in order (Kafka's LinkedHashSet of the parsed list). */
static size_t unique_aliases(const cd_props_t *config, const char *key, char ***out) {
    char **items;
    size_t n = cd_xf_list(cd_props_get(config, key), &items);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++) dup = !strcmp(items[j], items[i]);
        if (!dup) items[k++] = items[i];
    }
    *out = items;
    return k;
}

/* The options of one alias: prefix stripped (Kafka's originalsWithPrefix). */
static cd_props_t *sub_config(const cd_props_t *config, const char *prefix) {
    cd_props_t *p = cd_props_new();
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < cd_props_count(config); i++) {
        const char *k = cd_props_key_at(config, i);
        if (!strncmp(k, prefix, pl) && k[pl]) cd_props_set(p, k + pl, cd_props_value_at(config, i));
    }
    return p;
}

/* ---- the chain ------------------------------------------------------------------------------- */

typedef struct {
    const cd_xf_plugin_t *plugin;
    void *self;
    char *alias;
} instance_t;

typedef struct {
    instance_t xf;
    int predicate; /* index in preds, -1: none */
    bool negate;
} stage_t;

struct cd_xf_chain {
    stage_t *stages;
    size_t n_stages;
    instance_t *preds;
    size_t n_preds;
    const char *failed_class; /* of the last failure */
};

void cd_xf_chain_destroy(cd_xf_chain_t *c) {
    if (!c) return;
    for (size_t i = 0; i < c->n_stages; i++) {
        if (c->stages[i].xf.self) c->stages[i].xf.plugin->destroy(c->stages[i].xf.self);
        free(c->stages[i].xf.alias);
    }
    for (size_t i = 0; i < c->n_preds; i++) {
        if (c->preds[i].self) c->preds[i].plugin->destroy(c->preds[i].self);
        free(c->preds[i].alias);
    }
    free(c->stages);
    free(c->preds);
    free(c);
}

/* One transformation or predicate of the config, configured. */
/* Options Kafka removed that a config may still carry (ReplaceField's whitelist and blacklist,
 * gone in Kafka 4.0): Kafka Connect 4 ignores them, so the transformation silently stops doing
 * what the config says; connectd refuses them, at validate and at start. */
static const struct {
    const char *class_prefix, *key, *instead;
} REMOVED_OPTIONS[] = {
    {"org.apache.kafka.connect.transforms.ReplaceField$", "whitelist", "include"},
    {"org.apache.kafka.connect.transforms.ReplaceField$", "blacklist", "exclude"},
};

/* The message for the first removed option of plugin p that config sets under prefix
 * ("transforms.<alias>."), into msg; false when there is none. *key_out: its full key. */
static bool removed_option(const cd_xf_plugin_t *p, const cd_props_t *config, const char *prefix, char *key_out,
                           size_t key_size, char *msg, size_t msg_size) {
    for (size_t i = 0; i < sizeof(REMOVED_OPTIONS) / sizeof(REMOVED_OPTIONS[0]); i++) {
        if (strncmp(p->class_name, REMOVED_OPTIONS[i].class_prefix, strlen(REMOVED_OPTIONS[i].class_prefix)) != 0)
            continue;
        snprintf(key_out, key_size, "%s%s", prefix, REMOVED_OPTIONS[i].key);
        if (!cd_props_has(config, key_out)) continue;
        snprintf(msg, msg_size,
                 "%s was removed in Kafka 4.0 (Kafka Connect 4 ignores it, and the transformation would not do "
                 "what it says): use %s%s instead",
                 key_out, prefix, REMOVED_OPTIONS[i].instead);
        return true;
    }
    return false;
}

static int make_instance(const cd_props_t *config, const char *list_key, const char *alias, cd_xf_kind_t kind,
                         instance_t *out, char *errstr, size_t errstr_size) {
    char key[1100], prefix[1024];
    snprintf(prefix, sizeof(prefix), "%s.%s.", list_key, alias);
    snprintf(key, sizeof(key), "%.1024stype", prefix);
    const char *raw = cd_props_get(config, key);
    if (!raw) {
        snprintf(errstr, errstr_size, "Missing required configuration \"%s\" which has no default value.", key);
        return -1;
    }
    char *cls = ju_trim(raw);
    const cd_xf_plugin_t *p = cd_xf_find(cls, kind);
    if (!p) {
        snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: Class %s could not be found.", cls,
                 key, cls);
        free(cls);
        return -1;
    }
    free(cls);
    char removed[1100];
    if (removed_option(p, config, prefix, removed, sizeof(removed), errstr, errstr_size)) return -1;
    cd_props_t *sub = sub_config(config, prefix);
    char err[1024] = "";
    out->plugin = p;
    out->alias = xstrdup(alias);
    out->self = p->create(p->opts, sub, err, sizeof(err));
    cd_props_destroy(sub);
    if (!out->self) {
        snprintf(errstr, errstr_size, "%s", err[0] ? err : "could not configure the transformation");
        return -1;
    }
    return 0;
}

int cd_xf_chain_new(const cd_props_t *config, cd_xf_chain_t **out, char *errstr, size_t errstr_size) {
    *out = NULL;
    char **xfs, **preds;
    size_t nx = unique_aliases(config, "transforms", &xfs);
    size_t np = unique_aliases(config, "predicates", &preds);
    if (!nx) {
        free(xfs);
        free(preds);
        return 0;
    }
    cd_xf_chain_t *c = calloc(1, sizeof(*c));
    if (!c) abort();
    c->stages = calloc(nx, sizeof(*c->stages));
    c->preds = calloc(np ? np : 1, sizeof(*c->preds));
    if (!c->stages || !c->preds) abort();
    int rc = 0;
    for (size_t i = 0; i < np && rc == 0; i++, c->n_preds++)
        rc = make_instance(config, "predicates", preds[i], CD_XF_PREDICATE, &c->preds[i], errstr, errstr_size);
    for (size_t i = 0; i < nx && rc == 0; i++) {
        stage_t *s = &c->stages[i];
        s->predicate = -1;
        c->n_stages++; /* destroyed with the chain from here on, whatever follows */
        rc = make_instance(config, "transforms", xfs[i], CD_XF_TRANSFORMATION, &s->xf, errstr, errstr_size);
        if (rc) break;
        char key[1024];
        snprintf(key, sizeof(key), "transforms.%s.predicate", xfs[i]);
        const char *pred = cd_props_get(config, key);
        snprintf(key, sizeof(key), "transforms.%s.negate", xfs[i]);
        const char *neg = cd_props_get(config, key);
        if (neg && !pred) {
            snprintf(errstr, errstr_size,
                     "Config 'transforms.%s.negate' was provided but there is no config "
                     "'transforms.%s.predicate' defining a predicate to be negated.",
                     xfs[i], xfs[i]);
            rc = -1;
            break;
        }
        if (pred) {
            char *pt = ju_trim(pred);
            for (size_t j = 0; j < c->n_preds && s->predicate < 0; j++)
                if (!strcmp(c->preds[j].alias, pt)) s->predicate = (int)j;
            if (s->predicate < 0) {
                /* Kafka: ConnectorConfig.transformationStages' "Invalid value ... for
                 * configuration ...: Unknown predicate alias" */
                snprintf(errstr, errstr_size,
                         "Invalid value %s for configuration transforms.%s.predicate: Unknown predicate alias "
                         "'%s'",
                         pt, xfs[i], pt);
                rc = -1;
            }
            free(pt);
            s->negate = cd_xf_bool(config, key, false);
        }
    }
    free(xfs);
    free(preds);
    if (rc) {
        cd_xf_chain_destroy(c);
        return -1;
    }
    *out = c;
    return 0;
}

int cd_xf_chain_apply(cd_xf_chain_t *c, cd_xf_record_t *rec, cd_arena_t *arena, char *errstr, size_t errstr_size) {
    for (size_t i = 0; i < c->n_stages; i++) {
        stage_t *s = &c->stages[i];
        if (s->predicate >= 0) {
            instance_t *p = &c->preds[s->predicate];
            if (p->plugin->test(p->self, rec) == s->negate) continue;
        }
        int r = s->xf.plugin->apply(s->xf.self, rec, arena, errstr, errstr_size);
        if (r < 0) c->failed_class = s->xf.plugin->class_name;
        if (r != 0) return r;
    }
    return 0;
}

const char *cd_xf_chain_failed_class(const cd_xf_chain_t *c) {
    return c->failed_class ? c->failed_class : "null";
}

/* ---- validation ------------------------------------------------------------------------------ */

typedef struct {
    const char *list_key, *kind, *group, *base_class;
    cd_xf_kind_t xf_kind;
} enrichable_t;

static const enrichable_t ENRICHABLE[] = {
    {"transforms", "transformation", "Transforms", "Transformation", CD_XF_TRANSFORMATION},
    {"predicates", "predicate", "Predicates", "Predicate", CD_XF_PREDICATE},
};

/* The keys every transformation gets (ConnectorConfig.enrich's initialConfigDef). */
static const cd_config_key_t STAGE_KEYS[] = {
    {.name = "predicate", .type = CD_CFG_STRING, .has_default = true, .default_value = NULL,
     .importance = CD_IMPORTANCE_MEDIUM,
     .documentation = "The alias of a predicate used to determine whether to apply this transformation.",
     .order = -1, .width = CD_WIDTH_NONE, .display_name = "predicate"},
    {.name = "negate", .type = CD_CFG_BOOLEAN, .has_default = true, .default_value = "false",
     .importance = CD_IMPORTANCE_MEDIUM, .documentation = "Whether the configured predicate should be negated.",
     .order = -1, .width = CD_WIDTH_NONE, .display_name = "negate"},
};

/* ConfigDef.sortedConfigs, which embed() follows: keys in no group first, then by the order their
 * groups were first defined (Debezium's EventRouter has groups), then by order in group (Kafka's
 * keys have -1, Debezium's Field.group gives 1 or the position in the group), then required keys
 * first, then by importance (HIGH first), then by name. */
typedef struct {
    cd_config_key_t key;
    int group_rank; /* -1: no group */
} ranked_key_t;

static int cmp_key_name(const void *a, const void *b) {
    const ranked_key_t *rx = a, *ry = b;
    const cd_config_key_t *x = &rx->key, *y = &ry->key;
    if (rx->group_rank != ry->group_rank) return rx->group_rank < ry->group_rank ? -1 : 1;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    if (x->has_default != y->has_default) return x->has_default ? 1 : -1;
    if (x->importance != y->importance) return x->importance < y->importance ? -1 : 1;
    return strcmp(x->name, y->name);
}

static char *own(char ***owned, size_t *n_owned, char *s) {
    *owned = xrealloc(*owned, (*n_owned + 1) * sizeof(**owned));
    (*owned)[(*n_owned)++] = s;
    return s;
}

void cd_xf_enrich(const cd_props_t *config, cd_config_key_t **keys, size_t *n, char ***owned, size_t *n_owned) {
    for (size_t e = 0; e < sizeof(ENRICHABLE) / sizeof(ENRICHABLE[0]); e++) {
        const enrichable_t *en = &ENRICHABLE[e];
        char **aliases;
        size_t na = unique_aliases(config, en->list_key, &aliases);
        for (size_t i = 0; i < na; i++) {
            const char *a = aliases[i];
            char *group = own(owned, n_owned, xasprintf("%s: %s", en->group, a));
            char *type_key = xasprintf("%s.%s.type", en->list_key, a);
            const char *raw = cd_props_get(config, type_key);
            char *cls = raw ? ju_trim(raw) : NULL;
            const cd_xf_plugin_t *p = cls ? cd_xf_find(cls, en->xf_kind) : NULL;
            free(cls);
            *keys = xrealloc(*keys, (*n + 2) * sizeof(**keys));
            (*keys)[(*n)++] = (cd_config_key_t){
                .name = own(owned, n_owned, type_key), .type = CD_CFG_CLASS, .has_default = false,
                .importance = CD_IMPORTANCE_HIGH,
                .documentation = own(owned, n_owned, xasprintf("Class for the '%s' %s.", a, en->kind)),
                .group = group, .order = 0, .width = CD_WIDTH_LONG,
                .display_name = own(owned, n_owned, xasprintf("%s type for %s", en->base_class, a))};
            /* The version defaults to that of the class when it can be loaded (KIP-891). */
            (*keys)[(*n)++] = (cd_config_key_t){
                .name = own(owned, n_owned, xasprintf("%s.%s.plugin.version", en->list_key, a)),
                .type = CD_CFG_STRING, .has_default = true, .default_value = p ? p->version : NULL,
                .importance = CD_IMPORTANCE_HIGH,
                .documentation = own(owned, n_owned, xasprintf("Version of the '%s' %s.", a, en->kind)),
                .group = group, .order = 1, .width = CD_WIDTH_LONG,
                .display_name = own(owned, n_owned, xasprintf("%s version for %s", en->base_class, a))};
            if (!p) continue;
            /* ConfigDef.embed: the plugin's keys (with predicate and negate for a
             * transformation, which mask the plugin's own of those names) by name, prefixed. */
            size_t extra = p->config_def.n_keys + (en->xf_kind == CD_XF_TRANSFORMATION ? 2 : 0);
            ranked_key_t *sub = xmalloc((extra ? extra : 1) * sizeof(*sub));
            size_t ns = 0;
            if (en->xf_kind == CD_XF_TRANSFORMATION)
                for (size_t k = 0; k < 2; k++) sub[ns++] = (ranked_key_t){STAGE_KEYS[k], -1};
            for (size_t k = 0; k < p->config_def.n_keys; k++) {
                const cd_config_key_t *ck = &p->config_def.keys[k];
                if (en->xf_kind == CD_XF_TRANSFORMATION &&
                    (!strcmp(ck->name, "predicate") || !strcmp(ck->name, "negate")))
                    continue;
                int rank = -1; /* the position of its group among the plugin's groups */
                if (ck->group) {
                    rank = 0;
                    for (size_t g = 0; g < k; g++) {
                        const char *pg = p->config_def.keys[g].group;
                        if (!pg || !strcmp(pg, ck->group)) continue;
                        bool first = true; /* count each earlier group once */
                        for (size_t h = 0; h < g && first; h++)
                            first = !p->config_def.keys[h].group || strcmp(p->config_def.keys[h].group, pg);
                        rank += first;
                    }
                }
                sub[ns++] = (ranked_key_t){*ck, rank};
            }
            qsort(sub, ns, sizeof(*sub), cmp_key_name);
            *keys = xrealloc(*keys, (*n + ns) * sizeof(**keys));
            for (size_t k = 0; k < ns; k++) {
                cd_config_key_t ck = sub[k].key;
                ck.validator_name = ck.name;
                ck.name = own(owned, n_owned, xasprintf("%s.%s.%s", en->list_key, a, sub[k].key.name));
                /* embed: the plugin's group after the alias's ("Transforms: a: Table") */
                ck.group = sub[k].key.group ? own(owned, n_owned, xasprintf("%s: %s", group, sub[k].key.group)) : group;
                ck.order = (int)k + 2;
                (*keys)[(*n)++] = ck;
            }
            free(sub);
        }
        free(aliases);
    }
}

/* Kafka's and Debezium's classes connectd does not have yet: the message says what to do. */
static bool theirs(const char *cls) {
    return !strncmp(cls, "org.apache.kafka.connect.transforms.", 36) || !strncmp(cls, "io.debezium.", 12);
}

void cd_xf_validate(cd_config_result_t *r, const cd_props_t *config) {
    size_t n_all;
    const cd_xf_plugin_t *const *all = cd_xf_plugins(&n_all);
    for (size_t e = 0; e < sizeof(ENRICHABLE) / sizeof(ENRICHABLE[0]); e++) {
        const enrichable_t *en = &ENRICHABLE[e];
        /* ClassRecommender: every plugin of the kind, by class name. */
        const char **rec = xmalloc((n_all ? n_all : 1) * sizeof(*rec));
        size_t n_rec = 0;
        for (size_t i = 0; i < n_all; i++)
            if (all[i]->kind == en->xf_kind) rec[n_rec++] = all[i]->class_name;
        char **aliases;
        size_t na = unique_aliases(config, en->list_key, &aliases);
        for (size_t i = 0; i < na; i++) {
            char *key = xasprintf("%s.%s.type", en->list_key, aliases[i]);
            char *vkey = xasprintf("%s.%s.plugin.version", en->list_key, aliases[i]);
            const char *raw = cd_props_get(config, key);
            cd_config_result_set_recommended(r, key, rec, n_rec);
            if (raw && cd_config_result_key_error_count(r, key) == 0) {
                char *cls = ju_trim(raw);
                const cd_xf_plugin_t *p = cd_xf_find(cls, en->xf_kind);
                const cd_xf_plugin_t *other = p ? NULL : cd_xf_find_any(cls);
                if (other) { /* Utils.ensureConcreteSubclass */
                    cd_config_result_add_error(r, key, "Class class %s does not implement the %s interface",
                                               other->class_name, en->base_class);
                    cd_config_result_set_value(r, key, other->class_name);
                } else if (!p) {
                    cd_config_result_add_error(
                        r, key, "Invalid value %s for configuration %s: Class %s could not be found.%s", cls, key,
                        cls,
                        theirs(cls) ? " connectd does not implement this class yet (README, \"Transforms\", "
                                      "lists the ones it has): remove it from the config to run the connector "
                                      "without it"
                                    : "");
                    cd_config_result_set_value(r, key, NULL);
                } else {
                    cd_config_result_set_value(r, key, p->class_name); /* the parsed Class's name */
                    static const char *const version[] = {CONNECTD_KAFKA_CONNECT_VERSION};
                    const char *v = p->version;
                    cd_config_result_set_recommended(r, vkey, v ? &v : version, 1);
                    char prefix[1024], removed[1100], msg[1400];
                    snprintf(prefix, sizeof(prefix), "%s.%s.", en->list_key, aliases[i]);
                    if (removed_option(p, config, prefix, removed, sizeof(removed), msg, sizeof(msg)))
                        cd_config_result_add_error(r, removed, "%s", msg);
                    /* the type's validator runs validateProps: negate needs a predicate */
                    if (en->xf_kind == CD_XF_TRANSFORMATION) {
                        char *neg = xasprintf("transforms.%s.negate", aliases[i]);
                        char *pred = xasprintf("transforms.%s.predicate", aliases[i]);
                        if (cd_props_has(config, neg) && !cd_props_has(config, pred))
                            cd_config_result_add_error(r, key,
                                                       "Config '%s' was provided but there is no config '%s' "
                                                       "defining a predicate to be negated.",
                                                       neg, pred);
                        free(neg);
                        free(pred);
                    }
                }
                free(cls);
            }
            free(key);
            free(vkey);
        }
        free(aliases);
        free(rec);
    }
}
