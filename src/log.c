/* log.c - the logger registry and the line formatter.
 * The registry is a name-sorted array guarded by one mutex; it is touched when a logger is first
 * looked up (normally once per module, at start) and when a level changes, never per line. */
#include "log.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static log_logger_t **loggers; /* sorted by name; loggers[i]->name unique */
static size_t n_loggers, cap_loggers;
static FILE *log_out;

static const char *const level_names[] = {"OFF",  "FATAL", "ERROR", "WARN",
                                          "INFO", "DEBUG", "TRACE", "ALL"};

const char *log_level_name(log_level_t level) {
    if ((int)level < 0 || level > LOG_LEVEL_ALL) return "UNKNOWN";
    return level_names[level];
}

int log_level_parse(const char *s) {
    if (!s) return -1;
    for (int i = 0; i <= LOG_LEVEL_ALL; i++)
        if (!strcasecmp(s, level_names[i])) return i;
    return -1;
}

static int64_t now_ms(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static bool is_root(const char *name) { return !strcasecmp(name, "root"); }

/* Binary search; returns the index of name or where it would be inserted. */
static size_t find_slot(const char *name, bool *found) {
    size_t lo = 0, hi = n_loggers;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(loggers[mid]->name, name);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static log_logger_t *lookup_locked(const char *name) {
    bool found;
    size_t i = find_slot(name, &found);
    return found ? loggers[i] : NULL;
}

/* The level a logger inherits: its own explicit one, else the nearest dotted ancestor's, else
 * root's. */
static int derive_level(const log_logger_t *lg) {
    if (lg->explicit_level >= 0) return lg->explicit_level;
    size_t len = strlen(lg->name);
    char *buf = malloc(len + 1);
    if (!buf) return LOG_LEVEL_INFO;
    memcpy(buf, lg->name, len + 1);
    int level = -1;
    for (char *dot = strrchr(buf, '.'); dot && level < 0; dot = strrchr(buf, '.')) {
        *dot = '\0';
        const log_logger_t *anc = lookup_locked(buf);
        if (anc && anc->explicit_level >= 0) level = anc->explicit_level;
    }
    free(buf);
    if (level < 0) {
        const log_logger_t *root = lookup_locked("root");
        level = root ? root->explicit_level : LOG_LEVEL_INFO;
    }
    return level;
}

static void rederive_all_locked(void) {
    for (size_t i = 0; i < n_loggers; i++)
        atomic_store_explicit(&loggers[i]->effective, derive_level(loggers[i]),
                              memory_order_relaxed);
}

static log_logger_t *create_locked(const char *name) {
    if (n_loggers == 0 && strcmp(name, "root") != 0) {
        /* The root logger always exists first, at INFO. */
        if (!create_locked("root")) return NULL;
    }
    bool found;
    size_t slot = find_slot(name, &found);
    if (found) return loggers[slot];
    if (n_loggers == cap_loggers) {
        size_t ncap = cap_loggers ? cap_loggers * 2 : 64;
        log_logger_t **n = realloc(loggers, ncap * sizeof(*n));
        if (!n) return NULL;
        loggers = n;
        cap_loggers = ncap;
    }
    log_logger_t *lg = calloc(1, sizeof(*lg));
    if (!lg || !(lg->name = strdup(name))) {
        free(lg);
        return NULL;
    }
    lg->explicit_level = strcmp(name, "root") == 0 ? LOG_LEVEL_INFO : -1;
    lg->last_modified = -1;
    memmove(loggers + slot + 1, loggers + slot, (n_loggers - slot) * sizeof(*loggers));
    loggers[slot] = lg;
    n_loggers++;
    atomic_store_explicit(&lg->effective, derive_level(lg), memory_order_relaxed);
    return lg;
}

log_logger_t *log_get(const char *name) {
    if (!name || !*name || is_root(name)) name = "root";
    pthread_mutex_lock(&reg_lock);
    log_logger_t *lg = create_locked(name);
    pthread_mutex_unlock(&reg_lock);
    if (!lg) abort(); /* out of memory at start-up: nothing sensible to do */
    return lg;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t log_set_level(const char *name, log_level_t level, char ***affected) {
    bool root = !name || !*name || is_root(name);
    if (root) name = "root";
    int64_t ts = now_ms();
    pthread_mutex_lock(&reg_lock);
    create_locked(name);
    size_t n = 0;
    char **names = affected ? calloc(n_loggers + 1, sizeof(char *)) : NULL;
    size_t plen = strlen(name);
    for (size_t i = 0; i < n_loggers; i++) {
        log_logger_t *lg = loggers[i];
        if (!root && strncmp(lg->name, name, plen) != 0) continue;
        lg->explicit_level = level;
        lg->last_modified = ts;
        if (names) names[n] = strdup(lg->name);
        n++;
    }
    rederive_all_locked();
    pthread_mutex_unlock(&reg_lock);
    if (names) {
        qsort(names, n, sizeof(char *), cmp_str);
        *affected = names;
    }
    return n;
}

void log_foreach(log_visit_cb cb, void *opaque) {
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < n_loggers; i++) cb(loggers[i], opaque);
    pthread_mutex_unlock(&reg_lock);
}

void log_set_output(FILE *out) { log_out = out; }

void log_vwrite(log_logger_t *lg, log_level_t level, const char *fmt, va_list ap) {
    char line[4096];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    int n = (int)strftime(line, sizeof(line), "[%Y-%m-%d %H:%M:%S", &tm);
    n += snprintf(line + n, sizeof(line) - (size_t)n, ",%03d] %s ", (int)(tv.tv_usec / 1000),
                  log_level_name(level));
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    if (m < 0) m = 0;
    n = (size_t)(n + m) >= sizeof(line) ? (int)sizeof(line) - 1 : n + m;
    /* Messages that quote external text (errors from libraries) may carry a trailing newline. */
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
    line[n] = '\0';
    FILE *out = log_out ? log_out : stdout;
    flockfile(out);
    fputs(line, out);
    fprintf(out, " (%s)\n", lg->name);
    fflush(out);
    funlockfile(out);
}

void log_write(log_logger_t *lg, log_level_t level, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(lg, level, fmt, ap);
    va_end(ap);
}

void log_shutdown(void) {
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < n_loggers; i++) {
        free(loggers[i]->name);
        free(loggers[i]);
    }
    free(loggers);
    loggers = NULL;
    n_loggers = cap_loggers = 0;
    pthread_mutex_unlock(&reg_lock);
}
