/* connector_config.h - validating a connector config the way Kafka Connect does (ConfigDef plus
 * the framework's ConnectorConfig / SourceConnectorConfig / SinkConnectorConfig keys), and the
 * JSON the REST API returns for it: ConfigInfos (validate) and ConfigKeyInfo lists (plugin config).
 * config_def.c implements the generic part, connector_config.c the connector-specific part. */
#ifndef CONNECTD_CONNECTOR_CONFIG_H
#define CONNECTD_CONNECTOR_CONFIG_H

#include <json-c/json.h>
#include <stddef.h>

#include "connectd/config_def.h"
#include "connectd/plugin.h"
#include "connectd/props.h"

/* ---- Generic validation (config_def.c) -------------------------------------------------- */

/* Validates config against the union of defs: a key name defined twice keeps its first
 * definition; keys come in definition order (defs[0]'s keys, then defs[1]'s new ones, ...).
 * Every defined key gets a value (the submitted one, else the default) and Kafka's ConfigDef
 * error messages; a key submitted with a NULL value also gets "Null value can not be supplied as
 * the configuration value." (added last, as Kafka Connect's AbstractHerder does). Keys nobody
 * defines are ignored unless they are null. Never returns NULL; the caller destroys the result.
 * The result copies each definition but not its strings: the definitions (static in practice)
 * must outlive it. */
cd_config_result_t *cd_config_validate(const cd_config_def_t *const *defs, size_t n_defs,
                                       const cd_props_t *config);

/* cd_config_validate without the null-value pass, for callers that add checks of their own
 * before it (connector_config.c does, to keep Kafka's order of messages). */
cd_config_result_t *cd_config_validate_keys(const cd_config_def_t *const *defs, size_t n_defs,
                                            const cd_props_t *config);
/* The null-value pass: the message above for every key of config whose value is NULL. */
void cd_config_result_add_null_errors(cd_config_result_t *r, const cd_props_t *config);

void cd_config_result_destroy(cd_config_result_t *r);

/* Takes ownership of s (the strings of a definition made for this validation, which must live as
 * long as the result) and returns it. */
const char *cd_config_result_adopt(cd_config_result_t *r, char *s);
/* ConfigValue's recommendedValues (copied), visible flag and value of a key; set_value and
 * clear_errors do nothing for a key without an entry. */
void cd_config_result_set_recommended(cd_config_result_t *r, const char *key, const char *const *values,
                                      size_t n);
void cd_config_result_set_visible(cd_config_result_t *r, const char *key, bool visible);
void cd_config_result_set_value(cd_config_result_t *r, const char *key, const char *value);
void cd_config_result_clear_errors(cd_config_result_t *r, const char *key);

/* Total number of error messages over all keys. */
size_t cd_config_result_error_count(const cd_config_result_t *r);
/* The messages of one key: how many, and the i-th (owned by the result). 0 / NULL when the key
 * has no entry. */
size_t cd_config_result_key_error_count(const cd_config_result_t *r, const char *key);
const char *cd_config_result_key_error(const cd_config_result_t *r, const char *key, size_t i);

/* A key's value after parsing, in Kafka's string form ("1" for " 1 ", "a,b" for "a , b",
 * "true" for "TRUE"), the default when the key was not submitted; NULL when the value is null,
 * did not parse, or the key has no entry. Passwords are returned in clear (only the JSON hides
 * them). Owned by the result. */
const char *cd_config_result_value(const cd_config_result_t *r, const char *key);

/* The message of POST /connectors' 400 answer (spec §2.3): "Connector configuration is invalid
 * and contains the following N error(s):\n<msg>\n...\nYou can also find ...". Messages come in
 * the order of cd_config_result_to_json's configs. malloc'ed; the caller frees. */
char *cd_config_result_error_message(const cd_config_result_t *r);

/* The ConfigInfos object of PUT /connector-plugins/{p}/config/validate (spec §2.26): name =
 * connector_class, error_count, groups, configs (entries without a definition first, as Kafka
 * lists them, then every defined key in definition order). A new object; the caller puts it. */
json_object *cd_config_result_to_json(const cd_config_result_t *r, const char *connector_class);

/* The array of ConfigKeyInfo for the union of defs (same rule as cd_config_validate). */
json_object *cd_config_def_to_json(const cd_config_def_t *const *defs, size_t n_defs);

/* ---- Kafka Connect's connector keys (connector_config.c) -------------------------------- */

/* The framework's keys every connector of the type accepts: ConnectorConfig plus
 * SourceConnectorConfig's or SinkConnectorConfig's. Static. */
const cd_config_def_t *cd_connector_base_def(cd_connector_type_t type);

/* Validates a connector config as PUT .../config/validate and POST /connectors do: the base keys
 * first, then the plugin's own new keys (a key the plugin redefines keeps the base key's place
 * but uses the plugin's definition, as Kafka's AbstractHerder merges them); then the framework's
 * own cross-key rules (sinks: topics / topics.regex), the null-value pass, and last the plugin's
 * validate hook. The caller destroys the result. */
cd_config_result_t *cd_connector_config_validate(const cd_connector_plugin_t *plugin,
                                                 const cd_props_t *config);

/* The worker's converters (worker config; the *_version ones may be NULL), which Kafka 4.1 shows
 * as the converters' defaults when it validates on a worker. */
typedef struct {
    const char *key_converter, *value_converter, *header_converter;
    const char *key_version, *value_version, *header_version;
} cd_worker_converters_t;

/* cd_connector_config_validate on a worker: the converters default to w's, and the converter and
 * version keys get Kafka's recommended values. w NULL: as cd_connector_config_validate. */
cd_config_result_t *cd_connector_config_validate_worker(const cd_connector_plugin_t *plugin, const cd_props_t *config,
                                                        const cd_worker_converters_t *w);

/* GET /connector-plugins/{p}/config: the plugin's own keys first, then the base keys it does not
 * define itself (spec §2.25). A new array; the caller puts it. */
json_object *cd_connector_plugin_config_json(const cd_connector_plugin_t *plugin);

#endif
