/* registry.c - lists the connector plugins; the one place a new connector is added. */
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const cd_connector_plugin_t file_stream_source_plugin;
extern const cd_connector_plugin_t file_stream_sink_plugin;
extern const cd_connector_plugin_t postgres_plugin;

static const cd_connector_plugin_t *const plugins[] = {
    &file_stream_sink_plugin,
    &file_stream_source_plugin,
    &postgres_plugin,
};

const cd_connector_plugin_t *const *registry_connectors(size_t *n) {
    *n = sizeof(plugins) / sizeof(plugins[0]);
    return plugins;
}

static const char *simple_name(const char *cls) {
    const char *dot = strrchr(cls, '.');
    return dot ? dot + 1 : cls;
}

static bool matches(const cd_connector_plugin_t *p, const char *name) {
    if (!strcmp(p->class_name, name)) return true;
    const char *simple = simple_name(p->class_name);
    if (!strcmp(simple, name)) return true;
    size_t sl = strlen(simple), nl = strlen(name);
    if (sl > 9 && !strcmp(simple + sl - 9, "Connector") && nl == sl - 9 && !strncmp(simple, name, nl))
        return true;
    for (const char *const *a = p->aliases; a && *a; a++)
        if (!strcmp(*a, name)) return true;
    return false;
}

const cd_connector_plugin_t *registry_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof(plugins) / sizeof(plugins[0]); i++)
        if (matches(plugins[i], name)) return plugins[i];
    return NULL;
}

static char *registry_describe(void) {
    size_t cap = 256, len = 0;
    char *s = malloc(cap);
    s[0] = '\0';
    for (size_t i = 0; i < sizeof(plugins) / sizeof(plugins[0]); i++) {
        const char *names[3] = {plugins[i]->class_name, simple_name(plugins[i]->class_name), NULL};
        char shortname[256];
        const char *simple = names[1];
        size_t sl = strlen(simple);
        if (sl > 9 && !strcmp(simple + sl - 9, "Connector")) {
            snprintf(shortname, sizeof(shortname), "%.*s", (int)(sl - 9), simple);
            names[2] = shortname;
        }
        for (int j = 0; j < 3; j++) {
            if (!names[j]) continue;
            size_t need = len + strlen(names[j]) + 3;
            if (need > cap) s = realloc(s, cap = need * 2);
            len += (size_t)sprintf(s + len, "%s%s", len ? ", " : "", names[j]);
        }
    }
    return s;
}

char *registry_not_found_message(const char *cls) {
    char *avail = registry_describe();
    const char *fmt = "Failed to find any class that implements Connector and which name matches "
                      "%s, available connectors are: %s";
    size_t n = strlen(fmt) + strlen(cls ? cls : "null") + strlen(avail) + 1;
    char *msg = malloc(n);
    snprintf(msg, n, fmt, cls ? cls : "null", avail);
    free(avail);
    return msg;
}
