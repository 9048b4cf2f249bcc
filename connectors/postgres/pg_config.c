/* pg_config.c - the PostgreSQL connector's configuration: the validate hook, the mapping of 1.x
 * names and the parsed view (the key definitions are in pg_config_keys.c). Texts taken from
 * Debezium keep its words; connectd's own say what to change. */
#include "connectors/postgres/pg_config.h"
#include "connectors/postgres/pg_config_int.h"
#include "xalloc.h"

#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connect/connector_config.h"
#include "connect/java_regex.h"
#include "log.h"

#define LOGGER_NAME "io.debezium.connector.postgresql.PostgresConnectorConfig"

/* Debezium compiles its filter lists with Pattern.CASE_INSENSITIVE and matches whole names
 * (Matcher.matches); the patterns are anchored below. */

_Static_assert(sizeof(pg_config_keys) / sizeof(pg_config_keys[0]) == PG_CONFIG_N_KEYS,
               "PG_CONFIG_N_KEYS in pg_config.h must match the number of keys");

/* ---- small helpers -------------------------------------------------------------------------- */

/* Java regex \s, which Debezium's patterns use. */
static bool jspace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static char *trim_dup(const char *s, size_t n) {
    while (n && jspace(*s)) s++, n--;
    while (n && jspace(s[n - 1])) n--;
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static bool blank(const char *s) {
    if (!s) return true;
    for (; *s; s++)
        if (!jspace(*s)) return false;
    return true;
}

static void push(char ***arr, size_t *n, char *item) {
    *arr = xrealloc(*arr, (*n + 1) * sizeof(**arr));
    (*arr)[(*n)++] = item;
}

static void free_strv(char **v, size_t n) {
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

static const cd_config_key_t *key_def(const char *name) {
    for (size_t i = 0; i < pg_config_n_keys; i++)
        if (!strcmp(pg_config_keys[i].name, name)) return &pg_config_keys[i];
    return NULL;
}

/* The value of a key in a props as the user wrote it, else the key's default (NULL if none). */
static const char *raw_or_default(const cd_props_t *p, const char *key) {
    if (cd_props_has(p, key)) return cd_props_get(p, key);
    const cd_config_key_t *k = key_def(key);
    return k ? k->default_value : NULL;
}

static int enum_index(const char *const *allowed, const char *v) {
    for (int i = 0; v && allowed[i]; i++)
        if (!strcasecmp(allowed[i], v)) return i;
    return -1;
}

static log_logger_t *logger(void) { return log_get(LOGGER_NAME); }

/* ---- Debezium 1.x names --------------------------------------------------------------------- */

static const struct {
    const char *old_name, *new_name;
} LEGACY[] = {
    {"database.server.name", "topic.prefix"},
    {"schema.whitelist", "schema.include.list"},
    {"schema.blacklist", "schema.exclude.list"},
    {"table.whitelist", "table.include.list"},
    {"table.blacklist", "table.exclude.list"},
    {"column.whitelist", "column.include.list"},
    {"column.blacklist", "column.exclude.list"},
    {"heartbeat.topics.prefix", "topic.heartbeat.prefix"},
    {"toasted.value.placeholder", "unavailable.value.placeholder"},
};
#define N_LEGACY (sizeof(LEGACY) / sizeof(LEGACY[0]))

cd_props_t *pg_config_effective(const cd_props_t *config) {
    cd_props_t *eff = cd_props_copy(config);
    log_logger_t *lg = logger();
    for (size_t i = 0; i < N_LEGACY; i++) {
        const char *v = cd_props_get(config, LEGACY[i].old_name);
        if (!v) continue; /* absent, or null (which the engine reports) */
        cd_props_remove(eff, LEGACY[i].old_name);
        if (cd_props_get(config, LEGACY[i].new_name)) {
            log_warn(lg, "Configuration property \"%s\" is ignored because \"%s\" is set; remove \"%s\".",
                     LEGACY[i].old_name, LEGACY[i].new_name, LEGACY[i].old_name);
        } else {
            /* Debezium 1.x's own words (Configuration.getFallbackStringProperty) */
            log_warn(lg,
                     "Using configuration property \"%s\" is deprecated and will be removed in future "
                     "versions. Please use \"%s\" instead.",
                     LEGACY[i].old_name, LEGACY[i].new_name);
            cd_props_set(eff, LEGACY[i].new_name, v);
        }
    }

    /* flush.lsn.source (2.2-3.3) is the boolean form of lsn.flush.mode (3.4+). */
    const char *fls = cd_props_get(config, "flush.lsn.source");
    if (fls) {
        char *t = trim_dup(fls, strlen(fls));
        bool is_false = !strcasecmp(t, "false"), is_true = !strcasecmp(t, "true");
        free(t);
        if (cd_props_get(config, "lsn.flush.mode")) {
            log_warn(lg, "Configuration property \"flush.lsn.source\" is ignored because \"lsn.flush.mode\" "
                         "is set; remove \"flush.lsn.source\".");
        } else if (is_false || is_true) { /* anything else is a type error the engine reports */
            log_warn(lg,
                     "Using configuration property \"flush.lsn.source\" is deprecated and will be "
                     "removed in future versions. Please use \"lsn.flush.mode\" instead.");
            if (is_false)
                log_warn(lg, "Property 'flush.lsn.source' is set to 'false', the LSN will not be flushed "
                             "to the database source and WAL logs will not be cleared. User is expected "
                             "to handle this outside Debezium.");
            cd_props_set(eff, "lsn.flush.mode", is_false ? "manual" : "connector");
        }
    }
    return eff;
}

/* The key the user wrote for a current key: its 1.x name when only that was submitted. */
static const char *origin(const cd_props_t *config, const char *key) {
    if (cd_props_get(config, key)) return key;
    for (size_t i = 0; i < N_LEGACY; i++)
        if (!strcmp(LEGACY[i].new_name, key) && cd_props_get(config, LEGACY[i].old_name))
            return LEGACY[i].old_name;
    return key;
}

/* ---- regular expressions -------------------------------------------------------------------- */

/* Debezium's patterns are Java regexes (connect/java_regex.c runs them with PCRE2), compiled
 * CASE_INSENSITIVE as Strings.setOfRegex does and matched whole. A pattern that does not compile
 * is reported by validate with the first line of Java's PatternSyntaxException text (the
 * description and index; the message quotes the pattern already). */
static java_regex_t *compile_whole(const char *pattern, char *err, size_t err_size) {
    java_regex_t *re = java_regex_new(pattern, JAVA_REGEX_CASE_INSENSITIVE, err, err_size);
    if (!re) err[strcspn(err, "\n")] = '\0';
    return re;
}

static bool matches(const java_regex_t *re, const char *s) { return java_regex_matches(re, s, strlen(s)); }

/* Splits a regex list as Debezium's RegExSplitterByComma does: "\," is a comma inside a pattern,
 * items are trimmed and empty ones dropped. */
static size_t split_regex_list(const char *s, char ***out) {
    *out = NULL;
    size_t n = 0;
    if (!s) return 0;
    sb_t cur = {0};
    for (size_t i = 0;; i++) {
        char c = s[i];
        if (c == '\\' && s[i + 1]) {
            if (s[i + 1] == ',')
                sb_addc(&cur, ',');
            else
                sb_addn(&cur, s + i, 2);
            i++;
            continue;
        }
        if (c == ',' || c == '\0') {
            char *item = sb_take(&cur);
            char *t = trim_dup(item, strlen(item));
            free(item);
            if (*t)
                push(out, &n, t);
            else
                free(t);
            if (!c) break;
            continue;
        }
        sb_addc(&cur, c);
    }
    return n;
}

/* Java's String.split(sep): every piece, minus the trailing empty ones. */
static size_t split_java(const char *s, char sep, char ***out) {
    *out = NULL;
    size_t n = 0;
    for (const char *p = s;;) {
        const char *e = strchr(p, sep);
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *item = xmalloc(len + 1);
        memcpy(item, p, len);
        item[len] = '\0';
        push(out, &n, item);
        if (!e) break;
        p = e + 1;
    }
    while (n > 0 && !**(*out + n - 1)) free((*out)[--n]);
    return n;
}

/* ---- reporting -------------------------------------------------------------------------------- */

/* Where problems go: the validate result, or (parse) one errstr with every message. */
typedef struct {
    cd_config_result_t *result;
    char *errstr;
    size_t errstr_size;
    int n;
} sink_t;

static void report(sink_t *s, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void report(sink_t *s, const char *key, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) abort();
    va_end(ap);
    if (s->result) {
        cd_config_result_add_error(s->result, key, "%s", msg);
    } else if (s->errstr && s->errstr_size) {
        size_t used = strlen(s->errstr);
        if (used + 1 < s->errstr_size)
            snprintf(s->errstr + used, s->errstr_size - used, "%s%s", s->n ? "; " : "", msg);
    }
    s->n++;
    free(msg);
}

/* Debezium's framing of a problem found by one of its validators (Field.validationOutput). */
#define INVALID "The '%s' value is invalid: "

/* ---- the checks ------------------------------------------------------------------------------- */

typedef struct {
    const cd_props_t *config;       /* as submitted */
    const cd_props_t *eff;          /* 1.x names mapped */
    const cd_config_result_t *vals; /* eff parsed against pg_config_keys: values and defaults */
    sink_t *sink;
} checks_t;

static const char *val(const checks_t *c, const char *key) { return cd_config_result_value(c->vals, key); }

/* A key submitted with a null value already has the engine's message. */
static bool submitted_null(const checks_t *c, const char *key) {
    return cd_props_has(c->eff, key) && !cd_props_get(c->eff, key);
}

static void check_required(const checks_t *c, const char *key) {
    if (submitted_null(c, key)) return;
    if (blank(val(c, key)) && cd_config_result_key_error_count(c->vals, key) == 0)
        report(c->sink, origin(c->config, key), INVALID "A value is required", origin(c->config, key));
}

static void check_topic_prefix(const checks_t *c) {
    const char *key = "topic.prefix";
    check_required(c, key);
    const char *v = val(c, key);
    if (blank(v)) return;
    for (const char *p = v; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-') {
            const char *o = origin(c->config, key);
            report(c->sink, o,
                   INVALID "%s has invalid format (only the underscore, hyphen, dot and alphanumeric "
                           "characters are allowed)",
                   o, v);
            return;
        }
    }
}

static void check_slot_name(const checks_t *c) {
    const char *v = val(c, "slot.name");
    if (!v || submitted_null(c, "slot.name")) return;
    size_t n = strlen(v);
    bool ok = n >= 1 && n <= 63;
    for (const char *p = v; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
    if (!ok)
        report(c->sink, "slot.name",
               INVALID "Valid replication slot name must contain only digits, lowercase characters and "
                       "underscores with length <= 63",
               "slot.name");
}

/* The four include/exclude pairs; Debezium reports the clash on the exclude key. */
static const struct {
    const char *include, *exclude;
} LIST_PAIRS[] = {
    {"schema.include.list", "schema.exclude.list"},
    {"table.include.list", "table.exclude.list"},
    {"column.include.list", "column.exclude.list"},
    {"message.prefix.include.list", "message.prefix.exclude.list"},
};
#define N_LIST_PAIRS (sizeof(LIST_PAIRS) / sizeof(LIST_PAIRS[0]))

static void check_lists(const checks_t *c) {
    for (size_t i = 0; i < N_LIST_PAIRS; i++) {
        const char *keys[2] = {LIST_PAIRS[i].include, LIST_PAIRS[i].exclude};
        for (int k = 0; k < 2; k++) {
            char **pats;
            size_t n = split_regex_list(cd_props_get(c->eff, keys[k]), &pats);
            for (size_t j = 0; j < n; j++) {
                char err[512];
                java_regex_t *re = compile_whole(pats[j], err, sizeof(err));
                if (!re) {
                    const char *o = origin(c->config, keys[k]);
                    report(c->sink, o,
                           INVALID "A comma-separated list of valid regular expressions is expected, but "
                                   "'%s' is not one (%s); fix or escape that pattern",
                           o, pats[j], err);
                }
                java_regex_free(re);
            }
            free_strv(pats, n);
        }
        if (!blank(cd_props_get(c->eff, keys[0])) && !blank(cd_props_get(c->eff, keys[1]))) {
            const char *oi = origin(c->config, keys[0]), *oe = origin(c->config, keys[1]);
            report(c->sink, oe, INVALID "\"%s\" is already specified", oe, oi);
        }
    }
}

/* One message.key.columns entry against Debezium's ^\s*([^\s:]+):([^:\s]+)\s*$. On success the
 * table part and the column part are returned (malloc'ed). */
static bool key_entry_split(const char *s, char **table, char **cols) {
    const char *p = s;
    while (jspace(*p)) p++;
    const char *t = p;
    while (*p && !jspace(*p) && *p != ':') p++;
    if (p == t || *p != ':') return false;
    const char *t_end = p++;
    const char *k = p;
    while (*p && !jspace(*p) && *p != ':') p++;
    if (p == k) return false;
    const char *k_end = p;
    while (jspace(*p)) p++;
    if (*p) return false;
    *table = trim_dup(t, (size_t)(t_end - t));
    *cols = trim_dup(k, (size_t)(k_end - k));
    return true;
}

#define KEY_COLUMNS_PATTERN "^\\s*([^\\s:]+):([^:\\s]+)\\s*$"

static void check_key_columns(const checks_t *c) {
    const char *v = cd_props_get(c->eff, "message.key.columns");
    if (!v) return;
    if (!*v) {
        report(c->sink, "message.key.columns", INVALID "Must not be empty", "message.key.columns");
        return;
    }
    char **entries;
    size_t n = split_java(v, ';', &entries);
    for (size_t i = 0; i < n; i++) {
        char *table, *cols;
        if (!key_entry_split(entries[i], &table, &cols)) {
            report(c->sink, "message.key.columns",
                   INVALID "%s has an invalid format (expecting '" KEY_COLUMNS_PATTERN
                           "'); write '<table regex>:<column>,<column>' entries separated by ';', "
                           "e.g. inventory.customers:pk1,pk2;(.*).purchaseorders:pk3",
                   "message.key.columns", entries[i]);
            continue;
        }
        char err[512];
        java_regex_t *re = compile_whole(table, err, sizeof(err));
        if (!re)
            report(c->sink, "message.key.columns",
                   INVALID "'%s' is not a valid regular expression (%s); fix or escape that pattern",
                   "message.key.columns", table, err);
        java_regex_free(re);
        free(table);
        free(cols);
    }
    free_strv(entries, n);
}

/* Debezium's validateSkippedOperation; "r" passes as it does there (snapshot reads are never
 * skipped anyway). Returns the PG_OP_* bits when out is not NULL. */
static bool skipped_ops(const char *v, unsigned *out, const checks_t *c) {
    unsigned bits = 0;
    bool ok = true;
    if (v && strcmp(v, "none")) {
        bool none = false, ops = false;
        char **items;
        size_t n = split_java(v, ',', &items);
        if (n == 0) { /* "" splits into one empty item in Java, which is not an operation */
            push(&items, &n, xstrdup(""));
        }
        for (size_t i = 0; i < n && ok; i++) {
            char *op = trim_dup(items[i], strlen(items[i]));
            if (!strcmp(op, "none")) {
                none = true;
            } else if (strlen(op) == 1 && strchr("rcudt", op[0])) {
                ops = true;
                bits |= op[0] == 'c' ? PG_OP_CREATE
                        : op[0] == 'u' ? PG_OP_UPDATE
                        : op[0] == 'd' ? PG_OP_DELETE
                        : op[0] == 't' ? PG_OP_TRUNCATE
                                       : 0;
            } else {
                if (c)
                    report(c->sink, "skipped.operations", INVALID "Invalid operation", "skipped.operations");
                ok = false;
            }
            free(op);
        }
        free_strv(items, n);
        if (ok && none && ops) {
            if (c)
                report(c->sink, "skipped.operations",
                       INVALID "'none' cannot be specified with other skipped operation types",
                       "skipped.operations");
            ok = false;
        }
    }
    if (out) *out = bits;
    return ok;
}

/* Custom snapshotters, lock and query implementations are Java classes Debezium loads by name:
 * connectd has none to load, so those values are refused rather than ignored. */
static void check_snapshot_mode(const checks_t *c) {
    const char *v = val(c, "snapshot.mode");
    if (v && !strcasecmp(v, "custom"))
        report(c->sink, "snapshot.mode",
               "snapshot.mode 'custom' loads a Java Snapshotter class (snapshot.mode.custom.name), which "
               "connectd cannot run: use initial, always, initial_only, no_data, when_needed or "
               "configuration_based");
    v = val(c, "snapshot.locking.mode");
    if (v && !strcasecmp(v, "custom"))
        report(c->sink, "snapshot.locking.mode",
               "snapshot.locking.mode 'custom' loads a Java SnapshotLock class, which connectd cannot run: "
               "use none (the default) or shared");
    v = val(c, "snapshot.query.mode");
    if (v && !strcasecmp(v, "custom"))
        report(c->sink, "snapshot.query.mode",
               "snapshot.query.mode 'custom' loads a Java SnapshotQuery class, which connectd cannot run: use "
               "select_all (the default), or snapshot.select.statement.overrides for the tables whose "
               "rows need a query of their own");
    const char *ov = val(c, "snapshot.select.statement.overrides");
    if (ov) {
        char **items;
        size_t n = split_java(ov, ',', &items);
        for (size_t i = 0; i < n; i++) {
            char *id = trim_dup(items[i], strlen(items[i]));
            char *key = xasprintf("snapshot.select.statement.overrides.%s", id);
            if (*id && blank(cd_props_get(c->eff, key)))
                report(c->sink, "snapshot.select.statement.overrides",
                       "snapshot.select.statement.overrides names '%s' but %s is not set: set it to the "
                       "SELECT that reads that table's rows, or remove '%s' from the list",
                       id, key, id);
            free(key);
            free(id);
        }
        free_strv(items, n);
    }
}

/* A key's default, which Debezium's Configuration.getInteger and friends fall back to for a value
 * that does not parse. */
static const char *default_of(const char *key) {
    for (size_t i = 0; i < pg_config_n_keys; i++)
        if (!strcmp(pg_config_keys[i].name, key)) return pg_config_keys[i].default_value;
    return NULL;
}

static void check_queue_size(const checks_t *c) {
    const char *q = val(c, "max.queue.size"), *b = val(c, "max.batch.size");
    if (!q && !submitted_null(c, "max.queue.size")) q = default_of("max.queue.size");
    if (!b && !submitted_null(c, "max.batch.size")) b = default_of("max.batch.size");
    if (!q || !b) return;
    long lq = strtol(q, NULL, 10), lb = strtol(b, NULL, 10);
    if (lq > 0 && lq <= lb)
        report(c->sink, "max.queue.size",
               INVALID "Must be larger than the maximum batch size", "max.queue.size");
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* "hex:<even number of hex digits>" -> octets; false when malformed. */
static bool decode_hex_placeholder(const char *v, uint8_t **out, size_t *len) {
    const char *h = v + 4;
    size_t n = strlen(h);
    if (n % 2) return false;
    uint8_t *b = out ? xmalloc(n / 2) : NULL;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(h[i]), lo = hexval(h[i + 1]);
        if (hi < 0 || lo < 0) {
            free(b);
            return false;
        }
        if (b) b[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    if (out) *out = b, *len = n / 2;
    return true;
}

static void check_placeholder(const checks_t *c) {
    const char *v = val(c, "unavailable.value.placeholder");
    if (!v || strncmp(v, "hex:", 4) || decode_hex_placeholder(v, NULL, NULL)) return;
    const char *o = origin(c->config, "unavailable.value.placeholder");
    report(c->sink, o,
           INVALID "'%s' starts with 'hex:' but is not followed by an even number of hexadecimal digits; "
                   "write the octets in hex (e.g. hex:00ff) or drop the 'hex:' prefix",
           o, v);
}

static const char *const SKIP_TXN_MODES[] = {"skip", "mark", NULL};

static void check_control(const checks_t *c) {
    const char *key = "connectd.skip.transaction.mode", *v = val(c, key);
    if (v && enum_index(SKIP_TXN_MODES, v) < 0)
        report(c->sink, key,
               INVALID "'%s' is not a mode: use 'skip' (the transaction's change events are not emitted) or "
                       "'mark' (they are emitted with the header __connectd.skip.transaction=true)",
               key, v);
}

static void warn_plugin(const checks_t *c) {
    const char *v = val(c, "plugin.name");
    if (v && !strcasecmp(v, "decoderbufs"))
        log_warn(logger(),
                 "plugin.name 'decoderbufs' is accepted for compatibility, but connectd decodes only "
                 "pgoutput: the replication slot and stream use pgoutput. Set plugin.name to pgoutput "
                 "to silence this warning.");
}


/* Signals and incremental snapshots: what connectd cannot do is refused here, by name, rather
 * than accepted and silently not done. */
static void check_signals(const checks_t *c) {
    const char *ch = cd_props_get(c->eff, "signal.enabled.channels");
    if (ch) {
        char **items;
        size_t n = split_java(ch, ',', &items);
        for (size_t i = 0; i < n; i++) {
            char *name = trim_dup(items[i], strlen(items[i]));
            if (!strcasecmp(name, "jmx"))
                report(c->sink, "signal.enabled.channels",
                       INVALID "the 'jmx' signal channel is not available in connectd (it has no JVM); use "
                               "'source' (the signal table), 'kafka' or 'file'",
                       "signal.enabled.channels");
            free(name);
        }
        free_strv(items, n);
    }
    const char *ro = val(c, "read.only");
    if (ro && !strcasecmp(ro, "true"))
        report(c->sink, "read.only",
               INVALID "read-only incremental snapshots (watermarks from pg_current_snapshot() instead of "
                       "rows in the signal table) are not supported by connectd; set read.only=false and "
                       "give the connector a signal table (signal.data.collection) it may write to",
               "read.only");
    const char *sc = val(c, "incremental.snapshot.allow.schema.changes");
    if (sc && !strcasecmp(sc, "true"))
        report(c->sink, "incremental.snapshot.allow.schema.changes",
               INVALID "connectd does not verify table schemas between incremental snapshot chunks; set it "
                       "to false (a chunk read across an ALTER TABLE is read again instead)",
               "incremental.snapshot.allow.schema.changes");
    const char *sdc = val(c, "signal.data.collection");
    if (!blank(sdc)) {
        size_t dots = 0;
        for (const char *p = sdc; *p; p++) dots += *p == '.';
        if (dots < 1 || dots > 2 || sdc[0] == '.' || sdc[strlen(sdc) - 1] == '.' || strstr(sdc, ".."))
            report(c->sink, "signal.data.collection",
                   INVALID "'%s' is not '<schema>.<table>' (for example public.debezium_signal)",
                   "signal.data.collection", sdc);
    }
}

static void run_checks(const checks_t *c) {
    check_required(c, "database.hostname");
    check_required(c, "database.user");
    check_required(c, "database.dbname");
    check_topic_prefix(c);
    check_slot_name(c);
    check_lists(c);
    check_key_columns(c);
    if (!submitted_null(c, "skipped.operations"))
        skipped_ops(raw_or_default(c->eff, "skipped.operations"), NULL, c);
    check_snapshot_mode(c);
    check_queue_size(c);
    check_placeholder(c);
    check_signals(c);
    check_control(c);
    warn_plugin(c);
}

static cd_config_result_t *validate_own(const cd_props_t *eff) {
    const cd_config_def_t def = {pg_config_keys, pg_config_n_keys};
    const cd_config_def_t *defs[] = {&def};
    return cd_config_validate(defs, 1, eff);
}

/* How a value of a key falls into the kinds pg_config_fields.c knows Debezium's messages for. */
static int field_kind(const pg_field_rule_t *rule, const char *v) {
    if (!v) return PG_FV_ABSENT;
    char *t = xstrdup(v);
    char *b = t;
    while (*b && (unsigned char)*b <= ' ') b++;
    size_t n = strlen(b);
    while (n && (unsigned char)b[n - 1] <= ' ') b[--n] = '\0';
    int kind = -1; /* valid: no messages */
    if (!*b) {
        kind = PG_FV_EMPTY;
    } else if (rule->recommended) { /* an enum: the literals, case-insensitively */
        kind = PG_FV_GARBAGE;
        for (const char *const *r = rule->recommended; *r; r++)
            if (!strcasecmp(*r, b)) kind = -1;
    } else if (rule->type == CD_CFG_BOOLEAN) {
        kind = strcasecmp(b, "true") && strcasecmp(b, "false") ? PG_FV_GARBAGE : -1;
    } else if (rule->type == CD_CFG_DOUBLE) {
        char *end;
        double d = strtod(b, &end);
        kind = *end ? PG_FV_GARBAGE : d < 0 ? PG_FV_NEGATIVE : d == 0 ? PG_FV_ZERO : PG_FV_POSITIVE;
    } else {
        char *end;
        errno = 0;
        long long x = strtoll(b, &end, 10);
        long long max = rule->type == CD_CFG_LONG ? LLONG_MAX : rule->type == CD_CFG_SHORT ? 32767 : 2147483647;
        long long min = rule->type == CD_CFG_LONG ? LLONG_MIN : rule->type == CD_CFG_SHORT ? -32768 : -2147483648LL;
        if (*end || errno || x > max || x < min) kind = PG_FV_GARBAGE;
        else if (x < 0) kind = PG_FV_NEGATIVE;
        else if (x == 0) kind = PG_FV_ZERO;
        else kind = x > 2147483647 ? PG_FV_HUGE : PG_FV_POSITIVE;
    }
    free(t);
    return kind;
}

/* Debezium validates its own keys itself (Connector.validate with its Field validators): per key
 * the messages of its type validator and its own validator, its recommended values and
 * visibility; the parsed value is never shown. */
static void field_rules(const cd_props_t *config, const cd_props_t *eff, cd_config_result_t *result) {
    for (size_t i = 0; i < pg_field_rules_n; i++) {
        const pg_field_rule_t *rule = &pg_field_rules[i];
        if (rule->recommended) {
            size_t n = 0;
            while (rule->recommended[n]) n++;
            cd_config_result_set_recommended(result, rule->name, rule->recommended, n);
        }
        if (rule->invisible) cd_config_result_set_visible(result, rule->name, false);
        bool checked = rule->recommended || rule->type == CD_CFG_INT || rule->type == CD_CFG_LONG ||
                       rule->type == CD_CFG_SHORT || rule->type == CD_CFG_DOUBLE || rule->type == CD_CFG_BOOLEAN;
        if (!checked) continue;
        int kind = field_kind(rule, cd_props_get(eff, rule->name));
        if (kind < 0 || !rule->messages[kind]) continue;
        for (const char *const *m = rule->messages[kind]; *m; m++)
            cd_config_result_add_error(result, origin(config, rule->name), INVALID "%s", origin(config, rule->name), *m);
    }
}

void pg_config_validate(const cd_props_t *config, cd_config_result_t *result) {
    cd_props_t *eff = pg_config_effective(config);
    field_rules(config, eff, result);
    /* Only read for values here: the engine has reported type errors on `result` already. */
    cd_config_result_t *vals = validate_own(eff);
    sink_t sink = {.result = result};
    checks_t c = {config, eff, vals, &sink};
    run_checks(&c);
    cd_config_result_destroy(vals);
    cd_props_destroy(eff);
}

/* ---- the parsed view -------------------------------------------------------------------------- */

static char *str_val(const cd_config_result_t *vals, const char *key) {
    return xstrdup(cd_config_result_value(vals, key));
}

static long long num_val(const cd_config_result_t *vals, const char *key) {
    const char *v = cd_config_result_value(vals, key);
    return v ? strtoll(v, NULL, 10) : 0;
}

static bool bool_val(const cd_config_result_t *vals, const char *key) {
    const char *v = cd_config_result_value(vals, key);
    return v && !strcmp(v, "true");
}

static int enum_val(const cd_config_result_t *vals, const char *key, const char *const *allowed) {
    int i = enum_index(allowed, cd_config_result_value(vals, key));
    return i < 0 ? 0 : i;
}

static char *lower_dup(const char *s) {
    char *d = xstrdup(s);
    for (char *p = d; p && *p; p++) *p = (char)tolower((unsigned char)*p);
    return d;
}

static void compile_list(const char *raw, pg_regex_list_t *l) {
    l->n = split_regex_list(raw, &l->patterns);
    l->compiled = xmalloc(l->n * sizeof(*l->compiled));
    char err[512];
    for (size_t i = 0; i < l->n; i++)
        if (!(l->compiled[i] = compile_whole(l->patterns[i], err, sizeof(err)))) abort(); /* checked */
}

static void free_list(pg_regex_list_t *l) {
    for (size_t i = 0; i < l->n; i++) java_regex_free(l->compiled[i]);
    free(l->compiled);
    free_strv(l->patterns, l->n);
    memset(l, 0, sizeof(*l));
}

/* database.initial.statements as Debezium's JdbcConnection splits them. */
static void split_statements(const char *s, pg_config_t *out) {
    if (!s) return;
    sb_t cur = {0};
    for (size_t i = 0;; i++) {
        if (s[i] == ';' && s[i + 1] == ';') {
            sb_addc(&cur, ';');
            i++;
            continue;
        }
        if (s[i] == ';' || !s[i]) {
            char *stmt = sb_take(&cur);
            char *t = trim_dup(stmt, strlen(stmt));
            free(stmt);
            if (*t)
                push(&out->initial_statements, &out->n_initial_statements, t);
            else
                free(t);
            if (!s[i]) break;
            continue;
        }
        sb_addc(&cur, s[i]);
    }
}

static void split_stream_params(const char *s, pg_config_t *out) {
    if (!s) return;
    char **items;
    size_t n = split_java(s, ';', &items);
    for (size_t i = 0; i < n; i++) {
        if (blank(items[i])) continue;
        char *eq = strchr(items[i], '=');
        if (!eq) {
            log_warn(logger(), "The following STREAM_PARAMS value is invalid: %s", items[i]);
            continue;
        }
        size_t n_keys = out->n_stream_params; /* both arrays grow together */
        push(&out->stream_param_keys, &n_keys, trim_dup(items[i], (size_t)(eq - items[i])));
        push(&out->stream_param_values, &out->n_stream_params, trim_dup(eq + 1, strlen(eq + 1)));
    }
    free_strv(items, n);
}

static void parse_key_columns(const char *v, pg_config_t *out) {
    if (!v) return;
    char **entries;
    size_t n = split_java(v, ';', &entries);
    for (size_t i = 0; i < n; i++) {
        char *table, *cols;
        if (!key_entry_split(entries[i], &table, &cols)) continue; /* checked before */
        out->key_columns = xrealloc(out->key_columns, (out->n_key_columns + 1) * sizeof(*out->key_columns));
        pg_key_columns_t *e = &out->key_columns[out->n_key_columns++];
        memset(e, 0, sizeof(*e));
        e->table_pattern = table;
        char err[512];
        if (!(e->table_re = compile_whole(table, err, sizeof(err)))) abort(); /* checked before */
        char **names;
        size_t nn = split_java(cols, ',', &names);
        for (size_t j = 0; j < nn; j++) {
            if (*names[j])
                push(&e->columns, &e->n_columns, names[j]);
            else
                free(names[j]);
        }
        free(names);
        free(cols);
    }
    free_strv(entries, n);
}

int pg_config_parse(const cd_props_t *config, pg_config_t *out, char *errstr, size_t errstr_size) {
    memset(out, 0, sizeof(*out));
    if (errstr && errstr_size) errstr[0] = '\0';
    cd_props_t *eff = pg_config_effective(config);
    cd_config_result_t *vals = validate_own(eff);
    sink_t sink = {.errstr = errstr, .errstr_size = errstr_size};
    for (size_t i = 0; i < pg_config_n_keys; i++) {
        const char *key = pg_config_keys[i].name;
        for (size_t j = 0; j < cd_config_result_key_error_count(vals, key); j++)
            report(&sink, key, "%s", cd_config_result_key_error(vals, key, j));
    }
    checks_t c = {config, eff, vals, &sink};
    run_checks(&c);
    if (sink.n) {
        cd_config_result_destroy(vals);
        cd_props_destroy(eff);
        return -1;
    }

    out->hostname = str_val(vals, "database.hostname");
    out->port = (int)num_val(vals, "database.port");
    out->user = str_val(vals, "database.user");
    out->password = str_val(vals, "database.password");
    out->dbname = str_val(vals, "database.dbname");
    out->sslmode = lower_dup(cd_config_result_value(vals, "database.sslmode"));
    out->sslcert = str_val(vals, "database.sslcert");
    out->sslkey = str_val(vals, "database.sslkey");
    out->sslpassword = str_val(vals, "database.sslpassword");
    out->sslrootcert = str_val(vals, "database.sslrootcert");
    out->tcp_keepalive = bool_val(vals, "database.tcpKeepAlive");
    split_statements(cd_props_get(eff, "database.initial.statements"), out);
    out->query_timeout_ms = (int)num_val(vals, "database.query.timeout.ms");
    out->connection_validation_timeout_ms = num_val(vals, "connection.validation.timeout.ms");
    out->topic_prefix = str_val(vals, "topic.prefix");

    out->plugin_name = xstrdup("pgoutput");
    out->slot_name = str_val(vals, "slot.name");
    out->slot_drop_on_stop = bool_val(vals, "slot.drop.on.stop");
    out->slot_failover = bool_val(vals, "slot.failover");
    out->slot_stream_params = str_val(vals, "slot.stream.params");
    split_stream_params(out->slot_stream_params, out);
    out->slot_max_retries = (int)num_val(vals, "slot.max.retries");
    out->slot_retry_delay_ms = num_val(vals, "slot.retry.delay.ms");
    out->publication_name = str_val(vals, "publication.name");
    out->publication_autocreate_mode =
        (pg_autocreate_mode_t)enum_val(vals, "publication.autocreate.mode", pg_cfg_autocreate_modes);
    out->publish_via_partition_root = bool_val(vals, "publish.via.partition.root");
    out->status_update_interval_ms = (int)num_val(vals, "status.update.interval.ms");
    out->xmin_fetch_interval_ms = num_val(vals, "xmin.fetch.interval.ms");
    out->lsn_flush_mode = (pg_lsn_flush_mode_t)enum_val(vals, "lsn.flush.mode", pg_cfg_lsn_flush_modes);
    out->lsn_flush_timeout_ms = num_val(vals, "lsn.flush.timeout.ms");
    out->lsn_flush_timeout_action = lower_dup(cd_config_result_value(vals, "lsn.flush.timeout.action"));
    out->offset_mismatch_strategy = lower_dup(cd_config_result_value(vals, "offset.mismatch.strategy"));

    compile_list(cd_props_get(eff, "schema.include.list"), &out->schema_include);
    compile_list(cd_props_get(eff, "schema.exclude.list"), &out->schema_exclude);
    compile_list(cd_props_get(eff, "table.include.list"), &out->table_include);
    compile_list(cd_props_get(eff, "table.exclude.list"), &out->table_exclude);
    compile_list(cd_props_get(eff, "column.include.list"), &out->column_include);
    compile_list(cd_props_get(eff, "column.exclude.list"), &out->column_exclude);
    compile_list(cd_props_get(eff, "column.propagate.source.type"), &out->propagate_columns);
    compile_list(cd_props_get(eff, "datatype.propagate.source.type"), &out->propagate_datatypes);
    compile_list(cd_props_get(eff, "message.prefix.include.list"), &out->message_prefix_include);
    compile_list(cd_props_get(eff, "message.prefix.exclude.list"), &out->message_prefix_exclude);

    out->snapshot_mode = lower_dup(cd_config_result_value(vals, "snapshot.mode"));
    const char *sm = out->snapshot_mode;
    out->snapshot = !strcmp(sm, "always")                ? PG_SNAPSHOT_ALWAYS
                    : !strcmp(sm, "initial_only")        ? PG_SNAPSHOT_INITIAL_ONLY
                    : !strcmp(sm, "no_data") || !strcmp(sm, "never") ? PG_SNAPSHOT_NO_DATA
                    : !strcmp(sm, "when_needed")         ? PG_SNAPSHOT_WHEN_NEEDED
                    : !strcmp(sm, "configuration_based") ? PG_SNAPSHOT_CONFIGURATION_BASED
                                                         : PG_SNAPSHOT_INITIAL;
    out->cb_snapshot_data = bool_val(vals, "snapshot.mode.configuration.based.snapshot.data");
    out->cb_start_stream = bool_val(vals, "snapshot.mode.configuration.based.start.stream");
    out->cb_on_data_error = bool_val(vals, "snapshot.mode.configuration.based.snapshot.on.data.error");
    out->snapshot_isolation = (pg_isolation_mode_t)enum_val(vals, "snapshot.isolation.mode", pg_cfg_isolation_modes);
    out->snapshot_lock_shared = enum_val(vals, "snapshot.locking.mode", pg_cfg_locking_modes) == 0;
    out->snapshot_lock_timeout_ms = num_val(vals, "snapshot.lock.timeout.ms");
    compile_list(cd_props_get(eff, "snapshot.include.collection.list"), &out->snapshot_include);
    const char *ov = cd_props_get(eff, "snapshot.select.statement.overrides");
    if (!blank(ov)) {
        char **items;
        size_t n = split_java(ov, ',', &items);
        out->snapshot_override_tables = calloc(n + 1, sizeof(char *));
        out->snapshot_override_selects = calloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++) {
            char *id = trim_dup(items[i], strlen(items[i]));
            char *key = xasprintf("snapshot.select.statement.overrides.%s", id);
            const char *sel = cd_props_get(eff, key);
            free(key);
            if (!*id || blank(sel)) {
                free(id);
                continue;
            }
            out->snapshot_override_tables[out->n_snapshot_overrides] = id;
            out->snapshot_override_selects[out->n_snapshot_overrides++] = xstrdup(sel);
        }
        free_strv(items, n);
    }
    out->snapshot_fetch_size = (int)num_val(vals, "snapshot.fetch.size");
    out->snapshot_max_threads = (int)num_val(vals, "snapshot.max.threads");
    out->snapshot_delay_ms = num_val(vals, "snapshot.delay.ms");
    out->streaming_delay_ms = num_val(vals, "streaming.delay.ms");

    out->tombstones_on_delete = bool_val(vals, "tombstones.on.delete");
    skipped_ops(raw_or_default(eff, "skipped.operations"), &out->skipped_operations, NULL);
    out->skip_messages_without_change = bool_val(vals, "skip.messages.without.change");
    parse_key_columns(cd_props_get(eff, "message.key.columns"), out);
    out->decimal_handling_mode = (pg_decimal_mode_t)enum_val(vals, "decimal.handling.mode", pg_cfg_decimal_modes);
    out->time_precision_mode = (pg_time_mode_t)enum_val(vals, "time.precision.mode", pg_cfg_time_modes);
    out->binary_handling_mode = (pg_binary_mode_t)enum_val(vals, "binary.handling.mode", pg_cfg_binary_modes);
    out->hstore_handling_mode = (pg_hstore_mode_t)enum_val(vals, "hstore.handling.mode", pg_cfg_hstore_modes);
    out->interval_handling_mode = (pg_interval_mode_t)enum_val(vals, "interval.handling.mode", pg_cfg_interval_modes);
    out->money_fraction_digits = (int)num_val(vals, "money.fraction.digits");
    out->include_unknown_datatypes = bool_val(vals, "include.unknown.datatypes");
    out->unavailable_value_placeholder = str_val(vals, "unavailable.value.placeholder");
    const char *ph = out->unavailable_value_placeholder;
    if (!strncmp(ph, "hex:", 4)) {
        decode_hex_placeholder(ph, &out->unavailable_placeholder_bytes, &out->unavailable_placeholder_len);
    } else {
        out->unavailable_placeholder_len = strlen(ph);
        out->unavailable_placeholder_bytes = xmalloc(out->unavailable_placeholder_len);
        memcpy(out->unavailable_placeholder_bytes, ph, out->unavailable_placeholder_len);
    }
    out->schema_name_adjustment_mode = lower_dup(cd_config_result_value(vals, "schema.name.adjustment.mode"));
    out->field_name_adjustment_mode = lower_dup(cd_config_result_value(vals, "field.name.adjustment.mode"));
    out->provide_transaction_metadata = bool_val(vals, "provide.transaction.metadata");
    out->extended_headers_enabled = bool_val(vals, "extended.headers.enabled");
    out->event_processing_failure_handling_mode =
        lower_dup(cd_config_result_value(vals, "event.processing.failure.handling.mode"));

    out->max_batch_size = (int)num_val(vals, "max.batch.size");
    out->max_queue_size = (int)num_val(vals, "max.queue.size");
    out->max_queue_size_in_bytes = num_val(vals, "max.queue.size.in.bytes");
    out->poll_interval_ms = num_val(vals, "poll.interval.ms");
    out->errors_max_retries = (int)num_val(vals, "errors.max.retries");
    out->retriable_restart_connector_wait_ms = num_val(vals, "retriable.restart.connector.wait.ms");
    out->heartbeat_interval_ms = (int)num_val(vals, "heartbeat.interval.ms");
    out->heartbeat_action_query = blank(cd_config_result_value(vals, "heartbeat.action.query"))
                                      ? NULL
                                      : str_val(vals, "heartbeat.action.query");
    out->topic_delimiter = str_val(vals, "topic.delimiter");
    out->topic_heartbeat_prefix = str_val(vals, "topic.heartbeat.prefix");
    out->topic_heartbeat_name = str_val(vals, "topic.heartbeat.name");
    out->topic_transaction = str_val(vals, "topic.transaction");
    out->signal_data_collection = str_val(vals, "signal.data.collection");
    if (blank(out->signal_data_collection)) {
        free(out->signal_data_collection);
        out->signal_data_collection = NULL;
    } else {
        /* "<schema>.<table>", or "<database>.<schema>.<table>" (check_signals) */
        char *d = strrchr(out->signal_data_collection, '.');
        out->signal_table = xstrdup(d + 1);
        const char *s0 = out->signal_data_collection, *d0 = strchr(s0, '.');
        if (d0 != d) s0 = d0 + 1;
        out->signal_schema = xasprintf("%.*s", (int)(d - s0), s0);
    }
    out->signal_channels = 0;
    {
        const char *ch = cd_config_result_value(vals, "signal.enabled.channels");
        char **items;
        size_t n = split_java(ch ? ch : "source", ',', &items);
        for (size_t i = 0; i < n; i++) {
            char *name = trim_dup(items[i], strlen(items[i]));
            if (!strcasecmp(name, "source")) out->signal_channels |= PG_SIGNAL_CHANNEL_SOURCE;
            else if (!strcasecmp(name, "kafka")) out->signal_channels |= PG_SIGNAL_CHANNEL_KAFKA;
            else if (!strcasecmp(name, "file")) out->signal_channels |= PG_SIGNAL_CHANNEL_FILE;
            else if (*name)
                log_warn(logger(), "Signal channel '%s' of signal.enabled.channels is unknown and ignored", name);
            free(name);
        }
        free_strv(items, n);
    }
    out->signal_poll_interval_ms = num_val(vals, "signal.poll.interval.ms");
    out->signal_kafka_topic = blank(raw_or_default(eff, "signal.kafka.topic"))
                                  ? xasprintf("%s-signal", out->topic_prefix)
                                  : xstrdup(raw_or_default(eff, "signal.kafka.topic"));
    out->signal_kafka_bootstrap = blank(cd_props_get(eff, "signal.kafka.bootstrap.servers"))
                                      ? NULL
                                      : xstrdup(cd_props_get(eff, "signal.kafka.bootstrap.servers"));
    out->signal_kafka_group = xstrdup(blank(raw_or_default(eff, "signal.kafka.groupId"))
                                          ? "kafka-signal"
                                          : raw_or_default(eff, "signal.kafka.groupId"));
    const char *pt = cd_props_get(eff, "signal.kafka.poll.timeout.ms");
    out->signal_kafka_poll_timeout_ms = pt ? atoi(pt) : 0;
    if (out->signal_kafka_poll_timeout_ms < 0) out->signal_kafka_poll_timeout_ms = 0;
    out->signal_consumer = cd_props_with_prefix(eff, "signal.consumer.");
    out->signal_file = xstrdup(blank(raw_or_default(eff, "signal.file")) ? "file-signals.txt"
                                                                         : raw_or_default(eff, "signal.file"));
    out->incremental_chunk_size = (int)num_val(vals, "incremental.snapshot.chunk.size");
    if (out->incremental_chunk_size <= 0) out->incremental_chunk_size = 1024;
    const char *ws = cd_config_result_value(vals, "incremental.snapshot.watermarking.strategy");
    out->watermark_insert_delete = ws && !strcasecmp(ws, "insert_delete");
    out->control_prefix = str_val(vals, "connectd.control.message.prefix");
    if (out->control_prefix && blank(out->control_prefix)) {
        free(out->control_prefix);
        out->control_prefix = NULL;
    }
    out->skip_txn_mark = enum_val(vals, "connectd.skip.transaction.mode", SKIP_TXN_MODES) == 1;

    cd_config_result_destroy(vals);
    cd_props_destroy(eff);
    return 0;
}

void pg_config_clear(pg_config_t *c) {
    if (!c) return;
    free(c->hostname);
    free(c->user);
    free(c->password);
    free(c->dbname);
    free(c->sslmode);
    free(c->sslcert);
    free(c->sslkey);
    free(c->sslpassword);
    free(c->sslrootcert);
    free_strv(c->initial_statements, c->n_initial_statements);
    free(c->topic_prefix);
    free(c->plugin_name);
    free(c->slot_name);
    free(c->slot_stream_params);
    free_strv(c->stream_param_keys, c->n_stream_params);
    free_strv(c->stream_param_values, c->n_stream_params);
    free(c->publication_name);
    free(c->lsn_flush_timeout_action);
    free(c->offset_mismatch_strategy);
    free_list(&c->schema_include);
    free_list(&c->schema_exclude);
    free_list(&c->table_include);
    free_list(&c->table_exclude);
    free_list(&c->column_include);
    free_list(&c->column_exclude);
    free_list(&c->propagate_columns);
    free_list(&c->propagate_datatypes);
    free_list(&c->message_prefix_include);
    free_list(&c->message_prefix_exclude);
    free(c->snapshot_mode);
    free_list(&c->snapshot_include);
    free_strv(c->snapshot_override_tables, c->n_snapshot_overrides);
    free_strv(c->snapshot_override_selects, c->n_snapshot_overrides);
    for (size_t i = 0; i < c->n_key_columns; i++) {
        free(c->key_columns[i].table_pattern);
        java_regex_free(c->key_columns[i].table_re);
        free_strv(c->key_columns[i].columns, c->key_columns[i].n_columns);
    }
    free(c->key_columns);
    free(c->unavailable_value_placeholder);
    free(c->unavailable_placeholder_bytes);
    free(c->schema_name_adjustment_mode);
    free(c->field_name_adjustment_mode);
    free(c->event_processing_failure_handling_mode);
    free(c->heartbeat_action_query);
    free(c->topic_delimiter);
    free(c->topic_heartbeat_prefix);
    free(c->topic_heartbeat_name);
    free(c->topic_transaction);
    free(c->signal_data_collection);
    free(c->signal_schema);
    free(c->signal_table);
    free(c->signal_kafka_topic);
    free(c->signal_kafka_bootstrap);
    free(c->signal_kafka_group);
    if (c->signal_consumer) cd_props_destroy(c->signal_consumer);
    free(c->signal_file);
    free(c->control_prefix);
    memset(c, 0, sizeof(*c));
}

/* ---- matching --------------------------------------------------------------------------------- */

static bool list_matches(const pg_regex_list_t *l, const char *s) {
    for (size_t i = 0; i < l->n; i++)
        if (matches(l->compiled[i], s)) return true;
    return false;
}

bool pg_config_snapshot_included(const pg_config_t *c, const char *schema, const char *table) {
    if (!c->snapshot_include.n) return true;
    char *id = xasprintf("%s.%s", schema, table);
    bool in = list_matches(&c->snapshot_include, id);
    free(id);
    return in;
}

const char *pg_config_snapshot_select(const pg_config_t *c, const char *schema, const char *table) {
    char *id = xasprintf("%s.%s", schema, table);
    const char *sel = NULL;
    for (size_t i = 0; i < c->n_snapshot_overrides && !sel; i++)
        if (!strcmp(c->snapshot_override_tables[i], id)) sel = c->snapshot_override_selects[i];
    free(id);
    return sel;
}

/* PostgresConnectorConfig.SystemTablesPredicate */
static bool system_table(const char *schema, const char *table) {
    return !strcasecmp(schema, "pg_catalog") || !strcasecmp(schema, "information_schema") ||
           !strncmp(schema, "pg_temp", 7) || !strcasecmp(table, "spatial_ref_sys");
}

bool pg_config_table_included(const pg_config_t *c, const char *schema, const char *table) {
    if (!schema || !table || system_table(schema, table)) return false;
    /* Debezium's RelationalTableFilters adds the signal table to the captured ones: its INSERTs
     * must reach the connector (and are emitted as change events). */
    if (c->signal_table && !strcmp(schema, c->signal_schema) && !strcmp(table, c->signal_table)) return true;
    if (c->schema_include.n && !list_matches(&c->schema_include, schema)) return false;
    if (c->schema_exclude.n && list_matches(&c->schema_exclude, schema)) return false;
    if (!c->table_include.n && !c->table_exclude.n) return true;
    /* Debezium tests a table pattern against "<schema>.<table>" and against the TableId with its
     * catalog, "<db>.<schema>.<table>". */
    char *id = xasprintf("%s.%s", schema, table);
    char *full = c->dbname ? xasprintf("%s.%s.%s", c->dbname, schema, table) : NULL;
    bool in = true;
    if (c->table_include.n)
        in = list_matches(&c->table_include, id) || (full && list_matches(&c->table_include, full));
    if (in && c->table_exclude.n)
        in = !list_matches(&c->table_exclude, id) && !(full && list_matches(&c->table_exclude, full));
    free(id);
    free(full);
    return in;
}

bool pg_config_column_included(const pg_config_t *c, const char *schema, const char *table,
                               const char *column) {
    if (!c->column_include.n && !c->column_exclude.n) return true;
    char *id = xasprintf("%s.%s.%s", schema, table, column);
    bool in = c->column_include.n ? list_matches(&c->column_include, id) : !list_matches(&c->column_exclude, id);
    free(id);
    return in;
}

bool pg_config_propagate_source_type(const pg_config_t *c, const char *schema, const char *table,
                                     const char *column, const char *type_name) {
    bool hit = false;
    if (c->propagate_columns.n) {
        char *id = xasprintf("%s.%s.%s", schema, table, column);
        hit = list_matches(&c->propagate_columns, id);
        free(id);
    }
    if (!hit && c->propagate_datatypes.n && type_name) {
        char *id = xasprintf("%s.%s.%s", schema, table, type_name);
        hit = list_matches(&c->propagate_datatypes, id);
        free(id);
    }
    return hit;
}

bool pg_config_message_prefix_included(const pg_config_t *c, const char *prefix) {
    if (!prefix) prefix = "";
    if (c->message_prefix_include.n) return list_matches(&c->message_prefix_include, prefix);
    return !list_matches(&c->message_prefix_exclude, prefix);
}

size_t pg_config_key_columns(const pg_config_t *c, const char *schema, const char *table,
                             const char **out, size_t cap) {
    if (!c->n_key_columns) return 0;
    char *id = xasprintf("%s.%s", schema, table);
    char *full = c->dbname ? xasprintf("%s.%s.%s", c->dbname, schema, table) : NULL;
    size_t n = 0;
    const char **seen = xmalloc(sizeof(*seen) * 1); /* grows: every column we counted */
    size_t seen_n = 0;
    for (size_t i = 0; i < c->n_key_columns; i++) {
        const pg_key_columns_t *e = &c->key_columns[i];
        if (!matches(e->table_re, id) && !(full && matches(e->table_re, full))) continue;
        for (size_t j = 0; j < e->n_columns; j++) {
            bool dup = false;
            for (size_t k = 0; k < seen_n && !dup; k++) dup = !strcasecmp(seen[k], e->columns[j]);
            if (dup) continue;
            seen = xrealloc(seen, (seen_n + 1) * sizeof(*seen));
            seen[seen_n++] = e->columns[j];
            if (n < cap) out[n] = e->columns[j];
            n++;
        }
    }
    free(seen);
    free(id);
    free(full);
    return n;
}
