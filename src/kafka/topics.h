/* topics.h - the worker's internal topics: find them, create the missing ones, check them.
 * Existence is decided from a full metadata request (all topics), which creates nothing even on
 * brokers that auto-create a topic whenever its name is asked for. Brokers that cannot create or
 * describe topics (librdkafka's mock cluster among them) get a warning, and the worker goes on
 * with auto-created topics. */
#ifndef CONNECTD_KAFKA_TOPICS_H
#define CONNECTD_KAFKA_TOPICS_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>

#include "worker_config.h"

typedef struct {
    const char *topic;
    const char *worker_key;   /* e.g. "config.storage.topic", for messages */
    const char *prefix;       /* e.g. "config.storage.", for extra topic settings */
    int partitions;           /* -1: the broker's default */
    int replication_factor;   /* -1: the broker's default */
    bool single_partition;    /* the config topic must have exactly one partition */
    bool existed;             /* out: found by kafka_topics_ensure */
} kafka_topic_spec_t;

/* Creates the missing topics (compacted, with the spec's partitions and replication factor and
 * the worker's `<prefix><topic-config>` settings). Every step waits at most timeout_ms; a
 * replication factor the cluster cannot meet yet is retried until then (brokers may still be
 * registering), as Kafka Connect does. Returns 0, or -1 with errstr (naming the topic and the
 * worker property) when the broker refuses (other than being unable to create topics at all)
 * or an existing topic breaks a rule Kafka Connect enforces. */
int kafka_topics_ensure(rd_kafka_t *rk, const worker_config_t *wc, kafka_topic_spec_t *specs,
                        size_t n, int timeout_ms, char *errstr, size_t errstr_size);

/* The cleanup.policy check of the topics that existed before start-up (specs[i].existed). The
 * request goes to a broker the metadata named rather than to the controller, so both a real
 * Kafka and librdkafka's mock (which names no controller and cannot describe configs) answer at
 * once, and start-up waits for the answer before anything runs on the topics. Waits up to
 * timeout_ms + 5 s. Returns 0 when fine (or not checkable, with a warning logged, or without an
 * answer in time), -1 when a topic is not compacted (errstr says which and what to do). */
int kafka_topics_check_compacted(rd_kafka_t *rk, const kafka_topic_spec_t *specs, size_t n,
                                 int timeout_ms, char *errstr, size_t errstr_size);

/* Kafka Connect's reading of a cleanup.policy value (comma-separated, trimmed, case-insensitive,
 * a set). Returns 1 when it is exactly compact, 0 when it is anything else, -1 when it is empty
 * (not checkable). normalized gets the policies, comma-joined, for messages. */
int kafka_topics_policy_compact_only(const char *value, char *normalized, size_t size);
/* Kafka Connect's message for an internal topic that is not compacted only. */
void kafka_topics_policy_error(const char *topic, const char *worker_key, const char *policy,
                               char *errstr, size_t errstr_size);

#endif
