/* metrics.c - Kafka's windowed statistics (org.apache.kafka.common.metrics.stats.SampledStat and
 * the stats built on it) and the Prometheus text exposition of GET /metrics. */
#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectd/data.h"

/* ------------------------------------------------------------------ SampledStat */

static int n_samples(const metrics_config_t *cfg) {
    int n = cfg->samples;
    return n < 1 ? 1 : n > METRICS_MAX_SAMPLES ? METRICS_MAX_SAMPLES : n;
}

static void sample_reset(metrics_sample_t *s, int64_t now_ms) {
    *s = (metrics_sample_t){.start_ms = now_ms, .max = -INFINITY};
}

/* SampledStat.current: the first sample is made on first use. */
static metrics_sample_t *current(metrics_stat_t *st, int64_t now_ms) {
    if (st->n == 0) {
        sample_reset(&st->s[0], now_ms);
        st->n = 1;
        st->cur = 0;
    }
    return &st->s[st->cur];
}

/* SampledStat.purgeObsoleteSamples: a sample older than every window together is reset (to now,
 * as Kafka's Sample.reset does). */
static void purge(metrics_stat_t *st, const metrics_config_t *cfg, int64_t now_ms) {
    int64_t expire = (int64_t)n_samples(cfg) * cfg->window_ms;
    for (int i = 0; i < st->n; i++)
        if (now_ms - st->s[i].start_ms >= expire) sample_reset(&st->s[i], now_ms);
}

void metrics_stat_record(metrics_stat_t *st, const metrics_config_t *cfg, int64_t now_ms, double value) {
    metrics_sample_t *s = current(st, now_ms);
    if (now_ms - s->start_ms >= cfg->window_ms) { /* complete: on to the next sample */
        st->cur = (st->cur + 1) % n_samples(cfg);
        if (st->cur >= st->n) st->n = st->cur + 1;
        s = &st->s[st->cur];
        sample_reset(s, now_ms);
    }
    s->sum += value;
    if (value > s->max) s->max = value;
    s->events++;
    if (value >= 0.5) s->trues++;
}

double metrics_stat_sum(metrics_stat_t *st, const metrics_config_t *cfg, int64_t now_ms) {
    purge(st, cfg, now_ms);
    double sum = 0;
    for (int i = 0; i < st->n; i++) sum += st->s[i].sum;
    return sum;
}

double metrics_stat_avg(metrics_stat_t *st, const metrics_config_t *cfg, int64_t now_ms) {
    purge(st, cfg, now_ms);
    double sum = 0;
    uint64_t events = 0;
    for (int i = 0; i < st->n; i++) {
        sum += st->s[i].sum;
        events += st->s[i].events;
    }
    return events ? sum / (double)events : NAN;
}

double metrics_stat_max(metrics_stat_t *st, const metrics_config_t *cfg, int64_t now_ms) {
    purge(st, cfg, now_ms);
    double max = -INFINITY;
    uint64_t events = 0;
    for (int i = 0; i < st->n; i++) {
        if (st->s[i].max > max) max = st->s[i].max;
        events += st->s[i].events;
    }
    return events ? max : NAN;
}

double metrics_stat_share(metrics_stat_t *st, const metrics_config_t *cfg, int64_t now_ms, bool of_true) {
    purge(st, cfg, now_ms);
    uint64_t events = 0, trues = 0;
    for (int i = 0; i < st->n; i++) {
        events += st->s[i].events;
        trues += st->s[i].trues;
    }
    if (!events) return 0.0;
    return (double)(of_true ? trues : events - trues) / (double)events;
}

double metrics_rate(metrics_stat_t *st, const metrics_config_t *cfg, int64_t now_ms) {
    double sum = metrics_stat_sum(st, cfg, now_ms); /* purges first, as Rate.measure does */
    /* Rate.windowSize: from the start of the oldest retained sample (made now if none) */
    current(st, now_ms);
    int64_t oldest = st->s[0].start_ms;
    for (int i = 1; i < st->n; i++)
        if (st->s[i].start_ms < oldest) oldest = st->s[i].start_ms;
    int64_t elapsed = now_ms - oldest;
    int64_t full = elapsed / cfg->window_ms, min_full = n_samples(cfg) - 1;
    if (full < min_full) elapsed += (min_full - full) * cfg->window_ms;
    if (elapsed < 1) elapsed = 1;
    return sum / ((double)elapsed / 1000.0);
}

void metrics_counter_rate_tick(metrics_counter_rate_t *r, const metrics_config_t *cfg, int64_t now_ms,
                               uint64_t total) {
    /* Only growth is recorded, as Kafka's sensor sees records only when there are some: a tick
     * without any must not open a new sample. */
    if (total > r->seen) metrics_stat_record(&r->stat, cfg, now_ms, (double)(total - r->seen));
    r->seen = total;
}

/* ------------------------------------------------------------------ exposition */

typedef struct {
    char *name, *help;
    cd_metric_type_t type;
    cd_buf_t lines; /* its sample lines */
} family_t;

struct cd_metrics {
    family_t *fam;
    size_t n, cap;
};

metrics_out_t *metrics_out_new(void) { return calloc(1, sizeof(metrics_out_t)); }

void metrics_out_destroy(metrics_out_t *o) {
    if (!o) return;
    for (size_t i = 0; i < o->n; i++) {
        free(o->fam[i].name);
        free(o->fam[i].help);
        cd_buf_free(&o->fam[i].lines);
    }
    free(o->fam);
    free(o);
}

static void append_str(cd_buf_t *b, const char *s) { cd_buf_append(b, s, strlen(s)); }

/* A label value in the exposition: \ " and newline escaped (the text format's rule). */
static void append_label_value(cd_buf_t *b, const char *v) {
    for (const char *p = v; *p; p++) {
        if (*p == '\\') append_str(b, "\\\\");
        else if (*p == '"') append_str(b, "\\\"");
        else if (*p == '\n') append_str(b, "\\n");
        else cd_buf_append(b, p, 1);
    }
}

/* HELP text: \ and newline escaped. */
static void append_help(cd_buf_t *b, const char *v) {
    for (const char *p = v; *p; p++) {
        if (*p == '\\') append_str(b, "\\\\");
        else if (*p == '\n') append_str(b, "\\n");
        else cd_buf_append(b, p, 1);
    }
}

/* Values as the JMX exporter writes them (Java's Double.toString for the usual cases: 3.0,
 * 0.25, NaN, +Inf); integral values up to 2^53 exactly. */
static void append_value(cd_buf_t *b, double v) {
    char tmp[64];
    if (isnan(v)) snprintf(tmp, sizeof(tmp), "NaN");
    else if (isinf(v)) snprintf(tmp, sizeof(tmp), v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 9007199254740992.0) snprintf(tmp, sizeof(tmp), "%.1f", v);
    else {
        snprintf(tmp, sizeof(tmp), "%.15g", v);
        if (strtod(tmp, NULL) != v) snprintf(tmp, sizeof(tmp), "%.17g", v);
    }
    append_str(b, tmp);
}

static family_t *family(metrics_out_t *o, const char *name, cd_metric_type_t type, const char *help) {
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->fam[i].name, name)) return &o->fam[i];
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 64;
        o->fam = realloc(o->fam, o->cap * sizeof(family_t));
    }
    family_t *f = &o->fam[o->n++];
    *f = (family_t){.name = strdup(name), .help = strdup(help ? help : name), .type = type};
    return f;
}

void metrics_out_add(metrics_out_t *o, const char *name, cd_metric_type_t type, const char *help,
                     const char *const *labels, double value) {
    family_t *f = family(o, name, type, help);
    append_str(&f->lines, name);
    if (labels && labels[0]) {
        append_str(&f->lines, "{");
        for (size_t i = 0; labels[i] && labels[i + 1]; i += 2) {
            if (i) append_str(&f->lines, ",");
            append_str(&f->lines, labels[i]);
            append_str(&f->lines, "=\"");
            append_label_value(&f->lines, labels[i + 1]);
            append_str(&f->lines, "\"");
        }
        append_str(&f->lines, "}");
    }
    append_str(&f->lines, " ");
    append_value(&f->lines, value);
    append_str(&f->lines, "\n");
}

void cd_metrics_add(cd_metrics_t *out, const char *name, cd_metric_type_t type, const char *help,
                    const char *const *labels, double value) {
    metrics_out_add(out, name, type, help, labels, value);
}

char *metrics_out_render(const metrics_out_t *o, size_t *len) {
    static const char *const types[] = {"gauge", "counter", "untyped"};
    cd_buf_t b = {0};
    for (size_t i = 0; i < o->n; i++) {
        const family_t *f = &o->fam[i];
        append_str(&b, "# HELP ");
        append_str(&b, f->name);
        append_str(&b, " ");
        append_help(&b, f->help);
        append_str(&b, "\n# TYPE ");
        append_str(&b, f->name);
        append_str(&b, " ");
        append_str(&b, types[f->type]);
        append_str(&b, "\n");
        cd_buf_append(&b, f->lines.data, f->lines.len);
    }
    cd_buf_append(&b, "", 1);
    *len = b.len - 1;
    return (char *)b.data;
}

char *metrics_jmx_sanitize(const char *v) {
    bool safe = true;
    for (const char *p = v; *p && safe; p++) {
        char c = *p;
        safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-' || c == '%' || c == '.' || c == ' ' || c == '\t';
    }
    if (safe) return strdup(v);
    cd_buf_t b = {0};
    append_str(&b, "\"");
    for (const char *p = v; *p; p++) {
        if (*p == '\n') append_str(&b, "\\n");
        else {
            if (*p == '\\' || *p == '"' || *p == '*' || *p == '?') append_str(&b, "\\");
            cd_buf_append(&b, p, 1);
        }
    }
    append_str(&b, "\"");
    cd_buf_append(&b, "", 1);
    return (char *)b.data;
}

char *cd_metrics_jmx_sanitize(const char *value) { return metrics_jmx_sanitize(value); }
