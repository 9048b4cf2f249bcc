/* client_overrides.h - the worker's connector.client.config.override.policy applied to a
 * connector config's producer.override.*, consumer.override.* and admin.override.* keys, as Kafka
 * 4.1's AbstractHerder.validateClientOverrides and its None / Principal / All policies do. */
#ifndef CONNECTD_CLIENT_OVERRIDES_H
#define CONNECTD_CLIENT_OVERRIDES_H

#include "connectd/config_def.h"
#include "connectd/plugin.h"
#include "connectd/props.h"

/* Adds the policy's message to every override key it does not allow, for the clients the
 * connector uses (sources: producer, and admin with topic.creation.*; sinks: consumer, and
 * producer and admin with a dead letter queue topic). policy is the worker's value: an alias
 * (None, Principal, All) or a class name; anything else allows everything (the worker refuses it
 * at start-up). */
void cd_client_overrides_validate(cd_config_result_t *r, const char *policy, cd_connector_type_t type,
                                  const cd_props_t *config);

#endif
