/* java_regex.c - the rewriting of Java regular expressions into POSIX extended ones, shared by the
 * PostgreSQL connector's filter lists and the topic creation groups' include/exclude lists. */
#include "connect/java_regex.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static char *java_to_ere(const char *p) {
    sb_t b = {0};
    bool in_bracket = false;
    for (size_t i = 0; p[i];) {
        char c = p[i];
        if (c == '\\' && p[i + 1]) {
            char n = p[i + 1];
            if (!in_bracket) {
                if (n == 'd')
                    sb_add(&b, "[0-9]");
                else if (n == 'D')
                    sb_add(&b, "[^0-9]");
                else
                    sb_addn(&b, p + i, 2);
            } else if (n == 'd') {
                sb_add(&b, "0-9");
            } else if (n == 'w') {
                sb_add(&b, "[:alnum:]_");
            } else if (n == 's') {
                sb_add(&b, "[:space:]");
            } else {
                sb_addc(&b, n);
            }
            i += 2;
            continue;
        }
        if (!in_bracket && c == '(' && p[i + 1] == '?' && p[i + 2] == ':') {
            sb_addc(&b, '(');
            i += 3;
            continue;
        }
        if (!in_bracket && c == '[') {
            in_bracket = true;
            sb_addc(&b, c);
            i++;
            if (p[i] == '^') sb_addc(&b, p[i++]);
            if (p[i] == ']') sb_addc(&b, p[i++]); /* a leading ']' is a member */
            continue;
        }
        if (in_bracket && c == ']') in_bracket = false;
        sb_addc(&b, c);
        i++;
    }
    return sb_take(&b);
}

int java_regex_compile_whole(const char *pattern, int cflags, regex_t *re, char *err, size_t err_size) {
    cflags |= REG_EXTENDED;
    if (!strncmp(pattern, "(?i)", 4)) {
        cflags |= REG_ICASE;
        pattern += 4;
    }
    char *ere = java_to_ere(pattern);
    char *anchored = xasprintf("^(%s)$", ere);
    int rc = regcomp(re, anchored, cflags);
    if (rc) regerror(rc, re, err, err_size);
    free(anchored);
    free(ere);
    return rc;
}
