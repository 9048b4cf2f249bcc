/* test_kafka_client.c - librdkafka configuration from worker properties: shared client keys,
 * role prefixes, Java-only names, and errors that name the key and where it came from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/client.h"
#include "log.h"

static const char *conf_get(rd_kafka_conf_t *conf, const char *name, char *buf, size_t size) {
    size_t sz = size;
    if (rd_kafka_conf_get(conf, name, buf, &sz) != RD_KAFKA_CONF_OK) return NULL;
    return buf;
}

static void test_jaas(void **state) {
    (void)state;
    char *u, *p;
    assert_int_equal(
        kafka_jaas_credentials("org.apache.kafka.common.security.plain.PlainLoginModule required "
                               "username=\"alice\" password=\"s3cr=t\";",
                               &u, &p),
        0);
    assert_string_equal(u, "alice");
    assert_string_equal(p, "s3cr=t");
    free(u);
    free(p);
    assert_int_equal(kafka_jaas_credentials("x required username=bob password=pw;", &u, &p), 0);
    assert_string_equal(u, "bob");
    assert_string_equal(p, "pw");
    free(u);
    free(p);
    assert_int_equal(kafka_jaas_credentials("x required username=\"bob\";", &u, &p), -1);
    assert_null(u);
}

static void test_roles_and_shared_keys(void **state) {
    (void)state;
    char err[512], buf[512];
    worker_config_t *wc = worker_config_new();
    worker_config_set(wc, "bootstrap.servers", "k1:9092,k2:9092", "test");
    worker_config_set(wc, "security.protocol", "SASL_PLAINTEXT", "test");
    worker_config_set(wc, "sasl.mechanism", "PLAIN", "test");
    worker_config_set(wc, "sasl.jaas.config",
                      "org.apache.kafka.common.security.plain.PlainLoginModule required "
                      "username=\"u\" password=\"p\";",
                      "test");
    worker_config_set(wc, "producer.linger.ms", "7", "test");
    worker_config_set(wc, "producer.max.request.size", "2000000", "test");
    worker_config_set(wc, "producer.key.serializer", "org.x.Ser", "test");
    worker_config_set(wc, "consumer.fetch.wait.max.ms", "20", "test");
    worker_config_set(wc, "admin.listeners", "http://:9999", "test");
    worker_config_set(wc, "producer.no.such.setting", "1", "test");

    rd_kafka_conf_t *pc = kafka_client_conf(wc, KAFKA_ROLE_PRODUCER, "cid", err, sizeof(err));
    assert_non_null(pc);
    assert_string_equal(conf_get(pc, "bootstrap.servers", buf, sizeof(buf)), "k1:9092,k2:9092");
    assert_string_equal(conf_get(pc, "client.id", buf, sizeof(buf)), "cid");
    assert_string_equal(conf_get(pc, "linger.ms", buf, sizeof(buf)), "7");
    assert_string_equal(conf_get(pc, "message.max.bytes", buf, sizeof(buf)), "2000000");
    assert_string_equal(conf_get(pc, "security.protocol", buf, sizeof(buf)), "sasl_plaintext");
    assert_string_equal(conf_get(pc, "sasl.mechanisms", buf, sizeof(buf)), "PLAIN");
    assert_string_equal(conf_get(pc, "sasl.username", buf, sizeof(buf)), "u");
    /* consumer settings do not reach the producer */
    assert_string_not_equal(conf_get(pc, "fetch.wait.max.ms", buf, sizeof(buf)), "20");
    rd_kafka_conf_destroy(pc);

    rd_kafka_conf_t *cc = kafka_client_conf(wc, KAFKA_ROLE_CONSUMER, NULL, err, sizeof(err));
    assert_non_null(cc);
    assert_string_equal(conf_get(cc, "fetch.wait.max.ms", buf, sizeof(buf)), "20");
    assert_string_not_equal(conf_get(cc, "linger.ms", buf, sizeof(buf)), "7");
    rd_kafka_conf_destroy(cc);

    rd_kafka_conf_t *ac = kafka_client_conf(wc, KAFKA_ROLE_ADMIN, NULL, err, sizeof(err));
    assert_non_null(ac); /* admin.listeners is a REST setting, not a client one */
    rd_kafka_conf_destroy(ac);
    worker_config_destroy(wc);
}

static void test_invalid_value_names_key_and_origin(void **state) {
    (void)state;
    char err[512];
    worker_config_t *wc = worker_config_new();
    assert_int_equal(worker_config_set_arg(wc, "producer.linger.ms=soon", err, sizeof(err)), 0);
    assert_null(kafka_client_conf(wc, KAFKA_ROLE_PRODUCER, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "-D argument"));
    assert_non_null(strstr(err, "producer.linger.ms"));
    assert_non_null(strstr(err, "soon"));
    worker_config_destroy(wc);
}

static void test_pem_truststore(void **state) {
    (void)state;
    char err[512], buf[512];
    worker_config_t *wc = worker_config_new();
    worker_config_set(wc, "ssl.truststore.type", "PEM", "test");
    worker_config_set(wc, "ssl.truststore.location", "/etc/ssl/ca.pem", "test");
    rd_kafka_conf_t *c = kafka_client_conf(wc, KAFKA_ROLE_PRODUCER, NULL, err, sizeof(err));
    assert_non_null(c);
    assert_string_equal(conf_get(c, "ssl.ca.location", buf, sizeof(buf)), "/etc/ssl/ca.pem");
    rd_kafka_conf_destroy(c);
    /* A Java KeyStore cannot be used: the error says so. */
    worker_config_set(wc, "ssl.truststore.type", "JKS", "test");
    assert_null(kafka_client_conf(wc, KAFKA_ROLE_PRODUCER, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "ssl.truststore.location"));
    worker_config_destroy(wc);
}

/* A setting under either of librdkafka's names for one property counts as set under the other,
 * so that connectd's producer defaults (linger.ms, acks, compression.type, message.timeout.ms,
 * max.in.flight.requests.per.connection) never replace what a user set under the other name;
 * a different property does not count. */
static void test_rdkafka_aliases(void **state) {
    (void)state;
    static const char *const pairs[][2] = {
        {"linger.ms", "queue.buffering.max.ms"},
        {"acks", "request.required.acks"},
        {"compression.type", "compression.codec"},
        {"delivery.timeout.ms", "message.timeout.ms"},
        {"retries", "message.send.max.retries"},
        {"max.in.flight", "max.in.flight.requests.per.connection"},
    };
    char key[128];
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        for (int set = 0; set < 2; set++) {
            worker_config_t *wc = worker_config_new();
            snprintf(key, sizeof(key), "producer.%s", pairs[i][set]);
            worker_config_set(wc, key, "1", "test");
            assert_true(kafka_client_role_sets(wc, KAFKA_ROLE_PRODUCER, pairs[i][0]));
            assert_true(kafka_client_role_sets(wc, KAFKA_ROLE_PRODUCER, pairs[i][1]));
            assert_false(kafka_client_role_sets(wc, KAFKA_ROLE_CONSUMER, pairs[i][0]));
            assert_false(kafka_client_role_sets(wc, KAFKA_ROLE_PRODUCER, "enable.idempotence"));
            worker_config_destroy(wc);
        }
}

/* buffer.memory (Java's bytes) becomes queue.buffering.max.kbytes (KiB, rounded up); a value
 * that is not a number of bytes is refused; kafka_client_role_sets sees either spelling, so
 * connectd's defaults never replace a user's setting. */
static void test_buffer_memory(void **state) {
    (void)state;
    char err[512], buf[512];
    static const struct { const char *bytes, *kb; } cases[] = {
        {"33554432", "32768"}, {"1", "1"}, {"0", "1"}, {"1025", "2"}, {"8388608", "8192"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        worker_config_t *wc = worker_config_new();
        worker_config_set(wc, "producer.buffer.memory", cases[i].bytes, "test");
        assert_true(kafka_client_role_sets(wc, KAFKA_ROLE_PRODUCER, "queue.buffering.max.kbytes"));
        assert_false(kafka_client_role_sets(wc, KAFKA_ROLE_CONSUMER, "queue.buffering.max.kbytes"));
        assert_false(kafka_client_role_sets(wc, KAFKA_ROLE_PRODUCER, "linger.ms"));
        rd_kafka_conf_t *c = kafka_client_conf(wc, KAFKA_ROLE_PRODUCER, NULL, err, sizeof(err));
        assert_non_null(c);
        assert_string_equal(conf_get(c, "queue.buffering.max.kbytes", buf, sizeof(buf)), cases[i].kb);
        rd_kafka_conf_destroy(c);
        worker_config_destroy(wc);
    }
    worker_config_t *wc = worker_config_new();
    worker_config_set(wc, "producer.queue.buffering.max.kbytes", "100", "test");
    assert_true(kafka_client_role_sets(wc, KAFKA_ROLE_PRODUCER, "queue.buffering.max.kbytes"));
    worker_config_set(wc, "producer.buffer.memory", "32MB", "test");
    assert_null(kafka_client_conf(wc, KAFKA_ROLE_PRODUCER, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "producer.buffer.memory"));
    assert_non_null(strstr(err, "not a number of bytes"));
    const char *v = NULL;
    assert_int_equal(kafka_client_setting_value("buffer.memory", &v, buf, sizeof(buf)), -1);
    v = "7";
    assert_int_equal(kafka_client_setting_value("linger.ms", &v, buf, sizeof(buf)), 0);
    assert_string_equal(v, "7");
    worker_config_destroy(wc);
}

static int teardown(void **state) {
    (void)state;
    log_shutdown();
    return 0;
}

int main(void) {
    log_set_level("root", LOG_LEVEL_ERROR, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jaas),
        cmocka_unit_test(test_roles_and_shared_keys),
        cmocka_unit_test(test_invalid_value_names_key_and_origin),
        cmocka_unit_test(test_pem_truststore),
        cmocka_unit_test(test_buffer_memory),
        cmocka_unit_test(test_rdkafka_aliases),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
