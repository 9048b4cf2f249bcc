/* config_providers.c - the worker's config providers and the ${provider:path:key} variables they
 * resolve: Kafka's ConfigTransformer (the variable syntax, what stays unresolved), its three
 * ConfigProviders (FileConfigProvider, DirectoryConfigProvider, EnvVarConfigProvider, with
 * allowed.paths of KIP-993 and allowlist.pattern), and Connect's reverse transform of task
 * configs. Messages are Kafka 4.1's. */
#include "config_providers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "connect/java_regex.h"
#include "log.h"
#include "xalloc.h"

#define PKG "org.apache.kafka.common.config.provider."

typedef enum { PROVIDER_FILE, PROVIDER_DIRECTORY, PROVIDER_ENV } provider_type_t;

static const struct {
    const char *simple;
    provider_type_t type;
} known_classes[] = {
    {"FileConfigProvider", PROVIDER_FILE},
    {"DirectoryConfigProvider", PROVIDER_DIRECTORY},
    {"EnvVarConfigProvider", PROVIDER_ENV},
};

typedef struct {
    char *name;
    provider_type_t type;
    char **allowed; /* normalised absolute paths; NULL: every path is allowed */
    size_t n_allowed;
    java_regex_t *pattern; /* EnvVarConfigProvider's allowlist.pattern; NULL: every name */
} provider_t;

struct config_providers {
    provider_t *p;
    size_t n;
};

static log_logger_t *plog(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.common.config.provider.ConfigProvider");
    return lg;
}

/* ---- paths (java.nio.file.Path.normalize and startsWith, for absolute POSIX paths) -------- */

/* Drops "." and empty components and resolves ".." lexically, as Path.normalize does; a
 * trailing slash goes too. A relative path stays relative. */
static char *normalize_path(const char *path) {
    size_t len = strlen(path);
    char *out = xrealloc(NULL, len + 2);
    size_t o = 0;
    bool absolute = path[0] == '/';
    if (absolute) out[o++] = '/';
    size_t base = o; /* components start here */
    for (const char *s = path; *s;) {
        while (*s == '/') s++;
        const char *e = s;
        while (*e && *e != '/') e++;
        size_t n = (size_t)(e - s);
        if (n == 0 || (n == 1 && s[0] == '.')) {
            /* nothing */
        } else if (n == 2 && s[0] == '.' && s[1] == '.' && o > base &&
                   !(o - base >= 2 && out[o - 1] == '.' && out[o - 2] == '.' &&
                     (o - base == 2 || out[o - 3] == '/'))) {
            while (o > base && out[o - 1] != '/') o--; /* drop the previous component */
            if (o > base) o--;                        /* and its separator */
        } else if (n == 2 && s[0] == '.' && s[1] == '.' && absolute) {
            /* "/.." is "/" */
        } else {
            if (o > base) out[o++] = '/';
            memcpy(out + o, s, n);
            o += n;
        }
        s = e;
    }
    out[o] = '\0';
    return out;
}

/* Path.startsWith: component-wise, so /data/secrets2 does not start with /data/secrets. */
static bool path_starts_with(const char *path, const char *prefix) {
    size_t n = strlen(prefix);
    if (n == 1 && prefix[0] == '/') return path[0] == '/';
    return !strncmp(path, prefix, n) && (path[n] == '\0' || path[n] == '/');
}

/* AllowedPaths.parseUntrustedPath: the path to read, or NULL when allowed.paths excludes it. */
static char *untrusted_path(const provider_t *p, const char *path) {
    if (!p->allowed) return xstrdup(path);
    char *norm = normalize_path(path);
    for (size_t i = 0; i < p->n_allowed; i++)
        if (path_starts_with(norm, p->allowed[i])) return norm;
    free(norm);
    return NULL;
}

/* ---- construction --------------------------------------------------------------------------- */

typedef struct {
    const char *prefix;
    const char *provider;
    log_logger_t *lg;
} param_visit_t;

static void warn_unknown_param(const char *key, const char *value, const char *origin,
                               void *opaque) {
    (void)value;
    const param_visit_t *v = opaque;
    const char *param = key + strlen(v->prefix);
    if (!strcmp(param, "allowed.paths") || !strcmp(param, "allowlist.pattern")) return;
    log_warn(v->lg,
             "The configuration '%s' (from %s) is not a parameter of config provider '%s'; it is "
             "ignored, as Kafka's config providers ignore unknown parameters.",
             key, origin, v->provider);
}

/* AllowedPaths(configValue): each comma-separated path normalised, absolute and existing. */
static int parse_allowed_paths(provider_t *p, const char *value, const char *key, const char *origin,
                               char *errstr, size_t errstr_size) {
    if (!value || !*value) return 0;
    char *copy = xstrdup(value);
    int rc = 0;
    for (char *it = copy; rc == 0;) {
        char *comma = strchr(it, ',');
        if (comma) *comma = '\0';
        char *norm = normalize_path(it);
        struct stat st;
        if (norm[0] != '/') {
            snprintf(errstr, errstr_size, "%s (from %s): Path %s is not absolute", key, origin, norm);
            rc = -1;
        } else if (stat(norm, &st) != 0) {
            snprintf(errstr, errstr_size, "%s (from %s): Path %s does not exist", key, origin, norm);
            rc = -1;
        }
        if (rc == 0) {
            p->allowed = xrealloc(p->allowed, (p->n_allowed + 1) * sizeof(*p->allowed));
            p->allowed[p->n_allowed++] = norm;
        } else {
            free(norm);
        }
        if (!comma) break;
        it = comma + 1;
    }
    free(copy);
    return rc;
}

static bool trim_copy(const char *s, size_t n, char *out, size_t out_size) {
    while (n > 0 && (unsigned char)*s <= ' ') s++, n--;
    while (n > 0 && (unsigned char)s[n - 1] <= ' ') n--;
    if (n == 0 || n >= out_size) return false;
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

static int add_provider(config_providers_t *cp, const worker_config_t *wc, const char *name,
                        char *errstr, size_t errstr_size) {
    char key[600];
    snprintf(key, sizeof(key), "config.providers.%s.class", name);
    const char *cls = worker_config_get(wc, key);
    if (!cls) {
        /* Kafka's Worker gets no provider for such a name and leaves its variables as they are. */
        log_warn(plog(),
                 "config.providers lists '%s' but %s is not set: ${%s:...} variables in connector "
                 "configs are left as they are.",
                 name, key, name);
        return 0;
    }
    char trimmed[512];
    if (!trim_copy(cls, strlen(cls), trimmed, sizeof(trimmed))) trimmed[0] = '\0';
    const char *simple = !strncmp(trimmed, PKG, strlen(PKG)) ? trimmed + strlen(PKG) : trimmed;
    size_t k = 0;
    while (k < sizeof(known_classes) / sizeof(known_classes[0]) && strcmp(simple, known_classes[k].simple))
        k++;
    if (k == sizeof(known_classes) / sizeof(known_classes[0])) {
        snprintf(errstr, errstr_size,
                 "%s (from %s): connectd does not implement the config provider class '%s'. It "
                 "has Apache Kafka's " PKG "FileConfigProvider, DirectoryConfigProvider and "
                 "EnvVarConfigProvider. For a Kubernetes secret (what KubernetesSecretConfigProvider "
                 "reads through the Kubernetes API), mount the secret as a volume and use "
                 "${directory:/mount/path:key} with DirectoryConfigProvider instead.",
                 key, worker_config_origin(wc, key), cls);
        return -1;
    }
    cp->p = xrealloc(cp->p, (cp->n + 1) * sizeof(*cp->p));
    provider_t *p = &cp->p[cp->n++];
    *p = (provider_t){.name = xstrdup(name), .type = known_classes[k].type};

    char prefix[300]; /* names are at most 255 bytes (config_providers_new) */
    snprintf(prefix, sizeof(prefix), "config.providers.%s.param.", name);
    param_visit_t v = {prefix, name, plog()};
    worker_config_foreach(wc, prefix, warn_unknown_param, &v);
    if (p->type == PROVIDER_ENV) {
        snprintf(key, sizeof(key), "%sallowlist.pattern", prefix);
        const char *pat = worker_config_get(wc, key);
        if (pat) {
            char err[512];
            if (!(p->pattern = java_regex_new(pat, 0, err, sizeof(err)))) {
                err[strcspn(err, "\n")] = '\0'; /* the message quotes the pattern already */
                snprintf(errstr, errstr_size, "%s (from %s): invalid regular expression '%s': %s", key,
                         worker_config_origin(wc, key), pat, err);
                return -1;
            }
        } else {
            log_info(plog(), "No pattern for environment variables provided. Using default pattern '(.*)'.");
        }
        return 0;
    }
    snprintf(key, sizeof(key), "%sallowed.paths", prefix);
    return parse_allowed_paths(p, worker_config_get(wc, key), key, worker_config_origin(wc, key), errstr,
                               errstr_size);
}

config_providers_t *config_providers_new(const worker_config_t *wc, char *errstr, size_t errstr_size) {
    config_providers_t *cp = xmalloc(sizeof(*cp));
    *cp = (config_providers_t){0};
    const char *list = worker_config_get(wc, "config.providers");
    for (const char *s = list ? list : ""; *s;) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        char name[256];
        if (trim_copy(s, n, name, sizeof(name)) && add_provider(cp, wc, name, errstr, errstr_size) != 0) {
            config_providers_destroy(cp);
            return NULL;
        }
        s += n;
        if (*s == ',') s++;
    }
    return cp;
}

void config_providers_destroy(config_providers_t *cp) {
    if (!cp) return;
    for (size_t i = 0; i < cp->n; i++) {
        free(cp->p[i].name);
        for (size_t j = 0; j < cp->p[i].n_allowed; j++) free(cp->p[i].allowed[j]);
        free(cp->p[i].allowed);
        java_regex_free(cp->p[i].pattern);
    }
    free(cp->p);
    free(cp);
}

/* ---- the providers' get(path, keys) --------------------------------------------------------- */

/* 1: found (*out malloc'ed), 0: the provider has no such key, -1: the provider failed (errstr). */
static int file_get(const provider_t *p, const char *path, const char *key, char **out, char *errstr,
                    size_t errstr_size) {
    if (!*path) return 0;
    char *file = untrusted_path(p, path);
    if (!file) {
        log_warn(plog(), "The path %s is not allowed to be accessed", path);
        return 0;
    }
    worker_config_t *props = worker_config_new(); /* its reader is java.util.Properties.load */
    char err[512];
    int rc = 0;
    if (worker_config_load_file(props, file, err, sizeof(err)) != 0) {
        log_error(plog(), "Could not read properties from file %s: %s", path, err);
        snprintf(errstr, errstr_size, "Could not read properties from file %s", path);
        rc = -1;
    } else if (worker_config_is_set(props, key)) {
        *out = xstrdup(worker_config_get(props, key));
        rc = 1;
    }
    worker_config_destroy(props);
    free(file);
    return rc;
}

static int directory_get(const provider_t *p, const char *path, const char *key, char **out,
                         char *errstr, size_t errstr_size) {
    if (!*path) return 0;
    char *dir = untrusted_path(p, path);
    if (!dir) {
        log_warn(plog(), "The path %s is not allowed to be accessed", path);
        return 0;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        log_warn(plog(), "The path %s is not a directory", path);
        free(dir);
        return 0;
    }
    /* Kafka lists the directory and keeps the regular files (symbolic links followed, as in a
     * Kubernetes secret volume) whose name is a requested key: a key with a '/' never matches. */
    int rc = 0;
    if (*key && !strchr(key, '/') && strcmp(key, ".") && strcmp(key, "..")) {
        size_t dl = strlen(dir);
        while (dl > 1 && dir[dl - 1] == '/') dl--;
        size_t n = dl + strlen(key) + 2;
        char *file = xrealloc(NULL, n);
        snprintf(file, n, "%.*s/%s", (int)dl, dir, key);
        if (stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
            FILE *f = fopen(file, "rb");
            char *buf = NULL;
            size_t len = 0, cap = 0, got;
            char chunk[4096];
            while (f && (got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
                if (len + got + 1 > cap) buf = xrealloc(buf, cap = (len + got + 1) * 2);
                memcpy(buf + len, chunk, got);
                len += got;
            }
            if (!f || ferror(f)) {
                log_error(plog(), "Could not read file %s for property %s: %s", file, key, strerror(errno));
                snprintf(errstr, errstr_size, "Could not read file %s for property %s", file, key);
                free(buf);
                rc = -1;
            } else {
                if (!buf) buf = xstrdup("");
                buf[len] = '\0';
                *out = buf;
                rc = 1;
            }
            if (f) fclose(f);
        }
        free(file);
    }
    free(dir);
    return rc;
}

static int env_get(const provider_t *p, const char *path, const char *key, char **out, char *errstr,
                   size_t errstr_size) {
    if (*path) {
        log_error(plog(), "Path is not supported for EnvVarConfigProvider, invalid value '%s'", path);
        snprintf(errstr, errstr_size, "Path is not supported for EnvVarConfigProvider, invalid value '%s'",
                 path);
        return -1;
    }
    if (p->pattern && !java_regex_matches(p->pattern, key, strlen(key))) return 0;
    const char *v = getenv(key);
    if (!v) return 0;
    *out = xstrdup(v);
    return 1;
}

static const provider_t *find_provider(const config_providers_t *cp, const char *name, size_t n) {
    for (size_t i = 0; cp && i < cp->n; i++)
        if (strlen(cp->p[i].name) == n && !strncmp(cp->p[i].name, name, n)) return &cp->p[i];
    return NULL;
}

/* ---- ConfigTransformer ---------------------------------------------------------------------- */

typedef struct {
    size_t start, end; /* of the whole ${...} */
    const char *provider, *path, *key;
    size_t provider_len, path_len, key_len;
} var_t;

/* The next match of Kafka's DEFAULT_PATTERN, \$\{([^}]*?):(([^}]*?):)?([^}]*?)\}, at or after
 * from: the provider runs to the first ':', the rest to the first '}'; in that rest a ':' ends
 * the path (which is otherwise empty) and the key is what follows. */
static bool next_var(const char *s, size_t from, var_t *v) {
    for (const char *d = strstr(s + from, "${"); d; d = strstr(d + 1, "${")) {
        const char *p = d + 2;
        size_t plen = strcspn(p, ":}");
        if (p[plen] != ':') continue;
        const char *rest = p + plen + 1;
        const char *close = strchr(rest, '}');
        if (!close) return false;
        const char *colon = memchr(rest, ':', (size_t)(close - rest));
        v->start = (size_t)(d - s);
        v->end = (size_t)(close + 1 - s);
        v->provider = p;
        v->provider_len = plen;
        if (colon) {
            v->path = rest;
            v->path_len = (size_t)(colon - rest);
            v->key = colon + 1;
        } else {
            v->path = "";
            v->path_len = 0;
            v->key = rest;
        }
        v->key_len = (size_t)(close - v->key);
        return true;
    }
    return false;
}

bool config_providers_has_variable(const char *value) {
    var_t v;
    return value && next_var(value, 0, &v);
}

/* Resolves the variables of one value: a new string, or NULL with errstr. */
static char *resolve_value(const config_providers_t *cp, const char *value, char *errstr,
                           size_t errstr_size) {
    size_t cap = strlen(value) + 1, len = 0, from = 0;
    char *out = xrealloc(NULL, cap);
    var_t v;
    while (next_var(value, from, &v)) {
        const provider_t *p = find_provider(cp, v.provider, v.provider_len);
        char *found = NULL;
        int rc = 0;
        if (p) {
            char *path = xasprintf("%.*s", (int)v.path_len, v.path);
            char *key = xasprintf("%.*s", (int)v.key_len, v.key);
            switch (p->type) {
            case PROVIDER_FILE: rc = file_get(p, path, key, &found, errstr, errstr_size); break;
            case PROVIDER_DIRECTORY: rc = directory_get(p, path, key, &found, errstr, errstr_size); break;
            case PROVIDER_ENV: rc = env_get(p, path, key, &found, errstr, errstr_size); break;
            }
            free(path);
            free(key);
        }
        if (rc < 0) {
            free(out);
            return NULL;
        }
        const char *piece = rc == 1 ? found : value + v.start;
        size_t plen = rc == 1 ? strlen(found) : v.end - v.start;
        size_t before = v.start - from;
        if (len + before + plen + 1 > cap) out = xrealloc(out, cap = (len + before + plen + 1) * 2);
        memcpy(out + len, value + from, before);
        memcpy(out + len + before, piece, plen);
        len += before + plen;
        free(found);
        from = v.end;
    }
    size_t tail = strlen(value + from);
    if (len + tail + 1 > cap) out = xrealloc(out, len + tail + 1);
    memcpy(out + len, value + from, tail + 1);
    return out;
}

cd_props_t *config_providers_transform(const config_providers_t *cp, const cd_props_t *config,
                                       char *errstr, size_t errstr_size) {
    cd_props_t *out = cd_props_copy(config);
    if (!cp || cp->n == 0) return out;
    for (size_t i = 0; i < cd_props_count(config); i++) {
        const char *v = cd_props_value_at(config, i);
        if (!config_providers_has_variable(v)) continue;
        char *r = resolve_value(cp, v, errstr, errstr_size);
        if (!r) {
            cd_props_destroy(out);
            return NULL;
        }
        cd_props_set(out, cd_props_key_at(config, i), r);
        free(r);
    }
    return out;
}

typedef struct {
    char **keys;
    size_t n;
} key_list_t;

static void collect_variable_key(const char *key, const char *value, const char *origin, void *opaque) {
    (void)origin;
    key_list_t *l = opaque;
    /* The providers' own settings are read raw, as Kafka instantiates providers from them. */
    if (!strncmp(key, "config.providers", 16) || !config_providers_has_variable(value)) return;
    l->keys = xrealloc(l->keys, (l->n + 1) * sizeof(*l->keys));
    l->keys[l->n++] = xstrdup(key);
}

int config_providers_resolve_worker(const config_providers_t *cp, worker_config_t *wc, char *errstr,
                                    size_t errstr_size) {
    if (!cp || cp->n == 0) return 0;
    key_list_t l = {0};
    worker_config_foreach(wc, "", collect_variable_key, &l);
    int rc = 0;
    for (size_t i = 0; i < l.n; i++) {
        char err[512];
        char *r = rc ? NULL : resolve_value(cp, worker_config_get(wc, l.keys[i]), err, sizeof(err));
        if (!rc && !r) {
            snprintf(errstr, errstr_size, "%s (from %s): %s", l.keys[i], worker_config_origin(wc, l.keys[i]),
                     err);
            rc = -1;
        }
        if (r) {
            char *origin = xstrdup(worker_config_origin(wc, l.keys[i]));
            worker_config_set(wc, l.keys[i], r, origin);
            free(origin);
            free(r);
        }
        free(l.keys[i]);
    }
    free(l.keys);
    return rc;
}

void config_providers_reverse(const cd_props_t *raw_connector, cd_props_t *task_config) {
    for (size_t i = 0; i < cd_props_count(raw_connector); i++) {
        const char *k = cd_props_key_at(raw_connector, i), *v = cd_props_value_at(raw_connector, i);
        if (config_providers_has_variable(v) && cd_props_has(task_config, k)) cd_props_set(task_config, k, v);
    }
}
