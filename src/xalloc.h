/* xalloc.h - allocation that cannot fail: small, bounded allocations (configs, names, messages)
 * for which running out of memory leaves nothing sensible to do but abort. */
#ifndef CONNECTD_XALLOC_H
#define CONNECTD_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s); /* NULL stays NULL */
char *xvasprintf(const char *fmt, va_list ap);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
