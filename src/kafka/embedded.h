/* embedded.h - a Kafka-protocol endpoint inside the process: librdkafka's mock cluster.
 * Used by the worker when no bootstrap.servers is configured (try-it-now mode, data in memory)
 * and by the test broker program. The mock cannot create topics through the Admin API, so the
 * owner creates them here, before any client asks for them. */
#ifndef CONNECTD_KAFKA_EMBEDDED_H
#define CONNECTD_KAFKA_EMBEDDED_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stddef.h>

typedef struct kafka_embedded kafka_embedded_t;

/* Starts brokers (ids 1..brokers) listening on 127.0.0.1 on ports the mock picks. */
kafka_embedded_t *kafka_embedded_new(int brokers, char *errstr, size_t errstr_size);
void kafka_embedded_destroy(kafka_embedded_t *kb);

/* "127.0.0.1:port,..."; owned by kb. */
const char *kafka_embedded_bootstraps(const kafka_embedded_t *kb);

int kafka_embedded_create_topic(kafka_embedded_t *kb, const char *topic, int partitions,
                                char *errstr, size_t errstr_size);

/* The mock cluster itself, for fault injection by the test broker. Owned by kb. */
rd_kafka_mock_cluster_t *kafka_embedded_cluster(kafka_embedded_t *kb);

#endif
