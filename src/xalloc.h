/* xalloc.h - allocation that cannot fail: small, bounded allocations (configs, names, messages)
 * for which running out of memory leaves nothing sensible to do but abort; and a string builder
 * on top of it. */
#ifndef CONNECTD_XALLOC_H
#define CONNECTD_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s); /* NULL stays NULL */
char *xvasprintf(const char *fmt, va_list ap);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growing NUL-terminated string. Zero-initialise it; sb_take hands the string over (never
 * NULL, "" when nothing was added) and leaves the builder empty. */
typedef struct {
    char *s;
    size_t len, cap;
} sb_t;
void sb_addn(sb_t *b, const char *s, size_t n);
void sb_add(sb_t *b, const char *s);
void sb_addc(sb_t *b, char c);
char *sb_take(sb_t *b);

#endif
