/* java_regex.h - Java regular expressions (java.util.regex.Pattern, the dialect Kafka Connect's and
 * Debezium's settings are written in) run with PCRE2: Matcher.matches(), find(), replaceAll() and
 * replaceFirst() over UTF-8 text. */
#ifndef CONNECTD_JAVA_REGEX_H
#define CONNECTD_JAVA_REGEX_H

#include <stdbool.h>
#include <stddef.h>

/* A compiled pattern, owned by whoever called java_regex_new (java_regex_free releases it). Once
 * compiled it is read-only: any number of threads may match with it at once (one of them at a
 * time uses the match block kept in the object, the others get their own). */
typedef struct java_regex java_regex_t;

/* Pattern.CASE_INSENSITIVE. Java folds only ASCII letters unless UNICODE_CASE is given; PCRE2 in
 * UTF mode folds every letter, so 'É' matches 'é' here where Java would not. */
#define JAVA_REGEX_CASE_INSENSITIVE 1

/* Compiles pattern (UTF-8) as Pattern.compile(pattern, flags) would. On a syntax error returns
 * NULL and writes into err what PatternSyntaxException.getMessage() shows: a description, " near
 * index N" (N in Java chars, i.e. UTF-16 units), then on further lines the pattern and a caret
 * under the place. The description is Java's for the common mistakes (unclosed group or class,
 * dangling quantifier, ...) and PCRE2's wording otherwise. Java-only syntax PCRE2 would read
 * differently is refused rather than run with another meaning: character class intersection and
 * union ([a-z&&[^b]], [a[b]]), and the (?U) and (?d) flags anywhere but at the start of the
 * pattern. */
java_regex_t *java_regex_new(const char *pattern, int flags, char *err, size_t err_size);

/* Matcher.matches(): the whole of s[0..n) matches. */
bool java_regex_matches(const java_regex_t *re, const char *s, size_t n);

/* Matcher.find(): some part of s[0..n) matches. */
bool java_regex_find(const java_regex_t *re, const char *s, size_t n);

/* Matcher.replaceAll(replacement) and replaceFirst(replacement) over s[0..n): returns a malloc'ed
 * string the caller frees. The replacement has Java's syntax: $3 (the longest group number that
 * exists), ${name}, and a backslash that takes the next character literally. A reference Java
 * would throw on (a group that does not exist, "$" at the end, "$x", a trailing backslash) returns
 * NULL with Java's IllegalArgumentException/IndexOutOfBoundsException text in err; as in Java,
 * only when the pattern matched somewhere (no match returns s unchanged). */
char *java_regex_replace_all(const java_regex_t *re, const char *s, size_t n, const char *replacement,
                             char *err, size_t err_size);
char *java_regex_replace_first(const java_regex_t *re, const char *s, size_t n, const char *replacement,
                               char *err, size_t err_size);

void java_regex_free(java_regex_t *re);

#endif
