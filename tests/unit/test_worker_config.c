/* test_worker_config.c - the properties file reader, the environment and -D layers, their
 * precedence and origins, ConfigDef-style validation messages, and the unknown-key report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "worker_config.h"

/* A properties file called x.properties in a fresh directory, so messages have a known tail. */
typedef struct {
    char dir[64];
    char path[96];
} props_file_t;

static void props_write(props_file_t *pf, const char *content) {
    strcpy(pf->dir, "/tmp/wc-test-XXXXXX");
    assert_non_null(mkdtemp(pf->dir));
    snprintf(pf->path, sizeof(pf->path), "%s/x.properties", pf->dir);
    FILE *f = fopen(pf->path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, strlen(content), f), strlen(content));
    assert_int_equal(fclose(f), 0);
}

static void props_remove(props_file_t *pf) {
    unlink(pf->path);
    rmdir(pf->dir);
}

/* Loads content into a new config; the load must succeed. */
static worker_config_t *load_ok(props_file_t *pf, const char *content) {
    char err[512] = "";
    worker_config_t *wc = worker_config_new();
    props_write(pf, content);
    int rc = worker_config_load_file(wc, pf->path, err, sizeof(err));
    if (rc != 0) fail_msg("load failed: %s", err);
    return wc;
}

/* Loads content, which must fail with "<path> line <suffix>". */
static void load_fails(const char *content, const char *suffix) {
    props_file_t pf;
    char err[512] = "", want[512];
    worker_config_t *wc = worker_config_new();
    props_write(&pf, content);
    assert_int_equal(worker_config_load_file(wc, pf.path, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s line %s", pf.path, suffix);
    assert_string_equal(err, want);
    worker_config_destroy(wc);
    props_remove(&pf);
}

static void assert_origin_line(const worker_config_t *wc, const props_file_t *pf, const char *key,
                               int line) {
    char want[256];
    snprintf(want, sizeof(want), "%s line %d", pf->path, line);
    assert_string_equal(worker_config_origin(wc, key), want);
}

/* ---- properties file ---- */

static void test_file_comments_separators_whitespace(void **state) {
    (void)state;
    props_file_t pf;
    worker_config_t *wc = load_ok(&pf, "# comment\n"           /* 1 */
                                       "   ! another comment\n" /* 2 */
                                       "\n"                     /* 3 */
                                       "   \t \n"               /* 4 */
                                       "a=1\n"                  /* 5 */
                                       "b:2\n"                  /* 6 */
                                       "c 3\n"                  /* 7 */
                                       "  d  =  4\n"            /* 8 */
                                       "e\t:\t5\n"              /* 9 */
                                       "f\n"                    /* 10 */
                                       "g = \n"                 /* 11 */
                                       "h==x\n"                 /* 12 */
                                       "i = a b  \n"            /* 13 */
                                       "j\\ k = v\n"            /* 14 */
                                       "l :=z\n"                /* 15 */
                                       "#m=1\n"                 /* 16 */
                                       "\f n\tv w\n");          /* 17 */
    assert_string_equal(worker_config_get(wc, "a"), "1");
    assert_string_equal(worker_config_get(wc, "b"), "2");
    assert_string_equal(worker_config_get(wc, "c"), "3");
    assert_string_equal(worker_config_get(wc, "d"), "4");
    assert_string_equal(worker_config_get(wc, "e"), "5");
    assert_string_equal(worker_config_get(wc, "f"), "");
    assert_string_equal(worker_config_get(wc, "g"), "");
    assert_string_equal(worker_config_get(wc, "h"), "=x");
    assert_string_equal(worker_config_get(wc, "i"), "a b  "); /* trailing whitespace kept */
    assert_string_equal(worker_config_get(wc, "j k"), "v");
    assert_string_equal(worker_config_get(wc, "l"), "=z");
    assert_string_equal(worker_config_get(wc, "n"), "v w");
    assert_null(worker_config_get(wc, "#m"));
    assert_false(worker_config_is_set(wc, "m"));
    assert_origin_line(wc, &pf, "a", 5);
    assert_origin_line(wc, &pf, "c", 7);
    assert_origin_line(wc, &pf, "n", 17);
    worker_config_destroy(wc);
    props_remove(&pf);
}

static void test_file_later_line_wins(void **state) {
    (void)state;
    props_file_t pf;
    worker_config_t *wc = load_ok(&pf, "a=1\nb=2\na=3\n");
    assert_string_equal(worker_config_get(wc, "a"), "3");
    assert_origin_line(wc, &pf, "a", 3);
    worker_config_destroy(wc);
    props_remove(&pf);
}

static void test_file_continuation(void **state) {
    (void)state;
    props_file_t pf;
    worker_config_t *wc = load_ok(&pf, "list = a,\\\n"      /* 1 */
                                       "       b,\\\n"      /* 2 */
                                       "\tc\n"              /* 3 */
                                       "next=1\n"           /* 4 */
                                       "even=x\\\\\n"       /* 5: two backslashes, no join */
                                       "after=2\n"          /* 6 */
                                       "# comment \\\n"     /* 7: comments never continue */
                                       "notcont=3\n"        /* 8 */
                                       "three=a\\\\\\\n"    /* 9: three backslashes */
                                       "  b\n"              /* 10 */
                                       "\\\n"               /* 11: a lone backslash... */
                                       "  late=4\n"         /* 12: ...so the key starts here */
                                       "empty=q\\\n"        /* 13 */
                                       "\n"                 /* 14: joined, ends the line */
                                       "eof=z\\");          /* 15: at EOF the backslash goes */
    assert_string_equal(worker_config_get(wc, "list"), "a,b,c");
    assert_string_equal(worker_config_get(wc, "next"), "1");
    assert_string_equal(worker_config_get(wc, "even"), "x\\");
    assert_string_equal(worker_config_get(wc, "after"), "2");
    assert_string_equal(worker_config_get(wc, "notcont"), "3");
    assert_string_equal(worker_config_get(wc, "three"), "a\\b");
    assert_string_equal(worker_config_get(wc, "late"), "4");
    assert_string_equal(worker_config_get(wc, "empty"), "q");
    assert_string_equal(worker_config_get(wc, "eof"), "z");
    assert_origin_line(wc, &pf, "list", 1);
    assert_origin_line(wc, &pf, "next", 4);
    assert_origin_line(wc, &pf, "notcont", 8);
    assert_origin_line(wc, &pf, "three", 9);
    assert_origin_line(wc, &pf, "late", 12);
    assert_origin_line(wc, &pf, "eof", 15);
    worker_config_destroy(wc);
    props_remove(&pf);
}

static void test_file_escapes(void **state) {
    (void)state;
    props_file_t pf;
    worker_config_t *wc = load_ok(&pf, "ctl=a\\tb\\nc\\rd\\fe\n"
                                       "name=caf\\u00e9\n"
                                       "euro=\\u20AC\n"
                                       "emoji=\\uD83D\\uDE00\n"
                                       "k\\=ey\\:x\\ y=v\n"
                                       "other=\\q\\\\\\#\n"
                                       "raw=caf\xc3\xa9\n"
                                       "\\u0041key=1\n"
                                       "\\#notcomment=2\n");
    assert_string_equal(worker_config_get(wc, "ctl"), "a\tb\nc\rd\fe");
    assert_string_equal(worker_config_get(wc, "name"), "caf\xc3\xa9");
    assert_string_equal(worker_config_get(wc, "euro"), "\xe2\x82\xac");
    assert_string_equal(worker_config_get(wc, "emoji"), "\xf0\x9f\x98\x80");
    assert_string_equal(worker_config_get(wc, "k=ey:x y"), "v");
    assert_string_equal(worker_config_get(wc, "other"), "q\\#");
    assert_string_equal(worker_config_get(wc, "raw"), "caf\xc3\xa9");
    assert_string_equal(worker_config_get(wc, "Akey"), "1");
    assert_string_equal(worker_config_get(wc, "#notcomment"), "2");
    worker_config_destroy(wc);
    props_remove(&pf);
}

static void test_file_malformed_unicode(void **state) {
    (void)state;
    load_fails("a=1\n#c\nb=x\\u12G4\n", "3: malformed \\uxxxx escape in the value of 'b'");
    load_fails("ok=1\nk\\u12=v\n", "2: malformed \\uxxxx escape in key 'k\\u12'");
    load_fails("c=\\u00", "1: malformed \\uxxxx escape in the value of 'c'");
    /* The line reported is where the key starts, not where the bad escape is. */
    load_fails("a=1\\\n  2\nb=x\\\n\\uZZZZ\n", "3: malformed \\uxxxx escape in the value of 'b'");
    load_fails("nul=\\u0000\n", "1: \\u0000 is not allowed in the value of 'nul'");
}

static void test_file_empty_key(void **state) {
    (void)state;
    load_fails("a=1\n  =value\n", "2: line has no key before '='");
    load_fails(":value\n", "1: line has no key before ':'");
}

static void test_file_crlf(void **state) {
    (void)state;
    props_file_t pf;
    worker_config_t *wc = load_ok(&pf, "a=1\r\nb = two \r\nc=x\\\r\n  y\r\n\r\nd\r\n");
    assert_string_equal(worker_config_get(wc, "a"), "1");
    assert_string_equal(worker_config_get(wc, "b"), "two ");
    assert_string_equal(worker_config_get(wc, "c"), "xy");
    assert_string_equal(worker_config_get(wc, "d"), "");
    assert_origin_line(wc, &pf, "c", 3);
    assert_origin_line(wc, &pf, "d", 6);
    worker_config_destroy(wc);
    props_remove(&pf);
}

static void test_file_unreadable(void **state) {
    (void)state;
    char err[512];
    worker_config_t *wc = worker_config_new();
    assert_int_equal(
        worker_config_load_file(wc, "/nonexistent-dir/x.properties", err, sizeof(err)), -1);
    assert_string_equal(err, "Could not read worker properties file "
                             "'/nonexistent-dir/x.properties': No such file or directory");

    props_file_t pf;
    props_write(&pf, "");
    assert_int_equal(worker_config_load_file(wc, pf.dir, err, sizeof(err)), -1);
    char want[256];
    snprintf(want, sizeof(want), "Could not read worker properties file '%s': Is a directory",
             pf.dir);
    assert_string_equal(err, want);
    /* An empty file is fine. */
    assert_int_equal(worker_config_load_file(wc, pf.path, err, sizeof(err)), 0);
    props_remove(&pf);
    worker_config_destroy(wc);
}

/* ---- environment ---- */

static void test_env_named_variables(void **state) {
    (void)state;
    static const struct {
        const char *var, *key;
    } cases[] = {
        {"BOOTSTRAP_SERVERS", "bootstrap.servers"},
        {"GROUP_ID", "group.id"},
        {"CONFIG_STORAGE_TOPIC", "config.storage.topic"},
        {"OFFSET_STORAGE_TOPIC", "offset.storage.topic"},
        {"STATUS_STORAGE_TOPIC", "status.storage.topic"},
        {"KEY_CONVERTER", "key.converter"},
        {"VALUE_CONVERTER", "value.converter"},
        {"REST_PORT", "rest.port"},
        {"REST_HOST_NAME", "rest.host.name"},
        {"HOST_NAME", "rest.host.name"},
        {"ADVERTISED_HOST_NAME", "rest.advertised.host.name"},
        {"ADVERTISED_PORT", "rest.advertised.port"},
        {"OFFSET_FLUSH_INTERVAL_MS", "offset.flush.interval.ms"},
        {"OFFSET_FLUSH_TIMEOUT_MS", "offset.flush.timeout.ms"},
        {"SHUTDOWN_TIMEOUT", "task.shutdown.graceful.timeout.ms"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char var[128], origin[128], err[256];
        snprintf(var, sizeof(var), "%s=v%zu", cases[i].var, i);
        char *envp[] = {"PATH=/usr/bin", var, "HOME=/root", NULL};
        worker_config_t *wc = worker_config_new();
        assert_int_equal(worker_config_load_env(wc, envp, err, sizeof(err)), 0);
        snprintf(var, sizeof(var), "v%zu", i);
        assert_string_equal(worker_config_get(wc, cases[i].key), var);
        snprintf(origin, sizeof(origin), "environment variable %s", cases[i].var);
        assert_string_equal(worker_config_origin(wc, cases[i].key), origin);
        assert_false(worker_config_is_set(wc, "path"));
        worker_config_destroy(wc);
    }

    /* REST_HOST_NAME is the more specific name and wins over HOST_NAME, in either order. */
    char err[256];
    char *both[] = {"REST_HOST_NAME=specific", "HOST_NAME=general", NULL};
    worker_config_t *wc = worker_config_new();
    assert_int_equal(worker_config_load_env(wc, both, err, sizeof(err)), 0);
    assert_string_equal(worker_config_get(wc, "rest.host.name"), "specific");
    worker_config_destroy(wc);
    char *both2[] = {"HOST_NAME=general", "REST_HOST_NAME=specific", NULL};
    wc = worker_config_new();
    assert_int_equal(worker_config_load_env(wc, both2, err, sizeof(err)), 0);
    assert_string_equal(worker_config_get(wc, "rest.host.name"), "specific");
    worker_config_destroy(wc);
}

static void test_env_connect_prefix(void **state) {
    (void)state;
    char err[256];
    char *envp[] = {"CONNECT_OFFSET_FLUSH_INTERVAL_MS=1000",
                    "CONNECT_DATABASE_HOSTNAME=db",
                    "CONNECT_FOO__BAR=1",
                    "CONNECT_FOO___BAR=2",
                    "CONNECT_A____B=3",
                    "CONNECT_PRODUCER_SASL_JAAS__CONFIG=4",
                    "CONNECT_=ignored",
                    "CONNECTX=ignored",
                    "XCONNECT_Y=ignored",
                    "CONNECT_CLIENT_ID=",
                    NULL};
    worker_config_t *wc = worker_config_new();
    assert_int_equal(worker_config_load_env(wc, envp, err, sizeof(err)), 0);
    assert_string_equal(worker_config_get(wc, "offset.flush.interval.ms"), "1000");
    assert_string_equal(worker_config_origin(wc, "offset.flush.interval.ms"),
                        "environment variable CONNECT_OFFSET_FLUSH_INTERVAL_MS");
    assert_string_equal(worker_config_get(wc, "database.hostname"), "db");
    assert_string_equal(worker_config_get(wc, "foo_bar"), "1");
    assert_string_equal(worker_config_get(wc, "foo-bar"), "2");
    assert_string_equal(worker_config_get(wc, "a-.b"), "3");
    assert_string_equal(worker_config_get(wc, "producer.sasl.jaas_config"), "4");
    /* An explicitly empty CONNECT_ variable sets an empty value. */
    assert_true(worker_config_is_set(wc, "client.id"));
    assert_string_equal(worker_config_get(wc, "client.id"), "");
    worker_config_destroy(wc);
}

static void test_env_named_win_and_empty_ignored(void **state) {
    (void)state;
    char err[256];
    char *first[] = {"GROUP_ID=named", "CONNECT_GROUP_ID=prefixed", NULL};
    char *second[] = {"CONNECT_GROUP_ID=prefixed", "GROUP_ID=named", NULL};
    char *const *orders[] = {first, second};
    for (int i = 0; i < 2; i++) {
        worker_config_t *wc = worker_config_new();
        assert_int_equal(worker_config_load_env(wc, orders[i], err, sizeof(err)), 0);
        assert_string_equal(worker_config_get(wc, "group.id"), "named");
        assert_string_equal(worker_config_origin(wc, "group.id"), "environment variable GROUP_ID");
        worker_config_destroy(wc);
    }

    char *empty[] = {"GROUP_ID=", "CONNECT_REST_PORT=8085", "REST_PORT=", NULL};
    worker_config_t *wc = worker_config_new();
    assert_int_equal(worker_config_load_env(wc, empty, err, sizeof(err)), 0);
    assert_false(worker_config_is_set(wc, "group.id"));
    assert_string_equal(worker_config_get(wc, "group.id"), "connect-cluster");
    assert_string_equal(worker_config_get(wc, "rest.port"), "8085");
    assert_string_equal(worker_config_origin(wc, "rest.port"),
                        "environment variable CONNECT_REST_PORT");
    assert_int_equal(worker_config_load_env(wc, NULL, err, sizeof(err)), 0);
    worker_config_destroy(wc);
}

/* ---- precedence, -D, set ---- */

static void test_precedence_and_origins(void **state) {
    (void)state;
    props_file_t pf;
    char err[256];
    worker_config_t *wc = load_ok(&pf, "group.id=from-file\n"
                                       "rest.port=1000\n"
                                       "client.id=file-client\n");
    char *envp[] = {"GROUP_ID=from-env", "REST_PORT=2000", NULL};
    assert_int_equal(worker_config_load_env(wc, envp, err, sizeof(err)), 0);
    assert_int_equal(worker_config_set_arg(wc, "group.id=from-arg", err, sizeof(err)), 0);

    assert_string_equal(worker_config_get(wc, "group.id"), "from-arg");
    assert_string_equal(worker_config_origin(wc, "group.id"), "-D argument");
    assert_string_equal(worker_config_get(wc, "rest.port"), "2000");
    assert_string_equal(worker_config_origin(wc, "rest.port"), "environment variable REST_PORT");
    assert_string_equal(worker_config_get(wc, "client.id"), "file-client");
    assert_origin_line(wc, &pf, "client.id", 3);
    assert_string_equal(worker_config_origin(wc, "session.timeout.ms"), "default");

    worker_config_set(wc, "rest.port", "3000", "embedded broker");
    assert_string_equal(worker_config_get(wc, "rest.port"), "3000");
    assert_string_equal(worker_config_origin(wc, "rest.port"), "embedded broker");
    assert_int_equal(worker_config_validate(wc, err, sizeof(err)), 0);
    assert_int_equal(worker_config_get_int(wc, "rest.port"), 3000);
    worker_config_destroy(wc);
    props_remove(&pf);
}

static void test_set_arg(void **state) {
    (void)state;
    char err[256];
    worker_config_t *wc = worker_config_new();
    assert_int_equal(worker_config_set_arg(wc, "a=b=c", err, sizeof(err)), 0);
    assert_string_equal(worker_config_get(wc, "a"), "b=c");
    assert_int_equal(worker_config_set_arg(wc, "empty=", err, sizeof(err)), 0);
    assert_true(worker_config_is_set(wc, "empty"));
    assert_string_equal(worker_config_get(wc, "empty"), "");

    assert_int_equal(worker_config_set_arg(wc, "noequals", err, sizeof(err)), -1);
    assert_string_equal(err, "-D argument 'noequals' is not of the form key=value");
    assert_int_equal(worker_config_set_arg(wc, "=v", err, sizeof(err)), -1);
    assert_string_equal(err, "-D argument '=v' is not of the form key=value");
    assert_int_equal(worker_config_set_arg(wc, "", err, sizeof(err)), -1);
    assert_string_equal(err, "-D argument '' is not of the form key=value");
    assert_false(worker_config_is_set(wc, "noequals"));
    worker_config_destroy(wc);
}

/* ---- defaults and typed getters ---- */

static void test_defaults(void **state) {
    (void)state;
    char err[256];
    worker_config_t *wc = worker_config_new();
    assert_int_equal(worker_config_validate(wc, err, sizeof(err)), 0);
    assert_string_equal(worker_config_get(wc, "group.id"), "connect-cluster");
    assert_false(worker_config_is_set(wc, "group.id"));
    assert_string_equal(worker_config_origin(wc, "group.id"), "default");
    assert_null(worker_config_get(wc, "bootstrap.servers"));
    assert_string_equal(worker_config_origin(wc, "bootstrap.servers"), "default");
    assert_null(worker_config_get(wc, "no.such.key"));
    assert_null(worker_config_origin(wc, "no.such.key"));
    assert_string_equal(worker_config_get(wc, "listeners"), "http://:8083");
    assert_string_equal(worker_config_get(wc, "connect.protocol"), "sessioned");
    assert_string_equal(worker_config_get(wc, "config.providers"), "");
    assert_string_equal(worker_config_get(wc, "key.converter"),
                        "org.apache.kafka.connect.json.JsonConverter");
    assert_string_equal(worker_config_get(wc, "header.converter"),
                        "org.apache.kafka.connect.storage.SimpleHeaderConverter");

    assert_int_equal(worker_config_get_int(wc, "offset.flush.interval.ms"), 60000);
    assert_int_equal(worker_config_get_int(wc, "offset.storage.partitions"), 25);
    assert_int_equal(worker_config_get_int(wc, "status.storage.partitions"), 5);
    assert_int_equal(worker_config_get_int(wc, "config.storage.replication.factor"), -1);
    assert_int_equal(worker_config_get_int(wc, "scheduled.rebalance.max.delay.ms"), 300000);
    assert_true(worker_config_get_int(wc, "rest.port") == INT64_MIN);
    assert_true(worker_config_get_int(wc, "config.storage.partitions") == INT64_MIN);
    assert_true(worker_config_get_bool(wc, "topic.tracking.enable"));
    assert_true(worker_config_get_bool(wc, "topic.creation.enable"));
    assert_false(worker_config_get_bool(wc, "no.such.key"));
    worker_config_destroy(wc);
}

/* Kafka Connect settings connectd does not implement are refused, not ignored. */
static void test_unimplemented_cluster_settings_refused(void **state) {
    (void)state;
    char err[512];
    static const char *const cases[][3] = {
        {"exactly.once.source.support", "enabled", "connectd has no exactly-once support for source connectors"},
        {"exactly.once.source.support", "preparing", "leave it unset or set it to disabled"},
        {"scheduled.rebalance.max.delay.ms", "300000", "set it to 0 or leave it unset"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        worker_config_t *wc = worker_config_new();
        worker_config_set(wc, cases[i][0], cases[i][1], "t");
        assert_int_equal(worker_config_validate(wc, err, sizeof(err)), -1);
        assert_non_null(strstr(err, cases[i][2]));
        worker_config_destroy(wc);
    }
    worker_config_t *wc = worker_config_new();
    worker_config_set(wc, "scheduled.rebalance.max.delay.ms", "0", "t");
    worker_config_set(wc, "exactly.once.source.support", "DISABLED", "t");
    assert_int_equal(worker_config_validate(wc, err, sizeof(err)), 0);
    worker_config_destroy(wc);
}

static void test_valid_values_and_getters(void **state) {
    (void)state;
    char err[512] = "";
    worker_config_t *wc = worker_config_new();
    worker_config_set(wc, "session.timeout.ms", " 42 ", "t");
    worker_config_set(wc, "heartbeat.interval.ms", "+5", "t");
    worker_config_set(wc, "worker.sync.timeout.ms", "2147483647", "t");
    worker_config_set(wc, "offset.flush.interval.ms", "9223372036854775807", "t");
    worker_config_set(wc, "config.storage.partitions", "-7", "t");
    worker_config_set(wc, "offset.storage.partitions", "-1", "t");
    worker_config_set(wc, "offset.storage.replication.factor", "3", "t");
    worker_config_set(wc, "status.storage.replication.factor", "-1", "t");
    worker_config_set(wc, "rest.port", "0", "t");
    worker_config_set(wc, "rest.advertised.port", "65535", "t");
    worker_config_set(wc, "topic.tracking.enable", " FALSE\t", "t");
    worker_config_set(wc, "topic.creation.enable", "True", "t");
    worker_config_set(wc, "connect.protocol", "EAGER", "t");
    worker_config_set(wc, "exactly.once.source.support", "Disabled", "t");
    worker_config_set(wc, "security.protocol", "sasl_ssl", "t");
    worker_config_set(wc, "connector.client.config.override.policy", "None", "t");
    worker_config_set(wc, "bootstrap.servers", "a:9092, b:9092", "t");
    worker_config_set(wc, "sasl.jaas.config", "secret", "t");
    assert_int_equal(worker_config_validate(wc, err, sizeof(err)), 0);

    assert_int_equal(worker_config_get_int(wc, "session.timeout.ms"), 42);
    assert_int_equal(worker_config_get_int(wc, "heartbeat.interval.ms"), 5);
    assert_int_equal(worker_config_get_int(wc, "worker.sync.timeout.ms"), INT32_MAX);
    assert_true(worker_config_get_int(wc, "offset.flush.interval.ms") == INT64_MAX);
    assert_int_equal(worker_config_get_int(wc, "config.storage.partitions"), -7);
    assert_int_equal(worker_config_get_int(wc, "offset.storage.replication.factor"), 3);
    assert_int_equal(worker_config_get_int(wc, "rest.port"), 0);
    /* The REST limits' defaults. */
    assert_int_equal(worker_config_get_int(wc, "rest.max.request.bytes"), 1048576);
    assert_int_equal(worker_config_get_int(wc, "rest.max.connections"), 100);
    assert_int_equal(worker_config_get_int(wc, "rest.request.timeout.ms"), 30000);
    assert_false(worker_config_get_bool(wc, "topic.tracking.enable"));
    assert_true(worker_config_get_bool(wc, "topic.creation.enable"));
    assert_true(worker_config_get_bool(wc, "topic.tracking.allow.reset"));
    /* Values are kept as given: trimming is for parsing only. */
    assert_string_equal(worker_config_get(wc, "session.timeout.ms"), " 42 ");
    worker_config_destroy(wc);
}

/* ---- validation errors ---- */

static void test_type_error_names_file_line(void **state) {
    (void)state;
    props_file_t pf;
    char err[512], want[512];
    worker_config_t *wc = load_ok(&pf, "# worker\n"
                                       "group.id=g\n"
                                       "offset.flush.interval.ms=abc\n");
    assert_int_equal(worker_config_validate(wc, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "%s/x.properties line 3: Invalid value abc for configuration "
             "offset.flush.interval.ms: Not a number of type LONG",
             pf.dir);
    assert_string_equal(err, want);
    worker_config_destroy(wc);
    props_remove(&pf);
}

static void test_validation_messages(void **state) {
    (void)state;
    static const struct {
        const char *key, *value, *why;
    } cases[] = {
        {"offset.flush.interval.ms", "abc", "Not a number of type LONG"},
        {"offset.flush.interval.ms", "9223372036854775808", "Not a number of type LONG"},
        {"offset.flush.interval.ms", "", "Not a number of type LONG"},
        {"session.timeout.ms", "1.5", "Not a number of type INT"},
        {"session.timeout.ms", "2147483648", "Not a number of type INT"},
        {"session.timeout.ms", "0x10", "Not a number of type INT"},
        {"session.timeout.ms", "1 0", "Not a number of type INT"},
        {"session.timeout.ms", "-", "Not a number of type INT"},
        {"config.storage.replication.factor", "40000", "Not a number of type SHORT"},
        {"topic.tracking.enable", "yes", "Expected value to be either true or false"},
        {"topic.creation.enable", "", "Expected value to be either true or false"},
        {"rest.port", "65536", "Value must be no more than 65535"},
        {"rest.port", "-1", "Value must be at least 0"},
        {"rest.advertised.port", "0", "Value must be at least 1"},
        {"rest.max.request.bytes", "1023", "Value must be at least 1024"},
        {"rest.max.request.bytes", "1MB", "Not a number of type INT"},
        {"rest.max.connections", "0", "Value must be at least 1"},
        {"rest.max.connections", "10001", "Value must be no more than 10000"},
        {"rest.request.timeout.ms", "999", "Value must be at least 1000"},
        {"rest.request.timeout.ms", "3600001", "Value must be no more than 3600000"},
        {"offset.flush.timeout.ms", "-1", "Value must be at least 0"},
        {"default.api.timeout.ms", "0", "Value must be at least 1"},
        {"connect.protocol", "eagre", "String must be one of: eager, compatible, sessioned"},
        {"exactly.once.source.support", "on",
         "String must be one of: disabled, preparing, enabled"},
        {"connector.client.config.override.policy", "all",
         "String must be one of: None, Principal, All, Allowlist, "
         "org.apache.kafka.connect.connector.policy.NoneConnectorClientConfigOverridePolicy, "
         "org.apache.kafka.connect.connector.policy.PrincipalConnectorClientConfigOverridePolicy, "
         "org.apache.kafka.connect.connector.policy.AllConnectorClientConfigOverridePolicy, "
         "org.apache.kafka.connect.connector.policy.AllowlistConnectorClientConfigOverridePolicy"},
        {"security.protocol", "TLS",
         "String must be one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"},
        {"config.storage.replication.factor", "0",
         "Replication factor must be positive or -1 to use the broker's default"},
        {"status.storage.replication.factor", "-2",
         "Replication factor must be positive or -1 to use the broker's default"},
        {"offset.storage.partitions", "0",
         "Number of partitions must be positive, or -1 to use the broker's default"},
        {"status.storage.partitions", "-5",
         "Number of partitions must be positive, or -1 to use the broker's default"},
        {"group.id", "", "String must be non-empty"},
        {"offset.storage.topic", "", "String must be non-empty"},
        {"key.converter", " ", "Class name must be non-empty"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[512] = "", want[512];
        worker_config_t *wc = worker_config_new();
        worker_config_set(wc, cases[i].key, cases[i].value, "-D argument");
        assert_int_equal(worker_config_validate(wc, err, sizeof(err)), -1);
        snprintf(want, sizeof(want), "-D argument: Invalid value %s for configuration %s: %s",
                 cases[i].value, cases[i].key, cases[i].why);
        assert_string_equal(err, want);
        worker_config_destroy(wc);
    }
}

/* Validators with messages of their own (RestServerConfig, DistributedConfig), and the checks
 * DistributedConfig makes once every key is valid. Each case: settings, then the error. */
static void test_admin_listeners_and_inter_worker_keys(void **state) {
    (void)state;
#define SUPPORTED "[HmacSHA224, HmacSHA256, HmacSHA1, HmacSHA384, HmacSHA512]"
    static const struct {
        const char *kv[3][2];
        const char *err; /* NULL: valid */
    } cases[] = {
        {{{"admin.listeners", ""}}, NULL},
        {{{"admin.listeners", "  "}}, NULL},
        {{{"admin.listeners", "http://:9000, http://127.0.0.1:9001"}}, NULL},
        {{{"admin.listeners", "http://:9000,"}}, "t: Empty URL found when parsing admin.listeners list."},
        {{{"admin.listeners", "http://:9000, ,http://:1"}}, "t: Empty URL found when parsing admin.listeners list."},
        {{{"admin.listeners", ","}}, "t: Empty URL found when parsing admin.listeners list."},
        {{{"inter.worker.signature.algorithm", "HmacSHA512"},
          {"inter.worker.verification.algorithms", "HmacSHA256, HmacSHA512"}}, NULL},
        {{{"inter.worker.key.generation.algorithm", " hmacsha1 "}, {"inter.worker.key.size", "8"}}, NULL},
        {{{"inter.worker.key.generation.algorithm", "HmacMD5"}},
         "t: Invalid value HmacMD5 for configuration inter.worker.key.generation.algorithm: the "
         "algorithm is not supported by this JVM; the supported algorithms are: " SUPPORTED},
        {{{"inter.worker.signature.algorithm", "HmacFoo"}},
         "t: Invalid value HmacFoo for configuration inter.worker.signature.algorithm: the "
         "algorithm is not supported by this JVM; the supported algorithms are: " SUPPORTED},
        {{{"inter.worker.verification.algorithms", "HmacSHA256,HmacBar"}},
         "t: Invalid value HmacBar for configuration inter.worker.verification.algorithms: the "
         "algorithm is not supported by this JVM; the supported algorithms are: " SUPPORTED},
        {{{"inter.worker.verification.algorithms", " "}},
         "t: Invalid value [] for configuration inter.worker.verification.algorithms: At least one "
         "signature verification algorithm must be provided"},
        {{{"inter.worker.key.ttl.ms", "-1"}},
         "t: Invalid value -1 for configuration inter.worker.key.ttl.ms: Value must be at least 0"},
        {{{"inter.worker.key.size", "256k"}},
         "t: Invalid value 256k for configuration inter.worker.key.size: Not a number of type INT"},
        {{{"inter.worker.key.size", "32"}},
         "t: Unable to create key generator with algorithm HmacSHA256 and key size 32: Key length "
         "must be at least 40 bits"},
        {{{"inter.worker.key.generation.algorithm", "HmacSHA1"}, {"inter.worker.key.size", "0"}},
         "t: Unable to create key generator with algorithm HmacSHA1 and key size 0: Empty key"},
        /* The signature algorithm must be in the list as written: the JCE finds "hmacsha256",
         * List.contains does not. */
        {{{"inter.worker.signature.algorithm", "hmacsha256"}},
         "t: Invalid value hmacsha256 for configuration inter.worker.signature.algorithm: Signature "
         "algorithm must be present in inter.worker.verification.algorithms list"},
        {{{"inter.worker.verification.algorithms", "HmacSHA512"}},
         "default: Invalid value HmacSHA256 for configuration inter.worker.signature.algorithm: "
         "Signature algorithm must be present in inter.worker.verification.algorithms list"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[1024] = "";
        worker_config_t *wc = worker_config_new();
        for (int k = 0; k < 3 && cases[i].kv[k][0]; k++)
            worker_config_set(wc, cases[i].kv[k][0], cases[i].kv[k][1], "t");
        int rc = worker_config_validate(wc, err, sizeof(err));
        if (!cases[i].err) {
            if (rc != 0) fail_msg("case %zu: %s", i, err);
        } else {
            if (rc != -1 || strcmp(err, cases[i].err) != 0)
                fail_msg("case %zu: rc %d, error '%s', expected '%s'", i, rc, err, cases[i].err);
        }
        worker_config_destroy(wc);
    }
    /* The defaults: admin.listeners has none (NULL: admin on the main listeners). */
    worker_config_t *wc = worker_config_new();
    assert_null(worker_config_get(wc, "admin.listeners"));
    assert_string_equal(worker_config_get(wc, "inter.worker.signature.algorithm"), "HmacSHA256");
    assert_string_equal(worker_config_get(wc, "inter.worker.verification.algorithms"), "HmacSHA256");
    assert_string_equal(worker_config_get(wc, "inter.worker.key.generation.algorithm"), "HmacSHA256");
    assert_int_equal(worker_config_get_int(wc, "inter.worker.key.ttl.ms"), 3600000);
    assert_true(worker_config_get_int(wc, "inter.worker.key.size") == INT64_MIN);
    worker_config_destroy(wc);
#undef SUPPORTED
}

static void test_first_error_in_key_order(void **state) {
    (void)state;
    char err[512];
    worker_config_t *wc = worker_config_new();
    worker_config_set(wc, "session.timeout.ms", "abc", "environment variable X");
    worker_config_set(wc, "rest.port", "x", "-D argument");
    worker_config_set(wc, "group.id", "", "embedded broker");
    for (int round = 0; round < 2; round++) {
        assert_int_equal(worker_config_validate(wc, err, sizeof(err)), -1);
        assert_string_equal(err, "embedded broker: Invalid value  for configuration group.id: "
                                 "String must be non-empty");
    }
    worker_config_set(wc, "group.id", "fixed", "-D argument");
    assert_int_equal(worker_config_validate(wc, err, sizeof(err)), -1);
    assert_string_equal(
        err, "-D argument: Invalid value x for configuration rest.port: Not a number of type INT");
    worker_config_destroy(wc);
}

/* ---- unknown keys ---- */

static size_t count_occurrences(const char *hay, const char *needle) {
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

static void test_unknown_keys_kept_and_logged_once(void **state) {
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    log_set_output(out);
    log_set_level("root", LOG_LEVEL_DEBUG, NULL);

    char err[512];
    char *envp[] = {"CONNECT_DATABASE_HOSTNAME=db", NULL};
    worker_config_t *wc = worker_config_new();
    assert_int_equal(worker_config_load_env(wc, envp, err, sizeof(err)), 0);
    worker_config_set(wc, "producer.acks", "all", "t");
    worker_config_set(wc, "admin.listeners", "http://:9999", "t");
    worker_config_set(wc, "admin.retries", "1", "t");
    worker_config_set(wc, "key.converter.schemas.enable", "false", "t");
    worker_config_set(wc, "ssl.keystore.location", "/k", "t");
    worker_config_set(wc, "metric.reporters", "", "t");
    worker_config_set(wc, "config.providers.file.class", "F", "t");
    worker_config_set(wc, "rest.extension.classes", "E", "-D argument");
    assert_int_equal(worker_config_validate(wc, err, sizeof(err)), 0);
    /* Setting it again does not make it new, and validating again does not repeat the line. */
    worker_config_set(wc, "database.hostname", "db2", "-D argument");
    assert_int_equal(worker_config_validate(wc, err, sizeof(err)), 0);
    assert_string_equal(worker_config_get(wc, "database.hostname"), "db2");
    assert_string_equal(worker_config_get(wc, "rest.extension.classes"), "E");

    /* Unknown keys are still reported when another key is invalid. */
    worker_config_t *wc2 = worker_config_new();
    worker_config_set(wc2, "aaa.unknown", "1", "t");
    worker_config_set(wc2, "group.id", "", "t");
    worker_config_set(wc2, "zzz.unknown", "1", "t");
    assert_int_equal(worker_config_validate(wc2, err, sizeof(err)), -1);
    worker_config_destroy(wc2);

    log_set_output(NULL);
    assert_int_equal(fclose(out), 0);

    const char *line = " DEBUG The configuration 'database.hostname' (from environment variable "
                       "CONNECT_DATABASE_HOSTNAME) was supplied but isn't a known worker config; "
                       "it is kept but not used by the worker. "
                       "(org.apache.kafka.connect.runtime.distributed.DistributedConfig)\n";
    assert_int_equal(count_occurrences(buf, line), 1);
    assert_int_equal(count_occurrences(buf, "The configuration 'rest.extension.classes' (from -D "
                                            "argument) was supplied but isn't a known worker "
                                            "config"),
                     1);
    assert_int_equal(count_occurrences(buf, "'aaa.unknown' (from t)"), 1);
    assert_int_equal(count_occurrences(buf, "'zzz.unknown' (from t)"), 1);
    assert_int_equal(count_occurrences(buf, "The configuration '"), 4);
    free(buf);
    log_set_level("root", LOG_LEVEL_INFO, NULL);
    worker_config_destroy(wc);
}

/* ---- foreach ---- */

typedef struct {
    char keys[16][64];
    char origins[16][64];
    int n;
} visited_t;

static void visit(const char *key, const char *value, const char *origin, void *opaque) {
    visited_t *v = opaque;
    assert_true(v->n < 16);
    assert_non_null(value);
    snprintf(v->keys[v->n], sizeof(v->keys[0]), "%s", key);
    snprintf(v->origins[v->n], sizeof(v->origins[0]), "%s", origin);
    v->n++;
}

static void test_foreach_prefix(void **state) {
    (void)state;
    worker_config_t *wc = worker_config_new();
    worker_config_set(wc, "producer.z", "1", "t1");
    worker_config_set(wc, "producerx", "1", "t");
    worker_config_set(wc, "producer.acks", "all", "t2");
    worker_config_set(wc, "consumer.a", "1", "t");
    worker_config_set(wc, "producer.", "1", "t3");
    worker_config_set(wc, "group.id", "g", "t");
    worker_config_set(wc, "producer.batch.size", "1", "t4");
    worker_config_set(wc, "producer.acks", "1", "t5"); /* replaces, does not duplicate */

    visited_t v = {0};
    worker_config_foreach(wc, "producer.", visit, &v);
    assert_int_equal(v.n, 4);
    assert_string_equal(v.keys[0], "producer.");
    assert_string_equal(v.keys[1], "producer.acks");
    assert_string_equal(v.origins[1], "t5");
    assert_string_equal(v.keys[2], "producer.batch.size");
    assert_string_equal(v.keys[3], "producer.z");

    memset(&v, 0, sizeof(v));
    worker_config_foreach(wc, "", visit, &v); /* set keys only: no defaults */
    assert_int_equal(v.n, 7);
    for (int i = 1; i < v.n; i++) assert_true(strcmp(v.keys[i - 1], v.keys[i]) < 0);

    memset(&v, 0, sizeof(v));
    worker_config_foreach(wc, "zzz.", visit, &v);
    assert_int_equal(v.n, 0);
    worker_config_destroy(wc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_comments_separators_whitespace),
        cmocka_unit_test(test_file_later_line_wins),
        cmocka_unit_test(test_file_continuation),
        cmocka_unit_test(test_file_escapes),
        cmocka_unit_test(test_file_malformed_unicode),
        cmocka_unit_test(test_file_empty_key),
        cmocka_unit_test(test_file_crlf),
        cmocka_unit_test(test_file_unreadable),
        cmocka_unit_test(test_env_named_variables),
        cmocka_unit_test(test_env_connect_prefix),
        cmocka_unit_test(test_env_named_win_and_empty_ignored),
        cmocka_unit_test(test_precedence_and_origins),
        cmocka_unit_test(test_set_arg),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_valid_values_and_getters),
        cmocka_unit_test(test_unimplemented_cluster_settings_refused),
        cmocka_unit_test(test_type_error_names_file_line),
        cmocka_unit_test(test_validation_messages),
        cmocka_unit_test(test_first_error_in_key_order),
        cmocka_unit_test(test_admin_listeners_and_inter_worker_keys),
        cmocka_unit_test(test_unknown_keys_kept_and_logged_once),
        cmocka_unit_test(test_foreach_prefix),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    log_shutdown();
    return failed;
}
