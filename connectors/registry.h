/* registry.h - the connector plugins built into connectd. */
#ifndef CONNECTD_REGISTRY_H
#define CONNECTD_REGISTRY_H

#include <stddef.h>

#include "connectd/plugin.h"

/* Every plugin, in listing order. */
const cd_connector_plugin_t *const *registry_connectors(size_t *n);

/* Finds a plugin by class name or alias (Kafka Connect's rules: the full class name, the simple
 * class name, or the simple name without its "Connector" suffix). NULL when none matches. */
const cd_connector_plugin_t *registry_find(const char *name);

/* Kafka Connect's message for a class that matches no plugin ("Failed to find any class that
 * implements Connector and which name matches <cls>, available connectors are: ..."). malloc'ed. */
char *registry_not_found_message(const char *cls);

#endif
