/* pg_signal.h - Debezium signals (spec debezium-postgres.md §7.1-§7.2): the channels a signal
 * arrives on (the signal table's INSERTs in the change stream, a Kafka topic, a file), parsing,
 * and the dispatcher that runs each signal type on the task's thread. Incremental snapshots
 * themselves are in pg_incremental.h. */
#ifndef CONNECTD_PG_SIGNAL_H
#define CONNECTD_PG_SIGNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "connectors/postgres/pg_task.h"

/* One signal, as every channel hands it over. Strings are malloc'ed and owned by the struct;
 * data is the JSON text of the data object, or NULL when there was none. */
typedef struct {
    char *id;
    char *type;
    char *data;
} pg_signal_t;

void pg_signal_clear(pg_signal_t *s);

/* ---- parsing (pure) ---- */

typedef enum { PG_SNAPSHOT_INCREMENTAL, PG_SNAPSHOT_BLOCKING } pg_snapshot_kind_t;

typedef struct {
    char *collection; /* regex of "<schema>.<table>", matched whole and case-insensitively */
    char *filter;     /* incremental: a WHERE fragment; blocking: a whole SELECT */
} pg_snapshot_condition_t;

/* The data of execute-snapshot and stop-snapshot. Owned by the struct. */
typedef struct pg_snapshot_request {
    pg_snapshot_kind_t kind;
    char **collections; /* anchored regexes of "<schema>.<table>", trimmed */
    size_t n_collections;
    pg_snapshot_condition_t *conditions;
    size_t n_conditions;
    char *surrogate_key; /* NULL: the table's key */
} pg_snapshot_request_t;

void pg_snapshot_request_clear(pg_snapshot_request_t *r);

/* execute-snapshot's data. Returns 0; or -1 with errstr (in the words of Debezium's WARN) when
 * data is not a JSON object, data-collections is missing or empty (Debezium then ignores the
 * signal), or type is neither incremental nor blocking. */
int pg_signal_parse_execute(const char *data, pg_snapshot_request_t *out, char *errstr, size_t errstr_size);
/* stop-snapshot's data: data-collections may be absent or empty (= every table). */
int pg_signal_parse_stop(const char *data, pg_snapshot_request_t *out, char *errstr, size_t errstr_size);

/* A Kafka signal message. Returns 1 with out filled; 0 when the message is not a signal for this
 * connector (key other than topic.prefix, empty value: Debezium skips those); -1 with errstr when
 * the value is not a JSON object. */
int pg_signal_from_kafka(const char *key, size_t key_len, const char *value, size_t value_len, const char *prefix,
                         pg_signal_t *out, char *errstr, size_t errstr_size);
/* One line of the signal file ({"id":..,"type":..,"data":{..}}): 1 with out, 0 for a blank line,
 * -1 with errstr. */
int pg_signal_from_line(const char *line, pg_signal_t *out, char *errstr, size_t errstr_size);

/* The log signal's message with the first "{}" replaced by offset (SLF4J's formatting of
 * LOGGER.info(message, offset)). malloc'ed. */
char *pg_signal_log_text(const char *message, const char *offset);

/* ---- the task side ---- */

/* Opens the channels signal.enabled.channels names besides the source one (Kafka consumer,
 * file). Returns 0, or -1 with errstr (e.g. the kafka channel without
 * signal.kafka.bootstrap.servers). */
int pg_signal_open(pg_task_t *t, char *errstr, size_t errstr_size);
void pg_signal_close(pg_task_t *t);

/* Reads the Kafka and file channels when signal.poll.interval.ms has passed, and runs what they
 * hold. Returns 0, or -1 with errstr when a signal's action failed in a way the task cannot go on
 * from (a database error of the incremental snapshot). */
int pg_signal_poll(pg_task_t *t, char *errstr, size_t errstr_size);

/* A change of the signal table seen in the stream (pg_records.c calls it before the change's own
 * record): an INSERT carries a signal; with insert_delete watermarking the DELETE of a window's
 * open row closes it. cols: the row's id, type, data as text (NULL for SQL NULL). */
int pg_signal_from_stream(pg_task_t *t, bool is_delete, const char *const cols[3], char *errstr,
                          size_t errstr_size);

/* Runs one signal. Unknown types are logged at WARN and ignored, as Debezium does. */
int pg_signal_dispatch(pg_task_t *t, const pg_signal_t *s, char *errstr, size_t errstr_size);

/* execute-snapshot with type blocking: a snapshot of the requested tables while streaming waits
 * (pg_snapshot_open_blocking). Takes req over (leaves it empty) into t->blocking; the task runs
 * it once the message that asked for it is processed. */
int pg_signal_blocking_snapshot(pg_task_t *t, pg_snapshot_request_t *req);

#endif
