/* topic_creation.h - source connectors' topic creation as Kafka Connect does it (KIP-158): the
 * rules of a connector's topic.creation.* settings (groups, their topics and settings), and a
 * task's check, before its first record to a topic, that the topic exists, or its creation. */
#ifndef CONNECTD_KAFKA_TOPIC_CREATION_H
#define CONNECTD_KAFKA_TOPIC_CREATION_H

#include <librdkafka/rdkafka.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "connectd/props.h"
#include "worker_config.h"

/* ---- the rules (SourceConnectorConfig, TopicCreationConfig, TopicCreationGroup) ------------- */

typedef struct topic_creation_rules topic_creation_rules_t;

/* True when a connector config has a topic.creation.* key: only then does Kafka Connect read
 * (and check) the topic creation settings. */
bool topic_creation_configured(const cd_props_t *connector_config);

/* Parses a source connector's topic.creation.* settings as Kafka Connect does when it starts the
 * connector (create-time validation does not look at them). Returns 0 with *out NULL when the
 * config has no topic.creation.* key, 0 with *out new rules (the caller destroys them), or -1 with
 * errstr set to the message of Kafka Connect's ConfigException, e.g.
 *   Missing required configuration "topic.creation.default.replication.factor" which has no default value. */
int topic_creation_rules_parse(const cd_props_t *connector_config, topic_creation_rules_t **out,
                               char *errstr, size_t errstr_size);
void topic_creation_rules_destroy(topic_creation_rules_t *r);

/* The name of the group whose settings a new topic gets: the first group of topic.creation.groups
 * whose include list matches the whole name and whose exclude list does not, else "default".
 * Owned by the rules. */
const char *topic_creation_rules_group(const topic_creation_rules_t *r, const char *topic);

/* The topic the rules create, as Kafka's NewTopic prints it:
 *   (name=t, numPartitions=3, replicationFactor=1, replicasAssignments=null, configs={k=v})
 * malloc'ed; the caller frees. */
char *topic_creation_rules_new_topic(const topic_creation_rules_t *r, const char *topic);

/* ---- a task's side -------------------------------------------------------------------------- */

typedef struct topic_creation topic_creation_t;

/* For one source task. rk is the task's producer: its connections serve the metadata, CreateTopics
 * and DescribeConfigs requests. stop is the task's stop flag: waits end when it is set. Returns
 * NULL with errstr when the connector's topic.creation.* settings do not parse. */
topic_creation_t *topic_creation_new(rd_kafka_t *rk, const worker_config_t *wc,
                                     const cd_props_t *connector_config, const char *task_name,
                                     const atomic_bool *stop, char *errstr, size_t errstr_size);

/* Called before each record: the first time a topic is seen, checks with a metadata request for
 * all topics (one naming the topic would create it on brokers that auto-create topics) whether it
 * exists, and if not, creates it with the settings of its group, when the connector has
 * topic.creation.* settings and the worker has topic.creation.enable=true. Without them, a missing
 * topic is left to the broker's automatic creation, unless the broker says it has none
 * (auto.create.topics.enable=false). Later calls for the topic return at once. Returns 0, or -1
 * with errstr when the topic does not exist and cannot be created (the task fails with it). */
int topic_creation_ensure(topic_creation_t *tc, const char *topic, char *errstr, size_t errstr_size);

void topic_creation_destroy(topic_creation_t *tc);

#endif
