/* plugin_version.c - connector.plugin.version (KIP-891): Maven version ranges as Kafka 4.1's
 * PluginUtils.connectorVersionRequirement reads them (a plain version is the hard range [v]),
 * Maven's version order, and DelegatingClassLoader's message for a range no plugin satisfies. */
#include "connect/plugin_version.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One item of a version: a number, or a qualifier ranked as ComparableVersion ranks them. */
typedef struct {
    bool number;
    unsigned long long n;
    int rank; /* qualifiers: 0 alpha .. 5 release, 6 sp, 7 other */
    char text[32];
} item_t;

static int qualifier_rank(const char *q) {
    static const char *const names[][3] = {{"alpha", "a", NULL}, {"beta", "b", NULL}, {"milestone", "m", NULL},
                                           {"rc", "cr", NULL},   {"snapshot", NULL, NULL},
                                           {"", "ga", "final"},  {"sp", NULL, NULL}};
    if (!strcasecmp(q, "release")) return 5;
    for (int r = 0; r < 7; r++)
        for (int k = 0; k < 3 && names[r][k]; k++)
            if (!strcasecmp(q, names[r][k])) return r;
    return 7;
}

static size_t parse_items(const char *v, item_t *items, size_t max) {
    size_t n = 0;
    while (*v && n < max) {
        if (*v == '.' || *v == '-') {
            v++;
            continue;
        }
        item_t *it = &items[n++];
        memset(it, 0, sizeof(*it));
        size_t len = 0;
        bool digit = isdigit((unsigned char)*v);
        while (*v && *v != '.' && *v != '-' && (bool)isdigit((unsigned char)*v) == digit) {
            if (len + 1 < sizeof(it->text)) it->text[len++] = (char)tolower((unsigned char)*v);
            v++;
        }
        it->number = digit;
        if (digit) it->n = strtoull(it->text, NULL, 10);
        else it->rank = qualifier_rank(it->text);
    }
    /* trailing zeros and release qualifiers are nothing */
    while (n > 0 && ((items[n - 1].number && items[n - 1].n == 0) || (!items[n - 1].number && items[n - 1].rank == 5)))
        n--;
    return n;
}

static int item_cmp(const item_t *a, const item_t *b) {
    /* a missing item is 0 or release */
    if (!a && !b) return 0;
    if (!a) return -item_cmp(b, NULL);
    if (!b) return a->number ? (a->n > 0) : (a->rank < 5 ? -1 : a->rank > 5);
    if (a->number && b->number) return a->n < b->n ? -1 : a->n > b->n;
    if (a->number) return 1; /* a number is newer than a qualifier */
    if (b->number) return -1;
    if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
    return a->rank == 7 ? strcmp(a->text, b->text) : 0;
}

int cd_version_compare(const char *a, const char *b) {
    item_t ia[32], ib[32];
    size_t na = parse_items(a, ia, 32), nb = parse_items(b, ib, 32);
    for (size_t i = 0; i < na || i < nb; i++) {
        int c = item_cmp(i < na ? &ia[i] : NULL, i < nb ? &ib[i] : NULL);
        if (c) return c < 0 ? -1 : 1;
    }
    return 0;
}

static void trim(const char **s, size_t *n) {
    while (*n > 0 && (unsigned char)**s <= ' ') (*s)++, (*n)--;
    while (*n > 0 && (unsigned char)(*s)[*n - 1] <= ' ') (*n)--;
}

int cd_plugin_version_check(const char *plugin_class, const char *plugin_version, const char *spec,
                            char *errstr, size_t errstr_size) {
    if (!spec || !strcmp(spec, "latest")) return 0;
    size_t n = strlen(spec);
    trim(&spec, &n);
    char lo[128] = "", hi[128] = "", shown[300];
    bool lo_incl = true, hi_incl = true, has_lo = true, has_hi = true;
    if (n > 0 && (spec[0] == '[' || spec[0] == '(')) {
        char close = spec[n - 1];
        if (n < 2 || (close != ']' && close != ')')) {
            snprintf(errstr, errstr_size, "Unbounded range: %.*s", (int)n, spec);
            return -1;
        }
        const char *in = spec + 1;
        size_t in_n = n - 2;
        const char *comma = memchr(in, ',', in_n);
        if (comma && memchr(comma + 1, ',', (size_t)(in + in_n - comma - 1))) {
            snprintf(errstr, errstr_size, "connectd takes one version range, not a set of ranges: %.*s", (int)n,
                     spec);
            return -1;
        }
        lo_incl = spec[0] == '[';
        hi_incl = close == ']';
        if (!comma) {
            if (!lo_incl || !hi_incl) {
                snprintf(errstr, errstr_size, "Single version must be surrounded by []: %.*s", (int)n, spec);
                return -1;
            }
            snprintf(lo, sizeof(lo), "%.*s", (int)in_n, in);
            snprintf(hi, sizeof(hi), "%s", lo);
        } else {
            snprintf(lo, sizeof(lo), "%.*s", (int)(comma - in), in);
            snprintf(hi, sizeof(hi), "%.*s", (int)(in + in_n - comma - 1), comma + 1);
            has_lo = *lo != '\0';
            has_hi = *hi != '\0';
            if (has_lo && has_hi && (cd_version_compare(hi, lo) < 0 ||
                                     (!cd_version_compare(hi, lo) && (!lo_incl || !hi_incl)))) {
                snprintf(errstr, errstr_size, "Range defies version ordering: %.*s", (int)n, spec);
                return -1;
            }
        }
    } else {
        snprintf(lo, sizeof(lo), "%.*s", (int)n, spec); /* a soft version is the hard range [v] */
        snprintf(hi, sizeof(hi), "%s", lo);
    }
    bool ok = plugin_version != NULL;
    if (ok && has_lo) {
        int c = cd_version_compare(plugin_version, lo);
        ok = c > 0 || (c == 0 && lo_incl);
    }
    if (ok && has_hi) {
        int c = cd_version_compare(plugin_version, hi);
        ok = c < 0 || (c == 0 && hi_incl);
    }
    if (ok) return 0;
    /* Maven's Restriction.toString */
    snprintf(shown, sizeof(shown), "%c%s,%s%c", lo_incl ? '[' : '(', lo, hi, hi_incl ? ']' : ')');
    snprintf(errstr, errstr_size,
             "Plugin %s not found that matches the version range %s, available versions: [%s]", plugin_class,
             shown, plugin_version ? plugin_version : "undefined");
    return -2;
}
