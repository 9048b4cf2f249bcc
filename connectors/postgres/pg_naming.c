/* pg_naming.c - table topic names (pg_naming.h). Debezium works on Java Strings, so its rule counts
 * UTF-16 units where connectd holds UTF-8: java_util says how many units each character is. */
#include "connectors/postgres/pg_naming.h"

#include <stdlib.h>
#include <string.h>

#include "connect/java_util.h"
#include "xalloc.h"

#define MAX_TOPIC_NAME 249 /* TopicNamingStrategy.MAX_NAME_LENGTH */

static bool valid_char(char c) {
    return c == '.' || c == '_' || c == '-' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9');
}

char *pg_topic_sanitize(const char *name, bool *changed) {
    size_t len = strlen(name);
    sb_t b = {0};
    bool ch = false;
    for (size_t i = 0; i < len;) {
        int units;
        size_t n = ju_utf8_next(name + i, len - i, &units);
        if (n == 1 && valid_char(name[i])) {
            sb_addc(&b, name[i]);
        } else {
            for (int u = 0; u < units; u++) sb_addc(&b, '_');
            ch = true;
        }
        i += n;
    }
    char *out = sb_take(&b);
    /* Every character left is ASCII: a Java char each. */
    if (strlen(out) > MAX_TOPIC_NAME) {
        out[MAX_TOPIC_NAME] = '\0';
        ch = true;
    } else if (!strcmp(out, ".")) {
        strcpy(out, "_");
        ch = true;
    } else if (!strcmp(out, "..")) {
        strcpy(out, "__");
        ch = true;
    }
    if (changed) *changed = ch;
    return out;
}

/* Strings.isNullOrBlank: String.trim() drops every char up to U+0020 at both ends. */
static bool blank(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s > ' ') return false;
    return true;
}

char *pg_table_topic(const char *prefix, const char *delimiter, const char *schema, const char *table,
                     bool *changed) {
    const char *parts[] = {prefix, schema, table};
    sb_t b = {0};
    bool first = true;
    for (size_t i = 0; i < 3; i++) {
        if (!parts[i] || blank(parts[i])) continue; /* AbstractTopicNamingStrategy.mkString */
        if (!first) sb_add(&b, delimiter);
        sb_add(&b, parts[i]);
        first = false;
    }
    char *raw = sb_take(&b);
    char *topic = pg_topic_sanitize(raw, changed);
    free(raw);
    return topic;
}
