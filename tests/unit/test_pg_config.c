/* test_pg_config.c - the PostgreSQL connector's configuration: key definitions and defaults,
 * every validate message, the Debezium 1.x names and their WARNs, and table / column / message
 * prefix / key column matching of the parsed view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "connect/connector_config.h"
#include "connectors/postgres/pg_config.h"
#include "log.h"

#define LOGGER "io.debezium.connector.postgresql.PostgresConnectorConfig"

/* ---- helpers ---------------------------------------------------------------------------------- */

static FILE *log_mem;
static char *log_buf;
static size_t log_len;

/* Starts capturing log lines. */
static void log_begin(void) {
    log_mem = open_memstream(&log_buf, &log_len);
    assert_non_null(log_mem);
    log_set_output(log_mem);
}

/* Stops capturing; returns the lines (caller frees). */
static char *log_end(void) {
    log_set_output(NULL);
    assert_int_equal(fclose(log_mem), 0);
    char *s = log_buf;
    log_buf = NULL;
    log_mem = NULL;
    return s;
}

static size_t count(const char *hay, const char *needle) {
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

#define CUSTOM_SNAPSHOT_MODE                                                                          \
    "snapshot.mode 'custom' loads a Java Snapshotter class (snapshot.mode.custom.name), which connectd " \
    "cannot run: use initial, always, initial_only, no_data, when_needed or configuration_based"

static cd_props_t *base_config(void) {
    cd_props_t *p = cd_props_new();
    cd_props_set(p, "connector.class", "io.debezium.connector.postgresql.PostgresConnector");
    cd_props_set(p, "name", "inventory-connector");
    cd_props_set(p, "database.hostname", "db");
    cd_props_set(p, "database.user", "postgres");
    cd_props_set(p, "database.password", "secret");
    cd_props_set(p, "database.dbname", "inventory");
    cd_props_set(p, "topic.prefix", "fulfillment");
    cd_props_set(p, "plugin.name", "pgoutput");
    cd_props_set(p, "snapshot.mode", "no_data");
    return p;
}

/* What the runtime does: the engine on the definitions, whose messages the plugin replaces
 * (validates_own_keys, as Debezium's Connector.validate does), then the plugin's hook. */
static cd_config_result_t *validate(const cd_props_t *p) {
    const cd_config_def_t def = {pg_config_keys, pg_config_n_keys};
    const cd_config_def_t *defs[] = {&def};
    cd_config_result_t *r = cd_config_validate(defs, 1, p);
    for (size_t i = 0; i < pg_config_n_keys; i++) {
        cd_config_result_clear_errors(r, pg_config_keys[i].name);
        if (cd_props_has(p, pg_config_keys[i].name) && !cd_props_get(p, pg_config_keys[i].name))
            cd_config_result_add_error(r, pg_config_keys[i].name,
                                       "Null value can not be supplied as the configuration value.");
    }
    pg_config_validate(p, r);
    return r;
}

static void assert_error(const cd_config_result_t *r, const char *key, const char *msg) {
    size_t n = cd_config_result_key_error_count(r, key);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(cd_config_result_key_error(r, key, i), msg)) return;
    fprintf(stderr, "no error \"%s\" on %s; it has %zu:\n", msg, key, n);
    for (size_t i = 0; i < n; i++) fprintf(stderr, "  %s\n", cd_config_result_key_error(r, key, i));
    fail();
}

/* Validates base_config() with one key changed and expects exactly that one message. */
static void expect_one(const char *key, const char *value, const char *err_key, const char *msg) {
    cd_props_t *p = base_config();
    cd_props_set(p, key, value);
    cd_config_result_t *r = validate(p);
    assert_error(r, err_key, msg);
    if (cd_config_result_error_count(r) != 1) {
        char *all = cd_config_result_error_message(r);
        fprintf(stderr, "%s\n", all);
        free(all);
    }
    assert_int_equal(cd_config_result_error_count(r), 1);
    cd_config_result_destroy(r);
    cd_props_destroy(p);
}

static void expect_valid(const char *key, const char *value) {
    cd_props_t *p = base_config();
    cd_props_set(p, key, value);
    cd_config_result_t *r = validate(p);
    if (cd_config_result_error_count(r)) {
        char *all = cd_config_result_error_message(r);
        fprintf(stderr, "%s=%s: %s\n", key, value, all);
        free(all);
    }
    assert_int_equal(cd_config_result_error_count(r), 0);
    cd_config_result_destroy(r);
    cd_props_destroy(p);
}

static void parse_ok(const cd_props_t *p, pg_config_t *c) {
    char err[1024];
    int rc = pg_config_parse(p, c, err, sizeof(err));
    if (rc) fprintf(stderr, "pg_config_parse: %s\n", err);
    assert_int_equal(rc, 0);
}

/* ---- definitions and defaults ----------------------------------------------------------------- */

static void test_keys_well_formed(void **state) {
    (void)state;
    assert_true(pg_config_n_keys > 100);
    for (size_t i = 0; i < pg_config_n_keys; i++) {
        const cd_config_key_t *k = &pg_config_keys[i];
        for (size_t j = 0; j < i; j++) assert_string_not_equal(k->name, pg_config_keys[j].name);
        assert_non_null(k->documentation);
        assert_non_null(k->display_name);
        assert_non_null(k->group);
        assert_int_equal(k->order, -1);
        assert_true(k->has_default); /* required keys are checked by the hook */
        if (k->validator == CD_VALID_ONE_OF) {
            bool found = false;
            for (size_t a = 0; k->allowed[a]; a++) found |= !strcasecmp(k->allowed[a], k->default_value);
            assert_true(found);
        }
    }
    /* Every default parses and passes its own validator. */
    const cd_config_def_t def = {pg_config_keys, pg_config_n_keys};
    const cd_config_def_t *defs[] = {&def};
    cd_props_t *empty = cd_props_new();
    cd_config_result_t *r = cd_config_validate(defs, 1, empty);
    assert_int_equal(cd_config_result_error_count(r), 0);
    assert_string_equal(cd_config_result_value(r, "slot.name"), "debezium");
    assert_string_equal(cd_config_result_value(r, "snapshot.mode"), "initial");
    cd_config_result_destroy(r);
    cd_props_destroy(empty);
}

static void test_defaults(void **state) {
    (void)state;
    cd_props_t *p = base_config();
    pg_config_t c;
    parse_ok(p, &c);
    assert_string_equal(c.hostname, "db");
    assert_int_equal(c.port, 5432);
    assert_string_equal(c.user, "postgres");
    assert_string_equal(c.password, "secret");
    assert_string_equal(c.dbname, "inventory");
    assert_string_equal(c.sslmode, "prefer");
    assert_null(c.sslcert);
    assert_true(c.tcp_keepalive);
    assert_int_equal(c.n_initial_statements, 0);
    assert_int_equal(c.query_timeout_ms, 600000);
    assert_string_equal(c.topic_prefix, "fulfillment");
    assert_string_equal(c.plugin_name, "pgoutput");
    assert_string_equal(c.slot_name, "debezium");
    assert_false(c.slot_drop_on_stop);
    assert_null(c.slot_stream_params);
    assert_int_equal(c.n_stream_params, 0);
    assert_int_equal(c.slot_max_retries, 6);
    assert_int_equal(c.slot_retry_delay_ms, 10000);
    assert_string_equal(c.publication_name, "dbz_publication");
    assert_int_equal(c.publication_autocreate_mode, PG_AUTOCREATE_ALL_TABLES);
    assert_int_equal(c.status_update_interval_ms, 10000);
    assert_int_equal(c.lsn_flush_mode, PG_LSN_FLUSH_CONNECTOR);
    assert_string_equal(c.lsn_flush_timeout_action, "fail");
    assert_string_equal(c.offset_mismatch_strategy, "no_validation");
    assert_int_equal(c.table_include.n + c.table_exclude.n + c.schema_include.n + c.column_exclude.n, 0);
    assert_string_equal(c.snapshot_mode, "no_data");
    assert_true(c.tombstones_on_delete);
    assert_int_equal(c.skipped_operations, PG_OP_TRUNCATE);
    assert_int_equal(c.n_key_columns, 0);
    assert_int_equal(c.decimal_handling_mode, PG_DECIMAL_PRECISE);
    assert_int_equal(c.time_precision_mode, PG_TIME_ADAPTIVE);
    assert_int_equal(c.binary_handling_mode, PG_BINARY_BYTES);
    assert_int_equal(c.hstore_handling_mode, PG_HSTORE_JSON);
    assert_int_equal(c.interval_handling_mode, PG_INTERVAL_NUMERIC);
    assert_int_equal(c.money_fraction_digits, 2);
    assert_false(c.include_unknown_datatypes);
    assert_string_equal(c.unavailable_value_placeholder, "__debezium_unavailable_value");
    assert_int_equal(c.unavailable_placeholder_len, strlen("__debezium_unavailable_value"));
    assert_memory_equal(c.unavailable_placeholder_bytes, "__debezium_unavailable_value",
                        c.unavailable_placeholder_len);
    assert_string_equal(c.schema_name_adjustment_mode, "none");
    assert_false(c.provide_transaction_metadata);
    assert_true(c.extended_headers_enabled);
    assert_string_equal(c.event_processing_failure_handling_mode, "fail");
    assert_int_equal(c.max_batch_size, 2048);
    assert_int_equal(c.max_queue_size, 8192);
    assert_int_equal(c.max_queue_size_in_bytes, 0);
    assert_int_equal(c.poll_interval_ms, 500);
    assert_int_equal(c.errors_max_retries, -1);
    assert_int_equal(c.heartbeat_interval_ms, 0);
    assert_null(c.heartbeat_action_query);
    assert_string_equal(c.topic_delimiter, ".");
    assert_string_equal(c.topic_heartbeat_prefix, "__debezium-heartbeat");
    assert_null(c.topic_heartbeat_name);
    assert_string_equal(c.topic_transaction, "transaction");
    assert_null(c.signal_data_collection);
    pg_config_clear(&c);
    pg_config_clear(&c); /* clearing twice is harmless */
    cd_props_destroy(p);
}

static void test_values_parsed(void **state) {
    (void)state;
    cd_props_t *p = base_config();
    cd_props_set(p, "database.port", " 6432 ");
    cd_props_set(p, "database.sslmode", "VERIFY-FULL");
    cd_props_set(p, "database.initial.statements", "SET a = 1; SET b = ';;x';; ;");
    cd_props_set(p, "slot.name", "orders_slot");
    cd_props_set(p, "slot.stream.params", "origin=any; messages = true;bogus");
    cd_props_set(p, "slot.drop.on.stop", "TRUE");
    cd_props_set(p, "publication.autocreate.mode", "filtered");
    cd_props_set(p, "skipped.operations", "c, d");
    cd_props_set(p, "tombstones.on.delete", "false");
    cd_props_set(p, "heartbeat.interval.ms", "10000");
    cd_props_set(p, "heartbeat.action.query", "UPDATE hb SET ts = now()");
    cd_props_set(p, "provide.transaction.metadata", "true");
    cd_props_set(p, "max.batch.size", "100");
    cd_props_set(p, "max.queue.size", "1000");
    cd_props_set(p, "max.queue.size.in.bytes", "1048576");
    cd_props_set(p, "poll.interval.ms", "250");
    cd_props_set(p, "status.update.interval.ms", "2000");
    cd_props_set(p, "decimal.handling.mode", "string");
    cd_props_set(p, "time.precision.mode", "connect");
    cd_props_set(p, "binary.handling.mode", "base64-url-safe");
    cd_props_set(p, "hstore.handling.mode", "map");
    cd_props_set(p, "interval.handling.mode", "string");
    cd_props_set(p, "unavailable.value.placeholder", "hex:00fF10");
    cd_props_set(p, "snapshot.mode", "NEVER");
    cd_props_set(p, "lsn.flush.mode", "connector_and_driver");
    cd_props_set(p, "topic.heartbeat.name", "hb");
    log_begin();
    pg_config_t c;
    parse_ok(p, &c);
    char *log = log_end();
    assert_non_null(strstr(log, " WARN The following STREAM_PARAMS value is invalid: bogus (" LOGGER ")\n"));
    free(log);
    assert_int_equal(c.port, 6432);
    assert_string_equal(c.sslmode, "verify-full");
    assert_int_equal(c.n_initial_statements, 2);
    assert_string_equal(c.initial_statements[0], "SET a = 1");
    assert_string_equal(c.initial_statements[1], "SET b = ';x';");
    assert_string_equal(c.slot_name, "orders_slot");
    assert_int_equal(c.n_stream_params, 2);
    assert_string_equal(c.stream_param_keys[1], "messages");
    assert_string_equal(c.stream_param_values[1], "true");
    assert_true(c.slot_drop_on_stop);
    assert_int_equal(c.publication_autocreate_mode, PG_AUTOCREATE_FILTERED);
    assert_int_equal(c.skipped_operations, PG_OP_CREATE | PG_OP_DELETE);
    assert_false(c.tombstones_on_delete);
    assert_int_equal(c.heartbeat_interval_ms, 10000);
    assert_string_equal(c.heartbeat_action_query, "UPDATE hb SET ts = now()");
    assert_true(c.provide_transaction_metadata);
    assert_int_equal(c.max_batch_size, 100);
    assert_int_equal(c.max_queue_size, 1000);
    assert_int_equal(c.max_queue_size_in_bytes, 1048576);
    assert_int_equal(c.poll_interval_ms, 250);
    assert_int_equal(c.status_update_interval_ms, 2000);
    assert_int_equal(c.decimal_handling_mode, PG_DECIMAL_STRING);
    assert_int_equal(c.time_precision_mode, PG_TIME_CONNECT);
    assert_int_equal(c.binary_handling_mode, PG_BINARY_BASE64_URL_SAFE);
    assert_int_equal(c.hstore_handling_mode, PG_HSTORE_MAP);
    assert_int_equal(c.interval_handling_mode, PG_INTERVAL_STRING);
    assert_int_equal(c.unavailable_placeholder_len, 3);
    assert_memory_equal(c.unavailable_placeholder_bytes, "\x00\xff\x10", 3);
    assert_string_equal(c.snapshot_mode, "never");
    assert_int_equal(c.lsn_flush_mode, PG_LSN_FLUSH_CONNECTOR_AND_DRIVER);
    assert_string_equal(c.topic_heartbeat_name, "hb");
    pg_config_clear(&c);

    cd_props_set(p, "skipped.operations", "none");
    log_begin();
    parse_ok(p, &c);
    free(log_end());
    assert_int_equal(c.skipped_operations, 0);
    pg_config_clear(&c);
    cd_props_destroy(p);
}

/* ---- validation messages ---------------------------------------------------------------------- */

static void test_minimal_config_valid_in_runtime(void **state) {
    (void)state;
    const cd_connector_plugin_t plugin = {
        .class_name = "io.debezium.connector.postgresql.PostgresConnector",
        .type = CD_CONNECTOR_SOURCE,
        .config_def = {pg_config_keys, pg_config_n_keys},
        .validate = pg_config_validate,
    };
    cd_props_t *p = base_config();
    cd_config_result_t *r = cd_connector_config_validate(&plugin, p);
    assert_int_equal(cd_config_result_error_count(r), 0);
    cd_config_result_destroy(r);

    cd_props_set(p, "slot.name", "Bad");
    cd_props_set(p, "snapshot.mode", "custom");
    r = cd_connector_config_validate(&plugin, p);
    assert_int_equal(cd_config_result_error_count(r), 2);
    char *msg = cd_config_result_error_message(r);
    assert_non_null(strstr(msg, "contains the following 2 error(s)"));
    free(msg);
    cd_config_result_destroy(r);
    cd_props_destroy(p);

    /* GET /connector-plugins/{p}/config lists the connector's keys first. */
    json_object *keys = cd_connector_plugin_config_json(&plugin);
    assert_true(json_object_array_length(keys) > pg_config_n_keys);
    json_object *first = json_object_array_get_idx(keys, 0), *name;
    assert_true(json_object_object_get_ex(first, "name", &name));
    assert_string_equal(json_object_get_string(name), "database.hostname");
    json_object_put(keys);
}

static void test_required_keys(void **state) {
    (void)state;
    cd_props_t *p = cd_props_new();
    cd_props_set(p, "connector.class", "io.debezium.connector.postgresql.PostgresConnector");
    cd_props_set(p, "database.hostname", "  ");
    cd_config_result_t *r = validate(p);
    assert_error(r, "database.hostname", "The 'database.hostname' value is invalid: A value is required");
    assert_error(r, "database.user", "The 'database.user' value is invalid: A value is required");
    assert_error(r, "database.dbname", "The 'database.dbname' value is invalid: A value is required");
    assert_error(r, "topic.prefix", "The 'topic.prefix' value is invalid: A value is required");
    assert_int_equal(cd_config_result_error_count(r), 4);
    cd_config_result_destroy(r);

    /* A null value gets the engine's message only. */
    cd_props_set(p, "database.hostname", NULL);
    r = validate(p);
    assert_int_equal(cd_config_result_key_error_count(r, "database.hostname"), 1);
    assert_error(r, "database.hostname", "Null value can not be supplied as the configuration value.");
    cd_config_result_destroy(r);
    cd_props_destroy(p);
}

static void test_topic_prefix_and_slot_name(void **state) {
    (void)state;
    expect_one("topic.prefix", "my server!", "topic.prefix",
               "The 'topic.prefix' value is invalid: my server! has invalid format (only the underscore, "
               "hyphen, dot and alphanumeric characters are allowed)");
    expect_valid("topic.prefix", "dbserver-1.eu_west");
    const char *slot_msg = "The 'slot.name' value is invalid: Valid replication slot name must contain only "
                           "digits, lowercase characters and underscores with length <= 63";
    expect_one("slot.name", "Debezium", "slot.name", slot_msg);
    expect_one("slot.name", "my-slot", "slot.name", slot_msg);
    expect_one("slot.name", "", "slot.name", slot_msg);
    char long_name[65];
    memset(long_name, 'a', 64);
    long_name[64] = '\0';
    expect_one("slot.name", long_name, "slot.name", slot_msg);
    long_name[63] = '\0';
    expect_valid("slot.name", long_name);
    expect_valid("slot.name", "dbz_slot_2");
}

static void test_include_exclude_exclusive(void **state) {
    (void)state;
    const char *pairs[][2] = {{"schema.include.list", "schema.exclude.list"},
                              {"table.include.list", "table.exclude.list"},
                              {"column.include.list", "column.exclude.list"},
                              {"message.prefix.include.list", "message.prefix.exclude.list"}};
    for (size_t i = 0; i < 4; i++) {
        cd_props_t *p = base_config();
        cd_props_set(p, pairs[i][0], "a");
        cd_props_set(p, pairs[i][1], "b");
        cd_config_result_t *r = validate(p);
        char msg[256];
        snprintf(msg, sizeof(msg),
                 "The '%s' value is invalid: \"%s\" is already specified", pairs[i][1], pairs[i][0]);
        assert_error(r, pairs[i][1], msg);
        assert_int_equal(cd_config_result_error_count(r), 1);
        cd_config_result_destroy(r);
        cd_props_destroy(p);
    }
    /* An empty list is no list. */
    cd_props_t *p = base_config();
    cd_props_set(p, "table.include.list", "public.a");
    cd_props_set(p, "table.exclude.list", "");
    cd_config_result_t *r = validate(p);
    assert_int_equal(cd_config_result_error_count(r), 0);
    cd_config_result_destroy(r);
    cd_props_destroy(p);
}

static void test_bad_regex(void **state) {
    (void)state;
    cd_props_t *p = base_config();
    cd_props_set(p, "table.include.list", "public\\.ok, public.(broken");
    cd_props_set(p, "message.prefix.exclude.list", "[abc");
    cd_config_result_t *r = validate(p);
    assert_int_equal(cd_config_result_error_count(r), 2);
    const char *m = cd_config_result_key_error(r, "table.include.list", 0);
    assert_non_null(m);
    /* The first line of Java's PatternSyntaxException text: what and where. */
    assert_string_equal(m, "The 'table.include.list' value is invalid: A comma-separated list of valid "
                           "regular expressions is expected, but 'public.(broken' is not one (Unclosed group "
                           "near index 14); fix or escape that pattern");
    m = cd_config_result_key_error(r, "message.prefix.exclude.list", 0);
    assert_non_null(m);
    assert_non_null(strstr(m, "but '[abc' is not one"));
    cd_config_result_destroy(r);
    cd_props_destroy(p);
    /* Java spellings Debezium users write. */
    expect_valid("table.include.list", "(?i)public\\.t\\d+,inventory\\.(?:orders|customers),x[\\w.]*");
    expect_valid("table.include.list", "public\\.(?!audit_).*,x(?<=x)\\d*+,(?<n>a)\\k<n>,\\Qa.b\\E");
    p = base_config();
    cd_props_set(p, "column.exclude.list", "public\\.t\\.[a-z&&[^c]]");
    r = validate(p);
    assert_int_equal(cd_config_result_error_count(r), 1);
    assert_non_null(strstr(cd_config_result_key_error(r, "column.exclude.list", 0),
                           "is not one (Character class intersection (&&) is not supported; write it as a "
                           "lookahead, e.g. (?![aeiou])[a-z] near index 15); fix or escape that pattern"));
    cd_config_result_destroy(r);
    cd_props_destroy(p);
}

static void test_message_key_columns_syntax(void **state) {
    (void)state;
    expect_valid("message.key.columns", "inventory.customers:pk1,pk2;(.*).purchaseorders:pk3,pk4");
    expect_valid("message.key.columns", " public.t:id ;");
    const char *hint = "; write '<table regex>:<column>,<column>' entries separated by ';', e.g. "
                       "inventory.customers:pk1,pk2;(.*).purchaseorders:pk3";
    char msg[512];
    snprintf(msg, sizeof(msg),
             "The 'message.key.columns' value is invalid: public.t has an invalid format (expecting "
             "'^\\s*([^\\s:]+):([^:\\s]+)\\s*$')%s",
             hint);
    expect_one("message.key.columns", "public.t", "message.key.columns", msg);
    snprintf(msg, sizeof(msg),
             "The 'message.key.columns' value is invalid: a:b:c has an invalid format (expecting "
             "'^\\s*([^\\s:]+):([^:\\s]+)\\s*$')%s",
             hint);
    expect_one("message.key.columns", "x:y;a:b:c", "message.key.columns", msg);
    expect_one("message.key.columns", "", "message.key.columns",
               "The 'message.key.columns' value is invalid: Must not be empty");
    cd_props_t *p = base_config();
    cd_props_set(p, "message.key.columns", "public.(x:id");
    cd_config_result_t *r = validate(p);
    assert_int_equal(cd_config_result_error_count(r), 1);
    assert_non_null(strstr(cd_config_result_key_error(r, "message.key.columns", 0),
                           "The 'message.key.columns' value is invalid: 'public.(x' is not a valid "
                           "regular expression (Unclosed group near index 9); fix or escape that pattern"));
    cd_config_result_destroy(r);
    cd_props_destroy(p);
}

static void test_skipped_operations(void **state) {
    (void)state;
    expect_one("skipped.operations", "c,x", "skipped.operations",
               "The 'skipped.operations' value is invalid: Invalid operation");
    expect_one("skipped.operations", "none,c", "skipped.operations",
               "The 'skipped.operations' value is invalid: 'none' cannot be specified with other skipped "
               "operation types");
    expect_one("skipped.operations", "", "skipped.operations",
               "The 'skipped.operations' value is invalid: Invalid operation");
    expect_valid("skipped.operations", "none");
    expect_valid("skipped.operations", "c, u ,d,t");
}

static void test_snapshot_mode(void **state) {
    (void)state;
    const char *modes[] = {"initial", "always", "initial_only", "when_needed", "configuration_based", "no_data"};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) expect_valid("snapshot.mode", modes[i]);
    expect_one("snapshot.mode", "custom", "snapshot.mode", CUSTOM_SNAPSHOT_MODE);
    expect_one("snapshot.locking.mode", "custom", "snapshot.locking.mode",
               "snapshot.locking.mode 'custom' loads a Java SnapshotLock class, which connectd cannot run: use none "
               "(the default) or shared");
    expect_one("snapshot.select.statement.overrides", "public.a", "snapshot.select.statement.overrides",
               "snapshot.select.statement.overrides names 'public.a' but snapshot.select.statement.overrides.public.a "
               "is not set: set it to the SELECT that reads that table's rows, or remove 'public.a' from the list");
    /* Unset: Debezium's default, initial. */
    cd_props_t *u = base_config();
    cd_props_remove(u, "snapshot.mode");
    cd_config_result_t *ur = validate(u);
    assert_int_equal(cd_config_result_error_count(ur), 0);
    cd_config_result_destroy(ur);
    pg_config_t c;
    char err[512];
    assert_int_equal(pg_config_parse(u, &c, err, sizeof(err)), 0);
    assert_int_equal(c.snapshot, PG_SNAPSHOT_INITIAL);
    assert_int_equal(c.snapshot_max_threads, 1);
    assert_int_equal(c.snapshot_fetch_size, 10240);
    pg_config_clear(&c);
    cd_props_set(u, "snapshot.mode", "Initial_Only");
    cd_props_set(u, "snapshot.select.statement.overrides", "public.a, public.b");
    cd_props_set(u, "snapshot.select.statement.overrides.public.a", "SELECT * FROM public.a WHERE x");
    cd_props_set(u, "snapshot.select.statement.overrides.public.b", "SELECT 1");
    assert_int_equal(pg_config_parse(u, &c, err, sizeof(err)), 0);
    assert_int_equal(c.snapshot, PG_SNAPSHOT_INITIAL_ONLY);
    assert_string_equal(pg_config_snapshot_select(&c, "public", "a"), "SELECT * FROM public.a WHERE x");
    assert_string_equal(pg_config_snapshot_select(&c, "public", "b"), "SELECT 1");
    assert_null(pg_config_snapshot_select(&c, "public", "c"));
    pg_config_clear(&c);
    cd_props_destroy(u);
    expect_valid("snapshot.mode", "No_Data");
    /* Debezium 3.4 no longer has 'never'; not a mode at all: Debezium's message alone, the literals
     * in its order */
    expect_one("snapshot.mode", "never", "snapshot.mode",
               "The 'snapshot.mode' value is invalid: Value must be one of always, initial_only, "
               "configuration_based, when_needed, initial, custom, no_data");
    cd_props_t *p = base_config();
    cd_props_set(p, "snapshot.mode", "sometimes");
    cd_config_result_t *r = validate(p);
    assert_int_equal(cd_config_result_error_count(r), 1);
    assert_non_null(strstr(cd_config_result_key_error(r, "snapshot.mode", 0),
                           "The 'snapshot.mode' value is invalid: Value must be one of "));
    cd_config_result_destroy(r);
    cd_props_destroy(p);
}

static void test_ranges_and_enums(void **state) {
    (void)state;
    /* Debezium's Field validators: the type's message, then the key's own (isInteger says it
     * again); Debezium does not check the port's range */
    expect_valid("database.port", "70000");
    cd_props_t *p = base_config();
    cd_props_set(p, "database.port", "pg");
    cd_config_result_t *r = validate(p);
    assert_error(r, "database.port", "The 'database.port' value is invalid: An integer is expected");
    assert_int_equal(cd_config_result_error_count(r), 2);
    cd_config_result_destroy(r);
    cd_props_destroy(p);
    expect_one("max.batch.size", "0", "max.batch.size",
               "The 'max.batch.size' value is invalid: A positive, non-zero integer value is expected");
    cd_props_t *q = base_config(); /* Debezium's type validator and isBoolean say it twice */
    cd_props_set(q, "tombstones.on.delete", "yes");
    cd_config_result_t *rq = validate(q);
    assert_error(rq, "tombstones.on.delete", "The 'tombstones.on.delete' value is invalid: Either 'true' or 'false' is expected");
    assert_int_equal(cd_config_result_error_count(rq), 2);
    cd_config_result_destroy(rq);
    cd_props_destroy(q);
    expect_one("publication.autocreate.mode", "some", "publication.autocreate.mode",
               "The 'publication.autocreate.mode' value is invalid: Value must be one of no_tables, filtered, "
               "disabled, all_tables");
    expect_valid("publication.autocreate.mode", "no_tables");
    expect_valid("database.sslmode", "verify-ca");
    expect_valid("binary.handling.mode", "hex");
    expect_valid("time.precision.mode", "adaptive_time_microseconds");
    expect_one("unavailable.value.placeholder", "hex:0g", "unavailable.value.placeholder",
               "The 'unavailable.value.placeholder' value is invalid: 'hex:0g' starts with 'hex:' but is not "
               "followed by an even number of hexadecimal digits; write the octets in hex (e.g. hex:00ff) or "
               "drop the 'hex:' prefix");
}

static void test_queue_size(void **state) {
    (void)state;
    expect_one("max.queue.size", "100", "max.queue.size",
               "The 'max.queue.size' value is invalid: Must be larger than the maximum batch size");
    expect_one("max.batch.size", "8192", "max.queue.size",
               "The 'max.queue.size' value is invalid: Must be larger than the maximum batch size");
    expect_valid("max.queue.size", "2049");
}

static void test_decoderbufs_warns(void **state) {
    (void)state;
    log_begin();
    expect_valid("plugin.name", "decoderbufs");
    char *log = log_end();
    assert_int_equal(count(log, " WARN plugin.name 'decoderbufs' is accepted for compatibility, but connectd "
                                "decodes only pgoutput: the replication slot and stream use pgoutput. Set "
                                "plugin.name to pgoutput to silence this warning. (" LOGGER ")\n"),
                     1);
    free(log);
    log_begin();
    expect_valid("plugin.name", "pgoutput");
    expect_one("plugin.name", "wal2json", "plugin.name",
               "The 'plugin.name' value is invalid: Value must be one of decoderbufs, pgoutput");
    log = log_end();
    assert_null(strstr(log, "decoderbufs"));
    free(log);
}

/* ---- Debezium 1.x names ----------------------------------------------------------------------- */

static void test_legacy_names_mapped_with_warnings(void **state) {
    (void)state;
    cd_props_t *p = base_config();
    cd_props_remove(p, "topic.prefix");
    cd_props_set(p, "database.server.name", "dbserver1");
    cd_props_set(p, "table.whitelist", "public.orders");
    cd_props_set(p, "column.blacklist", "public.orders.secret");
    cd_props_set(p, "heartbeat.topics.prefix", "hb");
    cd_props_set(p, "toasted.value.placeholder", "__toast");

    log_begin();
    cd_props_t *eff = pg_config_effective(p);
    char *log = log_end();
    assert_string_equal(cd_props_get(eff, "topic.prefix"), "dbserver1");
    assert_string_equal(cd_props_get(eff, "table.include.list"), "public.orders");
    assert_string_equal(cd_props_get(eff, "column.exclude.list"), "public.orders.secret");
    assert_string_equal(cd_props_get(eff, "topic.heartbeat.prefix"), "hb");
    assert_string_equal(cd_props_get(eff, "unavailable.value.placeholder"), "__toast");
    assert_false(cd_props_has(eff, "database.server.name"));
    assert_false(cd_props_has(eff, "table.whitelist"));
    assert_string_equal(cd_props_get(eff, "database.hostname"), "db");
    assert_int_equal(count(log, " WARN Using configuration property \"database.server.name\" is deprecated and "
                                "will be removed in future versions. Please use \"topic.prefix\" instead. (" LOGGER
                                ")\n"),
                     1);
    assert_int_equal(count(log, "Using configuration property \"table.whitelist\" is deprecated and will be "
                                "removed in future versions. Please use \"table.include.list\" instead."),
                     1);
    assert_int_equal(count(log, "Please use \"column.exclude.list\" instead."), 1);
    assert_int_equal(count(log, "Please use \"topic.heartbeat.prefix\" instead."), 1);
    assert_int_equal(count(log, "Please use \"unavailable.value.placeholder\" instead."), 1);
    assert_int_equal(count(log, " WARN "), 5);
    free(log);
    cd_props_destroy(eff);

    /* Valid as a whole, one WARN per old name from validate too. */
    log_begin();
    cd_config_result_t *r = validate(p);
    log = log_end();
    assert_int_equal(cd_config_result_error_count(r), 0);
    assert_int_equal(count(log, " WARN "), 5);
    free(log);
    cd_config_result_destroy(r);

    /* And the parsed view uses them. */
    log_begin();
    pg_config_t c;
    parse_ok(p, &c);
    free(log_end());
    assert_string_equal(c.topic_prefix, "dbserver1");
    assert_string_equal(c.topic_heartbeat_prefix, "hb");
    assert_true(pg_config_table_included(&c, "public", "orders"));
    assert_false(pg_config_table_included(&c, "public", "customers"));
    assert_false(pg_config_column_included(&c, "public", "orders", "secret"));
    assert_true(pg_config_column_included(&c, "public", "orders", "id"));
    pg_config_clear(&c);
    cd_props_destroy(p);
}

static void test_legacy_name_loses_to_current(void **state) {
    (void)state;
    cd_props_t *p = base_config();
    cd_props_set(p, "database.server.name", "old");
    cd_props_set(p, "schema.blacklist", "audit");
    cd_props_set(p, "schema.exclude.list", "internal");
    log_begin();
    cd_props_t *eff = pg_config_effective(p);
    char *log = log_end();
    assert_string_equal(cd_props_get(eff, "topic.prefix"), "fulfillment");
    assert_string_equal(cd_props_get(eff, "schema.exclude.list"), "internal");
    assert_false(cd_props_has(eff, "database.server.name"));
    assert_non_null(strstr(log, " WARN Configuration property \"database.server.name\" is ignored because "
                                "\"topic.prefix\" is set; remove \"database.server.name\". (" LOGGER ")\n"));
    assert_non_null(strstr(log, "Configuration property \"schema.blacklist\" is ignored because "
                                "\"schema.exclude.list\" is set; remove \"schema.blacklist\"."));
    free(log);
    cd_props_destroy(eff);
    cd_props_destroy(p);
}

static void test_legacy_errors_name_the_old_key(void **state) {
    (void)state;
    cd_props_t *p = base_config();
    cd_props_remove(p, "topic.prefix");
    cd_props_set(p, "database.server.name", "bad name");
    cd_props_set(p, "table.whitelist", "public.a");
    cd_props_set(p, "table.blacklist", "public.(b");
    log_begin();
    cd_config_result_t *r = validate(p);
    free(log_end());
    assert_error(r, "database.server.name",
                 "The 'database.server.name' value is invalid: bad name has invalid format (only the "
                 "underscore, hyphen, dot and alphanumeric characters are allowed)");
    assert_error(r, "table.blacklist",
                 "The 'table.blacklist' value is invalid: \"table.whitelist\" is already specified");
    assert_non_null(strstr(cd_config_result_key_error(r, "table.blacklist", 0),
                           "The 'table.blacklist' value is invalid: A comma-separated list of valid regular "
                           "expressions is expected, but 'public.(b' is not one"));
    assert_int_equal(cd_config_result_key_error_count(r, "topic.prefix"), 0);
    assert_int_equal(cd_config_result_error_count(r), 3);
    cd_config_result_destroy(r);
    cd_props_destroy(p);
}

static void test_flush_lsn_source(void **state) {
    (void)state;
    cd_props_t *p = base_config();
    cd_props_set(p, "flush.lsn.source", "false");
    log_begin();
    pg_config_t c;
    parse_ok(p, &c);
    char *log = log_end();
    assert_int_equal(c.lsn_flush_mode, PG_LSN_FLUSH_MANUAL);
    assert_non_null(strstr(log, "Please use \"lsn.flush.mode\" instead."));
    assert_non_null(strstr(log, "Property 'flush.lsn.source' is set to 'false', the LSN will not be flushed"));
    free(log);
    pg_config_clear(&c);

    cd_props_set(p, "lsn.flush.mode", "connector");
    log_begin();
    parse_ok(p, &c);
    log = log_end();
    assert_int_equal(c.lsn_flush_mode, PG_LSN_FLUSH_CONNECTOR);
    assert_non_null(strstr(log, "\"flush.lsn.source\" is ignored because \"lsn.flush.mode\" is set"));
    free(log);
    pg_config_clear(&c);
    cd_props_destroy(p);
}

/* ---- parse errors ----------------------------------------------------------------------------- */

static void test_parse_reports_every_problem(void **state) {
    (void)state;
    cd_props_t *p = base_config();
    cd_props_remove(p, "topic.prefix");
    cd_props_set(p, "database.port", "x");
    cd_props_set(p, "snapshot.mode", "custom");
    pg_config_t c;
    char err[1024];
    assert_int_equal(pg_config_parse(p, &c, err, sizeof(err)), -1);
    assert_string_equal(err,
                        "Invalid value x for configuration database.port: Not a number of type INT; "
                        "Invalid value null for configuration database.port: Value must be non-null; "
                        "The 'topic.prefix' value is invalid: A value is required; " CUSTOM_SNAPSHOT_MODE);
    assert_null(c.hostname);
    pg_config_clear(&c);
    /* A short buffer is cut, never overrun. */
    char small[16];
    assert_int_equal(pg_config_parse(p, &c, small, sizeof(small)), -1);
    assert_int_equal(strlen(small), 15);
    cd_props_destroy(p);
}

/* ---- matching --------------------------------------------------------------------------------- */

static void parse_with(pg_config_t *c, const char *k1, const char *v1, const char *k2, const char *v2) {
    cd_props_t *p = base_config();
    if (k1) cd_props_set(p, k1, v1);
    if (k2) cd_props_set(p, k2, v2);
    parse_ok(p, c);
    cd_props_destroy(p);
}

static void test_table_matching(void **state) {
    (void)state;
    pg_config_t c;
    parse_with(&c, NULL, NULL, NULL, NULL);
    assert_true(pg_config_table_included(&c, "public", "orders"));
    assert_true(pg_config_table_included(&c, "Sales", "Orders"));
    assert_false(pg_config_table_included(&c, "pg_catalog", "pg_class"));
    assert_false(pg_config_table_included(&c, "information_schema", "tables"));
    assert_false(pg_config_table_included(&c, "pg_temp_3", "t"));
    assert_false(pg_config_table_included(&c, "public", "spatial_ref_sys"));
    pg_config_clear(&c);

    /* Whole names only, case-insensitively, as Debezium's Predicates.includes matches. */
    parse_with(&c, "table.include.list", "public.orders, inventory\\.cust.*", NULL, NULL);
    assert_true(pg_config_table_included(&c, "public", "orders"));
    assert_true(pg_config_table_included(&c, "PUBLIC", "Orders"));
    assert_false(pg_config_table_included(&c, "public", "orders_archive"));
    assert_false(pg_config_table_included(&c, "xpublic", "orders"));
    assert_true(pg_config_table_included(&c, "inventory", "customers"));
    assert_false(pg_config_table_included(&c, "inventoryXcust", "x"));
    assert_false(pg_config_table_included(&c, "pg_catalog", "orders"));
    pg_config_clear(&c);

    /* The database-qualified form matches too. */
    parse_with(&c, "table.include.list", "inventory\\.public\\.orders", NULL, NULL);
    assert_true(pg_config_table_included(&c, "public", "orders"));
    pg_config_clear(&c);

    parse_with(&c, "table.exclude.list", "public\\.audit_\\d+", "schema.include.list", "public,sales");
    assert_true(pg_config_table_included(&c, "public", "orders"));
    assert_false(pg_config_table_included(&c, "public", "audit_2024"));
    assert_true(pg_config_table_included(&c, "public", "audit_x"));
    assert_true(pg_config_table_included(&c, "sales", "audit_1"));
    assert_false(pg_config_table_included(&c, "hr", "people"));
    pg_config_clear(&c);

    parse_with(&c, "schema.exclude.list", "tmp.*", NULL, NULL);
    assert_false(pg_config_table_included(&c, "tmp_x", "a"));
    assert_true(pg_config_table_included(&c, "public", "a"));
    pg_config_clear(&c);

    /* "\," keeps a comma inside a pattern (a quantifier here). */
    parse_with(&c, "table.include.list", "public\\.t[0-9]{1\\,2}", NULL, NULL);
    assert_int_equal(c.table_include.n, 1);
    assert_string_equal(c.table_include.patterns[0], "public\\.t[0-9]{1,2}");
    assert_true(pg_config_table_included(&c, "public", "t12"));
    assert_false(pg_config_table_included(&c, "public", "t123"));
    pg_config_clear(&c);

    /* Java spellings: (?i), (?:...), \d, and escapes inside brackets. */
    parse_with(&c, "table.include.list", "(?i)public\\.(?:a|b)\\d,public\\.c[\\d\\.]+", NULL, NULL);
    assert_true(pg_config_table_included(&c, "public", "a1"));
    assert_false(pg_config_table_included(&c, "public", "ab"));
    assert_true(pg_config_table_included(&c, "public", "c1.2"));
    assert_false(pg_config_table_included(&c, "public", "c\\"));
    pg_config_clear(&c);

    /* What POSIX regcomp could not run: lookarounds, possessive and lazy quantifiers, named
     * groups; still whole names and case-insensitive. */
    parse_with(&c, "table.include.list", "public\\.(?!audit_).*,(?<s>sales)\\.\\w++(?<!_tmp),hr\\.p.*?e", NULL, NULL);
    assert_true(pg_config_table_included(&c, "public", "orders"));
    assert_true(pg_config_table_included(&c, "PUBLIC", "audit"));
    assert_false(pg_config_table_included(&c, "public", "audit_log"));
    assert_false(pg_config_table_included(&c, "public", "AUDIT_log"));
    assert_true(pg_config_table_included(&c, "sales", "orders"));
    assert_false(pg_config_table_included(&c, "sales", "orders_tmp"));
    assert_true(pg_config_table_included(&c, "hr", "people"));
    assert_false(pg_config_table_included(&c, "hr", "peoples"));
    pg_config_clear(&c);
}

static void test_column_matching(void **state) {
    (void)state;
    pg_config_t c;
    parse_with(&c, NULL, NULL, NULL, NULL);
    assert_true(pg_config_column_included(&c, "public", "t", "anything"));
    pg_config_clear(&c);

    parse_with(&c, "column.exclude.list", "public\\.users\\.(password|ssn), .*\\.internal_.*", NULL, NULL);
    assert_false(pg_config_column_included(&c, "public", "users", "password"));
    assert_false(pg_config_column_included(&c, "public", "users", "SSN"));
    assert_true(pg_config_column_included(&c, "public", "users", "password_hint"));
    assert_false(pg_config_column_included(&c, "sales", "t", "internal_note"));
    assert_true(pg_config_column_included(&c, "sales", "t", "note"));
    pg_config_clear(&c);

    parse_with(&c, "column.include.list", "public\\.users\\.(id|name)", NULL, NULL);
    assert_true(pg_config_column_included(&c, "public", "users", "id"));
    assert_false(pg_config_column_included(&c, "public", "users", "email"));
    assert_false(pg_config_column_included(&c, "other", "users", "id"));
    pg_config_clear(&c);
}

static void test_message_prefix_matching(void **state) {
    (void)state;
    pg_config_t c;
    parse_with(&c, NULL, NULL, NULL, NULL);
    assert_true(pg_config_message_prefix_included(&c, "anything"));
    assert_true(pg_config_message_prefix_included(&c, ""));
    pg_config_clear(&c);

    parse_with(&c, "message.prefix.include.list", "audit,app-.*", NULL, NULL);
    assert_true(pg_config_message_prefix_included(&c, "audit"));
    assert_false(pg_config_message_prefix_included(&c, "audit2"));
    assert_true(pg_config_message_prefix_included(&c, "app-orders"));
    assert_false(pg_config_message_prefix_included(&c, "other"));
    pg_config_clear(&c);

    parse_with(&c, "message.prefix.exclude.list", "debug.*", NULL, NULL);
    assert_false(pg_config_message_prefix_included(&c, "debug"));
    assert_false(pg_config_message_prefix_included(&c, "DEBUG_x"));
    assert_true(pg_config_message_prefix_included(&c, "audit"));
    pg_config_clear(&c);
}

static void test_key_columns(void **state) {
    (void)state;
    pg_config_t c;
    /* " public.t : x" does not match Debezium's pattern (a space before ':'). */
    cd_props_t *p = base_config();
    cd_props_set(p, "message.key.columns", "inventory.customers:pk1,pk2;(.*).purchaseorders:pk3,pk4; public.t : x");
    cd_config_result_t *r = validate(p);
    assert_int_equal(cd_config_result_error_count(r), 1);
    cd_config_result_destroy(r);

    cd_props_set(p, "message.key.columns",
                 "inventory.customers:pk1,pk2;(.*).purchaseorders:pk3,pk4;public.orders:ID,pk3;");
    parse_ok(p, &c);
    assert_int_equal(c.n_key_columns, 3);
    assert_string_equal(c.key_columns[0].table_pattern, "inventory.customers");
    assert_int_equal(c.key_columns[0].n_columns, 2);
    assert_string_equal(c.key_columns[0].columns[1], "pk2");
    assert_string_equal(c.key_columns[1].table_pattern, "(.*).purchaseorders");
    assert_string_equal(c.key_columns[1].columns[0], "pk3");

    const char *cols[8];
    assert_int_equal(pg_config_key_columns(&c, "inventory", "customers", cols, 8), 2);
    assert_string_equal(cols[0], "pk1");
    assert_string_equal(cols[1], "pk2");
    assert_int_equal(pg_config_key_columns(&c, "sales", "purchaseorders", cols, 8), 2);
    assert_string_equal(cols[0], "pk3");
    assert_string_equal(cols[1], "pk4");
    assert_int_equal(pg_config_key_columns(&c, "inventory", "customers_old", cols, 8), 0);
    assert_int_equal(pg_config_key_columns(&c, "public", "other", cols, 8), 0);
    /* Entries are combined in property order, without repeats; the count is the total. */
    cd_props_set(p, "message.key.columns", "public.orders:ID,pk3;public\\..*:id,extra");
    pg_config_clear(&c);
    parse_ok(p, &c);
    assert_int_equal(pg_config_key_columns(&c, "public", "orders", cols, 8), 3);
    assert_string_equal(cols[0], "ID");
    assert_string_equal(cols[1], "pk3");
    assert_string_equal(cols[2], "extra");
    assert_int_equal(pg_config_key_columns(&c, "public", "orders", cols, 1), 3);
    assert_int_equal(pg_config_key_columns(&c, "PUBLIC", "ORDERS", NULL, 0), 3);
    pg_config_clear(&c);
    cd_props_destroy(p);
}

static int group_setup(void **state) {
    (void)state;
    log_set_level("root", LOG_LEVEL_DEBUG, NULL);
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    log_set_output(NULL);
    log_shutdown();
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_well_formed),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values_parsed),
        cmocka_unit_test(test_minimal_config_valid_in_runtime),
        cmocka_unit_test(test_required_keys),
        cmocka_unit_test(test_topic_prefix_and_slot_name),
        cmocka_unit_test(test_include_exclude_exclusive),
        cmocka_unit_test(test_bad_regex),
        cmocka_unit_test(test_message_key_columns_syntax),
        cmocka_unit_test(test_skipped_operations),
        cmocka_unit_test(test_snapshot_mode),
        cmocka_unit_test(test_ranges_and_enums),
        cmocka_unit_test(test_queue_size),
        cmocka_unit_test(test_decoderbufs_warns),
        cmocka_unit_test(test_legacy_names_mapped_with_warnings),
        cmocka_unit_test(test_legacy_name_loses_to_current),
        cmocka_unit_test(test_legacy_errors_name_the_old_key),
        cmocka_unit_test(test_flush_lsn_source),
        cmocka_unit_test(test_parse_reports_every_problem),
        cmocka_unit_test(test_table_matching),
        cmocka_unit_test(test_column_matching),
        cmocka_unit_test(test_message_prefix_matching),
        cmocka_unit_test(test_key_columns),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
