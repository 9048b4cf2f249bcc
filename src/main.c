/* main.c - connectd's command line, start-up sequence, signals and orderly stop.
 *   connectd [options] [worker.properties]
 * Start-up: worker config -> embedded broker when no bootstrap.servers -> Kafka cluster id ->
 * internal topics -> REST server. The first SIGTERM/SIGINT stops in order; a second exits at once. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"
#include "config_providers.h"
#include "herder.h"
#include "kafka/client.h"
#include "kafka/embedded.h"
#include "kafka/topics.h"
#include "log.h"
#include "rest/resources.h"
#include "rest/rest.h"
#include "store/config_store.h"
#include "store/offset_store.h"
#include "store/status_store.h"
#include "worker.h"
#include "version.h"
#include "worker_config.h"

extern char **environ;

#define REST_DRAIN_MS 30000

static atomic_int stop_signal; /* the first signal received, 0 while running */
static atomic_bool exiting;    /* loggers are being freed: the signal thread must not log */
static log_logger_t *mlog;

static void usage(FILE *out) {
    fprintf(out,
            "Usage: connectd [options] [worker.properties]\n"
            "\n"
            "A Kafka Connect worker. Takes Kafka Connect's worker properties from the file, then\n"
            "from environment variables (BOOTSTRAP_SERVERS, GROUP_ID, ... and CONNECT_*), then\n"
            "from -D options, later ones winning. Without bootstrap.servers it starts an embedded,\n"
            "in-memory Kafka-protocol broker.\n"
            "\n"
            "Options:\n"
            "  -D key=value   set a worker property (repeatable)\n"
            "  -h, --help     show this help\n"
            "  -V, --version  show the version\n"
            "\n"
            "Environment: LOG_LEVEL sets the root log level (ERROR, WARN, INFO, DEBUG, TRACE).\n");
}

static void *signal_thread(void *arg) {
    sigset_t *set = arg;
    for (;;) {
        int sig;
        if (sigwait(set, &sig) != 0) continue;
        int expected = 0;
        if (atomic_load(&exiting)) _exit(128 + sig);
        if (atomic_compare_exchange_strong(&stop_signal, &expected, sig)) {
            log_info(mlog, "Received signal %s, stopping (send it again to exit at once)",
                     sig == SIGINT ? "SIGINT" : "SIGTERM");
        } else {
            static const char msg[] = "connectd: second signal, exiting at once\n";
            ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
            (void)w;
            _exit(128 + sig);
        }
    }
    return NULL;
}

static bool stopping(void) { return atomic_load(&stop_signal) != 0; }

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Kafka Connect's default partition counts, or the configured ones. */
static int partitions_of(const worker_config_t *wc, const char *key, int dflt) {
    int64_t v = worker_config_get_int(wc, key);
    return v > 0 ? (int)v : dflt;
}

/* The internal topics, and the group's coordination topic (cluster.h) as the fourth; name holds
 * that one's name. */
static void fill_topic_specs(const worker_config_t *wc, kafka_topic_spec_t specs[4], char *name, size_t size) {
    specs[0] = (kafka_topic_spec_t){worker_config_get(wc, "config.storage.topic"),
                                    "config.storage.topic", "config.storage.", 1,
                                    (int)worker_config_get_int(wc, "config.storage.replication.factor"),
                                    true, false};
    specs[1] = (kafka_topic_spec_t){worker_config_get(wc, "offset.storage.topic"),
                                    "offset.storage.topic", "offset.storage.",
                                    (int)worker_config_get_int(wc, "offset.storage.partitions"),
                                    (int)worker_config_get_int(wc, "offset.storage.replication.factor"),
                                    false, false};
    specs[2] = (kafka_topic_spec_t){worker_config_get(wc, "status.storage.topic"),
                                    "status.storage.topic", "status.storage.",
                                    (int)worker_config_get_int(wc, "status.storage.partitions"),
                                    (int)worker_config_get_int(wc, "status.storage.replication.factor"),
                                    false, false};
    cluster_topic_name(wc, name, size);
    specs[3] = (kafka_topic_spec_t){name, "group.id", "config.storage.",
                                    (int)worker_config_get_int(wc, "cluster.coordination.partitions"),
                                    (int)worker_config_get_int(wc, "config.storage.replication.factor"),
                                    false, false};
}

static kafka_embedded_t *start_embedded(worker_config_t *wc, char *errstr, size_t errstr_size) {
    kafka_embedded_t *kb = kafka_embedded_new(1, errstr, errstr_size);
    if (!kb) return NULL;
    /* The mock cannot create topics through the Admin API: create the internal ones here, with
     * Kafka Connect's partition counts, before any client asks for them. */
    kafka_topic_spec_t specs[4];
    char coordination[512];
    fill_topic_specs(wc, specs, coordination, sizeof(coordination));
    static const int dflt[3] = {1, 25, 5};
    for (int i = 0; i < 4; i++) {
        int parts = i == 3 ? specs[3].partitions : i == 0 ? 1 : partitions_of(wc, i == 1 ? "offset.storage.partitions" : "status.storage.partitions", dflt[i]);
        if (kafka_embedded_create_topic(kb, specs[i].topic, parts, errstr, errstr_size) != 0) {
            kafka_embedded_destroy(kb);
            return NULL;
        }
    }
    const char *bs = kafka_embedded_bootstraps(kb);
    worker_config_set(wc, "bootstrap.servers", bs, "embedded broker");
    log_logger_t *elog = log_get("connectd.EmbeddedKafka");
    log_info(elog, "No bootstrap.servers configured: started an embedded Kafka-protocol broker at %s",
             bs);
    log_info(elog, "Read a topic with: kcat -b %s -C -t %s -o beginning -f '%%k %%s\\n'", bs,
             specs[2].topic);
    /* Said here, where a new user meets it, because none of it shows until data is gone. */
    log_warn(elog, "The embedded broker is for trying connectd out. It keeps everything in memory "
                   "only: connector configs, offsets, statuses and every record are lost when "
                   "connectd stops, and it gets a new port at every start.");
    /* Measured: a 50,000-row insert into a four-column table keeps 6,381 events in the four
     * partitions its topic gets, about 3 KiB each with schemas. */
    log_warn(elog, "Each partition of the embedded broker keeps only its newest ~5 MiB (about 1,600 "
                   "change events of a small table) and drops older records silently: a "
                   "10,000-row insert already loses events.");
    log_warn(elog, "For a durable local Kafka, run `make kafka` in another terminal and start "
                   "connectd with `make run ARGS=\"-D bootstrap.servers=127.0.0.1:9092\"` (or "
                   "point bootstrap.servers at any Kafka cluster).");
    return kb;
}

static void warn_held(const char *connector, const char *what, const char *remove, void *opaque) {
    log_warn(opaque, "Connector '%s' leaves behind %s. Remove it with: %s", connector, what, remove);
}

/* At the embedded broker's end: what is lost with it, and what connectors made outside Kafka
 * that stays (a replication slot holding WAL), now that nothing would let them resume from it. */
static void embedded_shutdown_notice(config_store_t *cs, worker_t *w) {
    log_logger_t *elog = log_get("connectd.EmbeddedKafka");
    size_t n = 0;
    char **names = cs ? config_store_connectors(cs) : NULL;
    for (char **p = names; p && *p; p++) n++;
    config_store_free_names(names);
    if (n)
        log_warn(elog, "Stopping the embedded broker: the configs, offsets and statuses of %zu "
                       "connector%s and every record in its topics are lost.",
                 n, n == 1 ? "" : "s");
    else
        log_warn(elog, "Stopping the embedded broker: every record in its topics is lost.");
    if (w) worker_each_held(w, warn_held, elog);
}

/* Looks up the cluster id, retrying until the deadline; this is also how an unreachable or
 * misconfigured bootstrap.servers is detected. */
static char *lookup_cluster_id(rd_kafka_t *rk, const char *bootstrap, int timeout_ms) {
    int64_t start = mono_ms(), last_warn = start;
    while (!stopping()) {
        char *id = rd_kafka_clusterid(rk, 500);
        if (id) return id;
        int64_t now = mono_ms();
        if (now - start >= timeout_ms) break;
        if (now - last_warn >= 10000) {
            log_warn(mlog, "Still trying to reach the Kafka cluster at %s (%lld s so far)",
                     bootstrap, (long long)((now - start) / 1000));
            last_warn = now;
        }
    }
    return NULL;
}

/* The REST listeners: `listeners`, else the deprecated rest.host.name / rest.port (REST_PORT in
 * the debezium/connect image), else http://:8083. */
static void effective_listeners(const worker_config_t *wc, char *buf, size_t size) {
    if (worker_config_is_set(wc, "listeners") ||
        (!worker_config_is_set(wc, "rest.port") && !worker_config_is_set(wc, "rest.host.name"))) {
        snprintf(buf, size, "%s", worker_config_get(wc, "listeners"));
        return;
    }
    const char *host = worker_config_get(wc, "rest.host.name");
    int64_t port = worker_config_is_set(wc, "rest.port") ? worker_config_get_int(wc, "rest.port") : 8083;
    snprintf(buf, size, "http://%s:%lld", host ? host : "", (long long)port);
}

static void wake_herder(void *opaque) {
    herder_t *h = atomic_load((_Atomic(herder_t *) *)opaque);
    if (h) herder_wakeup(h);
}

/* What the group membership's callbacks reach (cluster.h). */
typedef struct {
    herder_t *herder;
    worker_t *worker;
    cluster_t *cluster;
} member_ctx_t;

static void member_released(void *opaque, bool lost) {
    member_ctx_t *m = opaque;
    herder_release(m->herder, lost);
}

static void member_assigned(void *opaque) {
    member_ctx_t *m = opaque;
    worker_set_generation(m->worker, cluster_generation(m->cluster));
    herder_wakeup(m->herder);
}

/* The port of the first listener. */
static int listener_port(const char *listeners) {
    size_t n = strcspn(listeners, ",");
    const char *colon = memrchr(listeners, ':', n);
    return colon ? atoi(colon + 1) : 8083;
}

/* This machine's address as the other workers of a cluster reach it, as Jetty's URI gives it to
 * Kafka Connect (and `hostname -i` to the debezium/connect image): the first IPv4 address its
 * host name resolves to that is not a loopback one, else the host name itself. */
static void machine_address(char *host, size_t size) {
    if (gethostname(host, size) != 0) {
        snprintf(host, size, "localhost");
        return;
    }
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(host, NULL, &hints, &res) != 0) return;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)a->ai_addr;
        if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) continue;
        inet_ntop(AF_INET, &in->sin_addr, host, (socklen_t)size);
        break;
    }
    freeaddrinfo(res);
}

/* The URL other workers and status records know this worker by (its worker id is host:port):
 * rest.advertised.host.name / rest.advertised.port, else the first listener's host and bound
 * port, else this machine's host name. */
static void advertised_url(const worker_config_t *wc, int bound_port, char *buf, size_t size) {
    char host[256] = "";
    const char *adv = worker_config_get(wc, "rest.advertised.host.name");
    if (adv && *adv) {
        snprintf(host, sizeof(host), "%s", adv);
    } else {
        char listeners[1024];
        effective_listeners(wc, listeners, sizeof(listeners));
        const char *p = strstr(listeners, "://");
        if (p) {
            p += 3;
            size_t n = strcspn(p, ",");
            const char *colon = memrchr(p, ':', n);
            if (colon && colon > p) snprintf(host, sizeof(host), "%.*s", (int)(colon - p), p);
        }
        if (!*host || !strcmp(host, "0.0.0.0") || !strcmp(host, "[::]")) machine_address(host, sizeof(host));
    }
    int port = worker_config_is_set(wc, "rest.advertised.port")
                   ? (int)worker_config_get_int(wc, "rest.advertised.port")
                   : bound_port;
    snprintf(buf, size, "http://%s:%d/", host, port);
}

int main(int argc, char **argv) {
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    char errstr[2048];
    const char *props_file = NULL;
    char **defs = calloc((size_t)argc + 1, sizeof(char *));
    size_t n_defs = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "D:hV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'D': defs[n_defs++] = optarg; break;
        case 'h': usage(stdout); free(defs); return 0;
        case 'V':
            printf("connectd %s (Kafka Connect %s REST API, commit %s)\n", connectd_version(),
                   CONNECTD_KAFKA_CONNECT_VERSION, connectd_commit());
            free(defs);
            return 0;
        default: usage(stderr); free(defs); return 2;
        }
    }
    if (optind < argc) props_file = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "connectd: unexpected argument '%s': give at most one properties file\n",
                argv[optind]);
        free(defs);
        return 2;
    }

    /* Signals go to one thread; every thread created from here on inherits the mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    mlog = log_get("org.apache.kafka.connect.cli.ConnectDistributed");
    const char *env_level = getenv("LOG_LEVEL");
    if (env_level && *env_level) {
        int lvl = log_level_parse(env_level);
        if (lvl < 0) {
            fprintf(stderr, "connectd: environment variable LOG_LEVEL: invalid log level '%s' "
                            "(use ERROR, WARN, INFO, DEBUG or TRACE)\n", env_level);
            free(defs);
            return 1;
        }
        log_set_level("root", (log_level_t)lvl, NULL);
    }

    worker_config_t *wc = worker_config_new();
    int rc = 0;
    if ((props_file && worker_config_load_file(wc, props_file, errstr, sizeof(errstr)) != 0) ||
        worker_config_load_env(wc, environ, errstr, sizeof(errstr)) != 0)
        rc = 1;
    for (size_t i = 0; rc == 0 && i < n_defs; i++)
        if (worker_config_set_arg(wc, defs[i], errstr, sizeof(errstr)) != 0) rc = 1;
    free(defs);
    /* Kafka builds the config providers from the raw settings and resolves the worker's own
     * ${...} variables with them before it reads any setting. */
    config_providers_t *providers = NULL;
    if (rc == 0 && !(providers = config_providers_new(wc, errstr, sizeof(errstr)))) rc = 1;
    if (rc == 0 && config_providers_resolve_worker(providers, wc, errstr, sizeof(errstr)) != 0) rc = 1;
    if (rc == 0 && worker_config_validate(wc, errstr, sizeof(errstr)) != 0) rc = 1;
    if (rc) {
        fprintf(stderr, "connectd: %s\n", errstr);
        config_providers_destroy(providers);
        worker_config_destroy(wc);
        log_shutdown();
        return 1;
    }

    pthread_t sig_thr;
    pthread_create(&sig_thr, NULL, signal_thread, &sigs);
    pthread_detach(sig_thr);

    log_info(mlog, "Kafka Connect worker initializing (connectd %s, Kafka Connect %s REST API, "
                   "commit %s)",
             connectd_version(), CONNECTD_KAFKA_CONNECT_VERSION, connectd_commit());

    kafka_embedded_t *embedded = NULL;
    rd_kafka_t *rk = NULL;
    rest_server_t *rest = NULL;
    char *cluster_id = NULL;
    rest_api_ctx_t api = {0};
    rest_api_init(&api);
    config_store_t *cs = NULL;
    status_store_t *ss = NULL;
    offset_store_t *os = NULL;
    worker_t *worker = NULL;
    herder_t *herder = NULL;
    _Atomic(herder_t *) herder_ref = NULL; /* what the config store's callback wakes */
    kafka_topic_spec_t specs[4];
    char coordination[512];
    cluster_t *cluster = NULL;
    member_ctx_t member = {0};
    char advertised[512];
    char listeners[1024];
    int64_t api_timeout = worker_config_get_int(wc, "default.api.timeout.ms");

    if (!worker_config_get(wc, "bootstrap.servers")) {
        embedded = start_embedded(wc, errstr, sizeof(errstr));
        if (!embedded) goto fail;
    }
    const char *bootstrap = worker_config_get(wc, "bootstrap.servers");

    rd_kafka_conf_t *conf = kafka_client_conf(wc, KAFKA_ROLE_ADMIN, "connectd-admin", errstr,
                                              sizeof(errstr));
    if (!conf) goto fail;
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
    cluster_id = lookup_cluster_id(rk, bootstrap, (int)api_timeout);
    if (!cluster_id) {
        if (stopping()) goto stop;
        snprintf(errstr, sizeof(errstr),
                 "Failed to connect to and describe Kafka cluster at bootstrap.servers=%s within "
                 "%lld ms. Check worker's broker connection and security properties "
                 "(bootstrap.servers, security.protocol, sasl.*, ssl.*).",
                 bootstrap, (long long)api_timeout);
        goto fail;
    }
    api.kafka_cluster_id = cluster_id;
    log_info(mlog, "Kafka cluster ID: %s", cluster_id);

    /* The REST server listens now, as Kafka Connect's does once it knows the cluster id: GET /
     * answers at once, other requests wait for the rest of start-up (rest_api_gate). */
    effective_listeners(wc, listeners, sizeof(listeners));
    advertised_url(wc, listener_port(listeners), advertised, sizeof(advertised));
    char wid[512];
    snprintf(wid, sizeof(wid), "%.*s", (int)(strlen(advertised) - 8), advertised + 7);
    log_info(mlog, "Advertised URI: %s (worker id %s)", advertised, wid);
    api.wc = wc;
    api.providers = providers;
    api.advertised_url = advertised;
    size_t n_routes;
    const rest_route_t *routes = rest_api_routes(&n_routes);
    rest = rest_server_new(routes, n_routes, &api);
    if (!rest) goto fail;
    rest_server_set_gate(rest, rest_api_gate);
    rest_limits_t limits = {
        .max_request_bytes = (size_t)worker_config_get_int(wc, "rest.max.request.bytes"),
        .max_connections = (unsigned)worker_config_get_int(wc, "rest.max.connections"),
        .request_timeout_ms = (int)worker_config_get_int(wc, "rest.request.timeout.ms"),
    };
    rest_server_set_limits(rest, &limits);
    if (rest_server_listen_admin(rest, worker_config_get(wc, "admin.listeners"), errstr, sizeof(errstr)) != 0 ||
        rest_server_listen(rest, listeners, errstr, sizeof(errstr)) != 0)
        goto fail;

    fill_topic_specs(wc, specs, coordination, sizeof(coordination));
    if (kafka_topics_ensure(rk, wc, specs, 4, api_timeout < 30000 ? (int)api_timeout : 30000,
                            errstr, sizeof(errstr)) != 0)
        goto fail;
    /* The embedded broker cannot describe configs (the check would only time out into a warning
     * about a broker the user cannot change), and connectd created its topics itself. */
    if (embedded) {
        log_debug(mlog, "Not checking that the internal topics are compacted: connectd created them "
                        "on its embedded broker, which has no topic configs");
    } else {
        /* A topic that is not compacted stops the worker before it reads or serves anything, as
         * in Kafka Connect. The answer comes at once (see kafka_topics_check_compacted). */
        log_debug(mlog, "Checking that the internal topics are compacted");
        if (kafka_topics_check_compacted(rk, specs, 4, (int)api_timeout, errstr, sizeof(errstr)) != 0)
            goto fail;
    }
    if (stopping()) goto stop;

    /* The internal topics, read to their end before anything runs. The config store wakes the
     * herder on every change; the herder exists only later, hence the indirection. */
    int store_timeout = api_timeout < 30000 ? (int)api_timeout : 30000;
    if (!(cs = config_store_new(wc, wake_herder, &herder_ref, errstr, sizeof(errstr))) ||
        !(ss = status_store_new(wc, errstr, sizeof(errstr))) ||
        !(os = offset_store_new(wc, errstr, sizeof(errstr))) ||
        config_store_start(cs, store_timeout, errstr, sizeof(errstr)) != 0 ||
        status_store_start(ss, store_timeout, errstr, sizeof(errstr)) != 0 ||
        offset_store_start(os, store_timeout, errstr, sizeof(errstr)) != 0)
        goto fail;
    log_debug(mlog, "Read the config, status and offsets topics to their end");
    if (stopping()) goto stop;

    worker = worker_new(wc, ss, os, wid, status_store_max_generation(ss) + 1);
    herder = herder_new(wc, cs, ss, os, worker);
    herder_set_config_providers(herder, providers);
    atomic_store(&herder_ref, herder);
    member = (member_ctx_t){herder, worker, NULL};
    cluster_callbacks_t ccb = {member_released, member_assigned, &member};
    if (!(cluster = cluster_new(wc, wid, advertised, &ccb, errstr, sizeof(errstr)))) goto fail;
    member.cluster = cluster;
    herder_set_cluster(herder, cluster, rest_publish_task_configs, &api);
    if (herder_start(herder) != 0) {
        snprintf(errstr, sizeof(errstr), "could not start the herder thread");
        goto fail;
    }
    if (cluster_start(cluster, errstr, sizeof(errstr)) != 0) goto fail;

    /* Every field the handlers use is set before start-up is declared finished (the gate
     * reads them after taking the start lock). */
    api.cs = cs;
    api.ss = ss;
    api.os = os;
    api.herder = herder;
    api.cluster = cluster;
    rest_api_set_started(&api);
    log_info(mlog, "Kafka Connect started");
    while (!stopping()) sleep_ms(100);
    goto stop;

fail:
    log_error(mlog, "Stopping due to error: %s", errstr);
    rc = 1;
stop:
    log_info(mlog, "Kafka Connect stopping");
    rest_api_set_stopping(&api);
    rest_server_stop(rest, REST_DRAIN_MS);
    /* Leaving the group stops what this worker runs first (the others take it over at once);
     * tasks stop and commit their offsets; statuses say UNASSIGNED before the clients close. */
    cluster_stop(cluster);
    herder_stop(herder);
    atomic_store(&herder_ref, NULL);
    if (embedded && herder) embedded_shutdown_notice(cs, worker);
    if (!worker_destroy(worker)) {
        /* A cancelled task's thread is still inside its plugin and uses the worker, the stores
         * and the configuration: none of it may be freed under it, so exit without freeing. */
        if (ss) status_store_flush(ss, 5000);
        log_info(mlog, "Kafka Connect stopped (without waiting for the task threads that did not end)");
        fflush(stdout);
        fflush(stderr);
        _exit(rc);
    }
    herder_destroy(herder);
    cluster_destroy(cluster);
    if (ss) status_store_flush(ss, 5000);
    rest_server_destroy(rest);
    config_store_destroy(cs);
    status_store_destroy(ss);
    offset_store_destroy(os);
    if (rk) rd_kafka_destroy(rk);
    free(cluster_id);
    kafka_embedded_destroy(embedded);
    log_info(mlog, "Kafka Connect stopped");
    config_providers_destroy(providers);
    worker_config_destroy(wc);
    atomic_store(&exiting, true);
    log_shutdown();
    return rc;
}
