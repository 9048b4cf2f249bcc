/* client_overrides.h - the worker's connector.client.config.override.policy applied to a
 * connector config's producer.override.*, consumer.override.* and admin.override.* keys, as Kafka
 * 4.1's AbstractHerder.validateClientOverrides and its None / Principal / All policies do, and Kafka
 * 4.2's Allowlist (KIP-1188). */
#ifndef CONNECTD_CLIENT_OVERRIDES_H
#define CONNECTD_CLIENT_OVERRIDES_H

#include "connectd/config_def.h"
#include "connectd/plugin.h"
#include "connectd/props.h"

/* Adds the policy's message to every override key it does not allow, for the clients the
 * connector uses (sources: producer, and admin with topic.creation.*; sinks: consumer, and
 * producer and admin with a dead letter queue topic). policy is the worker's value: an alias
 * (None, Principal, All, Allowlist) or a class name; anything else allows everything (the worker
 * refuses it at start-up). allowlist: the worker's connector.client.config.override.allowlist
 * (a LIST value; NULL or empty: nothing may be overridden), used by Allowlist only. */
void cd_client_overrides_validate(cd_config_result_t *r, const char *policy, const char *allowlist,
                                  cd_connector_type_t type, const cd_props_t *config);

/* The items of a LIST value as ConfigDef parses it (trimmed, split at commas with the blanks
 * around them; "" is no item). A malloc'ed array of malloc'ed strings, *n of them (NULL when 0). */
char **cd_client_overrides_list(const char *value, size_t *n);
void cd_client_overrides_list_free(char **items, size_t n);

#endif
