/* pg_config.h - the PostgreSQL source connector's configuration, as Debezium 3.x accepts it
 * (spec debezium-postgres.md §5): the key definitions, the cross-key checks of validate, the
 * mapping of Debezium 1.x names, and the parsed view the streaming code works from. */
#ifndef CONNECTD_PG_CONFIG_H
#define CONNECTD_PG_CONFIG_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connectd/config_def.h"
#include "connectd/props.h"
#include "connectors/postgres/pg_types.h" /* the decimal/time/binary/hstore/interval modes */

/* Every key of spec §5.2-§5.8, then the Debezium 1.x names (group "Deprecated"). Static. Keys for
 * features connectd does not have yet (snapshots, signals, incremental snapshots, custom
 * converters) are defined too, so that the configs users already have pass validation. */
/* The count is a constant so that the plugin's static definition can name it; pg_config.c checks
 * that it matches the array. */
#define PG_CONFIG_N_KEYS 121
extern const cd_config_key_t pg_config_keys[PG_CONFIG_N_KEYS];
extern const size_t pg_config_n_keys;

/* The keys the connector shows (GET /connector-plugins/.../config, validate): Debezium 3.4.3's
 * ConfigDef, generated into pg_config_debezium.c by scripts/gen-pg-config-def.py, with the
 * validators of the pg_config_keys of the same name and type. pg_config_keys holds what connectd
 * parses, including keys Debezium accepts but does not list in its ConfigDef. */
#define PG_DEBEZIUM_N_KEYS 120
extern cd_config_key_t pg_debezium_keys[PG_DEBEZIUM_N_KEYS];

/* The plugin's validate hook: checks that need more than one key or more than a type, run on
 * pg_config_effective(config). Errors go to the key the user wrote (a 1.x name when that is
 * what was submitted). Messages taken from Debezium keep its framing ("The '<key>' value is
 * invalid: <problem>") so that runbooks still match. Logs the 1.x-name and decoderbufs WARNs. */
void pg_config_validate(const cd_props_t *config, cd_config_result_t *result);

/* A new props (the caller destroys it) with the Debezium 1.x names replaced by the current ones:
 * database.server.name -> topic.prefix, {schema,table,column}.whitelist -> *.include.list,
 * *.blacklist -> *.exclude.list, heartbeat.topics.prefix -> topic.heartbeat.prefix,
 * toasted.value.placeholder -> unavailable.value.placeholder, and the 3.4-deprecated boolean
 * flush.lsn.source -> lsn.flush.mode (false: manual, true: connector). A current name that is set
 * wins over its old one. Logs one WARN per old name found. */
cd_props_t *pg_config_effective(const cd_props_t *config);

/* ---- the parsed view -------------------------------------------------------------------- */

typedef enum {
    PG_AUTOCREATE_ALL_TABLES,
    PG_AUTOCREATE_DISABLED,
    PG_AUTOCREATE_FILTERED,
    PG_AUTOCREATE_NO_TABLES,
} pg_autocreate_mode_t;


typedef enum {
    PG_LSN_FLUSH_CONNECTOR,
    PG_LSN_FLUSH_MANUAL,
    PG_LSN_FLUSH_CONNECTOR_AND_DRIVER,
} pg_lsn_flush_mode_t;

/* skipped.operations as bits. */
enum { PG_OP_CREATE = 1u << 0, PG_OP_UPDATE = 1u << 1, PG_OP_DELETE = 1u << 2, PG_OP_TRUNCATE = 1u << 3 };

/* A comma-separated regex list: the patterns as written (for messages and for building a
 * filtered publication) and compiled to match a whole name, case-insensitively, as Debezium's
 * Predicates.includes does. Empty (n == 0) when the key is unset or blank. */
typedef struct {
    char **patterns;
    regex_t *compiled;
    size_t n;
} pg_regex_list_t;

/* One entry of message.key.columns ("<table regex>:<col>,<col>"). */
typedef struct {
    char *table_pattern; /* matched against "<schema>.<table>" (or "<db>.<schema>.<table>") */
    regex_t table_re;
    char **columns;
    size_t n_columns;
} pg_key_columns_t;

/* Every string and array is owned by the struct and freed by pg_config_clear. */
typedef struct pg_config {
    /* connection (§5.2) */
    char *hostname;
    int port;
    char *user;
    char *password;               /* NULL when not set */
    char *dbname;
    char *sslmode;                /* lower case, as libpq spells it */
    char *sslcert, *sslkey, *sslpassword, *sslrootcert; /* NULL when not set */
    bool tcp_keepalive;
    char **initial_statements;    /* database.initial.statements split on ';' (';;' is a ';') */
    size_t n_initial_statements;
    int query_timeout_ms;
    int64_t connection_validation_timeout_ms;
    char *topic_prefix;

    /* slot and publication (§5.3) */
    char *plugin_name;            /* always "pgoutput": the only decoder connectd has */
    char *slot_name;
    bool slot_drop_on_stop;
    bool slot_failover;
    char *slot_stream_params;     /* raw "k=v;k=v", NULL when not set */
    char **stream_param_keys, **stream_param_values; /* its well-formed pairs, trimmed */
    size_t n_stream_params;
    int slot_max_retries;
    int64_t slot_retry_delay_ms;
    char *publication_name;
    pg_autocreate_mode_t publication_autocreate_mode;
    bool publish_via_partition_root;
    int status_update_interval_ms;
    int64_t xmin_fetch_interval_ms;
    pg_lsn_flush_mode_t lsn_flush_mode;
    int64_t lsn_flush_timeout_ms;
    char *lsn_flush_timeout_action; /* fail, warn, ignore */
    char *offset_mismatch_strategy; /* no_validation, trust_offset, trust_slot, trust_greater_lsn */

    /* filters (§5.4) */
    pg_regex_list_t schema_include, schema_exclude;
    pg_regex_list_t table_include, table_exclude;
    pg_regex_list_t column_include, column_exclude;
    pg_regex_list_t message_prefix_include, message_prefix_exclude;

    /* snapshots (§5.5): only no_data exists so far. snapshot_mode is "no_data" or "never" (the
     * user must set one of them; validation refuses the others and an unset one). */
    char *snapshot_mode;

    /* event content (§5.6) */
    bool tombstones_on_delete;
    unsigned skipped_operations;  /* PG_OP_* bits; default PG_OP_TRUNCATE */
    bool skip_messages_without_change;
    pg_key_columns_t *key_columns;
    size_t n_key_columns;
    pg_decimal_mode_t decimal_handling_mode;
    pg_time_mode_t time_precision_mode;
    pg_binary_mode_t binary_handling_mode;
    pg_hstore_mode_t hstore_handling_mode;
    pg_interval_mode_t interval_handling_mode;
    int money_fraction_digits;
    bool include_unknown_datatypes;
    char *unavailable_value_placeholder;      /* as configured */
    uint8_t *unavailable_placeholder_bytes;   /* what goes into events: the text, or the decoded
                                                 octets of a "hex:..." value */
    size_t unavailable_placeholder_len;
    char *schema_name_adjustment_mode, *field_name_adjustment_mode; /* none, avro, avro_unicode */
    bool provide_transaction_metadata;
    bool extended_headers_enabled;
    char *event_processing_failure_handling_mode; /* fail, warn, skip, ignore */

    /* throughput, heartbeat, topics (§5.7) */
    int max_batch_size;
    int max_queue_size;
    int64_t max_queue_size_in_bytes;
    int64_t poll_interval_ms;
    int errors_max_retries;
    int64_t retriable_restart_connector_wait_ms;
    int heartbeat_interval_ms;
    char *heartbeat_action_query; /* NULL when not set */
    char *topic_delimiter;
    char *topic_heartbeat_prefix;
    char *topic_heartbeat_name;   /* NULL when not set */
    char *topic_transaction;

    /* signals (§5.8) */
    char *signal_data_collection; /* NULL when not set */
} pg_config_t;

/* Fills out from a connector or task config (1.x names allowed): the same checks as the engine
 * plus pg_config_validate. Returns 0, or -1 with every problem in errstr (out is then cleared).
 * Logs the same WARNs as validate. pg_config_clear frees what it filled in. */
int pg_config_parse(const cd_props_t *config, pg_config_t *out, char *errstr, size_t errstr_size);
void pg_config_clear(pg_config_t *c);

/* Whether changes of a table are captured: never for the system schemas pg_catalog,
 * information_schema and pg_temp*, nor for a table called spatial_ref_sys; otherwise the schema
 * and "<schema>.<table>" lists decide (include: must match one; exclude: must match none). */
bool pg_config_table_included(const pg_config_t *c, const char *schema, const char *table);
/* Whether a column goes into the value: the column lists against "<schema>.<table>.<column>".
 * (Key columns stay in the key regardless; that is the caller's part.) */
bool pg_config_column_included(const pg_config_t *c, const char *schema, const char *table,
                               const char *column);
/* Whether a logical decoding message with this prefix is emitted. */
bool pg_config_message_prefix_included(const pg_config_t *c, const char *prefix);

/* The message.key.columns for a table, as Debezium's CustomKeyMapper has them: the columns of
 * every entry whose table pattern matches, in property order, without repeats. Writes up to cap
 * pointers (into c) to out and returns the total; 0 means "use the primary key". Column names
 * compare case-insensitively with the table's, as Debezium's matching does. */
size_t pg_config_key_columns(const pg_config_t *c, const char *schema, const char *table,
                             const char **out, size_t cap);

#endif
