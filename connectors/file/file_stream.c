/* file_stream.c - Apache Kafka's FileStream example connectors, with their class names, config
 * keys and offsets, so that the runtime can be proven without a database:
 *   source: appends of a text file, one record (a STRING value) per line;
 *           offsets {"filename":<file>} -> {"position":<byte offset after the line>}
 *   sink:   each record's value written as a line to a file (or standard output). */
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "connect/converter.h"
#include "connect/java_string.h"
#include "connect/json_write.h"
#include "connectd/plugin.h"
#include "version.h"

static const cd_config_key_t source_keys[] = {
    {.name = "file", .type = CD_CFG_STRING, .has_default = true, .default_value = NULL,
     .importance = CD_IMPORTANCE_HIGH, .order = -1, .width = CD_WIDTH_NONE,
     .documentation = "Source filename. If not specified, the standard input will be used"},
    {.name = "topic", .type = CD_CFG_STRING, .validator = CD_VALID_NON_EMPTY,
     .importance = CD_IMPORTANCE_HIGH, .order = -1, .width = CD_WIDTH_NONE,
     .documentation = "The topic to publish data to"},
    {.name = "batch.size", .type = CD_CFG_INT, .has_default = true, .default_value = "2000",
     .importance = CD_IMPORTANCE_LOW, .order = -1, .width = CD_WIDTH_NONE,
     .documentation = "The maximum number of records the source task can read from the file each "
                      "time it is polled"},
};

static const cd_config_key_t sink_keys[] = {
    {.name = "file", .type = CD_CFG_STRING, .has_default = true, .default_value = NULL,
     .importance = CD_IMPORTANCE_HIGH, .order = -1, .width = CD_WIDTH_NONE,
     .documentation = "Destination filename. If not specified, the standard output will be used"},
};

/* Only one input stream makes sense: the single task gets the connector's config. */
static int one_task(const cd_props_t *config, int max_tasks, cd_props_t **out, char *errstr,
                    size_t errstr_size) {
    (void)max_tasks;
    (void)errstr;
    (void)errstr_size;
    out[0] = cd_props_copy(config);
    return 1;
}

/* ------------------------------------------------------------------ source */

typedef struct {
    cd_task_context_t *ctx;
    char *file, *topic, *partition;
    int batch_size;
    FILE *in;
    int64_t position;
    char *line;
    size_t line_cap;
    cd_buf_t pending; /* a line read without its newline yet */
} source_t;

static const cd_schema_t string_schema = {.type = CD_TYPE_STRING};

static void *source_start(const cd_props_t *config, cd_task_context_t *ctx, char *errstr,
                          size_t errstr_size) {
    source_t *s = calloc(1, sizeof(*s));
    s->ctx = ctx;
    const char *file = cd_props_get(config, "file");
    s->file = file && *file ? strdup(file) : NULL;
    s->topic = strdup(cd_props_get(config, "topic") ? cd_props_get(config, "topic") : "");
    const char *bs = cd_props_get(config, "batch.size");
    s->batch_size = bs ? atoi(bs) : 2000;
    if (s->batch_size <= 0) s->batch_size = 2000;
    if (s->file) {
        cd_buf_t b = {0};
        cd_jw_lit(&b, "{\"filename\":");
        cd_jw_string(&b, s->file, strlen(s->file));
        cd_jw_lit(&b, "}\0");
        s->partition = b.data;
        char *off = cd_task_committed_offset(ctx, s->partition);
        if (off) {
            const char *p = strstr(off, "\"position\":");
            if (p) s->position = strtoll(p + 11, NULL, 10);
            free(off);
        }
    } else {
        s->in = stdin;
    }
    (void)errstr;
    (void)errstr_size;
    return s;
}

/* Opens the file at the committed position once it exists (as Java does, a missing file is
 * waited for, not an error). */
static int source_open(source_t *s, char *errstr, size_t errstr_size) {
    if (s->in) return 1;
    s->in = fopen(s->file, "r");
    if (!s->in) {
        if (errno == ENOENT) return 0;
        snprintf(errstr, errstr_size, "Couldn't open file %s for FileStreamSourceTask: %s", s->file,
                 strerror(errno));
        return -1;
    }
    if (s->position > 0 && fseeko(s->in, s->position, SEEK_SET) != 0) {
        snprintf(errstr, errstr_size, "Couldn't seek to position %lld in file %s: %s",
                 (long long)s->position, s->file, strerror(errno));
        return -1;
    }
    return 1;
}

static int64_t wall_ms(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static int source_poll(void *task, char *errstr, size_t errstr_size) {
    source_t *s = task;
    int o = source_open(s, errstr, errstr_size);
    if (o < 0) return -1;
    int sent = 0;
    while (o > 0 && sent < s->batch_size && !cd_task_stopping(s->ctx)) {
        clearerr(s->in);
        errno = 0;
        ssize_t n = getline(&s->line, &s->line_cap, s->in);
        if (n <= 0 && ferror(s->in)) {
            snprintf(errstr, errstr_size, "Error while reading file %s: %s",
                     s->file ? s->file : "standard input", strerror(errno ? errno : EIO));
            return -1;
        }
        if (n <= 0) break;
        if (s->line[n - 1] != '\n') {
            /* Incomplete line: keep it until the rest is written. */
            cd_buf_append(&s->pending, s->line, (size_t)n);
            s->position += n;
            continue;
        }
        s->position += n;
        n--;
        if (n > 0 && s->line[n - 1] == '\r') n--;
        const char *text = s->line;
        size_t len = (size_t)n;
        if (s->pending.len) {
            cd_buf_append(&s->pending, s->line, (size_t)n);
            text = s->pending.data;
            len = s->pending.len;
        }
        char offset[64];
        snprintf(offset, sizeof(offset), "{\"position\":%lld}", (long long)s->position);
        cd_value_t v = cd_string(text, len);
        cd_source_record_t rec = {.topic = s->topic,
                                  .kafka_partition = -1,
                                  .value_schema = &string_schema,
                                  .value = &v,
                                  .source_partition = s->partition,
                                  .source_offset = s->partition ? offset : NULL,
                                  .timestamp_ms = wall_ms()};
        if (cd_task_send(s->ctx, &rec, errstr, errstr_size) != 0) return cd_task_stopping(s->ctx) ? 0 : -1;
        s->pending.len = 0;
        sent++;
    }
    if (sent == 0) {
        /* Nothing new: wait a little before looking again. */
        for (int i = 0; i < 10 && !cd_task_stopping(s->ctx); i++) poll(NULL, 0, 50);
    }
    return 0;
}

static void source_stop(void *task) {
    source_t *s = task;
    if (s->in && s->in != stdin) fclose(s->in);
    free(s->file);
    free(s->topic);
    free(s->partition);
    free(s->line);
    cd_buf_free(&s->pending);
    free(s);
}

/* PATCH /offsets: FileStreamSourceConnector.alterOffsets's checks, with its messages. */
static int source_check_offset(const char *source_partition, const char *source_offset,
                               char *errstr, size_t errstr_size) {
    json_object *p = json_tokener_parse(source_partition);
    json_object *o = source_offset ? json_tokener_parse(source_offset) : NULL, *v = NULL;
    const char *err = NULL;
    if (!p || !json_object_object_get_ex(p, "filename", NULL))
        err = "Partition objects should contain the key 'filename'";
    else if (source_offset && !json_object_object_get_ex(o, "position", &v))
        err = "Offset objects should either be null or contain the key 'position'";
    else if (source_offset && !json_object_is_type(v, json_type_int))
        err = "The value for the 'position' key in the offset is expected to be a Long value";
    else if (source_offset && json_object_get_int64(v) < 0)
        err = "The value for the 'position' key in the offset should be a non-negative value";
    if (err) snprintf(errstr, errstr_size, "%s", err);
    json_object_put(p);
    json_object_put(o);
    return err ? -1 : 0;
}

static const char *const source_aliases[] = {"FileStreamSource", "FileStreamSourceConnector", NULL};

const cd_connector_plugin_t file_stream_source_plugin = {
    .class_name = "org.apache.kafka.connect.file.FileStreamSourceConnector",
    .aliases = source_aliases,
    .type = CD_CONNECTOR_SOURCE,
    .version = CONNECTD_KAFKA_CONNECT_VERSION,
    .task_class = "org.apache.kafka.connect.file.FileStreamSourceTask",
    .config_def = {source_keys, sizeof(source_keys) / sizeof(source_keys[0])},
    .alters_offsets = true,
    .check_offset = source_check_offset,
    .task_configs = one_task,
    .start = source_start,
    .poll = source_poll,
    .stop = source_stop,
};

/* ------------------------------------------------------------------ sink */

typedef struct {
    FILE *out;
    bool is_stdout;
    cd_buf_t buf;
} sink_t;

static void *sink_start(const cd_props_t *config, cd_task_context_t *ctx, char *errstr,
                        size_t errstr_size) {
    (void)ctx;
    sink_t *s = calloc(1, sizeof(*s));
    const char *file = cd_props_get(config, "file");
    if (file && *file) {
        s->out = fopen(file, "a+");
        if (!s->out) {
            snprintf(errstr, errstr_size, "Couldn't find or create file '%s' for FileStreamSinkTask: %s",
                     file, strerror(errno));
            free(s);
            return NULL;
        }
        /* A worker killed mid-write can leave half a line behind. Its record was not committed
         * and comes again; end the fragment so that the next line starts on a line of its own. */
        if (fseeko(s->out, -1, SEEK_END) == 0 && fgetc(s->out) != '\n') fputc('\n', s->out);
    } else {
        s->out = stdout;
        s->is_stdout = true;
    }
    return s;
}

static int sink_put(void *task, const cd_sink_record_t *records, size_t n, char *errstr,
                    size_t errstr_size) {
    sink_t *s = task;
    for (size_t i = 0; i < n; i++) {
        /* FileStreamSinkTask: println(record.value()), the value's toString; a bytes value as its
         * bytes (Java would print the array's identity, "[B@1b6d3586") */
        const cd_value_t *v = records[i].value;
        s->buf.len = 0;
        if (v && !v->is_null && v->type == CD_TYPE_BYTES &&
            !(records[i].value_schema && records[i].value_schema->name))
            cd_buf_append(&s->buf, v->u.str.ptr, v->u.str.len);
        else
            cd_java_to_string(&s->buf, records[i].value_schema, v);
        cd_jw_char(&s->buf, '\n');
        if (fwrite(s->buf.data, 1, s->buf.len, s->out) != s->buf.len) {
            snprintf(errstr, errstr_size, "Could not write to the sink file: %s", strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int sink_flush(void *task, char *errstr, size_t errstr_size) {
    sink_t *s = task;
    if (fflush(s->out) != 0) {
        snprintf(errstr, errstr_size, "Could not flush the sink file: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static void sink_stop(void *task) {
    sink_t *s = task;
    if (!s->is_stdout) fclose(s->out);
    else fflush(s->out);
    cd_buf_free(&s->buf);
    free(s);
}

static const char *const sink_aliases[] = {"FileStreamSink", "FileStreamSinkConnector", NULL};

const cd_connector_plugin_t file_stream_sink_plugin = {
    .class_name = "org.apache.kafka.connect.file.FileStreamSinkConnector",
    .aliases = sink_aliases,
    .type = CD_CONNECTOR_SINK,
    .version = CONNECTD_KAFKA_CONNECT_VERSION,
    .task_class = "org.apache.kafka.connect.file.FileStreamSinkTask",
    .config_def = {sink_keys, sizeof(sink_keys) / sizeof(sink_keys[0])},
    .alters_offsets = true,
    .task_configs = one_task,
    .start = sink_start,
    .put = sink_put,
    .flush = sink_flush,
    .stop = sink_stop,
};
