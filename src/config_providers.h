/* config_providers.h - Kafka's config providers (KIP-297, KIP-421): the worker's
 * `config.providers` and the `${provider:path:key}` variables they resolve in connector and worker
 * configs. connectd implements the three providers Apache Kafka ships: FileConfigProvider (a key
 * of a properties file), DirectoryConfigProvider (a file's contents; Kubernetes secret volumes)
 * and EnvVarConfigProvider; any other class is refused when the worker starts.
 * As in Kafka Connect, connector configs keep their variables in the config topic and in REST
 * answers: values are resolved only for validation and when a connector or task starts. */
#ifndef CONNECTD_CONFIG_PROVIDERS_H
#define CONNECTD_CONFIG_PROVIDERS_H

#include <stdbool.h>
#include <stddef.h>

#include "connectd/props.h"
#include "worker_config.h"

typedef struct config_providers config_providers_t;

/* Builds the providers named by config.providers, each from config.providers.<name>.class and
 * its config.providers.<name>.param.* settings, as Kafka's Worker does. Returns NULL with errstr
 * for a class connectd does not implement or a bad parameter (allowed.paths, allowlist.pattern).
 * With no providers configured it still returns an object (that resolves nothing). */
config_providers_t *config_providers_new(const worker_config_t *wc, char *errstr, size_t errstr_size);
void config_providers_destroy(config_providers_t *cp);

/* Kafka's ConfigTransformer: a new props (the caller destroys it) with every
 * ${provider:[path:]key} variable replaced by what the provider gives. A variable whose provider
 * is not configured, or whose key the provider does not have, stays as it is. Returns NULL with
 * Kafka's message in errstr when a provider fails (an unreadable file, a path given to
 * EnvVarConfigProvider). cp may be NULL: a plain copy. */
cd_props_t *config_providers_transform(const config_providers_t *cp, const cd_props_t *config,
                                       char *errstr, size_t errstr_size);

/* Resolves the variables of the worker's own settings in place (Kafka's AbstractConfig does the
 * same with the worker's config.providers). Returns 0, or -1 with errstr naming the key. */
int config_providers_resolve_worker(const config_providers_t *cp, worker_config_t *wc, char *errstr,
                                    size_t errstr_size);

/* Kafka's AbstractHerder.reverseTransform: every key of task_config that the raw connector config
 * has with a variable in its value gets the raw value back, so that a task config written to the
 * config topic never holds a resolved secret. */
void config_providers_reverse(const cd_props_t *raw_connector, cd_props_t *task_config);

/* Whether value holds at least one ${provider:...} variable (Kafka's DEFAULT_PATTERN). */
bool config_providers_has_variable(const char *value);

#endif
