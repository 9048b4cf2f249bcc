/* pg_config_keys.c - the PostgreSQL connector's key definitions: Debezium 3.x names, defaults,
 * allowed values and documentation (spec debezium-postgres.md §5), plus connectd's own keys. The
 * checks and the parsed view that use them are in pg_config.c. */
#include "connectors/postgres/pg_config.h"
#include "connectors/postgres/pg_config_int.h"

/* ---- key definitions ------------------------------------------------------------------------ */

const char *const pg_cfg_sslmodes[] = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full", NULL};
const char *const pg_cfg_plugins[] = {"pgoutput", "decoderbufs", NULL};
/* In the order of the enums of pg_config.h where there is one: enum_index() relies on it. */
const char *const pg_cfg_autocreate_modes[] = {"all_tables", "disabled", "filtered", "no_tables", NULL};
const char *const pg_cfg_lsn_flush_modes[] = {"connector", "manual", "connector_and_driver", NULL};
const char *const pg_cfg_flush_timeout_actions[] = {"fail", "warn", "ignore", NULL};
const char *const pg_cfg_offset_mismatch[] = {"no_validation", "trust_offset", "trust_slot",
                                               "trust_greater_lsn", NULL};
const char *const pg_cfg_snapshot_modes[] = {"always",      "initial",     "never",
                                             "no_data",     "initial_only", "when_needed",
                                             "configuration_based", "custom", NULL};
const char *const pg_cfg_isolation_modes[] = {"serializable", "repeatable_read", "read_committed",
                                              "read_uncommitted", NULL};
const char *const pg_cfg_locking_modes[] = {"shared", "none", "custom", NULL};
const char *const pg_cfg_query_modes[] = {"select_all", "custom", NULL};
const char *const pg_cfg_decimal_modes[] = {"precise", "double", "string", NULL};
const char *const pg_cfg_time_modes[] = {"adaptive", "adaptive_time_microseconds", "connect",
                                         "isostring", "microseconds", "nanoseconds", NULL};
const char *const pg_cfg_binary_modes[] = {"bytes", "base64", "base64-url-safe", "hex", NULL};
const char *const pg_cfg_hstore_modes[] = {"json", "map", NULL};
const char *const pg_cfg_interval_modes[] = {"numeric", "string", NULL};
const char *const pg_cfg_adjustment_modes[] = {"none", "avro", "avro_unicode", NULL};
const char *const pg_cfg_refresh_modes[] = {"columns_diff", "columns_diff_exclude_unchanged_toast", NULL};
const char *const pg_cfg_processing_failure_modes[] = {"fail", "warn", "skip", "ignore", NULL};
const char *const pg_cfg_converting_failure_modes[] = {"fail", "warn", "skip", NULL};
const char *const pg_cfg_watermark_strategies[] = {"insert_insert", "insert_delete", NULL};

#define G_CONN "Postgres"
#define G_REPL "Replication"
#define G_FILTERS "Filters"
#define G_SNAP "Snapshot"
#define G_EVENTS "Events"
#define G_CONNECTOR "Connector"
#define G_SIGNALS "Signals"
#define G_DEPRECATED "Deprecated"

/* Every key is optional for the engine: the ones Debezium requires (hostname, user, dbname,
 * topic.prefix) are checked by pg_config_validate, because topic.prefix may come from the 1.x
 * database.server.name and the message should be Debezium's. */
#define KEY(n, t, def, imp, grp, w, disp, doc)                                                     \
    {.name = (n), .type = (t), .has_default = true, .default_value = (def), .importance = (imp),   \
     .documentation = (doc), .group = (grp), .order = -1, .width = (w), .display_name = (disp)}
#define STR(n, def, imp, grp, disp, doc) KEY(n, CD_CFG_STRING, def, imp, grp, CD_WIDTH_MEDIUM, disp, doc)
#define BOOL(n, def, imp, grp, disp, doc) KEY(n, CD_CFG_BOOLEAN, def, imp, grp, CD_WIDTH_SHORT, disp, doc)
#define LIST(n, def, imp, grp, disp, doc) KEY(n, CD_CFG_LIST, def, imp, grp, CD_WIDTH_LONG, disp, doc)
#define ENUM(n, def, allowed_, imp, grp, disp, doc)                                                \
    {.name = (n), .type = CD_CFG_STRING, .has_default = true, .default_value = (def),              \
     .validator = CD_VALID_ONE_OF, .allowed = (allowed_), .ci = true, .importance = (imp),         \
     .documentation = (doc), .group = (grp), .order = -1, .width = CD_WIDTH_SHORT,                 \
     .display_name = (disp)}
#define NUM_MIN(n, t, def, lo, imp, grp, disp, doc)                                                \
    {.name = (n), .type = (t), .has_default = true, .default_value = (def),                        \
     .validator = CD_VALID_RANGE, .min = (lo), .has_min = true, .importance = (imp),               \
     .documentation = (doc), .group = (grp), .order = -1, .width = CD_WIDTH_SHORT,                 \
     .display_name = (disp)}
#define INT_MIN_(n, def, lo, imp, grp, disp, doc) NUM_MIN(n, CD_CFG_INT, def, lo, imp, grp, disp, doc)
#define LONG_MIN_(n, def, lo, imp, grp, disp, doc) NUM_MIN(n, CD_CFG_LONG, def, lo, imp, grp, disp, doc)

#define HI CD_IMPORTANCE_HIGH
#define MED CD_IMPORTANCE_MEDIUM
#define LO CD_IMPORTANCE_LOW

const cd_config_key_t pg_config_keys[] = {
    /* §5.2 connection */
    STR("database.hostname", NULL, HI, G_CONN, "Hostname",
        "Resolvable hostname or IP address of the PostgreSQL server. Required."),
    {.name = "database.port", .type = CD_CFG_INT, .has_default = true, .default_value = "5432",
     .validator = CD_VALID_RANGE, .min = 1, .has_min = true, .max = 65535, .has_max = true,
     .importance = HI, .documentation = "Port of the PostgreSQL server.", .group = G_CONN,
     .order = -1, .width = CD_WIDTH_SHORT, .display_name = "Port"},
    STR("database.user", NULL, HI, G_CONN, "User",
        "Name of the database user the connector connects as. Required. It needs the REPLICATION "
        "and LOGIN attributes (or rds_replication and the like), SELECT on the captured tables and "
        "CREATE on the database when the publication is created by the connector."),
    {.name = "database.password", .type = CD_CFG_PASSWORD, .has_default = true, .default_value = NULL,
     .importance = HI, .documentation = "Password of the database user.", .group = G_CONN,
     .order = -1, .width = CD_WIDTH_SHORT, .display_name = "Password"},
    STR("database.dbname", NULL, HI, G_CONN, "Database",
        "The one database whose changes are captured; it appears as source.db in events. Required."),
    ENUM("database.sslmode", "prefer", pg_cfg_sslmodes, MED, G_CONN, "SSL mode",
         "Whether to use an encrypted connection: 'disable', 'allow' (plain first, then "
         "encrypted), 'prefer' (encrypted first, then plain; the default), 'require', 'verify-ca' "
         "(require and check the server certificate against the CA) or 'verify-full' (verify-ca "
         "and check the host name)."),
    STR("database.sslcert", NULL, MED, G_CONN, "SSL client certificate",
        "File containing the client's SSL certificate."),
    STR("database.sslkey", NULL, MED, G_CONN, "SSL client key", "File containing the client's SSL private key."),
    {.name = "database.sslpassword", .type = CD_CFG_PASSWORD, .has_default = true, .default_value = NULL,
     .importance = MED, .documentation = "Password of the client private key in database.sslkey.",
     .group = G_CONN, .order = -1, .width = CD_WIDTH_MEDIUM, .display_name = "SSL client key password"},
    STR("database.sslrootcert", NULL, MED, G_CONN, "SSL root certificate",
        "File containing the root certificate(s) the server certificate is checked against."),
    STR("database.sslfactory", NULL, LO, G_CONN, "SSL socket factory",
        "JDBC SSL socket factory class (e.g. org.postgresql.ssl.NonValidatingFactory). Accepted for "
        "compatibility; connectd connects through libpq and uses database.sslmode."),
    BOOL("database.tcpKeepAlive", "true", MED, G_CONN, "TCP keep-alive probe",
         "Whether TCP keep-alive probes are sent, so that idle connections are not dropped."),
    STR("database.initial.statements", NULL, LO, G_CONN, "Initial statements",
        "SQL statements separated by ';' run on every regular connection (not on the replication "
        "one), e.g. to set session parameters; ';;' stands for a literal ';'."),
    INT_MIN_("database.query.timeout.ms", "600000", 0, LO, G_CONN, "Query timeout (ms)",
             "Time to wait for a query to complete; 0 means no limit."),
    STR("database.connection.factory.class", NULL, LO, G_CONN, "Connection factory class",
        "Class that creates database connections (e.g. for AWS IAM authentication). Accepted for "
        "compatibility."),
    LONG_MIN_("connection.validation.timeout.ms", "60000", 0, LO, G_CONN, "Connection validation timeout (ms)",
              "Time allowed for the connection test made while validating the configuration."),
    STR("topic.prefix", NULL, HI, G_CONN, "Topic prefix",
        "Logical name of the database server: the prefix of every topic the connector writes, the "
        "source partition of its offsets and source.name in events. Required; only letters, digits, "
        "'_', '-' and '.' are allowed. Replaces the 1.x database.server.name."),

    /* §5.3 replication slot and publication */
    ENUM("plugin.name", "pgoutput", pg_cfg_plugins, MED, G_REPL, "Plugin",
         "Logical decoding plugin. connectd decodes 'pgoutput' (built into PostgreSQL 10+, needed "
         "for truncate and message events); 'decoderbufs', Debezium's default, is accepted with a "
         "warning and pgoutput is used."),
    STR("slot.name", "debezium", MED, G_REPL, "Slot",
        "Name of the logical replication slot the connector streams from: digits, lower-case "
        "letters and '_', at most 63 characters. Each connector needs its own slot."),
    BOOL("slot.drop.on.stop", "false", MED, G_REPL, "Drop slot on stop",
         "Whether the slot is dropped when the connector stops gracefully. For tests only: "
         "changes made while the connector is stopped are lost."),
    BOOL("slot.failover", "false", MED, G_REPL, "Create failover slot",
         "Whether the slot is created as a failover slot (PostgreSQL 17+ primaries only)."),
    STR("slot.stream.params", NULL, LO, G_REPL, "Stream parameters",
        "Extra options for the decoding plugin when streaming starts, as 'k=v' pairs separated by "
        "';' (e.g. origin=any for pgoutput)."),
    INT_MIN_("slot.max.retries", "6", 0, LO, G_REPL, "Retry count",
             "How many times connecting to the slot or starting the stream is retried."),
    LONG_MIN_("slot.retry.delay.ms", "10000", 0, LO, G_REPL, "Retry delay (ms)",
              "Time between those retries."),
    STR("publication.name", "dbz_publication", MED, G_REPL, "Publication",
        "Name of the publication pgoutput streams."),
    ENUM("publication.autocreate.mode", "all_tables", pg_cfg_autocreate_modes, MED, G_REPL,
         "Publication auto create mode",
         "What to do about the publication: 'all_tables' creates it FOR ALL TABLES when missing "
         "(needs a superuser); 'disabled' requires it to exist; 'filtered' creates or alters it "
         "for the tables the include/exclude lists select; 'no_tables' creates it without tables "
         "(logical messages only). An existing publication is otherwise used as is."),
    BOOL("publish.via.partition.root", "false", LO, G_REPL, "Publish via partition root",
         "Whether an auto-created publication publishes partition changes as the root table's."),
    STR("replica.identity.autoset.values", NULL, LO, G_REPL, "Replica identity auto set values",
        "'<schema.table regex>:<FULL|DEFAULT|NOTHING|INDEX name>' entries, comma separated, whose "
        "replica identity the connector sets at start."),
    INT_MIN_("status.update.interval.ms", "10000", 1, MED, G_REPL, "Status update interval (ms)",
             "How often status updates (keepalives) are sent on the replication connection."),
    LONG_MIN_("xmin.fetch.interval.ms", "0", 0, LO, G_REPL, "Xmin fetch interval (ms)",
              "How often the slot's catalog_xmin is read into source.xmin; 0 disables it."),
    ENUM("lsn.flush.mode", "connector", pg_cfg_lsn_flush_modes, MED, G_REPL, "LSN flush mode",
         "Who confirms processed LSNs to the slot: 'connector' (after offsets are committed), "
         "'manual' (nobody: WAL is retained until confirmed outside the connector) or "
         "'connector_and_driver' (also keepalive LSNs)."),
    BOOL("flush.lsn.source", "true", LO, G_REPL, "Flush LSN in source",
         "Deprecated boolean form of lsn.flush.mode: false means manual, true connector."),
    LONG_MIN_("lsn.flush.timeout.ms", "30000", 0, LO, G_REPL, "LSN flush timeout (ms)",
              "Longest time one flush of the LSN may take."),
    ENUM("lsn.flush.timeout.action", "fail", pg_cfg_flush_timeout_actions, LO, G_REPL, "LSN flush timeout action",
         "What a flush that takes too long does: 'fail', 'warn' or 'ignore'."),
    ENUM("offset.mismatch.strategy", "no_validation", pg_cfg_offset_mismatch, LO, G_REPL, "Offset mismatch strategy",
         "What to do when the stored offset and the slot disagree at start: 'no_validation', "
         "'trust_offset' (advance the slot to the offset), 'trust_slot' (move the offset to the "
         "slot) or 'trust_greater_lsn'."),
    BOOL("read.only", "false", LO, G_REPL, "Read only connection",
         "Whether incremental snapshots run without writing to the signal table (PostgreSQL 13+)."),

    /* §5.4 filters */
    LIST("schema.include.list", NULL, HI, G_FILTERS, "Include schemas",
         "Comma-separated regular expressions matching the whole names of the schemas to capture. "
         "Cannot be used with schema.exclude.list."),
    LIST("schema.exclude.list", NULL, MED, G_FILTERS, "Exclude schemas",
         "Comma-separated regular expressions matching the whole names of the schemas not to "
         "capture. Cannot be used with schema.include.list."),
    LIST("table.include.list", NULL, HI, G_FILTERS, "Include tables",
         "Comma-separated regular expressions matching whole '<schema>.<table>' names of the "
         "tables to capture. Cannot be used with table.exclude.list."),
    LIST("table.exclude.list", NULL, MED, G_FILTERS, "Exclude tables",
         "Comma-separated regular expressions matching whole '<schema>.<table>' names of the "
         "tables not to capture. Cannot be used with table.include.list."),
    LIST("column.include.list", NULL, MED, G_FILTERS, "Include columns",
         "Comma-separated regular expressions matching whole '<schema>.<table>.<column>' names of "
         "the columns to put in change events (key columns always stay in the key). Cannot be used "
         "with column.exclude.list."),
    LIST("column.exclude.list", NULL, MED, G_FILTERS, "Exclude columns",
         "Comma-separated regular expressions matching whole '<schema>.<table>.<column>' names of "
         "the columns to leave out of change events. Cannot be used with column.include.list."),
    LIST("message.prefix.include.list", NULL, MED, G_FILTERS, "Include logical decoding message prefixes",
         "Comma-separated regular expressions matching the prefixes of the logical decoding "
         "messages to emit; all are emitted by default. Cannot be used with "
         "message.prefix.exclude.list."),
    LIST("message.prefix.exclude.list", NULL, MED, G_FILTERS, "Exclude logical decoding message prefixes",
         "Comma-separated regular expressions matching the prefixes of the logical decoding "
         "messages not to emit. Cannot be used with message.prefix.include.list."),
    BOOL("table.ignore.builtin", "true", LO, G_FILTERS, "Ignore system tables",
         "Whether system tables are ignored (pg_catalog, information_schema, pg_temp* and "
         "spatial_ref_sys always are)."),

    /* §5.5 snapshots */
    ENUM("snapshot.mode", "initial", pg_cfg_snapshot_modes, MED, G_SNAP, "Snapshot mode",
         "When to snapshot the captured tables: 'initial', 'always', 'initial_only', 'no_data' "
         "(never; 'never' is its old name), 'when_needed', 'configuration_based' or 'custom' "
         "(refused: connectd cannot load Java snapshotters)."),
    STR("snapshot.mode.custom.name", NULL, LO, G_SNAP, "Custom snapshot mode name",
        "Name of the custom snapshotter when snapshot.mode is 'custom'."),
    BOOL("snapshot.mode.configuration.based.snapshot.data", "false", LO, G_SNAP,
         "Snapshot data (configuration based)", "configuration_based mode: whether table data is snapshotted."),
    BOOL("snapshot.mode.configuration.based.snapshot.schema", "false", LO, G_SNAP,
         "Snapshot schema (configuration based)", "configuration_based mode: whether table schemas are snapshotted."),
    BOOL("snapshot.mode.configuration.based.start.stream", "false", LO, G_SNAP,
         "Start stream (configuration based)", "configuration_based mode: whether streaming follows the snapshot."),
    BOOL("snapshot.mode.configuration.based.snapshot.on.schema.error", "false", LO, G_SNAP,
         "Snapshot on schema error (configuration based)",
         "configuration_based mode: whether a schema error triggers a snapshot."),
    BOOL("snapshot.mode.configuration.based.snapshot.on.data.error", "false", LO, G_SNAP,
         "Snapshot on data error (configuration based)",
         "configuration_based mode: whether a data error (lost WAL position) triggers a snapshot."),
    ENUM("snapshot.isolation.mode", "serializable", pg_cfg_isolation_modes, LO, G_SNAP, "Snapshot isolation mode",
         "Transaction isolation level of the snapshot: 'serializable', 'repeatable_read', "
         "'read_committed' or 'read_uncommitted'."),
    ENUM("snapshot.locking.mode", "none", pg_cfg_locking_modes, LO, G_SNAP, "Snapshot locking mode",
         "Table locks taken during the snapshot: 'none', 'shared' (ACCESS SHARE per table) or 'custom'."),
    STR("snapshot.locking.mode.custom.name", NULL, LO, G_SNAP, "Custom snapshot locking mode name",
        "Name of the custom locking implementation when snapshot.locking.mode is 'custom'."),
    LONG_MIN_("snapshot.lock.timeout.ms", "10000", 0, MED, G_SNAP, "Snapshot lock timeout (ms)",
              "How long the snapshot waits for table locks."),
    ENUM("snapshot.query.mode", "select_all", pg_cfg_query_modes, LO, G_SNAP, "Snapshot query mode",
         "How snapshot rows are read: 'select_all' or 'custom'."),
    STR("snapshot.query.mode.custom.name", NULL, LO, G_SNAP, "Custom snapshot query mode name",
        "Name of the custom query implementation when snapshot.query.mode is 'custom'."),
    STR("snapshot.select.statement.overrides", NULL, MED, G_SNAP, "Snapshot select statement overrides",
        "Comma-separated '<schema>.<table>' names whose snapshot SELECT is given by "
        "snapshot.select.statement.overrides.<schema>.<table>."),
    LIST("snapshot.include.collection.list", NULL, MED, G_SNAP, "Snapshot tables",
         "Regular expressions selecting which captured tables the snapshot reads; all by default."),
    INT_MIN_("snapshot.fetch.size", "10240", 1, MED, G_SNAP, "Snapshot fetch size",
             "Rows fetched at a time while snapshotting."),
    LONG_MIN_("snapshot.delay.ms", "0", 0, LO, G_SNAP, "Snapshot delay (ms)", "Wait before the snapshot starts."),
    INT_MIN_("snapshot.max.threads", "1", 1, LO, G_SNAP, "Snapshot maximum threads",
             "Tables snapshotted in parallel."),
    LONG_MIN_("streaming.delay.ms", "0", 0, LO, G_SNAP, "Streaming delay (ms)",
              "Wait between the end of the snapshot and the start of streaming."),

    /* §5.6 event content */
    BOOL("tombstones.on.delete", "true", MED, G_EVENTS, "Change the behaviour of Debezium with regards to delete operations",
         "Whether each delete event is followed by a tombstone (same key, null value) so that "
         "log compaction can remove the row's records."),
    LIST("skipped.operations", "t", LO, G_EVENTS, "Skipped operations",
         "Operations not emitted while streaming, comma separated: c (inserts), u (updates), "
         "d (deletes), t (truncates), or 'none' to emit everything. Truncates are skipped by default."),
    BOOL("skip.messages.without.change", "false", LO, G_EVENTS, "Skip messages without change",
         "Whether updates whose included columns did not change are dropped (REPLICA IDENTITY FULL only)."),
    STR("message.key.columns", NULL, MED, G_EVENTS, "Columns PK mapping",
        "Custom message keys, as '<table regex>:<col>,<col>' entries separated by ';', e.g. "
        "inventory.customers:pk1,pk2;(.*).purchaseorders:pk3. Tables not listed use their primary key."),
    ENUM("decimal.handling.mode", "precise", pg_cfg_decimal_modes, MED, G_EVENTS, "Decimal handling",
         "How numeric, decimal and money values are represented: 'precise' (Connect Decimal, "
         "binary), 'double' or 'string'."),
    ENUM("time.precision.mode", "adaptive", pg_cfg_time_modes, MED, G_EVENTS, "Time precision",
         "How time, date and timestamp values are represented: 'adaptive' (the column's "
         "precision), 'adaptive_time_microseconds', 'connect' (Kafka Connect's types, milliseconds), "
         "'isostring', 'microseconds' or 'nanoseconds'."),
    ENUM("binary.handling.mode", "bytes", pg_cfg_binary_modes, LO, G_EVENTS, "Binary handling",
         "How bytea values are represented: 'bytes', 'base64', 'base64-url-safe' or 'hex'."),
    ENUM("hstore.handling.mode", "json", pg_cfg_hstore_modes, LO, G_EVENTS, "HStore handling",
         "How hstore values are represented: 'json' (a JSON string) or 'map'."),
    ENUM("interval.handling.mode", "numeric", pg_cfg_interval_modes, LO, G_EVENTS, "Interval handling",
         "How interval values are represented: 'numeric' (microseconds) or 'string' (ISO 8601)."),
    {.name = "money.fraction.digits", .type = CD_CFG_SHORT, .has_default = true, .default_value = "2",
     .validator = CD_VALID_RANGE, .min = 0, .has_min = true, .importance = LO,
     .documentation = "Scale of money values in 'precise' decimal mode.", .group = G_EVENTS,
     .order = -1, .width = CD_WIDTH_SHORT, .display_name = "Money fraction digits"},
    BOOL("include.unknown.datatypes", "false", MED, G_EVENTS, "Include unknown datatypes",
         "Whether columns of types the connector does not know are emitted (as bytes) instead of left out."),
    STR("unavailable.value.placeholder", "__debezium_unavailable_value", MED, G_EVENTS,
        "Unavailable value placeholder",
        "Value put in place of unchanged TOASTed values the server did not send. A value "
        "starting with 'hex:' gives the octets in hexadecimal."),
    ENUM("schema.name.adjustment.mode", "none", pg_cfg_adjustment_modes, MED, G_EVENTS, "Schema name adjustment",
         "How schema names are made safe for the converter: 'none', 'avro' or 'avro_unicode'."),
    ENUM("field.name.adjustment.mode", "none", pg_cfg_adjustment_modes, MED, G_EVENTS, "Field name adjustment",
         "How field names are made safe for the converter: 'none', 'avro' or 'avro_unicode'."),
    LIST("column.propagate.source.type", NULL, LO, G_EVENTS, "Propagate source types by columns",
         "Regular expressions of '<schema>.<table>.<column>' names whose field schemas carry the "
         "column's original type and length."),
    LIST("datatype.propagate.source.type", NULL, LO, G_EVENTS, "Propagate source types by data type",
         "Regular expressions of type names whose field schemas carry the original type and length."),
    BOOL("include.schema.comments", "false", LO, G_EVENTS, "Include table and column comments",
         "Whether column comments become the doc of their fields."),
    LIST("converters", NULL, LO, G_EVENTS, "List of prefixes defining custom values converters",
         "Names of custom value converters, each configured by <name>.type and <name>.*."),
    BOOL("provide.transaction.metadata", "false", LO, G_EVENTS, "Enables transaction metadata extraction together with event counting",
         "Whether events carry a transaction block and BEGIN/END records go to the "
         "<topic.prefix>.<topic.transaction> topic."),
    BOOL("extended.headers.enabled", "true", LO, G_EVENTS, "Extended headers",
         "Whether records carry the __debezium.context.* headers."),
    ENUM("schema.refresh.mode", "columns_diff", pg_cfg_refresh_modes, MED, G_EVENTS, "Schema refresh mode",
         "When the in-memory table schema is refreshed: 'columns_diff' (whenever a message differs) "
         "or 'columns_diff_exclude_unchanged_toast' (unless unchanged TOASTed values explain it)."),
    ENUM("event.processing.failure.handling.mode", "fail", pg_cfg_processing_failure_modes, MED, G_EVENTS,
         "Event processing failure handling",
         "What an event that cannot be processed does: 'fail' (stop, naming its offset), 'warn' "
         "(log and skip it) or 'skip'."),
    ENUM("event.converting.failure.handling.mode", "warn", pg_cfg_converting_failure_modes, MED, G_EVENTS,
         "Event converting failure handling",
         "What a value that cannot be converted does: 'warn' (null and logged), 'skip' (null) or 'fail'."),

    /* §5.7 throughput, retries, heartbeat, topics */
    INT_MIN_("max.batch.size", "2048", 1, MED, G_CONNECTOR, "Change event batch size",
             "Most records handed over per poll."),
    INT_MIN_("max.queue.size", "8192", 1, MED, G_CONNECTOR, "Change event buffer size",
             "Most records buffered between the replication stream and Kafka; must be larger "
             "than max.batch.size."),
    LONG_MIN_("max.queue.size.in.bytes", "0", 0, MED, G_CONNECTOR, "Change event buffer size in bytes",
              "Most bytes buffered; 0 means no byte limit."),
    LONG_MIN_("poll.interval.ms", "500", 1, MED, G_CONNECTOR, "Poll interval (ms)",
              "How long a poll waits for new events."),
    INT_MIN_("errors.max.retries", "-1", -1, LO, G_CONNECTOR, "The maximum number of retries",
             "Restarts after retriable errors: -1 without limit, 0 none."),
    LONG_MIN_("retriable.restart.connector.wait.ms", "10000", 0, LO, G_CONNECTOR, "Retriable restart wait (ms)",
              "Wait before restarting after a retriable error."),
    INT_MIN_("heartbeat.interval.ms", "0", 0, MED, G_CONNECTOR, "Connector heartbeat interval (milli-seconds)",
             "How often a heartbeat record is sent to <topic.heartbeat.prefix>.<topic.prefix>, so "
             "that the slot's position advances while captured tables are quiet; 0 disables it."),
    STR("heartbeat.action.query", NULL, MED, G_CONNECTOR, "An optional query to execute with every heartbeat",
        "SQL run with every heartbeat on a regular connection, e.g. an UPDATE of a small captured "
        "table, so that quiet databases still produce WAL the slot can confirm."),
    {.name = "topic.naming.strategy", .type = CD_CFG_CLASS, .has_default = true,
     .default_value = "io.debezium.schema.SchemaTopicNamingStrategy", .importance = LO,
     .documentation = "How topic names are built; connectd names topics as "
                      "io.debezium.schema.SchemaTopicNamingStrategy does.",
     .group = G_CONNECTOR, .order = -1, .width = CD_WIDTH_MEDIUM, .display_name = "Topic naming strategy class"},
    STR("topic.delimiter", ".", LO, G_CONNECTOR, "Topic delimiter", "Separator between the parts of topic names."),
    STR("topic.heartbeat.prefix", "__debezium-heartbeat", LO, G_CONNECTOR, "Prefix name of heartbeat topic",
        "Prefix of the heartbeat topic, <prefix>.<topic.prefix>."),
    STR("topic.heartbeat.name", NULL, LO, G_CONNECTOR, "Heartbeat topic name",
        "Full name of the heartbeat topic, overriding topic.heartbeat.prefix."),
    STR("topic.transaction", "transaction", LO, G_CONNECTOR, "Transaction topic name",
        "Suffix of the transaction metadata topic, <topic.prefix>.<topic.transaction>."),
    INT_MIN_("topic.cache.size", "10000", 1, LO, G_CONNECTOR, "Topic cache size", "Topic names kept in memory."),

    /* §5.8 signals and incremental snapshots */
    STR("signal.data.collection", NULL, LO, G_SIGNALS, "Signaling data collection",
        "'<schema>.<table>' of the signal table (source channel)."),
    LIST("signal.enabled.channels", "source", LO, G_SIGNALS, "Enabled channels names",
         "Signal channels to read: source, kafka, file, jmx."),
    LONG_MIN_("signal.poll.interval.ms", "5000", 0, LO, G_SIGNALS, "Signal processor poll interval",
              "How often channels other than source are polled."),
    STR("signal.kafka.topic", NULL, LO, G_SIGNALS, "Signal topic name", "Topic of the kafka signal channel."),
    STR("signal.kafka.bootstrap.servers", NULL, LO, G_SIGNALS, "Kafka broker addresses",
        "Brokers of the kafka signal channel."),
    STR("signal.kafka.groupId", "kafka-signal", LO, G_SIGNALS, "Consumer group id",
        "Consumer group of the kafka signal channel."),
    STR("signal.file", "file-signals.txt", LO, G_SIGNALS, "Signal file name", "File of the file signal channel."),
    INT_MIN_("incremental.snapshot.chunk.size", "1024", 1, MED, G_SIGNALS, "Incremental snapshot chunk size",
             "Rows read per chunk of an incremental snapshot."),
    ENUM("incremental.snapshot.watermarking.strategy", "insert_insert", pg_cfg_watermark_strategies, LO, G_SIGNALS,
         "Incremental snapshot watermarking strategy",
         "How chunk windows are marked in the signal table: 'insert_insert' or 'insert_delete'."),
    BOOL("incremental.snapshot.allow.schema.changes", "false", LO, G_SIGNALS,
         "Allow schema changes during incremental snapshot",
         "Whether schema changes are allowed while an incremental snapshot runs."),
    LIST("notification.enabled.channels", NULL, LO, G_SIGNALS, "Enabled notification channels names",
         "Notification channels: sink, log, jmx."),

    /* connectd's own: control from SQL (pg_control.h). Not in Debezium's ConfigDef, so neither
     * /config nor validate lists them (validate answers for Debezium's keys stay Debezium's);
     * validate reports a wrong value on them. */
    STR("connectd.control.message.prefix", "connectd", LO, G_CONNECTOR, "Control message prefix",
        "Prefix of the logical decoding messages (pg_logical_emit_message) that control the "
        "connector from SQL: 'pause', 'resume', 'skip-transaction'. Such messages are acted on and "
        "not emitted as events. Empty: none is, every message is an event as in Debezium."),
    STR("connectd.skip.transaction.mode", "skip", LO, G_CONNECTOR, "Skipped transaction mode",
        "What happens to the change events of a transaction that emitted the 'skip-transaction' "
        "control message: 'skip' (not emitted) or 'mark' (emitted with the header "
        "__connectd.skip.transaction=true)."),

    /* Debezium 1.x names, mapped by pg_config_effective */
    STR("database.server.name", NULL, LO, G_DEPRECATED, "Namespace (1.x)",
        "Debezium 1.x name of topic.prefix, used when topic.prefix is not set; deprecated."),
    STR("schema.whitelist", NULL, LO, G_DEPRECATED, "Include schemas (1.x)",
        "Debezium 1.x name of schema.include.list; deprecated."),
    STR("schema.blacklist", NULL, LO, G_DEPRECATED, "Exclude schemas (1.x)",
        "Debezium 1.x name of schema.exclude.list; deprecated."),
    STR("table.whitelist", NULL, LO, G_DEPRECATED, "Include tables (1.x)",
        "Debezium 1.x name of table.include.list; deprecated."),
    STR("table.blacklist", NULL, LO, G_DEPRECATED, "Exclude tables (1.x)",
        "Debezium 1.x name of table.exclude.list; deprecated."),
    STR("column.whitelist", NULL, LO, G_DEPRECATED, "Include columns (1.x)",
        "Debezium 1.x name of column.include.list; deprecated."),
    STR("column.blacklist", NULL, LO, G_DEPRECATED, "Exclude columns (1.x)",
        "Debezium 1.x name of column.exclude.list; deprecated."),
    STR("heartbeat.topics.prefix", NULL, LO, G_DEPRECATED, "Heartbeat topic prefix (1.x)",
        "Debezium 1.x name of topic.heartbeat.prefix; deprecated."),
    STR("toasted.value.placeholder", NULL, LO, G_DEPRECATED, "Toasted value placeholder (1.x)",
        "Debezium 1.x name of unavailable.value.placeholder; deprecated."),
};

const size_t pg_config_n_keys = sizeof(pg_config_keys) / sizeof(pg_config_keys[0]);
