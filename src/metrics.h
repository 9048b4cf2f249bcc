/* metrics.h - the pieces of GET /metrics: Kafka's windowed statistics (SampledStat: Rate, Avg,
 * Max, Frequencies) and a Prometheus text exposition (format 0.0.4) built from samples added in
 * any order and rendered grouped by family, with # HELP and # TYPE lines.
 *
 * Names, label keys and types follow what the Prometheus JMX exporter gives for Kafka Connect's
 * and Debezium's MBeans under config/metrics/kafka-connect-metrics.yml; worker_metrics.c says
 * which metric is which. */
#ifndef CONNECTD_METRICS_H
#define CONNECTD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connectd/plugin.h"

/* metrics.sample.window.ms and metrics.num.samples (Kafka's MetricConfig). */
typedef struct {
    int64_t window_ms; /* 30000 */
    int samples;       /* 2 */
} metrics_config_t;

#define METRICS_MAX_SAMPLES 16

/* Kafka's SampledStat: values recorded into the current sample until it is window_ms old, then
 * into the next one (overwriting the oldest); samples older than samples x window_ms are reset
 * before every measure. Each sample keeps what Avg, Max, WindowedSum and the two-bin
 * Frequencies of a boolean need, so one stat serves all of them. Not thread-safe: its owner
 * serialises record and measure (worker_metrics.c: the task's metrics lock). */
typedef struct {
    int64_t start_ms;
    double sum, max;
    uint64_t events, trues;
} metrics_sample_t;

typedef struct {
    metrics_sample_t s[METRICS_MAX_SAMPLES];
    int n;   /* samples made so far (Kafka adds them lazily) */
    int cur;
} metrics_stat_t;

void metrics_stat_record(metrics_stat_t *st, const metrics_config_t *cfg, int64_t now_ms, double value);
/* Sum of the retained samples (WindowedSum). */
double metrics_stat_sum(metrics_stat_t *st, const metrics_config_t *cfg, int64_t now_ms);
/* Avg and Max of the retained samples: NaN when nothing was recorded in them, as Kafka's. */
double metrics_stat_avg(metrics_stat_t *st, const metrics_config_t *cfg, int64_t now_ms);
double metrics_stat_max(metrics_stat_t *st, const metrics_config_t *cfg, int64_t now_ms);
/* Frequencies.forBooleanValues: the share (0..1) of recorded values that were true (>= 0.5), or
 * false; 0 when nothing was recorded. */
double metrics_stat_share(metrics_stat_t *st, const metrics_config_t *cfg, int64_t now_ms, bool of_true);
/* Kafka's Rate (per second) over the stat's WindowedSum: the sum divided by the time since the
 * oldest retained sample began, counted as at least samples - 1 whole windows (so that a rate
 * just after a start is not inflated), and at least 1 ms. */
double metrics_rate(metrics_stat_t *st, const metrics_config_t *cfg, int64_t now_ms);

/* A rate fed from a cumulative counter that the hot path increments without a lock: tick() takes
 * what the counter grew by since the previous tick and records it as one value, as Kafka's
 * sensor records a batch. Ticks come from a periodic tick and from the scrape, never per record. */
typedef struct {
    metrics_stat_t stat;
    uint64_t seen;
} metrics_counter_rate_t;

void metrics_counter_rate_tick(metrics_counter_rate_t *r, const metrics_config_t *cfg, int64_t now_ms,
                               uint64_t total);

/* ---- the exposition */

/* The output (cd_metrics_t of plugin.h, whose cd_metrics_add is metrics_out_add): families in the order first added, each with its
 * samples in the order added. Owns copies of everything. */
typedef struct cd_metrics metrics_out_t;

metrics_out_t *metrics_out_new(void);
void metrics_out_destroy(metrics_out_t *o);
/* Adds a sample. labels: key, value, key, value, ..., NULL; keys are written as given, values
 * escaped (backslash, double quote, newline). A family added again with another type keeps its
 * first (the caller's mistake; the exposition stays valid). */
void metrics_out_add(metrics_out_t *o, const char *family, cd_metric_type_t type, const char *help,
                     const char *const *labels, double value);
/* The exposition text, malloc'ed (caller frees), its length in *len. */
char *metrics_out_render(const metrics_out_t *o, size_t *len);

/* Kafka's Sanitizer.jmxSanitize, as a tag value appears in an MBean name and so in the JMX
 * exporter's labels: as it is when it has only letters, digits, _ - % . space and tab, else
 * quoted as ObjectName.quote does ("..." with \ before " * ? \ and \n for a newline).
 * malloc'ed. */
char *metrics_jmx_sanitize(const char *value);

/* The Content-Type of the exposition. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
