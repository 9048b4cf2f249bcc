/* client_overrides.c - connector.client.config.override.policy: which <client>.override.* keys
 * of a connector config the worker accepts (Kafka 4.1's ConnectorClientConfigOverridePolicy
 * implementations, Kafka 4.2's Allowlist, and AbstractHerder's choice of clients). */
#include "connect/client_overrides.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define POLICY_PKG "org.apache.kafka.connect.connector.policy."

static bool is_policy(const char *value, const char *alias) {
    size_t n = strlen(alias);
    if (!strcmp(value, alias)) return true;
    if (!strncmp(value, POLICY_PKG, strlen(POLICY_PKG))) value += strlen(POLICY_PKG);
    return !strncmp(value, alias, n) && !strcmp(value + n, "ConnectorClientConfigOverridePolicy");
}

static bool blank(const char *s) {
    if (!s) return true;
    for (; *s; s++)
        if ((unsigned char)*s > ' ') return false;
    return true;
}

static bool java_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

char **cd_client_overrides_list(const char *value, size_t *n) {
    *n = 0;
    if (!value) return NULL;
    const char *b = value, *e = value + strlen(value);
    while (b < e && (unsigned char)*b <= ' ') b++;
    while (e > b && (unsigned char)e[-1] <= ' ') e--;
    if (b == e) return NULL;
    char **items = NULL;
    for (const char *it = b;;) {
        const char *comma = memchr(it, ',', (size_t)(e - it));
        const char *end = comma ? comma : e, *s = it;
        while (s < end && java_space(*s)) s++;
        while (end > s && java_space(end[-1])) end--;
        items = xrealloc(items, (*n + 1) * sizeof(*items));
        items[(*n)++] = xasprintf("%.*s", (int)(end - s), s);
        if (!comma) break;
        it = comma + 1;
    }
    return items;
}

void cd_client_overrides_list_free(char **items, size_t n) {
    for (size_t i = 0; i < n; i++) free(items[i]);
    free(items);
}

/* What a policy lets a connector override: nothing (None), the principal's keys (Principal), or
 * the worker's allowlist (Allowlist). */
typedef struct {
    const char *name;
    const char *const *allowed;
    size_t n_allowed;
} policy_t;

static void check_prefix(cd_config_result_t *r, const policy_t *p, const cd_props_t *config, const char *prefix) {
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < cd_props_count(config); i++) {
        const char *key = cd_props_key_at(config, i);
        if (strncmp(key, prefix, plen) != 0) continue;
        const char *name = key + plen;
        bool allowed = false;
        for (size_t k = 0; k < p->n_allowed && !allowed; k++) allowed = !strcmp(name, p->allowed[k]);
        if (!allowed)
            cd_config_result_add_error(r, key,
                                       "The '%s' policy does not allow '%s' to be overridden in the connector "
                                       "configuration.",
                                       p->name, name);
    }
}

void cd_client_overrides_validate(cd_config_result_t *r, const char *policy, const char *allowlist,
                                  cd_connector_type_t type, const cd_props_t *config) {
    static const char *const principal[] = {"sasl.jaas.config", "sasl.mechanism", "security.protocol"};
    policy_t p = {0};
    char **list = NULL;
    size_t n_list = 0;
    if (policy && is_policy(policy, "None")) {
        p.name = "None";
    } else if (policy && is_policy(policy, "Principal")) {
        p = (policy_t){"Principal", principal, 3};
    } else if (policy && is_policy(policy, "Allowlist")) {
        list = cd_client_overrides_list(allowlist, &n_list);
        p = (policy_t){"Allowlist", (const char *const *)list, n_list};
    } else {
        return; /* All */
    }
    bool producer, consumer, admin;
    if (type == CD_CONNECTOR_SOURCE) {
        producer = true;
        consumer = false;
        admin = false;
        for (size_t i = 0; i < cd_props_count(config) && !admin; i++)
            admin = !strncmp(cd_props_key_at(config, i), "topic.creation.", 15);
    } else {
        /* SinkConnectorConfig.hasDlqTopicConfig */
        bool dlq = !blank(cd_props_get(config, "errors.deadletterqueue.topic.name"));
        producer = dlq;
        consumer = true;
        admin = dlq;
    }
    if (producer) check_prefix(r, &p, config, "producer.override.");
    if (consumer) check_prefix(r, &p, config, "consumer.override.");
    if (admin) check_prefix(r, &p, config, "admin.override.");
    cd_client_overrides_list_free(list, n_list);
}
