/* client.h - librdkafka client configuration from the worker's properties.
 * As in Kafka Connect, the worker's top-level client settings (bootstrap.servers,
 * security.protocol, sasl.*, ssl.*) apply to every client, and `producer.`, `consumer.` and
 * `admin.` prefixed keys apply to that kind of client only. Java-only names that have a librdkafka
 * equivalent are translated; the rest are reported once and left out. */
#ifndef CONNECTD_KAFKA_CLIENT_H
#define CONNECTD_KAFKA_CLIENT_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "worker_config.h"

typedef enum { KAFKA_ROLE_PRODUCER, KAFKA_ROLE_CONSUMER, KAFKA_ROLE_ADMIN } kafka_role_t;

/* Builds a configuration for one client. client_id may be NULL. Returns a new conf (the caller
 * hands it to rd_kafka_new or destroys it), or NULL with errstr naming the key, its origin and
 * librdkafka's reason. */
rd_kafka_conf_t *kafka_client_conf(const worker_config_t *wc, kafka_role_t role,
                                   const char *client_id, char *errstr, size_t errstr_size);

/* The librdkafka name of a Java client setting (max.request.size: message.max.bytes,
 * buffer.memory: queue.buffering.max.kbytes, its value converted), the name itself when librdkafka
 * knows it so, or NULL when it has no meaning for librdkafka (serializer classes, ...) or connectd
 * handles it itself. */
const char *kafka_client_setting_name(const char *java_name);
/* The value for librdkafka of a Java client setting's value: *value unchanged, or converted into
 * buf (buffer.memory's bytes as KiB). -1 when the value cannot be converted. */
int kafka_client_setting_value(const char *java_name, const char **value, char *buf, size_t size);

/* Whether the worker's <role>.* settings set the librdkafka setting rdkafka_name (under its own
 * name, its Java name or librdkafka's alias of it: linger.ms and queue.buffering.max.ms are one
 * property), so that a default of connectd's must not replace it. */
bool kafka_client_role_sets(const worker_config_t *wc, kafka_role_t role, const char *rdkafka_name);

/* The id of a broker the cluster's metadata names, or -1 when none answered within timeout_ms.
 * Admin requests that any broker can answer go there with rd_kafka_AdminOptions_set_broker:
 * librdkafka otherwise sends them to the controller, which librdkafka's mock cluster does not
 * name, so they wait there for their whole timeout instead of failing at once. */

/* Whether metadata (all topics) lists the topic (one the cluster knows, not an error entry). */
bool kafka_metadata_has_topic(const rd_kafka_metadata_t *md, const char *topic);
/* Whether the cluster can create topics: its metadata names a controller among its brokers.
 * librdkafka's mock cluster (the embedded broker) names none; it creates a topic on first use. */
bool kafka_metadata_can_create_topics(rd_kafka_t *rk, const rd_kafka_metadata_t *md);

int32_t kafka_client_any_broker(rd_kafka_t *rk, int timeout_ms);

/* Sends librdkafka's log lines to the "org.apache.kafka.clients.librdkafka" logger. */
void kafka_conf_route_logs(rd_kafka_conf_t *conf);

/* Parses the username and password out of a Java sasl.jaas.config value such as
 *   org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";
 * Returns 0 and fills both (malloc'ed, caller frees), or -1 if either is missing. */
int kafka_jaas_credentials(const char *jaas, char **username, char **password);

#endif
