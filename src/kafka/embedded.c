/* embedded.c - owns the mock cluster and the client handle it needs for its bookkeeping. */
#include "kafka/embedded.h"

#include <stdio.h>
#include <stdlib.h>

#include "kafka/client.h"

struct kafka_embedded {
    rd_kafka_t *rk; /* required by the mock for its internal bookkeeping; never connects */
    rd_kafka_mock_cluster_t *mcluster;
};

kafka_embedded_t *kafka_embedded_new(int brokers, char *errstr, size_t errstr_size) {
    kafka_embedded_t *kb = calloc(1, sizeof(*kb));
    if (!kb) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    kafka_conf_route_logs(conf);
    /* The bookkeeping handle has no bootstrap servers on purpose; silence its warning about it. */
    rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
    kb->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errstr_size);
    if (!kb->rk) {
        rd_kafka_conf_destroy(conf);
        free(kb);
        return NULL;
    }
    kb->mcluster = rd_kafka_mock_cluster_new(kb->rk, brokers);
    if (!kb->mcluster) {
        snprintf(errstr, errstr_size, "could not start the embedded Kafka broker (%d brokers)",
                 brokers);
        rd_kafka_destroy(kb->rk);
        free(kb);
        return NULL;
    }
    return kb;
}

void kafka_embedded_destroy(kafka_embedded_t *kb) {
    if (!kb) return;
    rd_kafka_mock_cluster_destroy(kb->mcluster);
    rd_kafka_destroy(kb->rk);
    free(kb);
}

const char *kafka_embedded_bootstraps(const kafka_embedded_t *kb) {
    return rd_kafka_mock_cluster_bootstraps(kb->mcluster);
}

int kafka_embedded_create_topic(kafka_embedded_t *kb, const char *topic, int partitions,
                                char *errstr, size_t errstr_size) {
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(kb->mcluster, topic, partitions, 1);
    if (err) {
        snprintf(errstr, errstr_size, "could not create topic '%s' with %d partitions: %s", topic,
                 partitions, rd_kafka_err2str(err));
        return -1;
    }
    return 0;
}

rd_kafka_mock_cluster_t *kafka_embedded_cluster(kafka_embedded_t *kb) { return kb->mcluster; }
