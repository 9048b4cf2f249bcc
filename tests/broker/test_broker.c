/* test_broker.c - the Kafka-protocol broker for tests: librdkafka's mock cluster, with a control
 * channel on stdin so that tests can create topics and inject faults.
 *
 *   test-broker [-b brokers] [-t topic:partitions]... [-f bootstrap-file]
 *
 * Prints "BOOTSTRAP <servers>" on stdout and, with -f, writes the servers to the file (write,
 * then rename, so a harness can wait for it). Then reads commands, one a line, answering each
 * with "OK" or "ERR <reason>":
 *   topic <name> <partitions>          create a topic
 *   down <broker|-1> / up <broker|-1>  close a broker's connections and refuse new ones / undo
 *   leader <topic> <partition> <broker>
 *   coordinator <group|transaction> <key> <broker>
 *   errors <api-key> <error-code>...   the next requests of that API fail with those errors
 *                                      (-195 disconnects)
 *   rtt <broker|-1> <ms>               delay every response
 *   ping
 *   quit
 * End of input also quits, so the broker never outlives its harness. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka/embedded.h"
#include "log.h"

static int broker_cnt = 1;

static int valid_broker(long id, bool allow_all) {
    return (allow_all && id == -1) || (id >= 1 && id <= broker_cnt);
}

static void reply(rd_kafka_resp_err_t err, const char *what) {
    if (err)
        printf("ERR %s: %s\n", what, rd_kafka_err2str(err));
    else
        printf("OK\n");
    fflush(stdout);
}

static void handle(kafka_embedded_t *kb, char *line) {
    rd_kafka_mock_cluster_t *mc = kafka_embedded_cluster(kb);
    char *argv[64];
    int argc = 0;
    for (char *save = NULL, *tok = strtok_r(line, " \t\r\n", &save); tok && argc < 64;
         tok = strtok_r(NULL, " \t\r\n", &save))
        argv[argc++] = tok;
    if (argc == 0) return;
    const char *cmd = argv[0];
    char err[256];

    if (!strcmp(cmd, "ping") && argc == 1) {
        reply(0, cmd);
    } else if (!strcmp(cmd, "topic") && argc == 3) {
        int rc = kafka_embedded_create_topic(kb, argv[1], atoi(argv[2]), err, sizeof(err));
        if (rc)
            printf("ERR %s\n", err), fflush(stdout);
        else
            reply(0, cmd);
    } else if ((!strcmp(cmd, "down") || !strcmp(cmd, "up")) && argc == 2) {
        long id = strtol(argv[1], NULL, 10);
        if (!valid_broker(id, true)) {
            printf("ERR no broker %ld\n", id), fflush(stdout);
            return;
        }
        reply(!strcmp(cmd, "down") ? rd_kafka_mock_broker_set_down(mc, (int32_t)id)
                                   : rd_kafka_mock_broker_set_up(mc, (int32_t)id),
              cmd);
    } else if (!strcmp(cmd, "leader") && argc == 4) {
        long id = strtol(argv[3], NULL, 10);
        if (!valid_broker(id, true)) {
            printf("ERR no broker %ld\n", id), fflush(stdout);
            return;
        }
        reply(rd_kafka_mock_partition_set_leader(mc, argv[1], atoi(argv[2]), (int32_t)id), cmd);
    } else if (!strcmp(cmd, "coordinator") && argc == 4) {
        long id = strtol(argv[3], NULL, 10);
        /* An unknown broker id would abort the mock. */
        if (!valid_broker(id, false)) {
            printf("ERR no broker %ld\n", id), fflush(stdout);
            return;
        }
        reply(rd_kafka_mock_coordinator_set(mc, argv[1], argv[2], (int32_t)id), cmd);
    } else if (!strcmp(cmd, "errors") && argc >= 3) {
        rd_kafka_resp_err_t errs[62];
        size_t n = 0;
        for (int i = 2; i < argc; i++) errs[n++] = (rd_kafka_resp_err_t)atoi(argv[i]);
        rd_kafka_mock_push_request_errors_array(mc, (int16_t)atoi(argv[1]), n, errs);
        reply(0, cmd);
    } else if (!strcmp(cmd, "rtt") && argc == 3) {
        long id = strtol(argv[1], NULL, 10);
        if (!valid_broker(id, true)) {
            printf("ERR no broker %ld\n", id), fflush(stdout);
            return;
        }
        reply(rd_kafka_mock_broker_set_rtt(mc, (int32_t)id, atoi(argv[2])), cmd);
    } else {
        printf("ERR unknown command or wrong arguments: %s\n", cmd);
        fflush(stdout);
    }
}

int main(int argc, char **argv) {
    const char *file = NULL;
    char *topics[64];
    int n_topics = 0, opt;
    while ((opt = getopt(argc, argv, "b:t:f:")) != -1) {
        switch (opt) {
        case 'b': broker_cnt = atoi(optarg); break;
        case 't':
            if (n_topics < 64) topics[n_topics++] = optarg;
            break;
        case 'f': file = optarg; break;
        default:
            fprintf(stderr, "usage: test-broker [-b brokers] [-t topic:partitions]... [-f file]\n");
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    log_set_level("root", LOG_LEVEL_WARN, NULL);
    char err[256];
    kafka_embedded_t *kb = kafka_embedded_new(broker_cnt, err, sizeof(err));
    if (!kb) {
        fprintf(stderr, "test-broker: %s\n", err);
        return 1;
    }
    for (int i = 0; i < n_topics; i++) {
        char *colon = strrchr(topics[i], ':');
        int parts = colon ? atoi(colon + 1) : 1;
        if (colon) *colon = '\0';
        if (kafka_embedded_create_topic(kb, topics[i], parts, err, sizeof(err)) != 0) {
            fprintf(stderr, "test-broker: %s\n", err);
            kafka_embedded_destroy(kb);
            return 1;
        }
    }
    const char *bs = kafka_embedded_bootstraps(kb);
    if (file) {
        char tmp[4096];
        snprintf(tmp, sizeof(tmp), "%s.tmp", file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%s\n", bs) < 0 || fclose(f) != 0 || rename(tmp, file) != 0) {
            fprintf(stderr, "test-broker: cannot write %s\n", file);
            kafka_embedded_destroy(kb);
            return 1;
        }
    }
    printf("BOOTSTRAP %s\n", bs);
    fflush(stdout);

    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, stdin) > 0) {
        if (!strncmp(line, "quit", 4)) break;
        handle(kb, line);
    }
    free(line);
    kafka_embedded_destroy(kb);
    log_shutdown();
    return 0;
}
