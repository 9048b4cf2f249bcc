/* client_overrides.c - connector.client.config.override.policy: which <client>.override.* keys
 * of a connector config the worker accepts (Kafka 4.1's ConnectorClientConfigOverridePolicy
 * implementations and AbstractHerder's choice of clients). */
#include "connect/client_overrides.h"

#include <stdbool.h>
#include <string.h>

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

static void check_prefix(cd_config_result_t *r, const char *policy_name, bool principal_only,
                         const cd_props_t *config, const char *prefix) {
    static const char *const principal[] = {"sasl.jaas.config", "sasl.mechanism", "security.protocol"};
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < cd_props_count(config); i++) {
        const char *key = cd_props_key_at(config, i);
        if (strncmp(key, prefix, plen) != 0) continue;
        const char *name = key + plen;
        bool allowed = false;
        for (size_t k = 0; principal_only && k < 3 && !allowed; k++) allowed = !strcmp(name, principal[k]);
        if (!allowed)
            cd_config_result_add_error(r, key,
                                       "The '%s' policy does not allow '%s' to be overridden in the connector "
                                       "configuration.",
                                       policy_name, name);
    }
}

void cd_client_overrides_validate(cd_config_result_t *r, const char *policy, cd_connector_type_t type,
                                  const cd_props_t *config) {
    const char *name;
    if (policy && is_policy(policy, "None"))
        name = "None";
    else if (policy && is_policy(policy, "Principal"))
        name = "Principal";
    else
        return; /* All */
    bool principal_only = name[0] == 'P';
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
    if (producer) check_prefix(r, name, principal_only, config, "producer.override.");
    if (consumer) check_prefix(r, name, principal_only, config, "consumer.override.");
    if (admin) check_prefix(r, name, principal_only, config, "admin.override.");
}
