/* kafka_log.h - one internal topic as Kafka Connect's KafkaBasedLog uses it: read from the
 * beginning of every partition (no consumer group) and kept up to date by a reader thread that
 * hands each record to a callback, in order per partition; plus a producer to write records. */
#ifndef CONNECTD_STORE_KAFKA_LOG_H
#define CONNECTD_STORE_KAFKA_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "worker_config.h"

typedef struct kafka_log kafka_log_t;

/* value NULL is a tombstone. Called on the reader thread. */
typedef void (*kafka_log_record_cb)(void *opaque, int32_t partition, int64_t offset, const char *key,
                                    size_t key_len, const char *value, size_t value_len);

/* client_id names the log's clients (<group.id>-configs, ...). Writes are retried through Kafka
 * outages, in order, for delivery_timeout_ms (0: until delivered), then fail. */
kafka_log_t *kafka_log_new(const worker_config_t *wc, const char *topic, const char *client_id,
                           int delivery_timeout_ms, kafka_log_record_cb cb, void *opaque,
                           char *errstr, size_t errstr_size);

/* Reads every partition to its end, then keeps reading on a thread of its own. */
int kafka_log_start(kafka_log_t *log, int timeout_ms, char *errstr, size_t errstr_size);

typedef struct {
    const char *key;
    size_t key_len;
    const char *value; /* NULL: tombstone */
    size_t value_len;
} kafka_log_record_t;

/* Produces the records (partition from the key with murmur2, as Java's default partitioner) and
 * waits until Kafka has acknowledged all of them. Returns 0, or -1 with errstr. */
int kafka_log_write(kafka_log_t *log, const kafka_log_record_t *recs, size_t n, int timeout_ms,
                    char *errstr, size_t errstr_size);

/* The same, without waiting: the caller polls for the acknowledgement (a source task commits
 * offsets this way, so that it never stops reading while Kafka answers). */
typedef struct kafka_log_pending kafka_log_pending_t;
kafka_log_pending_t *kafka_log_write_async(kafka_log_t *log, const kafka_log_record_t *recs,
                                           size_t n, char *errstr, size_t errstr_size);
/* Waits up to wait_ms: 1 when every record is acknowledged, 0 while some are not, -1 when one
 * failed (errstr). */
int kafka_log_pending_poll(kafka_log_pending_t *p, int wait_ms, char *errstr, size_t errstr_size);
void kafka_log_pending_free(kafka_log_pending_t *p);

/* Produces the records without waiting for the acknowledgement (status updates); delivery
 * failures are logged. */
int kafka_log_send(kafka_log_t *log, const kafka_log_record_t *recs, size_t n, char *errstr,
                   size_t errstr_size);

/* Waits until everything sent is acknowledged, then reads the topic to its end. */
int kafka_log_flush(kafka_log_t *log, int timeout_ms, char *errstr, size_t errstr_size);

/* Waits until the reader has handed over every record that was in the topic when called. */
int kafka_log_read_to_end(kafka_log_t *log, int timeout_ms, char *errstr, size_t errstr_size);

void kafka_log_destroy(kafka_log_t *log);

#endif
