/* java_regex.h - Java regular expressions (java.util.regex.Pattern, the dialect Kafka Connect's and
 * Debezium's settings are written in) run with POSIX regcomp: the common Java-only spellings are
 * rewritten into an extended regular expression. */
#ifndef CONNECTD_JAVA_REGEX_H
#define CONNECTD_JAVA_REGEX_H

#include <regex.h>
#include <stddef.h>

/* Compiles a Java pattern to match a whole string, as Matcher.matches() does. cflags are
 * regcomp's (REG_EXTENDED is always added); a leading (?i) adds REG_ICASE. Rewritten: (?: groups,
 * \d and \D, escapes inside brackets (POSIX reads a backslash there literally). glibc's ERE knows
 * \w \W \s \S itself. Anything else Java-only (lookaround, possessive quantifiers) fails to
 * compile. Returns 0 (the caller regfree()s re), or regcomp's code with its message in err. */
int java_regex_compile_whole(const char *pattern, int cflags, regex_t *re, char *err, size_t err_size);

#endif
