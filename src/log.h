/* log.h - named loggers with run-time levels, printed in Kafka Connect's layout:
 *   [2026-11-21 10:00:00,123] INFO message (logger.name)
 * Loggers form a dot-separated hierarchy under "root", as in log4j: a logger without an
 * explicit level inherits its nearest ancestor's. Levels can change at any time from any thread
 * (the /admin/loggers endpoints); checking whether a level is enabled is one atomic load. */
#ifndef CONNECTD_LOG_H
#define CONNECTD_LOG_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    LOG_LEVEL_OFF = 0,
    LOG_LEVEL_FATAL,
    LOG_LEVEL_ERROR,
    LOG_LEVEL_WARN,
    LOG_LEVEL_INFO,
    LOG_LEVEL_DEBUG,
    LOG_LEVEL_TRACE,
    LOG_LEVEL_ALL,
} log_level_t;

typedef struct log_logger {
    _Atomic int effective; /* level in force, derived from the explicit levels */
    int explicit_level;    /* -1 when inherited; guarded by the registry lock */
    int64_t last_modified; /* epoch ms of the last change through log_set_level, or -1 */
    char *name;
} log_logger_t;

/* Returns the logger called name, creating it if needed. The registry owns it: the pointer stays
 * valid until log_shutdown(). "root" (any case) is the root logger. */
log_logger_t *log_get(const char *name);

static inline bool log_enabled(const log_logger_t *lg, log_level_t level) {
    return level != LOG_LEVEL_OFF &&
           (int)level <= atomic_load_explicit(&lg->effective, memory_order_relaxed);
}

void log_write(log_logger_t *lg, log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_vwrite(log_logger_t *lg, log_level_t level, const char *fmt, va_list ap);

#define LOG_AT_(lg, lvl, ...)                                                                      \
    do {                                                                                           \
        if (log_enabled((lg), (lvl))) log_write((lg), (lvl), __VA_ARGS__);                         \
    } while (0)
#define log_error(lg, ...) LOG_AT_(lg, LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(lg, ...) LOG_AT_(lg, LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(lg, ...) LOG_AT_(lg, LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(lg, ...) LOG_AT_(lg, LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_trace(lg, ...) LOG_AT_(lg, LOG_LEVEL_TRACE, __VA_ARGS__)

/* Level names as log4j spells them. log_level_parse is case-insensitive; -1 when unknown. */
const char *log_level_name(log_level_t level);
int log_level_parse(const char *s);

/* Sets the explicit level of name and of every existing logger whose name starts with name
 * (log4j's worker-scope semantics). If affected is not NULL it receives a malloc'ed, sorted,
 * NULL-terminated array of the affected names (caller frees the array and each name).
 * Returns the number of affected loggers. */
size_t log_set_level(const char *name, log_level_t level, char ***affected);

/* Calls cb for every logger, sorted by name, under the registry lock (cb must not log). */
typedef void (*log_visit_cb)(const log_logger_t *lg, void *opaque);
void log_foreach(log_visit_cb cb, void *opaque);

/* Where lines go; stdout by default. Tests point it at a memory stream. */
#include <stdio.h>
void log_set_output(FILE *out);

/* Frees every logger. No logging may happen after it. */
void log_shutdown(void);

#endif
